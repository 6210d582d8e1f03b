"""The sample chain's governance, IBC-denom, metadata, grant and transfer-size workload (issue 17).

Called from :mod:`tests.devnet.make_sample_chain` (kept apart: that module is long):

* :func:`genesis_coins` / :func:`edit_genesis`: bank balances of three ``ibc/<hash>`` denoms
  (given with ``add-genesis-account``, so the supply follows), the ``transfer`` module's
  denom traces of those hashes, and bank denom metadata for ``inj`` and two of the IBC denoms
  (the third has a trace but no metadata).
* :func:`before_restart`: after the core-module rounds, six more rounds: gov v1 proposals
  that will FAIL (the validator votes no, its delegator alice yes, carol - also its
  delegator - does not vote), be VETOED (no_with_veto) and an EXPEDITED one that passes;
  deposits from several accounts; authz grants (one expiring during val2's jail, one with a
  far expiration, one without); fee allowances (one expiring, an ``AllowedMsgAllowance``);
  bank sends from 1 base unit to 10^24 (and one send of two denoms).
* :func:`open_proposal`: near the end, a proposal whose voting period is still running at
  the last height (deposits from two accounts, the validator votes, a delegator overrides,
  another inherits).
* :func:`record`: ``oracle/modules.json``, the node's REST answers for all of that at several
  heights (see tests/devnet/README.md).
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import TYPE_CHECKING, Any

from tests.devnet.node import DevnetError, DevnetNode

if TYPE_CHECKING:
    from tests.devnet.make_sample_chain import Workload

DENOM = "inj"
# (path, base denom): one hop, two hops, and a base denom holding slashes
IBC_TRACES = [
    ("transfer/channel-0", "uatom"),
    ("transfer/channel-1/transfer/channel-7", "aweth"),
    ("transfer/channel-2", "gamm/pool/1"),
]
# genesis balances of the ibc denoms: account -> [(trace index, amount)]
IBC_FUNDS = {"alice": [(1, 3 * 10**24)], "bob": [(0, 5 * 10**12), (2, 10**20)], "validator": [(0, 10**9)]}
GRANT_EXPIRES_IN = 40  # seconds: expires while the node is stopped for val2's jail
FAR_EXPIRATION = 365 * 24 * 3600


def ibc_denom(path: str, base: str) -> str:
    """``ibc/`` + upper-case hex sha256 of ``path/base`` (ICS-20)."""
    return "ibc/" + hashlib.sha256(f"{path}/{base}".encode()).hexdigest().upper()


IBC_DENOMS = [ibc_denom(p, b) for p, b in IBC_TRACES]
ATOM, WETH, POOL = IBC_DENOMS


def genesis_coins(name: str) -> str:
    """Extra coins of ``name``'s genesis account (``,``-joined, to append to its INJ)."""
    return "".join(f",{amount}{IBC_DENOMS[i]}" for i, amount in IBC_FUNDS.get(name, []))


def _metadata() -> list[dict[str, Any]]:
    return [
        {
            "description": "The native staking token of the sample chain",
            "denom_units": [{"denom": "inj", "exponent": 0, "aliases": []}, {"denom": "INJ", "exponent": 18, "aliases": ["injective"]}],
            "base": "inj",
            "display": "INJ",
            "name": "Injective",
            "symbol": "INJ",
            "uri": "",
            "uri_hash": "",
        },
        {
            "description": "ATOM over IBC (transfer/channel-0)",
            "denom_units": [{"denom": ATOM, "exponent": 0, "aliases": ["uatom"]}, {"denom": "ATOM", "exponent": 6, "aliases": []}],
            "base": ATOM,
            "display": "ATOM",
            "name": "Cosmos Hub ATOM",
            "symbol": "ATOM",
            "uri": "https://example.invalid/atom.svg",
            "uri_hash": "",
        },
        {
            "description": "Wrapped ether over two IBC hops",
            "denom_units": [{"denom": WETH, "exponent": 0, "aliases": []}, {"denom": "WETH", "exponent": 18, "aliases": []}],
            "base": WETH,
            "display": "WETH",
            "name": "Wrapped Ether",
            "symbol": "WETH",
            "uri": "",
            "uri_hash": "",
        },
    ]


def edit_genesis(state: dict[str, Any]) -> None:
    """Denom traces of the IBC denoms and the bank's denom metadata, in the genesis state."""
    state["transfer"]["denom_traces"] = [{"path": p, "base_denom": b} for p, b in IBC_TRACES]
    state["bank"]["denom_metadata"] = _metadata()


# --------------------------------------------------------------------------------------------
# workload
# --------------------------------------------------------------------------------------------
def _proposal(w: Workload, name: str, body: dict[str, Any]) -> str:
    path = w.scratch / f"{name}.json"
    path.write_text(json.dumps(body))
    return str(path)


def _text(title: str, summary: str, deposit: str, messages: list[dict[str, Any]] | None = None, expedited: bool = False) -> dict[str, Any]:
    return {
        "messages": messages or [],
        "metadata": f"ipfs://cometgraph-sample/{title.lower().replace(' ', '-')}",
        "deposit": deposit,
        "title": title,
        "summary": summary,
        "expedited": expedited,
    }


def _round_height(w: Workload, names: list[str]) -> int:
    return max(int(w.notable[n]["height"]) for n in names)


def _pid(w: Workload, name: str) -> int:
    pid = int(w.tx_event_attr(w.notable[name]["hash"], "submit_proposal", "proposal_id"))
    w.notable[name]["proposal_id"] = pid
    return pid


def _run(w: Workload, items: list[dict[str, Any]], heights: dict[str, int], label: str) -> None:
    w.round(items)
    heights[label] = _round_height(w, [it["name"] for it in items])


def before_restart(w: Workload) -> None:
    """Proposals that fail, are vetoed and pass expedited; grants; sends of many sizes."""
    from tests.devnet.make_sample_chain import inj

    a = w.keys.address
    step = w.step
    gov = w.facts["gov"]
    heights: dict[str, int] = gov.setdefault("round_heights", {})
    send_from_gov = {
        "@type": "/cosmos.bank.v1beta1.MsgSend",
        "from_address": a["gov"],
        "to_address": a["bob"],
        "amount": [{"denom": DENOM, "amount": str(10**18)}],
    }
    spend_erin = {
        "@type": "/cosmos.distribution.v1beta1.MsgCommunityPoolSpend",
        "authority": a["gov"],
        "recipient": a["erin"],
        "amount": [{"denom": DENOM, "amount": str(5 * 10**17)}],
    }
    fail = _proposal(w, "p_fail", _text("A proposal the validator rejects", "Deposits from alice, bob and carol; the validator votes no.", inj(4)))
    veto = _proposal(w, "p_veto", _text("A proposal the validator vetoes", "A MsgSend from the gov account, vetoed.", inj(10), [send_from_gov]))
    expedited = _proposal(w, "p_expedited", _text("An expedited community pool spend", "Pays erin 0.5 INJ; expedited.", inj(50), [spend_erin], expedited=True))
    far = str(int(time.time()) + FAR_EXPIRATION)
    _run(
        w,
        [
            step("gov_submit_fail", ["gov", "submit-proposal", fail], "alice", gas=500_000),
            step("gov_submit_veto", ["gov", "submit-proposal", veto], "bob", gas=500_000),
            step("gov_submit_expedited", ["gov", "submit-proposal", expedited], "validator", gas=500_000),
            step("authz_grant_generic_far", ["authz", "grant", a["frank"], "generic", "--msg-type", "/cosmos.gov.v1.MsgVote", "--expiration", far], "carol"),
            step("send_one_base_unit", ["bank", "send", "dave", a["frank"], "1inj"], "dave", memo="the smallest send: 1 base unit"),
        ],
        heights,
        "submit",
    )
    ids = gov["proposal_ids"]
    for key, name in [("fail", "gov_submit_fail"), ("veto", "gov_submit_veto"), ("expedited", "gov_submit_expedited")]:
        ids[key] = _pid(w, name)
    log_ids = {k: ids[k] for k in ("fail", "veto", "expedited")}
    print(f"[gov] proposals {log_ids}", flush=True)
    _run(
        w,
        [
            step("gov_deposit_fail_bob", ["gov", "deposit", str(ids["fail"]), inj(3)], "bob"),
            step("gov_deposit_fail_carol", ["gov", "deposit", str(ids["fail"]), inj(3)], "carol"),
            step("gov_vote_veto", ["gov", "vote", str(ids["veto"]), "no_with_veto"], "validator"),
            step("gov_vote_veto_alice", ["gov", "vote", str(ids["veto"]), "yes"], "alice"),
            step("gov_vote_veto_dave", ["gov", "vote", str(ids["veto"]), "no", "--metadata", "dave says no"], "dave"),
        ],
        heights,
        "deposit",
    )
    _run(
        w,
        [
            step("gov_vote_fail", ["gov", "vote", str(ids["fail"]), "no"], "validator"),
            step("gov_vote_fail_alice", ["gov", "vote", str(ids["fail"]), "yes"], "alice"),
            step("gov_weighted_vote_expedited", ["gov", "weighted-vote", str(ids["expedited"]), "yes=0.5,abstain=0.5"], "bob"),
            step("gov_vote_expedited_carol", ["gov", "vote", str(ids["expedited"]), "yes"], "carol"),
            step("send_thousand_inj", ["bank", "send", "dave", a["erin"], "1000000000inj"], "dave", memo="1 gwei of INJ"),
        ],
        heights,
        "votes",
    )
    soon = str(int(time.time()) + GRANT_EXPIRES_IN)
    soon_rfc = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(soon)))
    _run(
        w,
        [
            step("gov_vote_expedited", ["gov", "vote", str(ids["expedited"]), "yes"], "validator"),
            step("send_whale", ["bank", "send", "alice", a["bob"], f"{10**24}{WETH}"], "alice", memo="a whale: 10^24 base units"),
            step("send_ibc_atom", ["bank", "send", "bob", a["carol"], f"{5 * 10**11}{ATOM}"], "bob", memo="ATOM over IBC"),
            step("feegrant_grant_expiring", ["feegrant", "grant", a["carol"], a["dave"], "--spend-limit", inj(2), "--expiration", soon_rfc], "carol"),
        ],
        heights,
        "sends",
    )
    _run(
        w,
        [
            step("authz_grant_send_expiring", ["authz", "grant", a["erin"], "send", "--spend-limit", inj(2), "--expiration", soon], "alice"),
            step("authz_grant_generic_delegate", ["authz", "grant", a["carol"], "generic", "--msg-type", "/cosmos.staking.v1beta1.MsgDelegate"], "bob"),
            step("send_big_inj", ["bank", "send", "validator", a["dave"], inj(1000)], "validator", memo="10^21 base units of INJ"),
            step("send_two_denoms", ["bank", "send", "carol", a["erin"], f"{10**11}{ATOM},{10**17}inj"], "carol", memo="two denoms in one send"),
            step(
                "feegrant_grant_allowed_msgs",
                ["feegrant", "grant", a["dave"], a["frank"], "--spend-limit", inj(1), "--allowed-messages", "/cosmos.bank.v1beta1.MsgSend"],
                "dave",
            ),
        ],
        heights,
        "grants",
    )
    gov["ending"] = ["spend", "legacy", "fail", "veto", "expedited"]
    gov["grants_expire_at"] = int(soon)


def open_proposal(w: Workload) -> None:
    """A proposal still in its voting period at the last height (its 60 s outlast the
    workload's last txs): deposits from alice, carol and dave; the validator votes yes,
    alice (its delegator) overrides with a weighted vote, carol (also its delegator)
    inherits, dave (no delegation) votes no."""
    from tests.devnet.make_sample_chain import inj

    a = w.keys.address
    step = w.step
    gov = w.facts["gov"]
    heights: dict[str, int] = gov["round_heights"]
    spend_frank = {
        "@type": "/cosmos.distribution.v1beta1.MsgCommunityPoolSpend",
        "authority": a["gov"],
        "recipient": a["frank"],
        "amount": [{"denom": DENOM, "amount": str(25 * 10**16)}],
    }
    body = _text("Still voting at the last height", "Pays frank 0.25 INJ if it ever passes.", inj(4), [spend_frank])
    w.tx("gov_submit_open", ["gov", "submit-proposal", _proposal(w, "p_open", body)], "alice", gas=500_000)
    ids = gov["proposal_ids"]
    ids["open"] = _pid(w, "gov_submit_open")
    heights["open_submit"] = w.notable["gov_submit_open"]["height"]
    _run(
        w,
        [
            step("gov_deposit_open_carol", ["gov", "deposit", str(ids["open"]), inj(3)], "carol"),
            step("gov_deposit_open_dave", ["gov", "deposit", str(ids["open"]), inj(3)], "dave"),
        ],
        heights,
        "open_deposit",
    )
    _run(
        w,
        [
            step("gov_vote_open", ["gov", "vote", str(ids["open"]), "yes"], "validator"),
            step("gov_weighted_vote_open", ["gov", "weighted-vote", str(ids["open"]), "no=0.6,abstain=0.4"], "alice"),
            step("gov_vote_open_dave", ["gov", "vote", str(ids["open"]), "no"], "dave"),
        ],
        heights,
        "open_votes",
    )
    p = w.node.rest(f"/cosmos/gov/v1/proposals/{ids['open']}")["proposal"]
    if p["status"] != "PROPOSAL_STATUS_VOTING_PERIOD":
        raise DevnetError(f"the open proposal is not voting: {p['status']}")


# --------------------------------------------------------------------------------------------
# oracle
# --------------------------------------------------------------------------------------------
PAGE = {"pagination.limit": 1000}


def _paged(node: DevnetNode, path: str, h: int, items: str) -> Any:
    from tests.devnet.make_sample_chain import rest_all_pages

    return rest_all_pages(node, path, h, items)


def oracle_heights(work: dict[str, Any], latest: int) -> list[int]:
    """``rest_heights`` plus the height after each gov round (proposals in deposit and voting
    periods, grants before they expire) and the latest (the open proposal)."""
    hs = set(work["rest_heights"]) | set(work["gov"].get("round_heights", {}).values()) | {latest}
    return sorted(h for h in hs if 1 <= h <= latest)


def record_height(node: DevnetNode, h: int, work: dict[str, Any]) -> dict[str, Any]:
    """Every ``modules.json`` key at height ``h``."""
    ids = sorted(set(work["gov"]["proposal_ids"].values())) + [999]
    out: dict[str, Any] = {
        "gov_v1_proposals": _paged(node, "/cosmos/gov/v1/proposals", h, "proposals"),
        "gov_v1beta1_proposals": _paged(node, "/cosmos/gov/v1beta1/proposals", h, "proposals"),
    }
    for key, tmpl, items in [
        ("gov_v1_proposal", "/cosmos/gov/v1/proposals/{}", None),
        ("gov_v1beta1_proposal", "/cosmos/gov/v1beta1/proposals/{}", None),
        ("gov_v1_votes", "/cosmos/gov/v1/proposals/{}/votes", "votes"),
        ("gov_v1beta1_votes", "/cosmos/gov/v1beta1/proposals/{}/votes", "votes"),
        ("gov_v1_deposits", "/cosmos/gov/v1/proposals/{}/deposits", "deposits"),
        ("gov_v1beta1_deposits", "/cosmos/gov/v1beta1/proposals/{}/deposits", "deposits"),
        ("gov_v1_tally", "/cosmos/gov/v1/proposals/{}/tally", None),
        ("gov_v1beta1_tally", "/cosmos/gov/v1beta1/proposals/{}/tally", None),
    ]:
        out[key] = {str(i): _paged(node, tmpl.format(i), h, items) if items else node.rest(tmpl.format(i), height=h) for i in ids}
    for kind in ("voting", "deposit", "tallying"):
        out[f"gov_v1_params_{kind}"] = node.rest(f"/cosmos/gov/v1/params/{kind}", height=h)
        out[f"gov_v1beta1_params_{kind}"] = node.rest(f"/cosmos/gov/v1beta1/params/{kind}", height=h)
    for key, path in [
        ("mint_inflation", "/cosmos/mint/v1beta1/inflation"),
        ("mint_annual_provisions", "/cosmos/mint/v1beta1/annual_provisions"),
        ("mint_params", "/cosmos/mint/v1beta1/params"),
        ("community_pool", "/cosmos/distribution/v1beta1/community_pool"),
        ("auth_params", "/cosmos/auth/v1beta1/params"),
        ("bank_params", "/cosmos/bank/v1beta1/params"),
        ("staking_params", "/cosmos/staking/v1beta1/params"),
        ("slashing_params", "/cosmos/slashing/v1beta1/params"),
        ("distribution_params", "/cosmos/distribution/v1beta1/params"),
        ("ibc_transfer_params", "/ibc/apps/transfer/v1/params"),
    ]:
        out[key] = node.rest(path, height=h)
    out["denom_traces"] = _paged(node, "/ibc/apps/transfer/v1/denom_traces", h, "denom_traces")
    hashes = [d.split("/", 1)[1] for d in IBC_DENOMS] + ["0" * 64, "not-a-hash"]
    out["denom_trace"] = {x: node.rest(f"/ibc/apps/transfer/v1/denom_traces/{x}", height=h) for x in hashes}
    out["denoms_metadata"] = _paged(node, "/cosmos/bank/v1beta1/denoms_metadata", h, "metadatas")
    denoms = [DENOM, *IBC_DENOMS, "nosuchdenom"]
    out["denom_metadata"] = {d: node.rest("/cosmos/bank/v1beta1/denoms_metadata_by_query_string", height=h, denom=d) for d in denoms}
    addrs = {name: acc["address"] for name, acc in work["accounts"].items() if acc.get("module") is None}
    out["authz_granter"] = {x: _paged(node, f"/cosmos/authz/v1beta1/grants/granter/{x}", h, "grants") for x in addrs.values()}
    out["authz_grantee"] = {x: _paged(node, f"/cosmos/authz/v1beta1/grants/grantee/{x}", h, "grants") for x in addrs.values()}
    out["feegrant_allowances"] = {x: _paged(node, f"/cosmos/feegrant/v1beta1/allowances/{x}", h, "allowances") for x in addrs.values()}
    out["feegrant_issued"] = {x: _paged(node, f"/cosmos/feegrant/v1beta1/issued/{x}", h, "allowances") for x in addrs.values()}
    return out


def record(node: DevnetNode, work: dict[str, Any], latest: int) -> dict[str, Any]:
    """``oracle/modules.json``: ``{"heights": [...], "ibc_denoms": [...], "<h>": {key: answer}}``."""
    hs = oracle_heights(work, latest)
    out: dict[str, Any] = {"heights": hs, "ibc_traces": [{"path": p, "base_denom": b, "denom": ibc_denom(p, b)} for p, b in IBC_TRACES]}
    for h in hs:
        out[str(h)] = record_height(node, h, work)
    statuses = {k: (out[str(latest)]["gov_v1_proposal"][str(pid)].get("proposal") or {}).get("status") for k, pid in work["gov"]["proposal_ids"].items()}
    if statuses.get("open") != "PROPOSAL_STATUS_VOTING_PERIOD":
        raise DevnetError(f"at the last height the open proposal is {statuses.get('open')}")
    work["gov"]["status_at_latest"] = statuses
    return out

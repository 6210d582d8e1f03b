"""`transfers` against the node's own answers: every `transfer` event in its /tx results
(``txs.json``), in tx_search's order, block times from its /block answers, and the node's
``tx_search transfer.recipient=…`` for which txs name an address."""

from __future__ import annotations

import re

import pytest

from cometgraph.resolvers import feed

Q = """query($addr: String, $d: String, $m: BigInt, $lo: Int, $hi: Int, $f: Int, $a: String) {
  transfers(address: $addr, denom: $d, minAmount: $m, minHeight: $lo, maxHeight: $hi, first: $f, after: $a) {
    edges { cursor node { sender recipient amount { denom amount } height txHash messageIndex time } }
    pageInfo { hasNextPage hasPreviousPage endCursor } } }"""


def expected(oracle) -> list[dict]:
    """Every transfer event of every tx the node answered for, newest first: height, then the tx
    hash bytes (tx_search's order within a height) reversed, then the events in order."""
    rows = []
    for h, rpc in oracle.txs.items():
        height = int(rpc["height"])
        time = oracle.blocks[str(height)]["block"]["header"]["time"]
        for e in rpc["tx_result"]["events"]:
            if e["type"] != "transfer":
                continue
            a = {x["key"]: x["value"] for x in e["attributes"]}
            rows.append(
                (
                    (height, bytes.fromhex(h)),
                    {
                        "sender": a["sender"],
                        "recipient": a["recipient"],
                        "amount": a["amount"],
                        "height": height,
                        "txHash": h,
                        "messageIndex": int(a["msg_index"]) if "msg_index" in a else None,
                        "time": time,
                    },
                )
            )
    rows.sort(key=lambda x: x[0], reverse=True)  # stable: event order kept within a tx
    return [r for _, r in rows]


def coins_of(amount: str) -> list[tuple[int, str]]:
    """The node's ``transfer.amount`` text ("5inj,7ibc/…") as (amount, denom) pairs."""
    return [(int(m.group(1)), m.group(2)) for m in (re.fullmatch(r"(\d+)(.+)", part) for part in amount.split(",")) if m]


def at_least(t: dict, m: int, denom: str | None = None) -> bool:
    """Whether a transfer moves ``m`` or more base units of one denom (of ``denom`` when given)."""
    return any(a >= m for a, d in coins_of(t["amount"]) if denom is None or d == denom)


def flat(node: dict) -> dict:
    return {**node, "amount": ",".join(c["amount"] + c["denom"] for c in node["amount"])}


async def pages(gql, variables: dict, first: int) -> list[list[dict]]:
    out, after = [], None
    for _ in range(500):
        conn = (await gql.data(Q, {**variables, "f": first, "a": after}))["transfers"]
        assert len(conn["edges"]) <= first
        assert conn["pageInfo"]["hasPreviousPage"] == (after is not None)
        out.append([flat(e["node"]) for e in conn["edges"]])
        if not conn["pageInfo"]["hasNextPage"]:
            return out
        after = conn["pageInfo"]["endCursor"]
        assert after
    raise AssertionError("paging did not end")


async def everything(gql, variables: dict, first: int = 100) -> list[dict]:
    return [t for page in await pages(gql, variables, first) for t in page]


@pytest.mark.parametrize("first", [1, 3, 100])
async def test_transfers_are_every_transfer_event_of_the_nodes_txs_newest_first(gql, oracle, first):
    want = expected(oracle)
    assert len(want) > 50 and any(t["messageIndex"] is None for t in want) and any(t["messageIndex"] == 1 for t in want)
    got = await pages(gql, {}, first)
    assert [t for p in got for t in p] == want
    if first == 3:  # some page ends inside a tx (multi-send: four transfers) and the next resumes in it
        assert any(a[-1]["txHash"] == b[0]["txHash"] for a, b in zip(got, got[1:]))


async def test_times_are_the_nodes_tx_timestamps(gql, oracle):
    for t in await everything(gql, {}):
        assert t["time"].startswith(oracle.rest_txs[t["txHash"]]["tx_response"]["timestamp"][:-1])


async def test_multi_send_and_failed_txs_keep_each_transfer_event(gql, oracle):
    w = oracle.workload["notable_txs"]
    got = await everything(gql, {})
    multi = [t for t in got if t["txHash"] == w["multi_send"]["hash"]]
    assert [t["messageIndex"] for t in multi] == [None, 0, 0, 0]  # the fee, then one per output
    failed = [t for t in got if t["txHash"] == w["failed"]["hash"]]
    assert len(failed) == 1 and failed[0]["messageIndex"] is None  # only the fee moved


@pytest.mark.parametrize("first", [2, 100])
async def test_an_address_is_every_transfer_it_sent_or_received(gql, oracle, first):
    want = expected(oracle)
    for name, acc in oracle.workload["accounts"].items():
        addr = acc["address"]
        got = [t for p in await pages(gql, {"addr": addr}, first) for t in p]
        assert got == [t for t in want if addr in (t["sender"], t["recipient"])], name


async def test_an_address_in_upper_case_is_the_same_account(gql, oracle):
    addr = oracle.workload["accounts"]["carol"]["address"]
    assert await everything(gql, {"addr": addr.upper()}) == await everything(gql, {"addr": addr})


async def test_recipients_are_the_txs_the_nodes_tx_search_finds(gql, oracle):
    """The node's own index answer for ``transfer.recipient='carol'`` names the same txs."""
    rec = next(r for r in oracle.tx_search if r["query"].startswith("transfer.recipient=") and r["order_by"] == "desc")
    addr = rec["query"].split("'")[1]
    got = await everything(gql, {"addr": addr})
    hashes = []
    for t in got:
        if t["recipient"] == addr and t["txHash"] not in hashes:
            hashes.append(t["txHash"])
    assert hashes == rec["hashes"]


async def test_denom_and_min_amount_filter_each_transfer(gql, oracle):
    want = expected(oracle)
    amounts = sorted({a for t in want for a, _ in coins_of(t["amount"])})
    assert amounts[0] == 1 and amounts[-1] >= 10**24  # the workload's sizes span 1 to 10^24 base units
    for m in (amounts[0], amounts[len(amounts) // 2], amounts[-1], amounts[-1] + 1):
        assert await everything(gql, {"m": str(m)}) == [t for t in want if at_least(t, m)], m
        assert await everything(gql, {"m": str(m), "d": "inj"}) == [t for t in want if at_least(t, m, "inj")], m
        assert await everything(gql, {"m": str(m), "d": "uatom"}, 100) == []
    assert await everything(gql, {"d": "inj"}) == [t for t in want if at_least(t, 0, "inj")]
    ibc = next(d for t in want for _, d in coins_of(t["amount"]) if d.startswith("ibc/"))
    only_ibc = [t for t in want if at_least(t, 0, ibc)]
    assert only_ibc and await everything(gql, {"d": ibc}, 100) == only_ibc
    carol = oracle.workload["accounts"]["carol"]["address"]
    mid = amounts[len(amounts) // 2]
    assert await everything(gql, {"d": "inj", "m": str(mid), "addr": carol}, 2) == [
        t for t in want if carol in (t["sender"], t["recipient"]) and at_least(t, mid, "inj")
    ]


async def test_height_ranges_bound_the_feed(gql, oracle):
    want = expected(oracle)
    hs = sorted({t["height"] for t in want})
    lo, mid, hi = hs[1], hs[len(hs) // 2], hs[-2]
    for a, b in [(None, None), (mid, None), (None, mid), (lo, hi), (mid, mid), (hi, lo)]:
        got = await everything(gql, {"lo": a, "hi": b}, 4)
        assert got == [t for t in want if (a is None or t["height"] >= a) and (b is None or t["height"] <= b)], (a, b)
    alice = oracle.workload["accounts"]["alice"]["address"]
    got = await everything(gql, {"lo": lo, "hi": mid, "addr": alice}, 3)
    assert got == [t for t in want if lo <= t["height"] <= mid and alice in (t["sender"], t["recipient"])]


async def test_a_scan_budget_ends_a_page_early_and_the_feed_resumes(gql, oracle, monkeypatch):
    monkeypatch.setattr(feed, "SCAN_BUDGET", 3)
    want = [t for t in expected(oracle) if at_least(t, 10**18)]
    got = await pages(gql, {"m": str(10**18)}, 2)
    assert [t for p in got for t in p] == want
    assert any(len(p) < 2 for p in got[:-1])  # some page ended short: the budget, not the end of the feed


# ---------------------------------------------------------------- limits and bad input
async def test_page_sizes_are_capped(gql):
    assert (await gql.error("{ transfers(first: 101) { nodes { height } } }"))["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert (await gql.error("{ transfers(first: -1) { nodes { height } } }"))["extensions"]["code"] == "BAD_INPUT"
    d = (await gql.data("{ transfers { nodes { height } } }"))["transfers"]["nodes"]
    assert len(d) == 20


@pytest.mark.parametrize(
    "args",
    [
        'address: "inj1notanaddress"',
        'address: "cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu"',
        'address: "inj1\'"',
        'denom: "1inj"',
        'denom: "ab"',
        'minAmount: "-1"',
        "minHeight: 0",
        'after: "bm90IGEgY3Vyc29y"',
        'after: "%%%"',
    ],
)
async def test_malformed_arguments_are_coded_errors(gql, args):
    err = await gql.error(f"{{ transfers({args}) {{ nodes {{ height }} }} }}")
    assert err["extensions"]["code"] == "BAD_INPUT", err


async def test_a_cursor_belongs_to_its_feed_and_filters(gql, oracle):
    alice = oracle.workload["accounts"]["alice"]["address"]
    bob = oracle.workload["accounts"]["bob"]["address"]
    conn = (await gql.data(Q, {"addr": alice, "f": 1}))["transfers"]
    cursor = conn["pageInfo"]["endCursor"]
    err = await gql.error(Q, {"addr": bob, "f": 1, "a": cursor})
    assert err["extensions"]["code"] == "BAD_INPUT" and "different arguments" in err["message"]
    err = await gql.error(Q, {"addr": alice, "m": "1", "f": 1, "a": cursor})
    assert err["extensions"]["code"] == "BAD_INPUT" and "different arguments" in err["message"]
    flows = (await gql.data("{ stakingFlows(first: 1) { pageInfo { endCursor } } }"))["stakingFlows"]["pageInfo"]["endCursor"]
    err = await gql.error(Q, {"f": 1, "a": flows})
    assert err["extensions"]["code"] == "BAD_INPUT"

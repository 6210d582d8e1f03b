"""Accounts, balances and staking through GraphQL against the node's REST answers at every recorded height."""

from __future__ import annotations

import pytest

ACCOUNT = """
query($a: String!, $h: Int) { account(address: $a, height: $h) {
  address typeUrl accountNumber sequence pubKey pubKeyType pubKeyJson
  balances { denom amount }
  delegations { delegatorAddress validatorAddress shares balance { denom amount } }
  unbondingDelegations { delegatorAddress validatorAddress entries { creationHeight completionTime initialBalance balance } }
  redelegations { delegatorAddress validatorSrcAddress validatorDstAddress entries { creationHeight completionTime initialBalance sharesDst balance } }
} }
"""


def rest_heights(oracle) -> list[int]:
    return sorted(int(h) for h in oracle.rest)


def _found(answer: dict) -> bool:
    return "code" not in answer


async def test_every_account_matches_the_nodes_rest_at_every_recorded_height(gql, oracle):
    checked = 0
    for h in rest_heights(oracle):
        rest = oracle.rest[str(h)]
        for addr, info in rest["account_info"].items():
            d = (await gql.data(ACCOUNT, {"a": addr, "h": h}))["account"]
            balances = rest["balances"][addr]["balances"]
            if not _found(info):
                assert d is None or (d["typeUrl"] is None and d["balances"] == balances), (h, addr)
                continue
            i = info["info"]
            assert d["address"] == addr
            assert d["accountNumber"] == i["account_number"] and d["sequence"] == i["sequence"], (h, addr)
            assert d["pubKeyJson"] == i["pub_key"], (h, addr)
            assert d["pubKeyType"] == (i["pub_key"] or {}).get("@type")
            if i["pub_key"] and "key" in i["pub_key"]:
                assert d["pubKey"] == i["pub_key"]["key"]
            assert d["typeUrl"] == rest["accounts"][addr]["account"]["@type"]
            assert d["balances"] == balances, (h, addr)
            dels = rest["delegations"][addr].get("delegation_responses") or []
            assert d["delegations"] == [
                {
                    "delegatorAddress": addr,
                    "validatorAddress": r["delegation"]["validator_address"],
                    "shares": r["delegation"]["shares"],
                    "balance": r["balance"],
                }
                for r in dels
            ], (h, addr)
            assert d["unbondingDelegations"] == [
                {
                    "delegatorAddress": u["delegator_address"],
                    "validatorAddress": u["validator_address"],
                    "entries": [
                        {
                            "creationHeight": int(e["creation_height"]),
                            "completionTime": e["completion_time"],
                            "initialBalance": e["initial_balance"],
                            "balance": e["balance"],
                        }
                        for e in u["entries"]
                    ],
                }
                for u in rest["unbonding"][addr].get("unbonding_responses") or []
            ], (h, addr)
            assert d["redelegations"] == [
                {
                    "delegatorAddress": r["redelegation"]["delegator_address"],
                    "validatorSrcAddress": r["redelegation"]["validator_src_address"],
                    "validatorDstAddress": r["redelegation"]["validator_dst_address"],
                    "entries": [
                        {
                            "creationHeight": int(e["redelegation_entry"]["creation_height"]),
                            "completionTime": e["redelegation_entry"]["completion_time"],
                            "initialBalance": e["redelegation_entry"]["initial_balance"],
                            "sharesDst": e["redelegation_entry"]["shares_dst"],
                            "balance": e["balance"],
                        }
                        for e in r["entries"]
                    ],
                }
                for r in rest["redelegations"][addr].get("redelegation_responses") or []
            ], (h, addr)
            checked += 1
    assert checked >= 20


async def test_staking_validators_match_the_nodes_rest_at_every_recorded_height(gql, oracle):
    q = """query($h: Int) { stakingValidators(height: $h) { operatorAddress consensusPubkey moniker identity website securityContact details
      commissionRate commissionMaxRate commissionMaxChangeRate commissionUpdateTime tokens delegatorShares status jailed
      unbondingHeight unbondingTime minSelfDelegation } }"""
    for h in rest_heights(oracle):
        got = (await gql.data(q, {"h": h}))["stakingValidators"]
        want = oracle.rest[str(h)]["validators"]["validators"]
        assert [
            {
                "operatorAddress": v["operator_address"],
                "consensusPubkey": v["consensus_pubkey"]["key"],
                "moniker": v["description"]["moniker"],
                "identity": v["description"]["identity"] or None,
                "website": v["description"]["website"] or None,
                "securityContact": v["description"]["security_contact"] or None,
                "details": v["description"]["details"] or None,
                "commissionRate": v["commission"]["commission_rates"]["rate"],
                "commissionMaxRate": v["commission"]["commission_rates"]["max_rate"],
                "commissionMaxChangeRate": v["commission"]["commission_rates"]["max_change_rate"],
                "commissionUpdateTime": v["commission"]["update_time"],
                "tokens": v["tokens"],
                "delegatorShares": v["delegator_shares"],
                "status": v["status"].removeprefix("BOND_STATUS_"),
                "jailed": v["jailed"],
                "unbondingHeight": int(v["unbonding_height"]),
                "unbondingTime": v["unbonding_time"],
                "minSelfDelegation": v["min_self_delegation"],
            }
            for v in want
        ] == got, h


async def test_signing_infos_match_the_nodes_rest(gql, oracle):
    q = "query($h: Int) { stakingValidators(height: $h) { consensusAddress signingInfo { address startHeight indexOffset jailedUntil tombstoned missedBlocksCounter } } }"
    for h in rest_heights(oracle):
        want = {i["address"]: i for i in oracle.rest[str(h)]["signing_infos"]["info"]}
        for v in (await gql.data(q, {"h": h}))["stakingValidators"]:
            s = v["signingInfo"]
            i = want[v["consensusAddress"]]
            assert s == {
                "address": i["address"],
                "startHeight": int(i["start_height"]),
                "indexOffset": int(i["index_offset"]),
                "jailedUntil": i["jailed_until"],
                "tombstoned": i["tombstoned"],
                "missedBlocksCounter": int(i["missed_blocks_counter"]),
            }, h


async def test_staking_validator_by_operator_and_status_filter(gql, oracle):
    h = rest_heights(oracle)[-1]
    vals = oracle.rest[str(h)]["validators"]["validators"]
    for v in vals:
        d = await gql.data(
            "query($o: String!, $h: Int) { stakingValidator(operatorAddress: $o, height: $h) { moniker tokens } }", {"o": v["operator_address"], "h": h}
        )
        assert d["stakingValidator"] == {"moniker": v["description"]["moniker"], "tokens": v["tokens"]}
    bonded = (await gql.data("query($h: Int) { stakingValidators(height: $h, status: BONDED) { operatorAddress } }", {"h": h}))["stakingValidators"]
    assert [b["operatorAddress"] for b in bonded] == [v["operator_address"] for v in vals if v["status"] == "BOND_STATUS_BONDED"]


async def test_supply_matches_the_nodes_rest(gql, oracle):
    for h in rest_heights(oracle):
        got = (await gql.data("query($h: Int) { supply(height: $h) { denom amount } }", {"h": h}))["supply"]
        assert got == oracle.rest[str(h)]["supply"]["supply"], h


async def test_the_consensus_set_joins_its_staking_records(gql, oracle):
    h = rest_heights(oracle)[-1]
    d = await gql.data("query($h: Int) { validators(height: $h) { address votingPower staking { operatorAddress moniker tokens } } }", {"h": h})
    by_cons = {}
    for v in oracle.rest[str(h)]["validators"]["validators"]:
        by_cons[v["consensus_pubkey"]["key"]] = v
    cons = {v["address"]: v["pub_key"]["value"] for v in oracle.validators[str(h)]["validators"]}
    for v in d["validators"]:
        rest = by_cons[cons[v["address"]]]
        assert v["staking"] == {"operatorAddress": rest["operator_address"], "moniker": rest["description"]["moniker"], "tokens": rest["tokens"]}


async def test_uptime_counts_signatures_in_the_nodes_commits(gql, oracle, heights):
    top = heights[-1]
    d = await gql.data("query($h: Int) { stakingValidators(height: $h) { consensusPubkey uptime(window: 20) } }", {"h": top})
    import base64
    import hashlib

    for v in d["stakingValidators"]:
        address = hashlib.sha256(base64.b64decode(v["consensusPubkey"])).hexdigest()[:40].upper()
        signed = total = 0
        for h in range(top - 19, top + 1):
            c = oracle.commits.get(str(h))
            if c is None:
                continue
            total += 1
            signed += any(s["validator_address"] == address and s["block_id_flag"] == 2 for s in c["signed_header"]["commit"]["signatures"])
        assert v["uptime"] == pytest.approx(signed / total)


async def test_an_unknown_denom_is_a_zero_coin(gql, oracle):
    addr = next(a for a, i in oracle.rest[str(rest_heights(oracle)[-1])]["account_info"].items() if _found(i))
    d = await gql.data('query($a: String!) { account(address: $a) { balance(denom: "nosuchdenom") { denom amount } } }', {"a": addr})
    assert d["account"]["balance"] == {"denom": "nosuchdenom", "amount": "0"}


@pytest.mark.parametrize(
    "address, code, words",
    [
        ("inj1xyz", "BAD_INPUT", "bech32"),
        ("cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu", "BAD_INPUT", "inj1"),
        ("", "BAD_INPUT", ""),
    ],
)
async def test_malformed_or_foreign_addresses_are_bad_input(gql, address, code, words):
    err = await gql.error("query($a: String!) { account(address: $a) { address } }", {"a": address})
    assert err["extensions"]["code"] == code and words in err["message"]


async def test_heights_outside_the_kept_state_are_clear_errors(gql, oracle, heights):
    addr = next(iter(oracle.rest[str(rest_heights(oracle)[-1])]["account_info"]))
    err = await gql.error("query($a: String!, $h: Int) { account(address: $a, height: $h) { address } }", {"a": addr, "h": heights[-1] + 100})
    assert err["extensions"]["code"] == "NOT_FOUND"
    err = await gql.error("query($h: Int) { supply(height: $h) { denom } }", {"h": 0})
    assert err["extensions"]["code"] == "BAD_INPUT"


def _history(oracle, addr: str, up_to: int) -> list[str]:
    """The node's /tx answers whose indexed events name ``addr``, newest first."""
    rows = [
        (int(rpc["height"]), bytes.fromhex(h))
        for h, rpc in oracle.txs.items()
        if int(rpc["height"]) <= up_to
        and any(
            a.get("index") and (a.get("value") == addr or (a.get("value") or "").startswith(addr + "/"))
            for e in rpc["tx_result"]["events"]
            for a in e["attributes"]
        )
    ]
    return [h.hex().upper() for _, h in sorted(rows, reverse=True)]


async def test_account_txs_page_through_every_tx_naming_the_address(gql, oracle, heights):
    addrs = [a["address"] for a in oracle.workload["accounts"].values() if isinstance(a, dict) and a.get("address")]
    for addr in addrs:
        for h in (heights[-1], heights[len(heights) // 2]):
            got, after = [], None
            while True:
                d = await gql.data(
                    "query($a: String!, $h: Int, $c: String) { account(address: $a, height: $h) { txs(first: 3, after: $c) "
                    "{ edges { cursor node { hash } } pageInfo { hasNextPage endCursor } } } }",
                    {"a": addr, "h": h, "c": after},
                )
                if d["account"] is None:
                    break
                conn = d["account"]["txs"]
                got += [e["node"]["hash"] for e in conn["edges"]]
                if not conn["pageInfo"]["hasNextPage"]:
                    break
                after = conn["pageInfo"]["endCursor"]
            if d["account"] is not None:
                assert got == _history(oracle, addr, h), (addr, h)


async def test_account_txs_oldest_first(gql, oracle, heights):
    addr = oracle.workload["accounts"]["alice"]["address"]
    d = await gql.data("query($a: String!) { account(address: $a) { txs(first: 100, orderBy: ASC) { nodes { hash } } } }", {"a": addr})
    assert [n["hash"] for n in d["account"]["txs"]["nodes"]] == list(reversed(_history(oracle, addr, heights[-1])))


W3 = (
    "query($a: String!, $h: Int, $n: Int, $c: String) { account(address: $a, height: $h) { balances { denom amount } "
    "delegations { validatorAddress shares balance { amount } } "
    "unbondingDelegations { validatorAddress entries { creationHeight completionTime balance } } "
    "txs(first: $n, after: $c) { nodes { hash height code } pageInfo { hasNextPage endCursor } } } }"
)


@pytest.mark.parametrize("at", ["latest", "an older height"])
async def test_the_account_page_decodes_only_the_txs_it_shows(serve, oracle, heights, monkeypatch, at):
    """W3 (bench/run.py, there with pages of 20): alice's history is named by many event keys
    (message.sender, transfer.sender, coin_spent.spender, tx.acc_seq …); a page of 5 must
    decode ~5 tx results, not a page per event key that names her."""
    from cometgraph.storage import txrecords, txscan

    decoded: list[bytes] = []
    parse_tx = txrecords.parse_tx

    def counting(hash: bytes, data: bytes):
        decoded.append(bytes(hash))
        return parse_tx(hash, data)

    monkeypatch.setattr(txrecords, "parse_tx", counting)  # the index's records and its scans both parse through it
    monkeypatch.setattr(txscan, "parse_tx", counting)
    client = await serve()  # a fresh app: no tx decoded before
    addr = oracle.workload["accounts"]["alice"]["address"]
    h = heights[-1] if at == "latest" else oracle.workload["notable_txs"]["edit_validator"]["height"]
    matching = _history(oracle, addr, h)
    assert len(matching) >= 15  # three pages at least
    seen, after = [], None
    for page in range(3):
        decoded.clear()
        r = (await client.post("/graphql", json={"query": W3, "variables": {"a": addr, "h": h, "n": 5, "c": after}})).json()
        assert not r.get("errors"), r["errors"]
        conn = r["data"]["account"]["txs"]
        seen += [n["hash"] for n in conn["nodes"]]
        assert len(decoded) <= 6, (page, len(decoded), len(set(decoded)))
        after = conn["pageInfo"]["endCursor"]
    assert seen == matching[:15]


async def test_an_operation_leaves_its_readers_to_reference_counting(gql, oracle):
    """The application readers, their loaders and the pinned view of an operation are freed
    when it ends, not left in a cycle for the collector (a W5 page left 26 objects a request)."""
    import gc

    h = rest_heights(oracle)[-1]
    q = "query($h: Int) { validators(height: $h) { address staking { operatorAddress moniker } } }"
    await gql.data(q, {"h": h})  # warm: objects made once (protobuf classes) are not the point
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for _ in range(3):
            d = await gql.data(q, {"h": h})
            assert d["validators"] and all(v["staking"] for v in d["validators"])
        gc.collect()
        left = {type(o).__name__ for o in gc.garbage}
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert not left & {"AppReaders", "AppLoaders", "View", "Future"}, left

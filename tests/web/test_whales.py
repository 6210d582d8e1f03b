"""Whale views against the node's own answers: holders, ranked delegators, staking flows."""

from __future__ import annotations

import pytest


def rest_heights(oracle):
    return sorted(int(h) for h in oracle.rest)


async def _all(gql, query: str, field: str, variables: dict, first: int) -> list:
    out, after = [], None
    for _ in range(500):
        d = await gql.data(query, {**variables, "f": first, "a": after})
        conn = d
        for part in field.split("."):
            conn = conn[part]
            if conn is None:  # e.g. a validator that does not exist yet at that height
                return out
        out += [e["node"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            return out
        after = conn["pageInfo"]["endCursor"]
    raise AssertionError("paging did not end")


RICH = "query($d: String!, $h: Int, $f: Int, $a: String) { richList(denom: $d, height: $h, first: $f, after: $a) { edges { cursor node { address amount } } pageInfo { hasNextPage endCursor } } }"


@pytest.mark.parametrize("first", [2, 100])
async def test_rich_list_ranks_every_holder_and_adds_up_to_the_supply(gql, oracle, first):
    for h in rest_heights(oracle):
        rest = oracle.rest[str(h)]
        denom = rest["staking_params"]["params"]["bond_denom"]
        holders = await _all(gql, RICH, "richList", {"d": denom, "h": h}, first)
        amounts = [int(x["amount"]) for x in holders]
        supply = next(int(c["amount"]) for c in rest["supply"]["supply"] if c["denom"] == denom)
        assert sum(amounts) == supply, h
        assert holders == sorted(holders, key=lambda x: (-int(x["amount"]), x["address"]))
        by_addr = {x["address"]: x["amount"] for x in holders}
        for addr, answer in rest["balances"].items():
            bal = next((c["amount"] for c in answer.get("balances", []) if c["denom"] == denom), "0")
            assert by_addr.get(addr, "0") == bal, (h, addr)


@pytest.mark.parametrize("first", [3, 100])
async def test_rich_list_is_the_nodes_denom_owners_ranked_by_amount(gql, oracle, first):
    """The node's REST ``denom_owners`` (by address) is the same set of holders and amounts."""
    for h in rest_heights(oracle):
        rest = oracle.rest[str(h)]
        denom = rest["staking_params"]["params"]["bond_denom"]
        owners = rest["denom_owners"]["denom_owners"]
        assert len(owners) > 5 and not rest["denom_owners"]["pagination"]["next_key"]
        want = [{"address": o["address"], "amount": o["balance"]["amount"]} for o in owners]
        want.sort(key=lambda x: (-int(x["amount"]), x["address"]))
        assert await _all(gql, RICH, "richList", {"d": denom, "h": h}, first) == want, h


async def test_an_unheld_denom_has_no_holders(gql):
    d = await gql.data('{ richList(denom: "nosuch") { nodes { address } pageInfo { hasNextPage endCursor } } }')
    assert d["richList"] == {"nodes": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}


DELS = """query($o: String!, $h: Int, $f: Int, $a: String) { stakingValidator(operatorAddress: $o, height: $h) {
  delegations(first: $f, after: $a) { edges { cursor node { delegatorAddress validatorAddress shares balance { denom amount } } } pageInfo { hasNextPage endCursor } } } }"""


@pytest.mark.parametrize("first", [1, 50])
async def test_a_validators_delegators_are_ranked_by_stake(gql, oracle, first):
    for h in rest_heights(oracle):
        for valoper, answer in oracle.rest[str(h)]["validator_delegations"].items():
            if "delegation_responses" not in answer:
                continue
            got = await _all(gql, DELS, "stakingValidator.delegations", {"o": valoper, "h": h}, first)
            want = [
                {
                    "delegatorAddress": r["delegation"]["delegator_address"],
                    "validatorAddress": valoper,
                    "shares": r["delegation"]["shares"],
                    "balance": r["balance"],
                }
                for r in answer["delegation_responses"]
            ]
            want.sort(key=lambda x: (-int(x["balance"]["amount"]), x["delegatorAddress"]))
            assert got == want, (h, valoper)


def _expected_flows(oracle) -> list[dict]:
    """The staking events in the node's /tx answers, newest first (height, then hash, as tx_search orders)."""
    kinds = {"delegate": "delegate", "unbond": "undelegate", "redelegate": "redelegate", "create_validator": "create-validator"}
    rows = []
    for h, rpc in oracle.txs.items():
        r = rpc["tx_result"]
        if r.get("code", 0) != 0:
            continue
        for e in r["events"]:
            if e["type"] in kinds:
                a = {x["key"]: x["value"] for x in e["attributes"]}
                rows.append(
                    ((int(rpc["height"]), bytes.fromhex(h)), {"kind": kinds[e["type"]], "amount": a["amount"], "height": int(rpc["height"]), "hash": h})
                )
    rows.sort(key=lambda x: x[0], reverse=True)  # stable: event order kept within a tx
    return [r for _, r in rows]


FLOWS = "query($m: BigInt, $f: Int, $a: String) { stakingFlows(minAmount: $m, first: $f, after: $a) { edges { cursor node { kind amount { denom amount } height tx { hash } delegatorAddress } } pageInfo { hasNextPage endCursor } } }"


@pytest.mark.parametrize("first", [1, 3, 100])
async def test_staking_flows_are_the_nodes_staking_events_newest_first(gql, oracle, first):
    got = await _all(gql, FLOWS, "stakingFlows", {}, first)
    assert [
        {"kind": g["kind"], "amount": g["amount"]["amount"] + g["amount"]["denom"], "height": g["height"], "hash": g["tx"]["hash"]} for g in got
    ] == _expected_flows(oracle)
    w = oracle.workload["notable_txs"]
    by_hash = {g["tx"]["hash"]: g for g in got}
    assert by_hash[w["delegate"]["hash"]]["kind"] == "delegate"
    assert by_hash[w["undelegate"]["hash"]]["kind"] == "undelegate"
    assert by_hash[w["create_validator"]["hash"]]["kind"] == "create-validator"
    assert by_hash[w["redelegate"]["hash"]]["delegatorAddress"] == oracle.workload["accounts"]["alice"]["address"]


async def test_staking_flows_filter_by_amount_and_height(gql, oracle):
    flows = _expected_flows(oracle)
    amounts = sorted({int("".join(c for c in f["amount"] if c.isdigit())) for f in flows})
    threshold = amounts[len(amounts) // 2]
    got = await _all(gql, FLOWS, "stakingFlows", {"m": str(threshold)}, 2)
    assert [g["tx"]["hash"] for g in got] == [f["hash"] for f in flows if int("".join(c for c in f["amount"] if c.isdigit())) >= threshold]
    lo, hi = flows[-1]["height"], flows[0]["height"]
    mid = (lo + hi) // 2
    d = await gql.data(f"{{ stakingFlows(fromHeight: {mid}, toHeight: {hi}, first: 100) {{ nodes {{ height }} }} }}")
    assert [n["height"] for n in d["stakingFlows"]["nodes"]] == [f["height"] for f in flows if mid <= f["height"] <= hi]

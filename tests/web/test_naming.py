"""One name per concept: a height range is `minHeight`/`maxHeight` everywhere; `stakingFlows`'
first spelling (`fromHeight`/`toHeight`) still works, deprecated, and gives the same answers."""

from __future__ import annotations

import pytest

from tests.web.test_whales import _expected_flows

FLOWS = (
    "query($lo: Int, $hi: Int, $f: Int, $a: String) {{ stakingFlows({lo}: $lo, {hi}: $hi, first: $f, after: $a) "
    "{{ edges {{ cursor node {{ kind height amount {{ denom amount }} tx {{ hash }} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
)
NEW = FLOWS.format(lo="minHeight", hi="maxHeight")
OLD = FLOWS.format(lo="fromHeight", hi="toHeight")


async def all_flows(gql, query: str, lo: int | None, hi: int | None, first: int) -> list[dict]:
    edges, after = [], None
    for _ in range(500):
        conn = (await gql.data(query, {"lo": lo, "hi": hi, "f": first, "a": after}))["stakingFlows"]
        edges += conn["edges"]
        if not conn["pageInfo"]["hasNextPage"]:
            return edges
        after = conn["pageInfo"]["endCursor"]
    raise AssertionError("paging did not end")


def ranges(oracle) -> list[tuple[int | None, int | None]]:
    """Open, half-open, closed, one-height and empty (min > max) ranges over the recorded flows."""
    hs = [f["height"] for f in _expected_flows(oracle)]  # newest first
    lo, mid, hi = hs[-2], hs[len(hs) // 2], hs[1]
    assert lo < mid < hi
    return [(None, None), (mid, None), (None, mid), (lo, hi), (mid, mid), (hi, lo)]


async def test_min_and_max_height_bound_staking_flows_as_the_node_recorded_them(gql, oracle):
    flows = _expected_flows(oracle)
    for lo, hi in ranges(oracle):
        got = await all_flows(gql, NEW, lo, hi, 3)
        want = [f for f in flows if (lo is None or f["height"] >= lo) and (hi is None or f["height"] <= hi)]
        assert [(e["node"]["kind"], e["node"]["height"], e["node"]["tx"]["hash"]) for e in got] == [(f["kind"], f["height"], f["hash"]) for f in want], (lo, hi)


async def test_the_deprecated_from_and_to_height_give_identical_answers(gql, oracle):
    for lo, hi in ranges(oracle):
        for first in (2, 100):
            assert await all_flows(gql, OLD, lo, hi, first) == await all_flows(gql, NEW, lo, hi, first), (lo, hi, first)


async def test_a_cursor_of_one_spelling_resumes_the_other(gql, oracle):
    lo, hi = ranges(oracle)[3]
    first = (await gql.data(OLD, {"lo": lo, "hi": hi, "f": 1}))["stakingFlows"]
    assert first["pageInfo"]["hasNextPage"]
    rest_new = (await gql.data(NEW, {"lo": lo, "hi": hi, "f": 100, "a": first["pageInfo"]["endCursor"]}))["stakingFlows"]
    rest_old = (await gql.data(OLD, {"lo": lo, "hi": hi, "f": 100, "a": first["pageInfo"]["endCursor"]}))["stakingFlows"]
    assert rest_new == rest_old and rest_new["edges"]


@pytest.mark.parametrize(
    "args, words",
    [
        ("minHeight: 5, fromHeight: 5", "give minHeight or its deprecated alias fromHeight, not both"),
        ("maxHeight: 9, toHeight: 9", "give maxHeight or its deprecated alias toHeight, not both"),
        ("minHeight: 0", "must be positive heights"),
        ("toHeight: -3", "must be positive heights"),
    ],
)
async def test_naming_a_bound_twice_or_badly_is_bad_input(gql, args, words):
    err = await gql.error(f"{{ stakingFlows({args}) {{ nodes {{ height }} }} }}")
    assert err["extensions"]["code"] == "BAD_INPUT", err
    assert words in err["message"]


async def test_the_old_and_new_names_mix_across_bounds(gql, oracle):
    lo, hi = ranges(oracle)[3]
    mixed = FLOWS.format(lo="minHeight", hi="toHeight")
    assert await all_flows(gql, mixed, lo, hi, 100) == await all_flows(gql, NEW, lo, hi, 100)


ARGS = "{ __schema { types { name fields { name args(includeDeprecated: true) { name isDeprecated deprecationReason } } } } }"


async def test_every_height_range_in_the_schema_is_spelled_min_max_height(gql):
    """The rule, checked on the served schema: a non-deprecated argument naming a height is
    `height` (one height) or `minHeight`/`maxHeight` (a range); the old names are deprecated."""
    seen = {}
    for t in (await gql.data(ARGS))["__schema"]["types"]:
        for f in t["fields"] or []:
            for a in f["args"]:
                if a["name"].lower().endswith("height"):
                    seen[(t["name"], f["name"], a["name"])] = a
    live = {k[2] for k, a in seen.items() if not a["isDeprecated"]}
    assert live == {"height", "minHeight", "maxHeight"}, seen
    old = {k: a for k, a in seen.items() if a["isDeprecated"]}
    assert set(old) == {("Query", "stakingFlows", "fromHeight"), ("Query", "stakingFlows", "toHeight")}
    assert all("minHeight" in a["deprecationReason"] or "maxHeight" in a["deprecationReason"] for a in old.values())
    ranges_ = {(t, f) for t, f, a in seen if a in ("minHeight", "maxHeight")}
    assert ranges_ == {("Query", "blocks"), ("Query", "stakingFlows"), ("Query", "transfers")}


async def test_consensus_pub_key_is_spelled_like_every_other_pub_key(gql, oracle):
    q = "query($h: Int) { stakingValidators(height: $h) { operatorAddress consensusPubKey consensusPubKeyType consensusPubkey consensusPubkeyType } }"
    for h in sorted(int(x) for x in oracle.rest):
        want = {v["operator_address"]: v["consensus_pubkey"] for v in oracle.rest[str(h)]["validators"]["validators"]}
        got = (await gql.data(q, {"h": h}))["stakingValidators"]
        assert {v["operatorAddress"] for v in got} == set(want), h
        for v in got:
            pk = want[v["operatorAddress"]]
            assert (v["consensusPubKey"], v["consensusPubKeyType"]) == (pk["key"], pk["@type"]), h
            assert (v["consensusPubkey"], v["consensusPubkeyType"]) == (v["consensusPubKey"], v["consensusPubKeyType"])


async def test_a_flows_destination_is_validator_dst_address_as_on_redelegation(gql, oracle):
    redelegate = oracle.workload["notable_txs"]["redelegate"]["hash"]
    events = oracle.txs[redelegate]["tx_result"]["events"]
    dst = next(a["value"] for e in events if e["type"] == "redelegate" for a in e["attributes"] if a["key"] == "destination_validator")
    flows = (await gql.data("{ stakingFlows(first: 100) { nodes { kind validatorDstAddress dstValidatorAddress tx { hash } } } }"))["stakingFlows"]["nodes"]
    assert {"kind": "redelegate", "validatorDstAddress": dst, "dstValidatorAddress": dst, "tx": {"hash": redelegate}} in flows
    for f in flows:
        assert f["validatorDstAddress"] == f["dstValidatorAddress"]
        assert (f["validatorDstAddress"] is None) is (f["kind"] != "redelegate")


FIELDS = "{ __schema { types { name fields(includeDeprecated: true) { name isDeprecated deprecationReason } } } }"


async def test_no_live_field_keeps_a_second_spelling(gql):
    fields = {(t["name"], f["name"]): f for t in (await gql.data(FIELDS))["__schema"]["types"] for f in t["fields"] or []}
    deprecated = {k: f["deprecationReason"] for k, f in fields.items() if f["isDeprecated"]}
    assert deprecated == {
        ("StakingValidator", "consensusPubkey"): deprecated[("StakingValidator", "consensusPubkey")],
        ("StakingValidator", "consensusPubkeyType"): deprecated[("StakingValidator", "consensusPubkeyType")],
        ("StakingFlow", "dstValidatorAddress"): deprecated[("StakingFlow", "dstValidatorAddress")],
    }
    assert "consensusPubKey" in deprecated[("StakingValidator", "consensusPubkey")]
    assert "validatorDstAddress" in deprecated[("StakingFlow", "dstValidatorAddress")]
    live = [name for (_, name), f in fields.items() if not f["isDeprecated"] and not name.startswith("__")]
    assert [n for n in live if "Pubkey" in n or n.startswith("dst")] == []

"""Every connection's `pageInfo` has Relay's four fields, and they tell the truth: a second page
has a previous page, a first page has none; `startCursor` is the first edge's cursor."""

from __future__ import annotations

INFO = "edges { cursor } pageInfo { hasPreviousPage hasNextPage startCursor endCursor }"


def bond_denom(oracle) -> str:
    return oracle.rest[str(max(int(h) for h in oracle.rest))]["staking_params"]["params"]["bond_denom"]


async def two_pages(gql, field: str, query: str, variables: dict) -> tuple[dict, dict]:
    """The first page (2 edges) and the one after it, of ``field`` (a dotted path)."""

    def conn(d):
        for part in field.split("."):
            d = d[part]
        return d

    first = conn(await gql.data(query, {**variables, "a": None}))
    assert first["pageInfo"]["hasNextPage"] is True, "the test needs a list longer than one page"
    second = conn(await gql.data(query, {**variables, "a": first["pageInfo"]["endCursor"]}))
    return first, second


async def check(gql, field: str, query: str, variables: dict) -> None:
    first, second = await two_pages(gql, field, query, variables)
    for p in (first, second):
        assert p["pageInfo"]["startCursor"] == p["edges"][0]["cursor"]
        assert p["pageInfo"]["endCursor"] == p["edges"][-1]["cursor"]
    assert first["pageInfo"]["hasPreviousPage"] is False
    assert second["pageInfo"]["hasPreviousPage"] is True
    assert first["edges"][0]["cursor"] not in [e["cursor"] for e in second["edges"]]


async def test_tx_search_pages_say_whether_a_page_comes_before(gql):
    q = f'query($a: String) {{ txs(query: "tx.height>=1", first: 2, after: $a) {{ {INFO} }} }}'
    await check(gql, "txs", q, {})


async def test_rich_list_pages_say_whether_a_page_comes_before(gql, oracle):
    q = f"query($d: String!, $a: String) {{ richList(denom: $d, first: 2, after: $a) {{ {INFO} }} }}"
    await check(gql, "richList", q, {"d": bond_denom(oracle)})


async def test_validator_delegation_pages_say_whether_a_page_comes_before(gql, oracle):
    vals = (await gql.data("{ stakingValidators { operatorAddress delegations(first: 100) { edges { cursor } } } }"))["stakingValidators"]
    valoper = max(vals, key=lambda v: len(v["delegations"]["edges"]))["operatorAddress"]
    q = f"query($o: String!, $a: String) {{ stakingValidator(operatorAddress: $o) {{ delegations(first: 2, after: $a) {{ {INFO} }} }} }}"
    await check(gql, "stakingValidator.delegations", q, {"o": valoper})


async def test_staking_flow_pages_say_whether_a_page_comes_before(gql):
    q = f"query($a: String) {{ stakingFlows(first: 2, after: $a) {{ {INFO} }} }}"
    await check(gql, "stakingFlows", q, {})


async def test_account_tx_pages_say_whether_a_page_comes_before(gql, oracle):
    senders = {}
    for rpc in oracle.txs.values():
        for e in rpc["tx_result"]["events"]:
            for a in e["attributes"]:
                if e["type"] == "message" and a["key"] == "sender":
                    senders[a["value"]] = senders.get(a["value"], 0) + 1
    addr = max(senders, key=senders.get)
    q = f"query($x: String!, $a: String) {{ account(address: $x) {{ txs(first: 2, after: $a) {{ {INFO} }} }} }}"
    await check(gql, "account.txs", q, {"x": addr})


async def test_transfer_pages_say_whether_a_page_comes_before(gql):
    q = f"query($a: String) {{ transfers(first: 3, after: $a) {{ {INFO} }} }}"
    await check(gql, "transfers", q, {})


async def test_block_search_pages_say_whether_a_page_comes_before(gql):
    q = f'query($a: String) {{ blockSearch(query: "liveness.address EXISTS", first: 4, after: $a) {{ {INFO} }} }}'
    await check(gql, "blockSearch", q, {})

"""The API's one default order: every list along the chain comes newest first (descending
height; within a height the node's tx order, reversed) unless asked otherwise."""

from __future__ import annotations

from tests.web.test_whales import _expected_flows


async def walk(gql, query: str, field: str, variables: dict) -> list[dict]:
    """Every node of a connection, paged 7 at a time with no order argument."""
    out, after = [], None
    for _ in range(500):
        conn = await gql.data(query, {**variables, "a": after})
        for part in field.split("."):
            conn = conn[part]
        out += conn["nodes"]
        if not conn["pageInfo"]["hasNextPage"]:
            return out
        after = conn["pageInfo"]["endCursor"]
    raise AssertionError("paging did not end")


async def test_tx_search_defaults_to_the_nodes_desc_answer(gql, oracle):
    """Without orderBy a search is the node's order_by=desc answer: the reverse of its asc one."""
    q = "query($q: String!, $a: String) { txs(query: $q, first: 7, after: $a) { nodes { hash } pageInfo { hasNextPage endCursor } } }"
    assert {r["order_by"] for r in oracle.tx_search} == {"asc", "desc"}
    for rec in oracle.tx_search:
        want = rec["hashes"] if rec["order_by"] == "desc" else rec["hashes"][::-1]
        assert [n["hash"] for n in await walk(gql, q, "txs", {"q": rec["query"]})] == want, rec["query"]


async def test_account_txs_default_to_newest_first(gql, oracle):
    q = "query($x: String!, $a: String) { account(address: $x) { txs(first: 7, after: $a) { nodes { hash height } pageInfo { hasNextPage endCursor } } } }"
    q_asc = q.replace("first: 7", "first: 7, orderBy: ASC")
    addr = oracle.workload["accounts"]["alice"]["address"]
    newest_first = await walk(gql, q, "account.txs", {"x": addr})
    assert len(newest_first) > 3
    assert [n["height"] for n in newest_first] == sorted((n["height"] for n in newest_first), reverse=True)
    assert newest_first == (await walk(gql, q_asc, "account.txs", {"x": addr}))[::-1]


async def test_blocks_default_to_newest_first(gql, heights):
    q = "query($a: String) { blocks(first: 7, after: $a) { nodes { height } pageInfo { hasNextPage endCursor } } }"
    assert [n["height"] for n in await walk(gql, q, "blocks", {})] == heights[::-1]


async def test_staking_flows_default_to_newest_first(gql, oracle):
    q = "query($a: String) { stakingFlows(first: 7, after: $a) { nodes { height tx { hash } } pageInfo { hasNextPage endCursor } } }"
    got = await walk(gql, q, "stakingFlows", {})
    assert [(n["height"], n["tx"]["hash"]) for n in got] == [(f["height"], f["hash"]) for f in _expected_flows(oracle)]

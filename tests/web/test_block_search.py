"""`blockSearch` against the node's recorded ``block_search`` answers, through the served API."""

from __future__ import annotations

import pytest

Q = """query($q: String!, $o: Order, $f: Int, $a: String) {
  blockSearch(query: $q, orderBy: $o, first: $f, after: $a) {
    edges { cursor node { height hash time } } pageInfo { hasNextPage hasPreviousPage endCursor } } }"""


async def search(gql, query: str, order: str, first: int) -> list[dict]:
    out, after = [], None
    for _ in range(500):
        conn = (await gql.data(Q, {"q": query, "o": order.upper(), "f": first, "a": after}))["blockSearch"]
        assert len(conn["edges"]) <= first and conn["pageInfo"]["hasPreviousPage"] == (after is not None)
        out += [e["node"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            return out
        after = conn["pageInfo"]["endCursor"]
    raise AssertionError("paging did not end")


@pytest.mark.parametrize("first", [1, 3, 100])
async def test_block_search_is_the_nodes_answer_in_both_orders(gql, oracle, first):
    for rec in oracle.block_search:
        got = await search(gql, rec["query"], rec["order_by"], first)
        assert [b["height"] for b in got] == rec["heights"], rec
        for b in got:  # the blocks themselves are the node's
            node = oracle.blocks[str(b["height"])]
            assert (b["hash"], b["time"]) == (node["block_id"]["hash"], node["block"]["header"]["time"])


async def test_desc_is_the_default_order_as_on_the_node(gql, oracle):
    rec = next(r for r in oracle.block_search if r["order_by"] == "desc")
    d = await gql.data("query($q: String!) { blockSearch(query: $q, first: 100) { nodes { height } } }", {"q": rec["query"]})
    assert [b["height"] for b in d["blockSearch"]["nodes"]] == rec["heights"]


async def test_page_sizes_are_capped(gql):
    q = '{ blockSearch(query: "liveness.address EXISTS", first: %d) { nodes { height } } }'
    assert (await gql.error(q % 101))["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert (await gql.error(q % -1))["extensions"]["code"] == "BAD_INPUT"
    d = await gql.data('{ blockSearch(query: "block.height>=1") { nodes { height } pageInfo { hasNextPage } } }')
    assert len(d["blockSearch"]["nodes"]) == 20 and d["blockSearch"]["pageInfo"]["hasNextPage"]


@pytest.mark.parametrize("query", ["block.height >>", "liveness.address EXISTS AND", "x" * 600, "'unterminated"])
async def test_a_malformed_query_is_a_coded_error(gql, query):
    err = await gql.error(Q, {"q": query, "f": 5})
    assert err["extensions"]["code"] == "BAD_INPUT", err


async def test_a_cursor_belongs_to_one_query_and_order(gql):
    conn = (await gql.data(Q, {"q": "liveness.address EXISTS", "o": "ASC", "f": 2}))["blockSearch"]
    cursor = conn["pageInfo"]["endCursor"]
    for variables, words in [
        ({"q": "mint.amount EXISTS", "o": "ASC"}, "different query"),
        ({"q": "liveness.address EXISTS", "o": "DESC"}, "asc order"),
    ]:
        err = await gql.error(Q, {**variables, "f": 2, "a": cursor})
        assert err["extensions"]["code"] == "BAD_INPUT" and words in err["message"], err
    blocks = (await gql.data("{ blocks(first: 1) { pageInfo { endCursor } } }"))["blocks"]["pageInfo"]["endCursor"]
    assert (await gql.error(Q, {"q": "liveness.address EXISTS", "f": 2, "a": blocks}))["extensions"]["code"] == "BAD_INPUT"

"""`blocks` paged both ways (Relay `first`/`after` and `last`/`before`), against the node's own
`/blockchain` block metas (newest first), across the whole sample chain and its two ends."""

from __future__ import annotations

import pytest

from tests.web.test_pruned import pruned  # noqa: F401  (the pruned-node fixture)

PAGE = (
    "query($f: Int, $a: String, $l: Int, $b: String, $lo: Int, $hi: Int) {"
    " blocks(first: $f, after: $a, last: $l, before: $b, minHeight: $lo, maxHeight: $hi) {"
    " edges { cursor node { height hash time numTxs size } }"
    " pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"
)


def node_metas(oracle) -> list[dict]:
    """Every block as the node's /blockchain printed it, newest first."""
    metas = oracle.blockchain["block_metas"]
    assert [int(m["header"]["height"]) for m in metas] == sorted((int(m["header"]["height"]) for m in metas), reverse=True)
    return [
        {
            "height": int(m["header"]["height"]),
            "hash": m["block_id"]["hash"],
            "time": m["header"]["time"],
            "numTxs": int(m["num_txs"]),
            "size": int(m["block_size"]),
        }
        for m in metas
    ]


async def page(gql, **v) -> dict:
    names = {"first": "f", "after": "a", "last": "l", "before": "b", "min": "lo", "max": "hi"}
    conn = (await gql.data(PAGE, {names[k]: x for k, x in v.items()}))["blocks"]
    info, edges = conn["pageInfo"], conn["edges"]
    assert info["startCursor"] == (edges[0]["cursor"] if edges else None)
    assert info["endCursor"] == (edges[-1]["cursor"] if edges else None)
    return conn


def nodes(conn) -> list[dict]:
    return [e["node"] for e in conn["edges"]]


async def walk_forward(gql, size: int) -> list[dict]:
    pages, after = [], None
    while True:
        conn = await page(gql, first=size, after=after)
        assert conn["pageInfo"]["hasPreviousPage"] is (after is not None)
        pages.append(conn)
        if not conn["pageInfo"]["hasNextPage"]:
            return pages
        after = conn["pageInfo"]["endCursor"]
        assert len(pages) < 500


@pytest.mark.parametrize("size", [1, 7, 29, 100])
async def test_forward_pages_are_the_nodes_blocks_newest_first(gql, oracle, heights, size):
    pages = await walk_forward(gql, size)
    seen = [n for p in pages for n in nodes(p)]
    assert seen == node_metas(oracle)
    assert seen[0]["height"] == heights[-1] and seen[-1]["height"] == heights[0]  # both ends of the chain
    assert len(pages) == -(-len(heights) // size)


@pytest.mark.parametrize("size", [1, 7, 29, 100])
async def test_walking_back_from_the_last_page_retraces_the_forward_pages_in_reverse(gql, heights, size):
    forward = await walk_forward(gql, size)
    back = [forward[-1]]
    while back[-1]["pageInfo"]["hasPreviousPage"]:
        conn = await page(gql, last=size, before=back[-1]["pageInfo"]["startCursor"])
        assert conn["pageInfo"]["hasNextPage"] is True  # the page it came from is after it
        back.append(conn)
        assert len(back) <= len(forward)
    assert [nodes(p) for p in back] == [nodes(p) for p in reversed(forward)]
    assert [p["pageInfo"]["hasPreviousPage"] for p in back] == [len(forward) > 1] * (len(back) - 1) + [False]
    assert nodes(back[-1])[0]["height"] == heights[-1]


@pytest.mark.parametrize("size", [1, 7, 29, 100])
async def test_last_without_a_cursor_starts_at_the_earliest_block_and_pages_to_the_latest(gql, oracle, heights, size):
    seen, before, pages = [], None, 0
    while True:
        conn = await page(gql, last=size, before=before)
        assert conn["pageInfo"]["hasNextPage"] is (before is not None)
        seen = nodes(conn) + seen
        pages += 1
        if not conn["pageInfo"]["hasPreviousPage"]:
            break
        before = conn["pageInfo"]["startCursor"]
        assert pages < 500
    assert seen == node_metas(oracle)
    assert pages == -(-len(heights) // size)


async def test_the_oldest_page_holds_the_earliest_block(gql, oracle, heights):
    conn = await page(gql, last=3)
    assert nodes(conn) == node_metas(oracle)[-3:]
    assert [n["height"] for n in nodes(conn)] == [heights[0] + 2, heights[0] + 1, heights[0]]
    assert conn["pageInfo"]["hasNextPage"] is False and conn["pageInfo"]["hasPreviousPage"] is True


async def test_after_and_before_together_leave_the_blocks_between(gql, oracle, heights):
    by_height = {n["height"]: n for n in node_metas(oracle)}
    top = await page(gql, first=30)
    newer, older = top["edges"][4], top["edges"][15]  # heights latest-4 and latest-15
    for kw in ({"first": 100}, {"last": 100}, {"first": 3}, {"last": 3}):
        conn = await page(gql, after=newer["cursor"], before=older["cursor"], **kw)
        want = list(range(newer["node"]["height"] - 1, older["node"]["height"], -1))
        want = want[: kw.get("first", 100)] if "first" in kw else want[-kw["last"] :]
        assert nodes(conn) == [by_height[h] for h in want], kw
        # the flags speak of the whole list, not of the cut
        assert conn["pageInfo"]["hasPreviousPage"] is True and conn["pageInfo"]["hasNextPage"] is True


async def test_backward_pages_keep_to_min_and_max_height(gql, heights):
    lo, hi = heights[10], heights[40]
    conn = await page(gql, last=4, min=lo, max=hi)
    assert [n["height"] for n in nodes(conn)] == [lo + 3, lo + 2, lo + 1, lo]
    assert (conn["pageInfo"]["hasPreviousPage"], conn["pageInfo"]["hasNextPage"]) == (True, False)
    conn = await page(gql, last=4, before=conn["pageInfo"]["startCursor"], min=lo, max=hi)
    assert [n["height"] for n in nodes(conn)] == [lo + 7, lo + 6, lo + 5, lo + 4]
    conn = await page(gql, first=4, min=lo, max=hi)
    assert (conn["pageInfo"]["hasPreviousPage"], conn["pageInfo"]["hasNextPage"]) == (False, True)
    conn = await page(gql, last=50, min=lo, max=hi)
    assert [n["height"] for n in nodes(conn)] == list(range(hi, lo - 1, -1))
    assert (conn["pageInfo"]["hasPreviousPage"], conn["pageInfo"]["hasNextPage"]) == (False, False)


async def test_an_empty_page_still_says_where_the_list_goes_on(gql, heights):
    conn = await page(gql, first=0)
    assert conn["edges"] == [] and (conn["pageInfo"]["hasPreviousPage"], conn["pageInfo"]["hasNextPage"]) == (False, True)
    conn = await page(gql, last=0)
    assert conn["edges"] == [] and (conn["pageInfo"]["hasPreviousPage"], conn["pageInfo"]["hasNextPage"]) == (True, False)
    oldest = (await page(gql, last=1))["edges"][0]["cursor"]
    conn = await page(gql, first=5, after=oldest)
    assert conn["edges"] == [] and (conn["pageInfo"]["hasPreviousPage"], conn["pageInfo"]["hasNextPage"]) == (True, False)
    newest = (await page(gql, first=1))["edges"][0]["cursor"]
    conn = await page(gql, last=5, before=newest)
    assert conn["edges"] == [] and (conn["pageInfo"]["hasPreviousPage"], conn["pageInfo"]["hasNextPage"]) == (False, True)


@pytest.mark.parametrize(
    "args, code, words",
    [
        ("first: 2, last: 2", "BAD_INPUT", "first or last, not both"),
        ("last: 101", "LIMIT_EXCEEDED", "last may be at most 100"),
        ("last: -1", "BAD_INPUT", "last must be >= 0"),
        ('before: "not-a-cursor"', "BAD_INPUT", "before is not a cursor"),
        ('last: 2, before: "dHg6MQ"', "BAD_INPUT", "before is not a cursor of a block list"),
    ],
)
async def test_bad_backward_arguments_are_clear_errors(gql, args, code, words):
    err = await gql.error(f"{{ blocks({args}) {{ nodes {{ height }} }} }}")
    assert err["extensions"]["code"] == code, err
    assert words in err["message"]
    assert (await gql.data("{ blocks(last: 1) { nodes { height } } }"))["blocks"]["nodes"] == [{"height": 1}]


async def test_last_counts_towards_the_node_estimate_like_first(gql):
    nested = "{{ blocks({}: 100) {{ nodes {{ txs {{ events {{ attributes {{ key }} }} }} }} }} }}"
    for arg in ("first", "last"):
        err = await gql.error(nested.format(arg))
        assert err["extensions"]["code"] == "LIMIT_EXCEEDED", (arg, err)


@pytest.mark.leveldb_only  # the base is raised with plyvel (tests/web/test_pruned.py)
async def test_on_a_pruned_node_the_oldest_page_starts_at_its_base(pruned, oracle):  # noqa: F811 (the fixture)
    """Paging backward ends at the node's base, not at height 1 (below it is pruned, not listed)."""
    from tests.web.test_pruned import BASE

    for extra in ("", ", minHeight: 2"):
        body = (
            await pruned.post(
                "/graphql", json={"query": f"{{ blocks(last: 3{extra}) {{ nodes {{ height hash }} pageInfo {{ hasNextPage hasPreviousPage }} }} }}"}
            )
        ).json()
        conn = body["data"]["blocks"]
        assert conn["nodes"] == [{"height": h, "hash": oracle.blocks[str(h)]["block_id"]["hash"]} for h in (BASE + 2, BASE + 1, BASE)]
        assert conn["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": True}


async def test_before_alone_pages_backward_with_the_default_page(gql, heights):
    newest = (await page(gql, first=1))["edges"][0]["cursor"]
    oldest = await page(gql, last=1)
    conn = await page(gql, before=oldest["edges"][0]["cursor"])
    assert [n["height"] for n in nodes(conn)] == list(range(heights[0] + 20, heights[0], -1))
    conn = await page(gql, first=2, before=oldest["edges"][0]["cursor"])  # first from the newest end of the cut
    assert [n["height"] for n in nodes(conn)] == [heights[-1], heights[-1] - 1]
    assert (conn["pageInfo"]["hasPreviousPage"], conn["pageInfo"]["hasNextPage"]) == (False, True)
    conn = await page(gql, before=newest)
    assert conn["edges"] == [] and conn["pageInfo"]["hasNextPage"] is True


def test_a_page_of_block_cursors_encodes_each_only_when_read_and_equals_the_list():
    from cometgraph.resolvers.blocks import block_cursor
    from cometgraph.resolvers.paging import Cursors

    made: list[int] = []

    def encode(h: int) -> str:
        made.append(h)
        return block_cursor(h)

    cursors = Cursors([9, 8, 7], encode)
    assert len(cursors) == 3 and made == []
    assert cursors[-1] == block_cursor(7) and made == [7]
    assert cursors == [block_cursor(h) for h in (9, 8, 7)] and made == [7, 9, 8]
    assert cursors[1:] == [block_cursor(8), block_cursor(7)] and made == [7, 9, 8]  # each made once
    assert cursors != [block_cursor(9)]
    with pytest.raises(IndexError):
        cursors[3]
    with pytest.raises(IndexError):
        cursors[-4]

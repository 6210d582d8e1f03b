"""A node that pruned its old blocks: heights below its base are a PRUNED error, the rest serve.

The pruning is simulated on a private copy by raising the blockstore's base (the node's
own records stay as it wrote them): injectived's real block pruning is bound to the
evidence window and would need 100,000 heights.
"""

from __future__ import annotations

import httpx
import plyvel
import pytest

from cometgraph.storage.chain import Chain
from cometgraph.storage.proto import cometbft_pb2 as pb
from cometgraph.web.app import create_app

BASE = 10


@pytest.fixture(scope="module")
async def pruned(sample_home, tmp_path_factory, oracle):
    """The base raised with plyvel: the tests using it run on the LevelDB sample chain only."""
    import shutil

    home = tmp_path_factory.mktemp("pruned") / "home"
    shutil.copytree(sample_home, home)
    top = max(int(h) for h in oracle.blocks)
    db = plyvel.DB(str(home / "data" / "blockstore.db"))
    db.put(b"blockStore", pb.BlockStoreState(base=BASE, height=top).SerializeToString())
    db.close()
    chain = Chain.from_home(home, snapshot_dir=tmp_path_factory.mktemp("pruned-snaps")).open()
    app = create_app(chain)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
            yield c


async def _post(client, query):
    return (await client.post("/graphql", json={"query": query})).json()


@pytest.mark.leveldb_only
async def test_a_block_below_the_base_is_pruned_with_a_clear_message(pruned):
    body = await _post(pruned, f"{{ block(height: {BASE - 1}) {{ hash }} }}")
    err = body["errors"][0]
    assert err["extensions"]["code"] == "PRUNED"
    assert f"from {BASE}" in err["message"]


@pytest.mark.leveldb_only
async def test_validators_below_the_base_are_pruned(pruned):
    body = await _post(pruned, "{ validators(height: 2) { address } }")
    assert body["errors"][0]["extensions"]["code"] == "PRUNED"


@pytest.mark.leveldb_only
async def test_status_and_block_lists_start_at_the_base(pruned, oracle):
    body = await _post(pruned, "{ status { earliestHeight } blocks(last: 100) { nodes { height } pageInfo { hasNextPage hasPreviousPage } } }")
    assert body["data"]["status"]["earliestHeight"] == BASE
    heights = [n["height"] for n in body["data"]["blocks"]["nodes"]]  # the oldest end of the list
    assert heights[-1] == BASE and body["data"]["blocks"]["pageInfo"]["hasNextPage"] is False


@pytest.mark.leveldb_only
async def test_blocks_at_and_above_the_base_still_serve(pruned, oracle):
    body = await _post(pruned, f"{{ block(height: {BASE}) {{ hash }} }}")
    assert body["data"]["block"]["hash"] == oracle.blocks[str(BASE)]["block_id"]["hash"]


@pytest.fixture(scope="module")
async def app_pruned(sample_home, tmp_path_factory, oracle):
    """A copy whose application state was pruned by the node's own ``injectived prune``."""
    from tests.devnet.node import prune_copy

    home = tmp_path_factory.mktemp("app-pruned") / "home"
    latest = max(int(h) for h in oracle.blocks)
    keep = latest // 3
    prune_copy(sample_home, home, keep)
    chain = Chain.from_home(home, snapshot_dir=tmp_path_factory.mktemp("app-pruned-snaps")).open()
    app = create_app(chain)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
            yield c, latest - keep + 1


async def test_app_state_below_the_kept_versions_is_pruned(app_pruned, oracle):
    client, first_kept = app_pruned
    heights = sorted(int(h) for h in oracle.rest)
    old = next(h for h in heights if h < first_kept)
    recent = next(h for h in heights if h >= first_kept)
    addr = next(a for a, i in oracle.rest[str(recent)]["account_info"].items() if "info" in i)
    q = "query($a: String!, $h: Int) { account(address: $a, height: $h) { balances { denom amount } } }"
    body = (await client.post("/graphql", json={"query": q, "variables": {"a": addr, "h": old}})).json()
    err = body["errors"][0]
    assert err["extensions"]["code"] == "PRUNED" and f"from {first_kept}" in err["message"]
    body = (await client.post("/graphql", json={"query": q, "variables": {"a": addr, "h": recent}})).json()
    assert body["data"]["account"]["balances"] == oracle.rest[str(recent)]["balances"][addr]["balances"]
    # the blocks of a pruned app version still serve: block pruning is separate
    body = (await client.post("/graphql", json={"query": f"{{ block(height: {old}) {{ height }} }}"})).json()
    assert body["data"]["block"] == {"height": old}


@pytest.mark.leveldb_only
async def test_block_search_leaves_out_pruned_blocks_as_the_node_does(pruned):
    """The node counts a matched height whose block it no longer has but lists no block for it;
    pages still end and resume, even one whose every height was left out."""
    q = "query($q: String!, $a: String) { blockSearch(query: $q, first: 3, after: $a) { nodes { height } pageInfo { hasNextPage endCursor } } }"
    variables = {"q": f"block.height>=1 AND block.height<={BASE + 2}", "a": None}
    got, pages = [], 0
    while True:
        body = (await pruned.post("/graphql", json={"query": q, "variables": variables})).json()
        conn = body["data"]["blockSearch"]
        got += [n["height"] for n in conn["nodes"]]
        pages += 1
        if not conn["pageInfo"]["hasNextPage"]:
            break
        variables["a"] = conn["pageInfo"]["endCursor"]
        assert variables["a"]
    assert got == list(range(BASE + 2, BASE - 1, -1)) and pages > 2  # pages of 3 below the base were empty

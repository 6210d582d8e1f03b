"""Damaged and missing data: the affected field names what is broken, the rest of the query and
other queries keep working, nothing leaks a path. Each test damages a private copy (with plyvel
where it rewrites a record: those run on the LevelDB sample chain only)."""

from __future__ import annotations

import shutil

import httpx
import plyvel
import pytest

from cometgraph.storage.chain import Chain
from cometgraph.web.app import create_app


@pytest.fixture
async def serve(sample_home, tmp_path):
    made = []

    async def make(damage):
        home = tmp_path / f"home{len(made)}"
        shutil.copytree(sample_home, home)
        damage(home / "data")
        chain = Chain.from_home(home, snapshot_dir=tmp_path / f"snaps{len(made)}").open()
        app = create_app(chain)
        cm = app.router.lifespan_context(app)
        await cm.__aenter__()
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
        made.append((cm, client))

        async def post(query, variables=None):
            r = await client.post("/graphql", json={"query": query, "variables": variables or {}})
            assert r.status_code == 200, r.text
            return r.json()

        return post

    yield make
    for cm, client in made:
        await client.aclose()
        await cm.__aexit__(None, None, None)


def _put(db_dir, key: bytes, value: bytes | None):
    db = plyvel.DB(str(db_dir))
    if value is None:
        db.delete(key)
    else:
        db.put(key, value)
    db.close()


def _codes(body) -> dict:
    return {tuple(e["path"] or ()): e["extensions"]["code"] for e in body.get("errors") or []}


@pytest.mark.leveldb_only
async def test_a_garbage_block_meta_fails_that_block_only(serve, oracle, heights):
    h = heights[len(heights) // 2]
    post = await serve(lambda d: _put(d / "blockstore.db", b"H:%d" % h, b"\xff\x00garbage"))
    body = await post(f"{{ bad: block(height: {h}) {{ hash }} good: block(height: {h + 1}) {{ hash }} status {{ latestHeight }} }}")
    assert _codes(body) == {("bad",): "CORRUPT_DATA"}
    err = body["errors"][0]["message"]
    assert "blockstore" in err and f"H:{h}" in err and "/" not in err.split("blockstore", 1)[0]
    assert body["data"]["good"]["hash"] == oracle.blocks[str(h + 1)]["block_id"]["hash"]
    assert body["data"]["status"]["latestHeight"] == heights[-1]


@pytest.mark.leveldb_only
async def test_a_missing_block_part_fails_the_txs_but_not_the_header(serve, oracle, heights):
    h = next(x for x in heights if oracle.blocks[str(x)]["block"]["data"]["txs"])
    post = await serve(lambda d: _put(d / "blockstore.db", b"P:%d:0" % h, None))
    body = await post(f"{{ block(height: {h}) {{ hash txs {{ hash }} }} }}")
    assert _codes(body) == {("block", "txs"): "CORRUPT_DATA"}
    assert "part 0" in body["errors"][0]["message"]
    assert body["data"] is None or body["data"]["block"] is None  # txs is non-null, so the block nulls
    body = await post(f"{{ block(height: {h}) {{ hash numTxs }} }}")
    assert body["data"]["block"]["hash"] == oracle.blocks[str(h)]["block_id"]["hash"]


@pytest.mark.leveldb_only
async def test_a_truncated_tx_result_fails_that_tx_only(serve, oracle):
    bad, good = list(oracle.txs)[:2]

    def damage(d):
        db = plyvel.DB(str(d / "tx_index.db"))
        raw = db.get(bytes.fromhex(bad))
        db.put(bytes.fromhex(bad), raw[: len(raw) // 3])
        db.close()

    post = await serve(damage)
    body = await post(f'{{ a: tx(hash: "{bad}") {{ code }} b: tx(hash: "{good}") {{ code height }} }}')
    assert _codes(body) == {("a",): "CORRUPT_DATA"}
    assert body["data"]["b"]["height"] == int(oracle.txs[good]["height"])


async def test_a_missing_table_file_is_corrupt_data_for_what_lived_there(serve, oracle):
    def damage(d):
        app = d / "application.db"
        tables = sorted([*app.glob("*.ldb"), *app.glob("*.sst")], key=lambda p: p.stat().st_size)
        assert tables
        tables[-1].unlink()  # the biggest table: most of the app state

    post = await serve(damage)
    addr = next(a for a, i in oracle.rest[max(oracle.rest, key=int)]["account_info"].items() if "info" in i)
    body = await post(f'{{ account(address: "{addr}", height: 2) {{ balances {{ amount }} }} block(height: 2) {{ hash }} }}')
    codes = _codes(body)
    assert codes and set(codes.values()) <= {"CORRUPT_DATA"}, body
    assert "application" in body["errors"][0]["message"] and "/tmp" not in body["errors"][0]["message"]
    assert body["data"]["block"]["hash"] == oracle.blocks["2"]["block_id"]["hash"]


async def test_a_node_without_a_tx_index_says_so_and_blocks_still_serve(serve, oracle, heights):
    post = await serve(lambda d: shutil.rmtree(d / "tx_index.db"))
    some = next(iter(oracle.txs))
    body = await post(f'{{ tx(hash: "{some}") {{ code }} }}')
    assert _codes(body) == {("tx",): "INDEX_DISABLED"}
    body = await post('{ txs(query: "tx.height>1") { nodes { hash } } }')
    assert _codes(body) == {("txs",): "INDEX_DISABLED"}
    # an account's txs come from the index too (NullTxIndex once had no address_queries: INTERNAL)
    alice = oracle.workload["accounts"]["alice"]["address"]
    body = await post(f'{{ account(address: "{alice}") {{ txs(first: 3) {{ nodes {{ hash }} }} }} }}')
    assert _codes(body) == {("account", "txs"): "INDEX_DISABLED"}
    h = int(oracle.txs[some]["height"])
    body = await post(f"{{ block(height: {h}) {{ txs {{ hash code }} }} }}")
    assert some in [t["hash"] for t in body["data"]["block"]["txs"]]


@pytest.mark.leveldb_only
async def test_every_block_verifies_and_a_swapped_record_does_not(serve, gql, heights):
    nodes, after = [], None
    while True:  # every height, a page of 100 at a time
        d = (
            await gql.data("query($a: String) { blocks(first: 100, after: $a) { nodes { height verified } pageInfo { hasNextPage endCursor } } }", {"a": after})
        )["blocks"]
        nodes += d["nodes"]
        if not d["pageInfo"]["hasNextPage"]:
            break
        after = d["pageInfo"]["endCursor"]
    assert all(n["verified"] for n in nodes) and len(nodes) == len(heights)
    h = heights[len(heights) // 2]

    def swap(data):
        db = plyvel.DB(str(data / "state.db"))
        db.put(b"abciResponsesKey:%d" % h, db.get(b"abciResponsesKey:%d" % (h + 3)))
        db.close()

    post = await serve(swap)
    body = await post(f"{{ a: block(height: {h + 1}) {{ verified }} b: block(height: {h - 1}) {{ verified }} }}")
    assert body["data"] == {"a": {"verified": False}, "b": {"verified": True}}


def test_a_missing_state_db_serves_the_blocks_and_says_why_state_cannot(sample_home, tmp_path):
    # found by mypy: build_readers gave StateStore a None database when state.db was absent
    # (only a database that failed to open was marked broken), so opening failed with AttributeError
    from cometgraph.storage.errors import DatabaseBroken

    home = tmp_path / "home"
    shutil.copytree(sample_home, home)
    shutil.rmtree(home / "data" / "state.db")
    chain = Chain.from_home(home, snapshot_dir=tmp_path / "snaps").open()
    try:
        with chain.view() as v:
            assert v.blocks.height() > 1 and v.blocks.load_block_meta(1) is not None
            with pytest.raises(DatabaseBroken, match="state.db"):
                v.state.load_state()
    finally:
        chain.close()

"""BlockStore against the node's own answers (/block, /commit) at every height, plus legacy and damage."""

from __future__ import annotations

import base64

import pytest

from cometgraph.storage.blocks import BlockStore
from cometgraph.storage.codec.merkle import commit_hash, data_hash, header_hash
from cometgraph.storage.errors import CorruptRecord, InvalidInput, Pruned
from cometgraph.storage.kv import LevelDB
from cometgraph.storage.models import BlockID, Commit, Header
from cometgraph.storage.proto import cometbft_pb2 as pb


# ---------------------------------------------------------------- models → RPC JSON (CometBFT's own printing)
def hexu(b: bytes) -> str:
    return b.hex().upper()


def block_id_json(b: BlockID) -> dict:
    return {"hash": hexu(b.hash), "parts": {"total": b.part_set_header.total, "hash": hexu(b.part_set_header.hash)}}


def header_json(h: Header) -> dict:
    return {
        # version.Consensus: `json:"app,omitempty"`
        "version": {"block": str(h.version_block), **({"app": str(h.version_app)} if h.version_app else {})},
        "chain_id": h.chain_id,
        "height": str(h.height),
        "time": h.time.rfc3339(),
        "last_block_id": block_id_json(h.last_block_id),
        "last_commit_hash": hexu(h.last_commit_hash),
        "data_hash": hexu(h.data_hash),
        "validators_hash": hexu(h.validators_hash),
        "next_validators_hash": hexu(h.next_validators_hash),
        "consensus_hash": hexu(h.consensus_hash),
        "app_hash": hexu(h.app_hash),
        "last_results_hash": hexu(h.last_results_hash),
        "evidence_hash": hexu(h.evidence_hash),
        "proposer_address": hexu(h.proposer_address),
    }


def commit_json(c: Commit) -> dict:
    return {
        "height": str(c.height),
        "round": c.round,
        "block_id": block_id_json(c.block_id),
        "signatures": [
            {
                "block_id_flag": s.block_id_flag,
                "validator_address": hexu(s.validator_address),
                "timestamp": s.timestamp.rfc3339() if s.timestamp else None,
                "signature": base64.b64encode(s.signature).decode() if s.signature else None,
            }
            for s in c.signatures
        ],
    }


def heights(oracle) -> list[int]:
    return sorted(int(h) for h in oracle.blocks)


# ---------------------------------------------------------------- every height of the sample chain
def test_range_matches_the_node(sample_blocks, oracle):
    hs = heights(oracle)
    assert sample_blocks.base() == 1 == hs[0]
    assert sample_blocks.height() == hs[-1]


def test_every_block_meta_equals_the_nodes_block(sample_blocks, oracle):
    hs = heights(oracle)
    metas = sample_blocks.load_block_metas(hs)
    for h, meta in zip(hs, metas):
        want = oracle.blocks[str(h)]
        assert block_id_json(meta.block_id) == want["block_id"], h
        assert header_json(meta.header) == want["block"]["header"], h
        assert meta.header.time.rfc3339() == want["block"]["header"]["time"]
        assert meta.num_txs == len(want["block"]["data"]["txs"] or []), h


def test_every_block_equals_the_nodes_block(sample_blocks, oracle):
    for h in heights(oracle):
        want = oracle.blocks[str(h)]["block"]
        block = sample_blocks.load_block(h)
        assert header_json(block.header) == want["header"], h
        assert [base64.b64encode(t).decode() for t in block.txs] == (want["data"]["txs"] or []), h
        assert len(block.evidence) == len(want["evidence"]["evidence"] or [])
        assert commit_json(block.last_commit) == want["last_commit"], h
        # the hashes the header commits to, recomputed from what we decoded
        assert header_hash(block.header) == sample_blocks.load_block_meta(h).hash
        assert data_hash(block.txs) == block.header.data_hash
        assert commit_hash(block.last_commit) == block.header.last_commit_hash


def test_the_sample_chain_has_blocks_with_several_txs_and_absent_signatures(sample_blocks, oracle):
    """Guards the fixture's coverage: the checks above ran over multi-tx blocks and ABSENT votes."""
    counts = [len(oracle.blocks[str(h)]["block"]["data"]["txs"] or []) for h in heights(oracle)]
    assert max(counts) >= 2
    flags = {s.block_id_flag for h in heights(oracle)[1:] for s in sample_blocks.load_block(h).last_commit.signatures}
    assert flags >= {1, 2}


def test_every_commit_equals_the_nodes_commit(sample_blocks, oracle):
    hs = heights(oracle)
    top = hs[-1]
    for h in hs[:-1]:
        want = oracle.commits[str(h)]["signed_header"]["commit"]
        assert commit_json(sample_blocks.load_commit(h)) == want, h
        assert sample_blocks.load_commit(h) == sample_blocks.load_block(h + 1).last_commit
    # the top has no canonical commit yet: the node answers with the commit it saw itself
    assert sample_blocks.load_commit(top) is None
    assert oracle.commits[str(top)]["canonical"] is False
    assert commit_json(sample_blocks.load_seen_commit(top)) == oracle.commits[str(top)]["signed_header"]["commit"]


def test_every_height_is_found_by_its_hash(sample_blocks, oracle):
    for h in heights(oracle):
        assert sample_blocks.height_by_hash(bytes.fromhex(oracle.blocks[str(h)]["block_id"]["hash"])) == h
    assert sample_blocks.height_by_hash(bytes(32)) is None


def test_iter_block_metas_is_ordered_clipped_and_lazy(sample_blocks):
    top = sample_blocks.height()
    assert [m.height for m in sample_blocks.iter_block_metas(top - 3, top + 10)] == [top - 3, top - 2, top - 1, top]
    assert [m.height for m in sample_blocks.iter_block_metas(1, 5, reverse=True)] == [5, 4, 3, 2, 1]
    it = sample_blocks.iter_block_metas(1, top, batch=2)
    assert [next(it).height for _ in range(3)] == [1, 2, 3]
    assert list(sample_blocks.iter_block_metas(5, 4)) == []


# ---------------------------------------------------------------- missing, pruned, bad input
def test_heights_above_the_top_are_none(sample_blocks):
    top = sample_blocks.height()
    assert sample_blocks.load_block_meta(top + 1) is None
    assert sample_blocks.load_block(top + 1) is None
    assert sample_blocks.load_commit(top + 1) is None
    assert sample_blocks.load_seen_commit(top + 1) is None
    assert sample_blocks.load_block_metas([top + 1, 1])[0] is None


@pytest.mark.parametrize("bad", [0, -1, 1 << 63, "5", 2.0, True])
def test_non_heights_are_invalid_input(sample_blocks, bad):
    with pytest.raises(InvalidInput):
        sample_blocks.load_block_meta(bad)
    with pytest.raises(InvalidInput):
        sample_blocks.load_block_metas([1, 2, bad, 3])


def test_a_hash_that_is_not_32_bytes_is_invalid_input(sample_blocks):
    with pytest.raises(InvalidInput):
        sample_blocks.height_by_hash(b"\x01" * 20)


def test_heights_below_the_base_are_pruned(damaged, oracle):
    db, path = damaged("blockstore")
    top = int(max(oracle.blocks, key=int))
    db.put(b"blockStore", pb.BlockStoreState(base=10, height=top).SerializeToString())
    db.close()
    kv = LevelDB(path)
    try:
        store = BlockStore(kv)
        assert store.base() == 10
        for load in (store.load_block_meta, store.load_block, store.load_commit, store.load_seen_commit):
            with pytest.raises(Pruned) as err:
                load(9)
            assert (err.value.height, err.value.base) == (9, 10)
        assert store.load_block_meta(10).height == 10
        with pytest.raises(Pruned):
            list(store.iter_block_metas(5, 12))
        with pytest.raises(Pruned) as err:
            store.load_block_metas([12, 11, 9, 10])
        assert err.value.height == 9
        assert [m.height for m in store.load_block_metas([12, 10, 12])] == [12, 10, 12]
    finally:
        kv.close()


def test_base_zero_with_blocks_means_base_one(damaged):
    db, path = damaged("blockstore")
    db.put(b"blockStore", pb.BlockStoreState(base=0, height=7).SerializeToString())
    db.close()
    kv = LevelDB(path)
    try:
        store = BlockStore(kv)
        assert (store.base(), store.height()) == (1, 7)
        assert store.load_block_meta(8) is None and store.load_block_meta(1).height == 1
    finally:
        kv.close()


# ---------------------------------------------------------------- damage names its key
@pytest.mark.parametrize(
    "key, load",
    [
        (b"H:5", lambda s: s.load_block_meta(5)),
        (b"H:5", lambda s: s.load_block_metas([4, 5])),
        (b"P:5:0", lambda s: s.load_block(5)),
        (b"C:5", lambda s: s.load_commit(5)),
        (b"SC:5", lambda s: s.load_seen_commit(5)),
        (b"blockStore", BlockStore),
    ],
)
def test_garbage_values_raise_corrupt_record_naming_the_key(damaged, key, load):
    db, path = damaged("blockstore")
    assert db.get(key) is not None
    db.put(key, b"\x0a\xff\xff\xff\xff garbage")
    db.close()
    kv = LevelDB(path)
    try:
        with pytest.raises(CorruptRecord) as err:
            load(kv if load is BlockStore else BlockStore(kv))
        assert err.value.key == key and err.value.db == "blockstore.db"
    finally:
        kv.close()


def test_a_missing_part_or_meta_inside_the_range_is_corruption(damaged):
    db, path = damaged("blockstore")
    db.delete(b"P:6:0")
    db.delete(b"H:7")
    db.close()
    kv = LevelDB(path)
    try:
        store = BlockStore(kv)
        with pytest.raises(CorruptRecord) as err:
            store.load_block(6)
        assert err.value.key == b"P:6:0"
        with pytest.raises(CorruptRecord) as err:
            store.load_block_meta(7)
        assert err.value.key == b"H:7"
    finally:
        kv.close()


def test_a_record_stored_under_the_wrong_height_is_corruption(damaged):
    db, path = damaged("blockstore")
    db.put(b"H:8", db.get(b"H:9"))
    db.close()
    kv = LevelDB(path)
    try:
        with pytest.raises(CorruptRecord, match="height 9"):
            BlockStore(kv).load_block_meta(8)
    finally:
        kv.close()


# ---------------------------------------------------------------- Tendermint 0.34 (onomy-testnet1)
@pytest.mark.legacy
def test_tm034_blocks_chain_together_and_rehash(tm034_blocks):
    assert (tm034_blocks.base(), tm034_blocks.height()) == (1, 10002)
    prev = None
    for meta in tm034_blocks.iter_block_metas(1, 10002):
        assert header_hash(meta.header) == meta.hash
        assert meta.header.version_block == 11 and meta.header.chain_id == "onomy-testnet1"
        if prev is not None:
            assert meta.header.last_block_id == prev.block_id
        prev = meta
    assert tm034_blocks.height_by_hash(prev.hash) == 10002


@pytest.mark.legacy
@pytest.mark.parametrize("h", [1, 2, 777, 5000, 10001])
def test_tm034_blocks_and_commits_decode_and_verify(tm034_blocks, h):
    block = tm034_blocks.load_block(h)
    meta = tm034_blocks.load_block_meta(h)
    assert block.header == meta.header
    assert data_hash(block.txs) == block.header.data_hash
    assert commit_hash(block.last_commit) == block.header.last_commit_hash
    commit = tm034_blocks.load_commit(h)
    assert commit.block_id == meta.block_id
    assert commit == tm034_blocks.load_block(h + 1).last_commit
    assert commit_hash(commit) == tm034_blocks.load_block_meta(h + 1).header.last_commit_hash
    assert [s.validator_address for s in commit.signatures] == [block.header.proposer_address]


@pytest.mark.legacy
def test_tm034_top_block_has_only_a_seen_commit(tm034_blocks):
    assert tm034_blocks.load_commit(10002) is None
    seen = tm034_blocks.load_seen_commit(10002)
    assert seen.block_id == tm034_blocks.load_block_meta(10002).block_id
    assert tm034_blocks.load_block_meta(10003) is None


def test_load_commits_batches_and_equals_one_by_one(sample_blocks, oracle):
    hs = sorted(int(h) for h in oracle.blocks)
    before = sample_blocks.kv.stats["get_many"]
    many = sample_blocks.load_commits(hs + [hs[-1] + 5])
    assert sample_blocks.kv.stats["get_many"] == before + 1
    assert many[-1] is None
    assert many[:-1] == [sample_blocks.load_commit(h) for h in hs]
    for h, c in zip(hs, many):
        if str(h) in oracle.commits and c is not None:
            assert c.block_id.hash.hex().upper() == oracle.commits[str(h)]["signed_header"]["commit"]["block_id"]["hash"]


def test_the_record_cache_is_dropped_when_a_snapshot_goes_backwards(sample_home, tmp_path):
    """A node that rolls back rewrites its top: a snapshot lower than the last one starts a new
    record cache, so nothing decoded from the old history is served again."""
    from cometgraph.storage.chain import Chain

    chain = Chain.from_home(sample_home, snapshot_dir=tmp_path / "snaps").open()
    try:
        with chain.view() as v:
            top = v.latest_height
            metas = v.blocks.load_block_metas(list(range(1, top)))
        old = chain.records
        assert len(old) == top - 1 and old.get("meta", 1) == metas[0]
        chain.refresh(force=True)  # same head: the cache carries over
        assert chain.records is old
        with chain.view() as v:
            assert v.blocks.load_block_meta(1) is metas[0]
        chain._latest = top + 1000  # as if the last snapshot had been higher
        chain.refresh(force=True)
        assert chain.records is not old and len(chain.records) == 0
        with chain.view() as v:
            again = v.blocks.load_block_meta(1)
            assert again == metas[0] and again is not metas[0]
    finally:
        chain.close()

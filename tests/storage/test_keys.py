"""Key bytes pinned as literals (CometBFT store/db_key_layout.go, state/store.go), then checked on real DBs."""

from __future__ import annotations

import random
import re
from pathlib import Path

import plyvel
import pytest

from cometgraph.storage import keys
from cometgraph.storage.blocks import BlockStore
from cometgraph.storage.errors import InvalidInput, UnknownFormat
from cometgraph.storage.keys import V1, V2, layout_for, oc_int64, oc_string, orderedcode
from cometgraph.storage.kv import LevelDB
from cometgraph.storage.state import StateStore

HASH = bytes.fromhex("00ff" + "ab" * 30)


def test_v1_block_keys_are_ascii_decimal():
    assert V1.block_meta(5) == b"H:5"
    assert V1.block_meta(637) == b"H:637"
    assert V1.block_part(56, 0) == b"P:56:0"
    assert V1.block_part(10000, 12) == b"P:10000:12"
    assert V1.block_commit(0) == b"C:0"
    assert V1.seen_commit(637) == b"SC:637"
    assert V1.extended_commit(9) == b"EC:9"
    assert V1.block_hash(HASH) == b"BH:00ff" + b"ab" * 30


def test_v1_state_keys():
    assert V1.validators(1) == b"validatorsKey:1"
    assert V1.consensus_params(639) == b"consensusParamsKey:639"
    assert V1.abci_responses(100000) == b"abciResponsesKey:100000"


def test_v2_keys_are_orderedcode_tuples():
    # H:1, P:1:0, validatorsKey:10 and abciResponsesKey:8 as a real injectived 1.20.1 node wrote them
    # with experimental_db_key_layout = "v2" (checked once by hand; that chain is not a fixture)
    assert V2.block_meta(1) == b"\x80\x81"
    assert V2.block_part(1, 0) == b"\x81\x81\x80"
    assert V2.validators(10) == b"\x86\x8a"
    assert V2.abci_responses(8) == b"\x88\x88"
    assert V2.block_meta(637) == b"\x80\xc2\x7d"
    assert V2.block_meta(1) == b"\x80\x81"
    assert V2.block_part(637, 2) == b"\x81\xc2\x7d\x82"
    assert V2.block_commit(5) == b"\x82\x85"
    assert V2.seen_commit(64) == b"\x83\xc0\x40"
    assert V2.extended_commit(5) == b"\x84\x85"
    assert V2.block_hash(HASH) == b"\x85" + b"\x00\xff\xff\x00" + b"\xab" * 30 + b"\x00\x01"
    assert V2.validators(1) == b"\x86\x81"
    assert V2.consensus_params(100000) == b"\x87\xe1\x86\xa0"
    assert V2.abci_responses(63) == b"\x88\xbf"


@pytest.mark.parametrize(
    "x, encoded",
    [
        (0, "80"),
        (1, "81"),
        (63, "bf"),
        (-1, "7f"),
        (-64, "40"),
        (64, "c040"),
        (-65, "3fbf"),
        (637, "c27d"),
        (0x10E, "c10e"),  # the examples in orderedcode.go's comment
        (-0x10F, "3ef1"),
        (1 << 62, "ff c0 40 00 00 00 00 00 00 00"),
        ((1 << 63) - 1, "ff c0 7f ff ff ff ff ff ff ff"),
        (-(1 << 63), "00 3f 80 00 00 00 00 00 00 00"),
    ],
)
def test_orderedcode_int64(x, encoded):
    assert oc_int64(x) == bytes.fromhex(encoded)


def test_orderedcode_int64_keeps_numeric_order():
    rng = random.Random(7)
    xs = sorted({rng.randrange(-(1 << 63), 1 << 63) >> rng.randrange(0, 63) for _ in range(3000)} | {0, -1, 63, 64})
    assert sorted(xs, key=oc_int64) == xs


def test_orderedcode_int64_rejects_values_outside_int64():
    with pytest.raises(InvalidInput):
        oc_int64(1 << 63)


def test_orderedcode_string_escapes_and_terminates():
    assert oc_string(b"") == b"\x00\x01"
    assert oc_string("block.height") == b"block.height\x00\x01"
    assert oc_string(b"a\x00b\xffc") == b"a\x00\xffb\xff\x00c\x00\x01"
    assert orderedcode("k", 5) == b"k\x00\x01\x85"


def test_layout_comes_from_the_version_value():
    assert layout_for(None) is V1
    assert layout_for(b"") is V1
    assert layout_for(b"v1") is V1
    assert layout_for(b"v2") is V2
    with pytest.raises(UnknownFormat, match="v3"):
        layout_for(b"v3", "blockstore")


# ---------------------------------------------------------------- real bytes
def test_sample_chain_declares_v1_and_its_keys_exist(sample_kv, sample_blocks):
    bs, st = sample_kv("blockstore"), sample_kv("state")
    assert bs.get(keys.VERSION) == b"v1" and st.get(keys.VERSION) == b"v1"
    top = sample_blocks.height()
    meta = sample_blocks.load_block_meta(top)
    found = bs.get_many([V1.block_meta(top), V1.block_part(top, 0), V1.block_commit(top - 1), V1.seen_commit(top)])
    assert all(v is not None for v in found)
    assert bs.get(V1.block_hash(meta.hash)) == str(top).encode()
    assert all(v is not None for v in st.get_many([V1.validators(top + 2), V1.consensus_params(top + 1), V1.abci_responses(top)]))
    assert st.get(V1.validators(top + 3)) is None


def test_orderedcode_matches_the_block_indexer_keys_written_by_the_node(sample_kv, sample_blocks):
    """tx_index.db's block indexer keys ``block_events`` + oc("block.height", h): real orderedcode bytes."""
    tx = sample_kv("tx_index")
    top = sample_blocks.height()
    wanted = [b"block_events" + orderedcode("block.height", h) for h in range(1, top + 1)]
    assert all(v is not None for v in tx.get_many(wanted))
    found = [k for k in tx.iterate(prefix=b"block_events" + oc_string("block.height"), include_value=False)]
    assert sorted(found) == sorted(wanted)
    # orderedcode sorts numerically, unlike the decimal v1 keys
    assert found == wanted


@pytest.mark.legacy
def test_legacy_tm034_uses_v1_without_a_version_key(tm034_kv):
    bs = tm034_kv("blockstore")
    assert bs.get(keys.VERSION) is None
    assert bs.get(V1.block_meta(10002)) is not None and bs.get(V1.block_part(10002, 0)) is not None


# ---------------------------------------------------------------- the v2 layout end to end
_V1_PATTERNS = [
    (re.compile(rb"H:(\d+)"), lambda m: V2.block_meta(int(m[1]))),
    (re.compile(rb"P:(\d+):(\d+)"), lambda m: V2.block_part(int(m[1]), int(m[2]))),
    (re.compile(rb"C:(\d+)"), lambda m: V2.block_commit(int(m[1]))),
    (re.compile(rb"SC:(\d+)"), lambda m: V2.seen_commit(int(m[1]))),
    (re.compile(rb"EC:(\d+)"), lambda m: V2.extended_commit(int(m[1]))),
    (re.compile(rb"BH:([0-9a-f]+)"), lambda m: V2.block_hash(bytes.fromhex(m[1].decode()))),
    (re.compile(rb"validatorsKey:(\d+)"), lambda m: V2.validators(int(m[1]))),
    (re.compile(rb"consensusParamsKey:(\d+)"), lambda m: V2.consensus_params(int(m[1]))),
    (re.compile(rb"abciResponsesKey:(\d+)"), lambda m: V2.abci_responses(int(m[1]))),
]


def _rekey_to_v2(src: LevelDB, dst: Path) -> LevelDB:
    """The node's own values under v2 keys: CometBFT changes only keys between layouts."""
    db = plyvel.DB(str(dst), create_if_missing=True)
    for k, v in src.iterate():
        for pattern, to_v2 in _V1_PATTERNS:
            if m := pattern.fullmatch(k):
                k = to_v2(m)
                break
        db.put(k, v)
    db.put(keys.VERSION, b"v2")
    db.close()
    return LevelDB(dst)


def test_v2_layout_stores_read_the_same_records(sample_kv, sample_blocks, sample_state, tmp_path):
    bkv = _rekey_to_v2(sample_kv("blockstore"), tmp_path / "blockstore.db")
    skv = _rekey_to_v2(sample_kv("state"), tmp_path / "state.db")
    try:
        assert bkv.get(b"H:1") is None and bkv.get(b"\x80\x81") is not None
        blocks, state = BlockStore(bkv), StateStore(skv)
        assert blocks.layout is V2 and state.layout is V2
        top = sample_blocks.height()
        assert (blocks.base(), blocks.height()) == (sample_blocks.base(), top)
        for h in range(1, top + 1):
            assert blocks.load_block(h) == sample_blocks.load_block(h)
            assert blocks.load_seen_commit(h) == sample_blocks.load_seen_commit(h)
            assert blocks.height_by_hash(blocks.load_block_meta(h).hash) == h
            assert state.load_validators(h) == sample_state.load_validators(h)
            assert state.load_consensus_params(h) == sample_state.load_consensus_params(h)
            assert state.load_block_results(h) == sample_state.load_block_results(h)
        assert blocks.load_commit(top - 1) == sample_blocks.load_commit(top - 1)
    finally:
        bkv.close()
        skv.close()

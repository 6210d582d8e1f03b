"""The manifest reader: which tables a LevelDB folder's manifest names live.

Oracles: LevelDB itself (plyvel's ``leveldb.sstables`` property lists the live tables
of an open database) for C++ LevelDB manifests, and for goleveldb's (the node's) the
sample chain's and legacy archives' folders: a copy holding only the named tables
opens and reads every key the full folder holds.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import plyvel
import pytest

from cometgraph.storage.ldblog import BLOCK_SIZE as BLOCK
from cometgraph.storage.ldblog import FIRST, LAST, MIDDLE, records
from cometgraph.storage.manifest import ManifestError, file_number, read_manifest

from .conftest import TM032, TM033, TM034


def live_tables(db: plyvel.DB) -> dict[int, int]:
    """LevelDB's own answer: table number -> level."""
    out, level = {}, None
    for line in db.get_property(b"leveldb.sstables").decode().splitlines():
        if m := re.match(r"--- level (\d+) ---", line):
            level = int(m.group(1))
        elif m := re.match(r"\s*(\d+):", line):
            out[int(m.group(1))] = level
    return out


def manifest_of(folder: Path) -> bytes:
    return (folder / (folder / "CURRENT").read_text().strip()).read_bytes()


def settled_tables(db: plyvel.DB, folder: Path) -> tuple[dict[int, int], dict[int, int]]:
    """LevelDB's live tables and ours, read while no compaction moved them.

    LevelDB writes a compaction's edit to the manifest before it installs the new version in
    memory, so a manifest read between the two is ahead of ``leveldb.sstables``: settled means
    the same live tables and the same manifest bytes twice, 20 ms apart. On a loaded machine
    the compaction thread can be descheduled for longer than that between the write and the
    install (seen: a table in the manifest that ``leveldb.sstables`` listed a moment later), so
    a settled pair that disagrees is sampled again until the tables agree or 10 s pass; the
    answer is then the last settled pair. Our list is a pure function of the manifest bytes,
    so a reader bug still shows: it disagrees with every later settled pair of those bytes."""
    last, settled = None, None
    for _ in range(500):
        now = (live_tables(db), manifest_of(folder))
        if now == last:
            settled = (now[0], read_manifest(now[1]).tables)
            if settled[0] == settled[1]:
                return settled
        last = now
        time.sleep(0.02)
    if settled is None:
        raise AssertionError("compactions never settled")
    return settled


def test_live_tables_match_leveldbs_own_list_as_it_flushes_and_compacts(tmp_path):
    db = plyvel.DB(str(tmp_path / "db"), create_if_missing=True, write_buffer_size=64 * 1024)
    try:
        checked: set[int] = set()  # every table compared at least once, across flushes and compactions
        for round_ in range(24):
            for i in range(1000):
                db.put(b"k%08d" % ((i * 7919 + round_ * 1000) % 20000), b"x" * 100)
            theirs, ours = settled_tables(db, tmp_path / "db")
            assert ours == theirs
            checked |= set(theirs)
        assert len(checked) > 20, len(checked)
        assert {lvl for lvl in theirs.values()} - {0}, "compactions should have moved tables down"
    finally:
        db.close()


def test_a_manifest_spanning_blocks_is_read_whole(tmp_path):
    # long keys make big edits; reopening writes the whole version as one record
    folder = tmp_path / "db"
    db = plyvel.DB(str(folder), create_if_missing=True, write_buffer_size=64 * 1024)
    for i in range(3000):
        db.put(b"%06d" % i + b"k" * 4000, b"v")
    db.close()
    db = plyvel.DB(str(folder))
    try:
        buf = manifest_of(folder)
        theirs, ours = settled_tables(db, folder)
        assert ours == theirs and len(ours) > 5
        assert len(buf) > BLOCK
        kinds, pos = [], 0  # the chunk kinds actually on disk
        while pos + 7 <= len(buf):
            if BLOCK - pos % BLOCK < 7:
                pos += BLOCK - pos % BLOCK
                continue
            kinds.append(buf[pos + 6])
            pos += 7 + int.from_bytes(buf[pos + 4 : pos + 6], "little")
        assert {FIRST, MIDDLE, LAST} <= set(kinds)
    finally:
        db.close()


def test_a_torn_tail_reads_as_the_edits_before_it(tmp_path):
    db = plyvel.DB(str(tmp_path / "db"), create_if_missing=True, write_buffer_size=64 * 1024)
    for i in range(20000):
        db.put(b"k%08d" % (i * 7919 % 20000), b"x" * 100)
    db.close()
    buf = manifest_of(tmp_path / "db")
    edits = list(records(buf, verify=True))
    assert len(edits) > 3
    last_len = len(edits[-1]) + 7
    whole = read_manifest(buf)
    before_last = read_manifest(buf[: len(buf) - last_len])
    assert before_last != whole
    for cut in range(1, last_len):
        assert read_manifest(buf[: len(buf) - cut]) == before_last
    flipped = bytearray(buf)
    flipped[-1] ^= 0xFF  # a corrupt last edit is not trusted either
    assert read_manifest(bytes(flipped)) == before_last


def test_a_manifest_without_a_complete_edit_is_an_error():
    with pytest.raises(ManifestError):
        read_manifest(b"")
    with pytest.raises(ManifestError):
        read_manifest(b"\x00" * 64)


def test_file_numbers_come_from_leveldb_names():
    assert file_number("000123.ldb") == 123
    assert file_number("000007.sst") == 7
    assert file_number("MANIFEST-000002") is None
    assert file_number("CURRENT") is None


def _only_named_tables_hold_everything(folder: Path, tmp_path: Path) -> int:
    """Copy a folder with only the manifest's tables; it opens and reads like the whole."""
    state = read_manifest(manifest_of(folder))
    names = os.listdir(folder)
    tables = {file_number(n) for n in names if n.endswith((".ldb", ".sst"))}
    assert set(state.tables) <= tables
    assert all(n < state.next_file for n in state.tables)
    whole, part = tmp_path / f"whole-{folder.name}", tmp_path / f"part-{folder.name}"
    shutil.copytree(folder, whole)
    part.mkdir()
    for n in names:
        if n == "LOCK" or (n.endswith((".ldb", ".sst")) and file_number(n) not in state.tables):
            continue
        shutil.copy(folder / n, part / n)
    a, b = plyvel.DB(str(whole)), plyvel.DB(str(part))
    try:
        count = 0
        for (ka, va), (kb, vb) in zip(a.iterator(), b.iterator(), strict=True):
            assert (ka, va) == (kb, vb)
            count += 1
        return count
    finally:
        a.close()
        b.close()


@pytest.mark.leveldb_only
def test_the_sample_chains_goleveldb_manifests_name_every_table_it_needs(sample_data, tmp_path):
    counts = {}
    for name in ("blockstore", "state", "tx_index", "application"):
        counts[name] = _only_named_tables_hold_everything(sample_data / f"{name}.db", tmp_path)
    assert all(n > 100 for n in counts.values()), counts


@pytest.mark.parametrize("archive", [TM032, TM033, TM034])
def test_legacy_goleveldb_manifests_name_every_table_they_need(legacy_data, archive, tmp_path):
    data = legacy_data(archive)
    for name in ("blockstore", "state"):
        assert _only_named_tables_hold_everything(data / f"{name}.db", tmp_path) > 10

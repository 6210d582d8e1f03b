"""Snapshots: the node's folder is only ever read; readers get a private, consistent copy."""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from cometgraph.storage.errors import DatabaseUnavailable, SnapshotError
from cometgraph.storage.manifest import file_number, read_manifest
from cometgraph.storage.leveldb_copy import _Linker, copy_leveldb, open_copy
from cometgraph.storage.snapshot import SnapshotHolder, Snapshotter
from tests.support import HeldLog


def tree_digest(root: Path) -> dict[str, tuple]:
    """Every file under root: size, mtime and content hash (what 'untouched' means)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            out[os.path.relpath(os.path.join(dirpath, d), root) + "/"] = ("dir",)
        for f in filenames:
            p = os.path.join(dirpath, f)
            st = os.stat(p)
            with open(p, "rb") as fh:
                h = hashlib.sha256(fh.read()).hexdigest()
            out[os.path.relpath(p, root)] = (st.st_size, st.st_mtime_ns, st.st_mode, h)
    return out


@pytest.fixture
def node_home(sample_home, scratch_copy) -> Path:
    """A node home of our own for each test (the session copy stays pristine)."""
    return scratch_copy(sample_home, "node-home")


def test_snapshot_open_refresh_close_leaves_node_folder_byte_identical(node_home, tmp_path):
    before = tree_digest(node_home)
    holder = SnapshotHolder(Snapshotter(node_home / "data", tmp_path / "snaps"))
    snap = holder.open()
    assert snap.db("blockstore").get(b"blockStore")
    assert snap.db("state").get(b"stateKey")
    assert snap.db("application").get(b"s/latest")
    assert snap.db("tx_index") is not None
    new = holder.refresh(force=True)
    assert new is not None and new is not snap and snap.closed
    pinned = holder.pin()
    assert pinned.db("blockstore").get(b"blockStore") == new.db("blockstore").get(b"blockStore")
    pinned.release()
    holder.close()
    assert tree_digest(node_home) == before
    assert list((tmp_path / "snaps").iterdir()) == []


@pytest.mark.leveldb_only
def test_table_files_are_hard_links_to_the_nodes_files(node_home, tmp_path):
    src = node_home / "data" / "application.db"
    copy_leveldb(src, tmp_path / "copy")
    live = read_manifest((src / (src / "CURRENT").read_text().strip()).read_bytes()).tables
    tables = [p for p in src.iterdir() if p.suffix in (".ldb", ".sst")]
    assert live, "the sample chain's application.db should have table files"
    for t in tables:
        if file_number(t.name) in live:
            assert os.stat(t).st_ino == os.stat(tmp_path / "copy" / t.name).st_ino
        else:  # compacted away, not yet deleted by the node: not part of the database
            assert not (tmp_path / "copy" / t.name).exists()
    assert len(list((tmp_path / "copy").glob("*.ldb"))) == len(live)
    for mutable in ["CURRENT"] + [p.name for p in src.glob("MANIFEST-*")] + [p.name for p in src.glob("*.log")]:
        assert os.stat(src / mutable).st_ino != os.stat(tmp_path / "copy" / mutable).st_ino
        assert (src / mutable).read_bytes() == (tmp_path / "copy" / mutable).read_bytes()


@pytest.mark.leveldb_only
def test_table_files_are_copied_where_links_are_impossible(node_home, tmp_path):
    linker = _Linker()
    linker.can_link = False
    src = node_home / "data" / "blockstore.db"
    copy_leveldb(src, tmp_path / "copy", linker=linker)
    for t in src.glob("*.ldb"):
        assert os.stat(t).st_ino != os.stat(tmp_path / "copy" / t.name).st_ino
        assert t.read_bytes() == (tmp_path / "copy" / t.name).read_bytes()
    snap = Snapshotter(node_home / "data", tmp_path / "snaps")
    snap._linker = linker
    s = snap.take()
    assert s.db("blockstore").get(b"blockStore")
    s.retire()


def test_old_snapshot_lives_until_its_last_reader_releases_it(node_home, tmp_path):
    holder = SnapshotHolder(Snapshotter(node_home / "data", tmp_path / "snaps"))
    holder.open()
    reader = holder.pin()
    holder.refresh(force=True)
    assert not reader.closed and reader.folder.exists()
    assert reader.db("blockstore").get(b"blockStore")  # still readable mid-request
    reader.release()
    assert reader.closed and not reader.folder.exists()
    holder.close()


def test_refresh_does_nothing_while_the_node_wrote_nothing(node_home, tmp_path):
    holder = SnapshotHolder(Snapshotter(node_home / "data", tmp_path / "snaps"))
    first = holder.open()
    assert holder.refresh() is None
    assert holder.pin() is first
    first.release()
    holder.close()


def test_a_folder_without_blockstore_is_a_clear_error(tmp_path):
    (tmp_path / "data").mkdir()
    with pytest.raises(DatabaseUnavailable):
        Snapshotter(tmp_path / "data", tmp_path / "snaps").take()


def test_snapshot_folder_inside_the_node_data_folder_is_refused(node_home):
    with pytest.raises(SnapshotError):
        Snapshotter(node_home / "data", node_home / "data" / "snaps")


def test_snapshots_left_by_a_dead_process_are_cleaned_up(node_home, tmp_path):
    work = tmp_path / "snaps"
    stale = work / "snap-999999999-3-1"
    (stale / "blockstore.db").mkdir(parents=True)
    holder = SnapshotHolder(Snapshotter(node_home / "data", work))
    snap = holder.open()
    assert not stale.exists()
    assert [p.name for p in work.iterdir()] == [snap.folder.name]
    holder.close()


def test_a_table_the_node_is_still_writing_is_never_linked_nor_written(tmp_path):
    """A flush in progress: the node's next table exists but its manifest does not name it yet.

    Opening our copy recovers the copied log into a new table, and LevelDB picks the
    same next file number: through a hard link that would rewrite the node's file.
    """
    import plyvel

    src = tmp_path / "live.db"
    db = plyvel.DB(str(src), create_if_missing=True)
    for i in range(1000):
        db.put(b"k%06d" % i, b"v" * 100)
    db.close()  # the writes stay in the log, to be recovered into a table
    probe, _ = open_copy(src, tmp_path / "probe")
    probe.close()
    made = sorted(p.name for p in (tmp_path / "probe").glob("*.ldb"))
    assert made, "recovery should write the log into a table"
    for name in made:  # the node is writing exactly those numbers right now
        (src / name).write_bytes(b"half a table")
    before = tree_digest(src)
    copy, _ = open_copy(src, tmp_path / "copy")
    try:
        assert sum(1 for _ in copy.iterate(prefix=b"k", include_value=False)) == 1000
    finally:
        copy.close()
    assert tree_digest(src) == before
    for name in made:
        assert (src / name).read_bytes() == b"half a table"


def test_tables_are_copied_not_linked_when_the_manifest_is_unreadable(tmp_path):
    import plyvel

    src = tmp_path / "live.db"
    db = plyvel.DB(str(src), create_if_missing=True, write_buffer_size=64 * 1024)
    for i in range(5000):
        db.put(b"k%06d" % i, b"v" * 100)
    db.close()
    manifest = src / (src / "CURRENT").read_text().strip()
    manifest.write_bytes(b"\x00" * 32)  # damaged: no edit can be trusted
    copy_leveldb(src, tmp_path / "copy")
    tables = list(src.glob("*.ldb"))
    assert tables
    for t in tables:
        assert os.stat(t).st_ino != os.stat(tmp_path / "copy" / t.name).st_ino


def test_copies_taken_while_a_writer_flushes_and_compacts_are_consistent(tmp_path):
    """A LevelDB written concurrently (small write buffer: frequent flushes and compactions)
    is copied over and over; every copy opens and holds a gap-free prefix of what was written.

    The writer here is plyvel itself, standing in for a node's goleveldb: this tests the
    file mechanics of copying under concurrent writes, not any node format.
    """
    import threading
    import time

    import plyvel

    src = tmp_path / "live.db"
    writer = plyvel.DB(str(src), create_if_missing=True, write_buffer_size=256 * 1024)
    writer.put(b"k%08d" % 0, b"x" * 512)
    stop = threading.Event()
    written = [1]

    failed: list[BaseException] = []

    def write():
        i, deadline = 1, time.monotonic() + 60
        try:
            while not stop.is_set() and time.monotonic() < deadline:
                with writer.write_batch() as wb:
                    for j in range(i, i + 50):
                        wb.put(b"k%08d" % j, b"x" * 128)
                i += 50
                written[0] = i
                time.sleep(0.002)  # a busy node: a flush every second or so, compactions now and then
        except BaseException as exc:  # our copies must never disturb the writer's own files
            failed.append(exc)

    t = threading.Thread(target=write)
    t.start()
    try:
        seen, tables, n = [], set(), 0
        deadline = time.monotonic() + 90
        # keep copying until the writer has flushed several tables under our feet
        while n < 30 or len(tables) < 8:
            assert not failed, f"the writer failed while we copied: {failed[0]!r}"
            assert time.monotonic() < deadline, f"only {len(tables)} flushes in 40 s"
            tables |= {p.name for p in src.iterdir() if p.suffix == ".ldb"}
            n += 1
            dst = tmp_path / f"copy{n}"
            db, _ = open_copy(src, dst, attempts=50)
            keys = [k for k in db.iterate(prefix=b"k", include_value=False)]
            db.close()
            assert keys == [b"k%08d" % i for i in range(len(keys))], "a copy lost a write in the middle"
            assert len(keys) % 50 == 1, "a copy holds half a batch"
            seen.append(len(keys))
            shutil.rmtree(dst)
    finally:
        stop.set()
        t.join()
        writer.close()
    assert not failed, f"the writer failed while we copied: {failed[0]!r}"
    assert seen == sorted(seen) and seen[-1] > seen[0], "copies should see the writer's progress, in order"


def test_a_refresh_that_finishes_after_close_leaves_nothing_behind(node_home, tmp_path):
    import threading

    holder = SnapshotHolder(Snapshotter(node_home / "data", tmp_path / "snaps"))
    holder.open()
    started, release = threading.Event(), threading.Event()
    take = holder.snapshotter.take

    def slow_take(*a, **k):
        started.set()
        release.wait(10)
        return take(*a, **k)

    holder.snapshotter.take = slow_take
    t = threading.Thread(target=holder.refresh, kwargs={"force": True})
    t.start()
    started.wait(10)
    holder.close()  # shutdown while the refresh is still copying
    release.set()
    t.join(10)
    assert list((tmp_path / "snaps").iterdir()) == []


def test_close_during_a_refresh_waits_for_it_and_leaves_no_folder(node_home, tmp_path):
    snaps = tmp_path / "snaps"
    holder = SnapshotHolder(Snapshotter(node_home / "data", snaps))
    holder.open()
    held = HeldLog(node_home / "data" / "blockstore.db")
    refreshed: list = []
    refresher = threading.Thread(target=lambda: refreshed.append(holder.refresh(force=True)))
    refresher.start()
    closer = None
    try:
        held.wait_until_read()
        assert holder.taking == 1
        assert len(list(snaps.iterdir())) == 2, "the refresh's folder is being built beside the current one"
        closer = threading.Thread(target=holder.close)
        closer.start()
        deadline = time.monotonic() + 90
        while not holder.closed:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        closer.join(timeout=0.5)
        assert closer.is_alive(), "close() returned while a snapshot was still being copied"
    finally:
        held.release()
    closer.join(timeout=60)
    refresher.join(timeout=60)
    assert not closer.is_alive() and not refresher.is_alive()
    assert refreshed == [None], "a refresh cancelled by close() publishes nothing"
    assert holder.taking == 0 and holder.current is None
    assert list(snaps.iterdir()) == []
    # closed for good: nothing is taken again
    assert holder.refresh(force=True) is None
    assert list(snaps.iterdir()) == []


def test_a_cancelled_take_stops_between_chunks_of_a_copied_file(node_home, tmp_path):
    """A byte copy (no hard links possible) of a large table stops within a chunk of the close."""
    from cometgraph.storage.leveldb_copy import Cancel, SnapshotCancelled, _copy_file

    src = tmp_path / "big.ldb"
    src.write_bytes(os.urandom(8 << 20))
    cancel = Cancel()
    cancel.set()
    with pytest.raises(SnapshotCancelled):
        _copy_file(src, tmp_path / "copy.ldb", cancel)
    assert (tmp_path / "copy.ldb").stat().st_size == 1 << 20
    snapper = Snapshotter(node_home / "data", tmp_path / "snaps")
    with pytest.raises(SnapshotCancelled):
        snapper.take(cancel=cancel)
    assert list((tmp_path / "snaps").iterdir()) == []

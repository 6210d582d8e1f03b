"""Pebble's own files, checked on the bytes injectived wrote with ``db_backend = "pebbledb"``
(``../shared/docs/pebble.md`` lists the facts; each is verified here on our archive).

Oracles: RocksDB's own reader (rocksdict, on private copies) for which tables are live and what
a folder holds; the node's oracle for the height its WAL ends at. Unsupported formats are made
from real folders by changing only what names the format (an OPTIONS line, a marker file, a
table's footer), so the refusal is tested on otherwise real bytes.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from cometgraph.storage import backends
from cometgraph.storage.backends import UnsupportedFormat, check_table, detect, parse_options
from cometgraph.storage.kv import PebbleDB, open_kv
from cometgraph.storage.ldblog import records
from cometgraph.storage.manifest import read_manifest
from cometgraph.storage.nodehead import NodeHead, batch_puts
from cometgraph.storage.pebble_copy import copy_pebble, open_copy
from cometgraph.storage.leveldb_copy import _Linker

pytestmark = pytest.mark.pebble_only
DBS = ("blockstore", "state", "tx_index", "application")


def _manifest(folder: Path):
    return read_manifest((folder / (folder / "CURRENT").read_text().strip()).read_bytes())


def _rocksdb(folder: Path):
    """RocksDB's own reader on ``folder`` (a private copy: it writes a file into it)."""
    import rocksdict

    return rocksdict.Rdict(str(folder), options=rocksdict.Options(raw_mode=True), access_type=rocksdict.AccessType.read_only())


def test_the_node_writes_pebbles_rocksdb_compatible_format(sample_data):
    for name in DBS + ("evidence",):
        folder = sample_data / f"{name}.db"
        names = os.listdir(folder)
        assert not [n for n in names if n.startswith("marker.")]
        assert {"CURRENT", "LOCK"} <= set(names) and any(n.startswith("MANIFEST-") for n in names)
        opts = parse_options((folder / backends.options_file(names)).read_text())
        assert "pebble_version" in opts["Version"]
        assert opts["Options"]["format_major_version"] == "1"
        assert opts["Options"]["comparer"] == "leveldb.BytewiseComparator"
        assert opts["Options"]["merger"] == "pebble.concatenate"
        for table in folder.glob("*.sst"):
            assert table.read_bytes()[-8:] == bytes.fromhex("f7cff485b741e288")
            check_table(table)
        found = detect(folder)
        assert found.kind == backends.PEBBLE and "format_major_version=1" in found.format
    # the node restarted mid-chain: every database has both tables and a WAL
    for name in DBS:
        assert list((sample_data / f"{name}.db").glob("*.sst")) and list((sample_data / f"{name}.db").glob("*.log"))


def test_our_manifest_reading_names_the_tables_rocksdb_reads(sample_data, tmp_path):
    """Pebble's NewFile2/NewFile4 records: the live tables we link are RocksDB's own list."""
    for name in DBS:
        copy = tmp_path / name
        shutil.copytree(sample_data / f"{name}.db", copy, ignore=shutil.ignore_patterns("LOCK"))
        db = _rocksdb(copy)
        try:
            live = {int(f["name"].strip("/").split(".")[0]): f["level"] for f in db.live_files()}
        finally:
            db.close()
        assert live and _manifest(copy).tables == live, name


def test_the_reader_writes_a_file_into_any_folder_it_opens(sample_data, tmp_path):
    """Why the node's folder is never opened, not even read-only."""
    copy = tmp_path / "state"
    shutil.copytree(sample_data / "state.db", copy)
    before = set(os.listdir(copy))
    db = PebbleDB(copy)
    db.close()
    assert set(os.listdir(copy)) - before == {"rocksdict-config.json"}


def test_a_copy_links_the_live_tables_and_copies_the_live_wals(sample_data, tmp_path):
    for name in DBS:
        src = sample_data / f"{name}.db"
        copy_pebble(src, tmp_path / name)
        state = _manifest(src)
        taken = set(os.listdir(tmp_path / name))
        for n in state.tables:
            table = f"{n:06d}.sst"
            assert os.stat(src / table).st_ino == os.stat(tmp_path / name / table).st_ino
        assert {n for n in taken if n.endswith(".sst")} == {f"{n:06d}.sst" for n in state.tables}
        wals = {p.name for p in src.glob("*.log") if int(p.stem) >= state.log_number}
        assert wals and {n for n in taken if n.endswith(".log")} == wals
        for wal in wals | {"CURRENT", (src / "CURRENT").read_text().strip()}:
            assert os.stat(src / wal).st_ino != os.stat(tmp_path / name / wal).st_ino
            assert (src / wal).read_bytes() == (tmp_path / name / wal).read_bytes()
        assert not (tmp_path / name / "LOCK").exists()


def test_tables_are_copied_where_links_are_impossible(sample_data, tmp_path):
    linker = _Linker()
    linker.can_link = False
    src = sample_data / "application.db"
    db, _ = open_copy(src, tmp_path / "app", linker=linker)
    try:
        assert db.get(b"s/latest")
    finally:
        db.close()
    for table in src.glob("*.sst"):
        assert os.stat(table).st_ino != os.stat(tmp_path / "app" / table.name).st_ino


def test_a_wal_cut_anywhere_opens_as_an_older_state(sample_data, tmp_path):
    """A WAL copied while the node appends ends in half a record: the read-only open keeps
    exactly the complete records (RocksDB's point-in-time recovery), the ones our WAL reader
    finds: the tables' state plus every put of those records, whatever the cut."""
    src = sample_data / "blockstore.db"
    wal = max(src.glob("*.log"))
    data = wal.read_bytes()

    def opened_with(wal_bytes: bytes, name: str) -> dict[bytes, bytes]:
        copy_pebble(src, tmp_path / name)
        (tmp_path / name / wal.name).write_bytes(wal_bytes)
        db = open_kv(tmp_path / name)
        try:
            return dict(db.iterate())
        finally:
            db.close()

    tables_only = opened_with(b"", "tables")
    cuts = sorted({*range(5, len(data), max(1, len(data) // 9)), len(data) - 1, len(data)})
    seen = set()
    for i, cut in enumerate(cuts):
        want = dict(tables_only)
        for record in records(data[:cut], log_number=int(wal.stem)):
            want.update(batch_puts(record))
        got = opened_with(data[:cut], f"cut{i}")
        assert got == want, cut
        seen.add(got.get(b"blockStore"))
    assert len(seen) > 3  # the cuts fell at different heights


def test_the_wal_reader_stops_at_another_logs_bytes(sample_data):
    """Pebble reuses old WAL files: bytes of an older log after the new writes (and the closed
    log's end-of-file trailer) carry another log number and end the records."""
    folder = sample_data / "state.db"
    wal = max(folder.glob("*.log"))
    data = wal.read_bytes()
    mine = list(records(data, verify=True, log_number=int(wal.stem)))
    assert mine and mine == list(records(data))
    other = next(p for name in DBS for p in (sample_data / f"{name}.db").glob("*.log") if int(p.stem) != int(wal.stem))
    assert list(records(data + other.read_bytes(), log_number=int(wal.stem))) == mine
    assert list(records(other.read_bytes(), log_number=int(wal.stem))) == []
    # a closed WAL (the node restarted: the older of application.db's two) ends in Pebble's
    # end-of-file trailer, an empty chunk naming the next log
    closed = min((sample_data / "application.db").glob("*.log"))
    tail = closed.read_bytes()[-11:]
    assert tail[4:7] == b"\x00\x00\x05" and int.from_bytes(tail[7:], "little") == int(closed.stem) + 1
    assert list(records(closed.read_bytes(), verify=True, log_number=int(closed.stem))) == list(records(closed.read_bytes()[:-11]))


def test_the_node_head_reads_pebbles_wal(sample_home, oracle):
    assert NodeHead(sample_home / "data" / "blockstore.db").height() == oracle.workload["latest_height"]


# ---------------------------------------------------------------- formats refused by name
def _variant(sample_data: Path, tmp_path: Path, name: str = "application") -> Path:
    dst = tmp_path / f"{name}.db"
    shutil.copytree(sample_data / f"{name}.db", dst)
    return dst


def _set_option(folder: Path, key: str, value: str) -> None:
    path = folder / backends.options_file(os.listdir(folder))
    lines = [f"  {key}={value}" if line.strip().startswith(f"{key}=") else line for line in path.read_text().splitlines()]
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda f: _set_option(f, "format_major_version", "13"), "Pebble format_major_version=13"),
        (lambda f: (f / "marker.format-version.000001.001").write_bytes(b""), "marker files (marker.format-version.000001.001)"),
        (lambda f: (f / "CURRENT").unlink(), "without a CURRENT file"),
        (lambda f: _set_option(f, "comparer", "cockroach_comparator"), "comparer 'cockroach_comparator'"),
        (lambda f: (f / backends.options_file(os.listdir(f))).write_text("[Version]\n  rocksdb_version=8.1.1\n[DBOptions]\n"), "RocksDB 8.1.1"),
    ],
)
def test_a_folder_of_another_format_is_refused_by_what_it_holds(sample_data, tmp_path, change, named):
    folder = _variant(sample_data, tmp_path)
    change(folder)
    with pytest.raises(UnsupportedFormat) as e:
        detect(folder)
    assert named in str(e.value) and str(e.value).startswith("application.db holds")
    assert "reads LevelDB folders and Pebble folders of format_major_version=1" in str(e.value)


def test_newer_pebble_tables_are_refused_before_opening(sample_data, tmp_path):
    folder = _variant(sample_data, tmp_path)
    table = max(folder.glob("*.sst"), key=lambda p: p.stat().st_size)
    raw = bytearray(table.read_bytes())
    raw[-8:] = backends.PEBBLE_MAGIC
    table.write_bytes(bytes(raw))
    with pytest.raises(UnsupportedFormat, match=f"table {table.name} with a Pebble \\(Pebblev1 or later\\) footer"):
        open_copy(folder, tmp_path / "copy")


def test_check_names_an_unsupported_database_and_serves_the_others(sample_home, tmp_path, capsys):
    from cometgraph.cli import main

    home = tmp_path / "home"
    shutil.copytree(sample_home, home)
    app = home / "data" / "application.db"
    _set_option(app, "format_major_version", "13")
    (app / "marker.format-version.000001.013").write_bytes(b"")
    assert main(["check", "--home", str(home), "--snapshot-dir", str(tmp_path / "snaps")]) == 1
    out = json.loads(capsys.readouterr().out)
    said = "application.db holds Pebble format_major_version=13 with marker files (marker.format-version.000001.013)"
    assert out["backends"]["application"]["backend"] == "unsupported" and said in out["backends"]["application"]["format"]
    assert out["databases"]["application"].startswith("cannot open: " + said)
    assert out["backends"]["blockstore"]["backend"] == "pebble" and out["databases"]["blockstore"] == "ok"
    assert out["chain"]["latest_height"] > 0 and "application" not in out
    assert list((tmp_path / "snaps").iterdir()) == []


def test_an_unsupported_blockstore_is_one_line_and_exit_2(sample_home, tmp_path, capsys):
    from cometgraph.cli import main

    home = tmp_path / "home"
    shutil.copytree(sample_home, home)
    (home / "data" / "blockstore.db" / "CURRENT").unlink()
    for command in (["check"], ["verify"]):
        assert main([*command, "--home", str(home), "--snapshot-dir", str(tmp_path / "snaps")]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [
            "cometgraph: blockstore.db holds Pebble format_major_version=1 without a CURRENT file: cometgraph reads LevelDB folders and Pebble folders of format_major_version=1 (RocksDB-compatible tables)"
        ]
    assert list((tmp_path / "snaps").iterdir()) == []


def test_an_empty_folder_is_refused_naming_what_is_there(tmp_path):
    (tmp_path / "x.db").mkdir()
    (tmp_path / "x.db" / "notes.txt").write_text("")
    with pytest.raises(UnsupportedFormat, match=r"no CURRENT, OPTIONS or marker file \(found: notes.txt\)"):
        detect(tmp_path / "x.db")


def test_a_prune_written_to_the_wal_after_an_empty_one_is_read(tmp_path):
    """``injectived prune custom --pruning-keep-recent 35`` on the pebble sample chain (latest
    version 105), one run of ~40 that left WAL 000020 holding only Pebble's 11-byte EOF trailer
    and the prune's deletes in WAL 000024. RocksDB's default recovery stopped at the trailer and
    read every pruned version as still there; each WAL is now read to its end."""
    from cometgraph.sample import unpack
    from cometgraph.storage.app import AppStore
    from cometgraph.storage.errors import Pruned

    fixture = Path(__file__).resolve().parent.parent / "fixtures" / "pebble-prune-eof-wal.tar.zst"
    unpack(fixture, tmp_path / "node")
    src = tmp_path / "node" / "application.db"
    assert (src / "000020.log").stat().st_size == 11 and (src / "000024.log").stat().st_size > 200_000
    db, _ = open_copy(src, tmp_path / "copy")
    try:
        app = AppStore(db)
        assert (app.earliest_version(), app.latest_version()) == (71, 105)
        for v in (1, 2, 25, 70):
            with pytest.raises(Pruned):
                app.tree("slashing", v)
        assert app.tree("slashing", 71).root_hash() == app.commit_info(71)["slashing"].hash
        assert app.tree("bank", 105).root_hash() == app.commit_info(105)["bank"].hash
    finally:
        db.close()

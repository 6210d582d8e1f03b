"""A live node on PebbleDB, followed through its flushes, compactions and WAL rotations.

Pebble flushes a memtable of 4 MiB, which this small chain fills in tens of minutes; a node
that starts replays its WAL into a new table (a flush, and a new WAL), and every other start
compacts the level-0 tables into the base level (measured on injectived 1.20.1: see
``tests/devnet/README.md``). So the node is restarted a few times, by SIGTERM and by SIGKILL,
while cometgraph refreshes its snapshot as fast as it can. Every height of every snapshot is
checked across the four databases (``height_checks``: hashes, validator sets, results, app
hash) and, at the end, against the node's own RPC; the node's folders hold only the node's
files and every table it wrote is byte for byte what it wrote.
"""

from __future__ import annotations

import hashlib
import re
import signal
import threading
import time
from pathlib import Path

import pytest

from cometgraph.storage.chain import Chain
from cometgraph.storage.integrity import height_checks
from cometgraph.storage.manifest import ManifestError, read_manifest
from tests.support import free_port_base

pytestmark = [pytest.mark.node, pytest.mark.pebble_only]
DBS = ("blockstore", "state", "tx_index", "application")
#: what a Pebble node keeps in a database folder (``.dbtmp``: a file being renamed into place)
PEBBLE_FILE = re.compile(r"^(\d+\.(log|sst)|MANIFEST-\d+|OPTIONS-\d+|CURRENT|LOCK|[\w.-]+\.dbtmp)$")


def _node_state(data: Path) -> dict[str, tuple[frozenset[int], int]]:
    """Per database: the tables its manifest names and its newest WAL (files read, never opened)."""
    out = {}
    for name in DBS:
        folder = data / f"{name}.db"
        try:
            tables = frozenset(read_manifest((folder / (folder / "CURRENT").read_text().strip()).read_bytes()).tables)
            wal = max(int(p.stem) for p in folder.glob("*.log"))
        except (OSError, ValueError, ManifestError):  # caught mid-rename or mid-write: next time
            continue
        out[name] = (tables, wal)
    return out


def _hash_new_tables(data: Path, state: dict[str, tuple[frozenset[int], int]], into: dict[Path, str]) -> None:
    """sha256 of each table the node's manifest names (so complete), once: it must never change."""
    for name, (tables, _) in state.items():
        for n in tables:
            p = data / f"{name}.db" / f"{n:06d}.sst"
            if p not in into:
                try:
                    into[p] = hashlib.sha256(p.read_bytes()).hexdigest()
                except FileNotFoundError:  # compacted away since the manifest was read
                    pass


def test_a_live_pebble_node_is_followed_through_flushes_compactions_and_wal_rotations(sample_home, oracle, scratch_copy, tmp_path):
    from tests.devnet.node import DevnetNode, ensure_injectived

    home = scratch_copy(sample_home, "pebble-live-home")
    data = home / "data"
    node = DevnetNode(ensure_injectived(), home, port_base=free_port_base(), log_path=tmp_path / "node.log")
    recorded_top = oracle.workload["latest_height"]
    seen: dict[int, str] = {}  # height -> block hash, as the snapshots served it
    bad: list[str] = []
    history: list[dict[str, tuple[frozenset[int], int]]] = []
    tables_written: dict[Path, str] = {}
    swaps = [0]
    stop = threading.Event()
    chain: Chain | None = None

    def follow() -> None:
        assert chain is not None
        while not stop.is_set():
            history.append(_node_state(data))
            _hash_new_tables(data, history[-1], tables_written)
            try:
                swaps[0] += chain.refresh()
                with chain.view() as v:
                    for h in range(max(seen, default=recorded_top) + 1, v.latest_height + 1):
                        verdict = height_checks(v.readers, h)
                        wrong = {k: x for k, x in verdict.items() if not (x == "ok" or x.startswith("unchecked"))}
                        if wrong:
                            bad.append(f"height {h}: {wrong}")
                        seen[h] = v.blocks.load_block_meta(h).block_id.hash.hex().upper()
            except Exception as exc:  # noqa: BLE001 - every failure is recorded and fails the test
                bad.append(repr(exc))
            stop.wait(0.05)

    node.start()
    follower = threading.Thread(target=follow)
    try:
        node.wait_height(recorded_top + 2, timeout=120)
        chain = Chain.from_home(home, snapshot_dir=tmp_path / "snaps").open()
        follower.start()
        for kill in (False, True, False, True):
            top = node.wait_height(node.height() + 3, timeout=120)
            if kill:
                node.process.send_signal(signal.SIGKILL)
            node.stop()
            time.sleep(0.5)  # a refresh or two of the stopped node
            node.start()  # replays the WAL: a flush, a new WAL, a compaction every other start
            node.wait_height(top + 2, timeout=120)
        deadline = time.monotonic() + 60
        while max(seen, default=0) < node.height() - 1 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop.set()
        if follower.is_alive():
            follower.join(timeout=120)
        if chain is not None:
            chain.close()
    try:
        assert not bad, bad[:5]
        assert swaps[0] > 10 and len(seen) > 12
        for h, block_hash in sorted(seen.items()):
            assert node.rpc("block", height=h)["block_id"]["hash"] == block_hash, h
    finally:
        node.stop()
    # the node did flush, compact and rotate its WALs while it was followed
    states = [s for s in history if len(s) == len(DBS)]
    for name in DBS:
        tables = [s[name][0] for s in states]
        assert any(b - a for a, b in zip(tables, tables[1:])), f"{name}: no flush seen"
        assert any(a - b for a, b in zip(tables, tables[1:])), f"{name}: no compaction seen"
        assert len({s[name][1] for s in states}) >= 3, f"{name}: WALs did not rotate"
    assert list((tmp_path / "snaps").iterdir()) == []
    # nothing of ours in the node's folders; every table still there is what the node wrote
    for name in DBS:
        for p in (data / f"{name}.db").iterdir():
            assert PEBBLE_FILE.match(p.name), f"unexpected {p}"
    for p, digest in tables_written.items():
        if p.exists():
            assert hashlib.sha256(p.read_bytes()).hexdigest() == digest, f"{p.name} changed"

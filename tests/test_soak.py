"""Soak: a real node producing blocks under a tx load while cometgraph follows it and serves a
concurrent query load; then faults: the node killed and restarted, cometgraph killed mid-refresh.

Bounded in time (COMETGRAPH_SOAK_SECONDS, default 90) and loopback only.
"""

from __future__ import annotations

import hashlib
import os
import re
import random
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from cometgraph.storage.chain import Chain
from cometgraph.web.app import create_app
from tests.support import free_port, free_port_base, serve_in_thread

pytestmark = pytest.mark.node
SOAK_SECONDS = float(os.environ.get("COMETGRAPH_SOAK_SECONDS", "90"))


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.fixture
def node(sample_home, scratch_copy, tmp_path):
    from tests.devnet.node import DevnetNode, ensure_injectived

    home = scratch_copy(sample_home, "soak-home")
    n = DevnetNode(ensure_injectived(), home, port_base=free_port_base(), log_path=tmp_path / "node.log")
    n.start()
    try:
        yield n
    finally:
        n.stop()


def _send(node, oracle, amount: int) -> None:
    a = oracle.workload["accounts"]
    node.injectived.run(
        "tx",
        "bank",
        "send",
        a["alice"]["address"],
        a["bob"]["address"],
        f"{amount}inj",
        "--chain-id",
        oracle.workload["chain_id"],
        "--node",
        node.rpc_node,
        "--keyring-backend",
        "test",
        "--gas",
        "200000",
        "--gas-prices",
        "500000000inj",
        "-y",
        "--output",
        "json",
        home=node.home,
        check=False,
        timeout=30,
    )


# the node's own files (goleveldb's and Pebble's: OPTIONS-*, *.sst, renames through *.dbtmp);
# write-file-atomic-* is CometBFT's temporary file for an atomic rewrite of
# priv_validator_state.json, seen whenever the listing falls between its write and its rename
NODE_FILE = re.compile(
    r"^(\d+\.(ldb|log|sst)|MANIFEST-\d+|OPTIONS-\d+|CURRENT|CURRENT\.bak|LOCK|LOG(\.old)?|[\w.-]+\.json|[\w.-]+\.dbtmp|write-file-atomic-\d+)$"
)
#: files a reader writes into a folder it opens: never in the node's (the Pebble reader's config)
OURS = {"rocksdict-config.json"}


def _tables(data: Path) -> dict[Path, str]:
    """sha256 of every immutable table file: the node never rewrites one in place."""
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in [*data.rglob("*.ldb"), *data.rglob("*.sst")]}


def _assert_untouched(data: Path, before: dict[Path, str], names_before: set[Path]) -> None:
    for p, digest in before.items():
        if p.exists():
            assert hashlib.sha256(p.read_bytes()).hexdigest() == digest, f"{p.name} changed"
    for p in data.rglob("*"):
        assert p.name not in OURS, f"a reader opened the node's folder: {p}"
        if p.is_file() and p not in names_before:
            assert NODE_FILE.match(p.name) or "cs.wal" in p.parts or "snapshots" in p.parts, f"unexpected file {p}"


def test_soak_under_load_with_a_node_restart(node, oracle, tmp_path):
    node.wait_height(int(oracle.status["sync_info"]["latest_block_height"]) + 1, timeout=120)
    data = node.home / "data"
    tables_before = _tables(data)
    names_before = {p for p in data.rglob("*") if p.is_file()}
    chain = Chain.from_home(node.home, snapshot_dir=tmp_path / "snaps").open()
    app = create_app(chain, refresh=1.0)
    served = serve_in_thread(app)
    port = served.__enter__()
    url = f"http://127.0.0.1:{port}/graphql"
    stop = threading.Event()
    failures: list[str] = []
    answers: dict[int, str] = {}
    tops: list[int] = []
    count = [0]

    def query_load(seed: int) -> None:
        rnd = random.Random(seed)
        with httpx.Client(timeout=30) as c:
            while not stop.is_set():
                try:
                    st = c.post(url, json={"query": "{ status { latestHeight } }"}).json()
                    top = st["data"]["status"]["latestHeight"]
                    tops.append(top)
                    h = rnd.randint(1, max(1, top - 1))
                    body = c.post(
                        url, json={"query": f"{{ block(height: {h}) {{ hash txs {{ hash code }} }} validators(height: {h}) {{ address votingPower }} }}"}
                    ).json()
                    if body.get("errors"):
                        failures.append(str(body["errors"]))
                        continue
                    text = repr(body["data"])
                    if answers.setdefault(h, text) != text:
                        failures.append(f"height {h} changed between refreshes")
                    body = c.post(url, json={"query": "{ blocks(first: 5) { nodes { height numTxs } } }"}).json()
                    if body.get("errors"):
                        failures.append(str(body["errors"]))
                    count[0] += 1
                except Exception as exc:  # noqa: BLE001 - every failure is recorded and fails the test
                    failures.append(repr(exc))

    def tx_load() -> None:
        i = 0
        while not stop.is_set():
            i += 1
            if node.process is not None:
                _send(node, oracle, 1000 + i)
            stop.wait(1.0)

    threads = [threading.Thread(target=query_load, args=(s,)) for s in range(2)] + [threading.Thread(target=tx_load)]
    try:
        for t in threads:
            t.start()
        time.sleep(min(10, SOAK_SECONDS / 6))
        rss_start = _rss_mb()
        time.sleep(SOAK_SECONDS / 2)
        # the node dies and comes back; cometgraph keeps serving the last snapshot meanwhile
        node.process.send_signal(signal.SIGKILL)
        node.stop()  # reaps the killed process
        time.sleep(3)
        node.start()
        node.wait_height(max(tops) + 2, timeout=120)
        time.sleep(SOAK_SECONDS / 3)
        rss_end = _rss_mb()
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
        served.__exit__(None, None, None)
        chain.close()
    assert not failures, failures[:5]
    assert count[0] > 20
    # heights seen by each request never go backwards overall (monotonic snapshots)
    assert max(tops) > min(tops), "the snapshot never advanced"
    assert rss_end - rss_start < 60, f"RSS grew from {rss_start:.0f} MB to {rss_end:.0f} MB"
    assert list((tmp_path / "snaps").iterdir()) == []
    # the node's folder: tables it did not rewrite are byte-identical; no file of ours in it
    _assert_untouched(data, tables_before, names_before)


def test_cometgraph_killed_mid_refresh_cleans_up_after_restart(node, oracle, tmp_path):
    node.wait_height(int(oracle.status["sync_info"]["latest_block_height"]) + 1, timeout=120)
    snaps = tmp_path / "snaps"
    port = free_port()
    cmd = [sys.executable, "-m", "cometgraph.cli", "serve", "--home", str(node.home), "--port", str(port), "--refresh", "0.2", "--snapshot-dir", str(snaps)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.1)
        time.sleep(2.5)  # several refreshes against a node writing blocks
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        left = {p.name for p in snaps.iterdir()}
        assert left, "a killed process leaves its snapshot behind"
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": "{ status { latestHeight } }"}, timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.1)
        assert r.json()["data"]["status"]["latestHeight"] > int(oracle.status["sync_info"]["latest_block_height"])
        assert not left & {p.name for p in snaps.iterdir()}, "the stale snapshot was not cleaned up"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert list(Path(snaps).iterdir()) == []

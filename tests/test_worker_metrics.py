"""`serve --workers 2`: a scrape that reaches either worker counts what both served."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import httpx
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from tests.support import free_port
from tests.test_serve import _worker_pids

REQUESTS = 40
QUERY = {"query": "query Probe { status { latestHeight } }", "operationName": "Probe"}


def _probe_count(text: str) -> float:
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            if s.name == "cometgraph_requests_total" and s.labels == {"operation": "Probe", "outcome": "ok"}:
                return s.value
    return 0.0


def _storage_reads(text: str) -> float:
    return sum(s.value for fam in text_string_to_metric_families(text) for s in fam.samples if s.name == "cometgraph_storage_reads_total")


def _one_workers_count(metrics_dir, pid: int, scratch) -> float:
    """What one worker alone counted: its own files, read as prometheus_client reads them all."""
    own = scratch / str(pid)
    own.mkdir()
    for f in metrics_dir.glob(f"*_{pid}.db"):
        shutil.copy(f, own / f.name)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(own))
    return registry.get_sample_value("cometgraph_requests_total", {"operation": "Probe", "outcome": "ok"}) or 0.0


def test_a_scrape_counts_the_requests_of_both_workers(tmp_path):
    """(The workers also get the --cors-origin setting, here from the environment.)"""
    port = free_port()
    (tmp_path / "tmp").mkdir()
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "TMPDIR": str(tmp_path / "tmp"), "COMETGRAPH_CORS_ORIGINS": "http://localhost:3000"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "cometgraph.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while len(_worker_pids(proc.pid)) < 2:
            assert proc.poll() is None and time.monotonic() < deadline, "workers did not come up"
            time.sleep(0.2)
        served = 0
        while served < REQUESTS:
            assert proc.poll() is None, "server exited early"
            try:
                # a new connection each time: spread over both workers. Only a refused connection
                # is retried (the request never reached a worker); a request that did may take a
                # while on a loaded machine, and a client that gave up and asked again would be
                # counted twice by the server (41 of 40 once, under load average ~9)
                with httpx.Client(timeout=60) as c:
                    r = c.post(f"{url}/graphql", json=QUERY, headers={"origin": "http://localhost:3000"})
                assert r.json()["data"]["status"]["latestHeight"] > 0
                assert r.headers["access-control-allow-origin"] == "http://localhost:3000"
                served += 1
            except httpx.ConnectError:
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.2)
        (metrics_dir,) = (tmp_path / "tmp").glob("cometgraph-metrics-*")
        pids = _worker_pids(proc.pid)
        per_worker = [_one_workers_count(metrics_dir, pid, tmp_path) for pid in pids]
        assert sum(per_worker) == REQUESTS and min(per_worker) > 0, per_worker  # both served some
        for _ in range(8):  # each scrape on a new connection: reaches either worker
            with httpx.Client(timeout=10) as c:
                text = c.get(f"{url}/metrics").text
            assert _probe_count(text) == REQUESTS
            assert _storage_reads(text) > 0  # the storage layer's counts reach the shared files too
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=40)
    assert proc.returncode == 0
    assert list((tmp_path / "tmp").iterdir()) == [], "the supervisor removes the workers' metric files"


def test_a_dead_workers_live_gauges_are_dropped_and_its_counts_kept(tmp_path):
    port = free_port()
    (tmp_path / "tmp").mkdir()
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "TMPDIR": str(tmp_path / "tmp")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "cometgraph.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            pids = _worker_pids(proc.pid)
            dirs = list((tmp_path / "tmp").glob("cometgraph-metrics-*"))
            if len(pids) == 2 and dirs and all((dirs[0] / f"gauge_livesum_{p}.db").exists() for p in pids):
                break
            assert proc.poll() is None and time.monotonic() < deadline, "workers did not come up"
            time.sleep(0.2)
        metrics_dir = dirs[0]
        dead = pids[0]
        os.kill(dead, signal.SIGKILL)
        while True:  # the supervisor notices and starts another
            now = _worker_pids(proc.pid)
            if len(now) == 2 and dead not in now:
                break
            assert proc.poll() is None and time.monotonic() < deadline, "no replacement worker"
            time.sleep(0.2)
        assert not (metrics_dir / f"gauge_livesum_{dead}.db").exists()
        assert (metrics_dir / f"counter_{dead}.db").exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=40)
    assert list((tmp_path / "tmp").iterdir()) == []


def test_uvicorns_own_workers_share_their_metrics_too(tmp_path):
    """Where SO_REUSEPORT is missing, `serve --workers N` runs uvicorn's own workers."""
    port = free_port()
    (tmp_path / "tmp").mkdir()
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "TMPDIR": str(tmp_path / "tmp")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    script = (
        "import sys, cometgraph.workers as w, cometgraph.cli as cli; w.supports_reuse_port = lambda: False; "
        f"sys.exit(cli.main(['serve', '--port', '{port}', '--workers', '2']))"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        served = 0
        while served < REQUESTS:
            assert proc.poll() is None, "server exited early"
            try:
                with httpx.Client(timeout=10) as c:
                    assert c.post(f"{url}/graphql", json=QUERY).json()["data"]["status"]["latestHeight"] > 0
                served += 1
            except httpx.TransportError:
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.2)
        (metrics_dir,) = (tmp_path / "tmp").glob("cometgraph-metrics-*")
        pids = sorted({int(f.stem.rsplit("_", 1)[1]) for f in metrics_dir.glob("counter_*.db")})
        assert len(pids) == 2, pids  # each worker writes its own files
        assert sum(_one_workers_count(metrics_dir, pid, tmp_path) for pid in pids) == REQUESTS
        for _ in range(8):
            with httpx.Client(timeout=10) as c:
                assert _probe_count(c.get(f"{url}/metrics").text) == REQUESTS
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=40)
    assert list((tmp_path / "tmp").iterdir()) == []

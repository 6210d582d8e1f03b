"""`cometgraph serve` as users run it: a real process on a loopback port."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.support import HeldLog, free_port


@pytest.mark.leveldb_only  # serves the embedded sample chain, which is the LevelDB archive
def test_serve_without_a_home_serves_the_embedded_sample_chain(oracle, tmp_path):
    port = free_port()
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cometgraph.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, "server exited early"
            try:
                r = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": "{ status { chainId latestHeight } }"}, timeout=30)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.2)
        assert r.json()["data"]["status"] == {
            "chainId": oracle.status["node_info"]["network"],
            "latestHeight": int(oracle.status["sync_info"]["latest_block_height"]),
        }
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=90)
    out = proc.stdout.read().decode()
    proc.stdout.close()
    # uvicorn shuts down gracefully, then re-raises the signal it caught
    assert proc.returncode in (0, -signal.SIGTERM), out
    assert "Application shutdown complete" in out
    # the snapshot it made is gone with it
    assert list((tmp_path / "cache" / "cometgraph" / "snapshots").iterdir()) == []


@pytest.mark.leveldb_only  # serves the embedded sample chain, which is the LevelDB archive
def test_serve_with_two_workers_answers_from_both(oracle, tmp_path):
    port = free_port()
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cometgraph.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        answers = []
        while len(answers) < 40:
            assert proc.poll() is None, "server exited early"
            try:
                with httpx.Client(timeout=30) as c:  # a new connection each time: spread over workers
                    r = c.post(f"http://127.0.0.1:{port}/graphql", json={"query": "{ status { latestHeight } }"})
                answers.append(r.json()["data"]["status"]["latestHeight"])
            except httpx.TransportError:
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.2)
        assert set(answers) == {int(oracle.status["sync_info"]["latest_block_height"])}
        snaps = list((tmp_path / "cache" / "cometgraph" / "snapshots").iterdir())
        assert len({p.name.split("-")[1] for p in snaps}) == 2, "each worker opens its own snapshot"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=90)
        out = proc.stdout.read().decode()
        proc.stdout.close()
    assert list((tmp_path / "cache" / "cometgraph" / "snapshots").iterdir()) == []
    # the workers log one JSON line per operation, as a single process does
    lines = [json.loads(line.split("cometgraph.requests: ", 1)[1]) for line in out.splitlines() if "cometgraph.requests: " in line]
    assert len(lines) >= 40 and {x["operation"] for x in lines} == {"anonymous"} and {x["status"] for x in lines} == {"ok"}


def _worker_pids(parent: int) -> list[int]:
    """The serving children of a `serve --workers N` process."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and b"cometgraph.workers" in cmdline:
            out.append(int(entry))
    return sorted(out)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_two_workers_share_long_lived_connections(tmp_path):
    """Keep-alive clients (a load balancer's pool) land on both workers, not all on the first
    one to wake up: each worker listens on its own SO_REUSEPORT socket."""
    import threading

    port = free_port()
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cometgraph.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/graphql"
    query = {"query": "{ blocks(first: 40) { nodes { height hash time proposerAddress numTxs } } }"}
    try:
        deadline = time.monotonic() + 90
        while len(_worker_pids(proc.pid)) < 2 or not _answers(url, query):
            assert proc.poll() is None and time.monotonic() < deadline, "workers did not come up"
            time.sleep(0.3)
        pids = _worker_pids(proc.pid)
        assert len(pids) == 2
        before = [_cpu_seconds(p) for p in pids]
        # 32 connections opened at once, as a load balancer's pool or an asyncio client does:
        # a worker woken by the first accepts every connection already queued
        conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(32)]
        body = json.dumps(query).encode()
        failures = []

        def hammer(conn: socket.socket) -> None:
            f = conn.makefile("rb")
            for _ in range(15):
                conn.sendall(b"POST /graphql HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
                status, length = f.readline(), 0
                while (line := f.readline()) not in (b"\r\n", b""):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                answer = f.read(length)
                if b" 200 " not in status or b'"errors"' in answer:
                    failures.append(status + answer)
            f.close()

        threads = [threading.Thread(target=hammer, args=(c,)) for c in conns]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for c in conns:
            c.close()
        assert not failures, failures[:1]
        used = [_cpu_seconds(p) - b for p, b in zip(pids, before)]
        # by hash, fewer than 4 of 32 connections on one socket happens ~3 times in a million
        assert min(used) > 0.1 * sum(used), used
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=40)
    assert proc.returncode == 0
    assert list((tmp_path / "cache" / "cometgraph" / "snapshots").iterdir()) == []


def _answers(url: str, query: dict) -> bool:
    try:
        return httpx.post(url, json=query, timeout=30).status_code == 200
    except httpx.TransportError:
        return False


def test_a_second_server_on_a_taken_port_is_a_clear_error(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = subprocess.run(
            [sys.executable, "-m", "cometgraph.cli", "serve", "--port", str(port), "--workers", "2"],
            env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert r.returncode == 2
    assert f"127.0.0.1:{port} is already in use" in r.stderr


def test_workers_that_cannot_open_the_databases_stop_the_service(tmp_path):
    """Restarting a worker that fails before serving would fail the same way, forever."""
    (tmp_path / "home" / "data" / "blockstore.db").mkdir(parents=True)  # a folder, but no database
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "cometgraph.cli",
            "serve",
            "--home",
            str(tmp_path / "home"),
            "--port",
            str(free_port()),
            "--workers",
            "2",
            "--snapshot-dir",
            str(tmp_path / "snaps"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 1
    assert "could not start" in r.stderr and "blockstore.db" in r.stderr
    assert r.stderr.count("started worker") == 2, "no restarts of a worker that never started"


def test_serving_two_workers_without_a_node_folder_is_one_clear_error(tmp_path):
    (tmp_path / "home").mkdir()
    r = subprocess.run(
        [sys.executable, "-m", "cometgraph.cli", "serve", "--home", str(tmp_path / "home"), "--port", str(free_port()), "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2
    assert r.stderr.strip() == f"cometgraph: no blockstore.db under {tmp_path / 'home' / 'data'}: is this a CometBFT node's data folder?"


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_during_a_refresh_leaves_no_snapshot_folder(sample_home, scratch_copy, tmp_path, workers):
    """SIGTERM while a refresh is mid-copy (in every worker): the shutdown stops that copy,
    waits for it and removes its folder before the process exits (uvicorn re-raises the
    signal at the end, which used to kill the refresh's thread with its half-built
    snapshot on disk)."""
    home = scratch_copy(sample_home, "home")
    snaps = tmp_path / "snaps"
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cometgraph.cli",
            "serve",
            "--home",
            str(home),
            "--port",
            str(port),
            "--refresh",
            "0.2",
            "--snapshot-dir",
            str(snaps),
            "--workers",
            str(workers),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    closing = threading.Semaphore(0)

    def read_log() -> None:
        for line in proc.stderr:
            lines.append(line)
            if "stopping the snapshot being taken" in line:
                closing.release()

    reader = threading.Thread(target=read_log, daemon=True)
    reader.start()
    held = None
    try:
        deadline = time.monotonic() + 90
        # every worker serving (one answering is not enough: a worker still taking its first
        # snapshot would copy the log below and be held before it ever served)
        while sum("Application startup complete" in line for line in lines) < workers:
            assert proc.poll() is None and time.monotonic() < deadline, "".join(lines)
            time.sleep(0.1)
        assert _answers(f"http://127.0.0.1:{port}/graphql", {"query": "{ status { latestHeight } }"})
        # a new log file in the node's blockstore: the next refresh copies it and blocks there
        held = HeldLog(home / "data" / "blockstore.db")
        held.wait_until_read()
        # each worker's refresh builds its snapshot beside the one it serves, and is held
        # at the log (or stopped before it, if the signal comes first)
        while len(list(snaps.iterdir())) < 2 * workers:
            assert time.monotonic() < deadline, sorted(p.name for p in snaps.iterdir())
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        # every worker's shutdown reached its holder's close while its copy was still held
        for _ in range(workers):
            while not closing.acquire(timeout=0.1):
                assert proc.poll() is None, "the server exited without stopping the refresh:\n" + "".join(lines)
                assert time.monotonic() < deadline + 60, "".join(lines)
        held.release()
        proc.wait(timeout=60)
    finally:
        if held is not None:
            held.release()
        if proc.poll() is None:  # a failed test: stop it the way that also stops its workers
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    reader.join(timeout=10)
    proc.stderr.close()
    assert proc.returncode in (0, -signal.SIGTERM), "".join(lines)
    assert list(snaps.iterdir()) == [], "".join(lines)


def _running(pid: int) -> bool:
    """Alive and not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_workers_stop_when_their_supervisor_is_killed_outright(tmp_path):
    """SIGKILL (or the OOM killer) to `serve --workers 2`: its workers get SIGTERM from the
    kernel and stop, instead of serving on with nobody to restart or stop them."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cometgraph.cli", "serve", "--port", str(port), "--workers", "2"],
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/graphql"
    pids: list[int] = []
    try:
        deadline = time.monotonic() + 90
        while len(pids := _worker_pids(proc.pid)) < 2 or not _answers(url, {"query": "{ status { latestHeight } }"}):
            assert proc.poll() is None and time.monotonic() < deadline, "workers did not come up"
            time.sleep(0.2)
        proc.kill()
        proc.wait(timeout=30)
        deadline = time.monotonic() + 60
        while alive := [p for p in pids if _running(p)]:
            assert time.monotonic() < deadline, f"workers {alive} outlived their supervisor"
            time.sleep(0.2)
    finally:
        for p in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(p, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
            proc.wait()

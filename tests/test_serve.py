"""`cometgraph serve` as users run it: a real process on a loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_without_a_home_serves_the_embedded_sample_chain(oracle, tmp_path):
    port = _free_port()
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cometgraph.cli", "serve", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, "server exited early"
            try:
                r = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": "{ status { chainId latestHeight } }"}, timeout=5)
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
        proc.wait(timeout=30)
    out = proc.stdout.read().decode()
    proc.stdout.close()
    # uvicorn shuts down gracefully, then re-raises the signal it caught
    assert proc.returncode in (0, -signal.SIGTERM), out
    assert "Application shutdown complete" in out
    # the snapshot it made is gone with it
    assert list((tmp_path / "cache" / "cometgraph" / "snapshots").iterdir()) == []


def test_serve_with_two_workers_answers_from_both(oracle, tmp_path):
    port = _free_port()
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cometgraph.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        answers = []
        while len(answers) < 40:
            assert proc.poll() is None, "server exited early"
            try:
                with httpx.Client(timeout=5) as c:  # a new connection each time: spread over workers
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
        proc.wait(timeout=30)
        proc.stdout.close()
    assert list((tmp_path / "cache" / "cometgraph" / "snapshots").iterdir()) == []

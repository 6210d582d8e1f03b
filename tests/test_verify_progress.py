"""`cometgraph verify` tells how far it is: a bar on a terminal, lines otherwise, JSON with --json."""

from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import struct
import subprocess
import sys
import termios
import threading

import pytest

from cometgraph.progress import LineProgress


def _top(oracle) -> int:
    return int(oracle.status["sync_info"]["latest_block_height"])


def _verify_cmd(sample_home, tmp_path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "cometgraph.cli",
        "verify",
        "--home",
        str(sample_home),
        "--snapshot-dir",
        str(tmp_path / "snaps"),
        "--log-level",
        "warning",
        *extra,
    ]


def test_verify_reports_each_batch_of_heights(sample_home, oracle, tmp_path):
    from cometgraph.storage.chain import Chain
    from cometgraph.storage.integrity import verify_readers

    top = _top(oracle)
    calls = []
    chain = Chain.from_home(sample_home, snapshot_dir=tmp_path / "snaps").open()
    try:
        with chain.view() as v:
            report = verify_readers(v.readers, batch=10, progress=lambda done, total: calls.append((done, total)))
    finally:
        chain.close()
    assert report.ok and report.to_height == top
    assert calls == [(0, top), *((min(n, top), top) for n in range(10, top + 10, 10))]


def test_lines_come_every_interval_with_rate_and_eta_and_once_at_the_end():
    now = [100.0]
    out = io.StringIO()
    p = LineProgress(out, interval=10, clock=lambda: now[0])
    p(0, 1000)
    now[0] = 102.0
    p(512, 1000)  # within the interval: quiet
    now[0] = 112.0
    p(600, 1000)
    now[0] = 113.0
    p(700, 1000)  # quiet again
    now[0] = 114.0
    p(1000, 1000)  # the end is always said
    assert out.getvalue().splitlines() == [
        "600/1000 blocks (60%), 50 blocks/s, ETA 0:00:08",
        "1000/1000 blocks (100%), 71 blocks/s, ETA 0:00:00",
    ]


def test_verify_into_a_pipe_prints_plain_progress_on_stderr_and_the_report_on_stdout(sample_home, oracle, tmp_path):
    top = _top(oracle)
    r = subprocess.run(_verify_cmd(sample_home, tmp_path), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines()[-1].startswith(f"{top}/{top} blocks (100%), ")
    assert r.stdout.startswith(f"chain {oracle.status['node_info']['network']}: heights 1..{top} ")
    assert "blocks/s" not in r.stdout


def test_verify_json_is_one_object_for_scripts(sample_home, oracle, tmp_path):
    top = _top(oracle)
    r = subprocess.run(_verify_cmd(sample_home, tmp_path, "--json"), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["chain_id"] == oracle.status["node_info"]["network"]
    assert (report["from_height"], report["to_height"], report["ok"]) == (1, top, True)
    assert report["passed"]["block_hash"] == top and report["mismatch_count"] == 0
    last = json.loads(r.stderr.splitlines()[-1])
    assert (last["done"], last["total"], last["eta_seconds"]) == (top, top, 0.0) and last["rate"] > 0


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_verify_on_a_terminal_draws_a_bar_with_rate(sample_home, oracle, tmp_path):
    top = _top(oracle)
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a terminal has a width
    proc = subprocess.Popen(_verify_cmd(sample_home, tmp_path), stdout=subprocess.PIPE, stderr=follower, text=True)
    os.close(follower)
    chunks: list[bytes] = []

    def drain() -> None:  # read while it runs: a full pty would block the child
        while True:
            try:
                data = os.read(leader, 4096)
            except OSError:  # EIO: the child closed its end
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    out, _ = proc.communicate(timeout=300)
    reader.join(timeout=60)
    os.close(leader)
    assert proc.returncode == 0
    bar = b"".join(chunks).decode()
    assert "100%|" in bar and f"{top}/{top} [" in bar and "blocks/s]" in bar, bar
    assert out.startswith("chain ")

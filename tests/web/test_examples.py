"""The example clients in examples/ run against a real server and print the node's data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_gql_client_example_pages_through_the_latest_blocks(live_server, oracle, heights):
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "latest_blocks.py"), "--url", f"{live_server}/graphql", "--count", "12", "--page", "5"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    blocks = [json.loads(line) for line in out.stdout.splitlines()]
    assert [b["height"] for b in blocks] == list(range(heights[-1], heights[-1] - 12, -1))
    for b in blocks:
        rpc = oracle.blocks[str(b["height"])]
        assert b["hash"] == rpc["block_id"]["hash"]
        assert b["time"] == rpc["block"]["header"]["time"]
        assert b["numTxs"] == len(rpc["block"]["data"]["txs"] or [])
        assert [t["code"] for t in b["txs"]] == [r.get("code", 0) for r in oracle.block_results[str(b["height"])].get("txs_results") or []]


def test_gql_history_example_pages_through_every_tx_of_an_address(live_server, oracle):
    addr = oracle.workload["accounts"]["alice"]["address"]
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "account_history.py"), addr, "--url", f"{live_server}/graphql", "--page", "2"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    got = [json.loads(line)["hash"] for line in out.stdout.splitlines()]
    want = sorted(
        (
            (int(rpc["height"]), bytes.fromhex(h))
            for h, rpc in oracle.txs.items()
            if any(
                a.get("index") and (a.get("value") == addr or (a.get("value") or "").startswith(addr + "/"))
                for e in rpc["tx_result"]["events"]
                for a in e["attributes"]
            )
        ),
        reverse=True,
    )
    assert got == [h.hex().upper() for _, h in want] and len(got) >= 3


def _watch_until(url: str, extra: list[str], done) -> list[str]:
    """Run examples/watch_blocks.py until a stderr line satisfies ``done``; its stderr lines.
    A line must come within 60 s: a silent example fails with queue.Empty."""
    import queue
    import threading

    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "examples" / "watch_blocks.py"), "--url", url, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stderr], daemon=True).start()
    said: list[str] = []
    try:
        while not any(done(s) for s in said):
            assert proc.poll() is None, said
            said.append(lines.get(timeout=60).rstrip("\n"))
    finally:
        proc.kill()
        proc.communicate()
    return said


def test_watch_example_says_that_the_sample_chain_never_grows(live_server, oracle):
    url = live_server.replace("http://", "ws://") + "/graphql"
    said = _watch_until(url, [], lambda s: "never grow" in s)
    top = oracle.status["sync_info"]["latest_block_height"]
    assert said[0] == f"watching {oracle.status['node_info']['network']} from height {top} at {url}"
    assert "point --url at a cometgraph serving a running node" in said[-1]


def test_watch_example_says_so_when_no_block_comes_for_idle_seconds(live_server):
    url = live_server.replace("http://", "ws://") + "/graphql"
    said = _watch_until(url, ["--idle", "1"], lambda s: s.startswith("no new block in 1 s; "))
    assert "never grow" in said[-1]

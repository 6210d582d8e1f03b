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
        capture_output=True, text=True, timeout=120,
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

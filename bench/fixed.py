"""The fixed cost of a request: issue 14's per-request targets, through one serving process.

    python bench/fixed.py --chain ~/.cache/cometgraph/bench-chain

``cometgraph serve --workers 1`` (its request log and uvicorn's access log on, as shipped) on
a copy of the chain's home; ``wrk -t1 -c16`` for ``--seconds`` per request kind, after a short
warm-up; the server's CPU from ``/proc/PID/stat``. Heights are drawn at random over the whole
chain. Prints a markdown table; ``--out`` writes it as JSON too. Targets (issue 14):
``{ status { latestHeight } }`` ≥ 5,000 requests/s on one core; ``validators(height:)`` of a
small set < 0.5 ms of server CPU; the same query written with inline literals ≤ 1.2x the
variables form.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.run import CometgraphServer, proc_cpu_seconds  # noqa: E402

V_VARS = "query($h: Int!) { validators(height: $h) { address votingPower } }"
V_INLINE = "{ validators(height: %d) { address votingPower } }"


def kinds(top: int, rnd: random.Random, n: int = 2000) -> dict[str, list[dict]]:
    """Request bodies per kind; heights over the whole chain (from 2: height 1 has no set yet in some homes)."""
    return {
        "status": [{"query": "{ status { latestHeight } }"}],
        "validators(height:), variables": [{"query": V_VARS, "variables": {"h": rnd.randint(2, top)}} for _ in range(n)],
        "validators(height: N), inline (2,000 texts, cycled)": [{"query": V_INLINE % rnd.randint(2, top)} for _ in range(n)],
    }


def wrk(port: int, tsv: Path, seconds: float) -> float:
    """Requests/s wrk measured (it fails loudly on non-2xx answers: errors are counted as such)."""
    lua = REPO / "bench" / "wrk_requests.lua"
    out = subprocess.run(
        ["wrk", "-t1", "-c16", f"-d{seconds:g}s", "-s", str(lua), f"http://127.0.0.1:{port}", "--", str(tsv)], capture_output=True, text=True, check=True
    ).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"non-2xx answers:\n{out}")
    return float(next(line for line in out.splitlines() if "Requests/sec" in line).split()[1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chain", type=Path, required=True, help="folder made by bench/build_chain.py --out")
    ap.add_argument("--cometgraph", type=Path, default=Path(sys.executable).parent / "cometgraph")
    ap.add_argument("--port", type=int, default=27700)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--out", type=Path, help="write the results as JSON here")
    ns = ap.parse_args(argv)
    top = json.loads((ns.chain / "chain.json").read_text())["latest_height"]
    rows = []
    with tempfile.TemporaryDirectory(prefix="cg-fixed-") as tmp:
        work = Path(tmp)
        home = work / "home"
        shutil.copytree(ns.chain / "home", home, symlinks=True)
        server = CometgraphServer(ns.cometgraph, home, ns.port, work / "snaps", work / "serve.log")
        server.start()
        try:
            for name, bodies in kinds(top, random.Random(ns.seed)).items():
                tsv = work / "requests.tsv"
                tsv.write_text("".join(f"POST\t/graphql\t{json.dumps(b)}\t\n" for b in bodies))
                wrk(ns.port, tsv, 3)  # warm-up: plans compiled, caches as a serving worker has them
                pids = server.pids()
                before = {p: proc_cpu_seconds(p) for p in pids}
                rps = wrk(ns.port, tsv, ns.seconds)
                cpu = sum(proc_cpu_seconds(p) - c for p, c in before.items())
                n = rps * ns.seconds
                rows.append(
                    {"request": name, "requests_per_s": rps, "server_cpu_cores": cpu / ns.seconds, "server_cpu_ms": 1000 * cpu / n, "per_core_per_s": n / cpu}
                )
        finally:
            server.stop()
    print("| request | requests/s | server CPU (cores) | server CPU a request | requests/s at 100% of one core |\n|---|--:|--:|--:|--:|")
    for r in rows:
        print(f"| {r['request']} | {r['requests_per_s']:,.0f} | {r['server_cpu_cores']:.2f} | {r['server_cpu_ms']:.3f} ms | {r['per_core_per_s']:,.0f} |")
    inline, plain = rows[2]["server_cpu_ms"], rows[1]["server_cpu_ms"]
    print(f"\ninline ÷ variables, server CPU a request: {inline / plain:.2f}x")
    if ns.out:
        ns.out.write_text(json.dumps({"rows": rows, "inline_over_variables": inline / plain, "top": top}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

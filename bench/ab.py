"""Before/after: several cometgraph installs on the same chain and workloads, run alternately.

    python bench/ab.py --chain ~/.cache/cometgraph/bench-chain \\
        --cometgraph base=/tmp/cg-base/.venv/bin/cometgraph \\
        --cometgraph fixed=/tmp/cg-fix/.venv/bin/cometgraph --workloads W1,W4 --reps 5

Each install serves its own copy of the chain's home (``cometgraph serve --home COPY --refresh
0``); every workload × concurrency cell runs each install in turn, ``--reps`` times; medians of
page-loads/s, p50/p99 and server CPU are printed as a markdown table with the ratio to the
first install. No node is started: this is for measuring a change to cometgraph itself (see
docs/benchmarks.md, "Proposed fixes").
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import loadgen as L  # noqa: E402
from bench.run import CometgraphServer, add_load_args, cg_pages, log, make_params, param_key, proc_cpu_seconds, proc_status  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chain", type=Path, required=True)
    ap.add_argument("--cometgraph", action="append", required=True, help="NAME=PATH to a cometgraph executable")
    add_load_args(ap, "W1,W4,W5", "1,16")
    ap.add_argument("--port", type=int, default=27600, help="first install's port; the next ones follow")
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--out", type=Path, help="write the runs as JSON here")
    args = ap.parse_args(argv)
    chain = args.chain.expanduser().resolve()
    info = json.loads((chain / "chain.json").read_text())
    params = make_params(info, 400, args.seed)
    installs = [tuple(x.split("=", 1)) for x in args.cometgraph]
    work = Path(tempfile.mkdtemp(prefix="cometgraph-ab-"))
    servers = []
    runs: dict[str, dict[str, list[dict]]] = {}
    try:
        for i, (name, exe) in enumerate(installs):
            home = work / f"home-{i}"
            shutil.copytree(chain / "home", home, symlinks=True)
            srv = CometgraphServer(Path(exe), home, args.port + i, work / f"snap-{i}", work / f"cg-{i}.log")
            srv.start()
            servers.append((name, srv))
        for rep in range(args.reps):
            for w in args.workloads.split(","):
                for c in [int(x) for x in args.concurrency.split(",")]:
                    for name, srv in servers:
                        pages = [cg_pages(w, p, srv.port) for p in params[param_key(w)]]
                        cpu0 = proc_cpu_seconds(srv.pid)
                        r = L.run(pages, c, args.warmup, args.seconds, min_page_loads=2 * c + 3, max_seconds=6 * args.seconds)
                        r["server_cpu_share"] = (proc_cpu_seconds(srv.pid) - cpu0) / (args.warmup + args.seconds)
                        r["rss"] = proc_status(srv.pid)
                        runs.setdefault(f"{w}@{c}", {}).setdefault(name, []).append(r)
                        log(
                            f"  rep {rep + 1} {w}@{c:<3} {name:10} {r['page_loads_per_s']:8.1f}/s p50 "
                            f"{r['p50_ms'] or 0:7.1f} ms cpu {r['server_cpu_share']:.2f} errors {r['errors']}" + (f" {r['first_error']}" if r["errors"] else "")
                        )
        peaks = {name: proc_status(srv.pid).get("VmHWM") for name, srv in servers}
    finally:
        for _, srv in servers:
            srv.stop()
        shutil.rmtree(work, ignore_errors=True)
    names = [n for n, _ in installs]
    lines = [
        "| cell | "
        + " | ".join(f"{n} page-loads/s (p50 ms, CPU)" for n in names)
        + " | "
        + " | ".join(f"{n} ÷ {names[0]}" for n in names[1:])
        + " | "
        + " | ".join(f"{n} ÷ {names[0]} per CPU-second" for n in names[1:])
        + " |",
        "|---|" + "--:|" * (3 * len(names) - 2),
    ]
    for cell, by in runs.items():
        med = {n: statistics.median(r["page_loads_per_s"] for r in by[n]) for n in names}
        p50 = {n: statistics.median(r["p50_ms"] or 0 for r in by[n]) for n in names}
        cpu = {n: statistics.median(r["server_cpu_share"] for r in by[n]) for n in names}
        # page-loads per second of the server's own CPU: steadier on a machine others use too
        eff = {n: statistics.median(r["page_loads_per_s"] / r["server_cpu_share"] for r in by[n] if r["server_cpu_share"]) for n in names}
        lines.append(
            f"| {cell} | "
            + " | ".join(f"{med[n]:,.1f} ({p50[n]:.1f}, {cpu[n]:.2f})" for n in names)
            + " | "
            + " | ".join(f"**{med[n] / med[names[0]]:.2f}x**" for n in names[1:])
            + " | "
            + " | ".join(f"{eff[n] / eff[names[0]]:.2f}x" for n in names[1:])
            + " |"
        )
    lines.append("")
    lines.append("peak RSS: " + ", ".join(f"{n} {(v or 0) / 1e6:.0f} MB" for n, v in peaks.items()))
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(json.dumps({"runs": runs, "peaks": peaks, "table": text, "at": time.strftime("%Y-%m-%d %H:%M:%S")}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Resident memory of ``cometgraph serve`` through the benchmark workloads, variant by variant.

    python bench/memory.py --chain ~/.cache/cometgraph/bench-chain --out bench/results/mem \\
        --variant default= --variant 'cache32=--cache-mb 32' --variant 'arenas8=MALLOC_ARENA_MAX=8'

Each variant is a fresh ``cometgraph serve --home <chain>/home --refresh 0 --workers N`` (the
supervisor and its workers: one session) with the variant's extra flags and environment
(``NAME=VALUE`` words in upper case are environment, the rest are flags). The workloads of
``bench/run.py`` run one after another at one concurrency, with the same parameters; after
each, the RSS of every process of the server is read from ``/proc``. Memory only moves up in a
long-running server (caches fill, the allocator keeps what it got), so the last column is what
an operator sees after a day of mixed traffic; the page-loads/s columns only show that a
variant did not buy memory with throughput (variants run one after another, not interleaved:
compare them loosely).

The chain is served read-only through private snapshots in a temporary folder; nothing is
written into ``--chain``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import loadgen as L  # noqa: E402
from bench.run import DEFAULT_CG_PORT, CometgraphServer, cg_pages, make_params, param_key  # noqa: E402

WORKLOADS = ("W1", "W2", "W3", "W4", "W5")
MB = 1 << 20


def parse_variant(text: str) -> tuple[str, tuple[str, ...], dict[str, str]]:
    """``name=words``: upper-case ``KEY=VALUE`` words are environment, the others flags."""
    name, _, rest = text.partition("=")
    flags, env = [], {}
    for word in rest.split():
        key, eq, value = word.partition("=")
        if eq and key.isupper() and not word.startswith("-"):
            env[key] = value
        else:
            flags.append(word)
    return name or "default", tuple(flags), env


def memory_of(pid: int) -> dict[str, int]:
    """RSS, its anonymous and file-backed parts, and PSS of one process, in bytes.

    File-backed RSS is mostly LevelDB's memory-mapped table files: both workers map the same
    (hard-linked) files, so summed RSS counts those pages once per worker; PSS splits them."""
    out = {"rss": 0, "anon": 0, "file": 0, "pss": 0}
    names = {"VmRSS": "rss", "RssAnon": "anon", "RssFile": "file"}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            k, _, v = line.partition(":")
            if k in names:
                out[names[k]] = int(v.split()[0]) * 1024
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                out["pss"] = int(line.split()[1]) * 1024
    except OSError:
        pass
    return out


def rss_by_process(server: CometgraphServer) -> dict[str, dict[str, int]]:
    """Memory of the supervisor (the session leader) and of each worker."""
    return {("supervisor" if pid == server.pid else f"worker {pid}"): memory_of(pid) for pid in sorted(server.pids())}


def total(snapshot: dict[str, dict[str, int]], key: str = "rss") -> int:
    return sum(p[key] for p in snapshot.values())


def measure(args: argparse.Namespace, variant: str, params: dict[str, list], work: Path) -> dict[str, Any]:
    name, flags, env = parse_variant(variant)
    exe = Path(args.cometgraph) if args.cometgraph else Path(sys.executable).parent / "cometgraph"
    snaps = work / f"snapshots-{name}"
    server = CometgraphServer(exe, args.chain / "home", args.port, snaps, work / f"{name}.log", workers=args.workers, flags=flags, env=env)
    row: dict[str, Any] = {"variant": name, "flags": list(flags), "env": env, "rss": {}, "page_loads_per_s": {}}
    try:
        server.start()
        time.sleep(1.0)  # every worker up and settled
        row["rss"]["start"] = rss_by_process(server)
        for w in args.workloads.split(","):
            pages = [cg_pages(w, p, args.port) for p in params[param_key(w)]]
            res = L.run(pages, args.concurrency, warmup=1.0, seconds=args.seconds)
            row["page_loads_per_s"][w] = res["page_loads_per_s"]
            row["rss"][w] = rss_by_process(server)
            print(f"{name:>12} after {w}: {total(row['rss'][w]) / MB:6.0f} MB  {res['page_loads_per_s']:8.1f} page-loads/s", file=sys.stderr)
    finally:
        server.stop()
        shutil.rmtree(snaps, ignore_errors=True)
    return row


def markdown(results: dict[str, Any]) -> str:
    steps = ["start", *results["workloads"]]
    lines = [
        "RSS summed over the server's processes, MB, after each workload; then the end state split up:",
        "",
        "| variant | " + " | ".join(f"after {s}" if s != "start" else "start" for s in steps) + " | anon | file-backed | PSS | supervisor | per worker |",
        "|" + "---|" * (len(steps) + 6),
    ]
    for r in results["rows"]:
        cells = [f"{total(r['rss'][s]) / MB:.0f}" if s in r["rss"] else "–" for s in steps]
        end = r["rss"].get(steps[-1], {})
        per = " / ".join(f"{v['rss'] / MB:.0f}" for k, v in end.items() if k != "supervisor")
        sup = end.get("supervisor", {}).get("rss", 0)
        split = [f"{total(end, k) / MB:.0f}" for k in ("anon", "file", "pss")]
        lines.append(f"| {r['variant']} | " + " | ".join(cells + split) + f" | {sup / MB:.0f} | {per} |")
    lines += ["", "page-loads/s (informational; variants run one after another):", ""]
    lines.append("| variant | " + " | ".join(results["workloads"]) + " |")
    lines.append("|" + "---|" * (len(results["workloads"]) + 1))
    for r in results["rows"]:
        lines.append(f"| {r['variant']} | " + " | ".join(f"{r['page_loads_per_s'].get(w, 0):.1f}" for w in results["workloads"]) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chain", type=Path, required=True, help="folder made by bench/build_chain.py --out")
    ap.add_argument("--out", type=Path, required=True, help="memory.json and memory.md go here")
    ap.add_argument("--variant", action="append", default=[], help="NAME=[FLAGS and ENV=VALUE words] (repeatable; default: one plain run)")
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=20.0, help="per workload")
    ap.add_argument("--port", type=int, default=DEFAULT_CG_PORT)
    ap.add_argument("--cometgraph", help="the cometgraph executable (default: beside this Python)")
    ap.add_argument("--seed", type=int, default=6)
    args = ap.parse_args(argv)
    args.chain = args.chain.expanduser().resolve()
    info = json.loads((args.chain / "chain.json").read_text())
    params = make_params(info, 400, args.seed)
    work = Path(tempfile.mkdtemp(prefix="cometgraph-mem-"))
    results: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "environment": environment_line_of(),
        "settings": {"workers": args.workers, "concurrency": args.concurrency, "seconds": args.seconds, "seed": args.seed},
        "workloads": args.workloads.split(","),
        "rows": [],
    }
    try:
        for v in args.variant or ["default="]:
            results["rows"].append(measure(args, v, params, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "memory.json").write_text(json.dumps(results, indent=1))
    md = markdown(results)
    (args.out / "memory.md").write_text(md + "\n")
    print(md)
    return 0


def environment_line_of() -> str:
    import os
    import platform

    return f"{platform.python_version()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} at start"


if __name__ == "__main__":
    sys.exit(main())

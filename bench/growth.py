"""Cost grows with the page, not the chain: W1, W4, W5 per page on the bench chain and a 10x chain.

    python bench/build_chain.py --out ~/.cache/cometgraph/bench-chain              # once (cached)
    python bench/build_chain.py --out ~/.cache/cometgraph/bench-chain-x10 \\
        --blocks 20000 --txs 100000 --timeout-commit 10ms --max-minutes 50          # once (cached)
    python bench/growth.py                                                          # the measurement

Both chains in the same run, interleaved (rep by rep, workload by workload, chain after chain),
each measurement in a fresh process that opens the chain through cometgraph's own private
snapshots (``Chain.from_home``, hard links; nothing is written to the chain's folder) and calls
the real ASGI app (``web.app.create_app``: GraphQL parsing, validation, resolvers, DataLoaders,
JSON) in-process, one request at a time (concurrency 1), with the query texts of
``bench/run.py`` and variables:

* parameters are drawn over the WHOLE of each chain: W1's top height and W5's height uniform
  over all heights (W5 from the height all validators exist), W4's tx hashes from blocks drawn
  uniformly over all heights (old and new txs alike);
* per process: the first request (cold: nothing cached, the GraphQL document new), then a
  warm-up (``--warmup`` requests, other parameters) that is not counted, then ``--requests``
  measured requests, once LevelDB's compaction after open has finished (``bench/quiet.py``):
  CPU time of the process (``time.process_time``, all threads) and wall time per request;
  then the plain-loop ceiling (``bench/ceiling.py``'s ``Plain``: the same data read
  and decoded by the storage layer, no GraphQL) over fresh parameters, CPU per page;
* two variants: ``served`` (every cache on, as ``cometgraph serve`` runs) and ``no-cache``
  (the decoded-record cache, the IAVL node cache and the memo of printed times off: every page reads and decodes its
  records from LevelDB — the cost a page has when nothing of it was asked before, which on a
  chain much larger than the caches is the common case);
* ``--reps`` processes per (chain, workload, variant); medians over the reps are reported.

CPU time per page is the number to compare (less sensitive to other load on a shared machine
than latency); the load average is recorded around the run. Writes
``bench/results/<date>-growth-<commit>.json`` and prints the markdown table
(docs/benchmarks.md, "Growth: cost per page on a 10x chain").
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import hashlib
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.run import Q_W1, Q_W4, Q_W5  # noqa: E402
from bench.inproc import post  # noqa: E402
from bench.quiet import wait_quiet  # noqa: E402

QUERIES = {"W1": (Q_W1, "top"), "W4": (Q_W4, "h"), "W5": (Q_W5, "h")}
WHAT = {
    "W1": "block list: 100 blocks",
    "W4": "tx by hash with messages and events",
    "W5": "validators at a height with staking monikers",
}
VARIANTS = ("served", "no-cache")
CACHE = Path("~/.cache/cometgraph").expanduser()


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def snapshot_root() -> Path:
    """Snapshots on the chains' filesystem, so their table files are hard links."""
    root = CACHE / "snapshots"
    root.mkdir(parents=True, exist_ok=True)
    return root


# --------------------------------------------------------------------------------------------
# parameters, drawn over the whole chain
# --------------------------------------------------------------------------------------------
def draw_params(home: Path, info: dict[str, Any], n: int, seed: int) -> dict[str, Any]:
    from cometgraph.storage.chain import Chain

    rng = random.Random(seed)
    snap = Path(tempfile.mkdtemp(prefix="growth-params-", dir=snapshot_root()))
    chain = Chain.from_home(home, snapshot_dir=snap).open()
    try:
        with chain.view() as v:
            low, top = v.earliest_height, v.latest_height
            vals_at = max(x.get("height", 1) for x in info["validators"]) + 2
            hashes: list[str] = []
            tx_heights: list[int] = []
            seen: set[str] = set()
            tries = 0
            while len(hashes) < n and tries < 50 * n:
                hs = sorted(rng.randint(low, top) for _ in range(64))
                tries += len(hs)
                for h, blk in zip(hs, v.blocks.load_blocks(hs)):
                    if blk is None or not blk.txs:
                        continue
                    tx = hashlib.sha256(rng.choice(blk.txs)).hexdigest().upper()
                    if tx not in seen and len(hashes) < n:
                        seen.add(tx)
                        hashes.append(tx)
                        tx_heights.append(h)
            order = list(range(len(hashes)))
            rng.shuffle(order)
            return {
                "earliest_height": low,
                "latest_height": top,
                "W1": [rng.randint(low + 99, top) for _ in range(n)],
                "W4": [hashes[i] for i in order],
                "W4_heights": [tx_heights[i] for i in order],
                "W5": [rng.randint(vals_at, top) for _ in range(n)],
            }
    finally:
        chain.close()
        shutil.rmtree(snap, ignore_errors=True)


def spread(values: list[int], low: int, top: int) -> dict[str, Any]:
    """Where the drawn heights lie: quartiles, and the share in each tenth of the chain."""
    s = sorted(values)
    tenths = [0] * 10
    for x in s:
        tenths[min(9, (x - low) * 10 // max(1, top - low + 1))] += 1
    return {"min": s[0], "q1": s[len(s) // 4], "median": s[len(s) // 2], "q3": s[3 * len(s) // 4], "max": s[-1], "per_tenth": tenths}


# --------------------------------------------------------------------------------------------
# one measurement, in its own process
# --------------------------------------------------------------------------------------------
def one(home: Path, workload: str, variant: str, params: list[Any], warmup: int, requests: int, ceiling: int, profile: str | None = None) -> dict[str, Any]:
    t_proc = time.process_time()
    from cometgraph.storage.app import NodeCache
    from cometgraph.storage.chain import Chain
    from cometgraph.storage.records import RecordCache
    from cometgraph.factory import tune_gc
    from cometgraph.web.app import create_app

    from bench.ceiling import Plain

    snap = Path(tempfile.mkdtemp(prefix="growth-", dir=snapshot_root()))
    chain = Chain.from_home(home, snapshot_dir=snap)
    if variant == "no-cache":
        from cometgraph.storage import models

        chain.records = RecordCache(0)
        chain.node_cache = NodeCache(0)
        # the memo of printed block times too: its coverage is a cache's, larger on the smaller chain
        models._rfc3339 = models._rfc3339.__wrapped__  # type: ignore[attr-defined]
    t_open = time.process_time()
    chain.open()
    app = create_app(chain)
    tune_gc()  # the collector as `cometgraph serve` sets it
    open_cpu = time.process_time() - t_open
    query, var = QUERIES[workload]
    need = 1 + warmup + requests + 20 + ceiling
    if len(params) < need:
        raise SystemExit(f"{workload}: {len(params)} parameters, {need} needed")

    async def call(body: bytes) -> bytes:
        return (await post(app, body))[2]

    def body(p: Any) -> bytes:
        return json.dumps({"query": query, "variables": {var: p}}).encode()

    async def timed(p: Any) -> tuple[float, float, int]:
        b = body(p)
        c, w = time.process_time(), time.perf_counter()
        out = await call(b)
        cpu, wall = time.process_time() - c, time.perf_counter() - w
        if b'"errors"' in out or b'"data"' not in out:
            raise RuntimeError(f"{workload} {p}: {out[:300]!r}")
        return cpu, wall, len(out)

    async def main() -> dict[str, Any]:
        async with app.router.lifespan_context(app):
            cold_cpu, cold_wall, _ = await timed(params[0])
            for p in params[1 : 1 + warmup]:
                await timed(p)
            quiet_s = wait_quiet()  # LevelDB's compaction after open is not a request's CPU
            cpus, walls, sizes = [], [], []
            prof = None
            if profile:
                import cProfile

                prof = cProfile.Profile()
                prof.enable()
            for p in params[1 + warmup : 1 + warmup + requests]:
                c, w, n = await timed(p)
                cpus.append(c)
                walls.append(w)
                sizes.append(n)
            if prof is not None:
                prof.disable()
                prof.dump_stats(profile)
            rest = params[1 + warmup + requests :]
            with chain.view() as v:
                plain = Plain(chain)
                fn = {"W1": lambda x: plain.w1(v, x), "W4": lambda x: plain.w4(v, x), "W5": lambda x: plain.w5(v, x)}[workload]
                for p in rest[:20]:  # warm-up
                    json.dumps(fn(p))
                ceil = []
                if profile:  # the plain loop runs the storage layer in this thread: all of it shows
                    prof = cProfile.Profile()
                    prof.enable()
                for p in rest[20 : 20 + ceiling]:
                    c = time.process_time()
                    json.dumps(fn(p))
                    ceil.append(time.process_time() - c)
                if prof is not None:
                    prof.disable()
                    prof.dump_stats(profile.removesuffix(".prof") + "-ceiling.prof")
            return {
                "workload": workload,
                "variant": variant,
                "requests": requests,
                "waited_for_quiet_s": round(quiet_s, 2),
                "startup_cpu_ms": 1000 * (t_open - t_proc),
                "open_cpu_ms": 1000 * open_cpu,
                "cold_cpu_ms": 1000 * cold_cpu,
                "cold_wall_ms": 1000 * cold_wall,
                "cpu_ms_median": 1000 * statistics.median(cpus),
                "cpu_ms_mean": 1000 * statistics.fmean(cpus),
                "cpu_ms_p90": 1000 * sorted(cpus)[int(0.9 * len(cpus))],
                "wall_ms_median": 1000 * statistics.median(walls),
                "wall_ms_p90": 1000 * sorted(walls)[int(0.9 * len(walls))],
                "response_bytes_median": statistics.median(sizes),
                "ceiling_cpu_ms_median": 1000 * statistics.median(ceil),
                "ceiling_cpu_ms_mean": 1000 * statistics.fmean(ceil),
            }

    try:
        return asyncio.run(main())
    finally:
        chain.close()
        shutil.rmtree(snap, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# the run
# --------------------------------------------------------------------------------------------
def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def git_commit() -> str:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True, text=True).stdout.strip()
        return rev + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def chain_facts(out: Path) -> dict[str, Any]:
    info = json.loads((out / "chain.json").read_text())
    return {
        "path": str(out),
        "latest_height": info["latest_height"],
        "earliest_height": info["earliest_height"],
        "txs": info["txs"],
        "blocks_with_txs": info["blocks_with_txs"],
        "data_bytes": du(out / "home" / "data"),
        "databases_bytes": {d.name: du(d) for d in sorted((out / "home" / "data").iterdir()) if d.is_dir()},
        "build_seconds": info["timings"]["total_seconds"],
        "workload_seconds": info["timings"].get("workload_seconds"),
        "signer": info["params"].get("signer", "cli"),
        "timeout_commit": info["params"]["timeout_commit"],
        "info": info,
    }


def med(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def summarize(runs: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """(chain, workload, variant) -> medians over the reps of each measured number."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for r in runs:
        groups.setdefault((r["chain"], r["workload"], r["variant"]), []).append(r)
    out: dict[str, dict[str, float]] = {}
    for (c, w, v), rs in groups.items():
        keys = [k for k, x in rs[0].items() if isinstance(x, (int, float)) and k not in ("rep", "requests")]
        out[f"{c}/{w}/{v}"] = {k: med([r[k] for r in rs]) for k in keys} | {"reps": len(rs)}
    return out


def markdown(results: dict[str, Any]) -> str:
    chains = results["chains"]
    s, b = chains["small"], chains["big"]
    lines = [
        "| chain | heights | txs | blocks with txs | data on disk | built in (signer, timeout_commit) |",
        "|---|--:|--:|--:|--:|--|",
    ]
    for name, c in (("bench", s), ("10x", b)):
        lines.append(
            f"| {name} | {c['latest_height']:,} | {c['txs']:,} | {c['blocks_with_txs']:,} | {c['data_bytes'] / 1e6:,.0f} MB | "
            f"{c['build_seconds'] / 60:.0f} min ({c['signer']}, {c['timeout_commit']}) |"
        )
    ratio_h = b["latest_height"] / s["latest_height"]
    ratio_t = b["txs"] / s["txs"]
    lines += ["", f"10x chain / bench chain: {ratio_h:.1f}x heights, {ratio_t:.1f}x txs, {b['data_bytes'] / s['data_bytes']:.1f}x bytes.", ""]
    sm = results["summary"]
    lines += [
        "| workload | variant | CPU ms/page bench | CPU ms/page 10x | 10x / bench | latency p50 ms bench / 10x | "
        "cold 1st request CPU ms bench / 10x | plain-loop ceiling CPU ms/page bench / 10x |",
        "|---|---|--:|--:|--:|--:|--:|--:|",
    ]
    for w in results["workloads"]:
        for v in results["variants"]:
            x, y = sm.get(f"small/{w}/{v}"), sm.get(f"big/{w}/{v}")
            if not x or not y:
                continue
            lines.append(
                f"| {w} | {v} | {x['cpu_ms_median']:.2f} | {y['cpu_ms_median']:.2f} | **{y['cpu_ms_median'] / x['cpu_ms_median']:.2f}** | "
                f"{x['wall_ms_median']:.2f} / {y['wall_ms_median']:.2f} | {x['cold_cpu_ms']:.0f} / {y['cold_cpu_ms']:.0f} | "
                f"{x['ceiling_cpu_ms_median']:.2f} / {y['ceiling_cpu_ms_median']:.2f} |"
            )
    la = results["loadavg"]
    lines += [
        "",
        f"Medians of {results['reps']} processes per cell, each {results['requests']} measured requests after a first (cold) "
        f"request and {results['warmup']} warm-up requests; commit {results['commit']}; load average (1/5/15 min) "
        f"{' '.join(map(str, la['before']))} before, {' '.join(map(str, la['after']))} after, "
        f"{min(x[0] for x in la['during']):.1f}–{max(x[0] for x in la['during']):.1f} (1 min) during; {results['machine']}.",
    ]
    return "\n".join(lines)


def profile(args: argparse.Namespace) -> int:
    """Both chains' cProfile of one (workload, variant): where the time per page goes."""
    import pstats

    w, v = args.profile
    per_rep = 1 + args.warmup + args.requests + 20 + args.ceiling
    work = Path(tempfile.mkdtemp(prefix="growth-profile-"))
    args.out.mkdir(parents=True, exist_ok=True)
    for name, path in (("small", args.small), ("big", args.big)):
        c = chain_facts(path.expanduser())
        pfile = work / f"{name}.json"
        pfile.write_text(json.dumps(draw_params(Path(c["path"]) / "home", c["info"], per_rep, args.seed)[w]))
        prof = args.out / f"growth-{name}-{w}-{v}.prof"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--one", str(Path(c["path"]) / "home"), w, v, str(pfile), "--one-profile", str(prof)]
        cmd += ["--warmup", str(args.warmup), "--requests", str(args.requests), "--ceiling", str(args.ceiling)]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            raise SystemExit(out.stderr[-3000:])
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"## {name} (height {c['latest_height']}): {w} {v}, CPU {r['cpu_ms_median']:.2f} ms/page under cProfile (event-loop thread only); {prof}")
        pstats.Stats(str(prof)).sort_stats("tottime").print_stats(20)
        ceil = str(prof).removesuffix(".prof") + "-ceiling.prof"
        print(f"## {name}: the plain loop (storage layer, one thread), CPU {r['ceiling_cpu_ms_median']:.2f} ms/page under cProfile; {ceil}")
        pstats.Stats(ceil).sort_stats("tottime").print_stats(20)
    shutil.rmtree(work, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small", type=Path, default=CACHE / "bench-chain", help="the bench chain (bench/build_chain.py --out)")
    ap.add_argument("--big", type=Path, default=CACHE / "bench-chain-x10", help="the 10x chain")
    ap.add_argument("--workloads", default="W1,W4,W5")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--reps", type=int, default=5, help="processes per (chain, workload, variant); medians (default 5)")
    ap.add_argument("--requests", type=int, default=200, help="measured requests per process (default 200)")
    ap.add_argument("--warmup", type=int, default=30, help="requests per process not counted (default 30)")
    ap.add_argument("--ceiling", type=int, default=200, help="plain-loop pages per process (default 200)")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    ap.add_argument(
        "--profile",
        nargs=2,
        metavar=("WORKLOAD", "VARIANT"),
        help="instead of the table: one process per chain under cProfile (the measured requests); "
        "writes OUT/growth-<chain>-W-V.prof and prints the top functions of both",
    )
    ap.add_argument("--one", nargs=4, metavar=("HOME", "WORKLOAD", "VARIANT", "PARAMS"), help=argparse.SUPPRESS)
    ap.add_argument("--one-profile", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        home, w, v, pfile = args.one
        params = json.loads(Path(pfile).read_text())
        print(json.dumps(one(Path(home), w, v, params, args.warmup, args.requests, args.ceiling, args.one_profile)))
        return 0
    if args.profile:
        return profile(args)

    workloads, variants = args.workloads.split(","), args.variants.split(",")
    per_rep = 1 + args.warmup + args.requests + 20 + args.ceiling
    chains = {"small": chain_facts(args.small.expanduser()), "big": chain_facts(args.big.expanduser())}
    work = Path(tempfile.mkdtemp(prefix="growth-params-"))
    params: dict[str, dict[str, Any]] = {}
    for name, c in chains.items():
        log(f"{name}: height {c['latest_height']}, {c['txs']} txs, {c['data_bytes'] / 1e6:.0f} MB; drawing parameters")
        params[name] = draw_params(Path(c["path"]) / "home", c["info"], per_rep * args.reps, args.seed)
    spreads = {
        name: {
            "W1": spread(p["W1"], p["earliest_height"], p["latest_height"]),
            "W4_tx_heights": spread(p["W4_heights"], p["earliest_height"], p["latest_height"]),
            "W5": spread(p["W5"], p["earliest_height"], p["latest_height"]),
        }
        for name, p in params.items()
    }
    files = {}
    for name, p in params.items():
        for w in workloads:
            for rep in range(args.reps):
                f = work / f"{name}-{w}-{rep}.json"
                f.write_text(json.dumps(p[w][rep * per_rep : (rep + 1) * per_rep]))
                files[(name, w, rep)] = f
    load = {"before": loadavg(), "during": [], "after": []}
    runs = []
    t0 = time.monotonic()
    for rep in range(args.reps):
        for w in workloads:
            for v in variants:
                for name in ("small", "big") if rep % 2 == 0 else ("big", "small"):
                    home = Path(chains[name]["path"]) / "home"
                    cmd = [sys.executable, str(Path(__file__).resolve()), "--one", str(home), w, v, str(files[(name, w, rep)])]
                    cmd += ["--warmup", str(args.warmup), "--requests", str(args.requests), "--ceiling", str(args.ceiling)]
                    out = subprocess.run(cmd, capture_output=True, text=True)
                    if out.returncode != 0:
                        raise SystemExit(f"{name} {w} {v}: {out.stderr[-3000:]}")
                    r = json.loads(out.stdout.strip().splitlines()[-1]) | {"chain": name, "rep": rep}
                    runs.append(r)
                    load["during"].append(loadavg())
                    log(
                        f"rep {rep} {w} {v} {name}: CPU {r['cpu_ms_median']:.2f} ms/page (wall {r['wall_ms_median']:.2f}), "
                        f"cold {r['cold_cpu_ms']:.0f} ms, ceiling {r['ceiling_cpu_ms_median']:.2f} ms; load {load['during'][-1][0]}"
                    )
    load["after"] = loadavg()
    shutil.rmtree(work, ignore_errors=True)
    for c in chains.values():
        c.pop("info")
    results = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": f"{os.cpu_count()} CPUs, Python {platform.python_version()}",
        "workloads": workloads,
        "variants": variants,
        "reps": args.reps,
        "requests": args.requests,
        "warmup": args.warmup,
        "ceiling_pages": args.ceiling,
        "seed": args.seed,
        "seconds": round(time.monotonic() - t0, 1),
        "chains": chains,
        "param_spread": spreads,
        "loadavg": load,
        "summary": summarize(runs),
        "runs": runs,
    }
    results["markdown"] = markdown(results)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{datetime.date.today().isoformat()}-growth-{results['commit']}.json"
    path.write_text(json.dumps(results, indent=1) + "\n")
    print(results["markdown"])
    log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Scaling (issue 8): one cometgraph process vs two workers vs nginx + two replicas, cold and cached.

    python bench/scale.py --chain ~/.cache/cometgraph/bench-chain        # defaults: ~16 min
    python bench/scale.py --chain ~/.cache/cometgraph/bench-chain --seconds 2 --reps 1 --concurrency 16  # smoke

One command reruns everything, on the bench chain's W1 (100-block list below an explicit
``maxHeight``) and W4 (tx by hash), with bench/run.py's queries and parameters:

1. one copy of the chain's home in a temporary folder (the bench chain itself is never opened);
   every server reads it through its own private snapshot folder, ``--refresh 0``;
2. four setups, all on loopback and all up for the whole run (idle, they cost no CPU):

   a. ``cometgraph serve --workers 1`` (``--port``): POST, as bench/run.py measures it;
   b. ``cometgraph serve --workers 2`` on one port (``--port`` + 1): POST;
   c. nginx (deploy/nginx.conf.template, ``--nginx-workers`` worker processes, ``--port`` + 4)
      in front of two ``cometgraph serve`` replicas (``--port`` + 2, + 3): POST, which nginx
      passes through and never caches;
   d. the same nginx with a warm cache: GET with automatic persisted query URLs (the document
      registered on both replicas, then every URL fetched until nginx answers
      ``X-Cache-Status: HIT``); each run's hit ratio is counted in nginx's access log;

3. a check that b, c and d answer the first ``--check`` parameters of each workload with the
   same data as a (d from nginx's cache), and which answers cometgraph marks immutable;
4. every workload × concurrency × setup, ``--reps`` times (medians): bench/loadgen.py, then wrk
   on the same requests (both workloads are one request per page-load; wrk is written in C
   and leaves more of a 2-core machine to the servers). Around every run: CPU seconds of all
   the setup's processes (uvicorn parent and workers, nginx master and workers), their summed
   RSS and PSS, the load generator's own CPU;
5. ``--out-dir``/<date>-scale-<commit>.json, and a markdown table (ratios to setup a) on stdout.

Every process is stopped on exit, also on Ctrl-C, SIGTERM or an exception.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import loadgen as L  # noqa: E402
from bench.run import (  # noqa: E402
    CometgraphServer,
    _f,
    add_load_args,
    cg_pages,
    cg_request,
    environment,
    environment_line,
    log,
    make_params,
    median_of,
    proc_cpu_seconds,
    session_pids,
    wrk_run,
)
from tests.deploy.test_nginx import _nginx, fill  # noqa: E402

DEFAULT_PORT = 27400  # below the ephemeral range, see bench/run.py
SETUPS = {
    "a": "1 process (`serve --workers 1`), POST",
    "b": "`serve --workers 2`, one port, POST",
    "c": "nginx + 2 replicas, POST (not cached)",
    "d": "nginx + 2 replicas, GET APQ, warm cache",
}
#: nginx logs whether each answer came from its cache: the hit ratio of a run
ACCESS_LOG = "    access_log {{run_dir}}/access.log;"
SCALE_LOG = "    log_format scale '$upstream_cache_status $request_method $status';\n    access_log {{run_dir}}/access.log scale;"


# --------------------------------------------------------------------------------------------
# process groups: every server is a session leader; its workers are in its session
# --------------------------------------------------------------------------------------------
def group_memory(pids: list[int]) -> dict[str, int]:
    """Summed VmRSS, VmHWM (peaks, an upper bound of the joint peak) and Pss (shared pages
    counted once) of processes, in bytes."""
    out = {"VmRSS": 0, "VmHWM": 0, "Pss": 0, "processes": 0}
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text().splitlines()
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
        except OSError:
            continue
        out["processes"] += 1
        for line in status + rollup:
            k, _, v = line.partition(":")
            if k in out:
                out[k] += int(v.split()[0]) * 1024
    return out


def group_cpu(pids: list[int]) -> dict[int, float]:
    return {p: proc_cpu_seconds(p) for p in pids}


def cpu_shares(before: dict[int, float], seconds: float) -> dict[str, Any]:
    """CPU of the group per wall second since ``before``: in all, and per process (how evenly
    the work is spread over workers and replicas)."""
    by = {p: (proc_cpu_seconds(p) - c0) / seconds for p, c0 in before.items()}
    return {"server_cpu_share": sum(by.values()), "server_cpu_by_process": sorted((round(v, 3) for v in by.values()), reverse=True)}


def reap(leader: int) -> None:
    """Kill what is left of a session we started (a worker whose parent died first)."""
    for pid in session_pids(leader):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


class Server(CometgraphServer):
    """bench/run.py's server, always with an explicit ``--workers N``; ready when every
    worker has started."""

    def __init__(self, *args, workers: int = 1, **kwargs) -> None:
        super().__init__(*args, workers=workers, **kwargs)
        self.leader: int | None = None

    @property
    def argv(self) -> list[str]:
        argv = super().argv
        return argv if "--workers" in argv else [*argv, "--workers", str(self.workers)]

    def start(self, timeout: float = 120) -> None:
        super().start(timeout)
        self.leader = self.pid
        deadline = time.monotonic() + timeout
        while self.log_path.read_text(errors="replace").count("Application startup complete") < self.workers:
            if time.monotonic() > deadline:
                raise RuntimeError(f"not all {self.workers} workers started; see {self.log_path}")
            time.sleep(0.2)

    def stop(self) -> None:
        super().stop()
        if self.leader is not None:
            reap(self.leader)


class Nginx:
    """deploy/nginx.conf.template in front of ``upstreams``, ``daemon off``, its own session."""

    def __init__(self, run_dir: Path, port: int, upstreams: list[int], workers: int) -> None:
        self.run_dir, self.port = run_dir, port
        self.proc: subprocess.Popen | None = None
        template = (REPO / "deploy" / "nginx.conf.template").read_text()
        assert ACCESS_LOG in template, "deploy/nginx.conf.template: access_log line changed"
        template = template.replace(ACCESS_LOG, SCALE_LOG)
        if "X-Cache-Status" not in template:
            template = template.replace(
                "proxy_cache cometgraph;", "proxy_cache cometgraph;\n            add_header X-Cache-Status $upstream_cache_status always;"
            )
        self.conf = fill(
            template,
            {
                "user": "root" if os.geteuid() == 0 else os.environ.get("USER", "nobody"),
                "workers": str(workers),
                "run_dir": str(run_dir),
                "listen": f"127.0.0.1:{port}",
                "upstreams": "\n        ".join(f"server 127.0.0.1:{p};" for p in upstreams),
            },
        )
        self.access_log = run_dir / "access.log"
        self.argv: list[str] = []

    def start(self, timeout: float = 60) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / "nginx.conf").write_text(self.conf)
        self.argv = [_nginx(), "-c", str(self.run_dir / "nginx.conf"), "-p", str(self.run_dir), "-g", "daemon off;"]
        self._log = open(self.run_dir / "stderr.log", "ab")
        self.proc = subprocess.Popen(self.argv, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited ({self.proc.returncode}); see {self.run_dir}")
            try:
                status, _, _ = request(self.port, "GET", "/healthz")
                if status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("nginx did not answer")
            time.sleep(0.2)

    def pids(self) -> list[int]:
        return session_pids(self.proc.pid) if self.proc else []

    def version(self) -> str:
        return subprocess.run([_nginx(), "-v"], capture_output=True, text=True).stderr.strip()

    def log_offset(self) -> int:
        return self.access_log.stat().st_size if self.access_log.exists() else 0

    def cache_statuses(self, since: int) -> Counter:
        """``$upstream_cache_status`` of the GETs logged after byte ``since``."""
        with open(self.access_log, "rb") as f:
            f.seek(since)
            return Counter(ln.split()[0].decode() for ln in f.read().splitlines() if len(ln.split()) == 3 and ln.split()[1] == b"GET")

    def hits(self, since: int) -> dict[str, Any]:
        cache = dict(self.cache_statuses(since))
        return {"cache": cache, "hit_ratio": cache.get("HIT", 0) / max(1, sum(cache.values()))}

    def stop(self) -> None:
        if self.proc is None:
            return
        leader = self.proc.pid
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: workers finish, the cache manager exits
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        reap(leader)
        self.proc = None
        self._log.close()


# --------------------------------------------------------------------------------------------
# requests
# --------------------------------------------------------------------------------------------
def request(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def post_body(w: str, p: Any, apq: bool = False) -> bytes:
    query, variables = cg_request(w, p)
    doc: dict[str, Any] = {"query": query, "variables": variables}
    if apq:
        doc["extensions"] = {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(query.encode()).hexdigest()}}
    return json.dumps(doc).encode()


def apq_path(w: str, p: Any) -> str:
    """The GET URL of a persisted query: the document's sha256 and the variables, no document."""
    query, variables = cg_request(w, p)
    ext = {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(query.encode()).hexdigest()}}
    return "/graphql?" + urlencode({"variables": json.dumps(variables, separators=(",", ":")), "extensions": json.dumps(ext, separators=(",", ":"))})


def apq_pages(w: str, p: Any, port: int) -> list[L.Call]:
    return [dataclasses.replace(L.get(port, apq_path(w, p)), graphql=True)]


def warm(port: int, paths: list[str], tries: int = 5) -> dict[str, int]:
    """GET every URL through nginx until it says HIT."""
    out = Counter()
    for path in dict.fromkeys(paths):
        for _ in range(tries):
            status, headers, body = request(port, "GET", path)
            if status != 200 or b'"errors"' in body:
                out["errors"] += 1
                break
            if headers.get("x-cache-status") == "HIT":
                out["hit"] += 1
                break
        else:
            out["never_hit"] += 1
        out["urls"] += 1
    return dict(out)


def check_setups(w: str, params: list, ports: dict[str, int]) -> list[dict[str, Any]]:
    """Setups b, c and d answer with setup a's data; a's answer is what the workload asks."""
    out = []
    for p in params:
        status, headers, body = request(ports["a"], "POST", "/graphql", post_body(w, p))
        ref = json.loads(body)
        row: dict[str, Any] = {"param": p, "cache_control": headers.get("cache-control")}
        ok = status == 200 and not ref.get("errors")
        d = ref.get("data") or {}
        if w == "W1":
            hs = [b["height"] for b in d["blocks"]["nodes"]] if ok else []
            ok = ok and hs == list(range(p, p - 100, -1))
        elif w == "W4":
            ok = ok and d.get("tx") is not None and d["tx"]["hash"].upper() == p.upper()
        row["a_ok"] = ok
        for s, method, path, req_body in (
            ("b", "POST", "/graphql", post_body(w, p)),
            ("c", "POST", "/graphql", post_body(w, p)),
            ("d", "GET", apq_path(w, p), None),
        ):
            st, hd, bd = request(ports[s], method, path, req_body)
            row[s] = st == 200 and json.loads(bd) == ref
            if s == "d":
                row["d_x_cache_status"] = hd.get("x-cache-status")
        row["ok"] = all(row[k] for k in ("a_ok", "b", "c", "d"))
        out.append(row)
    return out


# --------------------------------------------------------------------------------------------
# the run
# --------------------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> dict[str, Any]:
    chain_dir = args.chain.expanduser().resolve()
    info = json.loads((chain_dir / "chain.json").read_text())
    cg_exe = Path(args.cometgraph) if args.cometgraph else Path(sys.executable).parent / "cometgraph"
    workloads = args.workloads.split(",")
    concs = [int(c) for c in args.concurrency.split(",")]
    setups = args.setups.split(",")
    use_wrk = not args.no_wrk and shutil.which("wrk") is not None
    work = Path(tempfile.mkdtemp(prefix="cometgraph-scale-", dir=args.workdir))
    port = args.port
    ports = {"a": port, "b": port + 1, "c": port + 4, "d": port + 4}
    results: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "chain": {k: info[k] for k in ("latest_height", "txs", "blocks_with_txs", "max_txs_per_block", "home_bytes", "injectived_version")},
        "settings": {
            "reps": args.reps,
            "warmup_s": args.warmup,
            "seconds": args.seconds,
            "concurrency": concs,
            "workloads": workloads,
            "setups": {s: SETUPS[s] for s in setups},
            "seed": args.seed,
            "nginx_workers": args.nginx_workers,
            "wrk": use_wrk,
        },
        "environment": environment(cg_exe.parent / "python", None),
        "runs": {},
        "wrk": {},
        "checks": {},
        "warm": {},
        "memory": {},
    }
    log(f"workdir {work}; copying the chain's home ({info['home_bytes'] / 1e6:.0f} MB)")
    home = work / "home"
    shutil.copytree(chain_dir / "home", home, symlinks=True)
    params = make_params(info, 400, args.seed)

    def server(name: str, p: int, workers: int = 1) -> Server:
        return Server(cg_exe, home, p, work / f"snapshots-{name}", work / f"{name}.log", workers=workers)

    servers = {"a": server("a", port), "b": server("b", port + 1, workers=2), "r1": server("replica1", port + 2), "r2": server("replica2", port + 3)}
    nginx = Nginx(work / "nginx", port + 4, [port + 2, port + 3], args.nginx_workers)
    results["environment"]["nginx"] = nginx.version()
    groups = {"a": [servers["a"]], "b": [servers["b"]], "c": [servers["r1"], servers["r2"], nginx], "d": [servers["r1"], servers["r2"], nginx]}

    def pids(s: str) -> list[int]:
        return [p for g in groups[s] for p in g.pids()]

    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # finally: stop everything
    try:
        log("starting a (1 worker), b (2 workers), two replicas and nginx")
        for srv in servers.values():
            srv.start()
        nginx.start()
        results["argv"] = {**{k: s.argv for k, s in servers.items()}, "nginx": nginx.argv}
        results["nginx_conf"] = nginx.conf
        pages = {
            w: {
                "a": [cg_pages(w, p, ports["a"]) for p in params[w]],
                "b": [cg_pages(w, p, ports["b"]) for p in params[w]],
                "c": [cg_pages(w, p, ports["c"]) for p in params[w]],
                "d": [apq_pages(w, p, ports["d"]) for p in params[w]],
            }
            for w in workloads
        }
        for w in workloads:
            # APQ: register the document on both replicas (each keeps its own), then fill the cache
            for r in ("r1", "r2"):
                st, _, bd = request(servers[r].port, "POST", "/graphql", post_body(w, params[w][0], apq=True))
                assert st == 200 and b'"errors"' not in bd, bd[:300]
            t0 = time.monotonic()
            results["warm"][w] = warm(ports["d"], [apq_path(w, p) for p in params[w]])
            results["warm"][w]["seconds"] = round(time.monotonic() - t0, 1)
            log(f"  warmed nginx's cache for {w}: {results['warm'][w]}")
            checks = check_setups(w, params[w][: args.check], ports)
            results["checks"][w] = checks
            log(
                f"  {w}: b, c, d {'answer as a does' if all(c['ok'] for c in checks) else 'DIFFER from a'}; "
                f"Cache-Control {checks[0]['cache_control']!r}, d's X-Cache-Status "
                f"{sorted({c['d_x_cache_status'] for c in checks})}"
            )
        results["memory"]["start"] = {s: group_memory(pids(s)) for s in setups}
        for rep in range(args.reps):
            for w in workloads:
                for c in concs:
                    cell = f"{w}@{c}"
                    for s in setups:
                        group = pids(s)
                        offset = nginx.log_offset()
                        cpu0, t0 = group_cpu(group), time.monotonic()
                        r = L.run(pages[w][s], c, args.warmup, args.seconds, min_page_loads=2 * c + 3, max_seconds=6 * args.seconds)
                        r.update(cpu_shares(cpu0, time.monotonic() - t0))
                        r["memory"] = group_memory(group)
                        r["loadavg"] = os.getloadavg()[0]
                        if s == "d":
                            r.update(nginx.hits(offset))
                        results["runs"].setdefault(cell, {}).setdefault(s, []).append(r)
                        line = (
                            f"  rep {rep + 1} {cell:6} {s} loadgen {r['page_loads_per_s']:8.1f}/s p50 "
                            f"{r['p50_ms'] or 0:6.1f} p99 {r['p99_ms'] or 0:6.1f} ms server cpu "
                            f"{r['server_cpu_share']:.2f} {r['server_cpu_by_process'][:4]} client cpu {r['client_cpu_share']:.2f} "
                            f"rss {r['memory']['VmRSS'] / 1e6:.0f} MB errors {r['errors']}"
                            + (f" hits {r['hit_ratio']:.3f}" if s == "d" else "")
                            + (f" ERROR {r['first_error']}" if r["errors"] else "")
                        )
                        if use_wrk:
                            offset = nginx.log_offset()
                            cpu0, t0 = group_cpu(group), time.monotonic()
                            k = wrk_run(ports[s], [pg[0] for pg in pages[w][s]], c, args.seconds, work)
                            k.update(cpu_shares(cpu0, time.monotonic() - t0))
                            if s == "d":
                                k.update(nginx.hits(offset))
                            results["wrk"].setdefault(cell, {}).setdefault(s, []).append(k)
                            line += (
                                f" | wrk {k.get('requests_per_s', 0):8.1f}/s p50 {k.get('p50_ms') or 0:6.1f} "
                                f"p99 {k.get('p99_ms') or 0:6.1f} ms server cpu {k['server_cpu_share']:.2f} "
                                f"wrk cpu {k['cpu_share']:.2f}" + (f" non-2xx {k['non_2xx']}" if k.get("non_2xx") else "")
                            )
                        log(line)
        results["memory"]["end"] = {s: group_memory(pids(s)) for s in setups}
    finally:
        nginx.stop()
        for srv in servers.values():
            srv.stop()
        signal.signal(signal.SIGTERM, previous)
        if not args.keep_workdir:
            shutil.rmtree(work, ignore_errors=True)
        else:
            log(f"kept {work}")
    results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    results["summary"] = summarize(results)
    results["table"] = markdown(results)
    out_dir = args.out_dir.expanduser().resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{time.strftime('%Y-%m-%d')}-scale-{results['environment']['cometgraph_commit']}.json"
    path.write_text(json.dumps(results, indent=1) + "\n")
    log(f"wrote {path}")
    return results


def summarize(results: dict[str, Any]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for tool, key, runs_by_cell in (("loadgen", "page_loads_per_s", results["runs"]), ("wrk", "requests_per_s", results["wrk"])):
        for cell, by_setup in runs_by_cell.items():
            row = summary.setdefault(cell, {}).setdefault(tool, {})
            for s, runs in by_setup.items():
                row[s] = {k: median_of(runs, k) for k in (key, "p50_ms", "p99_ms", "server_cpu_share", "client_cpu_share", "cpu_share", "hit_ratio")}
                row[s]["rate"] = row[s].pop(key)
                row[s]["errors"] = sum(r.get("errors", 0) + r.get("non_2xx", 0) for r in runs)
                row[s]["max_rss"] = max((r["memory"]["VmRSS"] for r in runs if "memory" in r), default=None)
                row[s]["max_pss"] = max((r["memory"]["Pss"] for r in runs if "memory" in r), default=None)
            base = (row.get("a") or {}).get("rate")
            for s in row:
                row[s]["ratio_to_a"] = row[s]["rate"] / base if base and row[s]["rate"] else None
    return summary


def markdown(results: dict[str, Any]) -> str:
    s, env, st = results["summary"], results["environment"], results["settings"]
    lines = [
        f"Run {results['started']} → {results['finished']}; chain: height "
        f"{results['chain']['latest_height']:,}, {results['chain']['txs']:,} txs; {st['reps']} reps × "
        f"{st['seconds']:g} s (loadgen +{st['warmup_s']:g} s warm-up) per cell, medians; nginx "
        f"{st['nginx_workers']} worker processes.\n",
        "| cell | setup | loadgen page-loads/s | ÷ a | p50 / p99 ms | server CPU (cores) | client CPU | "
        "wrk req/s | ÷ a | wrk p50 / p99 ms | wrk server CPU | wrk CPU | server RSS / PSS MB | cache hits |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for cell, row in s.items():
        lg, wk = row.get("loadgen", {}), row.get("wrk", {})
        for setup in st["setups"]:
            g, k = lg.get(setup, {}), wk.get(setup, {})
            hits = [x for x in (g.get("hit_ratio"), k.get("hit_ratio")) if x is not None]
            errs = g.get("errors", 0) + k.get("errors", 0)
            lines.append(
                f"| {cell} | {setup}: {st['setups'][setup]} | {_f(g.get('rate'))} | **{_f(g.get('ratio_to_a'), 2)}x** | "
                f"{_f(g.get('p50_ms'))} / {_f(g.get('p99_ms'))} | {_f(g.get('server_cpu_share'), 2)} | "
                f"{_f(g.get('client_cpu_share'), 2)} | {_f(k.get('rate'))} | **{_f(k.get('ratio_to_a'), 2)}x** | "
                f"{_f(k.get('p50_ms'))} / {_f(k.get('p99_ms'))} | {_f(k.get('server_cpu_share'), 2)} | "
                f"{_f(k.get('cpu_share'), 2)} | {_f((g.get('max_rss') or 0) / 1e6, 0)} / "
                f"{_f((g.get('max_pss') or 0) / 1e6, 0)} | "
                f"{' / '.join(f'{100 * x:.1f}%' for x in hits) if hits else ''}"
                f"{f' **{errs} errors**' if errs else ''} |"
            )
    lines.append("")
    lines.append(
        "Columns: page-loads/s of bench/loadgen.py (one Python process) and requests/s of wrk "
        "(-t1) on the same requests; ÷ a = ratio to setup a in the same cell; server CPU = CPU "
        "seconds of all the setup's processes per second; client CPU = the load generator's own, "
        "of one core; RSS summed over the setup's processes (PSS counts shared pages once), "
        "the largest after any run; cache hits = nginx HIT share of the GETs (loadgen / wrk).\n"
    )
    checks = results.get("checks", {})
    lines.append(
        "Same answers as a: "
        + ", ".join(
            f"{w} {'yes' if all(c['ok'] for c in cs) else '**NO**'} ({len(cs)} parameters; Cache-Control "
            f"{', '.join(sorted({str(c['cache_control']) for c in cs}))})"
            for w, cs in checks.items()
        )
        + ".\n"
    )
    lines.append(environment_line(env, str(env.get("nginx"))))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chain", type=Path, required=True, help="folder made by bench/build_chain.py --out")
    ap.add_argument("--out-dir", type=Path, default=REPO / "bench" / "results", help="<date>-scale-<commit>.json goes here (default bench/results)")
    ap.add_argument("--cometgraph", help="the cometgraph executable (default: beside this Python)")
    add_load_args(ap, "W1,W4", "16,64")
    ap.add_argument("--setups", default="a,b,c,d")
    ap.add_argument("--check", type=int, default=5, help="parameters per workload checked across setups")
    ap.add_argument("--nginx-workers", type=int, default=2)
    ap.add_argument("--no-wrk", action="store_true")
    ap.add_argument("--port", type=int, default=DEFAULT_PORT, help="a; b, the replicas and nginx take the next four")
    ap.add_argument("--workdir", default=None, help="where the home copy and snapshots go (default: temp)")
    ap.add_argument("--keep-workdir", action="store_true")
    ap.add_argument("--seed", type=int, default=6)
    args = ap.parse_args(argv)
    if "a" not in args.setups.split(","):
        ap.error("--setups must include a (the ratios are to it)")
    results = run(args)
    print(results["table"])
    return 0


if __name__ == "__main__":
    sys.exit(main())

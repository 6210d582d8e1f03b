"""cometgraph vs the node's own RPC/REST, side by side, on a chain built by bench/build_chain.py.

    python bench/build_chain.py --out ~/.cache/cometgraph/bench-chain     # once (cached)
    python bench/run.py --chain ~/.cache/cometgraph/bench-chain --out bench-results

One command reruns everything:

1. two copies of the chain's home: one for the node, started as a non-validating observer
   (``tests/devnet``'s ``make_observer_home``: same data, a fresh validator key outside the
   copy, so it adds no block while it answers), one for cometgraph, started the way the README
   tells users: ``cometgraph serve --home <copy> --refresh 0 --port …`` as its own process;
2. a check that both sides answer each workload with the same data (heights, hashes, codes,
   balances, voting powers …);
3. the ceiling: the same data read and decoded by a plain Python loop over the storage layer
   (``bench/ceiling.py``, no GraphQL, no HTTP);
4. every workload at every concurrency, node then cometgraph, ``--reps`` times (medians are
   reported), with ``bench/loadgen.py`` (a page-load = the node calls it takes, one after
   another, vs one GraphQL request); RSS of both processes around every run;
5. a cross-check of the load generator against wrk on one-request workloads (and wrk's CPU);
6. ``results.json`` and ``results.md`` (the tables of docs/benchmarks.md) in ``--out``.

Both processes are always stopped on exit. Loopback only: node RPC ``port-base+1``, REST
``port-base+5``, cometgraph ``--cg-port``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import loadgen as L  # noqa: E402
from tests.devnet import make_sample_chain as sample  # noqa: E402
from tests.devnet.node import DevnetNode, ensure_injectived  # noqa: E402

# below Linux's ephemeral range (32768-60999): a load run leaves thousands of client ports in
# TIME-WAIT there, and the node's listeners refuse to bind over them
DEFAULT_PORT_BASE = 27300
DEFAULT_CG_PORT = 27390

Q_W1 = "query W1($top: Int!) { blocks(first: 100, maxHeight: $top) { nodes { height hash time proposerAddress numTxs } } }"
Q_W2 = (
    "query W2($top: Int!) { blocks(first: 20, maxHeight: $top) { nodes { height hash txs { hash code "
    "gasWanted gasUsed messages { typeUrl json } events { type attributes { key value } } } } } }"
)
Q_W3 = (
    "query W3($a: String!) { account(address: $a) { balances { denom amount } "
    "delegations { validatorAddress shares balance { amount } } "
    "unbondingDelegations { validatorAddress entries { creationHeight completionTime balance } } "
    "txs(first: 20) { nodes { hash height code } } } }"
)
Q_W4 = "query W4($h: String!) { tx(hash: $h) { hash height code gasWanted gasUsed memo messages { typeUrl json } events { type attributes { key value } } } }"
Q_W5 = "query W5($h: Int!) { validators(height: $h) { address votingPower proposerPriority staking { moniker operatorAddress tokens } } }"

WORKLOADS = {
    # name: (what, node path, GraphQL target vs the node: ratio of page-loads/s at c16; issue 14's)
    "W1": ("block list: 100 blocks (height, hash, time, proposer, tx count)", "RPC /blockchain x5 (20 metas per call)", 2.0),
    "W1b": ("block list, same page", "RPC /block x100 (one per height)", 1.0),
    "W2": ("full blocks: 20 blocks, every tx's hash, code, gas, messages, events", "RPC /block + /block_results x20", 2.0),
    "W3": (
        "account page: balances, delegations, unbondings, last 20 txs",
        "REST balances + delegations + unbonding_delegations, RPC /tx_search sender + recipient",
        1.0,
    ),
    "W4": ("tx by hash with messages and events", "REST /cosmos/tx/v1beta1/txs/{hash}", 1.0),
    "W5": ("validators with monikers and voting power at a height", "RPC /validators + REST staking validators at that height", 2.0),
}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --------------------------------------------------------------------------------------------
# processes
# --------------------------------------------------------------------------------------------
def proc_status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM (peak) of a process, in bytes."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                out[k] = int(v.split()[0]) * 1024
    except OSError:
        pass
    return out


def proc_cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def session_pids(leader: int) -> list[int]:
    """Every process of the session ``leader`` started (a server and its workers)."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == leader:  # state, ppid, pgrp, session
            out.append(int(d.name))
    return out


def group_status(pids: list[int]) -> dict[str, int]:
    """VmRSS / VmHWM summed over processes (the peaks' sum bounds their joint peak)."""
    out = {"VmRSS": 0, "VmHWM": 0}
    for pid in pids:
        for k, v in proc_status(pid).items():
            out[k] += v
    return out


def group_cpu_seconds(pids: list[int]) -> float:
    return sum(proc_cpu_seconds(p) for p in pids)


class CometgraphServer:
    """``cometgraph serve --home COPY --refresh 0 --port P [--workers N]`` as its own process
    (a session leader: its workers are the rest of its session)."""

    def __init__(
        self,
        exe: Path,
        home: Path,
        port: int,
        snapshot_dir: Path,
        log_path: Path,
        workers: int = 1,
        flags: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        self.exe, self.home, self.port = exe, home, port
        self.snapshot_dir, self.log_path = snapshot_dir, log_path
        self.workers, self.flags, self.extra_env = workers, flags, env or {}
        self.proc: subprocess.Popen | None = None

    @property
    def argv(self) -> list[str]:
        extra = ["--workers", str(self.workers)] if self.workers > 1 else []
        return [
            str(self.exe),
            "serve",
            "--home",
            str(self.home),
            "--refresh",
            "0",
            "--port",
            str(self.port),
            "--snapshot-dir",
            str(self.snapshot_dir),
            *extra,
            *self.flags,
        ]

    def pids(self) -> list[int]:
        return session_pids(self.pid)

    def start(self, timeout: float = 120) -> None:
        self._log = open(self.log_path, "ab")
        env = dict(os.environ)
        for k in [k for k in env if k.startswith("COMETGRAPH_")]:
            env.pop(k)
        env.update(self.extra_env)
        self.proc = subprocess.Popen(self.argv, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        deadline = time.monotonic() + timeout
        body = json.dumps({"query": "{ status { latestHeight } }"}).encode()
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"cometgraph exited ({self.proc.returncode}); see {self.log_path}")
            try:
                req = urllib.request.Request(f"http://127.0.0.1:{self.port}/graphql", data=body, headers={"content-type": "application/json"})
                with urllib.request.urlopen(req, timeout=5) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"cometgraph did not answer within {timeout}s")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None
        self._log.close()


# --------------------------------------------------------------------------------------------
# workloads: the same parameters for both sides
# --------------------------------------------------------------------------------------------
def make_params(info: dict[str, Any], n: int, seed: int) -> dict[str, list]:
    rng = random.Random(seed)
    latest = info["latest_height"]
    start = info["workload"]["start_height"]  # txs from here on
    vals_at = max(v.get("height", 1) for v in info["validators"]) + 2
    users = [a for name, a in info["accounts"].items() if name != "validator"]
    addrs = [rng.choice(info["hot_accounts"]) if rng.random() < 0.2 else rng.choice(users) for _ in range(n)]
    return {
        "W1": [rng.randint(100, latest) for _ in range(n)],
        "W2": [rng.randint(start + 20, latest) for _ in range(n)],
        "W3": addrs,
        "W4": [rng.choice(info["sample_tx_hashes"]) for _ in range(n)],
        "W5": [rng.randint(vals_at, latest) for _ in range(n)],
    }


def gql(port: int, query: str, variables: dict) -> L.Call:
    return L.post_json(port, "/graphql", json.dumps({"query": query, "variables": variables}).encode(), graphql=True)


def node_pages(w: str, p: Any, rpc: int, api: int) -> list[L.Call]:
    if w == "W1":
        return [L.get(rpc, "/blockchain", {"minHeight": p - 99 + 20 * i, "maxHeight": p - 80 + 20 * i}) for i in range(5)]
    if w == "W1b":
        return [L.get(rpc, "/block", {"height": h}) for h in range(p, p - 100, -1)]
    if w == "W2":
        out = []
        for h in range(p, p - 20, -1):
            out += [L.get(rpc, "/block", {"height": h}), L.get(rpc, "/block_results", {"height": h})]
        return out
    if w == "W3":
        return [
            L.get(api, f"/cosmos/bank/v1beta1/balances/{p}"),
            L.get(api, f"/cosmos/staking/v1beta1/delegations/{p}"),
            L.get(api, f"/cosmos/staking/v1beta1/delegators/{p}/unbonding_delegations"),
            L.get(rpc, "/tx_search", {"query": json.dumps(f"message.sender='{p}'"), "per_page": 20, "order_by": '"desc"'}),
            L.get(rpc, "/tx_search", {"query": json.dumps(f"transfer.recipient='{p}'"), "per_page": 20, "order_by": '"desc"'}),
        ]
    if w == "W4":
        return [L.get(api, f"/cosmos/tx/v1beta1/txs/{p}")]
    if w == "W5":
        return [
            L.get(rpc, "/validators", {"height": p, "per_page": 100}),
            L.get(api, "/cosmos/staking/v1beta1/validators", {"pagination.limit": 100}, headers={"x-cosmos-block-height": str(p)}),
        ]
    raise KeyError(w)


#: workload: (GraphQL document, name of its one variable)
CG_QUERIES = {"W1": (Q_W1, "top"), "W1b": (Q_W1, "top"), "W2": (Q_W2, "top"), "W3": (Q_W3, "a"), "W4": (Q_W4, "h"), "W5": (Q_W5, "h")}


def cg_request(w: str, p: Any) -> tuple[str, dict]:
    """The query and variables of workload ``w`` for parameter ``p``."""
    query, var = CG_QUERIES[w]
    return query, {var: p}


def cg_pages(w: str, p: Any, port: int) -> list[L.Call]:
    return [gql(port, *cg_request(w, p))]


def param_key(w: str) -> str:
    return "W1" if w == "W1b" else w


# --------------------------------------------------------------------------------------------
# both sides answer the same thing
# --------------------------------------------------------------------------------------------
def check_same(w: str, p: Any, rpc: int, api: int, cg: int) -> dict[str, Any]:
    node = [json.loads(b) for s, b in L.fetch(node_pages(w, p, rpc, api))]
    ((status, body),) = L.fetch(cg_pages(w, p, cg))
    ans = json.loads(body)
    if ans.get("errors"):
        return {"ok": False, "why": f"GraphQL errors: {ans['errors'][:1]}"}
    d = ans["data"]
    facts: dict[str, Any] = {}
    if w in ("W1", "W1b"):
        if w == "W1":
            metas = [m for page in node for m in page["result"]["block_metas"]]
            n_rows = [
                (int(m["header"]["height"]), m["block_id"]["hash"], m["header"]["time"], m["header"]["proposer_address"], int(m["num_txs"])) for m in metas
            ]
        else:
            blocks = [page["result"] for page in node]
            n_rows = [
                (
                    int(b["block"]["header"]["height"]),
                    b["block_id"]["hash"],
                    b["block"]["header"]["time"],
                    b["block"]["header"]["proposer_address"],
                    len(b["block"]["data"]["txs"] or []),
                )
                for b in blocks
            ]
        g_rows = [(b["height"], b["hash"], b["time"], b["proposerAddress"], b["numTxs"]) for b in d["blocks"]["nodes"]]
        ok = sorted(n_rows) == sorted(g_rows) and len(g_rows) == 100
        facts = {"blocks": len(g_rows), "txs": sum(r[4] for r in g_rows)}
    elif w == "W2":
        import base64
        import hashlib

        n_txs = []
        for i in range(0, len(node), 2):
            blk, res = node[i]["result"], node[i + 1]["result"]
            for raw, r in zip(blk["block"]["data"]["txs"] or [], res["txs_results"] or []):
                n_txs.append((hashlib.sha256(base64.b64decode(raw)).hexdigest().upper(), int(r.get("code", 0)), r["gas_used"], len(r.get("events", []))))
        g_txs = [(t["hash"], t["code"], t["gasUsed"], len(t["events"])) for b in d["blocks"]["nodes"] for t in b["txs"]]
        ok = n_txs == g_txs
        facts = {"txs": len(g_txs), "messages": sum(len(t["messages"]) for b in d["blocks"]["nodes"] for t in b["txs"])}
    elif w == "W3":
        bal, dels, ubd, snd, rcv = node
        acc = d["account"]
        ok = (
            {(c["denom"], c["amount"]) for c in bal["balances"]} == {(c["denom"], c["amount"]) for c in acc["balances"]}
            and len(dels["delegation_responses"]) == len(acc["delegations"])
            and len(ubd["unbonding_responses"]) == len(acc["unbondingDelegations"])
        )
        node_hashes = {t["hash"] for r in (snd, rcv) for t in r["result"]["txs"]}
        node_newest = sorted({(int(t["height"]), t["hash"]) for r in (snd, rcv) for t in r["result"]["txs"]}, reverse=True)[:20]
        g = {t["hash"] for t in acc["txs"]["nodes"]}
        facts = {
            "delegations": len(acc["delegations"]),
            "unbondings": len(acc["unbondingDelegations"]),
            "txs": len(g),
            "node_txs": len(node_hashes),
            # cometgraph's history is every tx naming the address (any event), the node's two
            # searches are sender and recipient only: their newest must be among ours or older
            "node_newest_in_cometgraph": sum(1 for _, h in node_newest if h in g),
        }
    elif w == "W4":
        rest = node[0]
        t = d["tx"]
        ok = (
            t is not None
            and int(rest["tx_response"]["height"]) == t["height"]
            and int(rest["tx_response"]["code"]) == t["code"]
            and len(rest["tx"]["body"]["messages"]) == len(t["messages"])
            and len(rest["tx_response"]["events"]) == len(t["events"])
            and rest["tx"]["body"]["messages"] == [m["json"] for m in t["messages"]]
        )
        facts = {"messages": len(t["messages"]) if t else None}
    elif w == "W5":
        vals, staking = node
        n_rows = sorted((v["address"], v["voting_power"]) for v in vals["result"]["validators"])
        g_rows = sorted((v["address"], v["votingPower"]) for v in d["validators"])
        monikers = {v["operator_address"]: v["description"]["moniker"] for v in staking["validators"]}
        ok = n_rows == g_rows and all(v["staking"] and monikers.get(v["staking"]["operatorAddress"]) == v["staking"]["moniker"] for v in d["validators"])
        facts = {"validators": len(g_rows)}
    else:
        raise KeyError(w)
    return {"ok": bool(ok), "param": p, **facts}


# --------------------------------------------------------------------------------------------
# wrk cross-check
# --------------------------------------------------------------------------------------------
def wrk_run(port: int, calls: list[L.Call], conc: int, seconds: float, workdir: Path) -> dict[str, Any] | None:
    if shutil.which("wrk") is None:
        return None
    lines = []
    for c in calls:
        head, _, body = c.data.partition(b"\r\n\r\n")
        method, path, _ = head.split(b"\r\n", 1)[0].decode().split(" ", 2)
        extra = [h.decode() for h in head.split(b"\r\n")[1:] if h.lower().startswith(b"x-cosmos")]
        lines.append("\t".join([method, path, body.decode(), "|".join(extra)]))
    req_file = workdir / f"wrk-{port}-{len(lines)}.tsv"
    req_file.write_text("\n".join(lines) + "\n")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{conc}",
            f"-d{seconds:g}s",
            "--latency",
            "-s",
            str(REPO / "bench" / "wrk_requests.lua"),
            f"http://127.0.0.1:{port}",
            "--",
            str(req_file),
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = {"cpu_share": (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / seconds}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if line.startswith("Requests/sec:"):
            out["requests_per_s"] = float(parts[1])
        elif len(parts) == 2 and parts[0] in ("50%", "99%"):
            out[f"p{parts[0][:-1]}_ms"] = _ms(parts[1])
        elif "Non-2xx" in line:
            out["non_2xx"] = int(parts[-1])
    return out


def _ms(text: str) -> float:
    for unit, f in (("us", 1e-3), ("ms", 1.0), ("s", 1e3)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * f
    return float(text)


# --------------------------------------------------------------------------------------------
# environment
# --------------------------------------------------------------------------------------------
def environment(cg_python: Path, injd_version: str) -> dict[str, Any]:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            mem = int(line.split()[1]) * 1024
    probe = (
        "import json, sys, importlib.metadata as m, cometgraph, os\n"
        "v = {p: m.version(p) for p in ('strawberry-graphql', 'starlette', 'uvicorn', 'plyvel', 'protobuf', 'graphql-core')}\n"
        "print(json.dumps({'python': sys.version.split()[0], 'packages': v, 'source': os.path.dirname(os.path.dirname(cometgraph.__file__))}))"
    )
    info = json.loads(subprocess.run([str(cg_python), "-I", "-c", probe], capture_output=True, text=True, check=True, cwd="/").stdout)
    src = Path(info["source"])
    commit = subprocess.run(["git", "-C", str(src), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(src), "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True).stdout.strip()
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("\n")[0] if shutil.which("wrk") else None
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "memory_bytes": mem,
        "kernel": platform.release(),
        "cometgraph_python": info["python"],
        "packages": info["packages"],
        "cometgraph_commit": commit + ("-dirty" if dirty else ""),
        "injectived": injd_version,
        "wrk": wrk,
        "runner_python": sys.version.split()[0],
    }


# --------------------------------------------------------------------------------------------
# the run
# --------------------------------------------------------------------------------------------
def median_of(runs: list[dict], key: str) -> float | None:
    vals = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def summarize(results: dict[str, Any]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for cell, sides in results["runs"].items():
        w, c = cell.split("@")
        row = {}
        for side in ("node", "cometgraph"):
            runs = sides.get(side, [])
            row[side] = {
                k: median_of(runs, k)
                for k in ("page_loads_per_s", "p50_ms", "p99_ms", "bytes_per_page_load", "client_cpu_share", "calls_per_s", "server_cpu_share")
            }
            # page-loads per second of the server's own CPU: less sensitive to a busy machine
            eff = [r["page_loads_per_s"] / r["server_cpu_share"] for r in runs if r.get("server_cpu_share")]
            row[side]["page_loads_per_cpu_s"] = statistics.median(eff) if eff else None
            row[side]["errors"] = sum(r["errors"] for r in runs)
            row[side]["reps"] = len(runs)
        n, g = row["node"]["page_loads_per_s"], row["cometgraph"]["page_loads_per_s"]
        row["ratio"] = g / n if n and g else None
        ne, ge = row["node"]["page_loads_per_cpu_s"], row["cometgraph"]["page_loads_per_cpu_s"]
        row["cpu_ratio"] = ge / ne if ne and ge else None
        summary[cell] = row
    return summary


def run(args: argparse.Namespace) -> dict[str, Any]:
    chain_dir = args.chain.expanduser().resolve()
    info = json.loads((chain_dir / "chain.json").read_text())
    src_home = chain_dir / "home"
    out = args.out.expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="cometgraph-bench-", dir=args.workdir))
    cg_exe = Path(args.cometgraph) if args.cometgraph else Path(sys.executable).parent / "cometgraph"
    cg_python = cg_exe.parent / "python"
    injd = ensure_injectived()
    workloads = args.workloads.split(",")
    concs = [int(c) for c in args.concurrency.split(",")]
    results: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "chain": {k: info[k] for k in ("latest_height", "txs", "blocks_with_txs", "max_txs_per_block", "home_bytes", "timings", "injectived_version")},
        "settings": {
            "reps": args.reps,
            "warmup_s": args.warmup,
            "seconds": args.seconds,
            "concurrency": concs,
            "workloads": workloads,
            "seed": args.seed,
            "cometgraph_workers": args.workers,
        },
        "environment": environment(cg_python, injd.version),
        "workloads": {w: {"what": WORKLOADS[w][0], "node_path": WORKLOADS[w][1], "target": WORKLOADS[w][2]} for w in workloads},
        "runs": {},
        "rss": [],
        "checks": {},
        "wrk": {},
        "loadavg": [],
    }
    log(f"workdir {work}; copying the chain's home twice ({info['home_bytes'] / 1e6:.0f} MB of data)")
    node_home, cg_home = work / "node-home", work / "cg-home"
    sample.make_observer_home(src_home, node_home, work)
    shutil.copytree(src_home, cg_home, symlinks=True)
    params = make_params(info, 400, args.seed)
    (work / "params.json").write_text(json.dumps(params))
    rpc, api = args.port_base + 1, args.port_base + 5
    node = DevnetNode(injd, home=node_home, port_base=args.port_base, log_path=work / "node.log")
    cg = CometgraphServer(cg_exe, cg_home, args.cg_port, work / "cg-snapshots", work / "cometgraph.log", workers=args.workers)
    latest = info["latest_height"]
    try:
        log("starting the node (observer) and cometgraph")
        node.start()
        node.wait_height(latest, timeout=180)
        node.wait_rest(timeout=120)
        cg.start()
        results["argv"] = {"cometgraph": cg.argv, "node": [str(injd.binary), *node.start_args()]}
        pages = {
            w: {"node": [node_pages(w, p, rpc, api) for p in params[param_key(w)]], "cometgraph": [cg_pages(w, p, args.cg_port) for p in params[param_key(w)]]}
            for w in workloads
        }
        log("checking that both sides answer the same")
        for w in workloads:
            checks = [check_same(w, p, rpc, api, args.cg_port) for p in params[param_key(w)][:3]]
            results["checks"][w] = checks
            log(f"  {w}: {'same' if all(c['ok'] for c in checks) else 'DIFFERENT'} {checks[0]}")
        if not args.no_ceiling:
            log("ceiling: plain loops over the storage layer")
            proc = subprocess.run(
                [
                    str(cg_python),
                    str(REPO / "bench" / "ceiling.py"),
                    "--home",
                    str(cg_home),
                    "--snapshot-dir",
                    str(work / "ceiling-snapshots"),
                    "--params",
                    str(work / "params.json"),
                    "--seconds",
                    str(args.ceiling_seconds),
                ],
                capture_output=True,
                text=True,
                timeout=600,
                cwd=work,
            )
            if proc.returncode != 0:
                log(f"  ceiling failed: {proc.stderr[-2000:]}")
            else:
                results["ceiling"] = json.loads(proc.stdout.strip().splitlines()[-1])
                log(f"  {results['ceiling']}")
        node_h0 = node.height()
        base = {"node": proc_status(node.process.pid), "cometgraph": group_status(cg.pids())}
        results["rss_start"] = base
        for rep in range(args.reps):
            for w in workloads:
                for c in concs:
                    cell = f"{w}@{c}"
                    for side in ("node", "cometgraph"):
                        pids = [node.process.pid] if side == "node" else cg.pids()
                        before = {"node": proc_status(node.process.pid), "cometgraph": group_status(cg.pids())}
                        cpu0 = group_cpu_seconds(pids)
                        r = L.run(pages[w][side], c, args.warmup, args.seconds, min_page_loads=2 * c + 3, max_seconds=6 * args.seconds)
                        r["server_cpu_share"] = (group_cpu_seconds(pids) - cpu0) / (args.warmup + args.seconds)
                        after = {"node": proc_status(node.process.pid), "cometgraph": group_status(cg.pids())}
                        r["loadavg"] = os.getloadavg()[0]
                        results["runs"].setdefault(cell, {}).setdefault(side, []).append(r)
                        results["rss"].append({"cell": cell, "side": side, "rep": rep, "before": before, "after": after})
                        log(
                            f"  rep {rep + 1} {cell:7} {side:10} {r['page_loads_per_s']:8.1f} page-loads/s "
                            f"p50 {r['p50_ms'] or 0:7.1f} ms p99 {r['p99_ms'] or 0:7.1f} ms "
                            f"{r['bytes_per_page_load'] / 1e3:8.1f} kB  errors {r['errors']}  "
                            f"server cpu {r['server_cpu_share']:.2f} client cpu {r['client_cpu_share']:.2f}"
                            + (f"  ERROR {r['first_error']}" if r["errors"] else "")
                        )
        if not args.no_wrk and shutil.which("wrk"):
            log("cross-check: the same one-request workloads with wrk")
            for w in [x for x in ("W4", "W1") if x in workloads]:
                for side, port, calls in (
                    ("node", api if w == "W4" else rpc, [pg[0] for pg in pages[w]["node"]] if w == "W4" else None),
                    ("cometgraph", args.cg_port, [pg[0] for pg in pages[w]["cometgraph"]]),
                ):
                    if calls is None:
                        continue
                    r = wrk_run(port, calls, 16, args.seconds, work)
                    results["wrk"][f"{w}@16/{side}"] = r
                    log(f"  wrk {w}@16 {side}: {r}")
        results["node_height_end"] = node.height()
        results["node_height_start"] = node_h0
        results["rss_end"] = {"node": proc_status(node.process.pid), "cometgraph": group_status(cg.pids())}
    finally:
        cg.stop()
        node.stop()
    results["summary"] = summarize(results)
    results["memory"] = memory_summary(results)
    results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    (out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    (out / "results.md").write_text(markdown(results))
    if not args.keep_workdir:
        shutil.rmtree(work, ignore_errors=True)
    else:
        log(f"kept {work}")
    return results


def memory_summary(results: dict[str, Any]) -> dict[str, Any]:
    def grow(side_running: str, proc: str) -> int:
        return sum(e["after"][proc].get("VmRSS", 0) - e["before"][proc].get("VmRSS", 0) for e in results["rss"] if e["side"] == side_running)

    def max_rise(side_running: str, proc: str) -> int:
        return max((e["after"][proc].get("VmRSS", 0) - e["before"][proc].get("VmRSS", 0) for e in results["rss"] if e["side"] == side_running), default=0)

    end = results.get("rss_end", {})
    start = results.get("rss_start", {})
    return {
        "node_rss_start": start.get("node", {}).get("VmRSS"),
        "node_rss_growth_while_serving_baseline": grow("node", "node"),
        "node_rss_change_while_cometgraph_measured": grow("cometgraph", "node"),
        "node_rss_largest_rise_during_one_cometgraph_run": max_rise("cometgraph", "node"),
        "node_peak_rss": end.get("node", {}).get("VmHWM"),
        "cometgraph_rss_start": start.get("cometgraph", {}).get("VmRSS"),
        "cometgraph_peak_rss": end.get("cometgraph", {}).get("VmHWM"),
        "cometgraph_rss_end": end.get("cometgraph", {}).get("VmRSS"),
    }


# --------------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------------
def _f(x: float | None, nd: int = 1) -> str:
    return "–" if x is None else f"{x:,.{nd}f}"


def markdown(results: dict[str, Any]) -> str:
    s = results["summary"]
    env = results["environment"]
    concs = results["settings"]["concurrency"]
    lines = []
    lines.append(
        f"Run {results['started']} → {results['finished']}; chain: height "
        f"{results['chain']['latest_height']:,}, {results['chain']['txs']:,} txs; "
        f"{results['settings']['reps']} reps × {results['settings']['seconds']:g} s "
        f"(+{results['settings']['warmup_s']:g} s warm-up) per cell, medians.\n"
    )
    for c in concs:
        lines.append(f"#### Concurrency {c}\n")
        lines.append(
            "| workload | node path (calls per page-load) | node page-loads/s | node p50 / p99 ms | "
            "node kB/page | cometgraph page-loads/s | cometgraph p50 / p99 ms | cometgraph kB/page | "
            "cometgraph ÷ node | server CPU (cores) node / cometgraph | per CPU-second: cometgraph ÷ node |"
        )
        lines.append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
        for w in results["settings"]["workloads"]:
            row = s.get(f"{w}@{c}")
            if not row:
                continue
            n, g = row["node"], row["cometgraph"]
            calls = round(n["calls_per_s"] / n["page_loads_per_s"]) if n["page_loads_per_s"] else "?"
            lines.append(
                f"| {w} | {results['workloads'][w]['node_path']} ({calls}) | {_f(n['page_loads_per_s'])} | "
                f"{_f(n['p50_ms'])} / {_f(n['p99_ms'])} | {_f((n['bytes_per_page_load'] or 0) / 1e3)} | "
                f"{_f(g['page_loads_per_s'])} | {_f(g['p50_ms'])} / {_f(g['p99_ms'])} | "
                f"{_f((g['bytes_per_page_load'] or 0) / 1e3)} | **{_f(row['ratio'], 2)}x** | "
                f"{_f(n['server_cpu_share'], 2)} / {_f(g['server_cpu_share'], 2)} | {_f(row['cpu_ratio'], 2)}x |"
            )
        lines.append("")
    lines.append("#### Targets (concurrency 16)\n")
    lines.append("| target | measured | met |")
    lines.append("|---|--:|:-:|")
    top_c = max(concs)
    for w in results["settings"]["workloads"]:
        row = s.get(f"{w}@{top_c}")
        if not row or row["ratio"] is None:
            continue
        t = results["workloads"][w]["target"]
        lines.append(f"| {w} ≥ {t:g}x the node path | {row['ratio']:.2f}x | {'yes' if row['ratio'] >= t else '**no**'} |")
    m = results["memory"]
    peak = m.get("cometgraph_peak_rss") or 0
    lines.append(f"| cometgraph peak RSS < 300 MB | {peak / 1e6:.0f} MB | {'yes' if peak < 300e6 else '**no**'} |")
    ceil = (results.get("ceiling") or {}).get("W1", {}).get("page_loads_per_s")
    w1 = s.get(f"W1@{top_c}", {}).get("cometgraph", {}).get("page_loads_per_s")
    cores = s.get(f"W1@{top_c}", {}).get("cometgraph", {}).get("server_cpu_share")
    if ceil and w1 and cores:
        per_core = w1 / cores  # the ceiling is one thread: compare per core of server CPU
        lines.append(
            f"| W1 GraphQL per core ≥ 60% of the plain-loop ceiling (one thread) | {100 * per_core / ceil:.0f}% "
            f"({per_core:.1f} of {ceil:.1f}/s) | {'yes' if per_core / ceil >= 0.6 else '**no**'} |"
        )
    lines.append("")
    if results.get("ceiling"):
        lines.append("#### Ceiling: plain Python loop over the storage layer (one thread, no GraphQL/HTTP)\n")
        lines.append("| workload | plain loop page-loads/s | cometgraph c1 | c1 share | cometgraph c16 | c16 share |")
        lines.append("|---|--:|--:|--:|--:|--:|")
        for w, r in results["ceiling"].items():
            if "page_loads_per_s" not in r:
                lines.append(f"| {w} | {r.get('error')} | | | | |")
                continue
            g1 = s.get(f"{w}@1", {}).get("cometgraph", {}).get("page_loads_per_s")
            g16 = s.get(f"{w}@{top_c}", {}).get("cometgraph", {}).get("page_loads_per_s")
            pl = r["page_loads_per_s"]
            lines.append(f"| {w} | {pl:,.1f} | {_f(g1)} | {_f(100 * g1 / pl if g1 else None, 0)}% | {_f(g16)} | {_f(100 * g16 / pl if g16 else None, 0)}% |")
        lines.append("")
    lines.append("#### Memory\n")
    lines.append("| | MB |")
    lines.append("|---|--:|")
    for k, v in m.items():
        if v is not None:
            lines.append(
                f"| {k.replace('_', ' ')} | {v / 1e6:+.1f} |" if "growth" in k or "change" in k or "rise" in k else f"| {k.replace('_', ' ')} | {v / 1e6:.1f} |"
            )
    lines.append("")
    lines.append("#### Load generator\n")
    cpu = [r.get("client_cpu_share", 0) for sides in results["runs"].values() for runs in sides.values() for r in runs]
    lines.append(
        f"bench/loadgen.py CPU: median {statistics.median(cpu):.2f}, max {max(cpu):.2f} of one core "
        f"over all runs; machine load average during runs: median "
        f"{statistics.median(r['loadavg'] for sides in results['runs'].values() for runs in sides.values() for r in runs):.2f}.\n"
    )
    if results.get("wrk"):
        lines.append("| one-request workload @16 | wrk req/s | wrk p50 / p99 ms | wrk CPU (of a core) | loadgen page-loads/s |")
        lines.append("|---|--:|--:|--:|--:|")
        for k, r in results["wrk"].items():
            if not r:
                continue
            w, side = k.split("@")[0], k.split("/")[1]
            lg = s.get(f"{w}@16", {}).get(side, {}).get("page_loads_per_s")
            lines.append(
                f"| {w} {side} | {_f(r.get('requests_per_s'))} | {_f(r.get('p50_ms'))} / {_f(r.get('p99_ms'))} | {_f(r.get('cpu_share'), 2)} | {_f(lg)} |"
            )
        lines.append("")
    checks = results.get("checks", {})
    lines.append("Same answers on both sides: " + ", ".join(f"{w} {'yes' if all(c['ok'] for c in cs) else '**NO**'}" for w, cs in checks.items()) + ".\n")
    lines.append(environment_line(env, f"injectived {env['injectived']}"))
    return "\n".join(lines)


def environment_line(env: dict[str, Any], *others: str) -> str:
    """The machine and versions of ``environment()`` as one markdown line."""
    return (
        f"Environment: {env['cpus']} × {env['cpu_model']}, {env['memory_bytes'] / 2**30:.0f} GiB, "
        f"Linux {env['kernel']}; cometgraph {env['cometgraph_commit']} on Python "
        f"{env['cometgraph_python']} ({', '.join(f'{k} {v}' for k, v in env['packages'].items())}); " + "; ".join([*others, env["wrk"] or "no wrk"]) + ".\n"
    )


def add_load_args(ap: argparse.ArgumentParser, workloads: str, concurrency: str) -> None:
    """The options every bench script shares: what to run and for how long."""
    ap.add_argument("--workloads", default=workloads)
    ap.add_argument("--concurrency", default=concurrency)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--warmup", type=float, default=2.0)
    ap.add_argument("--seconds", type=float, default=8.0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chain", type=Path, required=True, help="folder made by bench/build_chain.py --out")
    ap.add_argument("--out", type=Path, default=Path("bench-results"), help="results.json and results.md go here")
    ap.add_argument("--cometgraph", help="the cometgraph executable (default: beside this Python)")
    add_load_args(ap, "W1,W1b,W2,W3,W4,W5", "1,16")
    ap.add_argument("--ceiling-seconds", type=float, default=5.0)
    ap.add_argument("--no-ceiling", action="store_true")
    ap.add_argument("--no-wrk", action="store_true")
    ap.add_argument("--port-base", type=int, default=DEFAULT_PORT_BASE)
    ap.add_argument("--cg-port", type=int, default=DEFAULT_CG_PORT)
    ap.add_argument("--workers", type=int, default=1, help="cometgraph serve --workers N (the node uses every core; default 1, as the README's first command)")
    ap.add_argument("--workdir", default=None, help="where the two home copies go (default: temp)")
    ap.add_argument("--keep-workdir", action="store_true")
    ap.add_argument("--seed", type=int, default=6)
    args = ap.parse_args(argv)
    results = run(args)
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Per-request CPU of one workload through the real ASGI app, in one process, no network.

Not the same-run comparison with the node (bench/run.py): a quick before/after of one lever
(the record cache, the shape cache, the IAVL fast-node index) on the embedded sample chain or
a node home given with ``--home``, each variant in a fresh process. Prints CPU ms per request
(all threads of the process, measured once LevelDB's compaction after open is over:
``bench/quiet.py``) and wall ms.

    python -m bench.inproc W1 W4 W5 V --requests 400 --variants records,shapes
    python -m bench.inproc A VL --home FAST_HOME --variants all,no-fast   # app state at the latest height

``A`` and ``VL`` read application state at the latest height (no ``height:``), where a store
with a valid fast-node index answers point reads with one get (tests/devnet/fast_chain.py
makes such a home from any other).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import tempfile
import time

from bench.quiet import wait_quiet
from bench.run import Q_W2

QUERIES = {
    "W1": ("query W1($top: Int!) { blocks(first: 100, maxHeight: $top) { nodes { height hash time proposerAddress numTxs } } }", "top"),
    "W4": (
        "query W4($h: String!) { tx(hash: $h) { hash height code gasWanted gasUsed memo messages { typeUrl json } events { type attributes { key value } } } }",
        "h",
    ),
    "W5": ("query W5($h: Int!) { validators(height: $h) { address votingPower proposerPriority staking { moniker operatorAddress tokens } } }", "h"),
    "V": ("query V($h: Int!) { validators(height: $h) { address votingPower } }", "h"),
    "S": ("{ status { latestHeight } }", None),
    "A": ("query A($a: String!) { account(address: $a) { accountNumber sequence balances { denom amount } } }", "a"),
    "W3": (
        "query W3($a: String!) { account(address: $a) { balances { denom amount } "
        "delegations { validatorAddress shares balance { amount } } "
        "unbondingDelegations { validatorAddress entries { creationHeight completionTime balance } } "
        "txs(first: 20) { nodes { hash height code } } } }",
        "a",
    ),
    "VL": ("{ validators { address votingPower staking { moniker operatorAddress tokens } } }", None),
    "W2": (Q_W2, "top"),
}

#: variant -> what it switches off (run in its own process)
VARIANTS = {
    "all": "every cache on, compiled plans (as served)",
    "graphql-core": "plans off: every request through Strawberry and graphql-core",
    "no-records": "the record cache off (storage/records.py)",
    "inline": "heights and hashes written inline, each text new (compiled plans by shape)",
    "inline-graphql-core": "inline, each text new, plans off (shape cache on)",
    "inline-no-shapes": "inline, each text new, plans off, shape cache off (full validation each time)",
    "no-fast": "IAVL fast-node index unused: every app-state read walks its tree (storage/app/iavl_fast.py)",
}


async def post(app, body: bytes, path: str = "/graphql") -> tuple[int, dict, bytes]:
    """One POST straight into an ASGI app, no client library in between (its cost would be
    measured with the server's): (status, headers, body)."""
    out: list[dict] = []
    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        "http_version": "1.1",
        "scheme": "http",
        "server": ("127.0.0.1", 1),
        "client": ("127.0.0.1", 2),
        "root_path": "",
        "app": app,
    }
    sent = False

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    async def send(msg):
        out.append(msg)

    await app(scope, receive, send)
    start = next(m for m in out if m["type"] == "http.response.start")
    return start["status"], dict(start["headers"]), b"".join(m.get("body", b"") for m in out if m["type"] == "http.response.body")


def one(workload: str, variant: str, n: int, profile: str | None = None, home: str | None = None) -> dict:
    from cometgraph.sample import sample_home
    from cometgraph.storage.app.store import AppStore
    from cometgraph.storage.chain import Chain
    from cometgraph.storage.records import RecordCache
    from cometgraph.factory import tune_gc
    from cometgraph.web.app import create_app

    chain = Chain.from_home(home or sample_home(), snapshot_dir=tempfile.mkdtemp(prefix="cg-inproc-"))
    if variant == "no-records":
        chain.records = RecordCache(0)
    if variant == "no-fast":
        AppStore.use_fast_index = False
    chain.open()
    app = create_app(chain)
    tune_gc()  # the collector as `cometgraph serve` sets it
    gql = app.state.graphql
    schema = gql.schema
    if variant.endswith(("graphql-core", "no-shapes")):
        gql.plans.enabled = False
    if variant.startswith("inline"):
        # every text new, as with inline literals over a long chain: the document cache keeps only
        # the last text (plans learn a shape from it), plans are found by shape, never by text
        schema.document_store.size = 1 if gql.plans.enabled else 0
        gql.plans._by_text.get = lambda key: None
    if variant == "inline-no-shapes":
        schema.shape_store.is_clean = lambda shape: False

    async def call(body: bytes) -> bytes:
        return (await post(app, body))[2]

    async def main() -> dict:
        async with app.router.lifespan_context(app):
            with chain.view() as v:
                top, low = v.latest_height, v.earliest_height
            r = json.loads(await call(json.dumps({"query": '{ txs(query: "tx.height>0", first: 100) { nodes { hash } } }'}).encode()))
            hashes = [x["hash"] for x in r["data"]["txs"]["nodes"]]
            addrs: list[str] = []
            if workload in ("A", "W3"):  # every holder of inj (Injective's staking denom), module accounts included
                q = '{ richList(denom: "inj", first: 100) { nodes { address } } }'
                r = json.loads(await call(json.dumps({"query": q}).encode()))
                addrs = [x["address"] for x in r["data"]["richList"]["nodes"]]
            query, var = QUERIES[workload]
            rnd = random.Random(1)

            def body() -> bytes:
                if var is None:
                    return json.dumps({"query": query}).encode()
                p = rnd.choice(hashes) if workload == "W4" else rnd.choice(addrs) if workload in ("A", "W3") else rnd.randint(max(low, 2), top)
                if variant.startswith("inline"):
                    text = "{" + query.split("{", 1)[1].replace("$" + var, json.dumps(p))
                    return json.dumps({"query": text}).encode()
                return json.dumps({"query": query, "variables": {var: p}}).encode()

            bodies = [body() for _ in range(n)]
            for b in bodies[:20]:  # warm: the first requests build what every later one reuses
                assert b'"errors"' not in await call(b)
            quiet_s = wait_quiet()  # LevelDB's compaction after open is not a request's CPU
            prof = None
            if profile:
                import cProfile

                prof = cProfile.Profile()
                prof.enable()
            wall, cpu = time.perf_counter(), time.process_time()
            for b in bodies:
                await call(b)
            if prof is not None:
                prof.disable()
                prof.dump_stats(profile)
            return {
                "workload": workload,
                "variant": variant,
                "requests": n,
                "cpu_ms": 1000 * (time.process_time() - cpu) / n,
                "wall_ms": 1000 * (time.perf_counter() - wall) / n,
                "waited_for_quiet_s": round(quiet_s, 2),
            }

    try:
        return asyncio.run(main())
    finally:
        chain.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("workloads", nargs="*", default=["W1", "W4", "W5", "V"])
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--profile", metavar="FILE", help="with --one: write a cProfile of the measured requests to FILE")
    ap.add_argument("--home", help="a node home to read instead of the embedded sample chain (never written)")
    ap.add_argument("--one", nargs=2, metavar=("WORKLOAD", "VARIANT"), help=argparse.SUPPRESS)
    ns = ap.parse_args()
    if ns.one:
        print(json.dumps(one(ns.one[0], ns.one[1], ns.requests, ns.profile, ns.home)))
        return 0
    print("| workload | variant | CPU ms/request | wall ms/request |\n|---|---|--:|--:|")
    for w in ns.workloads:
        for v in ns.variants.split(","):
            if v.startswith("inline") and QUERIES[w][1] is None:
                continue
            cmd = [sys.executable, "-m", "bench.inproc", "--one", w, v, "--requests", str(ns.requests)] + (["--home", ns.home] if ns.home else [])
            out = subprocess.run(cmd, capture_output=True, text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"| {w} | {v} | {r['cpu_ms']:.2f} | {r['wall_ms']:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

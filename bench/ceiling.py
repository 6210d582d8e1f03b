"""The ceiling: each workload's data read and decoded by a plain Python loop over cometgraph's
storage layer — no GraphQL, no HTTP, no event loop, one thread — down to the same JSON text.

    python bench/ceiling.py --home HOME --snapshot-dir DIR --params params.json --seconds 5

``params.json`` is the workloads' parameter lists written by ``bench/run.py`` (the same heights,
addresses and hashes the servers are asked for). Prints one JSON object: page-loads/s per
workload. Run with the Python of the cometgraph under test (``bench/run.py`` does), so the
storage code is the served one.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path


def hexu(b: bytes | None) -> str:
    return b.hex().upper() if b else ""


def events(evs) -> list[dict]:
    return [{"type": e.type, "attributes": [{"key": a.key, "value": a.value} for a in e.attributes]} for e in evs]


class Plain:
    def __init__(self, chain) -> None:
        self.chain = chain
        self.registry = chain.registry

    # W1: heights, hashes, times, proposers and tx counts of 100 consecutive blocks
    def w1(self, v, top: int) -> list:
        metas = v.blocks.load_block_metas(list(range(top, top - 100, -1)))
        return [
            {
                "height": m.header.height,
                "hash": hexu(m.block_id.hash),
                "time": m.header.time.rfc3339(),
                "proposerAddress": hexu(m.header.proposer_address),
                "numTxs": m.num_txs,
            }
            for m in metas
        ]

    # W2: 20 blocks with every tx's hash, code, gas, messages and events
    def w2(self, v, top: int) -> list:
        from cometgraph.storage.codec.tx import decode_tx

        hs = list(range(top, top - 20, -1))
        metas = v.blocks.load_block_metas(hs)
        blocks = v.blocks.load_blocks(hs)
        results = v.state.load_block_results_many(hs)
        out = []
        for h, meta, blk, res in zip(hs, metas, blocks, results):
            txs = []
            for i, raw in enumerate(blk.txs):
                r = res.tx_results[i]
                dec = decode_tx(raw)
                txs.append(
                    {
                        "hash": hashlib.sha256(raw).hexdigest().upper(),
                        "code": r.code,
                        "gasWanted": str(r.gas_wanted),
                        "gasUsed": str(r.gas_used),
                        "messages": [{"typeUrl": m.type_url, "json": self.registry.message_json(m.type_url, m.value)} for m in dec.messages],
                        "events": events(r.events),
                    }
                )
            out.append({"height": h, "hash": hexu(meta.block_id.hash), "txs": txs})
        return out

    # W3: balances, delegations, unbondings and the last 20 txs of an address
    def w3(self, v, address: str) -> dict:
        from cometgraph.storage.app.addresses import parse_account

        m = v.readers.modules
        prefixes = v.readers.prefixes
        addr = parse_account(address, prefixes)
        version = min(v.readers.app.latest_version(), v.latest_height)
        bal = m.bank.balances_many([addr], version)[0]
        dels = m.staking.delegations(addr, version)
        ubds = m.staking.unbonding_delegations(addr, version)
        page = v.txs.search_any(v.txs.address_queries(address), "desc", None, 20)
        return {
            "balances": [{"denom": c.denom, "amount": str(c.amount)} for c in bal],
            "delegations": [{"validatorAddress": d.validator_address, "shares": d.shares, "balance": {"amount": str(d.balance.amount)}} for d in dels],
            "unbondingDelegations": [
                {
                    "validatorAddress": u.validator_address,
                    "entries": [
                        {"creationHeight": e.creation_height, "completionTime": e.completion_time.rfc3339(), "balance": str(e.balance)} for e in u.entries
                    ],
                }
                for u in ubds
            ],
            "txs": [{"hash": hexu(t.hash), "height": t.height, "code": t.result.code} for t in page.txs],
        }

    # W4: one tx by hash with messages and events
    def w4(self, v, tx_hash: str) -> dict:
        from cometgraph.storage.codec.tx import decode_tx

        t = v.txs.load_tx(bytes.fromhex(tx_hash))
        dec = decode_tx(t.tx)
        r = t.result
        return {
            "hash": tx_hash,
            "height": t.height,
            "code": r.code,
            "gasUsed": str(r.gas_used),
            "memo": dec.memo,
            "messages": [{"typeUrl": m.type_url, "json": self.registry.message_json(m.type_url, m.value)} for m in dec.messages],
            "events": events(r.events),
        }

    # W5: validators with monikers and voting power at a height
    def w5(self, v, height: int) -> list:
        vs = v.state.load_validators(height)
        staking = v.readers.modules.staking.validators_by_consensus([x.address for x in vs.validators], height)
        return [
            {
                "address": hexu(x.address),
                "votingPower": str(x.voting_power),
                "proposerPriority": str(x.proposer_priority),
                "staking": {"moniker": s.moniker, "operatorAddress": s.operator_address, "tokens": str(s.tokens)} if s is not None else None,
            }
            for x, s in zip(vs.validators, staking)
        ]


def measure(fn, params: list, seconds: float, warmup: float = 1.0) -> dict:
    """Page-loads back to back over ``params`` (cycled): page-loads/s after a warm-up."""
    i = 0
    t_end = time.perf_counter() + warmup
    while time.perf_counter() < t_end:
        json.dumps(fn(params[i % len(params)]))
        i += 1
    n, lat = 0, []
    t0 = time.perf_counter()
    t_end = t0 + seconds
    while True:
        a = time.perf_counter()
        if a >= t_end:
            break
        json.dumps(fn(params[i % len(params)]))
        lat.append(time.perf_counter() - a)
        i += 1
        n += 1
    elapsed = time.perf_counter() - t0
    lat.sort()
    return {"page_loads_per_s": n / elapsed, "p50_ms": lat[len(lat) // 2] * 1000 if lat else None, "page_loads": n}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--snapshot-dir", type=Path, required=True)
    ap.add_argument("--params", type=Path, required=True)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--workloads", default="W1,W2,W3,W4,W5")
    args = ap.parse_args(argv)
    from cometgraph.storage.chain import Chain

    params = json.loads(args.params.read_text())
    chain = Chain.from_home(args.home, snapshot_dir=args.snapshot_dir).open()
    out = {}
    try:
        with chain.view() as v:
            p = Plain(chain)
            fns = {"W1": lambda x: p.w1(v, x), "W2": lambda x: p.w2(v, x), "W3": lambda x: p.w3(v, x), "W4": lambda x: p.w4(v, x), "W5": lambda x: p.w5(v, x)}
            for w in args.workloads.split(","):
                try:
                    out[w] = measure(fns[w], params[w], args.seconds)
                except Exception as exc:  # noqa: BLE001 - report, keep measuring the others
                    out[w] = {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        chain.close()
    json.dump(out, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())

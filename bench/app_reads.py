"""Application-state reads below GraphQL: the fast-node index and the shared NodeCache.

What one account page (account, balances, delegations of one address) and one validator
list cost in the storage layer at the latest height, with the fast-node index used or not,
with a cold NodeCache (a new snapshot of a busy chain: nothing of this version read yet) or a
warm one (the same version read before); and, with the index off, how much of a page the
NodeCache shared by successive snapshots already holds when each new version is read after
the previous one (the top of every recent root is new, the rest is shared).

    python -m bench.app_reads --home HOME [--versions 10] [--rounds 3]

HOME is any node home (never written; a private snapshot is read); make one with a fast index
with ``python -m tests.devnet.fast_chain --home SRC --out DIR --no-workload``. CPU time of this
one thread, medians over ``--rounds``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def main() -> int:
    from cometgraph.storage.app.iavl import NodeCache
    from cometgraph.storage.app.store import AppStore
    from cometgraph.storage.chain import Chain, Modules

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--versions", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ns = ap.parse_args()

    chain = Chain.from_home(ns.home, snapshot_dir=tempfile.mkdtemp(prefix="cg-app-reads-")).open()
    with chain.view() as v:
        app0, prefixes = v.readers.app, v.readers.prefixes
        assert app0 is not None and prefixes is not None
        kv = app0.kv
        latest = app0.latest_version()
        fast = app0.tree("bank", latest).fast
        print(f"{ns.home}: latest version {latest}; bank fast index: {'valid at ' + str(fast.version) if fast else 'none'}")
        holders = [a for a, _ in Modules.build(app0, prefixes, None).bank.holders("inj", latest)]

        def reader(use_fast: bool, cache: NodeCache) -> Modules:
            app = AppStore(kv, cache)
            app.use_fast_index = use_fast
            return Modules.build(app, prefixes, None)

        def page(m: Modules, version: int) -> Callable[[bytes], None]:
            def one(addr: bytes) -> None:
                m.auth.account(addr, version)
                m.bank.balances(addr, version)
                m.staking.delegations(addr, version)

            return one

        def timed(fn: Callable[[], None]) -> float:
            t = time.process_time()
            fn()
            return time.process_time() - t

        print(f"\n{len(holders)} account pages (account + balances + delegations) and one validator list, at version {latest}:\n")
        print("| index | NodeCache | µs per account page | µs per validator list | kv gets + keys per page |")
        print("|---|---|--:|--:|--:|")
        for use_fast in (False, True):
            for warm in (False, True):
                pages, lists, reads = [], [], []
                for _ in range(ns.rounds):
                    cache = NodeCache(256 << 20)
                    m = reader(use_fast, cache)
                    one = page(m, latest)
                    if warm:
                        for a in holders:
                            one(a)
                        m.staking.validators(latest)
                    before = kv.stats["get"] + kv.stats["keys"]
                    pages.append(timed(lambda: [one(a) for a in holders]) / len(holders))
                    reads.append((kv.stats["get"] + kv.stats["keys"] - before) / len(holders))
                    m = reader(use_fast, cache if warm else NodeCache(256 << 20))
                    lists.append(timed(lambda: m.staking.validators(latest)))
                print(
                    f"| {'used' if use_fast else 'unused'} | {'warm' if warm else 'cold'} | {1e6 * statistics.median(pages):.0f} "
                    f"| {1e6 * statistics.median(lists):.0f} | {statistics.median(reads):.1f} |"
                )

        first = max(1, latest - ns.versions + 1)
        print(f"\nIndex unused, one NodeCache shared by versions {first}..{latest} read in order (a snapshot per block):\n")
        print("| version | kv node reads per page | NodeCache hit ratio |")
        print("|---|--:|--:|")
        cache = NodeCache(256 << 20)
        for version in range(first, latest + 1):
            m = reader(False, cache)
            hits, misses = cache.hits, cache.misses
            before = kv.stats["get"] + kv.stats["keys"]
            for a in holders:
                page(m, version)(a)
            n = kv.stats["get"] + kv.stats["keys"] - before
            h, mi = cache.hits - hits, cache.misses - misses
            print(f"| {version} | {n / len(holders):.1f} | {h / max(1, h + mi):.2f} |")
    chain.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

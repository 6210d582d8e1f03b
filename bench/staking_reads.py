"""CPU of ``StakingReader.validators_by_consensus`` (W5's storage half) at random heights.

Each height is new to the reader, as when an explorer asks for heights all over the chain:
what a version costs before any per-version cache can help. Storage layer only (no GraphQL).

    python -m bench.staking_reads --home ~/.cache/cometgraph/bench-chain/home --heights 400
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time


def main() -> None:
    from cometgraph.storage.chain import Chain

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--home", required=True, help="a node home (never written: a snapshot is read)")
    ap.add_argument("--heights", type=int, default=400)
    ap.add_argument("--seed", type=int, default=2)
    ns = ap.parse_args()
    chain = Chain.from_home(ns.home, snapshot_dir=tempfile.mkdtemp(prefix="cg-staking-reads-"))
    chain.open()
    with chain.view() as v:
        low, top = max(v.earliest_height, 2), v.latest_height
        hs = random.Random(ns.seed).sample(range(low, top + 1), min(ns.heights, top - low + 1))
        sets = {h: [x.address for x in v.state.load_validators(h).validators] for h in hs}
        staking = v.readers.modules.staking
        t = time.process_time()
        for h in hs:
            staking.validators_by_consensus(sets[h], h)
        ms = 1000 * (time.process_time() - t) / len(hs)
    print(json.dumps({"heights": len(hs), "cpu_ms_per_call": round(ms, 3)}))


if __name__ == "__main__":
    main()

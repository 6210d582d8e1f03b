"""Print new blocks as they arrive: a GraphQL subscription with the `gql` client.

    python examples/watch_blocks.py --url ws://127.0.0.1:8080/graphql --count 5

Speaks graphql-transport-ws; stops after --count blocks (0 = forever). New blocks come only
from a cometgraph that follows a running node (`cometgraph serve --home ~/.injectived`): the
embedded sample chain, a stopped node or an archive copy never grows, and this says so on
stderr instead of waiting in silence.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import datetime, UTC

from gql import Client, gql
from gql.transport.websockets import WebsocketsTransport

NEW_BLOCKS = gql("subscription { newBlocks { height hash time numTxs proposerAddress } }")
STATUS = gql("{ status { chainId latestHeight latestBlockTime } }")
#: a chain whose newest block is older than this is not producing blocks right now
STALE_SECONDS = 60
HINT = (
    "a stopped node, an archive copy and the embedded sample chain (`cometgraph serve` without --home) "
    "never grow: point --url at a cometgraph serving a running node (`cometgraph serve --home ~/.injectived`)"
)


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def block_age(status: dict) -> float | None:
    """Seconds since the chain's newest block (None when the chain has no block time)."""
    raw = status.get("latestBlockTime")
    if not raw:
        return None
    # RFC 3339 with nanoseconds, as the node prints it: whole seconds are enough here
    when = datetime.fromisoformat(raw.split(".")[0].rstrip("Z") + "+00:00")
    return (datetime.now(UTC) - when).total_seconds()


async def watch(url: str, count: int, idle: float) -> None:
    transport = WebsocketsTransport(url=url, subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL])
    async with Client(transport=transport, fetch_schema_from_transport=False) as session:
        status = (await session.execute(STATUS))["status"]
        say(f"watching {status['chainId']} from height {status['latestHeight']} at {url}")
        age = block_age(status)
        if age is not None and age > STALE_SECONDS:
            say(f"its newest block is {age / 3600:.1f} h old: {HINT}")
        quiet = asyncio.get_running_loop().call_later(idle, say, f"no new block in {idle:g} s; {HINT}") if idle else None
        seen = 0
        async for result in session.subscribe(NEW_BLOCKS):
            if quiet is not None:
                quiet.cancel()
                quiet = None
            print(json.dumps(result["newBlocks"]), flush=True)
            seen += 1
            if count and seen >= count:
                return


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default="ws://127.0.0.1:8080/graphql")
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--idle", type=float, default=30, help="say so after this many seconds without a block (0 = never)")
    ns = ap.parse_args()
    asyncio.run(watch(ns.url, ns.count, ns.idle))


if __name__ == "__main__":
    main()

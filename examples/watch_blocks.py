"""Print new blocks as they arrive: a GraphQL subscription with the `gql` client.

    python examples/watch_blocks.py --url ws://127.0.0.1:8080/graphql --count 5

Speaks graphql-transport-ws; stops after --count blocks (0 = forever).
"""

from __future__ import annotations

import argparse
import asyncio
import json

from gql import Client, gql
from gql.transport.websockets import WebsocketsTransport

NEW_BLOCKS = gql("subscription { newBlocks { height hash time numTxs proposerAddress } }")


async def watch(url: str, count: int) -> None:
    transport = WebsocketsTransport(url=url, subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL])
    async with Client(transport=transport, fetch_schema_from_transport=False) as session:
        seen = 0
        async for result in session.subscribe(NEW_BLOCKS):
            print(json.dumps(result["newBlocks"]), flush=True)
            seen += 1
            if count and seen >= count:
                return


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default="ws://127.0.0.1:8080/graphql")
    ap.add_argument("--count", type=int, default=0)
    ns = ap.parse_args()
    asyncio.run(watch(ns.url, ns.count))


if __name__ == "__main__":
    main()

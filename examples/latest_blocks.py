"""A client of cometgraph written with the `gql` package: the latest blocks and their txs.

    python examples/latest_blocks.py --url http://127.0.0.1:8080/graphql --count 5

Prints one JSON line per block (newest first), following the connection's cursor
until ``--count`` blocks are printed, then the txs of any block that has some.
"""

from __future__ import annotations

import argparse
import json

from gql import Client, gql
from gql.transport.httpx import HTTPXTransport

BLOCKS = gql(
    """
    query Latest($first: Int!, $after: String) {
      status { chainId latestHeight }
      blocks(first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { height hash time numTxs txs { hash code gasUsed } }
      }
    }
    """
)


def latest_blocks(url: str, count: int, page: int = 10) -> list[dict]:
    client = Client(transport=HTTPXTransport(url=url, timeout=30), fetch_schema_from_transport=False)
    out: list[dict] = []
    after = None
    with client as session:
        while len(out) < count:
            result = session.execute(BLOCKS, variable_values={"first": min(page, count - len(out)), "after": after})
            conn = result["blocks"]
            out += conn["nodes"]
            if not conn["pageInfo"]["hasNextPage"]:
                break
            after = conn["pageInfo"]["endCursor"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default="http://127.0.0.1:8080/graphql")
    ap.add_argument("--count", type=int, default=5)
    ap.add_argument("--page", type=int, default=10)
    ns = ap.parse_args()
    for block in latest_blocks(ns.url, ns.count, ns.page):
        print(json.dumps(block, ensure_ascii=False))


if __name__ == "__main__":
    main()

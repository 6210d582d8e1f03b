"""Every tx of an address, page by page, with the `gql` client and query variables.

    python examples/account_history.py inj1… --url http://127.0.0.1:8080/graphql

Prints one JSON line per tx, newest first, following `account.txs` cursors to the end.
"""

from __future__ import annotations

import argparse
import json

from gql import Client, gql
from gql.transport.httpx import HTTPXTransport

HISTORY = gql(
    """
    query History($address: String!, $first: Int!, $after: String) {
      account(address: $address) {
        balances { denom amount }
        txs(first: $first, after: $after) {
          pageInfo { hasNextPage endCursor }
          nodes { hash height code memo messages { typeUrl } }
        }
      }
    }
    """
)


def history(url: str, address: str, page: int = 20):
    client = Client(transport=HTTPXTransport(url=url, timeout=30), fetch_schema_from_transport=False)
    after = None
    with client as session:
        while True:
            account = session.execute(HISTORY, variable_values={"address": address, "first": page, "after": after})["account"]
            if account is None:
                return
            yield from account["txs"]["nodes"]
            if not account["txs"]["pageInfo"]["hasNextPage"]:
                return
            after = account["txs"]["pageInfo"]["endCursor"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("address")
    ap.add_argument("--url", default="http://127.0.0.1:8080/graphql")
    ap.add_argument("--page", type=int, default=20)
    ns = ap.parse_args()
    for tx in history(ns.url, ns.address, ns.page):
        print(json.dumps(tx, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""Cursors keep the form they were issued in, so a cursor a client kept from an earlier server
still pages the same list: unpadded url-safe base64 of ``kind:value`` for keyset positions, and of
``c1`` + order + query fingerprint + height + hash for tx lists. Each cursor is rebuilt here from
the node's own answer (heights, hashes, amounts) and given back as ``after``."""

from __future__ import annotations

import base64
import hashlib
import struct

from cometgraph.storage.query import parse


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def test_block_cursors_are_the_height_and_page_on_from_a_rebuilt_one(gql):
    page = (await gql.data("{ blocks(first: 3) { edges { cursor node { height } } } }"))["blocks"]["edges"]
    assert [e["cursor"] for e in page] == [b64(f"block:{e['node']['height']}".encode()) for e in page]
    top = page[0]["node"]["height"]
    after = await gql.data("query($a: String) { blocks(first: 2, after: $a) { nodes { height } } }", {"a": b64(f"block:{top}".encode())})
    assert [n["height"] for n in after["blocks"]["nodes"]] == [top - 1, top - 2]


async def test_tx_cursors_are_the_index_position_and_page_on_from_a_rebuilt_one(gql, oracle):
    query = "tx.height>=1"
    fp = hashlib.sha256(str(parse(query)).encode()).digest()[:4]
    q = 'query($a: String) { txs(query: "tx.height>=1", first: 3, orderBy: ASC, after: $a) { edges { cursor node { hash height } } } }'
    edges = (await gql.data(q, {"a": None}))["txs"]["edges"]
    assert len(edges) == 3
    for e in edges:
        raw = struct.pack(">2sc4sq", b"c1", b"a", fp, e["node"]["height"]) + bytes.fromhex(e["node"]["hash"])
        assert e["cursor"] == b64(raw)
    first = edges[0]["node"]
    rebuilt = b64(struct.pack(">2sc4sq", b"c1", b"a", fp, first["height"]) + bytes.fromhex(first["hash"]))
    rest = (await gql.data(q, {"a": rebuilt}))["txs"]["edges"]
    assert [e["node"]["hash"] for e in rest[:2]] == [e["node"]["hash"] for e in edges[1:]]
    assert {e["node"]["hash"] for e in edges} <= set(oracle.txs)


async def test_rich_list_cursors_are_amount_and_address_and_page_on_from_a_rebuilt_one(gql, oracle):
    latest = max(int(h) for h in oracle.rest)
    denom = oracle.rest[str(latest)]["staking_params"]["params"]["bond_denom"]
    q = "query($d: String!, $h: Int, $a: String) { richList(denom: $d, height: $h, first: 3, after: $a) { edges { cursor node { address amount } } } }"
    edges = (await gql.data(q, {"d": denom, "h": latest, "a": None}))["richList"]["edges"]
    assert len(edges) == 3
    for e in edges:
        assert e["cursor"] == b64(f"holders/{denom}/{latest}:{e['node']['amount']}:{e['node']['address']}".encode())
    first = edges[0]["node"]
    rebuilt = b64(f"holders/{denom}/{latest}:{first['amount']}:{first['address']}".encode())
    rest = (await gql.data(q, {"d": denom, "h": latest, "a": rebuilt}))["richList"]["edges"]
    assert [e["node"]["address"] for e in rest[:2]] == [e["node"]["address"] for e in edges[1:]]

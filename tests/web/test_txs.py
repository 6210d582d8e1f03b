"""Txs through GraphQL against the node's /tx and /tx_search answers."""

from __future__ import annotations

import pytest

TX_FIELDS = "hash height index code codespace log info data gasWanted gasUsed raw events { type attributes { key value index } } block { height hash }"


def expected_tx(rpc: dict, oracle) -> dict:
    r = rpc["tx_result"]
    return {
        "hash": rpc["hash"],
        "height": int(rpc["height"]),
        "index": rpc.get("index", 0),
        "code": r.get("code", 0),
        "codespace": r.get("codespace", ""),
        "log": r.get("log", ""),
        "info": r.get("info", ""),
        "data": r.get("data") or "",
        "gasWanted": r["gas_wanted"],
        "gasUsed": r["gas_used"],
        "raw": rpc["tx"],
        "events": [
            {"type": e["type"], "attributes": [{"key": a["key"], "value": a.get("value", ""), "index": a.get("index", False)} for a in e["attributes"]]}
            for e in r.get("events") or []
        ],
        "block": {"height": int(rpc["height"]), "hash": oracle.blocks[rpc["height"]]["block_id"]["hash"]},
    }


async def test_every_tx_by_hash_matches_the_nodes_tx(gql, oracle):
    assert oracle.txs
    for h, rpc in oracle.txs.items():
        d = await gql.data(f"query($h: String!) {{ tx(hash: $h) {{ {TX_FIELDS} }} }}", {"h": h.lower()})
        assert d["tx"] == expected_tx(rpc, oracle), h


async def test_failed_txs_are_in_their_blocks_with_their_code(gql, oracle):
    failed = [rpc for rpc in oracle.txs.values() if rpc["tx_result"].get("code", 0) != 0]
    assert failed, "the sample chain has failed txs"
    for rpc in failed:
        d = await gql.data("query($h: Int) { block(height: $h) { txs { hash code log } } }", {"h": int(rpc["height"])})
        assert {"hash": rpc["hash"], "code": rpc["tx_result"]["code"], "log": rpc["tx_result"]["log"]} in d["block"]["txs"]


async def test_unknown_tx_is_null(gql):
    assert (await gql.data(f'{{ tx(hash: "{"0" * 64}") {{ hash }} }}'))["tx"] is None


async def _all_pages(gql, query: str, order: str, first: int) -> list[str]:
    hashes, after = [], None
    for _ in range(500):
        d = await gql.data(
            "query($q: String!, $o: Order!, $f: Int, $a: String) { txs(query: $q, orderBy: $o, first: $f, after: $a) "
            "{ edges { cursor node { hash } } pageInfo { hasNextPage endCursor } } }",
            {"q": query, "o": order.upper(), "f": first, "a": after},
        )
        conn = d["txs"]
        hashes += [e["node"]["hash"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            return hashes
        assert conn["pageInfo"]["endCursor"] == conn["edges"][-1]["cursor"]
        after = conn["pageInfo"]["endCursor"]
    raise AssertionError("paging did not end")


async def test_every_recorded_tx_search_returns_the_nodes_hashes_in_order(gql, oracle):
    assert len(oracle.tx_search) >= 10
    for rec in oracle.tx_search:
        assert await _all_pages(gql, rec["query"], rec["order_by"], 100) == rec["hashes"], rec["query"]


@pytest.mark.parametrize("first", [1, 2, 3])
async def test_tx_search_pages_forward_to_the_same_result(gql, oracle, first):
    for rec in oracle.tx_search:
        if len(rec["hashes"]) > first:
            got = await _all_pages(gql, rec["query"], rec["order_by"], first)
            assert got == rec["hashes"], rec["query"]
            assert len(set(got)) == len(got)


async def test_an_edge_cursor_resumes_right_after_its_tx(gql, oracle):
    for order in ("asc", "desc"):
        rec = max((r for r in oracle.tx_search if r["order_by"] == order), key=lambda r: len(r["hashes"]))
        v = {"q": rec["query"], "o": order.upper()}
        d = await gql.data("query($q: String!, $o: Order!) { txs(query: $q, orderBy: $o, first: 5) { edges { cursor } } }", v)
        third = d["txs"]["edges"][2]["cursor"]
        d = await gql.data(
            "query($q: String!, $o: Order!, $a: String) { txs(query: $q, orderBy: $o, first: 2, after: $a) { nodes { hash } } }",
            {**v, "a": third},
        )
        assert [n["hash"] for n in d["txs"]["nodes"]] == rec["hashes"][3:5]


@pytest.mark.parametrize(
    "query, code, words",
    [
        ('{ tx(hash: "12") { hash } }', "BAD_INPUT", "64 hex"),
        ('{ txs(query: "tx.height>>5") { nodes { hash } } }', "BAD_INPUT", "offset"),
        ('{ txs(query: "") { nodes { hash } } }', "BAD_INPUT", ""),
        ('{ txs(query: "tx.height>1", first: 1000) { nodes { hash } } }', "LIMIT_EXCEEDED", "at most 100"),
        ('{ txs(query: "tx.height>1", after: "bogus") { nodes { hash } } }', "BAD_INPUT", "cursor"),
    ],
)
async def test_bad_tx_input_is_a_clear_error(gql, query, code, words):
    err = await gql.error(query)
    assert err["extensions"]["code"] == code, err
    assert words in err["message"]


async def test_a_cursor_of_one_search_is_refused_by_another(gql):
    d = await gql.data('{ txs(query: "tx.height>1", first: 1) { pageInfo { endCursor } } }')
    cur = d["txs"]["pageInfo"]["endCursor"]
    err = await gql.error('query($a: String) { txs(query: "tx.height>2", first: 1, after: $a) { nodes { hash } } }', {"a": cur})
    assert err["extensions"]["code"] == "BAD_INPUT"


def _acc_seq_signers(rpc: dict) -> list[str]:
    return [a["value"].rsplit("/", 1)[0] for e in rpc["tx_result"]["events"] if e["type"] == "tx" for a in e["attributes"] if a["key"] == "acc_seq"]


async def test_every_tx_body_matches_the_nodes_rest_answer(gql, oracle):
    assert oracle.rest_txs
    for h, rest in oracle.rest_txs.items():
        d = await gql.data(
            "query($h: String!) { tx(hash: $h) { memo timeoutHeight fee { amount { denom amount } gasLimit payer granter } "
            "messages { typeUrl json } signers } }",
            {"h": h},
        )
        tx = d["tx"]
        body, auth = rest["tx"]["body"], rest["tx"]["auth_info"]
        assert tx["memo"] == body["memo"], h
        assert tx["timeoutHeight"] == body["timeout_height"]
        fee = auth["fee"]
        assert tx["fee"] == {
            "amount": [{"denom": c["denom"], "amount": c["amount"]} for c in fee["amount"]],
            "gasLimit": fee["gas_limit"],
            "payer": fee["payer"] or None,
            "granter": fee["granter"] or None,
        }
        assert [m["json"] for m in tx["messages"]] == body["messages"], h
        assert [m["typeUrl"] for m in tx["messages"]] == [m["@type"] for m in body["messages"]]
        assert tx["signers"] == _acc_seq_signers(oracle.txs[h])


async def test_non_ascii_memos_come_back_exactly(gql, oracle):
    memos = {h: r["tx"]["body"]["memo"] for h, r in oracle.rest_txs.items() if any(ord(c) > 127 for c in r["tx"]["body"]["memo"])}
    assert memos, "the sample chain has a non-ASCII memo"
    for h, memo in memos.items():
        assert (await gql.data(f'{{ tx(hash: "{h}") {{ memo }} }}'))["tx"]["memo"] == memo

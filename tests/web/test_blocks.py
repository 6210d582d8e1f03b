"""Blocks and validator sets through GraphQL, against the node's own /block, /block_results, /validators."""

from __future__ import annotations

import base64
import hashlib

import pytest

HEADER = """
  height hash time chainId proposerAddress appHash numTxs size versionBlock versionApp
  lastBlockHash lastBlockPartsTotal lastBlockPartsHash lastCommitHash dataHash validatorsHash
  nextValidatorsHash consensusHash lastResultsHash evidenceHash
"""


def expected_header(rpc: dict) -> dict:
    h = rpc["block"]["header"]
    return {
        "height": int(h["height"]),
        "hash": rpc["block_id"]["hash"],
        "time": h["time"],
        "chainId": h["chain_id"],
        "proposerAddress": h["proposer_address"],
        "appHash": h["app_hash"],
        "numTxs": len(rpc["block"]["data"]["txs"] or []),
        "versionBlock": h["version"]["block"],
        "versionApp": h["version"].get("app", "0"),
        "lastBlockHash": h["last_block_id"]["hash"],
        "lastBlockPartsTotal": h["last_block_id"]["parts"]["total"],
        "lastBlockPartsHash": h["last_block_id"]["parts"]["hash"],
        "lastCommitHash": h["last_commit_hash"],
        "dataHash": h["data_hash"],
        "validatorsHash": h["validators_hash"],
        "nextValidatorsHash": h["next_validators_hash"],
        "consensusHash": h["consensus_hash"],
        "lastResultsHash": h["last_results_hash"],
        "evidenceHash": h["evidence_hash"],
    }


def expected_commit(c: dict) -> dict:
    flags = {1: "BLOCK_ID_FLAG_ABSENT", 2: "BLOCK_ID_FLAG_COMMIT", 3: "BLOCK_ID_FLAG_NIL"}
    return {
        "height": int(c["height"]),
        "round": c["round"],
        "blockHash": c["block_id"]["hash"],
        "signatures": [
            {
                "blockIdFlag": flags[s["block_id_flag"]],
                "validatorAddress": s["validator_address"] or None,
                "timestamp": s["timestamp"] if s["block_id_flag"] != 1 else s["timestamp"],
                "signature": s["signature"],
            }
            for s in c["signatures"]
        ],
    }


async def test_every_block_matches_the_nodes_block(gql, oracle, heights):
    for h in heights:
        d = await gql.data(
            f"query($h: Int) {{ block(height: $h) {{ {HEADER} txs {{ hash raw }} "
            "lastCommit { height round blockHash signatures { blockIdFlag validatorAddress timestamp signature } } } }",
            {"h": h},
        )
        got = d["block"]
        rpc = oracle.blocks[str(h)]
        exp = expected_header(rpc)
        assert {k: got[k] for k in exp} == exp, h
        raw_txs = rpc["block"]["data"]["txs"] or []
        assert [t["raw"] for t in got["txs"]] == raw_txs
        assert [t["hash"] for t in got["txs"]] == [hashlib.sha256(base64.b64decode(t)).hexdigest().upper() for t in raw_txs]
        if h > 1:
            assert got["lastCommit"] == expected_commit(rpc["block"]["last_commit"]), h


async def test_block_by_hash_takes_any_case_and_an_optional_0x(gql, oracle, heights):
    h = heights[len(heights) // 2]
    block_hash = oracle.blocks[str(h)]["block_id"]["hash"]
    for variant in (block_hash, block_hash.lower(), "0x" + block_hash.lower(), "0X" + block_hash):
        d = await gql.data("query($x: String) { block(hash: $x) { height hash } }", {"x": variant})
        assert d["block"] == {"height": h, "hash": block_hash}


async def test_unknown_block_hash_and_height_above_the_chain_are_null(gql, heights):
    d = await gql.data(f'{{ a: block(hash: "{"AB" * 32}") {{ height }} b: block(height: {heights[-1] + 1}) {{ height }} }}')
    assert d == {"a": None, "b": None}


async def test_block_events_are_the_nodes_finalize_block_events(gql, oracle, heights):
    for h in heights:
        d = await gql.data("query($h: Int) { block(height: $h) { events { type attributes { key value index } } } }", {"h": h})
        exp = [
            {"type": e["type"], "attributes": [{"key": a["key"], "value": a.get("value", ""), "index": a.get("index", False)} for a in e["attributes"]]}
            for e in oracle.block_results[str(h)].get("finalize_block_events") or []
        ]
        assert d["block"]["events"] == exp, h


async def test_tx_results_inside_blocks_match_block_results(gql, oracle, heights):
    for h in heights:
        results = oracle.block_results[str(h)].get("txs_results") or []
        if not results:
            continue
        d = await gql.data("query($h: Int) { block(height: $h) { txs { index code codespace log gasWanted gasUsed } } }", {"h": h})
        got = d["block"]["txs"]
        assert [(t["index"], t["code"], t["codespace"], t["log"], t["gasWanted"], t["gasUsed"]) for t in got] == [
            (i, r.get("code", 0), r.get("codespace", ""), r.get("log", ""), r["gas_wanted"], r["gas_used"]) for i, r in enumerate(results)
        ]


async def test_every_validator_set_matches_the_nodes_validators(gql, oracle, heights):
    for h in heights:
        d = await gql.data("query($h: Int) { validators(height: $h) { address pubKey pubKeyType votingPower proposerPriority } }", {"h": h})
        exp = [
            {
                "address": v["address"],
                "pubKey": v["pub_key"]["value"],
                "pubKeyType": v["pub_key"]["type"],
                "votingPower": v["voting_power"],
                "proposerPriority": v["proposer_priority"],
            }
            for v in oracle.validators[str(h)]["validators"]
        ]
        assert d["validators"] == exp, h


async def test_validators_default_to_the_latest_height(gql, oracle, heights):
    d = await gql.data("{ validators { address votingPower } }")
    assert [v["address"] for v in d["validators"]] == [v["address"] for v in oracle.validators[str(heights[-1])]["validators"]]


async def test_commit_signers_resolve_to_their_validator(gql, oracle, heights):
    h = heights[-1]
    d = await gql.data("query($h: Int) { block(height: $h) { lastCommit { signatures { validatorAddress validator { address votingPower } } } } }", {"h": h})
    power = {v["address"]: v["voting_power"] for v in oracle.validators[str(h - 1)]["validators"]}
    for s in d["block"]["lastCommit"]["signatures"]:
        if s["validatorAddress"]:
            assert s["validator"] == {"address": s["validatorAddress"], "votingPower": power[s["validatorAddress"]]}


@pytest.mark.parametrize("page", [1, 7, 20])
async def test_blocks_page_newest_first_through_a_range_without_gaps(gql, heights, page):
    lo, hi = heights[2], heights[-3]
    seen, after, pages = [], None, 0
    while True:
        d = await gql.data(
            "query($f: Int, $a: String, $lo: Int, $hi: Int) { blocks(first: $f, after: $a, minHeight: $lo, maxHeight: $hi) "
            "{ edges { cursor node { height } } nodes { height } pageInfo { hasNextPage endCursor } } }",
            {"f": page, "a": after, "lo": lo, "hi": hi},
        )
        conn = d["blocks"]
        assert [e["node"] for e in conn["edges"]] == conn["nodes"]
        seen += [n["height"] for n in conn["nodes"]]
        pages += 1
        if not conn["pageInfo"]["hasNextPage"]:
            break
        assert conn["pageInfo"]["endCursor"] == conn["edges"][-1]["cursor"]
        after = conn["pageInfo"]["endCursor"]
        assert pages <= len(heights)  # the loop ends
    assert seen == list(range(hi, lo - 1, -1))
    assert pages == -(-len(seen) // page)


async def test_blocks_default_page_starts_at_the_latest_block(gql, heights):
    d = await gql.data("{ blocks { nodes { height } pageInfo { hasNextPage } } }")
    assert [n["height"] for n in d["blocks"]["nodes"]] == list(range(heights[-1], heights[-1] - 20, -1))
    assert d["blocks"]["pageInfo"]["hasNextPage"] is True


async def test_an_edge_cursor_resumes_right_after_its_block(gql, heights):
    d = await gql.data("{ blocks(first: 5) { edges { cursor node { height } } } }")
    mid = d["blocks"]["edges"][2]
    d2 = await gql.data("query($a: String) { blocks(first: 2, after: $a) { nodes { height } } }", {"a": mid["cursor"]})
    assert [n["height"] for n in d2["blocks"]["nodes"]] == [mid["node"]["height"] - 1, mid["node"]["height"] - 2]


@pytest.mark.parametrize(
    "query, code, words",
    [
        ('{ block(height: 1, hash: "AB") { height } }', "BAD_INPUT", "exactly one"),
        ("{ block { height } }", "BAD_INPUT", "exactly one"),
        ('{ block(hash: "xyz") { height } }', "BAD_INPUT", "64 hex"),
        ('{ block(hash: "' + "zz" * 32 + '") { height } }', "BAD_INPUT", "hexadecimal"),
        ("{ block(height: 0) { height } }", "BAD_INPUT", "positive"),
        ("{ block(height: -5) { height } }", "BAD_INPUT", "positive"),
        ("{ validators(height: 100000) { address } }", "NOT_FOUND", "above the latest"),
        ("{ blocks(first: 101) { nodes { height } } }", "LIMIT_EXCEEDED", "at most 100"),
        ("{ blocks(first: -1) { nodes { height } } }", "BAD_INPUT", ">= 0"),
        ('{ blocks(after: "not-a-cursor") { nodes { height } } }', "BAD_INPUT", "cursor"),
        ("{ block(height: 99999999999) { height } }", "GRAPHQL_VALIDATION_FAILED", "Int"),
        ("{ blok(height: 1) { height } }", "GRAPHQL_VALIDATION_FAILED", "blok"),
        ("{ block(height: 1 { height } }", "GRAPHQL_PARSE_FAILED", "Syntax Error"),
    ],
)
async def test_bad_input_is_a_clear_error_with_a_stable_code(gql, query, code, words):
    err = await gql.error(query)
    assert err["extensions"]["code"] == code, err
    assert words in err["message"]


async def test_the_server_keeps_serving_after_errors(gql):
    await gql.error("{ block(height: 0) { height } }")
    assert (await gql.data("{ status { latestHeight } }"))["status"]["latestHeight"] > 0


async def test_deep_and_alias_heavy_queries_are_refused(gql):
    deep = "{ blocks { nodes " + "{ txs { block " * 8 + "{ height }" + " } }" * 8 + " } }"
    err = await gql.error(deep)
    assert "depth" in err["message"]
    many = "{ " + " ".join(f"a{i}: status {{ latestHeight }}" for i in range(40)) + " }"
    err = await gql.error(many)
    assert "aliases" in err["message"].lower()

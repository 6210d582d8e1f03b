"""Only what is asked is read, and it is read in batches: storage calls counted on the snapshot."""

from __future__ import annotations

from collections import Counter

import pytest


@pytest.fixture(autouse=True)
def cold(gql):
    """These tests count the reads of a first request: nothing decoded before may be reused."""
    gql.chain.records.clear()


def calls(gql) -> dict[str, Counter]:
    snap = gql.chain.holder.current
    return {name: Counter(db.stats) for name, db in snap.dbs.items()}


def diff(before, after) -> dict[str, dict]:
    out = {}
    for name in after:
        d = {k: after[name][k] - before[name].get(k, 0) for k in after[name]}
        d = {k: v for k, v in d.items() if v}
        if d:
            out[name] = d
    return out


async def test_a_page_of_heights_and_hashes_reads_only_metas_in_one_call(gql, heights):
    before = calls(gql)
    d = await gql.data("{ blocks(first: 100) { nodes { height hash time numTxs } } }")
    used = diff(before, calls(gql))
    n = len(d["blocks"]["nodes"])
    assert n == min(100, len(heights))
    assert used == {"blockstore": {"get_many": 1, "keys": n}}


async def test_a_page_of_blocks_with_their_txs_is_a_handful_of_batched_calls(gql, oracle, heights):
    before = calls(gql)
    d = await gql.data("{ blocks(first: 100) { nodes { height txs { hash code gasUsed events { type } } events { type } } } }")
    used = diff(before, calls(gql))
    ntx = sum(len(b["txs"]) for b in d["blocks"]["nodes"])
    assert ntx == sum(len(oracle.blocks[str(h)]["block"]["data"]["txs"] or []) for h in heights[-100:])
    assert ntx > 0
    # the page's metas; the blocks' metas and all their parts; all ABCI results — no single gets
    assert used["blockstore"]["get_many"] == 3 and "get" not in used["blockstore"]
    assert used["state"] == {"get_many": 1, "keys": len(d["blocks"]["nodes"])}
    assert set(used) == {"blockstore", "state"}


async def test_txs_by_hash_share_one_batched_index_read(gql, oracle):
    hashes = list(oracle.txs)[:10]
    q = "{ " + " ".join(f'a{i}: tx(hash: "{h}") {{ height code }}' for i, h in enumerate(hashes)) + " }"
    before = calls(gql)
    d = await gql.data(q)
    used = diff(before, calls(gql))
    assert all(d[f"a{i}"]["height"] == int(oracle.txs[h]["height"]) for i, h in enumerate(hashes))
    assert used == {"tx_index": {"get_many": 1, "keys": len(hashes)}}


async def test_a_page_of_txs_is_decoded_in_one_batch_off_the_event_loop(gql, heights, monkeypatch):
    """Every tx's body and auth info of a page is decoded by the decoded_tx loader, in a worker
    thread (a batch of a few txs, as for one tx's page, is decoded on the loop: resolvers/loaders.py)."""
    import threading

    from cometgraph.resolvers import loaders as loaders_module

    real = loaders_module.decode_tx
    threads: set[str] = set()

    def spy(raw):
        threads.add(threading.current_thread().name)
        return real(raw)

    monkeypatch.setattr(loaders_module, "decode_tx", spy)
    d = await gql.data("{ blocks(first: 100) { nodes { txs { memo signers } } } }")
    ntx = sum(len(b["txs"]) for b in d["blocks"]["nodes"])
    assert ntx > 8 and threads and threading.main_thread().name not in threads


async def test_records_below_the_head_are_decoded_once_for_every_later_request(gql, heights):
    """Block metas, validator sets and ABCI results below the head come from the chain's record
    cache the second time: no read at all, and the same answer."""
    q = "{ blocks(first: 30, maxHeight: $h) { nodes { height hash time numTxs events { type } validators { address votingPower } } } }"
    q = "query($h: Int) " + q
    first = await gql.data(q, {"h": heights[-1] - 1})
    before = calls(gql)
    again = await gql.data(q, {"h": heights[-1] - 1})
    assert again == first
    assert diff(before, calls(gql)) == {}
    head = "query($h: Int) { block(height: $h) { hash events { type } } }"
    top = await gql.data(head, {"h": heights[-1]})
    before = calls(gql)
    assert await gql.data(head, {"h": heights[-1]}) == top
    assert diff(before, calls(gql)) != {}, "the head itself is read again (a rollback may rewrite it)"


async def test_a_tx_below_the_head_is_decoded_once_for_every_later_request(gql, oracle, heights):
    h = next(h for h, tx in oracle.txs.items() if int(tx["height"]) < heights[-1])
    q = "query($h: String!) { tx(hash: $h) { hash height code gasUsed events { type attributes { key value } } } }"
    first = await gql.data(q, {"h": h})
    before = calls(gql)
    assert await gql.data(q, {"h": h}) == first and first["tx"]["hash"] == h
    used = diff(before, calls(gql))
    assert "tx_index" not in used, used


async def test_a_page_of_blocks_asking_only_tx_hashes_reads_no_abci_results(gql, heights):
    before = calls(gql)
    d = await gql.data("{ blocks(first: 100) { nodes { txs { hash } } } }")
    used = diff(before, calls(gql))
    assert sum(len(b["txs"]) for b in d["blocks"]["nodes"]) > 0
    assert set(used) == {"blockstore"}


@pytest.mark.parametrize(
    "selection",
    [
        "txs { hash code gasUsed events { type } memo messages { typeUrl } }",
        "txs { ...T } fragment T on Tx { hash code gasUsed events { type } memo messages { typeUrl } }",
    ],
    ids=["fields", "fragment"],
)
async def test_a_blocks_txs_answer_from_the_blocks_batches_without_a_load_per_tx(gql, oracle, heights, monkeypatch, selection):
    """Results and bodies come with the block (one batch each for the page): no tx field asks
    a loader for its own, so none waits (resolvers/txs.py ``block_txs``)."""
    from cometgraph.resolvers import txs as txs_module

    asked: list[str] = []
    real_result, real_decoded = txs_module.tx_result, txs_module.decoded

    async def result_spy(ctx, ref):
        asked.append("result")
        return await real_result(ctx, ref)

    async def decoded_spy(ctx, ref):
        asked.append("decoded")
        return await real_decoded(ctx, ref)

    monkeypatch.setattr(txs_module, "tx_result", result_spy)
    monkeypatch.setattr(txs_module, "decoded", decoded_spy)
    query, _, fragment = selection.partition(" fragment ")
    text = "{ blocks(first: 100) { nodes { height " + query + " } } }" + (" fragment " + fragment if fragment else "")
    d = await gql.data(text)
    n = 0
    for b in d["blocks"]["nodes"]:
        for i, t in enumerate(b["txs"]):
            want = oracle.block_results[str(b["height"])]["txs_results"][i]
            assert t["code"] == want.get("code", 0) and t["gasUsed"] == want["gas_used"]
            assert [e["type"] for e in t["events"]] == [e["type"] for e in want["events"]]
            assert t["messages"] and all(m["typeUrl"].startswith("/") for m in t["messages"])
            n += 1
    assert n > 0 and asked == []

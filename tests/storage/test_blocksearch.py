"""block_search over the block indexer's keys that injectived wrote, against the node's answers.

The node's ``block_search`` answers (oracle ``block_search.json``) are matched exactly, in both
orders and at every page size; queries the oracle does not hold are checked against the node's
own ``/block_results`` events (``block_results.json``) with the indexer's same-event rule.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cometgraph.storage import blockindex
from cometgraph.storage.blockindex import BlockIndex
from cometgraph.storage.blockmatch import BLOCK_EVENTS, PRIMARY_PREFIX, event_groups, parse_event_key, primary_height
from cometgraph.storage.errors import IndexDisabled, InvalidInput


def _varint(raw: bytes) -> int:
    """Go ``binary.Varint`` (zigzag): what the indexer stores as each key's value."""
    x = shift = 0
    for b in raw:
        x |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            break
    return (x >> 1) ^ -(x & 1)


def _events(state):
    def at(h: int):
        res = state.load_block_results(h)
        return None if res is None else res.finalize_block_events

    return at


@pytest.fixture(scope="module")
def index(sample_kv, sample_state) -> BlockIndex:
    return BlockIndex(sample_kv("tx_index"), _events(sample_state))


@pytest.fixture(scope="module")
def keys_only(sample_kv) -> BlockIndex:
    """The same index as a node with discard_abci_responses: every check from the keys alone."""
    return BlockIndex(sample_kv("tx_index"), lambda h: None)


def all_heights(idx: BlockIndex, query: str, order: str, limit: int) -> list[int]:
    out, after = [], None
    for _ in range(1000):
        page = idx.search(query, order, after, limit)
        assert len(page.heights) <= limit and len(page.cursors) == len(page.heights)
        out += page.heights
        if not page.more:
            return out
        after = page.cursors[-1]
    raise AssertionError("paging did not end")


# ---------------------------------------------------------------- the keys themselves
def test_primary_keys_decode_to_the_height_the_node_stored_in_their_value(sample_kv, heights):
    kv = sample_kv("tx_index")
    got = [(primary_height(k), _varint(v)) for k, v in kv.iterate(prefix=PRIMARY_PREFIX)]
    assert [h for h, _ in got] == [v for _, v in got] == heights


def test_every_event_key_is_an_indexed_attribute_of_the_nodes_block_results(sample_kv, oracle):
    """Each key parses to (type.attr, value, height, seq) naming an attribute of that height's
    FinalizeBlock events as the node's /block_results prints them; seqs are distinct per event."""
    n = 0
    seqs: dict[tuple[int, int], set[bytes]] = {}
    for key, value in sample_kv("tx_index").iterate(prefix=BLOCK_EVENTS):
        if key.startswith(PRIMARY_PREFIX):
            continue
        ek = parse_event_key(key)
        assert ek is not None and ek.grouped, key
        assert _varint(value) == ek.height
        events = oracle.block_results[str(ek.height)]["finalize_block_events"]
        pairs = {(f"{e['type']}.{a['key']}".encode(), a["value"].encode()) for e in events for a in e["attributes"] if a.get("index")}
        assert (ek.tag, ek.value) in pairs, key
        seqs.setdefault((ek.height, ek.seq), set()).add(ek.tag.split(b".")[0])
        n += 1
    assert n > 1000
    assert all(len(types) == 1 for types in seqs.values())  # one seq, one event (one type)


def test_events_rebuild_into_exactly_the_keys_the_indexer_wrote(sample_kv, sample_state, heights):
    written: dict[int, set[tuple[bytes, bytes]]] = {}
    for key in sample_kv("tx_index").iterate(prefix=BLOCK_EVENTS, include_value=False):
        ek = parse_event_key(key)
        if ek is not None:
            written.setdefault(ek.height, set()).add((ek.tag, ek.value))
    for h in heights:
        groups = event_groups(sample_state.load_block_results(h).finalize_block_events, True)
        assert {p for g in groups for p in g} == written.get(h, set()), h


# ---------------------------------------------------------------- the node's answers
@pytest.mark.parametrize("limit", [1, 2, 100])
@pytest.mark.parametrize("which", ["events", "keys_only"])
def test_block_search_gives_the_nodes_heights_in_its_order(index, keys_only, oracle, limit, which):
    idx = index if which == "events" else keys_only
    assert len(oracle.block_search) >= 5
    for rec in oracle.block_search:
        assert "error" not in rec, rec
        assert all_heights(idx, rec["query"], rec["order_by"], limit) == rec["heights"], rec
        assert rec["total_count"] == len(rec["heights"])


def test_a_height_alone_is_its_block_when_indexed(index, heights):
    for h in heights:
        assert index.search(f"block.height={h}").heights == (h,)
        assert index.search(f"block.height = {h}", "asc").heights == (h,)
    assert index.search(f"block.height={heights[-1] + 1}").heights == ()


# ---------------------------------------------------------------- the same-event rule, from /block_results
def _expected(oracle, conds, order: str) -> list[int]:
    """Heights whose /block_results has ONE event satisfying every (tag, test) condition."""
    out = []
    for h, res in oracle.block_results.items():
        for e in res.get("finalize_block_events") or []:
            attrs = [(f"{e['type']}.{a['key']}", a["value"]) for a in e["attributes"] if a.get("index")]
            if all(any(t == tag and test(v) for t, v in attrs) for tag, test in conds):
                out.append(int(h))
                break
    return sorted(out, reverse=order == "desc")


def _unbonding(oracle):
    for h, res in sorted(oracle.block_results.items(), key=lambda x: int(x[0])):
        for e in res.get("finalize_block_events") or []:
            if e["type"] == "complete_unbonding":
                return int(h), {a["key"]: a["value"] for a in e["attributes"]}
    raise AssertionError("the sample chain has a matured unbonding")


def _cases(oracle):
    h, ub = _unbonding(oracle)
    mints = sorted(
        int(a["value"])
        for r in oracle.block_results.values()
        for e in r.get("finalize_block_events") or []
        if e["type"] == "mint"
        for a in e["attributes"]
        if a["key"] == "amount"
    )
    mid = mints[len(mints) // 2]
    return [
        # same event: both attributes of the unbonding
        (
            f"complete_unbonding.delegator='{ub['delegator']}' AND complete_unbonding.amount='{ub['amount']}'",
            [("complete_unbonding.delegator", lambda v: v == ub["delegator"]), ("complete_unbonding.amount", lambda v: v == ub["amount"])],
        ),
        # two event types of the same blocks: never one event
        ("mint.amount EXISTS AND coinbase.minter EXISTS", [("mint.amount", lambda v: True), ("coinbase.minter", lambda v: True)]),
        ("complete_unbonding.mode='EndBlock'", [("complete_unbonding.mode", lambda v: v == "EndBlock")]),
        (f"mint.amount>{mid}", [("mint.amount", lambda v: int(v) > mid)]),
        (f"mint.amount<={mid} AND mint.amount>={mints[1]}", [("mint.amount", lambda v: mints[1] <= int(v) <= mid)]),
        (f"mint.amount EXISTS AND block.height>{h}", [("mint.amount", lambda v: True)]),
        ("liveness.address CONTAINS 'valcons'", [("liveness.address", lambda v: "valcons" in v)]),
        ("mint.amount='nonexistent'", [("mint.amount", lambda v: False)]),
        ("nosuch.key EXISTS", [("nosuch.key", lambda v: True)]),
    ]


@pytest.mark.parametrize("which", ["events", "keys_only"])
async def test_multi_condition_queries_hold_within_one_event(index, keys_only, oracle, which):
    idx = index if which == "events" else keys_only
    h, _ = _unbonding(oracle)
    for query, conds in _cases(oracle):
        for order in ("asc", "desc"):
            want = _expected(oracle, conds, order)
            if "block.height>" in query:
                want = [x for x in want if x > h]
            for limit in (1, 3, 100):
                assert all_heights(idx, query, order, limit) == want, (query, order, limit)


def test_a_narrow_height_window_is_walked_instead_of_a_wide_prefix(index, oracle, monkeypatch):
    """With the probe cap below the driver's key count, a window smaller than it walks the heights."""
    monkeypatch.setattr(blockindex, "PROBE_CAP", 8)
    walked: list[int] = []
    real = index._primary

    def spy(lo, hi, desc, pos) -> Iterator[int]:
        for x in real(lo, hi, desc, pos):
            walked.append(x)
            yield x

    monkeypatch.setattr(index, "_primary", spy)
    query = "coin_received.amount EXISTS AND block.height>=10 AND block.height<=14"
    want = [x for x in _expected(oracle, [("coin_received.amount", lambda v: True)], "desc") if 10 <= x <= 14]
    assert want and all_heights(index, query, "desc", 2) == want
    assert walked and set(walked) <= set(range(10, 15))


# ---------------------------------------------------------------- bad input
def test_cursors_belong_to_one_query_and_order(index):
    page = index.search("liveness.address EXISTS", "asc", None, 2)
    assert page.more
    with pytest.raises(InvalidInput, match="different query"):
        index.search("mint.amount EXISTS", "asc", page.cursors[-1], 2)
    with pytest.raises(InvalidInput, match="asc order"):
        index.search("liveness.address EXISTS", "desc", page.cursors[-1], 2)
    for bad in ("", "!!", "YWJj", "x" * 300):
        with pytest.raises(InvalidInput, match="cursor"):
            index.search("liveness.address EXISTS", "asc", bad, 2)
    with pytest.raises(InvalidInput):
        index.search("liveness.address EXISTS", "sideways")
    with pytest.raises(InvalidInput):
        index.search("liveness.address >> 3")


def test_a_node_without_a_block_index_says_so(tmp_path):
    from cometgraph.storage.kv import LevelDB

    import plyvel

    plyvel.DB(str(tmp_path / "empty.db"), create_if_missing=True).close()
    kv = LevelDB(tmp_path / "empty.db")
    try:
        with pytest.raises(IndexDisabled):
            BlockIndex(kv, lambda h: None).search("block.height>1")
    finally:
        kv.close()

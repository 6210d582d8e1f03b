"""TxIndex against the node's own answers (/tx, /tx_search), CometBFT's rules, paging, damage and memory."""

from __future__ import annotations

import base64
import random
import tracemalloc
from fractions import Fraction
from hashlib import sha256

import pytest

from cometgraph.storage.errors import CorruptRecord, IndexDisabled, InvalidInput
from cometgraph.storage.kv import LevelDB, first
from cometgraph.storage.proto import cometbft_pb2 as pb
from cometgraph.storage.query import parse
from cometgraph.storage.txcursor import MAX_LIMIT
from cometgraph.storage.txindex import NullTxIndex, TxIndex
from cometgraph.storage.txmatch import (
    INT64_MAX,
    Range,
    has_seq,
    is_tag_key,
    key_height,
    key_seq,
    key_value,
    plan,
    tx_keys,
    tx_matches,
)

TM034 = "tm034-sdk044-onomy-testnet1"


@pytest.fixture(scope="module")
def txs(sample_kv) -> TxIndex:
    return TxIndex(sample_kv("tx_index"))


def hexes(rows) -> list[str]:
    return [t.hash.hex().upper() for t in rows]


def walk(index: TxIndex, query: str, order: str, limit: int) -> list[list[str]]:
    """Every page, following the cursor until there is none."""
    pages, after = [], None
    for _ in range(1000):
        page = index.search(query, order, after=after, limit=limit)
        pages.append(hexes(page.txs))
        after = page.next_cursor
        if after is None:
            return pages
    raise AssertionError("the cursor never ended")


def reference(kv, text: str, desc: bool = False) -> list[str]:
    """CometBFT 1.0's Search, literally: one full hit map per condition, intersected on hash+seq,
    sorted by (height, hash+seq), de-duplicated. Materialises everything; tests only."""
    p = plan(parse(text))
    if p.hash is not None:
        return [p.hash.hex().upper()] if len(p.hash) == 32 and kv.get(p.hash) is not None else []
    hits: dict[bytes, int] | None = None
    for c in p.conds:
        tmp = {}
        for key, value in kv.iterate(prefix=c.prefix):
            h = p.hit(c, key)
            if h is not None:
                tmp[value + key_seq(key)] = h
        hits = tmp if hits is None else {e: tmp[e] for e in hits if e in tmp}
        if not hits:
            return []
    out: list[str] = []
    for entry, _h in sorted((hits or {}).items(), key=lambda e: (e[1], e[0]), reverse=desc):
        name = entry[:32].hex().upper()
        if name not in out:
            out.append(name)
    return out


# ---------------------------------------------------------------- by hash
def test_every_tx_loads_with_the_nodes_fields(txs, oracle):
    assert len(oracle.txs) == sum(len(b["block"]["data"]["txs"] or []) for b in oracle.blocks.values())
    for name, want in oracle.txs.items():
        tx = txs.load_tx(bytes.fromhex(name))
        r, w = tx.result, want["tx_result"]
        assert tx.hash.hex().upper() == name
        assert (tx.height, tx.index) == (int(want["height"]), want["index"])
        assert tx.tx == base64.b64decode(want["tx"])
        assert (r.code, r.codespace, r.log, r.info) == (w["code"], w["codespace"], w["log"], w["info"])
        assert (r.gas_wanted, r.gas_used) == (int(w["gas_wanted"]), int(w["gas_used"]))
        assert r.data == base64.b64decode(w["data"] or "")
        assert [(e.type, [(a.key, a.value, a.index) for a in e.attributes]) for e in r.events] == [
            (e["type"], [(a["key"], a["value"], a["index"]) for a in e["attributes"]]) for e in w["events"]
        ]
    failed = [t for t in oracle.txs.values() if t["tx_result"]["code"]]
    assert failed and all(t["tx_result"]["codespace"] for t in failed)  # every failure names its module


class CountingKV:
    def __init__(self, kv) -> None:
        self.kv, self.calls = kv, []

    def __getattr__(self, name):
        fn = getattr(self.kv, name)

        def call(*a, **k):
            self.calls.append(name)
            return fn(*a, **k)

        return call


def test_load_txs_reads_once_in_the_order_asked(sample_kv, oracle):
    kv = CountingKV(sample_kv("tx_index"))
    index = TxIndex(kv)
    names = list(oracle.txs)[::-1]
    unknown = sha256(b"never sent").digest()
    kv.calls.clear()
    got = index.load_txs([bytes.fromhex(n) for n in names[:5]] + [unknown])
    assert kv.calls == ["get_many"]
    assert hexes(got[:5]) == names[:5] and got[5] is None


def test_unknown_hash_is_none_and_a_malformed_one_is_invalid(txs):
    assert txs.load_tx(sha256(b"never sent").digest()) is None
    for bad in (b"\x01" * 31, b"\x01" * 33, b"", "6A7F8A37423A9583CEDB022F176A6BD26591C8F848D80D5750181786528880DF"):
        with pytest.raises(InvalidInput):
            txs.load_tx(bad)  # type: ignore[arg-type]


def test_corrupt_values_raise_corrupt_record_naming_the_key(damaged, oracle):
    names = list(oracle.txs)
    garbage, foreign = bytes.fromhex(names[0]), bytes.fromhex(names[1])
    db, path = damaged("tx_index")
    db.put(garbage, b"\x0a\xff\xff\xff garbage")
    db.put(foreign, db.get(bytes.fromhex(names[2])))  # a real TxResult, under the wrong hash
    db.close()
    index = TxIndex(LevelDB(path))
    with pytest.raises(CorruptRecord) as info:
        index.load_tx(garbage)
    assert info.value.key == garbage and info.value.db == "tx_index.db"
    assert "tx_index.db" in str(info.value) and "\\x" in str(info.value)
    with pytest.raises(CorruptRecord, match="does not hash to its key") as info:
        index.load_txs([bytes.fromhex(names[3]), foreign])
    assert info.value.key == foreign
    # search loads records too: the damaged tx is in every page that reaches it
    with pytest.raises(CorruptRecord):
        index.search(f"tx.height={oracle.txs[names[0]]['height']}")
    with pytest.raises(CorruptRecord):  # ... also when it is decoded to check an event
        index.search("message.sender CONTAINS 'inj' AND message.module='bank'", limit=100)


def test_an_index_entry_without_a_hash_is_corrupt(damaged, oracle):
    db, path = damaged("tx_index")
    bad = b"message.sender/inj1damaged/5/0$es$1"
    db.put(bad, b"short")
    db.close()
    index = TxIndex(LevelDB(path))
    with pytest.raises(CorruptRecord) as info:
        index.search("message.sender='inj1damaged'")
    assert info.value.key == bad


def test_a_node_without_a_tx_index_raises_index_disabled(tm034_kv):
    empty = TxIndex(tm034_kv("tx_index"))  # the legacy node ran with indexer = "null"
    assert not empty.enabled
    calls = (
        lambda i: i.load_tx(b"\x00" * 32),
        lambda i: i.load_txs([]),
        lambda i: i.search("tx.height>0"),
        lambda i: i.count("a.b EXISTS"),
        lambda i: i.cursor_for("a.b EXISTS", "asc", None),
    )
    for call in calls:
        with pytest.raises(IndexDisabled):
            call(empty)
        with pytest.raises(IndexDisabled):
            call(NullTxIndex())


def test_a_node_without_tx_index_answers_an_accounts_txs_with_index_disabled():
    # found by mypy: NullTxIndex had no address_queries, so an account's txs on such a node
    # failed with AttributeError (an internal error) instead of IndexDisabled
    with pytest.raises(IndexDisabled):
        NullTxIndex().address_queries("inj1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq")


# ---------------------------------------------------------------- search = the node's /tx_search
def test_every_recorded_query_returns_the_nodes_hashes_in_the_nodes_order(txs, oracle):
    assert len(oracle.tx_search) >= 40
    for r in oracle.tx_search:
        if "error" in r:
            with pytest.raises(InvalidInput):
                txs.search(r["query"], r["order_by"], limit=MAX_LIMIT)
            continue
        page = txs.search(r["query"], r["order_by"], limit=MAX_LIMIT)
        assert hexes(page.txs) == r["hashes"], r["query"]
        assert [t.height for t in page.txs] == r["heights"], r["query"]
        assert page.next_cursor is None


def test_within_a_height_txs_come_in_hash_order(txs, oracle):
    """CometBFT 1.0 sorts its ``hash+seq`` entries: by height, then hash bytes, not tx index.

    (The first sample chain showed it: three txs at one height came back as index 1, 2, 0.)
    """
    by_height: dict[int, list[dict]] = {}
    for t in oracle.txs.values():
        by_height.setdefault(int(t["height"]), []).append(t)
    crowded = {h: ts for h, ts in by_height.items() if len(ts) > 1}
    assert crowded, "the sample chain has no block with two txs"
    for h, ts in crowded.items():
        names = sorted(t["hash"] for t in ts)
        assert hexes(txs.search(f"tx.height={h}").txs) == names
        assert hexes(txs.search(f"tx.height={h}", "desc").txs) == names[::-1]
        node = next(r for r in oracle.tx_search if r["query"] == "tx.height>5" and r["order_by"] == "asc")
        assert [n for n in node["hashes"] if n in names] == names


def test_the_literal_port_agrees_with_the_node(sample_kv, oracle):
    """Anchors ``reference`` (used below on queries the node was not asked) to the node."""
    kv = sample_kv("tx_index")
    for r in oracle.tx_search:
        if "error" not in r:
            assert reference(kv, r["query"], r["order_by"] == "desc") == r["hashes"], r["query"]


def test_paging_walks_every_query_with_small_pages(txs, oracle):
    for r in oracle.tx_search:
        if "error" in r:
            continue
        for limit in (1, 2, 3):
            pages = walk(txs, r["query"], r["order_by"], limit)
            flat = [h for p in pages for h in p]
            assert flat == r["hashes"], (r["query"], limit)
            assert len(set(flat)) == len(flat)
            assert all(len(p) == limit for p in pages[:-1]) and 0 < len(pages[-1]) <= limit or flat == []


def test_the_nodes_own_small_pages_repeat_txs_ours_do_not(txs, oracle):
    """The node pages ``hash+seq`` entries and de-duplicates each page alone (total 22 for 8 txs)."""
    for r in oracle.tx_search_small_pages:
        node_flat = [h for p in r["pages"] for h in p]
        distinct = list(dict.fromkeys(node_flat))
        assert len(node_flat) > len(distinct)  # the node repeats txs across pages
        ours = [h for p in walk(txs, r["query"], r["order_by"], r["per_page"]) for h in p]
        assert ours == distinct
        assert r["total_count"] > txs.count(r["query"]).count == len(distinct)


def test_count_is_distinct_txs_and_stops_at_the_cap(txs, oracle):
    for r in oracle.tx_search:
        if "error" not in r and not r["query"].startswith("tx.hash"):
            c = txs.count(r["query"])
            assert (c.count, c.exact) == (len(r["hashes"]), True), r["query"]
            assert c.count <= r["total_count"]  # the node's total counts hash+seq entries
    c = txs.count("tx.fee EXISTS", cap=5)
    assert (c.count, c.exact) == (5, False)
    c = txs.count("tx.height>0", cap=4)
    assert (c.count, c.exact) == (4, False)
    c = txs.count("message.sender CONTAINS 'inj' AND message.action CONTAINS 'bank'", cap=3)
    assert (c.count, c.exact) == (3, False)


# ---------------------------------------------------------------- cursors and arguments
def test_cursors_are_bound_to_their_query_and_order(txs):
    q = "message.sender CONTAINS 'inj1'"
    page = txs.search(q, "asc", limit=2)
    assert page.next_cursor
    nxt = txs.search(q, "asc", after=page.next_cursor, limit=2)
    assert hexes(nxt.txs)[0] not in hexes(page.txs)
    with pytest.raises(InvalidInput, match="asc order"):
        txs.search(q, "desc", after=page.next_cursor)
    with pytest.raises(InvalidInput, match="different query"):
        txs.search("tx.fee EXISTS", "asc", after=page.next_cursor)
    # the same query written differently is the same query
    assert hexes(txs.search("message.sender  CONTAINS  'inj1'", after=page.next_cursor, limit=2).txs) == hexes(nxt.txs)


def test_every_row_has_a_cursor_that_resumes_after_it(txs, oracle):
    r = next(r for r in oracle.tx_search if r["query"] == "tx.height>5" and r["order_by"] == "desc")
    rows = txs.search(r["query"], "desc", limit=100).txs
    for i, tx in enumerate(rows):
        rest = txs.search(r["query"], "desc", after=txs.cursor_for(r["query"], "desc", tx), limit=100)
        assert hexes(rest.txs) == r["hashes"][i + 1 :]
    page = txs.search(r["query"], "desc", limit=3)
    assert txs.cursor_for(r["query"], "desc", page.txs[-1]) == page.next_cursor


@pytest.mark.parametrize("cursor", ["", "!!!!", "Zm9v", "YzFhAAAA", "x" * 500, "YzF4" + "A" * 20])
def test_malformed_cursors_are_invalid_input(txs, cursor):
    with pytest.raises(InvalidInput):
        txs.search("tx.height>0", after=cursor)


def test_a_truncated_or_edited_cursor_is_invalid_input(txs):
    cursor = txs.search("tx.height>0", limit=1).next_cursor
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    edits = {
        "truncated": raw[:-1],
        "extended": raw + b"\x00",
        "version": b"c9" + raw[2:],
        "order": raw[:2] + b"x" + raw[3:],
        "query": raw[:3] + bytes(b ^ 0xFF for b in raw[3:7]) + raw[7:],
    }
    for what, bad in edits.items():
        with pytest.raises(InvalidInput):
            txs.search("tx.height>0", after=base64.urlsafe_b64encode(bad).decode().rstrip("="))
    with pytest.raises(InvalidInput):
        txs.search("tx.height>0", after=cursor[:-3])


def test_order_limit_and_query_are_checked(txs, oracle):
    with pytest.raises(InvalidInput, match="order"):
        txs.search("tx.height>0", "up")
    for limit in (0, -1, True, 1.5):
        with pytest.raises(InvalidInput, match="limit"):
            txs.search("tx.height>0", limit=limit)  # type: ignore[arg-type]
    assert len(txs.search("tx.height>0", limit=10_000).txs) == min(100, len(oracle.txs))  # capped at MAX_LIMIT, not refused
    with pytest.raises(InvalidInput, match="offset 10"):
        txs.search("tx.height=")


# ---------------------------------------------------------------- CometBFT's rules on real keys
def test_tx_hash_decides_alone(txs, oracle):
    failed = oracle.workload["notable_txs"]["failed"]
    name, height = failed["hash"], failed["height"]
    assert hexes(txs.search(f"tx.hash='{name}' AND tx.height={height + 1}").txs) == [name]  # other conditions ignored
    assert hexes(txs.search(f"tx.hash='{name.lower()}'").txs) == [name]
    assert txs.search(f"tx.hash='{'00' * 32}'").txs == ()
    assert txs.search("tx.hash='abcd'").txs == ()  # not a 32-byte key: nothing, as on the node
    page = txs.search(f"tx.hash='{name}'", limit=1)
    assert page.next_cursor is None
    for bad in ("tx.hash='xyz'", "tx.hash='abc'", "tx.hash=''", "tx.hash EXISTS"):
        with pytest.raises(InvalidInput):
            txs.search(bad)


def test_values_with_slashes_match_by_prefix_and_parse_from_the_right(txs, oracle, sample_kv):
    carol = oracle.workload["accounts"]["carol"]["address"]
    carols = sorted(
        h
        for h, t in oracle.txs.items()
        if any(a["key"] == "acc_seq" and a["value"].startswith(carol + "/") for e in t["tx_result"]["events"] for a in e["attributes"])
    )
    assert len(carols) >= 2
    # '=' scans "tx.acc_seq/<carol>/", which also holds "<carol>/<sequence>" values
    assert sorted(hexes(txs.search(f"tx.acc_seq='{carol}'").txs)) == carols
    # a base64 signature with '/' in it: value "T/82V…" under the prefix for 'T'
    kv = sample_kv("tx_index")
    slashy = [k for k, _ in kv.iterate(prefix=b"tx.signature/") if key_value(k).count(b"/")]
    assert slashy
    for key in slashy:
        value, head = key_value(key), key_value(key).split(b"/")[0].decode()
        got = hexes(txs.search(f"tx.signature='{head}'").txs)
        assert got == reference(kv, f"tx.signature='{head}'")
        assert kv.get(key).hex().upper() in got
        assert hexes(txs.search(f"tx.signature='{value.decode()}'").txs) == [kv.get(key).hex().upper()]
    assert hexes(txs.search("tx.signature CONTAINS '/'", limit=100).txs) == reference(kv, "tx.signature CONTAINS '/'")


def test_conditions_hold_within_one_event(txs, oracle):
    a = oracle.workload["accounts"]
    # alice is message.sender and transfer.sender of her sends, but in two events: a same-event pair is needed
    assert txs.search(f"message.sender='{a['alice']['address']}' AND transfer.sender='{a['alice']['address']}'").txs == ()
    assert len(txs.search(f"transfer.sender='{a['alice']['address']}' AND transfer.recipient='{a['bob']['address']}'").txs) >= 1
    # a tx.height condition other than '=' joins the intersection with seq 0, which no event has
    assert txs.search(f"tx.height EXISTS AND message.sender='{a['alice']['address']}'").txs == ()


def test_tx_height_equality_and_ranges_follow_the_node(txs, oracle, sample_kv):
    kv = sample_kv("tx_index")
    # a height with several txs, and a later one, both read from the node's answers
    h = int(max(oracle.blocks, key=lambda k: (len(oracle.blocks[k]["block"]["data"]["txs"] or []), -int(k))))
    assert len(oracle.blocks[str(h)]["block"]["data"]["txs"]) >= 2
    later = h + 7
    for q in (
        f"tx.height={h} AND tx.height>{later}",  # the range wins, '=' is dropped
        f"tx.height>{later} AND tx.height={h}",
        f"tx.height={h} AND tx.height={h + 1}",  # only the first '=' counts
        f"tx.height=0{h}",  # '=' scans the text as written
        f"tx.height='{h}'",  # a string operand that reads as a number narrows too
        "tx.height='nine'",  # ... one that does not is dropped, leaving nothing
        f"tx.height>={h} AND tx.height<={h}",
        f"tx.height>{h - 1}.5 AND tx.height<{h}.5",
        "tx.height CONTAINS '1'",
        "tx.height EXISTS",
        "tx.height > TIME 2020-01-01T00:00:00Z",  # CometBFT cannot compare a TIME bound: no match
        "message.sender CONTAINS 'inj' AND tx.height > DATE 2020-01-01",
    ):
        for desc in (False, True):
            assert hexes(txs.search(q, "desc" if desc else "asc", limit=100).txs) == reference(kv, q, desc), q
    assert hexes(txs.search(f"tx.height={h} AND tx.height>{later}", limit=100).txs) == hexes(txs.search(f"tx.height>{later}", limit=100).txs)
    assert txs.search(f"tx.height=0{h}").txs == ()
    assert hexes(txs.search(f"tx.height='{h}'").txs) == hexes(txs.search(f"tx.height={h}").txs) != []
    assert txs.search("tx.height > TIME 2020-01-01T00:00:00Z").txs == ()


def test_numeric_ranges_compare_numbers_exactly_and_skip_non_numbers(txs, sample_kv):
    kv = sample_kv("tx_index")
    # amounts are "100inj": not numbers, so no range ever matches them
    assert txs.search("transfer.amount > 0").txs == ()
    assert hexes(txs.search("message.msg_index>=1").txs) == reference(kv, "message.msg_index>=1")
    big = "delegate.new_shares>=5000000000000000000"
    assert hexes(txs.search(big).txs) == reference(kv, big) != []
    assert txs.search("delegate.new_shares>99999999999999999999999999999999999").txs == ()
    # a TIME attribute: '=' matches the text; a TIME range matches nothing (as on the node)
    key, value = first(kv.iterate(prefix=b"unbond.completion_time/"))
    when = key_value(key).decode()
    assert hexes(txs.search(f"unbond.completion_time = TIME {when}").txs) == [value.hex().upper()]
    assert txs.search("unbond.completion_time > TIME 2000-01-01T00:00:00Z").txs == ()


def generated_queries(kv, seed: int = 7) -> list[str]:
    """Queries built from the sample's real keys: every tag, values, substrings, ranges, pairs."""
    rnd = random.Random(seed)
    by_tag: dict[str, list[tuple[str, bytes, bytes]]] = {}
    for key, value in kv.iterate():
        if len(key) == 32 or key.startswith(b"block_events") or not is_tag_key(key):
            continue
        tag = key.split(b"/", 1)[0].decode()
        v = key_value(key).decode()
        if "'" not in v:
            by_tag.setdefault(tag, []).append((v, value, key))
    out: list[str] = []
    heights = sorted({key_height(k) for rows in by_tag.values() for _, _, k in rows})
    for tag, rows in sorted(by_tag.items()):
        out.append(f"{tag} EXISTS")
        for v, _, _ in rnd.sample(rows, min(2, len(rows))):
            out.append(f"{tag}='{v}'")
            if len(v) > 3:
                i = rnd.randrange(len(v) - 2)
                out.append(f"{tag} CONTAINS '{v[i : i + 3]}'")
            h = rnd.choice(heights)
            out.append(f"{tag}='{v}' AND tx.height>{h}")
            out.append(f"tx.height<={h} AND {tag} CONTAINS '{v[:2]}'")
            out.append(f"{tag}='{v}' AND tx.height={rnd.choice(heights)}")
        nums = sorted({Fraction(v) for v, _, _ in rows if v.isdigit()})
        if nums:
            n = str(rnd.choice(nums))
            out += [f"{tag}>{n}", f"{tag}<={n}", f"{tag}>=0 AND {tag}<{n}", f"{tag}>{n}.5"]
    # pairs of attributes from one tx: same event (same seq) and different events
    keys = [(tag, v, value, key) for tag, rows in by_tag.items() for v, value, key in rows]
    for _ in range(60):
        tag, v, value, key = rnd.choice(keys)
        same_tx = [k for k in keys if k[2] == value and k[0] != tag]
        if same_tx:
            t2, v2, _, k2 = rnd.choice(same_tx)
            out.append(f"{tag}='{v}' AND {t2}='{v2}'")
            out.append(f"{tag} EXISTS AND {t2} CONTAINS '{v2[-4:]}'")
    return list(dict.fromkeys(q for q in out if len(q.encode()) <= 512))


def test_generated_queries_agree_with_the_literal_port(txs, sample_kv):
    kv = sample_kv("tx_index")
    queries = generated_queries(kv)
    assert len(queries) > 200
    nonempty = 0
    for i, q in enumerate(queries):
        for desc in (False, True):
            want = reference(kv, q, desc)
            nonempty += bool(want)
            assert hexes(txs.search(q, "desc" if desc else "asc", limit=100).txs) == want, q
            if i % 4 == 0:
                assert [h for p in walk(txs, q, "desc" if desc else "asc", 2) for h in p] == want, q
        if i % 4 == 1:
            assert txs.count(q).count == len(reference(kv, q)), q
    assert nonempty > len(queries)  # most of them match something


# ---------------------------------------------------------------- pure rules (txmatch)
@pytest.mark.parametrize(
    "key, height, value, seq",
    [
        (b"message.sender/inj1abc/56/0$es$8", 56, b"inj1abc", b"8"),
        (b"tx.acc_seq/inj1abc/1/56/0$es$6", 56, b"inj1abc/1", b"6"),
        (b"message.action//cosmos.bank.v1beta1.MsgSend/7/2$es$12", 7, b"/cosmos.bank.v1beta1.MsgSend", b"12"),
        (b"tx.height/9/9/1$es$0", 9, b"9", b"0"),
        (b"message.sender/inj1abc/56/0", 56, b"inj1abc", b"0"),  # pre-0.34.27: no seq
        (b"a.b/ padded \xc2\xa0/3/0$es$1", 3, b"padded", b"1"),  # values are trimmed (Unicode spaces too)
        (b"a.b/v/+7/0", 7, b"v", b"0"),  # Go's ParseInt takes a sign
        (b"a.b/v/x/0", None, b"v", b"0"),
        (b"a.b/v/99999999999999999999/0", None, b"v", b"0"),
        (b"a.b/v//0", None, b"v", b"0"),
    ],
)
def test_keys_parse_from_the_right(key, height, value, seq):
    assert key_height(key) == height
    assert key_value(key) == value
    assert key_seq(key) == seq
    assert has_seq(key) == (b"$es$" in key)


def test_key_helpers_on_short_keys():
    assert key_height(b"a.b") is None and key_height(b"/5") is None and key_height(b"a/5/") == 5
    assert key_value(b"a.b/c") == b"" and not is_tag_key(b"a/b/c") and is_tag_key(b"a/b/c/d")


def test_plan_follows_the_kv_indexer():
    p = plan(parse("tx.height=5 AND message.sender='x'"))
    assert p.height_eq == 5 and [c.prefix for c in p.conds] == [b"message.sender/x/5/"]
    p = plan(parse("tx.height=5 AND tx.height>3"))
    assert p.height_eq == 0 and [(c.kind, c.tag) for c in p.conds] == [("range", "tx.height")]
    p = plan(parse("tx.height>3 AND message.sender='x'"))
    assert [c.tag for c in p.conds] == ["message.sender"] and p.height_range.lower == 3
    assert p.height_ok(4) and not p.height_ok(3)
    p = plan(parse("x.y>=3 AND x.y>5"))  # '>' after '>=' keeps the inclusive flag (CometBFT merges so)
    assert p.conds[0].range == Range("x.y", lower=5, incl_lower=True)
    assert plan(parse("x.y > TIME 2020-01-01T00:00:00Z")).empty
    assert plan(parse("tx.height='x'")).empty
    assert plan(parse("tx.height=09")).conds[0].prefix == b"tx.height/09/9/"
    assert plan(parse("tx.height=1.9")).height_eq == 1
    assert plan(parse("tx.height=99999999999999999999999")).height_eq == INT64_MAX
    assert plan(parse("tx.height>=2.5 AND tx.height<7")).height_bounds() == (3, 6)
    assert plan(parse("tx.hash='AB' AND a.b=1")).hash == b"\xab"


def _events(*spec):
    return [pb.Event(type=t, attributes=[pb.EventAttribute(key=k, value=v, index=i) for k, v, i in attrs]) for t, attrs in spec]


def test_tx_keys_rebuild_what_the_indexer_wrote():
    ev = _events(
        ("message", [(b"sender", b"a", True), (b"module", b"bank", False)]), ("", [(b"x", b"y", True)]), ("t", [(b"", b"z", True), (b"k", b"v/w", True)])
    )
    assert tx_keys(9, 2, ev, True) == [
        (0, b"tx.height/9/9/2$es$0"),
        (1, b"message.sender/a/9/2$es$1"),
        (3, b"t.k/v/w/9/2$es$3"),
    ]
    assert tx_keys(9, 2, ev, False) == [(0, b"tx.height/9/9/2"), (0, b"message.sender/a/9/2"), (0, b"t.k/v/w/9/2")]


def test_tx_matches_groups_by_event_unless_the_keys_are_legacy():
    ev = _events(("message", [(b"sender", b"a", True)]), ("transfer", [(b"amount", b"5", True)]))
    split = plan(parse("message.sender='a' AND transfer.amount=5"))
    assert not tx_matches(split, 9, 0, ev, grouped=True)
    assert tx_matches(split, 9, 0, ev, grouped=False)  # pre-0.34.27 keys: per tx
    assert tx_matches(plan(parse("message.sender='a' AND tx.height=9")), 9, 0, ev, True)
    assert not tx_matches(plan(parse("message.sender='a' AND tx.height=8")), 9, 0, ev, True)
    assert tx_matches(plan(parse("transfer.amount>4 AND transfer.amount<=5")), 9, 0, ev, True)
    assert not tx_matches(plan(parse("tx.height EXISTS AND message.sender='a'")), 9, 0, ev, True)
    assert tx_matches(plan(parse("tx.height EXISTS AND message.sender='a'")), 9, 0, ev, False)


# ---------------------------------------------------------------- a bigger synthetic index: order and memory
def _index_tx(batch, height: int, index: int, seq: int, events) -> int:
    tx = f"synthetic {height}/{index}".encode()
    h = sha256(tx).digest()
    batch.put(h, pb.TxResult(height=height, index=index, tx=tx, result=pb.ExecTxResult(events=events)).SerializeToString())
    batch.put(b"tx.height/%d/%d/%d$es$0" % (height, height, index), h)
    for ev in events:
        seq += 1
        for a in ev.attributes:
            if a.index:
                batch.put(b"%s.%s/%s/%d/%d$es$%d" % (ev.type.encode(), a.key, a.value, height, index, seq), h)
    return seq


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """~13,000 txs over heights 1..12,000 (1-5 digits, some blocks with 3 txs), written as the indexer does."""
    import plyvel

    path = tmp_path_factory.mktemp("synthetic") / "tx_index.db"
    db = plyvel.DB(str(path), create_if_missing=True)
    seq = 0
    with db.write_batch() as batch:
        for height in list(range(1, 12_001)) + [100_000, 100_001]:
            for index in range(3 if height % 997 == 0 else 1):
                who = b"alice" if (height + index) % 2 else b"bob"
                seq = _index_tx(
                    batch,
                    height,
                    index,
                    seq,
                    _events(
                        ("message", [(b"sender", who, True), (b"action", b"send", True)]),
                        ("transfer", [(b"amount", b"%d" % (height * 10 + index), True), (b"sender", who, True)]),
                    ),
                )
    db.close()
    kv = LevelDB(path)
    yield kv
    kv.close()


def test_synthetic_order_across_digit_lengths(synthetic):
    index = TxIndex(synthetic)
    for q in ("tx.height<12 AND tx.height>=1", "tx.height>=994 AND tx.height<=1000", "tx.height>11990"):
        want = reference(synthetic, q)
        assert hexes(index.search(q, limit=100).txs) == want[:100], q
        assert hexes(index.search(q, "desc", limit=100).txs) == want[::-1][:100], q
    heights = [t.height for t in index.search("tx.height>11990", limit=100).txs]
    assert heights == sorted(heights) and heights[-2:] == [100_000, 100_001]
    assert [t.height for t in index.search("tx.height<4", "desc").txs] == [3, 2, 1]
    deep = index.search("message.sender='alice' AND message.action='send' AND tx.height>=5000", limit=5)
    assert [t.height for t in deep.txs] == [5001, 5003, 5005, 5007, 5009]  # alice sends at odd heights
    nxt = index.search("message.sender='alice' AND message.action='send' AND tx.height>=5000", after=deep.next_cursor, limit=3)
    assert [t.height for t in nxt.txs] == [5011, 5013, 5015]


def test_a_narrow_height_window_is_walked_instead_of_a_big_prefix(synthetic):
    index = TxIndex(synthetic)
    q = "message.action='send' AND tx.height>=4980 AND tx.height<=4990 AND message.sender='alice'"
    assert index._choose(plan(parse(q))) == "walk+verify"  # 13,000 'send' keys vs 13 txs in the window
    for desc in (False, True):
        want = reference(synthetic, q, desc)
        assert [h for p in walk(index, q, "desc" if desc else "asc", 2) for h in p] == want
    assert [t.height for t in index.search(q).txs] == [4981, 4983, 4985, 4985, 4987, 4989]  # 4985 holds 3 txs, 2 alice's
    assert index.count(q).count == 6
    wide = "message.action='send' AND transfer.sender='alice'"
    assert index._choose(plan(parse(wide))).tag in ("message.action", "transfer.sender")


@pytest.mark.parametrize(
    "query, order",
    [
        ("tx.height>0", "asc"),  # the height walk
        ("tx.height>0", "desc"),
        ("transfer.amount>5", "asc"),  # one condition: a driver scan, no decoding
        ("message.sender='alice' AND message.action='send'", "desc"),  # decoded candidates, bounded list
    ],
)
def test_memory_stays_bounded_by_the_page_not_the_matches(synthetic, query, order):
    index = TxIndex(synthetic)
    first_page = index.search(query, order, limit=5)
    tracemalloc.start()
    try:
        page = index.search(query, order, after=first_page.next_cursor, limit=5)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(page.txs) == 5 and page.next_cursor
    c = index.count(query, cap=3000)
    assert (c.count, c.exact) == (3000, False)  # thousands of matches behind that page
    assert peak < 150_000, peak  # measured ~15 KB


def test_the_literal_port_needs_megabytes_for_the_same_query(synthetic):
    """Scale for the bound above: materialising the hit set, as the node does, costs megabytes here."""
    tracemalloc.start()
    try:
        hits = reference(synthetic, "message.sender='alice'")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(hits) > 6_000 and peak > 1_000_000, peak


def test_a_search_that_rejects_every_candidate_keeps_only_its_reject_cache(synthetic):
    index = TxIndex(synthetic)
    q = "message.sender='alice' AND transfer.sender='alice'"  # both everywhere, never in one event
    tracemalloc.start()
    try:
        page = index.search(q, limit=5)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert page.txs == () and page.next_cursor is None
    assert reference(synthetic, q) == []
    assert peak < 2_000_000, peak  # ~REJECT_CACHE hashes, whatever the number of candidates


# ---------------------------------------------------------------- union (an account's history)
def _union_reference(oracle, queries, desc):
    """The node's own answers to each query, merged as search_any promises."""
    by_query = {(r["query"], r["order_by"]): r for r in oracle.tx_search}
    rows = {}
    for q in queries:
        rec = by_query[(q, "asc")]
        for h, height in zip(rec["hashes"], rec["heights"]):
            rows[h] = int(height)
    return [h for h, _ in sorted(rows.items(), key=lambda kv: (kv[1], bytes.fromhex(kv[0])), reverse=desc)]


def test_search_any_merges_the_nodes_answers_without_duplicates(txs, oracle):
    asc = {r["query"] for r in oracle.tx_search if r["order_by"] == "asc" and r["hashes"] and "tx.hash" not in r["query"]}
    hashes = {r["query"]: set(r["hashes"]) for r in oracle.tx_search if r["query"] in asc}
    # two queries whose answers overlap and differ: the union must de-duplicate and merge
    queries = next([a, b] for a in sorted(asc) for b in sorted(asc) if a < b and hashes[a] & hashes[b] and hashes[a] - hashes[b] and hashes[b] - hashes[a])
    for desc in (False, True):
        want = _union_reference(oracle, queries, desc)
        assert len(want) == len(hashes[queries[0]] | hashes[queries[1]])
        for limit in (1, 2, 3, 100):
            got, after = [], None
            while True:
                page = txs.search_any(queries, "desc" if desc else "asc", after=after, limit=limit)
                got += [t.hash.hex().upper() for t in page.txs]
                if page.next_cursor is None:
                    break
                after = page.next_cursor
            assert got == want, (limit, desc)


def test_search_any_cursors_belong_to_their_query_set(txs, oracle):
    qs = ["tx.height>1", "tx.height<3"]
    page = txs.search_any(qs, "asc", limit=1)
    assert page.next_cursor
    with pytest.raises(InvalidInput, match="different query"):
        txs.search_any(["tx.height>1"], "asc", after=page.next_cursor)
    assert txs.cursor_for_any(qs, "asc", page.txs[0]) == page.next_cursor
    with pytest.raises(InvalidInput):
        txs.search_any([], "asc")


def test_event_keys_are_every_indexed_composite_key(txs, oracle):
    want = {
        f"{e['type']}.{a['key']}"
        for rpc in oracle.txs.values()
        for e in rpc["tx_result"]["events"]
        for a in e["attributes"]
        if a.get("index") and e["type"] and a["key"]
    }
    assert set(txs.event_keys()) == want
    assert list(txs.event_keys()) == sorted(txs.event_keys())


def test_an_address_history_is_every_tx_whose_events_name_it(txs, oracle):
    """The node's /tx answers are the reference: a tx belongs to an address's history
    when one of its indexed attribute values is the address (or "address/…", like acc_seq)."""
    addresses = {a["address"] for a in oracle.workload["accounts"].values() if isinstance(a, dict) and a.get("address")}
    assert len(addresses) >= 4
    for addr in sorted(addresses):
        want = [
            (int(rpc["height"]), bytes.fromhex(h))
            for h, rpc in oracle.txs.items()
            if any(
                a.get("index") and (a.get("value") == addr or (a.get("value") or "").startswith(addr + "/"))
                for e in rpc["tx_result"]["events"]
                for a in e["attributes"]
            )
        ]
        want = [h.hex().upper() for _, h in sorted(want, reverse=True)]
        got, after = [], None
        while True:
            page = txs.search_any(txs.address_queries(addr), "desc", after=after, limit=4)
            got += [t.hash.hex().upper() for t in page.txs]
            if page.next_cursor is None:
                break
            after = page.next_cursor
        assert got == want, addr


def test_every_row_of_a_page_carries_the_cursor_that_resumes_after_it(txs, oracle):
    """search and search_any hand out each row's cursor (the query parsed once for the page):
    resuming from any row gives exactly the rows after it."""
    q = "tx.height > 0"
    for order in ("asc", "desc"):
        whole = txs.search(q, order, limit=100)
        page = txs.search(q, order, limit=5)
        assert len(page.cursors) == len(page.txs) == 5 and page.cursors[-1] == page.next_cursor
        for i, (tx, cur) in enumerate(zip(page.txs, page.cursors)):
            assert cur == txs.cursor_for(q, order, tx)
            rest = txs.search(q, order, after=cur, limit=100)
            assert [t.hash for t in rest.txs] == [t.hash for t in whole.txs[i + 1 :]][: len(rest.txs)]
        qs = ["tx.height > 0", "tx.height < 3"]
        anyp = txs.search_any(qs, order, limit=4)
        assert [c for c in anyp.cursors] == [txs.cursor_for_any(qs, order, t) for t in anyp.txs]


# ---------------------------------------------------------------- the inline height test of = and EXISTS scans
WINDOW_QUERIES = [
    "message.sender='alice'",
    "message.sender EXISTS",
    "message.sender='bob' AND tx.height<=9990",
    "message.sender='bob' AND tx.height>99.5 AND tx.height<1000.25",
    "message.sender='alice' AND tx.height=997",
    "transfer.sender='alice' AND tx.height>=11990",
    "message.sender='alice' AND tx.height>=5000 AND tx.height<=4000",
    "message.sender='alice' AND tx.height<=TIME 2026-01-01T00:00:00Z",
    "message.action EXISTS AND tx.height<5",
    # blocks of 3 txs (every 997th height): pages end inside a height, ties broken by hash
    "message.sender='alice' AND tx.height>=990 AND tx.height<=1000",
    "message.sender='bob' AND tx.height>=1990 AND tx.height<=2000",
    # windows wide enough to scan the prefix (narrow ones walk the height index), starting (asc)
    # or ending (desc) at a block of 3 txs that tie on height
    *(f"message.action EXISTS AND tx.height>={997 * k} AND tx.height<={997 * k + 2100}" for k in range(1, 6)),
    *(f"message.action EXISTS AND tx.height>={997 * k - 2100} AND tx.height<={997 * k}" for k in range(3, 8)),
]


@pytest.mark.parametrize("query", WINDOW_QUERIES)
def test_the_height_window_is_the_per_key_height_rule(query):
    p = plan(parse(query))
    window = p.height_window()
    for h in (-(2**63), -3, -2, -1, 0, 1, 2, 4, 5, 99, 100, 997, 998, 999, 1000, 1001, 3999, 4000, 4001, 5000, 9990, 9991, 11989, 11990, 100_001, INT64_MAX):
        assert (window is not None and window[0] <= h <= window[1]) == p.height_ok(h), (query, h)


@pytest.mark.parametrize("query", WINDOW_QUERIES)
def test_scans_tested_inline_page_as_the_literal_port(synthetic, query):
    index = TxIndex(synthetic)
    for desc in (False, True):
        order = "desc" if desc else "asc"
        want = reference(synthetic, query, desc)
        assert hexes(index.search(query, order, limit=100).txs) == want[:100], (query, order)
        for limit in (1, 2, 7):
            pages = []
            after = None
            while len(pages) < 5:  # the first pages (each page's end crosses the drop rule)
                page = index.search(query, order, after=after, limit=limit)
                pages.append(hexes(page.txs))
                after = page.next_cursor
                if after is None:
                    break
            got = [h for p in pages for h in p]
            assert got == want[: len(got)] and (after is not None or got == want), (query, order, limit)

"""tx_index.db: transactions by hash, and ``/tx_search`` with bounded memory.

Layout (formats.md §3): the raw 32-byte ``sha256(tx)`` maps to ``TxResult``;
``tx.height/{h}/{h}/{i}[$es$0]`` and ``{type}.{key}/{value}/{h}/{i}[$es${seq}]`` map
to that hash. Which txs a query matches is defined by CometBFT's kv indexer and
lives in ``storage.txmatch``; this module finds them page by page.

**Order.** The node sorts matches by height, then by hash bytes, not by tx index
(CometBFT 1.0 sorts its ``hash+seq`` map keys; the first sample chain's node returned
the three txs of one block as index 1, 2, 0). Pages follow that order; a cursor is
the (height, hash) of the last row.

**Search plan** — nothing proportional to the number of matches is ever held:

1. ``tx.hash = X`` is a primary-key get, as on the node.
2. A query on ``tx.height`` alone *walks* the height index in numeric height order.
   Keys sort as text (``10`` < ``9``), but heights with the same number of digits
   sort numerically and every d-digit height is below every (d+1)-digit one: so the
   walk takes one digit count after the other, stepping over keys of other lengths
   with one seek each, up to the top height (the block indexer's orderedcode keys
   give it in one seek). Each height's txs (one block) are ordered by hash, and the
   walk stops after ``limit + 1`` rows. Memory: one block plus the page.
3. Any other query picks a *driver*: the condition whose prefix holds the fewest
   keys (each counted up to ``PROBE_CAP``; a condition with none ends the search).
   The driver's prefix is scanned lazily, keeping only the best ``limit + 1``
   candidates after the cursor in a bounded sorted list; a candidate that cannot
   enter the list is dropped before any further work. When the query has more than
   one condition, a candidate is checked against all of them by rebuilding the keys
   the indexer wrote from the tx's own events (one get and decode per candidate that
   would enter the page): that is exact for the same-event rule, needs no condition's
   full hit set, and is never materialised. Memory: the page, plus an LRU of
   ``REJECT_CACHE`` rejected hashes.
4. If the query bounds the height to a window smaller than the driver's prefix, the
   window of the height index is walked instead, checking each tx the same way.

Time is what the node spends per request (a scan of the driver prefix) but per page;
walking all pages of a driver with N keys costs N × pages key reads. That is the
price of not keeping state between requests.

**Totals.** The node's ``total_count`` counts ``hash+seq`` entries, so it overcounts
(a tx with the sender in three events counts three times). ``count`` returns
distinct txs, up to a cap, at the cost of one full driver scan.
"""

from __future__ import annotations

import base64
import bisect
import itertools
import logging
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from hashlib import sha256
from typing import Any, Literal, NoReturn, overload

from cachetools import LRUCache

from .codec.cometbft import decode_exec_result, parse
from .errors import CorruptRecord, IndexDisabled, InvalidInput
from .keys import oc_string
from .kv import KV, first, prefix_end
from .models import TxResult
from .records import DECODED_PER_BYTE, RecordCache
from .proto import cometbft_pb2 as pb
from .query import Query
from .query import parse as parse_query
from .txmatch import SEP, TX_HASH, TX_HEIGHT, Cond, Plan, has_seq, is_tag_key, key_height, plan, tx_matches

log = logging.getLogger(__name__)

DB = "tx_index.db"
HASH_SIZE = 32
MAX_LIMIT = 100
DEFAULT_LIMIT = 30
#: keys counted per condition when choosing the driver
PROBE_CAP = 2048
#: rejected candidates remembered per search, so a tx seen under several keys is decoded once
REJECT_CACHE = 4096
HEIGHT_PREFIX = TX_HEIGHT.encode() + SEP
#: the block indexer's per-height keys: ``block_events`` + oc("block.height", int64 h) → zigzag varint(h)
BLOCK_HEIGHT_PREFIX = b"block_events" + oc_string("block.height")


@dataclass(frozen=True, slots=True)
class TxPage:
    txs: tuple[TxResult, ...]
    #: pass as ``after`` for the next page; None on the last page
    next_cursor: str | None
    #: each row's own cursor (resumes right after it), made with the query parsed once
    cursors: tuple[str, ...] = ()


def _page(q: Query | tuple[Query, ...], desc: bool, rows: list[TxResult], more: bool) -> TxPage:
    """A page with every row's cursor; the last one resumes after the page when there is more."""
    fp = _fingerprint(q)
    cursors = tuple(_encode_cursor(q, desc, _Pos(r.height, r.hash), fp) for r in rows)
    return TxPage(tuple(rows), cursors[-1] if more and cursors else None, cursors)


@dataclass(frozen=True, slots=True)
class TxCount:
    """Distinct matching txs; ``exact`` is False when counting stopped at the cap."""

    count: int
    exact: bool


@dataclass(frozen=True, slots=True)
class _Pos:
    height: int
    hash: bytes

    @property
    def key(self) -> tuple[int, bytes]:
        return (self.height, self.hash)


class TxIndex:
    """Reader over a node's tx_index.db (kv indexer).

    An empty database is what a node with ``indexer = "null"`` leaves behind: every
    call then raises ``IndexDisabled``.
    """

    def __init__(self, kv: KV, records: RecordCache | None = None, head: int = 0) -> None:
        self.kv = kv
        self.enabled = first(kv.iterate(include_value=False)) is not None
        #: decoded txs of heights below ``head`` (the block store's top), shared with later snapshots
        self._records = records if records is not None else RecordCache(0)
        self._head = head
        self._top: int | None = None
        self._event_keys: tuple[str, ...] | None = None

    # ------------------------------------------------------------ by hash
    def load_tx(self, hash: bytes) -> TxResult | None:
        """The tx with this sha256, or None if the index does not have it."""
        self._check()
        _check_hash(hash)
        return self.load_txs([hash])[0]

    def load_txs(self, hashes: Sequence[bytes]) -> list[TxResult | None]:
        """Many txs in one consistent read, in the order asked; unknown hashes are None.
        Txs of heights below the head come from the chain's record cache when decoded before."""
        self._check()
        for h in hashes:
            _check_hash(h)
        keys = [bytes(h) for h in hashes]
        got: dict[bytes, TxResult | None] = {h: tx for h in keys if (tx := self._records.get("tx", h)) is not None}
        missing = [h for h in keys if h not in got]
        for h, raw in zip(missing, self.kv.get_many(missing) if missing else ()):
            tx = decode_tx_result(h, raw)
            if tx is not None and raw is not None and tx.height < self._head:  # a tx was read: raw is bytes
                self._records.put("tx", h, tx, DECODED_PER_BYTE * len(raw))
            got[h] = tx
        return [got[h] for h in keys]

    # ------------------------------------------------------------ search
    def search(self, query: str | Query, order: str = "asc", after: str | None = None, limit: int = DEFAULT_LIMIT) -> TxPage:
        """One page of ``/tx_search`` matches in the node's order, after the ``after`` cursor.

        ``limit`` is capped at ``MAX_LIMIT``. Raises ``InvalidInput`` for a malformed
        query, order, limit or cursor (including a cursor made for another query or order).
        """
        self._check()
        q = parse_query(query) if isinstance(query, str) else query
        desc = _desc(order)
        limit = _limit(limit)
        pos = _decode_cursor(after, q, desc) if after is not None else None
        p = plan(q)
        rows = self._rows(p, desc, pos, limit + 1)
        more = len(rows) > limit
        return _page(q, desc, rows[:limit], more)

    def cursor_for(self, query: str | Query, order: str, tx: TxResult) -> str:
        """The cursor that resumes ``query`` right after ``tx`` (a cursor per row, for edges)."""
        self._check()
        q = parse_query(query) if isinstance(query, str) else query
        return _encode_cursor(q, _desc(order), _Pos(tx.height, tx.hash))

    def search_any(self, queries: Sequence[str | Query], order: str = "asc", after: str | None = None, limit: int = DEFAULT_LIMIT) -> TxPage:
        """One page of txs matching ANY of ``queries``, de-duplicated, in the node's order.

        Each query contributes at most ``limit + 1`` rows past the cursor, so memory is
        O(queries × page) however many txs match (an account's history is the union of
        the events that name it).
        """
        self._check()
        qs = self._queries(queries)
        desc = _desc(order)
        limit = _limit(limit)
        pos = _decode_cursor(after, qs, desc) if after is not None else None
        plans = [plan(q) for q in qs]
        # first the (height, hash) sort keys of every query's best rows, read from the index keys
        # alone; only the page's winners are then loaded and decoded (not limit+1 per query)
        keyed: dict[bytes, int] = {}
        for p in plans:
            ks = self._row_keys(p, desc, pos, limit + 1)
            if ks is None:
                break  # this query needs its txs: merge whole rows below
            for h, hs in ks:
                keyed.setdefault(hs, h)
        else:
            ranked = sorted(((h, hs) for hs, h in keyed.items()), reverse=desc)
            more = len(ranked) > limit
            rows = [t for t in self.load_txs([hs for _, hs in ranked[:limit]]) if t is not None]
            return _page(qs, desc, rows, more)
        merged: dict[bytes, TxResult] = {}
        for p in plans:
            for tx in self._rows(p, desc, pos, limit + 1):
                merged.setdefault(tx.hash, tx)
        rows = sorted(merged.values(), key=lambda t: (t.height, t.hash), reverse=desc)
        more = len(rows) > limit
        return _page(qs, desc, rows[:limit], more)

    def cursor_for_any(self, queries: Sequence[str | Query], order: str, tx: TxResult) -> str:
        """The ``search_any`` cursor that resumes right after ``tx``."""
        self._check()
        return _encode_cursor(self._queries(queries), _desc(order), _Pos(tx.height, tx.hash))

    def event_keys(self) -> tuple[str, ...]:
        """Every composite event key (``type.attr``) this index holds, in key order.

        Found by skipping from one key family to the next (one seek each), so the
        cost is O(distinct keys + stray binary keys skipped by prefix), not O(entries).
        Cached: a snapshot's index never changes.
        """
        if self._event_keys is None:
            self._check()
            out: list[str] = []
            start = b""
            while True:
                k = first(self.kv.iterate(start=start, include_value=False))
                if k is None:
                    break
                slash = k.find(SEP)
                tag = k[:slash] if slash > 0 else b""
                if tag and _TAG_BYTES.issuperset(tag) and b"." in tag and is_tag_key(k) and key_height(k) is not None:
                    if tag.decode("utf-8", "replace") not in (TX_HEIGHT, TX_HASH):
                        out.append(tag.decode("utf-8", "replace"))
                    start = tag + b"0"  # b"/" + 1: past every key of this family
                    continue
                # a primary key (raw hash), block_events, or anything else: skip the
                # whole family sharing its printable prefix
                i = 0
                while i < len(k) and k[i] in _TAG_BYTES:
                    i += 1
                nxt = prefix_end(k[: i + 1])
                if nxt is None:
                    break
                start = nxt
            self._event_keys = tuple(out)
        return self._event_keys

    def address_queries(self, address: str) -> tuple[str, ...]:
        """One ``key='address'`` query per event key: together they find every tx whose
        events name ``address`` (values like ``tx.acc_seq``'s "addr/seq" match too,
        since ``=`` scans the ``key/value/`` prefix as the node does)."""
        if "'" in address:
            raise InvalidInput("an address cannot contain a quote")
        return tuple(f"{k}='{address}'" for k in self.event_keys())

    @staticmethod
    def _queries(queries: Sequence[str | Query]) -> tuple[Query, ...]:
        qs = tuple(parse_query(q) if isinstance(q, str) else q for q in queries)
        if not qs:
            raise InvalidInput("give at least one query")
        return qs

    def count(self, query: str | Query, cap: int = 10_000) -> TxCount:
        """Distinct txs the query matches, counting at most ``cap`` (one driver scan)."""
        self._check()
        q = parse_query(query) if isinstance(query, str) else query
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
            raise InvalidInput("cap must be a positive integer")
        p = plan(q)
        if p.hash is not None:
            return TxCount(int(len(p.hash) == HASH_SIZE and self.kv.get(p.hash) is not None), True)
        if p.empty:
            return TxCount(0, True)
        strategy = self._choose(p)
        if strategy is None:
            return TxCount(0, True)
        n = 0
        if isinstance(strategy, Cond):
            matched: set[bytes] = set()
            rejected: LRUCache[bytes, None] = LRUCache(REJECT_CACHE)
            for key, value in self.kv.iterate(prefix=strategy.prefix):
                if value in matched or value in rejected or p.hit(strategy, key) is None:
                    continue
                if len(p.conds) == 1 or self._verify(p, key, value) is not None:
                    matched.add(value)
                    if len(matched) >= cap:
                        return TxCount(cap, False)
                else:
                    rejected[value] = None
            return TxCount(len(matched), True)
        rows = self._walk_verified(p, False, None) if strategy == "walk+verify" else self._walk_keys(p, False, None)
        for _ in rows:
            n += 1
            if n >= cap:
                return TxCount(cap, False)
        return TxCount(n, True)

    # ------------------------------------------------------------ planning
    def _rows(self, p: Plan, desc: bool, pos: _Pos | None, want: int) -> list[TxResult]:
        if p.hash is not None:
            tx = decode_tx_result(p.hash, self.kv.get(p.hash)) if len(p.hash) == HASH_SIZE else None
            if tx is None or (pos is not None and not _beyond((tx.height, tx.hash), pos, desc)):
                return []
            return [tx]
        if p.empty:
            return []
        strategy = self._choose(p)
        if strategy is None:
            return []
        if isinstance(strategy, Cond):
            return self._scan(p, strategy, desc, pos, want)
        if strategy == "walk+verify":
            return list(itertools.islice(self._walk_verified(p, desc, pos), want))
        hashes = list(itertools.islice(self._walk_keys(p, desc, pos), want))
        return [t for t in self.load_txs(hashes) if t is not None]  # one read for the page

    def _row_keys(self, p: Plan, desc: bool, pos: _Pos | None, want: int) -> list[tuple[int, bytes]] | None:
        """The best ``want`` (height, hash) of a one-condition query from its index keys alone;
        None when the plan needs the txs themselves (hash lookups, verification, height walks)."""
        if p.hash is not None:
            return None
        if p.empty:
            return []
        strategy = self._choose(p)
        if strategy is None:
            return []
        if isinstance(strategy, Cond) and len(p.conds) == 1:
            return self._scan(p, strategy, desc, pos, want, keys_only=True)
        return None

    def _choose(self, p: Plan) -> Cond | str | None:
        """The cheapest way in: "walk", "walk+verify", a driver ``Cond``, or None (no match)."""
        if p.height_only:
            return "walk"
        best: tuple[int, Cond] | None = None
        for c in p.conds:
            n = _count(self.kv.iterate(prefix=c.prefix, include_value=False), PROBE_CAP)
            if n == 0:
                return None  # a condition without a single key: the intersection is empty
            if best is None or n < best[0]:
                best = (n, c)
        if best is None:  # no condition at all: height_only said "walk" already
            return "walk"
        lo, hi = p.height_bounds()
        if best[0] >= PROBE_CAP and hi - lo < PROBE_CAP:
            window = _count(self._walk(p, False, None), PROBE_CAP)
            if window < best[0]:
                return "walk+verify"
        return best[1]

    # ------------------------------------------------------------ driver scan
    @overload
    def _scan(self, p: Plan, driver: Cond, desc: bool, pos: _Pos | None, want: int, keys_only: Literal[False] = False) -> list[TxResult]: ...

    @overload
    def _scan(self, p: Plan, driver: Cond, desc: bool, pos: _Pos | None, want: int, keys_only: Literal[True]) -> list[tuple[int, bytes]]: ...

    def _scan(self, p: Plan, driver: Cond, desc: bool, pos: _Pos | None, want: int, keys_only: bool = False) -> list[TxResult] | list[tuple[int, bytes]]:
        """The best ``want`` matches after ``pos`` from one lazy scan of the driver's prefix."""
        verify = len(p.conds) > 1
        best: list[tuple[int, bytes]] = []  # ascending; the worst is at the end (asc) or front (desc)
        found: dict[bytes, TxResult | None] = {}
        rejected: LRUCache[bytes, None] = LRUCache(REJECT_CACHE)
        for key, value in self.kv.iterate(prefix=driver.prefix):
            h = p.hit(driver, key)
            if h is None:
                continue
            sk = (h, _entry_hash(key, value))
            if pos is not None and not _beyond(sk, pos, desc):
                continue
            if len(best) >= want and not (sk > best[0] if desc else sk < best[-1]):
                continue
            if value in found or value in rejected:
                continue
            tx = None
            if verify:
                tx = self._verify(p, key, value)
                if tx is None:
                    rejected[value] = None
                    continue
            bisect.insort(best, sk)
            found[value] = tx
            if len(best) > want:
                gone = best.pop(0) if desc else best.pop()
                del found[gone[1]]
        if keys_only:
            return list(reversed(best)) if desc else best
        ordered = [h for _, h in (reversed(best) if desc else best)]
        if verify:  # verified rows were kept only with their tx
            return [tx for h in ordered if (tx := found[h]) is not None]
        return [t for t in self.load_txs(ordered) if t is not None]

    def _verify(self, p: Plan, key: bytes, hash: bytes) -> TxResult | None:
        """The tx behind an index key, if it matches every condition; None otherwise."""
        msg = self._msg(hash)
        if msg is None:
            return None
        if not tx_matches(p, msg.height, msg.index, msg.result.events, has_seq(key)):
            return None
        return _model(hash, msg)

    def _msg(self, hash: bytes) -> pb.TxResult | None:
        if len(hash) != HASH_SIZE:
            return None
        raw = self.kv.get(hash)
        if raw is None:
            log.warning("tx_index entry points at a missing tx %s", hash.hex())
            return None
        return _parse_tx(hash, raw)

    # ------------------------------------------------------------ height walk
    def _walk_keys(self, p: Plan, desc: bool, pos: _Pos | None) -> Iterator[bytes]:
        """Hashes of a height-only query's matches: every condition tested on the height key itself."""
        for _height, key, value in self._walk(p, desc, pos):
            if all(key.startswith(c.prefix) and p.hit(c, key) is not None for c in p.conds):
                yield _entry_hash(key, value)

    def _walk_verified(self, p: Plan, desc: bool, pos: _Pos | None) -> Iterator[TxResult]:
        """Txs in a height window that match every condition (each decoded and checked)."""
        for _height, key, value in self._walk(p, desc, pos):
            tx = self._verify(p, key, value)
            if tx is not None:
                yield tx

    def _walk(self, p: Plan, desc: bool, pos: _Pos | None) -> Iterator[tuple[int, bytes, bytes]]:
        """Height-index entries ``(height, key, hash)`` in numeric height order, hash order within a height.

        Every d-digit height is below every (d+1)-digit one, so digit counts are walked
        one after the other, from 1 up (asc) or from the top height's down (desc).
        """
        lo, hi = p.height_bounds()
        lo, hi = max(lo, 0), min(hi, self._top_height())
        if pos is not None:
            if desc:
                hi = min(hi, pos.height)
            else:
                lo = max(lo, pos.height)
        if lo > hi:
            return
        lengths = range(len(str(lo)), len(str(hi)) + 1)
        for d in reversed(lengths) if desc else lengths:
            for _height, rows in itertools.groupby(self._digit_stream(d, lo, hi, desc), key=lambda row: row[0]):
                for row in sorted(rows, key=lambda row: row[2], reverse=desc):  # one block's txs
                    if pos is None or _beyond((row[0], row[2]), pos, desc):
                        yield row

    def _top_height(self) -> int:
        """The highest height the index can hold, found once per (immutable) snapshot.

        The block indexer shares this database and keys every height by orderedcode,
        which sorts numerically: its last ``block.height`` key is the top (+1 for a tx
        index one block ahead of it). Without a block index (Tendermint < 0.34.9) the
        height index is scanned once.
        """
        if self._top is None:
            last = first(self.kv.iterate(prefix=BLOCK_HEIGHT_PREFIX, reverse=True))
            top = _zigzag_varint(last[1]) if last is not None else None
            if top is None:
                top = 0
                for key in self.kv.iterate(prefix=HEIGHT_PREFIX, include_value=False):
                    h = key_height(key)
                    top = max(top, h if h is not None else 0)
            self._top = top + 1
        return self._top

    def _digit_stream(self, d: int, lo: int, hi: int, desc: bool) -> Iterator[tuple[int, bytes, bytes]]:
        """Height-index keys whose height has ``d`` digits, within [lo, hi], in height order.

        Equal-length decimal strings sort numerically; keys of other lengths that sort
        in between are stepped over with one seek each.
        """
        a, b = max(lo, 10 ** (d - 1) if d > 1 else 0), min(hi, 10**d - 1)
        if a > b:
            return
        P = HEIGHT_PREFIX
        start, stop = P + str(a).encode() + SEP, P + str(b).encode() + b"0"
        while start < stop:
            it = self.kv.iterate(start=start, stop=stop, reverse=desc)
            jumped = False
            try:
                for key, value in it:
                    end = key.find(SEP, len(P))
                    seg = key[len(P) : end] if end >= 0 else None
                    if seg is not None and len(seg) == d and seg.isdigit() and (d == 1 or seg[:1] != b"0"):
                        yield int(seg), key, value
                        continue
                    jumped = True
                    if not seg or not seg.isdigit() or seg[:1] == b"0":
                        # not a height key the indexer writes: step over it
                        if desc:
                            stop = key
                        else:
                            start = key + b"\x00"
                    elif len(seg) > d:  # a longer height: skip every extension of its first d digits
                        if desc:
                            stop = P + seg[:d] + b"0"
                        else:
                            start = P + seg[:d] + b":"
                    else:  # a shorter height: skip to its first d-digit extension (or below its keys)
                        if desc:
                            stop = P + seg + SEP
                        else:
                            start = P + seg + b"0" * (d - len(seg))
                    break
            finally:
                it.close()
            if not jumped:
                return

    # ------------------------------------------------------------ helpers
    def _check(self) -> None:
        if not self.enabled:
            raise IndexDisabled('this node keeps no transaction index (tx_index.db is empty: indexer = "null")')


class NullTxIndex:
    """Stands in for a node without tx_index.db: every question is ``IndexDisabled``."""

    enabled = False

    def _disabled(self, *args: object, **kwargs: object) -> NoReturn:
        raise IndexDisabled('this node keeps no transaction index (no tx_index.db: indexer = "null")')

    load_tx = load_txs = search = search_any = cursor_for = cursor_for_any = count = address_queries = _disabled


# ---------------------------------------------------------------- records
def _check_hash(hash: bytes) -> None:
    if not isinstance(hash, (bytes, bytearray, memoryview)) or len(hash) != HASH_SIZE:
        raise InvalidInput(f"a tx hash is {HASH_SIZE} bytes (sha256 of the tx)")


def _parse_tx(hash: bytes, data: bytes) -> pb.TxResult:
    """Parse and check: the stored tx must hash to its key, or the record is someone else's."""
    msg = parse(pb.TxResult, data, DB, hash)
    if sha256(msg.tx).digest() != hash:
        raise CorruptRecord(DB, hash, "the stored tx does not hash to its key")
    return msg


def _model(hash: bytes, msg: pb.TxResult) -> TxResult:
    return TxResult(hash=bytes(hash), height=msg.height, index=msg.index, tx=msg.tx, result=decode_exec_result(msg.result))


def decode_tx_result(hash: bytes, data: bytes | None) -> TxResult | None:
    """``TxResult`` bytes stored under ``hash`` → model; None if absent."""
    if data is None:
        return None
    return _model(hash, _parse_tx(hash, data))


# ---------------------------------------------------------------- cursors
_CURSOR = struct.Struct(">2sc4sq")  # version, order, query fingerprint, height; then the hash


def _fingerprint(q: Query | tuple[Query, ...]) -> bytes:
    text = " OR ".join(str(x) for x in q) if isinstance(q, tuple) else str(q)
    return sha256(text.encode("utf-8")).digest()[:4]


def _encode_cursor(q: Query | tuple[Query, ...], desc: bool, pos: _Pos, fingerprint: bytes | None = None) -> str:
    fp = fingerprint if fingerprint is not None else _fingerprint(q)
    raw = _CURSOR.pack(b"c1", b"d" if desc else b"a", fp, pos.height) + pos.hash
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode_cursor(cursor: str, q: Query | tuple[Query, ...], desc: bool) -> _Pos:
    if not isinstance(cursor, str) or not cursor or len(cursor) > 200:
        raise InvalidInput("malformed cursor")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (ValueError, TypeError):
        raise InvalidInput("malformed cursor") from None
    if len(raw) != _CURSOR.size + HASH_SIZE or raw[:2] != b"c1":
        raise InvalidInput("malformed cursor")
    _, order, fp, height = _CURSOR.unpack(raw[: _CURSOR.size])
    if order not in (b"a", b"d"):
        raise InvalidInput("malformed cursor")
    if (order == b"d") != desc:
        raise InvalidInput(f"this cursor pages the {'desc' if order == b'd' else 'asc'} order; ask with that order")
    if fp != _fingerprint(q):
        raise InvalidInput("this cursor belongs to a different query")
    return _Pos(height, raw[_CURSOR.size :])


#: bytes an event type or attribute key is made of in practice (printable ASCII but "/")
_TAG_BYTES = frozenset(range(0x21, 0x7F)) - {ord("/")}


def _limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidInput("limit must be a positive integer")
    return min(limit, MAX_LIMIT)


def _desc(order: str) -> bool:
    if order not in ("asc", "desc"):
        raise InvalidInput('order must be "asc" or "desc"')
    return order == "desc"


def _beyond(sk: tuple[int, bytes], pos: _Pos, desc: bool) -> bool:
    return sk < pos.key if desc else sk > pos.key


def _count(it: Iterator[Any], cap: int) -> int:
    n = 0
    for _ in it:
        n += 1
        if n >= cap:
            break
    close = getattr(it, "close", None)
    if close is not None:
        close()
    return n


def _entry_hash(key: bytes, value: bytes) -> bytes:
    """An index entry's value is the tx hash; anything else is a damaged entry."""
    if len(value) != HASH_SIZE:
        raise CorruptRecord(DB, key, f"an index entry holds {len(value)} bytes, not a {HASH_SIZE}-byte tx hash")
    return value


def _zigzag_varint(raw: bytes) -> int | None:
    """Go ``binary.Varint``; None unless ``raw`` is exactly one non-negative varint."""
    x = shift = 0
    for i, b in enumerate(raw):
        x |= (b & 0x7F) << shift
        if not b & 0x80:
            if i != len(raw) - 1:
                return None
            v = (x >> 1) ^ -(x & 1)
            return v if v >= 0 else None
        shift += 7
        if shift > 63:
            return None
    return None

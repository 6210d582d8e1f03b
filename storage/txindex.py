"""tx_index.db: transactions by hash, and ``/tx_search`` with bounded memory.

Layout (formats.md §3): the raw 32-byte ``sha256(tx)`` maps to ``TxResult``;
``tx.height/{h}/{h}/{i}[$es$0]`` and ``{type}.{key}/{value}/{h}/{i}[$es${seq}]`` map
to that hash. Which txs a query matches is defined by CometBFT's kv indexer and
lives in ``storage.txmatch``; this module finds them page by page (the reader's API here,
the scans and walks that run a plan in ``storage.txscan``, pages and cursors in
``storage.txcursor``, the stored records in ``storage.txrecords``).

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

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn

from cachetools import LRUCache

from .errors import IndexDisabled, InvalidInput
from .kv import KV, first, prefix_end
from .models import TxResult
from .query import Query
from .query import parse as parse_query
from .records import DECODED_PER_BYTE, RecordCache
from .txcursor import DEFAULT_LIMIT, Pos, TxPage, check_limit, decode_cursor, encode_cursor, is_desc, make_page
from .txmatch import SEP, TX_HASH, TX_HEIGHT, Cond, is_tag_key, key_height, plan
from .txrecords import HASH_SIZE, check_hash, decode_tx_result
from .txscan import REJECT_CACHE, PlanScan

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TxCount:
    """Distinct matching txs; ``exact`` is False when counting stopped at the cap."""

    count: int
    exact: bool


class TxIndex(PlanScan):
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
        check_hash(hash)
        return self.load_txs([hash])[0]

    def load_txs(self, hashes: Sequence[bytes]) -> list[TxResult | None]:
        """Many txs in one consistent read, in the order asked; unknown hashes are None.
        Txs of heights below the head come from the chain's record cache when decoded before."""
        self._check()
        for h in hashes:
            check_hash(h)
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
        desc = is_desc(order)
        limit = check_limit(limit)
        pos = decode_cursor(after, q, desc) if after is not None else None
        p = plan(q)
        rows = self._rows(p, desc, pos, limit + 1)
        more = len(rows) > limit
        return make_page(q, desc, rows[:limit], more)

    def cursor_for(self, query: str | Query, order: str, tx: TxResult) -> str:
        """The cursor that resumes ``query`` right after ``tx`` (a cursor per row, for edges)."""
        self._check()
        q = parse_query(query) if isinstance(query, str) else query
        return encode_cursor(q, is_desc(order), Pos(tx.height, tx.hash))

    def search_any(self, queries: Sequence[str | Query], order: str = "asc", after: str | None = None, limit: int = DEFAULT_LIMIT) -> TxPage:
        """One page of txs matching ANY of ``queries``, de-duplicated, in the node's order.

        Each query contributes at most ``limit + 1`` rows past the cursor, so memory is
        O(queries × page) however many txs match (an account's history is the union of
        the events that name it).
        """
        self._check()
        qs = self._queries(queries)
        desc = is_desc(order)
        limit = check_limit(limit)
        pos = decode_cursor(after, qs, desc) if after is not None else None
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
            return make_page(qs, desc, rows, more)
        merged: dict[bytes, TxResult] = {}
        for p in plans:
            for tx in self._rows(p, desc, pos, limit + 1):
                merged.setdefault(tx.hash, tx)
        rows = sorted(merged.values(), key=lambda t: (t.height, t.hash), reverse=desc)
        more = len(rows) > limit
        return make_page(qs, desc, rows[:limit], more)

    def cursor_for_any(self, queries: Sequence[str | Query], order: str, tx: TxResult) -> str:
        """The ``search_any`` cursor that resumes right after ``tx``."""
        self._check()
        return encode_cursor(self._queries(queries), is_desc(order), Pos(tx.height, tx.hash))

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


#: bytes an event type or attribute key is made of in practice (printable ASCII but "/")
_TAG_BYTES = frozenset(range(0x21, 0x7F)) - {ord("/")}

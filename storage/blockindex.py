"""``/block_search`` over tx_index.db's ``block_events`` keys, page by page in bounded memory.

Which heights a query matches is CometBFT's block indexer's rule (``storage.blockmatch``);
the node finds them all, sorts them, then cuts its page. Here nothing proportional to the
matches is held:

1. a lone ``block.height = N`` is one primary-key get;
2. a query of ``block.height`` ranges only walks the primary keys, which orderedcode keeps in
   numeric order, from the cursor on;
3. any other query picks the cheaper way in: the *driver* (the condition whose prefix holds
   the fewest keys, counted up to ``PROBE_CAP``), scanned lazily while only the best
   ``limit + 1`` heights after the cursor are kept; or, when the height filter leaves a
   window smaller than that, the window's heights one by one, in order, stopping at
   ``limit + 1``. A candidate height is checked against every condition (same-event rule)
   with the height's own FinalizeBlock events from state.db, rebuilt into the keys the
   indexer wrote; without stored events, with the index keys themselves.

Heights are returned as the node returns them: every match whose primary key exists, asc or
desc; a cursor is (order, query fingerprint, height) and is refused for another query or order.
"""

from __future__ import annotations

import bisect
import struct
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from cachetools import LRUCache

from . import cursor as outer
from .blockmatch import BLOCK_EVENTS, PRIMARY_PREFIX, BCond, BlockPlan, block_plan, event_groups, parse_event_key, primary_height, primary_key
from .errors import DatabaseBroken, DatabaseUnavailable, IndexDisabled, InvalidInput, Pruned
from .keys import oc_int64
from .kv import KV, first
from .query import Query
from .query import parse as parse_query
from .txindex import TxIndex
from .txcursor import DEFAULT_LIMIT, check_limit, is_desc, query_fingerprint
from .txscan import PROBE_CAP, REJECT_CACHE, _count

if TYPE_CHECKING:
    from .chain import Readers

#: one height's FinalizeBlock events (or begin- then end-block events), None when not stored
EventsAt = Callable[[int], Sequence[object] | None]
_CURSOR = struct.Struct(">2sc4sq")  # version, order, query fingerprint, height


@dataclass(frozen=True, slots=True)
class BlockPage:
    heights: tuple[int, ...]
    #: each height's own cursor (resumes right after it)
    cursors: tuple[str, ...]
    #: whether more heights match after the page
    more: bool


class BlockIndex:
    """Reader of the block indexer's keys in a snapshot's tx_index.db."""

    def __init__(self, kv: KV | None, events_at: EventsAt) -> None:
        self.kv = kv
        self._events_at = events_at
        self.enabled = kv is not None and first(kv.iterate(prefix=PRIMARY_PREFIX, include_value=False)) is not None
        self._grouped: bool | None = None

    def search(self, query: str | Query, order: str = "desc", after: str | None = None, limit: int = DEFAULT_LIMIT) -> BlockPage:
        """One page of ``/block_search`` heights in ``order`` (the node's default is desc) after ``after``."""
        q = parse_query(query) if isinstance(query, str) else query
        desc = is_desc(order)
        limit = check_limit(limit)
        if not self.enabled:
            raise IndexDisabled('this node keeps no block index (no block_events in tx_index.db: indexer = "null")')
        fp = query_fingerprint(q)
        pos = _decode_cursor(after, fp, desc) if after is not None else None
        rows = list(self._heights(block_plan(q), desc, pos, limit + 1))
        more = len(rows) > limit
        rows = rows[:limit]
        return BlockPage(tuple(rows), tuple(_encode_cursor(fp, desc, h) for h in rows), more)

    def has(self, height: int) -> bool:
        """Whether the indexer indexed this height (its primary key exists)."""
        return self.kv is not None and 0 <= height < 2**63 and self.kv.get(primary_key(height)) is not None

    # ------------------------------------------------------------ strategies
    def _heights(self, p: BlockPlan, desc: bool, pos: int | None, want: int) -> Iterator[int]:
        if p.only_height is not None:
            h = p.only_height
            if self.has(h) and _beyond(h, pos, desc):
                yield h
            return
        if p.empty:
            return
        if p.primary is not None:
            lo, hi = p.primary.int_bounds()
            yield from _take((h for h in self._primary(lo, hi, desc, pos) if p.primary.check(Fraction(h))), want)
            return
        sizes = []
        for c in p.conds:
            n = _count(self._keys(c.prefix), PROBE_CAP)
            if n == 0:
                return  # a condition without a single key: the intersection is empty
            sizes.append((n, c))
        n, driver = min(sizes, key=lambda x: x[0])
        lo, hi = p.height_bounds()
        if n >= PROBE_CAP and hi - lo < PROBE_CAP:
            yield from _take((h for h in self._primary(lo, hi, desc, pos) if self._verify(p, h, None)), want)
            return
        yield from self._scan(p, driver, desc, pos, want)

    def _scan(self, p: BlockPlan, driver: BCond, desc: bool, pos: int | None, want: int) -> list[int]:
        """The best ``want`` matching heights after ``pos`` from one lazy scan of the driver's keys."""
        best: list[int] = []  # ascending
        rejected: LRUCache[int, None] = LRUCache(REJECT_CACHE)
        for key in self._keys(driver.prefix):
            ek = parse_event_key(key)
            if ek is None or not driver.hit(ek.tag, ek.value) or not p.height_ok(ek.height):
                continue
            h = ek.height
            if not _beyond(h, pos, desc) or h in rejected:
                continue
            if len(best) >= want and not (h > best[0] if desc else h < best[-1]):
                continue
            i = bisect.bisect_left(best, h)
            if i < len(best) and best[i] == h:
                continue
            if not (self.has(h) and (len(p.conds) == 1 or self._verify(p, h, ek.grouped, ek.tag, ek.value))):
                rejected[h] = None
                continue
            best.insert(i, h)
            if len(best) > want:
                best.pop(0) if desc else best.pop()
        return list(reversed(best)) if desc else best

    def _verify(self, p: BlockPlan, h: int, grouped: bool | None, tag: bytes = b"", value: bytes = b"") -> bool:
        """Does height ``h`` match every condition within one event? From its stored events when
        they hold the attribute that nominated it (``tag``/``value``), else from the index keys."""
        if grouped is None:  # a height of the primary keys (a window walk): no key nominated it
            grouped = self._index_grouped()
        events = self._events(h)
        if events is not None:
            groups = event_groups(events, grouped)
            if not tag or any((tag, value) in g for g in groups):
                return p.matches(h, groups)
        return self._verify_from_keys(p, h)

    def _verify_from_keys(self, p: BlockPlan, h: int) -> bool:
        """The same-event rule on the index keys alone: an exact prefix per ``=`` condition, a
        scan of the whole tag for the others (slow, but only without stored events)."""
        if not p.height_ok(h):
            return False
        alive: set[int] | None = None
        for c in p.conds:
            prefix = c.prefix + oc_int64(h) if c.kind == "eq" else c.prefix
            seqs = set()
            for key in self._keys(prefix):
                ek = parse_event_key(key)
                if ek is not None and ek.height == h and c.hit(ek.tag, ek.value):
                    seqs.add(ek.seq)
            alive = seqs if alive is None else alive & seqs
            if not alive:
                return False
        return bool(alive)

    def _events(self, h: int) -> Sequence[object] | None:
        try:
            return self._events_at(h)
        except (Pruned, DatabaseBroken, DatabaseUnavailable):  # results not kept, or no state.db: the keys still answer
            return None

    def _index_grouped(self) -> bool:
        """Whether this index's event keys carry a seq (read once from its first event key)."""
        if self._grouped is None:
            self._grouped = True
            for key in self._keys(BLOCK_EVENTS):
                if key.startswith(PRIMARY_PREFIX):
                    continue
                ek = parse_event_key(key)
                if ek is not None:
                    self._grouped = ek.grouped
                    break
        return self._grouped

    # ------------------------------------------------------------ key access
    def _keys(self, prefix: bytes) -> Iterator[bytes]:
        if self.kv is None:
            return iter(())
        return self.kv.iterate(prefix=prefix, include_value=False)

    def _primary(self, lo: int, hi: int, desc: bool, pos: int | None) -> Iterator[int]:
        """Indexed heights in [lo, hi] after ``pos``, in order, from the primary keys."""
        if self.kv is None:
            return
        lo, hi = max(lo, 0), min(hi, 2**63 - 2)
        if pos is not None:
            lo, hi = (lo, min(hi, pos - 1)) if desc else (max(lo, pos + 1), hi)
        if lo > hi:
            return
        # start just below lo's key, never at it: plyvel 1.5 yields nothing for a reverse range
        # whose only key is its start key (orderedcode int64s are prefix-free, so nothing sorts between)
        start = primary_key(lo - 1) + b"\x00"
        for key in self.kv.iterate(start=start, stop=primary_key(hi + 1), reverse=desc, include_value=False):
            h = primary_height(key)
            if h is not None:
                yield h


def _take(it: Iterator[int], n: int) -> Iterator[int]:
    for i, h in enumerate(it):
        if i >= n:
            return
        yield h


def _beyond(h: int, pos: int | None, desc: bool) -> bool:
    return pos is None or (h < pos if desc else h > pos)


def _encode_cursor(fp: bytes, desc: bool, height: int) -> str:
    return outer.pack(_CURSOR.pack(b"b1", b"d" if desc else b"a", fp, height))


def _decode_cursor(cursor: str, fp: bytes, desc: bool) -> int:
    if not isinstance(cursor, str) or not cursor or len(cursor) > 100:
        raise InvalidInput("malformed cursor")
    try:
        raw = outer.unpack(cursor)
    except outer.MalformedCursor:
        raise InvalidInput("malformed cursor") from None
    if len(raw) != _CURSOR.size or raw[:2] != b"b1":
        raise InvalidInput("malformed cursor: not a blockSearch cursor")
    _, order, got_fp, height = _CURSOR.unpack(raw)
    if order not in (b"a", b"d"):
        raise InvalidInput("malformed cursor")
    if (order == b"d") != desc:
        raise InvalidInput(f"this cursor pages the {'desc' if order == b'd' else 'asc'} order; ask with that order")
    if got_fp != fp:
        raise InvalidInput("this cursor belongs to a different query")
    return int(height)


def block_index(readers: Readers) -> BlockIndex:
    """The snapshot's block index, built once per snapshot (its keys never change)."""
    found = readers.memo.get("block_index")
    if isinstance(found, BlockIndex):
        return found
    txs, state = readers.txs, readers.state
    kv: KV | None = None
    if isinstance(txs, TxIndex):
        kv = txs.kv
    elif isinstance(getattr(txs, "reason", None), str):  # tx_index.db would not open
        raise DatabaseBroken(f"tx_index.db cannot be read: {getattr(txs, 'reason')}")

    def events_at(h: int) -> Sequence[object] | None:
        res = state.load_block_results(h)
        if res is None:
            return None
        return res.finalize_block_events if res.layout == "finalize_block" else res.begin_block_events + res.end_block_events

    idx = BlockIndex(kv, events_at)
    readers.memo["block_index"] = idx
    return idx

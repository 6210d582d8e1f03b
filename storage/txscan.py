"""How a planned tx query runs over tx_index.db: a lazy scan of the cheapest condition's prefix
(the *driver*), or a walk of the height index in numeric order (see ``storage.txindex``'s
search plan). Kept apart from the reader's API: this is where every key is read.
"""

from __future__ import annotations

import bisect
import itertools
import logging
from collections.abc import Iterator, Sequence
from typing import Any, Literal, overload

from cachetools import LRUCache

from .keys import oc_string
from .kv import KV, first
from .models import TxResult
from .proto import cometbft_pb2 as pb
from .txcursor import Pos, beyond
from .txmatch import SEP, TX_HEIGHT, Cond, Plan, has_seq, key_height, parse_int64, tx_matches
from .txrecords import HASH_SIZE, decode_tx_result, entry_hash, parse_tx, tx_model

log = logging.getLogger(__name__)

#: keys counted per condition when choosing the driver
PROBE_CAP = 2048
#: rejected candidates remembered per search, so a tx seen under several keys is decoded once
REJECT_CACHE = 4096
HEIGHT_PREFIX = TX_HEIGHT.encode() + SEP
#: the block indexer's per-height keys: ``block_events`` + oc("block.height", int64 h) → zigzag varint(h)
BLOCK_HEIGHT_PREFIX = b"block_events" + oc_string("block.height")


class PlanScan:
    """The plan-running half of ``TxIndex``: the reader supplies ``kv`` and ``load_txs``."""

    kv: KV
    _top: int | None

    def load_txs(self, hashes: Sequence[bytes]) -> list[TxResult | None]:
        raise NotImplementedError

    # ------------------------------------------------------------ planning
    def _rows(self, p: Plan, desc: bool, pos: Pos | None, want: int) -> list[TxResult]:
        if p.hash is not None:
            tx = decode_tx_result(p.hash, self.kv.get(p.hash)) if len(p.hash) == HASH_SIZE else None
            if tx is None or (pos is not None and not beyond((tx.height, tx.hash), pos, desc)):
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

    def _row_keys(self, p: Plan, desc: bool, pos: Pos | None, want: int) -> list[tuple[int, bytes]] | None:
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
    def _scan(self, p: Plan, driver: Cond, desc: bool, pos: Pos | None, want: int, keys_only: Literal[False] = False) -> list[TxResult]: ...

    @overload
    def _scan(self, p: Plan, driver: Cond, desc: bool, pos: Pos | None, want: int, keys_only: Literal[True]) -> list[tuple[int, bytes]]: ...

    def _scan(self, p: Plan, driver: Cond, desc: bool, pos: Pos | None, want: int, keys_only: bool = False) -> list[TxResult] | list[tuple[int, bytes]]:
        """The best ``want`` matches after ``pos`` from one lazy scan of the driver's prefix."""
        verify = len(p.conds) > 1
        best: list[tuple[int, bytes]] = []  # ascending; the worst is at the end (asc) or front (desc)
        found: dict[bytes, TxResult | None] = {}
        rejected: LRUCache[bytes, None] = LRUCache(REJECT_CACHE)
        # "=" and EXISTS hit every key whose height passes: tested inline, and a key whose height
        # cannot enter a full page is dropped before its entry is read (an account's history
        # scans every key of each event naming it: thousands a page on a busy account)
        window = p.height_window() if driver.kind in ("eq", "exists") else None
        plain = window is not None
        lo, hi = window or (0, 0)
        if pos is not None and plain:
            if desc:
                hi = min(hi, pos.height)
            else:
                lo = max(lo, pos.height)
        # newest first walks the prefix backwards: its longest (highest) heights come first and
        # fill the page early, so most later keys are dropped by height alone (the order of a
        # scan never changes its answer: it keeps the best ``want`` of every key)
        for key, value in self.kv.iterate(prefix=driver.prefix, reverse=desc):
            if plain:
                end = key.rfind(SEP)
                start = key.rfind(SEP, 0, end - 1) if end >= 1 else -1
                if start < 0:
                    continue
                seg = key[start + 1 : end]
                h = int(seg) if seg.isdigit() and len(seg) < 19 else parse_int64(seg)
                if h is None or h < lo or h > hi:
                    continue
                if len(best) >= want and (h < best[0][0] if desc else h > best[-1][0]) and len(value) == HASH_SIZE:
                    continue  # below (above) every row of a full page: cannot enter it (a damaged entry still raises)
            else:
                h = p.hit(driver, key)
                if h is None:
                    continue
            sk = (h, entry_hash(key, value))
            if pos is not None and not beyond(sk, pos, desc):
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
        return tx_model(hash, msg)

    def _msg(self, hash: bytes) -> pb.TxResult | None:
        if len(hash) != HASH_SIZE:
            return None
        raw = self.kv.get(hash)
        if raw is None:
            log.warning("tx_index entry points at a missing tx %s", hash.hex())
            return None
        return parse_tx(hash, raw)

    # ------------------------------------------------------------ height walk
    def _walk_keys(self, p: Plan, desc: bool, pos: Pos | None) -> Iterator[bytes]:
        """Hashes of a height-only query's matches: every condition tested on the height key itself."""
        for _height, key, value in self._walk(p, desc, pos):
            if all(key.startswith(c.prefix) and p.hit(c, key) is not None for c in p.conds):
                yield entry_hash(key, value)

    def _walk_verified(self, p: Plan, desc: bool, pos: Pos | None) -> Iterator[TxResult]:
        """Txs in a height window that match every condition (each decoded and checked)."""
        for _height, key, value in self._walk(p, desc, pos):
            tx = self._verify(p, key, value)
            if tx is not None:
                yield tx

    def _walk(self, p: Plan, desc: bool, pos: Pos | None) -> Iterator[tuple[int, bytes, bytes]]:
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
                    if pos is None or beyond((row[0], row[2]), pos, desc):
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

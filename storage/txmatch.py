"""CometBFT's kv tx-indexer rules, as pure functions over index keys and tx results.

``Plan`` is what CometBFT 1.0's ``state/txindex/kv`` ``Search`` makes of a parsed
query, rule for rule, because ``/tx_search`` answers are defined by these rules
and not by the query's plain meaning:

- the first ``tx.hash`` condition decides alone (a primary-key get; other conditions
  are ignored);
- the first ``tx.height = N`` (with a numeric operand) narrows every ``=`` scan to
  ``tag/value/N/`` and filters the other conditions' keys to height N; it is dropped
  when any other ``tx.height`` condition (a range, EXISTS, CONTAINS) is present, and
  later ``tx.height =`` conditions are always dropped;
- ``< <= > >=`` conditions are merged per tag into one range; a ``tx.height`` range
  is only a per-key height filter unless the query has nothing but ``tx.height``
  conditions; bounds that are TIME/DATE match nothing;
- ``=`` matches every key under ``tag/value/`` (so a value ``v`` also matches stored
  values ``v/…``); EXISTS every key under ``tag/``; CONTAINS the substring in the
  value (trimmed of spaces); ranges compare the value read as a big int or a 125-bit
  float, exactly;
- a hit is ``hash + seq`` (``seq`` from the key's ``$es$N`` suffix, ``0`` without
  one, and always ``0`` for ``tx.height`` keys); the conditions intersect on
  ``hash + seq``, so they must hold within one event — or, for keys written before
  CometBFT 0.34.27 (no suffix), anywhere in the tx.

Values may contain ``/``: height and index are parsed from the right.
``tx_matches`` applies a plan to one tx by rebuilding the keys the indexer wrote for
it from its own events (attributes with ``index=true``, non-empty type and key), with
each event as its own ``seq`` group; that is how the searcher checks a candidate
without materialising any condition's full hit set.
"""

from __future__ import annotations

import binascii
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .errors import InvalidInput
from .gonumber import go_number
from .query import ORDER_OPERATORS, Condition, Operand, Query
from .txkeys import ES, INT64_MAX, INT64_MIN, SEP, go_trim_space, has_seq, is_tag_key, key_height, key_seq, key_value, parse_int64

#: the key helpers of storage.txkeys, re-exported: the rules and their callers use them together
__all__ = ["ES", "INT64_MAX", "INT64_MIN", "SEP", "go_trim_space", "has_seq", "is_tag_key", "key_height", "key_seq", "key_value", "parse_int64"]

TX_HASH = "tx.hash"
TX_HEIGHT = "tx.height"
BLOCK_HEIGHT = "block.height"
_TIME = "time"  # a TIME/DATE bound: CometBFT's range code cannot compare it and matches nothing
#: a range bound: a number (``Fraction``, or ±inf as float) or ``_TIME`` (the only str)
Bound = Fraction | float | str


# ---------------------------------------------------------------- ranges
@dataclass(slots=True)
class Range:
    """One tag's merged bounds: ``Fraction``/±inf numbers, or ``"time"`` (never comparable)."""

    tag: str
    lower: Bound | None = None
    upper: Bound | None = None
    incl_lower: bool = False
    incl_upper: bool = False

    def numeric(self) -> bool:
        """``AnyBound()`` is a number: otherwise the range scan matches nothing."""
        bound = self.lower if self.lower is not None else self.upper
        return bound is not None and bound != _TIME

    def check(self, v: Fraction | float) -> bool:
        """``CheckBounds``: exact comparisons; a TIME/DATE bound is a type error, i.e. no match."""
        if self.lower is not None:  # a str bound is _TIME
            if isinstance(self.lower, str) or v < self.lower or (v == self.lower and not self.incl_lower):
                return False
        if self.upper is not None:
            if isinstance(self.upper, str) or v > self.upper or (v == self.upper and not self.incl_upper):
                return False
        return True

    def int_bounds(self) -> tuple[int, int]:
        """A superset of the integers inside the range (for seeking heights)."""
        lo, hi = 0, INT64_MAX
        if self.lower is not None and not isinstance(self.lower, str):  # a str bound is _TIME
            lo = max(lo, _ceil(self.lower) + (0 if self.incl_lower or _ceil(self.lower) != self.lower else 1))
        if self.upper is not None and not isinstance(self.upper, str):
            hi = min(hi, _floor(self.upper) - (0 if self.incl_upper or _floor(self.upper) != self.upper else 1))
        return lo, hi


def _ceil(x: Fraction | float) -> int:
    if isinstance(x, float):
        return INT64_MAX if x > 0 else INT64_MIN
    return -((-x.numerator) // x.denominator)


def _floor(x: Fraction | float) -> int:
    if isinstance(x, float):
        return INT64_MAX if x > 0 else INT64_MIN
    return x.numerator // x.denominator


def _bound(c: Condition) -> Bound | None:
    operand = _operand(c)
    return _TIME if operand.kind in ("time", "date") else operand.number()


def _operand(c: Condition) -> Operand:
    """The operand of a condition that has one (every one but EXISTS: the parser sees to it)."""
    if c.operand is None:
        raise InvalidInput(f"{c.tag} {c.op} needs an operand")
    return c.operand


# ---------------------------------------------------------------- plan
@dataclass(frozen=True, slots=True)
class Cond:
    """One condition as the indexer evaluates it: a prefix scan plus a per-key test."""

    kind: str  # "eq" | "exists" | "contains" | "range"
    tag: str
    prefix: bytes
    arg: bytes = b""
    range: Range | None = None

    @property
    def height_filtered(self) -> bool:
        # matchRange skips the height filter for the tx.height range itself
        return not (self.kind == "range" and self.tag == TX_HEIGHT)

    def never(self) -> bool:
        return self.range is not None and not self.range.numeric()  # only "range" conditions have one


@dataclass(frozen=True, slots=True)
class Plan:
    query: Query
    #: ``tx.hash`` short-circuit: the raw hash to get
    hash: bytes | None = None
    conds: tuple[Cond, ...] = ()
    #: ``heightInfo.height``: 0 when no ``tx.height =`` survives
    height_eq: int = 0
    #: ``heightInfo.heightRange`` (None when the query has no tx.height/block.height range)
    height_range: Range | None = None

    @property
    def empty(self) -> bool:
        """Nothing can match: no conditions left, or one that never hits."""
        if self.hash is not None:
            return False
        if not self.conds or any(c.never() for c in self.conds):
            return True
        return self.height_range is not None and _TIME in (self.height_range.lower, self.height_range.upper)

    @property
    def height_only(self) -> bool:
        """Every condition is on ``tx.height``: the height index alone answers it."""
        return all(c.tag == TX_HEIGHT for c in self.conds)

    def height_ok(self, h: int) -> bool:
        """``checkHeightConditions``."""
        if self.height_range is not None:
            return self.height_range.check(Fraction(h))
        return not (self.height_eq != 0 and h != self.height_eq)

    def height_window(self) -> tuple[int, int] | None:
        """``height_ok`` as an integer interval (``lo <= h <= hi``), for loops over many keys;
        None when no height passes (a TIME/DATE bound)."""
        r = self.height_range
        if r is not None:
            if isinstance(r.lower, str) or isinstance(r.upper, str):
                return None
            lo, hi = INT64_MIN, INT64_MAX  # key heights parse as any int64, signs included
            if isinstance(r.lower, float) or isinstance(r.upper, float):  # ±inf
                if r.lower == float("inf") or r.upper == float("-inf"):
                    return None
            if isinstance(r.lower, Fraction):
                c = _ceil(r.lower)
                lo = c if r.incl_lower or c != r.lower else c + 1
            if isinstance(r.upper, Fraction):
                f = _floor(r.upper)
                hi = f if r.incl_upper or f != r.upper else f - 1
            return lo, hi
        if self.height_eq != 0:
            return self.height_eq, self.height_eq
        return INT64_MIN, INT64_MAX

    def height_bounds(self) -> tuple[int, int]:
        """A superset of the heights any hit can have, for seeking."""
        lo, hi = 0, INT64_MAX
        if self.height_range is not None:
            lo, hi = self.height_range.int_bounds()
        elif self.height_eq != 0:
            lo = hi = self.height_eq
        for c in self.conds:
            if c.range is not None and c.tag == TX_HEIGHT:  # a "range" condition
                a, b = c.range.int_bounds()
                lo, hi = max(lo, a), min(hi, b)
        return lo, hi

    def hit(self, c: Cond, key: bytes) -> int | None:
        """The key's height if ``key`` (under ``c.prefix``) satisfies ``c``, else None."""
        if c.kind == "eq" or c.kind == "exists":
            h = key_height(key)
            return h if h is not None and self.height_ok(h) else None
        if c.kind == "contains":
            if not is_tag_key(key) or c.arg not in key_value(key):
                return None
            h = key_height(key)
            return h if h is not None and self.height_ok(h) else None
        # range
        if not is_tag_key(key) or c.range is None or not c.range.numeric():
            return None
        v = go_number(key_value(key))
        if v is None:
            return None
        h = key_height(key)
        if h is None or (c.height_filtered and not self.height_ok(h)):
            return None
        return h if c.range.check(v) else None


def plan(query: Query) -> Plan:
    """Turn a parsed query into the scans and filters CometBFT's kv indexer performs."""
    conds = query.conditions
    for c in conds:
        if c.tag == TX_HASH:
            text = c.operand.text if c.operand is not None else ""
            try:
                raw = binascii.unhexlify(text.encode("ascii"))
            except (binascii.Error, UnicodeEncodeError, ValueError):
                raise InvalidInput(f"tx.hash must be hex, got {text!r}") from None
            if not raw:
                raise InvalidInput("tx.hash needs a hash")
            return Plan(query, hash=raw)

    # dedupHeight: keep the first numeric ``tx.height =`` unless another tx.height condition exists
    kept: list[Condition] = []
    eq: Condition | None = None
    height_eq = 0
    other_height = False
    only_eq = only_range = True
    for c in conds:
        if c.tag == TX_HEIGHT:
            if c.op == "=":
                if other_height or eq is not None:
                    continue
                n = _operand(c).number()
                if n is not None:
                    eq, height_eq = c, trunc_int64(n)
            else:
                only_eq = False
                other_height = True
                kept.append(c)
        else:
            only_eq = only_range = False
            kept.append(c)
    if not other_height and eq is not None:
        only_range = False
        kept.append(eq)
    else:
        eq, height_eq, only_eq = None, 0, False

    ranges, height_range = merge_ranges(kept)

    out: list[Cond] = []
    for tag, r in ranges.items():
        if tag == TX_HEIGHT and not only_range:
            continue  # only a height filter
        out.append(Cond("range", tag, tag.encode() + SEP, range=r))
    for c in kept:
        if c.op in ORDER_OPERATORS or (c is eq and not only_eq):
            continue
        tag_b = c.tag.encode()
        if c.op == "EXISTS":
            out.append(Cond("exists", c.tag, tag_b + SEP))
        elif c.op == "CONTAINS":
            out.append(Cond("contains", c.tag, tag_b + SEP, arg=_operand(c).text.encode()))
        else:
            prefix = tag_b + SEP + _operand(c).text.encode() + SEP
            if height_eq > 0:
                prefix += str(height_eq).encode() + SEP
            out.append(Cond("eq", c.tag, prefix))
    return Plan(query, conds=tuple(out), height_eq=height_eq, height_range=height_range)


def merge_ranges(conds: Iterable[Condition]) -> tuple[dict[str, Range], Range | None]:
    """``LookForRangesWithHeight`` (shared by the tx and block indexers): order conditions merged
    per tag; a ``tx.height``/``block.height`` range also becomes the height filter."""
    ranges: dict[str, Range] = {}
    height_range: Range | None = None
    for c in conds:
        if c.op not in ORDER_OPERATORS:
            continue
        hk = c.tag in (TX_HEIGHT, BLOCK_HEIGHT)
        if c.tag not in ranges:
            ranges[c.tag] = Range(c.tag)
            if hk:
                height_range = Range(c.tag)
        targets = [ranges[c.tag]] + ([height_range] if hk and height_range is not None else [])  # set when hk
        arg = _bound(c)
        for r in targets:
            if c.op == ">":
                r.lower = arg
            elif c.op == ">=":
                r.incl_lower, r.lower = True, arg
            elif c.op == "<":
                r.upper = arg
            else:
                r.incl_upper, r.upper = True, arg
    return ranges, height_range


def trunc_int64(n: Fraction | float) -> int:
    """``big.Float.Int64``: truncate toward zero, saturate at the int64 limits."""
    if isinstance(n, float):
        return INT64_MAX if n > 0 else INT64_MIN
    v = int(n)  # Fraction → int truncates toward zero
    return max(INT64_MIN, min(INT64_MAX, v))


# ---------------------------------------------------------------- one tx against a plan
def tx_keys(height: int, index: int, events: Iterable[Any], grouped: bool) -> list[tuple[int, bytes]]:
    """The ``(group, key)`` pairs the kv indexer wrote for one tx.

    ``events`` are protobuf ``Event`` messages (attribute key/value as bytes).
    ``grouped``: keys carry ``$es$N`` (one group per event; the height key is group 0);
    otherwise everything is one group, as CometBFT reads pre-0.34.27 keys.
    """
    where = SEP + str(height).encode() + SEP + str(index).encode()
    out = [(0, TX_HEIGHT.encode() + SEP + str(height).encode() + where + (ES + b"0" if grouped else b""))]
    for pos, ev in enumerate(events, start=1):
        if not ev.type:
            continue
        typ = ev.type.encode()
        for a in ev.attributes:
            if not a.key or not a.index:
                continue
            key = typ + b"." + bytes(a.key) + SEP + bytes(a.value) + where
            if grouped:
                out.append((pos, key + ES + str(pos).encode()))
            else:
                out.append((0, key))
    return out


def tx_matches(p: Plan, height: int, index: int, events: Iterable[Any], grouped: bool) -> bool:
    """Would CometBFT's search return this tx? (``p`` must not be a tx.hash plan.)"""
    keys = tx_keys(height, index, events, grouped)
    alive: set[int] | None = None
    for c in p.conds:
        groups = {g for g, k in keys if k.startswith(c.prefix) and p.hit(c, k) is not None}
        alive = groups if alive is None else alive & groups
        if not alive:
            return False
    return bool(alive)

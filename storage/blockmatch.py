"""CometBFT's kv *block* indexer rules (``/block_search``), as pure functions over its keys.

The block indexer shares tx_index.db under the ``block_events`` prefix (formats.md §3): a
primary key ``oc("block.height", h)`` per indexed height, and ``oc(type.attr, value, h, seq)``
per indexed attribute of the height's FinalizeBlock events (``oc(…, h, fn, seq)`` from CometBFT
0.34.27 to 0.37, ``oc(…, h, fn)`` before). ``BlockPlan`` is what CometBFT 1.0's
``state/indexer/block/kv`` ``Search`` makes of a parsed query, rule for rule:

- a numeric ``block.height = N`` alone is a primary-key lookup; with other conditions it only
  filters their keys to height N; it is dropped when any other ``block.height`` condition is
  present, as are later ``block.height =`` conditions (``dedupHeight``);
- order conditions merge per tag (``merge_ranges``, as for txs); a ``block.height`` range is
  a filter unless the query holds nothing but ``block.height`` conditions, when it walks the
  primary keys; any other ``block.height`` condition (EXISTS, CONTAINS) never hits;
- ``=`` is the exact value (an orderedcode string ends with its terminator, unlike the tx
  index's ``tag/value/`` prefix), ``CONTAINS`` a substring of the untrimmed value, ranges the
  value read as a Go number, EXISTS any value;
- conditions intersect on ``height + seq``: they must hold within one event (keys without a
  seq put a whole height in one group).

Pure: no I/O (``storage.blockindex`` reads the keys).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from .gonumber import go_number
from .keys import OrderedCodeError, oc_int64, oc_parse_int64, oc_parse_string, oc_string
from .query import ORDER_OPERATORS, Query
from .txmatch import BLOCK_HEIGHT, Range, merge_ranges, trunc_int64

BLOCK_EVENTS = b"block_events"
PRIMARY_PREFIX = BLOCK_EVENTS + oc_string(BLOCK_HEIGHT)
#: the function types CometBFT 0.34/0.37 wrote after the height
FUNCTION_TYPES = (b"begin_block", b"end_block")


def primary_key(height: int) -> bytes:
    return PRIMARY_PREFIX + oc_int64(height)


def primary_height(key: bytes) -> int | None:
    """The height of a primary key, or None for any other key."""
    if not key.startswith(PRIMARY_PREFIX):
        return None
    try:
        h, end = oc_parse_int64(key, len(PRIMARY_PREFIX))
    except OrderedCodeError:
        return None
    return h if end == len(key) else None


@dataclass(frozen=True, slots=True)
class EventKey:
    """One indexed attribute: ``tag`` is ``type.attr``; ``seq`` groups one event's attributes."""

    tag: bytes
    value: bytes
    height: int
    seq: int
    #: written with a seq (CometBFT ≥ 0.34.27); without one a height is a single group
    grouped: bool


def parse_event_key(key: bytes) -> EventKey | None:
    """An event key read as CometBFT reads it (``parseValueFromEventKey``, ``parseEventSeqFromEventKey``)."""
    if not key.startswith(BLOCK_EVENTS):
        return None
    try:
        tag, at = oc_parse_string(key, len(BLOCK_EVENTS))
        value, at = oc_parse_string(key, at)
        height, at = oc_parse_int64(key, at)
    except OrderedCodeError:
        return None
    seq, grouped = _seq(key, at)
    return EventKey(tag, value, height, seq, grouped)


def _seq(key: bytes, at: int) -> tuple[int, bool]:
    """The seq after the height; a key CometBFT cannot read one from counts as seq 0."""
    if at == len(key):
        return 0, False
    try:
        fn, after_fn = oc_parse_string(key, at)
    except OrderedCodeError:  # 0.38+: the seq follows the height
        return _int_to_end(key, at), True
    if after_fn == len(key):  # ≤ 0.34.26: a function type and no seq (or a seq that reads as a string)
        return 0, fn not in FUNCTION_TYPES
    return _int_to_end(key, after_fn), True


def _int_to_end(key: bytes, at: int) -> int:
    try:
        v, end = oc_parse_int64(key, at)
    except OrderedCodeError:
        return 0
    return v if end == len(key) else 0


# ---------------------------------------------------------------- plan
@dataclass(frozen=True, slots=True)
class BCond:
    """One condition: ``kind`` is eq, exists, contains or range; ``prefix`` is where its keys live."""

    kind: str
    tag: str
    prefix: bytes
    arg: bytes = b""
    range: Range | None = None

    def hit(self, tag: bytes, value: bytes) -> bool:
        """Whether one attribute satisfies the condition (the height filter is the plan's)."""
        if tag != self.tag.encode():
            return False
        if self.kind == "eq":
            return value == self.arg
        if self.kind == "contains":
            return self.arg in value
        if self.kind == "range":
            v = go_number(value)
            return v is not None and self.range is not None and self.range.numeric() and self.range.check(v)
        return True  # exists


@dataclass(frozen=True, slots=True)
class BlockPlan:
    query: Query
    #: a lone ``block.height = N``: the primary key of N decides
    only_height: int | None = None
    #: the query is ``block.height`` ranges only: walk the primary keys in this range
    primary: Range | None = None
    conds: tuple[BCond, ...] = ()
    #: the height filter (``checkHeightConditions``): a range, else an exact height (0: none)
    height_range: Range | None = None
    height_eq: int = 0
    #: a condition that can never hit
    never: bool = False

    @property
    def empty(self) -> bool:
        if self.only_height is not None or self.primary is not None:
            return False
        if self.never or not self.conds:
            return True
        if any(c.range is not None and not c.range.numeric() for c in self.conds):
            return True
        return self.height_range is not None and not self.height_range.numeric()

    def height_ok(self, h: int) -> bool:
        if self.height_range is not None:
            return self.height_range.check(Fraction(h))
        return not (self.height_eq != 0 and h != self.height_eq)

    def height_bounds(self) -> tuple[int, int]:
        """A superset of the heights a hit can have, for walking heights instead of a prefix."""
        r = self.primary or self.height_range
        if r is not None:
            return r.int_bounds()
        if self.height_eq != 0:
            return self.height_eq, self.height_eq
        return 0, 2**63 - 1

    def matches(self, h: int, groups: Iterable[Sequence[tuple[bytes, bytes]]]) -> bool:
        """Whether height ``h`` matches, given its indexed attributes grouped by event."""
        if not self.height_ok(h):
            return False
        return any(all(any(c.hit(t, v) for t, v in attrs) for c in self.conds) for attrs in groups)


def block_plan(query: Query) -> BlockPlan:
    """Turn a parsed query into the scans and filters of CometBFT's block indexer."""
    # dedupHeight
    kept = []
    eq_cond = None
    height = 0
    range_exists = False
    only_eq = only_range = True
    for c in query.conditions:
        if c.tag == BLOCK_HEIGHT:
            if c.op == "=":
                if eq_cond is not None or range_exists:
                    continue
                n = c.operand.number() if c.operand is not None else None
                if n is not None:
                    eq_cond, height = c, trunc_int64(n)
            else:
                only_eq = False
                range_exists = True
                kept.append(c)
        else:
            only_range = only_eq = False
            kept.append(c)
    if not range_exists and eq_cond is not None:
        if only_eq:
            return BlockPlan(query, only_height=height)
        only_range = False
    else:
        eq_cond, height = None, 0

    ranges, height_range = merge_ranges(kept)
    primary = ranges.get(BLOCK_HEIGHT) if only_range else None
    conds: list[BCond] = []
    never = False
    for tag, r in ranges.items():
        if tag != BLOCK_HEIGHT:
            conds.append(BCond("range", tag, BLOCK_EVENTS + oc_string(tag), range=r))
    for c in kept:
        if c.op in ORDER_OPERATORS:
            continue
        if c.tag == BLOCK_HEIGHT:  # EXISTS/CONTAINS on the reserved key: no event key carries it
            never = True
            continue
        prefix = BLOCK_EVENTS + oc_string(c.tag)
        text = c.operand.text.encode() if c.operand is not None else b""
        if c.op == "EXISTS":
            conds.append(BCond("exists", c.tag, prefix))
        elif c.op == "CONTAINS":
            conds.append(BCond("contains", c.tag, prefix, arg=text))
        else:
            conds.append(BCond("eq", c.tag, prefix + oc_string(text), arg=text))
    if primary is not None:
        if never or conds or not primary.numeric():
            return BlockPlan(query, never=True)
        return BlockPlan(query, primary=primary)
    return BlockPlan(query, conds=tuple(conds), height_range=height_range, height_eq=height, never=never)


def event_groups(events: Sequence[object], grouped: bool) -> list[list[tuple[bytes, bytes]]]:
    """The ``(type.attr, value)`` pairs the indexer wrote for one height's events, one list per
    event (``grouped``) or one list for the whole height (keys without a seq)."""
    out: list[list[tuple[bytes, bytes]]] = []
    for ev in events:
        etype = getattr(ev, "type", "")
        attrs = [(f"{etype}.{a.key}".encode(), a.value.encode("utf-8", "surrogateescape")) for a in getattr(ev, "attributes", ()) if a.key and a.index]
        if etype and attrs:
            out.append(attrs)
    if not grouped:
        return [[pair for g in out for pair in g]]
    return out

"""Pages of tx search results and their keyset cursors: (order, query fingerprint, height, hash).

A cursor resumes right after one row of one query in one order; one made for another query or
order is refused rather than misread. The outer form (unpadded url-safe base64) is every
cursor's (``storage.cursor``).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from hashlib import sha256

from . import cursor as outer
from .errors import InvalidInput
from .models import TxResult
from .query import Query
from .txrecords import HASH_SIZE

MAX_LIMIT = outer.MAX_PAGE
DEFAULT_LIMIT = outer.DEFAULT_PAGE


@dataclass(frozen=True, slots=True)
class TxPage:
    txs: tuple[TxResult, ...]
    #: pass as ``after`` for the next page; None on the last page
    next_cursor: str | None
    #: each row's own cursor (resumes right after it), made with the query parsed once
    cursors: tuple[str, ...] = ()


def make_page(q: Query | tuple[Query, ...], desc: bool, rows: list[TxResult], more: bool) -> TxPage:
    """A page with every row's cursor; the last one resumes after the page when there is more."""
    fp = query_fingerprint(q)
    cursors = tuple(encode_cursor(q, desc, Pos(r.height, r.hash), fp) for r in rows)
    return TxPage(tuple(rows), cursors[-1] if more and cursors else None, cursors)


@dataclass(frozen=True, slots=True)
class Pos:
    height: int
    hash: bytes

    @property
    def key(self) -> tuple[int, bytes]:
        return (self.height, self.hash)


_CURSOR = struct.Struct(">2sc4sq")  # version, order, query fingerprint, height; then the hash


def query_fingerprint(q: Query | tuple[Query, ...]) -> bytes:
    text = " OR ".join(str(x) for x in q) if isinstance(q, tuple) else str(q)
    return sha256(text.encode("utf-8")).digest()[:4]


def encode_cursor(q: Query | tuple[Query, ...], desc: bool, pos: Pos, fingerprint: bytes | None = None) -> str:
    fp = fingerprint if fingerprint is not None else query_fingerprint(q)
    raw = _CURSOR.pack(b"c1", b"d" if desc else b"a", fp, pos.height) + pos.hash
    return outer.pack(raw)


def decode_cursor(cursor: str, q: Query | tuple[Query, ...], desc: bool) -> Pos:
    if not isinstance(cursor, str) or not cursor or len(cursor) > 200:
        raise InvalidInput("malformed cursor")
    try:
        raw = outer.unpack(cursor)
    except outer.MalformedCursor:
        raise InvalidInput("malformed cursor") from None
    if len(raw) != _CURSOR.size + HASH_SIZE or raw[:2] != b"c1":
        raise InvalidInput("malformed cursor")
    _, order, fp, height = _CURSOR.unpack(raw[: _CURSOR.size])
    if order not in (b"a", b"d"):
        raise InvalidInput("malformed cursor")
    if (order == b"d") != desc:
        raise InvalidInput(f"this cursor pages the {'desc' if order == b'd' else 'asc'} order; ask with that order")
    if fp != query_fingerprint(q):
        raise InvalidInput("this cursor belongs to a different query")
    return Pos(height, raw[_CURSOR.size :])


def check_limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidInput("limit must be a positive integer")
    return min(limit, MAX_LIMIT)


def is_desc(order: str) -> bool:
    if order not in ("asc", "desc"):
        raise InvalidInput('order must be "asc" or "desc"')
    return order == "desc"


def beyond(sk: tuple[int, bytes], pos: Pos, desc: bool) -> bool:
    return sk < pos.key if desc else sk > pos.key

"""One page shape, one page-size rule and one cursor form for every paged list (Relay connections).

* :class:`Page` — the items, one cursor per item (each resumes right after its item) and the two
  Relay flags; ``end_cursor`` only where a scan stopped before filling the page. The schema turns
  every page into a connection the same way (``schema.connection``).
* :func:`page_size` — ``first`` / ``last``: default ``DEFAULT_PAGE``, at most ``MAX_PAGE``, for
  every list.
* cursors — unpadded url-safe base64 (``storage.cursor``) of ``kind:value`` for the keyset
  positions made here (blocks, rankings, flows); tx lists carry the tx index's positions
  (``storage.txcursor``) in the same outer form. Both decoders refuse a cursor of another list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

from cometgraph.storage import cursor as outer
from cometgraph.storage.errors import InvalidInput

from .inputs import LimitExceeded

DEFAULT_PAGE = outer.DEFAULT_PAGE
MAX_PAGE = outer.MAX_PAGE

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    cursors: Sequence[str]
    has_next: bool
    #: where the next page starts when it is not right after the last item (a scan stopped early)
    end_cursor: str | None = None
    #: whether the list has items before this page (Relay ``hasPreviousPage``)
    has_previous: bool = False

    @classmethod
    def empty(cls, has_previous: bool) -> Page[T]:
        return cls(items=[], cursors=[], has_next=False, has_previous=has_previous)


class Cursors(Sequence[str]):
    """One cursor per position, each encoded when first read: an explorer's list of a hundred
    blocks asks for its nodes, not their cursors (W1), and makes none of them.

    A sequence like the list it stands for; equal to a list of the same cursors."""

    __slots__ = ("_positions", "_encode", "_made")

    def __init__(self, positions: Sequence[Any], encode: Callable[[Any], str]) -> None:
        self._positions, self._encode = positions, encode
        self._made: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self._positions)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self._positions)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("cursor index out of range")
        made = self._made.get(i)
        if made is None:
            made = self._made[i] = self._encode(self._positions[i])
        return made

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(other) == len(self) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    # unhashable, as the list it stands for
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Cursors({list(self)!r})"


def page_size(first: int | None, default: int = DEFAULT_PAGE, maximum: int = MAX_PAGE, name: str = "first") -> int:
    """``name`` is the argument as the client spelled it (``first`` or ``last``), for the message."""
    if first is None:
        return default
    if first < 0:
        raise InvalidInput(f"{name} must be >= 0; got {first}")
    if first > maximum:
        raise LimitExceeded(f"{name} may be at most {maximum}; got {first}")
    return first


def encode_cursor(kind: str, value: str) -> str:
    return outer.pack(f"{kind}:{value}".encode())


def decode_cursor(kind: str, cursor: str, name: str = "after") -> str:
    """The value inside a cursor we issued for ``kind``; anything else is bad input
    (``name``: the argument that carried it, ``after`` or ``before``)."""
    try:
        raw = outer.unpack(cursor).decode()
    except (outer.MalformedCursor, UnicodeDecodeError):
        raise InvalidInput(f"{name} is not a cursor this server issued") from None
    prefix = kind + ":"
    if not raw.startswith(prefix):
        raise InvalidInput(f"{name} is not a cursor of a {kind} list")
    return raw[len(prefix) :]


def decode_height_cursor(kind: str, cursor: str, name: str = "after") -> int:
    value = decode_cursor(kind, cursor, name)
    if not value.isdigit():
        raise InvalidInput(f"{name} is not a cursor this server issued")
    return int(value)

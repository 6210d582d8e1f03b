"""Arguments from clients: hashes, heights, page sizes and cursors, checked once here."""

from __future__ import annotations

import base64
import binascii

from cometgraph.storage.errors import InvalidInput

DEFAULT_PAGE = 20
MAX_PAGE = 100


class LimitExceeded(InvalidInput):
    code = "LIMIT_EXCEEDED"


def parse_hash(value: str, what: str = "hash") -> bytes:
    """A 32-byte hash as hex, in any case, with or without ``0x``."""
    s = value.strip()
    if s[:2].lower() == "0x":
        s = s[2:]
    if len(s) != 64:
        raise InvalidInput(f"{what} must be 64 hex characters (32 bytes), optionally prefixed 0x; got {len(s)} characters")
    try:
        return bytes.fromhex(s)
    except ValueError:
        raise InvalidInput(f"{what} must be hexadecimal") from None


def check_height(height: int, what: str = "height") -> int:
    if height < 1:
        raise InvalidInput(f"{what} must be a positive block height; got {height}")
    return height


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
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str, name: str = "after") -> str:
    """The value inside a cursor we issued for ``kind``; anything else is bad input
    (``name``: the argument that carried it, ``after`` or ``before``)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
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


def height_range(min_height: int | None, max_height: int | None, from_height: int | None = None, to_height: int | None = None) -> tuple[int | None, int | None]:
    """The one spelling of a height range, ``minHeight``/``maxHeight`` (inclusive, ≥ 1).

    ``fromHeight``/``toHeight`` were ``stakingFlows``' first spelling: still taken as deprecated
    aliases, but naming one bound twice is ambiguous, so it is refused rather than guessed.
    """
    for new, old, new_name, old_name in ((min_height, from_height, "minHeight", "fromHeight"), (max_height, to_height, "maxHeight", "toHeight")):
        if new is not None and old is not None:
            raise InvalidInput(f"give {new_name} or its deprecated alias {old_name}, not both")
    lo = min_height if min_height is not None else from_height
    hi = max_height if max_height is not None else to_height
    if lo is not None and lo < 1 or hi is not None and hi < 1:
        raise InvalidInput(f"minHeight and maxHeight must be positive heights; got {lo} and {hi}")
    return lo, hi

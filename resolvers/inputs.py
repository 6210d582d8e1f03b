"""Arguments from clients: hashes, heights and height ranges, checked once here (page sizes and
cursors: ``resolvers.paging``)."""

from __future__ import annotations

from cometgraph.storage.errors import InvalidInput


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

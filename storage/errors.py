"""Errors raised by the storage layer.

Missing data is normal and is returned as ``None``; data that is present but
cannot be read raises. Every exception carries its subject so the GraphQL layer
can name it to the client without leaking file paths.

    CometgraphError
     ├── InvalidInput            bad argument from a caller (negative height, malformed hash, bad query)
     ├── NotFound                a height/hash the node never had
     │    └── Pruned             a height below the node's retained base
     ├── StorageError            something is wrong underneath
     │    ├── DatabaseUnavailable  a database folder is missing or cannot be opened
     │    ├── SnapshotError        a private snapshot could not be built or verified
     │    ├── CorruptRecord        a value present at a key that does not decode
     │    ├── DatabaseBroken       a whole database in the node's folder would not open
     │    └── UnknownFormat        a layout this version of cometgraph does not know
     └── IndexDisabled           the node keeps no tx index (indexer = "null")
"""

from __future__ import annotations


class CometgraphError(Exception):
    """Base of every error cometgraph raises on purpose."""

    code = "INTERNAL"


class InvalidInput(CometgraphError, ValueError):
    code = "BAD_INPUT"


class NotFound(CometgraphError, LookupError):
    code = "NOT_FOUND"


class Pruned(NotFound):
    """The height exists on the chain but the node no longer keeps it."""

    code = "PRUNED"

    def __init__(self, what: str, height: int, base: int) -> None:
        super().__init__(f"{what} at height {height} is pruned: the node keeps heights from {base}")
        self.what = what
        self.height = height
        self.base = base


class StorageError(CometgraphError):
    code = "INTERNAL"


class DatabaseUnavailable(StorageError):
    code = "UNAVAILABLE"


class SnapshotError(StorageError):
    code = "UNAVAILABLE"


class CorruptRecord(StorageError):
    """A key holds bytes that do not decode as the record the layout promises."""

    code = "CORRUPT_DATA"

    def __init__(self, db: str, key: bytes, reason: str) -> None:
        super().__init__(f"corrupt record in {db} at key {_show_key(key)}: {reason}")
        self.db = db
        self.key = key
        self.reason = reason


class DatabaseBroken(StorageError):
    """The node's copy of one database would not open; the others still serve."""

    code = "CORRUPT_DATA"


class UnknownFormat(StorageError):
    code = "UNKNOWN_FORMAT"


class IndexDisabled(CometgraphError):
    code = "INDEX_DISABLED"


def _show_key(key: bytes) -> str:
    """Keys are mostly ASCII with binary tails; show them readably and bounded."""
    shown = "".join(chr(b) if 0x20 <= b < 0x7F else f"\\x{b:02x}" for b in key[:96])
    return repr(shown + ("…" if len(key) > 96 else ""))

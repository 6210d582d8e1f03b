"""tx_index.db: transactions by hash, and event search with CometBFT's kv-indexer semantics.

Layout (formats.md §3): the raw 32-byte ``sha256(tx)`` maps to ``TxResult``;
``tx.height/{h}/{h}/{i}[$es$0]`` and ``{type}.{key}/{value}/{h}/{i}[$es${seq}]`` map
to that hash. Search is implemented in ``storage.txsearch``; this module holds the
readers the rest of cometgraph uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256

from .codec.cometbft import decode_exec_result, parse
from .errors import CorruptRecord, IndexDisabled, InvalidInput
from .kv import KV, first
from .models import TxResult
from .proto import cometbft_pb2 as pb

DB = "tx_index.db"
HASH_SIZE = 32


class TxIndex:
    """Reader over a node's tx_index.db (kv indexer).

    An empty database is what a node with ``indexer = "null"`` leaves behind (or a
    kv node before its first block): every call then raises ``IndexDisabled``.
    """

    def __init__(self, kv: KV) -> None:
        self.kv = kv
        self.enabled = first(kv.iterate(include_value=False)) is not None

    def _check(self) -> None:
        if not self.enabled:
            raise IndexDisabled("this node keeps no transaction index (tx_index.db is empty: indexer = \"null\")")

    def load_tx(self, hash: bytes) -> TxResult | None:
        """The tx with this sha256, or None if the index does not have it."""
        self._check()
        _check_hash(hash)
        return decode_tx_result(hash, self.kv.get(bytes(hash)))

    def load_txs(self, hashes: Sequence[bytes]) -> list[TxResult | None]:
        """Many txs in one consistent read, in the order asked; unknown hashes are None."""
        self._check()
        keys = [bytes(h) for h in hashes]
        for h in keys:
            _check_hash(h)
        return [decode_tx_result(h, v) for h, v in zip(keys, self.kv.get_many(keys))]


class NullTxIndex:
    """Stands in for a node without tx_index.db: every question is ``IndexDisabled``."""

    enabled = False

    def _disabled(self, *args, **kwargs):
        raise IndexDisabled("this node keeps no transaction index (no tx_index.db: indexer = \"null\")")

    load_tx = load_txs = search = count = _disabled


def _check_hash(hash: bytes) -> None:
    if not isinstance(hash, (bytes, bytearray, memoryview)) or len(hash) != HASH_SIZE:
        raise InvalidInput(f"a tx hash is {HASH_SIZE} bytes (sha256 of the tx)")


def decode_tx_result(hash: bytes, data: bytes | None) -> TxResult | None:
    """``TxResult`` bytes stored under ``hash`` → model; None if absent.

    The stored tx must hash to its key: a value that parses but belongs elsewhere is
    as corrupt as one that does not parse.
    """
    if data is None:
        return None
    msg = parse(pb.TxResult, data, DB, hash)
    if sha256(msg.tx).digest() != hash:
        raise CorruptRecord(DB, hash, "the stored tx does not hash to its key")
    return TxResult(
        hash=bytes(hash),
        height=msg.height,
        index=msg.index,
        tx=msg.tx,
        result=decode_exec_result(msg.result),
    )

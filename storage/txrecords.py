"""tx_index.db's primary records: ``sha256(tx)`` → ``TxResult``, parsed and checked against their key.

Shared by the reader (``storage.txindex``) and the plan runner (``storage.txscan``), which both
turn stored bytes into models and must reject the same damage the same way.
"""

from __future__ import annotations

from hashlib import sha256

from .codec.cometbft import parse
from .codec.cometbft_msgs import decode_exec_result
from .errors import CorruptRecord, InvalidInput
from .models import TxResult
from .proto import cometbft_pb2 as pb

DB = "tx_index.db"
HASH_SIZE = 32


def check_hash(hash: bytes) -> None:
    if not isinstance(hash, (bytes, bytearray, memoryview)) or len(hash) != HASH_SIZE:
        raise InvalidInput(f"a tx hash is {HASH_SIZE} bytes (sha256 of the tx)")


def parse_tx(hash: bytes, data: bytes) -> pb.TxResult:
    """Parse and check: the stored tx must hash to its key, or the record is someone else's."""
    msg = parse(pb.TxResult, data, DB, hash)
    if sha256(msg.tx).digest() != hash:
        raise CorruptRecord(DB, hash, "the stored tx does not hash to its key")
    return msg


def tx_model(hash: bytes, msg: pb.TxResult) -> TxResult:
    return TxResult(hash=bytes(hash), height=msg.height, index=msg.index, tx=msg.tx, result=decode_exec_result(msg.result))


def decode_tx_result(hash: bytes, data: bytes | None) -> TxResult | None:
    """``TxResult`` bytes stored under ``hash`` → model; None if absent."""
    if data is None:
        return None
    return tx_model(hash, parse_tx(hash, data))


def entry_hash(key: bytes, value: bytes) -> bytes:
    """An index entry's value is the tx hash; anything else is a damaged entry."""
    if len(value) != HASH_SIZE:
        raise CorruptRecord(DB, key, f"an index entry holds {len(value)} bytes, not a {HASH_SIZE}-byte tx hash")
    return value

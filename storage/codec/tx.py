"""Cosmos SDK transactions: ``TxRaw`` bytes → ``DecodedTx``, the envelope only.

Three levels, each paid for only when asked:

* :func:`decode_tx` (here) opens the envelope (``TxRaw`` → ``TxBody`` + ``AuthInfo``): memo,
  fee, signer infos, signatures, and the messages as ``(type_url, bytes)`` — message bodies
  are NOT decoded. Bytes that are not a protobuf SDK tx raise :class:`InvalidTx`.
* ``codec.registry``'s ``message_json`` renders one message exactly as the node's REST
  ``/cosmos/tx/v1beta1/txs/{hash}`` prints it in ``tx.body.messages[i]``; ``tx_json``
  renders the whole ``tx`` object (types from ``codec.descriptors``' pools).
* ``codec.signers``' ``signers`` derives the signers' bech32 addresses from the signer infos'
  keys, falling back to the messages' ``cosmos.msg.v1.signer`` fields when a key is absent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any, TypeAlias

from google.protobuf import unknown_fields
from google.protobuf.message import DecodeError

from ..errors import CorruptRecord, StorageError
from ..models import Coin, DecodedTx, Fee, SignerInfo, Tip, TxMessage
from ..proto import cosmos_tx_pb2 as pb

__all__ = ["DynamicMessage", "InvalidTx", "decode_tx", "open_raw", "parse_part"]


# ---------------------------------------------------------------- errors
class InvalidTx(CorruptRecord):
    """Bytes stored as a tx that do not decode as a protobuf Cosmos SDK ``TxRaw``.

    A block may legitimately hold such bytes (CometBFT does not validate txs; the app
    answers code 2), so this names the tx by hash rather than a database key.
    """

    def __init__(self, reason: str, raw: bytes | None = None) -> None:
        digest = hashlib.sha256(raw).digest() if raw is not None else b""
        self.tx_hash = digest.hex().upper()
        subject = f"tx {self.tx_hash}" if raw is not None else "tx"
        StorageError.__init__(self, f"{subject} is not a decodable Cosmos SDK tx: {reason}")
        self.db = "tx"
        self.key = digest
        self.reason = reason


#: A message of a class made from descriptors at run time (a pool's ``GetMessageClass``, or a
#: generated ``*_pb2`` module, which mypy does not read): its fields are known only then, so to
#: mypy it is ``Any``; the name says what the value is.
DynamicMessage: TypeAlias = Any


# ---------------------------------------------------------------- decode_tx
_SIGN_MODES = {v.number: v.name for v in pb.SignMode.DESCRIPTOR.values}
_TXRAW_FIELDS = frozenset(f.number for f in pb.TxRaw.DESCRIPTOR.fields)


def parse_part(cls: type[DynamicMessage], data: bytes, what: str, raw: bytes) -> DynamicMessage:
    msg = cls()
    try:
        msg.ParseFromString(data)
    except (DecodeError, ValueError, RuntimeError) as exc:  # ValueError: bad UTF-8 in a string
        raise InvalidTx(f"{what} does not parse: {exc}", raw) from exc
    return msg


def open_raw(raw: bytes) -> pb.TxRaw:
    """Parse ``TxRaw`` strictly, as the SDK's decoder does (ADR-027: no unknown fields).

    Strictness here is what tells random bytes from a tx; inside body and auth_info,
    unknown fields are tolerated (newer SDKs add fields, e.g. 0.52's ``unordered``).
    """
    if not raw:
        raise InvalidTx("empty tx bytes", raw)
    tx_raw = parse_part(pb.TxRaw, raw, "TxRaw", raw)
    unknown = unknown_fields.UnknownFieldSet(tx_raw)
    extra = sorted({unknown[i].field_number for i in range(len(unknown))} - _TXRAW_FIELDS)
    if extra:
        raise InvalidTx(f"TxRaw has unknown field(s) {extra}", raw)
    return tx_raw


def _any(a: Any) -> TxMessage:
    return TxMessage(type_url=a.type_url, value=a.value)


def _coins(items: Iterable[Any]) -> tuple[Coin, ...]:
    return tuple(Coin(denom=c.denom, amount=c.amount) for c in items)


def _pubkey_bytes(a: Any) -> bytes:
    """``PubKey.key`` for single-key types (…​.PubKey{key=1}); the raw Any value otherwise."""
    value: bytes = a.value
    if a.type_url.endswith(".PubKey"):
        key = pb.PubKey()
        try:
            key.ParseFromString(value)
        except (DecodeError, ValueError, RuntimeError):
            return value
        if not len(unknown_fields.UnknownFieldSet(key)):
            single: bytes = key.key
            return single
    return value


def decode_tx(raw: bytes) -> DecodedTx:
    """Open a tx's envelope. Cheap: message bodies stay bytes (see :func:`message_json`).

    Raises :class:`InvalidTx` (a ``CorruptRecord``) for bytes that are not an SDK tx.
    """
    tx_raw = open_raw(raw)
    body = parse_part(pb.TxBody, tx_raw.body_bytes, "TxBody", raw)
    auth = parse_part(pb.AuthInfo, tx_raw.auth_info_bytes, "AuthInfo", raw)
    infos = []
    for si in auth.signer_infos:
        if si.mode_info.HasField("multi"):
            mode = "MULTI"
        else:
            number = si.mode_info.single.mode
            mode = _SIGN_MODES.get(number, str(number))
        has_key = si.HasField("public_key")
        infos.append(
            SignerInfo(
                public_key_type=si.public_key.type_url if has_key else "",
                public_key=_pubkey_bytes(si.public_key) if has_key else b"",
                mode=mode,
                sequence=si.sequence,
            )
        )
    fee = auth.fee
    return DecodedTx(
        messages=tuple(_any(m) for m in body.messages),
        memo=body.memo,
        timeout_height=body.timeout_height,
        fee=Fee(amount=_coins(fee.amount), gas_limit=fee.gas_limit, payer=fee.payer, granter=fee.granter),
        signer_infos=tuple(infos),
        signatures=tuple(tx_raw.signatures),
        extension_options=tuple(_any(m) for m in body.extension_options),
        non_critical_extension_options=tuple(_any(m) for m in body.non_critical_extension_options),
        tip=Tip(amount=_coins(auth.tip.amount), tipper=auth.tip.tipper) if auth.HasField("tip") else None,
    )

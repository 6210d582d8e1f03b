"""Protobuf bytes of CometBFT / Tendermint records → domain models.

One schema (``cometbft.proto``) reads Tendermint 0.34, CometBFT 0.37, 0.38 and 1.0:
the field numbers never changed. Where generations differ in *content* (validator
pubkey fields, ABCI response layout, EventAttribute bytes vs strings) the choice is
made here, per record, from the record's own bytes — an upgraded chain mixes them.
Amino records (Tendermint ≤ 0.33) are detected and refused with ``UnknownFormat``.

Every decoder that reads raw bytes takes ``db`` and ``key`` so a failure names the
record: undecodable bytes raise ``CorruptRecord``; nothing here returns ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from google.protobuf.message import DecodeError, Message

from ..errors import CorruptRecord
from ..models import Event, EventAttribute, ExecResult
from ..proto import cometbft_pb2 as pb

M = TypeVar("M", bound=Message)


def parse(cls: type[M], data: bytes, db: str, key: bytes) -> M:
    """Parse ``data`` as ``cls`` or raise ``CorruptRecord`` naming the key."""
    msg = cls()
    try:
        msg.ParseFromString(data)
    except (DecodeError, ValueError, RuntimeError) as exc:  # ValueError: bad UTF-8 in a string field
        raise CorruptRecord(db, key, f"not a {cls.__name__}: {exc}") from exc
    return msg


# ---------------------------------------------------------------- ABCI events and results
def text(raw: bytes) -> str:
    """EventAttribute key/value: strings from 0.37, arbitrary bytes in 0.34.

    0.34 apps wrote UTF-8 in practice; bytes that are not UTF-8 are kept readable
    with backslash escapes rather than failing the whole record.
    """
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="backslashreplace")


def decode_events(msgs: Iterable[pb.Event]) -> tuple[Event, ...]:
    """``Event`` messages → models; attribute key/value become ``str`` in every generation."""
    return tuple(
        Event(
            type=e.type,
            attributes=tuple(EventAttribute(key=text(a.key), value=text(a.value), index=a.index) for a in e.attributes),
        )
        for e in msgs
    )


def decode_exec_result(msg: pb.ExecTxResult) -> ExecResult:
    """``ExecTxResult`` (0.38+) or ``ResponseDeliverTx`` (≤0.37): same field numbers, one model."""
    return ExecResult(
        code=msg.code,
        data=msg.data,
        log=msg.log,
        info=msg.info,
        gas_wanted=msg.gas_wanted,
        gas_used=msg.gas_used,
        events=decode_events(msg.events),
        codespace=msg.codespace,
    )

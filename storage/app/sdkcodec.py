"""How SDK modules store their records, shared by the staking, distribution and slashing readers:
protobuf by full name (built-in descriptors), the REST's JSON of a record, gogoproto times and
durations, ≤ 0.46 params in the x/params store, and the two address encodings of keys."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from google.protobuf.message import DecodeError
from google.protobuf.message_factory import GetMessageClass

from ..codec.hashes import ripemd160
from ..codec.registry import default_registry
from ..codec.tx import DynamicMessage
from ..errors import CorruptRecord, InvalidInput
from ..models import Time
from .legacydec import go_quo
from .store import AppStore

#: Go's zero ``time.Time`` (0001-01-01T00:00:00Z): what a non-nullable stdtime reads as when absent
GO_ZERO_TIME = Time(-62135596800, 0)


def to_time(msg: DynamicMessage, field: str) -> Time:
    """A non-nullable stdtime field: absent reads as Go's zero time, as gogoproto does."""
    if not msg.HasField(field):
        return GO_ZERO_TIME
    ts = getattr(msg, field)
    return Time(ts.seconds, ts.nanos)


def duration_text(seconds: int, nanos: int) -> str:
    """gogo jsonpb Duration: ``"20s"``, ``"1.5s"``."""
    text = f"{'-' if seconds < 0 or nanos < 0 else ''}{abs(seconds)}.{abs(nanos):09d}".rstrip("0").rstrip(".")
    return text + "s"


def duration_ns_text(ns: int) -> str:
    """An amino-JSON ``time.Duration`` (nanoseconds) as gogo jsonpb prints a Duration."""
    seconds = go_quo(ns, 10**9)
    return duration_text(seconds, ns - seconds * 10**9)


def message_class(full_name: str) -> type[DynamicMessage]:
    desc = default_registry().find(full_name)
    if desc is None:  # pragma: no cover - the built-in descriptor set declares it
        raise AssertionError(f"built-in descriptors lack {full_name}")
    return GetMessageClass(desc)


def decode(full_name: str, raw: bytes, db: str, key: bytes) -> DynamicMessage:
    """``raw`` as the named SDK type, or ``CorruptRecord`` naming the key."""
    msg = message_class(full_name)()
    try:
        msg.ParseFromString(raw)
    except (DecodeError, ValueError, RuntimeError) as exc:
        raise CorruptRecord(db, key, f"not a {full_name}: {exc}") from None
    return msg


def rest_json(full_name: str, raw: bytes, db: str, key: bytes) -> dict[str, Any]:
    """A stored record rendered as the REST prints it (gogo jsonpb, see ``codec.registry``)."""
    decode(full_name, raw, db, key)  # corrupt bytes raise here, not as a placeholder object
    out = default_registry().message_json("/" + full_name, raw)
    out.pop("@type", None)
    return out


def consensus_address(type_url: str, key: bytes) -> bytes:
    """CometBFT ``PubKey.Address()``: sha256[:20] (ed25519, bls12_381), ripemd160(sha256) (secp256k1)."""
    if type_url in ("/cosmos.crypto.ed25519.PubKey", "/cosmos.crypto.bls12_381.PubKey"):
        return hashlib.sha256(key).digest()[:20]
    if type_url == "/cosmos.crypto.secp256k1.PubKey":
        return ripemd160(hashlib.sha256(key).digest())
    return b""


def legacy_params(app: AppStore, version: int, subspace: str, fields: Iterable[str]) -> dict[str, Any] | None:
    """≤ 0.46: a module's params in the x/params store (``<subspace>/<Key>`` → amino JSON); None if absent."""
    try:
        tree = app.tree("params", version)
    except LookupError:
        return None
    names = list(fields)
    keys = [f"{subspace}/{n}".encode() for n in names]
    got = tree.get_many(keys)
    if all(v is None for v in got):
        return None
    out: dict[str, Any] = {}
    for name, key, raw in zip(names, keys, got):
        if raw is None:
            continue
        try:
            out[name] = json.loads(raw)
        except ValueError:
            raise CorruptRecord(app.db, b"s/k:params/" + key, "not amino JSON") from None
    return out


class AddressKeys:
    """Key builders and parsers for one layout (length-prefixed addresses or raw 20-byte ones)."""

    def __init__(self, prefixed: bool) -> None:
        self.prefixed = prefixed

    def addr(self, a: bytes) -> bytes:
        if not self.prefixed:
            return bytes(a)
        if len(a) > 255:
            raise InvalidInput(f"address of {len(a)} bytes is too long")
        return bytes([len(a)]) + bytes(a)

    def split(self, rest: bytes, count: int) -> list[bytes] | None:
        """``count`` addresses concatenated in a key tail, or None if the tail does not parse."""
        out = []
        pos = 0
        for _ in range(count):
            if self.prefixed:
                if pos >= len(rest):
                    return None
                n = rest[pos]
                pos += 1
            else:
                n = 20
            if pos + n > len(rest):
                return None
            out.append(rest[pos : pos + n])
            pos += n
        return out if pos == len(rest) else None

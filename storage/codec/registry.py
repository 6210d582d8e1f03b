"""Protobuf types by full name (:class:`DescriptorRegistry`), and messages rendered as the node's REST JSON.

How the REST prints (SDK 0.50 grpc-gateway = gogoproto jsonpb with ``OrigName`` and
``EmitDefaults``), reproduced here:

* proto field names; every field printed, defaults included (``""``, ``"0"``, ``false``,
  ``[]``); 64-bit integers as strings, 32-bit ones as numbers; bytes base64; enums by
  name (unknown numbers bare); oneof members only when set;
* an unset message field is ``null`` — unless ``(gogoproto.nullable) = false``, which
  prints the zero object (zero ``stdtime`` = ``"0001-01-01T00:00:00Z"``, zero
  ``stdduration`` = ``"0s"``);
* ``Any`` → ``{"@type": url, ...fields}`` (well-known types: ``{"@type", "value"}``);
  Timestamp RFC 3339 with 0/3/6/9 fractional digits; Duration ``"1.5s"``;
* ``(gogoproto.customtype)`` math types print through their Go ``MarshalJSON``:
  ``LegacyDec`` (wire: the integer scaled by 10^18) → ``"0.050000000000000000"``,
  ``Int`` → canonical decimal; an empty non-nullable one is ``"0"`` /
  ``"0.000000000000000000"``, an empty nullable one ``null``.

The types come from descriptor pools (``codec.descriptors``): operator-supplied
``FileDescriptorSet`` files first, then cometgraph's built-in set.
"""

from __future__ import annotations

import base64
import json
import math
import os
import re
import struct
from collections.abc import Iterable
from datetime import datetime, timedelta, UTC
from functools import lru_cache
from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import DecodeError
from google.protobuf.message_factory import GetMessageClass

from ..proto import options_pb2
from .descriptors import builtin_pool, load_descriptor_set, type_name
from .tx import DynamicMessage, open_raw, parse_part


# ---------------------------------------------------------------- rendering plans
_INT64 = frozenset(
    {FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_SINT64, FieldDescriptor.TYPE_FIXED64, FieldDescriptor.TYPE_SFIXED64}
)
_WRAPPERS = frozenset(f"google.protobuf.{n}Value" for n in ("Double", "Float", "Int64", "UInt64", "Int32", "UInt32", "Bool", "String", "Bytes"))
_JSON_FORMAT_WKT = frozenset(
    {"google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue", "google.protobuf.FieldMask", "google.protobuf.Empty"}
)
_WKT = _WRAPPERS | _JSON_FORMAT_WKT | {"google.protobuf.Any", "google.protobuf.Timestamp", "google.protobuf.Duration"}
_DIGITS = re.compile(r"[+-]?[0-9]+")
_MAX_ANY_DEPTH = 32


def _custom_kind(customtype: str, casttype: str) -> str | None:
    if customtype.endswith("LegacyDec") or customtype.endswith("types.Dec"):
        return "dec"  # cosmossdk.io/math.LegacyDec, github.com/cosmos/cosmos-sdk/types.Dec
    if customtype.endswith((".Int", ".Uint")):
        return "int"  # cosmossdk.io/math.Int / Uint, github.com/cosmos/cosmos-sdk/types.Int
    if (customtype or casttype).endswith("HexBytes"):
        return "hex"  # cometbft libs/bytes.HexBytes marshals as upper-case hex
    if casttype.endswith("RawContractMessage"):
        return "json"  # wasmd's contract messages marshal as the JSON they hold
    return None


class _Field:
    __slots__ = ("name", "fd", "type", "repeated", "map_value", "presence", "nullable", "custom", "msg_name", "stdtime", "stdduration")

    def __init__(self, fd: FieldDescriptor) -> None:
        opts = options_pb2.GogoFieldOptions.FromString(fd.GetOptions().SerializeToString()) if fd.has_options else options_pb2.GogoFieldOptions()
        self.name = fd.name
        self.fd = fd
        self.type = fd.type
        self.repeated = fd.is_repeated
        self.map_value: _Field | None = None
        if self.repeated and fd.message_type is not None and fd.message_type.GetOptions().map_entry:
            self.map_value = _Field(fd.message_type.fields_by_name["value"])
        # oneof members (incl. proto3 `optional`) print only when set; gogo skips unset ones
        self.presence = fd.containing_oneof is not None
        self.nullable = opts.nullable if opts.HasField("nullable") else True
        self.custom = _custom_kind(opts.customtype, opts.casttype)
        self.msg_name = fd.message_type.full_name if fd.message_type is not None else None
        self.stdtime = opts.stdtime
        self.stdduration = opts.stdduration


def _raw_json(data: bytes) -> Any:
    """wasmd ``RawContractMessage.MarshalJSON``: the bytes themselves when they are JSON
    (null when empty); anything else (the node refuses such a Msg) as base64."""
    if not data:
        return None
    try:
        return json.loads(data)
    except ValueError:
        return _b64(data)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _legacy_dec(text: str) -> str:
    """LegacyDec.String(): the wire integer scaled by 10^18, always 18 decimals."""
    if not _DIGITS.fullmatch(text):
        return text
    n = int(text)
    digits = str(abs(n)).rjust(19, "0")
    return ("-" if n < 0 else "") + digits[:-18] + "." + digits[-18:]


def _timestamp(seconds: int, nanos: int) -> str:
    """gogo jsonpb: RFC 3339, UTC, 0/3/6/9 fractional digits."""
    try:
        dt = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
    except OverflowError:
        return f"{seconds}.{nanos:09d}"  # outside years 1..9999: the node would not print it either
    frac = f".{nanos:09d}"
    for _ in range(3):
        if frac.endswith("000"):
            frac = frac[:-3]
    if frac == ".":
        frac = ""
    return f"{dt.year:04d}-{dt:%m-%dT%H:%M:%S}{frac}Z"


def _duration(seconds: int, nanos: int) -> str:
    sign = "-" if seconds == 0 and nanos < 0 else ""
    text = f"{sign}{seconds}.{abs(nanos):09d}"
    for suffix in ("000", "000", ".000"):
        text = text.removesuffix(suffix)
    return text + "s"


def _float(value: float, single: bool) -> float | str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if single:  # Go prints a float32 with its shortest round-tripping digits
        for p in range(1, 10):
            short = float(f"{value:.{p}g}")
            if struct.unpack("<f", struct.pack("<f", short))[0] == value:
                return short
    return value


class DescriptorRegistry:
    """Protobuf types by full name, from operator descriptor sets then the built-in set.

    ``DescriptorRegistry(["chain.binpb", ...])``: each file is a binary
    ``FileDescriptorSet`` loaded into its own private pool (a bad file raises
    :class:`DescriptorSetError` naming it). Lookups try the files in the order given,
    then cometgraph's built-in types, so an operator's newer definition of a core type
    wins. Thread-safe for lookups (caches are filled idempotently).
    """

    def __init__(self, descriptor_files: Iterable[str | os.PathLike[str]] = ()) -> None:
        self.sources = [os.fspath(p) for p in descriptor_files]
        self._pools = [load_descriptor_set(p) for p in self.sources] + [builtin_pool()]
        self._types: dict[str, Descriptor | None] = {}
        self._plans: dict[Descriptor, tuple[_Field, ...]] = {}
        self._signer_fields: dict[Descriptor, tuple[str, ...]] = {}

    # -- lookups ------------------------------------------------------------------------
    def find(self, full_name: str) -> Descriptor | None:
        """The message descriptor for ``full_name`` (first pool that has it), or None."""
        try:
            return self._types[full_name]
        except KeyError:
            pass
        found = None
        for pool in self._pools:
            try:
                found = pool.FindMessageTypeByName(full_name)
                break
            except KeyError:
                continue
        self._types[full_name] = found
        return found

    def knows(self, type_url: str) -> bool:
        return bool(type_url) and self.find(type_name(type_url)) is not None

    def parse(self, type_url: str, value: bytes) -> DynamicMessage | None:
        """``value`` decoded as the type ``type_url`` names, or None (unknown / undecodable)."""
        desc = self.find(type_name(type_url)) if type_url else None
        if desc is None:
            return None
        msg = GetMessageClass(desc)()
        try:
            msg.ParseFromString(value)
        except (DecodeError, ValueError, RuntimeError):
            return None
        return msg

    # -- JSON ---------------------------------------------------------------------------
    def message_json(self, type_url: str, value: bytes) -> dict[str, Any]:
        """One ``Any`` as the REST prints it (``"@type"`` first); see the module doc."""
        return self._any(type_url, value, 0)

    def tx_json(self, raw: bytes) -> dict[str, Any]:
        """The REST's ``tx`` object (body, auth_info, signatures). Raises :class:`InvalidTx`."""
        tx_raw = open_raw(raw)
        out: dict[str, Any] = {}
        for key, name, data in (("body", "cosmos.tx.v1beta1.TxBody", tx_raw.body_bytes), ("auth_info", "cosmos.tx.v1beta1.AuthInfo", tx_raw.auth_info_bytes)):
            desc = self.find(name)
            assert desc is not None, f"built-in descriptors lack {name}"
            out[key] = self._message(parse_part(GetMessageClass(desc), data, desc.name, raw), 0)
        out["signatures"] = [_b64(s) for s in tx_raw.signatures]
        return out

    def _plan(self, desc: Descriptor) -> tuple[_Field, ...]:
        plan = self._plans.get(desc)
        if plan is None:
            plan = self._plans[desc] = tuple(_Field(fd) for fd in desc.fields)
        return plan

    def _any(self, type_url: str, value: bytes, depth: int) -> dict[str, Any]:
        msg = self.parse(type_url, value) if depth < _MAX_ANY_DEPTH else None
        if msg is None:
            return {"@type": type_url, "value": _b64(value)}
        name = msg.DESCRIPTOR.full_name
        if name in _WKT:
            return {"@type": type_url, "value": self._wkt(msg, name, depth + 1)}
        out: dict[str, Any] = {"@type": type_url}
        out.update(self._message(msg, depth + 1))
        return out

    def _wkt(self, msg: DynamicMessage, name: str, depth: int) -> Any:
        if name == "google.protobuf.Any":
            return self._any(msg.type_url, msg.value, depth)
        if name == "google.protobuf.Timestamp":
            return _timestamp(msg.seconds, msg.nanos)
        if name == "google.protobuf.Duration":
            return _duration(msg.seconds, msg.nanos)
        if name in _WRAPPERS:
            fd = msg.DESCRIPTOR.fields_by_name["value"]
            return self._scalar(_Field(fd), msg.value)
        return json_format.MessageToDict(msg, preserving_proto_field_name=True)

    def _message(self, msg: DynamicMessage, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in self._plan(msg.DESCRIPTOR):
            if f.presence and not msg.HasField(f.name):
                continue
            value = getattr(msg, f.name)
            if f.map_value is not None:
                out[f.name] = {_map_key(k): self._value(f.map_value, value[k], depth) for k in sorted(value)}
            elif f.repeated:
                out[f.name] = [self._value(f, v, depth) for v in value]
            elif f.msg_name is not None and not msg.HasField(f.name):
                out[f.name] = self._unset_message(f, value, depth)
            else:
                out[f.name] = self._value(f, value, depth)
        return out

    def _unset_message(self, f: _Field, zero: DynamicMessage, depth: int) -> Any:
        if f.nullable:
            return None
        if f.stdtime:
            return "0001-01-01T00:00:00Z"  # Go's zero time.Time
        if f.stdduration:
            return "0s"
        return self._value(f, zero, depth)

    def _value(self, f: _Field, value: Any, depth: int) -> Any:
        if f.msg_name is None:
            return self._scalar(f, value)
        if f.msg_name in _WKT:
            return self._wkt(value, f.msg_name, depth)
        return self._message(value, depth)

    def _scalar(self, f: _Field, value: Any) -> Any:
        t = f.type
        if t == FieldDescriptor.TYPE_STRING or t == FieldDescriptor.TYPE_BYTES:
            if f.custom in ("dec", "int"):
                text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
                if not text:
                    if f.nullable:
                        return None
                    return "0.000000000000000000" if f.custom == "dec" else "0"
                if f.custom == "dec":
                    return _legacy_dec(text)
                return str(int(text)) if _DIGITS.fullmatch(text) else text
            if t == FieldDescriptor.TYPE_BYTES:
                if f.custom == "json":
                    return _raw_json(value)
                return value.hex().upper() if f.custom == "hex" else _b64(value)
            return value
        if t in _INT64:
            return str(value)
        if t == FieldDescriptor.TYPE_ENUM:
            enum = f.fd.enum_type  # set on every enum field
            named = enum.values_by_number.get(value) if enum is not None else None
            return named.name if named is not None else value
        if t == FieldDescriptor.TYPE_DOUBLE or t == FieldDescriptor.TYPE_FLOAT:
            return _float(value, t == FieldDescriptor.TYPE_FLOAT)
        return value  # int32 family, bool

    # -- signers ------------------------------------------------------------------------
    def message_signers(self, type_url: str, value: bytes) -> list[str] | None:
        """The address strings a message's ``cosmos.msg.v1.signer`` fields hold, in order.

        None when the type is unknown, does not decode, or declares no signer option.
        """
        msg = self.parse(type_url, value)
        if msg is None:
            return None
        out = self._signers_of(msg, 0)
        return out if out is not None else None

    def _signer_fields_of(self, desc: Descriptor) -> tuple[str, ...]:
        got = self._signer_fields.get(desc)
        if got is None:
            opts = desc.GetOptions()
            got = tuple(options_pb2.CosmosMessageOptions.FromString(opts.SerializeToString()).signer) if desc.has_options else ()
            self._signer_fields[desc] = got
        return got

    def _signers_of(self, msg: DynamicMessage, depth: int) -> list[str] | None:
        names = self._signer_fields_of(msg.DESCRIPTOR)
        if not names or depth > 8:
            return None
        out: list[str] = []
        for name in names:
            fd = msg.DESCRIPTOR.fields_by_name.get(name)
            if fd is None:
                return None
            value = getattr(msg, name)
            items = list(value) if fd.is_repeated else [value]
            for item in items:
                if fd.type == FieldDescriptor.TYPE_STRING:
                    out.append(item)
                elif fd.type == FieldDescriptor.TYPE_MESSAGE:
                    nested = self._signers_of(item, depth + 1)
                    if nested is None:
                        return None
                    out.extend(nested)
                else:
                    return None
        return out


def _map_key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


@lru_cache(maxsize=1)
def default_registry() -> DescriptorRegistry:
    """The built-in types only (no operator descriptor sets)."""
    return DescriptorRegistry()


def message_json(type_url: str, value: bytes, registry: DescriptorRegistry | None = None) -> dict[str, Any]:
    """One tx message exactly as the node's REST prints it in ``tx.body.messages[i]``."""
    return (registry or default_registry()).message_json(type_url, value)


def tx_json(raw: bytes, registry: DescriptorRegistry | None = None) -> dict[str, Any]:
    """The REST's ``tx`` object of ``/cosmos/tx/v1beta1/txs/{hash}``. Raises :class:`InvalidTx`."""
    return (registry or default_registry()).tx_json(raw)

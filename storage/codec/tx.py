"""Cosmos SDK transactions: ``TxRaw`` bytes → ``DecodedTx``, and messages → REST JSON.

Three levels, each paid for only when asked:

* :func:`decode_tx` opens the envelope (``TxRaw`` → ``TxBody`` + ``AuthInfo``): memo, fee,
  signer infos, signatures, and the messages as ``(type_url, bytes)`` — message bodies
  are NOT decoded. Bytes that are not a protobuf SDK tx raise :class:`InvalidTx`.
* :func:`message_json` renders one message exactly as the node's REST
  ``/cosmos/tx/v1beta1/txs/{hash}`` prints it in ``tx.body.messages[i]``; :func:`tx_json`
  renders the whole ``tx`` object. An unknown type URL (or bytes that do not decode as
  the type) gives ``{"@type": url, "value": "<base64>"}``, never an exception.
* :func:`signers` derives the signers' bech32 addresses from the signer infos' keys,
  falling back to the messages' ``cosmos.msg.v1.signer`` fields when a key is absent.

How the REST prints (SDK 0.50 grpc-gateway = gogoproto jsonpb with ``OrigName`` and
``EmitDefaults``), reproduced by :class:`DescriptorRegistry`'s renderer:

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

The types come from descriptor pools (see ``storage/proto/README.md``): operator-supplied
``FileDescriptorSet`` files first, then cometgraph's built-in set (SDK 0.50 core modules,
ibc transfer, crypto keys) — all private pools, never protobuf's default pool.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import json
import math
import os
import re
import struct
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, UTC
from functools import lru_cache
from typing import Any, Literal, TypeAlias

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, unknown_fields
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import DecodeError
from google.protobuf.message_factory import GetMessageClass

from ..errors import CorruptRecord, InvalidInput, StorageError
from ..models import Coin, DecodedTx, Fee, SignerInfo, Tip, TxMessage
from ..proto import cosmos_tx_pb2 as pb
from ..proto import options_pb2
from . import bech32
from .hashes import keccak256, ripemd160

__all__ = [
    "DescriptorRegistry",
    "DescriptorSetError",
    "InvalidTx",
    "decode_tx",
    "default_registry",
    "message_json",
    "pubkey_address",
    "required_signers",
    "signers",
    "tx_json",
]


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


class DescriptorSetError(InvalidInput):
    """An operator-supplied descriptor file that cannot be loaded (the message names it)."""


#: A message of a class made from descriptors at run time (a pool's ``GetMessageClass``, or a
#: generated ``*_pb2`` module, which mypy does not read): its fields are known only then, so to
#: mypy it is ``Any``; the name says what the value is.
DynamicMessage: TypeAlias = Any


# ---------------------------------------------------------------- decode_tx
_SIGN_MODES = {v.number: v.name for v in pb.SignMode.DESCRIPTOR.values}
_TXRAW_FIELDS = frozenset(f.number for f in pb.TxRaw.DESCRIPTOR.fields)


def _parse(cls: type[DynamicMessage], data: bytes, what: str, raw: bytes) -> DynamicMessage:
    msg = cls()
    try:
        msg.ParseFromString(data)
    except (DecodeError, ValueError, RuntimeError) as exc:  # ValueError: bad UTF-8 in a string
        raise InvalidTx(f"{what} does not parse: {exc}", raw) from exc
    return msg


def _open_raw(raw: bytes) -> pb.TxRaw:
    """Parse ``TxRaw`` strictly, as the SDK's decoder does (ADR-027: no unknown fields).

    Strictness here is what tells random bytes from a tx; inside body and auth_info,
    unknown fields are tolerated (newer SDKs add fields, e.g. 0.52's ``unordered``).
    """
    if not raw:
        raise InvalidTx("empty tx bytes", raw)
    tx_raw = _parse(pb.TxRaw, raw, "TxRaw", raw)
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
    tx_raw = _open_raw(raw)
    body = _parse(pb.TxBody, tx_raw.body_bytes, "TxBody", raw)
    auth = _parse(pb.AuthInfo, tx_raw.auth_info_bytes, "AuthInfo", raw)
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


# ---------------------------------------------------------------- descriptor pools
def _type_name(type_url: str) -> str:
    return type_url.rsplit("/", 1)[-1]


_PROTOBUF_FILE = re.compile(r"google/protobuf/[a-z0-9_/]+\.proto")


def _protobuf_file(name: str) -> descriptor_pb2.FileDescriptorProto | None:
    """A ``google/protobuf/*.proto`` the protobuf runtime ships, or None.

    The default pool only holds the files whose ``_pb2`` module some code has imported, so
    import it first: otherwise a set relying on it loads or not depending on import order.
    """
    if not _PROTOBUF_FILE.fullmatch(name):
        return None
    try:
        importlib.import_module(name.removesuffix(".proto").replace("/", ".") + "_pb2")
        found = descriptor_pool.Default().FindFileByName(name)
    except (ImportError, KeyError):
        return None
    return descriptor_pb2.FileDescriptorProto.FromString(found.serialized_pb)


def _add_files(pool: descriptor_pool.DescriptorPool, files: Sequence[descriptor_pb2.FileDescriptorProto], source: str) -> None:
    """Add a set's files dependencies first; WKTs missing from the set come from protobuf."""
    by_name = {f.name: f for f in files}
    done: set[str] = set()

    def add(name: str, importer: str | None, chain: tuple[str, ...]) -> None:
        if not isinstance(name, str):  # proto2 strings that are not UTF-8 come back as bytes
            raise DescriptorSetError(f"descriptor set {source}: file name or import {name!r} is not valid UTF-8")
        if name in done:
            return
        if name in chain:
            raise DescriptorSetError(f"descriptor set {source}: import cycle through {name}")
        fdp = by_name.get(name)
        if fdp is None:
            if name.startswith("google/protobuf/"):
                fdp = _protobuf_file(name)
            if fdp is None:
                raise DescriptorSetError(
                    f"descriptor set {source}: {importer} imports {name}, which the set does not contain; "
                    "build it with its imports (`buf build -o FILE.binpb` includes them, protoc needs "
                    "--include_imports)"
                )
        for dep in fdp.dependency:
            add(dep, name, (*chain, name))
        try:
            pool.Add(fdp)
        except (TypeError, ValueError, KeyError) as exc:
            raise DescriptorSetError(f"descriptor set {source}: cannot load {name}: {exc}") from exc
        done.add(name)

    for f in files:
        add(f.name, None, ())


def load_descriptor_set(path: str | os.PathLike[str]) -> descriptor_pool.DescriptorPool:
    """A private pool holding one ``FileDescriptorSet`` file (binary protobuf)."""
    source = os.fspath(path)
    try:
        with open(source, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise DescriptorSetError(f"descriptor set {source}: cannot read: {exc.strerror or exc}") from exc
    hint = "expected a binary FileDescriptorSet, as written by `buf build -o FILE.binpb` or `protoc --descriptor_set_out=FILE --include_imports`"
    if data.lstrip()[:1] in (b"{", b"["):
        raise DescriptorSetError(f"descriptor set {source}: looks like JSON; {hint}")
    fds = descriptor_pb2.FileDescriptorSet()
    try:
        fds.ParseFromString(data)
    except (DecodeError, ValueError, RuntimeError) as exc:
        raise DescriptorSetError(f"descriptor set {source}: not a FileDescriptorSet ({exc}); {hint}") from exc
    if len(unknown_fields.UnknownFieldSet(fds)) or not fds.file or any(not f.name for f in fds.file):
        raise DescriptorSetError(f"descriptor set {source}: holds no proto files; {hint}")
    pool = descriptor_pool.DescriptorPool()
    _add_files(pool, list(fds.file), source)
    return pool


@lru_cache(maxsize=1)
def _builtin_pool() -> descriptor_pool.DescriptorPool:
    from ..proto.sdk_descriptors import FILE_DESCRIPTOR_SET

    pool = descriptor_pool.DescriptorPool()
    _add_files(pool, list(descriptor_pb2.FileDescriptorSet.FromString(FILE_DESCRIPTOR_SET).file), "cometgraph built-in")
    return pool


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
        self._pools = [load_descriptor_set(p) for p in self.sources] + [_builtin_pool()]
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
        return bool(type_url) and self.find(_type_name(type_url)) is not None

    def parse(self, type_url: str, value: bytes) -> DynamicMessage | None:
        """``value`` decoded as the type ``type_url`` names, or None (unknown / undecodable)."""
        desc = self.find(_type_name(type_url)) if type_url else None
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
        tx_raw = _open_raw(raw)
        out: dict[str, Any] = {}
        for key, name, data in (("body", "cosmos.tx.v1beta1.TxBody", tx_raw.body_bytes), ("auth_info", "cosmos.tx.v1beta1.AuthInfo", tx_raw.auth_info_bytes)):
            desc = self.find(name)
            assert desc is not None, f"built-in descriptors lack {name}"
            out[key] = self._message(_parse(GetMessageClass(desc), data, desc.name, raw), 0)
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


# ---------------------------------------------------------------- addresses
_P = 2**256 - 2**32 - 977  # secp256k1 field prime
_ETH_KEYS = frozenset(
    {
        "/injective.crypto.v1beta1.ethsecp256k1.PubKey",
        "/ethermint.crypto.v1.ethsecp256k1.PubKey",
        "/cosmos.evm.crypto.v1.ethsecp256k1.PubKey",
    }
)


def _uncompressed_xy(key: bytes) -> bytes | None:
    """X‖Y (64 bytes) of a secp256k1 point given compressed (33 B) or uncompressed (65 B)."""
    if len(key) == 65 and key[0] == 4:
        return key[1:]
    if len(key) != 33 or key[0] not in (2, 3):
        return None
    x = int.from_bytes(key[1:], "big")
    if x >= _P:
        return None
    y2 = (pow(x, 3, _P) + 7) % _P
    y = pow(y2, (_P + 1) // 4, _P)  # p ≡ 3 (mod 4)
    if y * y % _P != y2:
        return None  # x is not on the curve
    if y & 1 != key[0] & 1:
        y = _P - y
    return x.to_bytes(32, "big") + y.to_bytes(32, "big")


def pubkey_address(type_url: str, key: bytes) -> bytes | None:
    """The account address bytes a single public key controls, or None if not derivable.

    secp256k1: ripemd160(sha256(key)); eth_secp256k1 (Injective, Ethermint):
    keccak256(X‖Y)[12:]; ed25519: sha256(key)[:20].
    """
    if type_url == "/cosmos.crypto.secp256k1.PubKey":
        return ripemd160(hashlib.sha256(key).digest()) if len(key) == 33 else None
    if type_url in _ETH_KEYS:
        xy = _uncompressed_xy(key)
        return keccak256(xy)[12:] if xy is not None else None
    if type_url == "/cosmos.crypto.ed25519.PubKey":
        return hashlib.sha256(key).digest()[:20] if len(key) == 32 else None
    return None


def required_signers(tx: DecodedTx, registry: DescriptorRegistry | None = None) -> list[bytes] | None:
    """The SDK's GetSigners: every message's signer addresses, first occurrence order, then
    the fee payer if not among them. None if a message's signers cannot be read."""
    reg = registry or default_registry()
    out: list[bytes] = []
    seen: set[bytes] = set()
    texts: list[str] = []
    for m in tx.messages:
        got = reg.message_signers(m.type_url, m.value)
        if got is None:
            return None
        texts.extend(got)
    if tx.fee.payer:
        texts.append(tx.fee.payer)
    for text in texts:
        try:
            _, addr = bech32.decode(text)
        except bech32.Bech32Error:
            return None
        if addr not in seen:
            seen.add(addr)
            out.append(addr)
    return out


def signers(tx: DecodedTx, hrp: str, registry: DescriptorRegistry | None = None) -> list[str | None]:
    """Bech32 addresses (account HRP ``hrp``, from the chain's data) of the tx's signers,
    in signer-info order.

    Each comes from the signer info's public key; where the tx carries none (or a key
    type without a known address rule, e.g. multisig), from the messages' declared
    signers at the same position (signer_infos[i] belongs to GetSigners()[i]); None
    when neither is available.
    """
    out: list[str | None] = []
    declared: list[bytes] | None | Literal[False] = False  # False: not computed yet
    for i, info in enumerate(tx.signer_infos):
        addr = pubkey_address(info.public_key_type, info.public_key)
        if addr is None:
            if declared is False:
                declared = required_signers(tx, registry)
            if declared and i < len(declared):
                addr = declared[i]
        out.append(bech32.encode(hrp, addr) if addr is not None else None)
    return out

"""go-amino binary, as Tendermint ≤ 0.33 and Cosmos SDK ≤ 0.39 wrote it: a small reader and writer.

Amino binary is the protobuf wire format with a handful of differences; each one
lives in exactly one place below:

* **field numbers** are the Go struct's field order (1, 2, 3 …), not declared
  numbers; a struct's bytes are otherwise protobuf's (tag, then varint or
  length-delimited value). ``Fields`` reads them without a schema.
* **integers** (int64, int, uint64, SignedMsgType …) are plain uvarints of the
  two's-complement value, as protobuf ``int64`` — never zigzag (``Fields.sint``).
  Fields tagged ``binary:"fixed64"`` are wire type 1 (``Fields.fixed64``).
* **time.Time** is a struct ``{1: seconds, 2: nanos}``, each omitted when zero
  (go-amino ``EncodeTime``): protobuf ``Timestamp``'s bytes (``Fields.time``).
* **registered concrete types** stored in an interface field (public keys, accounts,
  evidence) start with a 4-byte prefix derived from the registered name
  (``prefix_of``): ``sha256(name)``, drop leading zero bytes, drop 3 bytes, drop
  leading zero bytes, take 4 (go-amino ``nameToDisfix``).
* **MarshalBinaryLengthPrefixed** values (blocks in parts, the SDK's ``s/latest`` and
  commit infos, supply) carry a uvarint length of the rest (``strip_length_prefix``).
* **omission**: zero, empty and "encodes to a single 0x00 byte" field values are not
  written (go-amino ``encodeReflectBinaryStruct`` rolls such a field back unless it is
  a pointer); ``Writer`` applies the same rule when re-encoding for hashes.

Sources: tendermint/go-amino v0.15 binary-encode.go, binary-decode.go, codec.go
(read for the rules; nothing here is copied). Every rule is checked against the
chains' own hashes: a header, validator set or commit re-encoded here must hash to
what the next block recorded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from ..models import PubKey, Time
from .varint import read_uvarint as _read_uvarint


class AminoError(ValueError):
    """Bytes that are not the amino structure expected; callers add the db and key."""


# ---------------------------------------------------------------- varints
def read_uvarint(buf: bytes, pos: int) -> tuple[int, int]:
    """Go ``binary.Uvarint``: at most 10 bytes, no overflow past 64 bits."""
    return _read_uvarint(buf, pos, AminoError)


def uvarint(n: int) -> bytes:
    if n < 0:
        n &= (1 << 64) - 1  # two's complement, as amino writes a negative int64
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _signed(u: int) -> int:
    return u - (1 << 64) if u >= 1 << 63 else u


def strip_length_prefix(buf: bytes) -> bytes:
    """The value inside a ``MarshalBinaryLengthPrefixed`` encoding; the length must cover the rest exactly."""
    n, pos = read_uvarint(buf, 0)
    if pos + n != len(buf):
        raise AminoError(f"length prefix says {n} bytes, {len(buf) - pos} follow")
    return bytes(buf[pos:])


def has_length_prefix(buf: bytes) -> bool:
    try:
        strip_length_prefix(buf)
    except AminoError:
        return False
    return True


# ---------------------------------------------------------------- reading
VARINT, FIXED64, BYTES, FIXED32 = 0, 1, 2, 5


class Fields:
    """One struct's fields, read once: number → list of (wire type, value).

    Values are ints (varint, fixed) or bytes (length-delimited). Accessors take the
    *last* occurrence of a non-repeated field, as protobuf and amino decoders do, and
    check the wire type, so a record of another layout fails here rather than
    decoding into nonsense.
    """

    __slots__ = ("raw", "_f")

    def __init__(self, buf: bytes) -> None:
        self.raw = bytes(buf)
        self._f: dict[int, list[tuple[int, int | bytes]]] = {}
        for num, wire, value in iter_fields(self.raw):
            self._f.setdefault(num, []).append((wire, value))

    def numbers(self) -> set[int]:
        return set(self._f)

    def wire(self, num: int) -> int | None:
        got = self._f.get(num)
        return got[-1][0] if got else None

    def has(self, num: int) -> bool:
        return num in self._f

    def _last(self, num: int, wire: int, what: str) -> Any:
        """The last value of field ``num``: an int for a varint or fixed wire type, bytes for
        ``BYTES`` (the wire type is checked, so the caller knows which), or None."""
        got = self._f.get(num)
        if not got:
            return None
        w, v = got[-1]
        if w != wire:
            raise AminoError(f"field {num} ({what}) has wire type {w}, expected {wire}")
        return v

    def uint(self, num: int) -> int:
        v = self._last(num, VARINT, "varint")
        return 0 if v is None else v

    def sint(self, num: int) -> int:
        """An int64/int field: the uvarint read as two's complement."""
        return _signed(self.uint(num))

    def fixed64(self, num: int) -> int:
        v = self._last(num, FIXED64, "fixed64")
        return 0 if v is None else _signed(v)

    def blob(self, num: int) -> bytes:
        v = self._last(num, BYTES, "bytes")
        return b"" if v is None else v

    def text(self, num: int) -> str:
        raw = self.blob(num)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise AminoError(f"field {num} is not UTF-8 text") from exc

    def msg(self, num: int) -> Fields | None:
        v = self._last(num, BYTES, "struct")
        return None if v is None else Fields(v)

    def msg_or_empty(self, num: int) -> Fields:
        return self.msg(num) or Fields(b"")

    def repeated(self, num: int) -> list[bytes]:
        """Every element of a repeated length-delimited field, in order (empty elements kept)."""
        out: list[bytes] = []
        for w, v in self._f.get(num, ()):
            if w != BYTES or not isinstance(v, bytes):  # BYTES values are bytes: the check narrows
                raise AminoError(f"repeated field {num} has wire type {w}")
            out.append(v)
        return out

    def repeated_text(self, num: int) -> list[str]:
        try:
            return [b.decode("utf-8") for b in self.repeated(num)]
        except UnicodeDecodeError as exc:
            raise AminoError(f"field {num} is not UTF-8 text") from exc

    def time(self, num: int) -> Time | None:
        """A ``time.Time`` field (None when amino omitted it)."""
        m = self.msg(num)
        return None if m is None else read_time(m)


def read_time(m: Fields) -> Time:
    nanos = m.sint(2)
    if not 0 <= nanos <= 999_999_999:
        raise AminoError(f"time with {nanos} nanoseconds")
    return Time(m.sint(1), nanos)


def iter_fields(buf: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    pos = 0
    n = len(buf)
    while pos < n:
        tag, pos = read_uvarint(buf, pos)
        num, wire = tag >> 3, tag & 7
        if num == 0:
            raise AminoError("field number 0")
        value: int | bytes
        if wire == VARINT:
            value, pos = read_uvarint(buf, pos)
        elif wire == BYTES:
            size, pos = read_uvarint(buf, pos)
            if size > n - pos:
                raise AminoError(f"field {num} runs {size - (n - pos)} bytes past the end")
            value, pos = buf[pos : pos + size], pos + size
        elif wire in (FIXED64, FIXED32):
            width = 8 if wire == FIXED64 else 4
            if pos + width > n:
                raise AminoError(f"field {num} runs past the end")
            value, pos = int.from_bytes(buf[pos : pos + width], "little"), pos + width
        else:
            raise AminoError(f"wire type {wire} at field {num}")
        yield num, wire, value


# ---------------------------------------------------------------- writing (for hashes)
class Writer:
    """Re-encodes a struct the way go-amino does, for hashing what the chain hashed.

    Every ``put_*`` omits a value that amino would not write (zero, empty, or a
    struct whose fields are all omitted).
    """

    __slots__ = ("_buf",)

    def __init__(self) -> None:
        self._buf = bytearray()

    def uint(self, num: int, value: int) -> Writer:
        if value:
            self._buf += uvarint(num << 3 | VARINT) + uvarint(value)
        return self

    sint = uint  # int64: the two's complement uvarint (``uvarint`` masks negatives)

    def blob(self, num: int, value: bytes | str) -> Writer:
        raw = value.encode() if isinstance(value, str) else value
        if raw:
            self._buf += uvarint(num << 3 | BYTES) + uvarint(len(raw)) + raw
        return self

    def struct(self, num: int, body: bytes) -> Writer:
        return self.blob(num, body)

    def time(self, num: int, t: Time | None) -> Writer:
        return self if t is None else self.struct(num, time_bytes(t))

    def done(self) -> bytes:
        return bytes(self._buf)


def time_bytes(t: Time) -> bytes:
    """``EncodeTime``: seconds and nanos, each only when non-zero."""
    return Writer().sint(1, t.seconds).sint(2, t.nanos).done()


def bare_bytes(raw: bytes) -> bytes:
    """``MarshalBinaryBare`` of a byte slice or string: uvarint length + bytes."""
    return uvarint(len(raw)) + raw


# ---------------------------------------------------------------- registered concrete types
def prefix_of(name: str) -> bytes:
    """The 4 prefix bytes go-amino derives from a registered type name (``nameToDisfix``)."""
    bz = hashlib.sha256(name.encode()).digest()
    bz = bz.lstrip(b"\x00")[3:].lstrip(b"\x00")
    return bz[:4]


#: registered public key types → (model type, key length)
PUBKEY_NAMES = {
    "tendermint/PubKeyEd25519": ("ed25519", 32),
    "tendermint/PubKeySecp256k1": ("secp256k1", 33),
    "tendermint/PubKeySr25519": ("sr25519", 32),
}
_PUBKEY_BY_PREFIX = {prefix_of(name): (name, typ, size) for name, (typ, size) in PUBKEY_NAMES.items()}
_PREFIX_BY_TYPE = {typ: prefix_of(name) for name, (typ, _) in PUBKEY_NAMES.items()}
#: the prefix + key-length bytes an amino public key starts with; how a record is told from protobuf
PUBKEY_STARTS = tuple(p + bytes([size]) for p, (_, _, size) in _PUBKEY_BY_PREFIX.items())
MULTISIG_PUBKEY = "tendermint/PubKeyMultisigThreshold"


def is_pubkey(raw: bytes) -> bool:
    return raw[:5] in PUBKEY_STARTS


def read_pubkey(raw: bytes) -> PubKey:
    """An interface-typed public key: prefix, then the key as a length-prefixed byte array."""
    found = _PUBKEY_BY_PREFIX.get(raw[:4])
    if found is None:
        raise AminoError(f"unknown public key type prefix {raw[:4].hex()}")
    _, typ, size = found
    key = raw[4:]
    n, pos = read_uvarint(key, 0)
    if n != size or pos + n != len(key):
        raise AminoError(f"{typ} public key of {len(key) - pos} bytes, expected {size}")
    return PubKey(type=typ, key=bytes(key[pos:]))


def pubkey_bytes(pk: PubKey) -> bytes:
    """``MarshalBinaryBare(pubkey)`` as an interface value: prefix + length-prefixed key."""
    prefix = _PREFIX_BY_TYPE.get(pk.type)
    if prefix is None:
        raise AminoError(f"no amino encoding for a {pk.type} public key")
    return prefix + bare_bytes(pk.key)


def registered(raw: bytes, names: dict[bytes, str]) -> tuple[str, bytes]:
    """(registered name, struct bytes) of an interface value whose prefix is one of ``names``."""
    name = names.get(raw[:4])
    if name is None:
        raise AminoError(f"unknown registered type prefix {raw[:4].hex()}")
    return name, bytes(raw[4:])


def names_by_prefix(*names: str) -> dict[bytes, str]:
    return {prefix_of(n): n for n in names}

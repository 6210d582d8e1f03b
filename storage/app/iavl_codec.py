"""IAVL node bytes, in both node formats: decoding, hashing, and the keys nodes live under.

One store's tree lives under a key prefix, ``s/k:<name>/`` for the root multistore's
stores. Two node formats exist, and one tree may mix them (a chain upgraded from SDK
≤ 0.47 to 0.50 keeps its untouched legacy subtrees under new v1 nodes):

legacy (iavl ≤ 0.20)
    ``r``+BE64(version) → root hash (empty: empty tree); ``n``+hash → node
    ``varint height‖varint size‖varint version‖bytes key`` then ``bytes value`` (leaf)
    or ``bytes leftHash‖bytes rightHash`` (inner). A node's key is its hash.
v1 (iavl 1.x)
    ``s``+BE64(version)+BE32(nonce) → node ``varint height‖varint size‖bytes key`` then
    ``bytes value`` (leaf) or ``bytes hash‖varint mode‖left‖right`` (inner); a child is
    ``bytes hash`` (legacy, mode bit 1 left / bit 2 right) or ``varint version‖varint
    nonce``. The root slot (v, 1) holds the root node itself, nothing (empty tree), or a
    *reference* ``s``+key of an older root (9 bytes: (that version, 1)). Pruning re-saves
    a root still referenced by a later version as (v, 0): a missing (v, 1) node is looked
    up there, as iavl's ``GetNode`` does. A version without a (v, 1) slot falls back to
    the legacy ``r`` root.

"varint" is Go's zigzag ``binary.PutVarint``, "bytes" a uvarint length + bytes. The node
hash (both formats) is sha256 of ``varint height‖varint size‖varint version`` then
``bytes key‖bytes sha256(value)`` (leaf) or ``bytes leftHash‖bytes rightHash``; a v1
node's version is its key's. (cosmos/iavl v1.2.6 node.go, nodedb.go; v0.20.1 node.go.)
"""

from __future__ import annotations

import struct
from hashlib import sha256
from typing import Any

from ..codec.varint import read_uvarint
from ..errors import InvalidInput
from ..lru import LRU

EMPTY_HASH = sha256(b"").digest()

MAX_VERSION = (1 << 63) - 1


# ------------------------------------------------------------------ encoding
class NodeFormatError(Exception):
    """Undecodable node bytes; turned into CorruptRecord by the caller, who knows the key."""


def _uvarint(buf: bytes, pos: int) -> tuple[int, int]:
    return read_uvarint(buf, pos, NodeFormatError)


def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    """Go ``binary.Varint`` (zigzag)."""
    u, pos = _uvarint(buf, pos)
    return (~(u >> 1) if u & 1 else u >> 1), pos


def read_bytes(buf: bytes, pos: int) -> tuple[bytes, int]:
    n, pos = _uvarint(buf, pos)
    if n > len(buf) - pos:
        raise NodeFormatError(f"length {n} runs past the end ({len(buf) - pos} bytes left)")
    return bytes(buf[pos : pos + n]), pos + n


def put_uvarint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def put_varint(x: int) -> bytes:
    return put_uvarint(x << 1 if x >= 0 else ((~x) << 1) | 1)


def put_bytes(b: bytes) -> bytes:
    return put_uvarint(len(b)) + b


def v1_ref(version: int, nonce: int) -> bytes:
    """A v1 node's key suffix under the store prefix."""
    return b"s" + struct.pack(">QI", version, nonce)


def legacy_ref(node_hash: bytes) -> bytes:
    """A legacy node's key suffix under the store prefix."""
    return b"n" + node_hash


def store_prefix(store: str | bytes) -> bytes:
    """``s/k:<name>/`` for a multistore name; bytes are taken as the prefix itself."""
    if isinstance(store, str):
        if not store or "/" in store:
            raise InvalidInput(f"bad store name {store!r}")
        return b"s/k:" + store.encode() + b"/"
    return bytes(store)


# ------------------------------------------------------------------ nodes
class Node:
    """One decoded node. ``left``/``right`` are child key suffixes (``s``+12 B or ``n``+32 B)."""

    __slots__ = ("height", "size", "version", "key", "value", "hash", "left", "right", "legacy")

    def __init__(
        self,
        height: int,
        size: int,
        version: int,
        key: bytes,
        value: bytes | None,
        node_hash: bytes | None,
        left: bytes | None,
        right: bytes | None,
        legacy: bool,
    ) -> None:
        self.height: int = height
        self.size: int = size
        #: the version hashed into the node: a legacy node's own field, a v1 node's key version
        self.version: int = version
        self.key: bytes = key
        self.value: bytes | None = value
        #: stored hash: a legacy node's key, a v1 inner node's field; None for a v1 leaf
        self.hash: bytes | None = node_hash
        self.left: bytes | None = left
        self.right: bytes | None = right
        self.legacy: bool = legacy

    @property
    def is_leaf(self) -> bool:
        return self.height == 0

    def child(self, right: bool) -> bytes:
        """An inner node's left or right child ref (the decoders give every inner node both)."""
        ref = self.right if right else self.left
        if ref is None:
            raise ValueError(f"node {self.key!r} at height {self.height} has no children")
        return ref

    def leaf_value(self) -> bytes:
        """A leaf's value (the decoders give every leaf one)."""
        if self.value is None:
            raise ValueError(f"node {self.key!r} at height {self.height} has no value")
        return self.value

    def cost(self) -> int:
        return 96 + len(self.key) + (len(self.value) if self.value is not None else 0)


def _header(buf: bytes) -> tuple[int, int, int]:
    height, pos = read_varint(buf, 0)
    if not 0 <= height <= 127:
        raise NodeFormatError(f"height {height} outside 0..127")
    size, pos = read_varint(buf, pos)
    if size < 1 or (height == 0 and size != 1):
        raise NodeFormatError(f"size {size} impossible at height {height}")
    return height, size, pos


def _end(buf: bytes, pos: int) -> None:
    if pos != len(buf):
        raise NodeFormatError(f"{len(buf) - pos} trailing bytes")


def _hash32(buf: bytes, pos: int, what: str) -> tuple[bytes, int]:
    h, pos = read_bytes(buf, pos)
    if len(h) != 32:
        raise NodeFormatError(f"{what} is {len(h)} bytes, not 32")
    return h, pos


def _uv(buf: bytes, pos: int) -> tuple[int, int]:
    """A uvarint; one or two bytes (most node fields, child versions below 8,192) without
    the general reader's loop."""
    if pos + 1 < len(buf):
        b = buf[pos]
        if b < 0x80:
            return b, pos + 1
        c = buf[pos + 1]
        if c < 0x80:
            return (b & 0x7F) | (c << 7), pos + 2
    elif pos < len(buf) and buf[pos] < 0x80:
        return buf[pos], pos + 1
    return read_uvarint(buf, pos, NodeFormatError)


def decode_v1(ref: bytes, buf: bytes) -> Node:
    """A v1 node stored at ``ref`` (``s``+BE64 version+BE32 nonce).

    Read inline with one call per varint: a walk to a historical height decodes a dozen fresh
    nodes a lookup, and this is most of its Python. Checks and errors are ``_header``'s,
    ``read_bytes``' and ``_hash32``'s."""
    if type(buf) is not bytes:
        buf = bytes(buf)
    version = int.from_bytes(ref[1:9], "big")
    u, pos = _uv(buf, 0)
    height = ~(u >> 1) if u & 1 else u >> 1
    if not 0 <= height <= 127:
        raise NodeFormatError(f"height {height} outside 0..127")
    u, pos = _uv(buf, pos)
    size = ~(u >> 1) if u & 1 else u >> 1
    if size < 1 or (height == 0 and size != 1):
        raise NodeFormatError(f"size {size} impossible at height {height}")
    n, pos = _uv(buf, pos)
    if n > len(buf) - pos:
        raise NodeFormatError(f"length {n} runs past the end ({len(buf) - pos} bytes left)")
    key = buf[pos : pos + n]
    pos += n
    if height == 0:
        n, pos = _uv(buf, pos)
        if n != len(buf) - pos:
            if n > len(buf) - pos:
                raise NodeFormatError(f"length {n} runs past the end ({len(buf) - pos} bytes left)")
            raise NodeFormatError(f"{len(buf) - pos - n} trailing bytes")
        return Node(0, 1, version, key, buf[pos:], None, None, None, False)
    n, pos = _uv(buf, pos)
    if n > len(buf) - pos:
        raise NodeFormatError(f"length {n} runs past the end ({len(buf) - pos} bytes left)")
    if n != 32:
        raise NodeFormatError(f"hash is {n} bytes, not 32")
    node_hash = buf[pos : pos + 32]
    u, pos = _uv(buf, pos + 32)
    mode = ~(u >> 1) if u & 1 else u >> 1
    if not 0 <= mode <= 3:
        raise NodeFormatError(f"child mode {mode} outside 0..3")
    if mode:
        return _decode_v1_mixed(version, height, size, key, node_hash, mode, buf, pos)
    u, pos = _uv(buf, pos)
    lv = ~(u >> 1) if u & 1 else u >> 1
    u, pos = _uv(buf, pos)
    ln = ~(u >> 1) if u & 1 else u >> 1
    u, pos = _uv(buf, pos)
    rv = ~(u >> 1) if u & 1 else u >> 1
    u, pos = _uv(buf, pos)
    rn = ~(u >> 1) if u & 1 else u >> 1
    for side, cv, nonce in (("left", lv, ln), ("right", rv, rn)):
        if not 1 <= cv <= MAX_VERSION or not 0 <= nonce < 1 << 32:
            raise NodeFormatError(f"{side} child key ({cv}, {nonce}) out of range")
    _end(buf, pos)
    return Node(height, size, version, key, None, node_hash, _V1_REF(b"s", lv, ln), _V1_REF(b"s", rv, rn), False)


_V1_REF = struct.Struct(">cQI").pack


def _decode_v1_mixed(version: int, height: int, size: int, key: bytes, node_hash: bytes, mode: int, buf: bytes, pos: int) -> Node:
    """The children of an inner node with a legacy child (a chain upgraded from iavl 0.20)."""
    children = []
    for bit, side in ((1, "left"), (2, "right")):
        if mode & bit:
            h, pos = _hash32(buf, pos, f"legacy {side} child hash")
            children.append(legacy_ref(h))
        else:
            cv, pos = read_varint(buf, pos)
            nonce, pos = read_varint(buf, pos)
            if not 1 <= cv <= MAX_VERSION or not 0 <= nonce < 1 << 32:
                raise NodeFormatError(f"{side} child key ({cv}, {nonce}) out of range")
            children.append(v1_ref(cv, nonce))
    _end(buf, pos)
    return Node(height, size, version, key, None, node_hash, children[0], children[1], False)


def decode_legacy(ref: bytes, buf: bytes) -> Node:
    """A legacy node stored at ``ref`` (``n``+its hash)."""
    height, size, pos = _header(buf)
    version, pos = read_varint(buf, pos)
    if version < 1:
        raise NodeFormatError(f"version {version} below 1")
    key, pos = read_bytes(buf, pos)
    if height == 0:
        value, pos = read_bytes(buf, pos)
        _end(buf, pos)
        return Node(0, 1, version, key, value, ref[1:], None, None, True)
    lh, pos = _hash32(buf, pos, "left hash")
    rh, pos = _hash32(buf, pos, "right hash")
    _end(buf, pos)
    return Node(height, size, version, key, None, ref[1:], legacy_ref(lh), legacy_ref(rh), True)


def decode_node(ref: bytes, buf: bytes) -> Node:
    """Decode by the key's form; raises ``ValueError`` with the reason on bad bytes."""
    try:
        if len(ref) == 13 and ref[:1] == b"s":
            return decode_v1(ref, buf)
        if len(ref) == 33 and ref[:1] == b"n":
            return decode_legacy(ref, buf)
    except NodeFormatError as exc:
        raise ValueError(str(exc)) from None
    raise ValueError(f"not a node key: {ref!r}")


def leaf_hash(node: Node) -> bytes:
    return sha256(put_varint(0) + put_varint(1) + put_varint(node.version) + put_bytes(node.key) + put_bytes(sha256(node.leaf_value()).digest())).digest()


def inner_hash(node: Node, left_hash: bytes, right_hash: bytes) -> bytes:
    return sha256(put_varint(node.height) + put_varint(node.size) + put_varint(node.version) + put_bytes(left_hash) + put_bytes(right_hash)).digest()


# ------------------------------------------------------------------ cache
class NodeCache(LRU[Node]):
    """Decoded nodes keyed by their full database key, bounded by their approximate bytes; and,
    in ``records`` (1/8 of the bytes), module records decoded from their bytes
    (``AppStore.decoded``), keyed by (kind, store key, bytes).

    Both are immutable once written, so one cache may serve every snapshot of ONE
    database (pass it to each tree); never share it between different databases.
    """

    def __init__(self, max_bytes: int = 64 << 20) -> None:
        super().__init__(max_bytes - max_bytes // 8, Node.cost)
        self.max_bytes = max_bytes
        self.records: LRU[tuple[Any, int]] = LRU(max_bytes // 8, lambda entry: entry[1])

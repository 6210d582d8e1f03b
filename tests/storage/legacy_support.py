"""Helpers for the legacy-archive tests (test_legacy_*.py): private copies, vote sign bytes, ed25519.

The archives hold real chains no node here can run, so their own signatures are an
oracle: a commit signature verifies only if the commit's height, round, block id,
timestamp and the chain id were all decoded exactly, and the validator's key too.
"""

from __future__ import annotations

import shutil
import struct
from contextlib import contextmanager
from dataclasses import dataclass
from hashlib import sha512
from pathlib import Path

from cometgraph.storage.app.store import AppStore
from cometgraph.storage.blocks import BlockStore
from cometgraph.storage.codec.amino import Writer, uvarint
from cometgraph.storage.kv import open_kv
from cometgraph.storage.models import PROTO, Commit, CommitSig
from cometgraph.storage.state import StateStore


@dataclass
class Stores:
    blocks: BlockStore
    state: StateStore
    app: AppStore | None


@contextmanager
def open_copies(data_dir: Path, tmp: Path):
    """BlockStore, StateStore and (when present) AppStore over private copies of ``data_dir``'s databases."""
    kvs = []
    for name in ("blockstore", "state", "application"):
        if (data_dir / f"{name}.db").is_dir():
            shutil.copytree(data_dir / f"{name}.db", tmp / f"{name}.db")
            kvs.append(open_kv(tmp / f"{name}.db"))
    try:
        by = {kv.name: kv for kv in kvs}
        blocks = BlockStore(by["blockstore.db"])
        app = by.get("application.db")
        yield Stores(blocks, StateStore(by["state.db"], base=blocks.base()), AppStore(app) if app else None)
    finally:
        for kv in kvs:
            kv.close()


# ---------------------------------------------------------------- what a precommit signs
def vote_sign_bytes(chain_id: str, commit: Commit, sig: CommitSig) -> bytes:
    """``VoteSignBytes`` of a COMMIT signature, in the commit's own generation.

    amino (0.32, 0.33): length-prefixed ``CanonicalVote{type 1, height 2 fixed64, round 3
    fixed64, block_id 4 {hash 1, parts 2 {hash 1, total 2}}, timestamp 5, chain_id 6}``;
    protobuf (0.34+): delimited ``CanonicalVote{type 1, height 2 sfixed64, round 3 sfixed64,
    block_id 4 {hash 1, part_set_header 2 {total 1, hash 2}}, timestamp 5, chain_id 6}``.
    """
    b = commit.block_id
    fixed = b""
    if commit.height:
        fixed += b"\x11" + struct.pack("<q", commit.height)
    if commit.round:
        fixed += b"\x19" + struct.pack("<q", commit.round)
    if commit.encoding == PROTO:
        psh = Writer().uint(1, b.part_set_header.total).blob(2, b.part_set_header.hash).done()
        ts = Writer().sint(1, sig.timestamp.seconds).sint(2, sig.timestamp.nanos).done()
        block_id = Writer().blob(1, b.hash).done() + b"\x12" + uvarint(len(psh)) + psh
        body = b"\x08\x02" + fixed + b"\x22" + uvarint(len(block_id)) + block_id + b"\x2a" + uvarint(len(ts)) + ts
        body += Writer().blob(6, chain_id).done()
    else:
        psh = Writer().blob(1, b.part_set_header.hash).sint(2, b.part_set_header.total).done()
        block_id = Writer().blob(1, b.hash).struct(2, psh).done()
        body = b"\x08\x02" + fixed + Writer().struct(4, block_id).time(5, sig.timestamp).blob(6, chain_id).done()
    return uvarint(len(body)) + body


# ---------------------------------------------------------------- ed25519 (RFC 8032 verify; tests only)
_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _add(a, b):
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    p, q = (y1 - x1) * (y2 - x2) % _P, (y1 + x1) * (y2 + x2) % _P
    c, d = 2 * t1 * t2 * _D % _P, 2 * z1 * z2 % _P
    e, f, g, h = q - p, d - c, d + c, q + p
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _mul(s: int, pt):
    acc = (0, 1, 1, 0)
    while s:
        if s & 1:
            acc = _add(acc, pt)
        pt = _add(pt, pt)
        s >>= 1
    return acc


def _point(raw: bytes):
    y = int.from_bytes(raw, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P or (x == 0 and sign):
        return None
    if x & 1 != sign:
        x = _P - x
    return (x, y, 1, x * y % _P)


_BASE = _point((4 * pow(5, _P - 2, _P) % _P).to_bytes(32, "little"))


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    if len(public_key) != 32 or len(signature) != 64:
        return False
    a, r = _point(public_key), _point(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= _L:
        return False
    k = int.from_bytes(sha512(signature[:32] + public_key + message).digest(), "little") % _L
    lhs, rhs = _mul(s, _BASE), _add(r, _mul(k, a))
    return (lhs[0] * rhs[2] - rhs[0] * lhs[2]) % _P == 0 and (lhs[1] * rhs[2] - rhs[1] * lhs[2]) % _P == 0

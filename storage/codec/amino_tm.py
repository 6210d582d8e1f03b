"""Tendermint 0.32 / 0.33 records (go-amino) → the same domain models as protobuf ones.

Both generations write block protocol 10; they differ in a few layouts, and each
record says which it is by its own bytes:

=================  ==========================================  ==========================================
record             0.33                                        0.32
=================  ==========================================  ==========================================
``H:h`` BlockMeta  {block_id 1, block_size 2, header 3,        {block_id 1, header 2}
                   num_txs 4}
Header             {version 1, chain_id 2, height 3, time 4,   {…, time 4, num_txs 5, total_txs 6,
                   last_block_id 5, hashes 6–13, proposer 14}  last_block_id 7, hashes 8–15, proposer 16}
Block (parts)      length-prefixed {header 1, data 2,          the same
                   evidence 3, last_commit 4}
``C:h`` Commit     {height 1, round 2, block_id 3,             {block_id 1, precommits 2 (Vote; nil = empty)}
                   signatures 4 CommitSig}
``stateKey``       {…, last_block_height 3, last_block_id 4,   {…, last_block_height 3, total_tx 4,
                   …} (protobuf's numbers)                     last_block_id 5, …} (one more from 4 on)
=================  ==========================================  ==========================================

Public keys inside validators are amino interface values (``amino.read_pubkey``);
consensus params keep ``time.Duration`` as an int64 of nanoseconds. The protobuf
generation's numbering was made to match 0.33, so 0.33 metas, parts and commits
also parse as protobuf: the block protocol (10 vs 11) tells them apart.

This module reads the block store's records (and holds the helpers both use); state.db's
(validators, params, ABCI responses, state) are ``codec.amino_state``'s.

Every function raises ``CorruptRecord`` naming the key for bytes that are not the
record, and ``UnknownFormat`` for a well-formed record of a generation not read
here (another block protocol, an unregistered key type).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypeVar

from ..errors import CorruptRecord, UnknownFormat
from ..models import (
    AMINO_032,
    AMINO_033,
    Block,
    BlockID,
    BlockMeta,
    Commit,
    CommitSig,
    Evidence,
    Header,
    PartSetHeader,
)
from . import amino
from .amino import VARINT, AminoError, Fields

T = TypeVar("T")

#: the only block protocol amino Tendermint wrote that cometgraph reads (0.32 and 0.33 both)
AMINO_BLOCK_PROTOCOL = 10
#: BlockIDFlag values (0.33 CommitSig; 0.32 precommits are mapped onto them)
ABSENT, COMMIT, NIL = 1, 2, 3
#: ``SignedMsgType`` of a precommit
PRECOMMIT = 2

_EVIDENCE = amino.names_by_prefix("tendermint/DuplicateVoteEvidence")


def decoding(db: str, key: bytes, what: str, fn: Callable[[], T]) -> T:
    """Run ``fn``, turning amino read errors into ``CorruptRecord`` for this key."""
    try:
        return fn()
    except AminoError as exc:
        raise CorruptRecord(db, key, f"not an amino {what}: {exc}") from None


# ---------------------------------------------------------------- block store state
def decode_block_store_json(data: bytes, db: str, key: bytes) -> tuple[int, int]:
    """``blockStore`` as ≤0.33 wrote it: amino JSON ``{"base":"1","height":"750"}`` (no base in 0.32)."""
    try:
        doc = json.loads(data)
        if not isinstance(doc, dict) or "height" not in doc or set(doc) - {"base", "height"}:
            raise UnknownFormat(f"{db} holds a JSON block store state cometgraph does not know: {data[:80]!r}")
        base, height = int(doc.get("base", 0)), int(doc["height"])
    except (ValueError, TypeError) as exc:
        raise CorruptRecord(db, key, f"not a JSON block store state: {exc}") from None
    if base < 0 or height < 0 or (base > height and height > 0):
        raise CorruptRecord(db, key, f"base {base} and height {height} make no range")
    return base, height


# ---------------------------------------------------------------- headers and block ids
def block_id_of(f: Fields | None) -> BlockID:
    if f is None:
        return BlockID(hash=b"", part_set_header=PartSetHeader(total=0, hash=b""))
    parts = f.msg_or_empty(2)
    return BlockID(hash=f.blob(1), part_set_header=PartSetHeader(total=parts.sint(1), hash=parts.blob(2)))


def header_layout(f: Fields) -> str:
    """0.32 headers carry tx counts (varints 5, 6) and end at field 16; 0.33 headers end at 14."""
    nums = f.numbers()
    if f.wire(5) == VARINT or f.wire(6) == VARINT or (nums and max(nums) > 14):
        return AMINO_032
    return AMINO_033


def _header(f: Fields | None, db: str, key: bytes) -> Header:
    if f is None or f.sint(3) < 1:
        raise AminoError("no header with a height")
    layout = header_layout(f)
    version = f.msg_or_empty(1)
    if version.uint(1) != AMINO_BLOCK_PROTOCOL:
        raise UnknownFormat(
            f"{db} holds an amino header of block protocol {version.uint(1)} at {key!r}; cometgraph reads "
            f"amino block protocol {AMINO_BLOCK_PROTOCOL} (Tendermint 0.32, 0.33) and protobuf from 0.34"
        )
    s = 2 if layout == AMINO_032 else 0  # 0.32's tx counts shift every later field by two
    header = Header(
        version_block=version.uint(1),
        version_app=version.uint(2),
        chain_id=f.text(2),
        height=f.sint(3),
        time=f.time(4) or amino.read_time(Fields(b"")),
        last_block_id=block_id_of(f.msg(5 + s)),
        last_commit_hash=f.blob(6 + s),
        data_hash=f.blob(7 + s),
        validators_hash=f.blob(8 + s),
        next_validators_hash=f.blob(9 + s),
        consensus_hash=f.blob(10 + s),
        app_hash=f.blob(11 + s),
        last_results_hash=f.blob(12 + s),
        evidence_hash=f.blob(13 + s),
        proposer_address=f.blob(14 + s),
        encoding=layout,
        num_txs=f.sint(5) if layout == AMINO_032 else None,
        total_txs=f.sint(6) if layout == AMINO_032 else None,
    )
    return header


def decode_block_meta(data: bytes, db: str, key: bytes) -> BlockMeta:
    """``H:h``: 0.33 ``{block_id, block_size, header, num_txs}`` or 0.32 ``{block_id, header}``."""

    def read() -> BlockMeta:
        f = Fields(data)
        if f.wire(2) == amino.BYTES:  # 0.32: the header is field 2
            header = _header(f.msg(2), db, key)
            if header.encoding != AMINO_032:
                raise AminoError("a 0.32 meta holding a 0.33 header")
            size, num_txs = 0, header.num_txs or 0
        else:
            header = _header(f.msg(3), db, key)
            if header.encoding != AMINO_033:
                raise AminoError("a 0.33 meta holding a 0.32 header")
            size, num_txs = f.sint(2), f.sint(4)
        block_id = block_id_of(f.msg(1))
        if len(block_id.hash) != 32:
            raise AminoError(f"block hash of {len(block_id.hash)} bytes")
        return BlockMeta(block_id=block_id, block_size=size, header=header, num_txs=num_txs)

    return decoding(db, key, "block meta", read)


# ---------------------------------------------------------------- commits
def _commit_033(f: Fields) -> Commit:
    sigs = []
    for raw in f.repeated(4):
        s = Fields(raw)
        sigs.append(CommitSig(block_id_flag=s.uint(1), validator_address=s.blob(2), timestamp=s.time(3), signature=s.blob(4)))
    return Commit(height=f.sint(1), round=f.sint(2), block_id=block_id_of(f.msg(3)), signatures=tuple(sigs), encoding=AMINO_033)


def _commit_032(f: Fields) -> Commit:
    """``Commit{block_id, precommits}``; height and round are the first precommit's, as 0.32's ``Commit.Height()``."""
    block_id = block_id_of(f.msg(1))
    votes = [Fields(raw) if raw else None for raw in f.repeated(2)]
    first = next((v for v in votes if v is not None), None)
    height, rnd = (first.sint(2), first.sint(3)) if first else (0, 0)
    sigs = []
    for index, v in enumerate(votes):
        if v is None:  # a nil precommit: amino writes an empty element
            sigs.append(CommitSig(block_id_flag=ABSENT, validator_address=b"", timestamp=None, signature=b""))
            continue
        if v.uint(1) != PRECOMMIT or v.sint(2) != height or v.sint(3) != rnd or v.sint(7) != index:
            raise AminoError(f"precommit {index} is not a precommit of height {height} round {rnd} at index {index}")
        flag = COMMIT if block_id_of(v.msg(4)) == block_id else NIL
        sigs.append(CommitSig(block_id_flag=flag, validator_address=v.blob(6), timestamp=v.time(5), signature=v.blob(8)))
    return Commit(height=height, round=rnd, block_id=block_id, signatures=tuple(sigs), encoding=AMINO_032)


def is_commit_032(data: bytes) -> bool:
    """0.32 commits open with the block id (bytes); 0.33 and protobuf ones with the height (varint)."""
    return data[:1] == b"\x0a"


def decode_commit(data: bytes, db: str, key: bytes) -> Commit:
    """``C:h`` / ``SC:h`` of an amino block store, 0.32 or 0.33 by its first field."""
    return decoding(db, key, "commit", lambda: _commit_032(Fields(data)) if is_commit_032(data) else _commit_033(Fields(data)))


# ---------------------------------------------------------------- blocks
def _evidence(raw: bytes) -> Evidence:
    name, body = amino.registered(raw, _EVIDENCE)
    vote_a = Fields(body).msg_or_empty(2)
    return Evidence(kind="duplicate_vote_evidence", height=vote_a.sint(2), time=vote_a.time(5), raw=raw)


def decode_block(data: bytes, db: str, key: bytes) -> Block:
    """A block from its parts' bytes: amino ``MarshalBinaryLengthPrefixed``, so a length comes first."""

    def read() -> Block:
        f = Fields(amino.strip_length_prefix(data))
        header = _header(f.msg(1), db, key)
        lc = f.msg(4)  # block 1 holds an empty one: a non-nil *Commit is written even when empty
        if lc is None:
            last_commit = None
        elif header.encoding == AMINO_032:
            last_commit = _commit_032(lc)
        else:
            last_commit = _commit_033(lc)
        return Block(
            header=header,
            txs=tuple(f.msg_or_empty(2).repeated(1)),
            evidence=tuple(_evidence(e) for e in f.msg_or_empty(3).repeated(1)),
            last_commit=last_commit,
        )

    return decoding(db, key, "block", read)

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

Every function raises ``CorruptRecord`` naming the key for bytes that are not the
record, and ``UnknownFormat`` for a well-formed record of a generation not read
here (another block protocol, an unregistered key type).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from ..errors import CorruptRecord, UnknownFormat
from ..models import (
    AMINO_032,
    AMINO_033,
    Block,
    BlockID,
    BlockMeta,
    BlockResults,
    ChainState,
    Commit,
    CommitSig,
    Event,
    EventAttribute,
    Evidence,
    ExecResult,
    Header,
    PartSetHeader,
    PubKey,
    Validator,
    ValidatorUpdate,
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
def _block_id(f: Fields | None) -> BlockID:
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
        last_block_id=_block_id(f.msg(5 + s)),
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
        block_id = _block_id(f.msg(1))
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
    return Commit(height=f.sint(1), round=f.sint(2), block_id=_block_id(f.msg(3)), signatures=tuple(sigs), encoding=AMINO_033)


def _commit_032(f: Fields) -> Commit:
    """``Commit{block_id, precommits}``; height and round are the first precommit's, as 0.32's ``Commit.Height()``."""
    block_id = _block_id(f.msg(1))
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
        flag = COMMIT if _block_id(v.msg(4)) == block_id else NIL
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


# ---------------------------------------------------------------- validators
def _validator(raw: bytes) -> Validator:
    v = Fields(raw)
    pk = v.blob(2)
    if not pk:
        raise AminoError("validator without a public key")
    return Validator(address=v.blob(1), pub_key=_pubkey(pk), voting_power=v.sint(3), proposer_priority=v.sint(4))


def _pubkey(raw: bytes) -> PubKey:
    if raw[:4] == amino.prefix_of(amino.MULTISIG_PUBKEY) or not any(raw[:4] == p[:4] for p in amino.PUBKEY_STARTS):
        raise UnknownFormat(f"an amino public key of type prefix {raw[:4].hex()}, which cometgraph does not read")
    return amino.read_pubkey(raw)


def validator_set(f: Fields) -> tuple[tuple[Validator, ...], Validator | None]:
    vals = tuple(_validator(raw) for raw in f.repeated(1))
    proposer = f.msg(2)
    return vals, _validator(proposer.raw) if proposer is not None and proposer.raw else None


def decode_validators_info(data: bytes, db: str, key: bytes) -> tuple[tuple[Validator, ...] | None, Validator | None, int]:
    """``validatorsKey:h`` → (validators or None when only a pointer, stored proposer, last_height_changed)."""

    def read() -> tuple[tuple[Validator, ...] | None, Validator | None, int]:
        f = Fields(data)
        last_changed = f.sint(2)
        vs = f.msg(1)
        if vs is None:
            if last_changed < 1:
                raise AminoError("neither a validator set nor a last_height_changed pointer")
            return None, None, last_changed
        vals, proposer = validator_set(vs)
        if not vals:
            raise AminoError("empty validator set")
        return vals, proposer, last_changed

    return decoding(db, key, "validators info", read)


def has_amino_pubkey(data: bytes) -> bool:
    """Whether a validator-bearing record holds amino public keys (how state.db records are told apart)."""
    return any(p in data for p in amino.PUBKEY_STARTS)


# ---------------------------------------------------------------- consensus params
def consensus_params_dict(f: Fields, encoding: str) -> dict[str, Any]:
    """``ConsensusParams`` as the node's RPC printed them (int64 as strings, durations in ns)."""
    out: dict[str, Any] = {}
    if f.has(1):
        b = f.msg_or_empty(1)
        out["block"] = {"max_bytes": str(b.sint(1)), "max_gas": str(b.sint(2)), "time_iota_ms": str(b.sint(3))}
    if f.has(2):
        e = f.msg_or_empty(2)
        if encoding == AMINO_032:
            out["evidence"] = {"max_age": str(e.sint(1))}
        else:
            out["evidence"] = {"max_age_num_blocks": str(e.sint(1)), "max_age_duration": str(e.sint(2))}
    if f.has(3):
        out["validator"] = {"pub_key_types": f.msg_or_empty(3).repeated_text(1)}
    return out


def decode_consensus_params_info(data: bytes, encoding: str, db: str, key: bytes) -> tuple[dict[str, Any] | None, int]:
    def read() -> tuple[dict[str, Any] | None, int]:
        f = Fields(data)
        params = f.msg(1)
        if params is None or not params.raw:
            if f.sint(2) < 1:
                raise AminoError("neither consensus params nor a last_height_changed pointer")
            return None, f.sint(2)
        return consensus_params_dict(params, encoding), f.sint(2)

    return decoding(db, key, "consensus params info", read)


# ---------------------------------------------------------------- ABCI responses
def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="backslashreplace")


def _events(raws: list[bytes]) -> tuple[Event, ...]:
    out = []
    for raw in raws:
        e = Fields(raw)
        attrs = []
        for a in e.repeated(2):
            kv = Fields(a)
            attrs.append(EventAttribute(key=_text(kv.blob(1)), value=_text(kv.blob(2)), index=False))
        out.append(Event(type=e.text(1), attributes=tuple(attrs)))
    return tuple(out)


def _no_events(raws: list[bytes]) -> tuple[Event, ...]:
    return ()


def _deliver_tx(raw: bytes, events: bool = True) -> ExecResult:
    r = Fields(raw)
    return ExecResult(
        code=r.uint(1),
        data=r.blob(2),
        log=r.text(3),
        info=r.text(4),
        gas_wanted=r.sint(5),
        gas_used=r.sint(6),
        events=_events(r.repeated(7)) if events else (),
        codespace=r.text(8),
    )


_ABCI_KEY_TYPES = {"ed25519": "ed25519", "secp256k1": "secp256k1", "sr25519": "sr25519"}


def _validator_update(raw: bytes) -> ValidatorUpdate:
    """``abci.ValidatorUpdate{pub_key{type, data}, power}``: ≤0.33 ABCI names the key type in a string."""
    u = Fields(raw)
    pk = u.msg_or_empty(1)
    typ = pk.text(1)
    if typ not in _ABCI_KEY_TYPES:
        raise UnknownFormat(f"a validator update with a {typ!r} key, which cometgraph does not read")
    return ValidatorUpdate(pub_key=PubKey(type=_ABCI_KEY_TYPES[typ], key=pk.blob(2)), power=u.sint(2))


def _param_updates(f: Fields | None, encoding: str) -> dict[str, Any] | None:
    """``abci.ConsensusParams``: block {max_bytes, max_gas}, evidence, validator."""
    if f is None or not f.raw:
        return None
    out = consensus_params_dict(f, encoding)
    if "block" in out:
        out["block"].pop("time_iota_ms", None)  # ABCI's BlockParams has no time_iota_ms
    return out


def decode_abci_responses(data: bytes, height: int, encoding: str, db: str, key: bytes, *, events: bool = True) -> BlockResults:
    """``abciResponsesKey:h``: ``{deliver_txs 1, end_block 2 {validator_updates, param updates, events},
    begin_block 3 {events}}``, gogoproto structs encoded by amino (Go field order = proto numbers)."""

    ev = _events if events else _no_events

    def read() -> BlockResults:
        f = Fields(data)
        end = f.msg_or_empty(2)
        return BlockResults(
            height=height,
            layout="abci_responses",
            tx_results=tuple(_deliver_tx(r, events) for r in f.repeated(1)),
            begin_block_events=ev(f.msg_or_empty(3).repeated(1)),
            end_block_events=ev(end.repeated(3)),
            validator_updates=tuple(_validator_update(u) for u in end.repeated(1)),
            consensus_param_updates=_param_updates(end.msg(2), encoding),
        )

    return decoding(db, key, "ABCI responses", read)


# ---------------------------------------------------------------- state
def state_layout(f: Fields) -> str:
    """0.33 keeps consensus params at 10 (bytes); 0.32 has ``last_block_total_tx`` at 4, which moves
    ``last_height_validators_changed`` to 10 (a varint)."""
    if f.wire(10) == amino.BYTES and f.wire(4) != VARINT:
        return AMINO_033
    if f.wire(10) == VARINT and f.wire(11) == amino.BYTES:
        return AMINO_032
    if has_amino_pubkey(f.raw):
        raise UnknownFormat("state.db holds an amino State of neither the 0.32 nor the 0.33 layout")
    raise AminoError("neither the 0.32 nor the 0.33 State layout")


def decode_state(data: bytes, db: str, key: bytes) -> ChainState:
    def read() -> ChainState:
        f = Fields(data)
        layout = state_layout(f)
        s = 1 if layout == AMINO_032 else 0
        version = f.msg_or_empty(1)
        consensus = version.msg_or_empty(1)
        if consensus.uint(1) != AMINO_BLOCK_PROTOCOL:
            raise UnknownFormat(f"{db} holds an amino State of block protocol {consensus.uint(1)}")
        return ChainState(
            chain_id=f.text(2),
            initial_height=1,  # initial_height arrived with 0.34
            last_block_height=f.sint(3),
            last_block_id=_block_id(f.msg(4 + s)),
            last_block_time=f.time(5 + s) or amino.read_time(Fields(b"")),
            app_hash=f.blob(13 + s),
            last_results_hash=f.blob(12 + s),
            version_block=consensus.uint(1),
            version_app=consensus.uint(2),
            software=version.text(2),
            last_height_validators_changed=f.sint(9 + s),
            last_height_consensus_params_changed=f.sint(11 + s),
            encoding=layout,
        )

    return decoding(db, key, "State", read)

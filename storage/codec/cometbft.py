"""Protobuf bytes of CometBFT / Tendermint records → domain models.

One schema (``cometbft.proto``) reads Tendermint 0.34, CometBFT 0.37, 0.38 and 1.0:
the field numbers never changed. Where generations differ in *content* (validator
pubkey fields, ABCI response layout, EventAttribute bytes vs strings) the choice is
made here, per record, from the record's own bytes — an upgraded chain mixes them.
Amino records (Tendermint 0.32 and 0.33, block protocol 10) are told apart here, per
record, and handed to ``amino_tm`` (block store) or ``amino_state`` (state.db); anything
older is refused with ``UnknownFormat``. The messages inside a record become models in
``cometbft_msgs``.

Every decoder that reads raw bytes takes ``db`` and ``key`` so a failure names the
record: undecodable bytes raise ``CorruptRecord``; nothing here returns ``None``.
"""

from __future__ import annotations

from typing import Any, TypeVar

from google.protobuf.message import DecodeError, Message

from ..errors import CorruptRecord
from ..models import (
    PROTO,
    Block,
    BlockMeta,
    BlockResults,
    ChainState,
    Commit,
    Header,
    Validator,
)
from ..proto import cometbft_pb2 as pb
from . import amino_state, amino_tm
from .cometbft_msgs import (
    consensus_params_dict,
    decode_block_id,
    decode_commit_msg,
    decode_events,
    decode_exec_result,
    decode_header,
    decode_validator,
    decode_validator_update,
    evidence_of,
    no_events,
    param_updates,
    time_of,
)

M = TypeVar("M", bound=Message)


def parse(cls: type[M], data: bytes, db: str, key: bytes) -> M:
    """Parse ``data`` as ``cls`` or raise ``CorruptRecord`` naming the key."""
    msg = cls()
    try:
        msg.ParseFromString(data)
    except (DecodeError, ValueError, RuntimeError) as exc:  # ValueError: bad UTF-8 in a string field
        raise CorruptRecord(db, key, f"not a {cls.__name__}: {exc}") from exc
    return msg


# ---------------------------------------------------------------- generation checks
#: Block protocol 11 arrived with Tendermint 0.34 (protobuf); 10 is amino (0.32, 0.33).
FIRST_PROTOBUF_BLOCK_PROTOCOL = 11


def is_protobuf_header(m: pb.Header, has: bool) -> bool:
    """A header parsed as protobuf is one only from block protocol 11 on: 0.33's amino
    metas and blocks parse as protobuf too (0.34 kept their numbering)."""
    return has and m.version.block >= FIRST_PROTOBUF_BLOCK_PROTOCOL


# ---------------------------------------------------------------- blocks
def _header(m: pb.Header, has: bool, db: str, key: bytes) -> Header:
    if not has or m.height < 1:
        raise CorruptRecord(db, key, "no header with a height")
    return decode_header(m)


def _try_parse(cls: type[M], data: bytes) -> M | None:
    msg = cls()
    try:
        msg.ParseFromString(data)
    except (DecodeError, ValueError, RuntimeError):
        return None
    return msg


def decode_block_meta(data: bytes, db: str, key: bytes) -> BlockMeta:
    """``H:h`` of any generation: protobuf from block protocol 11, else amino (0.33 or 0.32 layout)."""
    m = _try_parse(pb.BlockMeta, data)
    if m is None or not is_protobuf_header(m.header, m.HasField("header")):
        return amino_tm.decode_block_meta(data, db, key)
    header = _header(m.header, m.HasField("header"), db, key)
    if len(m.block_id.hash) != 32:
        raise CorruptRecord(db, key, f"block hash of {len(m.block_id.hash)} bytes")
    return BlockMeta(block_id=decode_block_id(m.block_id), block_size=m.block_size, header=header, num_txs=m.num_txs)


def decode_part(data: bytes, index: int, db: str, key: bytes) -> bytes:
    """One block part's payload; its stored index must be the one its key names."""
    m = parse(pb.Part, data, db, key)
    if m.index != index or not m.bytes:
        raise CorruptRecord(db, key, f"part {m.index} with {len(m.bytes)} bytes where part {index} belongs")
    payload: bytes = m.bytes
    return payload


def decode_commit(data: bytes, db: str, key: bytes, *, amino: bool = False) -> Commit:
    """``C:h`` / ``SC:h``. A 0.32 commit tells itself apart by its bytes; a 0.33 commit is
    byte-for-byte a protobuf one, so ``amino`` (the block store is amino) decides its encoding."""
    if amino or amino_tm.is_commit_032(data):
        return amino_tm.decode_commit(data, db, key)
    return decode_commit_msg(parse(pb.Commit, data, db, key))


def decode_block(data: bytes, db: str, key: bytes, encoding: str | None = None) -> Block:
    """A block reassembled from its parts; ``key`` names its first part.

    ``encoding`` is its meta's header encoding when known; otherwise the bytes decide
    (an amino block is length-prefixed, so it cannot open with a protobuf header tag).
    """
    if encoding is None:
        m = _try_parse(pb.Block, data)
        if m is None or not is_protobuf_header(m.header, m.HasField("header")):
            return amino_tm.decode_block(data, db, key)
    elif encoding != PROTO:
        return amino_tm.decode_block(data, db, key)
    else:
        m = parse(pb.Block, data, db, key)
    header = _header(m.header, m.HasField("header"), db, key)
    return Block(
        header=header,
        txs=tuple(m.data.txs),
        evidence=tuple(evidence_of(e) for e in m.evidence.evidence),
        last_commit=decode_commit_msg(m.last_commit) if m.HasField("last_commit") else None,
    )


def decode_block_store_state(data: bytes, db: str, key: bytes) -> tuple[int, int]:
    """``blockStore`` → (base, height) as stored; ≤0.33 wrote amino JSON here (0.32 without a base)."""
    if is_amino_block_store(data):
        return amino_tm.decode_block_store_json(data, db, key)
    m = parse(pb.BlockStoreState, data, db, key)
    if m.base < 0 or m.height < 0 or (m.base > m.height and m.height > 0):
        raise CorruptRecord(db, key, f"base {m.base} and height {m.height} make no range")
    return m.base, m.height


def is_amino_block_store(data: bytes | None) -> bool:
    """Tendermint ≤ 0.33 block stores keep ``blockStore`` as JSON: every record in them is amino."""
    return data is not None and data[:1] == b"{"  # b"" is false either way


def decode_decimal_height(data: bytes, db: str, key: bytes) -> int:
    """``BH:`` values: the height in ASCII decimal."""
    if not data.isdigit() or len(data) > 19:
        raise CorruptRecord(db, key, f"not a decimal height: {data[:24]!r}")
    return int(data)


# ---------------------------------------------------------------- validators and consensus params
def decode_validators_info(data: bytes, db: str, key: bytes) -> tuple[tuple[Validator, ...] | None, Validator | None, int]:
    """``validatorsKey:h`` → (validators or None when only a pointer, stored proposer, last_height_changed).

    Amino sets (≤0.33) show themselves by their public keys' registered-type prefixes;
    pointer-only records read the same in both encodings.
    """
    m = None if amino_state.has_amino_pubkey(data) else _try_parse(pb.ValidatorsInfo, data)
    if m is None:  # amino, or damage: the amino reader names an unknown key type or the damage
        return amino_state.decode_validators_info(data, db, key)
    if not m.HasField("validator_set"):
        if m.last_height_changed < 1:
            raise CorruptRecord(db, key, "neither a validator set nor a last_height_changed pointer")
        return None, None, m.last_height_changed
    vs = m.validator_set
    if not vs.validators:
        raise CorruptRecord(db, key, "empty validator set")
    vals = tuple(decode_validator(v, db, key) for v in vs.validators)
    proposer = decode_validator(vs.proposer, db, key) if vs.HasField("proposer") else None
    return vals, proposer, m.last_height_changed


def decode_consensus_params_info(data: bytes, db: str, key: bytes, encoding: str = PROTO) -> tuple[dict[str, Any] | None, int]:
    """``consensusParamsKey:h`` → (params dict, or None when only a pointer; last_height_changed).

    ``encoding`` is state.db's (``ChainState.encoding``): amino params differ in content
    (a duration as int64 nanoseconds, 0.32's ``max_age``), not in a way the bytes show.
    """
    if encoding != PROTO:
        return amino_state.decode_consensus_params_info(data, encoding, db, key)
    m = parse(pb.ConsensusParamsInfo, data, db, key)
    if m.consensus_params.ByteSize() == 0:
        if m.last_height_changed < 1:
            raise CorruptRecord(db, key, "neither consensus params nor a last_height_changed pointer")
        return None, m.last_height_changed
    return consensus_params_dict(m.consensus_params), m.last_height_changed


# ---------------------------------------------------------------- ABCI responses
def decode_abci_responses(data: bytes, height: int, db: str, key: bytes, encoding: str = PROTO, *, events: bool = True) -> BlockResults:
    """``abciResponsesKey:h`` in either layout, by CometBFT's own rule (state/store.go).

    Field numbers of FinalizeBlockResponse (0.38+) and legacy ABCIResponses (≤0.37)
    collide, so: parse as FinalizeBlockResponse; with ``app_hash`` present it is one,
    otherwise the bytes are legacy ABCIResponses. ``encoding`` is state.db's: amino
    responses (≤0.33) share the legacy numbering but not validator updates' keys.
    ``events=False`` leaves every event list empty (what the results hash needs, cheaper).
    """
    if encoding != PROTO:
        return amino_state.decode_abci_responses(data, height, encoding, db, key, events=events)
    ev = decode_events if events else no_events
    fin = pb.FinalizeBlockResponse()
    try:
        fin.ParseFromString(data)
        modern = bool(fin.app_hash)
    except (DecodeError, ValueError, RuntimeError):
        modern = False
    if modern:
        return BlockResults(
            height=height,
            layout="finalize_block",
            tx_results=tuple(decode_exec_result(r, events) for r in fin.tx_results),
            finalize_block_events=ev(fin.events),
            validator_updates=tuple(decode_validator_update(u, db, key) for u in fin.validator_updates),
            consensus_param_updates=param_updates(fin, "consensus_param_updates"),
            app_hash=fin.app_hash,
        )
    old = parse(pb.ABCIResponses, data, db, key)
    return BlockResults(
        height=height,
        layout="abci_responses",
        tx_results=tuple(decode_exec_result(r, events) for r in old.deliver_txs),
        begin_block_events=ev(old.begin_block.events),
        end_block_events=ev(old.end_block.events),
        validator_updates=tuple(decode_validator_update(u, db, key) for u in old.end_block.validator_updates),
        consensus_param_updates=param_updates(old.end_block, "consensus_param_updates"),
    )


# ---------------------------------------------------------------- state
def decode_state(data: bytes, db: str, key: bytes) -> ChainState:
    """``stateKey``: protobuf from block protocol 11; amino (0.32 / 0.33 layouts) otherwise,
    told by its validators' public keys or its block protocol."""
    m = None if amino_state.has_amino_pubkey(data) else _try_parse(pb.State, data)
    if m is None or m.version.consensus.block < FIRST_PROTOBUF_BLOCK_PROTOCOL:
        return amino_state.decode_state(data, db, key)
    return ChainState(
        chain_id=m.chain_id,
        initial_height=m.initial_height or 1,  # 0.34 before initial_height existed: 1
        last_block_height=m.last_block_height,
        last_block_id=decode_block_id(m.last_block_id),
        last_block_time=time_of(m.last_block_time),
        app_hash=m.app_hash,
        last_results_hash=m.last_results_hash,
        version_block=m.version.consensus.block,
        version_app=m.version.consensus.app,
        software=m.version.software,
        last_height_validators_changed=m.last_height_validators_changed,
        last_height_consensus_params_changed=m.last_height_consensus_params_changed,
    )

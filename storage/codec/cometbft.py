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

from google.protobuf import duration_pb2, timestamp_pb2
from google.protobuf.message import DecodeError, Message

from ..errors import CorruptRecord, UnknownFormat
from ..models import (
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
    Time,
    Validator,
    ValidatorUpdate,
)
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


# ---------------------------------------------------------------- generation checks
#: Block protocol 11 arrived with Tendermint 0.34 (protobuf); ≤10 means amino records.
FIRST_PROTOBUF_BLOCK_PROTOCOL = 11
#: amino "registered type" prefixes of ed25519 / secp256k1 pubkeys (+ length byte)
_AMINO_PUBKEY_PREFIXES = (b"\x16\x24\xde\x64\x20", b"\xeb\x5a\xe9\x87\x21")


def refuse_amino(db: str, key: bytes, what: str) -> UnknownFormat:
    return UnknownFormat(
        f"{db} holds amino-encoded records (Tendermint ≤ 0.33) at {key!r} ({what}); "
        "cometgraph reads protobuf records from Tendermint 0.34 / CometBFT 0.37+ only"
    )


def check_block_protocol(version_block: int, db: str, key: bytes) -> None:
    """Headers and State carry the block protocol: ≤10 is amino Tendermint, refused by name."""
    if version_block < FIRST_PROTOBUF_BLOCK_PROTOCOL:
        raise refuse_amino(db, key, f"block protocol {version_block}")


def parse_record(cls: type[M], data: bytes, db: str, key: bytes) -> M:
    """Like ``parse``, but names amino (≤0.33) bytes ``UnknownFormat`` instead of corruption.

    An amino record carrying a pubkey fails protobuf parsing on the registered-type
    prefix; seeing that prefix is how we tell old format from damage.
    """
    try:
        return parse(cls, data, db, key)
    except CorruptRecord:
        if any(p in data for p in _AMINO_PUBKEY_PREFIXES):
            raise refuse_amino(db, key, f"amino {cls.__name__}") from None
        raise


# ---------------------------------------------------------------- blocks
def _time(ts: timestamp_pb2.Timestamp) -> Time:
    return Time(ts.seconds, ts.nanos)


def decode_block_id(m: pb.BlockID) -> BlockID:
    psh = m.part_set_header
    return BlockID(hash=m.hash, part_set_header=PartSetHeader(total=psh.total, hash=psh.hash))


def decode_header(m: pb.Header) -> Header:
    return Header(
        version_block=m.version.block,
        version_app=m.version.app,
        chain_id=m.chain_id,
        height=m.height,
        time=_time(m.time),
        last_block_id=decode_block_id(m.last_block_id),
        last_commit_hash=m.last_commit_hash,
        data_hash=m.data_hash,
        validators_hash=m.validators_hash,
        next_validators_hash=m.next_validators_hash,
        consensus_hash=m.consensus_hash,
        app_hash=m.app_hash,
        last_results_hash=m.last_results_hash,
        evidence_hash=m.evidence_hash,
        proposer_address=m.proposer_address,
    )


def _header(m: pb.Header, has: bool, db: str, key: bytes) -> Header:
    if not has or m.height < 1:
        raise CorruptRecord(db, key, "no header with a height")
    check_block_protocol(m.version.block, db, key)
    return decode_header(m)


def decode_block_meta(data: bytes, db: str, key: bytes) -> BlockMeta:
    m = parse(pb.BlockMeta, data, db, key)
    header = _header(m.header, m.HasField("header"), db, key)
    if len(m.block_id.hash) != 32:
        raise CorruptRecord(db, key, f"block hash of {len(m.block_id.hash)} bytes")
    return BlockMeta(block_id=decode_block_id(m.block_id), block_size=m.block_size, header=header, num_txs=m.num_txs)


def decode_part(data: bytes, index: int, db: str, key: bytes) -> bytes:
    """One block part's payload; its stored index must be the one its key names."""
    m = parse(pb.Part, data, db, key)
    if m.index != index or not m.bytes:
        raise CorruptRecord(db, key, f"part {m.index} with {len(m.bytes)} bytes where part {index} belongs")
    return m.bytes


def decode_commit_msg(m: pb.Commit) -> Commit:
    return Commit(
        height=m.height,
        round=m.round,
        block_id=decode_block_id(m.block_id),
        signatures=tuple(
            CommitSig(
                block_id_flag=s.block_id_flag,
                validator_address=s.validator_address,
                timestamp=_time(s.timestamp) if s.HasField("timestamp") else None,
                signature=s.signature,
            )
            for s in m.signatures
        ),
    )


def decode_commit(data: bytes, db: str, key: bytes) -> Commit:
    return decode_commit_msg(parse(pb.Commit, data, db, key))


def _evidence(e: pb.Evidence) -> Evidence:
    kind = e.WhichOneof("sum") or "unknown"
    if kind == "duplicate_vote_evidence":
        d = e.duplicate_vote_evidence
        return Evidence(kind, d.vote_a.height, _time(d.timestamp), e.SerializeToString())
    if kind == "light_client_attack_evidence":
        lc = e.light_client_attack_evidence
        return Evidence(kind, lc.common_height, _time(lc.timestamp), e.SerializeToString())
    return Evidence(kind, 0, None, e.SerializeToString())


def decode_block(data: bytes, db: str, key: bytes) -> Block:
    """A block reassembled from its parts; ``key`` names its first part."""
    m = parse(pb.Block, data, db, key)
    header = _header(m.header, m.HasField("header"), db, key)
    return Block(
        header=header,
        txs=tuple(m.data.txs),
        evidence=tuple(_evidence(e) for e in m.evidence.evidence),
        last_commit=decode_commit_msg(m.last_commit) if m.HasField("last_commit") else None,
    )


def decode_block_store_state(data: bytes, db: str, key: bytes) -> tuple[int, int]:
    """``blockStore`` → (base, height) as stored; ≤0.33 wrote amino JSON here, refused by name."""
    if data[:1] == b"{":
        raise refuse_amino(db, key, "JSON block store state")
    m = parse(pb.BlockStoreState, data, db, key)
    if m.base < 0 or m.height < 0 or (m.base > m.height and m.height > 0):
        raise CorruptRecord(db, key, f"base {m.base} and height {m.height} make no range")
    return m.base, m.height


def decode_decimal_height(data: bytes, db: str, key: bytes) -> int:
    """``BH:`` values: the height in ASCII decimal."""
    if not data.isdigit() or len(data) > 19:
        raise CorruptRecord(db, key, f"not a decimal height: {data[:24]!r}")
    return int(data)


# ---------------------------------------------------------------- validators
_PUBKEY_ONEOF = {"ed25519": "ed25519", "secp256k1": "secp256k1", "bls12381": "bls12_381"}


def _pub_key(legacy: pb.PublicKey, has_legacy: bool, raw: bytes, typ: str, db: str, key: bytes) -> PubKey:
    """1.0 writes ``pub_key_bytes`` + ``pub_key_type``; 0.34–0.38 the ``pub_key`` oneof (1.0 still reads both)."""
    if raw:
        return PubKey(type=typ, key=raw)
    which = legacy.WhichOneof("sum") if has_legacy else None
    if which is None:
        raise CorruptRecord(db, key, "validator without a public key")
    return PubKey(type=_PUBKEY_ONEOF[which], key=getattr(legacy, which))


def decode_validator(m: pb.Validator, db: str, key: bytes) -> Validator:
    return Validator(
        address=m.address,
        pub_key=_pub_key(m.pub_key, m.HasField("pub_key"), m.pub_key_bytes, m.pub_key_type, db, key),
        voting_power=m.voting_power,
        proposer_priority=m.proposer_priority,
    )


def decode_validators_info(data: bytes, db: str, key: bytes) -> tuple[tuple[Validator, ...] | None, Validator | None, int]:
    """``validatorsKey:h`` → (validators or None when only a pointer, stored proposer, last_height_changed)."""
    m = parse_record(pb.ValidatorsInfo, data, db, key)
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


def decode_validator_update(m: pb.ValidatorUpdate, db: str, key: bytes) -> ValidatorUpdate:
    return ValidatorUpdate(
        pub_key=_pub_key(m.pub_key, m.HasField("pub_key"), m.pub_key_bytes, m.pub_key_type, db, key), power=m.power
    )


# ---------------------------------------------------------------- consensus params
def _duration_ns(d: duration_pb2.Duration) -> str:
    return str(d.seconds * 1_000_000_000 + d.nanos)


def consensus_params_dict(m: pb.ConsensusParams) -> dict:
    """Params as CometBFT's RPC prints them: int64 as strings, durations in nanoseconds.

    Only sections the record holds appear: 0.34 has ``time_iota_ms``, 0.38 ``abci``,
    1.0 ``synchrony`` and ``feature`` — the generation shows in the bytes themselves.
    """
    out: dict = {}
    if m.HasField("block"):
        out["block"] = {"max_bytes": str(m.block.max_bytes), "max_gas": str(m.block.max_gas)}
        if m.block.time_iota_ms:
            out["block"]["time_iota_ms"] = str(m.block.time_iota_ms)
    if m.HasField("evidence"):
        e = m.evidence
        out["evidence"] = {
            "max_age_num_blocks": str(e.max_age_num_blocks),
            "max_age_duration": _duration_ns(e.max_age_duration),
            "max_bytes": str(e.max_bytes),
        }
    if m.HasField("validator"):
        out["validator"] = {"pub_key_types": list(m.validator.pub_key_types)}
    if m.HasField("version"):
        out["version"] = {"app": str(m.version.app)}
    if m.HasField("abci"):
        out["abci"] = {"vote_extensions_enable_height": str(m.abci.vote_extensions_enable_height)}
    if m.HasField("synchrony"):
        s = m.synchrony
        out["synchrony"] = {"precision": _duration_ns(s.precision), "message_delay": _duration_ns(s.message_delay)}
    if m.HasField("feature"):
        f = m.feature
        out["feature"] = {
            "vote_extensions_enable_height": str(f.vote_extensions_enable_height.value),
            "pbts_enable_height": str(f.pbts_enable_height.value),
        }
    return out


def decode_consensus_params_info(data: bytes, db: str, key: bytes) -> tuple[dict | None, int]:
    """``consensusParamsKey:h`` → (params dict, or None when only a pointer; last_height_changed)."""
    m = parse_record(pb.ConsensusParamsInfo, data, db, key)
    if m.consensus_params.ByteSize() == 0:
        if m.last_height_changed < 1:
            raise CorruptRecord(db, key, "neither consensus params nor a last_height_changed pointer")
        return None, m.last_height_changed
    return consensus_params_dict(m.consensus_params), m.last_height_changed


# ---------------------------------------------------------------- ABCI responses
def decode_abci_responses(data: bytes, height: int, db: str, key: bytes) -> BlockResults:
    """``abciResponsesKey:h`` in either layout, by CometBFT's own rule (state/store.go).

    Field numbers of FinalizeBlockResponse (0.38+) and legacy ABCIResponses (≤0.37)
    collide, so: parse as FinalizeBlockResponse; with ``app_hash`` present it is one,
    otherwise the bytes are legacy ABCIResponses.
    """
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
            tx_results=tuple(decode_exec_result(r) for r in fin.tx_results),
            finalize_block_events=decode_events(fin.events),
            validator_updates=tuple(decode_validator_update(u, db, key) for u in fin.validator_updates),
            consensus_param_updates=_param_updates(fin, "consensus_param_updates"),
            app_hash=fin.app_hash,
        )
    old = parse_record(pb.ABCIResponses, data, db, key)
    return BlockResults(
        height=height,
        layout="abci_responses",
        tx_results=tuple(decode_exec_result(r) for r in old.deliver_txs),
        begin_block_events=decode_events(old.begin_block.events),
        end_block_events=decode_events(old.end_block.events),
        validator_updates=tuple(decode_validator_update(u, db, key) for u in old.end_block.validator_updates),
        consensus_param_updates=_param_updates(old.end_block, "consensus_param_updates"),
    )


def _param_updates(m: Message, field: str) -> dict | None:
    return consensus_params_dict(getattr(m, field)) if m.HasField(field) else None


# ---------------------------------------------------------------- state
def decode_state(data: bytes, db: str, key: bytes) -> ChainState:
    """``stateKey``; amino state (≤0.33) is refused by its pubkey prefixes or block protocol."""
    m = parse_record(pb.State, data, db, key)
    check_block_protocol(m.version.consensus.block, db, key)
    return ChainState(
        chain_id=m.chain_id,
        initial_height=m.initial_height or 1,  # 0.34 before initial_height existed: 1
        last_block_height=m.last_block_height,
        last_block_id=decode_block_id(m.last_block_id),
        last_block_time=_time(m.last_block_time),
        app_hash=m.app_hash,
        last_results_hash=m.last_results_hash,
        version_block=m.version.consensus.block,
        version_app=m.version.consensus.app,
        software=m.version.software,
        last_height_validators_changed=m.last_height_validators_changed,
        last_height_consensus_params_changed=m.last_height_consensus_params_changed,
    )

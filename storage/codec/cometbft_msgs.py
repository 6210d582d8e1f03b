"""CometBFT protobuf messages → domain models, one message at a time: events, results, headers,
block ids, commits, evidence, validators and consensus params.

No bytes and no generation choice here: ``codec.cometbft`` parses a stored record, decides per
record which generation wrote it, and calls these for the messages inside.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from google.protobuf import duration_pb2, timestamp_pb2

from ..errors import CorruptRecord
from ..models import (
    BlockID,
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
from .tx import DynamicMessage


def text(raw: bytes) -> str:
    """EventAttribute key/value: strings from 0.37, arbitrary bytes in 0.34.

    0.34 apps wrote UTF-8 in practice; bytes that are not UTF-8 are kept readable
    with backslash escapes rather than failing the whole record.
    """
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="backslashreplace")


def decode_events(msgs: Sequence[pb.Event]) -> tuple[Event, ...]:
    """``Event`` messages → models; attribute key/value become ``str`` in every generation.

    A page of 20 full blocks holds ~4,000 attributes, and building them was the largest cost
    of such a page (docs/benchmarks.md): UTF-8 (every 0.37+ record, and 0.34 in practice)
    is decoded inline, positionally; only a list with other bytes goes through ``text``."""
    new = tuple.__new__  # the named tuples without their Python-level ``__new__``: half the cost
    try:
        return tuple([new(Event, (e.type, tuple([new(EventAttribute, (a.key.decode(), a.value.decode(), a.index)) for a in e.attributes]))) for e in msgs])
    except UnicodeDecodeError:
        return tuple([Event(e.type, tuple([EventAttribute(text(a.key), text(a.value), a.index) for a in e.attributes])) for e in msgs])


def no_events(msgs: Iterable[pb.Event]) -> tuple[Event, ...]:
    return ()


def decode_exec_result(msg: pb.ExecTxResult, events: bool = True) -> ExecResult:
    """``ExecTxResult`` (0.38+) or ``ResponseDeliverTx`` (≤0.37): same field numbers, one model."""
    return ExecResult(
        code=msg.code,
        data=msg.data,
        log=msg.log,
        info=msg.info,
        gas_wanted=msg.gas_wanted,
        gas_used=msg.gas_used,
        events=decode_events(msg.events) if events else (),
        codespace=msg.codespace,
    )


def time_of(ts: timestamp_pb2.Timestamp) -> Time:
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
        time=time_of(m.time),
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


def decode_commit_msg(m: pb.Commit) -> Commit:
    return Commit(
        height=m.height,
        round=m.round,
        block_id=decode_block_id(m.block_id),
        signatures=tuple(
            CommitSig(
                block_id_flag=s.block_id_flag,
                validator_address=s.validator_address,
                timestamp=time_of(s.timestamp) if s.HasField("timestamp") else None,
                signature=s.signature,
            )
            for s in m.signatures
        ),
    )


def evidence_of(e: pb.Evidence) -> Evidence:
    kind = e.WhichOneof("sum") or "unknown"
    if kind == "duplicate_vote_evidence":
        d = e.duplicate_vote_evidence
        return Evidence(kind, d.vote_a.height, time_of(d.timestamp), e.SerializeToString())
    if kind == "light_client_attack_evidence":
        lc = e.light_client_attack_evidence
        return Evidence(kind, lc.common_height, time_of(lc.timestamp), e.SerializeToString())
    return Evidence(kind, 0, None, e.SerializeToString())


_PUBKEY_ONEOF = {"ed25519": "ed25519", "secp256k1": "secp256k1", "bls12381": "bls12_381"}


def pub_key_of(legacy: pb.PublicKey, has_legacy: bool, raw: bytes, typ: str, db: str, key: bytes) -> PubKey:
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
        pub_key=pub_key_of(m.pub_key, m.HasField("pub_key"), m.pub_key_bytes, m.pub_key_type, db, key),
        voting_power=m.voting_power,
        proposer_priority=m.proposer_priority,
    )


def decode_validator_update(m: pb.ValidatorUpdate, db: str, key: bytes) -> ValidatorUpdate:
    return ValidatorUpdate(pub_key=pub_key_of(m.pub_key, m.HasField("pub_key"), m.pub_key_bytes, m.pub_key_type, db, key), power=m.power)


def _duration_ns(d: duration_pb2.Duration) -> str:
    return str(d.seconds * 1_000_000_000 + d.nanos)


def consensus_params_dict(m: pb.ConsensusParams) -> dict[str, Any]:
    """Params as CometBFT's RPC prints them: int64 as strings, durations in nanoseconds.

    Only sections the record holds appear: 0.34 has ``time_iota_ms``, 0.38 ``abci``,
    1.0 ``synchrony`` and ``feature`` — the generation shows in the bytes themselves.
    """
    out: dict[str, Any] = {}
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


def param_updates(m: DynamicMessage, field: str) -> dict[str, Any] | None:
    return consensus_params_dict(getattr(m, field)) if m.HasField(field) else None

"""Tendermint 0.32 / 0.33 state.db records (go-amino) → the same models as protobuf ones:
validator sets, consensus params, ABCI responses and the state itself.

The block store's amino records are ``codec.amino_tm``'s (its docstring has the table of
both layouts); this module reads what ``state.db`` keeps. Public keys inside validators are
amino interface values (``amino.read_pubkey``); consensus params keep ``time.Duration`` as an
int64 of nanoseconds. Errors as in ``amino_tm``: ``CorruptRecord`` naming the key,
``UnknownFormat`` for a generation not read here.
"""

from __future__ import annotations

from typing import Any

from ..errors import UnknownFormat
from ..models import (
    AMINO_032,
    AMINO_033,
    BlockResults,
    ChainState,
    Event,
    EventAttribute,
    ExecResult,
    PubKey,
    Validator,
    ValidatorUpdate,
)
from . import amino
from .amino import VARINT, AminoError, Fields
from .amino_tm import AMINO_BLOCK_PROTOCOL, block_id_of, decoding


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
            last_block_id=block_id_of(f.msg(4 + s)),
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

"""Domain records the storage readers hand upward: frozen, plain, decoded once.

Hashes and addresses stay ``bytes`` here; presentation (hex case, bech32, base64)
belongs to the layers above. Times keep nanoseconds as ``Time``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime, UTC
from typing import Any, NamedTuple


@dataclass(frozen=True, slots=True, order=True)
class Time:
    """A protobuf Timestamp: seconds + nanos since the epoch, UTC, nanoseconds kept."""

    seconds: int
    nanos: int = 0

    def rfc3339(self) -> str:
        """RFC 3339 exactly as CometBFT's RPC prints it (Go RFC3339Nano: trailing zeros trimmed)."""
        return _rfc3339(isinstance(self, ProtoTime), self.seconds, self.nanos)

    def _format(self) -> str:
        # the date from a small memo of days, the time of day by arithmetic: 1.2 µs, not the
        # 2.7 µs of a datetime per call (a 100-block page of a chain larger than ``_rfc3339``'s memo)
        day, s = divmod(self.seconds, 86400)
        h, s = divmod(s, 3600)
        m, s = divmod(s, 60)
        base = f"{_date(day)}T{h:02d}:{m:02d}:{s:02d}"
        if self.nanos:
            base += "." + self._fraction()
        return base + "Z"

    def _fraction(self) -> str:
        return f"{self.nanos:09d}".rstrip("0")

    def to_datetime(self) -> datetime:
        """Microsecond precision only: prefer ``rfc3339`` where nanoseconds matter."""
        return datetime.fromtimestamp(self.seconds, tz=UTC).replace(microsecond=self.nanos // 1000)


@lru_cache(maxsize=4096)
def _date(day: int) -> str:
    """``YYYY-MM-DD`` of a day since the epoch (negative before it)."""
    dt = datetime.fromtimestamp(day * 86400, tz=UTC)
    # not strftime("%Y"): glibc prints year 1 (Go's zero time, absent votes) as "1", Go as "0001"
    return f"{dt.year:04d}-{dt:%m-%d}"


@lru_cache(maxsize=8192)
def _rfc3339(proto: bool, seconds: int, nanos: int) -> str:
    """A page of blocks prints the same few thousand times on every request: formatted once
    (a bounded cache of short strings, under 2 MB)."""
    return (ProtoTime if proto else Time)(seconds, nanos)._format()


class ProtoTime(Time):
    """A Timestamp from application state, printed as the SDK's REST (protobuf JSON) prints
    it: 0, 3, 6 or 9 fractional digits, where CometBFT's RPC trims every trailing zero."""

    __slots__ = ()

    def _fraction(self) -> str:
        frac = f"{self.nanos:09d}"
        for _ in range(2):
            if frac.endswith("000"):
                frac = frac[:-3]
        return frac


@dataclass(frozen=True, slots=True)
class PartSetHeader:
    total: int
    hash: bytes


@dataclass(frozen=True, slots=True)
class BlockID:
    hash: bytes
    part_set_header: PartSetHeader


#: how a record was encoded on disk; a chain's generations are told apart per record
PROTO = "proto"  # Tendermint 0.34, CometBFT 0.37+
AMINO_033 = "amino-0.33"  # Tendermint 0.33 (go-amino, block protocol 10)
AMINO_032 = "amino-0.32"  # Tendermint 0.32 (go-amino, block protocol 10, headers with tx counts)
ENCODINGS = (PROTO, AMINO_033, AMINO_032)


@dataclass(frozen=True, slots=True)
class Header:
    version_block: int
    version_app: int
    chain_id: str
    height: int
    time: Time
    last_block_id: BlockID
    last_commit_hash: bytes
    data_hash: bytes
    validators_hash: bytes
    next_validators_hash: bytes
    consensus_hash: bytes
    app_hash: bytes
    last_results_hash: bytes
    evidence_hash: bytes
    proposer_address: bytes
    #: the record's encoding (``PROTO``, ``AMINO_033``, ``AMINO_032``): it decides how the header hashes
    encoding: str = PROTO
    #: Tendermint ≤ 0.32 headers only: txs in this block and in the chain so far (both hashed)
    num_txs: int | None = None
    total_txs: int | None = None


@dataclass(frozen=True, slots=True)
class BlockMeta:
    block_id: BlockID
    #: the block's encoded size; 0 where the record does not say (Tendermint 0.32 metas)
    block_size: int
    header: Header
    num_txs: int

    @property
    def height(self) -> int:
        return self.header.height

    @property
    def hash(self) -> bytes:
        return self.block_id.hash


BLOCK_ID_FLAGS = {0: "BLOCK_ID_FLAG_UNKNOWN", 1: "BLOCK_ID_FLAG_ABSENT", 2: "BLOCK_ID_FLAG_COMMIT", 3: "BLOCK_ID_FLAG_NIL"}


@dataclass(frozen=True, slots=True)
class CommitSig:
    block_id_flag: int  # 1 ABSENT, 2 COMMIT, 3 NIL
    validator_address: bytes
    timestamp: Time | None
    signature: bytes


@dataclass(frozen=True, slots=True)
class Commit:
    height: int
    round: int
    block_id: BlockID
    #: one per validator of the set, in its order; Tendermint 0.32's absent (nil) precommits
    #: are ABSENT with an empty address, as 0.33 writes them
    signatures: tuple[CommitSig, ...]
    #: ``PROTO``, ``AMINO_033`` or ``AMINO_032``: decides how the commit hashes
    encoding: str = PROTO


@dataclass(frozen=True, slots=True)
class Evidence:
    """One piece of evidence; ``kind`` is the oneof name, ``raw`` the proto bytes."""

    kind: str
    height: int
    time: Time | None
    raw: bytes


@dataclass(frozen=True, slots=True)
class Block:
    header: Header
    txs: tuple[bytes, ...]
    evidence: tuple[Evidence, ...]
    last_commit: Commit | None


@dataclass(frozen=True, slots=True)
class PubKey:
    type: str  # "ed25519", "secp256k1", "bls12_381"; "sr25519" (amino generations)
    key: bytes


@dataclass(frozen=True, slots=True)
class Validator:
    address: bytes
    pub_key: PubKey
    voting_power: int
    proposer_priority: int


@dataclass(frozen=True, slots=True)
class ValidatorSet:
    height: int
    validators: tuple[Validator, ...]
    proposer: Validator | None
    #: the height whose record held this full set (the set changed there, or a checkpoint)
    stored_at: int
    #: whether proposer priorities equal the node's own; StateStore replays CometBFT's
    #: IncrementProposerPriority from ``stored_at``, so they are (checked at every sample height)
    priorities_exact: bool

    @property
    def total_voting_power(self) -> int:
        return sum(v.voting_power for v in self.validators)


class EventAttribute(NamedTuple):
    """Immutable as every model here, but a named tuple, not a frozen dataclass: a W2 page
    decodes ~4,000 of them and a frozen dataclass's ``__init__`` sets each field through
    ``object.__setattr__`` (0.58 µs an attribute, against 0.21 µs for ``tuple.__new__``;
    ``codec.cometbft_msgs.decode_events``)."""

    key: str
    value: str
    index: bool  # type: ignore[assignment]  # the field shadows tuple.index (unused on these)


class Event(NamedTuple):
    """A named tuple for the same reason as ``EventAttribute`` (~1,400 a W2 page)."""

    type: str
    attributes: tuple[EventAttribute, ...]


@dataclass(frozen=True, slots=True)
class ExecResult:
    """ResponseDeliverTx (≤0.37) or ExecTxResult (≥0.38): one tx's outcome."""

    code: int
    data: bytes
    log: str
    info: str
    gas_wanted: int
    gas_used: int
    events: tuple[Event, ...]
    codespace: str


@dataclass(frozen=True, slots=True)
class TxResult:
    """A tx as the tx index holds it: where it landed and what it did."""

    hash: bytes
    height: int
    index: int
    tx: bytes
    result: ExecResult


@dataclass(frozen=True, slots=True)
class ValidatorUpdate:
    pub_key: PubKey
    power: int


@dataclass(frozen=True, slots=True)
class BlockResults:
    """Per-height ABCI results in one shape, whatever layout stored them.

    ``layout`` says which: "finalize_block" (0.38+) or "abci_responses" (0.34/0.37);
    for the latter begin/end block events stay apart, for the former
    ``finalize_block_events`` holds them all.
    """

    height: int
    layout: str
    tx_results: tuple[ExecResult, ...]
    finalize_block_events: tuple[Event, ...] = ()
    begin_block_events: tuple[Event, ...] = ()
    end_block_events: tuple[Event, ...] = ()
    validator_updates: tuple[ValidatorUpdate, ...] = ()
    consensus_param_updates: dict[str, Any] | None = None
    app_hash: bytes = b""


@dataclass(frozen=True, slots=True)
class ConsensusParams:
    height: int
    #: the params as a JSON-ready dict, keys as CometBFT's RPC names them
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ChainState:
    """state.db ``stateKey``: where the node's consensus state stood when it last committed."""

    chain_id: str
    initial_height: int
    last_block_height: int
    last_block_id: BlockID
    last_block_time: Time
    app_hash: bytes
    last_results_hash: bytes
    version_block: int
    version_app: int
    #: the node's CometBFT version string ("1.0.1"); empty in Tendermint 0.34
    software: str
    last_height_validators_changed: int
    last_height_consensus_params_changed: int
    #: ``PROTO``, ``AMINO_033`` or ``AMINO_032``: the generation that wrote state.db
    encoding: str = PROTO


# ---------------------------------------------------------------- Cosmos SDK transactions
@dataclass(frozen=True, slots=True)
class Coin:
    """``cosmos.base.v1beta1.Coin``: ``amount`` is math.Int's decimal text, kept as sent."""

    denom: str
    amount: str


@dataclass(frozen=True, slots=True)
class TxMessage:
    """One ``Any`` of a tx body: the message's type URL and its undecoded bytes."""

    type_url: str
    value: bytes


@dataclass(frozen=True, slots=True)
class Fee:
    amount: tuple[Coin, ...]
    gas_limit: int
    #: bech32 text as in the tx ("" when unset: the first signer pays)
    payer: str
    granter: str


@dataclass(frozen=True, slots=True)
class Tip:
    amount: tuple[Coin, ...]
    tipper: str


@dataclass(frozen=True, slots=True)
class SignerInfo:
    #: the public key's type URL ("/cosmos.crypto.secp256k1.PubKey" …); "" when the tx
    #: carries no key (accounts whose key is already on chain may omit it)
    public_key_type: str
    #: ``PubKey.key`` for single-key types; the raw ``Any`` value for others (multisig)
    public_key: bytes
    #: sign mode name as the REST prints it ("SIGN_MODE_DIRECT"; the number for values
    #: this build does not name); "MULTI" for a multisig signer
    mode: str
    sequence: int


@dataclass(frozen=True, slots=True)
class DecodedTx:
    """A ``TxRaw`` opened one level: messages stay (type URL, bytes) until asked for."""

    messages: tuple[TxMessage, ...]
    memo: str
    timeout_height: int
    fee: Fee
    signer_infos: tuple[SignerInfo, ...]
    signatures: tuple[bytes, ...]
    extension_options: tuple[TxMessage, ...] = ()
    non_critical_extension_options: tuple[TxMessage, ...] = ()
    tip: Tip | None = None

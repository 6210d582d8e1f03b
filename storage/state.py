"""Consensus state, validator sets, consensus params and ABCI results from state.db.

CometBFT writes a record per height but stores a full validator set (or params)
only where it changed or, for validators, every 100 000 heights; the other
heights hold a pointer. The readers follow those pointers exactly as CometBFT's
``LoadValidators`` / ``LoadConsensusParams`` do, so the answers equal the node's
own RPC answers, proposer priorities included.

Tendermint 0.32 / 0.33 state.db files (amino) use the same keys. Their ``stateKey``
says which generation wrote the database (``ChainState.encoding``); params and ABCI
responses are decoded by it, validator sets by their own bytes.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from typing import Any

from . import keys
from .codec import cometbft as codec
from .errors import CorruptRecord, InvalidInput, Pruned
from .kv import KV
from .models import PROTO, BlockResults, ChainState, ConsensusParams, Validator, ValidatorSet
from .records import RESULTS_DECODED_PER_BYTE, RecordCache

#: CometBFT state/store.go valSetCheckpointInterval (the same in every version)
VAL_SET_CHECKPOINT_INTERVAL = 100_000
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
_MAX_HEIGHT = _INT64_MAX


class StateStore:
    """Read-only view of one state.db.

    ``base`` is the lowest height the node retains (the blockstore's base): records
    missing below it are ``Pruned``, missing at or above it are damage. Heights past
    what the node has written (the last block, +1 for params, +2 for validators)
    are ``None``.
    """

    def __init__(self, kv: KV, base: int = 1, records: RecordCache | None = None) -> None:
        self.kv = kv
        self.db = kv.name
        #: decoded validator sets and results below the head, shared with the chain's other snapshots
        self._records = records if records is not None else RecordCache(0)
        self.base = max(base, 1)
        self.layout = keys.layout_for(kv.get(keys.VERSION), self.db)
        raw = kv.get(keys.STATE)
        self._state = codec.decode_state(raw, self.db, keys.STATE) if raw else None
        #: the generation that wrote this database (PROTO, AMINO_033, AMINO_032)
        self.encoding = self._state.encoding if self._state else PROTO
        self._replays: dict[int, _Replay] = {}  # stored_at → replay; the snapshot never changes
        self._lock = threading.Lock()

    def load_state(self) -> ChainState | None:
        """The state after the last committed block; None for a node that never committed one."""
        return self._state

    def load_genesis(self) -> dict[str, Any] | None:
        """The genesis document the node stored (``genesisDoc`` JSON, Tendermint ≤ 0.33 through
        CometBFT 0.38); None where it keeps only its hash (1.0) or nothing. Reads the whole
        document: mainnet genesis files reach gigabytes."""
        raw = self.kv.get(keys.GENESIS_DOC)
        if raw is None:
            return None
        try:
            doc = json.loads(raw)
        except ValueError as exc:
            raise CorruptRecord(self.db, keys.GENESIS_DOC, f"not a JSON genesis document: {exc}") from None
        if not isinstance(doc, dict):
            raise CorruptRecord(self.db, keys.GENESIS_DOC, "not a JSON object")
        return doc

    def _top(self) -> int:
        return self._state.last_block_height if self._state else 0

    def _in_range(self, h: int, top: int) -> bool:
        if isinstance(h, bool) or not isinstance(h, int) or not 1 <= h <= _MAX_HEIGHT:
            raise InvalidInput(f"height must be an integer from 1, got {h!r}")
        return h <= top

    def _must_get(self, key: bytes, h: int, what: str) -> bytes:
        raw = self.kv.get(key)
        if raw is None:
            if h < self.base:
                raise Pruned(what, h, self.base)
            raise CorruptRecord(self.db, key, f"{what} record missing at height {h}")
        return raw

    # ------------------------------------------------------------ validators
    def load_validators(self, h: int) -> ValidatorSet | None:
        """The validator set that signs block ``h``, as the node's ``/validators?height=h`` shows it.

        Cost: one read when the set is stored at ``h``; otherwise two reads plus
        ``h - stored_at`` rounds of ``IncrementProposerPriority`` (at most 99 999,
        each O(validators)).
        """
        if not self._in_range(h, self._top() + 2 if self._state else 0):
            return None
        final = h < self._top()  # below the head: the same set in every later snapshot
        if final:
            got: ValidatorSet | None = self._records.get("validators", h)
            if got is not None:
                return got
        vs = self._load_validators(h)
        if final:
            self._records.put("validators", h, vs, 64 + 400 * len(vs.validators))
        return vs

    def _load_validators(self, h: int) -> ValidatorSet:
        key = self.layout.validators(h)
        vals, proposer, last_changed = codec.decode_validators_info(self._must_get(key, h, "validator set"), self.db, key)
        if vals is not None:
            return ValidatorSet(h, vals, proposer or find_proposer(vals), stored_at=h, priorities_exact=True)
        stored_at = max(h - h % VAL_SET_CHECKPOINT_INTERVAL, last_changed)
        if stored_at >= h:
            raise CorruptRecord(self.db, key, f"points at height {stored_at} for its validator set")
        key2 = self.layout.validators(stored_at)
        vals, _, _ = codec.decode_validators_info(self._must_get(key2, stored_at, "validator set"), self.db, key2)
        if vals is None:
            raise CorruptRecord(self.db, key2, f"holds no validator set, yet height {h} points here")
        vals, proposer = self._replay(stored_at, vals).at(h - stored_at)
        return ValidatorSet(h, vals, proposer, stored_at=stored_at, priorities_exact=True)

    def load_validator_members_many(self, hs: Sequence[int]) -> list[tuple[Validator, ...] | None]:
        """The validators (address, key, power, in the set's order) signing each of ``hs``, without
        proposer priorities: what ``validators_hash`` covers. Two ``get_many`` calls for any
        number of heights (the per-height records, then the distinct sets they point at), no
        replay; aligned with ``hs``, None past what the node wrote."""
        top = self._top() + 2 if self._state else 0
        wanted = [h for h in hs if self._in_range(h, top)]
        keys = {h: self.layout.validators(h) for h in wanted}
        found = dict(zip(wanted, self.kv.get_many([keys[h] for h in wanted])))
        direct: dict[int, tuple[Validator, ...]] = {}
        pointers: dict[int, int] = {}
        for h in wanted:
            raw = found[h]
            if raw is None:
                if h < self.base:
                    raise Pruned("validator set", h, self.base)
                raise CorruptRecord(self.db, keys[h], f"validator set record missing at height {h}")
            vals, _, last_changed = codec.decode_validators_info(raw, self.db, keys[h])
            if vals is not None:
                direct[h] = vals
                continue
            pointers[h] = stored_at = max(h - h % VAL_SET_CHECKPOINT_INTERVAL, last_changed)
            if stored_at >= h:
                raise CorruptRecord(self.db, keys[h], f"points at height {stored_at} for its validator set")
        targets = sorted(set(pointers.values()) - set(direct))
        for at, raw in zip(targets, self.kv.get_many([self.layout.validators(t) for t in targets])):
            key = self.layout.validators(at)
            if raw is None:
                raise Pruned("validator set", at, self.base) if at < self.base else CorruptRecord(self.db, key, f"validator set record missing at height {at}")
            vals, _, _ = codec.decode_validators_info(raw, self.db, key)
            if vals is None:
                raise CorruptRecord(self.db, key, "holds no validator set, yet a later height points here")
            direct[at] = vals
        return [direct[pointers.get(h, h)] if h in found else None for h in hs]

    def _replay(self, stored_at: int, vals: tuple[Validator, ...]) -> _Replay:
        with self._lock:
            replay = self._replays.get(stored_at)
            if replay is None:
                if len(self._replays) >= 8:
                    self._replays.pop(next(iter(self._replays)))
                replay = self._replays[stored_at] = _Replay(vals)
            return replay

    # ------------------------------------------------------------ params and results
    def load_consensus_params(self, h: int) -> ConsensusParams | None:
        """Params in force at ``h`` (an RPC-shaped dict), following the last-changed pointer."""
        if not self._in_range(h, self._top() + 1 if self._state else 0):
            return None
        key = self.layout.consensus_params(h)
        raw = self._must_get(key, h, "consensus params")
        params, last_changed = codec.decode_consensus_params_info(raw, self.db, key, self.encoding)
        if params is None:
            key2 = self.layout.consensus_params(last_changed)
            raw = self._must_get(key2, last_changed, "consensus params")
            params, _ = codec.decode_consensus_params_info(raw, self.db, key2, self.encoding)
            if params is None:
                raise CorruptRecord(self.db, key2, f"holds no consensus params, yet height {h} points here")
        return ConsensusParams(height=h, params=params)

    def load_consensus_params_many(self, hs: Sequence[int]) -> list[ConsensusParams | None]:
        """``load_consensus_params`` for many heights: two ``get_many`` calls, each pointed-at record decoded once."""
        top = self._top() + 1 if self._state else 0
        wanted = [h for h in hs if self._in_range(h, top)]
        keys = {h: self.layout.consensus_params(h) for h in wanted}
        found = dict(zip(wanted, self.kv.get_many([keys[h] for h in wanted])))
        params: dict[int, dict[str, Any]] = {}
        pointers: dict[int, int] = {}
        for h in wanted:
            raw = found[h]
            if raw is None:
                if h < self.base:
                    raise Pruned("consensus params", h, self.base)
                raise CorruptRecord(self.db, keys[h], f"consensus params record missing at height {h}")
            got, last_changed = codec.decode_consensus_params_info(raw, self.db, keys[h], self.encoding)
            if got is not None:
                params[h] = got
            else:
                pointers[h] = last_changed
        targets = sorted(set(pointers.values()) - set(params))
        for at, raw in zip(targets, self.kv.get_many([self.layout.consensus_params(t) for t in targets])):
            key = self.layout.consensus_params(at)
            got = None if raw is None else codec.decode_consensus_params_info(raw, self.db, key, self.encoding)[0]
            if got is None:
                raise CorruptRecord(self.db, key, "holds no consensus params, yet a later height points here")
            params[at] = got
        return [ConsensusParams(height=h, params=params[pointers.get(h, h)]) if h in found else None for h in hs]

    def load_block_results(self, h: int) -> BlockResults | None:
        """ABCI results of block ``h`` in either layout; None when the node discards them."""
        return self.load_block_results_many([h])[0]

    def load_block_results_many(self, hs: Sequence[int], *, events: bool = True) -> list[BlockResults | None]:
        """Results of many heights with one ``get_many``; aligned with ``hs``. ``events=False``
        skips decoding events (every event list empty): enough for ``results_hash``, far cheaper."""
        top = self._top()
        cached: dict[int, BlockResults] = {}
        wanted = []
        for h in hs:
            if self._in_range(h, top):
                got = self._records.get("results", h) if events and h < top else None
                if got is None:
                    wanted.append(h)
                else:
                    cached[h] = got
        found = dict(zip(wanted, self.kv.get_many([self.layout.abci_responses(h) for h in wanted]))) if wanted else {}
        out: list[BlockResults | None] = []
        for h in hs:
            if h in cached:
                out.append(cached[h])
                continue
            if h not in found:
                out.append(None)
                continue
            raw = found[h]
            if raw is None:
                if h < self.base:
                    raise Pruned("block results", h, self.base)
                out.append(None)  # discard_abci_responses = true keeps only the latest
                continue
            res = codec.decode_abci_responses(raw, h, self.db, self.layout.abci_responses(h), self.encoding, events=events)
            if events and h < top:
                self._records.put("results", h, res, RESULTS_DECODED_PER_BYTE * len(raw))
            out.append(res)
        return out


# ---------------------------------------------------------------- proposer priority
def _clip(x: int) -> int:
    """CometBFT's safeAddClip / safeSubClip: int64 arithmetic that saturates."""
    return _INT64_MAX if x > _INT64_MAX else _INT64_MIN if x < _INT64_MIN else x


def _quo(a: int, b: int) -> int:
    """Go's integer division truncates toward zero."""
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def _start(vals: tuple[Validator, ...]) -> list[int]:
    """The opening of ``IncrementProposerPriority``: rescale into a 2×total window, shift by the average."""
    total = sum(v.voting_power for v in vals)
    prio = [v.proposer_priority for v in vals]
    diff_max = 2 * total
    if diff_max > 0:
        diff = max(prio) - min(prio)
        ratio = (diff + diff_max - 1) // diff_max
        if diff > diff_max:
            prio = [_quo(p, ratio) for p in prio]
    avg = sum(prio) // len(prio)  # big.Int Div is Euclidean: floor for a positive divisor
    return [_clip(p - avg) for p in prio]


def _rounds(prio: list[int], vals: tuple[Validator, ...], times: int) -> tuple[list[int], int]:
    """``times`` rounds: everyone gains their power; the highest (ties: lowest address) proposes and pays the total."""
    total = sum(v.voting_power for v in vals)
    powers = [v.voting_power for v in vals]
    addrs = [v.address for v in vals]
    chosen = 0
    for _ in range(times):
        prio = [_clip(p + w) for p, w in zip(prio, powers)]
        chosen = 0
        for i in range(1, len(prio)):
            if prio[i] > prio[chosen] or (prio[i] == prio[chosen] and addrs[i] < addrs[chosen]):
                chosen = i
        prio[chosen] = _clip(prio[chosen] - total)
    return prio, chosen


def find_proposer(vals: tuple[Validator, ...]) -> Validator:
    """CometBFT ``findProposer`` for a set stored without its proposer: highest priority, ties to the lowest address."""
    return min(vals, key=lambda v: (-v.proposer_priority, v.address))


def _with_priorities(vals: tuple[Validator, ...], prio: list[int], chosen: int) -> tuple[tuple[Validator, ...], Validator]:
    out = tuple(Validator(address=v.address, pub_key=v.pub_key, voting_power=v.voting_power, proposer_priority=p) for v, p in zip(vals, prio))
    return out, out[chosen]


def increment_proposer_priority(vals: tuple[Validator, ...], times: int) -> tuple[tuple[Validator, ...], Validator]:
    """CometBFT ``ValidatorSet.IncrementProposerPriority(times)`` on a copy (types/validator_set.go).

    Returns the new validators and the last round's proposer.
    """
    if not vals or times <= 0:
        raise ValueError("IncrementProposerPriority needs validators and times > 0")
    prio, chosen = _rounds(_start(vals), vals, times)
    return _with_priorities(vals, prio, chosen)


class _Replay:
    """``increment_proposer_priority`` from one stored set, checkpointed so nearby heights share the work.

    After the opening rescale and shift the rounds are a pure iteration, so the
    state after k rounds is a valid starting point for any later count.
    """

    EVERY = 128

    def __init__(self, vals: tuple[Validator, ...]) -> None:
        self.vals = vals
        self.points: list[list[int]] = [_start(vals)]  # points[c]: priorities after c*EVERY rounds
        self.lock = threading.Lock()

    def at(self, times: int) -> tuple[tuple[Validator, ...], Validator]:
        c = (times - 1) // self.EVERY
        with self.lock:
            while len(self.points) <= c:
                self.points.append(_rounds(self.points[-1], self.vals, self.EVERY)[0])
            point = self.points[c]
        prio, chosen = _rounds(point, self.vals, times - c * self.EVERY)
        return _with_priorities(self.vals, prio, chosen)

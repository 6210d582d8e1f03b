"""x/distribution state read from the ``distribution`` IAVL store: pending delegation rewards
(F1, recomputed as the node's query does), validator commission and outstanding rewards,
the community pool, params and withdraw addresses, shaped as the node's REST answers them.

Key layout (SDK 0.50 x/distribution/types/keys.go, same in 0.43 – 0.47; ``lp(a)`` =
1-byte length + address; ≤ 0.42 the addresses are a bare 20 bytes, detected per version):

=============================================  ==================================================
``0x00``                                       ``FeePool{community_pool}``
``0x02 lp(val)``                               ``ValidatorOutstandingRewards{rewards}``
``0x03 lp(del)``                               raw withdraw-address bytes (absent: the delegator)
``0x04 lp(val) lp(del)``                       ``DelegatorStartingInfo{previous_period, stake, height}``
``0x05 lp(val) LE64(period)``                  ``ValidatorHistoricalRewards{cumulative_reward_ratio, reference_count}``
``0x06 lp(val)``                               ``ValidatorCurrentRewards{rewards, period}``
``0x07 lp(val)``                               ``ValidatorAccumulatedCommission{commission}``
``0x08 lp(val) BE64(height) BE64(period)``     ``ValidatorSlashEvent{validator_period, fraction}``
``0x09``                                       ``Params`` (≥ 0.47; ≤ 0.46 in the x/params store)
=============================================  ==================================================

Every amount is a LegacyDec: the decimal text of value × 10^18 on the wire, printed by the
REST with exactly 18 decimals. Here LegacyDecs are plain Python ints holding that raw
value; ``storage.app.legacydec`` reproduces cosmossdk.io/math's arithmetic on them, including
where it truncates (``MulTruncate``, ``QuoTruncate``: toward zero, Go ``big.Int.Quo``) and
where it rounds (``Mul``, ``Quo``: half to even at the 18th decimal).

Pending rewards (``/cosmos/distribution/v1beta1/delegators/{addr}/rewards``): the query
walks the delegator's delegations (staking store, by validator key bytes) and for each
calls ``IncrementValidatorPeriod`` then ``CalculateDelegationRewards`` in a throw-away
branch of the state. ``rewards`` does the same arithmetic without writing anything:

* ending period = the validator's current period ``p``; its ratio is
  ``ratio(p − 1) + current_rewards.QuoDecTruncate(tokens)`` (nothing added for a validator
  with zero tokens, as the keeper does);
* a delegation that started at the queried height has no rewards yet;
* each slash event between the starting height and the queried height (inclusive) whose
  period is past the running start period closes a stretch: ``(ratio(event) −
  ratio(start)).MulDecTruncate(stake)``, then ``stake = stake.MulTruncate(1 − fraction)``;
* a final stake above ``TokensFromShares(shares)`` by at most 3×10^-18 is clamped to it
  (more is the keeper's panic: ``CorruptRecord`` here);
* the last stretch up to the ending period; the per-delegation sums are DecCoins (sorted
  by denom, zeros dropped) and ``total`` adds them up.

Cost: each call opens the store's tree once (``AppStore.tree``). The rewards of one
delegator read its staking delegations (one prefix scan) and each delegation's
validator (a point read), then the distribution records of all delegations in two
batched ``get_many`` rounds (starting infos + current rewards; the historical ratios),
plus one short range scan per delegation for slash events (and a point read of the
ratio at each slash's period, which only a slashed validator has).

Not reproduced: LegacyDec's 316-bit overflow panic (no stored value comes near it).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..codec import bech32
from ..codec.tx import DynamicMessage
from ..errors import CorruptRecord
from ..prefixes import Prefixes
from .addresses import account_str, check_address
from .iavl import IAVLTree
from .legacydec import (
    ONE,
    PRECISION,
    coins_add,
    coins_mul_dec_truncate,
    coins_quo_dec_truncate,
    coins_sub,
    dec_mul_truncate,
    dec_text,
    legacy_dec_value,
    parse_int,
    tokens_from_shares_dec,
)
from .module import ModuleReader, length_prefixed
from .sdkcodec import AddressKeys, decode, legacy_params, rest_json
from .staking import StakingReader
from .staking_records import StakingValidator
from .store import AppStore

__all__ = ["DecCoin", "DelegationReward", "DistributionReader", "dec_coins"]

STORE = "distribution"
FEE_POOL = b"\x00"
OUTSTANDING = b"\x02"
WITHDRAW_ADDR = b"\x03"
STARTING_INFO = b"\x04"
HISTORICAL = b"\x05"
CURRENT = b"\x06"
COMMISSION = b"\x07"
SLASH_EVENT = b"\x08"
PARAMS = b"\x09"

_PKG = "cosmos.distribution.v1beta1"
#: ``LegacySmallestDec().MulInt64(3)``: how far a recomputed stake may exceed the current one
STAKE_MARGIN = 3


# ---------------------------------------------------------------- records
@dataclass(frozen=True, slots=True)
class DecCoin:
    denom: str
    #: LegacyDec text as the REST prints it: always 18 decimals ("11584472056072519000.123000000000000000")
    amount: str


@dataclass(frozen=True, slots=True)
class DelegationReward:
    validator_address: str
    reward: tuple[DecCoin, ...]


def dec_coins(amounts: Mapping[str, int]) -> tuple[DecCoin, ...]:
    """Raw DecCoins → records, in the mapping's order."""
    return tuple(DecCoin(d, dec_text(a)) for d, a in amounts.items())


# ---------------------------------------------------------------- internal state records
@dataclass(frozen=True, slots=True)
class _Start:
    previous_period: int
    stake: int
    height: int


@dataclass(frozen=True, slots=True)
class _Slash:
    height: int
    period: int
    fraction: int
    key: bytes


class _Layout(AddressKeys):
    """Address encoding in keys: length-prefixed (SDK ≥ 0.43) or a bare 20 bytes (≤ 0.42)."""


# ---------------------------------------------------------------- reader
class DistributionReader(ModuleReader):
    """x/distribution state at any retained version of one AppStore.

    Addresses come in as raw bytes. Missing records read as the SDK reads them (empty
    coins); a validator that does not exist gives None where the node's query fails. A
    version the node pruned raises ``Pruned``, one above the latest ``NotFound``;
    undecodable bytes, or state on which the keeper would panic, ``CorruptRecord``.
    """

    def __init__(self, app: AppStore, prefixes: Prefixes, staking: StakingReader, store: str = STORE) -> None:
        super().__init__(app, store)
        self.prefixes = prefixes
        self.staking = staking

    # -------------------------------------------------------------- plumbing
    def _probe(self, tree: IAVLTree) -> bool | None:
        return length_prefixed(tree, CURRENT)

    def _layout(self, prefixed: bool) -> _Layout:
        return _Layout(prefixed)

    def _corrupt(self, key: bytes, reason: str) -> CorruptRecord:
        return CorruptRecord(self.app.db, self._key(key), reason)

    def _decode(self, name: str, raw: bytes, key: bytes) -> DynamicMessage:
        return decode(f"{_PKG}.{name}", raw, self.app.db, self._key(key))

    def _dec(self, text: str, key: bytes, what: str) -> int:
        return parse_int(text, self.app.db, self._key(key), what)

    def _coins(self, items: Iterable[DynamicMessage], key: bytes, what: str) -> dict[str, int]:
        """Stored DecCoins → {denom: raw}, in stored order (the REST prints them as stored)."""
        out: dict[str, int] = {}
        for c in items:
            if c.denom in out:
                raise self._corrupt(key, f"{what} lists {c.denom!r} twice")
            out[c.denom] = self._dec(c.amount, key, f"{what} amount")
        return out

    def _record_coins(self, raw: bytes | None, name: str, field: str, key: bytes) -> dict[str, int]:
        if raw is None:
            return {}
        return self._coins(getattr(self._decode(name, raw, key), field), key, field)

    # -------------------------------------------------------------- per-validator records
    def _validator_record(self, valoper: bytes, version: int, prefix: bytes, name: str, field: str) -> list[DecCoin] | None:
        valoper = check_address(valoper)
        if self.staking.validator(valoper, version) is None:
            return None  # the node: "validator does not exist"
        tree, layout = self._open(version)
        key = prefix + layout.addr(valoper)
        return list(dec_coins(self._record_coins(tree.get(key), name, field, key)))

    def validator_commission(self, valoper: bytes, version: int) -> list[DecCoin] | None:
        """``/cosmos/distribution/v1beta1/validators/{valoper}/commission``' ``commission.commission``
        (as stored); None if no such validator (the node answers an error)."""
        return self._validator_record(valoper, version, COMMISSION, "ValidatorAccumulatedCommission", "commission")

    def outstanding_rewards(self, valoper: bytes, version: int) -> list[DecCoin] | None:
        """``…/validators/{valoper}/outstanding_rewards``' ``rewards.rewards`` (as stored); None if no such validator."""
        return self._validator_record(valoper, version, OUTSTANDING, "ValidatorOutstandingRewards", "rewards")

    # -------------------------------------------------------------- chain-wide
    def community_pool(self, version: int) -> list[DecCoin]:
        """``/cosmos/distribution/v1beta1/community_pool``' ``pool`` (the fee pool's, as stored)."""
        tree, _ = self._open(version)
        return list(dec_coins(self._record_coins(tree.get(FEE_POOL), "FeePool", "community_pool", FEE_POOL)))

    def params(self, version: int) -> dict[str, Any]:
        """``/cosmos/distribution/v1beta1/params``' ``params``: key ``0x09`` (≥ 0.47), else the
        x/params store (≤ 0.46) put in the same shape; {} if neither exists."""
        tree, _ = self._open(version)
        raw = tree.get(PARAMS)
        if raw is not None:
            return rest_json(f"{_PKG}.Params", raw, self.app.db, self._key(PARAMS))
        names = ("communitytax", "baseproposerreward", "bonusproposerreward", "withdrawaddrenabled")
        old = legacy_params(self.app, version, "distribution", names)
        if old is None:
            return {}
        try:
            out: dict[str, Any] = {}
            for name, field in zip(names[:3], ("community_tax", "base_proposer_reward", "bonus_proposer_reward")):
                out[field] = dec_text(legacy_dec_value(str(old.get(name, "0"))))
            enabled = old.get("withdrawaddrenabled", False)
            if not isinstance(enabled, bool):
                raise ValueError(f"withdrawaddrenabled is {enabled!r}")
            out["withdraw_addr_enabled"] = enabled
            return out
        except ValueError as exc:
            raise CorruptRecord(self.app.db, b"s/k:params/distribution/", f"params do not decode: {exc}") from None

    def withdraw_address(self, delegator: bytes, version: int) -> str:
        """``/cosmos/distribution/v1beta1/delegators/{addr}/withdraw_address``: the address set
        with ``MsgSetWithdrawAddress``, else the delegator's own (bech32 account text)."""
        delegator = check_address(delegator)
        tree, layout = self._open(version)
        key = WITHDRAW_ADDR + layout.addr(delegator)
        raw = tree.get(key)
        if raw is None:
            return account_str(delegator, self.prefixes)
        if not 1 <= len(raw) <= 255:
            raise self._corrupt(key, f"withdraw address of {len(raw)} bytes")
        return account_str(raw, self.prefixes)

    # -------------------------------------------------------------- rewards
    def rewards(self, delegator: bytes, version: int) -> tuple[list[DelegationReward], list[DecCoin]]:
        """Pending rewards of every delegation of ``delegator`` and their total, as
        ``/cosmos/distribution/v1beta1/delegators/{addr}/rewards`` answers at ``version``
        (the node's ``DelegationTotalRewards``; see the module doc). No delegation: ([], [])."""
        delegator = check_address(delegator)
        delegations = self.staking.delegations(delegator, version)
        if not delegations:
            return [], []
        tree, layout = self._open(version)
        dl = layout.addr(delegator)

        vals: list[bytes] = []
        validators: list[StakingValidator] = []
        for d in delegations:
            try:
                valoper = bech32.decode(d.validator_address)[1]
            except (bech32.Bech32Error, ValueError):
                raise CorruptRecord(self.app.db, b"s/k:staking/", f"delegation to {d.validator_address!r}: not bech32") from None
            found = self.staking.validator(valoper, version)
            if found is None:
                raise CorruptRecord(self.app.db, b"s/k:staking/", f"delegation to {d.validator_address}, which does not exist")
            vals.append(valoper)
            validators.append(found)

        # round 1: starting infos and current rewards
        skeys = [STARTING_INFO + layout.addr(v) + dl for v in vals]
        ckeys = [CURRENT + layout.addr(v) for v in vals]
        got = tree.get_many(skeys + ckeys)
        starts = [self._start(raw, k) for raw, k in zip(got[: len(vals)], skeys)]
        currents = [self._current(raw, k) for raw, k in zip(got[len(vals) :], ckeys)]

        # round 2: the historical ratios each calculation starts from / ends at
        wanted: dict[tuple[bytes, int], bytes] = {}
        for v, s, (_, period) in zip(vals, starts, currents):
            for p in (s.previous_period, period - 1):
                wanted.setdefault((v, p), HISTORICAL + layout.addr(v) + struct.pack("<Q", p))
        ratios = self._ratios(tree, wanted)

        out: list[DelegationReward] = []
        total: dict[str, int] = {}
        for d, v, val, s, (cur_rewards, period) in zip(delegations, vals, validators, starts, currents):
            reward = self._delegation_rewards(tree, layout, v, val, d.shares, s, cur_rewards, period, ratios, version)
            out.append(DelegationReward(d.validator_address, dec_coins(reward)))
            total = coins_add(total, reward)
        return out, list(dec_coins(total))

    def _start(self, raw: bytes | None, key: bytes) -> _Start:
        if raw is None:  # the keeper unmarshals nothing as the zero record
            return _Start(0, 0, 0)
        m = self._decode("DelegatorStartingInfo", raw, key)
        return _Start(m.previous_period, self._dec(m.stake, key, "stake"), m.height)

    def _current(self, raw: bytes | None, key: bytes) -> tuple[dict[str, int], int]:
        if raw is None:
            raise self._corrupt(key, "a validator without current rewards")
        m = self._decode("ValidatorCurrentRewards", raw, key)
        if m.period < 1:
            raise self._corrupt(key, f"current rewards period {m.period}")
        return self._coins(m.rewards, key, "rewards"), m.period

    def _ratios(self, tree: IAVLTree, wanted: Mapping[tuple[bytes, int], bytes]) -> dict[tuple[bytes, int], dict[str, int]]:
        """(validator, period) → cumulative reward ratio; a missing record is empty, as the keeper reads it."""
        keys = list(wanted.values())
        got = tree.get_many(keys)
        return {vp: self._record_coins(raw, "ValidatorHistoricalRewards", "cumulative_reward_ratio", k) for vp, k, raw in zip(wanted, keys, got)}

    def _ratio(self, tree: IAVLTree, layout: _Layout, val: bytes, period: int, ratios: dict[tuple[bytes, int], dict[str, int]]) -> dict[str, int]:
        got = ratios.get((val, period))
        if got is None:
            key = HISTORICAL + layout.addr(val) + struct.pack("<Q", period)
            got = self._record_coins(tree.get(key), "ValidatorHistoricalRewards", "cumulative_reward_ratio", key)
            ratios[(val, period)] = got
        return got

    def _slashes(self, tree: IAVLTree, layout: _Layout, val: bytes, start: int, end: int) -> list[_Slash]:
        """``IterateValidatorSlashEventsBetween(start, end)``: heights start..end inclusive, key order."""
        base = SLASH_EVENT + layout.addr(val)
        out = []
        for key, raw in tree.iterate(base + struct.pack(">Q", start), base + struct.pack(">Q", end + 1)):
            tail = key[len(base) :]
            if len(tail) != 16:
                raise self._corrupt(key, "slash event key does not end in height and period")
            height, _ = struct.unpack(">QQ", tail)
            m = self._decode("ValidatorSlashEvent", raw, key)
            out.append(_Slash(height, m.validator_period, self._dec(m.fraction, key, "fraction"), key))
        return out

    def _delegation_rewards(
        self,
        tree: IAVLTree,
        layout: _Layout,
        val: bytes,
        validator: StakingValidator,
        shares_text: str,
        start: _Start,
        cur_rewards: dict[str, int],
        period: int,
        ratios: dict[tuple[bytes, int], dict[str, int]],
        version: int,
    ) -> dict[str, int]:
        """``IncrementValidatorPeriod`` (not written) + ``CalculateDelegationRewards``."""
        vkey = CURRENT + layout.addr(val)
        # the ratio the increment would store for the period it ends (= the ending period)
        current = {} if validator.tokens == 0 else coins_quo_dec_truncate(cur_rewards, validator.tokens * PRECISION)
        ending_ratio = coins_add(self._ratio(tree, layout, val, period - 1, ratios), current)

        def ratio(p: int) -> dict[str, int]:
            return ending_ratio if p == period else self._ratio(tree, layout, val, p, ratios)

        def between(p0: int, p1: int, stake: int) -> dict[str, int]:
            if p0 > p1:
                raise self._corrupt(vkey, f"reward period {p0} after {p1}")
            if stake < 0:
                raise self._corrupt(vkey, "negative stake")
            diff = coins_sub(ratio(p1), ratio(p0))
            if diff is None:
                raise self._corrupt(vkey, f"cumulative reward ratio falls from period {p0} to {p1}")
            return coins_mul_dec_truncate(diff, stake)

        if start.height == version:
            return {}  # started at this height: no rewards yet
        rewards: dict[str, int] = {}
        p0, stake = start.previous_period, start.stake
        if version > start.height:
            for ev in self._slashes(tree, layout, val, start.height, version):
                if ev.period > p0:
                    rewards = coins_add(rewards, between(p0, ev.period, stake))
                    stake = dec_mul_truncate(stake, ONE - ev.fraction)
                    p0 = ev.period
        delegator_shares = legacy_dec_value(validator.delegator_shares)
        if delegator_shares == 0:
            raise self._corrupt(vkey, "a delegation to a validator without shares")
        current_stake = tokens_from_shares_dec(legacy_dec_value(shares_text), validator.tokens, delegator_shares)
        if stake > current_stake:
            if stake > current_stake + STAKE_MARGIN:
                raise self._corrupt(vkey, f"recomputed stake {dec_text(stake)} exceeds the delegation's {dec_text(current_stake)}")
            stake = current_stake
        return coins_add(rewards, between(p0, period, stake))

"""x/staking state read from the ``staking`` IAVL store: validators, delegations, unbondings,
redelegations, params and the pool, shaped as the node's REST answers them.

Key layout (SDK 0.50 x/staking/types/keys.go; ``lp(a)`` = 1-byte length + address,
``address.MustLengthPrefix``):

=====================================  =====================================================
``0x21 lp(valoper)``                   ``Validator``
``0x22 lp(consaddr)``                  raw valoper bytes (consensus-address index)
``0x31 lp(del) lp(val)``               ``Delegation``
``0x32 lp(del) lp(val)``               ``UnbondingDelegation``
``0x33 lp(val) lp(del)``               empty (unbonding by validator)
``0x34 lp(del) lp(src) lp(dst)``       ``Redelegation``
``0x51``                               ``Params``
``0x71 lp(val) del``                   empty (delegations by validator; 0.50 only, the
                                       delegator is the collections' terminal part: no length)
=====================================  =====================================================

Values: ``math.Int`` fields are decimal text; ``LegacyDec`` fields are the decimal text of
value × 10^18 with no point (``"1000000000000000000000"`` = 1000 shares).

How older SDKs differ (checked on tm034's bytes where it says so):

* 0.47: same keys, records and number encodings, except that the ``0x71`` index does not
  exist: a validator's delegations come from a scan of every ``0x31`` delegation (the SDK's
  own ``getValidatorDelegationsLegacy``). A 0.47 → 0.50 upgrade (staking migration v5)
  writes ``0x71``, so ``validator_delegations`` falls back to the scan only when the store
  holds no ``0x71`` key at all.
* ≤ 0.46: params live in the x/params store (``staking/BondDenom`` … as amino JSON);
  ``unbonding_on_hold_ref_count`` / ``unbonding_ids`` are new in 0.47 (absent = 0 / ()).
* ≤ 0.42: keys carry 20-byte addresses without the length byte (``0x21 valoper``, ``0x31
  del val`` …) [checked: tm034]; the layout is detected per version from a validator key.

Balances follow the SDK's query code (x/staking/keeper/grpc_query.go):
``validator.TokensFromShares(shares).TruncateInt()`` = ``shares.MulInt(tokens).Quo(delegator_shares)``
with LegacyDec's banker's rounding in ``Quo``, then truncation. A redelegation entry's balance
uses the *destination* validator. The pool is the bank balance, in the bond denom, of the
``bonded_tokens_pool`` / ``not_bonded_tokens_pool`` module accounts.

Cost: every call opens the tree once (``AppStore.tree``); point reads cost one kv call per
tree level, batched reads (``get_many``) one per level for all keys together.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from ..codec.tx import DynamicMessage
from ..errors import CorruptRecord, InvalidInput
from ..models import Coin
from ..prefixes import Prefixes
from ..records import DECODED_PER_BYTE
from .bank import BankReader
from .iavl import IAVLTree
from .legacydec import dec_text, legacy_dec_value, parse_int, raw_dec, tokens_from_shares
from .module import ModuleReader, length_prefixed
from .sdkcodec import AddressKeys, consensus_address, decode, duration_ns_text, legacy_params, rest_json, to_time
from .staking_records import Delegation, Pool, Redelegation, RedelegationEntry, StakingValidator, UnbondingDelegation, UnbondingEntry
from .store import AppStore

__all__ = [
    "Delegation",
    "Pool",
    "Redelegation",
    "RedelegationEntry",
    "StakingReader",
    "StakingValidator",
    "UnbondingDelegation",
    "UnbondingEntry",
    "tokens_from_shares",
]

STORE = "staking"
BOND_STATUSES = ("BOND_STATUS_UNSPECIFIED", "BOND_STATUS_UNBONDED", "BOND_STATUS_UNBONDING", "BOND_STATUS_BONDED")

VALIDATOR = b"\x21"
VALIDATOR_BY_CONS = b"\x22"
#: ``AppStore.hint`` kind: consensus address → the operator the index named (checked on each use)
CONS_HINT = "staking.operator_by_cons"
DELEGATION = b"\x31"
UNBONDING = b"\x32"
UNBONDING_BY_VAL = b"\x33"
REDELEGATION = b"\x34"
PARAMS = b"\x51"
DELEGATION_BY_VAL = b"\x71"


# ---------------------------------------------------------------- reader
class StakingReader(ModuleReader):
    """x/staking state at any retained version of one AppStore.

    Addresses come in as raw bytes; records carry the bech32 text the node stored (which is
    what its REST prints; ``prefixes`` is kept for callers rendering raw addresses). Missing
    records are None or empty lists; a version the node pruned raises ``Pruned``, one above
    the latest ``NotFound``; undecodable bytes raise ``CorruptRecord``.

    The key layout is probed about once per chain (``OneWay``: one path down to the first
    validator key); keep one reader per AppStore rather than one per request.
    """

    def __init__(self, app: AppStore, prefixes: Prefixes, store: str = STORE) -> None:
        super().__init__(app, store)
        self.prefixes = prefixes

    # -------------------------------------------------------------- plumbing
    def _probe(self, tree: IAVLTree) -> bool | None:
        return length_prefixed(tree, VALIDATOR)

    def _layout(self, prefixed: bool) -> AddressKeys:
        return AddressKeys(prefixed)

    def _decode(self, name: str, raw: bytes, key: bytes) -> DynamicMessage:
        return decode(f"cosmos.staking.v1beta1.{name}", raw, self.app.db, self._key(key))

    def _int(self, text: str, key: bytes, what: str) -> int:
        return parse_int(text, self.app.db, self._key(key), what)

    # -------------------------------------------------------------- validators
    def _validator(self, raw: bytes, key: bytes) -> StakingValidator:
        """Decoded once per distinct bytes (``AppStore.decoded``): a validator set asked at
        many heights holds the same records at most of them."""
        return self.app.decoded("staking.Validator", key, raw, lambda: self._decode_validator(raw, key), DECODED_PER_BYTE * len(raw))

    def _decode_validator(self, raw: bytes, key: bytes) -> StakingValidator:
        m = self._decode("Validator", raw, key)
        pk_type = m.consensus_pubkey.type_url
        pk = b""
        if m.HasField("consensus_pubkey"):
            # every single-key type is `bytes key = 1`; parse as ed25519's shape whatever the URL
            pk = bytes(decode("cosmos.crypto.ed25519.PubKey", m.consensus_pubkey.value, self.app.db, self._key(key)).key)
        d = m.description
        rates = m.commission.commission_rates
        status = BOND_STATUSES[m.status] if 0 <= m.status < len(BOND_STATUSES) else str(m.status)
        return StakingValidator(
            operator_address=m.operator_address,
            consensus_pubkey_type=pk_type,
            consensus_pubkey=pk,
            consensus_address=consensus_address(pk_type, pk),
            jailed=m.jailed,
            status=status,
            tokens=self._int(m.tokens, key, "tokens"),
            delegator_shares=dec_text(self._int(m.delegator_shares, key, "delegator_shares")),
            moniker=d.moniker,
            identity=d.identity,
            website=d.website,
            security_contact=d.security_contact,
            details=d.details,
            unbonding_height=m.unbonding_height,
            unbonding_time=to_time(m, "unbonding_time"),
            commission_rate=dec_text(self._int(rates.rate, key, "commission rate")),
            commission_max_rate=dec_text(self._int(rates.max_rate, key, "commission max_rate")),
            commission_max_change_rate=dec_text(self._int(rates.max_change_rate, key, "commission max_change_rate")),
            commission_update_time=to_time(m.commission, "update_time"),
            min_self_delegation=self._int(m.min_self_delegation, key, "min_self_delegation"),
            unbonding_on_hold_ref_count=m.unbonding_on_hold_ref_count,
            unbonding_ids=tuple(m.unbonding_ids),
        )

    def validators(self, version: int, status: str | None = None) -> list[StakingValidator]:
        """Every validator (or those with ``status``), in the REST's order: by operator key bytes."""
        if status is not None and status not in BOND_STATUSES[1:]:
            raise InvalidInput(f"invalid validator status {status!r}: one of {', '.join(BOND_STATUSES[1:])}")
        tree, _ = self._open(version)
        out = [self._validator(raw, key) for key, raw in tree.iterate_prefix(VALIDATOR)]
        return out if status is None else [v for v in out if v.status == status]

    def validator(self, valoper: bytes, version: int) -> StakingValidator | None:
        tree, keys = self._open(version)
        key = VALIDATOR + keys.addr(valoper)
        raw = tree.get(key)
        return None if raw is None else self._validator(raw, key)

    def _validators_raw(self, tree: IAVLTree, keys: AddressKeys, valopers: Sequence[bytes]) -> dict[bytes, StakingValidator | None]:
        """Distinct operators → validator (None if absent), with one batched read."""
        wanted = list(dict.fromkeys(bytes(v) for v in valopers))
        vkeys = [VALIDATOR + keys.addr(v) for v in wanted]
        got = tree.get_many(vkeys)
        return {v: (None if raw is None else self._validator(raw, k)) for v, k, raw in zip(wanted, vkeys, got)}

    def validators_by_consensus(self, consaddrs: Sequence[bytes], version: int) -> list[StakingValidator | None]:
        """Validators by CometBFT consensus address (index ``0x22``), aligned with ``consaddrs``.

        The index names one operator for a validator's whole life: the keeper writes the
        entry when it creates the validator (refusing a consensus key already in use) and
        deletes it with the validator. So an operator found at any height is tried first: its
        record at ``version``, read in one batch with the others, is the answer when it holds
        that very consensus key (the index at ``version`` then names it too), and the index's
        own walk from the root (half of a historical lookup) is skipped. Addresses with no
        such operator, or whose record does not match, are looked up in the index (a second
        batched read), as before.
        """
        tree, keys = self._open(version)
        cons = [bytes(c) for c in consaddrs]
        guesses = [self.app.hint(CONS_HINT, c) for c in cons]
        found = self._validators_raw(tree, keys, [g for g in guesses if g is not None]) if any(guesses) else {}
        out: list[StakingValidator | None] = []
        todo: list[int] = []
        for i, (c, g) in enumerate(zip(cons, guesses)):
            v = found.get(g) if g is not None else None
            if v is not None and v.consensus_address == c:
                out.append(v)
            else:
                out.append(None)
                todo.append(i)
        if not todo:
            return out
        opers = tree.get_many([VALIDATOR_BY_CONS + keys.addr(cons[i]) for i in todo])
        more = self._validators_raw(tree, keys, [o for o in opers if o])
        for i, o in zip(todo, opers):
            if not o:
                continue
            v = more.get(bytes(o))
            out[i] = v
            if v is not None and v.consensus_address == cons[i]:
                self.app.remember(CONS_HINT, cons[i], bytes(o))
        return out

    # -------------------------------------------------------------- delegations
    def _bond_denom(self, tree: IAVLTree, version: int) -> str:
        return str(self._params(tree, version).get("bond_denom", ""))

    def _delegations(self, tree: IAVLTree, keys: AddressKeys, items: list[tuple[bytes, bytes]], version: int) -> list[Delegation]:
        parsed = []
        for key, raw in items:
            m = self._decode("Delegation", raw, key)
            addrs = keys.split(key[1:], 2)
            if addrs is None:
                raise CorruptRecord(self.app.db, self._key(key), "delegation key does not hold two addresses")
            parsed.append((key, m, addrs[1]))
        if not parsed:
            return []
        vals = self._validators_raw(tree, keys, [val for _, _, val in parsed])
        denom = self._bond_denom(tree, version)
        out = []
        for key, m, val in parsed:
            v = vals[val]
            if v is None:
                raise CorruptRecord(self.app.db, self._key(key), "delegation to a validator that does not exist")
            shares = self._int(m.shares, key, "shares")
            balance = tokens_from_shares(shares, v.tokens, raw_dec(v.delegator_shares))
            out.append(Delegation(m.delegator_address, m.validator_address, dec_text(shares), Coin(denom, str(balance))))
        return out

    def delegations(self, delegator: bytes, version: int) -> list[Delegation]:
        """A delegator's delegations, by validator key bytes (the REST's order)."""
        tree, keys = self._open(version)
        items = list(tree.iterate_prefix(DELEGATION + keys.addr(delegator)))
        return self._delegations(tree, keys, items, version)

    def validator_delegations(self, valoper: bytes, version: int) -> list[Delegation]:
        """A validator's delegations, by delegator key bytes (the REST's order).

        SDK 0.50 reads the ``0x71`` index; a store without any ``0x71`` key (≤ 0.47) is
        scanned over every delegation instead, as the SDK's legacy query does.
        """
        tree, keys = self._open(version)
        valoper = bytes(valoper)
        if keys.prefixed and next(iter(tree.iterate_prefix(DELEGATION_BY_VAL)), None) is not None:
            index = DELEGATION_BY_VAL + keys.addr(valoper)
            dkeys = [DELEGATION + keys.addr(k[len(index) :]) + keys.addr(valoper) for k, _ in tree.iterate_prefix(index)]
            got = tree.get_many(dkeys)
            missing = [k for k, raw in zip(dkeys, got) if raw is None]
            if missing:
                raise CorruptRecord(self.app.db, self._key(missing[0]), "indexed by 0x71 but absent")
            items = [(k, raw) for k, raw in zip(dkeys, got) if raw is not None]  # none is None: checked
        else:
            items = []
            for key, raw in tree.iterate_prefix(DELEGATION):
                addrs = keys.split(key[1:], 2)
                if addrs is not None and addrs[1] == valoper:
                    items.append((key, raw))
        return self._delegations(tree, keys, items, version)

    # -------------------------------------------------------------- unbonding
    def _unbonding(self, raw: bytes, key: bytes) -> UnbondingDelegation:
        m = self._decode("UnbondingDelegation", raw, key)
        entries = tuple(
            UnbondingEntry(
                creation_height=e.creation_height,
                completion_time=to_time(e, "completion_time"),
                initial_balance=self._int(e.initial_balance, key, "initial_balance"),
                balance=self._int(e.balance, key, "balance"),
                unbonding_id=e.unbonding_id,
                unbonding_on_hold_ref_count=e.unbonding_on_hold_ref_count,
            )
            for e in m.entries
        )
        return UnbondingDelegation(m.delegator_address, m.validator_address, entries)

    def unbonding_delegations(self, delegator: bytes, version: int) -> list[UnbondingDelegation]:
        """A delegator's unbonding delegations, by validator key bytes."""
        tree, keys = self._open(version)
        return [self._unbonding(raw, key) for key, raw in tree.iterate_prefix(UNBONDING + keys.addr(delegator))]

    def validator_unbonding_delegations(self, valoper: bytes, version: int) -> list[UnbondingDelegation]:
        """A validator's unbonding delegations (index ``0x33``), by delegator key bytes."""
        tree, keys = self._open(version)
        index = UNBONDING_BY_VAL + keys.addr(valoper)
        ukeys = []
        for k, _ in tree.iterate_prefix(index):
            dels = keys.split(k[len(index) :], 1)
            if dels is None:
                raise CorruptRecord(self.app.db, self._key(k), "unbonding index key does not end in an address")
            ukeys.append(UNBONDING + keys.addr(dels[0]) + keys.addr(valoper))
        got = tree.get_many(ukeys)
        out = []
        for k, raw in zip(ukeys, got):
            if raw is None:
                raise CorruptRecord(self.app.db, self._key(k), "indexed by 0x33 but absent")
            out.append(self._unbonding(raw, k))
        return out

    # -------------------------------------------------------------- redelegations
    def redelegations(self, delegator: bytes, version: int) -> list[Redelegation]:
        """A delegator's redelegations, by (source, destination) key bytes; entry balances
        from the destination validator's current exchange rate."""
        tree, keys = self._open(version)
        parsed = []
        for key, raw in tree.iterate_prefix(REDELEGATION + keys.addr(delegator)):
            addrs = keys.split(key[1:], 3)
            if addrs is None:
                raise CorruptRecord(self.app.db, self._key(key), "redelegation key does not hold three addresses")
            parsed.append((key, self._decode("Redelegation", raw, key), addrs[2]))
        vals = self._validators_raw(tree, keys, [dst for _, _, dst in parsed]) if parsed else {}
        out = []
        for key, m, dst in parsed:
            v = vals[dst]
            entries = []
            for e in m.entries:
                shares = self._int(e.shares_dst, key, "shares_dst")
                balance = 0 if v is None else tokens_from_shares(shares, v.tokens, raw_dec(v.delegator_shares))
                entries.append(
                    RedelegationEntry(
                        creation_height=e.creation_height,
                        completion_time=to_time(e, "completion_time"),
                        initial_balance=self._int(e.initial_balance, key, "initial_balance"),
                        shares_dst=dec_text(shares),
                        balance=balance,
                        unbonding_id=e.unbonding_id,
                        unbonding_on_hold_ref_count=e.unbonding_on_hold_ref_count,
                    )
                )
            out.append(Redelegation(m.delegator_address, m.validator_src_address, m.validator_dst_address, tuple(entries)))
        return out

    # -------------------------------------------------------------- params, pool
    def params(self, version: int) -> dict[str, Any]:
        """``/cosmos/staking/v1beta1/params``' ``params`` object.

        ≥ 0.47 from key ``0x51``; ≤ 0.46 from the x/params store, put in the same shape
        (``min_commission_rate`` is 0 where the chain had no such param). {} if neither exists.
        """
        tree, _ = self._open(version)
        return self._params(tree, version)

    def _params(self, tree: IAVLTree, version: int) -> dict[str, Any]:
        raw = tree.get(PARAMS)
        if raw is not None:
            return rest_json("cosmos.staking.v1beta1.Params", raw, self.app.db, self._key(PARAMS))
        old = legacy_params(
            self.app, version, "staking", ("UnbondingTime", "MaxValidators", "MaxEntries", "HistoricalEntries", "BondDenom", "MinCommissionRate")
        )
        if old is None:
            return {}
        try:
            return {
                "unbonding_time": duration_ns_text(int(old.get("UnbondingTime", 0))),
                "max_validators": int(old.get("MaxValidators", 0)),
                "max_entries": int(old.get("MaxEntries", 0)),
                "historical_entries": int(old.get("HistoricalEntries", 0)),
                "bond_denom": str(old.get("BondDenom", "")),
                "min_commission_rate": dec_text(legacy_dec_value(str(old.get("MinCommissionRate", "0")))),
            }
        except (TypeError, ValueError) as exc:
            raise CorruptRecord(self.app.db, b"s/k:params/staking/", f"params do not decode: {exc}") from None

    def pool(self, version: int) -> Pool:
        """Bonded / not-bonded tokens: the module accounts' bank balances in the bond denom
        (x/bank through ``BankReader``, every balance layout it knows)."""
        tree, _ = self._open(version)
        denom = self._bond_denom(tree, version)
        if not denom:
            return Pool(0, 0)
        bank = BankReader(self.app)
        amounts = []
        for name in (b"not_bonded_tokens_pool", b"bonded_tokens_pool"):
            addr = hashlib.sha256(name).digest()[:20]  # authtypes.NewModuleAddress
            amounts.append(int(bank.balance(addr, denom, version).amount))
        return Pool(*amounts)

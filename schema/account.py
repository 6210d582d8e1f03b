"""Accounts and staking from application.db: thin types over the module readers' records."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from cometgraph.resolvers import accounts as R
from cometgraph.storage.models import ProtoTime

from .common import Coin, Order, b64
from .scalars import JSON, BigInt, DateTime
from .tx import TxConnection

if TYPE_CHECKING:
    from .whales import DelegationConnection


@strawberry.enum(description="A staking validator's bond status.")
class BondStatus(enum.Enum):
    BONDED = "BOND_STATUS_BONDED"
    UNBONDING = "BOND_STATUS_UNBONDING"
    UNBONDED = "BOND_STATUS_UNBONDED"


def rest_time(t):
    """Application-state times print as the SDK's REST prints them (3/6/9 fractional digits)."""
    return ProtoTime(t.seconds, t.nanos)


def coin(c) -> Coin:
    return Coin(denom=c.denom, amount=int(c.amount))


@strawberry.type(description="A decimal coin amount (rewards, commission) exactly as the REST prints it: 18 decimals.")
class DecCoin:
    denom: str
    amount: str


def dec_coins(coins) -> list[DecCoin]:
    return [DecCoin(denom=c.denom, amount=c.amount) for c in coins]


@strawberry.type
class DelegationReward:
    validator_address: str
    amount: list[DecCoin]


@strawberry.type(description="Slashing module's record of a validator's liveness.")
class SigningInfo:
    address: str
    start_height: int
    index_offset: int
    jailed_until: DateTime
    tombstoned: bool
    missed_blocks_counter: int

    @classmethod
    def from_model(cls, s) -> SigningInfo:
        return cls(
            address=s.address,
            start_height=s.start_height,
            index_offset=s.index_offset,
            jailed_until=rest_time(s.jailed_until),
            tombstoned=s.tombstoned,
            missed_blocks_counter=s.missed_blocks_counter,
        )


@strawberry.type(description="A validator as the staking module keeps it.")
class StakingValidator:
    _v: strawberry.Private[object]
    _version: strawberry.Private[int]

    @strawberry.field
    def operator_address(self) -> str:
        return self._v.operator_address

    @strawberry.field(description="bech32 consensus (valcons) address")
    def consensus_address(self, info: Info) -> str:
        return R.valcons(info.context, self._v.consensus_address)

    @strawberry.field(description="The consensus pubkey, base64.")
    def consensus_pubkey(self) -> str:
        return b64(self._v.consensus_pubkey)

    @strawberry.field
    def consensus_pubkey_type(self) -> str:
        return self._v.consensus_pubkey_type

    @strawberry.field
    def moniker(self) -> str:
        return self._v.moniker

    @strawberry.field
    def identity(self) -> str | None:
        return self._v.identity or None

    @strawberry.field
    def website(self) -> str | None:
        return self._v.website or None

    @strawberry.field
    def security_contact(self) -> str | None:
        return self._v.security_contact or None

    @strawberry.field
    def details(self) -> str | None:
        return self._v.details or None

    @strawberry.field(description="Decimal text exactly as the REST prints it.")
    def commission_rate(self) -> str:
        return self._v.commission_rate

    @strawberry.field
    def commission_max_rate(self) -> str:
        return self._v.commission_max_rate

    @strawberry.field
    def commission_max_change_rate(self) -> str:
        return self._v.commission_max_change_rate

    @strawberry.field
    def commission_update_time(self) -> DateTime:
        return rest_time(self._v.commission_update_time)

    @strawberry.field
    def tokens(self) -> BigInt:
        return self._v.tokens

    @strawberry.field(description="Decimal text exactly as the REST prints it.")
    def delegator_shares(self) -> str:
        return self._v.delegator_shares

    @strawberry.field
    def status(self) -> BondStatus:
        return BondStatus(self._v.status)

    @strawberry.field
    def jailed(self) -> bool:
        return self._v.jailed

    @strawberry.field
    def unbonding_height(self) -> int:
        return self._v.unbonding_height

    @strawberry.field
    def unbonding_time(self) -> DateTime:
        return rest_time(self._v.unbonding_time)

    @strawberry.field
    def min_self_delegation(self) -> BigInt:
        return self._v.min_self_delegation

    @strawberry.field
    async def signing_info(self, info: Info) -> SigningInfo | None:
        s = await R.signing_info(info.context, self._v.consensus_address, self._version)
        return SigningInfo.from_model(s) if s is not None else None

    @strawberry.field(description="Its delegators, largest stake first (ties by address), keyset-paged.")
    async def delegations(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Annotated[DelegationConnection, strawberry.lazy(".whales")]:
        from cometgraph.resolvers import whales

        from .whales import DelegationConnection

        page = await whales.validator_delegations(info.context, self._v.operator_address, self._version, first, after)
        return DelegationConnection.from_page(page, self._version)

    @strawberry.field(description="Commission accumulated and not yet withdrawn.")
    async def commission(self, info: Info) -> list[DecCoin]:
        return dec_coins(await R.commission(info.context, self._v.operator_address, self._version))

    @strawberry.field(description="Rewards the validator holds for itself and its delegators, not yet withdrawn.")
    async def outstanding_rewards(self, info: Info) -> list[DecCoin]:
        return dec_coins(await R.outstanding_rewards(info.context, self._v.operator_address, self._version))

    @strawberry.field(description="Share of the last `window` blocks up to this height that it signed, read from the blocks' commits (null when it signed none of a window it was never in).")
    async def uptime(self, info: Info, window: int = 100) -> float | None:
        return await R.uptime(info.context, self._v.consensus_address, self._version, window)


@strawberry.type
class Delegation:
    delegator_address: str
    validator_address: str
    shares: str
    balance: Coin
    _version: strawberry.Private[int]

    @strawberry.field
    async def validator(self, info: Info) -> StakingValidator | None:
        v = await R.staking_validator(info.context, self.validator_address, self._version)
        return StakingValidator(_v=v, _version=self._version) if v is not None else None

    @classmethod
    def from_model(cls, d, version: int) -> Delegation:
        return cls(
            delegator_address=d.delegator_address,
            validator_address=d.validator_address,
            shares=d.shares,
            balance=coin(d.balance),
            _version=version,
        )


@strawberry.type
class UnbondingEntry:
    creation_height: int
    completion_time: DateTime
    initial_balance: BigInt
    balance: BigInt


@strawberry.type
class UnbondingDelegation:
    delegator_address: str
    validator_address: str
    entries: list[UnbondingEntry]

    @classmethod
    def from_model(cls, u) -> UnbondingDelegation:
        return cls(
            delegator_address=u.delegator_address,
            validator_address=u.validator_address,
            entries=[
                UnbondingEntry(
                    creation_height=e.creation_height,
                    completion_time=rest_time(e.completion_time),
                    initial_balance=e.initial_balance,
                    balance=e.balance,
                )
                for e in u.entries
            ],
        )


@strawberry.type
class RedelegationEntry:
    creation_height: int
    completion_time: DateTime
    initial_balance: BigInt
    shares_dst: str
    balance: BigInt


@strawberry.type
class Redelegation:
    delegator_address: str
    validator_src_address: str
    validator_dst_address: str
    entries: list[RedelegationEntry]

    @classmethod
    def from_model(cls, r) -> Redelegation:
        return cls(
            delegator_address=r.delegator_address,
            validator_src_address=r.validator_src_address,
            validator_dst_address=r.validator_dst_address,
            entries=[
                RedelegationEntry(
                    creation_height=e.creation_height,
                    completion_time=rest_time(e.completion_time),
                    initial_balance=e.initial_balance,
                    shares_dst=e.shares_dst,
                    balance=e.balance,
                )
                for e in r.entries
            ],
        )


@strawberry.type(description="An address's state at one height; every field reads only its own module.")
class Account:
    address: str
    _addr: strawberry.Private[bytes]
    _version: strawberry.Private[int]
    _acc: strawberry.Private[object]

    @strawberry.field(description="The account's type URL (null: the address holds coins but has no auth record).")
    def type_url(self) -> str | None:
        return self._acc.type_url if self._acc else None

    @strawberry.field
    def account_number(self) -> BigInt | None:
        return self._acc.account_number if self._acc else None

    @strawberry.field
    def sequence(self) -> BigInt | None:
        return self._acc.sequence if self._acc else None

    @strawberry.field(description="The account's public key, base64 (null until it signs).")
    def pub_key(self) -> str | None:
        return b64(self._acc.pub_key) if self._acc and self._acc.pub_key else None

    @strawberry.field
    def pub_key_type(self) -> str | None:
        return self._acc.pub_key_type if self._acc else None

    @strawberry.field(description="The public key as the REST prints it (multisig keys included).")
    def pub_key_json(self, info: Info) -> JSON | None:
        if not self._acc or not self._acc.pub_key_type:
            return None
        return info.context.chain.registry.message_json(self._acc.pub_key_type, self._acc.pub_key_value)

    @strawberry.field(description="Module accounts only.")
    def module_name(self) -> str | None:
        return self._acc.module_name if self._acc else None

    @strawberry.field(description="Balances sorted by denom, as the REST sorts them.")
    async def balances(self, info: Info) -> list[Coin]:
        return [coin(c) for c in await R.balances(info.context, self._addr, self._version)]

    @strawberry.field(description="One denom's balance; zero when the account holds none.")
    async def balance(self, info: Info, denom: str) -> Coin:
        return coin(await R.balance(info.context, self._addr, denom, self._version))

    @strawberry.field
    async def delegations(self, info: Info) -> list[Delegation]:
        return [Delegation.from_model(d, self._version) for d in await R.delegations(info.context, self._addr, self._version)]

    @strawberry.field
    async def unbonding_delegations(self, info: Info) -> list[UnbondingDelegation]:
        return [UnbondingDelegation.from_model(u) for u in await R.unbonding(info.context, self._addr, self._version)]

    @strawberry.field
    async def redelegations(self, info: Info) -> list[Redelegation]:
        return [Redelegation.from_model(r) for r in await R.redelegations(info.context, self._addr, self._version)]

    @strawberry.field(description="Pending staking rewards per validator, as the distribution module computes them (F1).")
    async def rewards(self, info: Info) -> list[DelegationReward]:
        per, _ = await R.rewards(info.context, self._addr, self._version)
        return [DelegationReward(validator_address=r.validator_address, amount=dec_coins(r.reward)) for r in per]

    @strawberry.field(description="The sum of `rewards`.")
    async def rewards_total(self, info: Info) -> list[DecCoin]:
        _, total = await R.rewards(info.context, self._addr, self._version)
        return dec_coins(total)

    @strawberry.field(description="Every tx up to this account's height whose indexed events name this address, newest first by default.")
    async def txs(self, info: Info, first: int | None = None, after: str | None = None, order_by: Order = Order.DESC) -> TxConnection:
        return TxConnection.from_page(await R.account_txs(info.context, self.address, self._version, first, after, order_by.value))

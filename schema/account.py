"""Accounts and staking from application.db: thin types over the module readers' records."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from cometgraph.resolvers import accounts as R
from cometgraph.resolvers import txs as tx_resolvers
from cometgraph.storage.models import ProtoTime

from cometgraph.resolvers.accounts import MAX_UPTIME_WINDOW
from cometgraph.resolvers.whales import MAX_RANKED

from .common import PAGE, Coin, Order, b64
from .denoms import CoinNames
from .scalars import JSON, BigInt, DateTime
from .tx import TxConnection

if TYPE_CHECKING:
    from .cw import Cw20Balance
    from .whales import DelegationConnection


@strawberry.enum(description="A staking validator's bond status.")
class BondStatus(enum.Enum):
    BONDED = strawberry.enum_value("BOND_STATUS_BONDED", description="In the active set: signs blocks, earns rewards, can be slashed.")
    UNBONDING = strawberry.enum_value("BOND_STATUS_UNBONDING", description="Left the active set; its stake stays slashable until the unbonding time passes.")
    UNBONDED = strawberry.enum_value("BOND_STATUS_UNBONDED", description="Not in the active set and done unbonding (or never bonded).")


def rest_time(t):
    """Application-state times print as the SDK's REST prints them (3/6/9 fractional digits)."""
    return ProtoTime(t.seconds, t.nanos)


def coin(c) -> Coin:
    return Coin(denom=c.denom, amount=int(c.amount))


@strawberry.type(description="A decimal coin amount (rewards, commission) exactly as the REST prints it: 18 decimals.")
class DecCoin(CoinNames):
    denom: str = strawberry.field(description="The denom.")
    amount: str = strawberry.field(description='Decimal text with 18 decimals, e.g. "12.500000000000000000".')


def dec_coins(coins) -> list[DecCoin]:
    return [DecCoin(denom=c.denom, amount=c.amount) for c in coins]


@strawberry.type(description="Pending rewards of one delegation.")
class DelegationReward:
    validator_address: str = strawberry.field(description="The validator delegated to (bech32 valoper).")
    amount: list[DecCoin] = strawberry.field(description="The rewards, sorted by denom.")


@strawberry.type(description="Slashing module's record of a validator's liveness.")
class SigningInfo:
    address: str = strawberry.field(description="The validator's consensus address (bech32 valcons).")
    start_height: int = strawberry.field(description="Height at which it first became a candidate, or was last unjailed.")
    index_offset: int = strawberry.field(
        description="Blocks it has been bonded in since startHeight; modulo the signed-blocks window, its position in the missed-blocks bitmap."
    )
    jailed_until: DateTime = strawberry.field(description="Jailed until this time; 1970-01-01T00:00:00Z when never jailed.")
    tombstoned: bool = strawberry.field(description="Tombstoned for double signing: it can never unjail.")
    missed_blocks_counter: int = strawberry.field(description="Blocks missed within the current signed-blocks window.")

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

    @strawberry.field(description="Its operator address (bech32 valoper).")
    def operator_address(self) -> str:
        return self._v.operator_address

    @strawberry.field(description="Its consensus address (bech32 valcons).")
    def consensus_address(self, info: Info) -> str:
        return R.valcons(info.context, self._v.consensus_address)

    @strawberry.field(description="Its consensus public key, base64.")
    def consensus_pub_key(self) -> str:
        return b64(self._v.consensus_pubkey)

    @strawberry.field(description='Its consensus public key\'s type URL, e.g. "/cosmos.crypto.ed25519.PubKey".')
    def consensus_pub_key_type(self) -> str:
        return self._v.consensus_pubkey_type

    # the first spelling, kept for clients; "PubKey" is how every other field spells it
    @strawberry.field(description="Same as `consensusPubKey`.", deprecation_reason="Use `consensusPubKey`: the API spells public keys PubKey everywhere.")
    def consensus_pubkey(self) -> str:
        return self.consensus_pub_key()

    @strawberry.field(
        description="Same as `consensusPubKeyType`.", deprecation_reason="Use `consensusPubKeyType`: the API spells public keys PubKey everywhere."
    )
    def consensus_pubkey_type(self) -> str:
        return self.consensus_pub_key_type()

    @strawberry.field(description="Its name, from its description.")
    def moniker(self) -> str:
        return self._v.moniker

    @strawberry.field(description="Its identity (e.g. a Keybase id) from its description; null when empty.")
    def identity(self) -> str | None:
        return self._v.identity or None

    @strawberry.field(description="Its website from its description; null when empty.")
    def website(self) -> str | None:
        return self._v.website or None

    @strawberry.field(description="Its security contact from its description; null when empty.")
    def security_contact(self) -> str | None:
        return self._v.security_contact or None

    @strawberry.field(description="Free text from its description; null when empty.")
    def details(self) -> str | None:
        return self._v.details or None

    @strawberry.field(description="Commission rate now charged, a fraction as decimal text exactly as the REST prints it (18 decimals).")
    def commission_rate(self) -> str:
        return self._v.commission_rate

    @strawberry.field(description="The highest commission rate it may ever charge, decimal text (18 decimals).")
    def commission_max_rate(self) -> str:
        return self._v.commission_max_rate

    @strawberry.field(description="The most its rate may change in one day, decimal text (18 decimals).")
    def commission_max_change_rate(self) -> str:
        return self._v.commission_max_change_rate

    @strawberry.field(description="When its commission rate last changed.")
    def commission_update_time(self) -> DateTime:
        return rest_time(self._v.commission_update_time)

    @strawberry.field(description="Tokens bonded to it (self and delegators), in the bond denom's base unit.")
    def tokens(self) -> BigInt:
        return self._v.tokens

    @strawberry.field(description="Total shares its delegators hold, decimal text exactly as the REST prints it (18 decimals).")
    def delegator_shares(self) -> str:
        return self._v.delegator_shares

    @strawberry.field(description="Its bond status at this height.")
    def status(self) -> BondStatus:
        return BondStatus(self._v.status)

    @strawberry.field(description="Whether it is jailed (out of the active set until it unjails).")
    def jailed(self) -> bool:
        return self._v.jailed

    @strawberry.field(description="Height at which it started unbonding; 0 if it never did.")
    def unbonding_height(self) -> int:
        return self._v.unbonding_height

    @strawberry.field(description="When its unbonding completes (or completed); 1970-01-01T00:00:00Z if it never unbonded.")
    def unbonding_time(self) -> DateTime:
        return rest_time(self._v.unbonding_time)

    @strawberry.field(description="The least self-delegation it promised to keep, in base units.")
    def min_self_delegation(self) -> BigInt:
        return self._v.min_self_delegation

    @strawberry.field(description="The slashing module's liveness record for it; null when it has none (e.g. never bonded).")
    async def signing_info(self, info: Info) -> SigningInfo | None:
        s = await R.signing_info(info.context, self._v.consensus_address, self._version)
        return SigningInfo.from_model(s) if s is not None else None

    @strawberry.field(
        description=f"Its delegations at this height, largest stake first (ties by delegator address), keyset-paged ({PAGE}; up to {MAX_RANKED:,} delegations, beyond that LIMIT_EXCEEDED)."
    )
    async def delegations(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=f"Page size ({PAGE}).")] = None,
        after: Annotated[
            str | None, strawberry.argument(description="A cursor of this validator's `delegations` at the same height: the delegations after it.")
        ] = None,
    ) -> Annotated[DelegationConnection, strawberry.lazy(".whales")]:
        from cometgraph.resolvers import whales

        from .whales import DelegationConnection

        page = await whales.validator_delegations(info.context, self._v.operator_address, self._version, first, after)
        return DelegationConnection.from_page(page, self._version)

    @strawberry.field(description="Commission accumulated and not yet withdrawn, as stored (the SDK keeps DecCoins sorted by denom).")
    async def commission(self, info: Info) -> list[DecCoin]:
        return dec_coins(await R.commission(info.context, self._v.operator_address, self._version))

    @strawberry.field(description="Rewards the validator holds for itself and its delegators, not yet withdrawn, as stored (sorted by denom).")
    async def outstanding_rewards(self, info: Info) -> list[DecCoin]:
        return dec_coins(await R.outstanding_rewards(info.context, self._v.operator_address, self._version))

    @strawberry.field(
        description="Share of the last `window` blocks up to this height that it signed, read from the blocks' commits (null when it signed none of a window it was never in)."
    )
    async def uptime(
        self,
        info: Info,
        window: Annotated[
            int,
            strawberry.argument(
                description=f"Blocks counted, ending at this height (default 100, at most {MAX_UPTIME_WINDOW:,}); blocks below the earliest retained one are left out."
            ),
        ] = 100,
    ) -> float | None:
        return await R.uptime(info.context, self._v.consensus_address, self._version, window)


@strawberry.type(description="Stake a delegator holds with one validator.")
class Delegation:
    delegator_address: str = strawberry.field(description="The delegator (bech32 account address).")
    validator_address: str = strawberry.field(description="The validator (bech32 valoper address).")
    shares: str = strawberry.field(description="Shares held, decimal text exactly as the REST prints it (18 decimals).")
    balance: Coin = strawberry.field(description="The tokens those shares are worth at this height, in the bond denom.")
    _version: strawberry.Private[int]

    @strawberry.field(description="The validator delegated to, at the same height; null if it no longer exists.")
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


@strawberry.type(description="One undelegation on its way back to the delegator.")
class UnbondingEntry:
    creation_height: int = strawberry.field(description="Height of the undelegation.")
    completion_time: DateTime = strawberry.field(description="When the tokens become liquid again.")
    initial_balance: BigInt = strawberry.field(description="Tokens undelegated, in base units.")
    balance: BigInt = strawberry.field(description="Tokens still to be returned (less than initialBalance after a slash).")


@strawberry.type(description="A delegator's undelegations from one validator.")
class UnbondingDelegation:
    delegator_address: str = strawberry.field(description="The delegator (bech32 account address).")
    validator_address: str = strawberry.field(description="The validator (bech32 valoper address).")
    entries: list[UnbondingEntry] = strawberry.field(description="Pending undelegations, in the order the node stores them (oldest first).")

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


@strawberry.type(description="One redelegation, slashable at its source until it completes.")
class RedelegationEntry:
    creation_height: int = strawberry.field(description="Height of the redelegation.")
    completion_time: DateTime = strawberry.field(description="When it stops counting against the source validator.")
    initial_balance: BigInt = strawberry.field(description="Tokens moved, in base units.")
    shares_dst: str = strawberry.field(description="Shares received at the destination, decimal text (18 decimals).")
    balance: BigInt = strawberry.field(description="What those shares are worth at the destination's current exchange rate, in base units.")


@strawberry.type(description="A delegator's redelegations from one validator to another.")
class Redelegation:
    delegator_address: str = strawberry.field(description="The delegator (bech32 account address).")
    validator_src_address: str = strawberry.field(description="The source validator (bech32 valoper address).")
    validator_dst_address: str = strawberry.field(description="The destination validator (bech32 valoper address).")
    entries: list[RedelegationEntry] = strawberry.field(description="Pending redelegations, in the order the node stores them (oldest first).")

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
    address: str = strawberry.field(description="The address asked for (bech32 with the chain's account prefix), as given.")
    _addr: strawberry.Private[bytes]
    _version: strawberry.Private[int]
    _acc: strawberry.Private[object]

    @strawberry.field(description="The account's type URL (null: the address holds coins but has no auth record).")
    def type_url(self) -> str | None:
        return self._acc.type_url if self._acc else None

    @strawberry.field(description="The auth module's account number; null without an auth record.")
    def account_number(self) -> BigInt | None:
        return self._acc.account_number if self._acc else None

    @strawberry.field(description="The next sequence the account signs with (how many txs it has signed); null without an auth record.")
    def sequence(self) -> BigInt | None:
        return self._acc.sequence if self._acc else None

    @strawberry.field(description="The account's public key, base64 (null until it signs).")
    def pub_key(self) -> str | None:
        return b64(self._acc.pub_key) if self._acc and self._acc.pub_key else None

    @strawberry.field(description='The public key\'s type URL, e.g. "/cosmos.crypto.secp256k1.PubKey"; null until it signs.')
    def pub_key_type(self) -> str | None:
        return self._acc.pub_key_type if self._acc else None

    @strawberry.field(description="The public key as the REST prints it (multisig keys included).")
    def pub_key_json(self, info: Info) -> JSON | None:
        if not self._acc or not self._acc.pub_key_type:
            return None
        return tx_resolvers.message_json(info.context, self._acc.pub_key_type, self._acc.pub_key_value)

    @strawberry.field(description='The module\'s name for a module account (e.g. "distribution"); null for every other account.')
    def module_name(self) -> str | None:
        return self._acc.module_name if self._acc else None

    @strawberry.field(description="Balances sorted by denom, as the REST sorts them.")
    async def balances(self, info: Info) -> list[Coin]:
        return [coin(c) for c in await R.balances(info.context, self._addr, self._version)]

    @strawberry.field(description="One denom's balance; zero when the account holds none.")
    async def balance(self, info: Info, denom: Annotated[str, strawberry.argument(description="The denom, exactly (case-sensitive).")]) -> Coin:
        return coin(await R.balance(info.context, self._addr, denom, self._version))

    @strawberry.field(description="Its delegations at this height, by validator address bytes (the REST's order).")
    async def delegations(self, info: Info) -> list[Delegation]:
        return [Delegation.from_model(d, self._version) for d in await R.delegations(info.context, self._addr, self._version)]

    @strawberry.field(description="Its pending undelegations, by validator address bytes (the REST's order).")
    async def unbonding_delegations(self, info: Info) -> list[UnbondingDelegation]:
        return [UnbondingDelegation.from_model(u) for u in await R.unbonding(info.context, self._addr, self._version)]

    @strawberry.field(description="Its pending redelegations, by (source, destination) validator address bytes (the REST's order).")
    async def redelegations(self, info: Info) -> list[Redelegation]:
        return [Redelegation.from_model(r) for r in await R.redelegations(info.context, self._addr, self._version)]

    @strawberry.field(description="Pending staking rewards per delegation, as the distribution module computes them (F1), in the order of `delegations`.")
    async def rewards(self, info: Info) -> list[DelegationReward]:
        per, _ = await R.rewards(info.context, self._addr, self._version)
        return [DelegationReward(validator_address=r.validator_address, amount=dec_coins(r.reward)) for r in per]

    @strawberry.field(description="The sum of `rewards`, sorted by denom.")
    async def rewards_total(self, info: Info) -> list[DecCoin]:
        _, total = await R.rewards(info.context, self._addr, self._version)
        return dec_coins(total)

    @strawberry.field(
        description=f"Every tx up to this account's height whose indexed events name this address, newest first by default (within a height, the node's order by hash, reversed); keyset-paged ({PAGE})."
    )
    async def txs(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=f"Page size ({PAGE}).")] = None,
        after: Annotated[str | None, strawberry.argument(description="A cursor of this list (same address, height and order): the txs after it.")] = None,
        order_by: Annotated[Order, strawberry.argument(description="DESC (default): newest first; ASC: oldest first.")] = Order.DESC,
    ) -> TxConnection:
        return TxConnection.from_page(await R.account_txs(info.context, self.address, self._version, first, after, order_by.value))

    @strawberry.field(description="Its non-zero balance in every cw20-shaped contract at this height, by token address (see `Contract.cw20`).")
    async def cw20_balances(self, info: Info) -> list[Annotated[Cw20Balance, strawberry.lazy(".cw")]]:
        from .cw import cw20_balances

        return await cw20_balances(info, self.address, self._version)

"""Whale views: ranked holders, ranked delegators, staking flows."""

from __future__ import annotations

import strawberry

from .account import Delegation
from .common import Coin, PageInfo, make_page_info
from .scalars import BigInt
from .tx import Tx


@strawberry.type(description="An address holding a denom.")
class Holder:
    address: str = strawberry.field(description="The holder (bech32 account address).")
    amount: BigInt = strawberry.field(description="Its balance of the denom, in base units.")


@strawberry.type(description="A holder with its cursor.")
class HolderEdge:
    cursor: str = strawberry.field(
        description="Opaque position of this holder: give it as `after` to the same `richList` (denom and height) for the holders after it."
    )
    node: Holder = strawberry.field(description="The holder.")


@strawberry.type(description="Holders of a denom, largest first; ties by address.")
class HolderConnection:
    edges: list[HolderEdge] = strawberry.field(description="The page's holders with their cursors, largest first (ties by address).")
    page_info: PageInfo = strawberry.field(description="Where the page sits in the list.")

    @strawberry.field(description="The page's holders without cursors, in the same order as `edges`.")
    def nodes(self) -> list[Holder]:
        return [e.node for e in self.edges]

    @classmethod
    def from_page(cls, page) -> HolderConnection:
        edges = [HolderEdge(cursor=c, node=Holder(address=h.address, amount=h.amount)) for c, h in zip(page.cursors, page.items)]
        return cls(edges=edges, page_info=make_page_info(page))


@strawberry.type(description="A delegation with its cursor.")
class DelegationEdge:
    cursor: str = strawberry.field(
        description="Opaque position of this delegation: give it as `after` to the same validator's `delegations` at the same height."
    )
    node: Delegation = strawberry.field(description="The delegation.")


@strawberry.type(description="A validator's delegations, largest stake first; ties by delegator address.")
class DelegationConnection:
    edges: list[DelegationEdge] = strawberry.field(description="The page's delegations with their cursors, largest stake first (ties by delegator address).")
    page_info: PageInfo = strawberry.field(description="Where the page sits in the list.")

    @strawberry.field(description="The page's delegations without cursors, in the same order as `edges`.")
    def nodes(self) -> list[Delegation]:
        return [e.node for e in self.edges]

    @classmethod
    def from_page(cls, page, version: int) -> DelegationConnection:
        edges = [DelegationEdge(cursor=c, node=Delegation.from_model(d, version)) for c, d in zip(page.cursors, page.items)]
        return cls(edges=edges, page_info=make_page_info(page))


@strawberry.type(description="A stake movement recorded by a tx's events: delegate, undelegate, redelegate or create-validator.")
class StakingFlow:
    kind: str = strawberry.field(description='"delegate", "undelegate", "redelegate" or "create-validator".')
    delegator_address: str = strawberry.field(
        description="The delegator (bech32 account address; for create-validator the operator's account); empty when the events name none."
    )
    validator_address: str = strawberry.field(description="The validator (bech32 valoper address); for a redelegation, the source.")
    validator_dst_address: str | None = strawberry.field(
        description="A redelegation's destination validator (bech32 valoper address); null for every other kind."
    )
    amount: Coin = strawberry.field(description="The amount moved, as the event records it.")
    height: int = strawberry.field(description="Height of the tx that recorded it.")
    _tx: strawberry.Private[object]

    @strawberry.field(
        description="Same as `validatorDstAddress`.",
        deprecation_reason="Use `validatorDstAddress`, the name `Redelegation` and the SDK give a destination validator.",
    )
    def dst_validator_address(self) -> str | None:
        return self.validator_dst_address

    @strawberry.field(description="The tx that recorded it.")
    def tx(self) -> Tx:
        return Tx(_ref=self._tx)

    @classmethod
    def from_model(cls, f) -> StakingFlow:
        return cls(
            kind=f.kind,
            delegator_address=f.delegator_address,
            validator_address=f.validator_address,
            validator_dst_address=f.dst_validator_address,
            amount=Coin(denom=f.amount.denom, amount=int(f.amount.amount)),
            height=f.height,
            _tx=f.tx,
        )


@strawberry.type(description="A staking flow with its cursor.")
class StakingFlowEdge:
    cursor: str = strawberry.field(
        description="Opaque position of this flow: give it as `after` to `stakingFlows` with the same arguments for the flows after it."
    )
    node: StakingFlow = strawberry.field(description="The flow.")


@strawberry.type(description="Staking flows, newest first.")
class StakingFlowConnection:
    edges: list[StakingFlowEdge] = strawberry.field(description="The page's flows with their cursors, newest first.")
    page_info: PageInfo = strawberry.field(description="Where the page sits in the list.")

    @strawberry.field(description="The page's flows without cursors, in the same order as `edges`.")
    def nodes(self) -> list[StakingFlow]:
        return [e.node for e in self.edges]

    @classmethod
    def from_page(cls, page) -> StakingFlowConnection:
        edges = [StakingFlowEdge(cursor=c, node=StakingFlow.from_model(f)) for c, f in zip(page.cursors, page.items)]
        return cls(edges=edges, page_info=make_page_info(page))

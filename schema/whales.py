"""Whale views: ranked holders, ranked delegators, staking flows."""

from __future__ import annotations

import strawberry

from .account import Delegation
from .common import Coin, PageInfo, make_page_info
from .scalars import BigInt
from .tx import Tx


@strawberry.type(description="An address holding a denom.")
class Holder:
    address: str
    amount: BigInt


@strawberry.type
class HolderEdge:
    cursor: str
    node: Holder


@strawberry.type(description="Holders of a denom, largest first; ties by address.")
class HolderConnection:
    edges: list[HolderEdge]
    page_info: PageInfo

    @strawberry.field
    def nodes(self) -> list[Holder]:
        return [e.node for e in self.edges]

    @classmethod
    def from_page(cls, page) -> HolderConnection:
        edges = [HolderEdge(cursor=c, node=Holder(address=h.address, amount=h.amount)) for c, h in zip(page.cursors, page.items)]
        return cls(edges=edges, page_info=make_page_info(page))


@strawberry.type
class DelegationEdge:
    cursor: str
    node: Delegation


@strawberry.type(description="A validator's delegations, largest stake first; ties by delegator address.")
class DelegationConnection:
    edges: list[DelegationEdge]
    page_info: PageInfo

    @strawberry.field
    def nodes(self) -> list[Delegation]:
        return [e.node for e in self.edges]

    @classmethod
    def from_page(cls, page, version: int) -> DelegationConnection:
        edges = [DelegationEdge(cursor=c, node=Delegation.from_model(d, version)) for c, d in zip(page.cursors, page.items)]
        return cls(edges=edges, page_info=make_page_info(page))


@strawberry.type(description="A stake movement recorded by a tx's events: delegate, undelegate, redelegate or create-validator.")
class StakingFlow:
    kind: str
    delegator_address: str
    validator_address: str
    dst_validator_address: str | None
    amount: Coin
    height: int
    _tx: strawberry.Private[object]

    @strawberry.field
    def tx(self) -> Tx:
        return Tx(_ref=self._tx)

    @classmethod
    def from_model(cls, f) -> StakingFlow:
        return cls(
            kind=f.kind,
            delegator_address=f.delegator_address,
            validator_address=f.validator_address,
            dst_validator_address=f.dst_validator_address,
            amount=Coin(denom=f.amount.denom, amount=int(f.amount.amount)),
            height=f.height,
            _tx=f.tx,
        )


@strawberry.type
class StakingFlowEdge:
    cursor: str
    node: StakingFlow


@strawberry.type(description="Staking flows, newest first.")
class StakingFlowConnection:
    edges: list[StakingFlowEdge]
    page_info: PageInfo

    @strawberry.field
    def nodes(self) -> list[StakingFlow]:
        return [e.node for e in self.edges]

    @classmethod
    def from_page(cls, page) -> StakingFlowConnection:
        edges = [StakingFlowEdge(cursor=c, node=StakingFlow.from_model(f)) for c, f in zip(page.cursors, page.items)]
        return cls(edges=edges, page_info=make_page_info(page))

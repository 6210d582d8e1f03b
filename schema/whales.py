"""Whale views: ranked holders, ranked delegators, staking flows."""

from __future__ import annotations

import strawberry

from .account import Delegation
from .common import Coin
from .connection import connection
from .scalars import BigInt
from .tx import Tx


@strawberry.type(description="An address holding a denom.")
class Holder:
    address: str = strawberry.field(description="The holder (bech32 account address).")
    amount: BigInt = strawberry.field(description="Its balance of the denom, in base units.")


HolderConnection = connection(
    Holder,
    lambda h: Holder(address=h.address, amount=h.amount),
    description="Holders of a denom, largest first; ties by address.",
    edges_description="The page's holders with their cursors, largest first (ties by address).",
    nodes_description="The page's holders without cursors, in the same order as `edges`.",
    edge_description="A holder with its cursor.",
    cursor_description="Opaque position of this holder: give it as `after` to the same `richList` (denom and height) for the holders after it.",
    node_description="The holder.",
)

DelegationConnection = connection(
    Delegation,
    Delegation.from_model,  # (delegation, version): from_page(page, version)
    description="A validator's delegations, largest stake first; ties by delegator address.",
    edges_description="The page's delegations with their cursors, largest stake first (ties by delegator address).",
    nodes_description="The page's delegations without cursors, in the same order as `edges`.",
    edge_description="A delegation with its cursor.",
    cursor_description="Opaque position of this delegation: give it as `after` to the same validator's `delegations` at the same height.",
    node_description="The delegation.",
)


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


StakingFlowConnection = connection(
    StakingFlow,
    StakingFlow.from_model,
    description="Staking flows, newest first.",
    edges_description="The page's flows with their cursors, newest first.",
    nodes_description="The page's flows without cursors, in the same order as `edges`.",
    edge_description="A staking flow with its cursor.",
    cursor_description="Opaque position of this flow: give it as `after` to `stakingFlows` with the same arguments for the flows after it.",
    node_description="The flow.",
)

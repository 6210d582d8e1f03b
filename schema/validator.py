from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from .common import PUBKEY_TYPES, b64, hexu
from .scalars import BigInt

if TYPE_CHECKING:
    from .account import StakingValidator


@strawberry.type(description="A member of the CometBFT validator set at one height.")
class Validator:
    address: str = strawberry.field(description="Its consensus address, upper-case hex as the RPC prints it.")
    pub_key: str = strawberry.field(description="Its consensus public key, base64, as the node's RPC prints it.")
    pub_key_type: str = strawberry.field(description='The key\'s amino type name as the RPC prints it, e.g. "tendermint/PubKeyEd25519".')
    voting_power: BigInt = strawberry.field(description="Its voting power at this height.")
    proposer_priority: BigInt = strawberry.field(description="Its proposer priority at this height (may be negative), as the RPC prints it.")
    _address: strawberry.Private[bytes]
    _height: strawberry.Private[int]

    @strawberry.field(description="The staking module's record of this validator, joined by consensus address (at this height's state).")
    async def staking(self, info: Info) -> Annotated[StakingValidator, strawberry.lazy(".account")] | None:
        from cometgraph.resolvers import accounts as R

        from .account import StakingValidator

        version, v = await R.validator_by_consensus(info.context, self._address, self._height)
        return StakingValidator(_v=v, _version=version) if v is not None else None

    @classmethod
    def from_model(cls, v, height: int) -> Validator:
        return cls(
            _address=v.address,
            _height=height,
            address=hexu(v.address),
            pub_key=b64(v.pub_key.key),
            pub_key_type=PUBKEY_TYPES.get(v.pub_key.type, v.pub_key.type),
            voting_power=v.voting_power,
            proposer_priority=v.proposer_priority,
        )

from __future__ import annotations

import strawberry

from .common import PUBKEY_TYPES, b64, hexu
from .scalars import BigInt


@strawberry.type(description="A member of the CometBFT validator set at one height.")
class Validator:
    address: str
    pub_key: str = strawberry.field(description="base64, as the node's RPC prints it")
    pub_key_type: str = strawberry.field(description='e.g. "tendermint/PubKeyEd25519"')
    voting_power: BigInt
    proposer_priority: BigInt

    @classmethod
    def from_model(cls, v) -> Validator:
        return cls(
            address=hexu(v.address),
            pub_key=b64(v.pub_key.key),
            pub_key_type=PUBKEY_TYPES.get(v.pub_key.type, v.pub_key.type),
            voting_power=v.voting_power,
            proposer_priority=v.proposer_priority,
        )

"""x/staking's records as the node's REST answers them (read by ``storage.app.staking``)."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Coin, Time


@dataclass(frozen=True, slots=True)
class StakingValidator:
    operator_address: str
    #: the ``Any`` type URL of the consensus key ("/cosmos.crypto.ed25519.PubKey")
    consensus_pubkey_type: str
    consensus_pubkey: bytes
    #: CometBFT address of the consensus key (b"" for a key type without a known rule)
    consensus_address: bytes
    jailed: bool
    status: str
    tokens: int
    #: LegacyDec text as the REST prints it ("1000.000000000000000000")
    delegator_shares: str
    moniker: str
    identity: str
    website: str
    security_contact: str
    details: str
    unbonding_height: int
    unbonding_time: Time
    commission_rate: str
    commission_max_rate: str
    commission_max_change_rate: str
    commission_update_time: Time
    min_self_delegation: int
    unbonding_on_hold_ref_count: int = 0
    unbonding_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Delegation:
    delegator_address: str
    validator_address: str
    shares: str
    #: bond denom, shares × tokens / delegator_shares truncated (the REST's ``balance``)
    balance: Coin


@dataclass(frozen=True, slots=True)
class UnbondingEntry:
    creation_height: int
    completion_time: Time
    initial_balance: int
    balance: int
    unbonding_id: int
    unbonding_on_hold_ref_count: int = 0


@dataclass(frozen=True, slots=True)
class UnbondingDelegation:
    delegator_address: str
    validator_address: str
    entries: tuple[UnbondingEntry, ...]


@dataclass(frozen=True, slots=True)
class RedelegationEntry:
    creation_height: int
    completion_time: Time
    initial_balance: int
    shares_dst: str
    #: tokens of ``shares_dst`` at the destination validator now (0 if it no longer exists:
    #: the node's query fails in that case)
    balance: int
    unbonding_id: int = 0
    unbonding_on_hold_ref_count: int = 0


@dataclass(frozen=True, slots=True)
class Redelegation:
    delegator_address: str
    validator_src_address: str
    validator_dst_address: str
    entries: tuple[RedelegationEntry, ...]


@dataclass(frozen=True, slots=True)
class Pool:
    not_bonded_tokens: int
    bonded_tokens: int

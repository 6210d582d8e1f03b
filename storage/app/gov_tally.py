"""A proposal's tally at a version, as ``/cosmos/gov/v1/proposals/{id}/tally`` answers it.

The REST answers from the proposal's status: in the deposit period all four counts are 0;
once passed, rejected or failed, the stored ``final_tally_result``; in the voting period it
runs the keeper's ``Tally`` on the state at that height, reproduced here (SDK 0.50
x/gov/keeper/tally.go):

* every *bonded* validator starts with its bonded tokens, delegator shares, no deductions
  and no vote;
* each vote, in store order: a voter that is itself a bonded validator's operator sets that
  validator's vote; every delegation of the voter to a bonded validator adds its shares to
  the validator's deductions and its voting power, ``shares × tokens ÷ delegator_shares``
  (LegacyDec ``MulInt`` then ``Quo``), times each option's weight (``Mul``), to the options;
* each validator that voted adds the power of the shares its voting delegators did not
  deduct, ``(delegator_shares − deductions) × tokens ÷ delegator_shares``, times its options'
  weights: delegators who did not vote inherit their validator's vote;
* each count is truncated to an integer.

Every sum is exact decimal arithmetic, so the order of validators does not matter.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import CorruptRecord
from ..prefixes import Prefixes
from .addresses import valoper_str
from .gov import OPTIONS, GovReader, Proposal, Tally
from .legacydec import PRECISION, dec_mul, dec_quo, legacy_dec_value, raw_dec
from .staking import StakingReader

__all__ = ["tally"]

_FINAL = ("PROPOSAL_STATUS_PASSED", "PROPOSAL_STATUS_REJECTED", "PROPOSAL_STATUS_FAILED")
ZERO = Tally("0", "0", "0", "0")


@dataclass
class _Val:
    tokens: int
    shares: int  # raw LegacyDec
    deductions: int = 0
    vote: tuple[tuple[str, str], ...] = field(default_factory=tuple)


def _weight(text: str) -> int:
    try:
        return legacy_dec_value(text)
    except ValueError:
        raise CorruptRecord("application", b"s/k:gov/", f"vote weight {text[:40]!r} is not a decimal") from None


def _add(results: dict[str, int], options: tuple[tuple[str, str], ...], power: int) -> None:
    for option, weight in options:
        results[option] = results.get(option, 0) + dec_mul(power, _weight(weight))


def tally(gov: GovReader, staking: StakingReader, prefixes: Prefixes, proposal: Proposal, version: int) -> Tally:
    """The tally the REST prints for ``proposal`` at ``version`` (see the module doc)."""
    if proposal.status in _FINAL:
        return proposal.final_tally or ZERO
    if proposal.status != "PROPOSAL_STATUS_VOTING_PERIOD":
        return ZERO
    vals = {
        v.operator_address: _Val(tokens=v.tokens, shares=raw_dec(v.delegator_shares)) for v in staking.validators(version) if v.status == "BOND_STATUS_BONDED"
    }
    results: dict[str, int] = {}
    for voter, vote in gov.iter_votes(proposal.id, version):
        own = vals.get(valoper_str(voter, prefixes))
        if own is not None:
            own.vote = vote.options
        for d in staking.delegations(voter, version):
            val = vals.get(d.validator_address)
            if val is None or val.shares == 0:
                continue
            shares = raw_dec(d.shares)
            val.deductions += shares
            _add(results, vote.options, dec_quo(shares * val.tokens, val.shares))
    for val in vals.values():
        if not val.vote or val.shares == 0:
            continue
        _add(results, val.vote, dec_quo((val.shares - val.deductions) * val.tokens, val.shares))

    def count(option: str) -> str:
        return str(results.get(option, 0) // PRECISION if results.get(option, 0) >= 0 else -((-results[option]) // PRECISION))

    return Tally(count(OPTIONS[1]), count(OPTIONS[2]), count(OPTIONS[3]), count(OPTIONS[4]))

"""Governance types: proposals at a height with their messages, tally, votes and deposits."""

from __future__ import annotations

import enum
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from cometgraph.resolvers import gov as R

from .account import rest_time
from .common import PAGE, Coin
from .connection import connection
from .scalars import JSON, DateTime


@strawberry.enum(description="A proposal's status, as the REST names it.")
class ProposalStatus(enum.Enum):
    DEPOSIT_PERIOD = strawberry.enum_value("PROPOSAL_STATUS_DEPOSIT_PERIOD", description="Waiting for deposits to reach the minimum.")
    VOTING_PERIOD = strawberry.enum_value("PROPOSAL_STATUS_VOTING_PERIOD", description="Open for votes.")
    PASSED = strawberry.enum_value("PROPOSAL_STATUS_PASSED", description="Passed (its messages ran).")
    REJECTED = strawberry.enum_value("PROPOSAL_STATUS_REJECTED", description="Rejected: no quorum, no majority, or vetoed.")
    FAILED = strawberry.enum_value("PROPOSAL_STATUS_FAILED", description="Passed but its messages failed.")


@strawberry.type(description="One message of a proposal.")
class ProposalMessage:
    type_url: str = strawberry.field(description='Its type URL, e.g. "/cosmos.gov.v1.MsgExecLegacyContent".')
    json: JSON = strawberry.field(description="The message as the node's REST prints it (`@type` and its fields; Anys inside rendered the same way).")


@strawberry.type(description="Vote counts in the staking denom's base units (math.Int text), as the REST prints a tally.")
class TallyResult:
    yes: str = strawberry.field(description="Power voting yes.")
    abstain: str = strawberry.field(description="Power abstaining.")
    no: str = strawberry.field(description="Power voting no.")
    no_with_veto: str = strawberry.field(description="Power voting no with veto.")


def make_tally(t: Any) -> TallyResult:
    return TallyResult(yes=t.yes, abstain=t.abstain, no=t.no, no_with_veto=t.no_with_veto)


@strawberry.type(description="One option of a (possibly weighted) vote.")
class VoteOption:
    option: str = strawberry.field(description='"VOTE_OPTION_YES", "VOTE_OPTION_ABSTAIN", "VOTE_OPTION_NO" or "VOTE_OPTION_NO_WITH_VETO".')
    weight: str = strawberry.field(description='Its share of the vote, LegacyDec text ("0.700000000000000000"); the weights sum to 1.')


@strawberry.type(description="A vote on a proposal.")
class Vote:
    voter: str = strawberry.field(description="Who voted (bech32).")
    options: list[VoteOption] = strawberry.field(description="The options and their weights, as stored.")
    metadata: str = strawberry.field(description="The voter's metadata (gov v1); empty when none.")


@strawberry.type(description="A deposit on a proposal.")
class Deposit:
    depositor: str = strawberry.field(description="Who deposited (bech32).")
    amount: list[Coin] = strawberry.field(description="What they deposited in total, sorted by denom.")


VoteConnection = connection(
    Vote,
    lambda v: Vote(voter=v.voter, options=[VoteOption(option=o, weight=w) for o, w in v.options], metadata=v.metadata),
    description="A proposal's votes, by voter address bytes (the REST's order).",
    edges_description="The page's votes with their cursors.",
    nodes_description="The page's votes without cursors.",
    edge_description="A vote with its cursor.",
    cursor_description="Give it as `after` to the same proposal's `votes` for the votes after it.",
    node_description="The vote.",
)

DepositConnection = connection(
    Deposit,
    lambda d: Deposit(depositor=d.depositor, amount=[Coin(denom=c.denom, amount=int(c.amount)) for c in d.amount]),
    description="A proposal's deposits, by depositor address bytes (the REST's order). The node deletes them when the proposal ends.",
    edges_description="The page's deposits with their cursors.",
    nodes_description="The page's deposits without cursors.",
    edge_description="A deposit with its cursor.",
    cursor_description="Give it as `after` to the same proposal's `deposits` for the deposits after it.",
    node_description="The deposit.",
)


def _time(t: Any) -> DateTime | None:
    return None if t is None else rest_time(t)


@strawberry.type(description="A governance proposal at a height (gov v1; a v1beta1 record's content is its one message).")
class Proposal:
    _p: strawberry.Private[Any]
    _version: strawberry.Private[int]

    @strawberry.field(description="Its id.")
    def id(self) -> int:
        return int(self._p.id)

    @strawberry.field(description="Its status at this height.")
    def status(self) -> ProposalStatus:
        return ProposalStatus(self._p.status)

    @strawberry.field(description="Its title.")
    def title(self) -> str:
        return str(self._p.title)

    @strawberry.field(description="Its summary (a v1beta1 content's description).")
    def summary(self) -> str:
        return str(self._p.summary)

    @strawberry.field(description="Its metadata (often an IPFS URI or JSON); empty when none.")
    def metadata(self) -> str:
        return str(self._p.metadata)

    @strawberry.field(description="Who submitted it (bech32); empty for records older than gov v1.")
    def proposer(self) -> str:
        return str(self._p.proposer)

    @strawberry.field(description="Whether it was submitted as expedited (shorter voting period, higher threshold).")
    def expedited(self) -> bool:
        return bool(self._p.expedited)

    @strawberry.field(description="Why its messages failed; empty unless FAILED.")
    def failed_reason(self) -> str:
        return str(self._p.failed_reason)

    @strawberry.field(description="Its messages in their order, as the REST prints them (legacy proposals: one MsgExecLegacyContent holding the content).")
    def messages(self) -> list[ProposalMessage]:
        return [ProposalMessage(type_url=m.type_url, json=m.json) for m in self._p.messages]

    @strawberry.field(description="When it was submitted.")
    def submit_time(self) -> DateTime | None:
        return _time(self._p.submit_time)

    @strawberry.field(description="When its deposit period ends (or ended).")
    def deposit_end_time(self) -> DateTime | None:
        return _time(self._p.deposit_end_time)

    @strawberry.field(description="When voting started; null while in the deposit period.")
    def voting_start_time(self) -> DateTime | None:
        return _time(self._p.voting_start_time)

    @strawberry.field(description="When voting ends (or ended); null while in the deposit period.")
    def voting_end_time(self) -> DateTime | None:
        return _time(self._p.voting_end_time)

    @strawberry.field(description="All deposits so far, sorted by denom (kept after they are refunded or burnt).")
    def total_deposit(self) -> list[Coin]:
        return [Coin(denom=c.denom, amount=int(c.amount)) for c in self._p.total_deposit]

    @strawberry.field(description="The tally stored when voting ended (zeros before); null when the record has none.")
    def final_tally_result(self) -> TallyResult | None:
        return make_tally(self._p.final_tally) if self._p.final_tally is not None else None

    @strawberry.field(
        description="The tally as the REST's `/proposals/{id}/tally` answers at this height: while voting, computed from that height's "
        "staking state (validators' votes inherited by delegators who did not vote); after, the final tally; zeros before voting."
    )
    async def tally(self, info: Info) -> TallyResult:
        return make_tally(await R.tally(info.context, self._p, self._version))

    @strawberry.field(description=f"Its votes at this height, by voter address bytes ({PAGE}). The node deletes them when voting ends.")
    async def votes(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=f"Page size ({PAGE}).")] = None,
        after: Annotated[str | None, strawberry.argument(description="A cursor of this proposal's votes.")] = None,
    ) -> VoteConnection:  # type: ignore[valid-type]
        return VoteConnection.from_page(await R.votes(info.context, self._p.id, self._version, first, after))

    @strawberry.field(description=f"Its deposits at this height, by depositor address bytes ({PAGE}).")
    async def deposits(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=f"Page size ({PAGE}).")] = None,
        after: Annotated[str | None, strawberry.argument(description="A cursor of this proposal's deposits.")] = None,
    ) -> DepositConnection:  # type: ignore[valid-type]
        return DepositConnection.from_page(await R.deposits(info.context, self._p.id, self._version, first, after))


ProposalConnection = connection(
    Proposal,
    lambda p, version: Proposal(_p=p, _version=version),
    description="Proposals by id, ascending (the REST's order).",
    edges_description="The page's proposals with their cursors.",
    nodes_description="The page's proposals without cursors.",
    edge_description="A proposal with its cursor.",
    cursor_description="Give it as `after` to `proposals` with the same arguments for the proposals after it.",
    node_description="The proposal.",
)

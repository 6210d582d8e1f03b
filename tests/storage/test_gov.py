"""GovReader and the tally against the node's own REST answers (``oracle/modules.json``) at
every recorded height of the sample chain: proposals (passed, rejected, vetoed, expedited,
cancelled, still voting at the last height, a legacy ``content`` one), votes (weighted,
a validator's, its delegators' overrides), deposits from several accounts, params, and the
tally the REST computes while a proposal is in its voting period."""

from __future__ import annotations

import pytest

from cometgraph.storage.app.gov import GovReader, Proposal
from cometgraph.storage.app.gov_tally import tally
from cometgraph.storage.app.staking import StakingReader
from cometgraph.storage.codec import bech32
from cometgraph.storage.errors import InvalidInput
from cometgraph.storage.models import ProtoTime


@pytest.fixture(scope="module")
def gov(app) -> GovReader:
    return GovReader(app)


@pytest.fixture(scope="module")
def staking(app, prefixes) -> StakingReader:
    return StakingReader(app, prefixes)


@pytest.fixture(scope="module")
def modules(oracle) -> dict:
    return oracle.modules


def recorded(modules) -> list[int]:
    return modules["heights"]


def _t(t):
    return None if t is None else ProtoTime(t.seconds, t.nanos).rfc3339()


def proposal_json(p: Proposal) -> dict:
    """Our record in the shape of ``/cosmos/gov/v1/proposals/{id}``' ``proposal``."""
    tally_ = p.final_tally
    return {
        "id": str(p.id),
        "messages": [m.json for m in p.messages],
        "status": p.status,
        "final_tally_result": None
        if tally_ is None
        else {"yes_count": tally_.yes, "abstain_count": tally_.abstain, "no_count": tally_.no, "no_with_veto_count": tally_.no_with_veto},
        "submit_time": _t(p.submit_time),
        "deposit_end_time": _t(p.deposit_end_time),
        "total_deposit": [{"denom": c.denom, "amount": c.amount} for c in p.total_deposit],
        "voting_start_time": _t(p.voting_start_time),
        "voting_end_time": _t(p.voting_end_time),
        "metadata": p.metadata,
        "title": p.title,
        "summary": p.summary,
        "proposer": p.proposer,
        "expedited": p.expedited,
        "failed_reason": p.failed_reason,
    }


def test_proposals_equal_rest_at_every_recorded_height(gov, modules):
    statuses = set()
    for h in recorded(modules):
        want = modules[str(h)]["gov_v1_proposals"]["proposals"]
        got = [proposal_json(p) for p in gov.iter_proposals(h)]
        assert got == want, h
        for pid, ans in modules[str(h)]["gov_v1_proposal"].items():
            p = gov.proposal(int(pid), h)
            if "proposal" in ans:
                assert p is not None and proposal_json(p) == ans["proposal"], (h, pid)
                statuses.add(p.status)
            else:
                assert p is None and ans["code"] == 5, (h, pid)
    assert {"PROPOSAL_STATUS_DEPOSIT_PERIOD", "PROPOSAL_STATUS_VOTING_PERIOD", "PROPOSAL_STATUS_PASSED", "PROPOSAL_STATUS_REJECTED"} <= statuses


def test_proposal_kinds_are_covered(gov, modules, oracle):
    ids = oracle.workload["gov"]["proposal_ids"]
    last = recorded(modules)[-1]
    legacy = gov.proposal(ids["legacy"], last)
    assert legacy.messages[0].type_url == "/cosmos.gov.v1.MsgExecLegacyContent"
    assert legacy.messages[0].json["content"]["@type"] == "/cosmos.gov.v1beta1.TextProposal"
    assert gov.proposal(ids["expedited"], last).expedited
    assert gov.proposal(ids["open"], last).status == "PROPOSAL_STATUS_VOTING_PERIOD"
    assert gov.proposal(ids["text"], last) is None  # cancelled: the node deletes it
    with pytest.raises(InvalidInput):
        gov.proposal(-1, last)


def test_votes_and_deposits_equal_rest(gov, modules):
    seen = {"weighted": 0, "votes": 0, "several_depositors": 0}
    for h in recorded(modules):
        for pid, ans in modules[str(h)]["gov_v1_votes"].items():
            got = [
                {"proposal_id": str(v.proposal_id), "voter": v.voter, "options": [{"option": o, "weight": w} for o, w in v.options], "metadata": v.metadata}
                for _, v in gov.votes(int(pid), h)
            ]
            assert got == ans["votes"], (h, pid)
            seen["votes"] += len(got)
            seen["weighted"] += sum(len(v["options"]) > 1 for v in got)
        for pid, ans in modules[str(h)]["gov_v1_deposits"].items():
            got = [
                {"proposal_id": str(d.proposal_id), "depositor": d.depositor, "amount": [{"denom": c.denom, "amount": c.amount} for c in d.amount]}
                for _, d in gov.deposits(int(pid), h)
            ]
            assert got == ans["deposits"], (h, pid)
            seen["several_depositors"] += len(got) > 1
    assert all(seen.values()), seen


def test_vote_pages_resume_after_a_voter(gov, modules, oracle):
    pid = oracle.workload["gov"]["proposal_ids"]["open"]
    last = recorded(modules)[-1]
    every = gov.votes(pid, last)
    assert len(every) >= 3
    first = gov.votes(pid, last, limit=1)
    rest = gov.votes(pid, last, after=first[0][0])
    assert [v for _, v in first + rest] == [v for _, v in every]


def test_voter_and_depositor_lookups(gov, modules, oracle):
    ids = oracle.workload["gov"]["proposal_ids"]
    h = recorded(modules)[-1]
    for ans in modules[str(h)]["gov_v1_votes"][str(ids["open"])]["votes"]:
        assert gov.has_vote(ids["open"], bech32.decode(ans["voter"])[1], h)
    for ans in modules[str(h)]["gov_v1_deposits"][str(ids["open"])]["deposits"]:
        assert gov.has_deposit(ids["open"], bech32.decode(ans["depositor"])[1], h)
    frank = bech32.decode(oracle.workload["accounts"]["frank"]["address"])[1]
    assert not gov.has_vote(ids["open"], frank, h)


def test_tally_equals_rest_at_every_recorded_height(gov, staking, prefixes, modules):
    voting = 0
    for h in recorded(modules):
        for pid, want in modules[str(h)]["gov_v1_tally"].items():
            p = gov.proposal(int(pid), h)
            if p is None:
                assert want["code"] == 5
                continue
            t = tally(gov, staking, prefixes, p, h)
            got = {"yes_count": t.yes, "abstain_count": t.abstain, "no_count": t.no, "no_with_veto_count": t.no_with_veto}
            assert got == want["tally"], (h, pid, p.status)
            old = modules[str(h)]["gov_v1beta1_tally"][pid]["tally"]
            assert [old["yes"], old["abstain"], old["no"], old["no_with_veto"]] == list(got.values())
            if p.status == "PROPOSAL_STATUS_VOTING_PERIOD" and any(v != "0" for v in got.values()):
                voting += 1
    assert voting >= 3  # open tallies with votes, computed from the state at that height


def test_params_equal_rest(gov, modules):
    for h in recorded(modules):
        assert gov.params(h) == modules[str(h)]["gov_v1_params_tallying"]["params"], h

"""The lean execution of plain scalar fields answers exactly as graphql-core's own path."""

from __future__ import annotations

import enum

import pytest
import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

import cometgraph.schema.execution as execution
from cometgraph.schema.execution import LeanExecutionContext


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"


class Boom:
    @property
    def n(self):
        raise ValueError("no n here")


@strawberry.type
class Thing:
    n: int
    s: str
    maybe: int | None
    colour: Colour | None


@strawberry.type
class Q:
    @strawberry.field
    def things(self) -> list[Thing | None]:
        return [
            Thing(n=1, s="a", maybe=None, colour=Colour.RED),
            Thing(n=None, s="b", maybe=2, colour=None),  # null for a non-null field
            Thing(n=2**40, s="c", maybe=3, colour=None),  # beyond GraphQL's Int
            Thing(n="x", s=5, maybe=None, colour="nope"),  # values the scalars refuse
            Boom(),  # an attribute that raises
        ]


DOC = "{ things { n s maybe colour } }"


async def _both(schema_kwargs: dict, doc: str) -> tuple:
    lean = strawberry.Schema(query=Q, execution_context_class=LeanExecutionContext, **schema_kwargs)
    stock = strawberry.Schema(query=Q, execution_context_class=StrawberryGraphQLCoreExecutionContext, **schema_kwargs)
    return await lean.execute(doc), await stock.execute(doc)


def _shape(result) -> tuple:
    errors = sorted((e.message, tuple(e.path or ())) for e in result.errors or [])
    return result.data, errors


async def test_values_nulls_and_refused_values_come_out_as_graphql_core_says():
    lean, stock = await _both({}, DOC)
    assert _shape(lean) == _shape(stock)
    data, errors = _shape(lean)
    assert data["things"][0] == {"n": 1, "s": "a", "maybe": None, "colour": "RED"}
    assert data["things"][1:] == [None, None, None, None]
    assert len(errors) == 4 and any("no n here" in m for m, _ in errors)


@pytest.fixture
def stock_execution(monkeypatch):
    """Switch the served schema to graphql-core's own field execution."""

    def use_stock():
        monkeypatch.setattr(LeanExecutionContext, "execute_field", StrawberryGraphQLCoreExecutionContext.execute_field)

    return use_stock


QUERIES = [
    (
        "query($h: Int!) { blocks(first: 30, maxHeight: $h) { edges { cursor node { height hash time chainId proposerAddress appHash numTxs size "
        "versionBlock versionApp lastBlockHash lastBlockPartsTotal lastBlockPartsHash lastCommitHash dataHash validatorsHash nextValidatorsHash "
        "consensusHash lastResultsHash evidenceHash verified lastCommit { height round blockHash blockPartsTotal blockPartsHash "
        "signatures { blockIdFlag validatorAddress timestamp signature } } } } pageInfo { hasNextPage endCursor } } }"
    ),
    (
        "query($h: Int!) { blocks(first: 25, maxHeight: $h) { nodes { height txs { hash height index code codespace log info gasWanted gasUsed "
        "data memo timeoutHeight signers raw messages { typeUrl json } events { type attributes { key value } } } events { type attributes { key value } } } } }"
    ),
    (
        "query($h: Int!) { validators(height: $h) { address pubKey pubKeyType votingPower proposerPriority staking { operatorAddress consensusAddress "
        "consensusPubkey consensusPubkeyType moniker identity website securityContact details commissionRate commissionMaxRate "
        "commissionMaxChangeRate commissionUpdateTime tokens delegatorShares status jailed unbondingHeight unbondingTime minSelfDelegation "
        "commission { denom amount } outstandingRewards { denom amount } delegations(first: 50) { nodes { delegatorAddress shares balance { denom amount } } } } } }"
    ),
    "{ status { chainId latestHeight earliestHeight latestBlockTime nodeVersion snapshotHeight } }",
]


async def test_the_sample_chain_answers_the_same_either_way(gql, oracle, heights, stock_execution):
    top = heights[-1]
    lean = [await gql.raw(q, {"h": top} if "$h" in q else {}) for q in QUERIES]
    for body in lean:
        assert "errors" not in body, body["errors"]
    assert lean[0]["data"]["blocks"]["edges"][0]["node"]["hash"] == oracle.blocks[str(top)]["block_id"]["hash"]
    stock_execution()
    stock = [await gql.raw(q, {"h": top} if "$h" in q else {}) for q in QUERIES]
    assert lean == stock


async def test_plain_scalar_fields_take_the_lean_path(gql, heights, monkeypatch):
    taken = []
    real = execution._lean

    def spy(source, plan):
        taken.append(plan[1])
        return real(source, plan)

    monkeypatch.setattr(execution, "_lean", spy)
    await gql.data("query($h: Int!) { blocks(first: 10, maxHeight: $h) { nodes { height hash time numTxs } } }", {"h": heights[-1]})
    assert sorted(set(taken)) == ["hash", "height", "num_txs", "time"] and len(taken) == 40

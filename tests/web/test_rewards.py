"""Pending rewards, commission and outstanding rewards through GraphQL vs the node's REST, to the last decimal."""

from __future__ import annotations


def rest_heights(oracle):
    return sorted(int(h) for h in oracle.rest)


async def test_every_accounts_pending_rewards_match_the_nodes_rest(gql, oracle):
    checked = 0
    for h in rest_heights(oracle):
        rest = oracle.rest[str(h)]
        for addr, answer in rest["rewards"].items():
            if "rewards" not in answer:
                continue
            d = (
                await gql.data(
                    "query($a: String!, $h: Int) { account(address: $a, height: $h) { rewards { validatorAddress amount { denom amount } } rewardsTotal { denom amount } } }",
                    {"a": addr, "h": h},
                )
            )["account"]
            if d is None:
                assert not answer["rewards"], (h, addr)
                continue
            assert d["rewards"] == [{"validatorAddress": r["validator_address"], "amount": r["reward"]} for r in answer["rewards"]], (h, addr)
            assert d["rewardsTotal"] == answer["total"], (h, addr)
            checked += bool(answer["rewards"])
    assert checked >= 5


async def test_validator_commission_and_outstanding_rewards_match_the_nodes_rest(gql, oracle):
    for h in rest_heights(oracle):
        rest = oracle.rest[str(h)]
        got = {
            v["operatorAddress"]: v
            for v in (
                await gql.data(
                    "query($h: Int) { stakingValidators(height: $h) { operatorAddress commission { denom amount } outstandingRewards { denom amount } } }",
                    {"h": h},
                )
            )["stakingValidators"]
        }
        for valoper, answer in rest["validator_commission"].items():
            if "commission" not in answer:
                assert valoper not in got
                continue
            assert got[valoper]["commission"] == answer["commission"]["commission"], (h, valoper)
            assert got[valoper]["outstandingRewards"] == rest["validator_outstanding_rewards"][valoper]["rewards"]["rewards"], (h, valoper)

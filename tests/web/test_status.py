"""The served app: status over real HTTP (ASGI) against the sample chain's recorded /status."""

from __future__ import annotations

import pytest


@pytest.fixture
async def client(gql):
    return gql.client


async def test_status_matches_the_nodes_status(client, oracle):
    r = await client.post("/graphql", json={"query": "{ status { chainId latestHeight earliestHeight latestBlockTime nodeVersion } }"})
    assert r.status_code == 200
    body = r.json()
    assert "errors" not in body, body
    s = body["data"]["status"]
    info = oracle.status
    assert s["chainId"] == info["node_info"]["network"]
    assert s["latestHeight"] == int(info["sync_info"]["latest_block_height"])
    assert s["earliestHeight"] == int(info["sync_info"]["earliest_block_height"])
    assert s["latestBlockTime"] == info["sync_info"]["latest_block_time"]
    assert s["nodeVersion"] == info["node_info"]["version"]


async def test_graphiql_is_served_to_browsers(client):
    r = await client.get("/graphql", headers={"accept": "text/html"})
    assert r.status_code == 200 and "graphiql" in r.text.lower()


async def test_healthz(client):
    assert (await client.get("/healthz")).text == "ok"


async def test_queries_also_work_over_get(client, oracle):
    r = await client.get("/graphql", params={"query": "{ status { latestHeight } }"})
    assert r.status_code == 200
    assert r.json()["data"]["status"]["latestHeight"] == int(oracle.status["sync_info"]["latest_block_height"])

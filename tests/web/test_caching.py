"""Immutable answers are cacheable (ETag, 304), answers about the latest are not; persisted queries."""

from __future__ import annotations

import hashlib
import json

import pytest


async def test_an_answer_about_a_named_finished_height_is_immutable_with_an_etag(gql, heights):
    q = {"query": f"{{ block(height: {heights[2]}) {{ hash txs {{ hash }} }} validators(height: {heights[2]}) {{ address }} }}"}
    r = await gql.client.post("/graphql", json=q)
    assert r.status_code == 200
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    tag = r.headers["etag"]
    again = await gql.client.post("/graphql", json=q, headers={"if-none-match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    other = await gql.client.post("/graphql", json=q, headers={"if-none-match": '"nope"'})
    assert other.status_code == 200 and other.json() == r.json()


async def test_answers_about_the_latest_are_short_lived(gql, heights):
    for query in (
        "{ status { latestHeight } }",
        "{ blocks(first: 2) { nodes { height } } }",
        f"{{ block(height: {heights[-1] + 1}) {{ hash }} }}",
        "{ validators { address } }",
        f"{{ block(height: {heights[-1]}) {{ commit {{ height }} }} }}",  # the top block's commit is the node's seen one
        '{ txs(query: "tx.height>1", first: 1) { nodes { hash } } }',
    ):
        r = await gql.client.post("/graphql", json={"query": query})
        assert r.headers["cache-control"] == "public, max-age=1", query


async def test_errors_are_never_stored(gql):
    r = await gql.client.post("/graphql", json={"query": "{ block(height: 0) { hash } }"})
    assert r.headers["cache-control"] == "no-store" and "etag" not in r.headers


async def test_persisted_queries_let_a_get_url_carry_only_a_hash(gql, heights):
    query = f"{{ block(height: {heights[1]}) {{ hash }} }}"
    digest = hashlib.sha256(query.encode()).hexdigest()
    ext = json.dumps({"persistedQuery": {"version": 1, "sha256Hash": digest}})
    miss = await gql.client.get("/graphql", params={"extensions": ext})
    assert miss.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    reg = await gql.client.get("/graphql", params={"query": query, "extensions": ext})
    assert reg.json()["data"]["block"]["hash"]
    hit = await gql.client.get("/graphql", params={"extensions": ext})
    assert hit.json() == reg.json()
    assert hit.headers["cache-control"].endswith("immutable")
    bad = await gql.client.get("/graphql", params={"query": "{ status { latestHeight } }", "extensions": ext})
    assert bad.status_code == 400 and bad.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_registered_persisted_queries_are_bounded_by_their_bytes():
    """A client may register any number of documents up to the body limit each: what the
    server keeps is bounded in bytes, the least recently used going first."""
    import hashlib

    from cometgraph.web.cache import PersistedQueries, PersistedQueryNotFound

    pq = PersistedQueries(max_bytes=10_000)

    def ext(doc: str) -> dict:
        return {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(doc.encode()).hexdigest()}}

    docs = [f"{{ status {{ latestHeight }} }} # {i} " + "x" * 3000 for i in range(5)]
    for d in docs:
        assert pq.resolve(d, ext(d)) == d
    assert pq.resolve(None, ext(docs[-1])) == docs[-1]
    with pytest.raises(PersistedQueryNotFound):
        pq.resolve(None, ext(docs[0]))
    assert pq._d.size <= 10_000

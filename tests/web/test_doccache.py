"""Each short query text is parsed and validated once; answers and errors stay as they were."""

from __future__ import annotations

import httpx
import pytest

from cometgraph.schema.doccache import MAX_CHARS, DocumentStore
from cometgraph.web.app import create_app


@pytest.fixture
async def served(gql):
    """A fresh app over the session's chain, and its document store."""
    app = create_app(gql.chain)
    app.state.graphql.plans.enabled = False  # this cache is graphql-core's path (tests/web/test_plans.py: the compiled one)
    store = next(r.endpoint.schema.document_store for r in app.routes if getattr(r, "path", "") == "/graphql" and hasattr(r, "methods"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:

        async def post(query: str, variables: dict | None = None) -> dict:
            return (await client.post("/graphql", json={"query": query, "variables": variables or {}})).json()

        yield post, store


async def test_a_repeated_query_is_parsed_and_validated_once(served, heights):
    post, store = served
    q = "query($h: Int!) { block(height: $h) { height hash } }"
    first = await post(q, {"h": heights[-1]})
    assert store.hits == 0 and len(store) == 1
    again = await post(q, {"h": heights[-1]})
    other = await post(q, {"h": heights[0]})
    assert store.hits == 2 and len(store) == 1
    assert again == first and other["data"]["block"]["height"] == heights[0]


async def test_invalid_queries_answer_the_same_error_every_time(served):
    post, store = served
    unknown = "{ block(height: 1) { nosuchfield } }"
    a, b = await post(unknown), await post(unknown)
    assert a == b and "nosuchfield" in a["errors"][0]["message"]
    assert a["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert store.hits == 1  # the validation errors came from the cache the second time
    broken = "{ block(height: 1) { height "
    c, d = await post(broken), await post(broken)
    assert c == d and c["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert len(store) == 1  # a document that does not parse is never stored


async def test_limits_that_depend_on_variables_still_apply_to_a_cached_document(served):
    post, store = served
    q = "query($n: Int) { blocks(first: $n) { nodes { txs { events { attributes { key } } } } } }"
    assert "errors" not in await post(q, {"n": 1})
    refused = await post(q, {"n": 100})
    assert store.hits == 1 and refused["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"


async def test_long_query_texts_are_not_kept(served):
    post, store = served
    q = "# " + "a generated client's long comment " * 80 + "\n{ status { latestHeight } }"
    assert len(q) > MAX_CHARS
    body = await post(q)
    assert body["data"]["status"]["latestHeight"] > 0
    assert len(store) == 0


def test_the_store_is_bounded_and_forgets_the_least_recently_used():
    store = DocumentStore(size=3, max_chars=100)
    for q in ("a", "b", "c"):
        store.put(q, object(), [])
    assert store.get("a") is not None  # a is now the most recent
    store.put("d", object(), [])
    assert len(store) == 3 and store.get("b") is None and store.get("a") is not None
    store.put("x" * 101, object(), [])
    assert store.get("x" * 101) is None and len(store) == 3

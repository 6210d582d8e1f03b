"""Property-based fuzzing of the served schema: no 5xx, no unhandled exception, every error has a code.

Pass 1: valid queries generated from the schema with random arguments (hypothesis-graphql).
Pass 2: malformed documents — wrong types, huge integers, unicode and binary junk.
"""

from __future__ import annotations

import graphql
import httpx
import hypothesis_graphql as hg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cometgraph.schema.root import build_schema

SDL = build_schema().as_str()
SCALARS = {
    "BigInt": st.integers(min_value=-(2**70), max_value=2**70).map(lambda i: graphql.StringValueNode(value=str(i))),
    "DateTime": st.just(graphql.StringValueNode(value="2026-01-01T00:00:00Z")),
    "JSON": st.just(graphql.StringValueNode(value="{}")),
}
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def client(live_server):
    """Real HTTP to a real uvicorn serving the sample chain."""
    with httpx.Client(base_url=live_server, timeout=30) as c:
        yield c


def check(response) -> None:
    assert response.status_code < 500, response.text
    body = response.json()
    assert isinstance(body, dict)
    for err in body.get("errors") or []:
        assert err.get("extensions", {}).get("code"), err
        assert "Traceback" not in err["message"] and "/work/" not in err["message"]


@FUZZ
@given(query=hg.queries(SDL, custom_scalars=SCALARS))
def test_generated_queries_never_break_the_server(client, query):
    check(client.post("/graphql", json={"query": query}))


JUNK = st.one_of(
    st.text(max_size=300),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    st.sampled_from(["{", "}", "{ block(height: ", "{ block(height: 99999999999999999999) { height } }", "query($h: Int) { block(height: $h) { height } }"]),
)


@FUZZ
@given(
    doc=JUNK,
    variables=st.one_of(
        st.none(),
        st.dictionaries(
            st.sampled_from(["h", "x", "hash"]), st.one_of(st.integers(), st.text(), st.floats(allow_nan=False, allow_infinity=False), st.lists(st.integers()))
        ),
    ),
)
def test_malformed_documents_and_variables_are_clear_errors(client, doc, variables):
    check(client.post("/graphql", json={"query": doc, "variables": variables}))


@FUZZ
@given(height=st.integers(min_value=-(2**40), max_value=2**40), hash_=st.text(max_size=80), query=st.text(max_size=120))
def test_hostile_argument_values_are_clear_errors(client, height, hash_, query):
    r = client.post(
        "/graphql",
        json={
            "query": "query($h: Int, $x: String!, $q: String!) { a: block(height: $h) { height } b: tx(hash: $x) { hash } "
            "c: txs(query: $q, first: 2) { nodes { hash } } d: validators(height: $h) { address } }",
            "variables": {"h": height if -(2**31) <= height < 2**31 else None, "x": hash_, "q": query},
        },
    )
    check(r)


def test_non_json_bodies_are_clear_errors(client):
    for body, ctype in ((b"\xff\xfe\x00junk", "application/json"), (b"{}", "application/json"), (b"query=1", "text/plain")):
        r = client.post("/graphql", content=body, headers={"content-type": ctype})
        assert 400 <= r.status_code < 500, r.text
    assert client.post("/graphql", json={"query": "{ status { latestHeight } }"}).status_code == 200

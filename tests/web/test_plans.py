"""Compiled plans (schema/compiled.py, schema/plans.py, web/fast.py) answer exactly as graphql-core.

Every test here sends the same request to the served app (plans on) and to a twin with plans
off, and compares status, body and caching headers byte for byte; tests/plancheck.py does the
same for every compiled answer of the whole suite.
"""

from __future__ import annotations

import hashlib
import json

import graphql
import httpx
import hypothesis_graphql as hg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cometgraph.schema.doccache import shape_of
from cometgraph.schema.root import build_schema
from cometgraph.web.app import create_app

from ..plancheck import frozen_clock
from .test_shapes import CASES

HEADERS = ("content-type", "cache-control", "etag")


@pytest.fixture
async def pair(gql):
    """(compiled, graphql-core, plans): two apps over the session's chain, plans on and off."""
    on, off = create_app(gql.chain, own_chain=False), create_app(gql.chain, own_chain=False)
    off.state.graphql.plans.enabled = False
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=on), base_url="http://t") as a,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=off), base_url="http://t") as b,
    ):
        yield a, b, on.state.graphql.plans


async def same(a: httpx.AsyncClient, b: httpx.AsyncClient, method: str = "POST", **kw) -> httpx.Response:
    with frozen_clock():  # snapshotAge reads the wall clock: the same instant on both paths
        got, want = await a.request(method, "/graphql", **kw), await b.request(method, "/graphql", **kw)
    assert got.status_code == want.status_code
    if got.content != want.content:
        assert _same_but_for_cancelled_fields(got.content, want.content), (got.content, want.content)
    assert [got.headers.get(h) for h in HEADERS] == [want.headers.get(h) for h in HEADERS]
    return got


def _same_but_for_cancelled_fields(got: bytes, want: bytes) -> bool:
    """Two answers of graphql-core that differ only where graphql-core itself races.

    When an error nulls the whole ``data``, graphql-core cancels the root fields still running,
    and which of their errors it has recorded by then depends on timing: the same request
    through the same path can list them or not, and with several root fields failing in the
    thread pool (``txs`` with bad queries) any of them can be the one that came first
    (``test_graphql_cores_own_race_is_the_only_difference_accepted``). A plan never answers
    with an error (it bails to graphql-core), so both answers here are graphql-core's. They
    must then agree on everything else: ``data`` null in both, errors in both, and an error
    at a path both list the same in both."""
    a, b = json.loads(got), json.loads(want)
    if set(a) != {"data", "errors"} or set(b) != {"data", "errors"} or a["data"] is not None or b["data"] is not None:
        return False
    if not a["errors"] or not b["errors"]:
        return False
    by_path = {json.dumps(e.get("path")): e for e in a["errors"]}
    return all(by_path.get(json.dumps(e.get("path")), e) == e for e in b["errors"])


def test_graphql_cores_own_race_is_the_only_difference_accepted():
    def answer(data, *errors):
        return json.dumps({"data": data, "errors": [{"message": m, "path": [p]} for p, m in errors]}).encode()

    x, y, z = ("x", "bad query x"), ("y", "bad query y"), ("z", "bad query z")
    # data nulled by a non-null root field: which failing root field came first is timing
    assert _same_but_for_cancelled_fields(answer(None, x), answer(None, y))
    assert _same_but_for_cancelled_fields(answer(None, y, x), answer(None, x, z))
    assert not _same_but_for_cancelled_fields(answer(None, x), answer(None, ("x", "another message")))
    assert not _same_but_for_cancelled_fields(answer(None, x), answer(None))
    assert not _same_but_for_cancelled_fields(answer({"x": None}, x), answer({"x": None}, y))  # data kept: no race
    assert not _same_but_for_cancelled_fields(answer(None, x), answer({"x": None}, x))
    assert not _same_but_for_cancelled_fields(answer(None, x), json.dumps({"data": None}).encode())


QUERIES = [
    ("{ status { latestHeight chainId earliestHeight } }", None),
    ("{ status { snapshotAge latestHeight } }", None),  # the wall clock: frozen for the comparison
    ("query W1($top: Int!) { blocks(first: 100, maxHeight: $top) { nodes { height hash time proposerAddress numTxs } } }", {"top": 60}),
    ("query($n: Int, $a: String) { blocks(first: $n, after: $a) { edges { cursor node { height } } pageInfo { hasNextPage endCursor } } }", {"n": 3}),
    (
        "query W4($h: Int!) { block(height: $h) { height txs { hash height code gasWanted gasUsed memo "
        "messages { typeUrl json } events { type attributes { key value } } } } }",
        {"h": 12},
    ),
    ("query W5($h: Int!) { validators(height: $h) { address votingPower proposerPriority staking { moniker operatorAddress tokens } } }", {"h": 20}),
    ("{ a: block(height: 3) { hash __typename } b: block(height: 4) { ...F ... on Block { height } } } fragment F on Block { hash numTxs height }", None),
    ("{ block(height: 5) { commit { round signatures { blockIdFlag validatorAddress validator { address votingPower } } } } }", None),
    ('{ txs(query: "tx.height > 1", first: 3) { nodes { hash height } pageInfo { hasNextPage } } }', None),
    ("{ __typename status { __typename latestHeight } }", None),
    # errors: each plan bails and graphql-core answers
    ("{ validators(height: 99999999) { address } }", None),
    ("{ block(height: -1) { height } }", None),
    ("query($h: Int!) { block(height: $h) { height } }", {"h": "not an int"}),
    ("query($h: Int!) { block(height: $h) { height } }", {}),
    ('{ tx(hash: "zz") { hash } }', None),
    # not compiled: directives, introspection
    ("query($x: Boolean!) { status { latestHeight @include(if: $x) chainId } }", {"x": False}),
    ("{ __schema { queryType { name } } }", None),
]


@pytest.mark.parametrize("query, variables", QUERIES, ids=[q[:50] for q, _ in QUERIES])
async def test_a_repeated_request_answers_the_same_bytes_compiled_as_through_graphql_core(pair, query, variables):
    a, b, plans = pair
    body = {"query": query, "variables": variables}
    with frozen_clock():
        first = await same(a, b, json=body)  # graphql-core validates it; the plan is compiled after
        again = await same(a, b, json=body)
    assert again.content == first.content or _same_but_for_cancelled_fields(again.content, first.content)


async def test_valid_repeated_texts_are_answered_by_their_plan(pair):
    a, b, plans = pair
    q = "query($h: Int!) { block(height: $h) { height hash } }"
    await same(a, b, json={"query": q, "variables": {"h": 3}})
    assert plans.compiled == 1 and plans.answered == 0
    for h in (4, 5, 6):
        r = await same(a, b, json={"query": q, "variables": {"h": h}})
        assert r.json()["data"]["block"]["height"] == h
    assert plans.compiled == 1 and plans.answered == 3
    await same(a, b, json={"query": "{ __schema { queryType { name } } }"})
    await same(a, b, json={"query": "{ __schema { queryType { name } } }"})
    assert plans.answered == 3  # introspection stays graphql-core's


#: explorer pages (bench/run.py's workloads on the sample chain): every field that awaits a
#: loader, shared futures among siblings, lists of lists
PAGES = [q for q in QUERIES[:6]] + [
    (
        "query W2($top: Int!) { blocks(first: 20, maxHeight: $top) { nodes { height hash txs { hash code "
        "gasWanted gasUsed messages { typeUrl json } events { type attributes { key value } } } } } }",
        {"top": 40},
    ),
    ("query W4($h: String!) { tx(hash: $h) { hash height code gasWanted gasUsed memo messages { typeUrl } events { type } } }", None),
]


@pytest.mark.parametrize("query, variables", PAGES, ids=[q[:50] for q, _ in PAGES])
async def test_an_explorer_page_is_answered_by_its_plan_not_by_graphql_core(pair, oracle, query, variables):
    """A plan that meets an error falls back to graphql-core with the same answer, so the
    byte-for-byte comparison alone cannot see a plan that never finishes: count them."""
    a, b, plans = pair
    if variables is None:
        variables = {"h": next(iter(oracle.txs))}
    body = {"query": query, "variables": variables}
    await same(a, b, json=body)
    before = plans.answered
    r = await same(a, b, json=body)
    assert "errors" not in r.json()
    assert plans.answered == before + 1


@pytest.mark.parametrize("primer, texts", CASES, ids=[c[0][:40] for c in CASES])
async def test_a_text_of_a_known_shape_runs_its_shapes_plan_with_its_own_literals(pair, primer, texts):
    a, b, plans = pair
    await same(a, b, json={"query": primer})
    # serves only its own text: two fields under one name with arguments, or a literal outside field arguments
    own_text_only = " a: block(height: 2) { hash } a: " in primer or "Int = " in primer
    for text in texts:
        assert shape_of(text) == shape_of(primer)
        before = plans.answered
        r = await same(a, b, json={"query": text})
        if "errors" not in r.json() and not own_text_only:
            assert plans.answered == before + 1, "a valid text of a known shape did not run compiled"


async def test_a_variables_default_literal_keeps_its_plan_to_its_own_text(pair):
    a, b, plans = pair
    q = "query($h: Int = 2) { block(height: $h) { height } }"
    await same(a, b, json={"query": q})
    other = await same(a, b, json={"query": q.replace("= 2", "= 3")})
    assert other.json()["data"]["block"]["height"] == 3


async def test_cache_headers_etags_and_media_types_match(pair):
    a, b, plans = pair
    q = {"query": "{ block(height: 7) { hash } }"}
    await same(a, b, json=q)
    r = await same(a, b, json=q)
    assert r.headers["cache-control"].endswith("immutable") and plans.answered == 1
    not_modified = await same(a, b, json=q, headers={"if-none-match": r.headers["etag"]})
    assert not_modified.status_code == 304 and plans.answered == 2
    typed = await same(a, b, json=q, headers={"accept": "application/graphql-response+json"})
    assert typed.headers["content-type"].startswith("application/graphql-response+json")
    latest = await same(a, b, json={"query": "{ status { latestHeight } }"})
    latest = await same(a, b, json={"query": "{ status { latestHeight } }"})
    assert latest.headers["cache-control"] == "public, max-age=1"


async def test_persisted_queries_over_get_run_compiled(pair):
    a, b, plans = pair
    q = "query($h: Int!) { block(height: $h) { height hash } }"
    digest = hashlib.sha256(q.encode()).hexdigest()
    ext = json.dumps({"persistedQuery": {"version": 1, "sha256Hash": digest}})
    missing = await same(a, b, "GET", params={"extensions": ext, "variables": json.dumps({"h": 2})})
    assert missing.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    for client in (a, b):
        await client.post("/graphql", json={"query": q, "variables": {"h": 2}, "extensions": json.loads(ext)})
    before = plans.answered
    r = await same(a, b, "GET", params={"extensions": ext, "variables": json.dumps({"h": 9})})
    assert r.json()["data"]["block"]["height"] == 9 and plans.answered == before + 1
    r = await same(a, b, "GET", params={"query": q, "variables": json.dumps({"h": 10})})
    assert r.json()["data"]["block"]["height"] == 10


async def test_a_limit_refuses_a_compiled_text_as_it_refuses_any(gql):
    from cometgraph.schema.limits import Limits

    limits = Limits(max_nodes=50)
    on, off = create_app(gql.chain, own_chain=False, limits=limits), create_app(gql.chain, own_chain=False, limits=limits)
    off.state.graphql.plans.enabled = False
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=on), base_url="http://t") as a,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=off), base_url="http://t") as b,
    ):
        q = "query($n: Int) { blocks(first: $n) { nodes { height } } }"
        await same(a, b, json={"query": q, "variables": {"n": 2}})
        refused = await same(a, b, json={"query": q, "variables": {"n": 100}})
        assert refused.json()["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"
        inline = "{ blocks(first: 2) { nodes { height } } }"
        await same(a, b, json={"query": inline})
        refused = await same(a, b, json={"query": inline.replace("2", "99")})
        assert refused.json()["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"


SDL = build_schema().as_str()
SCALARS = {
    "BigInt": st.integers(min_value=0, max_value=2**70).map(lambda i: graphql.StringValueNode(value=str(i))),
    "DateTime": st.just(graphql.StringValueNode(value="2026-01-01T00:00:00Z")),
    "JSON": st.just(graphql.StringValueNode(value="{}")),
}
#: the chain-side fields: app-state rankings scan whole stores and make examples slow, not different
FIELDS = ["status", "block", "blocks", "tx", "txs", "validators", "account", "supply"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(query=hg.queries(SDL, fields=FIELDS, custom_scalars=SCALARS))
async def test_generated_queries_answer_the_same_bytes_compiled(pair, query):
    a, b, plans = pair
    with frozen_clock():  # one instant for both rounds: a repeated status answers the same snapshotAge
        first = await same(a, b, json={"query": query})
        again = await same(a, b, json={"query": query})
    assert again.content == first.content or _same_but_for_cancelled_fields(again.content, first.content)

"""A text new to the document cache but of a known shape (other literals) answers exactly as
full validation would: same data, same errors, same locations; only the two value rules run."""

from __future__ import annotations

import httpx
import pytest

from cometgraph.schema.doccache import shape_of
from cometgraph.web.app import create_app

LONG_HASH = "A" * 64

# (a text that primes the shape, texts of the same shape with other literals)
CASES = [
    (
        "{ block(height: 2) { height hash } }",
        [
            "{ block(height: 3) { height hash } }",
            "{ block(height: 99999999) { height hash } }",  # NOT_FOUND
            "{ block(height: -1) { height hash } }",  # BAD_INPUT
            "{ block(height: 2147483648) { height hash } }",
        ],
    ),  # not an Int
    # two fields answering under one name must have equal arguments: only the values differ
    (
        "{ a: block(height: 2) { hash } a: block(height: 2) { hash } }",
        ["{ a: block(height: 2) { hash } a: block(height: 3) { hash } }", "{ a: block(height: 4) { hash } a: block(height: 4) { hash } }"],
    ),
    # errors' locations come from the text itself: literals of other lengths move them
    (
        "{\n  a: block(height: 2) { hash }\n  b: block(height: 3) { hash } }",
        [
            "{\n  a: block(height: 2000000000) { hash }\n  b: block(height: 99999999) { hash } }",
            "{\n  a: block(height: 2) { hash }\n  b: block(height: 2147483649) { hash } }",
        ],
    ),
    ("{ a: block(height: 2) { hash } b: block(height: 3) { hash } }", ["{ a: block(height: 2000000000) { hash } b: block(height: 99999999) { hash } }"]),
    (
        f'{{ tx(hash: "{LONG_HASH}") {{ hash height }} }}',
        ['{ tx(hash: "zz") { hash height } }', '{ tx(hash: "\\u00e9\\"x") { hash height } }', f'{{ tx(hash: "{"B" * 64}") {{ hash height }} }}'],
    ),
    # a variable's default value is a literal too
    (
        "query($h: Int = 2) { block(height: $h) { height } }",
        ["query($h: Int = 3) { block(height: $h) { height } }", "query($h: Int = 99999999999) { block(height: $h) { height } }"],
    ),
    # a custom scalar's literal (BigInt) is checked by its own parser
    (
        '{ stakingFlows(minAmount: "1", first: 2) { nodes { height } } }',
        [
            '{ stakingFlows(minAmount: "not a number", first: 2) { nodes { height } } }',
            '{ stakingFlows(minAmount: "100000000000000000000000", first: 3) { nodes { height } } }',
        ],
    ),
    (
        '{ txs(query: "tx.height > 1", first: 2) { nodes { hash } } }',
        ['{ txs(query: "tx.height >", first: 2) { nodes { hash } } }', '{ txs(query: "tx.height = 5", first: 500) { nodes { hash } } }'],
    ),
]


def _schema(app):
    return next(r.endpoint.schema for r in app.routes if getattr(r, "path", "") == "/graphql" and hasattr(r, "methods"))


@pytest.fixture
async def two_apps(gql):
    """``shaped``: the served app; ``plain``: the same app with every text validated in full."""
    shaped_app, plain_app = create_app(gql.chain), create_app(gql.chain)
    for app in (shaped_app, plain_app):  # the shape cache of graphql-core's path (tests/web/test_plans.py: compiled plans)
        app.state.graphql.plans.enabled = False
    _schema(plain_app).shape_store.is_clean = lambda shape: False
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=shaped_app), base_url="http://t") as a,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=plain_app), base_url="http://t") as b,
    ):
        yield a, b, _schema(shaped_app).shape_store


@pytest.mark.parametrize("primer, texts", CASES, ids=[c[0][:40] for c in CASES])
async def test_a_known_shape_answers_exactly_as_full_validation(two_apps, primer, texts):
    shaped, plain, shapes = two_apps
    r = await shaped.post("/graphql", json={"query": primer})
    assert "errors" not in r.json(), r.json()
    for text in texts:
        assert shape_of(text) == shape_of(primer)
        before = shapes.hits
        got = await shaped.post("/graphql", json={"query": text})
        want = await plain.post("/graphql", json={"query": text})
        assert shapes.hits == before + 1, "the text did not take the shape's path"
        assert (got.status_code, got.content) == (want.status_code, want.content)


async def test_a_shape_that_failed_validation_is_never_trusted(two_apps):
    shaped, plain, shapes = two_apps
    bad = "{ block(height: 2) { nosuchfield } }"
    await shaped.post("/graphql", json={"query": bad})
    other = "{ block(height: 3) { nosuchfield } }"
    got = await shaped.post("/graphql", json={"query": other})
    assert "nosuchfield" in got.json()["errors"][0]["message"]
    assert got.content == (await plain.post("/graphql", json={"query": other})).content
    assert len(shapes) == 0


def test_shapes_keep_names_punctuation_and_kinds_and_hide_only_values():
    assert shape_of("{ block(height: 12) { hash } }") == shape_of("{ block(height: 345) { hash } }")
    assert shape_of("{ block(height: 12) { hash } }") != shape_of('{ block(height: "12") { hash } }')
    assert shape_of("{ a(x: 1) }") != shape_of("{ a(x: 1.0) }") != shape_of("{ a(x: 1e3) }".replace("1e3", "1"))
    assert shape_of("{ W1: block(height: 1) { hash } }") != shape_of("{ W2: block(height: 1) { hash } }")
    assert shape_of('{ a(s: "x # not a comment") }') == shape_of('{ a(s: "y") }')
    assert shape_of("{ a } # 1") != shape_of("{ a } # 2")  # comments stay as written
    assert shape_of('{ a(s: """x""") }') != shape_of('{ a(s: """y""") }')  # block strings too
    assert shape_of("{ a(x: ENUM_A) }") != shape_of("{ a(x: ENUM_B) }")
    assert shape_of('{ a(s: "esc\\"aped") }') == shape_of('{ a(s: "") }')

"""Cost limits: refused before execution (or stopped), with clear errors and stable codes."""

from __future__ import annotations

import time

from cometgraph.schema.limits import Limits
from cometgraph.web.guards import RateLimit


async def test_a_query_that_could_return_too_many_objects_is_refused_before_it_runs(gql):
    before = dict(gql.chain.holder.current.dbs["blockstore"].stats)
    q = "{ blocks(first: 100) { nodes { txs { events { attributes { key } } } } } }"
    err = await gql.error(q)
    assert err["extensions"]["code"] == "LIMIT_EXCEEDED" and "objects" in err["message"]
    assert dict(gql.chain.holder.current.dbs["blockstore"].stats) == before, "nothing may be read"
    # variables count too
    err = await gql.error("query($n: Int) { blocks(first: $n) { nodes { txs { events { attributes { key } } } } } }", {"n": 100})
    assert err["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert (await gql.data("{ blocks(first: 5) { nodes { txs { events { attributes { key } } } } } }"))["blocks"]


async def test_an_oversized_request_body_is_refused_with_413(client_with):
    client = await client_with(Limits(max_body_bytes=2048))
    r = await client.post(
        "/graphql", content=b'{"query": "{ status { latestHeight } }", "x": "' + b"a" * 4096 + b'"}', headers={"content-type": "application/json"}
    )
    assert r.status_code == 413 and r.json()["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"
    r = await client.post("/graphql", json={"query": "{ status { latestHeight } }"})
    assert r.status_code == 200 and r.json()["data"]["status"]["latestHeight"] > 0


async def test_a_slow_query_is_stopped_with_a_timeout_error_and_the_server_keeps_serving(client_with, monkeypatch):
    from cometgraph.resolvers import status as status_module

    # generous on both sides: the answers after it must finish inside the same limit on a busy machine
    client = await client_with(Limits(timeout_seconds=1.5))
    real = status_module._fixed

    def slow(*args):
        time.sleep(4.0)
        return real(*args)

    monkeypatch.setattr(status_module, "_fixed", slow)
    r = await client.post("/graphql", json={"query": "{ status { latestHeight } }"})
    err = r.json()["errors"][0]
    assert err["extensions"]["code"] == "TIMEOUT" and "1.5 s" in err["message"]
    monkeypatch.setattr(status_module, "_fixed", real)
    r = await client.post("/graphql", json={"query": "{ block(height: 2) { height } }"})
    assert r.json()["data"]["block"] == {"height": 2}


async def test_introspection_can_be_switched_off(client_with, gql):
    assert (await gql.data("{ __schema { queryType { name } } }"))["__schema"]["queryType"]["name"] == "Query"
    client = await client_with(Limits(introspection=False))
    body = (await client.post("/graphql", json={"query": "{ __schema { queryType { name } } }"})).json()
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "introspection" in body["errors"][0]["message"].lower()


async def test_the_per_client_rate_limit_answers_429_beyond_its_burst(client_with):
    client = await client_with(Limits(rate_limit=0.01, rate_burst=3))  # one token per 100 s: none refills during the test, however slow the machine
    codes = [(await client.post("/graphql", json={"query": "{ status { latestHeight } }"})).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]


def test_token_bucket_refills_at_its_rate():
    rl = RateLimit(app=None, rate=2.0, burst=2)
    assert [rl.allow("a", now=0.0) for _ in range(3)] == [True, True, False]
    assert rl.allow("b", now=0.0)  # clients are independent
    assert rl.allow("a", now=0.5) and not rl.allow("a", now=0.5)


async def test_errors_never_show_file_paths_or_tracebacks(client_with, monkeypatch):
    from cometgraph.resolvers import status as status_module

    client = await client_with(Limits())  # a fresh snapshot: its status is not read yet

    def broken(*args):
        raise OSError(2, "No such file or directory", "/var/lib/secret/node/data/state.db/000123.ldb")

    monkeypatch.setattr(status_module, "_fixed", broken)
    err = (await client.post("/graphql", json={"query": "{ status { latestHeight } }"})).json()["errors"][0]
    assert err["extensions"]["code"] == "INTERNAL"
    assert "/var/lib" not in str(err) and "Traceback" not in str(err)


async def test_each_operation_logs_one_structured_line(gql, caplog):
    import json as _json
    import logging

    with caplog.at_level(logging.INFO, logger="cometgraph.requests"):
        await gql.raw("query Named { status { latestHeight } }")
        await gql.raw("{ block(height: 0) { hash } }")
    lines = [_json.loads(r.getMessage()) for r in caplog.records if r.name == "cometgraph.requests"]
    assert lines[0]["operation"] == "Named" and lines[0]["status"] == "ok" and lines[0]["ms"] >= 0
    assert lines[1]["status"] == "error" and lines[1]["codes"] == ["BAD_INPUT"]


def test_limits_come_from_flags_then_the_environment(monkeypatch):
    from cometgraph.cli import build_parser, limits_from

    monkeypatch.setenv("COMETGRAPH_MAX_DEPTH", "7")
    monkeypatch.setenv("COMETGRAPH_NO_INTROSPECTION", "true")
    ns = build_parser().parse_args(["serve", "--timeout", "3"])
    limits = limits_from(ns)
    assert (limits.max_depth, limits.timeout_seconds, limits.introspection) == (7, 3.0, False)
    ns = build_parser().parse_args(["serve", "--max-depth", "9"])
    assert limits_from(ns).max_depth == 9

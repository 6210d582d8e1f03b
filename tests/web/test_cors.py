"""Browser apps on another origin: CORS on HTTP, the same origins for WebSocket handshakes."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets

from cometgraph.schema.limits import Limits
from cometgraph.storage.chain import Chain
from cometgraph.web.app import create_app
from tests.support import serve_in_thread

APP = "http://localhost:3000"
OTHER = "http://evil.example"
QUERY = {"query": "{ status { latestHeight } }"}


def _vary(r) -> set[str]:
    return {t.strip().lower() for v in r.headers.get_list("vary") for t in v.split(",")}


async def test_an_allowed_origin_gets_preflight_and_readable_answers(client_for, oracle):
    client = await client_for(("http://LOCALHOST:3000/",))  # normalized as browsers send it
    pre = await client.options(
        "/graphql",
        headers={"origin": APP, "access-control-request-method": "POST", "access-control-request-headers": "content-type"},
    )
    assert pre.status_code == 200
    assert pre.headers["access-control-allow-origin"] == APP
    assert {m.strip() for m in pre.headers["access-control-allow-methods"].split(",")} >= {"GET", "POST"}
    assert "content-type" in pre.headers["access-control-allow-headers"].lower()
    r = await client.post("/graphql", json=QUERY, headers={"origin": APP})
    assert r.json()["data"]["status"]["latestHeight"] == int(oracle.status["sync_info"]["latest_block_height"])
    assert r.headers["access-control-allow-origin"] == APP
    assert {h.strip().lower() for h in r.headers["access-control-expose-headers"].split(",")} == {"etag", "cache-control"}
    assert "origin" in _vary(r)
    g = await client.get("/graphql", params=QUERY, headers={"origin": APP, "accept": "application/json"})
    assert g.status_code == 200 and g.headers["access-control-allow-origin"] == APP and g.headers["etag"]


async def test_other_origins_get_no_cors_headers_and_every_answer_varies_on_origin(client_for):
    client = await client_for((APP,))
    pre = await client.options("/graphql", headers={"origin": OTHER, "access-control-request-method": "POST"})
    assert pre.status_code == 400 and "access-control-allow-origin" not in pre.headers
    r = await client.post("/graphql", json=QUERY, headers={"origin": OTHER})
    assert "access-control-allow-origin" not in r.headers
    # a shared cache must keep answers for different origins (or none) apart
    assert "origin" in _vary(r)
    plain = await client.post("/graphql", json=QUERY)
    assert "origin" in _vary(plain) and "access-control-allow-origin" not in plain.headers


async def test_refusals_reach_the_page_too(client_for):
    client = await client_for((APP,), Limits(rate_limit=0.01, rate_burst=1))  # no token refills during the test
    codes = []
    for _ in range(2):
        r = await client.post("/graphql", json=QUERY, headers={"origin": APP})
        codes.append(r.status_code)
        assert r.headers["access-control-allow-origin"] == APP
    assert codes == [200, 429]


async def test_any_origin_with_a_star(client_for):
    client = await client_for(("*",))
    r = await client.post("/graphql", json=QUERY, headers={"origin": OTHER})
    assert r.headers["access-control-allow-origin"] == "*"
    pre = await client.options("/graphql", headers={"origin": OTHER, "access-control-request-method": "POST"})
    assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == "*"


async def test_by_default_no_origin_is_allowed(client_for):
    client = await client_for(())
    pre = await client.options("/graphql", headers={"origin": APP, "access-control-request-method": "POST"})
    assert pre.status_code == 405 and "access-control-allow-origin" not in pre.headers
    r = await client.post("/graphql", json=QUERY, headers={"origin": APP})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


async def _handshake(url: str, origin: str | None) -> str:
    try:
        async with websockets.connect(url, subprotocols=["graphql-transport-ws"], origin=origin) as ws:
            await ws.send(json.dumps({"type": "connection_init"}))
            return json.loads(await asyncio.wait_for(ws.recv(), 30))["type"]
    except websockets.InvalidStatus as e:
        return f"HTTP {e.response.status_code}"


def test_websocket_handshakes_follow_the_same_origins(sample_home, tmp_path):
    chain = Chain.from_home(sample_home, snapshot_dir=tmp_path / "snaps").open()
    with serve_in_thread(create_app(chain, cors_origins=(APP,))) as port:
        url = f"ws://127.0.0.1:{port}/graphql"
        assert asyncio.run(_handshake(url, APP)) == "connection_ack"
        assert asyncio.run(_handshake(url, OTHER)) == "HTTP 403"
        assert asyncio.run(_handshake(url, None)) == "connection_ack"  # not a browser
    chain = Chain.from_home(sample_home, snapshot_dir=tmp_path / "snaps2").open()
    with serve_in_thread(create_app(chain)) as port:  # default: no other origin
        assert asyncio.run(_handshake(f"ws://127.0.0.1:{port}/graphql", APP)) == "HTTP 403"


def test_cors_origins_come_from_flags_or_the_environment():
    from cometgraph.cli import build_parser
    from cometgraph.settings import Settings
    from cometgraph.storage.errors import InvalidInput

    assert Settings.from_env({}).cors_origins == ()
    env = {"COMETGRAPH_CORS_ORIGINS": "http://localhost:3000, https://App.example:443"}
    assert Settings.from_env(env).cors_origins == ("http://localhost:3000", "https://app.example")
    ns = build_parser().parse_args(["serve", "--cors-origin", "http://a.test", "--cors-origin", "*"])
    assert Settings.from_env(env, cors_origins=ns.cors_origin).cors_origins == ("*", "http://a.test")
    with pytest.raises(InvalidInput, match="--cors-origin"):
        Settings.from_env({}, cors_origins=["localhost:3000/app"])

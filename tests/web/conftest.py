"""The served app over the sample chain, reached through real HTTP (httpx on the ASGI app)."""

from __future__ import annotations

import httpx
import pytest

from cometgraph.storage.chain import Chain
from cometgraph.web.app import create_app


class GQL:
    def __init__(self, client: httpx.AsyncClient, chain: Chain) -> None:
        self.client = client
        self.chain = chain

    async def raw(self, query: str, variables: dict | None = None) -> dict:
        r = await self.client.post("/graphql", json={"query": query, "variables": variables or {}})
        assert r.status_code in (200, 400), r.text
        return r.json()

    async def data(self, query: str, variables: dict | None = None) -> dict:
        body = await self.raw(query, variables)
        assert not body.get("errors"), body["errors"]
        return body["data"]

    async def error(self, query: str, variables: dict | None = None) -> dict:
        body = await self.raw(query, variables)
        assert body.get("errors"), body
        return body["errors"][0]


@pytest.fixture(scope="session")
async def gql(sample_home, tmp_path_factory):
    chain = Chain.from_home(sample_home, snapshot_dir=tmp_path_factory.mktemp("web-snaps")).open()
    app = create_app(chain)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
            yield GQL(c, chain)


@pytest.fixture(scope="session")
def live_server(sample_home, tmp_path_factory):
    """A real uvicorn serving the sample chain on a free loopback port (for clients in other processes)."""
    from tests.support import serve_in_thread

    chain = Chain.from_home(sample_home, snapshot_dir=tmp_path_factory.mktemp("live-snaps")).open()
    with serve_in_thread(create_app(chain)) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
async def serve(sample_home, tmp_path):
    """``await serve(**create_app kwargs)`` → an httpx client on a fresh app over its own
    snapshot of the sample chain (for settings the session's app does not have)."""
    opened = []

    async def make(**kwargs):
        chain = Chain.from_home(sample_home, snapshot_dir=tmp_path / f"snaps{len(opened)}").open()
        app = create_app(chain, **kwargs)
        cm = app.router.lifespan_context(app)
        await cm.__aenter__()
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
        opened.append((cm, client))
        return client

    yield make
    for cm, client in opened:
        await client.aclose()
        await cm.__aexit__(None, None, None)


@pytest.fixture
def client_with(serve):
    """``await client_with(limits)``: a fresh app with these limits."""
    return lambda limits: serve(limits=limits)


@pytest.fixture
def client_for(serve):
    """``await client_for(origins, limits=None)``: a fresh app allowing these CORS origins."""
    return lambda origins, limits=None: serve(cors_origins=origins, limits=limits)

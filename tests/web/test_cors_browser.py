"""A page on one loopback origin queries and subscribes to cometgraph on another, in Debian's
chromium: allowed with ``--cors-origin``, refused without. The page runs the README's recipe."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from cometgraph.storage.chain import Chain
from cometgraph.web.app import create_app
from tests.support import serve_in_thread
from tests.web.test_explorer import CHROMIUM_ARGS, ensure_chromium
from tests.web.test_subscriptions import publish

pytestmark = pytest.mark.browser

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_recipe() -> str:
    """The README's browser-app snippet (the html block of "Browser apps on another origin")."""
    section = README.read_text().split("### Browser apps on another origin", 1)[1]
    return re.search(r"```html\n(.*?)```", section, re.S).group(1)


@pytest.fixture(scope="module")
def servers(sample_home, tmp_path_factory):
    """Two page origins (one allowed) and cometgraph on a third port, all loopback."""
    pages = {"html": ""}

    async def index(request):
        return HTMLResponse(pages["html"])

    page_app = Starlette(routes=[Route("/", index), Route("/favicon.ico", lambda request: Response(status_code=204))])
    with serve_in_thread(page_app) as allowed_port, serve_in_thread(page_app) as refused_port:
        chain = Chain.from_home(sample_home, snapshot_dir=tmp_path_factory.mktemp("cors-snaps")).open()
        app = create_app(chain, cors_origins=(f"http://127.0.0.1:{allowed_port}",))
        with serve_in_thread(app) as gql_port:
            recipe = readme_recipe()
            assert "http://127.0.0.1:8080/graphql" in recipe
            pages["html"] = "<!doctype html><title>app</title>" + recipe.replace("127.0.0.1:8080", f"127.0.0.1:{gql_port}")
            yield app, f"http://127.0.0.1:{allowed_port}/", f"http://127.0.0.1:{refused_port}/", gql_port


@pytest.fixture
async def tab():
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=ensure_chromium(), args=CHROMIUM_ARGS, headless=True)
        try:
            ctx = await browser.new_context()
            ctx.set_default_timeout(30_000)
            yield await ctx.new_page()
        finally:
            await browser.close()


async def _until(condition, what: str, timeout: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def test_a_page_on_an_allowed_origin_queries_and_subscribes(servers, tab, oracle, heights):
    app, allowed, _, _ = servers
    lines: list = []
    errors: list[str] = []
    tab.on("console", lambda m: lines.append(json.loads(m.text)) if m.type == "log" else errors.append(m.text))
    tab.on("pageerror", lambda e: errors.append(str(e)))
    before = app.state.broadcaster.subscribers
    await tab.goto(allowed)
    await _until(lambda: lines or errors, "the page's query")
    assert errors == []
    assert lines[0] == {"chainId": oracle.status["node_info"]["network"], "latestHeight": int(oracle.status["sync_info"]["latest_block_height"])}
    await _until(lambda: app.state.broadcaster.subscribers > before, "the page's subscription")
    await asyncio.to_thread(publish, app, range(heights[0], heights[0] + 2))
    await _until(lambda: len(lines) >= 3 or errors, "two new blocks on the page")
    assert errors == []
    assert lines[1:] == [{"height": h, "hash": oracle.blocks[str(h)]["block_id"]["hash"]} for h in (heights[0], heights[0] + 1)]


async def test_a_page_on_another_origin_is_refused(servers, tab):
    app, _, refused, gql_port = servers
    errors: list[str] = []
    lines: list[str] = []
    tab.on("console", lambda m: lines.append(m.text) if m.type == "log" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    before = app.state.broadcaster.subscribers
    await tab.goto(refused)
    await _until(lambda: errors, "the page's failed fetch")
    assert "Failed to fetch" in errors[0] and lines == []
    # the socket is refused at the handshake: never opened
    outcome = await tab.evaluate(
        """(url) => new Promise((done) => {
            const ws = new WebSocket(url, "graphql-transport-ws");
            ws.onopen = () => done("open");
            ws.onclose = (e) => done(`closed ${e.code}`);
        })""",
        f"ws://127.0.0.1:{gql_port}/graphql",
    )
    assert outcome == "closed 1006"
    assert app.state.broadcaster.subscribers == before

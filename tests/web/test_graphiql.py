"""GraphiQL served by cometgraph itself: pinned npm files, the CDN only when a build could not
fetch them, no IDE when introspection is off, and a real browser with the network cut."""

from __future__ import annotations

import base64
import gzip
import hashlib
import importlib.util
import io
import logging
import re
import tarfile
from pathlib import Path

import httpx
import pytest
from strawberry.http.ides import get_graphql_ide_html

from cometgraph.schema.limits import Limits
from cometgraph.web.app import NO_IDE
from cometgraph.web.graphiql import ASSETS

ROOT = Path(__file__).resolve().parents[2]
UNPKG = re.compile(r'(?:src|href)="https://unpkg\.com/([^"]+)"\s+integrity="([^"]+)"')
LOCAL = re.compile(r'(?:src|href)="(/graphiql/[^"]+)"\s+integrity="([^"]+)"')


def _tool():
    spec = importlib.util.spec_from_file_location("fetch_graphiql", ROOT / "tools" / "fetch_graphiql.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


async def _page(client) -> httpx.Response:
    return await client.get("/graphql", headers={"accept": "text/html"})


def test_the_pins_are_exactly_what_strawberrys_graphiql_page_loads():
    """A Strawberry upgrade that loads other files must update tools/fetch_graphiql.py too."""
    tool = _tool()
    pinned = {f"{name}@{version}/{path}": integrity for (name, version), files in tool.PINS.items() for path, integrity in files.items()}
    assert dict(UNPKG.findall(get_graphql_ide_html("graphiql"))) == pinned


async def test_graphiql_loads_every_file_from_this_server(serve):
    assert all((ASSETS / path).is_file() for path in dict(UNPKG.findall(get_graphql_ide_html("graphiql")))), (
        "GraphiQL's assets were not fetched at install: python tools/fetch_graphiql.py"
    )
    client = await serve()
    page = await _page(client)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "unpkg.com" not in page.text
    local = LOCAL.findall(page.text)
    assert len(local) == 7  # react, react-dom, js-cookie, graphiql js+css, explorer plugin js+css
    for path, integrity in local:  # byte for byte what the page pins: the browser checks it too
        r = await client.get(path)
        assert r.status_code == 200 and _sri(r.content) == integrity, path
    for folder in ("react@18.2.0", "react-dom@18.2.0", "graphiql@3.8.3", "js-cookie@3.0.5"):
        assert "MIT License" in (await client.get(f"/graphiql/{folder}/LICENSE")).text
    explorer = (await client.get("/graphiql/@graphiql/plugin-explorer@1.0.2/package.json")).json()
    assert explorer["license"] == "MIT"


async def test_without_the_assets_graphiql_uses_the_cdn_and_startup_says_so(serve, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="cometgraph.web.graphiql")
    client = await serve(graphiql_assets=tmp_path / "not-fetched")
    page = await _page(client)
    assert page.text == get_graphql_ide_html("graphiql")
    assert (await client.get("/graphiql/react@18.2.0/umd/react.production.min.js")).status_code == 404
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and r.name == "cometgraph.web.graphiql"]
    assert len(warnings) == 1 and "https://unpkg.com/" in warnings[0] and "needs the internet" in warnings[0]


async def test_no_introspection_serves_no_graphiql(serve):
    client = await serve(limits=Limits(introspection=False))
    page = await _page(client)
    assert page.status_code == 404
    assert page.json()["errors"] == [{"message": NO_IDE, "extensions": {"code": "NOT_FOUND"}}]
    assert (await client.get("/graphiql/react@18.2.0/umd/react.production.min.js")).status_code == 404
    # queries still work; introspection is refused with a code
    ok = await client.post("/graphql", json={"query": "{ status { latestHeight } }"})
    assert ok.json()["data"]["status"]["latestHeight"] > 0
    refused = (await client.post("/graphql", json={"query": "{ __schema { queryType { name } } }"})).json()
    assert refused["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


# ---------------------------------------------------------------- tools/fetch_graphiql.py, offline


def _tarball(files: dict[str, bytes]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for path, data in files.items():
            info = tarfile.TarInfo(f"package/{path}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue())


def test_fetch_takes_the_pinned_files_and_licenses_and_refuses_other_bytes(tmp_path):
    tool = _tool()
    registry = tmp_path / "registry"
    (registry / "@scope" / "pkg" / "-").mkdir(parents=True)
    js = b"console.log('pinned')"
    (registry / "@scope" / "pkg" / "-" / "pkg-1.0.0.tgz").write_bytes(
        _tarball({"dist/a.min.js": js, "LICENSE": b"MIT License", "package.json": b'{"license":"MIT"}', "dist/other.js": b"x"})
    )
    dest = tmp_path / "assets"
    pins = {"dist/a.min.js": _sri(js)}
    assert tool.fetch_one("@scope/pkg", "1.0.0", pins, dest, registry.as_uri(), 10) is True
    folder = dest / "@scope" / "pkg@1.0.0"
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) == ["LICENSE", "dist/a.min.js", "package.json"]
    assert (folder / "dist" / "a.min.js").read_bytes() == js
    # present and matching: not fetched again (an offline rebuild works)
    (registry / "@scope" / "pkg" / "-" / "pkg-1.0.0.tgz").unlink()
    assert tool.fetch_one("@scope/pkg", "1.0.0", pins, dest, registry.as_uri(), 10) is False
    # a tarball whose file is not the pinned one is refused, and nothing is written
    (registry / "other" / "-").mkdir(parents=True)
    (registry / "other" / "-" / "other-2.0.0.tgz").write_bytes(_tarball({"x.js": b"tampered"}))
    with pytest.raises(tool.FetchError, match="does not match its integrity"):
        tool.fetch_one("other", "2.0.0", {"x.js": _sri(b"original")}, dest, registry.as_uri(), 10)
    assert not (dest / "other@2.0.0").exists()
    with pytest.raises(tool.FetchError, match="cannot download"):
        tool.fetch_one("missing", "1.0.0", {"x.js": _sri(b"")}, dest, registry.as_uri(), 10)


# ---------------------------------------------------------------- a browser with the network cut


@pytest.fixture(scope="module")
async def offline_browser():
    from playwright.async_api import async_playwright

    from tests.web.test_explorer import CHROMIUM_ARGS, ensure_chromium

    path = ensure_chromium()
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            await b.close()


@pytest.mark.browser
async def test_graphiql_runs_a_query_with_every_non_loopback_request_blocked(offline_browser, live_server, oracle):
    from urllib.parse import quote, urlsplit

    ctx = await offline_browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(30_000)
    blocked: list[str] = []

    async def only_loopback(route):
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost", "::1"):
            await route.continue_()
        else:
            blocked.append(route.request.url)
            await route.abort("internetdisconnected")

    await ctx.route("**/*", only_loopback)
    errors: list[str] = []
    try:
        page = await ctx.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        query = "{ status { chainId latestHeight } }"
        await page.goto(f"{live_server}/graphql?q={quote(query)}")
        await page.wait_for_selector(".graphiql-execute-button")
        await page.click(".graphiql-execute-button")
        chain_id = oracle.status["node_info"]["network"]
        result = page.locator(".result-window")
        await result.get_by_text(chain_id).wait_for()
        text = await result.inner_text()
    finally:
        await ctx.close()
    assert f'"chainId": "{chain_id}"' in text
    assert f'"latestHeight": {oracle.status["sync_info"]["latest_block_height"]}' in text
    assert blocked == [] and errors == []

"""The explorer at ``/`` in a real browser (Debian's chromium driven by Playwright) on a real
uvicorn serving the sample chain: every value a page shows is compared with the node's own
answers (the oracle), links and the search box are followed, errors are shown.

Chromium comes from Debian (``apt-get install chromium``, done here when it is missing), never
from Playwright's own browser download. ``COMETGRAPH_SCREENSHOTS=docs/screenshots pytest -m
browser`` rewrites the README's screenshots.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
FLAGS = {1: "BLOCK_ID_FLAG_ABSENT", 2: "BLOCK_ID_FLAG_COMMIT", 3: "BLOCK_ID_FLAG_NIL"}


# ---------------------------------------------------------------- browser


def ensure_chromium() -> str:
    """Debian's chromium, installed with apt-get when missing (CI runs as root on Debian)."""
    path = shutil.which("chromium")
    if path:
        return path
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        msg = "chromium is missing and cannot be installed here (needs root and apt-get): apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in ([apt, "update"], [apt, "install", "-y", "chromium"]):
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            pytest.fail(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    path = shutil.which("chromium")
    assert path, "apt-get installed chromium but it is not on PATH"
    return path


@pytest.fixture(scope="session")
def chromium_path() -> str:
    return ensure_chromium()


@pytest.fixture(scope="session")
async def browser(chromium_path):
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            await b.close()


class Page:
    """A browser tab on the explorer; collects uncaught errors of the page's own modules."""

    def __init__(self, page, base: str) -> None:
        self.p = page
        self.base = base
        self.errors: list[str] = []
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("console", self._console)

    def _console(self, msg) -> None:
        if msg.type == "error" and "/static/" in (msg.location or {}).get("url", ""):
            self.errors.append(f"console: {msg.text}")

    async def open(self, path: str, view: str | None = None):
        response = await self.p.goto(self.base + path)
        await self.rendered(view)
        return response

    async def rendered(self, view: str | None = None) -> str:
        """Wait until the router has rendered a page (of kind ``view``); returns the kind."""
        sel = f'main[data-view="{view}"]' if view else "main[data-view]"
        await self.p.wait_for_selector(sel)
        return await self.p.get_attribute("main", "data-view")

    async def text(self, selector: str) -> str:
        return (await self.p.locator(selector).first.inner_text()).strip()

    async def field(self, key: str) -> str:
        return await self.text(f'dd[data-field="{key}"]')

    async def texts(self, selector: str) -> list[str]:
        return [t.strip() for t in await self.p.locator(selector).all_inner_texts()]

    async def attrs(self, selector: str, name: str) -> list[str]:
        return await self.p.locator(selector).evaluate_all(f"(els) => els.map((e) => e.getAttribute({name!r}))")

    async def rows(self, table: str) -> list[dict[str, str]]:
        """The rows of ``table`` as {data-col: text}."""
        return await self.p.locator(f"{table} tbody tr").evaluate_all(
            "(rows) => rows.map((r) => Object.fromEntries([...r.cells].map((c) => [c.dataset.col, c.innerText.trim()])))"
        )

    @property
    def path(self) -> str:
        return self.p.url.removeprefix(self.base)


@pytest.fixture
async def page(browser, live_server):
    ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(15_000)
    tab = Page(await ctx.new_page(), live_server)
    try:
        yield tab
    finally:
        await ctx.close()
    assert tab.errors == []


# ---------------------------------------------------------------- oracle helpers


def top_height(oracle) -> int:
    return int(oracle.status["sync_info"]["latest_block_height"])


def block_tx_hashes(oracle, h: int) -> list[str]:
    return [hashlib.sha256(base64.b64decode(t)).hexdigest().upper() for t in oracle.blocks[str(h)]["block"]["data"]["txs"] or []]


def monikers_by_address(oracle, h: int) -> dict[str, str]:
    """Consensus address (hex) → moniker at height ``h``, joining the CometBFT set at ``h`` with
    the node's staking records by pubkey. Monikers change only at the workload's edit-validator
    tx, so the REST answers recorded on the same side of that height give the names at ``h``."""
    recorded = sorted(int(x) for x in oracle.rest)
    edit = (oracle.workload["notable_txs"].get("edit_validator") or {}).get("height")
    same_side = [r for r in recorded if edit is None or (r >= edit) == (h >= edit)]
    chosen = min(same_side or recorded, key=lambda r: (abs(r - h), -r))
    names: dict[str, str] = {}
    for r in sorted(recorded, key=lambda r: r != chosen):  # the chosen height first, others fill gaps
        for v in oracle.rest[str(r)]["validators"]["validators"]:
            names.setdefault(v["consensus_pubkey"]["key"], v["description"]["moniker"])
    by_key = names
    return {v["address"]: by_key[v["pub_key"]["value"]] for v in oracle.validators[str(h)]["validators"] if v["pub_key"]["value"] in by_key}


def history(oracle, addr: str) -> list[str]:
    """The node's /tx answers whose indexed events name ``addr``, newest first (what account.txs pages through)."""
    rows = [
        (int(rpc["height"]), bytes.fromhex(h))
        for h, rpc in oracle.txs.items()
        if any(
            a.get("index") and (a.get("value") == addr or (a.get("value") or "").startswith(addr + "/"))
            for e in rpc["tx_result"]["events"]
            for a in e["attributes"]
        )
    ]
    return [h.hex().upper() for _, h in sorted(rows, reverse=True)]


def coin_texts(coins: list[dict]) -> list[str]:
    return [f"{c['amount']} {c['denom']}" for c in coins]


def percent(num: int, den: int) -> str:
    bp = num * 10000 // den
    return f"{bp // 100}.{bp % 100:02d}%"


def bech32(hrp: str, data: bytes) -> str:
    """BIP-173 encoding (to make a well-formed address that holds nothing)."""
    charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
    words, acc, bits = [], 0, 0
    for b in data:
        acc, bits = (acc << 8) | b, bits + 8
        while bits >= 5:
            bits -= 5
            words.append((acc >> bits) & 31)
    if bits:
        words.append((acc << (5 - bits)) & 31)

    def polymod(values):
        chk = 1
        for v in values:
            top = chk >> 25
            chk = (chk & 0x1FFFFFF) << 5 ^ v
            for i, g in enumerate((0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)):
                chk ^= g if (top >> i) & 1 else 0
        return chk

    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    pm = polymod(expanded + words + [0] * 6) ^ 1
    return hrp + "1" + "".join(charset[d] for d in words + [(pm >> 5 * (5 - i)) & 31 for i in range(6)])


# ---------------------------------------------------------------- server


def test_every_page_path_serves_the_explorer_and_its_modules(live_server):
    for path in ("/", "/blocks", "/validators", "/block/1", "/tx/ABC", "/account/inj1x"):
        with urllib.request.urlopen(live_server + path) as r:
            assert r.status == 200 and r.headers["content-type"].startswith("text/html")
            assert b'<script type="module" src="/static/app.js">' in r.read()
    for name, kind in (("app.js", "javascript"), ("gql.js", "javascript"), ("pages.js", "javascript"), ("dom.js", "javascript"), ("style.css", "css")):
        with urllib.request.urlopen(f"{live_server}/static/{name}") as r:
            assert kind in r.headers["content-type"]
    html = (Path(__file__).resolve().parents[2] / "web" / "explorer" / "index.html").read_text()
    assert "http://" not in html and "https://" not in html  # no CDN: everything is served here


# ---------------------------------------------------------------- pages vs the oracle


async def test_home_shows_the_chain_and_the_newest_blocks_live(page, oracle):
    await page.open("/", "home")
    top = top_height(oracle)
    assert await page.text("#chain-id") == oracle.status["node_info"]["network"]
    assert await page.text("#latest-height") == str(top)
    assert await page.field("latest-time") == oracle.blocks[str(top)]["block"]["header"]["time"]
    rows = await page.rows("#blocks")
    assert [int(r["height"]) for r in rows] == list(range(top, max(top - 10, 0), -1))
    assert await page.attrs("#blocks tbody tr", "data-hash") == [oracle.blocks[r["height"]]["block_id"]["hash"] for r in rows]
    for r in rows:
        blk = oracle.blocks[r["height"]]["block"]
        assert r["txs"] == str(len(blk["data"]["txs"] or []))
        assert r["time"].startswith(blk["header"]["time"])
        assert monikers_by_address(oracle, int(r["height"]))[blk["header"]["proposer_address"]] in r["proposer"]
    # the newBlocks subscription is up (graphql-transport-ws at /graphql)
    await page.p.wait_for_selector('#live[data-mode="websocket"]')


async def test_blocks_list_pages_back_to_the_first_block(page, oracle):
    await page.open("/blocks", "blocks")
    pages: list[list[int]] = []
    while True:
        rows = await page.rows("#blocks")
        heights = [int(r["height"]) for r in rows]
        assert await page.attrs("#blocks tbody tr", "data-hash") == [oracle.blocks[str(h)]["block_id"]["hash"] for h in heights]
        pages.append(heights)
        older = page.p.locator("a[rel=next]", has_text="Older")
        if not await older.count():
            break
        await older.click()
        await page.rendered("blocks")
    assert [h for p in pages for h in p] == list(range(top_height(oracle), 0, -1))
    assert all(len(p) == 20 for p in pages[:-1])
    if len(pages) > 1:  # "Newer" leads back to the page before
        await page.p.locator("a", has_text="Newer").click()
        await page.rendered("blocks")
        assert [int(r["height"]) for r in await page.rows("#blocks")] == pages[-2]


async def test_block_pages_show_the_nodes_blocks(page, oracle):
    burst = oracle.workload["burst"]["height"]
    heights = sorted({1, 2, burst, top_height(oracle)} | {int(t["height"]) for t in oracle.txs.values()})
    for h in heights:
        await page.open(f"/block/{h}", "block")
        want = oracle.blocks[str(h)]
        header = want["block"]["header"]
        assert await page.text("#block-height") == str(h)
        assert await page.field("hash") == want["block_id"]["hash"]
        assert await page.field("time") == header["time"]
        assert await page.field("num-txs") == str(len(want["block"]["data"]["txs"] or []))
        assert await page.field("app-hash") == header["app_hash"]
        assert await page.field("last-block-hash") == (header["last_block_id"]["hash"] or "—")
        proposer = await page.field("proposer")
        assert monikers_by_address(oracle, h)[header["proposer_address"]] in proposer
        assert await page.attrs('dd[data-field="proposer"] .validator', "title") == [header["proposer_address"]]
        hashes = block_tx_hashes(oracle, h)
        if hashes:
            rows = await page.rows("#txs")
            assert await page.attrs("#txs tbody td[data-col=hash] a", "title") == hashes
            assert [r["index"] for r in rows] == [str(i) for i in range(len(hashes))]
            for r, tx_hash in zip(rows, hashes):
                code = oracle.txs[tx_hash]["tx_result"]["code"]
                assert r["status"] == ("Success" if code == 0 else f"Failed (code {code}, {oracle.txs[tx_hash]['tx_result']['codespace']})")
                types = [m["@type"] for m in oracle.rest_txs[tx_hash]["tx"]["body"]["messages"]]
                assert r["messages"] == ", ".join(t.split(".")[-1] for t in types)
            assert await page.attrs("#txs .msg", "data-type-url") == [
                m["@type"] for t in hashes for m in oracle.rest_txs[t]["tx"]["body"]["messages"]
            ]
        else:
            assert await page.p.locator("#txs").count() == 0
        sigs = want["block"]["last_commit"]["signatures"]
        if h == 1:
            assert await page.p.locator("#signatures").count() == 0
            continue
        assert await page.attrs("#signatures [data-flag]", "data-flag") == [FLAGS[s["block_id_flag"]] for s in sigs]
        rows = await page.rows("#signatures")
        names = monikers_by_address(oracle, h - 1)
        for r, s in zip(rows, sigs, strict=True):
            if s["validator_address"]:
                assert names[s["validator_address"]] in r["validator"]
            assert r["timestamp"] == (s["timestamp"] if s["block_id_flag"] != 1 else "—")


async def test_tx_pages_show_the_nodes_txs(page, oracle):
    for tx_hash, rpc in oracle.txs.items():
        rest = oracle.rest_txs[tx_hash]
        body, fee, result = rest["tx"]["body"], rest["tx"]["auth_info"]["fee"], rpc["tx_result"]
        await page.open(f"/tx/{tx_hash.lower()}", "tx")
        assert await page.text("#tx-hash") == tx_hash
        assert await page.attrs('dd[data-field="status"] .badge', "data-code") == [str(result["code"])]
        assert await page.field("height") == f"{rpc['height']} (index {rpc['index']})"
        assert await page.field("memo") == (body["memo"] or "—")
        assert await page.texts('dd[data-field="fee"] li') == coin_texts(fee["amount"])
        assert await page.field("gas-limit") == fee["gas_limit"]
        assert await page.text("#gas-used") == result["gas_used"] and await page.text("#gas-wanted") == result["gas_wanted"]
        shown = [json.loads(t) for t in await page.texts("#messages pre")]
        assert shown == body["messages"]
        assert await page.texts("#events summary") == [e["type"] for e in result["events"]]
        if result["code"] != 0:
            assert await page.field("log") == result["log"]


async def test_account_pages_show_balances_delegations_and_the_whole_history(page, oracle):
    top = str(max(int(x) for x in oracle.rest))
    rest = oracle.rest[top]
    names = {v["operator_address"]: v["description"]["moniker"] for v in rest["validators"]["validators"]}
    for name, acct in oracle.workload["accounts"].items():
        addr = acct["address"]
        await page.open(f"/account/{addr}?first=3", "account")
        assert await page.text("#address") == addr
        info = rest["account_info"][addr]["info"]
        assert await page.field("account-number") == info["account_number"]
        assert await page.field("sequence") == info["sequence"]
        assert await page.texts("#balances li") == coin_texts(rest["balances"][addr]["balances"]), name
        dels = rest["delegations"][addr].get("delegation_responses") or []
        if dels:
            rows = await page.rows("#delegations")
            assert [r["balance"] for r in rows] == coin_texts([d["balance"] for d in dels])
            assert [r["shares"] for r in rows] == [d["delegation"]["shares"] for d in dels]
            for r, d in zip(rows, dels):
                assert names[d["delegation"]["validator_address"]] in r["validator"]
        else:
            assert await page.p.locator("#delegations").count() == 0
        unbonding = [e for u in rest["unbonding"][addr].get("unbonding_responses") or [] for e in u["entries"]]
        if unbonding:
            rows = await page.rows("#unbonding")
            assert [(r["creation-height"], r["completion-time"], r["balance"]) for r in rows] == [
                (e["creation_height"], e["completion_time"], e["balance"]) for e in unbonding
            ]
        # the whole history, three at a time through the "more" button
        want = history(oracle, addr)
        more = page.p.locator("#more-txs")
        for _ in range(len(want) // 3 + 1):
            if not await more.is_visible():
                break
            n = await page.p.locator("#account-txs tbody tr").count()
            await more.click()
            await page.p.wait_for_function(f"document.querySelectorAll('#account-txs tbody tr').length > {n} || document.getElementById('more-txs').hidden")
        assert not await more.is_visible()
        assert await page.attrs("#account-txs tbody tr", "data-hash") == want, name


async def test_validators_page_shows_the_set_powers_shares_and_uptime(page, oracle):
    heights = sorted(int(h) for h in oracle.rest)
    for h in [None, *heights]:
        at = h or top_height(oracle)
        await page.open("/validators" + (f"?height={h}" if h else ""), "validators")
        assert await page.text("#set-height") == str(at)
        vals = oracle.validators[str(at)]["validators"]
        total = sum(int(v["voting_power"]) for v in vals)
        names = monikers_by_address(oracle, at)
        rows = await page.rows("#validator-set")
        assert [(r["address"], r["moniker"], r["power"], r["share"]) for r in rows] == [
            (v["address"], names[v["address"]], v["voting_power"], percent(int(v["voting_power"]), total)) for v in vals
        ]
        assert await page.text("#total-power") == str(total)
        staking = oracle.rest[str(at)]["validators"]["validators"]
        in_set = {v["pub_key"]["value"] for v in vals}
        others = [s for s in staking if s["consensus_pubkey"]["key"] not in in_set]
        if others:
            got = await page.rows("#other-validators")
            assert [(r["moniker"], r["operator"], r["tokens"]) for r in got] == [
                (s["description"]["moniker"], s["operator_address"], s["tokens"]) for s in others
            ]
        if h is None:  # uptime over the last 100 blocks, from the node's commits
            lo = max(1, at - 99)
            commits = [oracle.commits[str(x)]["signed_header"]["commit"]["signatures"] for x in range(lo, at + 1) if str(x) in oracle.commits]
            for r in rows:
                signed = sum(any(s["validator_address"] == r["address"] and s["block_id_flag"] == 2 for s in c) for c in commits)
                assert r["uptime"] == f"{100 * signed / len(commits):.2f}%"


# ---------------------------------------------------------------- navigation and search


async def test_links_lead_home_to_block_to_tx_to_account_without_reloading(page, oracle):
    await page.open("/", "home")
    await page.p.evaluate("window.__sameDocument = true")
    # the newest block with txs among the home page's rows, else further down the blocks list
    rows = page.p.locator("#blocks tbody tr")
    with_txs = rows.filter(has=page.p.locator('td[data-col="txs"]:not(:text-is("0"))'))
    while await with_txs.count() == 0:
        await page.p.locator("a", has_text=re.compile("All blocks|Older")).first.click()
        await page.rendered("blocks")
    height = await with_txs.first.get_attribute("data-height")
    await with_txs.first.locator('td[data-col="height"] a').click()
    await page.rendered("block")
    assert page.path == f"/block/{height}"
    assert await page.field("hash") == oracle.blocks[height]["block_id"]["hash"]

    tx_hash = block_tx_hashes(oracle, int(height))[0]
    await page.p.locator("#txs tbody tr").first.locator("a").click()
    await page.rendered("tx")
    assert page.path == f"/tx/{tx_hash}"
    assert await page.text("#tx-hash") == tx_hash

    signer = (await page.texts('dd[data-field="signers"] a'))[0]
    await page.p.locator('dd[data-field="signers"] a').first.click()
    await page.rendered("account")
    assert page.path == f"/account/{signer}"
    assert await page.text("#address") == signer
    assert tx_hash in await page.attrs("#account-txs tbody tr", "data-hash")

    await page.p.go_back()
    await page.rendered("tx")
    assert page.path == f"/tx/{tx_hash}"
    await page.p.locator("nav a", has_text="Validators").click()
    await page.rendered("validators")
    assert await page.p.evaluate("window.__sameDocument") is True  # pushState routing, no reload


async def search(page: Page, text: str) -> None:
    """Type into the search box and submit; returns once the search has resolved (the box is
    cleared when it navigates, an error is shown when it does not)."""
    await page.p.fill("#q", text)
    await page.p.press("#q", "Enter")
    await page.p.wait_for_function("document.getElementById('q').value === '' || !!document.querySelector('#search-status .error-code')")


async def test_search_box_finds_each_kind_of_input(page, oracle):
    await page.open("/", "home")
    burst = oracle.workload["burst"]
    h = burst["height"]
    block_hash = oracle.blocks[str(h)]["block_id"]["hash"]
    tx_hash = burst["hashes"][0]
    alice = oracle.workload["accounts"]["alice"]["address"]
    valoper = oracle.workload["accounts"]["val2"]["valoper"]

    valcons = oracle.rest[str(max(int(x) for x in oracle.rest))]["signing_infos"]["info"][0]["address"]
    cons_hex = oracle.validators[str(top_height(oracle))]["validators"][0]["address"]

    cases = [
        (str(h), "block", f"/block/{h}"),
        (block_hash.lower(), "block", f"/block/{h}"),
        ("0x" + tx_hash.lower(), "tx", f"/tx/{tx_hash}"),
        (f"  {alice.upper()}  ", "account", f"/account/{alice}"),
        (valoper, "validators", f"/validators#{valoper}"),
        (valcons, "validators", f"/validators#{valcons}"),
        (cons_hex.lower(), "validators", f"/validators#{cons_hex}"),
    ]
    for text, view, path in cases:
        await search(page, text)
        try:
            await page.p.wait_for_function("(p) => location.pathname + location.hash === p", arg=path)
        except Exception as e:
            status = await page.text("#search-status")
            raise AssertionError(f"search {text!r}: at {page.path}, not {path}; search status {status!r}") from e
        await page.rendered(view)
        if text == valoper:
            assert await page.p.locator("tr.highlight").get_attribute("id") == valoper
            assert "val2" in await page.text("tr.highlight")
        elif text == valcons:
            assert await page.p.locator("tr.highlight").get_attribute("data-cons") == valcons
        elif view == "validators":
            assert await page.p.locator("tr.highlight").get_attribute("data-address") == cons_hex

    # a block hash found by search shows that block
    await search(page, block_hash)
    await page.rendered("block")
    assert await page.field("hash") == block_hash

    # an unknown hash and a string that is nothing: the error stays on the page, with its code
    for text, code in (("ab" * 32, "NOT_FOUND"), ("hello world", "BAD_INPUT")):
        before = page.path
        await search(page, text)
        await page.p.wait_for_selector("#search-status .error-code")
        assert await page.text("#search-status .error-code") == code
        assert page.path == before


async def test_not_found_and_errors_are_shown(page, oracle):
    top = top_height(oracle)
    await page.open(f"/block/{top + 1000}", "notfound")
    assert "Not found" in await page.text("main h1")
    await page.open("/tx/" + "0" * 64, "notfound")
    await page.open("/account/" + bech32("inj", b"\x42" * 20), "notfound")
    # errors from the API: message and code
    for path, words in (("/block/0", "height"), ("/tx/xyz", "hash"), ("/account/inj1bad", "bech32"), ("/account/cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu", "inj1")):
        await page.open(path, "error")
        assert await page.text("main .error-code") == "BAD_INPUT", path
        assert words in await page.text("main .error-message"), path
    # a path the explorer does not serve
    response = await page.p.goto(page.base + "/no/such/page")
    assert response.status == 404


async def test_polling_takes_over_when_the_socket_fails(page, oracle):
    async def refuse(ws):
        await ws.close(code=1011, reason="test: no websocket")

    await page.p.route_web_socket(re.compile(r".*/graphql$"), refuse)
    await page.open("/", "home")
    await page.p.wait_for_selector('#live[data-mode="polling"]')
    assert await page.text("#latest-height") == str(top_height(oracle))


# ---------------------------------------------------------------- screenshots


async def test_screenshots_of_every_page(page, oracle, tmp_path):
    """Written to $COMETGRAPH_SCREENSHOTS (the README's docs/screenshots) when set."""
    out = Path(os.environ.get("COMETGRAPH_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    burst = oracle.workload["burst"]["height"]
    memo_tx = oracle.workload["notable_txs"]["memo_ascii"]["hash"]
    alice = oracle.workload["accounts"]["alice"]["address"]
    shots = {
        "home": ("/", "home"),
        "block": (f"/block/{burst}", "block"),
        "tx": (f"/tx/{memo_tx}", "tx"),
        "account": (f"/account/{alice}", "account"),
        "validators": (f"/validators?height={oracle.workload['validator_set_changed_at']}", "validators"),
    }
    for name, (path, view) in shots.items():
        await page.open(path, view)
        if name == "tx":
            await page.p.locator("#events details").first.evaluate("(d) => d.open = true")
        file = out / f"{name}.png"
        await page.p.screenshot(path=str(file), full_page=True)
        assert file.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------- live, beside a running node

LIVE_PORT_BASE = 37700  # a block of ports of its own (tests/test_live_node.py uses 37600)


@pytest.mark.node
async def test_home_shows_a_running_nodes_new_blocks_over_the_socket_and_by_polling(browser, sample_home, scratch_copy, oracle, tmp_path):
    """A real injectived keeps producing blocks; cometgraph follows it (refresh on): the home page
    gets each new block through the newBlocks subscription, and a second tab whose socket is
    refused gets them by polling. Every new row is the node's own block."""
    import asyncio
    import socket
    import threading
    import time

    import uvicorn

    from cometgraph.storage.chain import Chain
    from cometgraph.web.app import create_app
    from tests.devnet.node import DevnetNode, ensure_injectived

    injectived = await asyncio.to_thread(ensure_injectived)
    node = DevnetNode(injectived, scratch_copy(sample_home, "explorer-live-home"), port_base=LIVE_PORT_BASE, log_path=tmp_path / "node.log")
    await asyncio.to_thread(node.start)
    server = thread = ctx = None
    try:
        await asyncio.to_thread(node.wait_height, top_height(oracle) + 1, 120)
        chain = Chain.from_home(node.home, snapshot_dir=tmp_path / "snaps").open()
        app = create_app(chain, refresh=1.0)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            await asyncio.sleep(0.05)
        base = f"http://127.0.0.1:{port}"

        ctx = await browser.new_context()
        ctx.set_default_timeout(60_000)
        live, polled = Page(await ctx.new_page(), base), Page(await ctx.new_page(), base)

        async def refuse(ws):
            await ws.close(code=1011, reason="test: no websocket")

        await polled.p.route_web_socket(re.compile(r".*/graphql$"), refuse)
        for tab, mode in ((live, "websocket"), (polled, "polling")):
            await tab.open("/", "home")
            await tab.p.wait_for_selector(f'#live[data-mode="{mode}"]')
        first = {tab: int(await tab.text("#latest-height")) for tab in (live, polled)}

        for tab in (live, polled):
            # three blocks newer than the first page load, each the node's own
            want = first[tab] + 3
            await tab.p.wait_for_function(f"Number(document.getElementById('latest-height').textContent) >= {want}", polling=200)
            rows = await tab.rows("#blocks")
            heights = [int(r["height"]) for r in rows]
            assert heights == sorted(set(heights), reverse=True) and len(heights) == 10
            assert heights[0] == int(await tab.text("#latest-height")) >= want
            hashes = await tab.attrs("#blocks tbody tr", "data-hash")
            for h, block_hash in zip(heights, hashes):
                if h > first[tab]:
                    node_block = await asyncio.to_thread(node.rpc, "block", height=h)
                    assert block_hash == node_block["block_id"]["hash"], h
                    row = rows[heights.index(h)]
                    assert row["txs"] == str(len(node_block["block"]["data"]["txs"] or []))
                    assert row["time"].startswith(node_block["block"]["header"]["time"])
        # the live tab never fell back to polling: its rows came through the subscription
        assert await live.p.get_attribute("#live", "data-mode") == "websocket"
        assert live.errors == [] and polled.errors == []
    finally:
        # Stop the node first and let the last refresh be delivered, so the tabs' subscriptions
        # are idle (not executing a payload) when the tabs close.
        await asyncio.to_thread(node.stop)
        await asyncio.sleep(2.5)
        if ctx is not None:
            await ctx.close()
        if server is not None:
            server.should_exit = True
            await asyncio.to_thread(thread.join, 15)

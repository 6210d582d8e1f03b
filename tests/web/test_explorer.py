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
from decimal import Decimal
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

    async def coins(self, selector: str) -> list[str]:
        """Each coin item's base amount and denom ("5 inj"), without the name the page adds after them."""
        return await self.p.locator(selector).evaluate_all(
            "(els) => els.map((e) => e.querySelector('.amount').innerText.trim() + ' ' + e.querySelector('.denom').innerText.trim())"
        )

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


def graphql(base: str, query: str, variables: dict | None = None) -> dict:
    """The API's own answer (no errors allowed), read beside the browser."""
    req = urllib.request.Request(
        base + "/graphql", data=json.dumps({"query": query, "variables": variables or {}}).encode(), headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(req) as r:
        body = json.loads(r.read())
    assert not body.get("errors"), body["errors"]
    return body["data"]


def recorded_heights(oracle) -> list[int]:
    return sorted(int(x) for x in oracle.rest)


def ranked(delegations: list[tuple[str, str, str, str]]) -> list[tuple[str, str, str, str]]:
    """(delegator, amount, denom, shares) largest stake first, ties by address: the API's ranking."""
    return sorted(delegations, key=lambda d: (-int(d[1]), d[0]))


def validator_from_rest(oracle, h: int, valoper: str) -> dict | None:
    """What the validator page must show at height ``h``, from the node's REST answers (None: unknown there)."""
    rest = oracle.rest[str(h)]
    v = rest["validator"][valoper].get("validator")
    if v is None:
        return None
    valcons = bech32("injvalcons", hashlib.sha256(base64.b64decode(v["consensus_pubkey"]["key"])).digest()[:20])
    info = next((i for i in rest["signing_infos"]["info"] if i["address"] == valcons), None)
    dels = rest["validator_delegations"][valoper].get("delegation_responses") or []
    return {
        "moniker": v["description"]["moniker"],
        "consensus": valcons,
        "status": v["status"].removeprefix("BOND_STATUS_"),
        "jailed": v["jailed"],
        "tokens": v["tokens"],
        "shares": v["delegator_shares"],
        "rates": (
            v["commission"]["commission_rates"]["rate"],
            v["commission"]["commission_rates"]["max_rate"],
            v["commission"]["commission_rates"]["max_change_rate"],
        ),
        "update_time": v["commission"]["update_time"],
        "commission": coin_texts(rest["validator_commission"][valoper]["commission"]["commission"]),
        "outstanding": coin_texts(rest["validator_outstanding_rewards"][valoper]["rewards"]["rewards"]),
        "min_self": v["min_self_delegation"],
        "unbonding": (v["unbonding_height"], v["unbonding_time"]),
        "missed": info and info["missed_blocks_counter"],
        "jailed_until": info and info["jailed_until"],
        "website": v["description"]["website"],
        "details": v["description"]["details"],
        "delegators": ranked([(d["delegation"]["delegator_address"], d["balance"]["amount"], d["balance"]["denom"], d["delegation"]["shares"]) for d in dels]),
    }


VALIDATOR_GQL = """query($o: String!, $h: Int, $a: String) { stakingValidator(operatorAddress: $o, height: $h) {
  moniker consensusAddress status jailed tokens delegatorShares commissionRate commissionMaxRate commissionMaxChangeRate
  commissionUpdateTime minSelfDelegation unbondingHeight unbondingTime website details
  signingInfo { missedBlocksCounter jailedUntil } commission { denom amount } outstandingRewards { denom amount }
  delegations(first: 100, after: $a) { nodes { delegatorAddress shares balance { denom amount } } pageInfo { hasNextPage endCursor } } } }"""


def validator_from_api(base: str, valoper: str, h: int | None) -> dict | None:
    """The same, from the API's answer (for a latest height the node's answers were not recorded at)."""
    v, dels, after = None, [], None
    while True:
        v = graphql(base, VALIDATOR_GQL, {"o": valoper, "h": h, "a": after})["stakingValidator"]
        if v is None:
            return None
        dels += v["delegations"]["nodes"]
        if not v["delegations"]["pageInfo"]["hasNextPage"]:
            break
        after = v["delegations"]["pageInfo"]["endCursor"]
    info = v["signingInfo"]
    return {
        "moniker": v["moniker"],
        "consensus": v["consensusAddress"],
        "status": v["status"],
        "jailed": v["jailed"],
        "tokens": v["tokens"],
        "shares": v["delegatorShares"],
        "rates": (v["commissionRate"], v["commissionMaxRate"], v["commissionMaxChangeRate"]),
        "update_time": v["commissionUpdateTime"],
        "commission": coin_texts(v["commission"]),
        "outstanding": coin_texts(v["outstandingRewards"]),
        "min_self": v["minSelfDelegation"],
        "unbonding": (str(v["unbondingHeight"]), v["unbondingTime"]),
        "missed": info and str(info["missedBlocksCounter"]),
        "jailed_until": info and info["jailedUntil"],
        "website": v["website"] or "",
        "details": v["details"] or "",
        "delegators": [(d["delegatorAddress"], d["balance"]["amount"], d["balance"]["denom"], d["shares"]) for d in dels],
    }


def rewards_from_rest(oracle, h: int, addr: str) -> dict:
    answer = oracle.rest[str(h)]["rewards"][addr]
    return {"rows": [(r["validator_address"], coin_texts(r["reward"])) for r in answer["rewards"]], "total": coin_texts(answer["total"])}


def rewards_from_api(base: str, addr: str, h: int | None) -> dict:
    a = graphql(
        base,
        "query($a: String!, $h: Int) { account(address: $a, height: $h) { rewards { validatorAddress amount { denom amount } } rewardsTotal { denom amount } } }",
        {"a": addr, "h": h},
    )["account"]
    return {"rows": [(r["validatorAddress"], coin_texts(r["amount"])) for r in a["rewards"]], "total": coin_texts(a["rewardsTotal"])}


# ---------------------------------------------------------------- server


def test_every_page_path_serves_the_explorer_and_its_modules(live_server):
    for path in ("/", "/blocks", "/validators", "/validator/injvaloper1x", "/block/1", "/tx/ABC", "/account/inj1x"):
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
            assert await page.attrs("#txs .msg", "data-type-url") == [m["@type"] for t in hashes for m in oracle.rest_txs[t]["tx"]["body"]["messages"]]
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
        assert await page.coins('dd[data-field="fee"] li') == coin_texts(fee["amount"])
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
        assert await page.coins("#balances li") == coin_texts(rest["balances"][addr]["balances"]), name
        dels = rest["delegations"][addr].get("delegation_responses") or []
        if dels:
            rows = await page.rows("#delegations")
            assert [r["balance"] for r in rows] == coin_texts([d["balance"] for d in dels])
            assert [r["shares"] for r in rows] == [d["delegation"]["shares"] for d in dels]
            for r, d in zip(rows, dels):
                assert names[d["delegation"]["validator_address"]] in r["validator"]
            assert await page.attrs("#delegations td[data-col=validator] a", "href") == [f"/validator/{d['delegation']['validator_address']}" for d in dels]
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


async def more_until_done(page: Page, button: str, rows: str, most: int) -> None:
    """Click the "more" ``button`` until it hides (at most ``most`` times), each time waiting for new ``rows``."""
    more = page.p.locator(button)
    for _ in range(most + 1):
        if not await more.count() or not await more.is_visible():
            return
        n = await page.p.locator(rows).count()
        await more.click()
        await page.p.wait_for_function(
            "([rows, n, button]) => document.querySelectorAll(rows).length > n || document.querySelector(button).hidden", arg=[rows, n, button]
        )
    raise AssertionError(f"{button} still shown after {most} pages")


def rate_text(rate: str) -> str:
    bp = int(Decimal(rate) * 10000)  # floored basis points, as the page shows them
    return f"{rate} ({bp // 100}.{bp % 100:02d}%)"


async def check_validator_page(page: Page, valoper: str, want: dict, at: int) -> None:
    where = (valoper, at)
    assert await page.text("#validator-height") == str(at), where
    assert await page.text("#validator-moniker") == want["moniker"], where
    assert await page.text("#operator") == valoper
    assert await page.field("consensus-address") == want["consensus"], where
    assert await page.attrs('dd[data-field="status"] [data-status]', "data-status") == [want["status"]], where
    assert await page.p.locator("#jailed").count() == int(want["jailed"]), where
    assert await page.field("tokens") == want["tokens"], where
    assert await page.field("delegator-shares") == want["shares"], where
    keys = ("commission-rate", "commission-max-rate", "commission-max-change-rate")
    assert tuple([await page.field(k) for k in keys]) == tuple(rate_text(r) for r in want["rates"]), where
    assert await page.field("commission-update-time") == want["update_time"], where
    assert await page.texts('dd[data-field="commission"] li') == want["commission"], where
    assert await page.texts('dd[data-field="outstanding-rewards"] li') == want["outstanding"], where
    assert await page.field("min-self-delegation") == want["min_self"], where
    if want["missed"] is not None:
        assert await page.field("missed-blocks") == want["missed"], where
    if want["jailed"]:
        assert await page.field("jailed-until") == want["jailed_until"], where
    height, until = want["unbonding"]
    if want["status"] != "BONDED" and height != "0":
        assert await page.field("unbonding") == f"{height} until {until}", where
    else:
        assert await page.p.locator('dd[data-field="unbonding"]').count() == 0, where
    for key in ("website", "details"):
        if want[key]:
            assert await page.field(key) == want[key], where
        else:
            assert await page.p.locator(f'dd[data-field="{key}"]').count() == 0, where
    dels = want["delegators"]
    if not dels:
        assert await page.text("#no-delegators") == "No delegators."
        return
    rows = await page.rows("#delegators")
    assert [(r["rank"], r["delegator"], r["stake"], r["share"], r["shares"]) for r in rows] == [
        (str(i), d, f"{amount} {denom}", percent(int(amount), int(want["tokens"])), shares) for i, (d, amount, denom, shares) in enumerate(dels, 1)
    ], where
    assert await page.attrs("#delegators td[data-col=delegator] a", "href") == [f"/account/{d[0]}" for d in dels]
    assert not await page.p.locator("#more-delegators").is_visible()


async def test_validator_pages_rank_the_delegators_as_the_node_lists_them(page, oracle, live_server):
    """Every validator at every recorded height (``?height=``) and at the latest: the page's
    fields and its delegators, paged two at a time, are the node's REST answers, largest stake
    first (ties by address). A validator the node did not know yet is not found."""
    top = top_height(oracle)
    recorded = recorded_heights(oracle)
    valopers = sorted({v for h in recorded for v in oracle.rest[str(h)]["validator"]})
    paged = unknown = 0
    for h in [None, *recorded]:
        at = h or top
        for valoper in valopers:
            if h is None and str(top) not in oracle.rest:
                # the node's answers stop below the chain's top: the API must match them at the
                # newest recorded height, and the latest page must match the API at the latest
                assert validator_from_api(live_server, valoper, recorded[-1]) == validator_from_rest(oracle, recorded[-1], valoper)
                want = validator_from_api(live_server, valoper, None)
            elif valoper in oracle.rest[str(at)]["validator"]:
                want = validator_from_rest(oracle, at, valoper)
            else:
                continue
            path = f"/validator/{valoper}?first=2" + (f"&height={h}" if h else "")
            if want is None:
                await page.open(path, "notfound")
                assert valoper in await page.text("main .notfound")
                unknown += 1
                continue
            await page.open(path, "validator")
            await more_until_done(page, "#more-delegators", "#delegators tbody tr", len(want["delegators"]))
            await check_validator_page(page, valoper, want, at)
            paged += len(want["delegators"]) > 2
    assert paged and unknown  # some validator needed the "more" button; one was not created yet at a recorded height


async def test_account_pages_show_pending_rewards_to_the_last_decimal(page, oracle, live_server):
    """Per validator (linked to its page) and in total, the decimals exactly as the node's
    distribution REST prints them; an account with nothing pending says so."""
    top = top_height(oracle)
    newest = recorded_heights(oracle)[-1]
    rest = oracle.rest[str(newest)]
    names = {v: r["validator"]["description"]["moniker"] for v, r in rest["validator"].items() if "validator" in r}
    shown = empty = 0
    for name, acct in oracle.workload["accounts"].items():
        addr = acct["address"]
        if addr not in rest["rewards"]:
            continue
        if newest == top:
            want = rewards_from_rest(oracle, top, addr)
        else:  # the latest height was not recorded: the API at the latest, checked against the node at the newest recorded height
            assert rewards_from_api(live_server, addr, newest) == rewards_from_rest(oracle, newest, addr), name
            want = rewards_from_api(live_server, addr, None)
        await page.open(f"/account/{addr}", "account")
        if not want["rows"]:
            assert await page.p.locator("#rewards").count() == 0, name
            assert await page.text("#no-rewards") == "No pending rewards.", name
            empty += 1
            continue
        rows = page.p.locator("#rewards tbody tr")
        assert await rows.count() == len(want["rows"]), name
        for i, (valoper, amounts) in enumerate(want["rows"]):
            cell = rows.nth(i).locator('td[data-col="reward"]')
            assert await cell.locator("li").all_inner_texts() == amounts, (name, valoper)
            if not amounts:
                assert (await cell.inner_text()).strip() == "none"
            validator = rows.nth(i).locator('td[data-col="validator"]')
            assert await validator.locator("a").get_attribute("href") == f"/validator/{valoper}"
            if newest == top:
                assert names[valoper] in await validator.inner_text(), (name, valoper)
        assert await page.texts('#rewards-total td[data-col="reward"] li') == want["total"], name
        shown += bool(want["total"])
    assert shown and empty


async def test_a_validator_without_delegators_says_so(page, oracle):
    """No validator of the sample lacks delegators (each bonds itself): the API's answer is
    emptied on its way to the page, to see the page's empty state."""
    valoper = oracle.workload["accounts"]["val2"]["valoper"]

    async def without_delegators(route):
        response = await route.fetch()
        body = await response.json()
        v = (body.get("data") or {}).get("stakingValidator")
        if v and "delegations" in v:
            v["delegations"] = {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}
        await route.fulfill(response=response, json=body)

    await page.p.route(re.compile(r".*/graphql$"), without_delegators)
    await page.open(f"/validator/{valoper}", "validator")
    assert await page.text("#operator") == valoper
    assert await page.text("#no-delegators") == "No delegators."
    assert await page.p.locator("#delegators, #more-delegators").count() == 0


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


async def test_links_lead_validators_to_validator_to_delegator_and_back_without_reloading(page, oracle):
    await page.open("/validators", "validators")
    await page.p.evaluate("window.__sameDocument = true")
    row = page.p.locator("#validator-set tbody tr").first
    valoper = await row.get_attribute("id")
    moniker = (await row.locator('td[data-col="moniker"]').inner_text()).strip()
    await row.locator('td[data-col="moniker"] a').click()
    await page.rendered("validator")
    assert page.path == f"/validator/{valoper}"
    assert await page.text("#validator-moniker") == moniker

    # its largest delegator's account, whose pending reward from this validator leads back
    delegator = (await page.texts('#delegators td[data-col="delegator"]'))[0]
    await page.p.locator('#delegators td[data-col="delegator"] a').first.click()
    await page.rendered("account")
    assert page.path == f"/account/{delegator}"
    await page.p.locator(f'#rewards a[href="/validator/{valoper}"]').click()
    await page.rendered("validator")
    assert page.path == f"/validator/{valoper}"

    # and so does its delegation
    await page.p.go_back()
    await page.rendered("account")
    await page.p.locator(f'#delegations a[href="/validator/{valoper}"]').click()
    await page.rendered("validator")
    assert page.path == f"/validator/{valoper}"

    # back to the list, the validator's row highlighted
    await page.p.locator("main a", has_text="All validators").click()
    await page.rendered("validators")
    assert page.path == f"/validators#{valoper}"
    assert await page.p.locator("tr.highlight").get_attribute("id") == valoper
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
        (valoper, "validator", f"/validator/{valoper}"),
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
            assert await page.text("#operator") == valoper
            assert await page.text("#validator-moniker") == "val2"
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
    await page.open("/validator/" + bech32("injvaloper", b"\x42" * 20), "notfound")
    assert "Not found" in await page.text("main h1")
    # errors from the API: message and code
    for path, words in (
        ("/block/0", "height"),
        ("/tx/xyz", "hash"),
        ("/account/inj1bad", "bech32"),
        ("/account/cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu", "inj1"),
        ("/validator/injvaloper1bad", "bech32"),
        ("/validator/" + bech32("inj", b"\x42" * 20), "injvaloper1"),
    ):
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
        "validator": (f"/validator/{oracle.workload['accounts']['val2']['valoper']}", "validator"),
    }
    for name, (path, view) in shots.items():
        await page.open(path, view)
        if name == "tx":
            await page.p.locator("#events details").first.evaluate("(d) => d.open = true")
        file = out / f"{name}.png"
        await page.p.screenshot(path=str(file), full_page=True)
        assert file.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------- live, beside a running node


@pytest.mark.node
async def test_home_shows_a_running_nodes_new_blocks_over_the_socket_and_by_polling(browser, sample_home, scratch_copy, oracle, tmp_path):
    """A real injectived keeps producing blocks; cometgraph follows it (refresh on): the home page
    gets each new block through the newBlocks subscription, and a second tab whose socket is
    refused gets them by polling. Every new row is the node's own block."""
    import asyncio
    import threading
    import time

    import uvicorn

    from cometgraph.storage.chain import Chain
    from cometgraph.web.app import create_app
    from tests.devnet.node import DevnetNode, ensure_injectived
    from tests.support import free_port, free_port_base

    injectived = await asyncio.to_thread(ensure_injectived)
    node = DevnetNode(injectived, scratch_copy(sample_home, "explorer-live-home"), port_base=free_port_base(), log_path=tmp_path / "node.log")
    await asyncio.to_thread(node.start)
    server = thread = ctx = None
    try:
        await asyncio.to_thread(node.wait_height, top_height(oracle) + 1, 120)
        chain = Chain.from_home(node.home, snapshot_dir=tmp_path / "snaps").open()
        app = create_app(chain, refresh=1.0)
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 60
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

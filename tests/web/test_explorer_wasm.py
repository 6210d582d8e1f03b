"""The explorer's contract page in a real browser (Debian's chromium via Playwright) over the
wasm chain: info, code history, the cw20 token with its holders ranked, the cw721 collection,
the state browser (paged, filtered by prefix) and the contract's txs, each compared with the
node's own REST answers; an account that is a contract links to it."""

from __future__ import annotations

import base64

import pytest

from cometgraph.storage.chain import Chain
from cometgraph.web.app import create_app
from tests.wasm_chain import smart_data, wasm_dir, wasm_oracle  # noqa: F401  (fixtures)

from .test_explorer import Page, browser, chromium_path  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def wasm_live(wasm_dir, tmp_path_factory):  # noqa: F811
    from tests.support import serve_in_thread

    chain = Chain.from_home(wasm_dir / "home", snapshot_dir=tmp_path_factory.mktemp("wasm-explorer-snaps")).open()
    with serve_in_thread(create_app(chain)) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
async def page(browser, wasm_live):  # noqa: F811
    ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(15_000)
    tab = Page(await ctx.new_page(), wasm_live)
    try:
        yield tab
    finally:
        await ctx.close()
    assert tab.errors == []


def last(oracle) -> dict:
    """The REST answers at the last recorded height (the state of the latest one: no tx after it)."""
    return oracle["rest"][str(oracle["workload"]["heights"][-1])]


async def more_until_done(page, table: str, button: str) -> None:
    more = page.p.locator(button)
    while await more.is_visible():
        n = await page.p.locator(f"{table} tbody tr").count()
        await more.click()
        await page.p.wait_for_function(f"document.querySelectorAll('{table} tbody tr').length > {n} || document.querySelector('{button}').hidden")


async def test_a_token_contract_page_shows_its_info_token_holders_state_and_txs(page, wasm_oracle):  # noqa: F811
    text = wasm_oracle["workload"]["contracts"]["token_a"]
    rest = last(wasm_oracle)
    info, smart = rest["contract"][text]["contract_info"], rest["smart"][text]
    await page.open(f"/contract/{text}", "contract")
    assert await page.text("#address") == text
    assert (await page.field("code-id"), await page.field("label"), await page.field("creator"), await page.field("admin")) == (
        info["code_id"], info["label"], info["creator"], info["admin"],
    )  # fmt: skip
    assert await page.field("created-height") == info["created"]["block_height"]
    rows = await page.rows("#history")
    assert [(r["operation"], r["code-id"], r["height"]) for r in rows] == [
        (e["operation"].rsplit("_", 1)[-1].lower(), e["code_id"], e["updated"]["block_height"]) for e in rest["history"][text]["entries"]
    ]
    token = smart_data(smart["token_info"])
    assert (await page.field("token-name"), await page.field("token-symbol"), await page.field("token-supply")) == (
        token["name"], token["symbol"], token["total_supply"],
    )  # fmt: skip
    ranked = sorted((-int(smart_data(smart["balance"][x])["balance"]), x) for x in smart_data(smart["all_accounts"])["accounts"])
    assert [(r["address"], r["amount"]) for r in await page.rows("#holders")] == [(x, str(-a)) for a, x in ranked]
    assert await page.p.locator("#cw721").count() == 0
    # the state browser: every entry (paged with "More"), then only the keys under a text prefix
    await page.p.wait_for_selector("#state tbody tr")
    await more_until_done(page, "#state", "#more-state")
    models = rest["state"][text]["models"]
    assert await page.attrs("#state tbody tr", "data-key") == [m["key"] for m in models]
    await page.p.fill("#state-prefix", "token_info")
    await page.p.click("#state-filter button")
    await page.p.wait_for_function("document.querySelectorAll('#state tbody tr').length === 1")
    row = (await page.rows("#state"))[0]
    assert row["key"] == b"token_info".hex().upper() and row["key-text"] == "token_info"
    want = next(m["value"] for m in models if m["key"] == b"token_info".hex().upper())
    assert row["value"].replace(" ", "") == base64.b64decode(want).decode().replace(" ", "")
    # the txs that instantiated, executed or migrated it, newest first
    touched = [
        t for t in wasm_oracle["workload"]["workload_txs"]
        if any(a["key"] == "_contract_address" and a["value"] == text and e["type"] in ("instantiate", "execute", "migrate")
               for e in wasm_oracle["rest_txs"][t["hash"]]["tx_response"]["events"] for a in e["attributes"])
    ]  # fmt: skip
    await more_until_done(page, "#contract-txs", "#more-contract-txs")
    assert sorted(await page.attrs("#contract-txs tbody tr", "data-hash")) == sorted(t["hash"] for t in touched)


async def test_an_nft_contract_page_shows_its_collection(page, wasm_oracle):  # noqa: F811
    text = wasm_oracle["workload"]["contracts"]["nft"]
    smart = last(wasm_oracle)["smart"][text]
    await page.open(f"/contract/{text}", "contract")
    info = smart_data(smart["contract_info"])
    assert (await page.field("collection-name"), await page.field("collection-symbol"), await page.field("collection-tokens")) == (
        info["name"], info["symbol"], str(smart_data(smart["num_tokens"])["count"]),
    )  # fmt: skip
    rows = await page.rows("#nfts")
    assert [r["token-id"] for r in rows] == smart_data(smart["all_tokens"])["tokens"]
    assert [r["owner"] for r in rows] == [smart_data(smart["owner_of"][r["token-id"]])["owner"] for r in rows]
    assert [r["uri"] for r in rows] == [smart_data(smart["nft_info"][r["token-id"]])["token_uri"] for r in rows]
    assert await page.p.locator("#cw20").count() == 0


async def test_a_contract_account_links_to_its_contract_page_and_unknowns_are_not_found(page, wasm_oracle):  # noqa: F811
    text = wasm_oracle["workload"]["contracts"]["stake"]
    await page.open(f"/account/{text}", "account")
    await page.p.click("#is-contract a")
    await page.rendered("contract")
    assert page.path == f"/contract/{text}" and await page.text("#address") == text
    assert await page.p.locator("#cw20").count() == 0 and await page.p.locator("#cw721").count() == 0
    alice = wasm_oracle["workload"]["accounts"]["alice"]
    await page.open(f"/account/{alice}", "account")
    assert await page.p.locator("#is-contract").count() == 0
    await page.open(f"/contract/{alice}", "notfound")
    await page.open("/contract/inj1bad", "error")
    assert await page.text(".error-code") == "BAD_INPUT"

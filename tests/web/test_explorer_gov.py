"""The explorer's governance pages and coin names in a real browser (Debian's chromium via
Playwright) over the sample chain: the proposal list and each proposal's status, tally bar,
votes and deposits against the node's own REST answers (``oracle/modules.json``), at the last
height and at a height where voting is open; balances named by metadata and IBC trace."""

from __future__ import annotations

import pytest

from .test_explorer import Page, browser, chromium_path, page  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def recorded(oracle, h: int | None = None) -> dict:
    m = oracle.modules
    return m[str(h if h is not None else m["heights"][-1])]


def rest_proposals(rec: dict) -> list[dict]:
    return rec["gov_v1_proposals"]["proposals"]


async def test_the_proposal_list_shows_the_nodes_proposals_and_filters_by_status(page, oracle):  # noqa: F811
    rec = recorded(oracle)
    await page.open("/", "home")
    await page.p.click("header nav a[href='/proposals']")
    await page.rendered("proposals")
    assert page.path == "/proposals"
    want = rest_proposals(rec)
    assert await page.attrs("#proposals tbody tr", "data-id") == [p["id"] for p in want]
    assert await page.attrs("#proposals tbody tr", "data-status") == [p["status"].removeprefix("PROPOSAL_STATUS_") for p in want]
    rows = await page.rows("#proposals")
    assert [r["title"].split("\n")[0].removesuffix("expedited").strip() for r in rows] == [p["title"] for p in want]
    for status in ("PASSED", "REJECTED", "VOTING_PERIOD"):
        await page.p.click(f"nav.filters a[data-filter='{status}']")
        await page.p.wait_for_url(f"**/proposals?status={status}")
        await page.rendered("proposals")
        assert await page.attrs("#proposals tbody tr", "data-id") == [p["id"] for p in want if p["status"].endswith(status)], status


def _tally(t: dict) -> dict:
    return {"yes": t["yes_count"], "no": t["no_count"], "veto": t["no_with_veto_count"], "abstain": t["abstain_count"]}


async def _check_proposal(page, rec: dict, pid: str, height: int | None) -> str:  # noqa: F811
    ans = rec["gov_v1_proposal"][pid]["proposal"]
    await page.open(f"/proposal/{pid}" + (f"?height={height}" if height is not None else ""), "proposal")
    assert await page.text("#proposal-title") == ans["title"]
    assert await page.attrs('dd[data-field="status"] .badge[data-status]', "data-status") == [ans["status"].removeprefix("PROPOSAL_STATUS_")]
    powers = await page.p.locator("#tally .tally-bar span").evaluate_all("(els) => Object.fromEntries(els.map((e) => [e.dataset.option, e.dataset.power]))")
    assert powers == _tally(rec["gov_v1_tally"][pid]["tally"]), (pid, height)
    assert await page.attrs("#votes tbody tr", "data-voter") == [v["voter"] for v in rec["gov_v1_votes"][pid]["votes"]]
    assert await page.attrs("#deposits tbody tr", "data-depositor") == [d["depositor"] for d in rec["gov_v1_deposits"][pid]["deposits"]]
    assert await page.texts("#messages h3 code") == [m["@type"] for m in ans["messages"]]
    return ans["status"]


async def test_each_proposal_page_shows_status_tally_votes_and_deposits(page, oracle):  # noqa: F811
    rec = recorded(oracle)
    seen = set()
    for p in rest_proposals(rec):
        seen.add(await _check_proposal(page, rec, p["id"], None))
    assert {"PROPOSAL_STATUS_PASSED", "PROPOSAL_STATUS_REJECTED", "PROPOSAL_STATUS_VOTING_PERIOD"} <= seen
    # the open proposal's bar is in proportion to the node's tally and says so to screen readers
    pid = str(oracle.workload["gov"]["proposal_ids"]["open"])
    await page.open(f"/proposal/{pid}", "proposal")
    label = await page.p.get_attribute("#tally .tally-bar", "aria-label")
    assert label.startswith("Yes ") and "%" in label
    widths = await page.p.locator("#tally .tally-bar span").evaluate_all("(els) => els.map((e) => e.getBoundingClientRect().width)")
    t = rec["gov_v1_tally"][pid]["tally"]
    assert widths[0] > 0 and widths[0] > widths[1] and int(t["yes_count"]) > int(t["no_count"])


async def test_a_proposal_page_at_a_height_shows_the_tally_while_voting(page, oracle):  # noqa: F811
    m = oracle.modules
    checked = 0
    for h in m["heights"]:
        rec = m[str(h)]
        for pid, ans in rec["gov_v1_proposal"].items():
            if ans.get("proposal", {}).get("status") == "PROPOSAL_STATUS_VOTING_PERIOD" and rec["gov_v1_votes"][pid]["votes"]:
                await _check_proposal(page, rec, pid, h)
                checked += 1
    assert checked >= 3


async def test_balances_are_named_by_metadata_and_ibc_trace(page, oracle):  # noqa: F811
    rec = recorded(oracle)
    traces = {"ibc/" + k: v["denom_trace"] for k, v in rec["denom_trace"].items() if "denom_trace" in v}
    metas = {k: v["metadata"] for k, v in rec["denom_metadata"].items() if "metadata" in v}
    named = 0
    for name in ("alice", "bob", "carol"):
        addr = oracle.workload["accounts"][name]["address"]
        await page.open(f"/account/{addr}", "account")
        for li in await page.p.locator("#balances li").all():
            denom = await li.get_attribute("data-denom")
            trace = li.locator(".coin-trace")
            if denom in traces:
                t = traces[denom]
                assert (await trace.inner_text()).strip() == f"{t['base_denom']} via {t['path']}"
                named += 1
            else:
                assert await trace.count() == 0
            shown = li.locator(".coin-display")
            md = metas.get(denom)
            if md and (md["symbol"] or md["display"]):
                text = (await shown.inner_text()).strip()
                assert text.endswith(" " + (md["symbol"] or md["display"])), text
            else:
                assert await shown.count() == 0
    assert named >= 3


async def test_an_unknown_proposal_is_not_found(page):  # noqa: F811
    await page.open("/proposal/999999", "notfound")
    await page.open("/proposal/abc", "notfound")

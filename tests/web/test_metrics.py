"""/metrics: a bounded operation label, subscriber gauges, process metrics."""

from __future__ import annotations

import asyncio

from prometheus_client.parser import text_string_to_metric_families

from cometgraph.web.opnames import OTHER, OperationNames


def samples(text: str) -> dict[str, list]:
    out: dict[str, list] = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out.setdefault(s.name, []).append(s)
    return out


async def scrape(gql) -> dict[str, list]:
    r = await gql.client.get("/metrics")
    assert r.status_code == 200
    return samples(r.text)


def requests_by_operation(metrics) -> dict[str, float]:
    out: dict[str, float] = {}
    for s in metrics.get("cometgraph_requests_total", []):
        out[s.labels["operation"]] = out.get(s.labels["operation"], 0) + s.value
    return out


async def test_the_operation_label_is_bounded(gql):
    before = requests_by_operation(await scrape(gql))
    names = [f"Random{i}x{j}" for i, j in zip(range(40), range(100, 140))]
    for name in names:
        assert (await gql.data(f"query {name} {{ status {{ latestHeight }} }}"))["status"]["latestHeight"] > 0
    await gql.raw("query Failing { block(height: 0) { hash } }")  # an erroring name is never learned
    await gql.data("query Latest { status { latestHeight } }")  # a known name
    after = requests_by_operation(await scrape(gql))
    delta = {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0)}
    learned = [n for n in names if n in delta]
    # the session's other tests may have taught the cap some names already: never more than 32
    assert len(set(after) - {"anonymous", "Latest", "History", OTHER}) <= 32
    assert all(delta[n] == 1 for n in learned)
    assert delta[OTHER] == 40 - len(learned) + 1  # the names past the cap, and Failing
    assert "Failing" not in after and delta["Latest"] == 1


def test_operation_names_learn_first_come_up_to_the_cap():
    names = OperationNames(max_learned=2)
    assert names.label(None, True) == "anonymous" and names.label("History", False) == "History"
    assert names.label("Bad", False) == OTHER  # an error teaches nothing
    assert [names.label(n, True) for n in ("A", "B", "C", "A")] == ["A", "B", OTHER, "A"]
    assert names.label("B", False) == "B"  # once learned, errors count under its name too
    assert names.label("x" * 65, True) == OTHER and names.label("not-a-name", True) == OTHER


async def test_subscriber_gauges_count_connected_and_dropped(sample_home, tmp_path):
    import httpx

    from cometgraph.storage.chain import Chain
    from cometgraph.web.app import create_app

    chain = Chain.from_home(sample_home, snapshot_dir=tmp_path / "snaps").open()
    app = create_app(chain, queue_size=2)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
            b = app.state.broadcaster
            slow, fast = b.subscribe(), b.subscribe()
            first = [asyncio.create_task(slow.__anext__()), asyncio.create_task(fast.__anext__())]
            await asyncio.sleep(0)
            m = samples((await c.get("/metrics")).text)
            assert m["cometgraph_subscribers"][0].value == 2
            assert m["cometgraph_subscribers_dropped_total"][0].value == 0
            for h in range(1, 5):  # nobody reads: the queues (2 batches) overflow
                b.publish(range(h, h + 1))
            outcomes = await asyncio.gather(*first, return_exceptions=True)
            assert [type(o).__name__ for o in outcomes] == ["SubscriberTooSlow", "SubscriberTooSlow"]
            m = samples((await c.get("/metrics")).text)
            assert m["cometgraph_subscribers_dropped_total"][0].value == 2
            assert m["cometgraph_subscribers"][0].value == 0


async def test_process_metrics_describe_the_serving_process(gql):
    import os
    from pathlib import Path

    m = await scrape(gql)
    rss_pages = int(Path("/proc/self/statm").read_text().split()[1])
    rss = rss_pages * os.sysconf("SC_PAGE_SIZE")
    assert 0.5 * rss < m["process_resident_memory_bytes"][0].value < 2 * rss
    assert m["process_cpu_seconds_total"][0].value > 0

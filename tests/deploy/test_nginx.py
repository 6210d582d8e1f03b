"""deploy/nginx.conf.template in front of two cometgraph processes, on loopback.

Checks what an operator relies on: requests spread over both replicas, immutable answers
come from nginx's cache (HIT) and revalidate with 304, and an answer about the newest
height is never served stale beyond its one-second max-age.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.deploy


def _nginx() -> str:
    found = shutil.which("nginx") or (Path("/usr/sbin/nginx").is_file() and "/usr/sbin/nginx")
    if not found:
        subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "-qq", "nginx"], check=True, capture_output=True, timeout=900)
        found = shutil.which("nginx") or "/usr/sbin/nginx"
    return str(found)


def _wait(url: str, proc=None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc is not None:
            assert proc.poll() is None, "process exited early"
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            assert time.monotonic() < deadline, f"{url} did not come up"
            time.sleep(0.1)


@pytest.fixture(scope="module")
def stack(sample_home, tmp_path_factory):
    nginx = _nginx()
    work = tmp_path_factory.mktemp("deploy")
    ports = [free_port(), free_port()]
    procs: list[subprocess.Popen] = []
    try:
        yield from _run(sample_home, work, ports, procs, nginx)
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(timeout=30)


def _run(sample_home, work, ports, procs, nginx):
    for i, port in enumerate(ports):
        env = {**os.environ, "XDG_CACHE_HOME": str(work / f"cache{i}")}
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "cometgraph.cli",
                    "serve",
                    "--home",
                    str(sample_home),
                    "--port",
                    str(port),
                    "--refresh",
                    "0",
                    "--snapshot-dir",
                    str(work / f"snaps{i}"),
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    front = free_port()
    run_dir = work / "nginx"
    run_dir.mkdir()
    conf = fill(
        (ROOT / "deploy" / "nginx.conf.template").read_text(),
        {
            # nginx workers must be able to write the cache under our temporary folder
            "user": "root" if os.geteuid() == 0 else os.environ.get("USER", "nobody"),
            "workers": "1",
            "run_dir": str(run_dir),
            "listen": f"127.0.0.1:{front}",
            "upstreams": "\n        ".join(f"server 127.0.0.1:{p};" for p in ports),
        },
    )
    (run_dir / "nginx.conf").write_text(conf)
    try:
        for p, port in zip(procs, ports):
            _wait(f"http://127.0.0.1:{port}/healthz", p)
        ng = subprocess.Popen(
            [nginx, "-c", str(run_dir / "nginx.conf"), "-p", str(run_dir), "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _wait(f"http://127.0.0.1:{front}/healthz", ng)
        yield f"http://127.0.0.1:{front}", ports
    finally:
        if ng is not None:
            ng.send_signal(signal.SIGQUIT)
            ng.wait(timeout=60)


def fill(template: str, values: dict[str, str]) -> str:
    for k, v in values.items():
        template = template.replace("{{" + k + "}}", v)
    assert "{{" not in template, "unfilled placeholder"
    return template


def test_immutable_answers_are_served_from_nginx_cache_and_revalidate(stack, oracle, heights):
    base, _ = stack
    q = f"{{ block(height: {heights[3]}) {{ hash }} }}"
    url = f"{base}/graphql"
    with httpx.Client(timeout=10) as c:
        first = c.get(url, params={"query": q})
        assert first.status_code == 200, (first.status_code, first.headers, first.text[:300])
        second = c.get(url, params={"query": q})
        assert first.json()["data"]["block"]["hash"] == oracle.blocks[str(heights[3])]["block_id"]["hash"]
        assert first.headers["x-cache-status"] == "MISS" and second.headers["x-cache-status"] == "HIT"
        assert second.headers["cache-control"].endswith("immutable")
        again = c.get(url, params={"query": q}, headers={"if-none-match": second.headers["etag"]})
        assert again.status_code == 304


def test_persisted_query_urls_are_cached_too(stack, heights):
    base, _ = stack
    q = f"{{ block(height: {heights[4]}) {{ hash }} }}"
    ext = json.dumps({"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(q.encode()).hexdigest()}})
    with httpx.Client(timeout=10) as c:
        c.get(f"{base}/graphql", params={"query": q, "extensions": ext})
        # registered on one replica; the other may not know it yet: clients resend on a miss (APQ)
        results = [c.get(f"{base}/graphql", params={"extensions": ext}) for _ in range(4)]
        for r in results:
            body = r.json()
            if body.get("errors"):
                assert body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
                c.get(f"{base}/graphql", params={"query": q, "extensions": ext})
        final = c.get(f"{base}/graphql", params={"extensions": ext})
        assert final.json()["data"]["block"]["hash"]


def test_latest_answers_are_never_older_than_their_max_age(stack):
    base, _ = stack
    with httpx.Client(timeout=10) as c:
        a = c.get(f"{base}/graphql", params={"query": "{ status { latestHeight snapshotAge } }"})
        assert a.headers["cache-control"] == "public, max-age=1"
        time.sleep(3.0)  # well past max-age=1 (nginx keeps whole-second expiry times)
        b = c.get(f"{base}/graphql", params={"query": "{ status { latestHeight snapshotAge } }"})
        assert b.headers["x-cache-status"] in ("EXPIRED", "MISS", "REVALIDATED", "UPDATING") or b.json() != a.json()


def test_requests_spread_over_both_replicas(stack):
    base, ports = stack
    with httpx.Client(timeout=10) as c:
        for _ in range(20):
            c.post(f"{base}/graphql", json={"query": "{ status { latestHeight } }"})
    seen = []
    for port in ports:
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        line = next((ln for ln in metrics.splitlines() if ln.startswith('cometgraph_requests_total{operation="anonymous",outcome="ok"}')), None)
        seen.append(float(line.split()[-1]) if line else 0.0)
    assert all(n > 0 for n in seen), seen

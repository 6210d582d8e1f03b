"""`pip install .` (a wheel, not editable) serves the sample chain and GraphiQL without the checkout.

The wheel is built from a copy of the source tree (the checkout gets no build/ folder) and
installed into a fresh venv (no system site-packages); `cometgraph serve` runs from there
with the checkout out of reach.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.support import free_port

ROOT = Path(__file__).resolve().parent.parent


def _source_copy(dest: Path) -> Path:
    """The files a clean clone has (plus new, not ignored ones) and GraphiQL's fetched assets."""
    listed = (
        subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    for rel in filter(None, listed):
        if (ROOT / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, dest / rel)
    if (ROOT / "web" / "graphiql").is_dir():  # fetched once already: the build finds them by hash
        shutil.copytree(ROOT / "web" / "graphiql", dest / "web" / "graphiql")
    return dest


@pytest.mark.leveldb_only  # the wheel carries the LevelDB archive as its sample chain
def test_the_installed_wheel_serves_the_sample_chain_and_graphiql(oracle, tmp_path):
    src = _source_copy(tmp_path / "src")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(src)], check=True, timeout=600)
    (wheel,) = (tmp_path / "dist").glob("cometgraph-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "cometgraph/sample-chain.tar.zst" in names
    assert {"cometgraph/web/graphiql/react@18.2.0/LICENSE", "cometgraph/web/graphiql/graphiql@3.8.3/LICENSE"} <= names

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], check=True, timeout=900)

    port = free_port()
    run_dir = tmp_path / "elsewhere"
    run_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "COMETGRAPH_SAMPLE_ARCHIVE")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    proc = subprocess.Popen(
        [str(venv / "bin" / "cometgraph"), "serve", "--port", str(port)],
        cwd=run_dir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, proc.stdout.read()
            try:
                r = httpx.post(f"{base}/graphql", json={"query": "{ status { chainId latestHeight } }"}, timeout=10)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.2)
        assert r.json()["data"]["status"] == {
            "chainId": oracle.status["node_info"]["network"],
            "latestHeight": int(oracle.status["sync_info"]["latest_block_height"]),
        }
        page = httpx.get(f"{base}/graphql", headers={"accept": "text/html"}, timeout=10).text
        scripts = re.findall(r'src="(/graphiql/[^"]+)"\s+integrity="([^"]+)"', page)
        assert len(scripts) == 5 and "unpkg.com" not in page
        for path, integrity in scripts:  # served from the wheel, byte for byte what the page pins
            body = httpx.get(base + path, timeout=10).content
            assert "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode() == integrity, path
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert "serving the embedded sample chain" in out and "Traceback" not in out, out
    assert "GraphiQL's assets are served from /graphiql/" in out

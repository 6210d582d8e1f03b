"""What an operator sees of `cometgraph serve`: version, log level and format, the startup line,
and one clear line (exit code 2) for an address it cannot listen on."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx
import pytest

from cometgraph.cli import main
from tests.support import free_port

ROOT = Path(__file__).resolve().parent.parent


def _serve(tmp_path, *args: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cometgraph.cli", "serve", "--port", str(port), *args],
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return proc, port


def _query(proc: subprocess.Popen, port: int, query: str, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, "server exited early"
        try:
            return httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": query}, timeout=10).json()
        except httpx.TransportError:
            assert time.monotonic() < deadline, "server did not come up"
            time.sleep(0.2)


def _stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    return out


def test_version_is_the_packages_version(capsys):
    want = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"cometgraph {want}"


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.leveldb_only  # serves the embedded sample chain, which is the LevelDB archive
def test_json_log_format_is_one_object_per_line_for_every_record(oracle, tmp_path, workers):
    """Spawned workers configure themselves from the environment: JSON there too."""
    proc, port = _serve(tmp_path, "--log-format", "json", "--workers", workers)
    try:
        answer = _query(proc, port, "{ status { latestHeight } }")
    finally:
        out = _stop(proc)
    assert answer["data"]["status"]["latestHeight"] == int(oracle.status["sync_info"]["latest_block_height"])
    records = [json.loads(line) for line in out.splitlines()]  # every line: not one plain line among them
    loggers = {r["logger"] for r in records}
    assert {"cometgraph", "cometgraph.requests", "uvicorn.error", "uvicorn.access"} <= loggers, loggers
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    request = next(r for r in records if r["logger"] == "cometgraph.requests")
    assert request["request"]["operation"] == "anonymous" and request["request"]["status"] == "ok"
    assert any(r["message"] == "Application shutdown complete." for r in records)
    base = f"http://127.0.0.1:{port}"
    assert any(r["message"] == f"serving GraphQL at {base}/graphql, GraphiQL at {base}/graphql (in a browser), explorer at {base}/" for r in records), [
        r["message"] for r in records
    ]


def test_log_level_warning_hides_info_lines_and_the_startup_line_names_the_urls_in_text(tmp_path):
    proc, port = _serve(tmp_path, "--log-level", "warning", "--no-introspection")
    try:
        assert "errors" not in _query(proc, port, "{ status { latestHeight } }")
    finally:
        out = _stop(proc)
    assert "INFO" not in out and "Application startup complete" not in out, out
    assert "cometgraph.requests" not in out

    proc, port = _serve(tmp_path, "--no-introspection")
    try:
        _query(proc, port, "{ status { latestHeight } }")
    finally:
        out = _stop(proc)
    base = f"http://127.0.0.1:{port}"
    assert f"serving GraphQL at {base}/graphql, GraphiQL off (--no-introspection), explorer at {base}/" in out, out


def test_a_bad_log_level_or_format_is_one_line(capsys):
    assert main(["schema", "--log-level", "loud"]) == 2
    assert capsys.readouterr().err.strip() == "cometgraph: log level 'loud' is not one of debug, info, warning, error, critical"
    assert main(["schema", "--log-format", "xml"]) == 2
    assert capsys.readouterr().err.strip() == "cometgraph: log format 'xml' is not one of text, json"


@contextlib.contextmanager
def fresh_root_logger():
    """A root logger without handlers, as in a fresh process; pytest's handlers and the levels
    are put back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    chatty = {n: logging.getLogger(n).level for n in ("watchfiles",)}
    root.handlers[:] = []
    try:
        yield root
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, lvl in chatty.items():
            logging.getLogger(name).setLevel(lvl)


def test_watchfiles_change_lines_are_quiet_unless_debug(monkeypatch):
    from cometgraph.logs import configure

    for var in ("COMETGRAPH_LOG_LEVEL", "COMETGRAPH_LOG_FORMAT"):
        monkeypatch.delenv(var, raising=False)
    # the logger watchfiles writes "N changes detected" to, at INFO
    changes = logging.getLogger("watchfiles.main")
    with fresh_root_logger():
        configure("info", "text")
        assert logging.getLogger("cometgraph").isEnabledFor(logging.INFO)
        assert not changes.isEnabledFor(logging.INFO)
        assert changes.isEnabledFor(logging.WARNING)
    with fresh_root_logger():
        configure("debug", "text")
        assert changes.isEnabledFor(logging.INFO)


def test_a_taken_port_with_one_worker_is_one_line_and_exit_code_2(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", free_port()))
        s.listen()
        port = s.getsockname()[1]
        r = subprocess.run(
            [sys.executable, "-m", "cometgraph.cli", "serve", "--port", str(port)],
            env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert r.returncode == 2
    assert r.stderr == f"cometgraph: 127.0.0.1:{port} is already in use\n"


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_port_out_of_range_is_one_line_and_exit_code_2(tmp_path, workers):
    r = subprocess.run(
        [sys.executable, "-m", "cometgraph.cli", "serve", "--port", "99999", "--workers", workers],
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2
    assert r.stderr == "cometgraph: --port 99999 is not a TCP port (1-65535)\n"

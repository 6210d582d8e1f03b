"""Run a real Injective node (``injectived`` v1.20.1) on loopback for tests and fixtures.

Two pieces, both stdlib-only apart from ``zstandard`` (needed to unpack the binary):

* :func:`ensure_injectived` finds the ``injectived`` binary shipped inside the PyPI package
  ``injective-core==1.20.1`` (installing it with pip if it is missing), unpacks it once into a
  cache folder and returns an :class:`Injectived` (binary path + environment with
  ``LD_LIBRARY_PATH`` pointing at ``libwasmvm``).
* :class:`DevnetNode` starts a node from an existing home folder with every listener on
  127.0.0.1 and on ports derived from ``port_base`` (so two nodes never collide), waits for
  heights, queries the CometBFT RPC and the SDK REST API, and stops the node (SIGTERM, then
  SIGKILL after a timeout). Use it as a context manager so the node is always stopped.

The node's data folder is only ever written by the node itself: nothing here opens its
databases.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

INJECTIVE_CORE_VERSION = "1.20.1"
BINARY_NAME = "injectived-linux-x64"
WASMVM_LIB = "libwasmvm.x86_64.so"
DEFAULT_PORT_BASE = 16600

# Offsets from ``port_base`` for every listener the node may open.
PORT_OFFSETS = {
    "p2p": 0,
    "rpc": 1,
    "proxy_app": 2,  # ABCI socket; unused by the in-process app but still configured
    "grpc": 3,
    "grpc_web": 4,  # gRPC-web is served on the API port in SDK 0.50; kept for completeness
    "api": 5,
    "pprof": 6,
    "json_rpc": 7,  # EVM JSON-RPC (disabled)
    "json_rpc_ws": 8,  # EVM JSON-RPC websocket (disabled)
    "prometheus": 9,  # CometBFT prometheus (disabled)
}


class DevnetError(RuntimeError):
    """A devnet helper failed: the node did not start, answer, or stop in time."""


@dataclass(frozen=True)
class Injectived:
    """The unpacked ``injectived`` binary and the environment it needs to run."""

    binary: Path
    env: dict[str, str]
    version: str = INJECTIVE_CORE_VERSION

    def run(
        self,
        *args: str,
        home: Path | str | None = None,
        input: str | None = None,
        timeout: float = 60,
        check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        """Run one ``injectived`` command to completion and return its output (text)."""
        cmd = [str(self.binary), *args]
        if home is not None:
            cmd += ["--home", str(home)]
        proc = subprocess.run(
            cmd,
            env=self.env,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and proc.returncode != 0:
            raise DevnetError(f"injectived {' '.join(args)} failed ({proc.returncode}):\nstdout: {proc.stdout[-2000:]}\nstderr: {proc.stderr[-2000:]}")
        return proc

    def run_json(self, *args: str, **kwargs: Any) -> Any:
        """Run a command that prints JSON (``--output json``) and parse it."""
        proc = self.run(*args, **kwargs)
        text = proc.stdout.strip() or proc.stderr.strip()
        return json.loads(text)


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cometgraph" / f"injectived-{INJECTIVE_CORE_VERSION}"


def _injective_core_bin_dir() -> Path:
    """Locate ``injective_core/bin`` without importing the package (its import is harmless,
    but finding the spec is enough); pip-install the pinned version if it is absent."""
    import importlib.util

    spec = importlib.util.find_spec("injective_core")
    if spec is None or spec.origin is None:
        subprocess.run(
            [sys.executable, "-m", "pip", "install", f"injective-core=={INJECTIVE_CORE_VERSION}"],
            check=True,
            timeout=900,
        )
        importlib.invalidate_caches()
        spec = importlib.util.find_spec("injective_core")
        if spec is None or spec.origin is None:
            raise DevnetError("injective_core still not importable after pip install")
    return Path(spec.origin).parent / "bin"


def _ensure_zstandard() -> Any:
    try:
        import zstandard
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "zstandard"], check=True, timeout=600)
        import importlib

        importlib.invalidate_caches()
        import zstandard
    return zstandard


def ensure_injectived(cache_dir: Path | str | None = None) -> Injectived:
    """Return a runnable ``injectived`` v1.20.1, unpacking it into ``cache_dir`` if needed.

    Idempotent and atomic: the tarball is unpacked into a temporary sibling folder that is
    renamed into place, so a crash never leaves a half-unpacked cache behind, and two callers
    racing each other both end up with a complete folder.
    """
    cache = Path(cache_dir) if cache_dir is not None else _default_cache_dir()
    binary = cache / BINARY_NAME
    if not (binary.is_file() and (cache / WASMVM_LIB).is_file()):
        archive = _injective_core_bin_dir() / "injectived.tar.zst"
        if not archive.is_file():
            raise DevnetError(f"{archive} not found in injective_core")
        zstandard = _ensure_zstandard()
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=cache.name + ".tmp-", dir=cache.parent))
        try:
            with archive.open("rb") as raw, zstandard.ZstdDecompressor().stream_reader(raw) as zr:
                with tarfile.open(fileobj=zr, mode="r|") as tar:
                    tar.extractall(tmp, filter="data")
            found = {p.name: p for p in tmp.rglob("*") if p.is_file()}
            if BINARY_NAME not in found or WASMVM_LIB not in found:
                raise DevnetError(f"unexpected tarball contents: {sorted(found)}")
            for name in (BINARY_NAME, WASMVM_LIB):
                if found[name].parent != tmp:
                    shutil.move(str(found[name]), tmp / name)
            (tmp / BINARY_NAME).chmod(0o755)
            tmp.chmod(0o755)
            if not (binary.is_file() and (cache / WASMVM_LIB).is_file()):
                if cache.exists():  # a half-made or stale folder (not a finished one): replace
                    shutil.rmtree(cache)
                try:
                    os.rename(tmp, cache)
                except OSError:
                    if not binary.is_file():  # another caller finished first: use theirs
                        raise
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    binary.chmod(0o755)
    env = dict(os.environ)
    lib_dir = str(cache)
    env["LD_LIBRARY_PATH"] = lib_dir + os.pathsep + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else lib_dir
    return Injectived(binary=binary, env=env)


def app_db_backend(home: Path) -> str:
    """The application database's backend a home's config names (``app.toml``
    ``app-db-backend``, else ``config.toml`` ``db_backend``): what ``injectived prune`` must be
    told, as it assumes goleveldb."""
    import tomllib

    app = tomllib.loads((Path(home) / "config" / "app.toml").read_text()).get("app-db-backend")
    return app or tomllib.loads((Path(home) / "config" / "config.toml").read_text()).get("db_backend", "goleveldb")


def prune_copy(sample_home: Path, home: Path, keep: int) -> None:
    """Copy ``sample_home`` to ``home`` and let the node prune its application state there
    (``injectived prune custom --pruning-keep-recent keep``, ≈0.3 s): the node's own pruning,
    never ours. Raises ``DevnetError``/``OSError`` where injectived cannot run."""
    import shutil
    import subprocess

    inj = ensure_injectived()
    shutil.copytree(sample_home, home)
    cmd = [str(inj.binary), "prune", "custom", "--pruning-keep-recent", str(keep), "--app-db-backend", app_db_backend(home)]
    out = subprocess.run([*cmd, "--home", str(home), "--log-level", "error"], env=inj.env, capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise DevnetError(f"injectived prune failed: {out.stdout}{out.stderr}")


def ports_for(port_base: int) -> dict[str, int]:
    """Every port a node started with ``port_base`` may listen on."""
    return {name: port_base + off for name, off in PORT_OFFSETS.items()}


def _http_get_json(url: str, headers: dict[str, str] | None = None, timeout: float = 10, body: Any = None) -> Any:
    """GET (or POST ``body`` as JSON) and parse the JSON answer; error answers with a JSON
    body are returned as that JSON."""
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers = {**(headers or {}), "content-type": "application/json"}
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as err:
        body = err.read()
        try:
            return json.loads(body)
        except ValueError:
            raise DevnetError(f"GET {url}: HTTP {err.code}: {body[:500]!r}") from err


@dataclass
class DevnetNode:
    """One ``injectived start`` process on loopback, for a home made by ``injectived init``.

    All listeners are passed as command-line flags (they override ``config.toml`` and
    ``app.toml``), so the same home can be started on any ``port_base``. The EVM JSON-RPC
    servers, gRPC-web, Prometheus and pprof are disabled or bound to loopback ports of our own.
    """

    injectived: Injectived
    home: Path
    port_base: int = DEFAULT_PORT_BASE
    log_path: Path | None = None
    extra_args: tuple[str, ...] = ()
    pprof: bool = False
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.home = Path(self.home)
        self.ports = ports_for(self.port_base)

    # -- addresses ----------------------------------------------------------------------
    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['rpc']}"

    @property
    def rpc_node(self) -> str:
        """The ``--node`` value for CLI commands."""
        return f"tcp://127.0.0.1:{self.ports['rpc']}"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['api']}"

    @property
    def grpc_address(self) -> str:
        return f"127.0.0.1:{self.ports['grpc']}"

    def start_args(self) -> list[str]:
        p = self.ports
        return [
            "start",
            "--home",
            str(self.home),
            "--p2p.laddr",
            f"tcp://127.0.0.1:{p['p2p']}",
            "--rpc.laddr",
            f"tcp://127.0.0.1:{p['rpc']}",
            "--proxy_app",
            f"tcp://127.0.0.1:{p['proxy_app']}",
            "--rpc.pprof_laddr",
            f"127.0.0.1:{p['pprof']}" if self.pprof else "",
            "--grpc.enable=true",
            "--grpc.address",
            f"127.0.0.1:{p['grpc']}",
            "--api.enable=true",
            "--api.address",
            f"tcp://127.0.0.1:{p['api']}",
            "--json-rpc.enable=false",
            "--json-rpc.address",
            f"127.0.0.1:{p['json_rpc']}",
            "--json-rpc.ws-address",
            f"127.0.0.1:{p['json_rpc_ws']}",
            "--p2p.pex=false",
            "--log-no-color",
            "--p2p.seeds",
            "",
            "--p2p.persistent_peers",
            "",
            *self.extra_args,
        ]

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            raise DevnetError("node already running")
        log_path = self.log_path or (self.home / "node.log")
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log_path, "ab")
        self.process = subprocess.Popen(
            [str(self.injectived.binary), *self.start_args()],
            env=self.injectived.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.log_path = log_path

    def stop(self, timeout: float = 30) -> int | None:
        """SIGTERM the node and wait for it to exit (so LevelDB is closed); SIGKILL if it
        does not exit within ``timeout``. Returns the exit code (None if never started)."""
        proc = self.process
        if proc is None:
            return None
        try:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
            return proc.returncode
        finally:
            self.process = None
            log = getattr(self, "_log", None)
            if log is not None:
                log.close()

    def __enter__(self) -> DevnetNode:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _check_alive(self) -> None:
        if self.process is None or self.process.poll() is not None:
            tail = ""
            if self.log_path and self.log_path.exists():
                tail = self.log_path.read_text(errors="replace")[-3000:]
            code = None if self.process is None else self.process.returncode
            raise DevnetError(f"node is not running (exit code {code}); log tail:\n{tail}")

    # -- queries ------------------------------------------------------------------------
    def rpc(self, path: str, timeout: float = 10, **params: Any) -> Any:
        """JSON GET against the CometBFT RPC; returns the ``result`` (raises on ``error``)."""
        resp = self.rpc_raw(path, timeout=timeout, **params)
        if "error" in resp and resp["error"]:
            raise DevnetError(f"RPC {path} {params}: {resp['error']}")
        return resp["result"]

    def rpc_raw(self, path: str, timeout: float = 10, **params: Any) -> Any:
        """JSON GET against the CometBFT RPC; returns the whole JSON-RPC envelope."""
        query = urllib.parse.urlencode({k: _rpc_param(v) for k, v in params.items()})
        url = f"{self.rpc_url}/{path.lstrip('/')}" + (f"?{query}" if query else "")
        return _http_get_json(url, timeout=timeout)

    def rest(self, path: str, height: int | None = None, timeout: float = 10, **params: Any) -> Any:
        """GET against the SDK REST API; ``height`` sets ``x-cosmos-block-height``.
        Error answers (4xx/5xx with a JSON body) are returned as the node's JSON."""
        headers = {"x-cosmos-block-height": str(height)} if height is not None else {}
        query = urllib.parse.urlencode(params)
        url = f"{self.api_url}/{path.lstrip('/')}" + (f"?{query}" if query else "")
        return _http_get_json(url, headers=headers, timeout=timeout)

    def rest_post(self, path: str, body: Any, timeout: float = 10) -> Any:
        """POST a JSON body to the SDK REST API (e.g. ``/cosmos/tx/v1beta1/encode``).
        Error answers are returned as the node's JSON."""
        url = f"{self.api_url}/{path.lstrip('/')}"
        return _http_get_json(url, timeout=timeout, body=body)

    def height(self) -> int:
        return int(self.rpc("status")["sync_info"]["latest_block_height"])

    def wait_rpc(self, timeout: float = 60) -> None:
        self.wait_height(0, timeout)

    def wait_height(self, n: int, timeout: float = 60) -> int:
        """Wait until the RPC answers and the latest height is at least ``n``."""
        deadline = time.monotonic() + timeout
        last_err: Exception | None = None
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                h = self.height()
                if h >= n:
                    return h
            except (OSError, DevnetError, ValueError, KeyError) as err:
                last_err = err
            time.sleep(0.2)
        raise DevnetError(f"height {n} not reached within {timeout}s (last error: {last_err})")

    def wait_rest(self, timeout: float = 60) -> None:
        """Wait until the REST API answers (it starts a little after the RPC)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                self.rest("/cosmos/base/tendermint/v1beta1/node_info")
                return
            except (OSError, DevnetError, ValueError):
                time.sleep(0.2)
        raise DevnetError(f"REST API did not answer within {timeout}s")

    def wait_tx(self, tx_hash: str, timeout: float = 30) -> Any:
        """Poll ``/tx?hash=0x..`` until the tx is indexed; return its result."""
        deadline = time.monotonic() + timeout
        h = tx_hash.upper().removeprefix("0X")
        while time.monotonic() < deadline:
            self._check_alive()
            resp = self.rpc_raw("tx", hash="0x" + h)
            if resp.get("result"):
                return resp["result"]
            time.sleep(0.2)
        raise DevnetError(f"tx {h} not included within {timeout}s")


def _rpc_param(value: Any) -> str:
    """CometBFT URI params: strings must be JSON-quoted, numbers and bools bare,
    ``0x..`` hex passes as is."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    s = str(value)
    if s.startswith("0x"):
        return s
    return json.dumps(s)

"""``serve --workers N``: N processes on one port, each accepting its own connections.

uvicorn's own workers share one listening socket, and the kernel hands a new
connection to whichever worker is waiting first: with keep-alive clients (a load
balancer's pool, a dashboard, a load generator) one worker can end up holding
nearly every connection (measured: 0.62 of a core in one worker, 0.002 in the
other, docs/benchmarks.md). Here every worker binds its own socket with
``SO_REUSEPORT`` and the kernel spreads connections over them by hash.

The supervisor is small on purpose: start the workers, restart one that dies,
stop when one cannot start at all, pass SIGTERM/SIGINT on and wait for the
graceful shutdowns. It also gives the workers a private directory for their
metrics (prometheus_client's multiprocess mode), so a scrape that reaches any
one worker counts what all of them served; it is removed when the supervisor exits.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from . import factory

log = logging.getLogger("cometgraph.workers")

#: a worker's exit code when it never started serving: restarting would fail the same way
STARTUP_FAILURE = 3
#: read by prometheus_client when a worker imports it: where the workers' metric files go
METRICS_ENV = "PROMETHEUS_MULTIPROC_DIR"
BACKLOG = 2048  # uvicorn's default


def make_metrics_dir() -> str:
    """A private directory for the workers' metric files, named in the environment the workers
    inherit (they must see it before they import prometheus_client)."""
    path = os.environ[METRICS_ENV] = tempfile.mkdtemp(prefix="cometgraph-metrics-")
    log.info("workers share their metrics in %s", path)
    return path


def remove_metrics_dir(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)
    os.environ.pop(METRICS_ENV, None)


class CannotListen(OSError):
    """The address cannot be bound (taken, not ours, a host we do not have): said in one line."""


class PortInUse(CannotListen):
    """Something else already listens on the port."""


def supports_reuse_port() -> bool:
    return hasattr(socket, "SO_REUSEPORT")


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def check_port(host: str, port: int) -> None:
    """Fail clearly if the port is taken (a socket without SO_REUSEPORT cannot join a group)."""
    with socket.socket(_family(host), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUse(exc.errno, f"{host}:{port} is already in use") from None
            raise CannotListen(exc.errno, f"cannot listen on {host}:{port}: {exc.strerror}") from None


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A listening socket in this worker's SO_REUSEPORT group.

    Made with ``IPPROTO_TCP`` spelled out: asyncio switches Nagle off (TCP_NODELAY) only on
    sockets whose ``proto`` says TCP, and ``socket.socket(AF_INET, SOCK_STREAM)`` says 0.
    Left on, a response written in two parts waits for the client's delayed ACK: ~40 ms
    a request (measured with bench/scale.py: two workers slower than one).
    """
    sock = socket.socket(_family(host), socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(BACKLOG)
    return sock


def stop_with_parent(parent: int) -> None:
    """Ask Linux to send this process SIGTERM when its parent dies (PR_SET_PDEATHSIG): a
    supervisor killed outright (SIGKILL, the OOM killer) must not leave workers serving on
    its port with nobody to restart or stop them. A no-op where prctl is missing."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request was made
        os.kill(os.getpid(), signal.SIGTERM)


def _worker(host: str, port: int, log_level: str, parent: int) -> None:  # pragma: no cover - a child process
    import uvicorn

    stop_with_parent(parent)

    from .logs import configure, uvicorn_log_config

    _, fmt = configure()  # a new process starts without the parent's logging (the choice is in the environment)
    server = uvicorn.Server(uvicorn.Config("cometgraph.factory:app", factory=True, log_level=log_level, log_config=uvicorn_log_config(fmt)))
    try:
        server.run(sockets=[reuse_port_socket(host, port)])
    except BaseException as exc:
        if server.started:
            raise
        log.error("worker %s could not start: %s", os.getpid(), exc)
        sys.exit(STARTUP_FAILURE)
    if not server.started:
        sys.exit(STARTUP_FAILURE)


def worker_main(argv: list[str]) -> None:  # pragma: no cover - a child process
    """``python -m cometgraph.workers HOST PORT LOG_LEVEL PARENT``: one worker; the app factory finds
    its settings in the environment (``factory.ENV``, set by the supervisor)."""
    host, port, log_level, parent = argv
    _worker(host, int(port), log_level, int(parent))


class Supervisor:
    """Runs ``workers`` serving processes until SIGTERM/SIGINT; returns the exit code."""

    def __init__(self, workers: int, host: str, port: int, config_env: str, log_level: str = "info", stop_timeout: float = 30.0) -> None:
        self.workers, self.host, self.port = workers, host, port
        self.config_env, self.log_level = config_env, log_level
        self.stop_timeout = stop_timeout
        self._procs: list[subprocess.Popen] = []
        self._stopping = False

    def _start_one(self) -> subprocess.Popen:
        """A new interpreter (not multiprocessing: its spawn context adds a resource-tracker process,
        13 MB, for nothing the workers use), so a worker imports and builds everything itself."""
        argv = [sys.executable, "-m", "cometgraph.workers", self.host, str(self.port), self.log_level, str(os.getpid())]
        proc = subprocess.Popen(argv, env={**os.environ, factory.ENV: self.config_env}, stdin=subprocess.DEVNULL)
        log.info("started worker %s", proc.pid)
        return proc

    def _on_signal(self, signum, _frame) -> None:
        self._stopping = True

    def run(self) -> int:
        check_port(self.host, self.port)
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        code = 0
        self.metrics_dir = make_metrics_dir()
        try:
            self._procs = [self._start_one() for _ in range(self.workers)]
            while not self._stopping:
                time.sleep(0.2)
                for i, proc in enumerate(self._procs):
                    if proc.poll() is None or self._stopping:
                        continue
                    if proc.returncode == STARTUP_FAILURE:
                        log.error("worker %s could not start; stopping", proc.pid)
                        self._stopping, code = True, 1
                        break
                    log.warning("worker %s exited (%s); starting another", proc.pid, proc.returncode)
                    self._forget(proc.pid)
                    self._procs[i] = self._start_one()
        finally:
            self._stop_all()
            for s, handler in previous.items():
                signal.signal(s, handler)
            remove_metrics_dir(self.metrics_dir)
        return code

    def _forget(self, pid: int) -> None:
        """A dead worker's live gauges (subscribers) no longer count; its counters still do."""
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid, self.metrics_dir)

    def _stop_all(self) -> None:
        for proc in self._procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)  # uvicorn finishes in-flight requests, then exits
        deadline = time.monotonic() + self.stop_timeout
        for proc in self._procs:
            try:
                proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.error("worker %s did not stop in %.0f s; killing it", proc.pid, self.stop_timeout)
                proc.kill()
                proc.wait()


if __name__ == "__main__":  # pragma: no cover - how Supervisor starts a worker
    worker_main(sys.argv[1:])

"""Helpers shared by tests that need a real server process or thread."""

from __future__ import annotations

import contextlib
import errno
import os
import random
import socket
import threading
import time
from pathlib import Path

import uvicorn


def free_port() -> int:
    """A loopback port that is free right now, below the ephemeral range.

    Port 0 would hand out an ephemeral port: between our check and the server's bind,
    any outgoing connection on the machine (a client, another test's node) may take it.
    Never the same port twice in one test process (two servers asked for at once).
    """
    while True:
        port = free_port_base(span=1)
        if port not in _handed_out:
            _handed_out.add(port)
            return port


_handed_out: set[int] = set()
#: the OS's randomness: pytest-randomly reseeds ``random`` before every test, which would hand
#: every test (and parallel runs with one seed) the same ports
_ports_rng = random.SystemRandom()


@contextlib.contextmanager
def serve_in_thread(app, timeout: float = 60):
    """A real uvicorn serving ``app`` on a free loopback port; yields the port."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=60)


def _ephemeral_low() -> int:
    """The first port the kernel hands to outgoing connections (Linux: 32768 by default)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port_base(span: int = 20, tries: int = 200) -> int:
    """A base port whose next ``span`` ports are all free right now (for a devnet node,
    which listens on several), chosen at random so parallel runs rarely collide.

    Below the ephemeral range: a node binds its ports a while after we checked them,
    and in between any client's outgoing connection could take one of them."""
    top = max(12000, min(_ephemeral_low(), 32768)) - span
    for _ in range(tries):
        base = _ports_rng.randrange(10000, top, span)
        socks = []
        try:
            for p in range(base, base + span):
                socks.append(socket.socket())
                socks[-1].bind(("127.0.0.1", p))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free block of ports")


class HeldLog:
    """A FIFO named like a log in the node's folder: a snapshot copying it blocks in its read
    until we let it go, so a test can hold a refresh mid-copy without sleeping."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "999999.log"
        os.mkfifo(self.path)
        self._fd: int | None = None

    def wait_until_read(self, timeout: float = 60) -> None:
        """Returns once a copy has the FIFO open: it is then blocked reading it."""
        deadline = time.monotonic() + timeout
        while self._fd is None:
            try:
                self._fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:  # ENXIO: nobody has it open for reading yet
                assert exc.errno == errno.ENXIO, exc
                assert time.monotonic() < deadline, "no snapshot started copying the log"
                time.sleep(0.01)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

"""Helpers shared by tests that need a real server process or thread."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from pathlib import Path

import uvicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve_in_thread(app, timeout: float = 20):
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
        thread.join(timeout=15)


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
    import random

    top = max(12000, min(_ephemeral_low(), 32768)) - span
    for _ in range(tries):
        base = random.randrange(10000, top, span)
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

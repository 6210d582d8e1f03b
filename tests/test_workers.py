"""The sockets `serve --workers N` listens on."""

from __future__ import annotations

import asyncio
import socket

import pytest

from cometgraph.workers import PortInUse, check_port, reuse_port_socket


async def _accepted_nodelay(listener: socket.socket) -> int:
    seen: asyncio.Future = asyncio.get_running_loop().create_future()

    def on_connect(reader, writer):
        seen.set_result(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(on_connect, sock=listener)
    port = listener.getsockname()[1]
    _, w = await asyncio.open_connection("127.0.0.1", port)
    try:
        return await asyncio.wait_for(seen, 10)
    finally:
        w.close()
        server.close()
        await server.wait_closed()


def test_connections_a_worker_accepts_have_nagle_off():
    """Else every response written in two parts waits ~40 ms for the client's delayed ACK."""
    listener = reuse_port_socket("127.0.0.1", 0)
    assert asyncio.run(_accepted_nodelay(listener)) != 0


def test_workers_share_a_port_and_outsiders_are_refused():
    a = reuse_port_socket("127.0.0.1", 0)
    port = a.getsockname()[1]
    b = reuse_port_socket("127.0.0.1", port)  # a second worker joins the group
    try:
        with pytest.raises(PortInUse, match=f"127.0.0.1:{port} is already in use"):
            check_port("127.0.0.1", port)
    finally:
        a.close()
        b.close()

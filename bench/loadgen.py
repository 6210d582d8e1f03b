"""A small closed-loop HTTP/1.1 load generator for page-loads (asyncio, stdlib only).

A *page-load* is a list of HTTP requests, possibly to several ports (the node's RPC and its
REST API are two servers): a virtual user sends them one after another, each on its own
keep-alive connection per port, and the page-load's latency is from its first request out to
its last answer in. ``concurrency`` virtual users run page-loads back to back for the whole
run; only page-loads that *finish* inside the measured window count, so warm-up and the tail
are left out.

wrk cannot express these (one wrk run talks to one address, and it only knows per-request
latency), so both sides of every workload use this client, and ``bench/run.py`` cross-checks
it against wrk on a one-request workload and records its own CPU time so that a saturated
client would show.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode


@dataclass(frozen=True)
class Call:
    port: int
    data: bytes  # the whole request, head and body
    graphql: bool = False  # a 200 answer carrying "errors" counts as an error


def get(port: int, path: str, params: dict | None = None, headers: dict | None = None) -> Call:
    if params:
        path = f"{path}?{urlencode(params)}"
    head = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\n"
    for k, v in (headers or {}).items():
        head += f"{k}: {v}\r\n"
    return Call(port, (head + "\r\n").encode())


def post_json(port: int, path: str, body: bytes, graphql: bool = False) -> Call:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return Call(port, head.encode() + body, graphql)


class HttpError(Exception):
    pass


class Conn:
    """One keep-alive connection; ``send`` returns (status, bytes received, body)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port, limit=1 << 22)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def send(self, data: bytes) -> tuple[int, int, bytes]:
        for attempt in (0, 1):
            if self.writer is None:
                await self._open()
            try:
                self.writer.write(data)
                return await self._read()
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()  # the server closed an idle keep-alive connection: once more
                if attempt:
                    raise
        raise AssertionError

    async def _read(self) -> tuple[int, int, bytes]:
        r = self.reader
        head = await r.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, chunked, close = None, False, False
        for line in lines[1:]:
            k, _, v = line.partition(b":")
            k = k.strip().lower()
            if k == b"content-length":
                length = int(v)
            elif k == b"transfer-encoding" and b"chunked" in v.lower():
                chunked = True
            elif k == b"connection" and v.strip().lower() == b"close":
                close = True
        n = len(head)
        if chunked:
            parts = []
            while True:
                size_line = await r.readuntil(b"\r\n")
                n += len(size_line)
                size = int(size_line.split(b";")[0], 16)
                chunk = await r.readexactly(size + 2)
                n += len(chunk)
                if size == 0:
                    break
                parts.append(chunk[:-2])
            body = b"".join(parts)
        elif length is not None:
            body = await r.readexactly(length)
            n += length
        else:
            raise HttpError("answer without length")
        if close:
            self.close()
        return status, n, body


@dataclass
class Result:
    concurrency: int
    seconds: float
    page_loads: int = 0
    calls: int = 0
    errors: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    latencies: list[float] = field(default_factory=list)
    client_cpu: float = 0.0  # seconds of this process's CPU during the measured window
    first_error: str | None = None

    def summary(self) -> dict:
        lat = sorted(self.latencies)

        def pct(p: float) -> float | None:
            if not lat:
                return None
            return lat[min(len(lat) - 1, int(round(p / 100 * (len(lat) - 1))))] * 1000

        n = max(1, self.page_loads)
        return {
            "concurrency": self.concurrency,
            "seconds": self.seconds,
            "page_loads": self.page_loads,
            "page_loads_per_s": self.page_loads / self.seconds,
            "calls_per_s": self.calls / self.seconds,
            "p50_ms": pct(50),
            "p99_ms": pct(99),
            "bytes_per_page_load": (self.bytes_in + self.bytes_out) / n,
            "bytes_in_per_page_load": self.bytes_in / n,
            "errors": self.errors,
            "first_error": self.first_error,
            "client_cpu_share": self.client_cpu / self.seconds,  # of one core
        }


async def _run(pages: list[list[Call]], concurrency: int, warmup: float, seconds: float, min_page_loads: int, max_seconds: float) -> Result:
    res = Result(concurrency, seconds)
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    start = t0 + warmup
    # the window is ``seconds`` long, or longer (up to ``max_seconds``) until ``min_page_loads``
    # page-loads have finished in it: slow page-loads at high concurrency still get a sample
    window = {"stop": start + seconds, "cap": start + max(seconds, max_seconds)}
    cpu = {}

    async def vu(i: int) -> None:
        conns: dict[int, Conn] = {}
        k = i * max(1, len(pages) // concurrency)
        try:
            while True:
                now = loop.time()
                if now >= window["stop"] and (res.page_loads >= min_page_loads or now >= window["cap"]):
                    return
                page = pages[k % len(pages)]
                k += 1
                b_in = b_out = err = 0
                msg = None
                for call in page:
                    c = conns.get(call.port)
                    if c is None:
                        c = conns[call.port] = Conn(call.port)
                    status, n, body = await c.send(call.data)
                    b_in += n
                    b_out += len(call.data)
                    if status != 200 or (call.graphql and b'"errors"' in body):
                        err += 1
                        msg = msg or f"HTTP {status}: {body[:300]!r}"
                end = loop.time()
                if end >= window["stop"] and res.page_loads < min_page_loads and end < window["cap"]:
                    window["stop"] = min(window["cap"], end + 1e-3)
                if start <= end < window["stop"]:
                    res.page_loads += 1
                    res.calls += len(page)
                    res.bytes_in += b_in
                    res.bytes_out += b_out
                    res.latencies.append(end - now)
                    if err:
                        res.errors += err
                        res.first_error = res.first_error or msg
        finally:
            for c in conns.values():
                c.close()

    async def cpu_marks() -> None:
        await asyncio.sleep(max(0.0, start - loop.time()))
        cpu["a"] = time.process_time()
        while True:
            now = loop.time()
            if now >= window["stop"] and (res.page_loads >= min_page_loads or now >= window["cap"]):
                break
            await asyncio.sleep(max(0.005, window["stop"] - now))
        cpu["b"] = time.process_time()

    await asyncio.gather(cpu_marks(), *(vu(i) for i in range(concurrency)))
    res.seconds = window["stop"] - start
    res.client_cpu = cpu["b"] - cpu["a"]
    return res


def run(pages: list[list[Call]], concurrency: int, warmup: float, seconds: float, min_page_loads: int = 0, max_seconds: float = 0.0) -> dict:
    """Closed loop: ``concurrency`` users, ``warmup`` s unrecorded, then ``seconds`` measured
    (extended up to ``max_seconds`` until ``min_page_loads`` have finished)."""
    return asyncio.run(_run(pages, concurrency, warmup, seconds, min_page_loads, max_seconds)).summary()


async def _fetch(calls: list[Call]) -> list[tuple[int, bytes]]:
    out = []
    conns: dict[int, Conn] = {}
    try:
        for call in calls:
            c = conns.setdefault(call.port, Conn(call.port))
            status, _, body = await c.send(call.data)
            out.append((status, body))
    finally:
        for c in conns.values():
            c.close()
    return out


def fetch(calls: list[Call]) -> list[tuple[int, bytes]]:
    """One page-load, answers kept (for checking that both sides answer the same thing)."""
    return asyncio.run(_fetch(calls))

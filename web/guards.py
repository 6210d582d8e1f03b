"""Guards in front of GraphQL: request body size and an optional per-client rate limit.

Both answer in GraphQL's error shape with a stable ``extensions.code`` so clients
handle them like any other error.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict

from starlette.types import ASGIApp, Receive, Scope, Send


def _error(message: str, code: str) -> bytes:
    return json.dumps({"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}).encode()


async def _reply(send: Send, status: int, body: bytes, headers: list | None = None) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *(headers or [])],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` (declared or streamed) with 413."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        message = f"request body is larger than {self.max_bytes} bytes"
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                return await _reply(send, 413, _error(message, "LIMIT_EXCEEDED"))
        seen = 0
        too_big = False

        async def limited() -> dict:
            nonlocal seen, too_big
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.max_bytes:
                    too_big = True
                    raise _TooBig()
            return msg

        started = False

        async def tracking_send(msg) -> None:
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        try:
            await self.app(scope, limited, tracking_send)
        except _TooBig:
            if not started:
                await _reply(send, 413, _error(message, "LIMIT_EXCEEDED"))
        except Exception:
            if too_big and not started:
                await _reply(send, 413, _error(message, "LIMIT_EXCEEDED"))
            else:
                raise


class _TooBig(Exception):
    pass


class RateLimit:
    """A token bucket per client address: ``rate`` requests/s, bursts of ``burst``; 429 beyond."""

    def __init__(self, app: ASGIApp, rate: float, burst: int, max_clients: int = 10_000) -> None:
        self.app = app
        self.rate = rate
        self.burst = burst
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def allow(self, client: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        ok = tokens >= 1.0
        self._buckets[client] = (tokens - 1.0 if ok else tokens, now)
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return ok

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") != "/graphql" or self.rate <= 0:
            return await self.app(scope, receive, send)
        client = (scope.get("client") or ("?", 0))[0]
        if not self.allow(client):
            retry = max(1, int(1 / self.rate))
            return await _reply(
                send,
                429,
                _error(f"too many requests from {client}: at most {self.rate:g}/s", "RATE_LIMITED"),
                [(b"retry-after", str(retry).encode())],
            )
        return await self.app(scope, receive, send)

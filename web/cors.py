"""Browser apps on other origins: CORS for HTTP, the same origins for WebSocket handshakes.

Off by default, as the node's own RPC: a page on another origin can neither read answers nor
open a subscription socket until the operator names its origin (``--cors-origin``).
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.http.websocket_origin import normalize_allowed_origins

#: answer headers a page may read: what caches and conditional requests need
EXPOSED = ("ETag", "Cache-Control")


class InvalidOrigin(ValueError):
    """A ``--cors-origin`` that is neither ``*`` nor scheme://host[:port]."""


def normalize(origins: Iterable[str]) -> tuple[str, ...]:
    """Origins as browsers send them (lower case, no default port); ``*`` for any."""
    try:
        return tuple(sorted(normalize_allowed_origins(tuple(origins))))
    except ValueError as e:
        raise InvalidOrigin(str(e).replace("allowed_origins", "--cors-origin")) from None


class CORS(CORSMiddleware):
    """Starlette's CORS middleware, plus ``Vary: Origin`` on every answer when only some origins
    are allowed: a shared cache (deploy/nginx) must not hand one origin's answer to another."""

    def __init__(self, app: ASGIApp, origins: tuple[str, ...]) -> None:
        super().__init__(
            app,
            allow_origins=list(origins),
            allow_methods=["GET", "POST"],
            allow_headers=["*"],
            expose_headers=list(EXPOSED),
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.allow_all_origins:
            return await super().__call__(scope, receive, send)

        async def vary_on_origin(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                tokens = {t.strip().lower() for v in headers.getlist("vary") for t in v.split(",")}
                if "origin" not in tokens:
                    headers.add_vary_header("Origin")
            await send(message)

        await super().__call__(scope, receive, vary_on_origin)

"""The lean path for GraphQL over HTTP: plain ASGI in front of Strawberry's view.

An explorer's request is a POST (or a GET) of one query the server has seen before, or
one of the same shape. For those, the framework's per-request machinery (request and
response objects, the view's parsing, a dozen extension hooks around graphql-core)
costs more than the answer (docs/benchmarks.md). Here such a request is read straight
from ASGI, run through its compiled plan (schema/plans.py), and answered with the same
bytes and headers the full path would give: the same JSON, Cache-Control and ETag (304
on a match), media type, limits, metrics and request-log line.

Everything else goes on to Strawberry's view unchanged, with the body it was sent:
batches, WebSockets, GraphiQL, documents not yet validated or not compiled, and any
request whose plan bails out (an error, a limit, a null where none may be), so every
error is the full path's own.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

import orjson
from strawberry.types.graphql import OperationType

from cometgraph.resolvers.context import Context
from cometgraph.schema.compiled import Bail
from cometgraph.schema.plans import Plans

from .cache import PersistedQueries, PersistedQueryMismatch, PersistedQueryNotFound, cache_control, etag, etag_matches
from .jsonbody import dumps
from .media import content_type, negotiate

Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]


class _Operation:
    """What the request log and the metrics read of an operation (as of Strawberry's)."""

    __slots__ = ("operation_name", "operation_type", "result")

    def __init__(self, name: str | None) -> None:
        self.operation_name = name
        self.operation_type = OperationType.QUERY
        self.result = None


class FastGraphQL:
    """ASGI middleware: answers what a compiled plan can, passes the rest to ``app``."""

    def __init__(
        self, app: Any, *, plans: Plans, context: Callable[[], Context], persisted: PersistedQueries, metrics: Any, timeout: float, path: str = "/graphql"
    ) -> None:
        self.app = app
        self.plans = plans
        self.context = context
        self.persisted = persisted
        self.metrics = metrics
        self.timeout = timeout
        self.path = path

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            return await self.app(scope, receive, send)
        method = scope["method"]
        accept = ctype = none_match = None
        for name, value in scope["headers"]:
            if name == b"accept":
                accept = value.decode("latin-1")
            elif name == b"content-type":
                ctype = value
            elif name == b"if-none-match":
                none_match = value.decode("latin-1")
        if accept is not None and ("multipart" in accept or "event-stream" in accept):
            return await self.app(scope, receive, send)  # incremental delivery: Strawberry's
        body = b""
        if method == "POST":
            if ctype is None or b"application/json" not in ctype:
                return await self.app(scope, receive, send)
            body = await _read(receive)
            request = _from_json(body)
        elif method == "GET":
            request = _from_query_string(scope.get("query_string", b""))
        else:
            return await self.app(scope, receive, send)
        data = None
        if request is not None:
            data = await self._answer(*request)
        if data is None:
            return await self.app(scope, _replay(body, receive) if method == "POST" else receive, send)
        await self._respond(send, data[0], data[1], negotiate(accept), none_match)

    async def _answer(self, query: Any, variables: Any, operation_name: Any, extensions: Any) -> tuple[bytes, bool] | None:
        """The answer's body and whether it may be cached for good; None: the full path's."""
        if not (extensions is None or isinstance(extensions, dict)):
            return None
        if not (query is None or isinstance(query, str)) or not (operation_name is None or isinstance(operation_name, str)):
            return None
        if not (variables is None or isinstance(variables, dict)):
            return None
        try:
            query = self.persisted.resolve(query, extensions)
        except (PersistedQueryNotFound, PersistedQueryMismatch):
            return None
        if not query:
            return None
        found = self.plans.lookup(query, operation_name)
        if found is None:
            return None
        plan, literals = found
        request = self.context()
        ctx = request.fork()
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout):
                out = await self.plans.execute(plan, literals, ctx, variables)
        except TimeoutError:
            return _timeout_body(self.timeout), False  # the full path's TIMEOUT answer
        except Bail:
            return None
        except Exception:  # noqa: BLE001 - a resolver's error: the full path answers it, located and coded
            return None
        finally:
            ctx.release()
        body = dumps({"data": out})
        try:
            self.metrics.observe_operation(_Operation(operation_name or plan.name), time.perf_counter() - started)
        except Exception:  # noqa: BLE001 - accounting must never break an answer
            pass
        return body, request.immutable

    async def _respond(self, send: Send, body: bytes, immutable: bool, media: str, none_match: str | None) -> None:
        ok = b'"errors"' not in body
        control = cache_control(immutable, ok).encode()
        if not ok:
            tag = None
        else:
            tag = etag(body)
            if etag_matches(none_match, tag):
                await send({"type": "http.response.start", "status": 304, "headers": [(b"etag", tag.encode()), (b"cache-control", control)]})
                await send({"type": "http.response.body", "body": b""})
                return
        headers = [(b"content-length", str(len(body)).encode()), (b"content-type", content_type(media).encode()), (b"cache-control", control)]
        if tag is not None:
            headers.append((b"etag", tag.encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _timeout_body(seconds: float) -> bytes:
    message = f"the query ran longer than {seconds:g} s and was stopped: ask for less"
    return dumps({"data": None, "errors": [{"message": message, "extensions": {"code": "TIMEOUT"}}]})


async def _read(receive: Receive) -> bytes:
    chunks = []
    while True:
        msg = await receive()
        if msg["type"] != "http.request":
            break
        chunks.append(msg.get("body", b""))
        if not msg.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """``receive`` for the full path: the body already read, then whatever comes next."""
    sent = False

    async def again() -> dict:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


def _from_json(body: bytes) -> tuple[Any, Any, Any, Any] | None:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None  # a batch, or not an operation: the full path's
    return data.get("query"), data.get("variables"), data.get("operationName"), data.get("extensions")


def _from_query_string(raw: bytes) -> tuple[Any, Any, Any, Any] | None:
    params = dict(parse_qsl(raw.decode("latin-1"), keep_blank_values=True))
    if "query" not in params and "extensions" not in params:
        return None  # GraphiQL's page, or nothing to run
    try:
        variables = orjson.loads(params["variables"]) if params.get("variables") else None
        extensions = orjson.loads(params["extensions"]) if params.get("extensions") else None
    except orjson.JSONDecodeError:
        return None
    if "variables" in params and not params["variables"] or "extensions" in params and not params["extensions"]:
        return None
    return params.get("query"), variables, params.get("operationName"), extensions

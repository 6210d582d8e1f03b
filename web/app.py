"""The Starlette application: GraphQL (HTTP, WebSocket subscriptions, GraphiQL), health, metrics."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from pathlib import Path

from cross_web import HTTPException
from graphql.error import GraphQLError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.requests import Request as StarletteRequest
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from cometgraph.resolvers.context import Context
from cometgraph.resolvers.live import Broadcaster
from cometgraph.schema.limits import Limits
from cometgraph.schema.plans import Plans
from cometgraph.schema.root import build_schema
from cometgraph.storage.chain import Chain
from cometgraph.web.explorer import explorer_routes

from .cache import PersistedQueries, PersistedQueryMismatch, PersistedQueryNotFound, cache_control, etag, etag_matches
from .cors import CORS, normalize
from .fast import FastGraphQL
from .graphiql import ASSETS as GRAPHIQL_ASSETS
from .graphiql import GraphiQLPage
from .guards import BodyLimit, RateLimit
from .jsonbody import dumps
from .legacy_ws import AnyOperationGraphQLWSHandler
from .live import Refresher
from .media import GRAPHQL_RESPONSE, JSON, content_type, negotiate
from .metrics import Metrics

log = logging.getLogger(__name__)


class GraphQLApp(GraphQL):
    graphql_ws_handler_class = AnyOperationGraphQLWSHandler

    def __init__(self, chain: Chain, broadcaster: Broadcaster, metrics: Metrics, limits: Limits, ide: GraphiQLPage | None = None, **kwargs) -> None:
        super().__init__(
            build_schema((metrics.extension(),), limits),
            graphql_ide="graphiql" if ide is not None else None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
            max_subscriptions_per_connection=20,
            **kwargs,
        )
        self.chain = chain
        self.broadcaster = broadcaster
        self.metrics = metrics
        self.limits = limits
        self.persisted = PersistedQueries()
        self.ide = ide
        #: compiled plans of the texts this view validated (web/fast.py answers with them)
        self.plans = Plans(self.schema, limits)

    def encode_json(self, data) -> str:
        """Text (WebSocket messages are text frames), the same JSON as HTTP answers (create_response)."""
        return dumps(data).decode()

    def create_response(self, response_data, sub_response) -> Response:
        response = Response(dumps(response_data), status_code=200, media_type="application/json")
        response.headers.raw.extend(sub_response.headers.raw)
        if sub_response.background:
            response.background = sub_response.background
        if sub_response.status_code:
            response.status_code = sub_response.status_code
        return response

    def new_context(self) -> Context:
        """An HTTP request's context: its operations (a batch) share one object budget."""
        return Context(chain=self.chain, live=self.broadcaster, on_batch=self.metrics.observe_batch, nodes_left=self.limits.max_nodes)

    @property
    def graphql_ide_html(self) -> str:
        """Strawberry's page, pointed at the assets served here (web/graphiql.py)."""
        return self.ide.html

    async def __call__(self, scope, receive, send) -> None:
        """As Strawberry's, plus: malformed requests answer in GraphQL's error shape, persisted
        queries (APQ), and cache headers from what the answer is about (see web/cache.py)."""
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        request = StarletteRequest(scope=scope, receive=receive)
        media = request.state.media = negotiate(request.headers.get("accept"))
        request.state.request_errors = []  # per operation: did it fail before execution? (process_result)
        try:
            response = await self.run(request)
        except HTTPException as e:
            if e.status_code == 404 and self.ide is None:  # a browser's GET with the IDE off
                response = _error_response(NO_IDE, "NOT_FOUND", 404, media)
            else:
                response = _error_response(e.reason, "BAD_REQUEST", e.status_code, media)
        except PersistedQueryNotFound:
            response = _error_response("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND", 200, media)
        except PersistedQueryMismatch as e:
            response = _error_response(str(e), "BAD_REQUEST", 400, media)
        except BatchRefused as e:
            response = _error_response(str(e), e.code, 400, media)
        # the request's Context (get_context) knows whether every answer was about finished heights
        ctx: Context | None = getattr(request.state, "context", None)
        if media == GRAPHQL_RESPONSE and response.media_type == JSON:
            response.headers["content-type"] = content_type(media)
            if request.state.request_errors == [True]:  # one operation, refused before it ran
                response.status_code = 400
        if response.media_type != "text/html" and getattr(response, "body", None) is not None:
            ok = response.status_code == 200 and b'"errors"' not in response.body
            response.headers["cache-control"] = cache_control(bool(ctx is not None and ctx.immutable), ok)
            if ok:
                tag = etag(response.body)
                response.headers["etag"] = tag
                if etag_matches(request.headers.get("if-none-match"), tag):
                    response = Response(status_code=304, headers={"etag": tag, "cache-control": response.headers["cache-control"]})
        await response(scope, receive, send)

    async def process_result(self, request, result):
        """A request error (before execution) has no ``data`` entry under graphql-response+json."""
        out = await super().process_result(request, result)
        refused = isinstance(result, PreExecutionError)
        request.state.request_errors.append(refused)
        if refused and request.state.media == GRAPHQL_RESPONSE:
            out.pop("data", None)
        return out

    def should_render_graphql_ide(self, request) -> bool:
        """GraphiQL for a browser's plain GET, not for a persisted-query GET (no ``query``)."""
        return super().should_render_graphql_ide(request) and request.query_params.get("extensions") is None

    async def parse_http_body(self, request):
        data = await super().parse_http_body(request)
        for item in data if isinstance(data, list) else (data,):
            item.query = self.persisted.resolve(item.query, item.extensions)
        return data

    def _validate_batch_request(self, request_data, protocol) -> None:
        """A batch (a JSON array of operations) holds 1 to ``limits.max_batch`` operation objects."""
        if self.limits.max_batch <= 0:
            raise BatchRefused("this server does not take batched requests (a JSON array): send one operation per request", "BAD_REQUEST")
        if len(request_data) > self.limits.max_batch:
            raise BatchRefused(f"a batch may hold at most {self.limits.max_batch} operations; this one has {len(request_data)}", "LIMIT_EXCEEDED")
        if not request_data or not all(isinstance(item, dict) for item in request_data):
            raise BatchRefused("a batch is a non-empty JSON array of operation objects", "BAD_REQUEST")
        super()._validate_batch_request(request_data, protocol)

    def parse_json(self, data):
        """Any body that is not JSON (bad UTF-8 included) is the client's error, not a 500."""
        try:
            return super().parse_json(data)
        except (UnicodeDecodeError, ValueError) as e:
            raise HTTPException(400, "Unable to parse request body as JSON") from e

    async def execute_operation(self, request, *args, request_data, **kwargs):
        request.state.batch = isinstance(request_data, list)
        return await super().execute_operation(request, *args, request_data=request_data, **kwargs)

    async def execute_single(self, *args, **kwargs):
        """Each HTTP operation (each one of a batch too) gets ``limits.timeout_seconds``; then it
        is cancelled with a clear error. In a batch, an operation Strawberry refuses outright
        (an unknown ``operationName``, no query) is that operation's error, not the batch's."""
        try:
            result = await asyncio.wait_for(super().execute_single(*args, **kwargs), self.limits.timeout_seconds)
            data = kwargs.get("request_data")
            if data is not None and isinstance(data.query, str) and not getattr(kwargs["request"].state, "batch", False):
                self.plans.learn(data.query, data.operation_name)  # the next request of this text (or shape) runs compiled
            return result
        except HTTPException as e:
            if not getattr(kwargs["request"].state, "batch", False):
                raise
            return PreExecutionError(data=None, errors=[GraphQLError(e.reason, extensions={"code": "BAD_REQUEST"})])
        except TimeoutError:
            return ExecutionResult(
                data=None,
                errors=[
                    GraphQLError(
                        f"the query ran longer than {self.limits.timeout_seconds:g} s and was stopped: ask for less",
                        extensions={"code": "TIMEOUT"},
                    )
                ],
            )

    async def get_context(self, request, response) -> Context:
        # an HTTP request's operations (a batch) share one object budget; a connection's do not
        if isinstance(request, WebSocket):
            ctx = Context(chain=self.chain, live=self.broadcaster, on_batch=self.metrics.observe_batch)
        else:
            ctx = self.new_context()
        request.state.context = ctx  # read back in __call__ to choose the cache headers
        return ctx


NO_IDE = "GraphiQL is off: this server refuses schema introspection (--no-introspection); POST queries to /graphql"


class BatchRefused(Exception):
    """A batched request this server will not run (too many operations, malformed, batches off)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def _error_response(message: str, code: str, status: int, media: str = JSON) -> JSONResponse:
    """A request error; under graphql-response+json without ``data`` and never 2xx."""
    body: dict = {"errors": [{"message": message, "extensions": {"code": code}}]}
    if media == JSON:
        return JSONResponse({"data": None, **body}, status_code=status)
    return JSONResponse(body, status_code=max(status, 400), media_type=content_type(media))


def ready_age_bound(refresh: float) -> float:
    """How old a snapshot may be before /readyz says no: ten refresh periods, at least 30 s;
    no bound for a stopped node or an archive (refresh 0)."""
    return max(30.0, 10 * refresh) if refresh > 0 else math.inf


def create_app(
    chain: Chain,
    refresh: float = 0.0,
    own_chain: bool = True,
    watch: bool = True,
    queue_size: int = 64,
    limits: Limits | None = None,
    graphiql_assets: Path = GRAPHIQL_ASSETS,
    cors_origins: tuple[str, ...] = (),
    metrics_dir: str | None = None,
) -> Starlette:
    """Build the app around an opened ``chain``; with ``own_chain`` it is closed on shutdown.

    With ``refresh`` > 0 the snapshot follows the node (file notifications when
    ``watch``, the interval as fallback) and subscriptions receive new heights. GraphiQL is
    served (from ``graphiql_assets``, else the CDN) only while introspection is allowed: without
    it the IDE could not work. ``cors_origins`` (normalized, see web/cors.py) may read answers and open subscriptions
    from browser pages on those origins; none by default. ``metrics_dir``: the directory the
    workers of ``serve --workers N`` share their metrics in (web/metrics.py).
    """
    limits = limits or Limits()
    cors_origins = normalize(cors_origins)
    metrics = Metrics(chain, multiprocess_dir=metrics_dir)
    broadcaster = Broadcaster(maxsize=queue_size, observer=metrics)
    refresher = Refresher(chain, broadcaster, refresh, watch=watch, metrics=metrics) if refresh > 0 else None
    max_age = ready_age_bound(refresh)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        # publishers on other threads hand heights to subscribers through this loop
        app.state.loop = asyncio.get_running_loop()
        task = asyncio.create_task(refresher.run()) if refresher is not None else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if own_chain:
                chain.close()

    async def healthz(request: Request):
        return PlainTextResponse("ok")

    async def readyz(request: Request):
        snap = chain.holder.current
        if snap is None or snap.closed:
            return JSONResponse({"ready": False, "reason": "no snapshot is open"}, status_code=503)
        age = time.time() - snap.taken_at
        # an unchanged node needs no new snapshot: age counts from the last refresh that found nothing new
        if refresher is not None and refresher.refreshes and age > max_age and chain.holder.changed():
            return JSONResponse({"ready": False, "reason": f"snapshot is {age:.0f} s old (bound {max_age:.0f} s)"}, status_code=503)
        return JSONResponse({"ready": True, "snapshot_height": snap.readers.latest_height, "snapshot_age": round(age, 3)})

    async def metrics_endpoint(request: Request):
        return Response(metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    ide = GraphiQLPage(graphiql_assets) if limits.introspection else None
    if ide is not None:
        ide.report()
    gql = GraphQLApp(chain, broadcaster, metrics, limits, ide=ide, allowed_origins=cors_origins)
    routes = [
        *(ide.routes() if ide is not None else ()),
        Route("/graphql", gql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", gql),
        Route("/healthz", healthz),
        *explorer_routes(),
        Route("/readyz", readyz),
        Route("/metrics", metrics_endpoint),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[
            # outermost: refusals (413, 429) must reach the page too
            *([Middleware(CORS, origins=cors_origins)] if cors_origins else []),
            Middleware(BodyLimit, max_bytes=limits.max_body_bytes),
            Middleware(RateLimit, rate=limits.rate_limit, burst=limits.rate_burst),
            # innermost: what a compiled plan answers never reaches the router or Strawberry
            Middleware(FastGraphQL, plans=gql.plans, context=gql.new_context, persisted=gql.persisted, metrics=metrics, timeout=limits.timeout_seconds),
        ],
    )
    app.state.chain = chain
    app.state.broadcaster = broadcaster
    app.state.refresher = refresher
    app.state.metrics = metrics
    app.state.graphql = gql
    return app

"""The Starlette application: GraphQL (HTTP, WebSocket subscriptions, GraphiQL), health, metrics."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time

from cross_web import HTTPException
from graphql.error import GraphQLError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.requests import Request as StarletteRequest
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.types import ExecutionResult

from cometgraph.resolvers.context import Context
from cometgraph.resolvers.live import Broadcaster
from cometgraph.schema.limits import Limits
from cometgraph.schema.root import build_schema
from cometgraph.storage.chain import Chain
from cometgraph.web.explorer import explorer_routes

from .guards import BodyLimit, RateLimit
from .live import Refresher
from .metrics import Metrics

log = logging.getLogger(__name__)


class GraphQLApp(GraphQL):
    def __init__(self, chain: Chain, broadcaster: Broadcaster, metrics: Metrics, limits: Limits, **kwargs) -> None:
        super().__init__(
            build_schema((metrics.extension(),), limits),
            graphql_ide="graphiql",
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
            max_subscriptions_per_connection=20,
            **kwargs,
        )
        self.chain = chain
        self.broadcaster = broadcaster
        self.metrics = metrics
        self.limits = limits

    async def __call__(self, scope, receive, send) -> None:
        """As Strawberry's, but a malformed HTTP request is answered in GraphQL's error shape."""
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        try:
            response = await self.run(StarletteRequest(scope=scope, receive=receive))
        except HTTPException as e:
            response = JSONResponse(
                {"data": None, "errors": [{"message": e.reason, "extensions": {"code": "BAD_REQUEST"}}]},
                status_code=e.status_code,
            )
        await response(scope, receive, send)

    def parse_json(self, data):
        """Any body that is not JSON (bad UTF-8 included) is the client's error, not a 500."""
        try:
            return super().parse_json(data)
        except (UnicodeDecodeError, ValueError) as e:
            raise HTTPException(400, "Unable to parse request body as JSON") from e

    async def execute_operation(self, *args, **kwargs):
        """Each HTTP operation gets ``limits.timeout_seconds``; then it is cancelled with a clear error."""
        try:
            return await asyncio.wait_for(super().execute_operation(*args, **kwargs), self.limits.timeout_seconds)
        except asyncio.TimeoutError:
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
        return Context(chain=self.chain, live=self.broadcaster, on_batch=self.metrics.observe_batch)


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
) -> Starlette:
    """Build the app around an opened ``chain``; with ``own_chain`` it is closed on shutdown.

    With ``refresh`` > 0 the snapshot follows the node (file notifications when
    ``watch``, the interval as fallback) and subscriptions receive new heights.
    """
    limits = limits or Limits()
    broadcaster = Broadcaster(maxsize=queue_size)
    metrics = Metrics(chain)
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

    gql = GraphQLApp(chain, broadcaster, metrics, limits)
    routes = [
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
            Middleware(BodyLimit, max_bytes=limits.max_body_bytes),
            Middleware(RateLimit, rate=limits.rate_limit, burst=limits.rate_burst),
        ],
    )
    app.state.chain = chain
    app.state.broadcaster = broadcaster
    app.state.refresher = refresher
    app.state.metrics = metrics
    return app

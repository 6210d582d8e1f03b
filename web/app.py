"""The Starlette application: GraphQL (with GraphiQL) and health, over one Chain."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL

from cometgraph.resolvers.context import Context
from cometgraph.schema.root import build_schema
from cometgraph.storage.chain import Chain

log = logging.getLogger(__name__)


class GraphQLApp(GraphQL):
    def __init__(self, chain: Chain, **kwargs) -> None:
        super().__init__(build_schema(), graphql_ide="graphiql", **kwargs)
        self.chain = chain

    async def get_context(self, request, response) -> Context:
        return Context(chain=self.chain)


async def _refresh_loop(chain: Chain, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await run_in_threadpool(chain.refresh)
        except Exception:  # a failed refresh keeps the old snapshot serving
            log.exception("snapshot refresh failed; still serving the previous one")


def create_app(chain: Chain, refresh: float = 0.0, own_chain: bool = True) -> Starlette:
    """Build the app around an opened ``chain``; with ``own_chain`` it is closed on shutdown."""

    @contextlib.asynccontextmanager
    async def lifespan(app):
        task = asyncio.create_task(_refresh_loop(chain, refresh)) if refresh > 0 else None
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

    gql = GraphQLApp(chain)
    routes = [
        Route("/graphql", gql, methods=["GET", "POST"]),
        Route("/healthz", healthz),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.chain = chain
    return app

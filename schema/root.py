"""The Schema object and the extensions every operation runs with."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.extensions import SchemaExtension
from strawberry.types import Info

from cometgraph.resolvers import status as status_resolvers

from .scalars import SCALARS
from .status import Status


class PinSnapshot(SchemaExtension):
    """One operation reads one snapshot: pinned lazily, released when it ends."""

    def on_operation(self):
        yield
        ctx = self.execution_context.context
        if ctx is not None and hasattr(ctx, "release"):
            ctx.release()


@strawberry.type
class Query:
    @strawberry.field(description="Chain id, heights and node version of the current snapshot.")
    async def status(self, info: Info) -> Status:
        return Status.from_model(await status_resolvers.status(info.context))


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(query=Query, extensions=[PinSnapshot], config=StrawberryConfig(scalar_map=SCALARS))

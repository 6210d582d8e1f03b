"""The legacy ``graphql-ws`` WebSocket subprotocol (Apollo's subscriptions-transport-ws) for
every operation, not only subscriptions.

Strawberry's handler runs each ``start`` message as a subscription, so a query sent over this
protocol failed with an internal error; ``gql``'s WebSocket transport offers this protocol first
by default. The newer ``graphql-transport-ws`` handler already runs any operation through
``Schema.stream``; this does the same here.
"""

from __future__ import annotations

import asyncio

from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import CompleteMessage, ErrorMessage
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

#: what a ``start`` message may run (the schema has no mutations; they would be allowed too)
ANY_OPERATION = (OperationType.QUERY, OperationType.MUTATION, OperationType.SUBSCRIPTION)


class AnyOperationGraphQLWSHandler(BaseGraphQLWSHandler):
    async def handle_async_results(self, operation_id: str, query: str, operation_name, variables) -> None:
        """As Strawberry's, with ``Schema.stream`` (any operation) instead of ``subscribe``."""
        try:
            result_source = await self.schema.stream(
                query=query,
                variable_values=variables,
                operation_name=operation_name,
                context_value=self.context,
                root_value=self.root_value,
                allowed_operation_types=ANY_OPERATION,
            )
            self.subscriptions[operation_id] = result_source
            first = True
            async for result in result_source:
                if first and isinstance(result, PreExecutionError):
                    await self.send_message(ErrorMessage(type="error", id=operation_id, payload=result.errors[0].formatted))
                    return
                await self.send_data_message(result, operation_id)
                first = False
            await self.send_message(CompleteMessage(type="complete", id=operation_id))
        except asyncio.CancelledError:
            await self.send_message(CompleteMessage(type="complete", id=operation_id))
        finally:
            self.subscriptions.pop(operation_id, None)
            self.tasks.pop(operation_id, None)

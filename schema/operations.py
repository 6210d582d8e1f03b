"""Which operation of a document runs: the GraphQL spec's rule, not "the first one".

Strawberry fills in a missing ``operationName`` with the document's first operation, so a
document holding several operations sent without a name ran its first one. The spec
(GetOperation) says that is a request error: the client must name the operation to run.
"""

from __future__ import annotations

from graphql import OperationDefinitionNode
from graphql.error import GraphQLError
from strawberry.extensions import SchemaExtension

_UNKNOWN = object()
MESSAGE = "Must provide operation name if query contains multiple operations."


class OneOperationOrNamed(SchemaExtension):
    """Refuse, before execution, a multi-operation document sent without ``operationName``."""

    def on_execute(self):
        ctx = self.execution_context
        doc = ctx.graphql_document
        # the name the request gave (ExecutionContext.operation_name falls back to the first's);
        # tests/web/test_protocols.py fails should Strawberry stop keeping it there
        given = getattr(ctx, "_provided_operation_name", _UNKNOWN)
        if doc is not None and given is None:
            operations = sum(isinstance(d, OperationDefinitionNode) for d in doc.definitions)
            if operations > 1:
                raise GraphQLError(MESSAGE, extensions={"code": "BAD_REQUEST"})
        yield

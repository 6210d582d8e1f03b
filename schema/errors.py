"""Every error reaches the client with a stable ``extensions.code`` and a message that
says what to fix; internal details (paths, stack traces) stay in the log."""

from __future__ import annotations

import logging

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.error import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionResult

from cometgraph.storage.errors import CometgraphError, CorruptRecord

log = logging.getLogger("cometgraph.errors")

INTERNAL_MESSAGE = "internal error: the server could not answer this field; the details are in its log"


def error_code(error: GraphQLError) -> str:
    """The code ``classify`` gives this error, without changing or logging anything."""
    original = error.original_error
    if original is None:
        return (error.extensions or {}).get("code") or ("GRAPHQL_PARSE_FAILED" if error.message.startswith("Syntax Error") else "GRAPHQL_VALIDATION_FAILED")
    if isinstance(original, CometgraphError):
        return original.code
    if isinstance(original, (ValueError, TypeError)) and error.path is None:
        return "BAD_INPUT"
    return "INTERNAL"


def classify(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if original is None:
        # parse and validation errors (and limit extensions) carry no original error
        code = (error.extensions or {}).get("code") or ("GRAPHQL_PARSE_FAILED" if error.message.startswith("Syntax Error") else "GRAPHQL_VALIDATION_FAILED")
        return _with(error, error.message, code)
    if isinstance(original, CometgraphError):
        if isinstance(original, CorruptRecord):
            log.error("corrupt data: %s", original)
            return _with(error, str(original), original.code)
        return _with(error, str(original), original.code)
    if isinstance(original, (ValueError, TypeError)) and error.path is None:
        # variable coercion (e.g. a BigInt that is not a number)
        return _with(error, error.message, "BAD_INPUT")
    log.error("internal error at %s", error.path, exc_info=original)
    return _with(error, INTERNAL_MESSAGE, "INTERNAL")


def _with(error: GraphQLError, message: str, code: str) -> GraphQLError:
    ext = dict(error.extensions or {})
    ext["code"] = code
    return GraphQLError(
        message=message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=ext,
    )


class ErrorCodes(SchemaExtension):
    def on_operation(self):
        yield
        _classify_result(self.execution_context.result)

    def on_stream_result(self, result):
        """Each subscription event (and its errors) passes through here."""
        _classify_result(result)
        yield


def _classify_result(result) -> None:
    if isinstance(result, (GraphQLExecutionResult, ExecutionResult)) and result.errors:
        result.errors = [classify(e) for e in result.errors]

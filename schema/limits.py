"""Cost limits checked before a query runs, and the settings every limit reads.

Depth, aliases and tokens use Strawberry's validators; the node estimate is ours: it
multiplies page sizes (``first`` or ``last``, or the default page) down each path of connection
fields and assumes ``list_multiplier`` items for other list fields, so a query that
could return more than ``max_nodes`` objects is refused before it reads anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import FieldNode, FragmentSpreadNode, GraphQLList, GraphQLNonNull, InlineFragmentNode, OperationDefinitionNode
from graphql.error import GraphQLError
from strawberry.extensions import SchemaExtension

from cometgraph.resolvers.paging import DEFAULT_PAGE


@dataclass(frozen=True)
class Limits:
    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5000
    max_nodes: int = 50_000
    list_multiplier: int = 10
    max_body_bytes: int = 256 * 1024
    timeout_seconds: float = 15.0
    introspection: bool = True
    #: requests per second per client address; 0 = off
    rate_limit: float = 0.0
    rate_burst: int = 20
    #: operations in one batched request (a JSON array, as Apollo's BatchHttpLink sends); 0 = no batches
    max_batch: int = 10


def _unwrap(t):
    is_list = False
    while isinstance(t, (GraphQLNonNull, GraphQLList)):
        if isinstance(t, GraphQLList):
            is_list = True
        t = t.of_type
    return t, is_list


def estimate_nodes(schema, document, operation_name, variables, limits: Limits, literal=None) -> int:
    """The worst-case objects of the operation(s) ``operation_name`` picks (all when None).

    ``literal`` maps a literal value node to the one to read instead (schema/compiled.py:
    a text of a known shape, read through the first text's document)."""
    counter = _Counter(schema, document, variables or {}, limits, literal)
    total = 0
    for op in document.definitions:
        if isinstance(op, OperationDefinitionNode) and (operation_name in (None, op.name and op.name.value)):
            total += counter.count(op.selection_set, schema.get_root_type(op.operation), 1, 0, None)
    return total


def too_many(total: int, limits: Limits) -> GraphQLError | None:
    if total <= limits.max_nodes:
        return None
    return GraphQLError(
        f"this query could return about {total:,} objects; the limit is {limits.max_nodes:,}: ask for smaller pages (first) or fewer nested lists",
        extensions={"code": "LIMIT_EXCEEDED"},
    )


def charge(request, total: int, limits: Limits) -> GraphQLError | None:
    """The operations of one HTTP request (a batch) share one ``max_nodes`` budget, else a
    batch of N operations could ask for N times the limit. The request's context holds what
    is left (``nodes_left``; None where there is no shared budget, as on a WebSocket)."""
    left = getattr(request, "nodes_left", None)
    if left is None:
        return None
    if total > left:
        return GraphQLError(
            f"this query could return about {total:,} objects and the batch's earlier operations "
            f"already used {limits.max_nodes - left:,} of the {limits.max_nodes:,} a request may return: "
            "send fewer or smaller operations per batch",
            extensions={"code": "LIMIT_EXCEEDED"},
        )
    request.nodes_left = left - total
    return None


class NodeEstimate(SchemaExtension):
    """Refuse, before execution, a query whose worst-case result exceeds ``max_nodes`` objects."""

    limits: Limits = Limits()

    def on_execute(self):
        ctx = self.execution_context
        doc = ctx.graphql_document
        if doc is not None and ctx.operation_type is not None:
            total = estimate_nodes(ctx.schema._schema, doc, ctx.operation_name, ctx.variables, self.limits)
            error = too_many(total, self.limits) or charge(getattr(ctx.context, "parent", None), total, self.limits)
            if error is not None:
                raise error
        yield


class _Counter:
    def __init__(self, schema, document, variables, limits: Limits, literal) -> None:
        self.fragments = {d.name.value: d for d in document.definitions if getattr(d, "kind", "") == "fragment_definition"}
        self.variables, self.limits, self.literal = variables, limits, literal

    def count(self, selection_set, parent, mult: int, depth: int, page: int | None) -> int:
        """Objects under ``selection_set``; ``page`` is the page size when ``parent`` is a connection."""
        if selection_set is None or depth > 50:
            return 0
        total = 0
        for sel in selection_set.selections:
            if isinstance(sel, FragmentSpreadNode):
                frag = self.fragments.get(sel.name.value)
                if frag is not None:
                    total += self.count(frag.selection_set, parent, mult, depth + 1, page)
                continue
            if isinstance(sel, InlineFragmentNode):
                total += self.count(sel.selection_set, parent, mult, depth + 1, page)
                continue
            if not isinstance(sel, FieldNode) or not hasattr(parent, "fields"):
                continue
            field = parent.fields.get(sel.name.value)
            if field is None:
                continue
            inner, is_list = _unwrap(field.type)
            here, child_page = mult, None
            if "first" in field.args:  # a connection: its page size (first, or last paging back) counts its edges/nodes
                first = self.first(sel)
                child_page = max(first, 0) if first is not None else DEFAULT_PAGE
            elif is_list:
                here = mult * (page if page is not None and sel.name.value in ("edges", "nodes") else self.limits.list_multiplier)
            if sel.selection_set is not None:
                total += here + self.count(sel.selection_set, inner, here, depth + 1, child_page)
        return total

    def first(self, sel: FieldNode) -> int | None:
        """The page size asked: the largest of ``first`` and ``last`` (giving both is refused when it runs)."""
        sizes = []
        for arg in sel.arguments or ():
            if arg.name.value not in ("first", "last"):
                continue
            v = arg.value if self.literal is None else self.literal(arg.value)
            if v.kind == "int_value":
                sizes.append(int(v.value))
            elif v.kind == "variable":
                val = self.variables.get(v.name.value)
                if isinstance(val, int):
                    sizes.append(val)
        return max(sizes) if sizes else None


def node_estimate(limits: Limits) -> type[NodeEstimate]:
    return type("NodeEstimate", (NodeEstimate,), {"limits": limits})

"""Compiled plans by query text and by shape, and one operation run through them.

The web layer asks ``lookup`` for a request's plan; None means graphql-core answers (the
text was never validated here, or it holds something plans do not cover). A text is
compiled after graphql-core has parsed and validated it once without errors (``learn``,
from the document cache of schema/doccache.py), so a plan never sees an invalid document.
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import Node

from cometgraph.storage.lru import LRU

from .compiled import Bail, Plan, Unsupported, literal_nodes
from .doccache import MAX_CHARS, shape_and_literals
from .limits import Limits, charge, estimate_nodes, too_many

#: plans kept by text and by shape (each a few kB of closures over its document)
SIZE = 512


class _NotCompiled:
    """A text (or shape) plans do not cover: remembered so it is not compiled again."""


NOT_COMPILED = _NotCompiled()


class Plans:
    def __init__(self, schema: strawberry.Schema, limits: Limits, size: int = SIZE) -> None:
        self.schema = schema._schema
        self.limits = limits
        self._documents = schema.document_store
        self._by_text: LRU[Plan | _NotCompiled] = LRU(size)
        self._by_shape: LRU[Plan] = LRU(size)
        #: an extension that wraps every resolver (Strawberry middleware) rules plans out
        self.enabled = not any(_wraps_resolvers(e) for e in schema.extensions)
        #: texts compiled, and operations answered by a plan (tests and /metrics read them)
        self.compiled = 0
        self.answered = 0

    def lookup(self, query: str, operation_name: str | None) -> tuple[Plan, list[Node] | None] | None:
        """The plan for this text and the literals to run it with (None: its own)."""
        if not self.enabled:
            return None
        plan = self._by_text.get((query, operation_name))
        if plan is not None:
            return (plan, None) if isinstance(plan, Plan) else None
        if len(query) > MAX_CHARS:
            return None
        shape, tokens, _ = shape_and_literals(query)
        found = self._by_shape.get((shape, operation_name))
        if found is not None:
            literals = literal_nodes(tokens)
            return (found, literals) if literals is not None else None
        return self.learn(query, operation_name)

    def learn(self, query: str, operation_name: str | None) -> tuple[Plan, None] | None:
        """Compile a text graphql-core validated cleanly (else None: nothing to learn yet)."""
        if not self.enabled or len(query) > MAX_CHARS:
            return None
        known = self._by_text.get((query, operation_name))
        if known is not None:
            return (known, None) if isinstance(known, Plan) else None
        hit = self._documents.peek(query)
        if hit is None or hit[1]:
            return None
        _, _, starts = shape_and_literals(query)
        try:
            plan = Plan(self.schema, hit[0], operation_name, starts)
        except Unsupported:
            self._by_text.put((query, operation_name), NOT_COMPILED)
            return None
        self.compiled += 1
        self._by_text.put((query, operation_name), plan)
        if plan.reusable:
            shape, _, _ = shape_and_literals(query)
            self._by_shape.put((shape, operation_name), plan)
        return plan, None

    async def execute(self, plan: Plan, literals: list[Node] | None, context: Any, variables: dict[str, Any] | None) -> dict[str, Any]:
        """The operation's ``data`` as graphql-core would give it; ``Bail`` (or any error):
        graphql-core must run it. ``context`` is the operation's (its ``parent`` the request's)."""
        if literals is not None and not plan.reusable:
            raise Bail
        literal = None
        if literals is not None:
            slots = plan.slots

            def literal(node: Any) -> Any:
                i = slots.get(id(node))
                return node if i is None else literals[i]

        total = estimate_nodes(self.schema, plan.document, plan.name, variables, self.limits, literal)
        if too_many(total, self.limits) is not None:
            raise Bail
        coerced = plan.coerce_variables(variables)
        if charge(context.parent, total, self.limits) is not None:
            raise Bail
        data = await plan.execute(context, coerced, literals)
        self.answered += 1
        return data


def _wraps_resolvers(extension: Any) -> bool:
    from strawberry.extensions import SchemaExtension

    cls = extension if isinstance(extension, type) else type(extension)
    return getattr(cls, "resolve", SchemaExtension.resolve) is not SchemaExtension.resolve

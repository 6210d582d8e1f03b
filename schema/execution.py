"""A leaner execution of plain scalar fields.

graphql-core resolves every field the same way: a resolve-info object, the resolver,
awaitable checks, then ``complete_value``'s dispatch on the return type. For a field
that is only an attribute of its parent holding a scalar (a block's height, hash,
time …) that is most of a list page's cost: W1's 100 blocks × 5 fields spent half
their server time there (docs/benchmarks.md). Such fields are read and serialized
directly here; anything else, and every unusual value (null for a non-null field,
an awaitable, a value the scalar refuses), goes the ordinary way, so results and
errors are exactly graphql-core's.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLField, GraphQLNonNull, Undefined, is_leaf_type
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

_BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF
#: field definition -> (getter, attribute, serialize, non_null), or None when not lean
_plans: dict[int, tuple | None] = {}


def _plan(field_def: GraphQLField) -> tuple | None:
    strawberry_field = (field_def.extensions or {}).get(_BACKREF)
    resolve = field_def.resolve
    if strawberry_field is None or field_def.args or not getattr(resolve, "_is_default", False):
        return None
    if not strawberry_field.is_basic_field:  # a resolver, permissions or field extensions
        return None
    gtype, non_null = field_def.type, False
    if isinstance(gtype, GraphQLNonNull):
        gtype, non_null = gtype.of_type, True
    if not is_leaf_type(gtype):
        return None
    return strawberry_field.default_resolver, strawberry_field.python_name, gtype.serialize, non_null


class LeanExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, with plain scalar attributes read directly."""

    def execute_field(self, parent_type, source, field_details_list, path, *rest):  # type: ignore[override]
        manager = self.middleware_manager
        if manager is None or not manager.middlewares:  # no extension wraps resolvers
            field_def = self.schema.get_field(parent_type, field_details_list[0].node.name.value)
            if field_def is not None:
                key = id(field_def)
                try:
                    plan = _plans[key]
                except KeyError:
                    # schema objects live as long as the process: ids are stable keys
                    plan = _plans[key] = (_plan(field_def), field_def)
                plan = plan[0]
                if plan is not None:
                    value = _lean(source, plan)
                    if value is not _SLOW:
                        return value
        return super().execute_field(parent_type, source, field_details_list, path, *rest)


_SLOW = object()


def _lean(source: Any, plan: tuple) -> Any:
    getter, attribute, serialize, non_null = plan
    try:
        value = getter(source, attribute)
    except Exception:
        return _SLOW  # the ordinary path raises it again, located and coded
    if value is None:
        return _SLOW if non_null else None
    if hasattr(value, "__await__"):
        return _SLOW
    try:
        out = serialize(value)
    except Exception:
        return _SLOW
    return _SLOW if out is None or out is Undefined else out

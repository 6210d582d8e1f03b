"""Running a compiled plan (``schema.compiled``): each field's getter and completion, bound as
closures when the plan is made, assemble the answer as plain dicts and lists; a value only
graphql-core answers exactly aborts the run (``Bail``). A text of a known shape reads its own
literals where the first text had its own (``substituted``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import CoroutineType
from typing import TYPE_CHECKING, Any

from graphql import (
    FieldNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    ListValueNode,
    Node,
    ObjectFieldNode,
    ObjectValueNode,
    Undefined,
    is_leaf_type,
    is_object_type,
)
from graphql.execution.values import VariableValues, get_argument_values
from graphql.pyutils import Path, is_awaitable

from .lean import Bail, is_lean, lean, lean_list, lean_object, no_list, plain_lean, values
from .settle import close, settle, start

#: a response path while a plan runs: (parent, key, type name) tuples, made into graphql-core's
#: ``Path`` only for a resolver that takes ``info`` (a tuple costs less than a Path each field)
Chain = tuple[Any, str | int, str | None] | None

if TYPE_CHECKING:
    from .compiled import Plan


class Unsupported(Exception):
    """The operation uses something plans do not cover: graphql-core runs it."""


class Run:
    """One execution of a plan: what its fields read besides their source."""

    __slots__ = ("context", "variables", "literals", "plan")

    def __init__(self, plan: Plan, context: Any, variables: VariableValues, literals: list[Node] | None) -> None:
        self.plan, self.context, self.variables, self.literals = plan, context, variables, literals


class CompiledField:
    """One response key of one object type: how to get its value and complete it."""

    __slots__ = (
        "key",
        "name",
        "field_def",
        "nodes",
        "parent_type",
        "resolve",
        "attribute",
        "complete",
        "arg_slots",
        "lean_coerce",
        "lean_non_null",
        "lean_as_is",
        "_lean_spec",
        "direct",
    )

    def __init__(self, key: str, field_def: Any, nodes: list[FieldNode], parent_type: GraphQLObjectType) -> None:
        self.key, self.name, self.field_def, self.nodes, self.parent_type = key, nodes[0].name.value, field_def, nodes, parent_type
        self.resolve: Callable[..., Any] | None = None
        self.attribute: tuple[Callable[[Any, str], Any], str] | None = None
        self.complete: Callable[[Any, Run, Chain], Any] = _identity
        #: literal slots inside this field's arguments (a plan serving other texts of its shape)
        self.arg_slots = False
        self.lean_coerce: Callable[[Any], Any] | None = None
        self.lean_non_null = False
        #: the type whose values are their own output: ``str`` for String (graphql-core returns
        #: it as it is), ``int`` for Int (an int inside Int's 32-bit range, likewise); else None
        self.lean_as_is: type | None = None
        self._lean_spec: tuple[tuple[Any, ...], ...] | None = None
        #: the field's own function, called without Strawberry's wrapper (``compiled._direct``)
        self.direct: Callable[[Any, Run, Callable[[], GraphQLResolveInfo]], Any] | None = None

    def run(self, source: Any, run: Run, path: Chain) -> Any:
        if self.lean_coerce is not None:  # a plain attribute holding a scalar
            return values(self.lean_spec(), source, {})[self.key]
        field_path = (path, self.key, self.parent_type.name)
        if self.direct is not None:
            value = self.direct(source, run, lambda: self._info(run, field_path))
        else:
            node = self.nodes[0]
            if self.arg_slots:
                node = _substituted(node, run.plan.slots, run.literals)
            if self.field_def.args or node.arguments:
                args = get_argument_values(self.field_def, node, run.variables)
            else:
                args = {}
            value = self.resolve(source, self._info(run, field_path), **args)  # type: ignore[misc]
        if is_awaitable(value):
            return self._later(value, run, field_path)
        return self.complete(value, run, field_path)

    def lean_spec(self) -> tuple[tuple[Any, ...], ...]:
        """This plain scalar attribute as ``lean.values`` reads it."""
        spec = self._lean_spec
        if spec is None:
            spec = self._lean_spec = ((self.key, *self.attribute, self.lean_coerce, self.lean_non_null, self.lean_as_is),)  # type: ignore[misc]
        return spec

    def _info(self, run: Run, path: Chain) -> GraphQLResolveInfo:
        plan = run.plan
        return GraphQLResolveInfo(
            self.name,
            self.nodes,
            self.field_def.type,
            self.parent_type,
            _as_path(path),
            plan.schema,
            plan.fragments,
            None,
            plan.operation,
            run.variables,
            run.context,
            is_awaitable,
            None,
            None,
        )

    async def _later(self, value: Any, run: Run, path: Chain) -> Any:
        out = self.complete(await value, run, path)
        if type(out) is CoroutineType:
            return await out
        return out


def _as_path(chain: Chain) -> Path | None:
    if chain is None:
        return None
    parent, key, type_name = chain
    return Path(_as_path(parent), key, type_name)


def _identity(value: Any, run: Run, path: Chain) -> Any:
    return value


async def _non_null_later(pending: Any) -> Any:
    out = await pending
    if out is None:
        raise Bail
    return out


def completer(gtype: Any, fields_of: Callable[[GraphQLObjectType], list[CompiledField]]) -> Callable[[Any, Run, Chain], Any]:
    """The completion of a value of ``gtype`` (graphql-core's complete_value, bound ahead)."""
    if isinstance(gtype, GraphQLNonNull):
        inner = completer(gtype.of_type, fields_of)
        if is_lean(inner):

            def non_null_lean(value: Any, run: Run, path: Chain) -> Any:
                out = inner(value, run, path)
                if out is None:
                    raise Bail
                return out

            non_null_lean.spec = getattr(inner, "spec", None)  # type: ignore[attr-defined]  # a plain object's, for lean_list
            return lean(non_null_lean)

        def non_null(value: Any, run: Run, path: Chain) -> Any:
            out = inner(value, run, path)
            if out is None:
                raise Bail
            if type(out) is CoroutineType:
                return _non_null_later(out)
            return out

        return non_null
    if isinstance(gtype, GraphQLList):
        item = completer(gtype.of_type, fields_of)
        if is_lean(item):
            return lean_list(item, isinstance(gtype.of_type, GraphQLNonNull))

        def as_list(value: Any, run: Run, path: Chain) -> Any:
            if no_list(value):
                return None
            out: list[Any] = []
            pending: list[list[Any]] = []
            try:
                for i, v in enumerate(value):
                    if is_awaitable(v):
                        raise Bail
                    r = item(v, run, (path, i, None))
                    if type(r) is CoroutineType:
                        r = start(r, i, pending)
                    out.append(r)
            except BaseException:
                close(pending)
                raise
            if not pending:
                return out
            return settle(out, pending)

        return as_list
    if is_leaf_type(gtype):
        coerce = gtype.coerce_output_value

        def leaf(value: Any, run: Run, path: Chain) -> Any:
            if value is None or value is Undefined:
                return None
            if isinstance(value, Exception):
                raise Bail
            out = coerce(value)
            if out is None or out is Undefined:
                raise Bail
            return out

        return lean(leaf)
    if is_object_type(gtype):
        fields = fields_of(gtype)
        is_type_of = gtype.is_type_of
        if is_type_of is None and all(f.lean_coerce is not None or plain_lean(f) for f in fields):
            return lean(lean_object(fields))

        def obj(value: Any, run: Run, path: Chain) -> Any:
            if value is None or value is Undefined:
                return None
            if isinstance(value, Exception):
                raise Bail
            if is_type_of is not None:
                ok = is_type_of(value, None)
                if ok is not True and (is_awaitable(ok) or not ok):
                    raise Bail
            return execute_fields(fields, value, run, path)

        return obj
    raise Unsupported(f"{gtype} is abstract")


def execute_fields(fields: list[CompiledField], source: Any, run: Run, path: Chain) -> Any:
    out: dict[str, Any] = {}
    pending: list[list[Any]] = []
    try:
        for f in fields:
            r = f.run(source, run, path)
            if type(r) is CoroutineType:
                r = start(r, f.key, pending)
            out[f.key] = r
    except BaseException:
        close(pending)
        raise
    if not pending:
        return out
    return settle(out, pending)


def _substituted(node: FieldNode, slots: Mapping[int, int], literals: list[Node] | None) -> FieldNode:
    """``node`` with the literals of this run's text in its arguments."""
    if literals is None:
        return node
    args = tuple(a.__class__(name=a.name, value=_subst_value(a.value, slots, literals), loc=a.loc) for a in node.arguments or ())
    return FieldNode(alias=node.alias, name=node.name, arguments=args, directives=node.directives, selection_set=node.selection_set, loc=node.loc)


def _subst_value(node: Any, slots: Mapping[int, int], literals: list[Node]) -> Any:
    i = slots.get(id(node))
    if i is not None:
        return literals[i]
    if isinstance(node, ListValueNode):
        return ListValueNode(values=tuple(_subst_value(v, slots, literals) for v in node.values), loc=node.loc)
    if isinstance(node, ObjectValueNode):
        return ObjectValueNode(
            fields=tuple(ObjectFieldNode(name=f.name, value=_subst_value(f.value, slots, literals), loc=f.loc) for f in node.fields), loc=node.loc
        )
    return node

"""Running a compiled plan (``schema.compiled``): each field's getter and completion, bound as
closures when the plan is made, assemble the answer as plain dicts and lists; a value only
graphql-core answers exactly aborts the run (``Bail``). A text of a known shape reads its own
literals where the first text had its own (``substituted``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import CoroutineType, GeneratorType
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
from graphql.pyutils import Path, is_awaitable, is_iterable
from graphql.type.scalars import GRAPHQL_MAX_INT as _MAX_INT
from graphql.type.scalars import GRAPHQL_MIN_INT as _MIN_INT

from .settle import close, settle, start

#: a response path while a plan runs: (parent, key, type name) tuples, made into graphql-core's
#: ``Path`` only for a resolver that takes ``info`` (a tuple costs less than a Path each field)
Chain = tuple[Any, str | int, str | None] | None

if TYPE_CHECKING:
    from .compiled import Plan


class Unsupported(Exception):
    """The operation uses something plans do not cover: graphql-core runs it."""


class Bail(Exception):
    """This run met something only graphql-core answers exactly (an error, a null where none may be)."""


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
            return _lean_values(self.lean_spec(), source, {})[self.key]
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
        """This plain scalar attribute as ``_lean_values`` reads it."""
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
        if _is_lean(inner):

            def non_null_lean(value: Any, run: Run, path: Chain) -> Any:
                out = inner(value, run, path)
                if out is None:
                    raise Bail
                return out

            return _lean(non_null_lean)

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
        if _is_lean(item):
            plain: set[type] = set()

            def as_list_lean(value: Any, run: Run, path: Chain) -> Any:
                if _no_list(value):
                    return None
                out = []
                for v in value:
                    if type(v) not in plain:
                        _learn_plain(v, plain)
                    out.append(item(v, run, None))
                return out

            return _lean(as_list_lean)

        def as_list(value: Any, run: Run, path: Chain) -> Any:
            if _no_list(value):
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

        return _lean(leaf)
    if is_object_type(gtype):
        fields = fields_of(gtype)
        is_type_of = gtype.is_type_of
        if is_type_of is None and all(f.lean_coerce is not None or _plain_lean(f) for f in fields):
            return _lean(_lean_object(fields))

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


def _no_list(value: Any) -> bool:
    """True for a null list; ``Bail`` for an error or a value that is no list (graphql-core says which)."""
    if type(value) is list or type(value) is tuple:  # most lists: no ABC check
        return False
    if value is None or value is Undefined:
        return True
    if isinstance(value, Exception) or not is_iterable(value):
        raise Bail
    return False


def _lean(fn: Callable[[Any, Run, Chain], Any]) -> Callable[[Any, Run, Chain], Any]:
    """Mark a completion that never awaits, raises only ``Bail`` and never reads its path."""
    fn.lean = True  # type: ignore[attr-defined]
    return fn


def _is_lean(fn: Callable[..., Any]) -> bool:
    return getattr(fn, "lean", False)


def _learn_plain(value: Any, plain: set[type]) -> None:
    """Bail on an awaitable list item (graphql-core awaits it); else remember its type as plain.

    For the records that reach a list here, whether a value is awaitable depends on its type
    (``await`` looks ``__await__`` up on the type; a generator's code flags are the exception,
    so generators are never remembered)."""
    if is_awaitable(value):
        raise Bail
    if not isinstance(value, GeneratorType):
        plain.add(type(value))


def _plain_lean(f: CompiledField) -> bool:
    """A plain attribute (no resolver of its own) whose value completes lean: a list of
    events' attributes, a coin."""
    return f.attribute is not None and _is_lean(f.complete)


def _lean_object(fields: list[CompiledField]) -> Callable[[Any, Run, Chain], Any]:
    """An object whose selected fields are all plain attributes holding scalars, or holding
    values that complete lean themselves (an event: its type and its attributes).

    An event attribute or a coin is completed thousands of times a page (W2: ~4,000
    attributes of ~1,300 events): its fields are read and coerced in one loop
    (``_lean_values``), with no path, no check for pending values and no gathering, which
    such fields never need."""
    if all(f.lean_coerce is not None for f in fields):
        spec = tuple(f.lean_spec()[0] for f in fields)

        def lean_object(value: Any, run: Run, path: Chain) -> Any:
            if value is None or value is Undefined:
                return None
            if isinstance(value, Exception):
                raise Bail
            return _lean_values(spec, value, {})

        return lean_object
    mixed = tuple((None, f.lean_spec()) if f.lean_coerce is not None else (f.complete, (f.key, *f.attribute)) for f in fields)  # type: ignore[misc]

    def lean_nested(value: Any, run: Run, path: Chain) -> Any:
        if value is None or value is Undefined:
            return None
        if isinstance(value, Exception):
            raise Bail
        out: dict[str, Any] = {}
        for complete, spec in mixed:
            if complete is None:
                _lean_values(spec, value, out)
                continue
            key, get, name = spec
            v = get(value, name)
            if type(v) is not tuple and type(v) is not list and is_awaitable(v):
                raise Bail  # graphql-core awaits it
            out[key] = complete(v, run, None)
        return out

    return lean_nested


def _lean_values(spec: tuple[tuple[Any, ...], ...], source: Any, out: dict[str, Any]) -> dict[str, Any]:
    """``out`` with each (key, getter, attribute, coerce, non-null, type as is) of ``spec`` read
    from ``source`` and coerced as graphql-core would; ``Bail`` where graphql-core errs."""
    for key, get, name, coerce, non_null, as_is in spec:
        value = get(source, name)
        if value is None:
            if non_null:
                raise Bail
        elif type(value) is not as_is or (as_is is int and not _MIN_INT <= value <= _MAX_INT):
            value = coerce(value)
            if value is None or value is Undefined:
                raise Bail
        out[key] = value
    return out


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

"""Compiled execution: each validated operation shape becomes a plan once, run many times.

graphql-core executes a document by walking it for every request: it collects the fields
of each object again, builds a resolve-info object for every field of every object,
and dispatches every value on its type (``complete_value``). For an explorer page of a
hundred blocks that is most of the server's time (docs/benchmarks.md). A plan does that
work once per operation: fields are collected per object type ahead of time, each field
gets its getter and its completion bound as a closure, and execution assembles the
answer as plain dicts and lists.

A plan covers what explorers send: one query operation, fields, aliases, fragments and
inline fragments on object types, arguments and variables. Anything else (directives,
abstract types, introspection, subscriptions) is not compiled (``Unsupported``) and
graphql-core runs it. At run time, anything out of the ordinary (a resolver that raises,
a null in a non-null place, a value a scalar refuses, an argument that does not coerce)
aborts the plan (``Bail``): the caller then runs the same request through graphql-core,
so every error, its message, location and path, is exactly graphql-core's. Resolvers
are pure reads of one pinned snapshot, so running them again changes nothing.

A plan also serves every text of the same *shape* (schema/doccache.py: the text with
each literal replaced by its kind), with the new text's literals put where the first
text had its own: a height written inline (``block(height: 123)``) does not cost a parse
and a validation per distinct height. A plan whose literals sit anywhere but in field
arguments, or whose response names merge fields that take arguments (where another
literal could make the fields conflict), serves only its own text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import CoroutineType
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FloatValueNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    Node,
    ObjectFieldNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    StringValueNode,
    Undefined,
    is_leaf_type,
    is_object_type,
    parse_value,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from graphql.pyutils import Path, gather_with_cancel, is_awaitable, is_iterable
from strawberry.schema.schema_converter import GraphQLCoreConverter

_BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF


class Unsupported(Exception):
    """The operation uses something plans do not cover: graphql-core runs it."""


class Bail(Exception):
    """This run met something only graphql-core answers exactly (an error, a null where none may be)."""


_LITERALS = (IntValueNode, FloatValueNode, StringValueNode)


class Run:
    """One execution of a plan: what its fields read besides their source."""

    __slots__ = ("context", "variables", "literals", "plan")

    def __init__(self, plan: Plan, context: Any, variables: VariableValues, literals: list[Node] | None) -> None:
        self.plan, self.context, self.variables, self.literals = plan, context, variables, literals


# ------------------------------------------------------------------ fields and completion
class _Field:
    """One response key of one object type: how to get its value and complete it."""

    __slots__ = ("key", "name", "field_def", "nodes", "parent_type", "resolve", "attribute", "complete", "arg_slots", "lean_coerce", "lean_non_null")

    def __init__(self, key: str, field_def: Any, nodes: list[FieldNode], parent_type: GraphQLObjectType) -> None:
        self.key, self.name, self.field_def, self.nodes, self.parent_type = key, nodes[0].name.value, field_def, nodes, parent_type
        self.resolve: Callable[..., Any] | None = None
        self.attribute: tuple[Callable[[Any, str], Any], str] | None = None
        self.complete: Callable[[Any, Run, Path], Any] = _identity
        #: literal slots inside this field's arguments (a plan serving other texts of its shape)
        self.arg_slots = False
        self.lean_coerce: Callable[[Any], Any] | None = None
        self.lean_non_null = False

    def run(self, source: Any, run: Run, path: Path | None) -> Any:
        if self.lean_coerce is not None:  # a plain attribute holding a scalar
            value = self.attribute[0](source, self.attribute[1])  # type: ignore[index]
            if value is None:
                if self.lean_non_null:
                    raise Bail
                return None
            out = self.lean_coerce(value)
            if out is None or out is Undefined:
                raise Bail
            return out
        field_path = Path(path, self.key, self.parent_type.name)
        node = self.nodes[0]
        if self.arg_slots:
            node = _substituted(node, run.plan.slots, run.literals)
        if self.field_def.args or node.arguments:
            args = get_argument_values(self.field_def, node, run.variables)
        else:
            args = {}
        plan = run.plan
        info = GraphQLResolveInfo(
            self.name,
            self.nodes,
            self.field_def.type,
            self.parent_type,
            field_path,
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
        value = self.resolve(source, info, **args)  # type: ignore[misc]
        if is_awaitable(value):
            return self._later(value, run, field_path)
        return self.complete(value, run, field_path)

    async def _later(self, value: Any, run: Run, path: Path) -> Any:
        out = self.complete(await value, run, path)
        if type(out) is CoroutineType:
            return await out
        return out


def _identity(value: Any, run: Run, path: Path) -> Any:
    return value


async def _non_null_later(pending: Any) -> Any:
    out = await pending
    if out is None:
        raise Bail
    return out


def _completer(gtype: Any, fields_of: Callable[[GraphQLObjectType], list[_Field]]) -> Callable[[Any, Run, Path], Any]:
    """The completion of a value of ``gtype`` (graphql-core's complete_value, bound ahead)."""
    if isinstance(gtype, GraphQLNonNull):
        inner = _completer(gtype.of_type, fields_of)

        def non_null(value: Any, run: Run, path: Path) -> Any:
            out = inner(value, run, path)
            if out is None:
                raise Bail
            if type(out) is CoroutineType:
                return _non_null_later(out)
            return out

        return non_null
    if isinstance(gtype, GraphQLList):
        item = _completer(gtype.of_type, fields_of)

        def as_list(value: Any, run: Run, path: Path) -> Any:
            if value is None or value is Undefined:
                return None
            if isinstance(value, Exception) or not is_iterable(value):
                raise Bail
            out = []
            pending = []
            for i, v in enumerate(value):
                if is_awaitable(v):
                    raise Bail
                r = item(v, run, path.add_key(i, None))
                if type(r) is CoroutineType:
                    pending.append(i)
                out.append(r)
            if not pending:
                return out
            return _gather_list(out, pending)

        return as_list
    if is_leaf_type(gtype):
        coerce = gtype.coerce_output_value

        def leaf(value: Any, run: Run, path: Path) -> Any:
            if value is None or value is Undefined:
                return None
            if isinstance(value, Exception):
                raise Bail
            out = coerce(value)
            if out is None or out is Undefined:
                raise Bail
            return out

        return leaf
    if is_object_type(gtype):
        fields = fields_of(gtype)
        is_type_of = gtype.is_type_of

        def obj(value: Any, run: Run, path: Path) -> Any:
            if value is None or value is Undefined:
                return None
            if isinstance(value, Exception):
                raise Bail
            if is_type_of is not None:
                ok = is_type_of(value, None)
                if ok is not True and (is_awaitable(ok) or not ok):
                    raise Bail
            return _execute_fields(fields, value, run, path)

        return obj
    raise Unsupported(f"{gtype} is abstract")


async def _gather_list(out: list[Any], pending: list[int]) -> list[Any]:
    if len(pending) == 1:
        out[pending[0]] = await out[pending[0]]
    else:
        for i, r in zip(pending, await gather_with_cancel(*(out[i] for i in pending)), strict=True):
            out[i] = r
    return out


def _execute_fields(fields: list[_Field], source: Any, run: Run, path: Path | None) -> Any:
    out: dict[str, Any] = {}
    pending: list[str] | None = None
    try:
        for f in fields:
            r = f.run(source, run, path)
            if type(r) is CoroutineType:
                if pending is None:
                    pending = []
                pending.append(f.key)
            out[f.key] = r
    except BaseException:
        for key in pending or ():
            out[key].close()  # never started: close, so no "never awaited" warning
        raise
    if pending is None:
        return out
    return _gather_fields(out, pending)


async def _gather_fields(out: dict[str, Any], pending: list[str]) -> dict[str, Any]:
    if len(pending) == 1:
        out[pending[0]] = await out[pending[0]]
    else:
        for key, r in zip(pending, await gather_with_cancel(*(out[k] for k in pending)), strict=True):
            out[key] = r
    return out


# ------------------------------------------------------------------ literals of a shape
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


def literal_nodes(tokens: list[tuple[str, str]]) -> list[Node] | None:
    """Value nodes for a text's literal tokens (kind, text), as the parser would make them."""
    out: list[Node] = []
    for kind, text in tokens:
        if kind == "int":
            out.append(IntValueNode(value=text))
        elif kind == "float":
            out.append(FloatValueNode(value=text))
        else:
            try:
                out.append(parse_value(text, no_location=True))
            except Exception:  # noqa: BLE001 - a string the parser refuses: let graphql-core say so
                return None
    return out


def _walk(node: Any, found: list[Node]) -> None:
    """Every literal node under ``node`` (block strings excepted: they stay in the shape)."""
    if isinstance(node, _LITERALS):
        if not (isinstance(node, StringValueNode) and node.block):
            found.append(node)
        return
    if isinstance(node, Node):
        for key in node.keys:
            value = getattr(node, key, None)
            if isinstance(value, (tuple, list)):
                for v in value:
                    _walk(v, found)
            elif isinstance(value, Node):
                _walk(value, found)


# ------------------------------------------------------------------ the plan
class Plan:
    """One operation of one validated document, compiled (see the module docstring)."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, literal_starts: list[int] | None) -> None:
        self.schema = schema
        self.document = document
        ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if len(ops) != 1:
            raise Unsupported("several operations")
        op = self.operation = ops[0]
        if op.operation is not OperationType.QUERY:
            raise Unsupported("not a query")
        if operation_name is not None and (op.name is None or op.name.value != operation_name):
            raise Unsupported("operationName names no operation of the document")
        #: the name Strawberry reports for the operation (metrics, the request log)
        self.name = op.name.value if op.name is not None else None
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        if any(d.directives for d in self.fragments.values()) or op.directives:
            raise Unsupported("directives")
        for var in op.variable_definitions or ():
            if var.directives:
                raise Unsupported("directives")
        self.variable_definitions = op.variable_definitions or ()
        root = schema.query_type
        if root is None:
            raise Unsupported("no query type")
        self.root_type = root
        self._by_type: dict[tuple[int, ...], list[_Field]] = {}
        #: id(literal node) -> index among the text's literal tokens (empty: serves only its own text)
        self.slots: dict[int, int] = {}
        self.reusable = False
        self._merged_with_args = False
        self._arg_literals: set[int] = set()
        self._all: list[_Field] = []
        self.fields = self._fields_of(root, [op])
        if literal_starts is not None:
            self._index_literals(literal_starts)

    # -- compile
    def _fields_of(self, parent: GraphQLObjectType, owners: list[Any]) -> list[_Field]:
        grouped: dict[str, list[FieldNode]] = {}
        visited: set[str] = set()
        for owner in owners:
            if owner.selection_set is not None:
                self._collect(parent, owner.selection_set, grouped, visited)
        fields = []
        for key, nodes in grouped.items():
            name = nodes[0].name.value
            if name.startswith("__"):
                if name != "__typename":
                    raise Unsupported("introspection")
                fields.append(_typename(key, parent, nodes))
                continue
            field_def = parent.fields.get(name)
            if field_def is None:
                raise Unsupported(f"no field {parent.name}.{name}")
            if len(nodes) > 1 and any(n.arguments for n in nodes):
                self._merged_with_args = True
            for n in nodes:
                for a in n.arguments or ():
                    found: list[Node] = []
                    _walk(a.value, found)
                    self._arg_literals.update(id(x) for x in found)
            fields.append(self._field(key, field_def, nodes, parent))
        return fields

    def _collect(self, parent: GraphQLObjectType, selection_set: Any, grouped: dict[str, list[FieldNode]], visited: set[str]) -> None:
        for sel in selection_set.selections:
            if sel.directives:
                raise Unsupported("directives")
            if isinstance(sel, FieldNode):
                grouped.setdefault(sel.alias.value if sel.alias else sel.name.value, []).append(sel)
            elif isinstance(sel, InlineFragmentNode):
                if sel.type_condition is None or self._applies(sel.type_condition.name.value, parent):
                    self._collect(parent, sel.selection_set, grouped, visited)
            elif isinstance(sel, FragmentSpreadNode):
                name = sel.name.value
                if name in visited:
                    continue
                visited.add(name)
                frag = self.fragments.get(name)
                if frag is None:
                    raise Unsupported(f"no fragment {name}")
                if self._applies(frag.type_condition.name.value, parent):
                    self._collect(parent, frag.selection_set, grouped, visited)
            else:
                raise Unsupported(type(sel).__name__)

    def _applies(self, condition: str, parent: GraphQLObjectType) -> bool:
        cond = self.schema.get_type(condition)
        if cond is None:
            raise Unsupported(f"no type {condition}")
        if cond is parent:
            return True
        return not is_object_type(cond) and self.schema.is_sub_type(cond, parent)  # type: ignore[arg-type]

    def _field(self, key: str, field_def: Any, nodes: list[FieldNode], parent: GraphQLObjectType) -> _Field:
        f = _Field(key, field_def, nodes, parent)
        self._all.append(f)
        rtype = field_def.type
        strawberry_field = (field_def.extensions or {}).get(_BACKREF)
        basic = (
            strawberry_field is not None
            and not field_def.args
            and getattr(field_def.resolve, "_is_default", False)
            and strawberry_field.is_basic_field
            and not nodes[0].arguments
        )
        inner, non_null = (rtype.of_type, True) if isinstance(rtype, GraphQLNonNull) else (rtype, False)
        if basic and is_leaf_type(inner):
            f.attribute = (strawberry_field.default_resolver, strawberry_field.python_name)
            f.lean_coerce, f.lean_non_null = inner.coerce_output_value, non_null
            return f
        if basic:
            resolver, attr = strawberry_field.default_resolver, strawberry_field.python_name
            f.resolve = lambda source, info, **_: resolver(source, attr)
        elif field_def.resolve is not None:
            f.resolve = field_def.resolve
        else:
            raise Unsupported(f"{parent.name}.{f.name} has no resolver")
        f.complete = _completer(rtype, lambda t: self._sub_fields(t, nodes))
        return f

    def _sub_fields(self, gtype: GraphQLObjectType, nodes: list[FieldNode]) -> list[_Field]:
        key = (id(gtype), *map(id, nodes))
        fields = self._by_type.get(key)
        if fields is None:
            fields = self._by_type[key] = self._fields_of(gtype, nodes)
        return fields

    def _index_literals(self, starts: list[int]) -> None:
        """Serve texts of this shape: literal k of a text goes where this text's literal k is."""
        if self._merged_with_args:
            return
        found: list[Node] = []
        _walk(self.document, found)
        found.sort(key=lambda n: n.loc.start if n.loc else -1)
        if [n.loc.start if n.loc else -1 for n in found] != starts:
            return  # the tokens and the parser disagree on where literals are: keep to this text
        if any(id(n) not in self._arg_literals for n in found):
            return  # a literal outside field arguments (a variable's default): keep to this text
        self.slots = {id(n): i for i, n in enumerate(found)}
        self.reusable = True
        self._mark_slots()

    def _mark_slots(self) -> None:
        for f in self._all:
            if any(id(x) in self.slots for a in f.nodes[0].arguments or () for x in _literals_in(a.value)):
                f.arg_slots = True

    # -- run
    def coerce_variables(self, inputs: dict[str, Any] | None) -> VariableValues:
        coerced = get_variable_values(self.schema, self.variable_definitions, inputs or {})
        if isinstance(coerced, list):
            raise Bail  # graphql-core reports the variables' errors
        return coerced

    async def execute(self, context: Any, variables: VariableValues, literals: list[Node] | None = None) -> dict[str, Any]:
        """The operation's ``data``; raises ``Bail`` (or whatever a resolver raised) when
        graphql-core must answer instead."""
        if literals is not None and not self.reusable:
            raise Bail
        run = Run(self, context, variables, literals)
        out = _execute_fields(self.fields, None, run, None)
        if type(out) is CoroutineType:
            out = await out
        return out


def _literals_in(node: Any) -> list[Node]:
    found: list[Node] = []
    _walk(node, found)
    return found


def _typename(key: str, parent: GraphQLObjectType, nodes: list[FieldNode]) -> _Field:
    f = _Field(key, None, nodes, parent)
    name = parent.name
    f.attribute = (lambda source, _: name, "")
    f.lean_coerce = lambda v: v
    return f

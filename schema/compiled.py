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

This module compiles (collects fields, binds getters, finds a shape's literals); the bound
closures that run a plan, and ``Bail`` / ``Unsupported``, are ``schema.completion``'s.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from types import CoroutineType
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FloatValueNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLInt,
    GraphQLSchema,
    GraphQLString,
    InlineFragmentNode,
    IntValueNode,
    Node,
    OperationDefinitionNode,
    OperationType,
    StringValueNode,
    is_leaf_type,
    is_object_type,
    parse_value,
)
from graphql.execution.values import VariableValues, get_variable_values
from strawberry.schema.schema_converter import GraphQLCoreConverter

from .completion import Bail, CompiledField, Run, Unsupported, completer, execute_fields

__all__ = ["Bail", "Plan", "Unsupported", "literal_nodes"]

_BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF
_LITERALS = (IntValueNode, FloatValueNode, StringValueNode)
#: scalars whose serializer returns a value of this type as it is (an int: inside Int's range)
_AS_IS = {GraphQLString.coerce_output_value: str, GraphQLInt.coerce_output_value: int}


# ------------------------------------------------------------------ literals of a shape
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
        self._by_type: dict[tuple[int, ...], list[CompiledField]] = {}
        #: id(literal node) -> index among the text's literal tokens (empty: serves only its own text)
        self.slots: dict[int, int] = {}
        self.reusable = False
        self._merged_with_args = False
        self._arg_literals: set[int] = set()
        #: every compiled field of the plan (each response key of each object type)
        self.all_fields: list[CompiledField] = []
        self.fields = self._fields_of(root, [op])
        if literal_starts is not None:
            self._index_literals(literal_starts)
        #: whether the node estimate (schema/limits.py) can differ between runs: a page size
        #: (``first``/``last``) given by a variable or by a literal of the shape
        self.fixed_estimate: int | None = None
        self.sizes_vary = any(
            a.name.value in ("first", "last") and (a.value.kind == "variable" or id(a.value) in self.slots)
            for n in _field_nodes(document)
            for a in n.arguments or ()
        )

    # -- compile
    def _fields_of(self, parent: GraphQLObjectType, owners: list[Any]) -> list[CompiledField]:
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

    def _field(self, key: str, field_def: Any, nodes: list[FieldNode], parent: GraphQLObjectType) -> CompiledField:
        f = CompiledField(key, field_def, nodes, parent)
        self.all_fields.append(f)
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
            f.lean_as_is = _AS_IS.get(f.lean_coerce)
            return f
        if basic:
            resolver, attr = f.attribute = strawberry_field.default_resolver, strawberry_field.python_name
            f.resolve = lambda source, info, **_: resolver(source, attr)
            f.direct = lambda source, run, raw_info: resolver(source, attr)  # a plain attribute: no resolve info
        elif field_def.resolve is not None:
            f.resolve = field_def.resolve
            f.direct = _direct(strawberry_field, field_def, nodes, self.schema)
        else:
            raise Unsupported(f"{parent.name}.{f.name} has no resolver")
        f.complete = completer(rtype, lambda t: self._sub_fields(t, nodes))
        return f

    def _sub_fields(self, gtype: GraphQLObjectType, nodes: list[FieldNode]) -> list[CompiledField]:
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
        for f in self.all_fields:
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
        out = execute_fields(self.fields, None, run, None)
        if type(out) is CoroutineType:
            out = await out
        return out


def _field_nodes(node: Any) -> list[FieldNode]:
    """Every field node under ``node`` (fragments included)."""
    out: list[FieldNode] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, FieldNode):
            out.append(n)
        if isinstance(n, Node):
            for key in n.keys:
                value = getattr(n, key, None)
                if isinstance(value, (tuple, list)):
                    stack.extend(v for v in value if isinstance(v, Node))
                elif isinstance(value, Node):
                    stack.append(value)
    return out


def _literals_in(node: Any) -> list[Node]:
    found: list[Node] = []
    _walk(node, found)
    return found


def _direct(strawberry_field: Any, field_def: Any, nodes: list[FieldNode], schema: GraphQLSchema) -> Callable[[Any, Any, Callable[[], Any]], Any] | None:
    """The field's own function, called as Strawberry's resolver wrapper would call it, or None.

    For a field with no arguments, no field extensions (permissions are extensions) and no
    exception handlers, Strawberry's wrapper converts no arguments and runs no extension: it
    passes the source as ``self`` (and as a ``root``/``parent`` parameter) and its ``Info`` as
    the ``info`` parameter, then calls the function. Calling it so directly skips that work,
    and the resolve info when the function takes none (W2: ~700 such calls a page)."""
    resolver = getattr(strawberry_field, "base_resolver", None)
    if resolver is None or strawberry_field.extensions or field_def.args or any(n.arguments for n in nodes):
        return None
    strawberry_schema = getattr(schema, "_strawberry_schema", None)
    handlers = getattr(getattr(strawberry_schema, "schema_converter", None), "_exception_handler_specs", None)
    if handlers is None or handlers:
        return None  # exception handlers (or a Strawberry that names them otherwise): its wrapper
    fn = resolver.wrapped_func
    takes_self = resolver.self_parameter is not None
    sources = tuple(p.name for p in (resolver.parent_parameter, resolver.root_parameter) if p is not None)
    info_name = resolver.info_parameter.name if resolver.info_parameter is not None else None
    if not callable(fn) or len(resolver.signature.parameters) != takes_self + len(sources) + (info_name is not None):
        return None
    info_class = strawberry_schema.config.info_class
    if takes_self and not sources and info_name is None:
        return lambda source, run, raw_info: fn(source)  # a method of the type, nothing else asked
    make_info = _lazy_info_class(info_class)
    if make_info is None:

        def make_info(raw_info: Callable[[], Any], field: Any, context: Any) -> Any:
            return info_class(_raw_info=raw_info(), _field=field)

    if takes_self and not sources and info_name is not None:
        name = info_name

        def method_with_info(source: Any, run: Any, raw_info: Callable[[], Any]) -> Any:
            return fn(source, **{name: make_info(raw_info, strawberry_field, run.context)})

        return method_with_info

    def direct(source: Any, run: Any, raw_info: Callable[[], Any]) -> Any:
        kwargs = {name: source for name in sources}
        if info_name is not None:
            kwargs[info_name] = make_info(raw_info, strawberry_field, run.context)
        return fn(source, **kwargs) if takes_self else fn(**kwargs)

    return direct


_LAZY: dict[type, Any] = {}


def _lazy_info_class(info_class: type) -> Any:
    """An ``Info`` of the schema's class that makes its resolve info only when read.

    Most resolvers read nothing of their ``info`` but ``info.context`` (W2: ~600 a page), and
    graphql-core's resolve info (with its response path) is the costliest part of calling
    them. This ``Info`` holds the context itself and builds the resolve info, as Strawberry
    would have given it, the first time anything else is asked. None when the schema's
    ``Info`` class reads its context otherwise (then the resolve info is made up front)."""
    from strawberry.types.info import Info

    if not (isinstance(info_class, type) and issubclass(info_class, Info)) or info_class.context is not Info.context:
        return None
    lazy = _LAZY.get(info_class)
    if lazy is None:

        class LazyInfo(info_class):  # type: ignore[valid-type, misc]
            def __init__(self, raw_info: Callable[[], Any], field: Any, context: Any) -> None:
                self._make_raw_info, self._field, self._context = raw_info, field, context

            @property
            def context(self) -> Any:
                return self._context

            @cached_property
            def _raw_info(self) -> Any:
                return self._make_raw_info()

        LazyInfo.__name__ = LazyInfo.__qualname__ = info_class.__name__
        lazy = _LAZY[info_class] = LazyInfo
    return lazy


def _typename(key: str, parent: GraphQLObjectType, nodes: list[FieldNode]) -> CompiledField:
    f = CompiledField(key, None, nodes, parent)
    name = parent.name
    f.attribute = (lambda source, _: name, "")
    f.lean_coerce = lambda v: v
    return f

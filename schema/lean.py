"""Lean completions of a compiled plan: values that never wait, completed without response
paths, pending-value checks or a call per field.

A W2 page completes ~4,400 event attributes in ~1,400 events and a W1 page 100 blocks: their
fields are plain attributes holding scalars (or lists and objects of such), read and coerced
in one loop (``values``). A lean completion never awaits, raises only ``Bail`` (graphql-core
then answers the whole operation) and never reads its path (``schema.completion``).
"""

from __future__ import annotations

from collections.abc import Callable
from keyword import iskeyword
from types import GeneratorType
from typing import TYPE_CHECKING, Any

from graphql import Undefined
from graphql.pyutils import is_awaitable, is_iterable
from graphql.type.scalars import GRAPHQL_MAX_INT as _MAX_INT
from graphql.type.scalars import GRAPHQL_MIN_INT as _MIN_INT

if TYPE_CHECKING:
    from .completion import CompiledField

#: a completion: (value, run, response path) -> output
Complete = Callable[[Any, Any, Any], Any]


class Bail(Exception):
    """This run met something only graphql-core answers exactly (an error, a null where none may be)."""


def lean(fn: Complete) -> Complete:
    """Mark a completion that never awaits, raises only ``Bail`` and never reads its path."""
    fn.lean = True  # type: ignore[attr-defined]
    return fn


def is_lean(fn: Callable[..., Any]) -> bool:
    return getattr(fn, "lean", False)


def no_list(value: Any) -> bool:
    """True for a null list; ``Bail`` for an error or a value that is no list (graphql-core says which)."""
    if type(value) is list or type(value) is tuple:  # most lists: no ABC check
        return False
    if value is None or value is Undefined:
        return True
    if isinstance(value, Exception) or not is_iterable(value):
        raise Bail
    return False


def learn_plain(value: Any, plain: set[type]) -> None:
    """Bail on an awaitable list item (graphql-core awaits it); else remember its type as plain.

    For the records that reach a list here, whether a value is awaitable depends on its type
    (``await`` looks ``__await__`` up on the type; a generator's code flags are the exception,
    so generators are never remembered)."""
    if is_awaitable(value):
        raise Bail
    if not isinstance(value, GeneratorType):
        plain.add(type(value))


def lean_list(item: Complete, item_non_null: bool) -> Complete:
    """A list whose items complete lean; items that are objects of plain attributes (events,
    their attributes) are read straight into their dicts, without a call per item for the
    non-null check and the object."""
    plain: set[type] = set()
    spec = getattr(item, "spec", None)
    if spec is not None:
        return lean(plain_items(spec, item_non_null))

    def as_list_lean(value: Any, run: Any, path: Any) -> Any:
        if no_list(value):
            return None
        out = []
        for v in value:
            if type(v) not in plain:
                learn_plain(v, plain)
            out.append(item(v, run, None))
        return out

    return lean(as_list_lean)


def plain_lean(f: CompiledField) -> bool:
    """A plain attribute (no resolver of its own) whose value completes lean: a list of
    events' attributes, a coin."""
    return f.attribute is not None and is_lean(f.complete)


def lean_object(fields: list[CompiledField]) -> Complete:
    """An object whose selected fields are all plain attributes holding scalars, or holding
    values that complete lean themselves (an event: its type and its attributes)."""
    if all(f.lean_coerce is not None for f in fields):
        spec = tuple(f.lean_spec()[0] for f in fields)
        plain_object = _generated(
            "plain_object",
            ["value", "run", "path"],
            ["if value is None or value is Undefined:", "    return None", "if isinstance(value, Exception):", "    raise Bail"],
            spec,
            "value",
            lambda out: [f"return {out}"],
        )
        plain_object.spec = spec  # type: ignore[attr-defined]  # read by lean_list
        return plain_object
    mixed = tuple(f.lean_spec()[0] if f.lean_coerce is not None else (f.key, *f.attribute, f.complete) for f in fields)  # type: ignore[misc]
    nested_object = _generated(
        "nested_object",
        ["value", "run", "path"],
        ["if value is None or value is Undefined:", "    return None", "if isinstance(value, Exception):", "    raise Bail"],
        mixed,
        "value",
        lambda out: [f"return {out}"],
    )
    nested_object.spec = mixed  # type: ignore[attr-defined]  # a list of them is read in one loop too (W2's events)
    return nested_object


def plain_items(spec: tuple[tuple[Any, ...], ...], item_non_null: bool) -> Complete:
    """A list of objects of plain attributes (events, their attributes), each read straight into
    its dict in the list's own loop. An item of a type not yet seen (or a null, an error) takes ``one``, which
    checks it as graphql-core would and, for a plain record, remembers its type."""
    fast: set[type] = set()
    plain: set[type] = set()
    fill = _generated("fill", ["source", "run"], [], spec, "source", lambda out: [f"return {out}"])

    def one(v: Any, run: Any) -> Any:
        learn_plain(v, plain)
        if v is None or v is Undefined:
            if item_non_null:
                raise Bail
            return None
        if isinstance(v, Exception):
            raise Bail
        if not isinstance(v, GeneratorType):
            fast.add(type(v))
        return fill(v, run)

    return _generated(
        "as_list_of_plain",
        ["value", "run", "path"],
        [
            "if no_list(value):",
            "    return None",
            "out = []",
            "append = out.append",
            "for v in value:",
            "    if type(v) not in fast:",
            "        append(one(v, run))",
            "        continue",
        ],
        spec,
        "v",
        lambda out: [f"append({out})"],
        indent="    ",
        tail=("return out",),
        env={"fast": fast, "one": one},
    )


def _generated(
    name: str,
    params: list[str],
    head: list[str],
    spec: tuple[tuple[Any, ...], ...],
    source: str,
    finish: Callable[[str], list[str]],
    indent: str = "",
    tail: tuple[str, ...] = (),
    env: dict[str, Any] | None = None,
) -> Complete:
    """A function that reads each field of ``spec`` from ``source`` in turn, unrolled (no loop
    over the spec, no call per field), and checks and coerces it as ``values`` does.

    ``spec`` holds, per field, (key, getter, attribute, coerce, non-null, type as is) for a
    scalar, or (key, getter, attribute, completion) for a value completed lean (a list of
    attributes). W2's ~4,400 event attributes a page are so read at about half the cost."""
    ns: dict[str, Any] = {"Bail": Bail, "Undefined": Undefined, "is_awaitable": is_awaitable, "no_list": no_list, **(env or {})}
    body = [*head]
    items = []
    for i, (key, get, attr, *rest) in enumerate(spec):
        x = f"x{i}"
        if get is getattr and attr.isidentifier() and not iskeyword(attr):
            read = f"{source}.{attr}"
        else:
            ns[f"g{i}"], ns[f"a{i}"] = get, attr
            read = f"g{i}({source}, a{i})"
        body.append(f"{indent}{x} = {read}")
        if len(rest) == 1:  # completed lean: a list or an object of such fields
            ns[f"k{i}"] = rest[0]
            body += [
                f"{indent}if type({x}) is not tuple and type({x}) is not list and is_awaitable({x}):",
                f"{indent}    raise Bail",  # graphql-core awaits it
                f"{indent}{x} = k{i}({x}, run, None)",
            ]
        else:
            coerce, non_null, as_is = rest
            ns[f"c{i}"] = coerce
            if as_is is str:
                other = f"type({x}) is not str"
            elif as_is is int:
                other = f"type({x}) is not int or not {_MIN_INT} <= {x} <= {_MAX_INT}"
            else:
                other = "True"
            body += [
                f"{indent}if {x} is None:",
                f"{indent}    {'raise Bail' if non_null else 'pass'}",
                f"{indent}elif {other}:",
                f"{indent}    {x} = c{i}({x})",
                f"{indent}    if {x} is None or {x} is Undefined:",
                f"{indent}        raise Bail",
            ]
        items.append(f"{key!r}: {x}")
    body += [indent + line for line in finish("{" + ", ".join(items) + "}")]
    body += list(tail)
    src = f"def {name}({', '.join(params)}):\n" + "".join(f"    {line}\n" for line in body)
    exec(compile(src, f"<lean {name}>", "exec"), ns)  # names and keys are GraphQL/Python identifiers, keys repr'd
    return ns[name]  # type: ignore[no-any-return]


def values(spec: tuple[tuple[Any, ...], ...], source: Any, out: dict[str, Any]) -> dict[str, Any]:
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

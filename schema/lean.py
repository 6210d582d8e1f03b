"""Lean completions of a compiled plan: values that never wait, completed without response
paths, pending-value checks or a call per field.

A W2 page completes ~4,400 event attributes in ~1,400 events and a W1 page 100 blocks: their
fields are plain attributes holding scalars (or lists and objects of such), read and coerced
in one loop (``values``). A lean completion never awaits, raises only ``Bail`` (graphql-core
then answers the whole operation) and never reads its path (``schema.completion``).
"""

from __future__ import annotations

from collections.abc import Callable
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
    """A list whose items complete lean; items that are objects of plain scalar attributes (an
    event's attributes) are read straight into their dicts, without a call per item for the
    non-null check and the object."""
    plain: set[type] = set()
    spec = getattr(item, "spec", None)
    if spec is not None:

        def as_list_of_plain(value: Any, run: Any, path: Any) -> Any:
            if no_list(value):
                return None
            out = []
            for v in value:
                if type(v) not in plain:
                    learn_plain(v, plain)
                if v is None or v is Undefined:
                    if item_non_null:
                        raise Bail
                    out.append(None)
                    continue
                if isinstance(v, Exception):
                    raise Bail
                out.append(values(spec, v, {}))
            return out

        return lean(as_list_of_plain)

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

        def plain_object(value: Any, run: Any, path: Any) -> Any:
            if value is None or value is Undefined:
                return None
            if isinstance(value, Exception):
                raise Bail
            return values(spec, value, {})

        plain_object.spec = spec  # type: ignore[attr-defined]  # read by lean_list
        return plain_object
    mixed = tuple((None, f.lean_spec()) if f.lean_coerce is not None else (f.complete, (f.key, *f.attribute)) for f in fields)  # type: ignore[misc]

    def nested_object(value: Any, run: Any, path: Any) -> Any:
        if value is None or value is Undefined:
            return None
        if isinstance(value, Exception):
            raise Bail
        out: dict[str, Any] = {}
        for complete, spec in mixed:
            if complete is None:
                values(spec, value, out)
                continue
            key, get, name = spec
            v = get(value, name)
            if type(v) is not tuple and type(v) is not list and is_awaitable(v):
                raise Bail  # graphql-core awaits it
            out[key] = complete(v, run, None)
        return out

    return nested_object


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

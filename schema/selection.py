"""Which fields a resolver's own selection asks for: lets a list load, in its one batch, what
its items' fields would otherwise each wait for."""

from __future__ import annotations

from typing import Any

from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode


def selects_any(info: Any, names: frozenset[str]) -> bool:
    """True when the field's selection (through fragments, whatever their directives say)
    names one of ``names``. A field under ``@skip``/``@include`` counts as asked: the answer
    only decides what is loaded ahead, never what is served."""
    raw = info._raw_info  # Strawberry's Info over graphql-core's resolve info
    fragments = raw.fragments
    stack = [n.selection_set for n in raw.field_nodes if n.selection_set is not None]
    seen: set[str] = set()
    while stack:
        for sel in stack.pop().selections:
            if isinstance(sel, FieldNode):
                if sel.name.value in names:
                    return True
            elif isinstance(sel, InlineFragmentNode):
                stack.append(sel.selection_set)
            elif isinstance(sel, FragmentSpreadNode):
                name = sel.name.value
                frag = fragments.get(name)
                if frag is not None and name not in seen:
                    seen.add(name)
                    stack.append(frag.selection_set)
    return False

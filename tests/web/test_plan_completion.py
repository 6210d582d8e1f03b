"""Compiled plans on a small schema of their own: the lean completions (objects of plain
attributes in one loop, list items without paths) and resolvers called without Strawberry's
wrapper give graphql-core's answer, and bail where only graphql-core answers exactly.

The whole suite also compares every compiled answer with graphql-core's (tests/plancheck.py);
these cases are the ones the sample chain never produces (an awaitable list item, a null in a
non-null attribute, a resolver taking ``root``)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest
import strawberry
from graphql import execute, parse
from strawberry.types import Info

from cometgraph.schema.compiled import Bail, Plan


@dataclass
class Stored:
    """A storage-side record served as the schema's ``Attr`` (same fields, no copy)."""

    key: str
    value: str | None
    index: bool = True


@strawberry.type
class Attr:
    key: str
    value: str
    index: bool


ITEMS: list[object] = []


@strawberry.type
class Box:
    n: int

    @strawberry.field
    def doubled(self) -> int:
        return 2 * self.n

    @strawberry.field
    def where(self, info: Info) -> str:
        return f"{'/'.join(map(str, info.path.as_list()))}:{info.field_name}:{info.context['tag']}"

    @strawberry.field
    async def later(self, root: Box) -> int:
        await asyncio.sleep(0)
        return root.n + 1


@strawberry.type
class Query:
    @strawberry.field
    def attrs(self) -> list[Attr]:
        return ITEMS  # type: ignore[return-value]

    @strawberry.field
    def boxes(self) -> list[Box]:
        return [Box(n=1), Box(n=2)]


SCHEMA = strawberry.Schema(query=Query)


async def _both(query: str, items: list[object]) -> tuple[object, object]:
    ITEMS[:] = items
    document = parse(query)
    context = {"tag": "t"}
    plan = Plan(SCHEMA._schema, document, None, None)
    try:
        compiled: object = await plan.execute(context, plan.coerce_variables(None))
    except Bail:
        compiled = Bail
    core = execute(SCHEMA._schema, document, context_value=context)
    if asyncio.iscoroutine(core):
        core = await core
    return compiled, core


async def test_a_list_of_plain_attribute_objects_answers_as_graphql_core():
    compiled, core = await _both("{ attrs { key value index __typename } }", [Stored("a", "1"), Stored("b", "", False)])
    assert core.errors is None
    assert (
        compiled
        == core.data
        == {"attrs": [{"key": "a", "value": "1", "index": True, "__typename": "Attr"}, {"key": "b", "value": "", "index": False, "__typename": "Attr"}]}
    )


async def test_a_null_in_a_non_null_attribute_bails_to_graphql_core():
    compiled, core = await _both("{ attrs { key value } }", [Stored("a", "1"), Stored("b", None)])
    assert compiled is Bail
    assert core.data is None and "Cannot return null for non-nullable field Attr.value." in core.errors[0].message


async def test_an_awaitable_list_item_bails_to_graphql_core():
    future = asyncio.get_running_loop().create_future()
    future.set_result(Stored("a", "1"))
    compiled, core = await _both("{ attrs { key } }", [Stored("z", "0"), future])
    assert compiled is Bail
    assert core.errors is None and core.data == {"attrs": [{"key": "z"}, {"key": "a"}]}


async def test_resolvers_called_directly_get_self_root_and_info_as_through_strawberry():
    compiled, core = await _both("{ boxes { doubled where later } }", [])
    assert core.errors is None
    assert (
        compiled
        == core.data
        == {"boxes": [{"doubled": 2, "where": "boxes/0/where:where:t", "later": 2}, {"doubled": 4, "where": "boxes/1/where:where:t", "later": 3}]}
    )


@pytest.mark.parametrize("field", ["doubled", "where", "later"])
def test_every_argumentless_resolver_of_the_small_schema_is_called_directly(field):
    plan = Plan(SCHEMA._schema, parse(f"{{ boxes {{ {field} }} }}"), None, None)
    compiled = {f.name: f for f in plan.all_fields}
    assert compiled[field].direct is not None
    assert compiled["boxes"].direct is not None

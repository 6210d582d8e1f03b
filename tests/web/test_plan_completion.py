"""Compiled plans on a small schema of their own: the lean completions (objects of plain
attributes in one loop, list items without paths) and resolvers called without Strawberry's
wrapper give graphql-core's answer, and bail where only graphql-core answers exactly.

The whole suite also compares every compiled answer with graphql-core's (tests/plancheck.py);
these cases are the ones the sample chain never produces (an awaitable list item, a null in a
non-null attribute, a resolver taking ``root``, fields that wait on each other or on turns of
the loop, a cancelled run)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest
import strawberry
from graphql import GraphQLError, execute, parse
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


@strawberry.type
class Group:
    """Plain attributes holding a scalar, a list of objects and an object: completed lean as a whole."""

    name: str
    attrs: list[Attr]
    first: Attr | None


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

    @strawberry.field
    def stored_boxes(self) -> list[Box]:
        return ITEMS  # type: ignore[return-value]

    @strawberry.field
    def groups(self) -> list[Group]:
        return ITEMS  # type: ignore[return-value]

    @strawberry.field
    def maybe_attrs(self) -> list[Attr | None]:
        return ITEMS  # type: ignore[return-value]


SCHEMA = strawberry.Schema(query=Query)


async def _both(query: str, items: list[object], falls_back: tuple[type[BaseException], ...] = (Bail,)) -> tuple[object, object]:
    """(compiled data, or ``Bail`` where it raised one of ``falls_back``: plans.py then runs
    graphql-core, as for any error), graphql-core's result)."""
    ITEMS[:] = items
    document = parse(query)
    context = {"tag": "t"}
    plan = Plan(SCHEMA._schema, document, None, None)
    try:
        compiled: object = await plan.execute(context, plan.coerce_variables(None))
    except falls_back:
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


# ---------------------------------------------------------------- fields that wait
# A field that awaits is started where its object is completed and settled without an asyncio
# task of its own (schema/completion.py ``_settle``); these are the waits asyncio allows.

GATE: dict[str, asyncio.Future] = {}


@strawberry.type
class Waiting:
    n: int

    @strawberry.field
    async def shared(self) -> int:
        return await GATE["shared"] + self.n  # every item waits for the same future

    @strawberry.field
    async def also_shared(self) -> int:
        return await GATE["shared"] * self.n

    @strawberry.field
    async def turns(self) -> int:
        for _ in range(self.n):
            await asyncio.sleep(0)  # bare yields: turns of the loop
        return self.n

    @strawberry.field
    async def recovered(self) -> str:
        try:
            await GATE["failing"]
        except KeyError as exc:  # the future's own error reaches the resolver that awaits it
            return f"caught {exc}"
        return "no error"

    @strawberry.field
    async def setter(self) -> int:
        await asyncio.sleep(0)
        EVENTS[self.n].set()  # what a sibling field waits for
        return self.n

    @strawberry.field
    async def waiter(self) -> int:
        await EVENTS[self.n].wait()
        return -self.n

    @strawberry.field
    def where(self, info: Info) -> str:
        return f"{'/'.join(map(str, info.path.as_list()))}:{info.field_name}"


EVENTS: dict[int, asyncio.Event] = {}


@strawberry.type
class WaitQuery:
    @strawberry.field
    def items(self) -> list[Waiting]:
        return [Waiting(n=1), Waiting(n=2), Waiting(n=3)]

    @strawberry.field
    async def nested(self) -> list[list[Waiting]]:
        await asyncio.sleep(0)
        return [[Waiting(n=1)], [Waiting(n=2), Waiting(n=3)]]


WAIT_SCHEMA = strawberry.Schema(query=WaitQuery)


def _arm() -> None:
    loop = asyncio.get_running_loop()
    GATE["shared"], GATE["failing"] = loop.create_future(), loop.create_future()
    loop.call_later(0.01, GATE["shared"].set_result, 10)
    loop.call_later(0.005, GATE["failing"].set_exception, KeyError("gone"))
    GATE["failing"].add_done_callback(lambda f: f.exception())  # read even where no field awaits it
    EVENTS.clear()
    EVENTS.update({n: asyncio.Event() for n in (1, 2, 3)})


async def _both_waiting(query: str) -> tuple[object, object]:
    document = parse(query)
    plan = Plan(WAIT_SCHEMA._schema, document, None, None)
    _arm()
    compiled = await plan.execute({}, plan.coerce_variables(None))  # a Bail would raise: none expected
    _arm()
    core = execute(WAIT_SCHEMA._schema, document, context_value={})
    if asyncio.iscoroutine(core):
        core = await core
    assert core.errors is None
    return compiled, core.data


async def test_siblings_waiting_for_one_pending_future_all_get_its_value():
    compiled, core = await _both_waiting("{ items { shared alsoShared } }")
    assert compiled == core == {"items": [{"shared": 11, "alsoShared": 10}, {"shared": 12, "alsoShared": 20}, {"shared": 13, "alsoShared": 30}]}


async def test_fields_waiting_on_turns_of_the_loop_and_on_futures_settle_together():
    compiled, core = await _both_waiting("{ items { turns shared recovered } nested { turns where shared } }")
    assert compiled == core
    assert compiled["items"][2] == {"turns": 3, "shared": 13, "recovered": "caught 'gone'"}
    assert compiled["nested"][1][1] == {"turns": 3, "where": "nested/1/1/where:where", "shared": 13}


async def test_a_field_waiting_for_what_its_sibling_does_is_not_deadlocked():
    compiled, core = await asyncio.wait_for(_both_waiting("{ items { waiter setter } }"), 5)
    assert compiled == core == {"items": [{"waiter": -n, "setter": n} for n in (1, 2, 3)]}


async def test_a_cancelled_run_cancels_and_closes_what_it_waits_for():
    plan = Plan(WAIT_SCHEMA._schema, parse("{ items { shared alsoShared turns } }"), None, None)
    _arm()
    GATE["shared"] = asyncio.get_running_loop().create_future()  # never set
    task = asyncio.ensure_future(plan.execute({}, plan.coerce_variables(None)))
    await asyncio.sleep(0.02)
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert GATE["shared"].cancelled()  # as a gather of tasks would have left it


async def test_a_resolver_that_reads_only_its_context_builds_no_resolve_info():
    seen = []

    @strawberry.type
    class Q:
        @strawberry.field
        def ctx(self, info: Info) -> str:
            seen.append(info)
            return info.context["tag"]

        @strawberry.field
        def path(self, info: Info) -> str:
            seen.append(info)
            return f"{info.path.key}:{info.field_name}:{info.return_type}"

    schema = strawberry.Schema(query=Q)
    plan = Plan(schema._schema, parse("{ ctx path }"), None, None)
    assert await plan.execute({"tag": "t"}, plan.coerce_variables(None)) == {"ctx": "t", "path": "path:path:<class 'str'>"}
    only_context, asked_more = seen
    assert isinstance(only_context, Info) and isinstance(asked_more, Info)
    assert "_raw_info" not in vars(only_context) and "_raw_info" in vars(asked_more)


async def test_a_string_attribute_holding_no_str_is_coerced_as_graphql_core_coerces_it():
    class Tag(str):
        pass

    compiled, core = await _both("{ attrs { key value } }", [Stored(Tag("t"), 5), Stored("b", True)])  # type: ignore[arg-type]
    assert core.errors is None
    assert compiled == core.data == {"attrs": [{"key": "t", "value": "5"}, {"key": "b", "value": "true"}]}


async def test_an_int_attribute_is_its_own_output_only_inside_ints_range():
    """An ``int`` in Int's 32-bit range is served as it is; anything else goes through
    graphql-core's serializer (a bool, a float, an int subclass) or bails on its error."""

    class Small(int):
        pass

    items = [Box(n=5), Box(n=-(2**31)), Box(n=2**31 - 1), Box(n=True), Box(n=2.0), Box(n=Small(3))]  # type: ignore[arg-type]
    compiled, core = await _both("{ storedBoxes { n } }", items)
    assert core.errors is None
    assert compiled == core.data == {"storedBoxes": [{"n": 5}, {"n": -(2**31)}, {"n": 2**31 - 1}, {"n": 1}, {"n": 2}, {"n": 3}]}
    assert [type(b["n"]) for b in compiled["storedBoxes"]] == [type(b["n"]) for b in core.data["storedBoxes"]]  # type: ignore[index]
    for big in (2**31, -(2**31) - 1):
        compiled, core = await _both("{ storedBoxes { n } }", [Box(n=1), Box(n=big)], falls_back=(Bail, GraphQLError))
        assert compiled is Bail
        assert core.data is None and core.errors[0].message == f"Int cannot represent non 32-bit signed integer value: {big}"


@dataclass
class StoredGroup:
    name: str
    attrs: object
    first: object = None


async def test_objects_holding_lists_and_objects_of_plain_attributes_answer_as_graphql_core():
    items = [
        StoredGroup("a", [Stored("k", "v"), Stored("l", "w", False)], Stored("k", "v")),
        StoredGroup("b", [], None),
        StoredGroup("c", (Stored("m", "x"),)),  # any iterable, as graphql-core takes it
    ]
    query = "{ groups { name attrs { key value index } first { key } __typename } }"
    plan = Plan(SCHEMA._schema, parse(query), None, None)
    (groups,) = plan.all_fields[:1]
    assert getattr(groups.complete, "lean", False)  # the whole list is completed in one lean step
    compiled, core = await _both(query, items)
    assert core.errors is None
    assert compiled == core.data
    assert compiled["groups"][0] == {  # type: ignore[index]
        "name": "a",
        "attrs": [{"key": "k", "value": "v", "index": True}, {"key": "l", "value": "w", "index": False}],
        "first": {"key": "k"},
        "__typename": "Group",
    }


async def test_a_plain_attribute_holding_an_awaitable_or_a_null_where_none_may_be_bails():
    future = asyncio.get_running_loop().create_future()
    future.set_result([Stored("k", "v")])
    compiled, core = await _both("{ groups { name attrs { key } } }", [StoredGroup("a", future)])
    assert compiled is Bail
    assert core.errors is None and core.data == {"groups": [{"name": "a", "attrs": [{"key": "k"}]}]}
    compiled, core = await _both("{ groups { name attrs { key } } }", [StoredGroup("a", None)])
    assert compiled is Bail
    assert core.data is None and "Cannot return null for non-nullable field Group.attrs." in core.errors[0].message


@pytest.mark.parametrize("field", ["attrs", "maybeAttrs"])
async def test_a_list_of_plain_attribute_objects_is_read_item_by_item_into_dicts(field):
    """Nullable items may be null; a null non-null item bails (graphql-core nulls the list's parent)."""
    plan = Plan(SCHEMA._schema, parse(f"{{ {field} {{ key value }} }}"), None, None)
    (inner,) = (c.cell_contents for c in plan.all_fields[0].complete.__closure__)  # type: ignore[union-attr]  # the non-null list's
    assert inner.__name__ == "as_list_of_plain"
    items = [Stored("a", "1"), None, Stored("b", "2")]
    compiled, core = await _both(f"{{ {field} {{ key value }} }}", items)  # type: ignore[list-item]
    if field == "maybeAttrs":
        assert core.errors is None
        assert compiled == core.data == {"maybeAttrs": [{"key": "a", "value": "1"}, None, {"key": "b", "value": "2"}]}
    else:
        assert compiled is Bail
        assert core.data is None and "Cannot return null for non-nullable field Query.attrs." in core.errors[0].message

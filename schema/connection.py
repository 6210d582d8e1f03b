"""One Relay connection for every paged list: generic ``Connection[T]`` and ``Edge[T]``,
specialised per node type under the names clients know (``BlockConnection``, ``BlockEdge`` …).

Every list returns a ``resolvers.paging.Page`` (items, a cursor per item, the Relay flags), so
building the connection is the same for all of them; only the words differ. ``connection()``
makes the two named specialisations from a node type and its descriptions, so the printed
schema (docs/schema.graphql) names and describes each list exactly as before.

No ``from __future__ import annotations`` here: the specialisations' annotations are evaluated
when ``connection()`` runs, so they name the node type given, not a string.
"""

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry

from cometgraph.resolvers.paging import Page

NodeT = TypeVar("NodeT")


@strawberry.type(
    description="Where a page sits in its list (Relay): pass `endCursor` as `after` for the next page, `startCursor` as `before` for the previous one (where the list takes `before`)."
)
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether the list goes on after this page's last edge.")
    has_previous_page: bool = strawberry.field(
        description="Whether the list has edges before this page's first edge. Exact for `blocks`, `richList` and `delegations`; "
        "for tx lists, `stakingFlows`, `transfers` and `blockSearch` (which page forward only) it is true exactly when the page was asked `after` a cursor."
    )
    start_cursor: str | None = strawberry.field(description="The first edge's cursor; null when the page is empty.")
    end_cursor: str | None = strawberry.field(
        description="Where the next page starts: the last edge's cursor, or, when a `stakingFlows` or `transfers` scan stopped early "
        "(or `blockSearch` left out blocks this node no longer keeps), the position it reached (the page may then be empty); "
        "otherwise null when the page is empty."
    )


def make_page_info(page: Page[Any]) -> PageInfo:
    end = page.end_cursor or (page.cursors[-1] if page.cursors else None)
    start = page.cursors[0] if page.cursors else None
    return PageInfo(has_next_page=page.has_next, has_previous_page=page.has_previous, start_cursor=start, end_cursor=end)


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type
class Connection(Generic[NodeT]):
    _nodes: strawberry.Private[list[Any]]
    #: one per node; a page's cursors may be made only when read (``resolvers.paging.Cursors``)
    _cursors: strawberry.Private[Sequence[str]]
    _page_info: strawberry.Private[PageInfo]

    # each specialisation made by ``connection()`` sets ``edge_type`` (its named edge) and
    # ``make_node`` (page item -> node); plain class attributes, so not GraphQL fields

    @classmethod
    def from_page(cls, page: Page[Any], *args: Any) -> "Connection[NodeT]":
        """The page's items as nodes (``make_node(item, *args)``); edges pair them with their
        cursors when a query asks for edges."""
        nodes = [cls.make_node(item, *args) for item in page.items[: len(page.cursors)]]  # each node has its edge
        return cls(_nodes=nodes, _cursors=page.cursors, _page_info=make_page_info(page))


def connection(
    node_type: type[NodeT],
    make_node: Callable[..., NodeT],
    *,
    description: str,
    edges_description: str,
    nodes_description: str,
    edge_description: str,
    cursor_description: str,
    node_description: str,
    name: str | None = None,
) -> type[Connection[NodeT]]:
    """``<Name>Connection`` and ``<Name>Edge`` for ``node_type``; ``name`` defaults to the node's GraphQL name.

    ``make_node(item, *args)`` turns one page item into the node (``from_page(page, *args)``)."""
    name = name or node_type.__strawberry_definition__.name

    @strawberry.type(name=f"{name}Edge", description=edge_description)
    class NamedEdge(Edge[node_type]):
        cursor: str = strawberry.field(description=cursor_description)
        node: node_type = strawberry.field(description=node_description)

    NamedEdge.__name__ = NamedEdge.__qualname__ = f"{name}Edge"
    return _named_connection(node_type, make_node, NamedEdge, name, description, edges_description, nodes_description)


def connection_of_edge(
    edge_of: type[Connection[NodeT]],
    *,
    name: str,
    description: str,
    edges_description: str,
    nodes_description: str,
) -> type[Connection[NodeT]]:
    """A second connection over the same nodes and edge type as ``edge_of`` (one GraphQL edge, two lists)."""
    node_type = edge_of.edge_type.__annotations__["node"]
    return _named_connection(node_type, edge_of.make_node, edge_of.edge_type, name, description, edges_description, nodes_description)


def _named_connection(
    node_type: Any, make_node: Callable[..., Any], NamedEdge: Any, name: str, description: str, edges_description: str, nodes_description: str
) -> Any:
    @strawberry.type(name=f"{name}Connection", description=description)
    class NamedConnection(Connection[node_type]):
        @strawberry.field(description=edges_description)
        def edges(self) -> list[NamedEdge]:
            return [NamedEdge(cursor=c, node=n) for c, n in zip(self._cursors, self._nodes)]

        @strawberry.field(description="Where the page sits in the list.")
        def page_info(self) -> PageInfo:
            return self._page_info

        @strawberry.field(description=nodes_description)
        def nodes(self) -> list[node_type]:
            return self._nodes

    NamedConnection.__name__ = NamedConnection.__qualname__ = f"{name}Connection"
    NamedConnection.edge_type = NamedEdge
    NamedConnection.make_node = staticmethod(make_node)
    return NamedConnection

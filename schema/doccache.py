"""Parse and validate each distinct query text once, in bounded memory.

Clients send the same few documents over and over (an explorer page, a dashboard, a
persisted query): parsing and validating them again costs more than answering a small
query (docs/benchmarks.md). Strawberry's own caches key on the parsed document and keep
any number of bytes alive: a document at the token limit is ~1.7 MB of AST, and a client
sending 1,024 distinct ones would pin well over a gigabyte. This cache keeps only short
query texts (``max_chars``) and at most ``size`` of them, so its worst case is a few tens
of megabytes; longer documents are parsed and validated every time, as before.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

from graphql import DocumentNode, GraphQLError
from strawberry.extensions import SchemaExtension

#: ~1,000 tokens at most: about 0.2 MB of AST per entry
MAX_CHARS = 2048
SIZE = 256


class DocumentStore:
    """Query text -> (document, validation errors); least recently used goes first."""

    def __init__(self, size: int = SIZE, max_chars: int = MAX_CHARS) -> None:
        self.size, self.max_chars = size, max_chars
        self._entries: OrderedDict[str, tuple[DocumentNode, list[GraphQLError] | None]] = OrderedDict()
        self.hits = self.misses = 0

    def get(self, query: str) -> tuple[DocumentNode, list[GraphQLError] | None] | None:
        entry = self._entries.get(query)
        if entry is None:
            self.misses += 1
            return None
        self._entries.move_to_end(query)
        self.hits += 1
        return entry

    def put(self, query: str, document: DocumentNode, errors: list[GraphQLError] | None) -> None:
        if len(query) > self.max_chars:
            return
        self._entries[query] = (document, errors)
        self._entries.move_to_end(query)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


def document_cache(store: DocumentStore) -> type[SchemaExtension]:
    """The extension over one schema's store (its validation rules never change)."""

    class DocumentCache(SchemaExtension):
        def on_parse(self) -> Iterator[None]:
            ctx = self.execution_context
            query = ctx.query
            self._hit = store.get(query) if query and ctx.graphql_document is None else None
            if self._hit is not None:
                ctx.graphql_document = self._hit[0]
            yield

        def on_validate(self) -> Iterator[None]:
            ctx = self.execution_context
            hit = getattr(self, "_hit", None)
            if hit is not None and ctx.pre_execution_errors is None:
                ctx.pre_execution_errors = hit[1]  # Strawberry validates only when None
            yield
            if hit is None and ctx.query and ctx.graphql_document is not None:
                store.put(ctx.query, ctx.graphql_document, ctx.pre_execution_errors)

    return DocumentCache

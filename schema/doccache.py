"""Parse and validate each distinct query text once, in bounded memory.

Clients send the same few documents over and over (an explorer page, a dashboard, a
persisted query): parsing and validating them again costs more than answering a small
query (docs/benchmarks.md). Strawberry's own caches key on the parsed document and keep
any number of bytes alive: a document at the token limit is ~1.7 MB of AST, and a client
sending 1,024 distinct ones would pin well over a gigabyte. This cache keeps only short
query texts (``max_chars``) and at most ``size`` of them, so its worst case is a few tens
of megabytes; longer documents are parsed and validated every time, as before.

A text seen for the first time is often an old text with other literals: GraphiQL users
and many apps write heights and hashes inline (``block(height: 123)``). Only two rules
of validation look at a literal's value (is ``123`` an Int? do two fields with one
response name get equal arguments?); every other rule sees just the token sequence.
So a text is also keyed by its *shape*, its tokens with each number and string replaced
by its kind: when a shape once validated without errors, a new text of that shape is
parsed (its own nodes and locations) and checked by the two value rules alone, which
gives exactly the errors full validation would.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from graphql import DocumentNode, GraphQLError, validate
from graphql.validation import OverlappingFieldsCanBeMergedRule, ValuesOfCorrectTypeRule
from strawberry.extensions import SchemaExtension

from cometgraph.storage.lru import LRU

#: ~1,000 tokens at most: about 0.2 MB of AST per entry
MAX_CHARS = 2048
SIZE = 256
#: shapes known to validate cleanly, by their text (bytes): shapes are short texts
SHAPE_BYTES = 4 << 20

#: the only rules whose verdict depends on a literal's value, not just on the tokens
VALUE_RULES = (ValuesOfCorrectTypeRule, OverlappingFieldsCanBeMergedRule)

# GraphQL's lexical tokens that matter for a shape, longest alternatives first. Block
# strings and comments stay in the shape as they are; names swallow digits that follow
# letters (``W1``), so a number here is always a numeric token.
_TOKENS = re.compile(
    r'''(?P<block>"""(?:\\"""|[^"]|"(?!""))*""")'''
    r'|(?P<string>"(?:[^"\\\n\r]|\\.)*")'
    r"|(?P<comment>#[^\n\r]*)"
    r"|(?P<name>[_A-Za-z][_0-9A-Za-z]*)"
    r"|(?P<float>-?\d+(?:\.\d+(?:[eE][+-]?\d+)?|[eE][+-]?\d+))"
    r"|(?P<int>-?\d+)"
)
_KINDS = {"string": "\x00S", "float": "\x00F", "int": "\x00I"}


def _kind(m: re.Match) -> str:
    return _KINDS.get(m.lastgroup or "", m.group())


def shape_of(query: str) -> str:
    """The query with every number and string literal replaced by its kind."""
    return _TOKENS.sub(_kind, query)


def shape_and_literals(query: str) -> tuple[str, list[tuple[str, str]], list[int]]:
    """The shape, and the literals it replaced: (kind, text) and where each starts."""
    parts: list[str] = []
    literals: list[tuple[str, str]] = []
    starts: list[int] = []
    at = 0
    for m in _TOKENS.finditer(query):
        kind = m.lastgroup
        if kind in _KINDS:
            parts.append(query[at : m.start()])
            parts.append(_KINDS[kind])
            literals.append((kind, m.group()))
            starts.append(m.start())
            at = m.end()
    parts.append(query[at:])
    return "".join(parts), literals, starts


class DocumentStore:
    """Query text -> (document, validation errors); least recently used goes first."""

    def __init__(self, size: int = SIZE, max_chars: int = MAX_CHARS) -> None:
        #: entries kept (0: none); bounded in count because each text is bounded in length
        self.size, self.max_chars = size, max_chars
        self._entries: LRU[tuple[DocumentNode, list[GraphQLError] | None]] = LRU(size)

    def get(self, query: str) -> tuple[DocumentNode, list[GraphQLError] | None] | None:
        return self._entries.get(query)

    def peek(self, query: str) -> tuple[DocumentNode, list[GraphQLError] | None] | None:
        """As ``get``, uncounted: compiled plans read the documents validated here (schema/plans.py)."""
        return self._entries.peek(query)

    def put(self, query: str, document: DocumentNode, errors: list[GraphQLError] | None) -> None:
        if len(query) > self.max_chars or self.size <= 0:
            return
        self._entries.put(query, (document, errors))

    @property
    def hits(self) -> int:
        return self._entries.hits

    @property
    def misses(self) -> int:
        return self._entries.misses

    def __len__(self) -> int:
        return len(self._entries)


class ShapeStore:
    """Shapes whose texts validated without errors, bounded by their bytes."""

    def __init__(self, max_bytes: int = SHAPE_BYTES, max_chars: int = MAX_CHARS) -> None:
        self.max_chars = max_chars
        self._clean: LRU[str] = LRU(max_bytes, len)

    def shape(self, query: str) -> str | None:
        """The text's shape; None for texts too long to be worth keeping."""
        return shape_of(query) if len(query) <= self.max_chars else None

    def is_clean(self, shape: str) -> bool:
        return self._clean.get(shape) is not None

    def add_clean(self, shape: str) -> None:
        self._clean.put(shape, shape)

    @property
    def hits(self) -> int:
        return self._clean.hits

    def __len__(self) -> int:
        return len(self._clean)


def document_cache(store: DocumentStore, shapes: ShapeStore | None = None) -> type[SchemaExtension]:
    """The extension over one schema's stores (its validation rules never change)."""
    shapes = shapes if shapes is not None else ShapeStore()

    class DocumentCache(SchemaExtension):
        def on_parse(self) -> Iterator[None]:
            ctx = self.execution_context
            query = ctx.query
            self._hit = store.get(query) if query and ctx.graphql_document is None else None
            self._shape = None
            if self._hit is not None:
                ctx.graphql_document = self._hit[0]
            elif query and ctx.graphql_document is None:
                self._shape = shapes.shape(query)
            yield

        def on_validate(self) -> Iterator[None]:
            ctx = self.execution_context
            hit = getattr(self, "_hit", None)
            shape = getattr(self, "_shape", None)
            if ctx.pre_execution_errors is None:  # Strawberry validates only when None
                if hit is not None:
                    ctx.pre_execution_errors = hit[1]
                elif shape is not None and ctx.graphql_document is not None and shapes.is_clean(shape):
                    rules = [r for r in ctx.validation_rules if r in VALUE_RULES]
                    ctx.pre_execution_errors = validate(ctx.schema._schema, ctx.graphql_document, rules)
            yield
            if hit is None and ctx.query and ctx.graphql_document is not None:
                store.put(ctx.query, ctx.graphql_document, ctx.pre_execution_errors)
                if shape is not None and not ctx.pre_execution_errors:
                    shapes.add_clean(shape)

    return DocumentCache

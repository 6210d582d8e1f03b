"""HTTP caching for immutable answers, and automatic persisted queries (Apollo APQ).

A finished height never changes, so an answer made only of explicitly named,
finished heights is cached for a year (``immutable``); anything about "the latest"
gets a one-second max-age; errors are ``no-store``. Every answer has an ETag, and
``If-None-Match`` gets a 304. APQ lets GET URLs carry a sha256 instead of the
document, so CDNs and nginx can key on short URLs.
"""

from __future__ import annotations

import hashlib

from cometgraph.storage.lru import LRU

IMMUTABLE = "public, max-age=31536000, immutable"
VOLATILE = "public, max-age=1"
NO_STORE = "no-store"


def cache_control(immutable: bool, ok: bool) -> str:
    if not ok:
        return NO_STORE
    return IMMUTABLE if immutable else VOLATILE


def etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def etag_matches(header: str | None, tag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(t.strip().removeprefix("W/") == tag for t in header.split(","))


class PersistedQueryNotFound(Exception):
    pass


class PersistedQueryMismatch(Exception):
    pass


#: registered documents' bytes: a client may register any number, each up to the body limit
PERSISTED_BYTES = 8 << 20


class PersistedQueries:
    """sha256 → document, bounded by the documents' bytes (clients resend on a miss)."""

    def __init__(self, max_bytes: int = PERSISTED_BYTES) -> None:
        self._d: LRU[str] = LRU(max_bytes, len)

    def resolve(self, query: str | None, extensions: dict | None) -> str | None:
        """The document to run: the query itself, or the one registered under its hash."""
        pq = (extensions or {}).get("persistedQuery") if isinstance(extensions, dict) else None
        if not isinstance(pq, dict):
            return query
        digest = pq.get("sha256Hash")
        if not isinstance(digest, str) or pq.get("version") != 1:
            raise PersistedQueryMismatch("persistedQuery needs version 1 and a sha256Hash")
        digest = digest.lower()
        if query:
            if hashlib.sha256(query.encode()).hexdigest() != digest:
                raise PersistedQueryMismatch("provided sha256Hash does not match the query")
            self._d.put(digest, query)
            return query
        found = self._d.get(digest)
        if found is None:
            raise PersistedQueryNotFound()
        return found

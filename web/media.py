"""GraphQL over HTTP media types: ``application/graphql-response+json`` when the client asks.

With that type the status code says whether the request ran: a request error (the document
does not parse or validate, a limit refuses it before execution, malformed JSON) is 4xx and
its body has no ``data`` entry; once execution started it is 200. ``application/json`` stays
the default and answers as it always did (200, ``data: null``), for clients that predate it.
"""

from __future__ import annotations

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"


def negotiate(accept: str | None) -> str:
    """The answer's media type for an ``Accept`` header: the better-weighted of the two,
    ``graphql-response+json`` on a tie (the spec's preference); JSON when neither is named."""
    weights: dict[str, float] = {}
    for part in (accept or "").split(","):
        kind, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for p in params:
            name, _, value = p.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        kind = kind.lower()
        if kind in (JSON, GRAPHQL_RESPONSE):
            weights[kind] = max(weights.get(kind, 0.0), q)
    graphql_q = weights.get(GRAPHQL_RESPONSE, 0.0)
    return GRAPHQL_RESPONSE if graphql_q > 0 and graphql_q >= weights.get(JSON, 0.0) else JSON


def content_type(media: str) -> str:
    return f"{media}; charset=utf-8" if media == GRAPHQL_RESPONSE else media

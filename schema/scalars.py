"""Custom scalars: BigInt (decimal string), DateTime (RFC 3339 as the node prints it), JSON.

Types are ``NewType``s; their GraphQL definitions are registered once in
``SCALARS`` (Strawberry's ``scalar_map``).
"""

from __future__ import annotations

from typing import Any, NewType

import strawberry

from cometgraph.storage.models import Time

BigInt = NewType("BigInt", int)
DateTime = NewType("DateTime", object)
JSON = NewType("JSON", object)


def _serialize_time(value: Any) -> str:
    if isinstance(value, Time):
        return value.rfc3339()
    raise TypeError(f"DateTime cannot represent {type(value).__name__}")


def _parse_bigint(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError("BigInt takes a decimal string or an integer")
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"BigInt cannot represent {value!r}") from None


SCALARS = {
    BigInt: strawberry.scalar(
        name="BigInt",
        description="An integer of any size (amounts, gas, voting power), as a decimal string.",
        serialize=lambda v: str(int(v)),
        parse_value=_parse_bigint,
    ),
    DateTime: strawberry.scalar(
        name="DateTime",
        description="RFC 3339 in UTC, nanoseconds kept, exactly as the node prints it: consensus times as its RPC does (trailing zeros trimmed), application-state times as its REST does (3, 6 or 9 digits).",
        serialize=_serialize_time,
        parse_value=lambda v: v,
    ),
    JSON: strawberry.scalar(
        name="JSON", description="Any JSON value (object, list, string…), given as-is rather than as a string.", serialize=lambda v: v, parse_value=lambda v: v
    ),
}

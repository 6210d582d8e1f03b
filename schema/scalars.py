"""Custom scalars: BigInt (decimal string), DateTime (RFC 3339 as the node prints it), JSON."""

from __future__ import annotations

from typing import Any, NewType

import strawberry

from cometgraph.storage.models import Time


def _serialize_time(value: Any) -> str:
    if isinstance(value, Time):
        return value.rfc3339()
    raise TypeError(f"DateTime cannot represent {type(value).__name__}")


BigInt = strawberry.scalar(
    NewType("BigInt", int),
    description="An integer of any size (amounts, gas, voting power), as a decimal string.",
    serialize=lambda v: str(int(v)),
    parse_value=lambda v: int(v),
)

DateTime = strawberry.scalar(
    NewType("DateTime", object),
    description="RFC 3339 time in UTC exactly as the node's RPC prints it: nanoseconds kept, trailing zeros trimmed.",
    serialize=_serialize_time,
    parse_value=lambda v: v,
)

JSON = strawberry.scalar(
    NewType("JSON", object),
    description="Arbitrary JSON.",
    serialize=lambda v: v,
    parse_value=lambda v: v,
)

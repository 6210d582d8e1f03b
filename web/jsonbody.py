"""The JSON bytes of a GraphQL answer, one encoder for every path that writes one.

orjson writes the compact form Strawberry's ``json.dumps(separators=(",", ":"))`` wrote,
several times faster, with text as UTF-8 instead of ``\\u`` escapes. The compiled and the
graphql-core paths both answer through here, so the same answer is the same bytes (and
the same ETag) whichever path made it.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def dumps(data: Any) -> bytes:
    try:
        return orjson.dumps(data)
    except TypeError:  # an int beyond 64 bits (a JSON scalar of raw chain data): the standard library's way
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()

"""The one outer form of every cursor the service issues: unpadded url-safe base64 of a payload
that names its list (``kind:value`` for keyset positions, ``c1…`` for tx search positions).

One encoder and one decoder, so every cursor reads and fails the same way; what a payload means
is its list's business (``storage.txcursor``, ``resolvers.paging``).
"""

from __future__ import annotations

import base64
import binascii

#: every list's page size when none is asked, and the most one page holds (GraphQL ``first`` /
#: ``last``, and the tx index's ``limit``)
DEFAULT_PAGE = 20
MAX_PAGE = 100


class MalformedCursor(ValueError):
    """The text is not unpadded url-safe base64: no list issued it."""


def pack(payload: bytes) -> str:
    return base64.urlsafe_b64encode(payload).decode("ascii").rstrip("=")


def unpack(cursor: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError, TypeError):
        raise MalformedCursor(cursor) from None

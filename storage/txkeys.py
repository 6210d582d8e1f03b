"""CometBFT's kv tx-index keys, parsed as its indexer reads them: ``tag/value/height/index``
with an optional ``$es$N`` event suffix, height and index taken from the right (values may
contain ``/``). Pure functions; the rules that use them are in ``storage.txmatch``."""

from __future__ import annotations

from .query import GO_SPACE

SEP = b"/"
ES = b"$es$"
INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
_GO_SPACE_BYTES = tuple(ch.encode("utf-8") for ch in GO_SPACE)


def key_height(key: bytes) -> int | None:
    """The second-to-last ``/`` segment as an int64, as ``extractHeightFromKey`` reads it."""
    end = key.rfind(SEP)
    if end < 1:
        return None
    start = key.rfind(SEP, 0, end - 1)
    if start < 0:
        return None
    return parse_int64(key[start + 1 : end])


def parse_int64(raw: bytes) -> int | None:
    """Go ``strconv.ParseInt(s, 10, 64)``: optional sign, ASCII digits, int64 range."""
    body = raw[1:] if raw[:1] in (b"+", b"-") else raw
    if not body or not body.isdigit() or not body.isascii():
        return None
    v = int(raw)
    return v if INT64_MIN <= v <= INT64_MAX else None


def key_value(key: bytes) -> bytes:
    """Between the first and the second-to-last ``/``, trimmed of spaces (``extractValueFromKey``)."""
    first = key.find(SEP)
    last = key.rfind(SEP)
    second_last = key.rfind(SEP, 0, last) if last > 0 else -1
    if first < 0 or second_last <= first:  # CometBFT only calls this on keys with ≥ 3 separators
        return b""
    return go_trim_space(key[first + 1 : second_last])


def go_trim_space(raw: bytes) -> bytes:
    """``bytes.TrimSpace``: ASCII and Unicode white space at both ends."""
    changed = True
    while changed and raw:
        changed = False
        for sp in _GO_SPACE_BYTES:
            if raw.startswith(sp):
                raw, changed = raw[len(sp) :], True
            if raw.endswith(sp):
                raw, changed = raw[: -len(sp)], True
    return raw


def key_seq(key: bytes) -> bytes:
    """The ``$es$N`` suffix of the last segment, or ``0`` (``extractEventSeqFromKey``)."""
    last = key.rsplit(SEP, 1)[-1]
    at = last.find(ES)
    return last[at + len(ES) :] if at >= 0 else b"0"


def has_seq(key: bytes) -> bool:
    """Keys written by CometBFT ≥ 0.34.27 group attributes by event; older keys do not."""
    return ES in key.rsplit(SEP, 1)[-1]


def is_tag_key(key: bytes) -> bool:
    return key.count(SEP) >= 3

"""A bounded ``operation`` label for metrics.

Every distinct label value is a new time series (a counter per outcome, a histogram of 16
series), and the operation name is whatever a client sends: five random names made 70 new
series. The label takes the names of operations cometgraph's own clients send, plus the first
``max_learned`` other names that answered without an error; anything else is ``other``.
"""

from __future__ import annotations

import re

#: operations without a name (the explorer sends these)
ANONYMOUS = "anonymous"
OTHER = "other"
#: named operations of examples/ (the explorer's are anonymous)
KNOWN = frozenset({ANONYMOUS, "Latest", "History"})
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")


class OperationNames:
    def __init__(self, known: frozenset[str] = KNOWN, max_learned: int = 32) -> None:
        self.known = frozenset(known)
        self.max_learned = max_learned
        self.learned: set[str] = set()

    def label(self, name: str | None, ok: bool) -> str:
        """The label for an operation called ``name``; an unseen name is learned only from an
        answer without errors, while room is left, so junk requests cannot use the room up."""
        if not name:
            return ANONYMOUS
        if name in self.known or name in self.learned:
            return name
        if ok and len(self.learned) < self.max_learned and _NAME.fullmatch(name):
            self.learned.add(name)
            return name
        return OTHER

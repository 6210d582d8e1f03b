"""What ``cometgraph verify`` found: the checks by name, each mismatch, the report, and the
bookkeeping of one run (``storage.integrity`` runs it, ``storage.verify_batch`` checks)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

CHECKS = (
    "block_hash",
    "part_set_hash",
    "last_block_id",
    "data_hash",
    "last_commit_hash",
    "commit",
    "validators_hash",
    "next_validators_hash",
    "consensus_hash",
    "app_hash",
    "last_results_hash",
)
MAX_MISMATCHES = 50


@dataclass(frozen=True)
class Mismatch:
    height: int
    check: str
    #: what the chain recorded (the header, the meta, the next block), hex or text
    recorded: str
    #: what the stored data recomputes to (or the decode error)
    computed: str

    def __str__(self) -> str:
        if self.check == "decode":
            return f"height {self.height}: a record does not decode: {self.computed}"
        return f"height {self.height}: {self.check}: recorded {self.recorded}, recomputed {self.computed}"


@dataclass
class Report:
    chain_id: str = ""
    from_height: int = 0
    to_height: int = 0
    #: heights per header encoding (proto, amino-0.33, amino-0.32)
    encodings: Counter[str] = field(default_factory=Counter)
    #: check → heights where it ran and matched
    passed: Counter[str] = field(default_factory=Counter)
    #: (check, reason) → heights where it could not run
    unchecked: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: the first ``MAX_MISMATCHES`` mismatches in height order; ``mismatch_count`` counts all
    mismatches: list[Mismatch] = field(default_factory=list)
    mismatch_count: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.mismatch_count == 0

    @property
    def first_mismatch(self) -> Mismatch | None:
        return self.mismatches[0] if self.mismatches else None

    @property
    def heights(self) -> int:
        return max(0, self.to_height - self.from_height + 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "chain_id": self.chain_id,
            "from_height": self.from_height,
            "to_height": self.to_height,
            "encodings": dict(self.encodings),
            "passed": dict(self.passed),
            "unchecked": [{"check": c, "reason": r, "heights": n} for (c, r), n in self.unchecked.items()],
            "mismatch_count": self.mismatch_count,
            "mismatches": [m.__dict__ for m in self.mismatches],
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
        }


def hex_or_empty(b: bytes) -> str:
    return b.hex().upper() if b else "(empty)"


class Run:
    def __init__(self, report: Report, stop_at_first: bool, first_height: int) -> None:
        self.r = report
        self.stop = stop_at_first
        #: the chain's first height (state.db's initial_height): its block points at nothing
        self.first_height = first_height
        self._decode_failures: set[tuple[int, str]] = set()

    @property
    def done(self) -> bool:
        return self.stop and not self.r.ok

    def check(self, h: int, name: str, recorded: bytes, computed: bytes) -> None:
        if recorded == computed:
            self.r.passed[name] += 1
        else:
            self.fail(Mismatch(h, name, hex_or_empty(recorded), hex_or_empty(computed)))

    def fail(self, m: Mismatch) -> None:
        if m.check == "decode":  # one damaged record may be met by several checks
            if (m.height, m.computed) in self._decode_failures:
                return
            self._decode_failures.add((m.height, m.computed))
        self.r.mismatch_count += 1
        if len(self.r.mismatches) < MAX_MISMATCHES:
            self.r.mismatches.append(m)

    def skip(self, name: str, reason: str, n: int = 1) -> None:
        self.r.unchecked[name, reason] += n

"""x/gov state read from the ``gov`` IAVL store: proposals, votes, deposits and params at a
version, in the shapes of the node's REST (``/cosmos/gov/v1/...``).

Keys (SDK 0.50 x/gov/types/keys.go; the same bytes since 0.43, when addresses got a length
byte; ``lp(a)`` = 1-byte length + address):

=========================  =====================================================
``0x00 BE64(id)``          ``Proposal`` (v1 since SDK 0.46; v1beta1 before)
``0x10 BE64(id) lp(a)``    ``Deposit``
``0x20 BE64(id) lp(a)``    ``Vote``
``0x30``                   ``v1.Params`` (≥ 0.47; before, the x/params store's ``gov/*`` keys)
=========================  =====================================================

A v1beta1 proposal record (≤ 0.45) holds one ``content`` Any where v1 holds ``messages``; it
is shown as a v1 proposal whose one message is that content, titled as the content is (the
node's own 0.46 migration wraps it in a ``MsgExecLegacyContent`` instead).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..codec.registry import DescriptorRegistry, default_registry
from ..codec.tx import DynamicMessage
from ..errors import CorruptRecord, InvalidInput
from ..models import Coin, Time
from .iavl import IAVLTree
from .legacydec import dec_text, legacy_dec_value
from .module import ModuleReader, length_prefixed
from .sdkcodec import AddressKeys, decode, duration_ns_text, legacy_params, rest_json
from .store import AppStore

__all__ = ["Deposit", "GovReader", "Proposal", "ProposalMessage", "Tally", "Vote", "STATUSES", "OPTIONS"]

STORE = "gov"
PROPOSALS = b"\x00"
DEPOSITS = b"\x10"
VOTES = b"\x20"
PARAMS = b"\x30"

STATUSES = (
    "PROPOSAL_STATUS_UNSPECIFIED",
    "PROPOSAL_STATUS_DEPOSIT_PERIOD",
    "PROPOSAL_STATUS_VOTING_PERIOD",
    "PROPOSAL_STATUS_PASSED",
    "PROPOSAL_STATUS_REJECTED",
    "PROPOSAL_STATUS_FAILED",
)
OPTIONS = ("VOTE_OPTION_UNSPECIFIED", "VOTE_OPTION_YES", "VOTE_OPTION_ABSTAIN", "VOTE_OPTION_NO", "VOTE_OPTION_NO_WITH_VETO")
_V1 = "cosmos.gov.v1"
_V1BETA1 = "cosmos.gov.v1beta1"
MAX_ID = 2**64 - 1


@dataclass(frozen=True, slots=True)
class ProposalMessage:
    type_url: str
    #: the message as the REST prints it (``@type`` first)
    json: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Tally:
    """Four math.Int counts (decimal text), as the REST prints them."""

    yes: str
    abstain: str
    no: str
    no_with_veto: str


@dataclass(frozen=True, slots=True)
class Proposal:
    id: int
    status: str
    messages: tuple[ProposalMessage, ...]
    final_tally: Tally | None
    submit_time: Time | None
    deposit_end_time: Time | None
    total_deposit: tuple[Coin, ...]
    voting_start_time: Time | None
    voting_end_time: Time | None
    metadata: str
    title: str
    summary: str
    proposer: str
    expedited: bool
    failed_reason: str
    #: "v1" or "v1beta1": the record's own generation
    generation: str


@dataclass(frozen=True, slots=True)
class Vote:
    proposal_id: int
    voter: str
    #: (option name, weight as LegacyDec text), as stored
    options: tuple[tuple[str, str], ...]
    metadata: str


@dataclass(frozen=True, slots=True)
class Deposit:
    proposal_id: int
    depositor: str
    amount: tuple[Coin, ...]


def _time(msg: DynamicMessage, field: str) -> Time | None:
    if not msg.HasField(field):
        return None
    ts = getattr(msg, field)
    return Time(ts.seconds, ts.nanos)


def _coins(items: Any) -> tuple[Coin, ...]:
    return tuple(Coin(c.denom, c.amount or "0") for c in items)


def _status(n: int) -> str:
    return STATUSES[n] if 0 <= n < len(STATUSES) else str(n)


def _option(n: int) -> str:
    return OPTIONS[n] if 0 <= n < len(OPTIONS) else str(n)


def proposal_key(pid: int) -> bytes:
    return PROPOSALS + struct.pack(">Q", pid)


def check_id(pid: int) -> int:
    if not 0 <= pid <= MAX_ID:
        raise InvalidInput(f"a proposal id is a uint64; got {pid}")
    return pid


class GovReader(ModuleReader):
    """x/gov at any retained version. A missing proposal is None; undecodable bytes raise ``CorruptRecord``."""

    def __init__(self, app: AppStore, registry: DescriptorRegistry | None = None, store: str = STORE) -> None:
        super().__init__(app, store)
        self.registry = registry or default_registry()

    def _probe(self, tree: IAVLTree) -> bool | None:
        # ≤ 0.42: 0x20 BE64(id) + a bare 20-byte address; later a length byte precedes it.
        # Votes and deposits are deleted once a proposal ends: often no key tells.
        return length_prefixed(tree, VOTES, DEPOSITS, width=8 + 20)

    def _layout(self, prefixed: bool) -> AddressKeys:
        return AddressKeys(prefixed)

    # -------------------------------------------------------------- records
    def _is_v1beta1(self, raw: bytes, key: bytes) -> bool:
        """v1 and v1beta1 share fields 1-9; v1 adds 10-15 and holds Msgs in field 2 (repeated),
        where v1beta1 holds one Content (``…Proposal`` types, never ``Msg…``)."""
        m = decode(f"{_V1}.Proposal", raw, self.app.db, self._key(key))
        if m.metadata or m.title or m.summary or m.proposer or m.expedited or m.failed_reason:
            return False
        if len(m.messages) != 1:
            return False
        name = m.messages[0].type_url.rsplit("/", 1)[-1].rsplit(".", 1)[-1]
        return not name.startswith("Msg")

    def _proposal(self, raw: bytes, key: bytes) -> Proposal:
        if self._is_v1beta1(raw, key):
            return self._proposal_v1beta1(raw, key)
        m = decode(f"{_V1}.Proposal", raw, self.app.db, self._key(key))
        t = m.final_tally_result if m.HasField("final_tally_result") else None
        return Proposal(
            id=m.id,
            status=_status(m.status),
            messages=tuple(ProposalMessage(a.type_url, self.registry.message_json(a.type_url, a.value)) for a in m.messages),
            final_tally=None if t is None else Tally(t.yes_count or "0", t.abstain_count or "0", t.no_count or "0", t.no_with_veto_count or "0"),
            submit_time=_time(m, "submit_time"),
            deposit_end_time=_time(m, "deposit_end_time"),
            total_deposit=_coins(m.total_deposit),
            voting_start_time=_time(m, "voting_start_time"),
            voting_end_time=_time(m, "voting_end_time"),
            metadata=m.metadata,
            title=m.title,
            summary=m.summary,
            proposer=m.proposer,
            expedited=m.expedited,
            failed_reason=m.failed_reason,
            generation="v1",
        )

    def _proposal_v1beta1(self, raw: bytes, key: bytes) -> Proposal:
        m = decode(f"{_V1BETA1}.Proposal", raw, self.app.db, self._key(key))
        content = self.registry.message_json(m.content.type_url, m.content.value)
        t = m.final_tally_result
        return Proposal(
            id=m.proposal_id,
            status=_status(m.status),
            messages=(ProposalMessage(m.content.type_url, content),),
            final_tally=Tally(t.yes or "0", t.abstain or "0", t.no or "0", t.no_with_veto or "0"),
            submit_time=_time(m, "submit_time"),
            deposit_end_time=_time(m, "deposit_end_time"),
            total_deposit=_coins(m.total_deposit),
            voting_start_time=_time(m, "voting_start_time"),
            voting_end_time=_time(m, "voting_end_time"),
            metadata="",
            title=str(content.get("title", "")),
            summary=str(content.get("description", "")),
            proposer="",
            expedited=False,
            failed_reason="",
            generation="v1beta1",
        )

    def _vote(self, raw: bytes, key: bytes) -> Vote:
        m = decode(f"{_V1}.Vote", raw, self.app.db, self._key(key))
        options = tuple((_option(o.option), o.weight) for o in m.options)
        if not options:  # a v1beta1 record of SDK ≤ 0.42: one option in field 3, weight 1
            old = decode(f"{_V1BETA1}.Vote", raw, self.app.db, self._key(key))
            options = ((_option(old.option), dec_text(10**18)),)
        else:
            options = tuple((name, self._weight(w, key)) for name, w in options)
        return Vote(proposal_id=m.proposal_id, voter=m.voter, options=options, metadata=m.metadata)

    def _weight(self, text: str, key: bytes) -> str:
        """v1 stores the weight as LegacyDec text, v1beta1 (same field) as the raw ×10^18 integer."""
        try:
            return dec_text(legacy_dec_value(text)) if "." in text else dec_text(int(text or "0"))
        except ValueError:
            raise CorruptRecord(self.app.db, self._key(key), f"vote weight {text[:40]!r} is not a decimal") from None

    def _deposit(self, raw: bytes, key: bytes) -> Deposit:
        m = decode(f"{_V1}.Deposit", raw, self.app.db, self._key(key))
        return Deposit(proposal_id=m.proposal_id, depositor=m.depositor, amount=_coins(m.amount))

    # -------------------------------------------------------------- reads
    def proposal(self, pid: int, version: int) -> Proposal | None:
        tree, _ = self._open(version)
        key = proposal_key(check_id(pid))
        raw = tree.get(key)
        return None if raw is None else self._proposal(raw, key)

    def iter_proposals(self, version: int, after: int | None = None) -> Iterator[Proposal]:
        """Proposals by id (the REST's order), from the one after ``after``."""
        tree, _ = self._open(version)
        start = proposal_key(after + 1) if after is not None and after < MAX_ID else None
        if after is not None and after >= MAX_ID:
            return
        for key, raw in tree.iterate(start or PROPOSALS, b"\x01"):
            if len(key) != 9:
                raise CorruptRecord(self.app.db, self._key(key), "a proposal key is 0x00 + 8 bytes")
            yield self._proposal(raw, key)

    def _child_prefix(self, prefix: bytes, pid: int) -> bytes:
        return prefix + struct.pack(">Q", check_id(pid))

    def has_vote(self, pid: int, voter: bytes, version: int) -> bool:
        tree, keys = self._open(version)
        return tree.get(self._child_prefix(VOTES, pid) + keys.addr(voter)) is not None

    def has_deposit(self, pid: int, depositor: bytes, version: int) -> bool:
        tree, keys = self._open(version)
        return tree.get(self._child_prefix(DEPOSITS, pid) + keys.addr(depositor)) is not None

    def _children(self, prefix: bytes, pid: int, version: int, after: bytes | None) -> Iterator[tuple[bytes, bytes, bytes]]:
        """(address bytes, key, value) of one proposal's votes or deposits by key, after ``after``'s key."""
        tree, keys = self._open(version)
        head = self._child_prefix(prefix, pid)
        end = self._child_prefix(prefix, pid + 1) if pid < MAX_ID else prefix[:-1] + bytes([prefix[-1] + 1])
        start = head + keys.addr(after) + b"\x00" if after is not None else head
        for key, raw in tree.iterate(start, end):
            parts = keys.split(key[len(head) :], 1)
            if parts is None:
                raise CorruptRecord(self.app.db, self._key(key), "the address in the key does not parse")
            yield parts[0], key, raw

    def votes(self, pid: int, version: int, after: bytes | None = None, limit: int | None = None) -> list[tuple[bytes, Vote]]:
        """(voter bytes, vote) by voter key bytes (the REST's order), after voter ``after``."""
        out: list[tuple[bytes, Vote]] = []
        for addr, key, raw in self._children(VOTES, pid, version, after):
            if limit is not None and len(out) >= limit:
                break
            out.append((addr, self._vote(raw, key)))
        return out

    def iter_votes(self, pid: int, version: int) -> Iterator[tuple[bytes, Vote]]:
        for addr, key, raw in self._children(VOTES, pid, version, None):
            yield addr, self._vote(raw, key)

    def deposits(self, pid: int, version: int, after: bytes | None = None, limit: int | None = None) -> list[tuple[bytes, Deposit]]:
        out: list[tuple[bytes, Deposit]] = []
        for addr, key, raw in self._children(DEPOSITS, pid, version, after):
            if limit is not None and len(out) >= limit:
                break
            out.append((addr, self._deposit(raw, key)))
        return out

    # -------------------------------------------------------------- params
    def params(self, version: int) -> dict[str, Any]:
        """``/cosmos/gov/v1/params/{type}``' ``params``: key ``0x30`` (≥ 0.47); ≤ 0.46 the
        x/params store's three amino-JSON records put in the same shape (the v1 fields they
        lack left out); {} if neither exists."""
        tree, _ = self._open(version)
        raw = tree.get(PARAMS)
        if raw is not None:
            return rest_json(f"{_V1}.Params", raw, self.app.db, self._key(PARAMS))
        old = legacy_params(self.app, version, "gov", ("depositparams", "votingparams", "tallyparams"))
        if old is None:
            return {}
        try:
            dep, vot, tal = old.get("depositparams") or {}, old.get("votingparams") or {}, old.get("tallyparams") or {}
            return {
                "min_deposit": [{"denom": c["denom"], "amount": str(c["amount"])} for c in dep.get("min_deposit") or []],
                "max_deposit_period": duration_ns_text(int(dep.get("max_deposit_period", 0))),
                "voting_period": duration_ns_text(int(vot.get("voting_period", 0))),
                "quorum": dec_text(legacy_dec_value(str(tal.get("quorum", "0")))),
                "threshold": dec_text(legacy_dec_value(str(tal.get("threshold", "0")))),
                "veto_threshold": dec_text(legacy_dec_value(str(tal.get("veto_threshold", tal.get("veto", "0"))))),
            }
        except (KeyError, TypeError, ValueError) as exc:
            raise CorruptRecord(self.app.db, b"s/k:params/gov/", f"params do not decode: {exc}") from None

"""Block, Commit and their connection: thin types over storage models."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from cometgraph.resolvers import blocks as R
from cometgraph.resolvers import txs as TR
from cometgraph.resolvers import validators as validator_resolvers
from cometgraph.storage.models import BLOCK_ID_FLAGS

from .common import Event, b64, events_of, hexu
from .connection import connection
from .scalars import BigInt, DateTime
from .selection import selects_any
from .validator import Validator

if TYPE_CHECKING:
    from .tx import Tx


#: Tx fields answered from the block's ABCI results, and from the tx's decoded body
_RESULT_FIELDS = frozenset({"code", "codespace", "log", "info", "gasWanted", "gasUsed", "data", "events"})
_BODY_FIELDS = frozenset({"memo", "timeoutHeight", "fee", "messages", "signers"})


@strawberry.type(description="One validator's precommit in a commit: one entry per member of the committed height's set, absent ones included.")
class CommitSig:
    block_id_flag: str = strawberry.field(
        description="BLOCK_ID_FLAG_COMMIT (signed this block), BLOCK_ID_FLAG_NIL (voted nil) or BLOCK_ID_FLAG_ABSENT (no vote received), as the RPC prints it."
    )
    validator_address: str | None = strawberry.field(description="The signer's consensus address, upper-case hex; null for an absent vote.")
    timestamp: DateTime | None = strawberry.field(description="The vote's time, as the RPC prints it.")
    signature: str | None = strawberry.field(description="The vote's signature, base64; null for an absent vote.")
    _height: strawberry.Private[int]

    @strawberry.field(description="The signer in the validator set of the committed height.")
    async def validator(self, info: Info) -> Validator | None:
        if not self.validator_address:
            return None
        vs = await validator_resolvers.validator_set(info.context, self._height)
        if vs is None:
            return None
        for v in vs.validators:
            if hexu(v.address) == self.validator_address:
                return Validator.from_model(v, self._height)
        return None


@strawberry.type(description="The precommits (more than 2/3 of the voting power) that made a block final.")
class Commit:
    height: int = strawberry.field(description="Height of the committed block.")
    round: int = strawberry.field(description="Consensus round in which it was committed (0 when the first round succeeded).")
    block_hash: str = strawberry.field(description="Hash of the committed block, upper-case hex.")
    block_parts_total: int = strawberry.field(description="Number of parts the committed block was split into.")
    block_parts_hash: str = strawberry.field(description="Merkle root of those parts, upper-case hex.")
    signatures: list[CommitSig] = strawberry.field(
        description="One per validator of the committed height's set, in the set's order (voting power descending, then address)."
    )

    @classmethod
    def from_model(cls, c) -> Commit:
        return cls(
            height=c.height,
            round=c.round,
            block_hash=hexu(c.block_id.hash),
            block_parts_total=c.block_id.part_set_header.total,
            block_parts_hash=hexu(c.block_id.part_set_header.hash),
            signatures=[
                CommitSig(
                    block_id_flag=BLOCK_ID_FLAGS.get(s.block_id_flag, str(s.block_id_flag)),
                    validator_address=hexu(s.validator_address) or None,
                    timestamp=s.timestamp,
                    signature=b64(s.signature) if s.signature else None,
                    _height=c.height,
                )
                for s in c.signatures
            ],
        )


@strawberry.type(description="A block; header fields come from its meta, everything else is read only when asked.")
class Block:
    _meta: strawberry.Private[object]
    # the hottest header fields are plain attributes, filled in from_model: Strawberry then
    # resolves them with a getattr instead of a wrapped resolver call per field per block
    height: int = strawberry.field(description="The block's height (≥ 1).")
    hash: str = strawberry.field(description="The block hash (Merkle root of the header), upper-case hex as the RPC prints it.")
    time: DateTime = strawberry.field(description="The header's time, as the RPC prints it.")
    chain_id: str = strawberry.field(description="The chain id the header names.")
    proposer_address: str = strawberry.field(description="Consensus address of the validator that proposed it, upper-case hex.")
    app_hash: str = strawberry.field(description="The application's state hash after the previous block, upper-case hex.")
    num_txs: int = strawberry.field(description="How many txs it holds (from its meta: no parts are read).")

    @classmethod
    def from_model(cls, meta) -> Block:
        h = meta.header
        return cls(
            _meta=meta,
            height=h.height,
            hash=hexu(meta.block_id.hash),
            time=h.time,
            chain_id=h.chain_id,
            proposer_address=hexu(h.proposer_address),
            app_hash=hexu(h.app_hash),
            num_txs=meta.num_txs,
        )

    @property
    def _h(self):
        return self._meta.header

    @strawberry.field(description="Size of the encoded block in bytes, as its meta records it (0 for Tendermint 0.32, whose metas record none).")
    def size(self) -> int:
        return self._meta.block_size

    @strawberry.field(description="Block protocol version (header.version.block).")
    def version_block(self) -> BigInt:
        return self._h.version_block

    @strawberry.field(description="Application protocol version (header.version.app; 0 when unset).")
    def version_app(self) -> BigInt:
        return self._h.version_app

    @strawberry.field(description="Hash of the previous block, upper-case hex; empty for the chain's first block.")
    def last_block_hash(self) -> str:
        return hexu(self._h.last_block_id.hash)

    @strawberry.field(description="Number of parts of the previous block; 0 for the chain's first block.")
    def last_block_parts_total(self) -> int:
        return self._h.last_block_id.part_set_header.total

    @strawberry.field(description="Merkle root of the previous block's parts, upper-case hex; empty for the first block.")
    def last_block_parts_hash(self) -> str:
        return hexu(self._h.last_block_id.part_set_header.hash)

    @strawberry.field(description="Merkle root of the previous block's commit signatures (`lastCommit`), upper-case hex.")
    def last_commit_hash(self) -> str:
        return hexu(self._h.last_commit_hash)

    @strawberry.field(description="Merkle root of this block's txs, upper-case hex.")
    def data_hash(self) -> str:
        return hexu(self._h.data_hash)

    @strawberry.field(description="Hash of the validator set that signs this block (`validators`), upper-case hex.")
    def validators_hash(self) -> str:
        return hexu(self._h.validators_hash)

    @strawberry.field(description="Hash of the validator set that signs the next block, upper-case hex.")
    def next_validators_hash(self) -> str:
        return hexu(self._h.next_validators_hash)

    @strawberry.field(description="Hash of the consensus parameters in force, upper-case hex.")
    def consensus_hash(self) -> str:
        return hexu(self._h.consensus_hash)

    @strawberry.field(description="Merkle root of the previous block's tx results, upper-case hex.")
    def last_results_hash(self) -> str:
        return hexu(self._h.last_results_hash)

    @strawberry.field(description="Merkle root of the misbehaviour evidence in this block, upper-case hex.")
    def evidence_hash(self) -> str:
        return hexu(self._h.evidence_hash)

    @strawberry.field(
        description="Every hash of this block recomputed from the stored bytes matches (header, parts, data, commits, validators, params, results, app hash): `cometgraph verify` for this height."
    )
    async def verified(self, info: Info) -> bool:
        return await R.verified(info.context, self._meta)

    @strawberry.field(description="The block's txs in block order (`index` 0, 1, …); reads the block's parts.")
    async def txs(self, info: Info) -> list[Annotated[Tx, strawberry.lazy(".tx")]]:
        from .tx import Tx

        results, decode = selects_any(info, _RESULT_FIELDS), selects_any(info, _BODY_FIELDS)
        return [Tx(_ref=r) for r in await TR.block_txs(info.context, self._h.height, results=results, decode=decode)]

    @strawberry.field(description="The previous block's commit, as carried in this block.")
    async def last_commit(self, info: Info) -> Commit | None:
        c = await R.last_commit(info.context, self._h.height)
        return Commit.from_model(c) if c is not None else None

    @strawberry.field(description="The commit for this block (the next block's last commit, or the node's own at the top).")
    async def commit(self, info: Info) -> Commit | None:
        c = await R.commit(info.context, self._h.height)
        return Commit.from_model(c) if c is not None else None

    @strawberry.field(description="Block-level events: begin/end block (≤0.37) or finalize-block (≥0.38), in the node's order.")
    async def events(self, info: Info) -> list[Event]:
        res = await R.block_results(info.context, self._h.height)
        if res is None:
            return []
        evs = res.finalize_block_events if res.layout == "finalize_block" else res.begin_block_events + res.end_block_events
        return events_of(evs)

    @strawberry.field(
        description="The validator set that signs this block, in the set's order (voting power descending, then address), as the RPC's /validators lists it."
    )
    async def validators(self, info: Info) -> list[Validator]:
        vs = await validator_resolvers.validator_set(info.context, self._h.height)
        return [Validator.from_model(v, self._h.height) for v in vs.validators] if vs else []


BlockConnection = connection(
    Block,
    Block.from_model,
    description="One page of `blocks` (newest first) or of `blockSearch` (in its `orderBy`).",
    edges_description="The page's blocks with their cursors, in the list's order (newest first unless `blockSearch` was asked ASC).",
    nodes_description="The page's blocks without cursors, in the same order as `edges`.",
    edge_description="A block with its cursor.",
    cursor_description="Opaque position of this block in its list: give it to `blocks` as `after` (older blocks) or `before` (newer ones), "
    "or to the same `blockSearch` (query and order) as `after`.",
    node_description="The block.",
)

"""Block, Commit and their connection: thin types over storage models."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from cometgraph.resolvers import blocks as R
from cometgraph.resolvers import txs as TR
from cometgraph.storage.models import BLOCK_ID_FLAGS

from .common import make_page_info, Event, PageInfo, b64, hexu
from .scalars import BigInt, DateTime
from .validator import Validator

if TYPE_CHECKING:
    from .tx import Tx


@strawberry.type
class CommitSig:
    block_id_flag: str
    validator_address: str | None
    timestamp: DateTime | None
    signature: str | None
    _height: strawberry.Private[int]

    @strawberry.field(description="The signer in the validator set of the committed height.")
    async def validator(self, info: Info) -> Validator | None:
        if not self.validator_address:
            return None
        vs = await info.context.loaders.validator_set.load(self._height)
        if vs is None:
            return None
        for v in vs.validators:
            if hexu(v.address) == self.validator_address:
                return Validator.from_model(v, self._height)
        return None


@strawberry.type
class Commit:
    height: int
    round: int
    block_hash: str
    block_parts_total: int
    block_parts_hash: str
    signatures: list[CommitSig]

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
    height: int
    hash: str
    time: DateTime
    chain_id: str
    proposer_address: str
    app_hash: str
    num_txs: int

    @classmethod
    def from_model(cls, meta) -> Block:
        h = meta.header
        return cls(_meta=meta, height=h.height, hash=hexu(meta.block_id.hash), time=h.time,
                   chain_id=h.chain_id, proposer_address=hexu(h.proposer_address),
                   app_hash=hexu(h.app_hash), num_txs=meta.num_txs)

    @property
    def _h(self):
        return self._meta.header

    @strawberry.field(description="Size of the encoded block in bytes.")
    def size(self) -> int:
        return self._meta.block_size

    @strawberry.field
    def version_block(self) -> BigInt:
        return self._h.version_block

    @strawberry.field
    def version_app(self) -> BigInt:
        return self._h.version_app

    @strawberry.field
    def last_block_hash(self) -> str:
        return hexu(self._h.last_block_id.hash)

    @strawberry.field
    def last_block_parts_total(self) -> int:
        return self._h.last_block_id.part_set_header.total

    @strawberry.field
    def last_block_parts_hash(self) -> str:
        return hexu(self._h.last_block_id.part_set_header.hash)

    @strawberry.field
    def last_commit_hash(self) -> str:
        return hexu(self._h.last_commit_hash)

    @strawberry.field
    def data_hash(self) -> str:
        return hexu(self._h.data_hash)

    @strawberry.field
    def validators_hash(self) -> str:
        return hexu(self._h.validators_hash)

    @strawberry.field
    def next_validators_hash(self) -> str:
        return hexu(self._h.next_validators_hash)

    @strawberry.field
    def consensus_hash(self) -> str:
        return hexu(self._h.consensus_hash)

    @strawberry.field
    def last_results_hash(self) -> str:
        return hexu(self._h.last_results_hash)

    @strawberry.field
    def evidence_hash(self) -> str:
        return hexu(self._h.evidence_hash)

    @strawberry.field(description="Every hash of this block recomputed from the stored bytes matches (header, parts, data, commits, validators, params, results, app hash): `cometgraph verify` for this height.")
    async def verified(self, info: Info) -> bool:
        return await R.verified(info.context, self._meta)

    @strawberry.field(description="The block's txs (reads the block's parts).")
    async def txs(self, info: Info) -> list[Annotated[Tx, strawberry.lazy(".tx")]]:
        from .tx import Tx

        return [Tx(_ref=r) for r in await TR.block_txs(info.context, self._h.height)]

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
        res = await info.context.loaders.block_results.load(self._h.height)
        if res is None:
            return []
        evs = res.finalize_block_events if res.layout == "finalize_block" else res.begin_block_events + res.end_block_events
        return [Event.from_model(e) for e in evs]

    @strawberry.field(description="The validator set that signed this block.")
    async def validators(self, info: Info) -> list[Validator]:
        vs = await info.context.loaders.validator_set.load(self._h.height)
        return [Validator.from_model(v, self._h.height) for v in vs.validators] if vs else []


@strawberry.type
class BlockEdge:
    cursor: str
    node: Block


@strawberry.type
class BlockConnection:
    edges: list[BlockEdge]
    page_info: PageInfo

    @strawberry.field
    def nodes(self) -> list[Block]:
        return [e.node for e in self.edges]

    @classmethod
    def from_page(cls, page) -> BlockConnection:
        edges = [BlockEdge(cursor=c, node=Block.from_model(m)) for c, m in zip(page.cursors, page.items)]
        return cls(edges=edges, page_info=make_page_info(page))

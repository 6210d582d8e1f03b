"""Blocks, block metas and commits from a node's blockstore.db.

The store keeps heights ``base..height`` (``blockStore`` key); below ``base`` the node
pruned, above ``height`` nothing exists yet. Every height in between has a meta, its
parts and (except the top) a commit: one missing there is damage, not absence.
Key layout (v1 ASCII or 1.0's v2 orderedcode) comes from the database's ``version``.

Tendermint 0.32 / 0.33 stores (amino; ``blockStore`` is JSON there) use the same keys.
Each meta says its own encoding (``Header.encoding``), and its block is decoded the
same way; amino blocks are length-prefixed in their parts and 0.33's ``block_size``
counts the block without that prefix (0.32 metas record no size). 0.32 keeps no
``BH:`` hash index: ``height_by_hash`` builds one from the metas on first use.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

from . import keys
from .codec import amino
from .codec import cometbft as codec
from .errors import CorruptRecord, InvalidInput, Pruned
from .kv import KV
from .models import PROTO, Block, BlockMeta, Commit
from .records import DECODED_PER_BYTE, RecordCache

_MAX_HEIGHT = (1 << 63) - 1


class BlockStore:
    """Read-only view of one blockstore.db; the KV is a frozen snapshot, so range and layout are read once."""

    def __init__(self, kv: KV, records: RecordCache | None = None) -> None:
        self.kv = kv
        self.db = kv.name
        #: decoded metas below the head, shared with the chain's other snapshots
        self._records = records if records is not None else RecordCache(0)
        self.layout = keys.layout_for(kv.get(keys.VERSION), self.db)
        raw = kv.get(keys.BLOCK_STORE_STATE)
        base, height = codec.decode_block_store_state(raw, self.db, keys.BLOCK_STORE_STATE) if raw else (0, 0)
        #: a Tendermint ≤ 0.33 store: its commits are amino (0.33 ones are byte-identical to protobuf)
        self.amino = codec.is_amino_block_store(raw)
        #: hash → height built from the metas, for stores without ``BH:`` keys (Tendermint 0.32)
        self._hash_index: dict[bytes, int] | None = None
        self._index_lock = threading.Lock()
        # CometBFT: a store that never pruned may hold base 0; its first block is 1
        self._base = 1 if base == 0 and height > 0 else base
        self._height = height

    def base(self) -> int:
        """Lowest retained height (0 for an empty store)."""
        return self._base

    def height(self) -> int:
        """Highest stored block (0 for an empty store)."""
        return self._height

    # ------------------------------------------------------------ metas
    def _in_range(self, h: int, what: str) -> bool:
        """False above the top; raises below base or for non-heights."""
        if isinstance(h, bool) or not isinstance(h, int) or not 1 <= h <= _MAX_HEIGHT:
            raise InvalidInput(f"height must be an integer from 1, got {h!r}")
        if h > self._height:
            return False
        if h < self._base:
            raise Pruned(what, h, self._base)
        return True

    def load_block_meta(self, h: int) -> BlockMeta | None:
        if not self._in_range(h, "block"):
            return None
        meta = self._records.get("meta", h) if h < self._height else None
        return meta if meta is not None else self._meta(h, self.kv.get(self.layout.block_meta(h)))

    def load_block_metas(self, hs: Sequence[int]) -> list[BlockMeta | None]:
        """Metas for many heights with one ``get_many``; aligned with ``hs``, None above the top.
        Metas below the head come from the chain's record cache when decoded before."""
        top = self._height
        if hs and all(type(h) is int for h in hs) and max(1, self._base) <= min(hs) and max(hs) <= _MAX_HEIGHT:
            inside = [h for h in hs if h <= top]  # every height valid and retained: _in_range's checks at once
        else:
            inside = [h for h in hs if self._in_range(h, "block")]  # raises for the first bad one
        below = [h for h in inside if h < top]
        cached: dict[int, BlockMeta] = {h: m for h, m in zip(below, self._records.get_many("meta", below)) if m is not None}
        wanted = [h for h in inside if h not in cached]
        if wanted:
            for h, raw in zip(wanted, self.kv.get_many([self.layout.block_meta(h) for h in wanted])):
                cached[h] = self._meta(h, raw)
        return [cached.get(h) for h in hs]

    def _meta(self, h: int, raw: bytes | None) -> BlockMeta:
        key = self.layout.block_meta(h)
        if raw is None:  # inside base..height every meta exists
            raise CorruptRecord(self.db, key, f"block meta missing inside the stored range {self._base}..{self._height}")
        meta = codec.decode_block_meta(raw, self.db, key)
        if meta.height != h:
            raise CorruptRecord(self.db, key, f"holds the meta of height {meta.height}")
        if h < self._height:
            self._records.put("meta", h, meta, DECODED_PER_BYTE * len(raw))
        return meta

    def iter_block_metas(self, from_height: int, to_height: int, *, reverse: bool = False, batch: int = 64) -> Iterator[BlockMeta]:
        """Metas of heights ``from_height..to_height`` (inclusive, clipped at the top), lazily, ``batch`` per read."""
        if from_height > to_height:
            return
        self._in_range(from_height, "block")
        hi = min(to_height, self._height)
        heights = range(hi, from_height - 1, -1) if reverse else range(from_height, hi + 1)
        for i in range(0, len(heights), batch):
            yield from self.load_block_metas(heights[i : i + batch])  # type: ignore[misc]

    def height_by_hash(self, block_hash: bytes) -> int | None:
        """The height of the block with this 32-byte hash, or None if this store never had it (or pruned it)."""
        if not isinstance(block_hash, bytes) or len(block_hash) != 32:
            raise InvalidInput("a block hash is 32 bytes")
        key = self.layout.block_hash(block_hash)
        raw = self.kv.get(key)
        if raw is None and self.amino and self._height:
            return self._scanned_hash_index().get(block_hash)
        return None if raw is None else codec.decode_decimal_height(raw, self.db, key)

    def _scanned_hash_index(self) -> dict[bytes, int]:
        """Tendermint 0.32 wrote no ``BH:`` index; read every meta once (``batch`` at a time) to make one.

        Cost: one pass over ``base..height`` metas on the first lookup of this snapshot (about
        40 bytes of memory per block); a store that has ``BH:`` keys never pays it.
        """
        with self._index_lock:
            if self._hash_index is None:
                keys = self.kv.iterate(prefix=b"BH:", include_value=False)
                try:
                    has_index = next(keys, None) is not None
                finally:
                    keys.close()
                index: dict[bytes, int] = {}
                if not has_index:
                    for meta in self.iter_block_metas(self._base, self._height, batch=1024):
                        index[meta.hash] = meta.height
                self._hash_index = index
            return self._hash_index

    # ------------------------------------------------------------ blocks and commits
    def load_block(self, h: int) -> Block | None:
        """The full block, reassembled from the parts its meta counts (CometBFT ``LoadBlock``)."""
        return self.load_blocks([h])[0]

    def load_blocks(self, hs: Sequence[int]) -> list[Block | None]:
        """Many blocks in two reads: one ``get_many`` for the metas, one for every part."""
        return [None if got is None else got[0] for got in self.load_blocks_with_parts(hs)]

    def load_blocks_with_parts(self, hs: Sequence[int], metas: Sequence[BlockMeta | None] | None = None) -> list[tuple[Block, list[bytes]] | None]:
        """``load_blocks``, each block with its parts' payloads (what the part-set hash covers).
        ``metas``: the heights' metas when the caller has them (aligned with ``hs``), saving a read."""
        if metas is None:
            metas = self.load_block_metas(hs)
        part_keys: list[bytes] = []
        spans: list[tuple[int, int] | None] = []
        for h, meta in zip(hs, metas):
            if meta is None:
                spans.append(None)
                continue
            total = meta.block_id.part_set_header.total
            if total < 1:
                raise CorruptRecord(self.db, self.layout.block_meta(h), "block meta counts no parts")
            spans.append((len(part_keys), total))
            part_keys += [self.layout.block_part(h, i) for i in range(total)]
        raws = self.kv.get_many(part_keys) if part_keys else []
        out: list[tuple[Block, list[bytes]] | None] = []
        for h, meta, span in zip(hs, metas, spans):
            if span is None or meta is None:  # together: a span was made for each meta
                out.append(None)
                continue
            start, total = span
            out.append(self._assemble(h, meta, part_keys[start : start + total], raws[start : start + total]))
        return out

    def _assemble(self, h: int, meta: BlockMeta, part_keys: list[bytes], raws: list[bytes | None]) -> tuple[Block, list[bytes]]:
        total = len(part_keys)
        chunks = []
        for i, (key, raw) in enumerate(zip(part_keys, raws)):
            if raw is None:
                raise CorruptRecord(self.db, key, f"part {i} of {total} is missing")
            chunks.append(codec.decode_part(raw, i, self.db, key))
        data = b"".join(chunks)
        size = len(data)
        if meta.header.encoding != PROTO:  # amino: MarshalBinaryLengthPrefixed; block_size is the rest
            try:
                size = len(amino.strip_length_prefix(data))
            except amino.AminoError as exc:
                raise CorruptRecord(self.db, part_keys[0], f"parts do not hold one length-prefixed block: {exc}") from None
        if size != meta.block_size and (meta.block_size or meta.header.encoding == PROTO):
            raise CorruptRecord(self.db, part_keys[0], f"parts hold {size} bytes, the meta says {meta.block_size}")
        block = codec.decode_block(data, self.db, part_keys[0], meta.header.encoding)
        if block.header.encoding != meta.header.encoding:
            raise CorruptRecord(self.db, part_keys[0], f"an {block.header.encoding} block under an {meta.header.encoding} meta")
        if block.header.height != h:
            raise CorruptRecord(self.db, part_keys[0], f"parts hold block {block.header.height}")
        return block, chunks

    def load_commit(self, h: int) -> Commit | None:
        """The canonical commit for block ``h`` (block h+1's last_commit); None at the top, which has none yet."""
        if not self._in_range(h, "commit"):
            return None
        return self._commit(self.layout.block_commit(h), h)

    def load_commits(self, hs: Sequence[int]) -> list[Commit | None]:
        """Canonical commits for many heights with one ``get_many``; aligned with ``hs``."""
        wanted = [h for h in hs if self._in_range(h, "commit")]
        keys = {h: self.layout.block_commit(h) for h in wanted}
        found = dict(zip(wanted, self.kv.get_many([keys[h] for h in wanted])))
        return [self._commit_from(keys[h], h, found[h]) if h in found else None for h in hs]

    def load_seen_commit(self, h: int) -> Commit | None:
        """The +2/3 precommits this node itself saw for block ``h``; nodes keep it for recent heights only."""
        if not self._in_range(h, "seen commit"):
            return None
        return self._commit(self.layout.seen_commit(h), h)

    def _commit(self, key: bytes, h: int) -> Commit | None:
        return self._commit_from(key, h, self.kv.get(key))

    def _commit_from(self, key: bytes, h: int, raw: bytes | None) -> Commit | None:
        if raw is None:
            return None
        commit = codec.decode_commit(raw, self.db, key, amino=self.amino)
        if commit.height != h:
            raise CorruptRecord(self.db, key, f"holds the commit of height {commit.height}")
        return commit

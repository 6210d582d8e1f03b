"""CometBFT's hashes recomputed from decoded records, so stored data can prove itself.

With no node to ask (legacy archives), a header that re-hashes to its stored block
hash shows every header field decoded right; ``data_hash`` does the same for txs.
Merkle is RFC 6962 as in CometBFT ``crypto/merkle``: leaf sha256(0x00‖x), inner
sha256(0x01‖l‖r), split at the largest power of two below n, empty → sha256("").

Each generation hashes its own field encoding, chosen by the record's ``encoding``:

* protobuf (0.34+): ``cdcEncode`` wraps scalars in ``StringValue``/``Int64Value``/
  ``BytesValue``; an empty list hashes to sha256("").
* amino (0.32, 0.33; TM@v0.33.9 types/block.go ``Header.Hash``, types/encoding_helper.go,
  crypto/merkle/simple_tree.go): ``cdcEncode`` is amino ``MarshalBinaryBare`` — a
  string or byte slice as uvarint length + bytes, an int64 as a bare uvarint, a struct
  as its fields — and an empty string or byte slice (or a nil pointer) hashes as an
  empty leaf. An empty list hashes to nothing (``b""``). 0.32 headers have 16 fields
  (``num_txs`` and ``total_txs`` after the time).
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256
from typing import Any

from google.protobuf import timestamp_pb2, wrappers_pb2

from ..models import AMINO_032, PROTO, BlockID, Commit, ExecResult, Header, Validator
from ..proto import cometbft_pb2 as pb
from . import amino
from .amino import Writer


def merkle_root(items: Sequence[bytes]) -> bytes:
    """``merkle.HashFromByteSlices``.

    Computed bottom-up: hashing neighbours level by level and carrying an odd last node
    up unchanged builds exactly the tree that splits at the largest power of two below
    n (its left part is always a perfect tree), without recursion or slicing.
    """
    if not items:
        return sha256(b"").digest()
    level = [sha256(b"\x00" + x).digest() for x in items]
    while len(level) > 1:
        odd = level[-1] if len(level) % 2 else None
        level = [sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if odd is not None:
            level.append(odd)
    return level[0]


def _block_id_bytes(b: BlockID) -> bytes:
    # gogoproto non-nullable PartSetHeader: always present, even when empty
    m = pb.BlockID(hash=b.hash)
    m.part_set_header.SetInParent()
    m.part_set_header.total = b.part_set_header.total
    m.part_set_header.hash = b.part_set_header.hash
    out: bytes = m.SerializeToString()
    return out


def _bytes_value(b: bytes) -> bytes:
    return wrappers_pb2.BytesValue(value=b).SerializeToString()


def header_hash(h: Header) -> bytes:
    """``Header.Hash()``: merkle over the 14 fields (16 in 0.32), each encoded as that generation's ``cdcEncode``."""
    if h.encoding != PROTO:
        return _amino_header_hash(h)
    ts = timestamp_pb2.Timestamp(seconds=h.time.seconds, nanos=h.time.nanos)
    fields = [
        pb.ConsensusVersion(block=h.version_block, app=h.version_app).SerializeToString(),
        wrappers_pb2.StringValue(value=h.chain_id).SerializeToString(),
        wrappers_pb2.Int64Value(value=h.height).SerializeToString(),
        ts.SerializeToString(),
        _block_id_bytes(h.last_block_id),
        _bytes_value(h.last_commit_hash),
        _bytes_value(h.data_hash),
        _bytes_value(h.validators_hash),
        _bytes_value(h.next_validators_hash),
        _bytes_value(h.consensus_hash),
        _bytes_value(h.app_hash),
        _bytes_value(h.last_results_hash),
        _bytes_value(h.evidence_hash),
        _bytes_value(h.proposer_address),
    ]
    return merkle_root(fields)


def data_hash(txs: Sequence[bytes], encoding: str = PROTO) -> bytes:
    """``Txs.Hash()``: merkle over sha256 of each tx (amino generations: no txs → no hash)."""
    return _root([sha256(tx).digest() for tx in txs], encoding)


def _root(items: Sequence[bytes], encoding: str) -> bytes:
    """``merkle_root``, except that ≤0.33 hashed an empty list to nil."""
    if encoding != PROTO and not items:
        return b""
    return merkle_root(items)


def part_set_hash(parts: Sequence[bytes]) -> bytes:
    """``PartSetHeader.hash``: merkle over the parts' bytes (every generation)."""
    return merkle_root(parts)


_PUBKEY_FIELD = {"ed25519": "ed25519", "secp256k1": "secp256k1", "bls12_381": "bls12381"}


def validators_hash(validators: Sequence[Validator], encoding: str = PROTO) -> bytes:
    """``ValidatorSet.Hash()``: merkle over ``SimpleValidator{pub_key, voting_power}`` bytes
    (amino: ``{pub_key 1 (prefixed interface), voting_power 2}``)."""
    if encoding != PROTO:
        return _root([Writer().blob(1, amino.pubkey_bytes(v.pub_key)).sint(2, v.voting_power).done() for v in validators], encoding)
    return merkle_root(
        [
            pb.SimpleValidator(pub_key=pb.PublicKey(**{_PUBKEY_FIELD[v.pub_key.type]: v.pub_key.key}), voting_power=v.voting_power).SerializeToString()
            for v in validators
        ]
    )


def consensus_hash(params: dict[str, Any]) -> bytes:
    """``ConsensusParams.Hash()``: sha256 of ``HashedParams{block_max_bytes=1, block_max_gas=2}``.

    ``BlockParams`` has the same two field numbers and types, so it serializes alike.
    """
    block = params["block"]
    hp = pb.BlockParams(max_bytes=int(block["max_bytes"]), max_gas=int(block["max_gas"]))
    return sha256(hp.SerializeToString()).digest()


def results_hash(tx_results: Sequence[ExecResult], encoding: str = PROTO) -> bytes:
    """``ABCIResults.Hash()`` (the next header's last_results_hash): merkle over each
    result's deterministic part ``{code, data, gas_wanted, gas_used}`` (amino: ``{code, data}``)."""
    if encoding != PROTO:
        return _root([Writer().uint(1, r.code).blob(2, r.data).done() for r in tx_results], encoding)
    return merkle_root([pb.ExecTxResult(code=r.code, data=r.data, gas_wanted=r.gas_wanted, gas_used=r.gas_used).SerializeToString() for r in tx_results])


def commit_hash(commit: Commit) -> bytes:
    """``Commit.Hash()`` (the next header's last_commit_hash): merkle over each ``CommitSig``'s proto bytes
    (0.33: its amino bytes; 0.32: each precommit ``Vote``'s amino bytes, a nil one as an empty leaf)."""
    if commit.encoding != PROTO:
        return _amino_commit_hash(commit)
    leaves = []
    for s in commit.signatures:
        m = pb.CommitSig(block_id_flag=s.block_id_flag, validator_address=s.validator_address, signature=s.signature)
        m.timestamp.SetInParent()  # gogoproto non-nullable stdtime: always written
        if s.timestamp is not None:
            m.timestamp.seconds, m.timestamp.nanos = s.timestamp.seconds, s.timestamp.nanos
        leaves.append(m.SerializeToString())
    return merkle_root(leaves)


# ---------------------------------------------------------------- amino (Tendermint 0.32, 0.33)
def _bare_bytes(b: bytes) -> bytes:
    """``cdcEncode`` of a byte slice or string: nil when empty, else uvarint length + bytes."""
    return amino.bare_bytes(b) if b else b""


def _amino_block_id(b: BlockID) -> bytes:
    parts = Writer().sint(1, b.part_set_header.total).blob(2, b.part_set_header.hash).done()
    return Writer().blob(1, b.hash).struct(2, parts).done()


def _amino_header_hash(h: Header) -> bytes:
    fields = [
        Writer().uint(1, h.version_block).uint(2, h.version_app).done(),
        _bare_bytes(h.chain_id.encode()),
        amino.uvarint(h.height),  # an int64 is never "empty": cdcEncode(0) is 0x00
        amino.time_bytes(h.time),
    ]
    if h.encoding == AMINO_032:
        fields += [amino.uvarint(h.num_txs or 0), amino.uvarint(h.total_txs or 0)]
    fields.append(_amino_block_id(h.last_block_id))
    fields += [
        _bare_bytes(b)
        for b in (
            h.last_commit_hash,
            h.data_hash,
            h.validators_hash,
            h.next_validators_hash,
            h.consensus_hash,
            h.app_hash,
            h.last_results_hash,
            h.evidence_hash,
            h.proposer_address,
        )
    ]
    return merkle_root(fields)


_ABSENT, _COMMIT = 1, 2


def _amino_commit_hash(commit: Commit) -> bytes:
    leaves = []
    for index, s in enumerate(commit.signatures):
        if commit.encoding == AMINO_032:
            if s.block_id_flag == _ABSENT:
                leaves.append(b"")  # a nil *Vote: cdcEncode(nil) is nil
                continue
            block_id = _amino_block_id(commit.block_id) if s.block_id_flag == _COMMIT else b""
            leaves.append(
                Writer()
                .uint(1, 2)  # SignedMsgType precommit
                .sint(2, commit.height)
                .sint(3, commit.round)
                .struct(4, block_id)
                .time(5, s.timestamp)
                .blob(6, s.validator_address)
                .sint(7, index)
                .blob(8, s.signature)
                .done()
            )
        else:
            leaves.append(Writer().uint(1, s.block_id_flag).blob(2, s.validator_address).time(3, s.timestamp).blob(4, s.signature).done())
    return _root(leaves, commit.encoding)

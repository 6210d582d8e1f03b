"""CometBFT's hashes recomputed from decoded records, so stored data can prove itself.

With no node to ask (legacy archives), a header that re-hashes to its stored block
hash shows every header field decoded right; ``data_hash`` does the same for txs.
Merkle is RFC 6962 as in CometBFT ``crypto/merkle``: leaf sha256(0x00‖x), inner
sha256(0x01‖l‖r), split at the largest power of two below n, empty → sha256("").
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256

from google.protobuf import timestamp_pb2, wrappers_pb2

from ..models import BlockID, Commit, ExecResult, Header, Validator
from ..proto import cometbft_pb2 as pb


def merkle_root(items: Sequence[bytes]) -> bytes:
    """``merkle.HashFromByteSlices``."""
    n = len(items)
    if n == 0:
        return sha256(b"").digest()
    if n == 1:
        return sha256(b"\x00" + items[0]).digest()
    k = 1 << ((n - 1).bit_length() - 1)  # largest power of two < n
    return sha256(b"\x01" + merkle_root(items[:k]) + merkle_root(items[k:])).digest()


def _block_id_bytes(b: BlockID) -> bytes:
    # gogoproto non-nullable PartSetHeader: always present, even when empty
    m = pb.BlockID(hash=b.hash)
    m.part_set_header.SetInParent()
    m.part_set_header.total = b.part_set_header.total
    m.part_set_header.hash = b.part_set_header.hash
    return m.SerializeToString()


def _bytes_value(b: bytes) -> bytes:
    return wrappers_pb2.BytesValue(value=b).SerializeToString()


def header_hash(h: Header) -> bytes:
    """``Header.Hash()``: merkle over the 14 fields, each encoded as CometBFT's ``cdcEncode`` does."""
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


def data_hash(txs: Sequence[bytes]) -> bytes:
    """``Txs.Hash()``: merkle over sha256 of each tx."""
    return merkle_root([sha256(tx).digest() for tx in txs])


_PUBKEY_FIELD = {"ed25519": "ed25519", "secp256k1": "secp256k1", "bls12_381": "bls12381"}


def validators_hash(validators: Sequence[Validator]) -> bytes:
    """``ValidatorSet.Hash()``: merkle over ``SimpleValidator{pub_key, voting_power}`` bytes."""
    return merkle_root(
        [
            pb.SimpleValidator(
                pub_key=pb.PublicKey(**{_PUBKEY_FIELD[v.pub_key.type]: v.pub_key.key}), voting_power=v.voting_power
            ).SerializeToString()
            for v in validators
        ]
    )


def consensus_hash(params: dict) -> bytes:
    """``ConsensusParams.Hash()``: sha256 of ``HashedParams{block_max_bytes=1, block_max_gas=2}``.

    ``BlockParams`` has the same two field numbers and types, so it serializes alike.
    """
    block = params["block"]
    hp = pb.BlockParams(max_bytes=int(block["max_bytes"]), max_gas=int(block["max_gas"]))
    return sha256(hp.SerializeToString()).digest()


def results_hash(tx_results: Sequence[ExecResult]) -> bytes:
    """``ABCIResults.Hash()`` (the next header's last_results_hash): merkle over each
    result's deterministic part ``{code, data, gas_wanted, gas_used}``."""
    return merkle_root(
        [
            pb.ExecTxResult(code=r.code, data=r.data, gas_wanted=r.gas_wanted, gas_used=r.gas_used).SerializeToString()
            for r in tx_results
        ]
    )


def commit_hash(commit: Commit) -> bytes:
    """``Commit.Hash()`` (the next header's last_commit_hash): merkle over each ``CommitSig``'s proto bytes."""
    leaves = []
    for s in commit.signatures:
        m = pb.CommitSig(block_id_flag=s.block_id_flag, validator_address=s.validator_address, signature=s.signature)
        m.timestamp.SetInParent()  # gogoproto non-nullable stdtime: always written
        if s.timestamp is not None:
            m.timestamp.seconds, m.timestamp.nanos = s.timestamp.seconds, s.timestamp.nanos
        leaves.append(m.SerializeToString())
    return merkle_root(leaves)

"""x/wasm (CosmWasm) state read from the ``wasm`` IAVL store: codes, contracts, their
code history and each contract's own key/value storage, at any retained version.

Keys (wasmd x/wasm/types/keys.go, checked on bytes injectived 1.20.1 / wasmd 0.53 wrote;
``u64`` is big-endian, ``pos`` an ``AbsoluteTxPosition`` as 16 bytes: u64 height ‖ u64 tx index):

* ``0x01 u64(code id)`` → ``CodeInfo{code_hash, creator, instantiate_config}``;
* ``0x02 addr`` → ``ContractInfo{code_id, creator, admin, label, created, ibc_port_id}``;
* ``0x03 addr key`` → the contract's raw value at ``key`` (its own storage);
* ``0x04 "lastCodeId"`` / ``"lastContractId"`` → u64 sequences;
* ``0x05 addr u64(position)`` → ``ContractCodeHistoryEntry{operation, code_id, updated, msg}``;
* ``0x06 u64(code id) pos addr`` → empty: contracts of a code, in creation order;
* ``0x09 len(creator) creator pos addr`` → empty: contracts of a creator, in creation order.

Contract addresses carry no length byte in these keys; both 20-byte (Injective's classic
``instantiate``) and 32-byte (``instantiate2``) addresses occur. A raw value is whatever the
contract wrote (cw-storage-plus: JSON).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..codec.cometbft import parse
from ..errors import InvalidInput
from ..kv import prefix_end
from ..proto import cosmwasm_pb2 as pb
from .addresses import check_address
from .iavl import IAVLTree
from .module import ModuleReader
from .store import AppStore

__all__ = ["Code", "Contract", "HistoryEntry", "WasmReader", "ACCESS_TYPES", "OPERATIONS"]

STORE = "wasm"
CODE = b"\x01"
CONTRACT = b"\x02"
CONTRACT_STORE = b"\x03"
HISTORY = b"\x05"
BY_CODE = b"\x06"
BY_CREATOR = b"\x09"
_POS = 16

#: wasmd's AccessType as its JSON prints it (custom MarshalJSON: the Go names)
ACCESS_TYPES = {0: "Unspecified", 1: "Nobody", 3: "Everybody", 4: "AnyOfAddresses"}
#: ContractCodeHistoryOperationType as the REST prints it (the proto enum names)
OPERATIONS = {
    0: "CONTRACT_CODE_HISTORY_OPERATION_TYPE_UNSPECIFIED",
    1: "CONTRACT_CODE_HISTORY_OPERATION_TYPE_INIT",
    2: "CONTRACT_CODE_HISTORY_OPERATION_TYPE_MIGRATE",
    3: "CONTRACT_CODE_HISTORY_OPERATION_TYPE_GENESIS",
}
_MAX_U64 = (1 << 64) - 1


def u64(n: int) -> bytes:
    if not 0 <= n <= _MAX_U64:
        raise InvalidInput(f"{n} is not an unsigned 64-bit integer")
    return n.to_bytes(8, "big")


@dataclass(frozen=True, slots=True)
class Code:
    id: int
    checksum: bytes
    creator: str
    #: "Everybody", "Nobody", "AnyOfAddresses" or "Unspecified" (the REST's spelling)
    permission: str
    addresses: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Contract:
    address: bytes
    code_id: int
    creator: str
    admin: str
    label: str
    created_height: int
    created_tx_index: int
    ibc_port_id: str


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    operation: str
    code_id: int
    updated_height: int
    updated_tx_index: int
    #: the contract message as JSON bytes (genesis entries may have none)
    msg: bytes


class WasmReader(ModuleReader):
    """CosmWasm codes and contracts at any retained version.

    Absent records are None / empty; a pruned version raises ``Pruned``; undecodable bytes
    raise ``CorruptRecord``. Lists page with ``after`` (the last key suffix a page ended
    on, exclusive) and ``limit``, reading O(limit) entries.
    """

    def __init__(self, app: AppStore, store: str = STORE) -> None:
        super().__init__(app, store)

    def _probe(self, tree: IAVLTree) -> bool | None:
        return True  # one key layout here: nothing to tell apart

    def _layout(self, prefixed: bool) -> None:
        return None

    def _tree(self, version: int) -> IAVLTree | None:
        """The store's tree; None on a chain (or at a version) without x/wasm, so that
        every lookup there is simply empty rather than an error."""
        if self.app.is_amino(version) or self.store not in self.app.commit_info(version):
            return None
        return self._open(version)[0]

    # ---------------------------------------------------------------- codes
    def _code(self, code_id: int, raw: bytes, key: bytes) -> Code:
        m = parse(pb.CodeInfo, raw, self.app.db, self._key(key))
        cfg = m.instantiate_config
        return Code(code_id, bytes(m.code_hash), m.creator, ACCESS_TYPES.get(cfg.permission, str(cfg.permission)), tuple(cfg.addresses))

    def code(self, code_id: int, version: int) -> Code | None:
        key = CODE + u64(code_id)
        tree = self._tree(version)
        raw = tree.get(key) if tree is not None else None
        return None if raw is None else self._code(code_id, raw, key)

    def codes(self, version: int, after: int | None = None, limit: int = 20) -> list[Code]:
        """Codes by id ascending, those above ``after``."""
        start = CODE + (u64(after + 1) if after is not None and after < _MAX_U64 else b"")
        if after is not None and after >= _MAX_U64:
            return []
        out: list[Code] = []
        tree = self._tree(version)
        for key, raw in tree.iterate(start, prefix_end(CODE)) if tree is not None else ():
            out.append(self._code(int.from_bytes(key[1:9], "big"), raw, key))
            if len(out) >= limit:
                break
        return out

    # ---------------------------------------------------------------- contracts
    def _contract(self, address: bytes, raw: bytes, key: bytes) -> Contract:
        m = parse(pb.ContractInfo, raw, self.app.db, self._key(key))
        return Contract(address, m.code_id, m.creator, m.admin, m.label, m.created.block_height, m.created.tx_index, m.ibc_port_id)

    def contract(self, address: bytes, version: int) -> Contract | None:
        key = CONTRACT + check_address(address)
        tree = self._tree(version)
        raw = tree.get(key) if tree is not None else None
        return None if raw is None else self._contract(bytes(address), raw, key)

    def contracts(self, version: int, after: bytes | None = None, limit: int = 20) -> list[Contract]:
        """Every contract, by address bytes."""
        start = CONTRACT + after + b"\x00" if after is not None else CONTRACT
        out: list[Contract] = []
        tree = self._tree(version)
        for key, raw in tree.iterate(start, prefix_end(CONTRACT)) if tree is not None else ():
            out.append(self._contract(key[1:], raw, key))
            if len(out) >= limit:
                break
        return out

    def _index(self, prefix: bytes, version: int, after: bytes | None, limit: int) -> list[tuple[bytes, bytes]]:
        """(position ‖ address suffix, address) of an index, in creation order."""
        start = prefix + after + b"\x00" if after is not None else prefix
        out: list[tuple[bytes, bytes]] = []
        tree = self._tree(version)
        for key, _ in tree.iterate(start, prefix_end(prefix)) if tree is not None else ():
            suffix = key[len(prefix) :]
            out.append((suffix, suffix[_POS:]))
            if len(out) >= limit:
                break
        return out

    def contracts_of_code(self, code_id: int, version: int, after: bytes | None = None, limit: int = 20) -> list[tuple[bytes, bytes]]:
        """(cursor, address) of the contracts instantiated from (or migrated to) a code, oldest first."""
        return self._index(BY_CODE + u64(code_id), version, after, limit)

    def contracts_of_creator(self, creator: bytes, version: int, after: bytes | None = None, limit: int = 20) -> list[tuple[bytes, bytes]]:
        """(cursor, address) of the contracts a creator instantiated, oldest first."""
        creator = check_address(creator)
        return self._index(BY_CREATOR + bytes([len(creator)]) + creator, version, after, limit)

    def history(self, address: bytes, version: int) -> list[HistoryEntry]:
        """The contract's code history (init, migrations), oldest first."""
        prefix = HISTORY + check_address(address)
        out: list[HistoryEntry] = []
        tree = self._tree(version)
        for key, raw in tree.iterate_prefix(prefix) if tree is not None else ():
            if len(key) != len(prefix) + 8:
                continue  # another contract whose address starts with this one
            m = parse(pb.ContractCodeHistoryEntry, raw, self.app.db, self._key(key))
            op = OPERATIONS.get(m.operation, str(m.operation))
            out.append(HistoryEntry(op, m.code_id, m.updated.block_height, m.updated.tx_index, bytes(m.msg)))
        return out

    # ---------------------------------------------------------------- contract storage
    def raw(self, address: bytes, key: bytes, version: int) -> bytes | None:
        """One value of the contract's own storage; None when unset (the REST's ``data: null``)."""
        address = check_address(address)
        tree = self._tree(version)
        return tree.get(CONTRACT_STORE + address + key) if tree is not None else None

    def state(self, address: bytes, version: int, prefix: bytes = b"", after: bytes | None = None, limit: int = 20) -> list[tuple[bytes, bytes]]:
        """(key, value) of the contract's storage under ``prefix``, key order, after ``after``."""
        return list(self.iter_state(address, version, prefix, after, limit))

    def iter_state(
        self, address: bytes, version: int, prefix: bytes = b"", after: bytes | None = None, limit: int | None = None
    ) -> Iterator[tuple[bytes, bytes]]:
        """As ``state``, lazily; ``limit`` None walks the whole prefix."""
        base = CONTRACT_STORE + check_address(address)
        if after is not None and not after.startswith(prefix):
            raise InvalidInput("after lies outside the prefix")
        start = base + (after + b"\x00" if after is not None else prefix)
        end = prefix_end(base + prefix) if (base + prefix) else None
        n = 0
        tree = self._tree(version)
        for key, value in tree.iterate(start, end) if tree is not None else ():
            yield key[len(base) :], value
            n += 1
            if limit is not None and n >= limit:
                return

"""CosmWasm types: codes, contracts, their history and storage (cw20 / cw721 views in ``schema.cw``)."""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from typing import Annotated, Any, cast

import strawberry
from strawberry.types import Info

from cometgraph.resolvers import wasm as R

from .common import PAGE, EventAttribute, Order, b64, hexu
from .connection import connection
from .cw import Cw20Token, Cw721Collection
from .scalars import JSON
from .tx import Tx, TxConnection


def _arg(description: str) -> Any:
    return strawberry.argument(description=description)


def as_json(raw: bytes) -> Any:
    """A contract's bytes as JSON, or None when they are not JSON."""
    try:
        return json.loads(raw)
    except ValueError:
        return None


@strawberry.enum(description="How a contract storage key (or prefix) argument is written.")
class KeyEncoding(enum.Enum):
    UTF8 = strawberry.enum_value("UTF8", description="The key's bytes are this text's UTF-8 (e.g. `token_info`).")
    HEX = strawberry.enum_value("HEX", description="Hex digits, any case (as the REST prints `models[].key`).")
    BASE64 = strawberry.enum_value("BASE64", description="Standard base64 (as the REST's `raw/{key}` path takes it).")


@strawberry.type(description="One entry of a contract's own storage.")
class ContractStateEntry:
    _key: strawberry.Private[bytes]
    _value: strawberry.Private[bytes]

    @strawberry.field(description="The key, upper-case hex, as the REST's `state` prints `models[].key`.")
    def key(self) -> str:
        return hexu(self._key)

    @strawberry.field(description="The value, base64, as the REST prints it.")
    def value(self) -> str:
        return b64(self._value)

    @strawberry.field(description="The value parsed as JSON (cw-storage-plus stores JSON); null when it is not JSON.")
    def value_json(self) -> JSON | None:
        return as_json(self._value)

    @strawberry.field(description="The key as UTF-8 text; null when it is not valid UTF-8 (map keys start with a 2-byte length).")
    def key_text(self) -> str | None:
        try:
            return self._key.decode()
        except UnicodeDecodeError:
            return None


ContractStateConnection = connection(
    ContractStateEntry,
    lambda e: ContractStateEntry(_key=e.key, _value=e.value),
    name="ContractState",
    description="A contract's storage entries, by key bytes.",
    edges_description="The page's entries with their cursors, by key bytes.",
    nodes_description="The page's entries without cursors.",
    edge_description="A storage entry with its cursor.",
    cursor_description="Give it as `after` to the same `state` (same prefix and height) for the entries after it.",
    node_description="The entry.",
)


@strawberry.type(description="A code change of a contract: its instantiation, a migration, or genesis.")
class ContractHistoryEntry:
    operation: str = strawberry.field(description='As the REST prints it: "CONTRACT_CODE_HISTORY_OPERATION_TYPE_INIT", "…_MIGRATE" or "…_GENESIS".')
    code_id: int = strawberry.field(description="The code the contract runs from then on.")
    updated_height: int = strawberry.field(description="Height of the tx that made the change.")
    updated_tx_index: int = strawberry.field(description="wasmd's position counter within that block (not the tx's index in the block).")
    msg: JSON | None = strawberry.field(description="The instantiate or migrate message, as JSON.")


@strawberry.type(description="A CosmWasm contract instance at a height.")
class Contract:
    address: str = strawberry.field(description="The contract's bech32 address (20 or 32 bytes).")
    _c: strawberry.Private[Any]
    _version: strawberry.Private[int]

    @strawberry.field(description="The code it runs.")
    def code_id(self) -> int:
        return int(self._c.code_id)

    @strawberry.field(description="Who instantiated it.")
    def creator(self) -> str:
        return str(self._c.creator)

    @strawberry.field(description="Who may migrate it; null when nobody may (no admin).")
    def admin(self) -> str | None:
        return str(self._c.admin) or None

    @strawberry.field(description="The label given at instantiation.")
    def label(self) -> str:
        return str(self._c.label)

    @strawberry.field(description="Height of its instantiation.")
    def created_height(self) -> int:
        return int(self._c.created_height)

    @strawberry.field(description="wasmd's position counter of the instantiation within its block.")
    def created_tx_index(self) -> int:
        return int(self._c.created_tx_index)

    @strawberry.field(description="Its IBC port; null when it has none.")
    def ibc_port_id(self) -> str | None:
        return str(self._c.ibc_port_id) or None

    @strawberry.field(description="Its code history up to this height, oldest first (the REST's `history`).")
    async def history(self, info: Info) -> list[ContractHistoryEntry]:
        return [
            ContractHistoryEntry(
                operation=h.operation, code_id=h.code_id, updated_height=h.updated_height, updated_tx_index=h.updated_tx_index, msg=as_json(h.msg)
            )
            for h in await R.history(info.context, self._c.address, self._version)
        ]

    @strawberry.field(description="One value of its storage (the REST's `raw/{key}`); null when the key is unset.")
    async def raw(
        self,
        info: Info,
        key: Annotated[str, _arg("The key, written in `encoding`.")],
        encoding: Annotated[KeyEncoding, _arg("How `key` is written; a key not valid in it is BAD_INPUT.")] = KeyEncoding.UTF8,
    ) -> ContractStateEntry | None:
        got = await R.raw(info.context, self._c.address, R.parse_key(key, encoding.value), self._version)
        return None if got is None else ContractStateEntry(_key=got.key, _value=got.value)

    @strawberry.field(description=f"Its storage entries by key bytes, optionally under a prefix (the REST's `state`), keyset-paged ({PAGE}).")
    async def state(
        self,
        info: Info,
        prefix: Annotated[str | None, _arg("Only keys starting with these bytes, written in `encoding`.")] = None,
        encoding: Annotated[KeyEncoding, _arg("How `prefix` is written.")] = KeyEncoding.UTF8,
        first: Annotated[int | None, _arg(f"Page size ({PAGE}).")] = None,
        after: Annotated[str | None, _arg("A cursor of this same list: the entries after it.")] = None,
    ) -> ContractStateConnection:
        p = R.parse_key(prefix, encoding.value) if prefix else b""
        page = await R.state(info.context, self._c.address, p, first, after, self._version)
        return ContractStateConnection.from_page(page)

    @strawberry.field(description="Its cw20 token view; null unless its state is cw20-shaped (a `token_info` item and a `balance` map).")
    async def cw20(self, info: Info) -> Cw20Token | None:
        t = await R.cw20(info.context, self._c.address, self._version)
        return None if t is None else Cw20Token.make(t, self._c.address, self._version)

    @strawberry.field(description="Its cw721 collection view; null unless its state is cw721-shaped (`nft_info` and `num_tokens` items).")
    async def cw721(self, info: Info) -> Cw721Collection | None:
        t = await R.cw721(info.context, self._c.address, self._version)
        return None if t is None else Cw721Collection.make(t, self._c.address, self._version)

    @strawberry.field(description=f"Txs that instantiated, executed or migrated it (by their events; any height), keyset-paged ({PAGE}).")
    async def txs(
        self,
        info: Info,
        first: Annotated[int | None, _arg(f"Page size ({PAGE}).")] = None,
        after: Annotated[str | None, _arg("A cursor of this same list (same order).")] = None,
        order_by: Annotated[Order, _arg("DESC (default): newest first; ASC: oldest first.")] = Order.DESC,
    ) -> TxConnection:
        info.context.volatile()
        return TxConnection.from_page(await R.contract_txs(info.context, self.address, first, after, order_by.value))


def make_contract(c: Any, version: int, encode: Callable[[bytes], str]) -> Contract:
    """``encode``: address bytes → the chain's bech32 text (``resolvers.wasm.address_text``)."""
    return Contract(address=encode(c.address), _c=c, _version=version)


ContractConnection = connection(
    Contract,
    make_contract,  # (contract, version, encode): from_page(page, version, encode)
    description="Contracts: all by address bytes, or of a code / creator in creation order.",
    edges_description="The page's contracts with their cursors.",
    nodes_description="The page's contracts without cursors.",
    edge_description="A contract with its cursor.",
    cursor_description="Give it as `after` to the same list for the contracts after it.",
    node_description="The contract.",
)


@strawberry.type(description="Uploaded contract code (CosmWasm) at a height.")
class Code:
    id: int = strawberry.field(description="The code id.")
    _c: strawberry.Private[Any]
    _version: strawberry.Private[int]

    @strawberry.field(description="sha256 of the wasm bytecode, upper-case hex (the REST's `data_hash`).")
    def checksum(self) -> str:
        return hexu(self._c.checksum)

    @strawberry.field(description="Who uploaded it.")
    def creator(self) -> str:
        return str(self._c.creator)

    @strawberry.field(description='Who may instantiate it, as the REST prints it: `{"permission": "Everybody", "addresses": []}`.')
    def instantiate_permission(self) -> JSON:
        return {"permission": self._c.permission, "addresses": list(self._c.addresses)}

    @strawberry.field(description=f"Contracts running this code, in creation order ({PAGE}).")
    async def contracts(
        self,
        info: Info,
        first: Annotated[int | None, _arg(f"Page size ({PAGE}).")] = None,
        after: Annotated[str | None, _arg("A cursor of this same list.")] = None,
    ) -> ContractConnection:
        version, page = await R.contracts(info.context, self.id, None, first, after, self._version)
        return ContractConnection.from_page(page, version, R.address_text(info.context))


CodeConnection = connection(
    Code,
    lambda c, version: Code(id=c.id, _c=c, _version=version),
    description="Uploaded codes by id.",
    edges_description="The page's codes with their cursors, by id.",
    nodes_description="The page's codes without cursors.",
    edge_description="A code with its cursor.",
    cursor_description="Give it as `after` to `codes` (same height) for the codes after it.",
    node_description="The code.",
)


@strawberry.type(description="An event a contract emitted (`wasm` or `wasm-<name>`) in a tx of a new block.")
class ContractEvent:
    contract: str = strawberry.field(description="The emitting contract (its `_contract_address` attribute).")
    type: str = strawberry.field(description='The event type: "wasm" or "wasm-<name>".')
    attributes: list[EventAttribute] = strawberry.field(description="Its attributes, in the node's order.")
    height: int = strawberry.field(description="Height of the block holding the tx.")
    tx: Tx = strawberry.field(description="The tx whose execution emitted it.")

    @classmethod
    def make(cls, ref: Any, e: Any) -> ContractEvent:
        contract = next((a.value for a in e.attributes if a.key == "_contract_address"), "")
        # the stored attributes as they are (see common.events_of)
        return cls(contract=contract, type=e.type, attributes=cast("list[EventAttribute]", e.attributes), height=ref.height, tx=Tx(_ref=ref))

"""Build the CosmWasm sample chain: real contracts run by the real injectived, with the node's
own REST answers about them as the oracle.

A separate small chain (not the main sample chain), so that the main chain's oracle and every
test over it stay as they are. The contracts are read from ``../shared/data/wasm`` (never
copied into the repository; only the chain the node wrote is committed, without the node's
copy of the bytecode under ``home/wasm``).

Workload (every step one CLI tx, waited for; ``oracle/wasm.json`` ``workload`` says where
each landed):

* store cw20-base (code 1), cw4-stake (code 2), cw721-base (code 3);
* ``token_a`` (cw20 "Alpha", ``ALPHA``, 6 decimals, minter alice, admin alice; classic
  ``instantiate``: a 20-byte address on Injective) with three holders;
* ``token_b`` (cw20 "Beta", ``BETA``, 2 decimals, capped minter bob, admin bob;
  ``instantiate2``: a predictable 32-byte address) with two holders;
* ``stake`` (cw4-stake bonding ``token_a``), ``nft`` (cw721 "Comets", ``COMET``, minter alice);
* transfers, a mint, a burn, an allowance and ``transfer_from``, a ``send`` of ``token_a``
  into ``stake`` (a contract-to-contract call), ``token_b`` transfers, NFT mints, a transfer
  and an approval, a migration of ``token_a`` (to the same code), an admin change of
  ``token_a`` (alice → bob) and a clear of ``token_b``'s admin.

The oracle (``oracle/wasm.json``) holds, at each recorded height (``heights``), the node's
REST answers for every code and contract: ``code`` (its ``data`` replaced by the bytecode's
sha256 and size), ``codes``, ``code_contracts``, ``contract``, ``history``, ``state`` (all
pages), ``raw`` (every key of the latest state and one absent key), ``smart`` (cw20
``token_info``, ``minter``, ``balance`` of every known address, ``all_accounts`` (all
pages), ``all_allowances``; cw721 ``num_tokens``, ``contract_info``, ``owner_of``,
``nft_info``, ``tokens`` per owner, ``all_tokens``), and ``rest_txs``: the REST answer of every tx.

Run: ``python -m tests.devnet.make_wasm_chain [--out tests/fixtures/wasm-chain.tar.zst]``
(about 1 min on 2 cores).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.devnet.make_sample_chain import (
    CHAIN_ID,
    GAS_PRICE,
    OBSERVER_PORT_OFFSET,
    Keys,
    Workload,
    configure_home,
    edit_genesis,
    inj,
    log,
    make_observer_home,
    pack,
    stop_right_after_block,
)
from tests.devnet.node import DevnetError, DevnetNode, Injectived, ensure_injectived

REPO = Path(__file__).resolve().parents[2]
WASM_DIR = REPO.parent / "shared" / "data" / "wasm"
DEFAULT_OUT = REPO / "tests" / "fixtures" / "wasm-chain.tar.zst"
DEFAULT_PORT_BASE = 16900
MAX_BLOCK_GAS = 60_000_000  # the default 10M cannot hold the cw721 upload (~4.75M) with others
ACCOUNTS = ["validator", "alice", "bob", "carol", "dave"]
GENESIS_FUNDS = {"validator": 10_000, "alice": 1_000, "bob": 1_000, "carol": 100, "dave": 100}
CODES = {"cw20": "cw20_base.wasm", "cw4_stake": "cw4_stake.wasm", "cw721": "cw721_base.wasm"}
EXEC_GAS = 800_000


def b64json(obj: Any) -> str:
    return base64.b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode()


def init_chain(injd: Injectived, home: Path, port_base: int) -> Keys:
    injd.run("init", "validator", "--chain-id", CHAIN_ID, "--default-denom", "inj", home=home)
    configure_home(home, port_base)
    edit_genesis(home)
    path = home / "config" / "genesis.json"
    genesis = json.loads(path.read_text())
    genesis["consensus"]["params"]["block"]["max_gas"] = str(MAX_BLOCK_GAS)
    path.write_text(json.dumps(genesis, indent=1, ensure_ascii=False) + "\n")
    keys = Keys(injd, home)
    for name in ACCOUNTS:
        keys.add(name)
    for name, amount in GENESIS_FUNDS.items():
        injd.run("genesis", "add-genesis-account", keys.address[name], inj(amount), "--keyring-backend", "test", "--chain-id", CHAIN_ID, home=home)
    injd.run(
        "genesis", "gentx", "validator", inj(1000), "--chain-id", CHAIN_ID, "--keyring-backend", "test", "--moniker", "validator",
        "--ip", "127.0.0.1", "--gas-prices", GAS_PRICE, home=home,
    )  # fmt: skip
    injd.run("genesis", "collect-gentxs", home=home)
    injd.run("genesis", "validate", home=home)
    return keys


class WasmWorkload(Workload):
    """The wasm steps; contract addresses are read from the instantiate events."""

    contracts: dict[str, str]
    codes: dict[str, int]

    def _event_attr(self, tx_hash: str, event: str, attr: str) -> str:
        res = self.node.rpc("tx", hash="0x" + tx_hash)
        for ev in res["tx_result"]["events"]:
            if ev["type"] == event:
                for a in ev["attributes"]:
                    if a["key"] == attr:
                        return str(a["value"])
        raise DevnetError(f"tx {tx_hash}: no {event}.{attr}")

    def store(self, name: str, sender: str) -> None:
        entry = self.tx(f"store_{name}", ["wasm", "store", str(WASM_DIR / CODES[name])], sender, gas=12_000_000)
        self.codes[name] = int(self._event_attr(entry["hash"], "store_code", "code_id"))

    def instantiate(self, name: str, code: str, msg: Any, sender: str, admin: str | None, salt: str | None = None) -> None:
        args = ["wasm", "instantiate2" if salt else "instantiate", str(self.codes[code]), json.dumps(msg)]
        if salt:
            args += [salt, "--ascii"]
        args += ["--label", name, *(["--admin", admin] if admin else ["--no-admin"])]
        entry = self.tx(f"instantiate_{name}", args, sender, gas=3_000_000)
        self.contracts[name] = self._event_attr(entry["hash"], "instantiate", "_contract_address")

    def execute(self, name: str, contract: str, msg: Any, sender: str) -> None:
        self.tx(name, ["wasm", "execute", self.contracts[contract], json.dumps(msg)], sender, gas=EXEC_GAS)

    def run(self) -> None:
        a = self.keys.address
        self.contracts, self.codes = {}, {}
        self.node.wait_height(2, timeout=60)
        log("store codes")
        for name in CODES:
            self.store(name, "alice")
        self.facts["h_stored"] = self.node.height()
        log("instantiate")
        self.instantiate(
            "token_a", "cw20",
            {"name": "Alpha", "symbol": "ALPHA", "decimals": 6,
             "initial_balances": [{"address": a["alice"], "amount": "1000000"}, {"address": a["bob"], "amount": "500000"},
                                  {"address": a["carol"], "amount": "250000"}],
             "mint": {"minter": a["alice"]}},
            "alice", admin=a["alice"],
        )  # fmt: skip
        self.instantiate(
            "token_b", "cw20",
            {"name": "Beta", "symbol": "BETA", "decimals": 2,
             "initial_balances": [{"address": a["bob"], "amount": "7777"}, {"address": a["dave"], "amount": "2223"}],
             "mint": {"minter": a["bob"], "cap": "50000"}, "marketing": None},
            "bob", admin=a["bob"], salt="beta-salt",
        )  # fmt: skip
        self.instantiate(
            "stake", "cw4_stake",
            {"denom": {"cw20": self.contracts["token_a"]}, "tokens_per_weight": "10", "min_bond": "100", "unbonding_period": {"height": 100}},
            "alice", admin=None,
        )  # fmt: skip
        self.instantiate("nft", "cw721", {"name": "Comets", "symbol": "COMET", "minter": a["alice"]}, "alice", admin=a["alice"])
        self.facts["h_instantiated"] = self.node.height()
        log("cw20 transfers, mint, burn, allowance, send")
        self.execute("a_transfer_alice_dave", "token_a", {"transfer": {"recipient": a["dave"], "amount": "1000"}}, "alice")
        self.execute("a_transfer_bob_carol", "token_a", {"transfer": {"recipient": a["carol"], "amount": "200"}}, "bob")
        self.execute("a_mint_dave", "token_a", {"mint": {"recipient": a["dave"], "amount": "5000"}}, "alice")
        self.execute("a_burn_bob", "token_a", {"burn": {"amount": "100"}}, "bob")
        self.execute("a_allow_bob", "token_a", {"increase_allowance": {"spender": a["bob"], "amount": "3000"}}, "alice")
        self.execute("a_allow_carol", "token_a", {"increase_allowance": {"spender": a["carol"], "amount": "42"}}, "alice")
        self.execute("a_transfer_from", "token_a", {"transfer_from": {"owner": a["alice"], "recipient": a["carol"], "amount": "1000"}}, "bob")
        self.execute("a_send_stake", "token_a", {"send": {"contract": self.contracts["stake"], "amount": "5000", "msg": b64json({"bond": {}})}}, "carol")
        self.execute("b_transfer_dave_carol", "token_b", {"transfer": {"recipient": a["carol"], "amount": "1223"}}, "dave")
        self.execute("b_mint_alice", "token_b", {"mint": {"recipient": a["alice"], "amount": "10000"}}, "bob")
        self.facts["h_cw20"] = self.node.height()
        log("cw721 mints, transfer, approval")
        for i, owner in enumerate(["alice", "alice", "bob"], start=1):
            self.execute(
                f"nft_mint_{i}", "nft",
                {"mint": {"token_id": f"comet-{i}", "owner": a[owner], "token_uri": f"https://example.org/comet/{i}.json", "extension": {}}},
                "alice",
            )  # fmt: skip
        self.execute("nft_transfer", "nft", {"transfer_nft": {"recipient": a["carol"], "token_id": "comet-2"}}, "alice")
        self.execute("nft_approve", "nft", {"approve": {"spender": a["dave"], "token_id": "comet-1"}}, "alice")
        log("admin: migrate, set admin, clear admin")
        self.tx("a_migrate", ["wasm", "migrate", self.contracts["token_a"], str(self.codes["cw20"]), "{}"], "alice", gas=EXEC_GAS)
        self.tx("a_set_admin", ["wasm", "set-contract-admin", self.contracts["token_a"], a["bob"]], "alice", gas=EXEC_GAS)
        self.tx("b_clear_admin", ["wasm", "clear-contract-admin", self.contracts["token_b"]], "bob", gas=EXEC_GAS)
        self.execute("a_transfer_dave_bob", "token_a", {"transfer": {"recipient": a["bob"], "amount": "1000"}}, "dave")
        self.facts["h_end"] = self.node.height()


# --------------------------------------------------------------------------------------------
# oracle
# --------------------------------------------------------------------------------------------
def _q(node: DevnetNode, path: str, h: int, **params: Any) -> Any:
    return node.rest(path, height=h, **params)


def _paged(node: DevnetNode, path: str, h: int, items: str) -> Any:
    answer = _q(node, path, h, **{"pagination.limit": 1000})
    while items in answer and (answer.get("pagination") or {}).get("next_key"):
        nxt = _q(node, path, h, **{"pagination.limit": 1000, "pagination.key": answer["pagination"]["next_key"]})
        answer[items] += nxt[items]
        answer["pagination"] = nxt["pagination"]
    return answer


def _smart(node: DevnetNode, contract: str, h: int, query: Any) -> Any:
    return _q(node, f"/cosmwasm/wasm/v1/contract/{contract}/smart/{b64json(query)}", h)


def _all_accounts(node: DevnetNode, contract: str, h: int) -> Any:
    """Every page of cw20 ``all_accounts`` (the contract pages by ``start_after``, 30 at most)."""
    accounts: list[str] = []
    start: str | None = None
    while True:
        q: dict[str, Any] = {"limit": 30, **({"start_after": start} if start else {})}
        ans = _smart(node, contract, h, {"all_accounts": q})
        if "data" not in ans:
            return ans
        page = ans["data"]["accounts"]
        accounts += page
        if len(page) < 30:
            return {"data": {"accounts": accounts}}
        start = page[-1]


def record_height(node: DevnetNode, h: int, work: dict[str, Any]) -> dict[str, Any]:
    contracts, codes = work["contracts"], work["codes"]
    addrs = list(work["accounts"].values()) + list(contracts.values())
    out: dict[str, Any] = {"codes": _paged(node, "/cosmwasm/wasm/v1/code", h, "code_infos"), "code": {}, "code_contracts": {}}
    for cid in [*codes.values(), 99]:
        ans = _q(node, f"/cosmwasm/wasm/v1/code/{cid}", h)
        if ans.get("data"):
            data = base64.b64decode(ans["data"])
            ans["data"] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        out["code"][str(cid)] = ans
        out["code_contracts"][str(cid)] = _paged(node, f"/cosmwasm/wasm/v1/code/{cid}/contracts", h, "contracts")
    out["creator_contracts"] = {x: _paged(node, f"/cosmwasm/wasm/v1/contracts/creator/{x}", h, "contract_addresses") for x in work["accounts"].values()}
    for key in ("contract", "history", "state", "raw", "smart"):
        out[key] = {}
    for name, c in contracts.items():
        out["contract"][c] = _q(node, f"/cosmwasm/wasm/v1/contract/{c}", h)
        out["history"][c] = _paged(node, f"/cosmwasm/wasm/v1/contract/{c}/history", h, "entries")
        out["state"][c] = _paged(node, f"/cosmwasm/wasm/v1/contract/{c}/state", h, "models")
        keys = [m["key"] for m in work["latest_state_keys"][c]] + [b"no-such-key".hex().upper()]
        out["raw"][c] = {k: _q(node, f"/cosmwasm/wasm/v1/contract/{c}/raw/{base64.b64encode(bytes.fromhex(k)).decode()}", h) for k in keys}
        smart: dict[str, Any] = {}
        if name.startswith("token_"):
            smart["token_info"] = _smart(node, c, h, {"token_info": {}})
            smart["minter"] = _smart(node, c, h, {"minter": {}})
            smart["all_accounts"] = _all_accounts(node, c, h)
            smart["balance"] = {x: _smart(node, c, h, {"balance": {"address": x}}) for x in addrs}
            smart["all_allowances"] = {x: _smart(node, c, h, {"all_allowances": {"owner": x}}) for x in addrs}
        elif name == "nft":
            smart["num_tokens"] = _smart(node, c, h, {"num_tokens": {}})
            smart["contract_info"] = _smart(node, c, h, {"contract_info": {}})
            smart["all_tokens"] = _smart(node, c, h, {"all_tokens": {"limit": 100}})
            smart["tokens"] = {x: _smart(node, c, h, {"tokens": {"owner": x, "limit": 100}}) for x in addrs}
            ids = [f"comet-{i}" for i in range(1, 4)] + ["comet-404"]
            smart["owner_of"] = {t: _smart(node, c, h, {"owner_of": {"token_id": t, "include_expired": True}}) for t in ids}
            smart["nft_info"] = {t: _smart(node, c, h, {"nft_info": {"token_id": t}}) for t in ids}
        elif name == "stake":
            smart["total_weight"] = _smart(node, c, h, {"total_weight": {}})
            smart["staked"] = {x: _smart(node, c, h, {"staked": {"address": x}}) for x in addrs}
        out["smart"][c] = smart
    return out


def record_oracle(node: DevnetNode, oracle: Path, work: dict[str, Any], latest: int) -> None:
    work["latest_height"] = latest
    work["latest_state_keys"] = {c: _paged(node, f"/cosmwasm/wasm/v1/contract/{c}/state", latest, "models")["models"] for c in work["contracts"].values()}
    # smart queries at the observer's latest height panic ("codespace undefined code 111222:
    # panic", any contract; one height below they answer): the last recorded height is the
    # one below the latest, after the last tx (``h_end``); state there equals the latest's
    heights = sorted({work["facts"]["h_instantiated"], work["facts"]["h_cw20"], latest - 1})
    work["smart_at_latest"] = _smart(node, work["contracts"]["token_a"], latest, {"token_info": {}})
    work["heights"] = heights
    rest = {str(h): record_height(node, h, work) for h in heights}
    rest_txs = {t["hash"]: node.rest(f"/cosmos/tx/v1beta1/txs/{t['hash']}") for t in work["workload_txs"]}
    for ans in rest_txs.values():  # the upload's bytecode: 1 MB of base64 the tests do not need
        for m in ans["tx"]["body"]["messages"]:
            if "wasm_byte_code" in m:
                m["wasm_byte_code"] = {"sha256": hashlib.sha256(base64.b64decode(m["wasm_byte_code"])).hexdigest()}
        ans["tx_response"].pop("tx", None)
    (oracle / "wasm.json").write_text(json.dumps({"workload": work, "rest": rest, "rest_txs": rest_txs}, indent=1, ensure_ascii=False) + "\n")


def build(out: Path, port_base: int, keep: bool) -> None:
    if not WASM_DIR.is_dir():
        raise DevnetError(f"{WASM_DIR} is absent: the contracts come from ../shared/data/wasm")
    t0 = time.monotonic()
    injd = ensure_injectived()
    work_dir = Path(tempfile.mkdtemp(prefix="cometgraph-wasm-"))
    home, scratch = work_dir / "home", work_dir / "scratch"
    scratch.mkdir()
    try:
        keys = init_chain(injd, home, port_base)
        node = DevnetNode(injd, home, port_base=port_base, log_path=work_dir / "validator.log")
        wl = WasmWorkload(injd, node, keys, scratch)
        try:
            node.start()
            node.wait_height(1, timeout=90)
            node.wait_rest(timeout=60)
            wl.run()
            status = stop_right_after_block(node)
        finally:
            node.stop()
        work = {
            "chain_id": CHAIN_ID,
            "accounts": dict(keys.address),
            "contracts": wl.contracts,
            "codes": wl.codes,
            "notable_txs": wl.notable,
            "workload_txs": wl.all_txs,
            "facts": wl.facts,
            "code_files": {k: {"file": v, "sha256": hashlib.sha256((WASM_DIR / v).read_bytes()).hexdigest()} for k, v in CODES.items()},
        }
        obs_home, keydir = work_dir / "observer-home", work_dir / "observer-keys"
        keydir.mkdir()
        make_observer_home(home, obs_home, keydir)
        record_and_pack(injd, work_dir, port_base, work, int(status["sync_info"]["latest_block_height"]), out)
        log(f"{time.monotonic() - t0:.0f}s")
    finally:
        if keep:
            log(f"kept {work_dir}")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)


def record_and_pack(injd: Injectived, work_dir: Path, port_base: int, work: dict[str, Any], latest: int, out: Path) -> None:
    """Record the oracle from the observer home of ``work_dir`` (a copy: no block is added)
    and pack ``work_dir/home`` with it."""
    home, oracle = work_dir / "home", work_dir / "oracle"
    shutil.rmtree(oracle, ignore_errors=True)
    oracle.mkdir()
    obs = DevnetNode(injd, work_dir / "observer-home", port_base=port_base + OBSERVER_PORT_OFFSET, log_path=work_dir / "observer.log")
    try:
        obs.start()
        obs.wait_height(latest, timeout=90)
        obs.wait_rest(timeout=60)
        time.sleep(2)
        if obs.height() != latest:
            raise DevnetError("the observer node is producing blocks")
        record_oracle(obs, oracle, work, latest)
        if obs.height() != latest:
            raise DevnetError("the chain grew while the oracle was recorded")
    finally:
        obs.stop()
    shutil.rmtree(home / "wasm", ignore_errors=True)  # the node's copy of the bytecode: not needed, not ours to ship
    pack(home, oracle, out)
    log(f"archive {out}: {out.stat().st_size / 1e3:.0f} KB, latest height {latest}")


def rerecord(work_dir: Path, port_base: int, out: Path) -> None:
    """Record the oracle again from a kept work dir (``--keep-workdir``): same chain bytes."""
    work = json.loads((work_dir / "oracle" / "wasm.json").read_text())["workload"]
    record_and_pack(ensure_injectived(), work_dir, port_base, work, int(work["latest_height"]), out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--port-base", type=int, default=DEFAULT_PORT_BASE)
    p.add_argument("--keep-workdir", action="store_true")
    p.add_argument("--rerecord", type=Path, metavar="WORKDIR", help="record the oracle again from a kept work dir")
    args = p.parse_args(argv)
    if args.rerecord:
        rerecord(args.rerecord, args.port_base, args.out)
    else:
        build(args.out, args.port_base, args.keep_workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())

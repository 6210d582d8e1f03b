"""A chain whose application.db carries IAVL's fast-node index, written by the real node.

The sample chain runs with ``iavl-disable-fastnode = true`` (Injective's default): its stores
have no ``f`` records. This copies a home, turns the index on in ``app.toml`` and runs the node
again: at start iavl builds the index from the latest tree (every record then says it was last
updated at that version, ``upgraded``) and keeps it from then on. A few txs change records
after the upgrade: alice → bob (bank), and carol's whole delegation unbonded (a staking key
removed: present at older heights, absent from the index). The node's REST answers at the
heights around them are the oracle; the latest height's are recorded by an observer copy of
the stopped home (as tests/devnet/make_sample_chain.py does), so they are the snapshot's own.

    python -m tests.devnet.fast_chain --home SRC_HOME --out DIR [--no-workload]

(about 25 s on 2 cores from the sample home; ``--no-workload`` only builds the index, e.g. over
the bench chain's home for bench/inproc.py).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.devnet.make_sample_chain import CHAIN_ID, GAS_PRICE, make_observer_home, set_toml, stop_right_after_block
from tests.devnet.node import DevnetError, DevnetNode, Injectived, ensure_injectived


def _tx(injd: Injectived, node: DevnetNode, args: list[str], sender: str) -> int:
    """One CLI tx (sync broadcast), waited for; returns its height (it must succeed)."""
    common = ["--chain-id", CHAIN_ID, "--node", node.rpc_node, "--keyring-backend", "test", "--gas", "300000", "--gas-prices", GAS_PRICE]
    out = injd.run_json("tx", *args, "--from", sender, *common, "--output", "json", "--broadcast-mode", "sync", "-y", home=node.home)
    if int(out.get("code", 0)) != 0:
        raise DevnetError(f"CheckTx rejected {args}: {out}")
    res = node.wait_tx(out["txhash"], timeout=30)
    if int(res["tx_result"].get("code", 0)) != 0:
        raise DevnetError(f"{args} failed: {res['tx_result'].get('log')}")
    return int(res["height"])


def start(injd: Injectived, home: Path, port_base: Callable[[], int], log_path: Path, tries: int = 3) -> DevnetNode:
    """A node on ``home`` with its REST up. Ports are checked free just before the node binds
    them, a second later; another process on the machine may take one in between: the node
    then exits with "address already in use" and is started again on other ports."""
    for attempt in range(tries):
        node = DevnetNode(injd, home, port_base=port_base(), log_path=log_path)
        node.start()
        try:
            node.wait_rest(120)
            return node
        except DevnetError as exc:
            node.stop()
            if "address already in use" not in str(exc) or attempt == tries - 1:
                raise
    raise AssertionError("unreachable")


def _latest_version(home: Path, scratch: Path) -> int:
    """The application's last committed version in ``home`` (read from a private copy): the
    version iavl builds the index at when the node starts with it on."""
    from cometgraph.storage.app.store import AppStore
    from cometgraph.storage.kv import open_kv

    shutil.copytree(home / "data" / "application.db", scratch)
    kv = open_kv(scratch, "application")
    try:
        return AppStore(kv).latest_version()
    finally:
        kv.close()
        shutil.rmtree(scratch)


def record(node: DevnetNode, height: int, accounts: dict[str, str]) -> dict[str, Any]:
    """The node's REST answers at ``height`` for every account (and the validator list)."""
    out: dict[str, Any] = {"balances": {}, "accounts": {}, "delegations": {}, "unbonding": {}}
    for addr in accounts.values():
        out["balances"][addr] = node.rest(f"/cosmos/bank/v1beta1/balances/{addr}", height=height)
        out["accounts"][addr] = node.rest(f"/cosmos/auth/v1beta1/accounts/{addr}", height=height)
        out["delegations"][addr] = node.rest(f"/cosmos/staking/v1beta1/delegations/{addr}", height=height)
        out["unbonding"][addr] = node.rest(f"/cosmos/staking/v1beta1/delegators/{addr}/unbonding_delegations", height=height)
    out["validators"] = node.rest("/cosmos/staking/v1beta1/validators", height=height)
    return out


def build(
    injd: Injectived, src_home: Path, work: Path, port_base: Callable[[], int], accounts: dict[str, str] | None = None, workload: bool = True
) -> dict[str, Any]:
    """Copy ``src_home`` to ``work/home``, run it with the fast index on; return the oracle
    (``upgraded``, ``heights`` {name: h}, ``latest``, ``rest`` {h: answers}); also written to ``work/oracle.json``."""
    home = work / "home"
    shutil.copytree(src_home, home, symlinks=True)
    set_toml(home / "config" / "app.toml", "", "iavl-disable-fastnode", False)
    accounts = accounts or {}
    oracle: dict[str, Any] = {"heights": {}, "rest": {}, "upgraded": _latest_version(home, work / "probe")}
    node = start(injd, home, port_base, work / "node.log")
    try:
        # until the restarted node commits a block its CheckTx state has height 0, where the
        # ante handler checks signatures with account number 0 ("signature verification
        # failed; please verify account number (0)"): a tx sent before that is refused
        node.wait_height(node.height() + 1, timeout=60)
        if workload:
            oracle["heights"]["send"] = _tx(injd, node, ["bank", "send", "alice", accounts["bob"], "7000000000000000000inj"], "alice")
            carol = node.rest(f"/cosmos/staking/v1beta1/delegations/{accounts['carol']}")["delegation_responses"]
            if len(carol) != 1:
                raise DevnetError(f"carol should hold exactly one delegation, not {carol}")
            d = carol[0]
            oracle["heights"]["unbond_all"] = _tx(
                injd, node, ["staking", "unbond", d["delegation"]["validator_address"], d["balance"]["amount"] + "inj"], "carol"
            )
            node.wait_height(oracle["heights"]["unbond_all"] + 1, timeout=60)
            for h in sorted({oracle["upgraded"] - 1, oracle["upgraded"], oracle["heights"]["unbond_all"] - 1}):
                oracle["rest"][str(h)] = record(node, h, accounts)
        else:
            node.wait_height(oracle["upgraded"] + 3, timeout=60)
        status = stop_right_after_block(node)
    finally:
        node.stop()
    oracle["latest"] = int(status["sync_info"]["latest_block_height"])
    if workload:
        obs_home, keydir = work / "observer", work / "observer-keys"
        keydir.mkdir()
        make_observer_home(home, obs_home, keydir)
        obs = start(injd, obs_home, port_base, work / "observer.log")
        try:
            if obs.height() != oracle["latest"]:
                raise DevnetError(f"the observer is at {obs.height()}, the stopped node at {oracle['latest']}")
            oracle["rest"][str(oracle["latest"])] = record(obs, oracle["latest"], accounts)
        finally:
            obs.stop()
        shutil.rmtree(obs_home)
    (work / "oracle.json").write_text(json.dumps(oracle))
    return oracle


def turn_off(injd: Injectived, home: Path, port_base: Callable[[], int], blocks: int = 3) -> int:
    """Run ``home`` again with the index off (``iavl-disable-fastnode = true``) for a few
    blocks: the tree moves on, the index and its record stay where they were. Returns the
    height the node stopped at."""
    set_toml(home / "config" / "app.toml", "", "iavl-disable-fastnode", True)
    node = start(injd, home, port_base, home.parent / "node-off.log")
    try:
        node.wait_height(node.height() + blocks, timeout=60)
        status = stop_right_after_block(node)
    finally:
        node.stop()
    return int(status["sync_info"]["latest_block_height"])


def main() -> int:
    import random

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, required=True, help="a node home to copy (never written)")
    ap.add_argument("--out", type=Path, required=True, help="a new folder: home/, oracle.json")
    ap.add_argument("--accounts", type=Path, help="workload.json of the sample chain (its accounts), needed without --no-workload")
    ap.add_argument("--no-workload", action="store_true")
    ns = ap.parse_args()
    ns.out.mkdir(parents=True)
    accounts = {k: v["address"] for k, v in json.loads(ns.accounts.read_text())["accounts"].items()} if ns.accounts else None
    t0 = time.monotonic()
    oracle = build(ensure_injectived(), ns.home, ns.out, lambda: random.randrange(20000, 30000, 20), accounts, workload=not ns.no_workload)
    print(f"fast-index chain in {ns.out}: upgraded at {oracle['upgraded']}, latest {oracle['latest']} ({time.monotonic() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

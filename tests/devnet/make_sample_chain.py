"""Build ``tests/fixtures/sample-chain.tar.zst``: a small real Injective chain plus the node's answers.

Usage::

    python -m tests.devnet.make_sample_chain [--out tests/fixtures/sample-chain.tar.zst]
                                             [--port-base 16600] [--keep-workdir]
    python -m tests.devnet.make_sample_chain --rerecord   # same chain, oracle recorded again

What it does, in order (everything on 127.0.0.1, ports ``port_base .. port_base+9`` for the
validator and ``port_base+100 ..`` for the observer, see :mod:`tests.devnet.node`):

1. **Genesis.** ``injectived init`` a fresh home (chain id ``cometgraph-devnet-1``) in a temp
   dir, loopback-only listeners, ``timeout_commit = 700ms``, ``pruning = "nothing"``, kv tx
   index, ABCI responses kept, EVM JSON-RPC / gRPC-web / swagger / pprof / prometheus off.
   Genesis: every ``"stake"`` denom becomes ``"inj"``; unbonding time 20s; slashing window 10
   blocks (so the second validator, whose key never runs, gets jailed for downtime), jail 60s
   (injectived's minimum); gov voting period 60s, min deposit 10 INJ; keys
   ``validator``, ``alice``, ``bob``, ``val2`` funded in genesis (test keyring, eth_secp256k1);
   ``carol``, ``dave``, ``erin`` (a plain secp256k1 key), ``frank`` and ``msig`` (2-of-2
   legacy-amino multisig of alice and bob) only come into existence on chain; ``gentx`` of
   1000 INJ; ``collect-gentxs``. Then copies of the genesis with one x/auth/vesting account
   each are given to ``genesis validate``: the node refuses all four kinds (recorded).
2. **Workload** (each tx is broadcast with ``--broadcast-mode sync``, explicit ``--gas`` and
   ``--gas-prices 500000000inj``, then ``/tx`` is polled until included):

   * ``memo_ascii``: alice -> bob 5 INJ, memo ``"cometgraph sample: plain ascii memo"``.
   * ``memo_unicode``: bob -> carol 20 INJ, memo ``"héllo wörld ✓ 你好"`` (creates carol).
   * ``multi_msg``: one tx from alice with two ``MsgSend`` (alice -> carol 2 INJ, alice -> dave
     3 INJ; creates dave); built with ``--generate-only``, messages merged, ``tx sign`` +
     ``tx broadcast``.
   * ``multi_send``: ``MsgMultiSend`` alice -> bob, carol, dave 1 INJ each.
   * ``burst``: six sends from six senders (alice->erin, bob->msig, validator->frank: these
     create the three accounts; carol->dave, dave->alice, val2->bob), signed offline with
     explicit ``--account-number``/``--sequence``, encoded by the CLI and broadcast with
     ``broadcast_tx_sync`` within a few ms right after a block is committed: all six land in
     ONE block (checked; retried with new txs, at most 3 times, if they straddle two blocks
     or if their block order happens to equal their hash order; the script fails otherwise).
   * ``failed``: carol sends 1,000,000 INJ (far more than her balance) with ``--gas 200000``:
     CheckTx passes, delivery fails with code 5 (insufficient funds), the tx is in a block.
   * ``failed_out_of_gas``: dave -> alice 1 INJ with a gas limit a little below what the
     same-shaped send used; delivery fails with code 11 (out of gas) — skipped (and recorded as
     skipped) if CheckTx rejects it.
   * ``delegate``: alice delegates 10 INJ to the genesis validator.
   * ``create_validator``: ``val2`` (new ed25519 consensus key from ``injectived init`` in a
     scratch home, never run) creates a validator with 50 INJ self-bond (~5% of the power); the
     validator set grows from 1 to 2.
   * ``delegate_val2``: bob delegates 5 INJ to val2.
   * ``redelegate``: alice redelegates 1 INJ from the genesis validator to val2.
   * ``undelegate``: alice unbonds 2 INJ from the genesis validator; it matures after 20s
     (``complete_unbonding`` in a later block's finalize events) — the script waits for that.
   * ``withdraw_rewards``: alice withdraws her rewards from the genesis validator.
   * ``withdraw_commission``: the validator withdraws rewards + commission (``--commission``).
   * ``withdraw_all_rewards``: bob ``withdraw-all-rewards`` (his only delegation is to val2).
   * core modules (:meth:`Workload.core_modules`), in rounds of txs from distinct senders
     broadcast together: gov v1 (submit-proposal with a
     ``MsgCommunityPoolSpend``, a messages-less one that is cancelled, deposit, vote,
     weighted-vote), gov v1beta1 (submit-legacy-proposal Text; deposit, vote and weighted vote
     as v1beta1 Msgs), authz (send and generic grants, exec of a ``MsgSend`` and of a
     ``MsgVote``, revokes), feegrant (basic and periodic allowances, a fee-granted send,
     revoke), distribution (fund-community-pool, set-withdraw-addr,
     fund-validator-rewards-pool), staking (delegate, unbond, cancel-unbond, edit-validator)
     and an ibc-transfer over a channel that does not exist (fails in delivery). Then the node
     restart.
   * ``secp256k1_send``: erin -> carol (erin's first tx: a ``/cosmos.crypto.secp256k1.PubKey``
     account); ``multisig_send``: msig -> dave (``tx sign --multisig`` by alice and bob,
     ``tx multi-sign``: a ``LegacyAminoPubKey`` account and a multi-signature tx).
   * vesting probe (no tx): each x/auth/vesting Msg (continuous, delayed, permanent locked,
     periodic) put in a generate-only doc: ``tx sign`` refuses it; the node's REST ``encode``
     encodes it, but its ``decode``, ``simulate`` and CheckTx refuse the bytes ("unable to
     resolve type URL"): injectived 1.20.1 registers neither the vesting Msgs nor the vesting
     account types, so no vesting account can exist on this chain. Recorded in
     ``workload.json`` ``vesting``.
   * val2 never signs, so once its slashing window has passed it is jailed (``slash`` /
     ``liveness`` events) and leaves the set. The node is then stopped until val2's jail time,
     the proposals' voting periods and alice's unbonding have passed (no empty blocks for
     that minute), started again, and val2 ``unjail``s: it rejoins the set and, still not
     signing, is jailed again ~12 blocks later: the set changes 1 -> 2 -> 1 -> 2 -> 1.
   * ``undelegate_pending``: bob unbonds 1 INJ from val2 near the end (still unbonding at the
     last height).
   * ``final_send``: dave -> alice with memo, the last tx.
3. **Stop.** Right after a fresh block, ``/status`` is saved and the node gets SIGTERM; the
   script waits for it to exit (LevelDB closed).
4. **Oracle.** The home is copied (the original is never touched again) and the copy is
   started as a non-validating *observer* (its ``priv_validator_key_file`` points to a fresh
   key outside the home), so no block is added while the node's RPC and REST answers are
   recorded for every height: ``blocks``, ``block_results``, ``validators``, ``commits``,
   ``headers``, ``blockchain`` (``/blockchain`` pages), ``txs`` and ``rest_txs`` (RPC and
   REST answers for every tx), ``tx_search``, ``block_search``, ``rest`` (accounts,
   staking, distribution, slashing, bank, auth and validator-set REST answers at a few
   heights) and ``workload`` JSON files (see ``tests/devnet/README.md``).
5. **Pack.** ``home/`` (config, data, keyring-test; without the wasm cache) and ``oracle/`` are
   written to a zstd (level 19) tar, then the archive is checked: unpacked to a temp dir, a copy
   of every LevelDB opened with plyvel (if installed), and the oracle checked to cover every
   height 1..latest, every tx, and every ``rest.json`` key at each recorded height.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any
from collections.abc import Callable

from tests.devnet import gov_workload
from tests.devnet.node import (
    DevnetError,
    DevnetNode,
    Injectived,
    _ensure_zstandard,
    ensure_injectived,
    ports_for,
)
from datetime import UTC

CHAIN_ID = "cometgraph-devnet-1"
DENOM = "inj"
GAS_PRICE = "500000000inj"  # chain minimum is 160000000inj (app.toml and txfees genesis)
DEFAULT_OUT = Path("tests/fixtures/sample-chain.tar.zst")
#: the node's database backends, and the archive each one is written to by default
BACKENDS = {"goleveldb": DEFAULT_OUT, "pebbledb": Path("tests/fixtures/sample-chain-pebble.tar.zst")}
DEFAULT_PORT_BASE = 16600
OBSERVER_PORT_OFFSET = 100
TIMEOUT_COMMIT = "700ms"  # the workload is CLI-bound: longer blocks, fewer empty heights
UNBONDING_TIME = "20s"
SLASHING_WINDOW = "10"
# val2 may unjail this long after its downtime jail; injectived refuses less than a minute
# (gentx: "downtime unjail duration must be at least 1 minute, is 10s"), so the node is kept
# stopped for that minute instead of producing ~100 empty blocks (see ``Workload.downtime``)
DOWNTIME_JAIL_DURATION = "60s"
GOV_VOTING_PERIOD = "60s"  # ends while the node is stopped for val2's jail (see downtime)
GOV_EXPEDITED_VOTING_PERIOD = "30s"  # must be shorter than the voting period
GOV_MIN_DEPOSIT_INJ = 10  # a proposal submitted with 5 INJ waits for a deposit
GOV_EXPEDITED_MIN_DEPOSIT_INJ = 50
ZSTD_LEVEL = 19

GENESIS_FUNDS = {"validator": 10_000, "alice": 1_000, "bob": 1_000, "val2": 500}
# keys made in the test keyring; erin's key is a plain Cosmos secp256k1 key (every other one
# is the keyring's default eth_secp256k1)
ACCOUNT_NAMES = ["validator", "alice", "bob", "carol", "dave", "val2", "erin", "frank"]
KEY_TYPES = {"erin": "secp256k1"}
# a 2-of-2 legacy-amino multisig key over alice's and bob's keys
MULTISIG_NAME, MULTISIG_MEMBERS, MULTISIG_THRESHOLD = "msig", ["alice", "bob"], 2
# module accounts whose per-account REST answers are recorded too
MODULE_ACCOUNTS = ["fee_collector", "distribution", "bonded_tokens_pool", "not_bonded_tokens_pool", "gov"]
# the burst: one signed tx per sender, all broadcast right after a block is committed, so
# that they land in ONE block (sender, recipient, amount in INJ)
BURST = [
    ("alice", "erin", "3"),  # creates erin
    ("bob", MULTISIG_NAME, "3"),  # creates the multisig account
    ("validator", "frank", "1"),  # creates frank (who never signs anything)
    ("carol", "dave", "0.125"),
    ("dave", "alice", "0.0625"),
    ("val2", "bob", "0.25"),
]
BURST_MIN_TXS = 5
BURST_ATTEMPTS = 3
# the x/auth/vesting account types (injectived 1.20.1 registers none of them: probed)
VESTING_ACCOUNT_TYPES = ["ContinuousVestingAccount", "DelayedVestingAccount", "PeriodicVestingAccount", "PermanentLockedAccount"]
# every Msg type URL the workload sends (the archive check fails if one is missing from
# rest_txs.json); /ibc.applications.transfer.v1.MsgTransfer fails in delivery (no channel)
EXPECTED_MSG_TYPES = sorted(
    [
        "/cosmos.bank.v1beta1.MsgSend",
        "/cosmos.bank.v1beta1.MsgMultiSend",
        "/cosmos.staking.v1beta1.MsgCreateValidator",
        "/cosmos.staking.v1beta1.MsgDelegate",
        "/cosmos.staking.v1beta1.MsgUndelegate",
        "/cosmos.staking.v1beta1.MsgBeginRedelegate",
        "/cosmos.staking.v1beta1.MsgEditValidator",
        "/cosmos.staking.v1beta1.MsgCancelUnbondingDelegation",
        "/cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward",
        "/cosmos.distribution.v1beta1.MsgWithdrawValidatorCommission",
        "/cosmos.distribution.v1beta1.MsgFundCommunityPool",
        "/cosmos.distribution.v1beta1.MsgSetWithdrawAddress",
        "/cosmos.distribution.v1beta1.MsgDepositValidatorRewardsPool",
        "/cosmos.gov.v1.MsgSubmitProposal",
        "/cosmos.gov.v1.MsgDeposit",
        "/cosmos.gov.v1.MsgVote",
        "/cosmos.gov.v1.MsgVoteWeighted",
        "/cosmos.gov.v1.MsgCancelProposal",
        "/cosmos.gov.v1beta1.MsgSubmitProposal",
        "/cosmos.gov.v1beta1.MsgDeposit",
        "/cosmos.gov.v1beta1.MsgVote",
        "/cosmos.gov.v1beta1.MsgVoteWeighted",
        "/cosmos.authz.v1beta1.MsgGrant",
        "/cosmos.authz.v1beta1.MsgExec",
        "/cosmos.authz.v1beta1.MsgRevoke",
        "/cosmos.feegrant.v1beta1.MsgGrantAllowance",
        "/cosmos.feegrant.v1beta1.MsgRevokeAllowance",
        "/cosmos.slashing.v1beta1.MsgUnjail",
        "/ibc.applications.transfer.v1.MsgTransfer",
    ]
)
UNICODE_MEMO = "héllo wörld ✓ 你好"
ASCII_MEMO = "cometgraph sample: plain ascii memo"


def inj(amount: int | str | Decimal) -> str:
    """``inj(2.5)`` -> ``"2500000000000000000inj"`` (18 decimals)."""
    return f"{int(Decimal(str(amount)) * 10**18)}{DENOM}"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --------------------------------------------------------------------------------------------
# config editing
# --------------------------------------------------------------------------------------------
def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value))


def set_toml(path: Path, section: str, key: str, value: Any) -> None:
    """Set ``key = value`` inside ``[section]`` ("" = top level) of a TOML file written by the
    node, keeping every comment. Raises if the key is not there (the format changed)."""
    lines = path.read_text().splitlines(keepends=True)
    current = ""
    key_re = re.compile(rf"^(\s*){re.escape(key)}(\s*=\s*)")
    for i, line in enumerate(lines):
        header = re.match(r"^\s*\[([^\[\]]+)\]\s*$", line)
        if header:
            current = header.group(1).strip()
            continue
        m = key_re.match(line)
        if current == section and m:
            lines[i] = f"{m.group(1)}{key}{m.group(2)}{_toml_value(value)}\n"
            path.write_text("".join(lines))
            return
    raise DevnetError(f"{path.name}: key {key!r} not found in section [{section}]")


def configure_home(home: Path, port_base: int, backend: str = "goleveldb") -> None:
    """Loopback-only listeners on our ports, fast blocks, keep everything the reader needs;
    ``backend`` is the node's database backend (``goleveldb`` or ``pebbledb``) for CometBFT and the app."""
    p = ports_for(port_base)
    cfg = home / "config" / "config.toml"
    if backend not in BACKENDS:
        raise DevnetError(f"unknown backend {backend!r}: one of {', '.join(BACKENDS)}")
    if backend != "goleveldb":  # goleveldb is the node's default: its homes stay as they were
        set_toml(cfg, "", "db_backend", backend)
        set_toml(home / "config" / "app.toml", "", "app-db-backend", backend)
    for section, key, value in [
        ("", "proxy_app", f"tcp://127.0.0.1:{p['proxy_app']}"),
        ("", "moniker", "validator"),
        ("rpc", "laddr", f"tcp://127.0.0.1:{p['rpc']}"),
        ("rpc", "pprof_laddr", ""),
        ("p2p", "laddr", f"tcp://127.0.0.1:{p['p2p']}"),
        ("p2p", "pex", False),
        ("p2p", "addr_book_strict", False),
        ("p2p", "seeds", ""),
        ("p2p", "persistent_peers", ""),
        ("consensus", "timeout_commit", TIMEOUT_COMMIT),
        ("consensus", "timeout_propose", "600ms"),
        ("storage", "discard_abci_responses", False),
        ("tx_index", "indexer", "kv"),
        ("instrumentation", "prometheus", False),
        ("instrumentation", "prometheus_listen_addr", f"127.0.0.1:{p['prometheus']}"),
    ]:
        set_toml(cfg, section, key, value)
    app = home / "config" / "app.toml"
    for section, key, value in [
        ("", "minimum-gas-prices", "160000000inj"),
        ("", "pruning", "nothing"),
        ("api", "enable", True),
        ("api", "swagger", False),
        ("api", "address", f"tcp://127.0.0.1:{p['api']}"),
        ("grpc", "enable", True),
        ("grpc", "address", f"127.0.0.1:{p['grpc']}"),
        ("grpc-web", "enable", False),
        ("json-rpc", "enable", False),
        ("json-rpc", "address", f"127.0.0.1:{p['json_rpc']}"),
        ("json-rpc", "ws-address", f"127.0.0.1:{p['json_rpc_ws']}"),
        ("json-rpc", "enable-indexer", False),
        ("json-rpc-debug", "enable", False),
        ("json-rpc-debug", "address", f"127.0.0.1:{p['json_rpc'] + 50}"),
        ("state-sync", "snapshot-interval", 0),
    ]:
        set_toml(app, section, key, value)
    client = home / "config" / "client.toml"
    for key, value in [
        ("chain-id", CHAIN_ID),
        ("keyring-backend", "test"),
        ("node", f"tcp://127.0.0.1:{p['rpc']}"),
        ("output", "json"),
    ]:
        set_toml(client, "", key, value)


def edit_genesis(home: Path) -> None:
    path = home / "config" / "genesis.json"
    text = path.read_text().replace('"stake"', f'"{DENOM}"')
    genesis = json.loads(text)
    state = genesis["app_state"]
    state["staking"]["params"]["unbonding_time"] = UNBONDING_TIME
    state["slashing"]["params"]["signed_blocks_window"] = SLASHING_WINDOW
    state["slashing"]["params"]["downtime_jail_duration"] = DOWNTIME_JAIL_DURATION
    gov = state["gov"]["params"]
    gov["voting_period"] = GOV_VOTING_PERIOD
    gov["expedited_voting_period"] = GOV_EXPEDITED_VOTING_PERIOD
    gov["min_deposit"] = [{"denom": DENOM, "amount": str(GOV_MIN_DEPOSIT_INJ * 10**18)}]
    gov["expedited_min_deposit"] = [{"denom": DENOM, "amount": str(GOV_EXPEDITED_MIN_DEPOSIT_INJ * 10**18)}]
    gov_workload.edit_genesis(state)
    path.write_text(json.dumps(genesis, indent=1, ensure_ascii=False) + "\n")


# --------------------------------------------------------------------------------------------
# chain setup
# --------------------------------------------------------------------------------------------
class Keys:
    """Names -> addresses in the test keyring of ``home``."""

    def __init__(self, injd: Injectived, home: Path) -> None:
        self.injd, self.home = injd, home
        self.address: dict[str, str] = {}
        self.valoper: dict[str, str] = {}

    def add(self, name: str, key_type: str | None = None) -> str:
        extra = ["--key-type", key_type] if key_type else []
        self.injd.run_json("keys", "add", name, *extra, "--keyring-backend", "test", "--output", "json", home=self.home)
        return self._show(name)

    def add_multisig(self, name: str, members: list[str], threshold: int) -> str:
        self.injd.run_json(
            "keys",
            "add",
            name,
            "--multisig",
            ",".join(members),
            "--multisig-threshold",
            str(threshold),
            "--keyring-backend",
            "test",
            "--output",
            "json",
            home=self.home,
        )
        return self._show(name)

    def _show(self, name: str) -> str:
        self.address[name] = self.injd.run_json("keys", "show", name, "--keyring-backend", "test", "--output", "json", home=self.home)["address"]
        self.valoper[name] = self.injd.run_json("keys", "show", name, "--bech", "val", "--keyring-backend", "test", "--output", "json", home=self.home)[
            "address"
        ]
        return self.address[name]


def probe_vesting_genesis(injd: Injectived, home: Path, keys: Keys, scratch: Path) -> list[dict[str, Any]]:
    """``genesis validate`` of copies of the final genesis, each with one x/auth/vesting
    account added (and its balance): the node refuses every such genesis (the type URL is not
    registered), so vesting accounts cannot be put in at genesis either. The real genesis is
    not touched."""
    genesis = json.loads((home / "config" / "genesis.json").read_text())
    end = int(time.time()) + 3600
    coins = [{"denom": DENOM, "amount": str(10**18)}]
    out = []
    for kind in VESTING_ACCOUNT_TYPES:
        g = json.loads(json.dumps(genesis))
        addr = keys.address["frank"]
        bva = {
            "base_account": {"address": addr, "pub_key": None, "account_number": "0", "sequence": "0"},
            "original_vesting": coins,
            "delegated_free": [],
            "delegated_vesting": [],
            "end_time": "0" if kind == "PermanentLockedAccount" else str(end),
        }
        acc: dict[str, Any] = {"@type": f"/cosmos.vesting.v1beta1.{kind}", "base_vesting_account": bva}
        if kind in ("ContinuousVestingAccount", "PeriodicVestingAccount"):
            acc["start_time"] = str(end - 3600)
        if kind == "PeriodicVestingAccount":
            acc["vesting_periods"] = [{"length": "3600", "amount": coins}]
        accounts = g["app_state"]["auth"]["accounts"]
        acc["base_vesting_account"]["base_account"]["account_number"] = str(len(accounts))
        accounts.append(acc)
        g["app_state"]["bank"]["balances"].append({"address": addr, "coins": coins})
        for c in g["app_state"]["bank"]["supply"]:
            if c["denom"] == DENOM:
                c["amount"] = str(int(c["amount"]) + 10**18)
        path = scratch / f"genesis-{kind}.json"
        path.write_text(json.dumps(g))
        res = injd.run("genesis", "validate", str(path), home=home, check=False)
        if res.returncode == 0:
            raise DevnetError(f"a genesis with a {kind} validates: re-think the workload")
        text = (res.stderr.strip() or res.stdout.strip()).splitlines()
        out.append({"account_type": acc["@type"], "exit_code": res.returncode, "error": text[:1]})
        log(f"  genesis with a {kind}: exit {res.returncode}: {text[:1]}")
    return out


def init_chain(injd: Injectived, home: Path, port_base: int, backend: str = "goleveldb") -> Keys:
    injd.run("init", "validator", "--chain-id", CHAIN_ID, "--default-denom", DENOM, home=home, check=False)
    if not (home / "config" / "genesis.json").exists():  # older CLIs lack --default-denom
        injd.run("init", "validator", "--chain-id", CHAIN_ID, home=home)
    configure_home(home, port_base, backend)
    edit_genesis(home)
    keys = Keys(injd, home)
    for name in ACCOUNT_NAMES:
        keys.add(name, KEY_TYPES.get(name))
    keys.add_multisig(MULTISIG_NAME, MULTISIG_MEMBERS, MULTISIG_THRESHOLD)
    for name, amount in GENESIS_FUNDS.items():
        injd.run(
            "genesis",
            "add-genesis-account",
            keys.address[name],
            inj(amount) + gov_workload.genesis_coins(name),
            "--keyring-backend",
            "test",
            "--chain-id",
            CHAIN_ID,
            home=home,
        )
    p = ports_for(port_base)
    injd.run(
        "genesis",
        "gentx",
        "validator",
        inj(1000),
        "--chain-id",
        CHAIN_ID,
        "--keyring-backend",
        "test",
        "--moniker",
        "validator",
        "--ip",
        "127.0.0.1",
        "--p2p-port",
        str(p["p2p"]),
        "--commission-rate",
        "0.10",
        "--commission-max-rate",
        "0.20",
        "--commission-max-change-rate",
        "0.01",
        "--gas-prices",
        GAS_PRICE,
        home=home,
    )
    injd.run("genesis", "collect-gentxs", home=home)
    injd.run("genesis", "validate", home=home)
    return keys


# --------------------------------------------------------------------------------------------
# workload
# --------------------------------------------------------------------------------------------
class Workload:
    """Sends txs through the CLI and remembers where the notable ones landed."""

    def __init__(self, injd: Injectived, node: DevnetNode, keys: Keys, scratch: Path) -> None:
        self.injd, self.node, self.keys, self.scratch = injd, node, keys, scratch
        self.home = node.home
        self.notable: dict[str, Any] = {}
        self.facts: dict[str, Any] = {}
        self.all_txs: list[dict[str, Any]] = []

    def _common(self, gas: int) -> list[str]:
        return [
            "--chain-id",
            CHAIN_ID,
            "--node",
            self.node.rpc_node,
            "--keyring-backend",
            "test",
            "--gas",
            str(gas),
            "--gas-prices",
            GAS_PRICE,
            "--output",
            "json",
        ]

    def broadcast(self, args: list[str], sender: str, gas: int = 200_000, memo: str | None = None) -> str:
        """Sign and broadcast (sync) one CLI tx; return its hash (CheckTx must pass)."""
        cmd = ["tx", *args, "--from", sender, *self._common(gas), "--broadcast-mode", "sync", "-y"]
        if memo is not None:
            cmd += ["--note", memo]
        out = self.injd.run_json(*cmd, home=self.home)
        if int(out.get("code", 0)) != 0:
            raise DevnetError(f"CheckTx rejected {args}: {out}")
        return str(out["txhash"]).upper()

    def wait(self, name: str | None, tx_hash: str, expect_code: int | None = 0) -> dict[str, Any]:
        res = self.node.wait_tx(tx_hash, timeout=30)
        code = int(res["tx_result"].get("code", 0))
        entry = {
            "hash": tx_hash,
            "height": int(res["height"]),
            "index": int(res["index"]),
            "code": code,
            "gas_wanted": int(res["tx_result"].get("gas_wanted", 0)),
            "gas_used": int(res["tx_result"].get("gas_used", 0)),
        }
        if expect_code is not None and code != expect_code:
            raise DevnetError(f"{name}: expected code {expect_code}, got {code}: {res['tx_result'].get('log')}")
        self.all_txs.append({"name": name, **entry})
        if name:
            self.notable[name] = entry
        log(f"  {name or 'tx'}: height {entry['height']} code {code} hash {tx_hash[:12]}…")
        return entry

    def tx(self, name: str | None, args: list[str], sender: str, gas: int = 200_000, memo: str | None = None, expect_code: int | None = 0) -> dict[str, Any]:
        return self.wait(name, self.broadcast(args, sender, gas, memo), expect_code)

    def multi_msg(self, name: str, sender: str, sends: list[tuple[str, str]], memo: str) -> Any:
        """One tx carrying several MsgSend: generate-only each, merge messages, sign, broadcast."""
        docs = []
        for to, amount in sends:
            out = self.injd.run(
                "tx", "bank", "send", sender, to, amount, "--from", sender, *self._common(400_000), "--generate-only", "--note", memo, home=self.home
            )
            docs.append(json.loads(out.stdout))
        merged = docs[0]
        for doc in docs[1:]:
            merged["body"]["messages"].extend(doc["body"]["messages"])
        unsigned = self.scratch / f"{name}.unsigned.json"
        unsigned.write_text(json.dumps(merged))
        signed = self.scratch / f"{name}.signed.json"
        self.injd.run(
            "tx",
            "sign",
            str(unsigned),
            "--from",
            sender,
            "--chain-id",
            CHAIN_ID,
            "--node",
            self.node.rpc_node,
            "--keyring-backend",
            "test",
            "--output-document",
            str(signed),
            home=self.home,
        )
        out = self.injd.run_json("tx", "broadcast", str(signed), "--node", self.node.rpc_node, "--broadcast-mode", "sync", "--output", "json", home=self.home)
        if int(out.get("code", 0)) != 0:
            raise DevnetError(f"CheckTx rejected multi-msg tx: {out}")
        return self.wait(name, str(out["txhash"]).upper())

    def run(self) -> None:
        a, v = self.keys.address, self.keys.valoper
        node = self.node
        node.wait_height(2, timeout=60)
        val1 = v["validator"]
        for name in MODULE_ACCOUNTS:
            ans = node.rest(f"/cosmos/auth/v1beta1/module_accounts/{name}")
            self.keys.address[name] = ans["account"]["base_account"]["address"]

        log("bank sends with memos")
        self.tx("memo_ascii", ["bank", "send", "alice", a["bob"], inj(5)], "alice", memo=ASCII_MEMO)
        self.tx("memo_unicode", ["bank", "send", "bob", a["carol"], inj(20)], "bob", memo=UNICODE_MEMO)
        log("multi-message tx and MsgMultiSend")
        self.multi_msg("multi_msg", "alice", [(a["carol"], inj(2)), (a["dave"], inj(3))], memo="two MsgSend in one tx")
        self.tx("multi_send", ["bank", "multi-send", "alice", a["bob"], a["carol"], a["dave"], inj(1)], "alice", memo="MsgMultiSend to three")

        log(f"burst: {len(BURST)} txs from {len(BURST)} senders in one block")
        self.burst()

        log("failing txs (included in a block with a non-zero code)")
        self.tx("failed", ["bank", "send", "carol", a["alice"], inj(1_000_000)], "carol", memo="this send must fail: insufficient funds", expect_code=None)
        if self.notable["failed"]["code"] == 0:
            raise DevnetError("the over-balance send did not fail")
        # the over-balance send got through the ante handler and failed inside the bank
        # keeper after ``gas_used`` gas; a complete send needs ~25k more, so this limit
        # passes CheckTx (ante only) and runs out of gas while executing the message
        self._out_of_gas(a, self.notable["failed"]["gas_used"] + 8_000)

        log("staking: delegate, second validator, redelegate, undelegate")
        self.tx("delegate", ["staking", "delegate", val1, inj(10)], "alice", gas=300_000)
        # unbond early, so that the unbonding matures (EndBlock ``complete_unbonding``) while
        # the rest of the workload runs
        self.tx("undelegate", ["staking", "unbond", val1, inj(2)], "alice", gas=300_000)
        self.create_validator()
        self.tx("delegate_val2", ["staking", "delegate", v["val2"], inj(5)], "bob", gas=300_000)
        self.tx("redelegate", ["staking", "redelegate", val1, v["val2"], inj(1)], "alice", gas=400_000)

        log("rewards")
        self.tx("withdraw_rewards", ["distribution", "withdraw-rewards", val1], "alice", gas=300_000)
        self.tx("withdraw_commission", ["distribution", "withdraw-rewards", val1, "--commission"], "validator", gas=300_000)
        self.tx("withdraw_all_rewards", ["distribution", "withdraw-all-rewards"], "bob", gas=400_000)

        log("more core modules: gov v1 / v1beta1, authz, feegrant, distribution, staking, ibc-transfer")
        self.core_modules()
        log("gov v1 proposals that fail, are vetoed, pass expedited; grants; sends of many sizes")
        gov_workload.before_restart(self)
        self.restart()
        self.tx(None, ["bank", "send", "dave", a["carol"], inj("0.5")], "dave", memo="first tx after the node restart")

        log("other account kinds: a secp256k1 key and a 2-of-2 multisig sign their first tx")
        self.tx("secp256k1_send", ["bank", "send", "erin", a["carol"], inj(1)], "erin", memo="signed with a secp256k1 (non-eth) key")
        self.multisig_send("multisig_send", a["dave"], inj(1), memo="signed by alice and bob (2-of-2 multisig)")
        # erin's periodic fee allowance (granted by the validator in core_modules) pays
        self.tx(
            "feegrant_send_periodic",
            ["bank", "send", "erin", a["carol"], inj("0.01"), "--fee-granter", a["validator"]],
            "erin",
            memo="fee paid from the validator's periodic allowance",
        )

        # while val2's downtime window runs out (no tx is sent, no height is added)
        log("vesting Msgs: asking the CLI and the node (injectived 1.20.1 refuses them)")
        self.facts["vesting"] = self.probe_vesting()

        log("waiting for val2 to be jailed for downtime")
        self.wait_for(lambda: self._val2_jailed(), "val2 jailed", timeout=120)
        # everything that now waits on time (val2's jail, the proposals' voting periods,
        # alice's unbonding) passes while the node is stopped: no empty blocks
        until = max(
            [self._val2_jailed_until(), *self._proposal_end_times(), *self._unbonding_completion_times(a["alice"]), self.facts["gov"]["grants_expire_at"]]
        )
        self.downtime(until + 2)
        self.wait_proposals_end()
        self.wait_for(lambda: self._unbonding_done(a["alice"], val1), "alice's unbonding to mature", timeout=120)
        if self.unjail():
            # val2 is back in the set but its key still never signs: a second downtime jail
            # ~12 blocks later (its signing window restarts at the unjail height) takes it out
            # again, so the set goes 1 -> 2 -> 1 -> 2 -> 1
            self.wait_for(lambda: self._val2_jailed(), "val2 jailed again", timeout=120)
            self.wait_for(lambda: int(self.node.rpc("validators")["total"]) == 1, "val2 to leave the set again", timeout=30)
        log("a proposal still voting at the last height")
        gov_workload.open_proposal(self)
        self.tx("undelegate_pending", ["staking", "unbond", v["val2"], inj(1)], "bob", gas=300_000)
        self.tx("final_send", ["bank", "send", "dave", a["alice"], inj("0.1")], "dave", memo="last tx of the workload")

    # -- more core modules ----------------------------------------------------------------
    def generate(self, args: list[str], sender: str, gas: int, memo: str | None = None) -> dict[str, Any]:
        """The unsigned tx doc ``tx <args> --generate-only`` prints."""
        extra = ["--note", memo] if memo is not None else []
        out = self.injd.run("tx", *args, "--from", sender, *self._common(gas), "--generate-only", *extra, home=self.home)
        return json.loads(out.stdout)

    def broadcast_doc(self, name: str, doc: dict[str, Any], sender: str) -> str:
        """``tx sign`` (online: account number and sequence from the node) and ``tx
        broadcast`` (sync) of an unsigned tx doc; returns the hash (CheckTx must pass)."""
        unsigned = self.scratch / f"{name}.unsigned.json"
        unsigned.write_text(json.dumps(doc))
        signed = self.scratch / f"{name}.signed.json"
        self.injd.run(
            "tx",
            "sign",
            str(unsigned),
            "--from",
            sender,
            "--chain-id",
            CHAIN_ID,
            "--node",
            self.node.rpc_node,
            "--keyring-backend",
            "test",
            "--output-document",
            str(signed),
            home=self.home,
        )
        out = self.injd.run_json("tx", "broadcast", str(signed), "--node", self.node.rpc_node, "--broadcast-mode", "sync", "--output", "json", home=self.home)
        if int(out.get("code", 0)) != 0:
            raise DevnetError(f"CheckTx rejected {name}: {out}")
        return str(out["txhash"]).upper()

    @staticmethod
    def to_gov_v1beta1(doc: dict[str, Any]) -> None:
        """A ``/cosmos.gov.v1beta1`` vote, weighted vote or deposit: the CLI only builds the
        ``/cosmos.gov.v1`` Msg, so its generate-only doc gets the v1beta1 type URL (and loses
        the v1-only ``metadata`` field); the CLI signs and encodes it, the node runs it."""
        for m in doc["body"]["messages"]:
            if not m["@type"].startswith("/cosmos.gov.v1."):
                raise DevnetError(f"unexpected message {m}")
            m["@type"] = m["@type"].replace("/cosmos.gov.v1.", "/cosmos.gov.v1beta1.")
            m.pop("metadata", None)

    def round(self, items: list[dict[str, Any]]) -> None:
        """One tx per item, each from a different sender (built with :func:`step`), all
        broadcast at once by parallel CLI runs (``tx … -y``, sync; an item with ``edit``:
        ``--generate-only``, edit, ``tx sign``, ``tx broadcast``), so that a round lands in
        one to three blocks; then waits for all of them (``expect`` None: any code)."""
        from concurrent.futures import ThreadPoolExecutor

        senders = [it["sender"] for it in items]
        if len(set(senders)) != len(senders):
            raise DevnetError(f"a round needs distinct senders: {senders}")

        def send(it: dict[str, Any]) -> str:
            if it["edit"] is None:
                return self.broadcast(it["args"], it["sender"], it["gas"], it["memo"])
            doc = self.generate(it["args"], it["sender"], it["gas"], it["memo"])
            it["edit"](doc)
            return self.broadcast_doc(it["name"], doc, it["sender"])

        with ThreadPoolExecutor(max_workers=len(items)) as pool:
            hashes = list(pool.map(send, items))
        for it, h in zip(items, hashes):
            self.wait(it["name"], h, it["expect"])

    @staticmethod
    def step(
        name: str,
        args: list[str],
        sender: str,
        gas: int = 300_000,
        memo: str | None = None,
        edit: Callable[[dict[str, Any]], None] | None = None,
        expect: int | None = 0,
    ) -> dict[str, Any]:
        return {"name": name, "args": args, "sender": sender, "gas": gas, "memo": memo, "edit": edit, "expect": expect}

    def tx_event_attr(self, tx_hash: str, ev_type: str, key: str) -> str:
        res = self.node.rpc("tx", hash="0x" + tx_hash)
        for ev in res["tx_result"].get("events", []):
            if ev["type"] == ev_type:
                for attr in ev["attributes"]:
                    if attr["key"] == key:
                        return attr["value"]
        raise DevnetError(f"tx {tx_hash}: no {ev_type}.{key} event attribute")

    def core_modules(self) -> None:
        """One or more real txs for each core Msg the earlier workload does not send, in
        rounds of one tx per sender, broadcast together (:func:`round`).

        * gov v1: ``p_spend`` (alice; a ``MsgCommunityPoolSpend`` from the gov authority to
          carol, 5 INJ initial deposit < the 10 INJ minimum), bob's ``gov deposit`` of 5 INJ
          starts its voting period; ``gov vote`` (validator), ``gov weighted-vote`` (alice);
          ``p_text`` (dave; messages empty, metadata only, 1 INJ deposit) is cancelled by dave
          (``MsgCancelProposal``). gov v1beta1: ``p_legacy`` (bob; ``submit-legacy-proposal``
          Text, full deposit), a v1beta1 ``MsgDeposit`` (dave), ``MsgVote`` (validator),
          ``MsgVoteWeighted`` (bob), and alice's v1 vote on it executed by carol through authz.
        * authz: alice grants bob a ``SendAuthorization`` (3 INJ) and carol a
          ``GenericAuthorization`` for ``/cosmos.gov.v1.MsgVote``; bob execs a ``MsgSend``
          alice -> dave; carol execs alice's vote; alice revokes both.
        * feegrant: val2 grants dave a basic allowance (1 INJ), dave sends with
          ``--fee-granter`` val2, val2 revokes it; the validator grants erin a periodic
          allowance (used by erin after her first tx, ``feegrant_send_periodic``).
        * distribution: ``fund-community-pool`` (validator), ``set-withdraw-addr`` (carol ->
          dave), ``fund-validator-rewards-pool`` (bob -> validator).
        * staking: carol delegates 2 INJ, unbonds 1 INJ and ``cancel-unbond`` 0.5 INJ of it;
          ``edit-validator`` (the validator's moniker, website, details).
        * ibc-transfer: ``transfer transfer channel-0`` with no channel (absolute timeouts, so
          the CLI asks nothing about the channel): passes CheckTx, fails in delivery.
        """
        a, v = self.keys.address, self.keys.valoper
        val1 = v["validator"]
        gov_addr = self.keys.address["gov"]
        step = self.step
        spend = {
            "messages": [
                {
                    "@type": "/cosmos.distribution.v1beta1.MsgCommunityPoolSpend",
                    "authority": gov_addr,
                    "recipient": a["carol"],
                    "amount": [{"denom": DENOM, "amount": str(10**18)}],
                }
            ],
            "metadata": "ipfs://cometgraph-sample/community-pool-spend",
            "deposit": inj(5),
            "title": "Pay carol 1 INJ from the community pool",
            "summary": "A gov v1 proposal carrying a MsgCommunityPoolSpend.",
            "expedited": False,
        }
        # injectived checks that a JSON metadata's title equals the proposal's title ("metadata
        # title '…' must equal proposal title '…': invalid proposal content", code 5)
        text_title = "A text proposal that dave cancels"
        text_summary = "No messages: a signalling proposal."
        text = {
            "messages": [],
            "metadata": json.dumps(
                {
                    "title": text_title,
                    "authors": ["dave"],
                    "summary": text_summary,
                    "details": "metadata only",
                    "proposal_forum_url": "",
                    "vote_option_context": "",
                }
            ),
            "deposit": inj(1),
            "title": text_title,
            "summary": text_summary,
            "expedited": False,
        }
        for name, body in [("proposal_spend", spend), ("proposal_text", text)]:
            (self.scratch / f"{name}.json").write_text(json.dumps(body))
        spend_path = str(self.scratch / "proposal_spend.json")
        text_path = str(self.scratch / "proposal_text.json")

        self.round(
            [
                step("fund_community_pool", ["distribution", "fund-community-pool", inj(5)], "validator"),
                step("gov_submit_proposal", ["gov", "submit-proposal", spend_path], "alice", gas=500_000),
                step(
                    "gov_submit_legacy_proposal",
                    [
                        "gov",
                        "submit-legacy-proposal",
                        "--title",
                        "A legacy text proposal",
                        "--description",
                        "gov v1beta1 MsgSubmitProposal with a TextProposal content",
                        "--type",
                        "Text",
                        "--deposit",
                        inj(GOV_MIN_DEPOSIT_INJ),
                    ],
                    "bob",
                    gas=500_000,
                ),
                step("delegate_carol", ["staking", "delegate", val1, inj(2)], "carol"),
                step("gov_submit_proposal_text", ["gov", "submit-proposal", text_path], "dave", gas=500_000),
            ]
        )
        n = self.notable
        ids = {}
        for key, name in [("spend", "gov_submit_proposal"), ("legacy", "gov_submit_legacy_proposal"), ("text", "gov_submit_proposal_text")]:
            ids[key] = self.tx_event_attr(n[name]["hash"], "submit_proposal", "proposal_id")
            n[name]["proposal_id"] = int(ids[key])
        self.facts["gov"] = {"proposal_ids": {k: int(x) for k, x in ids.items()}}
        log(f"  proposals: {ids}")

        self.round(
            [
                step("gov_vote_legacy", ["gov", "vote", ids["legacy"], "yes"], "validator", edit=self.to_gov_v1beta1),
                step("authz_grant_send", ["authz", "grant", a["bob"], "send", "--spend-limit", inj(3)], "alice"),
                step("gov_deposit", ["gov", "deposit", ids["spend"], inj(5)], "bob"),
                step("unbond_to_cancel", ["staking", "unbond", val1, inj(1)], "carol"),
                step("gov_deposit_legacy", ["gov", "deposit", ids["legacy"], inj("0.5")], "dave", edit=self.to_gov_v1beta1),
                step("feegrant_grant_basic", ["feegrant", "grant", a["val2"], a["dave"], "--spend-limit", inj(1)], "val2"),
            ]
        )
        unbond_height = n["unbond_to_cancel"]["height"]
        exec_doc = self.generate(["bank", "send", a["alice"], a["dave"], inj(1)], "alice", 200_000, memo="sent by bob for alice (authz)")
        exec_path = self.scratch / "authz_exec_send.msg.json"
        exec_path.write_text(json.dumps(exec_doc))
        self.round(
            [
                # the deposit that starts p_spend's voting period is in an earlier block
                step("gov_vote", ["gov", "vote", ids["spend"], "yes"], "validator"),
                step("gov_weighted_vote", ["gov", "weighted-vote", ids["spend"], "yes=0.7,no=0.2,abstain=0.1", "--metadata", "alice splits her vote"], "alice"),
                step("authz_exec_send", ["authz", "exec", str(exec_path)], "bob"),
                step("cancel_unbond", ["staking", "cancel-unbond", val1, inj("0.5"), str(unbond_height)], "carol", gas=400_000),
                step("gov_cancel_proposal", ["gov", "cancel-proposal", ids["text"]], "dave"),
            ]
        )
        vote_doc = self.generate(["gov", "vote", ids["legacy"], "abstain"], "alice", 200_000)
        vote_path = self.scratch / "authz_exec_vote.msg.json"
        vote_path.write_text(json.dumps(vote_doc))
        self.round(
            [
                step(
                    "feegrant_grant_periodic",
                    ["feegrant", "grant", a["validator"], a["erin"], "--spend-limit", inj(1), "--period", "3600", "--period-limit", inj("0.5")],
                    "validator",
                ),
                step("authz_grant_generic", ["authz", "grant", a["carol"], "generic", "--msg-type", "/cosmos.gov.v1.MsgVote"], "alice"),
                step("gov_weighted_vote_legacy", ["gov", "weighted-vote", ids["legacy"], "yes=0.5,no=0.5"], "bob", edit=self.to_gov_v1beta1),
                step("set_withdraw_addr", ["distribution", "set-withdraw-addr", a["dave"]], "carol"),
                step(
                    "feegrant_send",
                    ["bank", "send", "dave", a["alice"], inj("0.01"), "--fee-granter", a["val2"]],
                    "dave",
                    memo="fee paid by val2's basic allowance",
                ),
            ]
        )
        ibc_timeout_ns = (int(time.time()) + 3600) * 10**9
        self.round(
            [
                step(
                    "edit_validator",
                    [
                        "staking",
                        "edit-validator",
                        "--new-moniker",
                        "validator (edited)",
                        "--website",
                        "https://example.invalid/validator",
                        "--details",
                        "genesis validator of the cometgraph sample chain",
                    ],
                    "validator",
                ),
                step("authz_revoke_send", ["authz", "revoke", a["bob"], "/cosmos.bank.v1beta1.MsgSend"], "alice"),
                step("fund_validator_rewards_pool", ["distribution", "fund-validator-rewards-pool", val1, inj(1)], "bob"),
                step("authz_exec_vote", ["authz", "exec", str(vote_path)], "carol"),
                step("feegrant_revoke", ["feegrant", "revoke", a["val2"], a["dave"]], "val2"),
                step(
                    "ibc_transfer_no_channel",
                    [
                        "ibc-transfer",
                        "transfer",
                        "transfer",
                        "channel-0",
                        a["carol"],
                        inj(1),
                        "--absolute-timeouts",
                        "--packet-timeout-height",
                        "0-0",
                        "--packet-timeout-timestamp",
                        str(ibc_timeout_ns),
                        "--memo",
                        "no channel-0 on this chain",
                    ],
                    "dave",
                    expect=None,
                ),
            ]
        )
        if n["ibc_transfer_no_channel"]["code"] == 0:
            raise DevnetError("the IBC transfer over a missing channel succeeded")
        self.tx("authz_revoke_generic", ["authz", "revoke", a["carol"], "/cosmos.gov.v1.MsgVote"], "alice", gas=300_000)

    def _proposal_end_times(self) -> list[float]:
        out = []
        for key in self.facts["gov"]["ending"]:
            pid = self.facts["gov"]["proposal_ids"][key]
            p = self.node.rest(f"/cosmos/gov/v1/proposals/{pid}")["proposal"]
            if p.get("voting_end_time"):
                out.append(_rfc3339_seconds(p["voting_end_time"]))
        return out

    def _unbonding_completion_times(self, delegator: str) -> list[float]:
        out = self.node.rest(f"/cosmos/staking/v1beta1/delegators/{delegator}/unbonding_delegations")
        return [_rfc3339_seconds(e["completion_time"]) for u in out.get("unbonding_responses", []) for e in u["entries"]]

    def _val2_jailed_until(self) -> float:
        # the genesis validator was never jailed (its jailed_until is 1970-01-01), so the
        # latest jailed_until is val2's
        infos = self.node.rest("/cosmos/slashing/v1beta1/signing_infos")["info"]
        return max(_rfc3339_seconds(i["jailed_until"]) for i in infos)

    def downtime(self, until: float) -> None:
        """Stop the node and keep it stopped until the wall clock passes ``until`` (the
        block time is the validator's clock), then start it again: the chain's time jumps
        over the wait in one block instead of ~1.5 blocks per second of waiting."""
        h = self.node.height()
        self.node.stop()
        stopped = self.node_height_after_stop(h)
        pause = max(0.0, until - time.time())
        log(f"  node stopped after height {stopped}; down for {pause:.0f}s")
        time.sleep(pause)
        self.node.start()
        self.node.wait_height(stopped + 1, 90)
        self.node.wait_rest(timeout=60)
        self.facts["node_downtime"] = {"stopped_at_height": stopped, "seconds": round(pause, 1)}

    def wait_proposals_end(self) -> None:
        """Until the two proposals in voting period have ended; their final status (and the
        cancelled one's absence) go to ``workload.json`` ``gov``."""
        gov = self.facts["gov"]
        ids = gov["proposal_ids"]

        def status(pid: int) -> str:
            ans = self.node.rest(f"/cosmos/gov/v1/proposals/{pid}")
            return (ans.get("proposal") or {}).get("status", f"error: {ans.get('message')}")

        ending = {"PROPOSAL_STATUS_DEPOSIT_PERIOD", "PROPOSAL_STATUS_VOTING_PERIOD"}
        self.wait_for(lambda: all(status(ids[k]) not in ending for k in gov["ending"]), "the proposals to end", timeout=90)
        gov["final_status"] = {k: status(pid) for k, pid in ids.items()}
        log(f"  proposal statuses: {gov['final_status']}")

    def unjail(self) -> bool:
        """val2 unjails once its ``jailed_until`` has passed (by block time). True if the
        unjail succeeded (val2 rejoins the set)."""
        infos = self.node.rest("/cosmos/slashing/v1beta1/signing_infos")["info"]
        until = max((i["jailed_until"] for i in infos), key=_rfc3339_seconds)
        until_s = _rfc3339_seconds(until)

        def passed() -> bool:
            t = self.node.rpc("status")["sync_info"]["latest_block_time"]
            return _rfc3339_seconds(t) > until_s + 1

        self.wait_for(passed, f"val2's jail time ({until}) to pass", timeout=60)
        entry = self.tx("unjail", ["slashing", "unjail"], "val2", gas=300_000, expect_code=None)
        entry["jailed_until"] = until
        if entry["code"] == 0:
            log("  val2 unjailed (it rejoins the set)")
        else:
            log(f"  unjail failed in delivery with code {entry['code']}")
        return entry["code"] == 0

    # -- the burst ----------------------------------------------------------------------
    def _signed_tx_bytes(self, sender: str, recipient: str, amount: str, memo: str) -> bytes:
        """A bank send signed offline by the CLI with the sender's account number and
        sequence given explicitly (read from the node's ``account_info``: ``sender`` has no
        tx pending), encoded by the CLI; not broadcast here."""
        info = self.node.rest(f"/cosmos/auth/v1beta1/account_info/{self.keys.address[sender]}")
        number, sequence = info["info"]["account_number"], info["info"]["sequence"]
        out = self.injd.run(
            "tx", "bank", "send", sender, recipient, amount, "--from", sender, *self._common(200_000), "--generate-only", "--note", memo, home=self.home
        )
        unsigned = self.scratch / f"burst-{sender}.unsigned.json"
        unsigned.write_text(out.stdout)
        signed = self.scratch / f"burst-{sender}.signed.json"
        self.injd.run(
            "tx",
            "sign",
            str(unsigned),
            "--from",
            sender,
            "--chain-id",
            CHAIN_ID,
            "--offline",
            "--account-number",
            str(number),
            "--sequence",
            str(sequence),
            "--keyring-backend",
            "test",
            "--output-document",
            str(signed),
            home=self.home,
        )
        enc = self.injd.run("tx", "encode", str(signed), home=self.home).stdout.strip()
        return base64.b64decode(json.loads(enc) if enc.startswith('"') else enc)

    def burst(self) -> None:
        """Sign one send per sender, then broadcast them all (``broadcast_tx_sync`` on the RPC,
        a few ms in all) right after a block is committed, so that the next proposal reaps
        them together. Retried (new txs) if they straddle two blocks or if their order in the
        block happens to equal their hash order; fails loudly after ``BURST_ATTEMPTS``."""
        from concurrent.futures import ThreadPoolExecutor

        a = self.keys.address
        for attempt in range(1, BURST_ATTEMPTS + 1):
            specs = [(s, a[r], inj(x), f"burst {i + 1}" + (f" (attempt {attempt})" if attempt > 1 else "")) for i, (s, r, x) in enumerate(BURST)]
            t0 = time.monotonic()
            with ThreadPoolExecutor(max_workers=3) as pool:
                raws = list(pool.map(lambda sp: self._signed_tx_bytes(*sp), specs))
            log(f"  signed {len(raws)} txs offline in {time.monotonic() - t0:.1f}s")
            h0 = self.node.height()
            deadline = time.monotonic() + 20
            while self.node.height() == h0:
                if time.monotonic() > deadline:
                    raise DevnetError(f"no new block after {h0} within 20s")
                time.sleep(0.01)
            t0 = time.monotonic()
            answers = [self.node.rpc("broadcast_tx_sync", tx="0x" + raw.hex()) for raw in raws]
            took = time.monotonic() - t0
            bad = [x for x in answers if int(x.get("code", 0)) != 0]
            if bad:
                raise DevnetError(f"burst: CheckTx rejected {bad}")
            sent = [str(x["hash"]).upper() for x in answers]
            if sent != [tx_hash_of(base64.b64encode(r).decode()) for r in raws]:
                raise DevnetError("burst: the node's hashes differ from sha256 of the bytes")
            entries = [self.wait(None, th) for th in sent]
            heights = {e["height"] for e in entries}
            by_index = [e["hash"] for e in sorted(entries, key=lambda e: e["index"])]
            by_hash = sorted(by_index, key=bytes.fromhex)
            log(f"  burst attempt {attempt}: broadcast in {took * 1000:.0f} ms, heights {sorted(heights)}")
            if len(heights) == 1 and len(entries) >= BURST_MIN_TXS and by_index != by_hash:
                h = heights.pop()
                block = self.node.rpc("block", height=h)["block"]["data"]["txs"] or []
                in_block = [tx_hash_of(t) for t in block]
                if in_block != by_index:
                    raise DevnetError(f"burst: /block {h} order {in_block} != /tx indexes")
                sender_of = dict(zip(sent, (sp[0] for sp in specs)))
                self.notable["burst"] = sorted(entries, key=lambda e: e["index"])
                self.facts["burst"] = {
                    "height": h,
                    "hashes": by_index,  # block order (= /tx index order)
                    "hashes_by_hash_bytes": by_hash,
                    "index_of_hash_order": [by_index.index(x) for x in by_hash],
                    "senders": [sender_of[x] for x in by_index],
                    "broadcast_order": sent,
                    "attempt": attempt,
                }
                return
            log(f"  burst attempt {attempt} not usable (heights {sorted(heights)}, hash order == index order: {by_index == by_hash}); again")
        raise DevnetError(f"burst: {BURST_ATTEMPTS} attempts, never {BURST_MIN_TXS}+ txs in one block with a hash order different from the index order")

    # -- other account kinds -----------------------------------------------------------
    def multisig_send(self, name: str, to: str, amount: str, memo: str) -> dict[str, Any]:
        """A send from the multisig account: generate-only, one ``tx sign --multisig`` per
        member, ``tx multi-sign``, ``tx broadcast``."""
        msig = self.keys.address[MULTISIG_NAME]
        out = self.injd.run("tx", "bank", "send", msig, to, amount, "--from", msig, *self._common(300_000), "--generate-only", "--note", memo, home=self.home)
        unsigned = self.scratch / f"{name}.unsigned.json"
        unsigned.write_text(out.stdout)
        sigs = []
        for member in MULTISIG_MEMBERS:
            sig = self.scratch / f"{name}.{member}.sig.json"
            self.injd.run(
                "tx",
                "sign",
                str(unsigned),
                "--multisig",
                msig,
                "--from",
                member,
                "--chain-id",
                CHAIN_ID,
                "--node",
                self.node.rpc_node,
                "--keyring-backend",
                "test",
                "--output-document",
                str(sig),
                home=self.home,
            )
            sigs.append(str(sig))
        signed = self.scratch / f"{name}.signed.json"
        self.injd.run(
            "tx",
            "multi-sign",
            str(unsigned),
            MULTISIG_NAME,
            *sigs,
            "--chain-id",
            CHAIN_ID,
            "--node",
            self.node.rpc_node,
            "--keyring-backend",
            "test",
            "--output-document",
            str(signed),
            home=self.home,
        )
        res = self.injd.run_json("tx", "broadcast", str(signed), "--node", self.node.rpc_node, "--broadcast-mode", "sync", "--output", "json", home=self.home)
        if int(res.get("code", 0)) != 0:
            raise DevnetError(f"CheckTx rejected the multisig tx: {res}")
        return self.wait(name, str(res["txhash"]).upper())

    def probe_vesting(self) -> dict[str, Any]:
        """Ask the CLI and the node about each x/auth/vesting Msg (none is sent: injectived
        1.20.1 registers neither the Msgs nor the vesting account types, so they cannot be
        signed, decoded or delivered). For each Msg: ``tx sign`` of a generate-only doc
        carrying it (CLI error), the node's REST ``encode`` of the unsigned tx (its JSON
        gateway knows the proto), then the node's REST ``decode`` and ``simulate`` and a
        CheckTx (``broadcast_tx_sync``) of those node-encoded bytes: all three refuse it."""
        a = self.keys.address
        helptext = self.injd.run("tx", "--help").stdout
        has_cmd = bool(re.search(r"^\s+vesting\s", helptext, re.M))
        out = self.injd.run("tx", "bank", "send", "alice", a["frank"], inj(1), "--from", "alice", *self._common(200_000), "--generate-only", home=self.home)
        base = json.loads(out.stdout)
        now = int(time.time())
        coins = [{"denom": DENOM, "amount": str(10**18)}]
        common = {"from_address": a["alice"], "to_address": a["frank"]}
        msgs = {
            "MsgCreateVestingAccount": {**common, "amount": coins, "end_time": str(now + 3600), "delayed": False},
            "MsgCreateVestingAccount(delayed)": {**common, "amount": coins, "end_time": str(now + 3600), "delayed": True},
            "MsgCreatePermanentLockedAccount": {**common, "amount": coins},
            "MsgCreatePeriodicVestingAccount": {**common, "start_time": str(now), "vesting_periods": [{"length": "60", "amount": coins}]},
        }
        probes = []
        for label, fields in msgs.items():
            type_url = "/cosmos.vesting.v1beta1." + label.split("(")[0]
            doc = json.loads(json.dumps(base))
            doc["body"]["messages"] = [{"@type": type_url, **fields}]
            path = self.scratch / f"vesting-{label}.json"
            path.write_text(json.dumps(doc))
            sign = self.injd.run(
                "tx",
                "sign",
                str(path),
                "--from",
                "alice",
                "--chain-id",
                CHAIN_ID,
                "--node",
                self.node.rpc_node,
                "--keyring-backend",
                "test",
                "--output-document",
                str(path) + ".signed",
                home=self.home,
                check=False,
            )
            probe: dict[str, Any] = {
                "msg": label,
                "type_url": type_url,
                "cli_sign": {"exit_code": sign.returncode, "stderr": sign.stderr.strip().splitlines()[:1]},
            }
            enc = self.node.rest_post("/cosmos/tx/v1beta1/encode", {"tx": doc})
            probe["rest_encode"] = enc
            if "tx_bytes" in enc:
                probe["rest_decode"] = self.node.rest_post("/cosmos/tx/v1beta1/decode", {"tx_bytes": enc["tx_bytes"]})
                probe["rest_simulate"] = self.node.rest_post("/cosmos/tx/v1beta1/simulate", {"tx_bytes": enc["tx_bytes"]})
                raw = base64.b64decode(enc["tx_bytes"])
                probe["check_tx"] = self.node.rpc_raw("broadcast_tx_sync", tx="0x" + raw.hex())
                if (probe["check_tx"].get("result") or {}).get("code", 1) == 0:
                    raise DevnetError(f"the node accepted a {label} tx: re-think the workload")
            if sign.returncode == 0:
                raise DevnetError(f"the CLI signed a {label} tx: re-think the workload")
            probes.append(probe)
            log(f"  {label}: CLI sign exit {sign.returncode}; node CheckTx: {json.dumps(probe.get('check_tx'))[:160]}")
        return {"cli_has_tx_vesting": has_cmd, "msgs": probes}

    def restart(self) -> None:
        """Stop and start the node once mid-chain. Besides being realistic, a restart makes
        goleveldb flush its journals into table files, so the archive holds both ``.ldb``
        tables (heights before the restart) and ``.log`` journals (heights after)."""
        h = self.node.height()
        self.node.stop()
        self.facts["node_restart"] = {"stopped_at_height": self.node_height_after_stop(h)}
        self.node.start()
        self.node.wait_height(self.facts["node_restart"]["stopped_at_height"] + 1, 90)
        self.node.wait_rest(timeout=60)
        log(f"  node restarted after height {self.facts['node_restart']['stopped_at_height']}")

    def node_height_after_stop(self, h: int) -> int:
        """The last height the node committed before the stop (read from the node's log)."""
        last = h
        if self.node.log_path and self.node.log_path.exists():
            text = re.sub(r"\x1b\[[0-9;]*m", "", self.node.log_path.read_text(errors="replace"))
            for m in re.finditer(r"Committed state.*?height=(\d+)", text):
                last = max(last, int(m.group(1)))
        return last

    def _out_of_gas(self, a: dict[str, str], gas: int) -> None:
        try:
            h = self.broadcast(["bank", "send", "dave", a["alice"], inj(1)], "dave", gas=gas, memo="out of gas")
        except DevnetError as err:
            log(f"  out-of-gas tx rejected by CheckTx with gas {gas}; skipped ({err})")
            self.notable["failed_out_of_gas"] = {"skipped": True, "gas": gas}
            return
        entry = self.wait("failed_out_of_gas", h, expect_code=None)
        if entry["code"] == 0:
            log("  out-of-gas tx succeeded after all (gas limit was enough)")

    def create_validator(self) -> None:
        val2_home = self.scratch / "val2-consensus-home"
        self.injd.run("init", "val2", "--chain-id", CHAIN_ID, home=val2_home)
        pubkey = json.loads(self.injd.run("comet", "show-validator", home=val2_home).stdout)
        spec = {
            "pubkey": pubkey,
            "amount": inj(50),
            "moniker": "val2",
            "identity": "",
            "website": "https://example.invalid/val2",
            "security": "",
            "details": "second validator of the cometgraph sample chain (its key never signs)",
            "commission-rate": "0.05",
            "commission-max-rate": "0.5",
            "commission-max-change-rate": "0.05",
            "min-self-delegation": "1",
        }
        path = self.scratch / "val2.json"
        path.write_text(json.dumps(spec))
        self.tx("create_validator", ["staking", "create-validator", str(path)], "val2", gas=400_000)
        self.notable["create_validator"]["consensus_pubkey"] = pubkey
        h = self.notable["create_validator"]["height"]
        self.node.wait_height(h + 2, timeout=30)
        vals = self.node.rpc("validators", height=h + 2, per_page=100)
        if int(vals["total"]) != 2:
            raise DevnetError(f"validator set did not grow at {h + 2}: {vals}")

    def _val2_jailed(self) -> bool:
        out = self.node.rest(f"/cosmos/staking/v1beta1/validators/{self.keys.valoper['val2']}")
        return bool(out.get("validator", {}).get("jailed"))

    def _unbonding_done(self, delegator: str, valoper: str) -> bool:
        out = self.node.rest(f"/cosmos/staking/v1beta1/delegators/{delegator}/unbonding_delegations")
        return not any(u["validator_address"] == valoper for u in out.get("unbonding_responses", []))

    def wait_for(self, cond: Callable[[], bool], what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if cond():
                log(f"  {what}: yes at height {self.node.height()}")
                return
            time.sleep(0.5)
        raise DevnetError(f"timed out waiting for {what}")


# --------------------------------------------------------------------------------------------
# stopping cleanly, observer restart
# --------------------------------------------------------------------------------------------
def stop_right_after_block(node: DevnetNode) -> dict[str, Any]:
    """Wait for a new block and for the node's indexer to have indexed it, take ``/status``
    and SIGTERM the node, so that (very likely: the next block is at least ``timeout_commit``
    away) no further block is committed between the status and the stop.

    The indexer service writes a block's ``block_events`` and its txs a moment *after* the
    commit: stopping the node at once can leave the last height unindexed in tx_index.db."""
    h0 = node.height()
    deadline = time.monotonic() + 20
    while True:
        status = node.rpc("status")
        h = int(status["sync_info"]["latest_block_height"])
        if h > h0:
            break
        if time.monotonic() > deadline:
            raise DevnetError(f"no block after {h0} within 20s")
        time.sleep(0.02)
    wait_indexed(node, h, timeout=5)
    status = node.rpc("status")
    code = node.stop()
    log(f"validator node stopped at height {status['sync_info']['latest_block_height']} (exit code {code})")
    return status


def wait_indexed(node: DevnetNode, h: int, timeout: float) -> None:
    """Until ``block_search block.height=h`` finds the block and ``tx_search tx.height=h``
    finds all of its txs."""
    n_txs = len(node.rpc("block", height=h)["block"]["data"]["txs"] or [])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        blocks = node.rpc("block_search", query=f"block.height={h}", per_page=1)
        txs = node.rpc("tx_search", query=f"tx.height={h}", per_page=100)
        if int(blocks["total_count"]) == 1 and len(txs["txs"]) == n_txs:
            return
        time.sleep(0.01)
    raise DevnetError(f"height {h} not indexed within {timeout}s")


def make_observer_home(home: Path, obs_home: Path, keydir: Path) -> None:
    """A copy of ``home`` whose node does not validate: its private validator key is a fresh
    one (made by the node) stored outside the copy, so starting it adds no block."""
    shutil.copytree(home, obs_home, symlinks=True)
    cfg = obs_home / "config" / "config.toml"
    set_toml(cfg, "", "priv_validator_key_file", str(keydir / "observer_priv_validator_key.json"))
    set_toml(cfg, "", "priv_validator_state_file", str(keydir / "observer_priv_validator_state.json"))


# --------------------------------------------------------------------------------------------
# oracle
# --------------------------------------------------------------------------------------------
def tx_hash_of(b64: str) -> str:
    return hashlib.sha256(base64.b64decode(b64)).hexdigest().upper()


def paged(fetch: Callable[[int], dict[str, Any]], items_key: str, per_page: int = 100) -> tuple[list[Any], int]:
    """Merge every page the node offers (``ceil(total / per_page)`` pages), in node order.

    The node's ``total_count`` for ``tx_search`` counts matching index entries, not distinct
    txs (a tx with two ``message.sender`` attributes counts twice), and each page is
    de-duplicated on its own; so we loop over the node's page range rather than stopping when
    ``len(items) == total``."""
    first = fetch(1)
    total = int(first.get("total", first.get("total_count", 0)))
    items: list[Any] = list(first[items_key])
    pages = max(1, -(-total // per_page))
    for page in range(2, pages + 1):
        items.extend(fetch(page)[items_key])
    return items, total


def record_tx_search(node: DevnetNode, query: str, order: str) -> dict[str, Any]:
    resp = node.rpc_raw("tx_search", query=query, page=1, per_page=100, order_by=order)
    if resp.get("error"):
        return {"query": query, "order_by": order, "error": resp["error"]}
    if int(resp["result"]["total_count"]) > 100:
        # the node pages index entries and de-duplicates each page alone: a second page
        # would repeat txs of the first, so "hashes" would not be the query's txs
        raise DevnetError(f"tx_search {query!r}: total_count {resp['result']['total_count']} needs two pages; narrow the query")
    txs, total = paged(lambda p: node.rpc("tx_search", query=query, page=p, per_page=100, order_by=order), "txs")
    return {
        "query": query,
        "order_by": order,
        "per_page": 100,
        "total_count": total,
        "hashes": [t["hash"].upper() for t in txs],
        "heights": [int(t["height"]) for t in txs],
    }


def record_small_pages(node: DevnetNode, query: str, order: str, per_page: int = 5) -> dict[str, Any]:
    """Every page of one query with a small ``per_page``, as the node returned them (its
    ``total_count`` counts index entries and pages may repeat a tx: see :func:`paged`)."""
    first = node.rpc("tx_search", query=query, page=1, per_page=per_page, order_by=order)
    total = int(first["total_count"])
    pages = [first] + [node.rpc("tx_search", query=query, page=p, per_page=per_page, order_by=order) for p in range(2, -(-total // per_page) + 1)]
    beyond = node.rpc_raw("tx_search", query=query, page=len(pages) + 1, per_page=per_page, order_by=order)
    return {
        "query": query,
        "order_by": order,
        "per_page": per_page,
        "total_count": total,
        "pages": [[t["hash"].upper() for t in p["txs"]] for p in pages],
        "page_after_last": beyond,
    }


def record_block_search(node: DevnetNode, query: str, order: str) -> dict[str, Any]:
    resp = node.rpc_raw("block_search", query=query, page=1, per_page=100, order_by=order)
    if resp.get("error"):
        return {"query": query, "order_by": order, "error": resp["error"]}
    blocks, total = paged(lambda p: node.rpc("block_search", query=query, page=p, per_page=100, order_by=order), "blocks")
    return {"query": query, "order_by": order, "total_count": total, "heights": [int(b["block"]["header"]["height"]) for b in blocks]}


def tx_search_queries(work: dict[str, Any]) -> list[tuple[str, list[str]]]:
    a = work["accounts"]
    n = work["notable_txs"]
    burst_h = work["burst"]["height"]
    lo, hi = n["memo_ascii"]["height"], n["delegate"]["height"]
    both = ["asc", "desc"]
    return [
        (f"tx.height={burst_h}", both),
        (f"tx.height={n['memo_unicode']['height']}", ["asc"]),
        (f"tx.height>={lo} AND tx.height<={hi}", both),
        ("tx.height>5", both),
        (f"tx.height<{n['delegate']['height']}", ["asc"]),
        (f"message.sender='{a['alice']['address']}'", both),
        (f"transfer.recipient='{a['carol']['address']}'", both),
        ("message.action='/cosmos.bank.v1beta1.MsgSend'", both),
        ("message.action='/cosmos.staking.v1beta1.MsgDelegate'", ["asc"]),
        (f"message.sender='{a['alice']['address']}' AND message.action='/cosmos.bank.v1beta1.MsgSend'", both),
        # conditions on two event types that no tx has together
        (f"message.action='/cosmos.staking.v1beta1.MsgDelegate' AND transfer.recipient='{a['carol']['address']}'", ["asc"]),
        # two event types that one tx has together (memo_ascii: alice -> bob)
        (f"message.sender='{a['alice']['address']}' AND transfer.recipient='{a['bob']['address']}'", both),
        # same event type, values from two DIFFERENT transfer events of one tx (multi_msg:
        # carol got 2 INJ, dave got 3 INJ): 0 results if conditions must hold in one event
        (f"transfer.recipient='{a['carol']['address']}' AND transfer.amount='{inj(3)}'", ["asc"]),
        # ... and the positive control: both values in the same transfer event
        (f"transfer.recipient='{a['dave']['address']}' AND transfer.amount='{inj(3)}'", ["asc"]),
        # numeric comparisons on attributes (msg_index is "0", "1", …; shares are decimals)
        ("transfer.msg_index>=1", both),
        ("message.msg_index>0", ["asc"]),
        ("delegate.new_shares>5000000000000000000", ["asc"]),
        # every tx has message.sender attributes (~3 per tx): over the whole chain they are
        # more than 100 entries, i.e. two node pages that repeat txs, so the height bound
        # keeps the answer on one page (record_tx_search checks that every query does)
        (f"message.sender CONTAINS 'inj1' AND tx.height<={n['withdraw_all_rewards']['height']}", both),
        ("delegate.validator EXISTS", both),
        ("create_validator.validator EXISTS", ["asc"]),
        ("tx.fee EXISTS", ["asc"]),
        ("withdraw_rewards.amount EXISTS", ["asc"]),
        (f"tx.acc_seq='{a['carol']['address']}/{_carol_failed_seq(work)}'", ["asc"]),
        (f"tx.hash='{n['failed']['hash']}'", ["asc"]),
        (f"tx.height={n['failed']['height']} AND message.sender='{a['carol']['address']}'", ["asc"]),
        (f"coin_spent.spender='{a['carol']['address']}'", both),
        (f"tx.height>={n['multi_msg']['height']} AND tx.height<{n['failed']['height']} AND message.action='/cosmos.bank.v1beta1.MsgSend'", both),
        ("message.action='/cosmos.bank.v1beta1.MsgMultiSend'", ["asc"]),
        (f"tx.height>{n['create_validator']['height']}", both),
        ("message.action='/nonexistent.Msg'", ["asc"]),
        (f"message.sender='{a[MULTISIG_NAME]['address']}'", both),
    ]


def _carol_failed_seq(work: dict[str, Any]) -> int:
    return int(work.get("failed_sequence", 0))


def block_search_queries(work: dict[str, Any]) -> list[tuple[str, list[str]]]:
    both = ["asc", "desc"]
    return [
        ("block.height>=5 AND block.height<=8", both),
        ("complete_unbonding.validator EXISTS", both),
        ("liveness.address EXISTS", ["asc"]),
        ("slash.reason='missing_signature'", ["asc"]),
        ("mint.amount EXISTS AND block.height<=3", ["asc"]),
    ]


def rest_heights(work: dict[str, Any], latest: int) -> list[int]:
    n = work["notable_txs"]
    # create_validator + 7: val2 (in the set from +2, never signing) has missed blocks but is
    # not jailed yet, however fast the machine ran the workload
    hs = {2, n["create_validator"]["height"], n["create_validator"]["height"] + 7, n["withdraw_all_rewards"]["height"], latest}
    # val2 first leaves the set, then rejoins after its unjail (membership changes: join,
    # leave, rejoin, leave)
    later = [c["height"] for c in work.get("validator_membership_changes", []) if c["height"] > n["create_validator"]["height"] + 2]
    hs.update(later[:2])
    return sorted(h for h in hs if 1 <= h <= latest)


def record_oracle(node: DevnetNode, out: Path, work: dict[str, Any], latest: int) -> None:
    out.mkdir(parents=True, exist_ok=True)

    def dump(name: str, obj: Any) -> None:
        (out / name).write_text(json.dumps(obj, indent=1, ensure_ascii=False) + "\n")

    heights = range(1, latest + 1)
    log(f"oracle: blocks, block_results, validators, commits for 1..{latest}")
    blocks = {str(h): node.rpc("block", height=h) for h in heights}
    dump("blocks.json", blocks)
    dump("block_results.json", {str(h): node.rpc("block_results", height=h) for h in heights})
    validators = {}
    for h in heights:
        vals, total = paged(lambda p, h=h: node.rpc("validators", height=h, page=p, per_page=100), "validators")
        validators[str(h)] = {"block_height": str(h), "validators": vals, "total": str(total)}
    dump("validators.json", validators)
    dump("commits.json", {str(h): node.rpc("commit", height=h) for h in heights})

    log("oracle: txs")
    txs = {}
    for h in heights:
        for raw in blocks[str(h)]["block"]["data"]["txs"] or []:
            th = tx_hash_of(raw)
            txs[th] = node.rpc("tx", hash="0x" + th)
    dump("txs.json", txs)
    work["tx_count"] = len(txs)
    # the indexer must have written every height (see stop_right_after_block; every tx was
    # found by /tx above)
    indexed_blocks = int(node.rpc("block_search", query="block.height>=1", per_page=1)["total_count"])
    if indexed_blocks != latest:
        raise DevnetError(f"the block indexer holds {indexed_blocks} heights, want {latest}")

    log("oracle: tx_search and block_search")
    searches = [record_tx_search(node, q, o) for q, orders in tx_search_queries(work) for o in orders]
    dump("tx_search.json", searches)
    dump("tx_search_small_pages.json", [record_small_pages(node, f"message.sender='{work['accounts']['alice']['address']}'", o) for o in ("asc", "desc")])
    dump("block_search.json", [record_block_search(node, q, o) for q, orders in block_search_queries(work) for o in orders])

    work["validator_set_changes"] = validator_set_changes(validators, membership_only=False)
    work["validator_membership_changes"] = validator_set_changes(validators, membership_only=True)
    changes = work["validator_membership_changes"]
    work["validator_set_changed_at"] = changes[0]["height"] if changes else None

    log("oracle: headers and blockchain pages")
    dump("headers.json", {str(h): node.rpc("header", height=h) for h in heights})
    dump("blockchain.json", record_blockchain(node, latest))

    log("oracle: REST txs")
    dump("rest_txs.json", {th: node.rest(f"/cosmos/tx/v1beta1/txs/{th}") for th in txs})

    log("oracle: REST")
    rest: dict[str, Any] = {}
    addrs = [acc["address"] for acc in work["accounts"].values()]
    valopers = [acc["valoper"] for acc in work["accounts"].values() if "valoper" in acc]
    for h in rest_heights(work, latest):
        rest[str(h)] = record_rest_height(node, h, addrs, valopers)
    dump("rest.json", rest)
    _fill_account_kinds(work, rest)

    work["latest_height"] = latest
    work["rest_heights"] = [int(h) for h in rest]
    log("oracle: gov, mint, params, IBC denoms, metadata, authz, feegrant (modules.json)")
    dump("modules.json", gov_workload.record(node, work, latest))
    dump("workload.json", work)
    # the observer's own /status: same chain and heights, but its own (non-validator) key
    dump("observer_status.json", node.rpc("status"))


# Keys of each height in ``rest.json``: per account (delegator address), per validator
# operator address, and chain-wide. The first four per-account keys and "validators" /
# "supply" are the original layout (fetched without pagination parameters, as before); every
# other paging endpoint is fetched with ``pagination.limit=1000``, following ``next_key``.
REST_PER_ACCOUNT: dict[str, tuple[str, str | None]] = {
    # key: (path template, items key if the endpoint pages and is fetched with limit=1000)
    "accounts": ("/cosmos/auth/v1beta1/accounts/{}", None),
    "balances": ("/cosmos/bank/v1beta1/balances/{}", None),
    "delegations": ("/cosmos/staking/v1beta1/delegations/{}", None),
    "unbonding": ("/cosmos/staking/v1beta1/delegators/{}/unbonding_delegations", None),
    "redelegations": ("/cosmos/staking/v1beta1/delegators/{}/redelegations", "redelegation_responses"),
    "rewards": ("/cosmos/distribution/v1beta1/delegators/{}/rewards", None),
    "spendable_balances": ("/cosmos/bank/v1beta1/spendable_balances/{}", "balances"),
    "account_info": ("/cosmos/auth/v1beta1/account_info/{}", None),
}
REST_PER_VALIDATOR: dict[str, tuple[str, str | None]] = {
    "validator": ("/cosmos/staking/v1beta1/validators/{}", None),
    "validator_delegations": ("/cosmos/staking/v1beta1/validators/{}/delegations", "delegation_responses"),
    "validator_unbonding_delegations": ("/cosmos/staking/v1beta1/validators/{}/unbonding_delegations", "unbonding_responses"),
    "validator_commission": ("/cosmos/distribution/v1beta1/validators/{}/commission", None),
    "validator_outstanding_rewards": ("/cosmos/distribution/v1beta1/validators/{}/outstanding_rewards", None),
}
REST_CHAIN_WIDE: dict[str, tuple[str, str | None]] = {
    "validators": ("/cosmos/staking/v1beta1/validators", None),
    "supply": ("/cosmos/bank/v1beta1/supply", None),
    "staking_params": ("/cosmos/staking/v1beta1/params", None),
    "staking_pool": ("/cosmos/staking/v1beta1/pool", None),
    "signing_infos": ("/cosmos/slashing/v1beta1/signing_infos", "info"),
    "denoms_metadata": ("/cosmos/bank/v1beta1/denoms_metadata", "metadatas"),
    "auth_accounts": ("/cosmos/auth/v1beta1/accounts", "accounts"),
    "community_pool": ("/cosmos/distribution/v1beta1/community_pool", None),
    # every holder of the staking denom, in the store's order (by address), for rich lists
    "denom_owners": (f"/cosmos/bank/v1beta1/denom_owners/{DENOM}", "denom_owners"),
    # the height is in the path ({} is replaced by the recorded height)
    "validatorsets": ("/cosmos/base/tendermint/v1beta1/validatorsets/{}", "validators"),
}
REST_PAGE_LIMIT = 1000


def rest_all_pages(node: DevnetNode, path: str, height: int, items_key: str | None) -> Any:
    """One REST answer at ``height``. Paging endpoints (``items_key`` given) are asked with
    ``pagination.limit=1000`` and, should ``next_key`` be set, the following pages are
    fetched with ``pagination.key`` and their items appended (the answer keeps the last
    page's ``pagination``). Error answers are returned as the node's JSON."""
    if items_key is None:
        return node.rest(path, height=height)
    params: dict[str, Any] = {"pagination.limit": REST_PAGE_LIMIT}
    answer = node.rest(path, height=height, **params)
    if items_key not in answer:  # an error answer
        return answer
    pages = 1
    while (answer.get("pagination") or {}).get("next_key"):
        nxt = node.rest(path, height=height, **params, **{"pagination.key": answer["pagination"]["next_key"]})
        if items_key not in nxt:
            raise DevnetError(f"REST {path} at {height}: page {pages + 1} failed: {nxt}")
        answer[items_key] = (answer[items_key] or []) + (nxt[items_key] or [])
        answer["pagination"] = nxt.get("pagination")
        pages += 1
        if pages > 100:
            raise DevnetError(f"REST {path} at {height}: more than 100 pages")
    return answer


def record_rest_height(node: DevnetNode, h: int, addrs: list[str], valopers: list[str]) -> dict[str, Any]:
    """Every ``rest.json`` key at height ``h`` (``x-cosmos-block-height: h``)."""
    out: dict[str, Any] = {}
    for key, (tmpl, items) in REST_PER_ACCOUNT.items():
        out[key] = {x: rest_all_pages(node, tmpl.format(x), h, items) for x in addrs}
    for key, (tmpl, items) in REST_PER_VALIDATOR.items():
        out[key] = {v: rest_all_pages(node, tmpl.format(v), h, items) for v in valopers}
    for key, (tmpl, items) in REST_CHAIN_WIDE.items():
        out[key] = rest_all_pages(node, tmpl.format(h) if "{}" in tmpl else tmpl, h, items)
    return out


BLOCKCHAIN_PAGE = 20  # the most block metas one /blockchain answer holds


def record_blockchain(node: DevnetNode, latest: int) -> dict[str, Any]:
    """``/blockchain?minHeight=1&maxHeight=20``, ``21..40``, … up to ``latest``: each answer
    lists its metas from the highest height down. ``block_metas`` merges every page into one
    list in the node's order (highest first: the pages are taken from the top range down);
    ``pages`` says what was asked and what came back."""
    pages: list[dict[str, Any]] = []
    metas: list[Any] = []
    last_height = None
    ranges = [(lo, min(lo + BLOCKCHAIN_PAGE - 1, latest)) for lo in range(1, latest + 1, BLOCKCHAIN_PAGE)]
    for lo, hi in reversed(ranges):
        res = node.rpc("blockchain", minHeight=lo, maxHeight=hi)
        got = [int(m["header"]["height"]) for m in res["block_metas"]]
        if got != list(range(hi, lo - 1, -1)):
            raise DevnetError(f"/blockchain {lo}..{hi} returned heights {got}")
        last_height = res["last_height"]
        pages.append({"minHeight": lo, "maxHeight": hi, "last_height": res["last_height"], "heights": got})
        metas.extend(res["block_metas"])
    return {"last_height": last_height, "page_size": BLOCKCHAIN_PAGE, "pages": pages[::-1], "block_metas": metas}


def validator_set_changes(validators: dict[str, Any], membership_only: bool) -> list[dict[str, Any]]:
    """Heights whose validator set differs from the previous height's: any change (members
    or voting power), or only changes of the members."""
    changes: list[dict[str, Any]] = []
    prev: list[Any] | None = None
    for h in sorted(validators, key=int):
        cur = sorted((v["address"], v["voting_power"]) for v in validators[h]["validators"])
        key = [x for x, _ in cur] if membership_only else cur
        prev_key = None if prev is None else ([x for x, _ in prev] if membership_only else prev)
        if prev is not None and key != prev_key:
            changes.append({"height": int(h), "validators": [{"address": x, "voting_power": p} for x, p in cur]})
        prev = cur
    return changes


# --------------------------------------------------------------------------------------------
# packing and checking
# --------------------------------------------------------------------------------------------
EXCLUDE_DIRS = {"wasm/wasm/cache"}


def pack(home: Path, oracle: Path, out: Path) -> None:
    zstandard = _ensure_zstandard()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")

    def members(root: Path, arc: str) -> list[tuple[Path, str]]:
        items = [(root, arc)]
        for p in sorted(root.rglob("*")):
            rel = p.relative_to(root).as_posix()
            if any(rel == d or rel.startswith(d + "/") for d in EXCLUDE_DIRS):
                continue
            if p.name == "node.log":
                continue
            items.append((p, f"{arc}/{rel}"))
        return items

    cctx = zstandard.ZstdCompressor(level=ZSTD_LEVEL, threads=2)
    with open(tmp, "wb") as fh, cctx.stream_writer(fh) as zw:
        with tarfile.open(fileobj=zw, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            for path, arc in members(home, "home") + members(oracle, "oracle"):
                tar.add(path, arcname=arc, recursive=False)
    tmp.replace(out)


def count_keys(copy: Path) -> int | str:
    """Every key of a private copy of one database, through cometgraph's own KV seam (which
    finds the backend from the folder's files); "not checked" without cometgraph installed."""
    try:
        from cometgraph.storage.kv import open_kv
    except ImportError:
        log("cometgraph not installed: skipping the database open check")
        return "not checked"
    db = open_kv(copy)
    try:
        return sum(1 for _ in db.iterate(include_value=False))
    finally:
        db.close()


def check_archive(archive: Path) -> dict[str, Any]:
    """Unpack to a temp dir; open a copy of every database; check oracle coverage."""
    zstandard = _ensure_zstandard()
    report: dict[str, Any] = {"size_bytes": archive.stat().st_size}
    with tempfile.TemporaryDirectory(prefix="cometgraph-check-") as td:
        root = Path(td)
        with archive.open("rb") as raw, zstandard.ZstdDecompressor().stream_reader(raw) as zr:
            with tarfile.open(fileobj=zr, mode="r|") as tar:
                tar.extractall(root / "x", filter="data")
        top = sorted(p.name for p in (root / "x").iterdir())
        if top != ["home", "oracle"]:
            raise DevnetError(f"archive top level is {top}")
        data = root / "x" / "home" / "data"
        dbs = sorted(p.name for p in data.iterdir() if p.is_dir() and p.name.endswith(".db"))
        report["dbs"] = {}
        for name in dbs:
            copy = root / "copies" / name
            shutil.copytree(data / name, copy)
            report["dbs"][name] = count_keys(copy)
        oracle = root / "x" / "oracle"
        work = json.loads((oracle / "workload.json").read_text())
        latest = work["latest_height"]
        want = {str(h) for h in range(1, latest + 1)}
        for name in ["blocks", "block_results", "validators", "commits"]:
            got = set(json.loads((oracle / f"{name}.json").read_text()))
            if got != want:
                raise DevnetError(f"{name}.json covers {len(got)} heights, want 1..{latest}")
        blocks = json.loads((oracle / "blocks.json").read_text())
        txs = json.loads((oracle / "txs.json").read_text())
        in_blocks = {tx_hash_of(t) for b in blocks.values() for t in b["block"]["data"]["txs"]}
        if in_blocks != set(txs):
            raise DevnetError("txs.json does not match the txs of blocks.json")
        per_block = {int(h): len(b["block"]["data"]["txs"] or []) for h, b in blocks.items()}
        if max(per_block.values()) < 4:
            raise DevnetError(f"no block holds 4 or more txs (most: {max(per_block.values())})")
        burst = work["burst"]
        bh = burst["height"]
        in_block = [tx_hash_of(t) for t in blocks[str(bh)]["block"]["data"]["txs"] or []]
        if len(in_block) < BURST_MIN_TXS or in_block != burst["hashes"]:
            raise DevnetError(f"block {bh} holds {in_block}, not the burst {burst['hashes']}")
        if in_block == sorted(in_block, key=bytes.fromhex):
            raise DevnetError(f"block {bh}: index order equals hash order")
        searches = json.loads((oracle / "tx_search.json").read_text())
        burst_search = {r["order_by"]: r["hashes"] for r in searches if r["query"] == f"tx.height={bh}"}
        if set(burst_search) != {"asc", "desc"}:
            raise DevnetError(f"tx_search.json lacks tx.height={bh} asc and desc")
        report["burst"] = {
            "height": bh,
            "by_index": [x[:8] for x in in_block],
            "by_hash": [x[:8] for x in sorted(in_block, key=bytes.fromhex)],
            "tx_search_asc": [x[:8] for x in burst_search["asc"]],
            "tx_search_desc": [x[:8] for x in burst_search["desc"]],
            "tx_search_asc_is_hash_order": burst_search["asc"] == sorted(in_block, key=bytes.fromhex),
            "blocks_with_4_or_more_txs": sorted(h for h, n in per_block.items() if n >= 4),
        }
        rest_txs = json.loads((oracle / "rest_txs.json").read_text())
        if set(rest_txs) != set(txs):
            raise DevnetError("rest_txs.json does not cover the txs of txs.json")
        for th, ans in rest_txs.items():
            if str((ans.get("tx_response") or {}).get("txhash", "")).upper() != th:
                raise DevnetError(f"rest_txs.json: no tx_response for {th}: {str(ans)[:300]}")
        msg_types = sorted({m["@type"] for ans in rest_txs.values() for m in ans["tx"]["body"]["messages"]})
        missing_types = sorted(set(EXPECTED_MSG_TYPES) - set(msg_types))
        if missing_types:
            raise DevnetError(f"rest_txs.json has no tx with {missing_types}")
        report["msg_types"] = msg_types
        headers = json.loads((oracle / "headers.json").read_text())
        if set(headers) != want:
            raise DevnetError(f"headers.json covers {len(headers)} heights, want 1..{latest}")
        chain = json.loads((oracle / "blockchain.json").read_text())
        meta_heights = [int(m["header"]["height"]) for m in chain["block_metas"]]
        if meta_heights != list(range(latest, 0, -1)):
            raise DevnetError("blockchain.json block_metas do not cover latest..1")
        rest = json.loads((oracle / "rest.json").read_text())
        if sorted(int(h) for h in rest) != sorted(work["rest_heights"]):
            raise DevnetError("rest.json heights differ from workload.json rest_heights")
        addrs = {acc["address"] for acc in work["accounts"].values()}
        valopers = {acc["valoper"] for acc in work["accounts"].values() if "valoper" in acc}
        for h, answers in rest.items():
            for keys, members in [(REST_PER_ACCOUNT, addrs), (REST_PER_VALIDATOR, valopers)]:
                for key in keys:
                    if set(answers.get(key, {})) != members:
                        raise DevnetError(f"rest.json {h}: {key} does not cover {members}")
            missing = [k for k in REST_CHAIN_WIDE if k not in answers]
            if missing:
                raise DevnetError(f"rest.json {h}: missing {missing}")
        status = json.loads((oracle / "status.json").read_text())
        report.update(
            latest_height=latest,
            tx_count=len(txs),
            status_height=int(status["sync_info"]["latest_block_height"]),
            rest_heights=work["rest_heights"],
            oracle_bytes={p.name: p.stat().st_size for p in sorted(oracle.glob("*.json"))},
        )
    return report


# --------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------
def record_with_observer(injd: Injectived, home: Path, work_dir: Path, port_base: int, oracle: Path, work: dict[str, Any]) -> int:
    """Record the oracle from a non-validating node over a copy of ``home``; its latest height.

    The observer must not add a block, before or while it answers."""
    obs_home, keydir = work_dir / "observer-home", work_dir / "observer-keys"
    keydir.mkdir()
    make_observer_home(home, obs_home, keydir)
    obs = DevnetNode(injd, obs_home, port_base=port_base + OBSERVER_PORT_OFFSET, log_path=work_dir / "observer.log")
    try:
        obs.start()
        latest = obs.wait_height(1, timeout=90)
        obs.wait_rest(timeout=60)
        time.sleep(2)
        if obs.height() != latest:
            raise DevnetError("the observer node is producing blocks")
        record_oracle(obs, oracle, work, latest)
        if obs.height() != latest:
            raise DevnetError("the chain grew while the oracle was recorded")
        return latest
    finally:
        obs.stop()


def build(out: Path, port_base: int, keep_workdir: bool, backend: str = "goleveldb") -> dict[str, Any]:
    t0 = time.monotonic()
    injd = ensure_injectived()
    version = injd.run("version").stdout.strip() or injd.run("version").stderr.strip()
    work_dir = Path(tempfile.mkdtemp(prefix="cometgraph-devnet-"))
    log(f"work dir {work_dir}")
    home, scratch = work_dir / "home", work_dir / "scratch"
    scratch.mkdir()
    try:
        keys = init_chain(injd, home, port_base, backend)
        log("vesting accounts in genesis: asking the node (it refuses them)")
        vesting_genesis = probe_vesting_genesis(injd, home, keys, scratch)
        node = DevnetNode(injd, home, port_base=port_base, log_path=work_dir / "validator.log")
        workload = Workload(injd, node, keys, scratch)
        try:
            node.start()
            node.wait_height(1, timeout=90)
            node.wait_rest(timeout=60)
            log(f"node up (rpc {node.rpc_url}, api {node.api_url})")
            workload.run()
            carol_failed = node.rpc("tx", hash="0x" + workload.notable["failed"]["hash"])
            status = stop_right_after_block(node)
        finally:
            node.stop()
        log(f"workload done in {time.monotonic() - t0:.0f}s")

        work: dict[str, Any] = {
            "chain_id": CHAIN_ID,
            "injectived_version": version,
            "denom": DENOM,
            "accounts": account_entries(keys),
            "genesis_funds_inj": GENESIS_FUNDS,
            "notable_txs": workload.notable,
            "burst": workload.facts["burst"],
            "vesting": {"available": False, **workload.facts["vesting"], "genesis": vesting_genesis},
            "node_restart": workload.facts.get("node_restart"),
            "node_downtime": workload.facts.get("node_downtime"),
            "gov": workload.facts.get("gov"),
            "workload_txs": workload.all_txs,
            "memos": {"memo_ascii": ASCII_MEMO, "memo_unicode": UNICODE_MEMO},
            "failed_sequence": _sequence_of(carol_failed),
            "params": {
                "timeout_commit": TIMEOUT_COMMIT,
                "unbonding_time": UNBONDING_TIME,
                "signed_blocks_window": SLASHING_WINDOW,
                "gas_price": GAS_PRICE,
                "downtime_jail_duration": DOWNTIME_JAIL_DURATION,
                "gov_voting_period": GOV_VOTING_PERIOD,
                "gov_expedited_voting_period": GOV_EXPEDITED_VOTING_PERIOD,
                "gov_min_deposit_inj": GOV_MIN_DEPOSIT_INJ,
            },
            "status_height": int(status["sync_info"]["latest_block_height"]),
        }

        oracle = work_dir / "oracle"
        oracle.mkdir()
        (oracle / "status.json").write_text(json.dumps(status, indent=1) + "\n")
        latest = record_with_observer(injd, home, work_dir, port_base, oracle, work)
        if latest != work["status_height"]:
            log(f"WARNING: status.json is at {work['status_height']}, the chain ends at {latest}")

        report = pack_and_check(home, oracle, out, t0, work_dir)
        log(f"archive {out}: {report['size_bytes'] / 1e6:.2f} MB; {json.dumps(report)}")
        return report
    finally:
        leave_work_dir(work_dir, keep_workdir)


def pack_and_check(home: Path, oracle: Path, out: Path, t0: float, work_dir: Path) -> dict[str, Any]:
    log("packing")
    pack(home, oracle, out)
    report = check_archive(out)
    report["seconds"] = round(time.monotonic() - t0)
    report["work_dir"] = str(work_dir)
    return report


def leave_work_dir(work_dir: Path, keep: bool) -> None:
    if keep:
        log(f"kept {work_dir}")
    else:
        shutil.rmtree(work_dir, ignore_errors=True)


def rerecord(archive: Path, port_base: int, keep_workdir: bool) -> dict[str, Any]:
    """Record the oracle again from an existing archive's chain, which stays byte for byte.

    For answers added to the oracle after the chain was made (new REST keys): an observer
    node over a copy of the archived home answers every query again, ``status.json`` (the
    validator's own, taken when it stopped) is kept, and the archive is packed with the
    same ``home/``. Every answer the old oracle already held must come back identical
    (the observer's own status excepted); otherwise nothing is written.
    """
    t0 = time.monotonic()
    injd = ensure_injectived()
    work_dir = Path(tempfile.mkdtemp(prefix="cometgraph-rerecord-"))
    log(f"work dir {work_dir}")
    try:
        with archive.open("rb") as raw, _ensure_zstandard().ZstdDecompressor().stream_reader(raw) as zr:
            with tarfile.open(fileobj=zr, mode="r|") as tar:
                tar.extractall(work_dir, filter="tar")
        home, old = work_dir / "home", work_dir / "oracle"
        work = json.loads((old / "workload.json").read_text())
        new = work_dir / "oracle-new"
        new.mkdir()
        shutil.copy2(old / "status.json", new / "status.json")
        latest = record_with_observer(injd, home, work_dir, port_base, new, work)
        if latest != work["latest_height"]:
            raise DevnetError(f"the chain ends at {latest}, the oracle at {work['latest_height']}")
        changed = _oracle_changes(old, new)
        if changed:
            raise DevnetError(f"the node now answers differently: {changed}")
        return pack_and_check(home, new, archive, t0, work_dir)
    finally:
        leave_work_dir(work_dir, keep_workdir)


def _oracle_changes(old: Path, new: Path) -> list[str]:
    """Where an answer the old oracle holds differs in the new one (new keys are fine)."""

    def diff(a: Any, b: Any, where: str, out: list[str]) -> None:
        if where.endswith(("heights", ".rest_heights")) and isinstance(a, list) and isinstance(b, list) and set(a) <= set(b):
            return  # recorded heights may be added (their answers are new keys)
        if isinstance(a, dict) and isinstance(b, dict):
            for k in a:
                if k not in b:
                    out.append(f"{where}.{k} missing")
                else:
                    diff(a[k], b[k], f"{where}.{k}", out)
        elif a != b:
            out.append(where)

    out: list[str] = []
    for f in sorted(old.glob("*.json")):
        if f.name == "observer_status.json":
            continue
        if not (new / f.name).is_file():
            out.append(f"{f.name} missing")
            continue
        diff(json.loads(f.read_text()), json.loads((new / f.name).read_text()), f.name, out)
    return out[:20]


def account_entries(keys: Keys) -> dict[str, dict[str, Any]]:
    """``workload.json`` ``accounts``: name -> address (+ valoper for the validators) and how
    the key was made; ``kind`` / ``pub_key_type`` are filled in from the node's answers."""
    out: dict[str, dict[str, Any]] = {}
    for name in ACCOUNT_NAMES:
        out[name] = {
            "address": keys.address[name],
            **({"valoper": keys.valoper[name]} if name in ("validator", "val2") else {}),
            "key_type": KEY_TYPES.get(name, "eth_secp256k1"),
        }
    out["frank"]["note"] = "only receives (first in the burst); never signs: no pub_key"
    out["erin"]["note"] = "created by the burst; signs secp256k1_send with a secp256k1 key"
    out[MULTISIG_NAME] = {
        "address": keys.address[MULTISIG_NAME],
        "key_type": "multisig",
        "multisig": {"members": MULTISIG_MEMBERS, "threshold": MULTISIG_THRESHOLD},
        "note": "created by the burst; signs multisig_send (legacy amino multisig pub_key)",
    }
    for name in MODULE_ACCOUNTS:
        out[name] = {"address": keys.address[name], "key_type": None, "module": name}
    return out


def _fill_account_kinds(work: dict[str, Any], rest: dict[str, Any]) -> None:
    """``kind`` (the account's ``@type``) and ``pub_key_type`` at the latest recorded height,
    and the first recorded height at which each account exists, from the node's answers."""
    for entry in work["accounts"].values():
        addr = entry["address"]
        entry["first_rest_height"] = None
        for h in sorted(rest, key=int):
            ans = rest[h]["accounts"][addr]
            if "account" not in ans:
                continue
            if entry["first_rest_height"] is None:
                entry["first_rest_height"] = int(h)
            acc = ans["account"]
            base = acc.get("base_account") or acc
            entry["kind"] = acc["@type"]
            entry["pub_key_type"] = (base.get("pub_key") or {}).get("@type")


def _rfc3339_seconds(text: str) -> float:
    """``2024-01-02T03:04:05.123456789Z`` -> seconds since the epoch (sub-second digits
    truncated to microseconds)."""
    from datetime import datetime

    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$", text)
    if not m:
        raise DevnetError(f"not an RFC 3339 UTC time: {text!r}")
    t = datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    return t.timestamp() + float("0." + (m.group(2) or "0"))


def _sequence_of(tx_result: dict[str, Any]) -> int:
    """The sequence carol used for the failing tx, from its ``tx.acc_seq`` event."""
    for ev in tx_result["tx_result"].get("events", []):
        if ev["type"] == "tx":
            for attr in ev["attributes"]:
                if attr["key"] == "acc_seq":
                    return int(attr["value"].rsplit("/", 1)[1])
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help=f"default: {BACKENDS['goleveldb']} ({BACKENDS['pebbledb']} with --backend pebbledb)")
    ap.add_argument("--backend", choices=sorted(BACKENDS), default="goleveldb", help="the node's db_backend and app-db-backend")
    ap.add_argument("--port-base", type=int, default=DEFAULT_PORT_BASE)
    ap.add_argument("--keep-workdir", action="store_true")
    ap.add_argument("--check-only", action="store_true", help="only check an existing archive")
    ap.add_argument("--rerecord", action="store_true", help="record the oracle of an existing archive again (same chain bytes)")
    args = ap.parse_args(argv)
    args.out = args.out or BACKENDS[args.backend]
    if args.check_only:
        print(json.dumps(check_archive(args.out), indent=1))
        return 0
    if args.rerecord:
        report = rerecord(args.out, args.port_base, args.keep_workdir)
        log(json.dumps(report))
    else:
        report = build(args.out, args.port_base, args.keep_workdir, args.backend)
    # only our nodes: both homes (validator, observer) are under the work dir (other
    # injectived nodes may run on the same machine)
    leftover = subprocess.run(["pgrep", "-f", f"injectived-linux-x64 start --home {report['work_dir']}/"], capture_output=True, text=True).stdout.split()
    if leftover:
        log(f"WARNING: injectived processes still running: {leftover}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

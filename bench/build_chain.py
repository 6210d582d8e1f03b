"""Build (and cache) a bigger real injectived devnet for the benchmarks.

    python bench/build_chain.py --out ~/.cache/cometgraph/bench-chain     # ≥ 2,000 blocks, ≥ 10,000 txs

The chain is made by the same ``injectived`` v1.20.1 as the sample chain (``tests/devnet``), with
its helpers (``ensure_injectived``, ``DevnetNode``, ``configure_home``, ``edit_genesis``,
``stop_right_after_block`` …), but a workload of its own: many accounts sending txs in parallel —
``MsgSend`` with memos, several ``MsgSend`` in one tx, ``MsgMultiSend``, delegations to several
validators, undelegations (still unbonding at the last height), reward withdrawals and a few
failing sends (code 5) — signed **offline in batches** of one account, the sequence counting
up, and broadcast with RPC ``broadcast_tx_sync``, several txs per block, paced so the txs
spread over the blocks. Two signers:

* ``--signer inproc`` (default; needs the ``bench`` extra): ``bench/signer.py`` encodes the
  txs with the project's own ``.proto`` files and signs them in-process (Keccak-256 of the
  SIGN_MODE_DIRECT sign-doc, secp256k1 via coincurve) with the account keys exported from the
  test keyring — ~thousands of txs/s; before the workload one tx is signed both ways and must
  equal the CLI's signature byte for byte;
* ``--signer cli``: ``tx sign-batch --offline --account-number A --sequence N`` (one CLI call
  per batch), encoded by the node's REST ``/cosmos/tx/v1beta1/encode`` — ~35 txs/s on 2 cores.

Either way the tx bytes are client input: the node checks them (CheckTx) and writes its
blocks, indexes and state itself.

The 10x chain of the growth benchmark (``bench/growth.py``)::

    python bench/build_chain.py --out ~/.cache/cometgraph/bench-chain-x10 \
        --blocks 20000 --txs 100000 --timeout-commit 10ms --max-minutes 50

``--out DIR`` gets ``DIR/home`` (the stopped validator's home: its ``data/`` is what cometgraph
and the baseline node read) and ``DIR/chain.json`` (what was built, how long it took, accounts,
validators and sample tx hashes for the workloads). A finished ``DIR`` is reused as is
(``--force`` rebuilds). Nothing under ``DIR`` is committed.

Only loopback ports (``--port-base``, default 17000: p2p 17000, RPC 17001, REST 17005); the node
is always stopped on exit, also on errors.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import json
import os
import random
import shutil
import sys
import threading
import time
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.devnet import make_sample_chain as sample  # noqa: E402
from tests.devnet.node import DevnetError, DevnetNode, Injectived, ensure_injectived, ports_for  # noqa: E402

if TYPE_CHECKING:
    from bench.signer import EthKey, Signer

CHAIN_ID = sample.CHAIN_ID
DENOM = sample.DENOM
GAS_PRICE = sample.GAS_PRICE
GAS_PRICE_UNITS = int(GAS_PRICE.removesuffix(DENOM))
DEFAULT_PORT_BASE = 17000
FORMAT = 1  # bump when chain.json or the workload changes incompatibly

# genesis: the genesis validator holds the bulk of the stake, so validators that never sign
# (created on chain, they have no node) stay far below 1/3 of the power
VALIDATOR_FUNDS, VALIDATOR_SELF_BOND = 2_000_000, 1_000_000
ACCOUNT_FUNDS = 10_000
OPERATOR_SELF_BOND = [50, 20, 10, 5, 2, 1]
UNBONDING_TIME = "86400s"  # undelegations are still unbonding at the last height
SIGNED_BLOCKS_WINDOW = "1000000"  # the non-signing validators are never jailed
MAX_UNBONDING_ENTRIES = 6  # the staking module allows 7 per (delegator, validator)

MEMOS = [
    "",
    "",
    "",
    "rent",
    "coffee ☕",
    "invoice #{n}",
    "bench tx {n}",
    "héllo wörld ✓ 你好",
    "payment for order {n} — thanks!",
    "split the bill",
    "refund",
    "🚀 to the moon",
]


def log(msg: str) -> None:
    sample.log(msg)


def inj(amount: int | str | Decimal) -> str:
    return sample.inj(amount)


def coin(units: int) -> dict[str, str]:
    return {"denom": DENOM, "amount": str(units)}


# --------------------------------------------------------------------------------------------
# chain setup (tests/devnet helpers + a genesis of our own size)
# --------------------------------------------------------------------------------------------
def init_chain(
    injd: Injectived,
    home: Path,
    port_base: int,
    n_accounts: int,
    n_operators: int,
    timeout_commit: str,
    user_keys: dict[str, EthKey] | None = None,
    backend: str = "goleveldb",
) -> dict[str, Any]:
    """``user_keys``: the users' keys (in-process signer; not in the keyring), else ``keys add``;
    ``backend``: the node's database backend (``goleveldb`` or ``pebbledb``)."""
    injd.run("init", "validator", "--chain-id", CHAIN_ID, "--default-denom", DENOM, home=home)
    sample.configure_home(home, port_base, backend)
    sample.edit_genesis(home)
    path = home / "config" / "genesis.json"
    genesis = json.loads(path.read_text())
    genesis["app_state"]["staking"]["params"]["unbonding_time"] = UNBONDING_TIME
    genesis["app_state"]["slashing"]["params"]["signed_blocks_window"] = SIGNED_BLOCKS_WINDOW
    path.write_text(json.dumps(genesis, indent=1, ensure_ascii=False) + "\n")

    keys = sample.Keys(injd, home)
    keys.add("validator")
    operators = [f"op{i}" for i in range(1, n_operators + 1)]
    for name in operators:
        keys.add(name)
    users = [f"u{i:02d}" for i in range(n_accounts)]
    for name in users:  # one CLI call each (Keys.add asks twice more for what `keys add` prints)
        if user_keys is not None:
            keys.address[name] = user_keys[name].address
            continue
        out = injd.run_json("keys", "add", name, "--keyring-backend", "test", "--output", "json", home=home)
        keys.address[name] = out["address"]
    injd.run("genesis", "add-genesis-account", keys.address["validator"], inj(VALIDATOR_FUNDS), "--keyring-backend", "test", "--chain-id", CHAIN_ID, home=home)
    for name in operators + users:
        injd.run("genesis", "add-genesis-account", keys.address[name], inj(ACCOUNT_FUNDS), "--keyring-backend", "test", "--chain-id", CHAIN_ID, home=home)
    p = ports_for(port_base)
    injd.run(
        "genesis",
        "gentx",
        "validator",
        inj(VALIDATOR_SELF_BOND),
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
    # set last: collect-gentxs writes config.toml back with injectived's own timeout_commit
    # (500ms), whatever the file said (and `start` needs --unsafe-consensus-timeout-commit)
    cfg = home / "config" / "config.toml"
    sample.set_toml(cfg, "consensus", "timeout_commit", timeout_commit)
    sample.set_toml(cfg, "consensus", "timeout_propose", "1s")
    return {"address": keys.address, "valoper": keys.valoper, "operators": operators, "users": users}


def create_validators(injd: Injectived, node: DevnetNode, accounts: dict[str, Any], scratch: Path) -> list[dict[str, Any]]:
    """Each operator creates a validator (its consensus key made by ``injectived init`` in a
    scratch home; it never signs); all in one or two blocks."""
    hashes = []
    for i, name in enumerate(accounts["operators"]):
        vhome = scratch / f"{name}-consensus-home"
        injd.run("init", name, "--chain-id", CHAIN_ID, home=vhome)
        pubkey = json.loads(injd.run("comet", "show-validator", home=vhome).stdout)
        spec = {
            "pubkey": pubkey,
            "amount": inj(OPERATOR_SELF_BOND[i % len(OPERATOR_SELF_BOND)]),
            "moniker": f"bench validator {i + 1}",
            "identity": "",
            "website": f"https://example.invalid/{name}",
            "security": "",
            "details": "created on chain by bench/build_chain.py; never signs",
            "commission-rate": f"0.0{i % 9 + 1}",
            "commission-max-rate": "0.5",
            "commission-max-change-rate": "0.05",
            "min-self-delegation": "1",
        }
        spec_path = scratch / f"{name}.json"
        spec_path.write_text(json.dumps(spec))
        out = injd.run_json(
            "tx",
            "staking",
            "create-validator",
            str(spec_path),
            "--from",
            name,
            "--chain-id",
            CHAIN_ID,
            "--node",
            node.rpc_node,
            "--keyring-backend",
            "test",
            "--gas",
            "400000",
            "--gas-prices",
            GAS_PRICE,
            "--output",
            "json",
            "--broadcast-mode",
            "sync",
            "-y",
            home=node.home,
        )
        if int(out.get("code", 0)) != 0:
            raise DevnetError(f"create-validator {name} rejected: {out}")
        hashes.append(str(out["txhash"]).upper())
    out = []
    for name, h in zip(accounts["operators"], hashes):
        res = node.wait_tx(h, timeout=60)
        if int(res["tx_result"].get("code", 0)) != 0:
            raise DevnetError(f"create-validator {name} failed: {res['tx_result'].get('log')}")
        out.append({"operator": name, "valoper": accounts["valoper"][name], "hash": h, "height": int(res["height"])})
    log(f"  {len(out)} validators created at heights {sorted({o['height'] for o in out})}")
    return out


def user_keys_for(users: list[str], seed: int) -> dict[str, EthKey]:
    """Deterministic keys for the in-process signer's users (a bench chain, no secrets)."""
    from bench.signer import EthKey

    return {name: EthKey.from_hex(hashlib.sha256(f"cometgraph bench chain {seed} {name}".encode()).hexdigest()) for name in users}


def export_key(injd: Injectived, home: Path, name: str, address: str) -> EthKey:
    """A keyring key (test backend) as an :class:`EthKey`; its address must be the keyring's."""
    from bench.signer import EthKey

    hex_key = injd.run("keys", "unsafe-export-eth-key", name, "--keyring-backend", "test", home=home).stdout.strip()
    key = EthKey.from_hex(hex_key)
    if key.address != address:
        raise DevnetError(f"exported key of {name} gives {key.address}, the keyring says {address}")
    return key


def check_signer(injd: Injectived, home: Path, signer: Signer, key: EthKey, name: str, scratch: Path) -> dict[str, Any]:
    """Sign one tx in-process and with ``tx sign-batch --offline``: the signatures (r||s||v
    over Keccak-256 of the sign-doc, deterministic nonce) must be equal byte for byte, so the
    sign-doc bytes (body, auth_info, chain-id, account number) are too."""
    doc = {
        "body": {
            "messages": [{"@type": "/cosmos.bank.v1beta1.MsgSend", "from_address": key.address, "to_address": key.address, "amount": [coin(12345)]}],
            "memo": "héllo wörld ✓ 你好",
            "timeout_height": "0",
            "extension_options": [],
            "non_critical_extension_options": [],
        },
        "auth_info": {"signer_infos": [], "fee": {"amount": [coin(200_000 * GAS_PRICE_UNITS)], "gas_limit": "200000", "payer": "", "granter": ""}, "tip": None},
        "signatures": [],
    }
    number, seq = 7, 42
    path = scratch / "signer-check.json"
    path.write_text(json.dumps(doc) + "\n")
    args = ["tx", "sign-batch", str(path), "--from", name, "--offline", "--account-number", str(number), "--sequence", str(seq)]
    proc = injd.run(*args, "--chain-id", CHAIN_ID, "--keyring-backend", "test", "--output", "json", home=home)
    cli_sig = base64.b64decode(json.loads(proc.stdout.splitlines()[0])["signatures"][0])
    from google.protobuf.message_factory import GetMessageClass

    raw = signer.sign(key, doc, number, seq)
    tx_raw = GetMessageClass(signer.TxRaw.DESCRIPTOR)()
    tx_raw.ParseFromString(raw)
    ours = bytes(tx_raw.signatures[0])
    if ours != cli_sig:
        raise DevnetError(f"in-process signature differs from the CLI's: {ours.hex()} != {cli_sig.hex()}")
    return {"equal_to_cli": True, "signature_bytes": len(ours)}


# --------------------------------------------------------------------------------------------
# the workload
# --------------------------------------------------------------------------------------------
class Account:
    def __init__(self, name: str, address: str, number: int, sequence: int, key: EthKey | None = None) -> None:
        self.name, self.address, self.number = name, address, number
        self.key = key  # for the in-process signer
        self.next_seq = sequence  # the sequence the next signed batch starts at
        self.epoch = 0  # bumped on a resync: batches of older epochs are dropped
        self.ready: deque[tuple[int, int, bytes, str]] = deque()  # (epoch, seq, raw, kind)
        self.signing = False
        self.paused_until_height = 0
        # what this account has delegated (by valoper) and unbonding entries per validator
        self.delegated: dict[str, int] = {}
        self.unbonding_entries: Counter[str] = Counter()
        self.lock = threading.Lock()


class Workload:
    """Makes batches of unsigned txs, signs them offline per account (``tx sign-batch``),
    encodes them through the node's REST and broadcasts them paced by height."""

    BATCH = 40

    def __init__(
        self,
        injd: Injectived,
        node: DevnetNode,
        accounts: list[Account],
        valopers: list[str],
        hot: list[str],
        scratch: Path,
        seed: int,
        signer: Signer | None = None,
    ) -> None:
        self.injd, self.node, self.accounts = injd, node, accounts
        self.signer = signer  # None: the CLI signs
        self.valopers, self.hot, self.scratch = valopers, hot, scratch
        self.rng = random.Random(seed)
        self.rng_lock = threading.Lock()
        self.kinds: Counter[str] = Counter()
        self.accepted = 0
        self.rejected: list[dict[str, Any]] = []
        self.sign_seconds = 0.0
        self.signed = 0
        self.n = 0
        self._rpc = threading.local()

    # -- tx docs --------------------------------------------------------------------------
    def _doc(self, msgs: list[dict[str, Any]], memo: str, gas: int) -> dict[str, Any]:
        return {
            "body": {"messages": msgs, "memo": memo, "timeout_height": "0", "extension_options": [], "non_critical_extension_options": []},
            "auth_info": {"signer_infos": [], "fee": {"amount": [coin(gas * GAS_PRICE_UNITS)], "gas_limit": str(gas), "payer": "", "granter": ""}, "tip": None},
            "signatures": [],
        }

    def _recipient(self, rng: random.Random, sender: Account) -> str:
        while True:
            if rng.random() < 0.15:
                addr = rng.choice(self.hot)
            else:
                addr = rng.choice(self.accounts).address
            if addr != sender.address:
                return addr

    def _make(self, rng: random.Random, acc: Account) -> tuple[dict[str, Any], str]:
        """One unsigned tx for ``acc`` (and its kind)."""
        self.n += 1
        n = self.n
        memo = rng.choice(MEMOS).format(n=n)
        small = lambda: rng.randint(1, 1000) * 10**15  # noqa: E731 - 0.001 … 1 INJ
        r = rng.random()
        if r < 0.55:
            return self._doc([self._send(acc.address, self._recipient(rng, acc), small())], memo, 200_000), "send"
        if r < 0.65:
            k = rng.randint(2, 4)
            msgs = [self._send(acc.address, self._recipient(rng, acc), small()) for _ in range(k)]
            return self._doc(msgs, memo or "several sends", 150_000 + 60_000 * k), "multi_msg_send"
        if r < 0.75:
            outs = {self._recipient(rng, acc) for _ in range(rng.randint(2, 5))}
            amount = small()
            msg = {
                "@type": "/cosmos.bank.v1beta1.MsgMultiSend",
                "inputs": [{"address": acc.address, "coins": [coin(amount * len(outs))]}],
                "outputs": [{"address": a, "coins": [coin(amount)]} for a in sorted(outs)],
            }
            return self._doc([msg], memo, 150_000 + 50_000 * len(outs)), "multi_send"
        if r < 0.88 or not acc.delegated:
            val = rng.choice(self.valopers)
            amount = small()
            acc.delegated[val] = acc.delegated.get(val, 0) + amount
            msg = {"@type": "/cosmos.staking.v1beta1.MsgDelegate", "delegator_address": acc.address, "validator_address": val, "amount": coin(amount)}
            return self._doc([msg], memo, 350_000), "delegate"
        if r < 0.95:
            val = rng.choice(sorted(acc.delegated))
            if acc.unbonding_entries[val] < MAX_UNBONDING_ENTRIES and acc.delegated[val] > 10**15:
                amount = max(10**15, acc.delegated[val] // rng.randint(3, 10))
                amount = min(amount, acc.delegated[val])
                acc.delegated[val] -= amount
                acc.unbonding_entries[val] += 1
                msg = {"@type": "/cosmos.staking.v1beta1.MsgUndelegate", "delegator_address": acc.address, "validator_address": val, "amount": coin(amount)}
                return self._doc([msg], memo, 400_000), "undelegate"
            msg = {"@type": "/cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward", "delegator_address": acc.address, "validator_address": val}
            return self._doc([msg], memo, 300_000), "withdraw_rewards"
        if r < 0.99:
            val = rng.choice(sorted(acc.delegated))
            msg = {"@type": "/cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward", "delegator_address": acc.address, "validator_address": val}
            return self._doc([msg], memo, 300_000), "withdraw_rewards"
        # passes CheckTx (fees are fine), fails in delivery: insufficient funds (code 5)
        return self._doc([self._send(acc.address, self._recipient(rng, acc), 10**30)], "this send fails: insufficient funds", 200_000), "failing_send"

    @staticmethod
    def _send(frm: str, to: str, amount: int) -> dict[str, Any]:
        return {"@type": "/cosmos.bank.v1beta1.MsgSend", "from_address": frm, "to_address": to, "amount": [coin(amount)]}

    # -- signing --------------------------------------------------------------------------
    def sign_batch(self, acc: Account) -> None:
        """Sign the next BATCH txs of ``acc`` (in-process, or with one ``tx sign-batch
        --offline`` call and the node's REST encoding them); queue them for the broadcaster."""
        with acc.lock:
            epoch, seq0 = acc.epoch, acc.next_seq
            with self.rng_lock:
                made = [self._make(self.rng, acc) for _ in range(self.BATCH)]
            acc.next_seq += len(made)
        t0 = time.monotonic()
        if self.signer is not None:
            assert acc.key is not None
            raws = [self.signer.sign(acc.key, doc, acc.number, seq0 + i) for i, (doc, _) in enumerate(made)]
        else:
            raws = self._sign_cli(acc, seq0, made)
        with acc.lock:
            if acc.epoch == epoch:
                for i, (raw, (_, kind)) in enumerate(zip(raws, made)):
                    acc.ready.append((epoch, seq0 + i, raw, kind))
            acc.signing = False
        self.sign_seconds += time.monotonic() - t0
        self.signed += len(raws)

    def _sign_cli(self, acc: Account, seq0: int, made: list[tuple[dict[str, Any], str]]) -> list[bytes]:
        path = self.scratch / f"batch-{acc.name}-{seq0}.json"
        path.write_text("".join(json.dumps(doc) + "\n" for doc, _ in made))
        proc = self.injd.run(
            "tx",
            "sign-batch",
            str(path),
            "--from",
            acc.name,
            "--offline",
            "--account-number",
            str(acc.number),
            "--sequence",
            str(seq0),
            "--chain-id",
            CHAIN_ID,
            "--keyring-backend",
            "test",
            "--output",
            "json",
            home=self.node.home,
            timeout=300,
        )
        path.unlink()
        signed = [line for line in proc.stdout.splitlines() if line.strip()]
        if len(signed) != len(made):
            raise DevnetError(f"sign-batch {acc.name}: {len(signed)} of {len(made)} signed")
        raws = []
        for line in signed:
            enc = self.node.rest_post("/cosmos/tx/v1beta1/encode", {"tx": json.loads(line)})
            if "tx_bytes" not in enc:
                raise DevnetError(f"encode failed: {enc}")
            raws.append(base64.b64decode(enc["tx_bytes"]))
        return raws

    # -- broadcasting ---------------------------------------------------------------------
    def _conn(self) -> http.client.HTTPConnection:
        conn = getattr(self._rpc, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", self.node.ports["rpc"], timeout=30)
            self._rpc.conn = conn
        return conn

    def broadcast(self, raw: bytes) -> dict[str, Any]:
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "broadcast_tx_sync", "params": {"tx": base64.b64encode(raw).decode()}})
        for attempt in range(3):
            conn = self._conn()
            try:
                conn.request("POST", "/", body, {"content-type": "application/json"})
                return json.loads(conn.getresponse().read())
            except (OSError, http.client.HTTPException):
                conn.close()
                self._rpc.conn = None
                if attempt == 2:
                    raise
        raise AssertionError

    def resync(self, acc: Account, height: int) -> None:
        """After a CheckTx rejection: drop what is queued, re-read the sequence later."""
        with acc.lock:
            acc.epoch += 1
            acc.ready.clear()
            acc.paused_until_height = height + 3
            acc.next_seq = -1

    def run(self, target_blocks: int, target_txs: int, deadline: float, sign_workers: int = 2) -> dict[str, Any]:
        node = self.node
        pool = ThreadPoolExecutor(max_workers=sign_workers)
        futures = []
        start_h = node.height()
        last_h = start_h
        per_block_cap = 60
        t0 = time.monotonic()
        last_log = 0.0
        stopped_by = "targets"
        try:
            while True:
                h = node.height()
                if self.accepted >= target_txs and h >= target_blocks:
                    break
                if time.monotonic() > deadline:
                    stopped_by = "time limit"
                    log("  time limit reached: stopping the workload where it is")
                    break
                # keep every account's queue topped up (signing runs ahead of broadcasting)
                for acc in self.accounts:
                    with acc.lock:
                        need = (
                            not acc.signing
                            and len(acc.ready) < self.BATCH
                            and acc.next_seq >= 0
                            and h >= acc.paused_until_height
                            and self.signed + self.BATCH * sum(a.signing for a in self.accounts) < target_txs * 1.05 + 500
                        )
                        if need:
                            acc.signing = True
                    if need:
                        futures.append(pool.submit(self.sign_batch, acc))
                for f in [f for f in futures if f.done()]:
                    futures.remove(f)
                    f.result()  # raise signing errors
                for acc in self.accounts:  # re-read sequences of resynced accounts
                    if acc.next_seq < 0 and h >= acc.paused_until_height:
                        info = node.rest(f"/cosmos/auth/v1beta1/account_info/{acc.address}")
                        with acc.lock:
                            acc.next_seq = int(info["info"]["sequence"])
                if h == last_h:
                    time.sleep(0.02)  # each poll is an RPC /status the node answers: keep them few
                    continue
                last_h = h
                # pace: spread the txs over the blocks still to come (a little ahead)
                blocks_left = max(1, target_blocks - h)
                want = max(0, target_txs - self.accepted)
                quota = min(per_block_cap, max(3, -(-want * 11 // (10 * blocks_left))))
                if want == 0:
                    quota = 2  # keep some traffic until the block target
                sent = 0
                order = list(self.accounts)
                self.rng.shuffle(order)
                while sent < quota:
                    progressed = False
                    for acc in order:
                        if sent >= quota:
                            break
                        with acc.lock:
                            item = acc.ready.popleft() if acc.ready else None
                        if item is None:
                            continue
                        epoch, seq, raw, kind = item
                        ans = self.broadcast(raw)
                        res = ans.get("result") or {}
                        if ans.get("error") or int(res.get("code", 0)) != 0:
                            self.rejected.append({"account": acc.name, "seq": seq, "kind": kind, "answer": ans.get("error") or res.get("log")})
                            log(f"  CheckTx rejected {acc.name} seq {seq} ({kind}): {str(ans.get('error') or res.get('log'))[:200]}")
                            self.resync(acc, h)
                            continue
                        self.accepted += 1
                        self.kinds[kind] += 1
                        sent += 1
                        progressed = True
                    if not progressed:
                        break
                now = time.monotonic()
                if now - last_log > 30:
                    last_log = now
                    log(f"  height {h}, {self.accepted} txs accepted, {self.signed} signed ({self.sign_seconds:.0f}s signing), {now - t0:.0f}s")
        finally:
            for f in futures:
                f.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
        return {
            "accepted": self.accepted,
            "kinds": dict(self.kinds),
            "rejected": self.rejected[:20],
            "n_rejected": len(self.rejected),
            "signed": self.signed,
            "sign_seconds": round(self.sign_seconds, 1),
            "stopped_by": stopped_by,
            "start_height": start_h,
            "seconds": round(time.monotonic() - t0, 1),
        }


# --------------------------------------------------------------------------------------------
# after the build: what the chain holds (read through cometgraph's own storage layer)
# --------------------------------------------------------------------------------------------
def survey(home: Path, snapshot_dir: Path, hot: list[str], seed: int) -> dict[str, Any]:
    from cometgraph.storage.chain import Chain

    chain = Chain.from_home(home, snapshot_dir=snapshot_dir).open()
    try:
        with chain.view() as v:
            latest, earliest = v.latest_height, v.earliest_height
            heights_with_txs, n_txs, max_txs = [], 0, 0
            for meta in v.blocks.iter_block_metas(earliest, latest):
                n = meta.num_txs
                n_txs += n
                max_txs = max(max_txs, n)
                if n:
                    heights_with_txs.append(meta.header.height)
            rng = random.Random(seed)
            sample_heights = sorted(rng.sample(heights_with_txs, min(200, len(heights_with_txs))))
            hashes = []
            for blk in v.blocks.load_blocks(sample_heights):
                if blk is not None and blk.txs:
                    hashes.append(hashlib.sha256(rng.choice(blk.txs)).hexdigest().upper())
            return {
                "latest_height": latest,
                "earliest_height": earliest,
                "txs": n_txs,
                "blocks_with_txs": len(heights_with_txs),
                "max_txs_per_block": max_txs,
                "sample_tx_hashes": hashes,
            }
    finally:
        chain.close()


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def build(out: Path, args: argparse.Namespace) -> dict[str, Any]:
    t_start = time.monotonic()
    injd = ensure_injectived()
    work = out / "build-tmp"
    if work.exists():
        shutil.rmtree(work)
    home, scratch = work / "home", work / "scratch"
    scratch.mkdir(parents=True)
    log(f"init: {args.accounts} accounts, {args.validators} extra validators, timeout_commit {args.timeout_commit}, signer {args.signer}")
    signer, keys = None, None
    users = [f"u{i:02d}" for i in range(args.accounts)]
    if args.signer == "inproc":
        from bench.signer import Signer

        signer = Signer(CHAIN_ID)
        keys = user_keys_for(users, args.seed)
    accounts = init_chain(injd, home, args.port_base, args.accounts, args.validators, args.timeout_commit, user_keys=keys, backend=args.backend)
    assert accounts["users"] == users
    signer_check: dict[str, Any] = {}
    if signer is not None and keys is not None:
        for name in accounts["operators"]:
            keys[name] = export_key(injd, home, name, accounts["address"][name])
        signer_check = check_signer(injd, home, signer, keys[accounts["operators"][0]], accounts["operators"][0], scratch)
        log(f"  in-process signer: {signer_check}")
    t_init = time.monotonic() - t_start
    # injectived overrides config.toml's timeout_commit with its own 500ms unless told so
    node = DevnetNode(
        injd, home=home, port_base=args.port_base, log_path=work / "node.log", extra_args=("--unsafe-consensus-timeout-commit", args.timeout_commit)
    )
    timings: dict[str, float] = {"init_seconds": round(t_init, 1)}
    deadline = t_start + args.max_minutes * 60
    with node:
        node.wait_height(2, timeout=90)
        node.wait_rest(timeout=60)
        t_run = time.monotonic()
        vals = create_validators(injd, node, accounts, scratch)
        names = accounts["operators"] + accounts["users"]
        accs = []
        for name in names:
            addr = accounts["address"][name]
            info = node.rest(f"/cosmos/auth/v1beta1/account_info/{addr}")["info"]
            accs.append(Account(name, addr, int(info["account_number"]), int(info["sequence"]), key=keys[name] if keys else None))
        valopers = [accounts["valoper"]["validator"]] + [v["valoper"] for v in vals]
        hot = [accounts["address"][n] for n in accounts["users"][:3]]
        wl = Workload(injd, node, accs, valopers, hot, scratch, args.seed, signer=signer)
        log(f"workload: until height {args.blocks} and {args.txs} txs (time limit {args.max_minutes} min in all)")
        stats = wl.run(args.blocks, args.txs, deadline, sign_workers=args.sign_workers)
        status = sample.stop_right_after_block(node)
        timings["workload_seconds"] = round(time.monotonic() - t_run, 1)
    shutil.rmtree(scratch, ignore_errors=True)
    final_home = out / "home"
    if final_home.exists():
        shutil.rmtree(final_home)
    os.rename(home, final_home)
    shutil.move(str(work / "node.log"), out / "node.log")
    shutil.rmtree(work, ignore_errors=True)
    log("surveying the chain through cometgraph's storage layer")
    snapdir = out / "survey-snapshots"
    facts = survey(final_home, snapdir, hot, args.seed)
    shutil.rmtree(snapdir, ignore_errors=True)
    timings["total_seconds"] = round(time.monotonic() - t_start, 1)
    return {
        "format": FORMAT,
        "complete": True,
        "params": {
            "accounts": args.accounts,
            "validators": args.validators,
            "blocks": args.blocks,
            "txs": args.txs,
            "timeout_commit": args.timeout_commit,
            "seed": args.seed,
            "max_minutes": args.max_minutes,
            "signer": args.signer,
            "backend": args.backend,
        },
        "signer_check": signer_check,
        "injectived_version": injd.version,
        "chain_id": CHAIN_ID,
        "status_at_stop": status["sync_info"],
        **facts,
        "targets_met": facts["latest_height"] >= args.blocks and facts["txs"] >= args.txs,
        "timings": timings,
        "workload": stats,
        "accounts": {n: accounts["address"][n] for n in ["validator", *names]},
        "hot_accounts": hot,
        "validators": [{"operator": "validator", "valoper": accounts["valoper"]["validator"], "moniker": "validator"}] + vals,
        "home_bytes": du(final_home / "data"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
    }


def resume(out: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Go on with a built chain (``--resume``): start its node again on ``DIR/home`` (the node
    writes on from its last height, as any restarted node does) and run the workload until the
    new ``--blocks`` / ``--txs`` targets. Accounts, keys and validators are those of the first
    build (``chain.json``); each account's sequence, delegations and unbonding entries are read
    back from the node's REST. In-process signer only."""
    from bench.signer import Signer

    path = out / "chain.json"
    prev = json.loads(path.read_text())
    if args.signer != "inproc":
        raise SystemExit("--resume signs in-process (--signer inproc)")
    t_start = time.monotonic()
    injd = ensure_injectived()
    home = out / "home"
    # while the node writes, DIR is not a finished chain
    os.replace(path, out / "chain.json.resuming")
    p = prev["params"]
    tc = args.timeout_commit
    cfg = home / "config" / "config.toml"
    sample.set_toml(cfg, "consensus", "timeout_commit", tc)
    signer = Signer(CHAIN_ID)
    names = [n for n in prev["accounts"] if n != "validator"]
    users = [n for n in names if n.startswith("u")]
    operators = [n for n in names if not n.startswith("u")]
    keys = user_keys_for(users, p["seed"])
    for name in users:
        if keys[name].address != prev["accounts"][name]:
            raise DevnetError(f"{name}: seeded key gives {keys[name].address}, chain.json says {prev['accounts'][name]}")
    for name in operators:
        keys[name] = export_key(injd, home, name, prev["accounts"][name])
    phase = len(prev.get("phases", [])) + 1
    node = DevnetNode(injd, home=home, port_base=args.port_base, log_path=out / f"node-{phase + 1}.log", extra_args=("--unsafe-consensus-timeout-commit", tc))
    deadline = t_start + args.max_minutes * 60
    with node:
        node.wait_height(prev["latest_height"] + 1, timeout=120)
        node.wait_rest(timeout=60)
        accs = []
        for name in names:
            addr = prev["accounts"][name]
            info = node.rest(f"/cosmos/auth/v1beta1/account_info/{addr}")["info"]
            acc = Account(name, addr, int(info["account_number"]), int(info["sequence"]), key=keys[name])
            for d in node.rest(f"/cosmos/staking/v1beta1/delegations/{addr}", **{"pagination.limit": 100}).get("delegation_responses", []):
                acc.delegated[d["delegation"]["validator_address"]] = int(d["balance"]["amount"])
            for u in node.rest(f"/cosmos/staking/v1beta1/delegators/{addr}/unbonding_delegations", **{"pagination.limit": 100}).get("unbonding_responses", []):
                acc.unbonding_entries[u["validator_address"]] = len(u["entries"])
            accs.append(acc)
        valopers = [v["valoper"] for v in prev["validators"]]
        wl = Workload(injd, node, accs, valopers, prev["hot_accounts"], out / "scratch", args.seed + 1000 * phase, signer=signer)
        wl.n = prev["workload"]["signed"]
        (out / "scratch").mkdir(exist_ok=True)
        log(f"resume (phase {phase + 1}) at height {node.height()}: until height {args.blocks} and {args.txs} txs (time limit {args.max_minutes} min)")
        # --txs counts the whole chain: this phase adds what is missing
        stats = wl.run(args.blocks, max(0, args.txs - prev["txs"]), deadline, sign_workers=args.sign_workers)
        status = sample.stop_right_after_block(node)
    shutil.rmtree(out / "scratch", ignore_errors=True)
    log("surveying the chain through cometgraph's storage layer")
    snapdir = out / "survey-snapshots"
    facts = survey(home, snapdir, prev["hot_accounts"], p["seed"])
    shutil.rmtree(snapdir, ignore_errors=True)
    seconds = round(time.monotonic() - t_start, 1)
    phases = prev.get("phases") or [{"params": p, "workload": prev["workload"], "timings": prev["timings"], "latest_height": prev["latest_height"]}]
    phases.append({"params": {**p, "blocks": args.blocks, "txs": args.txs, "timeout_commit": tc}, "workload": stats, "seconds": seconds})
    info = {
        **prev,
        **facts,
        "params": {**p, "blocks": args.blocks, "txs": args.txs},
        "status_at_stop": status["sync_info"],
        "targets_met": facts["latest_height"] >= args.blocks and facts["txs"] >= args.txs,
        "timings": {**prev["timings"], "total_seconds": round(prev["timings"]["total_seconds"] + seconds, 1), f"phase{phase + 1}_seconds": seconds},
        "workload": {
            **stats,
            "accepted": prev["workload"]["accepted"] + stats["accepted"],
            "signed": prev["workload"]["signed"] + stats["signed"],
            "kinds": dict(Counter(prev["workload"]["kinds"]) + Counter(stats["kinds"])),
            "start_height": prev["workload"]["start_height"],
        },
        "phases": phases,
        "home_bytes": du(home / "data"),
    }
    (out / "chain.json.resuming").unlink()
    return info


def load_built(out: Path) -> dict[str, Any] | None:
    path = out / "chain.json"
    if not path.is_file() or not (out / "home" / "data").is_dir():
        return None
    info = json.loads(path.read_text())
    return info if info.get("complete") and info.get("format") == FORMAT else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="cache folder (home/ + chain.json)")
    ap.add_argument("--blocks", type=int, default=2000, help="height to reach (default 2000)")
    ap.add_argument("--txs", type=int, default=10_000, help="txs to include (default 10000)")
    ap.add_argument("--accounts", type=int, default=48, help="user accounts (default 48)")
    ap.add_argument("--validators", type=int, default=5, help="validators created on chain besides the genesis one (default 5)")
    ap.add_argument("--timeout-commit", default="100ms", help="consensus timeout_commit")
    ap.add_argument("--max-minutes", type=float, default=25, help="stop the workload where it is after this long (default 25)")
    ap.add_argument("--sign-workers", type=int, default=2)
    ap.add_argument(
        "--signer", choices=["inproc", "cli"], default="inproc", help="inproc: bench/signer.py (bench extra; default); cli: tx sign-batch --offline (~35 txs/s)"
    )
    ap.add_argument("--port-base", type=int, default=DEFAULT_PORT_BASE)
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--backend", choices=sorted(sample.BACKENDS), default="goleveldb", help="the node's db_backend and app-db-backend (default goleveldb)")
    ap.add_argument("--force", action="store_true", help="rebuild even if --out holds a chain")
    ap.add_argument(
        "--resume", action="store_true", help="go on with the built chain in --out (its node restarted) until the new --blocks/--txs (in-process signer)"
    )
    args = ap.parse_args(argv)
    out = args.out.expanduser().resolve()
    if args.resume:
        if load_built(out) is None:
            raise SystemExit(f"--resume: {out} holds no built chain")
        info = resume(out, args)
        (out / "chain.json").write_text(json.dumps(info, indent=1, ensure_ascii=False) + "\n")
        log(f"resumed: height {info['latest_height']}, {info['txs']} txs, {info['home_bytes'] / 1e6:.0f} MB; targets met: {info['targets_met']}")
        return 0 if info["targets_met"] else 2
    if not args.force and (info := load_built(out)) is not None:
        log(
            f"{out} already holds a built chain: height {info['latest_height']}, "
            f"{info['txs']} txs (built in {info['timings']['total_seconds']:.0f}s); --force rebuilds"
        )
        return 0
    out.mkdir(parents=True, exist_ok=True)
    (out / "chain.json").unlink(missing_ok=True)
    info = build(out, args)
    (out / "chain.json").write_text(json.dumps(info, indent=1, ensure_ascii=False) + "\n")
    log(
        f"built: height {info['latest_height']}, {info['txs']} txs in "
        f"{info['blocks_with_txs']} blocks (max {info['max_txs_per_block']} per block), "
        f"{info['home_bytes'] / 1e6:.0f} MB of data, {info['timings']['total_seconds']:.0f}s "
        f"(workload {info['timings']['workload_seconds']:.0f}s); targets met: {info['targets_met']}"
    )
    return 0 if info["targets_met"] else 2


if __name__ == "__main__":
    sys.exit(main())

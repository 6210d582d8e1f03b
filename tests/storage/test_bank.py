"""x/bank against the node's own answers.

* ``BankReader`` on the sample chain at EVERY height of ``oracle.rest``: every recorded
  account's balances (order included), spendable balances, each single balance, supply
  and denom metadata equal the REST answers; an unknown denom is a zero coin; the block
  time used for vesting locks equals each block's header time.
* a copy pruned by ``injectived prune`` itself → ``Pruned``.
* the tm034 legacy chain (SDK 0.40–0.42 bank layout: ``"balances"``+addr keys, ``Coin``
  values, one ``Supply`` record, ``0x01``+denom+denom metadata): balances add up to the
  chain's own supply record, denom by denom.
* vesting locks and ≤ 0.45 ``Coin`` values under 0.43+ keys: no Injective 1.20.1 node can
  write a vesting account (it refuses the vesting module, tests/devnet/README.md), so those
  stores are built by the tests from the SDK's own encoding (see tests/storage/test_auth.py)
  and the expected amounts are worked out by hand from the SDK 0.50 rules (x/auth/vesting
  ``GetVestedCoins``, ``LockedCoinsFromVesting``; x/bank ``SpendableCoins``), written out
  below next to each case.
"""

from __future__ import annotations

import pytest

from cometgraph.storage.app.addresses import parse_account
from cometgraph.storage.app.auth import AuthReader
from cometgraph.storage.app.bank import BankReader, balance_key
from cometgraph.storage.app.store import AppStore
from cometgraph.storage.codec import bech32
from cometgraph.storage.errors import CorruptRecord, InvalidInput, NotFound, Pruned
from cometgraph.storage.models import Coin, Time

from .test_appstore import pruned  # noqa: F401  (fixture: a copy pruned by injectived itself)
from .test_auth import ADDR, END, START, any_, build_app, coin, pb_bytes, pb_int, pb_str, vesting_accounts


def rest_heights(oracle) -> list[int]:
    return sorted(int(h) for h in oracle.rest)


def coins_json(coins: list[Coin]) -> list[dict]:
    return [{"denom": c.denom, "amount": c.amount} for c in coins]


@pytest.fixture(scope="module")
def bank(app) -> BankReader:
    return BankReader(app)


# ---------------------------------------------------------------- the sample chain vs its REST
def test_balances_equal_rest_at_every_recorded_height(bank, oracle, prefixes):
    empty = 0
    for h in rest_heights(oracle):
        answers = oracle.rest[str(h)]["balances"]
        addrs = [parse_account(t, prefixes) for t in answers]
        many = bank.balances_many(addrs, h)
        for (text, answer), addr, batch in zip(answers.items(), addrs, many):
            want = answer["balances"]
            got = bank.balances(addr, h)
            assert coins_json(got) == want, (h, text)
            assert batch == got
            for c in got:
                assert bank.balance(addr, c.denom, h) == c
            unknown = bank.balance(addr, "nosuchdenom", h)
            assert unknown == Coin("nosuchdenom", "0")
            empty += not want
    assert empty > 0  # accounts created later, and the fee collector between blocks, hold nothing
    assert bank.balances_many([], max(rest_heights(oracle))) == []


def test_spendable_balances_equal_rest_at_every_recorded_height(bank, oracle, prefixes):
    for h in rest_heights(oracle):
        for text, answer in oracle.rest[str(h)]["spendable_balances"].items():
            assert coins_json(bank.spendable_balances(parse_account(text, prefixes), h)) == answer["balances"], (h, text)


def test_supply_equals_rest_at_every_recorded_height(bank, oracle):
    for h in rest_heights(oracle):
        want = oracle.rest[str(h)]["supply"]["supply"]
        got = bank.supply(h)
        assert coins_json(got) == want, h
        for c in got:
            assert bank.supply_of(c.denom, h) == c
        assert bank.supply_of("nosuchdenom", h) == Coin("nosuchdenom", "0")


def test_denom_metadata_equals_rest_at_every_recorded_height(bank, oracle):
    for h in rest_heights(oracle):
        listed = {m["base"]: m for m in oracle.rest[str(h)]["denoms_metadata"]["metadatas"]}
        assert bank.denom_metadata(h) == list(listed.values()), h
        for c in bank.supply(h):
            # genesis registers metadata for inj and the IBC denoms; an ibc/ denom's is the one
            # ibc-go's transfer genesis wrote over the bank's (tests/devnet/gov_workload.py)
            assert bank.denom_metadata_of(c.denom, h) == listed.get(c.denom), (h, c.denom)
        assert listed and set(listed) <= {c.denom for c in bank.supply(h)}


def test_block_time_is_each_blocks_header_time(bank, app, oracle):
    """Vesting locks are computed at the block time the node's queries see (CommitInfo)."""
    for v in range(1, app.latest_version() + 1):
        assert bank.block_time(v).rfc3339() == oracle.blocks[str(v)]["block"]["header"]["time"], v


def test_bad_inputs_and_versions(bank, app, oracle, prefixes):
    alice = parse_account(oracle.workload["accounts"]["alice"]["address"], prefixes)
    top = app.latest_version()
    for call in (
        lambda v: bank.balances(alice, v),
        lambda v: bank.balance(alice, "inj", v),
        lambda v: bank.supply(v),
        lambda v: bank.supply_of("inj", v),
        lambda v: bank.denom_metadata(v),
        lambda v: bank.spendable_balances(alice, v),
    ):
        with pytest.raises(NotFound) as e:
            call(top + 1)
        assert not isinstance(e.value, Pruned)
        with pytest.raises(InvalidInput):
            call(0)
    for bad in ("", None, 5):
        with pytest.raises(InvalidInput):
            bank.balance(alice, bad, top)  # type: ignore[arg-type]
        with pytest.raises(InvalidInput):
            bank.supply_of(bad, top)  # type: ignore[arg-type]
    for bad in (b"", "inj1…", b"\x00" * 256):
        with pytest.raises(InvalidInput):
            bank.balances(bad, top)  # type: ignore[arg-type]
        with pytest.raises(InvalidInput):
            bank.balances_many([alice, bad], top)  # type: ignore[list-item]


def test_pruned_version_raises_pruned(pruned, bank, oracle, prefixes):  # noqa: F811
    app, first_kept = pruned
    reader = BankReader(app)
    alice = parse_account(oracle.workload["accounts"]["alice"]["address"], prefixes)
    for call in (
        lambda v: reader.balances(alice, v),
        lambda v: reader.balance(alice, "inj", v),
        lambda v: reader.supply(v),
        lambda v: reader.supply_of("inj", v),
        lambda v: reader.spendable_balances(alice, v),
    ):
        with pytest.raises(Pruned) as e:
            call(first_kept - 1)
        assert e.value.base == first_kept and e.value.height == first_kept - 1
    latest = app.latest_version()
    assert reader.balances(alice, latest) == bank.balances(alice, latest)
    assert reader.supply(first_kept) == bank.supply(first_kept)


# ---------------------------------------------------------------- tm034: SDK 0.40-0.42 bank layout
@pytest.mark.legacy
def test_legacy_balances_add_up_to_the_chains_supply_record(tm034_kv):
    app = AppStore(tm034_kv("application"))
    bank = BankReader(app)
    auth = AuthReader(app, None)
    v = app.latest_version()
    tree = app.tree("bank", v)
    # what this chain's bank store is made of (the layout the reader must fall back to)
    assert tree.get(b"\x00") is not None and next(tree.iterate_prefix(b"\x00\x00"), None) is None
    assert next(tree.iterate_prefix(b"balances"), None) is not None and next(tree.iterate_prefix(b"\x02"), None) is None
    supply = bank.supply(v)
    assert supply and [c.denom.encode() for c in supply] == sorted(c.denom.encode() for c in supply)
    totals: dict[str, int] = {}
    zeros = 0
    for acc in auth.iterate_accounts(v):
        addr = bech32.decode(acc.address)[1]
        got = bank.balances(addr, v)
        assert [c.denom.encode() for c in got] == sorted(c.denom.encode() for c in got)
        for c in got:
            totals[c.denom] = totals.get(c.denom, 0) + int(c.amount)
            zeros += c.amount == "0"
            assert bank.balance(addr, c.denom, v) == c
    assert totals == {c.denom: int(c.amount) for c in supply}
    assert zeros > 0  # SDK <= 0.45 kept zero balances; the REST listed them too
    for c in supply:
        assert bank.supply_of(c.denom, v) == c
        meta = bank.denom_metadata_of(c.denom, v)  # 0x01+denom+denom in this layout
        assert meta is not None and meta["base"] == c.denom
    assert [m["base"] for m in bank.denom_metadata(v)] == [c.denom for c in supply]


# ---------------------------------------------------------------- synthetic stores (SDK encodings built here)
A = ADDR["plain"]
DENOMS = [
    "inj",
    "ibc/27394FB092D2ECCD56123C74F36E4C1F926001CEADA9CA97EA622B25F41E5EB2",
    "Zeta",
    "factory/inj1x/sub",
    "peggy0xdAC17F958D2ee523a2206206994597C13D831ec7",
]


def metadata(base: str) -> bytes:
    """cosmos.bank.v1beta1.Metadata{description=1, denom_units=2{denom=1, exponent=2, aliases=3},
    base=3, display=4, name=5, symbol=6, uri=7, uri_hash=8, decimals=9 (Injective's)}."""
    unit = lambda d, e, al=(): pb_str(1, d) + pb_int(2, e) + b"".join(pb_str(3, a) for a in al)  # noqa: E731
    return (
        pb_str(1, f"{base} token")
        + pb_bytes(2, unit(base, 0, ["micro" + base]))
        + pb_bytes(2, unit(base.upper(), 6))
        + pb_str(3, base)
        + pb_str(4, base.upper())
        + pb_str(5, base.title())
        + pb_str(6, base.upper())
        + pb_str(7, "https://x.example/" + base)
        + pb_str(8, "ab" * 32)
        + pb_int(9, 6)
    )


def metadata_json(base: str) -> dict:
    return {
        "description": f"{base} token",
        "denom_units": [
            {"denom": base, "exponent": 0, "aliases": ["micro" + base]},
            {"denom": base.upper(), "exponent": 6, "aliases": []},
        ],
        "base": base,
        "display": base.upper(),
        "name": base.title(),
        "symbol": base.upper(),
        "uri": "https://x.example/" + base,
        "uri_hash": "ab" * 32,
        "decimals": 6,
    }


def test_balance_values_of_both_generations_and_metadata():
    """0.43–0.45 wrote ``Coin`` protos under the length-prefixed keys, 0.46+ math.Int text:
    one store may hold both (never migrated). Denoms sort as bytes ("Zeta" < "factory/…")."""
    store = {}
    for i, d in enumerate(DENOMS, 1):
        store[balance_key(A, d)] = coin(d, i * 1000) if i % 2 else str(i * 1000).encode()
        store[b"\x00" + d.encode()] = str(i * 5000).encode()
    store[balance_key(ADDR["eth"], "inj")] = coin("inj", 0)  # a kept zero balance (≤ 0.45)
    store[b"\x01inj"] = metadata("inj")  # 0.46+ key
    store[b"\x01Zeta"] = metadata("Zeta")
    bank = BankReader(build_app({"bank": store}))
    order = sorted(DENOMS, key=str.encode)
    amounts = {d: str(i * 1000) for i, d in enumerate(DENOMS, 1)}
    assert bank.balances(A, 7) == [Coin(d, amounts[d]) for d in order]
    assert bank.balance(A, "Zeta", 7) == Coin("Zeta", amounts["Zeta"]) and bank.balance(A, "zeta", 7) == Coin("zeta", "0")
    assert bank.balances(ADDR["eth"], 7) == [Coin("inj", "0")]
    assert bank.balances(ADDR["odd"], 7) == []
    assert bank.supply(7) == [Coin(d, str((DENOMS.index(d) + 1) * 5000)) for d in order]
    assert bank.denom_metadata(7) == [metadata_json("Zeta"), metadata_json("inj")]
    assert bank.denom_metadata_of("inj", 7) == metadata_json("inj") and bank.denom_metadata_of("usdt", 7) is None
    # bytes that are neither Int text nor a Coin
    bad = BankReader(build_app({"bank": {balance_key(A, "inj"): b"\x0a\xff\xff"}}))
    with pytest.raises(CorruptRecord):
        bad.balances(A, 7)


def vesting_app(balances: dict[str, dict[str, int]], seconds: int) -> AppStore:
    """acc: the SDK-encoded accounts of test_auth (original [1000inj, 50usdt], delegated_vesting
    [200inj], start 1.6e9, end 1.7e9; periodic: 400inj after 50e6 s, 600inj+50usdt after
    100e6 s); bank: ``balances``; the CommitInfo's block time ``seconds``."""
    accts = vesting_accounts()
    acc = {b"\x01" + ADDR[n]: any_(t, v) for n, (t, v) in accts.items()}
    bank = {balance_key(ADDR[n], d): str(a).encode() for n, coins in balances.items() for d, a in coins.items()}
    return build_app({"acc": acc, "bank": bank}, seconds=seconds)


def test_vesting_accounts_spendable_balances():
    """Hand-computed from the SDK 0.50 rules (no node can write these accounts here)."""
    held = {"inj": 900, "usdt": 50}
    names = ["cont", "delayed", "periodic", "locked", "plain"]
    quarter = START + (END - START) // 4
    sixty = START + 60_000_000
    cases = {
        # t <= start: nothing vested; locked = vesting - min(vesting, delegated_vesting)
        #   inj 1000-200 = 800, usdt 50 → spendable inj 100, usdt 0 (for every time-based kind)
        START: {"cont": [100, 0], "delayed": [100, 0], "periodic": [100, 0], "locked": [100, 0], "plain": [900, 50]},
        # a quarter through: continuous vested inj round(250)=250, usdt round(12.5)=12 (half to even)
        #   → vesting inj 750 usdt 38 → locked inj 550 usdt 38 → spendable inj 350 usdt 12;
        #   periodic: no period complete yet
        quarter: {"cont": [350, 12], "delayed": [100, 0], "periodic": [100, 0], "locked": [100, 0], "plain": [900, 50]},
        # 60e6 s in: periodic's first period (400inj) vested → vesting inj 600 → locked 400 → 500
        #   continuous: 0.6 → vested inj 600 usdt 30 → locked inj 400-200=200, usdt 20 → inj 700, usdt 30
        sixty: {"cont": [700, 30], "delayed": [100, 0], "periodic": [500, 0], "locked": [100, 0], "plain": [900, 50]},
        # at end: all vested, except a permanent lock
        END: {"cont": [900, 50], "delayed": [900, 50], "periodic": [900, 50], "locked": [100, 0], "plain": [900, 50]},
    }
    for t, want in cases.items():
        app = vesting_app({n: held for n in names}, seconds=t)
        bank = BankReader(app)
        auth = AuthReader(app, None)
        for n in names:
            expect = [Coin("inj", str(want[n][0])), Coin("usdt", str(want[n][1]))]
            assert bank.balances(ADDR[n], 7) == [Coin("inj", "900"), Coin("usdt", "50")]
            assert bank.spendable_balances(ADDR[n], 7) == expect, (t, n)
            # the same with the caller's account and an explicit block time
            assert bank.spendable_balances(ADDR[n], 7, account=auth.account(ADDR[n], 7), block_time=Time(t, 5)) == expect
    # SafeSub: a locked denom the account does not hold makes the whole difference negative:
    # the SDK then answers an empty spendable set, so every listed denom shows 0
    bank = BankReader(vesting_app({"delayed": {"inj": 900}}, seconds=START))
    assert bank.spendable_balances(ADDR["delayed"], 7) == [Coin("inj", "0")]
    assert BankReader(vesting_app({}, seconds=START)).spendable_balances(ADDR["delayed"], 7) == []


def test_spendable_needs_a_block_time_for_vesting_accounts():
    app = vesting_app({"cont": {"inj": 900}}, seconds=START)
    # a CommitInfo without timestamp (SDK <= 0.47): the caller must pass the block time
    from cometgraph.storage.proto import cosmos_store_pb2

    info = cosmos_store_pb2.CommitInfo.FromString(app.kv.data[b"s/7"])
    info.ClearField("timestamp")
    app.kv.data[b"s/7"] = info.SerializeToString()
    bank = BankReader(AppStore(app.kv))
    assert bank.block_time(7) is None
    with pytest.raises(InvalidInput, match="block_time"):
        bank.spendable_balances(ADDR["cont"], 7)
    assert bank.spendable_balances(ADDR["cont"], 7, block_time=END) == [Coin("inj", "900")]
    assert bank.spendable_balances(ADDR["plain"], 7) == []  # not vesting: no time needed

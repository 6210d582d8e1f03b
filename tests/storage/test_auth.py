"""Addresses and x/auth accounts against the node's own answers.

* ``addresses``: every address the oracle names (accounts, operators, consensus addresses
  of the signing infos) round-trips; malformed and wrong-prefix text is ``InvalidInput``
  saying what was expected.
* ``AuthReader`` on the sample chain at EVERY height of ``oracle.rest``: each recorded
  account's type URL, address, number, sequence and public key (type + base64 key) equal
  the REST ``accounts`` and ``account_info`` answers (None where the node said "not
  found"), the REST JSON itself, and the full ``/accounts`` listing in order.
* a copy pruned by ``injectived prune`` itself → ``Pruned``.
* the tm034 legacy chain (SDK 0.4x, ``globalAccountNumber``): accounts and the counter.
* vesting accounts and generic account types: Injective 1.20.1 refuses the vesting module
  (tests/devnet/README.md), so NO node of ours can write one. Their bytes are built here
  by hand from the SDK's own encoding (field numbers of cosmos/vesting/v1beta1/vesting.proto
  and cosmos/auth/v1beta1/auth.proto as compiled into injectived 1.20.1's descriptors),
  with a local protobuf encoder that does not use the reader's code, and read back through
  a synthetic application.db (the IAVL v1 node encoding of tests/storage/test_iavl.py).
"""

from __future__ import annotations

import base64
import struct
from collections import Counter

import pytest

from cometgraph.storage.app.addresses import (
    account_str,
    check_address,
    parse_account,
    parse_valcons,
    parse_valoper,
    valcons_str,
    valoper_str,
)
from cometgraph.storage.app.auth import Account, AuthReader, Period, VestingInfo, decode_account
from cometgraph.storage.app.store import AppStore
from cometgraph.storage.codec import bech32
from cometgraph.storage.errors import CorruptRecord, InvalidInput, NotFound, Pruned, UnknownFormat
from cometgraph.storage.models import Coin
from cometgraph.storage.prefixes import Prefixes
from cometgraph.storage.proto import cosmos_store_pb2

from .test_appstore import pruned  # noqa: F401  (fixture: a copy pruned by injectived itself)
from .test_iavl import MemKV, Synth


# ---------------------------------------------------------------- helpers
def rest_heights(oracle) -> list[int]:
    return sorted(int(h) for h in oracle.rest)


def not_found(answer: dict) -> bool:
    return answer.get("code") == 5 and "not found" in answer.get("message", "")


def innermost_base(a: dict) -> dict:
    while "account_number" not in a:
        a = next(v for k, v in a.items() if k.startswith("base_") and isinstance(v, dict))
    return a


@pytest.fixture(scope="module")
def auth(app, prefixes) -> AuthReader:
    return AuthReader(app, prefixes)


# ---------------------------------------------------------------- addresses
def test_every_oracle_address_round_trips(oracle, prefixes):
    assert prefixes.account == "inj"
    for name, a in oracle.workload["accounts"].items():
        raw = parse_account(a["address"], prefixes)
        assert len(raw) == 20 and account_str(raw, prefixes) == a["address"], name
        assert parse_account(a["address"].upper(), prefixes) == raw  # one case throughout is allowed
        if "valoper" in a:
            assert parse_valoper(a["valoper"], prefixes) == raw  # an operator is its account's bytes
            assert valoper_str(raw, prefixes) == a["valoper"]
    # the 32-byte account (module-derived) of the /accounts listing
    long = [innermost_base(x)["address"] for x in oracle.rest[str(max(rest_heights(oracle)))]["auth_accounts"]["accounts"]]
    thirty_two = [t for t in long if len(parse_account(t, prefixes)) == 32]
    assert thirty_two and all(account_str(parse_account(t, prefixes), prefixes) == t for t in thirty_two)


def test_consensus_addresses_of_the_signing_infos_are_the_validator_addresses(oracle, prefixes):
    for h in rest_heights(oracle):
        infos = {parse_valcons(i["address"], prefixes) for i in oracle.rest[str(h)]["signing_infos"]["info"]}
        cons = {bytes.fromhex(v["address"]) for v in oracle.validators[str(h)]["validators"]}
        assert cons and cons <= infos, h
        for c in cons:
            assert parse_valcons(valcons_str(c, prefixes), prefixes) == c


def test_malformed_and_wrong_prefix_addresses_are_invalid_input(oracle, prefixes):
    acc = oracle.workload["accounts"]["alice"]["address"]
    valoper = oracle.workload["accounts"]["validator"]["valoper"]
    valcons = oracle.rest[str(max(rest_heights(oracle)))]["signing_infos"]["info"][0]["address"]
    expect_acc = "expected an address starting inj1…"
    cases = [
        valoper,  # right checksum, wrong kind
        valcons,
        bech32.encode("cosmos", parse_account(acc, prefixes)),  # another chain's prefix
        acc[:-1] + ("q" if acc[-1] != "q" else "p"),  # checksum broken
        acc[:5] + acc[5:].upper(),  # mixed case
        acc.replace("1", "b", 1),  # no separator left where it was
        "inj1",
        "",
        "   ",
        "inj1" + "b" * 10,  # invalid characters
        "0x" + "ab" * 20,  # hex is not bech32
        bech32.encode("inj", b""),  # empty payload
        bech32.encode("inj", b"\x01" * 256),  # longer than the SDK's 255
        acc + " ",
    ]
    for text in cases:
        with pytest.raises(InvalidInput) as e:
            parse_account(text, prefixes)
        assert expect_acc in str(e.value), text
    with pytest.raises(InvalidInput, match="expected a validator operator address starting injvaloper1…"):
        parse_valoper(acc, prefixes)
    with pytest.raises(InvalidInput, match="expected a consensus address starting injvalcons1…"):
        parse_valcons(valoper, prefixes)
    for bad in (None, 42, b"inj1abc"):
        with pytest.raises(InvalidInput, match="expected an address"):
            parse_account(bad, prefixes)  # type: ignore[arg-type]
    assert len(parse_account(bech32.encode("inj", b"\x07" * 255), prefixes)) == 255
    for bad in (b"", b"\x01" * 256, "abc", None):
        with pytest.raises(InvalidInput):
            check_address(bad)  # type: ignore[arg-type]


# ---------------------------------------------------------------- accounts vs the node, every recorded height
def test_every_account_equals_the_rest_at_every_recorded_height(auth, oracle, prefixes):
    seen_kinds, seen_keys, missing = set(), set(), 0
    for h in rest_heights(oracle):
        rest = oracle.rest[str(h)]
        for text, answer in rest["accounts"].items():
            got = auth.account(parse_account(text, prefixes), h)
            info = rest["account_info"][text]
            if not_found(answer):
                assert got is None and not_found(info), (h, text)
                missing += 1
                continue
            want = answer["account"]
            base = innermost_base(want)
            assert got.type_url == want["@type"]
            assert got.address == base["address"] == text
            assert got.account_number == int(base["account_number"])
            assert got.sequence == int(base["sequence"])
            pk = base["pub_key"]
            if pk is None:
                assert got.pub_key_type is None and got.pub_key is None
            else:
                assert got.pub_key_type == pk["@type"]
                if "key" in pk:  # single keys: the bytes of PubKey.key
                    assert base64.b64encode(got.pub_key).decode() == pk["key"]
                else:  # multisig: the raw Any value, rendering as the node's JSON
                    assert auth.registry.message_json(got.pub_key_type, got.pub_key) == pk
                seen_keys.add(pk["@type"])
            if want["@type"].endswith("ModuleAccount"):
                assert got.module_name == want["name"] and got.permissions == tuple(want["permissions"])
            else:
                assert got.module_name is None and got.permissions == ()
            assert got.vesting is None
            assert auth.to_json(got) == want  # the whole REST object
            assert auth.account_json(parse_account(text, prefixes), h) == want
            # account_info: the same numbers and key for any account type
            assert auth.info_json(got, text) == info["info"]
            seen_kinds.add(got.type_url)
    assert missing > 0  # height 2 precedes carol, dave, erin, frank and msig
    assert {"/injective.types.v1beta1.EthAccount", "/cosmos.auth.v1beta1.ModuleAccount"} <= seen_kinds
    assert {
        "/injective.crypto.v1beta1.ethsecp256k1.PubKey",
        "/cosmos.crypto.secp256k1.PubKey",
        "/cosmos.crypto.multisig.LegacyAminoPubKey",
    } <= seen_keys


def test_account_listing_equals_the_rest_in_order(auth, oracle, prefixes):
    for h in rest_heights(oracle):
        want = oracle.rest[str(h)]["auth_accounts"]["accounts"]
        listed = list(auth.iterate_accounts(h))
        assert [auth.to_json(a) for a in listed] == want, h
        assert [auth.to_json(a) for a in auth.iterate_accounts(h, reverse=True)] == want[::-1]
        # the counter hands out numbers in order; the number index points back at each account
        numbers = sorted(a.account_number for a in listed)
        assert auth.next_account_number(h) == numbers[-1] + 1
        by_number = {a.account_number: a.address for a in listed}
        for n, text in by_number.items():
            assert auth.address_by_number(n, h) == parse_account(text, prefixes)
        assert auth.address_by_number(numbers[-1] + 1, h) is None


def test_accounts_batch_is_one_get_many_per_level(auth, app, oracle, prefixes):
    h = max(rest_heights(oracle))
    texts = list(oracle.rest[str(h)]["accounts"]) + [bech32.encode("inj", b"\x42" * 20)]
    addrs = [parse_account(t, prefixes) for t in texts]
    one_by_one = [auth.account(a, h) for a in addrs]
    assert one_by_one[-1] is None and all(a is not None for a in one_by_one[:-1])
    tree = app.tree("acc", h)
    kv = app.kv
    before = dict(kv.stats)
    assert auth.accounts(addrs, h) == one_by_one
    spent = Counter(kv.stats)
    spent.subtract(before)  # a Counter: a kind of call never made counts 0
    # the walk: one get_many per level below the root, plus opening the tree (root slot, maybe a reference)
    assert spent.get("get_many", 0) + spent.get("get", 0) <= tree.height + 2
    assert auth.accounts([], h) == []


def test_bad_inputs_and_versions(auth, app, oracle, prefixes):
    alice = parse_account(oracle.workload["accounts"]["alice"]["address"], prefixes)
    top = app.latest_version()
    with pytest.raises(NotFound) as e:
        auth.account(alice, top + 1)
    assert not isinstance(e.value, Pruned)
    for bad in (0, -1, None):
        with pytest.raises(InvalidInput):
            auth.account(alice, bad)  # type: ignore[arg-type]
    for bad in (b"", "inj1…", b"\x00" * 256):
        with pytest.raises(InvalidInput):
            auth.account(bad, top)  # type: ignore[arg-type]
        with pytest.raises(InvalidInput):
            auth.accounts([alice, bad], top)  # type: ignore[list-item]
    with pytest.raises(InvalidInput):
        auth.address_by_number(-1, top)
    # a value that is no Any at all
    with pytest.raises(CorruptRecord):
        auth._decode(b"\x01" + alice, b"\xff\xff\xff")


def test_pruned_version_raises_pruned(pruned, oracle, prefixes, auth):  # noqa: F811
    app, first_kept = pruned
    reader = AuthReader(app, prefixes)
    alice = parse_account(oracle.workload["accounts"]["alice"]["address"], prefixes)
    with pytest.raises(Pruned) as e:
        reader.account(alice, first_kept - 1)
    assert e.value.base == first_kept and e.value.height == first_kept - 1
    with pytest.raises(Pruned):
        reader.accounts([alice], 1)
    with pytest.raises(Pruned):
        list(reader.iterate_accounts(first_kept - 1))
    for v in (first_kept, app.latest_version()):
        assert reader.account(alice, v) == auth.account(alice, v)


# ---------------------------------------------------------------- tm034: SDK 0.4x accounts
@pytest.mark.legacy
def test_legacy_accounts_and_counter(tm034_kv):
    app = AppStore(tm034_kv("application"))
    v = app.latest_version()
    reader = AuthReader(app, Prefixes.from_account("onomy"))
    accounts = list(reader.iterate_accounts(v))
    assert accounts and {a.type_url for a in accounts} == {"/cosmos.auth.v1beta1.BaseAccount", "/cosmos.auth.v1beta1.ModuleAccount"}
    for a in accounts:
        hrp, raw = bech32.decode(a.address)
        assert hrp == "onomy" and reader.account(raw, v) == a
        if a.module_name is not None:  # a module account's address is sha256(name)[:20]
            import hashlib

            assert raw == hashlib.sha256(a.module_name.encode()).digest()[:20]
    numbers = sorted(a.account_number for a in accounts)
    assert numbers == list(range(len(numbers)))
    # SDK <= 0.47 keeps the counter under "globalAccountNumber" (a UInt64Value)
    assert reader.next_account_number(v) == numbers[-1] + 1
    assert reader.address_by_number(0, v) is None  # no number index before 0.47


# ---------------------------------------------------------------- hand-built SDK encodings
def _uv(n: int) -> bytes:
    out = b""
    while n >= 0x80:
        out += bytes([(n & 0x7F) | 0x80])
        n >>= 7
    return out + bytes([n])


def pb_bytes(field: int, data: bytes) -> bytes:
    return _uv(field << 3 | 2) + _uv(len(data)) + data


def pb_int(field: int, value: int) -> bytes:
    return _uv(field << 3) + _uv(value & (1 << 64) - 1) if value else b""


def pb_str(field: int, text: str) -> bytes:
    return pb_bytes(field, text.encode()) if text else b""


def any_(type_url: str, value: bytes) -> bytes:
    return pb_str(1, type_url) + pb_bytes(2, value)


def coin(denom: str, amount: int) -> bytes:  # cosmos.base.v1beta1.Coin{denom=1, amount=2}
    return pb_str(1, denom) + pb_str(2, str(amount))


def base_account(address: str, number: int, sequence: int, pub_key: bytes | None = None) -> bytes:
    # cosmos.auth.v1beta1.BaseAccount{address=1, pub_key=2 Any, account_number=3, sequence=4}
    return pb_str(1, address) + (pb_bytes(2, pub_key) if pub_key is not None else b"") + pb_int(3, number) + pb_int(4, sequence)


def base_vesting(base: bytes, original, free, delegated, end: int) -> bytes:
    # BaseVestingAccount{base_account=1, original_vesting=2, delegated_free=3, delegated_vesting=4, end_time=5}
    out = pb_bytes(1, base)
    for f, coins in ((2, original), (3, free), (4, delegated)):
        out += b"".join(pb_bytes(f, coin(d, a)) for d, a in coins)
    return out + pb_int(5, end)


SECP = "/cosmos.crypto.secp256k1.PubKey"
KEY = bytes([2]) + bytes(range(1, 33))
ADDR = {name: bytes([i]) * 20 for i, name in enumerate(["cont", "delayed", "periodic", "locked", "eth", "ica", "odd", "plain"], 1)}
P = Prefixes.from_account("inj")
TEXT = {name: bech32.encode("inj", raw) for name, raw in ADDR.items()}
END, START = 1_700_000_000, 1_600_000_000


def vesting_accounts() -> dict[str, tuple[str, bytes]]:
    """name → (type URL, value) of one account of each kind, as the SDK encodes them."""
    pk = any_(SECP, pb_bytes(1, KEY))

    def bva(name, number):
        return base_vesting(
            base_account(TEXT[name], number, 3, pk),
            original=[("inj", 1000), ("usdt", 50)],
            free=[("inj", 10)],
            delegated=[("inj", 200)],
            end=END,
        )

    period = lambda length, amounts: b"".join([pb_int(1, length)] + [pb_bytes(2, coin(d, a)) for d, a in amounts])  # noqa: E731
    return {
        "cont": ("/cosmos.vesting.v1beta1.ContinuousVestingAccount", pb_bytes(1, bva("cont", 1)) + pb_int(2, START)),
        "delayed": ("/cosmos.vesting.v1beta1.DelayedVestingAccount", pb_bytes(1, bva("delayed", 2))),
        "periodic": (
            "/cosmos.vesting.v1beta1.PeriodicVestingAccount",
            pb_bytes(1, bva("periodic", 3))
            + pb_int(2, START)
            + pb_bytes(3, period(50_000_000, [("inj", 400)]))
            + pb_bytes(3, period(50_000_000, [("inj", 600), ("usdt", 50)])),
        ),
        "locked": ("/cosmos.vesting.v1beta1.PermanentLockedAccount", pb_bytes(1, bva("locked", 4))),
        # ethermint's EthAccount: {base_account=1, code_hash=2 string} — a type cometgraph does not know
        "eth": ("/ethermint.types.v1.EthAccount", pb_bytes(1, base_account(TEXT["eth"], 5, 1, pk)) + pb_str(2, "0xc5d2")),
        # ICA InterchainAccount{base_account=1, account_owner=2}, wrapped once more to need two levels
        "ica": ("/some.chain.v1.Wrapper", pb_bytes(1, pb_bytes(1, base_account(TEXT["ica"], 6, 0)) + pb_str(2, "owner"))),
        "plain": ("/cosmos.auth.v1beta1.BaseAccount", base_account(TEXT["plain"], 8, 2, pk)),
    }


def test_vesting_kinds_decode_from_sdk_encoded_bytes():
    """Injective 1.20.1 refuses the vesting module, so these bytes are built by this test from
    the SDK's own encoding (vesting.proto field numbers), not written by a node."""
    accts = vesting_accounts()
    common = dict(
        original_vesting=(Coin("inj", "1000"), Coin("usdt", "50")),
        delegated_free=(Coin("inj", "10"),),
        delegated_vesting=(Coin("inj", "200"),),
        end_time=END,
    )
    want = {
        "cont": VestingInfo(**common, start_time=START, periods=()),
        "delayed": VestingInfo(**common, start_time=None, periods=()),
        "periodic": VestingInfo(
            **common,
            start_time=START,
            periods=(Period(50_000_000, (Coin("inj", "400"),)), Period(50_000_000, (Coin("inj", "600"), Coin("usdt", "50")))),
        ),
        "locked": VestingInfo(**common, start_time=None, periods=()),
    }
    for number, (name, info) in enumerate(want.items(), 1):
        type_url, value = accts[name]
        got = decode_account(type_url, value, ADDR[name], P)
        assert got == Account(
            address=TEXT[name],
            type_url=type_url,
            account_number=number,
            sequence=3,
            pub_key_type=SECP,
            pub_key=KEY,
            module_name=None,
            permissions=(),
            vesting=info,
            value=value,
            pub_key_value=pb_bytes(1, KEY),
        )
    # the REST JSON of one (gogoproto jsonpb: int64 as strings, every field, empty lists)
    type_url, value = accts["cont"]
    reader = AuthReader(None, P)  # type: ignore[arg-type]  (to_json reads no store)
    assert reader.to_json(decode_account(type_url, value, ADDR["cont"], P)) == {
        "@type": type_url,
        "base_vesting_account": {
            "base_account": {
                "address": TEXT["cont"],
                "pub_key": {"@type": SECP, "key": base64.b64encode(KEY).decode()},
                "account_number": "1",
                "sequence": "3",
            },
            "original_vesting": [{"denom": "inj", "amount": "1000"}, {"denom": "usdt", "amount": "50"}],
            "delegated_free": [{"denom": "inj", "amount": "10"}],
            "delegated_vesting": [{"denom": "inj", "amount": "200"}],
            "end_time": str(END),
        },
        "start_time": str(START),
    }


def test_unknown_account_types_are_read_through_their_base_account():
    accts = vesting_accounts()
    eth = decode_account(*accts["eth"], ADDR["eth"], P)
    assert (eth.type_url, eth.address, eth.account_number, eth.sequence, eth.pub_key_type, eth.pub_key) == (
        "/ethermint.types.v1.EthAccount",
        TEXT["eth"],
        5,
        1,
        SECP,
        KEY,
    )
    ica = decode_account(*accts["ica"], ADDR["ica"], P)
    assert (ica.address, ica.account_number, ica.pub_key_type) == (TEXT["ica"], 6, None)
    # a BaseAccount-shaped unknown type is a BaseAccount
    plain_shape = decode_account("/x.y.Account", accts["plain"][1], ADDR["plain"], P)
    assert plain_shape.account_number == 8 and plain_shape.pub_key == KEY
    # field 1 holds a BaseAccount of ANOTHER address, or nothing like one: refused
    with pytest.raises(UnknownFormat, match="/ethermint.types.v1.EthAccount"):
        decode_account(accts["eth"][0], accts["eth"][1], ADDR["odd"], P)
    with pytest.raises(UnknownFormat):
        decode_account("/x.y.Other", pb_int(1, 5) + pb_str(2, "zz"), ADDR["odd"], P)


# ---------------------------------------------------------------- a synthetic application.db
def build_app(stores: dict[str, dict[bytes, bytes]], version: int = 7, seconds: int = END - 1) -> AppStore:
    """An application.db holding ``stores`` at ``version`` as iavl v1 trees (one node each)."""
    data: dict[bytes, bytes] = {}
    info = cosmos_store_pb2.CommitInfo(version=version)
    info.timestamp.seconds = seconds
    for name, items in sorted(stores.items()):
        s = Synth(b"s/k:" + name.encode() + b"/")
        nonce = iter(range(2, 1 << 30))

        def build(keys, root=False):
            if len(keys) == 1:
                return s.v1_leaf(keys[0], items[keys[0]], version, 1 if root else next(nonce))
            mid = len(keys) // 2
            left, right = build(keys[:mid]), build(keys[mid:])
            return s.v1_inner(keys[mid], version, 1 if root else next(nonce), left, right)

        if items:
            build(sorted(items), root=True)
        else:
            s.slot(version, b"")  # an empty tree
        data.update(s.data)
        si = info.store_infos.add(name=name)
        si.commit_id.version = version
        si.commit_id.hash = b"\x00" * 32
    data[b"s/latest"] = struct.pack("B", 0x08) + _uv(version)
    data[b"s/%d" % version] = info.SerializeToString()
    return AppStore(MemKV(data))


def test_vesting_and_generic_accounts_through_the_store():
    """The same SDK-encoded accounts (built by this test: no Injective node can hold them),
    read from a synthetic acc store; the SDK 0.50 counter key 0x02 holds BE64."""
    accts = vesting_accounts()
    store = {b"\x01" + ADDR[n]: any_(t, v) for n, (t, v) in accts.items()}
    store[b"\x02"] = struct.pack(">Q", 9)
    store[b"accountNumber" + struct.pack(">Q", 4)] = ADDR["locked"]
    app = build_app({"acc": store})
    reader = AuthReader(app, P)
    names = list(accts)
    got = reader.accounts([ADDR[n] for n in names] + [ADDR["odd"]], 7)
    assert got[-1] is None
    for n, a in zip(names, got):
        assert a == decode_account(*accts[n], ADDR[n], P) and a.address == TEXT[n]
    assert [a.address for a in reader.iterate_accounts(7)] == [TEXT[n] for n in sorted(names, key=lambda n: ADDR[n])]
    assert reader.next_account_number(7) == 9
    assert reader.address_by_number(4, 7) == ADDR["locked"]
    # an Any whose value does not parse as the type it names
    bad = build_app({"acc": {b"\x01" + ADDR["odd"]: any_("/cosmos.auth.v1beta1.BaseAccount", b"\x0a\xff")}})
    with pytest.raises(CorruptRecord):
        AuthReader(bad, P).account(ADDR["odd"], 7)

"""bech32, keccak256, ripemd160 and the account-address rules, on published vectors and on
the sample chain's own keys and addresses."""

from __future__ import annotations

import base64
import hashlib

import pytest

from cometgraph.storage.codec import bech32
from cometgraph.storage.codec.bech32 import Bech32Error
from cometgraph.storage.codec.hashes import keccak256, ripemd160
from cometgraph.storage.codec.signers import pubkey_address

# ================================================================ bech32 (BIP-173 test vectors)
BIP173_VALID = [
    "A12UEL5L",
    "a12uel5l",
    "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
    "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
    "11" + "q" * 82 + "c8247j",  # 90 characters: the BIP-173 maximum
    "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
    "?1ezyfcl",
]

BIP173_INVALID = {
    "\x201nwldj5": "HRP character out of range",
    "\x7f1axkwrx": "HRP character out of range",
    "\x801eym55h": "HRP character out of range",
    "an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx": "overall max length exceeded",
    "pzry9x0s0muk": "no separator character",
    "1pzry9x0s0muk": "empty HRP",
    "x1b4n0q5v": "invalid data character",
    "li1dgmt3": "too short checksum",
    "de1lg7wt\xff": "invalid character in checksum",
    "A1G7SGD8": "checksum calculated with uppercase form of HRP",
    "10a06t8": "empty HRP",
    "1qzzfhee": "empty HRP",
}

# BIP-350 (bech32m) valid strings: a different checksum constant, so NOT bech32 (Cosmos uses bech32)
BIP350_VALID = ["A1LQFN3A", "a1lqfn3a", "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx", "?1v759aa"]

# BIP-173 segwit addresses: (address, hrp, witness version, witness program)
BIP173_SEGWIT = [
    ("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "bc", 0, "751e76e8199196d454941c45d1b3a323f1433bd6"),
    (
        "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
        "tb",
        0,
        "1863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262",
    ),
]


@pytest.mark.parametrize("text", BIP173_VALID)
def test_bip173_valid_strings_decode_and_reencode(text):
    assert len(text) <= 90
    hrp, words = bech32.decode_words(text)
    assert hrp == text[: text.rfind("1")].lower()
    assert all(0 <= w < 32 for w in words)
    assert bech32.encode_words(hrp, words) == text.lower()


# the reason BIP-173 gives → what bech32.py says
REFUSAL = {
    "HRP character out of range": "outside US-ASCII",
    "overall max length exceeded": "longer than 90",
    "no separator character": "missing or empty human-readable part",
    "empty HRP": "missing or empty human-readable part",
    "invalid data character": "invalid data character",
    "too short checksum": "too short checksum",
    "invalid character in checksum": "outside US-ASCII",
    "checksum calculated with uppercase form of HRP": "invalid checksum",
}


@pytest.mark.parametrize("text", sorted(BIP173_INVALID), ids=lambda t: BIP173_INVALID[t].replace(" ", "-"))
def test_bip173_invalid_strings_are_refused(text):
    with pytest.raises(Bech32Error, match=REFUSAL[BIP173_INVALID[text]]):
        bech32.decode_words(text, limit=90)
    if len(text) <= 90:  # the same answer without the 90-character limit
        with pytest.raises(Bech32Error):
            bech32.decode(text)


@pytest.mark.parametrize("text", BIP350_VALID)
def test_bech32m_strings_fail_the_bech32_checksum(text):
    with pytest.raises(Bech32Error, match="checksum"):
        bech32.decode_words(text)


def test_mixed_case_is_refused_and_one_case_is_not():
    with pytest.raises(Bech32Error, match="mixed case"):
        bech32.decode_words("a12UEL5L")
    with pytest.raises(Bech32Error, match="mixed case"):
        bech32.decode_words("A12uEL5L")
    assert bech32.decode_words("A12UEL5L") == bech32.decode_words("a12uel5l") == ("a", [])


def test_abcdef_vector_carries_the_whole_alphabet():
    """``abcdef1qpzry9x…`` holds the data words 0..31 in order (the charset itself)."""
    hrp, words = bech32.decode_words("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw")
    assert (hrp, words) == ("abcdef", list(range(32)))
    # 32 words x 5 bits = 20 bytes, converted here bit by bit
    expected = int("".join(f"{w:05b}" for w in range(32)), 2).to_bytes(20, "big")
    assert expected.hex() == "00443214c74254b635cf84653a56d7c675be77df"
    assert bech32.decode("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw") == ("abcdef", expected)
    assert bech32.encode("abcdef", expected) == "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw"


@pytest.mark.parametrize("address, hrp, version, program", BIP173_SEGWIT)
def test_bip173_segwit_programs_of_20_and_32_bytes(address, hrp, version, program):
    got_hrp, words = bech32.decode_words(address)
    assert got_hrp == hrp
    assert words[0] == version
    assert bytes(bech32.convertbits(words[1:], 5, 8, False)).hex() == program
    assert bech32.encode_words(hrp, [version, *bech32.convertbits(bytes.fromhex(program), 8, 5, True)]) == address.lower()


@pytest.mark.parametrize("size", [20, 32])
def test_cosmos_round_trip_of_20_and_32_byte_payloads(size):
    payload = bytes((7 * i + 3) % 256 for i in range(size))
    text = bech32.encode("inj", payload)
    assert text.startswith("inj1")
    assert len(text) == 4 + (size * 8 + 4) // 5 + 6  # hrp, "1", data words, checksum
    assert bech32.decode(text) == ("inj", payload)
    assert bech32.decode(text.upper()) == ("inj", payload)
    assert bech32.encode("INJ", payload) == text  # an upper-case HRP is the same HRP
    # one changed character breaks the checksum
    bad = text[:-1] + ("q" if text[-1] != "q" else "p")
    with pytest.raises(Bech32Error, match="checksum"):
        bech32.decode(bad)


def test_cosmos_decodes_past_the_90_character_limit_bip173_does_not():
    payload = bytes(range(64))  # 64 bytes: 113 characters with "inj"
    text = bech32.encode("inj", payload)
    assert len(text) == 113
    assert bech32.decode(text) == ("inj", payload)  # the SDK's DecodeNoLimit behaviour
    with pytest.raises(Bech32Error, match="longer than 90"):
        bech32.decode(text, limit=90)
    with pytest.raises(Bech32Error, match="longer than 90"):
        bech32.decode_words(text)  # BIP-173's own limit is the default there
    # BIP-173's 91-character vector is refused only for its length
    an84 = next(t for t, why in BIP173_INVALID.items() if why == "overall max length exceeded")
    assert len(an84) == 91
    assert bech32.decode(an84) == (an84[: an84.rfind("1")], b"")
    assert bech32.COSMOS_LIMIT == 1023
    huge = bech32.encode("inj", bytes(700))
    assert len(huge) > bech32.COSMOS_LIMIT
    with pytest.raises(Bech32Error, match="longer than 1023"):
        bech32.decode(huge)


def test_padding_rules_of_the_8_to_5_bit_conversion():
    # 32 bytes = 256 bits = 51 words + 1 bit: the last word carries 4 zero padding bits
    words = bech32.convertbits(bytes(range(32)), 8, 5, True)
    assert len(words) == 52
    assert bytes(bech32.convertbits(words, 5, 8, False)) == bytes(range(32))
    nonzero_pad = bech32.encode_words("inj", [*words[:-1], words[-1] | 1])
    with pytest.raises(Bech32Error, match="padding"):
        bech32.decode(nonzero_pad)
    # 5 or more leftover bits (a whole spare word) are refused too: 20 bytes are 32 words
    twenty = bech32.convertbits(bytes(range(20)), 8, 5, True)
    assert len(twenty) == 32
    with pytest.raises(Bech32Error, match="padding"):
        bech32.decode(bech32.encode_words("inj", [*twenty, 0]))
    with pytest.raises(Bech32Error):
        bech32.convertbits([32], 5, 8, True)  # not a 5-bit value
    for hrp in ("", "Inj", "in j"):
        with pytest.raises(Bech32Error):
            bech32.encode(hrp, b"\x00" * 20)


def test_the_chains_own_addresses_round_trip(oracle):
    accounts = oracle.workload["accounts"]
    seen = 0
    for acc in accounts.values():
        for key in ("address", "valoper"):
            if key in acc:
                hrp, payload = bech32.decode(acc[key])
                assert len(payload) in (20, 32)
                assert bech32.encode(hrp, payload) == acc[key]
                seen += 1
    assert seen >= len(accounts)
    # an operator address and its account address share the same 20 bytes
    for acc in accounts.values():
        if "valoper" in acc:
            assert bech32.decode(acc["valoper"])[1] == bech32.decode(acc["address"])[1]


# ================================================================ keccak256
KECCAK256 = [
    (b"", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"),
    (b"abc", "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"),
    (b"The quick brown fox jumps over the lazy dog", "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15"),
    # the ERC-20 Transfer event topic
    (b"Transfer(address,address,uint256)", "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"),
    # Keccak submission ShortMsgKAT_256, Len = 8
    (bytes.fromhex("cc"), "eead6dbfc7340a56caedc044696a168870549a6a7f6f56961e84a54bd9970b8a"),
    # Keccak submission ShortMsgKAT_256, Len = 1928: 241 bytes, two 136-byte blocks
    (
        bytes.fromhex(
            "6172f1971a6e1e4e6170afbad95d5fec99bf69b24b674bc17dd78011615e502de6f56b86b1a71d3f4348087218ac7b7d"
            "09302993be272e4a591968aef18a1262d665610d1070ee91cc8da36e1f841a69a7a682c580e836941d21d909a3afc1f0"
            "b963e1ca5ab193e124a1a53df1c587470e5881fb54dae1b0d840f0c8f9d1b04c645ba1041c7d8dbf22030a623aa15638"
            "b3d99a2c400ff76f3252079af88d2b37f35ee66c1ad7801a28d3d388ac450b97d5f0f79e4541755356b3b1a5696b023f"
            "39ab7ab5f28df4202936bc97393b93bc915cb159ea1bd7a0a414cb4b7a1ac3af68f50d79f0c9c7314e750f7d02faa58bfa"
        ),
        "4ea524e705020284b18284e34683725590e1ee565a6ff598ed4d42b1c987471e",
    ),
]


@pytest.mark.parametrize("data, digest", KECCAK256, ids=[f"{len(d)}B" for d, _ in KECCAK256])
def test_keccak256_known_answers(data, digest):
    assert len(KECCAK256[-1][0]) == 241
    assert keccak256(data).hex() == digest


def test_keccak256_function_selectors():
    assert keccak256(b"transfer(address,uint256)")[:4].hex() == "a9059cbb"
    assert keccak256(b"balanceOf(address)")[:4].hex() == "70a08231"


# ================================================================ ripemd160
RIPEMD160 = [
    (b"", "9c1185a5c5e9fc54612808977ee8f548b2258d31"),
    (b"a", "0bdc9d2d256b3ee9daae347be6f4dc835a467ffe"),
    (b"abc", "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc"),
    (b"message digest", "5d0689ef49d2fae572b881b123a85ffa21595f36"),
    (b"abcdefghijklmnopqrstuvwxyz", "f71c27109c692c1b56bbdceb5b9d2865b3708dbc"),
    (b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "12a053384a9c0c88e405a06c27dcf49ada62eb2b"),
    (b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "b0e20b6e3116640286ed3a87a5713079b21f5189"),
    (b"1234567890" * 8, "9b752e45573d4b39f4dbd3323cab82bf63326bfb"),
]
RIPEMD160_MILLION_A = "52783243c1697bdbe16d37f97f68f08325dc1528"


@pytest.mark.parametrize("data, digest", RIPEMD160, ids=[f"{len(d)}B" for d, _ in RIPEMD160])
def test_ripemd160_known_answers(data, digest):
    assert ripemd160(data).hex() == digest


def test_ripemd160_million_a():
    assert ripemd160(b"a" * 1_000_000).hex() == RIPEMD160_MILLION_A


# ================================================================ address rules
SECP256K1_P = 2**256 - 2**32 - 977
G_X = 0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798
G_Y = 0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8
ETH_KEY_TYPES = ("/injective.crypto.v1beta1.ethsecp256k1.PubKey", "/ethermint.crypto.v1.ethsecp256k1.PubKey")


def _decompress(key: bytes) -> bytes:
    """X‖Y of a compressed secp256k1 key, computed here (not with the code under test)."""
    assert len(key) == 33 and key[0] in (2, 3)
    x = int.from_bytes(key[1:], "big")
    y = pow((x**3 + 7) % SECP256K1_P, (SECP256K1_P + 1) // 4, SECP256K1_P)
    assert (y * y - x**3 - 7) % SECP256K1_P == 0, "not on the curve"
    if y % 2 != key[0] % 2:
        y = SECP256K1_P - y
    return x.to_bytes(32, "big") + y.to_bytes(32, "big")


@pytest.mark.parametrize("key_type", ETH_KEY_TYPES)
def test_eth_secp256k1_address_of_the_generator_point(key_type):
    """Private key 1 → public key G → the well-known Ethereum address 0x7E5F…5Bdf."""
    compressed = b"\x02" + G_X.to_bytes(32, "big")  # G's y is even
    uncompressed = b"\x04" + G_X.to_bytes(32, "big") + G_Y.to_bytes(32, "big")
    assert _decompress(compressed) == uncompressed[1:]
    want = bytes.fromhex("7e5f4552091a69125d5dfcb7b8c2659029395bdf")
    assert pubkey_address(key_type, compressed) == want
    assert pubkey_address(key_type, uncompressed) == want
    # the other y (prefix 03) is -G, a different account
    minus_g = G_X.to_bytes(32, "big") + (SECP256K1_P - G_Y).to_bytes(32, "big")
    assert pubkey_address(key_type, b"\x03" + G_X.to_bytes(32, "big")) == keccak256(minus_g)[12:]


def test_address_rules_refuse_keys_they_cannot_read():
    eth = ETH_KEY_TYPES[0]
    assert pubkey_address(eth, b"\x02" + (5).to_bytes(32, "big")) is None  # x = 5: no point on the curve
    assert pubkey_address(eth, b"\x02" + SECP256K1_P.to_bytes(32, "big")) is None  # x ≥ p
    assert pubkey_address(eth, b"\x05" + G_X.to_bytes(32, "big")) is None  # bad prefix
    assert pubkey_address(eth, G_X.to_bytes(32, "big")) is None  # bad length
    assert pubkey_address("/cosmos.crypto.secp256k1.PubKey", b"\x02" * 32) is None
    assert pubkey_address("/cosmos.crypto.ed25519.PubKey", b"\x00" * 33) is None
    assert pubkey_address("/cosmos.crypto.multisig.LegacyAminoPubKey", b"\x08\x01") is None
    assert pubkey_address("", b"") is None


def test_cosmos_secp256k1_address_is_ripemd160_of_sha256():
    key = b"\x02" + G_X.to_bytes(32, "big")
    sha = hashlib.sha256(key).digest()
    assert pubkey_address("/cosmos.crypto.secp256k1.PubKey", key) == ripemd160(sha)
    # the published address of private key 1's compressed public key (Bitcoin's 1BgGZ9tc…)
    assert ripemd160(sha).hex() == "751e76e8199196d454941c45d1b3a323f1433bd6"


def test_ed25519_rule_gives_the_nodes_validator_addresses(oracle):
    """CometBFT's validator address is sha256(ed25519 key)[:20]: checked on every validator."""
    seen = 0
    for answer in oracle.validators.values():
        for val in answer["validators"]:
            if val["pub_key"]["type"] != "tendermint/PubKeyEd25519":
                continue
            key = base64.b64decode(val["pub_key"]["value"])
            assert pubkey_address("/cosmos.crypto.ed25519.PubKey", key).hex().upper() == val["address"]
            seen += 1
    assert seen


def test_signer_keys_give_the_chains_signer_addresses(oracle):
    """For every signer of every tx: the public key the REST prints → the address rule →
    bech32 with the chain's HRP equals the signer address the node indexed in tx.acc_seq.
    Injective's eth_secp256k1 keys are derived independently here (decompression, keccak)."""
    eth_checked = 0
    for tx_hash, rest in oracle.rest_txs.items():
        events = oracle.txs[tx_hash]["tx_result"]["events"]
        acc_seq = [a["value"].rsplit("/", 1)[0] for e in events if e["type"] == "tx" for a in e["attributes"] if a["key"] == "acc_seq"]
        senders = {a["value"] for e in events if e["type"] == "message" for a in e["attributes"] if a["key"] == "sender"}
        infos = rest["tx"]["auth_info"]["signer_infos"]
        assert len(infos) == len(acc_seq), tx_hash
        for info, addr in zip(infos, acc_seq, strict=True):
            pub = info["public_key"]
            if pub is None or "key" not in pub:
                continue  # no key or a multisig: covered by test_tx_codec's signer fallback
            hrp, want = bech32.decode(addr)
            key = base64.b64decode(pub["key"])
            if pub["@type"] in ETH_KEY_TYPES:
                independent = keccak256(_decompress(key))[12:]
                assert bech32.encode(hrp, independent) == addr, tx_hash
                eth_checked += 1
            got = pubkey_address(pub["@type"], key)
            assert got is not None, f"{tx_hash}: no address rule for {pub['@type']}"
            assert bech32.encode(hrp, got) == addr, tx_hash
            assert got == want
            assert addr in senders, tx_hash  # the node's message.sender
        for msg in rest["tx"]["body"]["messages"]:
            if msg["@type"] == "/cosmos.bank.v1beta1.MsgSend":
                assert msg["from_address"] in acc_seq, tx_hash
    assert eth_checked, "the sample chain has no eth_secp256k1 signer"

"""Keys and signatures of the three schemes, key files and the encrypted keystore, against
published test vectors (RFC 8032, RFC 6979) and independent implementations."""

from __future__ import annotations

import json
import os

import coincurve
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from vellum_sdk import Cost, Keystore, SecretKey, Signature, load_key, save_keystore, save_plain, verify_signature
from vellum_sdk.encoding import sha256
from vellum_sdk.errors import InvalidKey, KeystoreError, SignatureError, WrongPassword
from vellum_sdk.keys import KDF_MEMORY_KIB_MIN, P256_N, SECP256K1_N, parse_public_key

#: The cheapest parameters a keystore may have (tests only).
TEST_COST = Cost(KDF_MEMORY_KIB_MIN, 1, 1)
PASSWORD = "correct horse battery"


def test_rfc8032_vectors():
    cases = [
        (
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            b"",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        ),
        (
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            b"\x72",
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
        ),
    ]
    for seed, public, message, signature in cases:
        key = SecretKey("ed25519", bytes.fromhex(seed))
        assert key.public_key.key.hex() == public
        sig = key.sign(message)
        assert sig.signature.hex() == signature
        assert verify_signature(sig, message) == key.public_key
        with pytest.raises(SignatureError, match="does not verify"):
            verify_signature(sig, b"other")


def test_p256_rfc6979_vector_with_low_s():
    """RFC 6979 A.2.5, P-256 with SHA-256, message "sample": our s is the low form n − s."""
    key = SecretKey("p256", bytes.fromhex("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721"))
    sig = key.sign(b"sample")
    r = 0xEFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716
    s = 0xF7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8
    assert sig.signature == r.to_bytes(32, "big") + (P256_N - s).to_bytes(32, "big")
    assert sig.public_key.hex() == "0360fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
    assert verify_signature(sig, b"sample") == key.public_key


def test_p256_signatures_of_an_independent_signer_verify():
    """`cryptography` with a random nonce (as WebCrypto or an HSM would sign), low-S normalised."""
    private = ec.generate_private_key(ec.SECP256R1())
    key = SecretKey("p256", private.private_numbers().private_value.to_bytes(32, "big"))
    for i in range(20):
        message = b"message %d" % i
        r, s = decode_dss_signature(private.sign(message, ec.ECDSA(hashes.SHA256())))
        low = min(s, P256_N - s)
        sig = Signature("p256", r.to_bytes(32, "big") + low.to_bytes(32, "big"), public_key=key.public_key.key)
        assert verify_signature(sig, message) == key.public_key
        high = Signature("p256", r.to_bytes(32, "big") + (P256_N - low).to_bytes(32, "big"), public_key=key.public_key.key)
        with pytest.raises(SignatureError, match="high S"):
            verify_signature(high, message)
    with pytest.raises(SignatureError, match="not a compressed curve point"):
        verify_signature(Signature("p256", sig.signature, public_key=b"\x02" + b"\xff" * 32), b"m")


def test_secp256k1_recovers_the_signer_and_refuses_high_s():
    key = SecretKey("secp256k1", b"\x07" * 32)
    for i in range(20):
        message = bytes([i]) * 5
        sig = key.sign(message)
        assert sig.recovery_id in (0, 1)
        assert verify_signature(sig, message) == key.public_key
        # libsecp256k1 verifies it independently of our code path.
        assert coincurve.PublicKey(key.public_key.key).verify(
            coincurve.PrivateKey(key.secret_bytes()).sign(message, hasher=sha256), message, hasher=sha256
        )
        r, s = sig.signature[:32], int.from_bytes(sig.signature[32:], "big")
        twin = Signature("secp256k1", r + (SECP256K1_N - s).to_bytes(32, "big"), recovery_id=sig.recovery_id ^ 1)
        with pytest.raises(SignatureError, match="high S"):
            verify_signature(twin, message)
        with pytest.raises(SignatureError, match="recovery id"):
            verify_signature(Signature("secp256k1", sig.signature, recovery_id=2), message)
        # Another message recovers another key, never the signer's.
        assert verify_signature(sig, b"other") != key.public_key


def test_secret_ranges_and_schemes():
    with pytest.raises(InvalidKey, match="group order"):
        SecretKey("secp256k1", bytes(32))
    with pytest.raises(InvalidKey, match="group order"):
        SecretKey("p256", P256_N.to_bytes(32, "big"))
    with pytest.raises(InvalidKey, match="unknown key scheme"):
        SecretKey("rsa", bytes(32))
    with pytest.raises(InvalidKey, match="32 bytes"):
        SecretKey("ed25519", bytes(31))
    for scheme in ("ed25519", "secp256k1", "p256"):
        key = SecretKey.generate(scheme)
        assert SecretKey.from_text(key.to_text()).public_key == key.public_key
        assert parse_public_key(str(key.public_key)) == key.public_key


def test_plain_key_files(tmp_path):
    key = SecretKey.generate("p256")
    path = tmp_path / "k.key"
    save_plain(path, key)
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert load_key(path).public_key == key.public_key
    with pytest.raises(InvalidKey, match="already exists"):
        save_plain(path, key)
    (tmp_path / "bad.key").write_text("ed25519:zz\n")
    with pytest.raises(InvalidKey, match="bad key hex"):
        load_key(tmp_path / "bad.key")


@pytest.mark.parametrize("scheme", ["ed25519", "secp256k1", "p256"])
def test_keystore_round_trip_and_wrong_password(tmp_path, monkeypatch, scheme):
    key = SecretKey.generate(scheme)
    path = tmp_path / "k.json"
    ks = save_keystore(path, key, PASSWORD, TEST_COST)
    assert load_key(path, PASSWORD).secret_bytes() == key.secret_bytes()
    assert ks.public_key == str(key.public_key) and len(ks.ciphertext) == 96
    with pytest.raises(WrongPassword):
        load_key(path, "wrong password!")
    monkeypatch.delenv("VELLUM_PASSWORD", raising=False)
    with pytest.raises(KeystoreError, match="give its password"):
        load_key(path)
    monkeypatch.setenv("VELLUM_PASSWORD", PASSWORD)
    assert load_key(path).public_key == key.public_key


def test_keystore_records_a_rotated_keys_account(tmp_path):
    key = SecretKey.generate("ed25519")
    account = "ab" * 32
    ks = Keystore.seal(key, PASSWORD, TEST_COST, account_id=account)
    opened = Keystore.from_json(ks.dumps()).open(PASSWORD)
    assert opened.account == account and key.account != account


def test_edited_or_weak_keystores_are_refused():
    ks = Keystore.seal(SecretKey.generate("ed25519"), PASSWORD, TEST_COST)
    weaker = Keystore.from_json(dict(ks.to_json(), memory_kib=KDF_MEMORY_KIB_MIN + 1))
    with pytest.raises(WrongPassword, match="modified"):
        weaker.open(PASSWORD)
    other = Keystore.from_json(dict(ks.to_json(), public_key=str(SecretKey.generate("ed25519").public_key)))
    with pytest.raises(WrongPassword):
        other.open(PASSWORD)
    too_weak = Keystore.from_json(dict(ks.to_json(), memory_kib=64))
    with pytest.raises(KeystoreError, match="minimum"):
        too_weak.open(PASSWORD)
    # A hostile file cannot make opening it cost terabytes or hours: refused before the KDF.
    for field, value in (("memory_kib", 2**32 - 1), ("passes", 2**30), ("lanes", 2**20)):
        with pytest.raises(KeystoreError, match="maximum"):
            Keystore.from_json(dict(ks.to_json(), **{field: value})).open(PASSWORD)
    with pytest.raises(KeystoreError, match="unsupported"):
        Keystore.from_json(dict(ks.to_json(), kdf="scrypt")).open(PASSWORD)
    with pytest.raises(KeystoreError, match="not a valid keystore"):
        Keystore.from_json(json.dumps({"version": 1}))
    with pytest.raises(KeystoreError, match="at least 8"):
        Keystore.seal(SecretKey.generate("ed25519"), "short", TEST_COST)


def test_an_ed25519_key_that_is_not_a_curve_point_is_named_so():
    key = SecretKey.generate("ed25519")
    sig = key.sign(b"m")
    # y = 2 gives u·v = 3·(4d + 1), not a square mod p: no point has that y.
    not_a_point = (2).to_bytes(32, "little")
    with pytest.raises(SignatureError) as e:
        verify_signature(Signature("ed25519", sig.signature, public_key=not_a_point), b"m")
    assert e.value.reason == "bad_public_key"
    with pytest.raises(SignatureError) as e:
        verify_signature(Signature("ed25519", sig.signature[:10] + bytes([sig.signature[10] ^ 1]) + sig.signature[11:], public_key=key.public_key.key), b"m")
    assert e.value.reason == "signature_does_not_verify"

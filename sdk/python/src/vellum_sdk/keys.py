"""Account keys: generation, signing and verification for the three schemes, and the CLI's key
files — plain ``scheme:<64 hex>`` text and the encrypted keystore (Argon2id +
XChaCha20-Poly1305, crates/cli/src/keystore.rs), both opened *and* created.

- Ed25519: RFC 8032 (deterministic by design); the 32-byte secret is the seed.
- secp256k1: ECDSA over SHA-256(message), RFC 6979 nonce, low S, recovery id 0/1 (the ledger
  recovers the key); the secret is a big-endian scalar in [1, n-1].
- P-256: ECDSA over SHA-256(message) (what WebCrypto and HSMs produce), RFC 6979 nonce, low S
  (a high s is replaced by n − s); the compressed key travels with the signature.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import coincurve
from argon2.exceptions import Argon2Error
from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_decrypt, crypto_aead_xchacha20poly1305_ietf_encrypt
from nacl.exceptions import CryptoError

from .encoding import sha256
from .errors import FormatError, InvalidKey, KeystoreError, SignatureError, WrongPassword
from .types import SCHEMES, PublicKey, Signature

#: Group orders of the two ECDSA curves.
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
CURVE_ORDER = {"secp256k1": SECP256K1_N, "p256": P256_N}
SECRET_BYTES = 32


def _scalar_ok(scheme: str, secret: bytes) -> bool:
    return 0 < int.from_bytes(secret, "big") < CURVE_ORDER[scheme]


class SecretKey:
    """A signing key. ``account`` is the account it signs for: the one a keystore records
    (a rotated key), else the one its public key derives."""

    def __init__(self, scheme: str, secret: bytes, account: str | None = None):
        if scheme not in SCHEMES:
            raise InvalidKey(f"unknown key scheme {scheme!r} (expected {', '.join(SCHEMES)})")
        if len(secret) != SECRET_BYTES:
            raise InvalidKey(f"a {scheme} secret is {SECRET_BYTES} bytes, got {len(secret)}")
        if scheme != "ed25519" and not _scalar_ok(scheme, secret):
            raise InvalidKey(f"{scheme} secret key is zero or not below the group order")
        self.scheme = scheme
        self._secret = bytes(secret)
        self._account = account
        # The library key objects are made once: signing many transactions reuses them.
        if scheme == "ed25519":
            self._impl: Any = ed25519.Ed25519PrivateKey.from_private_bytes(secret)
            point = self._impl.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        elif scheme == "secp256k1":
            self._impl = coincurve.PrivateKey(secret)
            point = self._impl.public_key.format(compressed=True)
        else:
            self._impl = ec.derive_private_key(int.from_bytes(secret, "big"), ec.SECP256R1())
            point = self._impl.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)
        self.public_key = PublicKey(scheme, point)

    @classmethod
    def generate(cls, scheme: str = "ed25519") -> "SecretKey":
        """A fresh key from the OS random generator."""
        while True:
            secret = secrets.token_bytes(SECRET_BYTES)
            # A scalar out of range has probability < 2^-32 on either curve; draw again.
            if scheme == "ed25519" or scheme not in CURVE_ORDER or _scalar_ok(scheme, secret):
                return cls(scheme, secret)

    @classmethod
    def from_text(cls, text: str) -> "SecretKey":
        """The plain key-file form ``scheme:<64 hex>``."""
        scheme, sep, hex_part = text.strip().partition(":")
        if not sep:
            raise InvalidKey("expected `scheme:hex` (ed25519, secp256k1 or p256)")
        try:
            secret = bytes.fromhex(hex_part)
        except ValueError:
            raise InvalidKey("bad key hex") from None
        return cls(scheme, secret)

    def to_text(self) -> str:
        return f"{self.scheme}:{self._secret.hex()}"

    def secret_bytes(self) -> bytes:
        return self._secret

    @property
    def account(self) -> str:
        return self._account or self.public_key.account_id()

    def sign(self, message: bytes) -> Signature:
        """Signs ``message`` (deterministic for all three schemes, so vectors match byte for byte)."""
        if self.scheme == "ed25519":
            return Signature("ed25519", self._impl.sign(message), public_key=self.public_key.key)
        if self.scheme == "secp256k1":
            # libsecp256k1: RFC 6979 nonce, always low S, recovery id adjusted accordingly.
            raw = self._impl.sign_recoverable(message, hasher=lambda m: sha256(m))
            if raw[64] > 1:
                raise SignatureError("recovery id above 1 (x-coordinate overflow): sign again with another message")
            return Signature("secp256k1", raw[:64], recovery_id=raw[64])
        der = self._impl.sign(message, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
        r, s = decode_dss_signature(der)
        if s > P256_N // 2:
            # The ledger accepts only low S (one valid signature per nonce).
            s = P256_N - s
        return Signature("p256", r.to_bytes(32, "big") + s.to_bytes(32, "big"), public_key=self.public_key.key)

    def __repr__(self) -> str:
        return f"SecretKey({self.public_key})"


# --- verification ---------------------------------------------------------------------------


# Edwards25519 field prime and curve constant d, to tell a key that is a curve point from one
# that is not (the ledger's ZIP-215 rules accept non-canonical encodings of y).
_ED_P = 2**255 - 19
_ED_D = (-121665 * pow(121666, -1, _ED_P)) % _ED_P


@functools.lru_cache(maxsize=4096)
def ed25519_point_ok(key: bytes) -> bool:
    """Whether 32 bytes decode to an Edwards25519 point: x² = u/v with u = y² − 1, v = d·y² + 1
    has a root, i.e. u·v is a square (v ≠ 0 always). Cached: signers repeat."""
    y = int.from_bytes(key, "little") & ((1 << 255) - 1)
    y2 = y * y % _ED_P
    uv = (y2 - 1) * (_ED_D * y2 + 1) % _ED_P
    return uv == 0 or pow(uv, (_ED_P - 1) // 2, _ED_P) == 1


def _split_rs(signature: bytes, n: int, scheme: str, index: int | None) -> tuple[int, int]:
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not (0 < r < n and 0 < s < n):
        raise SignatureError(f"malformed {scheme} signature (r or s out of range)", index, "malformed_signature")
    if s > n // 2:
        raise SignatureError(f"{scheme} signature has high S (only low-S is accepted)", index, "high_s")
    return r, s


def verify_signature(sig: Signature, message: bytes, index: int | None = None) -> PublicKey:
    """Verifies one signature over ``message`` as the ledger does and returns the signer's key
    (recovered for secp256k1). Raises :class:`SignatureError`."""
    if sig.scheme == "ed25519":
        if not ed25519_point_ok(sig.public_key or b""):
            raise SignatureError("malformed Ed25519 public key (not a curve point)", index, "bad_public_key")
        try:
            ed25519.Ed25519PublicKey.from_public_bytes(sig.public_key or b"").verify(sig.signature, message)
        except (InvalidSignature, ValueError):
            raise SignatureError("Ed25519 signature does not verify", index) from None
        return PublicKey("ed25519", sig.public_key or b"")
    if sig.scheme == "secp256k1":
        _split_rs(sig.signature, SECP256K1_N, "secp256k1", index)
        if sig.recovery_id not in (0, 1):
            raise SignatureError("recovery id must be 0 or 1", index, "bad_recovery_id")
        try:
            key = coincurve.PublicKey.from_signature_and_message(
                sig.signature + bytes([sig.recovery_id]), message, hasher=lambda m: sha256(m)
            )
        except Exception:
            raise SignatureError("no secp256k1 key can be recovered from it", index) from None
        return PublicKey("secp256k1", key.format(compressed=True))
    return _verify_p256(sig, message, index)


def _verify_p256(sig: Signature, message: bytes, index: int | None) -> PublicKey:
    try:
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), sig.public_key or b"")
    except ValueError:
        raise SignatureError("malformed P-256 public key (not a compressed curve point)", index, "bad_public_key") from None
    r, s = _split_rs(sig.signature, P256_N, "P-256", index)
    try:
        key.verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise SignatureError("P-256 signature does not verify", index) from None
    return PublicKey("p256", sig.public_key or b"")


# --- the encrypted keystore -----------------------------------------------------------------

#: Argon2id cost of new keystores (as the CLI): 64 MiB, 3 passes, 1 lane.
KDF_MEMORY_KIB = 64 * 1024
KDF_PASSES = 3
KDF_LANES = 1
#: The weakest parameters a keystore may claim: a tampered file could otherwise make brute
#: force cheap for whoever gets the file next.
KDF_MEMORY_KIB_MIN = 8 * 1024
KDF_PASSES_MIN = 1
# The costliest parameters a keystore may claim: a hostile file must not make opening it
# take terabytes of memory or hours (the same bounds as the CLI).
KDF_MEMORY_KIB_MAX = 2 * 1024 * 1024
KDF_PASSES_MAX = 16
KDF_LANES_MAX = 16
PASSWORD_CHARS_MIN = 8
SALT_BYTES = 16
NONCE_BYTES = 24
KEY_BYTES = 32

_KEYSTORE_FIELDS = ("version", "kdf", "memory_kib", "passes", "lanes", "salt", "cipher", "nonce", "scheme", "public_key")
_INT_FIELDS = ("version", "memory_kib", "passes", "lanes")


@dataclass(frozen=True)
class Cost:
    memory_kib: int = KDF_MEMORY_KIB
    passes: int = KDF_PASSES
    lanes: int = KDF_LANES


@dataclass
class Keystore:
    """An encrypted keystore file: every field but the ciphertext is bound as associated data,
    so changing a parameter (say, to weaken the KDF) makes decryption fail."""

    version: int
    kdf: str
    memory_kib: int
    passes: int
    lanes: int
    salt: str
    cipher: str
    nonce: str
    scheme: str
    public_key: str
    ciphertext: str
    account_id: str | None = None

    @classmethod
    def from_json(cls, value: Any) -> "Keystore":
        if isinstance(value, (str, bytes)):
            try:
                value = json.loads(value)
            except ValueError as e:
                raise KeystoreError(f"not a valid keystore file: {e}") from None
        if not isinstance(value, dict):
            raise KeystoreError("not a valid keystore file: expected a JSON object")
        fields = {}
        for name in _KEYSTORE_FIELDS + ("ciphertext",):
            v = value.get(name)
            want = int if name in _INT_FIELDS else str
            if isinstance(v, bool) or not isinstance(v, want) or (want is int and not 0 <= v < 1 << 32):
                raise KeystoreError(f"not a valid keystore file: field {name!r} missing or not a {want.__name__}")
            fields[name] = v
        account = value.get("account_id")
        if account is not None and not isinstance(account, str):
            raise KeystoreError("not a valid keystore file: account_id must be a string")
        return cls(account_id=account, **fields)

    def to_json(self) -> dict:
        out: dict[str, Any] = {name: getattr(self, name) for name in _KEYSTORE_FIELDS}
        if self.account_id is not None:
            out["account_id"] = self.account_id
        out["ciphertext"] = self.ciphertext
        return out

    def dumps(self) -> str:
        """The file's text, as the CLI writes it (pretty JSON and a newline)."""
        return json.dumps(self.to_json(), indent=2) + "\n"

    def associated_data(self) -> bytes:
        parts = [str(getattr(self, name)) for name in _KEYSTORE_FIELDS] + [self.account_id or ""]
        return ("vellum-keystore|" + "|".join(parts)).encode("utf-8")

    def _derive(self, password: str) -> bytes:
        if self.kdf != "argon2id" or self.cipher != "xchacha20poly1305" or self.version != 1:
            raise KeystoreError(f"unsupported keystore (version {self.version}, {self.kdf} / {self.cipher})")
        if self.memory_kib < KDF_MEMORY_KIB_MIN or self.passes < KDF_PASSES_MIN or self.lanes == 0:
            raise KeystoreError(
                f"keystore KDF parameters are below the minimum ({KDF_MEMORY_KIB_MIN} KiB, {KDF_PASSES_MIN} pass): refusing it"
            )
        if self.memory_kib > KDF_MEMORY_KIB_MAX or self.passes > KDF_PASSES_MAX or self.lanes > KDF_LANES_MAX:
            raise KeystoreError(
                f"keystore KDF parameters are above the maximum ({KDF_MEMORY_KIB_MAX} KiB, {KDF_PASSES_MAX} passes, {KDF_LANES_MAX} lanes): refusing it"
            )
        salt = _hex_field(self.salt, "salt")
        try:
            return hash_secret_raw(
                password.encode("utf-8"), salt, self.passes, self.memory_kib, self.lanes, KEY_BYTES, Type.ID, 19
            )
        except (Argon2Error, ValueError) as e:
            raise KeystoreError(f"KDF parameters: {e}") from None

    def open(self, password: str) -> SecretKey:
        """Decrypts the key. A wrong password (or any edited field) is :class:`WrongPassword`."""
        key = self._derive(password)
        nonce = _hex_field(self.nonce, "nonce")
        if len(nonce) != NONCE_BYTES:
            raise KeystoreError(f"keystore nonce must be {NONCE_BYTES} bytes")
        ciphertext = _hex_field(self.ciphertext, "ciphertext")
        try:
            plain = crypto_aead_xchacha20poly1305_ietf_decrypt(ciphertext, self.associated_data(), nonce, key)
        except CryptoError:
            raise WrongPassword("wrong password, or the keystore file was modified") from None
        if len(plain) != SECRET_BYTES:
            raise KeystoreError("keystore secret is not 32 bytes")
        try:
            secret = SecretKey(self.scheme, plain, account=self.account_id)
        except InvalidKey as e:
            raise KeystoreError(f"keystore holds an invalid key: {e}") from None
        if str(secret.public_key) != self.public_key:
            raise KeystoreError("keystore secret does not match its public key")
        return secret

    @classmethod
    def seal(cls, secret: SecretKey, password: str, cost: Cost = Cost(), account_id: str | None = None) -> "Keystore":
        """Encrypts ``secret`` under ``password`` with a fresh salt and nonce. ``account_id``
        records the account it signs for when that is not the one it derives (a rotated key)."""
        if len(password) < PASSWORD_CHARS_MIN:
            raise KeystoreError(f"the password must have at least {PASSWORD_CHARS_MIN} characters")
        nonce = secrets.token_bytes(NONCE_BYTES)
        ks = cls(
            version=1,
            kdf="argon2id",
            memory_kib=cost.memory_kib,
            passes=cost.passes,
            lanes=cost.lanes,
            salt=secrets.token_bytes(SALT_BYTES).hex(),
            cipher="xchacha20poly1305",
            nonce=nonce.hex(),
            scheme=secret.scheme,
            public_key=str(secret.public_key),
            ciphertext="",
            account_id=account_id,
        )
        key = ks._derive(password)
        ks.ciphertext = crypto_aead_xchacha20poly1305_ietf_encrypt(secret.secret_bytes(), ks.associated_data(), nonce, key).hex()
        return ks


def _hex_field(text: str, what: str) -> bytes:
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise KeystoreError(f"keystore {what} is not hex") from None


# --- key files ------------------------------------------------------------------------------

#: Environment variable the CLI reads a keystore password from (scripts).
PASSWORD_ENV = "VELLUM_PASSWORD"


def is_keystore_text(text: str) -> bool:
    return text.lstrip().startswith("{")


def load_key(path: str | os.PathLike, password: str | None = None) -> SecretKey:
    """Reads a key file of either kind. A keystore needs ``password`` (or ``VELLUM_PASSWORD``)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InvalidKey(f"cannot read key file {p}: {e}") from None
    if is_keystore_text(text):
        if password is None:
            password = os.environ.get(PASSWORD_ENV)
        if password is None:
            raise KeystoreError(f"{p} is an encrypted keystore: give its password (or set {PASSWORD_ENV})")
        return Keystore.from_json(text).open(password)
    try:
        return SecretKey.from_text(text)
    except InvalidKey as e:
        raise InvalidKey(f"{p}: {e}") from None


def _write_secret(path: str | os.PathLike, contents: str) -> None:
    """Writes a file readable only by its owner; refuses to overwrite."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InvalidKey(f"cannot create {path}: it already exists") from None
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(contents)
        f.flush()
        os.fsync(f.fileno())


def save_plain(path: str | os.PathLike, key: SecretKey) -> None:
    """Writes ``scheme:<64 hex>`` (mode 0600) — for devnets and tests, never real funds."""
    _write_secret(path, key.to_text() + "\n")


def save_keystore(path: str | os.PathLike, key: SecretKey, password: str, cost: Cost = Cost(), account_id: str | None = None) -> Keystore:
    """Writes ``key`` as an encrypted keystore file (mode 0600; refuses to overwrite)."""
    ks = Keystore.seal(key, password, cost, account_id)
    _write_secret(path, ks.dumps())
    return ks


def parse_public_key(text: str) -> PublicKey:
    """A public key's ``scheme:hex`` text, checked to be a usable point of its curve."""
    key = PublicKey.parse(text)
    try:
        if key.scheme == "ed25519":
            ed25519.Ed25519PublicKey.from_public_bytes(key.key)
        elif key.scheme == "secp256k1":
            coincurve.PublicKey(key.key)
        else:
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), key.key)
    except Exception:
        raise FormatError(f"{text} is not a point of the {key.scheme} curve") from None
    return key

"""Selectively disclosed credentials (docs/credentials.md): IETF SD-JWT VCs with key binding
whose issuer-signed JWT is registered on the ledger (its SHA-256 is the document digest).

A port of crates/evidence/src/credential.rs (:func:`issue`, :func:`present`,
:func:`verify_presentation`: the same checks, limits and order), the JWS algorithms and JWKs of
crates/crypto/src/sig.rs ``jose``, and ``vellum credential verify`` (crates/cli/src/credential.rs)
as :func:`verify_credential`; the TypeScript SDK's sdk/js/src/credential.js is the same port.

* issuance — the issuer signs ``{iss, iat, vct, _sd_alg, _sd, cnf}`` with its account key
  (``EdDSA`` or ``ES256``); every claim is a disclosure ``base64url([salt, name, value])`` whose
  digest is listed in ``_sd``; ``cnf.jwk`` is the holder's key;
* presentation — the holder keeps the disclosures it chooses and appends a key-binding JWT
  (``typ kb+jwt``, ``{iat, aud, nonce, sd_hash}``) signed with the ``cnf`` key;
* verification — the issuer signature (under the key that registered the JWT on the ledger),
  every disclosure's digest in ``_sd``, the key binding (audience, nonce, hash).

JSON is written as serde_json writes it (object keys sorted, compact), so the same keys and
salts give the bytes the Rust code gives; it is read as serde_json reads it (UTF-8 only, no
NaN/Infinity, no lone surrogates, numbers out of range and nesting deeper than 127 refused).
Only top-level claims are selectively disclosable (what Vellum issues); nested ``_sd`` and
array-element disclosures are refused with a clear error rather than half-checked.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Iterable, Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from .encoding import sha256
from .errors import CredentialError, FormatError, VellumError
from .keys import P256_N, SecretKey, ed25519_point_ok
from .types import PublicKey
from .verify import IssuerCheck, StatusNow, VerifiedBundle, status_now, verify_bundle, verify_status_proof

#: Largest presentation or credential accepted (bytes of UTF-8).
CREDENTIAL_BYTES_MAX = 64 * 1024
#: Most disclosures one credential carries (and most claims one credential has).
DISCLOSURES_MAX = 64
#: Longest claim name (bytes of UTF-8).
CLAIM_NAME_BYTES_MAX = 64
#: The ``typ`` of a Vellum credential's issuer-signed JWT (SD-JWT VC); ``vc+sd-jwt`` is accepted too.
SD_JWT_TYP = "dc+sd-jwt"
SD_JWT_TYP_LEGACY = "vc+sd-jwt"
KB_JWT_TYP = "kb+jwt"
#: The credential type Vellum issues by default.
DEFAULT_VCT = "urn:vellum:academic-certificate"
#: Claim names a disclosure may not carry.
RESERVED_NAMES = ("_sd", "...", "_sd_alg", "cnf")

_U64_MAX = (1 << 64) - 1
_I64_MIN = -(1 << 63)
#: serde_json's recursion limit: at most 127 nested arrays and objects.
_JSON_DEPTH_MAX = 127


def _malformed(message: str, step: int | None, claim: str | None = None) -> CredentialError:
    return CredentialError("malformed", f"malformed: {message}", step, claim)


def _key_binding(message: str) -> CredentialError:
    return CredentialError("key_binding", f"key binding: {message}", 5)


def _unsupported_key(scheme: str) -> CredentialError:
    return CredentialError("unsupported_key", f"the issuer key is {scheme}, which signs no credential (Ed25519 or P-256 only)")


# ---- base64url (RFC 4648 §5, no padding), strict as Rust's URL_SAFE_NO_PAD ----

_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def b64(data: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def from_b64(text: Any) -> bytes | None:
    """Decodes base64url without padding, or ``None``: only the URL-safe alphabet, no ``=``, no
    length of the form 4k + 1, and the unused bits of the last character zero (canonical)."""
    if not isinstance(text, str) or len(text) % 4 == 1 or not _B64URL.fullmatch(text):
        return None
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return data if b64(data) == text else None


def _unb64(text: str, what: str, step: int | None) -> bytes:
    data = from_b64(text)
    if data is None:
        raise _malformed(f"{what} is not base64url", step)
    return data


def _b64_sha256(text: str) -> str:
    return b64(sha256(text.encode("utf-8")))


# ---- JSON as serde_json writes and reads it ----


def _float_text(v: float) -> str:
    """A finite float as serde_json writes an f64 (shortest round-trip digits, ryu's layout)."""
    if v == 0:
        return "-0.0" if str(v).startswith("-") else "0.0"
    sign = "-" if v < 0 else ""
    _, digit_tuple, exponent = Decimal(repr(abs(v))).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    length = len(digits)
    kk = length + int(exponent)  # 10^(kk-1) <= |v| < 10^kk
    k = kk - length
    if k >= 0 and kk <= 16:
        return f"{sign}{digits}{'0' * k}.0"
    if 0 < kk <= 16:
        return f"{sign}{digits[:kk]}.{digits[kk:]}"
    if -5 < kk <= 0:
        return f"{sign}0.{'0' * -kk}{digits}"
    if length == 1:
        return f"{sign}{digits}e{kk - 1}"
    return f"{sign}{digits[0]}.{digits[1:]}e{kk - 1}"


def _string_text(s: str, path: str) -> str:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        raise _malformed(f"{path} is not valid Unicode (a lone surrogate)", None) from None
    # ensure_ascii=False escapes exactly what serde_json escapes: `"`, `\`, and controls below 0x20.
    return json.dumps(s, ensure_ascii=False)


def json_text(value: Any, path: str = "value") -> str:
    """JSON text of a value as serde_json writes a ``Value``: compact, object keys sorted (code
    point order is UTF-8 byte order); integers in the 64-bit range as digits, floats as
    serde_json writes an f64 (NaN and infinities as ``null``). Accepts dicts with string keys,
    lists, tuples, strings, ints, floats, booleans and ``None``."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _string_text(value, path)
    if isinstance(value, int):
        if value > _U64_MAX or value < _I64_MIN:
            raise _malformed(f"{path} is out of the 64-bit integer range", None)
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return "null"
        return _float_text(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(json_text(v, f"{path}[{i}]") for i, v in enumerate(value)) + "]"
    if isinstance(value, Mapping):
        if any(not isinstance(k, str) for k in value):
            raise _malformed(f"{path} has a key that is not a string", None)
        items = sorted(value.items())
        return "{" + ",".join(f"{_string_text(k, path)}:{json_text(v, f'{path}.{k}')}" for k, v in items) + "}"
    raise _malformed(f"{path} is not a JSON value ({type(value).__name__})", None)


class _NotJson(Exception):
    pass


def _parse_int(text: str) -> int | float:
    n = int(text)
    if text.startswith("-"):
        if n != 0 and n >= _I64_MIN:
            return n
    elif n <= _U64_MAX:
        return n
    return _parse_float(text)


def _parse_float(text: str) -> float:
    f = float(text)
    if f in (float("inf"), float("-inf")):
        raise _NotJson  # serde_json: number out of range
    return f


def _refuse_constant(_: str) -> Any:
    raise _NotJson  # NaN, Infinity


def _well_formed(value: Any, depth: int) -> bool:
    """No lone surrogates and at most 127 nested arrays and objects (serde_json's rules)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, (list, dict)):
        if depth + 1 > _JSON_DEPTH_MAX:
            return False
        if isinstance(value, dict):
            return all(_well_formed(k, depth) and _well_formed(v, depth + 1) for k, v in value.items())
        return all(_well_formed(v, depth + 1) for v in value)
    return True


def _json_of(data: bytes, kind: type) -> Any:
    """Parses UTF-8 JSON as serde_json parses a ``Value`` of this kind (dict or list), or ``None``."""
    try:
        text = data.decode("utf-8")
        value = json.loads(text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError, _NotJson):
        return None
    if not isinstance(value, kind) or not _well_formed(value, 0):
        return None
    return value


def _as_str(obj: Any, key: str) -> str | None:
    """``obj.get(key).and_then(Value::as_str)``."""
    v = obj.get(key) if isinstance(obj, dict) else None
    return v if isinstance(v, str) else None


def _as_u64(obj: Any, key: str) -> int | None:
    """``obj.get(key).and_then(Value::as_u64)``."""
    v = obj.get(key) if isinstance(obj, dict) else None
    return v if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= _U64_MAX else None


def _has(obj: Any, key: str) -> bool:
    """``obj.get(key).is_some()``: only objects have keys."""
    return isinstance(obj, dict) and key in obj


# ---- JWS algorithms and JWKs (crates/crypto/src/sig.rs `jose`) ----


def _public_key(key: PublicKey | SecretKey | str) -> PublicKey:
    if isinstance(key, SecretKey):
        return key.public_key
    if isinstance(key, PublicKey):
        return key
    if isinstance(key, str):
        return PublicKey.parse(key)
    raise VellumError("a public key is a PublicKey or its `scheme:hex` text")


def jws_alg(key: PublicKey) -> str | None:
    """The JWS ``alg`` for a key's scheme: ``EdDSA`` (Ed25519), ``ES256`` (P-256); ``None`` for secp256k1."""
    return {"ed25519": "EdDSA", "p256": "ES256"}.get(key.scheme)


def jws_sign(key: SecretKey, data: bytes) -> bytes | None:
    """Signs a JWS signing input with an Ed25519 or P-256 key (``r ‖ s``, low S); ``None`` for secp256k1."""
    if key.scheme not in ("ed25519", "p256"):
        return None
    return key.sign(data).signature


def jws_verify(key: PublicKey | str, alg: str, data: bytes, signature: bytes) -> bool:
    """Verifies a JWS signature made with ``alg`` by ``key``: EdDSA under an Ed25519 key, ES256
    under a P-256 key (ECDSA with SHA-256, ``r ‖ s``; either S is accepted: other JOSE software
    does not normalise it). Any other pairing is false."""
    k = _public_key(key)
    if len(signature) != 64:
        return False
    if k.scheme == "ed25519" and alg == "EdDSA":
        if not ed25519_point_ok(k.key):
            return False
        try:
            ed25519.Ed25519PublicKey.from_public_bytes(k.key).verify(signature, data)
        except (InvalidSignature, ValueError):
            return False
        return True
    if k.scheme == "p256" and alg == "ES256":
        r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        if not (0 < r < P256_N and 0 < s < P256_N):
            return False
        try:
            point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), k.key)
            point.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, ValueError):
            return False
        return True
    return False


def public_key_to_jwk(key: PublicKey | SecretKey | str) -> dict | None:
    """A public key as a JWK (RFC 8037 ``OKP``/``Ed25519``, RFC 7518 ``EC``/``P-256``); ``None`` for secp256k1."""
    k = _public_key(key)
    if k.scheme == "ed25519":
        return {"kty": "OKP", "crv": "Ed25519", "x": b64(k.key)}
    if k.scheme == "p256":
        point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), k.key)
        raw = point.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return {"kty": "EC", "crv": "P-256", "x": b64(raw[1:33]), "y": b64(raw[33:65])}
    return None


def _jwk_key(jwk: Any) -> PublicKey | str:
    """``jose::from_jwk``: the key, or the error text."""

    def field_bytes(name: str) -> bytes | str:
        text = _as_str(jwk, name)
        if text is None:
            return f"JWK without `{name}`"
        data = from_b64(text)
        return f"JWK `{name}` is not base64url" if data is None else data

    kty = _as_str(jwk, "kty") or ""
    crv = _as_str(jwk, "crv") or ""
    if kty == "OKP" and crv == "Ed25519":
        x = field_bytes("x")
        if isinstance(x, str):
            return x
        if len(x) != 32:
            return "Ed25519 JWK `x` must be 32 bytes"
        return PublicKey("ed25519", x) if ed25519_point_ok(x) else "Ed25519 JWK is not a curve point"
    if kty == "EC" and crv == "P-256":
        x = field_bytes("x")
        if isinstance(x, str):
            return x
        y = field_bytes("y")
        if isinstance(y, str):
            return y
        if len(x) != 32 or len(y) != 32:
            return "P-256 JWK coordinates must be 32 bytes"
        try:
            point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x04" + x + y)
        except ValueError:
            return "P-256 JWK is not a curve point"
        return PublicKey("p256", point.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint))
    return f"unsupported JWK (kty {json.dumps(kty)}, crv {json.dumps(crv)}): Ed25519 or P-256 only"


def public_key_from_jwk(jwk: Any) -> PublicKey:
    """A JWK as a :class:`PublicKey` (Ed25519 or P-256, checked to be a point of its curve);
    otherwise a :class:`CredentialError` ``malformed``."""
    r = _jwk_key(jwk)
    if isinstance(r, str):
        raise _malformed(r, None)
    return r


# ---- disclosures and credentials ----


def _name_allowed(name: str) -> bool:
    return 0 < len(name.encode("utf-8")) <= CLAIM_NAME_BYTES_MAX and name not in RESERVED_NAMES


@dataclass(frozen=True)
class Disclosure:
    """One disclosure: ``base64url(JSON [salt, name, value])``."""

    encoded: str
    name: str
    value: Any

    @classmethod
    def new(cls, salt: bytes, name: str, value: Any) -> "Disclosure":
        """A disclosure of ``name`` = ``value`` with a 16-byte salt."""
        if not isinstance(salt, (bytes, bytearray)) or len(salt) != 16:
            raise _malformed("a disclosure's salt is 16 bytes", None)
        if not isinstance(name, str):
            raise _malformed("a claim name is a string", None)
        text = f"[{json_text(b64(bytes(salt)))},{json_text(name, 'claim name')},{json_text(value, name)}]"
        return cls(b64(text.encode("utf-8")), name, value)

    @property
    def digest(self) -> str:
        """``base64url(SHA-256(ascii(disclosure)))``, as listed in ``_sd``."""
        return _b64_sha256(self.encoded)

    @classmethod
    def parse(cls, encoded: str, step: int | None = None) -> "Disclosure":
        """Reads one disclosure: ``[salt, name, value]`` with an allowed claim name."""
        parts = _json_of(_unb64(encoded, "a disclosure", step), list)
        if parts is None:
            raise _malformed("a disclosure is not a JSON array", step)
        if len(parts) == 3 and isinstance(parts[0], str) and isinstance(parts[1], str):
            name = parts[1]
            if not _name_allowed(name):
                raise _malformed(f"disclosure claim name {json.dumps(name, ensure_ascii=False)} is not allowed", step, name)
            return cls(encoded, name, parts[2])
        if len(parts) == 2:
            raise _malformed("array-element disclosures are not supported", step)
        raise _malformed("a disclosure must be [salt, name, value]", step)


_RUST_WHITESPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def _rust_trim(text: str) -> str:
    """Rust's ``str::trim``: Unicode White_Space at both ends."""
    return text.strip(_RUST_WHITESPACE)


def _text_of(data: str | bytes, what: str) -> str:
    if isinstance(data, str):
        try:
            data.encode("utf-8")
        except UnicodeEncodeError:
            raise _malformed(f"the {what} is not valid Unicode text", 2) from None
        return data
    if isinstance(data, (bytes, bytearray)):
        try:
            return bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            raise _malformed(f"the {what} is not UTF-8 text", 2) from None
    raise VellumError(f"a {what} is given as text or UTF-8 bytes")


def _split(text: str) -> tuple[str, list[str], str]:
    """Splits ``jwt~d…~kb`` into its parts (size limit, at most 64 non-empty disclosures)."""
    size = len(text.encode("utf-8"))
    if size > CREDENTIAL_BYTES_MAX:
        raise _malformed(f"{size} bytes is over the {CREDENTIAL_BYTES_MAX}-byte limit", 2)
    parts = _rust_trim(text).split("~")
    if len(parts) < 2:
        raise _malformed("not an SD-JWT (`jwt~…~`)", 2)
    disclosures = parts[1:-1]
    if len(disclosures) > DISCLOSURES_MAX or any(d == "" for d in disclosures):
        raise _malformed(f"1..={DISCLOSURES_MAX} non-empty disclosures between `~`", 4)
    return parts[0], disclosures, parts[-1]


def credential_jwt(presentation: str | bytes) -> str:
    """The issuer-signed JWT of a credential or presentation: what the ledger registers (its
    UTF-8 bytes are the document)."""
    return _rust_trim(_text_of(presentation, "presentation")).split("~")[0]


def credential_iss(chain_id: str, account_id: str | bytes) -> str:
    """``vellum:<chain id>:<issuer account id, 64 hex>``, a credential's ``iss``."""
    return f"vellum:{chain_id}:{account_id.hex() if isinstance(account_id, (bytes, bytearray)) else account_id.lower()}"


def _sign_jwt(key: SecretKey, header: dict, payload: dict) -> str:
    signing_input = f"{b64(json_text(header).encode('utf-8'))}.{b64(json_text(payload).encode('utf-8'))}"
    sig = jws_sign(key, signing_input.encode("ascii"))
    if sig is None:
        raise _unsupported_key(key.scheme)
    return f"{signing_input}.{b64(sig)}"


@dataclass(frozen=True)
class Issued:
    """A credential as issued: the issuer-signed JWT (what the ledger registers) and every disclosure."""

    jwt: str
    disclosures: tuple[Disclosure, ...]

    def to_sd_jwt(self) -> str:
        """``jwt~d1~…~dn~``: what the holder keeps."""
        return self.jwt + "".join(f"~{d.encoded}" for d in self.disclosures) + "~"

    @classmethod
    def parse(cls, sd_jwt: str | bytes) -> "Issued":
        """Reads ``jwt~d1~…~dn~`` (no key binding)."""
        jwt, disclosures, kb = _split(_text_of(sd_jwt, "credential"))
        if kb:
            raise _malformed("a credential ends with `~` (this is a presentation)", 2)
        return cls(jwt, tuple(Disclosure.parse(d, 4) for d in disclosures))


def _seconds(iat: int | None, what: str) -> int:
    if iat is None:
        return int(time.time())
    if not isinstance(iat, int) or isinstance(iat, bool) or not 0 <= iat <= _U64_MAX:
        raise VellumError(f"{what} is unix seconds: a non-negative integer")
    return iat


def issue(
    issuer: SecretKey,
    iss: str,
    claims: Mapping[str, Any],
    holder: PublicKey | SecretKey | str,
    vct: str = DEFAULT_VCT,
    iat: int | None = None,
    salt: Callable[[], bytes] | None = None,
) -> Issued:
    """Issues a credential signed with ``issuer`` (Ed25519 or P-256: the account key that
    registers the JWT): every claim selectively disclosable, one 16-byte salt per claim from
    ``salt`` (default: the OS random generator), claims taken in name order. ``iss`` is
    ``vellum:<chain id>:<issuer account hex>`` (:func:`credential_iss`); ``holder`` the holder's
    key (``cnf.jwk``). Register ``.jwt`` (its UTF-8 bytes are the document); give
    ``.to_sd_jwt()`` to the holder."""
    if not isinstance(issuer, SecretKey):
        raise VellumError("issue needs the issuer's SecretKey")
    if not isinstance(iss, str) or not isinstance(vct, str):
        raise VellumError("issue needs `iss` and `vct` strings")
    alg = jws_alg(issuer.public_key)
    if alg is None:
        raise _unsupported_key(issuer.scheme)
    holder_jwk = public_key_to_jwk(holder)
    if holder_jwk is None:
        raise _unsupported_key("secp256k1 (holder)")
    if not isinstance(claims, Mapping) or not 0 < len(claims) <= DISCLOSURES_MAX:
        raise _malformed(f"a credential has 1..={DISCLOSURES_MAX} claims", None)
    if any(not isinstance(k, str) for k in claims):
        raise _malformed("a claim name is a string", None)
    draw = salt if salt is not None else (lambda: secrets.token_bytes(16))
    disclosures = tuple(Disclosure.new(draw(), name, claims[name]) for name in sorted(claims))
    for d in disclosures:
        Disclosure.parse(d.encoded)
    digests = sorted(d.digest for d in disclosures)
    payload = {"iss": iss, "iat": _seconds(iat, "iat"), "vct": vct, "_sd_alg": "sha-256", "_sd": digests, "cnf": {"jwk": holder_jwk}}
    return Issued(_sign_jwt(issuer, {"alg": alg, "typ": SD_JWT_TYP}, payload), disclosures)


def present(
    credential: Issued | str | bytes,
    disclose: Iterable[str],
    holder: SecretKey,
    aud: str,
    nonce: str,
    iat: int | None = None,
) -> str:
    """The holder's presentation: the disclosures named in ``disclose`` (in that order) and a
    key-binding JWT signed with ``holder`` (the ``cnf`` key) over ``{iat, aud, nonce,
    sd_hash}``. ``credential`` is an :class:`Issued` or its ``jwt~d1~…~dn~`` text."""
    c = credential if isinstance(credential, Issued) else Issued.parse(credential)
    if not isinstance(holder, SecretKey):
        raise VellumError("present needs the holder's SecretKey")
    if not isinstance(aud, str) or not isinstance(nonce, str):
        raise VellumError("present needs the verifier's `aud` and `nonce` strings")
    kept = []
    for name in disclose:
        d = next((d for d in c.disclosures if d.name == name), None)
        if d is None:
            raise CredentialError("no_such_claim", f"no disclosure named `{name}` in this credential", claim=name)
        kept.append(d)
    alg = jws_alg(holder.public_key)
    if alg is None:
        raise _unsupported_key(holder.scheme)
    presented = Issued(c.jwt, tuple(kept)).to_sd_jwt()
    payload = {"iat": _seconds(iat, "iat"), "aud": aud, "nonce": nonce, "sd_hash": _b64_sha256(presented)}
    return presented + _sign_jwt(holder, {"alg": alg, "typ": KB_JWT_TYP}, payload)


def _verify_jwt(jwt: str, key: PublicKey, typs: tuple[str, ...], step: int) -> tuple[dict, dict]:
    """A compact JWS: its header and payload (JSON objects) after checking ``alg`` against the
    key, ``typ``, and the signature (the payload is read only once the signature verifies)."""
    parts = jwt.split(".")
    if len(parts) != 3:
        raise _malformed("a JWT has three parts", step)
    h, p, s = parts

    def obj(part: str, what: str) -> dict:
        value = _json_of(_unb64(part, what, step), dict)
        if value is None:
            raise _malformed(f"{what} is not a JSON object", step)
        return value

    header = obj(h, "JWT header")
    alg = _as_str(header, "alg") or ""
    want = jws_alg(key)
    if alg != want:
        raise _malformed(f"JWT alg {json.dumps(alg)} does not match the key ({want or f'none: a {key.scheme} key signs no JWT'})", step)
    if (_as_str(header, "typ") or "") not in typs:
        raise _malformed(f"JWT typ must be one of {json.dumps(list(typs))}", step)
    signature = _unb64(s, "JWT signature", step)
    if not jws_verify(key, alg, f"{h}.{p}".encode("ascii"), signature):
        raise CredentialError("issuer_signature", "the issuer signature does not verify under the registering key", step)
    return header, obj(p, "JWT payload")


def _check_binding(kb: str, holder: PublicKey, presented: str, aud: str, nonce: str) -> int:
    """The key-binding JWT (step 5): signed by the holder, for this audience and nonce, over
    exactly the presented ``jwt~d…~``. Returns its ``iat``."""
    try:
        _, p = _verify_jwt(kb, holder, (KB_JWT_TYP,), 5)
    except CredentialError as e:
        raise _key_binding("its signature does not verify under the holder key" if e.kind == "issuer_signature" else str(e)) from None
    if _as_str(p, "aud") != aud:
        made_for = json.dumps(p["aud"], ensure_ascii=False) if "aud" in p else "(none)"
        raise _key_binding(f"made for audience {made_for}, not {json.dumps(aud, ensure_ascii=False)}")
    if _as_str(p, "nonce") != nonce:
        raise _key_binding("made for another nonce")
    if _as_str(p, "sd_hash") != _b64_sha256(presented):
        raise _key_binding("sd_hash does not cover the presented disclosures")
    iat = _as_u64(p, "iat")
    if iat is None:
        raise _key_binding("no iat")
    return iat


@dataclass
class VerifiedPresentation:
    """A verified presentation."""

    #: The issuer-signed JWT: its SHA-256 is the digest registered on the ledger.
    issuer_jwt: str
    iss: str
    vct: str
    iat: int
    #: The claims the holder disclosed (and only those), in name order.
    disclosed: dict
    #: How many claims the issuer signed (disclosed or not).
    claims_signed: int
    holder: PublicKey
    kb_iat: int


def verify_presentation(
    presentation: str | bytes,
    issuer_key: PublicKey | str,
    aud: str,
    nonce: str,
    iss: str | None = None,
) -> VerifiedPresentation:
    """Verifies a presentation (``credential::verify_presentation``, the same checks in the same
    order): the issuer's signature under ``issuer_key`` (the key that registered the JWT; its
    scheme fixes ``alg``), ``typ`` ``dc+sd-jwt`` or ``vc+sd-jwt``, every disclosure (digest in
    ``_sd``, none twice, no clash with a signed claim; nested ``_sd`` and array-element
    disclosures refused), and the key binding (``typ`` ``kb+jwt``, signed by ``cnf.jwk``,
    ``aud``, ``nonce``, ``sd_hash`` over exactly the presented ``jwt~d…~``). With ``iss``, the
    payload's ``iss`` must be it (checked right after the signature: step 3). Raises
    :class:`CredentialError`."""
    if not isinstance(aud, str) or not isinstance(nonce, str):
        raise VellumError("verify_presentation needs the expected `aud` and `nonce` strings")
    try:
        key = _public_key(issuer_key)
    except FormatError as e:
        raise VellumError(f"the issuer key: {e}") from None
    text = _rust_trim(_text_of(presentation, "presentation"))
    jwt, encoded, kb = _split(text)
    if not kb:
        raise _key_binding("the presentation has no key-binding JWT")
    _, payload = _verify_jwt(jwt, key, (SD_JWT_TYP, SD_JWT_TYP_LEGACY), 2)
    claimed_iss = _as_str(payload, "iss") or ""
    if iss is not None and claimed_iss != iss:
        raise CredentialError("issuer", f"iss {json.dumps(claimed_iss, ensure_ascii=False)} is not the registering account ({iss})", 3)
    if "_sd_alg" in payload and payload["_sd_alg"] != "sha-256":
        raise _malformed("only _sd_alg sha-256 is supported", 4)
    sd_value = payload.get("_sd")
    sd = [d for d in sd_value if isinstance(d, str)] if isinstance(sd_value, list) else []
    if any(_has(v, "_sd") or (isinstance(v, list) and any(_has(e, "...") for e in v)) for v in payload.values()):
        raise _malformed("nested selective disclosure is not supported", 4)
    disclosed: dict = {}
    seen: set[str] = set()
    for e in encoded:
        d = Disclosure.parse(e, 4)
        digest = d.digest
        if digest in seen:
            raise CredentialError("duplicate_disclosure", f"disclosure `{d.name}` appears twice", 4, d.name)
        seen.add(digest)
        if digest not in sd:
            raise CredentialError("unknown_disclosure", f"disclosure `{d.name}` is not one the issuer signed", 4, d.name)
        if d.name in payload or d.name in disclosed:
            raise _malformed(f"claim {json.dumps(d.name, ensure_ascii=False)} is disclosed twice or clashes with a signed claim", 4, d.name)
        disclosed[d.name] = d.value
    cnf = payload.get("cnf")
    if not _has(cnf, "jwk"):
        raise _key_binding("the credential names no holder key (cnf.jwk)")
    holder = _jwk_key(cnf["jwk"])
    if isinstance(holder, str):
        raise _key_binding(holder)
    kb_iat = _check_binding(kb, holder, text[: len(text) - len(kb)], aud, nonce)
    return VerifiedPresentation(
        issuer_jwt=jwt,
        iss=claimed_iss,
        vct=_as_str(payload, "vct") or "",
        iat=_as_u64(payload, "iat") or 0,
        disclosed={k: disclosed[k] for k in sorted(disclosed)},
        claims_signed=len(sd),
        holder=holder,
        kb_iat=kb_iat,
    )


@dataclass
class VerifiedCredential:
    """What a verifier learns from a presentation with its ledger evidence
    (:func:`verify_credential`). A valid credential whose status is not live is returned, not
    raised: check :attr:`live` / :attr:`status`."""

    presentation: VerifiedPresentation
    #: The registrant's issuer identity: now (with a status proof), else as of the bundle
    #: (``None`` for a bundle of an older format that carries none).
    issuer: IssuerCheck | None
    registrant: str
    signer: str
    registered_height: int
    registered_time_ms: int
    #: ``{"state": "live" | "revoked" | "superseded" | "suspended", ...}``: now (with a status
    #: proof), else as of the bundle.
    status: dict
    status_height: int
    #: Step 9 with a fresh status proof, else ``None``.
    now: StatusNow | None
    chain_id: str
    genesis_hash: str
    checkpoint_pinned: bool
    bundle: VerifiedBundle = field(repr=False)

    @property
    def live(self) -> bool:
        return self.status["state"] == "live"

    @property
    def disclosed(self) -> dict:
        return self.presentation.disclosed

    @property
    def claims_signed(self) -> int:
        return self.presentation.claims_signed

    @property
    def iss(self) -> str:
        return self.presentation.iss

    @property
    def vct(self) -> str:
        return self.presentation.vct

    @property
    def holder(self) -> PublicKey:
        return self.presentation.holder

    def issuer_line(self) -> str:
        """``Registered by Example University (example.edu), attested by … at height H``."""
        from .verify import issuer_line

        return issuer_line(self.issuer, self.registrant)


def verify_credential(
    presentation: str | bytes,
    bundle_bytes: bytes,
    aud: str,
    nonce: str,
    genesis_hash: bytes | str | None = None,
    status_bytes: bytes | None = None,
) -> VerifiedCredential:
    """Verifies a presentation with its ledger evidence offline (``vellum credential verify``,
    docs/credentials.md §3), in order: (1) the bundle verifies with the document = the bytes of
    the presentation's issuer-signed JWT (against ``genesis_hash`` when given); (2) the issuer
    signature under the bundle record's ``signer`` key; (3) ``iss`` is ``vellum:<bundle chain
    id>:<registrant>``; (4) the disclosures; (5) the key binding to ``aud`` and ``nonce``; (6)
    the status: the bundle's or, with ``status_bytes``, a fresh status proof's (verified against
    ``genesis_hash``, else the bundle's genesis, then step 9), which also gives the issuer
    identity now. Raises :class:`CredentialError` naming the step (``__cause__`` is the
    underlying :class:`VerifyError` for steps 1 and 6)."""
    if not isinstance(aud, str) or not isinstance(nonce, str):
        raise VellumError("verify_credential needs the expected `aud` and `nonce` strings")
    jwt = credential_jwt(presentation)
    try:
        bundle = verify_bundle(bundle_bytes, jwt.encode("utf-8"), genesis_hash)
    except VellumError as e:
        raise CredentialError("ledger", f"the ledger evidence does not verify for this credential: {e}", 1) from e
    iss = credential_iss(bundle.chain_id, bundle.registrant)
    p = verify_presentation(presentation, PublicKey.parse(bundle.signer), aud, nonce, iss)
    now = None
    if status_bytes is not None:
        try:
            pinned = genesis_hash if genesis_hash is not None else bundle.genesis_hash
            now = status_now(bundle, verify_status_proof(status_bytes, pinned))
        except VellumError as e:
            raise CredentialError("status", f"the status proof: {e}", 6) from e
    return VerifiedCredential(
        presentation=p,
        issuer=now.issuer_now if now is not None else bundle.issuer,
        registrant=bundle.registrant,
        signer=bundle.signer,
        registered_height=bundle.record["height"],
        registered_time_ms=bundle.record["time_ms"],
        status=dict(now.now) if now is not None else dict(bundle.status),
        status_height=now.now_height if now is not None else bundle.status_height,
        now=now,
        chain_id=bundle.chain_id,
        genesis_hash=bundle.genesis_hash,
        checkpoint_pinned=bundle.checkpoint_pinned,
        bundle=bundle,
    )

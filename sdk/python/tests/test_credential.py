"""Credentials (docs/credentials.md): SD-JWT VCs issued, presented and verified as in
crates/evidence/src/credential.rs (its tests ported: both schemes, every forgery, high S), and
the real files the Rust CLI made on a devnet (docs/examples/credential-*) verified with their
ledger evidence, the status now from a fresh status proof."""

from __future__ import annotations

import base64
import json

import pytest
from conftest import EXAMPLES

import vellum_sdk
from vellum_sdk import CredentialError, SecretKey, VellumError
from vellum_sdk.credential import (
    CREDENTIAL_BYTES_MAX,
    DISCLOSURES_MAX,
    Disclosure,
    Issued,
    _sign_jwt,
    credential_jwt,
    issue,
    json_text,
    jws_sign,
    jws_verify,
    present,
    public_key_from_jwk,
    public_key_to_jwk,
    verify_credential,
    verify_presentation,
)
from vellum_sdk.keys import P256_N

AUD, NONCE, KB_IAT = "https://employer.example", "n-42", 1_767_225_700
CLAIMS = {"name": "Alice Example", "degree": "BSc Computer Science", "year": 2026, "grades": {"algorithms": "A", "databases": "B+"}}


def key(scheme: str, n: int) -> SecretKey:
    return SecretKey(scheme, bytes([n]) * 32)


def issued(issuer: SecretKey, holder: SecretKey, claims: dict = CLAIMS) -> Issued:
    counter = iter(range(1, 1000))
    return issue(issuer, "vellum:vellum-test:00", claims, holder.public_key, iat=1_767_225_600, salt=lambda: bytes([next(counter)]) * 16)


def kind(fn) -> CredentialError:
    with pytest.raises(CredentialError) as e:
        fn()
    return e.value


@pytest.mark.parametrize("issuer,holder", [(key("ed25519", 1), key("p256", 2)), (key("p256", 3), key("ed25519", 4))], ids=["EdDSA issuer", "ES256 issuer"])
def test_a_holder_discloses_only_what_it_chooses_under_both_schemes(issuer, holder):
    cred = issued(issuer, holder)
    assert Issued.parse(cred.to_sd_jwt()) == cred
    header = json.loads(base64.urlsafe_b64decode(cred.jwt.split(".")[0] + "=="))
    assert header == {"alg": "EdDSA" if issuer.scheme == "ed25519" else "ES256", "typ": "dc+sd-jwt"}
    p = present(cred, ["degree", "year"], holder, AUD, NONCE, iat=KB_IAT)
    v = verify_presentation(p, issuer.public_key, AUD, NONCE)
    assert list(v.disclosed) == ["degree", "year"]
    assert (v.claims_signed, v.holder, v.disclosed["year"], v.kb_iat) == (4, holder.public_key, 2026, KB_IAT)
    assert (v.iss, v.vct, v.iat) == ("vellum:vellum-test:00", "urn:vellum:academic-certificate", 1_767_225_600)
    assert "Alice" not in p, "an undisclosed claim leaks nothing"
    assert v.issuer_jwt == cred.jwt
    # The same keys and salts give the same bytes (deterministic signatures); text key and bytes work too.
    assert issued(issuer, holder) == cred
    assert verify_presentation(p.encode() + b"\n", str(issuer.public_key), AUD, NONCE).disclosed == v.disclosed
    # A nested object is disclosed whole; nothing disclosed is a valid presentation too.
    g = verify_presentation(present(cred.to_sd_jwt(), ["grades"], holder, AUD, NONCE), issuer.public_key, AUD, NONCE)
    assert g.disclosed == {"grades": {"algorithms": "A", "databases": "B+"}}
    assert verify_presentation(present(cred, [], holder, AUD, NONCE), issuer.public_key, AUD, NONCE).disclosed == {}


def test_every_forgery_is_refused():
    issuer, holder = key("ed25519", 1), key("p256", 2)
    cred = issued(issuer, holder)
    good = present(cred, ["degree"], holder, AUD, NONCE, iat=KB_IAT)

    def verify(p):
        return verify_presentation(p, issuer.public_key, AUD, NONCE)

    assert verify(good).disclosed == {"degree": "BSc Computer Science"}
    # Another issuer key; another audience or nonce; no key binding; a foreign holder.
    e = kind(lambda: verify_presentation(good, key("ed25519", 9).public_key, AUD, NONCE))
    assert (e.kind, e.step) == ("issuer_signature", 2)
    assert kind(lambda: verify_presentation(good, key("p256", 9).public_key, AUD, NONCE)).kind == "malformed"  # alg ≠ key
    assert kind(lambda: verify_presentation(good, issuer.public_key, "https://other.example", NONCE)).kind == "key_binding"
    assert kind(lambda: verify_presentation(good, issuer.public_key, AUD, "n-43")).kind == "key_binding"
    without_kb = good[: good.rfind("~") + 1]
    e = kind(lambda: verify(without_kb))
    assert (e.kind, e.step) == ("key_binding", 5)
    stolen = present(cred, ["degree"], key("p256", 7), AUD, NONCE)
    e = kind(lambda: verify(stolen))
    assert e.kind == "key_binding" and "holder key" in str(e), "a thief's key does not bind"
    # A disclosure the issuer never signed (a better degree), swapped in or added.
    fake = Disclosure.new(bytes([5]) * 16, "degree", "PhD Physics")
    degree = next(d for d in cred.disclosures if d.name == "degree")
    swapped = good.replace(degree.encoded, fake.encoded, 1)
    e = kind(lambda: verify(swapped))
    assert (e.kind, e.claim) == ("unknown_disclosure", "degree")
    extra = Issued(cred.jwt, (fake, cred.disclosures[1]))
    forged = present(extra, ["degree"], holder, AUD, NONCE)
    e = kind(lambda: verify(forged))
    assert (e.kind, e.claim, e.step) == ("unknown_disclosure", "degree", 4)
    # A disclosure appended after the key binding was made.
    other = next(d for d in cred.disclosures if d.name == "name")
    head, kb = good.rsplit("~", 1)
    assert kind(lambda: verify(f"{head}~{other.encoded}~{kb}")).kind == "key_binding"
    # The same disclosure twice.
    d0 = cred.disclosures[0].encoded
    twice = present(Issued(cred.jwt, ()), [], holder, AUD, NONCE).replace("~", f"~{d0}~{d0}~", 1)
    assert kind(lambda: verify(twice)).kind == "duplicate_disclosure"
    # The issuer JWT's payload edited (the signature no longer matches).
    h, rest = good.split(".", 1)
    assert kind(lambda: verify(f"{h}.e30{rest[rest.index('.'):]}")).kind == "issuer_signature"
    for junk in ["", "~", "a.b.c~~x", "not a credential", "~" * 200, "\ud800~x", b"\xff~x"]:
        with pytest.raises(CredentialError):
            verify(junk)


def test_es256_signatures_with_a_high_s_are_accepted_from_other_software():
    issuer = key("p256", 3)
    data = b"header.payload"
    sig = jws_sign(issuer, data)
    r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
    assert s <= P256_N // 2
    high = r.to_bytes(32, "big") + (P256_N - s).to_bytes(32, "big")
    assert jws_verify(issuer.public_key, "ES256", data, high)
    assert jws_verify(issuer.public_key, "ES256", data, sig)
    assert not jws_verify(issuer.public_key, "EdDSA", data, sig), "alg and key must agree"
    assert not jws_verify(issuer.public_key, "ES256", b"other", sig)
    zero = bytes(32) + sig[32:]
    assert not jws_verify(issuer.public_key, "ES256", data, zero)
    # A presentation whose key binding carries a high S (as other JOSE software makes it) verifies.
    holder = key("p256", 2)
    cred = issued(key("ed25519", 1), holder)
    p = present(cred, ["year"], holder, AUD, NONCE)
    head, kb = p.rsplit("~", 1)
    kh, kp, ks = kb.split(".")
    raw = base64.urlsafe_b64decode(ks + "==")
    flipped = raw[:32] + (P256_N - int.from_bytes(raw[32:], "big")).to_bytes(32, "big")
    ks2 = base64.urlsafe_b64encode(flipped).rstrip(b"=").decode()
    assert verify_presentation(f"{head}~{kh}.{kp}.{ks2}", key("ed25519", 1).public_key, AUD, NONCE).disclosed == {"year": 2026}


def test_issuing_and_presenting_refuse_what_rust_refuses():
    holder = key("p256", 2)
    e = kind(lambda: issued(key("secp256k1", 1), holder))
    assert e.kind == "unsupported_key" and "secp256k1" in str(e)
    assert kind(lambda: issue(key("ed25519", 1), "i", CLAIMS, key("secp256k1", 5).public_key)).kind == "unsupported_key"
    assert kind(lambda: issued(key("ed25519", 1), holder, {})).kind == "malformed"
    too_many = {f"c{i}": i for i in range(DISCLOSURES_MAX + 1)}
    assert kind(lambda: issued(key("ed25519", 1), holder, too_many)).kind == "malformed"
    assert len(issued(key("ed25519", 1), holder, dict(list(too_many.items())[:DISCLOSURES_MAX])).disclosures) == DISCLOSURES_MAX
    for bad in ["", "x" * 65, "_sd", "...", "_sd_alg", "cnf"]:
        assert kind(lambda: issued(key("ed25519", 1), holder, {bad: 1})).kind == "malformed", bad
    assert issued(key("ed25519", 1), holder, {"x" * 64: 1}).disclosures[0].name == "x" * 64
    cred = issued(key("ed25519", 1), holder)
    e = kind(lambda: present(cred, ["gpa"], holder, AUD, NONCE))
    assert (e.kind, e.claim) == ("no_such_claim", "gpa")
    assert kind(lambda: present(cred, ["year"], key("secp256k1", 1), AUD, NONCE)).kind == "unsupported_key"
    p = present(cred, ["year"], holder, AUD, NONCE)
    assert kind(lambda: Issued.parse(p)).kind == "malformed"  # a presentation is not a credential
    assert kind(lambda: Issued.parse("x" * (CREDENTIAL_BYTES_MAX + 1) + "~")).kind == "malformed"
    assert kind(lambda: Issued.parse("jwt" + "~d" * (DISCLOSURES_MAX + 1) + "~")).kind == "malformed"
    assert kind(lambda: Issued.parse("jwt~~")).kind == "malformed"
    # Disclosures: an array element; not [salt, name, value]; not base64url.
    b64 = lambda v: base64.urlsafe_b64encode(json.dumps(v).encode()).rstrip(b"=").decode()  # noqa: E731
    assert "array-element" in str(kind(lambda: Disclosure.parse(b64(["salt", 1]))))
    assert kind(lambda: Disclosure.parse(b64(["salt", 1, 2]))).kind == "malformed"
    assert kind(lambda: Disclosure.parse(b64({"a": 1}))).kind == "malformed"
    assert kind(lambda: Disclosure.parse("a+b/")).kind == "malformed"
    assert kind(lambda: Disclosure.parse(b64(["s", "n", float("nan")]))).kind == "malformed"  # NaN is not JSON


def test_nested_disclosure_clashes_and_iss_are_refused():
    issuer, holder = key("ed25519", 1), key("p256", 2)
    d = Disclosure.new(bytes([1]) * 16, "degree", "BSc")
    jwk = public_key_to_jwk(holder)

    def presentation(payload: dict, disclosures=(d,)) -> str:
        jwt = _sign_jwt(issuer, {"alg": "EdDSA", "typ": "vc+sd-jwt"}, payload)
        return present(Issued(jwt, tuple(disclosures)), [x.name for x in disclosures], holder, AUD, NONCE)

    base = {"iss": "vellum:c:00", "iat": 1, "_sd_alg": "sha-256", "_sd": [d.digest], "cnf": {"jwk": jwk}}
    assert verify_presentation(presentation(base), issuer.public_key, AUD, NONCE).disclosed == {"degree": "BSc"}
    e = kind(lambda: verify_presentation(presentation(base), issuer.public_key, AUD, NONCE, iss="vellum:c:01"))
    assert (e.kind, e.step) == ("issuer", 3)
    for extra in [{"address": {"_sd": []}}, {"nationalities": [{"...": "x"}]}]:
        assert "nested" in str(kind(lambda: verify_presentation(presentation({**base, **extra}), issuer.public_key, AUD, NONCE)))
    assert "sha-256" in str(kind(lambda: verify_presentation(presentation({**base, "_sd_alg": "sha-512"}), issuer.public_key, AUD, NONCE)))
    assert "clashes" in str(kind(lambda: verify_presentation(presentation({**base, "degree": "x"}), issuer.public_key, AUD, NONCE)))
    no_cnf = {k: v for k, v in base.items() if k != "cnf"}
    assert "cnf.jwk" in str(kind(lambda: verify_presentation(presentation(no_cnf), issuer.public_key, AUD, NONCE)))
    bad_jwk = {**base, "cnf": {"jwk": {"kty": "EC", "crv": "P-256", "x": jwk["x"], "y": jwk["x"]}}}
    assert "curve point" in str(kind(lambda: verify_presentation(presentation(bad_jwk), issuer.public_key, AUD, NONCE)))


def test_jwks_and_json_as_the_rust_code_writes_them():
    for k in (key("ed25519", 4), key("p256", 2)):
        assert public_key_from_jwk(public_key_to_jwk(k)) == k.public_key
    assert public_key_to_jwk(key("secp256k1", 1)) is None
    assert kind(lambda: public_key_from_jwk({"kty": "RSA"})).kind == "malformed"
    assert json_text({"b": [1, 2.5, None, True], "a": "é\n\"", "c": 1.0, "d": 1e21, "e": 1.5e-7}) == '{"a":"é\\n\\"","b":[1,2.5,null,true],"c":1.0,"d":1e21,"e":1.5e-7}'
    assert kind(lambda: json_text(1 << 64)).kind == "malformed"


# ---- the real files the Rust CLI made on a devnet ----

PRESENTATION = (EXAMPLES / "credential-presentation.txt").read_text()
BUNDLE = (EXAMPLES / "credential-bundle.vellum").read_bytes()
GENESIS = (EXAMPLES / "credential-genesis-hash.txt").read_text().strip()
REVOKED = (EXAMPLES / "credential-revoked.status").read_bytes()
DEVNET_AUD, DEVNET_NONCE = "https://employer.example", "offer-2026-77"


def test_the_rust_clis_devnet_credential_verifies_degree_and_year_of_4_claims_by_example_university():
    r = verify_credential(PRESENTATION, BUNDLE, DEVNET_AUD, DEVNET_NONCE, GENESIS)
    assert r.disclosed == {"degree": "BSc Computer Science", "year": 2026}
    assert r.claims_signed == 4
    assert (r.issuer.attested, r.issuer.name, r.issuer.domain) == (True, "Example University", "example.edu")
    assert r.live and r.status == {"state": "live"} and r.now is None
    assert r.checkpoint_pinned and r.genesis_hash == GENESIS
    assert r.iss == f"vellum:{r.chain_id}:{r.registrant}"
    assert r.presentation.issuer_jwt == credential_jwt(PRESENTATION)
    assert r.bundle.document == "matched"
    # Unpinned: verified against the bundle's own genesis; the presentation as bytes.
    loose = verify_credential(PRESENTATION.encode(), BUNDLE, DEVNET_AUD, DEVNET_NONCE)
    assert (loose.checkpoint_pinned, loose.genesis_hash, loose.disclosed) == (False, GENESIS, r.disclosed)


def test_the_devnet_credential_is_revoked_now_with_the_fresh_status_proof():
    r = verify_credential(PRESENTATION, BUNDLE, DEVNET_AUD, DEVNET_NONCE, GENESIS, REVOKED)
    assert r.status["state"] == "revoked" and not r.live
    assert r.now.changed and r.now.then == {"state": "live"}
    assert r.status_height == r.now.now_height > r.bundle.status_height
    assert r.issuer.name == "Example University"
    assert r.disclosed == {"degree": "BSc Computer Science", "year": 2026}
    # Unpinned, the status proof is checked against the bundle's genesis.
    assert verify_credential(PRESENTATION, BUNDLE, DEVNET_AUD, DEVNET_NONCE, None, REVOKED).status["state"] == "revoked"


def test_the_devnet_credential_refuses_every_mismatch():
    e = kind(lambda: verify_credential(PRESENTATION, BUNDLE, DEVNET_AUD, DEVNET_NONCE, "00" * 32))
    assert (e.kind, e.step) == ("ledger", 1) and e.__cause__.step == 2
    assert kind(lambda: verify_credential(PRESENTATION, BUNDLE, "https://other.example", DEVNET_NONCE, GENESIS)).kind == "key_binding"
    assert kind(lambda: verify_credential(PRESENTATION, BUNDLE, DEVNET_AUD, "offer-2026-78", GENESIS)).kind == "key_binding"
    assert kind(lambda: verify_credential(PRESENTATION, BUNDLE[:-1], DEVNET_AUD, DEVNET_NONCE, GENESIS)).step == 1
    # Another credential (not the registered JWT): the ledger evidence is not for it.
    holder = key("p256", 2)
    other = present(issued(key("ed25519", 1), holder), ["degree"], holder, DEVNET_AUD, DEVNET_NONCE)
    e = kind(lambda: verify_credential(other, BUNDLE, DEVNET_AUD, DEVNET_NONCE, GENESIS))
    assert (e.kind, e.step, e.__cause__.step) == ("ledger", 1, 8)
    # A disclosure dropped after the key binding; a status proof that is not one.
    jwt_part, *ds, kb = PRESENTATION.strip().split("~")
    assert kind(lambda: verify_credential("~".join([jwt_part, ds[0], kb]), BUNDLE, DEVNET_AUD, DEVNET_NONCE, GENESIS)).kind == "key_binding"
    e = kind(lambda: verify_credential(PRESENTATION, BUNDLE, DEVNET_AUD, DEVNET_NONCE, GENESIS, BUNDLE))
    assert (e.kind, e.step) == ("status", 6)
    # The typed errors are VellumErrors, exported from the package.
    assert issubclass(CredentialError, VellumError) and vellum_sdk.verify_credential is verify_credential

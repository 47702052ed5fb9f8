"""Interop with the Python SD-JWT reference implementation (PyPI `sd-jwt`).

verify  PRESENTATION ISSUER_PUB_HEX AUD NONCE
    Verifies a presentation made by `vellum credential present` (issuer key Ed25519, given as
    its 32-byte public key in hex) and prints the disclosed claims as JSON.
issue   ISSUER_KEYFILE HOLDER_KEYFILE ISS CLAIMS_JSON DISCLOSE AUD NONCE OUT_JWT OUT_PRESENTATION
    Issues a credential with this library (issuer Ed25519, holder P-256, the keys read from
    Vellum `scheme:hex` key files), then presents the claim DISCLOSE with key binding; writes
    the issuer-signed JWT (to register on the ledger) and the presentation.
"""
import base64
import json
import sys

from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives import serialization
from jwcrypto.jwk import JWK
from sd_jwt.common import SDObj
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer
from sd_jwt.verifier import SDJWTVerifier


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def read_key(path):
    scheme, hexpart = open(path).read().strip().split(":")
    return scheme, bytes.fromhex(hexpart)


def ed25519_jwk(secret):
    sk = ed25519.Ed25519PrivateKey.from_private_bytes(secret)
    pub = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return JWK(kty="OKP", crv="Ed25519", x=b64(pub), d=b64(secret))


def p256_jwk(secret):
    sk = ec.derive_private_key(int.from_bytes(secret, "big"), ec.SECP256R1())
    pem = sk.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return JWK.from_pem(pem)


def verify(presentation, issuer_pub_hex, aud, nonce):
    issuer = JWK(kty="OKP", crv="Ed25519", x=b64(bytes.fromhex(issuer_pub_hex)))
    text = open(presentation).read().strip()
    v = SDJWTVerifier(text, lambda iss, header: issuer, expected_aud=aud, expected_nonce=nonce)
    print(json.dumps(v.get_verified_payload()))


def issue(issuer_file, holder_file, iss, claims_json, disclose, aud, nonce, out_jwt, out_presentation):
    scheme, secret = read_key(issuer_file)
    assert scheme == "ed25519", scheme
    hscheme, hsecret = read_key(holder_file)
    assert hscheme == "p256", hscheme
    issuer_key, holder_key = ed25519_jwk(secret), p256_jwk(hsecret)
    claims = {"iss": iss, "vct": "urn:vellum:academic-certificate"}
    for k, v in json.load(open(claims_json)).items():
        claims[SDObj(k)] = v
    issued = SDJWTIssuer(claims, issuer_key, holder_key=holder_key, sign_alg="EdDSA", extra_header_parameters={"typ": "dc+sd-jwt"})
    holder = SDJWTHolder(issued.sd_jwt_issuance)
    holder.create_presentation({disclose: True}, nonce=nonce, aud=aud, holder_key=holder_key, sign_alg="ES256")
    open(out_jwt, "w").write(issued.sd_jwt_issuance.split("~")[0])
    open(out_presentation, "w").write(holder.sd_jwt_presentation)


if __name__ == "__main__":
    {"verify": verify, "issue": issue}[sys.argv[1]](*sys.argv[2:])

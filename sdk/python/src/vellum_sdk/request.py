"""Signed read requests (crates/types/src/request.rs, crates/api/src/auth.rs): the caller signs
the chain, its account, the method, the path and query exactly as sent, the SHA-256 of the
body, a timestamp and a fresh nonce; the node checks it within 60 s and refuses a replay."""

from __future__ import annotations

import secrets
import time

from .encoding import Domain, FixedBytes, Struct, canonical, sha256
from .keys import SecretKey
from .types import HASH, STR, U64

HEADER_ACCOUNT = "x-vellum-account"
HEADER_TIMESTAMP = "x-vellum-timestamp"
HEADER_NONCE = "x-vellum-nonce"
#: Hex of ``borsh(Signature)``.
HEADER_SIGNATURE = "x-vellum-signature"
#: Most a request's timestamp may differ from the node's clock.
REQUEST_FRESHNESS_MS = 60_000
NONCE_BYTES = 16

SIGNED_REQUEST = Struct(
    [
        ("chain_id", STR),
        ("account", HASH),
        ("method", STR),
        ("path_and_query", STR),
        ("body_sha256", HASH),
        ("timestamp_ms", U64),
        ("nonce", FixedBytes(NONCE_BYTES)),
    ]
)


def request_signing_bytes(
    chain_id: str, account: str, method: str, path_and_query: str, body: bytes, timestamp_ms: int, nonce: bytes
) -> bytes:
    """``canonical("VELLUM:REQUEST:", (chain, account, method, path and query, SHA-256(body),
    timestamp, nonce))``: what the caller signs."""
    value = {
        "chain_id": chain_id,
        "account": account,
        "method": method,
        "path_and_query": path_and_query,
        "body_sha256": sha256(body).hex(),
        "timestamp_ms": timestamp_ms,
        "nonce": nonce.hex(),
    }
    return canonical(Domain.REQUEST, SIGNED_REQUEST, value)


def signed_headers(
    key: SecretKey,
    chain_id: str,
    method: str,
    path_and_query: str,
    body: bytes = b"",
    timestamp_ms: int | None = None,
    nonce: bytes | None = None,
) -> dict[str, str]:
    """The four authentication headers of a request signed with ``key`` for its account."""
    if timestamp_ms is None:
        timestamp_ms = int(time.time() * 1000)
    if nonce is None:
        nonce = secrets.token_bytes(NONCE_BYTES)
    message = request_signing_bytes(chain_id, key.account, method, path_and_query, body, timestamp_ms, nonce)
    return {
        HEADER_ACCOUNT: key.account,
        HEADER_TIMESTAMP: str(timestamp_ms),
        HEADER_NONCE: nonce.hex(),
        HEADER_SIGNATURE: key.sign(message).hex(),
    }

//! Authenticated API requests (X.1407 9.3.1 b): the caller signs what it asks for with an
//! account key, so reads of protected data are attributable and can be audited.

use crate::encoding::{canonical, domain};
use crate::hash::{AccountId, Hash32, sha256};
use borsh::BorshSerialize;

/// HTTP headers carrying the authentication.
pub const HEADER_ACCOUNT: &str = "x-vellum-account";
pub const HEADER_TIMESTAMP: &str = "x-vellum-timestamp";
pub const HEADER_NONCE: &str = "x-vellum-nonce";
/// Hex of `borsh(Signature)` (an Ed25519 or recoverable secp256k1 signature).
pub const HEADER_SIGNATURE: &str = "x-vellum-signature";

/// Most a request's timestamp may differ from the node's clock.
pub const REQUEST_FRESHNESS_MS: u64 = 60_000;

#[derive(BorshSerialize)]
struct SignedRequest<'a> {
    chain_id: &'a str,
    account: &'a AccountId,
    method: &'a str,
    /// Path and query exactly as sent, e.g. `/v1/proof/ab..cd/bundle?member=3`.
    path_and_query: &'a str,
    body_sha256: Hash32,
    timestamp_ms: u64,
    nonce: &'a [u8; 16],
}

/// `REQUEST tag ‖ v ‖ borsh(chain id, account, method, path and query, SHA-256(body),
/// timestamp, nonce)`: what the caller signs.
pub fn request_signing_bytes(
    chain_id: &str,
    account: &AccountId,
    method: &str,
    path_and_query: &str,
    body: &[u8],
    timestamp_ms: u64,
    nonce: &[u8; 16],
) -> Vec<u8> {
    canonical(
        domain::REQUEST,
        &SignedRequest { chain_id, account, method, path_and_query, body_sha256: sha256(body), timestamp_ms, nonce },
    )
}

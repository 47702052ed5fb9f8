//! Cryptography for Vellum: transaction signatures (Ed25519 under ZIP-215 rules, secp256k1
//! with key recovery), the RFC 6962 Merkle log, and the authenticated state map.
//!
//! Pure functions and data structures only: no I/O, no clock, no OS randomness (callers pass
//! seeds in), so the ledger can use all of it deterministically.

pub mod ed25519;
#[cfg(test)]
mod ed25519_tests;
pub mod merkle;
pub mod sig;
pub mod signer;
pub mod smt;

pub use merkle::CompactLog;
pub use sig::{SecretKey, SigError, is_ed25519_key, is_valid_public_key, verify_ed25519, verify_each, verify_signature, verify_tx, verify_txs};
pub use signer::{ExternalSigner, Signer, SignerError};
pub use smt::AuthMap;

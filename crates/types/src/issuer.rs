//! Issuer identity (X.1407 Appendix II, 7.1.2 a): who an issuer account is in real-world
//! terms — a display name, the domain it controls and, optionally, its X.509 certificate —
//! attested on the ledger by a registrar (or by the council) after checking the document the
//! issuer publishes at `https://DOMAIN/.well-known/vellum-issuer.json`, which lists the
//! account. Evidence bundles carry the attestation (or prove there is none), so an offline
//! verifier can say "registered by Example University (example.edu)".

use crate::hash::{AccountId, Hash32, TxId};
use borsh::{BorshDeserialize, BorshSerialize};

/// Longest display name.
pub const ISSUER_NAME_BYTES_MAX: usize = 128;
/// Longest domain name (RFC 1035).
pub const ISSUER_DOMAIN_BYTES_MAX: usize = 253;
/// Where an issuer publishes the document that binds its accounts to its domain.
pub const WELL_KNOWN_PATH: &str = "/.well-known/vellum-issuer.json";

/// What a registrar attests about an issuer account.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerProfile {
    /// Display name, e.g. "Example University".
    pub name: String,
    /// The domain the issuer controls, lowercase, e.g. "example.edu".
    pub domain: String,
    /// SHA-256 of the issuer's X.509 certificate (DER), if it presented one.
    #[serde(with = "crate::hex_serde::opt_hex32")]
    pub x509_sha256: Option<Hash32>,
    /// SHA-256 of the well-known document as the registrar fetched it at attestation.
    #[serde(with = "crate::hex_serde::hex32")]
    pub well_known_sha256: Hash32,
}

impl IssuerProfile {
    /// Shape rules: a non-empty name without control characters, a valid domain name.
    pub fn check(&self) -> Result<(), String> {
        if self.name.trim().is_empty() || self.name.len() > ISSUER_NAME_BYTES_MAX || self.name.chars().any(char::is_control) {
            return Err(format!("issuer name must be 1..={ISSUER_NAME_BYTES_MAX} bytes without control characters"));
        }
        if !valid_domain(&self.domain) {
            return Err(format!("`{}` is not a domain name (lowercase letters, digits and hyphens in dot-separated labels)", self.domain.escape_debug()));
        }
        Ok(())
    }
}

/// A lowercase DNS name with at least two labels: each 1..=63 bytes of `[a-z0-9-]`, not
/// starting or ending with `-`; 1..=253 bytes in all.
pub fn valid_domain(domain: &str) -> bool {
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    domain.len() <= ISSUER_DOMAIN_BYTES_MAX && domain.split('.').count() >= 2 && domain.split('.').all(label_ok)
}

/// An attestation withdrawn (the registrar or compliance found it wrong, or the issuer lost its
/// domain).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize, serde::Deserialize)]
pub struct AttestationRevoked {
    pub by: AccountId,
    /// A reason code (`proof::DEFAULT_REASON_CODES` or the governed list).
    pub reason: String,
    pub tx_id: TxId,
    pub height: u64,
    pub time_ms: u64,
}

/// The attested identity of an issuer account, under `StateKey::IssuerProfile(account)`.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize, serde::Deserialize)]
pub struct IssuerAttestation {
    pub profile: IssuerProfile,
    /// The registrar account, or the council account for an attestation by governance.
    pub attested_by: AccountId,
    pub tx_id: TxId,
    pub height: u64,
    pub time_ms: u64,
    pub revoked: Option<AttestationRevoked>,
}

impl IssuerAttestation {
    pub fn value_bytes(&self) -> Vec<u8> {
        crate::encoding::to_wire(self)
    }
}

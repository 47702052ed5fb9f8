//! KYC records and the sanctions list (X.1405 8.4.2–8.4.3): the tier and expiry a registrar
//! sets for an account, and the screening commitment the ledger compares with the governed
//! list of sanctioned identities on opening and on every transfer.

use crate::encoding::{canonical, domain};
use crate::hash::{AccountId, Hash32, sha256};
use crate::monitoring::KYC_TIERS;
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Most commitments one sanctions update adds or removes (a list grows by several updates).
pub const SANCTIONS_UPDATE_MAX: usize = 256;

/// What a registrar states about an account's identity check.
#[derive(
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
    Default,
    BorshSerialize,
    BorshDeserialize,
    Serialize,
    Deserialize,
)]
#[serde(deny_unknown_fields)]
pub struct KycTerms {
    /// `1..KYC_TIERS`: the depth of the check; monitoring limits are set per tier.
    pub tier: u8,
    /// Block time (ms) from which the check is stale: the account still receives but no
    /// longer sends until a registrar re-verifies it. `0`: never.
    pub expires_ms: u64,
    /// [`screening_commitment`] of the identity, compared with the sanctions list.
    #[serde(with = "crate::hex_serde::opt_hex32")]
    pub screening: Option<Hash32>,
}

impl KycTerms {
    pub fn check(&self) -> Result<(), String> {
        if self.tier == 0 || self.tier >= KYC_TIERS {
            return Err(format!(
                "KYC tier must be 1..{KYC_TIERS} (0 is an account without a KYC record)"
            ));
        }
        Ok(())
    }
}

/// An account's KYC record, under `StateKey::Kyc(account)`: the terms in force, who set them
/// and when, and how many times they changed.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct KycRecord {
    pub terms: KycTerms,
    pub set_by: AccountId,
    pub set_height: u64,
    /// 1 for the first record, +1 per re-verification.
    pub version: u64,
}

impl KycRecord {
    /// Whether the check is stale at block time `now_ms`.
    pub fn expired(&self, now_ms: u64) -> bool {
        self.terms.expires_ms != 0 && now_ms >= self.terms.expires_ms
    }
}

/// The sanctions list's version and size, under `StateKey::SanctionsList`; each entry is its
/// own `StateKey::Sanctioned(commitment)` so a transfer's check is one lookup per party.
#[derive(
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
    Default,
    BorshSerialize,
    BorshDeserialize,
    Serialize,
    Deserialize,
)]
pub struct SanctionsList {
    pub version: u64,
    pub entries: u64,
}

/// `SHA-256(SCREENING tag ‖ v ‖ borsh((salt, identity)))`. The salt is shared off-ledger by
/// the registrars and whoever compiles the list, never written to the ledger: validators and
/// readers see only commitments and cannot test guessed identities against them.
pub fn screening_commitment(salt: &[u8; 32], identity: &[u8]) -> Hash32 {
    sha256(&canonical(domain::SCREENING, &(salt, identity)))
}

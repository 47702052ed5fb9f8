//! Contracts on the ledger (X.1405 8.6, X.1407 7.2.1 e–f): code approved by governance and
//! stored by digest, instances (contract accounts) with their version history, advisories
//! against a code digest, and the events calls append to the log. The runtime and its limits
//! are in `vellum-contracts`; these are the records the ledger stores and signs over.

use crate::encoding::{canonical, domain};
use crate::hash::{AccountId, Hash32, TxId, sha256};
use crate::payment::Hash32Text;
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Largest contract code a proposal carries. The code travels in one transaction (at most
/// `TX_BYTES_MAX`, 16 KiB, with its signatures and the proposal's other fields).
pub const CONTRACT_CODE_BYTES_MAX: usize = 12 * 1024;
/// Longest contract name and exported function name.
pub const CONTRACT_NAME_BYTES_MAX: usize = 64;
/// Largest input a call or an instantiation carries (it travels in one transaction).
pub const CONTRACT_INPUT_BYTES_MAX: usize = 8 * 1024;
/// Deepest chain of contract-to-contract calls within one transaction (the transaction's own
/// call is depth 1).
pub const CONTRACT_CALL_DEPTH_MAX: usize = 4;
/// The function an instantiation runs.
pub const INIT_FUNCTION: &str = "init";

/// A contract name or exported function name: 1..=64 bytes of `[a-z0-9_-]`, starting with a
/// letter.
pub fn valid_contract_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= CONTRACT_NAME_BYTES_MAX
        && b[0].is_ascii_lowercase()
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_' || *c == b'-')
}

/// Code governance approved, under `StateKey::ContractCode(digest)`.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct CodeEntry {
    /// `SHA-256(code)`.
    pub digest: Hash32Text,
    pub name: String,
    /// Digest of the review record (X.1405 8.6.1, 8.6.4).
    pub review_digest: Hash32Text,
    /// The entry points the ledger's static checks found (its report).
    pub entry_points: Vec<String>,
    #[serde(with = "crate::hex_serde::bytes")]
    pub code: Vec<u8>,
    pub proposal: u64,
    pub height: u64,
    /// A vulnerability recorded against this code (X.1405 8.6.3): while present, every
    /// instance running this code refuses calls.
    pub advisory: Option<Advisory>,
}

/// A vulnerability advisory against a code digest.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Advisory {
    /// Digest of the advisory text.
    pub digest: Hash32Text,
    pub proposal: u64,
    pub height: u64,
}

/// One version of an instance's code.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct ContractVersion {
    pub version: u64,
    pub code_digest: Hash32Text,
    pub height: u64,
    /// The upgrade proposal (`None`: the instantiation).
    pub proposal: Option<u64>,
}

/// A contract instance, under `StateKey::Contract(id)`; its account is an ordinary ledger
/// account with no keys (nobody signs for it: only its code moves its tokens).
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct ContractInstance {
    pub id: AccountId,
    pub name: String,
    pub code_digest: Hash32Text,
    pub paused: bool,
    pub creator: AccountId,
    pub created_height: u64,
    /// Every version, oldest first (the last is in force).
    pub history: Vec<ContractVersion>,
}

/// The account id of the contract `creator` instantiates from `code_digest` with its
/// transaction nonce `nonce`: `SHA-256(CONTRACT-ID tag ‖ v ‖ borsh((code_digest, creator, nonce)))`.
pub fn contract_account_id(code_digest: &Hash32, creator: &AccountId, nonce: u64) -> AccountId {
    AccountId(sha256(&canonical(domain::CONTRACT_ID, &(code_digest, creator, nonce))))
}

/// The identity commitment of a contract account: the council's approval of its code stands
/// where a registrar's identity check stands for a person (so tokens that require KYC may be
/// held by approved contracts): `SHA-256(CONTRACT-ID tag ‖ v ‖ borsh(code_digest))`.
pub fn contract_kyc_commitment(code_digest: &Hash32) -> Hash32 {
    sha256(&canonical(domain::CONTRACT_ID, code_digest))
}

/// An event a contract emitted, appended to the RFC 6962 log after its transaction (and after
/// the payment records of the transfers the call made).
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct ContractEvent {
    pub tx_id: TxId,
    pub height: u64,
    pub contract: AccountId,
    /// Position among the transaction's events.
    pub seq: u32,
    #[serde(with = "crate::hex_serde::bytes")]
    pub data: Vec<u8>,
}

impl ContractEvent {
    /// `CONTRACT-EVENT tag ‖ version ‖ borsh(event)`: the log leaf data.
    pub fn leaf_bytes(&self) -> Vec<u8> {
        canonical(domain::CONTRACT_EVENT, self)
    }
}

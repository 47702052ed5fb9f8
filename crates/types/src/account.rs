//! Accounts, roles and statuses as stored in the ledger state.

use crate::hash::{AccountId, Hash32};
use crate::keys::PublicKey;
use crate::payment::SignerSet;
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// What an account may do. An account holds a sorted set of roles.
#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum Role {
    /// Ordinary KYC'd user.
    User = 0,
    /// Governance council member (X.1405 8.8).
    Council = 1,
    /// Opens accounts after an identity check (X.1407 9.1.1 b).
    Registrar = 2,
    /// Registers proofs and issues tokens.
    Issuer = 3,
    /// Reads everything, changes nothing.
    Auditor = 4,
    /// Freezes accounts and decides monitoring holds (X.1405 8.4).
    Compliance = 5,
    /// A validator node's own account: signs the audit records of reads it served.
    Node = 6,
    /// A conversion desk: may hold every sub-ledger's tokens and provides the liquidity of the
    /// governed conversion rates that name it (X.1405 6.3).
    Desk = 7,
    /// A tax authority: issues e-invoices for the sellers whose invoicing conditions name it
    /// (X.1407 Appendix I phase B).
    TaxAuthority = 8,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::User,
        Role::Council,
        Role::Registrar,
        Role::Issuer,
        Role::Auditor,
        Role::Compliance,
        Role::Node,
        Role::Desk,
        Role::TaxAuthority,
    ];

    pub fn name(&self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Council => "council",
            Role::Registrar => "registrar",
            Role::Issuer => "issuer",
            Role::Auditor => "auditor",
            Role::Compliance => "compliance",
            Role::Node => "node",
            Role::Desk => "desk",
            Role::TaxAuthority => "tax_authority",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == text)
    }
}

/// Whether an account may act.
#[derive(Clone, Copy, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum AccountStatus {
    Active = 0,
    /// Temporarily blocked (incident response); may be unfrozen.
    Frozen = 1,
    /// Permanently closed; never active again.
    Revoked = 2,
}

impl AccountStatus {
    pub fn name(&self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Frozen => "frozen",
            AccountStatus::Revoked => "revoked",
        }
    }
}

/// An account as the ledger stores it. No personal data: only a salted commitment to the
/// identity record that the registrar keeps off-ledger (X.1407 9.1.1 b, 9.1.3).
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    /// Keys allowed to sign for this account, their weights and the threshold (X.1405 8.5.4).
    /// `id` derives from the key the account was opened with, so it survives key changes.
    pub signers: SignerSet,
    pub status: AccountStatus,
    /// Who last changed `status`, why and when (X.1405 8.4.4).
    pub status_note: Option<StatusNote>,
    /// The sub-ledger the account belongs to (`None`: the main ledger).
    pub subledger: Option<String>,
    /// Sorted, no duplicates.
    pub roles: Vec<Role>,
    /// A label the registrar attaches (a role or category, never a name).
    pub label: String,
    /// `SHA-256(KYC tag ‖ salt ‖ identity record)`, computed off-ledger; `None` for genesis accounts.
    #[serde(with = "crate::hex_serde::opt_hex32")]
    pub kyc_commitment: Option<Hash32>,
    /// Account that opened this one (`None` for genesis accounts).
    pub opened_by: Option<AccountId>,
    pub opened_height: u64,
    /// The nonce the next transaction from this account must carry.
    pub next_nonce: u64,
}

/// The actor, reason and height of an account's last status change.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct StatusNote {
    pub by: AccountId,
    pub reason: String,
    pub height: u64,
}

impl Account {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.binary_search(&role).is_ok()
    }

    /// Whether `key` may sign for this account (alone or with others).
    pub fn is_signer(&self, key: &PublicKey) -> bool {
        self.signers.weight_of(key).is_some()
    }

    /// Whether the account passed an identity check: a registrar stored a KYC commitment, or
    /// it was named in genesis (institutions checked by the founding ceremony).
    pub fn is_kyc(&self) -> bool {
        self.kyc_commitment.is_some() || self.opened_by.is_none()
    }
}

/// When one of an account's signer keys was added and until when it may sign (X.1405 8.7.1),
/// under `StateKey::KeyLife(account, key)`. Written when the key joins the account's signer set
/// (opening, `SetSigners`, a recovery) and removed when it leaves; a genesis key has none until
/// its account sets an expiry (then `added_height` is the account's `opened_height`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, borsh::BorshSerialize, borsh::BorshDeserialize, serde::Serialize, serde::Deserialize)]
pub struct KeyLife {
    pub added_height: u64,
    /// Block time it was added (0: a genesis key).
    pub added_ms: u64,
    /// Block time from which its signatures are refused (`0`: never).
    pub expires_ms: u64,
}

impl KeyLife {
    pub fn expired(&self, now_ms: u64) -> bool {
        self.expires_ms != 0 && now_ms >= self.expires_ms
    }
}

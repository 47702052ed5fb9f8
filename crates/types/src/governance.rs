//! Governance (X.1405 8.8, X.1407 9.3.1 f): a k-of-n council of accounts decides by
//! proposals and votes; every executed change is a versioned, listable event.

use crate::account::Role;
use crate::hash::AccountId;
use crate::payment::{MonitoringRules, TokenFlags};
use crate::payment::Hash32Text;
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Most council members.
pub const COUNCIL_MEMBERS_MAX: usize = 32;
/// Longest a proposal may stay open, in blocks.
pub const PROPOSAL_BLOCKS_MAX: u64 = 1_000_000;
/// Longest rules-document or module name / URI.
pub const GOV_TEXT_BYTES_MAX: usize = 256;

/// The council, under `StateKey::Council`. Members may themselves be multi-signature accounts.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Council {
    /// Sorted, unique.
    pub members: Vec<AccountId>,
    pub threshold: u32,
    pub version: u64,
}

impl Council {
    pub fn is_member(&self, id: &AccountId) -> bool {
        self.members.binary_search(id).is_ok()
    }

    pub fn check(&self) -> Result<(), String> {
        if self.members.is_empty() || self.members.len() > COUNCIL_MEMBERS_MAX {
            return Err(format!("a council has 1..={COUNCIL_MEMBERS_MAX} members"));
        }
        if !self.members.windows(2).all(|w| w[0] < w[1]) {
            return Err("council members must be sorted and unique".into());
        }
        if self.threshold == 0 || self.threshold as usize > self.members.len() {
            return Err(format!("threshold must be 1..={}", self.members.len()));
        }
        Ok(())
    }
}

/// What a proposal does when it passes. New kinds are appended.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum GovAction {
    CreateToken {
        symbol: String,
        decimals: u8,
        issuer: AccountId,
        subledger: Option<String>,
        flags: TokenFlags,
    },
    SetMonitoring { token: String, rules: MonitoringRules },
    SetRate { from: String, to: String, num: u64, den: u64, desk: AccountId },
    CreateSubledger { name: String, kyc_required: bool },
    /// Appoint an account to a role (registrar, issuer, auditor, compliance, desk, node).
    GrantRole { account: AccountId, role: Role },
    RevokeRole { account: AccountId, role: Role },
    /// A new version of the governing rules: the digest of the human-readable text and where
    /// it is published (G-RULES).
    SetRules { digest: Hash32Text, uri: String },
    /// Replace the council itself.
    SetCouncil { members: Vec<AccountId>, threshold: u32 },
    /// Register or upgrade a module/contract: its code digest and the digest of its review
    /// record (X.1405 8.6.1–8.6.3).
    RegisterModule { name: String, code_digest: Hash32Text, review_digest: Hash32Text },
    /// Pause or resume a registered module (X.1405 8.6.3).
    SetModulePaused { name: String, paused: bool },
    /// Add a validator from the next epoch boundary on.
    AddValidator { validator: crate::genesis::GenesisValidator },
    /// Remove a validator (by consensus key) from the next epoch boundary on — also the
    /// penalty for recorded misbehaviour (X.1407 9.2.3 e).
    RemoveValidator { consensus_key: Hash32Text },
    /// New consensus parameters (block limits, clock skew bounds) from the next block on.
    SetConsensusParams { params: crate::genesis::ConsensusParams },
    /// The reason codes status changes may give (replaces the list in force).
    SetReasonCodes { codes: Vec<String> },
    /// The council attests an issuer's identity (as a registrar's `AttestIssuer` does).
    AttestIssuer { issuer: AccountId, profile: crate::issuer::IssuerProfile },
    /// The witnesses validators push checkpoints to, and how many cosignatures count
    /// (replaces the policy in force; an empty list switches witnessing off).
    SetWitnesses { policy: crate::witness::WitnessPolicy },
    /// Approve contract code (X.1405 8.6.1–8.6.2): the ledger checks it as
    /// `vellum contract check` does before the proposal is accepted, and stores it by digest.
    RegisterCode {
        name: String,
        #[serde(with = "crate::hex_serde::bytes")]
        code: Vec<u8>,
        review_digest: Hash32Text,
    },
    /// Pause or resume one contract instance.
    SetContractPaused { contract: AccountId, paused: bool },
    /// Move an instance to other approved code; its storage and balances are kept, and the
    /// version is added to its history.
    UpgradeContract { contract: AccountId, code_digest: Hash32Text },
    /// Record (`advisory` = its text's digest) or lift (`None`) a vulnerability advisory
    /// against a code digest: while recorded, every instance of that code refuses calls
    /// (X.1405 8.6.3).
    SetCodeAdvisory { code_digest: Hash32Text, advisory: Option<Hash32Text> },
    /// Add and remove sanctioned screening commitments ([`crate::kyc::screening_commitment`]);
    /// the list's version rises by one. Readable by oversight roles only.
    UpdateSanctions { add: Vec<Hash32Text>, remove: Vec<Hash32Text> },
}

impl GovAction {
    /// The action proposing a governed payment body (token creation, monitoring rules, rates,
    /// sub-ledgers), which may not be submitted directly; `None` for any other body.
    pub fn from_governed_body(body: crate::tx::TxBody) -> Option<GovAction> {
        use crate::tx::TxBody as B;
        Some(match body {
            B::CreateToken { symbol, decimals, issuer, subledger, flags } => GovAction::CreateToken { symbol, decimals, issuer, subledger, flags },
            B::SetMonitoring { token, rules } => GovAction::SetMonitoring { token, rules },
            B::SetRate { from, to, num, den, desk } => GovAction::SetRate { from, to, num, den, desk },
            B::CreateSubledger { name, kyc_required } => GovAction::CreateSubledger { name, kyc_required },
            _ => return None,
        })
    }

    /// Shape checks that need no state (sizes, names).
    pub fn check(&self) -> Result<(), String> {
        use crate::payment::{valid_subledger, valid_symbol};
        let text = |t: &str, what: &str| {
            if t.is_empty() || t.len() > GOV_TEXT_BYTES_MAX { Err(format!("{what} must be 1..={GOV_TEXT_BYTES_MAX} bytes")) } else { Ok(()) }
        };
        match self {
            GovAction::CreateToken { symbol, decimals, subledger, .. } => {
                if !valid_symbol(symbol) || *decimals > crate::payment::DECIMALS_MAX {
                    return Err(format!("bad token symbol `{symbol}` or decimals"));
                }
                match subledger {
                    Some(n) if !valid_subledger(n) => Err(format!("bad sub-ledger name `{n}`")),
                    _ => Ok(()),
                }
            }
            GovAction::SetMonitoring { token, rules } => {
                if !valid_symbol(token) {
                    return Err(format!("bad token symbol `{token}`"));
                }
                rules.check()
            }
            GovAction::SetRate { from, to, num, den, .. } => {
                if !valid_symbol(from) || !valid_symbol(to) || from == to || *num == 0 || *den == 0 {
                    return Err("a rate joins two different tokens with a positive num/den".into());
                }
                Ok(())
            }
            GovAction::CreateSubledger { name, .. } if !valid_subledger(name) => Err(format!("bad sub-ledger name `{name}`")),
            GovAction::GrantRole { role: Role::Council, .. } | GovAction::RevokeRole { role: Role::Council, .. } => {
                Err("council membership changes through set_council".into())
            }
            GovAction::SetRules { uri, .. } => text(uri, "the rules URI"),
            GovAction::SetCouncil { members, threshold } => {
                let mut sorted = members.clone();
                sorted.sort();
                sorted.dedup();
                Council { members: sorted, threshold: *threshold, version: 0 }.check()
            }
            GovAction::RegisterModule { name, .. } | GovAction::SetModulePaused { name, .. } => text(name, "a module name"),
            GovAction::AddValidator { validator } => validator.check().map_err(|e| e.to_string()),
            GovAction::SetConsensusParams { params } => params.check(),
            GovAction::AttestIssuer { profile, .. } => profile.check(),
            GovAction::SetWitnesses { policy } => policy.check(),
            GovAction::RegisterCode { name, code, .. } => {
                use crate::contract::{CONTRACT_CODE_BYTES_MAX, valid_contract_name};
                if !valid_contract_name(name) {
                    return Err(format!("contract name `{}` must be 1..=64 bytes of [a-z0-9_-], starting with a letter", name.escape_debug()));
                }
                if code.is_empty() || code.len() > CONTRACT_CODE_BYTES_MAX {
                    return Err(format!("contract code must be 1..={CONTRACT_CODE_BYTES_MAX} bytes"));
                }
                Ok(())
            }
            GovAction::SetReasonCodes { codes } => {
                use crate::proof::{REASON_CODES_MAX, valid_reason_code};
                if codes.is_empty() || codes.len() > REASON_CODES_MAX {
                    return Err(format!("a reason-code list has 1..={REASON_CODES_MAX} codes"));
                }
                if let Some(bad) = codes.iter().find(|c| !valid_reason_code(c)) {
                    return Err(format!("`{}` is not a reason code ([a-z0-9_], starting with a letter, at most 32 bytes)", bad.escape_debug()));
                }
                let mut sorted: Vec<&String> = codes.iter().collect();
                sorted.sort();
                if sorted.windows(2).any(|w| w[0] == w[1]) {
                    return Err("reason codes must be unique".into());
                }
                Ok(())
            }
            GovAction::UpdateSanctions { add, remove } => {
                use crate::kyc::SANCTIONS_UPDATE_MAX;
                if add.is_empty() && remove.is_empty() {
                    return Err("a sanctions update adds or removes at least one commitment".into());
                }
                if add.len() > SANCTIONS_UPDATE_MAX || remove.len() > SANCTIONS_UPDATE_MAX {
                    return Err(format!("a sanctions update adds and removes at most {SANCTIONS_UPDATE_MAX} commitments each"));
                }
                let mut all: Vec<&Hash32Text> = add.iter().chain(remove).collect();
                all.sort_by_key(|h| h.0);
                if all.windows(2).any(|w| w[0] == w[1]) {
                    return Err("a commitment appears twice in one sanctions update".into());
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            GovAction::CreateToken { .. } => "create_token",
            GovAction::SetMonitoring { .. } => "set_monitoring",
            GovAction::SetRate { .. } => "set_rate",
            GovAction::CreateSubledger { .. } => "create_subledger",
            GovAction::GrantRole { .. } => "grant_role",
            GovAction::RevokeRole { .. } => "revoke_role",
            GovAction::SetRules { .. } => "set_rules",
            GovAction::SetCouncil { .. } => "set_council",
            GovAction::RegisterModule { .. } => "register_module",
            GovAction::SetModulePaused { .. } => "set_module_paused",
            GovAction::AddValidator { .. } => "add_validator",
            GovAction::RemoveValidator { .. } => "remove_validator",
            GovAction::SetConsensusParams { .. } => "set_consensus_params",
            GovAction::SetReasonCodes { .. } => "set_reason_codes",
            GovAction::AttestIssuer { .. } => "attest_issuer",
            GovAction::SetWitnesses { .. } => "set_witnesses",
            GovAction::RegisterCode { .. } => "register_code",
            GovAction::SetContractPaused { .. } => "set_contract_paused",
            GovAction::UpgradeContract { .. } => "upgrade_contract",
            GovAction::SetCodeAdvisory { .. } => "set_code_advisory",
            GovAction::UpdateSanctions { .. } => "update_sanctions",
        }
    }
}

#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum ProposalStatus {
    Open,
    Executed { height: u64 },
    /// Reached the threshold but the action could not apply (the reason's stable code).
    Failed { height: u64, code: String, message: String },
}

/// A proposal, under `StateKey::Proposal(id)`.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Proposal {
    pub id: u64,
    pub proposer: AccountId,
    pub created_height: u64,
    pub action: GovAction,
    /// Last height at which a vote counts.
    pub deadline_height: u64,
    /// Members that approved, in vote order.
    pub approvals: Vec<AccountId>,
    /// The council version the votes count against; a council change makes older proposals
    /// unpassable (they were proposed to another council).
    pub council_version: u64,
    pub status: ProposalStatus,
}

/// The governing rules document, under `StateKey::Rules`.
#[derive(Clone, PartialEq, Eq, Debug, Default, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct RulesDoc {
    /// 0 until the first `SetRules`.
    pub version: u64,
    pub digest: Option<Hash32Text>,
    pub uri: String,
    pub height: u64,
}

/// One executed governance change, under `StateKey::GovEvent(seq)`; `StateKey::GovEventCount`
/// holds how many exist. Users list them (`vellum rules history`).
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct GovEvent {
    pub seq: u64,
    pub proposal: u64,
    pub height: u64,
    pub time_ms: u64,
    pub action: GovAction,
    /// For versioned targets (rules, monitoring, rates, council): the version now in force.
    pub version: Option<u64>,
}

/// A registered module or contract, under `StateKey::Module(name)`.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Module {
    pub name: String,
    pub code_digest: Hash32Text,
    pub review_digest: Hash32Text,
    pub version: u64,
    pub paused: bool,
    pub approved_by_proposal: u64,
    pub height: u64,
}

/// The standard modules built into the ledger (X.1405 8.6.5), registered at genesis.
pub const STANDARD_MODULES: [&str; 5] = ["registry", "transfer", "multisig", "monitoring", "einvoice"];

//! The transaction envelope: chain id, sender, nonce, expiry height, body, signatures.

use crate::account::{AccountStatus, Role};
use crate::encoding::{DecodeError, canonical, domain, from_wire, to_wire};
use crate::hash::{AccountId, Hash32, TxId, sha256};
use crate::keys::{PublicKey, Signature};
use crate::kyc::KycTerms;
use crate::limits::{CHAIN_ID_BYTES_MAX, LABEL_BYTES_MAX, TX_BYTES_MAX, TX_SIGNATURES_MAX};
use crate::payment::{
    Leg, MonitoringRules, SignerSet, TRANSFER_LEGS_MAX, TokenFlags, DECIMALS_MAX, valid_subledger, valid_symbol,
};
use crate::proof::{
    AUDIT_ACTION_BYTES_MAX, AUDIT_BATCH_ENTRIES_MAX, AuditRecord, ReadRecord, BATCH_DOCUMENTS_MAX, ProofChange, ProofId, REASON_CODE_BYTES_MAX, SCHEMA_BYTES_MAX, valid_reason_code,
};
use borsh::{BorshDeserialize, BorshSerialize};

/// Longest reason text on a status change (recorded with the actor, X.1405 8.4.4).
pub const REASON_BYTES_MAX: usize = 256;

/// What a transaction does. New kinds are appended; existing discriminants never change.
/// The JSON form (`{"type": kind, ...fields}`, bytes as hex, u128 as decimal text) is a view
/// for people and SDK inputs (`docs/wire-format.md`); only the borsh bytes are signed.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum TxBody {
    /// A registrar opens an account for a user whose identity it checked off-ledger. Only a
    /// salted commitment to the identity record is stored (X.1407 9.1.1 b).
    /// `subledger` names the sub-ledger the account joins (`None`: the main ledger); the
    /// commitment may be absent only where the sub-ledger's policy does not require KYC.
    OpenAccount {
        public_key: PublicKey,
        #[serde(with = "crate::hex_serde::opt_hex32")]
        kyc_commitment: Option<Hash32>,
        label: String,
        role: Role,
        subledger: Option<String>,
        /// The identity check's tier, expiry and sanctions screening; needs a commitment.
        kyc: Option<KycTerms>,
    },
    /// Compliance freezes or unfreezes an account; a registrar or compliance revokes one.
    SetAccountStatus { account: AccountId, status: AccountStatus, reason: String },
    /// An issuer registers one document's digest (X.1407 7.2.1).
    RegisterProof {
        #[serde(with = "crate::hex_serde::hex32")]
        digest: Hash32,
        schema: String,
        #[serde(with = "crate::hex_serde::hex32")]
        metadata_digest: Hash32,
        salted: bool,
    },
    /// An issuer registers the RFC 6962 root over `count` document digests at once.
    RegisterBatch {
        #[serde(with = "crate::hex_serde::hex32")]
        root: Hash32,
        count: u32,
        schema: String,
        #[serde(with = "crate::hex_serde::hex32")]
        metadata_digest: Hash32,
        salted: bool,
    },
    /// The registrant revokes or supersedes its registration, or one member of a batch.
    SetProofStatus { proof: ProofId, member: Option<u32>, change: ProofChange },
    /// A validator node records the reads of proof data it served (node role only).
    AuditBatch { entries: Vec<AuditRecord> },
    /// Governance (a council-role account, itself k-of-n) creates a token.
    CreateToken { symbol: String, decimals: u8, issuer: AccountId, subledger: Option<String>, flags: TokenFlags },
    /// The token's issuer creates `amount` in `to`'s balance.
    Mint {
        token: String,
        to: AccountId,
        #[serde(with = "crate::payment::u128_text")]
        amount: u128,
    },
    /// The token's issuer destroys `amount` of its own balance.
    Burn {
        token: String,
        #[serde(with = "crate::payment::u128_text")]
        amount: u128,
    },
    /// The sender pays every leg atomically (all or none). `reference` links the payment to
    /// something else on the ledger (an invoice's proof id, an earlier payment).
    Transfer {
        legs: Vec<Leg>,
        #[serde(with = "crate::hex_serde::opt_hex32")]
        reference: Option<Hash32>,
    },
    /// The account replaces its signer set; the transaction must meet the current threshold.
    SetSigners { set: SignerSet },
    /// Governance sets a token's monitoring rules (the ledger assigns the version).
    SetMonitoring { token: String, rules: MonitoringRules },
    /// Compliance posts (`post = true`) or voids a pending hold.
    DecideHold { hold: u64, post: bool, reason: String },
    /// Compliance or the issuer pauses or unpauses a pausable token.
    SetTokenPaused { token: String, paused: bool, reason: String },
    /// Compliance moves `amount` from `from` back to the issuer (clawback-enabled tokens only).
    Clawback {
        token: String,
        from: AccountId,
        #[serde(with = "crate::payment::u128_text")]
        amount: u128,
        reason: String,
    },
    /// Governance creates a sub-ledger.
    CreateSubledger { name: String, kyc_required: bool },
    /// Governance sets the conversion rate `from → to` and the desk that provides liquidity.
    SetRate { from: String, to: String, num: u64, den: u64, desk: AccountId },
    /// A council member proposes a governed action (its own approval counts); it executes
    /// once approvals reach the council threshold at or before `deadline_height`.
    Propose { action: crate::governance::GovAction, deadline_height: u64 },
    /// A council member approves an open proposal.
    Vote { proposal: u64 },
    /// The account names its recovery guardians (k of n accounts) and the time lock of a
    /// recovery (X.1405 8.2.1). Needs the account's current threshold.
    SetGuardians { guardians: Vec<AccountId>, threshold: u32, delay_blocks: u64 },
    /// A guardian starts (or another guardian approves) replacing `account`'s signer set, for
    /// a lost or stolen device. It takes effect only after the time lock, with enough approvals.
    ProposeRecovery { account: AccountId, set: SignerSet },
    /// The account's owner cancels a pending recovery within the time lock.
    CancelRecovery,
    /// Anyone completes a recovery whose time lock passed and whose approvals reach the
    /// guardians' threshold: the old keys stop working.
    ExecuteRecovery { account: AccountId },
    /// Keys by purpose (X.1405 8.7.2): the keys that authenticate the account's read requests
    /// (then only they do — transaction keys no longer can), and the public encryption
    /// recipient others use to encrypt originals for it. Needs the account's threshold.
    SetPurposeKeys { request_keys: Vec<PublicKey>, encryption_recipient: Option<String> },
    /// A validator's node account reports misbehaviour its consensus engine proved: the
    /// accused validator's consensus key, what kind, where, and Commonware's encoding of the
    /// two conflicting signed votes (X.1407 9.2.1 b).
    ReportMisbehavior {
        #[serde(with = "crate::hex_serde::hex32")]
        validator: [u8; 32],
        kind: crate::validators::MisbehaviorKind,
        epoch: u64,
        view: u64,
        #[serde(with = "crate::hex_serde::bytes")]
        evidence: Vec<u8>,
    },
    /// Compliance revokes every registration `issuer` made at or after `from_height` (a stolen
    /// issuer key's forgeries) and stops it registering; `reason` is a governed code.
    RevokeIssuer { issuer: AccountId, from_height: u64, reason: String },
    /// The registrant hands a batch's member digests (and their holders) to the network, in
    /// order from `first`, so that bundles survive the loss of its manifest. `first = 0`
    /// starts over. The chunk that completes the batch must make the registered root.
    StoreBatchMembers { proof: ProofId, first: u32, members: Vec<crate::proof::BatchMember> },
    /// The registrant names accounts that hold its registration (`member` = `None`) or one
    /// member of a batch: they may fetch its bundle and stored original.
    AddHolders { proof: ProofId, member: Option<u32>, holders: Vec<AccountId> },
    /// A registrar attests who an issuer account is, having checked the issuer's well-known
    /// document (replaces an earlier attestation).
    AttestIssuer { issuer: AccountId, profile: crate::issuer::IssuerProfile },
    /// A registrar or compliance withdraws an issuer's attestation; `reason` is a reason code.
    RevokeAttestation { issuer: AccountId, reason: String },
    /// Anyone instantiates governance-approved code into a new contract account
    /// ([`crate::contract::contract_account_id`]) and runs its `init` with `input`, under a
    /// budget of `fuel`.
    InstantiateContract {
        #[serde(with = "crate::hex_serde::hex32")]
        code_digest: Hash32,
        #[serde(with = "crate::hex_serde::bytes")]
        input: Vec<u8>,
        fuel: u64,
    },
    /// Calls `function` of a contract with `input`, under a budget of `fuel`.
    CallContract {
        contract: AccountId,
        function: String,
        #[serde(with = "crate::hex_serde::bytes")]
        input: Vec<u8>,
        fuel: u64,
    },
    /// A seller sets (or replaces) its invoicing conditions (X.1407 Appendix I).
    SetInvoicing { tax_authority: AccountId, token: String, vat_basis_points: u32 },
    /// Phase B: the seller's tax authority issues the invoice of an invoiceable payment,
    /// consuming it (one invoice per payment).
    IssueInvoice {
        payment: crate::hash::TxId,
        #[serde(with = "crate::hex_serde::hex32")]
        document_digest: Hash32,
    },
    /// Phase C: the sender reimburses the invoice's buyer its gross amount, consuming the
    /// invoice (at most once).
    ReimburseInvoice {
        #[serde(with = "crate::hex_serde::hex32")]
        invoice: Hash32,
    },
    /// Phase D: the seller pays the invoice's VAT to the tax authority (at most once).
    ClearInvoiceTax {
        #[serde(with = "crate::hex_serde::hex32")]
        invoice: Hash32,
    },
    /// A registrar (re-)verifies an account's identity: its tier, expiry and screening
    /// commitment (X.1405 8.4.2). Replaces the record in force.
    SetKyc { account: AccountId, terms: KycTerms },
    /// A node account records reads of account data (X.1407 9.1.1 c), as `AuditBatch` does
    /// for proof data.
    AuditReads { entries: Vec<ReadRecord> },
    /// The account sets (or, with `0`, lifts) the time from which one of its signer keys
    /// stops signing (X.1405 8.7.1): rotate before it.
    SetKeyExpiry { key: PublicKey, expires_ms: u64 },
    /// The registrant deletes the stored original of its registration (member 0) or of one
    /// member of its batch: every validator destroys its copy when it applies the block, and
    /// one that was down does so as it catches up. The proof stays verifiable.
    DeleteOriginal { proof: ProofId, member: u32 },
}

impl TxBody {
    pub fn kind(&self) -> &'static str {
        match self {
            TxBody::OpenAccount { .. } => "open_account",
            TxBody::SetAccountStatus { .. } => "set_account_status",
            TxBody::RegisterProof { .. } => "register_proof",
            TxBody::RegisterBatch { .. } => "register_batch",
            TxBody::SetProofStatus { .. } => "set_proof_status",
            TxBody::AuditBatch { .. } => "audit_batch",
            TxBody::CreateToken { .. } => "create_token",
            TxBody::Mint { .. } => "mint",
            TxBody::Burn { .. } => "burn",
            TxBody::Transfer { .. } => "transfer",
            TxBody::SetSigners { .. } => "set_signers",
            TxBody::SetMonitoring { .. } => "set_monitoring",
            TxBody::DecideHold { .. } => "decide_hold",
            TxBody::SetTokenPaused { .. } => "set_token_paused",
            TxBody::Clawback { .. } => "clawback",
            TxBody::CreateSubledger { .. } => "create_subledger",
            TxBody::SetRate { .. } => "set_rate",
            TxBody::Propose { .. } => "propose",
            TxBody::Vote { .. } => "vote",
            TxBody::SetGuardians { .. } => "set_guardians",
            TxBody::ProposeRecovery { .. } => "propose_recovery",
            TxBody::CancelRecovery => "cancel_recovery",
            TxBody::ExecuteRecovery { .. } => "execute_recovery",
            TxBody::SetPurposeKeys { .. } => "set_purpose_keys",
            TxBody::ReportMisbehavior { .. } => "report_misbehavior",
            TxBody::RevokeIssuer { .. } => "revoke_issuer",
            TxBody::StoreBatchMembers { .. } => "store_batch_members",
            TxBody::AddHolders { .. } => "add_holders",
            TxBody::AttestIssuer { .. } => "attest_issuer",
            TxBody::RevokeAttestation { .. } => "revoke_attestation",
            TxBody::InstantiateContract { .. } => "instantiate_contract",
            TxBody::CallContract { .. } => "call_contract",
            TxBody::SetInvoicing { .. } => "set_invoicing",
            TxBody::IssueInvoice { .. } => "issue_invoice",
            TxBody::ReimburseInvoice { .. } => "reimburse_invoice",
            TxBody::ClearInvoiceTax { .. } => "clear_invoice_tax",
            TxBody::SetKyc { .. } => "set_kyc",
            TxBody::AuditReads { .. } => "audit_reads",
            TxBody::SetKeyExpiry { .. } => "set_key_expiry",
            TxBody::DeleteOriginal { .. } => "delete_original",
        }
    }
}

/// Everything the signers sign.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnsignedTx {
    pub chain_id: String,
    pub sender: AccountId,
    /// Must equal the sender's `next_nonce` when the transaction executes.
    pub nonce: u64,
    /// Last block height at which the transaction may be included.
    pub expiry_height: u64,
    pub body: TxBody,
}

/// A signed transaction as it travels and as it is stored in blocks.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub struct Transaction {
    pub unsigned: UnsignedTx,
    pub signatures: Vec<Signature>,
}

impl UnsignedTx {
    /// `TX-SIGN tag ‖ version ‖ borsh(unsigned)`: the message every signature covers.
    pub fn signing_bytes(&self) -> Vec<u8> {
        canonical(domain::TX_SIGN, self)
    }

    pub fn id(&self) -> TxId {
        TxId(sha256(&canonical(domain::TX_ID, self)))
    }
}

impl Transaction {
    pub fn id(&self) -> TxId {
        self.unsigned.id()
    }

    /// The leaf data this transaction contributes to the RFC 6962 log: the whole envelope,
    /// signatures included, so an inclusion proof also proves who signed.
    pub fn leaf_bytes(&self) -> Vec<u8> {
        canonical(domain::TX_LEAF, self)
    }

    pub fn to_wire(&self) -> Vec<u8> {
        to_wire(self)
    }

    /// Decodes and checks the shape (sizes and counts); signatures are checked by `vellum-crypto`.
    pub fn from_wire(bytes: &[u8]) -> Result<Self, DecodeError> {
        let tx: Transaction = from_wire(bytes, TX_BYTES_MAX)?;
        tx.check_shape()?;
        Ok(tx)
    }

    /// Encoded size on the wire.
    pub fn wire_bytes(&self) -> usize {
        1 + borsh::object_length(self).expect("borsh length is infallible")
    }

    /// Limits a well-formed transaction respects, whatever state it meets: its signatures
    /// and size here, the unsigned part's rules in [`UnsignedTx::check_shape`].
    pub fn check_shape(&self) -> Result<(), DecodeError> {
        if self.signatures.is_empty() {
            return Err(DecodeError::Invalid("transaction carries no signature".into()));
        }
        if self.signatures.len() > TX_SIGNATURES_MAX {
            return Err(DecodeError::Invalid(format!("more than {TX_SIGNATURES_MAX} signatures")));
        }
        let size = self.wire_bytes();
        if size > TX_BYTES_MAX {
            return Err(DecodeError::TooLarge { actual: size, max: TX_BYTES_MAX });
        }
        self.unsigned.check_shape()
    }
}

impl UnsignedTx {
    /// The rules of the chain id and the body, which a transaction file checks before anyone
    /// signs (the signatures are not there yet).
    pub fn check_shape(&self) -> Result<(), DecodeError> {
        let invalid = |m: String| Err(DecodeError::Invalid(m));
        let u = self;
        if u.chain_id.is_empty() || u.chain_id.len() > CHAIN_ID_BYTES_MAX {
            return invalid(format!("chain id must be 1..={CHAIN_ID_BYTES_MAX} bytes"));
        }
        match &u.body {
            TxBody::OpenAccount { label, .. } if label.len() > LABEL_BYTES_MAX => {
                invalid(format!("label longer than {LABEL_BYTES_MAX} bytes"))
            }
            TxBody::OpenAccount { subledger: Some(name), .. } if !valid_subledger(name) => {
                invalid(format!("sub-ledger name `{name}` must be 1..=32 bytes of [a-z0-9-], starting with a letter"))
            }
            TxBody::OpenAccount { kyc: Some(_), kyc_commitment: None, .. } => {
                invalid("KYC terms need the identity's KYC commitment".into())
            }
            TxBody::OpenAccount { kyc: Some(terms), .. } | TxBody::SetKyc { terms, .. } if terms.check().is_err() => {
                invalid(terms.check().unwrap_err())
            }
            TxBody::SetProofStatus { change: ProofChange::Revoke { reason } | ProofChange::Suspend { reason }, .. }
            | TxBody::RevokeIssuer { reason, .. }
            | TxBody::RevokeAttestation { reason, .. }
                if !valid_reason_code(reason) =>
            {
                invalid(format!("reason `{}` is not a reason code (1..={REASON_CODE_BYTES_MAX} bytes of [a-z0-9_], starting with a letter)", reason.escape_debug()))
            }
            TxBody::SetAccountStatus { reason, .. }
            | TxBody::DecideHold { reason, .. }
            | TxBody::SetTokenPaused { reason, .. }
            | TxBody::Clawback { reason, .. }
                if reason.len() > REASON_BYTES_MAX =>
            {
                invalid(format!("reason longer than {REASON_BYTES_MAX} bytes"))
            }
            TxBody::RegisterProof { schema, .. } | TxBody::RegisterBatch { schema, .. }
                if schema.is_empty() || schema.len() > SCHEMA_BYTES_MAX =>
            {
                invalid(format!("schema label must be 1..={SCHEMA_BYTES_MAX} bytes"))
            }
            TxBody::RegisterBatch { count, .. } if *count == 0 || *count > BATCH_DOCUMENTS_MAX => {
                invalid(format!("a batch covers 1..={BATCH_DOCUMENTS_MAX} documents"))
            }
            TxBody::AuditBatch { entries }
                if entries.is_empty()
                    || entries.len() > AUDIT_BATCH_ENTRIES_MAX
                    || entries.iter().any(|e| e.action.len() > AUDIT_ACTION_BYTES_MAX) =>
            {
                invalid(format!(
                    "an audit batch holds 1..={AUDIT_BATCH_ENTRIES_MAX} records with actions of at most {AUDIT_ACTION_BYTES_MAX} bytes"
                ))
            }
            TxBody::AuditReads { entries }
                if entries.is_empty()
                    || entries.len() > AUDIT_BATCH_ENTRIES_MAX
                    || entries.iter().any(|e| e.action.is_empty() || e.action.len() > AUDIT_ACTION_BYTES_MAX) =>
            {
                invalid(format!(
                    "an audit batch holds 1..={AUDIT_BATCH_ENTRIES_MAX} records with actions of 1..={AUDIT_ACTION_BYTES_MAX} bytes"
                ))
            }
            TxBody::CreateToken { symbol, decimals, subledger, .. } => {
                check_symbol(symbol)?;
                if *decimals > DECIMALS_MAX {
                    return invalid(format!("decimals at most {DECIMALS_MAX}"));
                }
                match subledger {
                    Some(name) if !valid_subledger(name) => invalid(format!("bad sub-ledger name `{name}`")),
                    _ => Ok(()),
                }
            }
            TxBody::Mint { token, amount, .. }
            | TxBody::Burn { token, amount }
            | TxBody::Clawback { token, amount, .. } => {
                check_symbol(token)?;
                if *amount == 0 { invalid("amount must be positive".into()) } else { Ok(()) }
            }
            TxBody::Transfer { legs, .. } => {
                if legs.is_empty() || legs.len() > TRANSFER_LEGS_MAX {
                    return invalid(format!("a transfer has 1..={TRANSFER_LEGS_MAX} legs"));
                }
                for leg in legs {
                    check_symbol(&leg.token)?;
                    if leg.amount == 0 {
                        return invalid("every leg's amount must be positive".into());
                    }
                    if let Some(q) = &leg.convert {
                        check_symbol(&q.to_token)?;
                        if q.to_token == leg.token {
                            return invalid("a conversion needs two different tokens".into());
                        }
                    }
                }
                Ok(())
            }
            TxBody::SetSigners { set } => set.check().map_err(DecodeError::Invalid),
            TxBody::SetMonitoring { token, rules } => {
                check_symbol(token)?;
                rules.check().map_err(DecodeError::Invalid)
            }
            TxBody::SetTokenPaused { token, .. } => check_symbol(token),
            TxBody::Propose { action, .. } => action.check().map_err(DecodeError::Invalid),
            TxBody::ProposeRecovery { set, .. } => set.check().map_err(DecodeError::Invalid),
            TxBody::SetPurposeKeys { request_keys, encryption_recipient } => {
                if request_keys.len() > crate::payment::SIGNERS_MAX {
                    return invalid(format!("at most {} request keys", crate::payment::SIGNERS_MAX));
                }
                match encryption_recipient {
                    Some(r) if !r.starts_with("age1") || r.len() > 128 => invalid("the encryption recipient must be an age X25519 recipient (age1…)".into()),
                    _ => Ok(()),
                }
            }
            TxBody::ReportMisbehavior { evidence, .. } => {
                if evidence.is_empty() || evidence.len() > crate::validators::MISBEHAVIOR_EVIDENCE_BYTES_MAX {
                    return invalid(format!("evidence must be 1..={} bytes", crate::validators::MISBEHAVIOR_EVIDENCE_BYTES_MAX));
                }
                Ok(())
            }
            TxBody::SetGuardians { guardians, threshold, delay_blocks } => {
                if guardians.is_empty() || guardians.len() > crate::payment::SIGNERS_MAX {
                    return invalid(format!("an account has 1..={} guardians", crate::payment::SIGNERS_MAX));
                }
                if *threshold == 0 || *threshold as usize > guardians.len() {
                    return invalid("the guardian threshold must be 1..=the number of guardians".into());
                }
                if *delay_blocks == 0 || *delay_blocks > crate::payment::RECOVERY_DELAY_BLOCKS_MAX {
                    return invalid(format!("the recovery time lock must be 1..={} blocks", crate::payment::RECOVERY_DELAY_BLOCKS_MAX));
                }
                Ok(())
            }
            TxBody::StoreBatchMembers { members, .. } if members.is_empty() || members.len() > crate::proof::BATCH_MEMBERS_PER_TX_MAX => {
                invalid(format!("a store_batch_members carries 1..={} members", crate::proof::BATCH_MEMBERS_PER_TX_MAX))
            }
            TxBody::AttestIssuer { profile, .. } => profile.check().map_err(DecodeError::Invalid),
            TxBody::AddHolders { holders, .. } => {
                if holders.is_empty() || holders.len() > crate::proof::HOLDERS_PER_TX_MAX {
                    return invalid(format!("add_holders names 1..={} holders", crate::proof::HOLDERS_PER_TX_MAX));
                }
                let mut sorted = holders.clone();
                sorted.sort();
                sorted.dedup();
                if sorted.len() != holders.len() { invalid("a holder is named twice".into()) } else { Ok(()) }
            }
            TxBody::CreateSubledger { name, .. } if !valid_subledger(name) => {
                invalid(format!("sub-ledger name `{name}` must be 1..=32 bytes of [a-z0-9-], starting with a letter"))
            }
            TxBody::SetRate { from, to, num, den, .. } => {
                check_symbol(from)?;
                check_symbol(to)?;
                if from == to || *num == 0 || *den == 0 {
                    invalid("a rate joins two different tokens with a positive num/den".into())
                } else {
                    Ok(())
                }
            }
            TxBody::InstantiateContract { input, fuel, .. } | TxBody::CallContract { input, fuel, .. } => {
                use crate::contract::CONTRACT_INPUT_BYTES_MAX;
                if let TxBody::CallContract { function, .. } = &u.body
                    && !crate::contract::valid_contract_name(function)
                {
                    return invalid(format!("function name `{}` must be 1..=64 bytes of [a-z0-9_-], starting with a letter", function.escape_debug()));
                }
                if input.len() > CONTRACT_INPUT_BYTES_MAX {
                    return invalid(format!("a contract input is at most {CONTRACT_INPUT_BYTES_MAX} bytes"));
                }
                if *fuel == 0 { invalid("a contract call needs a positive fuel budget".into()) } else { Ok(()) }
            }
            TxBody::SetInvoicing { token, vat_basis_points, .. } => {
                check_symbol(token)?;
                if *vat_basis_points > crate::invoice::VAT_BASIS_POINTS_MAX {
                    return invalid(format!("the VAT rate is at most {} basis points", crate::invoice::VAT_BASIS_POINTS_MAX));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The fuel a transaction may use: its declared budget (0 for bodies that run no code).
    /// A block's transactions together declare at most the block's fuel budget.
    pub fn fuel_declared(&self) -> u64 {
        match &self.body {
            TxBody::InstantiateContract { fuel, .. } | TxBody::CallContract { fuel, .. } => *fuel,
            _ => 0,
        }
    }
}

fn check_symbol(symbol: &str) -> Result<(), DecodeError> {
    if valid_symbol(symbol) {
        Ok(())
    } else {
        Err(DecodeError::Invalid(format!("token symbol `{symbol}` must be 1..=12 bytes of [A-Z0-9], starting with a letter")))
    }
}

/// The salted commitment a registrar stores instead of an identity record:
/// `SHA-256(KYC-COMMITMENT tag ‖ version ‖ borsh((salt, record)))`. The salt (≥ 16 random
/// bytes, kept off-ledger with the record) stops anyone guessing a record from the commitment.
pub fn kyc_commitment(salt: &[u8], identity_record: &[u8]) -> Hash32 {
    sha256(&canonical(domain::KYC_COMMITMENT, &(salt, identity_record)))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> Transaction {
        Transaction {
            unsigned: UnsignedTx {
                chain_id: "vellum-test".into(),
                sender: AccountId([1; 32]),
                nonce: 3,
                expiry_height: 100,
                body: TxBody::OpenAccount {
                    public_key: PublicKey::Ed25519([9; 32]),
                    kyc_commitment: Some([4; 32]),
                    label: "employee".into(),
                    role: Role::User,
                    subledger: None, kyc: None
                },
            },
            signatures: vec![Signature::Ed25519 { public_key: [9; 32], signature: [5; 64] }],
        }
    }

    #[test]
    fn wire_round_trip_and_id_ignores_signatures() {
        let tx = sample();
        let bytes = tx.to_wire();
        assert_eq!(bytes.len(), tx.wire_bytes());
        assert_eq!(Transaction::from_wire(&bytes).unwrap(), tx);
        let mut other = tx.clone();
        other.signatures[0] = Signature::Ed25519 { public_key: [9; 32], signature: [6; 64] };
        assert_eq!(other.id(), tx.id());
        assert_ne!(other.leaf_bytes(), tx.leaf_bytes());
    }

    #[test]
    fn shape_errors_are_specific() {
        let mut tx = sample();
        tx.signatures.clear();
        assert!(matches!(Transaction::from_wire(&tx.to_wire()), Err(DecodeError::Invalid(m)) if m.contains("no signature")));
        let mut tx = sample();
        tx.unsigned.chain_id = String::new();
        assert!(Transaction::from_wire(&tx.to_wire()).is_err());
        let mut tx = sample();
        if let TxBody::OpenAccount { label, .. } = &mut tx.unsigned.body {
            *label = "x".repeat(LABEL_BYTES_MAX + 1);
        }
        assert!(matches!(Transaction::from_wire(&tx.to_wire()), Err(DecodeError::Invalid(m)) if m.contains("label")));
        let huge = vec![1u8; TX_BYTES_MAX + 1];
        assert!(matches!(Transaction::from_wire(&huge), Err(DecodeError::TooLarge { .. })));
    }

    /// Contract, e-invoice and code-proposal bodies: hostile shapes are refused with the rule
    /// they break, before anyone signs.
    #[test]
    fn contract_and_invoice_shapes_are_checked() {
        let refused = |body: TxBody, says: &str| {
            let u = UnsignedTx { body, ..sample().unsigned };
            match u.check_shape() {
                Err(DecodeError::Invalid(m)) => assert!(m.contains(says), "{m}"),
                other => panic!("expected a refusal mentioning `{says}`, got {other:?}"),
            }
        };
        let call = |function: &str, input: Vec<u8>, fuel: u64| TxBody::CallContract { contract: AccountId([2; 32]), function: function.into(), input, fuel };
        refused(call("Release", vec![], 1), "function name");
        refused(call("", vec![], 1), "function name");
        refused(call(&"a".repeat(65), vec![], 1), "function name");
        refused(call("release", vec![0; crate::contract::CONTRACT_INPUT_BYTES_MAX + 1], 1), "input");
        refused(call("release", vec![], 0), "fuel");
        refused(TxBody::InstantiateContract { code_digest: [1; 32], input: vec![], fuel: 0 }, "fuel");
        refused(TxBody::SetInvoicing { tax_authority: AccountId([3; 32]), token: "eur".into(), vat_basis_points: 100 }, "symbol");
        refused(TxBody::SetInvoicing { tax_authority: AccountId([3; 32]), token: "EUR".into(), vat_basis_points: 10_001 }, "VAT");
        let code = |name: &str, code: Vec<u8>| TxBody::Propose {
            action: crate::GovAction::RegisterCode { name: name.into(), code, review_digest: crate::payment::Hash32Text([0; 32]) },
            deadline_height: 10,
        };
        refused(code("escrow", vec![]), "code");
        refused(code("escrow", vec![0; crate::contract::CONTRACT_CODE_BYTES_MAX + 1]), "code");
        refused(code("Escrow!", vec![0; 8]), "contract name");
        let fine = UnsignedTx { body: call("release", vec![1, 2], 10), ..sample().unsigned };
        assert!(fine.check_shape().is_ok());
        assert_eq!(fine.fuel_declared(), 10);
    }

    proptest::proptest! {
        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = Transaction::from_wire(&bytes);
        }

        #[test]
        fn single_bit_flips_never_decode_to_the_same_tx(byte in 0usize..200, bit in 0u8..8) {
            let tx = sample();
            let mut bytes = tx.to_wire();
            let i = byte % bytes.len();
            bytes[i] ^= 1 << bit;
            if let Ok(decoded) = Transaction::from_wire(&bytes) {
                proptest::prop_assert_ne!(decoded, tx);
            }
        }
    }
}

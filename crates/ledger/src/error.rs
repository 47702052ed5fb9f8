use thiserror::Error;
use vellum_crypto::SigError;
use vellum_types::{AccountId, DecodeError, Role};

/// Why a transaction cannot execute. Every variant leaves the state untouched.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum TxError {
    #[error(transparent)]
    Contract(#[from] ContractError),
    #[error(transparent)]
    Invoice(#[from] InvoiceError),
    #[error("a role of sub-ledger `{subledger}` acts within that sub-ledger only")]
    OutsideSubledger { subledger: String },
    #[error("key {key} of account {account} expired at {expired_ms} ms: rotate it (another key, or guardian recovery)")]
    KeyExpired { account: AccountId, key: String, expired_ms: u64 },
    #[error("{key} is not a signer key of account {account}")]
    NotASigner { account: AccountId, key: String },
    #[error("account {account}'s identity check expired at {expired_ms} ms: it receives but sends only after a registrar re-verifies it")]
    KycExpired { account: AccountId, expired_ms: u64 },
    #[error("the identity's screening commitment is on the sanctions list (version {list_version}): account {account} is not opened or re-verified")]
    SanctionsHit { account: AccountId, list_version: u64 },
    #[error("screening commitment {commitment} is {state} the sanctions list")]
    SanctionsUnchanged { commitment: String, state: &'static str },
    #[error("the block's contract fuel budget ({max}) has {left} left; the transaction declares {asked}")]
    BlockFuel { asked: u64, left: u64, max: u64 },
    #[error("malformed transaction: {0}")]
    Malformed(#[from] DecodeError),
    #[error("wrong chain id: this chain is `{expected}`, the transaction names `{got}`")]
    WrongChain { expected: String, got: String },
    #[error("expired: valid up to height {expiry_height}, the block is at {height}")]
    Expired { expiry_height: u64, height: u64 },
    #[error("bad signature: {0}")]
    Signature(#[from] SigError),
    #[error("unknown sender account {0}")]
    UnknownSender(AccountId),
    #[error("sender account {account} is {status}")]
    SenderNotActive { account: AccountId, status: &'static str },
    #[error("bad nonce: the account expects {expected}, the transaction carries {got}")]
    BadNonce { expected: u64, got: u64 },
    #[error("signer {signer} is not a key of account {account}")]
    UnauthorizedSigner { account: AccountId, signer: String },
    #[error("sender lacks the `{}` role", .0.name())]
    MissingRole(Role),
    #[error("account {0} already exists")]
    AccountExists(AccountId),
    #[error("a registrar may only grant the `user` role; `{}` needs governance", .0.name())]
    PrivilegedRole(Role),
    #[error("unknown account {0}")]
    UnknownAccount(AccountId),
    #[error("account {account} is already {status}")]
    StatusUnchanged { account: AccountId, status: &'static str },
    #[error("account {0} is revoked; revocation is final")]
    AccountRevoked(AccountId),
    #[error("an account cannot change its own status")]
    SelfStatusChange,
    #[error("arithmetic overflow in {0}")]
    Overflow(&'static str),
    #[error("{digest} is already registered by this issuer as live proof {proof}")]
    DuplicateProof { digest: String, proof: String },
    #[error("unknown proof {0}")]
    UnknownProof(String),
    #[error("only the registrant may change proof {0}")]
    NotRegistrant(String),
    #[error("proof {proof} is already {status}")]
    ProofNotLive { proof: String, status: &'static str },
    #[error("proof {proof} has no member {index} (it covers {count} documents)")]
    NoSuchMember { proof: String, index: u32, count: u32 },
    #[error("the original of proof {proof} member {member} is already deleted")]
    OriginalDeleted { proof: String, member: u32 },
    #[error("a proof cannot supersede itself, and members are revoked, not superseded")]
    BadSupersede,
    #[error("`{0}` is not in the governed list of reason codes")]
    UnknownReasonCode(String),
    #[error("proof {proof} is {status}: it cannot be {change}")]
    BadStatusChange { proof: String, status: &'static str, change: &'static str },
    #[error("proof {0} has no room for another suspension or reinstatement (its history is full); it can still be revoked")]
    StatusHistoryFull(String),
    #[error("issuer {0} is revoked: it can register nothing more")]
    IssuerRevoked(AccountId),
    #[error("account {0} does not hold the issuer role")]
    NotAnIssuer(vellum_types::AccountId),
    #[error("issuer {0} has no attested identity")]
    NoAttestation(vellum_types::AccountId),
    #[error("the attestation of issuer {0} is already revoked")]
    AttestationRevoked(vellum_types::AccountId),
    #[error("proof {0} is not a batch")]
    NotABatch(String),
    #[error("the members of batch {0} are all stored already (send first = 0 to start over)")]
    BatchMembersStored(String),
    #[error("batch {proof}: members must come in order; the next is {expected}, this transaction starts at {got}")]
    BatchMembersOrder { proof: String, expected: u32, got: u32 },
    #[error("batch {0}: the stored members do not hash to the registered root (send first = 0 to start over)")]
    BatchRootMismatch(String),
    #[error("issuer {account} is already revoked from height {from_height} on")]
    IssuerAlreadyRevoked { account: AccountId, from_height: u64 },
    #[error("key {0} signed twice")]
    DuplicateSigner(String),
    #[error("signatures on account {account} weigh {weight}, its threshold is {threshold}")]
    Threshold { account: AccountId, weight: u32, threshold: u32 },
    #[error("account {account} has no KYC commitment, which {what} requires")]
    KycRequired { account: AccountId, what: String },
    #[error("unknown token {0}")]
    UnknownToken(String),
    #[error("token {0} already exists")]
    TokenExists(String),
    #[error("unknown sub-ledger `{0}`")]
    UnknownSubledger(String),
    #[error("sub-ledger `{0}` already exists")]
    SubledgerExists(String),
    #[error("only the issuer of {0} may mint or burn it")]
    NotIssuer(String),
    #[error("token {0} is paused")]
    TokenPaused(String),
    #[error("token {token} is not {flag}")]
    FlagOff { token: String, flag: &'static str },
    #[error("token {token} already has paused = {paused}")]
    PauseUnchanged { token: String, paused: bool },
    #[error("account {account} has {available} {token} available, needs {needed}")]
    InsufficientFunds { account: AccountId, token: String, available: u128, needed: u128 },
    #[error("account {account} cannot hold {token}: they belong to different sub-ledgers (convert at a governed rate instead)")]
    WrongSubledger { account: AccountId, token: String },
    #[error("recipient {account} is {status}")]
    RecipientNotActive { account: AccountId, status: &'static str },
    #[error("a leg cannot pay the sender itself")]
    SelfTransfer,
    #[error("no governed conversion rate from {from} to {to}")]
    NoRate { from: String, to: String },
    #[error("the {from}→{to} rate is at version {current}, the transfer quoted version {quoted}")]
    RateChanged { from: String, to: String, current: u64, quoted: u64 },
    #[error("the conversion credits nothing (amount too small for the rate)")]
    ZeroCredit,
    #[error("the conversion desk cannot be the sender or the recipient of a converted leg")]
    DeskConflict,
    #[error("account {0} does not have the `desk` role")]
    NotDesk(AccountId),
    #[error("unknown hold {0}")]
    UnknownHold(u64),
    #[error("hold {hold} is already {status}")]
    HoldNotPending { hold: u64, status: &'static str },
    #[error("hold {0} timed out; it is voided automatically")]
    HoldExpired(u64),
    #[error("account {account} is not a member of sub-ledger `{subledger}`")]
    NotAMember { account: AccountId, subledger: String },
    #[error("`{0}` is a governed action: submit it as a proposal (`Propose`) for the council to pass")]
    Governed(&'static str),
    #[error("this chain has no governance council")]
    NoCouncil,
    #[error("account {0} is not a member of the governance council")]
    NotCouncilMember(AccountId),
    #[error("deadline height {deadline} must be after the current height {height} and at most 1,000,000 blocks away")]
    BadDeadline { deadline: u64, height: u64 },
    #[error("unknown proposal {0}")]
    UnknownProposal(u64),
    #[error("proposal {proposal} is already {status}")]
    ProposalClosed { proposal: u64, status: &'static str },
    #[error("proposal {proposal} expired at height {deadline}")]
    ProposalExpired { proposal: u64, deadline: u64 },
    #[error("proposal {0} was made to a council that has since changed")]
    ProposalStale(u64),
    #[error("{member} already approved proposal {proposal}")]
    AlreadyVoted { proposal: u64, member: AccountId },
    #[error("account {account} already has (or lacks) the `{role}` role")]
    RoleUnchanged { account: AccountId, role: &'static str },
    #[error("unknown module `{0}`")]
    UnknownModule(String),
    #[error("module `{0}` is paused by governance")]
    ModulePaused(&'static str),
    #[error("module `{0}` already has that paused state")]
    ModuleUnchanged(String),
    #[error("account {0} has no recovery guardians")]
    NoGuardians(AccountId),
    #[error("{guardian} is not a recovery guardian of {account}")]
    NotGuardian { guardian: AccountId, account: AccountId },
    #[error("an account cannot be its own recovery guardian")]
    GuardianIsSelf,
    #[error("no recovery of {0} is pending")]
    NoRecovery(AccountId),
    #[error("a different recovery of this account is pending (cancel it, or approve the same signer set)")]
    RecoveryMismatch,
    #[error("the recovery is time-locked until height {eligible_height} (now {height})")]
    RecoveryLocked { eligible_height: u64, height: u64 },
    #[error("the recovery has {have} guardian approvals, {need} are needed")]
    RecoveryApprovals { have: u32, need: u32 },
    #[error("bad validator: {0}")]
    BadValidator(String),
    #[error("validator {0} is already in the validator set")]
    ValidatorPresent(String),
    #[error("no validator with consensus key {0}")]
    UnknownValidator(String),
    #[error("bad consensus parameters: {0}")]
    BadParams(String),
    #[error("this misbehaviour is already recorded")]
    MisbehaviorKnown,
    #[error("misbehaviour evidence rejected: {0}")]
    BadEvidence(String),
    #[error("public key {0} is not a point of its curve: nothing could ever sign with it")]
    BadPublicKey(String),
}

impl TxError {
    /// A stable machine-readable code for APIs and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            TxError::Malformed(_) => "malformed",
            TxError::WrongChain { .. } => "wrong_chain",
            TxError::Expired { .. } => "expired",
            TxError::Signature(_) => "bad_signature",
            TxError::UnknownSender(_) => "unknown_sender",
            TxError::SenderNotActive { .. } => "sender_not_active",
            TxError::BadNonce { .. } => "bad_nonce",
            TxError::UnauthorizedSigner { .. } => "unauthorized_signer",
            TxError::BadPublicKey(_) => "bad_public_key",
            TxError::MissingRole(_) => "missing_role",
            TxError::AccountExists(_) => "account_exists",
            TxError::PrivilegedRole(_) => "privileged_role",
            TxError::UnknownAccount(_) => "unknown_account",
            TxError::StatusUnchanged { .. } => "status_unchanged",
            TxError::AccountRevoked(_) => "account_revoked",
            TxError::SelfStatusChange => "self_status_change",
            TxError::Overflow(_) => "overflow",
            TxError::DuplicateProof { .. } => "duplicate_proof",
            TxError::UnknownProof(_) => "unknown_proof",
            TxError::NotRegistrant(_) => "not_registrant",
            TxError::ProofNotLive { .. } => "proof_not_live",
            TxError::NoSuchMember { .. } => "no_such_member",
            TxError::OriginalDeleted { .. } => "original_already_deleted",
            TxError::BadSupersede => "bad_supersede",
            TxError::UnknownReasonCode(_) => "unknown_reason_code",
            TxError::BadStatusChange { .. } => "bad_status_change",
            TxError::StatusHistoryFull(_) => "status_history_full",
            TxError::IssuerRevoked(_) => "issuer_revoked",
            TxError::NotABatch(_) => "not_a_batch",
            TxError::NotAnIssuer(_) => "not_an_issuer",
            TxError::NoAttestation(_) => "no_attestation",
            TxError::AttestationRevoked(_) => "attestation_revoked",
            TxError::BatchMembersStored(_) => "batch_members_stored",
            TxError::BatchMembersOrder { .. } => "batch_members_order",
            TxError::BatchRootMismatch(_) => "batch_root_mismatch",
            TxError::IssuerAlreadyRevoked { .. } => "issuer_already_revoked",
            TxError::DuplicateSigner(_) => "duplicate_signer",
            TxError::Threshold { .. } => "below_threshold",
            TxError::KycRequired { .. } => "kyc_required",
            TxError::UnknownToken(_) => "unknown_token",
            TxError::TokenExists(_) => "token_exists",
            TxError::UnknownSubledger(_) => "unknown_subledger",
            TxError::SubledgerExists(_) => "subledger_exists",
            TxError::NotIssuer(_) => "not_issuer",
            TxError::TokenPaused(_) => "token_paused",
            TxError::FlagOff { .. } => "flag_off",
            TxError::PauseUnchanged { .. } => "pause_unchanged",
            TxError::InsufficientFunds { .. } => "insufficient_funds",
            TxError::WrongSubledger { .. } => "wrong_subledger",
            TxError::RecipientNotActive { .. } => "recipient_not_active",
            TxError::SelfTransfer => "self_transfer",
            TxError::NoRate { .. } => "no_rate",
            TxError::RateChanged { .. } => "rate_changed",
            TxError::ZeroCredit => "zero_credit",
            TxError::DeskConflict => "desk_conflict",
            TxError::NotDesk(_) => "not_desk",
            TxError::UnknownHold(_) => "unknown_hold",
            TxError::HoldNotPending { .. } => "hold_not_pending",
            TxError::HoldExpired(_) => "hold_expired",
            TxError::NotAMember { .. } => "not_a_member",
            TxError::Governed(_) => "governed",
            TxError::NoCouncil => "no_council",
            TxError::NotCouncilMember(_) => "not_council_member",
            TxError::BadDeadline { .. } => "bad_deadline",
            TxError::UnknownProposal(_) => "unknown_proposal",
            TxError::ProposalClosed { .. } => "proposal_closed",
            TxError::ProposalExpired { .. } => "proposal_expired",
            TxError::ProposalStale(_) => "proposal_stale",
            TxError::AlreadyVoted { .. } => "already_voted",
            TxError::RoleUnchanged { .. } => "role_unchanged",
            TxError::UnknownModule(_) => "unknown_module",
            TxError::ModulePaused(_) => "module_paused",
            TxError::ModuleUnchanged(_) => "module_unchanged",
            TxError::NoGuardians(_) => "no_guardians",
            TxError::NotGuardian { .. } => "not_guardian",
            TxError::GuardianIsSelf => "guardian_is_self",
            TxError::NoRecovery(_) => "no_recovery",
            TxError::RecoveryMismatch => "recovery_mismatch",
            TxError::RecoveryLocked { .. } => "recovery_locked",
            TxError::RecoveryApprovals { .. } => "recovery_approvals",
            TxError::BadValidator(_) => "bad_validator",
            TxError::ValidatorPresent(_) => "validator_present",
            TxError::UnknownValidator(_) => "unknown_validator",
            TxError::BadParams(_) => "bad_params",
            TxError::MisbehaviorKnown => "misbehavior_known",
            TxError::BadEvidence(_) => "bad_evidence",
            TxError::Contract(e) => e.code(),
            TxError::Invoice(e) => e.code(),
            TxError::BlockFuel { .. } => "block_fuel",
            TxError::OutsideSubledger { .. } => "outside_subledger",
            TxError::KycExpired { .. } => "kyc_expired",
            TxError::KeyExpired { .. } => "key_expired",
            TxError::NotASigner { .. } => "not_a_signer",
            TxError::SanctionsHit { .. } => "sanctions_hit",
            TxError::SanctionsUnchanged { .. } => "sanctions_unchanged",
        }
    }
}

/// Why a proposed or finalized block is invalid.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum BlockError {
    #[error("height {got} does not follow parent height {parent}")]
    Height { parent: u64, got: u64 },
    #[error("parent hash does not match the parent block")]
    Parent,
    #[error("block time {got} ms is not after parent time {parent} ms")]
    TimeNotMonotonic { parent: u64, got: u64 },
    #[error("block has {count} transactions, the limit is {max}")]
    TooManyTxs { count: usize, max: usize },
    #[error("block is {bytes} bytes, the limit is {max}")]
    TooLarge { bytes: usize, max: usize },
    #[error("tx_count {header} does not match {actual} transactions")]
    TxCount { header: u32, actual: usize },
    #[error("transaction {index} is invalid: {error}")]
    Tx { index: usize, error: TxError },
    #[error("header field `{0}` does not match the executed block")]
    Commitment(&'static str),
    #[error("validator set or genesis hash does not match")]
    ValidatorSet,
    #[error("block {height} belongs to epoch {expected}, its header says {got}")]
    Epoch { height: u64, expected: u64, got: u64 },
}

/// Why a contract transaction or a governance action on contracts failed.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ContractError {
    #[error("no approved contract code {0}")]
    UnknownCode(String),
    #[error("contract code {0} is already approved")]
    CodeKnown(String),
    #[error("contract code {0} has a vulnerability advisory: its instances refuse calls until governance lifts it")]
    CodeAdvisory(String),
    #[error("the contract code fails the checks ({code}): {message}")]
    Check { code: &'static str, message: String },
    #[error("no contract {0}")]
    UnknownContract(AccountId),
    #[error("contract {0} is paused by governance")]
    Paused(AccountId),
    #[error("contract {0} is already in that state")]
    Unchanged(AccountId),
    #[error("contract {contract} failed ({code}): {message}")]
    Failed { contract: AccountId, code: &'static str, message: String },
}

impl ContractError {
    pub fn code(&self) -> &'static str {
        match self {
            ContractError::UnknownCode(_) => "unknown_code",
            ContractError::CodeKnown(_) => "code_known",
            ContractError::CodeAdvisory(_) => "code_advisory",
            ContractError::Check { .. } => "contract_check",
            ContractError::UnknownContract(_) => "unknown_contract",
            ContractError::Paused(_) => "contract_paused",
            ContractError::Unchanged(_) => "contract_unchanged",
            // The runtime's own code: `contract_aborted`, `fuel_exhausted`, `contract_refused`…
            ContractError::Failed { code, .. } => code,
        }
    }
}

/// Why an e-invoice transaction failed (X.1407 Appendix I).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum InvoiceError {
    #[error("account {0} is not a tax authority (it needs the `tax_authority` role, and for an invoice to be the one the seller's invoicing conditions name)")]
    NotTaxAuthority(AccountId),
    #[error("payment {0} is not invoiceable: no settled single-leg payment with that transaction id was made, in its token, to a seller with invoicing conditions")]
    NotInvoiceable(String),
    #[error("payment {payment} is already invoiced as {invoice}: one invoice per payment")]
    PaymentInvoiced { payment: String, invoice: String },
    #[error("no invoice {0}")]
    UnknownInvoice(String),
    #[error("invoice {invoice} is already {phase} (transaction {tx}): each phase consumes it once")]
    Spent { invoice: String, phase: &'static str, tx: String },
    #[error("only the invoice's seller {seller} clears the VAT of invoice {invoice}")]
    NotSeller { invoice: String, seller: AccountId },
}

impl InvoiceError {
    pub fn code(&self) -> &'static str {
        match self {
            InvoiceError::NotTaxAuthority(_) => "not_tax_authority",
            InvoiceError::NotInvoiceable(_) => "not_invoiceable",
            InvoiceError::PaymentInvoiced { .. } => "payment_invoiced",
            InvoiceError::UnknownInvoice(_) => "unknown_invoice",
            InvoiceError::Spent { .. } => "invoice_spent",
            InvoiceError::NotSeller { .. } => "not_seller",
        }
    }
}

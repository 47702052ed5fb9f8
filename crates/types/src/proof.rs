//! Integrity proofs (X.1407 clause 7): evidence records, proof statuses and the hashes that
//! tie a document to a registration.
//!
//! A registration is either one document digest or the RFC 6962 root over a batch of
//! document digests. The ledger turns each into an [`EvidenceRecord`] (digest, ledger time,
//! registrant, metadata digest, height, ...) that it appends to the log, and keeps a
//! [`ProofEntry`] (record hash, log position, status) in the authenticated state.

use crate::encoding::{canonical, domain, to_wire};
use crate::hash::{AccountId, Hash32, TxId, sha256};
use crate::keys::PublicKey;
use borsh::{BorshDeserialize, BorshSerialize};

/// Longest schema label ("which features were hashed").
pub const SCHEMA_BYTES_MAX: usize = 64;
/// Most documents one batch registration may cover.
pub const BATCH_DOCUMENTS_MAX: u32 = 1 << 20;
/// The default schema: SHA-256 over the whole file's bytes.
pub const SCHEMA_WHOLE_FILE: &str = "sha256:file";

crate::hash::hash_newtype!(
    /// Identifies a registration: `SHA-256(PROOF-ID tag ‖ v ‖ borsh(tx id))`.
    ProofId
);

impl ProofId {
    pub fn of_tx(tx: &TxId) -> Self {
        ProofId(sha256(&canonical(domain::PROOF_ID, tx)))
    }
}

/// What was registered.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub enum Registered {
    /// One document digest (or its salted commitment).
    Single { digest: Hash32 },
    /// The RFC 6962 root over `count` document digests (leaf data = the 32-byte digest).
    Batch { root: Hash32, count: u32 },
}

/// The evidence record the ledger builds for a registration and appends to the log.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct EvidenceRecord {
    pub proof_id: ProofId,
    pub registered: Registered,
    /// Which features of the document were hashed, e.g. `sha256:file`.
    pub schema: String,
    /// SHA-256 of the off-ledger metadata describing the document(s).
    pub metadata_digest: Hash32,
    /// Whether the registered digest(s) are salted commitments ([`salted_digest`]).
    pub salted: bool,
    pub registrant: AccountId,
    /// The key whose signature the validators checked.
    pub signer: PublicKey,
    pub tx_id: TxId,
    /// Block height and BFT time at which the registration was executed.
    pub height: u64,
    pub time_ms: u64,
}

impl EvidenceRecord {
    /// Leaf data in the RFC 6962 log: `EVIDENCE-LEAF tag ‖ v ‖ borsh(record)`.
    pub fn leaf_bytes(&self) -> Vec<u8> {
        canonical(domain::EVIDENCE_LEAF, self)
    }

    /// `SHA-256(EVIDENCE-RECORD tag ‖ v ‖ borsh(record))`, kept in the state entry.
    pub fn hash(&self) -> Hash32 {
        sha256(&canonical(domain::EVIDENCE_RECORD, self))
    }
}

/// Where a proof stands. `Revoked` and `Superseded` are final; `Suspended` returns to `Live`
/// when the registrant reinstates it. New variants are appended (verifiers decode by index).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub enum ProofStatus {
    Live,
    /// `reason` is a code from the governed list ([`DEFAULT_REASON_CODES`]).
    Revoked { reason: String, tx_id: TxId, height: u64, time_ms: u64 },
    Superseded { by: ProofId, tx_id: TxId, height: u64, time_ms: u64 },
    Suspended { reason: String, tx_id: TxId, height: u64, time_ms: u64 },
}

impl ProofStatus {
    pub fn name(&self) -> &'static str {
        match self {
            ProofStatus::Live => "live",
            ProofStatus::Revoked { .. } => "revoked",
            ProofStatus::Superseded { .. } => "superseded",
            ProofStatus::Suspended { .. } => "suspended",
        }
    }

    /// No change can follow (revoked or superseded).
    pub fn is_final(&self) -> bool {
        matches!(self, ProofStatus::Revoked { .. } | ProofStatus::Superseded { .. })
    }

    /// Height of the change that set this status (`None` while live since registration or
    /// reinstated: the history says when).
    pub fn since_height(&self) -> Option<u64> {
        match self {
            ProofStatus::Live => None,
            ProofStatus::Revoked { height, .. } | ProofStatus::Superseded { height, .. } | ProofStatus::Suspended { height, .. } => {
                Some(*height)
            }
        }
    }
}

/// The status that applies to one document of a batch: a final status of the whole
/// registration, else the member's own final status, else the registration's suspension, else
/// the member's own (suspended or live). For a single registration (`member` = `None`): its own.
pub fn effective_status(registration: &ProofStatus, member: Option<&ProofStatus>) -> ProofStatus {
    match member {
        _ if registration.is_final() => registration.clone(),
        Some(m) if m.is_final() => m.clone(),
        _ if *registration != ProofStatus::Live => registration.clone(),
        Some(m) => m.clone(),
        None => ProofStatus::Live,
    }
}

/// Longest reason code.
pub const REASON_CODE_BYTES_MAX: usize = 32;
/// Most reason codes the governed list may hold.
pub const REASON_CODES_MAX: usize = 32;
/// The reason codes in force until governance sets its own list (`GovAction::SetReasonCodes`).
/// After RFC 5280's CRLReason: a status change says *why* with a code, never with free text
/// that would stay on the ledger for good (X.1405 8.5.3).
pub const DEFAULT_REASON_CODES: [&str; 10] = [
    "unspecified",
    "key_compromise",
    "issued_in_error",
    "affiliation_changed",
    "superseded",
    "cessation_of_operation",
    "privilege_withdrawn",
    "certificate_hold",
    "holder_request",
    "under_investigation",
];

/// A reason code's shape: 1..=32 bytes of `[a-z0-9_]`, starting with a letter.
pub fn valid_reason_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= REASON_CODE_BYTES_MAX
        && code.as_bytes()[0].is_ascii_lowercase()
        && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Most status changes one registration (or one batch member) keeps. Suspensions and
/// reinstatements stop two short of it, so the final changes (a supersession, then an
/// issuer-wide revocation) always have room.
pub const STATUS_CHANGES_MAX: usize = 64;

/// One status change, as kept in a registration's (or member's) history under
/// `StateKey::StatusHistory(proof, member)`.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize, serde::Deserialize)]
pub struct StatusChange {
    /// The account whose transaction made the change (the registrant, or compliance for an
    /// issuer-wide revocation).
    pub actor: AccountId,
    pub change: ProofChange,
    pub tx_id: TxId,
    pub height: u64,
    pub time_ms: u64,
}

/// Compliance's revocation of everything an issuer registered from `from_height` on, under
/// `StateKey::IssuerRevocation(issuer)`. It revokes those registrations' entries newest first,
/// inspecting at most [`ISSUER_REVOCATIONS_PER_TX_MAX`] per transaction (while `complete` is
/// false the same body is sent again to go on), and the issuer can register nothing more.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize, serde::Deserialize)]
pub struct IssuerRevocation {
    pub from_height: u64,
    pub reason: String,
    pub actor: AccountId,
    pub tx_id: TxId,
    pub height: u64,
    pub time_ms: u64,
    /// Registrations revoked so far.
    pub revoked: u64,
    /// The issuer's registrations with sequence below this are not inspected yet.
    pub cursor: u64,
    /// Every covered registration is revoked.
    pub complete: bool,
}

/// Most registrations one issuer-wide revocation transaction inspects; the rest follow when the
/// same body is sent again (bounds a block's work whatever a stolen key registered).
pub const ISSUER_REVOCATIONS_PER_TX_MAX: u64 = 4_096;

/// Most batch members one `StoreBatchMembers` transaction carries (keeps it under the
/// transaction size limit with a holder per member).
pub const BATCH_MEMBERS_PER_TX_MAX: usize = 200;
/// Most holders one `AddHolders` transaction names.
pub const HOLDERS_PER_TX_MAX: usize = 16;

/// One document of a batch as the registrant hands it to the network: its registered digest
/// (the salted commitment if the batch is salted — never the salt or the document) and,
/// optionally, the account of its holder (the student).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchMember {
    #[serde(with = "crate::hex_serde::hex32")]
    pub digest: Hash32,
    pub holder: Option<AccountId>,
}

/// One entry of an issuer's registrations in order, under `StateKey::IssuerProof(issuer, seq)`.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct IssuerProofRef {
    pub proof: ProofId,
    pub height: u64,
}

/// State entry of a registration, under `StateKey::Proof(proof_id)`.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct ProofEntry {
    pub record_hash: Hash32,
    /// Position of the evidence record's leaf in the log.
    pub leaf_index: u64,
    pub registrant: AccountId,
    /// The registered digest or batch root (indexes duplicates while live).
    pub registered_digest: Hash32,
    /// Members of a batch (0 for a single registration, which has none).
    pub count: u32,
    pub status: ProofStatus,
}

impl ProofEntry {
    /// The bytes stored in the state map (their SHA-256 is what a map proof commits to).
    pub fn value_bytes(&self) -> Vec<u8> {
        to_wire(self)
    }
}

/// State entry of one batch member whose status changed, under `StateKey::Member(id, index)`
/// (present from its first change on; `Live` again once reinstated).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct MemberEntry {
    pub status: ProofStatus,
}

impl MemberEntry {
    pub fn value_bytes(&self) -> Vec<u8> {
        to_wire(self)
    }
}

/// A status change an issuer makes to its own registration.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize, serde::Deserialize)]
#[serde(tag = "change", rename_all = "snake_case", deny_unknown_fields)]
pub enum ProofChange {
    /// Final. `reason` is a code from the governed list.
    Revoke { reason: String },
    /// Final; whole registrations only.
    Supersede { by: ProofId },
    /// Until reinstated. `reason` is a code from the governed list.
    Suspend { reason: String },
    /// Ends a suspension.
    Reinstate,
}

impl ProofChange {
    pub fn name(&self) -> &'static str {
        match self {
            ProofChange::Revoke { .. } => "revoked",
            ProofChange::Supersede { .. } => "superseded",
            ProofChange::Suspend { .. } => "suspended",
            ProofChange::Reinstate => "reinstated",
        }
    }

    /// The reason code it carries, if any.
    pub fn reason(&self) -> Option<&str> {
        match self {
            ProofChange::Revoke { reason } | ProofChange::Suspend { reason } => Some(reason),
            ProofChange::Supersede { .. } | ProofChange::Reinstate => None,
        }
    }
}

/// The salted commitment registered instead of a low-entropy document's digest:
/// `SHA-256(SALTED-DIGEST tag ‖ v ‖ borsh((salt, document digest)))`. The salt travels with the
/// evidence bundle, never to the ledger.
pub fn salted_digest(salt: &[u8; 32], document_digest: &Hash32) -> Hash32 {
    sha256(&canonical(domain::SALTED_DIGEST, &(salt, document_digest)))
}

/// What a key of the authenticated map names. The map stores `SHA-256(STATE-KEY tag ‖ v ‖
/// borsh(StateKey))`, so keys of different kinds can never collide.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub enum StateKey {
    Account(AccountId),
    /// A registration's [`ProofEntry`].
    Proof(ProofId),
    /// A live registration of `digest` by `issuer` (its proof id): rejects duplicates.
    LiveDigest(AccountId, Hash32),
    /// Status of one member of a batch, present only once it changed.
    Member(ProofId, u32),
    /// A token (by symbol).
    Token(String),
    /// An account's balance of a token.
    Balance(AccountId, String),
    /// An account's monitoring window for a token.
    Window(AccountId, String),
    /// A token's monitoring rules.
    Monitoring(String),
    /// A hold (by id).
    Hold(u64),
    /// Hold numbering and sweep position.
    HoldQueue,
    /// A sub-ledger (by name).
    Subledger(String),
    /// The conversion rate from one token to another.
    Rate(String, String),
    /// Every token symbol, in creation order.
    TokenList,
    /// The governance council.
    Council,
    /// A governance proposal (by id), and how many exist.
    Proposal(u64),
    ProposalCount,
    /// The governing rules document.
    Rules,
    /// An executed governance change (by sequence), and how many exist.
    GovEvent(u64),
    GovEventCount,
    /// A registered module or contract (by name).
    Module(String),
    /// An account's recovery guardians.
    Guardians(AccountId),
    /// A pending recovery of an account.
    Recovery(AccountId),
    /// An account's keys by purpose.
    PurposeKeys(AccountId),
    /// The validator set in force ([`crate::validators::ValidatorSetRecord`]).
    ValidatorSet,
    /// The validators governance has decided on for the next epoch boundary.
    ValidatorsPending,
    /// Every validator-set change (by sequence, from 1), and how many exist.
    ValidatorSetChange(u64),
    ValidatorSetChangeCount,
    /// Recorded validator misbehaviour (by sequence), and how many exist.
    Misbehavior(u64),
    MisbehaviorCount,
    /// Duplicate guard: (validator, epoch, view, kind) already reported.
    MisbehaviorSeen(Hash32),
    /// Consensus parameters changed by governance (absent: the genesis ones).
    ConsensusParams,
    /// Every status change of a registration (`None`) or one batch member, oldest first
    /// (`Vec<StatusChange>`; absent until the first change).
    StatusHistory(ProofId, Option<u32>),
    /// An issuer-wide revocation ([`IssuerRevocation`]).
    IssuerRevocation(AccountId),
    /// An issuer's registrations in order ([`IssuerProofRef`] by sequence from 0), and how many.
    IssuerProof(AccountId, u64),
    IssuerProofCount(AccountId),
    /// The governed reason codes (`Vec<String>`; absent: [`DEFAULT_REASON_CODES`]).
    ReasonCodes,
    /// How far a batch's members were handed to the network (`BatchMembersProgress` in the
    /// ledger crate; absent until the first `StoreBatchMembers`).
    BatchMembers(ProofId),
    /// `holder` holds the registration (`None`) or one member of it (`true`; absent: not).
    Holder(ProofId, Option<u32>, AccountId),
    /// An issuer's attested identity ([`crate::issuer::IssuerAttestation`]).
    IssuerProfile(AccountId),
    /// The witnesses governance set ([`crate::witness::WitnessPolicy`]; absent: none).
    WitnessPolicy,
    /// Contract code governance approved ([`crate::contract::CodeEntry`], by code digest).
    ContractCode(Hash32),
    /// A contract instance ([`crate::contract::ContractInstance`], by its account id).
    Contract(AccountId),
    /// One key of a contract's own storage (`Vec<u8>`).
    ContractData(AccountId, Vec<u8>),
    /// A seller's invoicing conditions ([`crate::invoice::InvoicingTerms`]).
    Invoicing(AccountId),
    /// A payment that may be invoiced ([`crate::invoice::InvoiceablePayment`], by transaction id).
    InvoiceablePayment(crate::hash::TxId),
    /// An issued invoice ([`crate::invoice::Invoice`], by invoice id).
    Invoice(Hash32),
    /// What an account received of a token within the monitoring window
    /// ([`crate::monitoring::Inflow`]).
    Inflow(AccountId, String),
    /// An account's KYC record ([`crate::kyc::KycRecord`]).
    Kyc(AccountId),
    /// The sanctions list's version and size ([`crate::kyc::SanctionsList`]).
    SanctionsList,
    /// A sanctioned screening commitment (value: the list version that added it, `u64`).
    Sanctioned(Hash32),
    /// When one of an account's signer keys was added and its expiry
    /// ([`crate::account::KeyLife`]).
    KeyLife(AccountId, PublicKey),
    /// A deleted original (value: the block time of its deletion, `u64` ms): no validator
    /// stores or serves it again.
    OriginalDeleted(ProofId, u32),
}

impl StateKey {
    pub fn hash(&self) -> Hash32 {
        sha256(&canonical(domain::STATE_KEY, self))
    }
}


/// Most audit records in one audit transaction.
pub const AUDIT_BATCH_ENTRIES_MAX: usize = 256;
/// Longest action name in an audit record.
pub const AUDIT_ACTION_BYTES_MAX: usize = 16;

/// One read (or refused read) of a proof's data, as a node records it on the ledger
/// (X.1407 9.1.1 c).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditRecord {
    pub proof: ProofId,
    /// `None` when the caller could not be authenticated.
    pub reader: Option<AccountId>,
    /// `show`, `bundle` or `lookup`.
    pub action: String,
    pub allowed: bool,
    /// The serving node's clock when the read happened.
    pub time_ms: u64,
}

/// Largest encrypted original a node stores (X.1407 9.3.2).
pub const ORIGINAL_BYTES_MAX: usize = 16 * 1024 * 1024;
/// Largest wrapped key envelope.
pub const ORIGINAL_KEY_ENVELOPE_BYTES_MAX: usize = 8 * 1024;

/// An original document as a node stores it off-chain: encrypted by the client with a fresh
/// per-document key (XChaCha20-Poly1305, associated data = proof id ‖ member index), the key
/// wrapped (age, X25519) for the owner and the auditor. The node never sees the plaintext.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct EncryptedOriginal {
    pub key_envelope: Vec<u8>,
    pub nonce: [u8; 24],
    /// Encrypts `SHA-256(document) ‖ document`.
    pub ciphertext: Vec<u8>,
}

/// Associated data binding an encrypted original to its registration.
pub fn original_aad(proof: &ProofId, member: u32) -> Vec<u8> {
    canonical(domain::ORIGINAL, &(proof, member))
}

/// One read (or refused read) of an account's data — its account view, balances, history,
/// a payment, a hold or a receipt — as a node records it on the ledger (X.1407 9.1.1 c), so
/// the account holder can list who read its data.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadRecord {
    /// The account whose data was read.
    pub owner: AccountId,
    /// `account`, `history`, `payment`, `receipt` or `hold`.
    pub action: String,
    /// The payment (or held transfer) read, by transaction id; `None` for the account itself.
    pub item: Option<crate::hash::TxId>,
    /// `None` when the caller could not be authenticated.
    pub reader: Option<AccountId>,
    pub allowed: bool,
    /// The serving node's clock when the read happened.
    pub time_ms: u64,
}

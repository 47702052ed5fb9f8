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

/// Where a proof stands.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub enum ProofStatus {
    Live,
    Revoked { reason: String, tx_id: TxId, height: u64, time_ms: u64 },
    Superseded { by: ProofId, tx_id: TxId, height: u64, time_ms: u64 },
}

impl ProofStatus {
    pub fn name(&self) -> &'static str {
        match self {
            ProofStatus::Live => "live",
            ProofStatus::Revoked { .. } => "revoked",
            ProofStatus::Superseded { .. } => "superseded",
        }
    }
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

/// State entry of one batch member whose status changed, under `StateKey::Member(id, index)`.
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
    Revoke { reason: String },
    Supersede { by: ProofId },
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

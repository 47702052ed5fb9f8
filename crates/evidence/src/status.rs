//! Status proofs: a small file anyone may fetch for a proof id they already know, proving the
//! registration's status (and one batch member's) at a certified finalized header. Combined
//! with an older evidence bundle it answers the employer's question a year later: "valid as
//! registered; status now REVOKED since height H".
//!
//! It carries only the registration's state entry (record hash, log position, registrant,
//! registered digest or batch root, member count, status) and the member's status entry: what
//! the holder of the bundle already has. No log leaves: building one costs two map proofs.
//!
//! Layout: `VELLUMST ‖ version ‖ borsh(StatusProof)` (version 1 without validator-set changes,
//! 2 with them, as bundles).

use crate::bundle::{Certificate, SetLink};
use crate::verify::{Step, Verified, VerifyError, fail, verify_anchor};
use borsh::{BorshDeserialize, BorshSerialize};
use vellum_crypto::smt::MapProof;
use vellum_types::proof::effective_status;
use vellum_types::{AccountId, BlockHeader, GenesisCommitment, Hash32, MemberEntry, ProofEntry, ProofId, ProofStatus, StateKey, sha256};

pub const STATUS_PROOF_MAGIC: [u8; 8] = *b"VELLUMST";
pub const STATUS_PROOF_VERSION: u8 = 1;

/// One batch member's status entry (absent until its first change) and its map proof.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct MemberStatus {
    pub index: u32,
    pub status: Option<MemberEntry>,
    pub status_proof: MapProof,
}

#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct StatusProof {
    pub genesis: GenesisCommitment,
    pub header: BlockHeader,
    pub certificate: Certificate,
    pub proof_id: ProofId,
    pub entry: ProofEntry,
    /// Proof of `entry` under `StateKey::Proof(proof_id)` against `header.state_root`.
    pub entry_proof: MapProof,
    pub member: Option<MemberStatus>,
    /// The registrant's issuer identity at `header` (or the proof it has none).
    pub issuer: crate::IssuerEvidence,
    /// See [`crate::Bundle::validator_chain`].
    pub validator_chain: Vec<SetLink>,
}

impl crate::verify::Chained for StatusProof {
    fn chain_len(&self) -> usize {
        self.validator_chain.len()
    }

    fn file_bytes(&self) -> Vec<u8> {
        self.to_bytes()
    }
}

/// What a verified status proof establishes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedStatus {
    pub genesis_hash: Hash32,
    pub chain_id: String,
    pub proof_id: ProofId,
    pub member_index: Option<u32>,
    pub registrant: AccountId,
    /// The evidence record the entry commits to (ties the status to a bundle's record).
    pub record_hash: Hash32,
    /// The status that applies (for a member: see [`effective_status`]).
    pub status: ProofStatus,
    /// As of this finalized header.
    pub height: u64,
    pub time_ms: u64,
    pub signers: usize,
    pub validators: usize,
    pub validator_set_changes: usize,
    /// The registrant's issuer identity as of `height`.
    pub issuer: crate::IssuerCheck,
}

/// What an old bundle and a fresh status proof say together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusNow {
    /// The status when the bundle was made, and now.
    pub then: ProofStatus,
    pub now: ProofStatus,
    pub now_height: u64,
    pub now_time_ms: u64,
    /// The status changed between the bundle's header and the status proof's.
    pub changed: bool,
    /// The registrant's issuer identity now.
    pub issuer_now: crate::IssuerCheck,
}

impl StatusProof {
    pub fn to_bytes(&self) -> Vec<u8> {
        crate::bundle::framed(&STATUS_PROOF_MAGIC, self, self.validator_chain.is_empty())
    }

    pub fn decode(bytes: &[u8]) -> Result<StatusProof, VerifyError> {
        crate::verify::decode_file(bytes, &STATUS_PROOF_MAGIC, STATUS_PROOF_VERSION, "status proof")
    }

    /// Steps 1–4 as for bundles, then the entry (step 6) and the member's status (step 7).
    pub fn verify(&self, pinned: Option<&Hash32>) -> Result<VerifiedStatus, VerifyError> {
        let mut note = |_: &str, _: &[u8]| {};
        let (genesis_hash, validators) =
            verify_anchor(&self.genesis, &self.header, &self.certificate, &self.validator_chain, pinned, &mut note)?;
        let root = &self.header.state_root;
        let entry_key = StateKey::Proof(self.proof_id).hash();
        match self.entry_proof.verify(root, &entry_key) {
            Ok(Some(h)) if h == sha256(&self.entry.value_bytes()) => {}
            Ok(Some(_)) => return fail(Step::StateEntry, "the state holds a different entry for this proof"),
            Ok(None) => return fail(Step::StateEntry, "the state holds no entry for this proof"),
            Err(e) => return fail(Step::StateEntry, format!("state proof does not match the header's state root: {e}")),
        }
        let status = match &self.member {
            None => effective_status(&self.entry.status, None),
            Some(m) => {
                if m.index >= self.entry.count {
                    return fail(Step::BatchInclusion, format!("the registration has no member {} (it covers {})", m.index, self.entry.count));
                }
                let key = StateKey::Member(self.proof_id, m.index).hash();
                let proven = m
                    .status_proof
                    .verify(root, &key)
                    .or_else(|e| fail(Step::BatchInclusion, format!("member status proof does not match the state root: {e}")))?;
                let own = match (&m.status, proven) {
                    (None, None) => ProofStatus::Live,
                    (Some(e), Some(h)) if sha256(&e.value_bytes()) == h => e.status.clone(),
                    _ => return fail(Step::BatchInclusion, "member status does not match the state"),
                };
                effective_status(&self.entry.status, Some(&own))
            }
        };
        let issuer = crate::issuer::verify_issuer(&self.issuer, &self.entry.registrant, root)?;
        Ok(VerifiedStatus {
            genesis_hash,
            chain_id: self.genesis.chain_id.clone(),
            proof_id: self.proof_id,
            member_index: self.member.as_ref().map(|m| m.index),
            registrant: self.entry.registrant,
            record_hash: self.entry.record_hash,
            status,
            height: self.header.height,
            time_ms: self.header.time_ms,
            signers: self.certificate.signers.len(),
            validators,
            validator_set_changes: self.validator_chain.len(),
            issuer,
        })
    }
}

/// Verifies status-proof bytes offline (against the pinned genesis hash when given).
pub fn verify_status(bytes: &[u8], pinned: Option<&Hash32>) -> Result<VerifiedStatus, VerifyError> {
    StatusProof::decode(bytes)?.verify(pinned)
}

/// Step 9: a verified bundle and a verified status proof speak of the same document on the
/// same chain, and the status proof is not older than the bundle.
pub fn status_now(bundle: &Verified, status: &VerifiedStatus) -> Result<StatusNow, VerifyError> {
    if bundle.genesis_hash != status.genesis_hash {
        return fail(Step::Status, "the status proof is for another chain (its genesis hash differs)");
    }
    if bundle.record.proof_id != status.proof_id || bundle.record.hash() != status.record_hash {
        return fail(Step::Status, "the status proof is for another registration");
    }
    if bundle.member_index != status.member_index {
        return fail(Step::Status, "the status proof is for another document of the batch");
    }
    if status.height < bundle.status_height {
        return fail(
            Step::Status,
            format!("the status proof (height {}) is older than the bundle (height {})", status.height, bundle.status_height),
        );
    }
    Ok(StatusNow {
        changed: status.status != bundle.status,
        then: bundle.status.clone(),
        now: status.status.clone(),
        now_height: status.height,
        now_time_ms: status.time_ms,
        issuer_now: status.issuer.clone(),
    })
}

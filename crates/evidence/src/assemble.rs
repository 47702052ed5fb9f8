//! Building bundles from a node's finalized state (node side) and completing them with what
//! only the document holder knows (client side: batch contents, salt).

use crate::bundle::{Bundle, Certificate, DocumentOpening, MemberEvidence};
use thiserror::Error;
use vellum_crypto::AuthMap;
use vellum_crypto::merkle::{Subtrees, inclusion_proof, inclusion_proof_from, leaf_hash};
use vellum_types::encoding::from_wire;
use vellum_types::{BlockHeader, EvidenceRecord, GenesisCommitment, Hash32, MemberEntry, ProofEntry, Registered, StateKey};

#[derive(Debug, Error, PartialEq, Eq)]
pub enum AssembleError {
    #[error("the state at height {0} holds no entry for this proof")]
    NoEntry(u64),
    #[error("the record's log position {index} is not in the header's log of {size}")]
    NotInLog { index: u64, size: u64 },
    #[error(transparent)]
    Log(#[from] vellum_crypto::merkle::SubtreeError),
    #[error("member {index} is out of range: the batch has {count} documents")]
    NoSuchMember { index: u32, count: u32 },
    #[error("this registration is not a batch")]
    NotABatch,
    #[error("the batch manifest lists {got} digests, the registration {count}")]
    ManifestSize { got: usize, count: u32 },
    #[error("the batch manifest does not hash to the registered root")]
    ManifestRoot,
}

/// A finalized header with its certificate, the state and log after it.
pub struct Snapshot<'a> {
    pub genesis: GenesisCommitment,
    pub header: BlockHeader,
    pub certificate: Certificate,
    pub map: &'a AuthMap,
    /// The log up to `header.log_size` at least (its perfect subtrees: storage, or a slice of
    /// leaf hashes), where log proofs are read.
    pub log: &'a dyn Subtrees,
    /// The validator-set changes leading to `header`'s set.
    pub validator_chain: Vec<crate::bundle::SetLink>,
}

/// The node-side bundle for `record`: everything but the document opening and, for a batch,
/// the member's digest and batch path (filled by [`Bundle::fill_member`]).
pub fn assemble(s: &Snapshot<'_>, record: EvidenceRecord, member: Option<u32>) -> Result<Bundle, AssembleError> {
    let key = StateKey::Proof(record.proof_id).hash();
    let entry: ProofEntry = s
        .map
        .get(&key)
        .map(|v| from_wire(v, usize::MAX).expect("stored entry decodes"))
        .ok_or(AssembleError::NoEntry(s.header.height))?;
    if entry.leaf_index >= s.header.log_size {
        return Err(AssembleError::NotInLog { index: entry.leaf_index, size: s.header.log_size });
    }
    let log_proof = inclusion_proof_from(s.log, entry.leaf_index, s.header.log_size)?;
    let record_registrant = entry.registrant;
    let member = match (member, &record.registered) {
        (None, _) => None,
        (Some(_), Registered::Single { .. }) => return Err(AssembleError::NotABatch),
        (Some(index), Registered::Batch { count, .. }) => {
            if index >= *count {
                return Err(AssembleError::NoSuchMember { index, count: *count });
            }
            let member_key = StateKey::Member(record.proof_id, index).hash();
            let status: Option<MemberEntry> =
                s.map.get(&member_key).map(|v| from_wire(v, usize::MAX).expect("stored member decodes"));
            Some(MemberEvidence { index, leaf: [0; 32], batch_proof: Vec::new(), status, status_proof: s.map.prove(&member_key) })
        }
    };
    Ok(Bundle {
        genesis: s.genesis.clone(),
        header: s.header.clone(),
        certificate: s.certificate.clone(),
        record,
        log_proof,
        entry_proof: s.map.prove(&key),
        entry,
        member,
        document: None,
        validator_chain: s.validator_chain.clone(),
        issuer: Some(issuer_evidence(s, &record_registrant)),
        witnessed: None,
    })
}

/// A status proof for a registration (and one member of a batch) at the snapshot's header.
/// Reads two map entries and nothing of the log (`s.log` may be empty).
pub fn assemble_status(s: &Snapshot<'_>, proof_id: vellum_types::ProofId, member: Option<u32>) -> Result<crate::StatusProof, AssembleError> {
    let key = StateKey::Proof(proof_id).hash();
    let entry: ProofEntry = s
        .map
        .get(&key)
        .map(|v| from_wire(v, usize::MAX).expect("stored entry decodes"))
        .ok_or(AssembleError::NoEntry(s.header.height))?;
    let registrant = entry.registrant;
    let member = match member {
        None => None,
        Some(_) if entry.count == 0 => return Err(AssembleError::NotABatch),
        Some(index) if index >= entry.count => return Err(AssembleError::NoSuchMember { index, count: entry.count }),
        Some(index) => {
            let member_key = StateKey::Member(proof_id, index).hash();
            let status: Option<MemberEntry> = s.map.get(&member_key).map(|v| from_wire(v, usize::MAX).expect("stored member decodes"));
            Some(crate::MemberStatus { index, status, status_proof: s.map.prove(&member_key) })
        }
    };
    Ok(crate::StatusProof {
        genesis: s.genesis.clone(),
        header: s.header.clone(),
        certificate: s.certificate.clone(),
        proof_id,
        entry_proof: s.map.prove(&key),
        entry,
        member,
        issuer: issuer_evidence(s, &registrant),
        validator_chain: s.validator_chain.clone(),
    })
}

/// The registrant's attestation (or its absence) with its map proof.
fn issuer_evidence(s: &Snapshot<'_>, registrant: &vellum_types::AccountId) -> crate::IssuerEvidence {
    let key = StateKey::IssuerProfile(*registrant).hash();
    let attestation = s.map.get(&key).map(|v| from_wire(v, usize::MAX).expect("stored attestation decodes"));
    crate::IssuerEvidence { attestation, proof: s.map.prove(&key) }
}

/// RFC 6962 root over a batch's document digests (leaf data = each 32-byte digest).
pub fn batch_root(digests: &[Hash32]) -> Hash32 {
    let leaves: Vec<Hash32> = digests.iter().map(|d| leaf_hash(d)).collect();
    vellum_crypto::merkle::root(&leaves)
}

impl Bundle {
    /// Completes a batch member's evidence from the batch manifest (the registered digests in
    /// order), which only the issuer holds.
    pub fn fill_member(&mut self, manifest: &[Hash32]) -> Result<(), AssembleError> {
        let Registered::Batch { root, count } = self.record.registered else { return Err(AssembleError::NotABatch) };
        if manifest.len() != count as usize {
            return Err(AssembleError::ManifestSize { got: manifest.len(), count });
        }
        let leaves: Vec<Hash32> = manifest.iter().map(|d| leaf_hash(d)).collect();
        if vellum_crypto::merkle::root(&leaves) != root {
            return Err(AssembleError::ManifestRoot);
        }
        let member = self.member.as_mut().ok_or(AssembleError::NotABatch)?;
        member.leaf = manifest[member.index as usize];
        member.batch_proof = inclusion_proof(member.index as usize, &leaves);
        Ok(())
    }

    /// Adds what ties the bundle to the document: its SHA-256 and the salt, if salted.
    pub fn open_document(&mut self, digest: Hash32, salt: Option<[u8; 32]>) {
        self.document = Some(DocumentOpening { digest, salt });
    }
}

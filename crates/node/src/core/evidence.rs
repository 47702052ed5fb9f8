//! Evidence served from the finalized chain: bundles, status proofs, checkpoints (witnessed or
//! not), consistency proofs, and the anchor they all hang from.

use super::NodeHandle;
use thiserror::Error;
use vellum_ledger::LedgerState;
use vellum_types::{EvidenceRecord, Hash32, ProofEntry, ProofId};

/// Why no bundle could be made.
#[derive(Debug, Error)]
pub enum BundleError {
    #[error("unknown proof")]
    UnknownProof,
    #[error("{0}")]
    NotFound(String),
    #[error("no block has been finalized yet")]
    NothingFinalized,
    #[error("the finalized {0} is missing from storage")]
    Missing(&'static str),
    #[error("storage error: {0}")]
    Storage(String),
    #[error(transparent)]
    Assemble(vellum_evidence::AssembleError),
    #[error("{0}")]
    Range(String),
}

impl BundleError {
    pub fn code(&self) -> &'static str {
        match self {
            BundleError::UnknownProof => "unknown_proof",
            BundleError::NotFound(_) => "not_found",
            BundleError::NothingFinalized => "not_ready",
            BundleError::Missing(_) => "not_ready",
            BundleError::Storage(_) => "storage",
            BundleError::Assemble(vellum_evidence::AssembleError::NoSuchMember { .. }) => "no_such_member",
            BundleError::Assemble(vellum_evidence::AssembleError::NotABatch) => "not_a_batch",
            BundleError::Assemble(_) => "internal",
            BundleError::Range(_) => "bad_range",
        }
    }
}

/// How many times (100 ms apart) a bundle waits for the latest block's certificate.
const CERTIFICATE_WAIT_ATTEMPTS: u32 = 50;

/// What bundles, receipts and log anchors are anchored to (see [`NodeHandle::anchor`]).
pub(crate) struct Anchor {
    pub state: LedgerState,
    pub header: vellum_types::BlockHeader,
    pub certificate: vellum_evidence::Certificate,
    /// Set changes from the genesis set to the one that signed `header`.
    pub validator_chain: Vec<vellum_evidence::SetLink>,
}

impl NodeHandle {
    /// Header of the finalized block at `height`, if this node has applied it.
    pub fn header(&self, height: u64) -> Option<vellum_types::BlockHeader> {
        if height == 0 {
            return Some(vellum_ledger::genesis_block(&self.genesis).1.header);
        }
        self.store.header(height).ok().flatten()
    }

    /// An evidence bundle for a registration (and, for a batch, one member's status), against
    /// the latest finalized header. The caller adds the document opening and, for a batch, the
    /// member's digest and path from its manifest.
    pub fn bundle(&self, id: &ProofId, member: Option<u32>) -> Result<vellum_evidence::Bundle, BundleError> {
        let record = self.store.record(id).map_err(storage_error)?.ok_or(BundleError::UnknownProof)?;
        let a = self.anchor()?;
        let log = self.store.log_reader().map_err(storage_error)?;
        let size = a.header.log_size;
        let snapshot = vellum_evidence::Snapshot {
            genesis: self.genesis.commitment(),
            header: a.header,
            certificate: a.certificate,
            map: &a.state.map,
            log: &log,
            validator_chain: a.validator_chain,
        };
        let mut bundle = vellum_evidence::assemble(&snapshot, record, member).map_err(BundleError::Assemble)?;
        // With the batch's members stored on the network, the member's digest and path come
        // from them: the issuer's manifest is no longer needed.
        if let (Some(_), vellum_types::Registered::Batch { count, .. }) = (member, &bundle.record.registered)
            && a.state.batch_members_complete(id)
            && let Some(members) = self.store.batch_members(id, *count).map_err(storage_error)?
        {
            bundle.fill_member(&members).map_err(BundleError::Assemble)?;
        }
        bundle.witnessed = self.witnessed_section(&log, size, bundle.entry.leaf_index + 1)?;
        Ok(bundle)
    }

    /// The witnessed section for a file proving leaves `[0, covers)` of the log's first `size`:
    /// the latest checkpoint witnesses cosigned, if it covers them (`None` until it does).
    pub(crate) fn witnessed_section(&self, log: &vellum_storage::LogReader, size: u64, covers: u64) -> Result<Option<vellum_evidence::witness::Witnessed>, BundleError> {
        let Some(cp) = self.witnessed_checkpoint()? else { return Ok(None) };
        Ok(vellum_evidence::witness::Witnessed::for_log(&cp, log, size, covers))
    }

    /// The latest checkpoint of this chain's log that a quorum of the governed witnesses
    /// cosigned (pushed by a validator, [`NodeHandle::record_witnessed`]).
    pub fn witnessed_checkpoint(&self) -> Result<Option<vellum_evidence::checkpoint::Checkpoint>, BundleError> {
        let Some((_, note)) = self.store.witnessed().map_err(storage_error)? else { return Ok(None) };
        vellum_evidence::checkpoint::Checkpoint::parse(&note).map(Some).map_err(|e| BundleError::Storage(format!("stored witnessed checkpoint: {e}")))
    }

    /// Keeps a cosigned checkpoint of this chain's finalized log once a quorum of the governed
    /// witnesses validly cosigned it and its root is the finalized log's at its size. Returns
    /// whether it was stored (an older one than the stored is ignored).
    pub fn record_witnessed(&self, cp: &vellum_evidence::checkpoint::Checkpoint) -> Result<bool, BundleError> {
        let policy = self.witness_policy().filter(|p| p.quorum > 0).ok_or_else(|| BundleError::Range("no witnesses are governed".into()))?;
        let keys: Vec<(String, [u8; 32])> = policy.witnesses.iter().map(|w| (w.name.clone(), w.key)).collect();
        cp.verify_cosignatures(&keys, policy.quorum as usize).map_err(|e| BundleError::Range(e.to_string()))?;
        if cp.origin != self.genesis.chain_id || self.checkpoint(Some(cp.size))?.root != cp.root {
            return Err(BundleError::Range("the cosigned checkpoint is not of this node's finalized log".into()));
        }
        self.store.put_witnessed(cp.size, &cp.to_note()).map_err(|e| BundleError::Storage(e.to_string()))
    }

    /// The witnesses governance set (finalized state; `None`: never set).
    pub fn witness_policy(&self) -> Option<vellum_types::witness::WitnessPolicy> {
        self.snapshot().witness_policy()
    }

    /// Whether `account` holds registration `id` or its member `member` (finalized state).
    pub fn is_holder(&self, id: &ProofId, member: Option<u32>, account: &vellum_types::AccountId) -> bool {
        self.snapshot().is_holder(id, member, account)
    }

    /// Batch members registered with `digest`, of batches whose members are all stored.
    pub fn members_by_digest(&self, digest: &Hash32) -> Result<Vec<(ProofId, u32)>, BundleError> {
        self.store.members_by_digest(digest).map_err(|e| BundleError::Storage(e.to_string()))
    }

    /// A status proof for a registration (and one batch member) against the latest certified
    /// finalized header: two map proofs, no log reads, so it is cheap enough to serve to anyone.
    pub fn status_proof(&self, id: &ProofId, member: Option<u32>) -> Result<vellum_evidence::StatusProof, BundleError> {
        let a = self.anchor()?;
        if a.state.proof(id).is_none() {
            return Err(BundleError::UnknownProof);
        }
        let snapshot = vellum_evidence::Snapshot {
            genesis: self.genesis.commitment(),
            header: a.header,
            certificate: a.certificate,
            map: &a.state.map,
            log: &vellum_crypto::merkle::NoLog,
            validator_chain: a.validator_chain,
        };
        vellum_evidence::assemble_status(&snapshot, *id, member).map_err(BundleError::Assemble)
    }

    /// Members of batch `id` whose status ever changed (from the commit-time index).
    pub fn changed_members(&self, id: &ProofId) -> Result<Vec<u32>, BundleError> {
        self.store.changed_members(id).map_err(storage_error)
    }

    /// Every status change of a registration (`member` = `None`) or one member, oldest first,
    /// from the latest finalized state.
    pub fn status_history(&self, id: &ProofId, member: Option<u32>) -> Vec<vellum_types::StatusChange> {
        self.snapshot().status_history(id, member)
    }

    /// The attested identity of `issuer`, if any (finalized state).
    pub fn issuer_attestation(&self, issuer: &vellum_types::AccountId) -> Option<vellum_types::IssuerAttestation> {
        self.snapshot().issuer_attestation(issuer)
    }

    /// The issuer-wide revocation of `issuer`, if any.
    pub fn issuer_revocation(&self, issuer: &vellum_types::AccountId) -> Option<vellum_types::IssuerRevocation> {
        self.snapshot().issuer_revocation(issuer)
    }

    /// A log anchor: the latest certified finalized header (its log size and root) with what
    /// proves it from the genesis set. `vellum log checkpoint` saves it next to the note, so the
    /// checkpoint verifies offline even after the genesis validators have left the set.
    pub fn log_anchor(&self) -> Result<vellum_evidence::LogAnchor, BundleError> {
        let a = self.anchor()?;
        if a.header.log_size == 0 {
            return Err(BundleError::Range("the log is empty: nothing to anchor yet".into()));
        }
        Ok(vellum_evidence::LogAnchor {
            genesis: self.genesis.commitment(),
            header: a.header,
            certificate: a.certificate,
            validator_chain: a.validator_chain,
        })
    }

    /// The latest finalized state whose header has its own certificate: what every bundle,
    /// receipt and log anchor is anchored to.
    pub(crate) fn anchor(&self) -> Result<Anchor, BundleError> {
        // A node that just backfilled may lack a certificate for its tip for a moment (see the
        // executor); the next block brings one.
        let mut attempts = 0;
        let (state, certificate) = loop {
            let state = self.finalized_state();
            if state.height == 0 {
                return Err(BundleError::NothingFinalized);
            }
            if let Some(c) = self.store.certificate(state.height).map_err(storage_error)? {
                break (state, c);
            }
            attempts += 1;
            if attempts >= CERTIFICATE_WAIT_ATTEMPTS {
                return Err(BundleError::Missing("certificate of the latest block"));
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        };
        let header = self.store.header(state.height).map_err(storage_error)?.ok_or(BundleError::Missing("header"))?;
        // The header is signed by the set it names: the current one, or (for the last block of
        // an epoch that installed a new set) the one before.
        let changes: Vec<vellum_types::validators::ValidatorSetRecord> = (0..=state.validator_set_change_count())
            .map(|seq| state.validator_set_change(seq).expect("every change up to the count is recorded"))
            .collect();
        let signing = changes
            .iter()
            .rposition(|r| r.hash() == header.validator_set_hash)
            .ok_or(BundleError::Missing("the validator set of the latest header"))?;
        let certificate = crate::certificate::to_bundle(&certificate, changes[signing].validators.len())
            .map_err(|e| BundleError::Storage(format!("stored certificate: {e}")))?;
        let mut chain = Vec::with_capacity(signing);
        for record in &changes[1..=signing] {
            let link_header =
                self.store.header(record.boundary_height).map_err(storage_error)?.ok_or(BundleError::Missing("boundary header"))?;
            let link_certificate = self
                .store
                .certificate(record.boundary_height)
                .map_err(storage_error)?
                .ok_or(BundleError::Missing("certificate of a validator-set change's boundary block"))?;
            let previous = &changes[record.seq as usize - 1];
            let link_certificate = crate::certificate::to_bundle(&link_certificate, previous.validators.len())
                .map_err(|e| BundleError::Storage(format!("stored certificate: {e}")))?;
            let record_proof = self
                .store
                .validator_link_proof(record.seq)
                .map_err(storage_error)?
                .ok_or(BundleError::Missing("proof of a validator-set change"))?;
            chain.push(vellum_evidence::SetLink { header: link_header, certificate: link_certificate, record: record.clone(), record_proof });
        }
        Ok(Anchor { state, header, certificate, validator_chain: chain })
    }

    /// The C2SP checkpoint of the log as finalized block `height` committed it (its header's
    /// log size and root), signed by this validator: every finalized block yields one.
    pub fn checkpoint_at_height(&self, height: u64) -> Result<vellum_evidence::checkpoint::Checkpoint, BundleError> {
        let header = self
            .header(height)
            .ok_or_else(|| BundleError::Range(format!("no finalized block at height {height} here")))?;
        if header.log_size == 0 {
            return Err(BundleError::Range(format!("the log is empty at height {height}")));
        }
        let mut cp = vellum_evidence::checkpoint::Checkpoint::new(&self.genesis.chain_id, header.log_size, header.log_root);
        if let Some(key) = &self.note_key {
            cp.sign(&key.0, &key.1);
        }
        Ok(cp)
    }

    /// A C2SP checkpoint of the finalized log at `size` (default: the latest size), signed by
    /// this validator.
    pub fn checkpoint(&self, size: Option<u64>) -> Result<vellum_evidence::checkpoint::Checkpoint, BundleError> {
        let state = self.finalized_state();
        let latest = state.log.size();
        let size = size.unwrap_or(latest);
        if size == 0 || size > latest {
            return Err(BundleError::Range(format!("size must be 1..={latest} (the finalized log size here)")));
        }
        let root = if size == latest {
            state.log.root()
        } else {
            let log = self.store.log_reader().map_err(storage_error)?;
            vellum_crypto::merkle::root_from(&log, size).map_err(|e| BundleError::Storage(e.to_string()))?
        };
        let mut cp = vellum_evidence::checkpoint::Checkpoint::new(&state.chain_id, size, root);
        if let Some(key) = &self.note_key {
            cp.sign(&key.0, &key.1);
        }
        Ok(cp)
    }

    /// RFC 9162 consistency proof from log size `old` to `new` (both finalized here).
    pub fn consistency(&self, old: u64, new: u64) -> Result<Vec<Hash32>, BundleError> {
        let latest = self.finalized_state().log.size();
        if old == 0 || old > new || new > latest {
            return Err(BundleError::Range(format!("need 1 <= old <= new <= {latest}")));
        }
        let log = self.store.log_reader().map_err(storage_error)?;
        vellum_crypto::merkle::consistency_proof_from(&log, old, new).map_err(|e| BundleError::Storage(e.to_string()))
    }

    /// Proof ids registered with a digest (single document digest or batch root).
    pub fn proofs_by_digest(&self, digest: &Hash32) -> Result<Vec<ProofId>, BundleError> {
        self.store.proofs_by_digest(digest).map_err(|e| BundleError::Storage(e.to_string()))
    }

    /// A registration's record and current state entry.
    pub fn proof(&self, id: &ProofId) -> Result<Option<(EvidenceRecord, ProofEntry)>, BundleError> {
        let Some(record) = self.store.record(id).map_err(|e| BundleError::Storage(e.to_string()))? else {
            return Ok(None);
        };
        Ok(self.snapshot().proof(id).map(|entry| (record, entry)))
    }
}

pub(super) fn storage_error(e: vellum_storage::ReadError) -> BundleError {
    BundleError::Storage(e.to_string())
}

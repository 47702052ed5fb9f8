//! The audit trail of proof data: every read (or refused read) recorded durably before data
//! is returned, then on the ledger in audit transactions of this validator's node account;
//! stored originals; misbehaviour reports, submitted the same way.

use super::{NodeHandle, SubmitError};
use super::evidence::BundleError;
use vellum_types::proof::ReadRecord;
use vellum_types::{AccountId, ProofId, Transaction, TxId};

/// Most (proof, action) pairs tracked for coalescing anonymous audit records.
const ANONYMOUS_AUDIT_KEYS_MAX: usize = 10_000;

/// Most audit records waiting for an audit transaction; beyond it reads are refused rather
/// than served unaudited.
pub const AUDIT_QUEUE_MAX: usize = 100_000;
/// How long a submitted audit record may stay pending before it is submitted again even
/// though its transaction is still held here (it may never be proposed: another validator
/// finalized a different transaction of this account with its nonce). A transaction known
/// lost — rejected, or held nowhere here and not finalized — is replaced at the next flush.
const AUDIT_RETRY_MS: u64 = 30_000;
/// How long a node-account transaction (audit batch, misbehaviour report) stays valid.
const NODE_TX_EXPIRY_BLOCKS: u64 = 10_000;
/// Record bytes one audit transaction carries: the transaction limit less room for the
/// envelope (chain id, sender, nonce, expiry, vector length) and one signature.
const AUDIT_TX_RECORD_BYTES_MAX: usize = vellum_types::limits::TX_BYTES_MAX - 1_024;

/// A queued record's submission: in which transaction, and when (a record whose transaction
/// is known lost goes out again at the next flush, any other after [`AUDIT_RETRY_MS`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct InFlight {
    pub(crate) at_ms: u64,
    pub(crate) tx: TxId,
}

impl NodeHandle {
    /// Records a read (or refused read) of a proof's data in the node's audit trail, durably,
    /// before any data is returned.
    pub fn audit(&self, proof: &ProofId, reader: Option<AccountId>, action: &str, allowed: bool, now_ms: u64) -> Result<(), BundleError> {
        if reader.is_none() && self.anonymous_repeat(proof.0, action, now_ms) {
            return Ok(());
        }
        let pending = if self.audit_key.is_some() {
            self.check_audit_queue()?;
            Some(vellum_types::proof::AuditRecord { proof: *proof, reader, action: action.to_string(), allowed, time_ms: now_ms })
        } else {
            None
        };
        let entry = vellum_storage::AuditEntry { reader, action: action.to_string(), allowed, time_ms: now_ms };
        self.store.append_audit(proof, &entry, pending.as_ref()).map_err(|e| BundleError::Storage(e.to_string()))
    }

    /// Records the reads (or refused reads) of one request — one per owner of the data — in
    /// the owners' trails, durably and in one commit, before any data is returned; queued for
    /// the ledger when this node has a node account.
    pub fn audit_reads(&self, mut records: Vec<ReadRecord>) -> Result<(), BundleError> {
        records.retain(|r| r.reader.is_some() || !self.anonymous_repeat(r.owner.0, &r.action, r.time_ms));
        if records.is_empty() {
            return Ok(());
        }
        if self.audit_key.is_some() {
            self.check_audit_queue()?;
        }
        self.store.append_reads(&records, self.audit_key.is_some()).map_err(|e| BundleError::Storage(e.to_string()))
    }

    /// Reads of `owner`'s data: finalized on the ledger (by any node), and recorded by this
    /// node but not yet finalized.
    pub fn reads_of(&self, owner: &AccountId) -> Result<(Vec<vellum_storage::LedgerReadEntry>, Vec<ReadRecord>), BundleError> {
        let storage = |e: vellum_storage::ReadError| BundleError::Storage(e.to_string());
        Ok((self.store.ledger_reads(owner).map_err(storage)?, self.store.pending_reads_of(owner).map_err(storage)?))
    }

    fn check_audit_queue(&self) -> Result<(), BundleError> {
        let queued = self.store.pending_audit_len().map_err(|e| BundleError::Storage(e.to_string()))?;
        if queued >= AUDIT_QUEUE_MAX as u64 {
            return Err(BundleError::Storage("audit queue full: reads are refused until audit records reach the ledger".into()));
        }
        Ok(())
    }

    /// Anonymous attempts cost the caller nothing, so they are recorded at most once per
    /// (subject, action) per second: enough to show they happened, too little to flood the
    /// disk or the ledger. Whether this one is such a repeat (or the tracker is full).
    fn anonymous_repeat(&self, subject: [u8; 32], action: &str, now_ms: u64) -> bool {
        let mut last = self.anonymous_audits.lock().expect("anonymous audit lock");
        let key = (subject, action.to_string());
        if last.get(&key).is_some_and(|t| now_ms < t + 1_000) {
            return true;
        }
        if last.len() >= ANONYMOUS_AUDIT_KEYS_MAX {
            last.retain(|_, t| now_ms < *t + 1_000);
        }
        if last.len() >= ANONYMOUS_AUDIT_KEYS_MAX {
            return true;
        }
        last.insert(key, now_ms);
        false
    }

    /// Stores an encrypted original of a proof's document (member of a batch, 0 for a single
    /// registration) — off the ledger, on this node; not when one is stored or was deleted.
    pub fn put_original(&self, proof: &ProofId, member: u32, key_envelope: &[u8], payload: &[u8]) -> Result<vellum_storage::PutOriginal, BundleError> {
        self.store.put_original(proof, member, key_envelope, payload).map_err(|e| BundleError::Storage(e.to_string()))
    }

    /// The stored encrypted original, its deletion, or nothing.
    pub fn original(&self, proof: &ProofId, member: u32) -> Result<vellum_storage::Original, BundleError> {
        self.store.original(proof, member).map_err(|e| BundleError::Storage(e.to_string()))
    }

    /// Audit records of `proof` finalized on the ledger (recorded by any node).
    pub fn ledger_audit(&self, proof: &ProofId) -> Result<Vec<vellum_storage::LedgerAuditEntry>, BundleError> {
        self.store.ledger_audit(proof).map_err(|e| BundleError::Storage(e.to_string()))
    }

    /// A transaction of this validator's node account (`key`), with its next free nonce,
    /// submitted like any other.
    fn submit_node_tx(&self, key: &vellum_crypto::Signer, body: vellum_types::TxBody) -> Result<TxId, SubmitError> {
        let sender = key.public_key().account_id();
        let (chain_id, nonce, height) = {
            let core = self.lock();
            let state = self.snapshot();
            let next = state.account(&sender).map_or(0, |a| a.next_nonce);
            (state.chain_id.clone(), core.mempool.next_free_nonce(&sender, next), state.height)
        };
        let unsigned = vellum_types::UnsignedTx { chain_id, sender, nonce, expiry_height: height + NODE_TX_EXPIRY_BLOCKS, body };
        let tx = Transaction { signatures: vec![key.sign_tx(&unsigned)?], unsigned };
        self.submit(&tx.to_wire())
    }

    /// Records misbehaviour this validator's consensus engine proved, as a transaction of its
    /// node account (not recorded when the node has none). Returns whether it was submitted.
    pub fn report_misbehavior(&self, report: crate::engine::MisbehaviorReport) -> bool {
        let Some(key) = &self.audit_key else {
            tracing::warn!(validator = %hex::encode(report.validator), "misbehaviour not recorded: this node has no node account key");
            return false;
        };
        let body = vellum_types::TxBody::ReportMisbehavior {
            validator: report.validator,
            kind: report.kind,
            epoch: report.epoch,
            view: report.view,
            evidence: report.evidence,
        };
        self.submit_node_tx(key, body).inspect_err(|e| tracing::warn!(error = %e, "misbehaviour report not admitted")).is_ok()
    }

    /// Submits pending audit records of both trails (durably queued, not already in flight)
    /// as node-signed `AuditBatch` / `AuditReads` transactions. Returns how many records it
    /// submitted.
    pub fn flush_audit(&self, now_ms: u64) -> usize {
        let Some(key) = &self.audit_key else { return 0 };
        let mut submitted = 0;
        if let Ok(pending) = self.store.pending_audit(AUDIT_QUEUE_MAX) {
            submitted += self.flush_queue(key, pending, &self.audit_in_flight, now_ms, |entries| vellum_types::TxBody::AuditBatch { entries });
        }
        if let Ok(pending) = self.store.pending_reads(AUDIT_QUEUE_MAX) {
            submitted += self.flush_queue(key, pending, &self.reads_in_flight, now_ms, |entries| vellum_types::TxBody::AuditReads { entries });
        }
        submitted
    }

    /// One audit transaction of up to a batch of `pending` records not in flight (or in
    /// flight too long).
    fn flush_queue<R: borsh::BorshSerialize>(
        &self,
        key: &vellum_crypto::Signer,
        pending: Vec<(u64, R)>,
        in_flight: &std::sync::Mutex<std::collections::HashMap<u64, InFlight>>,
        now_ms: u64,
        body: impl FnOnce(Vec<R>) -> vellum_types::TxBody,
    ) -> usize {
        let (seqs, entries): (Vec<u64>, Vec<R>) = {
            let mut in_flight = in_flight.lock().expect("audit in-flight lock");
            in_flight.retain(|seq, _| pending.iter().any(|(s, _)| s == seq));
            self.forget_lost(&mut in_flight);
            // As many as fit one transaction: 256 records of ~90 bytes would not.
            let mut bytes = 0usize;
            pending
                .into_iter()
                .filter(|(seq, _)| in_flight.get(seq).is_none_or(|f| now_ms >= f.at_ms + AUDIT_RETRY_MS))
                .take(vellum_types::proof::AUDIT_BATCH_ENTRIES_MAX)
                .take_while(|(_, r)| {
                    bytes += borsh::to_vec(r).map_or(usize::MAX / 2, |b| b.len());
                    bytes <= AUDIT_TX_RECORD_BYTES_MAX
                })
                .unzip()
        };
        if entries.is_empty() {
            return 0;
        }
        let count = entries.len();
        match self.submit_node_tx(key, body(entries)) {
            Ok(tx) => {
                let mut in_flight = in_flight.lock().expect("audit in-flight lock");
                for seq in seqs {
                    in_flight.insert(seq, InFlight { at_ms: now_ms, tx });
                }
                count
            }
            Err(e) => {
                // They stay pending and are retried with the next flush.
                tracing::warn!(error = %e, "audit transaction not admitted; retrying later");
                0
            }
        }
    }

    /// Forgets the submissions whose transaction can no longer finalize — rejected by a block
    /// this node built, or neither held here nor finalized — so their records go out again now
    /// rather than after [`AUDIT_RETRY_MS`]. ([`NodeHandle::tx_status`] never reports a
    /// transaction finalized a moment ago as unknown, so no record goes out twice that way.)
    fn forget_lost(&self, in_flight: &mut std::collections::HashMap<u64, InFlight>) {
        let txs: std::collections::BTreeSet<TxId> = in_flight.values().map(|f| f.tx).collect();
        for tx in txs {
            match self.tx_status(&tx) {
                super::TxStatus::Pending | super::TxStatus::Finalized(_) => {}
                lost @ (super::TxStatus::Rejected { .. } | super::TxStatus::Unknown) => {
                    tracing::warn!(tx = %tx.to_hex(), status = ?lost, "audit transaction lost; its records go out again");
                    in_flight.retain(|_, f| f.tx != tx);
                }
            }
        }
    }

    pub fn audit_trail(&self, proof: &ProofId) -> Result<Vec<vellum_storage::AuditEntry>, BundleError> {
        self.store.audit(proof).map_err(|e| BundleError::Storage(e.to_string()))
    }
}

//! The node's shared state between consensus (propose / verify / finalize) and its clients,
//! and [`NodeHandle`], the one door the API and tests use.

use crate::mempool::{Mempool, MempoolError, MempoolLimits, Pending};
use commonware_cryptography::sha256::Digest;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use thiserror::Error;
use vellum_ledger::{BlockOutcome, LedgerState, TxError};
use vellum_storage::{Store, TxLocation};
use vellum_types::request::REQUEST_FRESHNESS_MS;
use vellum_types::{
    Account, AccountId, AccountStatus, DecodeError, EvidenceRecord, Genesis, Hash32, ProofEntry, ProofId, Signature,
    Transaction, TxId,
};

/// Most executed-but-unfinalized blocks whose post-state a node keeps. Simplex finalizes
/// within a few views, so thousands means something is badly wrong; beyond it the oldest are
/// dropped (they can be re-executed from their ancestry if needed).
pub const EXECUTED_BLOCKS_MAX: usize = 4_096;
/// Most rejection reasons remembered for `GET /v1/tx/{hash}`.
pub const REJECTED_REMEMBERED_MAX: usize = 100_000;

pub(crate) struct Core {
    pub finalized: LedgerState,
    /// Post-state of blocks this node proposed or verified, by digest.
    pub executed: HashMap<Digest, Arc<BlockOutcome>>,
    pub mempool: Mempool,
    rejected: HashMap<TxId, (String, String)>,
    rejected_order: VecDeque<TxId>,
    pub finalized_txs_total: u64,
    /// Monitoring alerts raised by finalized transfers, by rule (X.1405 8.4.3), and holds.
    pub alerts_total: std::collections::BTreeMap<&'static str, u64>,
    pub holds_total: u64,
    /// Admission → finalized latency of transactions this node admitted, and refusals of
    /// submissions by reason (for `/metrics`).
    pub finality_latency: Histogram,
    pub refused_total: std::collections::BTreeMap<&'static str, u64>,
    /// Request nonces seen within the freshness window (replay protection).
    seen_nonces: HashMap<(AccountId, [u8; 16]), u64>,
    seen_order: VecDeque<(u64, AccountId, [u8; 16])>,
}

/// Upper bounds (seconds) of the latency histogram buckets.
pub const LATENCY_BUCKETS_S: [f64; 11] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// A Prometheus-style cumulative histogram with fixed buckets.
#[derive(Clone, Debug, Default)]
pub struct Histogram {
    /// Observations at or below each bucket bound (not cumulative; summed when exported).
    pub counts: [u64; LATENCY_BUCKETS_S.len()],
    pub count: u64,
    pub sum: f64,
}

impl Histogram {
    pub fn observe(&mut self, value: f64) {
        if let Some(i) = LATENCY_BUCKETS_S.iter().position(|b| value <= *b) {
            self.counts[i] += 1;
        }
        self.count += 1;
        self.sum += value;
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

/// Most request nonces remembered; beyond it, the oldest are forgotten (they are also stale).
pub const REQUEST_NONCES_MAX: usize = 200_000;

impl Core {
    /// State after the block with `digest`, if this node knows it.
    pub fn state_after(&self, digest: &Digest) -> Option<LedgerState> {
        if digest.0 == self.finalized.block_hash {
            return Some(self.finalized.clone());
        }
        self.executed.get(digest).map(|o| o.state.clone())
    }

    pub fn remember_executed(&mut self, digest: Digest, outcome: Arc<BlockOutcome>) {
        if self.executed.len() >= EXECUTED_BLOCKS_MAX {
            // Drop the lowest heights first: they are the least likely to be built on.
            let mut heights: Vec<(u64, Digest)> =
                self.executed.iter().map(|(d, o)| (o.state.height, *d)).collect();
            heights.sort();
            for (_, d) in heights.iter().take(EXECUTED_BLOCKS_MAX / 4) {
                self.executed.remove(d);
            }
        }
        self.executed.insert(digest, outcome);
    }

    /// Forgets a transaction that cannot apply, remembering why; returns its sender if it was
    /// in the mempool.
    pub fn reject(&mut self, id: TxId, error: &TxError) -> Option<AccountId> {
        let removed = self.mempool.remove(&id);
        if self.rejected.insert(id, (error.code().to_string(), error.to_string())).is_none() {
            self.rejected_order.push_back(id);
            if self.rejected_order.len() > REJECTED_REMEMBERED_MAX {
                let old = self.rejected_order.pop_front().expect("non-empty");
                self.rejected.remove(&old);
            }
        }
        removed.map(|p| p.tx.unsigned.sender)
    }

    /// Installs a newly finalized state: drops executed states at or below it and stale
    /// transactions from the mempool.
    pub fn finalize(&mut self, outcome: &BlockOutcome) {
        assert_eq!(outcome.state.height, self.finalized.height + 1, "finalized blocks apply in order");
        self.finalized = outcome.state.clone();
        let h = self.finalized.height;
        self.executed.retain(|_, o| o.state.height > h);
        self.finalized_txs_total += outcome.receipts.len() as u64;
        let now = std::time::Instant::now();
        for r in &outcome.receipts {
            if let Some(at) = self.mempool.admitted_at(&r.tx_id) {
                self.finality_latency.observe(now.duration_since(at).as_secs_f64());
            }
        }
        for r in &outcome.receipts {
            if let Some(vellum_types::PaymentOutcome::Held { alerts, .. }) = r.payment.as_ref().map(|p| &p.record.outcome) {
                self.holds_total += 1;
                for a in alerts {
                    *self.alerts_total.entry(a.rule()).or_default() += 1;
                }
            }
        }
        self.mempool.prune(&self.finalized);
    }

    pub fn candidates(&self, state: &LedgerState) -> Vec<Pending> {
        self.mempool.candidates(state, state.params.block_txs_max as usize)
    }
}

/// What a client learns about a transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxStatus {
    Pending,
    Finalized(TxLocation),
    Rejected { code: String, message: String },
    Unknown,
}

/// Why a submitted transaction was not admitted. Nothing changes when this is returned.
#[derive(Debug, Error)]
pub enum SubmitError {
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error(transparent)]
    Invalid(#[from] TxError),
    #[error(transparent)]
    Mempool(#[from] MempoolError),
    #[error("storage error: {0}")]
    Storage(String),
    #[error(transparent)]
    Accept(#[from] crate::acceptance::AcceptError),
}

impl SubmitError {
    pub fn code(&self) -> &'static str {
        match self {
            SubmitError::Decode(DecodeError::TooLarge { .. }) => "too_large",
            SubmitError::Decode(_) => "malformed",
            SubmitError::Invalid(e) => e.code(),
            SubmitError::Mempool(e) => e.code(),
            SubmitError::Storage(_) => "storage",
            SubmitError::Accept(crate::acceptance::AcceptError::Busy) => "busy",
            SubmitError::Accept(crate::acceptance::AcceptError::Storage(_)) => "storage",
        }
    }
}

/// Why an authenticated request was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("this endpoint needs a signed request (x-vellum-account, -timestamp, -nonce, -signature headers)")]
    Missing,
    #[error("malformed authentication header: {0}")]
    Malformed(&'static str),
    #[error("request timestamp is more than {} s from the node's clock", REQUEST_FRESHNESS_MS / 1000)]
    Stale,
    #[error("request nonce already used")]
    Replayed,
    #[error("request signature does not verify for the account's keys")]
    BadSignature,
    #[error("unknown account")]
    UnknownAccount,
    #[error("account is {0}")]
    Inactive(&'static str),
    #[error("the account's role does not allow reading this")]
    Forbidden,
    #[error("too many authenticated requests in the last minutes; retry shortly")]
    Busy,
}

impl AuthError {
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::Missing => "unauthenticated",
            AuthError::Malformed(_) => "bad_auth_header",
            AuthError::Stale => "stale_request",
            AuthError::Replayed => "replayed_request",
            AuthError::BadSignature => "bad_request_signature",
            AuthError::UnknownAccount => "unknown_account",
            AuthError::Inactive(_) => "account_not_active",
            AuthError::Forbidden => "forbidden",
            AuthError::Busy => "busy",
        }
    }
}

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

/// A snapshot for `GET /v1/status`.
#[derive(Clone, Debug)]
pub struct NodeStatus {
    pub chain_id: String,
    pub genesis_hash: Hash32,
    pub height: u64,
    pub block_hash: Hash32,
    pub time_ms: u64,
    pub state_root: Hash32,
    pub log_root: Hash32,
    pub log_size: u64,
    pub validator_set_hash: Hash32,
    pub mempool_txs: usize,
    pub finalized_txs_total: u64,
    /// This validator's checked clock (`None` for a handle with no consensus behind it).
    pub clock: Option<crate::time::ClockReport>,
}

/// Cheap to clone; safe to use from any thread.
#[derive(Clone)]
pub struct NodeHandle {
    pub(crate) core: Arc<Mutex<Core>>,
    pub(crate) store: Arc<Store>,
    pub(crate) genesis: Arc<Genesis>,
    /// Admitted transactions to gossip to the other validators (bounded: [`GOSSIP_QUEUE_MAX`]).
    pub(crate) gossip: tokio::sync::mpsc::Sender<Vec<u8>>,
    /// Submissions admitted but not gossiped because the gossip queue was full.
    gossip_dropped_total: Arc<std::sync::atomic::AtomicU64>,
    /// Where accepted transactions are made durable before the answer.
    accept_log: crate::acceptance::AcceptLog,
    /// `(note key name, key)` this validator signs log checkpoints with.
    pub(crate) note_key: Option<Arc<(String, vellum_crypto::SecretKey)>>,
    /// The node account's key that signs audit transactions, and the records waiting for one.
    pub(crate) audit_key: Option<Arc<vellum_crypto::SecretKey>>,
    /// Pending audit records (by their storage sequence number) already submitted in an audit
    /// transaction, and when; resubmitted if still pending after `AUDIT_RETRY_MS`.
    pub(crate) audit_in_flight: Arc<Mutex<HashMap<u64, u64>>>,
    /// When each (proof, action) last had an anonymous attempt recorded.
    anonymous_audits: Arc<Mutex<HashMap<(ProofId, String), u64>>>,
    /// The clock consensus decisions use (set by [`crate::engine::start`]).
    pub(crate) clock: Option<crate::time::CheckedClock>,
    /// Finalized-block events for subscribers (`GET /v1/events`, see [`crate::events`]).
    pub(crate) events: crate::events::EventHub,
}

/// Admitted transactions waiting for the gossip task. Overflow policy: a client submission that
/// finds the queue full is still admitted, made durable and answered `202`, but not gossiped
/// (counted in `vellum_gossip_dropped_total`): this validator proposes it when it leads, and a
/// client that sees no progress resubmits it to another validator (`docs/client.md`). Waiting
/// instead would let a slow network stall admission; refusing would lose a transaction that is
/// already valid here. Replays after a restart wait for room instead (they have no client).
pub const GOSSIP_QUEUE_MAX: usize = 4096;

/// Most (proof, action) pairs tracked for coalescing anonymous audit records.
const ANONYMOUS_AUDIT_KEYS_MAX: usize = 10_000;

/// Most audit records waiting for an audit transaction; beyond it reads are refused rather
/// than served unaudited.
pub const AUDIT_QUEUE_MAX: usize = 100_000;
/// How long a submitted audit record may stay pending before it is submitted again (its
/// transaction may have been dropped, or this node restarted).
const AUDIT_RETRY_MS: u64 = 30_000;
/// How long a node-account transaction (audit batch, misbehaviour report) stays valid.
const NODE_TX_EXPIRY_BLOCKS: u64 = 10_000;

impl NodeHandle {
    pub(crate) fn new(
        finalized: LedgerState,
        store: Arc<Store>,
        genesis: Arc<Genesis>,
        limits: MempoolLimits,
        gossip: tokio::sync::mpsc::Sender<Vec<u8>>,
    ) -> Self {
        let events = crate::events::EventHub::new(&finalized);
        let core = Core {
            finalized,
            executed: HashMap::new(),
            mempool: Mempool::new(limits),
            rejected: HashMap::new(),
            rejected_order: VecDeque::new(),
            finalized_txs_total: 0,
            alerts_total: Default::default(),
            holds_total: 0,
            finality_latency: Histogram::default(),
            refused_total: Default::default(),
            seen_nonces: HashMap::new(),
            seen_order: VecDeque::new(),
        };
        Self {
            core: Arc::new(Mutex::new(core)),
            accept_log: crate::acceptance::AcceptLog::start(store.clone()),
            store,
            genesis,
            gossip,
            gossip_dropped_total: Arc::default(),
            note_key: None,
            audit_key: None,
            audit_in_flight: Arc::default(),
            anonymous_audits: Arc::default(),
            clock: None,
            events,
        }
    }

    /// A handle with no consensus behind it: admission and queries against the stored state.
    /// For tests and tools; a validator gets its handle from [`crate::engine::start`].
    pub fn offline(genesis: Arc<Genesis>, store: Arc<Store>, limits: MempoolLimits) -> Result<Self, vellum_storage::LoadError> {
        Self::offline_queue(genesis, store, limits, 1).map(|(node, _)| node)
    }

    /// [`NodeHandle::offline`] whose gossip queue holds `capacity` and is returned, for tests of
    /// the queue's overflow policy.
    pub fn offline_with_gossip(
        genesis: Arc<Genesis>,
        store: Arc<Store>,
        capacity: usize,
    ) -> Result<(Self, tokio::sync::mpsc::Receiver<Vec<u8>>), vellum_storage::LoadError> {
        Self::offline_queue(genesis, store, MempoolLimits::default(), capacity)
    }

    fn offline_queue(
        genesis: Arc<Genesis>,
        store: Arc<Store>,
        limits: MempoolLimits,
        capacity: usize,
    ) -> Result<(Self, tokio::sync::mpsc::Receiver<Vec<u8>>), vellum_storage::LoadError> {
        let finalized = store.load_state(&genesis)?;
        let (gossip, outbound) = tokio::sync::mpsc::channel(capacity);
        Ok((Self::new(finalized, store, genesis, limits, gossip), outbound))
    }

    /// Submissions admitted but not gossiped (the queue was full).
    pub fn gossip_dropped_total(&self) -> u64 {
        self.gossip_dropped_total.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Core> {
        // A poisoned lock means a thread panicked mid-update: the invariants may be broken,
        // so this node must stop rather than carry on.
        self.core.lock().expect("node core lock poisoned")
    }

    pub fn genesis(&self) -> &Genesis {
        &self.genesis
    }

    pub fn tx_status(&self, id: &TxId) -> TxStatus {
        if let Ok(Some(loc)) = self.store.tx_location(id) {
            return TxStatus::Finalized(loc);
        }
        let core = self.lock();
        if core.mempool.contains(id) {
            return TxStatus::Pending;
        }
        match core.rejected.get(id) {
            Some((code, message)) => TxStatus::Rejected { code: code.clone(), message: message.clone() },
            None => TxStatus::Unknown,
        }
    }

    pub fn status(&self) -> NodeStatus {
        let core = self.lock();
        let s = &core.finalized;
        NodeStatus {
            chain_id: s.chain_id.clone(),
            genesis_hash: self.genesis.hash(),
            height: s.height,
            block_hash: s.block_hash,
            time_ms: s.time_ms,
            state_root: s.state_root(),
            log_root: s.log.root(),
            log_size: s.log.size(),
            validator_set_hash: s.validator_set_hash,
            mempool_txs: core.mempool.len(),
            finalized_txs_total: core.finalized_txs_total,
            clock: self.clock.as_ref().map(|c| c.report()),
        }
    }

    /// The finalized state (cheap clone), e.g. for tests comparing validators.
    /// Makes a finalized block durable, then installs its post-state for every reader (the
    /// executor's only write; see ARCHITECTURE.md, "Reads during commits"). Storage first: a
    /// reader that sees the new state finds the block, its transactions and its proofs stored.
    /// The state is replaced whole under the lock, so no reader sees part of a block; readers
    /// take an O(1) copy and never hold the lock while they work. Subscribers hear of the block
    /// last (never waited on). On an error nothing is installed and the caller must stop.
    pub fn install_finalized(&self, block: &vellum_types::Block, outcome: &BlockOutcome, certificate: &[u8]) -> Result<(), vellum_storage::CommitError> {
        self.store.commit_block(block, outcome, certificate)?;
        self.lock().finalize(outcome);
        self.events.publish(block, outcome);
        Ok(())
    }

    pub fn finalized_state(&self) -> LedgerState {
        self.lock().finalized.clone()
    }

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
        self.lock().finalized.witness_policy()
    }

    /// Whether `account` holds registration `id` or its member `member` (finalized state).
    pub fn is_holder(&self, id: &ProofId, member: Option<u32>, account: &vellum_types::AccountId) -> bool {
        self.lock().finalized.is_holder(id, member, account)
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
        self.lock().finalized.status_history(id, member)
    }

    /// The attested identity of `issuer`, if any (finalized state).
    pub fn issuer_attestation(&self, issuer: &vellum_types::AccountId) -> Option<vellum_types::IssuerAttestation> {
        self.lock().finalized.issuer_attestation(issuer)
    }

    /// The issuer-wide revocation of `issuer`, if any.
    pub fn issuer_revocation(&self, issuer: &vellum_types::AccountId) -> Option<vellum_types::IssuerRevocation> {
        self.lock().finalized.issuer_revocation(issuer)
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

    /// Checks a signed request (signature by one of the account's keys, freshness, no replay,
    /// active account) and returns the caller's account.
    pub fn authenticate(
        &self,
        account: &AccountId,
        timestamp_ms: u64,
        nonce: [u8; 16],
        signature: &Signature,
        signed_bytes: &[u8],
        now_ms: u64,
    ) -> Result<Account, AuthError> {
        self.authenticate_with(account, timestamp_ms, nonce, signature, signed_bytes, now_ms, |_, caller| caller)
    }

    /// [`Self::authenticate`] for an event stream: the caller with the rights it authenticated
    /// with (taken from the same finalized state), to re-check while the stream lasts.
    pub fn authenticate_viewer(
        &self,
        account: &AccountId,
        timestamp_ms: u64,
        nonce: [u8; 16],
        signature: &Signature,
        signed_bytes: &[u8],
        now_ms: u64,
    ) -> Result<crate::events::Viewer, AuthError> {
        self.authenticate_with(account, timestamp_ms, nonce, signature, signed_bytes, now_ms, crate::events::Viewer::new)
    }

    /// Authenticates against the finalized state and hands `then` that state and the caller.
    #[allow(clippy::too_many_arguments)]
    fn authenticate_with<T>(
        &self,
        account: &AccountId,
        timestamp_ms: u64,
        nonce: [u8; 16],
        signature: &Signature,
        signed_bytes: &[u8],
        now_ms: u64,
        then: impl FnOnce(&LedgerState, Account) -> T,
    ) -> Result<T, AuthError> {
        if timestamp_ms.abs_diff(now_ms) > REQUEST_FRESHNESS_MS {
            return Err(AuthError::Stale);
        }
        let key = vellum_crypto::verify_signature(signature, signed_bytes).map_err(|_| AuthError::BadSignature)?;
        let mut core = self.lock();
        let caller = core.finalized.account(account).ok_or(AuthError::UnknownAccount)?;
        if !core.finalized.may_sign_requests(&caller, &key) {
            return Err(AuthError::BadSignature);
        }
        if caller.status != AccountStatus::Active {
            return Err(AuthError::Inactive(caller.status.name()));
        }
        // Forget nonces that are stale anyway (a stale request is refused before this), then
        // refuse a repeat. A full cache refuses new requests rather than forgetting a fresh
        // nonce, which would let a flood of requests re-open a replay window.
        while let Some((ts, a, n)) = core.seen_order.front().copied() {
            if ts + 2 * REQUEST_FRESHNESS_MS < now_ms {
                core.seen_order.pop_front();
                core.seen_nonces.remove(&(a, n));
            } else {
                break;
            }
        }
        if core.seen_nonces.contains_key(&(*account, nonce)) {
            return Err(AuthError::Replayed);
        }
        if core.seen_order.len() >= REQUEST_NONCES_MAX {
            return Err(AuthError::Busy);
        }
        core.seen_nonces.insert((*account, nonce), timestamp_ms);
        core.seen_order.push_back((timestamp_ms, *account, nonce));
        Ok(then(&core.finalized, caller))
    }

    /// Records a read (or refused read) of a proof's data in the node's audit trail, durably,
    /// before any data is returned.
    pub fn audit(&self, proof: &ProofId, reader: Option<AccountId>, action: &str, allowed: bool, now_ms: u64) -> Result<(), BundleError> {
        if reader.is_none() {
            // Anonymous attempts cost the caller nothing, so they are recorded at most once per
            // (proof, action) per second: enough to show they happened, too little to flood
            // the disk or the ledger.
            let mut last = self.anonymous_audits.lock().expect("anonymous audit lock");
            let key = (*proof, action.to_string());
            if last.get(&key).is_some_and(|t| now_ms < t + 1_000) {
                return Ok(());
            }
            if last.len() >= ANONYMOUS_AUDIT_KEYS_MAX {
                last.retain(|_, t| now_ms < *t + 1_000);
            }
            if last.len() >= ANONYMOUS_AUDIT_KEYS_MAX {
                return Ok(());
            }
            last.insert(key, now_ms);
        }
        let pending = if self.audit_key.is_some() {
            let queued = self.store.pending_audit_len().map_err(|e| BundleError::Storage(e.to_string()))?;
            if queued >= AUDIT_QUEUE_MAX as u64 {
                return Err(BundleError::Storage("audit queue full: reads are refused until audit records reach the ledger".into()));
            }
            Some(vellum_types::proof::AuditRecord { proof: *proof, reader, action: action.to_string(), allowed, time_ms: now_ms })
        } else {
            None
        };
        let entry = vellum_storage::AuditEntry { reader, action: action.to_string(), allowed, time_ms: now_ms };
        self.store.append_audit(proof, &entry, pending.as_ref()).map_err(|e| BundleError::Storage(e.to_string()))
    }

    /// Stores an encrypted original of a proof's document (member of a batch, 0 for a single
    /// registration) — off the ledger, on this node. `false` if one is or was stored.
    pub fn put_original(&self, proof: &ProofId, member: u32, key_envelope: &[u8], payload: &[u8]) -> Result<bool, BundleError> {
        self.store.put_original(proof, member, key_envelope, payload).map_err(|e| BundleError::Storage(e.to_string()))
    }

    /// The stored encrypted original, its deletion, or nothing.
    pub fn original(&self, proof: &ProofId, member: u32) -> Result<vellum_storage::Original, BundleError> {
        self.store.original(proof, member).map_err(|e| BundleError::Storage(e.to_string()))
    }

    /// Destroys a stored original's key envelope and payload (a tombstone remains). `false`
    /// if none was stored.
    pub fn delete_original(&self, proof: &ProofId, member: u32, now_ms: u64) -> Result<bool, BundleError> {
        self.store.delete_original(proof, member, now_ms).map_err(|e| BundleError::Storage(e.to_string()))
    }

    /// Audit records of `proof` finalized on the ledger (recorded by any node).
    pub fn ledger_audit(&self, proof: &ProofId) -> Result<Vec<vellum_storage::LedgerAuditEntry>, BundleError> {
        self.store.ledger_audit(proof).map_err(|e| BundleError::Storage(e.to_string()))
    }

    /// A transaction of this validator's node account (`key`), with its next free nonce,
    /// submitted like any other.
    fn submit_node_tx(&self, key: &vellum_crypto::SecretKey, body: vellum_types::TxBody) -> Result<TxId, SubmitError> {
        let sender = key.public_key().account_id();
        let (chain_id, nonce, height) = {
            let core = self.lock();
            let next = core.finalized.account(&sender).map_or(0, |a| a.next_nonce);
            (core.finalized.chain_id.clone(), core.mempool.next_free_nonce(&sender, next), core.finalized.height)
        };
        let unsigned = vellum_types::UnsignedTx { chain_id, sender, nonce, expiry_height: height + NODE_TX_EXPIRY_BLOCKS, body };
        let tx = Transaction { signatures: vec![key.sign_tx(&unsigned)], unsigned };
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

    /// Submits pending audit records (durably queued, not already in flight) as one
    /// node-signed `AuditBatch` transaction. Returns how many records it submitted.
    pub fn flush_audit(&self, now_ms: u64) -> usize {
        let Some(key) = &self.audit_key else { return 0 };
        let Ok(pending) = self.store.pending_audit(AUDIT_QUEUE_MAX) else { return 0 };
        let (seqs, entries): (Vec<u64>, Vec<_>) = {
            let mut in_flight = self.audit_in_flight.lock().expect("audit in-flight lock");
            in_flight.retain(|seq, _| pending.iter().any(|(s, _)| s == seq));
            pending
                .into_iter()
                .filter(|(seq, _)| in_flight.get(seq).is_none_or(|at| now_ms >= at + AUDIT_RETRY_MS))
                .take(vellum_types::proof::AUDIT_BATCH_ENTRIES_MAX)
                .unzip()
        };
        if entries.is_empty() {
            return 0;
        }
        let count = entries.len();
        match self.submit_node_tx(key, vellum_types::TxBody::AuditBatch { entries }) {
            Ok(_) => {
                let mut in_flight = self.audit_in_flight.lock().expect("audit in-flight lock");
                for seq in seqs {
                    in_flight.insert(seq, now_ms);
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

    pub fn audit_trail(&self, proof: &ProofId) -> Result<Vec<vellum_storage::AuditEntry>, BundleError> {
        self.store.audit(proof).map_err(|e| BundleError::Storage(e.to_string()))
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
        Ok(self.lock().finalized.proof(id).map(|entry| (record, entry)))
    }

    pub fn account(&self, id: &vellum_types::AccountId) -> Option<vellum_types::Account> {
        self.lock().finalized.account(id)
    }
}


fn storage_error(e: vellum_storage::ReadError) -> BundleError {
    BundleError::Storage(e.to_string())
}

mod payments;
mod submit;
pub use submit::ACCEPTED_REPLAY_MAX;
pub use payments::{AccountView, Activity, ValidatorActivity, can_read_account};

#[cfg(test)]
mod tests {
    use super::*;
    use vellum_ledger::testkit::{fixture, key};
    use vellum_types::request::request_signing_bytes;

    fn handle() -> (NodeHandle, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let genesis = Arc::new(fixture().genesis);
        let store = Arc::new(Store::open(&dir.path().join("l.redb"), &genesis).unwrap());
        (NodeHandle::offline(genesis, store, MempoolLimits::default()).unwrap(), dir)
    }

    /// Readers racing the executor's commits never see a half-applied block nor a state ahead
    /// of storage: every state they read matches a stored header (roots and log size), and
    /// every transaction of the blocks up to that height is stored as finalized.
    #[test]
    fn reads_during_commits_see_whole_blocks_already_stored() {
        let f = fixture();
        let (node, _dir) = handle();
        let (mut state, _) = vellum_ledger::genesis_block(&f.genesis);
        let mut blocks = Vec::new();
        for b in 0..40u64 {
            let txs: Vec<Transaction> =
                (0..5u64).map(|i| vellum_ledger::testkit::sign(&f.registrar, "vellum-test", b * 5 + i, vellum_ledger::testkit::open(&key("ed25519", (50 + b * 5 + i) as u8)))).collect();
            let signers: Vec<Vec<vellum_types::PublicKey>> = txs.iter().map(|t| vellum_crypto::verify_tx(t).unwrap()).collect();
            let built = vellum_ledger::build_block(&state, state.time_ms + 1, 0, state.height + 1, [7; 32], txs.iter().zip(signers.iter().map(Vec::as_slice)));
            assert!(built.rejected.is_empty(), "{:?}", built.rejected);
            state = built.outcome.state.clone();
            blocks.push((built.block, built.outcome, txs));
        }
        let done = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            let reader = s.spawn(|| {
                let mut seen = std::collections::BTreeSet::new();
                while !done.load(std::sync::atomic::Ordering::Acquire) {
                    let snapshot = node.finalized_state();
                    seen.insert(snapshot.height);
                    if snapshot.height == 0 {
                        continue;
                    }
                    let header = node.header(snapshot.height).expect("the state's block is stored");
                    assert_eq!((header.state_root, header.log_root, header.log_size), (snapshot.state_root(), snapshot.log.root(), snapshot.log.size()));
                    for (_, _, txs) in &blocks[..snapshot.height as usize] {
                        assert!(matches!(node.tx_status(&txs[4].id()), TxStatus::Finalized(_)));
                    }
                }
                seen
            });
            for (block, outcome, _) in &blocks {
                node.install_finalized(block, outcome, &[]).unwrap();
            }
            done.store(true, std::sync::atomic::Ordering::Release);
            let seen = reader.join().unwrap();
            assert!(seen.len() > 2, "the reader ran during the commits: {seen:?}");
        });
        assert_eq!(node.status().height, 40);
    }

    #[test]
    fn signed_requests_fresh_once_and_by_the_account() {
        let (node, _dir) = handle();
        let f = fixture();
        let account = f.issuer.public_key().account_id();
        let now = 1_000_000;
        let sign = |k: &vellum_crypto::SecretKey, nonce: [u8; 16], ts: u64| {
            let bytes = request_signing_bytes("vellum-test", &account, "GET", "/v1/proof/x", b"", ts, &nonce);
            (k.sign(&bytes), bytes)
        };
        let (sig, bytes) = sign(&f.issuer, [1; 16], now);
        assert!(node.authenticate(&account, now, [1; 16], &sig, &bytes, now).is_ok());
        assert_eq!(node.authenticate(&account, now, [1; 16], &sig, &bytes, now).unwrap_err(), AuthError::Replayed);
        let (sig, bytes) = sign(&f.issuer, [2; 16], now - 61_000);
        assert_eq!(node.authenticate(&account, now - 61_000, [2; 16], &sig, &bytes, now).unwrap_err(), AuthError::Stale);
        let (sig, bytes) = sign(&key("ed25519", 99), [3; 16], now);
        assert_eq!(node.authenticate(&account, now, [3; 16], &sig, &bytes, now).unwrap_err(), AuthError::BadSignature);
        let stranger = key("ed25519", 98).public_key().account_id();
        let (sig, bytes) = sign(&f.issuer, [4; 16], now);
        assert_eq!(node.authenticate(&stranger, now, [4; 16], &sig, &bytes, now).unwrap_err(), AuthError::UnknownAccount);
    }

    #[test]
    fn anonymous_attempts_are_coalesced() {
        let (node, _dir) = handle();
        let proof = ProofId([5; 32]);
        for t in 0..50 {
            node.audit(&proof, None, "bundle", false, 10_000 + t).unwrap();
        }
        node.audit(&proof, None, "bundle", false, 11_000).unwrap();
        node.audit(&proof, Some(AccountId([1; 32])), "bundle", false, 11_001).unwrap();
        assert_eq!(node.audit_trail(&proof).unwrap().len(), 3, "two anonymous (one per second) and one attributed");
    }

    #[test]
    fn a_full_gossip_queue_drops_the_gossip_never_the_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let f = fixture();
        let genesis = Arc::new(f.genesis.clone());
        let store = Arc::new(Store::open(&dir.path().join("l.redb"), &genesis).unwrap());
        let (node, mut outbound) = NodeHandle::offline_with_gossip(genesis.clone(), store.clone(), 2).unwrap();
        let txs: Vec<_> = (0..3u64)
            .map(|n| vellum_ledger::testkit::sign(&f.registrar, &genesis.chain_id, n, vellum_ledger::testkit::open(&key("ed25519", 60 + n as u8))))
            .collect();
        for tx in &txs {
            node.submit(&tx.to_wire()).unwrap();
        }
        // Two queued for the other validators, the third not gossiped and counted…
        assert_eq!(node.gossip_dropped_total(), 1);
        assert_eq!(outbound.try_recv().unwrap(), txs[0].to_wire());
        assert_eq!(outbound.try_recv().unwrap(), txs[1].to_wire());
        assert!(outbound.try_recv().is_err());
        // …but admitted here and on disk like the others: it is proposed when this validator
        // leads, and a client resubmits it elsewhere if it sees no progress.
        for tx in &txs {
            assert_eq!(node.tx_status(&tx.id()), TxStatus::Pending);
        }
        assert_eq!(store.accepted(10).unwrap().len(), 3);
        // With room again, the next submission is gossiped.
        let next = vellum_ledger::testkit::sign(&f.registrar, &genesis.chain_id, 3, vellum_ledger::testkit::open(&key("ed25519", 70)));
        node.submit(&next.to_wire()).unwrap();
        assert_eq!(outbound.try_recv().unwrap(), next.to_wire());
        assert_eq!(node.gossip_dropped_total(), 1);
    }

    #[test]
    fn accepted_transactions_are_replayed_after_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let f = fixture();
        let genesis = Arc::new(f.genesis.clone());
        let path = dir.path().join("l.redb");
        let newcomer = key("ed25519", 77);
        let open = vellum_ledger::testkit::sign(&f.registrar, &genesis.chain_id, 0, vellum_ledger::testkit::open(&newcomer));
        let stale = vellum_ledger::testkit::sign(&f.registrar, &genesis.chain_id, 1, vellum_ledger::testkit::open(&key("ed25519", 78)));
        {
            let store = Arc::new(Store::open(&path, &genesis).unwrap());
            let node = NodeHandle::offline(genesis.clone(), store, MempoolLimits::default()).unwrap();
            node.submit(&open.to_wire()).unwrap();
            node.submit(&stale.to_wire()).unwrap();
            // The process dies: the mempool is gone, the disk is not.
        }
        let store = Arc::new(Store::open(&path, &genesis).unwrap());
        assert_eq!(store.accepted(10).unwrap().len(), 2);
        let node = NodeHandle::offline(genesis.clone(), store.clone(), MempoolLimits::default()).unwrap();
        let replayed = node.replay_accepted();
        assert_eq!(replayed.len(), 2, "both are admitted again (nonce 1 waits behind nonce 0)");
        assert_eq!(node.tx_status(&open.id()), TxStatus::Pending);
        assert_eq!(node.tx_status(&stale.id()), TxStatus::Pending);
        // Dropped from the mempool (superseded, rejected): the sweep forgets it on disk.
        node.lock().mempool.remove(&stale.id());
        assert_eq!(node.sweep_accepted(), 1);
        assert_eq!(store.accepted(10).unwrap().len(), 1);
    }
}

//! The node's shared state between consensus (propose / verify / finalize) and its clients,
//! and [`NodeHandle`], the one door the API and tests use.

use crate::mempool::{Mempool, MempoolError, MempoolLimits, Pending};
use commonware_cryptography::sha256::Digest;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use thiserror::Error;
use vellum_ledger::{BlockOutcome, LedgerState, TxError};
use vellum_storage::{Store, TxLocation};
use vellum_types::{
    AccountId, DecodeError, Genesis, Hash32, TxId,
};

/// Most executed-but-unfinalized blocks whose post-state a node keeps. Simplex finalizes
/// within a few views, so thousands means something is badly wrong; beyond it the oldest are
/// dropped (they can be re-executed from their ancestry if needed).
pub const EXECUTED_BLOCKS_MAX: usize = 4_096;
/// Most rejection reasons remembered for `GET /v1/tx/{hash}`.
pub const REJECTED_REMEMBERED_MAX: usize = 100_000;

/// What consensus and admission change together, under one lock: the mempool, the states of
/// blocks executed but not yet finalized, and counters. The finalized state is not here: it
/// is an immutable snapshot ([`NodeHandle::snapshot`]) that only the executor replaces.
pub(crate) struct Core {
    /// Height of the finalized state the mempool and `executed` were last pruned against. The
    /// executor publishes a new snapshot *before* it prunes under this lock, so under the lock
    /// the snapshot is never older than this (see ARCHITECTURE.md, "Reads during commits").
    pub pruned_height: u64,
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


impl Core {
    /// State after the block with `digest`, if this node knows it: `finalized` (the snapshot,
    /// loaded under this lock) or a block executed since.
    pub fn state_after(&self, digest: &Digest, finalized: &LedgerState) -> Option<LedgerState> {
        if digest.0 == finalized.block_hash {
            return Some(finalized.clone());
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

    /// After a newly finalized state is published: drops executed states at or below it and
    /// stale transactions from the mempool.
    pub fn finalize(&mut self, outcome: &BlockOutcome) {
        assert_eq!(outcome.state.height, self.pruned_height + 1, "finalized blocks apply in order");
        self.pruned_height = outcome.state.height;
        let h = self.pruned_height;
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
        self.mempool.prune(&outcome.state);
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
    /// The node-account key could not sign (its token unplugged or logged out): the
    /// transaction was never made; queued audit records stay queued.
    #[error("the node account key cannot sign: {0}")]
    Signer(#[from] vellum_crypto::SignerError),
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
            SubmitError::Signer(_) => "signer_unavailable",
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

/// When each (proof or account id, action) last had an anonymous attempt recorded.
type AnonymousAudits = HashMap<([u8; 32], String), u64>;

/// Cheap to clone; safe to use from any thread.
#[derive(Clone)]
pub struct NodeHandle {
    pub(crate) core: Arc<Mutex<Core>>,
    /// The last finalized state, replaced whole by the executor after each commit; readers
    /// load it without any lock (see [`NodeHandle::snapshot`]).
    finalized: Arc<arc_swap::ArcSwap<LedgerState>>,
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
    pub(crate) audit_key: Option<Arc<vellum_crypto::Signer>>,
    /// Pending audit records (by their storage sequence number) already submitted in an audit
    /// transaction: in which one and when (see `audit::InFlight`).
    pub(crate) audit_in_flight: Arc<Mutex<HashMap<u64, audit::InFlight>>>,
    /// Request nonces recently seen (authentication's own lock).
    request_nonces: Arc<Mutex<auth::RequestNonces>>,
    /// When each (proof or account, action) last had an anonymous attempt recorded.
    anonymous_audits: Arc<Mutex<AnonymousAudits>>,
    /// Queued reads of account data submitted in an audit transaction: seq → which and when.
    pub(crate) reads_in_flight: Arc<Mutex<HashMap<u64, audit::InFlight>>>,
    /// The clock consensus decisions use (set by [`crate::engine::start`]).
    pub(crate) clock: Option<crate::time::CheckedClock>,
    /// Finalized-block events for subscribers (`GET /v1/events`, see [`crate::events`]).
    pub(crate) events: crate::events::EventHub,
    /// When this handle was made (wall clock, ms): a finalized block with a later time proves
    /// the node has applied every block finalized while it was down.
    started_ms: u64,
}

/// Admitted transactions waiting for the gossip task. Overflow policy: a client submission that
/// finds the queue full is still admitted, made durable and answered `202`, but not gossiped
/// (counted in `vellum_gossip_dropped_total`): this validator proposes it when it leads, and a
/// client that sees no progress resubmits it to another validator (`docs/client.md`). Waiting
/// instead would let a slow network stall admission; refusing would lose a transaction that is
/// already valid here. Replays after a restart wait for room instead (they have no client).
pub const GOSSIP_QUEUE_MAX: usize = 4096;


/// [`NodeHandle::caught_up`] on plain numbers: the newest block is from after `since_ms` and
/// at most `tip_age_ms_max` older than `now_ms`.
fn caught_up(tip_ms: u64, since_ms: u64, now_ms: u64, tip_age_ms_max: u64) -> bool {
    tip_ms >= since_ms && now_ms.saturating_sub(tip_ms) <= tip_age_ms_max
}

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
            pruned_height: finalized.height,
            executed: HashMap::new(),
            mempool: Mempool::new(limits),
            rejected: HashMap::new(),
            rejected_order: VecDeque::new(),
            finalized_txs_total: 0,
            alerts_total: Default::default(),
            holds_total: 0,
            finality_latency: Histogram::default(),
            refused_total: Default::default(),
        };
        Self {
            core: Arc::new(Mutex::new(core)),
            finalized: Arc::new(arc_swap::ArcSwap::from_pointee(finalized)),
            accept_log: crate::acceptance::AcceptLog::start(store.clone()),
            store,
            genesis,
            gossip,
            gossip_dropped_total: Arc::default(),
            note_key: None,
            audit_key: None,
            started_ms: std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64),
            audit_in_flight: Arc::default(),
            anonymous_audits: Arc::default(),
            reads_in_flight: Arc::default(),
            request_nonces: Arc::default(),
            clock: None,
            events,
        }
    }

    /// This node records its audit trails on the ledger with `key` (its node account's key),
    /// as a validator started with `audit_key` does.
    pub fn with_audit_key(mut self, key: impl Into<vellum_crypto::Signer>) -> Self {
        self.audit_key = Some(Arc::new(key.into()));
        self
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

    /// Where a transaction is. The mempool is read before storage: a block is stored before its
    /// transactions leave the mempool, so one finalized meanwhile is found in one or the other,
    /// never reported unknown (asked the other way round, a transaction finalized between the
    /// two reads was neither; a client could take it for lost, and so did the audit flush).
    pub fn tx_status(&self, id: &TxId) -> TxStatus {
        let (held, rejected) = {
            let core = self.lock();
            (core.mempool.contains(id), core.rejected.get(id).cloned())
        };
        if let Ok(Some(loc)) = self.store.tx_location(id) {
            return TxStatus::Finalized(loc);
        }
        match (held, rejected) {
            (true, _) => TxStatus::Pending,
            (false, Some((code, message))) => TxStatus::Rejected { code, message },
            (false, None) => TxStatus::Unknown,
        }
    }

    /// The finalized state with the mempool's size (taken a moment later: the two are not one
    /// atomic reading).
    pub fn status(&self) -> NodeStatus {
        let s = self.snapshot();
        let core = self.lock();
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

    /// Makes a finalized block durable, then installs its post-state for every reader (the
    /// executor's only write; see ARCHITECTURE.md, "Reads during commits"). Storage first: a
    /// reader that sees the new state finds the block, its transactions and its proofs stored.
    /// The state is published whole (one atomic pointer swap), so no reader sees part of a
    /// block; readers take no lock. The mempool and the executed blocks are pruned after, under
    /// the core lock. Subscribers hear of the block last (never waited on). On an error nothing
    /// is installed and the caller must stop.
    pub fn install_finalized(&self, block: &vellum_types::Block, outcome: &BlockOutcome, certificate: &[u8]) -> Result<(), vellum_storage::CommitError> {
        self.store.commit_block(block, outcome, certificate)?;
        self.finalized.store(Arc::new(outcome.state.clone()));
        self.lock().finalize(outcome);
        self.events.publish(block, outcome);
        Ok(())
    }

    /// The finalized state (an O(1) copy), e.g. for tests comparing validators.
    pub fn finalized_state(&self) -> LedgerState {
        (*self.snapshot()).clone()
    }

    /// The last finalized state, immutable: held by the caller as long as it likes, while the
    /// executor installs newer ones. No lock is taken.
    /// Whether this node has caught up with the chain: it finalized a block made after it
    /// started — later than its start by the most a block time may run ahead of a clock
    /// (`block_time_future_skew_ms`), so a block stamped early by a fast leader does not count —
    /// and its newest block is at most `tip_age_ms_max` old by `now_ms`. Every block finalized
    /// while it was down is then applied. A node that is not serves nothing a missed block may
    /// have changed off-ledger (stored originals).
    pub fn caught_up(&self, now_ms: u64, tip_age_ms_max: u64) -> bool {
        let tip = self.snapshot();
        caught_up(tip.time_ms, self.started_ms + tip.params.block_time_future_skew_ms, now_ms, tip_age_ms_max)
    }

    pub fn snapshot(&self) -> Arc<LedgerState> {
        self.finalized.load_full()
    }

    pub fn account(&self, id: &vellum_types::AccountId) -> Option<vellum_types::Account> {
        self.snapshot().account(id)
    }
}



mod audit;
mod auth;
mod evidence;
mod payments;
mod submit;
pub use audit::AUDIT_QUEUE_MAX;
pub use auth::{AuthError, REQUEST_NONCES_MAX};
pub use evidence::BundleError;
pub use submit::ACCEPTED_REPLAY_MAX;
pub use payments::{AccountView, Activity, ValidatorActivity, can_read_account, main_oversight, oversees};

#[cfg(test)]
mod tests {
    use super::*;
    use vellum_ledger::testkit::{fixture, key};
    use vellum_types::request::request_signing_bytes;

    #[test]
    fn a_node_is_caught_up_only_with_a_fresh_block_made_after_it_started() {
        let (started, now) = (1_000_000, 1_005_000);
        assert!(caught_up(1_004_000, started, now, 10_000), "a block after the start, 1 s old");
        assert!(!caught_up(999_999, started, now, 10_000), "its newest block is from before it started: blocks may be missing");
        assert!(!caught_up(1_004_000, started, now + 20_000, 10_000), "stalled for 20 s");
        assert!(caught_up(started, started, started, 0), "bounds are inclusive");
        // On a node: an offline handle's genesis tip is older than its start.
        let (node, _dir) = handle();
        assert!(!node.caught_up(u64::MAX / 2, u64::MAX));
    }

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
            let txs: Vec<vellum_types::Transaction> =
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

    /// A queue of more reads than one transaction holds is flushed in several audit
    /// transactions, each admitted (256 records of ~90 bytes would exceed the size limit).
    #[test]
    fn a_long_read_queue_is_flushed_in_transactions_that_fit() {
        let (node, _dir) = handle();
        let node = node.with_audit_key(fixture().node);
        let owner = AccountId([7; 32]);
        for t in 0..300u64 {
            let record = vellum_types::proof::ReadRecord { owner, action: "history".into(), item: Some(vellum_types::TxId([9; 32])), reader: Some(AccountId([8; 32])), allowed: true, time_ms: 1_000 + t };
            node.audit_reads(vec![record]).unwrap();
        }
        let first = node.flush_audit(2_000);
        assert!(first > 0 && first < 256, "one transaction's worth: {first}");
        let second = node.flush_audit(2_001);
        let third = node.flush_audit(2_002);
        assert_eq!(first + second + third, 300, "{first} + {second} + {third}");
        assert_eq!(node.status().mempool_txs, 3, "every batch admitted");
    }

    /// A submitted audit transaction that can no longer finalize (here: rejected by a block
    /// this node built) has its records submitted again at the next flush, not after the
    /// 30-second retry; one still held is left alone.
    #[test]
    fn records_of_a_lost_audit_transaction_go_out_again_at_the_next_flush() {
        let (node, _dir) = handle();
        let node = node.with_audit_key(fixture().node);
        let record = vellum_types::proof::ReadRecord { owner: AccountId([7; 32]), action: "history".into(), item: None, reader: None, allowed: false, time_ms: 1_000 };
        node.audit_reads(vec![record]).unwrap();
        assert_eq!(node.flush_audit(2_000), 1);
        assert_eq!(node.flush_audit(2_001), 0, "held in the mempool: not submitted twice");
        let first = node.reads_in_flight.lock().unwrap().values().next().unwrap().tx;
        node.lock().reject(first, &TxError::Expired { expiry_height: 1, height: 2 });
        assert_eq!(node.flush_audit(2_002), 1, "lost: submitted again at once");
        // Same nonce, body and expiry: the same transaction, held again.
        let second = node.reads_in_flight.lock().unwrap().values().next().unwrap().tx;
        assert!(matches!(node.tx_status(&second), TxStatus::Pending));
        assert_eq!(node.flush_audit(2_003), 0);
    }

    #[test]
    fn anonymous_attempts_are_coalesced() {
        let (node, _dir) = handle();
        let proof = vellum_types::ProofId([5; 32]);
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

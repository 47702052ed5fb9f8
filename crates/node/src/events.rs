//! Push events: what each finalized block did, as plain values the API turns into
//! Server-Sent Events (`GET /v1/events`; this crate knows no HTTP or JSON).
//!
//! The executor calls [`EventHub::publish`] once per block, after the block is durably
//! committed and installed as the finalized state. Publishing builds one [`BlockEvents`] (the
//! block and, for each transaction, what it did: outcome, payment record, hold, proof
//! registration or status change; plus the holds the timeout sweep voided), keeps it in a
//! bounded in-memory history for resuming subscribers, and hands it to a bounded
//! `tokio::sync::broadcast` ring. Sending never waits: a subscriber that falls more than
//! [`EVENT_LIVE_BLOCKS`] blocks behind finds its receiver lagged, and consensus never waits
//! for anyone. The work per block does not depend on the number of subscribers.
//!
//! Resuming: a subscriber names the last height it has (`Last-Event-ID`). Heights still in
//! the in-memory history ([`EVENT_HISTORY_BLOCKS`]) replay exactly as published; older ones
//! are rebuilt from storage by [`NodeHandle::stored_replay`]: every block, and the viewer's
//! payment-family transactions with their payment records and holds (the per-account payment
//! index), plus — for compliance and auditors — the newest holds' creations and decisions.
//! Known limit: proof events and rejections older than the in-memory history are not rebuilt
//! (storage keeps no index of them by account).
//!
//! Who sees what ([`Event::visible_to`]): `block` events go to everyone; every other event to
//! the accounts it concerns ([`Event::parties`]), and hold events also to compliance and
//! auditors.

use crate::core::{BundleError, NodeHandle};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::ops::RangeInclusive;
use std::sync::{Arc, Mutex};
use thiserror::Error;
use tokio::sync::broadcast;
use vellum_ledger::{BlockOutcome, LedgerState, TxError};
use vellum_types::{
    Account, AccountId, Block, Hash32, Hold, HoldStatus, PaymentOutcome, PaymentRecord, ProofChange, ProofId, Registered,
    Role, TxBody, TxId,
};

/// Blocks a live subscriber may fall behind the newest before its receiver is lagged: the
/// broadcast ring, one slot per block, shared by all subscribers (they only hold `Arc`s).
pub const EVENT_LIVE_BLOCKS: usize = 1_024;
/// Most recent blocks whose events are kept in memory for resuming subscribers.
pub const EVENT_HISTORY_BLOCKS: usize = 8_192;
/// Most events (of all blocks) in that history; the oldest blocks are dropped beyond it.
pub const EVENT_HISTORY_EVENTS_MAX: usize = 200_000;
/// Most rejections waiting for the next finalized block to carry them; beyond it the oldest
/// are dropped (`GET /v1/tx/{hash}` still reports them).
pub const EVENT_REJECTIONS_PENDING_MAX: usize = 10_000;
/// Most blocks one resume rebuilds from storage; a resume from further back starts here.
pub const EVENT_STORED_REPLAY_BLOCKS_MAX: u64 = 100_000;
/// Blocks rebuilt from storage per step (headers read in one go).
pub const EVENT_STORED_CHUNK_BLOCKS: u64 = 256;
/// Newest holds an oversight subscriber's stored replay looks at.
pub const EVENT_STORED_HOLDS_SCANNED_MAX: u64 = 10_000;
/// Most simultaneous subscribers; more are refused (busy) until some leave.
pub const EVENT_SUBSCRIBERS_MAX: usize = 1_024;

/// Everything one finalized block did, for subscribers. The block itself is public; each
/// [`Event`] says whom it concerns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockEvents {
    pub height: u64,
    pub hash: Hash32,
    pub time_ms: u64,
    pub tx_count: u32,
    pub state_root: Hash32,
    pub log_root: Hash32,
    /// This node's wall clock (ms since the epoch) when the block was durably committed and
    /// installed; `None` when rebuilt from storage.
    pub finalized_ms: Option<u64>,
    pub events: Vec<Event>,
}

impl BlockEvents {
    /// The events `viewer` may see (`None`: an anonymous subscriber, who sees only blocks).
    pub fn visible_to<'a>(&'a self, viewer: Option<&'a Account>) -> impl Iterator<Item = &'a Event> + 'a {
        self.events.iter().filter(move |e| e.visible_to(viewer))
    }

    fn from_header(header: &vellum_types::BlockHeader, finalized_ms: Option<u64>) -> Self {
        Self {
            height: header.height,
            hash: header.hash(),
            time_ms: header.time_ms,
            tx_count: header.tx_count,
            state_root: header.state_root,
            log_root: header.log_root,
            finalized_ms,
            events: Vec::new(),
        }
    }
}

/// One thing a block did, and whom it concerns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub what: What,
    /// Accounts this event concerns.
    pub parties: Vec<AccountId>,
    /// Also shown to compliance and auditors (holds and their monitoring alerts).
    pub oversight: bool,
}

impl Event {
    pub fn visible_to(&self, viewer: Option<&Account>) -> bool {
        let Some(v) = viewer else { return false };
        self.parties.contains(&v.id) || (self.oversight && (v.has_role(Role::Auditor) || v.has_role(Role::Compliance)))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum What {
    /// A transaction finalized at (`index` in the block, `log_index` in the log).
    Finalized { tx_id: TxId, sender: AccountId, kind: &'static str, index: u32, log_index: u64 },
    /// A transaction this validator dropped while building a block (reported by that
    /// validator only, with the next block it finalizes).
    Rejected { tx_id: TxId, sender: AccountId, code: &'static str, message: String },
    /// What a payment-family transaction did: its payment record (settled, held, hold posted
    /// or voided) and where that record is in the log; or, for one that writes no record but
    /// concerns others than its sender (a mint, a clawback), none.
    Payment { tx_id: TxId, kind: &'static str, record: Option<PaymentRecord>, log_index: Option<u64> },
    /// A hold created by monitoring, posted or voided by compliance, or timed out; `hold` as
    /// it stands after the change.
    Hold { change: HoldChange, hold: Hold },
    /// A proof registered, or a status change of a proof (or of one batch member).
    Proof { proof_id: ProofId, tx_id: TxId, registrant: AccountId, change: ProofEvent },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum HoldChange {
    Created,
    Posted,
    Voided,
    TimedOut,
}

impl HoldChange {
    pub fn name(&self) -> &'static str {
        match self {
            HoldChange::Created => "created",
            HoldChange::Posted => "posted",
            HoldChange::Voided => "voided",
            HoldChange::TimedOut => "timed_out",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProofEvent {
    Registered { registered: Registered, schema: String },
    Revoked { member: Option<u32>, reason: String },
    Superseded { member: Option<u32>, by: ProofId },
}

impl ProofEvent {
    pub fn name(&self) -> &'static str {
        match self {
            ProofEvent::Registered { .. } => "registered",
            ProofEvent::Revoked { .. } => "revoked",
            ProofEvent::Superseded { .. } => "superseded",
        }
    }
}

/// Why a subscription was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum EventsError {
    #[error("this node runs no consensus: no block will be finalized here")]
    NotLive,
    #[error("too many event subscribers (at most {EVENT_SUBSCRIBERS_MAX}); retry shortly")]
    Busy,
}

impl EventsError {
    pub fn code(&self) -> &'static str {
        match self {
            EventsError::NotLive => "not_ready",
            EventsError::Busy => "busy",
        }
    }
}

/// What a new subscriber gets, cut consistently: blocks after `after` up to `tip` come from
/// `stored` (to rebuild from storage) then `recent` (in memory); every later block arrives on
/// `live`, in order, exactly once.
pub struct EventSubscription {
    /// Heights older than the in-memory history, to rebuild with [`NodeHandle::stored_replay`].
    pub stored: Option<RangeInclusive<u64>>,
    pub recent: Vec<Arc<BlockEvents>>,
    pub live: broadcast::Receiver<Arc<BlockEvents>>,
    /// The newest height published when the subscription was made.
    pub tip: u64,
}

/// The node's event fan-out (cheap to clone).
#[derive(Clone)]
pub struct EventHub {
    inner: Arc<Mutex<Hub>>,
    live: broadcast::Sender<Arc<BlockEvents>>,
}

struct Hub {
    history: VecDeque<Arc<BlockEvents>>,
    history_events: usize,
    /// The newest height published (or finalized when the node started).
    tip: u64,
    /// The hold sweep's position after `tip`: holds from here on may time out later.
    sweep_from: u64,
    rejected: VecDeque<Event>,
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

impl EventHub {
    /// A hub whose first block will be the one after `finalized`.
    pub fn new(finalized: &LedgerState) -> Self {
        let (live, _) = broadcast::channel(EVENT_LIVE_BLOCKS);
        let hub = Hub {
            history: VecDeque::new(),
            history_events: 0,
            tip: finalized.height,
            sweep_from: finalized.hold_queue().sweep_from,
            rejected: VecDeque::new(),
        };
        Self { inner: Arc::new(Mutex::new(hub)), live }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Hub> {
        self.inner.lock().expect("event hub lock poisoned")
    }

    /// Publishes a block the executor has durably committed and installed. Never blocks on
    /// subscribers. A block at or below the last published height is ignored.
    pub(crate) fn publish(&self, block: &Block, outcome: &BlockOutcome) {
        let mut hub = self.lock();
        if block.header.height <= hub.tip {
            return;
        }
        let mut batch = block_events(block, outcome, hub.sweep_from, Some(now_ms()));
        hub.sweep_from = outcome.state.hold_queue().sweep_from;
        // Rejections this validator noted since the last block ride with this one.
        let mut events: Vec<Event> = hub.rejected.drain(..).collect();
        events.append(&mut batch.events);
        batch.events = events;
        Self::push_locked(&mut hub, &self.live, batch);
    }

    fn push_locked(hub: &mut Hub, live: &broadcast::Sender<Arc<BlockEvents>>, batch: BlockEvents) {
        let batch = Arc::new(batch);
        hub.tip = batch.height;
        hub.history_events += batch.events.len();
        hub.history.push_back(batch.clone());
        while hub.history.len() > EVENT_HISTORY_BLOCKS || (hub.history_events > EVENT_HISTORY_EVENTS_MAX && hub.history.len() > 1) {
            let old = hub.history.pop_front().expect("non-empty");
            hub.history_events -= old.events.len();
        }
        // No receiver is not an error: nobody is listening.
        let _ = live.send(batch);
    }

    /// Publishes a prepared batch (tests of the buffer logic).
    #[cfg(test)]
    fn push(&self, batch: BlockEvents) {
        let mut hub = self.lock();
        Self::push_locked(&mut hub, &self.live, batch);
    }

    /// Notes a transaction this validator dropped while building a block; subscribers get it
    /// with the next finalized block.
    pub(crate) fn rejected(&self, tx_id: TxId, sender: AccountId, error: &TxError) {
        let mut hub = self.lock();
        if hub.rejected.len() >= EVENT_REJECTIONS_PENDING_MAX {
            hub.rejected.pop_front();
        }
        hub.rejected.push_back(Event {
            what: What::Rejected { tx_id, sender, code: error.code(), message: error.to_string() },
            parties: vec![sender],
            oversight: false,
        });
    }

    /// Subscribes, replaying the blocks after `after` (none when `None`: live only).
    pub fn subscribe(&self, after: Option<u64>) -> Result<EventSubscription, EventsError> {
        let hub = self.lock();
        if self.live.receiver_count() >= EVENT_SUBSCRIBERS_MAX {
            return Err(EventsError::Busy);
        }
        let live = self.live.subscribe();
        let tip = hub.tip;
        let Some(after) = after.filter(|a| *a < tip) else {
            return Ok(EventSubscription { stored: None, recent: Vec::new(), live, tip });
        };
        let first_in_memory = hub.history.front().map_or(tip + 1, |b| b.height);
        let stored = if after + 1 < first_in_memory {
            let end = first_in_memory - 1;
            let start = (after + 1).max(end.saturating_sub(EVENT_STORED_REPLAY_BLOCKS_MAX - 1)).max(1);
            Some(start..=end)
        } else {
            None
        };
        let recent = hub.history.iter().filter(|b| b.height > after).cloned().collect();
        Ok(EventSubscription { stored, recent, live, tip })
    }
}

/// The events of one block: holds the sweep timed out (it runs first), then for each
/// transaction its outcome and what it did.
pub(crate) fn block_events(block: &Block, outcome: &BlockOutcome, sweep_from_before: u64, finalized_ms: Option<u64>) -> BlockEvents {
    let state = &outcome.state;
    let height = block.header.height;
    let mut out = BlockEvents::from_header(&block.header, finalized_ms);
    for id in sweep_from_before..state.hold_queue().sweep_from {
        if let Some(hold) = state.hold(id)
            && matches!(hold.status, HoldStatus::Voided { by: None, height: h, .. } if h == height)
        {
            out.events.push(hold_event(HoldChange::TimedOut, hold));
        }
    }
    for (tx, r) in block.txs.iter().zip(&outcome.receipts) {
        let sender = tx.unsigned.sender;
        out.events.push(Event {
            what: What::Finalized { tx_id: r.tx_id, sender, kind: tx.unsigned.body.kind(), index: r.index, log_index: r.log_index },
            parties: vec![sender],
            oversight: false,
        });
        if let Some(e) = &r.evidence {
            let change = ProofEvent::Registered { registered: e.record.registered.clone(), schema: e.record.schema.clone() };
            out.events.push(proof_event(e.record.proof_id, r.tx_id, e.record.registrant, sender, change));
        }
        if let TxBody::SetProofStatus { proof, member, change } = &tx.unsigned.body {
            let registrant = state.proof(proof).map_or(sender, |p| p.registrant);
            let change = match change {
                ProofChange::Revoke { reason } => ProofEvent::Revoked { member: *member, reason: reason.clone() },
                ProofChange::Supersede { by } => ProofEvent::Superseded { member: *member, by: *by },
            };
            out.events.push(proof_event(*proof, r.tx_id, registrant, sender, change));
        }
        if tx.unsigned.body.is_payment() {
            let record = r.payment.as_ref().map(|p| (&p.record, p.log_index));
            out.events.extend(payment_events(tx, record, |id| state.hold(id)));
        }
    }
    out
}

fn proof_event(proof_id: ProofId, tx_id: TxId, registrant: AccountId, sender: AccountId, change: ProofEvent) -> Event {
    let mut parties = vec![registrant];
    if sender != registrant {
        parties.push(sender);
    }
    Event { what: What::Proof { proof_id, tx_id, registrant, change }, parties, oversight: false }
}

fn hold_event(change: HoldChange, hold: Hold) -> Event {
    Event { parties: vec![hold.sender], oversight: true, what: What::Hold { change, hold } }
}

/// The payment event of a payment-family transaction (with its record and the record's log
/// index, if it wrote one) and, for a hold's creation or decision, the hold event (`hold`
/// looks a hold up as it stands after the block).
fn payment_events(tx: &vellum_types::Transaction, record: Option<(&PaymentRecord, u64)>, hold: impl Fn(u64) -> Option<Hold>) -> Vec<Event> {
    let parties = vellum_types::payment::parties(tx, record.map(|(r, _)| r));
    let Some((record, log_index)) = record else {
        // No record: worth an event only to the others it concerns (the sender has `tx`).
        if parties.len() < 2 {
            return Vec::new();
        }
        let what = What::Payment { tx_id: tx.id(), kind: tx.unsigned.body.kind(), record: None, log_index: None };
        return vec![Event { what, parties, oversight: false }];
    };
    let mut out = vec![Event {
        parties,
        oversight: false,
        what: What::Payment { tx_id: record.tx_id, kind: tx.unsigned.body.kind(), record: Some(record.clone()), log_index: Some(log_index) },
    }];
    let (id, change) = match &record.outcome {
        PaymentOutcome::Settled { .. } => return out,
        PaymentOutcome::Held { hold, .. } => (*hold, HoldChange::Created),
        PaymentOutcome::HoldPosted { hold, .. } => (*hold, HoldChange::Posted),
        PaymentOutcome::HoldVoided { hold, .. } => (*hold, HoldChange::Voided),
    };
    if let Some(mut h) = hold(id) {
        if change == HoldChange::Created {
            // As created, whatever happened to it since (a rebuilt event looks the hold up later).
            h.status = HoldStatus::Pending;
        }
        out.push(hold_event(change, h));
    }
    out
}

/// Blocks rebuilt from storage for a resuming subscriber, a chunk at a time (see the module
/// docs for what is rebuilt).
pub struct StoredReplay {
    next: u64,
    end: u64,
    /// Events of the viewer's payments and (for oversight) holds, by height.
    extra: BTreeMap<u64, Vec<Event>>,
}

impl StoredReplay {
    /// The next blocks (at most [`EVENT_STORED_CHUNK_BLOCKS`]); `None` when done.
    pub fn next_chunk(&mut self, node: &NodeHandle) -> Result<Option<Vec<BlockEvents>>, BundleError> {
        if self.next > self.end {
            return Ok(None);
        }
        let last = self.end.min(self.next + EVENT_STORED_CHUNK_BLOCKS - 1);
        let mut out = Vec::with_capacity((last - self.next + 1) as usize);
        for height in self.next..=last {
            let header = node
                .store
                .header(height)
                .map_err(|e| BundleError::Storage(e.to_string()))?
                .ok_or(BundleError::Missing("header of a finalized block"))?;
            let mut batch = BlockEvents::from_header(&header, None);
            batch.events = self.extra.remove(&height).unwrap_or_default();
            out.push(batch);
        }
        self.next = last + 1;
        Ok(Some(out))
    }
}

impl NodeHandle {
    /// Subscribes to finalized-block events, replaying the blocks after `after` (see
    /// [`EventHub::subscribe`]). Refused on a handle with no consensus behind it.
    pub fn subscribe_events(&self, after: Option<u64>) -> Result<EventSubscription, EventsError> {
        if self.clock.is_none() {
            return Err(EventsError::NotLive);
        }
        self.events.subscribe(after)
    }

    /// Prepares the rebuild of `heights` from storage for `viewer`: the viewer's payments
    /// (its newest [`vellum_storage::HISTORY_ROWS_MAX`]) with their holds, and for compliance
    /// and auditors the newest [`EVENT_STORED_HOLDS_SCANNED_MAX`] holds.
    pub fn stored_replay(&self, heights: RangeInclusive<u64>, viewer: Option<&Account>) -> Result<StoredReplay, BundleError> {
        let storage = |e: vellum_storage::ReadError| BundleError::Storage(e.to_string());
        let mut extra: BTreeMap<u64, Vec<Event>> = BTreeMap::new();
        let mut holds_seen: BTreeSet<(u64, HoldChange)> = BTreeSet::new();
        if let Some(viewer) = viewer {
            let state = self.finalized_state();
            let mut add = |height: u64, event: Event, extra: &mut BTreeMap<u64, Vec<Event>>| {
                if let What::Hold { change, hold } = &event.what
                    && !holds_seen.insert((hold.id, *change))
                {
                    return;
                }
                extra.entry(height).or_default().push(event);
            };
            // The viewer's payment-family transactions, oldest first.
            let mut entries = Vec::new();
            for id in self.store.account_payments(&viewer.id, vellum_storage::HISTORY_ROWS_MAX).map_err(storage)? {
                if let Some(entry) = self.store.payment(&id).map_err(storage)?
                    && heights.contains(&entry.height)
                {
                    let index = self.store.tx_location(&id).map_err(storage)?.map_or(0, |l| l.index);
                    entries.push((entry.height, index, entry));
                }
            }
            entries.sort_by_key(|(h, i, _)| (*h, *i));
            for (height, index, entry) in entries {
                let tx_id = entry.tx.id();
                let sender = entry.tx.unsigned.sender;
                let finalized = What::Finalized { tx_id, sender, kind: entry.tx.unsigned.body.kind(), index, log_index: entry.tx_index };
                add(height, Event { what: finalized, parties: vec![sender], oversight: false }, &mut extra);
                // A record's leaf follows its transaction's.
                let record = entry.record.as_ref().map(|r| (r, entry.tx_index + 1));
                for event in payment_events(&entry.tx, record, |id| state.hold(id)) {
                    add(height, event, &mut extra);
                }
            }
            // Holds: their creation above; timeouts (and, for oversight, every decision) here.
            let oversight = viewer.has_role(Role::Auditor) || viewer.has_role(Role::Compliance);
            let next_id = state.hold_queue().next_id;
            for id in next_id.saturating_sub(EVENT_STORED_HOLDS_SCANNED_MAX)..next_id {
                let Some(hold) = state.hold(id) else { continue };
                if !oversight && hold.sender != viewer.id {
                    continue;
                }
                if oversight && let Some(created) = self.store.payment(&hold.tx_id).map_err(storage)?.map(|e| e.height)
                    && heights.contains(&created)
                {
                    let mut pending = hold.clone();
                    pending.status = HoldStatus::Pending;
                    add(created, hold_event(HoldChange::Created, pending), &mut extra);
                }
                let decided = match &hold.status {
                    HoldStatus::Pending => None,
                    HoldStatus::Posted { height, .. } => Some((*height, HoldChange::Posted)),
                    HoldStatus::Voided { by: None, height, .. } => Some((*height, HoldChange::TimedOut)),
                    HoldStatus::Voided { height, .. } => Some((*height, HoldChange::Voided)),
                };
                if let Some((height, change)) = decided
                    && heights.contains(&height)
                    && (oversight || change == HoldChange::TimedOut)
                {
                    add(height, hold_event(change, hold), &mut extra);
                }
            }
        }
        // As published: the sweep's timeouts (in hold order) before the transactions' events.
        for events in extra.values_mut() {
            events.sort_by_key(|e| match &e.what {
                What::Hold { change: HoldChange::TimedOut, hold } => (0, hold.id),
                _ => (1, 0),
            });
        }
        Ok(StoredReplay { next: *heights.start(), end: *heights.end(), extra })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vellum_ledger::testkit::*;
    use vellum_ledger::{build_block, execute_block, genesis_block};
    use vellum_types::{MonitoringRules, Transaction};

    fn batch(height: u64, events: Vec<Event>) -> BlockEvents {
        BlockEvents { height, hash: [height as u8; 32], time_ms: height, tx_count: 0, state_root: [0; 32], log_root: [0; 32], finalized_ms: Some(height), events }
    }

    fn hub_at(height: u64) -> EventHub {
        let (mut state, _) = genesis_block(&fixture().genesis);
        state.height = height;
        EventHub::new(&state)
    }

    fn heights(batches: &[Arc<BlockEvents>]) -> Vec<u64> {
        batches.iter().map(|b| b.height).collect()
    }

    #[test]
    fn resume_replays_exactly_the_missed_blocks_then_live() {
        let hub = hub_at(0);
        for h in 1..=10 {
            hub.push(batch(h, Vec::new()));
        }
        let mut sub = hub.subscribe(Some(4)).unwrap();
        assert_eq!((sub.stored.clone(), heights(&sub.recent), sub.tip), (None, vec![5, 6, 7, 8, 9, 10], 10));
        hub.push(batch(11, Vec::new()));
        assert_eq!(sub.live.try_recv().unwrap().height, 11, "the first live block follows the replay, no gap, no repeat");
        assert!(sub.live.try_recv().is_err());
        // Without a resume point (or one at the tip or beyond): live only.
        for after in [None, Some(11), Some(50)] {
            let sub = hub.subscribe(after).unwrap();
            assert!(sub.stored.is_none() && sub.recent.is_empty(), "{after:?}");
        }
    }

    #[test]
    fn older_heights_come_from_storage_and_history_is_bounded() {
        // A node restarted at height 100 has no history: everything before comes from storage.
        let hub = hub_at(100);
        let sub = hub.subscribe(Some(40)).unwrap();
        assert_eq!((sub.stored, sub.recent.len()), (Some(41..=100), 0));
        let sub = hub.subscribe(Some(0)).unwrap();
        assert_eq!(sub.stored, Some(1..=100), "genesis has no events");
        // The history keeps the newest EVENT_HISTORY_BLOCKS blocks.
        let n = EVENT_HISTORY_BLOCKS as u64 + 10;
        for h in 101..=100 + n {
            hub.push(batch(h, Vec::new()));
        }
        let first = 100 + n - EVENT_HISTORY_BLOCKS as u64 + 1;
        let sub = hub.subscribe(Some(50)).unwrap();
        assert_eq!(sub.stored, Some(51..=first - 1));
        assert_eq!(sub.recent.first().map(|b| b.height), Some(first));
        assert_eq!(sub.recent.len(), EVENT_HISTORY_BLOCKS);
        // A resume from very far back is clamped to the most one resume rebuilds.
        let hub = hub_at(EVENT_STORED_REPLAY_BLOCKS_MAX + 500);
        let sub = hub.subscribe(Some(1)).unwrap();
        assert_eq!(sub.stored, Some(501..=EVENT_STORED_REPLAY_BLOCKS_MAX + 500));
    }

    #[test]
    fn history_is_bounded_by_events_too() {
        let hub = hub_at(0);
        let many = |h: u64| {
            let e = Event { what: What::Hold { change: HoldChange::Created, hold: sample_hold() }, parties: vec![], oversight: true };
            batch(h, vec![e; EVENT_HISTORY_EVENTS_MAX / 4])
        };
        for h in 1..=10 {
            hub.push(many(h));
        }
        let hub_state = hub.lock();
        assert!(hub_state.history_events <= EVENT_HISTORY_EVENTS_MAX, "{}", hub_state.history_events);
        assert_eq!(hub_state.history.front().unwrap().height, 7, "the oldest blocks went first");
    }

    fn sample_hold() -> Hold {
        Hold {
            id: 0,
            tx_id: TxId([0; 32]),
            sender: AccountId([1; 32]),
            legs: vec![],
            alerts: vec![],
            reference: None,
            created_ms: 0,
            expires_ms: 0,
            status: HoldStatus::Pending,
        }
    }

    #[test]
    fn a_stalled_subscriber_lags_and_publishing_never_waits() {
        let hub = hub_at(0);
        let mut stalled = hub.subscribe(None).unwrap();
        let mut keeping_up = hub.subscribe(None).unwrap();
        let started = std::time::Instant::now();
        let total = 4 * EVENT_LIVE_BLOCKS as u64;
        for h in 1..=total {
            hub.push(batch(h, Vec::new()));
            assert_eq!(keeping_up.live.try_recv().unwrap().height, h);
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "publishing does not wait for the stalled subscriber");
        match stalled.live.try_recv() {
            Err(broadcast::error::TryRecvError::Lagged(missed)) => assert_eq!(missed, total - EVENT_LIVE_BLOCKS as u64),
            other => panic!("expected a lag, got {other:?}"),
        }
        // After the lag it would continue at the oldest block still in the ring: the API
        // ends such a subscription instead, with a `lagged` event, and the client resumes.
        assert_eq!(stalled.live.try_recv().unwrap().height, total - EVENT_LIVE_BLOCKS as u64 + 1);
    }

    #[test]
    fn subscribers_are_bounded() {
        let hub = hub_at(0);
        let subs: Vec<_> = (0..EVENT_SUBSCRIBERS_MAX).map(|_| hub.subscribe(None).unwrap()).collect();
        assert_eq!(hub.subscribe(None).err(), Some(EventsError::Busy));
        drop(subs);
        assert!(hub.subscribe(None).is_ok(), "a subscriber that leaves frees its place");
    }

    #[test]
    fn events_go_to_the_parties_and_holds_to_oversight() {
        let f = fixture();
        let (state, _) = genesis_block(&f.genesis);
        let account = |k: &vellum_crypto::SecretKey| state.account(&k.public_key().account_id()).unwrap();
        let (user, issuer, compliance, auditor) = (account(&f.user), account(&f.issuer), account(&f.compliance), account(&f.auditor));
        let tx = Event { what: What::Rejected { tx_id: TxId([1; 32]), sender: user.id, code: "x", message: String::new() }, parties: vec![user.id], oversight: false };
        let hold = Event { what: What::Hold { change: HoldChange::Created, hold: sample_hold() }, parties: vec![user.id], oversight: true };
        let b = batch(1, vec![tx.clone(), hold.clone()]);
        assert_eq!(b.visible_to(None).count(), 0, "anonymous subscribers see blocks only");
        assert_eq!(b.visible_to(Some(&user)).count(), 2);
        assert_eq!(b.visible_to(Some(&issuer)).count(), 0);
        assert_eq!(b.visible_to(Some(&compliance)).collect::<Vec<_>>(), vec![&hold]);
        assert_eq!(b.visible_to(Some(&auditor)).collect::<Vec<_>>(), vec![&hold]);
    }

    /// Executes `txs` as the next block (all must apply) and returns its events as published.
    fn run(state: &mut LedgerState, hub: &EventHub, time_ms: u64, txs: &[Transaction]) -> Arc<BlockEvents> {
        let signers: Vec<Vec<vellum_types::PublicKey>> = txs.iter().map(|t| vellum_crypto::verify_tx(t).unwrap()).collect();
        let built = build_block(state, time_ms, 0, state.height + 1, [7; 32], txs.iter().zip(signers.iter().map(Vec::as_slice)));
        assert!(built.rejected.is_empty(), "{:?}", built.rejected);
        let outcome = execute_block(state, &built.block).unwrap();
        let mut sub = hub.subscribe(None).unwrap();
        hub.publish(&built.block, &outcome);
        *state = outcome.state;
        sub.live.try_recv().unwrap()
    }

    /// What `viewer` sees of a batch, without the node-local commit time.
    fn seen_by(b: &BlockEvents, viewer: &Account) -> (u64, Hash32, Vec<Event>) {
        (b.height, b.hash, b.visible_to(Some(viewer)).cloned().collect())
    }

    #[test]
    fn stored_replay_rebuilds_what_a_payer_saw_live() {
        let f = fixture();
        let chain = f.genesis.chain_id.clone();
        let genesis = Arc::new(f.genesis.clone());
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(vellum_storage::Store::open(&dir.path().join("l.redb"), &genesis).unwrap());
        let (mut state, _) = genesis_block(&genesis);
        let hub = EventHub::new(&state);
        let mut live = hub.subscribe(None).unwrap();
        let id = |k: &vellum_crypto::SecretKey| k.public_key().account_id();
        let council = f.council_id();
        let council_tx = |nonce: u64, body: TxBody| sign_multi(&[&f.council[0], &f.council[2]], council, &chain, nonce, propose(body));
        let rules = MonitoringRules { large_amount: 1_000, hold_timeout_ms: 50, version: 0, ..Default::default() };
        let leg = |to: &vellum_crypto::SecretKey, amount| vellum_types::Leg { to: id(to), token: "EUR".into(), amount, convert: None };
        let transfer = |nonce, to, amount| sign(&f.user, &chain, nonce, TxBody::Transfer { legs: vec![leg(to, amount)], reference: None });
        let blocks: Vec<(u64, Vec<Transaction>)> = vec![
            (10_000, vec![
                council_tx(0, TxBody::CreateToken { symbol: "EUR".into(), decimals: 2, issuer: id(&f.issuer), subledger: None, flags: Default::default() }),
                council_tx(1, TxBody::SetMonitoring { token: "EUR".into(), rules }),
            ]),
            (10_001, vec![sign(&f.issuer, &chain, 0, TxBody::Mint { token: "EUR".into(), to: id(&f.user), amount: 100_000 })]),
            // Settled, held (then decided by compliance), held (then timed out), and a payment
            // the user only receives.
            (10_002, vec![transfer(0, &f.desk, 10), transfer(1, &f.desk, 2_000), transfer(2, &f.auditor, 3_000)]),
            (10_003, vec![sign(&f.compliance, &chain, 0, TxBody::DecideHold { hold: 0, post: true, reason: "checked".into() })]),
            (10_004, vec![sign(&f.issuer, &chain, 1, TxBody::Mint { token: "EUR".into(), to: id(&f.desk), amount: 5 })]),
            (12_000, vec![sign(&f.desk, &chain, 0, TxBody::Transfer { legs: vec![leg(&f.user, 5)], reference: None })]),
            (12_001, vec![]),
        ];
        for (time_ms, txs) in blocks {
            let signers: Vec<Vec<vellum_types::PublicKey>> = txs.iter().map(|t| vellum_crypto::verify_tx(t).unwrap()).collect();
            let built = build_block(&state, time_ms, 0, state.height + 1, [7; 32], txs.iter().zip(signers.iter().map(Vec::as_slice)));
            assert!(built.rejected.is_empty(), "{:?}", built.rejected);
            let outcome = execute_block(&state, &built.block).unwrap();
            store.commit_block(&built.block, &outcome, &[]).unwrap();
            hub.publish(&built.block, &outcome);
            state = outcome.state;
        }
        let node = NodeHandle::offline(genesis, store, crate::mempool::MempoolLimits::default()).unwrap();
        let tip = state.height;
        let mut published = Vec::new();
        while let Ok(b) = live.live.try_recv() {
            published.push(b);
        }
        assert_eq!(published.len() as u64, tip);
        for who in [&f.user, &f.compliance, &f.desk] {
            let viewer = state.account(&id(who)).unwrap();
            let mut replay = node.stored_replay(1..=tip, Some(&viewer)).unwrap();
            let mut rebuilt = Vec::new();
            while let Some(chunk) = replay.next_chunk(&node).unwrap() {
                rebuilt.extend(chunk);
            }
            assert!(rebuilt.iter().all(|b| b.finalized_ms.is_none()));
            let live_view: Vec<_> = published.iter().map(|b| seen_by(b, &viewer)).collect();
            let stored_view: Vec<_> = rebuilt.iter().map(|b| seen_by(b, &viewer)).collect();
            // Every event the viewer saw live is rebuilt, in the same order.
            assert_eq!(stored_view, live_view, "viewer {}", viewer.id);
        }
        let user = state.account(&id(&f.user)).unwrap();
        let kinds: Vec<String> = published
            .iter()
            .flat_map(|b| b.visible_to(Some(&user)))
            .map(|e| match &e.what {
                What::Hold { change, .. } => format!("hold:{}", change.name()),
                What::Payment { kind, .. } => format!("payment:{kind}"),
                What::Finalized { kind, .. } => format!("tx:{kind}"),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "payment:mint", "tx:transfer", "payment:transfer", "tx:transfer", "payment:transfer", "hold:created", "tx:transfer",
                "payment:transfer", "hold:created", "payment:decide_hold", "hold:posted", "hold:timed_out", "payment:transfer",
            ],
        );
    }

    #[test]
    fn blocks_yield_outcomes_payments_holds_timeouts_and_proofs() {
        let f = fixture();
        let chain = f.genesis.chain_id.clone();
        let (mut state, _) = genesis_block(&f.genesis);
        let hub = EventHub::new(&state);
        let id = |k: &vellum_crypto::SecretKey| k.public_key().account_id();
        let council = f.council_id();
        let council_tx = |nonce: u64, body: TxBody| sign_multi(&[&f.council[0], &f.council[2]], council, &chain, nonce, propose(body));
        let flags = vellum_types::TokenFlags::default();
        let rules = MonitoringRules { large_amount: 1_000, hold_timeout_ms: 50, version: 0, ..Default::default() };
        let setup = [
            council_tx(0, TxBody::CreateToken { symbol: "EUR".into(), decimals: 2, issuer: id(&f.issuer), subledger: None, flags }),
            council_tx(1, TxBody::SetMonitoring { token: "EUR".into(), rules }),
        ];
        run(&mut state, &hub, 10_000, &setup);
        let mint = sign(&f.issuer, &chain, 0, TxBody::Mint { token: "EUR".into(), to: id(&f.user), amount: 10_000 });
        let b = run(&mut state, &hub, 10_001, std::slice::from_ref(&mint));
        let user = state.account(&id(&f.user)).unwrap();
        let seen: Vec<&What> = b.visible_to(Some(&user)).map(|e| &e.what).collect();
        assert!(
            matches!(&seen[..], [What::Payment { tx_id, kind: "mint", record: None, .. }] if *tx_id == mint.id()),
            "the recipient of a mint hears of it: {seen:?}"
        );

        // A small transfer settles; a large one is held; a registration is a proof event.
        let leg = |amount| vellum_types::Leg { to: id(&f.desk), token: "EUR".into(), amount, convert: None };
        let small = sign(&f.user, &chain, 0, TxBody::Transfer { legs: vec![leg(10)], reference: None });
        let large = sign(&f.user, &chain, 1, TxBody::Transfer { legs: vec![leg(5_000)], reference: None });
        let reg = sign(&f.issuer, &chain, 1, register([42; 32]));
        let b = run(&mut state, &hub, 10_002, &[small.clone(), large.clone(), reg.clone()]);
        let user = state.account(&id(&f.user)).unwrap();
        let seen: Vec<&What> = b.visible_to(Some(&user)).map(|e| &e.what).collect();
        assert!(matches!(seen[0], What::Finalized { tx_id, index: 0, kind: "transfer", .. } if *tx_id == small.id()), "{seen:?}");
        assert!(matches!(seen[1], What::Payment { record: Some(record), .. } if matches!(record.outcome, PaymentOutcome::Settled { .. })));
        assert!(matches!(seen[2], What::Finalized { tx_id, index: 1, .. } if *tx_id == large.id()));
        assert!(matches!(seen[3], What::Payment { record: Some(record), .. } if matches!(record.outcome, PaymentOutcome::Held { hold: 0, .. })));
        assert!(matches!(seen[4], What::Hold { change: HoldChange::Created, hold } if hold.id == 0 && !hold.alerts.is_empty()));
        assert_eq!(seen.len(), 5, "the registration is not the user's: {seen:?}");
        let desk = state.account(&id(&f.desk)).unwrap();
        assert_eq!(b.visible_to(Some(&desk)).filter(|e| matches!(e.what, What::Payment { .. })).count(), 2, "the recipient sees both payments");
        let compliance = state.account(&id(&f.compliance)).unwrap();
        let holds: Vec<_> = b.visible_to(Some(&compliance)).collect();
        assert!(holds.len() == 1 && matches!(holds[0].what, What::Hold { .. }), "compliance sees the hold only");
        let issuer = state.account(&id(&f.issuer)).unwrap();
        let proof = b.visible_to(Some(&issuer)).find_map(|e| match &e.what {
            What::Proof { proof_id, change: ProofEvent::Registered { .. }, .. } => Some(*proof_id),
            _ => None,
        });
        assert_eq!(proof, Some(ProofId::of_tx(&reg.id())));

        // Nobody decides the hold: the sweep of a later block voids it, a timed-out event.
        let b = run(&mut state, &hub, 10_002 + 1_000, &[]);
        let timed_out: Vec<_> = b.visible_to(Some(&user)).collect();
        assert!(
            matches!(&timed_out[..], [Event { what: What::Hold { change: HoldChange::TimedOut, hold }, .. }] if matches!(hold.status, HoldStatus::Voided { by: None, .. })),
            "{timed_out:?}"
        );
        // A revocation is a proof status change, seen by the registrant.
        let revoke = sign(&f.issuer, &chain, 2, TxBody::SetProofStatus { proof: ProofId::of_tx(&reg.id()), member: None, change: ProofChange::Revoke { reason: "typo".into() } });
        let b = run(&mut state, &hub, 20_000, &[revoke]);
        assert!(b.visible_to(Some(&issuer)).any(|e| matches!(&e.what, What::Proof { change: ProofEvent::Revoked { reason, .. }, .. } if reason == "typo")));

        // A rejection noted by this validator rides with the next block, to its sender only.
        hub.rejected(TxId([9; 32]), user.id, &TxError::UnknownSender(user.id));
        let b = run(&mut state, &hub, 20_001, &[]);
        assert!(matches!(b.visible_to(Some(&user)).next().map(|e| &e.what), Some(What::Rejected { code: "unknown_sender", .. })));
        assert_eq!(b.visible_to(Some(&issuer)).count(), 0);
        // Publishing the same height again (a redelivery) changes nothing.
        let before = hub.subscribe(Some(0)).unwrap().recent.len();
        let (block, outcome) = {
            let built = build_block(&state, 30_000, 0, state.height + 1, [7; 32], std::iter::empty());
            let outcome = execute_block(&state, &built.block).unwrap();
            (built.block, outcome)
        };
        hub.publish(&block, &outcome);
        hub.publish(&block, &outcome);
        assert_eq!(hub.subscribe(Some(0)).unwrap().recent.len(), before + 1);
    }
}

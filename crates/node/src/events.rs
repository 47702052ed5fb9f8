//! Push events: what each finalized block did, as plain values the API turns into
//! Server-Sent Events (`GET /v1/events`; this crate knows no HTTP or JSON).
//!
//! The executor calls [`EventHub::publish`] once per block, after the block is durably
//! committed and installed as the finalized state. Publishing builds one [`BlockEvents`] (the
//! block and, for each transaction, what it did: outcome, payment record, hold, proof
//! registration or status change; plus the holds the timeout sweep voided) without holding
//! the hub's lock, then takes that lock only to push it: into a bounded in-memory history for
//! resuming subscribers, and into a bounded `tokio::sync::broadcast` ring. Sending never
//! waits: a subscriber that falls more than [`EVENT_LIVE_BLOCKS`] blocks behind finds its
//! receiver lagged, and consensus never waits for anyone. The work per block does not depend
//! on the number of subscribers. Rejections noted while proposing ([`EventHub::rejected`])
//! are built before the hub's lock is taken, after the node's own lock is released.
//!
//! Subscribers are bounded ([`EventHub::subscribe`]): at most [`EVENT_SUBSCRIBERS_MAX`] in all,
//! at most [`EVENT_SUBSCRIBERS_PER_IP_MAX`] per client address, and anonymous ones only while
//! [`EVENT_SUBSCRIBERS_SIGNED_RESERVED`] places remain free for signed callers. At most
//! [`EVENT_STORED_REPLAYS_MAX`] resumes rebuild from storage at once.
//!
//! A signed subscriber is a [`Viewer`]: the account and the rights it authenticated with
//! (status, roles, sub-ledger, signers, request keys). [`Viewer::check`] re-checks them against
//! the newest finalized state before every block it is sent, and ends the stream
//! ([`Reauth::AccessChanged`]) when any changed, or when the stream is older than
//! [`EVENTS_STREAM_LIFETIME_MAX`] ([`Reauth::Expired`]): the client signs a new request.
//!
//! Resuming: a subscriber names the last height it has (`Last-Event-ID`). Heights still in
//! the in-memory history ([`EVENT_HISTORY_BLOCKS`]) replay exactly as published; older ones
//! are rebuilt from storage by [`NodeHandle::stored_replay`], at most
//! [`EVENT_STORED_REPLAY_BLOCKS_MAX`] of them. What storage rebuilds, exactly:
//! - every block (its header: the `block` event);
//! - the viewer's payment-family transactions (those in the per-account payment index: its
//!   newest [`vellum_storage::HISTORY_ROWS_MAX`]): their `tx` outcome, their `payment` event,
//!   and the `hold` each created, posted or voided;
//! - among the newest [`EVENT_STORED_HOLDS_SCANNED_MAX`] holds: the viewer's own that timed
//!   out and — for compliance and auditors — every creation and decision.
//!
//! Not rebuilt: `tx` outcomes of other transactions and `proof` events (storage keeps no
//! transaction bodies by account), and rejections (only this validator's memory has them).
//! Whenever a resume cannot be served completely the subscription says so with [`Gap`]s
//! (heights, missing event kinds, why): blocks older than the rebuild bound
//! ([`EventSubscription::skipped`]), and what a rebuild could not cover
//! ([`StoredReplay::gaps`]); the API sends them as one `gap` event before any block.
//! Rebuilt events come in the order they were published: the sweep's timeouts (by hold id),
//! then by transaction position in the block.
//!
//! Who sees what ([`Event::visible_to`]): `block` events go to everyone; every other event to
//! the accounts it concerns ([`Event::parties`]), and hold events also to compliance and
//! auditors.

use crate::core::{BundleError, NodeHandle};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::net::IpAddr;
use std::ops::RangeInclusive;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use thiserror::Error;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, broadcast};
use vellum_ledger::{BlockOutcome, LedgerState, TxError};
use vellum_types::{
    Account, AccountId, AccountStatus, Block, Hash32, Hold, HoldStatus, PaymentOutcome, PaymentRecord, ProofChange, ProofId,
    PublicKey, Registered, Role, SignerSet, TxBody, TxId,
};

/// Blocks a live subscriber may fall behind the newest before its receiver is lagged: the
/// broadcast ring, one slot per block, shared by all subscribers (they only hold `Arc`s).
pub const EVENT_LIVE_BLOCKS: usize = 1_024;
/// Most recent blocks whose events are kept in memory for resuming subscribers.
pub const EVENT_HISTORY_BLOCKS: usize = 8_192;
/// Most events (of all blocks) in that history; the oldest blocks are dropped beyond it (a
/// resume from further back rebuilds from storage). Sized for memory: a transfer's events take
/// a few hundred bytes, so this holds tens of MiB at most.
pub const EVENT_HISTORY_EVENTS_MAX: usize = 50_000;
/// Most rejections waiting for the next finalized block to carry them; beyond it the oldest
/// are dropped (`GET /v1/tx/{hash}` still reports them).
pub const EVENT_REJECTIONS_PENDING_MAX: usize = 10_000;
/// Most blocks one resume rebuilds from storage; a resume from further back starts here,
/// and says so (a [`Gap`] for the heights before).
pub const EVENT_STORED_REPLAY_BLOCKS_MAX: u64 = 100_000;
/// Blocks rebuilt from storage per step (their headers read in one storage transaction).
pub const EVENT_STORED_CHUNK_BLOCKS: u64 = 256;
/// Newest holds an oversight subscriber's stored replay looks at.
pub const EVENT_STORED_HOLDS_SCANNED_MAX: u64 = 10_000;
/// Most resumes rebuilding from storage at once (each reads storage on a blocking thread;
/// this keeps them from swamping the cores consensus runs on). More are refused (busy).
pub const EVENT_STORED_REPLAYS_MAX: usize = 2;
/// Most simultaneous subscribers; more are refused (busy) until some leave.
pub const EVENT_SUBSCRIBERS_MAX: usize = 1_024;
/// Most simultaneous subscribers from one client address (all clients behind one proxy or
/// NAT share it).
pub const EVENT_SUBSCRIBERS_PER_IP_MAX: usize = 16;
/// Places kept for signed subscribers: anonymous ones are refused once
/// `EVENT_SUBSCRIBERS_MAX - EVENT_SUBSCRIBERS_SIGNED_RESERVED` subscribers are open.
pub const EVENT_SUBSCRIBERS_SIGNED_RESERVED: usize = 256;
/// Longest a signed stream lasts: then it ends ([`Reauth::Expired`]) and the client signs a
/// new request. Bounds what one captured signed request (replayable once to each other
/// validator within its freshness window) can be used for.
pub const EVENTS_STREAM_LIFETIME_MAX: Duration = Duration::from_secs(10 * 60);

/// Every event kind (the SSE event names).
const KINDS_ALL: &[&str] = &["block", "tx", "payment", "hold", "proof"];

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
    /// Also shown to the oversight of this ledger (`Some(None)`: the main ledger; `Some(Some(name))`:
    /// a sub-ledger, whose own oversight and the main ledger's see it): holds and their
    /// monitoring alerts, by the sub-ledger of the hold's sender ([`crate::core::oversees`]).
    pub oversight: Option<Option<String>>,
}

impl Event {
    pub fn visible_to(&self, viewer: Option<&Account>) -> bool {
        let Some(v) = viewer else { return false };
        self.parties.contains(&v.id) || self.oversight.as_ref().is_some_and(|ledger| crate::core::oversees(v, ledger.as_ref()))
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
    Suspended { member: Option<u32>, reason: String },
    Reinstated { member: Option<u32> },
}

impl ProofEvent {
    pub fn name(&self) -> &'static str {
        match self {
            ProofEvent::Registered { .. } => "registered",
            ProofEvent::Revoked { .. } => "revoked",
            ProofEvent::Superseded { .. } => "superseded",
            ProofEvent::Suspended { .. } => "suspended",
            ProofEvent::Reinstated { .. } => "reinstated",
        }
    }
}

/// Part of a resume that cannot be served completely: at heights `from..=to`, events of
/// `kinds` (SSE event names) may be missing, for `reason`. Everything else is served.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gap {
    pub from: u64,
    pub to: u64,
    pub kinds: &'static [&'static str],
    pub reason: &'static str,
}

/// Why a subscription was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum EventsError {
    #[error("this node runs no consensus: no block will be finalized here")]
    NotLive,
    #[error("too many event subscribers (at most {EVENT_SUBSCRIBERS_MAX}); retry shortly")]
    Busy,
    #[error(
        "the event subscriber places left are kept for signed requests (anonymous: at most {}); sign the request or retry shortly",
        EVENT_SUBSCRIBERS_MAX - EVENT_SUBSCRIBERS_SIGNED_RESERVED
    )]
    AnonymousBusy,
    #[error("this client address has {EVENT_SUBSCRIBERS_PER_IP_MAX} event streams open already; close one or retry later")]
    TooManyFromAddress,
    #[error("{EVENT_STORED_REPLAYS_MAX} resumes are being rebuilt from storage already; retry shortly, or resume from a more recent height")]
    RebuildsBusy,
}

impl EventsError {
    pub fn code(&self) -> &'static str {
        match self {
            EventsError::NotLive => "not_ready",
            EventsError::Busy | EventsError::AnonymousBusy | EventsError::RebuildsBusy => "busy",
            EventsError::TooManyFromAddress => "too_many_streams",
        }
    }

    /// Refused because of this client's own streams (not the node's load).
    pub fn is_per_client(&self) -> bool {
        matches!(self, EventsError::TooManyFromAddress)
    }
}

/// Who asks to subscribe, for the bounds on subscribers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Subscriber {
    /// The client's address (`None`: unknown — no per-address bound applies).
    pub ip: Option<IpAddr>,
    /// Authenticated by a signed request (may use the reserved places).
    pub signed: bool,
}

/// Open subscribers, in all and by address.
#[derive(Default)]
struct Slots {
    open: usize,
    per_ip: HashMap<IpAddr, usize>,
}

/// One subscriber's place among the bounded ones; dropping it frees the place.
pub struct StreamSlot {
    slots: Arc<Mutex<Slots>>,
    ip: Option<IpAddr>,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut slots = self.slots.lock().expect("event slots lock poisoned");
        slots.open -= 1;
        if let Some(ip) = self.ip
            && let std::collections::hash_map::Entry::Occupied(mut n) = slots.per_ip.entry(ip)
        {
            *n.get_mut() -= 1;
            if *n.get() == 0 {
                n.remove();
            }
        }
    }
}

/// What a new subscriber gets, cut consistently: blocks after `after` up to `tip` come from
/// `stored` (to rebuild from storage) then `recent` (in memory); every later block arrives on
/// `live`, in order, exactly once.
pub struct EventSubscription {
    /// Heights older than the in-memory history, to rebuild with [`NodeHandle::stored_replay`].
    pub stored: Option<RangeInclusive<u64>>,
    /// One of the [`EVENT_STORED_REPLAYS_MAX`] rebuilds, when `stored` is set: hold it while
    /// rebuilding, drop it when done.
    pub stored_permit: Option<OwnedSemaphorePermit>,
    /// Heights after the resume point older than [`EVENT_STORED_REPLAY_BLOCKS_MAX`] allows
    /// rebuilding: not served at all.
    pub skipped: Option<Gap>,
    pub recent: Vec<Arc<BlockEvents>>,
    pub live: broadcast::Receiver<Arc<BlockEvents>>,
    /// The newest height published when the subscription was made.
    pub tip: u64,
    /// This subscriber's place: keep it (and its clones) as long as the stream is open.
    pub slot: Arc<StreamSlot>,
}

/// Why a signed stream ends so that its client authenticates again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reauth {
    /// Older than [`EVENTS_STREAM_LIFETIME_MAX`].
    Expired,
    /// The account's status, roles, sub-ledger, signers or request keys changed (or it is gone).
    AccessChanged,
}

impl Reauth {
    pub fn name(&self) -> &'static str {
        match self {
            Reauth::Expired => "expired",
            Reauth::AccessChanged => "access_changed",
        }
    }
}

/// What a signed subscriber's rights rest on.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Access {
    status: AccountStatus,
    roles: Vec<Role>,
    subledger: Option<String>,
    signers: SignerSet,
    request_keys: Vec<PublicKey>,
}

impl Access {
    fn of(state: &LedgerState, account: &Account) -> Self {
        Self {
            status: account.status,
            roles: account.roles.clone(),
            subledger: account.subledger.clone(),
            signers: account.signers.clone(),
            request_keys: state.purpose_keys(&account.id).map(|p| p.request_keys).unwrap_or_default(),
        }
    }
}

/// A signed subscriber: its account as authenticated (what it is shown follows from it) and
/// the rights that authentication rested on, re-checked while the stream lasts.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub account: Account,
    access: Access,
    since: Instant,
    /// The finalized height the rights were last found unchanged at.
    checked_height: u64,
}

impl Viewer {
    /// `account` as authenticated against `state` just now.
    pub(crate) fn new(state: &LedgerState, account: Account) -> Self {
        Self { access: Access::of(state, &account), account, since: Instant::now(), checked_height: state.height }
    }

    /// When the stream must end at the latest ([`EVENTS_STREAM_LIFETIME_MAX`]).
    pub fn expires_at(&self) -> Instant {
        self.since + EVENTS_STREAM_LIFETIME_MAX
    }

    /// Whether this viewer may still be sent events at `now`, given the newest finalized
    /// `state`: not expired, and the account still there with the status, roles, sub-ledger,
    /// signers and request keys it authenticated with (looked up once per new height).
    pub fn check(&mut self, state: &LedgerState, now: Instant) -> Result<(), Reauth> {
        if now >= self.expires_at() {
            return Err(Reauth::Expired);
        }
        // (A state older than the one it authenticated against tells nothing new.)
        if state.height > self.checked_height {
            match state.account(&self.account.id) {
                Some(account) if Access::of(state, &account) == self.access => self.checked_height = state.height,
                _ => return Err(Reauth::AccessChanged),
            }
        }
        Ok(())
    }
}

/// The node's event fan-out (cheap to clone).
#[derive(Clone)]
pub struct EventHub {
    inner: Arc<Mutex<Hub>>,
    live: broadcast::Sender<Arc<BlockEvents>>,
    /// What building the next block's events needs; only the publisher takes this lock.
    publisher: Arc<Mutex<Publisher>>,
    /// The newest finalized state published, to re-check signed subscribers against.
    finalized: Arc<Mutex<Arc<LedgerState>>>,
    slots: Arc<Mutex<Slots>>,
    rebuilds: Arc<Semaphore>,
}

struct Hub {
    history: VecDeque<Arc<BlockEvents>>,
    history_events: usize,
    /// The newest height published (or finalized when the node started).
    tip: u64,
    rejected: VecDeque<Event>,
}

struct Publisher {
    /// The newest height published.
    height: u64,
    /// The hold sweep's position after `height`: holds from here on may time out later.
    sweep_from: u64,
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

impl EventHub {
    /// A hub whose first block will be the one after `finalized`.
    pub fn new(finalized: &LedgerState) -> Self {
        let (live, _) = broadcast::channel(EVENT_LIVE_BLOCKS);
        let hub = Hub { history: VecDeque::new(), history_events: 0, tip: finalized.height, rejected: VecDeque::new() };
        let publisher = Publisher { height: finalized.height, sweep_from: finalized.hold_queue().sweep_from };
        Self {
            inner: Arc::new(Mutex::new(hub)),
            live,
            publisher: Arc::new(Mutex::new(publisher)),
            finalized: Arc::new(Mutex::new(Arc::new(finalized.clone()))),
            slots: Arc::default(),
            rebuilds: Arc::new(Semaphore::new(EVENT_STORED_REPLAYS_MAX)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Hub> {
        self.inner.lock().expect("event hub lock poisoned")
    }

    /// The newest finalized state published.
    pub fn finalized(&self) -> Arc<LedgerState> {
        self.finalized.lock().expect("event state lock poisoned").clone()
    }

    /// Open subscribers (places taken) and those still fed live blocks.
    pub fn load(&self) -> (usize, usize) {
        (self.slots.lock().expect("event slots lock poisoned").open, self.live.receiver_count())
    }

    /// Publishes a block the executor has durably committed and installed. Never blocks on
    /// subscribers: the events are built before the hub's lock is taken, and that lock is held
    /// only to push them. A block at or below the last published height is ignored.
    pub(crate) fn publish(&self, block: &Block, outcome: &BlockOutcome) {
        let mut publisher = self.publisher.lock().expect("event publisher lock poisoned");
        if block.header.height <= publisher.height {
            return;
        }
        let mut batch = block_events(block, outcome, publisher.sweep_from, Some(now_ms()));
        publisher.height = block.header.height;
        publisher.sweep_from = outcome.state.hold_queue().sweep_from;
        // Before the block goes out: a subscriber re-checks its rights against this state.
        let state = Arc::new(outcome.state.clone());
        let old_state = std::mem::replace(&mut *self.finalized.lock().expect("event state lock poisoned"), state);
        // Rejections this validator noted since the last block ride with this one.
        let rejected = std::mem::take(&mut self.lock().rejected);
        if !rejected.is_empty() {
            let mut events = Vec::from(rejected);
            events.append(&mut batch.events);
            batch.events = events;
        }
        let dropped = self.push(batch);
        // Freed here, outside every lock.
        drop((old_state, dropped));
    }

    /// Pushes a built batch into the history and the live ring (under the hub's lock: what a
    /// subscription cuts is consistent). Returns the history's oldest blocks it dropped.
    fn push(&self, batch: BlockEvents) -> Vec<Arc<BlockEvents>> {
        let batch = Arc::new(batch);
        let mut dropped = Vec::new();
        let mut hub = self.lock();
        hub.tip = batch.height;
        hub.history_events += batch.events.len();
        hub.history.push_back(batch.clone());
        while hub.history.len() > EVENT_HISTORY_BLOCKS || (hub.history_events > EVENT_HISTORY_EVENTS_MAX && hub.history.len() > 1) {
            let old = hub.history.pop_front().expect("non-empty");
            hub.history_events -= old.events.len();
            dropped.push(old);
        }
        // No receiver is not an error: nobody is listening.
        let _ = self.live.send(batch);
        dropped
    }

    /// Notes transactions this validator dropped while building a block; subscribers get them
    /// with the next finalized block. Call it without holding the node's lock.
    pub(crate) fn rejected<'a>(&self, rejections: impl IntoIterator<Item = (TxId, AccountId, &'a TxError)>) {
        let events: Vec<Event> = rejections
            .into_iter()
            .map(|(tx_id, sender, error)| Event {
                what: What::Rejected { tx_id, sender, code: error.code(), message: error.to_string() },
                parties: vec![sender],
                oversight: None,
            })
            .collect();
        if events.is_empty() {
            return;
        }
        let mut hub = self.lock();
        for event in events {
            if hub.rejected.len() >= EVENT_REJECTIONS_PENDING_MAX {
                hub.rejected.pop_front();
            }
            hub.rejected.push_back(event);
        }
    }

    /// Takes a subscriber's place, within the bounds (see the module docs).
    fn take_slot(&self, who: Subscriber) -> Result<Arc<StreamSlot>, EventsError> {
        let mut slots = self.slots.lock().expect("event slots lock poisoned");
        if slots.open >= EVENT_SUBSCRIBERS_MAX {
            return Err(EventsError::Busy);
        }
        if !who.signed && slots.open >= EVENT_SUBSCRIBERS_MAX - EVENT_SUBSCRIBERS_SIGNED_RESERVED {
            return Err(EventsError::AnonymousBusy);
        }
        if let Some(ip) = who.ip {
            if slots.per_ip.get(&ip).is_some_and(|n| *n >= EVENT_SUBSCRIBERS_PER_IP_MAX) {
                return Err(EventsError::TooManyFromAddress);
            }
            *slots.per_ip.entry(ip).or_default() += 1;
        }
        slots.open += 1;
        Ok(Arc::new(StreamSlot { slots: self.slots.clone(), ip: who.ip }))
    }

    /// Subscribes, replaying the blocks after `after` (none when `None`: live only).
    pub fn subscribe(&self, after: Option<u64>, who: Subscriber) -> Result<EventSubscription, EventsError> {
        let slot = self.take_slot(who)?;
        let hub = self.lock();
        let live = self.live.subscribe();
        let tip = hub.tip;
        let Some(after) = after.filter(|a| *a < tip) else {
            return Ok(EventSubscription { stored: None, stored_permit: None, skipped: None, recent: Vec::new(), live, tip, slot });
        };
        let first_in_memory = hub.history.front().map_or(tip + 1, |b| b.height);
        let (stored, skipped) = if after + 1 < first_in_memory {
            let end = first_in_memory - 1;
            let start = (after + 1).max(end.saturating_sub(EVENT_STORED_REPLAY_BLOCKS_MAX - 1)).max(1);
            let skipped = (start > after + 1).then_some(Gap {
                from: after + 1,
                to: start - 1,
                kinds: KINDS_ALL,
                reason: "older than the most blocks one resume rebuilds from storage (EVENT_STORED_REPLAY_BLOCKS_MAX)",
            });
            (Some(start..=end), skipped)
        } else {
            (None, None)
        };
        let stored_permit = match stored {
            Some(_) => Some(self.rebuilds.clone().try_acquire_owned().map_err(|_| EventsError::RebuildsBusy)?),
            None => None,
        };
        let recent = hub.history.iter().filter(|b| b.height > after).cloned().collect();
        Ok(EventSubscription { stored, stored_permit, skipped, recent, live, tip, slot })
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
            out.events.push(hold_event(HoldChange::TimedOut, hold, state));
        }
    }
    for (tx, r) in block.txs.iter().zip(&outcome.receipts) {
        let sender = tx.unsigned.sender;
        out.events.push(Event {
            what: What::Finalized { tx_id: r.tx_id, sender, kind: tx.unsigned.body.kind(), index: r.index, log_index: r.log_index },
            parties: vec![sender],
            oversight: None,
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
                ProofChange::Suspend { reason } => ProofEvent::Suspended { member: *member, reason: reason.clone() },
                ProofChange::Reinstate => ProofEvent::Reinstated { member: *member },
            };
            out.events.push(proof_event(*proof, r.tx_id, registrant, sender, change));
        }
        if tx.unsigned.body.is_payment() {
            let record = r.payment.as_ref().map(|p| (&p.record, p.log_index));
            out.events.extend(payment_events(tx, record, state));
        }
    }
    out
}

fn proof_event(proof_id: ProofId, tx_id: TxId, registrant: AccountId, sender: AccountId, change: ProofEvent) -> Event {
    let mut parties = vec![registrant];
    if sender != registrant {
        parties.push(sender);
    }
    Event { what: What::Proof { proof_id, tx_id, registrant, change }, parties, oversight: None }
}

/// A hold's event, for its sender and the oversight of the sender's ledger.
fn hold_event(change: HoldChange, hold: Hold, state: &LedgerState) -> Event {
    let ledger = state.account(&hold.sender).and_then(|a| a.subledger);
    Event { parties: vec![hold.sender], oversight: Some(ledger), what: What::Hold { change, hold } }
}

/// The payment event of a payment-family transaction (with its record and the record's log
/// index, if it wrote one) and, for a hold's creation or decision, the hold event (`hold`
/// looks a hold up as it stands after the block).
fn payment_events(tx: &vellum_types::Transaction, record: Option<(&PaymentRecord, u64)>, state: &LedgerState) -> Vec<Event> {
    let parties = vellum_types::payment::parties(tx, record.map(|(r, _)| r));
    let Some((record, log_index)) = record else {
        // No record: worth an event only to the others it concerns (the sender has `tx`).
        if parties.len() < 2 {
            return Vec::new();
        }
        let what = What::Payment { tx_id: tx.id(), kind: tx.unsigned.body.kind(), record: None, log_index: None };
        return vec![Event { what, parties, oversight: None }];
    };
    let mut out = vec![Event {
        parties,
        oversight: None,
        what: What::Payment { tx_id: record.tx_id, kind: tx.unsigned.body.kind(), record: Some(record.clone()), log_index: Some(log_index) },
    }];
    let (id, change) = match &record.outcome {
        PaymentOutcome::Settled { .. } => return out,
        PaymentOutcome::Held { hold, .. } => (*hold, HoldChange::Created),
        PaymentOutcome::HoldPosted { hold, .. } => (*hold, HoldChange::Posted),
        PaymentOutcome::HoldVoided { hold, .. } => (*hold, HoldChange::Voided),
    };
    if let Some(mut h) = state.hold(id) {
        if change == HoldChange::Created {
            // As created, whatever happened to it since (a rebuilt event looks the hold up later).
            h.status = HoldStatus::Pending;
        }
        out.push(hold_event(change, h, state));
    }
    out
}

/// Blocks rebuilt from storage for a resuming subscriber, a chunk at a time (see the module
/// docs for what is rebuilt).
pub struct StoredReplay {
    next: u64,
    end: u64,
    /// Events of the viewer's payments and of holds, by height, in published order.
    extra: BTreeMap<u64, Vec<Event>>,
    gaps: Vec<Gap>,
}

impl StoredReplay {
    /// What this rebuild cannot serve (see [`Gap`]); empty when it is complete.
    pub fn gaps(&self) -> &[Gap] {
        &self.gaps
    }

    /// The next blocks (at most [`EVENT_STORED_CHUNK_BLOCKS`], their headers read in one
    /// storage transaction); `None` when done.
    pub fn next_chunk(&mut self, node: &NodeHandle) -> Result<Option<Vec<BlockEvents>>, BundleError> {
        if self.next > self.end {
            return Ok(None);
        }
        let last = self.end.min(self.next + EVENT_STORED_CHUNK_BLOCKS - 1);
        let headers = node.store.headers(self.next..=last).map_err(|e| BundleError::Storage(e.to_string()))?;
        if headers.len() as u64 != last - self.next + 1 || headers.iter().zip(self.next..=last).any(|(h, height)| h.height != height) {
            return Err(BundleError::Missing("header of a finalized block"));
        }
        let out = headers
            .iter()
            .map(|header| {
                let mut batch = BlockEvents::from_header(header, None);
                batch.events = self.extra.remove(&header.height).unwrap_or_default();
                batch
            })
            .collect();
        self.next = last + 1;
        Ok(Some(out))
    }
}

/// Where a rebuilt event goes in its block, as published: the sweep's timeouts first (by hold
/// id), then by transaction position (a transaction's own events in the order it made them,
/// which the stable sort keeps); last, a hold decision whose transaction was not found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    Sweep(u64),
    Tx(u32),
    Unknown,
}

/// Rebuilt events by height, each with its place, without repeating a hold change.
#[derive(Default)]
struct Rebuilt {
    by_height: BTreeMap<u64, Vec<(Place, Event)>>,
    holds_seen: BTreeSet<(u64, HoldChange)>,
}

impl Rebuilt {
    fn add(&mut self, height: u64, place: Place, event: Event) {
        if let What::Hold { change, hold } = &event.what
            && !self.holds_seen.insert((hold.id, *change))
        {
            return;
        }
        self.by_height.entry(height).or_default().push((place, event));
    }

    fn into_ordered(self) -> BTreeMap<u64, Vec<Event>> {
        self.by_height
            .into_iter()
            .map(|(height, mut events)| {
                events.sort_by_key(|(place, _)| *place);
                (height, events.into_iter().map(|(_, e)| e).collect())
            })
            .collect()
    }
}

impl NodeHandle {
    /// Subscribes to finalized-block events, replaying the blocks after `after` (see
    /// [`EventHub::subscribe`]). Refused on a handle with no consensus behind it.
    pub fn subscribe_events(&self, after: Option<u64>, who: Subscriber) -> Result<EventSubscription, EventsError> {
        if self.clock.is_none() {
            return Err(EventsError::NotLive);
        }
        self.events.subscribe(after, who)
    }

    /// Re-checks a signed subscriber against the newest finalized state before it is sent
    /// another block (see [`Viewer::check`]).
    pub fn recheck_viewer(&self, viewer: &mut Viewer) -> Result<(), Reauth> {
        viewer.check(&self.events.finalized(), Instant::now())
    }

    /// Event subscribers: open, and still fed live blocks (for `/metrics`).
    pub fn event_subscribers(&self) -> (usize, usize) {
        self.events.load()
    }

    /// Prepares the rebuild of `heights` from storage for `viewer` (see the module docs for
    /// what is rebuilt; [`StoredReplay::gaps`] says what is not).
    pub fn stored_replay(&self, heights: RangeInclusive<u64>, viewer: Option<&Account>) -> Result<StoredReplay, BundleError> {
        let storage = |e: vellum_storage::ReadError| BundleError::Storage(e.to_string());
        let (from, to) = (*heights.start(), *heights.end());
        let mut rebuilt = Rebuilt::default();
        let mut gaps = Vec::new();
        if let Some(viewer) = viewer.filter(|_| !heights.is_empty()) {
            gaps.push(Gap {
                from,
                to,
                kinds: &["tx", "proof"],
                reason: "not rebuilt from storage: outcomes of transactions other than payments, rejections, proof registrations and status changes",
            });
            let state = self.events.finalized();
            // The viewer's payment-family transactions: each one's outcome, payment and hold.
            let ids = self.store.account_payments(&viewer.id, vellum_storage::HISTORY_ROWS_MAX).map_err(storage)?;
            let truncated = ids.len() >= vellum_storage::HISTORY_ROWS_MAX;
            let mut oldest = u64::MAX;
            for id in ids {
                let Some(entry) = self.store.payment(&id).map_err(storage)? else { continue };
                oldest = oldest.min(entry.height);
                if !heights.contains(&entry.height) {
                    continue;
                }
                let index = self.store.tx_location(&id).map_err(storage)?.map_or(0, |l| l.index);
                let tx_id = entry.tx.id();
                let sender = entry.tx.unsigned.sender;
                let finalized = What::Finalized { tx_id, sender, kind: entry.tx.unsigned.body.kind(), index, log_index: entry.tx_index };
                rebuilt.add(entry.height, Place::Tx(index), Event { what: finalized, parties: vec![sender], oversight: None });
                // A record's leaf follows its transaction's.
                let record = entry.record.as_ref().map(|r| (r, entry.tx_index + 1));
                for event in payment_events(&entry.tx, record, &state) {
                    rebuilt.add(entry.height, Place::Tx(index), event);
                }
            }
            if truncated && oldest >= from {
                // Older payments of the viewer (up to the oldest one's block, which may have
                // more) were not looked at.
                gaps.push(Gap {
                    from,
                    to: oldest.min(to),
                    kinds: &["tx", "payment", "hold"],
                    reason: "only the account's newest payments are rebuilt from storage (HISTORY_ROWS_MAX)",
                });
            }
            // Holds: timeouts (the viewer's own), and for oversight every creation and decision.
            let any_oversight = viewer.has_role(Role::Auditor) || viewer.has_role(Role::Compliance);
            let next_id = state.hold_queue().next_id;
            let first = next_id.saturating_sub(EVENT_STORED_HOLDS_SCANNED_MAX);
            if first > 0 {
                gaps.push(Gap {
                    from,
                    to,
                    kinds: &["hold"],
                    reason: "only the newest holds are looked at when rebuilding from storage (EVENT_STORED_HOLDS_SCANNED_MAX)",
                });
            }
            // Where each decider's decisions are (hold id → height, position), read once per
            // decider from its payment index (a decision is a payment-family transaction).
            let mut decisions: HashMap<AccountId, HashMap<u64, (u64, u32)>> = HashMap::new();
            let mut unplaced: Option<(u64, u64)> = None;
            for id in first..next_id {
                let Some(hold) = state.hold(id) else { continue };
                // Oversight of this hold: the viewer oversees its sender's ledger.
                let oversight = any_oversight && state.account(&hold.sender).is_some_and(|a| crate::core::oversees(viewer, a.subledger.as_ref()));
                if !oversight && hold.sender != viewer.id {
                    continue;
                }
                if oversight
                    && !rebuilt.holds_seen.contains(&(id, HoldChange::Created))
                    && let Some(created) = self.store.tx_location(&hold.tx_id).map_err(storage)?
                    && heights.contains(&created.height)
                {
                    let mut pending = hold.clone();
                    pending.status = HoldStatus::Pending;
                    rebuilt.add(created.height, Place::Tx(created.index), hold_event(HoldChange::Created, pending, &state));
                }
                let (height, change, by) = match &hold.status {
                    HoldStatus::Pending => continue,
                    HoldStatus::Posted { height, by, .. } => (*height, HoldChange::Posted, Some(*by)),
                    HoldStatus::Voided { by: None, height, .. } => (*height, HoldChange::TimedOut, None),
                    HoldStatus::Voided { height, by: Some(by), .. } => (*height, HoldChange::Voided, Some(*by)),
                };
                if !heights.contains(&height) || !(oversight || change == HoldChange::TimedOut) || rebuilt.holds_seen.contains(&(id, change)) {
                    continue;
                }
                let place = match by {
                    None => Place::Sweep(id),
                    Some(by) => {
                        let placed = match decisions.entry(by) {
                            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                            std::collections::hash_map::Entry::Vacant(e) => e.insert(self.decisions_by(&by).map_err(storage)?),
                        };
                        match placed.get(&id) {
                            Some((h, index)) if *h == height => Place::Tx(*index),
                            _ => {
                                unplaced = Some(unplaced.map_or((height, height), |(a, b)| (a.min(height), b.max(height))));
                                Place::Unknown
                            }
                        }
                    }
                };
                rebuilt.add(height, place, hold_event(change, hold, &state));
            }
            if let Some((a, b)) = unplaced {
                gaps.push(Gap {
                    from: a,
                    to: b,
                    kinds: &["hold"],
                    reason: "a hold decision beyond its decider's newest payments: sent after the other events of its block, whatever its position",
                });
            }
        }
        Ok(StoredReplay { next: from, end: to, extra: rebuilt.into_ordered(), gaps })
    }

    /// The hold decisions among `decider`'s newest payment-family transactions: hold id →
    /// (height, position in the block).
    fn decisions_by(&self, decider: &AccountId) -> Result<HashMap<u64, (u64, u32)>, vellum_storage::ReadError> {
        let mut out = HashMap::new();
        for id in self.store.account_payments(decider, vellum_storage::HISTORY_ROWS_MAX)? {
            let Some(entry) = self.store.payment(&id)? else { continue };
            if entry.tx.unsigned.sender != *decider {
                continue;
            }
            let Some(record) = &entry.record else { continue };
            let hold = match &record.outcome {
                PaymentOutcome::HoldPosted { hold, .. } | PaymentOutcome::HoldVoided { hold, .. } => *hold,
                _ => continue,
            };
            if let Some(location) = self.store.tx_location(&id)? {
                out.insert(hold, (location.height, location.index));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vellum_ledger::testkit::*;
    use vellum_ledger::{build_block, execute_block, genesis_block};
    use vellum_types::{MonitoringRules, Transaction};

    /// An anonymous subscriber of unknown address.
    const ANON: Subscriber = Subscriber { ip: None, signed: false };

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
        let mut sub = hub.subscribe(Some(4), ANON).unwrap();
        assert_eq!((sub.stored.clone(), heights(&sub.recent), sub.tip), (None, vec![5, 6, 7, 8, 9, 10], 10));
        hub.push(batch(11, Vec::new()));
        assert_eq!(sub.live.try_recv().unwrap().height, 11, "the first live block follows the replay, no gap, no repeat");
        assert!(sub.live.try_recv().is_err());
        // Without a resume point (or one at the tip or beyond): live only.
        for after in [None, Some(11), Some(50)] {
            let sub = hub.subscribe(after, ANON).unwrap();
            assert!(sub.stored.is_none() && sub.recent.is_empty(), "{after:?}");
        }
    }

    #[test]
    fn older_heights_come_from_storage_and_history_is_bounded() {
        // A node restarted at height 100 has no history: everything before comes from storage.
        let hub = hub_at(100);
        let sub = hub.subscribe(Some(40), ANON).unwrap();
        assert_eq!((sub.stored.clone(), sub.recent.len(), sub.skipped.clone()), (Some(41..=100), 0, None));
        assert!(sub.stored_permit.is_some(), "a rebuild holds one of the permits");
        drop(sub);
        let sub = hub.subscribe(Some(0), ANON).unwrap();
        assert_eq!(sub.stored, Some(1..=100), "genesis has no events");
        drop(sub);
        // The history keeps the newest EVENT_HISTORY_BLOCKS blocks.
        let n = EVENT_HISTORY_BLOCKS as u64 + 10;
        for h in 101..=100 + n {
            hub.push(batch(h, Vec::new()));
        }
        let first = 100 + n - EVENT_HISTORY_BLOCKS as u64 + 1;
        let sub = hub.subscribe(Some(50), ANON).unwrap();
        assert_eq!(sub.stored, Some(51..=first - 1));
        assert_eq!(sub.recent.first().map(|b| b.height), Some(first));
        assert_eq!(sub.recent.len(), EVENT_HISTORY_BLOCKS);
        // From memory alone: no rebuild, no permit.
        let sub = hub.subscribe(Some(first + 5), ANON).unwrap();
        assert!(sub.stored.is_none() && sub.stored_permit.is_none() && sub.skipped.is_none());
        // A resume from very far back is clamped to the most one resume rebuilds, and says so.
        let hub = hub_at(EVENT_STORED_REPLAY_BLOCKS_MAX + 500);
        let sub = hub.subscribe(Some(1), ANON).unwrap();
        assert_eq!(sub.stored, Some(501..=EVENT_STORED_REPLAY_BLOCKS_MAX + 500));
        let skipped = sub.skipped.clone().expect("the skipped heights are named");
        assert_eq!((skipped.from, skipped.to, skipped.kinds), (2, 500, KINDS_ALL));
    }

    #[test]
    fn rebuilds_from_storage_are_bounded() {
        let hub = hub_at(100);
        let mut rebuilding: Vec<_> = (0..EVENT_STORED_REPLAYS_MAX).map(|_| hub.subscribe(Some(10), ANON).unwrap()).collect();
        assert_eq!(hub.subscribe(Some(10), ANON).err(), Some(EventsError::RebuildsBusy));
        let _live = hub.subscribe(None, ANON).expect("live subscribers need no rebuild");
        // The refused subscription gave its place back.
        assert_eq!(hub.load().0, EVENT_STORED_REPLAYS_MAX + 1);
        rebuilding.pop();
        let sub = hub.subscribe(Some(10), ANON).unwrap();
        drop(sub.stored_permit);
        assert!(hub.subscribe(Some(10), ANON).is_ok(), "a finished rebuild frees its permit");
    }

    #[test]
    fn history_is_bounded_by_events_too() {
        let hub = hub_at(0);
        let many = |h: u64| {
            let e = Event { what: What::Hold { change: HoldChange::Created, hold: sample_hold() }, parties: vec![], oversight: Some(None) };
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
        let mut stalled = hub.subscribe(None, ANON).unwrap();
        let mut keeping_up = hub.subscribe(None, ANON).unwrap();
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
    fn subscribers_are_bounded_in_all_per_address_and_with_places_for_signed_callers() {
        let hub = hub_at(0);
        let signed = Subscriber { ip: None, signed: true };
        let anonymous_max = EVENT_SUBSCRIBERS_MAX - EVENT_SUBSCRIBERS_SIGNED_RESERVED;
        let mut subs: Vec<_> = (0..anonymous_max).map(|_| hub.subscribe(None, ANON).unwrap()).collect();
        assert_eq!(hub.subscribe(None, ANON).err(), Some(EventsError::AnonymousBusy), "anonymous callers cannot take the reserve");
        subs.extend((anonymous_max..EVENT_SUBSCRIBERS_MAX).map(|_| hub.subscribe(None, signed).unwrap()));
        assert_eq!(hub.subscribe(None, signed).err(), Some(EventsError::Busy));
        assert_eq!(hub.load(), (EVENT_SUBSCRIBERS_MAX, EVENT_SUBSCRIBERS_MAX));
        drop(subs);
        assert_eq!(hub.load(), (0, 0), "a subscriber that leaves frees its place");

        // One address gets at most EVENT_SUBSCRIBERS_PER_IP_MAX, signed or not; others are
        // not affected.
        let ip = |n: u8| Some(IpAddr::from([10, 0, 0, n]));
        let mut from_one: Vec<_> = (0..EVENT_SUBSCRIBERS_PER_IP_MAX)
            .map(|i| hub.subscribe(None, Subscriber { ip: ip(1), signed: i % 2 == 0 }).unwrap())
            .collect();
        for signed in [false, true] {
            assert_eq!(hub.subscribe(None, Subscriber { ip: ip(1), signed }).err(), Some(EventsError::TooManyFromAddress));
        }
        assert!(hub.subscribe(None, Subscriber { ip: ip(2), signed: false }).is_ok());
        from_one.pop();
        assert!(hub.subscribe(None, Subscriber { ip: ip(1), signed: false }).is_ok(), "its place is free again");
        drop(from_one);
        assert!(hub.slots.lock().unwrap().per_ip.is_empty(), "addresses with no stream are forgotten");
    }

    #[test]
    fn events_go_to_the_parties_and_holds_to_oversight() {
        let f = fixture();
        let (state, _) = genesis_block(&f.genesis);
        let account = |k: &vellum_crypto::SecretKey| state.account(&k.public_key().account_id()).unwrap();
        let (user, issuer, compliance, auditor) = (account(&f.user), account(&f.issuer), account(&f.compliance), account(&f.auditor));
        let tx = Event { what: What::Rejected { tx_id: TxId([1; 32]), sender: user.id, code: "x", message: String::new() }, parties: vec![user.id], oversight: None };
        let hold = Event { what: What::Hold { change: HoldChange::Created, hold: sample_hold() }, parties: vec![user.id], oversight: Some(None) };
        let b = batch(1, vec![tx.clone(), hold.clone()]);
        assert_eq!(b.visible_to(None).count(), 0, "anonymous subscribers see blocks only");
        assert_eq!(b.visible_to(Some(&user)).count(), 2);
        assert_eq!(b.visible_to(Some(&issuer)).count(), 0);
        assert_eq!(b.visible_to(Some(&compliance)).collect::<Vec<_>>(), vec![&hold]);
        assert_eq!(b.visible_to(Some(&auditor)).collect::<Vec<_>>(), vec![&hold]);
        // A sub-ledger's compliance officer sees its own members' holds, not the main ledger's.
        let mut a_compliance = compliance.clone();
        a_compliance.subledger = Some("a".into());
        assert_eq!(b.visible_to(Some(&a_compliance)).count(), 0, "a main-ledger hold");
        let in_a = Event { oversight: Some(Some("a".into())), ..hold.clone() };
        let in_a_batch = batch(2, vec![in_a.clone()]);
        assert_eq!(in_a_batch.visible_to(Some(&a_compliance)).collect::<Vec<_>>(), vec![&in_a]);
        assert_eq!(in_a_batch.visible_to(Some(&compliance)).collect::<Vec<_>>(), vec![&in_a], "main-ledger oversight sees every sub-ledger");
    }

    /// Executes `txs` as the next block (all must apply) and returns its events as published.
    fn run(state: &mut LedgerState, hub: &EventHub, time_ms: u64, txs: &[Transaction]) -> Arc<BlockEvents> {
        let signers: Vec<Vec<vellum_types::PublicKey>> = txs.iter().map(|t| vellum_crypto::verify_tx(t).unwrap()).collect();
        let built = build_block(state, time_ms, 0, state.height + 1, [7; 32], txs.iter().zip(signers.iter().map(Vec::as_slice)));
        assert!(built.rejected.is_empty(), "{:?}", built.rejected);
        let outcome = execute_block(state, &built.block).unwrap();
        let mut sub = hub.subscribe(None, ANON).unwrap();
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
        // (`self::chain`: the local `chain` is the chain id.)
        let Chain { _dir: _keep, node, state, published } = self::chain(&f, blocks);
        let tip = state.height;
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
        let revoke = sign(&f.issuer, &chain, 2, TxBody::SetProofStatus { proof: ProofId::of_tx(&reg.id()), member: None, change: ProofChange::Revoke { reason: "issued_in_error".into() } });
        let b = run(&mut state, &hub, 20_000, &[revoke]);
        assert!(b.visible_to(Some(&issuer)).any(|e| matches!(&e.what, What::Proof { change: ProofEvent::Revoked { reason, .. }, .. } if reason == "issued_in_error")));

        // A rejection noted by this validator rides with the next block, to its sender only.
        hub.rejected([(TxId([9; 32]), user.id, &TxError::UnknownSender(user.id))]);
        let b = run(&mut state, &hub, 20_001, &[]);
        assert!(matches!(b.visible_to(Some(&user)).next().map(|e| &e.what), Some(What::Rejected { code: "unknown_sender", .. })));
        assert_eq!(b.visible_to(Some(&issuer)).count(), 0);
        // Publishing the same height again (a redelivery) changes nothing.
        let before = hub.subscribe(Some(0), ANON).unwrap().recent.len();
        let (block, outcome) = {
            let built = build_block(&state, 30_000, 0, state.height + 1, [7; 32], std::iter::empty());
            let outcome = execute_block(&state, &built.block).unwrap();
            (built.block, outcome)
        };
        hub.publish(&block, &outcome);
        hub.publish(&block, &outcome);
        assert_eq!(hub.subscribe(Some(0), ANON).unwrap().recent.len(), before + 1);
    }

    /// A chain executed block by block, committed to a store and published to a hub.
    struct Chain {
        _dir: tempfile::TempDir,
        node: NodeHandle,
        state: LedgerState,
        /// Every block's events as published live.
        published: Vec<Arc<BlockEvents>>,
    }

    fn chain(f: &Fixture, blocks: Vec<(u64, Vec<Transaction>)>) -> Chain {
        let genesis = Arc::new(f.genesis.clone());
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(vellum_storage::Store::open(&dir.path().join("l.redb"), &genesis).unwrap());
        let (mut state, _) = genesis_block(&genesis);
        let hub = EventHub::new(&state);
        let mut live = hub.subscribe(None, ANON).unwrap();
        let mut published = Vec::new();
        for (time_ms, txs) in blocks {
            let signers: Vec<Vec<vellum_types::PublicKey>> = txs.iter().map(|t| vellum_crypto::verify_tx(t).unwrap()).collect();
            let built = build_block(&state, time_ms, 0, state.height + 1, [7; 32], txs.iter().zip(signers.iter().map(Vec::as_slice)));
            assert!(built.rejected.is_empty(), "{:?}", built.rejected);
            let outcome = execute_block(&state, &built.block).unwrap();
            store.commit_block(&built.block, &outcome, &[]).unwrap();
            hub.publish(&built.block, &outcome);
            state = outcome.state;
            published.push(live.live.try_recv().unwrap());
        }
        let node = NodeHandle::offline(genesis, store, crate::mempool::MempoolLimits::default()).unwrap();
        Chain { _dir: dir, node, state, published }
    }

    impl Chain {
        fn account(&self, k: &vellum_crypto::SecretKey) -> Account {
            self.state.account(&k.public_key().account_id()).unwrap()
        }

        /// `heights` rebuilt from storage for `viewer`, and what the rebuild says it misses.
        fn rebuild(&self, heights: RangeInclusive<u64>, viewer: Option<&Account>) -> (Vec<BlockEvents>, Vec<Gap>) {
            let mut replay = self.node.stored_replay(heights, viewer).unwrap();
            let gaps = replay.gaps().to_vec();
            let mut out = Vec::new();
            while let Some(chunk) = replay.next_chunk(&self.node).unwrap() {
                out.extend(chunk);
            }
            (out, gaps)
        }
    }

    fn token_setup(f: &Fixture, rules: MonitoringRules) -> Vec<Transaction> {
        let chain = &f.genesis.chain_id;
        let council = f.council_id();
        let council_tx = |nonce: u64, body: TxBody| sign_multi(&[&f.council[0], &f.council[2]], council, chain, nonce, propose(body));
        let issuer = f.issuer.public_key().account_id();
        vec![
            council_tx(0, TxBody::CreateToken { symbol: "EUR".into(), decimals: 2, issuer, subledger: None, flags: Default::default() }),
            council_tx(1, TxBody::SetMonitoring { token: "EUR".into(), rules }),
        ]
    }

    #[test]
    fn stored_replay_keeps_the_published_order_within_a_block() {
        let f = fixture();
        let chain_id = f.genesis.chain_id.clone();
        let id = |k: &vellum_crypto::SecretKey| k.public_key().account_id();
        let rules = MonitoringRules { large_amount: 1_000, hold_timeout_ms: 10_000_000, version: 0, ..Default::default() };
        let leg = |to: &vellum_crypto::SecretKey, amount| vellum_types::Leg { to: id(to), token: "EUR".into(), amount, convert: None };
        let transfer = |nonce, amount| sign(&f.user, &chain_id, nonce, TxBody::Transfer { legs: vec![leg(&f.desk, amount)], reference: None });
        let decide = sign(&f.compliance, &chain_id, 0, TxBody::DecideHold { hold: 0, post: true, reason: "checked".into() });
        let c = chain(
            &f,
            vec![
                (10_000, token_setup(&f, rules)),
                (10_001, vec![sign(&f.issuer, &chain_id, 0, TxBody::Mint { token: "EUR".into(), to: id(&f.user), amount: 100_000 })]),
                (10_002, vec![transfer(0, 2_000)]),
                // One block creates hold 1 (first) and decides hold 0 (second): by hold id the
                // decision would come first, as published it comes second.
                (10_003, vec![transfer(1, 3_000), decide]),
                (10_004, vec![]),
            ],
        );
        let tip = c.state.height;
        let auditor = c.account(&f.auditor);
        let holds: Vec<(u64, HoldChange)> = c.published[3]
            .visible_to(Some(&auditor))
            .filter_map(|e| match &e.what {
                What::Hold { change, hold } => Some((hold.id, *change)),
                _ => None,
            })
            .collect();
        assert_eq!(holds, [(1, HoldChange::Created), (0, HoldChange::Posted)], "as published");
        for who in [&f.auditor, &f.compliance, &f.user, &f.desk] {
            let viewer = c.account(who);
            let (rebuilt, gaps) = c.rebuild(1..=tip, Some(&viewer));
            let live: Vec<_> = c.published.iter().map(|b| seen_by(b, &viewer)).collect();
            let stored: Vec<_> = rebuilt.iter().map(|b| seen_by(b, &viewer)).collect();
            assert_eq!(stored, live, "viewer {}", viewer.id);
            // Complete but for what storage never has.
            assert_eq!(gaps.iter().map(|g| (g.from, g.to, g.kinds)).collect::<Vec<_>>(), [(1, tip, &["tx", "proof"][..])], "viewer {}", viewer.id);
        }
        let (_, gaps) = c.rebuild(1..=tip, None);
        assert!(gaps.is_empty(), "blocks are always rebuilt: {gaps:?}");
    }

    #[test]
    fn stored_replay_names_the_payments_it_cannot_rebuild() {
        let f = fixture();
        let chain_id = f.genesis.chain_id.clone();
        let id = |k: &vellum_crypto::SecretKey| k.public_key().account_id();
        let leg = vellum_types::Leg { to: id(&f.desk), token: "EUR".into(), amount: 1, convert: None };
        let transfers = |nonces: std::ops::Range<u64>| -> Vec<Transaction> {
            nonces.map(|n| sign(&f.user, &chain_id, n, TxBody::Transfer { legs: vec![leg.clone()], reference: None })).collect()
        };
        // The user is a party to 1 + 600 + 500 payments: more than the index returns.
        let c = chain(
            &f,
            vec![
                (10_000, token_setup(&f, MonitoringRules { hold_timeout_ms: 1_000, ..Default::default() })),
                (10_001, vec![sign(&f.issuer, &chain_id, 0, TxBody::Mint { token: "EUR".into(), to: id(&f.user), amount: 100_000 })]),
                (10_002, transfers(0..600)),
                (10_003, transfers(600..1_100)),
                (10_004, vec![]),
            ],
        );
        let tip = c.state.height;
        let user = c.account(&f.user);
        let (_, gaps) = c.rebuild(1..=tip, Some(&user));
        let named: Vec<_> = gaps.iter().map(|g| (g.from, g.to, g.kinds)).collect();
        // The newest 1,000 reach back into block 3 (which has more): blocks 1..=3 may lack them.
        assert_eq!(named, [(1, tip, &["tx", "proof"][..]), (1, 3, &["tx", "payment", "hold"][..])]);
        // From block 4 on the newest payments cover everything: served in full, as published.
        let (rebuilt, gaps) = c.rebuild(4..=tip, Some(&user));
        assert_eq!(gaps.len(), 1, "{gaps:?}");
        let live: Vec<_> = c.published[3..].iter().map(|b| seen_by(b, &user)).collect();
        assert_eq!(rebuilt.iter().map(|b| seen_by(b, &user)).collect::<Vec<_>>(), live);
        assert_eq!(live[0].2.len(), 2 * 500, "every transfer's outcome and payment");
    }

    #[test]
    fn a_signed_viewer_is_rechecked_against_the_newest_state() {
        let f = fixture();
        let chain_id = f.genesis.chain_id.clone();
        let (mut state, _) = genesis_block(&f.genesis);
        let hub = EventHub::new(&state);
        let id = |k: &vellum_crypto::SecretKey| k.public_key().account_id();
        let viewer = |state: &LedgerState, k: &vellum_crypto::SecretKey| Viewer::new(state, state.account(&id(k)).unwrap());
        let (mut user, mut desk, mut auditor, mut issuer) = (viewer(&state, &f.user), viewer(&state, &f.desk), viewer(&state, &f.auditor), viewer(&state, &f.issuer));
        // Connected as compliance; the role is gone by the next block (as after a governance
        // change of its roles).
        let mut former_compliance = {
            let mut account = state.account(&id(&f.registrar)).unwrap();
            account.roles.push(Role::Compliance);
            account.roles.sort();
            Viewer::new(&state, account)
        };
        let now = Instant::now();
        run(&mut state, &hub, 10_000, &[]);
        assert_eq!(hub.finalized().height, state.height, "publishing installs the state subscribers are checked against");
        for v in [&mut user, &mut desk, &mut auditor, &mut issuer] {
            assert_eq!(v.check(&hub.finalized(), now), Ok(()), "nothing changed for {}", v.account.id);
        }
        assert_eq!(former_compliance.check(&hub.finalized(), now), Err(Reauth::AccessChanged));
        // Frozen; request keys set; signers rotated: each ends that viewer's stream.
        let other = key("ed25519", 42).public_key();
        run(
            &mut state,
            &hub,
            10_001,
            &[
                sign(&f.compliance, &chain_id, 0, TxBody::SetAccountStatus { account: id(&f.user), status: AccountStatus::Frozen, reason: "incident 9".into() }),
                sign(&f.desk, &chain_id, 0, TxBody::SetPurposeKeys { request_keys: vec![other], encryption_recipient: None }),
                sign(&f.auditor, &chain_id, 0, TxBody::SetSigners { set: SignerSet::single(other) }),
            ],
        );
        for v in [&mut user, &mut desk, &mut auditor] {
            assert_eq!(v.check(&hub.finalized(), now), Err(Reauth::AccessChanged), "{}", v.account.id);
        }
        assert_eq!(issuer.check(&hub.finalized(), now), Ok(()), "others are not affected");
        // However unchanged, a signed stream ends after EVENTS_STREAM_LIFETIME_MAX.
        assert_eq!(issuer.check(&hub.finalized(), issuer.expires_at() - Duration::from_millis(1)), Ok(()));
        assert_eq!(issuer.check(&hub.finalized(), issuer.expires_at()), Err(Reauth::Expired));
    }
}

//! Wiring of one validator: simplex consensus (Ed25519 votes) + marshal (ordered delivery and
//! backfill of finalized blocks) + buffered broadcast of blocks + transaction gossip, around
//! the [`App`]. Generic over the runtime and the p2p network so the same code runs on tokio
//! with authenticated TCP and on the deterministic runtime with the simulated network.

use crate::app::{App, run_executor};
use crate::block::ChainBlock;
use crate::core::NodeHandle;
use crate::mempool::MempoolLimits;
use commonware_broadcast::buffered;
use commonware_consensus::marshal::{self, core::Actor as MarshalActor, standard::Inline};
use commonware_consensus::simplex::{self, elector::RoundRobin, scheme::ed25519};
use commonware_consensus::types::{Epoch, FixedEpocher, ViewDelta};
use commonware_cryptography::ed25519::{PrivateKey, PublicKey};
use commonware_cryptography::sha256::{Digest, Sha256};
use commonware_cryptography::{Digestible, Digested, Signer};
use commonware_p2p::{Blocker, Provider, Receiver, Sender};
use commonware_parallel::Sequential;
use commonware_runtime::buffer::paged::{CacheRef, page_size};
use commonware_runtime::{Clock, Handle, Metrics, Spawner, Storage};
use commonware_storage::archive::immutable;
use commonware_utils::ordered::Set;
use commonware_utils::{NZDuration, NZU64, NZUsize, union};
use futures::{FutureExt, StreamExt};
use futures::channel::mpsc;
use std::num::{NonZeroU64, NonZeroUsize};
use std::sync::Arc;
use std::time::Duration;
use tracing::{debug, info, warn};
use vellum_ledger::LedgerState;
use vellum_ledger::validators::epoch_of;
use vellum_storage::Store;
use vellum_types::{Genesis, StateKey};

/// Application namespace; consensus and p2p use distinct sub-namespaces so a signature made
/// for one can never be valid for the other.
pub const NAMESPACE: &[u8] = b"VELLUM";

pub fn consensus_namespace() -> Vec<u8> {
    union(NAMESPACE, b"_CONSENSUS")
}

pub fn p2p_namespace() -> Vec<u8> {
    union(NAMESPACE, b"_P2P")
}

/// p2p channel ids.
pub mod channel {
    pub const VOTES: u64 = 0;
    pub const CERTIFICATES: u64 = 1;
    pub const RESOLVER: u64 = 2;
    pub const BLOCKS: u64 = 3;
    pub const BACKFILL: u64 = 4;
    pub const TXS: u64 = 5;
}

const MAILBOX_SIZE: NonZeroUsize = NZUsize!(1024);
const WRITE_BUFFER: NonZeroUsize = NZUsize!(1 << 20);
const REPLAY_BUFFER: NonZeroUsize = NZUsize!(8 << 20);
const PAGE_CACHE_CAPACITY: NonZeroUsize = NZUsize!(4_096);
const IMMUTABLE_ITEMS_PER_SECTION: NonZeroU64 = NZU64!(262_144);
const PRUNABLE_ITEMS_PER_SECTION: NonZeroU64 = NZU64!(4_096);
/// How often queued audit records are submitted as an audit transaction.
const AUDIT_FLUSH_INTERVAL: Duration = Duration::from_secs(1);
/// How often recorded accepted transactions this node no longer holds are forgotten (in
/// audit-flush ticks).
const ACCEPTED_SWEEP_TICKS: u64 = 30;
/// How long after a restart the replayed accepted transactions are gossiped again: the p2p
/// network needs a moment to reconnect, and gossip to an unconnected peer is dropped.
const REPLAY_GOSSIP_DELAY: Duration = Duration::from_secs(3);
/// Bound on misbehaviour reports awaiting submission.
const MISBEHAVIOR_QUEUE_MAX: usize = 64;

/// Consensus timing. Defaults suit a LAN or loopback devnet.
#[derive(Clone, Debug)]
pub struct Timeouts {
    pub leader: Duration,
    pub certification: Duration,
    pub timeout_retry: Duration,
    pub skip: Duration,
    pub fetch: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            leader: Duration::from_millis(1_000),
            certification: Duration::from_millis(2_000),
            timeout_retry: Duration::from_millis(3_000),
            skip: Duration::from_millis(5_000),
            fetch: Duration::from_millis(1_000),
        }
    }
}

pub struct EngineConfig {
    pub genesis: Arc<Genesis>,
    /// The node account key that signs audit transactions (reads of proof data are recorded
    /// on the ledger only when set).
    pub audit_key: Option<vellum_crypto::SecretKey>,
    /// See [`App`]: the pause before an empty block.
    pub empty_block_interval: Duration,
    pub signer: PrivateKey,
    /// Prefix of every storage partition of this validator (unique per validator when several
    /// share one runtime, as in simulations).
    pub partition_prefix: String,
    pub store: Arc<Store>,
    pub mempool: MempoolLimits,
    pub timeouts: Timeouts,
    /// Correction added to the runtime clock (ms): what a trusted time check measured; a
    /// simulation sets it to give a validator a skewed clock. Shared so a periodic Roughtime
    /// check can update it while the validator runs.
    pub clock: crate::time::CheckedClock,
    /// Called with a monotonic id and the validators to keep p2p connections with (those
    /// signing now plus those governance added for the next epoch) whenever that list changes.
    pub track_peers: TrackPeers,
}

/// See [`EngineConfig::track_peers`].
pub type TrackPeers = Arc<dyn Fn(u64, Vec<vellum_types::GenesisValidator>) + Send + Sync>;

/// The certificate scheme of each epoch, as the ledger decides it: the set recorded by the
/// last validator-set change at or before the epoch. Epochs beyond the one the finalized
/// ledger has reached are unknown (`None`): their set may still change.
#[derive(Clone)]
pub struct EpochSchemes {
    inner: Arc<std::sync::Mutex<EpochSchemesInner>>,
}

struct EpochSchemesInner {
    signer: PrivateKey,
    /// Scheme by the epoch from which it signs.
    sets: std::collections::BTreeMap<u64, Arc<ed25519::Scheme>>,
    known_through: u64,
}

impl EpochSchemes {
    fn new(signer: PrivateKey) -> Self {
        Self { inner: Arc::new(std::sync::Mutex::new(EpochSchemesInner { signer, sets: Default::default(), known_through: 0 })) }
    }

    /// Learns every set the ledger recorded and that epochs up to `known_through` are final.
    fn learn(&self, state: &LedgerState, known_through: u64) {
        let mut inner = self.inner.lock().expect("epoch schemes lock");
        for seq in 0..=state.validator_set_change_count() {
            let record = state.validator_set_change(seq).expect("every change up to the count is recorded");
            if inner.sets.contains_key(&record.effective_epoch) {
                continue;
            }
            let participants = keys_to_set(&record.sorted_keys());
            let scheme = match ed25519::Scheme::signer(&consensus_namespace(), participants.clone(), inner.signer.clone()) {
                Some(s) => s,
                // Not in this set: follow (verify certificates) without voting.
                None => ed25519::Scheme::verifier(&consensus_namespace(), participants),
            };
            inner.sets.insert(record.effective_epoch, Arc::new(scheme));
        }
        inner.known_through = inner.known_through.max(known_through);
    }

    fn get(&self, epoch: u64) -> Option<Arc<ed25519::Scheme>> {
        let inner = self.inner.lock().expect("epoch schemes lock");
        if epoch > inner.known_through {
            return None;
        }
        inner.sets.range(..=epoch).next_back().map(|(_, s)| s.clone())
    }
}

impl commonware_cryptography::certificate::Provider for EpochSchemes {
    type Scope = Epoch;
    type Scheme = ed25519::Scheme;

    fn scoped(&self, scope: Epoch) -> Option<commonware_cryptography::certificate::Scoped<ed25519::Scheme>> {
        let scheme = self.get(scope.get())?;
        use commonware_cryptography::certificate::Scheme as _;
        Some(if scheme.me().is_some() {
            commonware_cryptography::certificate::Scoped::scheme(scheme)
        } else {
            commonware_cryptography::certificate::Scoped::verifier(scheme)
        })
    }

    fn scheme(&self, scope: Epoch) -> Option<Arc<ed25519::Scheme>> {
        self.get(scope.get())
    }
}

fn keys_to_set(keys: &[[u8; 32]]) -> Set<PublicKey> {
    Set::from_iter_dedup(keys.iter().map(|k| PublicKey::try_from(k.as_slice()).expect("the ledger admits only valid Ed25519 keys")))
}

/// The consensus participants of the genesis, sorted, as Commonware orders them.
pub fn participants(genesis: &Genesis) -> Set<PublicKey> {
    keys_to_set(&genesis.sorted_consensus_keys())
}

/// The validators to keep connections with: those signing now and those the next epoch
/// boundary installs.
pub fn peers_to_track(state: &LedgerState) -> Vec<vellum_types::GenesisValidator> {
    let mut all = state.validator_set().validators;
    for v in state.pending_validators() {
        if !all.iter().any(|w| w.consensus_key == v.consensus_key) {
            all.push(v);
        }
    }
    vellum_types::validators::sort_validators(&mut all);
    all
}

fn archive_config<C>(prefix: &str, name: &str, page_cache: &CacheRef, codec: C) -> immutable::Config<C> {
    immutable::Config {
        metadata_partition: format!("{prefix}-{name}-metadata"),
        freezer_table_partition: format!("{prefix}-{name}-freezer-table"),
        freezer_table_initial_size: 1 << 14,
        freezer_table_resize_frequency: 4,
        freezer_table_resize_chunk_size: 1 << 14,
        freezer_key_partition: format!("{prefix}-{name}-freezer-key"),
        freezer_key_page_cache: page_cache.clone(),
        freezer_key_write_buffer: WRITE_BUFFER,
        freezer_value_partition: format!("{prefix}-{name}-freezer-value"),
        freezer_value_write_buffer: WRITE_BUFFER,
        freezer_value_target_size: 1 << 30,
        freezer_value_compression: None,
        ordinal_partition: format!("{prefix}-{name}-ordinal"),
        ordinal_write_buffer: WRITE_BUFFER,
        items_per_section: IMMUTABLE_ITEMS_PER_SECTION,
        codec_config: codec,
        replay_buffer: REPLAY_BUFFER,
    }
}

/// The (sender, receiver) pair of each p2p channel the validator uses.
pub struct Channels<S, R> {
    pub votes: (S, R),
    pub certificates: (S, R),
    pub resolver: (S, R),
    pub blocks: (S, R),
    pub backfill: (S, R),
    pub txs: (S, R),
}

/// Starts every actor of one validator; returns the handle clients use and a task handle that
/// ends when the validator stops.
pub async fn start<E, B, P, S, R>(
    context: E,
    cfg: EngineConfig,
    blocker: B,
    provider: P,
    channels: Channels<S, R>,
) -> (NodeHandle, Handle<()>)
where
    E: Clock + Spawner + Storage + Metrics + rand::CryptoRng + rand::Rng + Send + Sync + 'static,
    B: Blocker<PublicKey = PublicKey>,
    P: Provider<PublicKey = PublicKey>,
    S: Sender<PublicKey = PublicKey>,
    R: Receiver<PublicKey = PublicKey>,
{
    let prefix = cfg.partition_prefix.clone();
    let me = cfg.signer.public_key();

    // Ledger state: whatever this node had durably applied (genesis on first start).
    let finalized = cfg.store.load_state(&cfg.genesis).unwrap_or_else(|e| panic!("cannot load ledger state: {e}"));
    let epoch_length = cfg.genesis.epoch_length();
    let (_, genesis_block) = vellum_ledger::genesis_block(&cfg.genesis);
    let genesis_block = ChainBlock::new(genesis_block);
    let genesis_digest = genesis_block.digest();
    // The epoch of the next block, and the block its consensus starts from: the genesis, or
    // the last block of the previous epoch.
    let start_epoch = epoch_of(finalized.height + 1, epoch_length);
    let schemes = EpochSchemes::new(cfg.signer.clone());
    schemes.learn(&finalized, start_epoch);
    (cfg.track_peers)(finalized.height, peers_to_track(&finalized));
    let (gossip_tx, gossip_rx) = tokio::sync::mpsc::channel(crate::core::GOSSIP_QUEUE_MAX);
    let start_floor_height = (start_epoch * epoch_length.min(u64::MAX / 2)).saturating_sub(1).min(finalized.height);
    let mut node = NodeHandle::new(finalized, cfg.store.clone(), cfg.genesis.clone(), cfg.mempool, gossip_tx);
    let start_floor = if start_epoch == 0 {
        genesis_digest
    } else {
        Digest(node.header(start_floor_height).expect("the boundary block of the current epoch is stored").hash())
    };
    // Checkpoint notes are signed with the validator's Ed25519 key as plain RFC 8032 (no
    // Commonware namespace framing), under the key name `<chain id>/<validator name>`.
    let seed: [u8; 32] = commonware_codec::Encode::encode(&cfg.signer).as_ref().try_into().expect("32-byte Ed25519 seed");
    let note_key = vellum_crypto::SecretKey::from_bytes("ed25519", seed).expect("any 32 bytes are an Ed25519 key");
    node.audit_key = cfg.audit_key.clone().map(Arc::new);
    node.clock = Some(cfg.clock.clone());
    if let Some(v) = cfg.genesis.validators.iter().find(|v| v.consensus_key.as_slice() == me.as_ref()) {
        node.note_key = Some(Arc::new((format!("{}/{}", cfg.genesis.chain_id, v.name), note_key)));
    }

    let page_cache = CacheRef::new(page_size(4_096), PAGE_CACHE_CAPACITY);
    // Validators keep every finalized block and certificate (no pruning): they are the
    // evidence proofs refer to, and what lagging or wiped peers backfill from.
    let finalizations = immutable::Archive::init(
        context.child("finalizations"),
        archive_config(&prefix, "finalizations", &page_cache, <ed25519::Scheme as commonware_cryptography::certificate::Verifier>::certificate_codec_config_unbounded()),
    )
    .await
    .expect("open finalizations archive");
    let blocks: immutable::Archive<E, Digest, Arc<ChainBlock>> =
        immutable::Archive::init(context.child("blocks"), archive_config(&prefix, "blocks", &page_cache, ()))
            .await
            .expect("open blocks archive");

    let (buffer_engine, buffer) = buffered::Engine::new(
        context.child("buffer"),
        buffered::Config {
            public_key: me.clone(),
            mailbox_size: MAILBOX_SIZE,
            deque_size: 16,
            priority: true,
            codec_config: (),
            peer_provider: provider.clone(),
            strategy: Sequential,
        },
    );
    let resolver = marshal::resolver::p2p::init(
        context.child("backfill"),
        marshal::resolver::p2p::Config {
            public_key: me.clone(),
            peer_provider: provider.clone(),
            blocker: blocker.clone(),
            mailbox_size: MAILBOX_SIZE,
            fetch_timeout: NZDuration!(Duration::from_secs(2)),
            fetch_retry_delay: Duration::from_millis(100),
            priority_requests: false,
            priority_responses: false,
        },
        channels.backfill,
    );

    let epocher = FixedEpocher::new(NonZeroU64::new(epoch_length).expect("validated genesis: epochs are non-empty"));
    let (marshal_actor, marshal_mailbox, _floor) = MarshalActor::init(
        context.child("marshal"),
        finalizations,
        blocks,
        marshal::Config {
            provider: schemes.clone(),
            epocher: epocher.clone(),
            start: marshal::Start::Genesis(Digested::precomputed(genesis_block, genesis_digest)),
            partition_prefix: format!("{prefix}-marshal"),
            mailbox_size: MAILBOX_SIZE,
            view_retention: ViewDelta::new(100),
            prunable_items_per_section: PRUNABLE_ITEMS_PER_SECTION,
            page_cache: page_cache.clone(),
            replay_buffer: REPLAY_BUFFER,
            key_write_buffer: WRITE_BUFFER,
            value_write_buffer: WRITE_BUFFER,
            block_codec_config: (),
            max_repair: NZUsize!(64),
            max_pending_acks: NZUsize!(16),
            strategy: Sequential,
        },
    )
    .await;

    // Unbounded in type, bounded by marshal: it stops delivering finalized blocks while
    // `max_pending_acks` (16) of them wait for the executor's acknowledgement, so at most 16
    // are ever queued here; nothing to drop.
    let (finalized_tx, finalized_rx) = mpsc::unbounded();
    assert!(cfg.empty_block_interval < cfg.timeouts.leader / 2, "empty-block interval must stay well below the leader timeout");
    let app = App { node: node.clone(), finalized_tx, empty_block_interval: cfg.empty_block_interval, clock: cfg.clock.clone() };
    let inline: Inline<E, ed25519::Scheme, App, ChainBlock, FixedEpocher> =
        Inline::new(context.child("inline"), app.clone(), marshal_mailbox.clone(), epocher);

    // One message per finished epoch, sent by the executor after the epoch's last block: at most
    // one is queued while the next epoch's engine starts (the executor cannot finish another
    // epoch before that engine finalizes its blocks).
    let (epoch_tx, epoch_rx) = mpsc::unbounded();
    let (misbehavior_tx, misbehavior_rx) = mpsc::channel(MISBEHAVIOR_QUEUE_MAX);
    let epochs = Epochs {
        prefix: prefix.clone(),
        timeouts: cfg.timeouts.clone(),
        page_cache,
        blocker,
        inline,
        watcher: MisbehaviorWatcher { reports: misbehavior_tx, schemes: schemes.clone() },
        schemes: schemes.clone(),
        marshal: marshal_mailbox.clone(),
        epoch_length,
    };

    // Order matters on restart: the executor and marshal must be running before consensus
    // replays its journal, or replayed events wait on a full mailbox.
    let executor = context.child("executor").spawn({
        let node = node.clone();
        let marshal = marshal_mailbox.clone();
        let transitions = EpochTransitions { schemes, epoch_length, enter: epoch_tx, track_peers: cfg.track_peers.clone() };
        move |_| run_executor(node, marshal, finalized_rx, transitions)
    });
    // Its own thread: admitting a gossiped batch is milliseconds of signature checks, which
    // must not hold a thread of the shared executor that consensus runs on.
    let gossip = context.child("gossip").dedicated().spawn({
        let node = node.clone();
        move |_| crate::gossip::run(node, gossip_rx, channels.txs)
    });
    // Accepted transactions this node recorded before a crash or stop: back into the mempool
    // now, to the other validators once the network is up.
    let replayed = node.replay_accepted();
    if !replayed.is_empty() {
        info!(count = replayed.len(), "replayed accepted transactions from disk");
        let gossip = node.gossip.clone();
        context.child("replay").spawn(move |ctx| async move {
            ctx.sleep(REPLAY_GOSSIP_DELAY).await;
            // A replay waits for room in the gossip queue (no client is waiting on it).
            for bytes in replayed {
                if gossip.send(bytes).await.is_err() {
                    return;
                }
            }
        });
    }
    let auditor = context.child("audit").spawn({
        let node = node.clone();
        let mut misbehavior_rx = misbehavior_rx;
        move |ctx| async move {
            // Reads are recorded on the ledger in batches, at most a second late; so is
            // misbehaviour this validator's engine proved.
            for tick in 1u64.. {
                if tick % ACCEPTED_SWEEP_TICKS == 0 {
                    node.sweep_accepted();
                }
                ctx.sleep(AUDIT_FLUSH_INTERVAL).await;
                let now = commonware_utils::SystemTimeExt::epoch_millis(&ctx.current());
                while node.flush_audit(now) > 0 {}
                while let Ok(report) = misbehavior_rx.try_recv() {
                    node.report_misbehavior(report);
                }
            }
        }
    });
    let buffer_handle = buffer_engine.start(channels.blocks);
    let marshal_handle = marshal_actor.start(app, buffer, resolver);
    let consensus_handle = context.child("epochs").spawn(move |ctx| {
        epochs.run(ctx, (start_epoch, start_floor), epoch_rx, channels.votes, channels.certificates, channels.resolver)
    });

    let all = context.child("supervisor").spawn(move |_| async move {
        let results = futures::future::join_all([executor, gossip, auditor, buffer_handle, marshal_handle, consensus_handle]).await;
        for r in results {
            if let Err(e) = r {
                warn!(error = ?e, "validator task ended with an error");
            }
        }
    });
    (node, all)
}

/// Runs one simplex engine per epoch (Commonware's model): the executor reports each finished
/// epoch (its last block finalized and applied), and the next epoch's engine starts from that
/// block with the set the ledger installed. Vote, certificate and resolver traffic is
/// multiplexed by epoch; traffic from a later epoch than ours means this node is behind, so
/// marshal is asked to fetch the finalization of our epoch's last block from that peer.
struct Epochs<E: Clock + Spawner + Storage + Metrics + rand::CryptoRng + rand::Rng, B> {
    prefix: String,
    timeouts: Timeouts,
    page_cache: CacheRef,
    blocker: B,
    inline: Inline<E, ed25519::Scheme, App, ChainBlock, FixedEpocher>,
    watcher: MisbehaviorWatcher,
    schemes: EpochSchemes,
    marshal: crate::app::MarshalMailbox,
    epoch_length: u64,
}

type InlineApp<E> = Inline<E, ed25519::Scheme, App, ChainBlock, FixedEpocher>;
type SimplexConfig<E, B> = simplex::Config<
    ed25519::Scheme,
    RoundRobin<Sha256>,
    B,
    Digest,
    InlineApp<E>,
    InlineApp<E>,
    commonware_consensus::Reporters<InlineApp<E>, MisbehaviorWatcher>,
    Sequential,
>;

/// The executor's side of epoch changes.
pub(crate) struct EpochTransitions {
    schemes: EpochSchemes,
    epoch_length: u64,
    enter: mpsc::UnboundedSender<(u64, Digest)>,
    track_peers: TrackPeers,
}

impl EpochTransitions {
    /// After block `height` is durably applied: learn a new set, reconnect to a changed peer
    /// list, and at an epoch's last block start the next epoch's engine.
    pub(crate) fn after_block(&self, outcome: &vellum_ledger::BlockOutcome, tracked: &mut Vec<vellum_types::GenesisValidator>) {
        let state = &outcome.state;
        // The peer list derives from the current and pending sets: recomputed only in a block
        // that wrote one of them (`touched` is sorted).
        let wrote = |key: StateKey| outcome.touched.binary_search(&key.hash()).is_ok();
        if wrote(StateKey::ValidatorSet) || wrote(StateKey::ValidatorsPending) {
            let peers = peers_to_track(state);
            if peers != *tracked {
                (self.track_peers)(state.height, peers.clone());
                *tracked = peers;
            }
        }
        if vellum_ledger::validators::is_epoch_boundary(state.height, self.epoch_length) {
            let next = epoch_of(state.height, self.epoch_length) + 1;
            self.schemes.learn(state, next);
            let _ = self.enter.unbounded_send((next, Digest(state.block_hash)));
        }
    }
}

struct ActiveEpoch {
    epoch: u64,
    handle: Handle<()>,
}

impl Drop for ActiveEpoch {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

impl<E, B> Epochs<E, B>
where
    E: Clock + Spawner + Storage + Metrics + rand::CryptoRng + rand::Rng + Send + Sync + 'static,
    B: Blocker<PublicKey = PublicKey>,
{
    async fn run<S, R>(
        self,
        context: E,
        (start_epoch, start_floor): (u64, Digest),
        mut enter: mpsc::UnboundedReceiver<(u64, Digest)>,
        votes: (S, R),
        certificates: (S, R),
        resolver: (S, R),
    ) where
        S: Sender<PublicKey = PublicKey>,
        R: Receiver<PublicKey = PublicKey>,
    {
        use commonware_p2p::utils::mux::{Builder, Muxer};
        let (mux, mut vote_mux, mut vote_backup) = Muxer::builder(context.child("vote_mux"), votes.0, votes.1).with_backup().build();
        mux.start();
        let (mux, mut certificate_mux, mut certificate_backup) =
            Muxer::builder(context.child("certificate_mux"), certificates.0, certificates.1).with_backup().build();
        mux.start();
        let (mux, mut resolver_mux) = Muxer::new(context.child("resolver_mux"), resolver.0, resolver.1);
        mux.start();

        let mut active: Option<ActiveEpoch> = None;
        let mut pending = Some((start_epoch, start_floor));
        loop {
            if let Some((epoch, floor)) = pending.take() {
                if active.as_ref().is_some_and(|a| a.epoch >= epoch) {
                    continue;
                }
                let Some(scheme) = self.schemes.get(epoch) else {
                    panic!("no validator set known for epoch {epoch}");
                };
                let engine = simplex::Engine::new(
                    context.child("consensus").with_attribute("epoch", epoch),
                    self.simplex_config(epoch, floor, scheme.as_ref().clone()),
                );
                let (Ok(v), Ok(c), Ok(r)) =
                    (vote_mux.register(epoch).await, certificate_mux.register(epoch).await, resolver_mux.register(epoch).await)
                else {
                    warn!(epoch, "p2p muxer closed");
                    return;
                };
                let previous = active.replace(ActiveEpoch { epoch, handle: engine.start(v, c, r) });
                drop(previous);
                info!(epoch, participant = { use commonware_cryptography::certificate::Scheme as _; scheme.me().is_some() }, "entered epoch");
                // Journals of epochs before the previous one are no longer needed.
                if let Some(old) = epoch.checked_sub(2) {
                    let _ = context.remove(&self.partition(old), None).await;
                }
            }
            let our = active.as_ref().map_or(0, |a| a.epoch);
            futures::select! {
                next = enter.next() => match next {
                    Some(next) => pending = Some(next),
                    None => return,
                },
                backup = vote_backup.recv().fuse() => match backup {
                    Some((their, (from, _))) => self.behind(our, their, from),
                    None => return,
                },
                backup = certificate_backup.recv().fuse() => match backup {
                    Some((their, (from, _))) => self.behind(our, their, from),
                    None => return,
                },
            }
        }
    }

    fn partition(&self, epoch: u64) -> String {
        format!("{}-consensus-{epoch}", self.prefix)
    }

    /// A message for epoch `their` arrived while we run `our`.
    fn behind(&self, our: u64, their: u64, from: PublicKey) {
        if their <= our {
            return;
        }
        let Some(last) = (our + 1).checked_mul(self.epoch_length).map(|h| h - 1) else { return };
        debug!(our, their, "peer is in a later epoch: fetching the finalization of our epoch's last block");
        self.marshal.hint_finalized(commonware_consensus::types::Height::new(last), commonware_utils::vec::NonEmptyVec::new(from));
    }

    fn simplex_config(
        &self,
        epoch: u64,
        floor: Digest,
        scheme: ed25519::Scheme,
    ) -> SimplexConfig<E, B> {
        let t = &self.timeouts;
        simplex::Config {
            scheme,
            elector: RoundRobin::<Sha256>::default(),
            blocker: self.blocker.clone(),
            automaton: self.inline.clone(),
            relay: self.inline.clone(),
            reporter: commonware_consensus::Reporters::from((self.inline.clone(), self.watcher.clone())),
            track_historical_votes: false,
            strategy: Sequential,
            partition: self.partition(epoch),
            mailbox_size: MAILBOX_SIZE,
            epoch: Epoch::new(epoch),
            floor: simplex::Floor::Genesis(floor),
            replay_buffer: REPLAY_BUFFER,
            write_buffer: WRITE_BUFFER,
            page_cache: self.page_cache.clone(),
            leader_timeout: t.leader,
            certification_timeout: t.certification,
            timeout_retry: t.timeout_retry,
            view_retention: ViewDelta::new(10),
            skip: simplex::SkipPolicy::Enabled { timeout: t.skip, budget: simplex::SkipBudget::Participants },
            fetch_timeout: NZDuration!(Duration::from_secs(1)),
            fetch_retry_delay: Duration::from_millis(100),
            forward: simplex::ForwardPolicy::Disabled,
        }
    }
}

/// Misbehaviour Commonware's simplex proved (two conflicting signed votes), on its way to the
/// ledger as a `ReportMisbehavior` transaction signed by this validator's node account.
#[derive(Clone, Debug)]
pub struct MisbehaviorReport {
    pub validator: [u8; 32],
    pub kind: vellum_types::validators::MisbehaviorKind,
    pub epoch: u64,
    pub view: u64,
    pub evidence: Vec<u8>,
}

/// Watches consensus activity for equivocation.
#[derive(Clone)]
struct MisbehaviorWatcher {
    reports: mpsc::Sender<MisbehaviorReport>,
    schemes: EpochSchemes,
}

/// The two signed votes of a conflict, in the ledger's form (which re-verifies them).
/// Commonware encodes each conflict as its two votes back to back; its fields are private.
fn vote_evidence(
    activity: &commonware_consensus::simplex::types::Activity<ed25519::Scheme, Digest>,
) -> Option<vellum_types::validators::MisbehaviorEvidence> {
    use commonware_codec::{Encode, Read};
    use commonware_consensus::Viewable;
    use commonware_consensus::simplex::types::{Activity, Finalize, Notarize, Nullify, Proposal};
    use vellum_types::validators::{MisbehaviorEvidence, SignedVote, VoteKind};
    fn signature(s: &impl Encode) -> Option<[u8; 64]> {
        s.encode().as_ref().try_into().ok()
    }
    fn on_proposal(kind: VoteKind, p: &Proposal<Digest>, sig: Option<[u8; 64]>) -> Option<SignedVote> {
        Some(SignedVote { kind, parent_view: p.parent.get(), payload: p.payload.as_ref().try_into().ok()?, signature: sig? })
    }
    type N = Notarize<ed25519::Scheme, Digest>;
    type F = Finalize<ed25519::Scheme, Digest>;
    let (first, second) = match activity {
        Activity::ConflictingNotarize(e) => {
            let mut buf = e.encode();
            let (a, b) = (N::read_cfg(&mut buf, &()).ok()?, N::read_cfg(&mut buf, &()).ok()?);
            (
                on_proposal(VoteKind::Notarize, &a.proposal, signature(&a.attestation.signature))?,
                on_proposal(VoteKind::Notarize, &b.proposal, signature(&b.attestation.signature))?,
            )
        }
        Activity::ConflictingFinalize(e) => {
            let mut buf = e.encode();
            let (a, b) = (F::read_cfg(&mut buf, &()).ok()?, F::read_cfg(&mut buf, &()).ok()?);
            (
                on_proposal(VoteKind::Finalize, &a.proposal, signature(&a.attestation.signature))?,
                on_proposal(VoteKind::Finalize, &b.proposal, signature(&b.attestation.signature))?,
            )
        }
        Activity::NullifyFinalize(e) => {
            let mut buf = e.encode();
            let (a, b) = (Nullify::<ed25519::Scheme>::read_cfg(&mut buf, &()).ok()?, F::read_cfg(&mut buf, &()).ok()?);
            debug_assert_eq!(a.view(), b.view());
            (
                SignedVote { kind: VoteKind::Nullify, parent_view: 0, payload: [0; 32], signature: signature(&a.attestation.signature)? },
                on_proposal(VoteKind::Finalize, &b.proposal, signature(&b.attestation.signature))?,
            )
        }
        _ => return None,
    };
    Some(MisbehaviorEvidence { first, second })
}

impl commonware_consensus::Reporter for MisbehaviorWatcher {
    type Activity = commonware_consensus::simplex::types::Activity<ed25519::Scheme, Digest>;

    fn report(&mut self, activity: Self::Activity) -> commonware_actor::Feedback {
        use commonware_consensus::simplex::types::{Activity, Attributable};
        use commonware_consensus::{Epochable, Viewable};
        use vellum_types::validators::MisbehaviorKind as K;
        let (signer, kind) = match &activity {
            Activity::ConflictingNotarize(e) => (e.signer(), K::ConflictingNotarize),
            Activity::ConflictingFinalize(e) => (e.signer(), K::ConflictingFinalize),
            Activity::NullifyFinalize(e) => (e.signer(), K::NullifyFinalize),
            _ => return commonware_actor::Feedback::Ok,
        };
        let epoch = activity.epoch().get();
        // Simplex names the signer by its index in the epoch's (sorted) participant set.
        let Some(key) = self.schemes.get(epoch).and_then(|s| {
            use commonware_cryptography::certificate::Scheme as _;
            use commonware_utils::ordered::Quorum as _;
            s.participants().key(signer).map(|k| <[u8; 32]>::try_from(k.as_ref()).expect("Ed25519 keys are 32 bytes"))
        }) else {
            return commonware_actor::Feedback::Ok;
        };
        let Some(evidence) = vote_evidence(&activity) else {
            warn!(kind = kind.name(), "misbehaviour evidence in an unexpected encoding; not reported");
            return commonware_actor::Feedback::Ok;
        };
        let report = MisbehaviorReport {
            validator: key,
            kind,
            epoch: activity.epoch().get(),
            view: activity.view().get(),
            evidence: borsh::to_vec(&evidence).expect("borsh"),
        };
        warn!(kind = kind.name(), epoch = report.epoch, view = report.view, "validator misbehaviour proved by consensus");
        // A full queue drops the report (said loudly): consensus must never wait on this, and
        // a validator misbehaving that often is already in the log and the ledger many times.
        if self.reports.try_send(report).is_err() {
            warn!(kind = kind.name(), queued_max = MISBEHAVIOR_QUEUE_MAX, "misbehaviour report queue full: this report is not submitted");
        }
        commonware_actor::Feedback::Ok
    }
}

//! Wiring of one validator: simplex consensus (Ed25519 votes) + marshal (ordered delivery and
//! backfill of finalized blocks) + buffered broadcast of blocks + transaction gossip, around
//! the [`App`]. Generic over the runtime and the p2p network so the same code runs on tokio
//! with authenticated TCP and on the deterministic runtime with the simulated network.

use crate::app::App;
use crate::epochs::{EpochSchemes, EpochTransitions, Epochs};
use crate::executor::{FinalizedQueue, MARSHAL_PENDING_ACKS_MAX, run_executor};
use crate::misbehaviour::{MISBEHAVIOR_QUEUE_MAX, MisbehaviorWatcher};
use crate::block::ChainBlock;
use crate::core::NodeHandle;
use crate::mempool::MempoolLimits;
use commonware_broadcast::buffered;
use commonware_consensus::marshal::{self, core::Actor as MarshalActor, standard::Inline};
use commonware_consensus::simplex::scheme::ed25519;
use commonware_consensus::types::{FixedEpocher, ViewDelta};
use commonware_cryptography::ed25519::{PrivateKey, PublicKey};
use commonware_cryptography::sha256::Digest;
use commonware_cryptography::{Digestible, Digested, Signer};
use commonware_p2p::{Blocker, Provider, Receiver, Sender};
use commonware_parallel::Sequential;
use commonware_runtime::buffer::paged::{CacheRef, page_size};
use commonware_runtime::{Clock, Handle, Metrics, Spawner, Storage};
use commonware_storage::archive::immutable;
use commonware_utils::{NZDuration, NZU64, NZUsize, union};
use std::num::{NonZeroU64, NonZeroUsize};
use std::sync::Arc;
use std::time::Duration;
use tracing::{info, warn};
use vellum_ledger::LedgerState;
use vellum_ledger::validators::epoch_of;
use vellum_storage::Store;
use vellum_types::Genesis;

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

pub(crate) const MAILBOX_SIZE: NonZeroUsize = NZUsize!(1024);
pub(crate) const WRITE_BUFFER: NonZeroUsize = NZUsize!(1 << 20);
pub(crate) const REPLAY_BUFFER: NonZeroUsize = NZUsize!(8 << 20);
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
    pub audit_key: Option<vellum_crypto::Signer>,
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

pub use crate::epochs::participants;
pub use crate::misbehaviour::MisbehaviorReport;

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
            max_pending_acks: NonZeroUsize::new(MARSHAL_PENDING_ACKS_MAX).expect("non-zero"),
            strategy: Sequential,
        },
    )
    .await;

    // Bounded by marshal's own bound on unacknowledged blocks; see `FinalizedQueue`.
    let (finalized, finalized_rx) = FinalizedQueue::new();
    assert!(cfg.empty_block_interval < cfg.timeouts.leader / 2, "empty-block interval must stay well below the leader timeout");
    let app = App { node: node.clone(), finalized, empty_block_interval: cfg.empty_block_interval, clock: cfg.clock.clone() };
    let inline: Inline<E, ed25519::Scheme, App, ChainBlock, FixedEpocher> =
        Inline::new(context.child("inline"), app.clone(), marshal_mailbox.clone(), epocher);

    // The newest finished epoch, from the executor (newest wins: see `EpochTransitions`).
    let (epoch_tx, epoch_rx) = tokio::sync::watch::channel(None);
    let (misbehavior_tx, misbehavior_rx) = tokio::sync::mpsc::channel(MISBEHAVIOR_QUEUE_MAX);
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

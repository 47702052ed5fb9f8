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
use commonware_cryptography::certificate::ConstantProvider;
use commonware_cryptography::ed25519::{PrivateKey, PublicKey};
use commonware_cryptography::sha256::{Digest, Sha256};
use commonware_cryptography::{Digestible, Digested, Signer};
use commonware_p2p::{Blocker, Provider, Receiver, Recipients, Sender};
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
use tracing::{debug, warn};
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

const MAILBOX_SIZE: NonZeroUsize = NZUsize!(1024);
const WRITE_BUFFER: NonZeroUsize = NZUsize!(1 << 20);
const REPLAY_BUFFER: NonZeroUsize = NZUsize!(8 << 20);
const PAGE_CACHE_CAPACITY: NonZeroUsize = NZUsize!(4_096);
const IMMUTABLE_ITEMS_PER_SECTION: NonZeroU64 = NZU64!(262_144);
const PRUNABLE_ITEMS_PER_SECTION: NonZeroU64 = NZU64!(4_096);
/// How often queued audit records are submitted as an audit transaction.
const AUDIT_FLUSH_INTERVAL: Duration = Duration::from_secs(1);
/// One epoch for the whole chain until validator-set changes (governance issue) arrive.
const EPOCH_LENGTH: NonZeroU64 = NZU64!(u64::MAX);

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
    /// simulation sets it to give a validator a skewed clock.
    pub clock_offset_ms: i64,
}

/// The consensus participants, sorted, as Commonware orders them.
pub fn participants(genesis: &Genesis) -> Set<PublicKey> {
    Set::from_iter_dedup(genesis.validators.iter().map(|v| {
        PublicKey::try_from(v.consensus_key.as_slice()).expect("genesis consensus keys are valid Ed25519 keys")
    }))
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
    let participants = participants(&cfg.genesis);
    let scheme = ed25519::Scheme::signer(&consensus_namespace(), participants.clone(), cfg.signer.clone())
        .expect("this validator's key is in the genesis validator set");

    // Ledger state: whatever this node had durably applied (genesis on first start).
    let finalized = cfg.store.load_state(&cfg.genesis).unwrap_or_else(|e| panic!("cannot load ledger state: {e}"));
    let (_, genesis_block) = vellum_ledger::genesis_block(&cfg.genesis);
    let genesis_block = ChainBlock::new(genesis_block);
    let genesis_digest = genesis_block.digest();

    let (gossip_tx, gossip_rx) = mpsc::unbounded();
    let mut node = NodeHandle::new(finalized, cfg.store.clone(), cfg.genesis.clone(), cfg.mempool, gossip_tx);
    // Checkpoint notes are signed with the validator's Ed25519 key as plain RFC 8032 (no
    // Commonware namespace framing), under the key name `<chain id>/<validator name>`.
    let seed: [u8; 32] = commonware_codec::Encode::encode(&cfg.signer).as_ref().try_into().expect("32-byte Ed25519 seed");
    let note_key = vellum_crypto::SecretKey::from_bytes("ed25519", seed).expect("any 32 bytes are an Ed25519 key");
    node.audit_key = cfg.audit_key.clone().map(Arc::new);
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

    let epocher = FixedEpocher::new(EPOCH_LENGTH);
    let (marshal_actor, marshal_mailbox, _floor) = MarshalActor::init(
        context.child("marshal"),
        finalizations,
        blocks,
        marshal::Config {
            provider: ConstantProvider::<ed25519::Scheme, Epoch>::new(scheme.clone()),
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

    let (finalized_tx, finalized_rx) = mpsc::unbounded();
    assert!(cfg.empty_block_interval < cfg.timeouts.leader / 2, "empty-block interval must stay well below the leader timeout");
    let app = App { node: node.clone(), finalized_tx, empty_block_interval: cfg.empty_block_interval, clock_offset_ms: cfg.clock_offset_ms };
    let inline: Inline<E, ed25519::Scheme, App, ChainBlock, FixedEpocher> =
        Inline::new(context.child("inline"), app.clone(), marshal_mailbox.clone(), epocher);

    let t = &cfg.timeouts;
    let engine = simplex::Engine::new(
        context.child("consensus"),
        simplex::Config {
            scheme,
            elector: RoundRobin::<Sha256>::default(),
            blocker,
            automaton: inline.clone(),
            relay: inline.clone(),
            reporter: inline,
            track_historical_votes: false,
            strategy: Sequential,
            partition: format!("{prefix}-consensus"),
            mailbox_size: MAILBOX_SIZE,
            epoch: Epoch::zero(),
            floor: simplex::Floor::Genesis(genesis_digest),
            replay_buffer: REPLAY_BUFFER,
            write_buffer: WRITE_BUFFER,
            page_cache,
            leader_timeout: t.leader,
            certification_timeout: t.certification,
            timeout_retry: t.timeout_retry,
            view_retention: ViewDelta::new(10),
            skip: simplex::SkipPolicy::Enabled { timeout: t.skip, budget: simplex::SkipBudget::Participants },
            fetch_timeout: NZDuration!(Duration::from_secs(1)),
            fetch_retry_delay: Duration::from_millis(100),
            forward: simplex::ForwardPolicy::Disabled,
        },
    );

    // Order matters on restart: the executor and marshal must be running before consensus
    // replays its journal, or replayed events wait on a full mailbox.
    let executor = context.child("executor").spawn({
        let node = node.clone();
        let marshal = marshal_mailbox.clone();
        move |_| run_executor(node, marshal, finalized_rx)
    });
    let gossip = context.child("gossip").spawn({
        let node = node.clone();
        move |_| run_gossip(node, gossip_rx, channels.txs)
    });
    let auditor = context.child("audit").spawn({
        let node = node.clone();
        move |ctx| async move {
            // Reads are recorded on the ledger in batches, at most a second late.
            loop {
                ctx.sleep(AUDIT_FLUSH_INTERVAL).await;
                let now = commonware_utils::SystemTimeExt::epoch_millis(&ctx.current());
                while node.flush_audit(now) > 0 {}
            }
        }
    });
    let buffer_handle = buffer_engine.start(channels.blocks);
    let marshal_handle = marshal_actor.start(app, buffer, resolver);
    let consensus_handle = engine.start(channels.votes, channels.certificates, channels.resolver);

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

/// Sends admitted transactions to every validator and admits theirs. Gossiped transactions
/// are not re-gossiped (every validator is directly connected to every other).
async fn run_gossip<S, R>(node: NodeHandle, mut outbound: mpsc::UnboundedReceiver<Vec<u8>>, (mut sender, mut receiver): (S, R))
where
    S: Sender<PublicKey = PublicKey>,
    R: Receiver<PublicKey = PublicKey>,
{
    loop {
        futures::select! {
            tx = outbound.next() => match tx {
                Some(bytes) => {
                    sender.send(Recipients::All, bytes, false);
                }
                None => return,
            },
            msg = receiver.recv().fuse() => match msg {
                Ok((peer, bytes)) => {
                    if let Err(e) = node.admit(bytes.as_ref()) {
                        debug!(?peer, error = %e, "gossiped transaction not admitted");
                    }
                }
                Err(_) => return,
            },
        }
    }
}

//! The production runner: tokio runtime, authenticated encrypted TCP p2p whose peer set is
//! exactly the genesis validator set (connections from any other key are refused).

use crate::config::{NodeConfig, load_genesis, load_key};
use crate::core::NodeHandle;
use crate::engine::{self, Channels, EngineConfig, channel};
use crate::block::ChainBlock;
use commonware_consensus::marshal::standard::Standard;
use commonware_consensus::{marshal, simplex, simplex::scheme::ed25519};
use commonware_cryptography::{ChaCha20Poly1305, Signer, ed25519::PublicKey, sha256::Digest};
use commonware_p2p::authenticated::lookup;
use commonware_p2p::{Address, AddressableManager, max_message_size};
use commonware_runtime::{Quota, Runner, Supervisor, tokio};
use commonware_stream::cups::{self, Cups};
use commonware_stream::sake::{self, Sake};
use commonware_utils::ordered::Map;
use commonware_utils::{NZU32, NZUsize};
use std::net::SocketAddr;
use std::num::{NonZeroU32, NonZeroUsize};
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;
use vellum_storage::Store;
use vellum_types::limits::TX_BYTES_MAX;

/// Default per-peer, per-channel message rate. Commonware's examples use 10/s, which caps a
/// network at a few blocks per second (RESEARCH.md); a validator set is trusted not to flood.
pub const P2P_CHANNEL_RATE_PER_SECOND: NonZeroU32 = NZU32!(2_000);
/// Gossip messages carry batches now (`crate::gossip`), but a validator of the previous version
/// sends one transaction per message, and an idle one sends batches of one: that channel keeps
/// a much higher rate.
pub const P2P_TX_RATE_PER_SECOND: NonZeroU32 = NZU32!(50_000);
/// Burst allowances. Commonware sizes each channel's inbound queue as
/// `retained peers x burst`, allocated up front; with a burst equal to the rate and peer sets
/// sized for `VALIDATORS_MAX`, that was ~1.5 GB per process (measured: `vellum devnet up`
/// never got past channel registration). Inbound traffic over the rate is throttled, not
/// dropped, so the burst only bounds how much one peer may queue at once. At 64 and 256 the
/// queues still took ~60 MiB of a validator's heap (heaptrack); a simplex view is a handful of
/// messages per peer and a gossip message now carries a batch, so 32 and 64 are ample.
pub const P2P_CHANNEL_BURST_MAX: NonZeroU32 = NZU32!(32);
pub const P2P_TX_BURST_MAX: NonZeroU32 = NZU32!(64);
/// Peer sets kept connected: the current validator set and the one before a change is
/// enough (we track a new set only at epoch boundaries).
pub const P2P_TRACKED_PEER_SETS: NonZeroUsize = NZUsize!(2);

#[derive(Debug, Error)]
pub enum RunError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("cannot create data directory {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error("cannot open ledger storage: {0}")]
    Store(#[from] vellum_storage::OpenError),
    #[error("genesis validator {name} has an unusable address `{address}`")]
    Address { name: String, address: String },
}

/// Runs a validator until the process is stopped. `on_ready` receives the node handle once
/// the node is up (the binary starts the HTTP API with it).
pub fn run_validator(config: NodeConfig, on_ready: impl FnOnce(NodeHandle) + Send + 'static) -> Result<(), RunError> {
    let genesis = Arc::new(load_genesis(&config.genesis)?);
    // Unlocked once, here: a keystore's password is read from a file, a systemd credential or
    // the environment, and a token key stays in its token behind one logged-in session.
    let (plain, password) = (config.insecure_plain_keys, config.key_password_file.as_deref());
    let signer = load_key(&config.key, plain, password)?;
    let audit_key = config.audit_key.as_deref().map(|k| crate::config::load_account_key(k, plain, password)).transpose()?;
    let me = signer.public_key();
    if let Some(v) = genesis.validators.iter().find(|v| v.consensus_key.as_slice() == me.as_ref())
        && v.name != config.name
    {
        return Err(crate::config::ConfigError::NotAValidator(config.name.clone()).into());
    }
    // A key outside the genesis set runs too: it follows the chain (verifying certificates)
    // and starts voting at the epoch governance adds it for.
    for v in &genesis.validators {
        let address = config.peer_addresses.get(&v.name).unwrap_or(&v.address);
        address.parse::<SocketAddr>().map_err(|_| RunError::Address { name: v.name.clone(), address: address.clone() })?;
    }
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|source| RunError::DataDir { path: config.data_dir.display().to_string(), source })?;
    let store = Arc::new(Store::open(&config.data_dir.join("ledger.redb"), &genesis)?);

    let clock = if config.roughtime.is_empty() {
        crate::time::CheckedClock::fixed(0)
    } else {
        let clock = crate::time::CheckedClock::unchecked();
        crate::time::spawn_checks(config.roughtime.clone(), clock.clone());
        clock
    };
    let runtime = tokio::Config::new()
        .with_worker_threads(2)
        .with_storage_directory(config.data_dir.join("consensus"))
        .with_catch_panics(false);
    tokio::Runner::new(runtime).start(|context| async move {
        tokio::telemetry::init(
            context.child("telemetry"),
            tokio::telemetry::Logs { level: tracing::Level::INFO, json: false },
            None,
            None,
        );
        // Sized for the largest validator set governance may create, not the genesis one.
        let n = vellum_types::limits::VALIDATORS_MAX as u32;
        let max_message = max_message_size(&[
            simplex::max_payload_size::<ed25519::Scheme, Digest>(n),
            marshal::max_payload_size::<Standard<ChainBlock>, ed25519::Scheme>(n, &()),
            TX_BYTES_MAX + 16,
        ]);
        let handshake = Cups::<_, ChaCha20Poly1305>::new(
            Sake {
                signer: signer.clone(),
                synchrony_bound: Duration::from_secs(5),
                max_handshake_age: Duration::from_secs(10),
                version: sake::Version::V1,
            },
            cups::Version::V1,
        );
        let limit = NZUsize!(vellum_types::limits::VALIDATORS_MAX + 1);
        let mut p2p = if config.allow_private_ips {
            lookup::Config::local(handshake, &engine::p2p_namespace(), config.p2p_listen, limit, max_message, NZUsize!(4096))
        } else {
            lookup::Config::recommended(handshake, &engine::p2p_namespace(), config.p2p_listen, limit, max_message, NZUsize!(4096))
        };
        p2p.allow_private_ips = config.allow_private_ips;
        p2p.tracked_peer_sets = P2P_TRACKED_PEER_SETS;
        let (mut network, oracle) = lookup::Network::new(context.child("network"), p2p);
        let rate = config.p2p_channel_rate_per_second.and_then(NonZeroU32::new).unwrap_or(P2P_CHANNEL_RATE_PER_SECOND);
        let quota = Quota::per_second(rate).allow_burst(rate.min(P2P_CHANNEL_BURST_MAX));
        let channels = Channels {
            votes: network.register(channel::VOTES, quota),
            certificates: network.register(channel::CERTIFICATES, quota),
            resolver: network.register(channel::RESOLVER, quota),
            blocks: network.register(channel::BLOCKS, quota),
            backfill: network.register(channel::BACKFILL, quota),
            txs: network.register(channel::TXS, Quota::per_second(P2P_TX_RATE_PER_SECOND).allow_burst(P2P_TX_BURST_MAX)),
        };
        let network_handle = network.start();
        // The peers are the validators the ledger names (now and for the next epoch), at their
        // on-ledger address unless this node's config overrides it (NAT, a proxy).
        let track_peers: engine::TrackPeers = {
            let oracle = std::sync::Mutex::new(oracle.clone());
            let overrides = config.peer_addresses.clone();
            Arc::new(move |id, validators| {
                let peers = validators.iter().filter_map(|v| {
                    let address = overrides.get(&v.name).unwrap_or(&v.address);
                    let Ok(addr) = address.parse::<SocketAddr>() else {
                        tracing::warn!(validator = %v.name, %address, "validator address unusable; not connecting");
                        return None;
                    };
                    Some((PublicKey::try_from(v.consensus_key.as_slice()).expect("ledger-validated key"), Address::from(addr)))
                });
                let map: Map<PublicKey, Address> = Map::from_iter_dedup(peers);
                tracing::info!(id, peers = map.len(), "tracking validator peers");
                oracle.lock().expect("oracle lock").track(id, map);
            })
        };
        let cfg = EngineConfig {
            genesis: genesis.clone(),
            empty_block_interval: config.empty_block_interval(),
            audit_key,
            signer,
            partition_prefix: "vellum".into(),
            store,
            mempool: config.mempool_limits(),
            timeouts: config.timeouts(),
            clock: clock.clone(),
            track_peers,
        };
        let (node, handle) = engine::start(context.child("validator"), cfg, oracle.clone(), oracle, channels).await;

        on_ready(node);
        let _ = futures::future::select(handle, network_handle).await;
    });
    Ok(())
}

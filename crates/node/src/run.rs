//! The production runner: tokio runtime, authenticated encrypted TCP p2p whose peer set is
//! exactly the genesis validator set (connections from any other key are refused).

use crate::config::{NodeConfig, load_genesis, load_key};
use crate::core::NodeHandle;
use crate::engine::{self, Channels, EngineConfig, channel};
use crate::block::ChainBlock;
use commonware_consensus::marshal::standard::Standard;
use commonware_consensus::{marshal, simplex, simplex::scheme::ed25519};
use commonware_cryptography::{ChaCha20Poly1305, Signer, ed25519::PublicKey, sha256::Digest};
use commonware_p2p::authenticated::{self, lookup};
use commonware_p2p::{Address, AddressableManager, max_message_size};
use commonware_runtime::{Quota, Runner, Supervisor, tokio};
use commonware_stream::cups::{self, Cups};
use commonware_stream::sake::{self, Sake};
use commonware_utils::ordered::Map;
use commonware_utils::{NZU32, NZUsize};
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;
use vellum_storage::Store;
use vellum_types::limits::TX_BYTES_MAX;

/// Default per-peer, per-channel message rate. Commonware's examples use 10/s, which caps a
/// network at a few blocks per second (RESEARCH.md); a validator set is trusted not to flood.
pub const P2P_CHANNEL_RATE_PER_SECOND: NonZeroU32 = NZU32!(2_000);
/// Transactions are gossiped one per message, so that channel needs much more.
pub const P2P_TX_RATE_PER_SECOND: NonZeroU32 = NZU32!(50_000);

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
    let signer = load_key(&config.key)?;
    let audit_key = config.audit_key.as_deref().map(crate::config::load_account_key).transpose()?;
    let me = signer.public_key();
    if !genesis.validators.iter().any(|v| v.name == config.name && v.consensus_key.as_slice() == me.as_ref()) {
        return Err(crate::config::ConfigError::NotAValidator(config.name.clone()).into());
    }
    let mut peers = Vec::new();
    for v in &genesis.validators {
        // A node may reach a peer at another address than the genesis one (NAT, a proxy).
        let address = config.peer_addresses.get(&v.name).unwrap_or(&v.address);
        let addr: SocketAddr =
            address.parse().map_err(|_| RunError::Address { name: v.name.clone(), address: address.clone() })?;
        let key = PublicKey::try_from(v.consensus_key.as_slice()).expect("validated genesis key");
        peers.push((key, Address::from(addr)));
    }
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|source| RunError::DataDir { path: config.data_dir.display().to_string(), source })?;
    let store = Arc::new(Store::open(&config.data_dir.join("ledger.redb"), &genesis)?);

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
        let participants = engine::participants(&genesis);
        let n = participants.len() as u32;
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
        let limit = authenticated::peer_set_limit(&participants, &me);
        let mut p2p = if config.allow_private_ips {
            lookup::Config::local(handshake, &engine::p2p_namespace(), config.p2p_listen, limit, max_message, NZUsize!(4096))
        } else {
            lookup::Config::recommended(handshake, &engine::p2p_namespace(), config.p2p_listen, limit, max_message, NZUsize!(4096))
        };
        p2p.allow_private_ips = config.allow_private_ips;
        let (mut network, mut oracle) = lookup::Network::new(context.child("network"), p2p);
        let rate = config.p2p_channel_rate_per_second.and_then(NonZeroU32::new).unwrap_or(P2P_CHANNEL_RATE_PER_SECOND);
        let quota = Quota::per_second(rate);
        let channels = Channels {
            votes: network.register(channel::VOTES, quota),
            certificates: network.register(channel::CERTIFICATES, quota),
            resolver: network.register(channel::RESOLVER, quota),
            blocks: network.register(channel::BLOCKS, quota),
            backfill: network.register(channel::BACKFILL, quota),
            txs: network.register(channel::TXS, Quota::per_second(P2P_TX_RATE_PER_SECOND)),
        };
        let peer_map: Map<PublicKey, Address> = Map::from_iter_dedup(peers);
        oracle.track(0, peer_map);
        let network_handle = network.start();
        let cfg = EngineConfig {
            genesis: genesis.clone(),
            empty_block_interval: config.empty_block_interval(),
            audit_key,
            signer,
            partition_prefix: "vellum".into(),
            store,
            mempool: config.mempool_limits(),
            timeouts: config.timeouts(),
            // The host clock as is (NTP-disciplined); a Roughtime-measured correction is not
            // built yet (governance/time issue).
            clock_offset_ms: 0,
        };
        let (node, handle) = engine::start(context.child("validator"), cfg, oracle.clone(), oracle, channels).await;
        on_ready(node);
        let _ = futures::future::select(handle, network_handle).await;
    });
    Ok(())
}

//! Seeded deterministic simulations of a 4-validator network on Commonware's deterministic
//! runtime and simulated p2p: all honest, crash and restart, partition and heal, a byzantine
//! validator, and a validator whose clock is outside the skew bound; and of 16 (and, on demand,
//! 50) validators over wide-area links, with finality latency measured. Each checks that honest validators finalize the same blocks and reach
//! the same state root, that no transaction is applied twice, and that the network stays live
//! while the fault model allows. The 4-validator scenarios end with seeded random contract
//! calls (approval, instantiation, calls with drawn functions, inputs and budgets): every
//! honest validator must end with the same contract state.
//!
//! Replay one seed: `VELLUM_SIM_SEED=42 cargo test -p vellum-node --test simulation`.
//! Run more seeds: `VELLUM_SIM_SECONDS=600` (the budget per scenario, real time).

use commonware_codec::DecodeExt;
use commonware_consensus::simplex::elector::RoundRobin;
use commonware_consensus::simplex::mocks::{conflicter, equivocator, relay};
use commonware_consensus::types::Epoch;
use commonware_consensus::simplex::scheme::ed25519 as scheme;
use commonware_cryptography::ed25519::{PrivateKey, PublicKey};
use commonware_cryptography::{Sha256, Signer};
use commonware_p2p::simulated::{self, Link, Network, Oracle};
use commonware_runtime::{Clock, Handle, Quota, Runner, Spawner, Supervisor, deterministic};
use commonware_utils::{NZU32, NZUsize, probability};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use vellum_ledger::testkit::{fixture, open, sign};
use vellum_node::NodeHandle;
use vellum_node::engine::{self, Channels, EngineConfig, Timeouts, channel};
use vellum_node::mempool::MempoolLimits;
use vellum_storage::Store;
use vellum_types::{Genesis, GenesisValidator, TxId};

const VALIDATORS: usize = 4;

/// Genesis validators of a scenario: 4, or the WAN scenario's count.
fn validators_of(scenario: Scenario) -> usize {
    match scenario {
        Scenario::Wan { validators } => validators,
        _ => VALIDATORS,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scenario {
    AllHonest,
    CrashRestart,
    Partition,
    /// A validator that votes for conflicting proposals.
    Byzantine,
    /// A validator that, as leader, sends different proposals to different peers.
    Equivocator,
    /// A validator that signs two notarize (and two finalize) votes per view, the honest one
    /// first: validator 0's watcher must get the conflict recorded on the ledger.
    DoubleVoter,
    /// An honest validator whose clock runs 5 s fast (the future skew bound is 1 s): its
    /// proposals get no votes, the others carry on, block time stays monotonic.
    SkewedClock,
    /// Epochs of 20 blocks; while transactions flow, governance adds a fifth validator (a
    /// node that has been following the chain) and then removes a genesis one.
    ValidatorChange,
    /// `validators` honest validators over wide-area links: one-way latency 25–75 ms per pair
    /// (RTT 50–150 ms), 10 ms jitter, 1 % of messages lost; finality latency measured.
    Wan { validators: usize },
}

/// Blocks per epoch in `ValidatorChange`.
const SIM_EPOCH_BLOCKS: u64 = 20;

/// The fast clock of validator 0 in `SkewedClock`.
const SKEW_MS: i64 = 5_000;

fn validator_key(i: usize) -> PrivateKey {
    PrivateKey::decode(vec![i as u8 + 1; 32]).unwrap()
}

/// The node account (role `node`) validator `i` reports misbehaviour with: the fixture's for
/// validator 0; in `DoubleVoter` every validator has one (`genesis` adds them).
fn node_key(i: usize) -> vellum_crypto::SecretKey {
    if i == 0 { fixture().node } else { vellum_crypto::SecretKey::from_bytes("ed25519", [0xd0u8.wrapping_add(i as u8); 32]).unwrap() }
}

fn genesis(scenario: Scenario) -> Genesis {
    let mut g = fixture().genesis;
    if scenario == Scenario::ValidatorChange {
        g.epoch_length_blocks = Some(SIM_EPOCH_BLOCKS);
    }
    if scenario == Scenario::DoubleVoter {
        // Whichever honest validator catches the double vote can get it recorded.
        for i in 1..validators_of(scenario) {
            g.accounts.push(vellum_types::GenesisAccount {
                public_key: node_key(i).public_key(),
                roles: vec![vellum_types::Role::Node],
                label: format!("node-v{i}"),
                multisig: None,
            });
        }
    }
    g.genesis_time_ms = 0;
    g.validators = (0..validators_of(scenario))
        .map(|i| {
            let pk = validator_key(i).public_key();
            let mut k = [0u8; 32];
            k.copy_from_slice(pk.as_ref());
            GenesisValidator { name: format!("v{i}"), consensus_key: k, p2p_key: k, address: format!("127.0.0.1:{}", 7000 + i) }
        })
        .collect();
    g
}

fn timeouts() -> Timeouts {
    Timeouts {
        leader: Duration::from_millis(500),
        certification: Duration::from_millis(1_000),
        timeout_retry: Duration::from_millis(1_500),
        skip: Duration::from_millis(2_000),
        fetch: Duration::from_millis(500),
    }
}

async fn register(oracle: &Oracle<PublicKey, deterministic::Context>, pk: &PublicKey) -> Channels<simulated::Sender<PublicKey, deterministic::Context>, simulated::Receiver<PublicKey>> {
    let control = oracle.control(pk.clone());
    let q = Quota::per_second(NZU32!(10_000));
    Channels {
        votes: control.register(channel::VOTES, q).await.unwrap(),
        certificates: control.register(channel::CERTIFICATES, q).await.unwrap(),
        resolver: control.register(channel::RESOLVER, q).await.unwrap(),
        blocks: control.register(channel::BLOCKS, q).await.unwrap(),
        backfill: control.register(channel::BACKFILL, q).await.unwrap(),
        txs: control.register(channel::TXS, q).await.unwrap(),
    }
}

/// Honest validators multiplex consensus traffic by epoch: a byzantine actor speaks on epoch 0.
async fn epoch_zero(
    context: &deterministic::Context,
    name: &'static str,
    (sender, receiver): (simulated::Sender<PublicKey, deterministic::Context>, simulated::Receiver<PublicKey>),
) -> (
    commonware_p2p::utils::mux::SubSender<simulated::Sender<PublicKey, deterministic::Context>>,
    commonware_p2p::utils::mux::SubReceiver<PublicKey>,
) {
    let (mux, mut handle) = commonware_p2p::utils::mux::Muxer::new(context.child(name), sender, receiver);
    mux.start();
    handle.register(0).await.unwrap()
}

/// The `DoubleVoter` actor: for every view it signs a notarize (and a finalize) for a made-up
/// payload and one for the real proposal, the made-up one first and early. Commonware can prove the conflict
/// only while it still holds the first vote: it compacts a view's votes once the view's
/// certificate forms, after which a conflicting vote just gets the sender blocked. (Sending the
/// real vote first would often complete the quorum itself and so lose the evidence.)
fn start_double_voter(
    context: deterministic::Context,
    scheme: scheme::Scheme,
    (mut sender, mut receiver): (impl commonware_p2p::Sender<PublicKey = PublicKey>, impl commonware_p2p::Receiver<PublicKey = PublicKey>),
) -> Handle<()> {
    use commonware_codec::Encode;
    use commonware_consensus::simplex::types::{Finalize, Notarize, Proposal, Vote};
    use commonware_consensus::types::{Round, View};
    use commonware_cryptography::Hasher;
    use commonware_p2p::Recipients;
    type D = commonware_cryptography::sha256::Digest;
    context.spawn(move |_| async move {
        let mut done = BTreeSet::new();
        let mut fake_sent = BTreeSet::new();
        let mut send = |is_notarize: bool, p: Proposal<D>| {
            let msg = if is_notarize {
                Vote::Notarize(Notarize::<_, D>::sign(&scheme, p).unwrap())
            } else {
                Vote::Finalize(Finalize::<_, D>::sign(&scheme, p).unwrap())
            };
            let _ = sender.send(Recipients::All, msg.encode(), true);
        };
        let fake = |round: Round, parent: View| Proposal::new(round, parent, Sha256::hash(&[b"double vote", &round.view().get().to_be_bytes()]));
        while let Ok((_, msg)) = receiver.recv().await {
            let Ok(vote) = Vote::<scheme::Scheme, D>::decode(msg) else { continue };
            let (is_notarize, proposal) = match vote {
                Vote::Notarize(n) => (true, n.proposal),
                Vote::Finalize(f) => (false, f.proposal),
                Vote::Nullify(_) => continue,
            };
            let round = proposal.round;
            if !done.insert((is_notarize, round)) {
                continue;
            }
            // The next view's made-up votes go out as soon as this view is seen, so they are
            // held everywhere before the next view's certificates can form.
            if is_notarize {
                let next = Round::new(round.epoch(), View::new(round.view().get() + 1));
                for kind in [true, false] {
                    if fake_sent.insert((kind, next)) {
                        send(kind, fake(next, round.view()));
                    }
                }
            }
            // The real vote only where a made-up one went out first (not in the view it
            // started in: there it is late, and a late conflicting vote is only blocked).
            if fake_sent.contains(&(is_notarize, round)) {
                send(is_notarize, proposal);
            }
        }
    })
}

/// A wide-area link: one-way latency 25–75 ms by pair (deterministic), 10 ms jitter, 1 % loss.
async fn wan_link(oracle: &Oracle<PublicKey, deterministic::Context>, (i, a): (usize, &PublicKey), (j, b): (usize, &PublicKey)) {
    let spread = ((i * 7919 + j * 104_729) % 51) as u64;
    let l = Link { latency: Duration::from_millis(25 + spread), jitter: Duration::from_millis(10), success_rate: probability!(0.99) };
    oracle.add_link(a.clone(), b.clone(), l.clone()).await.unwrap();
    oracle.add_link(b.clone(), a.clone(), l).await.unwrap();
}

async fn link(oracle: &Oracle<PublicKey, deterministic::Context>, a: &PublicKey, b: &PublicKey) {
    let l = Link { latency: Duration::from_millis(10), jitter: Duration::from_millis(3), success_rate: probability!(1.0) };
    oracle.add_link(a.clone(), b.clone(), l.clone()).await.unwrap();
    oracle.add_link(b.clone(), a.clone(), l).await.unwrap();
}

/// Starts validator `i` in a task of its own (aborting the task crashes the validator and all
/// its actors) and returns its node handle.
async fn start_validator(
    context: &deterministic::Context,
    oracle: &Oracle<PublicKey, deterministic::Context>,
    genesis: &Arc<Genesis>,
    dir: &Path,
    i: usize,
    clock_offset_ms: i64,
) -> (NodeHandle, Handle<()>) {
    let pk = validator_key(i).public_key();
    let channels = register(oracle, &pk).await;
    let genesis_validators = genesis.validators.len();
    let store = Arc::new(Store::open(&dir.join(format!("v{i}.redb")), genesis).unwrap());
    // The peer list follows the ledger's validator set (and those about to join).
    let track_peers: engine::TrackPeers = {
        let manager = std::sync::Mutex::new(oracle.manager());
        Arc::new(move |id, validators: Vec<GenesisValidator>| {
            // One simulated network oracle serves every node: the genesis validators drive it
            // (a joining node catching up would replay old, smaller sets).
            if i >= genesis_validators {
                return;
            }
            let keys = validators.iter().map(|v| PublicKey::try_from(v.consensus_key.as_slice()).unwrap());
            let set = commonware_utils::ordered::Set::from_iter_dedup(keys);
            let _ = commonware_p2p::Manager::track(&mut *manager.lock().unwrap(), id, set);
        })
    };
    let cfg = EngineConfig {
        genesis: genesis.clone(),
        empty_block_interval: Duration::from_millis(100),
        // Validators record misbehaviour with their node account, when genesis gives them one.
        audit_key: {
            let key = node_key(i);
            genesis.accounts.iter().any(|a| a.public_key == key.public_key()).then_some(key.into())
        },
        signer: validator_key(i),
        partition_prefix: format!("v{i}"),
        store,
        mempool: MempoolLimits::default(),
        timeouts: timeouts(),
        clock: vellum_node::time::CheckedClock::fixed(clock_offset_ms),
        track_peers,
    };
    let control = oracle.control(pk);
    let manager = oracle.manager();
    let (tx, rx) = futures::channel::oneshot::channel();
    let handle = context.child("validator").with_attribute("index", i).spawn(move |ctx| async move {
        let (node, running) = engine::start(ctx, cfg, control, manager, channels).await;
        let _ = tx.send(node);
        let _ = running.await;
    });
    (rx.await.expect("validator started"), handle)
}

fn run(seed: u64, scenario: Scenario) {
    let dir = tempfile::tempdir().unwrap();
    let dir_path = dir.path().to_path_buf();
    let cfg = deterministic::Config::default().with_seed(seed).with_timeout(Some(Duration::from_secs(600)));
    deterministic::Runner::from(cfg).start(|context| async move {
        let (network, oracle) = Network::new(
            context.child("network"),
            simulated::Config {
                max_size: 8 * 1024 * 1024,
                max_peers_per_set: NZUsize!(validators_of(scenario) + 1),
                disconnect_on_block: true,
                tracked_peer_sets: NZUsize!(1),
            },
        );
        network.start();
        // `ValidatorChange` runs a fifth node, outside the genesis set until governance adds it.
        let nodes_total = if scenario == Scenario::ValidatorChange { VALIDATORS + 1 } else { validators_of(scenario) };
        let keys: Vec<PublicKey> = (0..nodes_total).map(|i| validator_key(i).public_key()).collect();
        let set = engine::participants(&genesis(scenario));
        let _ = commonware_p2p::Manager::track(&mut oracle.manager(), 0, set.clone());
        for a in 0..nodes_total {
            for b in a + 1..nodes_total {
                if scenario == Scenario::DoubleVoter && b == VALIDATORS - 1 {
                    // The double voter sits close to everyone: Commonware keeps a signer's
                    // vote (and so can prove a conflict) only until the view's certificate
                    // forms, so a slow double vote is dropped without evidence.
                    let l = Link { latency: Duration::from_millis(1), jitter: Duration::ZERO, success_rate: probability!(1.0) };
                    oracle.add_link(keys[a].clone(), keys[b].clone(), l.clone()).await.unwrap();
                    oracle.add_link(keys[b].clone(), keys[a].clone(), l).await.unwrap();
                    continue;
                }
                if let Scenario::Wan { .. } = scenario {
                    wan_link(&oracle, (a, &keys[a]), (b, &keys[b])).await;
                    continue;
                }
                link(&oracle, &keys[a], &keys[b]).await;
            }
        }
        let genesis = Arc::new(genesis(scenario));
        let byzantine =
            matches!(scenario, Scenario::Byzantine | Scenario::Equivocator | Scenario::DoubleVoter).then_some(VALIDATORS - 1);
        let mut nodes: Vec<Option<(NodeHandle, Handle<()>)>> = Vec::new();
        for (i, key) in keys.iter().enumerate() {
            if Some(i) == byzantine {
                let channels = register(&oracle, key).await;
                let s = scheme::Scheme::signer(&engine::consensus_namespace(), set.clone(), validator_key(i)).unwrap();
                if scenario == Scenario::DoubleVoter {
                    start_double_voter(context.child("byzantine"), s, epoch_zero(&context, "votes", channels.votes).await);
                } else if scenario == Scenario::Byzantine {
                    let byz: conflicter::Conflicter<_, _, Sha256> =
                        conflicter::Conflicter::new(context.child("byzantine"), conflicter::Config { scheme: s });
                    byz.start(epoch_zero(&context, "votes", channels.votes).await);
                } else {
                    let byz: equivocator::Equivocator<_, _, _, Sha256> = equivocator::Equivocator::new(
                        context.child("byzantine"),
                        equivocator::Config {
                            scheme: s,
                            elector: RoundRobin::<Sha256>::default(),
                            epoch: Epoch::zero(),
                            relay: Arc::new(relay::Relay::default()),
                        },
                    );
                    byz.start(
                        epoch_zero(&context, "votes", channels.votes).await,
                        epoch_zero(&context, "certificates", channels.certificates).await,
                    );
                }
                nodes.push(None);
                continue;
            }
            let offset = if scenario == Scenario::SkewedClock && i == 0 { SKEW_MS } else { 0 };
            nodes.push(Some(start_validator(&context, &oracle, &genesis, &dir_path, i, offset).await));
        }
        let mut honest: Vec<usize> = (0..nodes_total).filter(|i| Some(*i) != byzantine).collect();

        let f = fixture();
        let mut submitted: Vec<TxId> = Vec::new();
        let mut nonce = 0u64;
        // Load goes to genesis validators that stay (validator 1 is removed in `ValidatorChange`).
        let submit_to: Vec<usize> =
            honest.iter().copied().filter(|i| *i < validators_of(scenario) && !(scenario == Scenario::ValidatorChange && *i == 1)).collect();
        // Returns what it submitted, and where.
        let mut submit_round = |nodes: &Vec<Option<(NodeHandle, Handle<()>)>>, count: usize| {
            let mut sent = Vec::new();
            for _ in 0..count {
                let tx = sign(&f.registrar, "vellum-test", nonce, open_nth(nonce));
                let target = submit_to[(nonce as usize) % submit_to.len()];
                if let Some((node, _)) = &nodes[target]
                    && node.submit(&tx.to_wire()).is_ok() {
                        submitted.push(tx.id());
                        sent.push((tx.id(), target));
                        nonce += 1;
                    }
            }
            sent
        };

        // Phase 1: everyone up, transactions flowing.
        submit_round(&nodes, 20);
        context.sleep(Duration::from_secs(5)).await;
        let h1 = height(&nodes, &submit_to);
        assert!(h1 > 0, "network finalizes blocks");

        match scenario {
            Scenario::CrashRestart => {
                let victim = 3;
                let (node, handle) = nodes[victim].take().unwrap();
                handle.abort();
                drop(node);
                let alive: Vec<usize> = vec![0, 1, 2];
                let before = height(&nodes, &alive);
                submit_round(&nodes, 20);
                context.sleep(Duration::from_secs(10)).await;
                assert!(height(&nodes, &alive) > before, "with one of four down, blocks keep finalizing");
                nodes[victim] = Some(start_validator(&context, &oracle, &genesis, &dir_path, victim, 0).await);
            }
            Scenario::Partition => {
                for a in [0usize, 1] {
                    for b in [2usize, 3] {
                        oracle.remove_link(keys[a].clone(), keys[b].clone()).await.unwrap();
                        oracle.remove_link(keys[b].clone(), keys[a].clone()).await.unwrap();
                    }
                }
                submit_round(&nodes, 10);
                context.sleep(Duration::from_secs(8)).await;
                for a in [0usize, 1] {
                    for b in [2usize, 3] {
                        link(&oracle, &keys[a], &keys[b]).await;
                    }
                }
            }
            Scenario::ValidatorChange => {
                let f = fixture();
                let council = f.council_id();
                let newcomer = VALIDATORS;
                let removed = 1usize;
                let entry = |i: usize| {
                    let k: [u8; 32] = keys[i].as_ref().try_into().unwrap();
                    GenesisValidator { name: format!("v{i}"), consensus_key: k, p2p_key: k, address: format!("127.0.0.1:{}", 7000 + i) }
                };
                for (council_nonce, (action, joined)) in [
                    (vellum_types::GovAction::AddValidator { validator: entry(newcomer) }, true),
                    (vellum_types::GovAction::RemoveValidator { consensus_key: vellum_types::payment::Hash32Text(entry(removed).consensus_key) }, false),
                ]
                .into_iter()
                .enumerate()
                {
                    let deadline_height = nodes[0].as_ref().unwrap().0.status().height + 500;
                    let tx = vellum_ledger::testkit::sign_multi(
                        &[&f.council[0], &f.council[2]],
                        council,
                        "vellum-test",
                        council_nonce as u64,
                        vellum_types::TxBody::Propose { action, deadline_height },
                    );
                    nodes[0].as_ref().unwrap().0.submit(&tx.to_wire()).unwrap();
                    // Load keeps flowing until the change is in force on every member.
                    let deadline = context.current() + Duration::from_secs(180);
                    loop {
                        submit_round(&nodes, 3);
                        context.sleep(Duration::from_millis(500)).await;
                        let done = [0usize, 2, 3].iter().all(|i| {
                            let set = nodes[*i].as_ref().unwrap().0.finalized_state().validator_set();
                            set.contains(&entry(if joined { newcomer } else { removed }).consensus_key) == joined
                        });
                        if done {
                            break;
                        }
                        assert!(context.current() < deadline, "seed {seed}: validator-set change (join={joined}) not in force in time");
                    }
                }
                // The removed validator no longer takes part; the others (newcomer included) go on.
                honest.retain(|i| *i != removed);
                let removed_at = nodes[0].as_ref().unwrap().0.finalized_state().validator_set().boundary_height;
                submit_round(&nodes, 10);
                context.sleep(Duration::from_secs(10)).await;
                let state = nodes[0].as_ref().unwrap().0.finalized_state();
                assert_eq!(state.validator_set_change_count(), 2);
                assert!(state.height > removed_at + 5, "seed {seed}: blocks finalize after the removal");
                // The newcomer proposed blocks once it joined; the removed validator none after.
                let joined_at = state.validator_set_change(1).unwrap().boundary_height;
                let node0 = &nodes[0].as_ref().unwrap().0;
                let proposed = |i: usize, from: u64, to: u64| {
                    (from..=to).filter(|h| node0.header(*h).unwrap().proposer.as_slice() == keys[i].as_ref()).count()
                };
                assert!(proposed(newcomer, joined_at + 1, state.height) > 0, "seed {seed}: the added validator never proposed");
                assert_eq!(proposed(removed, removed_at + 1, state.height), 0, "seed {seed}: the removed validator still proposes");
                // Every header names the set that signed it.
                assert_ne!(node0.header(joined_at).unwrap().validator_set_hash, node0.header(joined_at + 1).unwrap().validator_set_hash);
            }
            Scenario::DoubleVoter => {
                // An honest validator that caught the conflict reports it with its node account;
                // the ledger records it once per (validator, kind, epoch, view), attributed to
                // the byzantine validator's key.
                let deadline = context.current() + Duration::from_secs(60);
                loop {
                    context.sleep(Duration::from_millis(500)).await;
                    let state = nodes[0].as_ref().unwrap().0.finalized_state();
                    if state.misbehavior_count() > 0 {
                        let m = state.misbehavior(0).unwrap();
                        assert_eq!(m.validator.0.as_slice(), keys[VALIDATORS - 1].as_ref(), "seed {seed}: wrong validator blamed");
                        assert!((0..VALIDATORS - 1).any(|i| m.reporter == node_key(i).public_key().account_id()));
                        break;
                    }
                    assert!(context.current() < deadline, "seed {seed}: double votes never recorded as misbehaviour");
                }
            }
            Scenario::Wan { validators } => {
                // Finality: each block from its proposal (the header's time, the simulated clock)
                // to validator 0 having it finalized and applied, sampled every 10 ms while
                // transactions are submitted one every 100 ms to rotating validators.
                let observer = &nodes[0].as_ref().unwrap().0;
                let mut seen_at: std::collections::BTreeMap<u64, std::time::SystemTime> = Default::default();
                let start_height = observer.status().height;
                let mut pending: Vec<(TxId, usize, std::time::SystemTime)> = Vec::new();
                let mut tx_latencies: Vec<Duration> = Vec::new();
                let end = context.current() + Duration::from_secs(20);
                let mut next_submit = context.current();
                while context.current() < end || !pending.is_empty() {
                    let now = context.current();
                    if now >= next_submit && now < end {
                        pending.extend(submit_round(&nodes, 1).into_iter().map(|(id, target)| (id, target, now)));
                        next_submit = now + Duration::from_millis(100);
                    }
                    let h = observer.status().height;
                    for height in start_height + 1..=h {
                        seen_at.entry(height).or_insert(now);
                    }
                    pending.retain(|(id, at, since)| {
                        let done = matches!(nodes[*at].as_ref().unwrap().0.tx_status(id), vellum_node::TxStatus::Finalized(_));
                        if done {
                            tx_latencies.push(now.duration_since(*since).unwrap());
                        }
                        !done
                    });
                    assert!(now < end + Duration::from_secs(120), "seed {seed} {scenario:?}: transactions not final in time");
                    context.sleep(Duration::from_millis(10)).await;
                }
                let mut block_latencies: Vec<Duration> = seen_at
                    .iter()
                    .map(|(h, at)| {
                        let proposed = std::time::UNIX_EPOCH + Duration::from_millis(observer.header(*h).unwrap().time_ms);
                        at.duration_since(proposed).unwrap_or_default()
                    })
                    .collect();
                block_latencies.sort();
                tx_latencies.sort();
                let p = |v: &[Duration], q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
                let seconds = seen_at.values().next_back().unwrap().duration_since(*seen_at.values().next().unwrap()).unwrap().as_secs_f64();
                eprintln!(
                    "  seed {seed} WAN {validators} validators: block proposal→final p50 {:?} p99 {:?} over {} blocks ({:.1} blocks/s); transaction submit→final p50 {:?} p99 {:?} over {}",
                    p(&block_latencies, 0.5),
                    p(&block_latencies, 0.99),
                    block_latencies.len(),
                    block_latencies.len() as f64 / seconds.max(1e-9),
                    p(&tx_latencies, 0.5),
                    p(&tx_latencies, 0.99),
                    tx_latencies.len()
                );
                assert!(p(&block_latencies, 0.5) < Duration::from_secs(1), "seed {seed}: {validators} validators at RTT 50–150 ms: block finality p50 {:?}", p(&block_latencies, 0.5));
            }
            Scenario::AllHonest | Scenario::Byzantine | Scenario::Equivocator | Scenario::SkewedClock => {}
        }

        // Phase 2: more load, then wait until every submitted transaction is final everywhere.
        submit_round(&nodes, 20);
        let deadline = context.current() + Duration::from_secs(120);
        loop {
            context.sleep(Duration::from_millis(500)).await;
            let all_final = honest.iter().all(|i| {
                let node = &nodes[*i].as_ref().unwrap().0;
                submitted.iter().all(|id| matches!(node.tx_status(id), vellum_node::TxStatus::Finalized(_)))
            });
            if all_final {
                break;
            }
            assert!(context.current() < deadline, "seed {seed} {scenario:?}: transactions not finalized everywhere in time");
        }

        // Agreement: identical headers at every common height and identical state at the same
        // height; every transaction applied exactly once.
        let tips: Vec<u64> = honest.iter().map(|i| nodes[*i].as_ref().unwrap().0.status().height).collect();
        let common = *tips.iter().min().unwrap();
        for h in 0..=common {
            let headers: BTreeSet<_> =
                honest.iter().map(|i| nodes[*i].as_ref().unwrap().0.header(h).unwrap().hash()).collect();
            assert_eq!(headers.len(), 1, "seed {seed} {scenario:?}: validators disagree at height {h}");
        }
        let states: BTreeSet<_> = honest
            .iter()
            .map(|i| {
                let h = nodes[*i].as_ref().unwrap().0.header(common).unwrap();
                (h.state_root, h.log_root, h.log_size)
            })
            .collect();
        assert_eq!(states.len(), 1);
        // Block time never goes backwards; the fast-clock validator never got a block in.
        let node0 = &nodes[honest[0]].as_ref().unwrap().0;
        let mut previous = 0;
        let mut skewed_proposals = 0;
        for h in 1..=common {
            let header = node0.header(h).unwrap();
            assert!(header.time_ms > previous, "seed {seed} {scenario:?}: time not monotonic at height {h}");
            previous = header.time_ms;
            if header.proposer.as_slice() == keys[0].as_ref() {
                skewed_proposals += 1;
            }
        }
        match scenario {
            Scenario::SkewedClock => assert_eq!(skewed_proposals, 0, "seed {seed}: a proposal from a clock {SKEW_MS} ms fast was finalized"),
            // The same check is not vacuous: with a correct clock, validator 0 does lead blocks.
            Scenario::AllHonest => assert!(skewed_proposals > 0, "seed {seed}: validator 0 never proposed"),
            _ => {}
        }

        eprintln!(
            "  seed {seed} {scenario:?}: heights {tips:?}, {} transactions final on every honest validator, simulated time {:?}",
            submitted.len(),
            context.current().duration_since(std::time::UNIX_EPOCH).unwrap()
        );
        for i in &honest {
            let node = &nodes[*i].as_ref().unwrap().0;
            let s = node.status();
            // Besides the submitted openings: council proposals and misbehaviour reports.
            let state = node.finalized_state();
            let extra = if scenario == Scenario::ValidatorChange { 2 } else { 0 } + state.misbehavior_count();
            assert_eq!(s.log_size, submitted.len() as u64 + extra, "each transaction applied exactly once");
            let mut positions = BTreeSet::new();
            for id in &submitted {
                let vellum_node::TxStatus::Finalized(loc) = node.tx_status(id) else { unreachable!() };
                assert!(positions.insert(loc.log_index), "two transactions share a log position");
            }
        }

        // Evidence: register a document, then every honest validator can produce a bundle
        // whose finalization certificate (real Commonware signatures) verifies offline.
        let document = format!("document for seed {seed}").into_bytes();
        let reg = sign(&f.issuer, "vellum-test", 0, vellum_ledger::testkit::register(vellum_types::sha256(&document)));
        nodes[honest[0]].as_ref().unwrap().0.submit(&reg.to_wire()).unwrap();
        let deadline = context.current() + Duration::from_secs(60);
        while !honest.iter().all(|i| matches!(nodes[*i].as_ref().unwrap().0.tx_status(&reg.id()), vellum_node::TxStatus::Finalized(_))) {
            assert!(context.current() < deadline, "registration not finalized");
            context.sleep(Duration::from_millis(200)).await;
        }
        let proof_id = vellum_types::ProofId::of_tx(&reg.id());
        for i in &honest {
            let bundle = nodes[*i].as_ref().unwrap().0.bundle(&proof_id, None).unwrap();
            let v = vellum_evidence::verify(&bundle.to_bytes(), Some(&document), Some(&genesis.hash()))
                .unwrap_or_else(|e| panic!("seed {seed} {scenario:?} validator {i}: {e}"));
            assert!(v.signers >= vellum_types::validators::quorum(v.validators));
            // A log anchor follows the same chain of validator sets from genesis and commits
            // the log exactly as the anchored header does.
            let anchor = nodes[*i].as_ref().unwrap().0.log_anchor().unwrap();
            let a = vellum_evidence::verify_log_anchor(&anchor.to_bytes(), &genesis.hash())
                .unwrap_or_else(|e| panic!("seed {seed} {scenario:?} validator {i}: log anchor: {e}"));
            let header = nodes[*i].as_ref().unwrap().0.header(a.height).unwrap();
            assert_eq!((a.size, a.root), (header.log_size, header.log_root));
            assert_eq!(a.validator_set_changes, v.validator_set_changes);
            if scenario == Scenario::ValidatorChange {
                assert!(a.validator_set_changes >= 1, "seed {seed}: the anchor crosses the validator-set changes");
            }
        }
        if validators_of(scenario) == VALIDATORS {
            contract_calls(&context, &nodes, &honest, seed).await;
        }
    });
}

/// Waits until `id` is finalized on every honest validator (`true`) or rejected (`false`).
async fn settle(context: &deterministic::Context, nodes: &[Option<(NodeHandle, Handle<()>)>], honest: &[usize], id: TxId) -> bool {
    let deadline = context.current() + Duration::from_secs(60);
    loop {
        let statuses: Vec<_> = honest.iter().map(|i| nodes[*i].as_ref().unwrap().0.tx_status(&id)).collect();
        if statuses.iter().all(|s| matches!(s, vellum_node::TxStatus::Finalized(_))) {
            return true;
        }
        if statuses.iter().any(|s| matches!(s, vellum_node::TxStatus::Rejected { .. })) {
            return false;
        }
        assert!(context.current() < deadline, "transaction {id} neither finalized everywhere nor rejected");
        context.sleep(Duration::from_millis(200)).await;
    }
}

/// Seeded random contract calls: the council approves the example counter, the issuer
/// instantiates it, then the user and the issuer call it with functions, inputs and fuel
/// budgets drawn from the seed (some fail: refused at admission or rejected). Every honest
/// validator ends with the same contract storage and the same roots.
async fn contract_calls(context: &deterministic::Context, nodes: &[Option<(NodeHandle, Handle<()>)>], honest: &[usize], seed: u64) {
    use vellum_types::TxBody;
    let f = fixture();
    let node = |i: usize| &nodes[i].as_ref().unwrap().0;
    let next_nonce = |id: &vellum_types::AccountId| node(honest[0]).finalized_state().account(id).map_or(0, |a| a.next_nonce);
    let code = wat::parse_str(include_str!("../../contracts/examples/counter.wat")).unwrap();
    let digest = vellum_types::sha256(&code);
    let council = f.council_id();
    let action = vellum_types::GovAction::RegisterCode { name: "counter".into(), code, review_digest: vellum_types::payment::Hash32Text([1; 32]) };
    let deadline_height = node(honest[0]).status().height + 500;
    let tx = vellum_ledger::testkit::sign_multi(&[&f.council[0], &f.council[2]], council, "vellum-test", next_nonce(&council), TxBody::Propose { action, deadline_height });
    node(honest[0]).submit(&tx.to_wire()).unwrap();
    assert!(settle(context, nodes, honest, tx.id()).await, "seed {seed}: code approval");
    let issuer = f.issuer.public_key().account_id();
    let issuer_nonce = next_nonce(&issuer);
    let counter = vellum_types::contract::contract_account_id(&digest, &issuer, issuer_nonce);
    let tx = sign(&f.issuer, "vellum-test", issuer_nonce, TxBody::InstantiateContract { code_digest: digest, input: Vec::new(), fuel: 100_000 });
    node(honest[0]).submit(&tx.to_wire()).unwrap();
    assert!(settle(context, nodes, honest, tx.id()).await, "seed {seed}: instantiation");
    let mut finalized = 0;
    for k in 0..12u64 {
        let h = vellum_types::sha256(&[seed.to_le_bytes(), k.to_le_bytes()].concat());
        let function = ["increment", "increment", "reset", "missing"][h[0] as usize % 4];
        let input = if h[1].is_multiple_of(2) { Vec::new() } else { u64::from(h[2]).to_le_bytes().to_vec() };
        let fuel = 5_000 + u64::from(u32::from_le_bytes([h[3], h[4], h[5], 0])) % 60_000;
        let key = if k % 2 == 0 { &f.user } else { &f.issuer };
        let tx = sign(key, "vellum-test", next_nonce(&key.public_key().account_id()), TxBody::CallContract { contract: counter, function: function.into(), input, fuel });
        if node(honest[k as usize % honest.len()]).submit(&tx.to_wire()).is_ok() && settle(context, nodes, honest, tx.id()).await {
            finalized += 1;
        }
    }
    let views: Vec<_> = honest
        .iter()
        .map(|i| {
            let state = node(*i).finalized_state();
            (state.contract_data(&counter, b"count"), state.contract_data(&counter, b"owner"), state.contract(&counter))
        })
        .collect();
    assert!(views.iter().all(|v| *v == views[0]), "seed {seed}: honest validators disagree on the contract's state");
    assert!(views[0].2.is_some(), "seed {seed}: the contract exists");
    let common = honest.iter().map(|i| node(*i).status().height).min().unwrap();
    let roots: BTreeSet<_> = honest.iter().map(|i| node(*i).header(common).unwrap().state_root).collect();
    assert_eq!(roots.len(), 1, "seed {seed}: state roots differ after contract calls");
    eprintln!("  seed {seed}: {finalized} of 12 seeded contract calls finalized, same contract state on {} validators", honest.len());
}

fn height(nodes: &[Option<(NodeHandle, Handle<()>)>], which: &[usize]) -> u64 {
    which.iter().filter_map(|i| nodes[*i].as_ref()).map(|(n, _)| n.status().height).min().unwrap_or(0)
}

/// Opening of a distinct new account for each `n`.
fn open_nth(n: u64) -> vellum_types::TxBody {
    let mut seed = [0xeeu8; 32];
    seed[..8].copy_from_slice(&n.to_be_bytes());
    open(&vellum_crypto::SecretKey::from_bytes("ed25519", seed).unwrap())
}

/// Runs seeds for a scenario until the time budget is spent (at least one seed), or exactly
/// the seed in `VELLUM_SIM_SEED`.
fn seeds(scenario: Scenario) {
    if let Ok(seed) = std::env::var("VELLUM_SIM_SEED") {
        let seed: u64 = seed.parse().expect("VELLUM_SIM_SEED is a number");
        run(seed, scenario);
        return;
    }
    let budget = Duration::from_secs(std::env::var("VELLUM_SIM_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(20));
    let start = Instant::now();
    let mut seed = 0u64;
    loop {
        eprintln!("simulation {scenario:?} seed {seed} (replay: VELLUM_SIM_SEED={seed})");
        run(seed, scenario);
        seed += 1;
        if start.elapsed() >= budget {
            break;
        }
    }
    eprintln!("simulation {scenario:?}: {seed} seeds passed");
}

#[test]
fn all_honest() {
    seeds(Scenario::AllHonest);
}

#[test]
fn crash_and_restart() {
    seeds(Scenario::CrashRestart);
}

#[test]
fn partition_heals() {
    seeds(Scenario::Partition);
}

#[test]
fn byzantine_conflicter() {
    seeds(Scenario::Byzantine);
}

#[test]
fn byzantine_equivocating_leader() {
    seeds(Scenario::Equivocator);
}

#[test]
fn byzantine_double_voter_is_recorded() {
    seeds(Scenario::DoubleVoter);
}

#[test]
fn validator_added_then_removed_under_load() {
    seeds(Scenario::ValidatorChange);
}

#[test]
fn skewed_clock_cannot_get_proposals_accepted() {
    seeds(Scenario::SkewedClock);
}

/// 16 validators over WAN links: every safety check of the 4-validator scenarios, and
/// finality p50 under a second.
#[test]
fn wan_16_validators() {
    seeds(Scenario::Wan { validators: 16 });
}

/// 50 validators over WAN links (minutes of real time: run on demand, figures in
/// docs/benchmarks.md): `cargo test --release -p vellum-node --test simulation wan_50 -- --ignored`.
#[test]
#[ignore]
fn wan_50_validators() {
    seeds(Scenario::Wan { validators: 50 });
}

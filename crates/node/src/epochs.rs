//! Epochs: the certificate scheme of each epoch as the ledger decides it ([`EpochSchemes`]),
//! one simplex engine per epoch ([`Epochs`]), and the executor's side of a change of epoch
//! ([`EpochTransitions`]).

use crate::app::App;
use crate::block::ChainBlock;
use crate::engine::{MAILBOX_SIZE, REPLAY_BUFFER, Timeouts, TrackPeers, WRITE_BUFFER, consensus_namespace, peers_to_track};
use crate::misbehaviour::MisbehaviorWatcher;
use commonware_consensus::marshal::standard::Inline;
use commonware_consensus::simplex::{self, elector::RoundRobin, scheme::ed25519};
use commonware_consensus::types::{Epoch, FixedEpocher, ViewDelta};
use commonware_cryptography::ed25519::{PrivateKey, PublicKey};
use commonware_cryptography::sha256::{Digest, Sha256};
use commonware_p2p::{Blocker, Receiver, Sender};
use commonware_parallel::Sequential;
use commonware_runtime::buffer::paged::CacheRef;
use commonware_runtime::{Clock, Handle, Metrics, Spawner, Storage};
use commonware_utils::NZDuration;
use commonware_utils::ordered::Set;
use futures::FutureExt;
use std::sync::Arc;
use std::time::Duration;
use tracing::{debug, info, warn};
use vellum_ledger::LedgerState;
use vellum_ledger::validators::epoch_of;
use vellum_types::{Genesis, StateKey};

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
    pub(crate) fn new(signer: PrivateKey) -> Self {
        Self { inner: Arc::new(std::sync::Mutex::new(EpochSchemesInner { signer, sets: Default::default(), known_through: 0 })) }
    }

    /// Learns every set the ledger recorded and that epochs up to `known_through` are final.
    pub(crate) fn learn(&self, state: &LedgerState, known_through: u64) {
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

    pub(crate) fn get(&self, epoch: u64) -> Option<Arc<ed25519::Scheme>> {
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

/// Runs one simplex engine per epoch (Commonware's model): the executor reports each finished
/// epoch (its last block finalized and applied), and the next epoch's engine starts from that
/// block with the set the ledger installed. Vote, certificate and resolver traffic is
/// multiplexed by epoch; traffic from a later epoch than ours means this node is behind, so
/// marshal is asked to fetch the finalization of our epoch's last block from that peer.
pub(crate) struct Epochs<E: Clock + Spawner + Storage + Metrics + rand::CryptoRng + rand::Rng, B> {
    pub(crate) prefix: String,
    pub(crate) timeouts: Timeouts,
    pub(crate) page_cache: CacheRef,
    pub(crate) blocker: B,
    pub(crate) inline: Inline<E, ed25519::Scheme, App, ChainBlock, FixedEpocher>,
    pub(crate) watcher: MisbehaviorWatcher,
    pub(crate) schemes: EpochSchemes,
    pub(crate) marshal: crate::executor::MarshalMailbox,
    pub(crate) epoch_length: u64,
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
    pub(crate) schemes: EpochSchemes,
    pub(crate) epoch_length: u64,
    /// The newest finished epoch, for [`Epochs::run`]. Bounded to one value; overflow policy:
    /// newest wins. Normally one message is in flight (the next epoch's engine must finalize
    /// that epoch's blocks before the executor can finish it), but a validator catching up
    /// through marshal's backfill finishes epochs faster than engines start: only the newest
    /// matters then, since an engine for an older epoch would be superseded at once.
    pub(crate) enter: tokio::sync::watch::Sender<Option<(u64, Digest)>>,
    pub(crate) track_peers: TrackPeers,
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
            self.enter.send_replace(Some((next, Digest(state.block_hash))));
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
    pub(crate) async fn run<S, R>(
        self,
        context: E,
        (start_epoch, start_floor): (u64, Digest),
        mut enter: tokio::sync::watch::Receiver<Option<(u64, Digest)>>,
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
            let entered = futures::select! {
                changed = enter.changed().fuse() => match changed {
                    Ok(()) => true,
                    Err(_) => return,
                },
                backup = vote_backup.recv().fuse() => match backup {
                    Some((their, (from, _))) => { self.behind(our, their, from); false }
                    None => return,
                },
                backup = certificate_backup.recv().fuse() => match backup {
                    Some((their, (from, _))) => { self.behind(our, their, from); false }
                    None => return,
                },
            };
            if entered {
                pending = *enter.borrow_and_update();
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The queue of finished epochs holds one value, the newest: a validator catching up that
    /// finishes several epochs before the engine task looks starts the newest one only.
    #[test]
    fn only_the_newest_finished_epoch_waits_for_its_engine() {
        let mut genesis = vellum_ledger::testkit::fixture().genesis;
        genesis.epoch_length_blocks = Some(100);
        let (mut state, _) = vellum_ledger::genesis_block(&genesis);
        let length = genesis.epoch_length();
        let (enter, mut receiver) = tokio::sync::watch::channel(None);
        let transitions = EpochTransitions {
            schemes: EpochSchemes::new(crate::config::private_key_from_seed([7; 32])),
            epoch_length: length,
            enter,
            track_peers: Arc::new(|_, _| {}),
        };
        let mut tracked = peers_to_track(&state);
        let mut finish = |state: &LedgerState| {
            let outcome = vellum_ledger::BlockOutcome { state: state.clone(), receipts: Vec::new(), touched: Vec::new() };
            transitions.after_block(&outcome, &mut tracked);
        };
        for epoch in 1..=3u64 {
            state.height = epoch * length - 1;
            state.block_hash = [epoch as u8; 32];
            finish(&state);
        }
        assert!(receiver.has_changed().expect("sender alive"), "a finished epoch is announced");
        assert_eq!(*receiver.borrow_and_update(), Some((3, Digest([3; 32]))), "the newest replaced the older ones");
        state.height = 3 * length + 1;
        finish(&state);
        assert!(!receiver.has_changed().expect("sender alive"), "a block inside an epoch announces nothing");
        assert!(transitions.schemes.get(3).is_some(), "the set of the announced epoch is known before its engine starts");
    }
}

//! The consensus application: builds and verifies blocks by running the ledger, and applies
//! finalized blocks in order, persisting each before acknowledging it to marshal.

use crate::block::ChainBlock;
use crate::core::NodeHandle;
use commonware_actor::Feedback;
use commonware_consensus::marshal::Update;
use commonware_consensus::marshal::ancestry::Ancestry;
use commonware_consensus::simplex::scheme::ed25519;
use commonware_consensus::simplex::types::Context;
use commonware_consensus::{Application, Reporter};
use commonware_cryptography::sha256::Digest;
use commonware_cryptography::{Digestible, Digested};
use commonware_runtime::Clock;
use commonware_utils::SystemTimeExt;
use futures::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tracing::{debug, warn};
use vellum_ledger::{LedgerState, build_block, execute_block_with};

pub type ConsensusContext = Context<Digest, commonware_cryptography::ed25519::PublicKey>;


#[derive(Clone)]
pub struct App {
    pub(crate) node: NodeHandle,
    pub(crate) finalized: crate::executor::FinalizedQueue,
    /// With nothing to include, a leader waits this long after its parent's time before
    /// proposing an empty block, so an idle chain does not write ~100 empty blocks a second.
    /// Must stay well below the leader timeout.
    pub(crate) empty_block_interval: Duration,
    /// Correction added to the runtime clock: the offset a trusted time check measured (and,
    /// in simulations, a deliberately skewed clock). Every time decision uses the corrected
    /// clock; while it is not usable (never checked, or checks failing) this validator neither
    /// proposes nor votes.
    pub(crate) clock: crate::time::CheckedClock,
}

/// How often a waiting leader looks at the mempool again.
const EMPTY_BLOCK_POLL: Duration = Duration::from_millis(5);

impl App {
    /// Executes a block, reusing the signature checks of transactions this validator already
    /// admitted to its mempool (byte-identical envelopes only).
    fn execute(&self, parent: &LedgerState, block: &vellum_types::Block) -> Result<vellum_ledger::BlockOutcome, vellum_ledger::BlockError> {
        let known = self.node.lock().mempool.known_signers(&block.txs);
        execute_block_with(parent, block, &known)
    }

    /// The validator's checked clock, in ms since the epoch.
    fn now_ms(&self, clock: &impl Clock) -> u64 {
        let raw = i64::try_from(clock.current().epoch_millis()).unwrap_or(i64::MAX);
        raw.saturating_add(self.clock.offset_ms()).max(0) as u64
    }
}

impl App {
    /// The post-state of `first` (a block whose ancestry continues in `ancestry`), executing
    /// any blocks between the newest state this node knows and `first`.
    async fn state_after(
        &self,
        first: Digested<ChainBlock>,
        ancestry: &mut impl Ancestry<ChainBlock>,
    ) -> Option<LedgerState> {
        let mut missing: Vec<Digested<ChainBlock>> = Vec::new();
        let mut cursor = first;
        let mut base = loop {
            let (known, finalized_height) = {
                let core = self.node.lock();
                let finalized = self.node.snapshot();
                (core.state_after(&cursor.digest(), &finalized), finalized.height)
            };
            if let Some(state) = known {
                break state;
            }
            if cursor.inner().block().header.height <= finalized_height {
                // An ancestor at or below our finalized height that is not our finalized
                // block: this branch conflicts with finality.
                warn!(height = cursor.inner().block().header.height, "ancestry conflicts with the finalized chain");
                return None;
            }
            missing.push(cursor);
            cursor = ancestry.next().await?;
        };
        for block in missing.into_iter().rev() {
            match self.execute(&base, block.inner().block()) {
                Ok(outcome) => {
                    base = outcome.state.clone();
                    self.node.lock().remember_executed(block.digest(), Arc::new(outcome));
                }
                Err(e) => {
                    warn!(error = %e, "ancestor does not execute");
                    return None;
                }
            }
        }
        Some(base)
    }
}

impl<E> Application<E> for App
where
    E: Clock + Send + Sync + 'static,
{
    type SigningScheme = ed25519::Scheme;
    type Context = ConsensusContext;
    type Block = ChainBlock;
    type Input = ();

    async fn propose(
        &mut self,
        (clock, context): (E, Self::Context),
        mut ancestry: impl Ancestry<Self::Block>,
        _: (),
    ) -> Option<Digested<Self::Block>> {
        if !self.clock.usable() {
            warn!("clock not checked against the trusted time source: not proposing");
            return None;
        }
        let parent = ancestry.next().await?;
        let parent_state = self.state_after(parent, &mut ancestry).await?;
        let epoch = context.round.epoch().get();
        if epoch != vellum_ledger::validators::epoch_of(parent_state.height + 1, parent_state.epoch_length) {
            warn!(epoch, parent = parent_state.height, "consensus epoch and block height disagree: not proposing");
            return None;
        }
        let idle_until = parent_state.time_ms + self.empty_block_interval.as_millis() as u64;
        while self.now_ms(&clock) < idle_until && self.node.lock().mempool.is_empty() {
            clock.sleep(EMPTY_BLOCK_POLL).await;
        }
        // BFT time: the proposer's clock, but strictly after the parent (monotonic). A proposer
        // whose clock is so far behind the chain that the block would be outside the skew
        // bound of its own clock does not propose (T-TIME).
        let now = self.now_ms(&clock);
        let future_skew = parent_state.params.block_time_future_skew_ms;
        if parent_state.time_ms + 1 > now.saturating_add(future_skew) {
            warn!(parent_ms = parent_state.time_ms, now_ms = now, "clock behind the chain beyond the skew bound: not proposing");
            return None;
        }
        let time_ms = now.max(parent_state.time_ms + 1);
        let mut proposer = [0u8; 32];
        proposer.copy_from_slice(context.leader.as_ref());
        // The candidates are shared (`Arc`) copies: the lock is released before the block is
        // built, so admission and reads go on while the ledger executes it.
        let candidates = self.node.lock().candidates(&parent_state);
        let built = build_block(
            &parent_state,
            time_ms,
            epoch,
            context.round.view().get(),
            proposer,
            candidates.iter().map(|p| (p.tx.as_ref(), p.signers.as_ref())),
        );
        let block = ChainBlock::new(built.block);
        let digest = block.digest();
        let rejected: Vec<_> = {
            let mut core = self.node.lock();
            let rejected: Vec<_> = built.rejected.iter().filter_map(|(id, error)| core.reject(*id, error).map(|sender| (*id, sender, error))).collect();
            core.remember_executed(digest, Arc::new(built.outcome));
            rejected
        };
        // Subscribers hear of the rejections with the next finalized block; noted after the
        // node's lock is released (the event hub's lock is never taken under it).
        self.node.events.rejected(rejected);
        debug!(height = block.block().header.height, txs = block.block().txs.len(), "proposed");
        Some(Digested::precomputed(block, digest))
    }

    async fn verify(&mut self, (clock, context): (E, Self::Context), mut ancestry: impl Ancestry<Self::Block>) -> bool {
        let Some(block) = ancestry.next().await else { return false };
        let header = block.inner().block().header.clone();
        if header.epoch != context.round.epoch().get()
            || header.view != context.round.view().get()
            || header.proposer.as_slice() != context.leader.as_ref()
        {
            warn!(height = header.height, "block header does not match its consensus round or leader");
            return false;
        }
        if !self.clock.usable() {
            warn!(height = header.height, "clock not checked against the trusted time source: not voting");
            return false;
        }
        let Some(parent) = ancestry.next().await else { return false };
        let Some(parent_state) = self.state_after(parent, &mut ancestry).await else { return false };
        // Bounded BFT time (T-TIME, X.1407 9.2.3 a): a block whose time is outside the skew
        // bounds of this validator's checked clock gets no vote — too far ahead (a proposer
        // with a fast clock) or too far behind. The bounds are governed parameters.
        let params = parent_state.params.clone();
        let now = self.now_ms(&clock);
        if header.time_ms + params.block_time_past_skew_ms < now {
            warn!(height = header.height, block_ms = header.time_ms, now_ms = now, "block time too far in the past");
            return false;
        }
        if header.time_ms > now.saturating_add(params.block_time_future_skew_ms) {
            warn!(height = header.height, block_ms = header.time_ms, now_ms = now, "block time too far in the future");
            return false;
        }
        match self.execute(&parent_state, block.inner().block()) {
            Ok(outcome) => {
                self.node.lock().remember_executed(block.digest(), Arc::new(outcome));
                true
            }
            Err(e) => {
                warn!(height = header.height, error = %e, "rejecting invalid block");
                false
            }
        }
    }
}

/// Marshal reports finalized blocks here, in height order, at least once each.
impl Reporter for App {
    type Activity = Update<ChainBlock>;

    fn report(&mut self, activity: Self::Activity) -> Feedback {
        match activity {
            Update::Tip(..) => Feedback::Ok,
            Update::Block(block, ack) => self.finalized.push((block, ack)),
        }
    }
}

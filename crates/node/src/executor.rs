//! The executor: applies finalized blocks in height order — execute (or reuse the execution
//! done while verifying), persist in one atomic commit, install the new state for readers,
//! then acknowledge to marshal. The only writer of the finalized state.

use crate::block::ChainBlock;
use crate::core::NodeHandle;
use commonware_actor::Feedback;
use commonware_consensus::simplex::scheme::ed25519;
use commonware_cryptography::{Digestible, Digested};
use commonware_utils::Acknowledgement;
use std::sync::Arc;
use tracing::info;
use vellum_ledger::execute_block;

/// A finalized block handed from marshal to the executor, with its acknowledgement.
pub type Finalized = (Digested<ChainBlock>, commonware_utils::acknowledgement::Exact);

/// Finalized blocks marshal hands out before it waits for acknowledgements (its
/// `max_pending_acks`).
pub const MARSHAL_PENDING_ACKS_MAX: usize = 16;

/// Capacity of the queue from marshal to the executor. Marshal stops dispatching while
/// [`MARSHAL_PENDING_ACKS_MAX`] blocks wait for their acknowledgement, so the queue never
/// holds more than that; twice as much covers marshal forgetting its waiters when it installs
/// a new floor (state sync, which Vellum does not use) while the old blocks are still queued.
pub const FINALIZED_QUEUE_MAX: usize = 2 * MARSHAL_PENDING_ACKS_MAX;

/// Marshal's side of the queue to the executor (bounded: [`FINALIZED_QUEUE_MAX`]).
///
/// Overflow policy: none is possible while marshal keeps its bound, so a full queue is a broken
/// invariant and stops the validator (panic). Dropping the block would drop its acknowledgement,
/// which stops marshal anyway, silently; waiting is not possible in a synchronous reporter.
#[derive(Clone)]
pub struct FinalizedQueue {
    sender: tokio::sync::mpsc::Sender<Finalized>,
}

impl FinalizedQueue {
    /// A queue of [`FINALIZED_QUEUE_MAX`] blocks and its receiving end, for [`run_executor`].
    pub fn new() -> (Self, tokio::sync::mpsc::Receiver<Finalized>) {
        let (sender, receiver) = tokio::sync::mpsc::channel(FINALIZED_QUEUE_MAX);
        (Self { sender }, receiver)
    }

    /// Hands a finalized block to the executor.
    pub fn push(&self, block: Finalized) -> Feedback {
        use tokio::sync::mpsc::error::TrySendError;
        match self.sender.try_send(block) {
            Ok(()) => Feedback::Ok,
            Err(TrySendError::Closed(_)) => Feedback::Closed,
            Err(TrySendError::Full((block, _))) => panic!(
                "finalized-block queue full ({FINALIZED_QUEUE_MAX}) at height {}: marshal dispatched past its bound of {MARSHAL_PENDING_ACKS_MAX} unacknowledged blocks",
                block.inner().block().header.height
            ),
        }
    }
}

/// Marshal's mailbox, as the executor and the epochs see it.
pub type MarshalMailbox = commonware_consensus::marshal::core::Mailbox<
    ed25519::Scheme,
    commonware_consensus::marshal::standard::Standard<ChainBlock>,
>;

/// Applies finalized blocks one by one: execute (or reuse the verified execution), persist in
/// one atomic commit, then acknowledge. See `vellum-storage` for why this order is crash-safe.
pub(crate) async fn run_executor(
    node: NodeHandle,
    marshal: MarshalMailbox,
    mut finalized_rx: tokio::sync::mpsc::Receiver<Finalized>,
    epochs: crate::epochs::EpochTransitions,
) {
    let mut tracked = crate::engine::peers_to_track(&node.finalized_state());
    while let Some((block, ack)) = finalized_rx.recv().await {
        let height = block.inner().block().header.height;
        // Only this task installs finalized states, so the snapshot cannot move under it.
        let parent = node.snapshot();
        if height <= parent.height {
            // Redelivery after a restart: already durable.
            ack.acknowledge();
            continue;
        }
        assert_eq!(height, parent.height + 1, "marshal delivers finalized blocks without gaps");
        let cached = node.lock().executed.get(&block.digest()).cloned();
        let outcome = match cached {
            Some(o) => o,
            // A block finalized by a quorum that does not execute here means this node's state
            // diverged (or the code is not deterministic): stop rather than fork.
            None => Arc::new(execute_block(&parent, block.inner().block()).unwrap_or_else(|e| {
                panic!("finalized block {height} does not execute on the finalized state: {e}")
            })),
        };
        // The block's own finalization certificate, stored with it as the evidence bundles
        // point to. Marshal has one for every block finalized while this node was live; a
        // block backfilled as the ancestor of a later finalized block may have none (its
        // finality follows from the descendant's), and is then stored without one.
        let certificate = match marshal.get_finalization(commonware_consensus::types::Height::new(height)).await {
            Some(finalization) => commonware_codec::Encode::encode(&finalization).to_vec(),
            None => Vec::new(),
        };
        if let Err(e) = node.install_finalized(block.inner().block(), &outcome, &certificate) {
            storage_failed(height, &e);
        }
        // Before the acknowledgement: marshal must know the next epoch's set before it sees
        // that epoch's certificates.
        epochs.after_block(&outcome, &mut tracked);
        ack.acknowledge();
        if height % 100 == 0 || !outcome.receipts.is_empty() {
            info!(height, txs = outcome.receipts.len(), state_root = %hex::encode(outcome.state.state_root()), "finalized");
        }
    }
}

/// Exit status of a validator that could not persist a finalized block (`EX_IOERR`).
pub const STORAGE_FAILURE_EXIT: i32 = 74;

/// A finalized block could not be made durable (a full disk, an I/O error): the validator
/// stops at once, before acknowledging the block, so marshal redelivers it after a restart and
/// the database stays at the previous block (`crates/storage`, commit protocol). A panic would
/// end only this task and leave a validator that votes but no longer applies blocks.
fn storage_failed(height: u64, e: &vellum_storage::CommitError) -> ! {
    tracing::error!(height, error = %e, "cannot persist finalized block: stopping the validator");
    eprintln!("fatal: cannot persist finalized block {height}: {e}; stopping before acknowledging it (restart once the disk is fixed)");
    std::process::exit(STORAGE_FAILURE_EXIT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use commonware_cryptography::Digestible;
    use commonware_utils::acknowledgement::Exact;

    /// A finalized block at `height` with its acknowledgement, and marshal's end of it.
    fn finalized(height: u64) -> (Finalized, <Exact as Acknowledgement>::Waiter) {
        let (_, mut block) = vellum_ledger::genesis_block(&vellum_ledger::testkit::fixture().genesis);
        block.header.height = height;
        let block = ChainBlock::new(block);
        let digest = block.digest();
        let (ack, waiter) = Exact::handle();
        ((Digested::precomputed(block, digest), ack), waiter)
    }

    #[test]
    fn the_finalized_queue_holds_marshals_bound_in_order() {
        let (queue, mut receiver) = FinalizedQueue::new();
        let mut waiters = Vec::new();
        for height in 1..=FINALIZED_QUEUE_MAX as u64 {
            let (block, waiter) = finalized(height);
            assert_eq!(queue.push(block), Feedback::Ok, "height {height} fits");
            waiters.push(waiter);
        }
        for height in 1..=FINALIZED_QUEUE_MAX as u64 {
            let (block, _) = receiver.try_recv().expect("queued");
            assert_eq!(block.inner().block().header.height, height, "delivered in the order marshal sent");
        }
        drop(receiver);
        let (block, _waiter) = finalized(99);
        assert_eq!(queue.push(block), Feedback::Closed, "a stopped executor is reported to marshal");
    }

    #[test]
    #[should_panic(expected = "finalized-block queue full")]
    fn a_finalized_queue_past_marshals_bound_stops_the_validator() {
        let (queue, _receiver) = FinalizedQueue::new();
        let mut waiters = Vec::new();
        for height in 1..=FINALIZED_QUEUE_MAX as u64 + 1 {
            let (block, waiter) = finalized(height);
            waiters.push(waiter);
            queue.push(block);
        }
    }
}

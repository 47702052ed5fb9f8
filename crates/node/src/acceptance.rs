//! Durable acceptance: a transaction the API answers `accepted` for is on this validator's
//! disk first, so it survives this validator's crash (replayed into the mempool and gossiped
//! again on restart). One writer thread owns the writes and commits every request waiting in
//! its queue in one redb transaction (group commit): concurrent submissions share one fsync,
//! so the cost is one fsync of latency, not one fsync of throughput per transaction.
//! The measured cost and the alternative (answer after a peer holds it) are argued in
//! ARCHITECTURE.md, "Durable acceptance".
//!
//! Overflow policy: the queue is bounded ([`ACCEPT_QUEUE_MAX`]) and so is the wait
//! ([`ACCEPT_WAIT_MAX`]); a submission that finds the queue full or waits too long is refused
//! as `busy` (HTTP 503) — the client library moves to another validator — rather than
//! waiting without bound or answering `accepted` without a durable copy. If the writer thread
//! dies, every later submission is answered 500 (`storage`): still never `accepted` without
//! a durable copy. (A validator holding a transaction only from gossip answers `duplicate`
//! to a resubmission — held, not necessarily on its disk; the client's resubmission loop
//! covers that: it resubmits whatever no validator holds any more.)

use std::sync::{Arc, Weak};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use thiserror::Error;
use vellum_storage::Store;
use vellum_types::TxId;

/// Submissions waiting for the writer. Smaller than the API's pool of blocking threads
/// (tokio's default 512), so when the disk falls behind, submissions are refused as `busy`
/// here instead of piling up in that pool and starving every other blocking endpoint.
pub const ACCEPT_QUEUE_MAX: usize = 256;
/// Longest a submission waits for its group commit before it is answered `busy` (the disk
/// stalls): the transaction stays admitted and gossiped; the client resubmits elsewhere.
pub const ACCEPT_WAIT_MAX: std::time::Duration = std::time::Duration::from_secs(10);
/// Most transactions one group commit writes.
pub const ACCEPT_BATCH_MAX: usize = 2_048;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum AcceptError {
    #[error("too many submissions waiting for the disk; retry shortly or at another validator")]
    Busy,
    #[error("cannot record the accepted transaction: {0}")]
    Storage(String),
}

/// One submission's transactions (one, or a `POST /v1/txs` batch), committed together.
struct Request {
    rows: Vec<(TxId, Vec<u8>)>,
    done: SyncSender<Result<(), AcceptError>>,
}

/// The door to the writer thread; cheap to clone. The thread ends when every clone is gone.
#[derive(Clone)]
pub struct AcceptLog {
    queue: SyncSender<Request>,
    wait_max: std::time::Duration,
}

impl AcceptLog {
    pub fn start(store: Arc<Store>) -> Self {
        let (queue, requests) = sync_channel(ACCEPT_QUEUE_MAX);
        let wait_max = ACCEPT_WAIT_MAX;
        // The writer does not keep the database open: once the node lets go of it (shutdown,
        // or a test reopening it) the writer answers errors until its queue is dropped.
        let store = Arc::downgrade(&store);
        std::thread::Builder::new()
            .name("vellum-accept-log".into())
            .spawn(move || write_batches(&store, &requests))
            .expect("spawn the acceptance writer");
        Self { queue, wait_max }
    }

    /// A log whose writer never writes (a stalled disk), with the given bounds; the test keeps
    /// the queue's receiving end to see what was enqueued.
    #[cfg(test)]
    fn stalled(queue_max: usize, wait_max: std::time::Duration) -> (Self, Receiver<Request>) {
        let (queue, requests) = sync_channel(queue_max);
        (Self { queue, wait_max }, requests)
    }

    /// Returns once `bytes` (transaction `id`) is durably recorded.
    pub fn persist(&self, id: TxId, bytes: Vec<u8>) -> Result<(), AcceptError> {
        self.persist_all(vec![(id, bytes)])
    }

    /// Returns once every row is durably recorded (one request, one commit: all or none).
    pub fn persist_all(&self, rows: Vec<(TxId, Vec<u8>)>) -> Result<(), AcceptError> {
        assert!(rows.len() <= ACCEPT_BATCH_MAX, "a submission of {} transactions is over the commit bound", rows.len());
        if rows.is_empty() {
            return Ok(());
        }
        let (done, wait) = sync_channel(1);
        match self.queue.try_send(Request { rows, done }) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(AcceptError::Busy),
            Err(TrySendError::Disconnected(_)) => return Err(AcceptError::Storage("the acceptance writer stopped".into())),
        }
        match wait.recv_timeout(self.wait_max) {
            Ok(result) => result,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(AcceptError::Busy),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err(AcceptError::Storage("the acceptance writer stopped".into())),
        }
    }
}

/// Takes whatever is queued (at least one request; more while the rows stay within
/// [`ACCEPT_BATCH_MAX`]), writes it in one transaction, answers every request with the
/// commit's result.
fn write_batches(store: &Weak<Store>, requests: &Receiver<Request>) {
    let mut next: Option<Request> = None;
    loop {
        let Some(first) = next.take().or_else(|| requests.recv().ok()) else { return };
        let mut count = first.rows.len();
        let mut batch = vec![first];
        while let Ok(r) = requests.try_recv() {
            if count + r.rows.len() > ACCEPT_BATCH_MAX {
                // Starts the next commit: a request's rows are never split across two.
                next = Some(r);
                break;
            }
            count += r.rows.len();
            batch.push(r);
        }
        let rows: Vec<(TxId, Vec<u8>)> = batch.iter_mut().flat_map(|r| std::mem::take(&mut r.rows)).collect();
        let result = match store.upgrade() {
            Some(store) => store.put_accepted(&rows).map_err(|e| AcceptError::Storage(e.to_string())),
            None => Err(AcceptError::Storage("the database is closed".into())),
        };
        for r in batch {
            // The submitter may have gone (its HTTP connection closed): nothing to tell.
            let _ = r.done.send(result.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(dir: &std::path::Path) -> Arc<Store> {
        let genesis = vellum_ledger::testkit::fixture().genesis;
        Arc::new(Store::open(&dir.join("ledger.redb"), &genesis).unwrap())
    }

    #[test]
    fn persisted_transactions_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let ids: Vec<TxId> = (0u8..50).map(|i| TxId([i; 32])).collect();
        {
            let open = store(dir.path());
            let log = AcceptLog::start(open.clone());
            std::thread::scope(|s| {
                for id in &ids {
                    let log = log.clone();
                    s.spawn(move || log.persist(*id, vec![id.0[0]; 10]).unwrap());
                }
            });
            drop(open);
            // The writer holds no reference: the database is closed now.
            assert_eq!(log.persist(TxId([99; 32]), vec![1]), Err(AcceptError::Storage("the database is closed".into())));
        }
        // Everything answered Ok is on disk after the database is closed and reopened.
        let reopened = store(dir.path());
        let stored = reopened.accepted(1_000).unwrap();
        assert_eq!(stored.len(), ids.len());
        for (id, bytes) in stored {
            assert_eq!(bytes, vec![id.0[0]; 10]);
        }
        reopened.forget_accepted(&ids[..10]).unwrap();
        assert_eq!(reopened.accepted(1_000).unwrap().len(), 40);
    }

    #[test]
    fn a_stalled_disk_answers_busy_never_accepted() {
        let (log, requests) = AcceptLog::stalled(1, std::time::Duration::from_millis(300));
        let first = {
            let log = log.clone();
            std::thread::spawn(move || log.persist(TxId([1; 32]), vec![1]))
        };
        // The stalled writer takes the first request and never answers it (kept alive here).
        let held = requests.recv().unwrap();
        assert_eq!(held.rows[0].0, TxId([1; 32]));
        // Another submission fills the one-slot queue; the next one overflows it.
        let (done, _keep) = sync_channel(1);
        log.queue.try_send(Request { rows: vec![(TxId([3; 32]), vec![3])], done }).unwrap();
        assert_eq!(log.persist(TxId([2; 32]), vec![2]), Err(AcceptError::Busy), "a full queue refuses at once");
        let queued: Vec<TxId> = requests.try_iter().flat_map(|r| r.rows).map(|(id, _)| id).collect();
        assert_eq!(queued, vec![TxId([3; 32])], "the refused request was not enqueued");
        // The taken one gets `busy` once its wait bound passes: never `Ok` without a commit.
        assert_eq!(first.join().unwrap(), Err(AcceptError::Busy));
        drop(held);
    }
}

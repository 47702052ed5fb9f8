//! Transaction gossip between validators (p2p channel 5): every transaction this validator
//! admits from a client goes to every other validator, in batches — each tick sends everything
//! queued since the last one as one message — and batches from the others are admitted with
//! one signature batch and one lock ([`NodeHandle::admit_batch`]). Gossiped transactions are
//! not gossiped again: every validator is directly connected to every other.
//!
//! A message is [`BATCH_MARK`] followed by a batch frame (`vellum_types::batch`). A message
//! starting with any other byte is one transaction's wire bytes, what validators sent before
//! batching: still admitted, so a network can upgrade one validator at a time.

use crate::core::NodeHandle;
use commonware_cryptography::ed25519::PublicKey;
use commonware_p2p::{Receiver, Recipients, Sender};
use futures::FutureExt;
use tracing::debug;
use vellum_types::limits::SUBMIT_BATCH_TXS_MAX;

/// First byte of a batch message (a transaction's wire bytes start with the encoding version).
pub const BATCH_MARK: u8 = 0xB7;
/// A message stops taking queued transactions once it carries this many bytes of them (the
/// batch frame's own bound is 4 MiB; one more transaction is at most 16 KiB).
pub const BATCH_BYTES_MAX: usize = 1024 * 1024;

/// The message for a batch of transactions' wire bytes.
pub fn frame(txs: &[Vec<u8>]) -> Vec<u8> {
    let refs: Vec<&[u8]> = txs.iter().map(Vec::as_slice).collect();
    let mut out = vec![BATCH_MARK];
    out.extend_from_slice(&vellum_types::batch::encode(&refs));
    out
}

/// The transactions in a message: a batch, or one transaction from an older validator.
pub fn unframe(message: &[u8]) -> Result<Vec<&[u8]>, vellum_types::DecodeError> {
    match message.split_first() {
        Some((&BATCH_MARK, batch)) => vellum_types::batch::decode(batch),
        _ => Ok(vec![message]),
    }
}

/// Sends queued transactions to every validator and admits theirs, until either side closes.
pub(crate) async fn run<S, R>(node: NodeHandle, mut outbound: tokio::sync::mpsc::Receiver<Vec<u8>>, (mut sender, mut receiver): (S, R))
where
    S: Sender<PublicKey = PublicKey>,
    R: Receiver<PublicKey = PublicKey>,
{
    loop {
        futures::select! {
            tx = outbound.recv().fuse() => match tx {
                Some(first) => {
                    let batch = drain(first, &mut outbound);
                    sender.send(Recipients::All, frame(&batch), false);
                }
                None => return,
            },
            msg = receiver.recv().fuse() => match msg {
                Ok((peer, bytes)) => match unframe(bytes.as_ref()) {
                    Ok(txs) => {
                        for e in node.admit_batch(&txs).into_iter().filter_map(Result::err) {
                            debug!(?peer, error = %e, "gossiped transaction not admitted");
                        }
                    }
                    Err(e) => debug!(?peer, error = %e, "malformed gossip message"),
                },
                Err(_) => return,
            },
        }
    }
}

/// `first` and whatever else is queued now, up to [`SUBMIT_BATCH_TXS_MAX`] transactions or
/// [`BATCH_BYTES_MAX`] bytes: no timer, so an idle validator sends at once and a busy one
/// sends fewer, larger messages.
fn drain(first: Vec<u8>, outbound: &mut tokio::sync::mpsc::Receiver<Vec<u8>>) -> Vec<Vec<u8>> {
    let mut bytes = first.len();
    let mut batch = vec![first];
    while batch.len() < SUBMIT_BATCH_TXS_MAX && bytes < BATCH_BYTES_MAX {
        match outbound.try_recv() {
            Ok(tx) => {
                bytes += tx.len();
                batch.push(tx);
            }
            Err(_) => break,
        }
    }
    batch
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_and_single_transactions_unframe() {
        let txs = vec![vec![1u8, 7, 7], vec![1u8, 9]];
        let message = frame(&txs);
        assert_eq!(unframe(&message).unwrap(), vec![&txs[0][..], &txs[1][..]]);
        // An older validator's message: one transaction's wire bytes (version byte first).
        assert_eq!(unframe(&txs[0]).unwrap(), vec![&txs[0][..]]);
        assert!(unframe(&[BATCH_MARK, 0, 0]).is_err());
    }

    #[tokio::test]
    async fn a_tick_takes_what_is_queued_within_its_bounds() {
        let (tx, mut rx) = tokio::sync::mpsc::channel(4 * SUBMIT_BATCH_TXS_MAX);
        for i in 0..(SUBMIT_BATCH_TXS_MAX + 5) {
            tx.try_send(vec![1, i as u8]).unwrap();
        }
        let first = rx.recv().await.unwrap();
        assert_eq!(drain(first, &mut rx).len(), SUBMIT_BATCH_TXS_MAX, "the count bound");
        let first = rx.recv().await.unwrap();
        assert_eq!(drain(first, &mut rx).len(), 5, "what is left, without waiting for more");
        for _ in 0..8 {
            tx.try_send(vec![0; 300 * 1024]).unwrap();
        }
        let first = rx.recv().await.unwrap();
        assert_eq!(drain(first, &mut rx).len(), 4, "the byte bound: 4 x 300 KiB reaches 1 MiB");
    }
}

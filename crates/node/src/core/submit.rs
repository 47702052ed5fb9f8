//! Submission: clients' transactions (one, or a batch from `POST /v1/txs`), gossiped ones, and
//! the accepted ones replayed after a restart all pass one admission path, [`NodeHandle::admit_batch`]:
//! decode, one batch signature verification, one lock for the mempool, one durable commit.

use super::{NodeHandle, SubmitError};
use crate::mempool::MempoolError;
use vellum_ledger::{LedgerState, TxError, apply_tx};
use vellum_types::limits::SUBMIT_BATCH_TXS_MAX;
use vellum_types::{PublicKey, Transaction, TxId};

/// Most recorded accepted transactions read back at once (the mempool's own bound: more
/// could not be admitted anyway).
pub const ACCEPTED_REPLAY_MAX: usize = 200_000;

impl NodeHandle {
    /// Admits a transaction from a client and gossips it to the other validators.
    /// Answers only once the transaction is on this validator's disk (see [`crate::acceptance`]).
    pub fn submit(&self, bytes: &[u8]) -> Result<TxId, SubmitError> {
        self.submit_batch(&[bytes]).pop().expect("one answer per transaction")
    }

    /// Admits up to [`SUBMIT_BATCH_TXS_MAX`] transactions and answers for each, in order.
    /// Gossip goes out first, so the fsync overlaps the other validators' admission; the
    /// admitted ones are then made durable in one commit — if that fails, none of them is
    /// answered accepted (they stay admitted and gossiped: they may still finalize, and the
    /// client, told otherwise, resubmits the same ids elsewhere).
    pub fn submit_batch(&self, wires: &[&[u8]]) -> Vec<Result<TxId, SubmitError>> {
        assert!(wires.len() <= SUBMIT_BATCH_TXS_MAX, "a batch of {} transactions is over the limit", wires.len());
        let mut answers = self.admit_batch(wires);
        let mut durable = Vec::new();
        for (wire, answer) in wires.iter().zip(&answers) {
            let Ok(id) = answer else { continue };
            // Overflow policy: GOSSIP_QUEUE_MAX. (The gossip task may also be gone during
            // shutdown; either way the transaction stays admitted here.)
            if let Err(tokio::sync::mpsc::error::TrySendError::Full(_)) = self.gossip.try_send(wire.to_vec()) {
                self.gossip_dropped_total.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            durable.push((*id, wire.to_vec()));
        }
        if let Err(e) = self.accept_log.persist_all(durable) {
            for answer in answers.iter_mut().filter(|a| a.is_ok()) {
                *answer = Err(SubmitError::Accept(e.clone()));
            }
        }
        if answers.iter().any(Result::is_err) {
            let mut core = self.lock();
            for e in answers.iter().filter_map(|a| a.as_ref().err()) {
                *core.refused_total.entry(e.code()).or_default() += 1;
            }
        }
        answers
    }

    /// After a restart: admits every accepted transaction recorded on disk again (before the
    /// API serves) and returns the admitted ones, to be gossiped again once peers are
    /// connected. Those that can never apply again are forgotten: finalized (`duplicate`),
    /// nonce used (`bad_nonce`), expired, or bytes no validator accepts. Any other refusal
    /// (no room, an account frozen for now) keeps the record; the periodic sweep forgets it
    /// once it is not held in the mempool.
    pub fn replay_accepted(&self) -> Vec<Vec<u8>> {
        let rows = self.store.accepted(ACCEPTED_REPLAY_MAX).unwrap_or_else(|e| panic!("cannot read accepted transactions: {e}"));
        let mut replayed = Vec::new();
        let mut dead = Vec::new();
        for chunk in rows.chunks(SUBMIT_BATCH_TXS_MAX) {
            let wires: Vec<&[u8]> = chunk.iter().map(|(_, bytes)| bytes.as_slice()).collect();
            for ((id, bytes), answer) in chunk.iter().zip(self.admit_batch(&wires)) {
                match answer {
                    Ok(_) => replayed.push(bytes.clone()),
                    Err(e) if e.is_final() => dead.push(*id),
                    Err(_) => {}
                }
            }
        }
        if let Err(e) = self.store.forget_accepted(&dead) {
            tracing::warn!(error = %e, "cannot forget replayed transactions that no longer apply");
        }
        replayed
    }

    /// Forgets recorded accepted transactions this node no longer holds (finalized ones are
    /// removed with their block; these were dropped, rejected or superseded), so the record
    /// stays bounded by the mempool. Returns how many were forgotten.
    ///
    /// Known race (narrow, documented in ARCHITECTURE.md): a row read here as "not held" whose
    /// transaction is resubmitted and recorded again before the delete loses its record; the
    /// transaction itself stays in the mempool and gossiped, and the client still waiting
    /// resubmits it if it is lost.
    pub fn sweep_accepted(&self) -> usize {
        let Ok(ids) = self.store.accepted_ids(ACCEPTED_REPLAY_MAX) else { return 0 };
        let gone: Vec<TxId> = {
            let core = self.lock();
            ids.into_iter().filter(|id| !core.mempool.contains(id)).collect()
        };
        match self.store.forget_accepted(&gone) {
            Ok(()) => gone.len(),
            Err(e) => {
                tracing::warn!(error = %e, "cannot forget dropped accepted transactions");
                0
            }
        }
    }

    /// Admission without gossip or durability (gossiped transactions, replays, and the first
    /// step of [`NodeHandle::submit_batch`]): decoded, signatures verified in one batch,
    /// checked against storage for finality, then admitted under one lock.
    pub(crate) fn admit_batch(&self, wires: &[&[u8]]) -> Vec<Result<TxId, SubmitError>> {
        let decoded: Vec<Result<Transaction, SubmitError>> =
            wires.iter().map(|bytes| Transaction::from_wire(bytes).map_err(SubmitError::from)).collect();
        let verdicts = vellum_crypto::verify_each(decoded.iter().filter_map(|d| d.as_ref().ok()).collect::<Vec<_>>().into_iter());
        let mut verdicts = verdicts.into_iter();
        let verified: Vec<Result<(Transaction, Vec<PublicKey>), SubmitError>> = decoded
            .into_iter()
            .map(|d| {
                let tx = d?;
                let signers = verdicts.next().expect("one verdict per decoded transaction").map_err(TxError::Signature)?;
                Ok((tx, signers))
            })
            .collect();
        // Already finalized: a replay of a finalized transaction is a duplicate (one storage
        // read for the whole batch).
        let ids: Vec<TxId> = verified.iter().filter_map(|v| v.as_ref().ok()).map(|(tx, _)| tx.id()).collect();
        let finalized = self.store.finalized_among(&ids).map_err(|e| e.to_string());
        let mut finalized = (0..ids.len()).map(|i| match &finalized {
            Ok(f) => Ok(f[i]),
            Err(e) => Err(SubmitError::Storage(e.clone())),
        });
        let checked: Vec<Result<(Transaction, Vec<PublicKey>), SubmitError>> = verified
            .into_iter()
            .map(|v| {
                let (tx, signers) = v?;
                match finalized.next().expect("one finality answer per verified transaction")? {
                    true => Err(MempoolError::Duplicate.into()),
                    false => Ok((tx, signers)),
                }
            })
            .collect();
        // The checks against the finalized state run on the snapshot, outside the lock; insertion takes it once for the whole batch. If a block was finalized in
        // between, the checks run again under the lock against the state that is now final,
        // so nothing is admitted on a verdict about an older state.
        let snapshot = self.snapshot();
        let mut verdicts: Vec<Result<Admissible, SubmitError>> =
            checked.into_iter().map(|c| c.and_then(|(tx, signers)| check_admission(&snapshot, tx, signers))).collect();
        let mut core = self.lock();
        // Loaded under the lock: at least as new as the mempool's last pruning, and if newer,
        // that pruning waits for this lock and then also removes what is admitted here.
        let current = self.snapshot();
        if current.height != snapshot.height {
            verdicts = verdicts.into_iter().map(|v| v.and_then(|(tx, signers, _)| check_admission(&current, tx, signers))).collect();
        }
        verdicts.into_iter().map(|v| v.and_then(|(tx, signers, next)| Ok(core.mempool.insert(tx, signers, next)?))).collect()
    }
}

/// A transaction that passed the checks against the finalized state: with its verified
/// signers and its sender's next nonce there, for the mempool.
type Admissible = (Transaction, Vec<PublicKey>, u64);

/// The checks of a transaction with verified `signers` against the finalized `state` that
/// can fail.
fn check_admission(state: &LedgerState, tx: Transaction, signers: Vec<PublicKey>) -> Result<Admissible, SubmitError> {
    let sender = state.account(&tx.unsigned.sender).ok_or(TxError::UnknownSender(tx.unsigned.sender))?;
    // A transaction for the account's next nonce is executed against the finalized state on a
    // scratch copy (O(1): the map is persistent), so every reason it would fail is reported
    // now. Later nonces depend on pending ones and get the cheaper checks only.
    if tx.unsigned.nonce <= sender.next_nonce {
        let mut scratch = state.clone();
        let env = vellum_ledger::BlockEnv { height: state.height + 1, time_ms: state.time_ms + 1 };
        apply_tx(&mut scratch, &tx, &signers, env, &mut Default::default())?;
    } else {
        if tx.unsigned.chain_id != state.chain_id {
            return Err(TxError::WrongChain { expected: state.chain_id.clone(), got: tx.unsigned.chain_id }.into());
        }
        for s in &signers {
            if !sender.is_signer(s) {
                return Err(TxError::UnauthorizedSigner { account: sender.id, signer: s.to_string() }.into());
            }
        }
    }
    Ok((tx, signers, sender.next_nonce))
}

impl SubmitError {
    /// Whether the refusal can never change: the transaction can never apply on this chain
    /// (finalized, nonce used, expired, bytes or signatures no validator accepts).
    pub fn is_final(&self) -> bool {
        matches!(self.code(), "duplicate" | "bad_nonce" | "expired" | "malformed" | "too_large" | "bad_signature" | "wrong_chain")
    }
}

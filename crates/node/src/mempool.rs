//! A bounded pool of admitted, signature-checked transactions waiting for a block.

use std::collections::BTreeMap;
use std::sync::Arc;
use thiserror::Error;
use vellum_ledger::LedgerState;
use vellum_types::{AccountId, PublicKey, Transaction, TxId};

/// Limits of the pool (T-SPAM).
#[derive(Clone, Copy, Debug)]
pub struct MempoolLimits {
    pub txs_max: usize,
    pub bytes_max: usize,
    /// Most pending transactions per sending account; also how far ahead of the account's
    /// next nonce a transaction may be.
    pub per_account_max: usize,
}

impl Default for MempoolLimits {
    fn default() -> Self {
        Self { txs_max: 200_000, bytes_max: 256 * 1024 * 1024, per_account_max: 1_024 }
    }
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum MempoolError {
    #[error("transaction already pending")]
    Duplicate,
    #[error("another pending transaction already uses nonce {0} for this account")]
    NonceTaken(u64),
    #[error("nonce {got} is more than {max} ahead of the account's next nonce {next}")]
    NonceTooFar { got: u64, next: u64, max: usize },
    #[error("the account already has {0} pending transactions")]
    AccountFull(usize),
    #[error("mempool is full ({0})")]
    Full(&'static str),
}

impl MempoolError {
    pub fn code(&self) -> &'static str {
        match self {
            MempoolError::Duplicate => "duplicate",
            MempoolError::NonceTaken(_) => "nonce_taken",
            MempoolError::NonceTooFar { .. } => "nonce_too_far",
            MempoolError::AccountFull(_) => "account_rate_limited",
            MempoolError::Full(_) => "mempool_full",
        }
    }
}

#[derive(Clone)]
pub struct Pending {
    pub tx: Arc<Transaction>,
    pub signers: Arc<[PublicKey]>,
    bytes: usize,
    /// When this node admitted it (for the admission → finalized latency metric).
    pub admitted: std::time::Instant,
}

#[derive(Default)]
pub struct Mempool {
    limits: MempoolLimits,
    by_id: BTreeMap<TxId, Pending>,
    by_sender: BTreeMap<AccountId, BTreeMap<u64, TxId>>,
    bytes: usize,
}

impl Mempool {
    pub fn new(limits: MempoolLimits) -> Self {
        Self { limits, ..Default::default() }
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// For each transaction, its signers if this mempool holds exactly that envelope
    /// (signatures included) — verified at admission, so a block need not verify it again.
    pub fn known_signers(&self, txs: &[Transaction]) -> Vec<Option<Vec<PublicKey>>> {
        txs.iter()
            .map(|tx| self.by_id.get(&tx.id()).filter(|p| *p.tx == *tx).map(|p| p.signers.to_vec()))
            .collect()
    }

    /// When a pending transaction was admitted here.
    pub fn admitted_at(&self, id: &TxId) -> Option<std::time::Instant> {
        self.by_id.get(id).map(|p| p.admitted)
    }

    pub fn contains(&self, id: &TxId) -> bool {
        self.by_id.contains_key(id)
    }

    /// Admits a transaction whose signatures were checked; `next_nonce` is the sender's next
    /// nonce in the finalized state.
    pub fn insert(&mut self, tx: Transaction, signers: Vec<PublicKey>, next_nonce: u64) -> Result<TxId, MempoolError> {
        let id = tx.id();
        if self.by_id.contains_key(&id) {
            return Err(MempoolError::Duplicate);
        }
        let u = &tx.unsigned;
        let ahead = u.nonce.saturating_sub(next_nonce);
        if ahead >= self.limits.per_account_max as u64 {
            return Err(MempoolError::NonceTooFar { got: u.nonce, next: next_nonce, max: self.limits.per_account_max });
        }
        let queue = self.by_sender.get(&u.sender);
        if let Some(q) = queue {
            if q.contains_key(&u.nonce) {
                return Err(MempoolError::NonceTaken(u.nonce));
            }
            if q.len() >= self.limits.per_account_max {
                return Err(MempoolError::AccountFull(q.len()));
            }
        }
        if self.by_id.len() >= self.limits.txs_max {
            return Err(MempoolError::Full("transaction count"));
        }
        let bytes = tx.wire_bytes();
        if self.bytes + bytes > self.limits.bytes_max {
            return Err(MempoolError::Full("bytes"));
        }
        self.by_sender.entry(u.sender).or_default().insert(u.nonce, id);
        self.bytes += bytes;
        self.by_id.insert(id, Pending { tx: Arc::new(tx), signers: signers.into(), bytes, admitted: std::time::Instant::now() });
        Ok(id)
    }

    pub fn remove(&mut self, id: &TxId) -> Option<Pending> {
        let p = self.by_id.remove(id)?;
        self.bytes -= p.bytes;
        let u = &p.tx.unsigned;
        if let Some(q) = self.by_sender.get_mut(&u.sender) {
            q.remove(&u.nonce);
            if q.is_empty() {
                self.by_sender.remove(&u.sender);
            }
        }
        Some(p)
    }

    /// The first nonce after `next` that no pending transaction of `sender` uses in an unbroken
    /// run from `next` (where a node's own next transaction should go).
    pub fn next_free_nonce(&self, sender: &AccountId, next: u64) -> u64 {
        let Some(q) = self.by_sender.get(sender) else { return next };
        let mut n = next;
        while q.contains_key(&n) {
            n += 1;
        }
        n
    }

    /// Candidates for a block on top of `state`: each sender's run of consecutive nonces from
    /// its next nonce, interleaved round-robin across senders so no account starves others.
    pub fn candidates(&self, state: &LedgerState, max: usize) -> Vec<Pending> {
        let mut runs: Vec<Vec<&Pending>> = Vec::new();
        for (sender, queue) in &self.by_sender {
            let Some(account) = state.account(sender) else { continue };
            // The executable prefix: consecutive nonces from the account's next one.
            let run: Vec<&Pending> = (account.next_nonce..)
                .zip(queue.range(account.next_nonce..))
                .take_while(|(expected, (nonce, _))| *nonce == expected)
                .map(|(_, (_, id))| &self.by_id[id])
                .collect();
            if !run.is_empty() {
                runs.push(run);
            }
        }
        let mut out = Vec::with_capacity(max.min(self.by_id.len()));
        let mut depth = 0;
        while out.len() < max {
            let mut any = false;
            for run in &runs {
                if let Some(p) = run.get(depth) {
                    out.push((*p).clone());
                    any = true;
                    if out.len() >= max {
                        break;
                    }
                }
            }
            if !any {
                break;
            }
            depth += 1;
        }
        out
    }

    /// Drops every transaction the finalized state has made stale (nonce already used),
    /// returning their ids.
    pub fn prune(&mut self, finalized: &LedgerState) -> Vec<TxId> {
        let mut stale = Vec::new();
        for (sender, queue) in &self.by_sender {
            let next = finalized.account(sender).map_or(0, |a| a.next_nonce);
            stale.extend(queue.range(..next).map(|(_, id)| *id));
        }
        for id in &stale {
            self.remove(id);
        }
        stale
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vellum_ledger::testkit::{fixture, key, open, sign};

    #[test]
    fn limits_and_ordering() {
        let f = fixture();
        let (state, _) = vellum_ledger::genesis_block(&f.genesis);
        let mut pool = Mempool::new(MempoolLimits { txs_max: 5, bytes_max: 1 << 20, per_account_max: 3 });
        let tx = |n: u64| sign(&f.registrar, "vellum-test", n, open(&key("ed25519", 10 + n as u8)));
        let signers = vec![f.registrar.public_key()];
        pool.insert(tx(1), signers.clone(), 0).unwrap();
        assert!(pool.candidates(&state, 10).is_empty(), "nonce gap: nothing executable yet");
        pool.insert(tx(0), signers.clone(), 0).unwrap();
        assert_eq!(pool.insert(tx(0), signers.clone(), 0), Err(MempoolError::Duplicate));
        assert!(matches!(pool.insert(tx(3), signers.clone(), 0), Err(MempoolError::NonceTooFar { .. })));
        pool.insert(tx(2), signers.clone(), 0).unwrap();
        let c = pool.candidates(&state, 10);
        let nonces: Vec<u64> = c.iter().map(|p| p.tx.unsigned.nonce).collect();
        assert_eq!(nonces, vec![0, 1, 2]);
        let other = sign(&f.compliance, "vellum-test", 0, open(&key("ed25519", 99)));
        pool.insert(other, vec![f.compliance.public_key()], 0).unwrap();
        let c = pool.candidates(&state, 2);
        assert_ne!(c[0].tx.unsigned.sender, c[1].tx.unsigned.sender, "round-robin across senders");
        let other2 = sign(&f.user, "vellum-test", 0, open(&key("ed25519", 98)));
        pool.insert(other2, vec![f.user.public_key()], 0).unwrap();
        let over = sign(&f.user, "vellum-test", 1, open(&key("ed25519", 97)));
        assert_eq!(pool.insert(over, vec![f.user.public_key()], 0), Err(MempoolError::Full("transaction count")));
        assert_eq!(pool.len(), 5);
    }
}

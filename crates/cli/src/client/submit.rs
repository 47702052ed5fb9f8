//! A signed transaction taken to finality: offered to the validators until one admits it,
//! watched until it is final, and resubmitted (the same bytes, so the same id) whenever no
//! validator holds it any more — a validator that crashed before gossiping it, or restarted
//! with a wiped disk, loses nothing the client still waits for.

use super::node::Submitted;
use super::pool::Pool;
use super::verified::tx_key;
use anyhow::{Result, bail};
use serde_json::Value;
use std::time::{Duration, Instant};
use vellum_types::Transaction;

/// How long no validator may know a submitted transaction before it is submitted again.
/// Gossip reaches the others within milliseconds; a few seconds tells "lost" from "in flight".
pub const RESUBMIT_AFTER: Duration = Duration::from_secs(2);
/// Pause between status polls.
pub const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// Where a submitted transaction ended.
#[derive(Debug)]
pub enum Outcome {
    /// Finalized (the status answer: height, index, log index), or rejected by a block
    /// builder (code and message in the answer).
    Final(Value),
    /// Resubmitted and refused by every validator: its nonce was used by another transaction,
    /// it expired, or the account changed. Nothing of it was applied.
    Refused { code: String, message: String, expected_nonce: Option<u64> },
}

/// Refusals of a resubmission that mean the transaction can never apply — its nonce went to
/// another transaction (`bad_nonce`), it expired, or its bytes are wrong. Any other refusal
/// (a full mempool, a lagging validator) may pass later, and the transaction may still be
/// held by a validator that did not answer: the client keeps waiting.
const REFUSED_FOR_GOOD: &[&str] = &["bad_nonce", "expired", "malformed", "too_large", "bad_signature", "wrong_chain"];

/// One status read: agreed by `f + 1` validators (`verify`) or the first answer.
fn read_status(pool: &Pool, hash: &str, verify: bool) -> Result<Value> {
    if verify {
        let agreed = pool.agreed_get(&format!("/v1/tx/{hash}"), tx_key)?;
        return Ok(agreed.body);
    }
    Ok(pool.tx_status(hash)?.1)
}

/// A "rejected" answer is one block builder's view: it dropped the transaction from its own
/// pool, while others may still hold it and finalize it. It is the outcome only when no
/// validator holds it pending (or has finalized it).
pub fn held_elsewhere(pool: &Pool, hash: &str) -> bool {
    pool.nodes().iter().any(|c| c.tx_status(hash).is_ok_and(|(_, v)| v["status"] == "pending" || v["status"] == "finalized"))
}

impl Pool {
    /// Waits until `tx` (already submitted once) is finalized or rejected, resubmitting it
    /// while no validator knows it. With `verify`, "finalized" must come from `f + 1`
    /// validators with the same position. A read that fails (no validator answered, no
    /// agreement yet) is retried until `timeout`; only a refusal in [`REFUSED_FOR_GOOD`] ends
    /// the wait early.
    pub fn wait_final(&self, tx: &Transaction, timeout: Duration, verify: bool) -> Result<Outcome> {
        let hash = tx.id().to_hex();
        let start = Instant::now();
        let mut known_at = Instant::now();
        let mut last = String::from("no answer yet");
        while start.elapsed() <= timeout {
            match read_status(self, &hash, verify) {
                Err(e) => last = format!("{e:#}"),
                Ok(v) => {
                    match v["status"].as_str() {
                        Some("finalized") => return Ok(Outcome::Final(v)),
                        Some("rejected") if !held_elsewhere(self, &hash) => return Ok(Outcome::Final(v)),
                        Some("pending") | Some("rejected") => known_at = Instant::now(),
                        _ if known_at.elapsed() >= RESUBMIT_AFTER => {
                            if let Some(refused) = self.resubmit(tx, &hash, verify)? {
                                return Ok(refused);
                            }
                            known_at = Instant::now();
                        }
                        _ => {}
                    }
                    last = v.to_string();
                }
            }
            std::thread::sleep(POLL_INTERVAL);
        }
        bail!("transaction {hash} not final after {} s; its outcome is unknown (last answer: {last})", timeout.as_secs())
    }

    /// Submits `tx` and, once a validator admits it, waits until it is final: the one path from
    /// signed bytes to an outcome that commands and transaction files share.
    pub fn submit_and_wait(&self, tx: &Transaction, timeout: Duration, verify: bool) -> Result<Outcome> {
        match self.submit(tx)? {
            Submitted::Accepted(_) => self.wait_final(tx, timeout, verify),
            Submitted::Refused { code, message, expected_nonce, .. } => Ok(Outcome::Refused { code, message, expected_nonce }),
        }
    }

    /// Submits `tx` again. `Some` only if it was refused for good and is not finalized.
    fn resubmit(&self, tx: &Transaction, hash: &str, verify: bool) -> Result<Option<Outcome>> {
        let Ok(Submitted::Refused { code, message, expected_nonce, .. }) = self.submit(tx) else {
            // Admitted again, or no validator answered (retried at the next round).
            return Ok(None);
        };
        let nonce_used = code == "bad_nonce" && expected_nonce.is_some_and(|n| n > tx.unsigned.nonce);
        if !REFUSED_FOR_GOOD.contains(&code.as_str()) || (code == "bad_nonce" && !nonce_used) {
            return Ok(None);
        }
        // Refused now, yet maybe finalized meanwhile: the status decides.
        if read_status(self, hash, verify).is_ok_and(|v| v["status"] == "finalized") {
            return Ok(None);
        }
        Ok(Some(Outcome::Refused { code, message, expected_nonce }))
    }
}

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

/// One status read: agreed by `f + 1` validators (`verify`) or the first answer.
fn read_status(pool: &Pool, hash: &str, verify: bool) -> Result<Value> {
    if verify {
        let agreed = pool.agreed_get(&format!("/v1/tx/{hash}"), tx_key)?;
        return Ok(agreed.body);
    }
    Ok(pool.tx_status(hash)?.1)
}

impl Pool {
    /// Waits until `tx` (already submitted once) is finalized or rejected, resubmitting it
    /// while no validator knows it. With `verify`, "finalized" must come from `f + 1`
    /// validators with the same position.
    pub fn wait_final(&self, tx: &Transaction, timeout: Duration, verify: bool) -> Result<Outcome> {
        let hash = tx.id().to_hex();
        let start = Instant::now();
        let mut known_at = Instant::now();
        loop {
            let v = read_status(self, &hash, verify)?;
            match v["status"].as_str() {
                Some("finalized") | Some("rejected") => return Ok(Outcome::Final(v)),
                Some("pending") => known_at = Instant::now(),
                _ if known_at.elapsed() >= RESUBMIT_AFTER => {
                    match self.submit(tx)? {
                        Submitted::Accepted(_) => known_at = Instant::now(),
                        Submitted::Refused { code, message, expected_nonce, .. } => {
                            // Refused now, yet maybe finalized meanwhile: the status decides.
                            let v = read_status(self, &hash, verify)?;
                            if v["status"] == "finalized" {
                                return Ok(Outcome::Final(v));
                            }
                            return Ok(Outcome::Refused { code, message, expected_nonce });
                        }
                    }
                }
                _ => {}
            }
            if start.elapsed() > timeout {
                bail!("transaction {hash} not final after {} s (last answer: {v})", timeout.as_secs());
            }
            std::thread::sleep(POLL_INTERVAL);
        }
    }
}

//! Every validator of the client config behind one client: requests go to a preferred
//! validator and move to the next on a connection error, a timeout or a 5xx answer; the
//! preference sticks to the last validator that answered (so one dead validator costs one
//! failed attempt, not one per request, and consecutive reads see one node's view).

use super::node::{Client, Submitted};
use anyhow::{Result, bail};
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use vellum_types::Transaction;

/// Refusal codes that every honest validator gives alike, whatever its view of the chain:
/// the bytes themselves are wrong. Any other refusal may come from a validator that has not
/// yet applied the block the transaction depends on (the account's opening, a role grant, a
/// mint), so the transaction is offered to the other validators before it counts as refused.
const REFUSED_EVERYWHERE: &[&str] = &["malformed", "too_large", "bad_signature", "wrong_chain"];

#[derive(Clone)]
pub struct Pool {
    nodes: Vec<Client>,
    preferred: std::sync::Arc<AtomicUsize>,
}

/// What went wrong at one validator (for the error when none answers).
fn failure(c: &Client, what: String) -> String {
    format!("{}: {what}", c.base)
}

impl Pool {
    /// A pool over `apis` (at least one).
    pub fn new(apis: &[String]) -> Self {
        assert!(!apis.is_empty(), "a pool needs at least one validator");
        Self { nodes: apis.iter().map(|a| Client::new(a)).collect(), preferred: Default::default() }
    }

    /// The same validators with its own preference, starting at validator `i` (load
    /// generators spread their threads this way).
    pub fn preferring(&self, i: usize) -> Self {
        Self { nodes: self.nodes.clone(), preferred: std::sync::Arc::new(AtomicUsize::new(i % self.nodes.len())) }
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// The validators, in config order.
    pub fn nodes(&self) -> &[Client] {
        &self.nodes
    }

    /// Faults the pool's validators tolerate: `f` with `n = 3f + 1` (and `f + 1` matching
    /// answers therefore include at least one honest validator).
    pub fn faults_tolerated(&self) -> usize {
        (self.nodes.len() - 1) / 3
    }

    /// Index of the validator requests go to first.
    pub fn preferred_index(&self) -> usize {
        self.preferred.load(Ordering::Relaxed) % self.nodes.len()
    }

    /// Makes validator `i` the one requests go to first.
    pub fn prefer(&self, i: usize) {
        self.preferred.store(i % self.nodes.len(), Ordering::Relaxed);
    }

    /// The validator requests go to first.
    pub fn base(&self) -> &str {
        &self.nodes[self.preferred_index()].base
    }

    /// Every validator, the preferred one first, then around the list.
    fn in_order(&self) -> impl Iterator<Item = (usize, &Client)> {
        let (n, start) = (self.nodes.len(), self.preferred_index());
        (0..n).map(move |k| (start + k) % n).map(|i| (i, &self.nodes[i]))
    }

    /// Runs `call` on the preferred validator, then on each other one, until one answers
    /// below 500 and not 429 (that validator is overloaded for this client; another may not
    /// be). The error lists every validator's failure.
    fn first_answer<T>(&self, what: &str, call: impl Fn(&Client) -> Result<(u16, T)>) -> Result<(u16, T)> {
        let mut failures = Vec::with_capacity(self.nodes.len());
        for (i, node) in self.in_order() {
            match call(node) {
                Ok((status, body)) if status < 500 && status != 429 => {
                    self.prefer(i);
                    return Ok((status, body));
                }
                Ok((status, _)) => failures.push(failure(node, format!("HTTP {status}"))),
                Err(e) => failures.push(failure(node, format!("{e:#}"))),
            }
        }
        bail!("no validator answered {what} (tried {}): {}", self.nodes.len(), failures.join("; "))
    }

    pub fn get(&self, path: &str) -> Result<(u16, Value)> {
        self.first_answer(path, |c| c.get(path))
    }

    pub fn get_signed(&self, path: &str, key: &vellum_crypto::Signer, chain_id: &str) -> Result<(u16, Vec<u8>)> {
        // Signed afresh for each validator: each keeps its own replay window.
        self.first_answer(path, |c| c.get_signed(path, key, chain_id))
    }

    /// Asks every validator for a self-verifying file and keeps the freshest one `height_of`
    /// accepts (it verifies the bytes and returns the height they are certified at). A lagging
    /// or faulty validator cannot hide a newer state: any honest one that has it wins. Fails
    /// only when no validator gave a valid file; then the error lists each one's answer.
    pub fn freshest(&self, path: &str, limit: u64, height_of: impl Fn(&[u8]) -> Result<u64>) -> Result<Vec<u8>> {
        let mut best: Option<(u64, usize, Vec<u8>)> = None;
        let mut failures = Vec::with_capacity(self.nodes.len());
        for (i, node) in self.in_order() {
            match node.get_bytes(path, limit) {
                Ok((200, bytes)) => match height_of(&bytes) {
                    Ok(h) if best.as_ref().is_none_or(|(b, _, _)| h > *b) => best = Some((h, i, bytes)),
                    Ok(_) => {}
                    Err(e) => failures.push(failure(node, format!("invalid answer: {e:#}"))),
                },
                Ok((status, body)) => {
                    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    failures.push(failure(node, format!("HTTP {status} {}: {}", v["error"]["code"], v["error"]["message"].as_str().unwrap_or_default())))
                }
                Err(e) => failures.push(failure(node, format!("{e:#}"))),
            }
        }
        match best {
            Some((_, i, bytes)) => {
                self.prefer(i);
                Ok(bytes)
            }
            None => bail!("no validator gave a valid answer to {path} (tried {}): {}", self.nodes.len(), failures.join("; ")),
        }
    }

    pub fn status(&self) -> Result<Value> {
        match self.get("/v1/status")? {
            (200, v) => Ok(v),
            (s, v) => bail!("status request failed ({s}): {v}"),
        }
    }

    pub fn tx_status(&self, hash: &str) -> Result<(u16, Value)> {
        self.get(&format!("/v1/tx/{hash}"))
    }

    /// Offers a signed transaction to the validators until one admits it. Submission is
    /// idempotent (the same bytes have the same id): a validator that already holds or
    /// finalized it answers `duplicate`, which counts as accepted. A refusal counts only when
    /// every validator that answered refused (see [`REFUSED_EVERYWHERE`] for the exceptions);
    /// then the most telling refusal is returned (see [`more_telling`]).
    pub fn submit(&self, tx: &Transaction) -> Result<Submitted> {
        let mut failures = Vec::new();
        let mut refusal: Option<Submitted> = None;
        for (i, node) in self.in_order() {
            match node.submit(tx) {
                Ok(answer) => match weigh(answer, tx, &mut refusal) {
                    Weighed::Done(s) => {
                        self.prefer(i);
                        return Ok(s);
                    }
                    Weighed::Final => break,
                    Weighed::Elsewhere => {}
                    Weighed::Condition(why) => failures.push(failure(node, why)),
                },
                Err(e) => failures.push(failure(node, format!("{e:#}"))),
            }
        }
        match refusal {
            Some(r) => Ok(r),
            None => bail!("no validator answered the submission of {} (tried {}): {}", tx.id().to_hex(), self.nodes.len(), failures.join("; ")),
        }
    }

    /// [`Pool::submit`] for many transactions: `POST /v1/txs` in frames within the batch
    /// limits (`vellum_types::batch::runs`), the same rules per transaction — what one validator did not
    /// admit (and did not refuse for good) goes to the next in one batch. One answer per
    /// transaction, in order; an error for one no validator answered.
    pub fn submit_batch(&self, txs: &[Transaction]) -> Vec<Result<Submitted>> {
        let mut answers: Vec<Option<Submitted>> = (0..txs.len()).map(|_| None).collect();
        let mut refusals: Vec<Option<Submitted>> = (0..txs.len()).map(|_| None).collect();
        // Too large for any validator (and for a frame): refused here, never sent.
        for (t, tx) in txs.iter().enumerate().filter(|(_, tx)| tx.wire_bytes() > vellum_types::limits::TX_BYTES_MAX) {
            let message = format!("{} bytes; at most {}", tx.wire_bytes(), vellum_types::limits::TX_BYTES_MAX);
            answers[t] = Some(Submitted::Refused { status: 413, code: "too_large".into(), message, expected_nonce: None });
        }
        let mut open: Vec<usize> = (0..txs.len()).filter(|t| answers[*t].is_none()).collect();
        let mut failures = Vec::new();
        for (i, node) in self.in_order() {
            let sizes: Vec<usize> = open.iter().map(|t| txs[*t].wire_bytes()).collect();
            for run in vellum_types::batch::runs(&sizes) {
                let chunk = &open[run];
                let wires: Vec<Vec<u8>> = chunk.iter().map(|t| txs[*t].to_wire()).collect();
                match node.submit_batch(&wires) {
                    Ok(got) => {
                        for (t, answer) in chunk.iter().zip(got) {
                            match weigh(answer, &txs[*t], &mut refusals[*t]) {
                                Weighed::Done(s) => answers[*t] = Some(s),
                                Weighed::Final => answers[*t] = refusals[*t].take(),
                                Weighed::Elsewhere | Weighed::Condition(_) => {}
                            }
                        }
                        self.prefer(i);
                    }
                    Err(e) => failures.push(failure(node, format!("{e:#}"))),
                }
            }
            open.retain(|t| answers[*t].is_none());
            if open.is_empty() {
                break;
            }
        }
        answers
            .into_iter()
            .zip(refusals)
            .zip(txs)
            .map(|((answer, refusal), tx)| match answer.or(refusal) {
                Some(s) => Ok(s),
                None => Err(anyhow::anyhow!("no validator answered the submission of {}: {}", tx.id().to_hex(), failures.join("; "))),
            })
            .collect()
    }
}

/// Where one validator's answer to a submission leaves it.
enum Weighed {
    /// Admitted (or already held: the same bytes have the same id).
    Done(Submitted),
    /// Refused for a reason every validator gives alike: kept in the refusal, asked no further.
    Final,
    /// Refused by this validator's view: kept in the refusal if more telling, try the next.
    Elsewhere,
    /// Busy or rate limited: this validator's condition, not a verdict on the transaction.
    Condition(String),
}

fn weigh(answer: Submitted, tx: &Transaction, refusal: &mut Option<Submitted>) -> Weighed {
    match answer {
        Submitted::Accepted(hash) => Weighed::Done(Submitted::Accepted(hash)),
        Submitted::Refused { code, .. } if code == "duplicate" => Weighed::Done(Submitted::Accepted(tx.id().to_hex())),
        Submitted::Refused { status, code, .. } if status >= 500 || status == 429 || CONDITIONS.contains(&code.as_str()) => {
            Weighed::Condition(format!("HTTP {status} {code}"))
        }
        this @ Submitted::Refused { .. } => {
            let everywhere = matches!(&this, Submitted::Refused { code, .. } if REFUSED_EVERYWHERE.contains(&code.as_str()));
            *refusal = Some(match refusal.take() {
                None => this,
                Some(first) => more_telling(first, this),
            });
            if everywhere { Weighed::Final } else { Weighed::Elsewhere }
        }
    }
}

/// Refusal codes that describe the validator's condition (in a batch answer, which has no
/// per-transaction HTTP status): another validator may admit the transaction.
const CONDITIONS: &[&str] = &["busy", "storage", "internal", "mempool_full", "account_rate_limited", "rate_limited"];

/// Of two refusals, the one the caller can act on: a `bad_nonce` with the highest expected
/// nonce (the most advanced validator's view of the account) beats any other reason, which a
/// lagging validator may give for a transaction the others would take; otherwise the first.
fn more_telling(first: Submitted, other: Submitted) -> Submitted {
    let expected = |s: &Submitted| match s {
        Submitted::Refused { code, expected_nonce: Some(n), .. } if code == "bad_nonce" => Some(*n),
        _ => None,
    };
    match (expected(&first), expected(&other)) {
        (None, Some(_)) => other,
        (Some(a), Some(b)) if b > a => other,
        _ => first,
    }
}

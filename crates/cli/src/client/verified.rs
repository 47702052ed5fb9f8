//! Verified reads: an answer a user acts on (a transaction final, a balance, a proof's record
//! and status) is believed only when `f + 1` validators give the same one — at least one of
//! them is honest when at most `f` of `3f + 1` are faulty. Validators a block or two behind
//! may differ for a moment, so disagreement is retried for a short while before it is an
//! error. Overloaded (429) or failing (5xx) validators do not vote. A negative answer
//! ("unknown", "pending") is settled only once every validator answered (or failed), so two
//! validators lagging alike cannot hide a transaction others have finalized. Balances and
//! proof records are compared whole: f + 1 agreeing validators may be a block behind the
//! newest, never wrong.

use super::node::Client;
use super::pool::Pool;
use anyhow::{Result, bail};
use serde_json::Value;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long validators may disagree (some lagging a block behind) before a read fails.
pub const AGREEMENT_WAIT: Duration = Duration::from_secs(5);
/// Pause between rounds of a read that did not reach agreement yet.
const AGREEMENT_RETRY: Duration = Duration::from_millis(100);

/// One validator's answer: HTTP status and JSON body.
type Answer = (u16, Value);
/// How one validator is asked (`None`: it did not answer).
pub type Ask = Arc<dyn Fn(&Client) -> Option<Answer> + Send + Sync>;

/// What `f + 1` validators agreed on.
#[derive(Clone, Debug)]
pub struct Agreed {
    pub status: u16,
    pub body: Value,
    /// How many validators gave this answer, and how many answered at all.
    pub matching: usize,
    pub answered: usize,
}

impl Pool {
    /// Asks every validator at once; returns the answers (with the validator's index) in
    /// arrival order, as soon as the preferred validator has been heard (answered or failed:
    /// node-local parts of a body, such as an audit trail, then come from the usual node) and
    /// `enough` holds for the answers, or every validator has been heard. Slow validators are
    /// not waited for once the answer is decided (their threads end with their own timeouts).
    fn gather(&self, call: Ask, enough: impl Fn(&[Answer]) -> bool) -> Vec<(usize, Answer)> {
        let (tx, rx) = mpsc::channel();
        for (i, node) in self.nodes().iter().enumerate() {
            let (node, call, tx) = (node.clone(), call.clone(), tx.clone());
            std::thread::spawn(move || {
                let _ = tx.send((i, call(&node)));
            });
        }
        drop(tx);
        let preferred = self.preferred_index();
        let mut preferred_heard = false;
        let mut answers: Vec<(usize, Answer)> = Vec::new();
        for (i, answer) in rx {
            preferred_heard |= i == preferred;
            answers.extend(answer.map(|a| (i, a)));
            let plain: Vec<Answer> = answers.iter().map(|(_, a)| a.clone()).collect();
            if preferred_heard && enough(&plain) {
                break;
            }
        }
        answers
    }

    /// The answer `f + 1` validators agree on, comparing `project(status, body)`; retried for
    /// [`AGREEMENT_WAIT`] while they disagree.
    pub fn agreed(&self, what: &str, call: Ask, project: fn(u16, &Value) -> Value) -> Result<Agreed> {
        let need = self.faults_tolerated() + 1;
        let start = Instant::now();
        loop {
            // The most common answer; among equally common ones, a settled (positive) one.
            let majority = |answers: &[Answer]| -> Option<(usize, usize)> {
                let keys: Vec<Value> = answers.iter().map(|(s, b)| project(*s, b)).collect();
                keys.iter()
                    .enumerate()
                    .map(|(i, k)| (keys.iter().filter(|o| *o == k).count(), settles(k), i))
                    .max()
                    .map(|(count, _, i)| (count, i))
            };
            let early = |a: &[Answer]| majority(a).is_some_and(|(count, i)| count >= need && settles(&project(a[i].0, &a[i].1)));
            let indexed = self.gather(call.clone(), early);
            let answers: Vec<Answer> = indexed.iter().map(|(_, a)| a.clone()).collect();
            // A negative majority (not found, forbidden, pending) while some validator already
            // answers positively is validators still behind a fresh write: wait for them, up to
            // the bound; a lying positive answer only delays the negative one.
            let behind = |i: usize| {
                !settles(&project(answers[i].0, &answers[i].1)) && answers.iter().any(|(s, b)| settles(&project(*s, b)))
            };
            match majority(&answers) {
                Some((count, i)) if count >= need && (!behind(i) || start.elapsed() >= AGREEMENT_WAIT) => {
                    // Of the agreeing answers, the preferred validator's (node-local parts of
                    // the body, such as an audit trail, then come from the usual node).
                    let key = project(answers[i].0, &answers[i].1);
                    let preferred = self.preferred_index();
                    let (node, (status, body)) = indexed
                        .iter()
                        .filter(|(_, (s, b))| project(*s, b) == key)
                        .min_by_key(|(n, _)| (*n != preferred, *n))
                        .cloned()
                        .expect("the majority answer is among the answers");
                    // Read your writes: later requests go to a validator that gave the agreed
                    // answer, not to one still behind it (e.g. the one that admitted the
                    // transaction and has not applied its block yet).
                    self.prefer(node);
                    return Ok(Agreed { status, body, matching: count, answered: answers.len() });
                }
                best => {
                    if start.elapsed() >= AGREEMENT_WAIT {
                        if answers.len() < need {
                            bail!("only {} of {} validators answered {what}; a verified read needs {need} matching answers", answers.len(), self.len());
                        }
                        bail!(
                            "validators disagree on {what}: at most {} of {} answers match, {need} needed (a validator is lagging or lying; --trust-node reads one node)",
                            best.map_or(0, |(c, _)| c),
                            answers.len()
                        );
                    }
                    std::thread::sleep(AGREEMENT_RETRY);
                }
            }
        }
    }

    /// A public GET agreed by `f + 1` validators.
    pub fn agreed_get(&self, path: &str, project: fn(u16, &Value) -> Value) -> Result<Agreed> {
        let p = path.to_string();
        self.agreed(path, Arc::new(move |c: &Client| c.get(&p).ok().filter(|(s, _)| counts(*s))), project)
    }

    /// A signed GET agreed by `f + 1` validators (each request signed afresh: every validator
    /// keeps its own replay window and audit trail).
    pub fn agreed_signed(&self, path: &str, key: &vellum_crypto::Signer, chain_id: &str, project: fn(u16, &Value) -> Value) -> Result<Agreed> {
        let (p, key, chain) = (path.to_string(), key.clone(), chain_id.to_string());
        let call = move |c: &Client| {
            let (status, body) = c.get_signed(&p, &key, &chain).ok().filter(|(s, _)| counts(*s))?;
            Some((status, serde_json::from_slice(&body).unwrap_or(Value::Null)))
        };
        self.agreed(path, Arc::new(call), project)
    }
}

/// Whether an answer is a vote: an overloaded (429) or failing (5xx) validator said nothing
/// about the chain.
fn counts(status: u16) -> bool {
    status < 500 && status != 429
}

/// Whether `f + 1` matching answers settle a read before every validator answered: a
/// positive answer (finalized, found) does; a negative one ("unknown", "pending") may be
/// validators lagging alike, so the others are heard first.
fn settles(key: &Value) -> bool {
    key.get(0).and_then(Value::as_str) != Some("unsettled")
}

/// Comparison key of a transaction status: where it was finalized, or that it is not.
pub fn tx_key(status: u16, body: &Value) -> Value {
    match body["status"].as_str() {
        Some("finalized") => serde_json::json!(["finalized", body["height"], body["index"], body["log_index"]]),
        Some(s) => serde_json::json!(["unsettled", s]),
        None => serde_json::json!(["unsettled", status, body["error"]["code"]]),
    }
}

/// Comparison key of a whole answer (balances: every field is chain state). A refusal is not
/// settled: a validator a block behind refuses what it has not applied yet.
pub fn whole(status: u16, body: &Value) -> Value {
    match status {
        200..=299 => serde_json::json!([status, body]),
        _ => serde_json::json!(["unsettled", status, body["error"]["code"]]),
    }
}

/// Comparison key of a proof read: the record and its status, not the node-local audit
/// trail of reads.
pub fn proof_key(status: u16, body: &Value) -> Value {
    if !(200..=299).contains(&status) {
        return whole(status, body);
    }
    let mut b = body.clone();
    if let Some(o) = b.as_object_mut() {
        o.remove("audit");
        o.remove("audit_on_ledger");
    }
    serde_json::json!([status, b])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A stand-in validator on loopback: answers `before` to its first `lag` requests (a node
    /// a block behind), then `after`.
    fn fake_node(lag: usize, before: (u16, &'static str), after: (u16, &'static str)) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let served = Arc::new(AtomicUsize::new(0));
        std::thread::spawn(move || {
            for mut conn in listener.incoming().flatten() {
                let mut buf = [0u8; 4096];
                let _ = conn.read(&mut buf);
                let (status, body) = if served.fetch_add(1, Ordering::SeqCst) < lag { before } else { after };
                let _ = write!(conn, "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
            }
        });
        format!("http://{addr}")
    }

    #[test]
    fn a_refusal_by_validators_behind_a_fresh_write_waits_for_them() {
        let forbidden = (403, r#"{"error":{"code":"forbidden","message":"not yet"}}"#);
        let found = (200, r#"{"account":{"next_nonce":1}}"#);
        let apis = vec![fake_node(2, forbidden, found), fake_node(2, forbidden, found), fake_node(0, found, found), dead_node()];
        let pool = Pool::new(&apis);
        let agreed = pool.agreed_get("/v1/account/x", whole).unwrap();
        assert_eq!(agreed.status, 200, "two lagging refusals must not outvote the write: {:?}", agreed.body);
        // Where no validator has the record, the refusal stands at once.
        let apis = vec![fake_node(0, forbidden, forbidden), fake_node(0, forbidden, forbidden), fake_node(0, forbidden, forbidden), dead_node()];
        let start = Instant::now();
        assert_eq!(Pool::new(&apis).agreed_get("/v1/account/x", whole).unwrap().status, 403);
        assert!(start.elapsed() < AGREEMENT_WAIT, "an agreed refusal nobody contradicts is not delayed");
    }

    fn dead_node() -> String {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    }
}

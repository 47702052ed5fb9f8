//! The validator side of witnessing (c2sp.org/tlog-witness): every validator pushes each new
//! checkpoint of the finalized log to the witnesses governance set (`GovAction::SetWitnesses`).
//!
//! A witness accepts a checkpoint only when a quorum of the validators signed it, and each
//! validator signs only its own note, so the pusher first collects the other validators'
//! signatures of the same checkpoint from their APIs (`peer_api` in `node.toml`). Every
//! validator pushes — no leader to lose — and the witnesses serialise what arrives (a second
//! push of the same checkpoint is cosigned again; a stale one is refused and skipped). A
//! cosigned checkpoint that meets the governed quorum is stored, and the node puts it into the
//! bundles and receipts it hands out (bundle version 4, receipt version 3).
//!
//! One thread, one round per [`PUSH_INTERVAL_MS`]; every HTTP call is bounded by
//! [`HTTP_TIMEOUT_MS`], so a round with every peer and witness unreachable ends within
//! `(peers + 2 × witnesses) × HTTP_TIMEOUT_MS`. Nothing is queued: a round that falls behind
//! simply pushes the newest checkpoint next time.

use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::time::Duration;
use vellum_evidence::checkpoint::Checkpoint;
use vellum_node::NodeHandle;

/// Pause between rounds.
pub const PUSH_INTERVAL_MS: u64 = 1_000;
/// Bound on each request to a peer or a witness.
pub const HTTP_TIMEOUT_MS: u64 = 3_000;

/// Runs the pusher on its own thread for as long as the process lives.
pub fn spawn(node: NodeHandle, peers: BTreeMap<String, String>) -> std::io::Result<()> {
    std::thread::Builder::new().name("vellum-witness-push".into()).spawn(move || {
        let agent = match crate::issuer::https_agent(None, Duration::from_millis(HTTP_TIMEOUT_MS)) {
            Ok(a) => a,
            Err(e) => return eprintln!("witness pusher: cannot build an HTTP client: {e:#}"),
        };
        let mut pusher = Pusher { node, peers, agent, known: BTreeMap::new(), last_stored: 0 };
        // A witness that stays down would fail every round: say so when the failure changes.
        let mut last_error = String::new();
        loop {
            std::thread::sleep(Duration::from_millis(PUSH_INTERVAL_MS));
            let error = pusher.round().err().map(|e| format!("{e:#}")).unwrap_or_default();
            if error != last_error && !error.is_empty() {
                tracing_warn(&format!("witness push: {error}"));
            }
            last_error = error;
        }
    })?;
    Ok(())
}

struct Pusher {
    node: NodeHandle,
    peers: BTreeMap<String, String>,
    agent: ureq::Agent,
    /// Each witness's size as of our last exchange with it.
    known: BTreeMap<String, u64>,
    /// Size of the last checkpoint stored as witnessed.
    last_stored: u64,
}

impl Pusher {
    /// One round: the latest finalized checkpoint, signed by a quorum of validators, offered to
    /// every governed witness; stored if a quorum of them cosigned.
    fn round(&mut self) -> Result<()> {
        let Some(policy) = self.node.witness_policy().filter(|p| p.quorum > 0) else { return Ok(()) };
        let height = self.node.status().height;
        let Ok(mut cp) = self.node.checkpoint_at_height(height) else { return Ok(()) };
        if cp.size <= self.last_stored {
            return Ok(());
        }
        self.gather_signatures(&mut cp, height);
        let urls: Vec<String> = policy.witnesses.iter().map(|w| w.url.clone()).collect();
        let node = &self.node;
        let (cp, refused) = crate::witness::cosign_all(&self.agent, cp, &urls, &mut self.known, &|old, new| node.consistency(old, new).map_err(anyhow::Error::from));
        if cp.cosignatures.len() < policy.quorum as usize {
            bail!("checkpoint {} cosigned by {} of the {} needed: {}", cp.size, cp.cosignatures.len(), policy.quorum, refused.join("; "));
        }
        if self.node.record_witnessed(&cp)? {
            self.last_stored = cp.size;
        }
        Ok(())
    }

    /// Adds the other validators' signatures of the checkpoint at `height` (those that have it
    /// and answer; the witnesses count them).
    fn gather_signatures(&self, cp: &mut Checkpoint, height: u64) {
        for url in self.peers.values() {
            let fetched = (|| -> Result<Checkpoint> {
                let endpoint = format!("{}/v1/log/checkpoint?height={height}", url.trim_end_matches('/'));
                let mut resp = self.agent.get(&endpoint).call().with_context(|| format!("cannot reach {endpoint}"))?;
                let text = resp.body_mut().with_config().limit(vellum_evidence::checkpoint::NOTE_BYTES_MAX as u64).read_to_string()?;
                if resp.status() != 200 {
                    bail!("HTTP {}: {}", resp.status(), text.trim());
                }
                Ok(Checkpoint::parse(&text)?)
            })();
            // A peer that is down or behind costs its signature only; the witnesses decide
            // whether the rest are a quorum.
            let _ = fetched.and_then(|theirs| cp.merge(&theirs).map_err(anyhow::Error::from));
        }
    }
}

fn tracing_warn(message: &str) {
    eprintln!("{message}");
}

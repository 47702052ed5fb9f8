//! A witness (c2sp.org/tlog-witness): it keeps the latest checkpoint it cosigned for a log,
//! accepts a newer one only with a valid consistency proof from it, cosigns it
//! (c2sp.org/tlog-cosignature) and refuses — and reports — a checkpoint that contradicts what it
//! has seen (a split view). The state machine is here, pure; `vellum witness serve` adds HTTP
//! and durable storage.
//!
//! `add-checkpoint` request body:
//!
//! ```text
//! old <size the submitter believes the witness has>
//! <consistency proof hashes, base64, one per line>
//!
//! <checkpoint note>
//! ```

use crate::checkpoint::{Checkpoint, Cosignature, NoteError};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use thiserror::Error;
use vellum_crypto::SecretKey;
use vellum_crypto::merkle::verify_consistency;
use vellum_types::Hash32;

/// Largest `add-checkpoint` body, and most proof lines in one.
pub const ADD_CHECKPOINT_BYTES_MAX: usize = 32 * 1024;
pub const PROOF_HASHES_MAX: usize = 64;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddCheckpoint {
    pub old: u64,
    pub proof: Vec<Hash32>,
    pub checkpoint: Checkpoint,
}

/// Why a witness refuses (with the HTTP status c2sp.org/tlog-witness gives it).
#[derive(Debug, Error, PartialEq, Eq)]
pub enum WitnessError {
    /// 400
    #[error("malformed add-checkpoint request: {0}")]
    Malformed(String),
    /// 404
    #[error("unknown log `{0}`")]
    UnknownLog(String),
    /// 403
    #[error("the checkpoint is not signed by the log: {0}")]
    NotSigned(NoteError),
    /// 409, with the witness's size in the body: the submitter must start from it.
    #[error("the witness's latest checkpoint of this log has size {size}, not the request's old size")]
    Conflict { size: u64 },
    /// 422: the proof does not take the witness's checkpoint to this one.
    #[error("the consistency proof does not take the witness's checkpoint to this one: {0}")]
    Inconsistent(String),
    /// 409: same size as the witness's latest, another root, both signed by the log.
    #[error("split view: the log signed two different roots at size {size}")]
    SplitView { size: u64 },
}

impl WitnessError {
    pub fn http_status(&self) -> u16 {
        match self {
            WitnessError::Malformed(_) => 400,
            WitnessError::NotSigned(_) => 403,
            WitnessError::UnknownLog(_) => 404,
            WitnessError::Conflict { .. } | WitnessError::SplitView { .. } => 409,
            WitnessError::Inconsistent(_) => 422,
        }
    }
}

impl AddCheckpoint {
    pub fn parse(body: &str) -> Result<Self, WitnessError> {
        let bad = |m: &str| WitnessError::Malformed(m.to_string());
        if body.len() > ADD_CHECKPOINT_BYTES_MAX {
            return Err(bad("body too large"));
        }
        let (head, note) = body.split_once("\n\n").ok_or_else(|| bad("no blank line before the checkpoint"))?;
        let mut lines = head.split('\n');
        let old = lines.next().and_then(|l| l.strip_prefix("old ")).and_then(|n| n.parse().ok()).ok_or_else(|| bad("first line must be `old <size>`"))?;
        let proof = lines
            .map(|l| B64.decode(l).ok().and_then(|h| <Hash32>::try_from(h).ok()).ok_or_else(|| bad("a proof line is not a base64 hash")))
            .collect::<Result<Vec<_>, _>>()?;
        if proof.len() > PROOF_HASHES_MAX {
            return Err(bad("too many proof lines"));
        }
        let checkpoint = Checkpoint::parse(note).map_err(|e| WitnessError::Malformed(e.to_string()))?;
        Ok(AddCheckpoint { old, proof, checkpoint })
    }

    pub fn to_body(&self) -> String {
        let mut out = format!("old {}\n", self.old);
        for h in &self.proof {
            out.push_str(&B64.encode(h));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint.to_note());
        out
    }
}

/// A log the witness follows: its origin, the keys whose signatures make a checkpoint the log's
/// (the genesis validators' note keys) and how many must sign.
#[derive(Clone, Debug)]
pub struct LogPolicy {
    pub origin: String,
    pub keys: Vec<(String, [u8; 32])>,
    pub quorum: usize,
}

/// The witness's view of one log: the latest checkpoint it cosigned (size 0: none yet).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Latest {
    pub size: u64,
    pub root: Hash32,
}

/// Decides an `add-checkpoint` request: on success the new latest state and the cosignature.
/// The caller must store `Latest` durably *before* answering with the cosignature.
pub fn add_checkpoint(
    log: &LogPolicy,
    latest: &Latest,
    req: &AddCheckpoint,
    (name, key): (&str, &SecretKey),
    now_s: u64,
) -> Result<(Latest, Cosignature), WitnessError> {
    let cp = &req.checkpoint;
    if cp.origin != log.origin {
        return Err(WitnessError::UnknownLog(cp.origin.clone()));
    }
    cp.verify(&log.keys, log.quorum).map_err(WitnessError::NotSigned)?;
    if req.old != latest.size {
        return Err(WitnessError::Conflict { size: latest.size });
    }
    if cp.size < latest.size {
        return Err(WitnessError::Malformed(format!("the checkpoint's size {} is below the old size {}", cp.size, latest.size)));
    }
    if cp.size == latest.size && latest.size > 0 {
        if cp.root != latest.root {
            return Err(WitnessError::SplitView { size: cp.size });
        }
        if !req.proof.is_empty() {
            return Err(WitnessError::Malformed("a checkpoint of the same size needs an empty proof".into()));
        }
    } else if latest.size > 0 {
        verify_consistency(latest.size, cp.size, &latest.root, &cp.root, &req.proof).map_err(|e| WitnessError::Inconsistent(e.to_string()))?;
    }
    let mut signed = Checkpoint::new(&cp.origin, cp.size, cp.root);
    let cosignature = signed.cosign(name, key, now_s);
    Ok((Latest { size: cp.size, root: cp.root }, cosignature))
}

/// Longest cosigned note a bundle or receipt may carry.
pub const WITNESSED_NOTE_BYTES_MAX: usize = 8 * 1024;

/// Witnesses saw the log a bundle or receipt proves its entries in (bundle version 4, receipt
/// version 3): a checkpoint of the chain's log cosigned by witnesses, and the RFC 9162
/// consistency proof between it and the header's log (from the smaller to the larger; empty
/// when both are one size). The checkpoint must cover every leaf the file proves, so those
/// leaves are in the log the witnesses cosigned.
#[derive(Clone, Debug, PartialEq, Eq, borsh::BorshSerialize, borsh::BorshDeserialize)]
pub struct Witnessed {
    /// The checkpoint note (c2sp.org/tlog-checkpoint) with its cosignature lines
    /// (c2sp.org/tlog-cosignature); validators' signature lines may be left out: the header's
    /// certificate already proves the log.
    pub note: String,
    pub consistency: Vec<Hash32>,
}

impl Witnessed {
    /// The section for a file whose header commits to the first `size` leaves of `log`, from a
    /// cosigned checkpoint `cp` of the same log: `None` unless `cp` covers leaves `[0, covers)`
    /// and is no larger than the header's log (whose proofs `log` can give).
    /// The validators' signature lines are left out; the cosignatures are kept.
    pub fn for_log(cp: &Checkpoint, log: &dyn vellum_crypto::merkle::Subtrees, size: u64, covers: u64) -> Option<Witnessed> {
        if cp.cosignatures.is_empty() || cp.size < covers || cp.size > size {
            return None;
        }
        let consistency = if cp.size == size { Vec::new() } else { vellum_crypto::merkle::consistency_proof_from(log, cp.size, size).ok()? };
        let note = Checkpoint { signatures: Vec::new(), ..cp.clone() }.to_note();
        Some(Witnessed { note, consistency })
    }
}

/// Checks a [`Witnessed`] section against the certified header it sits beside: the note is a
/// checkpoint of this chain's log (`origin`), consistent with the header's log, covering leaves
/// `[0, covers)`. The cosignatures are checked by whoever holds a witness policy
/// ([`Checkpoint::verify_cosignatures`] on the returned checkpoint).
pub fn verify_witnessed(w: &Witnessed, origin: &str, log_size: u64, log_root: &Hash32, covers: u64) -> Result<Checkpoint, String> {
    if w.note.len() > WITNESSED_NOTE_BYTES_MAX {
        return Err(format!("the cosigned note is over {WITNESSED_NOTE_BYTES_MAX} bytes"));
    }
    if w.consistency.len() > PROOF_HASHES_MAX {
        return Err("the consistency proof is too long".into());
    }
    let cp = Checkpoint::parse(&w.note).map_err(|e| format!("the cosigned note is malformed: {e}"))?;
    // One evidence, one encoding: the note exactly as it re-encodes.
    if cp.to_note() != w.note {
        return Err("the cosigned note is not in its canonical form".into());
    }
    if cp.origin != origin {
        return Err(format!("the cosigned checkpoint is of log `{}`, not this chain's", cp.origin.escape_debug()));
    }
    if cp.cosignatures.is_empty() {
        return Err("the checkpoint carries no cosignature".into());
    }
    if cp.cosignatures.iter().enumerate().any(|(i, c)| cp.cosignatures[..i].iter().any(|o| o.name == c.name)) {
        return Err("a witness cosigns at most once in a note".into());
    }
    if cp.size < covers {
        return Err(format!("the witnessed log (size {}) does not reach the proven entries (up to index {})", cp.size, covers.saturating_sub(1)));
    }
    let consistent = match cp.size.cmp(&log_size) {
        std::cmp::Ordering::Equal if w.consistency.is_empty() => (cp.root == *log_root).then_some(()).ok_or_else(|| "the witnessed root is not the header's log root".to_string()),
        std::cmp::Ordering::Equal => Err("a checkpoint of the header's own size needs an empty proof".into()),
        std::cmp::Ordering::Less => verify_consistency(cp.size, log_size, &cp.root, log_root, &w.consistency).map_err(|e| e.to_string()),
        std::cmp::Ordering::Greater => verify_consistency(log_size, cp.size, log_root, &cp.root, &w.consistency).map_err(|e| e.to_string()),
    };
    consistent.map_err(|e| format!("the witnessed log is not consistent with the header's: {e}"))?;
    Ok(cp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vellum_crypto::merkle::{consistency_proof, leaf_hash, root};

    fn validators() -> Vec<(String, SecretKey)> {
        (0..4u8).map(|i| (format!("vellum-test/v{i}"), SecretKey::from_bytes("ed25519", [i + 1; 32]).unwrap())).collect()
    }

    fn policy() -> LogPolicy {
        let keys = validators().into_iter().map(|(n, k)| (n, k.public_key().key_bytes().try_into().unwrap())).collect();
        LogPolicy { origin: "vellum-test".into(), keys, quorum: 3 }
    }

    /// A checkpoint of the first `size` leaves of `leaves`, signed by validators 0..3.
    fn checkpoint(leaves: &[Hash32], size: usize) -> Checkpoint {
        let mut cp = Checkpoint::new("vellum-test", size as u64, root(&leaves[..size]));
        for (n, k) in &validators()[..3] {
            cp.sign(n, k);
        }
        cp
    }

    fn request(old: u64, leaves: &[Hash32], size: usize) -> AddCheckpoint {
        let proof = if old == 0 || old as usize == size { Vec::new() } else { consistency_proof(old as usize, &leaves[..size]) };
        AddCheckpoint { old, proof, checkpoint: checkpoint(leaves, size) }
    }

    #[test]
    fn a_witness_follows_a_growing_log_and_refuses_a_split_view() {
        let leaves: Vec<Hash32> = (0..20u8).map(|i| leaf_hash(&[i])).collect();
        let witness = SecretKey::from_bytes("ed25519", [9; 32]).unwrap();
        let me = ("witness.example/w1", &witness);
        let (latest, c) = add_checkpoint(&policy(), &Latest { size: 0, root: [0; 32] }, &request(0, &leaves, 5), me, 1_000).unwrap();
        assert_eq!(latest.size, 5);
        let mut cp = checkpoint(&leaves, 5);
        cp.cosignatures.push(c);
        let public = vec![("witness.example/w1".to_string(), witness.public_key().key_bytes().try_into().unwrap())];
        assert_eq!(cp.verify_cosignatures(&public, 1), Ok(1));
        assert_eq!(Checkpoint::parse(&cp.to_note()).unwrap(), cp, "cosignature lines round-trip in the note");
        // Grows with a valid proof; a wrong old size is a conflict naming the witness's size.
        let body = request(5, &leaves, 12).to_body();
        let (latest, _) = add_checkpoint(&policy(), &latest, &AddCheckpoint::parse(&body).unwrap(), me, 1_001).unwrap();
        assert_eq!(add_checkpoint(&policy(), &latest, &request(5, &leaves, 15), me, 1_002).unwrap_err(), WitnessError::Conflict { size: 12 });
        // Another history of the same log: its proof does not start from the witness's root.
        let mut other: Vec<Hash32> = leaves.clone();
        other[3] = leaf_hash(b"rewritten");
        assert!(matches!(add_checkpoint(&policy(), &latest, &request(12, &other, 15), me, 1_003), Err(WitnessError::Inconsistent(_))));
        // The same size, another root, both signed by a quorum: a split view.
        assert_eq!(add_checkpoint(&policy(), &latest, &request(12, &other, 12), me, 1_004).unwrap_err(), WitnessError::SplitView { size: 12 });
        // Not signed by the log; another log.
        let mut unsigned = request(12, &leaves, 15);
        unsigned.checkpoint.signatures.truncate(2);
        assert!(matches!(add_checkpoint(&policy(), &latest, &unsigned, me, 1_005), Err(WitnessError::NotSigned(_))));
        let mut foreign = request(12, &leaves, 15);
        foreign.checkpoint.origin = "other".into();
        assert!(matches!(add_checkpoint(&policy(), &latest, &foreign, me, 1_006), Err(WitnessError::UnknownLog(_))));
        // A cosignature over one checkpoint does not verify for another.
        let mut moved = checkpoint(&leaves, 6);
        moved.cosignatures = cp.cosignatures.clone();
        assert!(moved.verify_cosignatures(&public, 1).is_err());
        for junk in ["", "old x\n\n", "old 1\nnot base64!\n\nvellum-test\n1\nAA==\n\n", "old 1"] {
            assert!(AddCheckpoint::parse(junk).is_err(), "{junk:?}");
        }
    }
}

//! Checkpoints of the RFC 6962 log in the C2SP signed-note format (c2sp.org/tlog-checkpoint,
//! c2sp.org/signed-note), signed by validators with Ed25519 note keys:
//!
//! ```text
//! <origin = chain id>
//! <tree size, decimal>
//! <root hash, base64>
//!
//! — <key name> <base64(key hash[4] ‖ Ed25519 signature[64])>
//! ```
//!
//! The signature covers the text above the blank line (three lines, each ending in `\n`); the
//! key hash is the first 4 bytes of `SHA-256(key name ‖ "\n" ‖ 0x01 ‖ public key)`. Key names
//! are `<chain id>/<validator name>`. An auditor who keeps an old checkpoint asks for a
//! consistency proof (RFC 9162 §2.1.4) to a newer one and so detects any rewrite of history.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use thiserror::Error;
use vellum_crypto::SecretKey;
use vellum_types::{Hash32, sha256};

/// Largest note accepted, and most signature lines in one.
pub const NOTE_BYTES_MAX: usize = 16 * 1024;
pub const NOTE_SIGNATURES_MAX: usize = 128;
const EM_DASH: &str = "\u{2014}";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub key_hash: [u8; 4],
    pub signature: [u8; 64],
}

/// A witness's cosignature (c2sp.org/tlog-cosignature, `cosignature/v1`): Ed25519 over
/// `"cosignature/v1\ntime <timestamp>\n" ‖ checkpoint text`, key hash with type byte 0x04.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cosignature {
    pub name: String,
    pub key_hash: [u8; 4],
    /// Seconds since the Unix epoch when the witness cosigned.
    pub timestamp: u64,
    pub signature: [u8; 64],
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash32,
    pub signatures: Vec<NoteSignature>,
    /// Witness cosignatures; a note lists them after the validators' signatures.
    pub cosignatures: Vec<Cosignature>,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum NoteError {
    #[error("note is larger than {NOTE_BYTES_MAX} bytes or has too many signatures")]
    TooLarge,
    #[error("malformed checkpoint note: {0}")]
    Malformed(&'static str),
    #[error("checkpoints are for different logs (`{0}` and `{1}`)")]
    OtherLog(String, String),
    #[error("only {valid} valid signatures from known validators; {needed} needed")]
    Quorum { valid: usize, needed: usize },
    #[error("only {valid} valid cosignatures from the policy's witnesses; {needed} needed")]
    WitnessQuorum { valid: usize, needed: usize },
}

/// `key hash = SHA-256(name ‖ "\n" ‖ 0x04 ‖ public key)[..4]` (0x04 = cosignature/v1).
pub fn cosignature_key_hash(name: &str, public_key: &[u8; 32]) -> [u8; 4] {
    note_key_id(name, 0x04, public_key)
}

/// What a witness signs: `"cosignature/v1\ntime <timestamp>\n" ‖ checkpoint text`.
pub fn cosigned_message(timestamp: u64, text: &str) -> Vec<u8> {
    format!("cosignature/v1\ntime {timestamp}\n{text}").into_bytes()
}

/// `key hash = SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key)[..4]` (0x01 = Ed25519).
pub fn key_hash(name: &str, public_key: &[u8; 32]) -> [u8; 4] {
    note_key_id(name, 0x01, public_key)
}

/// A signed-note key id: `SHA-256(name ‖ "\n" ‖ signature type ‖ public key)[..4]`.
fn note_key_id(name: &str, signature_type: u8, public_key: &[u8; 32]) -> [u8; 4] {
    let mut input = Vec::with_capacity(name.len() + 34);
    input.extend_from_slice(name.as_bytes());
    input.push(b'\n');
    input.push(signature_type);
    input.extend_from_slice(public_key);
    let h = sha256(&input);
    [h[0], h[1], h[2], h[3]]
}

impl Checkpoint {
    pub fn new(origin: &str, size: u64, root: Hash32) -> Self {
        Self { origin: origin.to_string(), size, root, signatures: Vec::new(), cosignatures: Vec::new() }
    }

    /// Adds a witness cosignature made at `timestamp` (seconds) with an Ed25519 `key`.
    pub fn cosign(&mut self, name: &str, key: &SecretKey, timestamp: u64) -> Cosignature {
        let vellum_types::Signature::Ed25519 { public_key, signature } = key.sign(&cosigned_message(timestamp, &self.text())) else {
            panic!("witness keys are Ed25519");
        };
        let c = Cosignature { name: name.to_string(), key_hash: cosignature_key_hash(name, &public_key), timestamp, signature };
        self.cosignatures.push(c.clone());
        c
    }

    /// The note signature line of a cosignature (`— name base64(key hash ‖ time ‖ signature)`).
    pub fn cosignature_line(c: &Cosignature) -> String {
        let mut blob = c.key_hash.to_vec();
        blob.extend_from_slice(&c.timestamp.to_be_bytes());
        blob.extend_from_slice(&c.signature);
        format!("{EM_DASH} {} {}\n", c.name, B64.encode(blob))
    }

    /// Counts valid cosignatures by distinct witnesses of `witnesses` and requires `needed`.
    pub fn verify_cosignatures(&self, witnesses: &[(String, [u8; 32])], needed: usize) -> Result<usize, NoteError> {
        let text = self.text();
        let lines = self.cosignatures.iter().map(|c| (c.name.as_str(), c.key_hash, &c.signature, cosigned_message(c.timestamp, &text)));
        match count_valid(lines, witnesses, cosignature_key_hash) {
            valid if valid < needed => Err(NoteError::WitnessQuorum { valid, needed }),
            valid => Ok(valid),
        }
    }

    /// The signed text: origin, size and base64 root, each line ending in `\n`.
    pub fn text(&self) -> String {
        format!("{}\n{}\n{}\n", self.origin, self.size, B64.encode(self.root))
    }

    /// Adds this key's signature (`key` must be Ed25519).
    pub fn sign(&mut self, name: &str, key: &SecretKey) {
        let vellum_types::Signature::Ed25519 { public_key, signature } = key.sign(self.text().as_bytes()) else {
            panic!("note keys are Ed25519");
        };
        self.signatures.push(NoteSignature { name: name.to_string(), key_hash: key_hash(name, &public_key), signature });
    }

    /// Adds another note's signatures on the same checkpoint (deduplicated).
    pub fn merge(&mut self, other: &Checkpoint) -> Result<(), NoteError> {
        if other.text() != self.text() {
            return Err(NoteError::OtherLog(self.text(), other.text()));
        }
        for s in &other.signatures {
            if !self.signatures.contains(s) {
                self.signatures.push(s.clone());
            }
        }
        for c in &other.cosignatures {
            if !self.cosignatures.contains(c) {
                self.cosignatures.push(c.clone());
            }
        }
        Ok(())
    }

    pub fn to_note(&self) -> String {
        let mut out = self.text();
        out.push('\n');
        for s in &self.signatures {
            let mut blob = s.key_hash.to_vec();
            blob.extend_from_slice(&s.signature);
            out.push_str(&format!("{EM_DASH} {} {}\n", s.name, B64.encode(blob)));
        }
        for c in &self.cosignatures {
            out.push_str(&Self::cosignature_line(c));
        }
        out
    }

    pub fn parse(note: &str) -> Result<Self, NoteError> {
        if note.len() > NOTE_BYTES_MAX {
            return Err(NoteError::TooLarge);
        }
        let (text, sigs) = note.split_once("\n\n").ok_or(NoteError::Malformed("no blank line before the signatures"))?;
        let mut lines = text.split('\n');
        let origin = lines.next().filter(|o| !o.is_empty()).ok_or(NoteError::Malformed("no origin"))?;
        let size: u64 = lines.next().and_then(|s| s.parse().ok()).ok_or(NoteError::Malformed("bad tree size"))?;
        let root_b64 = lines.next().ok_or(NoteError::Malformed("no root hash"))?;
        let root: Hash32 = B64
            .decode(root_b64)
            .ok()
            .and_then(|r| r.try_into().ok())
            .ok_or(NoteError::Malformed("root hash is not 32 base64-encoded bytes"))?;
        if lines.next().is_some() {
            return Err(NoteError::Malformed("unexpected extension lines"));
        }
        let mut cp = Checkpoint::new(origin, size, root);
        for line in sigs.split('\n').filter(|l| !l.is_empty()) {
            if cp.signatures.len() + cp.cosignatures.len() >= NOTE_SIGNATURES_MAX {
                return Err(NoteError::TooLarge);
            }
            let rest = line.strip_prefix(EM_DASH).and_then(|r| r.strip_prefix(' ')).ok_or(NoteError::Malformed("signature line"))?;
            let (name, blob) = rest.split_once(' ').ok_or(NoteError::Malformed("signature line"))?;
            let blob = B64.decode(blob).map_err(|_| NoteError::Malformed("signature base64"))?;
            let mut key_hash = [0u8; 4];
            let mut signature = [0u8; 64];
            match blob.len() {
                68 => {
                    key_hash.copy_from_slice(&blob[..4]);
                    signature.copy_from_slice(&blob[4..]);
                    cp.signatures.push(NoteSignature { name: name.to_string(), key_hash, signature });
                }
                76 => {
                    key_hash.copy_from_slice(&blob[..4]);
                    let timestamp = u64::from_be_bytes(blob[4..12].try_into().expect("8 bytes"));
                    signature.copy_from_slice(&blob[12..]);
                    cp.cosignatures.push(Cosignature { name: name.to_string(), key_hash, timestamp, signature });
                }
                _ => return Err(NoteError::Malformed("signature length")),
            }
        }
        if cp.to_note() != note {
            return Err(NoteError::Malformed("not in canonical form"));
        }
        Ok(cp)
    }

    /// Counts valid signatures by distinct known keys `(name, Ed25519 key)` and requires
    /// `needed` of them. Unknown or invalid signature lines are ignored, as the spec says.
    pub fn verify(&self, keys: &[(String, [u8; 32])], needed: usize) -> Result<usize, NoteError> {
        let text = self.text();
        let lines = self.signatures.iter().map(|s| (s.name.as_str(), s.key_hash, &s.signature, text.as_bytes().to_vec()));
        match count_valid(lines, keys, key_hash) {
            valid if valid < needed => Err(NoteError::Quorum { valid, needed }),
            valid => Ok(valid),
        }
    }
}

/// Distinct known keys whose signature line verifies over its message: `(name, key hash,
/// signature, message)` lines, keys identified by name and `key_id(name, key)`. Unknown or
/// invalid lines are ignored (c2sp.org/signed-note).
fn count_valid<'a>(
    lines: impl Iterator<Item = (&'a str, [u8; 4], &'a [u8; 64], Vec<u8>)>,
    keys: &[(String, [u8; 32])],
    key_id: fn(&str, &[u8; 32]) -> [u8; 4],
) -> usize {
    let mut valid: Vec<&str> = Vec::new();
    for (name, hash, signature, message) in lines {
        let Some((name, key)) = keys.iter().find(|(n, k)| n == name && key_id(n, k) == hash) else { continue };
        if vellum_crypto::verify_ed25519(key, signature, &message) && !valid.contains(&name.as_str()) {
            valid.push(name);
        }
    }
    valid.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_round_trip_verify_and_merge() {
        let keys: Vec<(String, SecretKey)> =
            (0..4u8).map(|i| (format!("vellum-test/v{i}"), SecretKey::from_bytes("ed25519", [i + 1; 32]).unwrap())).collect();
        let public: Vec<(String, [u8; 32])> = keys
            .iter()
            .map(|(n, k)| (n.clone(), k.public_key().key_bytes().try_into().unwrap()))
            .collect();
        let mut a = Checkpoint::new("vellum-test", 42, [7; 32]);
        a.sign(&keys[0].0, &keys[0].1);
        let mut b = Checkpoint::new("vellum-test", 42, [7; 32]);
        b.sign(&keys[1].0, &keys[1].1);
        b.sign(&keys[2].0, &keys[2].1);
        assert_eq!(a.verify(&public, 3), Err(NoteError::Quorum { valid: 1, needed: 3 }));
        a.merge(&b).unwrap();
        let note = a.to_note();
        assert!(note.starts_with("vellum-test\n42\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n\n\u{2014} vellum-test/v0 "));
        let parsed = Checkpoint::parse(&note).unwrap();
        assert_eq!(parsed, a);
        assert_eq!(parsed.verify(&public, 3), Ok(3));
        // Any change to the text invalidates every signature.
        let forged = note.replacen("\n42\n", "\n43\n", 1);
        assert_eq!(Checkpoint::parse(&forged).unwrap().verify(&public, 1), Err(NoteError::Quorum { valid: 0, needed: 1 }));
        // Merging notes of different checkpoints is refused.
        assert!(a.merge(&Checkpoint::new("vellum-test", 43, [7; 32])).is_err());
        assert!(Checkpoint::parse("garbage").is_err());
        assert!(Checkpoint::parse(&note.replace("\u{2014}", "-")).is_err());
    }
}

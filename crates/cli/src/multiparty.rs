//! Multi-party signing (X.1405 8.5.4): one person builds a transaction unsigned, each signer
//! adds a signature on their own machine, anyone combines and submits.
//!
//! The transaction file (`docs/wire-format.md`, "Multi-party transaction file") carries the
//! unsigned transaction's wire bytes and the signatures so far. Everything else in it (chain
//! id, tx id, the JSON body, the account's signer set as seen at build time) is a view for
//! people and early errors: every reader re-derives what it checks from the bytes, and the
//! ledger alone decides whether the signatures suffice.

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::Path;
#[cfg(test)]
use vellum_crypto::SecretKey;
use vellum_types::encoding::{from_wire, to_wire};
use vellum_types::limits::{TX_BYTES_MAX, TX_SIGNATURES_MAX};
use vellum_types::{PublicKey, Signature, SignerSet, Transaction, UnsignedTx};

/// The format version this build reads and writes.
pub const TX_FILE_VERSION: u32 = 1;
/// Largest transaction file accepted (hex doubles the bytes; the JSON body view adds some).
const TX_FILE_BYTES_MAX: u64 = 8 * TX_BYTES_MAX as u64;

/// The file as stored.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TxFile {
    vellum_tx: u32,
    chain_id: String,
    tx_id: String,
    /// Hex of `0x01 ‖ borsh(UnsignedTx)`.
    unsigned: String,
    /// The body's JSON form, informative.
    body: Value,
    /// The sender's signer set when the file was built, informative (early errors only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signer_set: Option<SignerSet>,
    /// Hex of `borsh(Signature)` each.
    signatures: Vec<String>,
}

/// Why a transaction file was refused.
#[derive(Debug, thiserror::Error)]
pub enum TxFileError {
    #[error("not a Vellum transaction file version {TX_FILE_VERSION} (found version {0})")]
    Version(u32),
    #[error("the unsigned transaction is not valid: {0}")]
    Unsigned(String),
    #[error("the file's tx_id {claimed} is not the id of its transaction ({actual})")]
    IdMismatch { claimed: String, actual: String },
    #[error("the file's chain_id {claimed} differs from its transaction's ({actual})")]
    ChainMismatch { claimed: String, actual: String },
    #[error("signature {index} is not valid hex of a borsh Signature: {reason}")]
    BadSignature { index: usize, reason: String },
    #[error("signature {index} is over another transaction, or corrupted ({reason})")]
    ForeignSignature { index: usize, reason: String },
    #[error("key {0} signed twice (two different signatures by one key)")]
    DuplicateSigner(PublicKey),
    #[error("more than {TX_SIGNATURES_MAX} signatures")]
    TooManySignatures,
    #[error("the files hold different transactions ({0} and {1})")]
    DifferentTransactions(String, String),
    #[error("key {key} is not a signer of account {account}")]
    NotASigner { key: PublicKey, account: String },
    #[error("signature {index} recovers key {key}, which is not a signer of account {account}: it is over another transaction, or by an outsider")]
    RecoversOutsider { index: usize, key: PublicKey, account: String },
    #[error("signature {index} is a recoverable secp256k1 signature, which names no key: it can be checked only against the account's signer set, which this file does not carry (build it with `vellum tx build`, or submit with --key to read the set)")]
    NoSignerSet { index: usize },
    #[error("signature {index} repeats signature {first} of the same file")]
    Repeated { index: usize, first: usize },
    #[error("signatures of weight {weight} do not reach the account's threshold {threshold}: {missing}")]
    InsufficientWeight { weight: u32, threshold: u32, missing: String },
}

/// A checked transaction file: every signature verifies over the transaction and names a
/// distinct key.
pub struct Signed {
    pub unsigned: UnsignedTx,
    pub signatures: Vec<(Signature, PublicKey)>,
    pub signer_set: Option<SignerSet>,
}

impl Signed {
    pub fn new(unsigned: UnsignedTx, signer_set: Option<SignerSet>) -> Self {
        Signed { unsigned, signatures: Vec::new(), signer_set }
    }

    /// Adds a signature after checking it: one that is already present byte for byte is
    /// ignored (combining overlapping files is harmless); another signature by a key that
    /// already signed is refused.
    pub fn add(&mut self, index: usize, signature: Signature) -> Result<(), TxFileError> {
        let recoverable = matches!(signature, Signature::Secp256k1Recoverable { .. });
        if recoverable && self.signer_set.is_none() {
            // Recovery yields *some* key for any message: without the set, a signature over
            // another transaction would pass for a signer.
            return Err(TxFileError::NoSignerSet { index });
        }
        let key = vellum_crypto::verify_signature(&signature, &self.unsigned.signing_bytes())
            .map_err(|e| TxFileError::ForeignSignature { index, reason: e.to_string() })?;
        match self.signatures.iter().find(|(_, k)| *k == key) {
            Some((existing, _)) if *existing == signature => return Ok(()),
            Some(_) => return Err(TxFileError::DuplicateSigner(key)),
            None => {}
        }
        if self.signatures.len() >= TX_SIGNATURES_MAX {
            return Err(TxFileError::TooManySignatures);
        }
        if let Some(set) = &self.signer_set
            && set.weight_of(&key).is_none()
        {
            let account = self.unsigned.sender.to_hex();
            return Err(if recoverable { TxFileError::RecoversOutsider { index, key, account } } else { TxFileError::NotASigner { key, account } });
        }
        self.signatures.push((signature, key));
        Ok(())
    }

    /// The same signatures checked against another signer set (the ledger's current one).
    pub fn with_signer_set(self, set: SignerSet) -> Result<Self, TxFileError> {
        let mut checked = Signed::new(self.unsigned, Some(set));
        for (index, (signature, _)) in self.signatures.into_iter().enumerate() {
            checked.add(index, signature)?;
        }
        Ok(checked)
    }

    /// The summed weight in `set` of the keys that signed.
    fn weight(&self, set: &SignerSet) -> u32 {
        self.signatures.iter().filter_map(|(_, k)| set.weight_of(k)).map(u32::from).sum()
    }

    /// The signed transaction, once the known signer set's threshold is met.
    pub fn transaction(&self) -> Result<Transaction, TxFileError> {
        if let Some(set) = &self.signer_set {
            let weight = self.weight(set);
            if weight < set.threshold {
                let missing: Vec<String> = set
                    .signers
                    .iter()
                    .filter(|s| !self.signatures.iter().any(|(_, k)| *k == s.key))
                    .map(|s| format!("{} (weight {})", s.key, s.weight))
                    .collect();
                return Err(TxFileError::InsufficientWeight { weight, threshold: set.threshold, missing: format!("not yet signed by {}", missing.join(", ")) });
            }
        }
        let tx = Transaction { unsigned: self.unsigned.clone(), signatures: self.signatures.iter().map(|(s, _)| *s).collect() };
        tx.check_shape().map_err(|e| TxFileError::Unsigned(e.to_string()))?;
        Ok(tx)
    }

    fn to_file(&self) -> TxFile {
        TxFile {
            vellum_tx: TX_FILE_VERSION,
            chain_id: self.unsigned.chain_id.clone(),
            tx_id: self.unsigned.id().to_hex(),
            unsigned: hex::encode(to_wire(&self.unsigned)),
            body: serde_json::to_value(&self.unsigned.body).expect("bodies serialize"),
            signer_set: self.signer_set.clone(),
            signatures: self.signatures.iter().map(|(s, _)| hex::encode(borsh::to_vec(s).expect("borsh into Vec"))).collect(),
        }
    }

    fn from_file(f: TxFile) -> Result<Self, TxFileError> {
        if f.vellum_tx != TX_FILE_VERSION {
            return Err(TxFileError::Version(f.vellum_tx));
        }
        let bytes = hex::decode(&f.unsigned).map_err(|e| TxFileError::Unsigned(format!("not hex: {e}")))?;
        let unsigned: UnsignedTx = from_wire(&bytes, TX_BYTES_MAX).map_err(|e| TxFileError::Unsigned(e.to_string()))?;
        unsigned.check_shape().map_err(|e| TxFileError::Unsigned(e.to_string()))?;
        let actual = unsigned.id().to_hex();
        if f.tx_id != actual {
            return Err(TxFileError::IdMismatch { claimed: f.tx_id, actual });
        }
        if f.chain_id != unsigned.chain_id {
            return Err(TxFileError::ChainMismatch { claimed: f.chain_id, actual: unsigned.chain_id });
        }
        let mut signed = Signed::new(unsigned, f.signer_set);
        for (index, text) in f.signatures.iter().enumerate() {
            if let Some(first) = f.signatures[..index].iter().position(|t| t == text) {
                return Err(TxFileError::Repeated { index, first });
            }
            let bytes = hex::decode(text).map_err(|e| TxFileError::BadSignature { index, reason: e.to_string() })?;
            let signature: Signature = borsh::from_slice(&bytes).map_err(|e| TxFileError::BadSignature { index, reason: e.to_string() })?;
            signed.add(index, signature)?;
        }
        Ok(signed)
    }

    pub fn load(path: &Path) -> Result<Self> {
        let size = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?.len();
        if size > TX_FILE_BYTES_MAX {
            bail!("{}: {size} bytes is more than a transaction file can be ({TX_FILE_BYTES_MAX})", path.display());
        }
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let file: TxFile = serde_json::from_str(&text).with_context(|| format!("{}: not a Vellum transaction file", path.display()))?;
        Signed::from_file(file).with_context(|| format!("{}: refused", path.display()))
    }

    /// Writes the file atomically (a crash leaves the old file or the new one, never half).
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(&self.to_file())? + "\n";
        crate::keys::write_atomic(path, text.as_bytes())
    }

    /// A summary for `--json` output and after each step.
    pub fn summary(&self) -> Value {
        let weight = self.signer_set.as_ref().map(|set| serde_json::json!({ "weight": self.weight(set), "threshold": set.threshold }));
        serde_json::json!({
            "tx_id": self.unsigned.id().to_hex(),
            "sender": self.unsigned.sender.to_hex(),
            "kind": self.unsigned.body.kind(),
            "signers": self.signatures.iter().map(|(_, k)| k.to_string()).collect::<Vec<_>>(),
            "weight": weight,
        })
    }
}

/// `vellum tx sign`: shows the transaction in words, asks (unless `yes`), adds one signature.
/// The description always goes to stderr (the signer reads it before confirming), and into
/// the JSON output too.
pub fn sign(path: &Path, key: &vellum_crypto::Signer, yes: bool, out: Option<&Path>) -> Result<Value> {
    let mut signed = Signed::load(path)?;
    let description = crate::describe::describe(&signed.unsigned);
    eprintln!("{description}\ntransaction id {}", signed.unsigned.id());
    if !yes && !confirm(&format!("sign it with {}? [y/N] ", key.public_key()))? {
        bail!("not signed");
    }
    let before = signed.signatures.len();
    signed.add(before, key.sign_tx(&signed.unsigned)?)?;
    if signed.signatures.len() == before {
        bail!("{} has already signed this transaction", key.public_key());
    }
    signed.save(out.unwrap_or(path))?;
    let mut summary = signed.summary();
    summary["description"] = Value::from(description);
    Ok(summary)
}

fn confirm(prompt: &str) -> Result<bool> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        bail!("no terminal to confirm on: read the transaction above and pass --yes to sign it");
    }
    eprint!("{prompt}");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

/// `vellum tx combine`: the union of the signatures of files holding the same transaction.
pub fn combine(paths: &[std::path::PathBuf], out: &Path) -> Result<Value> {
    let Some((first, rest)) = paths.split_first() else { bail!("give the transaction files to combine") };
    let mut combined = Signed::load(first)?;
    for path in rest {
        let other = Signed::load(path)?;
        if other.unsigned != combined.unsigned {
            return Err(TxFileError::DifferentTransactions(combined.unsigned.id().to_hex(), other.unsigned.id().to_hex()).into());
        }
        combined.signer_set = combined.signer_set.or(other.signer_set);
        for (signature, _) in other.signatures {
            let index = combined.signatures.len();
            combined.add(index, signature).with_context(|| format!("combining {}", path.display()))?;
        }
    }
    combined.save(out)?;
    Ok(combined.summary())
}

#[cfg(test)]
mod tests {
    use super::*;
    use vellum_types::{AccountId, Signer, TxBody};

    fn key(scheme: &str, n: u8) -> SecretKey {
        SecretKey::from_bytes(scheme, [n; 32]).unwrap()
    }

    fn two_of_three() -> (Vec<SecretKey>, Signed) {
        let keys = vec![key("ed25519", 1), key("secp256k1", 2), key("p256", 3)];
        let set = SignerSet { signers: keys.iter().map(|k| Signer { key: k.public_key(), weight: 1 }).collect(), threshold: 2 };
        let body = TxBody::Burn { token: "EUR".into(), amount: 1 };
        let unsigned = UnsignedTx { chain_id: "t".into(), sender: AccountId([9; 32]), nonce: 4, expiry_height: 50, body };
        (keys, Signed::new(unsigned, Some(set)))
    }

    #[test]
    fn signatures_accumulate_until_the_threshold_and_the_file_round_trips() {
        let (keys, mut s) = two_of_three();
        s.add(0, keys[2].sign_tx(&s.unsigned)).unwrap();
        assert!(matches!(s.transaction(), Err(TxFileError::InsufficientWeight { weight: 1, threshold: 2, .. })));
        s.add(1, keys[1].sign_tx(&s.unsigned)).unwrap();
        let tx = s.transaction().unwrap();
        assert_eq!(vellum_crypto::verify_tx(&tx).unwrap(), vec![keys[2].public_key(), keys[1].public_key()]);
        let back = Signed::from_file(serde_json::from_str(&serde_json::to_string(&s.to_file()).unwrap()).unwrap()).unwrap();
        assert_eq!(back.transaction().unwrap(), tx);
    }

    #[test]
    fn foreign_duplicate_and_outsider_signatures_are_refused_by_name() {
        let (keys, mut s) = two_of_three();
        let mut other = s.unsigned.clone();
        other.nonce += 1;
        assert!(matches!(s.add(0, keys[0].sign_tx(&other)), Err(TxFileError::ForeignSignature { index: 0, .. })));
        let first = keys[0].sign_tx(&s.unsigned);
        s.add(0, first).unwrap();
        s.add(1, first).unwrap();
        assert_eq!(s.signatures.len(), 1, "the same signature twice counts once");
        let again = keys[2].sign_tx(&s.unsigned);
        s.add(1, again).unwrap();
        // Another valid signature by the same key (a random nonce instead of RFC 6979): refused.
        let SecretKey::P256(p) = &keys[2] else { panic!("p256 key") };
        let random: p256::ecdsa::Signature = p256::ecdsa::signature::RandomizedSigner::sign_with_rng(p, &mut rand::rng(), &s.unsigned.signing_bytes());
        let Signature::P256 { public_key, .. } = again else { panic!("p256 key") };
        let mut signature = [0u8; 64];
        signature.copy_from_slice(&random.normalize_s().to_bytes());
        assert!(matches!(s.add(2, Signature::P256 { public_key, signature }), Err(TxFileError::DuplicateSigner(k)) if k == keys[2].public_key()));
        let outsider = key("ed25519", 99);
        assert!(matches!(s.add(2, outsider.sign_tx(&s.unsigned)), Err(TxFileError::NotASigner { .. })));
    }

    #[test]
    fn a_recoverable_signature_over_another_transaction_is_never_taken_for_a_signer() {
        let (keys, mut s) = two_of_three();
        let mut other = s.unsigned.clone();
        other.nonce += 1;
        // Recovery over the wrong bytes yields some unrelated key: refused as such.
        assert!(matches!(s.add(0, keys[1].sign_tx(&other)), Err(TxFileError::RecoversOutsider { index: 0, .. })));
        // Without the signer set a recoverable signature cannot be checked at all.
        let mut bare = Signed::new(s.unsigned.clone(), None);
        assert!(matches!(bare.add(0, keys[1].sign_tx(&bare.unsigned)), Err(TxFileError::NoSignerSet { index: 0 })));
        bare.add(0, keys[0].sign_tx(&bare.unsigned)).unwrap();
        s.add(0, keys[1].sign_tx(&s.unsigned)).unwrap();
        // The same signature twice inside one file is a damaged file, not a second signature.
        let mut file = s.to_file();
        file.signatures.push(file.signatures[0].clone());
        assert!(matches!(Signed::from_file(file), Err(TxFileError::Repeated { index: 1, first: 0 })));
    }

    #[test]
    fn a_tampered_file_is_refused() {
        let (keys, mut s) = two_of_three();
        s.add(0, keys[0].sign_tx(&s.unsigned)).unwrap();
        let good = s.to_file();
        let text = serde_json::to_string(&good).unwrap();
        let mut f: TxFile = serde_json::from_str(&text).unwrap();
        f.tx_id = "00".repeat(32);
        assert!(matches!(Signed::from_file(f), Err(TxFileError::IdMismatch { .. })));
        let mut f: TxFile = serde_json::from_str(&text).unwrap();
        f.vellum_tx = 2;
        assert!(matches!(Signed::from_file(f), Err(TxFileError::Version(2))));
        let mut f: TxFile = serde_json::from_str(&text).unwrap();
        f.unsigned.truncate(f.unsigned.len() - 2);
        assert!(matches!(Signed::from_file(f), Err(TxFileError::Unsigned(_))));
        let mut f: TxFile = serde_json::from_str(&text).unwrap();
        f.signatures[0].replace_range(4..6, "ff");
        assert!(matches!(Signed::from_file(f), Err(TxFileError::ForeignSignature { .. } | TxFileError::BadSignature { .. })));
    }

    proptest::proptest! {
        /// Any damage to a file's bytes is refused or yields a file whose every signature still
        /// verifies over its (then different) transaction: never a panic, never a bad signature
        /// carried along.
        #[test]
        fn damaged_files_are_refused_or_still_consistent(at in 0usize..4096, byte in proptest::num::u8::ANY, field in 0u8..2) {
            let (keys, mut s) = two_of_three();
            s.add(0, keys[0].sign_tx(&s.unsigned)).unwrap();
            s.add(1, keys[1].sign_tx(&s.unsigned)).unwrap();
            let mut f = s.to_file();
            let text = if field == 0 { &mut f.unsigned } else { &mut f.signatures[1] };
            let mut bytes = hex::decode(&*text).unwrap();
            let i = at % bytes.len();
            bytes[i] = byte;
            *text = hex::encode(bytes);
            if let Ok(back) = Signed::from_file(f) {
                for (signature, key) in &back.signatures {
                    let verified = vellum_crypto::verify_signature(signature, &back.unsigned.signing_bytes());
                    proptest::prop_assert_eq!(verified, Ok(*key));
                }
            }
        }
    }
}

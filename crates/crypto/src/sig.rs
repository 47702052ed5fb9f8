//! Transaction signatures.
//!
//! Ed25519 is verified under ZIP-215 rules ([`crate::ed25519`]), so single and batch
//! verification accept exactly the same signatures and every validator agrees. secp256k1 uses
//! ECDSA over SHA-256 of the signed bytes with low S only; the signer's key is *recovered* from
//! the signature and the ledger matches it to the account (X.1407 9.1.1 a).

use crate::ed25519;
use thiserror::Error;
use vellum_types::{PublicKey, Signature, Transaction, sha256};

/// Why a signature was rejected.
#[derive(Debug, Error, PartialEq, Eq, Clone)]
pub enum SigError {
    #[error("signature {index}: malformed Ed25519 public key")]
    Ed25519Key { index: usize },
    #[error("signature {index}: Ed25519 signature does not verify")]
    Ed25519Invalid { index: usize },
    #[error("signature {index}: malformed secp256k1 signature")]
    Secp256k1Malformed { index: usize },
    #[error("signature {index}: secp256k1 signature has high S (only low-S is accepted)")]
    Secp256k1HighS { index: usize },
    #[error("signature {index}: recovery id must be 0 or 1")]
    Secp256k1RecoveryId { index: usize },
    #[error("signature {index}: no secp256k1 key can be recovered from it")]
    Secp256k1Recovery { index: usize },
    #[error("signature {index}: malformed P-256 public key (not a compressed curve point)")]
    P256Key { index: usize },
    #[error("signature {index}: malformed P-256 signature")]
    P256Malformed { index: usize },
    #[error("signature {index}: P-256 signature has high S (only low-S is accepted)")]
    P256HighS { index: usize },
    #[error("signature {index}: P-256 signature does not verify")]
    P256Invalid { index: usize },
    #[error("signature {index} repeats a signer")]
    DuplicateSigner { index: usize },
}

impl SigError {
    fn at(self, index: usize) -> Self {
        use SigError::*;
        match self {
            Ed25519Key { .. } => Ed25519Key { index },
            Ed25519Invalid { .. } => Ed25519Invalid { index },
            Secp256k1Malformed { .. } => Secp256k1Malformed { index },
            Secp256k1HighS { .. } => Secp256k1HighS { index },
            Secp256k1RecoveryId { .. } => Secp256k1RecoveryId { index },
            Secp256k1Recovery { .. } => Secp256k1Recovery { index },
            P256Key { .. } => P256Key { index },
            P256Malformed { .. } => P256Malformed { index },
            P256HighS { .. } => P256HighS { index },
            P256Invalid { .. } => P256Invalid { index },
            DuplicateSigner { .. } => DuplicateSigner { index },
        }
    }
}

/// Whether 32 bytes are a usable Ed25519 public key (a point that decodes).
pub fn is_ed25519_key(bytes: &[u8; 32]) -> bool {
    ed25519::is_key(bytes)
}

/// Whether a public key is a point of its curve, so that a signature by it can ever verify.
/// Keys entering the ledger (new accounts, signer sets, request keys) are checked with it: a
/// key that is not a point would lock the account for good.
pub fn is_valid_public_key(key: &PublicKey) -> bool {
    match key {
        PublicKey::Ed25519(k) => is_ed25519_key(k),
        PublicKey::Secp256k1(k) => k256::ecdsa::VerifyingKey::from_sec1_bytes(k).is_ok(),
        PublicKey::P256(k) => p256::ecdsa::VerifyingKey::from_sec1_bytes(k).is_ok(),
    }
}

/// A bare Ed25519 signature (consensus votes; ZIP-215 rules as everywhere else).
pub fn verify_ed25519(public_key: &[u8; 32], signature: &[u8; 64], message: &[u8]) -> bool {
    ed25519::verify(public_key, signature, message).is_ok()
}

/// Verifies one signature over `message` and returns the signer's public key.
pub fn verify_signature(signature: &Signature, message: &[u8]) -> Result<PublicKey, SigError> {
    match signature {
        Signature::Ed25519 { public_key, signature } => {
            ed25519::verify(public_key, signature, message).map_err(|r| match r {
                ed25519::Refusal::Key => SigError::Ed25519Key { index: 0 },
                ed25519::Refusal::Invalid => SigError::Ed25519Invalid { index: 0 },
            })?;
            Ok(PublicKey::Ed25519(*public_key))
        }
        Signature::Secp256k1Recoverable { signature, recovery_id } => {
            let sig = k256::ecdsa::Signature::from_slice(signature)
                .map_err(|_| SigError::Secp256k1Malformed { index: 0 })?;
            // Both (r, s) and (r, n - s) verify; accepting only low S gives each message one
            // valid signature per nonce (no malleability).
            if sig.normalize_s() != sig {
                return Err(SigError::Secp256k1HighS { index: 0 });
            }
            // Ids 2 and 3 (x-coordinate reduced mod n) practically never occur; refusing them
            // keeps one recovery path.
            if *recovery_id > 1 {
                return Err(SigError::Secp256k1RecoveryId { index: 0 });
            }
            let rid = k256::ecdsa::RecoveryId::from_byte(*recovery_id)
                .ok_or(SigError::Secp256k1RecoveryId { index: 0 })?;
            let prehash = sha256(message);
            // Recovery computes the unique key for which (r, s) verifies over this prehash.
            let key = k256::ecdsa::VerifyingKey::recover_from_prehash(&prehash, &sig, rid)
                .map_err(|_| SigError::Secp256k1Recovery { index: 0 })?;
            Ok(PublicKey::Secp256k1(compressed(&key)))
        }
        Signature::P256 { public_key, signature } => verify_p256(public_key, signature, message),
    }
}

/// P-256 ECDSA over SHA-256 of `message`, low S only (as for secp256k1: one valid signature
/// per nonce, so a relayed transaction cannot be re-encoded under a second leaf).
fn verify_p256(public_key: &[u8; 33], signature: &[u8; 64], message: &[u8]) -> Result<PublicKey, SigError> {
    use p256::ecdsa::signature::Verifier;
    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(public_key).map_err(|_| SigError::P256Key { index: 0 })?;
    let sig = p256::ecdsa::Signature::from_slice(signature).map_err(|_| SigError::P256Malformed { index: 0 })?;
    if sig.normalize_s() != sig {
        return Err(SigError::P256HighS { index: 0 });
    }
    key.verify(message, &sig).map_err(|_| SigError::P256Invalid { index: 0 })?;
    Ok(PublicKey::P256(*public_key))
}


fn compressed(key: &k256::ecdsa::VerifyingKey) -> [u8; 33] {
    let point = key.to_sec1_point(true);
    let mut out = [0u8; 33];
    out.copy_from_slice(point.as_bytes());
    out
}

fn p256_compressed(key: &p256::ecdsa::VerifyingKey) -> [u8; 33] {
    let point = key.to_sec1_point(true);
    let mut out = [0u8; 33];
    out.copy_from_slice(point.as_bytes());
    out
}

/// Verifies every signature of a transaction over its signing bytes and returns the distinct
/// signer keys in signature order. Whether those keys may sign for the sender is the ledger's
/// decision.
pub fn verify_tx(tx: &Transaction) -> Result<Vec<PublicKey>, SigError> {
    let message = tx.unsigned.signing_bytes();
    let mut signers: Vec<PublicKey> = Vec::with_capacity(tx.signatures.len());
    for (index, signature) in tx.signatures.iter().enumerate() {
        let key = verify_signature(signature, &message).map_err(|e| e.at(index))?;
        if signers.contains(&key) {
            return Err(SigError::DuplicateSigner { index });
        }
        signers.push(key);
    }
    Ok(signers)
}

/// Verifies the signatures of many transactions at once, batching the Ed25519 ones (ZIP-215
/// batch verification accepts exactly what single verification accepts). On a batch failure
/// it falls back to one-by-one to name the first offending transaction.
pub fn verify_txs(txs: &[Transaction]) -> Result<Vec<Vec<PublicKey>>, (usize, SigError)> {
    let mut out = Vec::with_capacity(txs.len());
    for (t, result) in verify_each(txs.iter()).into_iter().enumerate() {
        out.push(result.map_err(|e| (t, e))?);
    }
    Ok(out)
}

/// Verifies many transactions at once and answers for each: its signers, or why it fails.
/// One batch for every Ed25519 signature; only if that batch fails is each transaction
/// verified on its own, so a bad one costs its senders' neighbours nothing but time.
pub fn verify_each<'a>(txs: impl ExactSizeIterator<Item = &'a Transaction> + Clone) -> Vec<Result<Vec<PublicKey>, SigError>> {
    // A batch of one costs more than verifying it alone (random coefficients, a three-point
    // multiplication instead of two).
    if txs.len() == 1 {
        return txs.map(verify_tx).collect();
    }
    let mut batch = ed25519::Batch::default();
    let mut out = Vec::with_capacity(txs.len());
    for tx in txs.clone() {
        out.push(queue_tx(&mut batch, tx));
    }
    if batch.verify() {
        return out;
    }
    txs.zip(out).map(|(tx, prior)| prior.and_then(|_| verify_tx(tx))).collect()
}

/// Queues a transaction's Ed25519 signatures in `batch` and checks the rest now; returns the
/// signers, valid if the batch verifies.
fn queue_tx(batch: &mut ed25519::Batch, tx: &Transaction) -> Result<Vec<PublicKey>, SigError> {
    let message = tx.unsigned.signing_bytes();
    let mut signers: Vec<PublicKey> = Vec::with_capacity(tx.signatures.len());
    for (index, signature) in tx.signatures.iter().enumerate() {
        let key = match signature {
            Signature::Ed25519 { public_key, signature } => {
                batch.queue(public_key, signature, &message);
                PublicKey::Ed25519(*public_key)
            }
            other => verify_signature(other, &message).map_err(|e| e.at(index))?,
        };
        if signers.contains(&key) {
            return Err(SigError::DuplicateSigner { index });
        }
        signers.push(key);
    }
    Ok(signers)
}

/// A signing key held by a client (CLI, tests, load generator). Never used inside the ledger.
#[derive(Clone)]
pub enum SecretKey {
    Ed25519(ed25519_zebra::SigningKey),
    Secp256k1(k256::ecdsa::SigningKey),
    P256(p256::ecdsa::SigningKey),
}

/// Why secret key bytes were rejected.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SecretKeyError {
    #[error("secp256k1 secret key is zero or not below the group order")]
    Secp256k1OutOfRange,
    #[error("P-256 secret key is zero or not below the group order")]
    P256OutOfRange,
    #[error("unknown key scheme `{0}` (expected ed25519, secp256k1 or p256)")]
    UnknownScheme(String),
}

impl SecretKey {
    /// Builds a key from 32 secret bytes (from the OS RNG, a mnemonic or a keystore).
    pub fn from_bytes(scheme: &str, bytes: [u8; 32]) -> Result<Self, SecretKeyError> {
        match scheme {
            "ed25519" => Ok(SecretKey::Ed25519(ed25519_zebra::SigningKey::from(bytes))),
            "secp256k1" => k256::ecdsa::SigningKey::from_slice(&bytes)
                .map(SecretKey::Secp256k1)
                .map_err(|_| SecretKeyError::Secp256k1OutOfRange),
            "p256" => p256::ecdsa::SigningKey::from_slice(&bytes).map(SecretKey::P256).map_err(|_| SecretKeyError::P256OutOfRange),
            other => Err(SecretKeyError::UnknownScheme(other.to_string())),
        }
    }

    pub fn scheme(&self) -> &'static str {
        match self {
            SecretKey::Ed25519(_) => "ed25519",
            SecretKey::Secp256k1(_) => "secp256k1",
            SecretKey::P256(_) => "p256",
        }
    }

    pub fn to_bytes(&self) -> [u8; 32] {
        match self {
            SecretKey::Ed25519(k) => k.to_bytes(),
            SecretKey::Secp256k1(k) => {
                let mut out = [0u8; 32];
                out.copy_from_slice(&k.to_bytes());
                out
            }
            SecretKey::P256(k) => {
                let mut out = [0u8; 32];
                out.copy_from_slice(&k.to_bytes());
                out
            }
        }
    }

    pub fn public_key(&self) -> PublicKey {
        match self {
            SecretKey::Ed25519(k) => PublicKey::Ed25519(k.verification_key().into()),
            SecretKey::Secp256k1(k) => PublicKey::Secp256k1(compressed(k.verifying_key())),
            SecretKey::P256(k) => PublicKey::P256(p256_compressed(k.verifying_key())),
        }
    }

    pub fn sign(&self, message: &[u8]) -> Signature {
        match self {
            SecretKey::Ed25519(k) => Signature::Ed25519 {
                public_key: k.verification_key().into(),
                signature: k.sign(message).to_bytes(),
            },
            SecretKey::Secp256k1(k) => {
                let (sig, rid) = k.sign_prehash_recoverable(&sha256(message));
                // Normalising S negates the nonce point, which flips the parity of its y.
                let (sig, rid) = match sig.normalize_s() {
                    n if n == sig => (sig, rid.to_byte()),
                    n => (n, rid.to_byte() ^ 1),
                };
                let mut signature = [0u8; 64];
                signature.copy_from_slice(&sig.to_bytes());
                Signature::Secp256k1Recoverable { signature, recovery_id: rid }
            }
            SecretKey::P256(k) => {
                use p256::ecdsa::signature::Signer;
                // RFC 6979 nonce, so equal inputs give equal bytes (the published vectors);
                // P-256 signers do not normalise S themselves, the ledger requires it.
                let sig: p256::ecdsa::Signature = k.sign(message);
                let sig = sig.normalize_s();
                let mut signature = [0u8; 64];
                signature.copy_from_slice(&sig.to_bytes());
                Signature::P256 { public_key: p256_compressed(k.verifying_key()), signature }
            }
        }
    }

    /// Signs a transaction's signing bytes.
    pub fn sign_tx(&self, tx: &vellum_types::UnsignedTx) -> Signature {
        self.sign(&tx.signing_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vellum_types::{AccountId, Role, TxBody, UnsignedTx};

    fn unsigned() -> UnsignedTx {
        UnsignedTx {
            chain_id: "t".into(),
            sender: AccountId([3; 32]),
            nonce: 0,
            expiry_height: 10,
            body: TxBody::OpenAccount {
                public_key: PublicKey::Ed25519([1; 32]),
                kyc_commitment: Some([0; 32]),
                label: String::new(),
                role: Role::User,
                subledger: None, kyc: None
            },
        }
    }

    /// RFC 8032 §7.1 test 1 (empty message) and test 2 (one byte).
    #[test]
    fn rfc8032_vectors() {
        let cases = [
            (
                "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
                "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
                "",
                "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
            ),
            (
                "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
                "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
                "72",
                "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
            ),
        ];
        for (sk, pk, msg, sig) in cases {
            let mut seed = [0u8; 32];
            hex::decode_to_slice(sk, &mut seed).unwrap();
            let key = SecretKey::from_bytes("ed25519", seed).unwrap();
            assert_eq!(key.public_key().key_bytes(), hex::decode(pk).unwrap().as_slice());
            let message = hex::decode(msg).unwrap();
            let s = key.sign(&message);
            let Signature::Ed25519 { signature, .. } = s else { panic!() };
            assert_eq!(hex::encode(signature), sig);
            assert_eq!(verify_signature(&s, &message).unwrap(), key.public_key());
            assert!(verify_signature(&s, b"other").is_err());
        }
    }

    #[test]
    fn secp256k1_recovers_the_signer_and_rejects_high_s() {
        let key = SecretKey::from_bytes("secp256k1", [7; 32]).unwrap();
        for i in 0..20u8 {
            let msg = [i; 5];
            let sig = key.sign(&msg);
            assert_eq!(verify_signature(&sig, &msg).unwrap(), key.public_key());
            let Signature::Secp256k1Recoverable { signature, recovery_id } = sig else { panic!() };
            // The high-S twin verifies mathematically but must be refused.
            let s = k256::ecdsa::Signature::from_slice(&signature).unwrap();
            let (r, s_scalar) = s.split_scalars();
            let high = k256::ecdsa::Signature::from_scalars(r.to_bytes(), (-*s_scalar).to_bytes()).unwrap();
            let mut hs = [0u8; 64];
            hs.copy_from_slice(&high.to_bytes());
            let twin = Signature::Secp256k1Recoverable { signature: hs, recovery_id: recovery_id ^ 1 };
            assert!(matches!(verify_signature(&twin, &msg), Err(SigError::Secp256k1HighS { .. })));
            let bad_rid = Signature::Secp256k1Recoverable { signature, recovery_id: 2 };
            assert!(matches!(verify_signature(&bad_rid, &msg), Err(SigError::Secp256k1RecoveryId { .. })));
            // A different message recovers a different key, never the signer's.
            assert_ne!(verify_signature(&sig, b"other").ok(), Some(key.public_key()));
        }
        assert_eq!(SecretKey::from_bytes("secp256k1", [0; 32]).err(), Some(SecretKeyError::Secp256k1OutOfRange));
    }

    #[test]
    fn p256_signs_deterministically_with_low_s_and_rejects_the_high_s_twin() {
        let key = SecretKey::from_bytes("p256", [9; 32]).unwrap();
        assert_eq!(SecretKey::from_bytes("p256", key.to_bytes()).unwrap().public_key(), key.public_key());
        for i in 0..20u8 {
            let msg = [i; 7];
            let sig = key.sign(&msg);
            assert_eq!(sig, key.sign(&msg), "RFC 6979: the same message gives the same signature");
            assert_eq!(verify_signature(&sig, &msg).unwrap(), key.public_key());
            assert_eq!(verify_signature(&sig, b"other"), Err(SigError::P256Invalid { index: 0 }));
            let Signature::P256 { public_key, signature } = sig else { panic!("not a P-256 signature") };
            let s = p256::ecdsa::Signature::from_slice(&signature).unwrap();
            let (r, s_scalar) = s.split_scalars();
            let high = p256::ecdsa::Signature::from_scalars(r.to_bytes(), (-*s_scalar).to_bytes()).unwrap();
            let mut hs = [0u8; 64];
            hs.copy_from_slice(&high.to_bytes());
            assert_eq!(verify_signature(&Signature::P256 { public_key, signature: hs }, &msg), Err(SigError::P256HighS { index: 0 }));
            let mut other_key = public_key;
            other_key[0] ^= 1; // 02 <-> 03: the negated point, a valid key that did not sign
            assert_eq!(verify_signature(&Signature::P256 { public_key: other_key, signature }, &msg), Err(SigError::P256Invalid { index: 0 }));
            assert_eq!(verify_signature(&Signature::P256 { public_key: [0; 33], signature }, &msg), Err(SigError::P256Key { index: 0 }));
        }
        assert_eq!(SecretKey::from_bytes("p256", [0; 32]).err(), Some(SecretKeyError::P256OutOfRange));
        assert_eq!(SecretKey::from_bytes("p256", [0xff; 32]).err(), Some(SecretKeyError::P256OutOfRange));
    }

    #[test]
    fn only_curve_points_are_valid_public_keys() {
        for scheme in ["ed25519", "secp256k1", "p256"] {
            assert!(is_valid_public_key(&SecretKey::from_bytes(scheme, [5; 32]).unwrap().public_key()), "{scheme}");
        }
        // About half of all x coordinates are on a curve: the first small x that is not must
        // be refused.
        let not_k1 = (1u8..).map(|x| { let mut k = [0u8; 33]; k[0] = 2; k[32] = x; k }).find(|k| k256::ecdsa::VerifyingKey::from_sec1_bytes(k).is_err()).unwrap();
        assert!(!is_valid_public_key(&PublicKey::Secp256k1(not_k1)));
        let not_p256 = (1u8..).map(|x| { let mut k = [0u8; 33]; k[0] = 2; k[32] = x; k }).find(|k| p256::ecdsa::VerifyingKey::from_sec1_bytes(k).is_err()).unwrap();
        assert!(!is_valid_public_key(&PublicKey::P256(not_p256)));
        assert!(!is_valid_public_key(&PublicKey::P256([0; 33])), "the prefix must be 02 or 03");
        let not_ed = (2u8..).map(|b| [b; 32]).find(|k| !is_ed25519_key(k)).unwrap();
        assert!(!is_valid_public_key(&PublicKey::Ed25519(not_ed)));
    }

    /// RFC 6979 §A.2.5 (P-256, SHA-256, message "sample"): the published private key gives the
    /// published public key, and our signature is the published one or its low-S twin.
    #[test]
    fn p256_matches_rfc6979_a25() {
        let mut x = [0u8; 32];
        hex::decode_to_slice("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721", &mut x).unwrap();
        let key = SecretKey::from_bytes("p256", x).unwrap();
        // Ux = 60FED4BA…, Uy = 7903FE10…C7D299 (odd) → compressed prefix 03.
        assert_eq!(key.public_key().to_string(), "p256:0360fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6");
        let Signature::P256 { signature, .. } = key.sign(b"sample") else { panic!("not a P-256 signature") };
        let r = "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716";
        let s_high = "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8";
        assert_eq!(hex::encode(&signature[..32]), r);
        let published = p256::ecdsa::Signature::from_slice(&hex::decode(format!("{r}{s_high}")).unwrap()).unwrap();
        assert_eq!(signature.as_slice(), published.normalize_s().to_bytes().as_slice());
    }

    #[test]
    fn verify_each_names_exactly_the_bad_transactions() {
        let keys: Vec<SecretKey> = (1..=6u8).map(|b| SecretKey::from_bytes(["ed25519", "p256"][b as usize % 2], [b; 32]).unwrap()).collect();
        let mut txs: Vec<Transaction> = keys.iter().map(|k| Transaction { unsigned: unsigned(), signatures: vec![k.sign_tx(&unsigned())] }).collect();
        assert!(verify_each(txs.iter()).iter().all(Result::is_ok));
        // An Ed25519 signature broken (fails the batch), a P-256 one broken, a signer twice.
        if let Signature::Ed25519 { signature, .. } = &mut txs[1].signatures[0] {
            signature[5] ^= 1;
        }
        if let Signature::P256 { signature, .. } = &mut txs[2].signatures[0] {
            signature[5] ^= 1;
        }
        let again = txs[4].signatures[0];
        txs[4].signatures.push(again);
        let verdicts = verify_each(txs.iter());
        assert_eq!(verdicts[1], Err(SigError::Ed25519Invalid { index: 0 }));
        assert!(matches!(verdicts[2], Err(SigError::P256Invalid { .. } | SigError::P256HighS { .. } | SigError::P256Malformed { .. })));
        assert_eq!(verdicts[4], Err(SigError::DuplicateSigner { index: 1 }));
        for i in [0, 3, 5] {
            assert_eq!(verdicts[i].as_ref().unwrap(), &vec![keys[i].public_key()]);
        }
        assert_eq!(verify_txs(&txs).unwrap_err().0, 1);
    }

    #[test]
    fn tx_and_batch_verification_agree() {
        let a = SecretKey::from_bytes("ed25519", [1; 32]).unwrap();
        let b = SecretKey::from_bytes("secp256k1", [2; 32]).unwrap();
        let c = SecretKey::from_bytes("p256", [3; 32]).unwrap();
        let u = unsigned();
        let good = Transaction { unsigned: u.clone(), signatures: vec![a.sign_tx(&u), b.sign_tx(&u), c.sign_tx(&u)] };
        assert_eq!(verify_tx(&good).unwrap(), vec![a.public_key(), b.public_key(), c.public_key()]);
        let dup = Transaction { unsigned: u.clone(), signatures: vec![a.sign_tx(&u), a.sign_tx(&u)] };
        assert_eq!(verify_tx(&dup), Err(SigError::DuplicateSigner { index: 1 }));
        let mut forged = good.clone();
        forged.unsigned.nonce = 1;
        assert_eq!(verify_tx(&forged), Err(SigError::Ed25519Invalid { index: 0 }));
        let txs = vec![good.clone(), good.clone(), forged, good];
        assert_eq!(verify_txs(&txs).unwrap_err().0, 2);
        assert_eq!(verify_txs(&txs[..2]).unwrap().len(), 2);
    }
}

/// JOSE (RFC 7515/7518/8037) signatures, for credentials exchanged with other software: `EdDSA`
/// (Ed25519) and `ES256` (P-256, `r ‖ s`). Unlike transaction signatures, a high S is accepted:
/// other JOSE libraries do not normalise it, and nothing here is a ledger leaf that must have a
/// single encoding.
pub mod jose {
    use super::p256_compressed;
    use vellum_types::PublicKey;

    /// The JWS `alg` for a key's scheme (`None` for secp256k1, which this release does not use
    /// for credentials).
    pub fn alg(key: &PublicKey) -> Option<&'static str> {
        match key {
            PublicKey::Ed25519(_) => Some("EdDSA"),
            PublicKey::P256(_) => Some("ES256"),
            PublicKey::Secp256k1(_) => None,
        }
    }

    /// Signs a JWS signing input, in memory or on a device; secp256k1 signs no JWS here.
    pub fn sign(key: &crate::Signer, input: &[u8]) -> Result<Vec<u8>, crate::SignerError> {
        match key.sign(input)? {
            vellum_types::Signature::Ed25519 { signature, .. } | vellum_types::Signature::P256 { signature, .. } => Ok(signature.to_vec()),
            vellum_types::Signature::Secp256k1Recoverable { .. } => Err(crate::SignerError::Scheme("secp256k1")),
        }
    }

    /// Verifies a JWS signature made with `alg` by `key`.
    pub fn verify(key: &PublicKey, alg: &str, input: &[u8], signature: &[u8]) -> bool {
        match (key, alg) {
            (PublicKey::Ed25519(k), "EdDSA") => {
                <[u8; 64]>::try_from(signature).is_ok_and(|sig| super::verify_ed25519(k, &sig, input))
            }
            (PublicKey::P256(k), "ES256") => {
                use p256::ecdsa::signature::Verifier;
                let (Ok(vk), Ok(sig)) = (p256::ecdsa::VerifyingKey::from_sec1_bytes(k), p256::ecdsa::Signature::from_slice(signature)) else { return false };
                vk.verify(input, &sig).is_ok()
            }
            _ => false,
        }
    }

    /// A public key as a JWK (RFC 8037 `OKP`/`Ed25519`, RFC 7518 `EC`/`P-256`), base64url
    /// coordinates; `None` for secp256k1.
    pub fn to_jwk(key: &PublicKey) -> Option<serde_json::Value> {
        use base64::Engine;
        let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        match key {
            PublicKey::Ed25519(k) => Some(serde_json::json!({ "kty": "OKP", "crv": "Ed25519", "x": b64(k) })),
            PublicKey::P256(k) => {
                let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(k).ok()?;
                let point = vk.to_sec1_point(false);
                let bytes = point.as_bytes();
                Some(serde_json::json!({ "kty": "EC", "crv": "P-256", "x": b64(&bytes[1..33]), "y": b64(&bytes[33..65]) }))
            }
            PublicKey::Secp256k1(_) => None,
        }
    }

    /// A JWK as a public key (Ed25519 or P-256), checked to be a point of its curve.
    pub fn from_jwk(jwk: &serde_json::Value) -> Result<PublicKey, String> {
        use base64::Engine;
        let field = |name: &str| -> Result<Vec<u8>, String> {
            let text = jwk.get(name).and_then(serde_json::Value::as_str).ok_or_else(|| format!("JWK without `{name}`"))?;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).map_err(|_| format!("JWK `{name}` is not base64url"))
        };
        let kty = jwk.get("kty").and_then(serde_json::Value::as_str).unwrap_or_default();
        let crv = jwk.get("crv").and_then(serde_json::Value::as_str).unwrap_or_default();
        match (kty, crv) {
            ("OKP", "Ed25519") => {
                let x: [u8; 32] = field("x")?.try_into().map_err(|_| "Ed25519 JWK `x` must be 32 bytes".to_string())?;
                super::is_ed25519_key(&x).then_some(PublicKey::Ed25519(x)).ok_or_else(|| "Ed25519 JWK is not a curve point".into())
            }
            ("EC", "P-256") => {
                let (x, y) = (field("x")?, field("y")?);
                if x.len() != 32 || y.len() != 32 {
                    return Err("P-256 JWK coordinates must be 32 bytes".into());
                }
                let sec1 = [&[4u8][..], &x, &y].concat();
                let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1).map_err(|_| "P-256 JWK is not a curve point".to_string())?;
                Ok(PublicKey::P256(p256_compressed(&vk)))
            }
            _ => Err(format!("unsupported JWK (kty {kty:?}, crv {crv:?}): Ed25519 or P-256 only")),
        }
    }
}

//! Encrypted originals off-chain (X.1407 9.3.2): the client encrypts each document with a
//! fresh key (XChaCha20-Poly1305), wraps that key with age (X25519) for the owner and the
//! auditor, and uploads both to a node, which keeps the wrapped key apart from the payload.
//! Deleting the original destroys the wrapped key (crypto-shredding); the proof stays
//! verifiable because the ledger never held the document.

use anyhow::{Context, Result, bail};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::io::{Read, Write};
use std::path::Path;
use std::str::FromStr;
use vellum_types::proof::{EncryptedOriginal, original_aad};
use vellum_types::{ProofId, sha256};

/// Writes a new age X25519 identity (encryption key, distinct from signing keys) with mode 0600.
pub fn new_identity(out: &Path) -> Result<String> {
    let identity = age::x25519::Identity::generate();
    let secret = age::secrecy::ExposeSecret::expose_secret(&identity.to_string()).to_string();
    crate::keys::write_secret(out, &format!("{secret}\n"))?;
    Ok(identity.to_public().to_string())
}

pub fn load_identity(path: &Path) -> Result<age::x25519::Identity> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    age::x25519::Identity::from_str(text.trim()).map_err(|e| anyhow::anyhow!("{}: not an age X25519 identity: {e}", path.display()))
}

pub fn parse_recipient(text: &str) -> Result<age::x25519::Recipient> {
    age::x25519::Recipient::from_str(text.trim()).map_err(|e| anyhow::anyhow!("`{text}` is not an age X25519 recipient: {e}"))
}

/// Encrypts `document` for `recipients`.
pub fn seal(document: &[u8], proof: &ProofId, member: u32, recipients: &[age::x25519::Recipient]) -> Result<EncryptedOriginal> {
    if recipients.is_empty() {
        bail!("an encrypted original needs at least one recipient");
    }
    let key = crate::keys::random_bytes();
    let mut nonce = [0u8; 24];
    nonce.copy_from_slice(&crate::keys::random_bytes()[..24]);
    let mut plaintext = sha256(document).to_vec();
    plaintext.extend_from_slice(document);
    let aad = original_aad(proof, member);
    let ciphertext = XChaCha20Poly1305::new(&key.into())
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: &plaintext, aad: &aad })
        .map_err(|_| anyhow::anyhow!("encryption failed"))?;
    let encryptor = age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
        .map_err(|e| anyhow::anyhow!("cannot wrap the key: {e}"))?;
    let mut key_envelope = Vec::new();
    let mut w = encryptor.wrap_output(&mut key_envelope)?;
    w.write_all(&key)?;
    w.finish()?;
    Ok(EncryptedOriginal { key_envelope, nonce, ciphertext })
}

/// Decrypts an original with an identity it was wrapped for, and checks its digest.
pub fn open(original: &EncryptedOriginal, proof: &ProofId, member: u32, identity: &age::x25519::Identity) -> Result<Vec<u8>> {
    let decryptor = age::Decryptor::new(&original.key_envelope[..]).map_err(|e| anyhow::anyhow!("bad key envelope: {e}"))?;
    let mut reader = decryptor
        .decrypt(std::iter::once(identity as &dyn age::Identity))
        .map_err(|_| anyhow::anyhow!("this identity cannot unwrap the document key (not a recipient)"))?;
    let mut key = Vec::new();
    reader.read_to_end(&mut key)?;
    let key: [u8; 32] = key.try_into().map_err(|_| anyhow::anyhow!("unwrapped key has the wrong length"))?;
    let aad = original_aad(proof, member);
    let plaintext = XChaCha20Poly1305::new(&key.into())
        .decrypt(XNonce::from_slice(&original.nonce), Payload { msg: &original.ciphertext, aad: &aad })
        .map_err(|_| anyhow::anyhow!("the original does not decrypt: tampered, or for another proof"))?;
    if plaintext.len() < 32 || sha256(&plaintext[32..]) != plaintext[..32] {
        bail!("decrypted original does not match its digest");
    }
    Ok(plaintext[32..].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_refusals() {
        let owner = age::x25519::Identity::generate();
        let auditor = age::x25519::Identity::generate();
        let stranger = age::x25519::Identity::generate();
        let proof = ProofId([3; 32]);
        let sealed = seal(b"original bytes", &proof, 0, &[owner.to_public(), auditor.to_public()]).unwrap();
        assert_eq!(open(&sealed, &proof, 0, &owner).unwrap(), b"original bytes");
        assert_eq!(open(&sealed, &proof, 0, &auditor).unwrap(), b"original bytes");
        assert!(open(&sealed, &proof, 0, &stranger).is_err());
        assert!(open(&sealed, &ProofId([4; 32]), 0, &owner).is_err(), "bound to its proof");
        assert!(open(&sealed, &proof, 1, &owner).is_err(), "bound to its member");
        let mut tampered = sealed.clone();
        tampered.ciphertext[40] ^= 1;
        assert!(open(&tampered, &proof, 0, &owner).is_err());
        assert!(seal(b"x", &proof, 0, &[]).is_err());
    }
}

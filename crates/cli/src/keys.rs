//! Key files for devnet accounts and validators.
//!
//! Devnet account keys are stored as plain `scheme:hex` text with mode 0600 — fine for a
//! throwaway local network. The encrypted keystore (Argon2id + XChaCha20-Poly1305) for real
//! keys is a later issue; until then these files must never hold real funds or identities.

use anyhow::{Context, Result, bail};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use vellum_crypto::SecretKey;

pub fn random_bytes() -> [u8; 32] {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("operating system randomness");
    b
}

pub fn generate(scheme: &str) -> Result<SecretKey> {
    // A secp256k1 secret must be below the group order; retry on the (2^-128) failure.
    for _ in 0..8 {
        if let Ok(k) = SecretKey::from_bytes(scheme, random_bytes()) {
            return Ok(k);
        }
    }
    bail!("could not generate a {scheme} key")
}

/// Writes a secret file readable only by its owner; refuses to overwrite.
pub fn write_secret(path: &Path, contents: &str) -> Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {} (it may already exist)", path.display()))?;
    f.write_all(contents.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

pub fn save(path: &Path, key: &SecretKey) -> Result<()> {
    write_secret(path, &format!("{}:{}\n", key.scheme(), hex::encode(key.to_bytes())))
}

pub fn load(path: &Path) -> Result<SecretKey> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read key file {}", path.display()))?;
    let (scheme, hex_part) = text.trim().split_once(':').with_context(|| format!("{}: expected `scheme:hex`", path.display()))?;
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(hex_part, &mut bytes).with_context(|| format!("{}: bad key hex", path.display()))?;
    SecretKey::from_bytes(scheme, bytes).with_context(|| format!("{}: invalid key", path.display()))
}

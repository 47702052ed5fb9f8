//! Key files. Real account keys live in the encrypted keystore (`keystore.rs`: Argon2id +
//! XChaCha20-Poly1305, JSON); devnet and validator keys are plain `scheme:hex` text with mode
//! 0600 — fine for a throwaway local network, never for real funds or identities. `load`
//! reads either kind (asking for the password of a keystore).

use anyhow::{Context, Result, bail};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use vellum_crypto::SecretKey;

/// Accounts whose keys were rotated: a keystore records the account it signs for, and every
/// key loaded this run is looked up here (`account_for`), so a rotated key keeps acting for
/// its original account.
static ACCOUNTS: std::sync::Mutex<Vec<(vellum_types::PublicKey, vellum_types::AccountId)>> = std::sync::Mutex::new(Vec::new());

/// Makes `key` sign for `account` from now on in this run (a key added to a k-of-n account).
pub fn record_account(key: vellum_types::PublicKey, account: vellum_types::AccountId) {
    let mut accounts = ACCOUNTS.lock().unwrap();
    accounts.retain(|(k, _)| *k != key);
    accounts.push((key, account));
}

/// The account `key` signs for: the one its keystore records, else the one it derives.
pub fn account_for(key: &SecretKey) -> vellum_types::AccountId {
    let public = key.public_key();
    ACCOUNTS.lock().unwrap().iter().find(|(k, _)| *k == public).map_or_else(|| public.account_id(), |(_, a)| *a)
}

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

/// Writes `key` as an encrypted keystore file (mode 0600; refuses to overwrite).
pub fn save_encrypted(path: &Path, key: &SecretKey, password: &str) -> Result<()> {
    save_encrypted_for(path, key, password, None)
}

/// Like [`save_encrypted`], recording the account the key signs for (after a rotation).
pub fn save_encrypted_for(path: &Path, key: &SecretKey, password: &str, account: Option<vellum_types::AccountId>) -> Result<()> {
    let ks = crate::keystore::Keystore::seal_for(key, password, crate::keystore::Cost::DEFAULT, account.map(|a| a.to_hex()))?;
    write_secret(path, &format!("{}\n", serde_json::to_string_pretty(&ks)?))
}

/// Whether a key file is an encrypted keystore.
pub fn is_encrypted(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| t.trim_start().starts_with('{'))
}

pub fn load(path: &Path) -> Result<SecretKey> {
    let text = zeroize::Zeroizing::new(std::fs::read_to_string(path).with_context(|| format!("cannot read key file {}", path.display()))?);
    if text.trim_start().starts_with('{') {
        let ks: crate::keystore::Keystore =
            serde_json::from_str(&text).with_context(|| format!("{}: not a valid keystore file", path.display()))?;
        let password = crate::keystore::password(&format!("password for {}: ", path.display()), false)?;
        let key = ks.open(&password).with_context(|| format!("cannot open {}", path.display()))?;
        if let Some(account) = &ks.account_id {
            let id = vellum_types::AccountId::from_hex(account).with_context(|| format!("{}: bad account_id", path.display()))?;
            ACCOUNTS.lock().unwrap().push((key.public_key(), id));
        }
        return Ok(key);
    }
    let (scheme, hex_part) = text.trim().split_once(':').with_context(|| format!("{}: expected `scheme:hex`", path.display()))?;
    let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(hex_part, bytes.as_mut()).with_context(|| format!("{}: bad key hex", path.display()))?;
    SecretKey::from_bytes(scheme, *bytes).with_context(|| format!("{}: invalid key", path.display()))
}

/// Writes a file atomically: a temporary file next to it, then a rename (a crash leaves the
/// old file or the new one, never half of one).
pub(crate) fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    use anyhow::Context;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

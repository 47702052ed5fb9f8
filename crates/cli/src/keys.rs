//! Key files. Real account keys live in the encrypted keystore (Argon2id + XChaCha20-Poly1305,
//! JSON) or in a PKCS#11 token (the file is then a reference; `vellum_keys::token`); devnet
//! keys are plain `scheme:hex` text with mode 0600 — fine for a throwaway local network, never
//! for real funds or identities, so they are written and read only behind the explicit
//! `--insecure-plain-keys` switch (or a devnet's client config, which sets it). `load` reads
//! every kind (asking for the password of a keystore, the token's PIN from the environment).

use anyhow::{Context, Result, bail};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use vellum_crypto::{SecretKey, Signer};

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

/// Whether plain key files may be written and read this run: `--insecure-plain-keys`,
/// or a devnet's client config (its keys directory included). Never from the environment: the
/// switch is visible on the command line or in the devnet's own files.
static ALLOW_PLAIN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Allows plain key files for the rest of this run (see [`ALLOW_PLAIN`]).
pub fn allow_plain() {
    ALLOW_PLAIN.store(true, std::sync::atomic::Ordering::Relaxed);
}

pub fn plain_allowed() -> bool {
    ALLOW_PLAIN.load(std::sync::atomic::Ordering::Relaxed)
}

/// The account `key` signs for: the one its keystore records, else the one it derives.
pub fn account_for(key: &Signer) -> vellum_types::AccountId {
    let public = key.public_key();
    ACCOUNTS.lock().unwrap().iter().find(|(k, _)| *k == public).map_or_else(|| public.account_id(), |(_, a)| *a)
}

pub use vellum_keys::random_bytes;

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

/// Writes a plain key file (devnets only: refused without the plain-keys switch).
pub fn save(path: &Path, key: &SecretKey) -> Result<()> {
    if !plain_allowed() {
        bail!("plain (unencrypted) key files are for devnets only: add --insecure-plain-keys, or use an encrypted keystore or a PKCS#11 token");
    }
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

/// Reads a key file of any kind and unlocks it; a keystore's or token reference's recorded
/// account is remembered for [`account_for`].
pub fn load(path: &Path) -> Result<Signer> {
    let file = vellum_keys::KeyFile::read(path)?;
    if matches!(file, vellum_keys::KeyFile::Plain(_)) && !plain_allowed() {
        in_devnet_keys_dir(path);
    }
    unlock(file, path, plain_allowed())
}

/// Unlocks a key file already read from `path` (plain files only when `allow_plain`).
pub fn unlock(file: vellum_keys::KeyFile, path: &Path, allow_plain: bool) -> Result<Signer> {
    let shown = path.display().to_string();
    let password = || {
        crate::keystore::password(&format!("password for {shown}: "), false).map_err(|e| format!("{e:#}"))
    };
    let account = file.account_id().map(|a| vellum_types::AccountId::from_hex(a).with_context(|| format!("{shown}: bad account_id"))).transpose()?;
    let signer = file.unlock(path, &vellum_keys::Unlock { allow_plain, password: &password })?;
    if let Some(id) = account {
        ACCOUNTS.lock().unwrap().push((signer.public_key(), id));
    }
    Ok(signer)
}

/// A plain key file in a devnet's keys directory is covered by that devnet's client config
/// (`insecure_plain_keys = true`, next to the directory): loading the config allows it.
fn in_devnet_keys_dir(path: &Path) {
    let Some(dir) = path.parent() else { return };
    let Some(devnet) = dir.parent() else { return };
    let config = devnet.join("client.toml");
    if let Ok(cfg) = crate::client::ClientConfig::load(&config)
        && cfg.insecure_plain_keys
        && std::fs::canonicalize(&cfg.keys_dir).ok() == std::fs::canonicalize(dir).ok()
    {
        allow_plain();
    }
}

/// Reads a key whose secret the command needs in memory (backups, re-encryption, moving it
/// into a token): a key in a token has none to give.
pub fn load_software(path: &Path) -> Result<SecretKey> {
    let signer = load(path)?;
    Ok(signer.software().with_context(|| format!("{}", path.display()))?.clone())
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

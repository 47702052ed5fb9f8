//! Where Vellum's signing keys live, and how a process gets a [`Signer`] for one.
//!
//! Three kinds of key file, told apart by their first bytes:
//! - an encrypted keystore (JSON, Argon2id + XChaCha20-Poly1305; [`keystore`]),
//! - a PKCS#11 reference (JSON with a `pkcs11` object; [`token`]): the key stays in the token,
//! - a plain file (`scheme:hex`, or 64 hex characters for a validator key): devnets only. A
//!   caller must opt in ([`Unlock::allow_plain`]), which the binary ties to the explicit
//!   `--insecure-plain-keys` switch.
//!
//! Used by the CLI (account and request keys) and the validator (its consensus key, unlocked
//! once at start-up, and its node-account key, which signs audit batches).

pub mod keystore;
pub mod token;

use std::path::{Path, PathBuf};
use thiserror::Error;
use vellum_crypto::{SecretKey, Signer};
use zeroize::Zeroizing;

pub use keystore::{Keystore, KeystoreError};
pub use token::{TokenError, TokenLocation, TokenRef};

/// Largest key file read (a keystore is under 1 KiB; a limit on everything).
pub const KEY_FILE_BYTES_MAX: u64 = 64 * 1024;
/// Environment variable with the password of a validator's keystores.
pub const PASSWORD_ENV: &str = "VELLUM_KEY_PASSWORD";
/// The systemd credential (`LoadCredential=vellum-key-password:…`) read from
/// `$CREDENTIALS_DIRECTORY` when no password file is configured.
pub const CREDENTIAL_NAME: &str = "vellum-key-password";

/// Why a key file gave no signer.
#[derive(Debug, Error)]
pub enum KeyFileError {
    #[error("cannot read key file {path}: {message}")]
    Read { path: String, message: String },
    #[error("key file {path} is larger than {KEY_FILE_BYTES_MAX} bytes")]
    TooLarge { path: String },
    #[error("{path}: not a key file ({message})")]
    Malformed { path: String, message: String },
    #[error("{path} is a plain (unencrypted) key file: plain keys are for devnets only and need --insecure-plain-keys; use an encrypted keystore or a PKCS#11 token")]
    PlainRefused { path: String },
    #[error("{path}: no password to unlock it: {message}")]
    NoPassword { path: String, message: String },
    #[error("cannot open {path}: {source}")]
    Keystore { path: String, source: KeystoreError },
    #[error("{path}: {source}")]
    Token { path: String, source: TokenError },
}

/// A key file's contents, not yet unlocked.
pub enum KeyFile {
    Plain(SecretKey),
    Keystore(Keystore),
    Token(TokenRef),
}

impl KeyFile {
    /// Reads and parses a key file (no password asked, no token opened yet).
    pub fn read(path: &Path) -> Result<KeyFile, KeyFileError> {
        let shown = path.display().to_string();
        let read_err = |e: std::io::Error| KeyFileError::Read { path: shown.clone(), message: e.to_string() };
        if std::fs::metadata(path).map_err(read_err)?.len() > KEY_FILE_BYTES_MAX {
            return Err(KeyFileError::TooLarge { path: shown });
        }
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(read_err)?);
        KeyFile::parse(&text).map_err(|message| KeyFileError::Malformed { path: shown, message })
    }

    pub fn parse(text: &str) -> Result<KeyFile, String> {
        let text = text.trim();
        if text.starts_with('{') {
            let value: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
            if value.get("pkcs11").is_some() {
                return serde_json::from_value(value).map(KeyFile::Token).map_err(|e| format!("invalid PKCS#11 reference: {e}"));
            }
            return serde_json::from_value(value).map(KeyFile::Keystore).map_err(|e| format!("invalid keystore: {e}"));
        }
        // A validator key is 64 hex characters (Ed25519); an account key is `scheme:hex`.
        let (scheme, hex_part) = text.split_once(':').unwrap_or(("ed25519", text));
        let mut bytes = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(hex_part, bytes.as_mut()).map_err(|_| "expected `scheme:hex`, 64 hex characters, a keystore or a PKCS#11 reference".to_string())?;
        SecretKey::from_bytes(scheme, *bytes).map(KeyFile::Plain).map_err(|e| e.to_string())
    }

    /// The key's public part, without unlocking anything (no password, no PIN, no token).
    pub fn public_key(&self) -> Result<vellum_types::PublicKey, String> {
        match self {
            KeyFile::Plain(k) => Ok(k.public_key()),
            KeyFile::Keystore(k) => k.public_key.parse().map_err(|e| format!("bad public_key: {e}")),
            KeyFile::Token(t) => t.public_key.parse().map_err(|e| format!("bad public_key: {e}")),
        }
    }

    /// How the secret is held: `plain`, `encrypted` or `pkcs11`.
    pub fn storage(&self) -> &'static str {
        match self {
            KeyFile::Plain(_) => "plain",
            KeyFile::Keystore(_) => "encrypted",
            KeyFile::Token(_) => "pkcs11",
        }
    }

    /// The account a keystore or reference records (a rotated key), as hex.
    pub fn account_id(&self) -> Option<&str> {
        match self {
            KeyFile::Plain(_) => None,
            KeyFile::Keystore(k) => k.account_id.as_deref(),
            KeyFile::Token(t) => t.account_id.as_deref(),
        }
    }
}

/// How to unlock a key file.
pub struct Unlock<'a> {
    /// Accept plain key files (devnets only: `--insecure-plain-keys`).
    pub allow_plain: bool,
    /// The keystore password, asked only when the file is a keystore.
    pub password: &'a dyn Fn() -> Result<Zeroizing<String>, String>,
}

/// Reads a key file and unlocks it: a signer in memory (keystore, plain) or on the token.
pub fn load(path: &Path, unlock: &Unlock) -> Result<Signer, KeyFileError> {
    KeyFile::read(path)?.unlock(path, unlock)
}

impl KeyFile {
    /// Unlocks the key file read from `path` (named in errors).
    pub fn unlock(self, path: &Path, unlock: &Unlock) -> Result<Signer, KeyFileError> {
        let shown = path.display().to_string();
        match self {
            KeyFile::Plain(_) if !unlock.allow_plain => Err(KeyFileError::PlainRefused { path: shown }),
            KeyFile::Plain(key) => Ok(Signer::Software(key)),
            KeyFile::Keystore(ks) => {
                let password = (unlock.password)().map_err(|message| KeyFileError::NoPassword { path: shown.clone(), message })?;
                ks.open(&password).map(Signer::Software).map_err(|source| KeyFileError::Keystore { path: shown, source })
            }
            KeyFile::Token(reference) => token::open(&reference).map_err(|source| KeyFileError::Token { path: shown, source }),
        }
    }
}

/// A validator's keystore password, read once at start-up without a terminal: the configured
/// file, else the systemd credential `vellum-key-password`, else `VELLUM_KEY_PASSWORD`.
pub fn service_password(file: Option<&Path>) -> Result<Zeroizing<String>, String> {
    let credential = std::env::var_os("CREDENTIALS_DIRECTORY").map(|d| PathBuf::from(d).join(CREDENTIAL_NAME));
    if let Some(path) = file.map(Path::to_path_buf).or(credential.filter(|p| p.exists())) {
        let too_big = std::fs::metadata(&path).map(|m| m.len() > KEY_FILE_BYTES_MAX).unwrap_or(false);
        if too_big {
            return Err(format!("the password file {} is larger than {KEY_FILE_BYTES_MAX} bytes", path.display()));
        }
        let text = Zeroizing::new(std::fs::read_to_string(&path).map_err(|e| format!("cannot read the password file {}: {e}", path.display()))?);
        return Ok(Zeroizing::new(text.trim_end_matches(['\n', '\r']).to_string()));
    }
    std::env::var(PASSWORD_ENV)
        .map(Zeroizing::new)
        .map_err(|_| format!("set key_password_file in node.toml, the systemd credential {CREDENTIAL_NAME}, or {PASSWORD_ENV}"))
}

/// 32 bytes from the operating system's random source.
pub fn random_bytes() -> [u8; 32] {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("operating system randomness");
    b
}

#[cfg(test)]
mod tests;

//! The encrypted keystore (X.1405 8.2.2, 8.7): account keys of the CLI, and validator and
//! node-account keys unlocked once when a validator starts.
//!
//! A keystore file is JSON: the KDF (Argon2id) and its parameters, a random salt, the cipher
//! (XChaCha20-Poly1305) and nonce, the key's scheme and public key, and the encrypted 32-byte
//! secret. Every field except the ciphertext is bound as associated data, so changing a
//! parameter (say, to weaken the KDF) makes decryption fail instead of silently working.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use vellum_crypto::SecretKey;
use zeroize::Zeroizing;

/// Why a keystore could not be sealed or opened.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum KeystoreError {
    #[error("unsupported keystore ({0})")]
    Unsupported(String),
    #[error("keystore KDF parameters are below the minimum ({KDF_MEMORY_KIB_MIN} KiB, {KDF_PASSES_MIN} pass): refusing it")]
    KdfTooWeak,
    #[error("keystore KDF parameters are above the maximum ({KDF_MEMORY_KIB_MAX} KiB, {KDF_PASSES_MAX} passes, {KDF_LANES_MAX} lanes): refusing it")]
    KdfTooCostly,
    #[error("KDF: {0}")]
    Kdf(String),
    #[error("the password must have at least {PASSWORD_CHARS_MIN} characters")]
    ShortPassword,
    #[error("wrong password, or the keystore file was modified")]
    WrongPassword,
    #[error("malformed keystore: {0}")]
    Malformed(&'static str),
}

/// Argon2id cost for new keystores: 64 MiB, 3 passes, 1 lane.
pub const KDF_MEMORY_KIB: u32 = 64 * 1024;
pub const KDF_PASSES: u32 = 3;
pub const KDF_LANES: u32 = 1;
/// The weakest parameters a keystore may claim (refused below: a tampered file could
/// otherwise make brute force cheap for whoever gets the file next).
pub const KDF_MEMORY_KIB_MIN: u32 = 8 * 1024;
const KDF_PASSES_MIN: u32 = 1;
/// The costliest parameters a keystore may claim (refused above: a hostile file could
/// otherwise make opening it take terabytes of memory or hours).
const KDF_MEMORY_KIB_MAX: u32 = 2 * 1024 * 1024;
const KDF_PASSES_MAX: u32 = 16;
const KDF_LANES_MAX: u32 = 16;
/// Shortest accepted password.
pub const PASSWORD_CHARS_MIN: usize = 8;

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Keystore {
    pub version: u32,
    pub kdf: String,
    pub memory_kib: u32,
    pub passes: u32,
    pub lanes: u32,
    pub salt: String,
    pub cipher: String,
    pub nonce: String,
    pub scheme: String,
    pub public_key: String,
    /// The account this key signs for when it is not the one its public key derives (a
    /// rotated key). Bound in the associated data like every other field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    pub ciphertext: String,
}

/// The KDF cost of a keystore.
#[derive(Clone, Copy, Debug)]
pub struct Cost {
    pub memory_kib: u32,
    pub passes: u32,
    pub lanes: u32,
}

impl Cost {
    pub const DEFAULT: Cost = Cost { memory_kib: KDF_MEMORY_KIB, passes: KDF_PASSES, lanes: KDF_LANES };
}

impl Keystore {
    /// Everything but the ciphertext, in a fixed order: the associated data.
    fn associated_data(&self) -> Vec<u8> {
        format!(
            "vellum-keystore|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
            self.version,
            self.kdf,
            self.memory_kib,
            self.passes,
            self.lanes,
            self.salt,
            self.cipher,
            self.nonce,
            self.scheme,
            self.public_key,
            self.account_id.as_deref().unwrap_or("")
        )
        .into_bytes()
    }

    fn derive(&self, password: &str) -> Result<Zeroizing<[u8; 32]>, KeystoreError> {
        if self.kdf != "argon2id" || self.cipher != "xchacha20poly1305" || self.version != 1 {
            return Err(KeystoreError::Unsupported(format!("version {}, {} / {}", self.version, self.kdf, self.cipher)));
        }
        if self.memory_kib < KDF_MEMORY_KIB_MIN || self.passes < KDF_PASSES_MIN || self.lanes == 0 {
            return Err(KeystoreError::KdfTooWeak);
        }
        if self.memory_kib > KDF_MEMORY_KIB_MAX || self.passes > KDF_PASSES_MAX || self.lanes > KDF_LANES_MAX {
            return Err(KeystoreError::KdfTooCostly);
        }
        let params = argon2::Params::new(self.memory_kib, self.passes, self.lanes, Some(32)).map_err(|e| KeystoreError::Kdf(e.to_string()))?;
        let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let salt = hex::decode(&self.salt).map_err(|_| KeystoreError::Malformed("salt is not hex"))?;
        let mut key = Zeroizing::new([0u8; 32]);
        argon.hash_password_into(password.as_bytes(), &salt, key.as_mut()).map_err(|e| KeystoreError::Kdf(e.to_string()))?;
        Ok(key)
    }

    /// Encrypts `secret` under `password` with fresh salt and nonce, recording the account it
    /// signs for when that is not the one it derives.
    pub fn seal_for(secret: &SecretKey, password: &str, cost: Cost, account_id: Option<String>) -> Result<Keystore, KeystoreError> {
        let (salt, nonce) = (crate::random_bytes(), crate::random_bytes());
        let salt: [u8; 16] = salt[..16].try_into().expect("16 of 32 bytes");
        let nonce: [u8; 24] = nonce[..24].try_into().expect("24 of 32 bytes");
        Self::seal_with(secret, password, cost, account_id, salt, nonce)
    }

    /// [`Keystore::seal_for`] with a given salt and nonce: the published test vectors are
    /// reproducible byte for byte. Never reuse a nonce under one password for real keys.
    pub fn seal_with(secret: &SecretKey, password: &str, cost: Cost, account_id: Option<String>, salt: [u8; 16], nonce: [u8; 24]) -> Result<Keystore, KeystoreError> {
        if password.chars().count() < PASSWORD_CHARS_MIN {
            return Err(KeystoreError::ShortPassword);
        }
        let mut ks = Keystore {
            version: 1,
            kdf: "argon2id".into(),
            memory_kib: cost.memory_kib,
            passes: cost.passes,
            lanes: cost.lanes,
            salt: hex::encode(salt),
            cipher: "xchacha20poly1305".into(),
            nonce: hex::encode(nonce),
            scheme: secret.scheme().to_string(),
            public_key: secret.public_key().to_string(),
            account_id,
            ciphertext: String::new(),
        };
        let key = ks.derive(password)?;
        let cipher = XChaCha20Poly1305::new((&*key).into());
        let aad = ks.associated_data();
        let secret_bytes = Zeroizing::new(secret.to_bytes());
        let ct = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: secret_bytes.as_slice(), aad: &aad })
            .map_err(|_| KeystoreError::Malformed("encryption failed"))?;
        ks.ciphertext = hex::encode(ct);
        Ok(ks)
    }

    /// Decrypts the secret; a wrong password (or any edited field) is one clear error.
    pub fn open(&self, password: &str) -> Result<SecretKey, KeystoreError> {
        let key = self.derive(password)?;
        let cipher = XChaCha20Poly1305::new((&*key).into());
        let nonce = hex::decode(&self.nonce).map_err(|_| KeystoreError::Malformed("nonce is not hex"))?;
        if nonce.len() != 24 {
            return Err(KeystoreError::Malformed("nonce must be 24 bytes"));
        }
        let ct = hex::decode(&self.ciphertext).map_err(|_| KeystoreError::Malformed("ciphertext is not hex"))?;
        let plain = Zeroizing::new(
            cipher
                .decrypt(XNonce::from_slice(&nonce), Payload { msg: &ct, aad: &self.associated_data() })
                .map_err(|_| KeystoreError::WrongPassword)?,
        );
        let bytes: Zeroizing<[u8; 32]> = Zeroizing::new(plain.as_slice().try_into().map_err(|_| KeystoreError::Malformed("secret is not 32 bytes"))?);
        let secret = SecretKey::from_bytes(&self.scheme, *bytes).map_err(|_| KeystoreError::Malformed("it holds an invalid key"))?;
        if secret.public_key().to_string() != self.public_key {
            return Err(KeystoreError::Malformed("the secret does not match its public key"));
        }
        Ok(secret)
    }
}

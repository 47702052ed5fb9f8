//! The encrypted keystore, mnemonic backup and Shamir shares for account keys (X.1405 8.2.2,
//! 8.7).
//!
//! A keystore file is JSON: the KDF (Argon2id) and its parameters, a random salt, the cipher
//! (XChaCha20-Poly1305) and nonce, the key's scheme and public key, and the encrypted 32-byte
//! secret. Every field except the ciphertext is bound as associated data, so changing a
//! parameter (say, to weaken the KDF) makes decryption fail instead of silently working. The
//! password comes from `VELLUM_PASSWORD` (scripts) or a prompt.

use zeroize::Zeroizing;
use anyhow::{Context, Result, bail};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use vellum_crypto::SecretKey;

/// Argon2id cost for new keystores: 64 MiB, 3 passes, 1 lane.
pub const KDF_MEMORY_KIB: u32 = 64 * 1024;
pub const KDF_PASSES: u32 = 3;
pub const KDF_LANES: u32 = 1;
/// The weakest parameters a keystore may claim (refused below: a tampered file could
/// otherwise make brute force cheap for whoever gets the file next).
const KDF_MEMORY_KIB_MIN: u32 = 8 * 1024;
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

    fn derive(&self, password: &str) -> Result<Zeroizing<[u8; 32]>> {
        if self.kdf != "argon2id" || self.cipher != "xchacha20poly1305" || self.version != 1 {
            bail!("unsupported keystore (version {}, {} / {})", self.version, self.kdf, self.cipher);
        }
        if self.memory_kib < KDF_MEMORY_KIB_MIN || self.passes < KDF_PASSES_MIN || self.lanes == 0 {
            bail!("keystore KDF parameters are below the minimum ({KDF_MEMORY_KIB_MIN} KiB, {KDF_PASSES_MIN} pass): refusing it");
        }
        if self.memory_kib > KDF_MEMORY_KIB_MAX || self.passes > KDF_PASSES_MAX || self.lanes > KDF_LANES_MAX {
            bail!("keystore KDF parameters are above the maximum ({KDF_MEMORY_KIB_MAX} KiB, {KDF_PASSES_MAX} passes, {KDF_LANES_MAX} lanes): refusing it");
        }
        let params = argon2::Params::new(self.memory_kib, self.passes, self.lanes, Some(32)).map_err(|e| anyhow::anyhow!("KDF parameters: {e}"))?;
        let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let salt = hex::decode(&self.salt).context("keystore salt is not hex")?;
        let mut key = Zeroizing::new([0u8; 32]);
        argon.hash_password_into(password.as_bytes(), &salt, key.as_mut()).map_err(|e| anyhow::anyhow!("KDF: {e}"))?;
        Ok(key)
    }

    /// Encrypts `secret` under `password` with fresh salt and nonce, recording the account it
    /// signs for when that is not the one it derives.
    pub fn seal_for(secret: &SecretKey, password: &str, cost: Cost, account_id: Option<String>) -> Result<Keystore> {
        let (salt, nonce) = (crate::keys::random_bytes(), crate::keys::random_bytes());
        let salt: [u8; 16] = salt[..16].try_into().expect("16 of 32 bytes");
        let nonce: [u8; 24] = nonce[..24].try_into().expect("24 of 32 bytes");
        Self::seal_with(secret, password, cost, account_id, salt, nonce)
    }

    /// [`Keystore::seal_for`] with a given salt and nonce: the published test vectors are
    /// reproducible byte for byte. Never reuse a nonce under one password for real keys.
    pub fn seal_with(secret: &SecretKey, password: &str, cost: Cost, account_id: Option<String>, salt: [u8; 16], nonce: [u8; 24]) -> Result<Keystore> {
        if password.chars().count() < PASSWORD_CHARS_MIN {
            bail!("the password must have at least {PASSWORD_CHARS_MIN} characters");
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
            .map_err(|_| anyhow::anyhow!("encryption failed"))?;
        ks.ciphertext = hex::encode(ct);
        Ok(ks)
    }

    /// Decrypts the secret; a wrong password (or any edited field) is one clear error.
    pub fn open(&self, password: &str) -> Result<SecretKey> {
        let key = self.derive(password)?;
        let cipher = XChaCha20Poly1305::new((&*key).into());
        let nonce = hex::decode(&self.nonce).context("keystore nonce is not hex")?;
        if nonce.len() != 24 {
            bail!("keystore nonce must be 24 bytes");
        }
        let ct = hex::decode(&self.ciphertext).context("keystore ciphertext is not hex")?;
        let plain = Zeroizing::new(
            cipher
                .decrypt(XNonce::from_slice(&nonce), Payload { msg: &ct, aad: &self.associated_data() })
                .map_err(|_| anyhow::anyhow!("wrong password, or the keystore file was modified"))?,
        );
        let bytes: Zeroizing<[u8; 32]> = Zeroizing::new(plain.as_slice().try_into().context("keystore secret is not 32 bytes")?);
        let secret = SecretKey::from_bytes(&self.scheme, *bytes).context("keystore holds an invalid key")?;
        if secret.public_key().to_string() != self.public_key {
            bail!("keystore secret does not match its public key");
        }
        Ok(secret)
    }
}

/// The password: `VELLUM_PASSWORD`, else a prompt on the terminal (twice when `confirm`).
pub fn password(prompt: &str, confirm: bool) -> Result<Zeroizing<String>> {
    if let Ok(p) = std::env::var("VELLUM_PASSWORD") {
        return Ok(Zeroizing::new(p));
    }
    let first = Zeroizing::new(rpassword::prompt_password(prompt).context("no terminal to ask for the password: set VELLUM_PASSWORD")?);
    if confirm {
        let again = Zeroizing::new(rpassword::prompt_password("repeat the password: ")?);
        if again != first {
            bail!("the passwords differ");
        }
    }
    Ok(first)
}

/// The 24-word BIP-39 mnemonic of a key's 32-byte secret (the scheme is noted separately).
pub fn mnemonic(secret: &SecretKey) -> String {
    bip39::Mnemonic::from_entropy(&secret.to_bytes()).expect("32 bytes is valid BIP-39 entropy").to_string()
}

/// The key a 24-word mnemonic encodes; the checksum word catches most typos.
pub fn from_mnemonic(words: &str, scheme: &str) -> Result<SecretKey> {
    let m = bip39::Mnemonic::parse_normalized(&words.split_whitespace().collect::<Vec<_>>().join(" "))
        .map_err(|e| anyhow::anyhow!("not a valid BIP-39 mnemonic: {e}"))?;
    let (entropy, len) = m.to_entropy_array();
    if len != 32 {
        bail!("a Vellum key mnemonic has 24 words (32 bytes), this one encodes {len} bytes");
    }
    let bytes: [u8; 32] = entropy[..32].try_into().expect("32 bytes");
    SecretKey::from_bytes(scheme, bytes).context("the mnemonic does not encode a valid key for this scheme")
}

/// Splits a key into `shares` Shamir shares, any `threshold` of which recover it. Each share
/// names the scheme, the threshold and the public key, so recovery can check its result.
pub fn split(secret: &SecretKey, shares: u8, threshold: u8) -> Result<Vec<String>> {
    if threshold < 2 || shares < threshold {
        bail!("need 2 <= threshold <= shares (got {threshold} of {shares})");
    }
    let dealer = blahaj::Sharks(threshold).dealer(&secret.to_bytes());
    Ok(dealer
        .take(shares as usize)
        .map(|s| {
            let bytes: Vec<u8> = (&s).into();
            format!("vellum-share-v1:{}:{}:{}:{}", secret.scheme(), threshold, secret.public_key(), hex::encode(bytes))
        })
        .collect())
}

/// Recovers a key from Shamir shares made by [`split`].
pub fn combine(shares: &[String]) -> Result<SecretKey> {
    let mut parsed = Vec::new();
    let mut header: Option<(String, u8, String)> = None;
    for s in shares {
        let parts: Vec<&str> = s.trim().splitn(5, ':').collect();
        let [tag, scheme, threshold, public_key, data] = parts[..] else { bail!("not a Vellum key share") };
        // The public key itself contains a ':' (`ed25519:<hex>`); re-join it.
        let (public_key, data) = match data.split_once(':') {
            Some((key_hex, d)) => (format!("{public_key}:{key_hex}"), d),
            None => bail!("not a Vellum key share"),
        };
        if tag != "vellum-share-v1" {
            bail!("not a Vellum key share");
        }
        let threshold: u8 = threshold.parse().context("share threshold")?;
        let h = (scheme.to_string(), threshold, public_key);
        match &header {
            Some(prev) if *prev != h => bail!("these shares belong to different keys"),
            _ => header = Some(h),
        }
        let bytes = hex::decode(data).context("share data is not hex")?;
        parsed.push(blahaj::Share::try_from(bytes.as_slice()).map_err(|e| anyhow::anyhow!("bad share: {e}"))?);
    }
    let (scheme, threshold, public_key) = header.context("no shares given")?;
    let secret = blahaj::Sharks(threshold)
        .recover(&parsed)
        .map_err(|e| anyhow::anyhow!("cannot recover: {e} (this key needs {threshold} distinct shares)"))?;
    let bytes: [u8; 32] = secret.as_slice().try_into().context("recovered secret is not 32 bytes")?;
    let key = SecretKey::from_bytes(&scheme, bytes).context("the shares do not reconstruct a valid key")?;
    if key.public_key().to_string() != public_key {
        bail!("the shares do not reconstruct key {public_key} (a share is corrupt or from another split)");
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cheap KDF parameters for tests (the minimum accepted).
    const TEST_COST: Cost = Cost { memory_kib: KDF_MEMORY_KIB_MIN, passes: 1, lanes: 1 };

    fn err(r: Result<SecretKey>) -> String {
        match r {
            Ok(k) => panic!("expected an error, got key {}", k.public_key()),
            Err(e) => format!("{e:#}"),
        }
    }

    fn key() -> SecretKey {
        SecretKey::from_bytes("ed25519", [42; 32]).unwrap()
    }

    #[test]
    fn keystore_round_trip_and_wrong_password() {
        let ks = Keystore::seal_for(&key(), "correct horse battery", TEST_COST, None).unwrap();
        assert_eq!(ks.open("correct horse battery").unwrap().to_bytes(), key().to_bytes());
        let err = err(ks.open("wrong password!"));
        assert!(err.contains("wrong password"), "{err}");
        assert!(Keystore::seal_for(&key(), "short", TEST_COST, None).is_err(), "short passwords are refused");
        // JSON round trip keeps it openable.
        let text = serde_json::to_string(&ks).unwrap();
        let back: Keystore = serde_json::from_str(&text).unwrap();
        assert!(back.open("correct horse battery").is_ok());
    }

    #[test]
    fn edited_parameters_are_detected() {
        let ks = Keystore::seal_for(&key(), "correct horse battery", TEST_COST, None).unwrap();
        let mut weaker = ks.clone();
        weaker.memory_kib = KDF_MEMORY_KIB_MIN + 1;
        assert!(err(weaker.open("correct horse battery")).contains("modified"));
        let mut other = ks.clone();
        other.public_key = SecretKey::from_bytes("ed25519", [1; 32]).unwrap().public_key().to_string();
        assert!(other.open("correct horse battery").is_err());
        let mut too_weak = ks.clone();
        too_weak.memory_kib = 64;
        assert!(err(too_weak.open("correct horse battery")).contains("minimum"));
        // A hostile file cannot make opening it cost terabytes or hours: refused before the KDF.
        for edit in [|k: &mut Keystore| k.memory_kib = u32::MAX, |k: &mut Keystore| k.passes = 1 << 30, |k: &mut Keystore| k.lanes = 1 << 20] {
            let mut costly = ks.clone();
            edit(&mut costly);
            assert!(err(costly.open("correct horse battery")).contains("maximum"));
        }
    }

    #[test]
    fn bip39_vectors() {
        // BIP-39 reference vectors for 256-bit entropy (English wordlist).
        let cases = [
            ([0x00u8; 32], "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art"),
            ([0x7f; 32], "legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title"),
            ([0x80; 32], "letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic bless"),
            ([0xff; 32], "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo vote"),
        ];
        for (entropy, words) in cases {
            let k = SecretKey::from_bytes("ed25519", entropy).unwrap();
            assert_eq!(mnemonic(&k), words);
            assert_eq!(from_mnemonic(words, "ed25519").unwrap().to_bytes(), entropy);
        }
        let typo = cases[1].1.replace("title", "wave");
        assert!(err(from_mnemonic(&typo, "ed25519")).contains("BIP-39"));
        assert!(from_mnemonic("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about", "ed25519").is_err(), "12 words are refused");
    }

    #[test]
    fn shamir_any_threshold_recovers_fewer_do_not() {
        let shares = split(&key(), 5, 3).unwrap();
        for pick in [[0usize, 1, 2], [0, 2, 4], [1, 3, 4], [4, 3, 2]] {
            let chosen: Vec<String> = pick.iter().map(|i| shares[*i].clone()).collect();
            assert_eq!(combine(&chosen).unwrap().to_bytes(), key().to_bytes());
        }
        assert!(err(combine(&shares[..2])).contains("needs 3"));
        let other = split(&SecretKey::from_bytes("ed25519", [7; 32]).unwrap(), 5, 3).unwrap();
        let mixed = vec![shares[0].clone(), shares[1].clone(), other[2].clone()];
        assert!(err(combine(&mixed)).contains("different keys"));
        let mut corrupt = shares[..3].to_vec();
        let last = corrupt[2].pop().unwrap();
        corrupt[2].push(if last == '0' { '1' } else { '0' });
        assert!(combine(&corrupt).is_err());
        assert!(split(&key(), 2, 3).is_err() && split(&key(), 5, 1).is_err());
    }
}

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
pub use vellum_keys::keystore::{Cost, Keystore};
use vellum_crypto::SecretKey;

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

    fn key() -> SecretKey {
        SecretKey::from_bytes("ed25519", [42; 32]).unwrap()
    }

    fn err(r: Result<SecretKey>) -> String {
        match r {
            Ok(k) => panic!("expected an error, got key {}", k.public_key()),
            Err(e) => format!("{e:#}"),
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

//! Public keys and signatures as plain bytes. Verification lives in `vellum-crypto`.

use crate::encoding::{canonical, domain};
use crate::hash::{AccountId, sha256};
use borsh::{BorshDeserialize, BorshSerialize};
use std::fmt;
use std::str::FromStr;

/// A user's public key. Text form: `ed25519:<64 hex>`, `secp256k1:<66 hex, SEC1 compressed>` or
/// `p256:<66 hex, SEC1 compressed>`. New schemes are appended; variant indices never change.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize)]
pub enum PublicKey {
    Ed25519([u8; 32]),
    /// SEC1 compressed point.
    Secp256k1([u8; 33]),
    /// NIST P-256 (secp256r1), SEC1 compressed point: the curve of passkeys, phone secure
    /// enclaves and cloud HSM/KMS keys.
    P256([u8; 33]),
}

impl PublicKey {
    /// The account id an account opened with this key gets: `SHA-256(ACCOUNT-ID tag ‖ v ‖ borsh(key))`.
    pub fn account_id(&self) -> AccountId {
        AccountId(sha256(&canonical(domain::ACCOUNT_ID, self)))
    }

    pub fn scheme(&self) -> &'static str {
        match self {
            PublicKey::Ed25519(_) => "ed25519",
            PublicKey::Secp256k1(_) => "secp256k1",
            PublicKey::P256(_) => "p256",
        }
    }

    pub fn key_bytes(&self) -> &[u8] {
        match self {
            PublicKey::Ed25519(k) => k,
            PublicKey::Secp256k1(k) | PublicKey::P256(k) => k,
        }
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.scheme(), hex::encode(self.key_bytes()))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Why a public key's text form was rejected.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PublicKeyParseError {
    #[error("expected `ed25519:<hex>`, `secp256k1:<hex>` or `p256:<hex>`")]
    NoScheme,
    #[error("unknown key scheme `{0}`")]
    UnknownScheme(String),
    #[error("bad key hex: {0}")]
    Hex(#[from] hex::FromHexError),
}

impl FromStr for PublicKey {
    type Err = PublicKeyParseError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (scheme, hex_part) = text.split_once(':').ok_or(PublicKeyParseError::NoScheme)?;
        match scheme {
            "ed25519" => {
                let mut k = [0u8; 32];
                hex::decode_to_slice(hex_part, &mut k)?;
                Ok(PublicKey::Ed25519(k))
            }
            "secp256k1" => {
                let mut k = [0u8; 33];
                hex::decode_to_slice(hex_part, &mut k)?;
                Ok(PublicKey::Secp256k1(k))
            }
            "p256" => {
                let mut k = [0u8; 33];
                hex::decode_to_slice(hex_part, &mut k)?;
                Ok(PublicKey::P256(k))
            }
            other => Err(PublicKeyParseError::UnknownScheme(other.to_string())),
        }
    }
}

impl serde::Serialize for PublicKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for PublicKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text: std::borrow::Cow<'de, str> = serde::Deserialize::deserialize(d)?;
        PublicKey::from_str(&text).map_err(serde::de::Error::custom)
    }
}

/// A signature in a transaction envelope.
#[derive(Clone, Copy, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub enum Signature {
    /// Ed25519 cannot recover its key, so the key travels with the signature.
    Ed25519 { public_key: [u8; 32], signature: [u8; 64] },
    /// secp256k1 ECDSA over SHA-256 of the signed bytes, `r ‖ s` with low S, plus the recovery
    /// id (0 or 1). The ledger recovers the signer's key from it (X.1407 9.1.1 a).
    Secp256k1Recoverable { signature: [u8; 64], recovery_id: u8 },
    /// P-256 ECDSA over SHA-256 of the signed bytes (what WebCrypto, passkeys and KMS produce),
    /// `r ‖ s` with low S. Key recovery is not required of such signers, so the compressed key
    /// travels with the signature, as with Ed25519.
    P256 { public_key: [u8; 33], signature: [u8; 64] },
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_key_text_round_trips_and_rejects_garbage() {
        let k = PublicKey::Secp256k1([2u8; 33]);
        assert_eq!(k.to_string().parse::<PublicKey>().unwrap(), k);
        let p = PublicKey::P256([3u8; 33]);
        assert_eq!(p.to_string(), format!("p256:{}", "03".repeat(33)));
        assert_eq!(p.to_string().parse::<PublicKey>().unwrap(), p);
        let e = PublicKey::Ed25519([7u8; 32]);
        assert_eq!(e.to_string().parse::<PublicKey>().unwrap(), e);
        assert_eq!("abc".parse::<PublicKey>(), Err(PublicKeyParseError::NoScheme));
        assert!(matches!("rsa:00".parse::<PublicKey>(), Err(PublicKeyParseError::UnknownScheme(_))));
        assert!(matches!("ed25519:00".parse::<PublicKey>(), Err(PublicKeyParseError::Hex(_))));
    }

    #[test]
    fn account_ids_differ_per_key() {
        assert_ne!(PublicKey::Ed25519([1; 32]).account_id(), PublicKey::Ed25519([2; 32]).account_id());
    }
}

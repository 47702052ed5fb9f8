//! Signing with a key the process may not hold: a software [`SecretKey`] or an external device
//! (a PKCS#11 token, see `vellum-keys`).
//!
//! A software key cannot fail to sign; a device can (unplugged, logged out, PIN locked). So
//! [`Signer::sign`] is fallible, and every signature a device returns is normalised to the
//! ledger's rules (low S for P-256) and verified against the key's public part before it is
//! used: a faulty device is caught here, not by the validators.

use crate::sig::SecretKey;
use std::sync::Arc;
use thiserror::Error;
use vellum_types::{PublicKey, Signature, sha256};

/// What an external device signs. Ed25519: the message itself (pure EdDSA, RFC 8032).
/// P-256: the SHA-256 digest of the message (ECDSA over SHA-256, as the ledger verifies).
pub trait ExternalSigner: Send + Sync {
    /// The key's public part, as the ledger knows it.
    fn public_key(&self) -> PublicKey;
    /// The raw 64-byte signature (`R ‖ S` or `r ‖ s`) over `input`.
    fn sign_raw(&self, input: &[u8]) -> Result<[u8; 64], SignerError>;
    /// Where the key lives, for messages ("PKCS#11 token `vellum`, key `alice`").
    fn describe(&self) -> String;
}

/// Why signing failed.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum SignerError {
    #[error("{0}")]
    Device(String),
    #[error("the device returned a signature that does not verify under its own public key ({0})")]
    Faulty(String),
    #[error("keys of scheme {0} cannot be held by an external device (ed25519 and p256 can)")]
    Scheme(&'static str),
    #[error("{0} holds the key: its secret cannot be read or exported")]
    NotExportable(String),
}

/// A key that signs: in memory, or on a device. A process holds a handful, never arrays of
/// them, so the in-memory variant stays unboxed (no allocation, no indirection when signing).
#[derive(Clone)]
#[allow(clippy::large_enum_variant)]
pub enum Signer {
    Software(SecretKey),
    External(Arc<dyn ExternalSigner>),
}

impl From<SecretKey> for Signer {
    fn from(key: SecretKey) -> Self {
        Signer::Software(key)
    }
}

impl Signer {
    pub fn public_key(&self) -> PublicKey {
        match self {
            Signer::Software(k) => k.public_key(),
            Signer::External(d) => d.public_key(),
        }
    }

    pub fn scheme(&self) -> &'static str {
        match self.public_key() {
            PublicKey::Ed25519(_) => "ed25519",
            PublicKey::Secp256k1(_) => "secp256k1",
            PublicKey::P256(_) => "p256",
        }
    }

    /// The software secret, or why there is none (the key lives on a device).
    pub fn software(&self) -> Result<&SecretKey, SignerError> {
        match self {
            Signer::Software(k) => Ok(k),
            Signer::External(d) => Err(SignerError::NotExportable(d.describe())),
        }
    }

    /// Where the key lives, for messages.
    pub fn describe(&self) -> String {
        match self {
            Signer::Software(k) => format!("a {} key in memory", k.scheme()),
            Signer::External(d) => d.describe(),
        }
    }

    pub fn sign(&self, message: &[u8]) -> Result<Signature, SignerError> {
        let device = match self {
            Signer::Software(k) => return Ok(k.sign(message)),
            Signer::External(d) => d,
        };
        let signature = match device.public_key() {
            PublicKey::Ed25519(public_key) => {
                let signature = device.sign_raw(message)?;
                Signature::Ed25519 { public_key, signature }
            }
            PublicKey::P256(public_key) => {
                let raw = device.sign_raw(&sha256(message))?;
                // Devices do not normalise S; the ledger accepts low S only.
                let sig = p256::ecdsa::Signature::from_slice(&raw).map_err(|_| SignerError::Faulty(device.describe()))?;
                let sig = sig.normalize_s();
                let mut signature = [0u8; 64];
                signature.copy_from_slice(&sig.to_bytes());
                Signature::P256 { public_key, signature }
            }
            PublicKey::Secp256k1(_) => return Err(SignerError::Scheme("secp256k1")),
        };
        match crate::sig::verify_signature(&signature, message) {
            Ok(key) if key == device.public_key() => Ok(signature),
            _ => Err(SignerError::Faulty(device.describe())),
        }
    }

    /// Signs a transaction's signing bytes.
    pub fn sign_tx(&self, tx: &vellum_types::UnsignedTx) -> Result<Signature, SignerError> {
        self.sign(&tx.signing_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A device backed by a software key, signing exactly what a PKCS#11 token is given.
    struct Device(SecretKey, bool);

    impl ExternalSigner for Device {
        fn public_key(&self) -> PublicKey {
            self.0.public_key()
        }
        fn sign_raw(&self, input: &[u8]) -> Result<[u8; 64], SignerError> {
            let mut raw = match &self.0 {
                SecretKey::Ed25519(k) => k.sign(input).to_bytes(),
                SecretKey::P256(k) => {
                    use p256::ecdsa::signature::hazmat::PrehashSigner;
                    let sig: p256::ecdsa::Signature = k.sign_prehash(input).unwrap();
                    // A device may return high S: the signer must normalise it.
                    let high = match sig.normalize_s() {
                        n if n == sig => p256::ecdsa::Signature::from_scalars(sig.r(), -*sig.s()).unwrap(),
                        _ => sig,
                    };
                    high.to_bytes().into()
                }
                SecretKey::Secp256k1(_) => unreachable!(),
            };
            if self.1 {
                raw[5] ^= 1;
            }
            Ok(raw)
        }
        fn describe(&self) -> String {
            "test device".into()
        }
    }

    #[test]
    fn a_device_signature_equals_what_the_ledger_verifies() {
        for scheme in ["ed25519", "p256"] {
            let soft = SecretKey::from_bytes(scheme, [7; 32]).unwrap();
            let device = Signer::External(Arc::new(Device(soft.clone(), false)));
            let sig = device.sign(b"message").unwrap();
            assert_eq!(crate::sig::verify_signature(&sig, b"message").unwrap(), soft.public_key());
            if scheme == "ed25519" {
                assert_eq!(sig, soft.sign(b"message"), "pure Ed25519 is deterministic");
            }
            assert!(matches!(device.software(), Err(SignerError::NotExportable(_))));
            assert_eq!(device.scheme(), scheme);
        }
    }

    #[test]
    fn a_faulty_device_is_caught_before_the_signature_is_used() {
        for scheme in ["ed25519", "p256"] {
            let soft = SecretKey::from_bytes(scheme, [9; 32]).unwrap();
            let device = Signer::External(Arc::new(Device(soft, true)));
            assert!(matches!(device.sign(b"m"), Err(SignerError::Faulty(_))), "{scheme}");
        }
    }
}

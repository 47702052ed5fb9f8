//! Ed25519 verification under ZIP-215, on `ed25519-zebra` (mainline `curve25519-dalek` 5).
//!
//! ZIP-215 fixes exactly which (key, signature, message) triples are valid — non-canonical
//! point encodings accepted, small-order components allowed, the cofactored equation — so
//! single and batch verification accept the same set and every validator agrees with every
//! other whatever library or CPU it runs. `ed25519-consensus` (this project's verifier until
//! 2026-12) implements the same rules; the differential test in `ed25519_tests.rs` holds
//! the two to the same verdict on random and adversarial inputs.
//!
//! Speed: `curve25519-dalek` 5 picks its arithmetic at run time — AVX-512 IFMA where the CPU
//! has it, else AVX2, else portable 64-bit — but compiles the IFMA path only when the cfg
//! `curve25519_dalek_backend = "avx512"` is set, which `.cargo/config.toml` does for x86-64.
//! [`backend`] says which path this process uses (`docs/benchmarks.md` measures each).

use rand_chacha10::rand_core::SeedableRng;
use sha2::Digest;

/// Why one Ed25519 signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The public key is not a curve point encoding.
    Key,
    /// The signature does not verify (or its `s` is not canonical).
    Invalid,
}

/// Whether 32 bytes are a usable Ed25519 public key (a point that decodes).
pub fn is_key(bytes: &[u8; 32]) -> bool {
    ed25519_zebra::VerificationKey::try_from(*bytes).is_ok()
}

/// Verifies one signature.
pub fn verify(public_key: &[u8; 32], signature: &[u8; 64], message: &[u8]) -> Result<(), Refusal> {
    let key = ed25519_zebra::VerificationKey::try_from(*public_key).map_err(|_| Refusal::Key)?;
    key.verify(&ed25519_zebra::Signature::from(*signature), message).map_err(|_| Refusal::Invalid)
}

/// Many signatures checked at once: about half the work per signature of [`verify`], more
/// when one key signs several (the verifier coalesces a key's terms).
pub struct Batch {
    inner: ed25519_zebra::batch::Verifier,
    /// Everything queued, hashed: the seed of the random coefficients.
    transcript: sha2::Sha256,
    queued: usize,
}

impl Default for Batch {
    fn default() -> Self {
        Self { inner: ed25519_zebra::batch::Verifier::new(), transcript: sha2::Sha256::new(), queued: 0 }
    }
}

impl Batch {
    pub fn queue(&mut self, public_key: &[u8; 32], signature: &[u8; 64], message: &[u8]) {
        let key = ed25519_zebra::VerificationKeyBytes::from(*public_key);
        self.inner.queue((key, ed25519_zebra::Signature::from(*signature), message));
        self.transcript.update(public_key);
        self.transcript.update(signature);
        self.transcript.update(vellum_types::sha256(message));
        self.queued += 1;
    }

    pub fn len(&self) -> usize {
        self.queued
    }

    pub fn is_empty(&self) -> bool {
        self.queued == 0
    }

    /// Whether every queued signature verifies (true for an empty batch). On `false`, at least
    /// one does not: the caller verifies them one by one to say which.
    pub fn verify(self) -> bool {
        if self.queued == 0 {
            return true;
        }
        // The random coefficients must be unpredictable to whoever chose the signatures.
        // Deriving them from a hash of the whole batch (Fiat-Shamir) achieves that without OS
        // randomness, so the ledger stays deterministic; ZIP-215 makes the verdict independent
        // of the coefficients anyway.
        let seed: [u8; 32] = self.transcript.finalize().into();
        self.inner.verify(rand_chacha10::ChaCha20Rng::from_seed(seed)).is_ok()
    }
}

/// The arithmetic `curve25519-dalek` uses in this process: `avx512ifma`, `avx2` or `serial`.
pub fn backend() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    {
        if cfg!(curve25519_dalek_backend = "avx512")
            && std::arch::is_x86_feature_detected!("avx512ifma")
            && std::arch::is_x86_feature_detected!("avx512vl")
        {
            return "avx512ifma";
        }
        if !cfg!(curve25519_dalek_backend = "serial") && !cfg!(curve25519_dalek_backend = "fiat") && std::arch::is_x86_feature_detected!("avx2") {
            return "avx2";
        }
    }
    "serial"
}

//! Differential test: the ZIP-215 verifier the ledger uses now (`ed25519-zebra`) against the
//! one it used before (`ed25519-consensus`), single and batched, on random, mutated and
//! adversarial (small-order, non-canonical) inputs. A difference would split validators
//! running the two versions, so any difference fails.

use crate::ed25519::{Batch, verify};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

/// Cases per kind (random keys and signatures, valid signatures, one-byte mutations).
const CASES_PER_KIND: usize = 34_000;

fn old(key: &[u8; 32], sig: &[u8; 64], msg: &[u8]) -> bool {
    ed25519_consensus::VerificationKey::try_from(*key).is_ok_and(|k| k.verify(&ed25519_consensus::Signature::from(*sig), msg).is_ok())
}

fn new(key: &[u8; 32], sig: &[u8; 64], msg: &[u8]) -> bool {
    verify(key, sig, msg).is_ok()
}

fn signed(rng: &mut ChaCha20Rng) -> ([u8; 32], [u8; 64], Vec<u8>) {
    let mut seed = [0u8; 32];
    rng.fill_bytes(&mut seed);
    let key = ed25519_consensus::SigningKey::from(seed);
    let mut msg = vec![0u8; (rng.next_u32() % 96) as usize];
    rng.fill_bytes(&mut msg);
    (key.verification_key().to_bytes(), key.sign(&msg).to_bytes(), msg)
}

/// Asserts both verifiers agree on one triple; returns the verdict.
fn agree(key: &[u8; 32], sig: &[u8; 64], msg: &[u8]) -> bool {
    let verdict = new(key, sig, msg);
    assert_eq!(verdict, old(key, sig, msg), "verifiers disagree: key {} sig {} msg {}", hex::encode(key), hex::encode(sig), hex::encode(msg));
    verdict
}

#[test]
fn random_valid_and_mutated_signatures_get_one_verdict() {
    let mut rng = ChaCha20Rng::seed_from_u64(215);
    let (mut valid, mut refused) = (0, 0);
    for _ in 0..CASES_PER_KIND {
        // Random bytes: about half the keys decode, practically no signature verifies.
        let (mut key, mut sig) = ([0u8; 32], [0u8; 64]);
        rng.fill_bytes(&mut key);
        rng.fill_bytes(&mut sig);
        assert!(!agree(&key, &sig, b"random"));
        // A valid signature.
        let (key, sig, msg) = signed(&mut rng);
        assert!(agree(&key, &sig, &msg));
        valid += 1;
        // One byte of key, signature or message changed.
        let (mut key, mut sig, mut msg) = (key, sig, msg);
        let bit = 1u8 << (rng.next_u32() % 8);
        match rng.next_u32() % 3 {
            0 => key[(rng.next_u32() % 32) as usize] ^= bit,
            1 => sig[(rng.next_u32() % 64) as usize] ^= bit,
            _ if !msg.is_empty() => {
                let at = (rng.next_u32() as usize) % msg.len();
                msg[at] ^= bit;
            }
            _ => msg.push(0),
        }
        if !agree(&key, &sig, &msg) {
            refused += 1;
        }
    }
    assert_eq!(valid, CASES_PER_KIND);
    // Nearly every mutation is refused (flipping the sign bit of a small-order R is not).
    assert!(refused > CASES_PER_KIND * 99 / 100, "{refused}");
}

/// Encodings of the eight small-order points and six non-canonical encodings of them (y ≥ p,
/// or x = 0 with the sign bit set): the points ZIP-215 was written about.
fn small_order_encodings() -> Vec<[u8; 32]> {
    let canonical = [
        "0100000000000000000000000000000000000000000000000000000000000000",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000080",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    ];
    let non_canonical = [
        "0100000000000000000000000000000000000000000000000000000000000080",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    ];
    canonical.iter().chain(&non_canonical).map(|h| hex::decode(h).unwrap().try_into().unwrap()).collect()
}

/// ZIP-215's own cases: every small-order or non-canonical A and R with s = 0 satisfies the
/// cofactored equation, so both verifiers must accept all 196 — singly and in one batch.
#[test]
fn small_order_and_non_canonical_points_are_valid_under_zip215() {
    let points = small_order_encodings();
    let mut batch = Batch::default();
    for a in &points {
        for r in &points {
            let mut sig = [0u8; 64];
            sig[..32].copy_from_slice(r);
            assert!(agree(a, &sig, b"Zcash"), "A {} R {}", hex::encode(a), hex::encode(r));
            batch.queue(a, &sig, b"Zcash");
        }
    }
    assert_eq!(batch.len(), 196);
    assert!(batch.verify());
}

/// A non-canonical s (s + L) is refused by both, singly and batched, though s verifies.
#[test]
fn non_canonical_s_is_refused() {
    // L, the order of the prime subgroup, little-endian.
    let l = hex::decode("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010").unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(8032);
    let (key, sig, msg) = signed(&mut rng);
    let mut bumped = sig;
    let mut carry = 0u16;
    for i in 0..32 {
        let sum = bumped[32 + i] as u16 + l[i] as u16 + carry;
        bumped[32 + i] = sum as u8;
        carry = sum >> 8;
    }
    assert!(agree(&key, &sig, &msg));
    assert!(!agree(&key, &bumped, &msg));
    let mut batch = Batch::default();
    batch.queue(&key, &bumped, &msg);
    assert!(!batch.verify());
}

/// Batches agree with single verification: all-valid batches pass, one bad member fails the
/// batch, and `verify_each` then names exactly the bad ones.
#[test]
fn batches_agree_with_single_verification() {
    let mut rng = ChaCha20Rng::seed_from_u64(1024);
    for round in 0..64 {
        let mut cases: Vec<([u8; 32], [u8; 64], Vec<u8>)> = (0..(1 + round % 40)).map(|_| signed(&mut rng)).collect();
        let bad = (round % 3 == 0).then(|| (rng.next_u32() as usize) % cases.len());
        if let Some(i) = bad {
            cases[i].1[40] ^= 1;
        }
        let mut batch = Batch::default();
        for (k, s, m) in &cases {
            batch.queue(k, s, m);
        }
        assert_eq!(batch.verify(), bad.is_none());
        assert_eq!(cases.iter().filter(|(k, s, m)| !agree(k, s, m)).count(), usize::from(bad.is_some()));
    }
}

#[test]
fn the_backend_is_named() {
    assert!(["avx512ifma", "avx2", "serial"].contains(&crate::ed25519::backend()));
}

//! `cargo bench -p vellum-crypto`: signature verification per second on one core (Ed25519
//! one by one and batched, secp256k1, P-256) and signing, RFC 6962 inclusion-proof generation and verification
//! in a log of 1,000,000 leaves, and sparse-Merkle-map proofs.

use std::time::{Duration, Instant};
use vellum_crypto::merkle::{inclusion_proof, leaf_hash, root, verify_inclusion};
use vellum_crypto::{AuthMap, SecretKey, verify_tx, verify_txs};
use vellum_types::{AccountId, Transaction, TxBody, UnsignedTx};

fn rate(label: &str, count: usize, elapsed: Duration) {
    println!("{label:<58} {:>10.0} /s  ({:.2} µs each)", count as f64 / elapsed.as_secs_f64(), elapsed.as_secs_f64() * 1e6 / count as f64);
}

fn txs(scheme: &str, n: usize) -> Vec<Transaction> {
    (0..n)
        .map(|i| {
            let mut seed = [7u8; 32];
            seed[..8].copy_from_slice(&(i as u64).to_be_bytes());
            let key = SecretKey::from_bytes(scheme, seed).unwrap();
            let unsigned = UnsignedTx {
                chain_id: "bench".into(),
                sender: key.public_key().account_id(),
                nonce: 0,
                expiry_height: 10,
                body: TxBody::Transfer {
                    legs: vec![vellum_types::Leg { to: AccountId([1; 32]), token: "EUR".into(), amount: 1, convert: None }],
                    reference: None,
                },
            };
            let signature = key.sign_tx(&unsigned);
            Transaction { unsigned, signatures: vec![signature] }
        })
        .collect()
}

fn main() {
    println!("curve25519-dalek arithmetic in this build on this CPU: {}", vellum_crypto::ed25519::backend());
    let ed = txs("ed25519", 10_000);
    let start = Instant::now();
    for t in &ed {
        verify_tx(t).unwrap();
    }
    rate("Ed25519 transaction verification, one by one", ed.len(), start.elapsed());
    for batch in [64usize, 1_024, 10_000] {
        let start = Instant::now();
        for chunk in ed.chunks(batch) {
            verify_txs(chunk).unwrap();
        }
        rate(&format!("Ed25519 transaction verification, batches of {batch}"), ed.len(), start.elapsed());
    }
    previous_verifier(&ed);
    let k = txs("secp256k1", 2_000);
    let start = Instant::now();
    for t in &k {
        verify_tx(t).unwrap();
    }
    rate("secp256k1 transaction verification (recovery)", k.len(), start.elapsed());
    let p = txs("p256", 2_000);
    let start = Instant::now();
    for t in &p {
        verify_tx(t).unwrap();
    }
    rate("P-256 transaction verification", p.len(), start.elapsed());
    for (scheme, n) in [("ed25519", 10_000usize), ("secp256k1", 2_000), ("p256", 2_000)] {
        let key = SecretKey::from_bytes(scheme, [9; 32]).unwrap();
        let unsigned = &txs(scheme, 1)[0].unsigned;
        let start = Instant::now();
        for _ in 0..n {
            std::hint::black_box(key.sign_tx(std::hint::black_box(unsigned)));
        }
        rate(&format!("{scheme} transaction signing"), n, start.elapsed());
    }

    let leaves: Vec<[u8; 32]> = (0..1_000_000u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
    let start = Instant::now();
    let r = root(&leaves);
    println!("{:<58} {:>10.1} ms", "RFC 6962 root of 1,000,000 leaves", start.elapsed().as_secs_f64() * 1e3);
    let start = Instant::now();
    let proofs: Vec<Vec<[u8; 32]>> = (0..20).map(|i| inclusion_proof(i * 49_999, &leaves)).collect();
    rate("inclusion proof generation (1M leaves, from the leaf list)", proofs.len(), start.elapsed());
    let start = Instant::now();
    let rounds = 10_000;
    for n in 0..rounds {
        let i = (n % 20) * 49_999;
        verify_inclusion(i as u64, leaves.len() as u64, &leaves[i], &proofs[n % 20], &r).unwrap();
    }
    rate("inclusion proof verification (1M leaves, 20 hashes)", rounds, start.elapsed());

    let mut map = AuthMap::new();
    for i in 0..100_000u32 {
        map.insert(vellum_types::sha256(&i.to_be_bytes()), std::sync::Arc::from(vec![1u8; 64]));
    }
    let map_root = map.root();
    let keys: Vec<[u8; 32]> = (0..1_000u32).map(|i| vellum_types::sha256(&(i * 97).to_be_bytes())).collect();
    let start = Instant::now();
    let map_proofs: Vec<_> = keys.iter().map(|k| map.prove(k)).collect();
    rate("state map proof generation (100,000 entries)", keys.len(), start.elapsed());
    let start = Instant::now();
    for (k, p) in keys.iter().zip(&map_proofs) {
        assert!(p.verify(&map_root, k).unwrap().is_some());
    }
    rate("state map proof verification (100,000 entries)", keys.len(), start.elapsed());
}

/// The same transactions under `ed25519-consensus` (the verifier before 2026-12, on
/// `curve25519-dalek-ng`'s portable arithmetic), for the before/after ratio in one run.
fn previous_verifier(ed: &[Transaction]) {
    let triples: Vec<([u8; 32], [u8; 64], Vec<u8>)> = ed
        .iter()
        .map(|t| match &t.signatures[0] {
            vellum_types::Signature::Ed25519 { public_key, signature } => (*public_key, *signature, t.unsigned.signing_bytes()),
            _ => unreachable!("Ed25519 transactions"),
        })
        .collect();
    let start = Instant::now();
    for (k, s, m) in &triples {
        let key = ed25519_consensus::VerificationKey::try_from(*k).unwrap();
        key.verify(&ed25519_consensus::Signature::from(*s), m).unwrap();
    }
    rate("previous verifier (ed25519-consensus), one by one", triples.len(), start.elapsed());
    let start = Instant::now();
    for chunk in triples.chunks(1_024) {
        let mut batch = ed25519_consensus::batch::Verifier::new();
        for (k, s, m) in chunk {
            batch.queue((ed25519_consensus::VerificationKeyBytes::from(*k), ed25519_consensus::Signature::from(*s), &m[..]));
        }
        batch.verify(<rand_chacha::ChaCha20Rng as rand_chacha::rand_core::SeedableRng>::seed_from_u64(1)).unwrap();
    }
    rate("previous verifier (ed25519-consensus), batches of 1024", triples.len(), start.elapsed());
}

//! `cargo bench -p vellum-storage --features bench`: log proofs from the stored subtrees at
//! 10,000,000 entries (target: an inclusion proof < 1 ms), against the O(n) path they replace
//! (read every leaf, then prove) measured in the same run at a size it can afford.

use std::time::Instant;
use vellum_crypto::merkle::{consistency_proof_from, inclusion_proof, inclusion_proof_from, leaf_hash, root_from, verify_inclusion};
use vellum_storage::Store;

const ENTRIES: u64 = 10_000_000;
const BATCH: u64 = 250_000;
const PROOFS: u64 = 2_000;

fn main() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let genesis = vellum_ledger::testkit::fixture().genesis;
    let store = Store::open(&dir.path().join("ledger.redb"), &genesis).expect("open");
    let start = Instant::now();
    let mut reference_at_1m = None;
    for batch in 0..ENTRIES / BATCH {
        let leaves: Vec<[u8; 32]> = (batch * BATCH..(batch + 1) * BATCH).map(|i| leaf_hash(&i.to_le_bytes())).collect();
        store.append_log_for_bench(&leaves).expect("append");
        if (batch + 1) * BATCH == 1_000_000 {
            reference_at_1m = Some(reference(&store, 1_000_000));
        }
    }
    println!("filled {ENTRIES} entries in {:.1} s", start.elapsed().as_secs_f64());
    let log = store.log_reader().expect("reader");
    let root = root_from(&log, ENTRIES).expect("root");
    // Spread the indices over the whole log (a multiplicative hash, deterministic).
    let index = |k: u64| k.wrapping_mul(0x9E37_79B9_7F4A_7C15) % ENTRIES;
    let start = Instant::now();
    for k in 0..PROOFS {
        let log = store.log_reader().expect("reader");
        let proof = inclusion_proof_from(&log, index(k), ENTRIES).expect("proof");
        assert!(proof.len() <= 24, "ceil(log2(10M)) hashes at most");
        std::hint::black_box(proof);
    }
    let inclusion_us = start.elapsed().as_secs_f64() * 1e6 / PROOFS as f64;
    let proof = inclusion_proof_from(&log, index(7), ENTRIES).expect("proof");
    verify_inclusion(index(7), ENTRIES, &leaf_hash(&index(7).to_le_bytes()), &proof, &root).expect("the proof verifies");
    let start = Instant::now();
    for k in 0..PROOFS {
        let log = store.log_reader().expect("reader");
        std::hint::black_box(consistency_proof_from(&log, 1 + index(k), ENTRIES).expect("proof"));
    }
    let consistency_us = start.elapsed().as_secs_f64() * 1e6 / PROOFS as f64;
    let start = Instant::now();
    for k in 0..PROOFS {
        let log = store.log_reader().expect("reader");
        std::hint::black_box(root_from(&log, 1 + index(k)).expect("root"));
    }
    let root_us = start.elapsed().as_secs_f64() * 1e6 / PROOFS as f64;
    println!("at {ENTRIES} entries, per request (a fresh read transaction each):");
    println!("  inclusion proof  {inclusion_us:8.1} µs  ({:.3} of the 1 ms target)", inclusion_us / 1000.0);
    println!("  consistency proof {consistency_us:7.1} µs");
    println!("  root at a size   {root_us:8.1} µs");
    if let Some(ms) = reference_at_1m {
        println!("before (read every leaf, then prove) at 1,000,000 entries: {ms:.1} ms per inclusion proof");
    }
}

/// The O(n) path this replaced: read leaves [0, n) and build the proof from them (ms).
fn reference(store: &Store, n: u64) -> f64 {
    let start = Instant::now();
    let runs = 3;
    for k in 0..runs {
        let leaves = store.log_reader().map(|_| store.log_leaves(0, n).expect("leaves")).expect("reader");
        std::hint::black_box(inclusion_proof((k * 7919 % n) as usize, &leaves));
    }
    start.elapsed().as_secs_f64() * 1e3 / runs as f64
}

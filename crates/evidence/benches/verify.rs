//! `cargo bench -p vellum-evidence`: evidence bundle size and offline verification time, on a
//! bundle built from a real ledger execution with a 3-of-4 certificate and a 1,000-document
//! salted batch in a log of 2,000 entries.

use std::time::Instant;
use vellum_evidence::{Certificate, Snapshot, assemble, assemble_status, batch_root, finalize_message, verify, verify_status};
use vellum_ledger::testkit::{fixture, sign};
use vellum_ledger::{build_block, execute_block, genesis_block};
use vellum_types::proof::salted_digest;
use vellum_types::*;

fn main() {
    let f = fixture();
    let (genesis, seeds) = vellum_ledger::testkit::genesis_with_validators(4);
    let validators: Vec<ed25519_consensus::SigningKey> = seeds.into_iter().map(ed25519_consensus::SigningKey::from).collect();
    let (mut state, _) = genesis_block(&genesis);
    let mut leaves = Vec::new();
    // 999 single registrations then one 1,000-document batch: a log of 2,000 leaves.
    let documents: Vec<Vec<u8>> = (0..1000u32).map(|i| format!("document {i}").into_bytes()).collect();
    let salts: Vec<[u8; 32]> = (0..1000u32).map(|i| sha256(&i.to_be_bytes())).collect();
    let manifest: Vec<Hash32> = documents.iter().zip(&salts).map(|(d, s)| salted_digest(s, &sha256(d))).collect();
    let mut txs = Vec::new();
    for n in 0..999u64 {
        txs.push(sign(&f.issuer, "vellum-test", n, vellum_ledger::testkit::register(sha256(&n.to_be_bytes()))));
    }
    txs.push(sign(
        &f.issuer,
        "vellum-test",
        999,
        TxBody::RegisterBatch { root: batch_root(&manifest), count: 1000, schema: "sha256:file".into(), metadata_digest: [0; 32], salted: true },
    ));
    let signers: Vec<Vec<PublicKey>> = txs.iter().map(|t| vellum_crypto::verify_tx(t).unwrap()).collect();
    let built = build_block(&state, state.time_ms + 1, 0, 1, [0; 32], txs.iter().zip(signers.iter().map(Vec::as_slice)));
    let outcome = execute_block(&state, &built.block).unwrap();
    for r in &outcome.receipts {
        leaves.push(r.leaf_hash);
        if let Some(e) = &r.evidence {
            leaves.push(e.leaf_hash);
        }
    }
    state = outcome.state.clone();
    let header = built.block.header.clone();
    let message = finalize_message(header.epoch, header.view, 0, &header.hash());
    let certificate = Certificate {
        parent_view: 0,
        signers: vec![0, 1, 2],
        signatures: (0..3).map(|i| validators[i].sign(&message).to_bytes()).collect(),
    };
    let snap = Snapshot { genesis: genesis.commitment(), header, certificate, map: &state.map, log: &leaves, validator_chain: Vec::new() };
    let single = outcome.receipts[500].evidence.clone().unwrap().record;
    let batch = outcome.receipts[999].evidence.clone().unwrap().record;
    let single_bundle = assemble(&snap, single, None).unwrap().to_bytes();
    let mut member = assemble(&snap, batch, Some(421)).unwrap();
    member.fill_member(&manifest).unwrap();
    member.open_document(sha256(&documents[421]), Some(salts[421]));
    let member_bundle = member.to_bytes();
    let pinned = genesis.hash();
    for (name, bytes, doc) in [
        ("single registration", &single_bundle, None),
        ("batch member (1,000 documents, salted) with document", &member_bundle, Some(documents[421].as_slice())),
    ] {
        let iterations = 2_000;
        let start = Instant::now();
        for _ in 0..iterations {
            verify(bytes, doc, Some(&pinned)).expect("bundle verifies");
        }
        let per = start.elapsed() / iterations;
        println!("{name}: bundle {} bytes, verify {:.1} µs/bundle ({iterations} iterations)", bytes.len(), per.as_secs_f64() * 1e6);
    }
    // Status proofs in the same state (1,001 registrations): the bound is the bundle's
    // verification above, which does the same certificate checks plus the log proof.
    let single_id = outcome.receipts[500].evidence.as_ref().unwrap().record.proof_id;
    let batch_id = outcome.receipts[999].evidence.as_ref().unwrap().record.proof_id;
    for (name, id, m) in [("status proof, single registration", single_id, None), ("status proof, batch member", batch_id, Some(421))] {
        let bytes = assemble_status(&snap, id, m).unwrap().to_bytes();
        let iterations = 2_000;
        let start = Instant::now();
        for _ in 0..iterations {
            verify_status(&bytes, Some(&pinned)).expect("status proof verifies");
        }
        let per = start.elapsed() / iterations;
        println!("{name}: {} bytes, verify {:.1} µs ({iterations} iterations)", bytes.len(), per.as_secs_f64() * 1e6);
    }
    witness_decision(&validators, &leaves);
}

/// A witness's decision on an add-checkpoint request (3 validator note signatures, a
/// consistency proof from half the log, one cosignature): the CPU part of cosigning latency.
fn witness_decision(validators: &[ed25519_consensus::SigningKey], leaves: &[Hash32]) {
    use vellum_evidence::checkpoint::Checkpoint;
    use vellum_evidence::witness::{AddCheckpoint, Latest, LogPolicy, add_checkpoint};
    let keys: Vec<vellum_crypto::SecretKey> = validators.iter().map(|k| vellum_crypto::SecretKey::from_bytes("ed25519", k.to_bytes()).unwrap()).collect();
    let named: Vec<(String, [u8; 32])> = keys.iter().enumerate().map(|(i, k)| (format!("vellum-test/v{i}"), k.public_key().key_bytes().try_into().unwrap())).collect();
    let log = LogPolicy { origin: "vellum-test".into(), keys: named, quorum: 3 };
    let old = leaves.len() / 2;
    let mut cp = Checkpoint::new("vellum-test", leaves.len() as u64, vellum_crypto::merkle::root(leaves));
    for (i, k) in keys.iter().take(3).enumerate() {
        cp.sign(&format!("vellum-test/v{i}"), k);
    }
    let req = AddCheckpoint { old: old as u64, proof: vellum_crypto::merkle::consistency_proof(old, leaves), checkpoint: cp };
    let latest = Latest { size: old as u64, root: vellum_crypto::merkle::root(&leaves[..old]) };
    let witness = vellum_crypto::SecretKey::from_bytes("ed25519", [9; 32]).unwrap();
    let iterations = 2_000;
    let start = Instant::now();
    for _ in 0..iterations {
        add_checkpoint(&log, &latest, &req, ("w", &witness), 0).expect("consistent");
    }
    let per = start.elapsed() / iterations;
    println!("witness add-checkpoint decision (log {} → {} entries): {:.1} µs ({iterations} iterations)", old, leaves.len(), per.as_secs_f64() * 1e6);
}

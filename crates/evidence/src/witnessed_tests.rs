//! Witnessed bundles (version 4): a checkpoint cosigned by witnesses, tied to the certified
//! header by a consistency proof; every way of bending it fails at step 10 (or decoding).

use crate::checkpoint::Checkpoint;
use crate::tests::chain;
use crate::witness::{Witnessed, verify_witnessed};
use crate::*;
use vellum_crypto::SecretKey;
use vellum_crypto::merkle::root;

fn witness(i: u8) -> (String, SecretKey) {
    (format!("witness.example/w{i}"), SecretKey::from_bytes("ed25519", [40 + i; 32]).unwrap())
}

fn policy(n: u8) -> Vec<(String, [u8; 32])> {
    (1..=n).map(witness).map(|(name, k)| (name, k.public_key().key_bytes().try_into().unwrap())).collect()
}

/// A checkpoint of the first `size` leaves, cosigned by witnesses 1..=`by`.
fn cosigned(leaves: &[vellum_types::Hash32], size: usize, by: u8) -> Checkpoint {
    let mut cp = Checkpoint::new("vellum-test", size as u64, root(&leaves[..size]));
    for i in 1..=by {
        let (name, key) = witness(i);
        cp.cosign(&name, &key, 1_700_000_000 + u64::from(i));
    }
    cp
}

#[test]
fn a_witnessed_bundle_is_version_4_and_verifies_under_a_policy() {
    let c = chain();
    let leaves = &c.leaves;
    let covers = c.bundle_single.entry.leaf_index + 1;
    for size in [covers as usize, leaves.len()] {
        let mut b = c.bundle_single.clone();
        b.witnessed = Witnessed::for_log(&cosigned(leaves, size, 2), leaves, leaves.len() as u64, covers);
        assert!(b.witnessed.is_some(), "a checkpoint of size {size} covers the record");
        let bytes = b.to_bytes();
        assert_eq!(bytes[8], BUNDLE_VERSION_WITNESSED);
        assert_eq!(decode(&bytes).unwrap(), b, "round trip");
        let v = verify(&bytes, None, Some(&c.genesis.hash())).unwrap();
        assert_eq!(v.witnessed.as_ref().map(|cp| cp.size), Some(size as u64));
        assert_eq!(check_witness_policy(v.witnessed.as_ref(), &policy(2), 2), Ok(2));
        assert_eq!(check_witness_policy(v.witnessed.as_ref(), &policy(3), 3).unwrap_err().step, Step::Witnesses, "2 of 3 is short");
        // Someone else's witnesses do not count.
        let strangers: Vec<(String, [u8; 32])> = policy(2).into_iter().map(|(n, _)| (n, [9; 32])).collect();
        assert!(check_witness_policy(v.witnessed.as_ref(), &strangers, 1).is_err());
    }
    // A checkpoint that does not reach the record is not put in the bundle.
    assert_eq!(Witnessed::for_log(&cosigned(leaves, covers as usize - 1, 2), leaves, leaves.len() as u64, covers), None);
    // Without the section the bundle stays version 3, and the policy cannot be met.
    let v = verify(&c.bundle_single.to_bytes(), None, None).unwrap();
    assert_eq!(c.bundle_single.to_bytes()[8], BUNDLE_VERSION_ISSUER);
    assert_eq!(check_witness_policy(v.witnessed.as_ref(), &policy(1), 1).unwrap_err().step, Step::Witnesses);
}

#[test]
fn every_bent_witnessed_section_fails_at_step_10() {
    let c = chain();
    let leaves = &c.leaves;
    let covers = c.bundle_single.entry.leaf_index + 1;
    let header = &c.bundle_single.header;
    let good = Witnessed::for_log(&cosigned(leaves, covers as usize, 2), leaves, leaves.len() as u64, covers).unwrap();
    assert!(verify_witnessed(&good, "vellum-test", header.log_size, &header.log_root, covers).is_ok());
    let mut other_log = leaves.clone();
    other_log[0] = [0xee; 32];
    let mut cases: Vec<(&str, Witnessed)> = vec![
        ("another log's origin", Witnessed { note: good.note.replacen("vellum-test", "vellum-other", 1), ..good.clone() }),
        ("a consistency proof cut short", Witnessed { consistency: good.consistency[1..].to_vec(), ..good.clone() }),
        ("a proof hash changed", Witnessed { consistency: { let mut p = good.consistency.clone(); p[0][0] ^= 1; p }, ..good.clone() }),
        ("a checkpoint of a rewritten history", Witnessed::for_log(&cosigned(&other_log, covers as usize, 2), &other_log, other_log.len() as u64, covers).unwrap()),
        ("no cosignature", Witnessed { note: Checkpoint { cosignatures: vec![], ..Checkpoint::parse(&good.note).unwrap() }.to_note(), ..good.clone() }),
        ("a note that is not canonical", Witnessed { note: good.note.replacen("\n\n", "\n\n\n", 1), ..good.clone() }),
        ("garbage", Witnessed { note: "not a note".into(), consistency: vec![] }),
        ("a cosignature line twice", {
            let mut cp = Checkpoint::parse(&good.note).unwrap();
            cp.cosignatures.push(cp.cosignatures[0].clone());
            Witnessed { note: cp.to_note(), ..good.clone() }
        }),
        ("an oversized note", Witnessed { note: "x".repeat(witness::WITNESSED_NOTE_BYTES_MAX + 1), consistency: vec![] }),
    ];
    // The header's own size with a proof, and a smaller checkpoint that misses the record.
    let full = Witnessed::for_log(&cosigned(leaves, leaves.len(), 1), leaves, leaves.len() as u64, covers).unwrap();
    cases.push(("a same-size checkpoint with a proof", Witnessed { consistency: good.consistency.clone(), ..full }));
    let short = cosigned(leaves, covers as usize - 1, 2);
    cases.push(("a checkpoint before the record", Witnessed { note: short.to_note(), consistency: vellum_crypto::merkle::consistency_proof(short.size as usize, leaves) }));
    for (what, w) in cases {
        let mut b = c.bundle_single.clone();
        b.witnessed = Some(w);
        let err = verify_bundle(&b, None, None).unwrap_err();
        assert_eq!(err.step, Step::Witnesses, "{what}: {err}");
    }
    // A cosignature moved to another checkpoint of the same log does not verify.
    let mut moved = Checkpoint::parse(&good.note).unwrap();
    moved.root = leaves[0];
    moved.size = 1;
    let w = Witnessed { note: moved.to_note(), consistency: vec![] };
    assert!(verify_witnessed(&w, "vellum-test", 1, &leaves[0], 1).unwrap().verify_cosignatures(&policy(2), 1).is_err());
}

#[test]
fn one_bundle_one_encoding_across_versions_3_and_4() {
    let c = chain();
    // Version 4 claimed for a bundle without the section; version 3 given a section.
    let mut v3 = c.bundle_single.to_bytes();
    v3[8] = BUNDLE_VERSION_WITNESSED;
    v3.push(0);
    assert_eq!(decode(&v3).unwrap_err().step, Step::Decode, "a version-4 file with no witnessed section");
    let leaves = &c.leaves;
    let covers = c.bundle_single.entry.leaf_index + 1;
    let mut b = c.bundle_single.clone();
    b.witnessed = Witnessed::for_log(&cosigned(leaves, leaves.len(), 1), leaves, leaves.len() as u64, covers);
    let mut v4 = b.to_bytes();
    v4[8] = BUNDLE_VERSION_ISSUER;
    assert!(decode(&v4).is_err(), "a version-3 file with a witnessed section");
    let mut trailing = b.to_bytes();
    trailing.push(0);
    assert_eq!(decode(&trailing).unwrap_err().step, Step::Decode);
    for cut in 9..b.to_bytes().len() {
        assert!(decode(&b.to_bytes()[..cut]).is_err(), "truncated at {cut}");
    }
}

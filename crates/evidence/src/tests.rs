//! Bundles built from a real ledger execution with a certificate signed by 3 of 4 validators;
//! every field tampered in turn fails at its step.

use crate::*;
use vellum_crypto::merkle::leaf_hash;
use vellum_ledger::testkit::{fixture, register, sign};
use vellum_ledger::{build_block, execute_block, genesis_block};
use vellum_types::proof::salted_digest;
use vellum_types::*;

pub(crate) struct Chain {
    pub(crate) genesis: Genesis,
    /// Status proofs at the bundles' header (block 2) and at block 3, after the single
    /// registration was suspended: of the single registration, and of batch members 2 and 3.
    pub(crate) status_single_then: StatusProof,
    pub(crate) status_single_now: StatusProof,
    pub(crate) status_member2_now: StatusProof,
    pub(crate) status_member3_now: StatusProof,
    /// Bundle of batch member 3, which was revoked.
    pub(crate) bundle_revoked: Bundle,
    pub(crate) bundle_single: Bundle,
    pub(crate) bundle_member: Bundle,
    document: Vec<u8>,
    batch_documents: Vec<Vec<u8>>,
    /// The log's leaf hashes up to the bundles' header.
    pub(crate) leaves: Vec<Hash32>,
    /// The validators' consensus keys, in genesis order, to sign headers a test bends.
    pub(crate) validator_keys: Vec<ed25519_consensus::SigningKey>,
}

pub(crate) fn chain() -> Chain {
    let f = fixture();
    let (genesis, seeds) = vellum_ledger::testkit::genesis_with_validators(4);
    let validators: Vec<ed25519_consensus::SigningKey> = seeds.into_iter().map(ed25519_consensus::SigningKey::from).collect();
    let (state, _) = genesis_block(&genesis);

    let document = b"%PDF diploma of Alice, BSc 2026".to_vec();
    let batch_documents: Vec<Vec<u8>> = (0..5).map(|i| format!("%PDF certificate {i}").into_bytes()).collect();
    let salts: Vec<[u8; 32]> = (0..5u8).map(|i| [i + 1; 32]).collect();
    let manifest: Vec<Hash32> =
        batch_documents.iter().zip(&salts).map(|(d, s)| salted_digest(s, &sha256(d))).collect();
    let batch = TxBody::RegisterBatch {
        root: batch_root(&manifest),
        count: 5,
        schema: "sha256:file".into(),
        metadata_digest: sha256(b"class of 2026"),
        salted: true,
    };
    // The registrar attested the issuer's identity before it registered anything.
    let profile = vellum_types::issuer::IssuerProfile {
        name: "Example University".into(),
        domain: "example.edu".into(),
        x509_sha256: None,
        well_known_sha256: sha256(b"{\"vellum_issuer\":1}"),
    };
    let issuer_id = f.issuer.public_key().account_id();
    let attest = sign(&f.registrar, "vellum-test", 0, TxBody::AttestIssuer { issuer: issuer_id, profile });
    let txs = [attest, sign(&f.issuer, "vellum-test", 0, register(sha256(&document))), sign(&f.issuer, "vellum-test", 1, batch)];
    let signers: Vec<Vec<PublicKey>> = txs.iter().map(|t| vellum_crypto::verify_tx(t).unwrap()).collect();
    let built = build_block(&state, state.time_ms + 10, 0, 1, [1; 32], txs.iter().zip(signers.iter().map(Vec::as_slice)));
    let outcome = execute_block(&state, &built.block).unwrap();
    let mut leaves = Vec::new();
    for r in &outcome.receipts {
        leaves.push(r.leaf_hash);
        if let Some(e) = &r.evidence {
            leaves.push(e.leaf_hash);
        }
    }
    // Revoke member 3 in a second block, so one member shows a status change.
    let batch_id = outcome.receipts[2].evidence.as_ref().unwrap().record.proof_id;
    let revoke = sign(
        &f.issuer,
        "vellum-test",
        2,
        TxBody::SetProofStatus { proof: batch_id, member: Some(3), change: ProofChange::Revoke { reason: "privilege_withdrawn".into() } },
    );
    let s2 = vellum_crypto::verify_tx(&revoke).unwrap();
    let built2 = build_block(&outcome.state, outcome.state.time_ms + 10, 0, 2, [1; 32], [(&revoke, s2.as_slice())]);
    let outcome2 = execute_block(&outcome.state, &built2.block).unwrap();
    leaves.push(outcome2.receipts[0].leaf_hash);
    let header = built2.block.header.clone();
    assert_eq!(leaves.len() as u64, header.log_size);
    let message = finalize_message(header.epoch, header.view, 1, &header.hash());
    let certificate = Certificate {
        parent_view: 1,
        signers: vec![0, 1, 3],
        signatures: [0usize, 1, 3].iter().map(|i| validators[*i].sign(&message).to_bytes()).collect(),
    };
    let snap = Snapshot { genesis: genesis.commitment(), header, certificate, map: &outcome2.state.map, log: &leaves, validator_chain: Vec::new() };
    let single_record = outcome.receipts[1].evidence.as_ref().unwrap().record.clone();
    let batch_record = outcome.receipts[2].evidence.as_ref().unwrap().record.clone();
    let bundle_single = assemble(&snap, single_record, None).unwrap();
    let mut bundle_member = assemble(&snap, batch_record, Some(2)).unwrap();
    bundle_member.fill_member(&manifest).unwrap();
    bundle_member.open_document(sha256(&batch_documents[2]), Some(salts[2]));
    let mut bundle_revoked = assemble(&snap, bundle_member.record.clone(), Some(3)).unwrap();
    bundle_revoked.fill_member(&manifest).unwrap();
    bundle_revoked.open_document(sha256(&batch_documents[3]), Some(salts[3]));
    assert_eq!(assemble(&snap, bundle_member.record.clone(), Some(5)).unwrap_err(), AssembleError::NoSuchMember { index: 5, count: 5 });
    assert_eq!(assemble(&snap, bundle_single.record.clone(), Some(0)).unwrap_err(), AssembleError::NotABatch);
    let mut wrong = bundle_member.clone();
    assert_eq!(wrong.fill_member(&manifest[..4]).unwrap_err(), AssembleError::ManifestSize { got: 4, count: 5 });
    let mut reordered = manifest.clone();
    reordered.swap(0, 1);
    assert_eq!(wrong.fill_member(&reordered).unwrap_err(), AssembleError::ManifestRoot);
    let status_single_then = assemble_status(&snap, bundle_single.record.proof_id, None).unwrap();

    // Block 3: the single registration is suspended; member 2 is untouched.
    let suspend = sign(
        &f.issuer,
        "vellum-test",
        3,
        TxBody::SetProofStatus { proof: bundle_single.record.proof_id, member: None, change: ProofChange::Suspend { reason: "under_investigation".into() } },
    );
    let s3 = vellum_crypto::verify_tx(&suspend).unwrap();
    let built3 = build_block(&outcome2.state, outcome2.state.time_ms + 10, 0, 3, [1; 32], [(&suspend, s3.as_slice())]);
    assert!(built3.rejected.is_empty(), "{:?}", built3.rejected);
    let outcome3 = execute_block(&outcome2.state, &built3.block).unwrap();
    let header3 = built3.block.header.clone();
    let message3 = finalize_message(header3.epoch, header3.view, 2, &header3.hash());
    let certificate3 = Certificate {
        parent_view: 2,
        signers: vec![0, 2, 3],
        signatures: [0usize, 2, 3].iter().map(|i| validators[*i].sign(&message3).to_bytes()).collect(),
    };
    let snap3 = Snapshot { genesis: genesis.commitment(), header: header3, certificate: certificate3, map: &outcome3.state.map, log: &vellum_crypto::merkle::NoLog, validator_chain: Vec::new() };
    let status_single_now = assemble_status(&snap3, bundle_single.record.proof_id, None).unwrap();
    let status_member2_now = assemble_status(&snap3, batch_id, Some(2)).unwrap();
    let status_member3_now = assemble_status(&snap3, batch_id, Some(3)).unwrap();
    assert_eq!(assemble_status(&snap3, batch_id, Some(5)).unwrap_err(), AssembleError::NoSuchMember { index: 5, count: 5 });
    assert_eq!(assemble_status(&snap3, bundle_single.record.proof_id, Some(0)).unwrap_err(), AssembleError::NotABatch);
    assert_eq!(assemble_status(&snap3, ProofId([7; 32]), None).unwrap_err(), AssembleError::NoEntry(3));
    Chain {
        genesis,
        status_single_then,
        status_single_now,
        status_member2_now,
        status_member3_now,
        bundle_revoked,
        bundle_single,
        bundle_member,
        document,
        batch_documents,
        leaves,
        validator_keys: validators,
    }
}

#[test]
fn valid_bundles_verify_offline() {
    let c = chain();
    let pinned = c.genesis.hash();
    let v = verify(&c.bundle_single.to_bytes(), Some(&c.document), Some(&pinned)).unwrap();
    assert_eq!(v.document, DocumentCheck::Matched);
    assert_eq!(v.status, ProofStatus::Live);
    assert_eq!((v.signers, v.validators), (3, 4));
    assert_eq!(v.record.height, 1);
    assert!(v.checkpoint_pinned);
    let v = verify(&c.bundle_member.to_bytes(), Some(&c.batch_documents[2]), Some(&pinned)).unwrap();
    assert_eq!(v.member_index, Some(2));
    assert_eq!(v.status, ProofStatus::Live);
    assert!(c.bundle_single.to_bytes().len() < 2048, "bundle is {} bytes", c.bundle_single.to_bytes().len());
}

#[test]
fn revoked_member_verifies_as_revoked() {
    let c = chain();
    let v = verify(&c.bundle_revoked.to_bytes(), Some(&c.batch_documents[3]), Some(&c.genesis.hash())).unwrap();
    assert_eq!(v.member_index, Some(3));
    assert!(matches!(&v.status, ProofStatus::Revoked { reason, .. } if reason == "privilege_withdrawn"));
    // Hiding the revocation (claiming no status change) is caught.
    let mut hidden = c.bundle_revoked.clone();
    hidden.member.as_mut().unwrap().status = None;
    assert_eq!(verify_bundle(&hidden, None, None).unwrap_err().step, Step::BatchInclusion);
}

#[test]
fn wrong_document_fails_at_the_document_step() {
    let c = chain();
    let e = verify(&c.bundle_single.to_bytes(), Some(b"%PDF diploma of Alice, BSc 2027"), None).unwrap_err();
    assert_eq!(e.step, Step::Document);
    let e = verify(&c.bundle_member.to_bytes(), Some(&c.batch_documents[1]), None).unwrap_err();
    assert_eq!(e.step, Step::Document);
}

#[test]
fn every_field_tampered_fails_at_its_step() {
    let c = chain();
    let good = c.bundle_member.clone();
    verify(&good.to_bytes(), None, Some(&c.genesis.hash())).unwrap();

    // Bytes.
    let bytes = good.to_bytes();
    let mut bad = bytes.clone();
    bad[0] ^= 1;
    assert_eq!(verify(&bad, None, None).unwrap_err().step, Step::Decode);
    let mut bad = bytes.clone();
    bad[8] = 9;
    assert_eq!(verify(&bad, None, None).unwrap_err().step, Step::Decode);
    let mut bad = bytes.clone();
    bad.push(0);
    assert_eq!(verify(&bad, None, None).unwrap_err().step, Step::Decode);
    assert_eq!(verify(&bytes[..bytes.len() - 1], None, None).unwrap_err().step, Step::Decode);
    assert_eq!(verify(&vec![0u8; BUNDLE_BYTES_MAX + 1], None, None).unwrap_err().step, Step::Decode);
    assert_eq!(verify(&bytes, None, Some(&[7; 32])).unwrap_err().step, Step::Checkpoint);

    type Tamper = Box<dyn Fn(&mut Bundle)>;
    let cases: Vec<(Tamper, Step)> = vec![
        (Box::new(|b| b.genesis.chain_id.push('x')), Step::Checkpoint),
        (Box::new(|b| b.genesis.params.block_txs_max += 1), Step::Checkpoint),
        (Box::new(|b| b.genesis.details_hash[0] ^= 1), Step::Checkpoint),
        (Box::new(|b| b.genesis.epochs = vellum_types::CommittedEpochs::Length(Some(20))), Step::Checkpoint),
        (Box::new(|b| b.genesis.epochs = vellum_types::CommittedEpochs::Uncommitted), Step::Checkpoint),
        (Box::new(|b| b.genesis.validators[0][0] ^= 1), Step::Checkpoint),
        (Box::new(|b| b.header.height += 1), Step::Certificate),
        (Box::new(|b| b.header.time_ms += 1), Step::Certificate),
        (Box::new(|b| b.header.log_root[0] ^= 1), Step::Certificate),
        (Box::new(|b| b.header.state_root[0] ^= 1), Step::Certificate),
        (Box::new(|b| b.header.view += 1), Step::Certificate),
        (Box::new(|b| b.header.validator_set_hash[0] ^= 1), Step::ValidatorSet),
        (Box::new(|b| b.header.genesis_hash[0] ^= 1), Step::ValidatorSet),
        (Box::new(|b| b.certificate.parent_view += 1), Step::Certificate),
        (Box::new(|b| b.certificate.signatures[1][5] ^= 1), Step::Certificate),
        (Box::new(|b| { b.certificate.signers.pop(); b.certificate.signatures.pop(); }), Step::Certificate),
        (Box::new(|b| b.certificate.signers[2] = 1), Step::Certificate),
        (Box::new(|b| b.certificate.signers[2] = 2), Step::Certificate),
        (Box::new(|b| b.certificate.signers[2] = 9), Step::Certificate),
        (Box::new(|b| b.record.time_ms -= 1), Step::LogInclusion),
        (Box::new(|b| b.record.height += 1), Step::LogInclusion),
        (Box::new(|b| b.record.registrant.0[0] ^= 1), Step::LogInclusion),
        (Box::new(|b| b.record.schema.push('x')), Step::LogInclusion),
        (Box::new(|b| b.record.metadata_digest[0] ^= 1), Step::LogInclusion),
        (Box::new(|b| b.log_proof[0][0] ^= 1), Step::LogInclusion),
        (Box::new(|b| { b.log_proof.pop(); }), Step::LogInclusion),
        (Box::new(|b| b.entry.leaf_index += 1), Step::LogInclusion),
        (Box::new(|b| b.entry.status = ProofStatus::Revoked { reason: "x".into(), tx_id: TxId([0; 32]), height: 1, time_ms: 1 }), Step::StateEntry),
        (Box::new(|b| b.entry.count += 1), Step::StateEntry),
        (Box::new(|b| b.entry_proof.siblings[0][0] ^= 1), Step::StateEntry),
        (Box::new(|b| { let m = b.member.as_mut().unwrap(); m.leaf[0] ^= 1; }), Step::BatchInclusion),
        (Box::new(|b| { let m = b.member.as_mut().unwrap(); m.index = 1; }), Step::BatchInclusion),
        (Box::new(|b| { let m = b.member.as_mut().unwrap(); m.batch_proof[0][0] ^= 1; }), Step::BatchInclusion),
        (Box::new(|b| { let m = b.member.as_mut().unwrap(); m.status = Some(MemberEntry { status: ProofStatus::Live }); }), Step::BatchInclusion),
        (Box::new(|b| b.member = None), Step::BatchInclusion),
        (Box::new(|b| { let d = b.document.as_mut().unwrap(); d.digest[0] ^= 1; }), Step::Document),
        (Box::new(|b| { let d = b.document.as_mut().unwrap(); d.salt = Some([0; 32]); }), Step::Document),
        (Box::new(|b| { let d = b.document.as_mut().unwrap(); d.salt = None; }), Step::Document),
    ];
    for (i, (tamper, step)) in cases.iter().enumerate() {
        let mut b = good.clone();
        tamper(&mut b);
        let e = verify(&b.to_bytes(), None, Some(&c.genesis.hash())).expect_err(&format!("case {i} should fail"));
        assert_eq!(e.step, *step, "case {i}: {e}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Any single flipped bit anywhere in a bundle makes verification fail (or, for bits in
    /// fields the verifier treats as informational, never turns a bundle for one document into
    /// a valid bundle for another).
    #[test]
    fn flipped_bits_never_verify_another_document(byte in 0usize..4096, bit in 0u8..8) {
        thread_local!(static C: Chain = chain());
        C.with(|c| {
            let mut bytes = c.bundle_single.to_bytes();
            let i = byte % bytes.len();
            bytes[i] ^= 1 << bit;
            if let Ok(v) = verify(&bytes, Some(&c.document), Some(&c.genesis.hash())) {
                // Only bits that do not change what is proven may survive (e.g. none today).
                proptest::prop_assert_eq!(v.registered_digest, sha256(&c.document));
            }
            Ok(())
        })?;
    }
}

#[test]
fn batch_root_matches_leaf_hashing() {
    let d = [[1u8; 32], [2u8; 32]];
    assert_eq!(batch_root(&d), vellum_crypto::merkle::node_hash(&leaf_hash(&d[0]), &leaf_hash(&d[1])));
}

/// The example in docs/evidence-format.md (a bundle from a devnet) keeps verifying: the
/// format is stable, and the document's numbers are real.
#[test]
fn documented_example_bundle_verifies() {
    let bundle = include_bytes!("../../../docs/examples/diploma.vellum");
    let pdf = include_bytes!("../../../docs/examples/diploma.pdf");
    let other = include_bytes!("../../../docs/examples/other.pdf");
    let pinned = Hash32::try_from(hex::decode(include_str!("../../../docs/examples/genesis-hash.txt").trim()).unwrap().as_slice()).unwrap();
    let v = verify(bundle, Some(pdf), Some(&pinned)).unwrap();
    assert_eq!(v.document, DocumentCheck::Matched);
    assert_eq!(v.member_index, Some(0));
    assert_eq!(verify(bundle, Some(other), Some(&pinned)).unwrap_err().step, Step::Document);
}

/// The Python verifier in docs/examples, written from docs/evidence-format.md alone, agrees
/// with this crate on the example bundles (version 1, and version 2 from a devnet whose
/// validator set changed twice) and on tampered copies of them.
#[test]
fn independent_python_verifier_agrees() {
    python_agrees_on("diploma.vellum", "diploma.pdf", "genesis-hash.txt");
    python_agrees_on("contract-two-set-changes.vellum", "contract.txt", "set-changes-genesis-hash.txt");
}

fn python_agrees_on(bundle_file: &str, document_file: &str, pin_file: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples");
    let has_crypto = std::process::Command::new("python3")
        .args(["-c", "import cryptography"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_crypto {
        eprintln!("python3 with the `cryptography` package not found: skipping the cross-implementation check");
        return;
    }
    let bundle = std::fs::read(dir.join(bundle_file)).unwrap();
    let pdf = std::fs::read(dir.join(document_file)).unwrap();
    let pinned = std::fs::read_to_string(dir.join(pin_file)).unwrap().trim().to_string();
    let tmp = std::env::temp_dir().join(format!("vellum-pycheck-{}-{bundle_file}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let mut variants: Vec<Vec<u8>> = vec![bundle.clone()];
    for i in (9..bundle.len()).step_by(37) {
        let mut b = bundle.clone();
        b[i] ^= 0x01;
        variants.push(b);
    }
    for (n, bytes) in variants.iter().enumerate() {
        let path = tmp.join(format!("{n}.vellum"));
        std::fs::write(&path, bytes).unwrap();
        let ours = verify(bytes, Some(&pdf), Some(&Hash32::try_from(hex::decode(&pinned).unwrap().as_slice()).unwrap())).is_ok();
        let out = std::process::Command::new("python3")
            .arg(dir.join("verify_bundle.py"))
            .arg(&path)
            .arg(dir.join(document_file))
            .arg(&pinned)
            .output()
            .unwrap();
        let theirs = out.status.success();
        assert_eq!(ours, theirs, "{bundle_file} variant {n}: rust {ours}, python {theirs}: {}", String::from_utf8_lossy(&out.stdout));
        assert!(n > 0 || ours, "{bundle_file} itself verifies");
    }
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[test]
fn a_validly_signed_header_whose_epoch_is_not_its_heights_fails_at_step_3() {
    let c = chain();
    let mut b = c.bundle_single.clone();
    assert_eq!(b.genesis.epoch_length(), Some(u64::MAX), "the test chain has one epoch, committed");
    // A quorum signs a header claiming epoch 1: the signatures are good, the epoch is not.
    b.header.epoch = 1;
    let sorted: Vec<[u8; 32]> = b.genesis.validators.clone();
    let message = finalize_message(b.header.epoch, b.header.view, b.certificate.parent_view, &b.header.hash());
    let key_of = |i: u32| c.validator_keys.iter().find(|k| k.verification_key().to_bytes() == sorted[i as usize]).unwrap();
    b.certificate.signatures = b.certificate.signers.iter().map(|i| key_of(*i).sign(&message).to_bytes()).collect();
    let e = verify_bundle(&b, None, Some(&c.genesis.hash())).unwrap_err();
    assert_eq!(e.step, Step::ValidatorSet, "{e}");
    assert!(e.detail.contains("epoch"), "{e}");
    // (Layout-1 commitments state no epoch length: `docs/examples/diploma.vellum` and the
    // two-set-change example still verify, unchecked, in `python_agrees…` and the vectors.)
}

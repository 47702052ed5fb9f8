//! Status proofs: valid ones verify and combine with older bundles; every field tampered in
//! turn fails at its step; a status proof of another registration, member or chain, or an
//! older one, is refused at step 9.

use crate::tests::chain;
use crate::*;
use vellum_types::*;

#[test]
fn a_fresh_status_proof_tells_what_changed_since_the_bundle() {
    let c = chain();
    let pinned = c.genesis.hash();
    let then = verify_status(&c.status_single_then.to_bytes(), Some(&pinned)).unwrap();
    assert_eq!((then.status.clone(), then.height, then.signers, then.validators), (ProofStatus::Live, 2, 3, 4));
    let now = verify_status(&c.status_single_now.to_bytes(), Some(&pinned)).unwrap();
    assert!(matches!(&now.status, ProofStatus::Suspended { reason, height: 3, .. } if reason == "under_investigation"));
    assert_eq!(now.proof_id, c.bundle_single.record.proof_id);

    let bundle = verify_bundle(&c.bundle_single, None, Some(&pinned)).unwrap();
    let combined = status_now(&bundle, &now).unwrap();
    assert!(combined.changed);
    assert_eq!((combined.then.name(), combined.now.name(), combined.now_height), ("live", "suspended", 3));
    assert!(!status_now(&bundle, &then).unwrap().changed, "a status proof at the bundle's own header changes nothing");

    // Members: member 3 was revoked on its own; member 2 is live (no entry of its own).
    let m3 = verify_status(&c.status_member3_now.to_bytes(), Some(&pinned)).unwrap();
    assert!(matches!(&m3.status, ProofStatus::Revoked { reason, .. } if reason == "privilege_withdrawn"));
    let m2 = verify_status(&c.status_member2_now.to_bytes(), Some(&pinned)).unwrap();
    assert_eq!((m2.status.clone(), m2.member_index), (ProofStatus::Live, Some(2)));
    let member_bundle = verify_bundle(&c.bundle_member, None, Some(&pinned)).unwrap();
    assert!(!status_now(&member_bundle, &m2).unwrap().changed);
}

#[test]
fn evidence_names_the_attested_issuer_and_refuses_a_hidden_one() {
    let c = chain();
    let pinned = c.genesis.hash();
    let v = verify(&c.bundle_single.to_bytes(), None, Some(&pinned)).unwrap();
    assert_eq!(c.bundle_single.to_bytes()[8], BUNDLE_VERSION_ISSUER);
    let Some(IssuerCheck::Attested(a)) = &v.issuer else { panic!("{:?}", v.issuer) };
    assert_eq!((a.profile.name.as_str(), a.profile.domain.as_str(), a.height), ("Example University", "example.edu", 1));
    assert!(v.issuer.as_ref().unwrap().describe().starts_with("Example University (example.edu), attested by"));
    let s = verify_status(&c.status_single_now.to_bytes(), Some(&pinned)).unwrap();
    assert!(matches!(s.issuer, IssuerCheck::Attested(_)));

    // Hiding the attestation, or changing what it says, fails at step 6.
    let mut hidden = c.bundle_single.clone();
    hidden.issuer.as_mut().unwrap().attestation = None;
    assert_eq!(verify(&hidden.to_bytes(), None, Some(&pinned)).unwrap_err().step, Step::StateEntry);
    let mut renamed = c.bundle_single.clone();
    renamed.issuer.as_mut().unwrap().attestation.as_mut().unwrap().profile.name = "Evil University".into();
    assert_eq!(verify(&renamed.to_bytes(), None, Some(&pinned)).unwrap_err().step, Step::StateEntry);
    let mut moved = c.status_single_now.clone();
    moved.issuer.attestation = None;
    assert_eq!(verify_status(&moved.to_bytes(), Some(&pinned)).unwrap_err().step, Step::StateEntry);
    // A version-3 file must carry the section; without it the same bundle is version 1.
    let mut bytes = c.bundle_single.to_bytes();
    let legacy = { let mut b = c.bundle_single.clone(); b.issuer = None; b.to_bytes() };
    assert_eq!(legacy[8], BUNDLE_VERSION);
    assert!(verify(&legacy, None, Some(&pinned)).unwrap().issuer.is_none(), "an older file carries no identity");
    let mut v3_without = legacy.clone();
    v3_without[8] = BUNDLE_VERSION_ISSUER;
    v3_without.extend_from_slice(&[0, 0, 0, 0, 0]);
    assert_eq!(verify(&v3_without, None, Some(&pinned)).unwrap_err().step, Step::Decode);
    bytes.push(0);
    assert_eq!(verify(&bytes, None, Some(&pinned)).unwrap_err().step, Step::Decode, "trailing bytes");
}

#[test]
fn a_status_proof_is_small() {
    let c = chain();
    for (name, p) in [("single", &c.status_single_now), ("member", &c.status_member3_now)] {
        let n = p.to_bytes().len();
        // Target < 1 KiB not met: genesis commitment, header, 3-of-4 certificate and two or
        // three map proofs (entry, member, issuer) — docs/benchmarks.md has the breakdown.
        assert!(n < 2048, "{name}: {n} bytes");
    }
}

#[test]
fn a_status_proof_for_something_else_is_refused_at_step_9() {
    let c = chain();
    let pinned = c.genesis.hash();
    let single = verify_bundle(&c.bundle_single, None, Some(&pinned)).unwrap();
    let member = verify_bundle(&c.bundle_member, None, Some(&pinned)).unwrap();
    let m3 = verify_status(&c.status_member3_now.to_bytes(), Some(&pinned)).unwrap();
    let single_now = verify_status(&c.status_single_now.to_bytes(), Some(&pinned)).unwrap();
    // Another registration; another member of the same batch.
    assert_eq!(status_now(&single, &m3).unwrap_err().step, Step::Status);
    assert_eq!(status_now(&member, &m3).unwrap_err().step, Step::Status);
    // Another chain (a different genesis hash).
    let mut foreign = single_now.clone();
    foreign.genesis_hash = [9; 32];
    assert_eq!(status_now(&single, &foreign).unwrap_err().step, Step::Status);
    // Older than the bundle.
    let mut old = single_now.clone();
    old.height = 1;
    let e = status_now(&single, &old).unwrap_err();
    assert_eq!(e.step, Step::Status);
    assert!(e.detail.contains("older"), "{e}");
}

#[test]
fn every_field_of_a_status_proof_tampered_fails_at_its_step() {
    let c = chain();
    let pinned = c.genesis.hash();
    let good = c.status_member3_now.clone();
    type Tamper = Box<dyn Fn(&mut StatusProof)>;
    let cases: Vec<(Step, Tamper)> = vec![
        (Step::Checkpoint, Box::new(|p| p.genesis.chain_id.push('x'))),
        (Step::ValidatorSet, Box::new(|p| p.header.validator_set_hash[0] ^= 1)),
        (Step::ValidatorSet, Box::new(|p| p.header.genesis_hash[0] ^= 1)),
        (Step::Certificate, Box::new(|p| p.header.height += 1)),
        (Step::Certificate, Box::new(|p| p.certificate.signatures[0][0] ^= 1)),
        (Step::Certificate, Box::new(|p| { p.certificate.signers.pop(); p.certificate.signatures.pop(); })),
        (Step::Certificate, Box::new(|p| p.certificate.parent_view += 1)),
        (Step::StateEntry, Box::new(|p| p.entry.status = ProofStatus::Suspended { reason: "certificate_hold".into(), tx_id: TxId([0; 32]), height: 1, time_ms: 1 })),
        (Step::StateEntry, Box::new(|p| p.entry.registrant = AccountId([3; 32]))),
        (Step::StateEntry, Box::new(|p| p.entry.count += 1)),
        (Step::StateEntry, Box::new(|p| p.proof_id.0[0] ^= 1)),
        (Step::StateEntry, Box::new(|p| p.entry_proof.siblings.clear())),
        // Hiding the member's revocation, or claiming another member's.
        (Step::BatchInclusion, Box::new(|p| p.member.as_mut().unwrap().status = None)),
        (Step::BatchInclusion, Box::new(|p| p.member.as_mut().unwrap().index = 2)),
        (Step::BatchInclusion, Box::new(|p| p.member.as_mut().unwrap().index = 9)),
        (Step::BatchInclusion, Box::new(|p| {
            let m = p.member.as_mut().unwrap();
            m.status = Some(MemberEntry { status: ProofStatus::Live });
        })),
    ];
    for (i, (step, tamper)) in cases.iter().enumerate() {
        let mut p = good.clone();
        tamper(&mut p);
        let e = verify_status(&p.to_bytes(), Some(&pinned)).expect_err(&format!("case {i} should fail"));
        assert_eq!(e.step, *step, "case {i}: {e}");
    }
    // One evidence, one encoding: version 1 rewrapped as version 2 with an empty chain.
    let mut rewrapped = good.to_bytes();
    rewrapped[8] = 2;
    rewrapped.extend_from_slice(&[0, 0, 0, 0]);
    assert_eq!(verify_status(&rewrapped, Some(&pinned)).unwrap_err().step, Step::Decode);
    // Not a status proof; a bundle is not one either.
    assert_eq!(verify_status(b"VELLUMEV\x01", None).unwrap_err().step, Step::Decode);
    assert_eq!(verify_status(&c.bundle_single.to_bytes(), None).unwrap_err().step, Step::Decode);
    let mut trailing = good.to_bytes();
    trailing.push(0);
    assert_eq!(verify_status(&trailing, Some(&pinned)).unwrap_err().step, Step::Decode);
}

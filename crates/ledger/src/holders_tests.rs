//! Batch members handed to the network, and holders: chunks in order, the registered root
//! checked when the batch completes, holders named per member or per registration.

use crate::proof_status_tests::Chain;
use crate::testkit::*;
use crate::*;
use vellum_crypto::merkle::{leaf_hash, root};
use vellum_types::proof::BatchMember;
use vellum_types::*;

fn digests(n: u32) -> Vec<Hash32> {
    (0..n).map(|i| sha256(&i.to_le_bytes())).collect()
}

fn batch_root(d: &[Hash32]) -> Hash32 {
    root(&d.iter().map(|x| leaf_hash(x)).collect::<Vec<_>>())
}

#[test]
fn members_are_stored_in_order_and_checked_against_the_root() {
    let mut c = Chain::new();
    let d = digests(5);
    let batch = c.register_batch_with_root(batch_root(&d), 5);
    let issuer = c.f.issuer.clone();
    let student = c.f.user.public_key().account_id();
    let store = |first: u32, members: Vec<BatchMember>| TxBody::StoreBatchMembers { proof: batch, first, members };
    let plain = |r: std::ops::Range<usize>| d[r].iter().map(|x| BatchMember { digest: *x, holder: None }).collect::<Vec<_>>();

    // Out of order, beyond the batch, by someone else: refused.
    assert!(matches!(c.send(&issuer, store(2, plain(0..2))), Err(TxError::BatchMembersOrder { expected: 0, got: 2, .. })));
    assert!(matches!(c.send(&issuer, store(0, plain(0..5).into_iter().chain(plain(0..1)).collect())), Err(TxError::NoSuchMember { .. })));
    assert!(matches!(c.send(&c.f.registrar.clone(), store(0, plain(0..2))), Err(TxError::NotRegistrant(_))));

    // Two chunks; member 3's holder is the student.
    let mut second = plain(2..5);
    second[1].holder = Some(student);
    c.send(&issuer, store(0, plain(0..2))).unwrap();
    assert!(!c.state.batch_members_complete(&batch));
    c.send(&issuer, store(2, second)).unwrap();
    assert!(c.state.batch_members_complete(&batch));
    assert!(c.state.is_holder(&batch, Some(3), &student));
    assert!(!c.state.is_holder(&batch, Some(2), &student), "a holder of one member holds only it");
    assert!(!c.state.is_holder(&batch, None, &student));
    assert!(matches!(c.send(&issuer, store(5, plain(0..1))), Err(TxError::BatchMembersStored(_))));
}

#[test]
fn a_wrong_member_is_caught_when_the_batch_completes() {
    let mut c = Chain::new();
    let d = digests(3);
    let batch = c.register_batch_with_root(batch_root(&d), 3);
    let issuer = c.f.issuer.clone();
    let mut wrong: Vec<BatchMember> = d.iter().map(|x| BatchMember { digest: *x, holder: None }).collect();
    wrong[2].digest[0] ^= 1;
    c.send(&issuer, TxBody::StoreBatchMembers { proof: batch, first: 0, members: wrong[..2].to_vec() }).unwrap();
    assert!(matches!(c.send(&issuer, TxBody::StoreBatchMembers { proof: batch, first: 2, members: wrong[2..].to_vec() }), Err(TxError::BatchRootMismatch(_))));
    assert_eq!(c.state.batch_members(&batch).stored, 2, "the refused chunk changed nothing");
    // Starting over with the right members completes the batch.
    let right: Vec<BatchMember> = d.iter().map(|x| BatchMember { digest: *x, holder: None }).collect();
    c.send(&issuer, TxBody::StoreBatchMembers { proof: batch, first: 0, members: right }).unwrap();
    assert!(c.state.batch_members_complete(&batch));
}

#[test]
fn holders_of_a_registration_or_a_member() {
    let mut c = Chain::new();
    let single = c.register(b"diploma");
    let batch = c.register_batch(4);
    let issuer = c.f.issuer.clone();
    let student = c.f.user.public_key().account_id();
    c.send(&issuer, TxBody::AddHolders { proof: single, member: None, holders: vec![student] }).unwrap();
    assert!(c.state.is_holder(&single, None, &student));
    c.send(&issuer, TxBody::AddHolders { proof: batch, member: Some(1), holders: vec![student] }).unwrap();
    assert!(c.state.is_holder(&batch, Some(1), &student) && !c.state.is_holder(&batch, Some(0), &student));
    assert!(matches!(c.send(&issuer, TxBody::AddHolders { proof: batch, member: Some(4), holders: vec![student] }), Err(TxError::NoSuchMember { .. })));
    assert!(matches!(c.send(&issuer, TxBody::AddHolders { proof: single, member: None, holders: vec![AccountId([5; 32])] }), Err(TxError::UnknownAccount(_))));
    assert!(matches!(c.send(&issuer, TxBody::StoreBatchMembers { proof: single, first: 0, members: vec![BatchMember { digest: [0; 32], holder: None }] }), Err(TxError::NotABatch(_))));
    let twice = sign(&issuer, "vellum-test", 9, TxBody::AddHolders { proof: single, member: None, holders: vec![student, student] });
    assert!(Transaction::from_wire(&twice.to_wire()).is_err(), "a holder named twice is malformed");
}

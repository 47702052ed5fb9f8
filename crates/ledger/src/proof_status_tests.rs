//! Proof status: suspension and reinstatement, the history of changes, governed reason codes,
//! issuer-wide revocation, and a property test of status changes against a model.

use crate::testkit::*;
use crate::*;
use proptest::prelude::*;
use std::collections::BTreeMap;
use vellum_crypto::SecretKey;
use vellum_types::proof::{ISSUER_REVOCATIONS_PER_TX_MAX, STATUS_CHANGES_MAX, effective_status};
use vellum_types::*;

const CHAIN: &str = "vellum-test";

/// A chain driven one block per call, tracking nonces.
pub(crate) struct Chain {
    pub(crate) f: Fixture,
    pub(crate) state: LedgerState,
    nonces: BTreeMap<AccountId, u64>,
}

impl Chain {
    pub(crate) fn new() -> Chain {
        let f = fixture();
        let (state, _) = genesis_block(&f.genesis);
        Chain { f, state, nonces: BTreeMap::new() }
    }

    /// One block of transactions by `key`; returns each one's error, if refused.
    pub(crate) fn block(&mut self, key: &SecretKey, bodies: Vec<TxBody>) -> Vec<Option<TxError>> {
        let id = key.public_key().account_id();
        let first = *self.nonces.get(&id).unwrap_or(&0);
        let txs: Vec<Transaction> = bodies.into_iter().enumerate().map(|(i, b)| sign(key, CHAIN, first + i as u64, b)).collect();
        let signers: Vec<Vec<PublicKey>> = txs.iter().map(|t| vellum_crypto::verify_tx(t).unwrap()).collect();
        let candidates = txs.iter().zip(signers.iter().map(Vec::as_slice));
        let built = build_block(&self.state, self.state.time_ms + 1, 0, self.state.height + 1, [0; 32], candidates);
        let verified = execute_block(&self.state, &built.block).expect("the verifier accepts what the proposer built");
        assert_eq!(verified.state.state_root(), built.outcome.state.state_root());
        self.state = verified.state;
        let refused: BTreeMap<TxId, TxError> = built.rejected.into_iter().collect();
        // A refused transaction leaves its nonce unused, so later ones in the block fail too:
        // callers send refusals one per block.
        let accepted = txs.iter().filter(|t| !refused.contains_key(&t.id())).count() as u64;
        self.nonces.insert(id, first + accepted);
        txs.iter().map(|t| refused.get(&t.id()).cloned()).collect()
    }

    pub(crate) fn send(&mut self, key: &SecretKey, body: TxBody) -> Result<(), TxError> {
        match self.block(key, vec![body]).remove(0) {
            None => Ok(()),
            Some(e) => Err(e),
        }
    }

    pub(crate) fn register(&mut self, what: &[u8]) -> ProofId {
        let key = self.f.issuer.clone();
        let n = *self.nonces.get(&key.public_key().account_id()).unwrap_or(&0);
        let tx = sign(&key, CHAIN, n, register(sha256(what)));
        self.send(&key, register(sha256(what))).unwrap();
        ProofId::of_tx(&tx.id())
    }

    pub(crate) fn register_batch(&mut self, count: u32) -> ProofId {
        self.register_batch_with_root(sha256(b"batch"), count)
    }

    pub(crate) fn register_batch_with_root(&mut self, root: Hash32, count: u32) -> ProofId {
        let key = self.f.issuer.clone();
        let body = TxBody::RegisterBatch { root, count, schema: "sha256:file".into(), metadata_digest: [0; 32], salted: true };
        let n = *self.nonces.get(&key.public_key().account_id()).unwrap_or(&0);
        let id = ProofId::of_tx(&sign(&key, CHAIN, n, body.clone()).id());
        self.send(&key, body).unwrap();
        id
    }

    pub(crate) fn change(&mut self, proof: ProofId, member: Option<u32>, change: ProofChange) -> Result<(), TxError> {
        let key = self.f.issuer.clone();
        self.send(&key, TxBody::SetProofStatus { proof, member, change })
    }
}

fn suspend(code: &str) -> ProofChange {
    ProofChange::Suspend { reason: code.into() }
}

fn revoke(code: &str) -> ProofChange {
    ProofChange::Revoke { reason: code.into() }
}

#[test]
fn suspend_reinstate_and_revoke_keep_every_change() {
    let mut c = Chain::new();
    let id = c.register(b"degree");
    let issuer = c.f.issuer.public_key().account_id();

    c.change(id, None, suspend("under_investigation")).unwrap();
    assert!(matches!(c.state.proof(&id).unwrap().status, ProofStatus::Suspended { ref reason, .. } if reason == "under_investigation"));
    // A suspended proof stays registered: its digest is still taken.
    assert!(matches!(c.send(&c.f.issuer.clone(), register(sha256(b"degree"))), Err(TxError::DuplicateProof { .. })));
    assert!(matches!(c.change(id, None, suspend("certificate_hold")), Err(TxError::BadStatusChange { status: "suspended", change: "suspended", .. })));
    c.change(id, None, ProofChange::Reinstate).unwrap();
    assert_eq!(c.state.proof(&id).unwrap().status, ProofStatus::Live);
    assert!(matches!(c.change(id, None, ProofChange::Reinstate), Err(TxError::BadStatusChange { status: "live", change: "reinstated", .. })));
    c.change(id, None, suspend("certificate_hold")).unwrap();
    // Revocation from suspension is final.
    c.change(id, None, revoke("privilege_withdrawn")).unwrap();
    assert!(matches!(c.change(id, None, ProofChange::Reinstate), Err(TxError::ProofNotLive { status: "revoked", .. })));

    let history = c.state.status_history(&id, None);
    let kinds: Vec<&str> = history.iter().map(|h| h.change.name()).collect();
    assert_eq!(kinds, ["suspended", "reinstated", "suspended", "revoked"]);
    assert!(history.iter().all(|h| h.actor == issuer));
    assert!(history.windows(2).all(|w| w[0].height < w[1].height), "heights in order");
    assert_eq!(history[3].change.reason(), Some("privilege_withdrawn"));
    // Revocation frees the digest.
    c.register(b"degree");
}

#[test]
fn reason_codes_come_from_the_governed_list() {
    let mut c = Chain::new();
    let id = c.register(b"transcript");
    assert_eq!(c.change(id, None, revoke("degree_withdrawn")), Err(TxError::UnknownReasonCode("degree_withdrawn".into())));
    // Free text is malformed before the ledger looks at the list.
    let tx = sign(&c.f.issuer, CHAIN, 1, TxBody::SetProofStatus { proof: id, member: None, change: revoke("Degree withdrawn: fraud") });
    assert!(Transaction::from_wire(&tx.to_wire()).is_err());
    assert_eq!(c.state.status_history(&id, None), vec![], "refusals leave no history");

    // Governance replaces the list; the new code works, an old default one no longer does.
    let action = GovAction::SetReasonCodes { codes: vec!["degree_withdrawn".into(), "issued_in_error".into()] };
    let council = c.f.council_id();
    let tx = sign_multi(&[&c.f.council[0], &c.f.council[1]], council, CHAIN, 0, TxBody::Propose { action, deadline_height: 100 });
    let signers = vellum_crypto::verify_tx(&tx).unwrap();
    let built = build_block(&c.state, c.state.time_ms + 1, 0, c.state.height + 1, [0; 32], [(&tx, signers.as_slice())]);
    assert!(built.rejected.is_empty(), "{:?}", built.rejected);
    c.state = built.outcome.state;
    assert_eq!(c.state.reason_codes().unwrap(), ["degree_withdrawn", "issued_in_error"]);
    assert_eq!(c.change(id, None, suspend("under_investigation")), Err(TxError::UnknownReasonCode("under_investigation".into())));
    c.change(id, None, revoke("degree_withdrawn")).unwrap();
    assert!(GovAction::SetReasonCodes { codes: vec!["a".into(), "a".into()] }.check().is_err(), "duplicates refused");
    assert!(GovAction::SetReasonCodes { codes: vec![] }.check().is_err(), "an empty list refused");
}

#[test]
fn members_change_on_their_own_under_the_batch() {
    let mut c = Chain::new();
    let batch = c.register_batch(4);
    c.change(batch, Some(1), suspend("holder_request")).unwrap();
    c.change(batch, Some(1), ProofChange::Reinstate).unwrap();
    c.change(batch, Some(2), revoke("issued_in_error")).unwrap();
    assert_eq!(c.state.member(&batch, 1).unwrap().status, ProofStatus::Live, "reinstated members keep an entry, live again");
    assert_eq!(c.state.status_history(&batch, Some(1)).len(), 2);
    assert_eq!(c.state.status_history(&batch, None), vec![], "member changes are kept per member");
    // Suspending the whole batch outranks live members, not a member's revocation.
    c.change(batch, None, suspend("under_investigation")).unwrap();
    let whole = c.state.proof(&batch).unwrap().status;
    let m2 = c.state.member(&batch, 2).unwrap().status;
    assert_eq!(effective_status(&whole, None).name(), "suspended");
    assert_eq!(effective_status(&whole, Some(&ProofStatus::Live)).name(), "suspended");
    assert_eq!(effective_status(&whole, Some(&m2)).name(), "revoked");
    // A final status of the batch closes every member.
    c.change(batch, None, revoke("cessation_of_operation")).unwrap();
    assert!(matches!(c.change(batch, Some(0), suspend("holder_request")), Err(TxError::ProofNotLive { status: "revoked", .. })));
}

#[test]
fn a_history_keeps_room_for_its_final_changes() {
    let mut c = Chain::new();
    let id = c.register(b"flapping");
    let mut changes = 0;
    loop {
        let change = if changes % 2 == 0 { suspend("certificate_hold") } else { ProofChange::Reinstate };
        match c.change(id, None, change) {
            Ok(()) => changes += 1,
            Err(TxError::StatusHistoryFull(_)) => break,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(changes, STATUS_CHANGES_MAX - 2);
    c.change(id, None, revoke("key_compromise")).unwrap();
    assert_eq!(c.state.status_history(&id, None).len(), STATUS_CHANGES_MAX - 1);
}

#[test]
fn compliance_revokes_a_compromised_issuer_from_a_height_on() {
    let mut c = Chain::new();
    let genuine = c.register(b"genuine");
    let from_height = c.state.height + 1;
    let forged: Vec<ProofId> = (0..3).map(|i| c.register(format!("forgery {i}").as_bytes())).collect();
    // A forgery supersedes the genuine record: the issuer revocation revokes the forgery, and
    // the genuine one stays superseded (its history says by what).
    let key = c.f.issuer.clone();
    c.send(&key, TxBody::SetProofStatus { proof: forged[0], member: None, change: suspend("certificate_hold") }).unwrap();
    let issuer = key.public_key().account_id();
    let compliance = c.f.compliance.clone();
    let body = |from_height, reason: &str| TxBody::RevokeIssuer { issuer, from_height, reason: reason.into() };

    assert_eq!(c.send(&c.f.registrar.clone(), body(from_height, "key_compromise")), Err(TxError::MissingRole(Role::Compliance)));
    assert_eq!(c.send(&compliance, body(from_height, "stolen")), Err(TxError::UnknownReasonCode("stolen".into())));
    c.send(&compliance, body(from_height, "key_compromise")).unwrap();

    assert_eq!(c.state.proof(&genuine).unwrap().status, ProofStatus::Live, "registered before the compromise");
    let compliance_id = compliance.public_key().account_id();
    for id in &forged {
        assert!(matches!(c.state.proof(id).unwrap().status, ProofStatus::Revoked { ref reason, .. } if reason == "key_compromise"));
        let last = c.state.status_history(id, None).pop().unwrap();
        assert_eq!(last.actor, compliance_id, "the history names compliance as the actor");
    }
    let rev = c.state.issuer_revocation(&issuer).unwrap();
    assert!(rev.complete);
    assert_eq!(rev.revoked, 3);
    // The issuer can register nothing more; the revocation cannot be repeated, only widened.
    assert_eq!(c.send(&key, register(sha256(b"after"))), Err(TxError::IssuerRevoked(issuer)));
    assert!(matches!(c.send(&compliance, body(from_height, "key_compromise")), Err(TxError::IssuerAlreadyRevoked { .. })));
    c.send(&compliance, body(1, "key_compromise")).unwrap();
    assert!(matches!(c.state.proof(&genuine).unwrap().status, ProofStatus::Revoked { .. }));
    assert_eq!(c.state.issuer_revocation(&issuer).unwrap().revoked, 4);
    // Its digests are free again (for whoever may register them).
    assert!(c.state.live_digest(&issuer, &sha256(b"forgery 1")).is_none());
}

#[test]
fn a_large_issuer_revocation_goes_on_in_later_transactions() {
    let mut c = Chain::new();
    let key = c.f.issuer.clone();
    let total = ISSUER_REVOCATIONS_PER_TX_MAX + 5;
    let bodies: Vec<TxBody> = (0..total).map(|i| register(sha256(&i.to_le_bytes()))).collect();
    assert!(c.block(&key, bodies).iter().all(Option::is_none));
    let issuer = key.public_key().account_id();
    let compliance = c.f.compliance.clone();
    let body = TxBody::RevokeIssuer { issuer, from_height: 1, reason: "key_compromise".into() };
    c.send(&compliance, body.clone()).unwrap();
    let rev = c.state.issuer_revocation(&issuer).unwrap();
    assert_eq!((rev.revoked, rev.complete, rev.cursor), (ISSUER_REVOCATIONS_PER_TX_MAX, false, 5));
    // Newest first: the oldest are still live.
    assert_eq!(c.state.proof(&c.state.issuer_proof(&issuer, 0).proof).unwrap().status, ProofStatus::Live);
    c.send(&compliance, body.clone()).unwrap();
    let rev = c.state.issuer_revocation(&issuer).unwrap();
    assert_eq!((rev.revoked, rev.complete, rev.cursor), (total, true, 0));
    assert!(matches!(c.send(&compliance, body), Err(TxError::IssuerAlreadyRevoked { .. })));
}

/// A status change in the model: which target (None = the registration) and what.
#[derive(Clone, Debug)]
enum Op {
    Suspend(Option<u32>),
    Reinstate(Option<u32>),
    Revoke(Option<u32>),
}

/// The model: a status name per target, and the transition rules written out plainly.
fn model_apply(model: &mut BTreeMap<Option<u32>, &'static str>, op: &Op) -> bool {
    let (target, to) = match op {
        Op::Suspend(t) => (*t, "suspended"),
        Op::Reinstate(t) => (*t, "live"),
        Op::Revoke(t) => (*t, "revoked"),
    };
    let whole = model[&None];
    let current = model[&target];
    let allowed = match (whole, target, current, to) {
        ("revoked", _, _, _) => false,
        (_, _, "revoked", _) => false,
        (_, _, "live", "suspended") | (_, _, "suspended", "live") => true,
        (_, _, _, "revoked") => true,
        _ => false,
    };
    if allowed {
        model.insert(target, to);
    }
    allowed
}

fn op_strategy() -> impl Strategy<Value = Op> {
    let target = prop_oneof![Just(None), (0u32..3).prop_map(Some)];
    prop_oneof![
        target.clone().prop_map(Op::Suspend),
        target.clone().prop_map(Op::Reinstate),
        target.prop_map(Op::Revoke),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    /// Any sequence of changes on a three-member batch: the ledger accepts exactly what the
    /// model allows, every status matches, and each accepted change is in the history.
    #[test]
    fn status_changes_follow_the_model(ops in prop::collection::vec(op_strategy(), 1..16)) {
        let mut c = Chain::new();
        let batch = c.register_batch(3);
        let mut model: BTreeMap<Option<u32>, &'static str> = [None, Some(0), Some(1), Some(2)].into_iter().map(|t| (t, "live")).collect();
        let mut accepted: BTreeMap<Option<u32>, usize> = BTreeMap::new();
        for op in &ops {
            let (target, change) = match op {
                Op::Suspend(t) => (*t, suspend("certificate_hold")),
                Op::Reinstate(t) => (*t, ProofChange::Reinstate),
                Op::Revoke(t) => (*t, revoke("unspecified")),
            };
            let expected = model_apply(&mut model, op);
            let got = c.change(batch, target, change);
            prop_assert_eq!(got.is_ok(), expected, "{:?} gave {:?}", op, got);
            if expected {
                *accepted.entry(target).or_default() += 1;
            }
        }
        let whole = c.state.proof(&batch).unwrap().status;
        prop_assert_eq!(whole.name(), model[&None]);
        for i in 0..3 {
            let own = c.state.member(&batch, i).map(|m| m.status);
            prop_assert_eq!(own.as_ref().map_or("live", |s| s.name()), model[&Some(i)]);
            let effective = effective_status(&whole, Some(own.as_ref().unwrap_or(&ProofStatus::Live)));
            let want = match (model[&None], model[&Some(i)]) {
                ("revoked", _) => "revoked",
                (_, "revoked") => "revoked",
                ("suspended", _) => "suspended",
                (_, m) => m,
            };
            prop_assert_eq!(effective.name(), want);
        }
        for (target, n) in accepted {
            prop_assert_eq!(c.state.status_history(&batch, target).len(), n);
        }
    }
}

#[test]
fn only_the_registrant_deletes_an_original_once_and_the_ledger_records_when() {
    let mut c = Chain::new();
    let single = c.register(b"contract");
    let batch = c.register_batch(4);
    let (issuer, user) = (c.f.issuer.clone(), c.f.user.clone());
    // Another account cannot delete it; an unknown proof and a member out of range are refused.
    let e = c.send(&user, TxBody::DeleteOriginal { proof: single, member: 0 }).unwrap_err();
    assert!(matches!(e, TxError::NotRegistrant(_)), "{e:?}");
    let e = c.send(&issuer, TxBody::DeleteOriginal { proof: ProofId(sha256(b"nothing")), member: 0 }).unwrap_err();
    assert!(matches!(e, TxError::UnknownProof(_)), "{e:?}");
    let e = c.send(&issuer, TxBody::DeleteOriginal { proof: single, member: 1 }).unwrap_err();
    assert!(matches!(e, TxError::NoSuchMember { index: 1, count: 1, .. }), "{e:?}");
    let e = c.send(&issuer, TxBody::DeleteOriginal { proof: batch, member: 4 }).unwrap_err();
    assert!(matches!(e, TxError::NoSuchMember { index: 4, count: 4, .. }), "{e:?}");
    assert_eq!(c.state.original_deleted(&single, 0), None);
    // The registrant deletes; the ledger records the block time; a second delete is refused.
    c.send(&issuer, TxBody::DeleteOriginal { proof: single, member: 0 }).unwrap();
    assert_eq!(c.state.original_deleted(&single, 0), Some(c.state.time_ms));
    let e = c.send(&issuer, TxBody::DeleteOriginal { proof: single, member: 0 }).unwrap_err();
    assert_eq!(e.code(), "original_already_deleted");
    // One member of a batch, not the others; the proofs themselves stay.
    c.send(&issuer, TxBody::DeleteOriginal { proof: batch, member: 3 }).unwrap();
    assert!(c.state.original_deleted(&batch, 3).is_some() && c.state.original_deleted(&batch, 2).is_none());
    assert!(c.state.proof(&single).is_some() && c.state.proof(&batch).is_some());
}

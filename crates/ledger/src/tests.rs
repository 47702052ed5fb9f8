//! Ledger tests: each rejection reason, atomicity, proposer/verifier agreement, and a
//! property test against a simple `BTreeMap` model.

use crate::testkit::*;
use crate::*;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use vellum_crypto::SecretKey;
use vellum_types::*;

/// Executes `txs` as one block on `state` through the proposer path, checks the verifier path
/// agrees, and returns the new state and the rejections.
fn step(state: &LedgerState, txs: &[Transaction]) -> (LedgerState, Vec<(TxId, TxError)>) {
    let signers: Vec<Vec<PublicKey>> =
        txs.iter().map(|t| vellum_crypto::verify_tx(t).unwrap_or_default()).collect();
    let candidates = txs.iter().zip(signers.iter().map(Vec::as_slice));
    let built = build_block(state, state.time_ms + 1, 0, state.height + 1, [7; 32], candidates);
    let verified = execute_block(state, &built.block).expect("verifier accepts what the proposer built");
    assert_eq!(verified.state.state_root(), built.outcome.state.state_root());
    assert_eq!(verified.state.block_hash, built.outcome.state.block_hash);
    assert_eq!(verified.touched, built.outcome.touched);
    (verified.state, built.rejected)
}

fn reject_reason(state: &LedgerState, tx: &Transaction) -> TxError {
    let signers = vellum_crypto::verify_tx(tx).map_err(TxError::Signature);
    let signers = match signers {
        Ok(s) => s,
        Err(e) => return e,
    };
    let mut scratch = state.clone();
    let before = state.state_root();
    let env = BlockEnv { height: state.height + 1, time_ms: state.time_ms + 1 };
    let err = apply_tx(&mut scratch, tx, &signers, env, &mut BTreeSet::new()).unwrap_err();
    assert_eq!(scratch.state_root(), before, "a rejected transaction must not change state");
    assert_eq!(scratch.log.size(), state.log.size());
    err
}

#[test]
fn genesis_is_deterministic_and_binds_the_file() {
    let f = fixture();
    let (a, block_a) = genesis_block(&f.genesis);
    let (b, _) = genesis_block(&f.genesis);
    assert_eq!(a.state_root(), b.state_root());
    assert_eq!(block_a.header.parent, f.genesis.hash());
    let mut other = f.genesis.clone();
    other.chain_id = "vellum-other".into();
    assert_ne!(genesis_block(&other).0.block_hash, a.block_hash);
}

#[test]
fn registrar_opens_account_with_only_a_commitment() {
    let f = fixture();
    let (state, _) = genesis_block(&f.genesis);
    let newcomer = key("secp256k1", 40);
    let tx = sign(&f.registrar, "vellum-test", 0, open(&newcomer));
    let (state, rejected) = step(&state, &[tx]);
    assert!(rejected.is_empty(), "{rejected:?}");
    let account = state.account(&newcomer.public_key().account_id()).unwrap();
    assert_eq!(account.roles, vec![Role::User]);
    assert_eq!(account.opened_by, Some(f.registrar.public_key().account_id()));
    assert!(account.kyc_commitment.is_some());
    assert_eq!(state.log.size(), 1);
    // The new account can act at once, signing with a recovered secp256k1 key.
    let freeze = TxBody::SetAccountStatus {
        account: f.user.public_key().account_id(),
        status: AccountStatus::Frozen,
        reason: "x".into(),
    };
    let tx = sign(&newcomer, "vellum-test", 0, freeze);
    assert_eq!(reject_reason(&state, &tx), TxError::MissingRole(Role::Compliance));
}

#[test]
fn every_bad_input_is_rejected_with_its_reason() {
    let f = fixture();
    let (state, _) = genesis_block(&f.genesis);
    let newcomer = key("ed25519", 50);

    let wrong_chain = sign(&f.registrar, "vellum-other", 0, open(&newcomer));
    assert!(matches!(reject_reason(&state, &wrong_chain), TxError::WrongChain { .. }));

    let mut bad_sig = sign(&f.registrar, "vellum-test", 0, open(&newcomer));
    bad_sig.unsigned.nonce = 1;
    assert!(matches!(reject_reason(&state, &bad_sig), TxError::Signature(_)));

    let replay_nonce = sign(&f.registrar, "vellum-test", 5, open(&newcomer));
    assert_eq!(reject_reason(&state, &replay_nonce), TxError::BadNonce { expected: 0, got: 5 });

    let stranger = key("ed25519", 51);
    let unknown = sign(&stranger, "vellum-test", 0, open(&newcomer));
    assert!(matches!(reject_reason(&state, &unknown), TxError::UnknownSender(_)));

    let not_registrar = sign(&f.user, "vellum-test", 0, open(&newcomer));
    assert_eq!(reject_reason(&state, &not_registrar), TxError::MissingRole(Role::Registrar));

    let mut privileged = open(&newcomer);
    if let TxBody::OpenAccount { role, .. } = &mut privileged {
        *role = Role::Council;
    }
    let privileged = sign(&f.registrar, "vellum-test", 0, privileged);
    assert_eq!(reject_reason(&state, &privileged), TxError::PrivilegedRole(Role::Council));

    // Signed by a key that is not the sender's.
    let mut impostor = sign(&f.registrar, "vellum-test", 0, open(&newcomer));
    impostor.signatures = vec![stranger.sign_tx(&impostor.unsigned)];
    assert!(matches!(reject_reason(&state, &impostor), TxError::UnauthorizedSigner { .. }));

    let mut expired = sign(&f.registrar, "vellum-test", 0, open(&newcomer));
    expired.unsigned.expiry_height = 0;
    expired.signatures = vec![f.registrar.sign_tx(&expired.unsigned)];
    assert!(matches!(reject_reason(&state, &expired), TxError::Expired { .. }));

    let existing = sign(&f.registrar, "vellum-test", 0, open(&f.user));
    assert!(matches!(reject_reason(&state, &existing), TxError::AccountExists(_)));

    // A key that is not a curve point could never sign: refused for every scheme.
    for bad in [PublicKey::P256([0; 33]), PublicKey::Secp256k1([7; 33]), PublicKey::Ed25519((2u8..).map(|b| [b; 32]).find(|k| !vellum_crypto::is_ed25519_key(k)).unwrap())] {
        let mut body = open(&newcomer);
        if let TxBody::OpenAccount { public_key, .. } = &mut body {
            *public_key = bad;
        }
        let tx = sign(&f.registrar, "vellum-test", 0, body);
        assert_eq!(reject_reason(&state, &tx), TxError::BadPublicKey(bad.to_string()));
        let mut set = SignerSet::single(f.user.public_key());
        set.signers.push(Signer { key: bad, weight: 1 });
        let tx = sign(&f.user, "vellum-test", 0, TxBody::SetSigners { set: set.clone() });
        assert_eq!(reject_reason(&state, &tx), TxError::BadPublicKey(bad.to_string()));
        let tx = sign(&f.user, "vellum-test", 0, TxBody::ProposeRecovery { account: f.registrar.public_key().account_id(), set });
        assert_eq!(reject_reason(&state, &tx), TxError::BadPublicKey(bad.to_string()));
        let tx = sign(&f.user, "vellum-test", 0, TxBody::SetPurposeKeys { request_keys: vec![bad], encryption_recipient: None });
        assert_eq!(reject_reason(&state, &tx), TxError::BadPublicKey(bad.to_string()));
    }

    let oversize = Transaction::from_wire(&vec![0u8; limits::TX_BYTES_MAX + 1]);
    assert!(matches!(oversize, Err(DecodeError::TooLarge { .. })));
}

#[test]
fn frozen_accounts_cannot_act_and_revocation_is_final() {
    let f = fixture();
    let (state, _) = genesis_block(&f.genesis);
    let user_id = f.user.public_key().account_id();
    let status = |s| TxBody::SetAccountStatus { account: user_id, status: s, reason: "incident 7".into() };
    let (state, rejected) = step(&state, &[sign(&f.compliance, "vellum-test", 0, status(AccountStatus::Frozen))]);
    assert!(rejected.is_empty());
    let tx = sign(&f.user, "vellum-test", 0, open(&key("ed25519", 60)));
    assert_eq!(
        reject_reason(&state, &tx),
        TxError::SenderNotActive { account: user_id, status: "frozen" }
    );
    let again = sign(&f.compliance, "vellum-test", 1, status(AccountStatus::Frozen));
    assert!(matches!(reject_reason(&state, &again), TxError::StatusUnchanged { .. }));
    let (state, rejected) = step(&state, &[sign(&f.registrar, "vellum-test", 0, status(AccountStatus::Revoked))]);
    assert!(rejected.is_empty());
    let undo = sign(&f.compliance, "vellum-test", 1, status(AccountStatus::Active));
    assert_eq!(reject_reason(&state, &undo), TxError::AccountRevoked(user_id));
    let own = TxBody::SetAccountStatus {
        account: f.compliance.public_key().account_id(),
        status: AccountStatus::Frozen,
        reason: String::new(),
    };
    assert_eq!(reject_reason(&state, &sign(&f.compliance, "vellum-test", 1, own)), TxError::SelfStatusChange);
}

#[test]
fn tampered_blocks_are_rejected() {
    let f = fixture();
    let (state, _) = genesis_block(&f.genesis);
    let tx = sign(&f.registrar, "vellum-test", 0, open(&key("ed25519", 70)));
    let signers = vec![f.registrar.public_key()];
    let built = build_block(&state, 2_000, 0, 1, [7; 32], [(&tx, signers.as_slice())]);
    execute_block(&state, &built.block).unwrap();

    let mut b = built.block.clone();
    b.header.state_root[0] ^= 1;
    assert_eq!(execute_block(&state, &b).unwrap_err(), BlockError::Commitment("state_root"));
    let mut b = built.block.clone();
    b.header.log_root[0] ^= 1;
    assert_eq!(execute_block(&state, &b).unwrap_err(), BlockError::Commitment("log_root"));
    let mut b = built.block.clone();
    b.header.time_ms = state.time_ms;
    assert!(matches!(execute_block(&state, &b), Err(BlockError::TimeNotMonotonic { .. })));
    let mut b = built.block.clone();
    b.header.parent = [1; 32];
    assert_eq!(execute_block(&state, &b).unwrap_err(), BlockError::Parent);
    // Replaying the same transaction in the next block fails on its nonce: no double apply.
    let next = execute_block(&state, &built.block).unwrap().state;
    let replay = build_block(&next, 3_000, 0, 2, [7; 32], [(&tx, signers.as_slice())]);
    assert_eq!(replay.block.txs.len(), 0);
    assert!(matches!(replay.rejected[0].1, TxError::BadNonce { .. }));
    let mut forced = replay.block.clone();
    forced.txs.push(tx.clone());
    forced.header.tx_count = 1;
    assert!(matches!(execute_block(&next, &forced), Err(BlockError::Tx { index: 0, error: TxError::BadNonce { .. } })));
}

/// Operations for the model test: who sends what.
#[derive(Clone, Debug)]
enum Op {
    Open { by: u8, new_key: u8 },
    SetStatus { by: u8, target: u8, status: u8 },
    NewBlock,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..3, 0u8..12).prop_map(|(by, new_key)| Op::Open { by, new_key }),
        3 => (0u8..3, 0u8..15, 0u8..3).prop_map(|(by, target, status)| Op::SetStatus { by, target, status }),
        1 => Just(Op::NewBlock),
    ]
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct ModelAccount {
    status: AccountStatus,
    nonce: u64,
    roles: Vec<Role>,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    /// The ledger against a model kept in a BTreeMap: after every block, every account's
    /// status, nonce and roles match, and each transaction the model rejects, the ledger
    /// rejects too.
    #[test]
    fn ledger_matches_model(ops in proptest::collection::vec(op(), 1..60)) {
        let f = fixture();
        let (mut state, _) = genesis_block(&f.genesis);
        // Actors 0..3 are registrar, compliance, user; 3.. are accounts opened later.
        let mut keys: Vec<SecretKey> = vec![f.registrar.clone(), f.compliance.clone(), f.user.clone()];
        for n in 0..12u8 { keys.push(key(if n % 2 == 0 { "ed25519" } else { "secp256k1" }, 100 + n)); }
        let mut model: BTreeMap<AccountId, ModelAccount> = BTreeMap::new();
        for (i, roles) in [vec![Role::Registrar], vec![Role::Compliance], vec![Role::User]].into_iter().enumerate() {
            model.insert(keys[i].public_key().account_id(), ModelAccount { status: AccountStatus::Active, nonce: 0, roles });
        }
        let mut pending: Vec<Transaction> = Vec::new();
        let mut expect_ok: Vec<bool> = Vec::new();
        let mut shadow = model.clone();
        for op in ops.into_iter().chain([Op::NewBlock]) {
            let (by, body, ok) = match op {
                Op::NewBlock => {
                    let (next, rejected) = step(&state, &pending);
                    let rejected: BTreeSet<TxId> = rejected.into_iter().map(|(id, _)| id).collect();
                    for (tx, ok) in pending.iter().zip(&expect_ok) {
                        prop_assert_eq!(!rejected.contains(&tx.id()), *ok, "{:?}", tx.unsigned.body);
                    }
                    state = next;
                    model = shadow.clone();
                    for (id, m) in &model {
                        let a = state.account(id).unwrap();
                        prop_assert_eq!((a.status, a.next_nonce, &a.roles), (m.status, m.nonce, &m.roles));
                    }
                    pending.clear();
                    expect_ok.clear();
                    continue;
                }
                Op::Open { by, new_key } => {
                    let target = keys[3 + new_key as usize].public_key().account_id();
                    let sender = shadow.get(&keys[by as usize].public_key().account_id());
                    let ok = matches!(sender, Some(s) if s.status == AccountStatus::Active && s.roles.contains(&Role::Registrar))
                        && !shadow.contains_key(&target);
                    (by, open(&keys[3 + new_key as usize]), ok)
                }
                Op::SetStatus { by, target, status } => {
                    let status = [AccountStatus::Active, AccountStatus::Frozen, AccountStatus::Revoked][status as usize];
                    let target_id = keys[target as usize].public_key().account_id();
                    let sender_id = keys[by as usize].public_key().account_id();
                    let sender = shadow.get(&sender_id);
                    let role_ok = |s: &ModelAccount| match status {
                        AccountStatus::Revoked => s.roles.contains(&Role::Compliance) || s.roles.contains(&Role::Registrar),
                        _ => s.roles.contains(&Role::Compliance),
                    };
                    let ok = matches!(sender, Some(s) if s.status == AccountStatus::Active && role_ok(s))
                        && sender_id != target_id
                        && matches!(shadow.get(&target_id), Some(t) if t.status != AccountStatus::Revoked && t.status != status);
                    (by, TxBody::SetAccountStatus { account: target_id, status, reason: "r".into() }, ok)
                }
            };
            let sender_id = keys[by as usize].public_key().account_id();
            let nonce = shadow.get(&sender_id).map_or(0, |s| s.nonce);
            let tx = sign(&keys[by as usize], "vellum-test", nonce, body.clone());
            // The same transaction twice in one block (same sender, nonce and body) has one id;
            // the model tracks outcomes by id, so generate it once.
            if pending.iter().any(|p| p.id() == tx.id()) {
                continue;
            }
            if ok {
                shadow.get_mut(&sender_id).unwrap().nonce += 1;
                match body {
                    TxBody::OpenAccount { public_key, .. } => {
                        shadow.insert(public_key.account_id(), ModelAccount { status: AccountStatus::Active, nonce: 0, roles: vec![Role::User] });
                    }
                    TxBody::SetAccountStatus { account, status, .. } => shadow.get_mut(&account).unwrap().status = status,
                    _ => unreachable!("the model only generates account transactions"),
                }
            }
            pending.push(tx);
            expect_ok.push(ok);
        }
    }
}

mod proofs {
    use super::*;

    fn run(state: &LedgerState, txs: &[Transaction]) -> (LedgerState, Vec<(TxId, TxError)>) {
        step(state, txs)
    }

    #[test]
    fn issuer_registers_and_the_record_follows_its_transaction_in_the_log() {
        let f = fixture();
        let (state, _) = genesis_block(&f.genesis);
        let digest = sha256(b"diploma of Alice");
        let tx = sign(&f.issuer, "vellum-test", 0, register(digest));
        let signers = vellum_crypto::verify_tx(&tx).unwrap();
        let built = build_block(&state, state.time_ms + 5, 0, 1, [7; 32], [(&tx, signers.as_slice())]);
        let receipt = &built.outcome.receipts[0];
        let evidence = receipt.evidence.as_ref().expect("registration yields an evidence record");
        assert_eq!(evidence.log_index, receipt.log_index + 1);
        assert_eq!(evidence.record.registered, Registered::Single { digest });
        assert_eq!(evidence.record.registrant, f.issuer.public_key().account_id());
        assert_eq!(evidence.record.signer, f.issuer.public_key());
        assert_eq!(evidence.record.time_ms, built.block.header.time_ms);
        assert_eq!(evidence.record.height, 1);
        let state = execute_block(&state, &built.block).unwrap().state;
        assert_eq!(state.log.size(), 2);
        let entry = state.proof(&evidence.record.proof_id).unwrap();
        assert_eq!(entry.record_hash, evidence.record.hash());
        assert_eq!(entry.leaf_index, 1);
        assert_eq!(entry.status, ProofStatus::Live);

        // Duplicate of a live digest by the same issuer: refused with a clear error.
        let dup = sign(&f.issuer, "vellum-test", 1, register(digest));
        assert!(matches!(reject_reason(&state, &dup), TxError::DuplicateProof { .. }));
        // Not an issuer: refused.
        let stranger = sign(&f.user, "vellum-test", 0, register(sha256(b"x")));
        assert_eq!(reject_reason(&state, &stranger), TxError::MissingRole(Role::Issuer));

        // Revoke, then the digest may be registered again.
        let id = evidence.record.proof_id;
        let revoke = TxBody::SetProofStatus { proof: id, member: None, change: ProofChange::Revoke { reason: "issued_in_error".into() } };
        let (state, rejected) = run(&state, &[sign(&f.issuer, "vellum-test", 1, revoke.clone())]);
        assert!(rejected.is_empty(), "{rejected:?}");
        assert!(matches!(state.proof(&id).unwrap().status, ProofStatus::Revoked { .. }));
        assert!(matches!(reject_reason(&state, &sign(&f.issuer, "vellum-test", 2, revoke)), TxError::ProofNotLive { .. }));
        let (state, rejected) = run(&state, &[sign(&f.issuer, "vellum-test", 2, register(digest))]);
        assert!(rejected.is_empty(), "{rejected:?}");
        assert_eq!(state.log.size(), 5, "tx, record, revoke tx, tx, record");
    }

    #[test]
    fn batches_members_and_supersession() {
        let f = fixture();
        let (state, _) = genesis_block(&f.genesis);
        let batch = TxBody::RegisterBatch {
            root: sha256(b"root"),
            count: 3,
            schema: "sha256:file".into(),
            metadata_digest: [0; 32],
            salted: true,
        };
        let batch_tx = sign(&f.issuer, "vellum-test", 0, batch);
        let single_tx = sign(&f.issuer, "vellum-test", 1, register(sha256(b"one")));
        let newer_tx = sign(&f.issuer, "vellum-test", 2, register(sha256(b"one, corrected")));
        let (state, rejected) = run(&state, &[batch_tx.clone(), single_tx.clone(), newer_tx.clone()]);
        assert!(rejected.is_empty(), "{rejected:?}");
        let batch_id = ProofId::of_tx(&batch_tx.id());
        let single_id = ProofId::of_tx(&single_tx.id());
        let newer_id = ProofId::of_tx(&newer_tx.id());
        assert_eq!(state.proof(&batch_id).unwrap().count, 3);

        let revoke = |member| TxBody::SetProofStatus { proof: batch_id, member, change: ProofChange::Revoke { reason: "privilege_withdrawn".into() } };
        let (state, rejected) = run(&state, &[sign(&f.issuer, "vellum-test", 3, revoke(Some(1)))]);
        assert!(rejected.is_empty(), "{rejected:?}");
        assert!(matches!(state.member(&batch_id, 1).unwrap().status, ProofStatus::Revoked { .. }));
        assert!(state.member(&batch_id, 0).is_none(), "other members stay live");
        assert_eq!(state.proof(&batch_id).unwrap().status, ProofStatus::Live);
        assert!(matches!(reject_reason(&state, &sign(&f.issuer, "vellum-test", 4, revoke(Some(1)))), TxError::ProofNotLive { .. }));
        assert!(matches!(reject_reason(&state, &sign(&f.issuer, "vellum-test", 4, revoke(Some(3)))), TxError::NoSuchMember { .. }));
        let single_member = TxBody::SetProofStatus { proof: single_id, member: Some(0), change: ProofChange::Revoke { reason: "unspecified".into() } };
        assert!(matches!(reject_reason(&state, &sign(&f.issuer, "vellum-test", 4, single_member)), TxError::NoSuchMember { .. }));

        let supersede = |by| TxBody::SetProofStatus { proof: single_id, member: None, change: ProofChange::Supersede { by } };
        assert_eq!(reject_reason(&state, &sign(&f.issuer, "vellum-test", 4, supersede(single_id))), TxError::BadSupersede);
        assert!(matches!(reject_reason(&state, &sign(&f.registrar, "vellum-test", 0, supersede(newer_id))), TxError::NotRegistrant(_)));
        let (state, rejected) = run(&state, &[sign(&f.issuer, "vellum-test", 4, supersede(newer_id))]);
        assert!(rejected.is_empty(), "{rejected:?}");
        assert!(matches!(state.proof(&single_id).unwrap().status, ProofStatus::Superseded { by, .. } if by == newer_id));
        let unknown = TxBody::SetProofStatus { proof: ProofId([9; 32]), member: None, change: ProofChange::Revoke { reason: "unspecified".into() } };
        assert!(matches!(reject_reason(&state, &sign(&f.issuer, "vellum-test", 5, unknown)), TxError::UnknownProof(_)));
    }
}

#[test]
fn only_node_accounts_record_audits() {
    let f = fixture();
    let (state, _) = genesis_block(&f.genesis);
    let record = proof::AuditRecord { proof: ProofId([1; 32]), reader: None, action: "bundle".into(), allowed: false, time_ms: 5 };
    let tx = sign(&f.issuer, "vellum-test", 0, TxBody::AuditBatch { entries: vec![record.clone()] });
    assert_eq!(reject_reason(&state, &tx), TxError::MissingRole(Role::Node));
    let empty = sign(&f.issuer, "vellum-test", 0, TxBody::AuditBatch { entries: vec![] });
    assert!(Transaction::from_wire(&empty.to_wire()).is_err(), "an empty audit batch is malformed");
}

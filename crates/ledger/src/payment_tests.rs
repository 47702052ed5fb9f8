//! Payment tests: tokens, transfers, double spends, multisig, monitoring holds, incident
//! response, sub-ledgers with conversion, and a property test against a `BTreeMap` model.

use crate::testkit::*;
use crate::*;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use vellum_crypto::SecretKey;
use vellum_types::payment::ConvertQuote;
use vellum_types::*;

const CHAIN: &str = "vellum-test";

/// A chain under test: the state, a clock, and the next nonce of each sender.
pub(crate) struct Chain {
    pub(crate) f: Fixture,
    pub(crate) state: LedgerState,
    nonces: BTreeMap<AccountId, u64>,
}

impl Chain {
    fn new() -> Self {
        let f = fixture();
        let (state, _) = genesis_block(&f.genesis);
        Chain { f, state, nonces: BTreeMap::new() }
    }

    fn nonce(&mut self, id: AccountId) -> u64 {
        let n = self.nonces.entry(id).or_default();
        *n += 1;
        *n - 1
    }

    pub(crate) fn tx(&mut self, key: &SecretKey, body: TxBody) -> Transaction {
        let id = key.public_key().account_id();
        let n = self.nonce(id);
        sign(key, CHAIN, n, body)
    }

    /// A proposal of governed `body` from the council account (2 of 3 keys: members 0 and
    /// 2). The council account is the only council member, so its proposal passes at once.
    pub(crate) fn council(&mut self, body: TxBody) -> Transaction {
        let id = self.f.council_id();
        let n = self.nonce(id);
        sign_multi(&[&self.f.council[0], &self.f.council[2]], id, CHAIN, n, propose(body))
    }

    /// `body` sent directly by the council account (not as a proposal).
    pub(crate) fn tx_multi_council(&mut self, body: TxBody) -> Transaction {
        let id = self.f.council_id();
        let n = self.nonce(id);
        sign_multi(&[&self.f.council[0], &self.f.council[2]], id, CHAIN, n, body)
    }

    /// The status of the latest proposal.
    pub(crate) fn last_proposal(&self) -> ProposalStatus {
        self.state.proposal(self.state.proposal_count() - 1).unwrap().status
    }

    /// Executes one block through the proposer and verifier paths; returns rejections and
    /// each accepted transaction's payment record.
    pub(crate) fn block_at(&mut self, time_ms: u64, txs: &[Transaction]) -> (Vec<(TxId, TxError)>, Vec<PaymentRecord>) {
        let signers: Vec<Vec<PublicKey>> = txs.iter().map(|t| vellum_crypto::verify_tx(t).unwrap()).collect();
        let candidates = txs.iter().zip(signers.iter().map(Vec::as_slice));
        let built = build_block(&self.state, time_ms, 0, self.state.height + 1, [7; 32], candidates);
        let verified = execute_block(&self.state, &built.block).expect("verifier accepts what the proposer built");
        assert_eq!(verified.state.state_root(), built.outcome.state.state_root());
        assert_eq!(verified.touched, built.outcome.touched);
        self.state = verified.state;
        // A rejected transaction did not use its nonce: give it back so the next one lines up.
        for (id, _) in &built.rejected {
            let tx = txs.iter().find(|t| t.id() == *id).unwrap();
            if let Some(n) = self.nonces.get_mut(&tx.unsigned.sender) {
                *n = (*n).min(tx.unsigned.nonce);
            }
        }
        (built.rejected, verified.receipts.into_iter().filter_map(|r| r.payment.map(|p| p.record)).collect())
    }

    pub(crate) fn block(&mut self, txs: &[Transaction]) -> (Vec<(TxId, TxError)>, Vec<PaymentRecord>) {
        self.block_at(self.state.time_ms + 1, txs)
    }

    pub(crate) fn ok(&mut self, txs: &[Transaction]) -> Vec<PaymentRecord> {
        let (rejected, records) = self.block(txs);
        assert!(rejected.is_empty(), "{rejected:?}");
        records
    }

    pub(crate) fn err(&mut self, tx: Transaction) -> TxError {
        let (mut rejected, _) = self.block(std::slice::from_ref(&tx));
        assert_eq!(rejected.len(), 1, "expected a rejection");
        rejected.pop().unwrap().1
    }

    pub(crate) fn available(&self, who: &SecretKey, token: &str) -> u128 {
        self.state.balance(&who.public_key().account_id(), token).available
    }

    /// Sub-ledgers `a` and `b`, tokens `AE` (in a) and `BE` (in b) issued by the fixture
    /// issuer, users opened in each, a desk funded in both, and rates AE→BE 3/2 and BE→AE 2/3.
    pub(crate) fn with_two_subledgers(users_a: &[&SecretKey], users_b: &[&SecretKey]) -> Chain {
        let mut c = Chain::new();
        let issuer = c.f.issuer.public_key().account_id();
        let desk = c.f.desk.public_key().account_id();
        let flags = TokenFlags { kyc_required: true, clawback: true, pausable: true };
        let txs = vec![
            c.council(TxBody::CreateSubledger { name: "a".into(), kyc_required: true }),
            c.council(TxBody::CreateSubledger { name: "b".into(), kyc_required: false }),
        ];
        c.ok(&txs);
        let mut txs = vec![
            c.council(TxBody::CreateToken { symbol: "AE".into(), decimals: 2, issuer, subledger: Some("a".into()), flags }),
            c.council(TxBody::CreateToken { symbol: "BE".into(), decimals: 2, issuer, subledger: Some("b".into()), flags }),
        ];
        let registrar = c.f.registrar.clone();
        for u in users_a {
            txs.push(c.tx(&registrar, open_in(u, "a")));
        }
        for u in users_b {
            txs.push(c.tx(&registrar, open_in(u, "b")));
        }
        c.ok(&txs);
        let issuer_key = c.f.issuer.clone();
        let mut txs = vec![
            c.council(TxBody::SetRate { from: "AE".into(), to: "BE".into(), num: 3, den: 2, desk }),
            c.council(TxBody::SetRate { from: "BE".into(), to: "AE".into(), num: 2, den: 3, desk }),
            c.tx(&issuer_key, TxBody::Mint { token: "AE".into(), to: desk, amount: 1_000_000 }),
            c.tx(&issuer_key, TxBody::Mint { token: "BE".into(), to: desk, amount: 1_000_000 }),
        ];
        for u in users_a {
            txs.push(c.tx(&issuer_key, TxBody::Mint { token: "AE".into(), to: u.public_key().account_id(), amount: 10_000 }));
        }
        for u in users_b {
            txs.push(c.tx(&issuer_key, TxBody::Mint { token: "BE".into(), to: u.public_key().account_id(), amount: 10_000 }));
        }
        c.ok(&txs);
        c
    }
}

pub(crate) fn pay(to: &SecretKey, token: &str, amount: u128) -> Leg {
    Leg { to: to.public_key().account_id(), token: token.into(), amount, convert: None }
}

pub(crate) fn transfer(legs: Vec<Leg>) -> TxBody {
    TxBody::Transfer { legs, reference: None }
}

#[test]
fn tokens_need_governance_and_a_single_council_key_is_not_enough() {
    let mut c = Chain::new();
    let issuer = c.f.issuer.public_key().account_id();
    let body = TxBody::CreateToken { symbol: "EUR".into(), decimals: 2, issuer, subledger: None, flags: TokenFlags::default() };
    let council = c.f.council_id();
    let lone = sign_multi(&[&c.f.council[1]], council, CHAIN, 0, propose(body.clone()));
    assert!(matches!(c.err(lone), TxError::Threshold { weight: 1, threshold: 2, .. }));
    let twice = sign_multi(&[&c.f.council[1], &c.f.council[1]], council, CHAIN, 0, propose(body.clone()));
    // The same key twice never reaches the ledger: signature checking refuses it.
    assert!(matches!(vellum_crypto::verify_tx(&twice), Err(vellum_crypto::SigError::DuplicateSigner { .. })));
    let user = c.f.user.clone();
    let by_user = c.tx(&user, propose(body.clone()));
    assert!(matches!(c.err(by_user), TxError::NotCouncilMember(_)));
    // Even the council cannot create a token directly: only a passed proposal does.
    let direct = c.tx_multi_council(body.clone());
    assert_eq!(c.err(direct), TxError::Governed("create_token"));
    let tx = c.council(body.clone());
    c.ok(&[tx]);
    assert_eq!(c.state.token("EUR").unwrap().supply, 0);
    assert!(matches!(c.last_proposal(), ProposalStatus::Executed { .. }));
    let again = c.council(body);
    c.ok(&[again]);
    assert!(matches!(c.last_proposal(), ProposalStatus::Failed { code, .. } if code == "token_exists"));
}

#[test]
fn mint_transfer_multi_leg_and_burn_conserve_supply() {
    let mut c = Chain::new();
    let (issuer_key, user, registrar) = (c.f.issuer.clone(), c.f.user.clone(), c.f.registrar.clone());
    let issuer = issuer_key.public_key().account_id();
    let (x, y) = (key("ed25519", 60), key("ed25519", 61));
    let txs = vec![
        c.council(TxBody::CreateToken { symbol: "EUR".into(), decimals: 2, issuer, subledger: None, flags: TokenFlags::default() }),
        c.tx(&registrar, open(&x)),
        c.tx(&registrar, open(&y)),
    ];
    c.ok(&txs);
    let uid = user.public_key().account_id();
    let mint = c.tx(&issuer_key, TxBody::Mint { token: "EUR".into(), to: uid, amount: 1_000 });
    c.ok(&[mint]);
    let by_user = c.tx(&user, TxBody::Mint { token: "EUR".into(), to: uid, amount: 1 });
    assert_eq!(c.err(by_user), TxError::NotIssuer("EUR".into()));
    let t = c.tx(&user, transfer(vec![pay(&x, "EUR", 300), pay(&y, "EUR", 200)]));
    let records = c.ok(&[t]);
    assert!(matches!(&records[0].outcome, PaymentOutcome::Settled { legs, .. } if legs.len() == 2));
    assert_eq!((c.available(&user, "EUR"), c.available(&x, "EUR"), c.available(&y, "EUR")), (500, 300, 200));
    // All or nothing: the second leg overdraws, so the first does not happen either.
    let t = c.tx(&user, transfer(vec![pay(&x, "EUR", 400), pay(&y, "EUR", 400)]));
    assert!(matches!(c.err(t), TxError::InsufficientFunds { needed: 400, available: 100, .. }));
    assert_eq!(c.available(&x, "EUR"), 300);
    let t = c.tx(&user, transfer(vec![pay(&user, "EUR", 1)]));
    assert_eq!(c.err(t), TxError::SelfTransfer);
    let t = c.tx(&x, transfer(vec![pay(&issuer_key, "EUR", 300)]));
    c.ok(&[t]);
    let burn = c.tx(&issuer_key, TxBody::Burn { token: "EUR".into(), amount: 250 });
    c.ok(&[burn]);
    assert_eq!(c.state.token("EUR").unwrap().supply, 750);
    let overflow = c.tx(&issuer_key, TxBody::Mint { token: "EUR".into(), to: uid, amount: u128::MAX });
    assert_eq!(c.err(overflow), TxError::Overflow("token supply"));
}

#[test]
fn double_spends_and_replays_are_rejected() {
    let mut c = Chain::with_two_subledgers(&[&key("ed25519", 62), &key("ed25519", 63)], &[]);
    let (a, b, d) = (key("ed25519", 62), key("ed25519", 63), key("ed25519", 64));
    let registrar = c.f.registrar.clone();
    let open_d = c.tx(&registrar, open_in(&d, "a"));
    c.ok(&[open_d]);
    // Two conflicting transactions in flight with the same nonce: only one executes.
    let first = sign(&a, CHAIN, 0, transfer(vec![pay(&b, "AE", 10_000)]));
    let second = sign(&a, CHAIN, 0, transfer(vec![pay(&d, "AE", 10_000)]));
    let (rejected, _) = c.block(&[first.clone(), second.clone()]);
    assert_eq!(rejected.len(), 1);
    assert!(matches!(rejected[0].1, TxError::BadNonce { expected: 1, got: 0 }));
    assert_eq!((c.available(&b, "AE"), c.available(&d, "AE")), (20_000, 0));
    // Replaying the finalized one later is rejected too.
    let (rejected, _) = c.block(&[first]);
    assert!(matches!(rejected[0].1, TxError::BadNonce { .. }));
    // Even with a fresh nonce, the funds are gone.
    let third = sign(&a, CHAIN, 1, transfer(vec![pay(&d, "AE", 1)]));
    assert!(matches!(c.err(third), TxError::InsufficientFunds { .. }));
}

#[test]
fn frozen_accounts_cannot_send_paused_tokens_cannot_move_clawback_needs_the_flag() {
    let (a, b) = (key("ed25519", 65), key("ed25519", 66));
    let mut c = Chain::with_two_subledgers(&[&a, &b], &[]);
    let compliance = c.f.compliance.clone();
    let aid = a.public_key().account_id();
    let freeze = c.tx(&compliance, TxBody::SetAccountStatus { account: aid, status: AccountStatus::Frozen, reason: "fraud report 17".into() });
    c.ok(&[freeze]);
    let note = c.state.account(&aid).unwrap().status_note.unwrap();
    assert_eq!((note.by, note.reason.as_str()), (compliance.public_key().account_id(), "fraud report 17"));
    let t = c.tx(&a, transfer(vec![pay(&b, "AE", 1)]));
    assert!(matches!(c.err(t), TxError::SenderNotActive { .. }));
    let t = c.tx(&b, transfer(vec![pay(&a, "AE", 1)]));
    assert!(matches!(c.err(t), TxError::RecipientNotActive { .. }));
    // Clawback works on the frozen account and returns the funds to the issuer.
    let claw = c.tx(&compliance, TxBody::Clawback { token: "AE".into(), from: aid, amount: 4_000, reason: "court order 3".into() });
    c.ok(&[claw]);
    assert_eq!(c.available(&a, "AE"), 6_000);
    assert_eq!(c.available(&c.f.issuer.clone(), "AE"), 4_000);
    let pause = c.tx(&compliance, TxBody::SetTokenPaused { token: "AE".into(), paused: true, reason: "incident 9".into() });
    c.ok(&[pause]);
    let t = c.tx(&b, transfer(vec![pay(&c.f.issuer.clone(), "AE", 1)]));
    assert_eq!(c.err(t), TxError::TokenPaused("AE".into()));
    let user = c.f.user.clone();
    let not_compliance = c.tx(&user, TxBody::SetTokenPaused { token: "AE".into(), paused: false, reason: "x".into() });
    assert_eq!(c.err(not_compliance), TxError::MissingRole(Role::Compliance));
    // A token created without the clawback flag cannot be clawed back.
    let issuer = c.f.issuer.public_key().account_id();
    let plain = c.council(TxBody::CreateToken { symbol: "PL".into(), decimals: 0, issuer, subledger: None, flags: TokenFlags::default() });
    c.ok(&[plain]);
    let claw = c.tx(&compliance, TxBody::Clawback { token: "PL".into(), from: aid, amount: 1, reason: "x".into() });
    assert!(matches!(c.err(claw), TxError::FlagOff { flag: "clawback-enabled", .. }));
    let pause = c.tx(&compliance, TxBody::SetTokenPaused { token: "PL".into(), paused: true, reason: "x".into() });
    assert!(matches!(c.err(pause), TxError::FlagOff { flag: "pausable", .. }));
}

fn rules() -> MonitoringRules {
    MonitoringRules {
        large_amount: 5_000,
        window_ms: 60_000,
        window_amount_max: 0,
        window_count_max: 0,
        structuring_floor_bps: 9_000,
        structuring_count: 3,
        hold_timeout_ms: 10_000,
        ..MonitoringRules::default()
    }
}

#[test]
fn structuring_triggers_a_hold_that_compliance_posts_or_voids() {
    let (a, b) = (key("ed25519", 67), key("ed25519", 68));
    let mut c = Chain::with_two_subledgers(&[&a, &b], &[]);
    let set = c.council(TxBody::SetMonitoring { token: "AE".into(), rules: rules() });
    c.ok(&[set]);
    assert_eq!(c.state.monitoring("AE").unwrap().version, 1);
    // Two payments just under the 5,000 threshold settle; the third is held as structuring.
    for _ in 0..2 {
        let t = c.tx(&a, transfer(vec![pay(&b, "AE", 4_600)]));
        assert!(matches!(c.ok(&[t])[0].outcome, PaymentOutcome::Settled { .. }));
    }
    let mint = c.tx(&c.f.issuer.clone(), TxBody::Mint { token: "AE".into(), to: a.public_key().account_id(), amount: 10_000 });
    c.ok(&[mint]);
    let t = c.tx(&a, transfer(vec![pay(&b, "AE", 4_700)]));
    let records = c.ok(&[t]);
    let PaymentOutcome::Held { hold, alerts, .. } = &records[0].outcome else { panic!("expected a hold") };
    assert!(matches!(alerts[0], Alert::Structuring { just_under_count: 3, .. }));
    let aid = a.public_key().account_id();
    // Reserved, not moved.
    assert_eq!(c.state.balance(&aid, "AE"), Balance { available: 10_800 - 4_700, held: 4_700 });
    assert_eq!(c.available(&b, "AE"), 19_200);
    let hold = *hold;
    let user = c.f.user.clone();
    let by_user = c.tx(&user, TxBody::DecideHold { hold, post: true, reason: "ok".into() });
    assert_eq!(c.err(by_user), TxError::MissingRole(Role::Compliance));
    let compliance = c.f.compliance.clone();
    let post = c.tx(&compliance, TxBody::DecideHold { hold, post: true, reason: "documented salary".into() });
    assert!(matches!(c.ok(&[post])[0].outcome, PaymentOutcome::HoldPosted { .. }));
    assert_eq!(c.state.balance(&aid, "AE"), Balance { available: 6_100, held: 0 });
    assert_eq!(c.available(&b, "AE"), 23_900);
    let again = c.tx(&compliance, TxBody::DecideHold { hold, post: false, reason: "x".into() });
    assert!(matches!(c.err(again), TxError::HoldNotPending { status: "posted", .. }));

    // A large transfer is held; voiding returns the funds.
    let t = c.tx(&b, transfer(vec![pay(&a, "AE", 5_000)]));
    let PaymentOutcome::Held { hold, alerts, .. } = c.ok(&[t]).remove(0).outcome else { panic!() };
    assert!(matches!(alerts[0], Alert::LargeTransfer { amount: 5_000, .. }));
    let void = c.tx(&compliance, TxBody::DecideHold { hold, post: false, reason: "suspected mule".into() });
    assert!(matches!(c.ok(&[void])[0].outcome, PaymentOutcome::HoldVoided { .. }));
    assert_eq!(c.state.balance(&b.public_key().account_id(), "AE"), Balance { available: 23_900, held: 0 });
}

#[test]
fn undecided_holds_time_out_and_return_the_funds() {
    let (a, b) = (key("ed25519", 69), key("ed25519", 70));
    let mut c = Chain::with_two_subledgers(&[&a, &b], &[]);
    let set = c.council(TxBody::SetMonitoring { token: "AE".into(), rules: rules() });
    c.ok(&[set]);
    let t = c.tx(&a, transfer(vec![pay(&b, "AE", 6_000)]));
    let PaymentOutcome::Held { hold, .. } = c.ok(&[t]).remove(0).outcome else { panic!() };
    let expires = c.state.hold(hold).unwrap().expires_ms;
    // Just before the deadline nothing happens; an empty block after it voids the hold.
    c.block_at(expires - 1, &[]);
    assert_eq!(c.state.hold(hold).unwrap().status, HoldStatus::Pending);
    c.block_at(expires, &[]);
    assert!(matches!(c.state.hold(hold).unwrap().status, HoldStatus::Voided { by: None, .. }));
    assert_eq!(c.state.balance(&a.public_key().account_id(), "AE"), Balance { available: 10_000, held: 0 });
    let compliance = c.f.compliance.clone();
    let late = c.tx(&compliance, TxBody::DecideHold { hold, post: true, reason: "late".into() });
    assert!(matches!(c.err(late), TxError::HoldNotPending { status: "voided", .. }));
}

#[test]
fn velocity_rules_hold_the_transfer_that_crosses_them() {
    let (a, b) = (key("ed25519", 71), key("ed25519", 72));
    let mut c = Chain::with_two_subledgers(&[&a, &b], &[]);
    let r = MonitoringRules { large_amount: 0, structuring_count: 0, window_amount_max: 1_000, window_count_max: 3, ..rules() };
    let set = c.council(TxBody::SetMonitoring { token: "AE".into(), rules: r });
    c.ok(&[set]);
    for _ in 0..3 {
        let t = c.tx(&a, transfer(vec![pay(&b, "AE", 100)]));
        assert!(matches!(c.ok(&[t])[0].outcome, PaymentOutcome::Settled { .. }));
    }
    let t = c.tx(&a, transfer(vec![pay(&b, "AE", 100)]));
    let PaymentOutcome::Held { alerts, .. } = c.ok(&[t]).remove(0).outcome else { panic!() };
    assert!(matches!(alerts[0], Alert::VelocityCount { window_count: 4, .. }));
    // A new window after `window_ms` starts from zero; one big leg crosses the amount cap.
    let later = c.state.time_ms + 60_000;
    let t = c.tx(&a, transfer(vec![pay(&b, "AE", 1_001)]));
    let (rejected, records) = c.block_at(later, &[t]);
    assert!(rejected.is_empty());
    let PaymentOutcome::Held { alerts, .. } = &records[0].outcome else { panic!() };
    assert_eq!(alerts, &vec![Alert::VelocityAmount { token: "AE".into(), window_amount: 1_001 }]);
}

#[test]
fn sub_ledgers_keep_tokens_apart_and_convert_atomically_at_the_governed_rate() {
    let (a, b) = (key("ed25519", 73), key("ed25519", 74));
    let mut c = Chain::with_two_subledgers(&[&a], &[&b]);
    let desk = c.f.desk.clone();
    // A's token cannot land in B unconverted.
    let t = c.tx(&a, transfer(vec![pay(&b, "AE", 100)]));
    assert!(matches!(c.err(t), TxError::WrongSubledger { .. }));
    let convert = |version| Leg {
        to: b.public_key().account_id(),
        token: "AE".into(),
        amount: 1_000,
        convert: Some(ConvertQuote { to_token: "BE".into(), rate_version: version }),
    };
    let stale = c.tx(&a, transfer(vec![convert(7)]));
    assert!(matches!(c.err(stale), TxError::RateChanged { current: 1, quoted: 7, .. }));
    let t = c.tx(&a, transfer(vec![convert(1)]));
    let records = c.ok(&[t]);
    let PaymentOutcome::Settled { legs, .. } = &records[0].outcome else { panic!() };
    let conversion = legs[0].conversion.as_ref().unwrap();
    assert_eq!((legs[0].credit_amount, conversion.num, conversion.den, conversion.rate_version), (1_500, 3, 2, 1));
    assert_eq!((c.available(&a, "AE"), c.available(&b, "BE")), (9_000, 11_500));
    assert_eq!((c.available(&desk, "AE"), c.available(&desk, "BE")), (1_001_000, 998_500));
    // The desk's liquidity bounds conversions: a failing credit side undoes the debit side.
    let big = Leg { amount: 9_000, ..convert(1) };
    let drain = c.tx(&desk, transfer(vec![pay(&b, "BE", 998_500)]));
    c.ok(&[drain]);
    let t = c.tx(&a, transfer(vec![big]));
    assert!(matches!(c.err(t), TxError::InsufficientFunds { .. }));
    assert_eq!((c.available(&a, "AE"), c.available(&desk, "AE")), (9_000, 1_001_000));
    // Governance changes the rate: its version moves on.
    let did = desk.public_key().account_id();
    let set = c.council(TxBody::SetRate { from: "AE".into(), to: "BE".into(), num: 1, den: 1, desk: did });
    c.ok(&[set]);
    assert_eq!(c.state.rate("AE", "BE").unwrap().version, 2);
    let not_desk = c.council(TxBody::SetRate { from: "AE".into(), to: "BE".into(), num: 1, den: 1, desk: a.public_key().account_id() });
    c.ok(&[not_desk]);
    assert!(matches!(c.last_proposal(), ProposalStatus::Failed { code, .. } if code == "not_desk"));
}

#[test]
fn kyc_policy_is_per_sub_ledger() {
    let mut c = Chain::with_two_subledgers(&[], &[]);
    let registrar = c.f.registrar.clone();
    let anon = |k: &SecretKey, sub: &str| match open_in(k, sub) {
        TxBody::OpenAccount { public_key, label, role, subledger, .. } => {
            TxBody::OpenAccount { public_key, kyc_commitment: None, label, role, subledger, kyc: None }
        }
        _ => unreachable!(),
    };
    let (x, y) = (key("ed25519", 75), key("ed25519", 76));
    let t = c.tx(&registrar, anon(&x, "a"));
    assert!(matches!(c.err(t), TxError::KycRequired { .. }));
    let t = c.tx(&registrar, anon(&y, "b"));
    c.ok(&[t]);
    // BE requires KYC to hold, so the anonymous account in b cannot receive it.
    let mint = c.tx(&c.f.issuer.clone(), TxBody::Mint { token: "BE".into(), to: y.public_key().account_id(), amount: 1 });
    assert!(matches!(c.err(mint), TxError::KycRequired { .. }));
    let t = c.tx(&registrar, open_in(&x, "nope"));
    assert_eq!(c.err(t), TxError::UnknownSubledger("nope".into()));
}

/// A sub-ledger's own registrar and compliance officer (accounts of the sub-ledger holding the
/// role, appointed by governance) act within it only; main-ledger roles act everywhere.
#[test]
fn sub_ledger_roles_act_within_their_sub_ledger_only() {
    let (alice, carol) = (key("ed25519", 140), key("ed25519", 141));
    let mut c = Chain::with_two_subledgers(&[&alice], &[&carol]);
    let (a_registrar, a_compliance) = (key("ed25519", 142), key("ed25519", 143));
    let registrar = c.f.registrar.clone();
    let txs = vec![c.tx(&registrar, open_in(&a_registrar, "a")), c.tx(&registrar, open_in(&a_compliance, "a"))];
    c.ok(&txs);
    let grant = |account: &SecretKey, role| GovAction::GrantRole { account: account.public_key().account_id(), role };
    let id = c.f.council_id();
    for action in [grant(&a_registrar, Role::Registrar), grant(&a_compliance, Role::Compliance)] {
        let n = c.nonce(id);
        let tx = sign_multi(&[&c.f.council[0], &c.f.council[2]], id, CHAIN, n, TxBody::Propose { action, deadline_height: 900 });
        c.ok(&[tx]);
        assert!(matches!(c.last_proposal(), ProposalStatus::Executed { .. }));
    }
    // The sub-ledger's registrar opens accounts in it, not on the main ledger or in `b`.
    let (dave, erin) = (key("ed25519", 144), key("ed25519", 145));
    let tx = c.tx(&a_registrar, open(&dave));
    assert_eq!(c.err(tx), TxError::OutsideSubledger { subledger: "a".into() });
    let tx = c.tx(&a_registrar, open_in(&erin, "b"));
    assert_eq!(c.err(tx), TxError::OutsideSubledger { subledger: "a".into() });
    let tx = c.tx(&a_registrar, open_in(&erin, "a"));
    c.ok(&[tx]);
    // It re-verifies identities (KYC terms) in its sub-ledger only.
    let terms = vellum_types::kyc::KycTerms { tier: 2, expires_ms: 0, screening: None };
    let tx = c.tx(&a_registrar, TxBody::SetKyc { account: carol.public_key().account_id(), terms });
    assert_eq!(c.err(tx), TxError::OutsideSubledger { subledger: "a".into() });
    let tx = c.tx(&a_registrar, TxBody::SetKyc { account: alice.public_key().account_id(), terms });
    c.ok(&[tx]);
    assert_eq!(c.state.kyc(&alice.public_key().account_id()).unwrap().set_by, a_registrar.public_key().account_id());
    // Its compliance officer freezes its member, not another sub-ledger's nor the main ledger's.
    let freeze = |who: &SecretKey| TxBody::SetAccountStatus { account: who.public_key().account_id(), status: AccountStatus::Frozen, reason: "incident".into() };
    let user = c.f.user.clone();
    for outsider in [&carol, &user] {
        let tx = c.tx(&a_compliance, freeze(outsider));
        assert_eq!(c.err(tx), TxError::OutsideSubledger { subledger: "a".into() });
    }
    let tx = c.tx(&a_compliance, freeze(&alice));
    c.ok(&[tx]);
    assert_eq!(c.state.account(&alice.public_key().account_id()).unwrap().status, AccountStatus::Frozen);
    // The main ledger's compliance officer acts in every sub-ledger.
    let compliance = c.f.compliance.clone();
    let tx = c.tx(&compliance, freeze(&carol));
    c.ok(&[tx]);
}

#[test]
fn changing_signers_needs_the_current_threshold() {
    // Every scheme in one signer set: Ed25519, recoverable secp256k1 and P-256 (whose key
    // travels with its signature); `b` is an account opened with a P-256 key.
    let (a, b) = (key("ed25519", 77), key("p256", 78));
    let mut c = Chain::with_two_subledgers(&[&a, &b], &[]);
    let (k2, k3) = (key("secp256k1", 79), key("p256", 80));
    let aid = a.public_key().account_id();
    let set = SignerSet {
        signers: vec![
            Signer { key: a.public_key(), weight: 1 },
            Signer { key: k2.public_key(), weight: 1 },
            Signer { key: k3.public_key(), weight: 1 },
        ],
        threshold: 2,
    };
    let t = c.tx(&a, TxBody::SetSigners { set: set.clone() });
    c.ok(&[t]);
    assert_eq!(c.state.account(&aid).unwrap().signers, set);
    // One key alone can no longer pay; two of three can.
    let n = c.nonce(aid);
    let alone = sign_multi(&[&a], aid, CHAIN, n, transfer(vec![pay(&b, "AE", 1)]));
    assert!(matches!(c.err(alone), TxError::Threshold { weight: 1, threshold: 2, .. }));
    let n = c.nonce(aid);
    let two = sign_multi(&[&k2, &k3], aid, CHAIN, n, transfer(vec![pay(&b, "AE", 1)]));
    c.ok(&[two]);
    let by_p256_account = c.tx(&b, transfer(vec![pay(&a, "AE", 1)]));
    c.ok(&[by_p256_account]);
    // Rotating back to one key needs two signatures as well.
    let n = c.nonce(aid);
    let rotate = sign_multi(&[&k3], aid, CHAIN, n, TxBody::SetSigners { set: SignerSet::single(k3.public_key()) });
    assert!(matches!(c.err(rotate), TxError::Threshold { .. }));
    let n = c.nonce(aid);
    let outsider = key("ed25519", 81);
    let foreign = sign_multi(&[&k3, &outsider], aid, CHAIN, n, TxBody::SetSigners { set: SignerSet::single(k3.public_key()) });
    assert!(matches!(c.err(foreign), TxError::UnauthorizedSigner { .. }));
    let n = c.nonce(aid);
    let rotate = sign_multi(&[&k3, &a], aid, CHAIN, n, TxBody::SetSigners { set: SignerSet::single(k3.public_key()) });
    c.ok(&[rotate]);
    assert_eq!(c.state.account(&aid).unwrap().id, aid, "the account id survives rotation");
}

// ---- property test against a model -------------------------------------------------------

#[derive(Clone, Debug)]
enum Op {
    Mint { to: usize, token: usize, amount: u128 },
    Transfer { from: usize, legs: Vec<(usize, u128)>, token: usize },
    Convert { from: usize, to: usize, amount: u128 },
    Decide { post: bool },
    Freeze { who: usize, frozen: bool },
    Tick,
}

const USERS: usize = 4;
/// Users 0 and 1 are in sub-ledger a (token AE), 2 and 3 in b (token BE).
const TOKENS: [&str; 2] = ["AE", "BE"];
const LARGE: u128 = 3_000;

fn model_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..USERS, 0..2usize, 1..5_000u128).prop_map(|(to, token, amount)| Op::Mint { to, token, amount }),
        (0..USERS, proptest::collection::vec((0..USERS, 1..4_000u128), 1..4), 0..2usize)
            .prop_map(|(from, legs, token)| Op::Transfer { from, legs, token }),
        (0..USERS, 0..USERS, 1..4_000u128).prop_map(|(from, to, amount)| Op::Convert { from, to, amount }),
        any::<bool>().prop_map(|post| Op::Decide { post }),
        (0..USERS, any::<bool>()).prop_map(|(who, frozen)| Op::Freeze { who, frozen }),
        Just(Op::Tick),
    ]
}

/// The model: balances (available, held) per (party, token), frozen users, pending holds.
/// Party `USERS` is the desk. Rates: AE→BE ×3/2, BE→AE ×2/3. Only the large-transfer rule is
/// on (AE and BE, `LARGE`), with a long timeout.
/// A held leg: (to, debit token, amount, credit token, credit amount, via desk).
type ModelLeg = (usize, usize, u128, usize, u128, bool);
/// (hold id, sender, legs).
type ModelHold = (u64, usize, Vec<ModelLeg>);

#[derive(Default)]
struct Model {
    bal: BTreeMap<(usize, usize), (u128, u128)>,
    frozen: BTreeSet<usize>,
    holds: Vec<ModelHold>,
    supply: [u128; 2],
}

fn sub(user: usize) -> usize {
    user / 2
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn ledger_matches_model(ops in proptest::collection::vec(model_op(), 1..40)) {
        let users: Vec<SecretKey> = (0..USERS).map(|i| key("ed25519", 90 + i as u8)).collect();
        let mut c = Chain::with_two_subledgers(&[&users[0], &users[1]], &[&users[2], &users[3]]);
        let rules = MonitoringRules { large_amount: LARGE, hold_timeout_ms: 1_000_000, ..Default::default() };
        let txs = vec![
            c.council(TxBody::SetMonitoring { token: "AE".into(), rules: rules.clone() }),
            c.council(TxBody::SetMonitoring { token: "BE".into(), rules }),
        ];
        c.ok(&txs);
        let mut m = Model::default();
        let desk = USERS;
        for u in 0..USERS {
            m.bal.insert((u, sub(u)), (10_000, 0));
        }
        m.bal.insert((desk, 0), (1_000_000, 0));
        m.bal.insert((desk, 1), (1_000_000, 0));
        m.supply = [1_020_000, 1_020_000];
        let id = |p: usize| if p == desk { c.f.desk.public_key().account_id() } else { users[p].public_key().account_id() };
        let ids: Vec<AccountId> = (0..=USERS).map(id).collect();
        let (issuer, compliance) = (c.f.issuer.clone(), c.f.compliance.clone());

        for op in ops {
            match op {
                Op::Mint { to, token, amount } => {
                    let tx = c.tx(&issuer, TxBody::Mint { token: TOKENS[token].into(), to: ids[to], amount });
                    let (rejected, _) = c.block(&[tx]);
                    let ok = sub(to) == token && !m.frozen.contains(&to);
                    prop_assert_eq!(rejected.is_empty(), ok, "{:?}", rejected);
                    if ok {
                        m.bal.entry((to, token)).or_default().0 += amount;
                        m.supply[token] += amount;
                    }
                }
                Op::Transfer { from, legs, token } => {
                    let tx = c.tx(&users[from], transfer(legs.iter().map(|(to, a)| Leg { to: ids[*to], token: TOKENS[token].into(), amount: *a, convert: None }).collect()));
                    let (rejected, records) = c.block(&[tx]);
                    let total: u128 = legs.iter().map(|l| l.1).sum();
                    let ok = !m.frozen.contains(&from)
                        && sub(from) == token
                        && legs.iter().all(|(to, _)| *to != from && sub(*to) == token && !m.frozen.contains(to))
                        && m.bal.get(&(from, token)).map_or(0, |b| b.0) >= total;
                    prop_assert_eq!(rejected.is_empty(), ok, "{:?}", rejected);
                    if ok {
                        let held = legs.iter().any(|l| l.1 >= LARGE);
                        m.bal.get_mut(&(from, token)).unwrap().0 -= total;
                        if held {
                            m.bal.get_mut(&(from, token)).unwrap().1 += total;
                            let PaymentOutcome::Held { hold, .. } = records[0].outcome else { panic!("expected hold") };
                            m.holds.push((hold, from, legs.iter().map(|(to, a)| (*to, token, *a, token, *a, false)).collect()));
                        } else {
                            for (to, a) in &legs {
                                m.bal.entry((*to, token)).or_default().0 += a;
                            }
                        }
                    }
                }
                Op::Convert { from, to, amount } => {
                    let (ft, tt) = (sub(from), sub(to));
                    if ft == tt { continue; }
                    let version = c.state.rate(TOKENS[ft], TOKENS[tt]).unwrap().version;
                    let leg = Leg { to: ids[to], token: TOKENS[ft].into(), amount, convert: Some(ConvertQuote { to_token: TOKENS[tt].into(), rate_version: version }) };
                    let tx = c.tx(&users[from], transfer(vec![leg]));
                    let (rejected, records) = c.block(&[tx]);
                    let credit = if ft == 0 { amount * 3 / 2 } else { amount * 2 / 3 };
                    let ok = !m.frozen.contains(&from) && !m.frozen.contains(&to) && credit > 0
                        && m.bal.get(&(from, ft)).map_or(0, |b| b.0) >= amount
                        && m.bal.get(&(desk, tt)).map_or(0, |b| b.0) >= credit;
                    prop_assert_eq!(rejected.is_empty(), ok, "{:?}", rejected);
                    if ok {
                        m.bal.get_mut(&(from, ft)).unwrap().0 -= amount;
                        if amount >= LARGE {
                            m.bal.get_mut(&(from, ft)).unwrap().1 += amount;
                            let d = m.bal.get_mut(&(desk, tt)).unwrap();
                            d.0 -= credit;
                            d.1 += credit;
                            let PaymentOutcome::Held { hold, .. } = records[0].outcome else { panic!("expected hold") };
                            m.holds.push((hold, from, vec![(to, ft, amount, tt, credit, true)]));
                        } else {
                            m.bal.entry((desk, ft)).or_default().0 += amount;
                            m.bal.get_mut(&(desk, tt)).unwrap().0 -= credit;
                            m.bal.entry((to, tt)).or_default().0 += credit;
                        }
                    }
                }
                Op::Decide { post } => {
                    let Some((hold, from, legs)) = m.holds.first().cloned() else { continue };
                    let tx = c.tx(&compliance, TxBody::DecideHold { hold, post, reason: "model".into() });
                    let (rejected, _) = c.block(&[tx]);
                    let ok = !post || legs.iter().all(|l| !m.frozen.contains(&l.0));
                    prop_assert_eq!(rejected.is_empty(), ok, "{:?}", rejected);
                    if ok {
                        m.holds.remove(0);
                        for (to, dt, amount, ct, credit, via_desk) in legs {
                            m.bal.get_mut(&(from, dt)).unwrap().1 -= amount;
                            if via_desk {
                                m.bal.get_mut(&(desk, ct)).unwrap().1 -= credit;
                            }
                            if post {
                                if via_desk {
                                    m.bal.entry((desk, dt)).or_default().0 += amount;
                                }
                                m.bal.entry((to, ct)).or_default().0 += credit;
                            } else {
                                m.bal.get_mut(&(from, dt)).unwrap().0 += amount;
                                if via_desk {
                                    m.bal.get_mut(&(desk, ct)).unwrap().0 += credit;
                                }
                            }
                        }
                    }
                }
                Op::Freeze { who, frozen } => {
                    let status = if frozen { AccountStatus::Frozen } else { AccountStatus::Active };
                    let tx = c.tx(&compliance, TxBody::SetAccountStatus { account: ids[who], status, reason: "model".into() });
                    let (rejected, _) = c.block(&[tx]);
                    prop_assert_eq!(rejected.is_empty(), m.frozen.contains(&who) != frozen);
                    if frozen { m.frozen.insert(who); } else { m.frozen.remove(&who); }
                }
                Op::Tick => { c.block(&[]); }
            }
            // Model and ledger agree on every balance; supply is conserved per token.
            for (p, id) in ids.iter().enumerate() {
                for (t, symbol) in TOKENS.iter().enumerate() {
                    let (available, held) = m.bal.get(&(p, t)).copied().unwrap_or_default();
                    prop_assert_eq!(c.state.balance(id, symbol), Balance { available, held }, "party {} token {}", p, symbol);
                }
            }
            for (t, symbol) in TOKENS.iter().enumerate() {
                let sum: u128 = m.bal.iter().filter(|((_, tt), _)| *tt == t).map(|(_, (a, h))| a + h).sum();
                let issuer_bal = c.state.balance(&issuer.public_key().account_id(), symbol);
                prop_assert_eq!(sum + issuer_bal.available + issuer_bal.held, m.supply[t]);
                prop_assert_eq!(c.state.token(symbol).unwrap().supply, m.supply[t]);
            }
        }
    }
}

#[test]
fn reused_signature_checks_change_no_result() {
    let (a, b) = (key("ed25519", 82), key("ed25519", 83));
    let mut c = Chain::with_two_subledgers(&[&a, &b], &[]);
    let txs: Vec<Transaction> = (0..6).map(|_| c.tx(&a, transfer(vec![pay(&b, "AE", 1)]))).collect();
    let signers: Vec<Vec<PublicKey>> = txs.iter().map(|t| vellum_crypto::verify_tx(t).unwrap()).collect();
    let built = build_block(&c.state, c.state.time_ms + 1, 0, c.state.height + 1, [7; 32], txs.iter().zip(signers.iter().map(Vec::as_slice)));
    let plain = execute_block(&c.state, &built.block).unwrap();
    let known: Vec<Option<Vec<PublicKey>>> = signers.iter().enumerate().map(|(i, s)| (i % 2 == 0).then(|| s.clone())).collect();
    let reused = execute_block_with(&c.state, &built.block, &known).unwrap();
    assert_eq!(plain.state.state_root(), reused.state.state_root());
    assert_eq!(plain.receipts, reused.receipts);
    // A bad signature among the transactions not vouched for is still found, at its index.
    let mut bad = built.block.clone();
    if let Signature::Ed25519 { signature, .. } = &mut bad.txs[3].signatures[0] {
        signature[0] ^= 1;
    }
    assert!(matches!(execute_block_with(&c.state, &bad, &known), Err(BlockError::Tx { index: 3, .. })));
}

#[test]
fn guardians_recover_a_lost_key_after_the_time_lock_and_the_owner_can_cancel() {
    let (a, g1, g2, g3, b) = (key("ed25519", 84), key("ed25519", 85), key("ed25519", 86), key("ed25519", 87), key("ed25519", 88));
    let mut c = Chain::with_two_subledgers(&[&a, &g1, &g2, &g3, &b], &[]);
    let id = |k: &SecretKey| k.public_key().account_id();
    let aid = id(&a);
    let fresh = key("secp256k1", 89);
    let new_set = SignerSet::single(fresh.public_key());
    let t = c.tx(&a, TxBody::SetGuardians { guardians: vec![id(&g1), id(&g2), id(&g3)], threshold: 2, delay_blocks: 5 });
    c.ok(&[t]);
    let t = c.tx(&a, TxBody::SetGuardians { guardians: vec![aid], threshold: 1, delay_blocks: 5 });
    assert_eq!(c.err(t), TxError::GuardianIsSelf);
    // An outsider cannot start a recovery; a guardian can, and it is time-locked.
    let t = c.tx(&b, TxBody::ProposeRecovery { account: aid, set: new_set.clone() });
    assert!(matches!(c.err(t), TxError::NotGuardian { .. }));
    let t = c.tx(&g1, TxBody::ProposeRecovery { account: aid, set: new_set.clone() });
    c.ok(&[t]);
    let t = c.tx(&g2, TxBody::ProposeRecovery { account: aid, set: SignerSet::single(key("ed25519", 90).public_key()) });
    assert_eq!(c.err(t), TxError::RecoveryMismatch);
    let t = c.tx(&g2, TxBody::ProposeRecovery { account: aid, set: new_set.clone() });
    c.ok(&[t]);
    let t = c.tx(&g3, TxBody::ExecuteRecovery { account: aid });
    assert!(matches!(c.err(t), TxError::RecoveryLocked { .. }));
    // The owner still has the key (say the device was found): it cancels within the lock.
    let t = c.tx(&a, TxBody::CancelRecovery);
    c.ok(&[t]);
    for _ in 0..6 {
        c.block(&[]);
    }
    let t = c.tx(&g3, TxBody::ExecuteRecovery { account: aid });
    assert_eq!(c.err(t), TxError::NoRecovery(aid));
    // The device is really lost: a new recovery with one approval is not enough after the lock…
    let t = c.tx(&g1, TxBody::ProposeRecovery { account: aid, set: new_set.clone() });
    c.ok(&[t]);
    for _ in 0..6 {
        c.block(&[]);
    }
    let t = c.tx(&g3, TxBody::ExecuteRecovery { account: aid });
    assert_eq!(c.err(t), TxError::RecoveryApprovals { have: 1, need: 2 });
    // …two are: the old key stops working, the new one signs for the same account.
    let t = c.tx(&g2, TxBody::ProposeRecovery { account: aid, set: new_set.clone() });
    c.ok(&[t]);
    let t = c.tx(&g3, TxBody::ExecuteRecovery { account: aid });
    c.ok(&[t]);
    assert_eq!(c.state.account(&aid).unwrap().signers, new_set);
    // The key lifecycle follows the recovery: the lost key's record goes, the new key's is new.
    assert_eq!(c.state.key_life(&aid, &a.public_key()), None);
    let recovered = c.state.key_life(&aid, &fresh.public_key()).expect("the recovered key has a record");
    assert_eq!((recovered.added_height, recovered.expires_ms), (c.state.height, 0));
    let n = c.nonce(aid);
    let old = sign_multi(&[&a], aid, CHAIN, n, transfer(vec![pay(&b, "AE", 1)]));
    assert!(matches!(c.err(old), TxError::UnauthorizedSigner { .. }));
    let n = c.nonce(aid);
    let new = sign_multi(&[&fresh], aid, CHAIN, n, transfer(vec![pay(&b, "AE", 1)]));
    c.ok(&[new]);
}

//! Contracts on the ledger (escrow and counter, built from their WebAssembly text here) and the
//! e-invoice module: governance lifecycle, payment rules binding contracts, atomicity of failed
//! calls, and every block through both the proposer's and the verifier's path.

use crate::testkit::*;
use crate::*;
use crate::error::{ContractError, InvoiceError};
use proptest::prelude::*;
use std::collections::BTreeMap;
use vellum_crypto::SecretKey;
use vellum_types::contract::contract_account_id;
use vellum_types::invoice::invoice_id;
use vellum_types::payment::Hash32Text;
use vellum_types::*;

const CHAIN: &str = "vellum-test";
const FUEL: u64 = 2_000_000;

fn escrow_code() -> Vec<u8> {
    wat::parse_str(include_str!("../../contracts/examples/escrow.wat")).expect("the escrow compiles")
}

fn counter_code() -> Vec<u8> {
    wat::parse_str(include_str!("../../contracts/examples/counter.wat")).expect("the counter compiles")
}

/// The counter with `increment` adding twice the amount: a second version to upgrade to.
fn counter_v2_code() -> Vec<u8> {
    let text = include_str!("../../contracts/examples/counter.wat")
        .replace("(i64.add (call $count) (local.get $amount))", "(i64.add (call $count) (i64.mul (local.get $amount) (i64.const 2)))");
    wat::parse_str(&text).expect("the second counter compiles")
}

struct Chain {
    f: Fixture,
    state: LedgerState,
    nonces: BTreeMap<AccountId, u64>,
}

impl Chain {
    /// A chain with token EUR (KYC, pausable, clawback) issued by the fixture issuer, who holds
    /// 1,000,000 of it and gave the user 10,000.
    fn new() -> Chain {
        let f = fixture();
        let (state, _) = genesis_block(&f.genesis);
        let mut c = Chain { f, state, nonces: BTreeMap::new() };
        let issuer = c.f.issuer.clone();
        let flags = TokenFlags { kyc_required: true, clawback: true, pausable: true };
        let create = GovAction::CreateToken { symbol: "EUR".into(), decimals: 2, issuer: c.id(&issuer), subledger: None, flags };
        c.gov(create);
        c.ok(&issuer, TxBody::Mint { token: "EUR".into(), to: c.id(&issuer), amount: 1_000_000 });
        let user = c.f.user.clone();
        c.pay(&issuer, &user, 10_000);
        c
    }

    fn id(&self, key: &SecretKey) -> AccountId {
        key.public_key().account_id()
    }

    /// Runs one transaction in its own block, through the proposer and the verifier.
    fn send_as(&mut self, keys: &[&SecretKey], sender: AccountId, body: TxBody) -> Result<TxReceipt, TxError> {
        let nonce = *self.nonces.get(&sender).unwrap_or(&0);
        let tx = sign_multi(keys, sender, CHAIN, nonce, body);
        let signers = vellum_crypto::verify_tx(&tx).unwrap();
        let built = build_block(&self.state, self.state.time_ms + 1, 0, self.state.height + 1, [7; 32], [(&tx, signers.as_slice())]);
        let verified = execute_block(&self.state, &built.block).expect("the verifier accepts what the proposer built");
        assert_eq!(verified.state.state_root(), built.outcome.state.state_root(), "proposer and verifier agree");
        assert_eq!(verified.state.log.root(), built.outcome.state.log.root());
        let before = self.state.state_root();
        self.state = verified.state;
        if let Some((_, e)) = built.rejected.into_iter().next() {
            assert_eq!(self.state.state_root(), before, "a refused transaction changes nothing");
            return Err(e);
        }
        assert_eq!(built.block.txs.len(), 1, "the transaction was neither included nor refused");
        self.nonces.insert(sender, nonce + 1);
        Ok(verified.receipts.into_iter().next().expect("one receipt"))
    }

    fn send(&mut self, key: &SecretKey, body: TxBody) -> Result<TxReceipt, TxError> {
        self.send_as(&[key], self.id(key), body)
    }

    fn ok(&mut self, key: &SecretKey, body: TxBody) -> TxReceipt {
        self.send(key, body).unwrap()
    }

    /// A council proposal (the council account is the only member: it passes at once);
    /// returns its status.
    fn gov(&mut self, action: GovAction) -> ProposalStatus {
        let (k0, k2, council) = (self.f.council[0].clone(), self.f.council[2].clone(), self.f.council_id());
        self.send_as(&[&k0, &k2], council, TxBody::Propose { action, deadline_height: self.state.height + 100 }).unwrap();
        self.state.proposal(self.state.proposal_count() - 1).unwrap().status
    }

    fn approve(&mut self, name: &str, code: Vec<u8>) -> Hash32 {
        let digest = sha256(&code);
        let status = self.gov(GovAction::RegisterCode { name: name.into(), code, review_digest: Hash32Text(sha256(b"review")) });
        assert!(matches!(status, ProposalStatus::Executed { .. }), "{status:?}");
        digest
    }

    fn pay(&mut self, from: &SecretKey, to: &SecretKey, amount: u128) -> TxReceipt {
        let to = self.id(to);
        self.pay_to(from, to, amount).unwrap()
    }

    fn pay_to(&mut self, from: &SecretKey, to: AccountId, amount: u128) -> Result<TxReceipt, TxError> {
        self.send(from, TxBody::Transfer { legs: vec![Leg { to, token: "EUR".into(), amount, convert: None }], reference: None })
    }

    fn eur(&self, id: &AccountId) -> u128 {
        self.state.balance(id, "EUR").available
    }

    /// Opens a KYC'd user account for `key`.
    fn open(&mut self, key: &SecretKey) {
        let registrar = self.f.registrar.clone();
        self.ok(&registrar, open(key));
    }

    fn instantiate(&mut self, by: &SecretKey, code_digest: Hash32, input: Vec<u8>) -> Result<(AccountId, TxReceipt), TxError> {
        let nonce = *self.nonces.get(&self.id(by)).unwrap_or(&0);
        let id = contract_account_id(&code_digest, &self.id(by), nonce);
        let receipt = self.send(by, TxBody::InstantiateContract { code_digest, input, fuel: FUEL })?;
        assert_eq!(receipt.contract.as_ref().unwrap().contract, id);
        Ok((id, receipt))
    }

    fn call(&mut self, by: &SecretKey, contract: AccountId, function: &str, input: Vec<u8>) -> Result<TxReceipt, TxError> {
        self.send(by, TxBody::CallContract { contract, function: function.into(), input, fuel: FUEL })
    }
}

fn escrow_input(beneficiary: AccountId, registrant: AccountId, digest: Hash32, deadline: u64) -> Vec<u8> {
    let mut input = Vec::new();
    input.extend_from_slice(&beneficiary.0);
    input.extend_from_slice(&registrant.0);
    input.extend_from_slice(&digest);
    input.extend_from_slice(&deadline.to_le_bytes());
    input.extend_from_slice(b"EUR");
    input
}

fn contract_error(e: &TxError) -> &'static str {
    match e {
        TxError::Contract(ContractError::Failed { code, .. }) => code,
        other => panic!("not a contract failure: {other:?}"),
    }
}

/// An escrow of 500 EUR from the user to a new beneficiary, released by the issuer's
/// registration of `doc` by `deadline`.
fn funded_escrow(c: &mut Chain, doc: Hash32, deadline: u64) -> (AccountId, SecretKey) {
    let code = c.approve("escrow", escrow_code());
    let beneficiary = key("ed25519", 77);
    c.open(&beneficiary);
    let user = c.f.user.clone();
    let input = escrow_input(c.id(&beneficiary), c.id(&c.f.issuer), doc, deadline);
    let (escrow, _) = c.instantiate(&user, code, input).unwrap();
    c.pay_to(&user, escrow, 500).unwrap();
    (escrow, beneficiary)
}

#[test]
fn escrow_pays_once_the_named_proof_is_registered_and_the_receipt_shows_it() {
    let mut c = Chain::new();
    let doc = sha256(b"diploma");
    let (escrow, beneficiary) = funded_escrow(&mut c, doc, 1_000);
    let user = c.f.user.clone();
    let e = c.call(&user, escrow, "release", vec![]).unwrap_err();
    assert_eq!((contract_error(&e), e.to_string().contains("code 1")), ("contract_aborted", true), "no registration yet: {e}");
    let issuer = c.f.issuer.clone();
    c.ok(&issuer, register(doc));
    let receipt = c.call(&user, escrow, "release", vec![]).unwrap();
    assert_eq!(c.eur(&c.id(&beneficiary)), 500);
    assert_eq!(c.eur(&escrow), 0);
    let evidence = receipt.contract.expect("a contract receipt");
    assert_eq!(evidence.payments.len(), 1, "the payout's payment record");
    assert_eq!(evidence.payments[0].record.sender, escrow);
    assert_eq!(evidence.events.len(), 1);
    let event = &evidence.events[0];
    assert_eq!(event.event.data[0], 1);
    assert_eq!(u128::from_le_bytes(event.event.data[1..17].try_into().unwrap()), 500);
    assert_eq!(event.log_index, evidence.payments[0].log_index + 1, "events follow the payment records in the log");
    assert_eq!(event.leaf_hash, vellum_crypto::merkle::leaf_hash(&event.event.leaf_bytes()));
    assert_eq!(c.state.log.size(), event.log_index + 1);
    let e = c.call(&user, escrow, "release", vec![]).unwrap_err();
    assert!(e.to_string().contains("code 3"), "settled once: {e}");
}

#[test]
fn escrow_refunds_after_the_deadline_and_not_before() {
    let mut c = Chain::new();
    let deadline = c.state.height + 8;
    let (escrow, _) = funded_escrow(&mut c, sha256(b"never registered"), deadline);
    let user = c.f.user.clone();
    let before = c.eur(&c.id(&user));
    assert!(c.call(&user, escrow, "refund", vec![]).unwrap_err().to_string().contains("code 2"), "too early");
    while c.state.height <= deadline {
        let issuer = c.f.issuer.clone();
        c.pay(&issuer, &user, 1);
    }
    let paid_meanwhile = c.eur(&c.id(&user)) - before;
    assert!(c.call(&user, escrow, "release", vec![]).unwrap_err().to_string().contains("code 2"), "too late to release");
    c.call(&user, escrow, "refund", vec![]).unwrap();
    assert_eq!(c.eur(&c.id(&user)), before + paid_meanwhile + 500);
}

#[test]
fn a_contract_cannot_bypass_a_freeze_a_pause_kyc_or_a_monitoring_hold() {
    let mut c = Chain::new();
    let doc = sha256(b"contract");
    let (escrow, beneficiary) = funded_escrow(&mut c, doc, 1_000);
    let (issuer, compliance, user) = (c.f.issuer.clone(), c.f.compliance.clone(), c.f.user.clone());
    c.ok(&issuer, register(doc));
    // Frozen beneficiary.
    let beneficiary_id = c.id(&beneficiary);
    let set = |status| TxBody::SetAccountStatus { account: beneficiary_id, status, reason: "incident".into() };
    c.ok(&compliance, set(AccountStatus::Frozen));
    let e = c.call(&user, escrow, "release", vec![]).unwrap_err();
    assert_eq!(contract_error(&e), "contract_refused", "{e}");
    assert!(e.to_string().contains("frozen"), "{e}");
    assert_eq!(c.eur(&escrow), 500, "nothing moved");
    c.ok(&compliance, set(AccountStatus::Active));
    // Frozen contract account.
    let freeze_escrow = |status| TxBody::SetAccountStatus { account: escrow, status, reason: "incident".into() };
    c.ok(&compliance, freeze_escrow(AccountStatus::Frozen));
    assert!(matches!(c.call(&user, escrow, "release", vec![]), Err(TxError::SenderNotActive { .. })));
    c.ok(&compliance, freeze_escrow(AccountStatus::Active));
    // Paused token.
    c.ok(&compliance, TxBody::SetTokenPaused { token: "EUR".into(), paused: true, reason: "incident".into() });
    assert_eq!(contract_error(&c.call(&user, escrow, "release", vec![]).unwrap_err()), "contract_refused");
    c.ok(&compliance, TxBody::SetTokenPaused { token: "EUR".into(), paused: false, reason: "over".into() });
    // Monitoring: a payout of 500 or more is held, like anyone's.
    let rules = MonitoringRules { large_amount: 500, hold_timeout_ms: 60_000, ..MonitoringRules::default() };
    assert!(matches!(c.gov(GovAction::SetMonitoring { token: "EUR".into(), rules }), ProposalStatus::Executed { .. }));
    let receipt = c.call(&user, escrow, "release", vec![]).unwrap();
    let record = &receipt.contract.unwrap().payments[0].record;
    assert!(matches!(record.outcome, PaymentOutcome::Held { .. }), "{record:?}");
    assert_eq!(c.eur(&c.id(&beneficiary)), 0, "held, not paid");
    assert_eq!(c.state.balance(&escrow, "EUR").held, 500);
}

#[test]
fn a_contract_cannot_pay_an_account_without_kyc() {
    let mut c = Chain::new();
    let sub = GovAction::CreateSubledger { name: "open".into(), kyc_required: false };
    assert!(matches!(c.gov(sub), ProposalStatus::Executed { .. }));
    let anonymous = key("ed25519", 78);
    let registrar = c.f.registrar.clone();
    let mut body = open_in(&anonymous, "open");
    if let TxBody::OpenAccount { kyc_commitment, .. } = &mut body {
        *kyc_commitment = None;
    }
    c.ok(&registrar, body);
    let code = c.approve("escrow", escrow_code());
    let (user, issuer) = (c.f.user.clone(), c.f.issuer.clone());
    let doc = sha256(b"kyc");
    let (escrow, _) = c.instantiate(&user, code, escrow_input(c.id(&anonymous), c.id(&issuer), doc, 1_000)).unwrap();
    c.pay_to(&user, escrow, 100).unwrap();
    c.ok(&issuer, register(doc));
    let e = c.call(&user, escrow, "release", vec![]).unwrap_err();
    assert_eq!(contract_error(&e), "contract_refused", "{e}");
    assert_eq!(c.eur(&escrow), 100);
}

#[test]
fn governance_checks_code_before_the_vote_and_pauses_resumes_flags_and_upgrades() {
    let mut c = Chain::new();
    // Floating point is refused when proposed, before anyone votes.
    let float = wat::parse_str(r#"(module (memory (export "memory") 1 1) (func (export "go") (drop (f32.add (f32.const 1) (f32.const 2)))))"#).unwrap();
    let (k0, k2, council) = (c.f.council[0].clone(), c.f.council[2].clone(), c.f.council_id());
    let action = GovAction::RegisterCode { name: "float".into(), code: float, review_digest: Hash32Text([1; 32]) };
    let e = c.send_as(&[&k0, &k2], council, TxBody::Propose { action, deadline_height: 500 }).unwrap_err();
    assert!(matches!(e, TxError::Contract(ContractError::Check { .. })), "{e}");
    // Unapproved code cannot be instantiated.
    let user = c.f.user.clone();
    assert!(matches!(c.instantiate(&user, sha256(&counter_code()), vec![]), Err(TxError::Contract(ContractError::UnknownCode(_)))));
    let v1 = c.approve("counter", counter_code());
    let (counter, _) = c.instantiate(&user, v1, vec![]).unwrap();
    let (second, _) = c.instantiate(&user, v1, vec![]).unwrap();
    assert_ne!(counter, second);
    let count = |c: &Chain, id: &AccountId| u64::from_le_bytes(c.state.contract_data(id, b"count").unwrap().try_into().unwrap());
    c.call(&user, counter, "increment", 5u64.to_le_bytes().to_vec()).unwrap();
    assert_eq!(count(&c, &counter), 5);
    // Pause and resume one instance.
    assert!(matches!(c.gov(GovAction::SetContractPaused { contract: counter, paused: true }), ProposalStatus::Executed { .. }));
    assert_eq!(c.call(&user, counter, "increment", vec![]).unwrap_err(), TxError::Contract(ContractError::Paused(counter)));
    c.call(&user, second, "increment", vec![]).unwrap();
    assert!(matches!(c.gov(GovAction::SetContractPaused { contract: counter, paused: false }), ProposalStatus::Executed { .. }));
    // An advisory against the code pauses every instance at once; lifting it resumes them.
    let advise = |advisory| GovAction::SetCodeAdvisory { code_digest: Hash32Text(v1), advisory };
    assert!(matches!(c.gov(advise(Some(Hash32Text([9; 32])))), ProposalStatus::Executed { .. }));
    for id in [counter, second] {
        assert!(matches!(c.call(&user, id, "increment", vec![]), Err(TxError::Contract(ContractError::CodeAdvisory(_)))));
    }
    assert!(matches!(c.instantiate(&user, v1, vec![]), Err(TxError::Contract(ContractError::CodeAdvisory(_)))));
    assert!(matches!(c.gov(advise(None)), ProposalStatus::Executed { .. }));
    c.call(&user, second, "increment", vec![]).unwrap();
    // Upgrade keeps the storage and records the version.
    let v2 = c.approve("counter", counter_v2_code());
    assert!(matches!(c.gov(GovAction::UpgradeContract { contract: counter, code_digest: Hash32Text(v2) }), ProposalStatus::Executed { .. }));
    c.call(&user, counter, "increment", 5u64.to_le_bytes().to_vec()).unwrap();
    assert_eq!(count(&c, &counter), 15, "5 kept from version 1, then 2 × 5");
    let instance = c.state.contract(&counter).unwrap();
    assert_eq!(instance.history.iter().map(|v| (v.version, v.code_digest.0)).collect::<Vec<_>>(), vec![(1, v1), (2, v2)]);
    assert_eq!(c.state.rules().version, 0, "rules untouched");
    let last = c.state.gov_event(c.state.gov_event_count() - 1).unwrap();
    assert_eq!(last.version, Some(2), "the governance history names the version");
}

#[test]
fn calls_between_contracts_are_bounded_and_never_reenter() {
    let mut c = Chain::new();
    // `relay` calls the contract whose id is its input, function `increment` (or, given 64
    // bytes, asks that contract to call the second id in turn).
    let relay = r#"(module
      (import "vellum_v1" "input_len" (func $input_len (result i32)))
      (import "vellum_v1" "input_read" (func $input_read (param i32)))
      (import "vellum_v1" "call_contract" (func $call (param i32 i32 i32 i32 i32 i64 i32 i32) (result i32)))
      (memory (export "memory") 1 1)
      (data (i32.const 200) "increment")
      (data (i32.const 220) "relay")
      (func (export "relay")
        (call $input_read (i32.const 0))
        (if (i32.eq (call $input_len) (i32.const 32))
          (then (drop (call $call (i32.const 0) (i32.const 200) (i32.const 9) (i32.const 0) (i32.const 0) (i64.const 1000000) (i32.const 300) (i32.const 8))))
          (else (drop (call $call (i32.const 0) (i32.const 220) (i32.const 5) (i32.const 32) (i32.sub (call $input_len) (i32.const 32)) (i64.const 1000000) (i32.const 300) (i32.const 8)))))))"#;
    let relay_code = c.approve("relay", wat::parse_str(relay).unwrap());
    let counter_code = c.approve("counter", counter_code());
    let user = c.f.user.clone();
    let (counter, _) = c.instantiate(&user, counter_code, vec![]).unwrap();
    let (a, _) = c.instantiate(&user, relay_code, vec![]).unwrap();
    let (b, _) = c.instantiate(&user, relay_code, vec![]).unwrap();
    let receipt = c.call(&user, a, "relay", counter.0.to_vec()).unwrap();
    assert_eq!(c.state.contract_data(&counter, b"owner").unwrap(), a.0.to_vec(), "the callee sees the calling contract as its caller");
    assert_eq!(receipt.contract.unwrap().events[0].event.contract, counter);
    // a → b → counter: depth 3, allowed.
    c.call(&user, a, "relay", [b.0, counter.0].concat()).unwrap();
    // a → b → a: re-entrance refused, nothing kept.
    let e = c.call(&user, a, "relay", [b.0, a.0].concat()).unwrap_err();
    assert!(e.to_string().contains("reentrant_call"), "{e}");
}

#[test]
fn the_block_fuel_budget_defers_what_does_not_fit() {
    use vellum_contracts::limits::{BLOCK_FUEL_MAX, CALL_FUEL_MAX};
    let mut c = Chain::new();
    let code = c.approve("counter", counter_code());
    let user = c.f.user.clone();
    let (counter, _) = c.instantiate(&user, code, vec![]).unwrap();
    let per_block = (BLOCK_FUEL_MAX / CALL_FUEL_MAX) as usize;
    let senders: Vec<SecretKey> = (0..per_block as u8 + 1).map(|i| key("ed25519", 150 + i)).collect();
    for s in &senders {
        c.open(s);
    }
    let txs: Vec<Transaction> = senders
        .iter()
        .map(|s| sign(s, CHAIN, 0, TxBody::CallContract { contract: counter, function: "increment".into(), input: vec![], fuel: CALL_FUEL_MAX }))
        .collect();
    let signers: Vec<Vec<PublicKey>> = txs.iter().map(|t| vellum_crypto::verify_tx(t).unwrap()).collect();
    let built = build_block(&c.state, c.state.time_ms + 1, 0, c.state.height + 1, [7; 32], txs.iter().zip(signers.iter().map(Vec::as_slice)));
    assert_eq!(built.block.txs.len(), per_block, "as many as the budget allows");
    assert!(built.rejected.is_empty(), "the rest waits for the next block; nothing is lost");
    // The same rule refuses, on the verifier's side, a block over the budget.
    let mut run = BlockRun::begin(&c.state, BlockEnv { height: c.state.height + 1, time_ms: c.state.time_ms + 1 });
    for (tx, keys) in txs.iter().zip(&signers).take(per_block) {
        run.push(tx, keys).unwrap();
    }
    assert!(matches!(run.push(&txs[per_block], &signers[per_block]), Err(PushError::Fuel(TxError::BlockFuel { .. }))));
}

#[test]
fn the_e_invoice_phases_each_consume_their_reference_once() {
    let mut c = Chain::new();
    let (issuer, user) = (c.f.issuer.clone(), c.f.user.clone());
    let (seller, tax, employer) = (key("ed25519", 90), key("ed25519", 91), key("ed25519", 92));
    for k in [&seller, &tax, &employer] {
        c.open(k);
    }
    c.pay(&issuer, &employer, 50_000);
    c.pay(&issuer, &user, 50_000);
    let terms = |c: &Chain| TxBody::SetInvoicing { tax_authority: c.id(&tax), token: "EUR".into(), vat_basis_points: 2_100 };
    assert!(matches!(c.send(&seller, terms(&c)), Err(TxError::Invoice(InvoiceError::NotTaxAuthority(_)))), "only a governed tax authority");
    assert!(matches!(c.gov(GovAction::GrantRole { account: c.id(&tax), role: Role::TaxAuthority }), ProposalStatus::Executed { .. }));
    c.ok(&seller, terms(&c));
    // A: the buyer pays 121.00 EUR (VAT included).
    let paid = c.pay(&user, &seller, 12_100).tx_id;
    let document = sha256(b"invoice PDF");
    let issue = |payment| TxBody::IssueInvoice { payment, document_digest: document };
    // B: only the named tax authority issues, once per payment.
    assert_eq!(c.send(&seller, issue(paid)).unwrap_err(), TxError::MissingRole(Role::TaxAuthority));
    assert!(matches!(c.send(&tax, issue(TxId([5; 32]))), Err(TxError::Invoice(InvoiceError::NotInvoiceable(_)))), "unknown payment");
    let unrelated = c.pay(&user, &employer, 10).tx_id;
    assert!(matches!(c.send(&tax, issue(unrelated)), Err(TxError::Invoice(InvoiceError::NotInvoiceable(_)))), "not to a seller with conditions");
    c.ok(&tax, issue(paid));
    assert!(matches!(c.send(&tax, issue(paid)), Err(TxError::Invoice(InvoiceError::PaymentInvoiced { .. }))), "a second invoice for the same payment");
    let invoice = invoice_id(&paid);
    let stored = c.state.invoice(&invoice).unwrap();
    assert_eq!((stored.amount, stored.vat, stored.buyer, stored.seller), (12_100, 2_100, c.id(&user), c.id(&seller)));
    // Wrong kind: a payment id is not an invoice.
    assert!(matches!(c.send(&employer, TxBody::ReimburseInvoice { invoice: paid.0 }), Err(TxError::Invoice(InvoiceError::UnknownInvoice(_)))));
    // C: reimbursed once.
    let user_before = c.eur(&c.id(&user));
    let receipt = c.ok(&employer, TxBody::ReimburseInvoice { invoice });
    assert_eq!(c.eur(&c.id(&user)), user_before + 12_100);
    let record = receipt.payment.unwrap().record;
    assert!(matches!(&record.outcome, PaymentOutcome::Settled { reference: Some(r), .. } if r.0 == invoice), "{record:?}");
    let e = c.send(&employer, TxBody::ReimburseInvoice { invoice }).unwrap_err();
    assert!(matches!(e, TxError::Invoice(InvoiceError::Spent { phase: "reimbursed", .. })), "{e}");
    assert_eq!(c.eur(&c.id(&user)), user_before + 12_100, "paid once");
    // D: only the seller clears the VAT, once.
    assert!(matches!(c.send(&employer, TxBody::ClearInvoiceTax { invoice }), Err(TxError::Invoice(InvoiceError::NotSeller { .. }))));
    c.ok(&seller, TxBody::ClearInvoiceTax { invoice });
    assert_eq!(c.eur(&c.id(&tax)), 2_100);
    assert!(matches!(c.send(&seller, TxBody::ClearInvoiceTax { invoice }), Err(TxError::Invoice(InvoiceError::Spent { phase: "tax_cleared", .. }))));
    // The module pauses like the other standard modules.
    assert!(matches!(c.gov(GovAction::SetModulePaused { name: "einvoice".into(), paused: true }), ProposalStatus::Executed { .. }));
    assert_eq!(c.send(&seller, terms(&c)).unwrap_err(), TxError::ModulePaused("einvoice"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Random call sequences (functions, inputs, fuel budgets, some too small): each call
    /// either succeeds or changes nothing, and the proposer's and the verifier's states agree
    /// after every block (`send_as` checks both).
    #[test]
    fn failed_calls_change_nothing_and_every_validator_agrees(
        calls in proptest::collection::vec((0usize..4, proptest::collection::vec(any::<u8>(), 0..12), 1u64..60_000), 1..10)
    ) {
        let mut c = Chain::new();
        let code = c.approve("counter", counter_code());
        let user = c.f.user.clone();
        let (counter, _) = c.instantiate(&user, code, vec![]).unwrap();
        for (function, input, fuel) in calls {
            let function = ["increment", "reset", "missing", "increment"][function];
            let before = (c.state.state_root(), c.state.log.size());
            let result = c.send(&user, TxBody::CallContract { contract: counter, function: function.into(), input, fuel });
            match result {
                Ok(r) => prop_assert!(r.contract.unwrap().fuel_used <= fuel),
                Err(_) => prop_assert_eq!((c.state.state_root(), c.state.log.size()), before),
            }
        }
    }
}

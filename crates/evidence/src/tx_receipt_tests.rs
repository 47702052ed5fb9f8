//! Transaction receipts built from a real ledger execution: the e-invoice phases up to the
//! tax authority's issuance (phase B), with a 3-of-4 certificate; the invoice verifies offline
//! and every tampered part fails at its step.

use crate::*;
use vellum_ledger::testkit::{fixture, key, open, sign, sign_multi};
use crate::receipt_tests::block;
use vellum_ledger::genesis_block;
use vellum_types::invoice::invoice_id;
use vellum_types::*;

/// A receipt of phase B and the genesis hash.
fn issuance() -> (TxReceipt, Hash32, TxId) {
    let f = fixture();
    let (mut genesis, seeds) = vellum_ledger::testkit::genesis_with_validators(4);
    genesis.accounts = f.genesis.accounts.clone();
    let validators: Vec<ed25519_consensus::SigningKey> = seeds.into_iter().map(ed25519_consensus::SigningKey::from).collect();
    let (state, _) = genesis_block(&genesis);
    let mut leaves = Vec::new();
    let (seller, tax) = (key("ed25519", 60), key("ed25519", 61));
    let issuer = f.issuer.public_key().account_id();
    let council = |n: u64, action: GovAction| {
        sign_multi(&[&f.council[0], &f.council[1]], f.council_id(), "vellum-test", n, TxBody::Propose { action, deadline_height: 500 })
    };
    let create = GovAction::CreateToken { symbol: "EUR".into(), decimals: 2, issuer, subledger: None, flags: TokenFlags::default() };
    let (state, _, _) = block(&state, &[council(0, create), sign(&f.registrar, "vellum-test", 0, open(&seller)), sign(&f.registrar, "vellum-test", 1, open(&tax))], &mut leaves);
    let grant = GovAction::GrantRole { account: tax.public_key().account_id(), role: Role::TaxAuthority };
    let mint = TxBody::Mint { token: "EUR".into(), to: f.user.public_key().account_id(), amount: 50_000 };
    let (state, _, _) = block(&state, &[council(1, grant), sign(&f.issuer, "vellum-test", 0, mint)], &mut leaves);
    let terms = TxBody::SetInvoicing { tax_authority: tax.public_key().account_id(), token: "EUR".into(), vat_basis_points: 2_100 };
    let (state, _, _) = block(&state, &[sign(&seller, "vellum-test", 0, terms)], &mut leaves);
    let legs = vec![Leg { to: seller.public_key().account_id(), token: "EUR".into(), amount: 12_100, convert: None }];
    let pay = sign(&f.user, "vellum-test", 0, TxBody::Transfer { legs, reference: None });
    let (state, _, _) = block(&state, std::slice::from_ref(&pay), &mut leaves);
    let issue = sign(&tax, "vellum-test", 0, TxBody::IssueInvoice { payment: pay.id(), document_digest: sha256(b"invoice.pdf") });
    let (_, receipts, header) = block(&state, std::slice::from_ref(&issue), &mut leaves);
    assert_eq!(leaves.len() as u64, header.log_size);
    let message = finalize_message(header.epoch, header.view, 2, &header.hash());
    let certificate = Certificate {
        parent_view: 2,
        signers: vec![0, 2, 3],
        signatures: [0usize, 2, 3].iter().map(|i| validators[*i].sign(&message).to_bytes()).collect(),
    };
    let invoice = receipts[0].invoice.clone().expect("the issuance appends the invoice record");
    assert_eq!(invoice.log_index, receipts[0].log_index + 1);
    let r = assemble_tx_receipt(
        (genesis.commitment(), header, certificate),
        (issue, receipts[0].log_index),
        vec![Appended::Invoice(Box::new(invoice.record))],
        &leaves,
        Vec::new(),
    )
    .unwrap();
    (r, genesis.hash(), pay.id())
}

#[test]
fn the_tax_authoritys_invoice_verifies_offline_and_names_its_payment() {
    let (r, genesis_hash, payment) = issuance();
    let bytes = r.to_bytes();
    assert_eq!(&bytes[..9], b"VELLUMTR\x01");
    let v = verify_tx_receipt(&bytes, Some(&genesis_hash)).unwrap();
    let [Appended::Invoice(record)] = v.appended.as_slice() else { panic!("{:?}", v.appended) };
    assert_eq!((record.invoice.payment, record.invoice.id.0, record.invoice.vat), (payment, invoice_id(&payment), 2_100));
    assert_eq!(v.tx.unsigned.sender, record.invoice.tax_authority, "issued by the tax authority that signed");
    assert_eq!(v.appended[0].to_json()["kind"], "invoice");
}

#[test]
fn every_tampered_part_of_a_transaction_receipt_fails_at_its_step() {
    let (good, genesis_hash, _) = issuance();
    let step = |r: &TxReceipt| verify_tx_receipt(&r.to_bytes(), Some(&genesis_hash)).unwrap_err().step;
    let mut r = good.clone();
    if let Appended::Invoice(i) = &mut r.appended[0].0 {
        i.invoice.amount += 1;
    }
    assert_eq!(step(&r), Step::LogInclusion, "a rewritten invoice is not the logged record");
    let mut r = good.clone();
    r.tx.unsigned.nonce += 1;
    assert_eq!(step(&r), Step::LogInclusion, "a rewritten transaction is not the logged one");
    let mut r = good.clone();
    r.appended.clear();
    assert_eq!(step(&r), Step::Decode, "a receipt proves at least one leaf");
    let mut r = good.clone();
    r.certificate.signers.pop();
    r.certificate.signatures.pop();
    assert_eq!(step(&r), Step::Certificate, "2 of 4 is no quorum");
    let mut r = good.clone();
    r.tx_index -= 1;
    assert_eq!(step(&r), Step::LogInclusion);
    assert_eq!(verify_tx_receipt(&good.to_bytes(), Some(&[0; 32])).unwrap_err().step, Step::Checkpoint);
    let bytes = good.to_bytes();
    assert_eq!(verify_tx_receipt(&bytes[..bytes.len() - 1], None).unwrap_err().step, Step::Decode);
    let mut other = bytes.clone();
    other[8] = 9;
    assert_eq!(verify_tx_receipt(&other, None).unwrap_err().step, Step::Decode, "an unknown version");
}

proptest::proptest! {
    #[test]
    fn decoding_arbitrary_transaction_receipts_never_panics(tail in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
        let mut bytes = TX_RECEIPT_MAGIC.to_vec();
        bytes.push(TX_RECEIPT_VERSION);
        bytes.extend(tail);
        let _ = verify_tx_receipt(&bytes, None);
    }
}

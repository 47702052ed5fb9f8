//! Receipts built from a real ledger execution (council creates a token, the issuer mints, a
//! user pays) with a 3-of-4 certificate; every tampered part fails at its step.

use crate::*;
use vellum_ledger::testkit::{fixture, key, open, sign, sign_multi};
use vellum_ledger::{LedgerState, build_block, execute_block, genesis_block};
use vellum_types::*;

/// Executes `txs` as the next block (all must apply), appending its log leaves to `leaves` in
/// log order; returns the state, the receipts and the header.
pub(crate) fn block(state: &LedgerState, txs: &[Transaction], leaves: &mut Vec<Hash32>) -> (LedgerState, Vec<vellum_ledger::TxReceipt>, BlockHeader) {
    let signers: Vec<Vec<PublicKey>> = txs.iter().map(|t| vellum_crypto::verify_tx(t).unwrap()).collect();
    let built = build_block(state, state.time_ms + 10, 0, state.height + 1, [1; 32], txs.iter().zip(signers.iter().map(Vec::as_slice)));
    assert!(built.rejected.is_empty(), "{:?}", built.rejected);
    let outcome = execute_block(state, &built.block).unwrap();
    for r in &outcome.receipts {
        leaves.push(r.leaf_hash);
        leaves.extend(r.evidence.iter().map(|e| e.leaf_hash));
        leaves.extend(r.invoice.iter().map(|i| i.leaf_hash));
        leaves.extend(r.payment.iter().map(|p| p.leaf_hash));
        if let Some(c) = &r.contract {
            leaves.extend(c.payments.iter().map(|p| p.leaf_hash).chain(c.events.iter().map(|e| e.leaf_hash)));
        }
    }
    (outcome.state, outcome.receipts, built.block.header)
}

fn receipt() -> (Receipt, Hash32) {
    let f = fixture();
    let (mut genesis, seeds) = vellum_ledger::testkit::genesis_with_validators(4);
    genesis.accounts = f.genesis.accounts.clone();
    let validators: Vec<ed25519_consensus::SigningKey> = seeds.into_iter().map(ed25519_consensus::SigningKey::from).collect();
    let (state, _) = genesis_block(&genesis);
    let mut leaves = Vec::new();
    let bob = key("ed25519", 50);
    let issuer = f.issuer.public_key().account_id();
    let create = TxBody::CreateToken { symbol: "EUR".into(), decimals: 2, issuer, subledger: None, flags: TokenFlags::default() };
    let (state, _, _) = block(
        &state,
        &[sign_multi(&[&f.council[0], &f.council[1]], f.council_id(), "vellum-test", 0, vellum_ledger::testkit::propose(create)), sign(&f.registrar, "vellum-test", 0, open(&bob))],
        &mut leaves,
    );
    let mint = TxBody::Mint { token: "EUR".into(), to: f.user.public_key().account_id(), amount: 500 };
    let (state, _, _) = block(&state, &[sign(&f.issuer, "vellum-test", 0, mint)], &mut leaves);
    let legs = vec![Leg { to: bob.public_key().account_id(), token: "EUR".into(), amount: 120, convert: None }];
    let pay = sign(&f.user, "vellum-test", 0, TxBody::Transfer { legs, reference: Some([7; 32]) });
    let (_, receipts, header) = block(&state, std::slice::from_ref(&pay), &mut leaves);
    assert_eq!(leaves.len() as u64, header.log_size);
    let message = finalize_message(header.epoch, header.view, 2, &header.hash());
    let certificate = Certificate {
        parent_view: 2,
        signers: vec![0, 2, 3],
        signatures: [0usize, 2, 3].iter().map(|i| validators[*i].sign(&message).to_bytes()).collect(),
    };
    let p = receipts[0].payment.clone().unwrap();
    let r = assemble_receipt(genesis.commitment(), header, certificate, pay, receipts[0].log_index, p.record, &leaves, Vec::new()).unwrap();
    (r, genesis.hash())
}

#[test]
fn a_receipt_verifies_offline_and_states_the_outcome() {
    let (r, genesis_hash) = receipt();
    let v = verify_receipt(&r.to_bytes(), Some(&genesis_hash)).unwrap();
    assert_eq!(v.certificate_signers, 3);
    let PaymentOutcome::Settled { legs, reference } = &v.record.outcome else { panic!() };
    assert_eq!((legs[0].credit_amount, reference.map(|r| r.0)), (120, Some([7; 32])));
}

#[test]
fn every_tampered_part_fails_at_its_step() {
    let (good, genesis_hash) = receipt();
    let step = |r: &Receipt| verify_receipt(&r.to_bytes(), Some(&genesis_hash)).unwrap_err().step;
    let mut r = good.clone();
    r.record.outcome = PaymentOutcome::Settled { legs: vec![], reference: None };
    assert_eq!(step(&r), Step::LogInclusion, "a rewritten outcome is not the logged record");
    let mut r = good.clone();
    if let TxBody::Transfer { legs, .. } = &mut r.tx.unsigned.body {
        legs[0].amount = 1;
    }
    assert_eq!(step(&r), Step::LogInclusion, "a rewritten transaction is not the logged one");
    let mut r = good.clone();
    r.certificate.signers.pop();
    r.certificate.signatures.pop();
    assert_eq!(step(&r), Step::Certificate, "2 of 4 is no quorum");
    let mut r = good.clone();
    r.tx_index += 1;
    assert_eq!(step(&r), Step::LogInclusion);
    assert_eq!(verify_receipt(&good.to_bytes(), Some(&[0; 32])).unwrap_err().step, Step::Checkpoint);
    let mut bytes = good.to_bytes();
    bytes[3] ^= 1;
    assert_eq!(verify_receipt(&bytes, None).unwrap_err().step, Step::Decode);
    let bytes = good.to_bytes();
    assert_eq!(verify_receipt(&bytes[..bytes.len() - 1], None).unwrap_err().step, Step::Decode);
}

proptest::proptest! {
    #[test]
    fn decoding_arbitrary_bytes_never_panics(tail in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
        let mut bytes = RECEIPT_MAGIC.to_vec();
        bytes.push(RECEIPT_VERSION);
        bytes.extend(tail);
        let _ = verify_receipt(&bytes, None);
    }
}

/// The example receipt in `docs/examples` (made on a devnet with the CLI) verifies against its
/// pinned genesis hash.
#[test]
fn the_documented_example_receipt_verifies() {
    let bytes = include_bytes!("../../../docs/examples/payment.vellumrc");
    let pinned = include_str!("../../../docs/examples/payment-genesis-hash.txt").trim();
    let mut genesis_hash = [0u8; 32];
    hex::decode_to_slice(pinned, &mut genesis_hash).unwrap();
    let v = verify_receipt(bytes, Some(&genesis_hash)).unwrap();
    let PaymentOutcome::Settled { legs, .. } = &v.record.outcome else { panic!() };
    assert_eq!(legs.iter().map(|l| l.credit_amount).collect::<Vec<_>>(), vec![11_900, 100]);
}

#[test]
fn a_log_anchor_proves_the_committed_log_and_refuses_tampering() {
    let (r, genesis_hash) = receipt();
    let good = LogAnchor { genesis: r.genesis.clone(), header: r.header.clone(), certificate: r.certificate.clone(), validator_chain: Vec::new() };
    let bytes = good.to_bytes();
    assert_eq!(&bytes[..9], b"VELLUMLA\x01");
    let v = verify_log_anchor(&bytes, &genesis_hash).unwrap();
    assert_eq!(
        (v.size, v.root, v.height, v.time_ms, v.signers, v.validators, v.validator_set_changes),
        (r.header.log_size, r.header.log_root, r.header.height, r.header.time_ms, 3, 4, 0)
    );
    let step = |a: &LogAnchor| verify_log_anchor(&a.to_bytes(), &genesis_hash).unwrap_err().step;
    assert_eq!(verify_log_anchor(&bytes, &[0; 32]).unwrap_err().step, Step::Checkpoint, "another chain's pin");
    let mut a = good.clone();
    a.header.log_root[0] ^= 1;
    assert_eq!(step(&a), Step::Certificate, "a rewritten root is not what the validators finalized");
    let mut a = good.clone();
    a.header.log_size += 1;
    assert_eq!(step(&a), Step::Certificate);
    let mut a = good.clone();
    a.certificate.signers.pop();
    a.certificate.signatures.pop();
    assert_eq!(step(&a), Step::Certificate, "2 of 4 is not a quorum");
    let mut a = good.clone();
    a.genesis.validators.pop();
    assert_eq!(step(&a), Step::Checkpoint, "another genesis commitment");
    // Other files of the same framing are not anchors; every truncation is refused.
    assert_eq!(verify_log_anchor(&r.to_bytes(), &genesis_hash).unwrap_err().step, Step::Decode);
    for n in 0..bytes.len() {
        assert!(verify_log_anchor(&bytes[..n], &genesis_hash).is_err(), "truncated to {n}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(verify_log_anchor(&longer, &genesis_hash).unwrap_err().step, Step::Decode, "trailing bytes");
}

/// Found by fuzzing: a version-1 file whose body reaches into the padding the decoder adds for
/// the sections version 1 leaves out (empty chain, no witnessed section) decoded, and then
/// re-encoded to other bytes (version 3). One evidence, one encoding: it is refused.
#[test]
fn a_body_that_reaches_into_the_padding_is_refused() {
    let bytes = include_bytes!("../../../fuzz/corpus/receipt_verify/regression-body-reaches-into-padding");
    let err = Receipt::decode(bytes).unwrap_err();
    assert!(err.to_string().contains("does not end where the file does"), "{err}");
    // Files the code writes still decode and re-encode to themselves.
    let (r, _) = receipt();
    assert_eq!(Receipt::decode(&r.to_bytes()).unwrap().to_bytes(), r.to_bytes());
}

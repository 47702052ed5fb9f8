//! Transaction receipts: one file that proves, offline, that a transaction was finalized and
//! what the leaves it appended after itself say — the payment records of a contract's
//! transfers and its events, or the invoice an `IssueInvoice` issued (X.1407 Appendix I,
//! phase B). Same anchor as evidence bundles and payment receipts (genesis commitment,
//! validator-set chain, finalization certificate); then the signed transaction at `tx_index`
//! and each following leaf at `tx_index + 1`, `tx_index + 2`, … with its inclusion proof.
//!
//! Layout: `VELLUMTR ‖ version 1 ‖ borsh(TxReceipt)` (`docs/evidence-format.md`).

use crate::bundle::Certificate;
use crate::verify::{Step, VerifyError, fail, verify_anchor};
use borsh::{BorshDeserialize, BorshSerialize};
use vellum_crypto::merkle::{Subtrees, inclusion_proof_from, leaf_hash, verify_inclusion};
use vellum_types::contract::ContractEvent;
use vellum_types::invoice::InvoiceRecord;
use vellum_types::{BlockHeader, GenesisCommitment, Hash32, PaymentRecord, PublicKey, Transaction, TxId};

pub const TX_RECEIPT_MAGIC: [u8; 8] = *b"VELLUMTR";
pub const TX_RECEIPT_VERSION: u8 = 1;
/// Most leaves one receipt carries after its transaction (a contract call's transfers and
/// events are bounded by the runtime's limits well below this).
pub const TX_RECEIPT_LEAVES_MAX: usize = 1_024;

/// A leaf a transaction appended after itself, by kind.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub enum Appended {
    /// A transfer's record (a contract's, from the contract account).
    Payment(PaymentRecord),
    /// An event a contract emitted.
    Event(ContractEvent),
    /// The invoice an `IssueInvoice` issued.
    Invoice(Box<InvoiceRecord>),
}

impl Appended {
    /// The leaf's JSON view: `{"kind": "payment" | "event" | "invoice", "record": …}`.
    pub fn to_json(&self) -> serde_json::Value {
        let (kind, record) = match self {
            Appended::Payment(r) => ("payment", serde_json::to_value(r)),
            Appended::Event(e) => ("event", serde_json::to_value(e)),
            Appended::Invoice(i) => ("invoice", serde_json::to_value(i)),
        };
        serde_json::json!({ "kind": kind, "record": record.expect("records serialize to JSON") })
    }

    fn leaf_bytes(&self) -> Vec<u8> {
        match self {
            Appended::Payment(r) => r.leaf_bytes(),
            Appended::Event(e) => e.leaf_bytes(),
            Appended::Invoice(i) => i.leaf_bytes(),
        }
    }

    fn tx_id(&self) -> TxId {
        match self {
            Appended::Payment(r) => r.tx_id,
            Appended::Event(e) => e.tx_id,
            Appended::Invoice(i) => i.tx_id,
        }
    }

    fn height(&self) -> u64 {
        match self {
            Appended::Payment(r) => r.height,
            Appended::Event(e) => e.height,
            Appended::Invoice(i) => i.height,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct TxReceipt {
    pub genesis: GenesisCommitment,
    /// A finalized header at or after the transaction.
    pub header: BlockHeader,
    pub certificate: Certificate,
    /// The signed transaction, exactly as it is in the log.
    pub tx: Transaction,
    pub tx_index: u64,
    pub tx_proof: Vec<Hash32>,
    /// The leaves right after it, in log order, each with its inclusion proof.
    pub appended: Vec<(Appended, Vec<Hash32>)>,
    /// See [`crate::Bundle::validator_chain`].
    pub validator_chain: Vec<crate::bundle::SetLink>,
    /// See [`crate::Bundle::witnessed`].
    pub witnessed: Option<crate::witness::Witnessed>,
}

impl crate::verify::Chained for TxReceipt {
    fn chain_len(&self) -> usize {
        self.validator_chain.len()
    }

    fn file_bytes(&self) -> Vec<u8> {
        self.to_bytes()
    }
}

impl TxReceipt {
    pub fn to_bytes(&self) -> Vec<u8> {
        crate::bundle::framed_full(&TX_RECEIPT_MAGIC, TX_RECEIPT_VERSION, self)
    }

    pub fn decode(bytes: &[u8]) -> Result<TxReceipt, VerifyError> {
        match crate::verify::file_version(bytes, &TX_RECEIPT_MAGIC) {
            Some(TX_RECEIPT_VERSION) => crate::verify::decode_body(bytes, "transaction receipt", &[]),
            Some(v) => fail(Step::Decode, format!("transaction receipt version {v} is not known to this build (it knows {TX_RECEIPT_VERSION})")),
            None => fail(Step::Decode, "not a transaction receipt (no VELLUMTR header)"),
        }
    }
}

/// Builds a transaction receipt from a finalized snapshot's log (at least
/// `[0, header.log_size)`); `None` when a leaf is not in the header's log or the log cannot
/// give its proofs.
pub fn assemble_tx_receipt(
    (genesis, header, certificate): (GenesisCommitment, BlockHeader, Certificate),
    (tx, tx_index): (Transaction, u64),
    appended: Vec<Appended>,
    log: &dyn Subtrees,
    validator_chain: Vec<crate::bundle::SetLink>,
) -> Option<TxReceipt> {
    if appended.len() > TX_RECEIPT_LEAVES_MAX || tx_index + appended.len() as u64 >= header.log_size {
        return None;
    }
    let size = header.log_size;
    let mut with_proofs = Vec::with_capacity(appended.len());
    for (k, a) in appended.into_iter().enumerate() {
        with_proofs.push((a, inclusion_proof_from(log, tx_index + 1 + k as u64, size).ok()?));
    }
    Some(TxReceipt {
        tx_proof: inclusion_proof_from(log, tx_index, size).ok()?,
        genesis,
        header,
        certificate,
        tx,
        tx_index,
        appended: with_proofs,
        validator_chain,
        witnessed: None,
    })
}

/// What a verified transaction receipt proves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedTxReceipt {
    pub genesis_hash: Hash32,
    pub chain_id: String,
    pub checkpoint_pinned: bool,
    pub tx: Transaction,
    /// Keys whose signatures on the transaction verified.
    pub signers: Vec<PublicKey>,
    pub tx_index: u64,
    /// The leaves after the transaction, in log order.
    pub appended: Vec<Appended>,
    pub header_height: u64,
    pub certificate_signers: usize,
    pub validators: usize,
    pub witnessed: Option<crate::checkpoint::Checkpoint>,
}

/// Verifies transaction-receipt bytes offline, optionally against a pinned genesis hash.
pub fn verify_tx_receipt(bytes: &[u8], checkpoint: Option<&Hash32>) -> Result<VerifiedTxReceipt, VerifyError> {
    let r = TxReceipt::decode(bytes)?;
    if r.appended.is_empty() || r.appended.len() > TX_RECEIPT_LEAVES_MAX {
        return fail(Step::Decode, format!("a transaction receipt proves 1..={TX_RECEIPT_LEAVES_MAX} leaves after its transaction"));
    }
    let mut note = |_: &str, _: &[u8]| {};
    let (genesis_hash, validators) = verify_anchor(&r.genesis, &r.header, &r.certificate, &r.validator_chain, checkpoint, &mut note)?;
    let h = &r.header;
    let tx_leaf = leaf_hash(&r.tx.leaf_bytes());
    verify_inclusion(r.tx_index, h.log_size, &tx_leaf, &r.tx_proof, &h.log_root)
        .or_else(|e| fail(Step::LogInclusion, format!("the transaction is not at log index {}: {e}", r.tx_index)))?;
    let tx_id = r.tx.id();
    for (k, (a, proof)) in r.appended.iter().enumerate() {
        let index = r.tx_index + 1 + k as u64;
        verify_inclusion(index, h.log_size, &leaf_hash(&a.leaf_bytes()), proof, &h.log_root)
            .or_else(|e| fail(Step::LogInclusion, format!("leaf {k} after the transaction is not at log index {index}: {e}")))?;
        if a.tx_id() != tx_id {
            return fail(Step::StateEntry, format!("leaf {k} after the transaction belongs to another transaction"));
        }
        if a.height() > h.height {
            return fail(Step::LogInclusion, format!("leaf {k} claims a height after the header that includes it"));
        }
    }
    let signers = vellum_crypto::verify_tx(&r.tx)
        .or_else(|e| fail(Step::StateEntry, format!("the transaction's signatures do not verify: {e}")))?;
    let covers = r.tx_index + 1 + r.appended.len() as u64;
    let witnessed = crate::verify::witnessed_log(r.witnessed.as_ref(), &r.genesis.chain_id, h, covers)?;
    Ok(VerifiedTxReceipt {
        genesis_hash,
        chain_id: r.genesis.chain_id.clone(),
        checkpoint_pinned: checkpoint.is_some(),
        signers,
        tx_index: r.tx_index,
        header_height: h.height,
        certificate_signers: r.certificate.signers.len(),
        validators,
        witnessed,
        appended: r.appended.into_iter().map(|(a, _)| a).collect(),
        tx: r.tx,
    })
}

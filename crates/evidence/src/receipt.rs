//! Payment receipts: one file that proves, offline, that a payment transaction was finalized
//! and what it did (legs, credited amounts, conversion quotes, hold). Same anchor as evidence
//! bundles (genesis commitment, validator set, finalization certificate); then both log
//! leaves: the signed transaction at `tx_index` and its payment record at `tx_index + 1`.
//!
//! Layout: `VELLUMRC ‖ version ‖ borsh(Receipt)`: version 1 without the validator chain and
//! the witnessed section, 2 with the chain, 3 with both (witnessed).

use crate::bundle::Certificate;
use crate::verify::{Step, VerifyError, fail, verify_anchor};
use borsh::{BorshDeserialize, BorshSerialize};
use vellum_crypto::merkle::{Subtrees, inclusion_proof_from, leaf_hash, verify_inclusion};
use vellum_types::{BlockHeader, GenesisCommitment, Hash32, PaymentRecord, PublicKey, Transaction};

pub const RECEIPT_MAGIC: [u8; 8] = *b"VELLUMRC";
pub const RECEIPT_VERSION: u8 = 1;
/// Version 3 appends the witnessed checkpoint; written only when witnesses cosigned.
pub const RECEIPT_VERSION_WITNESSED: u8 = 3;

#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Receipt {
    pub genesis: GenesisCommitment,
    /// A finalized header at or after the payment.
    pub header: BlockHeader,
    pub certificate: Certificate,
    /// The signed transaction, exactly as it is in the log.
    pub tx: Transaction,
    pub tx_index: u64,
    pub tx_proof: Vec<Hash32>,
    /// What the transaction did, the leaf right after it.
    pub record: PaymentRecord,
    pub record_proof: Vec<Hash32>,
    /// See [`crate::Bundle::validator_chain`].
    pub validator_chain: Vec<crate::bundle::SetLink>,
    /// See [`crate::Bundle::witnessed`] (version 3 only).
    pub witnessed: Option<crate::witness::Witnessed>,
}

impl crate::verify::Chained for Receipt {
    fn chain_len(&self) -> usize {
        self.validator_chain.len()
    }

    fn file_bytes(&self) -> Vec<u8> {
        self.to_bytes()
    }
}

impl Receipt {
    pub fn to_bytes(&self) -> Vec<u8> {
        if self.witnessed.is_none() {
            return crate::bundle::framed_with_trailer(&RECEIPT_MAGIC, self, self.validator_chain.is_empty(), 1);
        }
        crate::bundle::framed_full(&RECEIPT_MAGIC, RECEIPT_VERSION_WITNESSED, self)
    }

    /// Versions 1 and 2 read with no witnessed section; version 3 must carry one.
    pub fn decode(bytes: &[u8]) -> Result<Receipt, VerifyError> {
        if crate::verify::file_version(bytes, &RECEIPT_MAGIC) == Some(RECEIPT_VERSION_WITNESSED) {
            let r: Receipt = crate::verify::decode_body(bytes, "payment receipt", &[])?;
            if r.witnessed.is_none() {
                return fail(Step::Decode, "a version-3 payment receipt must carry the witnessed section (without it, it is version 1 or 2)");
            }
            return Ok(r);
        }
        crate::verify::decode_file_with_trailer(bytes, &RECEIPT_MAGIC, RECEIPT_VERSION, "payment receipt", &[0])
    }
}

/// Builds a receipt from a finalized snapshot's log (at least `[0, header.log_size)`); `None`
/// when the payment is not in the header's log or the log cannot give its proofs.
#[allow(clippy::too_many_arguments)] // each is a distinct part of the receipt
pub fn assemble_receipt(
    genesis: GenesisCommitment,
    header: BlockHeader,
    certificate: Certificate,
    tx: Transaction,
    tx_index: u64,
    record: PaymentRecord,
    log: &dyn Subtrees,
    validator_chain: Vec<crate::bundle::SetLink>,
) -> Option<Receipt> {
    if tx_index + 1 >= header.log_size {
        return None;
    }
    Some(Receipt {
        tx_proof: inclusion_proof_from(log, tx_index, header.log_size).ok()?,
        record_proof: inclusion_proof_from(log, tx_index + 1, header.log_size).ok()?,
        genesis,
        header,
        certificate,
        tx,
        tx_index,
        record,
        validator_chain,
        witnessed: None,
    })
}

/// What a verified receipt proves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedReceipt {
    pub genesis_hash: Hash32,
    pub chain_id: String,
    pub checkpoint_pinned: bool,
    pub tx: Transaction,
    /// Keys whose signatures on the transaction verified.
    pub signers: Vec<PublicKey>,
    pub record: PaymentRecord,
    pub header_height: u64,
    pub certificate_signers: usize,
    pub validators: usize,
    /// See [`crate::Verified::witnessed`].
    pub witnessed: Option<crate::checkpoint::Checkpoint>,
}

/// Verifies receipt bytes offline, optionally against a pinned genesis hash.
pub fn verify_receipt(bytes: &[u8], checkpoint: Option<&Hash32>) -> Result<VerifiedReceipt, VerifyError> {
    let r = Receipt::decode(bytes)?;
    let mut note = |_: &str, _: &[u8]| {};
    let (genesis_hash, validators) = verify_anchor(&r.genesis, &r.header, &r.certificate, &r.validator_chain, checkpoint, &mut note)?;
    let h = &r.header;
    let tx_leaf = leaf_hash(&r.tx.leaf_bytes());
    verify_inclusion(r.tx_index, h.log_size, &tx_leaf, &r.tx_proof, &h.log_root)
        .or_else(|e| fail(Step::LogInclusion, format!("the transaction is not at log index {}: {e}", r.tx_index)))?;
    let record_leaf = leaf_hash(&r.record.leaf_bytes());
    verify_inclusion(r.tx_index + 1, h.log_size, &record_leaf, &r.record_proof, &h.log_root)
        .or_else(|e| fail(Step::LogInclusion, format!("the payment record is not at log index {}: {e}", r.tx_index + 1)))?;
    if r.record.tx_id != r.tx.id() || r.record.sender != r.tx.unsigned.sender {
        return fail(Step::StateEntry, "the payment record belongs to another transaction");
    }
    if r.record.height > h.height || r.record.time_ms > h.time_ms {
        return fail(Step::LogInclusion, "the record claims a height or time after the header that includes it");
    }
    let signers = vellum_crypto::verify_tx(&r.tx)
        .or_else(|e| fail(Step::StateEntry, format!("the transaction's signatures do not verify: {e}")))?;
    let witnessed = crate::verify::witnessed_log(r.witnessed.as_ref(), &r.genesis.chain_id, h, r.tx_index + 2)?;
    Ok(VerifiedReceipt {
        genesis_hash,
        chain_id: r.genesis.chain_id.clone(),
        checkpoint_pinned: checkpoint.is_some(),
        signers,
        header_height: h.height,
        certificate_signers: r.certificate.signers.len(),
        validators,
        witnessed,
        record: r.record,
        tx: r.tx,
    })
}

//! E-invoices (X.1407 Appendix I, after IEEE 2142.1), a standard module of the ledger: the
//! seller sets its invoicing conditions; (A) the buyer pays the seller; (B) the tax authority
//! the conditions name issues the invoice, consuming the payment (one invoice per payment);
//! (C) a reimbursement consumes the invoice (at most once); (D) the seller clears the
//! invoice's VAT with the tax authority (at most once). Every reference is checked on the
//! ledger: unknown, spent twice or of the wrong kind is refused with its own error.

use crate::encoding::{canonical, domain};
use crate::hash::{AccountId, Hash32, TxId, sha256};
use crate::payment::Hash32Text;
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Highest VAT rate, in basis points (100 %).
pub const VAT_BASIS_POINTS_MAX: u32 = 10_000;

/// A seller's invoicing conditions, under `StateKey::Invoicing(seller)`.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct InvoicingTerms {
    /// The tax authority whose invoices for this seller are accepted (it must hold the
    /// `tax_authority` role, which governance grants).
    pub tax_authority: AccountId,
    /// The token payments to be invoiced are made in.
    pub token: String,
    /// VAT included in the price, in basis points of the net amount.
    pub vat_basis_points: u32,
    /// Changes of the conditions so far (1 for the first).
    pub version: u64,
    pub height: u64,
}

/// A payment the seller's conditions make invoiceable (phase A), under
/// `StateKey::InvoiceablePayment(tx_id)`: written when a single-leg transfer in the seller's
/// invoicing token settles to a seller that has conditions.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct InvoiceablePayment {
    pub tx_id: TxId,
    pub buyer: AccountId,
    pub seller: AccountId,
    pub token: String,
    #[serde(with = "crate::payment::u128_text")]
    pub amount: u128,
    pub height: u64,
    /// The invoice that consumed it (phase B), once issued.
    pub invoice: Option<Hash32Text>,
}

/// An issued invoice, under `StateKey::Invoice(id)`.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Invoice {
    pub id: Hash32Text,
    pub payment: TxId,
    pub seller: AccountId,
    pub buyer: AccountId,
    pub tax_authority: AccountId,
    pub token: String,
    /// Gross amount paid (VAT included).
    #[serde(with = "crate::payment::u128_text")]
    pub amount: u128,
    /// The VAT in `amount`: `amount × bp / (10,000 + bp)`, rounded down.
    #[serde(with = "crate::payment::u128_text")]
    pub vat: u128,
    /// Digest of the invoice document the tax authority issued.
    pub document_digest: Hash32Text,
    pub issued_height: u64,
    /// Phase C: who reimbursed it and when.
    pub reimbursed: Option<Spend>,
    /// Phase D: when its VAT was cleared.
    pub tax_cleared: Option<Spend>,
}

/// The log leaf an invoice's issuance appends after its transaction (phase B): what a
/// transaction receipt proves offline.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct InvoiceRecord {
    /// The `IssueInvoice` transaction.
    pub tx_id: TxId,
    pub height: u64,
    pub time_ms: u64,
    /// The invoice as issued (no phase has consumed it yet).
    pub invoice: Invoice,
}

impl InvoiceRecord {
    /// `INVOICE-RECORD tag ‖ version ‖ borsh(record)`: the log leaf data.
    pub fn leaf_bytes(&self) -> Vec<u8> {
        canonical(domain::INVOICE_RECORD, self)
    }
}

/// Who consumed an invoice in a phase, in which transaction and block.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Spend {
    pub by: AccountId,
    pub tx_id: TxId,
    pub height: u64,
}

/// The invoice id of the invoice issued for `payment`: `SHA-256(INVOICE-ID tag ‖ v ‖
/// borsh(payment))`. One payment has exactly one possible invoice id, which is what makes a
/// second invoice for it impossible to mistake for a new one.
pub fn invoice_id(payment: &TxId) -> Hash32 {
    sha256(&canonical(domain::INVOICE_ID, payment))
}

/// The VAT contained in a gross `amount` at `bp` basis points.
pub fn vat_in(amount: u128, bp: u32) -> u128 {
    // amount < 2^128 and bp ≤ 10,000 < 2^14: split to avoid overflow of amount × bp.
    let den = 10_000u128 + bp as u128;
    let (q, r) = (amount / den, amount % den);
    q * bp as u128 + r * bp as u128 / den
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vat_matches_the_direct_formula_and_never_overflows() {
        for (amount, bp) in [(12_100u128, 2_100u32), (100, 0), (1, 10_000), (999_999, 1_900)] {
            assert_eq!(vat_in(amount, bp), amount * bp as u128 / (10_000 + bp as u128));
        }
        assert!(vat_in(u128::MAX, VAT_BASIS_POINTS_MAX) <= u128::MAX / 2 + 1);
        assert_eq!(vat_in(12_100, 2_100), 2_100);
    }
}

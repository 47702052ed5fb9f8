//! E-invoices (X.1407 Appendix I), the `einvoice` standard module: a seller's invoicing
//! conditions, and the phases that consume one another like unspent outputs — a payment (A)
//! is consumed by the one invoice its seller's tax authority issues for it (B); the invoice is
//! consumed once by a reimbursement (C) and once by the seller's VAT clearance (D). Each phase
//! is a transaction in the log; the payments of C and D are payment records that reference the
//! invoice id, so receipts and bundles show every phase offline.

use crate::env::BlockEnv;
use crate::error::{InvoiceError, TxError};
use crate::payments::{self, Payment};
use crate::state::LedgerState;
use std::collections::BTreeSet;
use vellum_types::invoice::{Invoice, InvoiceRecord, InvoiceablePayment, InvoicingTerms, Spend, invoice_id, vat_in};
use vellum_types::payment::{Hash32Text, SettledLeg};
use vellum_types::{Account, AccountId, Hash32, Leg, PaymentRecord, Role, StateKey, Transaction, TxId};

type Touched = BTreeSet<Hash32>;

/// An e-invoice body with its fields: `apply_tx` builds one per variant in its exhaustive match.
pub(crate) enum InvoiceTx<'a> {
    SetTerms { tax_authority: &'a AccountId, token: &'a String, vat_basis_points: u32 },
    Issue { payment: &'a TxId, document_digest: &'a Hash32 },
    Reimburse { invoice: &'a Hash32 },
    ClearTax { invoice: &'a Hash32 },
}

/// What an e-invoice body leaves for the log after its transaction: the record of the payment
/// it made (phases C and D), or the invoice it issued (phase B).
pub(crate) enum Appended {
    Nothing,
    Payment(Option<PaymentRecord>),
    Issued(Box<InvoiceRecord>),
}

/// Executes an e-invoice body.
pub(crate) fn apply(
    state: &mut LedgerState,
    sender: &mut Account,
    tx: &Transaction,
    body: InvoiceTx<'_>,
    env: BlockEnv,
    touched: &mut Touched,
) -> Result<Appended, TxError> {
    match body {
        InvoiceTx::SetTerms { tax_authority, token, vat_basis_points } => {
            state.token(token).ok_or_else(|| TxError::UnknownToken(token.clone()))?;
            let authority = state.account(tax_authority).ok_or(TxError::UnknownAccount(*tax_authority))?;
            if !authority.has_role(Role::TaxAuthority) {
                return Err(InvoiceError::NotTaxAuthority(*tax_authority).into());
            }
            let version = state.invoicing(&sender.id).map_or(1, |t| t.version + 1);
            let terms = InvoicingTerms { tax_authority: *tax_authority, token: token.clone(), vat_basis_points, version, height: env.height };
            touched.insert(state.put_value(&StateKey::Invoicing(sender.id), &terms));
            Ok(Appended::Nothing)
        }
        InvoiceTx::Issue { payment, document_digest } => {
            let invoice = issue(state, sender, (payment, document_digest), env, touched)?;
            Ok(Appended::Issued(Box::new(InvoiceRecord { tx_id: tx.id(), height: env.height, time_ms: env.time_ms, invoice })))
        }
        InvoiceTx::Reimburse { invoice: id } => {
            let mut invoice = state.invoice(id).ok_or_else(|| InvoiceError::UnknownInvoice(hex::encode(id)))?;
            if let Some(spent) = &invoice.reimbursed {
                return Err(InvoiceError::Spent { invoice: hex::encode(id), phase: "reimbursed", tx: spent.tx_id.to_hex() }.into());
            }
            invoice.reimbursed = Some(Spend { by: sender.id, tx_id: tx.id(), height: env.height });
            touched.insert(state.put_value(&StateKey::Invoice(*id), &invoice));
            let legs = [Leg { to: invoice.buyer, token: invoice.token.clone(), amount: invoice.amount, convert: None }];
            payments::apply(state, sender, tx, Payment::Transfer { legs: &legs, reference: &Some(*id) }, env, touched).map(Appended::Payment)
        }
        InvoiceTx::ClearTax { invoice: id } => {
            let mut invoice = state.invoice(id).ok_or_else(|| InvoiceError::UnknownInvoice(hex::encode(id)))?;
            if invoice.seller != sender.id {
                return Err(InvoiceError::NotSeller { invoice: hex::encode(id), seller: invoice.seller }.into());
            }
            if let Some(spent) = &invoice.tax_cleared {
                return Err(InvoiceError::Spent { invoice: hex::encode(id), phase: "tax_cleared", tx: spent.tx_id.to_hex() }.into());
            }
            invoice.tax_cleared = Some(Spend { by: sender.id, tx_id: tx.id(), height: env.height });
            touched.insert(state.put_value(&StateKey::Invoice(*id), &invoice));
            if invoice.vat == 0 {
                return Ok(Appended::Nothing);
            }
            let legs = [Leg { to: invoice.tax_authority, token: invoice.token.clone(), amount: invoice.vat, convert: None }];
            payments::apply(state, sender, tx, Payment::Transfer { legs: &legs, reference: &Some(*id) }, env, touched).map(Appended::Payment)
        }
    }
}

/// Phase B: only the tax authority the seller's conditions name issues, and only once per
/// payment.
fn issue(
    state: &mut LedgerState,
    sender: &Account,
    (payment_id, document_digest): (&TxId, &Hash32),
    env: BlockEnv,
    touched: &mut Touched,
) -> Result<Invoice, TxError> {
    if !sender.has_role(Role::TaxAuthority) {
        return Err(TxError::MissingRole(Role::TaxAuthority));
    }
    let mut payment = state.invoiceable_payment(payment_id).ok_or_else(|| InvoiceError::NotInvoiceable(payment_id.to_hex()))?;
    if let Some(invoice) = payment.invoice {
        return Err(InvoiceError::PaymentInvoiced { payment: payment_id.to_hex(), invoice: invoice.to_string() }.into());
    }
    let terms = state.invoicing(&payment.seller).expect("a payment is invoiceable only under conditions");
    if terms.tax_authority != sender.id {
        return Err(InvoiceError::NotTaxAuthority(sender.id).into());
    }
    let id = invoice_id(payment_id);
    let invoice = Invoice {
        id: Hash32Text(id),
        payment: *payment_id,
        seller: payment.seller,
        buyer: payment.buyer,
        tax_authority: sender.id,
        token: payment.token.clone(),
        amount: payment.amount,
        vat: vat_in(payment.amount, terms.vat_basis_points),
        document_digest: Hash32Text(*document_digest),
        issued_height: env.height,
        reimbursed: None,
        tax_cleared: None,
    };
    payment.invoice = Some(Hash32Text(id));
    touched.insert(state.put_value(&StateKey::InvoiceablePayment(*payment_id), &payment));
    touched.insert(state.put_value(&StateKey::Invoice(id), &invoice));
    Ok(invoice)
}

/// Phase A: a settled single-leg payment, in its token, to a seller with invoicing conditions
/// becomes invoiceable (called by the payments module when a transfer settles, at once or when
/// its hold is posted).
pub(crate) fn note_payment(state: &mut LedgerState, tx_id: TxId, buyer: AccountId, legs: &[SettledLeg], env: BlockEnv, touched: &mut Touched) {
    let [leg] = legs else { return };
    if leg.conversion.is_some() {
        return;
    }
    let Some(terms) = state.invoicing(&leg.to) else { return };
    // One record per transaction: a contract that pays a seller twice in one call makes only
    // its first payment invoiceable.
    if terms.token != leg.token || state.invoiceable_payment(&tx_id).is_some() {
        return;
    }
    let payment = InvoiceablePayment {
        tx_id,
        buyer,
        seller: leg.to,
        token: leg.token.clone(),
        amount: leg.amount,
        height: env.height,
        invoice: None,
    };
    touched.insert(state.put_value(&StateKey::InvoiceablePayment(tx_id), &payment));
}

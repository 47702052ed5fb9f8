//! `vellum invoice`: the e-invoice lifecycle of X.1407 Appendix I on the ledger's `einvoice`
//! module. The seller sets its conditions (`terms`); the buyer pays with `vellum pay` (phase
//! A); the seller's tax authority issues the invoice of that payment (`issue`, phase B); a
//! reimburser pays the buyer back against it (`reimburse`, C); the seller pays its VAT
//! (`clear-tax`, D). Each phase consumes its reference once: the ledger refuses a second
//! invoice for a payment, a second reimbursement, a second clearance.

use crate::pay::{account_arg, signed_json};
use crate::proof::hex32;
use crate::{Target, print, resolve_key, send};
use anyhow::{Context, Result};
use clap::Subcommand;
use serde_json::{Value, json};
use std::path::PathBuf;
use vellum_types::invoice::invoice_id;
use vellum_types::{TxBody, TxId};

#[derive(Subcommand)]
pub(crate) enum InvoiceCommand {
    /// Set (or replace) the seller's invoicing conditions: its tax authority, the token, the VAT.
    Terms {
        #[command(flatten)]
        target: Target,
        /// The seller's key.
        #[arg(long)]
        key: String,
        /// The tax authority (account id or key name); it must hold the `tax_authority` role.
        #[arg(long)]
        tax_authority: String,
        #[arg(long)]
        token: String,
        /// VAT included in prices, in basis points (2100 = 21 %).
        #[arg(long)]
        vat_bp: u32,
    },
    /// Phase B (the tax authority): issue the invoice of a payment, consuming it.
    Issue {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        key: String,
        /// The payment's transaction hash.
        payment: String,
        /// The invoice document (its SHA-256 goes on the ledger).
        #[arg(long)]
        document: PathBuf,
    },
    /// Phase C: pay the invoice's buyer its gross amount, consuming the invoice.
    Reimburse {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        key: String,
        invoice: String,
    },
    /// Phase D (the seller): pay the invoice's VAT to the tax authority.
    ClearTax {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        key: String,
        invoice: String,
    },
    /// An invoice and the phases that consumed it (its parties, auditors, compliance).
    Show {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        key: String,
        invoice: String,
    },
}

fn tx_id(text: &str, what: &str) -> Result<TxId> {
    hex32(text.trim(), what).map(TxId)
}

pub(crate) fn run(command: InvoiceCommand, json: bool) -> Result<()> {
    match command {
        InvoiceCommand::Terms { target, key, tax_authority, token, vat_bp } => {
            let body = TxBody::SetInvoicing { tax_authority: account_arg(&target, &tax_authority)?, token, vat_basis_points: vat_bp };
            let r = send(&target, &key, body)?;
            print(json, &r, || format!("invoicing conditions set at height {}", r["height"]));
        }
        InvoiceCommand::Issue { target, key, payment, document } => {
            let payment = tx_id(&payment, "the payment")?;
            let bytes = std::fs::read(&document).with_context(|| format!("cannot read {}", document.display()))?;
            let r = send(&target, &key, TxBody::IssueInvoice { payment, document_digest: vellum_types::sha256(&bytes) })?;
            let invoice = hex::encode(invoice_id(&payment));
            let v = json!({ "tx": r, "invoice": invoice });
            print(json, &v, || format!("invoice {invoice} issued for payment {payment} at height {}", r["height"]));
        }
        InvoiceCommand::Reimburse { target, key, invoice } => {
            let invoice = hex32(&invoice, "the invoice id")?;
            let r = send(&target, &key, TxBody::ReimburseInvoice { invoice })?;
            phase_done(json, &r, format!("invoice {} reimbursed", hex::encode(invoice)));
        }
        InvoiceCommand::ClearTax { target, key, invoice } => {
            let invoice = hex32(&invoice, "the invoice id")?;
            let r = send(&target, &key, TxBody::ClearInvoiceTax { invoice })?;
            phase_done(json, &r, format!("VAT of invoice {} cleared", hex::encode(invoice)));
        }
        InvoiceCommand::Show { target, key, invoice } => {
            let signer = resolve_key(&target, &key)?;
            let v = signed_json(&target, &target.client()?, &signer, &format!("/v1/invoice/{invoice}"))?;
            print(json, &v, || serde_json::to_string_pretty(&v["invoice"]).unwrap_or_default());
        }
    }
    Ok(())
}

fn phase_done(json: bool, r: &Value, what: String) {
    print(json, r, || format!("{what} at height {} (transaction {}; `vellum receipt` proves its payment offline)", r["height"], r["hash"].as_str().or(r["tx_hash"].as_str()).unwrap_or_default()));
}

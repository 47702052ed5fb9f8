//! What a block tells its transactions about the world ([`BlockEnv`]), and what executing
//! them yields (receipts, the evidence records they appended, the block's outcome). Its own
//! module so the ledger's modules depend on it and on [`crate::state`] only, never on each
//! other through the executor.

use crate::state::LedgerState;
use vellum_types::{EvidenceRecord, Hash32, PaymentRecord, TxId};

/// What the block being executed tells its transactions about the world.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockEnv {
    pub height: u64,
    pub time_ms: u64,
}

/// Where an executed transaction landed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxReceipt {
    pub tx_id: TxId,
    pub height: u64,
    /// Position within the block.
    pub index: u32,
    /// Position in the RFC 6962 log, and the leaf hash stored there.
    pub log_index: u64,
    pub leaf_hash: Hash32,
    /// The evidence record a registration appended right after its transaction leaf.
    pub evidence: Option<Evidence>,
    /// The payment record a transfer or hold decision appended right after its transaction leaf.
    pub payment: Option<PaymentEvidence>,
    /// What a contract instantiation or call did (after the transaction leaf: its transfers'
    /// payment records, then its events).
    pub contract: Option<ContractEvidence>,
    /// The invoice an `IssueInvoice` issued, appended right after its transaction leaf.
    pub invoice: Option<InvoiceEvidence>,
}

/// An issued invoice's record and where its leaf is in the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceEvidence {
    pub record: vellum_types::invoice::InvoiceRecord,
    pub log_index: u64,
    pub leaf_hash: Hash32,
}

/// A contract transaction's result and the log leaves it appended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContractEvidence {
    /// The contract the transaction named (the new one, for an instantiation).
    pub contract: vellum_types::AccountId,
    pub output: Vec<u8>,
    pub fuel_used: u64,
    pub payments: Vec<PaymentEvidence>,
    pub events: Vec<EventEvidence>,
}

/// A contract event and where its leaf is in the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventEvidence {
    pub event: vellum_types::contract::ContractEvent,
    pub log_index: u64,
    pub leaf_hash: Hash32,
}

/// A payment record and where its leaf is in the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentEvidence {
    pub record: PaymentRecord,
    pub log_index: u64,
    pub leaf_hash: Hash32,
}

/// An evidence record and where its leaf is in the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    pub record: EvidenceRecord,
    pub log_index: u64,
    pub leaf_hash: Hash32,
}

/// The result of executing a block: the new state, a receipt per transaction, and the state
/// keys it wrote (sorted), which is what storage must persist.
#[derive(Clone, Debug)]
pub struct BlockOutcome {
    pub state: LedgerState,
    pub receipts: Vec<TxReceipt>,
    pub touched: Vec<Hash32>,
}

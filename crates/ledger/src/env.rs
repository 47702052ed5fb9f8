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

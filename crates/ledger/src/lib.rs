//! The Vellum ledger: a pure, deterministic state machine.
//!
//! `execute_block(parent_state, block) -> state` is the only way state changes after genesis.
//! Nothing in this crate reads a clock, draws randomness, does I/O or iterates a hash map:
//! block time comes from the block header (agreed by consensus), and every collection that is
//! iterated is ordered. Validators run the same code on the same blocks and so reach the same
//! state root; the node only decides *which* blocks (consensus) and keeps them (storage).

mod block;
mod contracts;
mod env;
mod error;
mod exec;
mod governance;
mod invoices;
mod issuers;
mod keylife;
mod kyc;
mod monitoring;
mod payments;
mod proofs;
mod recovery;
mod state;
pub mod validators;

pub use error::{BlockError, ContractError, InvoiceError, TxError};
pub use block::{BlockRun, Built, Commitments, Finished, PushError, build_block, execute_block, execute_block_with, genesis_block};
pub use contracts::ContractOutcome;
pub use env::{BlockEnv, BlockOutcome, ContractEvidence, EventEvidence, Evidence, InvoiceEvidence, PaymentEvidence, TxReceipt};
pub use exec::apply_tx;
pub use proofs::BatchMembersProgress;
pub use state::{LedgerState, StateKey};

#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod payment_tests;
#[cfg(test)]
mod monitoring_tests;
#[cfg(test)]
mod contract_tests;
#[cfg(test)]
mod governance_tests;
#[cfg(test)]
mod proof_status_tests;
#[cfg(test)]
mod holders_tests;
#[cfg(test)]
mod issuers_tests;
#[cfg(test)]
mod validators_tests;

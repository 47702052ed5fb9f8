//! Evidence bundles (X.1407 7.2.2 b): one self-contained file that proves, with no network and
//! no trust in any operator, that a document's digest was registered on a Vellum chain at a
//! time, by an account, and what its status is.
//!
//! The chain of evidence, checked in this order by [`verify`] (each failure names its step):
//!
//! 1. **decode** — magic, version, size limit, canonical borsh;
//! 2. **checkpoint** — the genesis commitment hashes to the pinned genesis hash;
//! 3. **validator set** — the header's validator-set hash matches the genesis validators;
//! 4. **certificate** — more than 2/3 of those validators signed the finalize vote for the
//!    header's hash (Commonware simplex message format, Ed25519);
//! 5. **log inclusion** — the evidence record's leaf is in the RFC 6962 log whose root and size
//!    the header commits to;
//! 6. **state entry** — the proof's state entry (record hash, log position, status) is in the
//!    authenticated state map whose root the header commits to;
//! 7. **batch inclusion** — for a batch, the document's digest is leaf `index` of the batch
//!    root, and the member's status entry (or its absence) is proven against the state root;
//! 8. **document** — the document (if given) hashes to the registered digest (through the salt
//!    when the registration is salted);
//! 9. **status** — a fresh status proof ([`StatusProof`], steps 1–4, 6 and 7 of its own) is for
//!    the bundle's chain, registration and member, and not older than the bundle;
//! 10. **witnesses** — a witnessed section (bundle version 4, receipt version 3) is a checkpoint
//!     of this chain's log, consistent with the header's and covering the proven entries; under
//!     a witness policy ([`check_witness_policy`]), k of the policy's witnesses cosigned it.
//!
//! The byte-level specification is `docs/evidence-format.md`.

mod assemble;
mod bundle;
pub mod credential;
mod issuer;
pub mod checkpoint;
mod log_anchor;
#[cfg(feature = "timestamp")]
pub mod timestamp;
mod receipt;
mod tx_receipt;
mod status;
mod verify;
pub mod witness;

pub use assemble::{AssembleError, Snapshot, assemble, assemble_status, batch_root};

pub use issuer::IssuerCheck;
pub use bundle::{
    IssuerEvidence, BUNDLE_VERSION_ISSUER, BUNDLE_VERSION_WITNESSED,
    BUNDLE_BYTES_MAX, BUNDLE_MAGIC, BUNDLE_VERSION, Bundle, Certificate, DocumentOpening, MemberEvidence,
    finalize_message, CONSENSUS_NAMESPACE, BUNDLE_VERSION_CHAINED, SetLink,
};
pub use log_anchor::{LOG_ANCHOR_MAGIC, LOG_ANCHOR_VERSION, LogAnchor, VerifiedLogAnchor, verify_log_anchor};
pub use receipt::{RECEIPT_MAGIC, RECEIPT_VERSION, Receipt, VerifiedReceipt, assemble_receipt, verify_receipt};
pub use tx_receipt::{Appended, TX_RECEIPT_MAGIC, TX_RECEIPT_VERSION, TxReceipt, VerifiedTxReceipt, assemble_tx_receipt, verify_tx_receipt};
pub use status::{MemberStatus, STATUS_PROOF_MAGIC, STATUS_PROOF_VERSION, StatusNow, StatusProof, VerifiedStatus, status_now, verify_status};
pub use verify::{DocumentCheck, Step, Verified, VerifyError, check_witness_policy, decode, verify, verify_bundle};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod receipt_tests;
#[cfg(test)]
mod tx_receipt_tests;
#[cfg(test)]
mod status_tests;
#[cfg(test)]
mod witnessed_tests;

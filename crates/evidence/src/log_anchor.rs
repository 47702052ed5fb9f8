//! Log anchors: one file that proves, offline from the pinned genesis, that the finalized chain
//! committed its RFC 6962 log at a size and root. Same anchor as evidence bundles and payment
//! receipts (genesis commitment, chain of validator-set changes, finalization certificate of a
//! header whose `log_size`/`log_root` are the checkpoint's).
//!
//! Why it exists next to the C2SP checkpoint note: a note's signatures are by validators' note
//! keys, and an offline reader only knows the genesis validators' keys. After governance has
//! replaced a quorum of them, no note can be checked from genesis alone; an anchor still can,
//! because it carries the set changes and each is finalized by the set before it.
//!
//! Layout: `VELLUMLA ‖ version ‖ borsh(LogAnchor)` (version 1 without the chain, 2 with it,
//! as bundles).

use crate::bundle::{Certificate, SetLink};
use crate::verify::{Step, VerifyError, fail, verify_anchor};
use borsh::{BorshDeserialize, BorshSerialize};
use vellum_types::{BlockHeader, GenesisCommitment, Hash32};

pub const LOG_ANCHOR_MAGIC: [u8; 8] = *b"VELLUMLA";
pub const LOG_ANCHOR_VERSION: u8 = 1;

#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct LogAnchor {
    pub genesis: GenesisCommitment,
    /// The finalized header whose `log_size` and `log_root` are anchored.
    pub header: BlockHeader,
    pub certificate: Certificate,
    /// See [`crate::Bundle::validator_chain`].
    pub validator_chain: Vec<SetLink>,
}

impl crate::verify::Chained for LogAnchor {
    fn chain_len(&self) -> usize {
        self.validator_chain.len()
    }

    fn file_bytes(&self) -> Vec<u8> {
        self.to_bytes()
    }
}

impl LogAnchor {
    pub fn to_bytes(&self) -> Vec<u8> {
        crate::bundle::framed(&LOG_ANCHOR_MAGIC, self, self.validator_chain.is_empty())
    }

    pub fn decode(bytes: &[u8]) -> Result<LogAnchor, VerifyError> {
        crate::verify::decode_file(bytes, &LOG_ANCHOR_MAGIC, LOG_ANCHOR_VERSION, "log anchor")
    }

    /// Verifies a decoded anchor; see [`verify_log_anchor`].
    pub fn verify(&self, pinned: &Hash32) -> Result<VerifiedLogAnchor, VerifyError> {
        let mut note = |_: &str, _: &[u8]| {};
        let (genesis_hash, validators) =
            verify_anchor(&self.genesis, &self.header, &self.certificate, &self.validator_chain, Some(pinned), &mut note)?;
        if self.header.log_size == 0 {
            return fail(Step::LogInclusion, "the anchored header commits an empty log");
        }
        Ok(VerifiedLogAnchor {
            genesis_hash,
            chain_id: self.genesis.chain_id.clone(),
            size: self.header.log_size,
            root: self.header.log_root,
            height: self.header.height,
            time_ms: self.header.time_ms,
            signers: self.certificate.signers.len(),
            validators,
            validator_set_changes: self.validator_chain.len(),
        })
    }
}

/// What a verified log anchor proves: the chain `chain_id` (genesis `genesis_hash`) finalized
/// block `height` at `time_ms`, committing the log at `size` entries with root `root`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedLogAnchor {
    pub genesis_hash: Hash32,
    pub chain_id: String,
    pub size: u64,
    pub root: Hash32,
    pub height: u64,
    pub time_ms: u64,
    /// Validators that signed the header, of how many.
    pub signers: usize,
    pub validators: usize,
    pub validator_set_changes: usize,
}

/// Verifies log-anchor bytes offline against the pinned genesis hash (required: an anchor that
/// is not tied to a known chain proves nothing).
pub fn verify_log_anchor(bytes: &[u8], pinned: &Hash32) -> Result<VerifiedLogAnchor, VerifyError> {
    LogAnchor::decode(bytes)?.verify(pinned)
}

//! The validator set on the ledger: changes made by governance take effect at the next epoch
//! boundary, and each change is recorded so evidence can follow the chain of validator sets
//! from the genesis (X.1407 9.2.1 b, 9.2.3 e).

use crate::genesis::{GenesisValidator, validator_set_hash};
use crate::hash::{AccountId, Hash32};
use crate::payment::Hash32Text;
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Largest misbehaviour evidence a report may carry (two signed votes with their proposals).
pub const MISBEHAVIOR_EVIDENCE_BYTES_MAX: usize = 4096;

/// The set of validators that signs the blocks of epochs `effective_epoch..` (until the next
/// change), under `StateKey::ValidatorSet` (the one in force) and
/// `StateKey::ValidatorSetChange(seq)` (every change, `seq` from 1; the genesis set is seq 0).
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct ValidatorSetRecord {
    pub seq: u64,
    pub effective_epoch: u64,
    /// The last block of the previous epoch: the block whose execution installed this set (0
    /// for the genesis set).
    pub boundary_height: u64,
    /// Sorted by consensus key (the order of certificate signer indices).
    pub validators: Vec<GenesisValidator>,
}

impl ValidatorSetRecord {
    pub fn sorted_keys(&self) -> Vec<[u8; 32]> {
        self.validators.iter().map(|v| v.consensus_key).collect()
    }

    /// The hash every block header of these epochs carries.
    pub fn hash(&self) -> Hash32 {
        validator_set_hash(&self.sorted_keys())
    }

    pub fn contains(&self, key: &[u8; 32]) -> bool {
        self.validators.iter().any(|v| &v.consensus_key == key)
    }
}

/// Sorts validators by consensus key (the order Commonware gives participants).
/// Signatures that finalize a block among `n` validators: more than 2/3 (`n − ⌊(n−1)/3⌋`),
/// as Commonware's simplex counts them. Checkpoint notes use the same quorum.
pub fn quorum(n: usize) -> usize {
    assert!(n > 0, "a validator set is never empty");
    n - (n - 1) / 3
}

pub fn sort_validators(validators: &mut [GenesisValidator]) {
    validators.sort_by_key(|v| v.consensus_key);
}

/// What a validator did wrong, as Commonware's simplex proved it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MisbehaviorKind {
    /// Two notarize votes for different proposals in one view (equivocation).
    ConflictingNotarize,
    /// Two finalize votes for different proposals in one view (equivocation).
    ConflictingFinalize,
    /// A nullify and a finalize vote in one view.
    NullifyFinalize,
}

impl MisbehaviorKind {
    pub fn name(self) -> &'static str {
        match self {
            MisbehaviorKind::ConflictingNotarize => "conflicting_notarize",
            MisbehaviorKind::ConflictingFinalize => "conflicting_finalize",
            MisbehaviorKind::NullifyFinalize => "nullify_finalize",
        }
    }
}

/// Namespace of every consensus signature (Commonware simplex appends `_NOTARIZE`,
/// `_NULLIFY` or `_FINALIZE`).
pub const CONSENSUS_NAMESPACE: &[u8] = b"VELLUM_CONSENSUS";

/// Which consensus vote a signature is on.
#[derive(Clone, Copy, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub enum VoteKind {
    Notarize,
    Nullify,
    Finalize,
}

/// One signed consensus vote of the accused validator in the reported view. `parent_view`
/// and `payload` (the block digest) are zero for a nullify, which names only the round.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub struct SignedVote {
    pub kind: VoteKind,
    pub parent_view: u64,
    pub payload: Hash32,
    pub signature: [u8; 64],
}

/// The evidence of a `ReportMisbehavior` transaction, `borsh` in its `evidence` field: two
/// votes no honest validator signs together. The ledger re-verifies both signatures against
/// the accused's key, so a report cannot be made up.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub struct MisbehaviorEvidence {
    pub first: SignedVote,
    pub second: SignedVote,
}

impl MisbehaviorEvidence {
    /// Whether the two votes are the conflict `kind` names.
    pub fn check_shape(&self, kind: MisbehaviorKind) -> Result<(), &'static str> {
        let (a, b) = (&self.first, &self.second);
        let differ = (a.parent_view, a.payload) != (b.parent_view, b.payload);
        match kind {
            MisbehaviorKind::ConflictingNotarize if a.kind == VoteKind::Notarize && b.kind == VoteKind::Notarize && differ => Ok(()),
            MisbehaviorKind::ConflictingFinalize if a.kind == VoteKind::Finalize && b.kind == VoteKind::Finalize && differ => Ok(()),
            MisbehaviorKind::NullifyFinalize if a.kind == VoteKind::Nullify && b.kind == VoteKind::Finalize => Ok(()),
            MisbehaviorKind::ConflictingNotarize => Err("conflicting_notarize needs two notarize votes for different proposals"),
            MisbehaviorKind::ConflictingFinalize => Err("conflicting_finalize needs two finalize votes for different proposals"),
            MisbehaviorKind::NullifyFinalize => Err("nullify_finalize needs a nullify then a finalize vote"),
        }
    }
}

/// LEB128 (Commonware `UInt`): 7 bits per byte, least significant first, high bit = more.
pub fn varint(mut value: u64, out: &mut Vec<u8>) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// The exact bytes a validator signs for a simplex vote:
/// `varint(len(ns)) ‖ ns ‖ varint(epoch) ‖ varint(view) [‖ varint(parent_view) ‖ payload]`,
/// `ns = "VELLUM_CONSENSUS" ‖ ("_NOTARIZE" | "_NULLIFY" | "_FINALIZE")`; a nullify signs the
/// round only.
pub fn vote_message(kind: VoteKind, epoch: u64, view: u64, parent_view: u64, payload: &Hash32) -> Vec<u8> {
    let suffix: &[u8] = match kind {
        VoteKind::Notarize => b"_NOTARIZE",
        VoteKind::Nullify => b"_NULLIFY",
        VoteKind::Finalize => b"_FINALIZE",
    };
    let mut out = Vec::with_capacity(CONSENSUS_NAMESPACE.len() + suffix.len() + 64);
    varint((CONSENSUS_NAMESPACE.len() + suffix.len()) as u64, &mut out);
    out.extend_from_slice(CONSENSUS_NAMESPACE);
    out.extend_from_slice(suffix);
    varint(epoch, &mut out);
    varint(view, &mut out);
    if kind != VoteKind::Nullify {
        varint(parent_view, &mut out);
        out.extend_from_slice(payload);
    }
    out
}

/// A recorded misbehaviour, under `StateKey::Misbehavior(seq)` (`StateKey::MisbehaviorCount`
/// holds how many). The evidence itself ([`MisbehaviorEvidence`], verified when recorded) is
/// in the reporting transaction, in the log.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Misbehavior {
    pub seq: u64,
    /// The validator's consensus key.
    pub validator: Hash32Text,
    pub kind: MisbehaviorKind,
    pub epoch: u64,
    pub view: u64,
    pub reporter: AccountId,
    pub height: u64,
    pub evidence_hash: Hash32Text,
}

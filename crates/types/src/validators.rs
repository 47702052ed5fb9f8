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

/// A recorded misbehaviour, under `StateKey::Misbehavior(seq)` (`StateKey::MisbehaviorCount`
/// holds how many). The evidence bytes themselves (Commonware's encoding of the two signed
/// votes) are in the reporting transaction, in the log.
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

//! The validator set as ledger state (X.1407 9.2.1 b, 9.2.3 e). Governance edits the
//! *pending* set; the last block of an epoch installs it for the next epoch, records the change
//! (so evidence can follow the chain of sets from the genesis) and from then on every header
//! carries the new set's hash. Misbehaviour a validator's engine proved is recorded here too.

use crate::error::TxError;
use crate::env::BlockEnv;
use crate::state::LedgerState;
use std::collections::BTreeSet;
use vellum_types::payment::Hash32Text;
use vellum_types::validators::{Misbehavior, MisbehaviorEvidence, ValidatorSetRecord, sort_validators, vote_message};
use vellum_types::validators::MisbehaviorKind;
use vellum_types::{Account, GenesisValidator, Hash32, Role, StateKey, sha256};

type Touched = BTreeSet<Hash32>;

/// Fewest validators a set may shrink to: one is a devnet, not a ledger anyone should trust,
/// but refusing it would make a two-validator chain unable to replace a member.
pub const VALIDATORS_MIN: usize = 1;

/// The epoch a block height belongs to (Commonware's `FixedEpocher`: epoch `e` holds heights
/// `e·L ..= (e+1)·L − 1`; the genesis block is height 0 of epoch 0).
pub fn epoch_of(height: u64, epoch_length: u64) -> u64 {
    height / epoch_length
}

/// Whether `height` is the last block of its epoch (where a pending set takes over).
pub fn is_epoch_boundary(height: u64, epoch_length: u64) -> bool {
    height.checked_add(1).is_some_and(|next| next % epoch_length == 0)
}

impl LedgerState {
    /// The set that signs blocks now.
    pub fn validator_set(&self) -> ValidatorSetRecord {
        self.get_value(&StateKey::ValidatorSet).expect("the genesis writes the validator set")
    }

    /// The set the next epoch boundary installs (the current one when nothing is pending).
    pub fn pending_validators(&self) -> Vec<GenesisValidator> {
        self.get_value(&StateKey::ValidatorsPending).unwrap_or_else(|| self.validator_set().validators)
    }

    pub fn validator_set_change_count(&self) -> u64 {
        self.get_value(&StateKey::ValidatorSetChangeCount).unwrap_or(0)
    }

    /// Change `seq` (1..=count); seq 0 is the genesis set.
    pub fn validator_set_change(&self, seq: u64) -> Option<ValidatorSetRecord> {
        self.get_value(&StateKey::ValidatorSetChange(seq))
    }

    pub fn misbehavior_count(&self) -> u64 {
        self.get_value(&StateKey::MisbehaviorCount).unwrap_or(0)
    }

    pub fn misbehavior(&self, seq: u64) -> Option<Misbehavior> {
        self.get_value(&StateKey::Misbehavior(seq))
    }

    /// Re-derives the fields kept outside the map (parameters, the validator-set hash) from
    /// the map, after a node loads a state from storage.
    pub fn refresh_derived(&mut self) {
        if let Some(record) = self.get_value::<(u64, vellum_types::ConsensusParams)>(&StateKey::ConsensusParams) {
            self.params = record.1;
        }
        self.validator_set_hash = self.validator_set().hash();
    }
}

/// The genesis validator set record (seq 0).
pub(crate) fn genesis_record(validators: &[GenesisValidator]) -> ValidatorSetRecord {
    let mut validators = validators.to_vec();
    sort_validators(&mut validators);
    ValidatorSetRecord { seq: 0, effective_epoch: 0, boundary_height: 0, validators }
}

/// A proposed validator's consensus key must be an Ed25519 point (checked when proposed, so a
/// bad key never costs a council vote, and again when executed).
pub(crate) fn check_key(validator: &GenesisValidator) -> Result<(), TxError> {
    if !vellum_crypto::is_ed25519_key(&validator.consensus_key) {
        return Err(TxError::BadValidator(format!("{}: the consensus key is not a valid Ed25519 key", validator.name)));
    }
    Ok(())
}

/// Governance: add a validator to the pending set.
pub(crate) fn add(state: &mut LedgerState, validator: &GenesisValidator, touched: &mut Touched) -> Result<(), TxError> {
    validator.check().map_err(|e| TxError::BadValidator(e.to_string()))?;
    check_key(validator)?;
    let mut pending = state.pending_validators();
    if pending.iter().any(|v| v.consensus_key == validator.consensus_key) {
        return Err(TxError::ValidatorPresent(hex_key(&validator.consensus_key)));
    }
    if pending.iter().any(|v| v.name == validator.name) {
        return Err(TxError::BadValidator(format!("a validator is already named `{}`", validator.name)));
    }
    if pending.len() >= vellum_types::limits::VALIDATORS_MAX {
        return Err(TxError::BadValidator(format!("at most {} validators", vellum_types::limits::VALIDATORS_MAX)));
    }
    pending.push(validator.clone());
    sort_validators(&mut pending);
    touched.insert(state.put_value(&StateKey::ValidatorsPending, &pending));
    Ok(())
}

/// Governance: remove a validator from the pending set.
pub(crate) fn remove(state: &mut LedgerState, key: &[u8; 32], touched: &mut Touched) -> Result<(), TxError> {
    let mut pending = state.pending_validators();
    let before = pending.len();
    pending.retain(|v| &v.consensus_key != key);
    if pending.len() == before {
        return Err(TxError::UnknownValidator(hex_key(key)));
    }
    if pending.len() < VALIDATORS_MIN {
        return Err(TxError::BadValidator("the last validator cannot be removed".into()));
    }
    touched.insert(state.put_value(&StateKey::ValidatorsPending, &pending));
    Ok(())
}

/// Governance: new consensus parameters, effective from the next block.
pub(crate) fn set_params(state: &mut LedgerState, params: &vellum_types::ConsensusParams, touched: &mut Touched) -> Result<u64, TxError> {
    params.check().map_err(TxError::BadParams)?;
    let version = state.get_value::<(u64, vellum_types::ConsensusParams)>(&StateKey::ConsensusParams).map_or(1, |(v, _)| v + 1);
    touched.insert(state.put_value(&StateKey::ConsensusParams, &(version, params.clone())));
    state.params = params.clone();
    Ok(version)
}

/// End of a block: at the last block of an epoch, a pending set that differs from the current
/// one becomes the set of the next epoch. Runs inside the block (before the state root), so the
/// boundary header's state proves the new set. Returns the new set's hash, which the headers
/// carry from the next block on (see [`after_block`]).
#[must_use]
pub(crate) fn end_block(state: &mut LedgerState, env: BlockEnv, touched: &mut Touched) -> Option<Hash32> {
    if !is_epoch_boundary(env.height, state.epoch_length) {
        return None;
    }
    let pending = state.get_value::<Vec<GenesisValidator>>(&StateKey::ValidatorsPending)?;
    touched.insert(state.remove_value(&StateKey::ValidatorsPending));
    if pending == state.validator_set().validators {
        return None;
    }
    assert!(pending.len() >= VALIDATORS_MIN, "governance keeps at least one validator");
    let seq = state.validator_set_change_count() + 1;
    let record = ValidatorSetRecord {
        seq,
        effective_epoch: epoch_of(env.height, state.epoch_length) + 1,
        boundary_height: env.height,
        validators: pending,
    };
    touched.insert(state.put_value(&StateKey::ValidatorSetChange(seq), &record));
    touched.insert(state.put_value(&StateKey::ValidatorSetChangeCount, &seq));
    touched.insert(state.put_value(&StateKey::ValidatorSet, &record));
    Some(record.hash())
}

/// After the block's header is checked: the set hash the next block's header must carry
/// changes only when [`end_block`] installed a new set (not decoded again every block).
pub(crate) fn after_block(state: &mut LedgerState, new_set: Option<Hash32>) {
    if let Some(hash) = new_set {
        state.validator_set_hash = hash;
    }
    debug_assert_eq!(state.validator_set_hash, state.validator_set().hash(), "the cached set hash is the set's");
}

/// A node account records misbehaviour its validator's consensus engine proved.
pub(crate) fn report(
    state: &mut LedgerState,
    sender: &Account,
    (validator, kind, epoch, view, evidence): (&[u8; 32], &MisbehaviorKind, &u64, &u64, &[u8]),
    env: BlockEnv,
    touched: &mut Touched,
) -> Result<(), TxError> {
    if !sender.has_role(Role::Node) {
        return Err(TxError::MissingRole(Role::Node));
    }
    if *epoch > epoch_of(env.height, state.epoch_length) {
        return Err(TxError::BadValidator(format!("evidence from future epoch {epoch}")));
    }
    // The accused must have been a validator in that epoch.
    if !set_of_epoch(state, *epoch).is_some_and(|set| set.contains(validator)) {
        return Err(TxError::UnknownValidator(hex_key(validator)));
    }
    // Already recorded: refused before the decoding and signature checks below.
    let seen = StateKey::MisbehaviorSeen(sha256(&borsh::to_vec(&(validator, kind, epoch, view)).expect("borsh")));
    if state.get_value::<u64>(&seen).is_some() {
        return Err(TxError::MisbehaviorKnown);
    }
    // Both votes must be the claimed conflict and signed by the accused: a node account can
    // report misbehaviour, never invent it.
    let proof = borsh::from_slice::<MisbehaviorEvidence>(evidence).map_err(|e| TxError::BadEvidence(format!("undecodable: {e}")))?;
    proof.check_shape(*kind).map_err(|e| TxError::BadEvidence(e.into()))?;
    for (which, vote) in [("first", &proof.first), ("second", &proof.second)] {
        let message = vote_message(vote.kind, *epoch, *view, vote.parent_view, &vote.payload);
        if !vellum_crypto::verify_ed25519(validator, &vote.signature, &message) {
            return Err(TxError::BadEvidence(format!("the {which} vote is not signed by the accused validator")));
        }
    }
    let seq = state.misbehavior_count();
    let record = Misbehavior {
        seq,
        validator: Hash32Text(*validator),
        kind: *kind,
        epoch: *epoch,
        view: *view,
        reporter: sender.id,
        height: env.height,
        evidence_hash: Hash32Text(sha256(evidence)),
    };
    touched.insert(state.put_value(&seen, &seq));
    touched.insert(state.put_value(&StateKey::Misbehavior(seq), &record));
    touched.insert(state.put_value(&StateKey::MisbehaviorCount, &(seq + 1)));
    Ok(())
}

/// The validator set that signed epoch `epoch`: the latest change in force by then.
fn set_of_epoch(state: &LedgerState, epoch: u64) -> Option<ValidatorSetRecord> {
    let current = state.validator_set();
    if current.effective_epoch <= epoch {
        return Some(current);
    }
    (0..current.seq).rev().filter_map(|seq| state.validator_set_change(seq)).find(|r| r.effective_epoch <= epoch)
}

fn hex_key(key: &[u8; 32]) -> String {
    hex::encode(key)
}

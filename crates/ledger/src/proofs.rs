//! Integrity-proof transactions (X.1407 7.2): registrations, status changes with their
//! history and governed reason codes, and compliance's issuer-wide revocation.
//!
//! Status moves `live ⇄ suspended`, and from either to `revoked` or (whole registrations
//! only) `superseded`, which are final. Every change is appended to the registration's (or
//! member's) history with its actor, reason code and height, so the state can answer "what
//! happened to this proof" and not only "where does it stand".

use crate::error::TxError;
use crate::env::{BlockEnv, Evidence};
use crate::state::{LedgerState, StateKey};
use std::collections::BTreeSet;
use vellum_crypto::merkle::leaf_hash;
use vellum_types::proof::{
    BatchMember, DEFAULT_REASON_CODES, ISSUER_REVOCATIONS_PER_TX_MAX, IssuerProofRef, IssuerRevocation, STATUS_CHANGES_MAX, StatusChange,
};
use vellum_types::{
    Account, AccountId, EvidenceRecord, Hash32, MemberEntry, ProofChange, ProofEntry, ProofId, ProofStatus, PublicKey, Registered, Role,
    Transaction, TxBody, TxId,
};

/// A registration, checked before any write; applied after its transaction's leaf so that the
/// evidence record's leaf follows it in the log.
pub(crate) struct Registration {
    registered: Registered,
    schema: String,
    metadata_digest: Hash32,
    salted: bool,
}

impl Registration {
    /// `Ok(None)` for bodies that register nothing.
    pub(crate) fn check(state: &LedgerState, sender: &Account, body: &TxBody) -> Result<Option<Self>, TxError> {
        let (registered, schema, metadata_digest, salted) = match body {
            TxBody::RegisterProof { digest, schema, metadata_digest, salted } => {
                (Registered::Single { digest: *digest }, schema, metadata_digest, salted)
            }
            TxBody::RegisterBatch { root, count, schema, metadata_digest, salted } => {
                (Registered::Batch { root: *root, count: *count }, schema, metadata_digest, salted)
            }
            _ => return Ok(None),
        };
        // Issuers only (U-AUTHN), not revoked, no live duplicate by the same issuer.
        if !sender.has_role(Role::Issuer) {
            return Err(TxError::MissingRole(Role::Issuer));
        }
        if state.issuer_revocation(&sender.id).is_some() {
            return Err(TxError::IssuerRevoked(sender.id));
        }
        let digest = registered_digest(&registered);
        if let Some(existing) = state.live_digest(&sender.id, &digest) {
            return Err(TxError::DuplicateProof { digest: hex::encode(digest), proof: existing.to_hex() });
        }
        Ok(Some(Registration { registered, schema: schema.clone(), metadata_digest: *metadata_digest, salted: *salted }))
    }

    pub(crate) fn apply(self, state: &mut LedgerState, tx: &Transaction, signer: PublicKey, env: BlockEnv, touched: &mut BTreeSet<Hash32>) -> Evidence {
        let u = &tx.unsigned;
        let tx_id = tx.id();
        let proof_id = ProofId::of_tx(&tx_id);
        // Members exist only in batches; a single registration has none.
        let count = match &self.registered {
            Registered::Single { .. } => 0,
            Registered::Batch { count, .. } => *count,
        };
        let digest = registered_digest(&self.registered);
        let record = EvidenceRecord {
            proof_id,
            registered: self.registered,
            schema: self.schema,
            metadata_digest: self.metadata_digest,
            salted: self.salted,
            registrant: u.sender,
            signer,
            tx_id,
            height: env.height,
            time_ms: env.time_ms,
        };
        let leaf = leaf_hash(&record.leaf_bytes());
        let log_index = state.log.size();
        state.log.append(leaf);
        let entry = ProofEntry {
            record_hash: record.hash(),
            leaf_index: log_index,
            registrant: u.sender,
            registered_digest: digest,
            count,
            status: ProofStatus::Live,
        };
        touched.insert(state.put_proof(&proof_id, &entry));
        touched.insert(state.put_live_digest(&u.sender, &digest, &proof_id));
        // The issuer's registrations in order: what an issuer-wide revocation walks.
        let seq = state.issuer_proof_count(&u.sender);
        touched.insert(state.put_value(&StateKey::IssuerProof(u.sender, seq), &IssuerProofRef { proof: proof_id, height: env.height }));
        touched.insert(state.put_value(&StateKey::IssuerProofCount(u.sender), &(seq + 1)));
        Evidence { record, log_index, leaf_hash: leaf }
    }
}

/// The registrant changes the status of its registration or of one batch member.
pub(crate) fn change_status(
    state: &mut LedgerState,
    sender: &Account,
    tx_id: TxId,
    (proof, member, change): (&ProofId, Option<u32>, &ProofChange),
    env: BlockEnv,
    touched: &mut BTreeSet<Hash32>,
) -> Result<(), TxError> {
    let mut entry = state.proof(proof).ok_or_else(|| TxError::UnknownProof(proof.to_hex()))?;
    if entry.registrant != sender.id {
        return Err(TxError::NotRegistrant(proof.to_hex()));
    }
    if let Some(reason) = change.reason() {
        check_reason(state, reason)?;
    }
    let label = member.map_or_else(|| proof.to_hex(), |i| format!("{proof}#{i}"));
    let current = match member {
        None => entry.status.clone(),
        Some(index) => {
            if index >= entry.count {
                return Err(TxError::NoSuchMember { proof: proof.to_hex(), index, count: entry.count });
            }
            // A final status of the whole registration covers every member for good.
            if entry.status.is_final() {
                return Err(TxError::ProofNotLive { proof: proof.to_hex(), status: entry.status.name() });
            }
            if matches!(change, ProofChange::Supersede { .. }) {
                return Err(TxError::BadSupersede);
            }
            state.member(proof, index).map_or(ProofStatus::Live, |m| m.status)
        }
    };
    if current.is_final() {
        return Err(TxError::ProofNotLive { proof: label, status: current.name() });
    }
    let (height, time_ms) = (env.height, env.time_ms);
    let next = match (&current, change) {
        (_, ProofChange::Revoke { reason }) => ProofStatus::Revoked { reason: reason.clone(), tx_id, height, time_ms },
        (_, ProofChange::Supersede { by }) => {
            check_successor(state, sender, proof, by)?;
            ProofStatus::Superseded { by: *by, tx_id, height, time_ms }
        }
        (ProofStatus::Live, ProofChange::Suspend { reason }) => ProofStatus::Suspended { reason: reason.clone(), tx_id, height, time_ms },
        (ProofStatus::Suspended { .. }, ProofChange::Reinstate) => ProofStatus::Live,
        _ => return Err(TxError::BadStatusChange { proof: label, status: current.name(), change: change.name() }),
    };
    let history_key = StateKey::StatusHistory(*proof, member);
    let mut history: Vec<StatusChange> = state.get_value(&history_key).unwrap_or_default();
    if !next.is_final() && history.len() + 2 >= STATUS_CHANGES_MAX {
        return Err(TxError::StatusHistoryFull(label));
    }
    assert!(history.len() < STATUS_CHANGES_MAX, "non-final changes leave room for the final ones");
    history.push(StatusChange { actor: sender.id, change: change.clone(), tx_id, height, time_ms });
    touched.insert(state.put_value(&history_key, &history));
    match member {
        Some(index) => {
            touched.insert(state.put_member(proof, index, &MemberEntry { status: next }));
        }
        None => {
            // The digest may be registered again once its proof is final.
            if next.is_final() {
                touched.insert(state.remove_live_digest(&entry.registrant, &entry.registered_digest));
            }
            entry.status = next;
            touched.insert(state.put_proof(proof, &entry));
        }
    }
    // Status changes add no record leaf: their transaction leaf is their evidence.
    Ok(())
}

/// The newer registration of a supersession: another live one of the same registrant.
fn check_successor(state: &LedgerState, sender: &Account, proof: &ProofId, by: &ProofId) -> Result<(), TxError> {
    let newer = state.proof(by).ok_or_else(|| TxError::UnknownProof(by.to_hex()))?;
    if by == proof {
        return Err(TxError::BadSupersede);
    }
    if newer.registrant != sender.id {
        return Err(TxError::NotRegistrant(by.to_hex()));
    }
    if newer.status != ProofStatus::Live {
        return Err(TxError::ProofNotLive { proof: by.to_hex(), status: newer.status.name() });
    }
    Ok(())
}

/// Compliance revokes every registration `issuer` made at or after `from_height`, newest
/// first, inspecting at most [`ISSUER_REVOCATIONS_PER_TX_MAX`] of them per transaction; the
/// revocation record says whether it is complete. A later, earlier `from_height` widens it.
pub(crate) fn revoke_issuer(
    state: &mut LedgerState,
    sender: &Account,
    tx_id: TxId,
    (issuer, from_height, reason): (&AccountId, u64, &str),
    env: BlockEnv,
    touched: &mut BTreeSet<Hash32>,
) -> Result<(), TxError> {
    if !sender.has_role(Role::Compliance) {
        return Err(TxError::MissingRole(Role::Compliance));
    }
    state.account(issuer).ok_or(TxError::UnknownAccount(*issuer))?;
    check_reason(state, reason)?;
    let count = state.issuer_proof_count(issuer);
    let (from_height, revoked, cursor) = match state.issuer_revocation(issuer) {
        None => (from_height, 0, count),
        Some(old) if old.complete && from_height >= old.from_height => {
            return Err(TxError::IssuerAlreadyRevoked { account: *issuer, from_height: old.from_height });
        }
        // Widening starts again from the newest registration (revoked ones are skipped).
        Some(old) if from_height < old.from_height => (from_height, old.revoked, count),
        Some(old) => (old.from_height, old.revoked, old.cursor),
    };
    let mut rev = IssuerRevocation {
        from_height,
        reason: reason.to_string(),
        actor: sender.id,
        tx_id,
        height: env.height,
        time_ms: env.time_ms,
        revoked,
        cursor,
        complete: false,
    };
    let covered = |state: &LedgerState, cursor: u64| cursor > 0 && state.issuer_proof(issuer, cursor - 1).height >= from_height;
    let mut inspected = 0;
    while inspected < ISSUER_REVOCATIONS_PER_TX_MAX && covered(state, rev.cursor) {
        rev.cursor -= 1;
        inspected += 1;
        let proof = state.issuer_proof(issuer, rev.cursor).proof;
        if revoke_for_issuer(state, &proof, sender.id, &rev, touched) {
            rev.revoked += 1;
        }
    }
    rev.complete = !covered(state, rev.cursor);
    touched.insert(state.put_value(&StateKey::IssuerRevocation(*issuer), &rev));
    Ok(())
}

/// Revokes one registration of a revoked issuer unless already revoked; true if it changed.
fn revoke_for_issuer(state: &mut LedgerState, proof: &ProofId, actor: AccountId, rev: &IssuerRevocation, touched: &mut BTreeSet<Hash32>) -> bool {
    let mut entry = state.proof(proof).expect("an issuer's registration list names existing proofs");
    if matches!(entry.status, ProofStatus::Revoked { .. }) {
        return false;
    }
    if !entry.status.is_final() {
        touched.insert(state.remove_live_digest(&entry.registrant, &entry.registered_digest));
    }
    let (tx_id, height, time_ms) = (rev.tx_id, rev.height, rev.time_ms);
    entry.status = ProofStatus::Revoked { reason: rev.reason.clone(), tx_id, height, time_ms };
    touched.insert(state.put_proof(proof, &entry));
    let history_key = StateKey::StatusHistory(*proof, None);
    let mut history: Vec<StatusChange> = state.get_value(&history_key).unwrap_or_default();
    assert!(history.len() < STATUS_CHANGES_MAX, "a registration that is not revoked has room for its revocation");
    history.push(StatusChange { actor, change: ProofChange::Revoke { reason: rev.reason.clone() }, tx_id, height, time_ms });
    touched.insert(state.put_value(&history_key, &history));
    true
}

/// How far a registrant has handed a batch's members to the network, under
/// `StateKey::BatchMembers(proof)`: members `[0, stored)` are in finalized transactions and
/// `tree` is the RFC 6962 compact tree over their leaf hashes. When `stored` reaches the
/// batch's count the ledger has checked that the tree's root is the registered root.
#[derive(Clone, Debug, PartialEq, Eq, Default, borsh::BorshSerialize, borsh::BorshDeserialize)]
pub struct BatchMembersProgress {
    pub stored: u32,
    pub tree: vellum_crypto::CompactLog,
}

/// The registrant hands members `[first, first + len)` of its batch to the network (and names
/// their holders). Chunks come in order; `first = 0` starts over; the chunk that completes the
/// batch must produce the registered root, so a completed batch's stored members are exactly
/// the registered ones.
pub(crate) fn store_batch_members(
    state: &mut LedgerState,
    sender: &Account,
    (proof, first, members): (&ProofId, u32, &[BatchMember]),
    touched: &mut BTreeSet<Hash32>,
) -> Result<(), TxError> {
    let entry = state.proof(proof).ok_or_else(|| TxError::UnknownProof(proof.to_hex()))?;
    if entry.registrant != sender.id {
        return Err(TxError::NotRegistrant(proof.to_hex()));
    }
    let Some(Registered::Batch { root, count }) = state.registered(proof) else {
        return Err(TxError::NotABatch(proof.to_hex()));
    };
    let mut progress = state.batch_members(proof);
    if progress.stored == count && first != 0 {
        return Err(TxError::BatchMembersStored(proof.to_hex()));
    }
    if first == 0 {
        progress = BatchMembersProgress::default();
    }
    if first != progress.stored {
        return Err(TxError::BatchMembersOrder { proof: proof.to_hex(), expected: progress.stored, got: first });
    }
    let end = u64::from(first) + members.len() as u64;
    if end > u64::from(count) {
        return Err(TxError::NoSuchMember { proof: proof.to_hex(), index: (end - 1).min(u64::from(u32::MAX)) as u32, count });
    }
    for (i, m) in members.iter().enumerate() {
        progress.tree.append(leaf_hash(&m.digest));
        if let Some(holder) = &m.holder {
            state.account(holder).ok_or(TxError::UnknownAccount(*holder))?;
            touched.insert(state.put_value(&StateKey::Holder(*proof, Some(first + i as u32), *holder), &true));
        }
    }
    progress.stored = end as u32;
    if progress.stored == count && progress.tree.root() != root {
        return Err(TxError::BatchRootMismatch(proof.to_hex()));
    }
    touched.insert(state.put_value(&StateKey::BatchMembers(*proof), &progress));
    Ok(())
}

/// The registrant names holders of its registration or of one member of a batch.
pub(crate) fn add_holders(
    state: &mut LedgerState,
    sender: &Account,
    (proof, member, holders): (&ProofId, Option<u32>, &[AccountId]),
    touched: &mut BTreeSet<Hash32>,
) -> Result<(), TxError> {
    let entry = state.proof(proof).ok_or_else(|| TxError::UnknownProof(proof.to_hex()))?;
    if entry.registrant != sender.id {
        return Err(TxError::NotRegistrant(proof.to_hex()));
    }
    if let Some(index) = member
        && index >= entry.count
    {
        return Err(TxError::NoSuchMember { proof: proof.to_hex(), index, count: entry.count });
    }
    for holder in holders {
        state.account(holder).ok_or(TxError::UnknownAccount(*holder))?;
        touched.insert(state.put_value(&StateKey::Holder(*proof, member, *holder), &true));
    }
    Ok(())
}

/// A reason code must be in the governed list (the default list until governance sets one).
pub(crate) fn check_reason(state: &LedgerState, reason: &str) -> Result<(), TxError> {
    let known = match state.reason_codes() {
        Some(codes) => codes.iter().any(|c| c == reason),
        None => DEFAULT_REASON_CODES.contains(&reason),
    };
    if known { Ok(()) } else { Err(TxError::UnknownReasonCode(reason.to_string())) }
}

pub(crate) fn registered_digest(registered: &Registered) -> Hash32 {
    match registered {
        Registered::Single { digest } => *digest,
        Registered::Batch { root, .. } => *root,
    }
}

/// The registrant deletes a stored original: the ledger records when, so every validator
/// destroys its copy as it applies the block (and refuses to store or serve it again).
pub(crate) fn delete_original(
    state: &mut LedgerState,
    sender: &Account,
    (proof, member): (&ProofId, u32),
    env: &BlockEnv,
    touched: &mut BTreeSet<Hash32>,
) -> Result<(), TxError> {
    let entry = state.proof(proof).ok_or_else(|| TxError::UnknownProof(proof.to_hex()))?;
    if entry.registrant != sender.id {
        return Err(TxError::NotRegistrant(proof.to_hex()));
    }
    if member >= entry.count.max(1) {
        return Err(TxError::NoSuchMember { proof: proof.to_hex(), index: member, count: entry.count.max(1) });
    }
    let key = StateKey::OriginalDeleted(*proof, member);
    if state.original_deleted(proof, member).is_some() {
        return Err(TxError::OriginalDeleted { proof: proof.to_hex(), member });
    }
    touched.insert(state.put_value(&key, &env.time_ms));
    Ok(())
}

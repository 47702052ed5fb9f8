//! Key recovery by guardians (X.1405 8.2.1, D-LOST): an account names k-of-n guardian
//! accounts and a time lock. Guardians propose and approve a new signer set for it; the owner
//! can cancel within the time lock (a thief with the owner's key could cancel too — which is
//! why the owner should also freeze a stolen account through compliance); once the lock has
//! passed with enough approvals anyone executes it and the old keys stop working.

use crate::error::TxError;
use crate::env::BlockEnv;
use crate::state::LedgerState;
use std::collections::BTreeSet;
use vellum_types::payment::{Guardians, Recovery};
use vellum_types::{Account, Hash32, StateKey};

/// Applies a recovery body from `sender`; may rewrite `sender` (SetGuardians, CancelRecovery)
/// or another account (ExecuteRecovery).
/// A recovery body with its fields: `apply_tx` builds one per variant in its exhaustive match.
pub(crate) enum RecoveryTx<'a> {
    SetGuardians { guardians: &'a Vec<vellum_types::AccountId>, threshold: &'a u32, delay_blocks: &'a u64 },
    ProposeRecovery { account: &'a vellum_types::AccountId, set: &'a vellum_types::SignerSet },
    CancelRecovery,
    ExecuteRecovery { account: &'a vellum_types::AccountId },
}

pub(crate) fn apply(state: &mut LedgerState, sender: &mut Account, body: RecoveryTx<'_>, env: BlockEnv, touched: &mut BTreeSet<Hash32>) -> Result<(), TxError> {
    match body {
        RecoveryTx::SetGuardians { guardians, threshold, delay_blocks } => {
            let mut list = guardians.clone();
            list.sort();
            list.dedup();
            if list.contains(&sender.id) {
                return Err(TxError::GuardianIsSelf);
            }
            for g in &list {
                state.account(g).ok_or(TxError::UnknownAccount(*g))?;
            }
            if *threshold as usize > list.len() {
                return Err(TxError::RecoveryApprovals { have: list.len() as u32, need: *threshold });
            }
            let g = Guardians { guardians: list, threshold: *threshold, delay_blocks: *delay_blocks };
            touched.insert(state.put_value(&StateKey::Guardians(sender.id), &g));
            Ok(())
        }
        RecoveryTx::ProposeRecovery { account, set } => {
            let g: Guardians = state.guardians(account).ok_or(TxError::NoGuardians(*account))?;
            if g.guardians.binary_search(&sender.id).is_err() {
                return Err(TxError::NotGuardian { guardian: sender.id, account: *account });
            }
            let mut r = match state.recovery(account) {
                Some(r) if r.set != *set => return Err(TxError::RecoveryMismatch),
                Some(r) => r,
                None => Recovery {
                    set: set.clone(),
                    approvals: Vec::new(),
                    started_height: env.height,
                    eligible_height: env.height.checked_add(g.delay_blocks).ok_or(TxError::Overflow("recovery time lock"))?,
                },
            };
            if !r.approvals.contains(&sender.id) {
                r.approvals.push(sender.id);
            }
            touched.insert(state.put_value(&StateKey::Recovery(*account), &r));
            Ok(())
        }
        RecoveryTx::CancelRecovery => {
            state.recovery(&sender.id).ok_or(TxError::NoRecovery(sender.id))?;
            touched.insert(state.remove_value(&StateKey::Recovery(sender.id)));
            Ok(())
        }
        RecoveryTx::ExecuteRecovery { account } => {
            let r = state.recovery(account).ok_or(TxError::NoRecovery(*account))?;
            let g = state.guardians(account).ok_or(TxError::NoGuardians(*account))?;
            if env.height < r.eligible_height {
                return Err(TxError::RecoveryLocked { eligible_height: r.eligible_height, height: env.height });
            }
            let have = r.approvals.iter().filter(|a| g.guardians.binary_search(a).is_ok()).count() as u32;
            if have < g.threshold {
                return Err(TxError::RecoveryApprovals { have, need: g.threshold });
            }
            touched.insert(state.remove_value(&StateKey::Recovery(*account)));
            if *account == sender.id {
                sender.signers = r.set;
            } else {
                let mut target = state.account(account).ok_or(TxError::UnknownAccount(*account))?;
                let before = crate::keylife::keys_of(Some(&target));
                crate::keylife::sync(state, account, &before, &r.set, env, touched);
                target.signers = r.set;
                state.put_account(&target);
                touched.insert(StateKey::Account(*account).hash());
            }
            Ok(())
        }
    }
}

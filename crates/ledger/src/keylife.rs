//! The key lifecycle on the ledger (X.1405 8.7.1): when each signer key of an account was
//! added, and the expiry from which its signatures are refused. Records follow the signer set:
//! written for a key that joins it, removed for one that leaves.

use crate::env::BlockEnv;
use crate::error::TxError;
use crate::state::LedgerState;
use std::collections::BTreeSet;
use vellum_types::account::KeyLife;
use vellum_types::{Account, AccountId, Hash32, PublicKey, SignerSet, StateKey};

type Touched = BTreeSet<Hash32>;

/// Brings `account`'s key records in line with its signer set after a change from `before`
/// (empty for a new account).
pub(crate) fn sync(state: &mut LedgerState, account: &AccountId, before: &[PublicKey], after: &SignerSet, env: BlockEnv, touched: &mut Touched) {
    for gone in before.iter().filter(|k| after.weight_of(k).is_none()) {
        touched.insert(state.remove_value(&StateKey::KeyLife(*account, *gone)));
    }
    for added in after.signers.iter().map(|s| s.key).filter(|k| !before.contains(k)) {
        let life = KeyLife { added_height: env.height, added_ms: env.time_ms, expires_ms: 0 };
        touched.insert(state.put_value(&StateKey::KeyLife(*account, added), &life));
    }
}

/// The signer keys of an account, for `sync`'s `before`.
pub(crate) fn keys_of(account: Option<&Account>) -> Vec<PublicKey> {
    account.map_or_else(Vec::new, |a| a.signers.signers.iter().map(|s| s.key).collect())
}

/// Refuses a signature by a key of `account` that expired.
pub(crate) fn check_signer(state: &LedgerState, account: &AccountId, key: &PublicKey, env: BlockEnv) -> Result<(), TxError> {
    match state.key_life(account, key) {
        Some(life) if life.expired(env.time_ms) => {
            Err(TxError::KeyExpired { account: *account, key: key.to_string(), expired_ms: life.expires_ms })
        }
        _ => Ok(()),
    }
}

/// The account sets or lifts one of its keys' expiry.
pub(crate) fn set_expiry(state: &mut LedgerState, sender: &Account, (key, expires_ms): (&PublicKey, u64), touched: &mut Touched) -> Result<(), TxError> {
    if sender.signers.weight_of(key).is_none() {
        return Err(TxError::NotASigner { account: sender.id, key: key.to_string() });
    }
    // A genesis key has no record yet: it was added when its account was.
    let mut life = state.key_life(&sender.id, key).unwrap_or(KeyLife { added_height: sender.opened_height, added_ms: 0, expires_ms: 0 });
    life.expires_ms = expires_ms;
    touched.insert(state.put_value(&StateKey::KeyLife(sender.id, *key), &life));
    Ok(())
}

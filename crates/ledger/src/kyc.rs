//! KYC records and the sanctions list (X.1405 8.4.2–8.4.3): a registrar records an account's
//! tier, expiry and screening commitment (on opening or later); governance adds and removes
//! sanctioned commitments; a hit refuses an opening or re-verification, and holds a transfer
//! (`monitoring::alerts`).

use crate::env::BlockEnv;
use crate::error::TxError;
use crate::state::LedgerState;
use std::collections::BTreeSet;
use vellum_types::kyc::{KycRecord, KycTerms};
use vellum_types::payment::Hash32Text;
use vellum_types::{Account, AccountId, Hash32, Role, StateKey};

type Touched = BTreeSet<Hash32>;

/// Records `terms` for `account` (opened by this transaction or earlier), replacing the record
/// in force. A screening commitment on the sanctions list is refused.
pub(crate) fn record(
    state: &mut LedgerState,
    registrar: &Account,
    account: &AccountId,
    terms: &KycTerms,
    env: BlockEnv,
    touched: &mut Touched,
) -> Result<(), TxError> {
    assert!(terms.check().is_ok(), "shape-checked with the transaction");
    if let Some(list_version) = terms.screening.as_ref().and_then(|c| state.sanctioned(c)) {
        return Err(TxError::SanctionsHit {
            account: *account,
            list_version,
        });
    }
    let version = state.kyc(account).map_or(1, |r| r.version + 1);
    let record = KycRecord {
        terms: *terms,
        set_by: registrar.id,
        set_height: env.height,
        version,
    };
    touched.insert(state.put_value(&StateKey::Kyc(*account), &record));
    Ok(())
}

/// A registrar (re-)verifies an existing account of its scope.
pub(crate) fn set(
    state: &mut LedgerState,
    sender: &Account,
    (account, terms): (&AccountId, &KycTerms),
    env: BlockEnv,
    touched: &mut Touched,
) -> Result<(), TxError> {
    if !sender.has_role(Role::Registrar) {
        return Err(TxError::MissingRole(Role::Registrar));
    }
    let target = state
        .account(account)
        .ok_or(TxError::UnknownAccount(*account))?;
    crate::state::within_scope(sender, target.subledger.as_ref())?;
    if target.kyc_commitment.is_none() {
        return Err(TxError::KycRequired {
            account: *account,
            what: "KYC terms (the account has no identity commitment)".into(),
        });
    }
    record(state, sender, account, terms, env, touched)
}

/// Governance adds and removes sanctioned commitments; returns the list's new version.
pub(crate) fn update_sanctions(
    state: &mut LedgerState,
    (add, remove): (&[Hash32Text], &[Hash32Text]),
    touched: &mut Touched,
) -> Result<u64, TxError> {
    let mut list = state.sanctions_list();
    list.version += 1;
    for c in remove {
        if state.sanctioned(&c.0).is_none() {
            return Err(TxError::SanctionsUnchanged {
                commitment: c.to_string(),
                state: "not on",
            });
        }
        touched.insert(state.remove_value(&StateKey::Sanctioned(c.0)));
        list.entries -= 1;
    }
    for c in add {
        if state.sanctioned(&c.0).is_some() {
            return Err(TxError::SanctionsUnchanged {
                commitment: c.to_string(),
                state: "already on",
            });
        }
        touched.insert(state.put_value(&StateKey::Sanctioned(c.0), &list.version));
        list.entries += 1;
    }
    touched.insert(state.put_value(&StateKey::SanctionsList, &list));
    Ok(list.version)
}

/// Whether `screening` (an account's screening commitment) is on the sanctions list.
pub(crate) fn listed(state: &LedgerState, screening: Option<Hash32>) -> bool {
    screening.is_some_and(|c| state.sanctioned(&c).is_some())
}

/// An account's screening commitment, if its KYC record has one.
pub(crate) fn screening_of(state: &LedgerState, account: &AccountId) -> Option<Hash32> {
    state.kyc(account)?.terms.screening
}

/// The sender's tier (0 without a record) and screening commitment, refusing a sender whose
/// check expired.
pub(crate) fn sender_terms(state: &LedgerState, sender: &AccountId, env: BlockEnv) -> Result<(u8, Option<Hash32>), TxError> {
    match state.kyc(sender) {
        None => Ok((0, None)),
        Some(r) if r.expired(env.time_ms) => Err(TxError::KycExpired { account: *sender, expired_ms: r.terms.expires_ms }),
        Some(r) => Ok((r.terms.tier, r.terms.screening)),
    }
}

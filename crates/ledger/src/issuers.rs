//! Issuer identity: a registrar (or the council) attests who an issuer account is; a registrar
//! or compliance withdraws the attestation. The ledger records what was attested; checking the
//! issuer's well-known document is the attester's job (the ledger does no I/O), and its digest
//! is part of the record so anyone can compare it with what the domain serves later.

use crate::error::TxError;
use crate::env::BlockEnv;
use crate::state::{LedgerState, StateKey};
use std::collections::BTreeSet;
use vellum_types::issuer::{AttestationRevoked, IssuerAttestation, IssuerProfile};
use vellum_types::{Account, AccountId, Hash32, Role, TxId};

/// Records `profile` as `issuer`'s attested identity (replacing an earlier one, revoked or
/// not), attested by `by`.
pub(crate) fn attest(
    state: &mut LedgerState,
    by: AccountId,
    (issuer, profile): (&AccountId, &IssuerProfile),
    tx_id: TxId,
    env: BlockEnv,
    touched: &mut BTreeSet<Hash32>,
) -> Result<(), TxError> {
    let account = state.account(issuer).ok_or(TxError::UnknownAccount(*issuer))?;
    if !account.has_role(Role::Issuer) {
        return Err(TxError::NotAnIssuer(*issuer));
    }
    assert!(profile.check().is_ok(), "shape-checked with the transaction or proposal");
    let attestation = IssuerAttestation { profile: profile.clone(), attested_by: by, tx_id, height: env.height, time_ms: env.time_ms, revoked: None };
    touched.insert(state.put_value(&StateKey::IssuerProfile(*issuer), &attestation));
    Ok(())
}

/// A registrar or compliance withdraws `issuer`'s attestation, with a reason code.
pub(crate) fn revoke(
    state: &mut LedgerState,
    sender: &Account,
    (issuer, reason): (&AccountId, &str),
    tx_id: TxId,
    env: BlockEnv,
    touched: &mut BTreeSet<Hash32>,
) -> Result<(), TxError> {
    if !sender.has_role(Role::Registrar) && !sender.has_role(Role::Compliance) {
        return Err(TxError::MissingRole(Role::Registrar));
    }
    crate::proofs::check_reason(state, reason)?;
    let mut attestation = state.issuer_attestation(issuer).ok_or(TxError::NoAttestation(*issuer))?;
    if attestation.revoked.is_some() {
        return Err(TxError::AttestationRevoked(*issuer));
    }
    attestation.revoked = Some(AttestationRevoked { by: sender.id, reason: reason.to_string(), tx_id, height: env.height, time_ms: env.time_ms });
    touched.insert(state.put_value(&StateKey::IssuerProfile(*issuer), &attestation));
    Ok(())
}

//! One transaction: the checks every transaction passes (chain, expiry, sender, nonce,
//! signers, module pauses), then dispatch by body to the module that applies it.

use crate::contracts::{self, ContractOutcome, ContractTx};
use crate::env::{BlockEnv, ContractEvidence, EventEvidence, InvoiceEvidence, PaymentEvidence, TxReceipt};
use crate::invoices::{self, Appended, InvoiceTx};
use vellum_types::contract::ContractEvent;
use crate::error::TxError;
use crate::state::{LedgerState, StateKey};
use crate::governance::CouncilTx;
use crate::payments::{self, Payment};
use crate::recovery::RecoveryTx;
use crate::{governance, issuers, keylife, kyc, proofs, recovery, validators};
use std::collections::BTreeSet;
use vellum_crypto::merkle::leaf_hash;
use vellum_types::{Account, AccountStatus, Hash32, PublicKey, Role, SignerSet, Transaction, TxBody, account::StatusNote};



/// Executes one transaction whose signatures were already verified (`signers` are the keys
/// they recovered or named). On error the state and `touched` are unchanged: the transaction
/// runs on a copy of the state that is installed only on success.
pub fn apply_tx(
    state: &mut LedgerState,
    tx: &Transaction,
    signers: &[PublicKey],
    env: BlockEnv,
    touched: &mut BTreeSet<Hash32>,
) -> Result<TxReceipt, TxError> {
    state.atomically(touched, |scratch, wrote| apply_tx_inner(scratch, tx, signers, env, wrote))
}

/// Keys a transaction brings into the state must be curve points (a key that is not one would
/// lock an account for good). Account ids and validator keys are checked elsewhere.
fn check_new_keys(body: &TxBody) -> Result<(), TxError> {
    let keys: Vec<&PublicKey> = match body {
        TxBody::OpenAccount { public_key, .. } => vec![public_key],
        TxBody::SetSigners { set } | TxBody::ProposeRecovery { set, .. } => set.signers.iter().map(|s| &s.key).collect(),
        TxBody::SetPurposeKeys { request_keys, .. } => request_keys.iter().collect(),
        // Listed, not `_`: a new body that carries keys must be decided here.
        TxBody::SetAccountStatus { .. }
        | TxBody::RegisterProof { .. }
        | TxBody::RegisterBatch { .. }
        | TxBody::SetProofStatus { .. }
        | TxBody::AuditBatch { .. }
        | TxBody::AuditReads { .. }
        | TxBody::CreateToken { .. }
        | TxBody::Mint { .. }
        | TxBody::Burn { .. }
        | TxBody::Transfer { .. }
        | TxBody::SetMonitoring { .. }
        | TxBody::DecideHold { .. }
        | TxBody::SetTokenPaused { .. }
        | TxBody::Clawback { .. }
        | TxBody::CreateSubledger { .. }
        | TxBody::SetRate { .. }
        | TxBody::Propose { .. }
        | TxBody::Vote { .. }
        | TxBody::SetGuardians { .. }
        | TxBody::CancelRecovery
        | TxBody::ExecuteRecovery { .. }
        | TxBody::ReportMisbehavior { .. }
        | TxBody::RevokeIssuer { .. }
        | TxBody::StoreBatchMembers { .. }
        | TxBody::AddHolders { .. }
        | TxBody::AttestIssuer { .. }
        | TxBody::RevokeAttestation { .. }
        | TxBody::InstantiateContract { .. }
        | TxBody::CallContract { .. }
        | TxBody::SetInvoicing { .. }
        | TxBody::IssueInvoice { .. }
        | TxBody::ReimburseInvoice { .. }
        | TxBody::ClearInvoiceTax { .. }
        | TxBody::SetKyc { .. }
        | TxBody::SetKeyExpiry { .. }
        | TxBody::DeleteOriginal { .. } => Vec::new(),
    };
    match keys.into_iter().find(|k| !vellum_crypto::is_valid_public_key(k)) {
        Some(bad) => Err(TxError::BadPublicKey(bad.to_string())),
        None => Ok(()),
    }
}

use payments::apply as pay;

fn apply_tx_inner(
    state: &mut LedgerState,
    tx: &Transaction,
    signers: &[PublicKey],
    env: BlockEnv,
    touched: &mut BTreeSet<Hash32>,
) -> Result<TxReceipt, TxError> {
    let mut sender = authorize(state, tx, signers, env)?;
    let sender_keys = keylife::keys_of(Some(&sender));
    let registration = proofs::Registration::check(state, &sender, &tx.unsigned.body)?;
    let mut fx = dispatch(state, &mut sender, tx, env, touched)?;
    sender.next_nonce = sender.next_nonce.checked_add(1).ok_or(TxError::Overflow("nonce"))?;
    fx.writes.push(sender);
    for account in &fx.writes {
        // Only a signer-set change touches key records (the sender's is known already).
        let before = if account.id == tx.unsigned.sender { sender_keys.clone() } else { keylife::keys_of(state.account(&account.id).as_ref()) };
        if before.len() != account.signers.signers.len() || account.signers.signers.iter().any(|s| !before.contains(&s.key)) {
            keylife::sync(state, &account.id, &before, &account.signers, env, touched);
        }
        state.put_account(account);
        touched.insert(StateKey::Account(account.id).hash());
    }
    let leaf = leaf_hash(&tx.leaf_bytes());
    let log_index = state.log.size();
    state.log.append(leaf);
    // A registration's evidence record, or a payment's record, follows its transaction leaf.
    let evidence = registration.map(|r| r.apply(state, tx, signers[0], env, touched));
    let (payment, contract, invoice) = append_records(state, tx, fx, env);
    Ok(TxReceipt { tx_id: tx.id(), height: env.height, index: 0, log_index, leaf_hash: leaf, evidence, payment, contract, invoice })
}

/// The checks every transaction passes before its body runs: shape, chain, expiry, keys it
/// brings, an active sender at the right nonce, signatures by distinct keys of the sender
/// reaching its threshold, and no pause of the body's module. Returns the sender.
fn authorize(state: &LedgerState, tx: &Transaction, signers: &[PublicKey], env: BlockEnv) -> Result<Account, TxError> {
    let u = &tx.unsigned;
    tx.check_shape()?;
    if u.chain_id != state.chain_id {
        return Err(TxError::WrongChain { expected: state.chain_id.clone(), got: u.chain_id.clone() });
    }
    if env.height > u.expiry_height {
        return Err(TxError::Expired { expiry_height: u.expiry_height, height: env.height });
    }
    check_new_keys(&u.body)?;
    let sender = state.account(&u.sender).ok_or(TxError::UnknownSender(u.sender))?;
    if sender.status != AccountStatus::Active {
        return Err(TxError::SenderNotActive { account: sender.id, status: sender.status.name() });
    }
    if u.nonce != sender.next_nonce {
        return Err(TxError::BadNonce { expected: sender.next_nonce, got: u.nonce });
    }
    // Every signer must be a distinct key of the sender (U-SIG), and their weights must reach
    // the account's threshold (X.1405 8.5.4). The shape check guarantees one signature.
    assert!(!signers.is_empty(), "shape check guarantees a signature");
    let mut weight = 0u32;
    for (i, signer) in signers.iter().enumerate() {
        let w = sender.signers.weight_of(signer).ok_or_else(|| TxError::UnauthorizedSigner {
            account: sender.id,
            signer: signer.to_string(),
        })?;
        if signers[..i].contains(signer) {
            return Err(TxError::DuplicateSigner(signer.to_string()));
        }
        keylife::check_signer(state, &sender.id, signer, env)?;
        weight += u32::from(w);
    }
    if weight < sender.signers.threshold {
        return Err(TxError::Threshold { account: sender.id, weight, threshold: sender.signers.threshold });
    }

    if let Some(module) = governance::module_of(&u.body)
        && state.module(module).is_some_and(|m| m.paused)
    {
        return Err(TxError::ModulePaused(module));
    }
    Ok(sender)
}

/// What a body did besides its own state writes: accounts to write, and what goes into the log
/// after the transaction leaf.
struct Effects {
    writes: Vec<Account>,
    payment: Option<vellum_types::PaymentRecord>,
    contract: Option<ContractOutcome>,
    invoiced: Appended,
}

/// Runs the body: an exhaustive match that hands each module its own typed body, so a new
/// body cannot compile until it is routed.
fn dispatch(state: &mut LedgerState, sender: &mut Account, tx: &Transaction, env: BlockEnv, touched: &mut BTreeSet<Hash32>) -> Result<Effects, TxError> {
    let u = &tx.unsigned;
    let mut fx = Effects { writes: Vec::with_capacity(2), payment: None, contract: None, invoiced: Appended::Nothing };
    match &u.body {
        TxBody::OpenAccount { public_key, kyc_commitment, label, role, subledger, kyc: terms } => {
            let account = open_account(state, sender, (public_key, kyc_commitment, label, role, subledger), env)?;
            if let Some(terms) = terms {
                kyc::record(state, sender, &account.id, terms, env, touched)?;
            }
            fx.writes.push(account)
        }
        TxBody::SetKyc { account, terms } => kyc::set(state, sender, (account, terms), env, touched)?,
        TxBody::SetKeyExpiry { key, expires_ms } => keylife::set_expiry(state, sender, (key, *expires_ms), touched)?,
        TxBody::SetAccountStatus { account, status, reason } => fx.writes.push(set_status(state, sender, (account, status, reason), env)?),
        TxBody::RegisterProof { .. } | TxBody::RegisterBatch { .. } => {}
        TxBody::SetProofStatus { proof, member, change } => {
            proofs::change_status(state, sender, tx.id(), (proof, *member, change), env, touched)?
        }
        TxBody::StoreBatchMembers { proof, first, members } => proofs::store_batch_members(state, sender, (proof, *first, members), touched)?,
        TxBody::AddHolders { proof, member, holders } => proofs::add_holders(state, sender, (proof, *member, holders), touched)?,
        TxBody::DeleteOriginal { proof, member } => proofs::delete_original(state, sender, (proof, *member), &env, touched)?,
        TxBody::AttestIssuer { issuer, profile } => {
            if !sender.has_role(Role::Registrar) {
                return Err(TxError::MissingRole(Role::Registrar));
            }
            issuers::attest(state, sender.id, (issuer, profile), tx.id(), env, touched)?
        }
        TxBody::RevokeAttestation { issuer, reason } => issuers::revoke(state, sender, (issuer, reason), tx.id(), env, touched)?,
        TxBody::RevokeIssuer { issuer, from_height, reason } => {
            proofs::revoke_issuer(state, sender, tx.id(), (issuer, *from_height, reason), env, touched)?
        }
        // Audit records live in the log (inside the transaction's leaf); they change no state.
        TxBody::AuditBatch { .. } | TxBody::AuditReads { .. } => {
            if !sender.has_role(Role::Node) {
                return Err(TxError::MissingRole(Role::Node));
            }
        }
        TxBody::Propose { action, deadline_height } => {
            governance::apply(state, sender, (tx.id(), CouncilTx::Propose { action, deadline_height }), env, touched)?
        }
        TxBody::Vote { proposal } => governance::apply(state, sender, (tx.id(), CouncilTx::Vote { proposal }), env, touched)?,
        TxBody::ReportMisbehavior { validator, kind, epoch, view, evidence } => {
            validators::report(state, sender, (validator, kind, epoch, view, evidence), env, touched)?
        }
        TxBody::SetPurposeKeys { request_keys, encryption_recipient } => {
            let keys = vellum_types::payment::PurposeKeys { request_keys: request_keys.clone(), encryption_recipient: encryption_recipient.clone() };
            touched.insert(state.put_value(&StateKey::PurposeKeys(sender.id), &keys));
        }
        TxBody::SetGuardians { guardians, threshold, delay_blocks } => {
            recovery::apply(state, sender, RecoveryTx::SetGuardians { guardians, threshold, delay_blocks }, env, touched)?
        }
        TxBody::ProposeRecovery { account, set } => {
            recovery::apply(state, sender, RecoveryTx::ProposeRecovery { account, set }, env, touched)?
        }
        TxBody::CancelRecovery => recovery::apply(state, sender, RecoveryTx::CancelRecovery, env, touched)?,
        TxBody::ExecuteRecovery { account } => recovery::apply(state, sender, RecoveryTx::ExecuteRecovery { account }, env, touched)?,
        // Payments: one arm per body, so a new body cannot reach `payments::apply` unrouted.
        TxBody::Mint { token, to, amount } => fx.payment = pay(state, sender, tx, Payment::Mint { token, to, amount }, env, touched)?,
        TxBody::Burn { token, amount } => fx.payment = pay(state, sender, tx, Payment::Burn { token, amount }, env, touched)?,
        TxBody::Transfer { legs, reference } => {
            fx.payment = pay(state, sender, tx, Payment::Transfer { legs, reference }, env, touched)?
        }
        TxBody::SetSigners { set } => fx.payment = pay(state, sender, tx, Payment::SetSigners { set }, env, touched)?,
        TxBody::DecideHold { hold, post, reason } => {
            fx.payment = pay(state, sender, tx, Payment::DecideHold { hold, post, reason }, env, touched)?
        }
        TxBody::SetTokenPaused { token, paused, reason: _ } => {
            fx.payment = pay(state, sender, tx, Payment::SetTokenPaused { token, paused }, env, touched)?
        }
        TxBody::Clawback { token, from, amount, reason: _ } => {
            fx.payment = pay(state, sender, tx, Payment::Clawback { token, from, amount }, env, touched)?
        }
        TxBody::InstantiateContract { code_digest, input, fuel } => {
            fx.contract = Some(contracts::apply(state, sender, tx, ContractTx::Instantiate { code_digest, input, fuel: *fuel }, env, touched)?)
        }
        TxBody::CallContract { contract: id, function, input, fuel } => {
            fx.contract = Some(contracts::apply(state, sender, tx, ContractTx::Call { contract: id, function, input, fuel: *fuel }, env, touched)?)
        }
        TxBody::SetInvoicing { tax_authority, token, vat_basis_points } => {
            let terms = InvoiceTx::SetTerms { tax_authority, token, vat_basis_points: *vat_basis_points };
            fx.invoiced = invoices::apply(state, sender, tx, terms, env, touched)?
        }
        TxBody::IssueInvoice { payment: paid, document_digest } => {
            fx.invoiced = invoices::apply(state, sender, tx, InvoiceTx::Issue { payment: paid, document_digest }, env, touched)?
        }
        TxBody::ReimburseInvoice { invoice } => fx.invoiced = invoices::apply(state, sender, tx, InvoiceTx::Reimburse { invoice }, env, touched)?,
        TxBody::ClearInvoiceTax { invoice } => fx.invoiced = invoices::apply(state, sender, tx, InvoiceTx::ClearTax { invoice }, env, touched)?,
        // Governed: only a council proposal executes these (`payments::apply_governed`).
        TxBody::CreateToken { .. } | TxBody::SetMonitoring { .. } | TxBody::CreateSubledger { .. } | TxBody::SetRate { .. } => {
            return Err(TxError::Governed(u.body.kind()));
        }
    }

    Ok(fx)
}

/// A registrar opens a user account (KYC on opening, X.1405 8.4.2).
fn open_account(
    state: &LedgerState,
    sender: &Account,
    (public_key, kyc_commitment, label, role, subledger): (&PublicKey, &Option<Hash32>, &String, &Role, &Option<String>),
    env: BlockEnv,
) -> Result<Account, TxError> {
    if !sender.has_role(Role::Registrar) {
        return Err(TxError::MissingRole(Role::Registrar));
    }
    if *role != Role::User {
        return Err(TxError::PrivilegedRole(*role));
    }
    crate::state::within_scope(sender, subledger.as_ref())?;
    let id = public_key.account_id();
    if state.account(&id).is_some() {
        return Err(TxError::AccountExists(id));
    }
    // KYC on opening (X.1405 8.4.2): always on the main ledger, per policy in a sub-ledger.
    let kyc_required = match subledger {
        None => true,
        Some(name) => state.subledger(name).ok_or_else(|| TxError::UnknownSubledger(name.clone()))?.kyc_required,
    };
    if kyc_required && kyc_commitment.is_none() {
        let what = subledger.as_ref().map_or("the main ledger".to_string(), |n| format!("sub-ledger `{n}`"));
        return Err(TxError::KycRequired { account: id, what });
    }
    Ok(Account {
        id,
        signers: SignerSet::single(*public_key),
        status: AccountStatus::Active,
        status_note: None,
        subledger: subledger.clone(),
        roles: vec![*role],
        label: label.clone(),
        kyc_commitment: *kyc_commitment,
        opened_by: Some(sender.id),
        opened_height: env.height,
        next_nonce: 0,
    })
}

/// Compliance freezes or unfreezes an account; a registrar or compliance revokes one.
fn set_status(state: &LedgerState, sender: &Account, (account, status, reason): (&vellum_types::AccountId, &AccountStatus, &String), env: BlockEnv) -> Result<Account, TxError> {
    if *account == sender.id {
        return Err(TxError::SelfStatusChange);
    }
    let needed_ok = match status {
        AccountStatus::Revoked => sender.has_role(Role::Compliance) || sender.has_role(Role::Registrar),
        AccountStatus::Active | AccountStatus::Frozen => sender.has_role(Role::Compliance),
    };
    if !needed_ok {
        return Err(TxError::MissingRole(Role::Compliance));
    }
    let mut target = state.account(account).ok_or(TxError::UnknownAccount(*account))?;
    crate::state::within_scope(sender, target.subledger.as_ref())?;
    if target.status == AccountStatus::Revoked {
        return Err(TxError::AccountRevoked(*account));
    }
    if target.status == *status {
        return Err(TxError::StatusUnchanged { account: *account, status: status.name() });
    }
    target.status = *status;
    target.status_note = Some(StatusNote { by: sender.id, reason: reason.clone(), height: env.height });
    Ok(target)
}

/// Appends, after the transaction leaf, the record an invoice issuance made or the payment
/// record of a payment, then what its contract calls left.
fn append_records(state: &mut LedgerState, tx: &Transaction, fx: Effects, env: BlockEnv) -> (Option<PaymentEvidence>, Option<ContractEvidence>, Option<InvoiceEvidence>) {
    let mut payment = fx.payment;
    let invoice = match fx.invoiced {
        Appended::Nothing => None,
        Appended::Payment(record) => {
            assert!(payment.is_none(), "one body, one payment record");
            payment = record;
            None
        }
        Appended::Issued(record) => {
            let record = *record;
            let leaf_hash = leaf_hash(&record.leaf_bytes());
            let log_index = state.log.size();
            state.log.append(leaf_hash);
            Some(InvoiceEvidence { record, log_index, leaf_hash })
        }
    };
    let payment = payment.map(|record| {
        let leaf_hash = leaf_hash(&record.leaf_bytes());
        let log_index = state.log.size();
        state.log.append(leaf_hash);
        PaymentEvidence { record, log_index, leaf_hash }
    });
    let contract = fx.contract.map(|outcome| contract_evidence(state, tx, outcome, env));
    (payment, contract, invoice)
}

/// Appends what a transaction's contract calls left to the log, after its leaf: the records of
/// their transfers, then their events.
fn contract_evidence(state: &mut LedgerState, tx: &Transaction, outcome: ContractOutcome, env: BlockEnv) -> ContractEvidence {
    let mut append = |bytes: Vec<u8>| {
        let leaf = leaf_hash(&bytes);
        let index = state.log.size();
        state.log.append(leaf);
        (index, leaf)
    };
    let payments = outcome
        .payments
        .into_iter()
        .map(|record| {
            let (log_index, leaf_hash) = append(record.leaf_bytes());
            PaymentEvidence { record, log_index, leaf_hash }
        })
        .collect();
    let events = outcome
        .events
        .into_iter()
        .enumerate()
        .map(|(seq, (contract, data))| {
            let event = ContractEvent { tx_id: tx.id(), height: env.height, contract, seq: seq as u32, data };
            let (log_index, leaf_hash) = append(event.leaf_bytes());
            EventEvidence { event, log_index, leaf_hash }
        })
        .collect();
    ContractEvidence { contract: outcome.contract, output: outcome.output, fuel_used: outcome.fuel_used, payments, events }
}


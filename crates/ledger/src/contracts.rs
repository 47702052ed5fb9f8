//! Contracts on the ledger (X.1405 8.6, X.1407 7.2.1 e–f): instantiation of approved code into
//! a contract account, calls, and the host side of the runtime — the contract's storage in the
//! authenticated map, its balances, transfers under every payment rule, proof lookups and calls
//! to other contracts. Governance (approval, pause, upgrade, advisories) is in
//! [`crate::governance`], which calls [`register_code`], [`set_paused`], [`upgrade`] and
//! [`set_advisory`] here.
//!
//! Atomicity: the whole transaction runs on a scratch copy of the state (`apply_tx`), so a
//! trap, exhausted fuel or a refused transfer anywhere in a chain of calls drops everything
//! every call in it did. Re-entrancy: a contract already on the call stack cannot be called
//! again (its own pending writes are not in the state yet, so it would see stale storage).

use crate::env::BlockEnv;
use crate::error::{ContractError, TxError};
use crate::payments::{self, Payment};
use crate::state::LedgerState;
use std::collections::BTreeSet;
use std::sync::LazyLock;
use vellum_contracts::{CallContext, Refusal, Runtime, Storage};
use vellum_types::contract::{
    Advisory, CONTRACT_CALL_DEPTH_MAX, CodeEntry, ContractInstance, ContractVersion, INIT_FUNCTION, contract_account_id,
    contract_kyc_commitment,
};
use vellum_types::payment::Hash32Text;
use vellum_types::{Account, AccountId, AccountStatus, Hash32, Leg, PaymentRecord, Role, SignerSet, StateKey, Transaction};

type Touched = BTreeSet<Hash32>;

/// The interpreter and its compiled modules. A cache, not state: a compiled module is a pure
/// function of the code, and a cached call has the same outcome, to the unit of fuel, as an
/// uncached one (tested in `vellum-contracts`), so sharing it cannot make validators differ.
static RUNTIME: LazyLock<Runtime> = LazyLock::new(Runtime::new);

/// A contract body with its fields: `apply_tx` builds one per variant in its exhaustive match.
pub(crate) enum ContractTx<'a> {
    Instantiate { code_digest: &'a Hash32, input: &'a [u8], fuel: u64 },
    Call { contract: &'a AccountId, function: &'a str, input: &'a [u8], fuel: u64 },
}

/// What a transaction's contract calls leave for the log and the receipt.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContractOutcome {
    /// The contract the transaction named (a new one for an instantiation).
    pub contract: AccountId,
    /// The top call's output.
    pub output: Vec<u8>,
    pub fuel_used: u64,
    /// Records of the transfers the calls made, in order.
    pub payments: Vec<PaymentRecord>,
    /// Events, each with the contract that emitted it, in the order the calls completed.
    pub events: Vec<(AccountId, Vec<u8>)>,
}

pub(crate) fn apply(
    state: &mut LedgerState,
    sender: &Account,
    tx: &Transaction,
    body: ContractTx<'_>,
    env: BlockEnv,
    touched: &mut Touched,
) -> Result<ContractOutcome, TxError> {
    let ((instance, code), function, input, fuel) = match body {
        ContractTx::Instantiate { code_digest, input, fuel } => {
            (instantiate(state, sender, tx, code_digest, env, touched)?, INIT_FUNCTION, input, fuel)
        }
        ContractTx::Call { contract, function, input, fuel } => (callable(state, contract)?, function, input, fuel),
    };
    let mut acc = ContractOutcome { contract: instance.id, ..ContractOutcome::default() };
    // An instantiation runs `init` only if the code exports one.
    if function == INIT_FUNCTION && !code.entry_points.iter().any(|e| e == INIT_FUNCTION) {
        return Ok(acc);
    }
    let mut stack = Vec::with_capacity(CONTRACT_CALL_DEPTH_MAX);
    let call = Call { caller: sender.id, contract: instance.id, code: &code.code, function, input, fuel };
    let (output, used) = run(&mut Host { state, touched, tx, env, stack: &mut stack, contract: instance.id, acc: &mut acc }, call)?;
    acc.output = output;
    acc.fuel_used = used;
    Ok(acc)
}

/// Creates the contract account and its instance record.
fn instantiate(
    state: &mut LedgerState,
    sender: &Account,
    tx: &Transaction,
    code_digest: &Hash32,
    env: BlockEnv,
    touched: &mut Touched,
) -> Result<(ContractInstance, CodeEntry), TxError> {
    let code = state.contract_code(code_digest).ok_or_else(|| ContractError::UnknownCode(hex::encode(code_digest)))?;
    if code.advisory.is_some() {
        return Err(ContractError::CodeAdvisory(hex::encode(code_digest)).into());
    }
    let id = contract_account_id(code_digest, &sender.id, tx.unsigned.nonce);
    if state.account(&id).is_some() {
        return Err(TxError::AccountExists(id));
    }
    // No keys: a threshold no signer set can meet, so only the code moves its tokens.
    let account = Account {
        id,
        signers: SignerSet { signers: Vec::new(), threshold: 1 },
        status: AccountStatus::Active,
        status_note: None,
        subledger: sender.subledger.clone(),
        roles: vec![Role::User],
        label: code.name.clone(),
        kyc_commitment: Some(contract_kyc_commitment(code_digest)),
        opened_by: Some(sender.id),
        opened_height: env.height,
        next_nonce: 0,
    };
    state.put_account(&account);
    touched.insert(StateKey::Account(id).hash());
    let instance = ContractInstance {
        id,
        name: code.name.clone(),
        code_digest: Hash32Text(*code_digest),
        paused: false,
        creator: sender.id,
        created_height: env.height,
        history: vec![ContractVersion { version: 1, code_digest: Hash32Text(*code_digest), height: env.height, proposal: None }],
    };
    touched.insert(state.put_value(&StateKey::Contract(id), &instance));
    Ok((instance, code))
}

/// The instance and its code, if it may be called now: known, not paused, its code under no
/// advisory, its account active.
fn callable(state: &LedgerState, id: &AccountId) -> Result<(ContractInstance, CodeEntry), TxError> {
    let instance = state.contract(id).ok_or(ContractError::UnknownContract(*id))?;
    if instance.paused {
        return Err(ContractError::Paused(*id).into());
    }
    let code = state.contract_code(&instance.code_digest.0).expect("an instance's code is stored");
    if code.advisory.is_some() {
        return Err(ContractError::CodeAdvisory(instance.code_digest.to_string()).into());
    }
    let account = state.account(id).expect("an instance has an account");
    if account.status != AccountStatus::Active {
        return Err(TxError::SenderNotActive { account: *id, status: account.status.name() });
    }
    Ok((instance, code))
}

/// One call to run.
struct Call<'c> {
    caller: AccountId,
    contract: AccountId,
    /// The contract's code, read once by [`callable`] or [`instantiate`].
    code: &'c [u8],
    function: &'c str,
    input: &'c [u8],
    fuel: u64,
}

/// The ledger as the contract `contract` sees it during one call.
struct Host<'h> {
    state: &'h mut LedgerState,
    touched: &'h mut Touched,
    tx: &'h Transaction,
    env: BlockEnv,
    /// Contracts with a call in progress, outermost first.
    stack: &'h mut Vec<AccountId>,
    contract: AccountId,
    acc: &'h mut ContractOutcome,
}

/// Runs one call and applies what it left: its storage writes and its events. Returns its
/// output and the fuel it used.
fn run(host: &mut Host<'_>, call: Call<'_>) -> Result<(Vec<u8>, u64), TxError> {
    let id = call.contract;
    assert!(host.stack.len() < CONTRACT_CALL_DEPTH_MAX, "the depth is checked before a call");
    let ctx = CallContext {
        caller: call.caller.0,
        contract: id.0,
        height: host.env.height,
        time_ms: host.env.time_ms,
        input: call.input,
        fuel: call.fuel,
    };
    host.stack.push(id);
    let mut inner = Host { state: host.state, touched: host.touched, tx: host.tx, env: host.env, stack: host.stack, contract: id, acc: host.acc };
    let outcome = RUNTIME.call(call.code, call.function, ctx, &mut inner);
    host.stack.pop();
    let outcome = outcome.map_err(|e| ContractError::Failed { contract: id, code: e.code(), message: e.to_string() })?;
    for (key, value) in outcome.writes {
        let state_key = StateKey::ContractData(id, key);
        host.touched.insert(match value {
            Some(v) => host.state.put_value(&state_key, &v),
            None => host.state.remove_value(&state_key),
        });
    }
    host.acc.events.extend(outcome.events.into_iter().map(|e| (id, e)));
    Ok((outcome.output, outcome.fuel_used))
}

fn refusal(e: TxError) -> Refusal {
    Refusal { code: e.code().to_string(), message: e.to_string() }
}

impl Storage for Host<'_> {
    fn read(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.state.contract_data(&self.contract, key)
    }

    fn balance(&self, token: &str) -> u128 {
        self.state.balance(&self.contract, token).available
    }

    /// A transfer from the contract account: the payments module's own transfer, so every rule
    /// that binds a person binds a contract (frozen accounts, paused tokens, KYC, monitoring).
    fn transfer(&mut self, token: &str, to: [u8; 32], amount: u128) -> Result<(), Refusal> {
        let mut account = self.state.account(&self.contract).expect("a running contract has an account");
        if account.status != AccountStatus::Active {
            return Err(refusal(TxError::SenderNotActive { account: account.id, status: account.status.name() }));
        }
        if amount == 0 || !vellum_types::payment::valid_symbol(token) {
            return Err(Refusal { code: "bad_transfer".into(), message: "a transfer needs a positive amount and a valid token symbol".into() });
        }
        let legs = [Leg { to: AccountId(to), token: token.to_string(), amount, convert: None }];
        let payment = Payment::Transfer { legs: &legs, reference: &None };
        let record = payments::apply(self.state, &mut account, self.tx, payment, self.env, self.touched).map_err(refusal)?;
        self.acc.payments.extend(record);
        Ok(())
    }

    fn proof(&self, registrant: [u8; 32], digest: [u8; 32]) -> Option<([u8; 32], u64)> {
        let id = self.state.live_digest(&AccountId(registrant), &digest)?;
        let entry = self.state.proof(&id).expect("a live digest names a stored proof");
        Some((id.0, entry.leaf_index))
    }

    fn call(&mut self, contract: [u8; 32], function: &str, input: &[u8], fuel: u64) -> Result<(Vec<u8>, u64), Refusal> {
        let target = AccountId(contract);
        if self.stack.len() >= CONTRACT_CALL_DEPTH_MAX {
            return Err(Refusal { code: "call_depth".into(), message: format!("contract calls nest at most {CONTRACT_CALL_DEPTH_MAX} deep") });
        }
        if self.stack.contains(&target) {
            return Err(Refusal { code: "reentrant_call".into(), message: format!("contract {target} is already running in this transaction") });
        }
        let (_, code) = callable(self.state, &target).map_err(refusal)?;
        let call = Call { caller: self.contract, contract: target, code: &code.code, function, input, fuel };
        run(self, call).map_err(refusal)
    }
}

/// Governance approves code: the ledger runs the same static checks as `vellum contract
/// check` (so unchecked code never reaches the state) and stores the code by digest.
pub(crate) fn register_code(
    state: &mut LedgerState,
    (name, code, review_digest): (&str, &[u8], &Hash32Text),
    proposal: u64,
    env: BlockEnv,
    touched: &mut Touched,
) -> Result<Hash32, TxError> {
    let report = check_code(code)?;
    let digest = vellum_types::sha256(code);
    if state.contract_code(&digest).is_some() {
        return Err(ContractError::CodeKnown(hex::encode(digest)).into());
    }
    let entry = CodeEntry {
        digest: Hash32Text(digest),
        name: name.to_string(),
        review_digest: *review_digest,
        entry_points: report.entry_points,
        code: code.to_vec(),
        proposal,
        height: env.height,
        advisory: None,
    };
    touched.insert(state.put_value(&StateKey::ContractCode(digest), &entry));
    Ok(digest)
}

/// The static checks (`vellum contract check`), as a ledger error.
pub(crate) fn check_code(code: &[u8]) -> Result<vellum_contracts::Report, TxError> {
    vellum_contracts::check(code).map_err(|e| ContractError::Check { code: e.code(), message: e.to_string() }.into())
}

pub(crate) fn set_paused(state: &mut LedgerState, id: &AccountId, paused: bool, touched: &mut Touched) -> Result<(), TxError> {
    let mut instance = state.contract(id).ok_or(ContractError::UnknownContract(*id))?;
    if instance.paused == paused {
        return Err(ContractError::Unchanged(*id).into());
    }
    instance.paused = paused;
    touched.insert(state.put_value(&StateKey::Contract(*id), &instance));
    Ok(())
}

/// Moves an instance to other approved code, keeping its storage and balances. Returns the
/// new version.
pub(crate) fn upgrade(state: &mut LedgerState, id: &AccountId, code_digest: &Hash32Text, proposal: u64, env: BlockEnv, touched: &mut Touched) -> Result<u64, TxError> {
    let mut instance = state.contract(id).ok_or(ContractError::UnknownContract(*id))?;
    let code = state.contract_code(&code_digest.0).ok_or_else(|| ContractError::UnknownCode(code_digest.to_string()))?;
    if code.advisory.is_some() {
        return Err(ContractError::CodeAdvisory(code_digest.to_string()).into());
    }
    if instance.code_digest == *code_digest {
        return Err(ContractError::Unchanged(*id).into());
    }
    let version = instance.history.last().expect("an instance has a first version").version + 1;
    instance.code_digest = *code_digest;
    instance.history.push(ContractVersion { version, code_digest: *code_digest, height: env.height, proposal: Some(proposal) });
    touched.insert(state.put_value(&StateKey::Contract(*id), &instance));
    Ok(version)
}

/// Records or lifts an advisory against a code digest: every instance of the code checks it on
/// each call, so one record pauses them all at once.
pub(crate) fn set_advisory(
    state: &mut LedgerState,
    code_digest: &Hash32Text,
    advisory: &Option<Hash32Text>,
    proposal: u64,
    env: BlockEnv,
    touched: &mut Touched,
) -> Result<(), TxError> {
    let mut code = state.contract_code(&code_digest.0).ok_or_else(|| ContractError::UnknownCode(code_digest.to_string()))?;
    let next = advisory.map(|digest| Advisory { digest, proposal, height: env.height });
    if code.advisory.is_none() && next.is_none() {
        return Err(TxError::ModuleUnchanged(code.name));
    }
    code.advisory = next;
    touched.insert(state.put_value(&StateKey::ContractCode(code_digest.0), &code));
    Ok(())
}

use crate::error::{BlockError, TxError};
use crate::{governance, issuers, payments, proofs, recovery, validators};
use crate::state::{LedgerState, StateKey};
use std::collections::BTreeSet;
use vellum_crypto::merkle::{leaf_hash, root};
use vellum_crypto::{AuthMap, CompactLog, verify_txs};
use vellum_types::{
    Account, AccountStatus, Block, PaymentRecord, SignerSet, account::StatusNote, BlockHeader, EvidenceRecord, Genesis, Hash32, PublicKey,
    Role, Transaction, TxBody, TxId,
};

/// What the block being executed tells its transactions about the world.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockEnv {
    pub height: u64,
    pub time_ms: u64,
}

/// Where an executed transaction landed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxReceipt {
    pub tx_id: TxId,
    pub height: u64,
    /// Position within the block.
    pub index: u32,
    /// Position in the RFC 6962 log, and the leaf hash stored there.
    pub log_index: u64,
    pub leaf_hash: Hash32,
    /// The evidence record a registration appended right after its transaction leaf.
    pub evidence: Option<Evidence>,
    /// The payment record a transfer or hold decision appended right after its transaction leaf.
    pub payment: Option<PaymentEvidence>,
}

/// A payment record and where its leaf is in the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentEvidence {
    pub record: PaymentRecord,
    pub log_index: u64,
    pub leaf_hash: Hash32,
}

/// An evidence record and where its leaf is in the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    pub record: EvidenceRecord,
    pub log_index: u64,
    pub leaf_hash: Hash32,
}

/// The result of executing a block: the new state, a receipt per transaction, and the state
/// keys it wrote (sorted), which is what storage must persist.
#[derive(Clone, Debug)]
pub struct BlockOutcome {
    pub state: LedgerState,
    pub receipts: Vec<TxReceipt>,
    pub touched: Vec<Hash32>,
}

/// The genesis state and block (height 0). The block's `parent` is the genesis file's hash,
/// binding the whole chain to that file.
pub fn genesis_block(genesis: &Genesis) -> (LedgerState, Block) {
    genesis.validate().expect("genesis must be validated before use");
    let mut state = LedgerState {
        chain_id: genesis.chain_id.clone(),
        params: genesis.params.clone(),
        validator_set_hash: genesis.validator_set_hash(),
        genesis_hash: genesis.hash(),
        epoch_length: genesis.epoch_length(),
        map: AuthMap::new(),
        log: CompactLog::new(),
        height: 0,
        block_hash: [0; 32],
        time_ms: genesis.genesis_time_ms,
    };
    let council_members = genesis.accounts.iter().filter(|a| a.roles.contains(&Role::Council)).map(|a| a.id()).collect();
    if let Some(council) = governance::genesis_council(council_members) {
        state.put_value(&StateKey::Council, &council);
    }
    let set = validators::genesis_record(&genesis.validators);
    assert_eq!(set.hash(), state.validator_set_hash);
    state.put_value(&StateKey::ValidatorSetChange(0), &set);
    state.put_value(&StateKey::ValidatorSet, &set);
    for a in &genesis.accounts {
        state.put_account(&Account {
            id: a.id(),
            signers: a.signer_set(),
            status: AccountStatus::Active,
            status_note: None,
            subledger: None,
            roles: a.roles.clone(),
            label: a.label.clone(),
            kyc_commitment: None,
            opened_by: None,
            opened_height: 0,
            next_nonce: 0,
        });
    }
    let header = BlockHeader {
        height: 0,
        parent: genesis.hash(),
        epoch: 0,
        view: 0,
        time_ms: genesis.genesis_time_ms,
        proposer: [0; 32],
        txs_root: root(&[]),
        tx_count: 0,
        log_size: 0,
        log_root: state.log.root(),
        state_root: state.state_root(),
        validator_set_hash: state.validator_set_hash,
        genesis_hash: state.genesis_hash,
    };
    state.block_hash = header.hash();
    (state, Block { header, txs: Vec::new() })
}

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
        | TxBody::RevokeAttestation { .. } => Vec::new(),
    };
    match keys.into_iter().find(|k| !vellum_crypto::is_valid_public_key(k)) {
        Some(bad) => Err(TxError::BadPublicKey(bad.to_string())),
        None => Ok(()),
    }
}

fn apply_tx_inner(
    state: &mut LedgerState,
    tx: &Transaction,
    signers: &[PublicKey],
    env: BlockEnv,
    touched: &mut BTreeSet<Hash32>,
) -> Result<TxReceipt, TxError> {
    let u = &tx.unsigned;
    tx.check_shape()?;
    if u.chain_id != state.chain_id {
        return Err(TxError::WrongChain { expected: state.chain_id.clone(), got: u.chain_id.clone() });
    }
    if env.height > u.expiry_height {
        return Err(TxError::Expired { expiry_height: u.expiry_height, height: env.height });
    }
    check_new_keys(&u.body)?;
    let mut sender = state.account(&u.sender).ok_or(TxError::UnknownSender(u.sender))?;
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
    let registration = proofs::Registration::check(state, &sender, &u.body)?;
    let mut writes: Vec<Account> = Vec::with_capacity(2);
    let mut payment = None;
    match &u.body {
        TxBody::OpenAccount { public_key, kyc_commitment, label, role, subledger } => {
            if !sender.has_role(Role::Registrar) {
                return Err(TxError::MissingRole(Role::Registrar));
            }
            if *role != Role::User {
                return Err(TxError::PrivilegedRole(*role));
            }
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
            writes.push(Account {
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
            });
        }
        TxBody::SetAccountStatus { account, status, reason } => {
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
            if target.status == AccountStatus::Revoked {
                return Err(TxError::AccountRevoked(*account));
            }
            if target.status == *status {
                return Err(TxError::StatusUnchanged { account: *account, status: status.name() });
            }
            target.status = *status;
            target.status_note = Some(StatusNote { by: sender.id, reason: reason.clone(), height: env.height });
            writes.push(target);
        }
        TxBody::RegisterProof { .. } | TxBody::RegisterBatch { .. } => {}
        TxBody::SetProofStatus { proof, member, change } => {
            proofs::change_status(state, &sender, tx.id(), (proof, *member, change), env, touched)?
        }
        TxBody::StoreBatchMembers { proof, first, members } => proofs::store_batch_members(state, &sender, (proof, *first, members), touched)?,
        TxBody::AddHolders { proof, member, holders } => proofs::add_holders(state, &sender, (proof, *member, holders), touched)?,
        TxBody::AttestIssuer { issuer, profile } => {
            if !sender.has_role(Role::Registrar) {
                return Err(TxError::MissingRole(Role::Registrar));
            }
            issuers::attest(state, sender.id, (issuer, profile), tx.id(), env, touched)?
        }
        TxBody::RevokeAttestation { issuer, reason } => issuers::revoke(state, &sender, (issuer, reason), tx.id(), env, touched)?,
        TxBody::RevokeIssuer { issuer, from_height, reason } => {
            proofs::revoke_issuer(state, &sender, tx.id(), (issuer, *from_height, reason), env, touched)?
        }
        // Audit records live in the log (inside the transaction's leaf); they change no state.
        TxBody::AuditBatch { .. } => {
            if !sender.has_role(Role::Node) {
                return Err(TxError::MissingRole(Role::Node));
            }
        }
        TxBody::Propose { .. } | TxBody::Vote { .. } => governance::apply(state, &sender, (tx.id(), &u.body), env, touched)?,
        TxBody::ReportMisbehavior { .. } => validators::report(state, &sender, &u.body, env, touched)?,
        TxBody::SetPurposeKeys { request_keys, encryption_recipient } => {
            let keys = vellum_types::payment::PurposeKeys { request_keys: request_keys.clone(), encryption_recipient: encryption_recipient.clone() };
            touched.insert(state.put_value(&StateKey::PurposeKeys(sender.id), &keys));
        }
        TxBody::SetGuardians { .. } | TxBody::ProposeRecovery { .. } | TxBody::CancelRecovery | TxBody::ExecuteRecovery { .. } => {
            recovery::apply(state, &mut sender, &u.body, env, touched)?
        }
        body => {
            assert!(body.is_payment(), "every body kind is handled");
            payment = payments::apply(state, &mut sender, tx, env, touched)?;
        }
    }

    sender.next_nonce = sender.next_nonce.checked_add(1).ok_or(TxError::Overflow("nonce"))?;
    writes.push(sender);
    for account in &writes {
        state.put_account(account);
        touched.insert(StateKey::Account(account.id).hash());
    }
    let leaf = leaf_hash(&tx.leaf_bytes());
    let log_index = state.log.size();
    state.log.append(leaf);
    // A registration's evidence record, or a payment's record, follows its transaction leaf.
    let evidence = registration.map(|r| r.apply(state, tx, signers[0], env, touched));
    let payment = payment.map(|record| {
        let leaf_hash = leaf_hash(&record.leaf_bytes());
        let log_index = state.log.size();
        state.log.append(leaf_hash);
        PaymentEvidence { record, log_index, leaf_hash }
    });
    Ok(TxReceipt { tx_id: tx.id(), height: env.height, index: 0, log_index, leaf_hash: leaf, evidence, payment })
}

/// Checks a block against its parent's state and executes it. Any invalid transaction, limit
/// breach or header commitment that differs from the re-execution makes the whole block
/// invalid, and the parent state is untouched.
pub fn execute_block(parent: &LedgerState, block: &Block) -> Result<BlockOutcome, BlockError> {
    execute_block_with(parent, block, &[])
}

/// [`execute_block`], reusing signature checks already done: `known[i]`, when present, holds
/// the signers of `block.txs[i]` as verified earlier *for exactly these bytes* (a validator's
/// mempool compares the whole envelope, signatures included, before offering them). Every
/// other transaction is batch-verified here. Validity does not change: only the work.
pub fn execute_block_with(parent: &LedgerState, block: &Block, known: &[Option<Vec<PublicKey>>]) -> Result<BlockOutcome, BlockError> {
    let h = &block.header;
    if h.height != parent.height + 1 {
        return Err(BlockError::Height { parent: parent.height, got: h.height });
    }
    if h.parent != parent.block_hash {
        return Err(BlockError::Parent);
    }
    if h.time_ms <= parent.time_ms {
        return Err(BlockError::TimeNotMonotonic { parent: parent.time_ms, got: h.time_ms });
    }
    if h.validator_set_hash != parent.validator_set_hash || h.genesis_hash != parent.genesis_hash {
        return Err(BlockError::ValidatorSet);
    }
    let epoch = validators::epoch_of(h.height, parent.epoch_length);
    if h.epoch != epoch {
        return Err(BlockError::Epoch { height: h.height, expected: epoch, got: h.epoch });
    }
    if h.tx_count as usize != block.txs.len() {
        return Err(BlockError::TxCount { header: h.tx_count, actual: block.txs.len() });
    }
    let txs_max = parent.params.block_txs_max as usize;
    if block.txs.len() > txs_max {
        return Err(BlockError::TooManyTxs { count: block.txs.len(), max: txs_max });
    }
    let bytes: usize = block.txs.iter().map(Transaction::wire_bytes).sum();
    if bytes > parent.params.block_bytes_max as usize {
        return Err(BlockError::TooLarge { bytes, max: parent.params.block_bytes_max as usize });
    }
    let unknown: Vec<usize> = (0..block.txs.len()).filter(|i| known.get(*i).is_none_or(Option::is_none)).collect();
    let to_verify: Vec<Transaction> = unknown.iter().map(|i| block.txs[*i].clone()).collect();
    let verified =
        verify_txs(&to_verify).map_err(|(index, e)| BlockError::Tx { index: unknown[index], error: TxError::Signature(e) })?;
    let mut signers: Vec<Vec<PublicKey>> = (0..block.txs.len()).map(|i| known.get(i).cloned().flatten().unwrap_or_default()).collect();
    for (i, s) in unknown.into_iter().zip(verified) {
        signers[i] = s;
    }

    let mut state = parent.clone();
    let env = BlockEnv { height: h.height, time_ms: h.time_ms };
    let mut touched = BTreeSet::new();
    payments::sweep_holds(&mut state, env, &mut touched);
    let mut receipts = Vec::with_capacity(block.txs.len());
    for (index, (tx, keys)) in block.txs.iter().zip(&signers).enumerate() {
        let mut receipt =
            apply_tx(&mut state, tx, keys, env, &mut touched).map_err(|error| BlockError::Tx { index, error })?;
        receipt.index = index as u32;
        receipts.push(receipt);
    }
    let new_set = validators::end_block(&mut state, env, &mut touched);
    let ids: Vec<Hash32> = block.txs.iter().map(|t| t.id().0).collect();
    if h.txs_root != root(&ids) {
        return Err(BlockError::Commitment("txs_root"));
    }
    if h.log_size != state.log.size() {
        return Err(BlockError::Commitment("log_size"));
    }
    if h.log_root != state.log.root() {
        return Err(BlockError::Commitment("log_root"));
    }
    if h.state_root != state.state_root() {
        return Err(BlockError::Commitment("state_root"));
    }
    state.height = h.height;
    state.block_hash = h.hash();
    state.time_ms = h.time_ms;
    validators::after_block(&mut state, new_set);
    Ok(BlockOutcome { state, receipts, touched: touched.into_iter().collect() })
}

/// A block built by a proposer, with the state it leads to and the candidates left out.
pub struct Built {
    pub block: Block,
    pub outcome: BlockOutcome,
    /// Candidates that could not execute on this parent, with the reason.
    pub rejected: Vec<(TxId, TxError)>,
}

/// Builds the next block from candidates (already signature-checked, with their signers), in
/// order, skipping those that fail and stopping at the block limits.
pub fn build_block<'a>(
    parent: &LedgerState,
    time_ms: u64,
    epoch: u64,
    view: u64,
    proposer: [u8; 32],
    candidates: impl IntoIterator<Item = (&'a Transaction, &'a [PublicKey])>,
) -> Built {
    assert!(time_ms > parent.time_ms, "block time must advance");
    assert_eq!(epoch, validators::epoch_of(parent.height + 1, parent.epoch_length), "consensus and the ledger agree on epochs");
    let env = BlockEnv { height: parent.height + 1, time_ms };
    let mut state = parent.clone();
    let mut touched = BTreeSet::new();
    payments::sweep_holds(&mut state, env, &mut touched);
    let mut txs = Vec::new();
    let mut receipts = Vec::new();
    let mut rejected = Vec::new();
    let mut bytes = 0usize;
    let txs_max = parent.params.block_txs_max as usize;
    for (tx, signers) in candidates {
        if txs.len() >= txs_max {
            break;
        }
        let size = tx.wire_bytes();
        if bytes + size > parent.params.block_bytes_max as usize {
            continue;
        }
        match apply_tx(&mut state, tx, signers, env, &mut touched) {
            Ok(mut receipt) => {
                receipt.index = txs.len() as u32;
                receipts.push(receipt);
                txs.push(tx.clone());
                bytes += size;
            }
            Err(e) => rejected.push((tx.id(), e)),
        }
    }
    let new_set = validators::end_block(&mut state, env, &mut touched);
    let ids: Vec<Hash32> = txs.iter().map(|t| t.id().0).collect();
    let header = BlockHeader {
        height: env.height,
        parent: parent.block_hash,
        epoch,
        view,
        time_ms,
        proposer,
        txs_root: root(&ids),
        tx_count: txs.len() as u32,
        log_size: state.log.size(),
        log_root: state.log.root(),
        state_root: state.state_root(),
        validator_set_hash: parent.validator_set_hash,
        genesis_hash: parent.genesis_hash,
    };
    state.height = header.height;
    state.block_hash = header.hash();
    state.time_ms = time_ms;
    validators::after_block(&mut state, new_set);
    let block = Block { header, txs };
    Built { block, outcome: BlockOutcome { state, receipts, touched: touched.into_iter().collect() }, rejected }
}

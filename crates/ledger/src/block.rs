//! Blocks: the genesis block, and one execution path shared by the proposer ([`build_block`])
//! and every verifier ([`execute_block`]) — [`BlockRun`]: `begin → push(tx)… → finish → seal`.
//! The proposer keeps what pushes and skips what does not; the verifier requires every push to
//! succeed and the header to equal what the run computed. Since both run the same steps in the
//! same order, a block one builds is a block the others accept.

use crate::env::{BlockEnv, BlockOutcome, TxReceipt};
use crate::error::{BlockError, TxError};
use crate::exec::apply_tx;
use crate::state::{LedgerState, StateKey};
use crate::{governance, payments, validators};
use std::collections::BTreeSet;
use vellum_contracts::limits::BLOCK_FUEL_MAX;
use vellum_crypto::merkle::root;
use vellum_crypto::{AuthMap, CompactLog, verify_txs};
use vellum_types::{Account, AccountStatus, Block, BlockHeader, Genesis, Hash32, PublicKey, Role, Transaction, TxId};

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

/// Why a transaction was not added to a [`BlockRun`].
#[derive(Debug)]
pub enum PushError {
    /// The block holds `block_txs_max` transactions already.
    Full,
    /// The transaction's bytes would take the block over `block_bytes_max`.
    TooLarge,
    /// The transaction declares more contract fuel than the block has left (it may fit a
    /// later block).
    Fuel(TxError),
    /// The transaction does not execute on the state so far (nothing changed).
    Tx(TxError),
}

/// A block being executed on its parent's state.
pub struct BlockRun {
    parent_hash: Hash32,
    env: BlockEnv,
    txs_max: usize,
    bytes_max: usize,
    state: LedgerState,
    touched: BTreeSet<Hash32>,
    receipts: Vec<TxReceipt>,
    ids: Vec<Hash32>,
    bytes: usize,
    /// Contract fuel the block's transactions declared so far (at most `BLOCK_FUEL_MAX`).
    fuel_declared: u64,
}

/// What a finished run commits to, for the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Commitments {
    pub txs_root: Hash32,
    pub tx_count: u32,
    pub log_size: u64,
    pub log_root: Hash32,
    pub state_root: Hash32,
}

/// A run whose transactions are all in and whose end-of-block work is done: it waits for the
/// header that names it.
pub struct Finished {
    run: BlockRun,
    new_set: Option<Hash32>,
    pub commitments: Commitments,
}

impl BlockRun {
    /// Starts the block at `env.height = parent.height + 1`: a copy of the parent state (O(1)),
    /// then the start-of-block work (expired payment holds).
    pub fn begin(parent: &LedgerState, env: BlockEnv) -> Self {
        assert_eq!(env.height, parent.height + 1, "a block follows its parent");
        assert!(env.time_ms > parent.time_ms, "block time must advance");
        let mut run = Self {
            parent_hash: parent.block_hash,
            env,
            txs_max: parent.params.block_txs_max as usize,
            bytes_max: parent.params.block_bytes_max as usize,
            state: parent.clone(),
            touched: BTreeSet::new(),
            receipts: Vec::new(),
            ids: Vec::new(),
            bytes: 0,
            fuel_declared: 0,
        };
        payments::sweep_holds(&mut run.state, env, &mut run.touched);
        run
    }

    /// Executes the next transaction (signatures already verified: `signers`). On any error
    /// the run is as before.
    pub fn push(&mut self, tx: &Transaction, signers: &[PublicKey]) -> Result<&TxReceipt, PushError> {
        if self.ids.len() >= self.txs_max {
            return Err(PushError::Full);
        }
        let size = tx.wire_bytes();
        if self.bytes + size > self.bytes_max {
            return Err(PushError::TooLarge);
        }
        // The budget counts what transactions declare, not what they use, so whether a
        // transaction fits is known before it runs.
        let fuel = tx.unsigned.fuel_declared();
        let left = BLOCK_FUEL_MAX - self.fuel_declared;
        if fuel > left {
            return Err(PushError::Fuel(TxError::BlockFuel { asked: fuel, left, max: BLOCK_FUEL_MAX }));
        }
        let mut receipt = apply_tx(&mut self.state, tx, signers, self.env, &mut self.touched).map_err(PushError::Tx)?;
        self.fuel_declared += fuel;
        assert!(self.fuel_declared <= BLOCK_FUEL_MAX, "the block's fuel budget holds");
        receipt.index = self.ids.len() as u32;
        self.ids.push(receipt.tx_id.0);
        self.receipts.push(receipt);
        self.bytes += size;
        Ok(self.receipts.last().expect("just pushed"))
    }

    /// Transactions in the block so far.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether no transaction is in the block yet.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Ends the block: the end-of-block work (an epoch boundary installs a pending validator
    /// set), then the commitments the header must carry.
    pub fn finish(mut self) -> Finished {
        let new_set = validators::end_block(&mut self.state, self.env, &mut self.touched);
        let commitments = Commitments {
            txs_root: root(&self.ids),
            tx_count: self.ids.len() as u32,
            log_size: self.state.log.size(),
            log_root: self.state.log.root(),
            state_root: self.state.state_root(),
        };
        Finished { run: self, new_set, commitments }
    }
}

impl Finished {
    /// Whether `header` names exactly this run: its parent, height, time and commitments.
    /// The first field that differs, for the verifier's error.
    pub fn check(&self, header: &BlockHeader) -> Result<(), BlockError> {
        let c = &self.commitments;
        assert_eq!(header.height, self.run.env.height, "checked against the run's own height");
        assert_eq!(header.parent, self.run.parent_hash, "checked against the run's own parent");
        if header.tx_count != c.tx_count {
            return Err(BlockError::TxCount { header: header.tx_count, actual: c.tx_count as usize });
        }
        if header.txs_root != c.txs_root {
            return Err(BlockError::Commitment("txs_root"));
        }
        if header.log_size != c.log_size {
            return Err(BlockError::Commitment("log_size"));
        }
        if header.log_root != c.log_root {
            return Err(BlockError::Commitment("log_root"));
        }
        if header.state_root != c.state_root {
            return Err(BlockError::Commitment("state_root"));
        }
        Ok(())
    }

    /// The block's outcome under `header` (which [`Finished::check`] accepted, or which the
    /// proposer made from the commitments).
    pub fn seal(self, header: &BlockHeader) -> BlockOutcome {
        debug_assert!(self.check(header).is_ok(), "sealed under a header that names this run");
        let Finished { run, new_set, .. } = self;
        let mut state = run.state;
        state.height = header.height;
        state.block_hash = header.hash();
        state.time_ms = header.time_ms;
        validators::after_block(&mut state, new_set);
        BlockOutcome { state, receipts: run.receipts, touched: run.touched.into_iter().collect() }
    }
}

/// Checks a block against its parent's state and executes it. Any invalid transaction, limit
/// breach or header commitment that differs from the re-execution makes the whole block
/// invalid, and the parent state is untouched.
pub fn execute_block(parent: &LedgerState, block: &Block) -> Result<BlockOutcome, BlockError> {
    execute_block_with(parent, block, &[])
}

/// Header fields that follow from the parent alone, checked before any work.
fn check_header(parent: &LedgerState, block: &Block) -> Result<(), BlockError> {
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
    // The limits again, before the signature work (pushing checks them too).
    let txs_max = parent.params.block_txs_max as usize;
    if block.txs.len() > txs_max {
        return Err(BlockError::TooManyTxs { count: block.txs.len(), max: txs_max });
    }
    let bytes: usize = block.txs.iter().map(Transaction::wire_bytes).sum();
    if bytes > parent.params.block_bytes_max as usize {
        return Err(BlockError::TooLarge { bytes, max: parent.params.block_bytes_max as usize });
    }
    Ok(())
}

/// [`execute_block`], reusing signature checks already done: `known[i]`, when present, holds
/// the signers of `block.txs[i]` as verified earlier *for exactly these bytes* (a validator's
/// mempool compares the whole envelope, signatures included, before offering them). Every
/// other transaction is batch-verified here. Validity does not change: only the work.
pub fn execute_block_with(parent: &LedgerState, block: &Block, known: &[Option<Vec<PublicKey>>]) -> Result<BlockOutcome, BlockError> {
    check_header(parent, block)?;
    let signers = block_signers(block, known)?;
    let h = &block.header;
    let mut run = BlockRun::begin(parent, BlockEnv { height: h.height, time_ms: h.time_ms });
    for (index, (tx, keys)) in block.txs.iter().zip(&signers).enumerate() {
        match run.push(tx, keys) {
            Ok(_) => {}
            Err(PushError::Tx(error) | PushError::Fuel(error)) => return Err(BlockError::Tx { index, error }),
            // `check_header` refused both already; answered the same way rather than assumed.
            Err(PushError::Full) => return Err(BlockError::TooManyTxs { count: block.txs.len(), max: parent.params.block_txs_max as usize }),
            Err(PushError::TooLarge) => {
                let bytes = block.txs.iter().map(Transaction::wire_bytes).sum();
                return Err(BlockError::TooLarge { bytes, max: parent.params.block_bytes_max as usize });
            }
        }
    }
    let finished = run.finish();
    finished.check(h)?;
    Ok(finished.seal(h))
}

/// The verified signers of every transaction of `block`: those in `known`, the rest verified
/// here in one batch.
fn block_signers(block: &Block, known: &[Option<Vec<PublicKey>>]) -> Result<Vec<Vec<PublicKey>>, BlockError> {
    let unknown: Vec<usize> = (0..block.txs.len()).filter(|i| known.get(*i).is_none_or(Option::is_none)).collect();
    let to_verify: Vec<Transaction> = unknown.iter().map(|i| block.txs[*i].clone()).collect();
    let verified =
        verify_txs(&to_verify).map_err(|(index, e)| BlockError::Tx { index: unknown[index], error: TxError::Signature(e) })?;
    let mut signers: Vec<Vec<PublicKey>> = (0..block.txs.len()).map(|i| known.get(i).cloned().flatten().unwrap_or_default()).collect();
    for (i, s) in unknown.into_iter().zip(verified) {
        signers[i] = s;
    }
    Ok(signers)
}

/// A block built by a proposer, with the state it leads to and the candidates left out.
pub struct Built {
    pub block: Block,
    pub outcome: BlockOutcome,
    /// Candidates that could not execute on this parent, with the reason.
    pub rejected: Vec<(TxId, TxError)>,
}

/// Builds the next block from candidates (already signature-checked, with their signers), in
/// order, skipping those that fail or would not fit and stopping when the block is full.
pub fn build_block<'a>(
    parent: &LedgerState,
    time_ms: u64,
    epoch: u64,
    view: u64,
    proposer: [u8; 32],
    candidates: impl IntoIterator<Item = (&'a Transaction, &'a [PublicKey])>,
) -> Built {
    assert_eq!(epoch, validators::epoch_of(parent.height + 1, parent.epoch_length), "consensus and the ledger agree on epochs");
    let mut run = BlockRun::begin(parent, BlockEnv { height: parent.height + 1, time_ms });
    let mut txs = Vec::new();
    let mut rejected = Vec::new();
    // A sender whose transaction waits for a later block has its later nonces wait too (they
    // would fail on the nonce here, and a failure is a rejection).
    let mut waiting = BTreeSet::new();
    for (tx, signers) in candidates {
        if waiting.contains(&tx.unsigned.sender) {
            continue;
        }
        match run.push(tx, signers) {
            Ok(_) => txs.push(tx.clone()),
            Err(PushError::Full) => break,
            Err(PushError::TooLarge | PushError::Fuel(_)) => {
                waiting.insert(tx.unsigned.sender);
            }
            Err(PushError::Tx(e)) => rejected.push((tx.id(), e)),
        }
    }
    let finished = run.finish();
    let c = finished.commitments;
    let header = BlockHeader {
        height: parent.height + 1,
        parent: parent.block_hash,
        epoch,
        view,
        time_ms,
        proposer,
        txs_root: c.txs_root,
        tx_count: c.tx_count,
        log_size: c.log_size,
        log_root: c.log_root,
        state_root: c.state_root,
        validator_set_hash: parent.validator_set_hash,
        genesis_hash: parent.genesis_hash,
    };
    let outcome = finished.seal(&header);
    Built { block: Block { header, txs }, outcome, rejected }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{fixture, key, open, sign};

    /// The limits are the run's: a push past them is refused and changes nothing, and the
    /// proposer skips a too-large transaction but stops at a full block.
    #[test]
    fn a_run_refuses_past_its_limits_and_stays_as_it_was() {
        let mut f = fixture();
        f.genesis.params.block_txs_max = 2;
        let (genesis, _) = genesis_block(&f.genesis);
        let chain = genesis.chain_id.clone();
        let txs: Vec<Transaction> = (0..3u8).map(|n| sign(&f.registrar, &chain, u64::from(n), open(&key("ed25519", 40 + n)))).collect();
        let signers: Vec<Vec<PublicKey>> = txs.iter().map(|t| vellum_crypto::verify_tx(t).unwrap()).collect();
        let env = BlockEnv { height: 1, time_ms: genesis.time_ms + 1 };

        let mut run = BlockRun::begin(&genesis, env);
        assert!(matches!(run.push(&txs[1], &signers[1]), Err(PushError::Tx(TxError::BadNonce { .. }))));
        assert!(run.is_empty(), "a failed push adds nothing");
        run.push(&txs[0], &signers[0]).expect("valid");
        run.push(&txs[1], &signers[1]).expect("valid after the first");
        let before = run.state.state_root();
        assert!(matches!(run.push(&txs[2], &signers[2]), Err(PushError::Full)));
        assert_eq!((run.len(), run.state.state_root()), (2, before), "a refused push changes nothing");

        let mut small = genesis.clone();
        small.params.block_bytes_max = txs[0].wire_bytes() as u32;
        let mut run = BlockRun::begin(&small, env);
        run.push(&txs[0], &signers[0]).expect("fits exactly");
        assert!(matches!(run.push(&txs[1], &signers[1]), Err(PushError::TooLarge)));

        let candidates = txs.iter().zip(signers.iter().map(Vec::as_slice));
        let built = build_block(&genesis, env.time_ms, 0, 1, [7; 32], candidates);
        assert_eq!(built.block.txs.len(), 2, "the proposer stops at a full block");
        let verified = execute_block(&genesis, &built.block).expect("the verifier runs the same steps");
        assert_eq!(verified.state.block_hash, built.outcome.state.block_hash);
        assert_eq!(verified.receipts, built.outcome.receipts);

        let mut lying = built.block.clone();
        lying.header.state_root[0] ^= 1;
        assert!(matches!(execute_block(&genesis, &lying), Err(BlockError::Commitment("state_root"))));
    }
}

//! Durable storage of the executed ledger: state entries, transaction index, RFC 6962 log
//! leaves and block headers, in one redb database per node.
//!
//! # Commit protocol and why it is crash-safe
//!
//! Consensus (Commonware marshal) keeps finalized blocks and their certificates in its own
//! archives and delivers each finalized block to the application at least once, in height
//! order, until the application acknowledges it. For each delivered block the node:
//!
//! 1. skips it (and acknowledges) if `height <= applied height` — a redelivery after a crash;
//! 2. executes it (pure ledger), fetches the block's finalization certificate from marshal, and
//!    calls [`Store::commit_block`], which writes *everything* the block changed — state
//!    entries, transaction locations, log leaves, evidence records and their digest index,
//!    header, certificate and the new applied height — in **one** redb write transaction with
//!    immediate durability;
//! 3. only after `commit_block` returns, acknowledges the block to marshal.
//!
//! redb commits are atomic (copy-on-write B-trees, a checksummed root swapped by one commit)
//! and durable when `commit` returns. So after a crash at any point the database holds either
//! the state before the block or the state after it, never a mix; and marshal redelivers every
//! block that was not acknowledged, which step 1 makes idempotent. The applied height never
//! runs ahead of what marshal has durably finalized, because marshal only delivers blocks it
//! has persisted with their finalization.
//!
//! On open, [`Store::load_state`] rebuilds the authenticated map and checks its root against
//! the state root in the last committed header: a corrupted or hand-edited database is
//! refused rather than silently forking the node.

use borsh::{BorshDeserialize, BorshSerialize};
use redb::{Database, ReadableDatabase, ReadableMultimapTable, ReadableTable, TableDefinition};
use std::path::Path;
use std::sync::Arc;
use thiserror::Error;
use vellum_crypto::{AuthMap, CompactLog};
use vellum_ledger::{BlockOutcome, LedgerState, genesis_block};
use vellum_types::{Block, BlockHeader, EvidenceRecord, Genesis, Hash32, ProofId, Registered, TxId};

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
/// For each validator-set change (by seq): the proof of its record against the state root of
/// the boundary block that installed it — what evidence bundles follow from the genesis set.
/// Written in the commit of that block (historical state proofs are not kept otherwise).
const VALIDATOR_LINKS: TableDefinition<u64, &[u8]> = TableDefinition::new("validator_links");
const STATE: TableDefinition<[u8; 32], &[u8]> = TableDefinition::new("state");
const TXS: TableDefinition<[u8; 32], &[u8]> = TableDefinition::new("txs");
const LEAVES: TableDefinition<u64, [u8; 32]> = TableDefinition::new("log_leaves");
/// Roots of the log's perfect subtrees above the leaves: `(level ≥ 1, index)` → the root of
/// leaves `[index << level, (index + 1) << level)`, written as each subtree completes, so
/// inclusion and consistency proofs read O(log² n) hashes, never every leaf (schema 2).
const LOG_NODES: TableDefinition<(u8, u64), [u8; 32]> = TableDefinition::new("log_nodes");
const HEADERS: TableDefinition<u64, &[u8]> = TableDefinition::new("headers");
/// Finalization certificate of each block (Commonware encoding), by height.
const CERTIFICATES: TableDefinition<u64, &[u8]> = TableDefinition::new("certificates");
/// Evidence records by proof id (the ledger state keeps only their hash).
const RECORDS: TableDefinition<[u8; 32], &[u8]> = TableDefinition::new("evidence_records");
/// Registered digest (or batch root) → proof ids, for lookups by digest.
const DIGESTS: redb::MultimapTableDefinition<[u8; 32], [u8; 32]> = redb::MultimapTableDefinition::new("digests");
/// Local audit trail of reads of proof data: (proof id, sequence) → entry.
const AUDIT: TableDefinition<([u8; 32], u64), &[u8]> = TableDefinition::new("audit");

/// Audit records committed on the ledger, by proof: (proof id, sequence) → entry.
const LEDGER_AUDIT: TableDefinition<([u8; 32], u64), &[u8]> = TableDefinition::new("ledger_audit");

/// An audit record as finalized on the ledger, with where it is.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct LedgerAuditEntry {
    pub record: vellum_types::proof::AuditRecord,
    /// The node account that recorded it.
    pub node: vellum_types::AccountId,
    pub tx_id: TxId,
    pub height: u64,
}

/// Encrypted originals (X.1407 9.3.2), off-chain, by (proof id, member): the wrapped
/// per-document key and the encrypted payload are kept apart so that deleting the key
/// envelope shreds the document even where a payload copy survives.
const ORIGINAL_KEYS: TableDefinition<([u8; 32], u32), &[u8]> = TableDefinition::new("original_keys");
const ORIGINAL_PAYLOADS: TableDefinition<([u8; 32], u32), &[u8]> = TableDefinition::new("original_payloads");
/// When an original was deleted (ms since the epoch).
const ORIGINAL_DELETED: TableDefinition<([u8; 32], u32), u64> = TableDefinition::new("original_deleted");

/// What the store holds for an original.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Original {
    Stored { key_envelope: Vec<u8>, payload: Vec<u8> },
    Deleted { at_ms: u64 },
    Absent,
}

/// What storing an original did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PutOriginal {
    Stored,
    /// One is already stored: nothing changed.
    Exists,
    /// It was deleted (its tombstone stays): it is not stored again.
    Deleted,
}

/// Audit records waiting to reach the ledger in a node-signed audit transaction: seq → record.
/// Written with the local trail, removed when a finalized block carries the record, so a
/// crash loses none.
const PENDING_AUDIT: TableDefinition<u64, &[u8]> = TableDefinition::new("pending_audit");
/// The same queue keyed by record: `SHA-256(borsh(record))` → its sequence numbers (schema 3),
/// so a finalized audit batch removes its records without scanning the queue.
const PENDING_AUDIT_BY_RECORD: redb::MultimapTableDefinition<[u8; 32], u64> = redb::MultimapTableDefinition::new("pending_audit_by_record");
/// Reads of account data (schema 5), as the four tables above are for proof data:
/// (owner, sequence) → borsh(ReadRecord) locally; the queue for the ledger; and the records
/// finalized by any node, (owner, sequence) → borsh(LedgerReadEntry).
const READS: TableDefinition<([u8; 32], u64), &[u8]> = TableDefinition::new("reads");
const PENDING_READS: TableDefinition<u64, &[u8]> = TableDefinition::new("pending_reads");
const PENDING_READS_BY_RECORD: redb::MultimapTableDefinition<[u8; 32], u64> = redb::MultimapTableDefinition::new("pending_reads_by_record");
const LEDGER_READS: TableDefinition<([u8; 32], u64), &[u8]> = TableDefinition::new("ledger_reads");

/// The tables of one audit trail: the local entries by subject, the queue for the ledger (and
/// its index by record), and what finalized blocks carried, by subject.
#[derive(Clone, Copy)]
struct Trail {
    /// Meta key of the queue's next sequence number (`u64` little-endian; absent: after the
    /// queue's last entry). Sequence numbers are never reused, not even when the queue
    /// empties: the node tracks which queued records it has submitted by sequence number, and
    /// a reused one would make a new record look submitted already (it then waited for the
    /// 30-second retry).
    next_seq: &'static str,
    local: TableDefinition<'static, ([u8; 32], u64), &'static [u8]>,
    pending: TableDefinition<'static, u64, &'static [u8]>,
    pending_by_record: redb::MultimapTableDefinition<'static, [u8; 32], u64>,
    ledger: TableDefinition<'static, ([u8; 32], u64), &'static [u8]>,
}

const PROOF_TRAIL: Trail = Trail { next_seq: "audit_next_seq", local: AUDIT, pending: PENDING_AUDIT, pending_by_record: PENDING_AUDIT_BY_RECORD, ledger: LEDGER_AUDIT };
const READ_TRAIL: Trail = Trail { next_seq: "reads_next_seq", local: READS, pending: PENDING_READS, pending_by_record: PENDING_READS_BY_RECORD, ledger: LEDGER_READS };

/// A read of account data as finalized on the ledger, with where it is.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct LedgerReadEntry {
    pub record: vellum_types::proof::ReadRecord,
    /// The node account that recorded it.
    pub node: vellum_types::AccountId,
    pub tx_id: TxId,
    pub height: u64,
}

/// tx id → borsh(PaymentEntry): every finalized payment-family transaction, for receipts.
const PAYMENTS: TableDefinition<[u8; 32], &[u8]> = TableDefinition::new("payments");
/// (account, sequence) → tx id: the payment transactions each account is a party to.
const ACCOUNT_PAYMENTS: TableDefinition<([u8; 32], u64), [u8; 32]> = TableDefinition::new("account_payments");

/// tx id → borsh(ContractResult): what each finalized contract instantiation or call did
/// (schema 4).
const CONTRACT_RESULTS: TableDefinition<[u8; 32], &[u8]> = TableDefinition::new("contract_results");
/// tx id → borsh(IssuedInvoice): each finalized invoice issuance and its log leaf (schema 4).
const INVOICE_RECORDS: TableDefinition<[u8; 32], &[u8]> = TableDefinition::new("invoice_records");

/// A finalized invoice issuance (X.1407 Appendix I, phase B): the transaction, its log
/// position, and the invoice record at the next one.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct IssuedInvoice {
    pub tx: vellum_types::Transaction,
    pub tx_index: u64,
    pub record: vellum_types::invoice::InvoiceRecord,
}

/// What a finalized contract transaction did: its output and fuel, and the log leaves it
/// appended after its transaction leaf (payment records of its transfers, then its events),
/// each with its log index.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct ContractResult {
    /// The transaction, as in the log.
    pub tx: vellum_types::Transaction,
    pub contract: vellum_types::AccountId,
    pub height: u64,
    pub tx_index: u64,
    pub output: Vec<u8>,
    pub fuel_used: u64,
    pub payments: Vec<(u64, vellum_types::PaymentRecord)>,
    pub events: Vec<(u64, vellum_types::contract::ContractEvent)>,
}

/// tx id → wire bytes of each transaction this node answered `accepted` for and has not yet
/// seen finalized: replayed into the mempool (and gossiped again) after a restart, so an
/// accepted transaction survives the crash of the validator that accepted it. A block's
/// commit deletes its transactions' rows in the same write transaction.
const ACCEPTED: TableDefinition<[u8; 32], &[u8]> = TableDefinition::new("accepted_txs");

/// Members of batches as their registrants handed them to the network (`StoreBatchMembers`):
/// (proof id, member index) → registered digest. A later `first = 0` overwrites them.
const BATCH_MEMBERS: TableDefinition<([u8; 32], u32), [u8; 32]> = TableDefinition::new("batch_members");
/// digest → proof id ‖ member index (big-endian): digest lookup of batch members. Rows may be
/// stale after a batch started over; readers check them against `BATCH_MEMBERS`.
const MEMBER_DIGESTS: redb::MultimapTableDefinition<[u8; 32], [u8; 36]> = redb::MultimapTableDefinition::new("member_digests");

/// Batch members whose status ever changed, by (proof id, member index): lets a proof's reader
/// list the members with a history without reading one state entry per member of the batch.
const CHANGED_MEMBERS: TableDefinition<([u8; 32], u32), ()> = TableDefinition::new("changed_members");
/// Most changed members listed for one proof.
pub const CHANGED_MEMBERS_LISTED_MAX: usize = 1_000;

/// Most batch members found for one digest.
pub const MEMBER_MATCHES_MAX: usize = 64;

/// Most history rows returned for one account.
pub const HISTORY_ROWS_MAX: usize = 1_000;

/// A finalized payment-family transaction, its log position and its payment record.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct PaymentEntry {
    pub tx: vellum_types::Transaction,
    pub height: u64,
    pub tx_index: u64,
    pub record: Option<vellum_types::PaymentRecord>,
}

/// Most audit entries returned for one proof.
pub const AUDIT_ENTRIES_RETURNED_MAX: usize = 1_000;

/// One read of proof data, allowed or refused.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct AuditEntry {
    /// `None` for an anonymous (unauthenticated) caller.
    pub reader: Option<vellum_types::AccountId>,
    pub action: String,
    pub allowed: bool,
    pub time_ms: u64,
}

const META_GENESIS: &str = "genesis_hash";
const META_APPLIED: &str = "applied";
/// The latest cosigned checkpoint: `borsh((size, note))`.
const META_WITNESSED: &str = "witnessed";
/// The storage format's version (`u32` little-endian; absent: 1). Checked at open: an older
/// database is migrated in the open transaction, a newer one refused.
const META_SCHEMA: &str = "schema_version";
/// 1: the tables through issue 15. 2: `log_nodes` (perfect-subtree roots of the log).
/// 3: `pending_audit_by_record` (the audit queue keyed by record). 4: `contract_results`,
/// `invoice_records`.
pub const SCHEMA_VERSION: u32 = 5;

/// Where a finalized transaction is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct TxLocation {
    pub height: u64,
    pub index: u32,
    pub log_index: u64,
}

/// The applied tip, written with every block.
#[derive(Clone, Debug, BorshSerialize, BorshDeserialize)]
struct Applied {
    height: u64,
    block_hash: Hash32,
    time_ms: u64,
    log: CompactLog,
}

#[derive(Debug, Error)]
pub enum OpenError {
    #[error("cannot open the database at {path}: {source}")]
    Database { path: String, source: redb::DatabaseError },
    #[error("this data directory belongs to another chain (genesis {stored}, expected {expected})")]
    WrongGenesis { stored: String, expected: String },
    #[error("this data directory has storage format {found}, newer than this program's {SCHEMA_VERSION}: run a newer vellum")]
    NewerSchema { found: u32 },
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("storage error: {0}")]
    Storage(#[from] redb::Error),
}

#[derive(Debug, Error)]
pub enum LoadError {
    #[error("stored state is corrupt: {0}")]
    Corrupt(String),
    #[error("storage error: {0}")]
    Storage(#[from] redb::Error),
}

#[derive(Debug, Error)]
pub enum CommitError {
    #[error("block {got} does not follow the applied height {applied}")]
    OutOfOrder { applied: u64, got: u64 },
    #[error("stored applied record is corrupt: {0}")]
    Corrupt(String),
    #[error("storage error: {0}")]
    Storage(#[from] redb::Error),
}

#[derive(Debug, Error)]
#[error("storage error: {0}")]
pub struct ReadError(#[from] redb::Error);

macro_rules! from_redb {
    ($($t:ty),*) => {$(
        impl From<redb::TransactionError> for $t { fn from(e: redb::TransactionError) -> Self { redb::Error::from(e).into() } }
        impl From<redb::TableError> for $t { fn from(e: redb::TableError) -> Self { redb::Error::from(e).into() } }
        impl From<redb::StorageError> for $t { fn from(e: redb::StorageError) -> Self { redb::Error::from(e).into() } }
        impl From<redb::CommitError> for $t { fn from(e: redb::CommitError) -> Self { redb::Error::from(e).into() } }
    )*};
}
from_redb!(OpenError, LoadError, CommitError, ReadError);

pub struct Store {
    db: Database,
}

/// Indexes what a block's batch transactions did to members (every transaction in a finalized
/// block executed successfully): the members `StoreBatchMembers` handed over, and the members
/// whose status `SetProofStatus` changed.
fn index_batch_members(txn: &redb::WriteTransaction, block: &Block) -> Result<(), redb::Error> {
    let mut members = txn.open_table(BATCH_MEMBERS)?;
    let mut digests = txn.open_multimap_table(MEMBER_DIGESTS)?;
    let mut changed = txn.open_table(CHANGED_MEMBERS)?;
    for tx in &block.txs {
        let (proof, first, chunk) = match &tx.unsigned.body {
            vellum_types::TxBody::StoreBatchMembers { proof, first, members } => (proof, *first, members),
            vellum_types::TxBody::SetProofStatus { proof, member: Some(index), .. } => {
                changed.insert((proof.0, *index), ())?;
                continue;
            }
            _ => continue,
        };
        for (i, m) in chunk.iter().enumerate() {
            let index = first + i as u32;
            members.insert((proof.0, index), m.digest)?;
            let mut value = [0u8; 36];
            value[..32].copy_from_slice(&proof.0);
            value[32..].copy_from_slice(&index.to_be_bytes());
            digests.insert(m.digest, value)?;
        }
    }
    Ok(())
}

/// Appends one entry to `subject`'s local trail and, with `pending`, queues the record for the
/// ledger, inside the caller's write transaction.
fn append_to_trail(txn: &redb::WriteTransaction, trail: Trail, subject: [u8; 32], entry: &[u8], pending: Option<&[u8]>) -> Result<(), redb::Error> {
    let mut table = txn.open_table(trail.local)?;
    let next = match table.range((subject, 0)..=(subject, u64::MAX))?.next_back() {
        Some(last) => last?.0.value().1 + 1,
        None => 0,
    };
    table.insert((subject, next), entry)?;
    if let Some(bytes) = pending {
        let mut queue = txn.open_table(trail.pending)?;
        let mut meta = txn.open_table(META)?;
        let after_last = queue.last()?.map_or(0, |last| last.0.value() + 1);
        let stored = meta.get(trail.next_seq)?.and_then(|v| v.value().try_into().ok()).map_or(0, u64::from_le_bytes);
        let seq = stored.max(after_last);
        meta.insert(trail.next_seq, (seq + 1).to_le_bytes().as_slice())?;
        queue.insert(seq, bytes)?;
        txn.open_multimap_table(trail.pending_by_record)?.insert(vellum_types::sha256(bytes), seq)?;
    }
    Ok(())
}

/// Records a finalized block carried: drops this node's queued copies (found by their key,
/// one queued copy per copy in the block) and appends each to the trail's ledger table under
/// its subject. `row` gives a record's subject and ledger entry bytes.
fn finalize_trail<R: BorshSerialize>(
    txn: &redb::WriteTransaction,
    trail: Trail,
    records: &[R],
    row: impl Fn(&R) -> ([u8; 32], Vec<u8>),
) -> Result<(), redb::Error> {
    let mut pending = txn.open_table(trail.pending)?;
    let mut by_record = txn.open_multimap_table(trail.pending_by_record)?;
    let mut ledger = txn.open_table(trail.ledger)?;
    for record in records {
        let key = vellum_types::sha256(&enc(record));
        let seq = by_record.get(key)?.next().transpose()?.map(|v| v.value());
        if let Some(seq) = seq {
            by_record.remove(key, seq)?;
            pending.remove(seq)?;
        }
        let (subject, entry) = row(record);
        let next = match ledger.range((subject, 0)..=(subject, u64::MAX))?.next_back() {
            Some(last) => last?.0.value().1 + 1,
            None => 0,
        };
        ledger.insert((subject, next), entry.as_slice())?;
    }
    Ok(())
}

/// Brings an older database to [`SCHEMA_VERSION`] inside the open transaction (all or
/// nothing), or refuses a newer one.
fn migrate(txn: &redb::WriteTransaction) -> Result<(), OpenError> {
    let mut meta = txn.open_table(META)?;
    let found = match meta.get(META_SCHEMA)? {
        Some(v) => u32::from_le_bytes(v.value().try_into().map_err(|_| OpenError::Corrupt("schema version".into()))?),
        None => 1,
    };
    if found > SCHEMA_VERSION {
        return Err(OpenError::NewerSchema { found });
    }
    if found < 2 {
        // Schema 1 kept only leaves: build every complete subtree from them once.
        let leaves = txn.open_table(LEAVES)?;
        let mut nodes = txn.open_table(LOG_NODES)?;
        let mut prev: Option<Hash32> = None;
        for (expected, entry) in leaves.iter()?.enumerate() {
            let (index, leaf) = entry?;
            if index.value() != expected as u64 {
                return Err(OpenError::Corrupt(format!("log leaf {expected} missing")));
            }
            append_log_nodes(&mut nodes, index.value(), leaf.value(), prev)?;
            prev = Some(leaf.value());
        }
    }
    if found < 3 {
        let queue = txn.open_table(PENDING_AUDIT)?;
        let mut index = txn.open_multimap_table(PENDING_AUDIT_BY_RECORD)?;
        for row in queue.iter()? {
            let (seq, record) = row?;
            index.insert(vellum_types::sha256(record.value()), seq.value())?;
        }
    }
    txn.open_table(LOG_NODES)?;
    txn.open_multimap_table(PENDING_AUDIT_BY_RECORD)?;
    // Schema 4 adds tables that start empty (no contract or invoice existed before it).
    txn.open_table(CONTRACT_RESULTS)?;
    txn.open_table(INVOICE_RECORDS)?;
    // Schema 5 adds the (empty) trail of reads of account data.
    txn.open_table(READS)?;
    txn.open_table(PENDING_READS)?;
    txn.open_multimap_table(PENDING_READS_BY_RECORD)?;
    txn.open_table(LEDGER_READS)?;
    meta.insert(META_SCHEMA, SCHEMA_VERSION.to_le_bytes().as_slice())?;
    Ok(())
}

/// redb's page cache. Its default (1 GiB) let a validator's memory grow with the chain up to
/// that size (measured: RSS 550 MiB after 64,000 transfers, 1.7 GiB after 700,000); pages
/// beyond it are read again from the OS page cache, which the kernel may reclaim.
pub const STORE_CACHE_BYTES: usize = 64 * 1024 * 1024;

/// Appends leaf `index` (the next one) and the subtrees it completes.
fn append_leaf(
    leaves: &mut redb::Table<'_, u64, [u8; 32]>,
    nodes: &mut redb::Table<'_, (u8, u64), [u8; 32]>,
    index: u64,
    leaf: Hash32,
) -> Result<(), redb::Error> {
    let left = if index & 1 == 1 { leaves.get(index - 1)?.map(|v| v.value()) } else { None };
    leaves.insert(index, leaf)?;
    append_log_nodes(nodes, index, leaf, left)
}

/// Records the subtrees leaf `index` completes: while the subtree just built is a right child,
/// its parent is complete too (binary carry, as in [`CompactLog::append`]). Leaves must come in
/// index order; `left_leaf` is leaf `index − 1` (needed when `index` is odd).
fn append_log_nodes(nodes: &mut redb::Table<'_, (u8, u64), [u8; 32]>, index: u64, leaf: Hash32, left_leaf: Option<Hash32>) -> Result<(), redb::Error> {
    let (mut level, mut at, mut hash) = (0u8, index, leaf);
    while at & 1 == 1 {
        let left = if level == 0 { left_leaf } else { nodes.get((level, at - 1))?.map(|v| v.value()) };
        let left = left.ok_or_else(|| redb::Error::Corrupted(format!("log subtree ({level}, {}) missing", at - 1)))?;
        hash = vellum_crypto::merkle::node_hash(&left, &hash);
        level += 1;
        at >>= 1;
        nodes.insert((level, at), hash)?;
    }
    Ok(())
}

/// A write transaction whose commit is on disk when `commit` returns: every write this crate
/// makes is acknowledged to someone (a block to marshal, a `202` to a client, an audit record
/// before the data leaves), so none may be lazy. redb's default is the same; stating it keeps
/// a changed default from silently weakening the commit protocol.
fn begin_durable(db: &Database) -> Result<redb::WriteTransaction, redb::Error> {
    let mut txn = db.begin_write()?;
    txn.set_durability(redb::Durability::Immediate)?;
    Ok(txn)
}

fn enc<T: BorshSerialize>(v: &T) -> Vec<u8> {
    borsh::to_vec(v).expect("borsh into Vec is infallible")
}

impl Store {
    /// Opens (or creates) the database and binds it to `genesis`.
    pub fn open(path: &Path, genesis: &Genesis) -> Result<Self, OpenError> {
        let db = Database::builder()
            .set_cache_size(STORE_CACHE_BYTES)
            .create(path)
            .map_err(|source| OpenError::Database { path: path.display().to_string(), source })?;
        Self::bind(db, genesis)
    }

    /// [`Store::open`] over any redb storage backend (fault injection in tests, other media).
    pub fn open_with_backend(backend: impl redb::StorageBackend, genesis: &Genesis) -> Result<Self, OpenError> {
        let db = Database::builder()
            .set_cache_size(STORE_CACHE_BYTES)
            .create_with_backend(backend)
            .map_err(|source| OpenError::Database { path: "(storage backend)".into(), source })?;
        Self::bind(db, genesis)
    }

    fn bind(db: Database, genesis: &Genesis) -> Result<Self, OpenError> {
        let expected = genesis.hash();
        let txn = begin_durable(&db)?;
        {
            let mut meta = txn.open_table(META)?;
            let stored = meta.get(META_GENESIS)?.map(|g| g.value().to_vec());
            match stored {
                Some(g) if g != expected => {
                    return Err(OpenError::WrongGenesis { stored: hex(&g), expected: hex(&expected) });
                }
                Some(_) => {}
                None => {
                    // A new database starts as the genesis state: every entry of it, so the
                    // state table alone always rebuilds the whole map.
                    meta.insert(META_GENESIS, expected.as_slice())?;
                    let (state, block) = genesis_block(genesis);
                    let mut table = txn.open_table(STATE)?;
                    for (k, v) in state.map.iter() {
                        table.insert(*k, v.as_ref())?;
                    }
                    txn.open_table(HEADERS)?.insert(0, enc(&block.header).as_slice())?;
                }
            }
            // Create every table so readers never meet a missing one.
            txn.open_table(STATE)?;
            txn.open_table(TXS)?;
            txn.open_table(LEAVES)?;
            txn.open_table(HEADERS)?;
            txn.open_table(CERTIFICATES)?;
            txn.open_table(RECORDS)?;
            txn.open_multimap_table(DIGESTS)?;
            txn.open_table(AUDIT)?;
            txn.open_table(LEDGER_AUDIT)?;
            txn.open_table(PENDING_AUDIT)?;
            txn.open_table(PAYMENTS)?;
            txn.open_table(ACCOUNT_PAYMENTS)?;
            txn.open_table(ORIGINAL_KEYS)?;
            txn.open_table(ORIGINAL_PAYLOADS)?;
            txn.open_table(ORIGINAL_DELETED)?;
            txn.open_table(ACCEPTED)?;
            txn.open_table(BATCH_MEMBERS)?;
            txn.open_multimap_table(MEMBER_DIGESTS)?;
            txn.open_table(CHANGED_MEMBERS)?;
        }
        migrate(&txn)?;
        txn.commit()?;
        Ok(Self { db })
    }

    /// The state after the last committed block (genesis state if none).
    pub fn load_state(&self, genesis: &Genesis) -> Result<LedgerState, LoadError> {
        let (mut state, _) = genesis_block(genesis);
        let txn = self.db.begin_read()?;
        let meta = txn.open_table(META)?;
        let Some(applied) = meta.get(META_APPLIED)? else {
            return Ok(state);
        };
        let applied: Applied = borsh::from_slice(applied.value())
            .map_err(|e| LoadError::Corrupt(format!("applied record: {e}")))?;
        let headers = txn.open_table(HEADERS)?;
        let header = headers
            .get(applied.height)?
            .ok_or_else(|| LoadError::Corrupt(format!("no header at applied height {}", applied.height)))?;
        let header: BlockHeader =
            borsh::from_slice(header.value()).map_err(|e| LoadError::Corrupt(format!("header: {e}")))?;
        let mut map = AuthMap::new();
        for entry in txn.open_table(STATE)?.iter()? {
            let (k, v) = entry?;
            map.insert(k.value(), Arc::from(v.value()));
        }
        if map.root() != header.state_root {
            return Err(LoadError::Corrupt("state entries do not hash to the committed state root".into()));
        }
        if applied.log.root() != header.log_root || applied.log.size() != header.log_size {
            return Err(LoadError::Corrupt("log frontier does not match the committed log root".into()));
        }
        if header.hash() != applied.block_hash {
            return Err(LoadError::Corrupt("applied block hash does not match its header".into()));
        }
        state.map = map;
        state.log = applied.log;
        state.height = applied.height;
        state.block_hash = applied.block_hash;
        state.time_ms = applied.time_ms;
        // Governed parameters and the validator set live in the map; the fields derived from
        // them follow it.
        state.refresh_derived();
        Ok(state)
    }

    /// The proof of validator-set change `seq` against its boundary block's state root.
    pub fn validator_link_proof(&self, seq: u64) -> Result<Option<vellum_crypto::smt::MapProof>, ReadError> {
        let txn = self.db.begin_read()?;
        let table = match txn.open_table(VALIDATOR_LINKS) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(redb::Error::from(e).into()),
        };
        // Written by this node in the same commit as the block; undecodable means corrupt
        // storage, reported as missing (the bundle request fails with a clear error).
        Ok(table.get(seq)?.and_then(|v| borsh::from_slice(v.value()).ok()))
    }

    /// Keeps the latest checkpoint note witnesses cosigned (a quorum of the governed policy),
    /// durably, replacing an older one; a note of a smaller size than the stored one is ignored
    /// (returns false).
    pub fn put_witnessed(&self, size: u64, note: &str) -> Result<bool, CommitError> {
        let txn = begin_durable(&self.db)?;
        {
            let mut meta = txn.open_table(META)?;
            let stored = meta.get(META_WITNESSED)?.and_then(|v| borsh::from_slice::<(u64, String)>(v.value()).ok());
            if stored.is_some_and(|(s, _)| s > size) {
                return Ok(false);
            }
            meta.insert(META_WITNESSED, borsh::to_vec(&(size, note.to_string())).expect("borsh into Vec").as_slice())?;
        }
        txn.commit()?;
        Ok(true)
    }

    /// The latest witnessed checkpoint note ([`Store::put_witnessed`]), with its size.
    pub fn witnessed(&self) -> Result<Option<(u64, String)>, ReadError> {
        let txn = self.db.begin_read()?;
        let meta = txn.open_table(META)?;
        Ok(meta.get(META_WITNESSED)?.and_then(|v| borsh::from_slice(v.value()).ok()))
    }

    /// Applied height (0 = only genesis).
    pub fn applied_height(&self) -> Result<u64, ReadError> {
        let txn = self.db.begin_read()?;
        let meta = txn.open_table(META)?;
        Ok(match meta.get(META_APPLIED)? {
            Some(v) => borsh::from_slice::<Applied>(v.value()).map(|a| a.height).map_err(|e| {
                ReadError(redb::Error::Corrupted(format!("applied record: {e}")))
            })?,
            None => 0,
        })
    }

    /// Persists everything `block` changed, with its finalization certificate (empty: none
    /// known, e.g. a backfilled ancestor), atomically and durably (see the module docs).
    pub fn commit_block(&self, block: &Block, outcome: &BlockOutcome, certificate: &[u8]) -> Result<(), CommitError> {
        let state = &outcome.state;
        assert_eq!(state.height, block.header.height, "outcome belongs to the block");
        assert_eq!(state.block_hash, block.header.hash(), "outcome belongs to the block");
        let txn = begin_durable(&self.db)?;
        {
            let mut meta = txn.open_table(META)?;
            let applied = match meta.get(META_APPLIED)? {
                Some(v) => Some(borsh::from_slice::<Applied>(v.value()).map_err(|e| CommitError::Corrupt(e.to_string()))?),
                None => None,
            };
            let applied_height = applied.as_ref().map_or(0, |a| a.height);
            if block.header.height != applied_height + 1 {
                return Err(CommitError::OutOfOrder { applied: applied_height, got: block.header.height });
            }
            if let Some(a) = &applied {
                assert_eq!(block.header.parent, a.block_hash, "a finalized block extends the applied one");
            }
            // A new set is installed only by a block that wrote it (an epoch boundary): only
            // then is the set decoded and its link proof stored.
            let set_written = outcome.touched.binary_search(&vellum_types::StateKey::ValidatorSet.hash()).is_ok();
            let set = if set_written { Some(state.validator_set()) } else { None };
            if let Some(set) = set.filter(|s| s.seq > 0 && s.boundary_height == block.header.height) {
                let proof = state.map.prove(&vellum_types::StateKey::ValidatorSetChange(set.seq).hash());
                txn.open_table(VALIDATOR_LINKS)?.insert(set.seq, borsh::to_vec(&proof).expect("borsh").as_slice())?;
            }
            let mut table = txn.open_table(STATE)?;
            for key in &outcome.touched {
                match state.map.get(key) {
                    Some(value) => {
                        table.insert(*key, value.as_ref())?;
                    }
                    None => {
                        table.remove(*key)?;
                    }
                }
            }
            let mut txs = txn.open_table(TXS)?;
            let mut leaves = txn.open_table(LEAVES)?;
            let mut nodes = txn.open_table(LOG_NODES)?;
            let mut records = txn.open_table(RECORDS)?;
            let mut digests = txn.open_multimap_table(DIGESTS)?;
            let mut accepted = txn.open_table(ACCEPTED)?;
            // The block's leaves in log order (a transaction, then its evidence or payment
            // record): subtrees are built as leaves arrive, so order matters.
            let mut new_leaves: Vec<(u64, Hash32)> = Vec::new();
            for r in &outcome.receipts {
                let loc = TxLocation { height: r.height, index: r.index, log_index: r.log_index };
                txs.insert(r.tx_id.0, enc(&loc).as_slice())?;
                accepted.remove(r.tx_id.0)?;
                new_leaves.push((r.log_index, r.leaf_hash));
                if let Some(p) = &r.payment {
                    new_leaves.push((p.log_index, p.leaf_hash));
                }
                if let Some(c) = &r.contract {
                    new_leaves.extend(c.payments.iter().map(|p| (p.log_index, p.leaf_hash)));
                    new_leaves.extend(c.events.iter().map(|e| (e.log_index, e.leaf_hash)));
                    let result = ContractResult {
                        tx: block.txs[r.index as usize].clone(),
                        contract: c.contract,
                        height: r.height,
                        tx_index: r.log_index,
                        output: c.output.clone(),
                        fuel_used: c.fuel_used,
                        payments: c.payments.iter().map(|p| (p.log_index, p.record.clone())).collect(),
                        events: c.events.iter().map(|e| (e.log_index, e.event.clone())).collect(),
                    };
                    txn.open_table(CONTRACT_RESULTS)?.insert(r.tx_id.0, enc(&result).as_slice())?;
                }
                if let Some(i) = &r.invoice {
                    new_leaves.push((i.log_index, i.leaf_hash));
                    let issued = IssuedInvoice { tx: block.txs[r.index as usize].clone(), tx_index: r.log_index, record: i.record.clone() };
                    txn.open_table(INVOICE_RECORDS)?.insert(r.tx_id.0, enc(&issued).as_slice())?;
                }
                if let Some(e) = &r.evidence {
                    new_leaves.push((e.log_index, e.leaf_hash));
                    records.insert(e.record.proof_id.0, enc(&e.record).as_slice())?;
                    let digest = match &e.record.registered {
                        Registered::Single { digest } => *digest,
                        Registered::Batch { root, .. } => *root,
                    };
                    digests.insert(digest, e.record.proof_id.0)?;
                }
            }
            new_leaves.sort_unstable_by_key(|(i, _)| *i);
            let first = applied.as_ref().map_or(0, |a| a.log.size());
            for (n, (index, leaf)) in new_leaves.into_iter().enumerate() {
                assert_eq!(index, first + n as u64, "a block's leaves continue the log without gaps");
                append_leaf(&mut leaves, &mut nodes, index, leaf)?;
            }
            let mut payments = txn.open_table(PAYMENTS)?;
            let mut history = txn.open_table(ACCOUNT_PAYMENTS)?;
            for (tx, r) in block.txs.iter().zip(&outcome.receipts) {
                if !tx.unsigned.body.is_payment() {
                    continue;
                }
                let record = r.payment.as_ref().map(|p| p.record.clone());
                for party in vellum_types::payment::parties(tx, record.as_ref()) {
                    let next = match history.range((party.0, 0)..=(party.0, u64::MAX))?.next_back() {
                        Some(last) => last?.0.value().1 + 1,
                        None => 0,
                    };
                    history.insert((party.0, next), r.tx_id.0)?;
                }
                let entry = PaymentEntry { tx: tx.clone(), height: r.height, tx_index: r.log_index, record };
                payments.insert(r.tx_id.0, enc(&entry).as_slice())?;
            }
            index_batch_members(&txn, block)?;
            for (tx, r) in block.txs.iter().zip(&outcome.receipts) {
                let node = tx.unsigned.sender;
                match &tx.unsigned.body {
                    vellum_types::TxBody::AuditBatch { entries } => finalize_trail(&txn, PROOF_TRAIL, entries, |record| {
                        (record.proof.0, enc(&LedgerAuditEntry { record: record.clone(), node, tx_id: r.tx_id, height: r.height }))
                    })?,
                    vellum_types::TxBody::AuditReads { entries } => finalize_trail(&txn, READ_TRAIL, entries, |record| {
                        (record.owner.0, enc(&LedgerReadEntry { record: record.clone(), node, tx_id: r.tx_id, height: r.height }))
                    })?,
                    // The registrant deleted an original: this node's copy goes with the block
                    // that records it (in the same commit, so a crash cannot keep it), and the
                    // tombstone keeps it from being stored again. A node that was down does this
                    // as it replays the block.
                    vellum_types::TxBody::DeleteOriginal { proof, member } => {
                        txn.open_table(ORIGINAL_KEYS)?.remove((proof.0, *member))?;
                        txn.open_table(ORIGINAL_PAYLOADS)?.remove((proof.0, *member))?;
                        txn.open_table(ORIGINAL_DELETED)?.insert((proof.0, *member), state.time_ms)?;
                    }
                    _ => {}
                }
            }
            txn.open_table(HEADERS)?.insert(block.header.height, enc(&block.header).as_slice())?;
            if !certificate.is_empty() {
                txn.open_table(CERTIFICATES)?.insert(block.header.height, certificate)?;
            }
            let applied = Applied {
                height: state.height,
                block_hash: state.block_hash,
                time_ms: state.time_ms,
                log: state.log.clone(),
            };
            meta.insert(META_APPLIED, enc(&applied).as_slice())?;
        }
        txn.commit()?;
        Ok(())
    }

    /// Records transactions this node accepted, durably (one write transaction, so a batch of
    /// concurrent submissions shares one fsync).
    pub fn put_accepted(&self, txs: &[(TxId, Vec<u8>)]) -> Result<(), CommitError> {
        let txn = begin_durable(&self.db)?;
        {
            let mut table = txn.open_table(ACCEPTED)?;
            for (id, bytes) in txs {
                table.insert(id.0, bytes.as_slice())?;
            }
        }
        txn.commit()?;
        Ok(())
    }

    /// Up to `limit` accepted, not yet finalized transactions (id order).
    pub fn accepted(&self, limit: usize) -> Result<Vec<(TxId, Vec<u8>)>, ReadError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(ACCEPTED)?;
        let mut out = Vec::new();
        for row in table.iter()?.take(limit) {
            let (k, v) = row?;
            out.push((TxId(k.value()), v.value().to_vec()));
        }
        Ok(out)
    }

    /// Ids of up to `limit` accepted, not yet finalized transactions (id order; no bytes).
    pub fn accepted_ids(&self, limit: usize) -> Result<Vec<TxId>, ReadError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(ACCEPTED)?;
        let mut out = Vec::new();
        for row in table.iter()?.take(limit) {
            out.push(TxId(row?.0.value()));
        }
        Ok(out)
    }

    /// Forgets accepted transactions that no longer need replaying (dropped, rejected or
    /// superseded; finalized ones are removed by [`Store::commit_block`]).
    pub fn forget_accepted(&self, ids: &[TxId]) -> Result<(), CommitError> {
        if ids.is_empty() {
            return Ok(());
        }
        let txn = begin_durable(&self.db)?;
        {
            let mut table = txn.open_table(ACCEPTED)?;
            for id in ids {
                table.remove(id.0)?;
            }
        }
        txn.commit()?;
        Ok(())
    }

    /// The finalization certificate stored with the block at `height` (none for genesis).
    pub fn certificate(&self, height: u64) -> Result<Option<Vec<u8>>, ReadError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(CERTIFICATES)?;
        Ok(table.get(height)?.map(|v| v.value().to_vec()))
    }

    pub fn record(&self, id: &ProofId) -> Result<Option<EvidenceRecord>, ReadError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(RECORDS)?;
        Ok(table.get(id.0)?.and_then(|v| borsh::from_slice(v.value()).ok()))
    }

    /// Proof ids registered with `digest` (a single document's digest or a batch root).
    pub fn proofs_by_digest(&self, digest: &Hash32) -> Result<Vec<ProofId>, ReadError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_multimap_table(DIGESTS)?;
        let mut out = Vec::new();
        for v in table.get(*digest)? {
            out.push(ProofId(v?.value()));
        }
        Ok(out)
    }

    /// The stored members `[0, count)` of batch `id` (`None` unless all are there).
    pub fn batch_members(&self, id: &ProofId, count: u32) -> Result<Option<Vec<Hash32>>, ReadError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(BATCH_MEMBERS)?;
        let mut out = Vec::with_capacity(count as usize);
        for row in table.range((id.0, 0)..(id.0, count))? {
            out.push(row?.1.value());
        }
        Ok((out.len() == count as usize).then_some(out))
    }

    /// Members of batch `id` whose status ever changed, in index order (at most
    /// [`CHANGED_MEMBERS_LISTED_MAX`]).
    pub fn changed_members(&self, id: &ProofId) -> Result<Vec<u32>, ReadError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(CHANGED_MEMBERS)?;
        let mut out = Vec::new();
        for row in table.range((id.0, 0)..=(id.0, u32::MAX))?.take(CHANGED_MEMBERS_LISTED_MAX) {
            out.push(row?.0.value().1);
        }
        Ok(out)
    }

    /// Batch members whose registered digest is `digest` (at most [`MEMBER_MATCHES_MAX`]).
    pub fn members_by_digest(&self, digest: &Hash32) -> Result<Vec<(ProofId, u32)>, ReadError> {
        let txn = self.db.begin_read()?;
        let index = txn.open_multimap_table(MEMBER_DIGESTS)?;
        let members = txn.open_table(BATCH_MEMBERS)?;
        let mut out = Vec::new();
        for v in index.get(*digest)? {
            let v = v?.value();
            let proof: [u8; 32] = v[..32].try_into().expect("36-byte value");
            let member = u32::from_be_bytes(v[32..].try_into().expect("36-byte value"));
            // A batch that started over may have replaced this member: only current rows count.
            if members.get((proof, member))?.is_some_and(|d| d.value() == *digest) {
                out.push((ProofId(proof), member));
            }
            if out.len() >= MEMBER_MATCHES_MAX {
                break;
            }
        }
        Ok(out)
    }

    /// Appends an audit entry for a read of `proof`'s data (durably, before the data is
    /// returned).
    /// With `pending`, the record is also queued (in the same commit) for the ledger.
    pub fn append_audit(
        &self,
        proof: &ProofId,
        entry: &AuditEntry,
        pending: Option<&vellum_types::proof::AuditRecord>,
    ) -> Result<(), CommitError> {
        let txn = begin_durable(&self.db)?;
        append_to_trail(&txn, PROOF_TRAIL, proof.0, &enc(entry), pending.map(enc).as_deref())?;
        txn.commit()?;
        Ok(())
    }

    /// Appends reads of account data to their owners' trails in one durable commit (before
    /// the data is returned); with `queue`, also queues them (same commit) for the ledger.
    pub fn append_reads(&self, records: &[vellum_types::proof::ReadRecord], queue: bool) -> Result<(), CommitError> {
        let txn = begin_durable(&self.db)?;
        for record in records {
            let bytes = enc(record);
            append_to_trail(&txn, READ_TRAIL, record.owner.0, &bytes, queue.then_some(bytes.as_slice()))?;
        }
        txn.commit()?;
        Ok(())
    }

    /// The reads of `owner`'s data this node recorded that still wait for the ledger, oldest
    /// first (among its newest [`AUDIT_ENTRIES_RETURNED_MAX`] reads): found through the queue's
    /// index by record, not by scanning the queue.
    pub fn pending_reads_of(&self, owner: &vellum_types::AccountId) -> Result<Vec<vellum_types::proof::ReadRecord>, ReadError> {
        let txn = self.db.begin_read()?;
        let local = txn.open_table(READS)?;
        let by_record = txn.open_multimap_table(PENDING_READS_BY_RECORD)?;
        let mut out = Vec::new();
        for row in local.range((owner.0, 0)..=(owner.0, u64::MAX))?.rev().take(AUDIT_ENTRIES_RETURNED_MAX) {
            let (_, bytes) = row?;
            if by_record.get(vellum_types::sha256(bytes.value()))?.next().is_some()
                && let Ok(record) = borsh::from_slice(bytes.value())
            {
                out.push(record);
            }
        }
        out.reverse();
        Ok(out)
    }

    /// Up to `limit` audit records waiting for the ledger, oldest first.
    pub fn pending_audit(&self, limit: usize) -> Result<Vec<(u64, vellum_types::proof::AuditRecord)>, ReadError> {
        self.pending_in(PROOF_TRAIL, limit)
    }

    /// Up to `limit` reads of account data waiting for the ledger, oldest first.
    pub fn pending_reads(&self, limit: usize) -> Result<Vec<(u64, vellum_types::proof::ReadRecord)>, ReadError> {
        self.pending_in(READ_TRAIL, limit)
    }

    fn pending_in<T: BorshDeserialize>(&self, trail: Trail, limit: usize) -> Result<Vec<(u64, T)>, ReadError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(trail.pending)?;
        let mut out = Vec::new();
        for row in table.iter()?.take(limit) {
            let (k, v) = row?;
            if let Ok(r) = borsh::from_slice(v.value()) {
                out.push((k.value(), r));
            }
        }
        Ok(out)
    }

    /// Records of both trails waiting for the ledger.
    pub fn pending_audit_len(&self) -> Result<u64, ReadError> {
        use redb::ReadableTableMetadata;
        let txn = self.db.begin_read()?;
        Ok(txn.open_table(PENDING_AUDIT)?.len()? + txn.open_table(PENDING_READS)?.len()?)
    }

    /// The audit trail of `proof`, oldest first (at most [`AUDIT_ENTRIES_RETURNED_MAX`]).
    pub fn audit(&self, proof: &ProofId) -> Result<Vec<AuditEntry>, ReadError> {
        self.by_subject(AUDIT, &proof.0)
    }

    /// The audit records of reads of `proof` finalized on the ledger, by every node.
    pub fn ledger_audit(&self, proof: &ProofId) -> Result<Vec<LedgerAuditEntry>, ReadError> {
        self.by_subject(LEDGER_AUDIT, &proof.0)
    }

    /// Reads of `owner`'s data recorded by this node, oldest first (at most
    /// [`AUDIT_ENTRIES_RETURNED_MAX`]).
    pub fn reads(&self, owner: &vellum_types::AccountId) -> Result<Vec<vellum_types::proof::ReadRecord>, ReadError> {
        self.by_subject(READS, &owner.0)
    }

    /// Reads of `owner`'s data finalized on the ledger, by every node.
    pub fn ledger_reads(&self, owner: &vellum_types::AccountId) -> Result<Vec<LedgerReadEntry>, ReadError> {
        self.by_subject(LEDGER_READS, &owner.0)
    }

    /// Entries of a `(subject, sequence)` table for one subject, oldest first.
    fn by_subject<T: BorshDeserialize>(
        &self,
        table: TableDefinition<([u8; 32], u64), &[u8]>,
        subject: &[u8; 32],
    ) -> Result<Vec<T>, ReadError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(table)?;
        let mut out = Vec::new();
        for row in table.range((*subject, 0)..=(*subject, u64::MAX))?.take(AUDIT_ENTRIES_RETURNED_MAX) {
            if let Ok(e) = borsh::from_slice(row?.1.value()) {
                out.push(e);
            }
        }
        Ok(out)
    }

    /// Stores an encrypted original (replacing none: an original is stored once).
    pub fn put_original(&self, proof: &ProofId, member: u32, key_envelope: &[u8], payload: &[u8]) -> Result<PutOriginal, CommitError> {
        let txn = begin_durable(&self.db)?;
        {
            if txn.open_table(ORIGINAL_DELETED)?.get((proof.0, member))?.is_some() {
                return Ok(PutOriginal::Deleted);
            }
            let mut keys = txn.open_table(ORIGINAL_KEYS)?;
            if keys.get((proof.0, member))?.is_some() {
                return Ok(PutOriginal::Exists);
            }
            keys.insert((proof.0, member), key_envelope)?;
            txn.open_table(ORIGINAL_PAYLOADS)?.insert((proof.0, member), payload)?;
        }
        txn.commit()?;
        Ok(PutOriginal::Stored)
    }

    pub fn original(&self, proof: &ProofId, member: u32) -> Result<Original, ReadError> {
        let txn = self.db.begin_read()?;
        if let Some(at) = txn.open_table(ORIGINAL_DELETED)?.get((proof.0, member))? {
            return Ok(Original::Deleted { at_ms: at.value() });
        }
        let keys = txn.open_table(ORIGINAL_KEYS)?;
        let Some(k) = keys.get((proof.0, member))? else { return Ok(Original::Absent) };
        let payloads = txn.open_table(ORIGINAL_PAYLOADS)?;
        let payload = payloads.get((proof.0, member))?.map(|p| p.value().to_vec()).unwrap_or_default();
        Ok(Original::Stored { key_envelope: k.value().to_vec(), payload })
    }

    /// A finalized payment-family transaction.
    pub fn payment(&self, id: &TxId) -> Result<Option<PaymentEntry>, ReadError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(PAYMENTS)?;
        Ok(match table.get(id.0)? {
            Some(v) => Some(borsh::from_slice(v.value()).map_err(|e| ReadError(redb::Error::Corrupted(format!("payment entry: {e}"))))?),
            None => None,
        })
    }

    /// What a finalized contract transaction did.
    pub fn contract_result(&self, id: &TxId) -> Result<Option<ContractResult>, ReadError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(CONTRACT_RESULTS)?;
        Ok(match table.get(id.0)? {
            Some(v) => Some(borsh::from_slice(v.value()).map_err(|e| ReadError(redb::Error::Corrupted(format!("contract result: {e}"))))?),
            None => None,
        })
    }

    /// A finalized invoice issuance.
    pub fn issued_invoice(&self, id: &TxId) -> Result<Option<IssuedInvoice>, ReadError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(INVOICE_RECORDS)?;
        Ok(match table.get(id.0)? {
            Some(v) => Some(borsh::from_slice(v.value()).map_err(|e| ReadError(redb::Error::Corrupted(format!("invoice record: {e}"))))?),
            None => None,
        })
    }

    /// The newest payment transactions `account` is a party to, newest first.
    pub fn account_payments(&self, account: &vellum_types::AccountId, limit: usize) -> Result<Vec<TxId>, ReadError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(ACCOUNT_PAYMENTS)?;
        let mut out = Vec::new();
        for row in table.range((account.0, 0)..=(account.0, u64::MAX))?.rev().take(limit.min(HISTORY_ROWS_MAX)) {
            out.push(TxId(row?.1.value()));
        }
        Ok(out)
    }

    /// Which of `ids` are finalized, in one read transaction (admission asks for a whole batch).
    pub fn finalized_among(&self, ids: &[TxId]) -> Result<Vec<bool>, ReadError> {
        let txn = self.db.begin_read()?;
        let txs = txn.open_table(TXS)?;
        ids.iter().map(|id| Ok(txs.get(id.0)?.is_some())).collect()
    }

    pub fn tx_location(&self, id: &TxId) -> Result<Option<TxLocation>, ReadError> {
        let txn = self.db.begin_read()?;
        let txs = txn.open_table(TXS)?;
        Ok(txs.get(id.0)?.and_then(|v| borsh::from_slice(v.value()).ok()))
    }

    pub fn header(&self, height: u64) -> Result<Option<BlockHeader>, ReadError> {
        let txn = self.db.begin_read()?;
        let headers = txn.open_table(HEADERS)?;
        Ok(headers.get(height)?.and_then(|v| borsh::from_slice(v.value()).ok()))
    }

    /// The headers of the finalized blocks at `heights` that are stored, in height order, read
    /// in one transaction.
    pub fn headers(&self, heights: std::ops::RangeInclusive<u64>) -> Result<Vec<BlockHeader>, ReadError> {
        let txn = self.db.begin_read()?;
        let headers = txn.open_table(HEADERS)?;
        let mut out = Vec::new();
        for entry in headers.range(heights)? {
            if let Ok(h) = borsh::from_slice(entry?.1.value()) {
                out.push(h);
            }
        }
        Ok(out)
    }

    /// Appends `leaves` to the log with their subtrees and nothing else (no block, no state):
    /// only for benchmarks of log proofs at sizes no test chain reaches.
    #[cfg(feature = "bench")]
    pub fn append_log_for_bench(&self, leaves: &[Hash32]) -> Result<(), CommitError> {
        let txn = begin_durable(&self.db)?;
        {
            let mut table = txn.open_table(LEAVES)?;
            let mut nodes = txn.open_table(LOG_NODES)?;
            let first = table.last()?.map_or(0, |(k, _)| k.value() + 1);
            for (i, leaf) in leaves.iter().enumerate() {
                append_leaf(&mut table, &mut nodes, first + i as u64, *leaf)?;
            }
        }
        txn.commit()?;
        Ok(())
    }

    /// A consistent read view of the log for proofs ([`vellum_crypto::merkle::Subtrees`]).
    pub fn log_reader(&self) -> Result<LogReader, ReadError> {
        let txn = self.db.begin_read()?;
        Ok(LogReader { leaves: txn.open_table(LEAVES)?, nodes: txn.open_table(LOG_NODES)? })
    }

    /// Leaf hashes `[from, to)` of the RFC 6962 log, for proofs.
    pub fn log_leaves(&self, from: u64, to: u64) -> Result<Vec<Hash32>, ReadError> {
        let txn = self.db.begin_read()?;
        let leaves = txn.open_table(LEAVES)?;
        let mut out = Vec::with_capacity(to.saturating_sub(from) as usize);
        for entry in leaves.range(from..to)? {
            out.push(entry?.1.value());
        }
        Ok(out)
    }
}

/// The log as stored, for proofs: leaves and perfect-subtree roots, read in one snapshot.
pub struct LogReader {
    leaves: redb::ReadOnlyTable<u64, [u8; 32]>,
    nodes: redb::ReadOnlyTable<(u8, u64), [u8; 32]>,
}

impl vellum_crypto::merkle::Subtrees for LogReader {
    fn perfect(&self, level: u32, index: u64) -> Result<Hash32, vellum_crypto::merkle::SubtreeError> {
        let err = |why: String| vellum_crypto::merkle::SubtreeError { level, index, why };
        let got = match u8::try_from(level) {
            Ok(0) => self.leaves.get(index).map(|v| v.map(|v| v.value())),
            Ok(l) => self.nodes.get((l, index)).map(|v| v.map(|v| v.value())),
            Err(_) => return Err(err("level too high".into())),
        };
        got.map_err(|e| err(e.to_string()))?.ok_or_else(|| err("not stored (not finalized here)".into()))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests;

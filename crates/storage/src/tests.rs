use super::*;
use vellum_crypto::verify_tx;
use vellum_ledger::testkit::{fixture, key, open, sign};
use vellum_ledger::{build_block, execute_block};
use vellum_types::Transaction;

/// Builds `n` blocks of one account-opening each on top of `state`.
fn chain(state: &LedgerState, n: u8, registrar: &vellum_crypto::SecretKey, first_nonce: u64) -> Vec<(Block, BlockOutcome)> {
    let mut out = Vec::new();
    let mut s = state.clone();
    for i in 0..n {
        let tx: Transaction = sign(registrar, "vellum-test", first_nonce + i as u64, open(&key("ed25519", 100 + i)));
        let signers = verify_tx(&tx).unwrap();
        let built = build_block(&s, s.time_ms + 10, 0, s.height + 1, [1; 32], [(&tx, signers.as_slice())]);
        assert!(built.rejected.is_empty());
        let outcome = execute_block(&s, &built.block).unwrap();
        s = outcome.state.clone();
        out.push((built.block, outcome));
    }
    out
}

#[test]
fn commits_survive_reopen_and_match_the_model() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.redb");
    let mut store = Store::open(&path, &f.genesis).unwrap();
    let genesis_state = store.load_state(&f.genesis).unwrap();
    assert_eq!(genesis_state.height, 0);
    let blocks = chain(&genesis_state, 5, &f.registrar, 0);
    for (i, (block, outcome)) in blocks.iter().enumerate() {
        store.commit_block(block, outcome, b"cert").unwrap();
        // "Crash" after every commit: drop and reopen; the state is exactly the model's.
        drop(store);
        store = Store::open(&path, &f.genesis).unwrap();
        let loaded = store.load_state(&f.genesis).unwrap();
        assert_eq!(loaded.height, i as u64 + 1);
        assert_eq!(loaded.state_root(), outcome.state.state_root());
        assert_eq!(loaded.log.root(), outcome.state.log.root());
        assert_eq!(loaded.block_hash, outcome.state.block_hash);
    }
    drop(store);
    let store = Store::open(&path, &f.genesis).unwrap();
    for (block, outcome) in &blocks {
        let r = &outcome.receipts[0];
        let loc = store.tx_location(&r.tx_id).unwrap().unwrap();
        assert_eq!((loc.height, loc.log_index), (block.header.height, r.log_index));
        assert_eq!(store.header(block.header.height).unwrap().unwrap(), block.header);
        assert_eq!(store.finalized_among(&[vellum_types::TxId([0xEE; 32]), r.tx_id]).unwrap(), [false, true]);
    }
    let leaves = store.log_leaves(0, 5).unwrap();
    assert_eq!(vellum_crypto::merkle::root(&leaves), blocks[4].1.state.log.root());
}

#[test]
fn out_of_order_and_replayed_commits_are_refused_without_change() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.redb");
    let store = Store::open(&path, &f.genesis).unwrap();
    let genesis_state = store.load_state(&f.genesis).unwrap();
    let blocks = chain(&genesis_state, 3, &f.registrar, 0);
    assert!(matches!(
        store.commit_block(&blocks[1].0, &blocks[1].1, b"cert"),
        Err(CommitError::OutOfOrder { applied: 0, got: 2 })
    ));
    store.commit_block(&blocks[0].0, &blocks[0].1, b"cert").unwrap();
    assert!(matches!(store.commit_block(&blocks[0].0, &blocks[0].1, b"cert"), Err(CommitError::OutOfOrder { .. })));
    assert_eq!(store.applied_height().unwrap(), 1);
    assert_eq!(store.load_state(&f.genesis).unwrap().state_root(), blocks[0].1.state.state_root());
}

#[test]
fn another_chains_directory_and_corruption_are_refused() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.redb");
    let store = Store::open(&path, &f.genesis).unwrap();
    let genesis_state = store.load_state(&f.genesis).unwrap();
    let blocks = chain(&genesis_state, 2, &f.registrar, 0);
    for (b, o) in &blocks {
        store.commit_block(b, o, b"cert").unwrap();
    }
    drop(store);
    let mut other = f.genesis.clone();
    other.chain_id = "vellum-elsewhere".into();
    assert!(matches!(Store::open(&path, &other), Err(OpenError::WrongGenesis { .. })));

    // Flip a stored account value behind the ledger's back: loading must refuse.
    let store = Store::open(&path, &f.genesis).unwrap();
    {
        let txn = store.db.begin_write().unwrap();
        {
            let mut t = txn.open_table(STATE).unwrap();
            let (k, mut v) = {
                let first = t.iter().unwrap().next().unwrap().unwrap();
                (first.0.value(), first.1.value().to_vec())
            };
            v[5] ^= 1;
            t.insert(k, v.as_slice()).unwrap();
        }
        txn.commit().unwrap();
    }
    assert!(matches!(store.load_state(&f.genesis), Err(LoadError::Corrupt(_))));
}

#[test]
fn pending_audit_records_survive_reopen_and_leave_when_finalized() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.redb");
    let record = vellum_types::proof::AuditRecord {
        proof: vellum_types::ProofId([1; 32]),
        reader: None,
        action: "bundle".into(),
        allowed: false,
        time_ms: 7,
    };
    {
        let store = Store::open(&path, &f.genesis).unwrap();
        let entry = AuditEntry { reader: None, action: "bundle".into(), allowed: false, time_ms: 7 };
        store.append_audit(&record.proof, &entry, Some(&record)).unwrap();
    }
    // A crash before the record reached the ledger loses nothing.
    let store = Store::open(&path, &f.genesis).unwrap();
    assert_eq!(store.pending_audit(10).unwrap(), vec![(0, record.clone())]);
    assert_eq!(store.audit(&record.proof).unwrap().len(), 1);
    let state = store.load_state(&f.genesis).unwrap();
    let tx = sign(&f.node, "vellum-test", 0, vellum_types::TxBody::AuditBatch { entries: vec![record.clone()] });
    let signers = verify_tx(&tx).unwrap();
    let built = build_block(&state, state.time_ms + 1, 0, 1, [1; 32], [(&tx, signers.as_slice())]);
    assert!(built.rejected.is_empty(), "{:?}", built.rejected);
    let outcome = execute_block(&state, &built.block).unwrap();
    store.commit_block(&built.block, &outcome, b"cert").unwrap();
    assert!(store.pending_audit(10).unwrap().is_empty(), "finalized records leave the queue");
    assert_eq!(store.ledger_audit(&record.proof).unwrap().len(), 1);
    // The queue is empty, yet the next record gets a new sequence number (the node tracks
    // submitted records by it), also after a reopen.
    let next = vellum_types::proof::AuditRecord { time_ms: 8, ..record.clone() };
    let entry = AuditEntry { reader: None, action: "bundle".into(), allowed: false, time_ms: 8 };
    store.append_audit(&next.proof, &entry, Some(&next)).unwrap();
    assert_eq!(store.pending_audit(10).unwrap(), vec![(1, next.clone())]);
    drop(store);
    let store = Store::open(&path, &f.genesis).unwrap();
    store.append_audit(&next.proof, &entry, Some(&next)).unwrap();
    assert_eq!(store.pending_audit(10).unwrap(), vec![(1, next.clone()), (2, next)]);
}

#[test]
fn pending_reads_of_account_data_survive_reopen_and_leave_when_finalized() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.redb");
    let owner = f.user.public_key().account_id();
    let record = |time_ms: u64, allowed: bool| vellum_types::proof::ReadRecord {
        owner,
        action: "history".into(),
        item: None,
        reader: Some(f.registrar.public_key().account_id()),
        allowed,
        time_ms,
    };
    {
        let store = Store::open(&path, &f.genesis).unwrap();
        store.append_reads(&[record(7, false), record(8, true)], true).unwrap();
        // A node without a node account keeps its local trail only.
        store.append_reads(&[record(9, true)], false).unwrap();
    }
    // A crash before the records reached the ledger loses nothing.
    let store = Store::open(&path, &f.genesis).unwrap();
    assert_eq!(store.pending_reads(10).unwrap(), vec![(0, record(7, false)), (1, record(8, true))]);
    assert_eq!(store.reads(&owner).unwrap().len(), 3);
    let state = store.load_state(&f.genesis).unwrap();
    // The block carries one of the two: exactly that one leaves the queue.
    let tx = sign(&f.node, "vellum-test", 0, vellum_types::TxBody::AuditReads { entries: vec![record(8, true)] });
    let signers = verify_tx(&tx).unwrap();
    let built = build_block(&state, state.time_ms + 1, 0, 1, [1; 32], [(&tx, signers.as_slice())]);
    assert!(built.rejected.is_empty(), "{:?}", built.rejected);
    let outcome = execute_block(&state, &built.block).unwrap();
    store.commit_block(&built.block, &outcome, b"cert").unwrap();
    assert_eq!(store.pending_reads(10).unwrap(), vec![(0, record(7, false))]);
    assert_eq!(store.pending_reads_of(&owner).unwrap(), vec![record(7, false)], "found through the index");
    let finalized = store.ledger_reads(&owner).unwrap();
    assert_eq!((finalized.len(), finalized[0].record.clone(), finalized[0].height), (1, record(8, true), 1));
    assert!(store.ledger_audit(&vellum_types::ProofId(owner.0)).unwrap().is_empty(), "the two trails stay apart");
}

#[test]
fn a_finalized_audit_batch_removes_exactly_its_records_also_after_migration() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.redb");
    let record = |time_ms: u64| vellum_types::proof::AuditRecord { proof: vellum_types::ProofId([1; 32]), reader: None, action: "bundle".into(), allowed: false, time_ms };
    let entry = AuditEntry { reader: None, action: "bundle".into(), allowed: false, time_ms: 7 };
    {
        let store = Store::open(&path, &f.genesis).unwrap();
        // Two identical reads in one millisecond, and another.
        for t in [7, 7, 8] {
            store.append_audit(&record(t).proof, &entry, Some(&record(t))).unwrap();
        }
    }
    // As a schema-2 database: no index. Opening rebuilds it from the queue.
    {
        let db = Database::create(&path).unwrap();
        let txn = db.begin_write().unwrap();
        txn.delete_multimap_table(PENDING_AUDIT_BY_RECORD).unwrap();
        txn.open_table(META).unwrap().insert(META_SCHEMA, 2u32.to_le_bytes().as_slice()).unwrap();
        txn.commit().unwrap();
    }
    let store = Store::open(&path, &f.genesis).unwrap();
    let state = store.load_state(&f.genesis).unwrap();
    let tx = sign(&f.node, "vellum-test", 0, vellum_types::TxBody::AuditBatch { entries: vec![record(7)] });
    let signers = verify_tx(&tx).unwrap();
    let built = build_block(&state, state.time_ms + 1, 0, 1, [1; 32], [(&tx, signers.as_slice())]);
    let outcome = execute_block(&state, &built.block).unwrap();
    store.commit_block(&built.block, &outcome, b"cert").unwrap();
    let left: Vec<u64> = store.pending_audit(10).unwrap().into_iter().map(|(_, r)| r.time_ms).collect();
    assert_eq!(left, vec![7, 8], "one copy of the finalized record left the queue, the rest stayed");
}

#[test]
fn the_witnessed_checkpoint_survives_reopen_and_never_goes_back() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.redb");
    let store = Store::open(&path, &f.genesis).unwrap();
    assert_eq!(store.witnessed().unwrap(), None);
    assert!(store.put_witnessed(7, "note at 7\n").unwrap());
    assert!(store.put_witnessed(9, "note at 9\n").unwrap());
    assert!(!store.put_witnessed(8, "note at 8\n").unwrap(), "an older checkpoint is ignored");
    assert!(store.put_witnessed(9, "note at 9 with more cosignatures\n").unwrap(), "the same size may gain cosignatures");
    drop(store);
    let store = Store::open(&path, &f.genesis).unwrap();
    assert_eq!(store.witnessed().unwrap(), Some((9, "note at 9 with more cosignatures\n".to_string())));
}

/// Proofs from the stored subtrees equal the reference computed from every leaf, at every size.
fn assert_proofs_match(store: &Store, size: u64) {
    use vellum_crypto::merkle::{consistency_proof, consistency_proof_from, inclusion_proof, inclusion_proof_from, root, root_from};
    let leaves = store.log_leaves(0, size).unwrap();
    let log = store.log_reader().unwrap();
    for n in 1..=size {
        let tree = &leaves[..n as usize];
        assert_eq!(root_from(&log, n).unwrap(), root(tree));
        for m in 0..n {
            assert_eq!(inclusion_proof_from(&log, m, n).unwrap(), inclusion_proof(m as usize, tree));
            assert_eq!(consistency_proof_from(&log, m + 1, n).unwrap(), consistency_proof(m as usize + 1, tree));
        }
    }
    assert!(inclusion_proof_from(&log, 0, size + 1).is_err(), "a size not stored is an error, not a wrong proof");
}

#[test]
fn log_subtrees_give_the_reference_proofs_and_are_rebuilt_for_an_older_database() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.redb");
    let store = Store::open(&path, &f.genesis).unwrap();
    let genesis_state = store.load_state(&f.genesis).unwrap();
    let blocks = chain(&genesis_state, 13, &f.registrar, 0);
    for (block, outcome) in &blocks {
        store.commit_block(block, outcome, b"cert").unwrap();
    }
    assert_proofs_match(&store, 13);
    drop(store);
    // Schema 1: no subtree table and no version. Opening migrates it in place.
    {
        let db = Database::create(&path).unwrap();
        let txn = db.begin_write().unwrap();
        txn.delete_table(LOG_NODES).unwrap();
        txn.open_table(META).unwrap().remove(META_SCHEMA).unwrap();
        txn.commit().unwrap();
    }
    let store = Store::open(&path, &f.genesis).unwrap();
    assert_proofs_match(&store, 13);
    drop(store);
    // A newer format is refused, and left as it was.
    {
        let db = Database::create(&path).unwrap();
        let txn = db.begin_write().unwrap();
        txn.open_table(META).unwrap().insert(META_SCHEMA, (SCHEMA_VERSION + 1).to_le_bytes().as_slice()).unwrap();
        txn.commit().unwrap();
    }
    assert!(matches!(Store::open(&path, &f.genesis), Err(OpenError::NewerSchema { found }) if found == SCHEMA_VERSION + 1));
}

#[test]
fn blocks_of_several_registrations_keep_the_subtrees_in_log_order() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("ledger.redb"), &f.genesis).unwrap();
    let mut s = store.load_state(&f.genesis).unwrap();
    let mut nonce = 0;
    // Blocks of 1, 2, 3 registrations: each a transaction leaf then its evidence leaf.
    for n in 1..=3u8 {
        let txs: Vec<Transaction> = (0..n)
            .map(|i| {
                nonce += 1;
                sign(&f.issuer, "vellum-test", nonce - 1, vellum_ledger::testkit::register(vellum_types::sha256(&[n, i])))
            })
            .collect();
        let signers: Vec<Vec<vellum_types::PublicKey>> = txs.iter().map(|t| verify_tx(t).unwrap()).collect();
        let built = build_block(&s, s.time_ms + 10, 0, s.height + 1, [1; 32], txs.iter().zip(signers.iter().map(Vec::as_slice)));
        assert!(built.rejected.is_empty(), "{:?}", built.rejected);
        let outcome = execute_block(&s, &built.block).unwrap();
        store.commit_block(&built.block, &outcome, b"cert").unwrap();
        s = outcome.state;
    }
    assert_eq!(s.log.size(), 12);
    assert_proofs_match(&store, 12);
    assert_eq!(vellum_crypto::merkle::root_from(&store.log_reader().unwrap(), 12).unwrap(), s.log.root());
}

/// A file whose writes and syncs fail with ENOSPC while `full` is set: a disk that filled up.
#[derive(Debug)]
struct FillingDisk {
    file: redb::backends::FileBackend,
    full: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl FillingDisk {
    fn check(&self) -> Result<(), std::io::Error> {
        if self.full.load(std::sync::atomic::Ordering::SeqCst) { Err(std::io::Error::from_raw_os_error(28)) } else { Ok(()) }
    }
}

impl redb::StorageBackend for FillingDisk {
    fn len(&self) -> Result<u64, std::io::Error> {
        self.file.len()
    }
    fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), std::io::Error> {
        self.file.read(offset, out)
    }
    fn set_len(&self, len: u64) -> Result<(), std::io::Error> {
        self.check()?;
        self.file.set_len(len)
    }
    fn sync_data(&self) -> Result<(), std::io::Error> {
        self.check()?;
        self.file.sync_data()
    }
    fn write(&self, offset: u64, data: &[u8]) -> Result<(), std::io::Error> {
        self.check()?;
        self.file.write(offset, data)
    }
    fn close(&self) -> Result<(), std::io::Error> {
        self.file.close()
    }
    fn try_lock_range(&self, start: std::ops::Bound<u64>, end: std::ops::Bound<u64>) -> Result<bool, redb::BackendError> {
        self.file.try_lock_range(start, end)
    }
    fn try_lock_shared_range(&self, start: std::ops::Bound<u64>, end: std::ops::Bound<u64>) -> Result<bool, redb::BackendError> {
        self.file.try_lock_shared_range(start, end)
    }
    fn lock_range(&self, start: std::ops::Bound<u64>, end: std::ops::Bound<u64>) -> Result<(), redb::BackendError> {
        self.file.lock_range(start, end)
    }
    fn lock_shared_range(&self, start: std::ops::Bound<u64>, end: std::ops::Bound<u64>) -> Result<(), redb::BackendError> {
        self.file.lock_shared_range(start, end)
    }
    fn unlock_range(&self, start: std::ops::Bound<u64>, end: std::ops::Bound<u64>) -> Result<(), redb::BackendError> {
        self.file.unlock_range(start, end)
    }
}

#[test]
fn a_disk_that_fills_up_fails_the_commit_and_a_restart_resumes_at_the_last_block() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.redb");
    let full = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let file = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).unwrap();
    let store = Store::open_with_backend(FillingDisk { file: redb::backends::FileBackend::new(file).unwrap(), full: full.clone() }, &f.genesis).unwrap();
    let genesis_state = store.load_state(&f.genesis).unwrap();
    let blocks = chain(&genesis_state, 5, &f.registrar, 0);
    for (block, outcome) in &blocks[..3] {
        store.commit_block(block, outcome, b"cert").unwrap();
    }
    // The disk fills: the block's commit fails with an error (the node stops there, before
    // acknowledging it), and nothing of it is visible.
    full.store(true, std::sync::atomic::Ordering::SeqCst);
    let err = store.commit_block(&blocks[3].0, &blocks[3].1, b"cert").unwrap_err();
    assert!(err.to_string().contains("No space left") || err.to_string().contains("os error 28"), "{err}");
    assert_eq!(store.applied_height().unwrap(), 3);
    drop(store);
    // Space is freed and the validator restarts: it is at block 3 exactly, and block 4 (which
    // marshal redelivers, never acknowledged) commits.
    let store = Store::open(&path, &f.genesis).unwrap();
    let loaded = store.load_state(&f.genesis).unwrap();
    assert_eq!((loaded.height, loaded.state_root()), (3, blocks[2].1.state.state_root()));
    assert_eq!(loaded.log.root(), blocks[2].1.state.log.root());
    store.commit_block(&blocks[3].0, &blocks[3].1, b"cert").unwrap();
    store.commit_block(&blocks[4].0, &blocks[4].1, b"cert").unwrap();
    assert_eq!(store.load_state(&f.genesis).unwrap().state_root(), blocks[4].1.state.state_root());
    assert_proofs_match(&store, store.load_state(&f.genesis).unwrap().log.size());
}

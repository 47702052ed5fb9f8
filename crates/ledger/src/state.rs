use borsh::{BorshDeserialize, BorshSerialize};
use std::sync::Arc;
use vellum_crypto::{AuthMap, CompactLog};
use vellum_types::encoding::{from_wire, to_wire};
pub use vellum_types::StateKey;
use vellum_types::{Account, AccountId, ConsensusParams, Hash32, MemberEntry, ProofEntry, ProofId};

/// Largest encoded value in the state map.
pub const STATE_VALUE_BYTES_MAX: usize = 64 * 1024;

/// The ledger state after some block. Cloning is O(1) (the map is persistent), so the node can
/// keep the state after every unfinalized block it has seen.
#[derive(Clone, Debug)]
pub struct LedgerState {
    pub chain_id: String,
    pub params: ConsensusParams,
    pub validator_set_hash: Hash32,
    pub genesis_hash: Hash32,
    /// Authenticated map of accounts (and later registry entries).
    pub map: AuthMap,
    /// RFC 6962 log of every executed transaction's leaf bytes.
    pub log: CompactLog,
    /// Height, header hash and time of the last applied block.
    pub height: u64,
    pub block_hash: Hash32,
    pub time_ms: u64,
}

impl LedgerState {
    pub fn state_root(&self) -> Hash32 {
        self.map.root()
    }

    pub fn account(&self, id: &AccountId) -> Option<Account> {
        let bytes = self.map.get(&StateKey::Account(*id).hash())?;
        // Values are written only by `put_account`; a value that does not decode means the
        // state is corrupt, and continuing would fork this node from the others.
        Some(from_wire(bytes, STATE_VALUE_BYTES_MAX).expect("stored account decodes"))
    }

    fn get<T: BorshDeserialize>(&self, key: &StateKey) -> Option<T> {
        let bytes = self.map.get(&key.hash())?;
        Some(from_wire(bytes, STATE_VALUE_BYTES_MAX).expect("stored state value decodes"))
    }

    fn put<T: BorshSerialize>(&mut self, key: &StateKey, value: &T) -> Hash32 {
        let bytes = to_wire(value);
        assert!(bytes.len() <= STATE_VALUE_BYTES_MAX, "state value over the limit");
        let k = key.hash();
        self.map.insert(k, Arc::from(bytes));
        k
    }

    pub fn proof(&self, id: &ProofId) -> Option<ProofEntry> {
        self.get(&StateKey::Proof(*id))
    }

    pub fn member(&self, id: &ProofId, index: u32) -> Option<MemberEntry> {
        self.get(&StateKey::Member(*id, index))
    }

    pub fn live_digest(&self, issuer: &AccountId, digest: &Hash32) -> Option<ProofId> {
        self.get(&StateKey::LiveDigest(*issuer, *digest))
    }

    pub(crate) fn put_proof(&mut self, id: &ProofId, entry: &ProofEntry) -> Hash32 {
        self.put(&StateKey::Proof(*id), entry)
    }

    pub(crate) fn put_member(&mut self, id: &ProofId, index: u32, entry: &MemberEntry) -> Hash32 {
        self.put(&StateKey::Member(*id, index), entry)
    }

    pub(crate) fn put_live_digest(&mut self, issuer: &AccountId, digest: &Hash32, id: &ProofId) -> Hash32 {
        self.put(&StateKey::LiveDigest(*issuer, *digest), id)
    }

    pub(crate) fn remove_live_digest(&mut self, issuer: &AccountId, digest: &Hash32) -> Hash32 {
        let k = StateKey::LiveDigest(*issuer, *digest).hash();
        self.map.remove(&k);
        k
    }

    pub(crate) fn put_account(&mut self, account: &Account) {
        let bytes = to_wire(account);
        assert!(bytes.len() <= STATE_VALUE_BYTES_MAX, "account value over the limit");
        self.map.insert(StateKey::Account(account.id).hash(), Arc::from(bytes));
    }
}

use borsh::{BorshDeserialize, BorshSerialize};
use std::sync::Arc;
use vellum_crypto::{AuthMap, CompactLog};
use vellum_types::encoding::{from_wire, to_wire};
pub use vellum_types::StateKey;
use vellum_types::kyc::{KycRecord, SanctionsList};
use vellum_types::monitoring::Inflow;
use vellum_types::payment::{HoldQueue, Window};
use vellum_types::{
    Account, AccountId, Balance, ConsensusParams, Hash32, Hold, MemberEntry, MonitoringRules, ProofEntry, ProofId, Rate,
    Subledger, Token,
};

/// Largest encoded value in the state map.
pub const STATE_VALUE_BYTES_MAX: usize = 64 * 1024;

/// The ledger state after some block. Cloning is O(1) (the map is persistent), so the node can
/// keep the state after every unfinalized block it has seen.
#[derive(Clone, Debug)]
pub struct LedgerState {
    pub chain_id: String,
    pub params: ConsensusParams,
    /// Hash of the validator set that signs the next block (derived from the map).
    pub validator_set_hash: Hash32,
    pub genesis_hash: Hash32,
    /// Blocks per consensus epoch (from the genesis; `u64::MAX`: one epoch).
    pub epoch_length: u64,
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
    /// Runs `f` on a copy of the state (O(1): the map is persistent) and installs the copy, and
    /// the keys `f` touched, only if `f` succeeds: a failure part-way leaves nothing behind.
    pub(crate) fn atomically<T, E>(
        &mut self,
        touched: &mut std::collections::BTreeSet<Hash32>,
        f: impl FnOnce(&mut LedgerState, &mut std::collections::BTreeSet<Hash32>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut scratch = self.clone();
        let mut wrote = std::collections::BTreeSet::new();
        let value = f(&mut scratch, &mut wrote)?;
        *self = scratch;
        touched.extend(wrote);
        Ok(value)
    }

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

    /// Every status change of a registration (`member` = `None`) or one batch member.
    pub fn status_history(&self, id: &ProofId, member: Option<u32>) -> Vec<vellum_types::StatusChange> {
        self.get(&StateKey::StatusHistory(*id, member)).unwrap_or_default()
    }

    pub fn issuer_revocation(&self, issuer: &AccountId) -> Option<vellum_types::IssuerRevocation> {
        self.get(&StateKey::IssuerRevocation(*issuer))
    }

    /// How many registrations `issuer` made.
    pub fn issuer_proof_count(&self, issuer: &AccountId) -> u64 {
        self.get(&StateKey::IssuerProofCount(*issuer)).unwrap_or(0)
    }

    /// The issuer's `seq`-th registration (`seq` below [`Self::issuer_proof_count`]).
    pub fn issuer_proof(&self, issuer: &AccountId, seq: u64) -> vellum_types::proof::IssuerProofRef {
        self.get(&StateKey::IssuerProof(*issuer, seq)).expect("every registration up to the count is listed")
    }

    /// How far a batch's members were handed to the network.
    pub fn batch_members(&self, id: &ProofId) -> crate::proofs::BatchMembersProgress {
        self.get(&StateKey::BatchMembers(*id)).unwrap_or_default()
    }

    /// Whether every member of batch `id` is stored (and checked against its root).
    pub fn batch_members_complete(&self, id: &ProofId) -> bool {
        self.proof(id).is_some_and(|e| e.count > 0 && self.batch_members(id).stored == e.count)
    }

    /// Whether `account` holds registration `id` (`member` = `None`) or that member of it. A
    /// holder of the whole registration holds every member.
    pub fn is_holder(&self, id: &ProofId, member: Option<u32>, account: &AccountId) -> bool {
        let holds = |m: Option<u32>| self.get::<bool>(&StateKey::Holder(*id, m, *account)).unwrap_or(false);
        holds(None) || member.is_some_and(|m| holds(Some(m)))
    }

    /// What registration `id` registered (a digest, or a batch root and count), as its state
    /// entry records it.
    pub fn registered(&self, id: &ProofId) -> Option<vellum_types::Registered> {
        self.proof(id).map(|e| match e.count {
            0 => vellum_types::Registered::Single { digest: e.registered_digest },
            count => vellum_types::Registered::Batch { root: e.registered_digest, count },
        })
    }

    /// An issuer's attested identity, if any (revoked ones included).
    pub fn issuer_attestation(&self, issuer: &AccountId) -> Option<vellum_types::IssuerAttestation> {
        self.get(&StateKey::IssuerProfile(*issuer))
    }

    /// The witnesses governance set (`None`: never set).
    pub fn witness_policy(&self) -> Option<vellum_types::witness::WitnessPolicy> {
        self.get(&StateKey::WitnessPolicy)
    }

    /// The governed reason codes (`None`: the default list is in force).
    pub fn reason_codes(&self) -> Option<Vec<String>> {
        self.get(&StateKey::ReasonCodes)
    }

    pub fn token(&self, symbol: &str) -> Option<Token> {
        self.get(&StateKey::Token(symbol.to_string()))
    }

    /// An account's balance of a token (zero if it never held any).
    /// Every token symbol, in creation order.
    pub fn token_list(&self) -> Vec<String> {
        self.get(&StateKey::TokenList).unwrap_or_default()
    }

    pub fn balance(&self, account: &AccountId, symbol: &str) -> Balance {
        self.get(&StateKey::Balance(*account, symbol.to_string())).unwrap_or_default()
    }

    pub fn window(&self, account: &AccountId, symbol: &str) -> Window {
        self.get(&StateKey::Window(*account, symbol.to_string())).unwrap_or_default()
    }

    pub fn key_life(&self, account: &AccountId, key: &vellum_types::PublicKey) -> Option<vellum_types::account::KeyLife> {
        self.get(&StateKey::KeyLife(*account, *key))
    }

    pub fn inflow(&self, account: &AccountId, symbol: &str) -> Inflow {
        self.get(&StateKey::Inflow(*account, symbol.to_string())).unwrap_or_default()
    }

    /// When the registrant deleted a stored original (block time, ms), if it did.
    pub fn original_deleted(&self, proof: &ProofId, member: u32) -> Option<u64> {
        self.get(&StateKey::OriginalDeleted(*proof, member))
    }

    pub fn kyc(&self, account: &AccountId) -> Option<KycRecord> {
        self.get(&StateKey::Kyc(*account))
    }

    pub fn sanctions_list(&self) -> SanctionsList {
        self.get(&StateKey::SanctionsList).unwrap_or_default()
    }

    /// The list version that added `commitment`, if it is on the sanctions list.
    pub fn sanctioned(&self, commitment: &Hash32) -> Option<u64> {
        self.get(&StateKey::Sanctioned(*commitment))
    }

    pub fn monitoring(&self, symbol: &str) -> Option<MonitoringRules> {
        self.get(&StateKey::Monitoring(symbol.to_string()))
    }

    pub fn hold(&self, id: u64) -> Option<Hold> {
        self.get(&StateKey::Hold(id))
    }

    pub fn hold_queue(&self) -> HoldQueue {
        self.get(&StateKey::HoldQueue).unwrap_or_default()
    }

    pub fn subledger(&self, name: &str) -> Option<Subledger> {
        self.get(&StateKey::Subledger(name.to_string()))
    }

    pub fn rate(&self, from: &str, to: &str) -> Option<Rate> {
        self.get(&StateKey::Rate(from.to_string(), to.to_string()))
    }

    pub fn council(&self) -> Option<vellum_types::Council> {
        self.get(&StateKey::Council)
    }

    pub fn proposal(&self, id: u64) -> Option<vellum_types::Proposal> {
        self.get(&StateKey::Proposal(id))
    }

    pub fn proposal_count(&self) -> u64 {
        self.get(&StateKey::ProposalCount).unwrap_or(0)
    }

    pub fn rules(&self) -> vellum_types::RulesDoc {
        self.get(&StateKey::Rules).unwrap_or_default()
    }

    pub fn gov_event(&self, seq: u64) -> Option<vellum_types::GovEvent> {
        self.get(&StateKey::GovEvent(seq))
    }

    pub fn gov_event_count(&self) -> u64 {
        self.get(&StateKey::GovEventCount).unwrap_or(0)
    }

    pub fn module(&self, name: &str) -> Option<vellum_types::Module> {
        self.get(&StateKey::Module(name.to_string()))
    }

    pub fn guardians(&self, account: &AccountId) -> Option<vellum_types::payment::Guardians> {
        self.get(&StateKey::Guardians(*account))
    }

    pub fn recovery(&self, account: &AccountId) -> Option<vellum_types::payment::Recovery> {
        self.get(&StateKey::Recovery(*account))
    }

    pub fn purpose_keys(&self, account: &AccountId) -> Option<vellum_types::payment::PurposeKeys> {
        self.get(&StateKey::PurposeKeys(*account))
    }

    /// Whether `key` may authenticate a read request of `account`: its request keys when it
    /// set any, else its transaction signers.
    pub fn may_sign_requests(&self, account: &vellum_types::Account, key: &vellum_types::PublicKey) -> bool {
        match self.purpose_keys(&account.id) {
            Some(p) if !p.request_keys.is_empty() => p.request_keys.contains(key),
            // An expired signer key (X.1405 8.7.1) authenticates nothing, reads included.
            _ => account.is_signer(key) && !self.key_life(&account.id, key).is_some_and(|l| l.expired(self.time_ms)),
        }
    }

    /// Removes a state value; returns its key hash (for `touched`).
    pub(crate) fn remove_value(&mut self, key: &StateKey) -> Hash32 {
        let k = key.hash();
        self.map.remove(&k);
        k
    }

    pub(crate) fn get_value<T: BorshDeserialize>(&self, key: &StateKey) -> Option<T> {
        self.get(key)
    }

    /// Writes any state value under its key and returns the key hash (for `touched`).
    pub(crate) fn put_value<T: BorshSerialize>(&mut self, key: &StateKey, value: &T) -> Hash32 {
        self.put(key, value)
    }

    /// Writes a balance; an all-zero balance is removed so the map holds only live holdings.
    pub(crate) fn put_balance(&mut self, account: &AccountId, symbol: &str, balance: &Balance) -> Hash32 {
        let key = StateKey::Balance(*account, symbol.to_string());
        if *balance == Balance::default() {
            let k = key.hash();
            self.map.remove(&k);
            k
        } else {
            self.put(&key, balance)
        }
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
        self.remove_value(&StateKey::LiveDigest(*issuer, *digest))
    }

    pub(crate) fn put_account(&mut self, account: &Account) {
        let bytes = to_wire(account);
        assert!(bytes.len() <= STATE_VALUE_BYTES_MAX, "account value over the limit");
        self.map.insert(StateKey::Account(account.id).hash(), Arc::from(bytes));
    }
}

/// Contracts and e-invoices.
impl LedgerState {
    pub fn contract_code(&self, digest: &Hash32) -> Option<vellum_types::contract::CodeEntry> {
        self.get(&StateKey::ContractCode(*digest))
    }

    pub fn contract(&self, id: &AccountId) -> Option<vellum_types::contract::ContractInstance> {
        self.get(&StateKey::Contract(*id))
    }

    /// One key of a contract's own storage.
    pub fn contract_data(&self, id: &AccountId, key: &[u8]) -> Option<Vec<u8>> {
        self.get(&StateKey::ContractData(*id, key.to_vec()))
    }

    pub fn invoicing(&self, seller: &AccountId) -> Option<vellum_types::invoice::InvoicingTerms> {
        self.get(&StateKey::Invoicing(*seller))
    }

    pub fn invoiceable_payment(&self, tx: &vellum_types::TxId) -> Option<vellum_types::invoice::InvoiceablePayment> {
        self.get(&StateKey::InvoiceablePayment(*tx))
    }

    pub fn invoice(&self, id: &Hash32) -> Option<vellum_types::invoice::Invoice> {
        self.get(&StateKey::Invoice(*id))
    }
}

/// A role held by an account of a sub-ledger acts within that sub-ledger only (its registrar
/// opens accounts there, its compliance officer freezes, decides holds and claws back there);
/// main-ledger roles act everywhere (X.1405 6.3, 8.5.1).
pub(crate) fn within_scope(actor: &vellum_types::Account, target_subledger: Option<&String>) -> Result<(), crate::TxError> {
    match &actor.subledger {
        Some(own) if target_subledger != Some(own) => Err(crate::TxError::OutsideSubledger { subledger: own.clone() }),
        _ => Ok(()),
    }
}

//! The genesis file: the chain's root of trust.

use crate::account::Role;
use crate::encoding::{canonical, domain};
use crate::hash::{AccountId, Hash32, sha256};
use crate::keys::PublicKey;
use crate::limits::{
    BLOCK_BYTES_MAX, BLOCK_TXS_MAX, CHAIN_ID_BYTES_MAX, GENESIS_ACCOUNTS_MAX, LABEL_BYTES_MAX, NAME_BYTES_MAX,
    VALIDATORS_MAX,
};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Consensus parameters every validator enforces the same way. Each is bounded by a hard
/// ceiling in [`crate::limits`].
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct ConsensusParams {
    pub block_txs_max: u32,
    pub block_bytes_max: u32,
    /// A proposal whose time is further ahead of a verifier's clock than this is rejected.
    pub block_time_future_skew_ms: u64,
    /// A proposal whose time is further behind a verifier's clock than this is rejected.
    pub block_time_past_skew_ms: u64,
}

impl Default for ConsensusParams {
    fn default() -> Self {
        Self {
            block_txs_max: 10_000,
            block_bytes_max: 2 * 1024 * 1024,
            block_time_future_skew_ms: 1_000,
            block_time_past_skew_ms: 10_000,
        }
    }
}

#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct GenesisValidator {
    pub name: String,
    /// Ed25519 key that signs consensus votes (and so finalization certificates).
    #[serde(with = "hex32")]
    pub consensus_key: [u8; 32],
    /// Ed25519 key that authenticates the validator's encrypted p2p connections.
    #[serde(with = "hex32")]
    pub p2p_key: [u8; 32],
    /// `host:port` of the p2p listener.
    pub address: String,
}

#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct GenesisAccount {
    pub public_key: PublicKey,
    pub roles: Vec<Role>,
    pub label: String,
    /// A k-of-n signer set (e.g. the governance council); `None`: `public_key` alone signs.
    /// The account id still derives from `public_key`.
    #[serde(default)]
    pub multisig: Option<crate::payment::SignerSet>,
}

impl GenesisAccount {
    pub fn id(&self) -> AccountId {
        self.public_key.account_id()
    }

    pub fn signer_set(&self) -> crate::payment::SignerSet {
        self.multisig.clone().unwrap_or_else(|| crate::payment::SignerSet::single(self.public_key))
    }
}

#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Genesis {
    pub chain_id: String,
    /// Time of the genesis block; the first block must be later.
    pub genesis_time_ms: u64,
    pub params: ConsensusParams,
    pub validators: Vec<GenesisValidator>,
    pub accounts: Vec<GenesisAccount>,
    /// Blocks per consensus epoch. The validator set can change only at an epoch boundary
    /// (governance); `None`: one epoch forever (chains made before validator-set changes).
    #[serde(default)]
    pub epoch_length_blocks: Option<u64>,
}

/// Why a genesis was rejected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GenesisError {
    #[error("chain id must be 1..={CHAIN_ID_BYTES_MAX} bytes of [a-z0-9-]")]
    ChainId,
    #[error("genesis needs 1..={VALIDATORS_MAX} validators, has {0}")]
    ValidatorCount(usize),
    #[error("validator {0}: duplicate consensus key")]
    DuplicateValidatorKey(String),
    #[error("validator {0}: p2p_key must equal consensus_key in this release (one Ed25519 key signs votes and authenticates p2p)")]
    P2pKeyMismatch(String),
    #[error("validator name or address too long or empty: {0}")]
    ValidatorField(String),
    #[error("genesis may name at most {GENESIS_ACCOUNTS_MAX} accounts")]
    AccountCount,
    #[error("account {0} appears twice")]
    DuplicateAccount(AccountId),
    #[error("account {0}: roles must be non-empty, sorted and unique")]
    Roles(AccountId),
    #[error("account {0}: label longer than {LABEL_BYTES_MAX} bytes")]
    Label(AccountId),
    #[error("account {0}: multisig: {1}")]
    Multisig(AccountId, String),
    #[error("params: {0}")]
    Params(String),
}

/// What a genesis hash commits to, in a form small enough to travel in every evidence
/// bundle: chain id, time, parameters, the sorted validator keys and the epoch length in the
/// clear, and the rest (validator names and addresses, accounts) by hash.
///
/// Two layouts (`docs/evidence-format.md` §2.5). Layout 2, written since the epoch length is
/// committed in the clear: `u32 0xFFFFFFFF ‖ u8 2 ‖ borsh(chain_id, genesis_time_ms, params,
/// validators, epoch_length_blocks, details_hash)`. Layout 1 (older chains): `borsh(chain_id,
/// genesis_time_ms, params, validators, details_hash)`, whose epoch length, if any, is only
/// inside `details_hash`. A chain id is at most 64 bytes, so no layout-1 commitment starts with
/// the `0xFFFFFFFF` length: the first four bytes tell the layouts apart, and each commitment has
/// one encoding.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct GenesisCommitment {
    pub chain_id: String,
    pub genesis_time_ms: u64,
    pub params: ConsensusParams,
    /// Consensus keys, sorted: index `i` is participant `i` of every certificate.
    pub validators: Vec<[u8; 32]>,
    /// The committed epoch rule (layout 2), or none committed (layout 1).
    pub epochs: CommittedEpochs,
    /// Layout 2: `SHA-256(GENESIS-DETAILS tag ‖ v ‖ borsh((validators, accounts)))`; layout 1
    /// also appends the epoch length when set (`GENESIS-DETAILS-EPOCHS` tag).
    pub details_hash: Hash32,
}

/// The epoch length a genesis commitment states.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CommittedEpochs {
    /// Layout 1: not stated in the clear; a verifier cannot check epochs against it.
    Uncommitted,
    /// Layout 2: blocks per epoch, or `None` for a single epoch forever.
    Length(Option<u64>),
}

/// First four bytes of a layout-2 commitment (an impossible chain-id length in layout 1).
pub const COMMITMENT_LAYOUT_2_MARK: u32 = u32::MAX;

impl BorshSerialize for GenesisCommitment {
    fn serialize<W: std::io::Write>(&self, w: &mut W) -> std::io::Result<()> {
        if let CommittedEpochs::Length(length) = self.epochs {
            BorshSerialize::serialize(&COMMITMENT_LAYOUT_2_MARK, w)?;
            BorshSerialize::serialize(&2u8, w)?;
            BorshSerialize::serialize(&(&self.chain_id, self.genesis_time_ms, &self.params, &self.validators, length, &self.details_hash), w)
        } else {
            BorshSerialize::serialize(&(&self.chain_id, self.genesis_time_ms, &self.params, &self.validators, &self.details_hash), w)
        }
    }
}

impl BorshDeserialize for GenesisCommitment {
    fn deserialize_reader<R: std::io::Read>(r: &mut R) -> std::io::Result<Self> {
        let invalid = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, m.to_string());
        let first = u32::deserialize_reader(r)?;
        if first == COMMITMENT_LAYOUT_2_MARK {
            if u8::deserialize_reader(r)? != 2 {
                return Err(invalid("unknown genesis commitment layout"));
            }
            let (chain_id, genesis_time_ms, params, validators, length, details_hash) = <(String, u64, ConsensusParams, Vec<[u8; 32]>, Option<u64>, Hash32)>::deserialize_reader(r)?;
            if chain_id.len() > CHAIN_ID_BYTES_MAX {
                return Err(invalid("chain id too long"));
            }
            // Only lengths a genesis may set: a zero would divide by zero in step 3g.
            if length.is_some_and(|l| !(EPOCH_LENGTH_BLOCKS_MIN..=EPOCH_LENGTH_BLOCKS_MAX).contains(&l)) {
                return Err(invalid("epoch length out of range"));
            }
            return Ok(GenesisCommitment { chain_id, genesis_time_ms, params, validators, epochs: CommittedEpochs::Length(length), details_hash });
        }
        // Layout 1: `first` was the chain id's length.
        if first as usize > CHAIN_ID_BYTES_MAX {
            return Err(invalid("chain id too long"));
        }
        let mut id = vec![0u8; first as usize];
        r.read_exact(&mut id)?;
        let chain_id = String::from_utf8(id).map_err(|_| invalid("chain id is not UTF-8"))?;
        let (genesis_time_ms, params, validators, details_hash) = <(u64, ConsensusParams, Vec<[u8; 32]>, Hash32)>::deserialize_reader(r)?;
        Ok(GenesisCommitment { chain_id, genesis_time_ms, params, validators, epochs: CommittedEpochs::Uncommitted, details_hash })
    }
}

impl GenesisCommitment {
    /// The genesis hash: `SHA-256(GENESIS tag ‖ v ‖ encoding)` (either layout).
    pub fn hash(&self) -> Hash32 {
        sha256(&canonical(domain::GENESIS, self))
    }

    /// Blocks per epoch as committed: `Some(u64::MAX)` for a single epoch, `None` when the
    /// commitment (layout 1) does not state it.
    pub fn epoch_length(&self) -> Option<u64> {
        match self.epochs {
            CommittedEpochs::Uncommitted => None,
            CommittedEpochs::Length(l) => Some(l.unwrap_or(u64::MAX)),
        }
    }
}

impl Genesis {
    pub fn commitment(&self) -> GenesisCommitment {
        GenesisCommitment {
            chain_id: self.chain_id.clone(),
            genesis_time_ms: self.genesis_time_ms,
            params: self.params.clone(),
            validators: self.sorted_consensus_keys(),
            // Layout 2: the epoch length in the clear, where verifiers check it.
            epochs: CommittedEpochs::Length(self.epoch_length_blocks),
            details_hash: sha256(&canonical(domain::GENESIS_DETAILS, &(&self.validators, &self.accounts))),
        }
    }

    /// The chain's root of trust: clients pin it (T-CHECKPOINT).
    pub fn hash(&self) -> Hash32 {
        self.commitment().hash()
    }

    /// Consensus keys in the order consensus uses (sorted).
    pub fn sorted_consensus_keys(&self) -> Vec<[u8; 32]> {
        let mut keys: Vec<[u8; 32]> = self.validators.iter().map(|v| v.consensus_key).collect();
        keys.sort();
        keys
    }

    pub fn validator_set_hash(&self) -> Hash32 {
        validator_set_hash(&self.sorted_consensus_keys())
    }

    /// Blocks per epoch (`u64::MAX`: a single epoch).
    pub fn epoch_length(&self) -> u64 {
        self.epoch_length_blocks.unwrap_or(u64::MAX)
    }

    pub fn validate(&self) -> Result<(), GenesisError> {
        let id_ok = !self.chain_id.is_empty()
            && self.chain_id.len() <= CHAIN_ID_BYTES_MAX
            && self.chain_id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !id_ok {
            return Err(GenesisError::ChainId);
        }
        if self.validators.is_empty() || self.validators.len() > VALIDATORS_MAX {
            return Err(GenesisError::ValidatorCount(self.validators.len()));
        }
        let mut keys: BTreeSet<[u8; 32]> = BTreeSet::new();
        for v in &self.validators {
            v.check()?;
            if !keys.insert(v.consensus_key) {
                return Err(GenesisError::DuplicateValidatorKey(v.name.clone()));
            }
        }
        if let Some(n) = self.epoch_length_blocks
            && !(EPOCH_LENGTH_BLOCKS_MIN..=EPOCH_LENGTH_BLOCKS_MAX).contains(&n)
        {
            return Err(GenesisError::Params(format!("epoch_length_blocks must be {EPOCH_LENGTH_BLOCKS_MIN}..={EPOCH_LENGTH_BLOCKS_MAX}")));
        }
        if self.accounts.len() > GENESIS_ACCOUNTS_MAX {
            return Err(GenesisError::AccountCount);
        }
        let mut ids = BTreeSet::new();
        for a in &self.accounts {
            let id = a.id();
            if !ids.insert(id) {
                return Err(GenesisError::DuplicateAccount(id));
            }
            if a.roles.is_empty() || !a.roles.windows(2).all(|w| w[0] < w[1]) {
                return Err(GenesisError::Roles(id));
            }
            if a.label.len() > LABEL_BYTES_MAX {
                return Err(GenesisError::Label(id));
            }
            if let Some(set) = &a.multisig {
                set.check().map_err(|e| GenesisError::Multisig(id, e))?;
            }
        }
        self.params.check().map_err(GenesisError::Params)
    }
}

/// Shortest and longest epoch a genesis may set: an epoch change restarts the consensus
/// engine, so very short epochs waste time; very long ones delay validator-set changes.
pub const EPOCH_LENGTH_BLOCKS_MIN: u64 = 10;
pub const EPOCH_LENGTH_BLOCKS_MAX: u64 = 1_000_000;

impl ConsensusParams {
    /// The bounds every parameter set must respect (genesis and governance alike).
    pub fn check(&self) -> Result<(), String> {
        if self.block_txs_max == 0 || self.block_txs_max as usize > BLOCK_TXS_MAX {
            return Err(format!("block_txs_max must be 1..={BLOCK_TXS_MAX}"));
        }
        // Leave room for the header inside the hard ceiling.
        if (self.block_bytes_max as usize) < 64 * 1024 || self.block_bytes_max as usize > BLOCK_BYTES_MAX - 4096 {
            return Err("block_bytes_max out of range".into());
        }
        if self.block_time_future_skew_ms == 0 || self.block_time_past_skew_ms == 0 {
            return Err("clock skew bounds must be positive".into());
        }
        // A bound above an hour would make the time check meaningless.
        if self.block_time_future_skew_ms > 3_600_000 || self.block_time_past_skew_ms > 3_600_000 {
            return Err("clock skew bounds must be at most one hour".into());
        }
        Ok(())
    }
}

impl GenesisValidator {
    /// Shape checks of one validator entry (genesis or a governance proposal).
    pub fn check(&self) -> Result<(), GenesisError> {
        let field_ok = |s: &str| !s.is_empty() && s.len() <= NAME_BYTES_MAX;
        if !field_ok(&self.name) || !field_ok(&self.address) {
            return Err(GenesisError::ValidatorField(self.name.clone()));
        }
        // Commonware simplex identifies a voter by the key of the p2p connection its vote
        // arrived on, so the two keys must be one (ARCHITECTURE.md).
        if self.p2p_key != self.consensus_key {
            return Err(GenesisError::P2pKeyMismatch(self.name.clone()));
        }
        Ok(())
    }
}

/// `SHA-256(VALIDATOR-SET tag ‖ version ‖ borsh(sorted consensus keys))`.
pub fn validator_set_hash(sorted_keys: &[[u8; 32]]) -> Hash32 {
    debug_assert!(sorted_keys.windows(2).all(|w| w[0] < w[1]));
    sha256(&canonical(domain::VALIDATOR_SET, &sorted_keys.to_vec()))
}

mod hex32 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(d)?;
        let mut out = [0u8; 32];
        hex::decode_to_slice(&text, &mut out).map_err(serde::de::Error::custom)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn genesis() -> Genesis {
        Genesis {
            chain_id: "vellum-test".into(),
            genesis_time_ms: 0,
            params: ConsensusParams::default(),
            validators: vec![GenesisValidator {
                name: "v0".into(),
                consensus_key: [1; 32],
                p2p_key: [1; 32],
                address: "127.0.0.1:1".into(),
            }],
            accounts: vec![GenesisAccount { public_key: PublicKey::Ed25519([5; 32]), roles: vec![Role::Registrar], label: "r".into(), multisig: None }],
            epoch_length_blocks: None,
        }
    }

    #[test]
    fn validation_names_each_problem() {
        assert_eq!(genesis().validate(), Ok(()));
        let mut g = genesis();
        g.chain_id = "Bad Chain".into();
        assert_eq!(g.validate(), Err(GenesisError::ChainId));
        let mut g = genesis();
        g.validators.clear();
        assert_eq!(g.validate(), Err(GenesisError::ValidatorCount(0)));
        let mut g = genesis();
        g.validators.push(g.validators[0].clone());
        assert!(matches!(g.validate(), Err(GenesisError::DuplicateValidatorKey(_))));
        let mut g = genesis();
        g.validators[0].p2p_key = [2; 32];
        assert!(matches!(g.validate(), Err(GenesisError::P2pKeyMismatch(_))));
        let mut g = genesis();
        g.accounts.push(g.accounts[0].clone());
        assert!(matches!(g.validate(), Err(GenesisError::DuplicateAccount(_))));
        let mut g = genesis();
        g.accounts[0].roles = vec![Role::Issuer, Role::Council];
        assert!(matches!(g.validate(), Err(GenesisError::Roles(_))));
        let mut g = genesis();
        g.params.block_txs_max = 0;
        assert!(matches!(g.validate(), Err(GenesisError::Params(_))));
    }

    #[test]
    fn hash_changes_with_any_field_and_survives_toml() {
        let g = genesis();
        let text = toml::to_string(&g).unwrap();
        let back: Genesis = toml::from_str(&text).unwrap();
        assert_eq!(back.hash(), g.hash());
        let mut other = g.clone();
        other.genesis_time_ms = 1;
        assert_ne!(other.hash(), g.hash());
        // The epoch length is committed (and survives TOML), set or not.
        let mut epochs = g.clone();
        epochs.epoch_length_blocks = Some(100);
        assert_ne!(epochs.hash(), g.hash());
        let back: Genesis = toml::from_str(&toml::to_string(&epochs).unwrap()).unwrap();
        assert_eq!(back.hash(), epochs.hash());
        let mut longer = epochs.clone();
        longer.epoch_length_blocks = Some(101);
        assert_ne!(longer.hash(), epochs.hash());
        longer.epoch_length_blocks = Some(5);
        assert!(matches!(longer.validate(), Err(GenesisError::Params(_))));
    }

    #[test]
    fn both_commitment_layouts_round_trip_and_tell_each_other_apart() {
        let mut g = genesis();
        g.epoch_length_blocks = Some(20);
        let two = g.commitment();
        assert_eq!(two.epoch_length(), Some(20));
        let bytes = borsh::to_vec(&two).unwrap();
        assert_eq!(bytes[..5], [0xff, 0xff, 0xff, 0xff, 2], "layout 2 starts with its mark");
        assert_eq!(borsh::from_slice::<GenesisCommitment>(&bytes).unwrap(), two);
        g.epoch_length_blocks = None;
        assert_eq!(g.commitment().epoch_length(), Some(u64::MAX), "committed: a single epoch");
        // Layout 1 is plain borsh of the fields without the epoch rule (older files).
        let one = GenesisCommitment { epochs: CommittedEpochs::Uncommitted, ..two.clone() };
        let plain = borsh::to_vec(&(&one.chain_id, one.genesis_time_ms, &one.params, &one.validators, &one.details_hash)).unwrap();
        assert_eq!(borsh::to_vec(&one).unwrap(), plain);
        assert_eq!(borsh::from_slice::<GenesisCommitment>(&plain).unwrap(), one);
        assert_eq!(one.epoch_length(), None);
        assert_ne!(one.hash(), two.hash());
        // An unknown layout, a chain id over the limit, truncation: refused.
        let mut three = bytes.clone();
        three[4] = 3;
        assert!(borsh::from_slice::<GenesisCommitment>(&three).is_err());
        let mut long = plain.clone();
        long[..4].copy_from_slice(&65u32.to_le_bytes());
        assert!(borsh::from_slice::<GenesisCommitment>(&long).is_err());
        // Epoch lengths no genesis may set (a zero would divide by zero in step 3g).
        for bad in [0u64, 9, 1_000_001] {
            let c = GenesisCommitment { epochs: CommittedEpochs::Length(Some(bad)), ..two.clone() };
            assert!(borsh::from_slice::<GenesisCommitment>(&borsh::to_vec(&c).unwrap()).is_err(), "{bad}");
        }
        for cut in 0..bytes.len() {
            assert!(borsh::from_slice::<GenesisCommitment>(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }
}

//! Fixtures shared by the tests of this crate and of the crates above it (feature `testkit`).
//! Keys here are derived from fixed bytes: never use them outside tests.

use vellum_crypto::SecretKey;
use vellum_types::*;

/// A one-validator genesis with a registrar (Ed25519), a compliance officer (secp256k1) and a
/// user (Ed25519).
pub struct Fixture {
    pub genesis: Genesis,
    pub registrar: SecretKey,
    pub compliance: SecretKey,
    pub user: SecretKey,
    pub issuer: SecretKey,
    /// A validator node's ledger account (role `node`).
    pub node: SecretKey,
    /// The governance council: a 2-of-3 multi-signature account whose id derives from
    /// `council[0]`.
    pub council: Vec<SecretKey>,
    /// A conversion desk (role `desk`).
    pub desk: SecretKey,
    /// An auditor.
    pub auditor: SecretKey,
}

pub fn key(scheme: &str, n: u8) -> SecretKey {
    SecretKey::from_bytes(scheme, [n; 32]).unwrap()
}

pub fn fixture() -> Fixture {
    let registrar = key("ed25519", 1);
    let compliance = key("secp256k1", 2);
    let user = key("ed25519", 3);
    let issuer = key("ed25519", 4);
    let node = key("ed25519", 5);
    let council: Vec<SecretKey> = vec![key("ed25519", 6), key("secp256k1", 7), key("ed25519", 8)];
    let desk = key("ed25519", 10);
    let auditor = key("ed25519", 11);
    let council_set = SignerSet {
        signers: council.iter().map(|k| Signer { key: k.public_key(), weight: 1 }).collect(),
        threshold: 2,
    };
    let account = |k: &SecretKey, role: Role, label: &str| GenesisAccount {
        public_key: k.public_key(),
        roles: vec![role],
        label: label.into(),
        multisig: None,
    };
    let genesis = Genesis {
        chain_id: "vellum-test".into(),
        genesis_time_ms: 1_000,
        params: ConsensusParams::default(),
        validators: vec![GenesisValidator {
            name: "v0".into(),
            consensus_key: [9; 32],
            p2p_key: [9; 32],
            address: "127.0.0.1:1".into(),
        }],
        accounts: vec![
            account(&registrar, Role::Registrar, "reg"),
            account(&compliance, Role::Compliance, "c"),
            account(&user, Role::User, "u"),
            account(&issuer, Role::Issuer, "university"),
            account(&node, Role::Node, "node-v0"),
            GenesisAccount { multisig: Some(council_set), ..account(&council[0], Role::Council, "council") },
            account(&desk, Role::Desk, "desk"),
            account(&auditor, Role::Auditor, "auditor"),
        ],
        epoch_length_blocks: None,
    };
    Fixture { genesis, registrar, compliance, user, issuer, node, council, desk, auditor }
}

pub fn sign(key: &SecretKey, chain: &str, nonce: u64, body: TxBody) -> Transaction {
    let unsigned = UnsignedTx {
        chain_id: chain.into(),
        sender: key.public_key().account_id(),
        nonce,
        expiry_height: 1_000,
        body,
    };
    let signature = key.sign_tx(&unsigned);
    Transaction { unsigned, signatures: vec![signature] }
}

pub fn open(new_key: &SecretKey) -> TxBody {
    TxBody::OpenAccount {
        public_key: new_key.public_key(),
        kyc_commitment: Some(tx::kyc_commitment(b"salt-0123456789ab", b"identity record")),
        label: "employee".into(),
        role: Role::User,
        subledger: None, kyc: None
    }
}

/// Opens an account in a sub-ledger.
pub fn open_in(new_key: &SecretKey, subledger: &str) -> TxBody {
    match open(new_key) {
        TxBody::OpenAccount { public_key, kyc_commitment, label, role, .. } => {
            TxBody::OpenAccount { public_key, kyc_commitment, label, role, subledger: Some(subledger.into()), kyc: None }
        }
        _ => unreachable!(),
    }
}

impl Fixture {
    pub fn council_id(&self) -> AccountId {
        self.council[0].public_key().account_id()
    }
}

/// A transaction from `account` signed by each of `keys` (multi-signature).
pub fn sign_multi(keys: &[&SecretKey], account: AccountId, chain: &str, nonce: u64, body: TxBody) -> Transaction {
    let unsigned = UnsignedTx { chain_id: chain.into(), sender: account, nonce, expiry_height: 1_000, body };
    let signatures = keys.iter().map(|k| k.sign_tx(&unsigned)).collect();
    Transaction { unsigned, signatures }
}


/// A single-document registration of `digest` with the whole-file schema.
pub fn register(digest: Hash32) -> TxBody {
    TxBody::RegisterProof {
        digest,
        schema: proof::SCHEMA_WHOLE_FILE.into(),
        metadata_digest: sha256(b"metadata"),
        salted: false,
    }
}

/// The fixture genesis with `n` validators whose Ed25519 secret keys are fixed bytes, sorted
/// by public key as consensus orders them; returns the secrets in that order.
pub fn genesis_with_validators(n: u8) -> (Genesis, Vec<[u8; 32]>) {
    let mut seeds: Vec<[u8; 32]> = (0..n).map(|i| [40 + i; 32]).collect();
    let public = |s: &[u8; 32]| SecretKey::from_bytes("ed25519", *s).unwrap().public_key().key_bytes().try_into().unwrap();
    seeds.sort_by_key(|s| -> [u8; 32] { public(s) });
    let mut genesis = fixture().genesis;
    genesis.validators = seeds
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let key: [u8; 32] = public(s);
            GenesisValidator { name: format!("v{i}"), consensus_key: key, p2p_key: key, address: "127.0.0.1:1".into() }
        })
        .collect();
    (genesis, seeds)
}

/// A proposal of the governed `body` (deadline far ahead).
pub fn propose(body: TxBody) -> TxBody {
    TxBody::Propose { action: GovAction::from_governed_body(body).expect("a governed body"), deadline_height: 900 }
}

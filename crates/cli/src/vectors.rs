//! The test vectors of `docs/wire-format.md` and `docs/evidence-format.md` (`docs/vectors/`).
//!
//! Every file is generated here from the Rust code and compared byte for byte on every test
//! run, so the published vectors and the code cannot drift. After a deliberate change of the
//! format, `VELLUM_WRITE_VECTORS=1 cargo test -p vellum-cli vectors` rewrites them (and the
//! change shows up in review as a diff of the spec's vectors).
//!
//! The keys are published test keys: never use them for anything real.

use serde_json::{Value, json};
use std::path::PathBuf;
use vellum_crypto::SecretKey;
use vellum_types::encoding::{canonical, domain};
use vellum_types::governance::GovAction;
use vellum_types::payment::{ConvertQuote, Hash32Text};
use vellum_types::proof::{AuditRecord, BatchMember, ProofChange, ProofId, salted_digest};
use vellum_types::validators::MisbehaviorKind;
use vellum_types::{
    AccountId, AccountStatus, Alert, ConsensusParams, GenesisValidator, Leg, MonitoringRules, Role, Signature, Signer,
    SignerSet, TokenFlags, Transaction, TxBody, UnsignedTx, sha256,
};

/// The chain id every transaction vector is signed for.
const CHAIN_ID: &str = "vellum-vectors";
/// Password of every keystore vector.
const PASSWORD: &str = "correct horse battery staple";

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/vectors")
}

/// A published test key: named, its secret derived from the name (RFC test keys where one
/// exists, so an implementer can cross-check against the RFC as well).
struct TestKey {
    name: &'static str,
    secret: SecretKey,
}

fn test_keys() -> Vec<TestKey> {
    let from_hex = |h: &str| -> [u8; 32] { hex::decode(h).unwrap().try_into().unwrap() };
    let derived = |name: &str| sha256(format!("vellum test key {name}").as_bytes());
    let key = |name: &'static str, scheme: &str, secret: [u8; 32]| TestKey { name, secret: SecretKey::from_bytes(scheme, secret).unwrap() };
    vec![
        // RFC 8032 §7.1 test 1.
        key("ed25519-a", "ed25519", from_hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")),
        key("ed25519-b", "ed25519", derived("ed25519-b")),
        key("secp256k1-a", "secp256k1", derived("secp256k1-a")),
        key("secp256k1-b", "secp256k1", derived("secp256k1-b")),
        // RFC 6979 §A.2.5.
        key("p256-a", "p256", from_hex("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721")),
        key("p256-b", "p256", derived("p256-b")),
    ]
}

fn find<'a>(keys: &'a [TestKey], name: &str) -> &'a SecretKey {
    &keys.iter().find(|k| k.name == name).unwrap_or_else(|| panic!("no test key {name}")).secret
}

fn account(keys: &[TestKey], name: &str) -> AccountId {
    find(keys, name).public_key().account_id()
}

fn h(tag: &str) -> [u8; 32] {
    sha256(tag.as_bytes())
}

// ---- keys.json ---------------------------------------------------------------------------

fn keys_json(keys: &[TestKey]) -> Value {
    let list: Vec<Value> = keys
        .iter()
        .map(|k| {
            json!({
                "name": k.name,
                "scheme": k.secret.scheme(),
                "secret": hex::encode(k.secret.to_bytes()),
                "key_file": format!("{}:{}", k.secret.scheme(), hex::encode(k.secret.to_bytes())),
                "public_key": k.secret.public_key().to_string(),
                "public_key_borsh": hex::encode(borsh::to_vec(&k.secret.public_key()).unwrap()),
                "account_id": k.secret.public_key().account_id().to_hex(),
            })
        })
        .collect();
    let cheap = crate::keystore::Cost { memory_kib: 8 * 1024, passes: 1, lanes: 1 };
    let sealed = |name: &str, cost: crate::keystore::Cost, account: Option<String>| {
        let secret = find(keys, name);
        let salt: [u8; 16] = h(&format!("keystore salt {name}"))[..16].try_into().unwrap();
        let nonce: [u8; 24] = h(&format!("keystore nonce {name}"))[..24].try_into().unwrap();
        let ks = crate::keystore::Keystore::seal_with(secret, PASSWORD, cost, account, salt, nonce).unwrap();
        json!({ "name": name, "scheme": secret.scheme(), "secret": hex::encode(secret.to_bytes()), "password": PASSWORD, "keystore": ks })
    };
    json!({
        "description": "Published test keys (never use them for anything real). key_file is the plain key-file text; keystore is the encrypted form (Argon2id + XChaCha20-Poly1305) under `password`.",
        "keys": list,
        "keystores": [
            sealed("ed25519-a", crate::keystore::Cost::DEFAULT, None),
            sealed("secp256k1-a", cheap, None),
            sealed("p256-a", cheap, Some(account(keys, "ed25519-b").to_hex())),
        ],
    })
}

// ---- transactions.json -------------------------------------------------------------------

/// One sample body per `TxBody` variant, plus one `Propose` per governed action.
fn sample_bodies(keys: &[TestKey]) -> Vec<(&'static str, TxBody)> {
    let a = account(keys, "ed25519-a");
    let b = account(keys, "ed25519-b");
    let pk_b = find(keys, "p256-b").public_key();
    let set = SignerSet {
        signers: vec![
            Signer { key: find(keys, "ed25519-a").public_key(), weight: 1 },
            Signer { key: find(keys, "secp256k1-a").public_key(), weight: 1 },
            Signer { key: find(keys, "p256-a").public_key(), weight: 2 },
        ],
        threshold: 2,
    };
    let rules = MonitoringRules {
        large_amount: 1_000_000,
        window_ms: 86_400_000,
        window_amount_max: 5_000_000,
        window_count_max: 20,
        structuring_floor_bps: 9_000,
        structuring_count: 3,
        hold_timeout_ms: 3_600_000,
        inflow_amount_max: 8_000_000,
        inflow_count_max: 40,
        distinct_senders_max: 10,
        tier_limits: vec![
            vellum_types::monitoring::TierLimit { tier: 0, leg_amount_max: 10_000, window_amount_max: 50_000 },
            vellum_types::monitoring::TierLimit { tier: 2, leg_amount_max: 2_000_000, window_amount_max: 0 },
        ],
        version: 0,
    };
    // One Ed25519 key signs votes and authenticates p2p in this release.
    let node_key: [u8; 32] = find(keys, "ed25519-b").public_key().key_bytes().try_into().unwrap();
    let validator = GenesisValidator { name: "v4".into(), consensus_key: node_key, p2p_key: node_key, address: "10.0.0.5:7100".into() };
    let propose = |action: GovAction| TxBody::Propose { action, deadline_height: 5_000 };
    let profile = vellum_types::IssuerProfile { name: "Example University".into(), domain: "example.edu".into(), x509_sha256: Some(h("certificate.der")), well_known_sha256: h("vellum-issuer.json") };
    vec![
        ("open_account", TxBody::OpenAccount { public_key: pk_b, kyc_commitment: Some(vellum_types::tx::kyc_commitment(&h("salt"), b"identity record")), label: "student".into(), role: Role::User, subledger: None, kyc: None }),
        ("open_account_in_subledger_without_kyc", TxBody::OpenAccount { public_key: pk_b, kyc_commitment: None, label: "".into(), role: Role::Issuer, subledger: Some("retail".into()), kyc: None }),
        // A string starting with U+FEFF (a byte-order mark): its three bytes are content, and a
        // decoder that strips them (TextDecoder's default) computes another id.
        ("open_account_label_starting_with_a_byte_order_mark", TxBody::OpenAccount { public_key: pk_b, kyc_commitment: None, label: "\u{feff}café ☕".into(), role: Role::User, subledger: Some("retail".into()), kyc: None }),
        ("set_account_status", TxBody::SetAccountStatus { account: b, status: AccountStatus::Frozen, reason: "incident 42".into() }),
        ("register_proof", TxBody::RegisterProof { digest: h("diploma.pdf"), schema: "sha256:file".into(), metadata_digest: sha256(b""), salted: false }),
        ("register_batch", TxBody::RegisterBatch { root: vellum_evidence::batch_root(&[h("d1"), h("d2"), h("d3")]), count: 3, schema: "sha256:file".into(), metadata_digest: h("metadata"), salted: true }),
        ("revoke_proof", TxBody::SetProofStatus { proof: ProofId(h("proof")), member: None, change: ProofChange::Revoke { reason: "issued_in_error".into() } }),
        ("suspend_member", TxBody::SetProofStatus { proof: ProofId(h("proof")), member: Some(4), change: ProofChange::Suspend { reason: "under_investigation".into() } }),
        ("reinstate_proof", TxBody::SetProofStatus { proof: ProofId(h("proof")), member: None, change: ProofChange::Reinstate }),
        ("supersede_member", TxBody::SetProofStatus { proof: ProofId(h("proof")), member: Some(2), change: ProofChange::Supersede { by: ProofId(h("newer")) } }),
        ("audit_batch", TxBody::AuditBatch { entries: vec![AuditRecord { proof: ProofId(h("proof")), reader: Some(a), action: "bundle".into(), allowed: true, time_ms: 1_767_225_600_000 }, AuditRecord { proof: ProofId(h("proof")), reader: None, action: "show".into(), allowed: false, time_ms: 1_767_225_600_001 }] }),
        ("create_token", TxBody::CreateToken { symbol: "EUR".into(), decimals: 2, issuer: a, subledger: None, flags: TokenFlags { kyc_required: true, clawback: true, pausable: false } }),
        ("mint", TxBody::Mint { token: "EUR".into(), to: b, amount: 340_282_366_920_938_463_463_374_607_431_768_211_455 }),
        ("burn", TxBody::Burn { token: "EUR".into(), amount: 250 }),
        ("transfer", TxBody::Transfer { legs: vec![Leg { to: b, token: "EUR".into(), amount: 12_345, convert: None }], reference: None }),
        ("transfer_multi_leg_conversion_reference", TxBody::Transfer { legs: vec![Leg { to: b, token: "EUR".into(), amount: 500, convert: None }, Leg { to: a, token: "EUR".into(), amount: 1_000, convert: Some(ConvertQuote { to_token: "USD".into(), rate_version: 3 }) }], reference: Some(h("invoice proof id")) }),
        ("set_signers", TxBody::SetSigners { set: set.clone() }),
        ("set_monitoring", TxBody::SetMonitoring { token: "EUR".into(), rules: rules.clone() }),
        ("decide_hold", TxBody::DecideHold { hold: 7, post: true, reason: "documents checked".into() }),
        ("set_token_paused", TxBody::SetTokenPaused { token: "EUR".into(), paused: true, reason: "incident".into() }),
        ("clawback", TxBody::Clawback { token: "EUR".into(), from: b, amount: 99, reason: "court order".into() }),
        ("create_subledger", TxBody::CreateSubledger { name: "retail".into(), kyc_required: false }),
        ("set_rate", TxBody::SetRate { from: "EUR".into(), to: "USD".into(), num: 108, den: 100, desk: a }),
        ("propose_create_token", propose(GovAction::CreateToken { symbol: "USD".into(), decimals: 2, issuer: a, subledger: Some("retail".into()), flags: TokenFlags::default() })),
        ("propose_set_monitoring", propose(GovAction::SetMonitoring { token: "EUR".into(), rules })),
        ("propose_set_rate", propose(GovAction::SetRate { from: "EUR".into(), to: "USD".into(), num: 108, den: 100, desk: a })),
        ("propose_create_subledger", propose(GovAction::CreateSubledger { name: "wholesale".into(), kyc_required: true })),
        ("propose_grant_role", propose(GovAction::GrantRole { account: b, role: Role::Issuer })),
        ("propose_revoke_role", propose(GovAction::RevokeRole { account: b, role: Role::Registrar })),
        ("propose_set_rules", propose(GovAction::SetRules { digest: Hash32Text(h("rules v2")), uri: "https://example.org/rules-v2.pdf".into() })),
        ("propose_set_council", propose(GovAction::SetCouncil { members: vec![a, b], threshold: 2 })),
        ("propose_register_module", propose(GovAction::RegisterModule { name: "escrow".into(), code_digest: Hash32Text(h("code")), review_digest: Hash32Text(h("review")) })),
        ("propose_set_module_paused", propose(GovAction::SetModulePaused { name: "escrow".into(), paused: true })),
        ("propose_add_validator", propose(GovAction::AddValidator { validator })),
        ("propose_remove_validator", propose(GovAction::RemoveValidator { consensus_key: Hash32Text(node_key) })),
        ("propose_set_consensus_params", propose(GovAction::SetConsensusParams { params: ConsensusParams::default() })),
        ("propose_attest_issuer", propose(GovAction::AttestIssuer { issuer: b, profile: vellum_types::IssuerProfile { name: "Université d'Exemple".into(), domain: "exemple.fr".into(), x509_sha256: None, well_known_sha256: h("doc") } })),
        ("propose_set_reason_codes", propose(GovAction::SetReasonCodes { codes: vec!["key_compromise".into(), "degree_withdrawn".into()] })),
        ("propose_set_witnesses", propose(GovAction::SetWitnesses {
            policy: vellum_types::witness::WitnessPolicy {
                witnesses: vec![
                    vellum_types::witness::WitnessEntry { name: "witness.example/w1".into(), key: [0x51; 32], url: "https://w1.witness.example".into() },
                    vellum_types::witness::WitnessEntry { name: "witness.example/w2".into(), key: [0x52; 32], url: "https://w2.witness.example".into() },
                ],
                quorum: 2,
            },
        })),
        ("vote", TxBody::Vote { proposal: 12 }),
        ("set_guardians", TxBody::SetGuardians { guardians: vec![a, b], threshold: 2, delay_blocks: 1_440 }),
        ("propose_recovery", TxBody::ProposeRecovery { account: b, set: SignerSet::single(pk_b) }),
        ("cancel_recovery", TxBody::CancelRecovery),
        ("execute_recovery", TxBody::ExecuteRecovery { account: b }),
        ("set_purpose_keys", TxBody::SetPurposeKeys { request_keys: vec![pk_b], encryption_recipient: Some("age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p".into()) }),
        ("report_misbehavior", TxBody::ReportMisbehavior { validator: node_key, kind: MisbehaviorKind::ConflictingFinalize, epoch: 0, view: 77, evidence: vec![1, 2, 3, 4] }),
        ("revoke_issuer", TxBody::RevokeIssuer { issuer: a, from_height: 1_234, reason: "key_compromise".into() }),
        ("store_batch_members", TxBody::StoreBatchMembers { proof: ProofId(h("proof")), first: 200, members: vec![BatchMember { digest: h("d201"), holder: Some(b) }, BatchMember { digest: h("d202"), holder: None }] }),
        ("add_holders", TxBody::AddHolders { proof: ProofId(h("proof")), member: Some(3), holders: vec![a, b] }),
        ("attest_issuer", TxBody::AttestIssuer { issuer: a, profile: profile.clone() }),
        ("revoke_attestation", TxBody::RevokeAttestation { issuer: a, reason: "affiliation_changed".into() }),
        ("instantiate_contract", TxBody::InstantiateContract { code_digest: h("escrow code"), input: vec![0x01, 0x02, 0xff], fuel: 5_000_000 }),
        ("call_contract", TxBody::CallContract { contract: b, function: "release".into(), input: Vec::new(), fuel: 1_000_000 }),
        ("set_invoicing", TxBody::SetInvoicing { tax_authority: b, token: "EUR".into(), vat_basis_points: 2_100 }),
        ("issue_invoice", TxBody::IssueInvoice { payment: vellum_types::TxId(h("payment")), document_digest: h("invoice.pdf") }),
        ("reimburse_invoice", TxBody::ReimburseInvoice { invoice: h("invoice id") }),
        ("clear_invoice_tax", TxBody::ClearInvoiceTax { invoice: h("invoice id") }),
        ("propose_register_code", propose(GovAction::RegisterCode { name: "escrow".into(), code: b"\0asm\x01\0\0\0".to_vec(), review_digest: Hash32Text(h("review")) })),
        ("propose_set_contract_paused", propose(GovAction::SetContractPaused { contract: b, paused: true })),
        ("propose_upgrade_contract", propose(GovAction::UpgradeContract { contract: b, code_digest: Hash32Text(h("escrow v2")) })),
        ("propose_set_code_advisory", propose(GovAction::SetCodeAdvisory { code_digest: Hash32Text(h("escrow code")), advisory: Some(Hash32Text(h("advisory"))) })),
        ("propose_lift_code_advisory", propose(GovAction::SetCodeAdvisory { code_digest: Hash32Text(h("escrow code")), advisory: None })),
        ("propose_grant_tax_authority", propose(GovAction::GrantRole { account: b, role: Role::TaxAuthority })),
        ("open_account_with_kyc_terms", TxBody::OpenAccount { public_key: pk_b, kyc_commitment: Some(vellum_types::tx::kyc_commitment(&h("salt"), b"identity record")), label: "customer".into(), role: Role::User, subledger: None, kyc: Some(vellum_types::kyc::KycTerms { tier: 2, expires_ms: 1_798_761_600_000, screening: Some(vellum_types::kyc::screening_commitment(&h("screening salt"), b"identity record")) }) }),
        ("audit_reads", TxBody::AuditReads { entries: vec![vellum_types::proof::ReadRecord { owner: b, action: "history".into(), item: None, reader: Some(a), allowed: false, time_ms: 1_767_225_600_002 }, vellum_types::proof::ReadRecord { owner: b, action: "receipt".into(), item: Some(vellum_types::TxId(h("a payment"))), reader: Some(b), allowed: true, time_ms: 1_767_225_600_003 }] }),
        ("set_key_expiry", TxBody::SetKeyExpiry { key: pk_b, expires_ms: 1_798_761_600_000 }),
        ("delete_original", TxBody::DeleteOriginal { proof: vellum_types::ProofId(h("a registration")), member: 3 }),
        ("set_kyc", TxBody::SetKyc { account: b, terms: vellum_types::kyc::KycTerms { tier: 1, expires_ms: 0, screening: None } }),
        ("propose_update_sanctions", propose(GovAction::UpdateSanctions { add: vec![Hash32Text(vellum_types::kyc::screening_commitment(&h("screening salt"), b"sanctioned identity"))], remove: vec![Hash32Text(h("lifted"))] })),
    ]
}

/// The borsh variant index of a body: its first byte.
fn variant(body: &TxBody) -> u8 {
    borsh::to_vec(body).unwrap()[0]
}

fn tx_vector(name: &str, signer_names: &[&str], sender: AccountId, nonce: u64, body: TxBody, keys: &[TestKey]) -> Value {
    let unsigned = UnsignedTx { chain_id: CHAIN_ID.into(), sender, nonce, expiry_height: 1_000_000, body };
    let signatures: Vec<Signature> = signer_names.iter().map(|n| find(keys, n).sign_tx(&unsigned)).collect();
    let tx = Transaction { unsigned: unsigned.clone(), signatures: signatures.clone() };
    tx.check_shape().unwrap_or_else(|e| panic!("vector {name} is not well formed: {e}"));
    assert_eq!(vellum_crypto::verify_tx(&tx).unwrap().len(), signatures.len());
    json!({
        "name": name,
        "kind": unsigned.body.kind(),
        "variant": variant(&unsigned.body),
        "signers": signer_names,
        "unsigned": unsigned,
        "unsigned_wire": hex::encode(vellum_types::encoding::to_wire(&unsigned)),
        "signing_bytes": hex::encode(unsigned.signing_bytes()),
        "tx_id": tx.id().to_hex(),
        "signatures": signatures.iter().map(|s| hex::encode(borsh::to_vec(s).unwrap())).collect::<Vec<_>>(),
        "transaction_wire": hex::encode(tx.to_wire()),
        "leaf_data": hex::encode(tx.leaf_bytes()),
    })
}

fn transactions_json(keys: &[TestKey]) -> Value {
    let mut vectors = Vec::new();
    for (i, (name, body)) in sample_bodies(keys).into_iter().enumerate() {
        vectors.push(tx_vector(name, &["ed25519-a"], account(keys, "ed25519-a"), i as u64, body, keys));
    }
    // The same bodies under each other scheme, and one signature of every scheme together.
    let bodies = sample_bodies(keys);
    let body = |n: &str| bodies.iter().find(|(name, _)| *name == n).unwrap().1.clone();
    for signer in ["secp256k1-a", "p256-a"] {
        for n in ["register_proof", "transfer", "open_account"] {
            vectors.push(tx_vector(&format!("{n}_{signer}"), &[signer], account(keys, signer), 0, body(n), keys));
        }
    }
    let multi = tx_vector("transfer_signed_by_three_schemes", &["ed25519-a", "secp256k1-a", "p256-a"], account(keys, "ed25519-a"), 41, body("transfer"), keys);
    vectors.push(multi);
    // A POST /v1/txs body carrying the first three transactions.
    let framed: Vec<Vec<u8>> = vectors[..3].iter().map(|v| hex::decode(v["transaction_wire"].as_str().unwrap()).unwrap()).collect();
    let refs: Vec<&[u8]> = framed.iter().map(Vec::as_slice).collect();
    let batch = json!({
        "description": "The body of POST /v1/txs carrying the first three vectors' transaction_wire, in order: u32 LE count, then per transaction u32 LE length ‖ wire bytes (borsh Vec<Vec<u8>>).",
        "transactions": vectors[..3].iter().map(|v| v["name"].clone()).collect::<Vec<_>>(),
        "frame": hex::encode(vellum_types::batch::encode(&refs)),
    });
    json!({
        "description": "One transaction per TxBody variant (and per GovAction inside propose), signed with the test keys of keys.json. unsigned is the JSON body form; unsigned_wire = 0x01 ‖ borsh(UnsignedTx); signing_bytes = \"VELLUM:TX-SIGN:\" ‖ 0x01 ‖ borsh(UnsignedTx); tx_id = SHA-256(\"VELLUM:TX-ID:\" ‖ 0x01 ‖ borsh(UnsignedTx)); signatures = borsh(Signature) each; transaction_wire = the POST /v1/tx body; leaf_data = \"VELLUM:TX-LEAF:\" ‖ 0x01 ‖ borsh(Transaction). ECDSA signatures use RFC 6979 nonces (reproducible), low S.",
        "chain_id": CHAIN_ID,
        "vectors": vectors,
        "batch": batch,
    })
}

// ---- ids.json ----------------------------------------------------------------------------

fn ids_json(keys: &[TestKey]) -> Value {
    let accounts: Vec<Value> = keys
        .iter()
        .map(|k| {
            let pk = k.secret.public_key();
            json!({ "public_key": pk.to_string(), "hashed": hex::encode(canonical(domain::ACCOUNT_ID, &pk)), "account_id": pk.account_id().to_hex() })
        })
        .collect();
    let tx_id = vellum_types::TxId(h("a transaction"));
    let salt = h("salt");
    let document = h("document bytes");
    let members: Vec<[u8; 32]> = (0..5u8).map(|i| salted_digest(&h(&format!("member salt {i}")), &h(&format!("member {i}")))).collect();
    let leaves: Vec<[u8; 32]> = members.iter().map(|m| vellum_crypto::merkle::leaf_hash(m)).collect();
    let proofs: Vec<Value> = (0..members.len())
        .map(|i| json!({ "index": i, "proof": vellum_crypto::merkle::inclusion_proof(i, &leaves).iter().map(hex::encode).collect::<Vec<_>>() }))
        .collect();
    json!({
        "description": "Identifiers and commitments. account_id = SHA-256(hashed), hashed = \"VELLUM:ACCOUNT-ID:\" ‖ 0x01 ‖ borsh(PublicKey). proof_id = SHA-256(\"VELLUM:PROOF-ID:\" ‖ 0x01 ‖ tx id). salted = SHA-256(\"VELLUM:SALTED-DIGEST:\" ‖ 0x01 ‖ salt ‖ digest). kyc = SHA-256(\"VELLUM:KYC-COMMITMENT:\" ‖ 0x01 ‖ borsh((Vec<u8> salt, Vec<u8> record))). batch root = RFC 6962 root over leaf(d) = SHA-256(0x00 ‖ d) of the registered digests, in order. contract_id = SHA-256(\"VELLUM:CONTRACT-ID:\" ‖ 0x01 ‖ code digest ‖ creator account id ‖ u64 LE nonce). invoice_id = SHA-256(\"VELLUM:INVOICE-ID:\" ‖ 0x01 ‖ payment tx id). screening = SHA-256(\"VELLUM:SCREENING:\" ‖ 0x01 ‖ salt[32] ‖ borsh(Vec<u8> identity)). payment_records: a held transfer's record with one alert of every kind; leaf_bytes = \"VELLUM:PAYMENT-RECORD:\" ‖ 0x01 ‖ borsh(PaymentRecord).",
        "account_ids": accounts,
        "proof_ids": [{ "tx_id": tx_id.to_hex(), "proof_id": ProofId::of_tx(&tx_id).to_hex() }],
        "contract_ids": [{ "code_digest": hex::encode(h("escrow code")), "creator": account(keys, "ed25519-a").to_hex(), "nonce": 7, "contract_id": vellum_types::contract::contract_account_id(&h("escrow code"), &account(keys, "ed25519-a"), 7).to_hex() }],
        "invoice_ids": [{ "payment_tx_id": tx_id.to_hex(), "invoice_id": hex::encode(vellum_types::invoice::invoice_id(&tx_id)) }],
        "salted_digests": [{ "salt": hex::encode(salt), "digest": hex::encode(document), "salted": hex::encode(salted_digest(&salt, &document)) }],
        "kyc_commitments": [{ "salt": hex::encode(&salt[..16]), "record": hex::encode(b"Jane Doe|1990-01-01|passport X123"), "commitment": hex::encode(vellum_types::tx::kyc_commitment(&salt[..16], b"Jane Doe|1990-01-01|passport X123")) }],
        "screening_commitments": [{ "salt": hex::encode(h("screening salt")), "identity": hex::encode(b"Jane Doe|1990-01-01|FR"), "commitment": hex::encode(vellum_types::kyc::screening_commitment(&h("screening salt"), b"Jane Doe|1990-01-01|FR")) }],
        "payment_records": [held_record(keys)],
        "batch_roots": [
            { "digests": [hex::encode(h("only"))], "root": hex::encode(vellum_evidence::batch_root(&[h("only")])) },
            { "digests": members.iter().map(hex::encode).collect::<Vec<_>>(), "root": hex::encode(vellum_evidence::batch_root(&members)), "inclusion_proofs": proofs },
        ],
    })
}

/// A held transfer's record raising one alert of every kind, for decoders.
fn held_record(keys: &[TestKey]) -> Value {
    use vellum_types::payment::{PaymentOutcome, PaymentRecord, SettledLeg};
    let (a, b) = (account(keys, "ed25519-a"), account(keys, "ed25519-b"));
    let t = || "EUR".to_string();
    let alerts = vec![
        Alert::LargeTransfer { token: t(), amount: 1_000_000 },
        Alert::VelocityAmount { token: t(), window_amount: 5_000_001 },
        Alert::VelocityCount { token: t(), window_count: 21 },
        Alert::Structuring { token: t(), just_under_count: 3 },
        Alert::InflowAmount { token: t(), account: b, window_amount: 8_000_001 },
        Alert::InflowCount { token: t(), account: b, window_count: 41 },
        Alert::DistinctSenders { token: t(), account: b, senders: 11 },
        Alert::TierLeg { token: t(), tier: 0, amount: 10_001 },
        Alert::TierWindow { token: t(), tier: 2, window_amount: 2_000_001 },
        Alert::Sanctions { account: a, list_version: 4 },
    ];
    assert_eq!(alerts.iter().map(Alert::rule).collect::<std::collections::BTreeSet<_>>().len(), 10, "one alert of every kind");
    let leg = SettledLeg { to: b, token: t(), amount: 1_000_000, credit_token: t(), credit_amount: 1_000_000, conversion: None };
    let record = PaymentRecord {
        tx_id: vellum_types::TxId(h("a held transfer")),
        height: 42,
        time_ms: 1_767_225_600_000,
        sender: a,
        outcome: PaymentOutcome::Held { hold: 3, legs: vec![leg], alerts, reference: None },
    };
    json!({ "record": record, "leaf_bytes": hex::encode(record.leaf_bytes()) })
}

// ---- requests.json -----------------------------------------------------------------------

fn requests_json(keys: &[TestKey]) -> Value {
    let cases = [
        ("ed25519-a", "GET", "/v1/proof/00ff/bundle?member=3", &b""[..]),
        ("secp256k1-a", "GET", "/v1/events", &b""[..]),
        ("p256-a", "PUT", "/v1/proof/00ff/original", &b"ciphertext bytes"[..]),
    ];
    let list: Vec<Value> = cases
        .iter()
        .enumerate()
        .map(|(i, (signer, method, path, body))| {
            let key = find(keys, signer);
            let account = key.public_key().account_id();
            let timestamp_ms = 1_767_225_600_000 + i as u64;
            let nonce: [u8; 16] = h(&format!("request nonce {i}"))[..16].try_into().unwrap();
            let bytes = vellum_types::request::request_signing_bytes(CHAIN_ID, &account, method, path, body, timestamp_ms, &nonce);
            let signature = borsh::to_vec(&key.sign(&bytes)).unwrap();
            json!({
                "signer": signer, "chain_id": CHAIN_ID, "account": account.to_hex(), "method": method, "path_and_query": path,
                "body": hex::encode(body), "timestamp_ms": timestamp_ms, "nonce": hex::encode(nonce),
                "signing_bytes": hex::encode(&bytes),
                "headers": { "x-vellum-account": account.to_hex(), "x-vellum-timestamp": timestamp_ms.to_string(), "x-vellum-nonce": hex::encode(nonce), "x-vellum-signature": hex::encode(signature) },
            })
        })
        .collect();
    json!({
        "description": "Signed read requests: signing_bytes = \"VELLUM:REQUEST:\" ‖ 0x01 ‖ borsh((chain_id, account, method, path_and_query, SHA-256(body), timestamp_ms, nonce[16])); x-vellum-signature = hex(borsh(Signature)).",
        "requests": list,
    })
}

// ---- invalid.json ------------------------------------------------------------------------

/// The error class a decoder must report for each malformed transaction.
fn decode_class(bytes: &[u8]) -> &'static str {
    use vellum_types::DecodeError as E;
    match Transaction::from_wire(bytes) {
        Ok(tx) => match vellum_crypto::verify_tx(&tx) {
            Ok(_) => "valid",
            Err(e) => sig_class(&e),
        },
        Err(E::TooLarge { .. }) => "too_large",
        Err(E::Empty) => "empty",
        Err(E::UnknownVersion(_)) => "unknown_version",
        Err(E::Malformed(_)) => "malformed",
        Err(E::Invalid(_)) => "invalid",
    }
}

fn sig_class(e: &vellum_crypto::SigError) -> &'static str {
    use vellum_crypto::SigError as S;
    match e {
        S::Ed25519Key { .. } | S::P256Key { .. } => "bad_public_key",
        S::Secp256k1Malformed { .. } | S::P256Malformed { .. } => "malformed_signature",
        S::Secp256k1HighS { .. } | S::P256HighS { .. } => "high_s",
        S::Secp256k1RecoveryId { .. } => "bad_recovery_id",
        S::Ed25519Invalid { .. } | S::P256Invalid { .. } | S::Secp256k1Recovery { .. } => "signature_does_not_verify",
        S::DuplicateSigner { .. } => "duplicate_signer",
    }
}

fn invalid_json(keys: &[TestKey]) -> Value {
    let body = TxBody::Transfer { legs: vec![Leg { to: account(keys, "ed25519-b"), token: "EUR".into(), amount: 5, convert: None }], reference: None };
    let unsigned = UnsignedTx { chain_id: CHAIN_ID.into(), sender: account(keys, "p256-a"), nonce: 0, expiry_height: 10, body };
    let signed = |names: &[&str], u: &UnsignedTx| Transaction { unsigned: u.clone(), signatures: names.iter().map(|n| find(keys, n).sign_tx(u)).collect() };
    let good = signed(&["p256-a"], &unsigned);
    let wire = good.to_wire();
    let mut cases: Vec<(&str, Vec<u8>)> = vec![("valid (the base of the other cases)", wire.clone())];
    cases.push(("empty", Vec::new()));
    cases.push(("unknown encoding version 2", [&[2u8][..], &wire[1..]].concat()));
    cases.push(("truncated by one byte", wire[..wire.len() - 1].to_vec()));
    cases.push(("truncated to the version byte", wire[..1].to_vec()));
    cases.push(("one trailing byte", [&wire[..], &[0u8][..]].concat()));
    cases.push(("larger than TX_BYTES_MAX", vec![1u8; vellum_types::limits::TX_BYTES_MAX + 1]));
    let mut bad_body = borsh::to_vec(&good).unwrap();
    // chain id (4 + 14) ‖ sender (32) ‖ nonce (8) ‖ expiry (8): then the body's variant index.
    let body_at = 4 + CHAIN_ID.len() + 32 + 8 + 8;
    bad_body[body_at] = 200;
    cases.push(("unknown TxBody variant 200", [&[1u8][..], &bad_body[..]].concat()));
    let mut no_sigs = good.clone();
    no_sigs.signatures.clear();
    cases.push(("no signature", no_sigs.to_wire()));
    let mut zero = unsigned.clone();
    if let TxBody::Transfer { legs, .. } = &mut zero.body {
        legs[0].amount = 0;
    }
    cases.push(("amount zero (shape rule)", signed(&["p256-a"], &zero).to_wire()));
    let mut bad_symbol = unsigned.clone();
    if let TxBody::Transfer { legs, .. } = &mut bad_symbol.body {
        legs[0].token = "eur".into();
    }
    cases.push(("lowercase token symbol (shape rule)", signed(&["p256-a"], &bad_symbol).to_wire()));
    let mut free_text = unsigned.clone();
    free_text.body = TxBody::SetProofStatus { proof: ProofId(h("proof")), member: None, change: ProofChange::Revoke { reason: "degree withdrawn".into() } };
    cases.push(("free-text reason instead of a reason code (shape rule)", signed(&["p256-a"], &free_text).to_wire()));
    let mut other = unsigned.clone();
    other.nonce = 1;
    let foreign = Transaction { unsigned: unsigned.clone(), signatures: vec![find(keys, "p256-a").sign_tx(&other)] };
    cases.push(("signature over another transaction (nonce 1)", foreign.to_wire()));
    cases.push(("the same key signs twice", Transaction { unsigned: unsigned.clone(), signatures: vec![good.signatures[0], good.signatures[0]] }.to_wire()));
    let Signature::P256 { public_key, signature } = good.signatures[0] else { panic!("p256-a signs P-256") };
    let high_s = p256_high_s(&signature);
    cases.push(("P-256 signature with high S", Transaction { unsigned: unsigned.clone(), signatures: vec![Signature::P256 { public_key, signature: high_s }] }.to_wire()));
    let not_ed25519 = (2u8..).map(|b| [b; 32]).find(|k| !vellum_crypto::is_ed25519_key(k)).unwrap();
    let ed = signed(&["ed25519-a"], &unsigned);
    let Signature::Ed25519 { signature: ed_sig, .. } = ed.signatures[0] else { panic!("ed25519-a signs Ed25519") };
    cases.push(("Ed25519 key that is not a curve point", Transaction { unsigned: unsigned.clone(), signatures: vec![Signature::Ed25519 { public_key: not_ed25519, signature: ed_sig }] }.to_wire()));
    cases.push(("P-256 signature with r = 0", Transaction { unsigned: unsigned.clone(), signatures: vec![Signature::P256 { public_key, signature: [&[0u8; 32][..], &signature[32..]].concat().try_into().unwrap() }] }.to_wire()));
    cases.push(("P-256 key that is not a curve point", Transaction { unsigned: unsigned.clone(), signatures: vec![Signature::P256 { public_key: [0; 33], signature }] }.to_wire()));
    let k1 = signed(&["secp256k1-a"], &unsigned);
    let Signature::Secp256k1Recoverable { signature: k1_sig, .. } = k1.signatures[0] else { panic!("secp256k1-a signs recoverably") };
    cases.push(("secp256k1 recovery id 2", Transaction { unsigned: unsigned.clone(), signatures: vec![Signature::Secp256k1Recoverable { signature: k1_sig, recovery_id: 2 }] }.to_wire()));
    let mut flipped = signed(&["ed25519-a"], &unsigned);
    if let Signature::Ed25519 { signature, .. } = &mut flipped.signatures[0] {
        signature[10] ^= 1;
    }
    cases.push(("Ed25519 signature with one bit flipped", flipped.to_wire()));
    let list: Vec<Value> = cases
        .into_iter()
        .map(|(name, bytes)| {
            let class = decode_class(&bytes);
            // The oversized case is summarised: 1 MiB of hex helps nobody.
            let hex_or_len = if bytes.len() > vellum_types::limits::TX_BYTES_MAX { json!({ "fill": "01", "length": bytes.len() }) } else { json!(hex::encode(&bytes)) };
            json!({ "name": name, "bytes": hex_or_len, "expect": class })
        })
        .collect();
    json!({
        "description": "Transaction bytes as POST /v1/tx receives them and the error class a decoder and signature check must report: empty, unknown_version, malformed (borsh: truncated, trailing bytes, bad variant), too_large, invalid (shape rules), malformed_signature, high_s, bad_public_key, bad_recovery_id, signature_does_not_verify, duplicate_signer; valid otherwise. `bytes` is hex, or {fill, length} for a long run of one byte.",
        "cases": list,
    })
}

fn p256_high_s(signature: &[u8; 64]) -> [u8; 64] {
    let s = p256::ecdsa::Signature::from_slice(signature).unwrap();
    let (r, s_scalar) = s.split_scalars();
    let high = p256::ecdsa::Signature::from_scalars(r.to_bytes(), (-*s_scalar).to_bytes()).unwrap();
    high.to_bytes().as_slice().try_into().unwrap()
}

// ---- the check ---------------------------------------------------------------------------

fn all_files() -> Vec<(&'static str, Value)> {
    let keys = test_keys();
    let mut files = vec![
        ("keys.json", keys_json(&keys)),
        ("transactions.json", transactions_json(&keys)),
        ("ids.json", ids_json(&keys)),
        ("requests.json", requests_json(&keys)),
        ("invalid.json", invalid_json(&keys)),
    ];
    files.push(("evidence.json", crate::vectors_evidence::evidence_json()));
    files
}

#[test]
fn published_vectors_match_the_code() {
    let dir = vectors_dir();
    let write = std::env::var_os("VELLUM_WRITE_VECTORS").is_some();
    let mut stale = Vec::new();
    for (name, value) in all_files() {
        let text = serde_json::to_string_pretty(&value).unwrap() + "\n";
        let path = dir.join(name);
        if write {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(name);
        }
    }
    assert!(stale.is_empty(), "docs/vectors/{stale:?} differ from what the code produces: if the format change is deliberate, run VELLUM_WRITE_VECTORS=1 cargo test -p vellum-cli vectors and review the diff");
}

/// The JSON body form is a faithful view: parsing every vector's JSON gives the very bytes.
#[test]
fn json_body_form_round_trips_to_the_same_bytes() {
    let keys = test_keys();
    let file = transactions_json(&keys);
    for v in file["vectors"].as_array().unwrap() {
        let unsigned: UnsignedTx = serde_json::from_value(v["unsigned"].clone()).unwrap_or_else(|e| panic!("{}: {e}", v["name"]));
        assert_eq!(hex::encode(vellum_types::encoding::to_wire(&unsigned)), v["unsigned_wire"].as_str().unwrap(), "{}", v["name"]);
    }
    let mut every_variant: Vec<u64> = file["vectors"].as_array().unwrap().iter().map(|v| v["variant"].as_u64().unwrap()).collect();
    every_variant.sort();
    every_variant.dedup();
    assert_eq!(every_variant, (0..=39).collect::<Vec<_>>(), "a TxBody variant has no vector");
    let unknown = json!({"type": "burn", "token": "EUR", "amount": "1", "extra": 1});
    assert!(serde_json::from_value::<TxBody>(unknown).is_err(), "unknown fields are refused, not ignored");
}

#[test]
fn keystore_vectors_open_with_their_password_only() {
    let file = keys_json(&test_keys());
    for k in file["keystores"].as_array().unwrap() {
        let ks: crate::keystore::Keystore = serde_json::from_value(k["keystore"].clone()).unwrap();
        assert_eq!(hex::encode(ks.open(PASSWORD).unwrap().to_bytes()), k["secret"].as_str().unwrap());
        assert!(ks.open("wrong password").is_err());
    }
}

#[test]
fn invalid_vectors_cover_every_class() {
    let file = invalid_json(&test_keys());
    let classes: std::collections::BTreeSet<&str> = file["cases"].as_array().unwrap().iter().map(|c| c["expect"].as_str().unwrap()).collect();
    for class in ["valid", "empty", "unknown_version", "malformed", "too_large", "invalid", "malformed_signature", "high_s", "bad_public_key", "bad_recovery_id", "signature_does_not_verify", "duplicate_signer"] {
        assert!(classes.contains(class), "no invalid-transaction vector of class {class}");
    }
}

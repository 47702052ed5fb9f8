//! Evidence vectors (`docs/vectors/evidence.json`): the real bundles and receipt of
//! `docs/examples/`, valid, and altered one field at a time. The expected verdict of every
//! case — valid, or the step that fails — is what the Rust verifier says, recorded at
//! generation and compared on every run (see `vectors.rs`).

use serde_json::{Value, json};
use std::path::PathBuf;
use vellum_evidence::{Bundle, Receipt, VerifyError};
use vellum_types::{Hash32, ProofStatus, TxId};

/// One alteration of a decoded file, named for the vector.
type Alteration<'a, T> = (&'a str, Box<dyn FnOnce(&mut T)>);

fn example(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn pinned(name: &str) -> Hash32 {
    let text = String::from_utf8(example(name)).unwrap();
    hex::decode(text.trim()).unwrap().try_into().unwrap()
}

/// The issuer identity a verifier must report: `null` for a file without the section.
fn issuer_expect(check: Option<&vellum_evidence::IssuerCheck>) -> Value {
    match check {
        None => Value::Null,
        Some(vellum_evidence::IssuerCheck::NotAttested) => json!({ "attested": false }),
        Some(vellum_evidence::IssuerCheck::Attested(a)) => json!({
            "attested": true, "name": a.profile.name, "domain": a.profile.domain, "attested_by": a.attested_by.to_hex(),
            "height": a.height, "revoked_reason": a.revoked.as_ref().map(|r| r.reason.clone()),
        }),
    }
}

fn failed(e: &VerifyError) -> Value {
    json!({ "step": e.step.number(), "name": e.step.name() })
}

/// A bundle case: the file, what is given alongside it, and the Rust verifier's verdict.
fn bundle_case(name: &str, file: &[u8], document: Option<&[u8]>, genesis: Option<&Hash32>) -> Value {
    let expect = match vellum_evidence::verify(file, document, genesis) {
        Ok(v) => json!({
            "valid": true,
            "genesis_hash": hex::encode(v.genesis_hash),
            "registered_digest": hex::encode(v.registered_digest),
            "registrant": v.registrant.to_hex(),
            "signer": v.signer.to_string(),
            "height": v.record.height,
            "time_ms": v.record.time_ms,
            "status": v.status.name(),
            "status_height": v.status_height,
            "member_index": v.member_index,
            "validator_set_changes": v.validator_set_changes,
            "issuer": issuer_expect(v.issuer.as_ref()),
            "document": match v.document { vellum_evidence::DocumentCheck::Matched => "matched", vellum_evidence::DocumentCheck::NotChecked => "not_checked" },
        }),
        Err(e) => json!({ "valid": false, "failed": failed(&e) }),
    };
    json!({
        "name": name, "kind": "bundle", "file": hex::encode(file),
        "pinned_genesis": genesis.map(hex::encode), "document": document.map(hex::encode), "expect": expect,
    })
}

fn receipt_case(name: &str, file: &[u8], genesis: Option<&Hash32>) -> Value {
    let expect = match vellum_evidence::verify_receipt(file, genesis) {
        Ok(v) => json!({
            "valid": true,
            "genesis_hash": hex::encode(v.genesis_hash),
            "tx_id": v.tx.id().to_hex(),
            "sender": v.record.sender.to_hex(),
            "signers": v.signers.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
            "height": v.record.height,
            "time_ms": v.record.time_ms,
            "outcome": serde_json::to_value(&v.record.outcome).unwrap(),
        }),
        Err(e) => json!({ "valid": false, "failed": failed(&e) }),
    };
    json!({ "name": name, "kind": "receipt", "file": hex::encode(file), "pinned_genesis": genesis.map(hex::encode), "expect": expect })
}

fn tx_receipt_case(name: &str, file: &[u8], genesis: Option<&Hash32>) -> Value {
    let expect = match vellum_evidence::verify_tx_receipt(file, genesis) {
        Ok(v) => json!({
            "valid": true,
            "genesis_hash": hex::encode(v.genesis_hash),
            "tx_id": v.tx.id().to_hex(),
            "tx_kind": v.tx.unsigned.body.kind(),
            "sender": v.tx.unsigned.sender.to_hex(),
            "signers": v.signers.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
            "log_index": v.tx_index,
            "appended": v.appended.iter().map(vellum_evidence::Appended::to_json).collect::<Vec<_>>(),
        }),
        Err(e) => json!({ "valid": false, "failed": failed(&e) }),
    };
    json!({ "name": name, "kind": "tx_receipt", "file": hex::encode(file), "pinned_genesis": genesis.map(hex::encode), "expect": expect })
}

fn altered_tx_receipt(file: &[u8], change: impl FnOnce(&mut vellum_evidence::TxReceipt)) -> Vec<u8> {
    let mut r = vellum_evidence::TxReceipt::decode(file).unwrap();
    change(&mut r);
    r.to_bytes()
}

/// Transaction receipts (`VELLUMTR`): the invoice issued on a devnet (docs/examples), and one
/// change at a time.
fn tx_receipt_cases() -> Vec<Value> {
    let file = example("invoice.vellumtr");
    let genesis = pinned("invoice-genesis-hash.txt");
    let mut cases = vec![
        tx_receipt_case("tx receipt: valid (an issued invoice)", &file, Some(&genesis)),
        tx_receipt_case("tx receipt: another pinned genesis", &file, Some(&[7u8; 32])),
        tx_receipt_case("tx receipt: truncated by one byte", &file[..file.len() - 1], Some(&genesis)),
        tx_receipt_case("tx receipt: one trailing byte", &[&file[..], &[0u8][..]].concat(), Some(&genesis)),
    ];
    let mut version = file.clone();
    version[8] = 9;
    cases.push(tx_receipt_case("tx receipt: unknown file version 9", &version, Some(&genesis)));
    let changes: Vec<Alteration<vellum_evidence::TxReceipt>> = vec![
        ("transaction signature bit flipped", Box::new(|r| {
            if let vellum_types::Signature::Ed25519 { signature, .. } = &mut r.tx.signatures[0] {
                signature[3] ^= 1;
            }
        })),
        ("transaction nonce changed", Box::new(|r| r.tx.unsigned.nonce += 1)),
        ("invoice amount changed", Box::new(|r| {
            if let vellum_evidence::Appended::Invoice(i) = &mut r.appended[0].0 {
                i.invoice.amount += 1;
            }
        })),
        ("appended leaf's proof sibling flipped", Box::new(|r| r.appended[0].1[0][0] ^= 1)),
        ("no appended leaf", Box::new(|r| r.appended.clear())),
        ("transaction index moved", Box::new(|r| r.tx_index += 1)),
        ("certificate signature flipped", Box::new(|r| r.certificate.signatures[0][0] ^= 1)),
        ("header height changed", Box::new(|r| r.header.height += 1)),
    ];
    for (what, change) in changes {
        cases.push(tx_receipt_case(&format!("tx receipt: {what}"), &altered_tx_receipt(&file, change), Some(&genesis)));
    }
    cases
}

fn altered_bundle(file: &[u8], change: impl FnOnce(&mut Bundle)) -> Vec<u8> {
    let mut b = vellum_evidence::decode(file).unwrap();
    change(&mut b);
    b.to_bytes()
}

fn altered_receipt(file: &[u8], change: impl FnOnce(&mut Receipt)) -> Vec<u8> {
    let mut r = Receipt::decode(file).unwrap();
    change(&mut r);
    r.to_bytes()
}

/// Framing cases shared by bundles and receipts (version-1 files): each breaks step 1.
fn framing(file: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let mut magic = file.to_vec();
    magic[0] ^= 0x20;
    let mut version = file.to_vec();
    version[8] = 9;
    // The same evidence in a second encoding: version 2 with an empty validator chain.
    let mut rewrapped = file.to_vec();
    rewrapped[8] = vellum_evidence::BUNDLE_VERSION_CHAINED;
    rewrapped.extend_from_slice(&[0, 0, 0, 0]);
    vec![
        ("truncated by one byte", file[..file.len() - 1].to_vec()),
        ("one trailing byte", [file, &[0u8][..]].concat()),
        ("bad magic", magic),
        ("unknown file version 9", version),
        ("rewrapped as version 2 with an empty validator chain", rewrapped),
    ]
}

fn diploma_cases() -> Vec<Value> {
    let file = example("diploma.vellum");
    let (doc, other, genesis) = (example("diploma.pdf"), example("other.pdf"), pinned("genesis-hash.txt"));
    let mut cases = vec![
        bundle_case("diploma: valid with the document", &file, Some(&doc), Some(&genesis)),
        bundle_case("diploma: valid, digest only, no pinned genesis", &file, None, None),
        bundle_case("diploma: another document", &file, Some(&other), Some(&genesis)),
        bundle_case("diploma: another pinned genesis", &file, Some(&doc), Some(&[7u8; 32])),
    ];
    for (what, bytes) in framing(&file) {
        cases.push(bundle_case(&format!("diploma: {what}"), &bytes, Some(&doc), Some(&genesis)));
    }
    let changes: Vec<Alteration<Bundle>> = vec![
        ("genesis chain id changed", Box::new(|b| b.genesis.chain_id.push('x'))),
        ("certificate signature bit flipped", Box::new(|b| b.certificate.signatures[0][5] ^= 1)),
        ("certificate signer index out of range", Box::new(|b| *b.certificate.signers.last_mut().unwrap() = 1_000)),
        ("certificate signer and signature dropped (below quorum)", Box::new(|b| {
            let keep = b.certificate.signers.len() / 2;
            b.certificate.signers.truncate(keep);
            b.certificate.signatures.truncate(keep);
        })),
        ("header time changed", Box::new(|b| b.header.time_ms += 1)),
        ("record time changed", Box::new(|b| b.record.time_ms += 1)),
        ("record registrant changed", Box::new(|b| b.record.registrant.0[0] ^= 1)),
        ("log proof sibling flipped", Box::new(|b| b.log_proof[0][0] ^= 1)),
        ("state entry status changed to revoked", Box::new(|b| {
            b.entry.status = ProofStatus::Revoked { reason: "forged".into(), tx_id: TxId([1; 32]), height: 1, time_ms: 1 };
        })),
        ("state entry proof sibling flipped", Box::new(|b| {
            let mut proof = borsh::to_vec(&b.entry_proof).unwrap();
            let last = proof.len() - 1;
            proof[last] ^= 1;
            b.entry_proof = borsh::from_slice(&proof).unwrap();
        })),
        ("document opening digest changed", Box::new(|b| {
            if let Some(d) = &mut b.document {
                d.digest[0] ^= 1;
            }
        })),
    ];
    for (what, change) in changes {
        cases.push(bundle_case(&format!("diploma: {what}"), &altered_bundle(&file, change), Some(&doc), Some(&genesis)));
    }
    cases
}

fn chained_cases() -> Vec<Value> {
    let file = example("contract-two-set-changes.vellum");
    let (doc, genesis) = (example("contract.txt"), pinned("set-changes-genesis-hash.txt"));
    let mut cases = vec![
        bundle_case("validator-set changes (version 2): valid with the document", &file, Some(&doc), Some(&genesis)),
        bundle_case("validator-set changes: another pinned genesis", &file, Some(&doc), Some(&[7u8; 32])),
    ];
    let changes: Vec<Alteration<Bundle>> = vec![
        ("first link's record sequence changed", Box::new(|b| b.validator_chain[0].record.seq += 1)),
        ("first link's certificate signature flipped", Box::new(|b| b.validator_chain[0].certificate.signatures[0][0] ^= 1)),
        ("second link dropped", Box::new(|b| {
            b.validator_chain.truncate(1);
        })),
        ("links swapped", Box::new(|b| b.validator_chain.swap(0, 1))),
        ("certificate signature flipped", Box::new(|b| b.certificate.signatures[0][0] ^= 1)),
    ];
    for (what, change) in changes {
        cases.push(bundle_case(&format!("validator-set changes: {what}"), &altered_bundle(&file, change), Some(&doc), Some(&genesis)));
    }
    cases
}

/// A chained bundle under a layout-2 genesis commitment (the epoch length in the clear, step 3g).
fn epochs_cases() -> Vec<Value> {
    let file = example("epochs-two-set-changes.vellum");
    let (doc, genesis) = (example("epochs-contract.txt"), pinned("epochs-genesis-hash.txt"));
    let mut cases = vec![bundle_case("epoch length committed (layout 2), two set changes: valid with the document", &file, Some(&doc), Some(&genesis))];
    let changes: Vec<Alteration<Bundle>> = vec![
        ("committed epoch length changed", Box::new(|b| {
            if let vellum_types::CommittedEpochs::Length(Some(l)) = b.genesis.epochs {
                b.genesis.epochs = vellum_types::CommittedEpochs::Length(Some(l + 1));
            }
        })),
        ("commitment rewritten as layout 1", Box::new(|b| b.genesis.epochs = vellum_types::CommittedEpochs::Uncommitted)),
        ("first link's epoch changed", Box::new(|b| b.validator_chain[0].header.epoch += 1)),
    ];
    for (what, change) in changes {
        cases.push(bundle_case(&format!("epoch length committed: {what}"), &altered_bundle(&file, change), Some(&doc), Some(&genesis)));
    }
    // Without a pin the rewritten commitment is another chain's, which the headers do not name.
    let relabelled = altered_bundle(&file, |b| b.genesis.epochs = vellum_types::CommittedEpochs::Uncommitted);
    cases.push(bundle_case("epoch length committed: rewritten as layout 1, nothing pinned", &relabelled, Some(&doc), None));
    for bad in [0u64, 9] {
        let zero = altered_bundle(&file, move |b| b.genesis.epochs = vellum_types::CommittedEpochs::Length(Some(bad)));
        cases.push(bundle_case(&format!("epoch length committed: an epoch length of {bad} (no genesis may set it)"), &zero, Some(&doc), None));
    }
    let mut mark = file.clone();
    mark[13] = 3;
    cases.push(bundle_case("epoch length committed: unknown commitment layout 3", &mark, Some(&doc), Some(&genesis)));
    cases
}

fn issuer(b: &mut Bundle) -> &mut vellum_evidence::IssuerEvidence {
    b.issuer.as_mut().expect("a version-3 bundle carries the issuer section")
}

fn member(b: &mut Bundle) -> &mut vellum_evidence::MemberEvidence {
    b.member.as_mut().expect("a batch bundle has member evidence")
}

fn batch_cases() -> Vec<Value> {
    let (live, revoked) = (example("batch-member.vellum"), example("batch-member-revoked.vellum"));
    let (doc3, doc2, genesis) = (example("batch-member-3.txt"), example("batch-member-2.txt"), pinned("batch-genesis-hash.txt"));
    let mut cases = vec![
        bundle_case("salted batch: member 2, valid with the document", &live, Some(&doc3), Some(&genesis)),
        bundle_case("salted batch: member 1, revoked on its own, valid", &revoked, Some(&doc2), Some(&genesis)),
        bundle_case("salted batch: member 2's bundle with member 1's document", &live, Some(&doc2), Some(&genesis)),
    ];
    let on_live: Vec<Alteration<Bundle>> = vec![
        ("member inclusion proof sibling flipped", Box::new(|b| member(b).batch_proof[0][0] ^= 1)),
        ("member index changed", Box::new(|b| member(b).index ^= 1)),
        ("member leaf changed", Box::new(|b| member(b).leaf[0] ^= 1)),
        ("member evidence dropped", Box::new(|b| b.member = None)),
        ("salt changed", Box::new(|b| {
            if let Some(salt) = b.document.as_mut().and_then(|d| d.salt.as_mut()) {
                salt[0] ^= 1;
            }
        })),
    ];
    for (what, change) in on_live {
        cases.push(bundle_case(&format!("salted batch: {what}"), &altered_bundle(&live, change), Some(&doc3), Some(&genesis)));
    }
    let dropped = altered_bundle(&revoked, |b| member(b).status = None);
    cases.push(bundle_case("salted batch: member status entry dropped (claims the member was never changed)", &dropped, Some(&doc2), Some(&genesis)));
    cases
}

fn receipt_cases() -> Vec<Value> {
    let file = example("payment.vellumrc");
    let genesis = pinned("payment-genesis-hash.txt");
    let mut cases = vec![
        receipt_case("receipt: valid", &file, Some(&genesis)),
        receipt_case("receipt: another pinned genesis", &file, Some(&[7u8; 32])),
    ];
    for (what, bytes) in framing(&file) {
        cases.push(receipt_case(&format!("receipt: {what}"), &bytes, Some(&genesis)));
    }
    let changes: Vec<Alteration<Receipt>> = vec![
        ("transaction signature bit flipped", Box::new(|r| {
            if let vellum_types::Signature::Ed25519 { signature, .. } = &mut r.tx.signatures[0] {
                signature[3] ^= 1;
            }
        })),
        ("transaction nonce changed", Box::new(|r| r.tx.unsigned.nonce += 1)),
        ("record sender changed", Box::new(|r| r.record.sender.0[0] ^= 1)),
        ("record time changed", Box::new(|r| r.record.time_ms += 1)),
        ("record proof sibling flipped", Box::new(|r| r.record_proof[0][0] ^= 1)),
        ("transaction index moved", Box::new(|r| r.tx_index += 1)),
        ("certificate signature flipped", Box::new(|r| r.certificate.signatures[0][0] ^= 1)),
        ("header height changed", Box::new(|r| r.header.height += 1)),
    ];
    for (what, change) in changes {
        cases.push(receipt_case(&format!("receipt: {what}"), &altered_receipt(&file, change), Some(&genesis)));
    }
    cases
}

fn status_expect(v: &vellum_evidence::VerifiedStatus) -> Value {
    let (reason, since) = match &v.status {
        ProofStatus::Live => (None, None),
        ProofStatus::Revoked { reason, height, .. } | ProofStatus::Suspended { reason, height, .. } => (Some(reason.clone()), Some(*height)),
        ProofStatus::Superseded { height, .. } => (None, Some(*height)),
    };
    json!({
        "valid": true,
        "genesis_hash": hex::encode(v.genesis_hash),
        "proof_id": v.proof_id.to_hex(),
        "member_index": v.member_index,
        "registrant": v.registrant.to_hex(),
        "status": v.status.name(),
        "status_reason": reason,
        "status_since_height": since,
        "height": v.height,
        "issuer": issuer_expect(Some(&v.issuer)),
    })
}

fn status_case(name: &str, file: &[u8], genesis: Option<&Hash32>) -> Value {
    let expect = match vellum_evidence::verify_status(file, genesis) {
        Ok(v) => status_expect(&v),
        Err(e) => json!({ "valid": false, "failed": failed(&e) }),
    };
    json!({ "name": name, "kind": "status", "file": hex::encode(file), "pinned_genesis": genesis.map(hex::encode), "expect": expect })
}

/// A bundle with a status proof (step 9): both must verify, then agree.
fn bundle_with_status_case(name: &str, bundle: &[u8], status: &[u8], genesis: Option<&Hash32>) -> Value {
    let verdict = vellum_evidence::verify(bundle, None, genesis).and_then(|b| {
        let s = vellum_evidence::verify_status(status, genesis.or(Some(&b.genesis_hash)))?;
        vellum_evidence::status_now(&b, &s)
    });
    let expect = match verdict {
        Ok(now) => json!({
            "valid": true, "status_then": now.then.name(), "status_now": now.now.name(), "now_height": now.now_height, "changed": now.changed,
            "issuer_now": issuer_expect(Some(&now.issuer_now)),
        }),
        Err(e) => json!({ "valid": false, "failed": failed(&e) }),
    };
    json!({
        "name": name, "kind": "bundle_with_status", "file": hex::encode(bundle), "status_file": hex::encode(status),
        "pinned_genesis": genesis.map(hex::encode), "expect": expect,
    })
}

fn altered_status(file: &[u8], change: impl FnOnce(&mut vellum_evidence::StatusProof)) -> Vec<u8> {
    let mut p = vellum_evidence::StatusProof::decode(file).unwrap();
    change(&mut p);
    p.to_bytes()
}

fn status_cases() -> Vec<Value> {
    let genesis = pinned("status-genesis-hash.txt");
    let (diploma, member) = (example("status-diploma.vellum"), example("status-cert-1.vellum"));
    let (suspended, reinstated, revoked) =
        (example("status-diploma-suspended.status"), example("status-diploma-reinstated.status"), example("status-cert-1-revoked.status"));
    let mut cases = vec![
        status_case("status: suspended registration, valid", &suspended, Some(&genesis)),
        status_case("status: reinstated registration, valid, no pinned genesis", &reinstated, None),
        status_case("status: batch member revoked on its own, valid", &revoked, Some(&genesis)),
        status_case("status: another pinned genesis", &revoked, Some(&[7u8; 32])),
        bundle_with_status_case("bundle + status: live then, suspended now", &diploma, &suspended, Some(&genesis)),
        bundle_with_status_case("bundle + status: live then, live again now", &diploma, &reinstated, Some(&genesis)),
        bundle_with_status_case("bundle + status: member live then, revoked now", &member, &revoked, Some(&genesis)),
        bundle_with_status_case("bundle + status: another registration's status", &diploma, &revoked, Some(&genesis)),
        bundle_with_status_case("bundle + status: status proof header height lowered (its certificate no longer matches)", &diploma, &altered_older(&suspended), None),
    ];
    for (what, bytes) in framing(&revoked) {
        cases.push(status_case(&format!("status: {what}"), &bytes, Some(&genesis)));
    }
    let changes: Vec<Alteration<vellum_evidence::StatusProof>> = vec![
        ("certificate signature bit flipped", Box::new(|p| p.certificate.signatures[0][9] ^= 1)),
        ("header height changed", Box::new(|p| p.header.height += 1)),
        ("header validator-set hash changed", Box::new(|p| p.header.validator_set_hash[0] ^= 1)),
        ("proof id changed", Box::new(|p| p.proof_id.0[0] ^= 1)),
        ("registration status changed to suspended", Box::new(|p| {
            p.entry.status = ProofStatus::Suspended { reason: "certificate_hold".into(), tx_id: TxId([1; 32]), height: 1, time_ms: 1 };
        })),
        ("member count changed", Box::new(|p| p.entry.count += 1)),
        ("member status entry dropped (hides the revocation)", Box::new(|p| p.member.as_mut().unwrap().status = None)),
        ("member index changed", Box::new(|p| p.member.as_mut().unwrap().index = 0)),
        ("member index beyond the batch", Box::new(|p| p.member.as_mut().unwrap().index = 99)),
    ];
    for (what, change) in changes {
        cases.push(status_case(&format!("status: {what}"), &altered_status(&revoked, change), Some(&genesis)));
    }
    cases
}

/// The suspended status proof with its header height lowered below the bundle's: it no longer
/// verifies on its own (the certificate covers the height), so it fails before step 9 — a
/// verifier must check the proof first, then compare.
fn altered_older(status: &[u8]) -> Vec<u8> {
    altered_status(status, |p| p.header.height = 1)
}

/// A version-3 bundle of an attested issuer, and the status proof made after the attestation
/// was withdrawn.
fn attested_cases() -> Vec<Value> {
    let (file, doc, genesis) = (example("attested-diploma.vellum"), example("attested-diploma.pdf"), pinned("attested-genesis-hash.txt"));
    let status = example("attested-diploma-revoked-issuer.status");
    let mut cases = vec![
        bundle_case("attested issuer (version 3): valid with the document", &file, Some(&doc), Some(&genesis)),
        status_case("attested issuer: status proof after the attestation was revoked, valid", &status, Some(&genesis)),
        bundle_with_status_case("attested issuer: bundle + status (attestation revoked since)", &file, &status, Some(&genesis)),
    ];
    let changes: Vec<Alteration<Bundle>> = vec![
        ("issuer name changed", Box::new(|b| issuer(b).attestation.as_mut().unwrap().profile.name = "Evil University".into())),
        ("issuer domain changed", Box::new(|b| issuer(b).attestation.as_mut().unwrap().profile.domain = "evil.example".into())),
        ("issuer attestation dropped (claims none)", Box::new(|b| issuer(b).attestation = None)),
        ("issuer attestation claimed revoked", Box::new(|b| {
            let a = issuer(b).attestation.as_mut().unwrap();
            a.revoked = Some(vellum_types::issuer::AttestationRevoked { by: a.attested_by, reason: "unspecified".into(), tx_id: TxId([2; 32]), height: 3, time_ms: 3 });
        })),
        // Without the section the same evidence is a version-1 file: valid, and it names no issuer.
        ("issuer section removed (written as version 1)", Box::new(|b| b.issuer = None)),
    ];
    for (what, change) in changes {
        cases.push(bundle_case(&format!("attested issuer: {what}"), &altered_bundle(&file, change), Some(&doc), Some(&genesis)));
    }
    let mut v3_without = altered_bundle(&file, |b| b.issuer = None);
    v3_without[8] = vellum_evidence::BUNDLE_VERSION_ISSUER;
    v3_without.extend_from_slice(&[0, 0, 0, 0, 0]);
    cases.push(bundle_case("attested issuer: version 3 without the issuer section", &v3_without, Some(&doc), Some(&genesis)));
    let hidden = altered_status(&status, |p| p.issuer.attestation = None);
    cases.push(status_case("attested issuer: status proof hides the attestation", &hidden, Some(&genesis)));
    cases
}

/// The vectors' witnesses: fixed keys, fixed cosignature times, so the files are reproducible.
fn vector_witness(i: u8) -> (String, vellum_crypto::SecretKey) {
    (format!("witness.example/v{i}"), vellum_crypto::SecretKey::from_bytes("ed25519", [0x50 + i; 32]).expect("a 32-byte seed"))
}

/// The checkpoint of a header's own log (size and root), cosigned by vector witnesses `by`.
fn vector_witnessed(origin: &str, size: u64, root: Hash32, by: &[u8]) -> vellum_evidence::witness::Witnessed {
    let mut cp = vellum_evidence::checkpoint::Checkpoint::new(origin, size, root);
    for i in by {
        let (name, key) = vector_witness(*i);
        cp.cosign(&name, &key, 1_767_225_600 + u64::from(*i));
    }
    vellum_evidence::witness::Witnessed { note: cp.to_note(), consistency: Vec::new() }
}

/// A file with a witnessed section checked under `policy` (k of the named vector witnesses): the
/// verdict is the file's own (steps 1–10a–c), then step 10d.
fn witnessed_case(name: &str, file: &[u8], genesis: &Hash32, policy: (&[u8], usize)) -> Value {
    let keys: Vec<(String, [u8; 32])> = policy.0.iter().map(|i| vector_witness(*i)).map(|(n, k)| (n, k.public_key().key_bytes().try_into().expect("32 bytes"))).collect();
    let receipt = file.starts_with(&vellum_evidence::RECEIPT_MAGIC);
    let verified = if receipt {
        vellum_evidence::verify_receipt(file, Some(genesis)).map(|v| v.witnessed)
    } else {
        vellum_evidence::verify(file, None, Some(genesis)).map(|v| v.witnessed)
    };
    let expect = match verified.and_then(|w| vellum_evidence::check_witness_policy(w.as_ref(), &keys, policy.1).map(|n| (w, n))) {
        Ok((w, n)) => json!({ "valid": true, "witnessed_size": w.map(|cp| cp.size), "witness_cosignatures": n }),
        Err(e) => json!({ "valid": false, "failed": failed(&e) }),
    };
    json!({
        "name": name, "kind": if receipt { "witnessed_receipt" } else { "witnessed_bundle" }, "file": hex::encode(file),
        "pinned_genesis": hex::encode(genesis),
        "witness_policy": { "witnesses": keys.iter().map(|(n, k)| json!({ "name": n, "key": hex::encode(k) })).collect::<Vec<_>>(), "quorum": policy.1 },
        "expect": expect,
    })
}

fn witnessed_cases() -> Vec<Value> {
    let (file, genesis) = (example("attested-diploma.vellum"), pinned("attested-genesis-hash.txt"));
    let b = vellum_evidence::decode(&file).expect("the example decodes");
    let (origin, size, root) = (b.genesis.chain_id.clone(), b.header.log_size, b.header.log_root);
    let with = |w: vellum_evidence::witness::Witnessed| altered_bundle(&file, move |b| b.witnessed = Some(w));
    let good = with(vector_witnessed(&origin, size, root, &[1, 2]));
    let mut cases = vec![
        witnessed_case("witnessed bundle (version 4): 2 of 2", &good, &genesis, (&[1, 2], 2)),
        witnessed_case("witnessed bundle: 1 of 3 policy witnesses", &good, &genesis, (&[1, 3, 4], 1)),
        witnessed_case("witnessed bundle: policy needs 3, 2 cosigned", &good, &genesis, (&[1, 2, 3], 3)),
        witnessed_case("witnessed bundle: policy names other witnesses", &good, &genesis, (&[3, 4], 1)),
        witnessed_case("witnessed bundle: a policy for a version-3 file", &file, &genesis, (&[1], 1)),
        witnessed_case("witnessed bundle: root changed", &with(vector_witnessed(&origin, size, [7; 32], &[1, 2])), &genesis, (&[1, 2], 2)),
        witnessed_case("witnessed bundle: another log's origin", &with(vector_witnessed("other-chain", size, root, &[1, 2])), &genesis, (&[1, 2], 2)),
        witnessed_case("witnessed bundle: no cosignature", &with(vector_witnessed(&origin, size, root, &[])), &genesis, (&[1], 1)),
        witnessed_case("witnessed bundle: same size with a proof", &with(vellum_evidence::witness::Witnessed { consistency: vec![root], ..vector_witnessed(&origin, size, root, &[1]) }), &genesis, (&[1], 1)),
        witnessed_case("witnessed bundle: smaller size without a valid proof", &with(vector_witnessed(&origin, size - 1, root, &[1])), &genesis, (&[1], 1)),
        witnessed_case("witnessed bundle: note not canonical", &with({
            let w = vector_witnessed(&origin, size, root, &[1]);
            vellum_evidence::witness::Witnessed { note: w.note.replacen("\n\n", "\n\n\n", 1), ..w }
        }), &genesis, (&[1], 1)),
    ];
    let mut bent = good.clone();
    let at = bent.len() - 70;
    bent[at] ^= 1;
    cases.push(witnessed_case("witnessed bundle: a cosignature byte flipped", &bent, &genesis, (&[1, 2], 2)));
    let mut v4_without = file.clone();
    v4_without[8] = vellum_evidence::BUNDLE_VERSION_WITNESSED;
    v4_without.push(0);
    cases.push(witnessed_case("witnessed bundle: version 4 without the section", &v4_without, &genesis, (&[1], 1)));

    let (rfile, rgenesis) = (example("payment.vellumrc"), pinned("payment-genesis-hash.txt"));
    let r = vellum_evidence::Receipt::decode(&rfile).expect("the example decodes");
    let w = vector_witnessed(&r.genesis.chain_id, r.header.log_size, r.header.log_root, &[1, 2]);
    let witnessed_receipt = altered_receipt(&rfile, move |r| r.witnessed = Some(w));
    cases.push(witnessed_case("witnessed receipt (version 3): 2 of 2", &witnessed_receipt, &rgenesis, (&[1, 2], 2)));
    let w = vector_witnessed(&r.genesis.chain_id, r.header.log_size, [9; 32], &[1, 2]);
    cases.push(witnessed_case("witnessed receipt: root changed", &altered_receipt(&rfile, move |r| r.witnessed = Some(w)), &rgenesis, (&[1, 2], 2)));
    cases
}

pub(crate) fn evidence_json() -> Value {
    let mut cases = diploma_cases();
    cases.extend(chained_cases());
    cases.extend(epochs_cases());
    cases.extend(batch_cases());
    cases.extend(receipt_cases());
    cases.extend(tx_receipt_cases());
    cases.extend(status_cases());
    cases.extend(attested_cases());
    cases.extend(witnessed_cases());
    json!({
        "description": "Evidence bundles, payment receipts, transaction receipts (kind tx_receipt, docs/evidence-format.md §5a) and status proofs (hex file bytes), the pinned genesis hash and document given with them (null: none), and the verdict of the reference verifier: valid with what the file proves, or the first failing step (number and name, docs/evidence-format.md §4, §6a). `bundle_with_status` cases give a bundle and a status proof together (step 9; the status proof is checked against the pinned genesis, or the bundle's when none is pinned). `witnessed_bundle` / `witnessed_receipt` cases give a witness policy (Ed25519 keys by name, a quorum) to check at step 10; `witness_cosignatures` is how many policy witnesses validly cosigned. The valid files are docs/examples/; every other case changes one thing in them.",
        "cases": cases,
    })
}

#[test]
fn evidence_vectors_have_valid_and_failing_cases_at_every_reachable_step() {
    let file = evidence_json();
    let cases = file["cases"].as_array().unwrap();
    let valid = cases.iter().filter(|c| c["expect"]["valid"] == true).count();
    assert!(valid >= 4, "valid bundles with and without document, a version-2 bundle, a receipt");
    let steps: std::collections::BTreeSet<u64> = cases.iter().filter_map(|c| c["expect"]["failed"]["step"].as_u64()).collect();
    for step in (1..=8).chain([10]) {
        assert!(steps.contains(&step), "no evidence vector fails at step {step}");
    }
    let kinds: std::collections::BTreeSet<&str> = cases.iter().filter_map(|c| c["kind"].as_str()).collect();
    assert!(kinds.contains("status") && kinds.contains("bundle_with_status") && kinds.contains("tx_receipt"), "{kinds:?}");
    assert!(cases.iter().any(|c| c["kind"] == "tx_receipt" && c["expect"]["valid"] == true), "a valid transaction receipt");
    let status_valid = cases.iter().filter(|c| c["kind"] == "status" && c["expect"]["valid"] == true).count();
    assert!(status_valid >= 3, "suspended, reinstated and revoked-member status proofs");
    let combined: Vec<&Value> = cases.iter().filter(|c| c["kind"] == "bundle_with_status").collect();
    assert!(combined.iter().any(|c| c["expect"]["changed"] == true) && combined.iter().any(|c| c["expect"]["failed"]["step"] == 9));
}

//! X.1407 Appendix II, extended, end to end on real processes with validator 0 killed: the
//! university's identity is attested (its well-known document fetched over verified HTTPS);
//! a year's certificates are issued as SD-JWT VCs and registered as one batch naming each
//! student as holder; the university's manifests are deleted; a student fetches their own
//! bundle (its log cosigned by two witnesses) and presents only degree and year; the employer
//! verifies offline and sees the university's name and only the disclosed claims; a later
//! revocation shows in a fresh status proof next to the old bundle; a compromised issuer key's
//! forgeries are revoked by compliance; a split view and a checkpoint forged with validator
//! keys are refused under the witness policy.

mod common;

#[path = "common/https.rs"]
mod https;
#[path = "common/witness.rs"]
mod witness;

use common::*;
use std::path::Path;

fn new_student(c: &str, keys: &Path, name: &str, scheme: &str) -> (String, String) {
    let k = json(&["key", "new", "--plain", "--insecure-plain-keys", "--scheme", scheme, "--out", keys.join(format!("{name}.key")).to_str().unwrap()]);
    let id = keys.join(format!("{name}-identity.txt"));
    std::fs::write(&id, format!("{name}: passport checked")).unwrap();
    let public_key = k["public_key"].as_str().unwrap().to_string();
    json(&["account", "open", "--client", c, "--public-key", &public_key, "--identity-file", id.to_str().unwrap(), "--label", name]);
    (k["account_id"].as_str().unwrap().to_string(), public_key)
}

#[test]
fn appendix_ii_extended() {
    let tmp = tempfile::tempdir().unwrap();
    let (_guard, client) = devnet_one_down(tmp.path());
    let c = client.as_str();
    let devnet = tmp.path().join("devnet");
    let (keys, genesis) = (devnet.join("keys"), devnet.join("genesis.toml"));
    let work = tmp.path().join("university");
    std::fs::create_dir_all(&work).unwrap();
    let path = |name: &str| work.join(name).to_str().unwrap().to_string();
    let issuer = json(&["key", "show", keys.join("issuer.key").to_str().unwrap()])["account_id"].as_str().unwrap().to_string();

    // 1. The university's identity, attested after checking its well-known document.
    json(&["issuer", "well-known", "--client", c, "--account", &issuer, "--name", "Example University", "--out", &path("vellum-issuer.json")]);
    let site = https::WellKnownServer::start(std::fs::read(path("vellum-issuer.json")).unwrap());
    std::fs::write(path("ca.pem"), &site.ca_pem).unwrap();
    json(&["issuer", "attest", "--client", c, "--issuer", &issuer, "--name", "Example University", "--domain", "example.edu", "--well-known-url", &site.url, "--ca-file", &path("ca.pem")]);

    // 2. A year's certificates as SD-JWT VCs, one batch, each student the holder of theirs.
    let students = [("alice", "p256"), ("bob", "ed25519"), ("carol", "ed25519")];
    let mut register = vec!["proof".to_string(), "register".into(), "--client".into(), c.into(), "--out-dir".into(), path("proofs")];
    for (name, scheme) in students {
        let (account, public_key) = new_student(c, &keys, name, scheme);
        let claims = serde_json::json!({ "name": name, "degree": "BSc Computer Science", "year": 2026, "grades": { "algorithms": "A" } });
        std::fs::write(path(&format!("{name}.json")), claims.to_string()).unwrap();
        json(&["credential", "issue", "--client", c, "--claims", &path(&format!("{name}.json")), "--holder-key", &public_key, "--out", &path(name)]);
        register.push(path(&format!("{name}.jwt")));
        register.extend(["--holder".to_string(), account]);
    }
    let proof = json(&register.iter().map(String::as_str).collect::<Vec<_>>())["proof_id"].as_str().unwrap().to_string();
    std::fs::remove_dir_all(path("proofs")).unwrap();

    // 3. Two witnesses follow the log.
    let w1 = witness::start_witness(&work, "witness.example/w1", &genesis);
    let w2 = witness::start_witness(&work, "witness.example/w2", &genesis);
    std::fs::write(path("policy.txt"), format!("{}\n{}\nquorum 2\n", w1.policy_line, w2.policy_line)).unwrap();

    // 4. Alice fetches her own bundle (no manifest exists any more), witnessed, and presents.
    let alice_key = keys.join("alice.key");
    json(&[
        "proof", "bundle", "--client", c, "--key", alice_key.to_str().unwrap(), "--manifests", &path("none"), "--proof", &proof, "--member", "0",
        &path("alice.jwt"), "--out", &path("alice.vellum"), "--witness", &w1.url, "--witness", &w2.url,
    ]);
    let (aud, nonce) = ("https://employer.example", "offer-2026-77");
    json(&[
        "credential", "present", "--insecure-plain-keys", &path("alice.sd-jwt"), "--disclose", "degree", "--disclose", "year", "--key", alice_key.to_str().unwrap(),
        "--aud", aud, "--nonce", nonce, "--out", &path("presentation.txt"),
    ]);

    // 5. The employer, offline (the network stopped answering for this step is not needed:
    //    everything below reads files only): the university's name, only degree and year.
    let gh = status_genesis_hash(&devnet);
    let v = json(&["credential", "verify", &path("presentation.txt"), "--bundle", &path("alice.vellum"), "--aud", aud, "--nonce", nonce, "--checkpoint", &gh]);
    assert_eq!(v["disclosed"], serde_json::json!({ "degree": "BSc Computer Science", "year": 2026 }), "{v}");
    assert_eq!((v["issuer"]["name"].as_str(), v["issuer"]["domain"].as_str()), (Some("Example University"), Some("example.edu")), "{v}");
    let v = json(&["verify", &path("alice.vellum"), "--file", &path("alice.jwt"), "--checkpoint", &gh, "--witnesses", &path("policy.txt")]);
    assert_eq!((v["witness_cosignatures"].as_u64(), v["status"].as_str()), (Some(2), Some("live")), "{v}");

    // 6. The degree is revoked later: a fresh status proof next to the old bundle says so.
    json(&["proof", "revoke", "--client", c, "--proof", &proof, "--member", "0", "--reason", "privilege_withdrawn"]);
    json(&["proof", "status", "--client", c, "--proof", &proof, "--member", "0", "--out", &path("alice.status")]);
    let (ok, text) = vellum(&["verify", &path("alice.vellum"), "--status", &path("alice.status"), "--checkpoint", &gh]);
    assert!(!ok && text.contains("status NOW REVOKED"), "{text}");

    // 7. The university's key is stolen: forgeries; compliance revokes them all at once.
    let before = status(&devnet_api(&devnet)).map_or(0, |s| s["height"].as_u64().unwrap());
    std::fs::write(path("forged.pdf"), "%PDF-1.7 forged diploma").unwrap();
    let forged = json(&["proof", "register", "--client", c, "--out-dir", &path("forged"), &path("forged.pdf")])["proof_id"].as_str().unwrap().to_string();
    json(&["proof", "revoke-issuer", "--client", c, "--issuer", &issuer, "--from-height", &(before + 1).to_string(), "--reason", "key_compromise"]);
    let s = json(&["proof", "status", "--client", c, "--proof", &forged, "--out", &path("forged.status")]);
    assert_eq!((s["status"]["status"].as_str(), s["status"]["reason"].as_str()), (Some("revoked"), Some("key_compromise")), "{s}");
    let s = json(&["proof", "status", "--client", c, "--proof", &proof, "--member", "1", "--out", &path("bob.status")]);
    assert_eq!(s["status"]["status"], "live", "registered before the compromise: {s}");

    // 8. A split view and a checkpoint forged with validator keys: refused under the policy.
    let cp = json(&["log", "checkpoint", "--client", c, "--out", &path("now.note"), "--witness", &w1.url, "--witness", &w2.url]);
    let size = cp["size"].as_u64().unwrap();
    let fake = witness::forge(&devnet, size, [0x5a; 32]);
    let (code, text) = witness::post(&w1.url, &format!("old {size}\n\n{fake}"));
    assert_eq!(code, 409, "{text}");
    std::fs::write(path("fake.note"), &fake).unwrap();
    let (ok, text) = vellum(&["log", "verify", &path("fake.note"), "--genesis", genesis.to_str().unwrap(), "--witnesses", &path("policy.txt")]);
    assert!(!ok && text.contains("witness policy"), "{text}");
    json(&["log", "verify", &path("now.note"), "--genesis", genesis.to_str().unwrap(), "--witnesses", &path("policy.txt")]);

    // Real files for the SDKs' and the web page's credential tests.
    if std::env::var("VELLUM_WRITE_EXAMPLES").is_ok() {
        let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples");
        std::fs::copy(path("presentation.txt"), examples.join("credential-presentation.txt")).unwrap();
        std::fs::copy(path("alice.vellum"), examples.join("credential-bundle.vellum")).unwrap();
        std::fs::copy(path("alice.status"), examples.join("credential-revoked.status")).unwrap();
        std::fs::write(examples.join("credential-genesis-hash.txt"), format!("{gh}\n")).unwrap();
        std::fs::write(examples.join("credential-witness-policy.txt"), std::fs::read_to_string(path("policy.txt")).unwrap()).unwrap();
    }
}

fn status_genesis_hash(devnet: &Path) -> String {
    let text = std::fs::read_to_string(devnet.join("client.toml")).unwrap();
    text.lines().find_map(|l| l.strip_prefix("genesis_hash = ")).unwrap().trim_matches('"').to_string()
}

/// A live validator's API (validator 0 is down).
fn devnet_api(devnet: &Path) -> String {
    let text = std::fs::read_to_string(devnet.join("client.toml")).unwrap();
    let v: toml::Value = toml::from_str(&text).unwrap();
    v["api"].as_array().unwrap()[1].as_str().unwrap().to_string()
}

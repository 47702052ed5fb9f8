//! Issuer identity on real processes, with validator 0 killed: the university publishes its
//! well-known document over HTTPS; the registrar attests it only after fetching and checking
//! it (TLS verified, the account listed on this chain); the employer's offline verification
//! then names the university; anyone re-checks the document later; a withdrawn attestation
//! shows in fresh evidence and in a status proof combined with an old bundle.

mod common;

#[path = "common/https.rs"]
mod https;

use common::*;

#[test]
fn an_attested_university_is_named_in_its_evidence() {
    let tmp = tempfile::tempdir().unwrap();
    let (_guard, client) = devnet_one_down(tmp.path());
    let c = client.as_str();
    let issuer_key = tmp.path().join("devnet/keys/issuer.key");
    let issuer = json(&["key", "show", issuer_key.to_str().unwrap()])["account_id"].as_str().unwrap().to_string();
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let proofs = work.join("proofs");
    let doc = |name: &str, text: &str| {
        let p = work.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };

    // Before any attestation, evidence says so plainly.
    let early = doc("early.pdf", "%PDF-1.7 registered before the attestation\n%%EOF");
    json(&["proof", "register", "--client", c, "--out-dir", proofs.to_str().unwrap(), &early]);
    let early_bundle = work.join("early.vellum");
    json(&["proof", "bundle", "--client", c, "--manifests", proofs.to_str().unwrap(), &early, "--out", early_bundle.to_str().unwrap()]);
    let v = json(&["verify", early_bundle.to_str().unwrap()]);
    assert_eq!(v["issuer"]["attested"], false, "{v}");
    let (_, text) = vellum(&["verify", early_bundle.to_str().unwrap()]);
    assert!(text.contains("no attested identity"), "{text}");

    // The university publishes its document.
    let well_known = work.join("vellum-issuer.json");
    let name = "Example University";
    json(&["issuer", "well-known", "--client", c, "--account", &issuer, "--name", name, "--out", well_known.to_str().unwrap()]);
    let server = https::WellKnownServer::start(std::fs::read(&well_known).unwrap());
    let ca = work.join("ca.pem");
    std::fs::write(&ca, &server.ca_pem).unwrap();
    let attest = |extra: &[&str]| {
        let mut args = vec!["issuer", "attest", "--client", c, "--issuer", issuer.as_str(), "--name", name, "--domain", "example.edu", "--well-known-url", server.url.as_str()];
        args.extend_from_slice(extra);
        vellum(&args)
    };
    // TLS is verified: without the CA the fetch fails; plain http is refused.
    let (ok, text) = attest(&[]);
    assert!(!ok && text.contains("cannot fetch"), "{text}");
    let http = server.url.replace("https://", "http://");
    let (ok, text) = vellum(&["issuer", "attest", "--client", c, "--issuer", &issuer, "--name", name, "--domain", "example.edu", "--well-known-url", &http]);
    assert!(!ok && text.contains("https only"), "{text}");
    // A document naming someone else, or not listing the account, is refused.
    let (ok, text) = vellum(&["issuer", "attest", "--client", c, "--issuer", &issuer, "--name", "Other College", "--domain", "example.edu", "--well-known-url", &server.url, "--ca-file", ca.to_str().unwrap()]);
    assert!(!ok && text.contains("does not vouch"), "{text}");
    // The issuer itself cannot attest; the registrar can.
    let (ok, text) = attest(&["--ca-file", ca.to_str().unwrap(), "--key", "issuer"]);
    assert!(!ok && text.contains("missing_role"), "{text}");
    let (ok, text) = attest(&["--ca-file", ca.to_str().unwrap()]);
    assert!(ok, "{text}");
    let shown = json(&["issuer", "show", "--client", c, &issuer]);
    assert_eq!((shown["profile"]["name"].as_str(), shown["profile"]["domain"].as_str()), (Some(name), Some("example.edu")), "{shown}");

    // Evidence made now names the university, offline.
    let diploma = doc("diploma.pdf", "%PDF-1.7 diploma of Alice\n%%EOF");
    json(&["proof", "register", "--client", c, "--out-dir", proofs.to_str().unwrap(), &diploma]);
    let bundle = work.join("diploma.vellum");
    let b = json(&["proof", "bundle", "--client", c, "--manifests", proofs.to_str().unwrap(), &diploma, "--out", bundle.to_str().unwrap()]);
    let proof_id = b["proof_id"].as_str().unwrap().to_string();
    let v = json(&["verify", bundle.to_str().unwrap(), "--file", &diploma]);
    assert_eq!((v["issuer"]["attested"].as_bool(), v["issuer"]["name"].as_str(), v["issuer"]["domain"].as_str()), (Some(true), Some(name), Some("example.edu")), "{v}");
    let (_, text) = vellum(&["verify", bundle.to_str().unwrap(), "--file", &diploma]);
    assert!(text.contains("registered by Example University (example.edu), attested by"), "{text}");

    // Anyone re-checks the document; when the domain stops vouching, the check says so.
    let v = json(&["issuer", "check", "--client", c, &issuer, "--well-known-url", &server.url, "--ca-file", ca.to_str().unwrap()]);
    assert_eq!((v["still_listed"].as_bool(), v["document_unchanged"].as_bool()), (Some(true), Some(true)), "{v}");
    server.serve(br#"{"vellum_issuer": 1, "name": "Example University", "accounts": []}"#.to_vec());
    let (ok, text) = vellum(&["issuer", "check", "--client", c, &issuer, "--well-known-url", &server.url, "--ca-file", ca.to_str().unwrap()]);
    assert!(!ok && text.contains("NO LONGER vouches"), "{text}");

    // Compliance withdraws the attestation: a fresh status proof says so next to the old bundle.
    json(&["issuer", "revoke", "--client", c, "--key", "compliance", "--issuer", &issuer, "--reason", "affiliation_changed"]);
    let status = work.join("diploma.status");
    json(&["proof", "status", "--client", c, "--proof", &proof_id, "--out", status.to_str().unwrap()]);
    let v = json(&["verify", bundle.to_str().unwrap(), "--status", status.to_str().unwrap()]);
    assert_eq!(v["issuer"]["revoked"], serde_json::Value::Null, "the bundle: attested when made");
    assert_eq!(v["status_now"]["issuer"]["revoked"]["reason"], "affiliation_changed", "{v}");
    let (_, text) = vellum(&["verify", bundle.to_str().unwrap(), "--status", status.to_str().unwrap()]);
    assert!(text.contains("issuer NOW: Example University (example.edu)") && text.contains("attestation REVOKED"), "{text}");

    if std::env::var("VELLUM_WRITE_EXAMPLES").is_ok() {
        let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples");
        std::fs::copy(&bundle, examples.join("attested-diploma.vellum")).unwrap();
        std::fs::copy(&diploma, examples.join("attested-diploma.pdf")).unwrap();
        std::fs::copy(&status, examples.join("attested-diploma-revoked-issuer.status")).unwrap();
        let genesis = v["genesis_hash"].as_str().unwrap();
        std::fs::write(examples.join("attested-genesis-hash.txt"), format!("{genesis}\n")).unwrap();
    }
}

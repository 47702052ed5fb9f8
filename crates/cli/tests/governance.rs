//! Governance end to end on a devnet, through the CLI: rules versions and history, a role
//! appointment, a council of three with threshold 2 where one member alone changes nothing,
//! and a module paused and resumed by proposals and votes.

mod common;

use common::*;
use std::process::Command;

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}


#[test]
fn rules_roles_council_and_modules_change_only_by_governance() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let (_guard, apis) = devnet_up(&dir);
    let c = dir.join("client.toml");
    let c = c.to_str().unwrap();
    let keys = dir.join("keys");
    let path = |name: &str| tmp.path().join(name).to_str().unwrap().to_string();

    // Rules v1, published off-chain, digest on the ledger; a user's copy is checked.
    std::fs::write(path("rules-v1.txt"), "Vellum devnet rules v1: transfers above 500 EUR are reviewed.").unwrap();
    let r = json(&["rules", "set", "--client", c, "--file", &path("rules-v1.txt"), "--uri", "https://example.org/rules-v1.txt"]);
    assert_eq!(r["proposal"]["status"]["state"], "executed", "{r}");
    let shown = json(&["rules", "show", "--client", c, "--file", &path("rules-v1.txt")]);
    assert_eq!(shown["rules"]["version"], 1);
    std::fs::write(path("forged.txt"), "Vellum devnet rules v1: no limits.").unwrap();
    let (code, text) = run(&["rules", "show", "--client", c, "--file", &path("forged.txt")]);
    assert!(code != 0 && text.contains("DIFFERS"), "{text}");

    // People: two more council candidates and a tax authority.
    for who in ["m1", "m2", "tax"] {
        let k = json(&["key", "new", "--plain", "--insecure-plain-keys", "--out", keys.join(format!("{who}.key")).to_str().unwrap()]);
        std::fs::write(path(&format!("{who}.id")), who).unwrap();
        json(&["account", "open", "--client", c, "--public-key", k["public_key"].as_str().unwrap(), "--identity-file", &path(&format!("{who}.id"))]);
    }
    // Role appointment: the tax authority becomes an issuer and can register documents.
    std::fs::write(path("invoice.pdf"), "%PDF invoice").unwrap();
    let (code, text) = run(&["proof", "register", "--client", c, "--key", "tax", "--out-dir", &path("proofs"), &path("invoice.pdf")]);
    assert!(code != 0 && text.contains("missing_role"), "{text}");
    json(&["role", "grant", "--client", c, "--account", "tax", "--role", "issuer"]);
    json(&["proof", "register", "--client", c, "--key", "tax", "--out-dir", &path("proofs"), &path("invoice.pdf")]);

    // A council of three (the devnet council account, m1, m2), threshold 2.
    json(&["gov", "set-council", "--client", c, "--member", "council-1", "--member", "m1", "--member", "m2", "--threshold", "2"]);
    // m1 alone proposes pausing the transfer module: it stays open, nothing is paused.
    let p = json(&["module", "pause", "--client", c, "--name", "transfer", "--council", "m1", "--council-account", "m1"]);
    assert_eq!(p["proposal"]["status"]["state"], "open", "{p}");
    let id = p["proposal"]["id"].as_u64().unwrap().to_string();
    json(&["token", "create", "--client", c, "--council", "m1", "--council-account", "m1", "--symbol", "EUR"]);
    let (code, text) = run(&["token", "mint", "--client", c, "--token", "EUR", "--to", "m1", "--amount", "1"]);
    assert!(code != 0 && text.contains("unknown token"), "a token proposal with one approval created nothing: {text}");
    let (code, text) = run(&["gov", "vote", "--client", c, "--key", "m1", &id]);
    assert!(code != 0 && text.contains("already_voted"), "{text}");
    // m2's vote makes two of three: the module pauses.
    let v = json(&["gov", "vote", "--client", c, "--key", "m2", &id]);
    assert_eq!(v["proposal"]["status"]["state"], "executed", "{v}");
    let history = json(&["rules", "history", "--client", c]);
    let kinds: Vec<&str> = history["events"].as_array().unwrap().iter().map(|e| e["action"]["action"].as_str().unwrap()).collect();
    assert_eq!(kinds, vec!["set_rules", "grant_role", "set_council", "set_module_paused"]);
    let since = json(&["rules", "history", "--client", c, "--since", "3"]);
    assert_eq!(since["events"].as_array().unwrap().len(), 1, "only what changed since the user last looked");
    // Liveness: every validator of a healthy devnet has proposed finalized blocks and has its
    // finalize votes in certificates (each certificate holds at least a quorum, 3 of 4).
    let v = http_json(&apis[2], "/v1/validators?window=100000").unwrap();
    let validators = v["validators"].as_array().unwrap();
    assert_eq!(validators.len(), 4);
    assert!(validators.iter().all(|x| x["live"] == true && x["proposed"].as_u64().unwrap() > 0), "{v}");
    let certified = validators[0]["certified"].as_u64().unwrap();
    let signed: u64 = validators.iter().map(|x| x["signed"].as_u64().unwrap()).sum();
    assert!(certified > 0 && validators.iter().all(|x| x["signed"].as_u64().unwrap() > 0), "{v}");
    assert!(signed >= 3 * certified && signed <= 4 * certified, "a quorum signs each certificate: {v}");
    let list = json(&["gov", "list", "--client", c]);
    assert!(list["proposals"].as_array().unwrap().iter().any(|p| p["status"]["state"] == "open"), "the token proposal is still open");
}

#[test]
fn bad_validator_and_parameter_proposals_are_refused_before_anything_is_sent() {
    // No devnet: these must fail on the arguments alone, before any proposal exists.
    let client = ["--client", "/nonexistent/client.toml"];
    let good_key = "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29";
    let not_a_point = (2u8..).map(|b| [b; 32]).find(|k| !vellum_crypto::is_ed25519_key(k)).map(hex::encode).unwrap();
    for (key, address, expect) in [
        ("abc", "127.0.0.1:7000", "64 hex characters"),
        (not_a_point.as_str(), "127.0.0.1:7000", "not an Ed25519 public key"),
        (good_key, "nowhere", "is not host:port"),
    ] {
        let mut args = vec!["gov", "add-validator", "--name", "v9", "--key", key, "--address", address];
        args.extend_from_slice(&client);
        let (code, text) = run(&args);
        assert!(code != 0 && text.contains(expect), "{args:?}: {text}");
    }
    let mut args = vec!["gov", "set-params"];
    args.extend_from_slice(&client);
    let (code, text) = run(&args);
    assert!(code != 0 && text.contains("nothing to change"), "{text}");
}

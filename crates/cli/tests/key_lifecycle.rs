//! The key lifecycle of X.1405 8.7.1 on a 4-validator devnet with validator 0 killed, through
//! the CLI: creation recorded on the ledger, an expiry set, reminders, rotation before it, an
//! expired key refused (transactions and reads), archival (public part kept, secret destroyed)
//! refused while the key still signs, destruction.

mod common;

use common::*;
use serde_json::Value;
use std::process::Command;

/// `vellum --json …` with a keystore password in the environment.
fn with_password(args: &[&str]) -> (bool, Value, String) {
    let out = Command::new(BIN).arg("--json").args(args).env("VELLUM_PASSWORD", "correct horse battery staple").output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), serde_json::from_slice(&out.stdout).unwrap_or(Value::Null), text)
}

#[test]
fn keys_expire_rotate_archive_and_destroy_on_a_devnet() {
    let tmp = tempfile::tempdir().unwrap();
    let (_guard, c) = devnet_one_down(tmp.path());
    let keys = tmp.path().join("devnet").join("keys");
    let path = |name: &str| keys.join(name).to_str().unwrap().to_string();
    for who in ["alice", "bob"] {
        let k = json(&["key", "new", "--plain", "--insecure-plain-keys", "--out", &path(&format!("{who}.key"))]);
        let id = tmp.path().join(format!("{who}-id.txt"));
        std::fs::write(&id, format!("{who}: passport checked")).unwrap();
        json(&["account", "open", "--client", &c, "--public-key", k["public_key"].as_str().unwrap(), "--identity-file", id.to_str().unwrap()]);
    }

    // Creation is on the ledger; an expiry in 20 s brings a reminder.
    let age = json(&["key", "age", "--client", &c, "--key", "alice"]);
    let added = age["keys"][0]["added_height"].as_u64().expect("the key's creation height is recorded");
    assert!(added > 0 && age["keys"][0]["reminder"].is_null(), "{age}");
    json(&["key", "expire", "--client", &c, "--key", "alice", "--valid-for", "20s"]);
    let age = json(&["status", "--client", &c, "--key", "alice"]);
    assert!(age["keys"][0]["reminder"].as_str().unwrap().contains("expires in 0 day"), "{age}");

    // Archival is refused while the key still signs; rotation replaces it, then it archives.
    let (ok, text) = vellum(&["key", "archive", "--client", &c, "--key", &path("alice.key"), "--out", &path("alice.pub.json")]);
    assert!(!ok && text.contains("still signs"), "{text}");
    let (ok, rotated, text) = with_password(&["key", "rotate", "--client", &c, "--key", &path("alice.key"), "--out", &path("alice-2.json")]);
    assert!(ok, "{text}");
    let archived = json(&["key", "archive", "--client", &c, "--key", &path("alice.key"), "--out", &path("alice.pub.json")]);
    assert!(!keys.join("alice.key").exists(), "the secret is gone: {archived}");
    let public: Value = serde_json::from_str(&std::fs::read_to_string(keys.join("alice.pub.json")).unwrap()).unwrap();
    assert_eq!(public["public_key"], archived["public_key"]);
    // The new key signs (its record is new), and has no reminder.
    let (ok, age, text) = with_password(&["key", "age", "--client", &c, "--key", &path("alice-2.json")]);
    assert!(ok, "{text}");
    assert_eq!(age["keys"].as_array().unwrap().len(), 1, "{age} after {rotated}");
    assert!(age["keys"][0]["added_height"].as_u64().unwrap() > added && age["keys"][0]["reminder"].is_null(), "{age}");

    // A key that expires while it is still the only signer is refused from then on.
    json(&["key", "expire", "--client", &c, "--key", "bob", "--valid-for", "3s"]);
    std::thread::sleep(std::time::Duration::from_secs(5));
    let (ok, text) = vellum(&["key", "expire", "--client", &c, "--key", "bob", "--valid-for", "1d"]);
    assert!(!ok && text.contains("key_expired"), "{text}");
    // An expired key authenticates nothing, reads included; it can be destroyed (nothing kept).
    let (ok, text) = vellum(&["balance", "--client", &c, "--key", "bob"]);
    assert!(!ok && text.contains("bad_request_signature"), "{text}");
    json(&["key", "destroy", "--client", &c, "--key", &path("bob.key")]);
    assert!(!keys.join("bob.key").exists());
}

//! Key lifecycle through the CLI against a devnet: an encrypted keystore (right and wrong
//! password), mnemonic backup and restore, Shamir split and recovery (any 3 of 5; 2 are not
//! enough), rotation on the ledger that keeps the account id, the rotated-out key refused, and
//! recovery of a lost key by two guardians after a time lock, and keys by purpose (a request
//! key that reads but cannot transact).

mod common;

use common::*;
use std::process::Command;

fn run(password: &str, args: &[&str]) -> (bool, serde_json::Value, String) {
    let out = Command::new(BIN).env("VELLUM_PASSWORD", password).arg("--json").args(args).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let text = format!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let v = stdout.lines().last().and_then(|l| serde_json::from_str(l).ok()).unwrap_or_default();
    (out.status.success(), v, text)
}

fn ok(password: &str, args: &[&str]) -> serde_json::Value {
    let (success, v, text) = run(password, args);
    assert!(success, "vellum {args:?} failed: {text}");
    v
}

#[test]
fn keystore_backup_recovery_and_rotation() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let (_guard, _apis) = devnet_up(&dir);
    let c = dir.join("client.toml");
    let c = c.to_str().unwrap();
    let keys = dir.join("keys");
    let path = |name: &str| keys.join(name).to_str().unwrap().to_string();
    let pw = "correct horse battery";

    // An encrypted key; the file holds no plaintext secret.
    let k = ok(pw, &["key", "new", "--out", &path("alice.key")]);
    let public_key = k["public_key"].as_str().unwrap().to_string();
    let account = k["account_id"].as_str().unwrap().to_string();
    let file = std::fs::read_to_string(path("alice.key")).unwrap();
    assert!(file.contains("argon2id") && file.contains("xchacha20poly1305"), "{file}");
    let (success, _, text) = run(pw, &["key", "new", "--out", &path("weak.key")]);
    assert!(success, "{text}");
    let (success, _, text) = run("short", &["key", "new", "--out", &path("weak2.key")]);
    assert!(!success && text.contains("at least 8"), "{text}");
    std::fs::write(dir.join("alice.id"), "Alice, passport checked").unwrap();
    ok(pw, &["account", "open", "--client", c, "--public-key", &public_key, "--identity-file", dir.join("alice.id").to_str().unwrap()]);
    // Right password: a signed read works; wrong password: a clear error, nothing sent.
    let b = ok(pw, &["balance", "--client", c, "--key", &path("alice.key")]);
    assert_eq!(b["account"]["id"], account.as_str());
    let (success, _, text) = run("not the password", &["balance", "--client", c, "--key", &path("alice.key")]);
    assert!(!success && text.contains("wrong password"), "{text}");

    // Mnemonic backup restores the same key under a new password.
    let m = ok(pw, &["key", "export", "--key", &path("alice.key")]);
    let words = m["mnemonic"].as_str().unwrap();
    assert_eq!(words.split_whitespace().count(), 24);
    let restored = ok("another password", &["key", "import", "--mnemonic", words, "--out", &path("alice-restored.key")]);
    assert_eq!(restored["public_key"], public_key.as_str());

    // Shamir: 3 of 5 recover the key, 2 do not.
    let shares = tmp.path().join("shares");
    ok(pw, &["key", "split", "--key", &path("alice.key"), "--shares", "5", "--threshold", "3", "--out-dir", shares.to_str().unwrap()]);
    let share = |i: u32| shares.join(format!("share-{i}.txt")).to_str().unwrap().to_string();
    let r = ok(pw, &["key", "recover", "--share", &share(1), "--share", &share(3), "--share", &share(5), "--out", &path("alice-shamir.key")]);
    assert_eq!(r["public_key"], public_key.as_str());
    let (success, _, text) = run(pw, &["key", "recover", "--share", &share(2), "--share", &share(4), "--out", &path("x.key")]);
    assert!(!success && text.contains("needs 3"), "{text}");

    // Rotation: a new key for the same account; the old key is refused from then on.
    let rot = ok(pw, &["key", "rotate", "--client", c, "--key", &path("alice.key"), "--out", &path("alice-2027.key")]);
    assert_eq!(rot["account_id"], account.as_str());
    let (success, v, text) = run(pw, &["balance", "--client", c, "--key", &path("alice-2027.key")]);
    assert!(success, "the new key acts for the same account: {text}");
    assert_eq!(v["account"]["id"], account.as_str());
    let (success, _, text) = run(pw, &["key", "rotate", "--client", c, "--key", &path("alice.key"), "--out", &path("alice-x.key")]);
    assert!(!success && text.contains("unauthorized_signer"), "the rotated-out key cannot sign: {text}");
    // Lost device: two guardians recover the account to a new key after the time lock; the
    // owner could have cancelled in between.
    for g in ["g1", "g2"] {
        let k = ok(pw, &["key", "new", "--plain", "--insecure-plain-keys", "--out", &path(&format!("{g}.key"))]);
        std::fs::write(dir.join(format!("{g}.id")), g).unwrap();
        ok(pw, &["account", "open", "--client", c, "--public-key", k["public_key"].as_str().unwrap(), "--identity-file", dir.join(format!("{g}.id")).to_str().unwrap()]);
    }
    ok(pw, &["recovery", "guardians", "--client", c, "--key", &path("alice-2027.key"), "--guardian", "g1", "--guardian", "g2", "--threshold", "2", "--delay-blocks", "8"]);
    let fresh = ok(pw, &["key", "new", "--plain", "--insecure-plain-keys", "--out", &path("alice-new-phone.key")]);
    ok(pw, &["recovery", "propose", "--client", c, "--key", "g1", "--account", &account, "--new-key", fresh["public_key"].as_str().unwrap()]);
    let (success, _, text) = run(pw, &["recovery", "execute", "--client", c, "--key", "g1", "--account", &account]);
    assert!(!success && text.contains("recovery_locked"), "time-locked: {text}");
    ok(pw, &["recovery", "propose", "--client", c, "--key", "g2", "--account", &account, "--new-key", fresh["public_key"].as_str().unwrap()]);
    let (success, _, text) = run(pw, &["recovery", "execute", "--client", c, "--key", "g1", "--account", &account]);
    assert!(!success && text.contains("recovery_locked"), "{text}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let (success, _, text) = run(pw, &["recovery", "execute", "--client", c, "--key", "g1", "--account", &account]);
        if success {
            break;
        }
        assert!(text.contains("recovery_locked") && std::time::Instant::now() < deadline, "{text}");
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    let (success, _, text) = run(pw, &["balance", "--client", c, "--key", &path("alice-2027.key")]);
    assert!(!success && text.contains("401"), "the lost key no longer authenticates: {text}");
    ok(pw, &["key", "import", "--from", &path("alice-new-phone.key"), "--account", &account, "--out", &path("alice-phone.key")]);
    let b = ok(pw, &["balance", "--client", c, "--key", &path("alice-phone.key")]);
    assert_eq!(b["account"]["id"], account.as_str());

    // Revocation: a second device is added, then revoked; the last key cannot be revoked.
    ok(pw, &["key", "new", "--plain", "--insecure-plain-keys", "--out", &path("alice-laptop.key")]);
    ok(pw, &["account", "set-signers", "--client", c, "--key", &path("alice-phone.key"), "--signer", &path("alice-phone.key"), "--signer", &path("alice-laptop.key"), "--threshold", "1"]);
    let r = ok(pw, &["key", "revoke", "--client", c, "--key", &path("alice-phone.key"), "--revoke", &path("alice-laptop.key")]);
    assert_eq!(r["account_id"], account.as_str());
    let (success, _, text) = run(pw, &["key", "revoke", "--client", c, "--key", &path("alice-phone.key"), "--revoke", &path("alice-phone.key")]);
    assert!(!success && text.contains("unusable signer set"), "{text}");

    // Keys by purpose: a separate key for read requests; then the transaction key no longer
    // authenticates reads, and the request key cannot sign transactions.
    ok(pw, &["key", "new", "--plain", "--insecure-plain-keys", "--out", &path("alice-reader-plain.key")]);
    ok(pw, &["key", "purpose", "--client", c, "--key", &path("alice-phone.key"), "--request-key", &path("alice-reader-plain.key")]);
    ok(pw, &["key", "import", "--from", &path("alice-reader-plain.key"), "--account", &account, "--out", &path("alice-reader.key")]);
    let b = ok(pw, &["balance", "--client", c, "--key", &path("alice-reader.key")]);
    assert_eq!(b["account"]["id"], account.as_str());
    let (success, _, text) = run(pw, &["balance", "--client", c, "--key", &path("alice-phone.key")]);
    assert!(!success && text.contains("401"), "transaction keys no longer sign reads: {text}");
    let (success, _, text) = run(pw, &["key", "purpose", "--client", c, "--key", &path("alice-reader.key")]);
    assert!(!success && text.contains("unauthorized_signer"), "request keys cannot sign transactions: {text}");

    let list = ok(pw, &["key", "list", "--dir", keys.to_str().unwrap()]);
    let rows = list["keys"].as_array().unwrap();
    assert!(rows.iter().any(|r| r["storage"] == "encrypted" && r["public_key"] == public_key.as_str()), "{list}");
    assert!(rows.iter().any(|r| r["storage"] == "plain"), "devnet keys are plain: {list}");
}

//! Multi-party signing and P-256 accounts on real processes (a 4-validator devnet with
//! validator 0 killed first): the council's 2-of-3 proposal is built unsigned, signed by two
//! members on their own (separate files, separate keys), combined and submitted; outsiders,
//! foreign transactions and too few signatures are refused before anything is sent. A P-256
//! account signs transactions and read requests.

mod common;

use common::*;

fn refused(args: &[&str], expect: &str) {
    let (ok, text) = vellum(args);
    assert!(!ok && text.contains(expect), "vellum {args:?} should fail with `{expect}`: {text}");
}

#[test]
fn council_members_sign_on_their_own_and_a_p256_account_transacts() {
    let tmp = tempfile::tempdir().unwrap();
    let (_guard, c) = devnet_one_down(tmp.path());
    let c = c.as_str();
    let f = |name: &str| tmp.path().join(name).to_str().unwrap().to_string();
    let (tx, a, b, both, other) = (f("tx.json"), f("a.json"), f("b.json"), f("both.json"), f("other.json"));

    // Built unsigned by one member: chain, nonce, expiry and the council's signer set filled in.
    let built = json(&["tx", "build", "--out", &tx, "subledger", "--client", c, "--council", "council-1", "--name", "coop"]);
    assert_eq!(built["kind"], "propose");
    assert_eq!(built["weight"]["threshold"], 2);
    assert!(built["signers"].as_array().unwrap().is_empty());
    let file: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&tx).unwrap()).unwrap();
    assert_eq!(file["body"]["action"]["action"], "create_subledger", "{file}");

    // `tx build` wraps only commands that end in one transaction and do nothing else.
    let zero = "00".repeat(32);
    refused(&["tx", "build", "--out", &other, "proof", "original", "--client", c, "--proof", &zero, "--out", "x"], "sends no transaction");
    refused(&["tx", "build", "--out", &other, "status", "--client", c], "sends no transaction");
    refused(&["tx", "build", "--out", &other, "account", "open", "--client", c, "--public-key", &format!("ed25519:{zero}"), "--identity-file", "x"], "off-ledger secrets");
    assert!(!std::path::Path::new(&other).exists());

    // Refused before anything is sent: a key outside the signer set, a run without a terminal
    // that did not say --yes.
    refused(&["tx", "sign", &tx, "--key", "registrar", "--yes", "--client", c], "is not a signer of account");
    refused(&["tx", "sign", &tx, "--key", "council-2", "--client", c], "pass --yes");

    // Two members sign on their own copies.
    std::fs::copy(&tx, &a).unwrap();
    std::fs::copy(&tx, &b).unwrap();
    let one = json(&["tx", "sign", &a, "--key", "council-2", "--yes", "--client", c]);
    assert_eq!(one["weight"]["weight"], 1);
    json(&["tx", "sign", &b, "--key", "council-3", "--yes", "--client", c]);
    refused(&["tx", "sign", &a, "--key", "council-2", "--yes", "--client", c], "already signed");
    refused(&["tx", "submit", "--client", c, &a], "do not reach the account's threshold 2");

    // Another transaction's file cannot be merged in.
    json(&["tx", "build", "--out", &other, "subledger", "--client", c, "--council", "council-1", "--name", "other"]);
    json(&["tx", "sign", &other, "--key", "council-3", "--yes", "--client", c]);
    refused(&["tx", "combine", &a, &other, "--out", &both], "different transactions");
    // A signature spliced from another transaction is named as such.
    let mut spliced: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&a).unwrap()).unwrap();
    let foreign: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&other).unwrap()).unwrap();
    spliced["signatures"].as_array_mut().unwrap().push(foreign["signatures"][0].clone());
    std::fs::write(&both, spliced.to_string()).unwrap();
    refused(&["tx", "submit", "--client", c, &both], "over another transaction");
    let truncated = std::fs::read_to_string(&a).unwrap().replace("\"unsigned\": \"01", "\"unsigned\": \"02");
    std::fs::write(&both, truncated).unwrap();
    refused(&["tx", "submit", "--client", c, &both], "unknown encoding version");

    let combined = json(&["tx", "combine", &a, &b, &a, "--out", &both]);
    assert_eq!(combined["weight"]["weight"], 2, "{combined}");
    let done = json(&["tx", "submit", "--client", c, &both]);
    assert_eq!(done["status"], "finalized", "{done}");
    let proposals = json(&["gov", "list", "--client", c]);
    assert!(proposals.to_string().contains("coop"), "{proposals}");
    // Submitting again is idempotent at best, never a second proposal: the nonce is used.
    let (ok, text) = vellum(&["tx", "submit", "--client", c, &both]);
    assert!(ok || text.contains("nonce"), "{text}");

    // A P-256 account: opened, it signs a transaction (purpose keys) and read requests.
    let key = f("p256.key");
    let new = json(&["key", "new", "--scheme", "p256", "--plain", "--insecure-plain-keys", "--out", &key]);
    let public = new["public_key"].as_str().unwrap().to_string();
    assert!(public.starts_with("p256:02") || public.starts_with("p256:03"), "{public}");
    let id_file = f("id.txt");
    std::fs::write(&id_file, "Jane Doe").unwrap();
    json(&["account", "open", "--client", c, "--public-key", &public, "--identity-file", &id_file]);
    json(&["key", "purpose", "--client", c, "--key", &key, "--request-key", &key]);
    let balance = json(&["balance", "--client", c, "--key", &key]);
    assert!(balance["balances"].is_array(), "{balance}");
}

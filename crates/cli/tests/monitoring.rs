//! Monitoring on both sides, on a 4-validator devnet with validator 0 killed, through the CLI
//! only: the receiving side (distinct senders, inflow amount), the sender's sliding window,
//! a KYC tier's limit, an expired identity check (receives, cannot send until re-verified)
//! and the sanctions list (an opening refused, transfers to a listed account held) — each a
//! finalized transfer held with its alert.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

/// The rules of the alerts a `vellum pay --json` result was held with (panics if it settled).
fn held_rules(paid: &Value) -> Vec<String> {
    let outcome = &paid["payment"]["record"]["outcome"];
    assert_eq!(outcome["outcome"], "held", "{paid}");
    outcome["alerts"].as_array().unwrap().iter().map(|a| a["rule"].as_str().unwrap().to_string()).collect()
}

fn settled(paid: &Value) -> bool {
    paid["payment"]["record"]["outcome"]["outcome"] == "settled"
}

struct Net<'a> {
    c: &'a str,
    keys: &'a Path,
    work: &'a Path,
}

impl Net<'_> {
    fn file(&self, name: &str, text: &str) -> String {
        let p = self.work.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    }

    /// A new key `who` and its account, opened by the registrar with `extra` flags.
    fn open(&self, who: &str, extra: &[&str]) -> (bool, String) {
        let k = json(&["key", "new", "--plain", "--insecure-plain-keys", "--out", self.keys.join(format!("{who}.key")).to_str().unwrap()]);
        let id = self.file(&format!("{who}-id.txt"), &format!("{who}|1990-01-01|passport {who}"));
        let mut args = vec!["account", "open", "--client", self.c, "--public-key", k["public_key"].as_str().unwrap(), "--identity-file", &id, "--label", who];
        args.extend_from_slice(extra);
        vellum(&args)
    }

    fn pay(&self, from: &str, to: &str, amount: &str) -> Value {
        json(&["pay", "--client", self.c, "--key", from, "--token", "EUR", "--to", &format!("{to}={amount}")])
    }

    fn rules(&self, flags: &[&str]) {
        let mut args = vec!["monitor", "--client", self.c, "--token", "EUR", "--hold-timeout-secs", "3600"];
        args.extend_from_slice(flags);
        json(&args);
    }
}

#[test]
fn both_sides_tiers_expiry_and_sanctions_hold_transfers_on_a_devnet() {
    let tmp = tempfile::tempdir().unwrap();
    let (_guard, c) = devnet_one_down(tmp.path());
    let keys = tmp.path().join("devnet").join("keys");
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let net = Net { c: &c, keys: &keys, work: &work };
    let salt = work.join("screening.salt");
    json(&["sanctions", "new-salt", "--out", salt.to_str().unwrap()]);
    let salt = salt.to_str().unwrap();

    // Accounts: three senders, two recipients, one tier-1 customer screened against the list.
    for who in ["s1", "s2", "s3", "mule", "shop"] {
        let (ok, text) = net.open(who, &[]);
        assert!(ok, "{text}");
    }
    let (ok, text) = net.open("alice", &["--kyc-tier", "1", "--screening-salt", salt]);
    assert!(ok, "{text}");
    json(&["token", "create", "--client", &c, "--symbol", "EUR", "--decimals", "2"]);
    for who in ["s1", "s2", "s3", "alice"] {
        json(&["token", "mint", "--client", &c, "--token", "EUR", "--to", who, "--amount", "1000.00"]);
    }

    // 1. The receiving side: a third distinct sender to the mule is held; so is more than
    //    100.00 received by the shop within the hour.
    net.rules(&["--window-secs", "3600", "--distinct-senders", "2", "--inflow-amount", "100.00"]);
    assert!(settled(&net.pay("s1", "mule", "1.00")));
    assert!(settled(&net.pay("s2", "mule", "1.00")));
    assert_eq!(held_rules(&net.pay("s3", "mule", "1.00")), ["distinct_senders"]);
    assert!(settled(&net.pay("s1", "shop", "60.00")));
    assert_eq!(held_rules(&net.pay("s2", "shop", "60.00")), ["inflow_amount"]);

    // 2. The sender's sliding window.
    net.rules(&["--window-secs", "3600", "--window-amount", "500.00"]);
    assert!(settled(&net.pay("s3", "shop", "300.00")));
    assert_eq!(held_rules(&net.pay("s3", "shop", "300.00")), ["velocity_amount"]);

    // 3. A tier's limit: alice (tier 1) may send 50.00 a leg; s1 (no KYC record, tier 0) is not
    //    limited.
    net.rules(&["--tier-limit", "1:50.00:0"]);
    assert_eq!(held_rules(&net.pay("alice", "shop", "60.00")), ["tier_leg"]);
    assert!(settled(&net.pay("s1", "shop", "60.00")));

    // 4. An identity check that expires: sends before, receives but cannot send after, sends
    //    again once the registrar re-verifies it.
    let (ok, text) = net.open("bob", &["--kyc-tier", "2", "--kyc-valid-for", "12s"]);
    assert!(ok, "{text}");
    let opened = std::time::Instant::now();
    json(&["token", "mint", "--client", &c, "--token", "EUR", "--to", "bob", "--amount", "100.00"]);
    assert!(settled(&net.pay("bob", "shop", "1.00")));
    std::thread::sleep(std::time::Duration::from_secs(14).saturating_sub(opened.elapsed()));
    let (ok, text) = vellum(&["pay", "--client", &c, "--key", "bob", "--token", "EUR", "--to", "shop=1.00"]);
    assert!(!ok && text.contains("kyc_expired"), "{text}");
    assert!(settled(&net.pay("s1", "bob", "1.00")), "an expired account still receives");
    let view = json(&["account", "kyc", "--client", &c, "--account", "bob", "--kyc-tier", "2"]);
    assert_eq!(view["terms"]["expires_ms"], 0, "{view}");
    assert!(settled(&net.pay("bob", "shop", "1.00")));

    // 5. The sanctions list: alice's identity is listed by the council; a payment to her is
    //    held, and an opening for a listed identity is refused.
    let alice_id = work.join("alice-id.txt");
    let screened = json(&["sanctions", "screen", "--salt", salt, "--identity-file", alice_id.to_str().unwrap()]);
    json(&["sanctions", "add", "--client", &c, "--salt", salt, "--identity-file", alice_id.to_str().unwrap()]);
    assert_eq!(held_rules(&net.pay("s1", "alice", "1.00")), ["sanctions"]);
    let paid = net.pay("alice", "s1", "1.00");
    assert_eq!(held_rules(&paid), ["sanctions"]);
    assert_eq!(paid["payment"]["record"]["outcome"]["alerts"][0]["list_version"], 1);
    // The same identity under another key is not opened.
    std::fs::copy(&alice_id, work.join("alice2-id.txt")).unwrap();
    let k = json(&["key", "new", "--plain", "--insecure-plain-keys", "--out", keys.join("alice2.key").to_str().unwrap()]);
    let (ok, text) = vellum(&[
        "account", "open", "--client", &c, "--public-key", k["public_key"].as_str().unwrap(), "--identity-file",
        work.join("alice2-id.txt").to_str().unwrap(), "--kyc-tier", "1", "--screening-salt", salt,
    ]);
    assert!(!ok && text.contains("sanctions_hit"), "{text}");
    // Removing the entry lifts it.
    json(&["sanctions", "remove", "--client", &c, "--commitment", screened["commitment"].as_str().unwrap()]);
    assert!(settled(&net.pay("s1", "alice", "1.00")));

    // 6. Every read of alice's data is on the ledger: compliance read her balance and s1 was
    //    refused her history; alice lists both (X.1407 9.1.1 c).
    json(&["balance", "--client", &c, "--key", "compliance", "--account", "alice"]);
    let (ok, text) = vellum(&["history", "--client", &c, "--key", "s1", "--account", "alice"]);
    assert!(!ok && (text.contains("forbidden") || text.contains("403")), "{text}");
    let compliance = json(&["key", "show", keys.join("compliance.key").to_str().unwrap()]);
    let s1 = json(&["key", "show", keys.join("s1.key").to_str().unwrap()]);
    let started = std::time::Instant::now();
    loop {
        let v = json(&["audit", "mine", "--client", &c, "--key", "alice"]);
        let finalized: Vec<&Value> = v["finalized"].as_array().unwrap().iter().map(|e| &e["record"]).collect();
        let by = |who: &Value, action: &str, allowed: bool| {
            finalized.iter().any(|r| r["reader"] == who["account_id"] && r["action"] == action && r["allowed"] == allowed)
        };
        if by(&compliance, "account", true) && by(&s1, "history", false) {
            break;
        }
        assert!(started.elapsed().as_secs() < 30, "the reads reach the ledger: {v}");
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}

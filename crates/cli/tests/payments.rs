//! Payments end to end on real processes (a 4-validator devnet with validator 3 killed), through
//! the CLI only:
//! governance creates a token (one council key alone cannot), the e-invoice use case of
//! X.1407 Appendix I (buyer pays seller; the tax authority registers the invoice referencing
//! the payment; the employer reimburses referencing the invoice; an auditor verifies the chain
//! offline), a monitoring hold released by compliance, a freeze, sub-ledger confidentiality
//! and a conversion between sub-ledgers.

mod common;

use common::*;
use std::process::Command;

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

fn http_get(api: &str, path: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let addr = api.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let code = text.split_whitespace().nth(1).unwrap().parse().unwrap();
    (code, text.split("\r\n\r\n").nth(1).unwrap_or_default().to_string())
}

/// Available balance (base units) of `token` in the balance JSON.
fn available(balance: &serde_json::Value, token: &str) -> u128 {
    balance["balances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["token"] == token)
        .map_or(0, |b| b["available"].as_str().unwrap().parse().unwrap())
}

#[test]
fn e_invoice_holds_freezes_and_sub_ledgers_on_a_devnet() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let (guard, apis) = devnet_up(&dir);
    // One validator down for the whole test, as for every client-facing test (the last one:
    // the metrics below are read from validators 0 and 1).
    wait_height(&apis[1], 2, 60, "devnet start");
    kill_validator(&dir, 3);
    let c = dir.join("client.toml");
    let c = c.to_str().unwrap();
    let keys = dir.join("keys");
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let path = |name: &str| work.join(name).to_str().unwrap().to_string();

    // People: a buyer, a seller and the buyer's employer, opened by the registrar after KYC.
    for who in ["buyer", "seller", "employer"] {
        let k = json(&["key", "new", "--plain", "--insecure-plain-keys", "--out", keys.join(format!("{who}.key")).to_str().unwrap()]);
        std::fs::write(path(&format!("{who}-id.txt")), format!("{who}: passport checked")).unwrap();
        json(&[
            "account", "open", "--client", c, "--public-key", k["public_key"].as_str().unwrap(),
            "--identity-file", &path(&format!("{who}-id.txt")), "--label", who,
        ]);
    }

    // Governance: one council key alone cannot create a token; two of three can.
    let (code, text) = run(&["token", "create", "--client", c, "--council", "council-3", "--symbol", "EUR", "--decimals", "2", "--clawback", "--pausable", "--kyc-required"]);
    assert_ne!(code, 0);
    assert!(text.contains("below_threshold"), "{text}");
    json(&["token", "create", "--client", c, "--symbol", "EUR", "--decimals", "2", "--clawback", "--pausable", "--kyc-required"]);
    for who in ["buyer", "employer"] {
        json(&["token", "mint", "--client", c, "--token", "EUR", "--to", who, "--amount", "1000.00"]);
    }

    // The e-invoice module (X.1407 Appendix I). Governance appoints a tax authority; the seller
    // publishes its invoicing conditions naming it (VAT 19 %).
    let tax = json(&["key", "new", "--plain", "--insecure-plain-keys", "--out", keys.join("tax.key").to_str().unwrap()]);
    std::fs::write(path("tax-id.txt"), "tax office: registry checked").unwrap();
    json(&["account", "open", "--client", c, "--public-key", tax["public_key"].as_str().unwrap(), "--identity-file", &path("tax-id.txt"), "--label", "tax"]);
    let (code, text) = run(&["invoice", "terms", "--client", c, "--key", "seller", "--tax-authority", "tax", "--token", "EUR", "--vat-bp", "1900"]);
    assert!(code != 0 && text.contains("not_tax_authority"), "only a governed tax authority: {text}");
    json(&["role", "grant", "--client", c, "--account", "tax", "--role", "tax_authority"]);
    json(&["invoice", "terms", "--client", c, "--key", "seller", "--tax-authority", "tax", "--token", "EUR", "--vat-bp", "1900"]);

    // A. The buyer pays the seller; the receipt is kept.
    let pay1 = json(&["pay", "--client", c, "--key", "buyer", "--token", "EUR", "--to", "seller=119.00", "--receipt", &path("payment.vellumrc")]);
    let pay1_hash = pay1["tx"]["tx_hash"].as_str().unwrap().to_string();
    assert_eq!(pay1["payment"]["record"]["outcome"]["outcome"], "settled", "{pay1}");
    let seller = json(&["balance", "--client", c, "--key", "seller"]);
    assert_eq!(available(&seller, "EUR"), 11_900);

    // B. The tax authority issues the invoice, consuming the payment: once.
    std::fs::write(path("invoice.pdf"), "%PDF-1.7 invoice 2026-0042: 1 x consulting, 119.00 EUR incl. VAT\n%%EOF").unwrap();
    let (code, text) = run(&["invoice", "issue", "--client", c, "--key", "seller", &pay1_hash, "--document", &path("invoice.pdf")]);
    assert!(code != 0 && text.contains("missing_role"), "only the tax authority issues: {text}");
    let issued = json(&["invoice", "issue", "--client", c, "--key", "tax", &pay1_hash, "--document", &path("invoice.pdf")]);
    let invoice_id = issued["invoice"].as_str().unwrap().to_string();
    let issue_hash = issued["tx"]["tx_hash"].as_str().unwrap().to_string();
    let (code, text) = run(&["receipt", "--client", c, "--key", "tax", &issue_hash, "--out", &path("invoice.vellumtr")]);
    assert_eq!(code, 0, "the issuance's transaction receipt: {text}");
    let (code, text) = run(&["invoice", "issue", "--client", c, "--key", "tax", &pay1_hash, "--document", &path("invoice.pdf")]);
    assert!(code != 0 && text.contains("payment_invoiced"), "one invoice per payment: {text}");

    // C. The employer reimburses the buyer against the invoice: once.
    let (code, text) = run(&["invoice", "reimburse", "--client", c, "--key", "employer", &pay1_hash]);
    assert!(code != 0 && text.contains("unknown_invoice"), "a payment is not an invoice: {text}");
    let pay2 = json(&["invoice", "reimburse", "--client", c, "--key", "employer", &invoice_id]);
    let pay2_hash = pay2["hash"].as_str().or(pay2["tx_hash"].as_str()).unwrap().to_string();
    let (code, text) = run(&["invoice", "reimburse", "--client", c, "--key", "employer", &invoice_id]);
    assert!(code != 0 && text.contains("invoice_spent"), "the same invoice is never reimbursed twice: {text}");
    let (code, _) = run(&["receipt", "--client", c, "--key", "employer", &pay2_hash, "--out", &path("reimbursement.vellumrc")]);
    assert_eq!(code, 0);

    // D. The seller clears the VAT (19.00 EUR of 119.00) with the tax authority: once.
    json(&["invoice", "clear-tax", "--client", c, "--key", "seller", &invoice_id]);
    let (code, text) = run(&["invoice", "clear-tax", "--client", c, "--key", "seller", &invoice_id]);
    assert!(code != 0 && text.contains("invoice_spent"), "{text}");
    assert_eq!(available(&json(&["balance", "--client", c, "--key", "tax"]), "EUR"), 1_900);
    let shown = json(&["invoice", "show", "--client", c, "--key", "buyer", &invoice_id]);
    assert_eq!((shown["invoice"]["vat"].as_str(), shown["invoice"]["payment"].as_str()), (Some("1900"), Some(pay1_hash.as_str())), "{shown}");
    assert!(!shown["invoice"]["reimbursed"].is_null() && !shown["invoice"]["tax_cleared"].is_null(), "{shown}");
    let (code, text) = run(&["invoice", "show", "--client", c, "--key", "registrar", &invoice_id]);
    assert!(code != 0 && text.contains("403"), "not a party: {text}");
    // The tax authority also registers the invoice document as a proof (for the bundle below).
    json(&["role", "grant", "--client", c, "--account", "tax", "--role", "issuer"]);
    let reg = json(&["proof", "register", "--client", c, "--key", "tax", "--out-dir", &path("proofs"), &path("invoice.pdf")]);
    assert!(reg["proof_id"].is_string(), "{reg}");

    // The auditor fetches the invoice bundle (the seller may not read the buyer's account).
    let (code, _) = run(&["proof", "bundle", "--client", c, "--key", "auditor", "--manifests", &path("proofs"), &path("invoice.pdf"), "--out", &path("invoice.vellum")]);
    assert_eq!(code, 0);
    let (code, text) = run(&["balance", "--client", c, "--key", "seller", "--account", "buyer"]);
    assert!(code != 0 && text.contains("403"), "{text}");
    let auditor_view = json(&["balance", "--client", c, "--key", "auditor", "--account", "buyer"]);
    assert_eq!(available(&auditor_view, "EUR"), 100_000);
    let history = json(&["history", "--client", c, "--key", "buyer"]);
    assert_eq!(history["payments"].as_array().unwrap().len(), 3, "mint, payment, reimbursement: {history}");

    // Monitoring: transfers of 500.00 EUR or more are held until compliance decides.
    json(&["monitor", "--client", c, "--token", "EUR", "--large", "500.00", "--hold-timeout-secs", "3600"]);
    let held = json(&["pay", "--client", c, "--key", "buyer", "--token", "EUR", "--to", "seller=600.00"]);
    assert_eq!(held["payment"]["record"]["outcome"]["outcome"], "held", "{held}");
    let hold_id = held["payment"]["record"]["outcome"]["hold"].as_u64().unwrap().to_string();
    let buyer = json(&["balance", "--client", c, "--key", "buyer"]);
    assert_eq!(buyer["balances"][0]["held"], "60000", "{buyer}");
    let (code, text) = run(&["hold", "list", "--client", c, "--key", "seller"]);
    assert!(code != 0 && text.contains("403"), "{text}");
    let pending = json(&["hold", "list", "--client", c, "--pending"]);
    assert_eq!(pending["holds"].as_array().unwrap().len(), 1);
    assert_eq!(pending["holds"][0]["alerts"][0]["rule"], "large_transfer");
    json(&["hold", "release", "--client", c, &hold_id, "--reason", "invoice 2026-0051 checked"]);
    let seller = json(&["balance", "--client", c, "--key", "seller"]);
    assert_eq!(available(&seller, "EUR"), 70_000, "11,900 - 1,900 VAT + 60,000");
    let (code, metrics) = http_get(&apis[1], "/metrics");
    assert_eq!(code, 200);
    assert!(metrics.contains("vellum_alerts_total{rule=\"large_transfer\"} 1"), "{metrics}");
    // The histogram counts transactions a node admitted itself: ask the node the CLI submits to
    // (others may see a transaction first in a block, before its gossip).
    let (_, metrics0) = http_get(&apis[0], "/metrics");
    let finalized: u64 = metrics0
        .lines()
        .find_map(|l| l.strip_prefix("vellum_tx_finality_seconds_count "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    assert!(finalized > 0, "the finality histogram observes admitted transactions: {metrics0}");

    // Incident response: a frozen account cannot pay; unfrozen it can.
    let buyer_id = json(&["key", "show", keys.join("buyer.key").to_str().unwrap()])["account_id"].as_str().unwrap().to_string();
    json(&["account", "set-status", "--client", c, "--account", &buyer_id, "--status", "frozen", "--reason", "card reported stolen"]);
    let (code, text) = run(&["pay", "--client", c, "--key", "buyer", "--token", "EUR", "--to", "seller=1.00"]);
    assert!(code != 0 && text.contains("sender_not_active"), "{text}");
    json(&["account", "set-status", "--client", c, "--account", &buyer_id, "--status", "active", "--reason", "owner re-verified"]);
    json(&["pay", "--client", c, "--key", "buyer", "--token", "EUR", "--to", "seller=1.00"]);

    // Sub-ledgers: a cooperative with its own token; EUR converts into it at a governed rate.
    json(&["subledger", "--client", c, "--name", "coop"]);
    json(&["token", "create", "--client", c, "--symbol", "COOP", "--decimals", "2", "--subledger", "coop"]);
    let member = json(&["key", "new", "--plain", "--insecure-plain-keys", "--out", keys.join("member.key").to_str().unwrap()]);
    std::fs::write(path("member-id.txt"), "member: id card checked").unwrap();
    json(&["account", "open", "--client", c, "--public-key", member["public_key"].as_str().unwrap(), "--identity-file", &path("member-id.txt"), "--subledger", "coop"]);
    json(&["token", "mint", "--client", c, "--token", "COOP", "--to", "desk", "--amount", "10000.00"]);
    json(&["rate", "--client", c, "--from", "EUR", "--to", "COOP", "--num", "2", "--den", "1"]);
    let (code, text) = run(&["pay", "--client", c, "--key", "buyer", "--token", "EUR", "--to", "member=10.00"]);
    assert!(code != 0 && text.contains("wrong_subledger"), "{text}");
    let conv = json(&["pay", "--client", c, "--key", "buyer", "--token", "EUR", "--to", "member=10.00", "--convert-to", "COOP"]);
    let leg = &conv["payment"]["record"]["outcome"]["legs"][0];
    assert_eq!((leg["credit_token"].as_str(), leg["credit_amount"].as_str()), (Some("COOP"), Some("2000")), "{conv}");
    assert_eq!(leg["conversion"]["rate_version"], 1);
    let member_view = json(&["balance", "--client", c, "--key", "member"]);
    assert_eq!(available(&member_view, "COOP"), 2_000);
    // A main-ledger account cannot read the sub-ledger's token or accounts.
    let (code, text) = run(&["token", "show", "--client", c, "--key", "seller", "COOP"]);
    assert!(code != 0 && text.contains("403"), "{text}");
    let (code, text) = run(&["balance", "--client", c, "--key", "seller", "--account", "member"]);
    assert!(code != 0 && text.contains("403"), "{text}");
    let genesis_hash = status(&apis[0]).unwrap()["genesis_hash"].as_str().unwrap().to_string();

    // The load generator works on this devnet: a small mixed run (transfers and registrations
    // from freshly prepared senders), every transaction finalized.
    let b = json(&["bench", "--client", c, "--scenario", "mixed", "--senders", "2", "--txs", "40", "--idle-seconds", "0", "--json"]);
    assert_eq!(b["txs_finalized"], 40, "{b}");
    assert!(b["latency_ms"]["p99"].as_f64().unwrap() > 0.0, "{b}");

    // The auditor verifies the whole chain offline, with the network stopped.
    drop(guard);
    let invoice = json(&["verify", &path("invoice.vellum"), "--file", &path("invoice.pdf"), "--checkpoint", &genesis_hash]);
    assert_eq!(invoice["valid"], true);
    let payment = json(&["verify", &path("payment.vellumrc"), "--checkpoint", &genesis_hash]);
    assert_eq!((payment["valid"].as_bool(), payment["tx_id"].as_str()), (Some(true), Some(pay1_hash.as_str())));
    let issuance = json(&["verify", &path("invoice.vellumtr"), "--checkpoint", &genesis_hash]);
    assert_eq!((issuance["valid"].as_bool(), issuance["appended"][0]["kind"].as_str()), (Some(true), Some("invoice")), "{issuance}");
    assert_eq!(issuance["appended"][0]["record"]["invoice"]["payment"].as_str(), Some(pay1_hash.as_str()), "phase B consumed the verified payment");
    assert_eq!(issuance["appended"][0]["record"]["invoice"]["id"].as_str(), Some(invoice_id.as_str()));
    let reimbursement = json(&["verify", &path("reimbursement.vellumrc"), "--checkpoint", &genesis_hash]);
    assert_eq!(reimbursement["record"]["outcome"]["reference"], invoice_id.as_str(), "the reimbursement names the invoice it consumed");
    assert_eq!(hex::encode(vellum_types::invoice::invoice_id(&vellum_types::TxId::from_hex(&pay1_hash).unwrap())), invoice_id, "which is the invoice of the verified payment");
    assert_eq!(reimbursement["record"]["outcome"]["legs"][0]["credit_amount"], "11900");
    // A tampered receipt, or one checked against another chain, fails.
    let mut bytes = std::fs::read(path("reimbursement.vellumrc")).unwrap();
    let n = bytes.len();
    bytes[n - 40] ^= 1;
    std::fs::write(path("tampered.vellumrc"), &bytes).unwrap();
    let (code, text) = run(&["verify", &path("tampered.vellumrc"), "--checkpoint", &genesis_hash]);
    assert_eq!(code, 1, "{text}");
    let (code, _) = run(&["verify", &path("payment.vellumrc"), "--checkpoint", &"00".repeat(32)]);
    assert_eq!(code, 1);
}

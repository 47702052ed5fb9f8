//! `vellum contract check` on the example contract (text and binary) and on refused code:
//! the report a proposal carries, and a non-zero exit with the reason's code otherwise.

mod common;

use common::BIN;
use std::process::Command;

fn check(file: &std::path::Path) -> (bool, String, String) {
    let out = Command::new(BIN).args(["--json", "contract", "check"]).arg(file).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn contract_new_makes_a_contract_that_passes_the_checks() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("escrow");
    let out = Command::new(BIN).args(["contract", "new"]).arg(&project).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (ok, _, stderr) = check(&project.join("contract.wat"));
    assert!(ok, "the template passes the checks: {stderr}");
    let again = Command::new(BIN).args(["contract", "new"]).arg(&project).output().unwrap();
    assert!(!again.status.success() && String::from_utf8_lossy(&again.stderr).contains("exists"), "never overwrites");
}

#[test]
fn contract_check_reports_the_example_and_refuses_with_the_reason() {
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../contracts/examples/counter.wat");
    let (ok, stdout, stderr) = check(&example);
    assert!(ok, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    let binary = wat::parse_file(&example).unwrap();
    assert_eq!(report["code_digest"], hex::encode(vellum_types::sha256(&binary)), "the digest is of the compiled code");
    assert_eq!(report["entry_points"], serde_json::json!(["increment", "reset"]));

    let dir = tempfile::tempdir().unwrap();
    let wasm = dir.path().join("counter.wasm");
    std::fs::write(&wasm, &binary).unwrap();
    let (ok, same, _) = check(&wasm);
    assert!(ok && same == stdout, "binary and text give one report");

    let cases = [
        ("floats.wat", r#"(module (memory (export "memory") 1 1) (func (export "f") (drop (f64.const 1))))"#, "(invalid)"),
        ("clock.wat", r#"(module (import "env" "now" (func (result i64))) (memory (export "memory") 1 1) (func (export "f")))"#, "(unknown_import)"),
        ("unbounded.wat", r#"(module (memory (export "memory") 1) (func (export "f")))"#, "(memory_unbounded)"),
        ("garbage.wasm", "\0asm\u{1}\0\0\0\u{1}\u{ff}", "(not_wasm)"),
    ];
    for (name, source, code) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, source).unwrap();
        let (ok, stdout, stderr) = check(&path);
        let said = format!("{stdout}{stderr}");
        assert!(!ok && said.contains(code), "{name}: {said}");
    }
}

/// The example escrow on real processes with validator 0 killed, through the CLI only: the
/// council approves the code (after the checks), a depositor instantiates two escrows and funds
/// them; one pays the beneficiary once the named certificate is registered, the other refunds
/// the depositor after its deadline; a paused instance refuses calls; every figure is what
/// finalized.
#[test]
fn escrow_pays_and_refunds_on_a_devnet_with_a_validator_down() {
    use common::{devnet_one_down, json};
    let tmp = tempfile::tempdir().unwrap();
    let (_guard, client) = devnet_one_down(tmp.path());
    let c = client.as_str();
    let keys = tmp.path().join("devnet/keys");
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let path = |name: &str| work.join(name).to_str().unwrap().to_string();
    for who in ["depositor", "graduate"] {
        let k = json(&["key", "new", "--plain", "--insecure-plain-keys", "--out", keys.join(format!("{who}.key")).to_str().unwrap()]);
        std::fs::write(path(&format!("{who}-id.txt")), format!("{who}: passport checked")).unwrap();
        json(&["account", "open", "--client", c, "--public-key", k["public_key"].as_str().unwrap(), "--identity-file", &path(&format!("{who}-id.txt")), "--label", who]);
    }
    json(&["token", "create", "--client", c, "--symbol", "EUR", "--decimals", "2", "--kyc-required"]);
    json(&["token", "mint", "--client", c, "--token", "EUR", "--to", "depositor", "--amount", "100.00"]);
    let escrow = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../contracts/examples/escrow.wat");
    let escrow = escrow.to_str().unwrap();
    std::fs::write(path("review.txt"), "escrow v1 reviewed: no findings").unwrap();
    json(&["contract", "propose", "--client", c, escrow, "--name", "escrow", "--review", &path("review.txt")]);
    let code = json(&["contract", "check", escrow])["code_digest"].as_str().unwrap().to_string();
    // The validator answering may be a block behind the two that confirmed the proposal.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let approved = http(c, &format!("/v1/code/{code}"));
        if approved["code"]["entry_points"] == serde_json::json!(["init", "refund", "release"]) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{approved}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }

    let height = json(&["status", "--client", c])["height"].as_u64().unwrap();
    std::fs::write(path("certificate.pdf"), "%PDF-1.7 BSc of the graduate\n%%EOF").unwrap();
    let input = |deadline: u64, doc: &str| {
        json(&["contract", "escrow-input", "--client", c, "--beneficiary", "graduate", "--registrant", "issuer", "--document", &path(doc), "--deadline", &deadline.to_string(), "--token", "EUR"])["input"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let pays = json(&["contract", "instantiate", "--client", c, "--key", "depositor", &code, "--input", &input(height + 100_000, "certificate.pdf")]);
    let pays = pays["contract"].as_str().unwrap().to_string();
    std::fs::write(path("never.pdf"), "never registered").unwrap();
    let refunds = json(&["contract", "instantiate", "--client", c, "--key", "depositor", &code, "--input", &input(height, "never.pdf")]);
    let refunds = refunds["contract"].as_str().unwrap().to_string();
    for contract in [&pays, &refunds] {
        json(&["pay", "--client", c, "--key", "depositor", "--token", "EUR", "--to", &format!("{contract}=30.00")]);
    }

    // Release before the certificate is registered: aborted, nothing moves.
    let (ok, text) = common::vellum(&["contract", "call", "--client", c, "--key", "depositor", &pays, "release"]);
    assert!(!ok && text.contains("contract_aborted") && text.contains("code 1"), "{text}");
    json(&["proof", "register", "--client", c, "--out-dir", &path("proofs"), &path("certificate.pdf")]);
    // Governance pauses the instance: calls are refused until it resumes.
    json(&["contract", "pause", "--client", c, &pays]);
    let (ok, text) = common::vellum(&["contract", "call", "--client", c, "--key", "depositor", &pays, "release"]);
    assert!(!ok && text.contains("contract_paused"), "{text}");
    json(&["contract", "pause", "--client", c, &pays, "--resume"]);
    let released = json(&["contract", "call", "--client", c, "--key", "depositor", &pays, "release"]);
    assert_eq!(released["events"][0]["event"]["data"].as_str().unwrap()[..2].to_string(), "01", "{released}");
    assert_eq!(released["payments"][0]["record"]["outcome"]["legs"][0]["credit_amount"], "3000", "{released}");
    let balance = |key: &str| {
        let b = json(&["balance", "--client", c, "--key", key]);
        b["balances"].as_array().unwrap().iter().find(|x| x["token"] == "EUR").map_or(0u128, |x| x["available"].as_str().unwrap().parse().unwrap())
    };
    assert_eq!(balance("graduate"), 3_000);
    // The release's transaction receipt proves the payout and the event offline.
    let receipt = path("release.vellumtr");
    json(&["receipt", "--client", c, "--key", "depositor", released["tx_id"].as_str().unwrap(), "--out", &receipt]);
    let v = json(&["verify", &receipt]);
    let kinds: Vec<&str> = v["appended"].as_array().unwrap().iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!((v["valid"].as_bool(), kinds), (Some(true), vec!["payment", "event"]), "{v}");
    let (ok, text) = common::vellum(&["contract", "call", "--client", c, "--key", "graduate", &pays, "release"]);
    assert!(!ok && text.contains("code 3"), "paid once: {text}");

    // The second escrow's deadline has passed: it refunds the depositor.
    let before = balance("depositor");
    let refunded = json(&["contract", "call", "--client", c, "--key", "graduate", &refunds, "refund"]);
    assert_eq!(refunded["events"][0]["event"]["data"].as_str().unwrap()[..2].to_string(), "02", "{refunded}");
    assert_eq!(balance("depositor"), before + 3_000);
    let shown = json(&["contract", "show", "--client", c, &pays]);
    assert_eq!((shown["callable"].as_bool(), shown["contract"]["history"].as_array().map(Vec::len)), (Some(true), Some(1)), "{shown}");
}

fn http(client: &str, path: &str) -> serde_json::Value {
    let cfg: toml::Value = toml::from_str(&std::fs::read_to_string(client).unwrap()).unwrap();
    let nodes: Vec<String> = cfg["api"].as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_string()).collect();
    nodes.iter().find_map(|api| common::http_json(api, path)).expect("a live node answers")
}

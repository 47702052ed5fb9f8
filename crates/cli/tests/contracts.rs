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

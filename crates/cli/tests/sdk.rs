//! The SDKs, tested by the same `cargo test` as everything else: each one's dependencies are
//! installed from the registries (a virtualenv from PyPI for `sdk/python`, `npm ci` for
//! `sdk/js`), its unit tests run against `docs/vectors/`, and its end-to-end tests run against
//! devnets of the binary under test (`VELLUM_BIN`). Then a 2-of-3 account whose keys live in
//! three keystores — made by the CLI, the Python SDK and the TypeScript SDK — pays twice, each
//! payment signed on "separate machines" (separate processes, separate files) and combined and
//! submitted by an SDK, with validator 0 killed.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

const PASSWORD: &str = "correct horse battery staple";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn run_ok(cmd: &mut Command, what: &str) -> String {
    let out = cmd.stdin(Stdio::null()).output().unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    assert!(out.status.success(), "{what} failed:\n{}", text(&out));
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// The last line of a command's output as JSON (the SDK tools print one JSON object).
fn json_of(out: &str) -> serde_json::Value {
    serde_json::from_str(out.lines().last().unwrap_or_default()).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// Installs again only when the dependency manifest changed since the last install.
fn stale(stamp: &Path, manifest: &Path) -> (bool, String) {
    let digest = hex::encode(vellum_types::sha256(&std::fs::read(manifest).unwrap()));
    (std::fs::read_to_string(stamp).ok().as_deref() != Some(digest.as_str()), digest)
}

/// `sdk/python/.venv` with the SDK (editable) and its test extra; its python.
fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let sdk = repo().join("sdk/python");
        let venv = sdk.join(".venv");
        let python = venv.join("bin/python");
        let stamp = venv.join(".vellum-installed");
        let (stale, digest) = stale(&stamp, &sdk.join("pyproject.toml"));
        if !python.exists() {
            run_ok(Command::new("python3").args(["-m", "venv"]).arg(&venv), "python3 -m venv (Python ≥ 3.10 is needed)");
        }
        if stale {
            run_ok(
                Command::new(&python).args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--timeout", "60", "-e"]).arg(format!("{}[test]", sdk.display())),
                "pip install of the Python SDK",
            );
            std::fs::write(&stamp, digest).unwrap();
        }
        python
    })
}

/// `sdk/js` with `npm ci` done; the directory.
fn js() -> &'static Path {
    static JS: OnceLock<PathBuf> = OnceLock::new();
    JS.get_or_init(|| {
        let sdk = repo().join("sdk/js");
        let stamp = sdk.join("node_modules/.vellum-installed");
        let (stale, digest) = stale(&stamp, &sdk.join("package-lock.json"));
        if stale {
            run_ok(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&sdk), "npm ci of the TypeScript SDK (Node ≥ 20 is needed)");
            std::fs::write(&stamp, digest).unwrap();
        }
        sdk
    })
}

#[test]
fn python_sdk_unit_and_end_to_end_tests_pass() {
    let out = run_ok(
        Command::new(python()).args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]).current_dir(repo().join("sdk/python")).env("VELLUM_BIN", BIN),
        "the Python SDK's tests",
    );
    assert!(out.contains("passed") && !out.contains("skipped"), "every test ran (none skipped):\n{out}");
}

/// Chromium for the SDK's browser test (installed under `CI=true`, as for the web page's test).
fn chromium() -> Option<String> {
    let out = Command::new("bash").arg(repo().join("scripts/ensure-chromium.sh")).output().ok()?;
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !path.is_empty()).then_some(path)
}

#[test]
fn js_sdk_unit_and_end_to_end_tests_pass() {
    let mut cmd = Command::new("npm");
    cmd.args(["test", "--silent"]).current_dir(js()).env("VELLUM_BIN", BIN);
    let browser = chromium();
    if let Some(path) = &browser {
        cmd.env("CHROMIUM", path);
    }
    let out = run_ok(&mut cmd, "the TypeScript SDK's tests");
    assert!(out.contains("# fail 0"), "every test passed:\n{out}");
    // Only the browser test may skip, and only where no Chromium exists (never in CI).
    let allowed = if browser.is_some() { "# skipped 0" } else { "# skipped 1" };
    assert!(out.contains(allowed), "unexpected skips (Chromium: {browser:?}):\n{out}");
}

/// The Python SDK's command-line tool (`python -m vellum_sdk`).
fn py_tool(args: &[&str]) -> serde_json::Value {
    json_of(&run_ok(Command::new(python()).args(["-m", "vellum_sdk"]).args(args).env("VELLUM_PASSWORD", PASSWORD), &format!("python -m vellum_sdk {args:?}")))
}

/// The TypeScript SDK's command-line tool (`node sdk/js/bin/vellum-sdk.mjs`).
fn js_tool(args: &[&str]) -> serde_json::Value {
    let tool = js().join("bin/vellum-sdk.mjs");
    json_of(&run_ok(Command::new("node").arg(tool).args(args).env("VELLUM_PASSWORD", PASSWORD), &format!("vellum-sdk.mjs {args:?}")))
}

fn cli(args: &[&str]) -> serde_json::Value {
    let out = Command::new(BIN).arg("--json").args(args).env("VELLUM_PASSWORD", PASSWORD).stdin(Stdio::null()).output().unwrap();
    assert!(out.status.success(), "vellum {args:?} failed:\n{}", text(&out));
    json_of(&String::from_utf8_lossy(&out.stdout))
}

#[test]
fn a_two_of_three_account_pays_with_signatures_from_the_cli_python_and_typescript() {
    let tmp = tempfile::tempdir().unwrap();
    let (_guard, c) = devnet_one_down(tmp.path());
    let c = c.as_str();
    let f = |name: &str| tmp.path().join(name).to_str().unwrap().to_string();

    // Three keystores, one per implementation and scheme.
    let rust = cli(&["key", "new", "--scheme", "ed25519", "--out", &f("rust.json")]);
    let py = py_tool(&["keystore-new", "--scheme", "secp256k1", "--out", &f("python.json")]);
    let ts = js_tool(&["keystore-new", "--scheme", "p256", "--out", &f("ts.json")]);
    let key = |v: &serde_json::Value| v["public_key"].as_str().unwrap().to_string();
    let (rust_key, py_key, ts_key) = (key(&rust), key(&py), key(&ts));
    assert!(py_key.starts_with("secp256k1:") && ts_key.starts_with("p256:"), "{py_key} {ts_key}");

    // The account: opened for the CLI key, made 2-of-3, funded with a governed token.
    let id_file = f("id.txt");
    std::fs::write(&id_file, "Treasury of Example Ltd").unwrap();
    let opened = cli(&["account", "open", "--client", c, "--public-key", &rust_key, "--identity-file", &id_file]);
    let account = opened["account_id"].as_str().unwrap().to_string();
    let rust_file = f("rust.json");
    cli(&["account", "set-signers", "--client", c, "--key", &rust_file, "--signer", &rust_key, "--signer", &py_key, "--signer", &ts_key, "--threshold", "2"]);
    cli(&["token", "create", "--client", c, "--symbol", "EUR", "--decimals", "2"]);
    cli(&["token", "mint", "--client", c, "--key", "issuer", "--token", "EUR", "--to", &account, "--amount", "100.00"]);

    // Payment 1: built by the CLI, signed by Python and TypeScript, combined and submitted by Python.
    let t1 = f("t1.json");
    cli(&["tx", "build", "--out", &t1, "pay", "--client", c, "--key", &rust_file, "--token", "EUR", "--to", "registrar=1.00"]);
    let (p1, j1, both1) = (f("t1-python.json"), f("t1-ts.json"), f("t1-both.json"));
    py_tool(&["sign", &t1, "--key", &f("python.json"), "--yes", "--out", &p1]);
    js_tool(&["sign", &t1, "--key", &f("ts.json"), "--yes", "--out", &j1]);
    py_tool(&["combine", &p1, &j1, "--out", &both1]);
    let done = py_tool(&["submit", &both1, "--config", c, "--key", &f("python.json")]);
    assert_eq!(done["status"], "finalized", "{done}");

    // Payment 2: signed by the CLI and TypeScript, combined and submitted by TypeScript; one
    // signature alone is refused before anything is sent.
    let t2 = f("t2.json");
    cli(&["tx", "build", "--out", &t2, "pay", "--client", c, "--key", &rust_file, "--token", "EUR", "--to", "registrar=2.00"]);
    let (r2, j2, both2) = (f("t2-rust.json"), f("t2-ts.json"), f("t2-both.json"));
    cli(&["tx", "sign", &t2, "--key", &rust_file, "--yes", "--out", &r2, "--client", c]);
    let alone = Command::new("node").arg(js().join("bin/vellum-sdk.mjs")).args(["submit", &r2, "--config", c, "--key", &f("ts.json")]).env("VELLUM_PASSWORD", PASSWORD).output().unwrap();
    assert!(!alone.status.success() && text(&alone).to_lowercase().contains("weight"), "one signature of weight 1 is refused: {}", text(&alone));
    js_tool(&["sign", &t2, "--key", &f("ts.json"), "--yes", "--out", &j2]);
    js_tool(&["combine", &r2, &j2, "--out", &both2]);
    let done = js_tool(&["submit", &both2, "--config", c, "--key", &f("ts.json")]);
    assert_eq!(done["status"], "finalized", "{done}");

    // The account paid 3.00 of 100.00, once per payment.
    let balance = cli(&["balance", "--client", c, "--key", &rust_file]);
    let eur = balance["balances"].as_array().unwrap().iter().find(|b| b["token"] == "EUR").unwrap().clone();
    assert_eq!(eur["available"], "9700", "{balance}");
}

//! Schemathesis against a devnet, for CI (run when `CI=true` or `VELLUM_SCHEMATHESIS=1`; a
//! local `cargo test` skips it to stay quick):
//! - installs the pinned Schemathesis and `cryptography` from PyPI into a fresh virtualenv
//!   (`crates/api/tests/schemathesis/requirements.txt`; needs `python3` with `venv`);
//! - starts a 4-validator devnet and runs Schemathesis against validator 0's
//!   `/v1/openapi.json` with every check and every phase: examples, coverage and fuzzing
//!   (stateless) and stateful (following the spec's links);
//! - the hooks (`crates/api/tests/schemathesis/hooks.py`) sign every request with the devnet
//!   auditor's key, so protected routes are exercised past 401 (and `ignored_auth` checks they
//!   refuse the same request unsigned), and turn positive `POST /v1/tx` cases into real signed
//!   transactions;
//! - any failure or error fails the test, and so does a run that did not exercise what it
//!   should (a phase skipped, no transaction admitted, no signed read accepted).
//!
//! Bounded: `VELLUM_SCHEMATHESIS_EXAMPLES` cases per operation and phase (default 50: about
//! two minutes on two cores); `VELLUM_SCHEMATHESIS_SEED` replays a run (the seed is printed).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn enabled() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true") || std::env::var("VELLUM_SCHEMATHESIS").is_ok_and(|v| v == "1")
}

/// The Schemathesis files: hooks, settings, pinned requirements.
fn files() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../api/tests/schemathesis").canonicalize().unwrap()
}

/// Most the Schemathesis run may take before it is stopped (and the test fails).
const RUN_TIMEOUT: Duration = Duration::from_secs(600);
/// Most the pip install from PyPI may take.
const INSTALL_TIMEOUT: Duration = Duration::from_secs(600);

/// A virtualenv in `dir` with the pinned requirements; returns its Python.
fn install(dir: &Path) -> PathBuf {
    let python = std::env::var("VELLUM_PYTHON").unwrap_or_else(|_| "python3".into());
    // Schemathesis 4 needs Python 3.10 or newer: say so rather than let pip fail vaguely.
    let version = Command::new(&python).args(["-c", "import sys; print(sys.version_info >= (3, 10))"]).output();
    assert!(
        version.as_ref().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "True"),
        "`{python}` is missing or older than Python 3.10, which Schemathesis 4 needs ({version:?}); set VELLUM_PYTHON"
    );
    let venv = dir.join("venv");
    let made = Command::new(&python).args(["-m", "venv"]).arg(&venv).status();
    assert!(
        made.as_ref().is_ok_and(|s| s.success()),
        "cannot create a virtualenv with `{python} -m venv` ({made:?}); on Debian/Ubuntu install python3-venv, or set VELLUM_PYTHON"
    );
    let python = venv.join("bin").join("python");
    let requirements = files().join("requirements.txt");
    let mut pip = Command::new(&python);
    pip.args(["-m", "pip", "install", "--disable-pip-version-check", "--quiet", "--timeout", "60", "--retries", "5", "-r"]).arg(&requirements);
    let st = run(pip, INSTALL_TIMEOUT, "pip install");
    assert!(st.success(), "pip install -r {} failed (PyPI unreachable?)", requirements.display());
    python
}

/// Runs `cmd` to completion, killing it (and failing) after `timeout`.
fn run(mut cmd: Command, timeout: Duration, what: &str) -> std::process::ExitStatus {
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish within {} s", timeout.as_secs());
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The JSON report Schemathesis wrote into `dir`.
fn report(dir: &Path) -> serde_json::Value {
    let file = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("no report directory {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .unwrap_or_else(|| panic!("no JSON report in {}", dir.display()));
    serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap()
}

/// Cases of `operation` the API accepted (2xx) in any phase.
fn accepted(report: &serde_json::Value, operation: &str) -> u64 {
    report["valid_rates"][operation].as_object().map_or(0, |phases| phases.values().filter_map(|p| p["accepted"].as_u64()).sum())
}

#[test]
fn schemathesis_finds_nothing_against_a_devnet() {
    if !enabled() {
        eprintln!("schemathesis run skipped (set CI=true or VELLUM_SCHEMATHESIS=1)");
        return;
    }
    let started = Instant::now();
    let work = tempfile::tempdir().unwrap();
    let python = install(work.path());
    let installed = started.elapsed();

    let dir = work.path().join("devnet");
    let (_devnet, apis) = common::devnet_up(&dir);
    let api = apis[0].clone();
    common::wait_height(&api, 2, 60, "devnet start");

    let examples = std::env::var("VELLUM_SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| "50".into());
    let reports = work.path().join("report");
    let files = files();
    let mut cmd = Command::new(&python);
    cmd.current_dir(work.path())
        .env("VELLUM_API", &api)
        .env("VELLUM_KEY_FILE", dir.join("keys/auditor.key"))
        .env("VELLUM_TX_KEY_FILE", dir.join("keys/issuer.key"))
        .env("SCHEMATHESIS_HOOKS", files.join("hooks.py"))
        .args(["-m", "schemathesis.cli", "--config-file"])
        .arg(files.join("schemathesis.toml"))
        .arg("run")
        .arg(format!("{api}/v1/openapi.json"))
        .args(["--checks", "all", "--phases", "examples,coverage,fuzzing,stateful", "--max-examples", &examples])
        .args(["--generation-database", "none", "--no-color", "--report", "json", "--report-dir"])
        .arg(&reports);
    if let Ok(seed) = std::env::var("VELLUM_SCHEMATHESIS_SEED") {
        cmd.args(["--seed", &seed]);
    }
    let run_started = Instant::now();
    let status = run(cmd, RUN_TIMEOUT, "schemathesis");
    let ran = run_started.elapsed();

    // No report at all means Schemathesis did not start (hooks import, option, config key):
    // its own exit status and output (above) say why.
    assert!(reports.exists(), "schemathesis exited with {status} and wrote no report: see its output above");
    let report = report(&reports);
    assert_eq!(report["failures"].as_array().map(Vec::len), Some(0), "failures: {:#}", report["failures"]);
    assert_eq!(report["errors"].as_array().map(Vec::len), Some(0), "errors: {:#}", report["errors"]);
    assert!(status.success(), "schemathesis exited with {status}");
    for phase in ["coverage", "fuzzing", "stateful"] {
        assert_eq!(report["phases"][phase]["status"], "success", "phase {phase}: {:#}", report["phases"]);
    }
    let operations = report["operations"]["tested"].as_u64().unwrap();
    assert!(operations >= 29, "operations tested: {:#}", report["operations"]);
    let generated = report["test_cases"]["generated"].as_u64().unwrap();
    assert!(generated >= 10 * operations, "only {generated} cases generated");
    // The hooks worked: real transactions were admitted, signed protected reads accepted.
    assert!(accepted(&report, "POST /v1/tx") > 0, "no transaction admitted: {:#}", report["valid_rates"]["POST /v1/tx"]);
    assert!(accepted(&report, "GET /v1/holds") > 0, "no signed read accepted: {:#}", report["valid_rates"]["GET /v1/holds"]);
    eprintln!(
        "schemathesis: {generated} cases over {operations} operations, no failures (seed: see its output); install {} s, run {} s, whole test {} s",
        installed.as_secs(),
        ran.as_secs(),
        started.elapsed().as_secs()
    );
}

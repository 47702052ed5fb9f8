//! A bounded cargo-fuzz run of every fuzz target (`fuzz/`), for CI: installs cargo-fuzz if it
//! is missing, then runs each target for `VELLUM_FUZZ_SECONDS` (default 20 when `CI=true`,
//! otherwise skipped so a local `cargo test` stays quick) over its corpus. New inputs go to a
//! temporary directory, so the repository's corpus is not modified. Any crash fails the test.

use std::path::Path;
use std::process::Command;

fn seconds() -> u64 {
    match std::env::var("VELLUM_FUZZ_SECONDS") {
        Ok(s) => s.parse().expect("VELLUM_FUZZ_SECONDS is a number"),
        Err(_) if std::env::var("CI").is_ok_and(|v| v == "true") => 20,
        Err(_) => 0,
    }
}

#[test]
fn every_fuzz_target_runs_without_a_crash() {
    let secs = seconds();
    if secs == 0 {
        eprintln!("fuzz run skipped (set VELLUM_FUZZ_SECONDS or CI=true)");
        return;
    }
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let have = Command::new("cargo").args(["fuzz", "--version"]).output().is_ok_and(|o| o.status.success());
    if !have {
        let st = Command::new("cargo").args(["install", "cargo-fuzz", "--locked"]).status().expect("run cargo install");
        assert!(st.success(), "cannot install cargo-fuzz");
    }
    let manifest = std::fs::read_to_string(fuzz.join("Cargo.toml")).unwrap();
    let targets: Vec<&str> = manifest
        .lines()
        .filter_map(|l| l.strip_prefix("name = \"").and_then(|r| r.strip_suffix('"')))
        .filter(|n| *n != "vellum-fuzz")
        .collect();
    assert!(targets.len() >= 5, "fuzz targets: {targets:?}");
    for t in targets {
        let fresh = tempfile::tempdir().unwrap();
        let st = Command::new("cargo")
            .current_dir(&fuzz)
            .env("RUSTC_BOOTSTRAP", "1")
            .args(["fuzz", "run", "-O", t])
            .arg(fresh.path())
            .arg(format!("corpus/{t}"))
            .args(["--", &format!("-max_total_time={secs}"), "-max_len=20000"])
            .status()
            .expect("run cargo fuzz");
        assert!(st.success(), "fuzz target {t} failed (see fuzz/artifacts/{t})");
    }
}

//! Security checks, for CI (run when `CI=true` or `VELLUM_SECURITY=1`; a local `cargo test`
//! skips them to stay quick):
//! - dependency licences, bans and sources with cargo-deny (`deny.toml`; needs no advisory
//!   database) — the RustSec advisories check needs the database from GitHub, so it runs only
//!   when `VELLUM_ADVISORIES=1` says it is reachable;
//! - clippy on every target with warnings denied (its own target directory, so it does not
//!   wait on the lock of the build running this test);
//! - overflow checks stay on in release builds (always checked).

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn enabled() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true") || std::env::var("VELLUM_SECURITY").is_ok_and(|v| v == "1")
}

#[test]
fn release_builds_keep_overflow_checks() {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let release = manifest.split("[profile.release]").nth(1).expect("a [profile.release] section");
    let section = release.split("\n[").next().unwrap();
    assert!(section.contains("overflow-checks = true"), "[profile.release] must keep overflow-checks = true");
}

#[test]
fn dependencies_pass_cargo_deny() {
    if !enabled() {
        eprintln!("cargo-deny skipped (set CI=true or VELLUM_SECURITY=1)");
        return;
    }
    let have = Command::new("cargo").args(["deny", "--version"]).output().is_ok_and(|o| o.status.success());
    if !have {
        let st = Command::new("cargo").args(["install", "cargo-deny", "--locked"]).status().expect("run cargo install");
        assert!(st.success(), "cannot install cargo-deny");
    }
    let mut checks = vec!["licenses", "bans", "sources"];
    if std::env::var("VELLUM_ADVISORIES").is_ok_and(|v| v == "1") {
        checks.push("advisories");
    }
    // No `--offline`: `cargo metadata` may need manifests of platform-specific crates the build
    // never downloaded (from crates.io, which CI reaches). Without the advisories check
    // cargo-deny fetches no advisory database.
    let st = Command::new("cargo").current_dir(root()).args(["deny", "check"]).args(&checks).status().expect("run cargo deny");
    assert!(st.success(), "cargo deny check {checks:?} failed");
}

#[test]
fn clippy_finds_nothing() {
    if !enabled() {
        eprintln!("clippy skipped (set CI=true or VELLUM_SECURITY=1)");
        return;
    }
    let root = root();
    let st = Command::new("cargo")
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", root.join("target").join("clippy"))
        .args(["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"])
        .status()
        .expect("run cargo clippy");
    assert!(st.success(), "clippy reported warnings");
}

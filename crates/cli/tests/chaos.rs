//! Fault injection on real processes (short CI run of `vellum chaos`): a 4-validator devnet
//! under load while validators are killed, stopped, wiped and partitioned through the
//! fault-injecting proxies; the checker must find every finalized transaction on every
//! validator, identical headers at every common height and conserved balances.

mod common;

use common::{BIN, free_ports};

#[test]
fn faults_never_lose_finalized_transactions_or_fork() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("chaos");
    let p2p = free_ports(4);
    let api = free_ports(4);
    let proxy = free_ports(16);
    let seed = std::env::var("VELLUM_CHAOS_SEED").unwrap_or_else(|_| "7".into());
    let seconds = std::env::var("VELLUM_CHAOS_SECONDS").unwrap_or_else(|_| "45".into());
    let out = std::process::Command::new(BIN)
        .args([
            "--json", "chaos", "--dir", dir.to_str().unwrap(), "--seconds", &seconds, "--seed", &seed,
            "--p2p-port", &p2p.to_string(), "--api-port", &api.to_string(), "--proxy-port", &proxy.to_string(),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "chaos failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(report["check"]["ok"], true, "{report}");
    assert!(report["faults"].as_array().unwrap().len() >= 5, "{report}");
    assert!(report["finalized"].as_u64().unwrap() > 100, "load kept flowing: {report}");
    assert_eq!(report["lost"], 0, "every admitted load transaction finalized: {report}");
    assert_eq!(report["submitted"], report["finalized"], "{report}");
    let tips = report["check"]["tips"].as_array().unwrap();
    assert!(tips.iter().all(|t| t == &tips[0]), "{report}");
}

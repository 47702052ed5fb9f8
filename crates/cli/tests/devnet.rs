//! Real processes on loopback: a devnet of 4 validator processes; transactions submitted over
//! HTTP; one validator `kill -9`ed and restarted, another restarted with its data directory
//! wiped; all four converge on the same blocks and state root.

mod common;

use common::*;
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

fn pids(dir: &Path) -> Vec<i32> {
    std::fs::read_to_string(dir.join("devnet.pids")).unwrap().split_whitespace().map(|p| p.parse().unwrap()).collect()
}

fn open_account(client: &str, n: u32) {
    let dir = Path::new(client).parent().unwrap();
    let key = dir.join(format!("user-{n}.key"));
    let k = json(&["key", "new", "--plain", "--insecure-plain-keys", "--out", key.to_str().unwrap()]);
    let id_file = dir.join(format!("user-{n}.id"));
    std::fs::write(&id_file, format!("identity record {n}")).unwrap();
    let r = json(&[
        "account", "open", "--client", client, "--public-key", k["public_key"].as_str().unwrap(),
        "--identity-file", id_file.to_str().unwrap(),
    ]);
    assert_eq!(r["tx"]["status"], "finalized", "{r}");
}

/// Waits until every API has finalized past `target`, then checks all agree on the header
/// (hash, state root, log root) at `target`.
fn converge(apis: &[String], target: u64, dir: &Path) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let heights: Vec<u64> = apis.iter().map(|a| status(a).and_then(|s| s["height"].as_u64()).unwrap_or(0)).collect();
        if heights.iter().all(|h| *h >= target) {
            break;
        }
        if Instant::now() >= deadline {
            let logs: Vec<String> = (0..apis.len())
                .map(|i| {
                    let log = String::from_utf8_lossy(&std::fs::read(dir.join(format!("v{i}")).join("node.log")).unwrap_or_default()).to_string();
                    let tail: Vec<&str> = log.lines().rev().take(12).collect();
                    format!("v{i}:\n{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"))
                })
                .collect();
            panic!("validators did not reach height {target}: {heights:?}\n{}", logs.join("\n"));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let headers: Vec<serde_json::Value> = apis.iter().map(|a| block(a, target).expect("header at target")).collect();
    for h in &headers[1..] {
        assert_eq!(h["hash"], headers[0]["hash"], "validators disagree at height {target}");
        assert_eq!(h["state_root"], headers[0]["state_root"]);
        assert_eq!(h["log_root"], headers[0]["log_root"]);
    }
}

#[test]
fn devnet_survives_kill_and_wipe() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let (mut net, apis) = devnet_up(&dir);
    assert_eq!(apis.len(), 4);
    let client = dir.join("client.toml");
    let client = client.to_str().unwrap();
    for n in 0..3 {
        open_account(client, n);
    }

    // kill -9 one validator; the other three keep finalizing transactions.
    let victim = pids(&dir)[3];
    unsafe { libc_kill(victim, 9) };
    let before = status(&apis[0]).unwrap()["height"].as_u64().unwrap();
    for n in 3..6 {
        open_account(client, n);
    }
    let after = status(&apis[0]).unwrap()["height"].as_u64().unwrap();
    assert!(after > before, "with one of four down, blocks keep finalizing");

    // Restart it on the same data: it replays, catches up, and agrees.
    net.extra.push(spawn_node(&dir, 3));
    let target = status(&apis[0]).unwrap()["height"].as_u64().unwrap() + 5;
    converge(&apis, target, &dir);

    // Wipe another validator's data directory and restart it: it backfills from its peers.
    let victim = pids(&dir)[2];
    unsafe { libc_kill(victim, 9) };
    std::thread::sleep(Duration::from_millis(300));
    std::fs::remove_dir_all(dir.join("v2").join("data")).unwrap();
    for n in 6..8 {
        open_account(client, n);
    }
    net.extra.push(spawn_node(&dir, 2));
    let target = status(&apis[0]).unwrap()["height"].as_u64().unwrap() + 5;
    converge(&apis, target, &dir);
    let finals: Vec<u64> = apis.iter().map(|a| status(a).unwrap()["log_size"].as_u64().unwrap()).collect();
    assert!(finals.iter().all(|s| *s >= 8), "every account opening is in every log: {finals:?}");
}

fn spawn_node(dir: &Path, i: usize) -> Child {
    let vdir = dir.join(format!("v{i}"));
    let log = std::fs::OpenOptions::new().create(true).append(true).open(vdir.join("node.log")).unwrap();
    Command::new(BIN)
        .arg("node")
        .arg("--insecure-plain-keys")
        .arg("--config")
        .arg(vdir.join("node.toml"))
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap()
}

unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

#[test]
fn bad_input_is_refused_with_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    // Unknown config file, bad key file.
    let (ok, text) = vellum(&["node", "--config", tmp.path().join("missing.toml").to_str().unwrap()]);
    assert!(!ok && text.contains("cannot read"), "{text}");
    let bad = tmp.path().join("bad.key");
    std::fs::write(&bad, "ed25519:nothex").unwrap();
    let (ok, text) = vellum(&["key", "show", bad.to_str().unwrap()]);
    assert!(!ok && text.contains("not a key file"), "{text}");
    let (ok, text) = vellum(&["devnet", "up", "--dir", tmp.path().to_str().unwrap(), "--validators", "0"]);
    assert!(!ok && text.contains("--validators"), "{text}");
    let (ok, text) = vellum(&["devnet", "down", "--dir", tmp.path().to_str().unwrap()]);
    assert!(!ok && text.contains("no devnet"), "{text}");
}

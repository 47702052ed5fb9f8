//! Clients survive what the network survives, on real processes (a 4-validator devnet):
//! - open-loop transfer and registration load from several senders while one validator is
//!   `kill -9`ed and restarted, then validator 0 — the first of the client config — is killed
//!   for good: the load generator loses nothing (every transaction finalized, none stuck
//!   behind a nonce gap), and every CLI command keeps working with validator 0 down;
//! - a transaction accepted by a validator that then crashes, before any other validator could
//!   hold it, still finalizes (durable acceptance: replayed from its disk on restart);
//! - a lying node in the client config (forged balance, forged "finalized") is outvoted by
//!   verified reads.

mod common;

use common::*;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn pids(dir: &Path) -> Vec<i32> {
    std::fs::read_to_string(dir.join("devnet.pids")).unwrap().split_whitespace().map(|p| p.parse().unwrap()).collect()
}

fn kill9(pid: i32) {
    unsafe { libc::kill(pid, libc::SIGKILL) };
}

fn spawn_node(dir: &Path, i: usize) -> Child {
    let vdir = dir.join(format!("v{i}"));
    let log = std::fs::OpenOptions::new().create(true).append(true).open(vdir.join("node.log")).unwrap();
    Command::new(BIN).arg("node").arg("--insecure-plain-keys").arg("--config").arg(vdir.join("node.toml")).stdout(log.try_clone().unwrap()).stderr(log).spawn().unwrap()
}

fn run(args: &[&str]) -> (bool, String) {
    vellum(args)
}

/// Waits until the log of the validator at `api` holds at least `size` entries.
fn wait_log(api: &str, size: u64, within: Duration) {
    let start = Instant::now();
    while status(api).and_then(|s| s["log_size"].as_u64()).unwrap_or(0) < size {
        assert!(start.elapsed() < within, "log of {api} did not reach {size} entries");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn load_and_cli_survive_killed_validators() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let (mut net, apis) = devnet_up(&dir);
    let client = dir.join("client.toml");
    let c = client.to_str().unwrap();
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let log0 = status(&apis[1]).unwrap()["log_size"].as_u64().unwrap();

    // Open-loop load: half transfers, half proof registrations, from four senders.
    const TXS: u64 = 600;
    let bench = Command::new(BIN)
        .args(["--json", "bench", "--client", c, "--scenario", "mixed", "--senders", "4", "--txs", &TXS.to_string(), "--rate", "50", "--idle-seconds", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Preparation (accounts, token, roles) takes a few dozen transactions; then the load runs.
    wait_log(&apis[1], log0 + 60, Duration::from_secs(120));
    let victims = pids(&dir);
    kill9(victims[2]);
    std::thread::sleep(Duration::from_secs(3));
    net.extra.push(spawn_node(&dir, 2));
    std::thread::sleep(Duration::from_secs(2));
    // Validator 0, the first API of the client config, goes down for the rest of the test.
    kill9(victims[0]);

    let out = bench.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "bench failed: {text}{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(report["txs_submitted"], TXS, "{report}");
    assert_eq!(report["txs_finalized"], TXS, "every submitted transaction finalized: {report}");
    assert_eq!(report["txs_not_final"], 0, "{report}");

    // Every CLI command works with validator 0 down (its address is first in client.toml).
    let s = json(&["status", "--client", c]);
    assert!(s["height"].as_u64().unwrap() > 0);
    let k = json(&["key", "new", "--plain", "--insecure-plain-keys", "--out", dir.join("keys").join("dana.key").to_str().unwrap()]);
    let id_file = work.join("dana.id");
    std::fs::write(&id_file, "Dana, passport D4").unwrap();
    let opened = json(&["account", "open", "--client", c, "--public-key", k["public_key"].as_str().unwrap(), "--identity-file", id_file.to_str().unwrap(), "--label", "dana"]);
    assert_eq!(opened["tx"]["status"], "finalized", "{opened}");
    let tx = opened["tx"]["tx_hash"].as_str().unwrap().to_string();
    let st = json(&["tx", "status", "--client", c, &tx]);
    assert_eq!(st["status"], "finalized", "{st}");
    assert_eq!(st["height"], opened["tx"]["height"], "{st}");
    json(&["balance", "--client", c, "--key", "dana"]);
    json(&["history", "--client", c, "--key", "dana"]);
    let doc = work.join("diploma.pdf");
    std::fs::write(&doc, b"%PDF diploma of Dana").unwrap();
    let proofs = work.join("proofs");
    let reg = json(&["proof", "register", "--client", c, "--out-dir", proofs.to_str().unwrap(), doc.to_str().unwrap()]);
    let proof_id = reg["proof_id"].as_str().unwrap().to_string();
    let show = json(&["proof", "show", "--client", c, "--key", "auditor", "--proof", &proof_id]);
    assert!(show["record"].is_object(), "{show}");
    let bundle = work.join("diploma.vellum");
    let (ok, text) = run(&["proof", "bundle", "--client", c, "--manifests", proofs.to_str().unwrap(), doc.to_str().unwrap(), "--out", bundle.to_str().unwrap()]);
    assert!(ok, "{text}");
    let v = json(&["verify", bundle.to_str().unwrap(), "--file", doc.to_str().unwrap(), "--checkpoint", s["genesis_hash"].as_str().unwrap()]);
    assert_eq!(v["document"], "matched", "{v}");
    let (ok, text) = run(&["log", "checkpoint", "--client", c, "--out", work.join("cp.note").to_str().unwrap()]);
    assert!(ok, "log checkpoint with validator 0 down: {text}");
    let (ok, text) = run(&["gov", "list", "--client", c]);
    assert!(ok, "gov proposals with validator 0 down: {text}");
}

#[test]
fn accepted_transaction_survives_the_crash_of_its_validator() {
    use vellum_types::{Role, Transaction, TxBody, UnsignedTx};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let (mut net, apis) = devnet_up(&dir);
    let all = pids(&dir);
    let height = status(&apis[3]).unwrap()["height"].as_u64().unwrap();

    // Validators 0–2 die: validator 3 can admit a transaction but reach nobody with it.
    for p in &all[..3] {
        kill9(*p);
    }
    std::thread::sleep(Duration::from_millis(300));
    let text = std::fs::read_to_string(dir.join("keys").join("registrar.key")).unwrap();
    let (scheme, hex_key) = text.trim().split_once(':').unwrap();
    let mut seed = [0u8; 32];
    hex::decode_to_slice(hex_key, &mut seed).unwrap();
    let registrar = vellum_crypto::SecretKey::from_bytes(scheme, seed).unwrap();
    let newcomer = vellum_crypto::SecretKey::from_bytes("ed25519", [42; 32]).unwrap();
    let chain_id = status(&apis[3]).unwrap()["chain_id"].as_str().unwrap().to_string();
    let unsigned = UnsignedTx {
        chain_id,
        sender: registrar.public_key().account_id(),
        nonce: 0,
        expiry_height: height + 10_000,
        body: TxBody::OpenAccount { public_key: newcomer.public_key(), kyc_commitment: Some([9; 32]), label: "durable".into(), role: Role::User, subledger: None, kyc: None },
    };
    let tx = Transaction { signatures: vec![registrar.sign_tx(&unsigned)], unsigned };
    let (code, body) = post(&apis[3], "/v1/tx", &tx.to_wire());
    assert_eq!(code, 202, "{body}");
    // …and crashes right after answering `accepted`.
    kill9(all[3]);
    std::thread::sleep(Duration::from_millis(300));

    for i in 0..4 {
        net.extra.push(spawn_node(&dir, i));
    }
    let hash = tx.id().to_hex();
    let start = Instant::now();
    loop {
        let v = http_json(&apis[1], &format!("/v1/tx/{hash}"));
        if v.as_ref().is_some_and(|v| v["status"] == "finalized") {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(90), "accepted transaction lost with its validator: {v:?}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// A raw HTTP POST of bytes; the status and body.
fn post(api: &str, path: &str, body: &[u8]) -> (u16, String) {
    use std::io::{Read, Write};
    let addr = api.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()).unwrap();
    s.write_all(body).unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let code = text.split_whitespace().nth(1).unwrap().parse().unwrap();
    (code, text.split("\r\n\r\n").nth(1).unwrap_or_default().to_string())
}

/// A node that lies: answers every request but `/v1/status` (passed through from `real`, so
/// the client's genesis pin holds) with the same forged JSON — a huge balance, or
/// "finalized" for any transaction — as a compromised validator's API could.
fn liar(real: String, body: &'static str) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 65_536];
            let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
            let n = s.read(&mut buf).unwrap_or(0);
            let request = String::from_utf8_lossy(&buf[..n]);
            let answer = if request.starts_with("GET /v1/status ") { http_text(&real, "/v1/status").unwrap_or_default() } else { body.to_string() };
            let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}", answer.len());
        }
    });
    format!("http://{addr}")
}

#[test]
fn verified_reads_outvote_a_lying_node() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let (_net, apis) = devnet_up(&dir);
    let real = dir.join("client.toml");
    let text = std::fs::read_to_string(&real).unwrap();

    // A client config whose first node lies about everything.
    let forged_balance = r#"{"account":{"id":"00"},"balances":[{"token":"VLM","decimals":0,"available":"999999999","held":"0","available_display":"999999999","held_display":"0"}]}"#;
    let forged_final = r#"{"tx_hash":"ab","status":"finalized","height":7,"index":0,"log_index":3}"#;
    for (name, body) in [("balance", forged_balance), ("final", forged_final)] {
        let lying = liar(apis[1].clone(), body);
        let mut cfg: toml::Value = toml::from_str(&text).unwrap();
        let list = cfg["api"].as_array_mut().unwrap();
        list[0] = toml::Value::String(lying.clone());
        let path = dir.join(format!("client-{name}.toml"));
        std::fs::write(&path, toml::to_string(&cfg).unwrap()).unwrap();
        let c = path.to_str().unwrap();
        match name {
            "balance" => {
                // Verified (default): the three honest validators' answer, not the forgery.
                let v = json(&["balance", "--client", c, "--key", "registrar"]);
                assert_ne!(v["balances"][0]["available"], "999999999", "forged balance believed: {v}");
                // Trusting one node shows what the forgery would have done.
                let (_, trusted) = run(&["--json", "balance", "--client", c, "--key", "registrar", "--trust-node"]);
                assert!(trusted.contains("999999999"), "--trust-node reads the first node: {trusted}");
            }
            _ => {
                let unknown = "11".repeat(32);
                // The three honest validators agree: unknown. The forgery is outvoted.
                let (ok, out) = run(&["--json", "tx", "status", "--client", c, &unknown]);
                assert!(!ok && out.contains("unknown_tx") && !out.contains("\"finalized\""), "forged finality believed: {out}");
                // A malformed hash is a clear error, agreed by the honest validators.
                let (ok, out) = run(&["tx", "status", "--client", c, "not-a-hash"]);
                assert!(!ok && out.contains("bad_hash") && out.contains("64 hex"), "{out}");
                let (_, trusted) = run(&["--json", "tx", "status", "--client", c, &unknown, "--trust-node"]);
                assert!(trusted.contains("finalized"), "--trust-node reads the first node: {trusted}");
            }
        }
    }
}

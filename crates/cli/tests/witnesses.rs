//! Witnesses on real processes, with validator 0 killed: two `vellum witness serve` processes
//! cosign the devnet's checkpoints as the log grows (each after a consistency proof from the
//! last one it cosigned); a checkpoint verifies under a 2-of-2 witness policy. A forged
//! checkpoint signed by a quorum of validator keys (what a quorum of retired keys could make) —
//! a split view at the witnessed size, or another history — is refused and recorded by the
//! witnesses, and fails the witness policy although the genesis keys' signatures check out.

mod common;

use common::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

struct WitnessProcess {
    child: Child,
    url: String,
    policy_line: String,
}

impl Drop for WitnessProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_witness(dir: &Path, name: &str, genesis: &Path) -> WitnessProcess {
    let key = dir.join(format!("{}.key", name.replace('/', "_")));
    json(&["key", "new", "--plain", "--scheme", "ed25519", "--out", key.to_str().unwrap()]);
    let state = dir.join(name.replace('/', "_"));
    let mut child = Command::new(BIN)
        .args(["--json", "witness", "serve", "--key", key.to_str().unwrap(), "--name", name, "--genesis", genesis.to_str().unwrap()])
        .args(["--state", state.to_str().unwrap(), "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    WitnessProcess { child, url: v["listening"].as_str().unwrap().into(), policy_line: v["policy_line"].as_str().unwrap().into() }
}

/// `POST /add-checkpoint` with `body`; the status code and the answer.
fn post(url: &str, body: &str) -> (u16, String) {
    let addr = url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "POST /add-checkpoint HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let code = text.split_whitespace().nth(1).unwrap().parse().unwrap();
    (code, text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default())
}

/// A checkpoint note of `size` with `root`, signed by the note keys of validators 1..=3 (read
/// from the devnet's validator key files): what a quorum of (retired) validator keys can sign.
fn forge(devnet: &Path, size: u64, root: [u8; 32]) -> String {
    let genesis: toml::Value = toml::from_str(&std::fs::read_to_string(devnet.join("genesis.toml")).unwrap()).unwrap();
    let chain = genesis["chain_id"].as_str().unwrap();
    let validators = genesis["validators"].as_array().unwrap();
    let mut cp = vellum_evidence::checkpoint::Checkpoint::new(chain, size, root);
    for i in 1..=3 {
        let seed: [u8; 32] = hex::decode(std::fs::read_to_string(devnet.join(format!("v{i}/validator.key"))).unwrap().trim()).unwrap().try_into().unwrap();
        let key = vellum_crypto::SecretKey::from_bytes("ed25519", seed).unwrap();
        let name = validators.iter().find(|v| hex::decode(v["consensus_key"].as_str().unwrap()).unwrap() == key.public_key().key_bytes()).unwrap()["name"].as_str().unwrap();
        cp.sign(&format!("{chain}/{name}"), &key);
    }
    cp.to_note()
}

#[test]
fn witnesses_cosign_a_growing_log_and_refuse_forgeries() {
    let tmp = tempfile::tempdir().unwrap();
    let (_guard, client) = devnet_one_down(tmp.path());
    let c = client.as_str();
    let devnet = tmp.path().join("devnet");
    let genesis = devnet.join("genesis.toml");
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let w1 = start_witness(&work, "witness.example/w1", &genesis);
    let w2 = start_witness(&work, "witness.example/w2", &genesis);
    let policy = work.join("policy.txt");
    std::fs::write(&policy, format!("{}\n{}\nquorum 2\n", w1.policy_line, w2.policy_line)).unwrap();
    let doc = work.join("a.pdf");
    let register = |text: &str| {
        std::fs::write(&doc, text).unwrap();
        json(&["proof", "register", "--client", c, "--out-dir", work.join("proofs").to_str().unwrap(), doc.to_str().unwrap()]);
    };

    // Two checkpoints as the log grows: both witnesses cosign each.
    register("first document");
    let a = work.join("a.note");
    let v = json(&["log", "checkpoint", "--client", c, "--out", a.to_str().unwrap(), "--witness", &w1.url, "--witness", &w2.url]);
    assert_eq!(v["cosignatures"], 2, "{v}");
    let v = json(&["log", "verify", a.to_str().unwrap(), "--genesis", genesis.to_str().unwrap(), "--witnesses", policy.to_str().unwrap()]);
    assert_eq!(v["witnesses"]["cosignatures"], 2, "{v}");
    register("second document");
    let b = work.join("b.note");
    let v = json(&["log", "checkpoint", "--client", c, "--out", b.to_str().unwrap(), "--witness", &w1.url, "--witness", &w2.url]);
    assert_eq!(v["cosignatures"], 2, "a consistency proof from the first checkpoint: {v}");
    let size = v["size"].as_u64().unwrap();
    json(&["log", "verify", b.to_str().unwrap(), "--genesis", genesis.to_str().unwrap(), "--witnesses", policy.to_str().unwrap()]);

    // A split view: another root at the witnessed size, signed by a quorum of validator keys.
    let forged = forge(&devnet, size, [0xab; 32]);
    let (code, text) = post(&w1.url, &format!("old {size}\n\n{forged}"));
    assert_eq!(code, 409, "{text}");
    assert!(text.contains("split view"), "{text}");
    let recorded = std::fs::read_to_string(work.join("witness.example_w1/split-views.log")).unwrap();
    assert!(recorded.contains(&format!("split view at size {size}")), "{recorded}");
    // Another history further on: no consistency proof from what the witness saw.
    let bogus = forge(&devnet, size + 3, [0xcd; 32]);
    let body = vellum_evidence::witness::AddCheckpoint { old: size, proof: vec![[1; 32]], checkpoint: vellum_evidence::checkpoint::Checkpoint::parse(&bogus).unwrap() };
    let (code, text) = post(&w2.url, &body.to_body());
    assert_eq!(code, 422, "{text}");
    // The forgery passes a genesis-keys-only check, and fails the witness policy.
    let forged_file = work.join("forged.note");
    std::fs::write(&forged_file, &forged).unwrap();
    json(&["log", "verify", forged_file.to_str().unwrap(), "--genesis", genesis.to_str().unwrap()]);
    let (ok, text) = vellum(&["log", "verify", forged_file.to_str().unwrap(), "--genesis", genesis.to_str().unwrap(), "--witnesses", policy.to_str().unwrap()]);
    assert!(!ok && text.contains("witness policy"), "{text}");
    // A bundle whose header's log the witnesses cosigned: verified under the policy offline; a
    // cosigned checkpoint of another log state does not vouch for it.
    let bundle = work.join("a.vellum");
    let b = json(&[
        "proof", "bundle", "--client", c, "--manifests", work.join("proofs").to_str().unwrap(), doc.to_str().unwrap(), "--out", bundle.to_str().unwrap(),
        "--witness", &w1.url, "--witness", &w2.url,
    ]);
    assert_eq!(b["witnessed"]["cosignatures"], 2, "{b}");
    let v = json(&["verify", bundle.to_str().unwrap(), "--witnesses", policy.to_str().unwrap()]);
    assert_eq!(v["witness_cosignatures"], 2, "{v}");
    let (ok, text) = vellum(&["verify", bundle.to_str().unwrap(), "--witnesses", policy.to_str().unwrap(), "--witnessed", a.to_str().unwrap()]);
    assert!(!ok && text.contains("not the checkpoint of the bundle's header"), "{text}");
    let one = work.join("one-witness.txt");
    std::fs::write(&one, format!("{}
quorum 1
", w1.policy_line)).unwrap();
    json(&["verify", bundle.to_str().unwrap(), "--witnesses", one.to_str().unwrap()]);

    // The witnesses were not moved: the next real checkpoint is still cosigned by both.
    register("third document");
    let v = json(&["log", "checkpoint", "--client", c, "--out", work.join("c.note").to_str().unwrap(), "--witness", &w1.url, "--witness", &w2.url]);
    assert_eq!(v["cosignatures"], 2, "{v}");
}

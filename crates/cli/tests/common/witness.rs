#![allow(dead_code)] // each test uses a part of this helper
//! Witness processes for real-process tests: start `vellum witness serve`, post raw
//! add-checkpoint requests, and forge checkpoints with the devnet's validator keys.

use super::common::{BIN, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

pub struct WitnessProcess {
    child: Child,
    pub url: String,
    pub policy_line: String,
}

impl Drop for WitnessProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start_witness(dir: &Path, name: &str, genesis: &Path) -> WitnessProcess {
    let key = dir.join(format!("{}.key", name.replace('/', "_")));
    json(&["key", "new", "--plain", "--insecure-plain-keys", "--scheme", "ed25519", "--out", key.to_str().unwrap()]);
    let state = dir.join(name.replace('/', "_"));
    let mut child = Command::new(BIN)
        .args(["--json", "--insecure-plain-keys", "witness", "serve", "--key", key.to_str().unwrap(), "--name", name, "--genesis", genesis.to_str().unwrap()])
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
pub fn post(url: &str, body: &str) -> (u16, String) {
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
pub fn forge(devnet: &Path, size: u64, root: [u8; 32]) -> String {
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


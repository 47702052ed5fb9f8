//! A validator-set change on a running devnet of real processes: a new validator joins as a
//! follower, governance adds it, it proposes from the next epoch; a genesis validator is then
//! removed and stopped without the chain pausing; evidence and log checkpoints made afterwards
//! verify offline from the genesis by following both changes.

mod common;

use common::*;
use std::time::{Duration, Instant};

/// Epochs short enough for a test: changes take effect within a few seconds.
const EPOCH_LENGTH_BLOCKS: &str = "20";


fn set_names(v: &serde_json::Value) -> Vec<String> {
    let mut names: Vec<String> =
        v["validator_set"]["validators"].as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap().to_string()).collect();
    names.sort();
    names
}

/// Polls `api`'s `/v1/validators` until `done` holds (60 s at most).
fn wait_validators(api: &str, what: &str, done: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let start = Instant::now();
    loop {
        if let Some(v) = http_json(api, "/v1/validators?window=100000") {
            if done(&v) {
                return v;
            }
            assert!(start.elapsed() < Duration::from_secs(60), "{what}: not reached in 60 s; last {v}");
        }
        assert!(start.elapsed() < Duration::from_secs(60), "{what}: {api} does not answer");
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn height(api: &str) -> u64 {
    status(api).and_then(|s| s["height"].as_u64()).unwrap_or(0)
}

fn proposed(v: &serde_json::Value, name: &str) -> u64 {
    v["validators"].as_array().unwrap().iter().find(|x| x["name"] == name).and_then(|x| x["proposed"].as_u64()).unwrap_or(0)
}

#[test]
fn validator_joins_and_another_leaves_on_a_running_devnet() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let d = dir.to_str().unwrap();
    let (_guard, apis) = devnet_up_with(&dir, 6, &["--epoch-length-blocks", EPOCH_LENGTH_BLOCKS]);
    let c = dir.join("client.toml");
    let c = c.to_str().unwrap();

    // A fifth validator starts outside the set: it serves its API but nobody talks to it.
    let joined = json(&["devnet", "join", "--dir", d]);
    assert_eq!(joined["name"], "v4", "{joined}");
    let v4_api = joined["api"].as_str().unwrap().to_string();
    let key = joined["consensus_key"].as_str().unwrap();
    // The client config gains v4's API and stays relocatable (relative keys folder).
    let client_toml: toml::Table = std::fs::read_to_string(dir.join("client.toml")).unwrap().parse().unwrap();
    assert_eq!(client_toml["keys_dir"].as_str(), Some("keys"), "{client_toml}");
    assert!(client_toml["api"].as_array().unwrap().iter().any(|a| a.as_str() == Some(v4_api.as_str())), "{client_toml}");
    let v = http_json(&apis[0], "/v1/validators").unwrap();
    assert_eq!(set_names(&v), ["v0", "v1", "v2", "v3"]);

    // Governance adds it: pending at once, in the set from the next epoch boundary.
    let added = json(&["gov", "add-validator", "--client", c, "--name", "v4", "--key", key, "--address", joined["address"].as_str().unwrap()]);
    assert_eq!(added["proposal"]["status"]["state"], "executed", "{added}");
    let v = wait_validators(&apis[0], "v4 in the set", |v| set_names(v).contains(&"v4".to_string()));
    let epoch_added = v["epoch"].as_u64().unwrap();
    assert!(epoch_added >= 1, "a change never applies inside the epoch that approved it: {v}");
    // It caught up (marshal backfill) and now proposes blocks the others finalize.
    wait_validators(&apis[1], "v4 proposes", |v| proposed(v, "v4") >= 2);
    let start = Instant::now();
    while height(&v4_api) + 5 < height(&apis[0]) {
        assert!(start.elapsed() < Duration::from_secs(60), "v4 did not catch up");
        std::thread::sleep(Duration::from_millis(250));
    }

    // Governance removes genesis validator v1; once out of the set it is stopped, and the
    // four remaining validators keep finalizing.
    let removed = json(&["gov", "remove-validator", "--client", c, "v1"]);
    assert_eq!(removed["proposal"]["status"]["state"], "executed", "{removed}");
    let v = wait_validators(&apis[0], "v1 out of the set", |v| !set_names(v).contains(&"v1".to_string()));
    assert_eq!(set_names(&v), ["v0", "v2", "v3", "v4"]);
    assert_eq!(v["changes"].as_u64(), Some(2), "{v}");
    let pids: Vec<i32> = std::fs::read_to_string(dir.join("devnet.pids")).unwrap().lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(pids.len(), 5, "devnet join records its process for `devnet down`");
    unsafe { libc::kill(pids[1], libc::SIGKILL) };
    wait_height(&v4_api, height(&v4_api) + 10, 60, "the chain after v1 left");

    // Evidence made now is signed by the new set and verifies offline from genesis.
    let doc = tmp.path().join("contract.txt");
    std::fs::write(&doc, "signed after two validator-set changes").unwrap();
    let proofs = tmp.path().join("proofs");
    let doc_s = doc.to_str().unwrap();
    json(&["proof", "register", "--client", c, "--out-dir", proofs.to_str().unwrap(), doc_s]);
    let bundle = tmp.path().join("contract.vellum");
    json(&["proof", "bundle", "--client", c, "--manifests", proofs.to_str().unwrap(), doc_s, "--out", bundle.to_str().unwrap()]);
    let genesis_hash = status(&apis[0]).unwrap()["genesis_hash"].as_str().unwrap().to_string();
    let verified = json(&["verify", bundle.to_str().unwrap(), "--file", doc_s, "--checkpoint", &genesis_hash]);
    assert_eq!(verified["valid"], true, "{verified}");
    assert_eq!(verified["validator_set_changes"], 2, "{verified}");
    assert_eq!(verified["validators"], 4, "{verified}");
    // A wrong pin is refused even though the chain inside the bundle is self-consistent.
    let (ok, text) = vellum(&["verify", bundle.to_str().unwrap(), "--checkpoint", &"00".repeat(32)]);
    assert!(!ok && text.contains("genesis"), "{text}");
    // A chained bundle under a genesis that states its epoch length (layout 2, step 3g), for
    // the vectors and the SDKs; `contract-two-set-changes.vellum` is the layout-1 one.
    if std::env::var("VELLUM_WRITE_EXAMPLES").is_ok() {
        let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples");
        std::fs::copy(&bundle, examples.join("epochs-two-set-changes.vellum")).unwrap();
        std::fs::copy(&doc, examples.join("epochs-contract.txt")).unwrap();
        std::fs::write(examples.join("epochs-genesis-hash.txt"), format!("{genesis_hash}\n")).unwrap();
    }

    // A log checkpoint saved now carries its log anchor, which crosses both changes.
    let genesis = dir.join("genesis.toml");
    let g = genesis.to_str().unwrap();
    let path = |name: &str| tmp.path().join(name).to_str().unwrap().to_string();
    let saved = json(&["log", "checkpoint", "--client", c, "--out", &path("cp.txt")]);
    assert_eq!(saved["anchor"]["validator_set_changes"], 2, "{saved}");
    let v = json(&["log", "verify", &path("cp.txt"), "--genesis", g]);
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["anchor"]["validator_set_changes"], 2, "{v}");
    assert_eq!(v["anchor"]["validators"], 4, "{v}");
    // The new set's v4 has no note key the genesis file knows: once a quorum of the genesis
    // validators is gone, a note can carry fewer genesis signatures than a quorum. Then the
    // anchor alone proves the checkpoint; without it the note is refused.
    let note = std::fs::read_to_string(path("cp.txt")).unwrap();
    let (text, signatures) = note.split_once("\n\n").unwrap();
    let thin = format!("{text}\n\n{}\n", signatures.lines().next().unwrap());
    std::fs::write(path("thin.txt"), &thin).unwrap();
    std::fs::copy(path("cp.txt.anchor"), path("thin.txt.anchor")).unwrap();
    let v = json(&["log", "verify", &path("thin.txt"), "--genesis", g]);
    assert_eq!((v["valid"].as_bool(), v["genesis_signatures"].as_u64()), (Some(true), Some(1)), "{v}");
    std::fs::remove_file(path("thin.txt.anchor")).unwrap();
    let (ok, text) = vellum(&["log", "verify", &path("thin.txt"), "--genesis", g]);
    assert!(!ok && text.contains("not signed by a quorum of the genesis validators") && text.contains("no log anchor"), "{text}");
    // An anchor of another log state, or a tampered one, is refused even beside a good note.
    std::fs::write(path("later.txt"), "registered after the first checkpoint").unwrap();
    json(&["proof", "register", "--client", c, "--out-dir", proofs.to_str().unwrap(), &path("later.txt")]);
    json(&["log", "checkpoint", "--client", c, "--out", &path("cp2.txt")]);
    let (ok, text) = vellum(&["log", "verify", &path("cp.txt"), "--genesis", g, "--anchor", &path("cp2.txt.anchor")]);
    assert!(!ok && text.contains("the log anchor is for the log at"), "{text}");
    let mut bytes = std::fs::read(path("cp.txt.anchor")).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(path("bad.anchor"), &bytes).unwrap();
    let (ok, text) = vellum(&["log", "verify", &path("cp.txt"), "--genesis", g, "--anchor", &path("bad.anchor")]);
    assert!(!ok && text.contains("does not verify from this genesis"), "{text}");
    // Two anchored checkpoints: the later log extends the earlier one.
    let v = json(&["log", "consistency", "--client", c, &path("cp.txt"), &path("cp2.txt"), "--genesis", g]);
    assert_eq!(v["consistent"], true, "{v}");
}

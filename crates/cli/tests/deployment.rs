//! The multi-organisation procedure of `docs/deployment.md`, on loopback: four organisations make
//! their keys with the documented commands, a coordinator writes the genesis from the documented
//! template, every organisation checks it with `vellum genesis`, each writes its node.toml and
//! runs `vellum node`; the chain finalizes with four validators and with one killed. Validator
//! and node-account keys are encrypted keystores unlocked once at start-up from a password file
//! (no plain key anywhere on the validators; a plain one is refused without the devnet switch).
//! And the systemd units pass `systemd-analyze verify` with an exposure score of at most 2.0.

mod common;

use common::*;
use std::path::Path;
use std::process::{Child, Command, Stdio};

const ORGS: [&str; 4] = ["org-a", "org-b", "org-c", "org-d"];

/// Kills the organisations' validators whatever happens.
struct Nodes(Vec<Child>);

impl Drop for Nodes {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The organisations' keystore password (each would have its own; one is enough here).
const PASSWORD: &str = "correct horse battery staple";

/// `vellum --json ARGS` with the keystore password in the environment (as a script would).
fn json_sealed(args: &[&str]) -> serde_json::Value {
    let out = Command::new(BIN).arg("--json").args(args).env("VELLUM_PASSWORD", PASSWORD).stdin(Stdio::null()).output().unwrap();
    assert!(out.status.success(), "vellum {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn public(v: &serde_json::Value, field: &str) -> String {
    v[field].as_str().unwrap_or_else(|| panic!("{field} in {v}")).to_string()
}

#[test]
fn four_organisations_follow_the_deployment_guide() {
    let tmp = tempfile::tempdir().unwrap();
    let (p2p, api) = (free_ports(4), free_ports(4));
    // §1: each organisation's keys.
    let mut validators = String::new();
    let mut node_accounts = String::new();
    for (i, org) in ORGS.iter().enumerate() {
        let keys = tmp.path().join(org).join("keys");
        std::fs::create_dir_all(&keys).unwrap();
        let v = json_sealed(&["key", "new-validator", "--out", keys.join("validator.key").to_str().unwrap()]);
        let consensus = public(&v, "consensus_key");
        let a = json_sealed(&["key", "new", "--scheme", "ed25519", "--out", keys.join("node-account.key").to_str().unwrap()]);
        std::fs::write(keys.join("password"), format!("{PASSWORD}\n")).unwrap();
        validators += &format!(
            "[[validators]]\nname = \"{org}\"\nconsensus_key = \"{consensus}\"\np2p_key = \"{consensus}\"\naddress = \"127.0.0.1:{}\"\n\n",
            p2p + i as u16
        );
        node_accounts += &format!("[[accounts]]\npublic_key = \"{}\"\nroles = [\"node\"]\nlabel = \"node-{org}\"\n\n", public(&a, "public_key"));
    }
    // §2: the coordinator's genesis, from the template.
    let coordinator = tmp.path().join("coordinator");
    std::fs::create_dir_all(&coordinator).unwrap();
    let council = json(&["key", "new", "--plain", "--insecure-plain-keys", "--scheme", "ed25519", "--out", coordinator.join("council.key").to_str().unwrap()]);
    let registrar = json(&["key", "new", "--plain", "--insecure-plain-keys", "--scheme", "ed25519", "--out", coordinator.join("registrar.key").to_str().unwrap()]);
    let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis();
    let genesis = format!(
        "chain_id = \"consortium\"\ngenesis_time_ms = {now_ms}\nepoch_length_blocks = 1200\n\n[params]\nblock_txs_max = 10000\nblock_bytes_max = 2097152\nblock_time_future_skew_ms = 1000\nblock_time_past_skew_ms = 10000\n\n{validators}[[accounts]]\npublic_key = \"{}\"\nroles = [\"council\"]\nlabel = \"council\"\n\n[[accounts]]\npublic_key = \"{}\"\nroles = [\"registrar\"]\nlabel = \"registrar\"\n\n{node_accounts}",
        public(&council, "public_key"),
        public(&registrar, "public_key"),
    );
    // Every organisation receives it, checks it, and they compare hashes.
    let mut hashes = Vec::new();
    for org in ORGS {
        let path = tmp.path().join(org).join("genesis.toml");
        std::fs::write(&path, &genesis).unwrap();
        let g = json(&["genesis", path.to_str().unwrap()]);
        assert_eq!((g["validators"].as_array().unwrap().len(), g["epoch_length_blocks"].as_u64()), (4, Some(1200)), "{g}");
        hashes.push(public(&g, "genesis_hash"));
    }
    assert!(hashes.windows(2).all(|w| w[0] == w[1]), "{hashes:?}");
    // A genesis edited in transit is a different hash (and a broken one is refused).
    let edited = tmp.path().join("edited.toml");
    std::fs::write(&edited, genesis.replace("epoch_length_blocks = 1200", "epoch_length_blocks = 1201")).unwrap();
    assert_ne!(public(&json(&["genesis", edited.to_str().unwrap()]), "genesis_hash"), hashes[0]);
    std::fs::write(&edited, genesis.replace("epoch_length_blocks = 1200", "epoch_length_blocks = 3")).unwrap();
    let (ok, text) = vellum(&["genesis", edited.to_str().unwrap()]);
    assert!(!ok && text.contains("epoch_length_blocks"), "{text}");

    // §3, §4: each organisation's node.toml (loopback: private addresses allowed), then its node.
    let mut nodes = Nodes(Vec::new());
    for (i, org) in ORGS.iter().enumerate() {
        let dir = tmp.path().join(org);
        let peers: String = ORGS.iter().enumerate().filter(|(j, _)| *j != i).map(|(j, o)| format!("{o} = \"http://127.0.0.1:{}\"\n", api + j as u16)).collect();
        let config = format!(
            "name = \"{org}\"\ngenesis = \"genesis.toml\"\nkey = \"keys/validator.key\"\naudit_key = \"keys/node-account.key\"\nkey_password_file = \"keys/password\"\ndata_dir = \"data\"\np2p_listen = \"127.0.0.1:{}\"\napi_listen = \"127.0.0.1:{}\"\nallow_private_ips = true\n\n[peer_api]\n{peers}",
            p2p + i as u16,
            api + i as u16
        );
        std::fs::write(dir.join("node.toml"), &config).unwrap();
        if i == 0 {
            // A plain validator key is refused without the devnet switch, and a wrong password
            // is one clear error; the node starts neither.
            let plain = json(&["key", "new-validator", "--plain", "--insecure-plain-keys", "--out", dir.join("keys/plain.key").to_str().unwrap()]);
            assert!(plain["consensus_key"].is_string());
            let plain_config = dir.join("plain.toml");
            std::fs::write(&plain_config, config.replace("keys/validator.key", "keys/plain.key")).unwrap();
            let (ok, text) = vellum(&["node", "--config", plain_config.to_str().unwrap()]);
            assert!(!ok && text.contains("--insecure-plain-keys"), "{text}");
            let (ok, text) = vellum(&["key", "new-validator", "--plain", "--out", dir.join("keys/plain2.key").to_str().unwrap()]);
            assert!(!ok && text.contains("--insecure-plain-keys"), "{text}");
            std::fs::write(dir.join("keys/wrong"), "not the password").unwrap();
            let wrong_config = dir.join("wrong.toml");
            std::fs::write(&wrong_config, config.replace("keys/password", "keys/wrong")).unwrap();
            let (ok, text) = vellum(&["node", "--config", wrong_config.to_str().unwrap()]);
            assert!(!ok && text.contains("wrong password"), "{text}");
        }
        let log = std::fs::File::create(dir.join("node.log")).unwrap();
        let child = Command::new(BIN).args(["node", "--config"]).arg(dir.join("node.toml")).stdout(Stdio::null()).stderr(log).spawn().unwrap();
        nodes.0.push(child);
    }
    // §5: every organisation's API reports the agreed genesis and a growing height.
    let apis: Vec<String> = (0..4).map(|i| format!("http://127.0.0.1:{}", api + i)).collect();
    for a in &apis {
        wait_height(a, 3, 60, "the consortium's first blocks");
        assert_eq!(status(a).unwrap()["genesis_hash"], hashes[0].as_str());
    }
    // One organisation down: the other three keep finalizing.
    nodes.0[0].kill().unwrap();
    let h = status(&apis[1]).unwrap()["height"].as_u64().unwrap();
    wait_height(&apis[1], h + 5, 60, "three of four organisations");
}

#[test]
fn the_systemd_units_verify_and_are_hardened() {
    let Some(analyze) = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].into_iter().find(|p| Path::new(p).exists()) else {
        // The CI image has systemd; a machine without it cannot check the units at all.
        eprintln!("SKIPPED: systemd-analyze is not installed");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let units = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/systemd");
    for unit in ["vellum-node.service", "vellum-witness.service"] {
        // The unit as shipped, pointed at this build's binary so `verify` can check ExecStart.
        let text = std::fs::read_to_string(units.join(unit)).unwrap().replace("/usr/local/bin/vellum", BIN);
        let path = tmp.path().join(unit);
        std::fs::write(&path, text).unwrap();
        let out = Command::new(analyze).args(["verify", "--man=no"]).arg(&path).output().unwrap();
        let said = String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && said.trim().is_empty(), "{unit}: {said}");
        let out = Command::new(analyze).args(["security", "--offline=yes"]).arg(&path).output().unwrap();
        let report = String::from_utf8_lossy(&out.stdout);
        let score: f64 = report
            .lines()
            .find_map(|l| l.split("Overall exposure level for").nth(1))
            .and_then(|rest| rest.split(':').nth(1))
            .and_then(|s| s.split_whitespace().next())
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("{unit}: no exposure score in {report}"));
        assert!(score <= 2.0, "{unit}: exposure {score}\n{report}");
    }
}

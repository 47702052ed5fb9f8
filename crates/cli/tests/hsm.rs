//! Keys in hardware (X.1407 9.2.2 a, X.1405 8.2.5) on a 4-validator devnet with validator 0
//! killed, through a real PKCS#11 module (SoftHSM2, installed by scripts/ensure-softhsm.sh):
//! an Ed25519 and a P-256 account key generated inside the token open accounts, sign a
//! transfer and authenticate reads; a validator's node-account key moved into the token signs
//! the audit batch that puts those reads on the ledger; a key destroyed in the token is gone.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// Where Debian's softhsm2 puts the module.
const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const TOKEN: &str = "vellum-test";

/// A SoftHSM2 token in `dir`, for this process and every `vellum` it starts (SoftHSM reads its
/// config from the environment). Returns the PIN file.
fn softhsm_token(dir: &Path) -> std::path::PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/ensure-softhsm.sh");
    let out = Command::new("bash").arg(&script).output().expect("bash runs");
    assert!(out.status.success() && Path::new(MODULE).exists(), "SoftHSM2 could not be installed by {}: {}", script.display(), String::from_utf8_lossy(&out.stderr));
    std::fs::create_dir_all(dir.join("tokens")).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(&conf, format!("directories.tokendir = {}\nobjectstore.backend = file\n", dir.join("tokens").display())).unwrap();
    // SAFETY: the only test of this binary, before it starts any thread or process.
    unsafe { std::env::set_var("SOFTHSM2_CONF", &conf) };
    let out = Command::new("softhsm2-util").args(["--init-token", "--free", "--label", TOKEN, "--pin", "4321", "--so-pin", "87654321"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let pin = dir.join("pin");
    std::fs::write(&pin, "4321\n").unwrap();
    pin
}

#[test]
fn token_keys_open_accounts_sign_transfers_and_audit_batches_on_a_devnet() {
    let tmp = tempfile::tempdir().unwrap();
    let pin = softhsm_token(&tmp.path().join("hsm"));
    let pin = pin.to_str().unwrap();
    let (mut net, c) = devnet_one_down(tmp.path());
    let dir = tmp.path().join("devnet");
    let keys = dir.join("keys");
    let token = |label: &str| ["--pkcs11-module", MODULE, "--token", TOKEN, "--label", label, "--pin-file", pin].map(str::to_string);

    // Account keys generated in the token: the reference file holds no secret.
    let mut opened = Vec::new();
    for (who, scheme) in [("alice", "ed25519"), ("bob", "p256")] {
        let out = keys.join(format!("{who}.key"));
        let mut args: Vec<String> = ["key", "new", "--scheme", scheme, "--out", out.to_str().unwrap()].map(str::to_string).to_vec();
        args.extend(token(who));
        let k = json(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let text = std::fs::read_to_string(&out).unwrap();
        let reference: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(reference["pkcs11"]["token"], TOKEN, "{text}");
        assert!(!text.contains("4321"), "the PIN is not in the reference");
        let id = tmp.path().join(format!("{who}-id.txt"));
        std::fs::write(&id, format!("{who}: passport checked")).unwrap();
        json(&["account", "open", "--client", &c, "--public-key", k["public_key"].as_str().unwrap(), "--identity-file", id.to_str().unwrap()]);
        opened.push(k);
    }
    let listed = json(&["key", "list", "--client", &c]);
    assert!(listed["keys"].as_array().unwrap().iter().any(|k| k["storage"] == "pkcs11" && k["public_key"] == opened[0]["public_key"]), "{listed}");

    // The token signs transfers (Ed25519 and P-256) that finalize.
    json(&["token", "create", "--client", &c, "--symbol", "EUR", "--decimals", "2"]);
    json(&["token", "mint", "--client", &c, "--token", "EUR", "--to", "alice", "--amount", "100.00"]);
    let paid = json(&["pay", "--client", &c, "--key", "alice", "--token", "EUR", "--to", "bob=12.50"]);
    assert_eq!((&paid["tx"]["status"], &paid["payment"]["record"]["outcome"]["outcome"]), (&"finalized".into(), &"settled".into()), "{paid}");
    let back = json(&["pay", "--client", &c, "--key", "bob", "--token", "EUR", "--to", "alice=2.50"]);
    assert_eq!((&back["tx"]["status"], &back["payment"]["record"]["outcome"]["outcome"]), (&"finalized".into(), &"settled".into()), "{back}");
    let balance = json(&["balance", "--client", &c, "--key", "alice"]);
    assert!(balance.to_string().contains("90"), "{balance}");

    // A key that cannot be exported says so.
    let (ok, text) = vellum(&["key", "export", "--key", keys.join("alice.key").to_str().unwrap()]);
    assert!(!ok && text.contains("cannot be read or exported"), "{text}");
    // Without the PIN the token refuses, clearly, and nothing is sent.
    let no_pin = keys.join("nopin.key");
    let mut reference: Value = serde_json::from_str(&std::fs::read_to_string(keys.join("alice.key")).unwrap()).unwrap();
    reference["pkcs11"].as_object_mut().unwrap().remove("pin_file");
    std::fs::write(&no_pin, reference.to_string()).unwrap();
    let (ok, text) = vellum(&["pay", "--client", &c, "--key", no_pin.to_str().unwrap(), "--token", "EUR", "--to", "bob=1.00"]);
    assert!(!ok && text.contains("VELLUM_PKCS11_PIN"), "{text}");

    // Validator 1's node-account key moves into the token; it restarts signing with it.
    let v1 = dir.join("v1");
    kill_validator(&dir, 1);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let mut args: Vec<String> = ["key", "to-token", "--insecure-plain-keys", "--key", v1.join("node-account.key").to_str().unwrap(), "--out", v1.join("node-account.ref").to_str().unwrap()]
        .map(str::to_string)
        .to_vec();
    args.extend(token("node-v1"));
    let moved = json(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(!v1.join("node-account.key").exists(), "the file's secret is destroyed: {moved}");
    let node_account = moved["account_id"].as_str().unwrap().to_string();
    let config = std::fs::read_to_string(v1.join("node.toml")).unwrap().replace("node-account.key", "node-account.ref");
    std::fs::write(v1.join("node.toml"), config).unwrap();
    net.extra.push(restart_validator(&dir, 1));
    let client: toml::Table = std::fs::read_to_string(&c).unwrap().parse().unwrap();
    let v1_api = client["api"].as_array().unwrap()[1].as_str().unwrap().to_string();
    let height = status(client["api"].as_array().unwrap()[2].as_str().unwrap()).unwrap()["height"].as_u64().unwrap();
    wait_height(&v1_api, height, 60, "validator 1 back with its key in the token");

    // Reads at validator 1, authenticated by the token key, reach the ledger in an audit batch
    // validator 1's node account signed in the token.
    json(&["balance", "--api", &v1_api, "--client", &c, "--key", "bob"]);
    let started = std::time::Instant::now();
    loop {
        let v = json(&["audit", "mine", "--client", &c, "--key", "bob"]);
        let by_v1 = v["finalized"].as_array().unwrap().iter().any(|e| e["node"] == node_account.as_str());
        if by_v1 {
            break;
        }
        assert!(started.elapsed().as_secs() < 60, "a read recorded by validator 1 reaches the ledger: {v}");
        std::thread::sleep(std::time::Duration::from_millis(500));
    }

    // Destroyed: gone from the token, and the reference with it. A copy of the reference
    // (with its PIN file) finds nothing to sign with.
    let copy = keys.join("alice-copy.ref");
    std::fs::copy(keys.join("alice.key"), &copy).unwrap();
    let gone = json(&["key", "destroy", "--client", &c, "--key", keys.join("alice.key").to_str().unwrap(), "--force"]);
    assert!(!keys.join("alice.key").exists(), "{gone}");
    let (ok, text) = vellum(&["pay", "--client", &c, "--key", copy.to_str().unwrap(), "--token", "EUR", "--to", "bob=1.00"]);
    assert!(!ok && text.contains("has no private key labelled `alice`"), "{text}");
    let out = Command::new("pkcs11-tool").args(["--module", MODULE, "--token-label", TOKEN, "--login", "--pin", "4321", "--list-objects"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(!listing.contains("label:      alice\n"), "{listing}");
    assert!(listing.contains("label:      node-v1") && listing.contains("label:      bob"), "{listing}");
}

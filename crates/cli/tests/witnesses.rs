//! Witnesses on real processes, with validator 0 killed: two `vellum witness serve` processes
//! cosign the devnet's checkpoints as the log grows (each after a consistency proof from the
//! last one it cosigned); a checkpoint verifies under a 2-of-2 witness policy. A forged
//! checkpoint signed by a quorum of validator keys (what a quorum of retired keys could make) —
//! a split view at the witnessed size, or another history — is refused and recorded by the
//! witnesses, and fails the witness policy although the genesis keys' signatures check out.
//! And the validators push by themselves: once governance names the witnesses, every bundle
//! the nodes hand out carries the cosigned checkpoint (version 4).

mod common;

#[path = "common/witness.rs"]
mod witness;

use common::*;
use witness::{forge, post, start_witness};

/// A devnet with validator 0 down, two witnesses following it and a 2-of-2 policy naming them.
struct Setup {
    _guard: Devnet,
    client: String,
    devnet: std::path::PathBuf,
    genesis: std::path::PathBuf,
    work: std::path::PathBuf,
    w1: witness::WitnessProcess,
    w2: witness::WitnessProcess,
    policy: std::path::PathBuf,
}

fn setup(tmp: &std::path::Path) -> Setup {
    let (_guard, client) = devnet_one_down(tmp);
    let devnet = tmp.join("devnet");
    let genesis = devnet.join("genesis.toml");
    let work = tmp.join("work");
    std::fs::create_dir_all(&work).unwrap();
    let w1 = start_witness(&work, "witness.example/w1", &genesis);
    let w2 = start_witness(&work, "witness.example/w2", &genesis);
    let policy = work.join("policy.txt");
    std::fs::write(&policy, format!("{}\n{}\nquorum 2\n", w1.policy_line, w2.policy_line)).unwrap();
    Setup { _guard, client, devnet, genesis, work, w1, w2, policy }
}

#[test]
fn witnesses_cosign_a_growing_log_and_refuse_forgeries() {
    let tmp = tempfile::tempdir().unwrap();
    let Setup { _guard, client, devnet, genesis, work, w1, w2, policy } = setup(tmp.path());
    let c = client.as_str();
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

#[test]
fn validators_push_checkpoints_to_the_governed_witnesses_and_bundles_carry_them() {
    let tmp = tempfile::tempdir().unwrap();
    let Setup { _guard, client, genesis, work, w1: _w1, w2: _w2, policy, .. } = setup(tmp.path());
    let c = client.as_str();
    // A verifier's policy (no URLs) cannot be governed: validators would not know where to push.
    let bare = work.join("bare.txt");
    std::fs::write(&bare, "witness witness.example/w1 0101010101010101010101010101010101010101010101010101010101010101\nquorum 1\n").unwrap();
    let (ok, text) = vellum(&["gov", "set-witnesses", "--client", c, "--policy", bare.to_str().unwrap()]);
    assert!(!ok && text.contains("needs its URL"), "{text}");
    let v = json(&["gov", "set-witnesses", "--client", c, "--policy", policy.to_str().unwrap()]);
    assert_eq!(v["proposal"]["status"]["state"], "executed", "{v}");
    let doc = work.join("a.pdf");
    std::fs::write(&doc, "pushed").unwrap();
    json(&["proof", "register", "--client", c, "--out-dir", work.join("proofs").to_str().unwrap(), doc.to_str().unwrap()]);

    // No one asks the witnesses: the live validators (v0 is down) push, collecting each
    // other's signatures, and the next bundle carries the cosigned checkpoint.
    let bundle = work.join("a.vellum");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let b = loop {
        let b = json(&["proof", "bundle", "--client", c, "--manifests", work.join("proofs").to_str().unwrap(), doc.to_str().unwrap(), "--out", bundle.to_str().unwrap()]);
        if b["witnessed"]["cosignatures"] == 2 {
            break b;
        }
        assert!(std::time::Instant::now() < deadline, "no witnessed bundle within 60 s: {b}");
        std::thread::sleep(std::time::Duration::from_millis(500));
    };
    assert_eq!(std::fs::read(&bundle).unwrap()[8], 4, "a witnessed bundle is version 4: {b}");
    let v = json(&["verify", bundle.to_str().unwrap(), "--witnesses", policy.to_str().unwrap()]);
    assert_eq!(v["witness_cosignatures"], 2, "{v}");
    // Under a policy naming other witnesses it fails at step 10.
    let stranger = start_witness(&work, "witness.example/w3", &genesis);
    let other = work.join("other.txt");
    std::fs::write(&other, format!("{}\nquorum 1\n", stranger.policy_line)).unwrap();
    let (ok, text) = vellum(&["verify", bundle.to_str().unwrap(), "--witnesses", other.to_str().unwrap()]);
    assert!(!ok && text.contains("witness"), "{text}");
    // Every live validator serves the latest witnessed checkpoint (each stores the cosigned
    // one from its own pusher's round, up to a second or so after the others).
    let cfg: toml::Value = toml::from_str(&std::fs::read_to_string(&client).unwrap()).unwrap();
    for api in cfg["api"].as_array().unwrap().iter().skip(1) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let note = common::http_text(api.as_str().unwrap(), "/v1/log/witnessed").unwrap_or_default();
            if note.contains("witness.example/w1") && note.contains("witness.example/w2") {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "{api}: {note}");
            std::thread::sleep(std::time::Duration::from_millis(300));
        }
    }
}

//! Originals survive a validator (X.1407 9.3.2, issue "privacy, key custody…" item 6), on a
//! 4-validator devnet: an original stored with `proof register --store` is held by every
//! validator (each checked the registrant's signed upload); killing the first validator of the
//! client config — the one a client reaches first — loses nothing: it is fetched from another.
//! Its deletion is a ledger transaction: a client is refused it at once, every running validator
//! refuses it once it has applied the block, and the
//! killed one, restarted with the copy still on its disk, never serves it — it answers
//! `catching_up` until it has replayed the deletion, then `original_deleted`, and its store
//! keeps only the tombstone. A validator paused across a deletion still serves its copy on
//! resuming; a client, asking every validator, reports the deletion all the same.

mod common;

use common::*;

/// `vellum proof original` asked of one validator only (`--api`): its exit status and output.
fn fetch_from(api: &str, client: &str, proof: &str, out: &std::path::Path) -> (bool, String) {
    vellum(&["proof", "original", "--client", client, "--api", api, "--proof", proof, "--out", out.to_str().unwrap()])
}

/// A 4-validator devnet holding one original (stored with `proof register --store`).
struct Stored {
    // Declared before `_tmp` (fields drop in order): the devnet goes down before its
    // directory is removed.
    net: Devnet,
    _tmp: tempfile::TempDir,
    dir: std::path::PathBuf,
    apis: Vec<String>,
    client: String,
    work: std::path::PathBuf,
    document: std::path::PathBuf,
    proof: String,
}

fn devnet_with_original(name: &str, content: &str) -> Stored {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("devnet");
    let (net, apis) = devnet_up(&dir);
    wait_height(&apis[0], 2, 60, "devnet start");
    let client = dir.join("client.toml").to_str().unwrap().to_string();
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let document = work.join(name);
    std::fs::write(&document, content).unwrap();
    let reg = json(&["proof", "register", "--client", &client, "--store", "--out-dir", work.to_str().unwrap(), document.to_str().unwrap()]);
    assert_eq!(reg["originals_stored"], 1, "{reg}");
    let proof = reg["proof_id"].as_str().unwrap().to_string();
    Stored { net, _tmp: tmp, dir, apis, client, work, document, proof }
}

#[test]
fn an_original_survives_the_loss_of_a_validator_and_its_deletion_reaches_every_one() {
    let mut s = devnet_with_original("contract.pdf", "%PDF-1.7 a signed contract\n%%EOF");
    let (dir, apis, c, work, document, proof) = (&s.dir, &s.apis, s.client.as_str(), &s.work, &s.document, s.proof.as_str());

    // Every validator holds it.
    for (i, api) in apis.iter().enumerate() {
        let out = work.join(format!("from-v{i}.pdf"));
        let (ok, text) = fetch_from(api, c, proof, &out);
        assert!(ok, "validator {i}: {text}");
        assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(document).unwrap());
    }

    // The first validator of the client config is lost: the original is fetched from another.
    kill_validator(dir, 0);
    let out = work.join("after-loss.pdf");
    let fetched = json(&["proof", "original", "--client", c, "--proof", proof, "--out", out.to_str().unwrap()]);
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(document).unwrap(), "{fetched}");

    // Deleted on the ledger while validator 0 is down: a client is refused it at once; each
    // running validator refuses it once it has applied the block (one a block behind the
    // validator that confirmed the deletion may not have yet).
    let deleted = json(&["proof", "delete-original", "--client", c, "--proof", proof]);
    assert!(deleted["height"].as_u64().is_some(), "{deleted}");
    let (ok, text) = vellum(&["proof", "original", "--client", c, "--proof", proof, "--out", work.join("y").to_str().unwrap()]);
    assert!(!ok && text.contains("original_deleted"), "{text}");
    for api in &apis[1..] {
        let start = std::time::Instant::now();
        loop {
            let (ok, text) = fetch_from(api, c, proof, &work.join("x"));
            if !ok && text.contains("410") && text.contains("original_deleted") {
                break;
            }
            assert!(start.elapsed().as_secs() < 10, "{api} still serves a deleted original: {text}");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
    let (ok, text) = vellum(&["proof", "delete-original", "--client", c, "--proof", proof]);
    assert!(!ok && text.contains("original_already_deleted"), "{text}");

    // Validator 0 comes back with the copy on its disk; it never serves it.
    let v0 = dir.join("v0");
    s.net.extra.push(restart_validator(dir, 0));
    let started = std::time::Instant::now();
    let mut answers = Vec::new();
    loop {
        let (ok, text) = fetch_from(&apis[0], c, proof, &work.join("z"));
        assert!(!ok, "validator 0 served a deleted original after {:?}: {text}", started.elapsed());
        let gone = text.contains("original_deleted");
        answers.push(if text.contains("catching_up") { "catching_up" } else if gone { "original_deleted" } else { "unreachable" });
        if gone {
            break;
        }
        assert!(started.elapsed().as_secs() < 90, "validator 0 never learnt of the deletion: {text}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // Its store keeps the tombstone only.
    let node = s.net.extra.pop().unwrap();
    drop(Stop(node));
    let genesis = vellum_node::config::load_genesis(&dir.join("genesis.toml")).unwrap();
    let store = vellum_storage::Store::open(&v0.join("data").join("ledger.redb"), &genesis).unwrap();
    let id = vellum_types::ProofId::from_hex(proof).unwrap();
    assert!(matches!(store.original(&id, 0).unwrap(), vellum_storage::Original::Deleted { .. }), "answers while catching up: {answers:?}");
}

/// Stops a validator process (SIGTERM would do; kill is enough for reading its store after).
struct Stop(std::process::Child);

impl Drop for Stop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A validator paused while an original was deleted still has its copy when it resumes, until
/// it applies the deletion. A client asks every validator, and f + 1 report the deletion: it
/// never hands out the deleted original, whichever validator answers first.
#[test]
fn a_validator_behind_a_deletion_does_not_hand_the_original_out() {
    let s = devnet_with_original("payslip.pdf", "%PDF-1.7 a payslip\n%%EOF");
    let (dir, apis, c, work, proof) = (&s.dir, &s.apis, s.client.as_str(), &s.work, s.proof.as_str());

    signal_validator(dir, 1, "-STOP");
    // Asked of validator 0 only: a client waiting on the paused one would keep it paused long
    // enough for its newest block to be too old to serve anything.
    let deleted = vellum(&["proof", "delete-original", "--client", c, "--api", &apis[0], "--proof", proof]);
    signal_validator(dir, 1, "-CONT");
    assert!(deleted.0, "{}", deleted.1);
    // Validator 1 first in the client's list, as a client near it would have it.
    let config = std::fs::read_to_string(c).unwrap();
    let (first, second) = (format!("\"{}\"", apis[0]), format!("\"{}\"", apis[1]));
    let swapped = config.replace(&first, "\u{0}").replace(&second, &first).replace('\u{0}', &second);
    assert_ne!(swapped, config, "the client config lists the validators' APIs");
    let near_v1 = dir.join("client-v1-first.toml");
    std::fs::write(&near_v1, swapped).unwrap();
    let (ok, text) = vellum(&["proof", "original", "--client", near_v1.to_str().unwrap(), "--proof", proof, "--out", work.join("x").to_str().unwrap()]);
    assert!(!ok && text.contains("original_deleted"), "a deleted original was handed out: {text}");
    assert!(!work.join("x").exists());
}

/// A faulty validator serves another proof's sealed copy under this proof's id (here written
/// into its store while it was down): the client tries every copy served, so the honest ones
/// still deliver the document.
#[test]
fn a_faulty_validators_copy_does_not_hide_the_original() {
    let mut s = devnet_with_original("other.pdf", "%PDF-1.7 another document\n%%EOF");
    let (dir, apis, c, work) = (&s.dir, &s.apis, s.client.as_str(), &s.work);
    kill_validator(dir, 0);
    let document = work.join("deed.pdf");
    std::fs::write(&document, "%PDF-1.7 a title deed\n%%EOF").unwrap();
    let reg = json(&["proof", "register", "--client", c, "--store", "--out-dir", work.to_str().unwrap(), document.to_str().unwrap()]);
    let proof = reg["proof_id"].as_str().unwrap().to_string();
    {
        let genesis = vellum_node::config::load_genesis(&dir.join("genesis.toml")).unwrap();
        let store = vellum_storage::Store::open(&dir.join("v0").join("data").join("ledger.redb"), &genesis).unwrap();
        let other = vellum_types::ProofId::from_hex(&s.proof).unwrap();
        let vellum_storage::Original::Stored { key_envelope, payload } = store.original(&other, 0).unwrap() else { panic!("validator 0 holds the other original") };
        let id = vellum_types::ProofId::from_hex(&proof).unwrap();
        assert!(matches!(store.put_original(&id, 0, &key_envelope, &payload).unwrap(), vellum_storage::PutOriginal::Stored));
    }
    s.net.extra.push(restart_validator(dir, 0));
    // Validator 0 — first in the client's list — serves its wrong copy once it has caught up.
    let started = std::time::Instant::now();
    loop {
        let (ok, text) = fetch_from(&apis[0], c, &proof, &work.join("wrong"));
        assert!(!ok, "validator 0's copy opened: {text}");
        if text.contains("does not decrypt") {
            break;
        }
        assert!(started.elapsed().as_secs() < 90, "validator 0 never served its copy: {text}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let out = work.join("fetched.pdf");
    let fetched = json(&["proof", "original", "--client", c, "--proof", &proof, "--out", out.to_str().unwrap()]);
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&document).unwrap(), "{fetched}");
    assert_ne!(fetched["from"], apis[0].as_str());
    assert_eq!(fetched["digest_checked"], true, "a single whole-file registration is checked against the ledger");
}

//! Live status on real processes, with validator 0 killed: a university suspends and
//! reinstates a certificate and revokes a batch member with reason codes; an employer holding
//! an old bundle fetches a fresh status proof (no authentication) and `vellum verify --status`
//! reports the change; a stolen issuer key's forgeries are revoked by compliance in one
//! command, and the issuer can register nothing more; the history of every change is kept.
//!
//! With `VELLUM_WRITE_EXAMPLES=1` it also writes `docs/examples/status-*` (a bundle, its
//! fresh status proofs and the genesis hash), from which `docs/vectors/evidence.json` builds
//! its status-proof cases.

mod common;

use common::*;
use std::path::Path;

fn register(client: &str, out_dir: &Path, files: &[&str], salted: bool) -> String {
    let out = out_dir.to_str().unwrap();
    let mut args = vec!["proof", "register", "--client", client, "--out-dir", out];
    if salted {
        args.push("--salted");
    }
    args.extend(files);
    json(&args)["proof_id"].as_str().unwrap().to_string()
}

fn status_file(client: &str, proof: &str, member: Option<u32>, out: &Path) -> serde_json::Value {
    let m = member.map(|m| m.to_string());
    let mut args = vec!["proof", "status", "--client", client, "--proof", proof, "--out", out.to_str().unwrap()];
    if let Some(m) = &m {
        args.extend(["--member", m]);
    }
    json(&args)
}

#[test]
fn status_changes_reach_holders_of_old_bundles() {
    let tmp = tempfile::tempdir().unwrap();
    let (_guard, client) = devnet_one_down(tmp.path());
    let c = client.as_str();
    let work = tmp.path().join("university");
    let proofs = work.join("proofs");
    std::fs::create_dir_all(&work).unwrap();
    let file = |name: &str, text: &str| {
        let p = work.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let diploma = file("diploma.pdf", "%PDF-1.7 diploma of Alice, BSc 2026\n%%EOF");
    let certs: Vec<String> = (0..3).map(|i| file(&format!("cert-{i}.pdf"), &format!("%PDF-1.7 certificate {i}\n%%EOF"))).collect();
    let single = register(c, &proofs, &[&diploma], false);
    let batch = register(c, &proofs, &certs.iter().map(String::as_str).collect::<Vec<_>>(), true);

    // The employer receives bundles while everything is live.
    let bundle = |what: &str, out: &str| {
        let out = work.join(out);
        json(&["proof", "bundle", "--client", c, "--manifests", proofs.to_str().unwrap(), what, "--out", out.to_str().unwrap()]);
        out
    };
    let old_single = bundle(&diploma, "diploma.vellum");
    let old_member = bundle(&certs[1], "cert-1.vellum");

    // Suspension (reason code, not free text), then reinstatement, then a final revocation of
    // one member; free text and unknown codes are refused.
    let (ok, text) = vellum(&["proof", "suspend", "--client", c, "--proof", &single, "--reason", "looking into it"]);
    assert!(!ok && text.contains("reason code"), "{text}");
    let (ok, text) = vellum(&["proof", "suspend", "--client", c, "--proof", &single, "--reason", "degree_withdrawn"]);
    assert!(!ok && text.contains("unknown_reason_code"), "{text}");
    json(&["proof", "suspend", "--client", c, "--proof", &single, "--reason", "under_investigation"]);

    // Anyone may fetch the status (no key); it is checked against the pinned genesis.
    let s1 = work.join("diploma-1.status");
    let v = status_file(c, &single, None, &s1);
    assert_eq!(v["status"]["status"], "suspended", "{v}");
    assert_eq!(v["status"]["reason"], "under_investigation");
    let genesis = v["genesis_hash"].as_str().unwrap().to_string();
    let (code, text) = run_code(&["verify", old_single.to_str().unwrap(), "--file", &diploma, "--checkpoint", &genesis, "--status", s1.to_str().unwrap()]);
    assert_eq!(code, 2, "not live now: exit 2\n{text}");
    assert!(text.contains("status NOW SUSPENDED") && text.contains("under_investigation") && text.contains("it was live"), "{text}");

    json(&["proof", "reinstate", "--client", c, "--proof", &single]);
    let (ok, text) = vellum(&["proof", "reinstate", "--client", c, "--proof", &single]);
    assert!(!ok && text.contains("bad_status_change"), "{text}");
    let s2 = work.join("diploma-2.status");
    assert_eq!(status_file(c, &single, None, &s2)["status"]["status"], "live");
    let v = json(&["verify", old_single.to_str().unwrap(), "--checkpoint", &genesis, "--status", s2.to_str().unwrap()]);
    assert_eq!((v["status_now"]["status"]["status"].as_str(), v["status_now"]["changed_since_bundle"].as_bool()), (Some("live"), Some(false)));

    json(&["proof", "revoke", "--client", c, "--proof", &batch, "--member", "1", "--reason", "privilege_withdrawn"]);
    let m1 = work.join("cert-1.status");
    let v = status_file(c, &batch, Some(1), &m1);
    assert_eq!((v["status"]["status"].as_str(), v["member"].as_u64()), (Some("revoked"), Some(1)), "{v}");
    let v = json(&["verify", old_member.to_str().unwrap(), "--file", &certs[1], "--checkpoint", &genesis, "--status", m1.to_str().unwrap()]);
    assert_eq!(v["status"], "live", "the bundle said live when it was made");
    assert_eq!(v["status_now"]["status"]["status"], "revoked");
    assert_eq!(v["status_now"]["status"]["reason"], "privilege_withdrawn");
    // A status proof of another document is refused at step 9; so is a tampered one.
    let (code, text) = run_code(&["verify", old_single.to_str().unwrap(), "--status", m1.to_str().unwrap()]);
    assert!(code == 1 && text.contains("step 9 (status)"), "{text}");
    let mut bytes = std::fs::read(&m1).unwrap();
    let n = bytes.len();
    bytes[n - 40] ^= 1;
    let tampered = work.join("tampered.status");
    std::fs::write(&tampered, bytes).unwrap();
    let (code, text) = run_code(&["verify", tampered.to_str().unwrap()]);
    assert_eq!(code, 1, "{text}");
    // Members the batch never had; proofs that do not exist.
    let (ok, text) = vellum(&["proof", "status", "--client", c, "--proof", &batch, "--member", "7"]);
    assert!(!ok && text.contains("no_such_member"), "{text}");
    let (ok, text) = vellum(&["proof", "status", "--client", c, "--proof", &"ab".repeat(32)]);
    assert!(!ok && text.contains("unknown_proof"), "{text}");

    // Every change is kept, with its actor, reason code and height.
    let shown = json(&["proof", "show", "--client", c, "--proof", &single]);
    let changes: Vec<&str> = shown["history"].as_array().unwrap().iter().map(|h| h["change"].as_str().unwrap()).collect();
    assert_eq!(changes, ["suspended", "reinstated"], "{shown}");
    let shown = json(&["proof", "show", "--client", c, "--proof", &batch]);
    assert_eq!(shown["member_history"][0]["index"], 1, "{shown}");
    assert_eq!(shown["member_history"][0]["history"][0]["reason"], "privilege_withdrawn");

    // The issuer's key is stolen: forgeries are registered. Compliance revokes everything the
    // issuer registered from the first forgery's height on, in one command.
    let forgeries: Vec<String> = (0..3).map(|i| file(&format!("forged-{i}.pdf"), &format!("%PDF-1.7 forged degree {i}\n%%EOF"))).collect();
    let first_forgery = register(c, &proofs, &[&forgeries[0]], false);
    let from_height = json(&["proof", "show", "--client", c, "--proof", &first_forgery])["record"]["height"].as_u64().unwrap();
    let more = register(c, &proofs, &[&forgeries[1], &forgeries[2]], false);
    let key_file = tmp.path().join("devnet/keys/issuer.key");
    let issuer_id = json(&["key", "show", key_file.to_str().unwrap()])["account_id"].as_str().unwrap().to_string();
    let (ok, text) = vellum(&["proof", "revoke-issuer", "--client", c, "--key", "issuer", "--issuer", &issuer_id, "--from-height", &from_height.to_string()]);
    assert!(!ok && text.contains("missing_role"), "only compliance: {text}");
    let r = json(&["proof", "revoke-issuer", "--client", c, "--issuer", &issuer_id, "--from-height", &from_height.to_string(), "--reason", "key_compromise"]);
    assert_eq!((r["revocation"]["revoked"].as_u64(), r["revocation"]["complete"].as_bool()), (Some(2), Some(true)), "{r}");
    for (id, want) in [(&first_forgery, "revoked"), (&more, "revoked"), (&single, "live"), (&batch, "live")] {
        let v = status_file(c, id, None, &work.join("x.status"));
        assert_eq!(v["status"]["status"], want, "{id}: {v}");
    }
    let v = status_file(c, &more, None, &work.join("forgery.status"));
    assert_eq!(v["status"]["reason"], "key_compromise");
    let (ok, text) = vellum(&["proof", "register", "--client", c, "--out-dir", proofs.to_str().unwrap(), &file("after.pdf", "after")]);
    assert!(!ok && text.contains("issuer_revoked"), "{text}");

    if std::env::var("VELLUM_WRITE_EXAMPLES").is_ok() {
        let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples");
        std::fs::copy(&old_member, examples.join("status-cert-1.vellum")).unwrap();
        std::fs::copy(&m1, examples.join("status-cert-1-revoked.status")).unwrap();
        std::fs::copy(&old_single, examples.join("status-diploma.vellum")).unwrap();
        std::fs::copy(&s1, examples.join("status-diploma-suspended.status")).unwrap();
        std::fs::copy(&s2, examples.join("status-diploma-reinstated.status")).unwrap();
        std::fs::write(examples.join("status-genesis-hash.txt"), format!("{genesis}\n")).unwrap();
    }
}

fn run_code(args: &[&str]) -> (i32, String) {
    let out = std::process::Command::new(BIN).args(args).stdin(std::process::Stdio::null()).output().unwrap();
    (out.status.code().unwrap_or(-1), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

//! X.1407 Appendix II, end to end on real processes: a university registers a batch of
//! certificate PDFs; a student gets the bundle for one; an employer verifies the PDF with the
//! bundle offline (the devnet is stopped first); a modified PDF fails; a revoked certificate
//! verifies as revoked. Also: reads of proof data need a signed request by an entitled
//! account, and every attempt is audited; a non-issuer cannot register.

mod common;

use common::*;
use std::process::Command;

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

fn http_get_status(api: &str, path: &str) -> u16 {
    use std::io::{Read, Write};
    let addr = api.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    text.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn university_certificates_verified_offline_by_an_employer() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let (guard, apis) = devnet_up(&dir);
    let client = dir.join("client.toml");
    let client = client.to_str().unwrap();
    let work = tmp.path().join("university");
    std::fs::create_dir_all(&work).unwrap();
    let mut pdfs = Vec::new();
    for i in 1..=5 {
        let p = work.join(format!("cert-{i}.pdf"));
        std::fs::write(&p, format!("%PDF-1.7 diploma of student {i}, BSc 2026\n%%EOF")).unwrap();
        pdfs.push(p.to_str().unwrap().to_string());
    }
    let proofs_dir = work.join("proofs");
    let proofs_dir = proofs_dir.to_str().unwrap();

    // A registrar is not an issuer: refused.
    let (code, text) = run(&["proof", "register", "--client", client, "--key", "registrar", "--out-dir", proofs_dir, &pdfs[0]]);
    assert_ne!(code, 0);
    assert!(text.contains("missing_role"), "{text}");

    // The university (issuer) registers all five as one salted batch.
    let mut args = vec!["proof", "register", "--client", client, "--salted", "--out-dir", proofs_dir];
    args.extend(pdfs.iter().map(String::as_str));
    let mut full = vec!["--json"];
    full.extend(args);
    let (code, text) = run(&full);
    assert_eq!(code, 0, "{text}");
    let reg: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    let proof_id = reg["proof_id"].as_str().unwrap().to_string();
    assert_eq!(reg["documents"], 5);

    // The university also keeps a transcript's original off-chain, encrypted for itself and
    // the auditor; others cannot fetch it; deleting it shreds the key, the proof survives.
    let transcript = work.join("transcript-3.pdf");
    std::fs::write(&transcript, "%PDF-1.7 transcript of student 3: all grades\n%%EOF").unwrap();
    let t = transcript.to_str().unwrap();
    let reg = json(&["proof", "register", "--client", client, "--store", "--out-dir", proofs_dir, t]);
    assert_eq!(reg["originals_stored"], 1, "{reg}");
    let transcript_id = reg["proof_id"].as_str().unwrap().to_string();
    for key in ["issuer", "auditor"] {
        let out = work.join(format!("fetched-by-{key}.pdf"));
        let (code, text) = run(&["proof", "original", "--client", client, "--key", key, "--proof", &transcript_id, "--out", out.to_str().unwrap()]);
        assert_eq!(code, 0, "{text}");
        assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&transcript).unwrap());
    }
    let identity = dir.join("keys").join("issuer.age");
    let (code, text) = run(&[
        "proof", "original", "--client", client, "--key", "registrar", "--proof", &transcript_id,
        "--identity", identity.to_str().unwrap(), "--out", work.join("x").to_str().unwrap(),
    ]);
    assert!(code != 0 && text.contains("403"), "{text}");
    assert_eq!(http_get_status(&apis[0], &format!("/v1/proof/{transcript_id}/original")), 401);
    let (code, text) = run(&["proof", "delete-original", "--client", client, "--proof", &transcript_id]);
    assert_eq!(code, 0, "{text}");
    let (code, text) = run(&["proof", "original", "--client", client, "--proof", &transcript_id, "--out", work.join("y").to_str().unwrap()]);
    assert!(code != 0 && text.contains("410"), "{text}");
    let tb = work.join("transcript.vellum");
    let (code, text) = run(&["proof", "bundle", "--client", client, "--manifests", proofs_dir, t, "--out", tb.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    let v = json(&["verify", tb.to_str().unwrap(), "--file", t]);
    assert_eq!(v["document"], "matched", "the proof outlives its deleted original");

    // An auditor keeps a checkpoint signed by the validators.
    let old_note = work.join("old.note");
    let (code, text) = run(&["log", "checkpoint", "--client", client, "--out", old_note.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");

    // Student 3's bundle; student 4's certificate is revoked, then its bundle is taken.
    let b3 = work.join("cert-3.vellum");
    let (code, text) = run(&["proof", "bundle", "--client", client, "--manifests", proofs_dir, &pdfs[2], "--out", b3.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    let (code, text) = run(&["proof", "revoke", "--client", client, "--proof", &proof_id, "--member", "3", "--reason", "privilege_withdrawn"]);
    assert_eq!(code, 0, "{text}");
    let b4 = work.join("cert-4.vellum");
    let (code, text) = run(&["proof", "bundle", "--client", client, "--manifests", proofs_dir, &pdfs[3], "--out", b4.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");

    // Reads need a signed request by the registrant or an auditor; all attempts are audited.
    assert_eq!(http_get_status(&apis[0], &format!("/v1/proof/{proof_id}")), 401);
    assert_eq!(http_get_status(&apis[0], &format!("/v1/proof/{proof_id}/bundle")), 401);
    let (code, text) = run(&["proof", "show", "--client", client, "--key", "registrar", "--proof", &proof_id]);
    assert_ne!(code, 0);
    assert!(text.contains("403"), "{text}");
    let shown = json(&["proof", "show", "--client", client, "--key", "auditor", "--proof", &proof_id]);
    let audit = shown["audit"].as_array().unwrap();
    assert!(audit.iter().any(|a| a["reader"].is_null() && a["allowed"] == false), "anonymous attempt audited: {audit:?}");
    assert!(audit.iter().any(|a| !a["reader"].is_null() && a["allowed"] == false), "wrong-role attempt audited");
    assert!(audit.iter().filter(|a| a["action"] == "bundle" && a["allowed"] == true).count() >= 2);
    let genesis_hash = status(&apis[0]).unwrap()["genesis_hash"].as_str().unwrap().to_string();
    // The nodes batch these records into node-signed audit transactions on the ledger.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let shown = json(&["proof", "show", "--client", client, "--key", "auditor", "--proof", &proof_id]);
        let on_ledger = shown["audit_on_ledger"].as_array().unwrap();
        if on_ledger.iter().any(|a| a["reader"].is_null() && a["allowed"] == false)
            && on_ledger.iter().any(|a| a["action"] == "bundle" && a["allowed"] == true)
        {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "audit records never reached the ledger: {shown}");
        std::thread::sleep(std::time::Duration::from_millis(300));
    }

    // Later the auditor checks that the log only grew: the new checkpoint extends the old one;
    // a forged checkpoint (root changed) is refused.
    let new_note = work.join("new.note");
    let (code, text) = run(&["log", "checkpoint", "--client", client, "--out", new_note.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    // Every finalized block yields a checkpoint (its header's log size and root).
    let h = status(&apis[1]).unwrap()["height"].as_u64().unwrap();
    assert_eq!(http_get_status(&apis[1], &format!("/v1/log/checkpoint?height={h}")), 200);
    assert_eq!(http_get_status(&apis[1], &format!("/v1/log/checkpoint?height={}", h + 1_000_000)), 404, "a height not finalized yet is not found");
    let genesis_file = dir.join("genesis.toml");
    let g = genesis_file.to_str().unwrap();
    let (code, text) = run(&["log", "consistency", "--client", client, old_note.to_str().unwrap(), new_note.to_str().unwrap(), "--genesis", g]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("CONSISTENT"), "{text}");
    let note = std::fs::read_to_string(&new_note).unwrap();
    let mut lines: Vec<String> = note.lines().map(str::to_string).collect();
    lines[1] = (lines[1].parse::<u64>().unwrap() + 1).to_string();
    let forged = work.join("forged.note");
    std::fs::write(&forged, lines.join("\n") + "\n").unwrap();
    let (code, text) = run(&["log", "consistency", "--client", client, old_note.to_str().unwrap(), forged.to_str().unwrap(), "--genesis", g]);
    assert_ne!(code, 0, "{text}");
    assert!(text.contains("quorum"), "{text}");

    // The employer works offline: stop the whole network first.
    drop(guard);
    assert!(status(&apis[0]).is_none(), "devnet is down");
    let v = json(&["verify", b3.to_str().unwrap(), "--file", &pdfs[2], "--checkpoint", &genesis_hash]);
    assert_eq!((v["valid"].as_bool(), v["document"].as_str(), v["status"].as_str()), (Some(true), Some("matched"), Some("live")));
    assert_eq!(v["member"], 2);

    // A modified PDF fails at the document step.
    let forged = work.join("forged.pdf");
    std::fs::write(&forged, "%PDF-1.7 diploma of student 3, MSc 2026\n%%EOF").unwrap();
    let (code, text) = run(&["verify", b3.to_str().unwrap(), "--file", forged.to_str().unwrap(), "--checkpoint", &genesis_hash]);
    assert_eq!(code, 1);
    assert!(text.contains("step 8 (document)"), "{text}");
    // Another document of the batch is not the one this bundle is for.
    let (code, _) = run(&["verify", b3.to_str().unwrap(), "--file", &pdfs[1]]);
    assert_eq!(code, 1);
    // A wrong checkpoint fails at the checkpoint step.
    let (code, text) = run(&["verify", b3.to_str().unwrap(), "--checkpoint", &"00".repeat(32)]);
    assert_eq!(code, 1);
    assert!(text.contains("step 2 (checkpoint)"), "{text}");
    // The revoked certificate is valid evidence of a revoked proof (exit code 2).
    let (code, text) = run(&["verify", b4.to_str().unwrap(), "--file", &pdfs[3], "--checkpoint", &genesis_hash]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("REVOKED") && text.contains("privilege_withdrawn"), "{text}");
    // A corrupted bundle file fails to decode.
    let mut bytes = std::fs::read(&b3).unwrap();
    bytes.truncate(bytes.len() / 2);
    let cut = work.join("cut.vellum");
    std::fs::write(&cut, bytes).unwrap();
    let (code, text) = run(&["verify", cut.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(text.contains("step 1 (decode)"), "{text}");
}

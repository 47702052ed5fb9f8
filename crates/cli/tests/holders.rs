//! Holders and batch members on the network, on real processes with validator 0 killed: a
//! university registers a salted batch naming each student as the holder of their
//! certificate, and its original encrypted for the student; the university then loses its
//! manifests. A student still fetches their own bundle (with the salt the university gave
//! them) and original, finds their certificate by digest, and the bundle verifies with the
//! document; another student is refused, and every attempt is audited.

mod common;

use common::*;

#[test]
fn students_fetch_their_own_evidence_after_the_issuer_lost_its_manifests() {
    let tmp = tempfile::tempdir().unwrap();
    let (_guard, client) = devnet_one_down(tmp.path());
    let c = client.as_str();
    let keys = tmp.path().join("devnet/keys");
    // Two students with accounts (KYC by the registrar) and age identities for originals.
    let mut students = Vec::new();
    for who in ["alice", "bob"] {
        let k = json(&["key", "new", "--plain", "--insecure-plain-keys", "--out", keys.join(format!("{who}.key")).to_str().unwrap()]);
        let id_file = tmp.path().join(format!("{who}-id.txt"));
        std::fs::write(&id_file, format!("{who}: passport checked")).unwrap();
        json(&["account", "open", "--client", c, "--public-key", k["public_key"].as_str().unwrap(), "--identity-file", id_file.to_str().unwrap(), "--label", who]);
        let age = json(&["key", "new-encryption", "--out", keys.join(format!("{who}.age")).to_str().unwrap()]);
        students.push((who, k["account_id"].as_str().unwrap().to_string(), age["recipient"].as_str().unwrap().to_string()));
    }
    let work = tmp.path().join("university");
    std::fs::create_dir_all(&work).unwrap();
    let certs: Vec<String> = students
        .iter()
        .map(|(who, _, _)| {
            let p = work.join(format!("{who}.pdf"));
            std::fs::write(&p, format!("%PDF-1.7 degree of {who}, BSc 2026\n%%EOF")).unwrap();
            p.to_str().unwrap().to_string()
        })
        .collect();
    let proofs = work.join("proofs");
    let mut args = vec!["proof", "register", "--client", c, "--salted", "--out-dir", proofs.to_str().unwrap()];
    args.extend(certs.iter().map(String::as_str));
    for (_, id, _) in &students {
        args.extend(["--holder", id.as_str()]);
    }
    let reg = json(&args);
    assert_eq!((reg["members_on_network"].as_bool(), reg["holders"].as_u64()), (Some(true), Some(2)), "{reg}");
    let proof = reg["proof_id"].as_str().unwrap().to_string();
    // What the university gives each student: proof id, member index and salt (from its
    // manifest), then the manifest is lost.
    let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(reg["manifest"].as_str().unwrap()).unwrap()).unwrap();
    let salt = |i: usize| manifest["documents"][i]["salt"].as_str().unwrap().to_string();
    let (alice_salt, bob_salt) = (salt(0), salt(1));
    std::fs::remove_dir_all(&proofs).unwrap();

    // The original of Alice's certificate, encrypted for her alone, stored by the university
    // as a separate single registration she holds.
    let transcript = work.join("alice-transcript.pdf");
    std::fs::write(&transcript, "%PDF-1.7 transcript of alice\n%%EOF").unwrap();
    let t = json(&[
        "proof", "register", "--client", c, "--store", "--recipient", &students[0].2, "--holder", &students[0].1,
        "--out-dir", proofs.to_str().unwrap(), transcript.to_str().unwrap(),
    ]);
    let transcript_id = t["proof_id"].as_str().unwrap().to_string();
    std::fs::remove_dir_all(&proofs).unwrap();

    // Alice: her bundle by proof and member, and by digest lookup (no manifest anywhere).
    let empty = work.join("no-manifests");
    let out = work.join("alice.vellum");
    let b = json(&[
        "proof", "bundle", "--client", c, "--key", "alice", "--manifests", empty.to_str().unwrap(), "--proof", &proof, "--member", "0",
        "--salt", &alice_salt, &certs[0], "--out", out.to_str().unwrap(),
    ]);
    assert_eq!(b["member"], 0, "{b}");
    let v = json(&["verify", out.to_str().unwrap(), "--file", &certs[0]]);
    assert_eq!((v["valid"].as_bool(), v["document"].as_str(), v["member"].as_u64()), (Some(true), Some("matched"), Some(0)), "{v}");
    let out2 = work.join("alice-by-lookup.vellum");
    let b = json(&[
        "proof", "bundle", "--client", c, "--key", "alice", "--manifests", empty.to_str().unwrap(), "--salt", &alice_salt, &certs[0],
        "--out", out2.to_str().unwrap(),
    ]);
    assert_eq!((b["proof_id"].as_str(), b["member"].as_u64()), (Some(proof.as_str()), Some(0)), "digest lookup finds the member: {b}");
    // Her original.
    let fetched = work.join("alice-transcript-fetched.pdf");
    json(&[
        "proof", "original", "--client", c, "--key", "alice", "--identity", keys.join("alice.age").to_str().unwrap(), "--proof", &transcript_id,
        "--out", fetched.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read(&fetched).unwrap(), std::fs::read(&transcript).unwrap());

    // Bob holds member 1, not member 0 nor the transcript: refused (403), and audited.
    let (ok, text) = vellum(&[
        "proof", "bundle", "--client", c, "--key", "bob", "--manifests", empty.to_str().unwrap(), "--proof", &proof, "--member", "0",
        "--salt", &alice_salt, &certs[0], "--out", work.join("x").to_str().unwrap(),
    ]);
    assert!(!ok && text.contains("403"), "{text}");
    let (ok, text) = vellum(&[
        "proof", "original", "--client", c, "--key", "bob", "--identity", keys.join("bob.age").to_str().unwrap(), "--proof", &transcript_id,
        "--out", work.join("y").to_str().unwrap(),
    ]);
    assert!(!ok && text.contains("403"), "{text}");
    let bob = json(&[
        "proof", "bundle", "--client", c, "--key", "bob", "--manifests", empty.to_str().unwrap(), "--proof", &proof, "--member", "1",
        "--salt", &bob_salt, &certs[1], "--out", work.join("bob.vellum").to_str().unwrap(),
    ]);
    assert_eq!(bob["member"], 1);
    // A wrong salt does not open the registered digest: nothing is written.
    let (ok, text) = vellum(&[
        "proof", "bundle", "--client", c, "--key", "bob", "--manifests", empty.to_str().unwrap(), "--proof", &proof, "--member", "1",
        "--salt", &alice_salt, &certs[1], "--out", work.join("z").to_str().unwrap(),
    ]);
    assert!(!ok && text.contains("does not verify"), "{text}");
    assert!(!work.join("z").exists());

    let shown = json(&["proof", "show", "--client", c, "--key", "auditor", "--proof", &proof]);
    let audit = shown["audit"].as_array().unwrap();
    let bob_id = &students[1].1;
    assert!(audit.iter().any(|a| a["reader"] == *bob_id && a["allowed"] == false && a["action"] == "bundle"), "{audit:?}");
    assert!(audit.iter().any(|a| a["reader"] == students[0].1 && a["allowed"] == true), "{audit:?}");
}

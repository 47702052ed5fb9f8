//! Selectively disclosed credentials on real processes, with validator 0 killed (X.1407
//! Appendix II with X.1407 9.1.3): the university issues a year's certificates as SD-JWT VCs,
//! registers them as one batch naming each student as holder, and loses its manifests; a
//! student fetches their own bundle and presents only degree and year to an employer, who
//! verifies presentation and ledger evidence offline and sees nothing else; a later
//! revocation shows in a fresh status proof.
//!
//! Interop (run when `CI=true` or `VELLUM_SDJWT=1`: needs python3 with venv and PyPI): the
//! Python SD-JWT reference implementation verifies a Vellum presentation, and Vellum verifies
//! a credential issued and presented by that library, registered on the ledger.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Student {
    name: &'static str,
    key: PathBuf,
    account: String,
    public_key: String,
}

fn student(c: &str, keys: &Path, name: &'static str, scheme: &str) -> Student {
    let key = keys.join(format!("{name}.key"));
    let k = json(&["key", "new", "--plain", "--insecure-plain-keys", "--scheme", scheme, "--out", key.to_str().unwrap()]);
    let id = keys.join(format!("{name}-identity.txt"));
    std::fs::write(&id, format!("{name}: passport checked")).unwrap();
    let public_key = k["public_key"].as_str().unwrap().to_string();
    json(&["account", "open", "--client", c, "--public-key", &public_key, "--identity-file", id.to_str().unwrap(), "--label", name]);
    Student { name, key, account: k["account_id"].as_str().unwrap().to_string(), public_key }
}

#[test]
fn a_graduate_shows_degree_and_year_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let (_guard, client) = devnet_one_down(tmp.path());
    let c = client.as_str();
    let keys = tmp.path().join("devnet/keys");
    let work = tmp.path().join("university");
    std::fs::create_dir_all(&work).unwrap();
    let students = [student(c, &keys, "alice", "p256"), student(c, &keys, "bob", "ed25519")];

    // Issue one credential per student, then register the issuer-signed JWTs as one batch.
    let mut jwts = Vec::new();
    for (i, s) in students.iter().enumerate() {
        let claims = work.join(format!("{}.json", s.name));
        let grade = ["A", "B"][i];
        let body = serde_json::json!({ "name": s.name, "degree": "BSc Computer Science", "year": 2026, "grades": { "algorithms": grade } });
        std::fs::write(&claims, body.to_string()).unwrap();
        let out = work.join(s.name);
        let v = json(&["credential", "issue", "--client", c, "--claims", claims.to_str().unwrap(), "--holder-key", &s.public_key, "--out", out.to_str().unwrap()]);
        jwts.push(v["register"].as_str().unwrap().to_string());
    }
    let proofs = work.join("proofs");
    let mut args = vec!["proof", "register", "--client", c, "--out-dir", proofs.to_str().unwrap()];
    args.extend(jwts.iter().map(String::as_str));
    for s in &students {
        args.extend(["--holder", s.account.as_str()]);
    }
    let proof = json(&args)["proof_id"].as_str().unwrap().to_string();
    std::fs::remove_dir_all(&proofs).unwrap();

    // Alice, the holder, fetches her own bundle (no manifest anywhere) and presents.
    let alice = &students[0];
    let bundle = work.join("alice.vellum");
    json(&[
        "proof", "bundle", "--client", c, "--key", alice.key.to_str().unwrap(), "--manifests", work.join("none").to_str().unwrap(),
        "--proof", &proof, "--member", "0", &jwts[0], "--out", bundle.to_str().unwrap(),
    ]);
    let (aud, nonce) = ("https://employer.example", "job-4711");
    let presentation = work.join("alice-presentation.txt");
    let credential = work.join("alice.sd-jwt");
    let p = json(&[
        "credential", "present", "--insecure-plain-keys", credential.to_str().unwrap(), "--disclose", "degree", "--disclose", "year", "--key", alice.key.to_str().unwrap(),
        "--aud", aud, "--nonce", nonce, "--out", presentation.to_str().unwrap(),
    ]);
    assert_eq!(p["hidden"], serde_json::json!(["grades", "name"]), "{p}");
    let text = std::fs::read_to_string(&presentation).unwrap();
    assert!(!text.contains("alice") && !text.contains("algorithms"), "hidden claims are not in the presentation");

    // The employer verifies offline: registered, by whom, and only degree and year.
    let genesis = std::fs::read_to_string(tmp.path().join("devnet/client.toml")).unwrap();
    let genesis = genesis.lines().find_map(|l| l.strip_prefix("genesis_hash = ")).unwrap().trim_matches('"').to_string();
    let v = json(&["credential", "verify", presentation.to_str().unwrap(), "--bundle", bundle.to_str().unwrap(), "--aud", aud, "--nonce", nonce, "--checkpoint", &genesis]);
    assert_eq!(v["disclosed"], serde_json::json!({ "degree": "BSc Computer Science", "year": 2026 }), "{v}");
    assert_eq!((v["claims_signed"].as_u64(), v["status"]["status"].as_str()), (Some(4), Some("live")));
    // Replayed to another verifier, or with another nonce: refused.
    let (ok, text) = vellum(&["credential", "verify", presentation.to_str().unwrap(), "--bundle", bundle.to_str().unwrap(), "--aud", "https://other.example", "--nonce", nonce]);
    assert!(!ok && text.contains("audience"), "{text}");
    // Bob's bundle does not prove Alice's credential.
    let bob_bundle = work.join("bob.vellum");
    json(&[
        "proof", "bundle", "--client", c, "--key", students[1].key.to_str().unwrap(), "--manifests", work.join("none").to_str().unwrap(),
        "--proof", &proof, "--member", "1", &jwts[1], "--out", bob_bundle.to_str().unwrap(),
    ]);
    let (ok, text) = vellum(&["credential", "verify", presentation.to_str().unwrap(), "--bundle", bob_bundle.to_str().unwrap(), "--aud", aud, "--nonce", nonce]);
    assert!(!ok && text.contains("step 8 (document)"), "{text}");

    // The degree is revoked later; a fresh status proof tells the employer.
    json(&["proof", "revoke", "--client", c, "--proof", &proof, "--member", "0", "--reason", "privilege_withdrawn"]);
    let status = work.join("alice.status");
    json(&["proof", "status", "--client", c, "--proof", &proof, "--member", "0", "--out", status.to_str().unwrap()]);
    let out = Command::new(BIN)
        .args(["credential", "verify", presentation.to_str().unwrap(), "--bundle", bundle.to_str().unwrap(), "--aud", aud, "--nonce", nonce, "--status", status.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("REVOKED") && text.contains("degree: \"BSc Computer Science\""), "{text}");

    if interop_enabled() {
        interop(c, &keys, &work, alice, &presentation, aud, nonce);
    }
}

fn interop_enabled() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true") || std::env::var("VELLUM_SDJWT").is_ok_and(|v| v == "1")
}

/// A virtualenv with the pinned reference implementation, made once per target directory.
fn python() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sdjwt");
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sdjwt-venv");
    let requirements = std::fs::read_to_string(dir.join("requirements.txt")).unwrap();
    let stamp = venv.join(".vellum-installed");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(requirements.as_str()) {
        let python = std::env::var("VELLUM_PYTHON").unwrap_or_else(|_| "python3".into());
        assert!(Command::new(&python).args(["-m", "venv"]).arg(&venv).status().unwrap().success(), "{python} -m venv failed (install python3-venv)");
        let ok = Command::new(venv.join("bin/python"))
            .args(["-m", "pip", "install", "--disable-pip-version-check", "--quiet", "--timeout", "60", "--retries", "5", "-r"])
            .arg(dir.join("requirements.txt"))
            .status()
            .unwrap()
            .success();
        assert!(ok, "pip install of the SD-JWT reference implementation failed (PyPI unreachable?)");
        std::fs::write(&stamp, &requirements).unwrap();
    }
    venv.join("bin/python")
}

fn py(args: &[&str]) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sdjwt/interop.py");
    let out = Command::new(python()).arg(script).args(args).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "interop.py {args:?}: {text}{}", String::from_utf8_lossy(&out.stderr));
    text
}

fn interop(c: &str, keys: &Path, work: &Path, alice: &Student, presentation: &Path, aud: &str, nonce: &str) {
    // 1. The reference implementation verifies what Vellum issued and Alice presented.
    let issuer = json(&["key", "show", keys.join("issuer.key").to_str().unwrap()]);
    let issuer_pub = issuer["public_key"].as_str().unwrap().trim_start_matches("ed25519:").to_string();
    let payload: serde_json::Value = serde_json::from_str(&py(&["verify", presentation.to_str().unwrap(), &issuer_pub, aud, nonce])).unwrap();
    assert_eq!((payload["degree"].as_str(), payload["year"].as_u64()), (Some("BSc Computer Science"), Some(2026)), "{payload}");
    assert!(payload.get("name").is_none() && payload.get("grades").is_none(), "{payload}");

    // 2. Vellum verifies a credential the reference implementation issued (with the
    //    university's key) and presented (with Alice's key), once registered on the ledger.
    let chain = json(&["status", "--client", c])["chain_id"].as_str().unwrap().to_string();
    let iss = format!("vellum:{chain}:{}", issuer["account_id"].as_str().unwrap());
    let claims = work.join("py-claims.json");
    std::fs::write(&claims, r#"{"degree": "MSc Mathematics", "year": 2027, "name": "alice"}"#).unwrap();
    let (jwt, pres) = (work.join("py.jwt"), work.join("py-presentation.txt"));
    py(&[
        "issue", keys.join("issuer.key").to_str().unwrap(), alice.key.to_str().unwrap(), &iss, claims.to_str().unwrap(), "degree", aud, nonce,
        jwt.to_str().unwrap(), pres.to_str().unwrap(),
    ]);
    let proofs = work.join("py-proofs");
    json(&["proof", "register", "--client", c, "--out-dir", proofs.to_str().unwrap(), "--holder", &alice.account, jwt.to_str().unwrap()]);
    let bundle = work.join("py.vellum");
    json(&["proof", "bundle", "--client", c, "--manifests", proofs.to_str().unwrap(), jwt.to_str().unwrap(), "--out", bundle.to_str().unwrap()]);
    let v = json(&["credential", "verify", pres.to_str().unwrap(), "--bundle", bundle.to_str().unwrap(), "--aud", aud, "--nonce", nonce]);
    assert_eq!(v["disclosed"], serde_json::json!({ "degree": "MSc Mathematics" }), "{v}");
}

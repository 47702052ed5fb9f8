//! RFC 3161 timestamp tokens on log checkpoints, from a local TSA (`openssl ts`): the token
//! verifier against real tokens, and `vellum log checkpoint --tsa` / `vellum log verify` on a
//! devnet.

mod common;

use common::tsa::{LocalTsa, make_tsa, stamp};
use common::{devnet_up, json, vellum};
use vellum_evidence::timestamp::{TimestampError, TimestampInfo, certificate_der, request, verify_token};

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64
}

#[test]
fn tokens_from_openssl_verify_and_anything_else_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let other = certificate_der(&std::fs::read(make_tsa(&tmp.path().join("other"), "ec", true)).unwrap()).unwrap();
    let no_eku = certificate_der(&std::fs::read(make_tsa(&tmp.path().join("no-eku"), "ec", false)).unwrap()).unwrap();
    for key in ["rsa", "ec"] {
        let dir = tmp.path().join(key);
        let cert = certificate_der(&std::fs::read(make_tsa(&dir, key, true)).unwrap()).unwrap();
        let message = b"vellum-devnet\n42\nroot\n";
        let nonce = [0x41, 1, 2, 3, 4, 5, 6, 7];
        let token = stamp(&dir, &request(message, &nonce));

        let info = verify_token(&token, message, &cert, Some(&nonce)).unwrap_or_else(|e| panic!("{key}: {e}"));
        assert!(info.gen_time_ms.abs_diff(now_ms()) < 120_000, "{key}: {info:?}");
        assert_eq!(info.policy, "1.2.3.4.1");
        assert_eq!(info.nonce.as_deref(), Some(&nonce[..]));

        assert_eq!(verify_token(&token, b"another checkpoint", &cert, None), Err(TimestampError::WrongMessage));
        assert_eq!(verify_token(&token, message, &cert, Some(&[0x42])), Err(TimestampError::WrongNonce));
        assert_eq!(verify_token(&token, message, &other, None), Err(TimestampError::OtherSigner));
        assert!(matches!(verify_token(&token, message, &no_eku, None), Err(TimestampError::Certificate(_))));
        // Every single-byte change is refused, or touches only what no signature covers (the
        // response's status text, the embedded certificate copy) and names the same time: no
        // panic, no other time or message accepted.
        let imprint = vellum_types::hash::sha256(message);
        let at = token.windows(32).position(|w| w == imprint.as_slice()).expect("the imprint is in the token");
        let mut refused = 0;
        for i in 0..token.len() {
            let mut bad = token.clone();
            bad[i] ^= 0x01;
            match verify_token(&bad, message, &cert, None) {
                Ok(other_info) => assert_eq!(other_info, TimestampInfo { nonce: info.nonce.clone(), ..info.clone() }, "{key}: byte {i}"),
                Err(_) => refused += 1,
            }
            if (at..at + 32).contains(&i) {
                assert_eq!(verify_token(&bad, message, &cert, None), Err(TimestampError::WrongMessage));
            }
        }
        assert!(refused > 0, "{key}");
        // Truncations never panic.
        for n in 0..token.len() {
            assert!(verify_token(&token[..n], message, &cert, None).is_err());
        }
    }
}

#[test]
fn a_devnet_checkpoint_is_timestamped_and_imported_offline() {
    let tmp = tempfile::tempdir().unwrap();
    let tsa = LocalTsa::start(&tmp.path().join("tsa"), "ec");
    let dir = tmp.path().join("net");
    let (_net, _apis) = devnet_up(&dir);
    let client = dir.join("client.toml");
    let c = client.to_str().unwrap();
    let key = dir.join("user.key");
    let k = json(&["key", "new", "--plain", "--insecure-plain-keys", "--out", key.to_str().unwrap()]);
    let id_file = dir.join("user.id");
    std::fs::write(&id_file, "identity record").unwrap();
    json(&["account", "open", "--client", c, "--public-key", k["public_key"].as_str().unwrap(), "--identity-file", id_file.to_str().unwrap()]);

    let cp = tmp.path().join("checkpoint.txt");
    let (cps, certs) = (cp.to_str().unwrap(), tsa.certificate.to_str().unwrap());
    let out = json(&["log", "checkpoint", "--client", c, "--out", cps, "--tsa", &tsa.url, "--tsa-cert", certs]);
    assert!(out["timestamp"]["gen_time_ms"].as_u64().unwrap().abs_diff(now_ms()) < 120_000, "{out}");
    assert!(tmp.path().join("checkpoint.txt.tsr").exists());

    // Import offline: the validators' quorum and the TSA's token.
    let genesis = dir.join("genesis.toml");
    let g = genesis.to_str().unwrap();
    let v = json(&["log", "verify", cps, "--genesis", g, "--tsa-cert", certs]);
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["timestamp"]["gen_time"], out["timestamp"]["gen_time"], "{v}");

    // The token does not carry over to another checkpoint, nor verify under another TSA.
    let key2 = dir.join("user2.key");
    let k2 = json(&["key", "new", "--plain", "--insecure-plain-keys", "--out", key2.to_str().unwrap()]);
    json(&["account", "open", "--client", c, "--public-key", k2["public_key"].as_str().unwrap(), "--identity-file", id_file.to_str().unwrap()]);
    let later = tmp.path().join("later.txt");
    json(&["log", "checkpoint", "--client", c, "--out", later.to_str().unwrap()]);
    let token = tmp.path().join("checkpoint.txt.tsr");
    let (ok, text) = vellum(&["log", "verify", later.to_str().unwrap(), "--genesis", g, "--token", token.to_str().unwrap(), "--tsa-cert", certs]);
    assert!(!ok && text.contains("does not timestamp this checkpoint") && text.contains("another message"), "{text}");
    let other = make_tsa(&tmp.path().join("other"), "rsa", true);
    let (ok, text) = vellum(&["log", "verify", cps, "--genesis", g, "--tsa-cert", other.to_str().unwrap()]);
    assert!(!ok && text.contains("not signed by the pinned TSA certificate"), "{text}");
    // A TSA that cannot be reached: a clear error and no token file.
    let lost = tmp.path().join("lost.txt");
    let (ok, text) = vellum(&["log", "checkpoint", "--client", c, "--out", lost.to_str().unwrap(), "--tsa", "http://127.0.0.1:9/tsa", "--tsa-cert", certs]);
    assert!(!ok && text.contains("cannot reach the TSA"), "{text}");
    assert!(!tmp.path().join("lost.txt.tsr").exists() && !lost.exists(), "nothing written when the TSA fails");
    // No validator reachable: a clear error naming each address, and nothing written.
    let mut unreachable: toml::Table = std::fs::read_to_string(&client).unwrap().parse().unwrap();
    unreachable.insert("api".into(), toml::Value::Array(vec!["http://127.0.0.1:9".into()]));
    let dead = dir.join("dead-client.toml");
    std::fs::write(&dead, unreachable.to_string()).unwrap();
    let (ok, text) = vellum(&["log", "checkpoint", "--client", dead.to_str().unwrap(), "--out", lost.to_str().unwrap()]);
    assert!(!ok && text.contains("no validator served a log anchor") && text.contains("127.0.0.1:9"), "{text}");
    assert!(!lost.exists() && !tmp.path().join("lost.txt.anchor").exists(), "nothing written when no validator answers");
    // A certificate file that cannot be read fails before anything is fetched or written.
    let (ok, text) = vellum(&["log", "checkpoint", "--client", c, "--out", lost.to_str().unwrap(), "--tsa", &tsa.url, "--tsa-cert", "/nonexistent.pem"]);
    assert!(!ok && text.contains("cannot read the TSA certificate") && !lost.exists(), "{text}");
    // Flags that only make sense together.
    let (ok, text) = vellum(&["log", "checkpoint", "--client", c, "--out", lost.to_str().unwrap(), "--tsa-cert", certs]);
    assert!(!ok && text.contains("--tsa"), "{text}");
    let (ok, text) = vellum(&["log", "verify", cps, "--genesis", g, "--token", token.to_str().unwrap()]);
    assert!(!ok && text.contains("--tsa-cert"), "{text}");
}

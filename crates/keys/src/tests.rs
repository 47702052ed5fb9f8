//! Keystores, key-file kinds and the plain-key switch; keys in a real SoftHSM2 token.

use super::*;
use crate::keystore::{Cost, KDF_MEMORY_KIB_MIN};

/// Cheap KDF parameters for tests (the minimum accepted).
const TEST_COST: Cost = Cost { memory_kib: KDF_MEMORY_KIB_MIN, passes: 1, lanes: 1 };

    fn err(r: Result<SecretKey, KeystoreError>) -> String {
        match r {
            Ok(k) => panic!("expected an error, got key {}", k.public_key()),
            Err(e) => format!("{e:#}"),
        }
    }

    fn key() -> SecretKey {
        SecretKey::from_bytes("ed25519", [42; 32]).unwrap()
    }

    #[test]
    fn keystore_round_trip_and_wrong_password() {
        let ks = Keystore::seal_for(&key(), "correct horse battery", TEST_COST, None).unwrap();
        assert_eq!(ks.open("correct horse battery").unwrap().to_bytes(), key().to_bytes());
        let err = err(ks.open("wrong password!"));
        assert!(err.contains("wrong password"), "{err}");
        assert!(Keystore::seal_for(&key(), "short", TEST_COST, None).is_err(), "short passwords are refused");
        // JSON round trip keeps it openable.
        let text = serde_json::to_string(&ks).unwrap();
        let back: Keystore = serde_json::from_str(&text).unwrap();
        assert!(back.open("correct horse battery").is_ok());
    }

    #[test]
    fn edited_parameters_are_detected() {
        let ks = Keystore::seal_for(&key(), "correct horse battery", TEST_COST, None).unwrap();
        let mut weaker = ks.clone();
        weaker.memory_kib = KDF_MEMORY_KIB_MIN + 1;
        assert!(err(weaker.open("correct horse battery")).contains("modified"));
        let mut other = ks.clone();
        other.public_key = SecretKey::from_bytes("ed25519", [1; 32]).unwrap().public_key().to_string();
        assert!(other.open("correct horse battery").is_err());
        let mut too_weak = ks.clone();
        too_weak.memory_kib = 64;
        assert!(err(too_weak.open("correct horse battery")).contains("minimum"));
        // A hostile file cannot make opening it cost terabytes or hours: refused before the KDF.
        for edit in [|k: &mut Keystore| k.memory_kib = u32::MAX, |k: &mut Keystore| k.passes = 1 << 30, |k: &mut Keystore| k.lanes = 1 << 20] {
            let mut costly = ks.clone();
            edit(&mut costly);
            assert!(err(costly.open("correct horse battery")).contains("maximum"));
        }
    }

#[test]
fn each_kind_of_key_file_is_recognised_and_plain_ones_need_the_switch() {
    let dir = tempfile::tempdir().unwrap();
    let secret = key();
    let plain = dir.path().join("plain.key");
    std::fs::write(&plain, format!("ed25519:{}\n", hex::encode(secret.to_bytes()))).unwrap();
    let validator = dir.path().join("validator.key");
    std::fs::write(&validator, hex::encode(secret.to_bytes())).unwrap();
    let sealed = dir.path().join("sealed.key");
    let ks = Keystore::seal_for(&secret, "correct horse battery", TEST_COST, None).unwrap();
    std::fs::write(&sealed, serde_json::to_string(&ks).unwrap()).unwrap();
    let no_password = || Err("none given".to_string());
    let password = || Ok(Zeroizing::new("correct horse battery".to_string()));
    let strict = Unlock { allow_plain: false, password: &password };
    let devnet = Unlock { allow_plain: true, password: &no_password };
    for path in [&plain, &validator] {
        let e = load(path, &strict).err().unwrap().to_string();
        assert!(e.contains("--insecure-plain-keys") && e.contains("plain"), "{e}");
        assert_eq!(load(path, &devnet).unwrap().public_key(), secret.public_key());
    }
    assert_eq!(load(&sealed, &strict).unwrap().public_key(), secret.public_key());
    let e = load(&sealed, &devnet).err().unwrap().to_string();
    assert!(e.contains("no password") && e.contains("none given"), "{e}");
    let wrong = || Ok(Zeroizing::new("not the password".to_string()));
    let e = load(&sealed, &Unlock { allow_plain: false, password: &wrong }).err().unwrap().to_string();
    assert!(e.contains("wrong password"), "{e}");
    // Garbage, a bad reference and an oversized file: clear errors, nothing unlocked.
    for (name, text) in [("junk", "hello".to_string()), ("ref", r#"{"pkcs11": {"module": 1}}"#.to_string()), ("big", "0".repeat(KEY_FILE_BYTES_MAX as usize + 1))] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let e = load(&path, &devnet).err().unwrap().to_string();
        assert!(e.contains("not a key file") || e.contains("larger than"), "{name}: {e}");
    }
}

#[test]
fn the_service_password_comes_from_the_file_first() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pw");
    std::fs::write(&file, "from the file\n").unwrap();
    assert_eq!(service_password(Some(&file)).unwrap().as_str(), "from the file");
    let e = service_password(Some(&dir.path().join("missing"))).unwrap_err();
    assert!(e.contains("cannot read the password file"), "{e}");
    // Then the systemd credential, then the environment. (Only this test touches these.)
    let credentials = dir.path().join("credentials");
    std::fs::create_dir(&credentials).unwrap();
    std::fs::write(credentials.join(CREDENTIAL_NAME), "from systemd\n").unwrap();
    // SAFETY: no other test of this binary reads these variables.
    unsafe {
        std::env::set_var(PASSWORD_ENV, "from the environment");
        std::env::set_var("CREDENTIALS_DIRECTORY", &credentials);
    }
    assert_eq!(service_password(Some(&file)).unwrap().as_str(), "from the file");
    assert_eq!(service_password(None).unwrap().as_str(), "from systemd");
    std::fs::remove_file(credentials.join(CREDENTIAL_NAME)).unwrap();
    assert_eq!(service_password(None).unwrap().as_str(), "from the environment");
    unsafe {
        std::env::remove_var(PASSWORD_ENV);
        std::env::remove_var("CREDENTIALS_DIRECTORY");
    }
    assert!(service_password(None).unwrap_err().contains(PASSWORD_ENV));
}

mod softhsm {
    use super::*;
    use crate::token::{self, TokenLocation, TokenRef};

    /// Where Debian's softhsm2 puts the module (scripts/ensure-softhsm.sh installs it).
    pub const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

    /// Installs SoftHSM2 when it is missing (the script the CI and a developer run alike).
    fn ensure_softhsm() {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/ensure-softhsm.sh");
        let out = std::process::Command::new("bash").arg(&script).output().expect("bash runs");
        assert!(out.status.success() && Path::new(MODULE).exists(), "SoftHSM2 could not be installed by {}: {}", script.display(), String::from_utf8_lossy(&out.stderr));
    }

    /// Every token the tests use. SoftHSM2 reads its config path from the environment and
    /// lists its tokens once, when the module initialises: the tokens are made first, in one
    /// directory of this test process, before any test loads the module.
    const TOKENS: [&str; 4] = ["generated", "imported", "bad-pin", "through-load"];

    /// The SoftHSM2 token `label`, initialised with user PIN 1234 (in a PIN file).
    fn token(label: &str) -> TokenLocation {
        static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
        ensure_softhsm();
        assert!(TOKENS.contains(&label), "add {label} to TOKENS");
        let dir = DIR.get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            std::fs::create_dir(dir.path().join("tokens")).unwrap();
            let conf = dir.path().join("softhsm2.conf");
            std::fs::write(&conf, format!("directories.tokendir = {}\nobjectstore.backend = file\n", dir.path().join("tokens").display())).unwrap();
            for label in TOKENS {
                let out = std::process::Command::new("softhsm2-util")
                    .args(["--init-token", "--free", "--label", label, "--pin", "1234", "--so-pin", "123456"])
                    .env("SOFTHSM2_CONF", &conf)
                    .output()
                    .expect("softhsm2-util runs");
                assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            }
            std::fs::write(dir.path().join("pin"), "1234\n").unwrap();
            // SAFETY: set while the lock is held, before any test of this binary loads the module.
            unsafe { std::env::set_var("SOFTHSM2_CONF", &conf) };
            dir
        });
        TokenLocation { module: MODULE.into(), token: label.into(), label: "key".into(), pin_file: Some(dir.path().join("pin")) }
    }

    #[test]
    fn keys_generated_in_the_token_sign_what_the_ledger_verifies() {
        let location = token("generated");
        for scheme in ["ed25519", "p256"] {
            let location = TokenLocation { label: format!("{scheme}-key"), ..location.clone() };
            let reference = token::generate(&location, scheme).unwrap();
            let signer = token::open(&reference).unwrap();
            assert_eq!(signer.public_key().to_string(), reference.public_key);
            let sig = signer.sign(b"a transaction's signing bytes").unwrap();
            assert_eq!(vellum_crypto::verify_signature(&sig, b"a transaction's signing bytes").unwrap(), signer.public_key());
            assert!(signer.software().is_err(), "a token key has no software secret");
            // One label, one key.
            let e = token::generate(&location, scheme).unwrap_err().to_string();
            assert!(e.contains("already holds"), "{e}");
            // A reference pointing at another public key is refused before anything is signed.
            let mut forged: TokenRef = reference.clone();
            forged.public_key = key().public_key().to_string();
            let e = token::open(&forged).err().unwrap().to_string();
            assert!(e.contains("not the one the reference names"), "{e}");
            // Destroyed: gone from the token.
            token::destroy(&reference).unwrap();
            let e = token::open(&reference).err().unwrap().to_string();
            assert!(e.contains("has no private key"), "{e}");
        }
        assert!(token::generate(&location, "secp256k1").is_err(), "secp256k1 is not a token scheme");
    }

    #[test]
    fn an_imported_key_keeps_its_public_key_and_a_bad_pin_is_refused() {
        let location = token("imported");
        for scheme in ["ed25519", "p256"] {
            let secret = SecretKey::from_bytes(scheme, [11; 32]).unwrap();
            let location = TokenLocation { label: format!("{scheme}-imported"), ..location.clone() };
            let reference = token::import(&location, &secret).unwrap();
            assert_eq!(reference.public_key, secret.public_key().to_string());
            let signer = token::open(&reference).unwrap();
            let sig = signer.sign(b"audit batch").unwrap();
            assert_eq!(vellum_crypto::verify_signature(&sig, b"audit batch").unwrap(), secret.public_key());
            if scheme == "ed25519" {
                assert_eq!(sig, secret.sign(b"audit batch"), "the token's Ed25519 equals the software one");
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let bad_pin = dir.path().join("bad.pin");
        std::fs::write(&bad_pin, "0000").unwrap();
        let fresh = token("bad-pin");
        let wrong = TokenLocation { pin_file: Some(bad_pin), ..fresh.clone() };
        let e = token::generate(&wrong, "ed25519").unwrap_err().to_string();
        assert!(e.contains("refused the PIN"), "{e}");
        let relative = TokenLocation { module: "libsofthsm2.so".into(), ..fresh.clone() };
        let e = token::generate(&relative, "ed25519").unwrap_err().to_string();
        assert!(e.contains("must be absolute"), "{e}");
        let missing = TokenLocation { token: "no-such-token".into(), ..fresh };
        let e = token::generate(&missing, "ed25519").unwrap_err().to_string();
        assert!(e.contains("no PKCS#11 token labelled"), "{e}");
    }

    #[test]
    fn a_reference_file_loads_through_the_common_path() {
        let location = TokenLocation { label: "through-load".into(), ..token("through-load") };
        let reference = token::generate(&location, "ed25519").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alice.key");
        std::fs::write(&path, serde_json::to_string_pretty(&reference).unwrap()).unwrap();
        let never = || -> Result<Zeroizing<String>, String> { panic!("a token key asks for no keystore password") };
        let signer = load(&path, &Unlock { allow_plain: false, password: &never }).unwrap();
        assert_eq!(signer.public_key().to_string(), reference.public_key);
    }
}

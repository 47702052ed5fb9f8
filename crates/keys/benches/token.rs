//! `cargo bench -p vellum-keys --bench token`: signatures per second through a PKCS#11 token
//! (SoftHSM2, installed by scripts/ensure-softhsm.sh) against the same keys in memory, in the
//! same run — what a node-account key or a CLI key in a token costs per signed transaction.
//! The bound is the in-memory signer; the figure is the ratio.

use std::path::Path;
use std::time::{Duration, Instant};
use vellum_crypto::{SecretKey, Signer};
use vellum_keys::{TokenLocation, token};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const SIGNATURES: usize = 2_000;

fn rate(signer: &Signer, message: &[u8]) -> f64 {
    let start = Instant::now();
    for _ in 0..SIGNATURES {
        std::hint::black_box(signer.sign(message).expect("signs"));
    }
    let elapsed: Duration = start.elapsed();
    SIGNATURES as f64 / elapsed.as_secs_f64()
}

fn main() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/ensure-softhsm.sh");
    let ok = std::process::Command::new("bash").arg(&script).status().is_ok_and(|s| s.success());
    assert!(ok && Path::new(MODULE).exists(), "SoftHSM2 is needed: {}", script.display());
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("tokens")).unwrap();
    let conf = dir.path().join("softhsm2.conf");
    std::fs::write(&conf, format!("directories.tokendir = {}\nobjectstore.backend = file\n", dir.path().join("tokens").display())).unwrap();
    let init = std::process::Command::new("softhsm2-util")
        .args(["--init-token", "--free", "--label", "bench", "--pin", "1234", "--so-pin", "123456"])
        .env("SOFTHSM2_CONF", &conf)
        .output()
        .unwrap();
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
    // SAFETY: one thread so far; SoftHSM reads its config when the module initialises.
    unsafe { std::env::set_var("SOFTHSM2_CONF", &conf) };
    let pin = dir.path().join("pin");
    std::fs::write(&pin, "1234").unwrap();
    // A transaction's signing bytes are ~150–300 bytes: sign 256.
    let message = [0x5a_u8; 256];
    println!("{:<34} {:>12} {:>12} {:>8}", "scheme", "token /s", "memory /s", "ratio");
    for scheme in ["ed25519", "p256"] {
        let secret = SecretKey::from_bytes(scheme, [3; 32]).unwrap();
        let location = TokenLocation { module: MODULE.into(), token: "bench".into(), label: scheme.into(), pin_file: Some(pin.clone()) };
        let reference = token::import(&location, &secret).unwrap();
        let in_token = token::open(&reference).unwrap();
        let in_memory = Signer::Software(secret);
        let (t, m) = (rate(&in_token, &message), rate(&in_memory, &message));
        println!("{scheme:<34} {t:>12.0} {m:>12.0} {:>8.2}", t / m);
    }
}

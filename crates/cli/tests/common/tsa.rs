//! A local RFC 3161 Time-Stamping Authority for the checkpoint-timestamp tests: `openssl ts
//! -reply` behind a minimal HTTP listener on 127.0.0.1, with a fresh self-signed TSA
//! certificate (`timeStamping` extended key usage, RSA or ECDSA P-256).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Largest request the test TSA reads.
const REQUEST_BYTES_MAX: usize = 16 * 1024;

pub struct LocalTsa {
    pub url: String,
    /// The TSA certificate (PEM).
    pub certificate: PathBuf,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Makes sure the `openssl` command exists: under `CI=true` installs Debian's package if
/// missing (the test TSA is `openssl ts`).
fn ensure_openssl() {
    let found = || Command::new("openssl").arg("version").output().is_ok_and(|o| o.status.success());
    if found() {
        return;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        let _ = Command::new("apt-get").args(["update", "-qq"]).status();
        let _ = Command::new("apt-get").args(["install", "-y", "-qq", "openssl"]).env("DEBIAN_FRONTEND", "noninteractive").status();
    }
    assert!(found(), "the timestamp tests need the `openssl` command (Debian package `openssl`)");
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("the openssl command");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A TSA key and certificate in `dir` (`key` is `rsa` or `ec`), with `openssl ts` configured.
pub fn make_tsa(dir: &Path, key: &str, time_stamping: bool) -> PathBuf {
    ensure_openssl();
    std::fs::create_dir_all(dir).unwrap();
    let newkey: &[&str] = if key == "rsa" { &["-newkey", "rsa:2048"] } else { &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"] };
    let eku = if time_stamping { "extendedKeyUsage=critical,timeStamping" } else { "keyUsage=digitalSignature" };
    let mut args = vec!["req", "-x509"];
    args.extend_from_slice(newkey);
    args.extend_from_slice(&["-nodes", "-keyout", "tsa.key", "-out", "tsa.crt", "-days", "2", "-subj", "/CN=Vellum test TSA", "-addext", eku]);
    openssl(dir, &args);
    std::fs::write(dir.join("serial"), "01\n").unwrap();
    let d = dir.display();
    std::fs::write(
        dir.join("tsa.cnf"),
        format!(
            "[ tsa ]\ndefault_tsa = tsa1\n[ tsa1 ]\nserial = {d}/serial\ncrypto_device = builtin\nsigner_cert = {d}/tsa.crt\n\
             certs = {d}/tsa.crt\nsigner_key = {d}/tsa.key\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\n\
             other_policies = 1.2.3.4.5\ndigests = sha256\naccuracy = secs:1\nordering = yes\ntsa_name = yes\n\
             ess_cert_id_chain = no\ness_cert_id_alg = sha256\n"
        ),
    )
    .unwrap();
    dir.join("tsa.crt")
}

/// `openssl ts -reply` for one DER request: the DER `TimeStampResp`.
pub fn stamp(dir: &Path, request: &[u8]) -> Vec<u8> {
    std::fs::write(dir.join("q.tsq"), request).unwrap();
    openssl(dir, &["ts", "-reply", "-config", "tsa.cnf", "-queryfile", "q.tsq", "-out", "r.tsr"]);
    std::fs::read(dir.join("r.tsr")).unwrap()
}

impl LocalTsa {
    pub fn start(dir: &Path, key: &str) -> Self {
        let certificate = make_tsa(dir, key, true);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}/tsa", listener.local_addr().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let (stopping, tsa_dir) = (stop.clone(), dir.to_path_buf());
        let thread = std::thread::spawn(move || {
            while !stopping.load(Ordering::Relaxed) {
                let Ok((stream, _)) = listener.accept() else {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    continue;
                };
                stream.set_nonblocking(false).unwrap();
                let mut reader = BufReader::new(stream);
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some((k, v)) = line.split_once(':')
                        && k.eq_ignore_ascii_case("content-length")
                    {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0u8; length.min(REQUEST_BYTES_MAX)];
                if reader.read_exact(&mut body).is_err() {
                    continue;
                }
                let reply = stamp(&tsa_dir, &body);
                let mut stream = reader.into_inner();
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\ncontent-type: application/timestamp-reply\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    reply.len()
                );
                let _ = stream.write_all(&reply);
            }
        });
        Self { url, certificate, stop, thread: Some(thread) }
    }
}

impl Drop for LocalTsa {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

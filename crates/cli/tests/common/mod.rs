//! Helpers shared by the real-process tests.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub mod roughtime;
pub mod tsa;

pub const BIN: &str = env!("CARGO_BIN_EXE_vellum");

/// Ports this test process has already handed out: the OS may give a released port to the
/// next `bind(0)`, so two calls in a row could otherwise return overlapping ranges (CI once
/// gave the p2p and API ranges the same base).
static HANDED_OUT: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());

/// `count` consecutive free ports on 127.0.0.1, never overlapping a range this process got
/// before (bound then released; good enough for tests).
pub fn free_ports(count: u16) -> u16 {
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
    'search: for _ in 0..1000 {
        let probe = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = probe.local_addr().unwrap().port();
        drop(probe);
        if base > 65_000 - count {
            continue;
        }
        for p in base..base + count {
            if handed_out.contains(&p) || TcpListener::bind(("127.0.0.1", p)).is_err() {
                continue 'search;
            }
        }
        handed_out.extend(base..base + count);
        return base;
    }
    panic!("no free port range");
}

/// Stops whatever the test started, even when it fails.
pub struct Devnet {
    pub dir: PathBuf,
    pub extra: Vec<Child>,
}

impl Drop for Devnet {
    fn drop(&mut self) {
        if std::thread::panicking() {
            print_log_warnings(&self.dir);
        }
        for c in &mut self.extra {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = Command::new(BIN).args(["devnet", "down", "--dir"]).arg(&self.dir).output();
    }
}

/// Lines worth reading after a failure (warnings and errors, the last `LOG_LINES_MAX` of each
/// validator's log), printed before the devnet's directory is removed: CI keeps only the
/// test's output.
fn print_log_warnings(dir: &std::path::Path) {
    const LOG_LINES_MAX: usize = 40;
    for i in 0.. {
        let Ok(log) = std::fs::read_to_string(dir.join(format!("v{i}")).join("node.log")) else { break };
        let lines: Vec<&str> = log.lines().filter(|l| l.contains("WARN") || l.contains("ERROR")).collect();
        eprintln!("--- v{i}/node.log: {} warnings and errors, the last {LOG_LINES_MAX}:", lines.len());
        for l in &lines[lines.len().saturating_sub(LOG_LINES_MAX)..] {
            eprintln!("{l}");
        }
    }
}

pub fn vellum(args: &[&str]) -> (bool, String) {
    let out = Command::new(BIN).args(args).stdin(Stdio::null()).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// `vellum --json ARGS`: the last line of its standard output as JSON (what a command tells a
/// person goes to standard error).
pub fn json(args: &[&str]) -> serde_json::Value {
    let out = Command::new(BIN).arg("--json").args(args).stdin(Stdio::null()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let all = format!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "vellum {args:?} failed: {all}");
    serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap_or_else(|e| panic!("{e}: {all}"))
}

pub fn status(api: &str) -> Option<serde_json::Value> {
    let out = Command::new(BIN).args(["--json", "status", "--api", api]).output().ok()?;
    serde_json::from_slice(&out.stdout).ok().filter(|v: &serde_json::Value| v.get("height").is_some())
}

/// The body of `GET path` on a node's API over a raw TCP request (for reads the CLI has no
/// command for); `None` if the node does not answer.
pub fn http_text(api: &str, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let addr = api.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    Some(text.split_once("\r\n\r\n")?.1.to_string())
}

/// [`http_text`] parsed as JSON; `None` if the node does not answer with JSON.
pub fn http_json(api: &str, path: &str) -> Option<serde_json::Value> {
    serde_json::from_str(&http_text(api, path)?).ok()
}

pub fn block(api: &str, height: u64) -> Option<serde_json::Value> {
    http_json(api, &format!("/v1/block/{height}")).filter(|v| v.get("state_root").is_some())
}


/// Starts a detached 4-validator devnet in `dir` on free ports; returns its guard and APIs.
pub fn devnet_up(dir: &std::path::Path) -> (Devnet, Vec<String>) {
    devnet_up_with(dir, 4, &[])
}

/// [`devnet_up`] with `ports` free ports reserved per kind (for validators joining later)
/// and extra `devnet up` arguments.
pub fn devnet_up_with(dir: &std::path::Path, ports: u16, extra: &[&str]) -> (Devnet, Vec<String>) {
    let p2p = free_ports(ports);
    let api = free_ports(ports);
    let guard = Devnet { dir: dir.to_path_buf(), extra: Vec::new() };
    let (p2p, api) = (p2p.to_string(), api.to_string());
    let mut args = vec!["devnet", "up", "--dir", dir.to_str().unwrap(), "--detach", "--p2p-port", &p2p, "--api-port", &api];
    args.extend_from_slice(extra);
    let up = json(&args);
    let apis = up["api"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()).collect();
    (guard, apis)
}

/// Waits (at most `within_s` seconds) until the node at `api` has finalized `height`; returns
/// its height.
pub fn wait_height(api: &str, height: u64, within_s: u64, what: &str) -> u64 {
    let start = std::time::Instant::now();
    loop {
        if let Some(h) = status(api).and_then(|s| s["height"].as_u64()).filter(|h| *h >= height) {
            return h;
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(within_s), "{what}: height {height} not reached on {api} within {within_s} s");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// The pids of a devnet's validators, validator i on line i.
pub fn validator_pids(dir: &std::path::Path) -> Vec<i32> {
    std::fs::read_to_string(dir.join("devnet.pids")).unwrap().split_whitespace().map(|p| p.parse().unwrap()).collect()
}

/// `kill -9` of validator `i`: the client must carry on with the others.
pub fn kill_validator(dir: &std::path::Path, i: usize) {
    signal_validator(dir, i, "-9");
}

/// `kill SIGNAL` of validator `i` (`-STOP` and `-CONT` pause one and let it fall behind).
pub fn signal_validator(dir: &std::path::Path, i: usize, signal: &str) {
    let pid = validator_pids(dir)[i];
    let ok = Command::new("kill").args([signal, &pid.to_string()]).status().unwrap().success();
    assert!(ok, "kill {signal} {pid}");
}

/// Starts validator `i` of the devnet in `dir` again (after `kill_validator`), as `vellum devnet`
/// runs it, appending to its log; the caller owns the process (push it to `Devnet::extra`).
pub fn restart_validator(dir: &std::path::Path, i: usize) -> Child {
    let vdir = dir.join(format!("v{i}"));
    let log = std::fs::OpenOptions::new().create(true).append(true).open(vdir.join("node.log")).unwrap();
    Command::new(BIN)
        .args(["node", "--insecure-plain-keys", "--config"])
        .arg(vdir.join("node.toml"))
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .stdin(Stdio::null())
        .spawn()
        .unwrap()
}

/// A 4-validator devnet in `tmp/devnet` with validator 0 killed once blocks finalize — the
/// condition every client-facing test should pass in. Returns the guard and the client config.
pub fn devnet_one_down(tmp: &std::path::Path) -> (Devnet, String) {
    let dir = tmp.join("devnet");
    let (guard, apis) = devnet_up(&dir);
    wait_height(&apis[1], 2, 60, "devnet start");
    kill_validator(&dir, 0);
    (guard, dir.join("client.toml").to_str().unwrap().to_string())
}

//! The web page and its in-browser verifier. The verifier (`web/verify.js`, WebCrypto) runs
//! here under Node — the same JavaScript engine family and WebCrypto API as Chromium — on a
//! corpus of valid and tampered bundles, and must agree with the Rust verifier on every one:
//! valid or not, and at which step it fails.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;
use tower::ServiceExt;

fn examples() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples")
}

#[tokio::test]
async fn the_page_and_its_verifier_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let genesis = Arc::new(vellum_ledger::testkit::fixture().genesis);
    let store = Arc::new(vellum_storage::Store::open(&dir.path().join("l.redb"), &genesis).unwrap());
    let node = vellum_node::NodeHandle::offline(genesis, store, Default::default()).unwrap();
    for (path, kind, needle) in [("/", "text/html", "type=\"module\""), ("/verify.js", "text/javascript", "export async function verifyBundle")] {
        let resp = vellum_api::router(node.clone()).oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(resp.headers()["content-type"].to_str().unwrap().starts_with(kind));
        let body = axum::body::to_bytes(resp.into_body(), 1 << 20).await.unwrap();
        assert!(String::from_utf8_lossy(&body).contains(needle), "{path}");
    }
}

/// One verification case: bundle bytes, optional document, optional pinned genesis hash.
struct Case {
    bundle: Vec<u8>,
    document: Option<Vec<u8>>,
    pinned: Option<String>,
}

/// The example bundle (made on a devnet) with its document, the wrong document, a wrong pinned
/// chain, truncation, garbage, and one flipped bit at positions spread over the whole file.
fn corpus() -> Vec<Case> {
    let bundle = std::fs::read(examples().join("diploma.vellum")).unwrap();
    let doc = std::fs::read(examples().join("diploma.pdf")).unwrap();
    let other = std::fs::read(examples().join("other.pdf")).unwrap();
    let pinned = std::fs::read_to_string(examples().join("genesis-hash.txt")).unwrap().trim().to_string();
    let mut cases = vec![
        Case { bundle: bundle.clone(), document: Some(doc.clone()), pinned: Some(pinned.clone()) },
        Case { bundle: bundle.clone(), document: None, pinned: None },
        Case { bundle: bundle.clone(), document: Some(other.clone()), pinned: Some(pinned.clone()) },
        Case { bundle: bundle.clone(), document: Some(doc.clone()), pinned: Some("00".repeat(32)) },
        Case { bundle: bundle[..bundle.len() - 1].to_vec(), document: None, pinned: None },
        Case { bundle: b"not a bundle".to_vec(), document: None, pinned: None },
        // The same evidence in a second encoding (version 2, empty chain): refused.
        Case { bundle: [&bundle[..8], &[2u8][..], &bundle[9..], &[0u8; 4][..]].concat(), document: Some(doc.clone()), pinned: Some(pinned.clone()) },
    ];
    for i in (9..bundle.len()).step_by(23) {
        let mut t = bundle.clone();
        t[i] ^= 0x04;
        cases.push(Case { bundle: t, document: Some(doc.clone()), pinned: Some(pinned.clone()) });
    }
    // Version 2: a devnet bundle anchored after two validator-set changes, and tampered copies
    // (the chain of changes included).
    let chained = std::fs::read(examples().join("contract-two-set-changes.vellum")).unwrap();
    let contract = std::fs::read(examples().join("contract.txt")).unwrap();
    let chained_pin = std::fs::read_to_string(examples().join("set-changes-genesis-hash.txt")).unwrap().trim().to_string();
    cases.push(Case { bundle: chained.clone(), document: Some(contract.clone()), pinned: Some(chained_pin.clone()) });
    for i in (9..chained.len()).step_by(41) {
        let mut t = chained.clone();
        t[i] ^= 0x04;
        cases.push(Case { bundle: t, document: Some(contract.clone()), pinned: Some(chained_pin.clone()) });
    }
    cases
}

fn cases_json(cases: &[Case]) -> String {
    serde_json::Value::Array(
        cases
            .iter()
            .map(|c| serde_json::json!({ "bundle": hex::encode(&c.bundle), "document": c.document.as_ref().map(hex::encode), "pinned": c.pinned }))
            .collect(),
    )
    .to_string()
}

/// What the Rust verifier says: `ok` or `step N (name)`, as the JS verifier words it.
fn rust_verdicts(cases: &[Case]) -> Vec<String> {
    cases
        .iter()
        .map(|c| {
            let pinned = c.pinned.as_ref().map(|p| {
                let mut h = [0u8; 32];
                hex::decode_to_slice(p, &mut h).unwrap();
                h
            });
            match vellum_evidence::verify(&c.bundle, c.document.as_deref(), pinned.as_ref()) {
                Ok(_) => "ok".to_string(),
                Err(e) => format!("step {} ({})", e.step.number(), e.step.name()),
            }
        })
        .collect()
}

fn assert_agree(engine: &str, cases: &[Case], js: &[String]) {
    let rust = rust_verdicts(cases);
    assert_eq!(js.len(), cases.len(), "{engine} returned {} verdicts", js.len());
    for (i, (r, j)) in rust.iter().zip(js).enumerate() {
        assert_eq!(r, j, "case {i}: Rust says {r}, {engine} says {j}");
    }
    assert_eq!(rust.iter().filter(|r| *r == "ok").count(), 3, "the untouched bundles verify (the v1 one with and without the document)");
    assert!(js.len() > 60);
}

/// The loop both engines run over the cases (the verifier is in scope as `verifyBundle`).
const RUNNER: &str = "const h = (s) => s === null ? null : Uint8Array.from(s.match(/../g) || [], (x) => parseInt(x, 16));\n\
async function runAll(cases) { const out = []; for (const c of cases) { const r = await verifyBundle(h(c.bundle), h(c.document), c.pinned); out.push(r.ok ? 'ok' : r.step); } return out; }\n";

#[test]
fn node_and_rust_verifiers_agree_on_valid_and_tampered_bundles() {
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!("node not found: skipping the JavaScript verifier comparison under Node");
        return;
    }
    let cases = corpus();
    let script = format!(
        "{}\n{RUNNER}const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));\nrunAll(cases).then((out) => console.log(JSON.stringify(out)));",
        vellum_api::WEB_VERIFIER.replace("export async function", "async function").replace("export function", "function").replace("export const hex", "const hex").replace("export { fromHex };", "")
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("harness.cjs");
    std::fs::write(&file, script).unwrap();
    let mut child = Command::new("node").arg(&file).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(cases_json(&cases).as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "node failed: {}", String::from_utf8_lossy(&out.stderr));
    let js: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    assert_agree("Node", &cases, &js);
}

/// Finds Chromium; under `CI=true` (or `VELLUM_BROWSER=1`) installs Debian's package if missing
/// (`scripts/ensure-chromium.sh`, shared with the SDK's browser test).
fn chromium() -> Option<String> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/ensure-chromium.sh");
    let out = Command::new("bash").arg(script).output().ok()?;
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !path.is_empty()).then_some(path)
}

/// Serves `files` (path → (content type, body)) on 127.0.0.1 until the test ends.
fn serve(files: Vec<(&'static str, &'static str, Vec<u8>)>) -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let mut buf = [0u8; 4096];
            let n = std::io::Read::read(&mut conn, &mut buf).unwrap_or(0);
            let request = String::from_utf8_lossy(&buf[..n]);
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
            let (status, kind, body) = match files.iter().find(|(p, _, _)| *p == path) {
                Some((_, k, b)) => ("200 OK", *k, b.clone()),
                None => ("404 Not Found", "text/plain", b"not found".to_vec()),
            };
            let head = format!("HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = conn.write_all(head.as_bytes());
            let _ = conn.write_all(&body);
        }
    });
    addr
}

/// The verifier in a real headless Chromium (Debian's package): the page imports
/// `/verify.js` exactly as served by a node, runs every case, and writes the verdicts into the
/// DOM, which `--dump-dom` prints after the scripts ran.
#[test]
fn chromium_and_rust_verifiers_agree_on_valid_and_tampered_bundles() {
    let Some(browser) = chromium() else {
        eprintln!("Chromium not found: skipping the browser test (CI=true or VELLUM_BROWSER=1 installs it)");
        return;
    };
    let cases = corpus();
    let page = format!(
        "<!doctype html><html><body><pre id=\"out\">pending</pre><script type=\"module\">\nimport {{ verifyBundle }} from '/verify.js';\n{RUNNER}\nconst cases = {};\nrunAll(cases).then((out) => {{ document.getElementById('out').textContent = 'VERDICTS' + JSON.stringify(out) + 'END'; }}).catch((e) => {{ document.getElementById('out').textContent = 'ERROR ' + e; }});\n</script></body></html>",
        cases_json(&cases)
    );
    let addr = serve(vec![
        ("/verify.js", "text/javascript", vellum_api::WEB_VERIFIER.as_bytes().to_vec()),
        ("/test.html", "text/html", page.into_bytes()),
    ]);
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(&browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--virtual-time-budget=30000", "--dump-dom"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("http://{addr}/test.html"))
        .stderr(Stdio::null())
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    let verdicts = dom.split("VERDICTS").nth(1).and_then(|s| s.split("END").next()).unwrap_or_else(|| panic!("no verdicts in the page: {dom}"));
    let js: Vec<String> = serde_json::from_str(&verdicts.replace("&quot;", "\"")).unwrap();
    assert_agree("Chromium", &cases, &js);
}

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

#[test]
fn browser_and_rust_verifiers_agree_on_valid_and_tampered_bundles() {
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!("node not found: skipping the JavaScript verifier comparison");
        return;
    }
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
    ];
    // One flipped bit at positions spread over the whole file.
    for i in (9..bundle.len()).step_by(23) {
        let mut t = bundle.clone();
        t[i] ^= 0x04;
        cases.push(Case { bundle: t, document: Some(doc.clone()), pinned: Some(pinned.clone()) });
    }

    let script = format!(
        "{}\nconst cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n(async () => {{ const out = [];\n for (const c of cases) {{\n const h = (s) => s === null ? null : Uint8Array.from(Buffer.from(s, 'hex'));\n const r = await verifyBundle(h(c.bundle), h(c.document), c.pinned);\n out.push(r.ok ? 'ok' : r.step); }}\n console.log(JSON.stringify(out)); }})();",
        vellum_api::WEB_VERIFIER.replace("export async function", "async function").replace("export function", "function").replace("export const hex", "const hex").replace("export { fromHex };", "")
    );
    let input = serde_json::Value::Array(
        cases
            .iter()
            .map(|c| {
                serde_json::json!({
                    "bundle": hex::encode(&c.bundle),
                    "document": c.document.as_ref().map(hex::encode),
                    "pinned": c.pinned,
                })
            })
            .collect(),
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("harness.cjs");
    std::fs::write(&file, script).unwrap();
    let mut child = Command::new("node").arg(&file).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "node failed: {}", String::from_utf8_lossy(&out.stderr));
    let js: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(js.len(), cases.len());

    let mut valid = 0;
    for (i, (c, j)) in cases.iter().zip(&js).enumerate() {
        let pinned = c.pinned.as_ref().map(|p| {
            let mut h = [0u8; 32];
            hex::decode_to_slice(p, &mut h).unwrap();
            h
        });
        let rust = match vellum_evidence::verify(&c.bundle, c.document.as_deref(), pinned.as_ref()) {
            Ok(_) => "ok".to_string(),
            Err(e) => format!("step {} ({})", e.step.number(), e.step.name()),
        };
        assert_eq!(&rust, j, "case {i}: Rust says {rust}, the browser verifier says {j}");
        if rust == "ok" {
            valid += 1;
        }
    }
    assert_eq!(valid, 2, "the untouched bundle verifies with and without the document");
    assert!(js.len() > 60);
}

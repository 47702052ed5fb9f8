//! The HTTP API against a node handle: every kind of bad input gets a clear JSON error with a
//! stable code, and none of it changes state.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use std::sync::Arc;
use tower::ServiceExt;
use vellum_ledger::testkit::{fixture, key, open, sign};
use vellum_node::NodeHandle;
use vellum_node::mempool::MempoolLimits;
use vellum_storage::Store;

struct Env {
    node: NodeHandle,
    _dir: tempfile::TempDir,
}

fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let genesis = Arc::new(fixture().genesis);
    let store = Arc::new(Store::open(&dir.path().join("l.redb"), &genesis).unwrap());
    Env { node: NodeHandle::offline(genesis, store, MempoolLimits::default()).unwrap(), _dir: dir }
}

async fn call(node: &NodeHandle, req: Request<Body>) -> (StatusCode, serde_json::Value) {
    let resp = vellum_api::router(node.clone()).oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
}

fn post(body: Vec<u8>, content_type: &str) -> Request<Body> {
    Request::post("/v1/tx").header("content-type", content_type).body(Body::from(body)).unwrap()
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

#[tokio::test]
async fn submit_query_and_every_refusal() {
    let e = env();
    let f = fixture();
    let root_before = e.node.status().state_root;
    let good = sign(&f.registrar, "vellum-test", 0, open(&key("ed25519", 200)));

    let (s, v) = call(&e.node, post(good.to_wire(), "application/octet-stream")).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    assert_eq!(v["tx_hash"], good.id().to_hex());
    let (s, v) = call(&e.node, get(&format!("/v1/tx/{}", good.id().to_hex()))).await;
    assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("pending")));
    let (s, v) = call(&e.node, post(good.to_wire(), "application/octet-stream")).await;
    assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("duplicate")));

    let second = sign(&f.registrar, "vellum-test", 1, open(&key("ed25519", 201)));
    let body = serde_json::json!({ "tx_hex": hex::encode(second.to_wire()) }).to_string().into_bytes();
    let (s, v) = call(&e.node, post(body, "application/json")).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");

    let cases: Vec<(Vec<u8>, &str, StatusCode, &str)> = vec![
        (b"garbage".to_vec(), "application/octet-stream", StatusCode::BAD_REQUEST, "malformed"),
        (vec![], "application/octet-stream", StatusCode::BAD_REQUEST, "malformed"),
        (b"{\"tx_hex\": \"zz\"}".to_vec(), "application/json", StatusCode::BAD_REQUEST, "bad_hex"),
        (b"{\"tx\": 1}".to_vec(), "application/json", StatusCode::BAD_REQUEST, "bad_json"),
        (good.to_wire(), "text/plain", StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
        (vec![1u8; vellum_api::REQUEST_BODY_BYTES_MAX + 1], "application/octet-stream", StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
        (vec![1u8; vellum_types::limits::TX_BYTES_MAX + 1], "application/octet-stream", StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
        (sign(&f.registrar, "other-chain", 0, open(&key("ed25519", 202))).to_wire(), "application/octet-stream", StatusCode::BAD_REQUEST, "wrong_chain"),
        (sign(&key("ed25519", 203), "vellum-test", 0, open(&key("ed25519", 204))).to_wire(), "application/octet-stream", StatusCode::BAD_REQUEST, "unknown_sender"),
        (sign(&f.user, "vellum-test", 0, open(&key("ed25519", 205))).to_wire(), "application/octet-stream", StatusCode::BAD_REQUEST, "missing_role"),
        (
            {
                let mut t = sign(&f.user, "vellum-test", 0, open(&key("ed25519", 206)));
                t.unsigned.nonce = 9;
                t.to_wire()
            },
            "application/octet-stream",
            StatusCode::BAD_REQUEST,
            "bad_signature",
        ),
        // A tampered secp256k1 transaction recovers some other key, which is not the sender's.
        (
            {
                let mut t = sign(&f.compliance, "vellum-test", 0, open(&key("ed25519", 206)));
                t.unsigned.nonce = 9;
                t.to_wire()
            },
            "application/octet-stream",
            StatusCode::BAD_REQUEST,
            "unauthorized_signer",
        ),
    ];
    for (body, ct, status, code) in cases {
        let (s, v) = call(&e.node, post(body, ct)).await;
        assert_eq!((s, v["error"]["code"].as_str()), (status, Some(code)), "{v}");
        assert!(v["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let (s, v) = call(&e.node, get("/v1/tx/zz")).await;
    assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_hash")));
    let (s, v) = call(&e.node, get(&format!("/v1/tx/{}", "00".repeat(32)))).await;
    assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("unknown_tx")));
    let (s, v) = call(&e.node, get("/v1/block/x")).await;
    assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_height")));
    let (s, v) = call(&e.node, get("/v1/block/0")).await;
    assert_eq!((s, v["height"].as_u64()), (StatusCode::OK, Some(0)));
    let (s, v) = call(&e.node, get("/v1/nothing")).await;
    assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let (s, v) = call(&e.node, get("/v1/status")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["mempool_txs"], 2, "only the two valid transactions were admitted");
    assert_eq!(v["validators"].as_array().unwrap().len(), 1);
    assert_eq!(e.node.status().state_root, root_before, "admission never changes state");
}

/// `POST /v1/txs`: one answer per transaction in frame order (admitted, or the code it would
/// get alone); an unreadable frame admits nothing; consecutive nonces of one account may share
/// a batch.
#[tokio::test]
async fn batches_answer_per_transaction_and_refuse_bad_frames() {
    let e = env();
    let f = fixture();
    let batch = |txs: &[Vec<u8>]| {
        let refs: Vec<&[u8]> = txs.iter().map(Vec::as_slice).collect();
        Request::post("/v1/txs").header("content-type", "application/octet-stream").body(Body::from(vellum_types::batch::encode(&refs))).unwrap()
    };
    let a = sign(&f.registrar, "vellum-test", 0, open(&key("ed25519", 210)));
    let b = sign(&f.registrar, "vellum-test", 1, open(&key("ed25519", 211)));
    let mut bad = sign(&f.user, "vellum-test", 0, open(&key("ed25519", 212)));
    bad.unsigned.nonce = 9;
    let wrong_chain = sign(&f.registrar, "other-chain", 2, open(&key("ed25519", 213)));
    let txs = vec![a.to_wire(), b"garbage".to_vec(), bad.to_wire(), b.to_wire(), wrong_chain.to_wire(), a.to_wire()];
    let (s, v) = call(&e.node, batch(&txs)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["accepted"], 2);
    let results = v["results"].as_array().unwrap();
    let codes: Vec<&str> = results.iter().map(|r| r["error"]["code"].as_str().unwrap_or("pending")).collect();
    assert_eq!(codes, ["pending", "malformed", "bad_signature", "pending", "wrong_chain", "duplicate"]);
    assert_eq!(results[0]["tx_hash"], a.id().to_hex());
    assert_eq!(results[3]["tx_hash"], b.id().to_hex());
    assert!(results.iter().all(|r| r["error"].is_null() || !r["error"]["message"].as_str().unwrap().is_empty()));
    let (_, v) = call(&e.node, get(&format!("/v1/tx/{}", b.id().to_hex()))).await;
    assert_eq!(v["status"], "pending");

    let root = e.node.status().state_root;
    let cases: Vec<(Request<Body>, StatusCode, &str)> = vec![
        (batch(&[]), StatusCode::BAD_REQUEST, "malformed"),
        (Request::post("/v1/txs").body(Body::from(vec![9u8, 0, 0])).unwrap(), StatusCode::BAD_REQUEST, "malformed"),
        (Request::post("/v1/txs").body(Body::from([&vellum_types::batch::encode(&[&a.to_wire()[..]])[..], &[0u8][..]].concat())).unwrap(), StatusCode::BAD_REQUEST, "malformed"),
        (Request::post("/v1/txs").header("content-type", "application/json").body(Body::from("[]")).unwrap(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
        (
            Request::post("/v1/txs").body(Body::from(vec![0u8; vellum_types::limits::SUBMIT_BATCH_BYTES_MAX + 1])).unwrap(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
        (batch(&vec![a.to_wire(); vellum_types::limits::SUBMIT_BATCH_TXS_MAX + 1]), StatusCode::BAD_REQUEST, "malformed"),
    ];
    for (req, status, code) in cases {
        let (s, v) = call(&e.node, req).await;
        assert_eq!((s, v["error"]["code"].as_str()), (status, Some(code)), "{v}");
    }
    assert_eq!(e.node.status().mempool_txs, 2, "refused frames admitted nothing");
    assert_eq!(e.node.status().state_root, root);
}

/// A GET signed by `k` for its own account (see `vellum_types::request`).
fn signed_get(k: &vellum_crypto::SecretKey, path: &str, nonce: u8) -> Request<Body> {
    use vellum_types::request::*;
    let account = k.public_key().account_id();
    let ts = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
    let n = [nonce; 16];
    let bytes = request_signing_bytes("vellum-test", &account, "GET", path, b"", ts, &n);
    let sig = borsh::to_vec(&k.sign(&bytes)).unwrap();
    Request::get(path)
        .header(HEADER_ACCOUNT, account.to_hex())
        .header(HEADER_TIMESTAMP, ts.to_string())
        .header(HEADER_NONCE, hex::encode(n))
        .header(HEADER_SIGNATURE, hex::encode(sig))
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn payment_reads_need_a_signed_request_by_an_entitled_account() {
    let e = env();
    let f = fixture();
    let user = f.user.public_key().account_id().to_hex();
    let zero = "00".repeat(32);
    // Anonymous: 401 on every protected payment route.
    for path in [
        format!("/v1/account/{user}"),
        format!("/v1/account/{user}/history"),
        "/v1/holds".to_string(),
        "/v1/hold/0".to_string(),
        format!("/v1/payment/{zero}"),
        format!("/v1/payment/{zero}/receipt"),
    ] {
        let (s, v) = call(&e.node, get(&path)).await;
        assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthenticated")), "{path}");
    }
    // The account reads itself; another plain account is refused; an auditor reads it.
    let (s, v) = call(&e.node, signed_get(&f.user, &format!("/v1/account/{user}"), 1)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["account"]["id"], user);
    let (s, _) = call(&e.node, signed_get(&f.issuer, &format!("/v1/account/{user}"), 2)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = call(&e.node, signed_get(&f.auditor, &format!("/v1/account/{user}"), 3)).await;
    assert_eq!(s, StatusCode::OK);
    // Holds are for oversight; unknown payments look forbidden to non-oversight callers.
    let (s, _) = call(&e.node, signed_get(&f.user, "/v1/holds", 4)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = call(&e.node, signed_get(&f.compliance, "/v1/holds?pending=true", 5)).await;
    assert_eq!((s, v["holds"].as_array().map(Vec::len)), (StatusCode::OK, Some(0)));
    let (s, _) = call(&e.node, signed_get(&f.user, &format!("/v1/payment/{zero}"), 6)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = call(&e.node, signed_get(&f.auditor, &format!("/v1/payment/{zero}"), 7)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A replayed signed request is refused.
    let (s, v) = call(&e.node, signed_get(&f.user, &format!("/v1/account/{user}"), 1)).await;
    assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("replayed_request")));
    // Public: rates (none yet), unknown tokens, metrics.
    let (s, _) = call(&e.node, get("/v1/rate/AE/BE")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let resp = vellum_api::router(e.node.clone()).oneshot(get("/metrics")).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let text = axum::body::to_bytes(resp.into_body(), 1 << 20).await.unwrap();
    let text = String::from_utf8(text.to_vec()).unwrap();
    assert!(text.contains("vellum_alerts_total{rule=\"structuring\"} 0"), "{text}");
    assert!(text.contains("vellum_validator_blocks_proposed{validator=\"v0\"} 0"), "{text}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
    /// Fuzzed request bodies (arbitrary bytes, hex-in-JSON, content types): always a 4xx JSON
    /// error with a code, never a 5xx, never a state change.
    #[test]
    fn arbitrary_request_bodies_get_clear_errors(
        bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600),
        kind in 0u8..4,
    ) {
        let e = env();
        let root = e.node.status().state_root;
        let (body, content_type) = match kind {
            0 => (bytes.clone(), "application/octet-stream"),
            1 => (serde_json::json!({ "tx_hex": hex::encode(&bytes) }).to_string().into_bytes(), "application/json"),
            2 => (bytes.clone(), "application/json"),
            _ => (bytes.clone(), "text/plain"),
        };
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let (s, v) = rt.block_on(call(&e.node, post(body, content_type)));
        proptest::prop_assert!(s.is_client_error(), "{} {}", s, v);
        proptest::prop_assert!(v["error"]["code"].as_str().is_some_and(|c| !c.is_empty()), "{}", v);
        proptest::prop_assert_eq!(e.node.status().state_root, root);
        let put = Request::put(format!("/v1/proof/{}/original", "11".repeat(32))).body(Body::from(bytes)).unwrap();
        let (s, _) = rt.block_on(call(&e.node, put));
        proptest::prop_assert!(s.is_client_error(), "{}", s);
    }
}

#[tokio::test]
async fn openapi_describes_exactly_the_served_routes() {
    let e = env();
    let (s, spec) = call(&e.node, get("/v1/openapi.json")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"), "{}", spec["openapi"]);
    assert!(spec["components"]["securitySchemes"]["signed_request"].is_object());
    let paths = spec["paths"].as_object().unwrap();
    let mut operations = 0;
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path} documents its responses");
            // Every documented operation is served: it never reaches the router's fallback.
            let concrete = path
                .replace("{hash}", &"00".repeat(32))
                .replace("{id}", "0")
                .replace("{tx}", &"00".repeat(32))
                .replace("{height}", "0")
                .replace("{symbol}", "EUR")
                .replace("{from}", "AE")
                .replace("{to}", "BE")
                .replace("{name}", "transfer")
                .replace("{account}", &"00".repeat(32))
                .replace("{digest}", &"00".repeat(32))
                .replace("{key}", "00")
                .replace("{seller}", &"00".repeat(32));
            let req = Request::builder().method(method.to_uppercase().as_str()).uri(&concrete).body(Body::empty()).unwrap();
            let (_, v) = call(&e.node, req).await;
            assert_ne!(v["error"]["message"], "no such endpoint", "{method} {path} is documented but not served");
        }
    }
    // The router serves these 42 operations plus /v1/openapi.json itself.
    assert_eq!(operations, 42, "documented operations: {:?}", paths.keys().collect::<Vec<_>>());
    // Before anything is finalized there is nothing to anchor: a clear, retryable refusal.
    let (s, v) = call(&e.node, get("/v1/log/anchor")).await;
    assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("not_ready")), "{v}");
    // Nothing witnessed (no witnesses governed): a clear 404, not an empty note.
    let (s, v) = call(&e.node, get("/v1/log/witnessed")).await;
    assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{v}");
    let (s, v) = call(&e.node, get("/v1/not-a-route")).await;
    assert_eq!((s, v["error"]["message"].as_str()), (StatusCode::NOT_FOUND, Some("no such endpoint")));
}

/// The API over TLS (rustls) with a certificate from the config: an HTTPS client that trusts
/// the certificate gets answers; a bad certificate path is a start-up error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_serves_the_api_with_the_configured_certificate() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let e = env();
    let dir = tempfile::tempdir().unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let (cert_pem, key_pem) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_pem, cert.cert.pem()).unwrap();
    std::fs::write(&key_pem, cert.signing_key.serialize_pem()).unwrap();
    let bad = vellum_api::Tls { cert_pem: dir.path().join("missing.pem"), key_pem: key_pem.clone() };
    let node = e.node.clone();
    let err = tokio::task::spawn_blocking(move || vellum_api::spawn_with("127.0.0.1:0".parse().unwrap(), node, Some(bad)))
        .await
        .unwrap()
        .unwrap_err();
    assert!(err.to_string().contains("missing.pem"), "{err}");
    let node = e.node.clone();
    let tls = vellum_api::Tls { cert_pem, key_pem };
    let addr = tokio::task::spawn_blocking(move || vellum_api::spawn_with("127.0.0.1:0".parse().unwrap(), node, Some(tls)))
        .await
        .unwrap()
        .unwrap();

    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.cert.der().clone()).unwrap();
    let config = rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut stream = connector.connect(name, tcp).await.unwrap();
    stream.write_all(b"GET /v1/status HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap_or_default();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"chain_id\":\"vellum-test\""), "{response}");

    // Plain HTTP to the TLS port gets no API answer.
    let mut plain = tokio::net::TcpStream::connect(addr).await.unwrap();
    plain.write_all(b"GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), plain.read_to_end(&mut buf)).await;
    assert!(!String::from_utf8_lossy(&buf).contains("chain_id"));
}

#[tokio::test]
async fn a_client_over_its_rate_is_refused_with_429() {
    let e = env();
    let app = vellum_api::router_with_limit(e.node.clone(), vellum_api::limit::RateLimit::new(5));
    let mut codes = Vec::new();
    for _ in 0..12 {
        let resp = app.clone().oneshot(get("/v1/status")).await.unwrap();
        codes.push((resp.status(), resp.headers().get("retry-after").cloned()));
    }
    // A burst of twice the rate passes, then the client is refused with a retry hint.
    assert!(codes[..10].iter().all(|(s, _)| *s == StatusCode::OK), "{codes:?}");
    assert_eq!(codes[10].0, StatusCode::TOO_MANY_REQUESTS);
    assert!(codes[10].1.is_some());
    let resp = app.clone().oneshot(get("/v1/status")).await.unwrap();
    let body = axum::body::to_bytes(resp.into_body(), 1 << 16).await.unwrap();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["error"]["code"], "rate_limited");
}

#[tokio::test]
async fn metrics_count_refusals_by_reason_and_export_the_finality_histogram() {
    let e = env();
    let (s, _) = call(&e.node, post(vec![0xff; 40], "application/octet-stream")).await;
    assert!(s.is_client_error());
    let (s, _) = call(&e.node, get("/v1/holds")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let resp = vellum_api::router(e.node.clone()).oneshot(get("/metrics")).await.unwrap();
    let text = String::from_utf8(axum::body::to_bytes(resp.into_body(), 1 << 20).await.unwrap().to_vec()).unwrap();
    assert!(text.contains("vellum_submissions_refused_total{code=\"malformed\"} 1"), "{text}");
    assert!(text.contains("vellum_api_errors_total{code=\"unauthenticated\"}"), "{text}");
    assert!(text.contains("# TYPE vellum_tx_finality_seconds histogram"), "{text}");
    assert!(text.contains("vellum_tx_finality_seconds_bucket{le=\"+Inf\"} 0"), "{text}");
}

/// Every error is JSON with a code — also when axum's extractors reject a path or query, the
/// route or the method does not exist — and optional parameters may be left out.
#[tokio::test]
async fn every_error_is_json_and_optional_parameters_are_optional() {
    let e = env();
    let zero = "00".repeat(32);
    let cases: Vec<(Request<Body>, StatusCode, &str)> = vec![
        (get(&format!("/v1/account/{zero}/history?limit=-1")), StatusCode::BAD_REQUEST, "bad_query"),
        (get("/v1/holds?pending=maybe"), StatusCode::BAD_REQUEST, "bad_query"),
        (get("/v1/holds?limit=1.5"), StatusCode::BAD_REQUEST, "bad_query"),
        (get("/v1/governance/proposals?limit=abc"), StatusCode::BAD_REQUEST, "bad_query"),
        (get("/v1/governance/history?from=-3"), StatusCode::BAD_REQUEST, "bad_query"),
        (get("/v1/validators?window=18446744073709551616"), StatusCode::BAD_REQUEST, "bad_query"),
        (get(&format!("/v1/proof/{zero}/bundle?member=x")), StatusCode::BAD_REQUEST, "bad_query"),
        (get("/v1/proofs"), StatusCode::BAD_REQUEST, "bad_query"),
        (get("/v1/log/consistency?old=1"), StatusCode::BAD_REQUEST, "bad_query"),
        (get("/v1/hold/x"), StatusCode::BAD_REQUEST, "bad_path"),
        (get("/v1/governance/proposal/-1"), StatusCode::BAD_REQUEST, "bad_path"),
        (get("/v1/token/%FF"), StatusCode::BAD_REQUEST, "bad_path"),
        (get("/v1/token/eur"), StatusCode::BAD_REQUEST, "bad_symbol"),
        (get("/v1/rate/EUR/USD1234567890"), StatusCode::BAD_REQUEST, "bad_symbol"),
        (get("/v1/tx/zz"), StatusCode::BAD_REQUEST, "bad_hash"),
        (get("/v1/nothing"), StatusCode::NOT_FOUND, "not_found"),
        (Request::post("/v1/status").body(Body::empty()).unwrap(), StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
        (Request::patch(format!("/v1/proof/{zero}/original")).body(Body::empty()).unwrap(), StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
        // Log sizes and heights: an impossible request is 400, one not finalized here 404.
        (get("/v1/log/checkpoint?size=1&height=1"), StatusCode::BAD_REQUEST, "bad_range"),
        (get("/v1/log/checkpoint?size=0"), StatusCode::BAD_REQUEST, "bad_range"),
        (get("/v1/log/checkpoint?size=5"), StatusCode::NOT_FOUND, "bad_range"),
        (get("/v1/log/checkpoint?height=99"), StatusCode::NOT_FOUND, "bad_range"),
        (get("/v1/log/checkpoint"), StatusCode::NOT_FOUND, "bad_range"),
        (get("/v1/log/consistency?old=2&new=1"), StatusCode::BAD_REQUEST, "bad_range"),
        (get("/v1/log/consistency?old=0&new=1"), StatusCode::BAD_REQUEST, "bad_range"),
        (get("/v1/log/consistency?old=1&new=1"), StatusCode::NOT_FOUND, "bad_range"),
    ];
    for (req, status, code) in cases {
        let what = format!("{} {}", req.method(), req.uri());
        let resp = vellum_api::router(e.node.clone()).oneshot(req).await.unwrap();
        assert_eq!(resp.status(), status, "{what}");
        assert_eq!(resp.headers()["content-type"], "application/json", "{what}");
        if status == StatusCode::METHOD_NOT_ALLOWED {
            assert!(resp.headers().contains_key("allow"), "{what}: 405 names the allowed methods");
        }
        let v: serde_json::Value = serde_json::from_slice(&axum::body::to_bytes(resp.into_body(), 1 << 16).await.unwrap()).unwrap();
        assert_eq!(v["error"]["code"], code, "{what}: {v}");
        assert!(v["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: {v}");
    }
    for path in ["/v1/governance/proposals", "/v1/governance/history", "/v1/validators", "/v1/governance/module/transfer"] {
        let (s, v) = call(&e.node, get(path)).await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
    }
}

/// The description states what the handlers enforce: optional parameters are not required,
/// ids have their pattern, integers their bounds, every error response is the JSON error body,
/// and every operation documents the rate limit's 429.
#[tokio::test]
async fn openapi_parameters_and_responses_are_exact() {
    let e = env();
    let (_, spec) = call(&e.node, get("/v1/openapi.json")).await;
    let mut ids = std::collections::BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let what = format!("{method} {path}");
            assert!(ids.insert(op["operationId"].as_str().unwrap().to_string()), "{what}: operation ids are unique");
            for p in op["parameters"].as_array().into_iter().flatten() {
                let (name, schema) = (p["name"].as_str().unwrap(), &p["schema"]);
                assert_eq!(p["required"], p["in"] == "path" || ["digest", "old", "new"].contains(&name), "{what} {name}");
                assert!(schema["type"].is_string(), "{what} {name}: one type, never null: {schema}");
                if schema["type"] == "integer" {
                    assert!(schema["minimum"].is_u64() && schema["maximum"].is_u64(), "{what} {name}: {schema}");
                    assert!(schema["format"].as_str().is_some_and(|f| f.starts_with("uint")), "{what} {name}: {schema}");
                }
                if ["hash", "tx", "digest"].contains(&name) || (name == "id" && schema["type"] == "string") {
                    assert_eq!(schema["pattern"], "^[0-9a-fA-F]{64}$", "{what} {name}");
                }
            }
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.contains_key("429"), "{what}");
            for (status, r) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(r["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorBody", "{what} {status}");
                }
            }
        }
    }
}

/// The public provenance reads refuse malformed ids and say plainly when there is nothing.
#[tokio::test]
async fn provenance_reads_refuse_bad_ids_and_name_what_is_absent() {
    let e = env();
    let zero = "00".repeat(32);
    for (path, status, code) in [
        ("/v1/issuer/not-hex".to_string(), StatusCode::BAD_REQUEST, "bad_account"),
        (format!("/v1/issuer/{zero}"), StatusCode::NOT_FOUND, "not_attested"),
        ("/v1/issuer/xyz/revocation".to_string(), StatusCode::BAD_REQUEST, "bad_account"),
        (format!("/v1/issuer/{zero}/revocation"), StatusCode::NOT_FOUND, "not_revoked"),
        ("/v1/status/abc".to_string(), StatusCode::BAD_REQUEST, "bad_proof_id"),
        (format!("/v1/status/{zero}?member=x"), StatusCode::BAD_REQUEST, "bad_query"),
    ] {
        let (s, v) = call(&e.node, get(&path)).await;
        assert_eq!((s, v["error"]["code"].as_str()), (status, Some(code)), "{path}: {v}");
    }
}

/// Executes `txs` as the next finalized block of `node` (no consensus: the node installs it
/// as the executor would).
fn finalize(node: &NodeHandle, txs: &[vellum_types::Transaction]) {
    let state = node.finalized_state();
    let signers: Vec<Vec<vellum_types::PublicKey>> = txs.iter().map(|t| vellum_crypto::verify_tx(t).unwrap()).collect();
    let built = vellum_ledger::build_block(&state, state.time_ms + 1, 0, state.height + 1, [7; 32], txs.iter().zip(signers.iter().map(Vec::as_slice)));
    assert!(built.rejected.is_empty(), "{:?}", built.rejected);
    node.install_finalized(&built.block, &built.outcome, &[]).unwrap();
}

/// Private sub-ledgers (S-CONF, PAY-SUB): a member reads itself only; its sub-ledger's own
/// compliance officer and the main ledger's auditor read it; a member of another sub-ledger
/// does not. Monitoring thresholds and monitoring proposals are for oversight (401 anonymous).
#[tokio::test]
async fn sub_ledger_members_read_only_themselves_and_thresholds_are_for_oversight() {
    use vellum_ledger::testkit::{open_in, sign_multi};
    use vellum_types::{GovAction, MonitoringRules, Role, TokenFlags, TxBody};
    let e = env();
    let f = fixture();
    let council = |n: u64, action: GovAction| {
        sign_multi(&[&f.council[0], &f.council[2]], f.council_id(), "vellum-test", n, TxBody::Propose { action, deadline_height: 500 })
    };
    let (alice, bob, carol, a_compliance) = (key("ed25519", 210), key("ed25519", 211), key("ed25519", 212), key("ed25519", 213));
    let issuer = f.issuer.public_key().account_id();
    finalize(&e.node, &[
        council(0, GovAction::CreateSubledger { name: "a".into(), kyc_required: true }),
        council(1, GovAction::CreateSubledger { name: "b".into(), kyc_required: true }),
        council(2, GovAction::CreateToken { symbol: "EUR".into(), decimals: 2, issuer, subledger: None, flags: TokenFlags::default() }),
    ]);
    let rules = MonitoringRules { large_amount: 50_000, hold_timeout_ms: 60_000, ..MonitoringRules::default() };
    finalize(&e.node, &[
        sign(&f.registrar, "vellum-test", 0, open_in(&alice, "a")),
        sign(&f.registrar, "vellum-test", 1, open_in(&bob, "a")),
        sign(&f.registrar, "vellum-test", 2, open_in(&carol, "b")),
        sign(&f.registrar, "vellum-test", 3, open_in(&a_compliance, "a")),
        council(3, GovAction::SetMonitoring { token: "EUR".into(), rules }),
    ]);
    finalize(&e.node, &[council(4, GovAction::GrantRole { account: a_compliance.public_key().account_id(), role: Role::Compliance })]);

    let bob_path = format!("/v1/account/{}", bob.public_key().account_id());
    let user_path = format!("/v1/account/{}", f.user.public_key().account_id());
    for (who, path, expected, n) in [
        (&alice, &bob_path, StatusCode::FORBIDDEN, 1u8),
        (&carol, &bob_path, StatusCode::FORBIDDEN, 2),
        (&a_compliance, &bob_path, StatusCode::OK, 3),
        (&f.auditor, &bob_path, StatusCode::OK, 4),
        (&bob, &bob_path, StatusCode::OK, 5),
        (&a_compliance, &user_path, StatusCode::FORBIDDEN, 6),
    ] {
        let (s, v) = call(&e.node, signed_get(who, path, n)).await;
        assert_eq!(s, expected, "{path}: {v}");
    }
    // Thresholds: 401 anonymous, 403 for a member, the rules for oversight.
    let (s, v) = call(&e.node, get("/v1/token/EUR")).await;
    assert_eq!((s, v["monitoring"].is_null()), (StatusCode::OK, true), "the public token view carries no thresholds: {v}");
    let (s, _) = call(&e.node, get("/v1/token/EUR/monitoring")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = call(&e.node, signed_get(&alice, "/v1/token/EUR/monitoring", 7)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = call(&e.node, signed_get(&f.auditor, "/v1/token/EUR/monitoring", 8)).await;
    assert_eq!((s, v["monitoring"]["large_amount"].as_str()), (StatusCode::OK, Some("50000")), "{v}");
    // The monitoring proposal (id 3) and the role grant (id 4): their page needs oversight or
    // the council; lists and the history say only what kind of change it was.
    for id in [3u64, 4] {
        let (s, _) = call(&e.node, get(&format!("/v1/governance/proposal/{id}"))).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "proposal {id}");
    }
    let (s, _) = call(&e.node, signed_get(&alice, "/v1/governance/proposal/3", 9)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = call(&e.node, signed_get(&f.auditor, "/v1/governance/proposal/3", 10)).await;
    assert_eq!((s, v["proposal"]["action"]["rules"]["large_amount"].as_str()), (StatusCode::OK, Some("50000")), "{v}");
    let (s, v) = call(&e.node, get("/v1/governance/proposals")).await;
    assert_eq!(s, StatusCode::OK);
    let text = v.to_string();
    assert!(!text.contains("50000") && !text.contains(&a_compliance.public_key().account_id().to_hex()), "redacted: {v}");
    assert!(v["proposals"].as_array().unwrap().iter().any(|p| p["action"]["action"] == "set_monitoring" && p["action"]["redacted"] == true), "{v}");
    let (s, v) = call(&e.node, get("/v1/governance/history")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(!v.to_string().contains("50000"), "{v}");
    assert!(v["events"].as_array().unwrap().iter().any(|e| e["action"]["action"] == "set_monitoring" && e["version"] == 1), "{v}");
    let (s, v) = call(&e.node, get("/v1/governance/proposal/0")).await;
    assert_eq!((s, v["proposal"]["action"]["name"].as_str()), (StatusCode::OK, Some("a")), "other proposals stay public");
}

/// The contract and e-invoice endpoints refuse malformed ids and keys with their codes, and
/// name what is absent.
#[tokio::test]
async fn contract_and_invoice_reads_refuse_bad_ids_and_name_what_is_absent() {
    let e = env();
    let f = fixture();
    let zero = "00".repeat(32);
    for path in ["/v1/contract/xyz", "/v1/code/00", &format!("/v1/invoicing/{}", "zz".repeat(32))] {
        let (s, v) = call(&e.node, get(path)).await;
        assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_id")), "{path}: {v}");
    }
    for (path, code) in [(format!("/v1/contract/{zero}"), "unknown_contract"), (format!("/v1/code/{zero}"), "unknown_code"), (format!("/v1/invoicing/{zero}"), "no_invoicing")] {
        let (s, v) = call(&e.node, get(&path)).await;
        assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some(code)), "{path}");
    }
    for path in [format!("/v1/contract/{zero}/storage/00"), format!("/v1/tx/{zero}/contract"), format!("/v1/tx/{zero}/receipt"), format!("/v1/invoice/{zero}")] {
        let (s, _) = call(&e.node, get(&path)).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{path} needs a signed request");
    }
    let (s, v) = call(&e.node, signed_get(&f.user, &format!("/v1/contract/{zero}/storage/{}", "ab".repeat(257)), 1)).await;
    assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_key")), "{v}");
    let (s, _) = call(&e.node, signed_get(&f.user, &format!("/v1/invoice/{zero}"), 2)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "unknown and forbidden look alike");
    let (s, v) = call(&e.node, signed_get(&f.auditor, &format!("/v1/tx/{zero}/receipt"), 3)).await;
    assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "oversight is told: {v}");
}

/// Every read of account data is in the owner's trail before the answer — allowed or
/// refused, by whom, of what — and reaches the ledger in the node's `AuditReads`
/// transaction; the owner lists them (`vellum audit mine`); outsiders may not (X.1407 9.1.1 c).
#[tokio::test]
async fn every_account_read_is_recorded_and_reaches_the_ledger() {
    use vellum_ledger::testkit::{open_in, sign_multi};
    use vellum_types::{GovAction, TxBody};
    let dir = tempfile::tempdir().unwrap();
    let f = fixture();
    let genesis = Arc::new(f.genesis.clone());
    let store = Arc::new(Store::open(&dir.path().join("l.redb"), &genesis).unwrap());
    let node = NodeHandle::offline(genesis, store, MempoolLimits::default()).unwrap().with_audit_key(f.node.clone());
    let (alice, bob, carol) = (key("ed25519", 220), key("ed25519", 221), key("ed25519", 222));
    let council = |n: u64, action: GovAction| {
        sign_multi(&[&f.council[0], &f.council[2]], f.council_id(), "vellum-test", n, TxBody::Propose { action, deadline_height: 500 })
    };
    finalize(&node, &[
        council(0, GovAction::CreateSubledger { name: "a".into(), kyc_required: true }),
        council(1, GovAction::CreateSubledger { name: "b".into(), kyc_required: true }),
    ]);
    finalize(&node, &[
        sign(&f.registrar, "vellum-test", 0, open_in(&alice, "a")),
        sign(&f.registrar, "vellum-test", 1, open_in(&bob, "a")),
        sign(&f.registrar, "vellum-test", 2, open_in(&carol, "b")),
    ]);
    let bob_id = bob.public_key().account_id();
    let account = format!("/v1/account/{bob_id}");
    let history = format!("{account}/history");
    for (who, path, expected, n) in [
        (&alice, &account, StatusCode::FORBIDDEN, 1u8),
        (&f.auditor, &account, StatusCode::OK, 2),
        (&bob, &history, StatusCode::OK, 3),
        (&f.compliance, &history, StatusCode::OK, 4),
    ] {
        let (s, v) = call(&node, signed_get(who, path, n)).await;
        assert_eq!(s, expected, "{path}: {v}");
    }
    // The owner lists who read its data; a member of another sub-ledger and anonymous may not.
    let reads = format!("{account}/reads");
    let (s, _) = call(&node, get(&reads)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = call(&node, signed_get(&carol, &reads, 5)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = call(&node, signed_get(&bob, &reads, 6)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let seen: Vec<(String, String, bool)> = v["pending"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["reader"].as_str().unwrap().to_string(), r["action"].as_str().unwrap().to_string(), r["allowed"].as_bool().unwrap()))
        .collect();
    let id = |k: &vellum_crypto::SecretKey| k.public_key().account_id().to_hex();
    assert_eq!(
        seen,
        vec![
            (id(&alice), "account".into(), false),
            (id(&f.auditor), "account".into(), true),
            (id(&bob), "history".into(), true),
            (id(&f.compliance), "history".into(), true),
            (id(&carol), "reads".into(), false),
            (id(&bob), "reads".into(), true),
        ],
        "{v}"
    );
    assert_eq!(v["finalized"].as_array().unwrap().len(), 0);
    // The node's audit transaction carries them to the ledger; they leave the queue.
    let entries: Vec<vellum_types::proof::ReadRecord> = serde_json::from_value(v["pending"].clone()).unwrap();
    finalize(&node, &[sign(&f.node, "vellum-test", 0, TxBody::AuditReads { entries })]);
    let (s, v) = call(&node, signed_get(&bob, &reads, 7)).await;
    assert_eq!(s, StatusCode::OK);
    let finalized = v["finalized"].as_array().unwrap();
    assert_eq!(finalized.len(), 6, "{v}");
    assert!(finalized.iter().all(|e| e["node"] == id(&f.node) && e["height"] == 3), "{v}");
    assert_eq!(v["pending"].as_array().unwrap().len(), 1, "only the read just made waits: {v}");
    // Only node accounts record reads.
    let forged = sign(&f.user, "vellum-test", 0, TxBody::AuditReads { entries: serde_json::from_value(v["pending"].clone()).unwrap() });
    let state = node.finalized_state();
    let signers = vellum_crypto::verify_tx(&forged).unwrap();
    let built = vellum_ledger::build_block(&state, state.time_ms + 1, 0, state.height + 1, [7; 32], [(&forged, signers.as_slice())]);
    assert_eq!(built.rejected[0].1.code(), "missing_role", "{:?}", built.rejected);
}

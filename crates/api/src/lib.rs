//! The node's HTTP API, versioned under `/v1`. Errors are JSON objects with a stable machine
//! `code` and a human `message`:
//!
//! - `POST /v1/tx` — submit a transaction: the wire bytes as `application/octet-stream`, or
//!   JSON `{"tx_hex": "..."}`. `202` with the transaction hash when admitted.
//! - `GET /v1/tx/{hash}` — `pending`, `finalized` (height, index, log index), `rejected`
//!   (code, message), or `404 unknown`.
//! - `GET /v1/status` — height, block hash, state and log roots, validators.
//! - `GET /v1/block/{height}` — a finalized block header (roots only, no transaction data).
//!
//! - `GET /v1/proof/{id}` — a registration's record, status and audit trail;
//!   `GET /v1/proof/{id}/bundle[?member=N]` — its evidence bundle (binary);
//!   `GET /v1/proofs?digest=HEX` — proof ids registered with a digest.
//!   These **require a signed request** (headers `x-vellum-account`, `-timestamp`, `-nonce`,
//!   `-signature`; see `vellum_types::request`): an auditor reads every proof, an issuer its
//!   own; anonymous callers get 401, others 403, and every attempt on an existing proof is
//!   audited (anonymous ones coalesced to one record per proof and action per second).
//!   Known limit: a signed request names the chain, not the node, so within its 60 s window
//!   a captured request could be replayed once to each *other* validator.
//!
//! - `GET /v1/log/checkpoint[?size=N | ?height=H]` — a C2SP signed-note checkpoint of the
//!   finalized log (latest, at a size, or as block H committed it), signed by this validator;
//!   `GET /v1/log/anchor` — a binary log anchor (the latest certified header's log size and
//!   root, its certificate and the validator-set chain from genesis, verifiable offline);
//!   `GET /v1/log/consistency?old=N&new=M` — an RFC 9162 consistency proof (public: they
//!   reveal only log sizes, roots and headers).
//!
//! - Payments (signed requests; the account itself, auditors, compliance and — inside a
//!   sub-ledger — its members): `GET /v1/account/{id}` (account and balances),
//!   `GET /v1/account/{id}/history[?limit=N]`, `GET /v1/payment/{tx}` (what a payment did),
//!   `GET /v1/payment/{tx}/receipt` (binary receipt, verifiable offline), `GET /v1/holds[?pending=true]`
//!   and `GET /v1/hold/{id}` (compliance and auditors; a hold's sender sees its own).
//!   Public: `GET /v1/token/{symbol}` (main-ledger tokens; a sub-ledger's only to its members)
//!   and `GET /v1/rate/{from}/{to}` (the governed rate and its version, to quote a conversion).
//! - `GET /metrics` — Prometheus text: height, finalized transactions, mempool, log size,
//!   holds and monitoring alerts by rule.
//!
//! - Governance (public): `GET /v1/governance` (council, rules in force, counters),
//!   `/v1/governance/proposals`, `/v1/governance/proposal/{id}`,
//!   `/v1/governance/history[?from=N&limit=M]` (every executed change, versioned),
//!   `/v1/governance/module/{name}`; `GET /v1/validators[?window=N]` — blocks each validator
//!   proposed among the last N finalized (liveness).
//!
//! - `GET /v1/openapi.json` — the OpenAPI 3.1 description, generated from the handlers'
//!   annotations (utoipa); a test checks it lists exactly the served operations.
//!
//! - `GET /` — the verification page (drop a document and its bundle; both are checked in the
//!   browser, nothing is uploaded) and a small explorer; `GET /verify.js` — its verifier.
//!
//! HTTPS: set `tls_cert` and `tls_key` (PEM files) in `node.toml` and the API is served over
//! rustls only (`spawn_with`).

// Handlers return `Result<_, Response>`: the error *is* the HTTP answer, by design.
#![allow(clippy::result_large_err)]

mod governance;
pub mod limit;
mod payments;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use vellum_node::{AuthError, BundleError, NodeHandle, SubmitError, TxStatus};
use vellum_types::limits::TX_BYTES_MAX;
use vellum_types::{BlockHeader, ProofId, TxId};

/// Largest request body: a hex-encoded transaction in JSON plus room for the wrapper.
pub const REQUEST_BODY_BYTES_MAX: usize = 2 * TX_BYTES_MAX + 1024;

pub fn router(node: NodeHandle) -> Router {
    router_with_limit(node, limit::RateLimit::new(limit::API_RATE_PER_SECOND_DEFAULT))
}

/// The API with a per-client request rate limit.
pub fn router_with_limit(node: NodeHandle, rate: limit::RateLimit) -> Router {
    Router::new()
        .route("/", get(web_page))
        .route("/verify.js", get(web_verifier))
        .route("/v1/openapi.json", get(openapi))
        .route("/v1/tx", post(submit_tx))
        .route("/v1/tx/{hash}", get(tx_status))
        .route("/v1/status", get(status))
        .route("/v1/block/{height}", get(block))
        .route("/v1/proof/{id}", get(proof_show))
        .route("/v1/proof/{id}/bundle", get(proof_bundle))
        .route("/v1/proofs", get(proofs_by_digest))
        .route(
            "/v1/proof/{id}/original",
            get(original_get)
                .put(original_put)
                .delete(original_delete)
                .layer(DefaultBodyLimit::max(vellum_types::proof::ORIGINAL_BYTES_MAX + 64 * 1024)),
        )
        .route("/v1/account/{id}", get(payments::account))
        .route("/v1/account/{id}/history", get(payments::history))
        .route("/v1/token/{symbol}", get(payments::token))
        .route("/v1/rate/{from}/{to}", get(payments::rate))
        .route("/v1/holds", get(payments::holds))
        .route("/v1/hold/{id}", get(payments::hold))
        .route("/v1/payment/{tx}", get(payments::payment))
        .route("/v1/payment/{tx}/receipt", get(payments::receipt))
        .route("/metrics", get(payments::metrics))
        .route("/v1/governance", get(governance::summary))
        .route("/v1/governance/proposals", get(governance::proposals))
        .route("/v1/governance/proposal/{id}", get(governance::proposal))
        .route("/v1/governance/history", get(governance::history))
        .route("/v1/governance/module/{name}", get(governance::module))
        .route("/v1/validators", get(governance::validators))
        .route("/v1/log/checkpoint", get(log_checkpoint))
        .route("/v1/log/anchor", get(log_anchor))
        .route("/v1/log/consistency", get(log_consistency))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "not_found", "no such endpoint") })
        .layer(DefaultBodyLimit::max(REQUEST_BODY_BYTES_MAX))
        .layer(axum::middleware::from_fn_with_state(rate, limit::limit))
        .with_state(node)
}

/// Serves the API until the listener fails.
pub async fn serve(listener: tokio::net::TcpListener, node: NodeHandle) -> std::io::Result<()> {
    axum::serve(listener, router(node).into_make_service_with_connect_info::<std::net::SocketAddr>()).await
}

/// Runs the API on its own thread and tokio runtime, so HTTP load never competes with the
/// consensus runtime's scheduler. Returns once the listener is bound.
pub fn spawn(addr: std::net::SocketAddr, node: NodeHandle) -> std::io::Result<std::net::SocketAddr> {
    spawn_with(addr, node, None)
}

/// Certificate chain and private key (PEM files) for serving the API over TLS (rustls).
#[derive(Clone, Debug)]
pub struct Tls {
    pub cert_pem: std::path::PathBuf,
    pub key_pem: std::path::PathBuf,
}

/// [`spawn`], over HTTPS when `tls` is given. The certificate files are read before this
/// returns, so a bad certificate is a start-up error, not a silent plain-HTTP fallback.
pub fn spawn_with(addr: std::net::SocketAddr, node: NodeHandle, tls: Option<Tls>) -> std::io::Result<std::net::SocketAddr> {
    let listener = std::net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    let local = listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    let rustls = match tls {
        None => None,
        Some(t) => {
            // Several rustls crypto providers are linked in; pick one explicitly.
            let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
            Some(runtime.block_on(axum_server::tls_rustls::RustlsConfig::from_pem_file(&t.cert_pem, &t.key_pem)).map_err(|e| {
                std::io::Error::new(e.kind(), format!("TLS certificate {} / key {}: {e}", t.cert_pem.display(), t.key_pem.display()))
            })?)
        }
    };
    std::thread::Builder::new().name("vellum-api".into()).spawn(move || {
        runtime.block_on(async move {
            let result = match rustls {
                None => {
                    let listener = tokio::net::TcpListener::from_std(listener).expect("adopt listener");
                    serve(listener, node).await
                }
                Some(config) => axum_server::from_tcp_rustls(listener, config)
                    .expect("adopt listener")
                    .serve(router(node).into_make_service_with_connect_info::<std::net::SocketAddr>())
                    .await,
            };
            if let Err(e) = result {
                tracing::error!(error = %e, "API server stopped");
            }
        });
    })?;
    Ok(local)
}

/// Every error body: a stable machine `code` and a human `message`.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}

/// The OpenAPI 3.1 description of this API, generated from the handlers' annotations.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "Vellum node API", description = "Integrity proofs (X.1407) and payments (X.1405) on a permissioned BFT ledger. Protected reads need a signed request: headers x-vellum-account, x-vellum-timestamp, x-vellum-nonce, x-vellum-signature over the method, path and query, body digest, timestamp and nonce (see vellum_types::request)."),
    paths(submit_tx, tx_status, status, block, proof_show, proof_bundle, proofs_by_digest, original_put, original_get, original_delete, log_checkpoint, log_anchor, log_consistency, payments::account, payments::history, payments::token, payments::rate, payments::holds, payments::hold, payments::payment, payments::receipt, payments::metrics, governance::summary, governance::proposals, governance::proposal, governance::history, governance::module, governance::validators),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&SignedRequest)
)]
pub struct ApiDoc;

/// Declares the signed-request scheme the protected operations use.
struct SignedRequest;

impl utoipa::Modify for SignedRequest {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "signed_request",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "x-vellum-signature",
                "Signature by one of the account's keys; with x-vellum-account, x-vellum-timestamp (±60 s) and x-vellum-nonce (single use)",
            ))),
        );
    }
}

/// The verification page and explorer (no build step: plain HTML and one ES module).
pub const WEB_PAGE: &str = include_str!("../web/index.html");
/// The in-browser bundle verifier (WebCrypto), also runnable under Node for tests.
pub const WEB_VERIFIER: &str = include_str!("../web/verify.js");

async fn web_page() -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], WEB_PAGE).into_response()
}

async fn web_verifier() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], WEB_VERIFIER).into_response()
}

async fn openapi() -> Response {
    Json(<ApiDoc as utoipa::OpenApi>::openapi()).into_response()
}

/// Error responses sent, by code, since the process started (for `/metrics`).
static ERRORS_BY_CODE: std::sync::Mutex<std::collections::BTreeMap<&'static str, u64>> = std::sync::Mutex::new(std::collections::BTreeMap::new());

/// Error responses by code.
pub fn errors_by_code() -> Vec<(&'static str, u64)> {
    ERRORS_BY_CODE.lock().unwrap().iter().map(|(k, v)| (*k, *v)).collect()
}

fn error(status: StatusCode, code: &'static str, message: impl Into<String>) -> Response {
    *ERRORS_BY_CODE.lock().unwrap().entry(code).or_default() += 1;
    (status, Json(json!({ "error": { "code": code, "message": message.into() } }))).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonTx {
    tx_hex: String,
}

#[derive(Serialize)]
struct Accepted {
    tx_hash: String,
    status: &'static str,
}

#[utoipa::path(post, path = "/v1/tx", tag = "transactions", request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "Wire bytes: version byte and borsh of the signed transaction; or JSON {\"tx_hex\": \"...\"} as application/json"), summary = "Submit a signed transaction (wire bytes, or {\"tx_hex\"} JSON)", responses((status = 202, description = "success", content_type = "application/json"), (status = 400, description = "error with a stable code", body = crate::ErrorBody), (status = 409, description = "error with a stable code", body = crate::ErrorBody), (status = 413, description = "error with a stable code", body = crate::ErrorBody), (status = 415, description = "error with a stable code", body = crate::ErrorBody), (status = 429, description = "error with a stable code", body = crate::ErrorBody)))]
async fn submit_tx(State(node): State<NodeHandle>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return error(StatusCode::PAYLOAD_TOO_LARGE, "too_large", format!("request body over {REQUEST_BODY_BYTES_MAX} bytes"));
        }
        Err(e) => return error(StatusCode::BAD_REQUEST, "bad_body", e.body_text()),
    };
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let bytes: Vec<u8> = if content_type.starts_with("application/json") {
        let parsed: JsonTx = match serde_json::from_slice(&body) {
            Ok(p) => p,
            Err(e) => return error(StatusCode::BAD_REQUEST, "bad_json", format!("expected {{\"tx_hex\": \"...\"}}: {e}")),
        };
        match hex::decode(parsed.tx_hex.trim()) {
            Ok(b) => b,
            Err(e) => return error(StatusCode::BAD_REQUEST, "bad_hex", format!("tx_hex: {e}")),
        }
    } else if content_type.is_empty() || content_type.starts_with("application/octet-stream") {
        body.to_vec()
    } else {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send application/octet-stream (wire bytes) or application/json ({\"tx_hex\": ...})",
        );
    };
    // Signature checks are CPU work: keep them off the async workers.
    let result = tokio::task::spawn_blocking(move || node.submit(&bytes)).await;
    match result {
        Ok(Ok(id)) => (StatusCode::ACCEPTED, Json(Accepted { tx_hash: id.to_hex(), status: "pending" })).into_response(),
        Ok(Err(e)) => {
            let status = match &e {
                SubmitError::Decode(vellum_types::DecodeError::TooLarge { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
                SubmitError::Mempool(vellum_node::mempool::MempoolError::Full(_))
                | SubmitError::Mempool(vellum_node::mempool::MempoolError::AccountFull(_)) => StatusCode::TOO_MANY_REQUESTS,
                SubmitError::Mempool(vellum_node::mempool::MempoolError::Duplicate) => StatusCode::CONFLICT,
                SubmitError::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
                _ => StatusCode::BAD_REQUEST,
            };
            let mut response = json!({ "error": { "code": e.code(), "message": e.to_string() } });
            // Only the account's key holder gets this far (signatures are checked first), so
            // telling it the expected nonce leaks nothing to others.
            if let SubmitError::Invalid(vellum_ledger::TxError::BadNonce { expected, .. }) = &e {
                response["error"]["expected_nonce"] = json!(expected);
            }
            (status, Json(response)).into_response()
        }
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()),
    }
}

#[utoipa::path(get, path = "/v1/tx/{hash}", tag = "transactions", summary = "Status of a transaction: pending, finalized (with position) or rejected (with reason)", params(("hash" = String, Path, description = "Transaction hash, 64 hex")), responses((status = 200, description = "success", content_type = "application/json"), (status = 400, description = "error with a stable code", body = crate::ErrorBody), (status = 404, description = "error with a stable code", body = crate::ErrorBody)))]
async fn tx_status(State(node): State<NodeHandle>, Path(hash): Path<String>) -> Response {
    let Ok(id) = TxId::from_hex(&hash) else {
        return error(StatusCode::BAD_REQUEST, "bad_hash", "transaction hash must be 64 hex characters");
    };
    match node.tx_status(&id) {
        TxStatus::Pending => Json(json!({ "tx_hash": hash, "status": "pending" })).into_response(),
        TxStatus::Finalized(loc) => Json(json!({
            "tx_hash": hash, "status": "finalized",
            "height": loc.height, "index": loc.index, "log_index": loc.log_index,
        }))
        .into_response(),
        TxStatus::Rejected { code, message } => Json(json!({
            "tx_hash": hash, "status": "rejected", "code": code, "message": message,
        }))
        .into_response(),
        TxStatus::Unknown => error(StatusCode::NOT_FOUND, "unknown_tx", "no such transaction pending, finalized or rejected here"),
    }
}

#[utoipa::path(get, path = "/v1/status", tag = "chain", summary = "Chain id, genesis hash, height, roots, validators", responses((status = 200, description = "success", content_type = "application/json")))]
async fn status(State(node): State<NodeHandle>) -> Response {
    let s = node.status();
    let validators: Vec<_> = node
        .genesis()
        .validators
        .iter()
        .map(|v| json!({ "name": v.name, "consensus_key": hex::encode(v.consensus_key), "address": v.address }))
        .collect();
    Json(json!({
        "chain_id": s.chain_id,
        "genesis_hash": hex::encode(s.genesis_hash),
        "height": s.height,
        "block_hash": hex::encode(s.block_hash),
        "time_ms": s.time_ms,
        "state_root": hex::encode(s.state_root),
        "log_root": hex::encode(s.log_root),
        "log_size": s.log_size,
        "validator_set_hash": hex::encode(s.validator_set_hash),
        "validators": validators,
        "mempool_txs": s.mempool_txs,
        "finalized_txs_total": s.finalized_txs_total,
        // The clock this validator makes time decisions with (X.1407 9.2.3 a): checked against
        // Roughtime (`trusted_source`), usable for proposing and voting, its correction.
        "clock": s.clock.map(|c| json!({
            "trusted_source": c.trusted_source,
            "usable": c.usable,
            "offset_ms": c.offset_ms,
            "last_check_ms": c.last_check_ms,
        })),
    }))
    .into_response()
}

pub fn header_json(h: &BlockHeader) -> serde_json::Value {
    json!({
        "height": h.height,
        "hash": hex::encode(h.hash()),
        "parent": hex::encode(h.parent),
        "epoch": h.epoch,
        "view": h.view,
        "time_ms": h.time_ms,
        "proposer": hex::encode(h.proposer),
        "txs_root": hex::encode(h.txs_root),
        "tx_count": h.tx_count,
        "log_size": h.log_size,
        "log_root": hex::encode(h.log_root),
        "state_root": hex::encode(h.state_root),
        "validator_set_hash": hex::encode(h.validator_set_hash),
        "genesis_hash": hex::encode(h.genesis_hash),
    })
}

#[utoipa::path(get, path = "/v1/block/{height}", tag = "chain", summary = "A finalized block header", params(("height" = u64, Path, description = "Block height")), responses((status = 200, description = "success", content_type = "application/json"), (status = 400, description = "error with a stable code", body = crate::ErrorBody), (status = 404, description = "error with a stable code", body = crate::ErrorBody)))]
async fn block(State(node): State<NodeHandle>, Path(height): Path<String>) -> Response {
    let Ok(height) = height.parse::<u64>() else {
        return error(StatusCode::BAD_REQUEST, "bad_height", "height must be a non-negative integer");
    };
    match node.header(height) {
        Some(h) => Json(header_json(&h)).into_response(),
        None => error(StatusCode::NOT_FOUND, "unknown_block", format!("no finalized block at height {height} here")),
    }
}

/// Runs request work that touches storage or verifies signatures off the async workers.
async fn blocking(work: impl FnOnce() -> Response + Send + 'static) -> Response {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|e| error(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Authenticates a signed request (see `vellum_types::request`).
fn caller(node: &NodeHandle, headers: &HeaderMap, method: &str, uri: &axum::http::Uri) -> Result<vellum_types::Account, AuthError> {
    caller_with_body(node, headers, method, uri, b"")
}

fn caller_with_body(
    node: &NodeHandle,
    headers: &HeaderMap,
    method: &str,
    uri: &axum::http::Uri,
    body: &[u8],
) -> Result<vellum_types::Account, AuthError> {
    use vellum_types::request::*;
    let (Some(account), Some(ts), Some(nonce), Some(sig)) = (
        header(headers, HEADER_ACCOUNT),
        header(headers, HEADER_TIMESTAMP),
        header(headers, HEADER_NONCE),
        header(headers, HEADER_SIGNATURE),
    ) else {
        return Err(AuthError::Missing);
    };
    let account = vellum_types::AccountId::from_hex(account).map_err(|_| AuthError::Malformed("account"))?;
    let ts: u64 = ts.parse().map_err(|_| AuthError::Malformed("timestamp"))?;
    let mut n = [0u8; 16];
    hex::decode_to_slice(nonce, &mut n).map_err(|_| AuthError::Malformed("nonce"))?;
    let sig_bytes = hex::decode(sig).map_err(|_| AuthError::Malformed("signature"))?;
    let signature: vellum_types::Signature = borsh::from_slice(&sig_bytes).map_err(|_| AuthError::Malformed("signature"))?;
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let signed = request_signing_bytes(&node.genesis().chain_id, &account, method, path, body, ts, &n);
    node.authenticate(&account, ts, n, &signature, &signed, now_ms())
}

fn auth_error(e: &AuthError) -> Response {
    let status = match e {
        AuthError::Forbidden => StatusCode::FORBIDDEN,
        AuthError::Busy => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::UNAUTHORIZED,
    };
    error(status, e.code(), e.to_string())
}

fn bundle_error(e: &BundleError) -> Response {
    let status = match e {
        BundleError::UnknownProof => StatusCode::NOT_FOUND,
        BundleError::NothingFinalized | BundleError::Missing(_) => StatusCode::SERVICE_UNAVAILABLE,
        BundleError::Assemble(_) | BundleError::Range(_) => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    error(status, e.code(), e.to_string())
}

/// Authenticates, authorises (auditor: every proof; issuer: its own) and audits a read of
/// `id`. Returns the record and entry to serve, or the response refusing it.
fn authorised_read(
    node: &NodeHandle,
    headers: &HeaderMap,
    uri: &axum::http::Uri,
    id: &ProofId,
    action: &str,
) -> Result<(vellum_types::EvidenceRecord, vellum_types::ProofEntry), Response> {
    authorised(node, headers, "GET", uri, b"", id, action, false)
}

/// Authenticates and authorises an operation on proof `id`: the registrant always; an
/// auditor too unless `registrant_only`. Every attempt is audited.
#[allow(clippy::too_many_arguments)]
fn authorised(
    node: &NodeHandle,
    headers: &HeaderMap,
    method: &str,
    uri: &axum::http::Uri,
    body: &[u8],
    id: &ProofId,
    action: &str,
    registrant_only: bool,
) -> Result<(vellum_types::EvidenceRecord, vellum_types::ProofEntry), Response> {
    let now = now_ms();
    let proof = node.proof(id).map_err(|e| bundle_error(&e))?;
    let caller = match caller_with_body(node, headers, method, uri, body) {
        Ok(c) => c,
        Err(e) => {
            // Refused attempts on an existing proof are audited too (anonymous when the caller
            // is not proven; coalesced so they cannot flood the trail).
            if proof.is_some() {
                node.audit(id, None, action, false, now).map_err(|err| bundle_error(&err))?;
            }
            return Err(auth_error(&e));
        }
    };
    let Some((record, entry)) = proof else {
        // Only an auditor learns that a proof does not exist; anyone else gets the same 403
        // as for a proof it may not read.
        if caller.has_role(vellum_types::Role::Auditor) {
            return Err(bundle_error(&BundleError::UnknownProof));
        }
        return Err(auth_error(&AuthError::Forbidden));
    };
    let allowed = caller.id == record.registrant || (!registrant_only && caller.has_role(vellum_types::Role::Auditor));
    if let Err(e) = node.audit(id, Some(caller.id), action, allowed, now) {
        return Err(bundle_error(&e));
    }
    if !allowed {
        return Err(auth_error(&AuthError::Forbidden));
    }
    Ok((record, entry))
}

fn parse_proof_id(text: &str) -> Result<ProofId, Response> {
    ProofId::from_hex(text).map_err(|_| error(StatusCode::BAD_REQUEST, "bad_proof_id", "proof id must be 64 hex characters"))
}

fn status_json(s: &vellum_types::ProofStatus) -> serde_json::Value {
    match s {
        vellum_types::ProofStatus::Live => json!({ "status": "live" }),
        vellum_types::ProofStatus::Revoked { reason, tx_id, height, time_ms } => {
            json!({ "status": "revoked", "reason": reason, "tx": tx_id.to_hex(), "height": height, "time_ms": time_ms })
        }
        vellum_types::ProofStatus::Superseded { by, tx_id, height, time_ms } => {
            json!({ "status": "superseded", "by": by.to_hex(), "tx": tx_id.to_hex(), "height": height, "time_ms": time_ms })
        }
    }
}

pub fn record_json(r: &vellum_types::EvidenceRecord) -> serde_json::Value {
    let registered = match &r.registered {
        vellum_types::Registered::Single { digest } => json!({ "kind": "single", "digest": hex::encode(digest) }),
        vellum_types::Registered::Batch { root, count } => json!({ "kind": "batch", "root": hex::encode(root), "count": count }),
    };
    json!({
        "proof_id": r.proof_id.to_hex(),
        "registered": registered,
        "schema": r.schema,
        "metadata_digest": hex::encode(r.metadata_digest),
        "salted": r.salted,
        "registrant": r.registrant.to_hex(),
        "signer": r.signer.to_string(),
        "tx": r.tx_id.to_hex(),
        "height": r.height,
        "time_ms": r.time_ms,
    })
}

#[utoipa::path(get, path = "/v1/proof/{id}", tag = "proofs", summary = "A registration's record, status and audit trail", params(("id" = String, Path, description = "Proof id, 64 hex")), responses((status = 200, description = "success", content_type = "application/json"), (status = 400, description = "error with a stable code", body = crate::ErrorBody), (status = 401, description = "error with a stable code", body = crate::ErrorBody), (status = 403, description = "error with a stable code", body = crate::ErrorBody), (status = 404, description = "error with a stable code", body = crate::ErrorBody)), security(("signed_request" = [])))]
async fn proof_show(State(node): State<NodeHandle>, Path(id): Path<String>, headers: HeaderMap, uri: axum::http::Uri) -> Response {
    let id = match parse_proof_id(&id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    blocking(move || {
        let (record, entry) = match authorised_read(&node, &headers, &uri, &id, "show") {
            Ok(p) => p,
            Err(r) => return r,
        };
        let audit: Vec<_> = node
            .audit_trail(&id)
            .unwrap_or_default()
            .into_iter()
            .map(|a| json!({ "reader": a.reader.map(|r| r.to_hex()), "action": a.action, "allowed": a.allowed, "time_ms": a.time_ms }))
            .collect();
        let ledger_audit: Vec<_> = node
            .ledger_audit(&id)
            .unwrap_or_default()
            .into_iter()
            .map(|a| {
                json!({
                    "reader": a.record.reader.map(|r| r.to_hex()), "action": a.record.action, "allowed": a.record.allowed,
                    "time_ms": a.record.time_ms, "recorded_by": a.node.to_hex(), "tx": a.tx_id.to_hex(), "height": a.height,
                })
            })
            .collect();
        Json(json!({
            "record": record_json(&record),
            "status": status_json(&entry.status),
            "log_index": entry.leaf_index,
            "audit": audit,
            "audit_on_ledger": ledger_audit,
        }))
        .into_response()
    })
    .await
}

#[derive(Deserialize)]
struct BundleQuery {
    member: Option<u32>,
}

#[utoipa::path(get, path = "/v1/proof/{id}/bundle", tag = "proofs", summary = "The evidence bundle of a registration (binary, verifiable offline)", params(("id" = String, Path, description = "Proof id, 64 hex"), ("member" = u32, Query, description = "Member index within a batch")), responses((status = 200, description = "success", content_type = "application/octet-stream"), (status = 400, description = "error with a stable code", body = crate::ErrorBody), (status = 401, description = "error with a stable code", body = crate::ErrorBody), (status = 403, description = "error with a stable code", body = crate::ErrorBody), (status = 404, description = "error with a stable code", body = crate::ErrorBody), (status = 503, description = "error with a stable code", body = crate::ErrorBody)), security(("signed_request" = [])))]
async fn proof_bundle(
    State(node): State<NodeHandle>,
    Path(id): Path<String>,
    query: Result<axum::extract::Query<BundleQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let id = match parse_proof_id(&id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let Ok(axum::extract::Query(query)) = query else {
        return error(StatusCode::BAD_REQUEST, "bad_query", "member must be a non-negative integer");
    };
    blocking(move || {
        if let Err(r) = authorised_read(&node, &headers, &uri, &id, "bundle") {
            return r;
        }
        match node.bundle(&id, query.member) {
            Ok(b) => ([(header::CONTENT_TYPE, "application/octet-stream")], b.to_bytes()).into_response(),
            Err(e) => bundle_error(&e),
        }
    })
    .await
}

#[derive(Deserialize)]
struct DigestQuery {
    digest: String,
}

#[utoipa::path(get, path = "/v1/proofs", tag = "proofs", summary = "Proof ids registered with a digest", params(("digest" = String, Query, description = "Document digest or batch root, 64 hex")), responses((status = 200, description = "success", content_type = "application/json"), (status = 400, description = "error with a stable code", body = crate::ErrorBody), (status = 401, description = "error with a stable code", body = crate::ErrorBody), (status = 403, description = "error with a stable code", body = crate::ErrorBody)), security(("signed_request" = [])))]
async fn proofs_by_digest(
    State(node): State<NodeHandle>,
    query: Result<axum::extract::Query<DigestQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let Ok(axum::extract::Query(query)) = query else {
        return error(StatusCode::BAD_REQUEST, "bad_query", "expected ?digest=<64 hex>");
    };
    let mut digest = [0u8; 32];
    if hex::decode_to_slice(&query.digest, &mut digest).is_err() {
        return error(StatusCode::BAD_REQUEST, "bad_digest", "digest must be 64 hex characters");
    }
    blocking(move || {
        let caller = match caller(&node, &headers, "GET", &uri) {
            Ok(c) => c,
            Err(e) => return auth_error(&e),
        };
        let ids = match node.proofs_by_digest(&digest) {
            Ok(ids) => ids,
            Err(e) => return bundle_error(&e),
        };
        let mut visible = Vec::new();
        for id in ids {
            let Ok(Some((record, _))) = node.proof(&id) else { continue };
            let allowed = caller.has_role(vellum_types::Role::Auditor) || caller.id == record.registrant;
            if node.audit(&id, Some(caller.id), "lookup", allowed, now_ms()).is_err() {
                return error(StatusCode::INTERNAL_SERVER_ERROR, "storage", "cannot write the audit trail");
            }
            if allowed {
                visible.push(id.to_hex());
            }
        }
        Json(json!({ "digest": query.digest, "proofs": visible })).into_response()
    })
    .await
}

#[derive(Deserialize)]
struct CheckpointQuery {
    size: Option<u64>,
    height: Option<u64>,
}

#[utoipa::path(get, path = "/v1/log/checkpoint", tag = "log", summary = "A C2SP signed-note checkpoint of the finalized log, signed by this validator", params(("size" = u64, Query, description = "Log size"), ("height" = u64, Query, description = "Block height")), responses((status = 200, description = "success", content_type = "text/plain"), (status = 400, description = "error with a stable code", body = crate::ErrorBody), (status = 404, description = "error with a stable code", body = crate::ErrorBody)))]
async fn log_checkpoint(
    State(node): State<NodeHandle>,
    query: Result<axum::extract::Query<CheckpointQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(axum::extract::Query(query)) = query else {
        return error(StatusCode::BAD_REQUEST, "bad_query", "size must be a positive integer");
    };
    blocking(move || {
        let cp = match (query.height, query.size) {
            (Some(_), Some(_)) => Err(BundleError::Range("give size or height, not both".into())),
            (Some(h), None) => node.checkpoint_at_height(h),
            (None, size) => node.checkpoint(size),
        };
        match cp {
            Ok(cp) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], cp.to_note()).into_response(),
            Err(e) => bundle_error(&e),
        }
    })
    .await
}

#[utoipa::path(get, path = "/v1/log/anchor", tag = "log", summary = "A log anchor: the latest certified header's log size and root with its certificate and the validator-set chain from genesis (binary, verifiable offline)", responses((status = 200, description = "success", content_type = "application/octet-stream"), (status = 400, description = "error with a stable code", body = crate::ErrorBody), (status = 503, description = "error with a stable code", body = crate::ErrorBody)))]
async fn log_anchor(State(node): State<NodeHandle>) -> Response {
    blocking(move || match node.log_anchor() {
        Ok(a) => ([(header::CONTENT_TYPE, "application/octet-stream")], a.to_bytes()).into_response(),
        Err(e) => bundle_error(&e),
    })
    .await
}

#[derive(Deserialize)]
struct ConsistencyQuery {
    old: u64,
    new: u64,
}

#[utoipa::path(get, path = "/v1/log/consistency", tag = "log", summary = "An RFC 9162 consistency proof between two log sizes", params(("old" = u64, Query, description = "Older size"), ("new" = u64, Query, description = "Newer size")), responses((status = 200, description = "success", content_type = "application/json"), (status = 400, description = "error with a stable code", body = crate::ErrorBody)))]
async fn log_consistency(
    State(node): State<NodeHandle>,
    query: Result<axum::extract::Query<ConsistencyQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(axum::extract::Query(q)) = query else {
        return error(StatusCode::BAD_REQUEST, "bad_query", "expected ?old=N&new=M");
    };
    blocking(move || match node.consistency(q.old, q.new) {
        Ok(proof) => Json(json!({ "old": q.old, "new": q.new, "proof": proof.iter().map(hex::encode).collect::<Vec<_>>() })).into_response(),
        Err(e) => bundle_error(&e),
    })
    .await
}

#[derive(Deserialize)]
struct MemberQuery {
    member: Option<u32>,
}

type MemberQueryResult = Result<axum::extract::Query<MemberQuery>, axum::extract::rejection::QueryRejection>;

/// Parses the proof id and `?member=` of an original's URL.
fn original_target(id: &str, query: MemberQueryResult) -> Result<(ProofId, MemberQuery), Response> {
    let id = parse_proof_id(id)?;
    let Ok(axum::extract::Query(query)) = query else {
        return Err(error(StatusCode::BAD_REQUEST, "bad_query", "member must be a non-negative integer"));
    };
    Ok((id, query))
}

/// Authorises an operation on an original and resolves its member index.
#[allow(clippy::too_many_arguments)]
fn original_access(
    node: &NodeHandle,
    headers: &HeaderMap,
    method: &str,
    uri: &axum::http::Uri,
    body: &[u8],
    id: &ProofId,
    member: Option<u32>,
    action: &str,
    registrant_only: bool,
) -> Result<u32, Response> {
    let (_, entry) = authorised(node, headers, method, uri, body, id, action, registrant_only)?;
    member_index(&entry, member)
}

/// Checks the member index against the registration (0 for a single registration).
fn member_index(entry: &vellum_types::ProofEntry, member: Option<u32>) -> Result<u32, Response> {
    let m = member.unwrap_or(0);
    if m >= entry.count.max(1) {
        return Err(error(StatusCode::BAD_REQUEST, "no_such_member", format!("member {m} is out of range")));
    }
    Ok(m)
}

#[utoipa::path(put, path = "/v1/proof/{id}/original", tag = "originals", request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "borsh of (key envelope, EncryptedOriginal)"), summary = "Store an encrypted original off-chain (registrant)", params(("id" = String, Path, description = "Proof id, 64 hex"), ("member" = u32, Query, description = "Member index within a batch")), responses((status = 201, description = "success", content_type = "application/json"), (status = 400, description = "error with a stable code", body = crate::ErrorBody), (status = 401, description = "error with a stable code", body = crate::ErrorBody), (status = 403, description = "error with a stable code", body = crate::ErrorBody), (status = 404, description = "error with a stable code", body = crate::ErrorBody), (status = 409, description = "error with a stable code", body = crate::ErrorBody), (status = 413, description = "error with a stable code", body = crate::ErrorBody)), security(("signed_request" = [])))]
async fn original_put(
    State(node): State<NodeHandle>,
    Path(id): Path<String>,
    query: MemberQueryResult,
    headers: HeaderMap,
    uri: axum::http::Uri,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (id, query) = match original_target(&id, query) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let body = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return error(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "encrypted original over the size limit");
        }
        Err(e) => return error(StatusCode::BAD_REQUEST, "bad_body", e.body_text()),
    };
    blocking(move || {
        let member = match original_access(&node, &headers, "PUT", &uri, &body, &id, query.member, "store", true) {
            Ok(m) => m,
            Err(r) => return r,
        };
        let original: vellum_types::proof::EncryptedOriginal = match vellum_types::encoding::from_wire(&body, vellum_types::proof::ORIGINAL_BYTES_MAX + 1024) {
            Ok(o) => o,
            Err(e) => return error(StatusCode::BAD_REQUEST, "malformed", format!("encrypted original: {e}")),
        };
        if original.key_envelope.is_empty() || original.key_envelope.len() > vellum_types::proof::ORIGINAL_KEY_ENVELOPE_BYTES_MAX {
            return error(StatusCode::BAD_REQUEST, "malformed", "key envelope missing or too large");
        }
        let payload = borsh::to_vec(&(original.nonce, &original.ciphertext)).expect("borsh into Vec");
        match node.store().put_original(&id, member, &original.key_envelope, &payload) {
            Ok(true) => (StatusCode::CREATED, Json(json!({ "proof_id": id.to_hex(), "member": member, "stored_bytes": body.len() }))).into_response(),
            Ok(false) => error(StatusCode::CONFLICT, "original_exists", "an original is (or was) already stored for this document"),
            Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, "storage", e.to_string()),
        }
    })
    .await
}

#[utoipa::path(get, path = "/v1/proof/{id}/original", tag = "originals", summary = "Fetch an encrypted original (registrant or auditor)", params(("id" = String, Path, description = "Proof id, 64 hex"), ("member" = u32, Query, description = "Member index within a batch")), responses((status = 200, description = "success", content_type = "application/octet-stream"), (status = 400, description = "error with a stable code", body = crate::ErrorBody), (status = 401, description = "error with a stable code", body = crate::ErrorBody), (status = 403, description = "error with a stable code", body = crate::ErrorBody), (status = 404, description = "error with a stable code", body = crate::ErrorBody), (status = 410, description = "error with a stable code", body = crate::ErrorBody)), security(("signed_request" = [])))]
async fn original_get(
    State(node): State<NodeHandle>,
    Path(id): Path<String>,
    query: MemberQueryResult,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let (id, query) = match original_target(&id, query) {
        Ok(t) => t,
        Err(r) => return r,
    };
    blocking(move || {
        let member = match original_access(&node, &headers, "GET", &uri, b"", &id, query.member, "original", false) {
            Ok(m) => m,
            Err(r) => return r,
        };
        match node.store().original(&id, member) {
            Ok(vellum_storage::Original::Stored { key_envelope, payload }) => {
                let Ok((nonce, ciphertext)) = borsh::from_slice::<([u8; 24], Vec<u8>)>(&payload) else {
                    return error(StatusCode::INTERNAL_SERVER_ERROR, "storage", "stored payload is corrupt");
                };
                let original = vellum_types::proof::EncryptedOriginal { key_envelope, nonce, ciphertext };
                ([(header::CONTENT_TYPE, "application/octet-stream")], vellum_types::encoding::to_wire(&original)).into_response()
            }
            Ok(vellum_storage::Original::Deleted { at_ms }) => {
                error(StatusCode::GONE, "original_deleted", format!("the original was deleted (its key destroyed) at {at_ms} ms; the proof stays verifiable"))
            }
            Ok(vellum_storage::Original::Absent) => error(StatusCode::NOT_FOUND, "no_original", "no original is stored for this document"),
            Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, "storage", e.to_string()),
        }
    })
    .await
}

#[utoipa::path(delete, path = "/v1/proof/{id}/original", tag = "originals", summary = "Delete an original: its key envelope is destroyed (registrant)", params(("id" = String, Path, description = "Proof id, 64 hex"), ("member" = u32, Query, description = "Member index within a batch")), responses((status = 200, description = "success", content_type = "application/json"), (status = 400, description = "error with a stable code", body = crate::ErrorBody), (status = 401, description = "error with a stable code", body = crate::ErrorBody), (status = 403, description = "error with a stable code", body = crate::ErrorBody), (status = 404, description = "error with a stable code", body = crate::ErrorBody)), security(("signed_request" = [])))]
async fn original_delete(
    State(node): State<NodeHandle>,
    Path(id): Path<String>,
    query: MemberQueryResult,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let (id, query) = match original_target(&id, query) {
        Ok(t) => t,
        Err(r) => return r,
    };
    blocking(move || {
        let member = match original_access(&node, &headers, "DELETE", &uri, b"", &id, query.member, "delete", true) {
            Ok(m) => m,
            Err(r) => return r,
        };
        match node.store().delete_original(&id, member, now_ms()) {
            Ok(true) => Json(json!({ "proof_id": id.to_hex(), "member": member, "deleted": true })).into_response(),
            Ok(false) => error(StatusCode::NOT_FOUND, "no_original", "no original is stored for this document"),
            Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, "storage", e.to_string()),
        }
    })
    .await
}

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
//! The full API (authenticated reads, OpenAPI, metrics) is built on this in a later issue.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use vellum_node::{NodeHandle, SubmitError, TxStatus};
use vellum_types::limits::TX_BYTES_MAX;
use vellum_types::{BlockHeader, TxId};

/// Largest request body: a hex-encoded transaction in JSON plus room for the wrapper.
pub const REQUEST_BODY_BYTES_MAX: usize = 2 * TX_BYTES_MAX + 1024;

pub fn router(node: NodeHandle) -> Router {
    Router::new()
        .route("/v1/tx", post(submit_tx))
        .route("/v1/tx/{hash}", get(tx_status))
        .route("/v1/status", get(status))
        .route("/v1/block/{height}", get(block))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "not_found", "no such endpoint") })
        .layer(DefaultBodyLimit::max(REQUEST_BODY_BYTES_MAX))
        .with_state(node)
}

/// Serves the API until the listener fails.
pub async fn serve(listener: tokio::net::TcpListener, node: NodeHandle) -> std::io::Result<()> {
    axum::serve(listener, router(node)).await
}

/// Runs the API on its own thread and tokio runtime, so HTTP load never competes with the
/// consensus runtime's scheduler. Returns once the listener is bound.
pub fn spawn(addr: std::net::SocketAddr, node: NodeHandle) -> std::io::Result<std::net::SocketAddr> {
    let listener = std::net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    let local = listener.local_addr()?;
    std::thread::Builder::new().name("vellum-api".into()).spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("build API runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("adopt listener");
            if let Err(e) = serve(listener, node).await {
                tracing::error!(error = %e, "API server stopped");
            }
        });
    })?;
    Ok(local)
}

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
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

async fn block(State(node): State<NodeHandle>, Path(height): Path<String>) -> Response {
    let Ok(height) = height.parse::<u64>() else {
        return error(StatusCode::BAD_REQUEST, "bad_height", "height must be a non-negative integer");
    };
    match node.header(height) {
        Some(h) => Json(header_json(&h)).into_response(),
        None => error(StatusCode::NOT_FOUND, "unknown_block", format!("no finalized block at height {height} here")),
    }
}

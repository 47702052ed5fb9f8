//! Transactions and the chain: submit a transaction, its status, the node's status, finalized
//! block headers.

use crate::errors::{ErrorBody, Path, error};
use crate::openapi::Binary;
use crate::REQUEST_BODY_BYTES_MAX;
use vellum_types::limits::SUBMIT_BATCH_BYTES_MAX;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use vellum_node::{NodeHandle, SubmitError, TxStatus};
use vellum_types::{BlockHeader, TxId};

/// `POST /v1/tx` as JSON.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct JsonTx {
    /// Hex of the wire bytes (version byte and borsh of the signed transaction).
    #[schema(pattern = "^\\s*([0-9a-fA-F]{2})*\\s*$")]
    tx_hex: String,
}

/// A transaction admitted to the mempool.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Accepted {
    /// The transaction id, 64 hex.
    tx_hash: String,
    /// Always `pending`.
    status: &'static str,
}

#[utoipa::path(
    post,
    path = "/v1/tx",
    operation_id = "submit_tx",
    tag = "transactions",
    summary = "Submit a signed transaction (wire bytes, or {\"tx_hex\"} JSON)",
    request_body(
        description = "The signed transaction: its wire bytes (version byte and borsh) as application/octet-stream (also when no Content-Type is given), or their hex as JSON {\"tx_hex\": \"...\"}",
        content((Binary = "application/octet-stream"), (JsonTx = "application/json"))
    ),
    responses(
        (status = 202, description = "Admitted to the mempool, gossiped, and recorded on this validator's disk (replayed after a crash)", body = Accepted,
            links(("status" = (operation_id = "tx_status", parameters(("hash" = "$response.body#/tx_hash")))))),
        (status = 400, description = "`malformed`, `bad_json`, `bad_hex`, `bad_body`, or why the transaction would not apply (`wrong_chain`, `bad_signature`, `bad_nonce` with `expected_nonce`, `unknown_sender`, `missing_role`, ...)", body = ErrorBody),
        (status = 409, description = "`duplicate`: already pending or finalized (resubmission is idempotent: the same bytes have the same id)", body = ErrorBody),
        (status = 413, description = "`too_large`: body or transaction over the size limit", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: neither application/octet-stream nor application/json", body = ErrorBody),
        (status = 429, description = "`mempool_full` / `account_rate_limited`: the mempool (or the sender's share) is full; or `rate_limited`", body = ErrorBody),
        (status = 500, description = "`storage`, `internal`", body = ErrorBody),
        (status = 503, description = "`busy`: admissions are not being made durable fast enough; retry shortly", body = ErrorBody),
    )
)]
pub(crate) async fn submit_tx(State(node): State<NodeHandle>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match read_body(body, REQUEST_BODY_BYTES_MAX) {
        Ok(b) => b,
        Err(refused) => return refused,
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
        Ok(Err(e)) => (refusal_status(&e), Json(json!({ "error": refusal(&e) }))).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()),
    }
}

/// The request body, or the error for a body over `limit_bytes` (`413 too_large`) or one
/// that cannot be read (`400 bad_body`).
fn read_body(body: Result<Bytes, BytesRejection>, limit_bytes: usize) -> Result<Bytes, Response> {
    match body {
        Ok(b) => Ok(b),
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            Err(error(StatusCode::PAYLOAD_TOO_LARGE, "too_large", format!("request body over {limit_bytes} bytes")))
        }
        Err(e) => Err(error(StatusCode::BAD_REQUEST, "bad_body", e.body_text())),
    }
}

/// The HTTP status of a refused submission.
fn refusal_status(e: &SubmitError) -> StatusCode {
    match e {
        SubmitError::Decode(vellum_types::DecodeError::TooLarge { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
        SubmitError::Mempool(vellum_node::mempool::MempoolError::Full(_))
        | SubmitError::Mempool(vellum_node::mempool::MempoolError::AccountFull(_)) => StatusCode::TOO_MANY_REQUESTS,
        SubmitError::Mempool(vellum_node::mempool::MempoolError::Duplicate) => StatusCode::CONFLICT,
        SubmitError::Storage(_) | SubmitError::Accept(vellum_node::acceptance::AcceptError::Storage(_)) => StatusCode::INTERNAL_SERVER_ERROR,
        SubmitError::Accept(vellum_node::acceptance::AcceptError::Busy) | SubmitError::Signer(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// `{"code", "message"}` of a refused submission (and `expected_nonce` for `bad_nonce`).
fn refusal(e: &SubmitError) -> serde_json::Value {
    let mut body = json!({ "code": e.code(), "message": e.to_string() });
    // Only the account's key holder gets this far (signatures are checked first), so
    // telling it the expected nonce leaks nothing to others.
    if let SubmitError::Invalid(vellum_ledger::TxError::BadNonce { expected, .. }) = e {
        body["expected_nonce"] = json!(expected);
    }
    body
}

/// One transaction's answer in a batch: admitted (`tx_hash`, `status: pending`) or refused
/// (`error`, as `POST /v1/tx` would answer it alone).
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct BatchAnswer {
    /// The transaction id, 64 hex (admitted only).
    #[serde(skip_serializing_if = "Option::is_none")]
    tx_hash: Option<String>,
    /// `pending` (admitted only).
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
    /// Why it was refused: `{"code", "message"}`, plus `expected_nonce` for `bad_nonce`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    error: Option<serde_json::Value>,
}

/// The answer to `POST /v1/txs`.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct BatchAnswers {
    /// How many were admitted.
    accepted: usize,
    /// One answer per transaction, in the batch's order.
    results: Vec<BatchAnswer>,
}

#[utoipa::path(
    post,
    path = "/v1/txs",
    operation_id = "submit_txs",
    tag = "transactions",
    summary = "Submit up to 1,024 signed transactions in one batch frame",
    request_body(
        description = "A batch frame (docs/wire-format.md, \"Batch submission\"): u32 LE count, then per transaction a u32 LE length and its wire bytes — borsh Vec<Vec<u8>>; at most 1,024 transactions and 4 MiB",
        content((Binary = "application/octet-stream"))
    ),
    responses(
        (status = 200, description = "The frame was read: one answer per transaction, in order. Admitted ones are gossiped and recorded on this validator's disk in one commit before this answer; refused ones carry the code POST /v1/tx would give them alone", body = BatchAnswers),
        (status = 400, description = "`malformed` or `bad_body`: the frame cannot be read (count, lengths, trailing bytes); nothing was admitted", body = ErrorBody),
        (status = 413, description = "`too_large`: the body is over 4 MiB", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: not application/octet-stream", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    )
)]
pub(crate) async fn submit_txs(State(node): State<NodeHandle>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match read_body(body, SUBMIT_BATCH_BYTES_MAX) {
        Ok(b) => b,
        Err(refused) => return refused,
    };
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !(content_type.is_empty() || content_type.starts_with("application/octet-stream")) {
        return error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "send a batch frame as application/octet-stream");
    }
    crate::blocking(move || {
        let wires = match vellum_types::batch::decode(&body) {
            Ok(w) => w,
            Err(e @ vellum_types::DecodeError::TooLarge { .. }) => return error(StatusCode::PAYLOAD_TOO_LARGE, "too_large", e.to_string()),
            Err(e) => return error(StatusCode::BAD_REQUEST, "malformed", format!("batch frame: {e}")),
        };
        let results: Vec<BatchAnswer> = node
            .submit_batch(&wires)
            .iter()
            .map(|answer| match answer {
                Ok(id) => BatchAnswer { tx_hash: Some(id.to_hex()), status: Some("pending"), error: None },
                Err(e) => BatchAnswer { tx_hash: None, status: None, error: Some(refusal(e)) },
            })
            .collect();
        let accepted = results.iter().filter(|r| r.error.is_none()).count();
        (StatusCode::OK, Json(BatchAnswers { accepted, results })).into_response()
    })
    .await
}

#[utoipa::path(
    get,
    path = "/v1/tx/{hash}",
    operation_id = "tx_status",
    tag = "transactions",
    summary = "Status of a transaction: pending, finalized (with position) or rejected (with reason)",
    params(("hash" = String, Path, pattern = "^[0-9a-fA-F]{64}$", description = "Transaction hash, 64 hex")),
    responses(
        (status = 200, description = "`pending`, `finalized` (height, index, log_index) or `rejected` (code, message)", content_type = "application/json"),
        (status = 400, description = "`bad_hash`: not 64 hex characters; `bad_path`", body = ErrorBody),
        (status = 404, description = "`unknown_tx`: not pending, finalized or rejected here", body = ErrorBody),
    )
)]
pub(crate) async fn tx_status(State(node): State<NodeHandle>, Path(hash): Path<String>) -> Response {
    let Ok(id) = TxId::from_hex(&hash) else {
        return error(StatusCode::BAD_REQUEST, "bad_hash", "transaction hash must be 64 hex characters");
    };
    // Reads storage (where a finalized transaction is): off the async workers.
    crate::blocking(move || match node.tx_status(&id) {
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
    })
    .await
}

#[utoipa::path(
    get,
    path = "/v1/status",
    operation_id = "status",
    tag = "chain",
    summary = "Chain id, genesis hash, height, roots, validators",
    responses(
        (status = 200, description = "The node's finalized tip", content_type = "application/json",
            links(
                ("tip" = (operation_id = "block", parameters(("height" = "$response.body#/height")))),
                ("checkpoint" = (operation_id = "log_checkpoint", parameters(("height" = "$response.body#/height")))),
            )),
    )
)]
pub(crate) async fn status(State(node): State<NodeHandle>) -> Response {
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

#[utoipa::path(
    get,
    path = "/v1/block/{height}",
    operation_id = "block",
    tag = "chain",
    summary = "A finalized block header",
    params(("height" = u64, Path, description = "Block height")),
    responses(
        (status = 200, description = "The header (roots only, no transaction data)", content_type = "application/json"),
        (status = 400, description = "`bad_height`: not a non-negative 64-bit integer", body = ErrorBody),
        (status = 404, description = "`unknown_block`: not finalized here (yet)", body = ErrorBody),
    )
)]
pub(crate) async fn block(State(node): State<NodeHandle>, Path(height): Path<String>) -> Response {
    let Ok(height) = height.parse::<u64>() else {
        return error(StatusCode::BAD_REQUEST, "bad_height", "height must be a non-negative integer");
    };
    // Reads the stored header: off the async workers.
    crate::blocking(move || match node.header(height) {
        Some(h) => Json(header_json(&h)).into_response(),
        None => error(StatusCode::NOT_FOUND, "unknown_block", format!("no finalized block at height {height} here")),
    })
    .await
}

//! The finalized RFC 6962 log, public (it reveals only sizes, roots and headers): C2SP
//! signed-note checkpoints, log anchors, RFC 9162 consistency proofs.
//!
//! A size or height that is well formed but not finalized here (yet), or an empty log, is
//! `404 bad_range`; an impossible combination (`size` with `height`, a size of 0,
//! `old > new`) is `400 bad_range`.

use crate::blocking;
use crate::errors::{ErrorBody, Query, bundle_error, error};
use crate::openapi::Binary;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use vellum_node::{BundleError, NodeHandle};

/// `404 bad_range`: what was asked for is not (yet) in the finalized log here.
fn not_finalized(e: &BundleError) -> Response {
    error(StatusCode::NOT_FOUND, e.code(), e.to_string())
}

#[derive(Deserialize)]
pub(crate) struct CheckpointQuery {
    size: Option<u64>,
    height: Option<u64>,
}

#[utoipa::path(
    get,
    path = "/v1/log/checkpoint",
    operation_id = "log_checkpoint",
    tag = "log",
    summary = "A C2SP signed-note checkpoint of the finalized log, signed by this validator: the latest, at a size, or as block `height` committed it (give size or height, not both)",
    params(
        ("size" = Option<u64>, Query, minimum = 1, description = "Log size (not with `height`)"),
        ("height" = Option<u64>, Query, description = "Block height (not with `size`)"),
    ),
    responses(
        (status = 200, description = "The signed note", body = String, content_type = "text/plain"),
        (status = 400, description = "`bad_query`; `bad_range`: both `size` and `height`, or a size of 0", body = ErrorBody),
        (status = 404, description = "`bad_range`: the size or height is not finalized here (yet), or the log is empty there", body = ErrorBody),
        (status = 500, description = "`storage`", body = ErrorBody),
    )
)]
pub(crate) async fn log_checkpoint(State(node): State<NodeHandle>, Query(query): Query<CheckpointQuery>) -> Response {
    blocking(move || {
        let cp = match (query.height, query.size) {
            (Some(_), Some(_)) => return bundle_error(&BundleError::Range("give size or height, not both".into())),
            (_, Some(0)) => return bundle_error(&BundleError::Range("size must be at least 1".into())),
            (Some(h), None) => node.checkpoint_at_height(h),
            (None, size) => node.checkpoint(size),
        };
        match cp {
            Ok(cp) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], cp.to_note()).into_response(),
            Err(e @ BundleError::Range(_)) => not_finalized(&e),
            Err(e) => bundle_error(&e),
        }
    })
    .await
}

#[utoipa::path(
    get,
    path = "/v1/log/anchor",
    operation_id = "log_anchor",
    tag = "log",
    summary = "A log anchor: the latest certified header's log size and root with its certificate and the validator-set chain from genesis (binary, verifiable offline)",
    responses(
        (status = 200, description = "The anchor", body = Binary, content_type = "application/octet-stream"),
        (status = 404, description = "`bad_range`: the log is empty, nothing to anchor yet", body = ErrorBody),
        (status = 500, description = "`storage`", body = ErrorBody),
        (status = 503, description = "`not_ready`: nothing finalized, or the latest certificate not stored yet", body = ErrorBody),
    )
)]
pub(crate) async fn log_anchor(State(node): State<NodeHandle>) -> Response {
    blocking(move || match node.log_anchor() {
        Ok(a) => ([(header::CONTENT_TYPE, "application/octet-stream")], a.to_bytes()).into_response(),
        Err(e @ BundleError::Range(_)) => not_finalized(&e),
        Err(e) => bundle_error(&e),
    })
    .await
}

#[utoipa::path(
    get,
    path = "/v1/log/witnessed",
    operation_id = "log_witnessed",
    tag = "log",
    summary = "The latest checkpoint of the log that a quorum of the governed witnesses cosigned (a C2SP note with cosignature lines)",
    responses(
        (status = 200, description = "The cosigned note", body = String, content_type = "text/plain"),
        (status = 404, description = "`not_found`: no checkpoint witnessed yet (no witnesses governed, or none answered)", body = ErrorBody),
        (status = 500, description = "`storage`", body = ErrorBody),
    )
)]
pub(crate) async fn log_witnessed(State(node): State<NodeHandle>) -> Response {
    blocking(move || match node.witnessed_checkpoint() {
        Ok(Some(cp)) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], cp.to_note()).into_response(),
        Ok(None) => bundle_error(&BundleError::NotFound("no checkpoint of this log has been witnessed yet".into())),
        Err(e) => bundle_error(&e),
    })
    .await
}

#[derive(Deserialize)]
pub(crate) struct ConsistencyQuery {
    old: u64,
    new: u64,
}

#[utoipa::path(
    get,
    path = "/v1/log/consistency",
    operation_id = "log_consistency",
    tag = "log",
    summary = "An RFC 9162 consistency proof between two finalized log sizes, 1 <= old <= new",
    params(
        ("old" = u64, Query, minimum = 1, description = "Older size (at most `new`)"),
        ("new" = u64, Query, minimum = 1, description = "Newer size (at least `old`)"),
    ),
    responses(
        (status = 200, description = "The proof: `old`, `new` and the hashes (hex)", content_type = "application/json"),
        (status = 400, description = "`bad_query`; `bad_range`: `old` is 0 or greater than `new`", body = ErrorBody),
        (status = 404, description = "`bad_range`: `new` is not finalized here (yet)", body = ErrorBody),
        (status = 500, description = "`storage`", body = ErrorBody),
    )
)]
pub(crate) async fn log_consistency(State(node): State<NodeHandle>, Query(q): Query<ConsistencyQuery>) -> Response {
    blocking(move || match node.consistency(q.old, q.new) {
        Ok(proof) => Json(json!({ "old": q.old, "new": q.new, "proof": proof.iter().map(hex::encode).collect::<Vec<_>>() })).into_response(),
        Err(e @ BundleError::Range(_)) if q.old != 0 && q.old <= q.new => not_finalized(&e),
        Err(e) => bundle_error(&e),
    })
    .await
}

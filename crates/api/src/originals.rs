//! Encrypted originals, stored off-chain next to a registration: the registrant stores and
//! deletes one (deleting destroys its key envelope), the registrant and auditors fetch it.
//! Signed requests; every attempt is audited like a proof read.
//!
//! Survival: the client stores each original on every validator it reaches (at least f+1:
//! each checks the registrant's signature over the upload's digest and the registrant's right
//! to store it) and fetches it from any. Deletion is the ledger transaction `DeleteOriginal`:
//! every validator destroys its copy as it applies the block, and a validator still catching
//! up (no finalized block made since it started, or its newest older than
//! [`ORIGINAL_TIP_AGE_MS_MAX`]) serves no original, so it cannot hand out one deleted while it
//! was down.

use crate::auth::{Readers, authorised};
use crate::errors::{ErrorBody, Path, Query, error};
use crate::openapi::Binary;
use crate::proofs::parse_proof_id;
use crate::{blocking, now_ms};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use vellum_node::NodeHandle;
use vellum_types::ProofId;

/// Largest request body of `PUT /v1/proof/{id}/original`: the original plus room for its
/// envelope and encoding.
pub const ORIGINAL_REQUEST_BYTES_MAX: usize = vellum_types::proof::ORIGINAL_BYTES_MAX + 64 * 1024;

/// Oldest finalized block (by block time, against this node's clock) at which a validator
/// serves originals. A live chain finalizes a block at least every `EMPTY_BLOCK_INTERVAL_MS`
/// (250 ms) plus a few round trips; a validator replaying blocks after downtime is far behind.
pub const ORIGINAL_TIP_AGE_MS_MAX: u64 = 10_000;

#[derive(Deserialize)]
pub(crate) struct MemberQuery {
    member: Option<u32>,
}

/// Authorises an operation on an original and resolves its member index.
#[allow(clippy::too_many_arguments)]
fn original_access(
    node: &NodeHandle,
    headers: &HeaderMap,
    method: &str,
    uri: &Uri,
    body: &[u8],
    id: &ProofId,
    member: Option<u32>,
    action: &str,
    registrant_only: bool,
) -> Result<u32, Response> {
    let readers = if registrant_only { Readers::Registrant } else { Readers::Entitled { member } };
    let (_, entry) = authorised(node, headers, method, uri, body, id, action, readers)?;
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

#[utoipa::path(
    put,
    path = "/v1/proof/{id}/original",
    operation_id = "original_put",
    tag = "originals",
    summary = "Store an encrypted original off-chain (registrant)",
    request_body(content = Binary, content_type = "application/octet-stream", description = "Wire bytes of the EncryptedOriginal (key envelope, nonce, ciphertext)"),
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{64}$", description = "Proof id, 64 hex"),
        ("member" = Option<u32>, Query, description = "Member index within a batch (default 0)"),
    ),
    responses(
        (status = 201, description = "Stored: proof id, member and stored bytes", content_type = "application/json"),
        (status = 400, description = "`bad_proof_id`, `bad_path`, `bad_query`, `bad_body`, `no_such_member`, `malformed`", body = ErrorBody),
        (status = 401, description = "Not a valid signed request (the signature covers the body)", body = ErrorBody),
        (status = 403, description = "`forbidden`: not the registrant (also for a proof that does not exist)", body = ErrorBody),
        (status = 404, description = "`unknown_proof` (auditors only)", body = ErrorBody),
        (status = 409, description = "`original_exists`: one is stored for this document", body = ErrorBody),
        (status = 410, description = "`original_deleted`: the registrant deleted it on the ledger", body = ErrorBody),
        (status = 413, description = "`too_large`: over the size limit", body = ErrorBody),
        (status = 500, description = "`storage`", body = ErrorBody),
        (status = 503, description = "`busy`", body = ErrorBody),
    ),
    security(("signed_request" = []))
)]
pub(crate) async fn original_put(
    State(node): State<NodeHandle>,
    Path(id): Path<String>,
    Query(query): Query<MemberQuery>,
    headers: HeaderMap,
    uri: Uri,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let id = match parse_proof_id(&id) {
        Ok(id) => id,
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
        // The tombstone a `DeleteOriginal` leaves is written in its block's commit, before the
        // finalized snapshot moves on: storage alone knows whether it was deleted.
        match node.put_original(&id, member, &original.key_envelope, &payload) {
            Ok(vellum_storage::PutOriginal::Stored) => (StatusCode::CREATED, Json(json!({ "proof_id": id.to_hex(), "member": member, "stored_bytes": body.len() }))).into_response(),
            Ok(vellum_storage::PutOriginal::Exists) => error(StatusCode::CONFLICT, "original_exists", "an original is already stored for this document"),
            Ok(vellum_storage::PutOriginal::Deleted) => {
                error(StatusCode::GONE, "original_deleted", "the registrant deleted this original: it is not stored again")
            }
            Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, "storage", e.to_string()),
        }
    })
    .await
}

#[utoipa::path(
    get,
    path = "/v1/proof/{id}/original",
    operation_id = "original_get",
    tag = "originals",
    summary = "Fetch an encrypted original (registrant or auditor)",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{64}$", description = "Proof id, 64 hex"),
        ("member" = Option<u32>, Query, description = "Member index within a batch (default 0)"),
    ),
    responses(
        (status = 200, description = "Wire bytes of the EncryptedOriginal", body = Binary, content_type = "application/octet-stream"),
        (status = 400, description = "`bad_proof_id`, `bad_path`, `bad_query`, `no_such_member`", body = ErrorBody),
        (status = 401, description = "Not a valid signed request", body = ErrorBody),
        (status = 403, description = "`forbidden`: neither the registrant nor an auditor (also for a proof that does not exist)", body = ErrorBody),
        (status = 404, description = "`unknown_proof` (auditors only), `no_original`", body = ErrorBody),
        (status = 410, description = "`original_deleted`: its key was destroyed; the proof stays verifiable", body = ErrorBody),
        (status = 500, description = "`storage`", body = ErrorBody),
        (status = 503, description = "`busy`; `catching_up`: this validator has finalized no block made since it started, or its newest is older than 10 s (it may not have applied a deletion yet): ask another", body = ErrorBody),
    ),
    security(("signed_request" = []))
)]
pub(crate) async fn original_get(State(node): State<NodeHandle>, Path(id): Path<String>, Query(query): Query<MemberQuery>, headers: HeaderMap, uri: Uri) -> Response {
    let id = match parse_proof_id(&id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    blocking(move || {
        let member = match original_access(&node, &headers, "GET", &uri, b"", &id, query.member, "original", false) {
            Ok(m) => m,
            Err(r) => return r,
        };
        if !node.caught_up(now_ms(), ORIGINAL_TIP_AGE_MS_MAX) {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "catching_up",
                format!("this validator has not caught up with the chain (newest finalized block at {} ms): it serves no original until it has applied every deletion it missed", node.snapshot().time_ms),
            );
        }
        match node.original(&id, member) {
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

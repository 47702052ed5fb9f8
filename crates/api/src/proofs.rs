//! Integrity proofs: a registration's record, status and audit trail, its evidence bundle,
//! and the proof ids registered with a digest. Every route needs a signed request: an
//! auditor reads every proof, an issuer its own; every attempt on an existing proof is
//! audited.

use crate::auth::{auth_error, authorised_read, caller};
use crate::errors::{ErrorBody, Path, Query, bundle_error, error};
use crate::openapi::Binary;
use crate::{blocking, now_ms};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use vellum_node::NodeHandle;
use vellum_types::ProofId;

fn parse_account(text: &str) -> Result<vellum_types::AccountId, Response> {
    vellum_types::AccountId::from_hex(text).map_err(|_| error(StatusCode::BAD_REQUEST, "bad_account", "account id must be 64 hex characters"))
}

pub(crate) fn parse_proof_id(text: &str) -> Result<ProofId, Response> {
    ProofId::from_hex(text).map_err(|_| error(StatusCode::BAD_REQUEST, "bad_proof_id", "proof id must be 64 hex characters"))
}

pub fn status_json(s: &vellum_types::ProofStatus) -> serde_json::Value {
    use vellum_types::ProofStatus as S;
    match s {
        S::Live => json!({ "status": "live" }),
        S::Revoked { reason, tx_id, height, time_ms } => {
            json!({ "status": "revoked", "reason": reason, "tx": tx_id.to_hex(), "height": height, "time_ms": time_ms })
        }
        S::Superseded { by, tx_id, height, time_ms } => {
            json!({ "status": "superseded", "by": by.to_hex(), "tx": tx_id.to_hex(), "height": height, "time_ms": time_ms })
        }
        S::Suspended { reason, tx_id, height, time_ms } => {
            json!({ "status": "suspended", "reason": reason, "tx": tx_id.to_hex(), "height": height, "time_ms": time_ms })
        }
    }
}

fn history_json(history: &[vellum_types::StatusChange]) -> Vec<serde_json::Value> {
    history
        .iter()
        .map(|h| {
            let mut v = json!({
                "change": h.change.name(), "actor": h.actor.to_hex(), "tx": h.tx_id.to_hex(), "height": h.height, "time_ms": h.time_ms,
            });
            if let Some(reason) = h.change.reason() {
                v["reason"] = json!(reason);
            }
            if let vellum_types::ProofChange::Supersede { by } = &h.change {
                v["by"] = json!(by.to_hex());
            }
            v
        })
        .collect()
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

#[utoipa::path(
    get,
    path = "/v1/proof/{id}",
    operation_id = "proof_show",
    tag = "proofs",
    summary = "A registration's record, status and audit trail",
    params(("id" = String, Path, pattern = "^[0-9a-fA-F]{64}$", description = "Proof id, 64 hex")),
    responses(
        (status = 200, description = "Record, status, log index and audit trail (this node's and the ledger's)", content_type = "application/json"),
        (status = 400, description = "`bad_proof_id`, `bad_path`", body = ErrorBody),
        (status = 401, description = "Not a valid signed request (`unauthenticated`, `bad_auth_header`, `stale_request`, `replayed_request`, `bad_request_signature`, `unknown_account`, `account_not_active`)", body = ErrorBody),
        (status = 403, description = "`forbidden`: neither the registrant nor an auditor (also for a proof that does not exist)", body = ErrorBody),
        (status = 404, description = "`unknown_proof` (auditors only)", body = ErrorBody),
        (status = 500, description = "`storage`: the audit trail cannot be written or read", body = ErrorBody),
        (status = 503, description = "`busy`: too many signed requests in flight", body = ErrorBody),
    ),
    security(("signed_request" = []))
)]
pub(crate) async fn proof_show(State(node): State<NodeHandle>, Path(id): Path<String>, headers: HeaderMap, uri: Uri) -> Response {
    let id = match parse_proof_id(&id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    blocking(move || {
        let (record, entry) = match authorised_read(&node, &headers, &uri, &id, None, "show") {
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
        // Members' own histories, for the members whose status changed (an index kept at
        // commit, so a large batch costs no more than its changed members).
        let changed = match node.changed_members(&id) {
            Ok(c) => c,
            Err(e) => return bundle_error(&e),
        };
        let members: Vec<_> = changed
            .into_iter()
            .map(|i| json!({ "index": i, "history": history_json(&node.status_history(&id, Some(i))) }))
            .collect();
        Json(json!({
            "record": record_json(&record),
            "status": status_json(&entry.status),
            "history": history_json(&node.status_history(&id, None)),
            "member_history": members,
            "log_index": entry.leaf_index,
            "audit": audit,
            "audit_on_ledger": ledger_audit,
        }))
        .into_response()
    })
    .await
}

#[derive(Deserialize)]
pub(crate) struct BundleQuery {
    member: Option<u32>,
}

#[utoipa::path(
    get,
    path = "/v1/proof/{id}/bundle",
    operation_id = "proof_bundle",
    tag = "proofs",
    summary = "The evidence bundle of a registration (binary, verifiable offline)",
    description = "For a batch member whose batch's members are stored on the network (`StoreBatchMembers`), the member's digest and batch path are filled in by the node; otherwise the caller fills them from its manifest. The caller adds the document opening (digest, and salt for salted batches). Readable by the registrant, an auditor, and a holder of the registration or of `member`.",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{64}$", description = "Proof id, 64 hex"),
        ("member" = Option<u32>, Query, description = "Member index within a batch (batch registrations only)"),
    ),
    responses(
        (status = 200, description = "The bundle (`vellum verify` checks it offline)", body = Binary, content_type = "application/octet-stream"),
        (status = 400, description = "`bad_proof_id`, `bad_path`, `bad_query`; `no_such_member`, `not_a_batch`", body = ErrorBody),
        (status = 401, description = "Not a valid signed request", body = ErrorBody),
        (status = 403, description = "`forbidden`: not the registrant, an auditor or a holder of the registration or of `member` (also for a proof that does not exist)", body = ErrorBody),
        (status = 404, description = "`unknown_proof` (auditors only)", body = ErrorBody),
        (status = 500, description = "`storage`, `internal`", body = ErrorBody),
        (status = 503, description = "`not_ready`: nothing certified to anchor the bundle to yet; `busy`", body = ErrorBody),
    ),
    security(("signed_request" = []))
)]
pub(crate) async fn proof_bundle(State(node): State<NodeHandle>, Path(id): Path<String>, Query(query): Query<BundleQuery>, headers: HeaderMap, uri: Uri) -> Response {
    let id = match parse_proof_id(&id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    blocking(move || {
        if let Err(r) = authorised_read(&node, &headers, &uri, &id, query.member, "bundle") {
            return r;
        }
        match node.bundle(&id, query.member) {
            Ok(b) => ([(header::CONTENT_TYPE, "application/octet-stream")], b.to_bytes()).into_response(),
            Err(e) => bundle_error(&e),
        }
    })
    .await
}

#[utoipa::path(
    get,
    path = "/v1/status/{id}",
    operation_id = "status_proof",
    tag = "proofs",
    summary = "A status proof of a registration (binary, verifiable offline; no authentication)",
    description = "The registration's status (and one batch member's) at the latest certified finalized header, with map proofs against its state root. Anyone who knows the proof id may fetch it: it carries only the registration's state entry, which the holder of its evidence bundle already has. `vellum verify BUNDLE --status FILE` combines it with an older bundle.",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{64}$", description = "Proof id, 64 hex"),
        ("member" = Option<u32>, Query, description = "Member index within a batch (batch registrations only)"),
    ),
    responses(
        (status = 200, description = "The status proof (`VELLUMST` file)", body = Binary, content_type = "application/octet-stream"),
        (status = 400, description = "`bad_proof_id`, `bad_path`, `bad_query`; `no_such_member`, `not_a_batch`", body = ErrorBody),
        (status = 404, description = "`unknown_proof`", body = ErrorBody),
        (status = 500, description = "`storage`, `internal`", body = ErrorBody),
        (status = 503, description = "`not_ready`: nothing certified to anchor the proof to yet", body = ErrorBody),
    ),
)]
pub(crate) async fn status_proof(State(node): State<NodeHandle>, Path(id): Path<String>, Query(query): Query<BundleQuery>) -> Response {
    let id = match parse_proof_id(&id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    blocking(move || match node.status_proof(&id, query.member) {
        Ok(p) => ([(header::CONTENT_TYPE, "application/octet-stream")], p.to_bytes()).into_response(),
        Err(e) => bundle_error(&e),
    })
    .await
}

#[utoipa::path(
    get,
    path = "/v1/issuer/{account}/revocation",
    operation_id = "issuer_revocation",
    tag = "proofs",
    summary = "Compliance's revocation of an issuer (public)",
    description = "From which height the issuer's registrations are revoked, why, by whom, how many so far, and whether every covered registration is revoked yet.",
    params(("account" = String, Path, pattern = "^[0-9a-fA-F]{64}$", description = "The issuer's account id, 64 hex")),
    responses(
        (status = 200, description = "The revocation record", content_type = "application/json"),
        (status = 400, description = "`bad_account`, `bad_path`", body = ErrorBody),
        (status = 404, description = "`not_revoked`: the issuer has no revocation", body = ErrorBody),
    ),
)]
pub(crate) async fn issuer_revocation(State(node): State<NodeHandle>, Path(account): Path<String>) -> Response {
    let account = match parse_account(&account) {
        Ok(a) => a,
        Err(r) => return r,
    };
    match node.issuer_revocation(&account) {
        Some(r) => Json(json!({
            "issuer": account.to_hex(), "from_height": r.from_height, "reason": r.reason, "actor": r.actor.to_hex(),
            "tx": r.tx_id.to_hex(), "height": r.height, "time_ms": r.time_ms, "revoked": r.revoked, "complete": r.complete,
        }))
        .into_response(),
        None => error(StatusCode::NOT_FOUND, "not_revoked", format!("issuer {account} has no revocation")),
    }
}

#[utoipa::path(
    get,
    path = "/v1/issuer/{account}",
    operation_id = "issuer_attestation",
    tag = "proofs",
    summary = "An issuer's attested identity (public)",
    description = "The profile a registrar (or the council) attested for the issuer account — display name, domain, certificate digest, digest of the well-known document checked — who attested it and when, and whether it was revoked. Bundles (version 3) and status proofs carry the same record with a state proof.",
    params(("account" = String, Path, pattern = "^[0-9a-fA-F]{64}$", description = "The issuer's account id, 64 hex")),
    responses(
        (status = 200, description = "The attestation", content_type = "application/json"),
        (status = 400, description = "`bad_account`, `bad_path`", body = ErrorBody),
        (status = 404, description = "`not_attested`: no identity was attested for the account", body = ErrorBody),
    ),
)]
pub(crate) async fn issuer_attestation(State(node): State<NodeHandle>, Path(account): Path<String>) -> Response {
    let account = match parse_account(&account) {
        Ok(a) => a,
        Err(r) => return r,
    };
    match node.issuer_attestation(&account) {
        Some(a) => Json(json!({ "issuer": account.to_hex(), "profile": a.profile, "attested_by": a.attested_by.to_hex(), "tx": a.tx_id.to_hex(), "height": a.height, "time_ms": a.time_ms, "revoked": a.revoked })).into_response(),
        None => error(StatusCode::NOT_FOUND, "not_attested", format!("issuer {account} has no attested identity")),
    }
}

#[derive(Deserialize)]
pub(crate) struct DigestQuery {
    digest: String,
}

#[utoipa::path(
    get,
    path = "/v1/proofs",
    operation_id = "proofs_by_digest",
    tag = "proofs",
    summary = "Proof ids registered with a digest (those the caller may read)",
    params(("digest" = String, Query, pattern = "^[0-9a-fA-F]{64}$", description = "Document digest or batch root, 64 hex")),
    responses(
        (status = 200, description = "The digest, the proof ids the caller may read, and the batch members registered with it (`members`: proof id and member index; batches whose members are stored on the network). Each lookup is audited", content_type = "application/json"),
        (status = 400, description = "`bad_query` (missing or repeated `digest`), `bad_digest`", body = ErrorBody),
        (status = 401, description = "Not a valid signed request", body = ErrorBody),
        (status = 500, description = "`storage`", body = ErrorBody),
        (status = 503, description = "`busy`", body = ErrorBody),
    ),
    security(("signed_request" = []))
)]
pub(crate) async fn proofs_by_digest(State(node): State<NodeHandle>, Query(query): Query<DigestQuery>, headers: HeaderMap, uri: Uri) -> Response {
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
        // Batch members registered with this digest (their batches' members are on the
        // network): visible to the registrant, an auditor, or the member's holder.
        let members = match node.members_by_digest(&digest) {
            Ok(m) => m,
            Err(e) => return bundle_error(&e),
        };
        let mut visible_members = Vec::new();
        for (id, index) in members {
            let Ok(Some((record, _))) = node.proof(&id) else { continue };
            let allowed = caller.has_role(vellum_types::Role::Auditor) || caller.id == record.registrant || node.is_holder(&id, Some(index), &caller.id);
            if node.audit(&id, Some(caller.id), "lookup", allowed, now_ms()).is_err() {
                return error(StatusCode::INTERNAL_SERVER_ERROR, "storage", "cannot write the audit trail");
            }
            if allowed {
                visible_members.push(json!({ "proof_id": id.to_hex(), "member": index }));
            }
        }
        Json(json!({ "digest": query.digest, "proofs": visible, "members": visible_members })).into_response()
    })
    .await
}

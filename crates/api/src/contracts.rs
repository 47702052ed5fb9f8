//! Contract and e-invoice endpoints. Public: an instance (`GET /v1/contract/{id}`), approved
//! code (`GET /v1/code/{digest}`: anyone may review what governance approved) and a seller's
//! invoicing conditions (`GET /v1/invoicing/{seller}`). Signed requests: a contract's storage
//! value (any account: a contract is a shared program), what a contract transaction did
//! (`GET /v1/tx/{hash}/contract`: its sender, the parties to its payments, auditors and
//! compliance) and an invoice (`GET /v1/invoice/{id}`: its seller, buyer, tax authority,
//! reimburser, auditors and compliance).

use crate::auth::{auth_error, caller};
use crate::blocking;
use crate::errors::{ErrorBody, Path, bundle_error, error};
use crate::openapi::Binary;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use crate::payments::{not_found_or_forbidden, oversight};
use vellum_node::{AuthError, NodeHandle};
use vellum_types::{AccountId, TxId};

/// Whether `who` sent a contract transaction or is a party to a payment it made (the
/// payments module's own rule, `parties`).
fn party(result: &vellum_storage::ContractResult, who: &AccountId) -> bool {
    result.payments.iter().map(|(_, r)| vellum_types::payment::parties(&result.tx, Some(r))).any(|p| p.contains(who))
        || result.tx.unsigned.sender == *who
}

/// The authenticated caller of a signed request and the 32-byte id in its path.
fn signed_read(node: &NodeHandle, headers: &HeaderMap, uri: &Uri, id: &str, what: &str) -> Result<(vellum_types::Account, [u8; 32]), Response> {
    let caller = caller(node, headers, "GET", uri).map_err(|e| auth_error(&e))?;
    Ok((caller, hex32(id, what)?))
}

fn hex32(text: &str, what: &str) -> Result<[u8; 32], Response> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).map_err(|_| error(StatusCode::BAD_REQUEST, "bad_id", format!("{what} must be 64 hex characters")))?;
    Ok(out)
}

#[utoipa::path(
    get,
    path = "/v1/contract/{id}",
    operation_id = "contract",
    tag = "contracts",
    summary = "A contract instance: its code, version history, pause state and any advisory against its code",
    params(("id" = String, Path, pattern = "^[0-9a-fA-F]{64}$", description = "Contract account id, 64 hex")),
    responses(
        (status = 200, description = "The instance and its code's approval record", content_type = "application/json"),
        (status = 400, description = "`bad_id`, `bad_path`", body = ErrorBody),
        (status = 404, description = "`unknown_contract`", body = ErrorBody),
    )
)]
pub(crate) async fn contract(State(node): State<NodeHandle>, Path(id): Path<String>) -> Response {
    let id = match hex32(&id, "a contract id") {
        Ok(id) => AccountId(id),
        Err(r) => return r,
    };
    let state = node.finalized_state();
    let Some(instance) = state.contract(&id) else {
        return error(StatusCode::NOT_FOUND, "unknown_contract", format!("no contract {id}"));
    };
    let code = state.contract_code(&instance.code_digest.0).expect("an instance's code is stored");
    let callable = !instance.paused && code.advisory.is_none();
    Json(json!({
        "contract": instance,
        "code": { "digest": code.digest, "name": code.name, "review_digest": code.review_digest, "entry_points": code.entry_points,
                  "code_bytes": code.code.len(), "proposal": code.proposal, "height": code.height, "advisory": code.advisory },
        "callable": callable,
    }))
    .into_response()
}

#[utoipa::path(
    get,
    path = "/v1/code/{digest}",
    operation_id = "contract_code",
    tag = "contracts",
    summary = "Contract code governance approved, with its review digest, checked entry points and any advisory",
    params(("digest" = String, Path, pattern = "^[0-9a-fA-F]{64}$", description = "SHA-256 of the code, 64 hex")),
    responses(
        (status = 200, description = "The approval record and the code (hex)", content_type = "application/json"),
        (status = 400, description = "`bad_id`, `bad_path`", body = ErrorBody),
        (status = 404, description = "`unknown_code`", body = ErrorBody),
    )
)]
pub(crate) async fn code(State(node): State<NodeHandle>, Path(digest): Path<String>) -> Response {
    let digest = match hex32(&digest, "a code digest") {
        Ok(d) => d,
        Err(r) => return r,
    };
    match node.finalized_state().contract_code(&digest) {
        Some(entry) => Json(json!({ "code": entry })).into_response(),
        None => error(StatusCode::NOT_FOUND, "unknown_code", format!("no approved code {}", hex::encode(digest))),
    }
}

#[utoipa::path(
    get,
    path = "/v1/contract/{id}/storage/{key}",
    operation_id = "contract_storage",
    tag = "contracts",
    summary = "One value of a contract's storage (any signed account)",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{64}$", description = "Contract account id, 64 hex"),
        ("key" = String, Path, pattern = "^([0-9a-fA-F]{2}){1,256}$", description = "Storage key, hex"),
    ),
    responses(
        (status = 200, description = "The value (hex), or null when absent", content_type = "application/json"),
        (status = 400, description = "`bad_id`, `bad_key`, `bad_path`", body = ErrorBody),
        (status = 401, description = "Not a valid signed request", body = ErrorBody),
        (status = 404, description = "`unknown_contract`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
        (status = 503, description = "`busy`", body = ErrorBody),
    ),
    security(("signed_request" = []))
)]
pub(crate) async fn storage(State(node): State<NodeHandle>, Path((id, key)): Path<(String, String)>, headers: HeaderMap, uri: Uri) -> Response {
    blocking(move || {
        if let Err(e) = caller(&node, &headers, "GET", &uri) {
            return auth_error(&e);
        }
        let id = match hex32(&id, "a contract id") {
            Ok(id) => AccountId(id),
            Err(r) => return r,
        };
        let key = match hex::decode(&key) {
            Ok(k) if !k.is_empty() && k.len() <= vellum_contracts::limits::STORAGE_KEY_BYTES_MAX => k,
            _ => return error(StatusCode::BAD_REQUEST, "bad_key", "a storage key is 1 to 256 bytes, hex"),
        };
        let state = node.finalized_state();
        if state.contract(&id).is_none() {
            return error(StatusCode::NOT_FOUND, "unknown_contract", format!("no contract {id}"));
        }
        let value = state.contract_data(&id, &key).map(hex::encode);
        Json(json!({ "contract": id, "key": hex::encode(&key), "value": value, "height": state.height })).into_response()
    })
    .await
}

#[utoipa::path(
    get,
    path = "/v1/tx/{hash}/contract",
    operation_id = "contract_result",
    tag = "contracts",
    summary = "What a finalized contract transaction did: output, fuel, the payment records and events it appended to the log",
    params(("hash" = String, Path, pattern = "^[0-9a-fA-F]{64}$", description = "Transaction hash, 64 hex")),
    responses(
        (status = 200, description = "The result, each log leaf with its index", content_type = "application/json"),
        (status = 400, description = "`bad_id`, `bad_path`", body = ErrorBody),
        (status = 401, description = "Not a valid signed request", body = ErrorBody),
        (status = 403, description = "`forbidden`: not its sender, a party to its payments, an auditor or compliance (also for one that does not exist)", body = ErrorBody),
        (status = 404, description = "`not_found` (auditors and compliance only)", body = ErrorBody),
        (status = 500, description = "`storage`, `internal`", body = ErrorBody),
        (status = 503, description = "`busy`", body = ErrorBody),
    ),
    security(("signed_request" = []))
)]
pub(crate) async fn result(State(node): State<NodeHandle>, Path(hash): Path<String>, headers: HeaderMap, uri: Uri) -> Response {
    blocking(move || {
        let (caller, id) = match signed_read(&node, &headers, &uri, &hash, "a transaction hash") {
            Ok((c, h)) => (c, TxId(h)),
            Err(r) => return r,
        };
        let result = match node.contract_result(&id) {
            Ok(r) => r,
            Err(e) => return bundle_error(&e),
        };
        let Some(result) = result else {
            return not_found_or_forbidden(&caller, format!("no finalized contract transaction {id}"));
        };
        if !(oversight(&caller) || party(&result, &caller.id)) {
            return auth_error(&AuthError::Forbidden);
        }
        Json(json!({
            "tx_id": id, "contract": result.contract, "height": result.height, "log_index": result.tx_index,
            "output": hex::encode(&result.output), "fuel_used": result.fuel_used,
            "payments": result.payments.iter().map(|(i, r)| json!({ "log_index": i, "record": r })).collect::<Vec<_>>(),
            "events": result.events.iter().map(|(i, e)| json!({ "log_index": i, "event": e })).collect::<Vec<_>>(),
        }))
        .into_response()
    })
    .await
}

#[utoipa::path(
    get,
    path = "/v1/invoicing/{seller}",
    operation_id = "invoicing",
    tag = "contracts",
    summary = "A seller's invoicing conditions (X.1407 Appendix I): its tax authority, token and VAT rate",
    params(("seller" = String, Path, pattern = "^[0-9a-fA-F]{64}$", description = "Seller account id, 64 hex")),
    responses(
        (status = 200, description = "The conditions and their version", content_type = "application/json"),
        (status = 400, description = "`bad_id`, `bad_path`", body = ErrorBody),
        (status = 404, description = "`no_invoicing`", body = ErrorBody),
    )
)]
pub(crate) async fn invoicing(State(node): State<NodeHandle>, Path(seller): Path<String>) -> Response {
    let seller = match hex32(&seller, "a seller account id") {
        Ok(s) => AccountId(s),
        Err(r) => return r,
    };
    match node.finalized_state().invoicing(&seller) {
        Some(terms) => Json(json!({ "seller": seller, "terms": terms })).into_response(),
        None => error(StatusCode::NOT_FOUND, "no_invoicing", format!("account {seller} set no invoicing conditions")),
    }
}

#[utoipa::path(
    get,
    path = "/v1/invoice/{id}",
    operation_id = "invoice",
    tag = "contracts",
    summary = "An e-invoice and which phases consumed it (its seller, buyer, tax authority, reimburser, auditors, compliance)",
    params(("id" = String, Path, pattern = "^[0-9a-fA-F]{64}$", description = "Invoice id, 64 hex")),
    responses(
        (status = 200, description = "The invoice", content_type = "application/json"),
        (status = 400, description = "`bad_id`, `bad_path`", body = ErrorBody),
        (status = 401, description = "Not a valid signed request", body = ErrorBody),
        (status = 403, description = "`forbidden` (also for one that does not exist)", body = ErrorBody),
        (status = 404, description = "`not_found` (auditors and compliance only)", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
        (status = 503, description = "`busy`", body = ErrorBody),
    ),
    security(("signed_request" = []))
)]
pub(crate) async fn invoice(State(node): State<NodeHandle>, Path(id): Path<String>, headers: HeaderMap, uri: Uri) -> Response {
    blocking(move || {
        let (caller, id) = match signed_read(&node, &headers, &uri, &id, "an invoice id") {
            Ok(v) => v,
            Err(r) => return r,
        };
        let Some(invoice) = node.finalized_state().invoice(&id) else {
            return not_found_or_forbidden(&caller, format!("no invoice {}", hex::encode(id)));
        };
        let reimburser = invoice.reimbursed.as_ref().map(|s| s.by);
        let involved = [Some(invoice.seller), Some(invoice.buyer), Some(invoice.tax_authority), reimburser].contains(&Some(caller.id));
        if !(involved || oversight(&caller)) {
            return auth_error(&AuthError::Forbidden);
        }
        Json(json!({ "invoice": invoice })).into_response()
    })
    .await
}

#[utoipa::path(
    get,
    path = "/v1/tx/{hash}/receipt",
    operation_id = "tx_receipt",
    tag = "contracts",
    summary = "A transaction receipt (binary, verifiable offline): a contract transaction's transfers and events, or an invoice issuance",
    params(("hash" = String, Path, pattern = "^[0-9a-fA-F]{64}$", description = "Transaction hash, 64 hex")),
    responses(
        (status = 200, description = "`VELLUMTR` receipt (docs/evidence-format.md)", content_type = "application/octet-stream", body = Binary),
        (status = 400, description = "`bad_id`, `bad_path`", body = ErrorBody),
        (status = 401, description = "Not a valid signed request", body = ErrorBody),
        (status = 403, description = "`forbidden`: not its sender, a party (payments; the invoice's seller and buyer), an auditor or compliance (also for one that does not exist)", body = ErrorBody),
        (status = 404, description = "`not_found` (auditors and compliance only)", body = ErrorBody),
        (status = 500, description = "`storage`, `internal`", body = ErrorBody),
        (status = 503, description = "`busy`, `not_ready`", body = ErrorBody),
    ),
    security(("signed_request" = []))
)]
pub(crate) async fn tx_receipt(State(node): State<NodeHandle>, Path(hash): Path<String>, headers: HeaderMap, uri: Uri) -> Response {
    blocking(move || {
        let (caller, id) = match signed_read(&node, &headers, &uri, &hash, "a transaction hash") {
            Ok((c, h)) => (c, TxId(h)),
            Err(r) => return r,
        };
        // Who may read it: as for the contract result, or the invoice's parties.
        let (allowed, owners) = match (node.contract_result(&id), node.issued_invoice(&id)) {
            (Ok(Some(c)), _) => (party(&c, &caller.id), vec![c.tx.unsigned.sender]),
            (_, Ok(Some(i))) => {
                let v = &i.record.invoice;
                ([v.seller, v.buyer, v.tax_authority].contains(&caller.id), vec![v.seller, v.buyer])
            }
            (Err(e), _) | (_, Err(e)) => return bundle_error(&e),
            (Ok(None), Ok(None)) => return not_found_or_forbidden(&caller, format!("no finalized contract transaction or invoice issuance {id}")),
        };
        let allowed = allowed || oversight(&caller);
        if let Err(r) = crate::payments::audit_reads(&node, &owners, ("receipt", Some(id)), &caller, allowed) {
            return r;
        }
        if !allowed {
            return auth_error(&AuthError::Forbidden);
        }
        match node.tx_receipt(&id) {
            Ok(r) => ([(axum::http::header::CONTENT_TYPE, "application/octet-stream")], r.to_bytes()).into_response(),
            Err(e) => bundle_error(&e),
        }
    })
    .await
}

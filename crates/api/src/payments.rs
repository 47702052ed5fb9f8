//! Payment endpoints. Every read of account data needs a signed request: the account itself,
//! auditors and compliance read it; inside a sub-ledger its members do too (PAY-SUB,
//! S-CONF). Unknown and forbidden look the same (403) to anyone but auditors and compliance,
//! so the API is no oracle for which accounts, payments or holds exist.

use crate::auth::{auth_error, caller};
use crate::blocking;
use crate::errors::{ErrorBody, Path, Query, bundle_error, error};
use crate::openapi::Binary;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use vellum_node::core::{AccountView, can_read_account, oversees};
use vellum_node::{AuthError, NodeHandle};
use vellum_storage::PaymentEntry;
use vellum_types::payment::{format_amount, valid_symbol};
use vellum_types::proof::ReadRecord;
use vellum_types::{Account, AccountId, Role, TxId};

/// An auditor or compliance officer, of the main ledger or of a sub-ledger: told "not found"
/// rather than "forbidden" (existence is revealed to oversight roles only).
pub(crate) fn oversight(caller: &Account) -> bool {
    caller.has_role(Role::Auditor) || caller.has_role(Role::Compliance)
}

/// 404 for oversight roles, 403 for everyone else: existence is not revealed.
pub(crate) fn not_found_or_forbidden(caller: &Account, what: String) -> Response {
    if oversight(caller) {
        error(StatusCode::NOT_FOUND, "not_found", what)
    } else {
        auth_error(&AuthError::Forbidden)
    }
}

/// A token symbol in a path: the shape the ledger allows (`valid_symbol`), else `400 bad_symbol`.
fn symbol_param(symbol: &str) -> Result<(), Response> {
    if valid_symbol(symbol) {
        Ok(())
    } else {
        Err(error(StatusCode::BAD_REQUEST, "bad_symbol", "a token symbol is 1 to 12 characters A-Z and 0-9, starting with a letter"))
    }
}

fn view_json(v: &AccountView) -> Value {
    let balances: Vec<Value> = v
        .balances
        .iter()
        .map(|(t, b)| {
            json!({
                "token": t.symbol, "decimals": t.decimals,
                "available": b.available.to_string(), "held": b.held.to_string(),
                "available_display": format_amount(b.available, t.decimals),
                "held_display": format_amount(b.held, t.decimals),
            })
        })
        .collect();
    let kyc = v.kyc.as_ref().map(|(record, expired)| json!({ "record": record, "expired": expired }));
    let keys: Vec<Value> = v
        .key_lives
        .iter()
        .map(|(key, life, expired)| json!({ "key": key.to_string(), "life": life, "expired": expired }))
        .collect();
    json!({ "account": v.account, "balances": balances, "guardians": v.guardians, "pending_recovery": v.recovery, "purpose_keys": v.purpose_keys, "kyc": kyc, "keys": keys })
}

/// Records a read (or refused read) of the data of each of `owners` by `reader`, durably,
/// before anything is returned (X.1407 9.1.1 c); the node puts the records on the ledger. A
/// trail that cannot be written refuses the read.
pub(crate) fn audit_reads(node: &NodeHandle, owners: &[AccountId], (action, item): (&str, Option<TxId>), reader: &Account, allowed: bool) -> Result<(), Response> {
    let time_ms = crate::now_ms();
    // Owners come distinct (a payment's `parties`, one account, one hold's sender).
    let records = owners.iter().map(|owner| ReadRecord { owner: *owner, action: action.to_string(), item, reader: Some(reader.id), allowed, time_ms }).collect();
    node.audit_reads(records).map_err(|e| error(StatusCode::SERVICE_UNAVAILABLE, "audit_unavailable", format!("the read is refused: {e}")))
}

/// Authenticates the caller and checks it may read account `id` (recording the read as
/// `action`); returns the account id.
fn readable_account(node: &NodeHandle, headers: &HeaderMap, uri: &Uri, id: &str, action: &str) -> Result<AccountId, Response> {
    let caller = caller(node, headers, "GET", uri).map_err(|e| auth_error(&e))?;
    let id = AccountId::from_hex(id)
        .map_err(|_| error(StatusCode::BAD_REQUEST, "bad_account_id", "account id must be 64 hex characters"))?;
    match node.account(&id) {
        Some(a) => {
            let allowed = can_read_account(&caller, &a);
            audit_reads(node, &[id], (action, None), &caller, allowed)?;
            if allowed { Ok(id) } else { Err(auth_error(&AuthError::Forbidden)) }
        }
        None => Err(not_found_or_forbidden(&caller, format!("unknown account {id}"))),
    }
}

#[utoipa::path(
    get,
    path = "/v1/account/{id}",
    operation_id = "account",
    tag = "payments",
    summary = "An account, its balances, KYC record and signer keys' lifecycle (the account itself; its sub-ledger's oversight; main-ledger auditors and compliance)",
    params(("id" = String, Path, pattern = "^[0-9a-fA-F]{64}$", description = "Account id, 64 hex")),
    responses(
        (status = 200, description = "The account, its balances, guardians, pending recovery, purpose keys, KYC record (`kyc`) and each signer key's lifecycle (`keys`)", content_type = "application/json",
            links(("history" = (operation_id = "account_history", parameters(("id" = "$request.path.id")))))),
        (status = 400, description = "`bad_account_id`, `bad_path`", body = ErrorBody),
        (status = 401, description = "Not a valid signed request", body = ErrorBody),
        (status = 403, description = "`forbidden`: may not read this account (also for one that does not exist)", body = ErrorBody),
        (status = 404, description = "`not_found` (auditors and compliance only)", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
        (status = 503, description = "`busy`", body = ErrorBody),
    ),
    security(("signed_request" = []))
)]
pub(crate) async fn account(State(node): State<NodeHandle>, Path(id): Path<String>, headers: HeaderMap, uri: Uri) -> Response {
    blocking(move || match readable_account(&node, &headers, &uri, &id, "account") {
        Ok(id) => match node.account_view(&id) {
            Some(v) => Json(view_json(&v)).into_response(),
            None => error(StatusCode::NOT_FOUND, "not_found", format!("unknown account {id}")),
        },
        Err(r) => r,
    })
    .await
}

#[derive(Deserialize)]
pub(crate) struct HistoryQuery {
    limit: Option<usize>,
}

pub(crate) fn entry_json(e: &PaymentEntry) -> Value {
    json!({
        "tx_id": e.tx.id().to_hex(),
        "kind": e.tx.unsigned.body.kind(),
        "sender": e.tx.unsigned.sender.to_hex(),
        "height": e.height,
        "log_index": e.tx_index,
        "record": e.record,
    })
}

#[utoipa::path(
    get,
    path = "/v1/account/{id}/history",
    operation_id = "account_history",
    tag = "payments",
    summary = "Payments an account is a party to, newest first",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{64}$", description = "Account id, 64 hex"),
        ("limit" = Option<u64>, Query, description = "Most rows (default 100; at most 1,000 are returned)"),
    ),
    responses(
        (status = 200, description = "The account and its payments", content_type = "application/json"),
        (status = 400, description = "`bad_account_id`, `bad_path`, `bad_query`", body = ErrorBody),
        (status = 401, description = "Not a valid signed request", body = ErrorBody),
        (status = 403, description = "`forbidden`: may not read this account (also for one that does not exist)", body = ErrorBody),
        (status = 404, description = "`not_found` (auditors and compliance only)", body = ErrorBody),
        (status = 500, description = "`storage`, `internal`", body = ErrorBody),
        (status = 503, description = "`busy`; `not_ready`: an indexed payment is not readable yet", body = ErrorBody),
    ),
    security(("signed_request" = []))
)]
pub(crate) async fn history(State(node): State<NodeHandle>, Path(id): Path<String>, Query(query): Query<HistoryQuery>, headers: HeaderMap, uri: Uri) -> Response {
    blocking(move || {
        let id = match readable_account(&node, &headers, &uri, &id, "history") {
            Ok(id) => id,
            Err(r) => return r,
        };
        match node.history(&id, query.limit.unwrap_or(100)) {
            Ok(entries) => Json(json!({ "account": id.to_hex(), "payments": entries.iter().map(entry_json).collect::<Vec<_>>() })).into_response(),
            Err(e) => bundle_error(&e),
        }
    })
    .await
}

#[utoipa::path(
    get,
    path = "/v1/account/{id}/reads",
    operation_id = "account_reads",
    tag = "payments",
    summary = "Who read this account's data: reads finalized on the ledger (by any node) and those this node recorded but not yet finalized (whoever may read the account)",
    params(("id" = String, Path, pattern = "^[0-9a-fA-F]{64}$", description = "Account id, 64 hex")),
    responses(
        (status = 200, description = "Reads of the account's data: `finalized` (with node, transaction and height) and `pending`", content_type = "application/json"),
        (status = 400, description = "`bad_account_id`, `bad_path`", body = ErrorBody),
        (status = 401, description = "Not a valid signed request", body = ErrorBody),
        (status = 403, description = "`forbidden`: may not read this account (also for one that does not exist)", body = ErrorBody),
        (status = 404, description = "`not_found` (auditors and compliance only)", body = ErrorBody),
        (status = 500, description = "`storage`, `internal`", body = ErrorBody),
        (status = 503, description = "`busy`, `audit_unavailable`", body = ErrorBody),
    ),
    security(("signed_request" = []))
)]
pub(crate) async fn reads(State(node): State<NodeHandle>, Path(id): Path<String>, headers: HeaderMap, uri: Uri) -> Response {
    blocking(move || {
        let id = match readable_account(&node, &headers, &uri, &id, "reads") {
            Ok(id) => id,
            Err(r) => return r,
        };
        match node.reads_of(&id) {
            Ok((finalized, pending)) => {
                let finalized: Vec<Value> = finalized
                    .iter()
                    .map(|e| json!({ "record": e.record, "node": e.node.to_hex(), "tx_id": e.tx_id.to_hex(), "height": e.height }))
                    .collect();
                Json(json!({ "account": id.to_hex(), "finalized": finalized, "pending": pending })).into_response()
            }
            Err(e) => bundle_error(&e),
        }
    })
    .await
}

/// Main-ledger tokens are public; a sub-ledger's token is read by its members and oversight.
#[utoipa::path(
    get,
    path = "/v1/token/{symbol}",
    operation_id = "token",
    tag = "payments",
    summary = "A token and its supply (public; a sub-ledger's token: its members, its issuer and oversight, by signed request); its monitoring rules only for oversight",
    params(("symbol" = String, Path, pattern = "^[A-Z][A-Z0-9]{0,11}$", description = "Token symbol")),
    responses(
        (status = 200, description = "The token (and, for a signed request by its oversight, its monitoring rules)", content_type = "application/json"),
        (status = 400, description = "`bad_symbol`, `bad_path`", body = ErrorBody),
        (status = 401, description = "A sub-ledger's token, without a valid signed request", body = ErrorBody),
        (status = 403, description = "`forbidden`: a sub-ledger's token, for an outsider", body = ErrorBody),
        (status = 404, description = "`unknown_token`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
        (status = 503, description = "`busy`", body = ErrorBody),
    ),
    security((), ("signed_request" = []))
)]
pub(crate) async fn token(State(node): State<NodeHandle>, Path(symbol): Path<String>, headers: HeaderMap, uri: Uri) -> Response {
    if let Err(r) = symbol_param(&symbol) {
        return r;
    }
    blocking(move || {
        let Some(token) = node.token(&symbol) else {
            return error(StatusCode::NOT_FOUND, "unknown_token", format!("unknown token {symbol}"));
        };
        // A sub-ledger's token needs an authenticated caller. A main-ledger token is public: a
        // signature only adds the monitoring rules for oversight, so one that does not
        // authenticate (a frozen account reading decimals before it pays) reads the public view.
        let signed = headers.contains_key(vellum_types::request::HEADER_ACCOUNT);
        let caller = match (token.subledger.is_some(), signed) {
            (true, _) => match caller(&node, &headers, "GET", &uri) {
                Ok(c) => Some(c),
                Err(e) => return auth_error(&e),
            },
            (false, true) => caller(&node, &headers, "GET", &uri).ok(),
            (false, false) => None,
        };
        if let (Some(sub), Some(c)) = (&token.subledger, &caller)
            && c.subledger.as_ref() != Some(sub)
            && !oversees(c, Some(sub))
            && c.id != token.issuer
        {
            return auth_error(&AuthError::Forbidden);
        }
        // The thresholds are for oversight only: knowing them tells a launderer how much stays
        // under the radar.
        let monitoring = caller.filter(|c| oversees(c, token.subledger.as_ref())).and_then(|_| node.monitoring(&symbol));
        Json(json!({ "token": token, "monitoring": monitoring })).into_response()
    })
    .await
}

/// A token's monitoring rules: oversight of the token's ledger only.
#[utoipa::path(
    get,
    path = "/v1/token/{symbol}/monitoring",
    operation_id = "token_monitoring",
    tag = "payments",
    summary = "A token's monitoring rules and their version (main-ledger oversight, or the token's sub-ledger's, by signed request)",
    params(("symbol" = String, Path, pattern = "^[A-Z][A-Z0-9]{0,11}$", description = "Token symbol")),
    responses(
        (status = 200, description = "The rules (null: none set)", content_type = "application/json"),
        (status = 400, description = "`bad_symbol`, `bad_path`", body = ErrorBody),
        (status = 401, description = "Not a valid signed request", body = ErrorBody),
        (status = 403, description = "`forbidden`: not the token's oversight (also for an unknown token)", body = ErrorBody),
        (status = 404, description = "`unknown_token` (oversight only)", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
        (status = 503, description = "`busy`", body = ErrorBody),
    ),
    security(("signed_request" = []))
)]
pub(crate) async fn token_monitoring(State(node): State<NodeHandle>, Path(symbol): Path<String>, headers: HeaderMap, uri: Uri) -> Response {
    if let Err(r) = symbol_param(&symbol) {
        return r;
    }
    blocking(move || {
        let caller = match caller(&node, &headers, "GET", &uri) {
            Ok(c) => c,
            Err(e) => return auth_error(&e),
        };
        match node.token(&symbol) {
            Some(t) if oversees(&caller, t.subledger.as_ref()) => Json(json!({ "token": symbol, "monitoring": node.monitoring(&symbol) })).into_response(),
            Some(_) => auth_error(&AuthError::Forbidden),
            None => not_found_or_forbidden(&caller, format!("unknown token {symbol}")),
        }
    })
    .await
}

/// Governed rates are public: clients need the version to quote a conversion.
#[utoipa::path(
    get,
    path = "/v1/rate/{from}/{to}",
    operation_id = "rate",
    tag = "payments",
    summary = "The governed conversion rate and its version",
    params(
        ("from" = String, Path, pattern = "^[A-Z][A-Z0-9]{0,11}$", description = "Debited token"),
        ("to" = String, Path, pattern = "^[A-Z][A-Z0-9]{0,11}$", description = "Credited token"),
    ),
    responses(
        (status = 200, description = "The rate (numerator, denominator, version)", content_type = "application/json"),
        (status = 400, description = "`bad_symbol`, `bad_path`", body = ErrorBody),
        (status = 404, description = "`no_rate`: none governed between these tokens", body = ErrorBody),
    )
)]
pub(crate) async fn rate(State(node): State<NodeHandle>, Path((from, to)): Path<(String, String)>) -> Response {
    if let Err(r) = symbol_param(&from).and_then(|_| symbol_param(&to)) {
        return r;
    }
    match node.rate(&from, &to) {
        Some(r) => Json(json!({ "from": from, "to": to, "rate": r })).into_response(),
        None => error(StatusCode::NOT_FOUND, "no_rate", format!("no governed rate from {from} to {to}")),
    }
}

#[derive(Deserialize)]
pub(crate) struct HoldsQuery {
    limit: Option<usize>,
    pending: Option<bool>,
}

/// Holds (alerts) are for compliance and auditors (X.1405 8.4.3).
#[utoipa::path(
    get,
    path = "/v1/holds",
    operation_id = "holds",
    tag = "payments",
    summary = "Transfers held by monitoring, with their alerts, newest first (compliance, auditors)",
    params(
        ("pending" = Option<bool>, Query, description = "Only pending holds (default false)"),
        ("limit" = Option<u64>, Query, description = "Most rows (default 100; at most 500 are returned)"),
    ),
    responses(
        (status = 200, description = "The holds", content_type = "application/json",
            links(("first" = (operation_id = "hold", parameters(("id" = "$response.body#/holds/0/id")))))),
        (status = 400, description = "`bad_query`", body = ErrorBody),
        (status = 401, description = "Not a valid signed request", body = ErrorBody),
        (status = 403, description = "`forbidden`: neither compliance nor an auditor", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
        (status = 503, description = "`busy`", body = ErrorBody),
    ),
    security(("signed_request" = []))
)]
pub(crate) async fn holds(State(node): State<NodeHandle>, Query(query): Query<HoldsQuery>, headers: HeaderMap, uri: Uri) -> Response {
    blocking(move || {
        let caller = match caller(&node, &headers, "GET", &uri) {
            Ok(c) => c,
            Err(e) => return auth_error(&e),
        };
        if !oversight(&caller) {
            return auth_error(&AuthError::Forbidden);
        }
        // A sub-ledger's oversight sees the holds of its own members only.
        let state = node.finalized_state();
        let holds: Vec<_> = node
            .holds(query.pending.unwrap_or(false), query.limit.unwrap_or(100))
            .into_iter()
            .filter(|h| state.account(&h.sender).is_some_and(|s| oversees(&caller, s.subledger.as_ref())))
            .collect();
        // One record per listed hold, written in one commit.
        let time_ms = crate::now_ms();
        let records = holds
            .iter()
            .map(|h| ReadRecord { owner: h.sender, action: "hold".into(), item: Some(h.tx_id), reader: Some(caller.id), allowed: true, time_ms })
            .collect();
        if let Err(e) = node.audit_reads(records) {
            return error(StatusCode::SERVICE_UNAVAILABLE, "audit_unavailable", format!("the read is refused: {e}"));
        }
        Json(json!({ "holds": holds })).into_response()
    })
    .await
}

/// One hold: oversight, or the transfer's sender.
#[utoipa::path(
    get,
    path = "/v1/hold/{id}",
    operation_id = "hold",
    tag = "payments",
    summary = "One hold (oversight, or the transfer's sender)",
    params(("id" = u64, Path, description = "Hold id")),
    responses(
        (status = 200, description = "The hold", content_type = "application/json"),
        (status = 400, description = "`bad_path`: not a non-negative 64-bit integer", body = ErrorBody),
        (status = 401, description = "Not a valid signed request", body = ErrorBody),
        (status = 403, description = "`forbidden`: neither oversight nor the sender (also for a hold that does not exist)", body = ErrorBody),
        (status = 404, description = "`not_found` (auditors and compliance only)", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
        (status = 503, description = "`busy`", body = ErrorBody),
    ),
    security(("signed_request" = []))
)]
pub(crate) async fn hold(State(node): State<NodeHandle>, Path(id): Path<u64>, headers: HeaderMap, uri: Uri) -> Response {
    blocking(move || {
        let caller = match caller(&node, &headers, "GET", &uri) {
            Ok(c) => c,
            Err(e) => return auth_error(&e),
        };
        match node.hold(id) {
            Some(h) => {
                let allowed = h.sender == caller.id || node.account(&h.sender).is_some_and(|s| oversees(&caller, s.subledger.as_ref()));
                if let Err(r) = audit_reads(&node, &[h.sender], ("hold", Some(h.tx_id)), &caller, allowed) {
                    return r;
                }
                if allowed { Json(json!({ "hold": h })).into_response() } else { auth_error(&AuthError::Forbidden) }
            }
            None => not_found_or_forbidden(&caller, format!("unknown hold {id}")),
        }
    })
    .await
}

/// Loads a payment the caller may read (recording the read as `action` for every party), or
/// the refusal.
fn readable_payment(node: &NodeHandle, headers: &HeaderMap, uri: &Uri, id: &str, action: &str) -> Result<(TxId, PaymentEntry), Response> {
    let caller = caller(node, headers, "GET", uri).map_err(|e| auth_error(&e))?;
    let id = TxId::from_hex(id).map_err(|_| error(StatusCode::BAD_REQUEST, "bad_tx_hash", "tx hash must be 64 hex characters"))?;
    match node.payment(&id).map_err(|e| bundle_error(&e))? {
        Some(e) => {
            let allowed = node.can_read_payment(&caller, &e);
            let parties = vellum_types::payment::parties(&e.tx, e.record.as_ref());
            audit_reads(node, &parties, (action, Some(id)), &caller, allowed)?;
            if allowed { Ok((id, e)) } else { Err(auth_error(&AuthError::Forbidden)) }
        }
        None => Err(not_found_or_forbidden(&caller, format!("no finalized payment {id}"))),
    }
}

#[utoipa::path(
    get,
    path = "/v1/payment/{tx}",
    operation_id = "payment",
    tag = "payments",
    summary = "What a finalized payment did (parties, their sub-ledger, oversight)",
    params(("tx" = String, Path, pattern = "^[0-9a-fA-F]{64}$", description = "Transaction hash, 64 hex")),
    responses(
        (status = 200, description = "The payment: transaction, height, log index and record", content_type = "application/json",
            links(("receipt" = (operation_id = "receipt", parameters(("tx" = "$request.path.tx")))))),
        (status = 400, description = "`bad_tx_hash`, `bad_path`", body = ErrorBody),
        (status = 401, description = "Not a valid signed request", body = ErrorBody),
        (status = 403, description = "`forbidden`: not a party, its sub-ledger or oversight (also for a payment that does not exist)", body = ErrorBody),
        (status = 404, description = "`not_found` (auditors and compliance only)", body = ErrorBody),
        (status = 500, description = "`storage`, `internal`", body = ErrorBody),
        (status = 503, description = "`busy`", body = ErrorBody),
    ),
    security(("signed_request" = []))
)]
pub(crate) async fn payment(State(node): State<NodeHandle>, Path(id): Path<String>, headers: HeaderMap, uri: Uri) -> Response {
    blocking(move || match readable_payment(&node, &headers, &uri, &id, "payment") {
        Ok((_, e)) => Json(entry_json(&e)).into_response(),
        Err(r) => r,
    })
    .await
}

#[utoipa::path(
    get,
    path = "/v1/payment/{tx}/receipt",
    operation_id = "receipt",
    tag = "payments",
    summary = "A payment's receipt (binary, verifiable offline)",
    params(("tx" = String, Path, pattern = "^[0-9a-fA-F]{64}$", description = "Transaction hash, 64 hex")),
    responses(
        (status = 200, description = "The receipt (`vellum verify` checks it offline)", body = Binary, content_type = "application/octet-stream"),
        (status = 400, description = "`bad_tx_hash`, `bad_path`", body = ErrorBody),
        (status = 401, description = "Not a valid signed request", body = ErrorBody),
        (status = 403, description = "`forbidden`: not a party, its sub-ledger or oversight (also for a payment that does not exist)", body = ErrorBody),
        (status = 404, description = "`not_found`: unknown (auditors and compliance only), or the transaction has no payment record", body = ErrorBody),
        (status = 500, description = "`storage`, `internal`", body = ErrorBody),
        (status = 503, description = "`not_ready`: nothing certified to anchor the receipt to yet; `busy`", body = ErrorBody),
    ),
    security(("signed_request" = []))
)]
pub(crate) async fn receipt(State(node): State<NodeHandle>, Path(id): Path<String>, headers: HeaderMap, uri: Uri) -> Response {
    blocking(move || {
        let (id, _) = match readable_payment(&node, &headers, &uri, &id, "receipt") {
            Ok(p) => p,
            Err(r) => return r,
        };
        match node.receipt(&id) {
            Ok(r) => ([(header::CONTENT_TYPE, "application/octet-stream")], r.to_bytes()).into_response(),
            Err(e) => bundle_error(&e),
        }
    })
    .await
}

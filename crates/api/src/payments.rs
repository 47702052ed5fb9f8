//! Payment endpoints. Every read of account data needs a signed request: the account itself,
//! auditors and compliance read it; inside a sub-ledger its members do too (PAY-SUB,
//! S-CONF). Unknown and forbidden look the same (403) to anyone but auditors and compliance,
//! so the API is no oracle for which accounts, payments or holds exist.

use crate::{auth_error, blocking, bundle_error, caller, error};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{Value, json};
use vellum_node::core::{AccountView, can_read_account};
use vellum_node::{AuthError, NodeHandle};
use vellum_storage::PaymentEntry;
use vellum_types::payment::format_amount;
use vellum_types::{Account, AccountId, Role, TxId};

fn oversight(caller: &Account) -> bool {
    caller.has_role(Role::Auditor) || caller.has_role(Role::Compliance)
}

/// 404 for oversight roles, 403 for everyone else: existence is not revealed.
fn not_found_or_forbidden(caller: &Account, what: String) -> Response {
    if oversight(caller) {
        error(StatusCode::NOT_FOUND, "not_found", what)
    } else {
        auth_error(&AuthError::Forbidden)
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
    json!({ "account": v.account, "balances": balances, "guardians": v.guardians, "pending_recovery": v.recovery, "purpose_keys": v.purpose_keys })
}

/// Authenticates the caller and checks it may read account `id`; returns the account id.
fn readable_account(node: &NodeHandle, headers: &HeaderMap, uri: &Uri, id: &str) -> Result<AccountId, Response> {
    let caller = caller(node, headers, "GET", uri).map_err(|e| auth_error(&e))?;
    let id = AccountId::from_hex(id)
        .map_err(|_| error(StatusCode::BAD_REQUEST, "bad_account_id", "account id must be 64 hex characters"))?;
    match node.account(&id) {
        Some(a) if can_read_account(&caller, &a) => Ok(id),
        Some(_) => Err(auth_error(&AuthError::Forbidden)),
        None => Err(not_found_or_forbidden(&caller, format!("unknown account {id}"))),
    }
}

#[utoipa::path(get, path = "/v1/account/{id}", tag = "payments", summary = "An account and its balances (the account, its sub-ledger's members, auditors, compliance)", params(("id" = String, Path, description = "Account id, 64 hex")), responses((status = 200, description = "success", content_type = "application/json"), (status = 400, description = "error with a stable code", body = crate::ErrorBody), (status = 401, description = "error with a stable code", body = crate::ErrorBody), (status = 403, description = "error with a stable code", body = crate::ErrorBody), (status = 404, description = "error with a stable code", body = crate::ErrorBody)), security(("signed_request" = [])))]
pub(crate) async fn account(State(node): State<NodeHandle>, Path(id): Path<String>, headers: HeaderMap, uri: Uri) -> Response {
    blocking(move || match readable_account(&node, &headers, &uri, &id) {
        Ok(id) => match node.account_view(&id) {
            Some(v) => Json(view_json(&v)).into_response(),
            None => error(StatusCode::NOT_FOUND, "not_found", format!("unknown account {id}")),
        },
        Err(r) => r,
    })
    .await
}

#[derive(Deserialize)]
pub(crate) struct LimitQuery {
    limit: Option<usize>,
    pending: Option<bool>,
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

#[utoipa::path(get, path = "/v1/account/{id}/history", tag = "payments", summary = "Payments an account is a party to, newest first", params(("id" = String, Path, description = "Account id, 64 hex"), ("limit" = usize, Query, description = "Most rows")), responses((status = 200, description = "success", content_type = "application/json"), (status = 400, description = "error with a stable code", body = crate::ErrorBody), (status = 401, description = "error with a stable code", body = crate::ErrorBody), (status = 403, description = "error with a stable code", body = crate::ErrorBody), (status = 404, description = "error with a stable code", body = crate::ErrorBody)), security(("signed_request" = [])))]
pub(crate) async fn history(
    State(node): State<NodeHandle>,
    Path(id): Path<String>,
    query: Query<LimitQuery>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    blocking(move || {
        let id = match readable_account(&node, &headers, &uri, &id) {
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

/// Main-ledger tokens are public; a sub-ledger's token is read by its members and oversight.
#[utoipa::path(get, path = "/v1/token/{symbol}", tag = "payments", summary = "A token, its supply and monitoring rules (sub-ledger tokens: members and oversight)", params(("symbol" = String, Path, description = "Token symbol")), responses((status = 200, description = "success", content_type = "application/json"), (status = 401, description = "error with a stable code", body = crate::ErrorBody), (status = 403, description = "error with a stable code", body = crate::ErrorBody), (status = 404, description = "error with a stable code", body = crate::ErrorBody)))]
pub(crate) async fn token(State(node): State<NodeHandle>, Path(symbol): Path<String>, headers: HeaderMap, uri: Uri) -> Response {
    blocking(move || {
        let Some(token) = node.token(&symbol) else {
            return error(StatusCode::NOT_FOUND, "unknown_token", format!("unknown token {symbol}"));
        };
        if let Some(sub) = &token.subledger {
            let caller = match caller(&node, &headers, "GET", &uri) {
                Ok(c) => c,
                Err(e) => return auth_error(&e),
            };
            if caller.subledger.as_ref() != Some(sub) && !oversight(&caller) && caller.id != token.issuer {
                return auth_error(&AuthError::Forbidden);
            }
        }
        Json(json!({ "token": token, "monitoring": node.monitoring(&symbol) })).into_response()
    })
    .await
}

/// Governed rates are public: clients need the version to quote a conversion.
#[utoipa::path(get, path = "/v1/rate/{from}/{to}", tag = "payments", summary = "The governed conversion rate and its version", params(("from" = String, Path, description = "Debited token"), ("to" = String, Path, description = "Credited token")), responses((status = 200, description = "success", content_type = "application/json"), (status = 404, description = "error with a stable code", body = crate::ErrorBody)))]
pub(crate) async fn rate(State(node): State<NodeHandle>, Path((from, to)): Path<(String, String)>) -> Response {
    match node.rate(&from, &to) {
        Some(r) => Json(json!({ "from": from, "to": to, "rate": r })).into_response(),
        None => error(StatusCode::NOT_FOUND, "no_rate", format!("no governed rate from {from} to {to}")),
    }
}

/// Holds (alerts) are for compliance and auditors (X.1405 8.4.3).
#[utoipa::path(get, path = "/v1/holds", tag = "payments", summary = "Transfers held by monitoring, with their alerts (compliance, auditors)", params(("pending" = bool, Query, description = "Only pending holds"), ("limit" = usize, Query, description = "Most rows")), responses((status = 200, description = "success", content_type = "application/json"), (status = 401, description = "error with a stable code", body = crate::ErrorBody), (status = 403, description = "error with a stable code", body = crate::ErrorBody)), security(("signed_request" = [])))]
pub(crate) async fn holds(State(node): State<NodeHandle>, query: Query<LimitQuery>, headers: HeaderMap, uri: Uri) -> Response {
    blocking(move || {
        let caller = match caller(&node, &headers, "GET", &uri) {
            Ok(c) => c,
            Err(e) => return auth_error(&e),
        };
        if !oversight(&caller) {
            return auth_error(&AuthError::Forbidden);
        }
        let holds = node.holds(query.pending.unwrap_or(false), query.limit.unwrap_or(100));
        Json(json!({ "holds": holds })).into_response()
    })
    .await
}

/// One hold: oversight, or the transfer's sender.
#[utoipa::path(get, path = "/v1/hold/{id}", tag = "payments", summary = "One hold (oversight, or the transfer's sender)", params(("id" = u64, Path, description = "Hold id")), responses((status = 200, description = "success", content_type = "application/json"), (status = 401, description = "error with a stable code", body = crate::ErrorBody), (status = 403, description = "error with a stable code", body = crate::ErrorBody), (status = 404, description = "error with a stable code", body = crate::ErrorBody)), security(("signed_request" = [])))]
pub(crate) async fn hold(State(node): State<NodeHandle>, Path(id): Path<u64>, headers: HeaderMap, uri: Uri) -> Response {
    blocking(move || {
        let caller = match caller(&node, &headers, "GET", &uri) {
            Ok(c) => c,
            Err(e) => return auth_error(&e),
        };
        match node.hold(id) {
            Some(h) if oversight(&caller) || h.sender == caller.id => Json(json!({ "hold": h })).into_response(),
            Some(_) => auth_error(&AuthError::Forbidden),
            None => not_found_or_forbidden(&caller, format!("unknown hold {id}")),
        }
    })
    .await
}

/// Loads a payment the caller may read, or the refusal.
fn readable_payment(node: &NodeHandle, headers: &HeaderMap, uri: &Uri, id: &str) -> Result<(TxId, PaymentEntry), Response> {
    let caller = caller(node, headers, "GET", uri).map_err(|e| auth_error(&e))?;
    let id = TxId::from_hex(id).map_err(|_| error(StatusCode::BAD_REQUEST, "bad_tx_hash", "tx hash must be 64 hex characters"))?;
    match node.payment(&id).map_err(|e| bundle_error(&e))? {
        Some(e) if node.can_read_payment(&caller, &e) => Ok((id, e)),
        Some(_) => Err(auth_error(&AuthError::Forbidden)),
        None => Err(not_found_or_forbidden(&caller, format!("no finalized payment {id}"))),
    }
}

#[utoipa::path(get, path = "/v1/payment/{tx}", tag = "payments", summary = "What a finalized payment did (parties, their sub-ledger, oversight)", params(("tx" = String, Path, description = "Transaction hash, 64 hex")), responses((status = 200, description = "success", content_type = "application/json"), (status = 400, description = "error with a stable code", body = crate::ErrorBody), (status = 401, description = "error with a stable code", body = crate::ErrorBody), (status = 403, description = "error with a stable code", body = crate::ErrorBody), (status = 404, description = "error with a stable code", body = crate::ErrorBody)), security(("signed_request" = [])))]
pub(crate) async fn payment(State(node): State<NodeHandle>, Path(id): Path<String>, headers: HeaderMap, uri: Uri) -> Response {
    blocking(move || match readable_payment(&node, &headers, &uri, &id) {
        Ok((_, e)) => Json(entry_json(&e)).into_response(),
        Err(r) => r,
    })
    .await
}

#[utoipa::path(get, path = "/v1/payment/{tx}/receipt", tag = "payments", summary = "A payment's receipt (binary, verifiable offline)", params(("tx" = String, Path, description = "Transaction hash, 64 hex")), responses((status = 200, description = "success", content_type = "application/octet-stream"), (status = 400, description = "error with a stable code", body = crate::ErrorBody), (status = 401, description = "error with a stable code", body = crate::ErrorBody), (status = 403, description = "error with a stable code", body = crate::ErrorBody), (status = 404, description = "error with a stable code", body = crate::ErrorBody), (status = 503, description = "error with a stable code", body = crate::ErrorBody)), security(("signed_request" = [])))]
pub(crate) async fn receipt(State(node): State<NodeHandle>, Path(id): Path<String>, headers: HeaderMap, uri: Uri) -> Response {
    blocking(move || {
        let (id, _) = match readable_payment(&node, &headers, &uri, &id) {
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

/// Prometheus text exposition: chain progress, mempool, monitoring alerts and holds.
#[utoipa::path(get, path = "/metrics", tag = "operations", summary = "Prometheus metrics", responses((status = 200, description = "success", content_type = "text/plain")))]
pub(crate) async fn metrics(State(node): State<NodeHandle>) -> Response {
    // Reads stored headers (validator liveness): off the async workers.
    blocking(move || metrics_text(&node)).await
}

/// Appends one Prometheus metric (help, type, one row per label set) to `out`.
fn metric<V: std::fmt::Display>(out: &mut String, name: &str, kind: &str, help: &str, rows: Vec<(String, V)>) {
    out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
    for (labels, v) in rows {
        out.push_str(&format!("{name}{labels} {v}\n"));
    }
}

fn metrics_text(node: &NodeHandle) -> Response {
    let s = node.status();
    let (alerts, holds_total) = node.alert_counters();
    let pending = node.holds(true, usize::MAX).len();
    let mut out = String::new();
    metric(&mut out, "vellum_height", "gauge", "Height of the last finalized block applied here.", vec![(String::new(), s.height)]);
    metric(&mut out, "vellum_finalized_txs_total", "counter", "Transactions finalized since this process started.", vec![(String::new(), s.finalized_txs_total)]);
    metric(&mut out, "vellum_mempool_txs", "gauge", "Transactions waiting in the mempool.", vec![(String::new(), s.mempool_txs as u64)]);
    metric(&mut out, "vellum_log_size", "gauge", "Entries in the RFC 6962 log.", vec![(String::new(), s.log_size)]);
    metric(&mut out, "vellum_holds_total", "counter", "Transfers held by monitoring since this process started.", vec![(String::new(), holds_total)]);
    metric(&mut out, "vellum_holds_pending", "gauge", "Held transfers awaiting a compliance decision (counted up to 500).", vec![(String::new(), pending as u64)]);
    let rules = ["large_transfer", "velocity_amount", "velocity_count", "structuring"];
    let rows = rules
        .iter()
        .map(|r| (format!("{{rule=\"{r}\"}}"), alerts.iter().find(|(k, _)| k == r).map_or(0, |(_, v)| *v)))
        .collect();
    metric(&mut out, "vellum_alerts_total", "counter", "Monitoring alerts raised since this process started, by rule.", rows);
    let (latency, refused) = node.latency_and_refusals();
    metric(&mut out, 
        "vellum_api_errors_total",
        "counter",
        "API requests answered with an error, by code (auth, access, bad input, rate limit, …).",
        crate::errors_by_code().into_iter().map(|(c, n)| (format!("{{code=\"{c}\"}}"), n)).collect(),
    );
    metric(&mut out, "vellum_submissions_refused_total", "counter", "Submitted transactions refused at admission, by reason.", refused.iter().map(|(c, n)| (format!("{{code=\"{c}\"}}"), *n)).collect());
    out.push_str("# HELP vellum_tx_finality_seconds Admission to finalization latency of transactions this node admitted.\n# TYPE vellum_tx_finality_seconds histogram\n");
    let mut cumulative = 0;
    for (bound, n) in vellum_node::core::LATENCY_BUCKETS_S.iter().zip(latency.counts) {
        cumulative += n;
        out.push_str(&format!("vellum_tx_finality_seconds_bucket{{le=\"{bound}\"}} {cumulative}\n"));
    }
    out.push_str(&format!("vellum_tx_finality_seconds_bucket{{le=\"+Inf\"}} {}\nvellum_tx_finality_seconds_sum {}\nvellum_tx_finality_seconds_count {}\n", latency.count, latency.sum, latency.count));
    if let Some(c) = s.clock {
        metric(&mut out, "vellum_clock_usable", "gauge", "1 while this validator's clock may be used to propose and vote (trusted time check recent).", vec![(String::new(), c.usable as u64)]);
        metric(&mut out, "vellum_clock_trusted_source", "gauge", "1 if the clock is checked against Roughtime servers.", vec![(String::new(), c.trusted_source as u64)]);
        metric(&mut out, "vellum_clock_offset_ms", "gauge", "Correction the last trusted time check applied to the host clock (ms).", vec![(String::new(), c.offset_ms)]);
    }
    let activity = node.validator_activity(1_000).unwrap_or_default();
    let rows = activity.validators.iter().map(|a| (format!("{{validator=\"{}\"}}", a.name), a.proposed)).collect();
    metric(&mut out, "vellum_validator_blocks_proposed", "gauge", "Finalized blocks each validator proposed among the last 1000 (liveness).", rows);
    let rows = activity.validators.iter().map(|a| (format!("{{validator=\"{}\"}}", a.name), a.signed)).collect();
    metric(&mut out, "vellum_validator_certificates_signed", "gauge", "Finalization certificates among the last 1000 blocks carrying each validator's vote (liveness).", rows);
    metric(&mut out, "vellum_validator_certificates_window", "gauge", "Finalization certificates of the current set among the last 1000 blocks (what each validator's count is out of).", vec![(String::new(), activity.certified)]);
    // Misbehaviour recorded on the ledger, by accused validator (alert on any increase).
    let state = node.finalized_state();
    let mut by_validator: std::collections::BTreeMap<String, u64> = Default::default();
    for i in 0..state.misbehavior_count() {
        if let Some(m) = state.misbehavior(i) {
            *by_validator.entry(hex::encode(m.validator.0)).or_default() += 1;
        }
    }
    let rows = by_validator.into_iter().map(|(k, n)| (format!("{{validator_key=\"{k}\"}}"), n)).collect();
    metric(&mut out, "vellum_validator_misbehavior_total", "counter", "Equivocation recorded on the ledger, by validator consensus key.", rows);
    metric(&mut out, "vellum_epoch", "gauge", "Consensus epoch of the next block.", vec![(String::new(), vellum_ledger::validators::epoch_of(state.height + 1, state.epoch_length))]);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}

//! Governance endpoints, public by design (X.1405 8.8: rules and their changes are announced
//! to every user): the council, the rules in force, proposals, the history of executed changes.
//! Except what would help evade monitoring or map who holds power: a proposal or event that
//! sets monitoring rules, updates the sanctions list or grants or revokes a role reads, to anyone but main-ledger
//! oversight and council members (by signed request), as its kind, its token and version —
//! *that* the rules changed — without the thresholds or the account; its own page needs such
//! a signed request (401 anonymous, 403 others).

use crate::auth::{auth_error, caller};
use crate::errors::{ErrorBody, Path, Query, bundle_error, error};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use vellum_node::{AuthError, NodeHandle};
use vellum_types::GovAction;

/// Whether an action's details are for oversight and the council only.
fn sensitive(action: &GovAction) -> bool {
    matches!(
        action,
        GovAction::SetMonitoring { .. } | GovAction::GrantRole { .. } | GovAction::RevokeRole { .. } | GovAction::UpdateSanctions { .. }
    )
}

/// An action as the caller may see it: whole, or — when sensitive and the caller is not
/// privileged — its kind (and token) only.
fn action_view(action: &GovAction, privileged: bool) -> Value {
    match action {
        GovAction::SetMonitoring { token, .. } if !privileged => json!({ "action": action.kind(), "token": token, "redacted": true }),
        _ if sensitive(action) && !privileged => json!({ "action": action.kind(), "redacted": true }),
        _ => serde_json::to_value(action).expect("actions serialize"),
    }
}

/// Main-ledger oversight or a council member, by signed request; anonymous: `Ok(false)`; a
/// signed request that does not authenticate: the refusal.
fn privileged(node: &NodeHandle, headers: &HeaderMap, uri: &Uri) -> Result<bool, Response> {
    if !headers.contains_key(vellum_types::request::HEADER_ACCOUNT) {
        return Ok(false);
    }
    let caller = caller(node, headers, "GET", uri).map_err(|e| auth_error(&e))?;
    let council = node.finalized_state().council().is_some_and(|c| c.is_member(&caller.id));
    Ok(council || vellum_node::core::main_oversight(&caller))
}

fn proposal_view(p: &vellum_types::Proposal, privileged: bool) -> Value {
    let mut v = serde_json::to_value(p).expect("proposals serialize");
    v["action"] = action_view(&p.action, privileged);
    v
}

/// Most proposals or events one listing returns.
pub const GOVERNANCE_ROWS_MAX: u64 = 500;

#[derive(Deserialize)]
pub(crate) struct Page {
    from: Option<u64>,
    limit: Option<u64>,
}

#[derive(Deserialize)]
pub(crate) struct Limit {
    limit: Option<u64>,
}

/// Council, rules document and counters: a client compares `rules.version` and `events` with
/// what it saw last to show "rules changed since you last looked".
#[utoipa::path(
    get,
    path = "/v1/governance",
    operation_id = "governance",
    tag = "governance",
    summary = "Council, rules in force and counters",
    responses(
        (status = 200, description = "Council, rules, event and proposal counts, height, pending validators, consensus parameters", content_type = "application/json",
            links(("council" = (operation_id = "account", parameters(("id" = "$response.body#/council/members/0")))))),
    )
)]
pub(crate) async fn summary(State(node): State<NodeHandle>) -> Response {
    let s = node.finalized_state();
    Json(json!({
        "council": s.council(),
        "rules": s.rules(),
        "events": s.gov_event_count(),
        "proposals": s.proposal_count(),
        "height": s.height,
        // What governance changes next: the next epoch's validator set, the consensus
        // parameters in force.
        "pending_validators": s.pending_validators(),
        "params": s.params,
    }))
    .into_response()
}

/// Proposals, newest first.
#[utoipa::path(
    get,
    path = "/v1/governance/proposals",
    operation_id = "proposals",
    tag = "governance",
    summary = "Proposals, newest first (monitoring and role actions in full for main-ledger oversight and council members, by signed request)",
    params(("limit" = Option<u64>, Query, description = "Most rows (default 50; at most 500 are returned)")),
    responses(
        (status = 200, description = "The proposals", content_type = "application/json",
            links(("newest" = (operation_id = "proposal", parameters(("id" = "$response.body#/proposals/0/id")))))),
        (status = 400, description = "`bad_query`", body = ErrorBody),
        (status = 401, description = "A signed request that does not authenticate", body = ErrorBody),
        (status = 503, description = "`busy`", body = ErrorBody),
    ),
    security((), ("signed_request" = []))
)]
pub(crate) async fn proposals(State(node): State<NodeHandle>, Query(page): Query<Limit>, headers: HeaderMap, uri: Uri) -> Response {
    let privileged = match privileged(&node, &headers, &uri) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let s = node.finalized_state();
    let count = s.proposal_count();
    let limit = page.limit.unwrap_or(50).min(GOVERNANCE_ROWS_MAX);
    let out: Vec<Value> = (0..count).rev().take(limit as usize).filter_map(|i| s.proposal(i)).map(|p| proposal_view(&p, privileged)).collect();
    Json(json!({ "proposals": out })).into_response()
}

#[utoipa::path(
    get,
    path = "/v1/governance/proposal/{id}",
    operation_id = "proposal",
    tag = "governance",
    summary = "One proposal (one that sets monitoring rules or roles: main-ledger oversight and council members, by signed request)",
    params(("id" = u64, Path, description = "Proposal id")),
    responses(
        (status = 200, description = "The proposal, its votes and status", content_type = "application/json"),
        (status = 400, description = "`bad_path`: not a non-negative 64-bit integer", body = ErrorBody),
        (status = 401, description = "A monitoring or role proposal, without a valid signed request", body = ErrorBody),
        (status = 403, description = "`forbidden`: a monitoring or role proposal, for a caller who is neither main-ledger oversight nor a council member", body = ErrorBody),
        (status = 404, description = "`unknown_proposal`", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
        (status = 503, description = "`busy`", body = ErrorBody),
    ),
    security((), ("signed_request" = []))
)]
pub(crate) async fn proposal(State(node): State<NodeHandle>, Path(id): Path<u64>, headers: HeaderMap, uri: Uri) -> Response {
    let Some(p) = node.finalized_state().proposal(id) else {
        return error(StatusCode::NOT_FOUND, "unknown_proposal", format!("unknown proposal {id}"));
    };
    if !sensitive(&p.action) {
        return Json(json!({ "proposal": p })).into_response();
    }
    let Some(_) = headers.get(vellum_types::request::HEADER_ACCOUNT) else {
        return auth_error(&AuthError::Missing);
    };
    match privileged(&node, &headers, &uri) {
        Ok(true) => Json(json!({ "proposal": p })).into_response(),
        Ok(false) => auth_error(&AuthError::Forbidden),
        Err(r) => r,
    }
}

/// Executed changes in order, from `from` (default 0).
#[utoipa::path(
    get,
    path = "/v1/governance/history",
    operation_id = "governance_history",
    tag = "governance",
    summary = "Executed governance changes, in order",
    params(
        ("from" = Option<u64>, Query, description = "First event (default 0)"),
        ("limit" = Option<u64>, Query, description = "Most rows (default and at most 500)"),
    ),
    responses(
        (status = 200, description = "The events and the total count", content_type = "application/json",
            links(("proposal" = (operation_id = "proposal", parameters(("id" = "$response.body#/events/0/proposal")))))),
        (status = 400, description = "`bad_query`", body = ErrorBody),
        (status = 401, description = "A signed request that does not authenticate", body = ErrorBody),
        (status = 503, description = "`busy`", body = ErrorBody),
    ),
    security((), ("signed_request" = []))
)]
pub(crate) async fn history(State(node): State<NodeHandle>, Query(page): Query<Page>, headers: HeaderMap, uri: Uri) -> Response {
    let privileged = match privileged(&node, &headers, &uri) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let s = node.finalized_state();
    let from = page.from.unwrap_or(0);
    let to = s.gov_event_count().min(from.saturating_add(page.limit.unwrap_or(GOVERNANCE_ROWS_MAX).min(GOVERNANCE_ROWS_MAX)));
    let events: Vec<Value> = (from..to)
        .filter_map(|i| s.gov_event(i))
        .map(|e| {
            let mut v = serde_json::to_value(&e).expect("events serialize");
            v["action"] = action_view(&e.action, privileged);
            v
        })
        .collect();
    Json(json!({ "events": events, "total": s.gov_event_count() })).into_response()
}

#[utoipa::path(
    get,
    path = "/v1/governance/module/{name}",
    operation_id = "module",
    tag = "governance",
    summary = "A registered or standard module (registry, transfer, multisig, monitoring)",
    params(("name" = String, Path, min_length = 1, example = "transfer", description = "Module name")),
    responses(
        (status = 200, description = "The module and whether it is paused", content_type = "application/json"),
        (status = 400, description = "`bad_path`: not UTF-8", body = ErrorBody),
        (status = 404, description = "`unknown_module`", body = ErrorBody),
    )
)]
pub(crate) async fn module(State(node): State<NodeHandle>, Path(name): Path<String>) -> Response {
    match node.finalized_state().module(&name) {
        Some(m) => Json(json!({ "module": m })).into_response(),
        None if vellum_types::governance::STANDARD_MODULES.contains(&name.as_str()) => {
            Json(json!({ "module": { "name": name, "standard": true, "paused": false } })).into_response()
        }
        None => error(StatusCode::NOT_FOUND, "unknown_module", format!("unknown module `{name}`")),
    }
}

#[derive(Deserialize)]
pub(crate) struct WindowQuery {
    window: Option<u64>,
}

/// Validator liveness: blocks each validator proposed among the last `window` (default 1,000)
/// finalized blocks, and the last height it proposed. Public, like `/v1/status`.
#[utoipa::path(
    get,
    path = "/v1/validators",
    operation_id = "validators",
    tag = "chain",
    summary = "Validator liveness: blocks each proposed and certificates each signed among the last N finalized",
    params(("window" = Option<u64>, Query, description = "Blocks (default 1,000; at most 10,000 are read)")),
    responses(
        (status = 200, description = "The validator set, epoch, parameters, misbehaviour records and per-validator liveness", content_type = "application/json"),
        (status = 400, description = "`bad_query`", body = ErrorBody),
        (status = 500, description = "`storage`, `internal`", body = ErrorBody),
    )
)]
pub(crate) async fn validators(State(node): State<NodeHandle>, Query(q): Query<WindowQuery>) -> Response {
    let window = q.window.unwrap_or(1_000);
    crate::blocking(move || match node.validator_activity(window) {
        Ok(activity) => {
            let (v, certified) = (&activity.validators, activity.certified);
            let n = v.len() as u64;
            let expected = window.min(node.status().height) / n.max(1);
            let state = node.finalized_state();
            let set = state.validator_set();
            let misbehavior: Vec<_> = (0..state.misbehavior_count()).filter_map(|i| state.misbehavior(i)).collect();
            Json(json!({
                "window": window,
                "expected_per_validator": expected,
                "epoch": vellum_ledger::validators::epoch_of(state.height + 1, state.epoch_length),
                "epoch_length_blocks": (state.epoch_length != u64::MAX).then_some(state.epoch_length),
                "validator_set": set,
                "pending": state.pending_validators(),
                "changes": state.validator_set_change_count(),
                "params": state.params,
                "misbehavior": misbehavior,
                "validators": v.iter().map(|a| json!({
                    "name": a.name, "key": hex::encode(a.key), "proposed": a.proposed,
                    "last_proposed_height": a.last_proposed_height,
                    "signed": a.signed, "certified": certified,
                    "last_signed_height": a.last_signed_height,
                    // Live: proposes its share and its finalize votes reach certificates.
                    "live": (a.proposed > 0 || expected == 0) && (a.signed > 0 || certified == 0),
                })).collect::<Vec<_>>(),
            }))
            .into_response()
        }
        Err(e) => bundle_error(&e),
    })
    .await
}

//! The node's HTTP API, versioned under `/v1`. Every error is a JSON object
//! `{"error": {"code", "message"}}` with a stable machine `code` — also when a path or query
//! does not parse, the route or method does not exist, or the rate limit refuses the request.
//! `GET /v1/openapi.json` describes every operation exactly (parameters with their types,
//! patterns and bounds; every status code and content type); a CI test runs Schemathesis
//! against a devnet with it.
//!
//! - `POST /v1/tx` — submit a transaction: the wire bytes as `application/octet-stream`, or
//!   JSON `{"tx_hex": "..."}`. `202` with the transaction hash when admitted.
//! - `POST /v1/txs` — submit up to 1,024 transactions in one batch frame (`docs/wire-format.md`);
//!   `200` with one answer per transaction, in order (admitted, or refused with its code).
//! - `GET /v1/tx/{hash}` — `pending`, `finalized` (height, index, log index), `rejected`
//!   (code, message), or `404 unknown`.
//! - `GET /v1/status` — height, block hash, state and log roots, validators.
//! - `GET /v1/block/{height}` — a finalized block header (roots only, no transaction data).
//!
//! - `GET /v1/proof/{id}` — a registration's record, status and audit trail;
//!   `GET /v1/proof/{id}/bundle[?member=N]` — its evidence bundle (binary);
//!   `GET /v1/proofs?digest=HEX` — proof ids registered with a digest;
//!   `PUT`/`GET /v1/proof/{id}/original[?member=N]` — its encrypted original (deleted by the
//!   ledger transaction `DeleteOriginal`).
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
//!   reveal only log sizes, roots and headers). A size or height not finalized here is 404.
//!
//! - Payments (signed requests; the account itself, auditors, compliance and — inside a
//!   sub-ledger — its members): `GET /v1/account/{id}` (account and balances),
//!   `GET /v1/account/{id}/history[?limit=N]`, `GET /v1/payment/{tx}` (what a payment did),
//!   `GET /v1/payment/{tx}/receipt` (binary receipt, verifiable offline), `GET /v1/holds[?pending=true&limit=N]`
//!   and `GET /v1/hold/{id}` (compliance and auditors; a hold's sender sees its own).
//!   Public: `GET /v1/token/{symbol}` (main-ledger tokens; a sub-ledger's only to its members;
//!   the monitoring rules only to oversight: `GET /v1/token/{symbol}/monitoring`, signed)
//!   and `GET /v1/rate/{from}/{to}` (the governed rate and its version, to quote a conversion).
//! - Contracts and e-invoices (`contracts.rs`): public `GET /v1/contract/{id}`,
//!   `GET /v1/code/{digest}`, `GET /v1/invoicing/{seller}`; signed `GET /v1/contract/{id}/storage/{key}`,
//!   `GET /v1/tx/{hash}/contract` (output, fuel, payment records and events with their log
//!   indices), `GET /v1/tx/{hash}/receipt` (a binary transaction receipt of a contract
//!   transaction or an invoice issuance, verifiable offline) and `GET /v1/invoice/{id}`.
//! - `GET /metrics` — Prometheus text: height, finalized transactions, mempool, log size,
//!   holds and monitoring alerts by rule.
//!
//! - Governance (public): `GET /v1/governance` (council, rules in force, counters),
//!   `/v1/governance/proposals[?limit=N]`, `/v1/governance/proposal/{id}`,
//!   `/v1/governance/history[?from=N&limit=M]` (every executed change, versioned),
//!   `/v1/governance/module/{name}`; `GET /v1/validators[?window=N]` — blocks each validator
//!   proposed among the last N finalized (liveness).
//!
//! - `GET /v1/events` — Server-Sent Events of finalized blocks (with a signed request, also
//!   the caller's own transactions, payments, holds and proofs, its rights re-checked at
//!   every block: `reauth` ends the stream when they change or after 10 minutes). Resumable
//!   with `Last-Event-ID`; a `gap` event first names what a resume cannot serve. Bounded in
//!   all, per client address, with places kept for signed callers (`events.rs`).
//!
//! - `GET /v1/openapi.json` — the OpenAPI 3.1 description, generated from the handlers'
//!   annotations (utoipa); a test checks it lists exactly the served operations.
//!
//! - `GET /` — the verification page (drop a document and its bundle; both are checked in the
//!   browser, nothing is uploaded) and a small explorer; `GET /verify.js` — its verifier.
//!
//! HTTPS: set `tls_cert` and `tls_key` (PEM files) in `node.toml` and the API is served over
//! rustls only (`spawn_with`).
//!
//! Modules: `server` (HTTP and TLS), `errors` (the JSON error body, extractors and layers that
//! keep every error JSON), `auth` (signed requests, proof access), `chain` (transactions,
//! status, blocks), `proofs`, `originals`, `log`, `payments`, `governance`, `events`,
//! `metrics`, `openapi`, `limit` (the per-client rate limit).

// Handlers return `Result<_, Response>`: the error *is* the HTTP answer, by design.
#![allow(clippy::result_large_err)]

mod auth;
mod chain;
mod contracts;
mod errors;
mod events;
mod governance;
pub mod limit;
mod log;
mod metrics;
mod openapi;
mod originals;
mod payments;
mod proofs;
mod server;

pub use chain::header_json;
pub use errors::{ErrorBody, ErrorDetail, errors_by_code};
pub use openapi::ApiDoc;
pub use originals::ORIGINAL_REQUEST_BYTES_MAX;
pub use proofs::record_json;
pub use server::{Tls, serve, spawn, spawn_with};

// The helpers handlers use, by their short names.
pub(crate) use auth::auth_error;
pub(crate) use errors::error;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use vellum_node::NodeHandle;
use vellum_types::limits::TX_BYTES_MAX;

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
        .route("/v1/openapi.json", get(openapi::openapi))
        .route("/v1/tx", post(chain::submit_tx))
        .route("/v1/txs", post(chain::submit_txs).layer(DefaultBodyLimit::max(vellum_types::limits::SUBMIT_BATCH_BYTES_MAX)))
        .route("/v1/tx/{hash}", get(chain::tx_status))
        .route("/v1/status", get(chain::status))
        .route("/v1/block/{height}", get(chain::block))
        .route("/v1/proof/{id}", get(proofs::proof_show))
        .route("/v1/proof/{id}/bundle", get(proofs::proof_bundle))
        .route("/v1/proofs", get(proofs::proofs_by_digest))
        .route("/v1/status/{id}", get(proofs::status_proof))
        .route("/v1/issuer/{account}/revocation", get(proofs::issuer_revocation))
        .route("/v1/issuer/{account}", get(proofs::issuer_attestation))
        .route(
            "/v1/proof/{id}/original",
            get(originals::original_get)
                .put(originals::original_put)
                .layer(DefaultBodyLimit::max(ORIGINAL_REQUEST_BYTES_MAX)),
        )
        .route("/v1/account/{id}", get(payments::account))
        .route("/v1/account/{id}/history", get(payments::history))
        .route("/v1/account/{id}/reads", get(payments::reads))
        .route("/v1/token/{symbol}", get(payments::token))
        .route("/v1/token/{symbol}/monitoring", get(payments::token_monitoring))
        .route("/v1/rate/{from}/{to}", get(payments::rate))
        .route("/v1/holds", get(payments::holds))
        .route("/v1/hold/{id}", get(payments::hold))
        .route("/v1/payment/{tx}", get(payments::payment))
        .route("/v1/payment/{tx}/receipt", get(payments::receipt))
        .route("/v1/contract/{id}", get(contracts::contract))
        .route("/v1/contract/{id}/storage/{key}", get(contracts::storage))
        .route("/v1/code/{digest}", get(contracts::code))
        .route("/v1/tx/{hash}/contract", get(contracts::result))
        .route("/v1/tx/{hash}/receipt", get(contracts::tx_receipt))
        .route("/v1/invoicing/{seller}", get(contracts::invoicing))
        .route("/v1/invoice/{id}", get(contracts::invoice))
        .route("/metrics", get(metrics::metrics))
        .route("/v1/governance", get(governance::summary))
        .route("/v1/governance/proposals", get(governance::proposals))
        .route("/v1/governance/proposal/{id}", get(governance::proposal))
        .route("/v1/governance/history", get(governance::history))
        .route("/v1/governance/module/{name}", get(governance::module))
        .route("/v1/validators", get(governance::validators))
        .route("/v1/log/checkpoint", get(log::log_checkpoint))
        .route("/v1/log/anchor", get(log::log_anchor))
        .route("/v1/log/witnessed", get(log::log_witnessed))
        .route("/v1/log/consistency", get(log::log_consistency))
        .route("/v1/events", get(events::events))
        // After every route: it applies to the routes registered before it.
        .method_not_allowed_fallback(errors::method_not_allowed)
        .fallback(errors::not_found)
        .layer(DefaultBodyLimit::max(REQUEST_BODY_BYTES_MAX))
        .layer(axum::middleware::from_fn_with_state(rate, limit::limit))
        .layer(axum::middleware::from_fn(errors::json_errors))
        .with_state(node)
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

/// Runs request work that touches storage or verifies signatures off the async workers.
pub(crate) async fn blocking(work: impl FnOnce() -> Response + Send + 'static) -> Response {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|e| error(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))
}

pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

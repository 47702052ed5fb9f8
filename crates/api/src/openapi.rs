//! The OpenAPI 3.1 description (`GET /v1/openapi.json`), generated from the handlers'
//! annotations (utoipa). It is meant to be exact: each parameter's required-ness, type,
//! pattern and bounds as the handler enforces them, and every status code and content type a
//! route can answer (errors are always [`ErrorBody`] JSON). Schemathesis checks it against a
//! devnet in CI (`crates/cli/tests/schemathesis_ci.rs`).

use crate::errors::{ErrorBody, ErrorDetail};
use crate::{chain, events, governance, log, metrics, originals, payments, proofs};
use axum::Json;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::header::Header;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

/// Raw bytes (`application/octet-stream`): wire encodings of transactions, bundles, receipts,
/// anchors and encrypted originals.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub(crate) struct Binary(#[allow(dead_code)] Vec<u8>);

/// The OpenAPI 3.1 description of this API, generated from the handlers' annotations.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "Vellum node API", description = "Integrity proofs (X.1407) and payments (X.1405) on a permissioned BFT ledger. Protected reads need a signed request: headers x-vellum-account, x-vellum-timestamp, x-vellum-nonce, x-vellum-signature over the method, path and query, body digest, timestamp and nonce (see vellum_types::request). Every error is JSON {\"error\": {\"code\", \"message\"}} with a stable code; any request may be refused with 429 rate_limited (with Retry-After)."),
    paths(
        chain::submit_tx, chain::tx_status, chain::status, chain::block,
        proofs::proof_show, proofs::proof_bundle, proofs::proofs_by_digest,
        originals::original_put, originals::original_get, originals::original_delete,
        log::log_checkpoint, log::log_anchor, log::log_consistency,
        payments::account, payments::history, payments::token, payments::rate, payments::holds, payments::hold, payments::payment, payments::receipt,
        metrics::metrics,
        governance::summary, governance::proposals, governance::proposal, governance::history, governance::module, governance::validators,
        events::events,
    ),
    components(schemas(ErrorBody, ErrorDetail, Binary)),
    modifiers(&SignedRequest, &RateLimited)
)]
pub struct ApiDoc;

/// Declares the signed-request scheme the protected operations use.
struct SignedRequest;

impl utoipa::Modify for SignedRequest {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "signed_request",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "x-vellum-signature",
                "Signature by one of the account's keys; with x-vellum-account, x-vellum-timestamp (±60 s) and x-vellum-nonce (single use)",
            ))),
        );
    }
}

/// The rate limit (`limit.rs`) runs before every route: each operation may answer 429.
struct RateLimited;

impl utoipa::Modify for RateLimited {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.options, &mut item.head, &mut item.patch, &mut item.trace, &mut item.query];
            for operation in operations.into_iter().flatten() {
                let response = ResponseBuilder::new()
                    .description("`rate_limited`: more requests than this client's rate; retry after `Retry-After` seconds (POST /v1/tx also: `mempool_full`, `account_full`)")
                    .header("Retry-After", Header::new(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1))))
                    .content("application/json", ContentBuilder::new().schema(Some(RefOr::Ref(Ref::from_schema_name("ErrorBody")))).build())
                    .build();
                operation.responses.responses.entry("429".to_string()).or_insert(RefOr::T(response));
            }
        }
    }
}

pub(crate) async fn openapi() -> Response {
    Json(<ApiDoc as utoipa::OpenApi>::openapi()).into_response()
}

//! The OpenAPI 3.1 description (`GET /v1/openapi.json`), generated from the handlers'
//! annotations (utoipa). It is meant to be exact: each parameter's required-ness, type,
//! pattern and bounds as the handler enforces them, and every status code and content type a
//! route can answer (errors are always [`ErrorBody`] JSON). Schemathesis checks it against a
//! devnet in CI (`crates/cli/tests/schemathesis_ci.rs`).

use crate::errors::{ErrorBody, ErrorDetail};
use crate::{chain, contracts, events, governance, log, metrics, originals, payments, proofs};
use axum::Json;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::header::Header;
use utoipa::Number;
use utoipa::openapi::schema::{ArrayItems, KnownFormat, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type};
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
        chain::submit_tx, chain::submit_txs, chain::tx_status, chain::status, chain::block,
        proofs::proof_show, proofs::proof_bundle, proofs::proofs_by_digest, proofs::status_proof, proofs::issuer_revocation, proofs::issuer_attestation,
        originals::original_put, originals::original_get,
        log::log_checkpoint, log::log_anchor, log::log_witnessed, log::log_consistency,
        payments::account, payments::history, payments::reads, payments::token, payments::token_monitoring, payments::rate, payments::holds, payments::hold, payments::payment, payments::receipt,
        contracts::contract, contracts::code, contracts::storage, contracts::result, contracts::invoicing, contracts::invoice, contracts::tx_receipt,
        metrics::metrics,
        governance::summary, governance::proposals, governance::proposal, governance::history, governance::module, governance::validators,
        events::events,
    ),
    components(schemas(ErrorBody, ErrorDetail, Binary)),
    modifiers(&SignedRequest, &RateLimited, &IntegerBounds)
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
            for operation in operations(item) {
                let response = ResponseBuilder::new()
                    .description("`rate_limited`: more requests than this client's rate; retry after `Retry-After` seconds (POST /v1/tx also: `mempool_full`, `account_rate_limited`)")
                    .header("Retry-After", Header::new(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1))))
                    .content("application/json", ContentBuilder::new().schema(Some(RefOr::Ref(Ref::from_schema_name("ErrorBody")))).build())
                    .build();
                operation.responses.responses.entry("429".to_string()).or_insert(RefOr::T(response));
            }
        }
    }
}

/// Handlers parse integers into Rust integers, so a `u64` parameter takes exactly that type's
/// range: every unsigned integer is stated with its format (`uint64`, `uint32`, ...; utoipa
/// would write `u-int64`) and its `minimum` and `maximum` (a tighter bound an annotation gives
/// is kept). And a parameter is never `null`: an optional one is absent (`required: false`),
/// and `null` would not parse.
struct IntegerBounds;

impl utoipa::Modify for IntegerBounds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for operation in operations(item) {
                for parameter in operation.parameters.iter_mut().flatten() {
                    let RefOr::T(parameter) = parameter else { continue };
                    let Some(schema) = parameter.schema.as_mut() else { continue };
                    if let RefOr::T(Schema::Object(object)) = schema
                        && let SchemaType::Array(types) = &object.schema_type
                    {
                        let mut types: Vec<Type> = types.iter().filter(|t| **t != Type::Null).cloned().collect();
                        object.schema_type = if types.len() == 1 { SchemaType::Type(types.remove(0)) } else { SchemaType::Array(types) };
                    }
                    integer_bounds(schema);
                }
            }
        }
        for schema in openapi.components.iter_mut().flat_map(|c| c.schemas.values_mut()) {
            integer_bounds(schema);
        }
    }
}

/// States the range of every unsigned integer in `schema` (see [`IntegerBounds`]).
fn integer_bounds(schema: &mut RefOr<Schema>) {
    let RefOr::T(schema) = schema else { return };
    match schema {
        Schema::Object(object) => {
            let range = match &object.format {
                Some(SchemaFormat::KnownFormat(KnownFormat::UInt64)) => Some(("uint64", u64::MAX)),
                Some(SchemaFormat::KnownFormat(KnownFormat::UInt32)) => Some(("uint32", u32::MAX.into())),
                Some(SchemaFormat::KnownFormat(KnownFormat::UInt16)) => Some(("uint16", u16::MAX.into())),
                Some(SchemaFormat::KnownFormat(KnownFormat::UInt8)) => Some(("uint8", u8::MAX.into())),
                _ => None,
            };
            if let Some((format, max)) = range {
                object.format = Some(SchemaFormat::Custom(format.into()));
                object.minimum.get_or_insert(Number::UInt(0));
                object.maximum.get_or_insert(Number::UInt(usize::try_from(max).expect("a 64-bit target")));
            }
            object.properties.values_mut().for_each(integer_bounds);
        }
        Schema::Array(array) => {
            if let ArrayItems::RefOrSchema(items) = &mut array.items {
                integer_bounds(items);
            }
        }
        Schema::OneOf(one) => one.items.iter_mut().for_each(integer_bounds),
        Schema::AllOf(all) => all.items.iter_mut().for_each(integer_bounds),
        Schema::AnyOf(any) => any.items.iter_mut().for_each(integer_bounds),
        _ => {}
    }
}

/// The operations of a path item.
fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.options, &mut item.head, &mut item.patch, &mut item.trace, &mut item.query]
        .into_iter()
        .flatten()
}

pub(crate) async fn openapi() -> Response {
    Json(<ApiDoc as utoipa::OpenApi>::openapi()).into_response()
}

//! JSON errors. Every error the API answers is `{"error": {"code": "...", "message": "..."}}`
//! with a stable machine `code`: a handler's refusal, an extractor's rejection of a malformed
//! path or query ([`Path`], [`Query`]), an unknown route ([`not_found`]) or method
//! ([`method_not_allowed`]), the rate limit — and, as a last resort, any other error response
//! a layer produced without a JSON body ([`json_errors`]).

use axum::Json;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::json;
use vellum_node::BundleError;

/// Every error body: a stable machine `code` and a human `message`.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `bad_query`, `bad_path`, `unauthenticated`, `forbidden`,
    /// `not_found`, `rate_limited`, ...
    pub code: String,
    /// For people; may change between versions.
    pub message: String,
    /// `POST /v1/tx` refused with `bad_nonce` only: the nonce the sender's next transaction
    /// must carry.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub expected_nonce: Option<u64>,
}

/// Error responses sent, by code, since the process started (for `/metrics`).
static ERRORS_BY_CODE: std::sync::Mutex<std::collections::BTreeMap<&'static str, u64>> = std::sync::Mutex::new(std::collections::BTreeMap::new());

/// Error responses by code.
pub fn errors_by_code() -> Vec<(&'static str, u64)> {
    ERRORS_BY_CODE.lock().unwrap().iter().map(|(k, v)| (*k, *v)).collect()
}

pub(crate) fn error(status: StatusCode, code: &'static str, message: impl Into<String>) -> Response {
    *ERRORS_BY_CODE.lock().unwrap().entry(code).or_default() += 1;
    (status, Json(json!({ "error": { "code": code, "message": message.into() } }))).into_response()
}

pub(crate) fn bundle_error(e: &BundleError) -> Response {
    let status = match e {
        BundleError::UnknownProof | BundleError::NotFound(_) => StatusCode::NOT_FOUND,
        BundleError::NothingFinalized | BundleError::Missing(_) => StatusCode::SERVICE_UNAVAILABLE,
        BundleError::Assemble(_) | BundleError::Range(_) => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    error(status, e.code(), e.to_string())
}

/// A query string deserialized into `T` (axum's `Query`); a malformed one is `400 bad_query`
/// with the reason (which parameter, why).
pub(crate) struct Query<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(e) => Err(error(StatusCode::BAD_REQUEST, "bad_query", e.body_text())),
        }
    }
}

/// Path parameters deserialized into `T` (axum's `Path`); one that does not parse (not a
/// number, not UTF-8) is `400 bad_path`.
pub(crate) struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(e) if e.status().is_server_error() => Err(error(e.status(), "internal", e.body_text())),
            Err(e) => Err(error(StatusCode::BAD_REQUEST, "bad_path", e.body_text())),
        }
    }
}

/// The router's fallback: no such route.
pub(crate) async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
}

/// A route that exists, asked with a method it does not serve (axum adds `Allow`).
pub(crate) async fn method_not_allowed() -> Response {
    error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this endpoint does not serve that method (see the Allow header)")
}

/// Most bytes of a non-JSON error body carried over into the JSON message.
const FOREIGN_ERROR_BYTES_MAX: usize = 4096;

/// Last resort (outermost layer): an error response without a JSON body — one that axum or a
/// layer produced rather than a handler — is replaced by the JSON error body, keeping its
/// status and headers (`Allow`, `Retry-After`). Successful responses pass untouched.
pub(crate) async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, FOREIGN_ERROR_BYTES_MAX).await.map(|b| String::from_utf8_lossy(&b).trim().to_string()).unwrap_or_default();
    let code = match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::TOO_MANY_REQUESTS => "rate_limited",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    };
    let message = if text.is_empty() { status.canonical_reason().unwrap_or("error").to_string() } else { text };
    let mut fixed = error(status, code, message);
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            fixed.headers_mut().append(name.clone(), value.clone());
        }
    }
    fixed
}

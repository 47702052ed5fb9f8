//! Signed-request authentication (headers `x-vellum-account`, `-timestamp`, `-nonce`,
//! `-signature`; see `vellum_types::request`) and the access rule for proof data: the
//! registrant always, an auditor for reads; every attempt on an existing proof is audited.

use crate::errors::{bundle_error, error};
use crate::now_ms;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use vellum_node::{AuthError, BundleError, NodeHandle};
use vellum_types::ProofId;

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Authenticates a signed request without a body.
pub(crate) fn caller(node: &NodeHandle, headers: &HeaderMap, method: &str, uri: &Uri) -> Result<vellum_types::Account, AuthError> {
    caller_with_body(node, headers, method, uri, b"")
}

/// Authenticates a signed request: the signature covers the method, the path and query as
/// sent, the SHA-256 of `body`, the timestamp and the nonce.
pub(crate) fn caller_with_body(
    node: &NodeHandle,
    headers: &HeaderMap,
    method: &str,
    uri: &Uri,
    body: &[u8],
) -> Result<vellum_types::Account, AuthError> {
    let r = signed_request(node, headers, method, uri, body)?;
    node.authenticate(&r.account, r.timestamp_ms, r.nonce, &r.signature, &r.signed, now_ms())
}

/// Authenticates a signed `GET` opening an event stream: the caller and the rights it
/// authenticated with, which the stream re-checks before every block.
pub(crate) fn stream_viewer(node: &NodeHandle, headers: &HeaderMap, uri: &Uri) -> Result<vellum_node::events::Viewer, AuthError> {
    let r = signed_request(node, headers, "GET", uri, b"")?;
    node.authenticate_viewer(&r.account, r.timestamp_ms, r.nonce, &r.signature, &r.signed, now_ms())
}

/// A signed request's headers, decoded, and the bytes its signature covers.
struct SignedRequest {
    account: vellum_types::AccountId,
    timestamp_ms: u64,
    nonce: [u8; 16],
    signature: vellum_types::Signature,
    signed: Vec<u8>,
}

fn signed_request(node: &NodeHandle, headers: &HeaderMap, method: &str, uri: &Uri, body: &[u8]) -> Result<SignedRequest, AuthError> {
    use vellum_types::request::*;
    let (Some(account), Some(ts), Some(nonce), Some(sig)) = (
        header(headers, HEADER_ACCOUNT),
        header(headers, HEADER_TIMESTAMP),
        header(headers, HEADER_NONCE),
        header(headers, HEADER_SIGNATURE),
    ) else {
        return Err(AuthError::Missing);
    };
    let account = vellum_types::AccountId::from_hex(account).map_err(|_| AuthError::Malformed("account"))?;
    let timestamp_ms: u64 = ts.parse().map_err(|_| AuthError::Malformed("timestamp"))?;
    let mut n = [0u8; 16];
    hex::decode_to_slice(nonce, &mut n).map_err(|_| AuthError::Malformed("nonce"))?;
    let sig_bytes = hex::decode(sig).map_err(|_| AuthError::Malformed("signature"))?;
    let signature: vellum_types::Signature = borsh::from_slice(&sig_bytes).map_err(|_| AuthError::Malformed("signature"))?;
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let signed = request_signing_bytes(&node.genesis().chain_id, &account, method, path, body, timestamp_ms, &n);
    Ok(SignedRequest { account, timestamp_ms, nonce: n, signature, signed })
}

/// 401 (not authenticated), 403 (not allowed), 503 (too many authenticated requests).
pub(crate) fn auth_error(e: &AuthError) -> Response {
    let status = match e {
        AuthError::Forbidden => StatusCode::FORBIDDEN,
        AuthError::Busy => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::UNAUTHORIZED,
    };
    error(status, e.code(), e.to_string())
}

/// Authenticates, authorises (auditor: every proof; issuer: its own) and audits a read of
/// `id`. Returns the record and entry to serve, or the response refusing it.
pub(crate) fn authorised_read(
    node: &NodeHandle,
    headers: &HeaderMap,
    uri: &Uri,
    id: &ProofId,
    member: Option<u32>,
    action: &str,
) -> Result<(vellum_types::EvidenceRecord, vellum_types::ProofEntry), Response> {
    authorised(node, headers, "GET", uri, b"", id, action, Readers::Entitled { member })
}

/// Who may perform an operation on a proof.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Readers {
    /// Changes to what the registrant keeps (storing or deleting an original).
    Registrant,
    /// Reads: the registrant, an auditor, and a holder of the registration or of `member`.
    Entitled { member: Option<u32> },
}

/// Authenticates and authorises an operation on proof `id` for `readers`. Every attempt is
/// audited.
#[allow(clippy::too_many_arguments)]
pub(crate) fn authorised(
    node: &NodeHandle,
    headers: &HeaderMap,
    method: &str,
    uri: &Uri,
    body: &[u8],
    id: &ProofId,
    action: &str,
    readers: Readers,
) -> Result<(vellum_types::EvidenceRecord, vellum_types::ProofEntry), Response> {
    let now = now_ms();
    let proof = node.proof(id).map_err(|e| bundle_error(&e))?;
    let caller = match caller_with_body(node, headers, method, uri, body) {
        Ok(c) => c,
        Err(e) => {
            // Refused attempts on an existing proof are audited too (anonymous when the caller
            // is not proven; coalesced so they cannot flood the trail).
            if proof.is_some() {
                node.audit(id, None, action, false, now).map_err(|err| bundle_error(&err))?;
            }
            return Err(auth_error(&e));
        }
    };
    let Some((record, entry)) = proof else {
        // Only an auditor learns that a proof does not exist; anyone else gets the same 403
        // as for a proof it may not read.
        if caller.has_role(vellum_types::Role::Auditor) {
            return Err(bundle_error(&BundleError::UnknownProof));
        }
        return Err(auth_error(&AuthError::Forbidden));
    };
    let allowed = caller.id == record.registrant
        || match readers {
            Readers::Registrant => false,
            Readers::Entitled { member } => caller.has_role(vellum_types::Role::Auditor) || node.is_holder(id, member, &caller.id),
        };
    if let Err(e) = node.audit(id, Some(caller.id), action, allowed, now) {
        return Err(bundle_error(&e));
    }
    if !allowed {
        return Err(auth_error(&AuthError::Forbidden));
    }
    Ok((record, entry))
}

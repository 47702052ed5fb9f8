//! Signed requests: who is asking (a signature by one of the account's keys), whether the
//! request is fresh and not a replay, and whether the account may ask at all.

use super::NodeHandle;
use std::collections::{HashMap, VecDeque};
use thiserror::Error;
use vellum_ledger::LedgerState;
use vellum_types::request::REQUEST_FRESHNESS_MS;
use vellum_types::{Account, AccountId, AccountStatus, Signature};

/// Why an authenticated request was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("this endpoint needs a signed request (x-vellum-account, -timestamp, -nonce, -signature headers)")]
    Missing,
    #[error("malformed authentication header: {0}")]
    Malformed(&'static str),
    #[error("request timestamp is more than {} s from the node's clock", REQUEST_FRESHNESS_MS / 1000)]
    Stale,
    #[error("request nonce already used")]
    Replayed,
    #[error("request signature does not verify for the account's keys")]
    BadSignature,
    #[error("unknown account")]
    UnknownAccount,
    #[error("account is {0}")]
    Inactive(&'static str),
    #[error("the account's role does not allow reading this")]
    Forbidden,
    #[error("too many authenticated requests in the last minutes; retry shortly")]
    Busy,
}

impl AuthError {
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::Missing => "unauthenticated",
            AuthError::Malformed(_) => "bad_auth_header",
            AuthError::Stale => "stale_request",
            AuthError::Replayed => "replayed_request",
            AuthError::BadSignature => "bad_request_signature",
            AuthError::UnknownAccount => "unknown_account",
            AuthError::Inactive(_) => "account_not_active",
            AuthError::Forbidden => "forbidden",
            AuthError::Busy => "busy",
        }
    }
}

/// Most request nonces remembered; beyond it, the oldest are forgotten (they are also stale).
pub const REQUEST_NONCES_MAX: usize = 200_000;

/// Request nonces seen within the freshness window (replay protection), under their own lock:
/// authentication never waits on admission.
#[derive(Default)]
pub(crate) struct RequestNonces {
    seen: HashMap<(AccountId, [u8; 16]), u64>,
    order: VecDeque<(u64, AccountId, [u8; 16])>,
}

impl RequestNonces {
    /// Records a fresh request's nonce, refusing a repeat. Forgets nonces that are stale anyway
    /// (a stale request is refused before this) first. A full cache refuses new requests
    /// rather than forgetting a fresh nonce, which would let a flood of requests re-open a
    /// replay window.
    fn record(&mut self, account: AccountId, nonce: [u8; 16], timestamp_ms: u64, now_ms: u64) -> Result<(), AuthError> {
        while let Some((ts, a, n)) = self.order.front().copied() {
            if ts + 2 * REQUEST_FRESHNESS_MS >= now_ms {
                break;
            }
            self.order.pop_front();
            self.seen.remove(&(a, n));
        }
        if self.seen.contains_key(&(account, nonce)) {
            return Err(AuthError::Replayed);
        }
        if self.order.len() >= REQUEST_NONCES_MAX {
            return Err(AuthError::Busy);
        }
        self.seen.insert((account, nonce), timestamp_ms);
        self.order.push_back((timestamp_ms, account, nonce));
        debug_assert_eq!(self.seen.len(), self.order.len(), "every remembered nonce is in the expiry order once");
        Ok(())
    }
}

impl NodeHandle {
    /// Checks a signed request (signature by one of the account's keys, freshness, no replay,
    /// active account) and returns the caller's account.
    pub fn authenticate(
        &self,
        account: &AccountId,
        timestamp_ms: u64,
        nonce: [u8; 16],
        signature: &Signature,
        signed_bytes: &[u8],
        now_ms: u64,
    ) -> Result<Account, AuthError> {
        self.authenticate_with(account, timestamp_ms, nonce, signature, signed_bytes, now_ms, |_, caller| caller)
    }

    /// [`Self::authenticate`] for an event stream: the caller with the rights it authenticated
    /// with (taken from the same finalized state), to re-check while the stream lasts.
    pub fn authenticate_viewer(
        &self,
        account: &AccountId,
        timestamp_ms: u64,
        nonce: [u8; 16],
        signature: &Signature,
        signed_bytes: &[u8],
        now_ms: u64,
    ) -> Result<crate::events::Viewer, AuthError> {
        self.authenticate_with(account, timestamp_ms, nonce, signature, signed_bytes, now_ms, crate::events::Viewer::new)
    }

    /// Authenticates against the finalized state and hands `then` that state and the caller.
    #[allow(clippy::too_many_arguments)]
    fn authenticate_with<T>(
        &self,
        account: &AccountId,
        timestamp_ms: u64,
        nonce: [u8; 16],
        signature: &Signature,
        signed_bytes: &[u8],
        now_ms: u64,
        then: impl FnOnce(&LedgerState, Account) -> T,
    ) -> Result<T, AuthError> {
        if timestamp_ms.abs_diff(now_ms) > REQUEST_FRESHNESS_MS {
            return Err(AuthError::Stale);
        }
        let key = vellum_crypto::verify_signature(signature, signed_bytes).map_err(|_| AuthError::BadSignature)?;
        let state = self.snapshot();
        let caller = state.account(account).ok_or(AuthError::UnknownAccount)?;
        if !state.may_sign_requests(&caller, &key) {
            return Err(AuthError::BadSignature);
        }
        if caller.status != AccountStatus::Active {
            return Err(AuthError::Inactive(caller.status.name()));
        }
        // Forget nonces that are stale anyway (a stale request is refused before this), then
        // refuse a repeat. A full cache refuses new requests rather than forgetting a fresh
        // nonce, which would let a flood of requests re-open a replay window.
        self.request_nonces.lock().expect("request nonce lock poisoned").record(*account, nonce, timestamp_ms, now_ms)?;
        Ok(then(&state, caller))
    }
}

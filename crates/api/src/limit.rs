//! Per-client request rate limit: a token bucket per client IP address. A client over its
//! rate gets `429 rate_limited` with `Retry-After`, before any work is done for it.

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Default sustained requests per second per client address.
pub const API_RATE_PER_SECOND_DEFAULT: u32 = 5_000;
/// Most client addresses tracked; beyond it idle clients are forgotten first, then the one
/// seen longest ago.
const CLIENTS_TRACKED_MAX: usize = 10_000;

/// Tokens left and when they were counted, per client address (`None`: unknown address).
type Buckets = HashMap<Option<IpAddr>, (f64, Instant)>;

#[derive(Clone)]
pub struct RateLimit {
    rate_per_second: f64,
    burst: f64,
    buckets: Arc<Mutex<Buckets>>,
}

impl RateLimit {
    /// `rate_per_second` sustained, bursts of twice that.
    pub fn new(rate_per_second: u32) -> Self {
        let rate = f64::from(rate_per_second.max(1));
        Self { rate_per_second: rate, burst: 2.0 * rate, buckets: Arc::default() }
    }

    /// Takes one token for `client`; `Err(seconds)` until the next token when empty.
    fn take(&self, client: Option<IpAddr>) -> Result<(), f64> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap();
        if buckets.len() >= CLIENTS_TRACKED_MAX && !buckets.contains_key(&client) {
            // Forget the clients whose buckets are full again (idle long enough to be reset).
            let (rate, burst) = (self.rate_per_second, self.burst);
            buckets.retain(|_, (tokens, at)| *tokens + now.duration_since(*at).as_secs_f64() * rate < burst);
            if buckets.len() >= CLIENTS_TRACKED_MAX
                && let Some(oldest) = buckets.iter().min_by_key(|(_, (_, at))| *at).map(|(k, _)| *k)
            {
                buckets.remove(&oldest);
            }
        }
        assert!(buckets.len() <= CLIENTS_TRACKED_MAX, "the client table is bounded");
        let (tokens, at) = buckets.entry(client).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.rate_per_second).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err((1.0 - *tokens) / self.rate_per_second)
        }
    }
}

pub async fn limit(State(limit): State<RateLimit>, request: Request, next: Next) -> Response {
    let client = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    match limit.take(client) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            let mut r = crate::error(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("more than {} requests per second from this client; retry shortly", limit.rate_per_second),
            );
            let secs = wait.ceil().max(1.0) as u64;
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
            r
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_table_stays_bounded_when_every_client_is_busy() {
        let limit = RateLimit::new(1);
        // Each client spends a token, so none is idle enough to be forgotten by the sweep.
        for i in 0..(CLIENTS_TRACKED_MAX as u32 + 50) {
            let ip = IpAddr::from(i.to_be_bytes());
            assert!(limit.take(Some(ip)).is_ok());
        }
        assert_eq!(limit.buckets.lock().unwrap().len(), CLIENTS_TRACKED_MAX);
        // The newest clients are still tracked (and limited): a second request within the
        // burst is allowed, a third is not.
        let last = IpAddr::from((CLIENTS_TRACKED_MAX as u32 + 49).to_be_bytes());
        assert!(limit.take(Some(last)).is_ok());
        assert!(limit.take(Some(last)).is_err());
    }
}

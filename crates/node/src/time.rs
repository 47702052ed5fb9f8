//! The validator's checked clock (X.1407 9.2.3 a): the host clock plus the correction a trusted
//! time check measured. A validator configured to check its clock against Roughtime servers
//! neither proposes nor votes until a check succeeded, nor once its last success is too old.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

/// The correction to the host clock, shared between the consensus application (which reads it
/// for every time decision) and the task that measures it.
#[derive(Clone, Debug)]
pub struct CheckedClock {
    offset_ms: Arc<AtomicI64>,
    usable: Arc<AtomicBool>,
    /// Host time (ms) of the last successful trusted check; 0 before the first.
    last_check_ms: Arc<AtomicI64>,
    /// Whether a trusted time source (Roughtime) keeps this clock checked.
    trusted_source: bool,
}

/// What a node reports about its checked clock (status API, metrics).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockReport {
    pub trusted_source: bool,
    pub usable: bool,
    pub offset_ms: i64,
    /// Host time (ms) of the last successful trusted check, if any.
    pub last_check_ms: Option<i64>,
}

impl CheckedClock {
    /// A clock trusted as is, with a fixed correction (no trusted time source configured, or
    /// a simulation's deliberately skewed clock).
    pub fn fixed(offset_ms: i64) -> Self {
        Self {
            offset_ms: Arc::new(AtomicI64::new(offset_ms)),
            usable: Arc::new(AtomicBool::new(true)),
            last_check_ms: Arc::default(),
            trusted_source: false,
        }
    }

    /// A clock that is unusable until a trusted time check succeeds.
    pub fn unchecked() -> Self {
        Self {
            offset_ms: Arc::new(AtomicI64::new(0)),
            usable: Arc::new(AtomicBool::new(false)),
            last_check_ms: Arc::default(),
            trusted_source: true,
        }
    }

    pub fn report(&self) -> ClockReport {
        let last = self.last_check_ms.load(Ordering::Relaxed);
        ClockReport {
            trusted_source: self.trusted_source,
            usable: self.usable(),
            offset_ms: self.offset_ms(),
            last_check_ms: (last != 0).then_some(last),
        }
    }

    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed)
    }

    /// Whether time decisions may be made: false before the first successful check, and after
    /// the checks kept failing for too long.
    pub fn usable(&self) -> bool {
        self.usable.load(Ordering::Relaxed)
    }

    /// A successful check measured `offset_ms` (trusted time − host time).
    pub fn checked(&self, offset_ms: i64) {
        self.offset_ms.store(offset_ms, Ordering::Relaxed);
        self.last_check_ms.store(host_ms(), Ordering::Relaxed);
        self.usable.store(true, Ordering::Relaxed);
    }

    /// Checks failed for longer than the configured tolerance.
    pub fn lost(&self) {
        self.usable.store(false, Ordering::Relaxed);
    }
}

/// A Roughtime server to check the clock against: its UDP address and long-term Ed25519
/// public key (base64 or hex, as Roughtime servers publish it).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RoughtimeServer {
    pub address: String,
    pub public_key: String,
}

/// How often the clock is checked.
pub const ROUGHTIME_CHECK_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);
/// How long one query may take.
pub const ROUGHTIME_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);
/// After this long without a successful check the clock is no longer trusted.
pub const ROUGHTIME_STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(600);

/// Why a Roughtime check failed.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("roughtime server {0}: unusable address")]
    Address(String),
    #[error("roughtime server {server}: {message}")]
    Query { server: String, message: String },
    #[error("only {answered} of {configured} roughtime servers answered (a majority must); last failure: {last}")]
    TooFewAnswers { answered: usize, configured: usize, last: Box<CheckError> },
}

/// Queries one server; the correction (ms) it implies for the host clock.
fn query(s: &RoughtimeServer) -> Result<i64, CheckError> {
    let addr: std::net::SocketAddr = s.address.parse().map_err(|_| CheckError::Address(s.address.clone()))?;
    let key = roughenough_common::encoding::try_decode_key(&s.public_key)
        .map_err(|e| CheckError::Query { server: s.address.clone(), message: format!("public key: {e:?}") })?;
    let client = roughenough_client::Client::builder(addr).timeout(ROUGHTIME_TIMEOUT).public_key(key).build();
    let before = host_ms();
    let m = client.query().map_err(|e| CheckError::Query { server: s.address.clone(), message: format!("{e:?}") })?;
    let after = host_ms();
    Ok(correction(m.lower_bound(), m.upper_bound(), before, after))
}

/// Queries every server once and returns the correction (ms) to apply to the host clock: for
/// each server, zero when the host clock lies inside the server's signed interval
/// `[MIDP − RADI, MIDP + RADI]` (seconds, widened by the round trip), otherwise the distance to
/// the nearer end; the median over the servers that answered, which must be a majority (so one
/// lying server of three cannot move the clock, and one that is down cannot stop the checks).
/// Roughtime time has one-second resolution, so a correct host clock is kept as is rather than
/// rounded. Each response's signature chain (long-term key → delegated key → signed response,
/// with this request's nonce in its Merkle tree) is verified by `roughenough-client`.
pub fn check_once(servers: &[RoughtimeServer]) -> Result<i64, CheckError> {
    let mut offsets = Vec::with_capacity(servers.len());
    let mut last = None;
    for s in servers {
        match query(s) {
            Ok(offset) => offsets.push(offset),
            Err(e) => {
                tracing::warn!(error = %e, "roughtime server failed");
                last = Some(e);
            }
        }
    }
    if offsets.len() * 2 <= servers.len() {
        let last = last.unwrap_or_else(|| CheckError::Query { server: "-".into(), message: "no servers configured".into() });
        if servers.len() == 1 {
            return Err(last);
        }
        return Err(CheckError::TooFewAnswers { answered: offsets.len(), configured: servers.len(), last: Box::new(last) });
    }
    offsets.sort_unstable();
    Ok(offsets[offsets.len() / 2])
}

/// The correction that puts the host clock (read at `before_ms` and `after_ms` around the
/// exchange) inside a server's interval `[lower_s, upper_s]` (seconds).
pub fn correction(lower_s: u64, upper_s: u64, before_ms: i64, after_ms: i64) -> i64 {
    let rtt = (after_ms - before_ms).max(0);
    let lower = (lower_s as i64).saturating_mul(1000).saturating_sub(rtt);
    let upper = (upper_s as i64).saturating_mul(1000).saturating_add(1000 + rtt);
    let host = before_ms + rtt / 2;
    if host < lower {
        lower - host
    } else if host > upper {
        upper - host
    } else {
        0
    }
}

fn host_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Checks the clock every [`ROUGHTIME_CHECK_INTERVAL`] on a thread of its own (Roughtime is a
/// blocking UDP exchange), updating `clock`; marks it unusable after
/// [`ROUGHTIME_STALE_AFTER`] without success.
pub fn spawn_checks(servers: Vec<RoughtimeServer>, clock: CheckedClock) -> std::thread::JoinHandle<()> {
    std::thread::Builder::new()
        .name("roughtime".into())
        .spawn(move || {
            loop {
                match check_once(&servers) {
                    Ok(offset) => {
                        if !clock.usable() || (offset - clock.offset_ms()).abs() > 100 {
                            tracing::info!(offset_ms = offset, "clock checked against roughtime");
                        }
                        clock.checked(offset);
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "roughtime check failed");
                        let stale = clock.report().last_check_ms.is_none_or(|t| host_ms() - t > ROUGHTIME_STALE_AFTER.as_millis() as i64);
                        if stale && clock.usable() {
                            tracing::error!("no successful roughtime check recently: not proposing or voting");
                            clock.lost();
                        }
                    }
                }
                let checked = clock.report().last_check_ms.is_some();
                std::thread::sleep(if checked { ROUGHTIME_CHECK_INTERVAL } else { std::time::Duration::from_secs(2) });
            }
        })
        .expect("spawn the roughtime thread")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrections_keep_a_good_clock_and_pull_a_bad_one_into_the_interval() {
        // Server: 1000 s ± 1 s; an exchange of 20 ms.
        assert_eq!(correction(999, 1001, 1_000_000, 1_000_020), 0);
        // Host 5 s fast: pulled back to the upper end (1002 s incl. resolution + rtt).
        let host = 1_006_000;
        assert_eq!(correction(999, 1001, host, host + 20), 1_002_020 - (host + 10));
        // Host 5 s slow: pulled up to the lower end.
        let host = 994_000;
        assert_eq!(correction(999, 1001, host, host + 20), 998_980 - (host + 10));
    }

    #[test]
    fn an_unchecked_clock_is_unusable_until_checked_and_after_being_lost() {
        let c = CheckedClock::unchecked();
        assert!(!c.usable());
        c.checked(-40);
        assert!(c.usable());
        assert_eq!(c.offset_ms(), -40);
        c.lost();
        assert!(!c.usable());
        assert!(CheckedClock::fixed(5).usable());
    }
}

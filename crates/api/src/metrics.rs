//! `GET /metrics`: Prometheus text exposition of chain progress, the mempool, finality
//! latency, API errors and refused submissions, monitoring alerts and holds, validator
//! liveness and recorded misbehaviour.

use crate::blocking;
use crate::errors::{ErrorBody, errors_by_code};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use vellum_node::NodeHandle;

#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "metrics",
    tag = "operations",
    summary = "Prometheus metrics",
    responses(
        (status = 200, description = "Prometheus text exposition format 0.0.4", body = String, content_type = "text/plain"),
        (status = 500, description = "`internal`", body = ErrorBody),
    )
)]
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
    let rows = vellum_types::monitoring::ALERT_RULES
        .iter()
        .map(|r| (format!("{{rule=\"{r}\"}}"), alerts.iter().find(|(k, _)| k == r).map_or(0, |(_, v)| *v)))
        .collect();
    metric(&mut out, "vellum_alerts_total", "counter", "Monitoring alerts raised since this process started, by rule.", rows);
    let (streams, fed) = node.event_subscribers();
    metric(&mut out, "vellum_event_streams", "gauge", "Open event streams (GET /v1/events), each holding a subscriber place.", vec![(String::new(), streams as u64)]);
    metric(
        &mut out,
        "vellum_event_subscribers_live",
        "gauge",
        "Event streams still fed finalized blocks (not yet cut off or ended).",
        vec![(String::new(), fed as u64)],
    );
    let (latency, refused) = node.latency_and_refusals();
    metric(
        &mut out,
        "vellum_api_errors_total",
        "counter",
        "API requests answered with an error, by code (auth, access, bad input, rate limit, …).",
        errors_by_code().into_iter().map(|(c, n)| (format!("{{code=\"{c}\"}}"), n)).collect(),
    );
    metric(&mut out, "vellum_submissions_refused_total", "counter", "Submitted transactions refused at admission, by reason.", refused.iter().map(|(c, n)| (format!("{{code=\"{c}\"}}"), *n)).collect());
    metric(
        &mut out,
        "vellum_gossip_dropped_total",
        "counter",
        "Submissions admitted here but not gossiped: the gossip queue was full (they are proposed when this validator leads).",
        vec![(String::new(), node.gossip_dropped_total())],
    );
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

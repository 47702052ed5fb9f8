//! `GET /v1/events`: Server-Sent Events of finalized blocks (what each block did comes from
//! `vellum_node::events`; this module only filters, encodes and paces it).
//!
//! - Anyone: a `block` event per finalized block (height, hash, time, transaction count,
//!   state and log roots, and `finalized_ms`: when this node had it durably committed).
//! - A signed request (the headers and rules of protected reads) adds the caller's own
//!   transactions' outcomes (`tx`: finalized, or rejected by this validator), payments it is
//!   a party to (`payment`), its holds (`hold`: created, posted, voided, timed out), and its
//!   proofs' registrations and status changes (`proof`); compliance and auditors get every
//!   `hold`, with its monitoring alerts.
//! - The caller's rights are re-checked against the newest finalized state before every block
//!   it is sent: if its account's status, roles, sub-ledger, signers or request keys changed,
//!   the stream ends with a final `reauth` event (`reason: access_changed`); a signed stream
//!   also ends so after `vellum_node::events::EVENTS_STREAM_LIFETIME_MAX` (10 minutes;
//!   `reason: expired`). Its id is the last block the client has in full: the client signs a
//!   new request and resumes from there.
//! - Event ids are block heights. A block's own events come first, then its `block` event,
//!   which alone carries `id: <height>`; so `Last-Event-ID: h` (or `?after=h`) means "I have
//!   all of block h", and the stream resumes with block h + 1: replayed from memory, or
//!   rebuilt from storage for older heights. When a resume cannot be served completely (too
//!   far back, or — from storage — kinds of events storage does not keep; see
//!   `vellum_node::events`), the stream starts with one `gap` event: the first height served
//!   in full, and for each missing part its heights, the event kinds and why. Without either,
//!   the stream starts with the next finalized block.
//! - Bounds: subscribers in all, per client address, with places kept for signed callers, and
//!   concurrent rebuilds from storage (`vellum_node::events`); refused with `503 busy` or
//!   `429 too_many_streams`. Storage is read on blocking threads only.
//! - Each connection buffers at most [`EVENTS_CONNECTION_BUFFER_BLOCKS`] blocks. A consumer
//!   that falls further behind (or stalls for [`EVENTS_REPLAY_STALL`] during a replay) gets
//!   the blocks already buffered, then a final `lagged` event whose id is the last block it has
//!   in full, and the stream ends; it reconnects with that `Last-Event-ID`. Consensus never
//!   waits for a subscriber (the node publishes into a bounded ring and moves on).

use crate::{auth_error, error};
use axum::Extension;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use vellum_node::NodeHandle;
use vellum_node::events::{BlockEvents, Event, EventSubscription, Gap, ProofEvent, Reauth, StreamSlot, Subscriber, Viewer, What};
use vellum_types::Registered;

/// Blocks of events buffered per connection; a consumer further behind is cut off (`lagged`).
pub const EVENTS_CONNECTION_BUFFER_BLOCKS: usize = 32;
/// How long a replaying consumer may leave a full buffer untouched before it is cut off.
pub const EVENTS_REPLAY_STALL: Duration = Duration::from_secs(5);
/// A comment line this often keeps idle connections (and proxies) alive.
pub const EVENTS_KEEPALIVE: Duration = Duration::from_secs(15);
/// The SSE header naming the last event a reconnecting client has.
const LAST_EVENT_ID: &str = "last-event-id";

#[derive(Deserialize)]
pub(crate) struct EventsQuery {
    after: Option<u64>,
}

/// What the forwarder hands the connection: events, and the height whose block the last of
/// them completes (`None`: they complete no block, e.g. a `gap`).
type Rendered = (Option<u64>, Vec<SseEvent>);

/// Why the forwarder stopped early; the connection ends with the matching final event.
#[derive(Clone, Copy, Debug)]
enum Cut {
    Lagged,
    Reauth(Reauth),
}

#[utoipa::path(get, path = "/v1/events", tag = "events", summary = "Server-Sent Events: finalized blocks for everyone; with a signed request also the caller's transactions, payments, holds and proofs (compliance and auditors: every hold), its rights re-checked at every block. Ids are heights; resumable with Last-Event-ID (a `gap` event first says what a resume cannot serve)", params(("after" = Option<u64>, Query, description = "Resume after this height (as Last-Event-ID)"), ("Last-Event-ID" = Option<u64>, Header, description = "The last block the client has in full: the stream resumes after it")), responses((status = 200, description = "an event stream: `gap` (first, when a resume cannot be served completely), `block`, `tx`, `payment`, `hold`, `proof`; a final `lagged` if the client fell behind, or `reauth` when a signed stream must be signed again (rights changed, or older than 10 minutes)", content_type = "text/event-stream"), (status = 400, description = "error with a stable code", body = crate::ErrorBody), (status = 401, description = "error with a stable code", body = crate::ErrorBody), (status = 429, description = "`too_many_streams`: this client address has the most streams open already; or `rate_limited`", body = crate::ErrorBody), (status = 503, description = "`busy` (subscribers, the places left for signed callers, or rebuilds from storage), `not_ready`", body = crate::ErrorBody)), security((), ("signed_request" = [])))]
pub(crate) async fn events(
    State(node): State<NodeHandle>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    query: Result<Query<EventsQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let Ok(Query(query)) = query else {
        return error(StatusCode::BAD_REQUEST, "bad_query", "after must be a non-negative integer (a block height)");
    };
    let after = match headers.get(LAST_EVENT_ID) {
        Some(v) => match v.to_str().ok().and_then(|t| t.trim().parse::<u64>().ok()) {
            Some(h) => Some(h),
            None => return error(StatusCode::BAD_REQUEST, "bad_last_event_id", "Last-Event-ID must be a block height"),
        },
        None => query.after,
    };
    use vellum_types::request::{HEADER_ACCOUNT, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP};
    let signed = [HEADER_ACCOUNT, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE].iter().any(|h| headers.contains_key(*h));
    let viewer = if signed {
        // A half-signed request is refused rather than served as anonymous.
        let n = node.clone();
        match tokio::task::spawn_blocking(move || crate::auth::stream_viewer(&n, &headers, &uri)).await {
            Ok(Ok(viewer)) => Some(viewer),
            Ok(Err(e)) => return auth_error(&e),
            Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()),
        }
    } else {
        None
    };
    let who = Subscriber { ip: connect.map(|Extension(ConnectInfo(addr))| addr.ip()), signed: viewer.is_some() };
    let subscription = match node.subscribe_events(after, who) {
        Ok(s) => s,
        Err(e) if e.is_per_client() => {
            let mut r = error(StatusCode::TOO_MANY_REQUESTS, e.code(), e.to_string());
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(1));
            return r;
        }
        Err(e) => return error(StatusCode::SERVICE_UNAVAILABLE, e.code(), e.to_string()),
    };
    // What "resume after" would reproduce this stream from: the given height, or the tip it
    // started at.
    let start = after.unwrap_or(subscription.tip);
    let (tx, rx) = mpsc::channel(EVENTS_CONNECTION_BUFFER_BLOCKS);
    let cut = Arc::new(OnceLock::new());
    // The place is held until both the forwarder and the connection are gone (a cut-off
    // reader that never reads still holds its connection, and so its place).
    let slot = subscription.slot.clone();
    tokio::spawn(forward(node, viewer, subscription, start, tx, cut.clone()));
    let state = Stream { rx, pending: VecDeque::new(), cut, last: start, done: false, _slot: slot };
    Sse::new(futures::stream::unfold(state, next_event)).keep_alive(KeepAlive::new().interval(EVENTS_KEEPALIVE)).into_response()
}

/// The connection's side: what the forwarder buffered, and the last block delivered in full.
struct Stream {
    rx: mpsc::Receiver<Rendered>,
    pending: VecDeque<(SseEvent, Option<u64>)>,
    cut: Arc<OnceLock<Cut>>,
    last: u64,
    done: bool,
    _slot: Arc<StreamSlot>,
}

async fn next_event(mut s: Stream) -> Option<(Result<SseEvent, Infallible>, Stream)> {
    loop {
        if let Some((event, completes)) = s.pending.pop_front() {
            if let Some(h) = completes {
                s.last = h;
            }
            return Some((Ok(event), s));
        }
        if s.done {
            return None;
        }
        match s.rx.recv().await {
            Some((completes, events)) => {
                let n = events.len();
                s.pending.extend(events.into_iter().enumerate().map(|(i, e)| (e, completes.filter(|_| i + 1 == n))));
            }
            None => {
                // The forwarder is gone: it cut this consumer off, or the node is stopping.
                s.done = true;
                let (name, data) = match s.cut.get() {
                    None => return None,
                    Some(Cut::Lagged) => (
                        "lagged",
                        json!({
                            "last_height": s.last,
                            "message": "this connection fell too far behind and is closed; reconnect with Last-Event-ID to resume",
                        }),
                    ),
                    Some(Cut::Reauth(why)) => (
                        "reauth",
                        json!({
                            "last_height": s.last,
                            "reason": why.name(),
                            "message": match why {
                                Reauth::Expired => "this signed stream reached its longest lifetime; sign a new request and resume with Last-Event-ID",
                                Reauth::AccessChanged => "the account's status, roles or keys changed since this stream was signed; sign a new request and resume with Last-Event-ID",
                            },
                        }),
                    ),
                };
                let event = SseEvent::default().event(name).id(s.last.to_string()).data(data.to_string());
                return Some((Ok(event), s));
            }
        }
    }
}

/// Moves this connection's blocks from storage, memory and then the live ring into its
/// bounded buffer, re-checking a signed caller's rights before each. Ends (dropping its live
/// receiver at once) when the consumer leaves, lags or must authenticate again.
async fn forward(
    node: NodeHandle,
    mut viewer: Option<Viewer>,
    subscription: EventSubscription,
    start: u64,
    out: mpsc::Sender<Rendered>,
    cut: Arc<OnceLock<Cut>>,
) {
    let EventSubscription { stored, stored_permit, skipped, recent, mut live, slot: _slot, .. } = subscription;
    // Blocks up to here are the consumer's already (or on their way to it).
    let mut last = start;
    let mut gaps: Vec<Gap> = skipped.into_iter().collect();
    let mut replay = None;
    if let Some(range) = stored {
        let (n, v) = (node.clone(), viewer.as_ref().map(|v| v.account.clone()));
        match tokio::task::spawn_blocking(move || n.stored_replay(range, v.as_ref())).await {
            Ok(Ok(r)) => {
                gaps.extend(r.gaps().iter().cloned());
                replay = Some(r);
            }
            Ok(Err(e)) => return tracing::warn!(error = %e, "cannot rebuild events from storage"),
            Err(e) => return tracing::warn!(error = %e, "event replay task failed"),
        }
    }
    if !gaps.is_empty() && !send_replayed(&out, (None, vec![gap_event(start, &gaps)]), &cut).await {
        return;
    }
    if let Some(mut replay) = replay {
        loop {
            let n = node.clone();
            let (back, chunk) = match tokio::task::spawn_blocking(move || {
                let chunk = replay.next_chunk(&n);
                (replay, chunk)
            })
            .await
            {
                Ok(r) => r,
                Err(e) => return tracing::warn!(error = %e, "event replay task failed"),
            };
            replay = back;
            let chunk = match chunk {
                Ok(Some(c)) => c,
                Ok(None) => break,
                Err(e) => return tracing::warn!(error = %e, "cannot rebuild events from storage"),
            };
            for batch in &chunk {
                if !allowed(&node, &mut viewer, &cut) || !send_replayed(&out, render(batch, viewer.as_ref()), &cut).await {
                    return;
                }
                last = batch.height;
            }
        }
    }
    // The rebuild is over: another resume may use its permit.
    drop(stored_permit);
    for batch in &recent {
        if !allowed(&node, &mut viewer, &cut) || !send_replayed(&out, render(batch, viewer.as_ref()), &cut).await {
            return;
        }
        last = batch.height;
    }
    drop(recent);
    // A signed stream ends at the latest when its lifetime is over, blocks or not.
    let expires = viewer.as_ref().map(|v| tokio::time::Instant::from_std(v.expires_at()));
    let expired = async move {
        match expires {
            Some(at) => tokio::time::sleep_until(at).await,
            None => std::future::pending::<()>().await,
        }
    };
    tokio::pin!(expired);
    loop {
        tokio::select! {
            received = live.recv() => match received {
                Ok(batch) if batch.height <= last => {}
                Ok(batch) => {
                    if !allowed(&node, &mut viewer, &cut) {
                        return;
                    }
                    match out.try_send(render(&batch, viewer.as_ref())) {
                        Ok(()) => last = batch.height,
                        // The consumer let its buffer fill: cut off (it resumes from its last block).
                        Err(mpsc::error::TrySendError::Full(_)) => return cut_off(&cut, Cut::Lagged),
                        Err(mpsc::error::TrySendError::Closed(_)) => return,
                    }
                }
                // The ring overtook this receiver: blocks were lost to it, cut off.
                Err(broadcast::error::RecvError::Lagged(_)) => return cut_off(&cut, Cut::Lagged),
                Err(broadcast::error::RecvError::Closed) => return,
            },
            _ = &mut expired => return cut_off(&cut, Cut::Reauth(Reauth::Expired)),
            _ = out.closed() => return,
        }
    }
}

fn cut_off(cut: &OnceLock<Cut>, why: Cut) {
    let _ = cut.set(why);
}

/// Whether the next block may be sent: always to an anonymous caller; to a signed one while
/// its rights are those it authenticated with and its stream is not too old.
fn allowed(node: &NodeHandle, viewer: &mut Option<Viewer>, cut: &OnceLock<Cut>) -> bool {
    let Some(v) = viewer else { return true };
    match node.recheck_viewer(v) {
        Ok(()) => true,
        Err(why) => {
            cut_off(cut, Cut::Reauth(why));
            false
        }
    }
}

/// Replayed blocks wait for room (the consumer reads at its pace), but not forever.
async fn send_replayed(out: &mpsc::Sender<Rendered>, item: Rendered, cut: &OnceLock<Cut>) -> bool {
    match tokio::time::timeout(EVENTS_REPLAY_STALL, out.send(item)).await {
        Ok(Ok(())) => true,
        Ok(Err(_)) => false,
        Err(_) => {
            cut_off(cut, Cut::Lagged);
            false
        }
    }
}

/// The `gap` event: what a resume after `after` cannot serve, and the first height served in
/// full. It carries no id (it completes no block).
fn gap_event(after: u64, gaps: &[Gap]) -> SseEvent {
    let first_complete = gaps.iter().map(|g| g.to + 1).max().unwrap_or(after + 1);
    let missing: Vec<Value> = gaps.iter().map(|g| json!({ "from": g.from, "to": g.to, "kinds": g.kinds, "reason": g.reason })).collect();
    let data = json!({
        "after": after,
        "first_complete_height": first_complete,
        "missing": missing,
        "message": "this resume cannot be served completely: before first_complete_height, the listed kinds of events may be missing",
    });
    SseEvent::default().event("gap").data(data.to_string())
}

fn render(batch: &BlockEvents, viewer: Option<&Viewer>) -> Rendered {
    let account = viewer.map(|v| &v.account);
    let mut out: Vec<SseEvent> = batch
        .visible_to(account)
        .map(|e| {
            let (name, data) = event_json(batch.height, e);
            SseEvent::default().event(name).data(data.to_string())
        })
        .collect();
    out.push(SseEvent::default().event("block").id(batch.height.to_string()).data(block_json(batch).to_string()));
    (Some(batch.height), out)
}

pub(crate) fn block_json(b: &BlockEvents) -> Value {
    json!({
        "height": b.height,
        "hash": hex::encode(b.hash),
        "time_ms": b.time_ms,
        "txs": b.tx_count,
        "state_root": hex::encode(b.state_root),
        "log_root": hex::encode(b.log_root),
        "finalized_ms": b.finalized_ms,
    })
}

/// The SSE event name and JSON data of one event of the block at `height`.
pub(crate) fn event_json(height: u64, e: &Event) -> (&'static str, Value) {
    match &e.what {
        What::Finalized { tx_id, sender, kind, index, log_index } => (
            "tx",
            json!({ "tx_hash": tx_id, "status": "finalized", "height": height, "index": index, "log_index": log_index, "kind": kind, "sender": sender, "code": null }),
        ),
        What::Rejected { tx_id, sender, code, message } => (
            "tx",
            json!({ "tx_hash": tx_id, "status": "rejected", "height": null, "index": null, "code": code, "message": message, "sender": sender }),
        ),
        What::Payment { tx_id, kind, record, log_index } => {
            ("payment", json!({ "tx_hash": tx_id, "kind": kind, "height": height, "log_index": log_index, "record": record }))
        }
        What::Hold { change, hold } => ("hold", json!({ "change": change.name(), "height": height, "hold": hold })),
        What::Proof { proof_id, tx_id, registrant, change } => {
            let mut v = json!({ "proof_id": proof_id, "change": change.name(), "height": height, "tx_hash": tx_id, "registrant": registrant });
            match change {
                ProofEvent::Registered { registered, schema } => {
                    v["registered"] = match registered {
                        Registered::Single { digest } => json!({ "digest": hex::encode(digest) }),
                        Registered::Batch { root, count } => json!({ "root": hex::encode(root), "count": count }),
                    };
                    v["schema"] = json!(schema);
                }
                ProofEvent::Revoked { member, reason } | ProofEvent::Suspended { member, reason } => {
                    v["member"] = json!(member);
                    v["reason"] = json!(reason);
                }
                ProofEvent::Reinstated { member } => {
                    v["member"] = json!(member);
                }
                ProofEvent::Superseded { member, by } => {
                    v["member"] = json!(member);
                    v["by"] = json!(by);
                }
            }
            ("proof", v)
        }
    }
}

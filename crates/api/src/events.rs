//! `GET /v1/events`: Server-Sent Events of finalized blocks (what each block did comes from
//! `vellum_node::events`; this module only filters, encodes and paces it).
//!
//! - Anyone: a `block` event per finalized block (height, hash, time, transaction count,
//!   state and log roots, and `finalized_ms`: when this node had it durably committed).
//! - A signed request (the headers and rules of protected reads) adds the caller's own
//!   transactions' outcomes (`tx`: finalized, or rejected by this validator), payments it is
//!   a party to (`payment`), its holds (`hold`: created, posted, voided, timed out), and its
//!   proofs' registrations and status changes (`proof`); compliance and auditors get every
//!   `hold`, with its monitoring alerts. The caller's roles are those it had when it connected.
//! - Event ids are block heights. A block's own events come first, then its `block` event,
//!   which alone carries `id: <height>`; so `Last-Event-ID: h` (or `?after=h`) means "I have
//!   all of block h", and the stream resumes with block h + 1: replayed from memory, or
//!   rebuilt from storage for older heights (see `vellum_node::events` for what is rebuilt).
//!   Without either, the stream starts with the next finalized block.
//! - Each connection buffers at most [`EVENTS_CONNECTION_BUFFER_BLOCKS`] blocks. A consumer
//!   that falls further behind (or stalls for [`EVENTS_REPLAY_STALL`] during a replay) gets
//!   the blocks already buffered, then a final `lagged` event whose id is the last block it has
//!   in full, and the stream ends; it reconnects with that `Last-Event-ID`. Consensus never
//!   waits for a subscriber (the node publishes into a bounded ring and moves on).

use crate::{auth_error, caller, error};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use vellum_node::NodeHandle;
use vellum_node::events::{BlockEvents, Event, EventSubscription, ProofEvent, What};
use vellum_types::{Account, Registered};

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

/// One block's events for this connection, the `block` event last.
type Rendered = (u64, Vec<SseEvent>);

#[utoipa::path(get, path = "/v1/events", tag = "events", summary = "Server-Sent Events: finalized blocks for everyone; with a signed request also the caller's transactions, payments, holds and proofs (compliance and auditors: every hold). Ids are heights; resumable with Last-Event-ID", params(("after" = Option<u64>, Query, description = "Resume after this height (as Last-Event-ID)"), ("Last-Event-ID" = Option<u64>, Header, description = "The last block the client has in full: the stream resumes after it")), responses((status = 200, description = "an event stream: `block`, `tx`, `payment`, `hold`, `proof`, and a final `lagged` if the client fell behind", content_type = "text/event-stream"), (status = 400, description = "error with a stable code", body = crate::ErrorBody), (status = 401, description = "error with a stable code", body = crate::ErrorBody), (status = 503, description = "error with a stable code", body = crate::ErrorBody)), security((), ("signed_request" = [])))]
pub(crate) async fn events(
    State(node): State<NodeHandle>,
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
        match tokio::task::spawn_blocking(move || caller(&n, &headers, "GET", &uri)).await {
            Ok(Ok(account)) => Some(account),
            Ok(Err(e)) => return auth_error(&e),
            Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()),
        }
    } else {
        None
    };
    let subscription = match node.subscribe_events(after) {
        Ok(s) => s,
        Err(e) => return error(StatusCode::SERVICE_UNAVAILABLE, e.code(), e.to_string()),
    };
    // What "resume after" would reproduce this stream from: the given height, or the tip it
    // started at.
    let start = after.unwrap_or(subscription.tip);
    let (tx, rx) = mpsc::channel(EVENTS_CONNECTION_BUFFER_BLOCKS);
    let lagged = Arc::new(AtomicBool::new(false));
    tokio::spawn(forward(node, viewer, subscription, start, tx, lagged.clone()));
    let state = Stream { rx, pending: VecDeque::new(), lagged, last: start, done: false };
    Sse::new(futures::stream::unfold(state, next_event)).keep_alive(KeepAlive::new().interval(EVENTS_KEEPALIVE)).into_response()
}

/// The connection's side: what the forwarder buffered, and the last block delivered in full.
struct Stream {
    rx: mpsc::Receiver<Rendered>,
    pending: VecDeque<(SseEvent, Option<u64>)>,
    lagged: Arc<AtomicBool>,
    last: u64,
    done: bool,
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
            Some((height, events)) => {
                let n = events.len();
                s.pending.extend(events.into_iter().enumerate().map(|(i, e)| (e, (i + 1 == n).then_some(height))));
            }
            None => {
                // The forwarder is gone: it cut this consumer off, or the node is stopping.
                s.done = true;
                if !s.lagged.load(Ordering::Acquire) {
                    return None;
                }
                let data = json!({
                    "last_height": s.last,
                    "message": "this connection fell too far behind and is closed; reconnect with Last-Event-ID to resume",
                });
                let event = SseEvent::default().event("lagged").id(s.last.to_string()).data(data.to_string());
                return Some((Ok(event), s));
            }
        }
    }
}

/// Moves this connection's blocks from storage, memory and then the live ring into its
/// bounded buffer. Ends (dropping its live receiver at once) when the consumer leaves or lags.
async fn forward(
    node: NodeHandle,
    viewer: Option<Account>,
    subscription: EventSubscription,
    start: u64,
    out: mpsc::Sender<Rendered>,
    lagged: Arc<AtomicBool>,
) {
    let EventSubscription { stored, recent, mut live, .. } = subscription;
    // Blocks up to here are the consumer's already.
    let mut last = start;
    if let Some(range) = stored {
        let (n, v) = (node.clone(), viewer.clone());
        let mut replay = match tokio::task::spawn_blocking(move || n.stored_replay(range, v.as_ref())).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => return tracing::warn!(error = %e, "cannot rebuild events from storage"),
            Err(e) => return tracing::warn!(error = %e, "event replay task failed"),
        };
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
                if !send_replayed(&out, render(batch, viewer.as_ref()), &lagged).await {
                    return;
                }
                last = batch.height;
            }
        }
    }
    for batch in &recent {
        if !send_replayed(&out, render(batch, viewer.as_ref()), &lagged).await {
            return;
        }
        last = batch.height;
    }
    drop(recent);
    loop {
        tokio::select! {
            received = live.recv() => match received {
                Ok(batch) if batch.height <= last => {}
                Ok(batch) => match out.try_send(render(&batch, viewer.as_ref())) {
                    Ok(()) => last = batch.height,
                    Err(mpsc::error::TrySendError::Full(_)) => return lagged.store(true, Ordering::Release),
                    Err(mpsc::error::TrySendError::Closed(_)) => return,
                },
                Err(broadcast::error::RecvError::Lagged(_)) => return lagged.store(true, Ordering::Release),
                Err(broadcast::error::RecvError::Closed) => return,
            },
            _ = out.closed() => return,
        }
    }
}

/// Replayed blocks wait for room (the consumer reads at its pace), but not forever.
async fn send_replayed(out: &mpsc::Sender<Rendered>, item: Rendered, lagged: &AtomicBool) -> bool {
    match tokio::time::timeout(EVENTS_REPLAY_STALL, out.send(item)).await {
        Ok(Ok(())) => true,
        Ok(Err(_)) => false,
        Err(_) => {
            lagged.store(true, Ordering::Release);
            false
        }
    }
}

fn render(batch: &BlockEvents, viewer: Option<&Account>) -> Rendered {
    let mut out: Vec<SseEvent> = batch
        .visible_to(viewer)
        .map(|e| {
            let (name, data) = event_json(batch.height, e);
            SseEvent::default().event(name).data(data.to_string())
        })
        .collect();
    out.push(SseEvent::default().event("block").id(batch.height.to_string()).data(block_json(batch).to_string()));
    (batch.height, out)
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
                ProofEvent::Revoked { member, reason } => {
                    v["member"] = json!(member);
                    v["reason"] = json!(reason);
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

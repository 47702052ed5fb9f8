//! Push events (`GET /v1/events`, `vellum watch`) on a real 4-validator devnet:
//!
//! 1. a payer subscribed with its key sees its payment's outcome, and its held transfer's
//!    hold, within 1 s of finality (as the node stamps it); compliance sees the hold but not
//!    the payer's other payments; an anonymous subscriber sees blocks only;
//! 2. a subscriber resuming from a height replays exactly what it missed — from the node's
//!    memory (no `gap`), and from storage on a validator restarted since (identical events,
//!    after a `gap` event naming what storage does not keep);
//! 3. a signed subscriber whose account is frozen gets a final `reauth` event at the next
//!    block, and `vellum watch`, signing again, is refused and stops;
//! 4. stalled subscribers (connected, never reading, small socket buffers) are cut off with a
//!    final `lagged` event — one resuming from height 0 (the replay path) and one connected
//!    live (the live path: its buffer fills long before the broadcast ring could overtake
//!    it) — while blocks keep finalizing at their usual pace and the other subscribers keep
//!    up.
//!
//! It also measures event delivery latency (the node's commit of a block → `vellum watch`
//! printing its event), reported on stderr (run with `--nocapture`).

mod common;

use common::*;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A `vellum --json watch` process and the events it printed so far.
struct Watch {
    child: Child,
    events: Arc<Mutex<Vec<Value>>>,
}

impl Watch {
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(BIN)
            .args(["--json", "watch"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let events = Arc::new(Mutex::new(Vec::new()));
        let out = child.stdout.take().unwrap();
        let sink = events.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    sink.lock().unwrap().push(v);
                }
            }
        });
        Watch { child, events }
    }

    fn snapshot(&self) -> Vec<Value> {
        self.events.lock().unwrap().clone()
    }

    /// The process's exit status, waiting up to `secs`.
    fn exit_status(&mut self, secs: u64) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "`vellum watch` still running after {secs} s");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The first event matching `pred`, waiting up to 60 s.
    fn wait_for(&self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(e) = self.snapshot().into_iter().find(|e| pred(e)) {
                return e;
            }
            assert!(Instant::now() < deadline, "{what}: not seen within 60 s; got {:?}", self.snapshot().iter().rev().take(5).collect::<Vec<_>>());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn block(&self, height: u64) -> Value {
        self.wait_for(&format!("block {height}"), |e| e["event"] == "block" && e["data"]["height"] == height)
    }

    /// Time (ms) from the node's commit of the event's block to this watcher printing it.
    fn latency_ms(&self, event: &Value) -> i64 {
        let block = self.block(event["data"]["height"].as_u64().expect("event with a height"));
        event["received_ms"].as_i64().unwrap() - block["data"]["finalized_ms"].as_i64().expect("a live block has finalized_ms")
    }

    /// The events of blocks `from..=to` (each event's JSON data without the node-local commit
    /// time), in order; asserts every block is there once.
    fn view(&self, from: u64, to: u64) -> Vec<(String, Value)> {
        self.block(to);
        let mut out = Vec::new();
        let mut blocks = Vec::new();
        for e in self.snapshot() {
            // (`lagged` has no height, nor does a rejection: neither is part of a block.)
            let Some(height) = e["data"]["height"].as_u64().filter(|_| e["event"] != "lagged") else { continue };
            if height < from || height > to {
                continue;
            }
            let mut data = e["data"].clone();
            if e["event"] == "block" {
                blocks.push(height);
                data.as_object_mut().unwrap().remove("finalized_ms");
            }
            out.push((e["event"].as_str().unwrap().to_string(), data));
        }
        assert_eq!(blocks, (from..=to).collect::<Vec<_>>(), "every block once, in order");
        out
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// A TCP connection with tiny socket buffers (so a reader that never reads fills them after
/// some kilobytes rather than megabytes), with `request` sent.
fn stalled_connection(api: &str, request: &str) -> std::net::TcpStream {
    use std::os::fd::FromRawFd;
    let addr: std::net::SocketAddrV4 = api.trim_start_matches("http://").parse().unwrap();
    let set = |fd: i32, level: i32, option: i32, value: libc::c_int| {
        let size = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        assert_eq!(unsafe { libc::setsockopt(fd, level, option, (&value as *const libc::c_int).cast(), size) }, 0);
    };
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0) };
    assert!(fd >= 0);
    set(fd, libc::SOL_SOCKET, libc::SO_RCVBUF, 2048);
    set(fd, libc::IPPROTO_TCP, libc::TCP_MAXSEG, 536);
    let sin = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: addr.port().to_be(),
        sin_addr: libc::in_addr { s_addr: u32::from(*addr.ip()).to_be() },
        sin_zero: [0; 8],
    };
    let size = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    assert_eq!(unsafe { libc::connect(fd, (&sin as *const libc::sockaddr_in).cast(), size) }, 0);
    let mut stream = unsafe { std::net::TcpStream::from_raw_fd(fd) };
    stream.write_all(request.as_bytes()).unwrap();
    stream
}

/// The `(event, id)` pairs of a raw SSE response.
/// Reads a stalled stream the node has cut off: its block ids (only blocks before the end) and
/// the final event, which must be `lagged`.
fn read_cut_off(stream: &mut std::net::TcpStream, which: &str) -> (Vec<u64>, (String, Option<u64>)) {
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut raw = Vec::new();
    let read = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw);
    assert!(read.is_ok(), "the node closes the stalled {which} stream ({read:?}); got {} bytes ending {:?}", raw.len(), &text[text.len().saturating_sub(300)..]);
    let mut events = sse_events(&text);
    let last = events.pop().expect("some events");
    assert_eq!(last.0, "lagged", "the final event of the {which} stream: {:?}", &events[events.len().saturating_sub(2)..]);
    let ids = events
        .into_iter()
        .map(|(e, id)| {
            assert_eq!(e, "block");
            id.unwrap()
        })
        .collect();
    (ids, last)
}

fn sse_events(text: &str) -> Vec<(String, Option<u64>)> {
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let mut out = Vec::new();
    let (mut name, mut id) = (None, None);
    for line in body.lines() {
        if let Some(n) = line.strip_prefix("event: ") {
            name = Some(n.to_string());
        } else if let Some(i) = line.strip_prefix("id: ") {
            id = i.trim().parse().ok();
        } else if line.starts_with("data: ") {
            // (chunk-size lines of the chunked encoding are neither)
        } else if line.trim().is_empty()
            && let Some(n) = name.take()
        {
            out.push((n, id.take()));
        }
    }
    out
}

#[test]
fn events_deliver_outcomes_resume_and_cut_off_a_stalled_reader() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let (mut net, apis) = devnet_up(&dir);
    let c = dir.join("client.toml");
    let c = c.to_str().unwrap();
    let keys = dir.join("keys");
    for who in ["buyer", "seller"] {
        let k = json(&["key", "new", "--plain", "--insecure-plain-keys", "--out", keys.join(format!("{who}.key")).to_str().unwrap()]);
        let id_file = tmp.path().join(format!("{who}-id.txt"));
        std::fs::write(&id_file, format!("{who}: passport checked")).unwrap();
        json(&["account", "open", "--client", c, "--public-key", k["public_key"].as_str().unwrap(), "--identity-file", id_file.to_str().unwrap(), "--label", who]);
    }
    json(&["token", "create", "--client", c, "--symbol", "EUR", "--decimals", "2"]);
    json(&["token", "mint", "--client", c, "--token", "EUR", "--to", "buyer", "--amount", "1000.00"]);
    json(&["monitor", "--client", c, "--token", "EUR", "--large", "500.00", "--hold-timeout-secs", "3600"]);

    // ---- 1. Outcomes and holds within 1 s of finality.
    let buyer = Watch::start(&["--client", c, "--api", &apis[0], "--key", "buyer"]);
    let compliance = Watch::start(&["--client", c, "--api", &apis[0], "--key", "compliance"]);
    let anonymous = Watch::start(&["--client", c, "--api", &apis[0]]);
    let h0 = buyer.wait_for("buyer connected", |e| e["event"] == "block")["data"]["height"].as_u64().unwrap();
    compliance.wait_for("compliance connected", |e| e["event"] == "block");
    anonymous.wait_for("anonymous connected", |e| e["event"] == "block");

    let paid = json(&["pay", "--client", c, "--key", "buyer", "--token", "EUR", "--to", "seller=10.00"]);
    let paid_hash = paid["tx"]["tx_hash"].as_str().unwrap().to_string();
    let held = json(&["pay", "--client", c, "--key", "buyer", "--token", "EUR", "--to", "seller=600.00"]);
    let held_hash = held["tx"]["tx_hash"].as_str().unwrap().to_string();
    let hold_id = held["payment"]["record"]["outcome"]["hold"].as_u64().expect("the large transfer is held");

    let is = |event: &'static str, hash: &str| {
        let hash = hash.to_string();
        move |e: &Value| e["event"] == event && e["data"]["tx_hash"] == hash.as_str()
    };
    let mut outcome_latencies = Vec::new();
    let paid_tx = buyer.wait_for("the payment's outcome", is("tx", &paid_hash));
    assert_eq!((paid_tx["data"]["status"].as_str(), paid_tx["data"]["kind"].as_str()), (Some("finalized"), Some("transfer")), "{paid_tx}");
    let paid_payment = buyer.wait_for("the payment's record", is("payment", &paid_hash));
    assert_eq!(paid_payment["data"]["record"]["outcome"]["outcome"], "settled", "{paid_payment}");
    let held_payment = buyer.wait_for("the held payment's record", is("payment", &held_hash));
    assert_eq!(held_payment["data"]["record"]["outcome"]["outcome"], "held", "{held_payment}");
    let hold_created = |e: &Value| e["event"] == "hold" && e["data"]["hold"]["id"] == hold_id && e["data"]["change"] == "created";
    let buyer_hold = buyer.wait_for("the buyer's hold", hold_created);
    assert_eq!(buyer_hold["data"]["hold"]["alerts"][0]["rule"], "large_transfer", "{buyer_hold}");
    let compliance_hold = compliance.wait_for("the hold, for compliance", hold_created);
    for (who, watch, event) in [
        ("buyer", &buyer, &paid_tx),
        ("buyer", &buyer, &paid_payment),
        ("buyer", &buyer, &held_payment),
        ("buyer", &buyer, &buyer_hold),
        ("compliance", &compliance, &compliance_hold),
    ] {
        let ms = watch.latency_ms(event);
        assert!((0..1_000).contains(&ms), "{who} got {} {} ms after finality: {event}", event["event"], ms);
        outcome_latencies.push(ms);
    }
    // Compliance sees holds, not the buyer's other payments; anonymous subscribers see blocks.
    compliance.block(paid_payment["data"]["height"].as_u64().unwrap());
    assert!(!compliance.snapshot().iter().any(|e| e["data"]["tx_hash"] == paid_hash.as_str()), "compliance is no party to the settled payment");
    anonymous.block(buyer_hold["data"]["height"].as_u64().unwrap());
    assert!(anonymous.snapshot().iter().all(|e| e["event"] == "block"));

    // Compliance releases the hold: both see it posted.
    json(&["hold", "release", "--client", c, &hold_id.to_string(), "--reason", "invoice checked"]);
    let posted = |e: &Value| e["event"] == "hold" && e["data"]["hold"]["id"] == hold_id && e["data"]["change"] == "posted";
    let h1 = buyer.wait_for("the hold posted", posted)["data"]["height"].as_u64().unwrap();
    compliance.wait_for("the hold posted, for compliance", posted);
    let live_view = buyer.view(h0 + 1, h1);
    let kinds: Vec<&str> = live_view.iter().filter(|(e, _)| e != "block").map(|(e, _)| e.as_str()).collect();
    assert_eq!(kinds, ["tx", "payment", "tx", "payment", "hold", "payment", "hold"], "what the buyer saw live");

    // ---- 2. Resume from a height: what was missed is replayed, identically.
    let resumed = Watch::start(&["--client", c, "--api", &apis[0], "--key", "buyer", "--after", &h0.to_string()]);
    let replayed = resumed.view(h0 + 1, h1);
    assert_eq!(replayed, live_view, "resumed from memory after height {h0}");
    assert!(resumed.snapshot().iter().all(|e| e["event"] != "gap"), "memory replays everything: no gap");
    // Another validator restarted since has no history in memory: it rebuilds from storage.
    wait_height(&apis[3], h1 + 2, 60, "v3 has the blocks");
    let pids: Vec<i32> = std::fs::read_to_string(dir.join("devnet.pids")).unwrap().split_whitespace().map(|p| p.parse().unwrap()).collect();
    unsafe { libc::kill(pids[3], libc::SIGKILL) };
    std::thread::sleep(Duration::from_millis(300));
    let vdir = dir.join("v3");
    let log = std::fs::OpenOptions::new().create(true).append(true).open(vdir.join("node.log")).unwrap();
    net.extra.push(Command::new(BIN).arg("node").arg("--insecure-plain-keys").arg("--config").arg(vdir.join("node.toml")).stdout(log.try_clone().unwrap()).stderr(log).spawn().unwrap());
    let restarted_at = wait_height(&apis[3], h1 + 5, 120, "v3 restarted");
    let from_storage = Watch::start(&["--client", c, "--api", &apis[3], "--key", "buyer", "--after", &h0.to_string()]);
    assert_eq!(from_storage.view(h0 + 1, h1), live_view, "resumed from storage after height {h0} (v3 restarted at {restarted_at})");
    // What storage does not keep is named first, before any block: the heights rebuilt lack
    // other transactions' outcomes and proof events (the buyer had none: the view above is
    // complete, but the node cannot know that).
    let first = from_storage.snapshot().into_iter().next().unwrap();
    assert_eq!(first["event"], "gap", "{first}");
    let gap = &first["data"];
    assert_eq!(gap["after"], h0, "{gap}");
    assert!(gap["first_complete_height"].as_u64().unwrap() > h1, "{gap}");
    assert_eq!((&gap["missing"][0]["from"], &gap["missing"][0]["kinds"]), (&Value::from(h0 + 1), &serde_json::json!(["tx", "proof"])), "{gap}");
    assert!(
        from_storage.snapshot().iter().filter(|e| e["event"] == "block" && e["data"]["height"].as_u64() <= Some(h1)).all(|e| e["data"]["finalized_ms"].is_null()),
        "the old blocks came from storage, not from memory"
    );
    drop((resumed, from_storage));

    // ---- 3. Rights are re-checked at every block: a frozen account's stream ends.
    let seller_id = json(&["key", "show", keys.join("seller.key").to_str().unwrap()])["account_id"].as_str().unwrap().to_string();
    let mut seller = Watch::start(&["--client", c, "--api", &apis[0], "--key", "seller"]);
    seller.wait_for("seller connected", |e| e["event"] == "block");
    json(&["account", "set-status", "--client", c, "--account", &seller_id, "--status", "frozen", "--reason", "events test"]);
    let reauth = seller.wait_for("the seller's stream ended", |e| e["event"] == "reauth");
    assert_eq!(reauth["data"]["reason"], "access_changed", "{reauth}");
    assert_eq!(reauth["id"], reauth["data"]["last_height"], "{reauth}");
    // `vellum watch` signs again, is refused (the account is frozen), and stops.
    assert!(!seller.exit_status(30).success(), "a frozen account's watch is refused when it signs again");
    json(&["account", "set-status", "--client", c, "--account", &seller_id, "--status", "active", "--reason", "events test over"]);

    // ---- 4. Stalled subscribers are cut off; blocks keep finalizing; others keep up.
    let addr = apis[0].trim_start_matches("http://");
    let fed = || -> u64 {
        let metrics = http_text(&apis[0], "/metrics").expect("metrics");
        let line = metrics.lines().find(|l| l.starts_with("vellum_event_subscribers_live ")).expect("the live subscribers gauge");
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    // The three watchers on this node (buyer, compliance, anonymous) read and stay fed.
    let others = 3;
    let mut stalled = stalled_connection(&apis[0], &format!("GET /v1/events HTTP/1.1\r\nHost: {addr}\r\nLast-Event-ID: 0\r\nConnection: close\r\n\r\n"));
    // Connected live (no Last-Event-ID): only the live path can cut it off.
    let mut stalled_live = stalled_connection(&apis[0], &format!("GET /v1/events HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"));
    let (start, started) = (status(&apis[0]).unwrap()["height"].as_u64().unwrap(), Instant::now());
    // Enough blocks that the kernel's and the node's buffers overflow (≈ 60 KB of events
    // with these socket buffers; the replay from 0 supplies most of them at once, the live
    // one needs them one block at a time).
    let target = (start + 40).max(330);
    wait_height(&apis[0], target, 240, "blocks keep finalizing while subscribers stall");
    let deadline = Instant::now() + Duration::from_secs(300);
    while fed() > others {
        assert!(Instant::now() < deadline, "the stalled subscribers are cut off ({} still fed, {others} others)", fed());
        std::thread::sleep(Duration::from_millis(500));
    }
    let reached = status(&apis[0]).unwrap()["height"].as_u64().unwrap();
    // Cut off promptly: had the forwarder waited for room instead, only the broadcast ring
    // overtaking it (1,024 blocks) would have ended it.
    assert!(reached - start < 600, "both stalled readers cut off by height {reached}, connected at {start}");
    let rate = (reached - start) as f64 / started.elapsed().as_secs_f64();
    assert!(rate >= 1.0, "{rate:.2} blocks/s while a subscriber stalls");
    // The subscribers that read kept up: every block, promptly.
    let during: Vec<i64> = anonymous
        .view(start + 1, reached)
        .iter()
        .map(|(_, b)| b["height"].as_u64().unwrap())
        .map(|h| anonymous.latency_ms(&anonymous.block(h)))
        .collect();
    let mut sorted = during.clone();
    sorted.sort();
    assert!(percentile(&sorted, 0.5) < 1_000, "median delivery {} ms while a subscriber stalls", percentile(&sorted, 0.5));
    // Now read the stalled connection: what was buffered, a final `lagged`, and the end.
    let (ids, last) = read_cut_off(&mut stalled, "replaying");
    assert_eq!(ids, (1..=ids.len() as u64).collect::<Vec<_>>(), "blocks in order from 1, none skipped");
    assert_eq!(last.1, ids.last().copied(), "`lagged` carries the id to resume from");
    assert!(ids.len() as u64 + 100 < reached, "cut off long before the tip ({} of {reached} blocks)", ids.len());
    let replayed_blocks = ids.len();
    // The live reader: blocks in order from where it connected, then `lagged` — cut off when
    // its buffer filled, long before the broadcast ring (1,024 blocks) could overtake it.
    let (ids, last) = read_cut_off(&mut stalled_live, "live");
    let first = *ids.first().expect("some live blocks");
    assert!(first > start.saturating_sub(5) && first <= start + 5, "live from where it connected (block {first}, connected at {start})");
    assert_eq!(ids, (first..first + ids.len() as u64).collect::<Vec<_>>(), "live blocks in order, none skipped");
    assert_eq!(last.1, ids.last().copied(), "`lagged` carries the id to resume from");
    assert!(ids.len() < 600, "cut off by its full buffer after {} blocks, not by the ring (1,024)", ids.len());
    eprintln!("stalled readers: the replaying one cut off after {replayed_blocks} blocks, the live one after {} (chain at {reached})", ids.len());

    // Delivery latency over the whole run (node commit → `vellum watch` printed the event).
    let blocks: Vec<Value> = anonymous.snapshot().into_iter().filter(|e| e["event"] == "block").collect();
    let mut commit: Vec<i64> = blocks.iter().map(|b| b["received_ms"].as_i64().unwrap() - b["data"]["finalized_ms"].as_i64().unwrap()).collect();
    let mut header: Vec<i64> = blocks.iter().map(|b| b["received_ms"].as_i64().unwrap() - b["data"]["time_ms"].as_i64().unwrap()).collect();
    commit.sort();
    header.sort();
    eprintln!(
        "event delivery over {} blocks: committed -> delivered p50 {} ms, p99 {} ms, max {} ms; block time -> delivered p50 {} ms, p99 {} ms; outcome/hold events {:?} ms",
        commit.len(),
        percentile(&commit, 0.5),
        percentile(&commit, 0.99),
        commit.last().unwrap(),
        percentile(&header, 0.5),
        percentile(&header, 0.99),
        outcome_latencies,
    );
}

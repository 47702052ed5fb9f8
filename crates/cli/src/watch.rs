//! `vellum watch`: follows a node's event stream (`GET /v1/events`, Server-Sent Events) and
//! prints each event — finalized blocks, and with `--key` the account's own transactions,
//! payments, holds and proofs (compliance and auditors: every hold). When the stream breaks,
//! the node cuts a slow reader off (`lagged`) or asks for a new signature (`reauth`: the
//! key's rights changed, or the signed stream reached its lifetime), it reconnects — signing a
//! new request, and to the next validator of the client config if the node is gone or busy —
//! with `Last-Event-ID`, the last block it has in full. Events of a block it had partly
//! printed before the break are not printed again. What a node cannot replay is not hidden:
//! it sends a `gap` event (printed, and noted on stderr) naming the first height it serves in
//! full and what may be missing before it.

use crate::{Target, resolve_key};
use anyhow::{Context, Result};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::time::Duration;
use vellum_crypto::Signer;

#[derive(clap::Args)]
pub struct WatchArgs {
    #[command(flatten)]
    pub target: Target,
    /// Authenticate with this key (a path, or a name in the keys directory): adds the
    /// account's own transactions, payments, holds and proofs (compliance and auditors: every
    /// hold). Without it only blocks are shown.
    #[arg(long)]
    pub key: Option<String>,
    /// Resume after this height: first replays the events of every later block.
    #[arg(long)]
    pub after: Option<u64>,
    /// Stop after printing this many events (default: follow until interrupted).
    #[arg(long)]
    pub count: Option<u64>,
    /// Print only these event types (comma-separated: block, tx, payment, hold, proof, gap,
    /// lagged, reauth).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Exit (status 3) instead of reconnecting when the node ends the stream or cuts it off.
    #[arg(long)]
    pub no_reconnect: bool,
}

use crate::client::{CONNECT_TIMEOUT, RESPONSE_TIMEOUT};
/// No byte for this long (the node sends a keep-alive comment every 15 s): the connection
/// is dead.
const IDLE_TIMEOUT: Duration = Duration::from_secs(45);
const RECONNECT_DELAY: Duration = Duration::from_secs(1);
/// Consecutive failed connection attempts before giving up.
const CONNECT_ATTEMPTS_MAX: u32 = 30;
/// Longest line of the stream accepted (a block's events are far smaller).
const LINE_BYTES_MAX: usize = 4 << 20;

/// How one connection ended.
enum End {
    /// Printed `--count` events.
    Done,
    /// The node cut this reader off as too slow.
    Lagged,
    /// The node ended a signed stream: sign again (its rights changed, or its lifetime ended).
    Reauth(String),
    /// The stream ended or broke.
    Closed(String),
}

pub fn run(args: WatchArgs, json: bool) -> Result<()> {
    let (apis, chain_id) = match &args.target.api {
        Some(a) => (vec![a.clone()], None),
        None => {
            let cfg = args.target.config()?;
            (cfg.api, Some(cfg.chain_id))
        }
    };
    let key = args.key.as_deref().map(|k| resolve_key(&args.target, k)).transpose()?;
    let chain_id = match (&key, chain_id) {
        (Some(_), None) => Some(
            crate::client::Client::new(&apis[0]).status()?["chain_id"].as_str().context("status without chain_id")?.to_string(),
        ),
        (_, c) => c,
    };
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .timeout_recv_response(Some(RESPONSE_TIMEOUT))
        .timeout_per_read(Some(IDLE_TIMEOUT))
        .build()
        .new_agent();
    let mut watcher = Watcher { json, only: args.only.clone(), count: args.count, printed: 0, last: args.after, partial: Vec::new() };
    let mut which = 0usize;
    let mut failures = 0u32;
    loop {
        let base = apis[which % apis.len()].trim_end_matches('/').to_string();
        let auth = key.as_ref().zip(chain_id.as_deref());
        let ended = match watcher.connect(&agent, &base, auth) {
            Ok(ended) => {
                failures = 0;
                ended
            }
            Err(Refused(e)) => return Err(e),
            Err(Unreachable(e)) => {
                failures += 1;
                if failures >= CONNECT_ATTEMPTS_MAX {
                    return Err(e.context(format!("no validator answered {CONNECT_ATTEMPTS_MAX} times in a row")));
                }
                which += 1;
                End::Closed(format!("{e:#}"))
            }
        };
        let why = match ended {
            End::Done => return Ok(()),
            End::Lagged => "the node cut this stream off as too slow (lagged)".to_string(),
            End::Reauth(reason) => format!("the node asks for a new signature ({reason}); signing again"),
            End::Closed(why) => why,
        };
        let at = watcher.last.map_or("the live tip".to_string(), |h| format!("height {h}"));
        if args.no_reconnect {
            eprintln!("stream ended: {why}; resume with --after {}", watcher.last.map_or("<none>".into(), |h| h.to_string()));
            std::process::exit(3);
        }
        eprintln!("stream ended: {why}; resuming after {at}");
        std::thread::sleep(RECONNECT_DELAY);
    }
}

/// Why a connection could not be used: refused by the node (bad key, bad request: retrying
/// will not help) or not reached.
enum ConnectError {
    Refused(anyhow::Error),
    Unreachable(anyhow::Error),
}
use ConnectError::{Refused, Unreachable};

struct Watcher {
    json: bool,
    only: Vec<String>,
    count: Option<u64>,
    printed: u64,
    /// The last block this watcher has in full (the SSE id of the last event with one).
    last: Option<u64>,
    /// The events of the block after `last` printed so far (event name and data): after a
    /// reconnect the node sends that block again from its start.
    partial: Vec<String>,
}

impl Watcher {
    /// One connection: reads and prints events until the stream ends.
    fn connect(&mut self, agent: &ureq::Agent, base: &str, auth: Option<(&Signer, &str)>) -> Result<End, ConnectError> {
        let path = "/v1/events";
        let mut req = agent.get(&format!("{base}{path}")).header("accept", "text/event-stream");
        if let Some(h) = self.last {
            req = req.header("last-event-id", h.to_string());
        }
        if let Some((key, chain_id)) = auth {
            for (name, value) in crate::client::signed_headers(key, chain_id, "GET", path, b"").map_err(Refused)? {
                req = req.header(name, value);
            }
        }
        let resp = req.call().with_context(|| format!("cannot reach {base}")).map_err(Unreachable)?;
        let status = resp.status().as_u16();
        if status != 200 {
            let mut resp = resp;
            let body = resp.body_mut().read_to_string().unwrap_or_default();
            let e = anyhow::anyhow!("{base} refused the event stream ({status}): {body}");
            // Busy, not ready, or too many streams from here: another validator may serve;
            // anything else (a key refused, a bad request) is final.
            return Err(if status == 503 || status == 429 { Unreachable(e) } else { Refused(e) });
        }
        let mut reader = BufReader::new(resp.into_body().into_reader());
        // Events of the block after `last` printed on an earlier connection: the node sends
        // them again (it resumes at a block boundary), they are not printed twice.
        let mut already: Vec<String> = self.partial.clone();
        let (mut name, mut data, mut id) = (String::new(), String::new(), None::<u64>);
        let mut line = String::new();
        loop {
            line.clear();
            let n = match (&mut reader).take(LINE_BYTES_MAX as u64 + 1).read_line(&mut line) {
                Ok(n) => n,
                Err(e) => return Ok(End::Closed(format!("read error: {e}"))),
            };
            if n == 0 {
                return Ok(End::Closed("the node closed the stream".into()));
            }
            if line.len() > LINE_BYTES_MAX {
                return Ok(End::Closed("a line of the stream is too long".into()));
            }
            let text = line.trim_end_matches(['\n', '\r']);
            if text.is_empty() {
                // Dispatch (SSE): an event without data is nothing.
                if !data.is_empty() {
                    let event = if name.is_empty() { "message" } else { name.as_str() };
                    if let Some(end) = self.dispatch(event, id, &data, &mut already) {
                        return Ok(end);
                    }
                }
                (name, data, id) = (String::new(), String::new(), None);
                continue;
            }
            if text.starts_with(':') {
                continue;
            }
            let (field, value) = text.split_once(':').map_or((text, ""), |(f, v)| (f, v.strip_prefix(' ').unwrap_or(v)));
            match field {
                "event" => name = value.to_string(),
                "data" => {
                    if !data.is_empty() {
                        data.push('\n');
                    }
                    data.push_str(value);
                }
                "id" => id = value.parse().ok(),
                _ => {}
            }
        }
    }

    /// Handles one received event: skips it if printed before a reconnect, prints it, and
    /// says whether the connection ends here.
    fn dispatch(&mut self, event: &str, id: Option<u64>, data: &str, already: &mut Vec<String>) -> Option<End> {
        match event {
            // The block's own event completes it (and alone carries its id).
            "block" => {
                self.last = id.or(self.last);
                self.partial.clear();
                already.clear();
                self.print(event, id, data);
            }
            "lagged" | "reauth" => {
                self.last = id.or(self.last);
                self.print(event, id, data);
            }
            "gap" => {
                let v: Value = serde_json::from_str(data).unwrap_or_default();
                eprintln!(
                    "warning: the node cannot replay everything asked for: events before height {} may be missing ({})",
                    v["first_complete_height"],
                    v["missing"].as_array().map(|m| m.iter().filter_map(|g| g["reason"].as_str()).collect::<Vec<_>>().join("; ")).unwrap_or_default(),
                );
                self.print(event, id, data);
            }
            _ => {
                let key = format!("{event}\n{data}");
                if let Some(i) = already.iter().position(|k| *k == key) {
                    // Printed before the reconnect.
                    already.remove(i);
                    return None;
                }
                self.partial.push(key);
                self.print(event, id, data);
            }
        }
        if self.count.is_some_and(|c| self.printed >= c) {
            return Some(End::Done);
        }
        match event {
            "lagged" => Some(End::Lagged),
            "reauth" => {
                let v: Value = serde_json::from_str(data).unwrap_or_default();
                Some(End::Reauth(v["reason"].as_str().unwrap_or("reauth").to_string()))
            }
            _ => None,
        }
    }

    fn print(&mut self, event: &str, id: Option<u64>, data: &str) {
        if !self.only.is_empty() && !self.only.iter().any(|o| o == event) {
            return;
        }
        self.printed += 1;
        let value: Value = serde_json::from_str(data).unwrap_or_else(|_| Value::String(data.to_string()));
        let out = if self.json {
            let received_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
            json!({ "id": id, "event": event, "data": value, "received_ms": received_ms }).to_string()
        } else {
            human(event, &value)
        };
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{out}");
        let _ = stdout.flush();
    }
}

/// The first 16 characters of a string value (a hash, an id), or any other value as JSON.
fn short(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), |s| s.chars().take(16).collect())
}

/// One line per event for people.
fn human(event: &str, v: &Value) -> String {
    match event {
        "block" => format!("block {}  {} tx  hash {}  state {}", v["height"], v["txs"], short(&v["hash"]), short(&v["state_root"])),
        "tx" if v["status"] == "rejected" => {
            format!("tx {} rejected: {} ({})", short(&v["tx_hash"]), v["message"].as_str().unwrap_or_default(), v["code"].as_str().unwrap_or_default())
        }
        "tx" => format!("tx {} finalized at {}#{} ({})", short(&v["tx_hash"]), v["height"], v["index"], v["kind"].as_str().unwrap_or_default()),
        "payment" => {
            let outcome = &v["record"]["outcome"];
            let legs: Vec<String> = outcome["legs"]
                .as_array()
                .map(|legs| {
                    legs.iter()
                        .map(|l| format!("{} {} -> {}", l["amount"].as_str().unwrap_or_default(), l["token"].as_str().unwrap_or_default(), short(&l["to"])))
                        .collect()
                })
                .unwrap_or_default();
            let hold = outcome["hold"].as_u64().map(|h| format!(" hold #{h}")).unwrap_or_default();
            format!("payment {} {}{hold} at {}  {}", short(&v["tx_hash"]), outcome["outcome"].as_str().unwrap_or_default(), v["height"], legs.join(", "))
        }
        "hold" => {
            let rules: Vec<&str> = v["hold"]["alerts"].as_array().map(|a| a.iter().filter_map(|x| x["rule"].as_str()).collect()).unwrap_or_default();
            format!("hold #{} {} at {}  sender {}  alerts {}", v["hold"]["id"], v["change"].as_str().unwrap_or_default(), v["height"], short(&v["hold"]["sender"]), rules.join(","))
        }
        "proof" => format!("proof {} {} at {}", short(&v["proof_id"]), v["change"].as_str().unwrap_or_default(), v["height"]),
        "lagged" => format!("lagged after height {}: the node closed this stream", v["last_height"]),
        "reauth" => format!("reauth after height {}: the node ended this signed stream ({})", v["last_height"], v["reason"].as_str().unwrap_or_default()),
        "gap" => {
            let missing: Vec<String> = v["missing"]
                .as_array()
                .map(|m| {
                    m.iter()
                        .map(|g| {
                            let kinds: Vec<&str> = g["kinds"].as_array().map(|k| k.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
                            format!("{}..={} {}", g["from"], g["to"], kinds.join(","))
                        })
                        .collect()
                })
                .unwrap_or_default();
            format!("gap: complete from height {}; may be missing: {}", v["first_complete_height"], missing.join("; "))
        }
        _ => format!("{event} {v}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_of_a_block_printed_before_a_reconnect_are_not_printed_again() {
        let mut w = Watcher { json: true, only: Vec::new(), count: None, printed: 0, last: Some(4), partial: Vec::new() };
        let tx = r#"{"tx_hash":"aa","status":"finalized","height":5}"#;
        let payment = r#"{"tx_hash":"aa","kind":"transfer","height":5}"#;
        let mut already = w.partial.clone();
        assert!(w.dispatch("tx", None, tx, &mut already).is_none());
        // The connection breaks in the middle of block 5; the node resends it from its start.
        assert_eq!(w.last, Some(4), "block 5 is not complete");
        let mut already = w.partial.clone();
        w.dispatch("tx", None, tx, &mut already);
        w.dispatch("payment", None, payment, &mut already);
        w.dispatch("block", Some(5), r#"{"height":5}"#, &mut already);
        assert_eq!((w.printed, w.last), (3, Some(5)), "tx once, payment, block");
        assert!(w.partial.is_empty() && already.is_empty());
        // A later block's events are new, whatever they look like.
        let mut already = w.partial.clone();
        w.dispatch("tx", None, tx, &mut already);
        assert_eq!(w.printed, 4);
        // `reauth` ends the connection at the last complete block.
        let end = w.dispatch("reauth", Some(5), r#"{"last_height":5,"reason":"expired"}"#, &mut already);
        assert!(matches!(end, Some(End::Reauth(r)) if r == "expired"));
        assert_eq!(w.last, Some(5));
    }
}

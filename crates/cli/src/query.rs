//! Chain queries: `vellum status` and `vellum tx status` (agreed by f+1 validators unless
//! `--trust-node`).

use crate::{Target, client, print};
use anyhow::{Result, bail};
use serde_json::{Value, json};

/// `vellum status`: the chain as the first answering validator sees it.
pub fn status(target: &Target, json: bool) -> Result<()> {
    let s = target.client()?.status()?;
    print(json, &s, || status_text(&s));
    Ok(())
}

/// A node's status in words.
pub fn status_text(s: &Value) -> String {
    {
        format!(
            "chain {}  height {}  block {}\nstate root {}\nlog root   {} ({} entries)\nvalidators {}  mempool {}",
            s["chain_id"].as_str().unwrap_or_default(),
            s["height"],
            s["block_hash"].as_str().unwrap_or_default(),
            s["state_root"].as_str().unwrap_or_default(),
            s["log_root"].as_str().unwrap_or_default(),
            s["log_size"],
            s["validators"].as_array().map_or(0, |v| v.len()),
            s["mempool_txs"],
        )
    }
}

/// `vellum tx status`.
pub fn tx_status(target: &Target, hash: &str, json: bool) -> Result<()> {
    let pool = target.client()?;
    let (code, v) = if target.verify() {
        let a = pool.agreed_get(&format!("/v1/tx/{hash}"), client::verified::tx_key)?;
        let mut body = a.body;
        if let Some(o) = body.as_object_mut() {
            o.insert("agreed_by".into(), json!({ "validators": a.matching, "answered": a.answered }));
        }
        (a.status, body)
    } else {
        pool.tx_status(hash)?
    };
    print(json, &v, || match code {
        200 => serde_json::to_string_pretty(&v).unwrap_or_default().to_string(),
        _ => v["error"]["message"].as_str().unwrap_or("unknown").to_string(),
    });
    if code != 200 {
        bail!("{} ({code} {})", v["error"]["message"].as_str().unwrap_or("no answer"), v["error"]["code"].as_str().unwrap_or(""));
    }
    Ok(())
}

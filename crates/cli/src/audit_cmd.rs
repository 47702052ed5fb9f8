//! `vellum audit mine`: who read an account's data (X.1407 9.1.1 c) — every read of its
//! account view, history, payments, receipts and holds, allowed or refused, as the nodes
//! recorded it on the ledger (and, from the node asked, those not yet finalized).

use crate::pay::{account_arg, signed_json};
use crate::{Target, print};
use anyhow::Result;
use clap::Subcommand;
use serde_json::Value;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// List the reads of your account's data (or, for oversight, of `--account`).
    Mine {
        #[command(flatten)]
        target: Target,
        /// Your key (signs the request).
        #[arg(long)]
        key: String,
        /// Another account you may read (oversight); default: the key's own account.
        #[arg(long)]
        account: Option<String>,
    },
}

pub fn run(command: AuditCommand, json: bool) -> Result<()> {
    let AuditCommand::Mine { target, key, account } = command;
    let signer = crate::target::resolve_key(&target, &key)?;
    let id = match &account {
        Some(a) => account_arg(&target, a)?,
        None => crate::keys::account_for(&signer),
    };
    let v = signed_json(&target, &target.client()?, &signer, &format!("/v1/account/{id}/reads"))?;
    print(json, &v, || {
        let mut lines = vec![format!("reads of account {id}:")];
        for e in v["finalized"].as_array().into_iter().flatten() {
            lines.push(format!("  height {:>6}  {}  (recorded by node {})", e["height"], line(&e["record"]), short(&e["node"])));
        }
        for r in v["pending"].as_array().into_iter().flatten() {
            lines.push(format!("  pending        {}", line(r)));
        }
        if lines.len() == 1 {
            lines.push("  none".into());
        }
        lines.join("\n")
    });
    Ok(())
}

/// One read in words: when, who, what, allowed or refused.
fn line(r: &Value) -> String {
    let reader = r["reader"].as_str().map_or("anonymous".to_string(), |s| s[..16.min(s.len())].to_string());
    let item = r["item"].as_str().map_or(String::new(), |t| format!(" {}", &t[..16.min(t.len())]));
    let verdict = if r["allowed"] == true { "allowed" } else { "REFUSED" };
    format!("{} ms  {reader}  {}{item}  {verdict}", r["time_ms"], r["action"].as_str().unwrap_or("?"))
}

fn short(v: &Value) -> String {
    v.as_str().map_or(String::new(), |s| s[..16.min(s.len())].to_string())
}

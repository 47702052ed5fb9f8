//! Payments from the command line: `vellum pay`, `balance`, `history`, `receipt`, and the
//! token, monitoring, hold, sub-ledger, rate and signer commands.

use crate::client::Pool;
use crate::{Target, chain, print, resolve_key, send, send_as};
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use serde_json::{Value, json};
use std::path::PathBuf;
use vellum_crypto::Signer as KeySigner;
use vellum_types::payment::{ConvertQuote, format_amount, parse_amount};
use vellum_types::{AccountId, GovAction, Leg, MonitoringRules, Signer, SignerSet, TokenFlags, TxBody};

/// The governance council signs together: its first key names the account (as in genesis),
/// the others co-sign until the threshold is met.
#[derive(clap::Args, Clone)]
pub struct Council {
    /// Council member keys that sign (the first one's account is the council account).
    #[arg(long = "council", default_values = ["council-1", "council-2"])]
    pub keys: Vec<String>,
    /// The council member account proposing (id, or the key name its id derives from).
    #[arg(long, default_value = "council-1")]
    pub council_account: String,
    /// Blocks the proposal stays open for votes.
    #[arg(long, default_value_t = 100_000)]
    pub deadline_blocks: u64,
}

impl Council {
    /// Proposes a governed action from the council member account and reports where it
    /// stands: executed (enough approvals, e.g. a k-of-n member account alone when it is the
    /// whole council), open (others must `vellum gov vote`), or failed (with the reason).
    pub fn propose(&self, target: &Target, action: GovAction) -> Result<Value> {
        let keys: Vec<KeySigner> = self.keys.iter().map(|k| resolve_key(target, k)).collect::<Result<_>>()?;
        let sender = account_arg(target, &self.council_account)?;
        let client = target.client()?;
        let (_, height) = chain(target, &client)?;
        let kind = action.kind();
        let r = send_as(target, &keys, sender, TxBody::Propose { action, deadline_height: height + self.deadline_blocks })?;
        let (_, list) = client.get("/v1/governance/proposals?limit=100")?;
        let proposal = list["proposals"]
            .as_array()
            .and_then(|ps| {
                ps.iter().find(|p| {
                    p["proposer"] == sender.to_hex() && p["created_height"] == r["height"] && p["action"]["action"] == kind
                })
            })
            .cloned()
            .context("the proposal is not listed by the node")?;
        if proposal["status"]["state"] == "failed" {
            bail!("proposal {} reached the threshold but failed: {} ({})", proposal["id"], proposal["status"]["message"].as_str().unwrap_or(""), proposal["status"]["code"].as_str().unwrap_or(""));
        }
        Ok(json!({ "tx": r, "proposal": proposal, "height": r["height"] }))
    }

    fn send(&self, target: &Target, body: TxBody) -> Result<Value> {
        self.propose(target, GovAction::from_governed_body(body).expect("only governed bodies are proposed"))
    }
}

#[derive(clap::Args)]
pub struct PayArgs {
    #[command(flatten)]
    pub target: Target,
    /// The paying account's key (a path, or a name in the keys directory).
    #[arg(long)]
    pub key: String,
    /// Co-signing keys, for a multi-signature account.
    #[arg(long)]
    pub cosign: Vec<String>,
    #[arg(long)]
    pub token: String,
    /// A leg `RECIPIENT=AMOUNT` (account id or key name; decimal amount). Repeat for an atomic
    /// multi-leg payment.
    #[arg(long = "to", required = true)]
    pub legs: Vec<String>,
    /// Convert into this token (another sub-ledger's) at the current governed rate.
    #[arg(long)]
    pub convert_to: Option<String>,
    /// A 64-hex reference on the ledger (an invoice's proof id, an earlier payment).
    #[arg(long)]
    pub reference: Option<String>,
    /// Also write the payment's receipt (verifiable offline with `vellum verify`).
    #[arg(long)]
    pub receipt: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Governance creates a token.
    Create {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        council: Council,
        #[arg(long)]
        symbol: String,
        #[arg(long, default_value_t = 2)]
        decimals: u8,
        /// The issuing account (id or key name).
        #[arg(long, default_value = "issuer")]
        issuer: String,
        #[arg(long)]
        subledger: Option<String>,
        #[arg(long)]
        kyc_required: bool,
        #[arg(long)]
        clawback: bool,
        #[arg(long)]
        pausable: bool,
    },
    /// The issuer mints into an account.
    Mint {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value = "issuer")]
        key: String,
        #[arg(long)]
        token: String,
        #[arg(long)]
        to: String,
        #[arg(long)]
        amount: String,
    },
    /// The issuer burns from its own balance.
    Burn {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value = "issuer")]
        key: String,
        #[arg(long)]
        token: String,
        #[arg(long)]
        amount: String,
    },
    /// Compliance (or the issuer) pauses a pausable token: nothing moves until unpaused.
    Pause {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value = "compliance")]
        key: String,
        #[arg(long)]
        token: String,
        #[arg(long)]
        reason: String,
    },
    Unpause {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value = "compliance")]
        key: String,
        #[arg(long)]
        token: String,
        #[arg(long)]
        reason: String,
    },
    /// Compliance claws funds back to the issuer (clawback-enabled tokens only).
    Clawback {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value = "compliance")]
        key: String,
        #[arg(long)]
        token: String,
        #[arg(long)]
        from: String,
        #[arg(long)]
        amount: String,
        #[arg(long)]
        reason: String,
    },
    /// A token's definition, supply and monitoring rules.
    Show {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value = "auditor")]
        key: String,
        symbol: String,
    },
}

#[derive(Subcommand)]
pub enum HoldCommand {
    /// Held transfers (compliance, auditors).
    List {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value = "compliance")]
        key: String,
        #[arg(long)]
        pending: bool,
    },
    /// Post a held transfer: its legs move now.
    Release {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value = "compliance")]
        key: String,
        id: u64,
        #[arg(long)]
        reason: String,
    },
    /// Void a held transfer: the funds return to the sender.
    Reject {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value = "compliance")]
        key: String,
        id: u64,
        #[arg(long)]
        reason: String,
    },
}

#[derive(clap::Args)]
pub struct MonitorArgs {
    #[command(flatten)]
    pub target: Target,
    #[command(flatten)]
    pub council: Council,
    #[arg(long)]
    pub token: String,
    /// A single leg of at least this amount is held (0: off).
    #[arg(long, default_value = "0")]
    pub large: String,
    /// Velocity window length.
    #[arg(long, default_value_t = 3600)]
    pub window_secs: u64,
    /// More than this amount sent in one window is held (0: off).
    #[arg(long, default_value = "0")]
    pub window_amount: String,
    /// More than this many payments in one window are held (0: off).
    #[arg(long, default_value_t = 0)]
    pub window_count: u32,
    /// This many payments just under `--large` in one window are held as structuring (0: off).
    #[arg(long, default_value_t = 0)]
    pub structuring_count: u32,
    /// "Just under" starts at this fraction of `--large`, in basis points.
    #[arg(long, default_value_t = 9_000)]
    pub structuring_floor_bps: u16,
    /// An undecided hold is voided after this long.
    #[arg(long, default_value_t = 86_400)]
    pub hold_timeout_secs: u64,
    /// More than this amount received by one account in one window is held (0: off).
    #[arg(long, default_value = "0")]
    pub inflow_amount: String,
    /// More than this many payments received by one account in one window are held (0: off).
    #[arg(long, default_value_t = 0)]
    pub inflow_count: u32,
    /// Payments to an account from more than this many distinct senders in one window are
    /// held (0: off; at most 63).
    #[arg(long, default_value_t = 0)]
    pub distinct_senders: u32,
    /// A KYC tier's limits, `TIER:LEG_MAX:WINDOW_MAX` in token units (0: no limit), once
    /// per tier; tier 0 is an account without a KYC record.
    #[arg(long = "tier-limit", value_name = "TIER:LEG:WINDOW")]
    pub tier_limits: Vec<String>,
}

/// `TIER:LEG_MAX:WINDOW_MAX` in token units.
fn tier_limit(text: &str, dec: u8) -> Result<vellum_types::monitoring::TierLimit> {
    let parts: Vec<&str> = text.split(':').collect();
    let [tier, leg, window] = parts[..] else { anyhow::bail!("--tier-limit `{text}` is not TIER:LEG_MAX:WINDOW_MAX") };
    Ok(vellum_types::monitoring::TierLimit {
        tier: tier.parse().with_context(|| format!("tier `{tier}` is not a number"))?,
        leg_amount_max: parse_amount(leg, dec).map_err(anyhow::Error::msg)?,
        window_amount_max: parse_amount(window, dec).map_err(anyhow::Error::msg)?,
    })
}

/// An account given as 64 hex characters or as a key name/path.
pub fn account_arg(target: &Target, text: &str) -> Result<AccountId> {
    if text.len() == 64
        && let Ok(id) = AccountId::from_hex(text)
    {
        return Ok(id);
    }
    Ok(crate::keys::account_for(&resolve_key(target, text).with_context(|| format!("`{text}` is neither an account id nor a key"))?))
}

/// A signed GET that must succeed; returns its JSON.
pub fn signed_json(target: &Target, client: &Pool, key: &KeySigner, path: &str) -> Result<Value> {
    let (chain_id, _) = chain(target, client)?;
    let (status, body) = client.get_signed(path, key, &chain_id)?;
    let v: Value = serde_json::from_slice(&body).with_context(|| format!("node sent non-JSON for {path}"))?;
    if status != 200 {
        bail!("{} ({status} {})", v["error"]["message"].as_str().unwrap_or("request failed"), v["error"]["code"].as_str().unwrap_or(""));
    }
    Ok(v)
}

/// A signed read that f+1 validators must agree on (by `project`), unless `--trust-node`.
pub fn verified_json(target: &Target, key: &KeySigner, path: &str, project: fn(u16, &Value) -> Value) -> Result<Value> {
    let pool = target.client()?;
    if !target.verify() {
        return signed_json(target, &pool, key, path);
    }
    let (chain_id, _) = chain(target, &pool)?;
    let agreed = pool.agreed_signed(path, key, &chain_id, project)?;
    let v = agreed.body;
    if agreed.status != 200 {
        bail!("{} ({} {})", v["error"]["message"].as_str().unwrap_or("request failed"), agreed.status, v["error"]["code"].as_str().unwrap_or(""));
    }
    Ok(v)
}

/// A token's decimals, read as `key`.
fn decimals(target: &Target, key: &KeySigner, symbol: &str) -> Result<u8> {
    let v = signed_json(target, &target.client()?, key, &format!("/v1/token/{symbol}"))?;
    v["token"]["decimals"].as_u64().map(|d| d as u8).context("token without decimals")
}

fn amount(target: &Target, key: &KeySigner, symbol: &str, text: &str) -> Result<u128> {
    parse_amount(text, decimals(target, key, symbol)?).map_err(anyhow::Error::msg)
}

pub(crate) fn done(json: bool, result: &Value, what: String) {
    print(json, result, || match result["proposal"]["status"]["state"].as_str() {
        Some("open") => format!(
            "proposal {} is open with {} approval(s): other council members run `vellum gov vote {}`",
            result["proposal"]["id"],
            result["proposal"]["approvals"].as_array().map_or(0, Vec::len),
            result["proposal"]["id"]
        ),
        Some(_) => format!("{what} by proposal {} (height {})", result["proposal"]["id"], result["height"]),
        None => format!("{what} (height {})", result["height"]),
    });
}

pub fn pay(a: PayArgs, json: bool) -> Result<()> {
    let signer = resolve_key(&a.target, &a.key)?;
    let cosigners: Vec<KeySigner> = a.cosign.iter().map(|k| resolve_key(&a.target, k)).collect::<Result<_>>()?;
    let dec = decimals(&a.target, &signer, &a.token)?;
    let client = a.target.client()?;
    let convert = match &a.convert_to {
        None => None,
        Some(to) => {
            let (status, v) = client.get(&format!("/v1/rate/{}/{to}", a.token))?;
            if status != 200 {
                bail!("{}", v["error"]["message"].as_str().unwrap_or("no rate"));
            }
            let version = v["rate"]["version"].as_u64().context("rate without version")?;
            Some(ConvertQuote { to_token: to.clone(), rate_version: version })
        }
    };
    let mut legs = Vec::new();
    for leg in &a.legs {
        let (to, value) = leg.split_once('=').with_context(|| format!("leg `{leg}` must be RECIPIENT=AMOUNT"))?;
        legs.push(Leg {
            to: account_arg(&a.target, to)?,
            token: a.token.clone(),
            amount: parse_amount(value, dec).map_err(anyhow::Error::msg)?,
            convert: convert.clone(),
        });
    }
    let reference = match &a.reference {
        Some(r) => Some(vellum_types::TxId::from_hex(r).context("--reference must be 64 hex characters")?.0),
        None => None,
    };
    let sender = crate::keys::account_for(&signer);
    let mut keys = vec![signer.clone()];
    keys.extend(cosigners);
    let result = send_as(&a.target, &keys, sender, TxBody::Transfer { legs, reference })?;
    let hash = result["tx_hash"].as_str().or(result["hash"].as_str()).unwrap_or_default().to_string();
    let payment = signed_json(&a.target, &client, &signer, &format!("/v1/payment/{hash}"))?;
    if let Some(out) = &a.receipt {
        write_receipt(&a.target, &client, &signer, &hash, out)?;
    }
    let outcome = &payment["record"]["outcome"];
    let v = json!({ "tx": result, "payment": payment });
    print(json, &v, || match outcome["outcome"].as_str() {
        Some("held") => format!(
            "payment {hash} is ON HOLD (hold {}): {} — funds are reserved until compliance decides",
            outcome["hold"],
            outcome["alerts"].as_array().map(|a| a.iter().filter_map(|x| x["rule"].as_str()).collect::<Vec<_>>().join(", ")).unwrap_or_default()
        ),
        _ => {
            let legs = outcome["legs"].as_array().cloned().unwrap_or_default();
            let lines: Vec<String> = legs
                .iter()
                .map(|l| {
                    let credited = l["credit_amount"].as_str().and_then(|x| x.parse::<u128>().ok()).unwrap_or(0);
                    let conv = if l["conversion"].is_null() {
                        String::new()
                    } else {
                        format!(" (converted at {}/{}, rate version {})", l["conversion"]["num"], l["conversion"]["den"], l["conversion"]["rate_version"])
                    };
                    format!("  → {} receives {} base units of {}{conv}", l["to"].as_str().unwrap_or_default(), credited, l["credit_token"].as_str().unwrap_or_default())
                })
                .collect();
            format!("payment {hash} settled and final at height {}\n{}", result["height"], lines.join("\n"))
        }
    });
    Ok(())
}

/// Writes the receipt of a finalized transaction: a payment receipt for a payment, else a
/// transaction receipt (a contract transaction's transfers and events, an invoice issuance).
pub fn write_receipt(target: &Target, client: &Pool, key: &KeySigner, hash: &str, out: &std::path::Path) -> Result<()> {
    let (chain_id, _) = chain(target, client)?;
    let (mut status, mut body) = client.get_signed(&format!("/v1/payment/{hash}/receipt"), key, &chain_id)?;
    // Unknown and forbidden look the same (403) to all but oversight roles: any refusal of a
    // payment receipt may mean "not a payment", so the transaction receipt is asked next.
    if status == 403 || status == 404 {
        (status, body) = client.get_signed(&format!("/v1/tx/{hash}/receipt"), key, &chain_id)?;
    }
    if status != 200 {
        let v: Value = serde_json::from_slice(&body).unwrap_or_default();
        bail!("no receipt: {} ({status})", v["error"]["message"].as_str().unwrap_or("request failed"));
    }
    std::fs::write(out, body).with_context(|| format!("cannot write {}", out.display()))
}

pub fn balance(target: &Target, key: &str, account: Option<&str>, json: bool) -> Result<()> {
    let signer = resolve_key(target, key)?;
    let id = match account {
        Some(a) => account_arg(target, a)?,
        None => crate::keys::account_for(&signer),
    };
    let v = verified_json(target, &signer, &format!("/v1/account/{id}"), crate::client::verified::whole)?;
    print(json, &v, || {
        let a = &v["account"];
        let mut lines = vec![format!(
            "account {id}  status {}  sub-ledger {}",
            a["status"].as_str().unwrap_or_default(),
            a["subledger"].as_str().unwrap_or("(main)")
        )];
        for b in v["balances"].as_array().cloned().unwrap_or_default() {
            let held = b["held_display"].as_str().unwrap_or("0");
            let held = if held == "0" { String::new() } else { format!("  (+{held} on hold)") };
            lines.push(format!("  {:>20} {}{held}", b["available_display"].as_str().unwrap_or_default(), b["token"].as_str().unwrap_or_default()));
        }
        if v["balances"].as_array().is_none_or(|b| b.is_empty()) {
            lines.push("  no balances".into());
        }
        lines.join("\n")
    });
    Ok(())
}

pub fn history(target: &Target, key: &str, account: Option<&str>, json: bool) -> Result<()> {
    let signer = resolve_key(target, key)?;
    let id = match account {
        Some(a) => account_arg(target, a)?,
        None => crate::keys::account_for(&signer),
    };
    let v = signed_json(target, &target.client()?, &signer, &format!("/v1/account/{id}/history"))?;
    print(json, &v, || {
        let rows = v["payments"].as_array().cloned().unwrap_or_default();
        if rows.is_empty() {
            return "no payments".into();
        }
        rows.iter()
            .map(|p| {
                format!(
                    "height {:>6}  {:<14} {}  {}",
                    p["height"],
                    p["kind"].as_str().unwrap_or_default(),
                    p["tx_id"].as_str().unwrap_or_default(),
                    p["record"]["outcome"]["outcome"].as_str().unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}

pub fn token(command: TokenCommand, json: bool) -> Result<()> {
    match command {
        TokenCommand::Create { target, council, symbol, decimals, issuer, subledger, kyc_required, clawback, pausable } => {
            let issuer = account_arg(&target, &issuer)?;
            let flags = TokenFlags { kyc_required, clawback, pausable };
            let r = council.send(&target, TxBody::CreateToken { symbol: symbol.clone(), decimals, issuer, subledger, flags })?;
            done(json, &r, format!("token {symbol} created"));
        }
        TokenCommand::Mint { target, key, token, to, amount: text } => {
            let signer = resolve_key(&target, &key)?;
            let value = amount(&target, &signer, &token, &text)?;
            let to = account_arg(&target, &to)?;
            let r = send(&target, &key, TxBody::Mint { token: token.clone(), to, amount: value })?;
            done(json, &r, format!("minted {text} {token} to {to}"));
        }
        TokenCommand::Burn { target, key, token, amount: text } => {
            let signer = resolve_key(&target, &key)?;
            let value = amount(&target, &signer, &token, &text)?;
            let r = send(&target, &key, TxBody::Burn { token: token.clone(), amount: value })?;
            done(json, &r, format!("burned {text} {token}"));
        }
        TokenCommand::Pause { target, key, token, reason } => {
            let r = send(&target, &key, TxBody::SetTokenPaused { token: token.clone(), paused: true, reason })?;
            done(json, &r, format!("token {token} paused"));
        }
        TokenCommand::Unpause { target, key, token, reason } => {
            let r = send(&target, &key, TxBody::SetTokenPaused { token: token.clone(), paused: false, reason })?;
            done(json, &r, format!("token {token} unpaused"));
        }
        TokenCommand::Clawback { target, key, token, from, amount: text, reason } => {
            let signer = resolve_key(&target, &key)?;
            let value = amount(&target, &signer, &token, &text)?;
            let from = account_arg(&target, &from)?;
            let r = send(&target, &key, TxBody::Clawback { token: token.clone(), from, amount: value, reason })?;
            done(json, &r, format!("clawed back {text} {token} from {from} to the issuer"));
        }
        TokenCommand::Show { target, key, symbol } => {
            let signer = resolve_key(&target, &key)?;
            let v = signed_json(&target, &target.client()?, &signer, &format!("/v1/token/{symbol}"))?;
            print(json, &v, || {
                let t = &v["token"];
                let supply = t["supply"].as_str().and_then(|s| s.parse().ok()).unwrap_or(0u128);
                format!(
                    "{symbol}: {} decimals, supply {}, issuer {}, sub-ledger {}, paused {}\nflags {}\nmonitoring {}",
                    t["decimals"],
                    format_amount(supply, t["decimals"].as_u64().unwrap_or(0) as u8),
                    t["issuer"].as_str().unwrap_or_default(),
                    t["subledger"].as_str().unwrap_or("(main)"),
                    t["paused"],
                    t["flags"],
                    v["monitoring"]
                )
            });
        }
    }
    Ok(())
}

pub fn monitor(a: MonitorArgs, json: bool) -> Result<()> {
    let reader = resolve_key(&a.target, &a.council.keys[0])?;
    let dec = decimals(&a.target, &reader, &a.token)?;
    let parse = |t: &str| parse_amount(t, dec).map_err(anyhow::Error::msg);
    let rules = MonitoringRules {
        large_amount: parse(&a.large)?,
        window_ms: a.window_secs.checked_mul(1000).context("window too long")?,
        window_amount_max: parse(&a.window_amount)?,
        window_count_max: a.window_count,
        structuring_floor_bps: a.structuring_floor_bps,
        structuring_count: a.structuring_count,
        hold_timeout_ms: a.hold_timeout_secs.checked_mul(1000).context("timeout too long")?,
        inflow_amount_max: parse(&a.inflow_amount)?,
        inflow_count_max: a.inflow_count,
        distinct_senders_max: a.distinct_senders,
        tier_limits: a.tier_limits.iter().map(|t| tier_limit(t, dec)).collect::<Result<_>>()?,
        version: 0,
    };
    rules.check().map_err(anyhow::Error::msg)?;
    let r = a.council.send(&a.target, TxBody::SetMonitoring { token: a.token.clone(), rules })?;
    done(json, &r, format!("monitoring rules for {} set", a.token));
    Ok(())
}

pub fn hold(command: HoldCommand, json: bool) -> Result<()> {
    match command {
        HoldCommand::List { target, key, pending } => {
            let signer = resolve_key(&target, &key)?;
            let path = if pending { "/v1/holds?pending=true" } else { "/v1/holds" };
            let v = signed_json(&target, &target.client()?, &signer, path)?;
            print(json, &v, || {
                let holds = v["holds"].as_array().cloned().unwrap_or_default();
                if holds.is_empty() {
                    return "no holds".into();
                }
                holds
                    .iter()
                    .map(|h| {
                        let rules: Vec<&str> = h["alerts"].as_array().map(|a| a.iter().filter_map(|x| x["rule"].as_str()).collect()).unwrap_or_default();
                        format!(
                            "hold {:>4}  {:<8} sender {}  tx {}  alerts {}",
                            h["id"],
                            h["status"]["state"].as_str().unwrap_or_default(),
                            h["sender"].as_str().unwrap_or_default(),
                            h["tx_id"].as_str().unwrap_or_default(),
                            rules.join(",")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        HoldCommand::Release { target, key, id, reason } => {
            let r = send(&target, &key, TxBody::DecideHold { hold: id, post: true, reason })?;
            done(json, &r, format!("hold {id} released: the transfer is posted"));
        }
        HoldCommand::Reject { target, key, id, reason } => {
            let r = send(&target, &key, TxBody::DecideHold { hold: id, post: false, reason })?;
            done(json, &r, format!("hold {id} rejected: the funds are back with the sender"));
        }
    }
    Ok(())
}

pub fn subledger(target: &Target, council: &Council, name: &str, no_kyc: bool, json: bool) -> Result<()> {
    let r = council.send(target, TxBody::CreateSubledger { name: name.to_string(), kyc_required: !no_kyc })?;
    done(json, &r, format!("sub-ledger {name} created"));
    Ok(())
}

/// Sets the governed rate `from → to` to `num/den` with `desk` providing the liquidity.
pub fn rate(target: &Target, council: &Council, (from, to): (&str, &str), (num, den): (u64, u64), desk: &str, json: bool) -> Result<()> {
    let desk = account_arg(target, desk)?;
    let r = council.send(target, TxBody::SetRate { from: from.into(), to: to.into(), num, den, desk })?;
    done(json, &r, format!("rate {from}→{to} set to {num}/{den}"));
    Ok(())
}

/// Replaces an account's signer set; `signers` are `KEY[:WEIGHT]` (public key or key name).
pub fn set_signers(target: &Target, keys: &[String], signers: &[String], threshold: u32, json: bool) -> Result<()> {
    let signing: Vec<KeySigner> = keys.iter().map(|k| resolve_key(target, k)).collect::<Result<_>>()?;
    let sender = crate::keys::account_for(signing.first().context("--key needs at least one key")?);
    let mut set = Vec::new();
    for s in signers {
        let (key, weight) = match s.rsplit_once(':') {
            Some((k, w)) if w.parse::<u16>().is_ok() && !k.is_empty() => (k, w.parse::<u16>()?),
            _ => (s.as_str(), 1),
        };
        let public = match key.parse::<vellum_types::PublicKey>() {
            Ok(p) => p,
            Err(_) => resolve_key(target, key)?.public_key(),
        };
        set.push(Signer { key: public, weight });
    }
    let set = SignerSet { signers: set, threshold };
    set.check().map_err(anyhow::Error::msg)?;
    let r = send_as(target, &signing, sender, TxBody::SetSigners { set })?;
    done(json, &r, format!("account {sender} now needs weight {threshold} of {} signers", signers.len()));
    Ok(())
}

/// `vellum balance` / `vellum history`: which account, read as whom.
#[derive(clap::Args)]
pub struct AccountArgs {
    #[command(flatten)]
    pub target: Target,
    #[arg(long)]
    pub key: String,
    /// Another account to read (id or key name); default: the key's own.
    #[arg(long)]
    pub account: Option<String>,
}

/// `vellum receipt`.
#[derive(clap::Args)]
pub struct ReceiptArgs {
    #[command(flatten)]
    pub target: Target,
    #[arg(long)]
    pub key: String,
    pub hash: String,
    #[arg(long)]
    pub out: std::path::PathBuf,
}

/// `vellum subledger`.
#[derive(clap::Args)]
pub struct SubledgerArgs {
    #[command(flatten)]
    pub target: Target,
    #[command(flatten)]
    pub council: Council,
    #[arg(long)]
    pub name: String,
    /// Accounts may be opened without a KYC commitment.
    #[arg(long)]
    pub no_kyc: bool,
}

/// `vellum rate`.
#[derive(clap::Args)]
pub struct RateArgs {
    #[command(flatten)]
    pub target: Target,
    #[command(flatten)]
    pub council: Council,
    #[arg(long)]
    pub from: String,
    #[arg(long)]
    pub to: String,
    #[arg(long)]
    pub num: u64,
    #[arg(long)]
    pub den: u64,
    #[arg(long, default_value = "desk")]
    pub desk: String,
}

/// Writes the receipt of a finalized payment.
pub fn receipt(a: ReceiptArgs, json: bool) -> Result<()> {
    let signer = resolve_key(&a.target, &a.key)?;
    write_receipt(&a.target, &a.target.client()?, &signer, &a.hash, &a.out)?;
    print(json, &json!({ "out": a.out }), || format!("wrote {}", a.out.display()));
    Ok(())
}

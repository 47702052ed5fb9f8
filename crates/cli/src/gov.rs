//! Governance from the command line: proposals and votes, rules, roles, modules, the council.

use crate::pay::{Council, account_arg, done};
use crate::{Target, print, resolve_key, send};
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use serde_json::Value;
use std::path::PathBuf;
use vellum_types::payment::Hash32Text;
use vellum_types::{GovAction, Role, TxBody, sha256};

#[derive(Subcommand)]
pub enum GovCommand {
    /// Approve an open proposal (a council member).
    Vote {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        key: String,
        id: u64,
    },
    /// One proposal: action, approvals, deadline, status. A proposal that sets monitoring
    /// rules or roles needs a signed read by main-ledger oversight or a council member.
    Show {
        #[command(flatten)]
        target: Target,
        /// Sign the read with this key (a council member or oversight).
        #[arg(long)]
        key: Option<String>,
        id: u64,
    },
    /// Recent proposals, newest first.
    List {
        #[command(flatten)]
        target: Target,
    },
    /// Propose a new council (members by account id or key name) and threshold.
    SetCouncil {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        council: Council,
        #[arg(long = "member", required = true)]
        members: Vec<String>,
        #[arg(long)]
        threshold: u32,
    },
    /// Propose adding a validator; it signs blocks from the next epoch boundary on.
    AddValidator {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        council: Council,
        #[arg(long)]
        name: String,
        /// Its consensus (and p2p) Ed25519 public key, hex.
        #[arg(long)]
        key: String,
        /// `host:port` of its p2p listener.
        #[arg(long)]
        address: String,
    },
    /// Propose removing a validator (by name or consensus key) at the next epoch boundary.
    RemoveValidator {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        council: Council,
        validator: String,
    },
    /// Propose new consensus parameters (unset flags keep their current value).
    SetParams {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        council: Council,
        #[arg(long)]
        block_txs_max: Option<u32>,
        #[arg(long)]
        block_bytes_max: Option<u32>,
        #[arg(long)]
        future_skew_ms: Option<u64>,
        #[arg(long)]
        past_skew_ms: Option<u64>,
    },
    /// Propose the list of reason codes proof status changes may give (replaces the list in
    /// force; codes are 1..=32 bytes of [a-z0-9_], starting with a letter).
    SetReasonCodes {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        council: Council,
        #[arg(required = true)]
        codes: Vec<String>,
    },
    /// Propose the witnesses validators push each checkpoint to, from a policy file
    /// (`witness <name> <hex key> <url>` lines and `quorum <k>`); `--off` switches it off.
    SetWitnesses {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        council: Council,
        #[arg(long, required_unless_present = "off", conflicts_with = "off")]
        policy: Option<std::path::PathBuf>,
        #[arg(long)]
        off: bool,
    },
}

#[derive(Subcommand)]
pub enum RulesCommand {
    /// Propose a new version of the governing rules: the text's SHA-256 goes on the ledger,
    /// the text itself is published at `--uri`.
    Set {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        council: Council,
        #[arg(long)]
        file: PathBuf,
        #[arg(long)]
        uri: String,
    },
    /// The rules in force, the council, and counters.
    Show {
        #[command(flatten)]
        target: Target,
        /// A copy of the rules text to check against the digest on the ledger.
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Every executed governance change, oldest first, with the version it put in force.
    History {
        #[command(flatten)]
        target: Target,
        /// Only changes after this many (what you saw last time).
        #[arg(long, default_value_t = 0)]
        since: u64,
    },
}

#[derive(Subcommand)]
pub enum RoleCommand {
    /// Propose appointing an account to a role.
    Grant {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        council: Council,
        #[arg(long)]
        account: String,
        #[arg(long)]
        role: String,
    },
    /// Propose removing a role from an account.
    Revoke {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        council: Council,
        #[arg(long)]
        account: String,
        #[arg(long)]
        role: String,
    },
}

#[derive(Subcommand)]
pub enum ModuleCommand {
    /// Propose registering (or upgrading) a module: its code and review record are hashed and
    /// the digests stored with the approval.
    Register {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        council: Council,
        #[arg(long)]
        name: String,
        #[arg(long)]
        code: PathBuf,
        #[arg(long)]
        review: PathBuf,
    },
    /// Propose pausing a module (standard: registry, transfer, multisig).
    Pause {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        council: Council,
        #[arg(long)]
        name: String,
    },
    /// Propose resuming a paused module.
    Resume {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        council: Council,
        #[arg(long)]
        name: String,
    },
}

fn file_digest(path: &PathBuf) -> Result<Hash32Text> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(Hash32Text(sha256(&bytes)))
}

fn get(target: &Target, path: &str) -> Result<Value> {
    match target.client()?.get(path)? {
        (200, v) => Ok(v),
        (s, v) => bail!("{} ({s})", v["error"]["message"].as_str().unwrap_or("request failed")),
    }
}

fn role(text: &str) -> Result<Role> {
    Role::parse(text).with_context(|| format!("unknown role `{text}` (registrar, issuer, auditor, compliance, desk, node, user)"))
}

pub fn gov(command: GovCommand, json: bool) -> Result<()> {
    match command {
        GovCommand::Vote { target, key, id } => {
            let r = send(&target, &key, TxBody::Vote { proposal: id })?;
            // Signed: a monitoring or role proposal is readable by the council, not by anyone.
            let signer = resolve_key(&target, &key)?;
            let p = crate::pay::signed_json(&target, &target.client()?, &signer, &format!("/v1/governance/proposal/{id}"))?;
            let state = p["proposal"]["status"]["state"].as_str().unwrap_or_default().to_string();
            if state == "failed" {
                bail!("proposal {id} reached the threshold but failed: {}", p["proposal"]["status"]["message"]);
            }
            print(json, &p, || format!("voted for proposal {id} (height {}): it is now {state}", r["height"]));
        }
        GovCommand::Show { target, key, id } => {
            let path = format!("/v1/governance/proposal/{id}");
            let p = match key {
                Some(k) => crate::pay::signed_json(&target, &target.client()?, &resolve_key(&target, &k)?, &path)?,
                None => get(&target, &path)?,
            };
            print(json, &p, || serde_json::to_string_pretty(&p["proposal"]).unwrap_or_default());
        }
        GovCommand::List { target } => {
            let v = get(&target, "/v1/governance/proposals")?;
            print(json, &v, || {
                let rows = v["proposals"].as_array().cloned().unwrap_or_default();
                if rows.is_empty() {
                    return "no proposals".into();
                }
                rows.iter()
                    .map(|p| {
                        format!(
                            "{:>4}  {:<9} {:<18} approvals {}  deadline {}",
                            p["id"],
                            p["status"]["state"].as_str().unwrap_or_default(),
                            p["action"]["action"].as_str().unwrap_or_default(),
                            p["approvals"].as_array().map_or(0, Vec::len),
                            p["deadline_height"]
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        GovCommand::SetCouncil { target, council, members, threshold } => {
            let members = members.iter().map(|m| account_arg(&target, m)).collect::<Result<Vec<_>>>()?;
            let r = council.propose(&target, GovAction::SetCouncil { members, threshold })?;
            done(json, &r, "council replaced".into());
        }
        GovCommand::AddValidator { target, council, name, key, address } => {
            // Checked before proposing: a mistake found only at execution costs every vote.
            let k = crate::proof::hex32(key.trim(), "--key (the validator's Ed25519 public key)")?;
            if !vellum_crypto::is_ed25519_key(&k) {
                bail!("--key is not an Ed25519 public key (not a curve point)");
            }
            address.parse::<std::net::SocketAddr>().with_context(|| format!("--address `{address}` is not host:port"))?;
            let validator = vellum_types::GenesisValidator { name: name.clone(), consensus_key: k, p2p_key: k, address };
            validator.check()?;
            let r = council.propose(&target, GovAction::AddValidator { validator })?;
            done(json, &r, format!("validator {name} added from the next epoch boundary"));
        }
        GovCommand::RemoveValidator { target, council, validator } => {
            let v = get(&target, "/v1/governance")?;
            let set: Vec<vellum_types::GenesisValidator> =
                serde_json::from_value(v["pending_validators"].clone()).context("the node did not report the next epoch's validators")?;
            let key = set
                .iter()
                .find(|e| e.name == validator || hex::encode(e.consensus_key) == validator.to_ascii_lowercase())
                .map(|e| e.consensus_key)
                .with_context(|| format!("no validator named or keyed `{validator}` in the next epoch's set"))?;
            let r = council.propose(&target, GovAction::RemoveValidator { consensus_key: Hash32Text(key) })?;
            done(json, &r, format!("validator {validator} removed from the next epoch boundary"));
        }
        GovCommand::SetParams { target, council, block_txs_max, block_bytes_max, future_skew_ms, past_skew_ms } => {
            if block_txs_max.is_none() && block_bytes_max.is_none() && future_skew_ms.is_none() && past_skew_ms.is_none() {
                bail!("nothing to change: give at least one of --block-txs-max, --block-bytes-max, --future-skew-ms, --past-skew-ms");
            }
            let v = get(&target, "/v1/governance")?;
            let mut params: vellum_types::ConsensusParams =
                serde_json::from_value(v["params"].clone()).context("the node did not report its consensus parameters")?;
            if let Some(x) = block_txs_max {
                params.block_txs_max = x;
            }
            if let Some(x) = block_bytes_max {
                params.block_bytes_max = x;
            }
            if let Some(x) = future_skew_ms {
                params.block_time_future_skew_ms = x;
            }
            if let Some(x) = past_skew_ms {
                params.block_time_past_skew_ms = x;
            }
            params.check().map_err(anyhow::Error::msg)?;
            let r = council.propose(&target, GovAction::SetConsensusParams { params })?;
            done(json, &r, "consensus parameters changed".into());
        }
        GovCommand::SetReasonCodes { target, council, codes } => {
            let action = GovAction::SetReasonCodes { codes };
            action.check().map_err(anyhow::Error::msg)?;
            let r = council.propose(&target, action)?;
            done(json, &r, "reason codes set".into());
        }
        GovCommand::SetWitnesses { target, council, policy, off } => {
            let policy = match policy {
                Some(path) if !off => crate::witness::governed_policy(&path)?,
                _ => vellum_types::witness::WitnessPolicy { witnesses: Vec::new(), quorum: 0 },
            };
            let action = GovAction::SetWitnesses { policy };
            action.check().map_err(anyhow::Error::msg)?;
            let r = council.propose(&target, action)?;
            done(json, &r, "witnesses set".into());
        }
    }
    Ok(())
}

pub fn rules(command: RulesCommand, json: bool) -> Result<()> {
    match command {
        RulesCommand::Set { target, council, file, uri } => {
            let digest = file_digest(&file)?;
            let r = council.propose(&target, GovAction::SetRules { digest, uri })?;
            done(json, &r, "rules updated".into());
        }
        RulesCommand::Show { target, file } => {
            let v = get(&target, "/v1/governance")?;
            let matches = match (&file, v["rules"]["digest"].as_str()) {
                (Some(f), Some(d)) => Some(hex::encode(file_digest(f)?.0) == d),
                _ => None,
            };
            print(json, &v, || {
                let mut out = format!(
                    "rules version {}  digest {}  published at {}\ncouncil {} members, threshold {} (version {})\n{} governance changes, {} proposals",
                    v["rules"]["version"],
                    v["rules"]["digest"].as_str().unwrap_or("(none)"),
                    v["rules"]["uri"].as_str().unwrap_or(""),
                    v["council"]["members"].as_array().map_or(0, Vec::len),
                    v["council"]["threshold"],
                    v["council"]["version"],
                    v["events"],
                    v["proposals"],
                );
                if let Some(m) = matches {
                    out.push_str(if m { "\nyour copy of the rules MATCHES the ledger" } else { "\nyour copy of the rules DIFFERS from the ledger" });
                }
                out
            });
            if matches == Some(false) {
                std::process::exit(1);
            }
        }
        RulesCommand::History { target, since } => {
            let v = get(&target, &format!("/v1/governance/history?from={since}"))?;
            print(json, &v, || {
                let rows = v["events"].as_array().cloned().unwrap_or_default();
                if rows.is_empty() {
                    return format!("no changes since {since}");
                }
                rows.iter()
                    .map(|e| {
                        let version = if e["version"].is_null() { String::new() } else { format!(" → version {}", e["version"]) };
                        format!(
                            "#{:<4} height {:>7}  proposal {:>4}  {}{version}",
                            e["seq"],
                            e["height"],
                            e["proposal"],
                            e["action"]["action"].as_str().unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
    }
    Ok(())
}

pub fn role_cmd(command: RoleCommand, json: bool) -> Result<()> {
    let (target, council, account, text, grant) = match command {
        RoleCommand::Grant { target, council, account, role } => (target, council, account, role, true),
        RoleCommand::Revoke { target, council, account, role } => (target, council, account, role, false),
    };
    let account = account_arg(&target, &account)?;
    let role = role(&text)?;
    let action = if grant { GovAction::GrantRole { account, role } } else { GovAction::RevokeRole { account, role } };
    let r = council.propose(&target, action)?;
    done(json, &r, format!("role {text} {} account {account}", if grant { "granted to" } else { "revoked from" }));
    Ok(())
}

pub fn module(command: ModuleCommand, json: bool) -> Result<()> {
    let (target, council, action, what) = match command {
        ModuleCommand::Register { target, council, name, code, review } => {
            let action = GovAction::RegisterModule { name: name.clone(), code_digest: file_digest(&code)?, review_digest: file_digest(&review)? };
            (target, council, action, format!("module {name} registered"))
        }
        ModuleCommand::Pause { target, council, name } => {
            (target, council, GovAction::SetModulePaused { name: name.clone(), paused: true }, format!("module {name} paused"))
        }
        ModuleCommand::Resume { target, council, name } => {
            (target, council, GovAction::SetModulePaused { name: name.clone(), paused: false }, format!("module {name} resumed"))
        }
    };
    let r = council.propose(&target, action)?;
    done(json, &r, what);
    Ok(())
}

#[derive(Subcommand)]
pub enum RecoveryCommand {
    /// Name the account's recovery guardians (k of n) and the time lock.
    Guardians {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        key: String,
        #[arg(long = "guardian", required = true)]
        guardians: Vec<String>,
        #[arg(long)]
        threshold: u32,
        /// Blocks between the first approval and the earliest execution (the owner's window
        /// to cancel).
        #[arg(long)]
        delay_blocks: u64,
    },
    /// As a guardian, start or approve replacing the account's key with `--new-key`.
    Propose {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        key: String,
        #[arg(long)]
        account: String,
        /// The owner's new public key (`ed25519:<hex>`) or key file.
        #[arg(long)]
        new_key: String,
    },
    /// As the owner, cancel a pending recovery of your account.
    Cancel {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        key: String,
    },
    /// Complete a recovery whose time lock passed with enough approvals.
    Execute {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        key: String,
        #[arg(long)]
        account: String,
    },
}

pub fn recovery(command: RecoveryCommand, json: bool) -> Result<()> {
    let (target, key, body, what) = match command {
        RecoveryCommand::Guardians { target, key, guardians, threshold, delay_blocks } => {
            let guardians = guardians.iter().map(|g| account_arg(&target, g)).collect::<Result<Vec<_>>>()?;
            let what = format!("{} guardians set, {threshold} needed, time lock {delay_blocks} blocks", guardians.len());
            (target, key, TxBody::SetGuardians { guardians, threshold, delay_blocks }, what)
        }
        RecoveryCommand::Propose { target, key, account, new_key } => {
            let account = account_arg(&target, &account)?;
            let public = match new_key.parse::<vellum_types::PublicKey>() {
                Ok(p) => p,
                Err(_) => crate::resolve_key(&target, &new_key)?.public_key(),
            };
            let set = vellum_types::SignerSet::single(public);
            (target, key, TxBody::ProposeRecovery { account, set }, format!("recovery of {account} approved"))
        }
        RecoveryCommand::Cancel { target, key } => (target, key, TxBody::CancelRecovery, "pending recovery cancelled".to_string()),
        RecoveryCommand::Execute { target, key, account } => {
            let account = account_arg(&target, &account)?;
            (target, key, TxBody::ExecuteRecovery { account }, format!("account {account} recovered: its old keys no longer work"))
        }
    };
    let r = send(&target, &key, body)?;
    done(json, &r, what);
    Ok(())
}

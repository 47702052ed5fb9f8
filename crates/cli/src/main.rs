//! `vellum`: run a validator or a local devnet, and talk to a node.

//! This file holds only the top-level parser and the dispatch; each command family's
//! arguments live with its handler, and the shared sign/send/wait path in `target.rs`.

mod account;
mod audit_cmd;
mod bench;
mod chaos;
mod client;
mod contract;
mod invoice;
mod credential;
mod devnet;
mod gov;
mod issuer;
mod key_cmd;
mod key_life;
mod key_token;
mod keys;
mod keystore;
mod kyc_cmd;
mod log;
mod originals;
mod pay;
mod proof;
mod query;
mod status;
mod target;
mod tx_cmd;
mod describe;
mod multiparty;
#[cfg(test)]
mod vectors;
#[cfg(test)]
mod vectors_evidence;
mod watch;
mod witness;
mod witness_push;

use anyhow::{Result, bail};
use clap::{Parser, Subcommand};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
pub(crate) use target::{Target, chain, resolve_key, send, send_as};

#[derive(Parser)]
#[command(name = "vellum", version, about = "Vellum: a permissioned BFT ledger for integrity proofs and payments")]
struct Cli {
    /// Machine-readable JSON output.
    #[arg(long, global = true)]
    json: bool,
    /// Accept plain (unencrypted) key files: devnets only. Without it, keys must be encrypted
    /// keystores or PKCS#11 token references (a devnet's client config sets it for its keys).
    #[arg(long, global = true)]
    insecure_plain_keys: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Run one validator (see README for a multi-machine setup).
    Node {
        #[arg(long)]
        config: PathBuf,
    },
    /// A local multi-validator network of real processes on 127.0.0.1.
    Devnet {
        #[command(subcommand)]
        command: devnet::DevnetCommand,
    },
    /// Check a genesis file and print its hash: every organisation of a consortium compares it
    /// with the others' before starting its validator (docs/deployment.md).
    Genesis {
        /// The genesis file (TOML).
        genesis: PathBuf,
    },
    /// Chain status from a node.
    Status {
        #[command(flatten)]
        target: Target,
        /// Also show this key's account's signer keys with rotation and expiry reminders.
        #[arg(long)]
        key: Option<String>,
    },
    /// Key files.
    Key {
        #[command(subcommand)]
        command: key_cmd::KeyCommand,
    },
    /// Account transactions.
    Account {
        #[command(subcommand)]
        command: account::AccountCommand,
    },
    /// Transactions: status; multi-party signing (build unsigned, sign, combine, submit).
    Tx {
        #[command(subcommand)]
        command: tx_cmd::TxCommand,
    },
    /// Integrity proofs: register documents, fetch evidence bundles, revoke, supersede.
    Proof {
        #[command(subcommand)]
        command: proof::ProofCommand,
    },
    /// Selectively disclosed credentials (SD-JWT VC): issue, present, verify with the ledger evidence.
    Credential {
        #[command(subcommand)]
        command: credential::CredentialCommand,
    },
    /// Run a witness (c2sp.org/tlog-witness) that cosigns checkpoints of a chain's log.
    Witness {
        #[command(subcommand)]
        command: WitnessCommand,
    },
    /// Issuer identity: attest, show, re-check and revoke who an issuer account is.
    Issuer {
        #[command(subcommand)]
        command: issuer::IssuerCommand,
    },
    /// Log checkpoints (C2SP signed notes) and consistency between them.
    Log {
        #[command(subcommand)]
        command: log::LogCommand,
    },
    /// Verify an evidence bundle offline (no network).
    Verify {
        bundle: PathBuf,
        /// The document to check against the registered digest.
        #[arg(long)]
        file: Option<PathBuf>,
        /// The genesis hash you trust (pin it; without it the bundle's chain is only reported).
        #[arg(long)]
        checkpoint: Option<String>,
        /// A fresh status proof (`vellum proof status --out`) to combine with the bundle:
        /// "valid as registered; status now …".
        #[arg(long)]
        status: Option<PathBuf>,
        /// A witness policy (`witness <name> <hex key> [url]` lines, `quorum <k>`): the file's
        /// witnessed checkpoint (bundle version 4, receipt version 3) must be cosigned by k of
        /// them.
        #[arg(long)]
        witnesses: Option<PathBuf>,
        /// Print every intermediate hash.
        #[arg(long)]
        explain: bool,
    },
    /// Load a devnet with account openings and report finalized tx/s, blocks/s and latency.
    Bench(bench::BenchArgs),
    /// Follow a node's events (finalized blocks; with --key the account's transactions,
    /// payments, holds and proofs), resuming after disconnects; `--json` for one object a line.
    Watch(watch::WatchArgs),
    /// Fault injection on real processes: a devnet under load while validators are killed,
    /// stopped, wiped and partitioned; then every finalized transaction, header and balance
    /// is checked on every validator.
    Chaos(chaos::ChaosArgs),
    /// Pay: one or several legs, atomic and final; optionally converted into another
    /// sub-ledger's token at the governed rate.
    Pay(pay::PayArgs),
    /// An account's balances (signed read: the account itself, its sub-ledger, oversight).
    Balance(pay::AccountArgs),
    /// The payments an account is a party to, newest first.
    History(pay::AccountArgs),
    /// Write the receipt of a finalized payment (verify it offline with `vellum verify`).
    Receipt(pay::ReceiptArgs),
    /// Tokens: create (governance), mint, burn, pause, clawback, show.
    Token {
        #[command(subcommand)]
        command: pay::TokenCommand,
    },
    /// Set a token's monitoring rules (governance): large transfers, velocity, structuring.
    Monitor(pay::MonitorArgs),
    /// Who read your account's data (every read, allowed or refused, on the ledger).
    Audit {
        #[command(subcommand)]
        command: audit_cmd::AuditCommand,
    },
    /// The sanctions list (governance): screening salts and commitments, add and remove.
    Sanctions {
        #[command(subcommand)]
        command: kyc_cmd::SanctionsCommand,
    },
    /// Transfers held by monitoring: list, release (post) or reject (void).
    Hold {
        #[command(subcommand)]
        command: pay::HoldCommand,
    },
    /// Create a sub-ledger (governance).
    Subledger(pay::SubledgerArgs),
    /// Governance: vote on proposals, list and show them, replace the council.
    Gov {
        #[command(subcommand)]
        command: gov::GovCommand,
    },
    /// The governing rules: propose a new version, show the one in force, list every change.
    Rules {
        #[command(subcommand)]
        command: gov::RulesCommand,
    },
    /// Propose appointing or removing roles (registrar, issuer, auditor, compliance, desk).
    Role {
        #[command(subcommand)]
        command: gov::RoleCommand,
    },
    /// Print shell completions (`vellum completions bash > /etc/bash_completion.d/vellum`).
    Completions {
        #[arg(value_parser = ["bash", "zsh", "fish", "elvish", "powershell"])]
        shell: String,
    },
    /// Key recovery by guardians with a time lock (lost device).
    Recovery {
        #[command(subcommand)]
        command: gov::RecoveryCommand,
    },
    /// Contract code: check it before proposing it (parses, validates, host API imports only,
    /// no floating point, declared limits).
    Contract {
        #[command(subcommand)]
        command: contract::ContractCommand,
    },
    /// E-invoices (X.1407 Appendix I): invoicing conditions, issue (tax authority),
    /// reimbursement, VAT clearance — each consumes its reference once.
    Invoice {
        #[command(subcommand)]
        command: invoice::InvoiceCommand,
    },
    /// Propose registering, pausing or resuming modules/contracts.
    Module {
        #[command(subcommand)]
        command: gov::ModuleCommand,
    },
    /// Set the governed conversion rate FROM → TO and its liquidity desk (governance).
    Rate(pay::RateArgs),
}

fn main() {
    let cli = Cli::parse();
    let json = cli.json;
    if let Err(e) = run(cli) {
        if json {
            println!("{}", json!({ "error": format!("{e:#}") }));
        } else {
            eprintln!("error: {e:#}");
        }
        std::process::exit(1);
    }
}

/// A progress bar on stderr for long work — only when stderr is a terminal (never in `--json`
/// output or logs).
pub(crate) fn progress(len: u64, what: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() || len < 2 {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} {per_sec} eta {eta}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

pub(crate) fn print(json: bool, value: &Value, human: impl FnOnce() -> String) {
    if json {
        println!("{value}");
    } else {
        println!("{}", human());
    }
}

fn run(cli: Cli) -> Result<()> {
    if cli.insecure_plain_keys {
        keys::allow_plain();
    }
    dispatch(cli.command, cli.json)
}

/// The command `tx build` wraps (parsed at run time: a recursive clap type would make the
/// parser build an infinite command tree).
pub(crate) fn parse_inner(args: &[String]) -> Result<Command> {
    let argv = std::iter::once("vellum".to_string()).chain(args.iter().cloned());
    Ok(Cli::try_parse_from(argv).map_err(|e| anyhow::anyhow!("the command to build: {e}"))?.command)
}

/// Runs one command (`tx build` runs the command it wraps through here).
pub(crate) fn dispatch(command: Command, json: bool) -> Result<()> {
    match command {
        Command::Node { config } => run_node(&config),
        Command::Devnet { command } => devnet::run(command, json),
        Command::Status { target, key: None } => query::status(&target, json),
        Command::Status { target, key: Some(key) } => key_life::status_with_key(&target, &key, json),
        Command::Key { command } => key_cmd::run(command, json),
        Command::Account { command } => account::run(command, json),
        Command::Tx { command } => tx_cmd::run(command, json),
        Command::Proof { command } => proof::run(command, json),
        Command::Issuer { command } => issuer::run(command, json),
        Command::Credential { command } => credential::run(command, json),
        Command::Witness { command: WitnessCommand::Serve(args) } => witness::serve(args, json),
        Command::Genesis { genesis } => genesis_summary(&genesis, json),
        Command::Contract { command } => contract::run(command, json),
        Command::Invoice { command } => invoice::run(command, json),
        Command::Log { command } => log::run(command, json),
        Command::Verify { bundle, file, checkpoint, status, witnesses, explain } => {
            proof::verify(&bundle, file.as_deref(), checkpoint.as_deref(), status.as_deref(), witnesses.as_deref(), explain, json)
        }
        Command::Bench(args) => bench::run(args, json),
        Command::Chaos(args) => chaos::run(args, json),
        Command::Watch(args) => watch::run(args, json),
        Command::Pay(args) => pay::pay(args, json),
        Command::Balance(a) => pay::balance(&a.target, &a.key, a.account.as_deref(), json),
        Command::History(a) => pay::history(&a.target, &a.key, a.account.as_deref(), json),
        Command::Receipt(a) => pay::receipt(a, json),
        Command::Token { command } => pay::token(command, json),
        Command::Monitor(args) => pay::monitor(args, json),
        Command::Hold { command } => pay::hold(command, json),
        Command::Sanctions { command } => kyc_cmd::sanctions(command, json),
        Command::Audit { command } => audit_cmd::run(command, json),
        Command::Subledger(a) => pay::subledger(&a.target, &a.council, &a.name, a.no_kyc, json),
        Command::Rate(a) => pay::rate(&a.target, &a.council, (&a.from, &a.to), (a.num, a.den), &a.desk, json),
        Command::Gov { command } => gov::gov(command, json),
        Command::Rules { command } => gov::rules(command, json),
        Command::Role { command } => gov::role_cmd(command, json),
        Command::Module { command } => gov::module(command, json),
        Command::Recovery { command } => gov::recovery(command, json),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let shell: clap_complete::Shell = shell.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "vellum", &mut script);
            // A closed pipe (`| head`) is not an error worth a message.
            let _ = std::io::Write::write_all(&mut std::io::stdout(), &script);
            Ok(())
        }
    }
}

/// glibc malloc arenas a validator may use. Its default (8 per core) lets each of the many
/// runtime and API threads keep its own arena of freed memory; two cost no measurable
/// throughput and ~50 MiB of RSS per validator under load (docs/benchmarks.md, "Memory after a
/// million transactions").
const MALLOC_ARENAS_MAX: i32 = 2;

fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: called before any other thread exists; `mallopt` only sets an allocator option.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, MALLOC_ARENAS_MAX);
    }
}

fn run_node(config: &Path) -> Result<()> {
    limit_malloc_arenas();
    let (mut cfg, _) = vellum_node::config::NodeConfig::load(config)?;
    cfg.insecure_plain_keys = keys::plain_allowed();
    let api = cfg.api_listen;
    let name = cfg.name.clone();
    let tls = match (cfg.tls_cert.clone(), cfg.tls_key.clone()) {
        (Some(cert_pem), Some(key_pem)) => Some(vellum_api::Tls { cert_pem, key_pem }),
        (None, None) => None,
        _ => bail!("{}: set both tls_cert and tls_key, or neither", config.display()),
    };
    let peers = cfg.peer_api.clone();
    vellum_node::run::run_validator(cfg, move |node| {
        if let Err(e) = witness_push::spawn(node.clone(), peers) {
            eprintln!("error: cannot start the witness pusher: {e}");
            std::process::exit(1);
        }
        match vellum_api::spawn_with(api, node, tls) {
            Ok(addr) => tracing_info(&format!("validator {name} serving the API on http://{addr}")),
            Err(e) => {
                eprintln!("error: cannot serve the API on {api}: {e}");
                std::process::exit(1);
            }
        }
    })?;
    Ok(())
}

fn genesis_summary(path: &Path, json: bool) -> Result<()> {
    let g = vellum_node::config::load_genesis(path)?;
    let v = serde_json::json!({
        "genesis_hash": hex::encode(g.hash()),
        "chain_id": g.chain_id,
        "validators": g.validators.iter().map(|v| serde_json::json!({ "name": v.name, "consensus_key": hex::encode(v.consensus_key), "address": v.address })).collect::<Vec<_>>(),
        "accounts": g.accounts.len(),
        "epoch_length_blocks": g.epoch_length_blocks,
    });
    print(json, &v, || {
        let names: Vec<&str> = g.validators.iter().map(|v| v.name.as_str()).collect();
        format!(
            "genesis {} of chain {}: {} validators ({}), {} accounts, epochs of {}",
            hex::encode(g.hash()),
            g.chain_id,
            names.len(),
            names.join(", "),
            g.accounts.len(),
            g.epoch_length_blocks.map_or("∞ (one epoch)".to_string(), |l| format!("{l} blocks"))
        )
    });
    Ok(())
}

fn tracing_info(message: &str) {
    eprintln!("{message}");
}


#[derive(clap::Subcommand)]
pub enum WitnessCommand {
    /// Serve `POST /add-checkpoint`: cosign each newer checkpoint of the log after checking its
    /// signatures and a consistency proof from the last one cosigned; refuse and record a split view.
    Serve(witness::ServeArgs),
}

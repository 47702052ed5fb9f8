//! `vellum contract`: contract code from source to a running instance. `check` runs the static
//! validation every validator applies (`vellum_contracts::check`) on a `.wasm` file, or on
//! WebAssembly text (`.wat`, compiled here first), and prints its report; `propose` sends the
//! code and its review record's digest to governance; `instantiate` and `call` run it;
//! `pause`, `upgrade` and `advisory` are governance's hold on it.

use crate::pay::{Council, account_arg};
use crate::proof::hex32;
use crate::{Target, resolve_key};
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use std::path::{Path, PathBuf};
use vellum_types::contract::{CONTRACT_CODE_BYTES_MAX, CONTRACT_INPUT_BYTES_MAX};
use vellum_types::payment::Hash32Text;
use vellum_types::{AccountId, GovAction, TxBody};

#[derive(Subcommand)]
pub(crate) enum ContractCommand {
    /// Validate contract code: parses and validates, imports only the host API, no floating
    /// point, declared limits. Exits non-zero with the reason when the code is refused.
    Check {
        /// The contract: WebAssembly binary (`.wasm`) or text (`.wat`).
        file: PathBuf,
    },
    /// Start a contract: a directory with the example counter in WebAssembly text (host API
    /// v1 imports, an owner, storage, events, abort) to edit, and how to check it.
    New {
        /// The directory to create (must not exist).
        dir: PathBuf,
    },
    /// Propose contract code to governance: the checks run here first (the ledger runs them
    /// again), then the code and its review record's digest go into a council proposal.
    Propose {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        council: Council,
        /// The contract: `.wasm` or `.wat`.
        file: PathBuf,
        /// The contract's name (`[a-z0-9_-]`, starting with a letter).
        #[arg(long)]
        name: String,
        /// The review record (X.1405 8.6.4): its SHA-256 goes on the ledger.
        #[arg(long)]
        review: PathBuf,
    },
    /// Instantiate approved code into a new contract account, running its `init`.
    Instantiate {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        key: String,
        /// The approved code's digest (64 hex; `contract check` prints it).
        code_digest: String,
        #[command(flatten)]
        input: Input,
        #[arg(long, default_value_t = DEFAULT_FUEL)]
        fuel: u64,
    },
    /// Call a contract's function; prints its output, fuel, payments and events.
    Call {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        key: String,
        /// The contract account id (64 hex).
        contract: String,
        function: String,
        #[command(flatten)]
        input: Input,
        #[arg(long, default_value_t = DEFAULT_FUEL)]
        fuel: u64,
    },
    /// A contract instance: code, versions, pause state, advisory.
    Show {
        #[command(flatten)]
        target: Target,
        contract: String,
    },
    /// Propose pausing (or `--resume`) one contract instance.
    Pause {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        council: Council,
        contract: String,
        #[arg(long)]
        resume: bool,
    },
    /// Propose moving an instance to other approved code (its storage and balances are kept).
    Upgrade {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        council: Council,
        contract: String,
        #[arg(long)]
        code_digest: String,
    },
    /// Propose recording a vulnerability advisory against code (every instance of it stops
    /// taking calls), or lifting it with `--lift`.
    Advisory {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        council: Council,
        code_digest: String,
        /// The advisory text (its SHA-256 goes on the ledger).
        #[arg(long, required_unless_present = "lift")]
        advisory: Option<PathBuf>,
        #[arg(long, conflicts_with = "advisory")]
        lift: bool,
    },
    /// The `init` input of the example escrow (hex): beneficiary, registrant, document digest,
    /// deadline height, token.
    EscrowInput {
        #[command(flatten)]
        target: Target,
        /// Who is paid when the document is registered in time (account id or key name).
        #[arg(long)]
        beneficiary: String,
        /// Who must register it (account id or key name).
        #[arg(long)]
        registrant: String,
        /// The document (its SHA-256 is used), or `--digest`.
        #[arg(long, required_unless_present = "digest")]
        document: Option<PathBuf>,
        #[arg(long, conflicts_with = "document")]
        digest: Option<String>,
        #[arg(long)]
        deadline: u64,
        #[arg(long)]
        token: String,
    },
}

/// Fuel a call is given unless `--fuel` says otherwise.
const DEFAULT_FUEL: u64 = 5_000_000;

/// A call's input: hex on the command line, or a file's bytes.
#[derive(clap::Args)]
pub(crate) struct Input {
    /// The input as hex.
    #[arg(long = "input", conflicts_with = "input_file")]
    hex: Option<String>,
    /// The input as the bytes of a file.
    #[arg(long)]
    input_file: Option<PathBuf>,
}

impl Input {
    fn bytes(&self) -> Result<Vec<u8>> {
        let bytes = match (&self.hex, &self.input_file) {
            (Some(h), _) => hex::decode(h.trim()).context("--input must be hex")?,
            (None, Some(f)) => std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))?,
            (None, None) => Vec::new(),
        };
        if bytes.len() > CONTRACT_INPUT_BYTES_MAX {
            bail!("the input is {} bytes; a contract input is at most {CONTRACT_INPUT_BYTES_MAX}", bytes.len());
        }
        Ok(bytes)
    }
}

pub(crate) fn run(command: ContractCommand, json: bool) -> Result<()> {
    match command {
        ContractCommand::Check { file } => check(&file, json),
        ContractCommand::New { dir } => new(&dir, json),
        ContractCommand::Propose { target, council, file, name, review } => propose(&target, &council, (&file, &name, &review), json),
        ContractCommand::Instantiate { target, key, code_digest, input, fuel } => {
            let code_digest = hex32(&code_digest, "the code digest")?;
            let body = TxBody::InstantiateContract { code_digest, input: input.bytes()?, fuel };
            submit(&target, &key, body, json)
        }
        ContractCommand::Call { target, key, contract, function, input, fuel } => {
            let contract = AccountId(hex32(&contract, "the contract id")?);
            submit(&target, &key, TxBody::CallContract { contract, function, input: input.bytes()?, fuel }, json)
        }
        ContractCommand::Show { target, contract } => {
            let (status, v) = target.client()?.get(&format!("/v1/contract/{contract}"))?;
            if status != 200 {
                bail!("{} ({status})", v["error"]["message"].as_str().unwrap_or("request failed"));
            }
            crate::print(json, &v, || serde_json::to_string_pretty(&v).unwrap_or_default());
            Ok(())
        }
        ContractCommand::Pause { target, council, contract, resume } => {
            let contract = AccountId(hex32(&contract, "the contract id")?);
            let r = council.propose(&target, GovAction::SetContractPaused { contract, paused: !resume })?;
            crate::pay::done(json, &r, format!("contract {contract} {}", if resume { "resumed" } else { "paused" }));
            Ok(())
        }
        ContractCommand::Upgrade { target, council, contract, code_digest } => {
            let contract = AccountId(hex32(&contract, "the contract id")?);
            let code_digest = Hash32Text(hex32(&code_digest, "the code digest")?);
            let r = council.propose(&target, GovAction::UpgradeContract { contract, code_digest })?;
            crate::pay::done(json, &r, format!("contract {contract} upgraded to code {code_digest}"));
            Ok(())
        }
        ContractCommand::Advisory { target, council, code_digest, advisory, lift: _ } => {
            let code_digest = Hash32Text(hex32(&code_digest, "the code digest")?);
            let advisory = match advisory {
                Some(f) => Some(Hash32Text(vellum_types::sha256(&std::fs::read(&f).with_context(|| format!("cannot read {}", f.display()))?))),
                None => None,
            };
            let what = if advisory.is_some() { "recorded against" } else { "lifted from" };
            let r = council.propose(&target, GovAction::SetCodeAdvisory { code_digest, advisory })?;
            crate::pay::done(json, &r, format!("advisory {what} code {code_digest}"));
            Ok(())
        }
        ContractCommand::EscrowInput { target, beneficiary, registrant, document, digest, deadline, token } => {
            let digest = match (document, digest) {
                (Some(f), _) => vellum_types::sha256(&std::fs::read(&f).with_context(|| format!("cannot read {}", f.display()))?),
                (None, Some(d)) => hex32(&d, "--digest")?,
                (None, None) => unreachable!("clap requires one of them"),
            };
            if !vellum_types::payment::valid_symbol(&token) {
                bail!("`{token}` is not a token symbol");
            }
            let mut input = Vec::with_capacity(116);
            input.extend_from_slice(&account_arg(&target, &beneficiary)?.0);
            input.extend_from_slice(&account_arg(&target, &registrant)?.0);
            input.extend_from_slice(&digest);
            input.extend_from_slice(&deadline.to_le_bytes());
            input.extend_from_slice(token.as_bytes());
            let v = serde_json::json!({ "input": hex::encode(&input) });
            crate::print(json, &v, || hex::encode(&input));
            Ok(())
        }
    }
}

fn propose(target: &Target, council: &Council, (file, name, review): (&Path, &str, &Path), json: bool) -> Result<()> {
    let code = code_of(file)?;
    if code.len() > CONTRACT_CODE_BYTES_MAX {
        bail!("{} compiles to {} bytes; code proposed to the ledger is at most {CONTRACT_CODE_BYTES_MAX} (it travels in one transaction)", file.display(), code.len());
    }
    let report = vellum_contracts::check(&code).map_err(|e| anyhow::anyhow!("{}: refused ({}): {e}", file.display(), e.code()))?;
    let review_digest = Hash32Text(vellum_types::sha256(&std::fs::read(review).with_context(|| format!("cannot read {}", review.display()))?));
    let action = GovAction::RegisterCode { name: name.to_string(), code, review_digest };
    action.check().map_err(anyhow::Error::msg)?;
    let r = council.propose(target, action)?;
    crate::pay::done(json, &r, format!("code {} ({name}) approved, entry points {}", hex::encode(report.code_digest), report.entry_points.join(", ")));
    Ok(())
}

/// Sends a contract transaction and prints what it did (`GET /v1/tx/{hash}/contract`).
fn submit(target: &Target, key: &str, body: TxBody, json: bool) -> Result<()> {
    let signer = resolve_key(target, key)?;
    let r = crate::send_as(target, std::slice::from_ref(&signer), crate::keys::account_for(&signer), body)?;
    let hash = r["tx_hash"].as_str().or(r["hash"].as_str()).unwrap_or_default().to_string();
    let client = target.client()?;
    let v = crate::pay::signed_json(target, &client, &signer, &format!("/v1/tx/{hash}/contract"))?;
    crate::print(json, &v, || {
        let events: Vec<String> = v["events"].as_array().into_iter().flatten().map(|e| format!("  event (log {}) from {}: {}", e["log_index"], e["event"]["contract"].as_str().unwrap_or_default(), e["event"]["data"].as_str().unwrap_or_default())).collect();
        let payments: Vec<String> = v["payments"].as_array().into_iter().flatten().map(|p| format!("  payment (log {}): {}", p["log_index"], p["record"]["outcome"])).collect();
        format!(
            "contract {} at height {}: output {}, fuel used {}\n{}{}",
            v["contract"].as_str().unwrap_or_default(),
            v["height"],
            if v["output"].as_str().unwrap_or_default().is_empty() { "(none)" } else { v["output"].as_str().unwrap_or_default() },
            v["fuel_used"],
            payments.join("\n"),
            if events.is_empty() { String::new() } else { format!("\n{}", events.join("\n")) }
        )
    });
    Ok(())
}

/// The template: the example contract the runtime's tests run (`crates/contracts/examples`).
const TEMPLATE_WAT: &str = include_str!("../../contracts/examples/counter.wat");

fn new(dir: &Path, json: bool) -> Result<()> {
    if dir.exists() {
        bail!("{} exists: `contract new` only creates a new directory", dir.display());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let wat = dir.join("contract.wat");
    std::fs::write(&wat, TEMPLATE_WAT)?;
    std::fs::write(
        dir.join("README.md"),
        format!(
            "# Contract\n\n`contract.wat` is WebAssembly text against host API v1 (`{}`; see Vellum's\n`docs/contracts.md`). Check it before proposing it:\n\n```sh\nvellum contract check contract.wat\n```\n",
            vellum_contracts::host::MODULE
        ),
    )?;
    let v = serde_json::json!({ "dir": dir.display().to_string(), "contract": wat.display().to_string() });
    crate::print(json, &v, || format!("created {} (edit it, then: vellum contract check {})", wat.display(), wat.display()));
    Ok(())
}

/// Longest source file read (text is larger than the binary it compiles to).
const SOURCE_BYTES_MAX: u64 = 16 * vellum_contracts::limits::CODE_BYTES_MAX as u64;

fn code_of(file: &Path) -> Result<Vec<u8>> {
    let size = std::fs::metadata(file).with_context(|| format!("cannot read {}", file.display()))?.len();
    if size > SOURCE_BYTES_MAX {
        bail!("{} is {size} bytes; contract sources are read up to {SOURCE_BYTES_MAX}", file.display());
    }
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    if bytes.starts_with(b"\0asm") {
        return Ok(bytes);
    }
    let text = std::str::from_utf8(&bytes).with_context(|| format!("{} is neither WebAssembly binary nor UTF-8 text", file.display()))?;
    wat::parse_str(text).map_err(|e| anyhow::anyhow!("{}: not valid WebAssembly text: {e}", file.display()))
}

fn check(file: &Path, json: bool) -> Result<()> {
    let code = code_of(file)?;
    let report = match vellum_contracts::check(&code) {
        Ok(r) => r,
        Err(e) => bail!("{}: refused ({}): {e}", file.display(), e.code()),
    };
    let v = serde_json::json!({
        "code_digest": hex::encode(report.code_digest),
        "code_bytes": report.code_bytes,
        "host_api": format!("{} (version {})", vellum_contracts::host::MODULE, report.host_api_version),
        "imports": report.imports,
        "entry_points": report.entry_points,
        "memory_pages_max": report.memory_pages_max,
    });
    crate::print(json, &v, || {
        format!(
            "{}: passes the checks\n  code digest   {}\n  size          {} bytes\n  host API      {} (version {})\n  imports       {}\n  entry points  {}\n  memory        at most {} pages of 64 KiB",
            file.display(),
            hex::encode(report.code_digest),
            report.code_bytes,
            vellum_contracts::host::MODULE,
            report.host_api_version,
            if report.imports.is_empty() { "none".to_string() } else { report.imports.join(", ") },
            report.entry_points.join(", "),
            report.memory_pages_max
        )
    });
    Ok(())
}

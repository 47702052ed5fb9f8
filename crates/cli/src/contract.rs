//! `vellum contract`: contract code before it goes to governance. `check` runs the static
//! validation every validator applies (`vellum_contracts::check`) on a `.wasm` file, or on
//! WebAssembly text (`.wat`, compiled here first), and prints the report a registration
//! proposal carries.

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use std::path::{Path, PathBuf};

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
}

pub(crate) fn run(command: ContractCommand, json: bool) -> Result<()> {
    match command {
        ContractCommand::Check { file } => check(&file, json),
        ContractCommand::New { dir } => new(&dir, json),
    }
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

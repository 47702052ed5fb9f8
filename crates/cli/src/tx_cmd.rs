//! `vellum tx`: a transaction's status, and multi-party signing — build a transaction
//! unsigned, sign it on each signer's machine, combine the signatures, submit.

use crate::multiparty::Signed;
use crate::{Target, print, resolve_key};
use anyhow::Result;
use clap::Subcommand;
use serde_json::json;
use std::path::PathBuf;
use std::time::Duration;

/// How long `tx submit` waits for finality.
const SUBMIT_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Subcommand)]
pub enum TxCommand {
    /// Pending, finalized (with height) or rejected (with reason).
    Status {
        #[command(flatten)]
        target: Target,
        hash: String,
    },
    /// Write any command's transaction unsigned (chain, nonce and expiry filled in) instead of
    /// sending it: `vellum tx build --out tx.json pay --key officer-1 --token EUR --to B=10`.
    /// The command's `--key` must be a key of the sending account (it reads the nonce).
    Build {
        #[arg(long)]
        out: PathBuf,
        /// The sending account when it is not the one `--key` derives (a k-of-n account
        /// whose keys were added later).
        #[arg(long)]
        sender: Option<String>,
        /// The command, as you would run it: `pay --key officer-1 --token EUR --to B=10`.
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true, num_args = 1..)]
        command: Vec<String>,
    },
    /// Add one signature to a transaction file, after showing what it does in words.
    Sign {
        file: PathBuf,
        #[arg(long)]
        key: String,
        /// Sign without asking (scripts; read the description first).
        #[arg(long)]
        yes: bool,
        /// Write the signed file here instead of in place.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Client config (only to resolve a key name).
        #[arg(long, default_value = "devnet/client.toml")]
        client: PathBuf,
    },
    /// Merge the signatures of several files holding the same transaction.
    Combine {
        #[arg(required = true, num_args = 1..)]
        files: Vec<PathBuf>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Submit a signed transaction file and wait until it is final.
    Submit {
        #[command(flatten)]
        target: Target,
        file: PathBuf,
    },
}

pub fn run(command: TxCommand, json: bool) -> Result<()> {
    match command {
        TxCommand::Status { target, hash } => crate::query::tx_status(&target, &hash, json),
        TxCommand::Build { out, sender, command } => {
            if let Some(account) = sender {
                crate::keys::act_for(vellum_types::AccountId::from_hex(&account).map_err(|_| anyhow::anyhow!("--sender must be an account id (64 hex)"))?);
            }
            crate::target::build_only(out);
            let inner = crate::parse_inner(&command)?;
            match crate::dispatch(inner, json) {
                Ok(()) => anyhow::bail!("this command sends no transaction, so there is nothing to build"),
                Err(e) => match e.downcast::<crate::target::Built>() {
                    Ok(built) => {
                        let v = built.0;
                        print(json, &v, || format!("unsigned {} transaction {} written to {}\nsigners run: vellum tx sign {} --key KEY", v["kind"].as_str().unwrap_or_default(), v["tx_id"].as_str().unwrap_or_default(), v["file"].as_str().unwrap_or_default(), v["file"].as_str().unwrap_or_default()));
                        Ok(())
                    }
                    Err(e) => Err(e),
                },
            }
        }
        TxCommand::Sign { file, key, yes, out, client } => {
            let target = Target { client, api: None, trust_node: false, pool: Default::default() };
            let key = resolve_key(&target, &key)?;
            let v = crate::multiparty::sign(&file, &key, yes, out.as_deref(), json)?;
            print(json, &v, || format!("signed; {} signature(s){}", v["signers"].as_array().map_or(0, Vec::len), weight_text(&v)));
            Ok(())
        }
        TxCommand::Combine { files, out } => {
            let v = crate::multiparty::combine(&files, &out)?;
            print(json, &v, || format!("{} signature(s) in {}{}", v["signers"].as_array().map_or(0, Vec::len), out.display(), weight_text(&v)));
            Ok(())
        }
        TxCommand::Submit { target, file } => submit(&target, &file, json),
    }
}

fn weight_text(v: &serde_json::Value) -> String {
    match (v["weight"]["weight"].as_u64(), v["weight"]["threshold"].as_u64()) {
        (Some(w), Some(t)) if w >= t => format!(", weight {w} of threshold {t}: ready to submit"),
        (Some(w), Some(t)) => format!(", weight {w} of threshold {t}: more signatures needed"),
        _ => String::new(),
    }
}

/// Checks the file (signatures over this transaction, distinct keys, the known threshold met)
/// before anything is sent, then submits and waits like every other command.
fn submit(target: &Target, file: &std::path::Path, json: bool) -> Result<()> {
    let tx = Signed::load(file)?.transaction()?;
    let pool = target.client()?;
    let (chain_id, _) = crate::chain(target, &pool)?;
    if chain_id != tx.unsigned.chain_id {
        anyhow::bail!("the transaction is for chain {}, the validators run {chain_id}", tx.unsigned.chain_id);
    }
    let outcome = match pool.submit(&tx)? {
        crate::client::Submitted::Accepted(_) => pool.wait_final(&tx, SUBMIT_TIMEOUT, target.verify())?,
        crate::client::Submitted::Refused { code, message, expected_nonce, .. } => crate::client::Outcome::Refused { code, message, expected_nonce },
    };
    match outcome {
        crate::client::Outcome::Final(v) if v["status"] == "rejected" => {
            anyhow::bail!("transaction {} rejected: {} ({})", tx.id(), v["message"].as_str().unwrap_or_default(), v["code"])
        }
        crate::client::Outcome::Final(v) => {
            let out = json!({ "tx_hash": tx.id().to_hex(), "status": v["status"], "height": v["height"] });
            print(json, &out, || format!("transaction {} final at height {}", tx.id(), v["height"]));
            Ok(())
        }
        crate::client::Outcome::Refused { code, message, .. } => anyhow::bail!("refused by the validators ({code}): {message}"),
    }
}

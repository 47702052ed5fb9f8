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
        /// A key of the sending account: reads its signer set when the file carries none (and
        /// checks the weight against the ledger's current set instead of the file's).
        #[arg(long)]
        key: Option<String>,
    },
}

pub fn run(command: TxCommand, json: bool) -> Result<()> {
    match command {
        TxCommand::Status { target, hash } => crate::query::tx_status(&target, &hash, json),
        TxCommand::Build { out, sender, command } => {
            let sender = match sender {
                Some(a) => Some(vellum_types::AccountId::from_hex(&a).map_err(|_| anyhow::anyhow!("--sender must be an account id (64 hex)"))?),
                None => None,
            };
            let inner = crate::parse_inner(&command)?;
            buildable(&inner).map_err(|why| anyhow::anyhow!("`tx build` cannot wrap this command: {why}"))?;
            crate::target::build_only(crate::target::BuildOnly { out, sender });
            match crate::dispatch(inner, json) {
                Ok(()) => anyhow::bail!("this command sent no transaction, so there is nothing to build"),
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
            let v = crate::multiparty::sign(&file, &key, yes, out.as_deref())?;
            print(json, &v, || format!("signed; {} signature(s){}", v["signers"].as_array().map_or(0, Vec::len), weight_text(&v)));
            Ok(())
        }
        TxCommand::Combine { files, out } => {
            let v = crate::multiparty::combine(&files, &out)?;
            print(json, &v, || format!("{} signature(s) in {}{}", v["signers"].as_array().map_or(0, Vec::len), out.display(), weight_text(&v)));
            Ok(())
        }
        TxCommand::Submit { target, file, key } => submit(&target, &file, key.as_deref(), json),
    }
}

/// Whether `tx build` may run a command: it must end in one transaction and have no other
/// effect. Exhaustive, so a new command is decided here when it is added.
fn buildable(command: &crate::Command) -> Result<(), &'static str> {
    use crate::Command as C;
    const NO_TX: &str = "it sends no transaction";
    const SECRETS: &str = "it keeps off-ledger secrets made with the transaction (salts, a manifest, a new key): run it directly";
    match command {
        C::Contract { command } => match command {
            crate::contract::ContractCommand::Check { .. }
            | crate::contract::ContractCommand::New { .. }
            | crate::contract::ContractCommand::Show { .. }
            | crate::contract::ContractCommand::EscrowInput { .. } => Err(NO_TX),
            crate::contract::ContractCommand::Propose { .. }
            | crate::contract::ContractCommand::Instantiate { .. }
            | crate::contract::ContractCommand::Call { .. }
            | crate::contract::ContractCommand::Pause { .. }
            | crate::contract::ContractCommand::Upgrade { .. }
            | crate::contract::ContractCommand::Advisory { .. } => Ok(()),
        },
        C::Invoice { command } => match command {
            crate::invoice::InvoiceCommand::Show { .. } => Err(NO_TX),
            crate::invoice::InvoiceCommand::Terms { .. }
            | crate::invoice::InvoiceCommand::Issue { .. }
            | crate::invoice::InvoiceCommand::Reimburse { .. }
            | crate::invoice::InvoiceCommand::ClearTax { .. } => Ok(()),
        },
        C::Pay(_) | C::Monitor(_) | C::Subledger(_) | C::Rate(_) | C::Role { .. } | C::Module { .. } | C::Recovery { .. } => Ok(()),
        C::Account { command } => match command {
            crate::account::AccountCommand::SetSigners { .. }
            | crate::account::AccountCommand::SetStatus { .. }
            | crate::account::AccountCommand::Kyc { .. } => Ok(()),
            crate::account::AccountCommand::Open { .. } => Err(SECRETS),
        },
        C::Credential { .. } | C::Witness { .. } => Err(NO_TX),
        C::Issuer { command } => match command {
            crate::issuer::IssuerCommand::Revoke { .. } => Ok(()),
            // The registrar's fetch of the well-known document is what makes the attestation.
            crate::issuer::IssuerCommand::Attest { .. } => Err("it checks the issuer's well-known document as it attests: run it directly (or propose `attest_issuer` through governance)"),
            crate::issuer::IssuerCommand::Show { .. } | crate::issuer::IssuerCommand::Check { .. } | crate::issuer::IssuerCommand::WellKnown { .. } => Err(NO_TX),
        },
        C::Proof { command } => match command {
            crate::proof::ProofCommand::Revoke { .. }
            | crate::proof::ProofCommand::Supersede { .. }
            | crate::proof::ProofCommand::Suspend { .. }
            | crate::proof::ProofCommand::Reinstate { .. }
            | crate::proof::ProofCommand::DeleteOriginal { .. } => Ok(()),
            crate::proof::ProofCommand::Register { .. } => Err(SECRETS),
            crate::proof::ProofCommand::RevokeIssuer { .. } => {
                Err("it may take several transactions (each revokes a bounded number of registrations), sent until the ledger says complete: run it directly")
            }
            crate::proof::ProofCommand::Status { .. }
            | crate::proof::ProofCommand::Original { .. }
            | crate::proof::ProofCommand::Bundle { .. }
            | crate::proof::ProofCommand::Show { .. } => Err(NO_TX),
        },
        C::Token { command } => match command {
            crate::pay::TokenCommand::Show { .. } => Err(NO_TX),
            crate::pay::TokenCommand::Create { .. }
            | crate::pay::TokenCommand::Mint { .. }
            | crate::pay::TokenCommand::Burn { .. }
            | crate::pay::TokenCommand::Pause { .. }
            | crate::pay::TokenCommand::Unpause { .. }
            | crate::pay::TokenCommand::Clawback { .. } => Ok(()),
        },
        C::Audit { .. } => Err(NO_TX),
        C::Sanctions { command } => match command {
            crate::kyc_cmd::SanctionsCommand::Add(_) | crate::kyc_cmd::SanctionsCommand::Remove(_) => Ok(()),
            crate::kyc_cmd::SanctionsCommand::NewSalt { .. } | crate::kyc_cmd::SanctionsCommand::Screen { .. } => Err(NO_TX),
        },
        C::Hold { command } => match command {
            crate::pay::HoldCommand::List { .. } => Err(NO_TX),
            crate::pay::HoldCommand::Release { .. } | crate::pay::HoldCommand::Reject { .. } => Ok(()),
        },
        C::Gov { command } => match command {
            crate::gov::GovCommand::Show { .. } | crate::gov::GovCommand::List { .. } => Err(NO_TX),
            crate::gov::GovCommand::Vote { .. }
            | crate::gov::GovCommand::SetCouncil { .. }
            | crate::gov::GovCommand::AddValidator { .. }
            | crate::gov::GovCommand::RemoveValidator { .. }
            | crate::gov::GovCommand::SetParams { .. }
            | crate::gov::GovCommand::SetReasonCodes { .. }
            | crate::gov::GovCommand::SetWitnesses { .. } => Ok(()),
        },
        C::Rules { command } => match command {
            crate::gov::RulesCommand::Set { .. } => Ok(()),
            crate::gov::RulesCommand::Show { .. } | crate::gov::RulesCommand::History { .. } => Err(NO_TX),
        },
        C::Key { command } => match command {
            crate::key_cmd::KeyCommand::Revoke { .. } | crate::key_cmd::KeyCommand::Purpose { .. } | crate::key_cmd::KeyCommand::Expire { .. } => Ok(()),
            crate::key_cmd::KeyCommand::Rotate { .. } => Err(SECRETS),
            crate::key_cmd::KeyCommand::New { .. }
            | crate::key_cmd::KeyCommand::Age { .. }
            | crate::key_cmd::KeyCommand::Archive { .. }
            | crate::key_cmd::KeyCommand::Destroy { .. }
            | crate::key_cmd::KeyCommand::List { .. }
            | crate::key_cmd::KeyCommand::Export { .. }
            | crate::key_cmd::KeyCommand::Import { .. }
            | crate::key_cmd::KeyCommand::Split { .. }
            | crate::key_cmd::KeyCommand::Recover { .. }
            | crate::key_cmd::KeyCommand::Show { .. }
            | crate::key_cmd::KeyCommand::NewValidator { .. }
            | crate::key_cmd::KeyCommand::NewEncryption { .. }
            | crate::key_cmd::KeyCommand::ToToken { .. } => Err(NO_TX),
        },
        C::Node { .. }
        | C::Devnet { .. }
        | C::Status { .. }
        | C::Genesis { .. }
        | C::Tx { .. }
        | C::Log { .. }
        | C::Verify { .. }
        | C::Bench(_)
        | C::Watch(_)
        | C::Chaos(_)
        | C::Balance(_)
        | C::History(_)
        | C::Receipt(_)
        | C::Completions { .. } => Err(NO_TX),
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
fn submit(target: &Target, file: &std::path::Path, key: Option<&str>, json: bool) -> Result<()> {
    let mut signed = Signed::load(file)?;
    let pool = target.client()?;
    let (chain_id, _) = crate::chain(target, &pool)?;
    if chain_id != signed.unsigned.chain_id {
        anyhow::bail!("the transaction is for chain {}, the validators run {chain_id}", signed.unsigned.chain_id);
    }
    match (key, signed.signer_set.is_some()) {
        (Some(key), _) => {
            let reader = resolve_key(target, key)?;
            let account = crate::target::read_account(&pool, &reader, signed.unsigned.sender, &chain_id)?;
            let set = serde_json::from_value(account["signers"].clone()).map_err(|e| anyhow::anyhow!("the account's signer set does not parse: {e}"))?;
            signed = signed.with_signer_set(set)?;
        }
        (None, true) => {}
        (None, false) => anyhow::bail!("the file carries no signer set to check the weight against: give --key (a key of the sending account)"),
    }
    let tx = signed.transaction()?;
    match pool.submit_and_wait(&tx, SUBMIT_TIMEOUT, target.verify())? {
        crate::client::Outcome::Final(v) => {
            let v = crate::target::finalized(&tx, v)?;
            let out = json!({ "tx_hash": tx.id().to_hex(), "status": v["status"], "height": v["height"] });
            print(json, &out, || format!("transaction {} final at height {}", tx.id(), v["height"]));
            Ok(())
        }
        crate::client::Outcome::Refused { code, message, .. } => anyhow::bail!("refused by the validators ({code}): {message}"),
    }
}

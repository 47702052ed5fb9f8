//! `vellum account`: open (registrar, KYC commitment only), signer sets, status changes.

use crate::{Target, keys, pay, print, send};
use anyhow::{Context, Result};
use clap::Subcommand;
use serde_json::json;
use std::path::PathBuf;
use vellum_types::{AccountId, AccountStatus, Role, TxBody};

#[derive(Subcommand)]
pub enum AccountCommand {
    /// A registrar opens an account after checking the owner's identity off-ledger. Only a
    /// salted commitment to the identity record goes on the ledger.
    Open {
        #[command(flatten)]
        target: Target,
        /// Registrar key (a path, or a name in the client config's keys directory).
        #[arg(long, default_value = "registrar")]
        key: String,
        /// The new account's public key (`ed25519:<hex>`, `secp256k1:<hex>` or `p256:<hex>`).
        #[arg(long)]
        public_key: vellum_types::PublicKey,
        /// The identity record the registrar checked (stays off-ledger).
        #[arg(long)]
        identity_file: PathBuf,
        #[arg(long, default_value = "user")]
        label: String,
        /// Open the account in this sub-ledger (default: the main ledger).
        #[arg(long)]
        subledger: Option<String>,
        #[command(flatten)]
        kyc: crate::kyc_cmd::KycArgs,
    },
    /// A registrar (re-)verifies an account's identity: its KYC tier, expiry and sanctions
    /// screening (replaces the record in force; re-enables sending after an expiry).
    Kyc {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value = "registrar")]
        key: String,
        /// The account (id, or a key name its id derives from).
        #[arg(long)]
        account: String,
        /// The identity record, for `--screening-salt`.
        #[arg(long)]
        identity_file: Option<PathBuf>,
        #[command(flatten)]
        kyc: crate::kyc_cmd::KycArgs,
    },
    /// Replace the account's signer set (multi-signature, key rotation); the transaction is
    /// signed by every `--key` and must meet the current threshold.
    SetSigners {
        #[command(flatten)]
        target: Target,
        #[arg(long, required = true)]
        key: Vec<String>,
        /// `KEY[:WEIGHT]`: a public key (`ed25519:<hex>`) or a key name/path; weight 1 by default.
        #[arg(long, required = true)]
        signer: Vec<String>,
        #[arg(long)]
        threshold: u32,
    },
    /// Freeze, unfreeze or revoke an account (compliance; revocation also registrar).
    SetStatus {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value = "compliance")]
        key: String,
        #[arg(long)]
        account: String,
        #[arg(long, value_parser = ["active", "frozen", "revoked"])]
        status: String,
        #[arg(long)]
        reason: String,
    },
}

/// Runs a `vellum account` command.
pub fn run(command: AccountCommand, json: bool) -> Result<()> {
    match command {
        AccountCommand::SetSigners { target, key, signer, threshold } => pay::set_signers(&target, &key, &signer, threshold, json),
        AccountCommand::Kyc { target, key, account, identity_file, kyc } => {
            crate::kyc_cmd::set(&target, &key, &account, identity_file.as_deref(), &kyc, json)
        }
        AccountCommand::Open { target, key, public_key, identity_file, label, subledger, kyc } => {
            let record = std::fs::read(&identity_file).with_context(|| format!("cannot read {}", identity_file.display()))?;
            let salt = keys::random_bytes();
            let commitment = vellum_types::tx::kyc_commitment(&salt, &record);
            let kyc = kyc.terms(Some(&record))?;
            let body = TxBody::OpenAccount { public_key, kyc_commitment: Some(commitment), label, role: Role::User, subledger, kyc };
            let result = send(&target, &key, body)?;
            let v = json!({ "account_id": public_key.account_id().to_hex(), "kyc_salt": hex::encode(salt), "kyc_commitment": hex::encode(commitment), "tx": result });
            print(json, &v, || {
                format!(
                    "account {} opened at height {}\nkeep this salt with the identity record (off-ledger): {}",
                    public_key.account_id(),
                    result["height"],
                    hex::encode(salt)
                )
            });
            Ok(())
        }
        AccountCommand::SetStatus { target, key, account, status, reason } => {
            let account = AccountId::from_hex(&account).context("--account must be 64 hex characters")?;
            let status = match status.as_str() {
                "active" => AccountStatus::Active,
                "frozen" => AccountStatus::Frozen,
                _ => AccountStatus::Revoked,
            };
            let result = send(&target, &key, TxBody::SetAccountStatus { account, status, reason })?;
            print(json, &result, || format!("account {account} is now {} (height {})", status.name(), result["height"]));
            Ok(())
        }
    }
}

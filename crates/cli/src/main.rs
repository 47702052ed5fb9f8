//! `vellum`: run a validator or a local devnet, and talk to a node.

mod bench;
mod chaos;
mod client;
mod devnet;
mod gov;
mod keys;
mod keystore;
mod log;
mod originals;
mod pay;
mod proof;
mod watch;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use client::{ClientConfig, Outcome, Pool, Submitted};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;
use vellum_crypto::SecretKey;
use vellum_types::{AccountId, AccountStatus, Role, Transaction, TxBody, UnsignedTx};

/// Blocks a CLI transaction stays valid for.
const EXPIRY_BLOCKS: u64 = 100_000;

#[derive(Parser)]
#[command(name = "vellum", version, about = "Vellum: a permissioned BFT ledger for integrity proofs and payments")]
struct Cli {
    /// Machine-readable JSON output.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one validator (see README for a multi-machine setup).
    Node {
        #[arg(long)]
        config: PathBuf,
    },
    /// A local multi-validator network of real processes on 127.0.0.1.
    Devnet {
        #[command(subcommand)]
        command: DevnetCommand,
    },
    /// Chain status from a node.
    Status {
        #[command(flatten)]
        target: Target,
    },
    /// Key files.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Account transactions.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Transaction queries.
    Tx {
        #[command(subcommand)]
        command: TxCommand,
    },
    /// Integrity proofs: register documents, fetch evidence bundles, revoke, supersede.
    Proof {
        #[command(subcommand)]
        command: ProofCommand,
    },
    /// Log checkpoints (C2SP signed notes) and consistency between them.
    Log {
        #[command(subcommand)]
        command: LogCommand,
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
    Balance {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        key: String,
        /// Another account to read (id or key name); default: the key's own.
        #[arg(long)]
        account: Option<String>,
    },
    /// The payments an account is a party to, newest first.
    History {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        key: String,
        #[arg(long)]
        account: Option<String>,
    },
    /// Write the receipt of a finalized payment (verify it offline with `vellum verify`).
    Receipt {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        key: String,
        hash: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Tokens: create (governance), mint, burn, pause, clawback, show.
    Token {
        #[command(subcommand)]
        command: pay::TokenCommand,
    },
    /// Set a token's monitoring rules (governance): large transfers, velocity, structuring.
    Monitor(pay::MonitorArgs),
    /// Transfers held by monitoring: list, release (post) or reject (void).
    Hold {
        #[command(subcommand)]
        command: pay::HoldCommand,
    },
    /// Create a sub-ledger (governance).
    Subledger {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        council: pay::Council,
        #[arg(long)]
        name: String,
        /// Accounts may be opened without a KYC commitment.
        #[arg(long)]
        no_kyc: bool,
    },
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
    /// Propose registering, pausing or resuming modules/contracts.
    Module {
        #[command(subcommand)]
        command: gov::ModuleCommand,
    },
    /// Set the governed conversion rate FROM → TO and its liquidity desk (governance).
    Rate {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        council: pay::Council,
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        #[arg(long)]
        num: u64,
        #[arg(long)]
        den: u64,
        #[arg(long, default_value = "desk")]
        desk: String,
    },
}

#[derive(Subcommand)]
enum LogCommand {
    /// A checkpoint of the finalized log signed by every reachable validator; with `--out`, its
    /// log anchor is saved beside it (`<out>.anchor`).
    Checkpoint {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        out: Option<PathBuf>,
        /// Also get an RFC 3161 timestamp token over the checkpoint from this Time-Stamping
        /// Authority URL (saved as `<out>.tsr`, verified first).
        #[arg(long, requires = "tsa_cert")]
        tsa: Option<String>,
        /// The TSA's certificate (PEM or DER) the token must be signed with.
        #[arg(long, requires = "tsa")]
        tsa_cert: Option<PathBuf>,
    },
    /// Import a saved checkpoint offline, from the genesis file: a quorum of the genesis
    /// validators signed it, or its log anchor (`<checkpoint>.anchor` unless `--anchor`) proves
    /// a finalized block committed it through every validator-set change; with `--tsa-cert`,
    /// also its RFC 3161 token (`<checkpoint>.tsr` unless `--token`).
    Verify {
        checkpoint: PathBuf,
        #[arg(long)]
        genesis: PathBuf,
        /// The log anchor saved with the checkpoint (default `<checkpoint>.anchor` if present).
        #[arg(long)]
        anchor: Option<PathBuf>,
        #[arg(long, requires = "tsa_cert")]
        token: Option<PathBuf>,
        /// The TSA certificate you trust; the token is then checked too.
        #[arg(long)]
        tsa_cert: Option<PathBuf>,
    },
    /// Prove that checkpoint NEW extends checkpoint OLD (RFC 9162 consistency).
    Consistency {
        #[command(flatten)]
        target: Target,
        old: PathBuf,
        new: PathBuf,
        /// The genesis file: a quorum of its validators signed both checkpoints, or their log
        /// anchors (`<checkpoint>.anchor`) lead to it.
        #[arg(long)]
        genesis: PathBuf,
    },
}

/// Which proof (and batch member) an operation is about, and as which account.
#[derive(clap::Args)]
pub struct ProofAt {
    #[command(flatten)]
    target: Target,
    /// The acting account's key (a path, or a name in the keys directory).
    #[arg(long, default_value = "issuer")]
    key: String,
    #[arg(long)]
    proof: String,
    /// Member index within a batch registration.
    #[arg(long)]
    member: Option<u32>,
}

#[derive(Subcommand)]
enum ProofCommand {
    /// Register one file (RegisterProof) or several as one batch (RegisterBatch).
    Register {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value = "issuer")]
        key: String,
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Register salted commitments so low-entropy documents cannot be guessed.
        #[arg(long)]
        salted: bool,
        /// A metadata file whose SHA-256 is registered with the proof.
        #[arg(long)]
        metadata: Option<PathBuf>,
        /// Where the manifest (digests, salts, batch positions) is written.
        #[arg(long, default_value = "proofs")]
        out_dir: PathBuf,
        /// Also upload each original, encrypted, to the node's off-chain store.
        #[arg(long)]
        store: bool,
        /// age recipients the document key is wrapped for (default: `<key>.age` and
        /// `auditor.age` in the keys directory).
        #[arg(long)]
        recipient: Vec<String>,
    },
    /// Fetch and decrypt a stored original (registrant or auditor).
    Original {
        #[command(flatten)]
        at: ProofAt,
        /// The age identity the document key was wrapped for (default `<key>.age`).
        #[arg(long)]
        identity: Option<PathBuf>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Delete a stored original: its wrapped key is destroyed (crypto-shredding); the proof
    /// stays verifiable.
    DeleteOriginal {
        #[command(flatten)]
        at: ProofAt,
    },
    /// Write the evidence bundle for a file (or a document digest).
    Bundle {
        #[command(flatten)]
        target: Target,
        /// Account reading the proof (its registrant, or an auditor).
        #[arg(long, default_value = "issuer")]
        key: String,
        /// A file path or a 64-hex document digest.
        what: String,
        #[arg(long, default_value = "proofs")]
        manifests: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// Revoke a registration, or one member of a batch.
    Revoke {
        #[command(flatten)]
        at: ProofAt,
        #[arg(long)]
        reason: String,
    },
    /// Mark a registration superseded by a newer one.
    Supersede {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value = "issuer")]
        key: String,
        #[arg(long)]
        proof: String,
        #[arg(long)]
        by: String,
    },
    /// A registration's record, status and audit trail (authenticated read).
    Show {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value = "issuer")]
        key: String,
        #[arg(long)]
        proof: String,
    },
}

#[derive(Subcommand)]
enum DevnetCommand {
    /// Generate keys, genesis and configs in DIR (first time), start the validators.
    Up {
        #[arg(long, default_value = "devnet")]
        dir: PathBuf,
        #[arg(long, default_value_t = 4)]
        validators: usize,
        /// First p2p port (validator i listens on this + i).
        #[arg(long, default_value_t = 7100)]
        p2p_port: u16,
        /// First API port (validator i serves on this + i).
        #[arg(long, default_value_t = 8100)]
        api_port: u16,
        /// Leave the validators running and return.
        #[arg(long)]
        detach: bool,
        /// Blocks per epoch (new devnets only): validator-set changes take effect at epoch ends.
        #[arg(long, default_value_t = devnet::DEVNET_EPOCH_LENGTH_BLOCKS)]
        epoch_length_blocks: u64,
    },
    /// Start one more validator next to a running devnet; it follows the chain until
    /// governance adds it (`vellum gov add-validator`, printed).
    Join {
        #[arg(long, default_value = "devnet")]
        dir: PathBuf,
    },
    /// Stop a detached devnet.
    Down {
        #[arg(long, default_value = "devnet")]
        dir: PathBuf,
    },
}

#[derive(clap::Args, Clone)]
pub struct Target {
    /// Client config written by `devnet up`.
    #[arg(long, default_value = "devnet/client.toml")]
    client: PathBuf,
    /// A node API address (overrides the client config's list: no failover, and reads are
    /// that node's word).
    #[arg(long)]
    api: Option<String>,
    /// Believe the first validator that answers instead of requiring f+1 validators to agree
    /// on transaction outcomes, balances and proof status (faster; trusts one node).
    #[arg(long)]
    trust_node: bool,
}

impl Target {
    fn config(&self) -> Result<ClientConfig> {
        ClientConfig::load(&self.client)
    }

    /// Every validator of the client config (or only `--api`), with failover.
    fn client(&self) -> Result<Pool> {
        match &self.api {
            Some(a) => Ok(Pool::new(std::slice::from_ref(a))),
            None => Ok(Pool::new(&self.config()?.api)),
        }
    }

    /// Whether reads users act on must be agreed by f+1 validators.
    fn verify(&self) -> bool {
        !self.trust_node
    }
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Generate a key into an encrypted keystore (Argon2id + XChaCha20-Poly1305; password from
    /// a prompt or VELLUM_PASSWORD). `--plain` writes an unencrypted devnet-grade file.
    New {
        #[arg(long, default_value = "ed25519", value_parser = ["ed25519", "secp256k1"])]
        scheme: String,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        plain: bool,
    },
    /// Key files in a directory (default: the client config's keys directory).
    List {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Show a key's 24-word BIP-39 mnemonic (backup on paper), or write it to a plain file.
    Export {
        #[arg(long)]
        key: PathBuf,
        /// Write the secret unencrypted here instead (`scheme:hex`).
        #[arg(long)]
        plain_out: Option<PathBuf>,
    },
    /// Restore a key into an encrypted keystore from a mnemonic or a plain key file.
    Import {
        #[arg(long, conflicts_with = "from")]
        mnemonic: Option<String>,
        #[arg(long, default_value = "ed25519", value_parser = ["ed25519", "secp256k1"])]
        scheme: String,
        /// A plain `scheme:hex` key file.
        #[arg(long)]
        from: Option<PathBuf>,
        /// The account the key signs for, if it was rotated in (not derived from it).
        #[arg(long)]
        account: Option<String>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Split a key into Shamir shares, any `--threshold` of which recover it.
    Split {
        #[arg(long)]
        key: PathBuf,
        #[arg(long, default_value_t = 5)]
        shares: u8,
        #[arg(long, default_value_t = 3)]
        threshold: u8,
        /// Directory for the share files (share-1.txt …), one per custodian.
        #[arg(long)]
        out_dir: PathBuf,
    },
    /// Recover a key from Shamir share files into an encrypted keystore.
    Recover {
        #[arg(long = "share", required = true)]
        shares: Vec<PathBuf>,
        /// The account the key signs for, if it was rotated in (not derived from it).
        #[arg(long)]
        account: Option<String>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Remove a key from the account's signer set (a lost or retired device). Signed by
    /// `--key` (and `--cosign` keys to meet the threshold); refuses to leave the account
    /// unable to reach its threshold.
    Revoke {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        key: String,
        #[arg(long)]
        cosign: Vec<String>,
        /// The key to revoke: public key (`ed25519:<hex>`) or key file.
        #[arg(long)]
        revoke: String,
    },
    /// Keys by purpose: the keys that authenticate the account's read requests (then only
    /// they do), and its encryption recipient (age) for originals.
    Purpose {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        key: String,
        /// A request-signing key (public key `ed25519:<hex>` or key file); repeat for several.
        #[arg(long = "request-key")]
        request_keys: Vec<String>,
        /// An age X25519 recipient (`age1…`).
        #[arg(long)]
        encryption: Option<String>,
    },
    /// Replace an account's key on the ledger (the account id stays): generates a new key
    /// into `--out` and sends `SetSigners` signed by the old one.
    Rotate {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        key: String,
        /// The new keystore (it records the account it signs for).
        #[arg(long)]
        out: PathBuf,
    },
    /// Show a key file's public key and account id.
    Show { path: PathBuf },
    /// Generate a validator key (Ed25519: signs votes, authenticates p2p) and print the
    /// public key to put in the genesis.
    NewValidator {
        #[arg(long)]
        out: PathBuf,
    },
    /// Generate an encryption key (age X25519 identity) for encrypted originals; prints the
    /// recipient to share.
    NewEncryption {
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum AccountCommand {
    /// A registrar opens an account after checking the owner's identity off-ledger. Only a
    /// salted commitment to the identity record goes on the ledger.
    Open {
        #[command(flatten)]
        target: Target,
        /// Registrar key (a path, or a name in the client config's keys directory).
        #[arg(long, default_value = "registrar")]
        key: String,
        /// The new account's public key (`ed25519:<hex>` or `secp256k1:<hex>`).
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

#[derive(Subcommand)]
enum TxCommand {
    /// Pending, finalized (with height) or rejected (with reason).
    Status {
        #[command(flatten)]
        target: Target,
        hash: String,
    },
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
    let json = cli.json;
    match cli.command {
        Command::Node { config } => run_node(&config),
        Command::Devnet { command: DevnetCommand::Up { dir, validators, p2p_port, api_port, detach, epoch_length_blocks } } => {
            devnet::up(devnet::UpOptions { dir, validators, p2p_port, api_port, detach, json, epoch_length_blocks })
        }
        Command::Devnet { command: DevnetCommand::Join { dir } } => devnet::join(&dir, json),
        Command::Devnet { command: DevnetCommand::Down { dir } } => devnet::down(&dir),
        Command::Status { target } => {
            let s = target.client()?.status()?;
            print(json, &s, || {
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
            });
            Ok(())
        }
        Command::Key { command: KeyCommand::New { scheme, out, plain } } => {
            let key = keys::generate(&scheme)?;
            if plain {
                keys::save(&out, &key)?;
            } else {
                let password = keystore::password(&format!("new password for {}: ", out.display()), true)?;
                keys::save_encrypted(&out, &key, &password)?;
            }
            let v = json!({ "path": out, "public_key": key.public_key().to_string(), "account_id": key.public_key().account_id().to_hex() });
            print(json, &v, || format!("wrote {}\npublic key {}\naccount id {}", out.display(), key.public_key(), key.public_key().account_id()));
            Ok(())
        }
        Command::Key {
            command:
                command @ (KeyCommand::List { .. }
                | KeyCommand::Export { .. }
                | KeyCommand::Import { .. }
                | KeyCommand::Split { .. }
                | KeyCommand::Recover { .. }
                | KeyCommand::Rotate { .. }
                | KeyCommand::Purpose { .. }
                | KeyCommand::Revoke { .. }),
        } => key_command(command, json),
        Command::Key { command: KeyCommand::Show { path } } => {
            let key = keys::load(&path)?;
            let account = keys::account_for(&key);
            let v = json!({ "public_key": key.public_key().to_string(), "account_id": account.to_hex() });
            print(json, &v, || format!("public key {}\naccount id {account}", key.public_key()));
            Ok(())
        }
        Command::Key { command: KeyCommand::NewValidator { out } } => {
            let signer = vellum_node::config::private_key_from_seed(keys::random_bytes());
            keys::write_secret(&out, &vellum_node::config::key_to_hex(&signer))?;
            use commonware_cryptography::Signer;
            let public = hex::encode(signer.public_key().as_ref());
            let v = json!({ "path": out, "consensus_key": public });
            print(json, &v, || format!("wrote {}
consensus_key = \"{public}\"  (also its p2p_key)", out.display()));
            Ok(())
        }
        Command::Key { command: KeyCommand::NewEncryption { out } } => {
            let recipient = originals::new_identity(&out)?;
            let v = json!({ "path": out, "recipient": recipient });
            print(json, &v, || format!("wrote {}\nrecipient {recipient}", out.display()));
            Ok(())
        }
        Command::Account { command: AccountCommand::SetSigners { target, key, signer, threshold } } => {
            pay::set_signers(&target, &key, &signer, threshold, json)
        }
        Command::Pay(args) => pay::pay(args, json),
        Command::Chaos(args) => chaos::run(args, json),
        Command::Balance { target, key, account } => pay::balance(&target, &key, account.as_deref(), json),
        Command::History { target, key, account } => pay::history(&target, &key, account.as_deref(), json),
        Command::Receipt { target, key, hash, out } => {
            let signer = resolve_key(&target, &key)?;
            pay::write_receipt(&target, &target.client()?, &signer, &hash, &out)?;
            print(json, &json!({ "out": out }), || format!("wrote {}", out.display()));
            Ok(())
        }
        Command::Token { command } => pay::token(command, json),
        Command::Monitor(args) => pay::monitor(args, json),
        Command::Hold { command } => pay::hold(command, json),
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
        Command::Subledger { target, council, name, no_kyc } => pay::subledger(&target, &council, &name, no_kyc, json),
        Command::Rate { target, council, from, to, num, den, desk } => pay::rate(&target, &council, (&from, &to), (num, den), &desk, json),
        Command::Account { command: AccountCommand::Open { target, key, public_key, identity_file, label, subledger } } => {
            let record = std::fs::read(&identity_file).with_context(|| format!("cannot read {}", identity_file.display()))?;
            let salt = keys::random_bytes();
            let commitment = vellum_types::tx::kyc_commitment(&salt, &record);
            let body = TxBody::OpenAccount { public_key, kyc_commitment: Some(commitment), label, role: Role::User, subledger };
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
        Command::Account { command: AccountCommand::SetStatus { target, key, account, status, reason } } => {
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
        Command::Tx { command: TxCommand::Status { target, hash } } => {
            let pool = target.client()?;
            let (code, v) = if target.verify() {
                let a = pool.agreed_get(&format!("/v1/tx/{hash}"), client::verified::tx_key)?;
                let mut body = a.body;
                if let Some(o) = body.as_object_mut() {
                    o.insert("agreed_by".into(), json!({ "validators": a.matching, "answered": a.answered }));
                }
                (a.status, body)
            } else {
                pool.tx_status(&hash)?
            };
            print(json, &v, || match code {
                200 => serde_json::to_string_pretty(&v).unwrap_or_default().to_string(),
                _ => v["error"]["message"].as_str().unwrap_or("unknown").to_string(),
            });
            if code != 200 {
                bail!("transaction not found");
            }
            Ok(())
        }
        Command::Bench(args) => bench::run(args, json),
        Command::Watch(args) => watch::run(args, json),
        Command::Verify { bundle, file, checkpoint, explain } => {
            proof::verify(&bundle, file.as_deref(), checkpoint.as_deref(), explain, json)
        }
        Command::Log { command: LogCommand::Checkpoint { target, out, tsa, tsa_cert } } => {
            let tsa = tsa.as_deref().zip(tsa_cert.as_deref()).map(|(url, certificate)| log::Tsa { url, certificate });
            log::checkpoint(&target, out.as_deref(), tsa, json)
        }
        Command::Log { command: LogCommand::Verify { checkpoint, genesis, anchor, token, tsa_cert } } => {
            log::verify_checkpoint(&checkpoint, &genesis, anchor.as_deref(), token.as_deref(), tsa_cert.as_deref(), json)
        }
        Command::Log { command: LogCommand::Consistency { target, old, new, genesis } } => {
            log::consistency(&target, &old, &new, &genesis, json)
        }
        Command::Proof { command } => match command {
            ProofCommand::Register { target, key, files, salted, metadata, out_dir, store, recipient } => {
                let stored = if store { Some(recipient) } else { None };
                proof::register(&target, &key, &files, salted, metadata.as_deref(), &out_dir, stored, json)
            }
            ProofCommand::Original { at, identity, out } => proof::fetch_original(&at, identity.as_deref(), &out, json),
            ProofCommand::DeleteOriginal { at } => proof::delete_original(&at, json),
            ProofCommand::Bundle { target, key, what, manifests, out } => proof::bundle(&target, &key, &what, &manifests, &out, json),
            ProofCommand::Revoke { at, reason } => {
                proof::change(&at.target, &at.key, &at.proof, at.member, vellum_types::ProofChange::Revoke { reason }, json)
            }
            ProofCommand::Supersede { target, key, proof: id, by } => {
                let by = vellum_types::ProofId::from_hex(&by).context("--by must be 64 hex characters")?;
                proof::change(&target, &key, &id, None, vellum_types::ProofChange::Supersede { by }, json)
            }
            ProofCommand::Show { target, key, proof: id } => proof::show(&target, &key, &id, json),
        },
    }
}

/// The keystore commands: list, export, import, split, recover, rotate.
fn key_command(command: KeyCommand, json: bool) -> Result<()> {
    let new_password = |out: &Path| keystore::password(&format!("new password for {}: ", out.display()), true);
    match command {
        KeyCommand::List { target, dir } => {
            let dir = match dir {
                Some(d) => d,
                None => target.config()?.keys_dir,
            };
            let mut rows = Vec::new();
            let mut entries: Vec<_> = std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?.flatten().collect();
            entries.sort_by_key(|e| e.file_name());
            for e in entries {
                let path = e.path();
                if path.extension().is_none_or(|x| x != "key") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let (kind, public) = if keys::is_encrypted(&path) {
                    let ks: Option<keystore::Keystore> = serde_json::from_str(&text).ok();
                    ("encrypted", ks.map(|k| k.public_key).unwrap_or_else(|| "(unreadable)".into()))
                } else {
                    ("plain", keys::load(&path).map(|k| k.public_key().to_string()).unwrap_or_else(|_| "(unreadable)".into()))
                };
                rows.push(json!({ "file": path, "storage": kind, "public_key": public }));
            }
            print(json, &json!({ "keys": rows }), || {
                rows.iter()
                    .map(|r| format!("{:<10} {}  {}", r["storage"].as_str().unwrap_or(""), r["public_key"].as_str().unwrap_or(""), r["file"].as_str().unwrap_or("")))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        KeyCommand::Export { key, plain_out } => {
            let secret = keys::load(&key)?;
            match plain_out {
                Some(out) => {
                    keys::save(&out, &secret)?;
                    print(json, &json!({ "out": out }), || format!("wrote the UNENCRYPTED key to {}", out.display()));
                }
                None => {
                    let words = keystore::mnemonic(&secret);
                    let v = json!({ "scheme": secret.scheme(), "public_key": secret.public_key().to_string(), "mnemonic": words });
                    print(json, &v, || format!("{} key {}\nwrite these 24 words down and keep them offline:\n{words}", secret.scheme(), secret.public_key()));
                }
            }
        }
        KeyCommand::Import { mnemonic, scheme, from, account, out } => {
            let secret = match (mnemonic, from) {
                (Some(words), None) => keystore::from_mnemonic(&words, &scheme)?,
                (None, Some(path)) => keys::load(&path)?,
                _ => bail!("give --mnemonic or --from"),
            };
            let account = account.map(|a| AccountId::from_hex(&a)).transpose().context("--account must be 64 hex characters")?;
            keys::save_encrypted_for(&out, &secret, &new_password(&out)?, account)?;
            let id = account.unwrap_or_else(|| secret.public_key().account_id());
            let v = json!({ "out": out, "public_key": secret.public_key().to_string(), "account_id": id.to_hex() });
            print(json, &v, || format!("restored {} into {}\naccount id {id}", secret.public_key(), out.display()));
        }
        KeyCommand::Split { key, shares, threshold, out_dir } => {
            let secret = keys::load(&key)?;
            let parts = keystore::split(&secret, shares, threshold)?;
            std::fs::create_dir_all(&out_dir)?;
            let mut files = Vec::new();
            for (i, s) in parts.iter().enumerate() {
                let f = out_dir.join(format!("share-{}.txt", i + 1));
                keys::write_secret(&f, &format!("{s}\n"))?;
                files.push(f);
            }
            let v = json!({ "shares": files, "threshold": threshold });
            print(json, &v, || format!("wrote {shares} shares to {}; any {threshold} recover the key — give each to a different custodian", out_dir.display()));
        }
        KeyCommand::Recover { shares, account, out } => {
            let texts: Vec<String> = shares.iter().map(|p| std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))).collect::<Result<_>>()?;
            let secret = keystore::combine(&texts)?;
            let account = account.map(|a| AccountId::from_hex(&a)).transpose().context("--account must be 64 hex characters")?;
            keys::save_encrypted_for(&out, &secret, &new_password(&out)?, account)?;
            let v = json!({ "out": out, "public_key": secret.public_key().to_string() });
            print(json, &v, || format!("recovered {} into {}", secret.public_key(), out.display()));
        }
        KeyCommand::Rotate { target, key, out } => {
            let old = resolve_key(&target, &key)?;
            let new = keys::generate(old.scheme())?;
            let account = keys::account_for(&old);
            // Write the new key first: if the transaction then fails, nothing is lost.
            keys::save_encrypted_for(&out, &new, &new_password(&out)?, Some(account))?;
            let set = vellum_types::SignerSet::single(new.public_key());
            let r = send_as(&target, &[old], account, TxBody::SetSigners { set })?;
            let v = json!({ "account_id": account.to_hex(), "new_public_key": new.public_key().to_string(), "out": out, "height": r["height"] });
            print(json, &v, || format!("account {account} now signs with {} (in {}); the old key no longer works", new.public_key(), out.display()));
        }
        KeyCommand::Revoke { target, key, cosign, revoke } => {
            let signer = resolve_key(&target, &key)?;
            let mut signing = vec![signer.clone()];
            for k in &cosign {
                signing.push(resolve_key(&target, k)?);
            }
            let gone = match revoke.parse::<vellum_types::PublicKey>() {
                Ok(p) => p,
                Err(_) => resolve_key(&target, &revoke)?.public_key(),
            };
            let account = keys::account_for(&signer);
            let client = target.client()?;
            let v = pay::signed_json(&target, &client, &signer, &format!("/v1/account/{account}"))?;
            let mut set: vellum_types::SignerSet =
                serde_json::from_value(v["account"]["signers"].clone()).context("the node did not return the signer set")?;
            let before = set.signers.len();
            set.signers.retain(|s| s.key != gone);
            if set.signers.len() == before {
                bail!("{gone} is not a key of account {account}");
            }
            set.check().map_err(|e| anyhow::anyhow!("revoking {gone} would leave an unusable signer set: {e}"))?;
            let r = send_as(&target, &signing, account, TxBody::SetSigners { set })?;
            let out = json!({ "account_id": account.to_hex(), "revoked": gone.to_string(), "height": r["height"] });
            print(json, &out, || format!("key {gone} revoked from account {account}: its signatures are refused from now on"));
        }
        KeyCommand::Purpose { target, key, request_keys, encryption } => {
            let mut keys_out = Vec::new();
            for k in &request_keys {
                keys_out.push(match k.parse::<vellum_types::PublicKey>() {
                    Ok(p) => p,
                    Err(_) => resolve_key(&target, k)?.public_key(),
                });
            }
            let n = keys_out.len();
            let r = send(&target, &key, TxBody::SetPurposeKeys { request_keys: keys_out, encryption_recipient: encryption })?;
            let v = json!({ "height": r["height"], "request_keys": n });
            print(json, &v, || {
                if n == 0 {
                    "read requests are signed with the transaction keys again".to_string()
                } else {
                    format!("{n} request key(s) set: only they authenticate this account's reads (height {})", r["height"])
                }
            });
        }
        KeyCommand::Show { .. } | KeyCommand::New { .. } | KeyCommand::NewValidator { .. } | KeyCommand::NewEncryption { .. } => unreachable!("handled in run"),
    }
    Ok(())
}

fn run_node(config: &Path) -> Result<()> {
    let (cfg, _) = vellum_node::config::NodeConfig::load(config)?;
    let api = cfg.api_listen;
    let name = cfg.name.clone();
    let tls = match (cfg.tls_cert.clone(), cfg.tls_key.clone()) {
        (Some(cert_pem), Some(key_pem)) => Some(vellum_api::Tls { cert_pem, key_pem }),
        (None, None) => None,
        _ => bail!("{}: set both tls_cert and tls_key, or neither", config.display()),
    };
    vellum_node::run::run_validator(cfg, move |node| match vellum_api::spawn_with(api, node, tls) {
        Ok(addr) => tracing_info(&format!("validator {name} serving the API on http://{addr}")),
        Err(e) => {
            eprintln!("error: cannot serve the API on {api}: {e}");
            std::process::exit(1);
        }
    })?;
    Ok(())
}

fn tracing_info(message: &str) {
    eprintln!("{message}");
}

/// Resolves `--key`: a path, or a name in the keys directory of the client config.
pub fn resolve_key(target: &Target, key: &str) -> Result<SecretKey> {
    let path = Path::new(key);
    if path.exists() {
        return keys::load(path);
    }
    let cfg = target.config()?;
    keys::load(&cfg.keys_dir.join(format!("{key}.key")))
}

/// Signs and submits `body` from `key`'s account, finding the right nonce, and waits until
/// the transaction is final. Fails with the node's reason if it is refused or rejected.
pub(crate) fn send(target: &Target, key: &str, body: TxBody) -> Result<Value> {
    let signer = resolve_key(target, key)?;
    let sender = keys::account_for(&signer);
    send_as(target, &[signer], sender, body)
}

/// Most nonces one command tries: each failed try means another transaction of the account
/// took the nonce meanwhile.
const NONCE_ATTEMPTS_MAX: usize = 8;
/// How long a command waits for its transaction to be final.
const FINALITY_TIMEOUT: Duration = Duration::from_secs(120);

/// Like [`send`], for an account whose transactions need several signatures: every key in
/// `signers` signs (a k-of-n account such as the governance council). The transaction goes to
/// any validator that admits it and is resubmitted until it is final (see `client::submit`);
/// its nonce is the account's next one, so a refused transaction leaves no gap.
pub(crate) fn send_as(target: &Target, signers: &[SecretKey], sender: AccountId, body: TxBody) -> Result<Value> {
    let pool = target.client()?;
    let (chain_id, height) = chain(target, &pool)?;
    let mut nonce = 0u64;
    for _ in 0..NONCE_ATTEMPTS_MAX {
        let unsigned = UnsignedTx { chain_id: chain_id.clone(), sender, nonce, expiry_height: height + EXPIRY_BLOCKS, body: body.clone() };
        let signatures = signers.iter().map(|k| k.sign_tx(&unsigned)).collect();
        let tx = Transaction { unsigned, signatures };
        let outcome = match pool.submit(&tx)? {
            Submitted::Accepted(_) => pool.wait_final(&tx, FINALITY_TIMEOUT, target.verify())?,
            Submitted::Refused { code, message, expected_nonce, .. } => Outcome::Refused { code, message, expected_nonce },
        };
        match outcome {
            Outcome::Final(v) if v["status"] == "rejected" => {
                bail!("transaction {} rejected: {} ({})", tx.id().to_hex(), v["message"].as_str().unwrap_or_default(), v["code"]);
            }
            Outcome::Final(v) => return Ok(v),
            Outcome::Refused { code, expected_nonce: Some(expected), .. } if code == "bad_nonce" && expected > nonce => nonce = expected,
            Outcome::Refused { code, .. } if code == "nonce_taken" => nonce += 1,
            Outcome::Refused { code, message, .. } => bail!("refused by the validators ({code}): {message}"),
        }
    }
    bail!("could not find a usable nonce (the account has many pending transactions)")
}

/// The chain id and height of the target node, after checking it runs the pinned genesis.
pub(crate) fn chain(target: &Target, client: &Pool) -> Result<(String, u64)> {
    let status = client.status()?;
    if let Ok(cfg) = target.config()
        && status["genesis_hash"].as_str() != Some(cfg.genesis_hash.as_str()) {
            bail!("node {} runs another chain (genesis {}), not the pinned {}", client.base(), status["genesis_hash"], cfg.genesis_hash);
        }
    let chain_id = status["chain_id"].as_str().context("status lacks chain_id")?.to_string();
    Ok((chain_id, status["height"].as_u64().unwrap_or(0)))
}

pub fn sign(key: &SecretKey, chain_id: &str, nonce: u64, expiry_height: u64, body: TxBody) -> Transaction {
    let unsigned = UnsignedTx {
        chain_id: chain_id.to_string(),
        sender: keys::account_for(key),
        nonce,
        expiry_height,
        body,
    };
    let signature = key.sign_tx(&unsigned);
    Transaction { unsigned, signatures: vec![signature] }
}

//! Where a command sends and how: the `--client`/`--api`/`--trust-node` options every
//! network command takes, key resolution, and the one path that signs a transaction with the
//! account's next nonce and takes it to finality through the client library.

use crate::client::{ClientConfig, Outcome, Pool};
use crate::keys;
use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;
use vellum_crypto::Signer;
use vellum_types::{AccountId, Transaction, TxBody, UnsignedTx};

/// Blocks a CLI transaction stays valid for.
const EXPIRY_BLOCKS: u64 = 100_000;

#[derive(clap::Args, Clone)]
pub struct Target {
    /// Client config written by `devnet up`.
    #[arg(long, default_value = "devnet/client.toml")]
    pub(crate) client: PathBuf,
    /// A node API address (overrides the client config's list: no failover, and reads are
    /// that node's word).
    #[arg(long)]
    pub(crate) api: Option<String>,
    /// Believe the first validator that answers instead of requiring f+1 validators to agree
    /// on transaction outcomes, balances and proof status (faster; trusts one node).
    #[arg(long)]
    pub(crate) trust_node: bool,
    /// The one pool a command uses, made on first use: every step of a command shares its
    /// validator preference, so a read after a write goes to a validator that has the write.
    #[arg(skip)]
    pub(crate) pool: std::sync::OnceLock<Pool>,
}

impl Target {
    /// The client config; a devnet's (`insecure_plain_keys`) allows plain key files.
    pub(crate) fn config(&self) -> Result<ClientConfig> {
        let cfg = ClientConfig::load(&self.client)?;
        if cfg.insecure_plain_keys {
            keys::allow_plain();
        }
        Ok(cfg)
    }

    /// Every validator of the client config (or only `--api`), with failover. Clones share
    /// one preference (see [`Target::pool`]).
    pub(crate) fn client(&self) -> Result<Pool> {
        if let Some(pool) = self.pool.get() {
            return Ok(pool.clone());
        }
        let pool = match &self.api {
            Some(a) => Pool::new(std::slice::from_ref(a)),
            None => Pool::new(&self.config()?.api),
        };
        Ok(self.pool.get_or_init(|| pool).clone())
    }

    /// Whether reads users act on must be agreed by f+1 validators.
    pub(crate) fn verify(&self) -> bool {
        !self.trust_node
    }
}

/// Resolves `--key`: a path, or a name in the keys directory of the client config.
pub fn resolve_key(target: &Target, key: &str) -> Result<Signer> {
    let path = Path::new(key);
    // A devnet's client config allows its plain keys: read it first when there is one.
    let _ = target.config();
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
/// Pause before offering a nonce again that another pending transaction of the account holds.
const NONCE_TAKEN_RETRY: Duration = Duration::from_millis(500);

/// Like [`send`], for an account whose transactions need several signatures: every key in
/// `signers` signs (a k-of-n account such as the governance council). The transaction goes to
/// any validator that admits it and is resubmitted until it is final (see `client::submit`).
/// Its nonce is the account's next one; when another pending transaction of the account holds
/// that nonce (`nonce_taken`) the command waits for it to be decided rather than signing the
/// nonce after it, so a command never leaves a gap behind its own transaction.
pub(crate) fn send_as(target: &Target, signers: &[Signer], sender: AccountId, body: TxBody) -> Result<Value> {
    let pool = target.client()?;
    let (chain_id, height) = chain(target, &pool)?;
    if let Some(build) = BUILD_ONLY.get() {
        let sender = build.sender.unwrap_or(sender);
        return Err(build_unsigned(&pool, signers, (chain_id, height), sender, body, &build.out)?.into());
    }
    let deadline = std::time::Instant::now() + FINALITY_TIMEOUT;
    let mut nonce = 0u64;
    let mut nonces_tried = 0;
    while nonces_tried < NONCE_ATTEMPTS_MAX {
        if std::time::Instant::now() > deadline {
            bail!("nonce {nonce} of account {sender} stayed held by another pending transaction for {} s", FINALITY_TIMEOUT.as_secs());
        }
        let unsigned = UnsignedTx { chain_id: chain_id.clone(), sender, nonce, expiry_height: height + EXPIRY_BLOCKS, body: body.clone() };
        let signatures = signers.iter().map(|k| k.sign_tx(&unsigned)).collect::<Result<_, _>>()?;
        let tx = Transaction { unsigned, signatures };
        match pool.submit_and_wait(&tx, FINALITY_TIMEOUT, target.verify())? {
            Outcome::Final(v) => return finalized(&tx, v),
            Outcome::Refused { code, expected_nonce: Some(expected), .. } if code == "bad_nonce" && expected > nonce => {
                nonce = expected;
                nonces_tried += 1;
            }
            Outcome::Refused { code, .. } if code == "nonce_taken" => std::thread::sleep(NONCE_TAKEN_RETRY),
            Outcome::Refused { code, message, .. } => bail!("refused by the validators ({code}): {message}"),
        }
    }
    bail!("could not find a usable nonce (the account has many pending transactions)")
}

/// A final outcome as a command's result: the status when finalized, an error when rejected.
pub(crate) fn finalized(tx: &Transaction, v: Value) -> Result<Value> {
    if v["status"] == "rejected" {
        bail!("transaction {} rejected: {} ({})", tx.id().to_hex(), v["message"].as_str().unwrap_or_default(), v["code"]);
    }
    Ok(v)
}

/// `vellum tx build --out FILE`: the command's transaction is written there unsigned instead
/// of being signed and sent. A process-wide switch because `tx build` wraps any command.
static BUILD_ONLY: std::sync::OnceLock<BuildOnly> = std::sync::OnceLock::new();

/// Where `tx build` writes, and the sending account when it is not the one `--key` derives.
pub(crate) struct BuildOnly {
    pub out: PathBuf,
    pub sender: Option<AccountId>,
}

/// Whether this run is `tx build` (nothing may be sent or changed on the node).
pub(crate) fn building() -> bool {
    BUILD_ONLY.get().is_some()
}

/// Turns this run into `tx build` mode (once per process).
pub(crate) fn build_only(build: BuildOnly) {
    let _ = BUILD_ONLY.set(build);
}

/// The end of a command run under `tx build`: not a failure, the transaction file was written.
#[derive(Debug, thiserror::Error)]
#[error("unsigned transaction written")]
pub(crate) struct Built(pub Value);

/// Fills in the sender's next nonce (a signed read with the builder's key, which must be one
/// of the sender's keys) and an expiry, records the account's signer set for early weight
/// checks, and writes the transaction file.
fn build_unsigned(
    pool: &Pool,
    signers: &[Signer],
    (chain_id, height): (String, u64),
    sender: AccountId,
    body: TxBody,
    out: &Path,
) -> Result<Built> {
    let reader = signers.first().context("building needs --key: a key of the sending account (it reads the account's nonce)")?;
    let account = read_account(pool, reader, sender, &chain_id)?;
    let nonce = account["next_nonce"].as_u64().context("the account answer lacks next_nonce")?;
    let signer_set: vellum_types::SignerSet =
        serde_json::from_value(account["signers"].clone()).context("the account answer's signer set does not parse")?;
    let unsigned = UnsignedTx { chain_id, sender, nonce, expiry_height: height + EXPIRY_BLOCKS, body };
    let file = crate::multiparty::Signed::new(unsigned, Some(signer_set));
    file.save(out)?;
    let mut summary = file.summary();
    summary["file"] = Value::from(out.display().to_string());
    Ok(Built(summary))
}

/// An account as the node shows it (`GET /v1/account/{id}` → `account`), read with `key` acting
/// for that account — the key must be one of its signers or request keys.
pub(crate) fn read_account(pool: &Pool, key: &Signer, account: AccountId, chain_id: &str) -> Result<Value> {
    // Only this key acts for the account, and only from here on: recipients and other
    // accounts named by the command were resolved already.
    keys::record_account(key.public_key(), account);
    let (status, bytes) = pool.get_signed(&format!("/v1/account/{account}"), key, chain_id)?;
    let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if status != 200 {
        bail!("cannot read account {account} with key {} ({status}): {}", key.public_key(), v["error"]["message"].as_str().unwrap_or("no answer"));
    }
    Ok(v["account"].clone())
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

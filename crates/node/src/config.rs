//! Files a validator reads: its config (TOML), the genesis (TOML) and its key.

use crate::engine::Timeouts;
use crate::mempool::MempoolLimits;
use commonware_codec::{DecodeExt, Encode};
use commonware_cryptography::ed25519::PrivateKey;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use thiserror::Error;
use vellum_types::Genesis;

/// Largest config, genesis or key file read (a limit on everything).
pub const CONFIG_FILE_BYTES_MAX: u64 = 16 * 1024 * 1024;

/// Default pause before an empty block: an idle chain makes 4 blocks a second.
pub const EMPTY_BLOCK_INTERVAL_MS_DEFAULT: u64 = 250;

/// `node.toml`. Relative paths are relative to the file's own directory.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    /// Name of this validator in the genesis.
    pub name: String,
    pub genesis: PathBuf,
    /// The Ed25519 key that signs votes and authenticates p2p connections: an encrypted
    /// keystore (unlocked once at start-up, see `key_password_file`), or — on a devnet started
    /// with `--insecure-plain-keys` only — 64 hex characters.
    pub key: PathBuf,
    pub data_dir: PathBuf,
    pub p2p_listen: SocketAddr,
    pub api_listen: SocketAddr,
    /// Allow peers on private/loopback addresses (devnets, LANs).
    #[serde(default)]
    pub allow_private_ips: bool,
    /// Key file of this node's ledger account (role `node`), which signs the audit
    /// transactions recording reads: a PKCS#11 reference (the key stays in the token), an
    /// encrypted keystore, or (devnets, `--insecure-plain-keys`) a plain `scheme:hex` file.
    #[serde(default)]
    pub audit_key: Option<PathBuf>,
    /// The password of the keystores above, read once at start-up. Unset: the systemd
    /// credential `vellum-key-password` (`$CREDENTIALS_DIRECTORY`), else `VELLUM_KEY_PASSWORD`.
    #[serde(default)]
    pub key_password_file: Option<PathBuf>,
    /// Accept plain key files: set only by the `--insecure-plain-keys` switch, never by the file.
    #[serde(skip)]
    pub insecure_plain_keys: bool,
    #[serde(default)]
    pub mempool_txs_max: Option<usize>,
    #[serde(default)]
    pub mempool_per_account_max: Option<usize>,
    #[serde(default)]
    pub leader_timeout_ms: Option<u64>,
    /// Pause before proposing an empty block (default 250 ms).
    #[serde(default)]
    pub empty_block_interval_ms: Option<u64>,
    /// Messages per second each peer may send on each consensus channel.
    #[serde(default)]
    pub p2p_channel_rate_per_second: Option<u32>,
    /// Where this node dials a peer, by validator name, when not at its genesis address (NAT,
    /// a relay, or the fault-injecting proxies of `vellum chaos`).
    #[serde(default)]
    pub peer_addresses: std::collections::BTreeMap<String, String>,
    /// Serve the API over HTTPS with this PEM certificate chain and key (both or neither).
    #[serde(default)]
    pub tls_cert: Option<PathBuf>,
    #[serde(default)]
    pub tls_key: Option<PathBuf>,
    /// Roughtime servers to check the clock against (X.1407 9.2.3 a). When set, the
    /// validator neither proposes nor votes until a check succeeded, and corrects its clock
    /// into the servers' signed interval. Empty: the host clock is trusted as is.
    #[serde(default)]
    pub roughtime: Vec<crate::time::RoughtimeServer>,
    /// The API base URL of each other validator, by name: where this validator collects their
    /// signatures of a checkpoint before pushing it to the governed witnesses (a witness takes
    /// only a checkpoint a quorum signed). Empty: this validator's pushes carry its own
    /// signature only, which the witnesses refuse unless the set is that small.
    #[serde(default)]
    pub peer_api: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path} is larger than {CONFIG_FILE_BYTES_MAX} bytes")]
    TooLarge { path: String },
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    #[error("genesis {path} is invalid: {source}")]
    Genesis { path: String, source: vellum_types::genesis::GenesisError },
    #[error("key file {path} must hold 64 hex characters (a 32-byte Ed25519 secret)")]
    Key { path: String },
    #[error(transparent)]
    KeyFile(#[from] vellum_keys::KeyFileError),
    #[error("{path}: a validator's consensus key {reason}")]
    ConsensusKey { path: String, reason: &'static str },
    #[error("validator `{0}` is not in the genesis, or its key does not match the genesis")]
    NotAValidator(String),
}

pub fn read_file(path: &Path) -> Result<String, ConfigError> {
    let p = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|source| ConfigError::Read { path: p.clone(), source })?;
    if meta.len() > CONFIG_FILE_BYTES_MAX {
        return Err(ConfigError::TooLarge { path: p });
    }
    std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: p, source })
}

pub fn load_genesis(path: &Path) -> Result<Genesis, ConfigError> {
    let text = read_file(path)?;
    let p = path.display().to_string();
    let genesis: Genesis =
        toml::from_str(&text).map_err(|e| ConfigError::Parse { path: p.clone(), message: e.to_string() })?;
    genesis.validate().map_err(|source| ConfigError::Genesis { path: p, source })?;
    Ok(genesis)
}

/// The validator's consensus key: an encrypted Ed25519 keystore unlocked with the service
/// password, or a plain hex file when `allow_plain` (devnets). Not a PKCS#11 token: the engine
/// signs every vote and p2p handshake in process through an infallible signer (ARCHITECTURE.md,
/// "Where keys live").
pub fn load_key(path: &Path, allow_plain: bool, password_file: Option<&Path>) -> Result<PrivateKey, ConfigError> {
    use vellum_keys::KeyFile;
    let shown = path.display().to_string();
    let refuse = |reason| ConfigError::ConsensusKey { path: shown.clone(), reason };
    let file = KeyFile::read(path)?;
    if matches!(file, KeyFile::Token(_)) {
        return Err(refuse("cannot live in a PKCS#11 token (the engine signs each vote in process): use an encrypted keystore"));
    }
    let password = || vellum_keys::service_password(password_file);
    let signer = file.unlock(path, &vellum_keys::Unlock { allow_plain, password: &password })?;
    let secret = signer.software().map_err(|_| refuse("must be a key in memory"))?;
    if secret.scheme() != "ed25519" {
        return Err(refuse("is Ed25519"));
    }
    let seed = zeroize::Zeroizing::new(secret.to_bytes());
    Ok(private_key_from_seed(*seed))
}

/// The validator key for a 32-byte secret (every 32-byte string is a valid Ed25519 secret).
pub fn private_key_from_seed(seed: [u8; 32]) -> PrivateKey {
    PrivateKey::decode(seed.to_vec()).expect("any 32 bytes are an Ed25519 secret key")
}

pub fn key_to_hex(key: &PrivateKey) -> String {
    hex::encode(key.encode())
}

impl NodeConfig {
    pub fn load(path: &Path) -> Result<(Self, PathBuf), ConfigError> {
        let text = read_file(path)?;
        let mut cfg: NodeConfig = toml::from_str(&text)
            .map_err(|e| ConfigError::Parse { path: path.display().to_string(), message: e.to_string() })?;
        let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        for p in [&mut cfg.genesis, &mut cfg.key, &mut cfg.data_dir]
            .into_iter()
            .chain(cfg.audit_key.as_mut())
            .chain(cfg.key_password_file.as_mut())
            .chain(cfg.tls_cert.as_mut())
            .chain(cfg.tls_key.as_mut())
        {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        Ok((cfg, base))
    }

    pub fn mempool_limits(&self) -> MempoolLimits {
        let d = MempoolLimits::default();
        MempoolLimits {
            txs_max: self.mempool_txs_max.unwrap_or(d.txs_max),
            bytes_max: d.bytes_max,
            per_account_max: self.mempool_per_account_max.unwrap_or(d.per_account_max),
        }
    }

    pub fn empty_block_interval(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.empty_block_interval_ms.unwrap_or(EMPTY_BLOCK_INTERVAL_MS_DEFAULT))
    }

    pub fn timeouts(&self) -> Timeouts {
        let mut t = Timeouts::default();
        if let Some(ms) = self.leader_timeout_ms {
            t.leader = std::time::Duration::from_millis(ms);
        }
        t
    }
}

/// The node-account key: a PKCS#11 reference, an encrypted keystore (the service password),
/// or a plain file when `allow_plain` (devnets).
pub fn load_account_key(path: &Path, allow_plain: bool, password_file: Option<&Path>) -> Result<vellum_crypto::Signer, ConfigError> {
    let password = || vellum_keys::service_password(password_file);
    Ok(vellum_keys::load(path, &vellum_keys::Unlock { allow_plain, password: &password })?)
}

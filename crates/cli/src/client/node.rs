//! One validator's API over blocking HTTP, and the client config file. Callers normally use
//! [`super::Pool`], which spreads requests over every validator and fails over.

use anyhow::{Context, Result, anyhow, bail};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;
use vellum_types::Transaction;

/// `client.toml`, written by `vellum devnet up`: where the nodes are and which chain they run.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    pub chain_id: String,
    /// Pin: a node answering with another genesis is refused.
    pub genesis_hash: String,
    pub api: Vec<String>,
    /// Directory of the devnet's account keys (relative to this file).
    pub keys_dir: PathBuf,
    /// A devnet's config: its plain key files are accepted (as `--insecure-plain-keys`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub insecure_plain_keys: bool,
}

impl ClientConfig {
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read client config {}", path.display()))?;
        let mut cfg: ClientConfig = toml::from_str(&text).with_context(|| format!("invalid client config {}", path.display()))?;
        if cfg.keys_dir.is_relative() {
            cfg.keys_dir = path.parent().unwrap_or(Path::new(".")).join(&cfg.keys_dir);
        }
        if cfg.api.is_empty() {
            bail!("client config {} lists no API address", path.display());
        }
        Ok(cfg)
    }
}

/// How long a TCP connect to a validator may take (loopback or LAN; a firewall that drops
/// packets shows up here).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a validator may take to start answering a request.
pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);
/// Whole-request bound, large bodies included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// What the node said about a submitted transaction.
#[derive(Debug)]
pub enum Submitted {
    Accepted(String),
    Refused { status: u16, code: String, message: String, expected_nonce: Option<u64> },
}

#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    pub base: String,
}

impl Client {
    pub fn new(base: &str) -> Self {
        // A dead validator refuses the connection at once; a stopped or overloaded one accepts
        // it (the kernel does) and never answers: the response-head timeout bounds that, so
        // the pool moves on within seconds. Bodies (bundles, originals) may take longer.
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_recv_response(Some(RESPONSE_TIMEOUT))
            .timeout_global(Some(REQUEST_TIMEOUT))
            .build()
            .new_agent();
        Self { agent, base: base.trim_end_matches('/').to_string() }
    }

    fn read(resp: ureq::http::Response<ureq::Body>) -> Result<(u16, Value)> {
        let status = resp.status().as_u16();
        let mut resp = resp;
        let text = resp.body_mut().read_to_string()?;
        let value = serde_json::from_str(&text).map_err(|e| anyhow!("node sent non-JSON ({e}): {text}"))?;
        Ok((status, value))
    }

    pub fn get(&self, path: &str) -> Result<(u16, Value)> {
        let resp = self.agent.get(&format!("{}{path}", self.base)).call().with_context(|| format!("cannot reach {}", self.base))?;
        Self::read(resp)
    }

    /// A GET signed with an account key (authenticated read). Returns the status and raw body.
    pub fn get_signed(&self, path: &str, key: &vellum_crypto::Signer, chain_id: &str) -> Result<(u16, Vec<u8>)> {
        self.signed("GET", path, &[], key, chain_id)
    }

    /// A request signed with an account key (see `vellum_types::request`).
    pub fn signed(&self, method: &str, path: &str, body: &[u8], key: &vellum_crypto::Signer, chain_id: &str) -> Result<(u16, Vec<u8>)> {
        // `tx build` runs a command only to capture its transaction: it must change nothing.
        if method != "GET" && crate::target::building() {
            bail!("`tx build` only builds transactions: this command would {method} {path} on the node");
        }
        let headers = signed_headers(key, chain_id, method, path, body)?;
        let url = format!("{}{path}", self.base);
        let result = match method {
            "GET" | "DELETE" => {
                let mut req = if method == "GET" { self.agent.get(&url) } else { self.agent.delete(&url) };
                for (k, v) in &headers {
                    req = req.header(*k, v);
                }
                req.call()
            }
            _ => {
                let mut req = self.agent.put(&url).header("content-type", "application/octet-stream");
                for (k, v) in &headers {
                    req = req.header(*k, v);
                }
                req.send(body)
            }
        };
        let mut resp = result.with_context(|| format!("cannot reach {}", self.base))?;
        let status = resp.status().as_u16();
        let body = resp.body_mut().with_config().limit(64 * 1024 * 1024).read_to_vec()?;
        Ok((status, body))
    }

    /// POSTs raw bytes (`path` may be empty: `base` is then the whole URL); the status and at
    /// most `limit` bytes of the body.
    pub fn post_bytes(&self, path: &str, content_type: &str, body: &[u8], limit: u64) -> Result<(u16, Vec<u8>)> {
        let mut resp = self
            .agent
            .post(&format!("{}{path}", self.base))
            .header("content-type", content_type)
            .send(body)
            .with_context(|| format!("cannot reach {}", self.base))?;
        let status = resp.status().as_u16();
        let bytes = resp.body_mut().with_config().limit(limit).read_to_vec().with_context(|| format!("cannot read the answer of {}", self.base))?;
        Ok((status, bytes))
    }

    /// A GET returning the status and at most `limit` bytes of the body (binary files).
    pub fn get_bytes(&self, path: &str, limit: u64) -> Result<(u16, Vec<u8>)> {
        let mut resp = self.agent.get(&format!("{}{path}", self.base)).call().with_context(|| format!("cannot reach {}", self.base))?;
        let bytes = resp.body_mut().with_config().limit(limit).read_to_vec().with_context(|| format!("cannot read the answer of {}", self.base))?;
        Ok((resp.status().as_u16(), bytes))
    }

    /// A GET returning text (checkpoint notes).
    pub fn get_text(&self, path: &str) -> Result<(u16, String)> {
        let mut resp = self.agent.get(&format!("{}{path}", self.base)).call().with_context(|| format!("cannot reach {}", self.base))?;
        Ok((resp.status().as_u16(), resp.body_mut().read_to_string()?))
    }

    pub fn status(&self) -> Result<Value> {
        match self.get("/v1/status")? {
            (200, v) => Ok(v),
            (s, v) => bail!("status request failed ({s}): {v}"),
        }
    }

    pub fn submit(&self, tx: &Transaction) -> Result<Submitted> {
        if crate::target::building() {
            bail!("`tx build` never submits: transaction {} was about to be sent", tx.id());
        }
        let resp = self
            .agent
            .post(&format!("{}/v1/tx", self.base))
            .header("content-type", "application/octet-stream")
            .send(&tx.to_wire()[..])
            .with_context(|| format!("cannot reach {}", self.base))?;
        let (status, v) = Self::read(resp)?;
        if status == 202 {
            return Ok(Submitted::Accepted(v["tx_hash"].as_str().unwrap_or_default().to_string()));
        }
        let e = &v["error"];
        Ok(Submitted::Refused {
            status,
            code: e["code"].as_str().unwrap_or("unknown").to_string(),
            message: e["message"].as_str().unwrap_or_default().to_string(),
            expected_nonce: e["expected_nonce"].as_u64(),
        })
    }

    /// `POST /v1/txs`: one answer per transaction, in order. A status other than 200 (the
    /// frame refused, the validator failing or rate limiting) is an error for the whole batch.
    pub fn submit_batch(&self, wires: &[Vec<u8>]) -> Result<Vec<Submitted>> {
        if crate::target::building() {
            bail!("`tx build` never submits: {} transactions were about to be sent", wires.len());
        }
        let refs: Vec<&[u8]> = wires.iter().map(Vec::as_slice).collect();
        let resp = self
            .agent
            .post(&format!("{}/v1/txs", self.base))
            .header("content-type", "application/octet-stream")
            .send(&vellum_types::batch::encode(&refs)[..])
            .with_context(|| format!("cannot reach {}", self.base))?;
        let (status, v) = Self::read(resp)?;
        if status != 200 {
            bail!("HTTP {status} {}", v["error"]["code"].as_str().unwrap_or("unknown"));
        }
        let results = v["results"].as_array().filter(|r| r.len() == wires.len());
        let results = results.ok_or_else(|| anyhow!("{} answered a batch of {} with a different count", self.base, wires.len()))?;
        Ok(results
            .iter()
            .map(|r| match r["tx_hash"].as_str() {
                Some(hash) => Submitted::Accepted(hash.to_string()),
                None => Submitted::Refused {
                    status: 200,
                    code: r["error"]["code"].as_str().unwrap_or("unknown").to_string(),
                    message: r["error"]["message"].as_str().unwrap_or_default().to_string(),
                    expected_nonce: r["error"]["expected_nonce"].as_u64(),
                },
            })
            .collect())
    }

    pub fn tx_status(&self, hash: &str) -> Result<(u16, Value)> {
        self.get(&format!("/v1/tx/{hash}"))
    }
}

/// The authentication headers of a request signed with an account key: the account, a
/// timestamp, a fresh random nonce and the signature over `vellum_types::request`'s signing
/// bytes (chain, account, method, path and query, body digest, timestamp, nonce).
pub fn signed_headers(key: &vellum_crypto::Signer, chain_id: &str, method: &str, path: &str, body: &[u8]) -> Result<Vec<(&'static str, String)>> {
    use vellum_types::request::*;
    let account = crate::keys::account_for(key);
    let timestamp_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis() as u64;
    let mut nonce = [0u8; 16];
    nonce.copy_from_slice(&crate::keys::random_bytes()[..16]);
    let signed = request_signing_bytes(chain_id, &account, method, path, body, timestamp_ms, &nonce);
    let signature = borsh::to_vec(&key.sign(&signed)?).expect("borsh into Vec");
    Ok(vec![
        (HEADER_ACCOUNT, account.to_hex()),
        (HEADER_TIMESTAMP, timestamp_ms.to_string()),
        (HEADER_NONCE, hex::encode(nonce)),
        (HEADER_SIGNATURE, hex::encode(signature)),
    ])
}

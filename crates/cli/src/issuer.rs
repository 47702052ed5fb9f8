//! `vellum issuer …`: issuer identity. A registrar attests who an issuer account is after
//! checking the document the issuer publishes at `https://DOMAIN/.well-known/vellum-issuer.json`
//! (it must list the account for this chain); anyone can show the attestation and re-check the
//! document later; a registrar or compliance revokes an attestation.
//!
//! The document (`vellum issuer well-known` writes one):
//! `{"vellum_issuer": 1, "name": "…", "accounts": [{"chain_id": "…", "genesis_hash": "<hex>", "account": "<hex>"}]}`

use crate::{Target, print, send};
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use vellum_types::issuer::{IssuerProfile, WELL_KNOWN_PATH};
use vellum_types::{AccountId, TxBody, sha256};

/// Largest well-known document read.
pub const WELL_KNOWN_BYTES_MAX: u64 = 64 * 1024;
/// Version of the well-known document format.
pub const WELL_KNOWN_VERSION: u32 = 1;

#[derive(Serialize, Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct WellKnown {
    pub vellum_issuer: u32,
    pub name: String,
    pub accounts: Vec<WellKnownAccount>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WellKnownAccount {
    pub chain_id: String,
    pub genesis_hash: String,
    pub account: String,
}

/// Where to fetch an issuer's document, and which CA to trust besides the WebPKI roots.
#[derive(clap::Args, Clone)]
pub struct Fetch {
    /// Fetch the document from here instead of https://DOMAIN/.well-known/vellum-issuer.json
    /// (a test server, or a domain served through another host). Must be https.
    #[arg(long)]
    pub well_known_url: Option<String>,
    /// Trust this CA certificate (PEM) for the HTTPS fetch, in addition to the WebPKI roots.
    #[arg(long)]
    pub ca_file: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum IssuerCommand {
    /// Registrar: attest an issuer account's identity after checking its well-known document.
    Attest {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value = "registrar")]
        key: String,
        /// The issuer's account id (64 hex).
        #[arg(long)]
        issuer: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        domain: String,
        /// The issuer's X.509 certificate (PEM or DER); its SHA-256 goes into the attestation.
        #[arg(long)]
        x509: Option<PathBuf>,
        #[command(flatten)]
        fetch: Fetch,
    },
    /// Registrar or compliance: withdraw an issuer's attestation (reason code).
    Revoke {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value = "registrar")]
        key: String,
        #[arg(long)]
        issuer: String,
        #[arg(long, default_value = "affiliation_changed")]
        reason: String,
    },
    /// An issuer's attestation, as f+1 validators agree on it (public).
    Show {
        #[command(flatten)]
        target: Target,
        account: String,
    },
    /// Re-check an attestation: fetch the issuer's document again; it must still list the account.
    Check {
        #[command(flatten)]
        target: Target,
        account: String,
        #[command(flatten)]
        fetch: Fetch,
    },
    /// Write the well-known document an issuer publishes for its account on this chain.
    WellKnown {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        account: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub fn run(command: IssuerCommand, json: bool) -> Result<()> {
    match command {
        IssuerCommand::Attest { target, key, issuer, name, domain, x509, fetch } => attest(&target, &key, &issuer, name, domain, x509.as_deref(), &fetch, json),
        IssuerCommand::Revoke { target, key, issuer, reason } => {
            let issuer = account(&issuer)?;
            let r = send(&target, &key, TxBody::RevokeAttestation { issuer, reason })?;
            print(json, &r, || format!("attestation of issuer {issuer} revoked at height {}", r["height"]));
            Ok(())
        }
        IssuerCommand::Show { target, account: a } => {
            let v = show(&target, &account(&a)?)?;
            print(json, &v, || serde_json::to_string_pretty(&v).unwrap_or_default());
            Ok(())
        }
        IssuerCommand::Check { target, account: a, fetch } => check(&target, &account(&a)?, &fetch, json),
        IssuerCommand::WellKnown { target, account: a, name, out } => {
            let cfg = target.config()?;
            let chain_id = target.client()?.status()?["chain_id"].as_str().unwrap_or_default().to_string();
            let doc = WellKnown {
                vellum_issuer: WELL_KNOWN_VERSION,
                name,
                accounts: vec![WellKnownAccount { chain_id, genesis_hash: cfg.genesis_hash.clone(), account: account(&a)?.to_hex() }],
            };
            let text = serde_json::to_string_pretty(&doc)? + "\n";
            match out {
                Some(p) => {
                    crate::keys::write_atomic(&p, text.as_bytes())?;
                    let v = json!({ "out": p, "document": doc, "publish_at": format!("https://<your domain>{WELL_KNOWN_PATH}") });
                    print(json, &v, || format!("wrote {}: publish it at https://<your domain>{WELL_KNOWN_PATH}", p.display()));
                }
                None => print!("{text}"),
            }
            Ok(())
        }
    }
}

fn account(text: &str) -> Result<AccountId> {
    AccountId::from_hex(text).with_context(|| format!("`{text}` is not an account id (64 hex)"))
}

#[allow(clippy::too_many_arguments)]
fn attest(target: &Target, key: &str, issuer: &str, name: String, domain: String, x509: Option<&Path>, fetch: &Fetch, json: bool) -> Result<()> {
    let issuer = account(issuer)?;
    let x509_sha256 = x509.map(x509_digest).transpose()?;
    let probe = IssuerProfile { name: name.clone(), domain: domain.clone(), x509_sha256, well_known_sha256: [0; 32] };
    probe.check().map_err(anyhow::Error::msg)?;
    let (bytes, url) = fetch_document(&domain, fetch)?;
    let chain_id = target.client()?.status()?["chain_id"].as_str().unwrap_or_default().to_string();
    check_lists(&bytes, &name, &chain_id, &target.config()?.genesis_hash, &issuer).with_context(|| format!("the document at {url} does not vouch for this account"))?;
    let profile = IssuerProfile { well_known_sha256: sha256(&bytes), ..probe };
    let r = send(target, key, TxBody::AttestIssuer { issuer, profile })?;
    let v = json!({ "issuer": issuer.to_hex(), "name": name, "domain": domain, "well_known_url": url, "well_known_sha256": hex::encode(sha256(&bytes)), "tx": r });
    print(json, &v, || format!("issuer {issuer} attested as {name} ({domain}) at height {} (document {url} checked)", r["height"]));
    Ok(())
}

/// The SHA-256 of a certificate's DER bytes (the file is PEM or DER).
fn x509_digest(path: &Path) -> Result<[u8; 32]> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.starts_with(b"-----BEGIN") {
        let cert = ureq::tls::Certificate::from_pem(&bytes).with_context(|| format!("{}: not a PEM certificate", path.display()))?;
        return Ok(sha256(cert.der()));
    }
    Ok(sha256(&bytes))
}

/// Fetches the issuer's document over HTTPS (never plain HTTP).
fn fetch_document(domain: &str, fetch: &Fetch) -> Result<(Vec<u8>, String)> {
    let url = fetch.well_known_url.clone().unwrap_or_else(|| format!("https://{domain}{WELL_KNOWN_PATH}"));
    if !url.starts_with("https://") {
        bail!("{url}: the well-known document is fetched over https only");
    }
    let agent = https_agent(fetch.ca_file.as_deref(), std::time::Duration::from_secs(10))?;
    let mut resp = agent.get(&url).call().with_context(|| format!("cannot fetch {url}"))?;
    if resp.status() != 200 {
        bail!("{url} answered HTTP {}", resp.status());
    }
    let bytes = resp.body_mut().with_config().limit(WELL_KNOWN_BYTES_MAX).read_to_vec().with_context(|| format!("cannot read {url}"))?;
    Ok((bytes, url))
}

/// The document names the issuer `name` and lists `account` on this chain.
fn check_lists(bytes: &[u8], name: &str, chain_id: &str, genesis_hash: &str, account: &AccountId) -> Result<()> {
    let doc: WellKnown = serde_json::from_slice(bytes).context("not a Vellum issuer document")?;
    if doc.vellum_issuer != WELL_KNOWN_VERSION {
        bail!("document version {} (this client knows {WELL_KNOWN_VERSION})", doc.vellum_issuer);
    }
    if doc.name != name {
        bail!("it names the issuer {:?}, not {name:?}", doc.name);
    }
    let want = WellKnownAccount { chain_id: chain_id.into(), genesis_hash: genesis_hash.to_lowercase(), account: account.to_hex() };
    if !doc.accounts.contains(&want) {
        bail!("it does not list account {account} on chain {chain_id} (genesis {genesis_hash})");
    }
    Ok(())
}

fn show(target: &Target, issuer: &AccountId) -> Result<Value> {
    let agreed = target.client()?.agreed_get(&format!("/v1/issuer/{}", issuer.to_hex()), crate::client::verified::whole)?;
    match agreed.status {
        200 => Ok(agreed.body),
        404 => bail!("issuer {issuer} has no attested identity"),
        s => bail!("the validators answered {s}: {}", agreed.body),
    }
}

fn check(target: &Target, issuer: &AccountId, fetch: &Fetch, json: bool) -> Result<()> {
    let a = show(target, issuer)?;
    let (name, domain) = (a["profile"]["name"].as_str().unwrap_or_default(), a["profile"]["domain"].as_str().unwrap_or_default());
    let (bytes, url) = fetch_document(domain, fetch)?;
    let chain_id = target.client()?.status()?["chain_id"].as_str().unwrap_or_default().to_string();
    let listed = check_lists(&bytes, name, &chain_id, &target.config()?.genesis_hash, issuer);
    let unchanged = a["profile"]["well_known_sha256"].as_str() == Some(hex::encode(sha256(&bytes)).as_str());
    let revoked = !a["revoked"].is_null();
    let v = json!({
        "issuer": issuer.to_hex(), "name": name, "domain": domain, "well_known_url": url,
        "still_listed": listed.is_ok(), "document_unchanged": unchanged, "attestation_revoked": revoked,
        "problem": listed.as_ref().err().map(|e| format!("{e:#}")),
    });
    print(json, &v, || {
        let mut lines = vec![format!("issuer {issuer}: {name} ({domain})")];
        lines.push(match &listed {
            Ok(()) => format!("  {url} still lists the account{}", if unchanged { " (document unchanged since attestation)" } else { " (document changed since attestation)" }),
            Err(e) => format!("  {url} NO LONGER vouches for the account: {e:#}"),
        });
        if revoked {
            lines.push(format!("  attestation REVOKED: {}", a["revoked"]));
        }
        lines.join("\n")
    });
    if listed.is_err() || revoked {
        std::process::exit(2);
    }
    Ok(())
}

/// An HTTP(S) client: rustls on the aws-lc provider the node already links, WebPKI roots or
/// the certificates of `ca_file`; statuses are answers, not errors.
pub fn https_agent(ca_file: Option<&std::path::Path>, timeout: std::time::Duration) -> Result<ureq::Agent> {
    let mut tls = ureq::tls::TlsConfig::builder()
        .provider(ureq::tls::TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
    if let Some(ca) = ca_file {
        let pem = std::fs::read(ca).with_context(|| format!("cannot read {}", ca.display()))?;
        let cert = ureq::tls::Certificate::from_pem(&pem).with_context(|| format!("{}: not a PEM certificate", ca.display()))?;
        tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&[cert]));
    }
    Ok(ureq::Agent::config_builder().tls_config(tls.build()).timeout_global(Some(timeout)).http_status_as_error(false).build().new_agent())
}

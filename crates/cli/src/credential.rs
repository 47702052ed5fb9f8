//! `vellum credential …`: academic certificates as IETF SD-JWT VCs whose issuer-signed JWT is
//! registered on the ledger. The issuer issues (`issue`, then `proof register` of the `.jwt`
//! files, naming each student as holder); the student presents only chosen claims with a key
//! binding (`present`); the employer verifies the presentation *and* the ledger evidence
//! offline (`verify`): registered, by whom (issuer identity), status now.

use crate::{Target, print};
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};
use vellum_evidence::credential::{self, Binding, Claims, Issued};
use vellum_types::PublicKey;

/// The credential type Vellum issues by default.
pub const DEFAULT_VCT: &str = "urn:vellum:academic-certificate";

#[derive(Subcommand)]
pub enum CredentialCommand {
    /// Issuer: sign a credential (every claim selectively disclosable) for a holder's key.
    /// Writes NAME.sd-jwt (for the holder) and NAME.jwt (register it: `vellum proof register`).
    Issue {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value = "issuer")]
        key: String,
        /// A JSON object of claims, e.g. {"name": …, "degree": …, "year": 2026, "grades": {…}}.
        #[arg(long)]
        claims: PathBuf,
        /// The holder's public key (`ed25519:…` or `p256:…`, as `vellum key show` prints).
        #[arg(long)]
        holder_key: String,
        #[arg(long, default_value = DEFAULT_VCT)]
        vct: String,
        /// Output path without extension.
        #[arg(long)]
        out: PathBuf,
    },
    /// Holder: present chosen claims, bound to a verifier's audience and nonce.
    Present {
        credential: PathBuf,
        /// A claim to disclose (repeat); the others stay hidden.
        #[arg(long)]
        disclose: Vec<String>,
        /// The holder's key file (the credential's `cnf` key).
        #[arg(long)]
        key: PathBuf,
        #[arg(long)]
        aud: String,
        #[arg(long)]
        nonce: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Verifier: check a presentation and its ledger evidence offline.
    Verify {
        presentation: PathBuf,
        /// The evidence bundle of the credential's registration.
        #[arg(long)]
        bundle: PathBuf,
        #[arg(long)]
        aud: String,
        #[arg(long)]
        nonce: String,
        /// A fresh status proof (`vellum proof status --out`), for the status now.
        #[arg(long)]
        status: Option<PathBuf>,
        /// The genesis hash you trust.
        #[arg(long)]
        checkpoint: Option<String>,
    },
}

pub fn run(command: CredentialCommand, json: bool) -> Result<()> {
    match command {
        CredentialCommand::Issue { target, key, claims, holder_key, vct, out } => issue(&target, &key, &claims, &holder_key, &vct, &out, json),
        CredentialCommand::Present { credential, disclose, key, aud, nonce, out } => present(&credential, &disclose, &key, &aud, &nonce, &out, json),
        CredentialCommand::Verify { presentation, bundle, aud, nonce, status, checkpoint } => {
            verify(&presentation, &bundle, &aud, &nonce, status.as_deref(), checkpoint.as_deref(), json)
        }
    }
}

fn now_s() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn issue(target: &Target, key: &str, claims: &Path, holder_key: &str, vct: &str, out: &Path, json: bool) -> Result<()> {
    let signer = crate::resolve_key(target, key)?;
    let text = std::fs::read_to_string(claims).with_context(|| format!("cannot read {}", claims.display()))?;
    let claims: Map<String, Value> = serde_json::from_str(&text).with_context(|| format!("{}: not a JSON object of claims", claims.display()))?;
    let holder: PublicKey = holder_key.parse().map_err(|e| anyhow::anyhow!("--holder-key: {e}"))?;
    let chain_id = target.client()?.status()?["chain_id"].as_str().unwrap_or_default().to_string();
    let account = crate::keys::account_for(&signer);
    let iss = format!("vellum:{chain_id}:{}", account.to_hex());
    let c = Claims { iss: &iss, vct, iat: now_s(), claims: &claims, holder: &holder };
    let issued = credential::issue(&signer, &c, || crate::keys::random_bytes()[..16].try_into().expect("16 of 32 bytes"))?;
    let (sd_jwt, jwt) = (out.with_extension("sd-jwt"), out.with_extension("jwt"));
    crate::keys::write_atomic(&sd_jwt, issued.to_sd_jwt().as_bytes())?;
    crate::keys::write_atomic(&jwt, issued.jwt.as_bytes())?;
    let names: Vec<&str> = issued.disclosures.iter().map(|d| d.name.as_str()).collect();
    let v = json!({ "credential": sd_jwt, "register": jwt, "iss": iss, "claims": names, "jwt_sha256": hex::encode(vellum_types::sha256(issued.jwt.as_bytes())) });
    print(json, &v, || format!("wrote {} (for the holder) and {} (register it with `vellum proof register`); claims: {}", sd_jwt.display(), jwt.display(), names.join(", ")));
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn present(credential: &Path, disclose: &[String], key: &Path, aud: &str, nonce: &str, out: &Path, json: bool) -> Result<()> {
    let text = std::fs::read_to_string(credential).with_context(|| format!("cannot read {}", credential.display()))?;
    let issued = Issued::parse(&text).with_context(|| format!("{}: not a credential", credential.display()))?;
    let holder = crate::keys::load(key)?;
    let names: Vec<&str> = disclose.iter().map(String::as_str).collect();
    let p = credential::present(&issued, &names, &holder, &Binding { aud, nonce, iat: now_s() })?;
    crate::keys::write_atomic(out, p.as_bytes())?;
    let hidden: Vec<&str> = issued.disclosures.iter().map(|d| d.name.as_str()).filter(|n| !names.contains(n)).collect();
    let v = json!({ "out": out, "disclosed": names, "hidden": hidden, "aud": aud });
    print(json, &v, || format!("wrote {}: discloses {}; hides {}", out.display(), names.join(", "), hidden.join(", ")));
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn verify(presentation: &Path, bundle: &Path, aud: &str, nonce: &str, status: Option<&Path>, checkpoint: Option<&str>, json: bool) -> Result<()> {
    let text = std::fs::read_to_string(presentation).with_context(|| format!("cannot read {}", presentation.display()))?;
    let jwt = text.trim().split('~').next().unwrap_or_default().to_string();
    let pinned = checkpoint.map(|c| crate::proof::hex32(c, "--checkpoint")).transpose()?;
    let bytes = std::fs::read(bundle).with_context(|| format!("cannot read {}", bundle.display()))?;
    // The ledger: this very JWT was registered, when, by which account (and key).
    let e = match vellum_evidence::verify(&bytes, Some(jwt.as_bytes()), pinned.as_ref()) {
        Ok(e) => e,
        Err(err) => return crate::proof::invalid(&err, json),
    };
    // The credential: signed by the key that registered it, disclosures, key binding.
    let p = credential::verify_presentation(&text, &e.signer, aud, nonce).context("INVALID presentation")?;
    let want_iss = format!("vellum:{}:{}", e.chain_id, e.registrant.to_hex());
    if p.iss != want_iss {
        bail!("INVALID presentation: iss {:?} is not the registering account ({want_iss})", p.iss);
    }
    let now = match status.map(|s| crate::status::combine(&e, s, pinned.as_ref())).transpose()? {
        None => None,
        Some(Ok(now)) => Some(now),
        Some(Err(err)) => return crate::proof::invalid(&err, json),
    };
    let current = now.as_ref().map_or(&e.status, |n| &n.now);
    let v = json!({
        "valid": true,
        "disclosed": p.disclosed,
        "claims_signed": p.claims_signed,
        "vct": p.vct,
        "holder": p.holder.to_string(),
        "issuer": crate::status::issuer_json(now.as_ref().map(|n| &n.issuer_now).or(e.issuer.as_ref())),
        "registrant": e.registrant.to_hex(),
        "registered_height": e.record.height,
        "registered_time_ms": e.record.time_ms,
        "status": crate::status::status_json(current),
        "status_as_of_height": now.as_ref().map_or(e.status_height, |n| n.now_height),
        "checkpoint_pinned": pinned.is_some(),
    });
    print(json, &v, || {
        let mut lines = vec![
            format!("VALID credential ({}), presented by its holder for {aud}", p.vct),
            crate::status::issuer_line(now.as_ref().map(|n| &n.issuer_now).or(e.issuer.as_ref()), &e.registrant, &e.signer.to_string()),
            format!("  registered at height {}, {}", e.record.height, crate::proof::fmt_time(e.record.time_ms)),
            format!("  disclosed ({} of {} claims):", p.disclosed.len(), p.claims_signed),
        ];
        lines.extend(p.disclosed.iter().map(|(k, v)| format!("    {k}: {v}")));
        lines.push(format!("  status {} as of height {}", crate::status::status_line(current), now.as_ref().map_or(e.status_height, |n| n.now_height)));
        if pinned.is_none() {
            lines.push(format!("  warning: no --checkpoint given; genesis {} is only reported", hex::encode(e.genesis_hash)));
        }
        lines.join("\n")
    });
    crate::status::exit_for(current, json);
    Ok(())
}

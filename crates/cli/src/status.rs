//! Live status of a registration: `vellum proof status` fetches a status proof (no
//! authentication: anyone who knows the proof id), `vellum verify FILE.status` checks one
//! offline, and `vellum verify BUNDLE --status FILE` combines an old bundle with a fresh one.

use crate::print;
use crate::proof::{fmt_time, hex32};
use crate::Target;
use anyhow::{Context, Result};
use serde_json::{Value, json};
use std::path::Path;
use vellum_evidence::{BUNDLE_BYTES_MAX, StatusNow, Verified, VerifiedStatus};
use vellum_types::{ProofId, ProofStatus};

/// What evidence says about the registrant's identity, as JSON (`null`: the file carries none).
pub fn issuer_json(check: Option<&vellum_evidence::IssuerCheck>) -> Value {
    match check {
        None => Value::Null,
        Some(vellum_evidence::IssuerCheck::NotAttested) => json!({ "attested": false }),
        Some(vellum_evidence::IssuerCheck::Attested(a)) => json!({
            "attested": true,
            "name": a.profile.name,
            "domain": a.profile.domain,
            "x509_sha256": a.profile.x509_sha256.map(hex::encode),
            "well_known_sha256": hex::encode(a.profile.well_known_sha256),
            "attested_by": a.attested_by.to_hex(),
            "height": a.height,
            "revoked": a.revoked,
        }),
    }
}

/// The "registered by" line: the attested identity, or plainly that there is none.
pub fn issuer_line(check: Option<&vellum_evidence::IssuerCheck>, registrant: &vellum_types::AccountId, signer: &str) -> String {
    match check {
        Some(c @ vellum_evidence::IssuerCheck::Attested(_)) => format!("  registered by {} — account {registrant} (key {signer})", c.describe()),
        Some(vellum_evidence::IssuerCheck::NotAttested) => format!("  registered by account {registrant} (key {signer}) — no attested identity"),
        None => format!("  registered by account {registrant} (key {signer}) — this bundle (an older format) carries no issuer identity"),
    }
}

/// One line for a status, with its reason code and height.
pub fn status_line(s: &ProofStatus) -> String {
    match s {
        ProofStatus::Live => "LIVE".into(),
        ProofStatus::Revoked { reason, height, .. } => format!("REVOKED since height {height} (reason: {reason})"),
        ProofStatus::Superseded { by, height, .. } => format!("SUPERSEDED since height {height} by {by}"),
        ProofStatus::Suspended { reason, height, .. } => format!("SUSPENDED since height {height} (reason: {reason})"),
    }
}

pub fn status_json(s: &ProofStatus) -> Value {
    let mut v = json!({ "status": s.name() });
    match s {
        ProofStatus::Live => {}
        ProofStatus::Revoked { reason, height, tx_id, .. } | ProofStatus::Suspended { reason, height, tx_id, .. } => {
            v["reason"] = json!(reason);
            v["since_height"] = json!(height);
            v["tx"] = json!(tx_id.to_hex());
        }
        ProofStatus::Superseded { by, height, tx_id, .. } => {
            v["by"] = json!(by.to_hex());
            v["since_height"] = json!(height);
            v["tx"] = json!(tx_id.to_hex());
        }
    }
    v
}

/// `vellum proof status --proof ID [--member N] [--out FILE]`: the freshest valid status proof
/// any validator gives, checked against the pinned genesis before it is saved or shown.
pub fn fetch(target: &Target, proof: &str, member: Option<u32>, out: Option<&Path>, json: bool) -> Result<()> {
    let id = ProofId::from_hex(proof).context("--proof must be 64 hex characters")?;
    let pinned = hex32(&target.config()?.genesis_hash, "the client config's genesis hash")?;
    let path = match member {
        Some(m) => format!("/v1/status/{}?member={m}", id.to_hex()),
        None => format!("/v1/status/{}", id.to_hex()),
    };
    let check = |bytes: &[u8]| -> Result<u64> {
        let v = vellum_evidence::verify_status(bytes, Some(&pinned))?;
        anyhow::ensure!(v.proof_id == id && v.member_index == member, "a status proof for another registration or member");
        Ok(v.height)
    };
    let bytes = target.client()?.freshest(&path, BUNDLE_BYTES_MAX as u64 + 1, check)?;
    let v = vellum_evidence::verify_status(&bytes, Some(&pinned)).expect("checked above");
    if let Some(out) = out {
        crate::keys::write_atomic(out, &bytes).with_context(|| format!("cannot write {}", out.display()))?;
    }
    let mut report = verified_json(&v);
    report["bytes"] = json!(bytes.len());
    report["out"] = json!(out);
    print(json, &report, || {
        let mut lines = human(&v);
        if let Some(out) = out {
            lines.push(format!("  saved to {} ({} bytes)", out.display(), bytes.len()));
        }
        lines.join("\n")
    });
    Ok(())
}

fn verified_json(v: &VerifiedStatus) -> Value {
    json!({
        "valid": true,
        "chain_id": v.chain_id,
        "genesis_hash": hex::encode(v.genesis_hash),
        "proof_id": v.proof_id.to_hex(),
        "member": v.member_index,
        "registrant": v.registrant.to_hex(),
        "status": status_json(&v.status),
        "as_of_height": v.height,
        "as_of_time_ms": v.time_ms,
        "signers": v.signers,
        "validators": v.validators,
        "issuer": issuer_json(Some(&v.issuer)),
    })
}

fn human(v: &VerifiedStatus) -> Vec<String> {
    vec![
        format!(
            "status of proof {}{}: {}",
            v.proof_id,
            v.member_index.map(|m| format!(" member {m}")).unwrap_or_default(),
            status_line(&v.status)
        ),
        format!("  as of height {} ({}), finalized by {} of {} validators", v.height, fmt_time(v.time_ms), v.signers, v.validators),
        format!("  issuer: {}", v.issuer.describe()),
    ]
}

/// `vellum verify FILE.status`: a status proof on its own.
pub fn verify_file(bytes: &[u8], pinned: Option<&[u8; 32]>, json: bool) -> Result<()> {
    match vellum_evidence::verify_status(bytes, pinned) {
        Ok(v) => {
            let mut report = verified_json(&v);
            report["checkpoint_pinned"] = json!(pinned.is_some());
            print(json, &report, || {
                let mut lines = human(&v);
                if pinned.is_none() {
                    lines.push(format!("  warning: no --checkpoint given; genesis {} is only reported", hex::encode(v.genesis_hash)));
                }
                lines.join("\n")
            });
            exit_for(&v.status, json);
            Ok(())
        }
        Err(e) => crate::proof::invalid(&e, json),
    }
}

/// Reads and verifies the status file given with a bundle, then combines them (step 9).
pub fn combine(bundle: &Verified, status_file: &Path, pinned: Option<&[u8; 32]>) -> Result<Result<StatusNow, vellum_evidence::VerifyError>> {
    let bytes = std::fs::read(status_file).with_context(|| format!("cannot read {}", status_file.display()))?;
    // Pinned to the bundle's genesis at least: a status of another chain is refused at step 9.
    Ok(vellum_evidence::verify_status(&bytes, pinned.or(Some(&bundle.genesis_hash))).and_then(|s| vellum_evidence::status_now(bundle, &s)))
}

pub fn now_json(now: &StatusNow) -> Value {
    json!({
        "status": status_json(&now.now),
        "as_of_height": now.now_height,
        "as_of_time_ms": now.now_time_ms,
        "changed_since_bundle": now.changed,
        "issuer": issuer_json(Some(&now.issuer_now)),
    })
}

pub fn now_line(now: &StatusNow) -> String {
    format!(
        "  status NOW {} — as of height {} ({}){}",
        status_line(&now.now),
        now.now_height,
        fmt_time(now.now_time_ms),
        if now.changed { format!("; it was {} when the bundle was made", now.then.name()) } else { String::new() }
    ) + &format!("\n  issuer NOW: {}", now.issuer_now.describe())
}

/// Valid evidence of a proof that is not live exits 2 (in text mode), so scripts notice.
pub fn exit_for(status: &ProofStatus, json: bool) {
    if *status != ProofStatus::Live && !json {
        std::process::exit(2);
    }
}

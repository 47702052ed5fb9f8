//! `vellum log checkpoint|consistency`: C2SP checkpoints signed by the validators, and RFC 9162
//! consistency between an old checkpoint and a new one.

use crate::{Target, print};
use anyhow::{Context, Result, bail};
use serde_json::json;
use std::path::Path;
use vellum_evidence::checkpoint::Checkpoint;
use vellum_types::Hash32;

/// Where a checkpoint's RFC 3161 token comes from: the TSA's URL and its pinned certificate.
pub struct Tsa<'a> {
    pub url: &'a str,
    pub certificate: &'a Path,
}

fn tsa_certificate(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read the TSA certificate {}", path.display()))?;
    Ok(vellum_evidence::timestamp::certificate_der(&bytes)?)
}

/// The token file saved next to a checkpoint.
pub fn token_path(checkpoint: &Path) -> std::path::PathBuf {
    let mut p = checkpoint.as_os_str().to_owned();
    p.push(".tsr");
    p.into()
}

/// Asks a Time-Stamping Authority for an RFC 3161 token over `note` (with a fresh nonce) and
/// verifies it against the pinned certificate.
fn timestamp(url: &str, certificate: &[u8], note: &[u8]) -> Result<(Vec<u8>, vellum_evidence::timestamp::TimestampInfo)> {
    use vellum_evidence::timestamp::{TOKEN_BYTES_MAX, request, verify_token};
    let mut nonce = crate::keys::random_bytes()[..8].to_vec();
    nonce[0] = (nonce[0] & 0x7f) | 0x40;
    let tsa = crate::client::Client::new(url);
    let (status, token) = tsa
        .post_bytes("", "application/timestamp-query", &request(note, &nonce), TOKEN_BYTES_MAX as u64)
        .context("cannot reach the TSA")?;
    if status != 200 {
        bail!("the TSA answered {status}: {}", String::from_utf8_lossy(&token));
    }
    let info = verify_token(&token, note, certificate, Some(&nonce)).context("the TSA's token does not verify")?;
    Ok((token, info))
}

/// Collects a checkpoint of the latest finalized log size signed by every reachable validator;
/// with a TSA, also its RFC 3161 token. Nothing is written unless everything asked for worked.
pub fn checkpoint(target: &Target, out: Option<&Path>, tsa: Option<Tsa>, json: bool) -> Result<()> {
    if tsa.is_some() && out.is_none() {
        bail!("--tsa needs --out: the token is saved next to the checkpoint (<out>.tsr)");
    }
    // Read before anything is fetched: a mistyped path fails fast.
    let tsa = tsa.map(|t| tsa_certificate(t.certificate).map(|c| (t.url, c))).transpose()?;
    let cfg = target.config()?;
    let first = crate::client::Client::new(&cfg.api[0]);
    let status = first.status()?;
    let size = status["log_size"].as_u64().unwrap_or(0);
    if size == 0 {
        bail!("the log is empty: nothing to checkpoint yet");
    }
    let mut merged: Option<Checkpoint> = None;
    let mut missing = Vec::new();
    for api in &cfg.api {
        let c = crate::client::Client::new(api);
        let note = match c.get_text(&format!("/v1/log/checkpoint?size={size}")) {
            Ok((200, note)) => note,
            Ok((code, body)) => {
                missing.push(format!("{api}: {code} {body}"));
                continue;
            }
            Err(e) => {
                missing.push(format!("{api}: {e:#}"));
                continue;
            }
        };
        let cp = Checkpoint::parse(&note).with_context(|| format!("{api} sent a malformed checkpoint"))?;
        match &mut merged {
            None => merged = Some(cp),
            Some(m) => m.merge(&cp).with_context(|| format!("{api} disagrees about the log at size {size}"))?,
        }
    }
    let cp = merged.context("no validator answered")?;
    let note = cp.to_note();
    let mut v = json!({ "origin": cp.origin, "size": cp.size, "root": hex::encode(cp.root), "signatures": cp.signatures.len(), "unreachable": missing, "note": note });
    let mut stamped = String::new();
    if let (Some((url, certificate)), Some(out)) = (&tsa, out) {
        let (token, info) = timestamp(url, certificate, note.as_bytes())?;
        let path = token_path(out);
        std::fs::write(&path, &token).with_context(|| format!("cannot write {}", path.display()))?;
        stamped = format!("; timestamped by the TSA at {} (token {})", info.gen_time, path.display());
        v["timestamp"] = json!({ "gen_time": info.gen_time, "gen_time_ms": info.gen_time_ms, "serial": info.serial, "policy": info.policy, "token": path });
    }
    match out {
        Some(path) => std::fs::write(path, &note).with_context(|| format!("cannot write {}", path.display()))?,
        None if !json => print!("{note}"),
        None => {}
    }
    if json || out.is_some() {
        print(json, &v, || format!("checkpoint of {} entries signed by {} validators written to {}{stamped}", cp.size, cp.signatures.len(), out.map(|p| p.display().to_string()).unwrap_or_default()));
    }
    Ok(())
}

/// Imports a saved checkpoint offline: a quorum of the genesis validators signed it and, with
/// a TSA certificate, its RFC 3161 token proves it existed at the token's time.
pub fn verify_checkpoint(checkpoint: &Path, genesis: &Path, token: Option<&Path>, tsa_cert: Option<&Path>, json: bool) -> Result<()> {
    let keys = keys(genesis)?;
    let (cp, text) = load_verified(checkpoint, &keys, "the checkpoint")?;
    let mut v = json!({ "valid": true, "origin": cp.origin, "size": cp.size, "root": hex::encode(cp.root), "signatures": cp.signatures.len() });
    let mut stamped = String::new();
    if let Some(cert) = tsa_cert {
        let path = token.map(Path::to_path_buf).unwrap_or_else(|| token_path(checkpoint));
        let bytes = std::fs::read(&path).with_context(|| format!("cannot read the token {}", path.display()))?;
        let info = vellum_evidence::timestamp::verify_token(&bytes, text.as_bytes(), &tsa_certificate(cert)?, None)
            .with_context(|| format!("{} does not timestamp this checkpoint", path.display()))?;
        stamped = format!("; it existed at {} (RFC 3161 token of the pinned TSA, serial {})", info.gen_time, info.serial);
        v["timestamp"] = json!({ "gen_time": info.gen_time, "gen_time_ms": info.gen_time_ms, "serial": info.serial, "policy": info.policy });
    }
    print(json, &v, || format!("VALID: checkpoint of {} entries (root {}) signed by {} of the genesis validators{stamped}", cp.size, hex::encode(cp.root), cp.signatures.len()));
    Ok(())
}

/// Note key names and Ed25519 keys, the quorum, and the chain id.
type NoteKeys = (Vec<(String, [u8; 32])>, usize, String);

/// The validators' note keys from a genesis file: `(<chain id>/<name>, key)`, and the quorum.
fn keys(genesis: &Path) -> Result<NoteKeys> {
    let g = vellum_node::config::load_genesis(genesis)?;
    let keys: Vec<(String, [u8; 32])> =
        g.validators.iter().map(|v| (format!("{}/{}", g.chain_id, v.name), v.consensus_key)).collect();
    let n = keys.len();
    Ok((keys, n - (n - 1) / 3, g.chain_id))
}

/// A saved checkpoint (and its exact text) of the genesis chain, signed by a quorum of its
/// validators; `name` says which one in errors.
fn load_verified(path: &Path, (keys, quorum, chain_id): &NoteKeys, name: &str) -> Result<(Checkpoint, String)> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let cp = Checkpoint::parse(&text).with_context(|| format!("{} is not a checkpoint note", path.display()))?;
    if cp.origin != *chain_id {
        bail!("{name} is a checkpoint of `{}`, not of `{chain_id}`", cp.origin);
    }
    cp.verify(keys, *quorum).with_context(|| format!("{name} is not signed by a quorum of the genesis validators"))?;
    Ok((cp, text))
}

/// Verifies both checkpoints' signatures (a quorum of the genesis validators) and that NEW
/// extends OLD, with a consistency proof fetched from a node (the proof needs no trust).
pub fn consistency(target: &Target, old: &Path, new: &Path, genesis: &Path, json: bool) -> Result<()> {
    let keys = keys(genesis)?;
    let (old_cp, _) = load_verified(old, &keys, "OLD")?;
    let (new_cp, _) = load_verified(new, &keys, "NEW")?;
    if old_cp.size > new_cp.size {
        bail!("OLD ({} entries) is larger than NEW ({} entries): swap them", old_cp.size, new_cp.size);
    }
    let proof: Vec<Hash32> = if old_cp.size == new_cp.size {
        Vec::new()
    } else {
        let (code, v) = target.client()?.get(&format!("/v1/log/consistency?old={}&new={}", old_cp.size, new_cp.size))?;
        if code != 200 {
            bail!("node refused the consistency proof ({code}): {v}");
        }
        v["proof"]
            .as_array()
            .context("no proof in the answer")?
            .iter()
            .map(|h| {
                let mut out = [0u8; 32];
                hex::decode_to_slice(h.as_str().unwrap_or_default(), &mut out).context("bad proof hash")?;
                Ok(out)
            })
            .collect::<Result<_>>()?
    };
    match vellum_crypto::merkle::verify_consistency(old_cp.size, new_cp.size, &old_cp.root, &new_cp.root, &proof) {
        Ok(()) => {
            let v = json!({ "consistent": true, "old_size": old_cp.size, "new_size": new_cp.size });
            print(json, &v, || format!("CONSISTENT: the log of {} entries extends the log of {} entries (no history rewritten)", new_cp.size, old_cp.size));
            Ok(())
        }
        Err(e) => {
            if json {
                println!("{}", json!({ "consistent": false, "error": e.to_string() }));
            } else {
                eprintln!("INCONSISTENT: NEW does not extend OLD ({e}): the log was rewritten, or a checkpoint is forged");
            }
            std::process::exit(1);
        }
    }
}

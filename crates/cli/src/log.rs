//! `vellum log checkpoint|consistency`: C2SP checkpoints signed by the validators, and RFC 9162
//! consistency between an old checkpoint and a new one.

use crate::{Target, print};
use clap::Subcommand;
use anyhow::{Context, Result, bail};
use serde_json::json;
use std::path::{Path, PathBuf};
use vellum_evidence::checkpoint::Checkpoint;
use vellum_evidence::{BUNDLE_BYTES_MAX, VerifiedLogAnchor, verify_log_anchor};
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

/// A file saved next to a checkpoint: `<checkpoint><suffix>`.
fn beside(checkpoint: &Path, suffix: &str) -> std::path::PathBuf {
    let mut p = checkpoint.as_os_str().to_owned();
    p.push(suffix);
    p.into()
}

/// The checkpoint's RFC 3161 token file.
pub fn token_path(checkpoint: &Path) -> std::path::PathBuf {
    beside(checkpoint, ".tsr")
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

/// The checkpoint's log-anchor file.
pub fn anchor_path(checkpoint: &Path) -> std::path::PathBuf {
    beside(checkpoint, ".anchor")
}

/// The newest log anchor the validators serve: every validator in the client config is asked,
/// because the one listed first may lag behind the one that confirmed the caller's last
/// transaction, and a checkpoint taken after a confirmed transaction must include it. Each
/// answer is checked against its own genesis commitment so a garbled one is caught before
/// anything is saved; one that does not verify is reported, not chosen.
fn fetch_anchor(apis: &[String]) -> Result<(Vec<u8>, VerifiedLogAnchor)> {
    let mut refused = Vec::new();
    let mut newest: Option<(Vec<u8>, VerifiedLogAnchor)> = None;
    for api in apis {
        let answer = crate::client::Client::new(api).get_bytes("/v1/log/anchor", BUNDLE_BYTES_MAX as u64);
        let bytes = match answer {
            Ok((200, bytes)) => bytes,
            Ok((code, body)) => {
                refused.push(format!("{api}: {code} {}", String::from_utf8_lossy(&body)));
                continue;
            }
            Err(e) => {
                refused.push(format!("{api}: {e:#}"));
                continue;
            }
        };
        let verified = vellum_evidence::LogAnchor::decode(&bytes)
            .with_context(|| format!("{api} sent a malformed log anchor"))
            .and_then(|a| a.verify(&a.genesis.hash()).with_context(|| format!("{api} sent a log anchor that does not verify")));
        match verified {
            Ok(v) if newest.as_ref().is_none_or(|(_, n)| v.height > n.height) => newest = Some((bytes, v)),
            Ok(_) => {}
            Err(e) => refused.push(format!("{e:#}")),
        }
    }
    newest.with_context(|| format!("no validator served a log anchor: {}", refused.join("; ")))
}

/// The validators' checkpoint note at log `size`, with every reachable validator's signature
/// merged; and the validators that did not answer.
pub(crate) fn validators_note(apis: &[String], size: u64) -> Result<(Checkpoint, Vec<String>)> {
    let mut merged: Option<Checkpoint> = None;
    let mut missing = Vec::new();
    for api in apis {
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
    Ok((merged.context("no validator answered")?, missing))
}

/// Collects a checkpoint of the log as the latest certified block committed it, signed by every
/// reachable validator; with `--out`, also its log anchor (`<out>.anchor`) and, with a TSA, its
/// RFC 3161 token (`<out>.tsr`). Nothing is written unless everything asked for worked.
pub fn checkpoint(target: &Target, out: Option<&Path>, tsa: Option<Tsa>, witnesses: &[String], json: bool) -> Result<()> {
    if tsa.is_some() && out.is_none() {
        bail!("--tsa needs --out: the token is saved next to the checkpoint (<out>.tsr)");
    }
    // Read before anything is fetched: a mistyped path fails fast.
    let tsa = tsa.map(|t| tsa_certificate(t.certificate).map(|c| (t.url, c))).transpose()?;
    let cfg = target.config()?;
    // The anchor fixes the size: every validator signs the log as that certified block has it.
    let (anchor_bytes, anchor) = fetch_anchor(&cfg.api)?;
    let size = anchor.size;
    let (cp, missing) = validators_note(&cfg.api, size)?;
    if cp.origin != anchor.chain_id || cp.root != anchor.root {
        bail!("the validators' checkpoint at size {size} is not the log block {} finalized (root {} vs {})", anchor.height, hex::encode(cp.root), hex::encode(anchor.root));
    }
    // Witnesses cosign the validators' checkpoint (each after a consistency proof from the
    // last one it saw); one refusing is reported, not fatal: the policy decides how many count.
    let (cp, witness_refusals) = if witnesses.is_empty() { (cp, Vec::new()) } else { crate::witness::collect(target, cp, witnesses)? };
    let note = cp.to_note();
    let mut v = json!({
        "origin": cp.origin, "size": cp.size, "root": hex::encode(cp.root), "signatures": cp.signatures.len(),
        "cosignatures": cp.cosignatures.len(), "witness_refusals": witness_refusals,
        "unreachable": missing, "note": note,
        "anchor": { "height": anchor.height, "time_ms": anchor.time_ms, "validator_set_changes": anchor.validator_set_changes },
    });
    let mut stamped = String::new();
    let mut token = None;
    if let Some((url, certificate)) = &tsa {
        let (bytes, info) = timestamp(url, certificate, note.as_bytes())?;
        stamped = format!("; timestamped by the TSA at {}", info.gen_time);
        v["timestamp"] = json!({ "gen_time": info.gen_time, "gen_time_ms": info.gen_time_ms, "serial": info.serial, "policy": info.policy });
        token = Some(bytes);
    }
    let Some(out) = out else {
        if json {
            print(json, &v, String::new);
        } else {
            print!("{note}");
        }
        return Ok(());
    };
    let write = |path: &Path, bytes: &[u8]| std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()));
    if let Some(token) = &token {
        let path = token_path(out);
        write(&path, token)?;
        v["timestamp"]["token"] = json!(path);
    }
    let anchor_file = anchor_path(out);
    write(&anchor_file, &anchor_bytes)?;
    v["anchor"]["file"] = json!(anchor_file);
    write(out, note.as_bytes())?;
    print(json, &v, || {
        format!(
            "checkpoint of {} entries signed by {} validators written to {} (log anchor: block {} in {}){stamped}",
            cp.size,
            cp.signatures.len(),
            out.display(),
            anchor.height,
            anchor_file.display()
        )
    });
    Ok(())
}

/// Imports a saved checkpoint offline, from the genesis file alone: a quorum of the genesis
/// validators signed the note, or its log anchor (`<checkpoint>.anchor` unless `--anchor`)
/// proves a finalized block committed this log, through every validator-set change since
/// genesis. With a TSA certificate, its RFC 3161 token proves it existed at the token's time.
pub fn verify_checkpoint(
    checkpoint: &Path,
    genesis: &Path,
    anchor: Option<&Path>,
    token: Option<&Path>,
    tsa_cert: Option<&Path>,
    witnesses: Option<&Path>,
    json: bool,
) -> Result<()> {
    let trust = trust(genesis)?;
    let imported = load_verified(checkpoint, anchor, &trust, "the checkpoint")?;
    // A witness policy: the validators' word is not enough; k independent witnesses must have
    // seen this checkpoint consistent with everything they saw before.
    let witnessed = match witnesses {
        None => None,
        Some(policy) => {
            let (keys, quorum) = crate::witness::load_policy(policy)?;
            let n = imported.checkpoint.verify_cosignatures(&keys, quorum).context("the checkpoint fails the witness policy")?;
            Some((n, quorum))
        }
    };
    let cp = &imported.checkpoint;
    let mut v = json!({
        "valid": true, "origin": cp.origin, "size": cp.size, "root": hex::encode(cp.root),
        "signatures": cp.signatures.len(), "genesis_signatures": imported.genesis_signatures,
        "genesis_quorum": trust.quorum,
    });
    let mut how = format!("signed by {} of the genesis validators (quorum {})", imported.genesis_signatures, trust.quorum);
    if let Some(a) = &imported.anchor {
        v["anchor"] = json!({
            "height": a.height, "time_ms": a.time_ms, "signers": a.signers, "validators": a.validators,
            "validator_set_changes": a.validator_set_changes,
        });
        how.push_str(&format!(
            "; committed by block {} finalized by {} of {} validators ({} validator-set changes followed from genesis)",
            a.height, a.signers, a.validators, a.validator_set_changes
        ));
    }
    let mut stamped = String::new();
    if let Some(cert) = tsa_cert {
        let path = token.map(Path::to_path_buf).unwrap_or_else(|| token_path(checkpoint));
        let bytes = std::fs::read(&path).with_context(|| format!("cannot read the token {}", path.display()))?;
        let info = vellum_evidence::timestamp::verify_token(&bytes, imported.text.as_bytes(), &tsa_certificate(cert)?, None)
            .with_context(|| format!("{} does not timestamp this checkpoint", path.display()))?;
        stamped = format!("; it existed at {} (RFC 3161 token of the pinned TSA, serial {})", info.gen_time, info.serial);
        v["timestamp"] = json!({ "gen_time": info.gen_time, "gen_time_ms": info.gen_time_ms, "serial": info.serial, "policy": info.policy });
    }
    if let Some((n, quorum)) = witnessed {
        v["witnesses"] = json!({ "cosignatures": n, "quorum": quorum });
        how.push_str(&format!("; cosigned by {n} of the policy's witnesses (quorum {quorum})"));
    }
    print(json, &v, || format!("VALID: checkpoint of {} entries (root {}) {how}{stamped}", cp.size, hex::encode(cp.root)));
    Ok(())
}

/// What an offline reader trusts, all from the genesis file: the genesis validators' note keys
/// (`<chain id>/<name>`), their quorum, the chain id and the genesis hash (for log anchors).
struct Trust {
    keys: Vec<(String, [u8; 32])>,
    quorum: usize,
    chain_id: String,
    genesis_hash: Hash32,
}

fn trust(genesis: &Path) -> Result<Trust> {
    let g = vellum_node::config::load_genesis(genesis)?;
    let keys: Vec<(String, [u8; 32])> =
        g.validators.iter().map(|v| (format!("{}/{}", g.chain_id, v.name), v.consensus_key)).collect();
    Ok(Trust { quorum: vellum_types::validators::quorum(keys.len()), keys, genesis_hash: g.hash(), chain_id: g.chain_id })
}

/// A saved checkpoint that verified: its exact text, how many genesis validators signed it, and
/// its log anchor if one was read.
struct Imported {
    checkpoint: Checkpoint,
    text: String,
    genesis_signatures: usize,
    anchor: Option<VerifiedLogAnchor>,
}

/// Reads and verifies a saved checkpoint of the genesis chain (`name` says which one in
/// errors): signed by a quorum of the genesis validators, or anchored by its log anchor
/// (`anchor`, else `<path>.anchor` if that file exists). An anchor that is present must verify
/// and match, whatever the signatures say.
fn load_verified(path: &Path, anchor: Option<&Path>, trust: &Trust, name: &str) -> Result<Imported> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let cp = Checkpoint::parse(&text).with_context(|| format!("{} is not a checkpoint note", path.display()))?;
    if cp.origin != trust.chain_id {
        bail!("{name} is a checkpoint of `{}`, not of `{}`", cp.origin, trust.chain_id);
    }
    let signed = cp.verify(&trust.keys, trust.quorum);
    let genesis_signatures = match &signed {
        Ok(n) => *n,
        Err(vellum_evidence::checkpoint::NoteError::Quorum { valid, .. }) => *valid,
        Err(e) => bail!("{name}: {e}"),
    };
    let anchor_file = match anchor {
        Some(a) => Some(a.to_path_buf()),
        None => Some(anchor_path(path)).filter(|p| p.exists()),
    };
    let anchor = match anchor_file {
        None => None,
        Some(file) => {
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read the log anchor {}", file.display()))?;
            let a = verify_log_anchor(&bytes, &trust.genesis_hash)
                .with_context(|| format!("{}: the log anchor of {name} does not verify from this genesis", file.display()))?;
            if a.size != cp.size || a.root != cp.root {
                bail!(
                    "{}: the log anchor is for the log at {} entries (root {}), not {name} ({} entries, root {})",
                    file.display(),
                    a.size,
                    hex::encode(a.root),
                    cp.size,
                    hex::encode(cp.root)
                );
            }
            Some(a)
        }
    };
    if anchor.is_none() {
        signed.with_context(|| {
            format!("{name} is not signed by a quorum of the genesis validators, and has no log anchor ({})", anchor_path(path).display())
        })?;
    }
    Ok(Imported { checkpoint: cp, text, genesis_signatures, anchor })
}

/// Verifies both checkpoints (a quorum of the genesis validators, or their log anchors) and
/// that NEW extends OLD, with a consistency proof fetched from a node (the proof needs no trust).
pub fn consistency(target: &Target, old: &Path, new: &Path, genesis: &Path, json: bool) -> Result<()> {
    let trust = trust(genesis)?;
    let old_cp = load_verified(old, None, &trust, "OLD")?.checkpoint;
    let new_cp = load_verified(new, None, &trust, "NEW")?.checkpoint;
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

#[derive(Subcommand)]
pub enum LogCommand {
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
        /// A witness (c2sp.org/tlog-witness) to cosign the checkpoint (repeat).
        #[arg(long)]
        witness: Vec<String>,
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
        /// A witness policy (`witness <name> <hex key>` lines, `quorum <k>`): the checkpoint must
        /// also carry k valid cosignatures of these witnesses.
        #[arg(long)]
        witnesses: Option<PathBuf>,
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

/// Runs a `vellum log` command.
pub fn run(command: LogCommand, json: bool) -> Result<()> {
    match command {
        LogCommand::Checkpoint { target, out, tsa, tsa_cert, witness } => {
            let tsa = tsa.as_deref().zip(tsa_cert.as_deref()).map(|(url, certificate)| Tsa { url, certificate });
            checkpoint(&target, out.as_deref(), tsa, &witness, json)
        }
        LogCommand::Verify { checkpoint, genesis, anchor, token, tsa_cert, witnesses } => {
            verify_checkpoint(&checkpoint, &genesis, anchor.as_deref(), token.as_deref(), tsa_cert.as_deref(), witnesses.as_deref(), json)
        }
        LogCommand::Consistency { target, old, new, genesis } => consistency(&target, &old, &new, &genesis, json),
    }
}

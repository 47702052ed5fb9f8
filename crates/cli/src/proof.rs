//! `vellum proof ...` and `vellum verify`: registering documents, fetching evidence bundles,
//! changing proof status, and verifying bundles offline.

use crate::{Target, keys, print, resolve_key, send};
use clap::Subcommand;
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use vellum_evidence::{Bundle, DocumentCheck};
use vellum_types::proof::{BATCH_MEMBERS_PER_TX_MAX, BatchMember, SCHEMA_WHOLE_FILE, salted_digest};
use vellum_types::{Hash32, ProofChange, ProofId, TxBody, sha256};

/// Most documents `register-batch` takes in one call (a batch transaction covers up to
/// `BATCH_DOCUMENTS_MAX`; files are read into memory one at a time).
pub const BATCH_FILES_MAX: usize = 100_000;
/// Largest document hashed by the CLI.
pub const DOCUMENT_BYTES_MAX: u64 = 1 << 30;

/// What the registrant keeps for each registration (never sent to the ledger): which files,
/// their digests and salts. Needed to make a bundle that ties a document to its proof.
#[derive(Serialize, Deserialize)]
pub struct Manifest {
    pub proof_id: String,
    pub tx: String,
    pub schema: String,
    pub salted: bool,
    pub batch: bool,
    pub documents: Vec<ManifestDocument>,
}

#[derive(Serialize, Deserialize)]
pub struct ManifestDocument {
    pub file: String,
    pub sha256: String,
    pub salt: Option<String>,
    /// The digest registered for this document (salted commitment if salted).
    pub leaf: String,
}

pub(crate) fn hex32(text: &str, what: &str) -> Result<Hash32> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).with_context(|| format!("{what} must be 64 hex characters"))?;
    Ok(out)
}

pub fn file_digest(path: &Path) -> Result<Hash32> {
    let meta = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.len() > DOCUMENT_BYTES_MAX {
        bail!("{} is larger than {DOCUMENT_BYTES_MAX} bytes", path.display());
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(sha256(&bytes))
}

fn documents(files: &[PathBuf], salted: bool) -> Result<Vec<ManifestDocument>> {
    let bar = crate::progress(files.len() as u64, "hashing");
    let out = files
        .iter()
        .map(|f| {
            bar.inc(1);
            let d = file_digest(f)?;
            let salt = salted.then(keys::random_bytes);
            let leaf = match &salt {
                Some(s) => salted_digest(s, &d),
                None => d,
            };
            Ok(ManifestDocument {
                file: f.display().to_string(),
                sha256: hex::encode(d),
                salt: salt.map(hex::encode),
                leaf: hex::encode(leaf),
            })
        })
        .collect();
    bar.finish_and_clear();
    out
}

/// Registers files: one `RegisterProof` for a single file, one `RegisterBatch` for several.
#[allow(clippy::too_many_arguments)]
pub fn register(
    target: &Target,
    key: &str,
    files: &[PathBuf],
    salted: bool,
    metadata: Option<&Path>,
    out_dir: &Path,
    store: Option<Vec<String>>,
    holders: &[String],
    json: bool,
) -> Result<()> {
    if files.is_empty() || files.len() > BATCH_FILES_MAX {
        bail!("give 1..={BATCH_FILES_MAX} files");
    }
    let holders = parse_holders(holders, files.len())?;
    // Resolve the recipients before registering, so a bad one fails early.
    let recipients = match &store {
        None => None,
        Some(given) if !given.is_empty() => Some(given.iter().map(|r| crate::originals::parse_recipient(r)).collect::<Result<Vec<_>>>()?),
        Some(_) => {
            let dir = target.config()?.keys_dir;
            let mut out = Vec::new();
            for name in [key, "auditor"] {
                let path = dir.join(format!("{name}.age"));
                if path.exists() {
                    out.push(crate::originals::load_identity(&path)?.to_public());
                }
            }
            if out.is_empty() {
                bail!("--store needs --recipient, or `{key}.age` / `auditor.age` in {}", dir.display());
            }
            Some(out)
        }
    };
    let docs = documents(files, salted)?;
    let metadata_digest = match metadata {
        Some(m) => file_digest(m)?,
        None => sha256(b""),
    };
    let leaves: Vec<Hash32> = docs.iter().map(|d| hex32(&d.leaf, "leaf")).collect::<Result<_>>()?;
    let batch = files.len() > 1;
    let body = if batch {
        TxBody::RegisterBatch {
            root: vellum_evidence::batch_root(&leaves),
            count: leaves.len() as u32,
            schema: SCHEMA_WHOLE_FILE.into(),
            metadata_digest,
            salted,
        }
    } else {
        TxBody::RegisterProof { digest: leaves[0], schema: SCHEMA_WHOLE_FILE.into(), metadata_digest, salted }
    };
    let result = send(target, key, body)?;
    let tx = result["tx_hash"].as_str().unwrap_or_default().to_string();
    let proof_id = ProofId::of_tx(&vellum_types::TxId::from_hex(&tx).context("node returned a bad tx hash")?);
    let manifest = Manifest {
        proof_id: proof_id.to_hex(),
        tx,
        schema: SCHEMA_WHOLE_FILE.into(),
        salted,
        batch,
        documents: docs,
    };
    std::fs::create_dir_all(out_dir)?;
    let path = out_dir.join(format!("{}.json", proof_id.to_hex()));
    std::fs::write(&path, serde_json::to_string_pretty(&manifest)?)?;
    hand_over(target, key, &proof_id, &leaves, &holders, batch)?;
    let mut stored = 0usize;
    if let Some(recipients) = &recipients {
        let signer = resolve_key(target, key)?;
        let client = target.client()?;
        let chain_id = client.status()?["chain_id"].as_str().unwrap_or_default().to_string();
        for (i, f) in files.iter().enumerate() {
            let document = std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))?;
            let member = i as u32;
            let sealed = crate::originals::seal(&document, &proof_id, member, recipients)?;
            let path = if batch {
                format!("/v1/proof/{}/original?member={member}", proof_id.to_hex())
            } else {
                format!("/v1/proof/{}/original", proof_id.to_hex())
            };
            store_everywhere(&client, &path, &vellum_types::encoding::to_wire(&sealed), &signer, &chain_id)
                .with_context(|| format!("storing the original of {}", f.display()))?;
            stored += 1;
        }
    }
    let v = json!({
        "proof_id": proof_id.to_hex(), "height": result["height"], "documents": files.len(), "manifest": path, "originals_stored": stored,
        "members_on_network": batch, "holders": holders.iter().flatten().count(),
    });
    print(json, &v, || {
        format!(
            "registered {} document(s) as proof {} at height {}\nmanifest (keep it: salts and batch positions) {}",
            files.len(),
            proof_id,
            result["height"],
            path.display()
        )
    });
    Ok(())
}

/// `--holder` accounts: none, one per file (member `i` held by the `i`-th), or, for a single
/// file, one.
fn parse_holders(given: &[String], files: usize) -> Result<Vec<Option<vellum_types::AccountId>>> {
    if given.is_empty() {
        return Ok(vec![None; files]);
    }
    if given.len() != files {
        bail!("give one --holder per file ({files}), in the order of the files, or none");
    }
    given
        .iter()
        .map(|h| vellum_types::AccountId::from_hex(h).map(Some).with_context(|| format!("--holder {h}: not an account id (64 hex)")))
        .collect()
}

/// Hands a registration's holders and, for a batch, its member digests to the network, so the
/// holders and the network can produce bundles without the manifest (chunks in order).
fn hand_over(target: &Target, key: &str, proof: &ProofId, leaves: &[Hash32], holders: &[Option<vellum_types::AccountId>], batch: bool) -> Result<()> {
    if !batch {
        if let Some(holder) = holders[0] {
            send(target, key, TxBody::AddHolders { proof: *proof, member: None, holders: vec![holder] })?;
        }
        return Ok(());
    }
    let members: Vec<BatchMember> = leaves.iter().zip(holders).map(|(d, h)| BatchMember { digest: *d, holder: *h }).collect();
    for (i, chunk) in members.chunks(BATCH_MEMBERS_PER_TX_MAX).enumerate() {
        let first = (i * BATCH_MEMBERS_PER_TX_MAX) as u32;
        send(target, key, TxBody::StoreBatchMembers { proof: *proof, first, members: chunk.to_vec() })
            .with_context(|| format!("handing members {first}.. of the batch to the network (the registration itself is final; the manifest has them)"))?;
    }
    Ok(())
}

/// Finds the manifest and document index for a file or digest among the manifests in `dir`.
fn find_in_manifests(dir: &Path, digest: &Hash32) -> Result<Option<(Manifest, usize)>> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(None) };
    let want = hex::encode(digest);
    let mut found: Option<(Manifest, usize)> = None;
    for e in entries {
        let path = e?.path();
        if path.extension().and_then(|x| x.to_str()) != Some("json") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let Ok(m) = serde_json::from_str::<Manifest>(&text) else { continue };
        if let Some(i) = m.documents.iter().position(|d| d.sha256 == want || d.leaf == want) {
            // Prefer the newest registration: manifests are named by proof id, so compare tx
            // heights is not possible offline; keep the last one read and say so below.
            found = Some((m, i));
        }
    }
    Ok(found)
}

/// `vellum proof bundle (FILE|DIGEST) --out F`.
/// Where a bundle's document is: a registration, a member of it, and what opens it.
struct Located {
    proof: ProofId,
    member: Option<u32>,
    manifest: Option<(Manifest, usize)>,
}

/// What `proof bundle` is asked for, beyond the file or digest.
pub struct BundleAsk<'a> {
    pub manifests: &'a Path,
    /// The proof (and member) when the caller knows them, e.g. a holder without the manifest.
    pub proof: Option<&'a str>,
    pub member: Option<u32>,
    /// A salted member's salt (64 hex), given by the issuer to the document's holder.
    pub salt: Option<&'a str>,
    /// Witnesses to cosign the checkpoint of the bundle's header (saved as `<out>.note`).
    pub witnesses: &'a [String],
}

pub fn bundle(target: &Target, key: &str, what: &str, ask: &BundleAsk<'_>, out: &Path, json: bool) -> Result<()> {
    let (digest, from_file) = if Path::new(what).exists() {
        (file_digest(Path::new(what))?, true)
    } else {
        (hex32(what, "the argument (a file path or a document digest)")?, false)
    };
    let salt = ask.salt.map(|s| hex32(s, "--salt")).transpose()?;
    let signer = resolve_key(target, key)?;
    let client = target.client()?;
    let chain_id = client.status()?["chain_id"].as_str().unwrap_or_default().to_string();
    let at = locate(&client, &signer, &chain_id, ask, &digest, salt.as_ref())?;
    let path = match at.member {
        Some(i) => format!("/v1/proof/{}/bundle?member={i}", at.proof.to_hex()),
        None => format!("/v1/proof/{}/bundle", at.proof.to_hex()),
    };
    let (status, body) = client.get_signed(&path, &signer, &chain_id)?;
    if status != 200 {
        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        bail!("bundle refused ({status} {}): {}", v["error"]["code"], v["error"]["message"].as_str().unwrap_or_default());
    }
    let mut b: Bundle = vellum_evidence::decode(&body).map_err(|e| anyhow::anyhow!("node sent an invalid bundle: {e}"))?;
    open(&mut b, &at, digest, from_file, salt)?;
    // Check before writing: never hand out a bundle that does not verify.
    vellum_evidence::verify_bundle(&b, None, None).map_err(|e| anyhow::anyhow!("assembled bundle does not verify: {e}"))?;
    if !ask.witnesses.is_empty() {
        witness_header(target, &mut b, ask.witnesses)?;
    }
    let bytes = b.to_bytes();
    crate::keys::write_atomic(out, &bytes)?;
    let mut v = json!({ "proof_id": at.proof.to_hex(), "member": at.member, "bytes": bytes.len(), "out": out, "status": b.entry.status.name() });
    if let Some(w) = &b.witnessed {
        let cp = vellum_evidence::checkpoint::Checkpoint::parse(&w.note)?;
        v["witnessed"] = json!({ "size": cp.size, "cosignatures": cp.cosignatures.len() });
    }
    print(json, &v, || format!("wrote {} ({} bytes) for proof {}{}", out.display(), bytes.len(), at.proof, at.member.map(|m| format!(" member {m}")).unwrap_or_default()));
    Ok(())
}

/// Has witnesses cosign the checkpoint at the bundle header's log (size and root, both
/// certified in the header) and puts it into the bundle (version 4), replacing whatever
/// checkpoint the node put there: a verifier with a witness policy then knows independent
/// witnesses saw this log, consistent with everything they saw before.
fn witness_header(target: &Target, b: &mut Bundle, witnesses: &[String]) -> Result<()> {
    let (cp, _) = crate::log::validators_note(&target.config()?.api, b.header.log_size)?;
    if cp.root != b.header.log_root {
        bail!("the validators' checkpoint at size {} is not the bundle header's log", b.header.log_size);
    }
    let (cp, refused) = crate::witness::collect(target, cp, witnesses)?;
    if cp.cosignatures.is_empty() {
        bail!("no witness cosigned the bundle's checkpoint: {}", refused.join("; "));
    }
    // The header's own size: no consistency proof, so no log to read.
    let covers = b.entry.leaf_index + 1;
    b.witnessed = Some(vellum_evidence::witness::Witnessed::for_log(&cp, &vellum_crypto::merkle::NoLog, b.header.log_size, covers).context("the cosigned checkpoint does not cover the record")?);
    vellum_evidence::verify_bundle(b, None, None).map_err(|e| anyhow::anyhow!("the witnessed bundle does not verify: {e}"))?;
    Ok(())
}

/// Finds the registration: as given, else in the manifests, else by digest lookup on the
/// network (a single registration, or a member of a batch whose members are stored there; for
/// a salted one the salt makes the registered digest).
fn locate(client: &crate::client::Pool, signer: &vellum_crypto::Signer, chain_id: &str, ask: &BundleAsk<'_>, digest: &Hash32, salt: Option<&Hash32>) -> Result<Located> {
    if let Some(p) = ask.proof {
        return Ok(Located { proof: ProofId::from_hex(p).context("--proof must be 64 hex characters")?, member: ask.member, manifest: None });
    }
    if let Some((m, i)) = find_in_manifests(ask.manifests, digest)? {
        let member = m.batch.then_some(i as u32);
        return Ok(Located { proof: ProofId::from_hex(&m.proof_id)?, member, manifest: Some((m, i)) });
    }
    let registered = salt.map_or(*digest, |s| salted_digest(s, digest));
    let (status, body) = client.get_signed(&format!("/v1/proofs?digest={}", hex::encode(registered)), signer, chain_id)?;
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if status != 200 {
        bail!("lookup refused ({status}): {}", v["error"]["message"].as_str().unwrap_or_default());
    }
    if let Some(last) = v["proofs"].as_array().and_then(|a| a.last()).and_then(Value::as_str) {
        return Ok(Located { proof: ProofId::from_hex(last)?, member: None, manifest: None });
    }
    if let Some(m) = v["members"].as_array().and_then(|a| a.last()) {
        let proof = ProofId::from_hex(m["proof_id"].as_str().unwrap_or_default()).context("the node named a bad proof id")?;
        return Ok(Located { proof, member: m["member"].as_u64().map(|i| i as u32), manifest: None });
    }
    bail!(
        "no registration of digest {} is visible to this account (no manifest in {} covers it{})",
        hex::encode(registered),
        ask.manifests.display(),
        if salt.is_none() { "; a salted document needs --salt" } else { "" }
    )
}

/// Completes a bundle: the member's digest and path (from the manifest when the node had no
/// stored members), and the document opening.
fn open(b: &mut Bundle, at: &Located, digest: Hash32, from_file: bool, salt: Option<Hash32>) -> Result<()> {
    if let Some((m, i)) = &at.manifest {
        if m.batch {
            let leaves: Vec<Hash32> = m.documents.iter().map(|d| hex32(&d.leaf, "leaf")).collect::<Result<_>>()?;
            b.fill_member(&leaves)?;
        }
        let d = &m.documents[*i];
        let salt = d.salt.as_deref().map(|s| hex32(s, "salt")).transpose()?;
        b.open_document(hex32(&d.sha256, "sha256")?, salt);
        return Ok(());
    }
    if b.member.as_ref().is_some_and(|m| m.batch_proof.is_empty() && m.leaf == [0; 32]) {
        bail!("the network does not hold this batch's members (registered before they were handed over?): use the issuer's manifest (--manifests)");
    }
    if from_file || salt.is_some() {
        b.open_document(digest, salt);
    }
    Ok(())
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC) from milliseconds since the Unix epoch.
pub fn fmt_time(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil-from-days (Howard Hinnant's algorithm), proleptic Gregorian calendar.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z", rem / 3600, rem % 3600 / 60, rem % 60, ms % 1000)
}

/// `vellum verify BUNDLE [--file DOC] [--checkpoint HASH]`: offline.
/// Step 10 under a policy file: k of its witnesses cosigned the checkpoint the file carries.
pub fn check_witnessed(witnessed: Option<&vellum_evidence::checkpoint::Checkpoint>, policy: &Path) -> Result<usize> {
    let (keys, quorum) = crate::witness::load_policy(policy)?;
    vellum_evidence::check_witness_policy(witnessed, &keys, quorum).with_context(|| format!("under the witness policy {}", policy.display()))
}

/// What the text output says of a file's witnessed checkpoint.
pub fn witnessed_line(witnessed: Option<&vellum_evidence::checkpoint::Checkpoint>, under_policy: Option<usize>) -> String {
    match (witnessed, under_policy) {
        (Some(cp), Some(n)) => format!("  the log is WITNESSED: {n} cosignatures of the policy's witnesses on the checkpoint at size {}", cp.size),
        (Some(cp), None) => format!("  the log carries {} witness cosignature(s) at size {} (not checked: give --witnesses POLICY)", cp.cosignatures.len(), cp.size),
        (None, _) => "  no witness cosignatures in this file".into(),
    }
}

/// Applies `--witnesses POLICY` to a verified file, exiting with its step-10 failure.
pub fn witnesses_or_exit(witnessed: Option<&vellum_evidence::checkpoint::Checkpoint>, policy: Option<&Path>, json: bool) -> Option<usize> {
    match check_witnessed(witnessed, policy?) {
        Ok(n) => Some(n),
        Err(e) => {
            if json {
                println!("{}", json!({ "valid": false, "step": "witnesses", "error": format!("{e:#}") }));
            } else {
                eprintln!("INVALID: {e:#}");
            }
            std::process::exit(1);
        }
    }
}

/// `vellum verify`, optionally with a witness policy (and the cosigned checkpoint's path).
#[allow(clippy::too_many_arguments)]
pub fn verify(bundle: &Path, file: Option<&Path>, checkpoint: Option<&str>, status: Option<&Path>, witnesses: Option<&Path>, explain: bool, json: bool) -> Result<()> {
    let bytes = std::fs::read(bundle).with_context(|| format!("cannot read {}", bundle.display()))?;
    let document = file.map(|f| std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))).transpose()?;
    let pinned = checkpoint.map(|c| hex32(c, "--checkpoint")).transpose()?;
    if bytes.starts_with(&vellum_evidence::RECEIPT_MAGIC) {
        return verify_receipt(&bytes, pinned.as_ref(), witnesses, json);
    }
    if bytes.starts_with(&vellum_evidence::TX_RECEIPT_MAGIC) {
        return verify_tx_receipt(&bytes, pinned.as_ref(), witnesses, json);
    }
    if bytes.starts_with(&vellum_evidence::STATUS_PROOF_MAGIC) {
        return crate::status::verify_file(&bytes, pinned.as_ref(), json);
    }
    match vellum_evidence::verify(&bytes, document.as_deref(), pinned.as_ref()) {
        Ok(v) => {
            let now = match status.map(|s| crate::status::combine(&v, s, pinned.as_ref())).transpose()? {
                None => None,
                Some(Ok(now)) => Some(now),
                Some(Err(e)) => return invalid(&e, json),
            };
            let witnessed = witnesses_or_exit(v.witnessed.as_ref(), witnesses, json);
            let out = json!({
                "valid": true,
                "chain_id": v.chain_id,
                "genesis_hash": hex::encode(v.genesis_hash),
                "checkpoint_pinned": v.checkpoint_pinned,
                "proof_id": v.record.proof_id.to_hex(),
                "metadata_digest": hex::encode(v.record.metadata_digest),
                "schema": v.record.schema,
                "registrant": v.registrant.to_hex(),
                "signer": v.signer.to_string(),
                "issuer": crate::status::issuer_json(v.issuer.as_ref()),
                "registered_height": v.record.height,
                "registered_time_ms": v.record.time_ms,
                "registered_digest": hex::encode(v.registered_digest),
                "member": v.member_index,
                "status": v.status.name(),
                "status_as_of_height": v.status_height,
                "status_now": now.as_ref().map(crate::status::now_json),
                "witness_cosignatures": witnessed,
                "witnessed_size": v.witnessed.as_ref().map(|cp| cp.size),
                "signers": v.signers,
                "validators": v.validators,
                "validator_set_changes": v.validator_set_changes,
                "document": match v.document { DocumentCheck::Matched => "matched", DocumentCheck::NotChecked => "not_checked" },
                "trace": v.trace.iter().map(|(k, val)| json!({ k: val })).collect::<Vec<_>>(),
            });
            print(json, &out, || {
                let mut lines = vec![
                    format!("VALID evidence on chain {} (genesis {})", v.chain_id, hex::encode(v.genesis_hash)),
                    crate::status::issuer_line(v.issuer.as_ref(), &v.registrant, &v.signer.to_string()),
                    format!("  at height {}, time {}", v.record.height, fmt_time(v.record.time_ms)),
                    format!("  digest {}{}", hex::encode(v.registered_digest), v.member_index.map(|m| format!(" (batch member {m})")).unwrap_or_default()),
                    format!("  status {} as of height {} (the bundle's)", crate::status::status_line(&v.status), v.status_height),
                    format!(
                        "  finalized by {} of {} validators{}",
                        v.signers,
                        v.validators,
                        match v.validator_set_changes {
                            0 => " (the genesis set)".to_string(),
                            k => format!(" (the set after {k} change(s), each followed from genesis)"),
                        }
                    ),
                    match v.document {
                        DocumentCheck::Matched => "  document MATCHES the registered digest".into(),
                        DocumentCheck::NotChecked => "  document not checked (give --file DOC)".into(),
                    },
                ];
                lines.push(witnessed_line(v.witnessed.as_ref(), witnessed));
                match &now {
                    Some(now) => lines.push(crate::status::now_line(now)),
                    None => lines.push("  current status not checked (give --status FILE from `vellum proof status`)".into()),
                }
                if !v.checkpoint_pinned {
                    lines.push("  warning: no --checkpoint given; compare the genesis hash above with one you trust".into());
                }
                if explain {
                    lines.push("  intermediate values:".into());
                    lines.extend(v.trace.iter().map(|(k, val)| format!("    {k} = {val}")));
                }
                lines.join("\n")
            });
            // Valid evidence of a proof that is no longer live: say so in the exit code.
            crate::status::exit_for(now.as_ref().map_or(&v.status, |n| &n.now), json);
            Ok(())
        }
        Err(e) => invalid(&e, json),
    }
}

/// Reports evidence that failed a step and exits 1.
pub(crate) fn invalid(e: &vellum_evidence::VerifyError, json: bool) -> Result<()> {
    if json {
        println!("{}", json!({ "valid": false, "step": e.step.name(), "step_number": e.step.number(), "error": e.detail }));
    } else {
        eprintln!("INVALID: {e}");
    }
    std::process::exit(1);
}

pub fn change(target: &Target, key: &str, proof: &str, member: Option<u32>, change: ProofChange, json: bool) -> Result<()> {
    let proof = ProofId::from_hex(proof).context("--proof must be 64 hex characters")?;
    let result = send(target, key, TxBody::SetProofStatus { proof, member, change })?;
    print(json, &result, || format!("proof {proof}{} changed at height {}", member.map(|m| format!(" member {m}")).unwrap_or_default(), result["height"]));
    Ok(())
}

/// Sends the issuer-wide revocation until the ledger reports it complete (each transaction
/// revokes a bounded number of registrations).
fn revoke_issuer(target: &Target, key: &str, issuer: &str, from_height: u64, reason: String, json: bool) -> Result<()> {
    let issuer = vellum_types::AccountId::from_hex(issuer).context("--issuer must be an account id (64 hex)")?;
    let body = TxBody::RevokeIssuer { issuer, from_height, reason };
    let mut rounds = Vec::new();
    // Each transaction revokes up to ISSUER_REVOCATIONS_PER_TX_MAX registrations: the rounds are
    // bounded (1,024 × 4,096 registrations), and a stuck revocation is reported, not looped on.
    for _ in 0..REVOKE_ISSUER_ROUNDS_MAX {
        let result = send(target, key, body.clone())?;
        rounds.push(result);
        let agreed = target
            .client()?
            .agreed_get(&format!("/v1/issuer/{}/revocation", issuer.to_hex()), crate::client::verified::whole)
            .context("cannot read the revocation back")?;
        anyhow::ensure!(agreed.status == 200, "the validators do not show the revocation: {}", agreed.body);
        let state = agreed.body;
        if state["complete"].as_bool() == Some(true) {
            let v = json!({ "issuer": issuer.to_hex(), "revocation": state, "transactions": rounds });
            print(json, &v, || format!("issuer {issuer} revoked from height {from_height} on: {} registration(s) revoked in {} transaction(s)", state["revoked"], rounds.len()));
            return Ok(());
        }
    }
    bail!("the revocation of issuer {issuer} is still not complete after {REVOKE_ISSUER_ROUNDS_MAX} transactions: run the command again")
}

/// Most transactions `proof revoke-issuer` sends before it stops and says so.
const REVOKE_ISSUER_ROUNDS_MAX: usize = 1_024;

pub fn show(target: &Target, key: &str, proof: &str, json: bool) -> Result<()> {
    let signer = resolve_key(target, key)?;
    // The record and its status are agreed by f+1 validators; the audit trail shown is the
    // answering validator's own.
    let v = crate::pay::verified_json(target, &signer, &format!("/v1/proof/{proof}"), crate::client::verified::proof_key)
        .map_err(|e| anyhow::anyhow!("refused: {e:#}"))?;
    print(json, &v, || serde_json::to_string_pretty(&v).unwrap_or_default());
    Ok(())
}

/// How long storing an original waits for validators that have not applied the registration.
const ORIGINAL_STORE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);
/// Pause before asking such a validator again.
const ORIGINAL_STORE_RETRY: std::time::Duration = std::time::Duration::from_millis(250);

/// Stores an original on every validator the client reaches, each checking the registrant's
/// signature over the bytes and its right to store them; fails unless at least f + 1 of them
/// hold it, so the loss of any f validators (the one first asked included) loses nothing.
fn store_everywhere(client: &crate::client::Pool, path: &str, body: &[u8], signer: &vellum_crypto::Signer, chain_id: &str) -> Result<usize> {
    let needed = client.faults_tolerated() + 1;
    let deadline = std::time::Instant::now() + ORIGINAL_STORE_WAIT;
    let mut pending: Vec<&crate::client::Client> = client.nodes().iter().collect();
    let (mut held, mut refusals) = (0, Vec::new());
    // A validator that answers but does not know the registration yet (one block behind the one
    // that confirmed it) is asked again until the deadline; one that does not answer is not.
    while !pending.is_empty() {
        let mut behind = Vec::new();
        refusals.clear();
        for node in pending {
            match node.signed("PUT", path, body, signer, chain_id) {
                // 409: this validator already holds one (an earlier attempt of this command).
                Ok((201 | 409, _)) => held += 1,
                Ok((status, answer)) => {
                    let v: Value = serde_json::from_slice(&answer).unwrap_or(Value::Null);
                    let code = v["error"]["code"].as_str().unwrap_or_default();
                    if matches!(code, "forbidden" | "unknown_proof" | "bad_request_signature" | "busy") {
                        behind.push(node);
                    }
                    refusals.push(format!("{}: {status} {code} {}", node.base, v["error"]["message"].as_str().unwrap_or_default()));
                }
                Err(e) => refusals.push(format!("{}: {e:#}", node.base)),
            }
        }
        if behind.is_empty() || std::time::Instant::now() > deadline {
            break;
        }
        std::thread::sleep(ORIGINAL_STORE_RETRY);
        pending = behind;
    }
    if held < needed {
        bail!("held by {held} validator(s), {needed} needed to survive {} failure(s): {}", needed - 1, refusals.join("; "));
    }
    Ok(held)
}

fn original_path(proof: &str, member: Option<u32>) -> Result<(ProofId, u32, String)> {
    let id = ProofId::from_hex(proof).context("--proof must be 64 hex characters")?;
    let m = member.unwrap_or(0);
    let path = match member {
        Some(m) => format!("/v1/proof/{}/original?member={m}", id.to_hex()),
        None => format!("/v1/proof/{}/original", id.to_hex()),
    };
    Ok((id, m, path))
}

pub fn fetch_original(at: &ProofAt, identity: Option<&Path>, out: &Path, json: bool) -> Result<()> {
    let (target, key) = (&at.target, at.key.as_str());
    let (id, m, path) = original_path(&at.proof, at.member)?;
    let identity = match identity {
        Some(p) => crate::originals::load_identity(p)?,
        None => crate::originals::load_identity(&target.config()?.keys_dir.join(format!("{key}.age")))?,
    };
    let signer = resolve_key(target, key)?;
    let client = target.client()?;
    let chain_id = client.status()?["chain_id"].as_str().unwrap_or_default().to_string();
    let served = fetch_from_any(&client, &path, &signer, &chain_id)?;
    let registered = registered_file_digest(target, &signer, &id);
    // Every copy served is tried: a faulty validator's copy (garbage, or a document of its own
    // sealed for the owner's public recipient) must not hide an honest one.
    let mut refusals = Vec::new();
    for (node, body) in served {
        match open_served(&body, &id, m, &identity, registered.as_ref()) {
            Ok(document) => {
                std::fs::write(out, &document).with_context(|| format!("cannot write {}", out.display()))?;
                let v = json!({
                    "proof_id": id.to_hex(), "member": m, "bytes": document.len(), "sha256": hex::encode(sha256(&document)), "out": out,
                    "digest_checked": registered.is_some(), "from": node,
                });
                print(json, &v, || format!("decrypted original ({} bytes, sha256 {}) written to {}", document.len(), hex::encode(sha256(&document)), out.display()));
                return Ok(());
            }
            Err(e) => refusals.push(format!("{node}: {e:#}")),
        }
    }
    bail!("no validator served a copy that opens: {}", refusals.join("; "))
}

/// The document digest the ledger registered, when it is one a document can be checked against
/// alone (a single registration of the whole file, unsalted), read from a quorum of validators;
/// `None` otherwise, or when the caller may not read the record (a holder): the copy is then
/// checked against its own sealed digest only.
fn registered_file_digest(target: &Target, signer: &vellum_crypto::Signer, id: &ProofId) -> Option<Hash32> {
    let v = crate::pay::verified_json(target, signer, &format!("/v1/proof/{}", id.to_hex()), crate::client::verified::proof_key).ok()?;
    let record = &v["record"];
    let whole_file = record["registered"]["kind"] == "single" && record["salted"] == false && record["schema"] == SCHEMA_WHOLE_FILE;
    whole_file.then(|| record["registered"]["digest"].as_str().and_then(|h| hex32(h, "digest").ok())).flatten()
}

/// One served copy, decrypted; refused unless it opens for `identity` and, when `registered`
/// is known, the document is the one the ledger registered.
fn open_served(body: &[u8], id: &ProofId, member: u32, identity: &age::x25519::Identity, registered: Option<&Hash32>) -> Result<Vec<u8>> {
    let sealed: vellum_types::proof::EncryptedOriginal = vellum_types::encoding::from_wire(body, vellum_types::proof::ORIGINAL_BYTES_MAX + 1024)
        .map_err(|e| anyhow::anyhow!("a malformed original: {e}"))?;
    let document = crate::originals::open(&sealed, id, member, identity)?;
    if let Some(digest) = registered
        && sha256(&document) != *digest
    {
        bail!("the decrypted document is not the one the ledger registered (sha256 {})", hex::encode(sha256(&document)));
    }
    Ok(document)
}

/// How long a fetch waits for a deletion some validators report to reach f + 1 of them.
const ORIGINAL_DELETE_SETTLE: std::time::Duration = std::time::Duration::from_secs(10);

/// The copies of an original the validators serve, each with who served it. A validator that
/// lacks it (it was down when it was stored), is catching up, has not applied the registration
/// yet, is unreachable or is faulty and refuses cannot hide it: any one that serves it is enough. Deleted is reported when
/// f + 1 say so. When some, but fewer, say so, the deletion may be finalized and still being
/// applied by the others (a validator a block behind serves what a block deleted), so the
/// fetch asks again until f + 1 agree or [`ORIGINAL_DELETE_SETTLE`] passes — then one faulty
/// validator's false claim has cost a delay, not the original.
fn fetch_from_any(client: &crate::client::Pool, path: &str, signer: &vellum_crypto::Signer, chain_id: &str) -> Result<Vec<(String, Vec<u8>)>> {
    let needed = client.faults_tolerated() + 1;
    let deadline = std::time::Instant::now() + ORIGINAL_DELETE_SETTLE;
    // A deletion is final: a validator that reported one counts in every later round.
    let mut deleted_by = std::collections::BTreeSet::new();
    loop {
        let mut served = Vec::new();
        let mut misses = Vec::new();
        for node in client.nodes() {
            match node.get_signed(path, signer, chain_id) {
                Ok((200, body)) => served.push((node.base.clone(), body)),
                Ok((status, body)) => {
                    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    let (code, message) = (v["error"]["code"].as_str().unwrap_or_default(), v["error"]["message"].as_str().unwrap_or_default());
                    if code == "original_deleted" {
                        deleted_by.insert(node.base.clone());
                    }
                    misses.push(format!("{}: {status} {code} {message}", node.base));
                }
                Err(e) => misses.push(format!("{}: {e:#}", node.base)),
            }
        }
        if deleted_by.len() >= needed {
            bail!("the original was deleted (410 original_deleted from {} validators); the proof stays verifiable", deleted_by.len());
        }
        if !deleted_by.is_empty() && std::time::Instant::now() < deadline {
            std::thread::sleep(ORIGINAL_STORE_RETRY);
            continue;
        }
        if served.is_empty() {
            bail!("no validator served the original: {}", misses.join("; "));
        }
        return Ok(served);
    }
}

/// Deletes an original on every validator: a `DeleteOriginal` transaction of the registrant,
/// taken to finality; each validator destroys its copy as it applies the block (one that is
/// down does so when it catches up, and serves nothing until then).
pub fn delete_original(at: &ProofAt, json: bool) -> Result<()> {
    let (target, key) = (&at.target, at.key.as_str());
    let (id, m, _) = original_path(&at.proof, at.member)?;
    let result = send(target, key, TxBody::DeleteOriginal { proof: id, member: m })?;
    let v = json!({ "proof_id": id.to_hex(), "member": m, "height": result["height"], "tx": result });
    print(json, &v, || {
        format!("original of proof {id} member {m} deleted at height {}: every validator destroys its copy; the proof stays verifiable", result["height"])
    });
    Ok(())
}

/// Verifies a transaction receipt (a contract transaction's transfers and events, or an
/// invoice issuance) offline; exit 0 valid, 1 invalid.
fn verify_tx_receipt(bytes: &[u8], pinned: Option<&[u8; 32]>, witnesses: Option<&Path>, json: bool) -> Result<()> {
    let v = match vellum_evidence::verify_tx_receipt(bytes, pinned) {
        Ok(v) => v,
        Err(e) => {
            print(json, &json!({ "valid": false, "kind": "tx_receipt", "step": e.step.name(), "error": e.detail }), || format!("INVALID receipt: {e}"));
            std::process::exit(1);
        }
    };
    let witnessed = witnesses_or_exit(v.witnessed.as_ref(), witnesses, json);
    let appended: Vec<Value> = v.appended.iter().map(vellum_evidence::Appended::to_json).collect();
    let out = json!({
        "valid": true,
        "kind": "tx_receipt",
        "chain_id": v.chain_id,
        "genesis_hash": hex::encode(v.genesis_hash),
        "checkpoint_pinned": v.checkpoint_pinned,
        "tx_id": v.tx.id().to_hex(),
        "tx_kind": v.tx.unsigned.body.kind(),
        "tx": v.tx.unsigned,
        "sender": v.tx.unsigned.sender.to_hex(),
        "signers": v.signers.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
        "log_index": v.tx_index,
        "appended": appended,
        "certified_at_height": v.header_height,
        "certificate_signers": v.certificate_signers,
        "validators": v.validators,
        "witness_cosignatures": witnessed,
        "witnessed_size": v.witnessed.as_ref().map(|cp| cp.size),
    });
    print(json, &out, || {
        let lines: Vec<String> = appended.iter().enumerate().map(|(k, a)| format!("  log {}: {} {}", v.tx_index + 1 + k as u64, a["kind"].as_str().unwrap_or_default(), a["record"])).collect();
        format!(
            "VALID transaction receipt on chain {} (genesis {})\n  {} {} from account {} (log {})\n{}\n  certified by {} of {} validators at height {}\n{}{}",
            v.chain_id,
            hex::encode(v.genesis_hash),
            v.tx.unsigned.body.kind(),
            v.tx.id(),
            v.tx.unsigned.sender,
            v.tx_index,
            lines.join("\n"),
            v.certificate_signers,
            v.validators,
            v.header_height,
            witnessed_line(v.witnessed.as_ref(), witnessed),
            if v.checkpoint_pinned { "" } else { "\n  WARNING: no --checkpoint given: the chain itself was not pinned" },
        )
    });
    Ok(())
}

/// Verifies a payment receipt offline; exit 0 valid, 1 invalid.
fn verify_receipt(bytes: &[u8], pinned: Option<&[u8; 32]>, witnesses: Option<&Path>, json: bool) -> Result<()> {
    match vellum_evidence::verify_receipt(bytes, pinned) {
        Ok(v) => {
            let witnessed = witnesses_or_exit(v.witnessed.as_ref(), witnesses, json);
            let out = json!({
                "valid": true,
                "kind": "payment_receipt",
                "chain_id": v.chain_id,
                "genesis_hash": hex::encode(v.genesis_hash),
                "checkpoint_pinned": v.checkpoint_pinned,
                "tx_id": v.record.tx_id.to_hex(),
                "tx_kind": v.tx.unsigned.body.kind(),
                "sender": v.record.sender.to_hex(),
                "signers": v.signers.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
                "height": v.record.height,
                "time_ms": v.record.time_ms,
                "record": v.record,
                "certified_at_height": v.header_height,
                "certificate_signers": v.certificate_signers,
                "validators": v.validators,
                "witness_cosignatures": witnessed,
                "witnessed_size": v.witnessed.as_ref().map(|cp| cp.size),
            });
            print(json, &out, || {
                format!(
                    "VALID payment receipt on chain {} (genesis {})\n  {} {} from account {}\n  final at height {}, time {}\n  outcome {}\n  certified by {} of {} validators at height {}\n{}{}",
                    v.chain_id,
                    hex::encode(v.genesis_hash),
                    v.tx.unsigned.body.kind(),
                    v.record.tx_id,
                    v.record.sender,
                    v.record.height,
                    fmt_time(v.record.time_ms),
                    serde_json::to_string(&v.record.outcome).unwrap_or_default(),
                    v.certificate_signers,
                    v.validators,
                    v.header_height,
                    witnessed_line(v.witnessed.as_ref(), witnessed),
                    if v.checkpoint_pinned { "" } else { "\n  WARNING: no --checkpoint given: the chain itself was not pinned" },
                )
            });
            Ok(())
        }
        Err(e) => {
            print(json, &json!({ "valid": false, "kind": "payment_receipt", "step": e.step.name(), "error": e.detail }), || format!("INVALID receipt: {e}"));
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    /// A copy that opens for the owner but is not the document the ledger registered (a
    /// faulty validator can seal one of its own for the owner's public recipient) is refused.
    #[test]
    fn a_served_copy_must_be_the_registered_document() {
        let owner = age::x25519::Identity::generate();
        let proof = vellum_types::ProofId([4; 32]);
        let sealed = crate::originals::seal(b"a forged deed", &proof, 0, &[owner.to_public()]).unwrap();
        let body = vellum_types::encoding::to_wire(&sealed);
        let registered = vellum_types::sha256(b"the real deed");
        let e = super::open_served(&body, &proof, 0, &owner, Some(&registered)).unwrap_err();
        assert!(e.to_string().contains("not the one the ledger registered"), "{e}");
        let forged = vellum_types::sha256(b"a forged deed");
        assert_eq!(super::open_served(&body, &proof, 0, &owner, Some(&forged)).unwrap(), b"a forged deed");
        assert_eq!(super::open_served(&body, &proof, 0, &owner, None).unwrap(), b"a forged deed", "unchecked without a registered digest");
        assert!(super::open_served(b"garbage", &proof, 0, &owner, None).unwrap_err().to_string().contains("malformed"));
    }

    #[test]
    fn utc_times() {
        assert_eq!(super::fmt_time(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(super::fmt_time(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(super::fmt_time(1_795_253_477_847), "2026-11-21T09:31:17.847Z");
    }
}

/// Which proof (and batch member) an operation is about, and as which account.
#[derive(clap::Args)]
pub struct ProofAt {
    #[command(flatten)]
    pub target: Target,
    /// The acting account's key (a path, or a name in the keys directory).
    #[arg(long, default_value = "issuer")]
    pub key: String,
    #[arg(long)]
    pub proof: String,
    /// Member index within a batch registration.
    #[arg(long)]
    pub member: Option<u32>,
}

#[derive(Subcommand)]
pub enum ProofCommand {
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
        /// Holder accounts (64 hex): one per file, in order (member i of a batch is held by
        /// the i-th). Holders fetch their document's bundle and stored original themselves.
        #[arg(long)]
        holder: Vec<String>,
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
        /// The registration, when known (a holder without the issuer's manifest).
        #[arg(long)]
        proof: Option<String>,
        /// The member index within a batch (with --proof).
        #[arg(long)]
        member: Option<u32>,
        /// The salt of a salted document (64 hex), as the issuer gave it to its holder.
        #[arg(long)]
        salt: Option<String>,
        /// A witness to cosign the checkpoint of the bundle's header (repeat): saved as
        /// `<out>.note`, for `vellum verify --witnesses POLICY`.
        #[arg(long)]
        witness: Vec<String>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Revoke a registration, or one member of a batch (final).
    Revoke {
        #[command(flatten)]
        at: ProofAt,
        /// A reason code from the governed list (e.g. issued_in_error, privilege_withdrawn).
        #[arg(long)]
        reason: String,
    },
    /// Suspend a registration, or one member of a batch, until reinstated.
    Suspend {
        #[command(flatten)]
        at: ProofAt,
        /// A reason code from the governed list (e.g. certificate_hold, under_investigation).
        #[arg(long)]
        reason: String,
    },
    /// End a suspension.
    Reinstate {
        #[command(flatten)]
        at: ProofAt,
    },
    /// The current status of a registration (or batch member) as a status proof: no
    /// authentication, the freshest valid answer of any validator, checked before it is saved.
    Status {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        proof: String,
        #[arg(long)]
        member: Option<u32>,
        /// Save the status proof (for `vellum verify BUNDLE --status FILE`).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Compliance: revoke everything an issuer registered from a height on (a stolen issuer
    /// key's forgeries) and stop it registering; sent again until complete.
    RevokeIssuer {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value = "compliance")]
        key: String,
        /// The issuer's account id.
        #[arg(long)]
        issuer: String,
        #[arg(long)]
        from_height: u64,
        #[arg(long, default_value = "key_compromise")]
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

/// Runs a `vellum proof` command.
pub fn run(command: ProofCommand, json: bool) -> Result<()> {
    match command {
        ProofCommand::Register { target, key, files, salted, metadata, out_dir, store, recipient, holder } => {
            let stored = if store { Some(recipient) } else { None };
            register(&target, &key, &files, salted, metadata.as_deref(), &out_dir, stored, &holder, json)
        }
        ProofCommand::Original { at, identity, out } => fetch_original(&at, identity.as_deref(), &out, json),
        ProofCommand::DeleteOriginal { at } => delete_original(&at, json),
        ProofCommand::Bundle { target, key, what, manifests, proof, member, salt, witness, out } => {
            let ask = BundleAsk { manifests: &manifests, proof: proof.as_deref(), member, salt: salt.as_deref(), witnesses: &witness };
            bundle(&target, &key, &what, &ask, &out, json)
        }
        ProofCommand::Revoke { at, reason } => change(&at.target, &at.key, &at.proof, at.member, vellum_types::ProofChange::Revoke { reason }, json),
        ProofCommand::Suspend { at, reason } => change(&at.target, &at.key, &at.proof, at.member, ProofChange::Suspend { reason }, json),
        ProofCommand::Reinstate { at } => change(&at.target, &at.key, &at.proof, at.member, ProofChange::Reinstate, json),
        ProofCommand::Status { target, proof, member, out } => crate::status::fetch(&target, &proof, member, out.as_deref(), json),
        ProofCommand::RevokeIssuer { target, key, issuer, from_height, reason } => revoke_issuer(&target, &key, &issuer, from_height, reason, json),
        ProofCommand::Supersede { target, key, proof: id, by } => {
            let by = ProofId::from_hex(&by).context("--by must be 64 hex characters")?;
            change(&target, &key, &id, None, vellum_types::ProofChange::Supersede { by }, json)
        }
        ProofCommand::Show { target, key, proof: id } => show(&target, &key, &id, json),
    }
}

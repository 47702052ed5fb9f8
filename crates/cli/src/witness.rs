//! Witnesses (c2sp.org/tlog-witness, c2sp.org/tlog-cosignature): `vellum witness serve` runs
//! one — it keeps the latest checkpoint it cosigned, accepts a newer one only with a valid
//! consistency proof, cosigns, and refuses and records a split view — and `vellum log
//! checkpoint --witness URL` collects cosignatures for a checkpoint (fetching the consistency
//! proof each witness needs from the validators). `vellum log verify --witnesses POLICY`
//! requires k of the policy's witnesses.
//!
//! Policy file: lines `witness <name> <Ed25519 public key, 64 hex>` and `quorum <k>`.

use crate::{Target, print};
use anyhow::{Context, Result, bail};
use clap::Args;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use vellum_evidence::checkpoint::Checkpoint;
use vellum_evidence::witness::{AddCheckpoint, LogPolicy, add_checkpoint};
use vellum_types::Hash32;

/// The state file: the latest cosigned size and root of the followed log.
const LATEST_FILE: &str = "latest";
/// Every refused split view, appended: the two roots and the offending note.
const SPLIT_VIEWS_FILE: &str = "split-views.log";

#[derive(Args)]
pub struct ServeArgs {
    /// The witness's Ed25519 key file (`vellum key new --plain --scheme ed25519`).
    #[arg(long)]
    key: PathBuf,
    /// The witness's name in its cosignatures, e.g. `witness.example/w1`.
    #[arg(long)]
    name: String,
    /// The genesis file of the chain whose log this witness follows (its validators' note keys).
    #[arg(long)]
    genesis: PathBuf,
    /// Where the witness keeps its state (created if missing).
    #[arg(long)]
    state: PathBuf,
    #[arg(long, default_value = "127.0.0.1:7300")]
    listen: String,
}

struct Witness {
    name: String,
    key: vellum_crypto::SecretKey,
    log: LogPolicy,
    state: PathBuf,
    latest: Mutex<vellum_evidence::witness::Latest>,
}

fn read_latest(dir: &Path) -> Result<vellum_evidence::witness::Latest> {
    let path = dir.join(LATEST_FILE);
    let Ok(text) = std::fs::read_to_string(&path) else { return Ok(vellum_evidence::witness::Latest { size: 0, root: [0; 32] }) };
    let (size, root) = text.trim().split_once(' ').with_context(|| format!("{}: corrupt", path.display()))?;
    Ok(vellum_evidence::witness::Latest { size: size.parse()?, root: crate::proof::hex32(root, "stored root")? })
}

/// Durable before the cosignature leaves: write, fsync, rename, fsync the directory.
fn write_latest(dir: &Path, l: &vellum_evidence::witness::Latest) -> Result<()> {
    use std::io::Write;
    let tmp = dir.join(format!("{LATEST_FILE}.tmp"));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(format!("{} {}\n", l.size, hex::encode(l.root)).as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, dir.join(LATEST_FILE))?;
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

pub fn serve(args: ServeArgs, json: bool) -> Result<()> {
    // A witness cosigns with an Ed25519 key in memory (the C2SP cosignature format).
    let key = crate::keys::load_software(&args.key)?;
    let vellum_types::PublicKey::Ed25519(public) = key.public_key() else { bail!("a witness key is Ed25519") };
    let g = vellum_node::config::load_genesis(&args.genesis)?;
    let keys: Vec<(String, [u8; 32])> = g.validators.iter().map(|v| (format!("{}/{}", g.chain_id, v.name), v.consensus_key)).collect();
    let log = LogPolicy { origin: g.chain_id.clone(), quorum: vellum_types::validators::quorum(keys.len()), keys };
    std::fs::create_dir_all(&args.state)?;
    let latest = read_latest(&args.state)?;
    let w = Arc::new(Witness { name: args.name.clone(), key, log, state: args.state.clone(), latest: Mutex::new(latest) });
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&args.listen).await.with_context(|| format!("cannot listen on {}", args.listen))?;
        let addr = listener.local_addr()?;
        let v = json!({ "listening": format!("http://{addr}"), "name": args.name, "policy_line": format!("witness {} {} http://{addr}", args.name, hex::encode(public)), "log": g.chain_id });
        print(json, &v, || format!("witness {} for log {} on http://{addr}\npolicy line: witness {} {} http://{addr}", args.name, g.chain_id, args.name, hex::encode(public)));
        let app = axum::Router::new()
            .route("/add-checkpoint", axum::routing::post(add))
            .layer(axum::extract::DefaultBodyLimit::max(vellum_evidence::witness::ADD_CHECKPOINT_BYTES_MAX))
            .with_state(w);
        axum::serve(listener, app).await.context("witness server")
    })
}

async fn add(axum::extract::State(w): axum::extract::State<Arc<Witness>>, body: String) -> (axum::http::StatusCode, [(&'static str, &'static str); 1], String) {
    let status = |code: u16| axum::http::StatusCode::from_u16(code).expect("a valid status");
    let req = match AddCheckpoint::parse(&body) {
        Ok(r) => r,
        Err(e) => return (status(e.http_status()), [("content-type", "text/plain")], format!("{e}\n")),
    };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    // One request at a time: the decision and its durable record are one step.
    let mut latest = w.latest.lock().expect("witness state lock");
    match add_checkpoint(&w.log, &latest, &req, (&w.name, &w.key), now) {
        Ok((next, cosignature)) => {
            if let Err(e) = write_latest(&w.state, &next) {
                return (status(500), [("content-type", "text/plain")], format!("cannot store the checkpoint: {e:#}\n"));
            }
            *latest = next;
            (status(200), [("content-type", "text/plain")], Checkpoint::cosignature_line(&cosignature))
        }
        Err(vellum_evidence::witness::WitnessError::Conflict { size }) => (status(409), [("content-type", "text/x.tlog.size")], format!("{size}\n")),
        Err(e) => {
            if let vellum_evidence::witness::WitnessError::SplitView { size } = &e {
                record_split_view(&w.state, *size, &latest.root, &req.checkpoint);
            }
            (status(e.http_status()), [("content-type", "text/plain")], format!("{e}\n"))
        }
    }
}

/// Keeps the evidence of a split view: two roots at one size, both signed by the log.
fn record_split_view(dir: &Path, size: u64, ours: &Hash32, theirs: &Checkpoint) {
    use std::io::Write;
    let entry = format!("split view at size {size}: cosigned root {}, offered root {}\n{}\n", hex::encode(ours), hex::encode(theirs.root), theirs.to_note());
    let written = std::fs::OpenOptions::new().create(true).append(true).open(dir.join(SPLIT_VIEWS_FILE)).and_then(|mut f| f.write_all(entry.as_bytes()).and_then(|()| f.sync_all()));
    if let Err(e) = written {
        eprintln!("cannot record a split view: {e}");
    }
    eprintln!("SPLIT VIEW refused: {entry}");
}

/// Asks each witness to cosign `cp`, proving consistency from whatever it has; returns the
/// checkpoint with every cosignature gathered and the witnesses that refused (and why).
pub fn collect(target: &Target, cp: Checkpoint, witnesses: &[String]) -> Result<(Checkpoint, Vec<String>)> {
    let pool = target.client()?;
    let agent = crate::issuer::https_agent(None, std::time::Duration::from_secs(10))?;
    let mut known = std::collections::BTreeMap::new();
    Ok(cosign_all(&agent, cp, witnesses, &mut known, &|old, new| consistency(&pool, old, new)))
}

/// Has every witness (base URL) cosign `cp`; `known` remembers each witness's size between
/// calls (a wrong guess costs one 409 round trip). Refusals are returned, not raised: one
/// witness down must not keep the others from cosigning.
pub fn cosign_all(
    agent: &ureq::Agent,
    mut cp: Checkpoint,
    witnesses: &[String],
    known: &mut std::collections::BTreeMap<String, u64>,
    consistency: &dyn Fn(u64, u64) -> Result<Vec<Hash32>>,
) -> (Checkpoint, Vec<String>) {
    let mut refused = Vec::new();
    for url in witnesses {
        let old = known.get(url).copied().unwrap_or(0);
        let merged = cosign_at(agent, &cp, url, old, consistency).and_then(|line| {
            let with = Checkpoint::parse(&format!("{}\n{line}", cp.text())).with_context(|| format!("{url} sent a malformed cosignature"))?;
            cp.merge(&with).map_err(anyhow::Error::from)
        });
        match merged {
            Ok(()) => {
                known.insert(url.clone(), cp.size);
            }
            Err(e) => {
                known.remove(url);
                refused.push(format!("{url}: {e:#}"));
            }
        }
    }
    (cp, refused)
}

fn cosign_at(agent: &ureq::Agent, cp: &Checkpoint, url: &str, mut old: u64, consistency: &dyn Fn(u64, u64) -> Result<Vec<Hash32>>) -> Result<String> {
    let endpoint = format!("{}/add-checkpoint", url.trim_end_matches('/'));
    // At most twice: a 409 tells the witness's size, the second try proves from it.
    for _ in 0..2 {
        let proof = if old == 0 || old >= cp.size { Vec::new() } else { consistency(old, cp.size)? };
        let body = AddCheckpoint { old, proof, checkpoint: Checkpoint { cosignatures: Vec::new(), ..cp.clone() } }.to_body();
        let mut resp = agent.post(&endpoint).send(body.as_bytes()).with_context(|| format!("cannot reach {endpoint}"))?;
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        match status {
            200 => return Ok(text),
            409 if resp.headers().get("content-type").is_some_and(|v| v.as_bytes().starts_with(b"text/x.tlog.size")) => {
                old = text.trim().parse().context("the witness sent a bad size")?;
            }
            _ => bail!("HTTP {status}: {}", text.trim()),
        }
    }
    bail!("the witness's size kept changing")
}

fn consistency(pool: &crate::client::Pool, old: u64, new: u64) -> Result<Vec<Hash32>> {
    let (status, v) = pool.get(&format!("/v1/log/consistency?old={old}&new={new}"))?;
    if status != 200 {
        bail!("no consistency proof from {old} to {new}: {v}");
    }
    v["proof"].as_array().context("consistency proof missing")?.iter().map(|h| crate::proof::hex32(h.as_str().unwrap_or_default(), "proof hash")).collect()
}

/// Named Ed25519 keys (witnesses), as note verification takes them.
pub type NamedKeys = Vec<(String, [u8; 32])>;

/// A witness policy: `witness <name> <hex key>` lines and `quorum <k>`.
pub fn load_policy(path: &Path) -> Result<(NamedKeys, usize)> {
    let (witnesses, quorum) = read_policy(path)?;
    Ok((witnesses.into_iter().map(|(name, key, _)| (name, key)).collect(), quorum))
}

/// The policy governance sets (`vellum gov set-witnesses`): every witness line also names the
/// witness's URL (`witness <name> <hex key> <url>`).
pub fn governed_policy(path: &Path) -> Result<vellum_types::witness::WitnessPolicy> {
    let (witnesses, quorum) = read_policy(path)?;
    let witnesses = witnesses
        .into_iter()
        .map(|(name, key, url)| {
            let url = url.with_context(|| format!("{}: witness {name} needs its URL (`witness <name> <hex key> <url>`)", path.display()))?;
            Ok(vellum_types::witness::WitnessEntry { name, key, url })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(vellum_types::witness::WitnessPolicy { witnesses, quorum: u32::try_from(quorum)? })
}

type PolicyLines = (Vec<(String, [u8; 32], Option<String>)>, usize);

fn read_policy(path: &Path) -> Result<PolicyLines> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let (mut witnesses, mut quorum) = (Vec::new(), None);
    for (i, line) in text.lines().map(str::trim).enumerate().filter(|(_, l)| !l.is_empty() && !l.starts_with('#')) {
        let parts: Vec<&str> = line.split_whitespace().collect();
        match parts.as_slice() {
            ["witness", name, key] => witnesses.push((name.to_string(), crate::proof::hex32(key, "witness key")?, None)),
            ["witness", name, key, url] => witnesses.push((name.to_string(), crate::proof::hex32(key, "witness key")?, Some(url.to_string()))),
            ["quorum", k] => quorum = Some(k.parse::<usize>().with_context(|| format!("{}:{}: bad quorum", path.display(), i + 1))?),
            _ => bail!("{}:{}: expected `witness <name> <hex key> [url]` or `quorum <k>`", path.display(), i + 1),
        }
    }
    let quorum = quorum.unwrap_or(witnesses.len());
    if witnesses.is_empty() || quorum == 0 || quorum > witnesses.len() {
        bail!("{}: a policy names 1 or more witnesses and a quorum of 1..=their number", path.display());
    }
    Ok((witnesses, quorum))
}

//! `vellum bench`: a load generator against a devnet (or any node list in a client config).
//! It prepares sender accounts for the scenario (opened by the registrar; funded, or appointed
//! issuer/registrar by a council proposal), pre-signs every transaction, then drives them
//! open-loop at `--rate` tx/s or closed-loop as fast as the nodes take them, spread over the
//! validators with failover (`client::Pool`). Then it follows every transaction to finality:
//! per sender, in nonce order, resubmitting whatever no validator holds (refused by a lagging
//! or dead validator, or lost in a crash), so nothing stays stuck behind a nonce gap. It reports
//! finalized tx/s, submit → finalized latency percentiles, refusals, resubmissions and
//! rejections by reason, what was not final at the deadline, and the CPU time and peak RSS of
//! each validator process. Every figure counts what finalized.

use crate::client::{Pool, Submitted};
use crate::{Target, resolve_key, send, send_as};
use anyhow::{Result, bail};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use vellum_crypto::SecretKey;
use vellum_types::{AccountId, GovAction, Role, Transaction, TxBody, UnsignedTx};

/// Most transactions one run submits.
pub const BENCH_TXS_MAX: usize = 200_000;
/// Most pre-signed transactions per sender (the mempool admits 1,024 pending per account).
pub const TXS_PER_SENDER_MAX: usize = 1_000;
/// Most sender accounts a run prepares.
pub const SENDERS_MAX: usize = 64;
/// The token the transfer scenarios move.
const BENCH_TOKEN: &str = "BENCH";

#[derive(clap::Args)]
pub struct BenchArgs {
    #[command(flatten)]
    target: Target,
    /// Transactions to submit in total (split over the senders).
    #[arg(long, default_value_t = 1_000)]
    txs: usize,
    /// Sender accounts (each gets at most 1,000 transactions).
    #[arg(long, default_value_t = 1)]
    senders: usize,
    /// Open loop: submit at this many tx/s. 0: closed loop, as fast as the nodes accept.
    #[arg(long, default_value_t = 0)]
    rate: u64,
    /// Submitting threads (closed loop) or in-flight requests (open loop).
    #[arg(long, default_value_t = 8)]
    threads: usize,
    /// Seconds of idle chain observed first, for the empty-block rate.
    #[arg(long, default_value_t = 1)]
    idle_seconds: u64,
    /// `account` (registrars open accounts), `transfer` (token payments between the senders),
    /// `proof` (issuers register single digests), `proof-batch` (issuers register batches of
    /// `--batch-size` digests), `mixed` (half transfers, half single registrations) or
    /// `contract` (calls of the example counter's `increment`, one shared instance: approved
    /// and instantiated first if need be).
    #[arg(long, default_value = "transfer", value_parser = ["account", "transfer", "proof", "proof-batch", "mixed", "contract"])]
    scenario: String,
    #[arg(long, default_value_t = 10_000)]
    batch_size: u32,
    /// Transactions per submission: 1 sends each alone (`POST /v1/tx`), more send them in
    /// batches (`POST /v1/txs`, at most 1,024).
    #[arg(long, default_value_t = 64)]
    submit_batch: usize,
}

/// How long the bench follows transactions to finality after the last submission.
const FINALITY_DEADLINE: Duration = Duration::from_secs(300);
/// Transactions of one sender resubmitted at once when the oldest unfinished one is unknown
/// to the validators (those after it were likely lost with it).
const RESUBMIT_WINDOW: usize = 256;

/// One submission: the transaction's index, the refusal code if no validator admitted it
/// (`None`: admitted), when it was first sent and how long the answer took.
type Submission = (usize, Option<String>, Instant, Duration);

/// Where the follow-up left each transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Fate {
    Open,
    Finalized(u64),
    Rejected(String),
}

/// Follows every transaction to finality, sender by sender in nonce order (a sender's
/// transactions finalize in nonce order). When the oldest unfinished one is unknown to the
/// validator asked for longer than `RESUBMIT_AFTER`, it and the next [`RESUBMIT_WINDOW`] are
/// resubmitted (idempotent: held ones answer `duplicate`). Returns each transaction's fate and
/// the number of resubmissions.
fn follow(pool: &Pool, txs: &[Transaction], senders: usize, deadline: Instant) -> (Vec<Fate>, usize) {
    let mut fates = vec![Fate::Open; txs.len()];
    // Transactions were interleaved over senders: sender s has indices s, s + senders, …
    let mut cursors: Vec<usize> = (0..senders).collect();
    let mut unknown_since: Vec<Option<Instant>> = vec![None; senders];
    let mut resubmitted = 0usize;
    while Instant::now() < deadline && cursors.iter().any(|c| *c < txs.len()) {
        let mut progressed = false;
        for s in 0..senders {
            let c = cursors[s];
            if c >= txs.len() {
                continue;
            }
            let hash = txs[c].id().to_hex();
            let Ok((_, v)) = pool.tx_status(&hash) else { continue };
            match v["status"].as_str() {
                Some("finalized") => fates[c] = Fate::Finalized(v["height"].as_u64().unwrap_or(0)),
                // One block builder's view: final only if no validator still holds it.
                Some("rejected") if crate::client::submit::held_elsewhere(pool, &hash) => continue,
                Some("rejected") => fates[c] = Fate::Rejected(v["code"].as_str().unwrap_or("unknown").to_string()),
                Some(_) => {
                    unknown_since[s] = None;
                    continue;
                }
                // Anything but "unknown here" (an error of the node) says nothing about it.
                None if v["error"]["code"] != "unknown_tx" => continue,
                None => {
                    let since = *unknown_since[s].get_or_insert_with(Instant::now);
                    if since.elapsed() >= crate::client::submit::RESUBMIT_AFTER {
                        for i in (c..txs.len()).step_by(senders).take(RESUBMIT_WINDOW) {
                            if fates[i] == Fate::Open && matches!(pool.submit(&txs[i]), Ok(Submitted::Accepted(_))) {
                                resubmitted += 1;
                            }
                        }
                        unknown_since[s] = Some(Instant::now());
                    }
                    continue;
                }
            }
            cursors[s] += senders;
            unknown_since[s] = None;
            progressed = true;
        }
        if !progressed {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    (fates, resubmitted)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// What a sender sends: the role it needs and how to make its `n`-th body.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Open,
    Transfer,
    Proof,
    ProofBatch(u32),
    Contract,
}

/// The contract the `contract` scenario calls: the example counter.
const BENCH_CONTRACT_WAT: &str = include_str!("../../contracts/examples/counter.wat");
/// Fuel each bench call names (the counter's `increment` uses about 19,000).
const BENCH_CALL_FUEL: u64 = 100_000;

/// Approves the example counter (unless it is already) and instantiates it from the issuer's
/// account; returns the instance.
fn bench_contract(target: &Target, propose: &dyn Fn(GovAction) -> Result<()>) -> Result<AccountId> {
    let client = target.client()?;
    let code = wat::parse_str(BENCH_CONTRACT_WAT).map_err(|e| anyhow::anyhow!("the example counter does not compile: {e}"))?;
    let digest = vellum_types::sha256(&code);
    if client.get(&format!("/v1/code/{}", hex::encode(digest)))?.0 == 404 {
        let review_digest = vellum_types::payment::Hash32Text(vellum_types::sha256(b"the example counter, reviewed with the contracts issue"));
        propose(GovAction::RegisterCode { name: "bench-counter".into(), code, review_digest })?;
    }
    let r = send(target, "issuer", TxBody::InstantiateContract { code_digest: digest, input: Vec::new(), fuel: BENCH_CALL_FUEL })?;
    let hash = r["tx_hash"].as_str().or(r["hash"].as_str()).unwrap_or_default().to_string();
    let v = crate::pay::signed_json(target, &client, &resolve_key(target, "issuer")?, &format!("/v1/tx/{hash}/contract"))?;
    AccountId::from_hex(v["contract"].as_str().unwrap_or_default()).map_err(|_| anyhow::anyhow!("no contract id in {v}"))
}

/// Opens `count` fresh accounts and prepares them for `kind` (funds or a role by governance;
/// for calls, the contract they call).
fn prepare(target: &Target, kind: Kind, count: usize) -> Result<(Vec<SecretKey>, Option<AccountId>)> {
    let client = target.client()?;
    let senders: Vec<SecretKey> = (0..count).map(|_| crate::keys::generate("ed25519")).collect::<Result<_>>()?;
    let council: Vec<vellum_crypto::Signer> = ["council-1", "council-2"].iter().map(|k| resolve_key(target, k)).collect::<Result<_>>()?;
    let council_id = council[0].public_key().account_id();
    let issuer = resolve_key(target, "issuer")?.public_key().account_id();
    let propose = |action: GovAction| -> Result<()> {
        let height = client.status()?["height"].as_u64().unwrap_or(0);
        send_as(target, &council, council_id, TxBody::Propose { action, deadline_height: height + 1_000 })?;
        Ok(())
    };
    if kind == Kind::Transfer && client.get(&format!("/v1/token/{BENCH_TOKEN}"))?.0 == 404 {
        let flags = vellum_types::TokenFlags::default();
        propose(GovAction::CreateToken { symbol: BENCH_TOKEN.into(), decimals: 0, issuer, subledger: None, flags })?;
    }
    let contract = if kind == Kind::Contract { Some(bench_contract(target, &propose)?) } else { None };
    for s in &senders {
        let body = TxBody::OpenAccount {
            public_key: s.public_key(),
            kyc_commitment: Some(crate::keys::random_bytes()),
            label: "bench".into(),
            role: Role::User,
            subledger: None, kyc: None
        };
        send(target, "registrar", body)?;
        let id = s.public_key().account_id();
        match kind {
            Kind::Transfer => {
                send(target, "issuer", TxBody::Mint { token: BENCH_TOKEN.into(), to: id, amount: 1_000_000_000 })?;
            }
            Kind::Open => propose(GovAction::GrantRole { account: id, role: Role::Registrar })?,
            Kind::Proof | Kind::ProofBatch(_) => propose(GovAction::GrantRole { account: id, role: Role::Issuer })?,
            Kind::Contract => {}
        }
    }
    Ok((senders, contract))
}

/// The `n`-th body of a sender; a transfer pays another of `peers` (never the sender itself).
fn body(kind: Kind, sender: &AccountId, peers: &[AccountId], n: usize, contract: Option<AccountId>) -> Result<TxBody> {
    Ok(match kind {
        Kind::Open => {
            let k = crate::keys::generate("ed25519")?;
            TxBody::OpenAccount { public_key: k.public_key(), kyc_commitment: Some([7; 32]), label: "bench".into(), role: Role::User, subledger: None, kyc: None }
        }
        Kind::Transfer => {
            let others: Vec<&AccountId> = peers.iter().filter(|p| *p != sender).collect();
            let to = *others[n % others.len()];
            TxBody::Transfer { legs: vec![vellum_types::Leg { to, token: BENCH_TOKEN.into(), amount: 1, convert: None }], reference: None }
        }
        Kind::Proof => TxBody::RegisterProof { digest: crate::keys::random_bytes(), schema: "sha256:file".into(), metadata_digest: [0; 32], salted: false },
        // The batch root is all the ledger sees; the documents' digests stay with the issuer.
        Kind::ProofBatch(count) => TxBody::RegisterBatch {
            root: crate::keys::random_bytes(),
            count,
            schema: "sha256:file".into(),
            metadata_digest: [0; 32],
            salted: false,
        },
        Kind::Contract => TxBody::CallContract {
            contract: contract.ok_or_else(|| anyhow::anyhow!("the contract scenario has no instance"))?,
            function: "increment".into(),
            input: Vec::new(),
            fuel: BENCH_CALL_FUEL,
        },
    })
}

/// CPU seconds (user + system) and peak RSS (KiB) of a process, from /proc.
fn proc_usage(pid: i32) -> Option<(f64, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let hwm = status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some((ticks as f64 / hz, hwm))
}

/// The validator pids of a devnet started by `vellum devnet up` next to the client config.
fn devnet_pids(target: &Target) -> Vec<i32> {
    let dir = target.client.parent().map(|p| p.to_path_buf()).unwrap_or_default();
    std::fs::read_to_string(dir.join("devnet.pids"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// What this machine can finalize at most when every validator verifies every transaction's
/// signatures once: batch verification on one core × the cores ÷ the validators sharing them
/// (the devnet and the load run on this machine). Everything else a validator does — ordering,
/// execution, storage, consensus — is left out, so the real rate is a fraction of it.
struct Bound {
    per_core: f64,
    cores: usize,
    tx_per_s: f64,
}

/// Transactions batch-verified for the bound (the load's own, up to this many).
const BOUND_SAMPLE_TXS: usize = 4096;

fn verification_bound(txs: &[Transaction], validators: usize) -> Bound {
    let sample: Vec<Transaction> = txs.iter().take(BOUND_SAMPLE_TXS).cloned().collect();
    let signatures: usize = sample.iter().map(|t| t.signatures.len()).sum();
    let start = Instant::now();
    let mut rounds = 0u32;
    // At least a second of work, so the figure is not a timer's noise.
    while start.elapsed() < Duration::from_secs(1) || rounds == 0 {
        std::hint::black_box(vellum_crypto::verify_txs(&sample).map(|v| v.len()).unwrap_or(0));
        rounds += 1;
    }
    let per_core = (signatures * rounds as usize) as f64 / start.elapsed().as_secs_f64();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_tx = signatures as f64 / sample.len().max(1) as f64;
    Bound { per_core, cores, tx_per_s: per_core * cores as f64 / validators.max(1) as f64 / per_tx.max(1.0) }
}

pub fn run(args: BenchArgs, json: bool) -> Result<()> {
    if args.txs == 0 || args.txs > BENCH_TXS_MAX {
        bail!("--txs must be 1..={BENCH_TXS_MAX}");
    }
    if args.senders == 0 || args.senders > SENDERS_MAX || args.txs.div_ceil(args.senders) > TXS_PER_SENDER_MAX {
        bail!("--senders must be 1..={SENDERS_MAX}, with at most {TXS_PER_SENDER_MAX} transactions each");
    }
    if args.submit_batch == 0 || args.submit_batch > vellum_types::limits::SUBMIT_BATCH_TXS_MAX {
        bail!("--submit-batch must be 1..={}", vellum_types::limits::SUBMIT_BATCH_TXS_MAX);
    }
    if args.batch_size == 0 || args.batch_size > vellum_types::proof::BATCH_DOCUMENTS_MAX {
        bail!("--batch-size must be 1..={}", vellum_types::proof::BATCH_DOCUMENTS_MAX);
    }
    let cfg = args.target.config()?;
    let pool = Pool::new(&cfg.api);
    let status = pool.status()?;
    let chain_id = status["chain_id"].as_str().unwrap_or_default().to_string();

    // Senders and their pre-signed transactions.
    let kinds: Vec<Kind> = (0..args.senders)
        .map(|i| match args.scenario.as_str() {
            "account" => Kind::Open,
            "proof" => Kind::Proof,
            "proof-batch" => Kind::ProofBatch(args.batch_size),
            "mixed" if i % 2 == 1 => Kind::Proof,
            "contract" => Kind::Contract,
            _ => Kind::Transfer,
        })
        .collect();
    let mut senders: Vec<(Kind, SecretKey)> = Vec::new();
    let mut contract = None;
    for kind in [Kind::Open, Kind::Transfer, Kind::Proof, Kind::ProofBatch(args.batch_size), Kind::Contract] {
        let count = kinds.iter().filter(|k| **k == kind).count();
        if count > 0 {
            let (keys, instance) = prepare(&args.target, kind, count)?;
            senders.extend(keys.into_iter().map(|k| (kind, k)));
            contract = contract.or(instance);
        }
    }
    // Transfers go to the other transfer senders and the issuer (which may hold its token).
    let mut peers: Vec<AccountId> = senders.iter().filter(|(k, _)| *k == Kind::Transfer).map(|(_, s)| s.public_key().account_id()).collect();
    peers.push(resolve_key(&args.target, "issuer")?.public_key().account_id());
    let height = pool.status()?["height"].as_u64().unwrap_or(0);
    let per_sender = args.txs.div_ceil(args.senders);
    let mut txs: Vec<Transaction> = Vec::with_capacity(args.txs);
    // Interleave senders so every stretch of the stream carries all of them.
    for n in 0..per_sender {
        for (i, (kind, key)) in senders.iter().enumerate() {
            if txs.len() == args.txs {
                break;
            }
            let unsigned = UnsignedTx {
                chain_id: chain_id.clone(),
                sender: key.public_key().account_id(),
                nonce: n as u64,
                expiry_height: height + 100_000,
                body: body(*kind, &key.public_key().account_id(), &peers, n + i, contract)?,
            };
            let signature = key.sign_tx(&unsigned);
            txs.push(Transaction { unsigned, signatures: vec![signature] });
        }
    }

    // Height watcher: when each height was first seen finalized (by whichever validator
    // answers: the watcher fails over like every client).
    let seen: Arc<Mutex<BTreeMap<u64, Instant>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (seen, stop, c) = (seen.clone(), stop.clone(), pool.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if let Ok(s) = c.status()
                    && let Some(h) = s["height"].as_u64()
                {
                    seen.lock().unwrap().entry(h).or_insert_with(Instant::now);
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    let idle_start = Instant::now();
    let idle_h0 = pool.status()?["height"].as_u64().unwrap_or(0);
    std::thread::sleep(Duration::from_secs(args.idle_seconds));
    let idle_h1 = pool.status()?["height"].as_u64().unwrap_or(0);
    let idle_blocks_per_s = idle_h1.saturating_sub(idle_h0) as f64 / idle_start.elapsed().as_secs_f64();

    // The bound, measured now on this machine with this load's own transactions.
    let bound = verification_bound(&txs, pool.len());
    let pids = devnet_pids(&args.target);
    let usage_before: Vec<Option<(f64, u64)>> = pids.iter().map(|p| proc_usage(*p)).collect();
    let load_h0 = pool.status()?["height"].as_u64().unwrap_or(0);
    let load_start = Instant::now();
    // Submission: threads take the next transaction in order; open loop waits for its slot.
    let next = AtomicUsize::new(0);
    let bar = if json { indicatif::ProgressBar::hidden() } else { crate::progress(txs.len() as u64, "submitting") };
    let results: Mutex<Vec<Submission>> = Mutex::new(Vec::with_capacity(txs.len()));
    std::thread::scope(|s| {
        for t in 0..args.threads.max(1) {
            let (next, results, txs, bar) = (&next, &results, &txs, &bar);
            let rate = args.rate;
            let c = pool.preferring(t);
            let per = args.submit_batch;
            s.spawn(move || {
                loop {
                    let first = next.fetch_add(per, Ordering::Relaxed);
                    if first >= txs.len() {
                        break;
                    }
                    let range = first..(first + per).min(txs.len());
                    if rate > 0 {
                        let slot = load_start + Duration::from_secs_f64(first as f64 / rate as f64);
                        if let Some(wait) = slot.checked_duration_since(Instant::now()) {
                            std::thread::sleep(wait);
                        }
                    }
                    let at = Instant::now();
                    let answers = if per == 1 { vec![c.submit(&txs[first])] } else { c.submit_batch(&txs[range.clone()]) };
                    let took = at.elapsed();
                    let mut results = results.lock().unwrap();
                    for (i, answer) in range.zip(answers) {
                        let r = match answer {
                            Ok(Submitted::Accepted(_)) => None,
                            Ok(Submitted::Refused { code, .. }) => Some(code),
                            Err(_) => Some("no_validator_answered".to_string()),
                        };
                        results.push((i, r, at, took));
                        bar.inc(1);
                    }
                }
            });
        }
    });
    bar.finish_and_clear();
    let submit_elapsed = load_start.elapsed();
    let mut flat = results.into_inner().unwrap();
    flat.sort_by_key(|(i, _, _, _)| *i);
    let mut accept_latencies: Vec<Duration> = flat.iter().filter(|(_, r, _, _)| r.is_none()).map(|(_, _, _, d)| *d).collect();
    accept_latencies.sort();
    let mut refused = BTreeMap::<String, usize>::new();
    for (_, r, _, _) in &flat {
        if let Some(code) = r {
            *refused.entry(code.clone()).or_default() += 1;
        }
    }
    let accepted_first_time = accept_latencies.len();

    // Follow every transaction — refused ones too: they are resubmitted — to finality.
    let (fates, resubmitted) = follow(&pool, &txs, args.senders.min(txs.len()), Instant::now() + FINALITY_DEADLINE);
    let mut rejected = BTreeMap::<String, usize>::new();
    let mut heights: Vec<Option<u64>> = Vec::with_capacity(fates.len());
    for f in &fates {
        heights.push(match f {
            Fate::Finalized(h) => Some(*h),
            Fate::Rejected(code) => {
                *rejected.entry(code.clone()).or_default() += 1;
                Some(u64::MAX)
            }
            Fate::Open => None,
        });
    }
    let not_final = fates.iter().filter(|f| **f == Fate::Open).count();
    let submitted: Vec<(usize, Instant)> = flat.iter().map(|(i, _, at, _)| (*i, *at)).collect();
    let usage_after: Vec<Option<(f64, u64)>> = pids.iter().map(|p| proc_usage(*p)).collect();
    // The status poll above can see a transaction final before the height watcher's next poll
    // records its height: let the watcher catch up so the last transaction is counted.
    let top = heights.iter().flatten().filter(|h| **h != u64::MAX).max().copied();
    let catch_up = Instant::now();
    while let Some(top) = top {
        if seen.lock().unwrap().range(top..).next().is_some() || catch_up.elapsed() > Duration::from_secs(5) {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    stop.store(true, Ordering::Relaxed);
    watcher.join().expect("watcher");
    let seen = seen.lock().unwrap().clone();
    let mut latencies = Vec::new();
    let mut last_final = load_start;
    for ((_, at), h) in submitted.iter().zip(&heights) {
        // Latency counts from the first submission, resubmissions included.
        let Some(h) = h.filter(|h| *h != u64::MAX) else { continue };
        if let Some((_, t)) = seen.range(h..).next() {
            latencies.push(t.saturating_duration_since(*at));
            last_final = last_final.max(*t);
        }
    }
    latencies.sort();
    let load_h1 = *seen.keys().next_back().unwrap_or(&load_h0);
    let window = last_final.duration_since(load_start).as_secs_f64().max(1e-9);
    let finalized = latencies.len();
    let documents: usize = txs
        .iter()
        .zip(&fates)
        .filter(|(_, f)| matches!(f, Fate::Finalized(_)))
        .map(|(t, _)| match &t.unsigned.body {
            TxBody::RegisterBatch { count, .. } => *count as usize,
            TxBody::RegisterProof { .. } => 1,
            _ => 0,
        })
        .sum();
    let validators: Vec<serde_json::Value> = pids
        .iter()
        .zip(usage_before.iter().zip(&usage_after))
        .map(|(pid, (b, a))| match (b, a) {
            (Some((cpu0, _)), Some((cpu1, rss))) => json!({
                "pid": pid, "cpu_seconds": cpu1 - cpu0, "cpu_share": (cpu1 - cpu0) / window, "peak_rss_mib": *rss as f64 / 1024.0,
                "cpu_us_per_finalized_tx": (cpu1 - cpu0) * 1e6 / finalized.max(1) as f64,
            }),
            _ => json!({ "pid": pid, "error": "process not readable" }),
        })
        .collect();
    let report = json!({
        "scenario": args.scenario,
        "validators": pool.len(),
        "senders": args.senders,
        "submit_batch": args.submit_batch,
        "ed25519_backend": vellum_crypto::ed25519::backend(),
        "mode": if args.rate > 0 { format!("open loop at {} tx/s", args.rate) } else { "closed loop".to_string() },
        "txs_submitted": txs.len(),
        "txs_accepted_first_try": accepted_first_time,
        "txs_finalized": finalized,
        "txs_not_final": not_final,
        "resubmissions": resubmitted,
        "refused_first_try_by_reason": refused,
        "rejected_by_reason": rejected,
        "submit_seconds": submit_elapsed.as_secs_f64(),
        "finalized_tx_per_s": finalized as f64 / window,
        "documents_per_s": documents as f64 / window,
        "blocks_per_s_idle": idle_blocks_per_s,
        "blocks_per_s_under_load": load_h1.saturating_sub(load_h0) as f64 / window,
        "latency_ms": {
            "p50": percentile(&latencies, 0.50).as_secs_f64() * 1e3,
            "p90": percentile(&latencies, 0.90).as_secs_f64() * 1e3,
            "p99": percentile(&latencies, 0.99).as_secs_f64() * 1e3,
            "max": latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        },
        // Submit → `202 accepted` (the validator's admission, gossip hand-off and durable
        // record), for transactions accepted at the first try.
        "accept_latency_ms": {
            "p50": percentile(&accept_latencies, 0.50).as_secs_f64() * 1e3,
            "p99": percentile(&accept_latencies, 0.99).as_secs_f64() * 1e3,
        },
        "validator_processes": validators,
        "bound": {
            "verify_sigs_per_s_one_core": bound.per_core,
            "cores": bound.cores,
            "tx_per_s": bound.tx_per_s,
            "ratio": (finalized as f64 / window) / bound.tx_per_s.max(1e-9),
        },
    });
    let outcome = if not_final > 0 {
        Err(anyhow::anyhow!("{not_final} of {} transactions not final after {} s (finalized {finalized}, rejected {rejected:?}, refused at first try {refused:?}, resubmissions {resubmitted})", txs.len(), FINALITY_DEADLINE.as_secs()))
    } else {
        Ok(())
    };
    if json {
        println!("{report}");
        return outcome;
    }
    let f = |k: &str| report[k].as_f64().unwrap_or(0.0);
    println!(
        "scenario                  {} ({}, {} senders, {} per submission; Ed25519 on {})",
        args.scenario,
        report["mode"].as_str().unwrap_or(""),
        args.senders,
        args.submit_batch,
        vellum_crypto::ed25519::backend()
    );
    println!("transactions finalized    {finalized} of {} (not final {not_final}, rejected {rejected:?}; refused at first try {refused:?}, resubmissions {resubmitted})", txs.len());
    println!("finalized tx/s            {:.0}", f("finalized_tx_per_s"));
    if documents > 0 {
        println!("documents registered/s    {:.0}", f("documents_per_s"));
    }
    println!("blocks/s idle / loaded    {:.1} / {:.1}", idle_blocks_per_s, f("blocks_per_s_under_load"));
    let l = &report["latency_ms"];
    let ms = |k: &str| l[k].as_f64().unwrap_or(0.0);
    println!("submit→final latency ms  p50 {:.0}  p90 {:.0}  p99 {:.0}  max {:.0}", ms("p50"), ms("p90"), ms("p99"), ms("max"));
    let a = &report["accept_latency_ms"];
    println!("submit→accepted ms        p50 {:.1}  p99 {:.1}", a["p50"].as_f64().unwrap_or(0.0), a["p99"].as_f64().unwrap_or(0.0));
    println!(
        "bound                     {:.0} tx/s ({:.0} signatures/s batch-verified on one core × {} cores ÷ {} validators); ratio {:.3}",
        bound.tx_per_s,
        bound.per_core,
        bound.cores,
        pool.len(),
        report["bound"]["ratio"].as_f64().unwrap_or(0.0)
    );
    for v in &validators {
        println!(
            "validator pid {}  cpu {:.1} s ({:.0} % of one core), {:.0} µs per finalized tx  peak RSS {:.0} MiB",
            v["pid"],
            v["cpu_seconds"].as_f64().unwrap_or(0.0),
            v["cpu_share"].as_f64().unwrap_or(0.0) * 100.0,
            v["cpu_us_per_finalized_tx"].as_f64().unwrap_or(0.0),
            v["peak_rss_mib"].as_f64().unwrap_or(0.0)
        );
    }
    outcome
}

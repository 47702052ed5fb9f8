//! `vellum bench`: a first load generator. Opens accounts from the registrar (the one
//! transaction type every devnet can send in bulk), measures finalized tx/s, blocks/s and
//! submit-to-finalized latency. The full benchmark suite (scenarios, open loop, CPU/RSS) is a
//! later issue; this is what `docs/benchmarks.md` quotes for the devnet today.

use crate::client::{Client, Submitted};
use crate::{Target, resolve_key, sign};
use anyhow::{Result, bail};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use vellum_types::{Role, TxBody};

/// Most transactions one run submits (the registrar's per-account mempool limit bounds what
/// can be in flight at once anyway).
pub const BENCH_TXS_MAX: usize = 1_000;

#[derive(clap::Args)]
pub struct BenchArgs {
    #[command(flatten)]
    target: Target,
    /// Transactions to submit (at most 1000: one account's pending limit).
    #[arg(long, default_value_t = 500)]
    txs: usize,
    #[arg(long, default_value = "registrar")]
    key: String,
    /// Seconds of idle chain observed first, for the empty-block rate.
    #[arg(long, default_value_t = 3)]
    idle_seconds: u64,
    /// `account` (registrar opens accounts), `proof` (issuer registers single digests),
    /// `proof-batch` (issuer registers batches of `--batch-size` digests) or `transfer` (the
    /// issuer pays token BENCH to the devnet's genesis accounts in turn; the token is created
    /// by the council and minted on first use).
    #[arg(long, default_value = "account", value_parser = ["account", "proof", "proof-batch", "transfer"])]
    scenario: String,
    #[arg(long, default_value_t = 10_000)]
    batch_size: u32,
}

/// The token the transfer scenario moves.
const BENCH_TOKEN: &str = "BENCH";

/// Creates BENCH (council, 2 of 3) and mints the issuer a stock, unless done before; returns
/// the recipients (the devnet's single-key genesis accounts other than the issuer).
fn transfer_setup(target: &Target, issuer: &vellum_crypto::SecretKey) -> Result<Vec<vellum_types::AccountId>> {
    let client = target.client()?;
    let issuer_id = issuer.public_key().account_id();
    if client.get(&format!("/v1/token/{BENCH_TOKEN}"))?.0 == 404 {
        let council: Vec<_> = ["council-1", "council-2"].iter().map(|k| resolve_key(target, k)).collect::<Result<_>>()?;
        let council_id = council[0].public_key().account_id();
        let flags = vellum_types::TokenFlags::default();
        let action = vellum_types::GovAction::CreateToken { symbol: BENCH_TOKEN.into(), decimals: 0, issuer: issuer_id, subledger: None, flags };
        let height = client.status()?["height"].as_u64().unwrap_or(0);
        crate::send_as(target, &council, council_id, TxBody::Propose { action, deadline_height: height + 1_000 })?;
        let mint = TxBody::Mint { token: BENCH_TOKEN.into(), to: issuer_id, amount: 1_000_000_000_000 };
        crate::send_as(target, std::slice::from_ref(issuer), issuer_id, mint)?;
    }
    ["registrar", "auditor", "compliance", "desk"]
        .iter()
        .map(|k| Ok(resolve_key(target, k)?.public_key().account_id()))
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

pub fn run(args: BenchArgs, json: bool) -> Result<()> {
    if args.txs == 0 || args.txs > BENCH_TXS_MAX {
        bail!("--txs must be 1..={BENCH_TXS_MAX}");
    }
    let cfg = args.target.config()?;
    let clients: Vec<Client> = cfg.api.iter().map(|a| Client::new(a)).collect();
    let key_name = match (args.scenario.as_str(), args.key.as_str()) {
        ("proof" | "proof-batch" | "transfer", "registrar") => "issuer",
        (_, k) => k,
    };
    let signer = resolve_key(&args.target, key_name)?;
    if args.batch_size == 0 || args.batch_size > vellum_types::proof::BATCH_DOCUMENTS_MAX {
        bail!("--batch-size must be 1..={}", vellum_types::proof::BATCH_DOCUMENTS_MAX);
    }
    let status = clients[0].status()?;
    let chain_id = status["chain_id"].as_str().unwrap_or_default().to_string();

    // Height watcher: when each height was first seen finalized on node 0.
    let seen: Arc<Mutex<BTreeMap<u64, Instant>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (seen, stop, c) = (seen.clone(), stop.clone(), clients[0].clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if let Ok(s) = c.status()
                    && let Some(h) = s["height"].as_u64() {
                        seen.lock().unwrap().entry(h).or_insert_with(Instant::now);
                    }
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    let idle_start = Instant::now();
    let idle_h0 = clients[0].status()?["height"].as_u64().unwrap_or(0);
    std::thread::sleep(Duration::from_secs(args.idle_seconds));
    let idle_h1 = clients[0].status()?["height"].as_u64().unwrap_or(0);
    let idle_blocks_per_s = (idle_h1 - idle_h0) as f64 / idle_start.elapsed().as_secs_f64();

    let recipients = if args.scenario == "transfer" { transfer_setup(&args.target, &signer)? } else { Vec::new() };
    let next_recipient = std::cell::Cell::new(0usize);

    // Find the registrar's next nonce with a first real transaction.
    let height = clients[0].status()?["height"].as_u64().unwrap_or(0);
    let scenario = args.scenario.clone();
    let batch_size = args.batch_size;
    let new_body = || match scenario.as_str() {
        "proof" => TxBody::RegisterProof {
            digest: crate::keys::random_bytes(),
            schema: "sha256:file".into(),
            metadata_digest: [0; 32],
            salted: false,
        },
        // The batch root is all the ledger sees; the documents' digests stay with the issuer
        // (computing a real root over random digests would only time the client).
        "proof-batch" => TxBody::RegisterBatch {
            root: crate::keys::random_bytes(),
            count: batch_size,
            schema: "sha256:file".into(),
            metadata_digest: [0; 32],
            salted: false,
        },
        "transfer" => {
            let i = next_recipient.get();
            next_recipient.set(i + 1);
            let to = recipients[i % recipients.len()];
            TxBody::Transfer { legs: vec![vellum_types::Leg { to, token: BENCH_TOKEN.into(), amount: 1, convert: None }], reference: None }
        }
        _ => {
            let k = crate::keys::generate("ed25519").expect("key generation");
            TxBody::OpenAccount { public_key: k.public_key(), kyc_commitment: Some([7; 32]), label: "bench".into(), role: Role::User, subledger: None }
        }
    };
    let probe = sign(&signer, &chain_id, 0, height + 100_000, new_body());
    let mut txs = Vec::new();
    let start_nonce = match clients[0].submit(&probe)? {
        Submitted::Accepted(_) => 1,
        Submitted::Refused { expected_nonce: Some(n), .. } => n,
        Submitted::Refused { code, message, .. } => bail!("probe transaction refused ({code}): {message}"),
    };
    for i in 0..args.txs as u64 {
        txs.push(sign(&signer, &chain_id, start_nonce + i, height + 100_000, new_body()));
    }
    let load_h0 = clients[0].status()?["height"].as_u64().unwrap_or(0);
    let load_start = Instant::now();
    // One submitting thread per node, transactions dealt round-robin.
    let mut submitted: Vec<(String, Instant)> = Vec::with_capacity(txs.len());
    let per_node: Vec<Vec<(usize, vellum_types::Transaction)>> = {
        let mut v = vec![Vec::new(); clients.len()];
        for (i, tx) in txs.into_iter().enumerate() {
            v[i % clients.len()].push((i, tx));
        }
        v
    };
    let results: Vec<Vec<(usize, Result<String>, Instant)>> = std::thread::scope(|s| {
        let handles: Vec<_> = per_node
            .into_iter()
            .zip(clients.iter().cloned())
            .map(|(batch, c)| {
                s.spawn(move || {
                    batch
                        .into_iter()
                        .map(|(i, tx)| {
                            let at = Instant::now();
                            let r = match c.submit(&tx) {
                                Ok(Submitted::Accepted(h)) => Ok(h),
                                Ok(Submitted::Refused { code, message, .. }) => Err(anyhow::anyhow!("{code}: {message}")),
                                Err(e) => Err(e),
                            };
                            (i, r, at)
                        })
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("submitter")).collect()
    });
    let mut refused = BTreeMap::<String, usize>::new();
    let mut flat: Vec<(usize, Result<String>, Instant)> = results.into_iter().flatten().collect();
    flat.sort_by_key(|(i, _, _)| *i);
    for (_, r, at) in flat {
        match r {
            Ok(h) => submitted.push((h, at)),
            Err(e) => *refused.entry(e.to_string()).or_default() += 1,
        }
    }
    let submit_elapsed = load_start.elapsed();

    // Wait for finality of every accepted transaction.
    let mut heights: Vec<Option<u64>> = vec![None; submitted.len()];
    let mut rejected = 0usize;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let mut pending = 0;
        for (i, (hash, _)) in submitted.iter().enumerate() {
            if heights[i].is_some() {
                continue;
            }
            let (_, v) = clients[0].tx_status(hash)?;
            match v["status"].as_str() {
                Some("finalized") => heights[i] = v["height"].as_u64(),
                Some("rejected") => {
                    rejected += 1;
                    heights[i] = Some(u64::MAX);
                }
                _ => pending += 1,
            }
        }
        if pending == 0 {
            break;
        }
        if Instant::now() > deadline {
            bail!("{pending} transactions not final after 120 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    stop.store(true, Ordering::Relaxed);
    watcher.join().expect("watcher");
    let seen = seen.lock().unwrap().clone();
    let mut latencies = Vec::new();
    let mut last_final = load_start;
    for ((_, at), h) in submitted.iter().zip(&heights) {
        let Some(h) = h.filter(|h| *h != u64::MAX) else { continue };
        // The first observation at or above the transaction's height.
        if let Some((_, t)) = seen.range(h..).next() {
            latencies.push(t.saturating_duration_since(*at));
            last_final = last_final.max(*t);
        }
    }
    latencies.sort();
    let load_h1 = *seen.keys().next_back().unwrap_or(&load_h0);
    let window = last_final.duration_since(load_start).as_secs_f64().max(1e-9);
    let finalized = latencies.len();
    let report = json!({
        "validators": clients.len(),
        "txs_submitted": submitted.len() + refused.values().sum::<usize>(),
        "txs_accepted": submitted.len(),
        "txs_finalized": finalized,
        "txs_rejected_after_acceptance": rejected,
        "refused_by_reason": refused,
        "submit_seconds": submit_elapsed.as_secs_f64(),
        "scenario": args.scenario,
        "finalized_tx_per_s": finalized as f64 / window,
        "documents_per_s": finalized as f64 * if args.scenario == "proof-batch" { args.batch_size as f64 } else { 1.0 } / window,
        "blocks_per_s_idle": idle_blocks_per_s,
        "blocks_per_s_under_load": (load_h1 - load_h0) as f64 / window,
        "latency_ms": {
            "p50": percentile(&latencies, 0.50).as_secs_f64() * 1e3,
            "p90": percentile(&latencies, 0.90).as_secs_f64() * 1e3,
            "p99": percentile(&latencies, 0.99).as_secs_f64() * 1e3,
            "max": latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        },
    });
    if json {
        println!("{report}");
    } else {
        println!("validators                {}", clients.len());
        println!("transactions finalized    {finalized} of {} submitted ({} refused: {:?})", report["txs_submitted"], refused.values().sum::<usize>(), refused);
        println!("scenario                  {}", args.scenario);
        println!("finalized tx/s            {:.0}", report["finalized_tx_per_s"].as_f64().unwrap_or(0.0));
        if args.scenario != "account" {
            println!("documents registered/s    {:.0}", report["documents_per_s"].as_f64().unwrap_or(0.0));
        }
        println!("blocks/s idle / loaded    {:.1} / {:.1}", idle_blocks_per_s, report["blocks_per_s_under_load"].as_f64().unwrap_or(0.0));
        println!(
            "submit→final latency ms  p50 {:.0}  p90 {:.0}  p99 {:.0}  max {:.0}",
            report["latency_ms"]["p50"].as_f64().unwrap_or(0.0),
            report["latency_ms"]["p90"].as_f64().unwrap_or(0.0),
            report["latency_ms"]["p99"].as_f64().unwrap_or(0.0),
            report["latency_ms"]["max"].as_f64().unwrap_or(0.0),
        );
    }
    Ok(())
}

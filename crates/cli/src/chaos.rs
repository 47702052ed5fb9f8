//! `vellum chaos`: fault injection on real processes. A 4-validator devnet on loopback whose
//! p2p connections all pass through fault-injecting TCP proxies (one per dialer → target
//! pair), under continuous load of transfers and registrations, while a seeded schedule of
//! faults runs: `kill -9` and restart, SIGSTOP / SIGCONT, restart with a wiped data
//! directory, one validator isolated, a 2/2 split. At the end a checker verifies that every
//! transaction reported finalized is finalized on every validator, that all validators hold
//! identical headers (so identical state and log roots) at every common height — no
//! conflicting block was ever finalized — and that token balances are conserved.

use crate::client::{Client, ClientConfig, Outcome, Pool, Submitted};
use crate::devnet::{UpOptions, generate, spawn_node};
use crate::{Target, keys, resolve_key, send, send_as};
use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use vellum_crypto::SecretKey;
use vellum_types::{AccountId, GovAction, Leg, TokenFlags, Transaction, TxBody, UnsignedTx};

const VALIDATORS: usize = 4;
/// Load senders moving the chaos token among themselves.
const SENDERS: usize = 4;
const STOCK: u128 = 1_000_000_000;
/// Transactions a load thread signs and waits for at once.
const LOAD_BATCH: u64 = 10;

#[derive(clap::Args)]
pub struct ChaosArgs {
    /// A fresh directory for the devnet (must not exist).
    #[arg(long)]
    dir: PathBuf,
    /// How long faults are injected.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Seed of the fault schedule (same seed, same schedule).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, default_value_t = 7500)]
    p2p_port: u16,
    #[arg(long, default_value_t = 8500)]
    api_port: u16,
    /// First port of the 12 proxies (dialer j → target i listens on this + 4j + i).
    #[arg(long, default_value_t = 9500)]
    proxy_port: u16,
}

/// splitmix64: a tiny deterministic generator for the schedule (not for keys).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The proxies: `blocked[j][i]` cuts j → i; live connections per pair, to cut them at once.
struct Proxies {
    blocked: Mutex<[[bool; VALIDATORS]; VALIDATORS]>,
    live: Mutex<Vec<(usize, usize, TcpStream)>>,
}

impl Proxies {
    fn set(&self, cut: impl Fn(usize, usize) -> bool) {
        let mut b = self.blocked.lock().unwrap();
        for (j, row) in b.iter_mut().enumerate() {
            for (i, cell) in row.iter_mut().enumerate() {
                *cell = j != i && cut(j, i);
            }
        }
        drop(b);
        let b = *self.blocked.lock().unwrap();
        let mut live = self.live.lock().unwrap();
        live.retain(|(j, i, s)| {
            if b[*j][*i] {
                let _ = s.shutdown(Shutdown::Both);
                false
            } else {
                true
            }
        });
    }

    fn is_blocked(&self, j: usize, i: usize) -> bool {
        self.blocked.lock().unwrap()[j][i]
    }
}

fn pump(mut from: TcpStream, mut to: TcpStream) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Both);
    let _ = from.shutdown(Shutdown::Both);
}

fn start_proxies(a: &ChaosArgs, proxies: &Arc<Proxies>) -> Result<()> {
    for j in 0..VALIDATORS {
        for i in 0..VALIDATORS {
            if i == j {
                continue;
            }
            let listener = TcpListener::bind(("127.0.0.1", a.proxy_port + (4 * j + i) as u16))
                .with_context(|| format!("cannot bind proxy port {}", a.proxy_port + (4 * j + i) as u16))?;
            let target = a.p2p_port + i as u16;
            let proxies = proxies.clone();
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    let Ok(inbound) = conn else { continue };
                    if proxies.is_blocked(j, i) {
                        let _ = inbound.shutdown(Shutdown::Both);
                        continue;
                    }
                    let Ok(outbound) = TcpStream::connect(("127.0.0.1", target)) else {
                        let _ = inbound.shutdown(Shutdown::Both);
                        continue;
                    };
                    let _ = inbound.set_nodelay(true);
                    let _ = outbound.set_nodelay(true);
                    let clones = (inbound.try_clone(), outbound.try_clone(), inbound.try_clone(), outbound.try_clone());
                    let (Ok(in2), Ok(out2), Ok(in_reg), Ok(out_reg)) = clones else { continue };
                    proxies.live.lock().unwrap().extend([(j, i, in_reg), (j, i, out_reg)]);
                    std::thread::spawn(move || pump(inbound, outbound));
                    std::thread::spawn(move || pump(out2, in2));
                }
            });
        }
    }
    Ok(())
}

/// The validator processes the schedule kills, stops and restarts. The load is not told which
/// are up: its client finds out, as a user's would.
struct Fleet {
    dir: PathBuf,
    children: Mutex<Vec<Option<Child>>>,
}

impl Fleet {
    fn pid(&self, i: usize) -> Option<i32> {
        self.children.lock().unwrap()[i].as_ref().map(|c| c.id() as i32)
    }

    fn kill(&self, i: usize) {
        if let Some(mut c) = self.children.lock().unwrap()[i].take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn start(&self, i: usize) -> Result<()> {
        let child = spawn_node(&self.dir, i)?;
        self.children.lock().unwrap()[i] = Some(child);
        Ok(())
    }

    fn signal(&self, i: usize, sig: i32) {
        if let Some(pid) = self.pid(i) {
            unsafe { libc::kill(pid, sig) };
        }
    }

    fn stop_all(&self) {
        for i in 0..VALIDATORS {
            self.signal(i, libc::SIGCONT);
            self.kill(i);
        }
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        self.stop_all();
    }
}

/// One fault, applied and then undone; returns its description.
fn fault(rng: &mut Rng, fleet: &Fleet, proxies: &Proxies) -> Result<String> {
    let i = rng.below(VALIDATORS as u64) as usize;
    let hold = Duration::from_millis(2_000 + rng.below(3_000));
    let what = match rng.below(5) {
        0 => {
            fleet.kill(i);
            std::thread::sleep(hold);
            fleet.start(i)?;
            format!("kill -9 v{i}, restart after {hold:?}")
        }
        1 => {
            fleet.signal(i, libc::SIGSTOP);
            std::thread::sleep(hold);
            fleet.signal(i, libc::SIGCONT);
            format!("SIGSTOP v{i} for {hold:?}")
        }
        2 => {
            fleet.kill(i);
            let data = fleet.dir.join(format!("v{i}")).join("data");
            std::fs::remove_dir_all(&data).with_context(|| format!("cannot wipe {}", data.display()))?;
            std::thread::sleep(hold);
            fleet.start(i)?;
            format!("kill -9 v{i}, wipe its data, restart after {hold:?}")
        }
        3 => {
            proxies.set(|j, k| j == i || k == i);
            std::thread::sleep(hold);
            proxies.set(|_, _| false);
            format!("isolate v{i} for {hold:?}")
        }
        _ => {
            proxies.set(|j, k| (j < 2) != (k < 2));
            std::thread::sleep(hold);
            proxies.set(|_, _| false);
            format!("split {{v0,v1}} | {{v2,v3}} for {hold:?}")
        }
    };
    Ok(what)
}

fn client_for(cfg: &ClientConfig, i: usize) -> Client {
    Client::new(&cfg.api[i])
}

/// A load thread: signs batches of transactions from one account with consecutive nonces and
/// takes each to finality through the client library — failover over every validator of the
/// client config, resubmission while no validator holds it — exactly as a user's client
/// would: it is not told which validators the schedule took down. Returns the finalized ids.
struct Load {
    cfg: ClientConfig,
    stop: Arc<AtomicBool>,
    chain_id: String,
    finalized: Arc<Mutex<Vec<vellum_types::TxId>>>,
    submitted: Arc<AtomicU64>,
    /// The validator this thread's client prefers first (threads spread over the validators).
    lane: usize,
}

/// How long a load transaction may take to be admitted, then to be final, under faults.
const LOAD_TX_DEADLINE: Duration = Duration::from_secs(300);

fn load(l: Load, key: SecretKey, first_nonce: u64, body: impl Fn(u64) -> TxBody) {
    let pool = Pool::new(&l.cfg.api).preferring(l.lane);
    let Load { stop, chain_id, finalized, submitted, .. } = l;
    let mut nonce = first_nonce;
    let sender = key.public_key().account_id();
    while !stop.load(Ordering::Relaxed) {
        let batch: Vec<Transaction> = (nonce..nonce + LOAD_BATCH)
            .map(|n| {
                let unsigned = UnsignedTx { chain_id: chain_id.clone(), sender, nonce: n, expiry_height: u64::MAX, body: body(n) };
                let signature = key.sign_tx(&unsigned);
                Transaction { unsigned, signatures: vec![signature] }
            })
            .collect();
        for tx in &batch {
            let started = Instant::now();
            // Every validator down, or all refusing for a moment (full mempools): retry.
            while !matches!(pool.submit(tx), Ok(Submitted::Accepted(_))) {
                if started.elapsed() > LOAD_TX_DEADLINE {
                    eprintln!("chaos: no validator admitted a transaction of {sender} for 300 s");
                    return;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            submitted.fetch_add(1, Ordering::Relaxed);
        }
        for tx in &batch {
            match pool.wait_final(tx, LOAD_TX_DEADLINE, false) {
                Ok(Outcome::Final(v)) if v["status"] == "finalized" => finalized.lock().unwrap().push(tx.id()),
                other => {
                    eprintln!("chaos: transaction {} of {sender} did not finalize: {other:?}", tx.id().to_hex());
                    return;
                }
            }
        }
        nonce += LOAD_BATCH;
    }
}

fn get_json(c: &Client, path: &str) -> Option<Value> {
    match c.get(path) {
        Ok((200, v)) => Some(v),
        _ => None,
    }
}

pub fn run(a: ChaosArgs, json_out: bool) -> Result<()> {
    // Chaos runs its own devnet: plain keys, as `vellum devnet` (a throwaway local network).
    crate::keys::allow_plain();
    if a.dir.exists() {
        bail!("{} exists: chaos needs a fresh directory", a.dir.display());
    }
    generate(&UpOptions {
        dir: a.dir.clone(),
        validators: VALIDATORS,
        p2p_port: a.p2p_port,
        api_port: a.api_port,
        detach: true,
        json: true,
        epoch_length_blocks: crate::devnet::DEVNET_EPOCH_LENGTH_BLOCKS,
    })?;
    // Every node dials every peer through the proxy for that (dialer, target) pair.
    for j in 0..VALIDATORS {
        let path = a.dir.join(format!("v{j}")).join("node.toml");
        let mut cfg: vellum_node::config::NodeConfig = toml::from_str(&std::fs::read_to_string(&path)?)?;
        cfg.peer_addresses =
            (0..VALIDATORS).filter(|i| *i != j).map(|i| (format!("v{i}"), format!("127.0.0.1:{}", a.proxy_port + (4 * j + i) as u16))).collect();
        std::fs::write(&path, toml::to_string_pretty(&cfg)?)?;
    }
    let proxies = Arc::new(Proxies { blocked: Mutex::new([[false; VALIDATORS]; VALIDATORS]), live: Mutex::new(Vec::new()) });
    start_proxies(&a, &proxies)?;
    let fleet = Arc::new(Fleet { dir: a.dir.clone(), children: Mutex::new((0..VALIDATORS).map(|_| None).collect()) });
    for i in 0..VALIDATORS {
        fleet.start(i)?;
    }
    let cfg = ClientConfig::load(&a.dir.join("client.toml"))?;
    let target = Target { client: a.dir.join("client.toml"), api: None, trust_node: false, pool: Default::default() };
    let deadline = Instant::now() + Duration::from_secs(90);
    while (0..VALIDATORS).any(|i| get_json(&client_for(&cfg, i), "/v1/status").and_then(|s| s["height"].as_u64()).unwrap_or(0) < 1) {
        if Instant::now() > deadline {
            bail!("the chaos devnet did not start within 90 s (see {}/v*/node.log)", a.dir.display());
        }
        std::thread::sleep(Duration::from_millis(200));
    }

    // Load setup: a token, four funded senders.
    let senders: Vec<SecretKey> = (0..SENDERS).map(|_| keys::generate("ed25519")).collect::<Result<_>>()?;
    for (n, s) in senders.iter().enumerate() {
        keys::save(&a.dir.join("keys").join(format!("sender-{n}.key")), s)?;
        let body = TxBody::OpenAccount {
            public_key: s.public_key(),
            kyc_commitment: Some([n as u8; 32]),
            label: format!("sender-{n}"),
            role: vellum_types::Role::User,
            subledger: None, kyc: None
        };
        send(&target, "registrar", body)?;
    }
    let council: Vec<vellum_crypto::Signer> = ["council-1", "council-2"].iter().map(|k| resolve_key(&target, k)).collect::<Result<_>>()?;
    let issuer = resolve_key(&target, "issuer")?;
    let issuer_id = issuer.public_key().account_id();
    let action = GovAction::CreateToken { symbol: "CHAOS".into(), decimals: 0, issuer: issuer_id, subledger: None, flags: TokenFlags::default() };
    send_as(&target, &council, council[0].public_key().account_id(), TxBody::Propose { action, deadline_height: 1_000_000 })?;
    let ids: Vec<AccountId> = senders.iter().map(|s| s.public_key().account_id()).collect();
    for id in &ids {
        send(&target, "issuer", TxBody::Mint { token: "CHAOS".into(), to: *id, amount: STOCK })?;
    }
    let chain_id = get_json(&client_for(&cfg, 0), "/v1/status").context("status")?["chain_id"].as_str().unwrap_or_default().to_string();

    // Load: each sender pays the next one; the issuer registers documents.
    let stop = Arc::new(AtomicBool::new(false));
    let finalized: Arc<Mutex<Vec<vellum_types::TxId>>> = Arc::default();
    let submitted = Arc::new(AtomicU64::new(0));
    let new_load = |lane: usize| Load {
        lane,
        cfg: cfg.clone(),
        stop: stop.clone(),
        chain_id: chain_id.clone(),
        finalized: finalized.clone(),
        submitted: submitted.clone(),
    };
    let mut threads = Vec::new();
    for (n, key) in senders.iter().enumerate() {
        let to = ids[(n + 1) % SENDERS];
        let (l, key) = (new_load(n), key.clone());
        threads.push(std::thread::spawn(move || {
            let body = move |n: u64| TxBody::Transfer {
                legs: vec![Leg { to, token: "CHAOS".into(), amount: 1 + u128::from(n % 97), convert: None }],
                reference: None,
            };
            load(l, key, 0, body)
        }));
    }
    {
        let (l, key) = (new_load(SENDERS), issuer.software()?.clone());
        let base = keys::random_bytes();
        threads.push(std::thread::spawn(move || {
            let body = move |n: u64| TxBody::RegisterProof {
                digest: vellum_types::sha256_parts(&[&base, &n.to_be_bytes()]),
                schema: "sha256:file".into(),
                metadata_digest: [0; 32],
                salted: false,
            };
            // The issuer's nonces continue after its mints.
            load(l, key, SENDERS as u64, body)
        }));
    }

    // Faults.
    let mut rng = Rng(a.seed);
    let mut faults: Vec<Value> = Vec::new();
    let start = Instant::now();
    let end = start + Duration::from_secs(a.seconds);
    while Instant::now() < end {
        std::thread::sleep(Duration::from_millis(1_000 + rng.below(2_000)));
        let at = start.elapsed().as_secs_f64();
        let what = fault(&mut rng, &fleet, &proxies)?;
        eprintln!("chaos {at:>6.1}s  {what}");
        faults.push(json!({ "at_s": at, "fault": what }));
    }
    proxies.set(|_, _| false);

    // Let the load run on a healed network, then stop it and wait for convergence.
    std::thread::sleep(Duration::from_secs(3));
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        let _ = t.join();
    }
    let report = check(&cfg, &finalized.lock().unwrap(), &ids, &a.dir)?;
    // Every transaction a load thread got admitted must have finalized: the client library
    // resubmits what crashes lost, so a loss here is a client (or node) bug.
    let (admitted, done) = (submitted.load(Ordering::Relaxed), finalized.lock().unwrap().len() as u64);
    let out = json!({
        "seed": a.seed, "seconds": a.seconds, "faults": faults, "submitted": admitted,
        "finalized": done, "lost": admitted.saturating_sub(done), "check": report,
    });
    if json_out {
        println!("{out}");
    } else {
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    Ok(())
}

/// Waits until every validator has every finalized transaction, then compares them.
fn check(cfg: &ClientConfig, finalized: &[vellum_types::TxId], senders: &[AccountId], dir: &Path) -> Result<Value> {
    let clients: Vec<Client> = (0..VALIDATORS).map(|i| client_for(cfg, i)).collect();
    let deadline = Instant::now() + Duration::from_secs(180);
    // 1. Every transaction any validator reported finalized is finalized on every validator,
    //    at the same height and log position.
    let mut locations: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for id in finalized {
        let hex = id.to_hex();
        for (i, c) in clients.iter().enumerate() {
            loop {
                let v = c.tx_status(&hex).ok().map(|(_, v)| v);
                if let Some(v) = v.filter(|v| v["status"] == "finalized") {
                    let at = (v["height"].as_u64().unwrap_or(0), v["log_index"].as_u64().unwrap_or(0));
                    match locations.get(&hex) {
                        Some(prev) if *prev != at => bail!("transaction {hex} is at {prev:?} on one validator and {at:?} on v{i}"),
                        _ => {
                            locations.insert(hex.clone(), at);
                        }
                    }
                    break;
                }
                if Instant::now() > deadline {
                    bail!("transaction {hex}, reported finalized, is not finalized on v{i} (see {}/v{i}/node.log)", dir.display());
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    }
    // 2. Identical headers at every common height: no conflicting block was finalized, and
    //    state and log roots agree.
    let tips: Vec<u64> = clients.iter().map(|c| get_json(c, "/v1/status").and_then(|s| s["height"].as_u64()).unwrap_or(0)).collect();
    let common = *tips.iter().min().unwrap_or(&0);
    for h in 1..=common {
        let hashes: Vec<Option<String>> = clients.iter().map(|c| get_json(c, &format!("/v1/block/{h}")).and_then(|b| b["hash"].as_str().map(String::from))).collect();
        if hashes.iter().any(|x| x.is_none() || *x != hashes[0]) {
            bail!("validators disagree at height {h}: {hashes:?}");
        }
    }
    // 3. Conservation: the senders' balances add up to what was minted, on every validator.
    let key_path = dir.join("keys").join("auditor.key");
    let auditor = keys::load(&key_path)?;
    let chain_id = get_json(&clients[0], "/v1/status").context("status")?["chain_id"].as_str().unwrap_or_default().to_string();
    let mut totals = Vec::new();
    for c in &clients {
        let mut total = 0u128;
        for id in senders {
            let (status, body) = c.get_signed(&format!("/v1/account/{id}"), &auditor, &chain_id)?;
            let v: Value = serde_json::from_slice(&body).unwrap_or_default();
            if status != 200 {
                bail!("auditor cannot read {id}: {v}");
            }
            for b in v["balances"].as_array().cloned().unwrap_or_default() {
                let amount = |k: &str| b[k].as_str().and_then(|x| x.parse::<u128>().ok()).unwrap_or(0);
                total += amount("available") + amount("held");
            }
        }
        totals.push(total);
    }
    let minted = STOCK * senders.len() as u128;
    if totals.iter().any(|t| *t != minted) {
        bail!("balances not conserved: minted {minted}, validators hold {totals:?}");
    }
    Ok(json!({
        "ok": true,
        "transactions_checked": locations.len(),
        "tips": tips,
        "heights_compared": common,
        "balances_total": minted.to_string(),
    }))
}

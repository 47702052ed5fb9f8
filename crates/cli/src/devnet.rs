//! `vellum devnet up|down`: a local multi-validator network of real processes on 127.0.0.1.

use crate::client::{Client, ClientConfig};
use crate::keys;
use clap::Subcommand;
use anyhow::{Context, Result, bail};
use commonware_cryptography::Signer;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};
use vellum_node::config::{NodeConfig, key_to_hex};
use vellum_types::{ConsensusParams, Genesis, GenesisAccount, GenesisValidator, Role, SignerSet};

pub const VALIDATORS_MAX: usize = 16;
const PIDS_FILE: &str = "devnet.pids";
/// Accounts every devnet genesis creates, with their roles.
/// Single-key accounts of the devnet. The governance council is one 2-of-3 account (keys
/// `council-1..3`, id from `council-1`).
const DEVNET_ACCOUNTS: [(&str, Role); 5] = [
    ("registrar", Role::Registrar),
    ("issuer", Role::Issuer),
    ("auditor", Role::Auditor),
    ("compliance", Role::Compliance),
    ("desk", Role::Desk),
];

/// Blocks per epoch on the devnet: validator-set changes take effect within ~30 s when idle
/// (an empty block every 250 ms), sooner under load.
pub const DEVNET_EPOCH_LENGTH_BLOCKS: u64 = 120;

pub struct UpOptions {
    pub dir: PathBuf,
    pub validators: usize,
    pub p2p_port: u16,
    pub api_port: u16,
    pub detach: bool,
    pub json: bool,
    /// Blocks per epoch (fresh devnets only); validator-set changes take effect at epoch ends.
    pub epoch_length_blocks: u64,
}

fn port_free(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok()
}

/// Creates keys, genesis, node configs and the client config in `dir` (first run only).
pub(crate) fn generate(o: &UpOptions) -> Result<()> {
    std::fs::create_dir_all(o.dir.join("keys"))?;
    let mut accounts = Vec::new();
    for (name, role) in DEVNET_ACCOUNTS {
        let key = keys::generate("ed25519")?;
        keys::save(&o.dir.join("keys").join(format!("{name}.key")), &key)?;
        accounts.push(GenesisAccount { public_key: key.public_key(), roles: vec![role], label: name.to_string(), multisig: None });
    }
    let mut council = Vec::new();
    for i in 1..=3 {
        let key = keys::generate("ed25519")?;
        keys::save(&o.dir.join("keys").join(format!("council-{i}.key")), &key)?;
        council.push(key.public_key());
    }
    let set = SignerSet { signers: council.iter().map(|k| vellum_types::Signer { key: *k, weight: 1 }).collect(), threshold: 2 };
    accounts.push(GenesisAccount { public_key: council[0], roles: vec![Role::Council], label: "council".into(), multisig: Some(set) });
    // Encryption keys (age X25519) for encrypted originals: the issuer's and the auditor's.
    for name in ["issuer", "auditor"] {
        crate::originals::new_identity(&o.dir.join("keys").join(format!("{name}.age")))?;
    }
    let mut validators = Vec::new();
    let mut node_configs = Vec::new();
    for i in 0..o.validators {
        let vdir = o.dir.join(format!("v{i}"));
        std::fs::create_dir_all(&vdir)?;
        let signer = vellum_node::config::private_key_from_seed(keys::random_bytes());
        keys::write_secret(&vdir.join("validator.key"), &key_to_hex(&signer))?;
        let mut k = [0u8; 32];
        k.copy_from_slice(signer.public_key().as_ref());
        // Each validator also has a ledger account (role `node`) that signs audit records; a
        // separate key from its consensus key (K-PURPOSE).
        let node_account = keys::generate("ed25519")?;
        keys::save(&vdir.join("node-account.key"), &node_account)?;
        accounts.push(GenesisAccount {
            public_key: node_account.public_key(),
            roles: vec![Role::Node],
            label: format!("node-v{i}"),
            multisig: None,
        });
        let p2p = format!("127.0.0.1:{}", o.p2p_port + i as u16);
        validators.push(GenesisValidator { name: format!("v{i}"), consensus_key: k, p2p_key: k, address: p2p.clone() });
        node_configs.push(NodeConfig {
            name: format!("v{i}"),
            genesis: PathBuf::from("../genesis.toml"),
            key: PathBuf::from("validator.key"),
            data_dir: PathBuf::from("data"),
            p2p_listen: p2p.parse()?,
            api_listen: format!("127.0.0.1:{}", o.api_port + i as u16).parse()?,
            allow_private_ips: true,
            audit_key: Some(PathBuf::from("node-account.key")),
            mempool_txs_max: None,
            mempool_per_account_max: None,
            leader_timeout_ms: None,
            empty_block_interval_ms: None,
            p2p_channel_rate_per_second: None,
            peer_addresses: Default::default(),
            tls_cert: None,
            tls_key: None,
            roughtime: Vec::new(),
            peer_api: Default::default(),
            key_password_file: None,
            insecure_plain_keys: false,
        });
    }
    // Each validator collects the others' checkpoint signatures for the witnesses.
    let apis: Vec<(String, String)> = node_configs.iter().map(|c| (c.name.clone(), format!("http://{}", c.api_listen))).collect();
    for cfg in &mut node_configs {
        cfg.peer_api = apis.iter().filter(|(n, _)| *n != cfg.name).cloned().collect();
    }
    let now_ms = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH)?.as_millis() as u64;
    let genesis = Genesis {
        chain_id: "vellum-devnet".into(),
        genesis_time_ms: now_ms,
        params: ConsensusParams::default(),
        validators,
        accounts,
        epoch_length_blocks: Some(o.epoch_length_blocks),
    };
    genesis.validate()?;
    std::fs::write(o.dir.join("genesis.toml"), toml::to_string_pretty(&genesis)?)?;
    for (i, cfg) in node_configs.iter().enumerate() {
        std::fs::write(o.dir.join(format!("v{i}")).join("node.toml"), toml::to_string_pretty(cfg)?)?;
    }
    let client = ClientConfig {
        chain_id: genesis.chain_id.clone(),
        genesis_hash: hex::encode(genesis.hash()),
        api: node_configs.iter().map(|c| format!("http://{}", c.api_listen)).collect(),
        keys_dir: PathBuf::from("keys"),
        // A devnet's keys are plain files (a throwaway local network): its config says so.
        insecure_plain_keys: true,
    };
    std::fs::write(o.dir.join("client.toml"), toml::to_string_pretty(&client)?)?;
    Ok(())
}

fn pid_alive(pid: i32) -> bool {
    // Signal 0 checks existence without delivering anything.
    unsafe { libc::kill(pid, 0) == 0 }
}

fn read_pids(dir: &Path) -> Vec<i32> {
    std::fs::read_to_string(dir.join(PIDS_FILE))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// Starts one validator process of the devnet, detached from our process group so a Ctrl-C
/// in the terminal reaches only `devnet up`, which then stops the nodes itself.
pub fn spawn_node(dir: &Path, i: usize) -> Result<Child> {
    let vdir = dir.join(format!("v{i}"));
    let log = std::fs::OpenOptions::new().create(true).append(true).open(vdir.join("node.log"))?;
    let child = Command::new(std::env::current_exe()?)
        .arg("node")
        .arg("--insecure-plain-keys")
        .arg("--config")
        .arg(vdir.join("node.toml"))
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .process_group(0)
        .spawn()
        .context("cannot start validator process")?;
    Ok(child)
}

fn write_pids(dir: &Path, pids: &[i32]) -> Result<()> {
    std::fs::write(dir.join(PIDS_FILE), pids.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))?;
    Ok(())
}

/// The error for a validator process that exited, with the end of its log.
fn exited(dir: &Path, name: &str, status: std::process::ExitStatus) -> anyhow::Error {
    let log = std::fs::read_to_string(dir.join(name).join("node.log")).unwrap_or_default();
    let tail: Vec<&str> = log.lines().rev().take(15).collect();
    anyhow::anyhow!("validator {name} exited ({status}); last log lines:\n{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"))
}

fn stop_pids(pids: &[i32]) {
    for &pid in pids {
        unsafe { libc::kill(pid, libc::SIGTERM) };
    }
    let start = Instant::now();
    while pids.iter().any(|p| pid_alive(*p)) && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    for &pid in pids {
        if pid_alive(pid) {
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
}

pub fn up(o: UpOptions) -> Result<()> {
    if o.validators == 0 || o.validators > VALIDATORS_MAX {
        bail!("--validators must be 1..={VALIDATORS_MAX}");
    }
    let running: Vec<i32> = read_pids(&o.dir).into_iter().filter(|p| pid_alive(*p)).collect();
    if !running.is_empty() {
        bail!("a devnet is already running in {} (pids {running:?}); stop it with `vellum devnet down --dir {}`", o.dir.display(), o.dir.display());
    }
    let fresh = !o.dir.join("genesis.toml").exists();
    if fresh {
        for i in 0..o.validators as u16 {
            for port in [o.p2p_port + i, o.api_port + i] {
                if !port_free(port) {
                    bail!("port {port} on 127.0.0.1 is in use; pick others with --p2p-port / --api-port");
                }
            }
        }
        generate(&o)?;
    }
    // Every validator this devnet has: the genesis ones and those added by `devnet join`.
    let n = node_count(&o.dir);
    let mut children = Vec::new();
    for i in 0..n {
        children.push(spawn_node(&o.dir, i)?);
    }
    let pids: Vec<i32> = children.iter().map(|c| c.id() as i32).collect();
    write_pids(&o.dir, &pids)?;
    let client_cfg = ClientConfig::load(&o.dir.join("client.toml"))?;
    let clients: Vec<Client> = client_cfg.api.iter().map(|a| Client::new(a)).collect();

    // Wait until every node answers and the network has finalized a block.
    let start = Instant::now();
    loop {
        for (i, c) in children.iter_mut().enumerate() {
            if let Some(status) = c.try_wait()? {
                stop_pids(&pids);
                return Err(exited(&o.dir, &format!("v{i}"), status));
            }
        }
        let heights: Vec<Option<u64>> = clients.iter().map(|c| c.status().ok().and_then(|s| s["height"].as_u64())).collect();
        if heights.iter().all(|h| matches!(h, Some(h) if *h >= 1)) {
            break;
        }
        if start.elapsed() > Duration::from_secs(90) {
            stop_pids(&pids);
            bail!("devnet did not finalize a block within 90 s (heights {heights:?}); see {}/v*/node.log", o.dir.display());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let status = clients[0].status()?;
    if o.json {
        println!(
            "{}",
            serde_json::json!({
                "dir": o.dir, "validators": n, "api": client_cfg.api, "client_config": o.dir.join("client.toml"),
                "chain_id": status["chain_id"], "genesis_hash": status["genesis_hash"], "height": status["height"], "pids": pids,
            })
        );
    } else {
        println!("devnet up: {n} validators finalizing blocks (height {})", status["height"]);
        println!("  chain id      {}", status["chain_id"].as_str().unwrap_or_default());
        println!("  genesis hash  {}", status["genesis_hash"].as_str().unwrap_or_default());
        for (i, a) in client_cfg.api.iter().enumerate() {
            println!("  v{i} API       {a}    log {}", o.dir.join(format!("v{i}")).join("node.log").display());
        }
        println!("  client config {}", o.dir.join("client.toml").display());
        println!("  account keys  {}", o.dir.join("keys").display());
    }
    if o.detach {
        if !o.json {
            println!("detached; stop with: vellum devnet down --dir {}", o.dir.display());
        }
        return Ok(());
    }
    if !o.json {
        println!("press Ctrl-C to stop the devnet");
    }
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst)).context("cannot install Ctrl-C handler")?;
    }
    let mut last_report = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(200));
        for (i, c) in children.iter_mut().enumerate() {
            if let Some(status) = c.try_wait()? {
                eprintln!("validator v{i} exited ({status}); see {}/v{i}/node.log", o.dir.display());
            }
        }
        if last_report.elapsed() > Duration::from_secs(10) && !o.json {
            if let Ok(s) = clients[0].status() {
                println!("height {}  finalized txs {}  mempool {}", s["height"], s["finalized_txs_total"], s["mempool_txs"]);
            }
            last_report = Instant::now();
        }
    }
    println!("stopping {n} validators…");
    stop_pids(&pids);
    for mut c in children {
        let _ = c.wait();
    }
    let _ = std::fs::remove_file(o.dir.join(PIDS_FILE));
    println!("devnet stopped; state kept in {} (run `devnet up` again to resume)", o.dir.display());
    Ok(())
}

pub fn down(dir: &Path) -> Result<()> {
    let pids = read_pids(dir);
    if pids.is_empty() {
        bail!("no devnet is recorded as running in {}", dir.display());
    }
    let alive: Vec<i32> = pids.into_iter().filter(|p| pid_alive(*p)).collect();
    stop_pids(&alive);
    std::fs::remove_file(dir.join(PIDS_FILE))?;
    println!("stopped {} validator processes", alive.len());
    Ok(())
}

/// Validator directories `v0..v{n-1}` that have a node config.
fn node_count(dir: &Path) -> usize {
    (0..).take_while(|i| dir.join(format!("v{i}")).join("node.toml").exists()).count()
}

/// `vellum devnet join`: creates one more validator (keys, config) next to a running devnet
/// and starts it. It runs as a follower until governance adds its key to the validator set
/// (`vellum gov add-validator`, printed here); it votes from the epoch after that.
pub fn join(dir: &Path, json: bool) -> Result<()> {
    let running: Vec<i32> = read_pids(dir).into_iter().filter(|p| pid_alive(*p)).collect();
    if running.is_empty() {
        bail!("no devnet is running in {}; start it with `vellum devnet up --dir {}`", dir.display(), dir.display());
    }
    let i = node_count(dir);
    if i >= VALIDATORS_MAX {
        bail!("the devnet already has {i} validators (at most {VALIDATORS_MAX})");
    }
    // v0's config as written (relative paths), the template for the new one.
    let first_path = dir.join("v0").join("node.toml");
    let first: NodeConfig = toml::from_str(&std::fs::read_to_string(&first_path)?).with_context(|| format!("cannot parse {}", first_path.display()))?;
    let offset = u16::try_from(i)?;
    let p2p_port = first.p2p_listen.port().checked_add(offset).context("p2p port out of range")?;
    let api_port = first.api_listen.port().checked_add(offset).context("API port out of range")?;
    for port in [p2p_port, api_port] {
        if !port_free(port) {
            bail!("port {port} on 127.0.0.1 is in use; cannot place validator v{i}");
        }
    }
    let name = format!("v{i}");
    let vdir = dir.join(&name);
    std::fs::create_dir_all(&vdir)?;
    let signer = vellum_node::config::private_key_from_seed(keys::random_bytes());
    keys::write_secret(&vdir.join("validator.key"), &key_to_hex(&signer))?;
    let address = format!("127.0.0.1:{p2p_port}");
    let cfg = NodeConfig {
        name: name.clone(),
        p2p_listen: address.parse()?,
        api_listen: format!("127.0.0.1:{api_port}").parse()?,
        // No node account yet: opening one and granting it the `node` role are ledger changes
        // of their own (docs/governance.md); without one it does not record audit reads or
        // misbehaviour.
        audit_key: None,
        peer_api: (0..offset).map(|j| (format!("v{j}"), format!("http://127.0.0.1:{}", first.api_listen.port() + j))).collect(),
        ..first
    };
    std::fs::write(vdir.join("node.toml"), toml::to_string_pretty(&cfg)?)?;
    let mut child = spawn_node(dir, i)?;
    let mut pids = read_pids(dir);
    pids.push(child.id() as i32);
    write_pids(dir, &pids)?;
    // Edited as a table: loading a `ClientConfig` resolves `keys_dir` against the file's
    // folder, and writing that back would pin the devnet to its current path.
    let api = format!("http://{}", cfg.api_listen);
    let client_path = dir.join("client.toml");
    let mut table: toml::Table = std::fs::read_to_string(&client_path)?.parse().context("client.toml is not TOML")?;
    let apis = table.entry("api").or_insert_with(|| toml::Value::Array(Vec::new()));
    let list = apis.as_array_mut().context("client.toml: `api` is not a list")?;
    if !list.iter().any(|a| a.as_str() == Some(api.as_str())) {
        list.push(api.clone().into());
        std::fs::write(&client_path, toml::to_string_pretty(&table)?)?;
    }
    // Wait until it serves its API (it has no peers yet, so no height to wait for).
    let client = Client::new(&api);
    let start = Instant::now();
    while client.status().is_err() {
        if let Some(status) = child.try_wait()? {
            return Err(exited(dir, &name, status));
        }
        if start.elapsed() > Duration::from_secs(30) {
            bail!("validator {name} did not serve its API within 30 s; see {}", vdir.join("node.log").display());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let key = hex::encode(signer.public_key().as_ref());
    let command = format!("vellum gov add-validator --client {} --name {name} --key {key} --address {address}", client_path.display());
    if json {
        println!("{}", serde_json::json!({ "name": name, "consensus_key": key, "address": address, "api": api, "pid": child.id(), "add_command": command }));
    } else {
        println!("validator {name} started as a follower (API {api}, log {})", vdir.join("node.log").display());
        println!("  consensus key {key}");
        println!("it syncs and votes once governance adds it (effective at the next epoch boundary):");
        println!("  {command}");
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum DevnetCommand {
    /// Generate keys, genesis and configs in DIR (first time), start the validators.
    Up {
        #[arg(long, default_value = "devnet")]
        dir: PathBuf,
        #[arg(long, default_value_t = 4)]
        validators: usize,
        /// First p2p port (validator i listens on this + i).
        #[arg(long, default_value_t = 7100)]
        p2p_port: u16,
        /// First API port (validator i serves on this + i).
        #[arg(long, default_value_t = 8100)]
        api_port: u16,
        /// Leave the validators running and return.
        #[arg(long)]
        detach: bool,
        /// Blocks per epoch (new devnets only): validator-set changes take effect at epoch ends.
        #[arg(long, default_value_t = DEVNET_EPOCH_LENGTH_BLOCKS)]
        epoch_length_blocks: u64,
    },
    /// Start one more validator next to a running devnet; it follows the chain until
    /// governance adds it (`vellum gov add-validator`, printed).
    Join {
        #[arg(long, default_value = "devnet")]
        dir: PathBuf,
    },
    /// Stop a detached devnet.
    Down {
        #[arg(long, default_value = "devnet")]
        dir: PathBuf,
    },
}

/// Runs a `vellum devnet` command.
pub fn run(command: DevnetCommand, json: bool) -> Result<()> {
    // A devnet is the insecure-plain-keys mode by definition: a throwaway local network whose
    // validator, node and account keys are plain files (its client config and nodes say so).
    crate::keys::allow_plain();
    match command {
        DevnetCommand::Up { dir, validators, p2p_port, api_port, detach, epoch_length_blocks } => {
            up(UpOptions { dir, validators, p2p_port, api_port, detach, json, epoch_length_blocks })
        }
        DevnetCommand::Join { dir } => join(&dir, json),
        DevnetCommand::Down { dir } => down(&dir),
    }
}

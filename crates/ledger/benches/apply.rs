//! `cargo bench -p vellum-ledger --features testkit`: ledger-side throughput of a block of
//! transfers — what a validator spends re-executing a proposal: batch signature verification
//! plus apply (balances, monitoring windows, payment records, state and log roots). No network,
//! no storage: the bound the ledger puts on finalized transfers per second.

use std::time::Instant;
use vellum_crypto::SecretKey;
use vellum_ledger::testkit::{fixture, key, open, sign, sign_multi};
use vellum_ledger::{LedgerState, build_block, execute_block, genesis_block};
use vellum_types::*;

const SENDERS: usize = 100;
const TXS_PER_SENDER: u64 = 100;

fn block(state: &LedgerState, txs: &[Transaction]) -> LedgerState {
    let signers: Vec<Vec<PublicKey>> = txs.iter().map(|t| vellum_crypto::verify_tx(t).unwrap()).collect();
    let built = build_block(state, state.time_ms + 1, 0, state.height + 1, [0; 32], txs.iter().zip(signers.iter().map(Vec::as_slice)));
    assert!(built.rejected.is_empty(), "{:?}", built.rejected.first());
    built.outcome.state
}

fn main() {
    let f = fixture();
    let mut genesis = f.genesis.clone();
    genesis.params.block_txs_max = 20_000;
    genesis.params.block_bytes_max = 3 * 1024 * 1024;
    let (mut state, _) = genesis_block(&genesis);
    let users: Vec<SecretKey> = (0..SENDERS).map(|i| key("ed25519", 100 + i as u8)).collect();
    let council = f.council_id();
    let issuer = f.issuer.public_key().account_id();
    let mut setup = vec![sign_multi(
        &[&f.council[0], &f.council[1]],
        council,
        "vellum-test",
        0,
        vellum_ledger::testkit::propose(TxBody::CreateToken { symbol: "EUR".into(), decimals: 2, issuer, subledger: None, flags: TokenFlags::default() }),
    )];
    for (n, u) in users.iter().enumerate() {
        setup.push(sign(&f.registrar, "vellum-test", n as u64, open(u)));
    }
    state = block(&state, &setup);
    let mints: Vec<Transaction> = users
        .iter()
        .enumerate()
        .map(|(n, u)| sign(&f.issuer, "vellum-test", n as u64, TxBody::Mint { token: "EUR".into(), to: u.public_key().account_id(), amount: 1_000_000 }))
        .collect();
    state = block(&state, &mints);
    // 10,000 single-leg transfers: 100 senders × 100 nonces, each to the next user.
    let mut txs = Vec::new();
    for nonce in 0..TXS_PER_SENDER {
        for (i, u) in users.iter().enumerate() {
            let to = users[(i + 1) % SENDERS].public_key().account_id();
            let legs = vec![Leg { to, token: "EUR".into(), amount: 1, convert: None }];
            txs.push(sign(u, "vellum-test", nonce, TxBody::Transfer { legs, reference: None }));
        }
    }
    let signers: Vec<Vec<PublicKey>> = txs.iter().map(|t| vellum_crypto::verify_tx(t).unwrap()).collect();
    let built = build_block(&state, state.time_ms + 1, 0, state.height + 1, [0; 32], txs.iter().zip(signers.iter().map(Vec::as_slice)));
    assert_eq!(built.block.txs.len(), txs.len());
    for run in 0..3 {
        let start = Instant::now();
        let outcome = execute_block(&state, &built.block).expect("valid block");
        let elapsed = start.elapsed();
        assert_eq!(outcome.state.state_root(), built.outcome.state.state_root());
        println!(
            "run {run}: execute_block of {} transfers (verify + apply + roots): {:.1} ms = {:.0} transfers/s on one core",
            txs.len(),
            elapsed.as_secs_f64() * 1e3,
            txs.len() as f64 / elapsed.as_secs_f64()
        );
    }
    let start = Instant::now();
    for tx in &txs {
        vellum_crypto::verify_tx(tx).unwrap();
    }
    let single = start.elapsed();
    println!("signature verification alone, one by one: {:.0} tx/s on one core", txs.len() as f64 / single.as_secs_f64());
}

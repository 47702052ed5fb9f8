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

/// Executes the block of `txs` three times on `state`; returns the best rate (transfers/s).
fn measure(label: &str, state: &LedgerState, txs: &[Transaction]) -> f64 {
    let signers: Vec<Vec<PublicKey>> = txs.iter().map(|t| vellum_crypto::verify_tx(t).unwrap()).collect();
    let built = build_block(state, state.time_ms + 1, 0, state.height + 1, [0; 32], txs.iter().zip(signers.iter().map(Vec::as_slice)));
    assert_eq!(built.block.txs.len(), txs.len());
    let held = built.outcome.receipts.iter().filter(|r| r.payment.as_ref().is_some_and(|p| matches!(p.record.outcome, PaymentOutcome::Held { .. }))).count();
    assert_eq!(held, 0, "no transfer may be held: the benchmark measures the checks");
    let mut best = 0f64;
    for run in 0..3 {
        let start = Instant::now();
        let outcome = execute_block(state, &built.block).expect("valid block");
        let elapsed = start.elapsed();
        assert_eq!(outcome.state.state_root(), built.outcome.state.state_root());
        let rate = txs.len() as f64 / elapsed.as_secs_f64();
        best = best.max(rate);
        println!(
            "{label}, run {run}: execute_block of {} transfers (verify + apply + roots): {:.1} ms = {rate:.0} transfers/s on one core",
            txs.len(),
            elapsed.as_secs_f64() * 1e3,
        );
    }
    best
}

/// `state` with monitoring rules on EUR that no transfer of the benchmark hits, a sanctions
/// list of 1,024 commitments, and a screened tier-1 KYC record for every user.
fn watched(f: &vellum_ledger::testkit::Fixture, state: LedgerState, users: &[SecretKey]) -> LedgerState {
    use vellum_types::kyc::{KycTerms, screening_commitment};
    use vellum_types::monitoring::TierLimit;
    use vellum_types::payment::Hash32Text;
    let huge = u128::MAX / 4;
    let rules = MonitoringRules {
        large_amount: huge,
        window_ms: 3_600_000,
        window_amount_max: huge,
        window_count_max: 1_000_000,
        structuring_floor_bps: 9_000,
        structuring_count: 1_000_000,
        hold_timeout_ms: 60_000,
        inflow_amount_max: huge,
        inflow_count_max: 1_000_000,
        distinct_senders_max: 63,
        tier_limits: vec![TierLimit { tier: 1, leg_amount_max: huge, window_amount_max: huge }],
        version: 0,
    };
    let council = |n: u64, action: GovAction| sign_multi(&[&f.council[0], &f.council[1]], f.council_id(), "vellum-test", n, TxBody::Propose { action, deadline_height: 1_000 });
    let mut txs = vec![council(1, GovAction::SetMonitoring { token: "EUR".into(), rules })];
    for batch in 0..4u64 {
        let add = (0..256u64).map(|i| Hash32Text(sha256(&(batch * 256 + i).to_le_bytes()))).collect();
        txs.push(council(2 + batch, GovAction::UpdateSanctions { add, remove: vec![] }));
    }
    for (n, u) in users.iter().enumerate() {
        let terms = KycTerms { tier: 1, expires_ms: 0, screening: Some(screening_commitment(&[9; 32], &(n as u64).to_le_bytes())) };
        txs.push(sign(&f.registrar, "vellum-test", (users.len() + n) as u64, TxBody::SetKyc { account: u.public_key().account_id(), terms }));
    }
    let state = block(&state, &txs);
    assert_eq!(state.sanctions_list().entries, 1_024);
    state
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
    // The same block twice: on a token without monitoring rules (the bound), and with every
    // rule on both sides watching (sliding windows, inflow, distinct senders, a tier limit), a
    // 1,024-entry sanctions list and a screened KYC record for every sender — none hit, so the
    // work is the checks themselves.
    let unwatched = measure("no monitoring rules", &state, &txs);
    let watched = measure("every monitoring rule, sanctions list of 1,024, KYC records", &watched(&f, state, &users), &txs);
    println!("monitoring costs {:.1} % of the unwatched rate (watched / unwatched = {:.3})", (1.0 - watched / unwatched) * 100.0, watched / unwatched);
    let start = Instant::now();
    for tx in &txs {
        vellum_crypto::verify_tx(tx).unwrap();
    }
    let single = start.elapsed();
    println!("signature verification alone, one by one: {:.0} tx/s on one core", txs.len() as f64 / single.as_secs_f64());
}

//! `cargo bench -p vellum-contracts`: contract calls per second on one core — the example
//! counter's `increment` (9 host calls: a storage read and write, an event, the caller…)
//! against the bound measured in the same run, a call of an empty entry point (the fixed cost
//! of checking, compiling and instantiating a module), the same call on a `Runtime` that keeps
//! the compiled module — and the fuel each host function costs,
//! measured as the difference between a module calling it once and one that does not.

use std::collections::BTreeMap;
use std::time::Instant;
use vellum_contracts::{CallContext, Runtime, Storage, call};

struct Map(BTreeMap<Vec<u8>, Vec<u8>>);
/// The ledger side answers at once and accepts every transfer and call (with no effect), so the
/// fuel measured is what the host charges; a nested call's own fuel comes on top.
impl Storage for Map {
    fn read(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.0.get(key).cloned()
    }
    fn balance(&self, _token: &str) -> u128 {
        5
    }
    fn transfer(&mut self, _token: &str, _to: [u8; 32], _amount: u128) -> Result<(), vellum_contracts::Refusal> {
        Ok(())
    }
    fn call(&mut self, _contract: [u8; 32], _function: &str, _input: &[u8], _fuel: u64) -> Result<(Vec<u8>, u64), vellum_contracts::Refusal> {
        Ok((Vec::new(), 0))
    }
}

fn ctx(input: &[u8]) -> CallContext<'_> {
    CallContext { caller: [1; 32], contract: [2; 32], height: 1, time_ms: 1, input, fuel: 1_000_000 }
}

fn per_second(label: &str, code: &[u8], entry: &str, storage: &mut Map, n: u32) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        call(code, entry, ctx(&[]), storage).expect("the call succeeds");
    }
    let rate = f64::from(n) / start.elapsed().as_secs_f64();
    println!("{label:<52} {rate:>10.0} calls/s  ({:.1} µs each)", 1e6 / rate);
    rate
}

fn fuel(body: &str, storage: &mut Map) -> u64 {
    let code = wat::parse_str(format!(
        r#"(module
            (import "vellum_v1" "input_len" (func $input_len (result i32)))
            (import "vellum_v1" "storage_read" (func $storage_read (param i32 i32 i32 i32) (result i32)))
            (import "vellum_v1" "storage_write" (func $storage_write (param i32 i32 i32 i32)))
            (import "vellum_v1" "storage_remove" (func $storage_remove (param i32 i32)))
            (import "vellum_v1" "caller" (func $caller (param i32)))
            (import "vellum_v1" "block_height" (func $block_height (result i64)))
            (import "vellum_v1" "emit" (func $emit (param i32 i32)))
            (import "vellum_v1" "output_write" (func $output_write (param i32 i32)))
            (import "vellum_v1" "balance" (func $balance (param i32 i32 i32)))
            (import "vellum_v1" "transfer" (func $transfer (param i32 i32 i32 i32)))
            (import "vellum_v1" "proof_lookup" (func $proof_lookup (param i32 i32 i32) (result i64)))
            (import "vellum_v1" "call_contract" (func $call_contract (param i32 i32 i32 i32 i32 i64 i32 i32) (result i32)))
            (memory (export "memory") 1 1)
            (data (i32.const 0) "count")
            (func (export "go") {body}))"#
    ))
    .expect("bench module compiles");
    call(&code, "go", ctx(&[]), storage).expect("the call succeeds").fuel_used
}

fn main() {
    let counter = wat::parse_file(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/counter.wat")).unwrap();
    let empty = wat::parse_str(r#"(module (memory (export "memory") 1 1) (func (export "go")))"#).unwrap();
    let mut storage = Map(BTreeMap::from([(b"count".to_vec(), 5u64.to_le_bytes().to_vec())]));
    let bound = per_second("empty entry point (bound: check + compile + instantiate)", &empty, "go", &mut storage, 20_000);
    let counter_rate = per_second("counter.increment (9 host calls)", &counter, "increment", &mut storage, 20_000);
    println!("ratio to the bound: {:.2}", counter_rate / bound);
    let runtime = Runtime::new();
    let start = Instant::now();
    let n = 50_000u32;
    for _ in 0..n {
        runtime.call(&counter, "increment", ctx(&[]), &mut storage).expect("the call succeeds");
    }
    let cached = f64::from(n) / start.elapsed().as_secs_f64();
    println!("{:<52} {cached:>10.0} calls/s  ({:.1} µs each; {:.1}x the uncached call)", "counter.increment, compiled module cached (Runtime)", 1e6 / cached, cached / counter_rate);

    let base = fuel("", &mut storage);
    println!("\nfuel of one host call (over an empty entry point: {base}):");
    for (label, body) in [
        ("input_len", "(drop (call $input_len))"),
        ("block_height", "(drop (call $block_height))"),
        ("caller (32 bytes out)", "(call $caller (i32.const 0))"),
        ("storage_read, 5-byte key, 8-byte value", "(drop (call $storage_read (i32.const 0) (i32.const 5) (i32.const 64) (i32.const 8)))"),
        ("storage_read, absent key", "(drop (call $storage_read (i32.const 0) (i32.const 4) (i32.const 64) (i32.const 8)))"),
        ("storage_write, 5-byte key, 8-byte value", "(call $storage_write (i32.const 0) (i32.const 5) (i32.const 64) (i32.const 8))"),
        ("storage_remove, 5-byte key", "(call $storage_remove (i32.const 0) (i32.const 5))"),
        ("emit, 100 bytes", "(call $emit (i32.const 0) (i32.const 100))"),
        ("output_write, 100 bytes", "(call $output_write (i32.const 0) (i32.const 100))"),
        ("balance, 3-byte symbol (16 bytes out)", "(call $balance (i32.const 0) (i32.const 3) (i32.const 64))"),
        ("transfer, 3-byte symbol (host side)", "(call $transfer (i32.const 0) (i32.const 3) (i32.const 100) (i32.const 200))"),
        ("proof_lookup, absent", "(drop (call $proof_lookup (i32.const 0) (i32.const 32) (i32.const 64)))"),
        ("call_contract, 9-byte name, no input (host side)", "(drop (call $call_contract (i32.const 0) (i32.const 0) (i32.const 9) (i32.const 0) (i32.const 0) (i64.const 1000) (i32.const 64) (i32.const 8)))"),
    ] {
        // The arguments' instructions cost fuel too: measured with the host call replaced by drops.
        let args = body.matches("i32.const").count() as u64;
        println!("  {label:<44} {:>6} (incl. ~{args} for arguments)", fuel(body, &mut storage) - base);
    }
}

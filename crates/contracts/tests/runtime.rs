//! The contract runtime against real modules written in WebAssembly text: the example counter
//! (`examples/counter.wat`), and small hostile modules for each refusal.

use proptest::prelude::*;
use std::collections::BTreeMap;
use vellum_contracts::limits::{CALL_FUEL_MAX, CODE_BYTES_MAX, MEMORY_PAGES_MAX, STORAGE_KEY_BYTES_MAX};
use vellum_contracts::runtime::HostError;
use vellum_contracts::{CallContext, CallError, CheckError, Outcome, Storage, call, check};

/// Contract storage as the ledger would hold it: applied only from successful outcomes.
#[derive(Default, Clone, PartialEq, Eq, Debug)]
struct Map(BTreeMap<Vec<u8>, Vec<u8>>);

impl Storage for Map {
    fn read(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.0.get(key).cloned()
    }
}

impl Map {
    fn apply(&mut self, outcome: &Outcome) {
        for (k, v) in &outcome.writes {
            match v {
                Some(v) => self.0.insert(k.clone(), v.clone()),
                None => self.0.remove(k),
            };
        }
    }
}

fn counter() -> Vec<u8> {
    wat::parse_file(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/counter.wat")).expect("the example contract compiles")
}

fn ctx(caller: u8, input: &[u8], fuel: u64) -> CallContext<'_> {
    CallContext { caller: [caller; 32], contract: [0xC0; 32], height: 7, time_ms: 1_000, input, fuel }
}

fn module(body: &str) -> Vec<u8> {
    wat::parse_str(body).expect("test module compiles")
}

const FUEL: u64 = 1_000_000;

#[test]
fn the_counter_counts_emits_and_keeps_its_owner() {
    let code = counter();
    let report = check(&code).expect("the example passes the checks");
    assert_eq!(report.entry_points, ["increment", "reset"]);
    assert_eq!(report.memory_pages_max, 1);
    let mut map = Map::default();
    let first = call(&code, "increment", ctx(1, &[], FUEL), &mut map).unwrap();
    assert_eq!(first.output, 1u64.to_le_bytes());
    assert_eq!(first.events, [1u64.to_le_bytes().to_vec()]);
    assert_eq!(first.writes.get(b"owner".as_slice()), Some(&Some(vec![1; 32])), "the first caller is the owner");
    map.apply(&first);
    let second = call(&code, "increment", ctx(2, &41u64.to_le_bytes(), FUEL), &mut map).unwrap();
    assert_eq!(second.output, 42u64.to_le_bytes());
    assert!(!second.writes.contains_key(b"owner".as_slice()), "the owner is kept");
    map.apply(&second);
    assert_eq!(call(&code, "reset", ctx(2, &[], FUEL), &mut map), Err(CallError::Aborted(1)), "only the owner resets");
    let reset = call(&code, "reset", ctx(1, &[], FUEL), &mut map).unwrap();
    assert_eq!(reset.writes.get(b"count".as_slice()), Some(&None));
    assert!(first.fuel_used > 0 && first.fuel_used < FUEL);
}

#[test]
fn failures_leave_nothing_behind() {
    let looping = module(
        r#"(module (import "vellum_v1" "storage_write" (func $w (param i32 i32 i32 i32)))
            (memory (export "memory") 1 1)
            (func (export "spin") (call $w (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 1)) (loop $l (br $l))))"#,
    );
    assert_eq!(call(&looping, "spin", ctx(1, &[], 100_000), &mut Map::default()), Err(CallError::FuelExhausted { budget: 100_000 }));
    let trapping = module(
        r#"(module (import "vellum_v1" "storage_write" (func $w (param i32 i32 i32 i32)))
            (memory (export "memory") 1 1)
            (func (export "go") (call $w (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 1)) unreachable))"#,
    );
    assert!(matches!(call(&trapping, "go", ctx(1, &[], FUEL), &mut Map::default()), Err(CallError::Trap(_))));
    let recursing = module(r#"(module (memory (export "memory") 1 1) (func $f (export "deep") (call $f)))"#);
    assert!(matches!(call(&recursing, "deep", ctx(1, &[], CALL_FUEL_MAX), &mut Map::default()), Err(CallError::Trap(_))), "the call stack is bounded");
    let outside = module(
        r#"(module (import "vellum_v1" "emit" (func $e (param i32 i32)))
            (memory (export "memory") 1 1)
            (func (export "go") (call $e (i32.const 65530) (i32.const 100))))"#,
    );
    assert_eq!(call(&outside, "go", ctx(1, &[], FUEL), &mut Map::default()), Err(CallError::Host(HostError::OutOfBounds)));
    let long_key = module(&format!(
        r#"(module (import "vellum_v1" "storage_remove" (func $r (param i32 i32)))
            (memory (export "memory") 1 1)
            (func (export "go") (call $r (i32.const 0) (i32.const {}))))"#,
        STORAGE_KEY_BYTES_MAX + 1
    ));
    assert_eq!(call(&long_key, "go", ctx(1, &[], FUEL), &mut Map::default()), Err(CallError::Host(HostError::KeyTooLarge)));
    let growing = module(
        r#"(module (import "vellum_v1" "abort" (func $a (param i32)))
            (memory (export "memory") 1 16)
            (func (export "go") (if (i32.ge_s (memory.grow (i32.const 16)) (i32.const 0)) (then (call $a (i32.const 9))))))"#,
    );
    assert_eq!(call(&growing, "go", ctx(1, &[], FUEL), &mut Map::default()).map(|o| o.writes.len()), Ok(0), "growing past the limit fails inside Wasm");
    assert_eq!(call(&counter(), "nope", ctx(1, &[], FUEL), &mut Map::default()), Err(CallError::NoEntryPoint("nope".into())));
    assert!(matches!(call(&counter(), "increment", ctx(1, &[], CALL_FUEL_MAX + 1), &mut Map::default()), Err(CallError::FuelOverLimit { .. })));
}

#[test]
fn the_checks_refuse_what_could_diverge_or_escape_the_limits() {
    let refused = |wat: &str| check(&module(wat)).unwrap_err();
    let floats = refused(r#"(module (memory (export "memory") 1 1) (func (export "f") (drop (f32.add (f32.const 1) (f32.const 2)))))"#);
    assert_eq!(floats.code(), "invalid", "{floats}");
    assert_eq!(
        refused(r#"(module (import "env" "clock" (func)) (memory (export "memory") 1 1) (func (export "f")))"#),
        CheckError::UnknownImport { module: "env".into(), name: "clock".into() }
    );
    assert_eq!(
        refused(r#"(module (import "vellum_v1" "emit" (func (param i64))) (memory (export "memory") 1 1) (func (export "f")))"#),
        CheckError::ImportSignature { name: "emit".into() }
    );
    assert!(matches!(refused(r#"(module (memory (export "memory") 1) (func (export "f")))"#), CheckError::MemoryUnbounded { declared: None, .. }));
    let over = format!(r#"(module (memory (export "memory") 1 {}) (func (export "f")))"#, MEMORY_PAGES_MAX + 1);
    assert!(matches!(refused(&over), CheckError::MemoryUnbounded { .. }));
    assert_eq!(refused(r#"(module (func (export "f")))"#), CheckError::NoMemory);
    assert_eq!(refused(r#"(module (memory (export "memory") 1 1) (func $s) (start $s) (func (export "f")))"#), CheckError::StartFunction);
    assert_eq!(refused(r#"(module (memory (export "memory") 1 1) (func (export "f") (param i32)))"#), CheckError::EntrySignature { name: "f".into() });
    assert_eq!(refused(r#"(module (memory (export "memory") 1 1))"#), CheckError::NoEntryPoint);
    assert_eq!(check(&vec![0u8; CODE_BYTES_MAX + 1]), Err(CheckError::TooLarge { bytes: CODE_BYTES_MAX + 1, max: CODE_BYTES_MAX }));
    assert!(matches!(check(b"\0asm\x01\0\0\0\x01\xff\xff"), Err(CheckError::NotWasm(_))));
    assert!(matches!(check(b"not wasm at all"), Err(CheckError::NotWasm(_))));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Any budget either suffices, giving the same outcome as every other sufficient budget,
    /// or fails with `fuel_exhausted` and no outcome at all; and a sequence of calls applied
    /// to two independent stores ends in the same storage with the same fuel spent.
    #[test]
    fn outcomes_depend_only_on_code_input_and_storage(
        amounts in proptest::collection::vec(0u64..1_000, 1..12),
        budget in 0u64..20_000,
    ) {
        let code = counter();
        let reference = call(&code, "increment", ctx(3, &amounts[0].to_le_bytes(), FUEL), &mut Map::default()).unwrap();
        match call(&code, "increment", ctx(3, &amounts[0].to_le_bytes(), budget), &mut Map::default()) {
            Ok(o) => { prop_assert!(budget >= reference.fuel_used); prop_assert_eq!(o, reference); }
            Err(e) => { prop_assert!(budget < reference.fuel_used); prop_assert_eq!(e, CallError::FuelExhausted { budget }); }
        }
        let (mut a, mut b) = (Map::default(), Map::default());
        let (mut fuel_a, mut fuel_b) = (0, 0);
        for (i, amount) in amounts.iter().enumerate() {
            let input = amount.to_le_bytes();
            let oa = call(&code, "increment", ctx(i as u8, &input, FUEL), &mut a).unwrap();
            let ob = call(&code, "increment", ctx(i as u8, &input, FUEL), &mut b).unwrap();
            prop_assert_eq!(&oa, &ob);
            fuel_a += oa.fuel_used;
            fuel_b += ob.fuel_used;
            a.apply(&oa);
            b.apply(&ob);
        }
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(fuel_a, fuel_b);
        prop_assert_eq!(a.read(b"count"), Some(amounts.iter().sum::<u64>().to_le_bytes().to_vec()));
    }
}

/// The fuzz target's seeds (`fuzz/corpus/contract_call`): the example counter and the
/// hostile modules above, each after a first byte 0 (no input). Kept equal to their sources
/// here; `VELLUM_WRITE_CORPUS=1` rewrites them.
#[test]
fn fuzz_seeds_are_the_compiled_examples() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/contract_call");
    let seeds: Vec<(&str, Vec<u8>)> = vec![
        ("counter", counter()),
        ("spin", module(r#"(module (memory (export "memory") 1 1) (func (export "spin") (loop $l (br $l))))"#)),
        ("deep", module(r#"(module (memory (export "memory") 1 1) (func $f (export "deep") (call $f)))"#)),
        (
            "grow",
            module(r#"(module (memory (export "memory") 1 16) (func (export "go") (drop (memory.grow (i32.const 15)))))"#),
        ),
    ];
    for (name, code) in seeds {
        let seed = [&[0u8][..], &code].concat();
        let path = dir.join(name);
        if std::env::var("VELLUM_WRITE_CORPUS").is_ok() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &seed).unwrap();
        }
        assert_eq!(std::fs::read(&path).unwrap_or_default(), seed, "{name}: run with VELLUM_WRITE_CORPUS=1");
    }
}

#[test]
fn a_cached_module_gives_the_same_outcome_and_the_cache_is_bounded() {
    use vellum_contracts::Runtime;
    use vellum_contracts::runtime::MODULE_CACHE_MAX;
    let runtime = Runtime::new();
    let code = counter();
    let mut map = Map::default();
    for caller in 1..=3u8 {
        let cached = runtime.call(&code, "increment", ctx(caller, &[], FUEL), &mut map).unwrap();
        assert_eq!(cached, call(&code, "increment", ctx(caller, &[], FUEL), &mut map).unwrap(), "same outcome and fuel, cached or not");
        map.apply(&cached);
    }
    assert_eq!(runtime.cached_modules(), 1, "compiled once");
    assert!(runtime.call(b"not wasm", "go", ctx(1, &[], FUEL), &mut map).is_err());
    assert_eq!(runtime.cached_modules(), 1, "refused code is not kept");
    for n in 0..MODULE_CACHE_MAX + 5 {
        let code = module(&format!(r#"(module (memory (export "memory") 1 1) (func (export "go") (drop (i32.const {n}))))"#));
        runtime.call(&code, "go", ctx(1, &[], FUEL), &mut map).unwrap();
    }
    assert_eq!(runtime.cached_modules(), MODULE_CACHE_MAX, "the least recently used are dropped");
    assert!(runtime.call(&counter(), "increment", ctx(1, &[], FUEL), &mut map).is_ok(), "a dropped module is compiled again");
}

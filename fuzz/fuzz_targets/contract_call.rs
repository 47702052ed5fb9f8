//! Contract code and call input from the fuzzer: the static checks and the runtime never
//! panic (nor overflow the stack), every refusal is a typed error, a successful call stays
//! within its fuel budget and the call limits, and the same call twice gives the same result.
//! Seeded with the example counter and small modules (`fuzz/corpus/contract_call`).
#![no_main]
use libfuzzer_sys::fuzz_target;
use vellum_contracts::limits::{EVENTS_MAX, STORAGE_WRITES_MAX};
use vellum_contracts::{CallContext, Storage, call, check};

struct Fixed;
impl Storage for Fixed {
    fn read(&self, key: &[u8]) -> Option<Vec<u8>> {
        (key.first() == Some(&b'c')).then(|| 7u64.to_le_bytes().to_vec())
    }
}

const FUEL: u64 = 200_000;

fuzz_target!(|data: &[u8]| {
    // First byte: input length (at most 64); then the input; then the code.
    let Some((&n, rest)) = data.split_first() else { return };
    let n = usize::from(n % 65).min(rest.len());
    let (input, code) = rest.split_at(n);
    let Ok(report) = check(code) else { return };
    for entry in &report.entry_points {
        let ctx = CallContext { caller: [1; 32], contract: [2; 32], height: 9, time_ms: 1_000, input, fuel: FUEL };
        let first = call(code, entry, ctx.clone(), &mut Fixed);
        if let Ok(o) = &first {
            assert!(o.fuel_used <= FUEL);
            assert!(o.writes.len() <= STORAGE_WRITES_MAX && o.events.len() <= EVENTS_MAX);
        }
        assert_eq!(first, call(code, entry, ctx, &mut Fixed), "a call is deterministic");
    }
});

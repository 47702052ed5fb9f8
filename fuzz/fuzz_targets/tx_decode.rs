//! Transaction decoding never panics, and whatever decodes re-encodes to the same bytes
//! (one encoding per transaction).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(tx) = vellum_types::Transaction::from_wire(data) {
        assert_eq!(tx.to_wire(), data, "non-canonical transaction encoding accepted");
    }
});

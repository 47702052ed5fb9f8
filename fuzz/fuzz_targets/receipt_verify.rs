//! Payment receipt parsing and verification never panic on any input; whatever decodes
//! re-encodes to the same bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(receipt) = vellum_evidence::Receipt::decode(data) {
        assert_eq!(receipt.to_bytes(), data, "non-canonical receipt encoding accepted");
        let _ = vellum_evidence::verify_receipt(data, None);
    }
});

//! Log-anchor parsing and verification never panic on any input; whatever decodes re-encodes
//! to the same bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(anchor) = vellum_evidence::LogAnchor::decode(data) {
        assert_eq!(anchor.to_bytes(), data, "non-canonical log anchor encoding accepted");
        let _ = vellum_evidence::verify_log_anchor(data, &anchor.genesis.hash());
    }
});

//! Bundle parsing and verification never panic on any input; whatever decodes re-encodes
//! to the same bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(bundle) = vellum_evidence::decode(data) {
        assert_eq!(bundle.to_bytes(), data, "non-canonical bundle encoding accepted");
        let _ = vellum_evidence::verify_bundle(&bundle, Some(b"document"), None);
    }
});

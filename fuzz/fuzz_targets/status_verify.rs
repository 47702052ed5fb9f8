//! Status-proof parsing and verification never panic on any input; whatever decodes re-encodes
//! to the same bytes (one status proof, one encoding).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(proof) = vellum_evidence::StatusProof::decode(data) {
        assert_eq!(proof.to_bytes(), data, "non-canonical status proof encoding accepted");
        let _ = vellum_evidence::verify_status(data, Some(&proof.genesis.hash()));
    }
});

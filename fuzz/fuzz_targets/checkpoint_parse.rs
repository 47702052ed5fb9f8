//! Checkpoint note parsing never panics; a parsed note prints back to the same text.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vellum_evidence::checkpoint::Checkpoint;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(cp) = Checkpoint::parse(text) {
            assert_eq!(cp.to_note(), text);
            let _ = cp.verify(&[("x".into(), [9u8; 32])], 1);
        }
    }
});

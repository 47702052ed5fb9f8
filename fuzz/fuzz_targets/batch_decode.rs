//! Batch frames (`POST /v1/txs`, validator gossip) never panic on decoding, and whatever
//! decodes re-encodes to the same bytes (one encoding per batch).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(txs) = vellum_types::batch::decode(data) {
        assert!(!txs.is_empty() && txs.len() <= vellum_types::limits::SUBMIT_BATCH_TXS_MAX);
        assert_eq!(vellum_types::batch::encode(&txs), data, "non-canonical batch frame accepted");
    }
});

//! Block decoding never panics, and whatever decodes re-encodes to the same bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(block) = vellum_types::Block::from_wire(data) {
        assert_eq!(block.to_wire(), data, "non-canonical block encoding accepted");
    }
});

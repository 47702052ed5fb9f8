//! A witness's add-checkpoint request parser and decision never panic on any input.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vellum_evidence::witness::{AddCheckpoint, Latest, LogPolicy, add_checkpoint};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(req) = AddCheckpoint::parse(text) else { return };
    let key = vellum_crypto::SecretKey::from_bytes("ed25519", [7; 32]).unwrap();
    let public: [u8; 32] = key.public_key().key_bytes().try_into().unwrap();
    let log = LogPolicy { origin: req.checkpoint.origin.clone(), keys: vec![("log/v0".into(), public)], quorum: 1 };
    let _ = add_checkpoint(&log, &Latest { size: 3, root: [1; 32] }, &req, ("w", &key), 0);
});

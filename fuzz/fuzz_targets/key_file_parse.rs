//! Key-file parsing (keystore, PKCS#11 reference, plain) never panics on hostile text; a plain
//! key prints back to a file that parses to the same key; a cheap keystore opens or refuses
//! cleanly (its KDF cost is bounded before anything is derived).
#![no_main]
use libfuzzer_sys::fuzz_target;
use vellum_keys::KeyFile;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match KeyFile::parse(text) {
        Ok(KeyFile::Plain(key)) => {
            let again = format!("{}:{}", key.scheme(), hex_lower(&key.to_bytes()));
            match KeyFile::parse(&again) {
                Ok(KeyFile::Plain(k)) => assert_eq!(k.public_key(), key.public_key()),
                _ => panic!("a plain key does not parse back"),
            }
        }
        // Only the cheapest KDF settings are run: the limits refuse costly ones before the KDF.
        Ok(KeyFile::Keystore(ks)) if ks.memory_kib <= 8 * 1024 && ks.passes <= 1 && ks.lanes <= 1 => {
            let _ = ks.open("fuzzing password");
        }
        Ok(KeyFile::Token(reference)) => {
            assert!(reference.public_key.len() < text.len() + 1);
        }
        Ok(KeyFile::Keystore(_)) | Err(_) => {}
    }
});

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

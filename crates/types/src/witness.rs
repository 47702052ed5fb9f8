//! The chain's witnesses (c2sp.org/tlog-witness), set by governance: whom the validators push
//! each new checkpoint of the log to, and how many cosignatures make a checkpoint "witnessed"
//! for the evidence the nodes hand out. A verifier brings its own policy; this one only says
//! where the validators go.

use borsh::{BorshDeserialize, BorshSerialize};

/// Most witnesses governance may name.
pub const WITNESSES_MAX: usize = 16;
/// Longest witness name (a C2SP key name: printable, no spaces, no `+`).
pub const WITNESS_NAME_BYTES_MAX: usize = 128;
/// Longest witness URL.
pub const WITNESS_URL_BYTES_MAX: usize = 256;

/// One witness: its key name, Ed25519 public key and the base URL of its `add-checkpoint`.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessEntry {
    pub name: String,
    #[serde(with = "crate::hex_serde::hex32")]
    pub key: [u8; 32],
    pub url: String,
}

/// The witnesses in force and the cosignatures a checkpoint needs to count as witnessed.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessPolicy {
    pub witnesses: Vec<WitnessEntry>,
    pub quorum: u32,
}

impl WitnessPolicy {
    /// Shape rules: 0..=16 witnesses with unique names and keys, valid names and http(s) URLs,
    /// and a quorum of 1..=their number (0 with none: witnessing switched off).
    pub fn check(&self) -> Result<(), String> {
        if self.witnesses.len() > WITNESSES_MAX {
            return Err(format!("at most {WITNESSES_MAX} witnesses"));
        }
        let n = self.witnesses.len() as u32;
        if (n == 0 && self.quorum != 0) || (n > 0 && !(1..=n).contains(&self.quorum)) {
            return Err(format!("the quorum must be 1..={n} ({n} witnesses), or 0 with none"));
        }
        for (i, w) in self.witnesses.iter().enumerate() {
            if !valid_witness_name(&w.name) {
                return Err(format!("witness name `{}` must be 1..={WITNESS_NAME_BYTES_MAX} printable bytes without spaces or `+`", w.name.escape_debug()));
            }
            let url_ok = (w.url.starts_with("http://") || w.url.starts_with("https://"))
                && w.url.len() <= WITNESS_URL_BYTES_MAX
                && !w.url.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control());
            if !url_ok {
                return Err(format!("witness {}: the URL must be http(s)://… of at most {WITNESS_URL_BYTES_MAX} bytes", w.name));
            }
            if self.witnesses[..i].iter().any(|o| o.name == w.name || o.key == w.key) {
                return Err(format!("witness {} is named twice (same name or key)", w.name));
            }
        }
        Ok(())
    }
}

/// A C2SP note key name: printable ASCII without spaces or `+`.
pub fn valid_witness_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= WITNESS_NAME_BYTES_MAX && name.bytes().all(|b| b.is_ascii_graphic() && b != b'+')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, key: u8) -> WitnessEntry {
        WitnessEntry { name: name.into(), key: [key; 32], url: format!("http://127.0.0.1:7300/{name}") }
    }

    #[test]
    fn policies_are_checked() {
        let good = WitnessPolicy { witnesses: vec![entry("w.example/1", 1), entry("w.example/2", 2)], quorum: 2 };
        assert_eq!(good.check(), Ok(()));
        assert_eq!(WitnessPolicy { witnesses: vec![], quorum: 0 }.check(), Ok(()), "none: switched off");
        let bad = [
            WitnessPolicy { quorum: 3, ..good.clone() },
            WitnessPolicy { quorum: 0, ..good.clone() },
            WitnessPolicy { witnesses: vec![], quorum: 1 },
            WitnessPolicy { witnesses: vec![entry("a b", 1)], quorum: 1 },
            WitnessPolicy { witnesses: vec![entry("a+b", 1)], quorum: 1 },
            WitnessPolicy { witnesses: vec![entry("w", 1), entry("w", 2)], quorum: 1 },
            WitnessPolicy { witnesses: vec![entry("w", 1), entry("v", 1)], quorum: 1 },
            WitnessPolicy { witnesses: vec![WitnessEntry { url: "ftp://x".into(), ..entry("w", 1) }], quorum: 1 },
            WitnessPolicy { witnesses: (0..17).map(|i| entry(&format!("w{i}"), i)).collect(), quorum: 1 },
        ];
        for p in bad {
            assert!(p.check().is_err(), "{p:?}");
        }
    }
}

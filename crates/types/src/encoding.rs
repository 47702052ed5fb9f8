//! Canonical bytes: `domain tag ‖ version ‖ borsh(value)`.
//!
//! The domain tag separates the hash and signature spaces of different kinds of object, so a
//! signature over a transaction can never be replayed as a signature over anything else. Tags
//! have the form `VELLUM:<NAME>:` with no `:` inside `<NAME>`, which makes the set of tags
//! prefix-free. Wire encodings (what travels between processes) drop the tag and keep the
//! version byte, so decoders can reject input of a version they do not know.

use borsh::{BorshDeserialize, BorshSerialize};
use thiserror::Error;

/// Version byte of every canonical encoding defined in this crate.
pub const ENCODING_VERSION: u8 = 1;

/// Domain tags. Changing one changes every signature or hash made with it.
pub mod domain {
    /// Bytes a transaction's signers sign.
    pub const TX_SIGN: &[u8] = b"VELLUM:TX-SIGN:";
    /// Transaction id.
    pub const TX_ID: &[u8] = b"VELLUM:TX-ID:";
    /// Leaf data of a transaction in the RFC 6962 log.
    pub const TX_LEAF: &[u8] = b"VELLUM:TX-LEAF:";
    /// Block header hash (the block digest consensus agrees on).
    pub const BLOCK_HEADER: &[u8] = b"VELLUM:BLOCK-HEADER:";
    /// Merkle root over a block's transaction ids.
    pub const BLOCK_TXS: &[u8] = b"VELLUM:BLOCK-TXS:";
    /// Account id derivation from a public key.
    pub const ACCOUNT_ID: &[u8] = b"VELLUM:ACCOUNT-ID:";
    /// Validator-set hash.
    pub const VALIDATOR_SET: &[u8] = b"VELLUM:VALIDATOR-SET:";
    /// Genesis hash (the chain's root of trust).
    pub const GENESIS: &[u8] = b"VELLUM:GENESIS:";
    /// Key of an entry in the authenticated state map.
    pub const STATE_KEY: &[u8] = b"VELLUM:STATE-KEY:";
    /// Value of an entry in the authenticated state map.
    pub const STATE_VALUE: &[u8] = b"VELLUM:STATE-VALUE:";
    /// Salted commitment to an off-ledger identity record (KYC).
    pub const KYC_COMMITMENT: &[u8] = b"VELLUM:KYC-COMMITMENT:";
    /// Proof id of a registration.
    pub const PROOF_ID: &[u8] = b"VELLUM:PROOF-ID:";
    /// Leaf data of an evidence record in the RFC 6962 log.
    pub const EVIDENCE_LEAF: &[u8] = b"VELLUM:EVIDENCE-LEAF:";
    /// Hash of an evidence record kept in its state entry.
    pub const EVIDENCE_RECORD: &[u8] = b"VELLUM:EVIDENCE-RECORD:";
    /// Salted commitment to a document digest.
    pub const SALTED_DIGEST: &[u8] = b"VELLUM:SALTED-DIGEST:";
    /// Hash of the genesis details (full validator entries and accounts).
    pub const GENESIS_DETAILS: &[u8] = b"VELLUM:GENESIS-DETAILS:";
    /// An authenticated API request.
    pub const REQUEST: &[u8] = b"VELLUM:REQUEST:";
    /// Associated data of an encrypted original.
    pub const ORIGINAL: &[u8] = b"VELLUM:ORIGINAL:";
    /// A payment record's log leaf data.
    pub const PAYMENT_RECORD: &[u8] = b"VELLUM:PAYMENT-RECORD:";
    /// Genesis details of a chain with finite epochs in a layout-1 commitment (older chains;
    /// layout 2 states the epoch length in the clear and uses `GENESIS_DETAILS`).
    pub const GENESIS_DETAILS_EPOCHS: &[u8] = b"VELLUM:GENESIS-DETAILS-EPOCHS:";
    /// A contract account's id ([`crate::contract::contract_account_id`]).
    pub const CONTRACT_ID: &[u8] = b"VELLUM:CONTRACT-ID:";
    /// A contract event's log leaf.
    pub const CONTRACT_EVENT: &[u8] = b"VELLUM:CONTRACT-EVENT:";
    /// An e-invoice's id ([`crate::invoice::invoice_id`]).
    pub const INVOICE_ID: &[u8] = b"VELLUM:INVOICE-ID:";
    /// An issued invoice's log leaf ([`crate::invoice::InvoiceRecord`]).
    pub const INVOICE_RECORD: &[u8] = b"VELLUM:INVOICE-RECORD:";
    /// An identity's sanctions-screening commitment ([`crate::kyc::screening_commitment`]).
    pub const SCREENING: &[u8] = b"VELLUM:SCREENING:";
}

/// Why bytes could not be decoded. Decoding never panics and never allocates more than the
/// input's size allows.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DecodeError {
    #[error("input is {actual} bytes, more than the {max} allowed")]
    TooLarge { actual: usize, max: usize },
    #[error("input is empty")]
    Empty,
    #[error("unknown encoding version {0} (this build knows {ENCODING_VERSION})")]
    UnknownVersion(u8),
    #[error("malformed encoding: {0}")]
    Malformed(String),
    #[error("invalid content: {0}")]
    Invalid(String),
}

/// `tag ‖ version ‖ borsh(value)`: the bytes that get hashed or signed.
pub fn canonical<T: BorshSerialize>(tag: &[u8], value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(tag.len() + 1 + 64);
    out.extend_from_slice(tag);
    out.push(ENCODING_VERSION);
    // Writing into a Vec cannot fail.
    value.serialize(&mut out).expect("borsh into Vec is infallible");
    out
}

/// `version ‖ borsh(value)`: the bytes that travel on the wire.
pub fn to_wire<T: BorshSerialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.push(ENCODING_VERSION);
    value.serialize(&mut out).expect("borsh into Vec is infallible");
    out
}

/// Inverse of [`to_wire`]: rejects oversize input, unknown versions and trailing bytes.
pub fn from_wire<T: BorshDeserialize>(bytes: &[u8], bytes_max: usize) -> Result<T, DecodeError> {
    if bytes.len() > bytes_max {
        return Err(DecodeError::TooLarge { actual: bytes.len(), max: bytes_max });
    }
    let (&version, body) = bytes.split_first().ok_or(DecodeError::Empty)?;
    if version != ENCODING_VERSION {
        return Err(DecodeError::UnknownVersion(version));
    }
    // `from_slice` fails on trailing bytes, so each value has exactly one encoding.
    borsh::from_slice(body).map_err(|e| DecodeError::Malformed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_tags_are_prefix_free() {
        let tags = [
            domain::TX_SIGN,
            domain::TX_ID,
            domain::TX_LEAF,
            domain::BLOCK_HEADER,
            domain::BLOCK_TXS,
            domain::ACCOUNT_ID,
            domain::VALIDATOR_SET,
            domain::GENESIS,
            domain::STATE_KEY,
            domain::STATE_VALUE,
            domain::KYC_COMMITMENT,
            domain::PROOF_ID,
            domain::EVIDENCE_LEAF,
            domain::EVIDENCE_RECORD,
            domain::SALTED_DIGEST,
            domain::GENESIS_DETAILS,
            domain::REQUEST,
            domain::ORIGINAL,
            domain::PAYMENT_RECORD,
            domain::CONTRACT_ID,
            domain::CONTRACT_EVENT,
            domain::INVOICE_ID,
            domain::INVOICE_RECORD,
            domain::SCREENING,
        ];
        for (i, a) in tags.iter().enumerate() {
            for (j, b) in tags.iter().enumerate() {
                if i != j {
                    assert!(!b.starts_with(a), "{:?} is a prefix of {:?}", a, b);
                }
            }
        }
    }

    #[test]
    fn wire_rejects_trailing_bytes_versions_and_oversize() {
        let bytes = to_wire(&(7u32, String::from("x")));
        assert_eq!(from_wire::<(u32, String)>(&bytes, 100).unwrap(), (7, "x".into()));
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(matches!(from_wire::<(u32, String)>(&trailing, 100), Err(DecodeError::Malformed(_))));
        let mut versioned = bytes.clone();
        versioned[0] = 9;
        assert_eq!(from_wire::<(u32, String)>(&versioned, 100), Err(DecodeError::UnknownVersion(9)));
        assert!(matches!(from_wire::<(u32, String)>(&bytes, 3), Err(DecodeError::TooLarge { .. })));
        assert_eq!(from_wire::<(u32, String)>(&[], 3), Err(DecodeError::Empty));
    }
}

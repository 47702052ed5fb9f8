//! Hashes and identifiers.

use sha2::{Digest, Sha256};

/// A SHA-256 digest.
pub type Hash32 = [u8; 32];

/// SHA-256 of one byte string.
pub fn sha256(data: &[u8]) -> Hash32 {
    Sha256::digest(data).into()
}

/// SHA-256 of the concatenation of several byte strings (no copying into one buffer).
pub fn sha256_parts(parts: &[&[u8]]) -> Hash32 {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

macro_rules! hash_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, borsh::BorshSerialize, borsh::BorshDeserialize,
        )]
        pub struct $name(pub Hash32);

        impl $name {
            pub fn to_hex(&self) -> String {
                hex::encode(self.0)
            }

            /// Parses 64 hex characters.
            pub fn from_hex(text: &str) -> Result<Self, hex::FromHexError> {
                let mut out = [0u8; 32];
                hex::decode_to_slice(text, &mut out)?;
                Ok(Self(out))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.to_hex())
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({})", stringify!($name), &self.to_hex()[..16])
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_hex())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text: std::borrow::Cow<'de, str> = serde::Deserialize::deserialize(d)?;
                <$name>::from_hex(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use hash_newtype;

hash_newtype!(
    /// An account identifier: derived once from the account's first public key
    /// ([`crate::PublicKey::account_id`]) and kept across key rotations.
    AccountId
);
hash_newtype!(
    /// A transaction identifier: the hash of the signed bytes (not of the signatures, so a
    /// re-encoded signature can never make a second id for the same transaction).
    TxId
);

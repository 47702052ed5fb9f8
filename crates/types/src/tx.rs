//! The transaction envelope: chain id, sender, nonce, expiry height, body, signatures.

use crate::account::{AccountStatus, Role};
use crate::encoding::{DecodeError, canonical, domain, from_wire, to_wire};
use crate::hash::{AccountId, Hash32, TxId, sha256};
use crate::keys::{PublicKey, Signature};
use crate::limits::{CHAIN_ID_BYTES_MAX, LABEL_BYTES_MAX, TX_BYTES_MAX, TX_SIGNATURES_MAX};
use crate::proof::{
    AUDIT_ACTION_BYTES_MAX, AUDIT_BATCH_ENTRIES_MAX, AuditRecord, BATCH_DOCUMENTS_MAX, ProofChange, ProofId, SCHEMA_BYTES_MAX,
};
use borsh::{BorshDeserialize, BorshSerialize};

/// Longest reason text on a status change (recorded with the actor, X.1405 8.4.4).
pub const REASON_BYTES_MAX: usize = 256;

/// What a transaction does. New kinds are appended; existing discriminants never change.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub enum TxBody {
    /// A registrar opens an account for a user whose identity it checked off-ledger. Only a
    /// salted commitment to the identity record is stored (X.1407 9.1.1 b).
    OpenAccount { public_key: PublicKey, kyc_commitment: Hash32, label: String, role: Role },
    /// Compliance freezes or unfreezes an account; a registrar or compliance revokes one.
    SetAccountStatus { account: AccountId, status: AccountStatus, reason: String },
    /// An issuer registers one document's digest (X.1407 7.2.1).
    RegisterProof { digest: Hash32, schema: String, metadata_digest: Hash32, salted: bool },
    /// An issuer registers the RFC 6962 root over `count` document digests at once.
    RegisterBatch { root: Hash32, count: u32, schema: String, metadata_digest: Hash32, salted: bool },
    /// The registrant revokes or supersedes its registration, or one member of a batch.
    SetProofStatus { proof: ProofId, member: Option<u32>, change: ProofChange },
    /// A validator node records the reads of proof data it served (node role only).
    AuditBatch { entries: Vec<AuditRecord> },
}

impl TxBody {
    pub fn kind(&self) -> &'static str {
        match self {
            TxBody::OpenAccount { .. } => "open_account",
            TxBody::SetAccountStatus { .. } => "set_account_status",
            TxBody::RegisterProof { .. } => "register_proof",
            TxBody::RegisterBatch { .. } => "register_batch",
            TxBody::SetProofStatus { .. } => "set_proof_status",
            TxBody::AuditBatch { .. } => "audit_batch",
        }
    }
}

/// Everything the signers sign.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub struct UnsignedTx {
    pub chain_id: String,
    pub sender: AccountId,
    /// Must equal the sender's `next_nonce` when the transaction executes.
    pub nonce: u64,
    /// Last block height at which the transaction may be included.
    pub expiry_height: u64,
    pub body: TxBody,
}

/// A signed transaction as it travels and as it is stored in blocks.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub struct Transaction {
    pub unsigned: UnsignedTx,
    pub signatures: Vec<Signature>,
}

impl UnsignedTx {
    /// `TX-SIGN tag ‖ version ‖ borsh(unsigned)`: the message every signature covers.
    pub fn signing_bytes(&self) -> Vec<u8> {
        canonical(domain::TX_SIGN, self)
    }

    pub fn id(&self) -> TxId {
        TxId(sha256(&canonical(domain::TX_ID, self)))
    }
}

impl Transaction {
    pub fn id(&self) -> TxId {
        self.unsigned.id()
    }

    /// The leaf data this transaction contributes to the RFC 6962 log: the whole envelope,
    /// signatures included, so an inclusion proof also proves who signed.
    pub fn leaf_bytes(&self) -> Vec<u8> {
        canonical(domain::TX_LEAF, self)
    }

    pub fn to_wire(&self) -> Vec<u8> {
        to_wire(self)
    }

    /// Decodes and checks the shape (sizes and counts); signatures are checked by `vellum-crypto`.
    pub fn from_wire(bytes: &[u8]) -> Result<Self, DecodeError> {
        let tx: Transaction = from_wire(bytes, TX_BYTES_MAX)?;
        tx.check_shape()?;
        Ok(tx)
    }

    /// Encoded size on the wire.
    pub fn wire_bytes(&self) -> usize {
        1 + borsh::object_length(self).expect("borsh length is infallible")
    }

    /// Limits a well-formed transaction respects, whatever state it meets.
    pub fn check_shape(&self) -> Result<(), DecodeError> {
        let invalid = |m: String| Err(DecodeError::Invalid(m));
        let u = &self.unsigned;
        if u.chain_id.is_empty() || u.chain_id.len() > CHAIN_ID_BYTES_MAX {
            return invalid(format!("chain id must be 1..={CHAIN_ID_BYTES_MAX} bytes"));
        }
        if self.signatures.is_empty() {
            return invalid("transaction carries no signature".into());
        }
        if self.signatures.len() > TX_SIGNATURES_MAX {
            return invalid(format!("more than {TX_SIGNATURES_MAX} signatures"));
        }
        let size = self.wire_bytes();
        if size > TX_BYTES_MAX {
            return Err(DecodeError::TooLarge { actual: size, max: TX_BYTES_MAX });
        }
        match &u.body {
            TxBody::OpenAccount { label, .. } if label.len() > LABEL_BYTES_MAX => {
                invalid(format!("label longer than {LABEL_BYTES_MAX} bytes"))
            }
            TxBody::SetAccountStatus { reason, .. }
            | TxBody::SetProofStatus { change: ProofChange::Revoke { reason }, .. }
                if reason.len() > REASON_BYTES_MAX =>
            {
                invalid(format!("reason longer than {REASON_BYTES_MAX} bytes"))
            }
            TxBody::RegisterProof { schema, .. } | TxBody::RegisterBatch { schema, .. }
                if schema.is_empty() || schema.len() > SCHEMA_BYTES_MAX =>
            {
                invalid(format!("schema label must be 1..={SCHEMA_BYTES_MAX} bytes"))
            }
            TxBody::RegisterBatch { count, .. } if *count == 0 || *count > BATCH_DOCUMENTS_MAX => {
                invalid(format!("a batch covers 1..={BATCH_DOCUMENTS_MAX} documents"))
            }
            TxBody::AuditBatch { entries }
                if entries.is_empty()
                    || entries.len() > AUDIT_BATCH_ENTRIES_MAX
                    || entries.iter().any(|e| e.action.len() > AUDIT_ACTION_BYTES_MAX) =>
            {
                invalid(format!(
                    "an audit batch holds 1..={AUDIT_BATCH_ENTRIES_MAX} records with actions of at most {AUDIT_ACTION_BYTES_MAX} bytes"
                ))
            }
            _ => Ok(()),
        }
    }
}

/// The salted commitment a registrar stores instead of an identity record:
/// `SHA-256(KYC-COMMITMENT tag ‖ version ‖ borsh((salt, record)))`. The salt (≥ 16 random
/// bytes, kept off-ledger with the record) stops anyone guessing a record from the commitment.
pub fn kyc_commitment(salt: &[u8], identity_record: &[u8]) -> Hash32 {
    sha256(&canonical(domain::KYC_COMMITMENT, &(salt, identity_record)))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> Transaction {
        Transaction {
            unsigned: UnsignedTx {
                chain_id: "vellum-test".into(),
                sender: AccountId([1; 32]),
                nonce: 3,
                expiry_height: 100,
                body: TxBody::OpenAccount {
                    public_key: PublicKey::Ed25519([9; 32]),
                    kyc_commitment: [4; 32],
                    label: "employee".into(),
                    role: Role::User,
                },
            },
            signatures: vec![Signature::Ed25519 { public_key: [9; 32], signature: [5; 64] }],
        }
    }

    #[test]
    fn wire_round_trip_and_id_ignores_signatures() {
        let tx = sample();
        let bytes = tx.to_wire();
        assert_eq!(bytes.len(), tx.wire_bytes());
        assert_eq!(Transaction::from_wire(&bytes).unwrap(), tx);
        let mut other = tx.clone();
        other.signatures[0] = Signature::Ed25519 { public_key: [9; 32], signature: [6; 64] };
        assert_eq!(other.id(), tx.id());
        assert_ne!(other.leaf_bytes(), tx.leaf_bytes());
    }

    #[test]
    fn shape_errors_are_specific() {
        let mut tx = sample();
        tx.signatures.clear();
        assert!(matches!(Transaction::from_wire(&tx.to_wire()), Err(DecodeError::Invalid(m)) if m.contains("no signature")));
        let mut tx = sample();
        tx.unsigned.chain_id = String::new();
        assert!(Transaction::from_wire(&tx.to_wire()).is_err());
        let mut tx = sample();
        if let TxBody::OpenAccount { label, .. } = &mut tx.unsigned.body {
            *label = "x".repeat(LABEL_BYTES_MAX + 1);
        }
        assert!(matches!(Transaction::from_wire(&tx.to_wire()), Err(DecodeError::Invalid(m)) if m.contains("label")));
        let huge = vec![1u8; TX_BYTES_MAX + 1];
        assert!(matches!(Transaction::from_wire(&huge), Err(DecodeError::TooLarge { .. })));
    }

    proptest::proptest! {
        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = Transaction::from_wire(&bytes);
        }

        #[test]
        fn single_bit_flips_never_decode_to_the_same_tx(byte in 0usize..200, bit in 0u8..8) {
            let tx = sample();
            let mut bytes = tx.to_wire();
            let i = byte % bytes.len();
            bytes[i] ^= 1 << bit;
            if let Ok(decoded) = Transaction::from_wire(&bytes) {
                proptest::prop_assert_ne!(decoded, tx);
            }
        }
    }
}

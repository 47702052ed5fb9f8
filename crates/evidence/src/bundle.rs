use borsh::{BorshDeserialize, BorshSerialize};
use vellum_crypto::smt::MapProof;
use vellum_types::{BlockHeader, EvidenceRecord, GenesisCommitment, Hash32, MemberEntry, ProofEntry};

/// First bytes of every bundle file.
pub const BUNDLE_MAGIC: [u8; 8] = *b"VELLUMEV";
pub const BUNDLE_VERSION: u8 = 1;
/// Largest bundle accepted (a bundle is a few KiB; this bounds hostile input).
pub const BUNDLE_BYTES_MAX: usize = 64 * 1024;

/// The consensus namespace validators sign under (node: `VELLUM` ‖ `_CONSENSUS`).
pub const CONSENSUS_NAMESPACE: &[u8] = b"VELLUM_CONSENSUS";
const FINALIZE_SUFFIX: &[u8] = b"_FINALIZE";

/// A finalization certificate in the bundle's own layout. The round (epoch, view) is the
/// header's; the signed message is [`finalize_message`].
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Certificate {
    pub parent_view: u64,
    /// Indices (into the sorted validator keys) of the signers, strictly increasing.
    pub signers: Vec<u32>,
    /// One Ed25519 signature per signer, in the same order.
    pub signatures: Vec<[u8; 64]>,
}

/// For a document registered inside a batch: its place in the batch and its own status.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct MemberEvidence {
    pub index: u32,
    /// The digest registered for this document (salted commitment if the batch is salted).
    pub leaf: Hash32,
    /// RFC 6962 inclusion proof of `leaf` at `index` in the batch tree.
    pub batch_proof: Vec<Hash32>,
    /// The member's own status entry, if its status ever changed.
    pub status: Option<MemberEntry>,
    /// Proof of `status` (or of its absence) in the state map.
    pub status_proof: MapProof,
}

/// What ties the bundle to the document itself: its SHA-256 and, for salted registrations,
/// the salt. Given to whoever holds the document; never on the ledger.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct DocumentOpening {
    pub digest: Hash32,
    pub salt: Option<[u8; 32]>,
}

#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Bundle {
    pub genesis: GenesisCommitment,
    /// A finalized header at or after the registration.
    pub header: BlockHeader,
    pub certificate: Certificate,
    pub record: EvidenceRecord,
    /// Inclusion proof of the record's leaf (at `entry.leaf_index`) in the header's log.
    pub log_proof: Vec<Hash32>,
    /// The registration's state entry at the header, and its proof against the state root.
    pub entry: ProofEntry,
    pub entry_proof: MapProof,
    pub member: Option<MemberEvidence>,
    pub document: Option<DocumentOpening>,
}

impl Bundle {
    /// `magic ‖ version ‖ borsh(bundle)`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(2048);
        out.extend_from_slice(&BUNDLE_MAGIC);
        out.push(BUNDLE_VERSION);
        self.serialize(&mut out).expect("borsh into Vec is infallible");
        out
    }
}

/// LEB128 (Commonware `UInt`): 7 bits per byte, least significant first, high bit = more.
pub fn varint(mut value: u64, out: &mut Vec<u8>) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// The exact bytes each validator signed to finalize `header_hash`:
/// `varint(len(ns)) ‖ ns ‖ varint(epoch) ‖ varint(view) ‖ varint(parent_view) ‖ header_hash`
/// with `ns = "VELLUM_CONSENSUS_FINALIZE"`.
pub fn finalize_message(epoch: u64, view: u64, parent_view: u64, header_hash: &Hash32) -> Vec<u8> {
    let mut ns = CONSENSUS_NAMESPACE.to_vec();
    ns.extend_from_slice(FINALIZE_SUFFIX);
    let mut out = Vec::with_capacity(ns.len() + 64);
    varint(ns.len() as u64, &mut out);
    out.extend_from_slice(&ns);
    varint(epoch, &mut out);
    varint(view, &mut out);
    varint(parent_view, &mut out);
    out.extend_from_slice(header_hash);
    out
}

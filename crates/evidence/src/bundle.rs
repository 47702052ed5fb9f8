use borsh::{BorshDeserialize, BorshSerialize};
use vellum_crypto::smt::MapProof;
use vellum_types::{BlockHeader, EvidenceRecord, GenesisCommitment, Hash32, IssuerAttestation, MemberEntry, ProofEntry};

/// The registrant's attested identity at the header — or the proof that it has none: the
/// entry under `StateKey::IssuerProfile(registrant)` and its map proof.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct IssuerEvidence {
    pub attestation: Option<IssuerAttestation>,
    pub proof: MapProof,
}

/// First bytes of every bundle file.
pub const BUNDLE_MAGIC: [u8; 8] = *b"VELLUMEV";
/// Version 1: anchored in the genesis validator set. Version 2 appends the chain of
/// validator-set changes ([`SetLink`]) the anchor header's set descends from.
pub const BUNDLE_VERSION: u8 = 1;
pub const BUNDLE_VERSION_CHAINED: u8 = 2;
/// Version 3 appends the registrant's issuer identity ([`IssuerEvidence`]) after the chain
/// (which may then be empty). Nodes write version 3; versions 1 and 2 stay readable.
pub const BUNDLE_VERSION_ISSUER: u8 = 3;
/// Version 4 appends the witnessed checkpoint ([`crate::witness::Witnessed`]) after the issuer
/// section. Written only when witnesses cosigned; otherwise the file stays version 3.
pub const BUNDLE_VERSION_WITNESSED: u8 = 4;
/// Largest bundle accepted (a bundle is a few KiB; this bounds hostile input).
pub const BUNDLE_BYTES_MAX: usize = 64 * 1024;

/// The consensus namespace validators sign under (node: `VELLUM` ‖ `_CONSENSUS`).
pub use vellum_types::validators::CONSENSUS_NAMESPACE;

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
    /// The validator-set changes from the genesis set to the one that signed `header` (empty
    /// while the set never changed; then the file is version 1).
    pub validator_chain: Vec<SetLink>,
    /// The registrant's issuer identity (version 3; `None` in version-1 and -2 files).
    pub issuer: Option<IssuerEvidence>,
    /// Witnesses' cosignatures over a checkpoint covering the record (version 4 only).
    pub witnessed: Option<crate::witness::Witnessed>,
}

impl crate::verify::Chained for Bundle {
    fn chain_len(&self) -> usize {
        self.validator_chain.len()
    }

    fn file_bytes(&self) -> Vec<u8> {
        self.to_bytes()
    }
}

/// One validator-set change: the boundary block that installed it, finalized by the set
/// before, and the change record in that block's state.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct SetLink {
    pub header: BlockHeader,
    pub certificate: Certificate,
    pub record: vellum_types::validators::ValidatorSetRecord,
    /// Proof of `record` under `StateKey::ValidatorSetChange(record.seq)` against
    /// `header.state_root`.
    pub record_proof: MapProof,
}

impl Bundle {
    /// `magic ‖ version ‖ borsh(bundle)`. Witnessed: version 4, everything. Else with the
    /// issuer section: version 3 without the witnessed section's `None` byte. Without either
    /// (older bundles): version 2 without both `None` bytes, or version 1 also without the
    /// (empty) chain, so older verifiers read them unchanged. One bundle, one encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let version = match (&self.witnessed, &self.issuer) {
            (Some(_), _) => BUNDLE_VERSION_WITNESSED,
            (None, Some(_)) => BUNDLE_VERSION_ISSUER,
            (None, None) => return framed_with_trailer(&BUNDLE_MAGIC, self, self.validator_chain.is_empty(), 2),
        };
        let mut out = framed_full(&BUNDLE_MAGIC, version, self);
        if version == BUNDLE_VERSION_ISSUER {
            assert_eq!(out.pop(), Some(0), "the absent witnessed section");
        }
        out
    }
}

/// `magic ‖ version ‖ borsh(value)`, every field present (the newest version of a file).
pub(crate) fn framed_full<T: BorshSerialize>(magic: &[u8; 8], version: u8, value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(4096);
    out.extend_from_slice(magic);
    out.push(version);
    value.serialize(&mut out).expect("borsh into Vec is infallible");
    out
}

/// `magic ‖ version ‖ borsh(value)` where the value's last field is a chain of set links:
/// version 1 without it (it must be empty), version 2 with it.
pub(crate) fn framed<T: BorshSerialize>(magic: &[u8; 8], value: &T, unchained: bool) -> Vec<u8> {
    framed_with_trailer(magic, value, unchained, 0)
}

/// [`framed`] for a value whose last `trailer` bytes (after the chain) encode "no extension"
/// and are left out of versions 1 and 2.
pub(crate) fn framed_with_trailer<T: BorshSerialize>(magic: &[u8; 8], value: &T, unchained: bool, trailer: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(2048);
    out.extend_from_slice(magic);
    out.push(if unchained { BUNDLE_VERSION } else { BUNDLE_VERSION_CHAINED });
    value.serialize(&mut out).expect("borsh into Vec is infallible");
    assert!(out[out.len() - trailer..].iter().all(|b| *b == 0), "the extension is absent");
    out.truncate(out.len() - trailer);
    if unchained {
        // Borsh ends the value with the empty chain's length (four zero bytes): drop them.
        let len = out.len();
        assert_eq!(out[len - 4..], [0, 0, 0, 0]);
        out.truncate(len - 4);
    }
    out
}

/// The exact bytes each validator signed to finalize `header_hash`:
/// `varint(len(ns)) ‖ ns ‖ varint(epoch) ‖ varint(view) ‖ varint(parent_view) ‖ header_hash`
/// with `ns = "VELLUM_CONSENSUS_FINALIZE"`.
pub fn finalize_message(epoch: u64, view: u64, parent_view: u64, header_hash: &Hash32) -> Vec<u8> {
    vellum_types::validators::vote_message(vellum_types::validators::VoteKind::Finalize, epoch, view, parent_view, header_hash)
}

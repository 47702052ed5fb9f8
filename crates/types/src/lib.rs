//! Canonical Vellum types and their byte encodings.
//!
//! Everything that is signed, hashed or sent between nodes is defined here, together with its
//! canonical encoding: `domain tag ‖ version ‖ borsh(value)` (see [`encoding`]). This crate does
//! no I/O and knows nothing of JSON, HTTP or consensus; every other crate depends on it.

pub mod account;
pub mod batch;
pub mod block;
pub mod contract;
pub mod encoding;
pub mod genesis;
pub mod governance;
pub mod hash;
pub mod hex_serde;
pub mod invoice;
pub mod issuer;
pub mod keys;
pub mod kyc;
pub mod limits;
pub mod monitoring;
pub mod payment;
pub mod proof;
pub mod request;
pub mod tx;
pub mod validators;
pub mod witness;

pub use account::{Account, AccountStatus, Role};
pub use block::{Block, BlockHeader};
pub use encoding::{DecodeError, ENCODING_VERSION};
pub use genesis::{CommittedEpochs, ConsensusParams, Genesis, GenesisAccount, GenesisCommitment, GenesisValidator};
pub use governance::{Council, GovAction, GovEvent, Module, Proposal, ProposalStatus, RulesDoc};
pub use hash::{AccountId, Hash32, TxId, sha256, sha256_parts};
pub use issuer::{IssuerAttestation, IssuerProfile};
pub use keys::{PublicKey, Signature};
pub use payment::{
    Alert, Balance, Hold, HoldStatus, Leg, MonitoringRules, PaymentOutcome, PaymentRecord, Rate, SettledLeg, Signer, SignerSet,
    Subledger, Token, TokenFlags,
};
pub use proof::{EvidenceRecord, IssuerRevocation, MemberEntry, ProofChange, ProofEntry, ProofId, ProofStatus, Registered, StateKey, StatusChange};
pub use tx::{Transaction, TxBody, UnsignedTx};

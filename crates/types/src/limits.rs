//! Limits on everything, as named constants (TIGER_STYLE: units last in names).
//!
//! Consensus-relevant limits that governance may tune later live in
//! [`crate::ConsensusParams`]; the constants here are hard ceilings those parameters may never
//! exceed, so a decoder can reject oversize input before looking inside it.

/// Largest encoded transaction envelope accepted anywhere.
pub const TX_BYTES_MAX: usize = 16 * 1024;
/// Most transactions one `POST /v1/txs` carries (`docs/wire.md`, "Batch submission"); a
/// validator's gossip messages carry at most as many.
pub const SUBMIT_BATCH_TXS_MAX: usize = 1_024;
/// Largest `POST /v1/txs` body, framing included: a full batch of typical transactions fits
/// many times over, a batch of maximal ones does not (send those in smaller batches).
pub const SUBMIT_BATCH_BYTES_MAX: usize = 4 * 1024 * 1024;
/// Most signatures one envelope may carry (multisig accounts use several).
pub const TX_SIGNATURES_MAX: usize = 16;
/// Longest chain id.
pub const CHAIN_ID_BYTES_MAX: usize = 64;
/// Longest account label set by a registrar (a role label, never personal data).
pub const LABEL_BYTES_MAX: usize = 64;
/// Most keys an account may hold.
pub const ACCOUNT_KEYS_MAX: usize = 16;
/// Hard ceiling on the encoded size of a block (header + transactions).
pub const BLOCK_BYTES_MAX: usize = 4 * 1024 * 1024;
/// Hard ceiling on the number of transactions in one block.
pub const BLOCK_TXS_MAX: usize = 20_000;
/// Most validators a genesis may name.
pub const VALIDATORS_MAX: usize = 128;
/// Most accounts a genesis may name.
pub const GENESIS_ACCOUNTS_MAX: usize = 10_000;
/// Longest validator name or network address string in genesis.
pub const NAME_BYTES_MAX: usize = 128;

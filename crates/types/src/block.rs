//! Blocks and their headers.

use crate::encoding::{DecodeError, canonical, domain, from_wire, to_wire};
use crate::hash::{Hash32, sha256};
use crate::limits::{BLOCK_BYTES_MAX, BLOCK_TXS_MAX};
use crate::tx::Transaction;
use borsh::{BorshDeserialize, BorshSerialize};

/// A block header commits to everything a proof needs: the transactions, the RFC 6962 log over
/// all transactions so far, the authenticated state, and the validator set that signs it.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub struct BlockHeader {
    /// Genesis block has height 0; every other block's height is its parent's plus one.
    pub height: u64,
    /// Hash of the parent's header (all zero for the genesis block).
    pub parent: Hash32,
    /// Consensus epoch and view in which the block was proposed.
    pub epoch: u64,
    pub view: u64,
    /// BFT block time in milliseconds since the Unix epoch: strictly greater than the parent's,
    /// and within the verifiers' clock skew bound when proposed.
    pub time_ms: u64,
    /// Consensus public key (Ed25519) of the proposer; zero for genesis.
    pub proposer: [u8; 32],
    /// RFC 6962 root over this block's transaction ids (in block order).
    pub txs_root: Hash32,
    pub tx_count: u32,
    /// Size and RFC 6962 root of the append-only log of every transaction's leaf bytes, after
    /// this block's transactions.
    pub log_size: u64,
    pub log_root: Hash32,
    /// Root of the authenticated account/registry map after this block.
    pub state_root: Hash32,
    /// Hash of the validator set that finalizes this block.
    pub validator_set_hash: Hash32,
    /// The chain's genesis hash, so every header (and so every certificate) names its chain.
    pub genesis_hash: Hash32,
}

impl BlockHeader {
    /// The block's digest: `SHA-256(BLOCK-HEADER tag ‖ version ‖ borsh(header))`.
    pub fn hash(&self) -> Hash32 {
        sha256(&canonical(domain::BLOCK_HEADER, self))
    }
}

#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub struct Block {
    pub header: BlockHeader,
    pub txs: Vec<Transaction>,
}

impl Block {
    pub fn hash(&self) -> Hash32 {
        self.header.hash()
    }

    pub fn to_wire(&self) -> Vec<u8> {
        to_wire(self)
    }

    /// Decodes a block and checks its shape: every transaction's own limits, the count limit,
    /// and that `tx_count` matches. Roots are checked by the ledger when it executes the block.
    pub fn from_wire(bytes: &[u8]) -> Result<Self, DecodeError> {
        let block: Block = from_wire(bytes, BLOCK_BYTES_MAX)?;
        if block.txs.len() > BLOCK_TXS_MAX {
            return Err(DecodeError::Invalid(format!("more than {BLOCK_TXS_MAX} transactions")));
        }
        if block.txs.len() != block.header.tx_count as usize {
            return Err(DecodeError::Invalid("tx_count does not match the transactions".into()));
        }
        for tx in &block.txs {
            tx.check_shape()?;
        }
        Ok(block)
    }
}

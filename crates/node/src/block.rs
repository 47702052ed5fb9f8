//! The block as Commonware sees it: a [`vellum_types::Block`] with its canonical wire bytes
//! and digest computed once.

use bytes::Bytes;
use bytes::BufMut;
use commonware_codec::{Buf, EncodeSize, Error as CodecError, RangeCfg, Read, Write};
use commonware_consensus::types::Height;
use commonware_consensus::{Block as CwBlock, BoundedBlock, Heightable};
use commonware_cryptography::Digestible;
use commonware_cryptography::sha256::Digest;
use std::sync::Arc;
use vellum_types::Block;
use vellum_types::limits::BLOCK_BYTES_MAX;

/// Varint length prefix of the wire bytes: at most 5 bytes for a u32-sized length.
const LENGTH_PREFIX_BYTES_MAX: usize = 5;

#[derive(Clone, Debug)]
pub struct ChainBlock {
    inner: Arc<Block>,
    wire: Bytes,
    digest: Digest,
}

impl ChainBlock {
    pub fn new(block: Block) -> Self {
        let wire = Bytes::from(block.to_wire());
        let digest = Digest(block.hash());
        Self { inner: Arc::new(block), wire, digest }
    }

    pub fn block(&self) -> &Block {
        &self.inner
    }

    pub fn wire_bytes(&self) -> usize {
        self.wire.len()
    }
}

impl PartialEq for ChainBlock {
    fn eq(&self, other: &Self) -> bool {
        self.digest == other.digest
    }
}
impl Eq for ChainBlock {}

impl Write for ChainBlock {
    fn write(&self, buf: &mut impl BufMut) {
        self.wire.write(buf);
    }
}

impl EncodeSize for ChainBlock {
    fn encode_size(&self) -> usize {
        self.wire.encode_size()
    }
}

impl Read for ChainBlock {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, CodecError> {
        let wire = Bytes::read_cfg(buf, &RangeCfg::from(..=BLOCK_BYTES_MAX))?;
        // The wire form is canonical (borsh, no trailing bytes), so re-encoding gives the same
        // bytes and the digest is a function of what was received.
        let block = Block::from_wire(&wire).map_err(|_| CodecError::Invalid("vellum block", "malformed"))?;
        let digest = Digest(block.hash());
        Ok(Self { inner: Arc::new(block), wire, digest })
    }
}

impl Digestible for ChainBlock {
    type Digest = Digest;
    fn digest(&self) -> Digest {
        self.digest
    }
}

impl Heightable for ChainBlock {
    fn height(&self) -> Height {
        Height::new(self.inner.header.height)
    }
}

impl CwBlock for ChainBlock {
    fn parent(&self) -> Digest {
        Digest(self.inner.header.parent)
    }
}

impl BoundedBlock for ChainBlock {
    fn max_encode_size(_: &()) -> usize {
        BLOCK_BYTES_MAX + LENGTH_PREFIX_BYTES_MAX
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use commonware_codec::{Decode, Encode};
    use vellum_ledger::testkit::fixture;

    #[test]
    fn codec_round_trip_and_rejection() {
        let (_, genesis) = vellum_ledger::genesis_block(&fixture().genesis);
        let block = ChainBlock::new(genesis);
        let bytes = block.encode();
        let decoded = ChainBlock::decode_cfg(bytes.clone(), &()).unwrap();
        assert_eq!(decoded.digest(), block.digest());
        assert_eq!(decoded.block(), block.block());
        let mut corrupted = bytes.to_vec();
        let last = corrupted.len() - 1;
        corrupted[last] ^= 0xff;
        corrupted.push(0);
        assert!(ChainBlock::decode_cfg(Bytes::from(corrupted), &()).is_err());
    }
}

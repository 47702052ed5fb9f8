//! Framing of transaction batches: the body of `POST /v1/txs` (`docs/wire-format.md`, "Batch
//! submission") and a validator's gossip messages. The frame is borsh's `Vec<Vec<u8>>` —
//! `u32` LE count, then per transaction a `u32` LE length and its wire bytes — so any borsh
//! library writes it; the frame is transport only, never signed or hashed.
//!
//! Decoding borrows from the input (no copy), refuses an empty batch, more than
//! [`SUBMIT_BATCH_TXS_MAX`] transactions, one over [`TX_BYTES_MAX`], a frame over
//! [`SUBMIT_BATCH_BYTES_MAX`], lengths past the end and trailing bytes. Each transaction's
//! own bytes are decoded later, one by one, so one bad transaction never spoils the others.

use crate::DecodeError;
use crate::limits::{SUBMIT_BATCH_BYTES_MAX, SUBMIT_BATCH_TXS_MAX, TX_BYTES_MAX};

/// Frames transactions' wire bytes as one batch.
pub fn encode(txs: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + txs.iter().map(|t| 4 + t.len()).sum::<usize>());
    out.extend_from_slice(&(txs.len() as u32).to_le_bytes());
    for tx in txs {
        out.extend_from_slice(&(tx.len() as u32).to_le_bytes());
        out.extend_from_slice(tx);
    }
    out
}

/// Splits transactions of the given wire sizes, in order, into consecutive runs that each fit
/// one frame (at most [`SUBMIT_BATCH_TXS_MAX`] transactions and [`SUBMIT_BATCH_BYTES_MAX`]
/// bytes framed). Every size must be at most [`TX_BYTES_MAX`].
pub fn runs(sizes: &[usize]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let (mut start, mut framed) = (0, 4);
    for (i, size) in sizes.iter().enumerate() {
        assert!(*size <= TX_BYTES_MAX, "a transaction of {size} bytes cannot be framed");
        if i > start && (i - start == SUBMIT_BATCH_TXS_MAX || framed + 4 + size > SUBMIT_BATCH_BYTES_MAX) {
            out.push(start..i);
            (start, framed) = (i, 4);
        }
        framed += 4 + size;
    }
    if start < sizes.len() {
        out.push(start..sizes.len());
    }
    out
}

/// The transactions' wire bytes in a batch frame, in order.
pub fn decode(bytes: &[u8]) -> Result<Vec<&[u8]>, DecodeError> {
    if bytes.len() > SUBMIT_BATCH_BYTES_MAX {
        return Err(DecodeError::TooLarge { actual: bytes.len(), max: SUBMIT_BATCH_BYTES_MAX });
    }
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    let (count, mut rest) = take_u32(bytes).ok_or_else(|| DecodeError::Malformed("the transaction count is cut short".into()))?;
    if count == 0 {
        return Err(DecodeError::Invalid("a batch carries at least one transaction".into()));
    }
    if count as usize > SUBMIT_BATCH_TXS_MAX {
        return Err(DecodeError::Invalid(format!("{count} transactions in one batch; at most {SUBMIT_BATCH_TXS_MAX}")));
    }
    let mut txs = Vec::with_capacity(count as usize);
    for index in 0..count {
        let (len, after) = take_u32(rest).ok_or_else(|| DecodeError::Malformed(format!("transaction {index}: length cut short")))?;
        let len = len as usize;
        if len > TX_BYTES_MAX {
            return Err(DecodeError::Invalid(format!("transaction {index} is {len} bytes; at most {TX_BYTES_MAX}")));
        }
        if len > after.len() {
            return Err(DecodeError::Malformed(format!("transaction {index}: {len} bytes announced, {} left", after.len())));
        }
        let (tx, after) = after.split_at(len);
        txs.push(tx);
        rest = after;
    }
    if !rest.is_empty() {
        return Err(DecodeError::Malformed(format!("{} bytes after the last transaction", rest.len())));
    }
    Ok(txs)
}

fn take_u32(bytes: &[u8]) -> Option<(u32, &[u8])> {
    let (head, rest) = bytes.split_first_chunk::<4>()?;
    Some((u32::from_le_bytes(*head), rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_equals_borsh() {
        let txs: Vec<Vec<u8>> = vec![vec![1, 2, 3], vec![], vec![9; 300]];
        let refs: Vec<&[u8]> = txs.iter().map(Vec::as_slice).collect();
        let framed = encode(&refs);
        assert_eq!(framed, borsh::to_vec(&txs).unwrap(), "the frame is borsh Vec<Vec<u8>>");
        assert_eq!(decode(&framed).unwrap(), refs);
    }

    #[test]
    fn runs_fit_one_frame_each() {
        assert!(runs(&[]).is_empty());
        assert_eq!(runs(&[10; 2_500]), vec![0..1_024, 1_024..2_048, 2_048..2_500]);
        // 16 KiB transactions: 255 fit in 4 MiB with their framing, the 256th does not.
        let big = runs(&[TX_BYTES_MAX; 600]);
        assert_eq!(big, vec![0..255, 255..510, 510..600]);
        let frame = encode(&vec![&[0u8; TX_BYTES_MAX][..]; 255]);
        assert!(frame.len() <= SUBMIT_BATCH_BYTES_MAX && frame.len() + 4 + TX_BYTES_MAX > SUBMIT_BATCH_BYTES_MAX);
    }

    #[test]
    fn hostile_frames_get_clear_errors() {
        let one = encode(&[&[1u8, 2][..]]);
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (vec![], "empty"),
            (vec![1, 0], "count is cut short"),
            (encode(&[]), "at least one"),
            ((SUBMIT_BATCH_TXS_MAX as u32 + 1).to_le_bytes().to_vec(), "at most"),
            ([&1u32.to_le_bytes()[..], &u32::MAX.to_le_bytes()[..]].concat(), "at most"),
            ([&1u32.to_le_bytes()[..], &5u32.to_le_bytes()[..], &[0u8; 4][..]].concat(), "announced"),
            ([&2u32.to_le_bytes()[..], &0u32.to_le_bytes()[..]].concat(), "cut short"),
            ([&one[..], &[0u8][..]].concat(), "after the last"),
            (vec![0u8; SUBMIT_BATCH_BYTES_MAX + 1], "more than"),
        ];
        for (bytes, expected) in cases {
            let e = decode(&bytes).unwrap_err().to_string();
            assert!(e.contains(expected), "{e} should say {expected}");
        }
    }
}

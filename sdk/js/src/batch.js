// The batch frame: the body of `POST /v1/txs` (docs/wire-format.md §12.4). borsh's
// `Vec<Vec<u8>>` — u32 LE count n (1..=1,024), then per transaction u32 LE length (at most
// 16,384) ‖ that transaction's wire bytes, nothing after the last; at most 4 MiB in all.
// Transport only, never signed or hashed (a port of crates/types/src/batch.rs). Decoding is
// strict: every hostile frame is a DecodeError saying what is wrong; each transaction's own
// bytes are not decoded here (a node decodes them one by one).

import { DecodeError, EncodeError } from "./errors.js";
import { isBytes } from "./bytes.js";
import { TX_BYTES_MAX } from "./tx.js";

/** Most transactions one `POST /v1/txs` carries. */
export const SUBMIT_BATCH_TXS_MAX = 1024;
/** Largest `POST /v1/txs` body, framing included (4 MiB). */
export const SUBMIT_BATCH_BYTES_MAX = 4 * 1024 * 1024;
/** Frame bytes before the transactions (the count) and before each one (its length). */
const COUNT_BYTES = 4;
const LENGTH_BYTES = 4;

/** The bytes of a frame carrying transactions of these wire sizes. */
export const batchFrameSize = (sizes) => sizes.reduce((sum, s) => sum + LENGTH_BYTES + s, COUNT_BYTES);

/**
 * Frames transactions' wire bytes (`encodeTransaction`), in order, as one batch. Throws an
 * EncodeError (path `batch`, or `batch[i]` for one transaction) for an empty batch, more than
 * SUBMIT_BATCH_TXS_MAX transactions, one that is not bytes or is over TX_BYTES_MAX, or a frame
 * over SUBMIT_BATCH_BYTES_MAX.
 */
export function encodeBatchFrame(wires) {
  if (!Array.isArray(wires)) throw new EncodeError("batch", "expected an array of transactions' wire bytes");
  if (wires.length === 0) throw new EncodeError("batch", "a batch carries at least one transaction");
  if (wires.length > SUBMIT_BATCH_TXS_MAX) throw new EncodeError("batch", `${wires.length} transactions in one batch; at most ${SUBMIT_BATCH_TXS_MAX}`);
  wires.forEach((w, i) => {
    if (!isBytes(w)) throw new EncodeError(`batch[${i}]`, "expected a Uint8Array of wire bytes");
    if (w.length > TX_BYTES_MAX) throw new EncodeError(`batch[${i}]`, `transaction ${i} is ${w.length} bytes; at most ${TX_BYTES_MAX}`);
  });
  const size = batchFrameSize(wires.map((w) => w.length));
  if (size > SUBMIT_BATCH_BYTES_MAX) throw new EncodeError("batch", `the frame is ${size} bytes, more than the ${SUBMIT_BATCH_BYTES_MAX} allowed`);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, wires.length, true);
  let at = COUNT_BYTES;
  for (const w of wires) {
    view.setUint32(at, w.length, true);
    out.set(w, at + LENGTH_BYTES);
    at += LENGTH_BYTES + w.length;
  }
  return out;
}

/**
 * The transactions' wire bytes in a batch frame, in order (what a validator reads). Throws a
 * DecodeError: `too_large` (a frame over 4 MiB), `empty`, `invalid` (a count of 0 or over 1,024,
 * a length over 16,384), `malformed` (the count or a length cut short, a length past the end,
 * bytes after the last transaction).
 */
export function decodeBatchFrame(bytes) {
  if (!isBytes(bytes)) throw new DecodeError("malformed", "expected a Uint8Array");
  if (bytes.length > SUBMIT_BATCH_BYTES_MAX) throw new DecodeError("too_large", `input is ${bytes.length} bytes, more than the ${SUBMIT_BATCH_BYTES_MAX} allowed`);
  if (bytes.length === 0) throw new DecodeError("empty", "input is empty");
  if (bytes.length < COUNT_BYTES) throw new DecodeError("malformed", "the transaction count is cut short");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(0, true);
  if (count === 0) throw new DecodeError("invalid", "a batch carries at least one transaction");
  if (count > SUBMIT_BATCH_TXS_MAX) throw new DecodeError("invalid", `${count} transactions in one batch; at most ${SUBMIT_BATCH_TXS_MAX}`);
  const txs = [];
  let at = COUNT_BYTES;
  for (let index = 0; index < count; index++) {
    if (bytes.length - at < LENGTH_BYTES) throw new DecodeError("malformed", `transaction ${index}: length cut short`);
    const length = view.getUint32(at, true);
    at += LENGTH_BYTES;
    if (length > TX_BYTES_MAX) throw new DecodeError("invalid", `transaction ${index} is ${length} bytes; at most ${TX_BYTES_MAX}`);
    if (length > bytes.length - at) throw new DecodeError("malformed", `transaction ${index}: ${length} bytes announced, ${bytes.length - at} left`);
    txs.push(bytes.slice(at, at + length));
    at += length;
  }
  if (at !== bytes.length) throw new DecodeError("malformed", `${bytes.length - at} bytes after the last transaction`);
  return txs;
}

/**
 * Positions of transactions of these wire sizes, in order, grouped into the fewest consecutive
 * frames of at most SUBMIT_BATCH_TXS_MAX transactions and SUBMIT_BATCH_BYTES_MAX bytes each.
 */
export function splitIntoFrames(sizes) {
  const frames = [];
  let current = [];
  let size = COUNT_BYTES;
  sizes.forEach((s, i) => {
    if (current.length > 0 && (current.length === SUBMIT_BATCH_TXS_MAX || size + LENGTH_BYTES + s > SUBMIT_BATCH_BYTES_MAX)) {
      frames.push(current);
      current = [];
      size = COUNT_BYTES;
    }
    current.push(i);
    size += LENGTH_BYTES + s;
  });
  if (current.length > 0) frames.push(current);
  return frames;
}

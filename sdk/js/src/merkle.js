// RFC 6962 / RFC 9162 Merkle trees (leaf `H(0x00 ‖ d)`, node `H(0x01 ‖ l ‖ r)`; inclusion and
// consistency proofs) and the authenticated state map's proofs (a sparse Merkle tree over
// 256-bit keys), as in crates/crypto/src/merkle.rs and smt.rs.

import { sha256 } from "@noble/hashes/sha2.js";
import { concat, equal } from "./bytes.js";

/** Largest tree a proof may describe; bounds every loop below. */
export const LOG_SIZE_MAX = 1n << 48n;
/** Longest inclusion proof for a tree of at most LOG_SIZE_MAX leaves. */
export const PROOF_HASHES_MAX = 96;
/** A state-map proof has at most one sibling per key bit. */
export const MAP_PROOF_DEPTH_MAX = 256;

const ZERO = Uint8Array.of(0);
const ONE = Uint8Array.of(1);
export const leafHash = (data) => sha256(concat(ZERO, data));
export const nodeHash = (left, right) => sha256(concat(ONE, left, right));

/** Largest power of two strictly below n (n ≥ 2): where RFC 6962 splits a tree. */
const splitPoint = (n) => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};

/** MTH over leaf hashes. */
export function merkleRoot(leafHashes) {
  if (leafHashes.length === 0) return sha256(new Uint8Array(0));
  if (leafHashes.length === 1) return leafHashes[0];
  const k = splitPoint(leafHashes.length);
  return nodeHash(merkleRoot(leafHashes.slice(0, k)), merkleRoot(leafHashes.slice(k)));
}

/** The audit path of leaf `index`, leaf to root. */
export function inclusionProof(index, leafHashes) {
  const n = leafHashes.length;
  if (index < 0 || index >= n) throw new RangeError(`leaf index ${index} is not below ${n}`);
  if (n === 1) return [];
  const k = splitPoint(n);
  return index < k
    ? [...inclusionProof(index, leafHashes.slice(0, k)), merkleRoot(leafHashes.slice(k))]
    : [...inclusionProof(index - k, leafHashes.slice(k)), merkleRoot(leafHashes.slice(0, k))];
}

/**
 * RFC 9162 §2.1.3.2: whether `leaf` is at `index` in the tree of `size` leaves with `root`.
 * Returns null when it is, else why not.
 */
export function inclusionError(index, size, leaf, proof, root) {
  [index, size] = [BigInt(index), BigInt(size)];
  if (size > LOG_SIZE_MAX) return `tree size ${size} exceeds the supported maximum`;
  if (index >= size) return `leaf index ${index} is not below tree size ${size}`;
  if (proof.length > PROOF_HASHES_MAX) return "proof has the wrong number of hashes";
  let fn = index;
  let sn = size - 1n;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) return "proof has the wrong number of hashes";
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) return "proof has the wrong number of hashes";
  if (!equal(r, root)) return "recomputed root does not match";
  return null;
}

/**
 * An RFC 9162 §2.1.4.1 consistency proof that the first `oldSize` leaves are a prefix of the
 * tree over `leafHashes` (1 ≤ oldSize ≤ leafHashes.length; empty when both sizes are equal).
 */
export function consistencyProof(oldSize, leafHashes) {
  if (!(oldSize >= 1 && oldSize <= leafHashes.length)) throw new RangeError(`old size ${oldSize} is not between 1 and ${leafHashes.length}`);
  const subproof = (m, leaves, whole) => {
    const n = leaves.length;
    if (m === n) return whole ? [] : [merkleRoot(leaves)];
    const k = splitPoint(n);
    return m <= k
      ? [...subproof(m, leaves.slice(0, k), whole), merkleRoot(leaves.slice(k))]
      : [...subproof(m - k, leaves.slice(k), false), merkleRoot(leaves.slice(0, k))];
  };
  return subproof(oldSize, leafHashes, true);
}

/**
 * RFC 9162 §2.1.4.2: whether the tree (`oldSize`, `oldRoot`) is a prefix of (`newSize`,
 * `newRoot`) by `proof`. Returns null when it is, else why not (as crates/crypto/src/merkle.rs
 * `verify_consistency`: equal sizes need an empty proof and equal roots).
 */
export function consistencyError(oldSize, newSize, oldRoot, newRoot, proof) {
  [oldSize, newSize] = [BigInt(oldSize), BigInt(newSize)];
  if (newSize > LOG_SIZE_MAX) return `tree size ${newSize} exceeds the supported maximum`;
  if (oldSize === 0n || oldSize > newSize) return `old size ${oldSize} must be between 1 and new size ${newSize}`;
  if (oldSize === newSize) {
    if (proof.length !== 0) return "proof has the wrong number of hashes";
    return equal(oldRoot, newRoot) ? null : "recomputed root does not match";
  }
  if (proof.length === 0 || proof.length > PROOF_HASHES_MAX) return "proof has the wrong number of hashes";
  // When the old size is a power of two, the old root itself starts the path.
  const path = (oldSize & (oldSize - 1n)) === 0n ? [oldRoot, ...proof] : [...proof];
  let fn = oldSize - 1n;
  let sn = newSize - 1n;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) return "proof has the wrong number of hashes";
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) return "proof has the wrong number of hashes";
  if (!equal(fr, oldRoot) || !equal(sr, newRoot)) return "recomputed root does not match";
  return null;
}

const bit = (key, depth) => (key[depth >> 3] >> (7 - (depth & 7))) & 1;

/**
 * Checks a state-map proof `{ siblings, terminal }` for `key` against `root`: returns
 * `{ present: true, valueHash }`, `{ present: false }`, or throws an Error saying why the proof
 * does not match.
 */
export function verifyMapProof(proof, root, key) {
  const { siblings, terminal } = proof;
  if (siblings.length > MAP_PROOF_DEPTH_MAX) throw new Error("proof longer than 256 levels");
  let h = new Uint8Array(32);
  if (terminal) {
    const [k, vh] = terminal;
    // A leaf of another key may end the path only if it shares the path so far.
    if (!equal(k, key)) {
      for (let d = 0; d < siblings.length; d++) if (bit(k, d) !== bit(key, d)) throw new Error("terminal leaf is not on the key's path");
    }
    h = sha256(concat(ZERO, k, vh));
  }
  for (let d = siblings.length - 1; d >= 0; d--) h = bit(key, d) ? nodeHash(siblings[d], h) : nodeHash(h, siblings[d]);
  if (!equal(h, root)) throw new Error("recomputed root does not match");
  return terminal && equal(terminal[0], key) ? { present: true, valueHash: terminal[1] } : { present: false };
}

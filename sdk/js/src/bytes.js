// Byte helpers: hex, UTF-8, concatenation, comparison, randomness. Browser-safe (no Node
// built-ins): randomness comes from `crypto.getRandomValues`.

import { EncodeError } from "./errors.js";

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Lowercase hex of bytes. */
export function toHex(bytes) {
  let out = "";
  for (const b of bytes) out += HEX[b];
  return out;
}

/**
 * Bytes of a hex string (either case). `length`, when given, is the exact byte count
 * expected; `what` names the value in the error.
 */
export function fromHex(text, length = null, what = "hex") {
  if (typeof text !== "string" || text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) {
    throw new EncodeError(what, "expected an even number of hex digits");
  }
  if (length !== null && text.length !== 2 * length) {
    throw new EncodeError(what, `expected ${2 * length} hex digits, got ${text.length}`);
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(2 * i, 2), 16);
  return out;
}

const encoder = new TextEncoder();
// `ignoreBOM`: a leading EF BB BF is content (U+FEFF), as in Rust's `String`; the default
// decoder drops it, so the value would differ and re-encode to other bytes (another tx id).
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export const utf8 = (text) => encoder.encode(text);
/**
 * Decodes UTF-8, throwing on invalid sequences (borsh `String` must be valid UTF-8) and
 * keeping a leading U+FEFF (byte order mark) as a character.
 */
export const fromUtf8 = (bytes) => strictDecoder.decode(bytes);

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) {
    out.set(p, i);
    i += p.length;
  }
  return out;
}

export function equal(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** Bytewise (lexicographic) order, as Rust orders `[u8; N]`. */
export function compare(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

export function randomBytes(n) {
  const out = new Uint8Array(n);
  globalThis.crypto.getRandomValues(out);
  return out;
}

export const isBytes = (v) => v instanceof Uint8Array;

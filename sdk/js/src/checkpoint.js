// Checkpoints of the chain's RFC 6962 log in the C2SP signed-note format
// (c2sp.org/tlog-checkpoint, c2sp.org/signed-note), with the validators' signature lines and the
// witnesses' cosignature lines (c2sp.org/tlog-cosignature, `cosignature/v1`), as
// crates/evidence/src/checkpoint.rs reads and writes them (docs/evidence-format.md §7a, §10):
//
//   <origin = chain id>
//   <tree size, decimal>
//   <root hash, base64>
//
//   — <key name> <base64(key id[4] ‖ Ed25519 signature[64])>                 a validator
//   — <witness name> <base64(key id[4] ‖ timestamp[8, BE] ‖ signature[64])>  a witness
//
// A validator signs the three text lines (key id = SHA-256(name ‖ "\n" ‖ 0x01 ‖ key)[..4]); a
// witness signs "cosignature/v1\ntime <timestamp>\n" ‖ those lines (type byte 0x04).

import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { NoteError } from "./errors.js";
import { concat, equal, utf8 } from "./bytes.js";

/** Largest note read, and most signature lines in one. */
export const NOTE_BYTES_MAX = 16 * 1024;
export const NOTE_SIGNATURES_MAX = 128;
const EM_DASH = "\u2014";
const U64_MAX = (1n << 64n) - 1n;

// ---- base64 (RFC 4648 §4, padded), strict as Rust's STANDARD engine ----

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Standard base64 with padding. */
export function base64(bytes) {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(bytes.length - i, 3) + 1;
    for (let j = 0; j < 4; j++) out += j < chars ? B64[(n >> (18 - 6 * j)) & 63] : "=";
  }
  return out;
}

/** Decodes padded standard base64, or null: only its canonical form (the one `base64` writes). */
export function fromBase64(text) {
  if (typeof text !== "string" || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  const body = text.replace(/=+$/, "");
  const out = new Uint8Array(Math.floor((body.length * 6) / 8));
  let acc = 0;
  let bits = 0;
  let k = 0;
  for (const c of body) {
    acc = (acc << 6) | B64.indexOf(c);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[k++] = (acc >> bits) & 255;
    }
    acc &= (1 << bits) - 1;
  }
  // Leftover bits must be zero and the padding exactly what the length needs.
  return base64(out) === text ? out : null;
}

// ---- Key ids and signed messages ----

/** A signed-note key id: `SHA-256(name ‖ "\n" ‖ signature type ‖ public key)[..4]`. */
const noteKeyId = (name, type, publicKey) => sha256(concat(utf8(name), Uint8Array.of(0x0a, type), publicKey)).slice(0, 4);
/** A validator's note key id (type 0x01, Ed25519). */
export const noteKeyHash = (name, publicKey) => noteKeyId(name, 0x01, publicKey);
/** A witness's cosignature key id (type 0x04, `cosignature/v1`). */
export const cosignatureKeyHash = (name, publicKey) => noteKeyId(name, 0x04, publicKey);
/** What a witness signs: `"cosignature/v1\ntime <timestamp>\n" ‖ checkpoint text`. */
export const cosignedMessage = (timestamp, text) => utf8(`cosignature/v1\ntime ${BigInt(timestamp)}\n${text}`);

// ---- Notes ----

/** A checkpoint of `size` leaves with `root`, without signatures. */
export const newCheckpoint = (origin, size, root) => ({ origin, size: BigInt(size), root, signatures: [], cosignatures: [] });

/** The signed text: origin, size and base64 root, each line ending in `\n`. */
export const checkpointText = (cp) => `${cp.origin}\n${cp.size}\n${base64(cp.root)}\n`;

/** The note of a checkpoint: its text, a blank line, the validators' lines, then the witnesses'. */
export function checkpointNote(cp) {
  const be64 = (v) => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(v));
    return b;
  };
  const lines = [
    ...cp.signatures.map((s) => `${EM_DASH} ${s.name} ${base64(concat(s.keyHash, s.signature))}\n`),
    ...cp.cosignatures.map((c) => `${EM_DASH} ${c.name} ${base64(concat(c.keyHash, be64(c.timestamp), c.signature))}\n`),
  ];
  return `${checkpointText(cp)}\n${lines.join("")}`;
}

const malformed = (why) => {
  throw new NoteError("malformed", why);
};

/**
 * Reads a checkpoint note: `{ origin, size (bigint), root, signatures: [{ name, keyHash,
 * signature }], cosignatures: [{ name, keyHash, timestamp (bigint), signature }] }`. Only the
 * canonical note is read (exactly what `checkpointNote` writes back); anything else is a NoteError.
 */
export function parseCheckpoint(note) {
  if (typeof note !== "string") malformed("a note is text");
  if (utf8(note).length > NOTE_BYTES_MAX) throw new NoteError("too_large", `more than ${NOTE_BYTES_MAX} bytes`);
  const blank = note.indexOf("\n\n");
  if (blank < 0) malformed("no blank line before the signatures");
  const [origin, sizeText, rootText, ...extensions] = note.slice(0, blank).split("\n");
  if (!origin) malformed("no origin");
  if (sizeText === undefined || !/^[0-9]+$/.test(sizeText) || BigInt(sizeText) > U64_MAX) malformed("bad tree size");
  if (rootText === undefined) malformed("no root hash");
  const root = fromBase64(rootText);
  if (root === null || root.length !== 32) malformed("root hash is not 32 base64-encoded bytes");
  if (extensions.length > 0) malformed("unexpected extension lines");
  const cp = newCheckpoint(origin, BigInt(sizeText), root);
  for (const line of note.slice(blank + 2).split("\n").filter((l) => l !== "")) {
    if (cp.signatures.length + cp.cosignatures.length >= NOTE_SIGNATURES_MAX) throw new NoteError("too_large", `more than ${NOTE_SIGNATURES_MAX} signature lines`);
    if (!line.startsWith(`${EM_DASH} `)) malformed("signature line");
    const rest = line.slice(2);
    const space = rest.indexOf(" ");
    if (space < 0) malformed("signature line");
    const name = rest.slice(0, space);
    const blob = fromBase64(rest.slice(space + 1));
    if (blob === null) malformed("signature base64");
    if (blob.length === 68) cp.signatures.push({ name, keyHash: blob.slice(0, 4), signature: blob.slice(4) });
    else if (blob.length === 76) {
      const timestamp = new DataView(blob.buffer, blob.byteOffset + 4, 8).getBigUint64(0);
      cp.cosignatures.push({ name, keyHash: blob.slice(0, 4), timestamp, signature: blob.slice(12) });
    } else malformed("signature length");
  }
  if (checkpointNote(cp) !== note) malformed("not in canonical form");
  return cp;
}

// ---- Signing and counting signatures ----

/** Ed25519 under ZIP-215 (as the Rust verifier's ed25519-consensus); false for a key that is not a point. */
function ed25519Valid(signature, message, publicKey) {
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: true });
  } catch {
    return false;
  }
}

/**
 * Distinct known keys whose line verifies over its message: `lines` are `{ name, keyHash,
 * signature, message }`, `keys` `[name, 32-byte key]` pairs found by name and key id. Unknown
 * or invalid lines are ignored (c2sp.org/signed-note).
 */
function countValid(lines, keys, keyId) {
  const valid = new Set();
  for (const { name, keyHash, signature, message } of lines) {
    const known = keys.find(([n, k]) => n === name && equal(keyId(n, k), keyHash));
    if (known && !valid.has(name) && ed25519Valid(signature, message, known[1])) valid.add(name);
  }
  return valid.size;
}

/** `{ name, key }` entries (or `[name, key]` pairs) as `[name, bytes]` pairs. */
const namedKeys = (keys) => keys.map((k) => (Array.isArray(k) ? k : [k.name, k.key]));

/** How many distinct `witnesses` (`{ name, key }`, Ed25519) validly cosigned `cp`. */
export function countCosignatures(cp, witnesses) {
  const text = checkpointText(cp);
  return countValid(
    cp.cosignatures.map((c) => ({ ...c, message: cosignedMessage(c.timestamp, text) })),
    namedKeys(witnesses),
    cosignatureKeyHash,
  );
}

/** How many distinct `keys` (`{ name, key }`: the validators' note keys) validly signed `cp`. */
export function countNoteSignatures(cp, keys) {
  const message = utf8(checkpointText(cp));
  return countValid(
    cp.signatures.map((s) => ({ ...s, message })),
    namedKeys(keys),
    noteKeyHash,
  );
}

const ed25519Key = (key, what) => {
  if (key?.scheme !== "ed25519") throw new TypeError(`${what} keys are Ed25519`);
  return key;
};

/** Adds a validator's signature line (an Ed25519 SecretKey) to `cp`; returns it. */
export function signCheckpoint(cp, name, key) {
  const sig = ed25519Key(key, "note").sign(utf8(checkpointText(cp)));
  const line = { name, keyHash: noteKeyHash(name, sig.public_key), signature: sig.signature };
  cp.signatures.push(line);
  return line;
}

/** Adds a witness's cosignature made at `timestamp` (seconds) with an Ed25519 SecretKey to `cp`; returns it. */
export function cosignCheckpoint(cp, name, key, timestamp) {
  const sig = ed25519Key(key, "witness").sign(cosignedMessage(timestamp, checkpointText(cp)));
  const line = { name, keyHash: cosignatureKeyHash(name, sig.public_key), timestamp: BigInt(timestamp), signature: sig.signature };
  cp.cosignatures.push(line);
  return line;
}

// Signing keys: generation, the CLI's plain key files (`scheme:<64 hex>`), signing and
// verification for the three schemes (Ed25519; secp256k1 recoverable; P-256), exactly as the
// ledger checks them (crates/crypto/src/sig.rs):
// - Ed25519: RFC 8032 signatures, verified with ZIP-215 rules (as ed25519-consensus does);
// - secp256k1: ECDSA over SHA-256(message), RFC 6979 nonces, low S, recovery id 0/1; the
//   ledger recovers the key;
// - P-256: ECDSA over SHA-256(message) (WebCrypto's ECDSA P-256 SHA-256), RFC 6979 nonces,
//   low S required; the compressed key travels with the signature.

import { ed25519 } from "@noble/curves/ed25519.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { p256 } from "@noble/curves/nist.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { KeyError, SignatureError } from "./errors.js";
import { fromHex, isBytes, randomBytes, toHex } from "./bytes.js";
import { KEY_SCHEMES, PublicKey } from "./types.js";

/** Secrets are 32 bytes in every scheme (Ed25519 seed; ECDSA big-endian scalar). */
export const SECRET_BYTES = 32;

const ECDSA = { secp256k1, p256 };
const ORDER = { secp256k1: secp256k1.Point.Fn.ORDER, p256: p256.Point.Fn.ORDER };

const scalarOf = (b) => BigInt(`0x${toHex(b) || "0"}`);

function checkSecret(scheme, secret) {
  if (!KEY_SCHEMES.includes(scheme)) throw new KeyError(`unknown key scheme "${scheme}" (expected ${KEY_SCHEMES.join(", ")})`);
  if (!isBytes(secret) || secret.length !== SECRET_BYTES) throw new KeyError(`a ${scheme} secret is ${SECRET_BYTES} bytes`);
  if (scheme !== "ed25519") {
    const d = scalarOf(secret);
    if (d === 0n || d >= ORDER[scheme]) throw new KeyError(`${scheme} secret key is zero or not below the group order`);
  }
}

function publicKeyOf(scheme, secret) {
  if (scheme === "ed25519") return new PublicKey(scheme, ed25519.getPublicKey(secret));
  return new PublicKey(scheme, ECDSA[scheme].getPublicKey(secret, true));
}

/** A signing key held by a client. `accountId` is the account it signs for (see `forAccount`). */
export class SecretKey {
  #secret;

  constructor(scheme, secret) {
    checkSecret(scheme, secret);
    this.scheme = scheme;
    this.#secret = secret.slice();
    this.publicKey = publicKeyOf(scheme, this.#secret);
    this.accountId = this.publicKey.accountId();
  }

  /** A fresh random key (retried in the 2^-128 case of an out-of-range scalar). */
  static generate(scheme = "ed25519") {
    for (let attempt = 0; attempt < 8; attempt++) {
      try {
        return new SecretKey(scheme, randomBytes(SECRET_BYTES));
      } catch (e) {
        if (!(e instanceof KeyError) || !KEY_SCHEMES.includes(scheme)) throw e;
      }
    }
    throw new KeyError(`could not generate a ${scheme} key`);
  }

  static fromBytes(scheme, secret) {
    return new SecretKey(scheme, secret);
  }

  /** Parses a plain key file's text, `scheme:<64 hex>` (surrounding whitespace ignored). */
  static parse(text) {
    const trimmed = String(text).trim();
    const at = trimmed.indexOf(":");
    if (at < 0) throw new KeyError("a key file holds `scheme:<64 hex>` (or is an encrypted keystore)");
    let secret;
    try {
      secret = fromHex(trimmed.slice(at + 1), SECRET_BYTES, "secret");
    } catch (e) {
      throw new KeyError(`bad key hex: ${e.message}`);
    }
    return new SecretKey(trimmed.slice(0, at), secret);
  }

  /** The same key acting for `accountId` (a rotated key signs for the account it joined). */
  forAccount(accountId) {
    const copy = new SecretKey(this.scheme, this.#secret);
    copy.accountId = typeof accountId === "string" ? fromHex(accountId, 32, "account id") : accountId;
    return copy;
  }

  toBytes() {
    return this.#secret.slice();
  }

  /** The plain key file text the CLI writes: `scheme:<64 hex>\n` (devnets only: unencrypted). */
  toKeyFile() {
    return `${this.scheme}:${toHex(this.#secret)}\n`;
  }

  /** Signs `message`; returns a `Signature` value (see types.js). */
  sign(message) {
    if (this.scheme === "ed25519") {
      return { scheme: "ed25519", public_key: this.publicKey.bytes, signature: ed25519.sign(message, this.#secret) };
    }
    if (this.scheme === "secp256k1") {
      // noble normalises S and flips the recovery bit with it, as the Rust signer does.
      const sig = secp256k1.sign(message, this.#secret, { prehash: true, lowS: true, format: "recovered" });
      return { scheme: "secp256k1", signature: sig.slice(1), recovery_id: sig[0] };
    }
    const sig = p256.sign(message, this.#secret, { prehash: true, lowS: true });
    return { scheme: "p256", public_key: this.publicKey.bytes, signature: sig };
  }

  toString() {
    return `SecretKey(${this.publicKey})`;
  }
}

const halfOrder = (scheme) => ORDER[scheme] >> 1n;

/** r and s of a 64-byte ECDSA signature, each in [1, n−1], or a SignatureError. */
function scalars(scheme, signature) {
  const r = scalarOf(signature.subarray(0, 32));
  const s = scalarOf(signature.subarray(32, 64));
  if (r === 0n || s === 0n || r >= ORDER[scheme] || s >= ORDER[scheme]) throw new SignatureError("malformed_signature", `malformed ${scheme} signature`);
  // Both (r, s) and (r, n − s) verify; only low S is accepted (one signature per nonce).
  if (s > halfOrder(scheme)) throw new SignatureError("high_s", `${scheme} signature has high S (only low-S is accepted)`);
  return { r, s };
}

/**
 * Whether 32 bytes decode to an Ed25519 point under ZIP-215 rules (non-canonical y and small
 * order accepted), as `ed25519_consensus::VerificationKey::try_from` decides.
 */
function isEd25519Point(bytes) {
  try {
    ed25519.Point.fromBytes(bytes, true);
    return true;
  } catch {
    return false;
  }
}

/**
 * Verifies one signature over `message`; returns the signer's PublicKey (recovered for
 * secp256k1) or throws a SignatureError saying why not.
 */
export function verifySignature(signature, message) {
  if (signature.scheme === "ed25519") {
    // noble's verify answers a plain `false` for a key that is not a point; the ledger says
    // "malformed key" (ed25519-consensus decodes the key first), so decode it here first.
    if (!isEd25519Point(signature.public_key)) throw new SignatureError("bad_public_key", "malformed Ed25519 public key (not a curve point)");
    if (!ed25519.verify(signature.signature, message, signature.public_key, { zip215: true })) {
      throw new SignatureError("signature_does_not_verify", "Ed25519 signature does not verify");
    }
    return new PublicKey("ed25519", signature.public_key.slice());
  }
  if (signature.scheme === "secp256k1") {
    const { r, s } = scalars("secp256k1", signature.signature);
    // Ids 2 and 3 (x-coordinate reduced mod n) practically never occur; refused, as by the ledger.
    if (signature.recovery_id > 1) throw new SignatureError("bad_recovery_id", "recovery id must be 0 or 1");
    let point;
    try {
      point = new secp256k1.Signature(r, s, signature.recovery_id).recoverPublicKey(sha256(message));
    } catch {
      throw new SignatureError("signature_does_not_verify", "no secp256k1 key can be recovered from it");
    }
    return new PublicKey("secp256k1", point.toBytes(true));
  }
  if (signature.scheme === "p256") {
    // The key before r and s, in the ledger's order (a bad key with a bad r is a bad key).
    try {
      p256.Point.fromBytes(signature.public_key).assertValidity();
    } catch {
      throw new SignatureError("bad_public_key", "malformed P-256 public key");
    }
    scalars("p256", signature.signature);
    if (!p256.verify(signature.signature, message, signature.public_key, { prehash: true, lowS: true })) {
      throw new SignatureError("signature_does_not_verify", "P-256 signature does not verify");
    }
    return new PublicKey("p256", signature.public_key.slice());
  }
  throw new SignatureError("malformed_signature", `unknown signature scheme "${signature.scheme}"`);
}

/** Whether `signature` verifies over `message` as a signature by `publicKey`. */
export function signedBy(signature, message, publicKey) {
  try {
    return verifySignature(signature, message).equals(PublicKey.parse(publicKey));
  } catch (e) {
    if (e instanceof SignatureError) return false;
    throw e;
  }
}

/** A P-256 `r ‖ s` signature with S normalised to the low half (what the ledger requires). */
export function normalizeP256(signature) {
  const s = scalarOf(signature.subarray(32, 64));
  if (s <= halfOrder("p256")) return signature.slice();
  const low = (ORDER.p256 - s).toString(16).padStart(64, "0");
  const out = signature.slice();
  out.set(fromHex(low, 32), 32);
  return out;
}

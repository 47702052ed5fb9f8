// P-256 interoperability with an independent implementation: Node's WebCrypto (what browsers,
// passkeys and KMS produce). A WebCrypto key signs a transaction's signing bytes (S normalised
// to the low half, as the ledger requires) and the SDK accepts it; the SDK signs and WebCrypto
// verifies.

import { test } from "node:test";
import assert from "node:assert/strict";
import { p256 } from "@noble/curves/nist.js";
import {
  PublicKey,
  SecretKey,
  bodyFromJson,
  decodeTransaction,
  encodeTransaction,
  normalizeP256,
  signingBytes,
  verifySignature,
  verifyTransaction,
} from "../src/index.js";

const { subtle } = globalThis.crypto;
const ECDSA = { name: "ECDSA", namedCurve: "P-256" };
const SIGN = { name: "ECDSA", hash: "SHA-256" };

/** The compressed SEC1 form of a WebCrypto public key (from its raw, uncompressed export). */
async function compressed(publicKey) {
  const raw = new Uint8Array(await subtle.exportKey("raw", publicKey));
  const out = new Uint8Array(33);
  out[0] = 2 + (raw[64] & 1);
  out.set(raw.subarray(1, 33), 1);
  return out;
}

const unsignedFor = (accountId) => ({
  chain_id: "vellum-devnet",
  sender: accountId,
  nonce: 0n,
  expiry_height: 100n,
  body: bodyFromJson({ type: "transfer", legs: [{ to: "ab".repeat(32), token: "EUR", amount: "12345", convert: null }], reference: null }),
});

test("a WebCrypto P-256 signature (low-S normalised) is accepted by the SDK", async () => {
  for (let i = 0; i < 10; i++) {
    const pair = await subtle.generateKey(ECDSA, true, ["sign", "verify"]);
    const publicKey = new PublicKey("p256", await compressed(pair.publicKey));
    const unsigned = unsignedFor(publicKey.accountId());
    const message = signingBytes(unsigned);
    const raw = new Uint8Array(await subtle.sign(SIGN, pair.privateKey, message));
    const signature = { scheme: "p256", public_key: publicKey.bytes, signature: normalizeP256(raw) };
    assert.ok(verifySignature(signature, message).equals(publicKey));
    const tx = decodeTransaction(encodeTransaction({ unsigned, signatures: [signature] }));
    assert.deepEqual(verifyTransaction(tx).map(String), [publicKey.toString()]);
  }
});

test("an SDK P-256 signature verifies with WebCrypto", async () => {
  const key = SecretKey.generate("p256");
  const message = signingBytes(unsignedFor(key.accountId));
  const sig = key.sign(message);
  const point = p256Uncompressed(key);
  const imported = await subtle.importKey("raw", point, ECDSA, false, ["verify"]);
  assert.ok(await subtle.verify(SIGN, imported, sig.signature, message));
  assert.equal(await subtle.verify(SIGN, imported, sig.signature, message.subarray(1)), false);
});

/** The SDK key's public point, uncompressed (WebCrypto imports raw EC keys uncompressed in Node 20). */
const p256Uncompressed = (key) => p256.Point.fromBytes(key.publicKey.bytes).toBytes(false);

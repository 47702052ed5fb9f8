// Signing and verification throughput per scheme, and transaction encoding, in this process
// (`node bench.mjs`). Each figure is operations per second over two seconds of work on the
// signing bytes of a one-leg transfer (one core; the machine should be otherwise idle).

import { ed25519 } from "@noble/curves/ed25519.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { p256 } from "@noble/curves/nist.js";
import { SecretKey, bodyFromJson, decodeTransaction, encodeTransaction, signTransaction, signingBytes, verifySignature } from "./src/index.js";

/** How long each measurement runs, after a warm-up (JIT, noble's lazily built point tables). */
const MEASURE_MS = 2_000;
const WARMUP_MS = 300;

function opsPerSecond(fn) {
  for (const start = performance.now(); performance.now() - start < WARMUP_MS; ) fn();
  let ops = 0;
  const start = performance.now();
  while (performance.now() - start < MEASURE_MS) {
    fn();
    ops++;
  }
  return Math.round((ops * 1000) / (performance.now() - start));
}

/** The bound: the bare library call on the same bytes, measured in the same run. */
const RAW = {
  ed25519: { sign: (sk, m) => ed25519.sign(m, sk), verify: (sig, m, pk) => ed25519.verify(sig, m, pk), pub: (sk) => ed25519.getPublicKey(sk), rnd: () => ed25519.utils.randomSecretKey() },
  secp256k1: { sign: (sk, m) => secp256k1.sign(m, sk), verify: (sig, m, pk) => secp256k1.verify(sig, m, pk), pub: (sk) => secp256k1.getPublicKey(sk), rnd: () => secp256k1.utils.randomSecretKey() },
  p256: { sign: (sk, m) => p256.sign(m, sk), verify: (sig, m, pk) => p256.verify(sig, m, pk), pub: (sk) => p256.getPublicKey(sk), rnd: () => p256.utils.randomSecretKey() },
};

const body = bodyFromJson({ type: "transfer", legs: [{ to: "ab".repeat(32), token: "EUR", amount: "11900", convert: null }], reference: null });
const rows = [];
for (const scheme of ["ed25519", "secp256k1", "p256"]) {
  const key = SecretKey.generate(scheme);
  const unsigned = { chain_id: "vellum-devnet", sender: key.accountId, nonce: 1n, expiry_height: 100_000n, body };
  const message = signingBytes(unsigned);
  const signature = key.sign(message);
  const raw = RAW[scheme];
  const rawKey = raw.rnd();
  const rawPub = raw.pub(rawKey);
  const rawSig = raw.sign(rawKey, message);
  const sdkSign = opsPerSecond(() => key.sign(message));
  const rawSign = opsPerSecond(() => raw.sign(rawKey, message));
  const sdkVerify = opsPerSecond(() => verifySignature(signature, message));
  const rawVerify = opsPerSecond(() => raw.verify(rawSig, message, rawPub));
  rows.push([`${scheme} sign`, sdkSign, rawSign]);
  rows.push([`${scheme} verify`, sdkVerify, rawVerify]);
}
const key = SecretKey.generate("ed25519");
const tx = signTransaction({ chain_id: "vellum-devnet", sender: key.accountId, nonce: 1n, expiry_height: 100_000n, body }, [key]);
const wire = encodeTransaction(tx);
rows.push(["tx encode (wire)", opsPerSecond(() => encodeTransaction(tx))]);
rows.push(["tx decode + shape check", opsPerSecond(() => decodeTransaction(wire))]);

console.log(`@vellum/sdk bench — Node ${process.version}, ${process.platform}/${process.arch}`);
console.log(`${"operation".padEnd(26)} ${"SDK ops/s".padStart(10)} ${"bare noble".padStart(11)} ${"ratio".padStart(6)}`);
for (const [what, ops, raw] of rows) {
  const ratio = raw ? (ops / raw).toFixed(2) : "";
  console.log(`${what.padEnd(26)} ${String(ops).padStart(10)} ${String(raw ?? "").padStart(11)} ${ratio.padStart(6)}`);
}

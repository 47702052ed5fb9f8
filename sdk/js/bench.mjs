// Signing and verification throughput per scheme, and transaction encoding, in this process
// (`node bench.mjs`). Each figure is operations per second over two seconds of work on the
// signing bytes of a one-leg transfer (one core; the machine should be otherwise idle).

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

const body = bodyFromJson({ type: "transfer", legs: [{ to: "ab".repeat(32), token: "EUR", amount: "11900", convert: null }], reference: null });
const rows = [];
for (const scheme of ["ed25519", "secp256k1", "p256"]) {
  const key = SecretKey.generate(scheme);
  const unsigned = { chain_id: "vellum-devnet", sender: key.accountId, nonce: 1n, expiry_height: 100_000n, body };
  const message = signingBytes(unsigned);
  const signature = key.sign(message);
  rows.push([`${scheme} sign`, opsPerSecond(() => key.sign(message))]);
  rows.push([`${scheme} verify`, opsPerSecond(() => verifySignature(signature, message))]);
}
const key = SecretKey.generate("ed25519");
const tx = signTransaction({ chain_id: "vellum-devnet", sender: key.accountId, nonce: 1n, expiry_height: 100_000n, body }, [key]);
const wire = encodeTransaction(tx);
rows.push(["tx encode (wire)", opsPerSecond(() => encodeTransaction(tx))]);
rows.push(["tx decode + shape check", opsPerSecond(() => decodeTransaction(wire))]);

console.log(`@vellum/sdk bench — Node ${process.version}, ${process.platform}/${process.arch}`);
for (const [what, ops] of rows) console.log(`${what.padEnd(26)} ${String(ops).padStart(9)} ops/s`);

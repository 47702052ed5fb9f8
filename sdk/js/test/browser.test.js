// The SDK in a real browser (headless Chromium; skipped when none is installed — set CHROMIUM
// to its path): the unmodified ES modules load through an import map, rebuild every
// transaction vector byte for byte, verify the example bundle, receipt and a status proof
// offline (and an attested issuer's version-3 bundle with the status proof made since), give
// every case of evidence.json (transaction receipts included) its verdict (the witnessed ones under their witness policies, step
// 10), and interoperate with Chromium's own WebCrypto P-256 (its signatures accepted by the SDK,
// the SDK's verified by WebCrypto). The node's web verifier (crates/api/web/verify.js,
// unmodified) gives every case of evidence.json its verdict there too. Both run the step-3g
// receipts of test/epochs-ledger.js (genesis layouts 1 and 2, u64 epoch arithmetic). Nothing
// Node-specific is used by the code under test.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize } from "node:path";
import { EXAMPLES, REPO, VECTORS } from "./fixtures.js";
import { epochCases } from "./epochs-ledger.js";
import { toHex } from "../src/index.js";
import { CHROMIUM, openInChromium } from "./chromium.js";
const BROWSER_TIMEOUT_MS = 120_000;
const TYPES = { ".js": "text/javascript", ".json": "application/json", ".html": "text/html" };

/** Directories the page may load, by URL prefix. */
const ROOTS = {
  "/sdk/": join(REPO, "sdk", "js", "src"),
  "/noble/": join(REPO, "sdk", "js", "node_modules", "@noble"),
  "/examples/": EXAMPLES,
  "/vectors/": VECTORS,
  "/web/": join(REPO, "crates", "api", "web"),
};
/** The step-3g receipts made here, as the page reads them (hex files, verdicts, epoch lengths as text). */
const EPOCH_CASES = JSON.stringify(epochCases().map((c) => ({ name: c.name, file: toHex(c.file), genesisHash: c.genesisHash, expect: c.expect, epochLength: c.epochLength === null ? null : String(c.epochLength) })));

const PAGE = `<!doctype html><meta charset="utf-8">
<script type="importmap">{"imports": {"@noble/curves/": "/noble/curves/", "@noble/hashes/": "/noble/hashes/", "@noble/ciphers/": "/noble/ciphers/"}}</script>
<script type="module">
const report = (r) => fetch("/result", { method: "POST", body: JSON.stringify(r) });
try {
  const v = await import("/sdk/index.js");
  // The page's own copy of the curve, only to hand WebCrypto an uncompressed key.
  const { p256 } = await import("@noble/curves/nist.js");
  const bytes = async (p) => new Uint8Array(await (await fetch(p)).arrayBuffer());
  const text = async (p) => (await (await fetch(p)).text()).trim();
  const out = {};
  // Every transaction vector, rebuilt and signed here.
  const { vectors } = v.parseJson(await text("/vectors/transactions.json"));
  const keys = Object.fromEntries(v.parseJson(await text("/vectors/keys.json")).keys.map((k) => [k.name, v.SecretKey.parse(k.key_file)]));
  out.vectorsMatching = vectors.filter((t) => {
    const u = v.unsignedFromJson(t.unsigned);
    const tx = v.signTransaction(u, t.signers.map((n) => keys[n]));
    return v.toHex(v.encodeTransaction(tx)) === t.transaction_wire && v.txHash(u) === t.tx_id;
  }).length;
  out.vectors = vectors.length;
  // Offline verification of the example bundle and receipt.
  const bundle = v.verifyBundle(await bytes("/examples/diploma.vellum"), { genesisHash: await text("/examples/genesis-hash.txt"), document: await bytes("/examples/diploma.pdf") });
  out.bundle = bundle.document;
  out.receipt = v.verifyReceipt(await bytes("/examples/payment.vellumrc"), { genesisHash: await text("/examples/payment-genesis-hash.txt") }).txKind;
  const statusPin = await text("/examples/status-genesis-hash.txt");
  out.statusNow = v.verifyBundleWithStatus(await bytes("/examples/status-diploma.vellum"), await bytes("/examples/status-diploma-suspended.status"), { genesisHash: statusPin }).now.now.status;
  // A version-3 bundle names its attested issuer; the status proof made since, the withdrawal.
  const attestedPin = await text("/examples/attested-genesis-hash.txt");
  const attested = v.verifyBundleWithStatus(await bytes("/examples/attested-diploma.vellum"), await bytes("/examples/attested-diploma-revoked-issuer.status"), { genesisHash: attestedPin, document: await bytes("/examples/attested-diploma.pdf") });
  out.issuerThen = v.issuerLine(attested.bundle.issuer);
  out.issuerNow = v.issuerLine(attested.now.issuerNow);
  // Witnessed bundles (version 4) and receipts (version 3) under their witness policies: the vectors' verdicts.
  const witnessed = v.parseJson(await text("/vectors/evidence.json")).cases.filter((c) => c.kind.startsWith("witnessed_"));
  out.witnessedCases = witnessed.length;
  out.witnessedAgreeing = witnessed.filter((c) => {
    const verify = c.kind === "witnessed_bundle" ? v.verifyBundle : v.verifyReceipt;
    try {
      const r = verify(v.fromHex(c.file), { genesisHash: c.pinned_genesis, witnessPolicy: c.witness_policy });
      return c.expect.valid && String(r.witnessed.size) === String(c.expect.witnessed_size) && r.witnessCosignatures === c.expect.witness_cosignatures;
    } catch (e) {
      return !c.expect.valid && e instanceof v.VerifyError && e.stepNumber === c.expect.failed.step;
    }
  }).length;
  // Every case of evidence.json, and the step-3g receipts made in Node: this SDK's verdicts.
  const sdkVerdict = (f) => {
    try {
      f();
      return "ok";
    } catch (e) {
      if (!(e instanceof v.VerifyError)) throw e;
      return "step " + e.stepNumber + " (" + e.step + ")";
    }
  };
  const hexOrNull = (h) => (h === null || h === undefined ? null : v.fromHex(h));
  const evidence = v.parseJson(await text("/vectors/evidence.json")).cases;
  const expected = (c) => (c.expect.valid ? "ok" : "step " + c.expect.failed.step + " (" + c.expect.failed.name + ")");
  const SDK_RUNS = {
    bundle: (c) => v.verifyBundle(v.fromHex(c.file), { genesisHash: c.pinned_genesis, document: hexOrNull(c.document) }),
    receipt: (c) => v.verifyReceipt(v.fromHex(c.file), { genesisHash: c.pinned_genesis }),
    tx_receipt: (c) => v.verifyTxReceipt(v.fromHex(c.file), { genesisHash: c.pinned_genesis }),
    status: (c) => v.verifyStatusProof(v.fromHex(c.file), { genesisHash: c.pinned_genesis }),
    bundle_with_status: (c) => v.verifyBundleWithStatus(v.fromHex(c.file), v.fromHex(c.status_file), { genesisHash: c.pinned_genesis, document: hexOrNull(c.document) }),
    witnessed_bundle: (c) => v.verifyBundle(v.fromHex(c.file), { genesisHash: c.pinned_genesis, witnessPolicy: c.witness_policy }),
    witnessed_receipt: (c) => v.verifyReceipt(v.fromHex(c.file), { genesisHash: c.pinned_genesis, witnessPolicy: c.witness_policy }),
  };
  out.evidenceCases = evidence.length;
  out.evidenceKinds = [...new Set(evidence.map((c) => c.kind))];
  out.sdkDisagreeing = evidence.filter((c) => !SDK_RUNS[c.kind] || sdkVerdict(() => SDK_RUNS[c.kind](c)) !== expected(c)).map((c) => c.name);
  const epochs = await (await fetch("/epochs.json")).json();
  out.epochCases = epochs.length;
  out.sdkEpochsDisagreeing = epochs.filter((c) => {
    let length = null;
    const verdict = sdkVerdict(() => (length = v.verifyReceipt(v.fromHex(c.file), { genesisHash: c.genesisHash }).epochLength));
    return verdict !== c.expect || (verdict === "ok" && (length === null ? null : String(length)) !== c.epochLength);
  }).map((c) => c.name);
  // The node's web verifier, unmodified, on the same cases.
  const web = await import("/web/verify.js");
  const policyText = (p) => [...p.witnesses.map((w) => "witness " + w.name + " " + w.key), "quorum " + p.quorum].join("\\n");
  const WEB_RUNS = {
    bundle: (c) => web.verifyBundle(v.fromHex(c.file), hexOrNull(c.document), c.pinned_genesis),
    receipt: (c) => web.verifyReceipt(v.fromHex(c.file), c.pinned_genesis),
    tx_receipt: (c) => web.verifyTxReceipt(v.fromHex(c.file), c.pinned_genesis),
    status: (c) => web.verifyStatusProof(v.fromHex(c.file), c.pinned_genesis),
    bundle_with_status: (c) => web.verifyBundleWithStatus(v.fromHex(c.file), v.fromHex(c.status_file), hexOrNull(c.document), c.pinned_genesis),
    witnessed_bundle: (c) => web.verifyBundle(v.fromHex(c.file), null, c.pinned_genesis, web.parseWitnessPolicy(policyText(c.witness_policy))),
    witnessed_receipt: (c) => web.verifyReceipt(v.fromHex(c.file), c.pinned_genesis, web.parseWitnessPolicy(policyText(c.witness_policy))),
  };
  out.webDisagreeing = [];
  for (const c of evidence) {
    if (!WEB_RUNS[c.kind]) { out.webDisagreeing.push(c.name + " (kind " + c.kind + " not run)"); continue; }
    const r = await WEB_RUNS[c.kind](c);
    if ((r.ok ? "ok" : r.step) !== expected(c)) out.webDisagreeing.push(c.name);
  }
  out.webEpochsDisagreeing = [];
  for (const c of epochs) {
    const r = await web.verifyReceipt(v.fromHex(c.file), c.genesisHash);
    if ((r.ok ? "ok" : r.step) !== c.expect || (r.ok && (r.epoch_length === null ? null : String(r.epoch_length)) !== c.epochLength)) out.webEpochsDisagreeing.push(c.name);
  }
  out.wellKnown = v.checkWellKnown(v.wellKnownDocument({ name: "Example University", chainId: "c", genesisHash: attestedPin, account: attested.bundle.registrant }), { name: "Example University", chainId: "c", genesisHash: attestedPin, account: attested.bundle.registrant }).name;
  // P-256 with Chromium's WebCrypto, both ways.
  const ecdsa = { name: "ECDSA", namedCurve: "P-256" }, sha = { name: "ECDSA", hash: "SHA-256" };
  const pair = await crypto.subtle.generateKey(ecdsa, true, ["sign", "verify"]);
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const compressed = Uint8Array.of(2 + (raw[64] & 1), ...raw.subarray(1, 33));
  const pub = new v.PublicKey("p256", compressed);
  const unsigned = v.unsignedFromJson({ chain_id: "vellum-devnet", sender: v.toHex(pub.accountId()), nonce: 0, expiry_height: 10, body: { type: "vote", proposal: 1 } });
  const message = v.signingBytes(unsigned);
  const sig = v.normalizeP256(new Uint8Array(await crypto.subtle.sign(sha, pair.privateKey, message)));
  out.webcryptoAccepted = v.verifySignature({ scheme: "p256", public_key: compressed, signature: sig }, message).equals(pub);
  const mine = v.SecretKey.generate("p256");
  const uncompressed = p256.Point.fromBytes(mine.publicKey.bytes).toBytes(false);
  const theirs = await crypto.subtle.importKey("raw", uncompressed, ecdsa, false, ["verify"]);
  out.sdkAcceptedByWebcrypto = await crypto.subtle.verify(sha, theirs, mine.sign(message).signature, message);
  report(out);
} catch (e) {
  report({ error: String(e && e.stack || e) });
}
</script>`;

test("the SDK in headless Chromium: vectors, offline verification, WebCrypto P-256 interop", { skip: !CHROMIUM && "no Chromium found (set CHROMIUM)", timeout: BROWSER_TIMEOUT_MS }, async (t) => {
  let resolveResult;
  const result = new Promise((resolve) => (resolveResult = resolve));
  const server = createServer((req, res) => {
    if (req.method === "POST" && req.url === "/result") {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => (res.end("ok"), resolveResult(JSON.parse(body))));
      return;
    }
    if (req.url === "/") return res.writeHead(200, { "content-type": "text/html" }).end(PAGE);
    if (req.url === "/epochs.json") return res.writeHead(200, { "content-type": "application/json" }).end(EPOCH_CASES);
    const prefix = Object.keys(ROOTS).find((p) => req.url.startsWith(p));
    const path = prefix && normalize(join(ROOTS[prefix], decodeURIComponent(req.url.slice(prefix.length).split("?")[0])));
    if (!path || !path.startsWith(ROOTS[prefix]) || !existsSync(path)) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": TYPES[extname(path)] ?? "application/octet-stream" }).end(readFileSync(path));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))));
  await openInChromium(t, `http://127.0.0.1:${server.address().port}/`);
  const r = await result;
  assert.equal(r.error, undefined, r.error);
  assert.equal(r.vectorsMatching, r.vectors);
  assert.ok(r.vectors > 0);
  assert.equal(r.bundle, "matched");
  assert.equal(r.receipt, "transfer");
  assert.equal(r.statusNow, "suspended", "a bundle with a status proof (step 9)");
  assert.match(r.issuerThen, /^Example University \(example\.edu\), attested by [0-9a-f]{64} at height 6$/);
  assert.match(r.issuerNow, /— identity attestation REVOKED at height 9 \(reason: affiliation_changed\)$/);
  assert.equal(r.wellKnown, "Example University");
  assert.ok(r.witnessedCases >= 2, "witnessed cases in evidence.json");
  assert.equal(r.witnessedAgreeing, r.witnessedCases, "every witnessed case gets the vectors' verdict");
  assert.ok(r.evidenceCases >= 100, "the cases of evidence.json");
  assert.ok(r.evidenceKinds.includes("tx_receipt"), `transaction receipts among the kinds run (${r.evidenceKinds})`);
  assert.deepEqual(r.sdkDisagreeing, [], "every case of evidence.json gets its verdict from the SDK in Chromium");
  assert.deepEqual(r.webDisagreeing, [], "every case of evidence.json gets its verdict from the web verifier in Chromium");
  assert.ok(r.epochCases >= 10, "the step-3g receipts");
  assert.deepEqual(r.sdkEpochsDisagreeing, [], "the step-3g receipts, SDK in Chromium");
  assert.deepEqual(r.webEpochsDisagreeing, [], "the step-3g receipts, web verifier in Chromium");
  assert.equal(r.webcryptoAccepted, true);
  assert.equal(r.sdkAcceptedByWebcrypto, true);
});

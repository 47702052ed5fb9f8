// The node's web page (crates/api/web/index.html with its verify.js, unmodified) in headless
// Chromium, driven through its own form from a same-origin harness page (evidence files and the
// document chosen, Verify pressed, the verdict read): served by a (scripted) node, a bundle alone
// gets its status and issuer identity NOW from `/v1/status/{id}[?member=N]`, verified in the
// page; a status proof dropped alone or with its bundle is verified; on a plain web host (no
// node API) the page says plainly that the current status was not checked. The registrant's
// identity: attested (a version-3 bundle with its document), altered (a tampered copy), revoked
// since (a status proof), never attested, and an older file that carries none. Credential
// presentations dropped with their bundle (the audience and nonce typed in): a test chain made
// here, and the real files `vellum credential` made on a devnet (docs/examples/credential-*),
// which must be present — that test fails without them. Payment receipts dropped alone: the
// devnet's docs/examples/payment.vellumrc (genesis pinned from payment-genesis-hash.txt), a
// tampered copy, and receipts made here (test/receipt-ledger.js: a converted leg signed under
// the three schemes, a held transfer, a voided hold, a bad signature). Transaction receipts
// dropped alone: the devnet's docs/examples/invoice.vellumtr with and without its invoice
// document (and with another document), a tampered copy, and a contract call made here
// (test/receipt-ledger.js: a payment and an event after it; witnessed, under a policy). Witnesses: version-4
// bundles and version-3 receipts (docs/vectors/evidence.json, and one witnessed here after its
// header) with and without a witness policy file chosen in the form — WITNESSED, reported
// unchecked, or refused at step 10 — and a policy that cannot be read. Skipped without Chromium.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import {
  SecretKey,
  accountIdOf,
  fromHex,
  credentialIss,
  decodeBundle,
  decodeReceipt,
  decodeStatusProof,
  decodeTxReceipt,
  encodeBundle,
  encodeReceipt,
  encodeTxReceipt,
  issueCredential,
  presentCredential,
  signTransaction,
  toHex,
} from "../src/index.js";
import { credentialLedger, revokedAt } from "./credential-ledger.js";
import { receiptFile, transferPayment, txReceiptFile, vectorWitness, witnessedAt } from "./receipt-ledger.js";
import { CHROMIUM, openInChromium } from "./chromium.js";
import { EXAMPLES, REPO, exampleText, readExample, vectorFile } from "./fixtures.js";

const WEB = join(REPO, "crates", "api", "web");
const PAGE_TIMEOUT_MS = 120_000;
const pinned = exampleText("status-genesis-hash.txt");
const attestedPin = exampleText("attested-genesis-hash.txt");
const diplomaId = toHex(decodeStatusProof(readExample("status-diploma-suspended.status")).proof_id);
const certId = toHex(decodeStatusProof(readExample("status-cert-1-revoked.status")).proof_id);
const attestedId = toHex(decodeStatusProof(readExample("attested-diploma-revoked-issuer.status")).proof_id);
const ATTESTED_BY = toHex(decodeBundle(readExample("attested-diploma.vellum")).issuer.attestation.attested_by);
/** The registrant accounts of the example bundles (the examples are regenerated on a devnet from time to time). */
const registrantOf = (name) => toHex(decodeBundle(readExample(name)).record.registrant);

/** A tampered copy of the attested bundle: the issuer's name changed (served beside the examples). */
function alteredAttested() {
  const b = decodeBundle(readExample("attested-diploma.vellum"));
  b.issuer.attestation.profile.name = "Example Universitx";
  return encodeBundle(b);
}
const EXTRA_FILES = { "attested-diploma-altered.vellum": alteredAttested() };

/** What the scripted node serves: its status, and status proofs of the example registrations. */
const NODE_API = {
  "/v1/status": () => ["application/json", JSON.stringify({ chain_id: "vellum-devnet", genesis_hash: pinned, height: 9 })],
  [`/v1/status/${diplomaId}`]: () => ["application/octet-stream", readExample("status-diploma-suspended.status")],
  [`/v1/status/${certId}?member=1`]: () => ["application/octet-stream", readExample("status-cert-1-revoked.status")],
  // Another chain's registration, served as a node of that chain would (the page pins it).
  [`/v1/status/${attestedId}`]: () => ["application/octet-stream", readExample("attested-diploma-revoked-issuer.status")],
  "/v1/validators": () => ["application/json", JSON.stringify({ validators: [] })],
  "/v1/log/checkpoint": () => ["text/plain", "vellum-devnet\n9\nAAAA\n"],
};
const block = (url) => /^\/v1\/block\/\d+$/.test(url) && ["application/json", JSON.stringify({ height: Number(url.split("/").pop()), time_ms: 0, tx_count: 0, hash: "00".repeat(32) })];

/**
 * The harness: loads the page in a same-origin iframe per scenario, fills its form (the
 * evidence files and the document by name from /examples/, a pinned hash or none), submits, and
 * reports the result text of each scenario.
 */
const HARNESS = (scenarios) => `<!doctype html><meta charset="utf-8"><iframe style="width:60em;height:40em"></iframe>
<script type="module">
const until = async (what, ok) => { for (let i = 0; i < 600; i++) { const v = ok(); if (v) return v; await new Promise((r) => setTimeout(r, 50)); } throw new Error("timed out waiting for " + what); };
const choose = async (input, names) => {
  const dt = new DataTransfer();
  for (const f of names) dt.items.add(new File([await (await fetch("/examples/" + f)).arrayBuffer()], f));
  input.files = dt.files;
  input.dispatchEvent(new Event("change"));
};
async function run({ files, pinned, doc, aud, nonce, report, policy }) {
  const frame = document.querySelector("iframe");
  await new Promise((resolve) => { frame.onload = resolve; frame.src = "/?" + Math.random(); });
  const d = frame.contentDocument;
  await until("the page to ask its node", () => d.getElementById("chain").textContent !== "loading…");
  if (report === "aud") return "AUDIENCE " + d.getElementById("aud").value + " ORIGIN " + location.origin;
  if (pinned !== undefined) d.getElementById("pinned").value = pinned;
  if (aud !== undefined) d.getElementById("aud").value = aud;
  if (nonce !== undefined) d.getElementById("nonce").value = nonce;
  if (doc) await choose(d.getElementById("doc"), [doc]);
  if (policy) await choose(d.getElementById("witnesses"), [policy]);
  await choose(d.getElementById("bundle"), files);
  d.getElementById("go").click();
  return until("the verdict", () => { const t = d.getElementById("result").innerText.replace(/\\s+/g, " ").trim(); return t && !/verifying/.test(t) && t; });
}
const out = [];
try { for (const s of ${JSON.stringify(scenarios)}) out.push(await run(s)); } catch (e) { out.push("ERROR " + e); }
fetch("/result", { method: "POST", body: JSON.stringify(out) });
</script>`;

/** Serves the page, its verifier, the examples and (when `api`) the node API; runs the harness in Chromium. */
async function runPage(t, scenarios, { api, files = {}, routes = {} }) {
  const asked = [];
  let report;
  const result = new Promise((resolve) => (report = resolve));
  const server = createServer((req, res) => {
    const send = (type, body, status = 200) => res.writeHead(status, { "content-type": type }).end(body);
    if (req.method === "POST") {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => (res.end(), report(JSON.parse(body))));
      return;
    }
    const url = req.url;
    if (url === "/" || url.startsWith("/?")) return send("text/html", readFileSync(join(WEB, "index.html")));
    if (url === "/verify.js") return send("text/javascript", readFileSync(join(WEB, "verify.js")));
    if (url === "/harness.html") return send("text/html", HARNESS(scenarios));
    if (url.startsWith("/examples/")) {
      const name = url.slice("/examples/".length);
      return send("application/octet-stream", files[name] ?? EXTRA_FILES[name] ?? readFileSync(join(EXAMPLES, name)));
    }
    if (api && url.startsWith("/v1/status/")) asked.push(url);
    const served = api && (NODE_API[url]?.() ?? routes[url]?.() ?? block(url));
    if (served) return send(...served);
    send("application/json", JSON.stringify({ error: { code: "not_found" } }), 404);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))));
  await openInChromium(t, `http://127.0.0.1:${server.address().port}/harness.html`);
  return { verdicts: await result, asked };
}

test("the web page served by a node: status and issuer NOW from the node, status proofs alone and with their bundle", { skip: !CHROMIUM && "no Chromium found (set CHROMIUM)", timeout: PAGE_TIMEOUT_MS }, async (t) => {
  const scenarios = [
    { files: ["status-diploma.vellum"] },
    { files: ["status-cert-1.vellum"] },
    { files: ["status-cert-1-revoked.status"] },
    { files: ["status-diploma.vellum", "status-diploma-reinstated.status"] },
    { files: ["diploma.vellum"], pinned: "" }, // another chain's bundle: the node has no status for it
    { files: ["status-diploma-reinstated.status", "status-diploma-suspended.status"] },
    { files: ["attested-diploma.vellum"], doc: "attested-diploma.pdf", pinned: attestedPin }, // the node: attestation revoked since
    { files: ["status-cert-1.vellum", "status-cert-1-revoked.status"] },
  ];
  const { verdicts: v, asked } = await runPage(t, scenarios, { api: true });
  assert.equal(v.length, scenarios.length, JSON.stringify(v));
  assert.match(v[0], /^VALID, but SUSPENDED /);
  assert.match(v[0], /status NOW: SUSPENDED since height 9 \(reason: under_investigation\), as of height 10 .* changed since the bundle was made/);
  assert.match(v[0], /Status then LIVE — status as of height 8 \(the bundle's\)/);
  assert.match(v[0], /Registered by no attested identity .*Issuer NOW no attested identity .*, as of height 10/, "registered before any attestation: said plainly, then and now");
  assert.match(v[1], /^VALID, but REVOKED .*status NOW: REVOKED since height 13 \(reason: privilege_withdrawn\), as of height 14/);
  assert.match(v[1], /document 1 of a batch/);
  assert.match(v[2], /^VALID, but REVOKED status proof Status REVOKED since height 13 \(reason: privilege_withdrawn\), as of height 14/);
  assert.match(v[2], /Registered by no attested identity/);
  assert.match(v[3], /^VALID Document .*status NOW: LIVE, as of height 12/, "the dropped status proof is used, not the node's");
  assert.match(v[4], /status as of height 3 \(the bundle's\); current status not checked \(the node answered 404 to \/v1\/status\/[0-9a-f]{64}\?member=0\)/);
  assert.match(v[4], /Registered by this file \(an older format\) carries no issuer identity/);
  assert.doesNotMatch(v[4], /Issuer NOW/);
  assert.match(v[5], /two status proofs were given/);
  assert.match(v[6], /^VALID Document this exact document \(its SHA-256 matches\) Registered by Example University \(example\.edu\), attested by [0-9a-f]{64} at height 6 account /);
  assert.ok(v[6].includes(`Issuer NOW Example University (example.edu), attested by ${ATTESTED_BY} at height 6 — identity attestation REVOKED at height 9 (reason: affiliation_changed), as of height 10`), v[6]);
  assert.match(v[6], /status NOW: LIVE, as of height 10/);
  assert.match(v[7], /^VALID, but REVOKED .*Registered by no attested identity .*Issuer NOW no attested identity .*status NOW: REVOKED since height 13 \(reason: privilege_withdrawn\)/);
  assert.deepEqual(asked.slice(0, 2), [`/v1/status/${diplomaId}`, `/v1/status/${certId}?member=1`]);
  assert.ok(asked.includes(`/v1/status/${attestedId}`), "the attested bundle's status and issuer now were fetched");
});

test("the web page on a plain web host: attested, altered, revoked, unattested and older files, offline", { skip: !CHROMIUM && "no Chromium found (set CHROMIUM)", timeout: PAGE_TIMEOUT_MS }, async (t) => {
  const scenarios = [
    { files: ["status-diploma.vellum"], pinned },
    { files: ["status-diploma-suspended.status"], pinned: "07".repeat(32) },
    { files: ["attested-diploma.vellum"], doc: "attested-diploma.pdf", pinned: attestedPin },
    { files: ["attested-diploma-altered.vellum"], doc: "attested-diploma.pdf", pinned: attestedPin },
    { files: ["attested-diploma.vellum"], doc: "diploma.pdf", pinned: attestedPin },
    { files: ["attested-diploma.vellum", "attested-diploma-revoked-issuer.status"], doc: "attested-diploma.pdf", pinned: attestedPin },
    { files: ["attested-diploma-revoked-issuer.status"], pinned: attestedPin },
    { files: ["status-cert-1.vellum", "status-cert-1-revoked.status"], pinned },
    { files: ["batch-member-revoked.vellum"], pinned: exampleText("batch-genesis-hash.txt") },
  ];
  const { verdicts: v } = await runPage(t, scenarios, { api: false });
  assert.equal(v.length, scenarios.length, JSON.stringify(v));
  // Unattested: registered before any attestation.
  assert.match(v[0], /^VALID Document .*LIVE — status as of height 8 \(the bundle's\); current status not checked \(this page is not served by a node\)/);
  assert.ok(v[0].includes(`Registered by no attested identity (no registrar vouched for the registrant's name or domain) account ${registrantOf("status-diploma.vellum")} `), v[0]);
  assert.doesNotMatch(v[0], /status NOW|Issuer NOW/);
  assert.match(v[1], /^NOT VALID the status proof: failed at step 2 \(checkpoint\)/);
  // Valid, attested, with its document.
  assert.ok(v[2].startsWith(`VALID Document this exact document (its SHA-256 matches) Registered by Example University (example.edu), attested by ${ATTESTED_BY} at height 6 account ${registrantOf("attested-diploma.vellum")} `), v[2]);
  assert.doesNotMatch(v[2], /REVOKED|Issuer NOW/);
  // Altered: the issuer's name in a tampered copy; another document.
  assert.match(v[3], /^NOT VALID failed at step 6 \(state entry\): the issuer identity does not match the state/);
  assert.doesNotMatch(v[3], /Example/);
  assert.match(v[4], /^NOT VALID failed at step 8 \(document\): the document's SHA-256 [0-9a-f]{64} is not the registered one/);
  // Revoked since: the attestation then, its withdrawal now.
  assert.match(v[5], /^VALID Document this exact document .*Registered by Example University \(example\.edu\), attested by [0-9a-f]{64} at height 6 account /);
  assert.ok(v[5].includes("Issuer NOW Example University (example.edu), attested by " + ATTESTED_BY + " at height 6 — identity attestation REVOKED at height 9 (reason: affiliation_changed), as of height 10"), v[5]);
  assert.match(v[6], /^VALID status proof .*Registered by Example University \(example\.edu\), attested by [0-9a-f]{64} at height 6 — identity attestation REVOKED at height 9 \(reason: affiliation_changed\)/);
  // A revoked registration (batch member), never attested; an older file.
  assert.match(v[7], /^VALID, but REVOKED .*Registered by no attested identity .*Issuer NOW no attested identity .*, as of height 14 .*status NOW: REVOKED since height 13 \(reason: privilege_withdrawn\)/);
  assert.match(v[8], /^VALID, but REVOKED .*Registered by this file \(an older format\) carries no issuer identity account /);
  assert.match(v[8], /REVOKED since height 21 \(reason: issued in error\) — status as of height 22 \(the bundle's\)/);
  // Step 3g: the epoch length a layout-2 genesis commits to; an older (layout-1) genesis states none.
  assert.ok(v[0].endsWith(`genesis ${pinned} epoch length committed: 120 blocks`), v[0]);
  assert.match(v[6], /epoch length committed: 120 blocks/);
  assert.match(v[8], /genesis [0-9a-f]{64} epoch length not committed \(an older genesis\): header epochs not checked against heights/);
});

// ---- Credential presentations ----

const AUD = "https://employer.example";
const NONCE = "offer-2026-77";

/** A credential registered on a test chain (made by test/credential-ledger.js), presented for AUD and NONCE. */
function credentialFiles() {
  const key = (scheme, n) => SecretKey.fromBytes(scheme, new Uint8Array(32).fill(n));
  const claims = { name: "Alice Example", degree: "BSc Computer Science", year: 2026, grades: { algorithms: "A" } };
  const make = (issuer, holder, attested) => {
    const cred = issueCredential({ issuer, holder: holder.publicKey, iss: credentialIss("vellum-test", issuer.accountId), claims });
    const ledger = credentialLedger({ jwt: cred.jwt, issuer, attested });
    const presentation = presentCredential(cred, { disclose: ["degree", "year"], holder, aud: AUD, nonce: NONCE });
    return { ledger, presentation, proofId: toHex(decodeBundle(ledger.bundle).record.proof_id) };
  };
  const attested = make(key("ed25519", 1), key("p256", 2), { name: "Example University", domain: "example.edu" });
  const plain = make(key("p256", 3), key("ed25519", 4), null);
  return {
    pinned: attested.ledger.genesisHash,
    files: {
      "cred-presentation.txt": attested.presentation,
      "cred-bundle.vellum": attested.ledger.bundle,
      "cred-revoked.status": attested.ledger.statusProof(revokedAt(7), 8),
      "cred-plain-presentation.txt": plain.presentation,
      "cred-plain-bundle.vellum": plain.ledger.bundle,
    },
    // The node serving the page knows the attested credential's status now (revoked); not the other's.
    routes: { [`/v1/status/${attested.proofId}`]: () => ["application/octet-stream", attested.ledger.statusProof(revokedAt(9), 10)] },
  };
}

test("the web page verifies a credential presentation with its bundle: issuer, disclosed claims, status then and now", { skip: !CHROMIUM && "no Chromium found (set CHROMIUM)", timeout: PAGE_TIMEOUT_MS }, async (t) => {
  const { pinned: credPin, files, routes } = credentialFiles();
  const scenarios = [
    { files: ["cred-presentation.txt", "cred-bundle.vellum", "cred-revoked.status"], pinned: credPin, aud: AUD, nonce: NONCE },
    { files: ["cred-bundle.vellum", "cred-presentation.txt"], pinned: credPin, aud: AUD, nonce: NONCE }, // the node: revoked since
    { files: ["cred-plain-presentation.txt", "cred-plain-bundle.vellum"], pinned: credPin, aud: AUD, nonce: NONCE }, // the node knows nothing of it
    { files: ["cred-presentation.txt", "cred-bundle.vellum"], pinned: credPin, aud: AUD, nonce: "offer-2026-76" },
    { files: ["cred-presentation.txt", "cred-bundle.vellum"], pinned: credPin, nonce: NONCE }, // the default audience: this page
    { files: ["cred-presentation.txt", "cred-plain-bundle.vellum"], pinned: credPin, aud: AUD, nonce: NONCE },
    { files: ["cred-presentation.txt"], pinned: credPin, aud: AUD, nonce: NONCE },
    { files: ["cred-presentation.txt", "cred-bundle.vellum"], pinned: credPin, aud: AUD, nonce: "" },
    { files: ["cred-bundle.vellum"], doc: "cred-presentation.txt", pinned: credPin, aud: AUD, nonce: NONCE }, // dropped as the document
    { files: [], report: "aud" },
  ];
  const { verdicts: v, asked } = await runPage(t, scenarios, { api: true, files, routes });
  assert.equal(v.length, scenarios.length, JSON.stringify(v));
  assert.match(v[0], /^VALID credential, but REVOKED Presented by its holder for https:\/\/employer\.example /);
  assert.match(v[0], /Issued by Example University \(example\.edu\), attested by [0-9a-f]{64} at height 3 account [0-9a-f]{64} key ed25519:[0-9a-f]{64}/);
  assert.match(v[0], /Disclosed 2 of 4 claims disclosed degree: "BSc Computer Science" year: 2026 Credential type urn:vellum:academic-certificate/);
  assert.match(v[0], /status NOW: REVOKED since height 7 \(reason: privilege_withdrawn\), as of height 8 .*changed since the bundle was made/);
  assert.match(v[0], /Status then LIVE — status as of height 5 \(the bundle's\)/);
  assert.match(v[0], /The issuer signed 4 claims; the holder chose to show you 2: the others stay hidden\./);
  assert.doesNotMatch(v[0], /Alice|algorithms|name:/, "undisclosed claims are not shown (nor in the file)");
  assert.match(v[1], /^VALID credential, but REVOKED .*status NOW: REVOKED since height 9 \(reason: privilege_withdrawn\), as of height 10/);
  assert.match(v[1], /Issuer NOW Example University \(example\.edu\)/);
  assert.match(v[2], /^VALID credential Presented by its holder .*Issued by no attested identity .*key p256:[0-9a-f]{66}/);
  assert.match(v[2], /Disclosed 2 of 4 claims disclosed degree: "BSc Computer Science" year: 2026/);
  assert.match(v[2], /LIVE — status as of height 5 \(the bundle's\); current status not checked \(the node answered 404 to \/v1\/status\/[0-9a-f]{64}\)/);
  assert.match(v[3], /^NOT VALID the credential: failed at step 5 \(key binding\): made for another nonce$/);
  assert.match(v[4], /^NOT VALID the credential: failed at step 5 \(key binding\): made for audience "https:\/\/employer\.example", not "http:\/\/127\.0\.0\.1:\d+"$/);
  assert.match(v[5], /^NOT VALID the credential: failed at step 1 \(ledger\): the bundle does not prove this credential: it failed at step 8 \(document\)/);
  assert.match(v[6], /^Cannot verify A credential presentation is verified together with its evidence bundle/);
  assert.match(v[7], /^Enter the audience and the nonce/);
  assert.match(v[8], /^VALID credential, but REVOKED .*2 of 4 claims disclosed/);
  assert.match(v[9], /^AUDIENCE (http:\/\/127\.0\.0\.1:\d+) ORIGIN \1$/, "the audience defaults to the page's origin");
  assert.ok(asked.length >= 2, "the node was asked for the status now");
});

const RUST_FILES = ["credential-presentation.txt", "credential-bundle.vellum", "credential-genesis-hash.txt"];
const rustFilesMissing = RUST_FILES.filter((f) => !existsSync(join(EXAMPLES, f)));

// Fails (does not skip) while the files are missing; skipped only without Chromium once they are there.
test("the web page verifies the Rust CLI's devnet credential (docs/examples/credential-*): degree and year of 4 claims, by Example University", { skip: rustFilesMissing.length === 0 && !CHROMIUM && "no Chromium found (set CHROMIUM)", timeout: PAGE_TIMEOUT_MS }, async (t) => {
  assert.deepEqual(rustFilesMissing, [], `missing in docs/examples: ${rustFilesMissing.join(", ")} (made with \`vellum credential\` on a devnet; aud ${AUD}, nonce ${NONCE})`);
  assert.ok(CHROMIUM, "no Chromium found (set CHROMIUM)");
  const pinnedHash = exampleText("credential-genesis-hash.txt");
  const files = ["credential-presentation.txt", "credential-bundle.vellum"];
  const scenarios = [
    { files, pinned: pinnedHash, aud: AUD, nonce: NONCE },
    { files, pinned: pinnedHash, aud: AUD, nonce: "offer-2026-78" },
    { files, pinned: "00".repeat(32), aud: AUD, nonce: NONCE },
  ];
  const { verdicts: v } = await runPage(t, scenarios, { api: false });
  assert.equal(v.length, scenarios.length, JSON.stringify(v));
  assert.match(v[0], /^VALID credential/);
  assert.match(v[0], /Issued by Example University \(example\.edu\), attested by [0-9a-f]{64} at height \d+/);
  assert.match(v[0], /Disclosed 2 of 4 claims disclosed degree: "BSc Computer Science" year: 2026 Credential type /);
  assert.match(v[0], /current status not checked \(this page is not served by a node\)/);
  assert.doesNotMatch(v[0], /name:|grades:/);
  assert.match(v[1], /^NOT VALID the credential: failed at step 5 \(key binding\): made for another nonce$/);
  assert.match(v[2], /^NOT VALID the credential: failed at step 1 \(ledger\): .*step 2 \(checkpoint\)/);
});

// ---- Payment receipts ----

const paymentPin = exampleText("payment-genesis-hash.txt");

/** payment.vellumrc with its first leg's debited amount changed: its record is no longer the log's. */
function alteredPayment() {
  const r = decodeReceipt(readExample("payment.vellumrc"));
  r.record.outcome.legs[0].amount = 11901n;
  return encodeReceipt(r);
}

/** Receipts made on a test chain (all with one genesis): settled with a conversion, held, a voided hold, a bad signature. */
function madeReceipts() {
  const key = (scheme, n) => SecretKey.fromBytes(scheme, new Uint8Array(32).fill(n));
  const [ed, k1, p2] = [key("ed25519", 1), key("secp256k1", 2), key("p256", 3)];
  const h = (b) => new Uint8Array(32).fill(b);
  const unsigned = (body) => ({ chain_id: "vellum-test", sender: accountIdOf(ed.publicKey), nonce: 4n, expiry_height: 1000n, body });
  const legs = [
    { to: h(0x0a), token: "EUR", amount: 11900n, convert: null },
    { to: h(0x0b), token: "EUR", amount: 100n, convert: { to_token: "COOP", rate_version: 1n } },
  ];
  const transfer = signTransaction(unsigned({ type: "transfer", legs, reference: null }), [ed, k1, p2]);
  const settledLegs = [
    { to: h(0x0a), token: "EUR", amount: 11900n, credit_token: "EUR", credit_amount: 11900n, conversion: null },
    { to: h(0x0b), token: "EUR", amount: 100n, credit_token: "COOP", credit_amount: 200n, conversion: { desk: h(0x0e), num: 2n, den: 1n, rate_version: 1n } },
  ];
  const settled = receiptFile({ tx: transfer, outcome: { outcome: "settled", legs: settledLegs, reference: null } });
  const held = receiptFile({ tx: transfer, outcome: { outcome: "held", hold: 7n, legs: settledLegs, alerts: [{ rule: "large_transfer", token: "EUR", amount: 60000n }], reference: null } });
  const decision = signTransaction(unsigned({ type: "decide_hold", hold: 7n, post: false, reason: "sanctions_match" }), [p2]);
  const voided = receiptFile({ tx: decision, outcome: { outcome: "hold_voided", hold: 7n, transfer: h(0x20), from: h(0x21) } });
  const badSignature = { ...transfer, signatures: [transfer.signatures[0], { ...transfer.signatures[1], recovery_id: 2 }] };
  const refused = receiptFile({ tx: badSignature, outcome: { outcome: "settled", legs: settledLegs, reference: null } });
  return {
    pinned: settled.genesisHash,
    keys: [ed, k1, p2].map((k) => String(k.publicKey)),
    files: {
      "payment-altered.vellumrc": alteredPayment(),
      "made-settled.vellumrc": settled.receipt,
      "made-held.vellumrc": held.receipt,
      "made-voided.vellumrc": voided.receipt,
      "made-bad-signature.vellumrc": refused.receipt,
    },
  };
}

test("the web page verifies payment receipts: the devnet's payment.vellumrc, a tampered copy, every outcome, a bad signature", { skip: !CHROMIUM && "no Chromium found (set CHROMIUM)", timeout: PAGE_TIMEOUT_MS }, async (t) => {
  const made = madeReceipts();
  const scenarios = [
    { files: ["payment.vellumrc"], pinned: paymentPin },
    { files: ["payment-altered.vellumrc"], pinned: paymentPin },
    { files: ["payment.vellumrc"], pinned: "07".repeat(32) },
    { files: ["made-settled.vellumrc"], pinned: made.pinned },
    { files: ["made-held.vellumrc"], pinned: made.pinned },
    { files: ["made-voided.vellumrc"], pinned: made.pinned },
    { files: ["made-bad-signature.vellumrc"], pinned: made.pinned },
    { files: ["payment.vellumrc", "status-diploma.vellum"], pinned: paymentPin },
    { files: ["payment.vellumrc"], pinned: "", doc: "diploma.pdf" },
  ];
  const { verdicts: v } = await runPage(t, scenarios, { api: false, files: made.files });
  assert.equal(v.length, scenarios.length, JSON.stringify(v));
  // The devnet's receipt: two EUR legs settled, signed by the key that opened the payer's account.
  assert.match(
    v[0],
    /^VALID payment receipt Outcome SETTLED — 2 legs moved 11900 EUR debited, 11900 EUR credited to d18946eb4118860cb8056740cd7df16cf801be4c11ba09ac69bcdeab85453f2d 100 EUR debited, 100 EUR credited to b96079d0fbafc558815b0561f48c25db609e8a75a4fb6e3cb42baedb3cee51b6 Reference 0{62}42 /,
  );
  assert.match(v[0], /Transaction Transfer of 2 legs by account 5e5010d2[0-9a-f]{52}c3f4, nonce 0 id 1a9dd1ee1befd0b79b5c3a5987e3433f25ba6b8105aa63f5767774ea8161d46e /);
  assert.match(v[0], /Signed by ed25519:2dcc809f[0-9a-f]{52}7465 \(the key the account was opened with\) /);
  assert.match(v[0], /Executed at \d{4}-\d\d-\d\dT[0-9:.]+Z · block 6 Finalized by 3 of 4 validators \(the genesis validator set\) — block 7 /);
  assert.ok(v[0].includes(`Chain vellum-devnet · genesis ${paymentPin} `), v[0]);
  assert.doesNotMatch(v[0], /NOT pinned/);
  // Tampered, or another chain pinned.
  assert.match(v[1], /^NOT VALID the payment receipt: failed at step 5 \(log inclusion\): the payment record is not at log index 3/);
  assert.doesNotMatch(v[1], /11901/);
  assert.match(v[2], /^NOT VALID the payment receipt: failed at step 2 \(checkpoint\): payment receipt is for genesis dd4206ff/);
  // Made here: a converted leg, three signers under three schemes.
  assert.match(v[3], /^VALID payment receipt Outcome SETTLED — 2 legs moved 11900 EUR debited, 11900 EUR credited to (0a){32} 100 EUR debited, 200 COOP credited to (0b){32} — converted at 2\/1 \(rate version 1, desk (0e){32}\) Transaction /);
  assert.ok(v[3].includes(`Signed by ${made.keys[0]} (the key the account was opened with) ${made.keys[1]} ${made.keys[2]} Executed at`), v[3]);
  assert.match(made.keys[1], /^secp256k1:0[23][0-9a-f]{64}$/);
  assert.match(v[4], /^VALID payment receipt Outcome HELD by monitoring \(hold 7\) — nothing moved; held legs: 11900 EUR debited, 11900 EUR credited to (0a){32} 100 EUR debited, 200 COOP credited/);
  assert.match(v[4], /Alerts large transfer: 60000 EUR Transaction Transfer of 2 legs/);
  assert.match(v[5], /^VALID payment receipt Outcome HOLD 7 VOIDED — the held transfer (20){32} from (21){32} did not move; the funds are back with the payer Transaction Hold decision: void hold 7 \(reason: sanctions_match\) by account /);
  assert.ok(v[5].includes(`Signed by ${made.keys[2]} Executed at`), v[5]);
  assert.match(v[6], /^NOT VALID the payment receipt: failed at step 6 \(state entry\): the transaction's signatures do not verify: signature 1: recovery id must be 0 or 1$/);
  assert.match(v[7], /^Cannot verify A payment receipt is verified on its own: drop it alone\.$/);
  assert.match(v[8], /^VALID payment receipt .*Chain vellum-devnet · genesis [0-9a-f]{64} \(NOT pinned\) .*the document you chose was not used\.$/);
});

// ---- Transaction receipts ----

const invoicePin = exampleText("invoice-genesis-hash.txt");

/** invoice.vellumtr with the invoice's amount changed, and a contract call made here (a payment and an event after it, witnessed). */
function txReceiptFiles() {
  const r = decodeTxReceipt(readExample("invoice.vellumtr"));
  r.appended[0][0].record.invoice.amount += 1n;
  const ed = SecretKey.fromBytes("ed25519", new Uint8Array(32).fill(1));
  const contract = new Uint8Array(32).fill(0xc0);
  const body = { type: "call_contract", contract, function: "release", input: new Uint8Array(0), fuel: 1000n };
  const tx = signTransaction({ chain_id: "vellum-test", sender: accountIdOf(ed.publicKey), nonce: 2n, expiry_height: 1000n, body }, [ed]);
  const legs = [{ to: new Uint8Array(32).fill(0x0a), token: "EUR", amount: 250n, credit_token: "EUR", credit_amount: 250n, conversion: null }];
  const appended = [
    { kind: "payment", record: { time_ms: 1_767_225_606_000n, sender: contract, outcome: { outcome: "settled", legs, reference: null } } },
    { kind: "event", record: { contract, seq: 0, data: Uint8Array.of(0xca, 0xfe) } },
  ];
  const call = txReceiptFile({ tx, appended, witnessed: witnessedAt(5) });
  const policy = [1, 2].map((i) => `witness ${vectorWitness(i).name} ${toHex(vectorWitness(i).key.publicKey.bytes)}`).join("\n");
  return { callPin: call.genesisHash, files: { "invoice-altered.vellumtr": encodeTxReceipt(r), "call.vellumtr": call.receipt, "policy-2.txt": `${policy}\nquorum 2` } };
}

test("the web page verifies transaction receipts: the devnet's invoice with its document, a tampered copy, a contract call", { skip: !CHROMIUM && "no Chromium found (set CHROMIUM)", timeout: PAGE_TIMEOUT_MS }, async (t) => {
  const { files, callPin } = txReceiptFiles();
  const scenarios = [
    { files: ["invoice.vellumtr"], pinned: invoicePin, doc: "invoice.pdf" },
    { files: ["invoice.vellumtr"], pinned: invoicePin },
    { files: ["invoice.vellumtr"], pinned: invoicePin, doc: "diploma.pdf" },
    { files: ["invoice-altered.vellumtr"], pinned: invoicePin },
    { files: ["invoice.vellumtr"], pinned: paymentPin },
    { files: ["call.vellumtr"], pinned: callPin, policy: "policy-2.txt" },
    { files: ["invoice.vellumtr", "payment.vellumrc"], pinned: invoicePin },
  ];
  const { verdicts: v } = await runPage(t, scenarios, { api: false, files });
  assert.equal(v.length, scenarios.length, JSON.stringify(v));
  // The tax authority's issuance of the invoice for a payment, the invoice document matching it.
  assert.match(v[0], /^VALID transaction receipt Transaction Invoice issuance for payment [0-9a-f]{64} by account ed851e2a[0-9a-f]{56}, nonce 0 id 1c11b450ef4907dc651495fcff357ba7b4d2b9b4607cdc17adcef01593284c14 · log entry 9 /);
  assert.match(v[0], /Appended 1 log entry right after it: log entry 10, block 31 — INVOICE f77c8a56[0-9a-f]{56} issued: 12100 EUR, VAT included 2100 EUR, paid by 16ac76ca[0-9a-f]{56} to seller 051f5b2d[0-9a-f]{56} /);
  assert.match(v[0], /Document this exact document is the invoice's \(its SHA-256 matches\) Signed by ed25519:6a9b48b6[0-9a-f]{56} /);
  assert.ok(v[0].includes(`Chain vellum-devnet · genesis ${invoicePin} `), v[0]);
  assert.match(v[1], /^VALID transaction receipt .*Document not checked — drop the invoice document to check it is the one issued /);
  assert.match(v[2], /^VALID transaction receipt .*Document the document you chose is not the invoice's \(its SHA-256 is [0-9a-f]{64}\) /);
  assert.match(v[3], /^NOT VALID the transaction receipt: failed at step 5 \(log inclusion\): leaf 0 after the transaction is not at log index 10/);
  assert.match(v[4], /^NOT VALID the transaction receipt: failed at step 2 \(checkpoint\): transaction receipt is for genesis ee45f6b7/);
  // A contract call: the contract's payment and its event, witnessed under the policy.
  assert.match(v[5], /^VALID transaction receipt Transaction Contract call of release on contract (c0){32} by account [0-9a-f]{64}, nonce 2 id [0-9a-f]{64} · log entry 1 /);
  assert.match(v[5], /Appended 2 log entries right after it: log entry 2, block 6 — payment by account (c0){32} Outcome SETTLED — 1 leg moved 250 EUR debited, 250 EUR credited to (0a){32} log entry 3, block 6 — event 0 of contract (c0){32}: cafe \(2 bytes\) /);
  assert.match(v[5], /Witnesses WITNESSED: 2 of the policy's witnesses cosigned the log at size 5 /);
  assert.match(v[6], /^Cannot verify A transaction receipt is verified on its own: drop it alone/);
});

// ---- Witnesses (step 10) ----

/** Files for the witness scenarios: the vectors' witnessed bundle and receipt (hex `file`), a receipt witnessed here, policy files. */
function witnessFiles() {
  const cases = vectorFile("evidence.json").cases;
  const file = (name) => fromHex(cases.find((c) => c.name === name).file);
  const policyText = (ws, quorum) => [`# witnesses we rely on`, ...ws.map((w) => `witness ${w.name} ${toHex(w.key.publicKey.bytes)} https://${w.name}`), `quorum ${quorum}`].join("\n");
  const [v1, v2, v3] = [1, 2, 3].map(vectorWitness);
  const later = receiptFile({ ...transferPayment(), witnessed: witnessedAt(7) });
  return {
    laterPin: later.genesisHash,
    files: {
      "witnessed.vellum": file("witnessed bundle (version 4): 2 of 2"),
      "witnessed-root-changed.vellum": file("witnessed bundle: root changed"),
      "witnessed.vellumrc": file("witnessed receipt (version 3): 2 of 2"),
      "witnessed-later.vellumrc": later.receipt,
      "policy-2-of-2.txt": policyText([v1, v2], 2),
      "policy-3-of-3.txt": policyText([v1, v2, v3], 3),
      "policy-bad.txt": "witness witness.example/v1 not-a-key\n",
    },
  };
}

test("the web page checks witnessed bundles and receipts: WITNESSED under a policy file, unchecked without, refused at step 10", { skip: !CHROMIUM && "no Chromium found (set CHROMIUM)", timeout: PAGE_TIMEOUT_MS }, async (t) => {
  const { files, laterPin } = witnessFiles();
  const scenarios = [
    { files: ["witnessed.vellum"], doc: "attested-diploma.pdf", pinned: attestedPin, policy: "policy-2-of-2.txt" },
    { files: ["witnessed.vellum"], doc: "attested-diploma.pdf", pinned: attestedPin },
    { files: ["witnessed-root-changed.vellum"], doc: "attested-diploma.pdf", pinned: attestedPin, policy: "policy-2-of-2.txt" },
    { files: ["witnessed.vellum"], doc: "attested-diploma.pdf", pinned: attestedPin, policy: "policy-3-of-3.txt" },
    { files: ["attested-diploma.vellum"], doc: "attested-diploma.pdf", pinned: attestedPin, policy: "policy-2-of-2.txt" },
    { files: ["attested-diploma.vellum"], doc: "attested-diploma.pdf", pinned: attestedPin },
    { files: ["witnessed.vellum", "attested-diploma-revoked-issuer.status"], doc: "attested-diploma.pdf", pinned: attestedPin, policy: "policy-2-of-2.txt" },
    { files: ["attested-diploma-revoked-issuer.status"], pinned: attestedPin, policy: "policy-2-of-2.txt" },
    { files: ["witnessed.vellumrc"], pinned: paymentPin, policy: "policy-2-of-2.txt" },
    { files: ["witnessed-later.vellumrc"], pinned: laterPin, policy: "policy-2-of-2.txt" },
    { files: ["witnessed-later.vellumrc"], pinned: laterPin },
    { files: ["witnessed.vellum"], pinned: attestedPin, policy: "policy-bad.txt" },
  ];
  const { verdicts: v } = await runPage(t, scenarios, { api: false, files });
  assert.equal(v.length, scenarios.length, JSON.stringify(v));
  // A version-4 bundle under a policy its two witnesses meet; the same without a policy.
  assert.match(v[0], /^VALID Document this exact document \(its SHA-256 matches\) Registered by Example University \(example\.edu\)/);
  assert.match(v[0], /Witnesses WITNESSED: 2 of the policy's witnesses cosigned the log at size 6 Chain/);
  assert.match(v[1], /^VALID Document this exact document .*Witnesses log witnessed: 2 cosignature\(s\) at size 6 \(not checked against a policy\) cosignature lines named witness\.example\/v1, witness\.example\/v2 — give a witness policy to check them Chain/);
  assert.doesNotMatch(v[1], /WITNESSED/);
  // Refused at step 10: a checkpoint of another root; a policy it does not meet; a file without cosignatures.
  assert.match(v[2], /^NOT VALID failed at step 10 \(witnesses\): the witnessed log is not consistent with the header's$/);
  assert.match(v[3], /^NOT VALID failed at step 10 \(witnesses\): the witnessed checkpoint fails the policy: only 2 valid cosignatures from the policy's witnesses; 3 needed$/);
  assert.match(v[4], /^NOT VALID failed at step 10 \(witnesses\): the witness policy needs a witnessed file/);
  assert.match(v[5], /^VALID Document .*Witnesses no witness cosignatures in this file /);
  // With a status proof: the bundle's cosignatures checked last; a status proof alone carries none.
  assert.match(v[6], /^VALID Document this exact document .*Issuer NOW Example University .*Witnesses WITNESSED: 2 of the policy's witnesses cosigned the log at size 6 /);
  assert.match(v[7], /^NOT VALID the status proof: failed at step 10 \(witnesses\): a status proof carries no witness cosignatures/);
  // Receipts: the vectors' (its header's size), and one witnessed after its header (a consistency proof 5 → 7).
  assert.match(v[8], /^VALID payment receipt Outcome SETTLED .*Witnesses WITNESSED: 2 of the policy's witnesses cosigned the log at size 4 /);
  assert.match(v[9], /^VALID payment receipt .*Witnesses WITNESSED: 2 of the policy's witnesses cosigned the log at size 7 /);
  assert.match(v[10], /^VALID payment receipt .*Witnesses log witnessed: 2 cosignature\(s\) at size 7 \(not checked against a policy\) /);
  // A policy that cannot be read: nothing verified.
  assert.match(v[11], /^Cannot verify the witness policy policy-bad\.txt cannot be used: line 1: expected `witness <name> <64-hex key> \[url\]` or `quorum <k>`$/);
});

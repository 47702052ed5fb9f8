// The node's web verifier (crates/api/web/verify.js, WebCrypto, its own decoder) under Node:
// every bundle and status-proof case of docs/vectors/evidence.json gets the Rust verdict and
// issuer identity; every transaction-receipt case the Rust verdict and, when valid, the
// transaction, its signers and the leaves it appended; every witnessed bundle and receipt case (step 10 under its witness policy,
// given as the policy file the page reads) the Rust verdict, witnessed size and cosignatures; on
// tampered status proofs and version-3 and -4 bundles (a bit flipped all over the real files) it
// names the same step as this SDK; and it still loads the way crates/api/tests/web.rs loads it
// (its exports stripped, run as CommonJS), so that Rust test keeps working.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { VerifyError, fromHex, issuerLine, parseWitnessPolicy, toHex, verifyBundle, verifyReceipt, verifyStatusProof, witnessedLine } from "../src/index.js";
import { REPO, exampleText, readExample, vectorFile } from "./fixtures.js";

const WEB_VERIFIER = join(REPO, "crates", "api", "web", "verify.js");
const web = await import(pathToFileURL(WEB_VERIFIER).href);
const evidence = vectorFile("evidence.json");
const hexOrNull = (h) => (h === null || h === undefined ? null : fromHex(h));

/** The web verifier's verdict on a case: "ok" or "step N (name)". */
async function webVerdict(c) {
  const pinned = c.pinned_genesis ?? null;
  const runs = {
    bundle: () => web.verifyBundle(fromHex(c.file), hexOrNull(c.document), pinned),
    status: () => web.verifyStatusProof(fromHex(c.file), pinned),
    bundle_with_status: () => web.verifyBundleWithStatus(fromHex(c.file), fromHex(c.status_file), hexOrNull(c.document), pinned),
  };
  const r = await runs[c.kind]();
  return { r, verdict: r.ok ? "ok" : r.step };
}

/** The web verifier's `issuer` in the vectors' form (null, `{ attested: false }`, or the attestation's summary). */
const issuerExpect = (i) =>
  i === null ? null : i.attested ? { attested: true, name: i.name, domain: i.domain, attested_by: i.attested_by, height: i.height, revoked_reason: i.revoked ? i.revoked.reason : null } : { attested: false };

test("web verifier: every bundle and status-proof case of evidence.json gets the reference verdict", async () => {
  const cases = evidence.cases.filter((c) => ["bundle", "status", "bundle_with_status"].includes(c.kind));
  assert.ok(cases.some((c) => c.kind === "status") && cases.some((c) => c.kind === "bundle_with_status"), "the vectors have status cases");
  for (const c of cases) {
    const { r, verdict } = await webVerdict(c);
    assert.equal(verdict, c.expect.valid ? "ok" : `step ${c.expect.failed.step} (${c.expect.failed.name})`, c.name);
    if (!c.expect.valid) continue;
    if (c.kind === "bundle") assert.deepStrictEqual(issuerExpect(r.issuer), c.expect.issuer, `${c.name}: issuer`);
    if (c.kind === "status") assert.deepStrictEqual(issuerExpect(r.issuer), c.expect.issuer, `${c.name}: issuer`);
    if (c.kind === "bundle_with_status") assert.deepStrictEqual(issuerExpect(r.now.issuer_now), c.expect.issuer_now, `${c.name}: issuer_now`);
    if (c.kind === "status") {
      assert.deepEqual([r.proof_id, r.member, r.registrant, r.height], [c.expect.proof_id, c.expect.member_index, c.expect.registrant, c.expect.height], c.name);
      assert.deepEqual([r.status, r.status_reason, r.status_since], [c.expect.status, c.expect.status_reason, c.expect.status_since_height], c.name);
    }
    if (c.kind === "bundle_with_status") {
      assert.deepEqual([r.now.then.name, r.now.now.name, r.now.now_height, r.now.changed], [c.expect.status_then, c.expect.status_now, c.expect.now_height, c.expect.changed], c.name);
    }
  }
});

test("web verifier: every transaction-receipt case of evidence.json gets the Rust verdict, and the valid ones what they prove", async () => {
  const cases = evidence.cases.filter((c) => c.kind === "tx_receipt");
  assert.ok(cases.some((c) => c.expect.valid) && cases.some((c) => !c.expect.valid), "valid and failing transaction receipts in the vectors");
  for (const c of cases) {
    const r = await web.verifyTxReceipt(fromHex(c.file), c.pinned_genesis ?? null);
    assert.equal(r.ok ? "ok" : r.step, c.expect.valid ? "ok" : `step ${c.expect.failed.step} (${c.expect.failed.name})`, `${c.name}: ${r.reason}`);
    if (!c.expect.valid) continue;
    const e = c.expect;
    assert.deepEqual([r.kind, r.genesis_hash, r.tx_id, r.tx_kind, r.sender, String(r.tx_index)], ["tx_receipt", e.genesis_hash, e.tx_id, e.tx_kind, e.sender, String(e.log_index)], c.name);
    assert.deepEqual(r.tx_signers.map((s) => s.key), e.signers, c.name);
    assert.deepStrictEqual(r.appended, e.appended, c.name);
    assert.equal(web.fileKind(fromHex(c.file)), "tx_receipt");
  }
});

/** A vector's JSON witness policy as the policy file a user gives the page. */
const policyText = (p) => [...p.witnesses.map((w) => `witness ${w.name} ${w.key}`), `quorum ${p.quorum}`].join("\n");

test("web verifier: every witnessed bundle and receipt case of evidence.json gets the reference verdict under its witness policy", async () => {
  const cases = evidence.cases.filter((c) => c.kind === "witnessed_bundle" || c.kind === "witnessed_receipt");
  assert.ok(cases.some((c) => c.kind === "witnessed_receipt") && cases.some((c) => !c.expect.valid), "the vectors have witnessed cases");
  for (const c of cases) {
    const policy = web.parseWitnessPolicy(policyText(c.witness_policy));
    const file = fromHex(c.file);
    const r = c.kind === "witnessed_bundle" ? await web.verifyBundle(file, null, c.pinned_genesis, policy) : await web.verifyReceipt(file, c.pinned_genesis, policy);
    assert.equal(r.ok ? "ok" : r.step, c.expect.valid ? "ok" : `step ${c.expect.failed.step} (${c.expect.failed.name})`, c.name);
    if (!c.expect.valid) continue;
    assert.deepEqual([r.witnessed.size, r.witness_cosignatures], [c.expect.witnessed_size, c.expect.witness_cosignatures], c.name);
    assert.equal(web.witnessedLine(r), `WITNESSED: ${c.expect.witness_cosignatures} of the policy's witnesses cosigned the log at size ${c.expect.witnessed_size}`);
    // Without a policy: valid, the cosignatures reported as not checked (as this SDK words it).
    const plain = c.kind === "witnessed_bundle" ? await web.verifyBundle(file, null, c.pinned_genesis) : await web.verifyReceipt(file, c.pinned_genesis);
    const sdk = (c.kind === "witnessed_bundle" ? verifyBundle : verifyReceipt)(file, { genesisHash: c.pinned_genesis });
    assert.equal(web.witnessedLine(plain), witnessedLine(sdk.witnessed, sdk.witnessCosignatures));
    assert.match(web.witnessedLine(plain), /^log witnessed: 2 cosignature\(s\) at size \d+ \(not checked against a policy\)$/);
  }
  // A status proof with a policy file: the page's bundle-with-status path checks the bundle's cosignatures last.
  const good = cases.find((c) => c.name === "witnessed bundle (version 4): 2 of 2");
  const status = new Uint8Array(readExample("attested-diploma-revoked-issuer.status"));
  const both = await web.verifyBundleWithStatus(fromHex(good.file), status, null, good.pinned_genesis, web.parseWitnessPolicy(policyText(good.witness_policy)));
  assert.deepEqual([both.ok, both.bundle.witness_cosignatures, both.now.issuer_now.revoked.reason], [true, 2, "affiliation_changed"]);
  const short = await web.verifyBundleWithStatus(fromHex(good.file), status, null, good.pinned_genesis, web.parseWitnessPolicy(`${policyText(good.witness_policy)}\nwitness witness.example/v3 ${"f80cccdce4ae1c07ae208a2adf99a310ae4207e0306fa0236110b06827bbb8d0"}\nquorum 3`));
  assert.deepEqual([short.ok, short.step, short.file], [false, "step 10 (witnesses)", "bundle"]);
});

test("web verifier: witness policy files read as this SDK reads them", () => {
  const k1 = "c050c5637a44fa8629fff3cccce2300cb362a63d99d95fc54145266f4332445a";
  const k2 = "2012cb90ca60e8e5d8daf66e2272d2233e0486d557e8c66141ed8920177d7eb7";
  const texts = [
    `# ours\r\nwitness a ${k1} https://a.example\n\twitness  b ${k2.toUpperCase()}  \nquorum 1\n`,
    `witness a ${k1}\nwitness b ${k2}`,
    `witness a ${k1}\nquorum 2`,
    `witness a ${k1}\nquorum 0`,
    `witness a ${k1.slice(1)}`,
    `witness a ${k1}\nwitness a ${k2}`,
    `witness a ${k1}\nwitness b ${k1}`,
    `witnesses a ${k1}`,
    "# none\n",
  ];
  for (const text of texts) {
    let sdk;
    try {
      const p = parseWitnessPolicy(text);
      sdk = JSON.stringify([p.witnesses.map((w) => [w.name, toHex(w.key), w.url]), p.quorum]);
    } catch {
      sdk = "refused";
    }
    let page;
    try {
      const p = web.parseWitnessPolicy(text);
      page = JSON.stringify([p.witnesses.map((w) => [w.name, web.hex(w.key), w.url]), p.quorum]);
    } catch {
      page = "refused";
    }
    assert.equal(page, sdk, JSON.stringify(text));
  }
});

test("web verifier: status lines with reason code and height; step 9 refusals", async () => {
  const pinned = exampleText("status-genesis-hash.txt");
  const suspended = await web.verifyStatusProof(new Uint8Array(readExample("status-diploma-suspended.status")), pinned);
  assert.equal(web.statusLine(suspended.status_info), "SUSPENDED since height 9 (reason: under_investigation)");
  const bundle = await web.verifyBundle(new Uint8Array(readExample("status-diploma.vellum")), null, pinned);
  assert.equal(web.statusNow(bundle, { ...suspended, height: bundle.status_height - 1 }).step, "step 9 (status)", "9d");
  assert.equal(web.statusNow(bundle, { ...suspended, member: 0 }).step, "step 9 (status)", "9c");
  assert.equal(web.statusNow(bundle, { ...suspended, genesis_hash: "07".repeat(32) }).step, "step 9 (status)", "9a");
  const other = await web.verifyStatusProof(new Uint8Array(readExample("status-cert-1-revoked.status")), pinned);
  assert.equal(web.statusNow(bundle, other).step, "step 9 (status)", "9b");
  assert.equal(web.fileKind(new Uint8Array(readExample("status-cert-1-revoked.status"))), "status");
  assert.equal(web.fileKind(new Uint8Array(readExample("status-diploma.vellum"))), "bundle");
});

test("web verifier: the issuer identity worded as this SDK words it — attested, revoked since, none, an older file", async () => {
  const pinned = exampleText("attested-genesis-hash.txt");
  const bundle = await web.verifyBundle(new Uint8Array(readExample("attested-diploma.vellum")), new Uint8Array(readExample("attested-diploma.pdf")), pinned);
  assert.equal(web.issuerLine(bundle.issuer), "Example University (example.edu), attested by a593128897183f44834b2986c36672cc4d56c69c95fd41c5d48aff9e89f29691 at height 6");
  const both = await web.verifyBundleWithStatus(new Uint8Array(readExample("attested-diploma.vellum")), new Uint8Array(readExample("attested-diploma-revoked-issuer.status")), null, pinned);
  assert.match(web.issuerLine(both.now.issuer_now), /at height 6 — identity attestation REVOKED at height 9 \(reason: affiliation_changed\)$/);
  assert.equal(both.now.issuer_now.revoked.height, 9);
  assert.equal(web.issuerLine(both.bundle.issuer), issuerLine(verifyBundle(readExample("attested-diploma.vellum")).issuer));
  assert.equal(web.issuerLine(both.status.issuer), issuerLine(verifyStatusProof(readExample("attested-diploma-revoked-issuer.status")).issuer));
  const never = await web.verifyBundle(new Uint8Array(readExample("status-diploma.vellum")), null, null);
  assert.deepEqual([never.issuer, web.issuerLine(never.issuer)], [{ attested: false }, "no attested identity"]);
  const older = await web.verifyBundle(new Uint8Array(readExample("diploma.vellum")), null, null);
  assert.deepEqual([older.issuer, web.issuerLine(older.issuer)], [null, "this file (an older format) carries no issuer identity"]);
});

test("web verifier and this SDK name the same step for version-3 and -4 bundles with a bit flipped anywhere", async () => {
  let compared = 0;
  const witnessed = evidence.cases.find((c) => c.name === "witnessed bundle (version 4): 2 of 2");
  const files = [
    ["attested-diploma.vellum", readExample("attested-diploma.vellum"), exampleText("attested-genesis-hash.txt"), "attested-diploma.pdf", null],
    ["status-cert-1.vellum", readExample("status-cert-1.vellum"), exampleText("status-genesis-hash.txt"), null, null],
    // Version 4, under its witness policy: a flip in the note or the proof fails at step 10 in both.
    [witnessed.name, fromHex(witnessed.file), witnessed.pinned_genesis, "attested-diploma.pdf", witnessed.witness_policy],
  ];
  for (const [name, bytes, pinned, doc, policy] of files) {
    const document = doc ? new Uint8Array(readExample(doc)) : null;
    const file = new Uint8Array(bytes);
    const webPolicy = policy && web.parseWitnessPolicy(policyText(policy));
    for (let i = 0; i < file.length; i += 3) {
      const t = file.slice();
      t[i] ^= 0x04;
      let sdk = "ok";
      try {
        verifyBundle(t, { genesisHash: pinned, document, witnessPolicy: policy });
      } catch (e) {
        assert.ok(e instanceof VerifyError, e.message);
        sdk = `step ${e.stepNumber} (${e.step})`;
      }
      const w = await web.verifyBundle(t, document, pinned, webPolicy);
      assert.equal(w.ok ? "ok" : w.step, sdk, `${name}, byte ${i}`);
      compared++;
    }
  }
  assert.ok(compared > 1900);
});

test("web verifier and this SDK name the same step for status proofs with a bit flipped anywhere", async () => {
  const pinned = exampleText("status-genesis-hash.txt");
  let compared = 0;
  for (const [name, pin] of [["status-diploma-suspended.status", pinned], ["status-cert-1-revoked.status", pinned], ["attested-diploma-revoked-issuer.status", exampleText("attested-genesis-hash.txt")]]) {
    const file = new Uint8Array(readExample(name));
    for (let i = 0; i < file.length; i += 3) {
      const t = file.slice();
      t[i] ^= 0x04;
      let sdk = "ok";
      try {
        verifyStatusProof(t, { genesisHash: pin });
      } catch (e) {
        assert.ok(e instanceof VerifyError, e.message);
        sdk = `step ${e.stepNumber} (${e.step})`;
      }
      const w = await web.verifyStatusProof(t, pin);
      assert.equal(w.ok ? "ok" : w.step, sdk, `${name}, byte ${i}`);
      compared++;
    }
  }
  assert.ok(compared > 1300);
});

test("web verifier still loads as crates/api/tests/web.rs loads it (exports stripped, CommonJS)", async (t) => {
  const source = await readFile(WEB_VERIFIER, "utf8");
  const stripped = source.replace(/export async function/g, "async function").replace(/export function/g, "function").replace(/export const hex/g, "const hex").replace(/export \{ fromHex \};/g, "");
  assert.doesNotMatch(stripped.replace(/\/\/.*$/gm, ""), /\bexport\b|\bimport\b/, "no other export or import form");
  const dir = await mkdtemp(join(tmpdir(), "vellum-web-harness-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const script = join(dir, "harness.cjs");
  const bundle = readExample("diploma.vellum").toString("hex");
  const runner = `verifyBundle(fromHex("${bundle}"), null, null).then((r) => console.log(r.ok ? "ok" : r.step));`;
  await writeFile(script, `${stripped}\n${runner}\n`);
  const { stdout } = await promisify(execFile)(process.execPath, [script]);
  assert.equal(stdout.trim(), "ok");
});

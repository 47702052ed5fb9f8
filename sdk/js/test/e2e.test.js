// End to end on a real devnet, from the SDK alone (skipped unless VELLUM_BIN names the vellum
// binary): the registrar opens accounts for fresh SDK keys (one P-256, kept in a keystore); the
// issuer registers documents, verifies their bundles offline against the pinned genesis, then
// revokes and supersedes; the council creates a token by a 2-of-3 multi-party signature (the CLI
// reads the SDK's transaction file and signs it alike) and governs monitoring, a sub-ledger and
// a conversion rate; payments (multi-leg with a reference, held then posted by compliance,
// converted) are made and their receipts verified; the event streams show them; after `kill -9`
// of the validator the client was talking to, another payment finalizes through another one;
// guardians recover Alice's account onto a new key; finally a batch member is suspended and
// reinstated, its status fetched from every validator (no key) and combined with its old
// bundle, and compliance revokes everything the issuer registered from a forgery's height on.
// Issuer identity: bundles say "no attested identity" until the registrar attests the issuer
// (version-3 bundles then name it), compliance withdraws it (the status now shows it), the
// council attests again by proposal; the batch's members are handed to the network with a
// holder, who fetches their bundle and finds it by digest; a named holder reads a registration.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  DecodeError,
  InsufficientWeight,
  issuerLine,
  issuerProfile,
  NodeError,
  SecretKey,
  Vellum,
  combineTxFiles,
  createKeystore,
  monitoringRules,
  openKeystore,
  readTxFile,
  signTxFile,
  stringifyJson,
  toHex,
  txFileText,
  utf8,
  verifyBundle,
  verifyReceipt,
  wellKnownDocument,
} from "../src/index.js";
import { loadKeyFile } from "../src/node.js";
import { BIN, CLI_TIMEOUT_MS, run, startDevnet } from "./devnet.js";

/** Bounds: the whole test, one wait for events or blocks. */
const TEST_TIMEOUT_MS = 600_000;
const WAIT_MS = 30_000;
const KEYSTORE_PASSWORD = "alice's long password";

/** Collects a followed event stream in the background until `stop()`. */
function collect(vellum, options) {
  const abort = new AbortController();
  const events = [];
  const done = (async () => {
    try {
      for await (const ev of vellum.events({ ...options, signal: abort.signal })) events.push(ev);
    } catch (e) {
      if (!abort.signal.aborted) events.push({ event: "error", data: e.message });
    }
  })();
  return { events, stop: async () => (abort.abort(), done) };
}

async function waitFor(what, check, ms = WAIT_MS) {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`${what} not seen within ${ms} ms`);
}

const seen = (stream, kind, txHash) => stream.events.some((e) => e.event === kind && e.data.tx_hash === txHash);

/** Starts a devnet in a fresh temp dir; stopped (and removed) when the test ends. */
async function devnet(t) {
  const { tmp, dir } = await startDevnet(t);
  const vellum = Vellum.fromClientConfig(await readFile(join(dir, "client.toml"), "utf8"));
  const names = ["registrar", "issuer", "compliance", "desk", "council-1", "council-2"];
  const keys = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await loadKeyFile(join(dir, "keys", `${n}.key`))])));
  return { tmp, dir, vellum, keys, councilId: toHex(keys["council-1"].accountId) };
}

/** Fresh SDK keys with accounts: Alice's is P-256 and lives in an encrypted keystore. */
async function people(ctx) {
  const keystore = await createKeystore(SecretKey.generate("p256"), KEYSTORE_PASSWORD, { cost: { memoryKib: 8192, passes: 1 } });
  const people = { alice: await openKeystore(JSON.stringify(keystore), KEYSTORE_PASSWORD), bob: SecretKey.generate("ed25519"), carol: SecretKey.generate("secp256k1") };
  for (const [who, k] of Object.entries(people)) {
    const opened = await ctx.vellum.openAccount({ registrar: ctx.keys.registrar, publicKey: k.publicKey, identityRecord: `${who}: passport checked`, label: who });
    assert.equal(opened.accountId, toHex(k.accountId));
    assert.equal(opened.tx.status, "finalized");
  }
  const view = await ctx.vellum.account(people.alice.accountId, { key: people.alice });
  assert.equal(view.account.signers.signers[0].key, people.alice.publicKey.toString());
  return people;
}

/** One document and a salted batch, their bundles verified offline; then revoke and supersede. */
async function proofs({ vellum, keys: { issuer } }) {
  const genesisHash = vellum.genesisHash;
  const diploma = utf8("%PDF-1.7 diploma of Alice, 2026\n%%EOF");
  const single = await vellum.registerDocument({ key: issuer, document: diploma, name: "diploma.pdf", metadata: '{"holder":"alice"}' });
  const { bytes, result } = await vellum.fetchBundle({ key: issuer, manifest: single.manifest, document: diploma });
  assert.deepEqual([result.document, result.status.status, result.proofId], ["matched", "live", single.proofId]);
  assert.equal(verifyBundle(bytes, { genesisHash, document: diploma }).registrant, toHex(issuer.accountId));
  assert.throws(() => verifyBundle(bytes, { genesisHash, document: utf8("another file") }), { name: "VerifyError", step: "document" });
  assert.throws(() => verifyBundle(bytes, { genesisHash: "00".repeat(32) }), { name: "VerifyError", step: "checkpoint" });
  const docs = ["transcript-1", "transcript-2", "transcript-3"].map((name) => ({ name, bytes: utf8(`${name}: grades of Alice`) }));
  const batch = await vellum.registerBatch({ key: issuer, documents: docs, salted: true });
  const member = await vellum.fetchBundle({ key: issuer, manifest: batch.manifest, index: 1, document: docs[1].bytes });
  assert.deepEqual([member.result.memberIndex, member.result.document], [1, "matched"]);
  await vellum.revokeProof({ key: issuer, proofId: batch.proofId, member: 2, reason: "privilege_withdrawn" });
  const revoked = await vellum.fetchBundle({ key: issuer, manifest: batch.manifest, index: 2, document: docs[2].bytes });
  assert.equal(revoked.result.status.status, "revoked");
  await vellum.supersedeProof({ key: issuer, proofId: single.proofId, by: batch.proofId });
  const superseded = await vellum.fetchBundle({ key: issuer, manifest: single.manifest, document: diploma });
  assert.deepEqual([superseded.result.status.status, toHex(superseded.result.status.by)], ["superseded", batch.proofId]);
  return { single, batch, docs, memberBundle: member.result };
}

/** Issuer identity (attest, revoke, attest by the council) and batch members and holders on the network. */
async function identityAndHolders(ctx, { bob, carol }, { single, batch, docs }) {
  const { vellum, keys, councilId } = ctx;
  const { issuer, registrar, compliance } = keys;
  const before = await vellum.fetchBundle({ key: issuer, manifest: batch.manifest, index: 1, document: docs[1].bytes });
  assert.deepEqual([before.bytes[8], before.result.issuer], [3, { attested: false }], "a node writes version 3: no attested identity yet");
  assert.equal(await vellum.issuerAttestation(issuer.accountId), null);
  const status = await vellum.status();
  const wellKnown = wellKnownDocument({ name: "Example University", chainId: status.chain_id, genesisHash: vellum.genesisHash, account: issuer.accountId });
  await assert.rejects(vellum.attestIssuer({ key: registrar, issuer: issuer.accountId, name: "Another University", domain: "example.edu", wellKnown }), /does not vouch for this account/);
  await assert.rejects(vellum.attestIssuer({ key: registrar, issuer: registrar.accountId, name: "Example University", domain: "example.edu", wellKnown }), /does not list account/);
  const attested = await vellum.attestIssuer({ key: registrar, issuer: issuer.accountId, name: "Example University", domain: "example.edu", wellKnown });
  const shown = await vellum.issuerAttestation(issuer.accountId);
  assert.deepEqual([shown.profile.name, shown.profile.domain, shown.attested_by, String(shown.height), shown.revoked], ["Example University", "example.edu", toHex(registrar.accountId), String(attested.tx.height), null]);
  assert.equal(shown.profile.well_known_sha256, toHex(attested.profile.well_known_sha256));
  const named = await vellum.fetchBundle({ key: issuer, manifest: batch.manifest, index: 1, document: docs[1].bytes });
  assert.equal(issuerLine(named.result.issuer), `Example University (example.edu), attested by ${toHex(registrar.accountId)} at height ${attested.tx.height}`);
  assert.deepEqual(verifyBundle(before.bytes, { genesisHash: vellum.genesisHash }).issuer, { attested: false }, "the bundle made before still says what was true then");
  // Compliance withdraws it: the status now carries the withdrawal.
  await vellum.revokeAttestation({ key: compliance, issuer: issuer.accountId, reason: "affiliation_changed" });
  await assert.rejects(vellum.revokeAttestation({ key: compliance, issuer: issuer.accountId, reason: "affiliation_changed" }), (e) => e instanceof NodeError && e.code === "attestation_revoked");
  const { now } = await vellum.fetchStatus({ bundle: named.result });
  assert.deepEqual([now.issuerNow.revoked.reason, now.issuerNow.revoked.by, named.result.issuer.revoked], ["affiliation_changed", toHex(compliance.accountId), null]);
  // The council attests again (GovAction attest_issuer): a new attestation, by the council account.
  const profile = issuerProfile({ name: "Example University", domain: "example.edu", wellKnownSha256: attested.profile.well_known_sha256 });
  await govern(ctx, { action: "attest_issuer", issuer: issuer.accountId, profile });
  const again = await vellum.issuerAttestation(issuer.accountId);
  assert.deepEqual([again.attested_by, again.revoked], [councilId, null]);
  assert.equal((await vellum.fetchStatus({ bundle: named.result })).now.issuerNow.attestedBy, councilId);
  // Batch members on the network, Bob holding member 1: he fetches his bundle (the node fills in
  // the digest and path; he has his salt) and finds it by his document's registered digest.
  await vellum.storeBatchMembers({ key: issuer, manifest: batch.manifest, holders: [null, bob.accountId, null] });
  const d1 = batch.manifest.documents[1];
  const his = await vellum.fetchBundle({ key: bob, proofId: batch.proofId, member: 1, document: docs[1].bytes, salt: d1.salt });
  assert.deepEqual([his.result.memberIndex, his.result.document, his.result.registeredDigest], [1, "matched", d1.leaf]);
  await assert.rejects(vellum.fetchBundle({ key: bob, proofId: batch.proofId, member: 0 }), (e) => e instanceof NodeError && e.code === "forbidden", "not his member");
  const found = await vellum.proofsByDigest(d1.leaf, { key: bob });
  assert.deepEqual(found.members, [{ proof_id: batch.proofId, member: 1 }]);
  // Carol, named holder of the single registration, reads its bundle.
  await assert.rejects(vellum.fetchBundle({ key: carol, proofId: single.proofId }), (e) => e instanceof NodeError && e.code === "forbidden");
  await vellum.addHolders({ key: issuer, proofId: single.proofId, holders: [carol.accountId] });
  const hers = await vellum.fetchBundle({ key: carol, proofId: single.proofId, document: utf8("%PDF-1.7 diploma of Alice, 2026\n%%EOF") });
  assert.deepEqual([hers.result.document, hers.result.issuer.attested], ["matched", true]);
}

/** 2-of-3: council-1 builds and signs, council-2 signs on its own "device" (and the CLI alike). */
async function createToken(ctx) {
  const { vellum, keys, councilId } = ctx;
  const body = {
    type: "propose",
    action: { action: "create_token", symbol: "EUR", decimals: 2, issuer: keys.issuer.accountId, subledger: null, flags: { kyc_required: true, clawback: false, pausable: false } },
    deadline_height: BigInt((await vellum.status()).height) + 100_000n,
  };
  const built = await vellum.prepare(body, { sender: councilId, key: keys["council-1"] });
  const byCouncil1 = signTxFile(built, keys["council-1"]);
  await assert.rejects(vellum.submitTxFile(byCouncil1, { key: keys["council-1"] }), InsufficientWeight);
  const byCouncil2 = signTxFile(txFileText(built), keys["council-2"]);
  await writeFile(join(ctx.tmp, "built.json"), txFileText(built));
  const cli = join(ctx.tmp, "cli.json");
  await run(BIN, ["tx", "sign", join(ctx.tmp, "built.json"), "--key", join(ctx.dir, "keys", "council-2.key"), "--yes", "--out", cli], { timeout: CLI_TIMEOUT_MS });
  assert.deepEqual(readTxFile(await readFile(cli, "utf8")).file.signatures, byCouncil2.signatures, "Ed25519 is deterministic");
  const both = combineTxFiles(byCouncil1, byCouncil2);
  assert.equal(readTxFile(both).signers.length, 2);
  const proposed = await vellum.submitTxFile(both, { key: keys["council-1"] });
  assert.equal((await vellum.proposalOf(proposed, "create_token"))?.status?.state, "executed");
}

/** The council (both keys in one process this time) passes a governed action. */
async function govern({ vellum, keys, councilId }, action) {
  const { proposal } = await vellum.propose({ signers: [keys["council-1"], keys["council-2"]], sender: councilId, action });
  assert.equal(proposal?.status?.state, "executed", JSON.stringify(proposal));
}

/** A multi-leg payment referencing a proof; its receipt verified offline. */
async function pay(ctx, { alice, bob, carol }, single) {
  const { vellum } = ctx;
  await vellum.send({ type: "mint", token: "EUR", to: alice.accountId, amount: 100_000n }, { key: ctx.keys.issuer });
  const paid = await vellum.transfer({ key: alice, legs: [{ to: bob.accountId, token: "EUR", amount: "12.50" }, { to: carol.accountId, token: "EUR", amount: 250n }], reference: single.proofId });
  assert.equal(paid.payment.record.outcome.outcome, "settled");
  const receipt = await vellum.fetchReceipt(paid.tx.tx_hash, { key: alice });
  assert.equal(receipt.result.txId, paid.tx.tx_hash);
  assert.deepEqual(receipt.result.signers, [alice.publicKey.toString()]);
  assert.deepEqual(receipt.result.recordJson.outcome.legs.map((l) => l.credit_amount), ["1250", "250"]);
  assert.equal(receipt.result.recordJson.outcome.reference, single.proofId);
  assert.throws(() => verifyReceipt(receipt.bytes, { genesisHash: "11".repeat(32) }), { step: "checkpoint" });
  return paid;
}

/** Monitoring holds a large payment; compliance posts it (its receipt proves the posting). */
async function holdAndPost(ctx, { alice, bob }) {
  const rules = monitoringRules({ largeAmount: 5000n, holdTimeoutMs: 3_600_000n });
  await govern(ctx, { action: "set_monitoring", token: "EUR", rules });
  const held = await ctx.vellum.transfer({ key: alice, legs: [{ to: bob.accountId, token: "EUR", amount: "60.00" }] });
  const outcome = held.payment.record.outcome;
  assert.equal(outcome.outcome, "held");
  const compliance = ctx.keys.compliance;
  assert.ok((await ctx.vellum.holds({ key: compliance })).holds.some((h) => String(h.id) === String(outcome.hold)));
  const decided = await ctx.vellum.decideHold({ key: compliance, hold: outcome.hold, post: true, reason: "invoice checked" });
  const receipt = await ctx.vellum.fetchReceipt(decided.tx_hash, { key: compliance });
  assert.equal(receipt.result.recordJson.outcome.outcome, "hold_posted");
  return held;
}

/** A governed sub-ledger, its token and rate; Alice pays a member, converted at the quoted rate. */
async function convert(ctx, { alice }) {
  const { vellum, keys } = ctx;
  await govern(ctx, { action: "create_subledger", name: "coop", kyc_required: false });
  await govern(ctx, { action: "create_token", symbol: "COOP", decimals: 2, issuer: keys.issuer.accountId, subledger: "coop", flags: { kyc_required: false, clawback: false, pausable: false } });
  await govern(ctx, { action: "set_rate", from: "EUR", to: "COOP", num: 2n, den: 1n, desk: keys.desk.accountId });
  await vellum.send({ type: "mint", token: "COOP", to: keys.desk.accountId, amount: 1_000_000n }, { key: keys.issuer });
  const dave = SecretKey.generate("ed25519");
  await vellum.openAccount({ registrar: keys.registrar, publicKey: dave.publicKey, identityRecord: "dave: member card", subledger: "coop" });
  const { payment } = await vellum.transfer({ key: alice, legs: [{ to: dave.accountId, token: "EUR", amount: "10.00", convertTo: "COOP" }] });
  const leg = payment.record.outcome.legs[0];
  assert.deepEqual([leg.credit_token, leg.credit_amount, String(leg.conversion.rate_version)], ["COOP", "2000", "1"]);
}

/** kill -9 the validator the client last talked to: the next payment finalizes through another. */
async function failover(ctx, { alice, carol }, aliceEvents) {
  const pids = (await readFile(join(ctx.dir, "devnet.pids"), "utf8")).trim().split(/\s+/).map(Number);
  const victim = ctx.vellum.pool.preferred;
  process.kill(pids[victim], "SIGKILL");
  const paid = await ctx.vellum.transfer({ key: alice, legs: [{ to: carol.accountId, token: "EUR", amount: "1.00" }] });
  assert.equal(paid.tx.status, "finalized");
  assert.notEqual(ctx.vellum.pool.preferred, victim, "answered by another validator");
  const receipt = await ctx.vellum.fetchReceipt(paid.tx.tx_hash, { key: alice });
  assert.equal(receipt.result.recordJson.outcome.legs[0].credit_amount, "100");
  await waitFor("Alice's payment event after the kill (the stream moved on)", () => seen(aliceEvents, "payment", paid.tx.tx_hash));
  const balances = (await ctx.vellum.account(carol.accountId, { key: carol })).balances;
  assert.equal(balances.find((b) => b.token === "EUR").available, "350");
}

/** Bob, Alice's guardian, moves her account onto a new key; the old one stops working. */
async function recover({ vellum }, { alice, bob, carol }) {
  await vellum.setGuardians({ key: alice, guardians: [bob.accountId], threshold: 1, delayBlocks: 1 });
  const device = SecretKey.generate("ed25519").forAccount(alice.accountId);
  const proposed = await vellum.proposeRecovery({ key: bob, account: alice.accountId, set: { signers: [{ key: device.publicKey }], threshold: 1 } });
  await waitFor("the recovery time lock", async () => BigInt((await vellum.status()).height) > BigInt(proposed.height) + 1n);
  await vellum.executeRecovery({ key: bob, account: alice.accountId });
  await assert.rejects(vellum.transfer({ key: alice, legs: [{ to: carol.accountId, token: "EUR", amount: "0.01" }] }), (e) => e instanceof NodeError && e.code === "unauthorized_signer");
  const paid = await vellum.transfer({ key: device, legs: [{ to: carol.accountId, token: "EUR", amount: "0.50" }] });
  assert.equal(paid.payment.record.outcome.outcome, "settled");
}

/** Suspension and reinstatement, the status now (no key, every validator), an issuer-wide revocation. */
async function proofStatus(ctx, { batch, memberBundle }) {
  const { vellum, keys } = ctx;
  const revoked = await vellum.fetchStatus({ proofId: batch.proofId, member: 2 });
  assert.deepEqual([revoked.result.status.status, revoked.result.status.reason], ["revoked", "privilege_withdrawn"]);
  await assert.rejects(vellum.suspendProof({ key: keys.issuer, proofId: batch.proofId, member: 1, reason: "looking into it" }), (e) => e instanceof DecodeError && e.kind === "invalid");
  await vellum.suspendProof({ key: keys.issuer, proofId: batch.proofId, member: 1, reason: "under_investigation" });
  const suspended = await vellum.fetchStatus({ bundle: memberBundle });
  assert.deepEqual([suspended.now.then.status, suspended.now.now.status, suspended.now.now.reason, suspended.now.changed], ["live", "suspended", "under_investigation", true]);
  await vellum.reinstateProof({ key: keys.issuer, proofId: batch.proofId, member: 1 });
  const history = await vellum.proof(batch.proofId, { key: keys.issuer });
  assert.match(stringifyJson(history.member_history), /reinstated/, "every change is kept");
  // The issuer's key is stolen: compliance revokes what it registered from the forgery's height on.
  const forged = await vellum.registerDocument({ key: keys.issuer, document: utf8("%PDF-1.7 forged degree\n%%EOF"), name: "forged.pdf" });
  await assert.rejects(vellum.revokeIssuer({ key: keys.issuer, issuer: keys.issuer.accountId, fromHeight: BigInt(forged.tx.height), reason: "key_compromise" }), (e) => e instanceof NodeError && e.code === "missing_role");
  await vellum.revokeIssuer({ key: keys.compliance, issuer: keys.issuer.accountId, fromHeight: BigInt(forged.tx.height), reason: "key_compromise" });
  const revocation = await vellum.issuerRevocation(keys.issuer.accountId);
  assert.deepEqual([revocation.reason, revocation.complete, Number(revocation.revoked)], ["key_compromise", true, 1]);
  assert.equal(await vellum.issuerRevocation(keys.compliance.accountId), null);
  const forgery = await vellum.fetchStatus({ proofId: forged.proofId });
  assert.deepEqual([forgery.result.status.status, forgery.result.status.reason], ["revoked", "key_compromise"]);
  assert.equal((await vellum.fetchStatus({ proofId: batch.proofId, member: 1 })).result.status.status, "live", "registered before the forgery: untouched");
  await assert.rejects(vellum.registerDocument({ key: keys.issuer, document: utf8("after the revocation") }), (e) => e instanceof NodeError && e.code === "issuer_revoked");
}

test("a devnet driven from the SDK alone, through kill -9 of its validator", { skip: !BIN && "set VELLUM_BIN to the vellum binary", timeout: TEST_TIMEOUT_MS }, async (t) => {
  const ctx = await devnet(t);
  const who = await people(ctx);
  const issuerEvents = collect(ctx.vellum, { key: ctx.keys.issuer });
  const aliceEvents = collect(ctx.vellum, { key: who.alice });
  t.after(() => Promise.all([issuerEvents.stop(), aliceEvents.stop()]));

  const registered = await proofs(ctx);
  const { single } = registered;
  await identityAndHolders(ctx, who, registered);
  await createToken(ctx);
  const paid = await pay(ctx, who, single);
  await waitFor("the issuer's proof event", () => issuerEvents.events.some((e) => e.event === "proof" && e.data.proof_id === single.proofId));
  await waitFor("Alice's tx and payment events", () => seen(aliceEvents, "tx", paid.tx.tx_hash) && seen(aliceEvents, "payment", paid.tx.tx_hash));
  const held = await holdAndPost(ctx, who);
  await waitFor("Alice's hold event", () => aliceEvents.events.some((e) => e.event === "hold" && e.data.hold?.tx_id === held.tx.tx_hash));
  await convert(ctx, who);
  await failover(ctx, who, aliceEvents);
  await recover(ctx, who);
  await proofStatus(ctx, registered);
});

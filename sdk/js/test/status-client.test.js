// The client side of proof status: the helpers build the new bodies (suspend, reinstate, revoke
// with a reason code, issuer-wide revocation) and refuse free text before anything is sent;
// `fetchStatus` asks every validator for a status proof and keeps the freshest valid one, so a
// lagging, lying or failing validator cannot hide a newer status. Each "validator" is a real HTTP
// server on 127.0.0.1 answering as scripted (as in client.test.js), serving the real status
// proofs of docs/examples.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { DecodeError, EncodeError, NetworkError, SecretKey, Vellum, VellumError, decodeStatusProof, decodeTransaction, encodeStatusProof, toHex, verifyBundle } from "../src/index.js";
import { exampleText, readExample } from "./fixtures.js";

const pinned = exampleText("status-genesis-hash.txt");
const suspended = readExample("status-diploma-suspended.status"); // proof d0bb…, height 10
const reinstated = readExample("status-diploma-reinstated.status"); // the same proof, height 12
const memberRevoked = readExample("status-cert-1-revoked.status"); // another proof, member 1, height 14
const diplomaId = toHex(decodeStatusProof(suspended).proof_id);
const certId = toHex(decodeStatusProof(memberRevoked).proof_id);
/** A base URL nothing listens on (connection refused at once). */
const DEAD = "http://127.0.0.1:1";

/** Starts a validator whose answers `handler(req, res)` scripts; resolves to its base URL. */
async function node(handler, t) {
  const server = createServer(handler);
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))));
  return `http://127.0.0.1:${server.address().port}`;
}
const json = (res, status, body) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
/** A validator serving `bytes` as the status proof, recording the paths it was asked. */
const serving = (bytes, asked = []) => (req, res) => (asked.push(req.url), res.writeHead(200, { "content-type": "application/octet-stream" }).end(Buffer.from(bytes)));
const refusing = (status, code) => (req, res) => json(res, status, { error: { code, message: `refused: ${code}` } });
const tampered = (bytes, change) => {
  const s = structuredClone(decodeStatusProof(bytes));
  change(s);
  return encodeStatusProof(s);
};

test("fetchStatus: every validator is asked; a lagging, a lying and a failing one cannot hide the newer status", async (t) => {
  const asked = [];
  const apis = [
    await node(serving(suspended, asked), t), // lagging (and preferred: asked first)
    await node(serving(tampered(reinstated, (s) => (s.header.height += 10n)), asked), t), // lies about its height
    await node(serving(memberRevoked, asked), t), // a valid, higher proof, of another registration
    await node(refusing(404, "unknown_proof"), t),
    DEAD,
    await node(serving(reinstated, asked), t), // up to date
  ];
  const vellum = new Vellum({ apis, genesisHash: pinned });
  const { bytes, result, now, failures } = await vellum.fetchStatus({ proofId: diplomaId });
  assert.deepEqual([result.status.status, result.height, result.proofId], ["live", 12n, diplomaId]);
  assert.equal(toHex(bytes), toHex(reinstated));
  assert.equal(now, null);
  assert.equal(vellum.pool.preferred, 5, "later requests go to the validator with the freshest state");
  assert.deepEqual(asked, Array(4).fill(`/v1/status/${diplomaId}`));
  assert.equal(failures.length, 4, failures.join("\n"));
  assert.match(failures.join("\n"), /invalid answer: step 4 \(certificate\)/);
  assert.match(failures.join("\n"), /invalid answer: a status proof of another registration/);
  assert.match(failures.join("\n"), /HTTP 404 unknown_proof: refused: unknown_proof/);
  assert.match(failures.join("\n"), /cannot reach http:\/\/127\.0\.0\.1:1/);
});

test("fetchStatus for a batch member asks ?member=N and refuses the registration's status in its place", async (t) => {
  const asked = [];
  const wholeBatch = tampered(memberRevoked, (s) => (s.member = null)); // valid, but no member: it says "live"
  const vellum = new Vellum({ apis: [await node(serving(wholeBatch, asked), t), await node(serving(memberRevoked, asked), t)], genesisHash: pinned });
  const { result, failures } = await vellum.fetchStatus({ proofId: certId, member: 1 });
  assert.deepEqual([result.memberIndex, result.status.status, result.status.reason], [1, "revoked", "privilege_withdrawn"]);
  assert.deepEqual(asked, [`/v1/status/${certId}?member=1`, `/v1/status/${certId}?member=1`]);
  assert.match(failures[0], /another registration or member/);
  await assert.rejects(vellum.fetchStatus({ proofId: certId, member: -1 }), (e) => e instanceof EncodeError && e.path === "member");
});

test("fetchStatus with a bundle: the status now against the bundle's (step 9)", async (t) => {
  const bundle = verifyBundle(readExample("status-diploma.vellum"), { genesisHash: pinned });
  const vellum = new Vellum({ apis: [await node(serving(suspended), t)], genesisHash: pinned });
  const { now } = await vellum.fetchStatus({ bundle });
  assert.deepEqual([now.then.status, now.now.status, now.now.reason, now.nowHeight, now.changed], ["live", "suspended", "under_investigation", 10n, true]);
});

test("fetchStatus fails only when no validator gave a valid status proof, listing each one's failure", async (t) => {
  const otherChain = readExample("diploma.vellum");
  const apis = [await node(serving(otherChain), t), await node(refusing(400, "not_a_batch"), t), await node(refusing(503, "busy"), t), DEAD];
  const vellum = new Vellum({ apis, genesisHash: pinned });
  await assert.rejects(vellum.fetchStatus({ proofId: diplomaId }), (e) => {
    assert.ok(e instanceof NetworkError, e.message);
    assert.equal(e.failures.length, 4);
    assert.match(e.message, /no validator gave a valid answer to \/v1\/status\/[0-9a-f]{64} \(tried 4\)/);
    assert.match(e.failures[0], /step 1 \(decode\)/, "a bundle is not a status proof");
    assert.match(e.failures[1], /HTTP 400 not_a_batch/);
    assert.match(e.failures[2], /HTTP 503 busy/);
    return true;
  });
  await assert.rejects(new Vellum({ apis }).fetchStatus({ proofId: diplomaId }), (e) => e instanceof VellumError && /pinned genesis/.test(e.message), "no pin, no status");
});

/** A validator set that finalizes every transaction it is sent; records the transactions. */
function acceptingFetch(sent) {
  const reply = (status, body) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  return async (url, init) => {
    const path = new URL(url).pathname;
    if (init.method === "POST") {
      sent.push(decodeTransaction(new Uint8Array(init.body)));
      return reply(202, { tx_hash: "00".repeat(32) });
    }
    if (path === "/v1/status") return reply(200, { chain_id: "vellum-test", genesis_hash: pinned, height: 10 });
    return reply(200, { status: "finalized", height: 11, index: 0, log_index: 3 });
  };
}

test("suspendProof, reinstateProof, revokeProof and revokeIssuer sign the bodies of wire-format §6.3", async () => {
  const sent = [];
  const vellum = new Vellum({ apis: ["http://validator.invalid"], genesisHash: pinned, fetch: acceptingFetch(sent), verify: false });
  const key = SecretKey.generate("ed25519");
  await vellum.suspendProof({ key, proofId: certId, member: 2, reason: "under_investigation" });
  await vellum.reinstateProof({ key, proofId: certId, member: 2n });
  await vellum.revokeProof({ key, proofId: diplomaId, reason: "issued_in_error" });
  await vellum.revokeIssuer({ key, issuer: key.accountId, fromHeight: 1234, reason: "key_compromise" });
  const bodies = sent.map((tx) => tx.unsigned.body);
  assert.deepEqual(bodies.slice(0, 3).map((b) => [toHex(b.proof), b.member, b.change]), [
    [certId, 2, { change: "suspend", reason: "under_investigation" }],
    [certId, 2, { change: "reinstate" }],
    [diplomaId, null, { change: "revoke", reason: "issued_in_error" }],
  ]);
  assert.deepEqual([bodies[3].type, toHex(bodies[3].issuer), bodies[3].from_height, bodies[3].reason], ["revoke_issuer", toHex(key.accountId), 1234n, "key_compromise"]);
});

test("a free-text reason is refused before anything is signed or sent", async () => {
  const sent = [];
  let requests = 0;
  const counting = acceptingFetch(sent);
  const vellum = new Vellum({ apis: ["http://validator.invalid"], genesisHash: pinned, fetch: (...a) => (requests++, counting(...a)) });
  const key = SecretKey.generate("ed25519");
  const invalid = (e) => e instanceof DecodeError && e.kind === "invalid" && /is not a reason code/.test(e.message);
  await assert.rejects(vellum.revokeProof({ key, proofId: diplomaId, reason: "issued in error" }), invalid);
  await assert.rejects(vellum.suspendProof({ key, proofId: diplomaId, reason: "Under_investigation" }), invalid);
  await assert.rejects(vellum.revokeIssuer({ key, issuer: key.accountId, fromHeight: 1, reason: "k".repeat(33) }), invalid);
  await assert.rejects(vellum.revokeProof({ key, proofId: "ab", reason: "unspecified" }), EncodeError, "a bad proof id names the field");
  assert.equal(requests, 0, "no validator was asked anything");
});

test("issuerRevocation: the record, or null when the issuer was never revoked", async (t) => {
  const record = { issuer: "11".repeat(32), from_height: 3, reason: "key_compromise", actor: "22".repeat(32), tx: "33".repeat(32), height: 9, time_ms: 5, revoked: 4, complete: true };
  const revoked = (req, res) => (req.url === `/v1/issuer/${"11".repeat(32)}/revocation` ? json(res, 200, record) : json(res, 404, { error: { code: "not_revoked" } }));
  const apis = [await node(revoked, t), await node(revoked, t), await node(revoked, t), await node(refusing(503, "busy"), t)];
  const vellum = new Vellum({ apis, genesisHash: pinned });
  assert.deepEqual(await vellum.issuerRevocation("11".repeat(32)), record);
  assert.equal(await vellum.issuerRevocation("44".repeat(32)), null);
  const broken = new Vellum({ apis: [await node(refusing(400, "bad_account"), t)], verify: false });
  await assert.rejects(broken.issuerRevocation("44".repeat(32)), (e) => e.code === "bad_account");
});

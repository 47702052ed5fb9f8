// The client side of issuer identity and of batch members on the network: `attestIssuer` checks
// the issuer's well-known document (it must name the issuer and list the account on this chain)
// before signing AttestIssuer with the document's SHA-256; `revokeAttestation`; the agreed read
// `issuerAttestation` and the re-check `checkIssuer`; `storeBatchMembers` in ordered chunks of at
// most 200 and `addHolders`; a holder's `fetchBundle` by member; `proofsByDigest`; and
// `fetchStatus`, whose status proof carries the issuer identity now. Validators are scripted
// (a fetch function, or real HTTP servers on 127.0.0.1 as in client.test.js).

import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import {
  DecodeError,
  SecretKey,
  Vellum,
  VellumError,
  WELL_KNOWN_PATH,
  checkWellKnown,
  decodeBundle,
  decodeStatusProof,
  decodeTransaction,
  encodeBundle,
  fromHex,
  issuerProfile,
  sha256,
  toHex,
  utf8,
  verifyBundle,
  wellKnownDocument,
} from "../src/index.js";
import { exampleText, readExample } from "./fixtures.js";

const GENESIS = "ab".repeat(32);
const CHAIN = "vellum-test";
const issuerKey = SecretKey.fromBytes("ed25519", new Uint8Array(32).fill(9));
const issuer = toHex(issuerKey.accountId);

/**
 * A validator set (one fetch function) that finalizes every transaction it is sent and records
 * it; `pages` maps other URLs (the issuer's HTTPS site, node reads) to answers.
 */
function scripted(sent, pages = {}) {
  const asked = [];
  const reply = (status, body, type = "application/json") => new Response(typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body), { status, headers: { "content-type": type } });
  const fetch = async (url, init = {}) => {
    asked.push(url);
    if (url in pages) return pages[url]();
    const path = new URL(url).pathname;
    if (init.method === "POST") {
      sent.push(decodeTransaction(new Uint8Array(init.body)));
      return reply(202, { tx_hash: "00".repeat(32) });
    }
    if (path === "/v1/status") return reply(200, { chain_id: CHAIN, genesis_hash: GENESIS, height: 10 });
    if (path.startsWith("/v1/tx/")) return reply(200, { status: "finalized", height: 11, index: 0, log_index: 3 });
    if (path.startsWith("/v1/issuer/")) return reply(404, { error: { code: "not_attested" } });
    return reply(404, { error: { code: "not_found" } });
  };
  return { fetch, asked, reply };
}

const docFor = (name, account = issuer) => wellKnownDocument({ name, chainId: CHAIN, genesisHash: GENESIS, account });

test("the well-known document: written as `vellum issuer well-known` writes it, checked as a registrar checks it", () => {
  const text = docFor("Example University");
  assert.equal(text, `{\n  "vellum_issuer": 1,\n  "name": "Example University",\n  "accounts": [\n    {\n      "chain_id": "${CHAIN}",\n      "genesis_hash": "${GENESIS}",\n      "account": "${issuer}"\n    }\n  ]\n}\n`);
  const expect = { name: "Example University", chainId: CHAIN, genesisHash: GENESIS, account: issuer };
  assert.equal(checkWellKnown(utf8(text), expect).name, "Example University");
  const refused = (doc, why, e = expect) => assert.throws(() => checkWellKnown(doc, e), (err) => err instanceof VellumError && why.test(err.message), String(why));
  refused(docFor("Another University"), /names the issuer "Another University", not "Example University"/);
  refused(docFor("Example University", "cd".repeat(32)), /does not list account/);
  refused(text, /does not list account .* on chain other/, { ...expect, chainId: "other" });
  refused(text, /does not list account/, { ...expect, genesisHash: "cd".repeat(32) });
  refused(text.replace('"vellum_issuer": 1', '"vellum_issuer": 2'), /document version 2/);
  refused(text.replace('"name"', '"extra": 1, "name"'), /unknown field `extra`/);
  refused(text.replace('"account": ', '"note": "x", "account": '), /unknown field `note` in an account entry/);
  refused("not json", /not a Vellum issuer document/);
  refused(JSON.stringify({ vellum_issuer: 1, name: "Example University" }), /missing field `accounts`/);
  assert.equal(checkWellKnown(text, { ...expect, genesisHash: GENESIS.toUpperCase() }).name, "Example University", "the pinned hash is compared lowercase");
});

test("issuerProfile: the shape rules before anything is signed", () => {
  const p = issuerProfile({ name: "Example University", domain: "example.edu", wellKnownSha256: "11".repeat(32) });
  assert.deepEqual([p.name, p.domain, p.x509_sha256, toHex(p.well_known_sha256)], ["Example University", "example.edu", null, "11".repeat(32)]);
  assert.equal(toHex(issuerProfile({ name: "A", domain: "a.b", x509_sha256: "22".repeat(32), well_known_sha256: "11".repeat(32) }).x509_sha256), "22".repeat(32), "the JSON form too");
  const invalid = (e) => e instanceof DecodeError && e.kind === "invalid";
  assert.throws(() => issuerProfile({ name: "", domain: "example.edu", wellKnownSha256: "11".repeat(32) }), invalid);
  assert.throws(() => issuerProfile({ name: "A", domain: "Example.EDU", wellKnownSha256: "11".repeat(32) }), invalid);
  assert.throws(() => issuerProfile({ name: "A", domain: "example.edu" }), invalid);
});

test("attestIssuer fetches https://DOMAIN/.well-known/vellum-issuer.json, checks it, and attests with its SHA-256", async () => {
  const sent = [];
  const doc = docFor("Example University");
  const { fetch, asked, reply } = scripted(sent, { [`https://example.edu${WELL_KNOWN_PATH}`]: () => reply(200, doc) });
  const vellum = new Vellum({ apis: ["http://validator.invalid"], genesisHash: GENESIS, fetch, verify: false });
  const registrar = SecretKey.generate("ed25519");
  const x509 = sha256(utf8("certificate DER"));
  const r = await vellum.attestIssuer({ key: registrar, issuer, name: "Example University", domain: "example.edu", x509Sha256: x509 });
  assert.equal(r.wellKnownUrl, `https://example.edu${WELL_KNOWN_PATH}`);
  assert.ok(asked.includes(`https://example.edu${WELL_KNOWN_PATH}`));
  assert.equal(sent.length, 1);
  const body = sent[0].unsigned.body;
  assert.deepEqual([body.type, toHex(body.issuer), body.profile.name, body.profile.domain], ["attest_issuer", issuer, "Example University", "example.edu"]);
  assert.equal(toHex(body.profile.well_known_sha256), toHex(sha256(utf8(doc))));
  assert.equal(toHex(body.profile.x509_sha256), toHex(x509));
  assert.equal(toHex(sent[0].unsigned.sender), toHex(registrar.accountId));
  // A document given as bytes (fetched by the caller), and another URL (https only).
  await vellum.attestIssuer({ key: registrar, issuer, name: "Example University", domain: "example.edu", wellKnown: utf8(doc) });
  assert.equal(sent[1].unsigned.body.profile.x509_sha256, null);
  await assert.rejects(vellum.attestIssuer({ key: registrar, issuer, name: "Example University", domain: "example.edu", wellKnownUrl: "http://example.edu/doc.json" }), /https only/);
});

test("attestIssuer refuses, before signing, a document that does not vouch for the account and a profile of the wrong shape", async () => {
  const sent = [];
  const { fetch, asked, reply } = scripted(sent, {
    [`https://example.edu${WELL_KNOWN_PATH}`]: () => reply(200, docFor("Example University", "cd".repeat(32))),
    [`https://gone.example${WELL_KNOWN_PATH}`]: () => reply(404, "not found", "text/plain"),
  });
  const vellum = new Vellum({ apis: ["http://validator.invalid"], genesisHash: GENESIS, fetch, verify: false });
  const key = SecretKey.generate("ed25519");
  await assert.rejects(vellum.attestIssuer({ key, issuer, name: "Example University", domain: "example.edu" }), /does not vouch for this account: it does not list account/);
  await assert.rejects(vellum.attestIssuer({ key, issuer, name: "Example University", domain: "gone.example" }), /answered HTTP 404/);
  await assert.rejects(vellum.attestIssuer({ key, issuer, name: "Example University", domain: "example.edu", wellKnown: docFor("Other") }), /names the issuer "Other"/);
  const fetchedBefore = asked.length;
  await assert.rejects(vellum.attestIssuer({ key, issuer, name: "Bad\u0007Name", domain: "example.edu" }), (e) => e instanceof DecodeError && e.kind === "invalid");
  await assert.rejects(vellum.attestIssuer({ key, issuer, name: "Example University", domain: "EXAMPLE.edu" }), (e) => e instanceof DecodeError && /not a domain name/.test(e.message));
  assert.equal(asked.length, fetchedBefore, "a profile of the wrong shape is refused before any fetch");
  assert.equal(sent.length, 0, "nothing was signed");
});

test("revokeAttestation signs RevokeAttestation with a reason code; free text is refused before anything is sent", async () => {
  const sent = [];
  const { fetch } = scripted(sent);
  const vellum = new Vellum({ apis: ["http://validator.invalid"], genesisHash: GENESIS, fetch, verify: false });
  const key = SecretKey.generate("ed25519");
  await vellum.revokeAttestation({ key, issuer, reason: "affiliation_changed" });
  assert.deepEqual([sent[0].unsigned.body.type, toHex(sent[0].unsigned.body.issuer), sent[0].unsigned.body.reason], ["revoke_attestation", issuer, "affiliation_changed"]);
  await assert.rejects(vellum.revokeAttestation({ key, issuer, reason: "lost its domain" }), (e) => e instanceof DecodeError && /not a reason code/.test(e.message));
  assert.equal(sent.length, 1);
});

/** Starts a validator whose answers `handler(req, res)` scripts; resolves to its base URL. */
async function node(handler, t) {
  const server = createServer(handler);
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))));
  return `http://127.0.0.1:${server.address().port}`;
}
const json = (res, status, body) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));

const ATTESTATION = {
  issuer,
  profile: { name: "Example University", domain: "example.edu", x509_sha256: null, well_known_sha256: toHex(sha256(utf8(docFor("Example University")))) },
  attested_by: "22".repeat(32),
  tx: "33".repeat(32),
  height: 6,
  time_ms: 5,
  revoked: null,
};

test("issuerAttestation: agreed by f + 1 validators; null when none was attested; a lying validator is outvoted", async (t) => {
  const honest = (req, res) => (req.url === `/v1/issuer/${issuer}` ? json(res, 200, ATTESTATION) : json(res, 404, { error: { code: "not_attested" } }));
  const liar = (req, res) => json(res, 200, { ...ATTESTATION, profile: { ...ATTESTATION.profile, name: "Evil University" } });
  const apis = [await node(liar, t), await node(honest, t), await node(honest, t), await node(honest, t)];
  const vellum = new Vellum({ apis, genesisHash: GENESIS });
  assert.deepEqual(await vellum.issuerAttestation(issuer), ATTESTATION);
  assert.equal(await vellum.issuerAttestation("44".repeat(32)), null);
  const broken = new Vellum({ apis: [await node((req, res) => json(res, 400, { error: { code: "bad_account" } }), t)], verify: false });
  await assert.rejects(broken.issuerAttestation("44".repeat(32)), (e) => e.code === "bad_account");
  await assert.rejects(vellum.issuerAttestation("xyz"), /hex/);
});

test("checkIssuer re-fetches the document: still listed, changed since, or no longer vouching; a revoked attestation is said", async () => {
  const sent = [];
  const revoked = { ...ATTESTATION, revoked: { by: "55".repeat(32), reason: "affiliation_changed", tx_id: "66".repeat(32), height: 9, time_ms: 7 } };
  let answer = ATTESTATION;
  let doc = docFor("Example University");
  const { fetch, reply } = scripted(sent, {
    [`http://validator.invalid/v1/issuer/${issuer}`]: () => reply(200, answer),
    [`https://example.edu${WELL_KNOWN_PATH}`]: () => reply(200, doc),
  });
  const vellum = new Vellum({ apis: ["http://validator.invalid"], genesisHash: GENESIS, fetch, verify: false });
  let c = await vellum.checkIssuer(issuer);
  assert.deepEqual([c.stillListed, c.documentUnchanged, c.attestationRevoked, c.problem, c.name, c.domain], [true, true, false, null, "Example University", "example.edu"]);
  doc = `${docFor("Example University").trimEnd()} `;
  c = await vellum.checkIssuer(issuer);
  assert.deepEqual([c.stillListed, c.documentUnchanged], [true, false]);
  doc = docFor("Example University", "cd".repeat(32));
  c = await vellum.checkIssuer(issuer);
  assert.equal(c.stillListed, false);
  assert.match(c.problem, /does not list account/);
  answer = revoked;
  c = await vellum.checkIssuer(issuer, { wellKnown: docFor("Example University") });
  assert.deepEqual([c.stillListed, c.attestationRevoked], [true, true]);
  await assert.rejects(vellum.checkIssuer("77".repeat(32)), (e) => e instanceof VellumError && /has no attested identity/.test(e.message));
});

test("storeBatchMembers: in order from 0, chunks of at most 200, `first` = the chunk's first member; from a manifest with holders", async () => {
  const sent = [];
  const { fetch } = scripted(sent);
  const vellum = new Vellum({ apis: ["http://validator.invalid"], genesisHash: GENESIS, fetch, verify: false });
  const key = SecretKey.generate("ed25519");
  const proofId = "aa".repeat(32);
  const digest = (i) => sha256(Uint8Array.of(i & 0xff, i >> 8));
  const holder = "bb".repeat(32);
  const members = Array.from({ length: 450 }, (_, i) => ({ digest: digest(i), holder: i === 201 ? holder : null }));
  const finals = await vellum.storeBatchMembers({ key, proofId, members });
  assert.equal(finals.length, 3);
  const bodies = sent.map((tx) => tx.unsigned.body);
  assert.deepEqual(bodies.map((b) => [b.type, toHex(b.proof), b.first, b.members.length]), [
    ["store_batch_members", proofId, 0, 200],
    ["store_batch_members", proofId, 200, 200],
    ["store_batch_members", proofId, 400, 50],
  ]);
  assert.deepEqual(bodies.flatMap((b) => b.members.map((m) => toHex(m.digest))), members.map((m) => toHex(m.digest)), "every member once, in batch order");
  assert.equal(toHex(bodies[1].members[1].holder), holder);
  assert.equal(bodies[1].members[0].holder, null);
  // Resume at 400 (the ledger expects member 400 next).
  sent.length = 0;
  await vellum.storeBatchMembers({ key, proofId, members, from: 400 });
  assert.deepEqual(sent.map((tx) => [tx.unsigned.body.first, tx.unsigned.body.members.length]), [[400, 50]]);
  // From a manifest: its leaves (salted digests, never the salts), holders by document.
  sent.length = 0;
  const manifest = {
    proof_id: proofId,
    batch: true,
    salted: true,
    documents: [0, 1, 2].map((i) => ({ file: `d${i}`, sha256: toHex(digest(i)), salt: "cc".repeat(32), leaf: toHex(digest(100 + i)) })),
  };
  await vellum.storeBatchMembers({ key, manifest, holders: [null, holder] });
  const stored = sent[0].unsigned.body;
  assert.deepEqual(stored.members.map((m) => [toHex(m.digest), m.holder && toHex(m.holder)]), [[toHex(digest(100)), null], [toHex(digest(101)), holder], [toHex(digest(102)), null]]);
  await assert.rejects(vellum.storeBatchMembers({ key, proofId, members: [] }), VellumError);
  await assert.rejects(vellum.storeBatchMembers({ key, manifest: { ...manifest, batch: false } }), /single registration/);
  await assert.rejects(vellum.storeBatchMembers({ key, proofId, members, from: 450 }), /from = 450/);
});

test("addHolders names holders of a registration or one member; the shape rules before signing", async () => {
  const sent = [];
  const { fetch } = scripted(sent);
  const vellum = new Vellum({ apis: ["http://validator.invalid"], genesisHash: GENESIS, fetch, verify: false });
  const key = SecretKey.generate("ed25519");
  await vellum.addHolders({ key, proofId: "aa".repeat(32), holders: ["bb".repeat(32)] });
  await vellum.addHolders({ key, proofId: "aa".repeat(32), member: 3, holders: ["bb".repeat(32), fromHex("cc".repeat(32))] });
  assert.deepEqual(sent.map((tx) => [tx.unsigned.body.type, tx.unsigned.body.member, tx.unsigned.body.holders.map(toHex)]), [
    ["add_holders", null, ["bb".repeat(32)]],
    ["add_holders", 3, ["bb".repeat(32), "cc".repeat(32)]],
  ]);
  const invalid = (e) => e instanceof DecodeError && e.kind === "invalid";
  await assert.rejects(vellum.addHolders({ key, proofId: "aa".repeat(32), holders: [] }), invalid);
  await assert.rejects(vellum.addHolders({ key, proofId: "aa".repeat(32), holders: ["bb".repeat(32), "bb".repeat(32)] }), invalid);
  await assert.rejects(vellum.addHolders({ key, proofId: "aa".repeat(32), holders: Array.from({ length: 17 }, (_, i) => sha256(Uint8Array.of(i))) }), invalid);
  assert.equal(sent.length, 2);
});

test("deleteOriginal signs delete_original (TxBody 39): the proof id, then the member (0 for a single registration)", async () => {
  const sent = [];
  const { fetch } = scripted(sent);
  const vellum = new Vellum({ apis: ["http://validator.invalid"], genesisHash: GENESIS, fetch, verify: false });
  const key = SecretKey.generate("ed25519");
  await vellum.deleteOriginal({ key, proofId: "aa".repeat(32) });
  await vellum.deleteOriginal({ key, proofId: fromHex("aa".repeat(32)), member: 3n });
  assert.deepEqual(sent.map((tx) => [tx.unsigned.body.type, toHex(tx.unsigned.body.proof), tx.unsigned.body.member]), [
    ["delete_original", "aa".repeat(32), 0],
    ["delete_original", "aa".repeat(32), 3],
  ]);
  await assert.rejects(vellum.deleteOriginal({ key, proofId: "aa".repeat(32), member: -1 }), /member/);
  await assert.rejects(vellum.deleteOriginal({ key, proofId: "aa".repeat(31) }), /proof id/);
  assert.equal(sent.length, 2);
});

test("a holder's fetchBundle by member (the node filled in the member's digest and path); proofsByDigest lists members", async (t) => {
  const pinned = exampleText("status-genesis-hash.txt");
  const bytes = readExample("status-cert-1.vellum"); // a version-3 member bundle, leaf and path filled in
  const asked = [];
  const handler = (req, res) => {
    asked.push(req.url);
    if (req.url === "/v1/status") return json(res, 200, { chain_id: "vellum-devnet", genesis_hash: pinned, height: 14 });
    const id = toHex(decodeBundle(bytes).record.proof_id);
    if (req.url === `/v1/proof/${id}/bundle?member=1`) return res.writeHead(200, { "content-type": "application/octet-stream" }).end(Buffer.from(bytes));
    if (req.url.startsWith("/v1/proofs?digest=")) return json(res, 200, { digest: req.url.split("=")[1], proofs: [], members: [{ proof_id: id, member: 1 }] });
    return json(res, 404, { error: { code: "not_found" } });
  };
  const vellum = new Vellum({ apis: [await node(handler, t)], genesisHash: pinned, verify: false });
  const holder = SecretKey.generate("ed25519");
  const id = toHex(decodeBundle(bytes).record.proof_id);
  const { result } = await vellum.fetchBundle({ key: holder, proofId: id, member: 1 });
  assert.deepEqual([result.memberIndex, result.issuer, result.document], [1, { attested: false }, "not_checked"]);
  assert.ok(asked.includes(`/v1/proof/${id}/bundle?member=1`));
  const leaf = toHex(decodeBundle(bytes).member.leaf);
  const found = await vellum.proofsByDigest(leaf, { key: holder });
  assert.deepEqual(found.members, [{ proof_id: id, member: 1 }]);
  assert.ok(asked.includes(`/v1/proofs?digest=${leaf}`));
  // The opening: a salted member needs its salt from the issuer (step 8 says so otherwise).
  const withoutPath = encodeBundle({ ...decodeBundle(bytes), member: { ...decodeBundle(bytes).member, batch_proof: [] } });
  assert.throws(() => verifyBundle(withoutPath, { genesisHash: pinned }), /batch inclusion/, "a member bundle without its path fails at step 7");
});

test("fetchStatus: the status proof carries the issuer identity now; with a bundle, `issuerNow`", async (t) => {
  const pinned = exampleText("attested-genesis-hash.txt");
  const status = readExample("attested-diploma-revoked-issuer.status");
  const id = toHex(decodeStatusProof(status).proof_id);
  const serve = (req, res) => (req.url === `/v1/status/${id}` ? res.writeHead(200).end(Buffer.from(status)) : json(res, 404, { error: { code: "unknown_proof" } }));
  const vellum = new Vellum({ apis: [await node(serve, t)], genesisHash: pinned });
  const bundle = verifyBundle(readExample("attested-diploma.vellum"), { genesisHash: pinned, document: readExample("attested-diploma.pdf") });
  assert.equal(bundle.issuer.revoked, null);
  const { result, now } = await vellum.fetchStatus({ bundle });
  assert.deepEqual([result.issuer.revoked.reason, now.issuerNow.revoked.reason, now.issuerNow.revoked.height, now.changed], ["affiliation_changed", "affiliation_changed", 9n, false]);
});

// The node's web verifier (crates/api/web/verify.js: WebCrypto, its own JSON and base64url
// readers) on credential presentations, under Node: on a test chain made here it gives this
// SDK's verdict, at the same step of docs/credentials.md §3, for valid presentations under
// both schemes, every forgery of the Rust tests, and presentations with one character changed
// anywhere; it recognises a presentation among dropped files.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  CredentialError,
  SecretKey,
  base64url,
  credentialIss,
  issueCredential,
  jsonText,
  makeDisclosure,
  presentCredential,
  publicKeyToJwk,
  utf8,
  verifyCredential,
} from "../src/index.js";
import { credentialLedger, revokedAt } from "./credential-ledger.js";
import { REPO, readExample } from "./fixtures.js";

const web = await import(pathToFileURL(join(REPO, "crates", "api", "web", "verify.js")).href);

const key = (scheme, n) => SecretKey.fromBytes(scheme, new Uint8Array(32).fill(n));
const AUD = "https://employer.example";
const NONCE = "offer-2026-77";
const CLAIMS = { name: "Alice Example", degree: "BSc Computer Science", year: 2026, grades: { algorithms: "A", databases: "B+" } };

/** This SDK's verdict: "ok" or "step N (name)". */
function sdkVerdict(presentation, bundle, status, aud, nonce, pinned) {
  try {
    verifyCredential(presentation, bundle, { aud, nonce, genesisHash: pinned, statusBytes: status });
    return "ok";
  } catch (e) {
    assert.ok(e instanceof CredentialError, e.stack);
    return `step ${e.step} (${e.stepName})`;
  }
}
async function webVerdict(presentation, bundle, status, aud, nonce, pinned) {
  const r = await web.verifyCredential(utf8(presentation), bundle, status, aud, nonce, pinned);
  return r.ok ? "ok" : r.step;
}

function setup(is, hs, { attested = { name: "Example University", domain: "example.edu" } } = {}) {
  const [issuer, holder] = [key(is, 1), key(hs, 2)];
  let n = 0;
  const cred = issueCredential({ issuer, holder: holder.publicKey, iss: credentialIss("vellum-test", issuer.accountId), claims: CLAIMS, salt: () => new Uint8Array(16).fill(++n) });
  const ledger = credentialLedger({ jwt: cred.jwt, issuer, attested });
  const present = (c, disclose, h = holder, b = {}) => presentCredential(c, { disclose, holder: h, aud: AUD, nonce: NONCE, iat: 1_767_225_700, ...b });
  return { issuer, holder, cred, ledger, present, good: present(cred, ["degree", "year"]) };
}

test("web verifier: valid presentations under both schemes, with what they disclose, the issuer and the status now", async () => {
  for (const [is, hs] of [
    ["ed25519", "p256"],
    ["p256", "ed25519"],
  ]) {
    const { holder, ledger, good } = setup(is, hs);
    const r = await web.verifyCredential(utf8(good), ledger.bundle, null, AUD, NONCE, ledger.genesisHash);
    assert.equal(r.ok, true, r.reason);
    const sdk = verifyCredential(good, ledger.bundle, { aud: AUD, nonce: NONCE, genesisHash: ledger.genesisHash });
    assert.deepEqual(Object.fromEntries(r.disclosed.map((c) => [c.name, c.value])), sdk.disclosed);
    assert.deepEqual([r.claims_signed, r.vct, r.iss, r.holder], [sdk.claimsSigned, sdk.vct, sdk.iss, holder.publicKey.toString()]);
    assert.equal(web.issuerLine(r.bundle.issuer).split(",")[0], "Example University (example.edu)");
    const later = await web.verifyCredential(good, ledger.bundle, ledger.statusProof(revokedAt(7), 8), AUD, NONCE, null);
    assert.deepEqual([later.ok, later.now.now.name, later.now.now_height], [true, "revoked", 8]);
    const alone = await web.verifyPresentation(good, `${is}:${Buffer.from(key(is, 1).publicKey.bytes).toString("hex")}`, AUD, NONCE);
    assert.equal(alone.ok, true);
  }
  const plain = setup("ed25519", "ed25519", { attested: null });
  const r = await web.verifyCredential(plain.good, plain.ledger.bundle, null, AUD, NONCE, null);
  assert.deepEqual([r.ok, web.issuerLine(r.bundle.issuer)], [true, "no attested identity"]);
});

test("web verifier and this SDK refuse every forgery at the same step", async () => {
  const cases = [];
  for (const [is, hs] of [
    ["ed25519", "p256"],
    ["p256", "ed25519"],
  ]) {
    const { issuer, holder, cred, ledger, present, good } = setup(is, hs);
    const pin = ledger.genesisHash;
    const add = (name, p, { bundle = ledger.bundle, status = null, aud = AUD, nonce = NONCE, pinned = pin } = {}) => cases.push({ name: `${is}/${hs}: ${name}`, p, bundle, status, aud, nonce, pinned });
    add("valid", good);
    add("another audience", good, { aud: "https://other.example" });
    add("another nonce", good, { nonce: "offer-2026-76" });
    add("no key binding", good.slice(0, good.lastIndexOf("~") + 1));
    add("a thief's holder key", present(cred, ["degree"], key(hs, 7)));
    const fake = makeDisclosure(new Uint8Array(16).fill(5), "degree", "PhD Physics");
    add("a disclosure swapped", good.replace(cred.disclosures[0].encoded, fake.encoded));
    add("a disclosure added", present({ jwt: cred.jwt, disclosures: [fake] }, ["degree"]));
    const cut = good.lastIndexOf("~");
    add("a disclosure appended after the key binding", `${good.slice(0, cut)}~${cred.disclosures[2].encoded}~${good.slice(cut + 1)}`);
    const d0 = cred.disclosures[0].encoded;
    add("a disclosure twice", present(cred, []).replace("~", `~${d0}~${d0}~`));
    const [h, , ...rest] = good.split(".");
    add("the payload edited", `${h}.e30.${rest.join(".")}`);
    for (const junk of ["", "~", "a.b.c~~x", "not a credential", "~".repeat(200)]) add(`junk ${JSON.stringify(junk)}`, junk);
    add("another chain pinned", good, { pinned: "00".repeat(32) });
    add("no pin", good, { pinned: null });
    add("a status proof", good, { status: ledger.statusProof(revokedAt(7), 8) });
    add("a status proof older than the bundle", good, { status: ledger.statusProof({ status: "live" }, 4) });
    // Registered by another account; iss of another chain; a holder key that is not a point.
    const thief = key(is, 6);
    add("registered by another key", good, { bundle: credentialLedger({ jwt: cred.jwt, issuer, registeredBy: thief }).bundle });
    const otherIss = issueCredential({ issuer, holder: holder.publicKey, iss: credentialIss("vellum-other", issuer.accountId), claims: CLAIMS });
    add("iss of another chain", present(otherIss, ["degree"]), { bundle: credentialLedger({ jwt: otherIss.jwt, issuer }).bundle });
    const jwk = { ...publicKeyToJwk(holder.publicKey), x: base64url(new Uint8Array(32).fill(3)) };
    if (hs === "ed25519") jwk.x = base64url(Uint8Array.of(2, ...new Array(31).fill(0))); // y = 2: no x with x² = (y²−1)/(dy²+1)
    const payload = { _sd: cred.disclosures.map((d) => d.digest).sort(), _sd_alg: "sha-256", cnf: { jwk }, iat: 1, iss: credentialIss("vellum-test", issuer.accountId), vct: "v" };
    const input = `${base64url(utf8(jsonText({ alg: is === "ed25519" ? "EdDSA" : "ES256", typ: "dc+sd-jwt" })))}.${base64url(utf8(jsonText(payload)))}`;
    const badJwt = `${input}.${base64url(issuer.sign(utf8(input)).signature)}`;
    add("a holder key off the curve", present({ jwt: badJwt, disclosures: cred.disclosures }, ["degree"]), { bundle: credentialLedger({ jwt: badJwt, issuer }).bundle });
  }
  for (const c of cases) {
    const sdk = sdkVerdict(c.p, c.bundle, c.status, c.aud, c.nonce, c.pinned);
    assert.equal(await webVerdict(c.p, c.bundle, c.status, c.aud, c.nonce, c.pinned), sdk, c.name);
  }
  const verdicts = new Set(await Promise.all(cases.map((c) => sdkVerdict(c.p, c.bundle, c.status, c.aud, c.nonce, c.pinned))));
  assert.deepEqual([...verdicts].sort(), ["ok", "step 1 (ledger)", "step 2 (issuer signature)", "step 3 (issuer)", "step 4 (disclosures)", "step 5 (key binding)", "step 6 (status)"]);
});

test("web verifier and this SDK agree on presentations with one character changed anywhere", async () => {
  let compared = 0;
  for (const [is, hs] of [
    ["ed25519", "p256"],
    ["p256", "ed25519"],
  ]) {
    const { ledger, good } = setup(is, hs);
    const alphabet = "A_-~.0";
    for (let i = 0; i < good.length; i += 7) {
      const c = alphabet[i % alphabet.length] === good[i] ? "B" : alphabet[i % alphabet.length];
      const t = good.slice(0, i) + c + good.slice(i + 1);
      const sdk = sdkVerdict(t, ledger.bundle, null, AUD, NONCE, ledger.genesisHash);
      assert.equal(await webVerdict(t, ledger.bundle, null, AUD, NONCE, ledger.genesisHash), sdk, `${is}: character ${i} → ${c}`);
      compared++;
    }
  }
  assert.ok(compared > 200, `${compared}`);
});

test("web verifier: a presentation is told apart from bundles, status proofs and documents", () => {
  const { good, cred, ledger } = setup("ed25519", "p256");
  assert.equal(web.isPresentation(utf8(good)), true);
  assert.equal(web.isPresentation(utf8(`\n${cred.sdJwt}\n`)), true, "a credential as issued (no key binding) is one too: the verifier says what is missing");
  for (const other of [utf8(cred.jwt), ledger.bundle, ledger.statusProof({ status: "live" }, 6), new Uint8Array(readExample("attested-diploma.pdf")), utf8("a~b"), Uint8Array.of(0xff, 0x7e)]) {
    assert.equal(web.isPresentation(other), false);
  }
});

test("web verifier: its curve checks (Ed25519 ZIP-215 decoding, P-256 points and decompression) agree with noble", async () => {
  const { readFile } = await import("node:fs/promises");
  const vm = await import("node:vm");
  const { ed25519 } = await import("@noble/curves/ed25519.js");
  const { p256 } = await import("@noble/curves/nist.js");
  const source = await readFile(join(REPO, "crates", "api", "web", "verify.js"), "utf8");
  const stripped = source.replace(/export async function/g, "async function").replace(/export function/g, "function").replace(/export const hex/g, "const hex").replace(/export \{ fromHex \};/g, "");
  const inner = vm.runInNewContext(`${stripped}\n({ ed25519Point, p256Point })`, { crypto: globalThis.crypto, TextEncoder, TextDecoder });
  const bytes = (seed, n) => Uint8Array.from({ length: n }, (_, i) => (seed * 131 + i * 37 + ((seed * i) % 251)) & 255);
  let points = 0;
  for (let seed = 0; seed < 300; seed++) {
    const b = bytes(seed, 32);
    let noble = true;
    try {
      ed25519.Point.fromBytes(b, true);
    } catch {
      noble = false;
    }
    assert.equal(inner.ed25519Point(b), noble, `ed25519 ${Buffer.from(b).toString("hex")}`);
    points += noble;
  }
  for (let seed = 0; seed < 100; seed++) {
    const k = SecretKey.fromBytes("p256", bytes(seed + 1, 32).map((x, i) => (i === 0 ? x & 0x7f : x)));
    const full = p256.Point.fromBytes(k.publicKey.bytes).toBytes(false);
    const hexOf = (v) => Buffer.from(v).toString("hex"); // (the vm's Uint8Array is another realm's)
    assert.equal(hexOf(inner.p256Point(k.publicKey.bytes)), hexOf(full), "decompressed");
    assert.equal(hexOf(inner.p256Point(full)), hexOf(full));
    const off = full.slice();
    off[64] ^= 1;
    assert.equal(inner.p256Point(off), null, "off the curve");
    const x = Uint8Array.of(2, ...bytes(seed, 32));
    let noble = true;
    try {
      p256.Point.fromBytes(x).assertValidity();
    } catch {
      noble = false;
    }
    assert.equal(inner.p256Point(x) !== null, noble, `p256 ${Buffer.from(x).toString("hex")}`);
  }
  assert.ok(points > 100 && points < 200, `about half of y values are points (${points})`);
});

// Credentials (docs/credentials.md; Rust reference crates/evidence/src/credential.rs): issue,
// present and verify SD-JWT VCs under both schemes; every forgery the Rust tests refuse, and
// the limits and format rules of `verify_presentation` one by one; a credential this SDK issued
// and presented checked against the Rust rules by an independent reading (node:crypto for the
// signatures, serde_json's bytes spelled out); `verifyCredential` (steps 1–6) on a test chain
// made here; and the real files `vellum credential` made on a devnet (docs/examples/credential-*),
// which must be present: that test fails without them.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, createPrivateKey, createPublicKey, verify as nodeVerify } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  CREDENTIAL_BYTES_MAX,
  CredentialError,
  DEFAULT_VCT,
  SecretKey,
  base64url,
  credentialIss,
  credentialJwt,
  fromBase64url,
  issueCredential,
  jsonText,
  makeDisclosure,
  parseCredential,
  presentCredential,
  publicKeyFromJwk,
  publicKeyToJwk,
  toHex,
  utf8,
  verifyCredential,
  verifyPresentation,
} from "../src/index.js";
import { credentialLedger, revokedAt } from "./credential-ledger.js";
import { EXAMPLES, exampleText, readExample } from "./fixtures.js";

const key = (scheme, n) => SecretKey.fromBytes(scheme, new Uint8Array(32).fill(n));
const CLAIMS = { name: "Alice Example", degree: "BSc Computer Science", year: 2026, grades: { algorithms: "A", databases: "B+" } };
const ISS = "vellum:vellum-test:00";
const B = { aud: "https://employer.example", nonce: "n-42", iat: 1_767_225_700 };
/** Issuer and holder schemes: both ways round, as the Rust test. */
const PAIRS = [
  ["ed25519", "p256"],
  ["p256", "ed25519"],
];
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** A credential with the Rust test's salts: `[n; 16]`, n = 1, 2, … in claim-name order. */
function issued(issuer, holder, { iss = ISS, claims = CLAIMS } = {}) {
  let n = 0;
  return issueCredential({ issuer, holder: holder.publicKey, iss, vct: DEFAULT_VCT, iat: 1_767_225_600, claims, salt: () => new Uint8Array(16).fill(++n) });
}
const present = (cred, disclose, holder, b = B) => presentCredential(cred, { disclose, holder, ...b });

/** Throws a CredentialError of `kind` (and `step`, when given) whose message matches `message`. */
function refused(fn, kind, message = null, step = undefined) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof CredentialError, `a CredentialError, not ${e}`);
    assert.equal(e.kind, kind, e.message);
    if (message) assert.match(e.message, message);
    if (step !== undefined) assert.equal(e.step, step, e.message);
    return true;
  });
}

/** A compact JWS over the given header and payload texts, signed as the Rust code signs. */
const jws = (k, headerText, payloadText) => {
  const input = `${base64url(utf8(headerText))}.${base64url(utf8(payloadText))}`;
  return `${input}.${base64url(k.sign(utf8(input)).signature)}`;
};
const algOf = (k) => (k.scheme === "ed25519" ? "EdDSA" : "ES256");
/** The issuer's JWT over `payload` (an object, written as serde_json writes it). */
const issuerJwt = (k, payload, header = { alg: algOf(k), typ: "dc+sd-jwt" }) => jws(k, jsonText(header), jsonText(payload));
/** A standard payload over `disclosures`, with `extra` fields mixed in. */
const payloadOver = (holder, disclosures, extra = {}) => {
  const payload = {
    iss: ISS,
    iat: 1_767_225_600,
    vct: DEFAULT_VCT,
    _sd_alg: "sha-256",
    _sd: disclosures.map((d) => d.digest).sort(),
    cnf: { jwk: publicKeyToJwk(holder.publicKey) },
    ...extra,
  };
  // An `undefined` in `extra` leaves the field out.
  return Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined));
};
/** `jwt~d…~` with a key-binding JWT over the given payload text and header. */
function bind(presented, holder, { payloadText = null, header = { alg: algOf(holder), typ: "kb+jwt" } } = {}) {
  const sdHash = base64url(createHash("sha256").update(presented).digest());
  const payload = payloadText ?? jsonText({ aud: B.aud, iat: B.iat, nonce: B.nonce, sd_hash: sdHash });
  return presented + jws(holder, jsonText(header), payload.replace("SD_HASH", sdHash));
}
const encodedDisclosure = (json) => {
  const encoded = base64url(utf8(json));
  return { encoded, digest: base64url(createHash("sha256").update(encoded).digest()) };
};

test("a holder discloses only what it chooses, under both schemes", () => {
  for (const [is, hs] of PAIRS) {
    const [issuer, holder] = [key(is, 1), key(hs, 2)];
    const cred = issued(issuer, holder);
    const again = parseCredential(cred.sdJwt);
    assert.deepEqual(again, cred);
    assert.equal(again.sdJwt, cred.sdJwt);
    const p = present(cred, ["degree", "year"], holder);
    const v = verifyPresentation(p, issuer.publicKey, B);
    assert.deepEqual(Object.keys(v.disclosed), ["degree", "year"]);
    assert.deepEqual(v.disclosed, { degree: "BSc Computer Science", year: 2026 });
    assert.equal(v.claimsSigned, 4);
    assert.ok(v.holder.equals(holder.publicKey));
    assert.ok(!p.includes("Alice"), "an undisclosed claim leaks nothing");
    assert.equal(v.issuerJwt, cred.jwt);
    assert.equal(credentialJwt(p), cred.jwt);
    assert.deepEqual([v.iss, v.vct, v.iat, v.kbIat], [ISS, DEFAULT_VCT, 1_767_225_600, B.iat]);
    // The issuer key as text or as a SecretKey's public key; the presentation as bytes.
    assert.deepEqual(verifyPresentation(utf8(p), issuer.publicKey.toString(), B).disclosed, v.disclosed);
    // Nothing disclosed: still a valid presentation (it proves the holder holds a credential).
    assert.deepEqual(verifyPresentation(present(cred, [], holder), issuer.publicKey, B).disclosed, {});
    // Surrounding whitespace is not part of the presentation (Rust's `trim`).
    assert.equal(verifyPresentation(`\n  ${p}\r\n`, issuer.publicKey, B).claimsSigned, 4);
  }
});

test("every forgery the Rust tests refuse is refused, under both schemes", () => {
  for (const [is, hs] of PAIRS) {
    const [issuer, holder] = [key(is, 1), key(hs, 2)];
    const cred = issued(issuer, holder);
    const good = present(cred, ["degree"], holder);
    const verify = (p) => verifyPresentation(p, issuer.publicKey, B);
    assert.ok(verify(good));
    // Another issuer key; another audience or nonce; no key binding; a foreign holder.
    refused(() => verifyPresentation(good, key(is, 9).publicKey, B), "issuer_signature", /the issuer signature does not verify under the registering key/, 2);
    refused(() => verifyPresentation(good, issuer.publicKey, { ...B, aud: "https://other.example" }), "key_binding", /audience "https:\/\/employer.example", not "https:\/\/other.example"/, 5);
    refused(() => verifyPresentation(good, issuer.publicKey, { ...B, nonce: "n-43" }), "key_binding", /another nonce/, 5);
    const withoutKb = good.slice(0, good.lastIndexOf("~") + 1);
    refused(() => verify(withoutKb), "key_binding", /no key-binding JWT/, 5);
    const stolen = present(cred, ["degree"], key(hs, 7));
    refused(() => verify(stolen), "key_binding", /does not verify under the holder key/, 5);
    // A disclosure the issuer never signed (a better degree), swapped in or added.
    const fake = makeDisclosure(new Uint8Array(16).fill(5), "degree", "PhD Physics");
    const degree = cred.disclosures.find((d) => d.name === "degree");
    refused(() => verify(good.replace(degree.encoded, fake.encoded)), "unknown_disclosure", /disclosure `degree` is not one the issuer signed/, 4);
    const forged = present({ jwt: cred.jwt, disclosures: [fake, cred.disclosures[1]] }, ["degree"], holder);
    assert.throws(() => verify(forged), (e) => e.kind === "unknown_disclosure" && e.claim === "degree");
    // A disclosure added after the key binding was made.
    const other = cred.disclosures.find((d) => d.name === "name");
    const cut = good.lastIndexOf("~");
    refused(() => verify(`${good.slice(0, cut)}~${other.encoded}~${good.slice(cut + 1)}`), "key_binding", /sd_hash/, 5);
    // The same disclosure twice.
    const d0 = cred.disclosures[0].encoded;
    const none = present(cred, [], holder);
    refused(() => verify(none.replace("~", `~${d0}~${d0}~`)), "duplicate_disclosure", /appears twice/, 4);
    // The issuer JWT's payload edited (the signature no longer matches).
    const [h, , ...rest] = good.split(".");
    assert.throws(() => verify(`${h}.e30.${rest.join(".")}`), CredentialError);
    refused(() => verify(`${h}.e30.${rest.join(".")}`), "issuer_signature");
    for (const junk of ["", "~", "a.b.c~~x", "not a credential", "~".repeat(200)]) {
      assert.throws(() => verify(junk), CredentialError, JSON.stringify(junk));
    }
  }
});

test("limits: 64 KiB, 1..=64 disclosures, claim names of 1..=64 bytes and not reserved", () => {
  const [issuer, holder] = [key("ed25519", 1), key("p256", 2)];
  const cred = issued(issuer, holder);
  const good = present(cred, ["degree"], holder);
  const verify = (p) => verifyPresentation(p, issuer.publicKey, B);
  refused(() => verify(good + "A".repeat(CREDENTIAL_BYTES_MAX)), "malformed", /over the 65536-byte limit/, 2);
  refused(() => verify(good.replace("~", "~~")), "malformed", /non-empty disclosures/, 4);
  // 64 claims issue and present; 65 do not issue, and 65 disclosures are refused.
  const many = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`c${String(i).padStart(2, "0")}`, i]));
  const big = issued(issuer, holder, { claims: many });
  const all = present(big, Object.keys(many), holder);
  assert.equal(Object.keys(verify(all).disclosed).length, 64);
  refused(() => issued(issuer, holder, { claims: { ...many, c64: 64 } }), "malformed", /1..=64 claims/);
  refused(() => issued(issuer, holder, { claims: {} }), "malformed", /1..=64 claims/);
  refused(() => verify(all.replace("~", `~${cred.disclosures[0].encoded}~`)), "malformed", /1..=64 non-empty disclosures/, 4);
  // Claim names: 64 bytes (of UTF-8) are fine, 65 are not; reserved names; the empty name.
  assert.ok(issued(issuer, holder, { claims: { ["é".repeat(32)]: 1, ["n".repeat(64)]: 2 } }));
  for (const name of ["", "n".repeat(65), "é".repeat(33), "_sd", "_sd_alg", "cnf", "..."]) {
    refused(() => issued(issuer, holder, { claims: { [name]: 1 } }), "malformed", /is not allowed/);
  }
  // The same names in a credential signed by someone else's software: refused when presented.
  for (const name of ["", "n".repeat(65), "_sd", "_sd_alg", "cnf", "..."]) {
    const d = encodedDisclosure(JSON.stringify(["c2FsdA", name, 1]));
    const jwt = issuerJwt(issuer, payloadOver(holder, [d]));
    refused(() => verify(bind(`${jwt}~${d.encoded}~`, holder)), "malformed", /claim name .* is not allowed/, 4);
  }
  // A disclosed name that clashes with a signed claim, or two disclosures of one name.
  for (const [name, twice] of [
    ["iss", false],
    ["vct", false],
    ["degree", true],
  ]) {
    const ds = [encodedDisclosure(JSON.stringify(["c2FsdA", name, "x"]))];
    if (twice) ds.push(encodedDisclosure(JSON.stringify(["b3RoZXI", name, "y"])));
    const jwt = issuerJwt(issuer, payloadOver(holder, ds));
    refused(() => verify(bind(`${jwt}~${ds.map((d) => d.encoded + "~").join("")}`, holder)), "malformed", /disclosed twice or clashes with a signed claim/, 4);
  }
});

test("typ and alg: dc+sd-jwt or vc+sd-jwt, kb+jwt, and the alg of the key (EdDSA for Ed25519, ES256 for P-256)", () => {
  for (const [is, hs] of PAIRS) {
    const [issuer, holder] = [key(is, 1), key(hs, 2)];
    const d = makeDisclosure(new Uint8Array(16).fill(1), "degree", "BSc");
    const verify = (p) => verifyPresentation(p, issuer.publicKey, B);
    const make = (header) => bind(`${issuerJwt(issuer, payloadOver(holder, [d]), header)}~${d.encoded}~`, holder);
    assert.deepEqual(verify(make({ alg: algOf(issuer), typ: "vc+sd-jwt" })).disclosed, { degree: "BSc" });
    for (const typ of ["JWT", "kb+jwt", "", null]) {
      refused(() => verify(make(typ === null ? { alg: algOf(issuer) } : { alg: algOf(issuer), typ })), "malformed", /JWT typ must be one of \["dc\+sd-jwt", "vc\+sd-jwt"\]/, 2);
    }
    for (const alg of [is === "ed25519" ? "ES256" : "EdDSA", "none", "HS256", "Ed25519"]) {
      refused(() => verify(make({ alg, typ: "dc+sd-jwt" })), "malformed", /JWT alg .* does not match the key/, 2);
    }
    // The key-binding JWT: typ kb+jwt, alg of the holder's key.
    const presented = `${issuerJwt(issuer, payloadOver(holder, [d]))}~${d.encoded}~`;
    refused(() => verify(bind(presented, holder, { header: { alg: algOf(holder), typ: "JWT" } })), "key_binding", /key binding: malformed: JWT typ must be one of \["kb\+jwt"\]/, 5);
    refused(() => verify(bind(presented, holder, { header: { alg: algOf(issuer), typ: "kb+jwt" } })), "key_binding", /does not match the key/, 5);
    // A secp256k1 key signs no credential: not as issuer, holder, or the registering key.
    assert.ok(verify(bind(presented, holder)));
    refused(() => verifyPresentation(bind(presented, holder), key("secp256k1", 3).publicKey, B), "malformed", /JWT alg .* does not match the key/, 2);
  }
  const [k1, ed] = [key("secp256k1", 3), key("ed25519", 4)];
  refused(() => issued(k1, ed), "unsupported_key", /secp256k1, which signs no credential/);
  refused(() => issued(ed, k1), "unsupported_key", /secp256k1 \(holder\)/);
  refused(() => present(issued(ed, ed), ["degree"], k1), "unsupported_key", /secp256k1/);
  refused(() => present(issued(ed, ed), ["diploma"], ed), "no_such_claim", /no disclosure named `diploma`/);
});

test("ES256 signatures with a high S verify (other JOSE software does not normalise S); malformed signatures do not", () => {
  const [issuer, holder] = [key("p256", 3), key("p256", 4)];
  const highS = (jwt) => {
    const [h, p, s] = jwt.split(".");
    const sig = fromBase64url(s);
    const low = BigInt(`0x${toHex(sig.subarray(32))}`);
    assert.ok(low <= P256_N / 2n, "this SDK signs with a low S, as the ledger requires");
    const high = (P256_N - low).toString(16).padStart(64, "0");
    return `${h}.${p}.${base64url(Uint8Array.from([...sig.subarray(0, 32), ...Buffer.from(high, "hex")]))}`;
  };
  const cred = issued(issuer, holder);
  const jwt = highS(cred.jwt);
  const p = present({ jwt, disclosures: cred.disclosures }, ["year"], holder);
  assert.deepEqual(verifyPresentation(p, issuer.publicKey, B).disclosed, { year: 2026 });
  const cut = p.lastIndexOf("~") + 1;
  assert.deepEqual(verifyPresentation(p.slice(0, cut) + highS(p.slice(cut)), issuer.publicKey, B).disclosed, { year: 2026 }, "a high-S key binding too");
  // r ‖ s only: 64 bytes; padding or truncation is not a signature.
  const [h, pl, s] = cred.jwt.split(".");
  for (const sig of [base64url(Uint8Array.from([...fromBase64url(s), 0])), base64url(fromBase64url(s).subarray(0, 63)), "", "AA"]) {
    const bad = present({ jwt: `${h}.${pl}.${sig}`, disclosures: cred.disclosures }, ["year"], holder);
    refused(() => verifyPresentation(bad, issuer.publicKey, B), "issuer_signature", null, 2);
  }
  refused(() => verifyPresentation(present({ jwt: `${h}.${pl}.${s}=`, disclosures: cred.disclosures }, ["year"], holder), issuer.publicKey, B), "malformed", /JWT signature is not base64url/, 2);
});

test("only what Vellum issues: no nested or array-element disclosures, _sd_alg sha-256, cnf.jwk a curve point", () => {
  const [issuer, holder] = [key("ed25519", 1), key("p256", 2)];
  const verify = (p) => verifyPresentation(p, issuer.publicKey, B);
  const d = makeDisclosure(new Uint8Array(16).fill(1), "degree", "BSc");
  const withPayload = (extra, disclosures = [d]) => bind(`${issuerJwt(issuer, payloadOver(holder, disclosures, extra))}~${disclosures.map((x) => x.encoded + "~").join("")}`, holder);
  assert.ok(verify(withPayload({})));
  refused(() => verify(withPayload({ grades: { _sd: ["x"] } })), "malformed", /nested selective disclosure/, 4);
  refused(() => verify(withPayload({ courses: ["a", { "...": "x" }] })), "malformed", /nested selective disclosure/, 4);
  refused(() => verify(withPayload({ _sd_alg: "sha-512" })), "malformed", /only _sd_alg sha-256/, 4);
  refused(() => verify(withPayload({ _sd_alg: null })), "malformed", /only _sd_alg sha-256/, 4);
  assert.ok(verify(withPayload({ _sd_alg: undefined })), "no _sd_alg: sha-256");
  const element = encodedDisclosure(JSON.stringify(["c2FsdA", "BSc"]));
  refused(() => verify(withPayload({}, [element])), "malformed", /array-element disclosures are not supported/, 4);
  for (const json of ['["c2FsdA", "degree"', '{"degree": 1}', '[1, "degree", 2]', '["s", "degree", 1, 2]', '["s", "v", "\\ud800"]', '["s", "v", 1e400]']) {
    const x = encodedDisclosure(json);
    refused(() => verify(withPayload({}, [x])), "malformed", null, 4);
  }
  refused(() => verify(withPayload({}, [{ encoded: "not base64!", digest: "x" }])), "malformed", /a disclosure is not base64url/, 4);
  // The holder key: present, a point of its curve, Ed25519 or P-256.
  refused(() => verify(withPayload({ cnf: {} })), "key_binding", /names no holder key/, 5);
  refused(() => verify(withPayload({ cnf: { jwk: { kty: "EC", crv: "P-256", x: base64url(new Uint8Array(32).fill(1)), y: base64url(new Uint8Array(32).fill(2)) } } })), "key_binding", /P-256 JWK is not a curve point/, 5);
  refused(() => verify(withPayload({ cnf: { jwk: { kty: "EC", crv: "secp256k1", x: "AA", y: "AA" } } })), "key_binding", /unsupported JWK/, 5);
  refused(() => verify(withPayload({ cnf: { jwk: { kty: "OKP", crv: "Ed25519", x: base64url(new Uint8Array(31)) } } })), "key_binding", /must be 32 bytes/, 5);
  assert.ok(publicKeyFromJwk(publicKeyToJwk(holder.publicKey)).equals(holder.publicKey));
  assert.ok(publicKeyFromJwk(publicKeyToJwk(key("ed25519", 5).publicKey)).equals(key("ed25519", 5).publicKey));
});

test("the key-binding JWT: aud and nonce strings, iat an unsigned integer, sd_hash over exactly jwt~d…~", () => {
  const [issuer, holder] = [key("p256", 1), key("ed25519", 2)];
  const cred = issued(issuer, holder);
  const presented = `${cred.jwt}~${cred.disclosures[0].encoded}~`;
  const verify = (payloadText) => verifyPresentation(bind(presented, holder, { payloadText }), issuer.publicKey, B);
  const kb = (iat, aud = '"https://employer.example"') => `{"aud":${aud},"iat":${iat},"nonce":"n-42","sd_hash":"SD_HASH"}`;
  assert.equal(verify(kb("1767225700")).kbIat, 1_767_225_700);
  assert.equal(verify(kb("18446744073709551615")).kbIat, 18446744073709551615n, "a u64 beyond 2^53 stays exact");
  for (const iat of ["1.5", "1e3", "1767225700.0", "-1", "-0", "18446744073709551616", '"1767225700"', "null"]) {
    assert.throws(() => verify(kb(iat)), (e) => e.kind === "key_binding" && /no iat/.test(e.message), iat);
  }
  assert.throws(() => verify(`{"aud":"https://employer.example","nonce":"n-42","sd_hash":"SD_HASH"}`), /no iat/);
  refused(() => verify(kb("1", '["https://employer.example"]')), "key_binding", /made for audience/);
  refused(() => verify(`{"aud":"https://employer.example","iat":1,"nonce":"n-42","sd_hash":"x"}`), "key_binding", /sd_hash/);
  // Over the presented text exactly: not over the JWT alone, nor with a disclosure left out.
  const sdHashOf = (s) => base64url(createHash("sha256").update(s).digest());
  for (const over of [cred.jwt, `${cred.jwt}~`, `${cred.jwt}~${cred.disclosures[0].encoded}`]) {
    refused(() => verify(`{"aud":"https://employer.example","iat":1,"nonce":"n-42","sd_hash":"${sdHashOf(over)}"}`), "key_binding", /sd_hash/);
  }
  // A byte-order mark is not whitespace to Rust: the JWT no longer decodes.
  refused(() => verifyPresentation(`\uFEFF${present(cred, ["year"], holder)}`, issuer.publicKey, B), "malformed", /JWT header is not base64url/, 2);
});

test("a credential issued and presented by this SDK passes the Rust rules, read independently (node:crypto, serde_json's bytes)", () => {
  // The holder's public key from node:crypto (not this SDK) as the JWK serde_json writes.
  const nodeJwk = (k) => {
    const pkcs8 =
      k.scheme === "ed25519"
        ? Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.from(k.toBytes())])
        : Buffer.concat([Buffer.from("3041020100301306072a8648ce3d020106082a8648ce3d030107042730250201010420", "hex"), Buffer.from(k.toBytes())]);
    const jwk = createPublicKey(createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" })).export({ format: "jwk" });
    return k.scheme === "ed25519" ? `{"crv":"Ed25519","kty":"OKP","x":"${jwk.x}"}` : `{"crv":"P-256","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"}`;
  };
  const nodeKey = (jwkText) => createPublicKey({ key: JSON.parse(jwkText), format: "jwk" });
  const nodeVerifies = (jwkText, alg, input, sig) =>
    alg === "EdDSA" ? nodeVerify(null, Buffer.from(input), nodeKey(jwkText), sig) : nodeVerify("sha256", Buffer.from(input), { key: nodeKey(jwkText), dsaEncoding: "ieee-p1363" }, sig);
  const b64 = (s) => Buffer.from(s).toString("base64url");
  const sha = (s) => createHash("sha256").update(s).digest("base64url");
  for (const [is, hs] of PAIRS) {
    const [issuer, holder] = [key(is, 1), key(hs, 2)];
    const p = present(issued(issuer, holder), ["degree", "year"], holder);
    const parts = p.split("~");
    const [jwt, kb, disclosures] = [parts[0], parts.at(-1), parts.slice(1, -1)];
    // Disclosures: `[salt, name, value]` compact, nested keys sorted, salts `[n; 16]` in name order.
    assert.deepEqual(
      disclosures.map((d) => Buffer.from(d, "base64url").toString()),
      [`["${b64(Buffer.alloc(16, 1))}","degree","BSc Computer Science"]`, `["${b64(Buffer.alloc(16, 4))}","year",2026]`],
    );
    const all = ["degree", "grades", "name", "year"].map((name, i) =>
      b64(`["${b64(Buffer.alloc(16, i + 1))}","${name}",${JSON.stringify({ degree: "BSc Computer Science", grades: { algorithms: "A", databases: "B+" }, name: "Alice Example", year: 2026 }[name])}]`),
    );
    // The issuer JWT: exactly the bytes `serde_json::json!` writes (keys sorted), `_sd` sorted.
    const [h, pl, s] = jwt.split(".");
    const alg = is === "ed25519" ? "EdDSA" : "ES256";
    assert.equal(Buffer.from(h, "base64url").toString(), `{"alg":"${alg}","typ":"dc+sd-jwt"}`);
    const sd = all.map(sha).sort();
    assert.equal(
      Buffer.from(pl, "base64url").toString(),
      `{"_sd":${JSON.stringify(sd)},"_sd_alg":"sha-256","cnf":{"jwk":${nodeJwk(holder)}},"iat":1767225600,"iss":"${ISS}","vct":"urn:vellum:academic-certificate"}`,
    );
    for (const d of disclosures) assert.ok(sd.includes(sha(d)), "each disclosure's digest is in _sd");
    // The signatures, under node:crypto: the issuer's under its key, the key binding under cnf.jwk.
    assert.ok(nodeVerifies(nodeJwk(issuer), alg, `${h}.${pl}`, Buffer.from(s, "base64url")), "issuer signature");
    const [kh, kp, ks] = kb.split(".");
    const kalg = hs === "ed25519" ? "EdDSA" : "ES256";
    assert.equal(Buffer.from(kh, "base64url").toString(), `{"alg":"${kalg}","typ":"kb+jwt"}`);
    assert.equal(Buffer.from(kp, "base64url").toString(), `{"aud":"${B.aud}","iat":${B.iat},"nonce":"${B.nonce}","sd_hash":"${sha(p.slice(0, p.length - kb.length))}"}`);
    assert.ok(nodeVerifies(nodeJwk(holder), kalg, `${kh}.${kp}`, Buffer.from(ks, "base64url")), "key-binding signature");
  }
});

test("JSON as serde_json writes it: sorted keys, integers exact, floats as f64", () => {
  assert.equal(jsonText({ b: 1, a: [true, null, "x\n\u0001\"é"], "é": { z: 1, y: 2 }, "": 0 }), '{"":0,"a":[true,null,"x\\n\\u0001\\"é"],"b":1,"é":{"y":2,"z":1}}');
  assert.equal(jsonText(new Map([["b", 18446744073709551615n], ["a", -9007199254740993n]])), '{"a":-9007199254740993,"b":18446744073709551615}');
  // Integral values below 2^64 as integers; other numbers in ryu's layout (as serde_json writes an f64).
  assert.deepEqual([2 ** 53, 2 ** 63, 0.5, 1.5e-7, 1e21, 2 ** 64, 123456789.125, 1e-5, 1e-6, -2.5, 1.7976931348623157e308].map((v) => jsonText(v)), [
    "9007199254740992",
    "9223372036854775808",
    "0.5",
    "1.5e-7",
    "1e21",
    "1.8446744073709552e19",
    "123456789.125",
    "0.00001",
    "1e-6",
    "-2.5",
    "1.7976931348623157e308",
  ]);
  // Keys sort by UTF-8 bytes (as Rust's String), not UTF-16 code units.
  assert.equal(jsonText({ "\u{1F600}": 1, "\uFF61": 2 }), '{"\uFF61":2,"\u{1F600}":1}');
  assert.throws(() => jsonText({ bad: "\ud800" }), CredentialError);
  assert.throws(() => jsonText({ bad: () => 1 }), CredentialError);
});

// ---- verifyCredential: the presentation with its ledger evidence (steps 1–6) ----

const AUD = "https://employer.example";
const NONCE = "offer-2026-77";
const ATTESTED = { name: "Example University", domain: "example.edu" };

/** A credential of `issuer` registered on a test chain, presented by `holder` for AUD and NONCE. */
function onLedger(issuer, holder, { attested = ATTESTED, iss = null, registeredBy = null, chainId = "vellum-test" } = {}) {
  const cred = issued(issuer, holder, { iss: iss ?? credentialIss(chainId, (registeredBy ?? issuer).accountId) });
  const ledger = credentialLedger({ jwt: cred.jwt, issuer, attested, registeredBy, chainId });
  const presentation = present(cred, ["degree", "year"], holder, { aud: AUD, nonce: NONCE, iat: B.iat });
  return { cred, ledger, presentation };
}

test("verifyCredential: a registered credential, its issuer's identity, the disclosed claims and the status, under both schemes", () => {
  for (const [is, hs] of PAIRS) {
    const [issuer, holder] = [key(is, 1), key(hs, 2)];
    const { ledger, presentation } = onLedger(issuer, holder);
    const r = verifyCredential(presentation, ledger.bundle, { aud: AUD, nonce: NONCE, genesisHash: ledger.genesisHash });
    assert.equal(r.valid, true);
    assert.deepEqual(r.disclosed, { degree: "BSc Computer Science", year: 2026 });
    assert.equal(r.claimsSigned, 4);
    assert.deepEqual([r.issuer.attested, r.issuer.profile.name, r.issuer.profile.domain], [true, "Example University", "example.edu"]);
    assert.deepEqual([r.status.status, r.statusHeight, r.now, r.checkpointPinned], ["live", 5n, null, true]);
    assert.equal(r.iss, `vellum:vellum-test:${ledger.registrant}`);
    assert.equal(r.signer, issuer.publicKey.toString());
    assert.ok(r.holder.equals(holder.publicKey));
    assert.equal(r.bundle.document, "matched", "the bundle's document is the JWT");
    // Unpinned: verified against the bundle's own genesis (reported); the presentation as bytes.
    const loose = verifyCredential(utf8(presentation), ledger.bundle, { aud: AUD, nonce: NONCE });
    assert.deepEqual([loose.checkpointPinned, loose.genesisHash], [false, ledger.genesisHash]);
    // A fresh status proof: revoked since, and the issuer identity now.
    const later = verifyCredential(presentation, ledger.bundle, { aud: AUD, nonce: NONCE, genesisHash: ledger.genesisHash, statusBytes: ledger.statusProof(revokedAt(7), 8) });
    assert.deepEqual([later.status.status, later.status.reason, later.statusHeight, later.now.changed], ["revoked", "privilege_withdrawn", 8n, true]);
    assert.equal(later.issuer.profile.name, "Example University");
    // Never attested: said so.
    const plain = onLedger(issuer, holder, { attested: null });
    assert.deepEqual(verifyCredential(plain.presentation, plain.ledger.bundle, { aud: AUD, nonce: NONCE }).issuer, { attested: false });
  }
});

test("verifyCredential names the failing step: ledger, issuer signature, issuer, disclosures, key binding, status", () => {
  const [issuer, holder] = [key("ed25519", 1), key("p256", 2)];
  const { cred, ledger, presentation } = onLedger(issuer, holder);
  const opts = { aud: AUD, nonce: NONCE, genesisHash: ledger.genesisHash };
  // 1. Another credential's bundle; another chain pinned.
  const other = onLedger(issuer, holder, { iss: "vellum:vellum-test:other" });
  assert.throws(
    () => verifyCredential(presentation, other.ledger.bundle, { aud: AUD, nonce: NONCE }),
    (e) => e instanceof CredentialError && e.kind === "ledger" && e.step === 1 && e.stepName === "ledger" && e.cause.step === "document" && /step 8 \(document\)/.test(e.message),
  );
  assert.throws(() => verifyCredential(presentation, ledger.bundle, { ...opts, genesisHash: "00".repeat(32) }), (e) => e.step === 1 && e.cause.step === "checkpoint");
  assert.throws(() => verifyCredential(presentation, utf8("not a bundle"), opts), (e) => e.step === 1 && e.cause.step === "decode");
  // 2. Registered by an account whose key did not sign the JWT.
  const thief = key("ed25519", 6);
  const stolen = onLedger(issuer, holder, { registeredBy: thief });
  refused(() => verifyCredential(stolen.presentation, stolen.ledger.bundle, { aud: AUD, nonce: NONCE }), "issuer_signature", /registering key/, 2);
  // 3. iss names another chain, or another account.
  for (const iss of [credentialIss("vellum-other", issuer.accountId), credentialIss("vellum-test", thief.accountId), `vellum:vellum-test:${toHex(issuer.accountId).toUpperCase()}`]) {
    const wrong = onLedger(issuer, holder, { iss });
    refused(() => verifyCredential(wrong.presentation, wrong.ledger.bundle, { aud: AUD, nonce: NONCE }), "issuer", /is not the registering account/, 3);
  }
  // 4. A disclosure the issuer never signed.
  const fake = makeDisclosure(new Uint8Array(16).fill(9), "degree", "PhD Physics");
  const forged = presentCredential({ jwt: cred.jwt, disclosures: [fake] }, { disclose: ["degree"], holder, aud: AUD, nonce: NONCE });
  refused(() => verifyCredential(forged, ledger.bundle, opts), "unknown_disclosure", null, 4);
  // 5. Another verifier's presentation, or a replay with an old nonce.
  refused(() => verifyCredential(presentation, ledger.bundle, { ...opts, aud: "https://other.example" }), "key_binding", /audience/, 5);
  refused(() => verifyCredential(presentation, ledger.bundle, { ...opts, nonce: "offer-2026-76" }), "key_binding", /nonce/, 5);
  // 6. A status proof of another registration, or older than the bundle.
  assert.throws(() => verifyCredential(presentation, ledger.bundle, { ...opts, statusBytes: other.ledger.statusProof({ status: "live" }, 9) }), (e) => e.kind === "status" && e.step === 6 && /another registration/.test(e.message));
  assert.throws(() => verifyCredential(presentation, ledger.bundle, { ...opts, statusBytes: ledger.statusProof({ status: "live" }, 4) }), (e) => e.step === 6 && /older than the bundle/.test(e.message));
  assert.throws(() => verifyCredential(presentation, ledger.bundle, { ...opts, statusBytes: utf8("junk") }), (e) => e.step === 6 && e.cause.step === "decode");
});

// ---- The real thing: files `vellum credential` made on a devnet ----

const RUST_FILES = ["credential-presentation.txt", "credential-bundle.vellum", "credential-genesis-hash.txt"];

test("the Rust CLI's devnet credential (docs/examples/credential-*) verifies with this SDK: degree and year of 4 claims, by Example University", () => {
  const missing = RUST_FILES.filter((f) => !existsSync(join(EXAMPLES, f)));
  assert.deepEqual(missing, [], `missing in docs/examples: ${missing.join(", ")} (made with \`vellum credential issue/present\` and \`vellum proof bundle\` on a devnet; aud ${AUD}, nonce ${NONCE})`);
  const presentation = readExample("credential-presentation.txt");
  const bundle = readExample("credential-bundle.vellum");
  const opts = { aud: AUD, nonce: NONCE, genesisHash: exampleText("credential-genesis-hash.txt") };
  const r = verifyCredential(presentation, bundle, opts);
  assert.deepEqual(r.disclosed, { degree: "BSc Computer Science", year: 2026 });
  assert.equal(r.claimsSigned, 4);
  assert.equal(r.issuer.attested, true);
  assert.deepEqual([r.issuer.profile.name, r.issuer.profile.domain], ["Example University", "example.edu"]);
  assert.equal(r.iss, `vellum:${r.chainId}:${r.registrant}`);
  assert.equal(r.checkpointPinned, true);
  const text = presentation.toString("utf8");
  const names = text.trim().split("~").slice(1, -1).map((d) => JSON.parse(Buffer.from(d, "base64url").toString())[1]);
  assert.deepEqual(names.sort(), ["degree", "year"], "only degree and year are in it");
  // Replayed elsewhere, or tampered: refused at its step.
  refused(() => verifyCredential(presentation, bundle, { ...opts, aud: "https://other.example" }), "key_binding", null, 5);
  refused(() => verifyCredential(presentation, bundle, { ...opts, nonce: "offer-2026-78" }), "key_binding", null, 5);
  refused(() => verifyCredential(text.trim().slice(0, text.trim().lastIndexOf("~") + 1), bundle, opts), "key_binding", null, 5);
  assert.throws(() => verifyCredential(presentation, bundle, { ...opts, genesisHash: "00".repeat(32) }), (e) => e.step === 1 && e.cause.step === "checkpoint");
  const jwt = credentialJwt(presentation);
  const verifyOnly = verifyPresentation(presentation, r.signer, { aud: AUD, nonce: NONCE });
  assert.deepEqual(verifyOnly.disclosed, r.disclosed);
  assert.equal(verifyOnly.issuerJwt, jwt);
});

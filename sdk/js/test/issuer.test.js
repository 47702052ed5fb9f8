// Issuer identity in evidence (docs/evidence-format.md §2 version 3, §2.4 field 8, §2.5, §4 step
// 6d, §6a), on the real files of docs/examples made by the Rust code on a devnet: a version-3
// bundle of an attested issuer with its document, a status proof made after the attestation was
// withdrawn, and bundles and status proofs of an issuer never attested. Every field of the issuer
// section is altered in turn and must fail at step 6; the framing rules of version 3 at step 1.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  FILE_VERSION_ISSUER,
  VerifyError,
  decodeBundle,
  decodeStatusProof,
  encodeBundle,
  encodeStatusProof,
  issuerLine,
  issuerProfileKey,
  sha256,
  statusNow,
  toHex,
  utf8,
  verifyBundle,
  verifyBundleWithStatus,
  verifyEvidence,
  verifyStatusProof,
} from "../src/index.js";
import { exampleText, readExample } from "./fixtures.js";

const pinned = exampleText("attested-genesis-hash.txt");
const attested = readExample("attested-diploma.vellum");
const document = readExample("attested-diploma.pdf");
const revokedSince = readExample("attested-diploma-revoked-issuer.status");
const statusPin = exampleText("status-genesis-hash.txt");

const failsAt = (step, fn, what = step) => assert.throws(fn, (e) => e instanceof VerifyError && e.step === step, what);

/** The bundle (or status proof) with one change made to its decoded value. */
const editedBundle = (change, bytes = attested) => {
  const copy = structuredClone(decodeBundle(bytes));
  change(copy);
  return encodeBundle(copy);
};
const editedStatus = (change, bytes = revokedSince) => {
  const copy = structuredClone(decodeStatusProof(bytes));
  change(copy);
  return encodeStatusProof(copy);
};

/** Another value of the same type: +1 for integers, first bit flipped for bytes, a suffix for text. */
function changed(v) {
  if (typeof v === "bigint") return v + 1n;
  if (typeof v === "string") return `${v}x`;
  const copy = v.slice();
  copy[0] ^= 1;
  return copy;
}

test("a version-3 bundle names the registrant's attested identity, checked against the header's state", () => {
  assert.equal(attested[8], FILE_VERSION_ISSUER);
  const r = verifyBundle(attested, { genesisHash: pinned, document });
  assert.equal(r.document, "matched");
  assert.deepEqual(r.issuer, {
    attested: true,
    profile: { name: "Example University", domain: "example.edu", x509Sha256: null, wellKnownSha256: r.issuer.profile.wellKnownSha256 },
    attestedBy: "a593128897183f44834b2986c36672cc4d56c69c95fd41c5d48aff9e89f29691",
    txId: r.issuer.txId,
    height: 6n,
    timeMs: r.issuer.timeMs,
    revoked: null,
  });
  assert.match(r.issuer.profile.wellKnownSha256, /^[0-9a-f]{64}$/);
  assert.equal(issuerLine(r.issuer), "Example University (example.edu), attested by a593128897183f44834b2986c36672cc4d56c69c95fd41c5d48aff9e89f29691 at height 6");
  const trace = Object.fromEntries(r.trace);
  assert.equal(trace.issuer_key, toHex(issuerProfileKey(r.registrant)));
  assert.equal(toHex(encodeBundle(decodeBundle(attested))), toHex(attested), "decode/encode is the identity");
  assert.equal(verifyEvidence(attested, { genesisHash: pinned }).issuer.attested, true);
});

test("bundles of an issuer never attested prove it; older files carry no issuer identity", () => {
  const never = verifyBundle(readExample("status-diploma.vellum"), { genesisHash: statusPin });
  assert.deepEqual(never.issuer, { attested: false });
  assert.equal(issuerLine(never.issuer), "no attested identity");
  for (const [file, pin] of [["diploma.vellum", "genesis-hash.txt"], ["contract-two-set-changes.vellum", "set-changes-genesis-hash.txt"], ["batch-member-revoked.vellum", "batch-genesis-hash.txt"]]) {
    const r = verifyBundle(readExample(file), { genesisHash: exampleText(pin) });
    assert.equal(r.issuer, null, file);
    assert.equal(decodeBundle(readExample(file)).issuer, null, file);
    assert.equal(toHex(encodeBundle(decodeBundle(readExample(file)))), toHex(readExample(file)), `${file}: still written as version ${readExample(file)[8]}`);
  }
  assert.equal(issuerLine(null), "this file (an older format) carries no issuer identity");
});

test("version-3 framing: the issuer section must be there; removed, the bundle is a valid version 1; no other encoding", () => {
  // The section removed and the file written as an older bundle: version 1, valid, no identity.
  const older = editedBundle((b) => (b.issuer = null));
  assert.equal(older[8], 1);
  const r = verifyBundle(older, { genesisHash: pinned, document });
  assert.deepEqual([r.issuer, r.document], [null, "matched"]);
  // Version 3 = the whole value: the body, the (empty) chain's count, the section's tag and value.
  const body = older.subarray(9);
  const section = attested.subarray(9 + body.length + 4);
  assert.equal(section[0], 1, "the section's `Some` tag");
  assert.equal(toHex(Uint8Array.of(...attested.subarray(0, 9), ...body, 0, 0, 0, 0, ...section)), toHex(attested));
  const v3 = (...rest) => Uint8Array.of(...attested.subarray(0, 9), ...body, ...rest);
  failsAt("decode", () => verifyBundle(v3(0, 0, 0, 0, 0)), "version 3 with `issuer: None`");
  failsAt("decode", () => verifyBundle(v3(0, 0, 0, 0)), "version 3 with no section at all");
  failsAt("decode", () => verifyBundle(v3()), "version 3 without the chain's count");
  failsAt("decode", () => verifyBundle(v3(0, 0, 0, 0, 2, ...section.subarray(1))), "option tag 2");
  assert.equal(verifyBundle(v3(0, 0, 0, 0, ...section), { genesisHash: pinned }).issuer.attested, true);
  // A version-1 body relabelled 3, a version-3 body relabelled 1 or 2, other versions: step 1.
  failsAt("decode", () => verifyBundle(Uint8Array.of(...older.subarray(0, 8), 3, ...body)));
  failsAt("decode", () => verifyBundle(Uint8Array.of(...attested.subarray(0, 8), 1, ...attested.subarray(9))));
  failsAt("decode", () => verifyBundle(Uint8Array.of(...attested.subarray(0, 8), 2, ...attested.subarray(9))));
  failsAt("decode", () => verifyBundle(Uint8Array.of(...attested.subarray(0, 8), 4, ...attested.subarray(9))), "version 4");
  failsAt("decode", () => verifyBundle(Uint8Array.of(...attested, 0)), "a trailing byte");
  failsAt("decode", () => verifyBundle(attested.subarray(0, attested.length - 1)), "truncated");
  failsAt("decode", () => verifyBundle(new Uint8Array(64 * 1024 + 1).fill(3).map((x, i) => (i < 8 ? attested[i] : x))), "over 64 KiB");
});

test("every field of the issuer section fails at step 6 (state entry), in bundles and status proofs", () => {
  const cases = {
    "profile.name": (a) => (a.profile.name = "Evil University"),
    "profile.domain": (a) => (a.profile.domain = "evil.edu"),
    "profile.x509_sha256 added": (a) => (a.profile.x509_sha256 = new Uint8Array(32)),
    "profile.well_known_sha256": (a) => (a.profile.well_known_sha256 = changed(a.profile.well_known_sha256)),
    attested_by: (a) => (a.attested_by = changed(a.attested_by)),
    tx_id: (a) => (a.tx_id = changed(a.tx_id)),
    height: (a) => (a.height = changed(a.height)),
    time_ms: (a) => (a.time_ms = changed(a.time_ms)),
  };
  for (const [what, change] of Object.entries(cases)) {
    failsAt("state entry", () => verifyBundle(editedBundle((b) => change(b.issuer.attestation)), { genesisHash: pinned }), `bundle: ${what}`);
    failsAt("state entry", () => verifyStatusProof(editedStatus((s) => change(s.issuer.attestation)), { genesisHash: pinned }), `status proof: ${what}`);
  }
  const revocation = { by: new Uint8Array(32), reason: "affiliation_changed", tx_id: new Uint8Array(32), height: 9n, time_ms: 1n };
  failsAt("state entry", () => verifyBundle(editedBundle((b) => (b.issuer.attestation.revoked = revocation))), "bundle: claimed revoked");
  failsAt("state entry", () => verifyBundle(editedBundle((b) => (b.issuer.attestation = null))), "bundle: attestation dropped (claims none)");
  failsAt("state entry", () => verifyBundle(editedBundle((b) => (b.issuer.proof.siblings[0] = changed(b.issuer.proof.siblings[0])))), "bundle: proof sibling");
  failsAt("state entry", () => verifyBundle(editedBundle((b) => (b.issuer.proof.terminal = null))), "bundle: proof claims absence");
  for (const field of ["by", "reason", "tx_id", "height", "time_ms"]) {
    failsAt("state entry", () => verifyStatusProof(editedStatus((s) => (s.issuer.attestation.revoked[field] = changed(s.issuer.attestation.revoked[field])))), `status proof: revoked.${field}`);
  }
  failsAt("state entry", () => verifyStatusProof(editedStatus((s) => (s.issuer.attestation.revoked = null))), "status proof: the withdrawal hidden");
  failsAt("state entry", () => verifyStatusProof(editedStatus((s) => (s.issuer.attestation = null))), "status proof: the attestation hidden");
  // An issuer never attested cannot be given an identity.
  const invented = decodeBundle(attested).issuer.attestation;
  failsAt("state entry", () => verifyStatusProof(editedStatus((s) => (s.issuer.attestation = invented), readExample("status-diploma-suspended.status"))), "identity invented");
  failsAt("state entry", () => verifyBundle(editedBundle((b) => (b.issuer.attestation = invented), readExample("status-diploma.vellum"))), "identity invented (bundle)");
});

test("the section proves the key StateKey::IssuerProfile(registrant) in the header's state: another header's does not fit", () => {
  // status-cert-1 and status-diploma: one registrant, one chain, headers at the same height.
  const mine = decodeBundle(readExample("status-diploma.vellum"));
  const sibling = decodeBundle(readExample("status-cert-1.vellum"));
  assert.equal(toHex(mine.record.registrant), toHex(sibling.record.registrant));
  assert.equal(toHex(mine.header.state_root), toHex(sibling.header.state_root));
  assert.deepEqual(verifyBundle(encodeBundle({ ...mine, issuer: sibling.issuer }), { genesisHash: statusPin }).issuer, { attested: false }, "the same key in the same state: the same proof");
  failsAt("state entry", () => verifyBundle(encodeBundle({ ...decodeBundle(attested), issuer: mine.issuer })), "another state's proof of absence");
  failsAt("state entry", () => verifyBundle(encodeBundle({ ...mine, issuer: decodeBundle(attested).issuer })), "another chain's attestation");
});

test("step 6d comes after 6a–6c and before step 7; in a status proof after step 7 (as in Rust)", () => {
  const cert = readExample("status-cert-1.vellum");
  const both = editedBundle((b) => {
    b.issuer.attestation = decodeBundle(attested).issuer.attestation;
    b.member.leaf[0] ^= 1;
  }, cert);
  failsAt("state entry", () => verifyBundle(both), "issuer and member both tampered: step 6");
  const entryAndIssuer = editedBundle((b) => {
    b.issuer.attestation.profile.name = "Other";
    b.entry.count += 1;
  });
  assert.throws(() => verifyBundle(entryAndIssuer), (e) => e.step === "state entry" && !/issuer/.test(e.message), "the entry is checked first");
  const memberStatus = readExample("status-cert-1-revoked.status");
  const statusBoth = editedStatus((s) => {
    s.issuer.attestation = decodeBundle(attested).issuer.attestation;
    s.member.status = null;
  }, memberStatus);
  failsAt("batch inclusion", () => verifyStatusProof(statusBoth), "status proof: step 7 before the issuer");
});

test("a status proof carries the identity now: a withdrawn attestation shows with the bundle (issuerNow)", () => {
  const s = verifyStatusProof(revokedSince, { genesisHash: pinned });
  assert.equal(s.status.status, "live");
  assert.deepEqual([s.issuer.attested, s.issuer.revoked.reason, s.issuer.revoked.height], [true, "affiliation_changed", 9n]);
  assert.match(s.issuer.revoked.by, /^[0-9a-f]{64}$/);
  assert.equal(issuerLine(s.issuer), "Example University (example.edu), attested by a593128897183f44834b2986c36672cc4d56c69c95fd41c5d48aff9e89f29691 at height 6 — identity attestation REVOKED at height 9 (reason: affiliation_changed)");
  const { bundle, now } = verifyBundleWithStatus(attested, revokedSince, { genesisHash: pinned, document });
  assert.equal(bundle.issuer.revoked, null, "not revoked when the bundle was made");
  assert.equal(now.changed, false, "the registration's status did not change");
  assert.deepEqual(now.issuerNow, s.issuer);
  assert.deepEqual(statusNow(bundle, s).issuerNow.revoked.reason, "affiliation_changed");
  const never = verifyBundleWithStatus(readExample("status-diploma.vellum"), readExample("status-diploma-suspended.status"), { genesisHash: statusPin }).now;
  assert.deepEqual(never.issuerNow, { attested: false });
  assert.equal(toHex(encodeStatusProof(decodeStatusProof(revokedSince))), toHex(revokedSince), "decode/encode is the identity");
});

test("the status proof's issuer section is field 8, before the validator chain (§2.4)", () => {
  const s = decodeStatusProof(readExample("status-diploma-suspended.status"));
  assert.deepEqual(Object.keys(s), ["genesis", "header", "certificate", "proof_id", "entry", "entry_proof", "member", "issuer", "validator_chain"]);
  const bytes = readExample("status-diploma-suspended.status");
  // Version 1: the file ends with the issuer section (attestation none, then its proof).
  const proof = s.issuer.proof;
  const tail = 1 + 4 + 32 * proof.siblings.length + (proof.terminal ? 65 : 1);
  assert.equal(bytes[bytes.length - tail], 0, "the attestation's `None` tag");
  assert.equal(toHex(issuerProfileKey(s.entry.registrant)), toHex(sha256(Uint8Array.of(...utf8("VELLUM:STATE-KEY:"), 1, 38, ...s.entry.registrant))));
});

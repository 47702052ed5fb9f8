// Status proofs (docs/evidence-format.md §2.4, §6a) and step 9, on the real files of
// docs/examples made by the Rust code on a devnet: a suspended then reinstated single
// registration and a batch member revoked on its own, with the bundles made before, and an
// attested issuer whose attestation was revoked since its bundle. Every field of a status proof
// (its issuer section included) is altered in turn and must fail at the step the spec names;
// the `effective` member-status rule is checked case by case; step 9's four checks each refuse.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  VellumError,
  VerifyError,
  decodeBundle,
  decodeStatusProof,
  effectiveStatus,
  encodeStatusProof,
  evidenceKind,
  statusLine,
  statusNow,
  toHex,
  verifyBundle,
  verifyBundleWithStatus,
  verifyEvidence,
  verifyStatusProof,
} from "../src/index.js";
import { exampleText, readExample } from "./fixtures.js";

const pinned = exampleText("status-genesis-hash.txt");
const suspended = readExample("status-diploma-suspended.status");
const reinstated = readExample("status-diploma-reinstated.status");
const memberRevoked = readExample("status-cert-1-revoked.status");
const diplomaBundle = readExample("status-diploma.vellum");
const certBundle = readExample("status-cert-1.vellum");

const failsAt = (step, fn, what = step) => assert.throws(fn, (e) => e instanceof VerifyError && e.step === step, what);

/** The file with one change made to its decoded value. */
function edited(bytes, change) {
  const copy = structuredClone(decodeStatusProof(bytes));
  change(copy);
  return encodeStatusProof(copy);
}

/** An issuer section claiming "never attested" with an empty proof (what an older bundle cannot prove). */
const UNPROVEN_ISSUER = Object.freeze({ attestation: null, proof: { siblings: [], terminal: null } });

/**
 * A status proof made of a bundle's parts (same header, entry, member status and issuer
 * section): valid too for a version-3 bundle. An older bundle has no issuer section: its parts
 * make a status proof whose issuer identity is unproven (step 6).
 */
function statusOfBundle(bytes) {
  const b = decodeBundle(bytes);
  const member = b.member && { index: b.member.index, status: b.member.status, status_proof: b.member.status_proof };
  return encodeStatusProof({
    genesis: b.genesis,
    header: b.header,
    certificate: b.certificate,
    proof_id: b.record.proof_id,
    entry: b.entry,
    entry_proof: b.entry_proof,
    member,
    issuer: b.issuer ?? UNPROVEN_ISSUER,
    validator_chain: b.validator_chain,
  });
}

/** Another value of the same type: +1 for integers, first bit flipped for bytes, a suffix for text. */
function changed(v) {
  if (typeof v === "bigint") return v + 1n;
  if (typeof v === "number") return v + 1;
  if (typeof v === "string") return `${v}x`;
  const copy = v.slice();
  copy[0] ^= 1;
  return copy;
}

test("the example status proofs verify: suspended, reinstated, a batch member revoked on its own", () => {
  const s = verifyStatusProof(suspended, { genesisHash: pinned });
  assert.equal(s.status.status, "suspended");
  assert.equal(s.status.reason, "under_investigation");
  assert.equal(statusLine(s.status), `SUSPENDED since height ${s.status.height} (reason: under_investigation)`);
  assert.equal(s.memberIndex, null);
  assert.equal(s.checkpointPinned, true);
  const r = verifyStatusProof(reinstated);
  assert.deepEqual([r.status.status, r.proofId, r.checkpointPinned], ["live", s.proofId, false]);
  assert.ok(r.height > s.height, "reinstated after the suspension");
  const m = verifyStatusProof(memberRevoked, { genesisHash: pinned });
  assert.deepEqual([m.memberIndex, m.status.status, m.status.reason], [1, "revoked", "privilege_withdrawn"]);
  assert.equal(decodeStatusProof(memberRevoked).entry.status.status, "live", "the registration is live: the member's own revocation applies");
  assert.equal(evidenceKind(memberRevoked), "status");
  assert.equal(verifyEvidence(memberRevoked, { genesisHash: pinned }).kind, "status");
  for (const f of [suspended, reinstated, memberRevoked]) assert.equal(toHex(encodeStatusProof(decodeStatusProof(f))), toHex(f), "decode/encode is the identity");
});

test("a status proof made of a version-3 bundle's parts verifies, issuer identity included; an older bundle's parts lack it (step 6)", () => {
  const single = verifyStatusProof(statusOfBundle(diplomaBundle), { genesisHash: pinned });
  assert.deepEqual([single.memberIndex, single.status.status, single.issuer], [null, "live", { attested: false }]);
  const member = verifyStatusProof(statusOfBundle(certBundle), { genesisHash: pinned });
  assert.deepEqual([member.memberIndex, member.status.status, member.count], [1, "live", 3]);
  const attested = verifyStatusProof(statusOfBundle(readExample("attested-diploma.vellum")), { genesisHash: exampleText("attested-genesis-hash.txt") });
  assert.deepEqual([attested.issuer.profile.name, attested.issuer.profile.domain, attested.issuer.revoked], ["Example University", "example.edu", null]);
  // Steps 1–5 pass (validator chain of version 2 included); the issuer identity cannot be proven.
  const v1 = statusOfBundle(readExample("diploma.vellum"));
  assert.throws(() => verifyStatusProof(v1, { genesisHash: exampleText("genesis-hash.txt") }), (e) => e instanceof VerifyError && e.step === "state entry" && /issuer identity/.test(e.message));
  const chained = statusOfBundle(readExample("contract-two-set-changes.vellum"));
  assert.equal(chained[8], 2);
  assert.throws(() => verifyStatusProof(chained, { genesisHash: exampleText("set-changes-genesis-hash.txt") }), (e) => e instanceof VerifyError && e.step === "state entry" && /issuer identity/.test(e.message));
});

test("framing: truncation, a trailing byte, another magic, an unknown version, a needless version 2 fail at step 1", () => {
  failsAt("decode", () => verifyStatusProof(suspended.subarray(0, suspended.length - 1)));
  failsAt("decode", () => verifyStatusProof(Uint8Array.of(...suspended, 0)));
  failsAt("decode", () => verifyStatusProof(diplomaBundle), "a bundle is not a status proof");
  failsAt("decode", () => verifyStatusProof(Uint8Array.of(...suspended.subarray(0, 8), 9, ...suspended.subarray(9))));
  failsAt("decode", () => verifyStatusProof(Uint8Array.of(...suspended.subarray(0, 8), 2, ...suspended.subarray(9), 0, 0, 0, 0)));
  failsAt("decode", () => verifyStatusProof(new Uint8Array(64 * 1024 + 1)));
});

test("every genesis field: step 2 against a pin, step 3 without one", () => {
  const g = decodeStatusProof(suspended).genesis;
  const paths = [["chain_id"], ["genesis_time_ms"], ["details_hash"], ...Object.keys(g.params).map((k) => ["params", k]), ["validators", 0]];
  for (const path of paths) {
    const bytes = edited(suspended, (s) => {
      const parent = path.slice(0, -1).reduce((o, k) => o[k], s.genesis);
      parent[path.at(-1)] = changed(parent[path.at(-1)]);
    });
    failsAt("checkpoint", () => verifyStatusProof(bytes, { genesisHash: pinned }), `genesis.${path.join(".")} (pinned)`);
    failsAt("validator set", () => verifyStatusProof(bytes), `genesis.${path.join(".")} (not pinned)`);
  }
  failsAt("checkpoint", () => verifyStatusProof(suspended, { genesisHash: "07".repeat(32) }));
});

test("every header field: the set hash, the genesis hash and (under a committed epoch length) the epoch at step 3, every other at step 4 (the certificate)", () => {
  const { genesis, header } = decodeStatusProof(memberRevoked);
  // The examples' genesis commits to its epoch length (layout 2): a header's epoch is its height's (3g).
  assert.equal(genesis.layout, 2);
  assert.equal(header.epoch, header.height / genesis.epoch_length_blocks);
  assert.equal((header.height + 1n) / genesis.epoch_length_blocks, header.epoch, "height + 1 stays in the epoch: that change fails at the certificate");
  for (const field of Object.keys(header)) {
    const step = ["validator_set_hash", "genesis_hash", "epoch"].includes(field) ? "validator set" : "certificate";
    failsAt(step, () => verifyStatusProof(edited(memberRevoked, (s) => (s.header[field] = changed(s.header[field]))), { genesisHash: pinned }), `header.${field}`);
  }
});

test("every certificate field fails at step 4", () => {
  const cases = {
    parent_view: (c) => (c.parent_view += 1n),
    "signature bit": (c) => (c.signatures[0][7] ^= 1),
    "signer index out of range": (c) => (c.signers[c.signers.length - 1] = 1000),
    "signers out of order": (c) => c.signers.reverse(),
    "signer dropped (below quorum)": (c) => (c.signers.pop(), c.signatures.pop()),
    "a signature missing": (c) => c.signatures.pop(),
  };
  for (const [what, change] of Object.entries(cases)) {
    failsAt("certificate", () => verifyStatusProof(edited(suspended, (s) => change(s.certificate)), { genesisHash: pinned }), what);
  }
});

test("the proof id, every entry field and the entry proof fail at step 6", () => {
  failsAt("state entry", () => verifyStatusProof(edited(suspended, (s) => (s.proof_id = changed(s.proof_id)))), "proof_id");
  for (const field of Object.keys(decodeStatusProof(memberRevoked).entry).filter((f) => f !== "status")) {
    failsAt("state entry", () => verifyStatusProof(edited(memberRevoked, (s) => (s.entry[field] = changed(s.entry[field])))), `entry.${field}`);
  }
  const forged = { status: "revoked", reason: "key_compromise", tx_id: new Uint8Array(32), height: 1n, time_ms: 1n };
  failsAt("state entry", () => verifyStatusProof(edited(memberRevoked, (s) => (s.entry.status = forged))), "entry.status forged");
  failsAt("state entry", () => verifyStatusProof(edited(suspended, (s) => (s.entry.status = { status: "live" }))), "a suspension hidden");
  failsAt("state entry", () => verifyStatusProof(edited(suspended, (s) => (s.entry.status.reason = "unspecified"))), "another reason code");
  failsAt("state entry", () => verifyStatusProof(edited(suspended, (s) => (s.entry_proof.siblings[0] = changed(s.entry_proof.siblings[0])))), "entry_proof sibling");
  failsAt("state entry", () => verifyStatusProof(edited(suspended, (s) => (s.entry_proof.terminal[1] = changed(s.entry_proof.terminal[1])))), "entry_proof value hash");
  failsAt("state entry", () => verifyStatusProof(edited(suspended, (s) => (s.entry_proof.terminal = null))), "entry_proof claims absence");
});

test("every member field fails at step 7 (7f: an index beyond the batch)", () => {
  const cases = {
    "index of another member": (m) => (m.index = 0),
    "index beyond the batch (7f)": (m) => (m.index = 3),
    "status dropped (hides the revocation)": (m) => (m.status = null),
    "status changed": (m) => (m.status.status = { status: "suspended", reason: "under_investigation", tx_id: m.status.status.tx_id, height: 9n, time_ms: 1n }),
    "status proof sibling": (m) => (m.status_proof.siblings[0] = changed(m.status_proof.siblings[0])),
    "status proof value hash": (m) => (m.status_proof.terminal[1] = changed(m.status_proof.terminal[1])),
  };
  for (const [what, change] of Object.entries(cases)) {
    failsAt("batch inclusion", () => verifyStatusProof(edited(memberRevoked, (s) => change(s.member)), { genesisHash: pinned }), what);
  }
  const asMember = edited(suspended, (s) => (s.member = { index: 0, status: null, status_proof: { siblings: [], terminal: null } }));
  assert.throws(() => verifyStatusProof(asMember), /no member 0 \(it covers 0\)/, "a single registration has no member (7f)");
});

test("a batch's status proof without its member proves the registration's status only, and step 9 refuses it for the member", () => {
  const whole = edited(memberRevoked, (s) => (s.member = null));
  const r = verifyStatusProof(whole, { genesisHash: pinned });
  assert.deepEqual([r.memberIndex, r.status.status], [null, "live"], "the registration is live; no member is claimed");
  failsAt("status", () => statusNow(verifyBundle(certBundle, { genesisHash: pinned }), r));
});

test("the validator chain of a version-2 status proof: each link checked (steps 3 and 4)", () => {
  const chained = statusOfBundle(readExample("contract-two-set-changes.vellum"));
  const genesisHash = exampleText("set-changes-genesis-hash.txt");
  failsAt("validator set", () => verifyStatusProof(edited(chained, (s) => s.validator_chain.pop()), { genesisHash }), "a link dropped");
  failsAt("validator set", () => verifyStatusProof(edited(chained, (s) => s.validator_chain.reverse()), { genesisHash }), "links swapped");
  failsAt("validator set", () => verifyStatusProof(edited(chained, (s) => (s.validator_chain[0].record.seq += 1n)), { genesisHash }), "record seq");
  failsAt("validator set", () => verifyStatusProof(edited(chained, (s) => (s.validator_chain[1].record_proof.siblings[0][0] ^= 1)), { genesisHash }), "record proof");
  failsAt("certificate", () => verifyStatusProof(edited(chained, (s) => (s.validator_chain[0].certificate.signatures[0][0] ^= 1)), { genesisHash }), "link certificate");
  failsAt("validator set", () => verifyStatusProof(edited(chained, (s) => (s.validator_chain = [])), { genesisHash }), "every link dropped: the genesis set did not sign the header");
});

const st = (status, height = 3n) => (status === "live" ? { status } : status === "superseded" ? { status, by: new Uint8Array(32), tx_id: new Uint8Array(32), height, time_ms: 1n } : { status, reason: "unspecified", tx_id: new Uint8Array(32), height, time_ms: 1n });

test("effective member status: a final registration wins, then a final member, then a suspended registration, then the member's own", () => {
  const names = ["live", "suspended", "revoked", "superseded"];
  // expected[registration][member] (null: a single registration, no member).
  const expected = {
    live: { null: "live", live: "live", suspended: "suspended", revoked: "revoked", superseded: "superseded" },
    suspended: { null: "suspended", live: "suspended", suspended: "suspended", revoked: "revoked", superseded: "superseded" },
    revoked: { null: "revoked", live: "revoked", suspended: "revoked", revoked: "revoked", superseded: "revoked" },
    superseded: { null: "superseded", live: "superseded", suspended: "superseded", revoked: "superseded", superseded: "superseded" },
  };
  for (const reg of names) {
    for (const member of [null, ...names]) {
      const registration = st(reg, 5n);
      const own = member === null ? null : st(member, 7n);
      const got = effectiveStatus(registration, own);
      assert.equal(got.status, expected[reg][member], `registration ${reg}, member ${member}`);
      assert.ok(got === registration || got === own || (own === null && got.status === "live"), `registration ${reg}, member ${member}: one of the two, as it is`);
    }
  }
  const revokedMember = effectiveStatus(st("suspended", 5n), st("revoked", 7n));
  assert.deepEqual([revokedMember.status, revokedMember.height], ["revoked", 7n], "a suspended batch: the member's own revocation applies, with its height");
});

test("step 9: the bundle's status then and the status proof's now; 9a–9d each refuse", () => {
  const { bundle, status, now } = verifyBundleWithStatus(diplomaBundle, suspended, { genesisHash: pinned });
  assert.deepEqual([now.then.status, now.now.status, now.changed, now.nowHeight], ["live", "suspended", true, status.height]);
  assert.equal(bundle.recordHash, status.recordHash);
  assert.equal(verifyBundleWithStatus(diplomaBundle, reinstated).now.changed, false, "live then, live again now");
  const member = verifyBundleWithStatus(certBundle, memberRevoked, { genesisHash: pinned }).now;
  assert.deepEqual([member.then.status, member.now.status, member.now.reason], ["live", "revoked", "privilege_withdrawn"]);
  const b = verifyBundle(diplomaBundle, { genesisHash: pinned });
  const s = verifyStatusProof(suspended, { genesisHash: pinned });
  failsAt("status", () => statusNow(b, { ...s, genesisHash: "07".repeat(32) }), "9a another chain");
  failsAt("status", () => statusNow(b, verifyStatusProof(memberRevoked)), "9b another registration");
  failsAt("status", () => statusNow(b, { ...s, recordHash: "00".repeat(32) }), "9b another record");
  failsAt("status", () => statusNow(b, { ...s, memberIndex: 0 }), "9c another member");
  failsAt("status", () => statusNow(b, { ...s, height: b.statusHeight - 1n }), "9d older than the bundle");
  assert.equal(statusNow(b, { ...s, height: b.statusHeight }).nowHeight, b.statusHeight, "9d: as old as the bundle is accepted");
  assert.throws(() => statusNow(b, { status: s.status }), VellumError, "not a verified status proof");
});

test("step 9 with no pinned genesis checks the status proof against the bundle's chain", () => {
  const otherChain = readExample("diploma.vellum");
  failsAt("checkpoint", () => verifyBundleWithStatus(otherChain, suspended), "a status proof of another chain fails at its step 2");
  failsAt("certificate", () => verifyBundleWithStatus(diplomaBundle, edited(suspended, (s) => (s.header.height -= 1n))), "a tampered status proof fails at its own step");
  failsAt("status", () => verifyBundleWithStatus(diplomaBundle, memberRevoked), "another registration of the same chain: step 9");
});

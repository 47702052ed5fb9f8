// Witnesses (docs/evidence-format.md §7a, §10, step 10): RFC 9162 consistency proofs (the RFC
// 6962 reference vectors, every pair of sizes, tampering); checkpoint notes as the Rust code
// writes them (a devnet's real cosigned note, the vectors' notes rebuilt byte for byte from the
// witnesses' keys, only the canonical form read); witness policy files; receipts witnessed here
// at every checkpoint size around the header's (consistency proofs both ways) and bent in every
// way step 10 refuses; version 4 bundles and version 3 receipts decode and encode one way only;
// a credential's bundle under a policy.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CredentialError,
  FILE_VERSION_WITNESSED,
  NoteError,
  SecretKey,
  VerifyError,
  WitnessPolicyError,
  base64,
  checkWitnessPolicy,
  checkpointNote,
  consistencyError,
  consistencyProof,
  cosignCheckpoint,
  cosignatureKeyHash,
  credentialIss,
  countCosignatures,
  countNoteSignatures,
  decodeBundle,
  decodeReceipt,
  encodeBundle,
  encodeReceipt,
  fromBase64,
  fromHex,
  issueCredential,
  leafHash,
  merkleRoot,
  newCheckpoint,
  parseCheckpoint,
  parseWitnessPolicy,
  presentCredential,
  signCheckpoint,
  toHex,
  utf8,
  verifyBundle,
  verifyBundleWithStatus,
  verifyCredential,
  verifyEvidence,
  verifyReceipt,
  verifyWitnessed,
  witnessPolicy,
  witnessedLine,
} from "../src/index.js";
import { exampleText, readExample, vectorFile } from "./fixtures.js";
import { credentialLedger } from "./credential-ledger.js";
import { receiptFile, transferPayment, vectorWitness, witnessedAt } from "./receipt-ledger.js";

const evidence = vectorFile("evidence.json");
const vectorCase = (name) => evidence.cases.find((c) => c.name === name);
const GOOD_BUNDLE = vectorCase("witnessed bundle (version 4): 2 of 2");
const GOOD_RECEIPT = vectorCase("witnessed receipt (version 3): 2 of 2");

const failsAtStep10 = (f, what, why = /./) =>
  assert.throws(f, (e) => e instanceof VerifyError && e.step === "witnesses" && e.stepNumber === 10 && why.test(e.detail), what);

// ---- Consistency proofs ----

test("consistency proofs: the RFC 6962 reference vector, every pair of sizes up to 24, and tampering", () => {
  const data = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];
  const leaves = data.map((d) => leafHash(fromHex(d)));
  const proof = consistencyProof(6, leaves);
  assert.deepEqual(proof.map(toHex), [
    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  ]);
  const r6 = fromHex("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef");
  const r8 = fromHex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
  assert.equal(consistencyError(6, 8, r6, r8, proof), null);
  assert.equal(consistencyError(6, 8, r8, r8, proof), "recomputed root does not match");

  const many = Array.from({ length: 24 }, (_, i) => leafHash(utf8(`leaf ${i}`)));
  for (let n = 1; n <= many.length; n++) {
    const newRoot = merkleRoot(many.slice(0, n));
    for (let m = 1; m <= n; m++) {
      const oldRoot = merkleRoot(many.slice(0, m));
      const p = consistencyProof(m, many.slice(0, n));
      assert.equal(consistencyError(m, n, oldRoot, newRoot, p), null, `${m} → ${n}`);
      if (m === n) {
        assert.equal(p.length, 0);
        continue;
      }
      assert.notEqual(consistencyError(m, n, oldRoot, newRoot, p.slice(1)), null, `${m} → ${n}: cut short`);
      assert.notEqual(consistencyError(m, n, oldRoot, newRoot, [...p, newRoot]), null, `${m} → ${n}: one hash more`);
      const bent = p.map((h, i) => (i === p.length - 1 ? Uint8Array.from(h, (b, j) => (j === 0 ? b ^ 1 : b)) : h));
      assert.notEqual(consistencyError(m, n, oldRoot, newRoot, bent), null, `${m} → ${n}: a hash changed`);
    }
  }
  assert.match(consistencyError(0, 3, r6, r6, []), /old size 0/);
  assert.match(consistencyError(4, 3, r6, r6, [r6]), /old size 4/);
  assert.match(consistencyError(3, 3, r6, r6, [r6]), /wrong number/);
  assert.match(consistencyError(1, 2n ** 48n + 1n, r6, r6, [r6]), /exceeds/);
});

// ---- Checkpoint notes ----

test("checkpoint notes: the Rust format, validators' and witnesses' lines, only the canonical form read", () => {
  const validators = [0, 1, 2].map((i) => ({ name: `vellum-test/v${i}`, key: SecretKey.fromBytes("ed25519", new Uint8Array(32).fill(i + 1)) }));
  const cp = newCheckpoint("vellum-test", 42, new Uint8Array(32).fill(7));
  for (const v of validators) signCheckpoint(cp, v.name, v.key);
  const w = vectorWitness(1);
  cosignCheckpoint(cp, w.name, w.key, 1_700_000_000);
  const note = checkpointNote(cp);
  // As crates/evidence/src/checkpoint.rs writes it (its unit test's prefix).
  assert.ok(note.startsWith("vellum-test\n42\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n\n\u2014 vellum-test/v0 "), note);
  const parsed = parseCheckpoint(note);
  assert.equal(parsed.size, 42n);
  assert.equal(checkpointNote(parsed), note);
  assert.deepEqual([parsed.signatures.length, parsed.cosignatures.length, parsed.cosignatures[0].timestamp], [3, 1, 1_700_000_000n]);
  const noteKeys = validators.map((v) => ({ name: v.name, key: v.key.publicKey.bytes }));
  const policy = [{ name: w.name, key: w.key.publicKey.bytes }];
  assert.equal(countNoteSignatures(parsed, noteKeys), 3);
  assert.equal(countCosignatures(parsed, policy), 1);
  assert.equal(countCosignatures(parsed, [{ name: w.name, key: vectorWitness(2).key.publicKey.bytes }]), 0, "another key under the name");
  assert.equal(countCosignatures(parsed, [{ name: "witness.example/other", key: w.key.publicKey.bytes }]), 0, "the key under another name");
  // A witness's line twice counts once; a validator's signature is no cosignature.
  assert.equal(countCosignatures({ ...parsed, cosignatures: [...parsed.cosignatures, ...parsed.cosignatures] }, policy), 1);
  assert.equal(countCosignatures(parsed, noteKeys), 0);
  // Any change to the text invalidates every signature; a cosignature does not move to another checkpoint.
  const forged = parseCheckpoint(note.replace("\n42\n", "\n43\n"));
  assert.deepEqual([countNoteSignatures(forged, noteKeys), countCosignatures(forged, policy)], [0, 0]);

  const refused = (text, kind = "malformed") => assert.throws(() => parseCheckpoint(text), (e) => e instanceof NoteError && e.kind === kind, JSON.stringify(text.slice(0, 80)));
  for (const bent of [
    note.replace("\n\n", "\n\n\n"), // a blank line too many
    note.replace("\n42\n", "\n042\n"),
    note.replace("\n42\n", "\n+42\n"),
    note.replace("\n42\n", "\n18446744073709551616\n"),
    note.replace("=\n\n", "\n\n"), // unpadded root
    note.replace("Bwc=\n", "Bwd=\n"), // non-zero trailing bits
    note.replaceAll("\u2014", "-"),
    note.slice(0, -1), // no final newline
    note.replaceAll("\n", "\r\n"),
    note.replace("\n\n", "\nextension\n\n"),
    note.replace("vellum-test\n", "\n"),
    "vellum-test\n42\n",
    "garbage",
    // The witnesses' lines come after the validators'.
    `${note.split("\n\n")[0]}\n\n${note.split("\n\n")[1].split("\n").filter(Boolean).reverse().join("\n")}\n`,
  ]) {
    refused(bent);
  }
  // A line whose blob is neither 68 nor 76 bytes.
  refused(`${note}\u2014 w ${base64(new Uint8Array(70))}\n`);
  refused(`${checkpointNote(newCheckpoint("o", 1, new Uint8Array(32)))}${`\u2014 w ${base64(new Uint8Array(68))}\n`.repeat(129)}`, "too_large");
  refused(`o\n1\n${base64(new Uint8Array(32))}\n\n${"x".repeat(16 * 1024)}`, "too_large");
  // base64 as Rust's STANDARD engine: padded and canonical only.
  assert.deepEqual([fromBase64("AAE="), fromBase64("AAE"), fromBase64("AAF="), fromBase64("A=AA"), fromBase64("")], [Uint8Array.of(0, 1), null, null, null, new Uint8Array(0)]);
});

test("checkpoint notes: a devnet's cosigned note (Rust witnesses), as its witnessed bundle carries it, reads, re-encodes and verifies", () => {
  // docs/examples/credential-bundle.vellum is a version-4 bundle: its witnessed section holds the
  // note the devnet's witnesses cosigned (the validators' signature lines left out, §7a).
  const bundle = readExample("credential-bundle.vellum");
  assert.equal(bundle[8], FILE_VERSION_WITNESSED);
  const { note } = decodeBundle(bundle).witnessed;
  const cp = parseCheckpoint(note);
  assert.equal(checkpointNote(cp), note);
  assert.deepEqual([cp.origin, cp.size, cp.signatures.length, cp.cosignatures.length], ["vellum-devnet", 7n, 0, 2]);
  const policy = parseWitnessPolicy(exampleText("credential-witness-policy.txt"));
  assert.equal(policy.quorum, 2);
  assert.deepEqual(cp.cosignatures.map((c) => c.name), policy.witnesses.map((w) => w.name));
  assert.equal(countCosignatures(cp, policy.witnesses), 2);
  assert.equal(checkWitnessPolicy(cp, policy), 2);
  // The whole bundle under that policy: step 10 passes with both witnesses.
  const r = verifyBundle(bundle, { genesisHash: exampleText("credential-genesis-hash.txt"), witnessPolicy: policy });
  assert.deepEqual([r.witnessed.size, r.witnessCosignatures], [7n, 2]);
  // Another key under a policy witness's name: its cosignature does not count.
  const other = { ...policy.witnesses[0], key: SecretKey.fromBytes("ed25519", new Uint8Array(32).fill(9)).publicKey.bytes };
  assert.equal(countCosignatures(cp, [other, policy.witnesses[1]]), 1);
});

test("the vectors' witnessed notes are rebuilt byte for byte from the witnesses' keys (same key ids, timestamps, signatures)", () => {
  for (const c of [GOOD_BUNDLE, GOOD_RECEIPT]) {
    const w = (c.kind === "witnessed_bundle" ? decodeBundle : decodeReceipt)(fromHex(c.file)).witnessed;
    const cp = parseCheckpoint(w.note);
    const again = newCheckpoint(cp.origin, cp.size, cp.root);
    for (const line of cp.cosignatures) {
      const i = Number(line.name.slice(-1));
      const witness = vectorWitness(i);
      assert.equal(toHex(witness.key.publicKey.bytes), c.witness_policy.witnesses.find((x) => x.name === line.name).key, line.name);
      assert.equal(toHex(cosignatureKeyHash(line.name, witness.key.publicKey.bytes)), toHex(line.keyHash));
      cosignCheckpoint(again, witness.name, witness.key, line.timestamp);
    }
    assert.equal(checkpointNote(again), w.note, c.name);
  }
});

// ---- Witness policies ----

test("witness policy files: the CLI's format, comments, default quorum, and refusals naming the line", () => {
  const k1 = "c050c5637a44fa8629fff3cccce2300cb362a63d99d95fc54145266f4332445a";
  const k2 = "2012CB90CA60E8E5D8DAF66E2272D2233E0486D557E8C66141ED8920177D7EB7";
  const p = parseWitnessPolicy(`# our witnesses\r\n\n  witness witness.example/v1 ${k1} https://w1.example  \r\n\twitness\twitness.example/v2 ${k2}\n  # quorum 1\n`);
  assert.deepEqual(
    p.witnesses.map((w) => [w.name, toHex(w.key), w.url]),
    [
      ["witness.example/v1", k1, "https://w1.example"],
      ["witness.example/v2", k2.toLowerCase(), null],
    ],
  );
  assert.equal(p.quorum, 2, "every witness when no quorum is given");
  assert.equal(parseWitnessPolicy(`witness a ${k1}\nwitness b ${k2}\nquorum 1`).quorum, 1);
  const refused = (text, why, line = null) =>
    assert.throws(() => parseWitnessPolicy(text), (e) => e instanceof WitnessPolicyError && why.test(e.message) && e.line === line, JSON.stringify(text));
  refused("", /1 or more witnesses/);
  refused("# nothing\n", /1 or more witnesses/);
  refused(`witness a ${k1}\nquorum 2`, /quorum of 1\.\.=their number/);
  refused(`witness a ${k1}\nquorum 0`, /quorum of 1\.\.=their number/);
  refused(`witness a ${k1}\nquorum two`, /bad quorum/, 2);
  refused(`witness a ${k1.slice(2)}`, /64 hex/, 1);
  refused(`\nwitness a ${k1} https://a extra`, /expected `witness <name> <hex key> \[url\]`/, 2);
  refused(`witnesses a ${k1}`, /expected/, 1);
  refused(`witness a ${k1}\nwitness a ${k2}`, /named twice/);
  refused(`witness a ${k1}\nwitness b ${k1}`, /named twice/, null);
  // The JSON form (evidence.json's `witness_policy`) reads the same.
  const same = witnessPolicy({ witnesses: [{ name: "a", key: k1 }, { name: "b", key: fromHex(k2) }], quorum: 1 });
  assert.deepEqual([same.witnesses.map((w) => toHex(w.key)), same.quorum], [[k1, k2.toLowerCase()], 1]);
  assert.throws(() => witnessPolicy({ witnesses: [{ name: "a b", key: k1 }] }), WitnessPolicyError);
  assert.throws(() => witnessPolicy(null), WitnessPolicyError);
  // A bad policy is refused before any file is read.
  assert.throws(() => verifyBundle(new Uint8Array(0), { witnessPolicy: "quorum 1" }), WitnessPolicyError);
});

// ---- Witnessed receipts made here: every checkpoint size around the header's ----

const W1 = vectorWitness(1);
const W2 = vectorWitness(2);
const POLICY = [W1, W2].map((w) => `witness ${w.name} ${toHex(w.key.publicKey.bytes)}`).join("\n");

const transfer = transferPayment;
/** A receipt of a transfer witnessed at checkpoint `size` (see receipt-ledger.js `witnessedAt`). */
const witnessedReceipt = (size, options = {}) => receiptFile({ ...transfer(), witnessed: witnessedAt(size, options) });

test("receipts witnessed here at sizes 3 to 7 (header 5): consistency proofs both ways verify, under a policy and without", () => {
  for (const size of [3, 4, 5, 6, 7]) {
    const { receipt, genesisHash } = witnessedReceipt(size);
    assert.equal(receipt[8], 3, "version 3");
    assert.equal(toHex(encodeReceipt(decodeReceipt(receipt))), toHex(receipt), "one encoding");
    const plain = verifyReceipt(receipt, { genesisHash });
    assert.deepEqual([plain.witnessed.size, plain.witnessed.cosigners, plain.witnessCosignatures], [BigInt(size), [W1.name, W2.name], null]);
    assert.equal(witnessedLine(plain.witnessed, plain.witnessCosignatures), `log witnessed: 2 cosignature(s) at size ${size} (not checked against a policy)`);
    const checked = verifyReceipt(receipt, { genesisHash, witnessPolicy: POLICY });
    assert.equal(checked.witnessCosignatures, 2);
    assert.equal(witnessedLine(checked.witnessed, checked.witnessCosignatures), `WITNESSED: 2 of the policy's witnesses cosigned the log at size ${size}`);
    assert.equal(verifyEvidence(receipt, { genesisHash, witnessPolicy: `${POLICY}\nquorum 1` }).witnessCosignatures, 2);
    failsAtStep10(() => verifyReceipt(receipt, { genesisHash, witnessPolicy: `${POLICY}\nwitness witness.example/v3 ${toHex(vectorWitness(3).key.publicKey.bytes)}` }), `size ${size}: 2 of 3`, /only 2 valid cosignatures .* 3 needed/);
  }
  const { receipt, genesisHash } = witnessedReceipt(5, { by: [W1] });
  assert.equal(verifyReceipt(receipt, { genesisHash, witnessPolicy: `${POLICY}\nquorum 1` }).witnessCosignatures, 1);
  failsAtStep10(() => verifyReceipt(receipt, { genesisHash, witnessPolicy: POLICY }), "one of two cosigned");
  // A version-1 receipt carries no cosignatures: verified, but a policy fails at step 10.
  const older = receiptFile(transfer());
  assert.equal(older.receipt[8], 1);
  assert.deepEqual([verifyReceipt(older.receipt).witnessed, witnessedLine(null)], [null, "no witness cosignatures in this file"]);
  failsAtStep10(() => verifyReceipt(older.receipt, { witnessPolicy: POLICY }), "version 1", /needs a witnessed file/);
});

test("receipts witnessed here, bent every way step 10 refuses (10a–10c), and decoding one way only (step 1)", () => {
  const flip = (h) => Uint8Array.from(h, (b, j) => (j === 0 ? b ^ 1 : b));
  const bents = {
    "a checkpoint before the transaction's record (size 2 < 3)": witnessedReceipt(2),
    "another chain's log": witnessedReceipt(5, { origin: "vellum-other" }),
    "no cosignature": witnessedReceipt(5, { by: [] }),
    "a witness twice": witnessedReceipt(5, { by: [W1, W1] }),
    "same size with a proof": witnessedReceipt(5, { bend: (w, cp, leaves) => ({ ...w, consistency: [leaves[0]] }) }),
    "smaller, the proof cut short": witnessedReceipt(3, { bend: (w) => ({ ...w, consistency: w.consistency.slice(1) }) }),
    "smaller, a proof hash changed": witnessedReceipt(4, { bend: (w) => ({ ...w, consistency: w.consistency.map((h, i) => (i === 0 ? flip(h) : h)) }) }),
    "larger, no proof": witnessedReceipt(7, { bend: (w) => ({ ...w, consistency: [] }) }),
    "larger, a proof hash changed": witnessedReceipt(6, { bend: (w) => ({ ...w, consistency: w.consistency.map((h, i) => (i === 0 ? flip(h) : h)) }) }),
    "a history rewritten after the header": witnessedReceipt(5, {
      bend: (w, cp, leaves) => {
        const other = [...leaves.slice(0, 4), leafHash(utf8("rewritten"))];
        const c = newCheckpoint(cp.origin, 5, merkleRoot(other));
        cosignCheckpoint(c, W1.name, W1.key, 1);
        return { note: checkpointNote(c), consistency: [] };
      },
    }),
    "a note not canonical": witnessedReceipt(5, { bend: (w) => ({ ...w, note: w.note.replace("\n\n", "\n\n\n") }) }),
    "a note over 8 KiB": witnessedReceipt(5, { bend: (w) => ({ ...w, note: w.note + `\u2014 x ${base64(new Uint8Array(76))}\n`.repeat(80) }) }),
    "a proof of 65 hashes": witnessedReceipt(3, { bend: (w) => ({ ...w, consistency: Array(65).fill(w.consistency[0]) }) }),
  };
  for (const [what, { receipt, genesisHash }] of Object.entries(bents)) failsAtStep10(() => verifyReceipt(receipt, { genesisHash, witnessPolicy: POLICY }), what);
  // Step 10 is the receipt's last check: a receipt wrong at step 5 too fails there.
  const { receipt, genesisHash } = witnessedReceipt(2);
  const r = decodeReceipt(receipt);
  r.tx_proof = [];
  assert.throws(() => verifyReceipt(encodeReceipt(r), { genesisHash }), (e) => e instanceof VerifyError && e.step === "log inclusion");
  // One receipt, one encoding: version 3 needs the section, versions 1 and 2 cannot carry it.
  const good = witnessedReceipt(5).receipt;
  const decodeFails = (bytes, what) => assert.throws(() => verifyReceipt(bytes), (e) => e instanceof VerifyError && e.step === "decode", what);
  const older = receiptFile(transfer()).receipt;
  decodeFails(Uint8Array.from([...older.subarray(0, 8), 3, ...older.subarray(9), 0, 0, 0, 0, 0]), "version 3 without the section");
  decodeFails(Uint8Array.from([...good.subarray(0, 8), 2, ...good.subarray(9)]), "version 2 with a witnessed section");
  decodeFails(Uint8Array.from([...good, 0]), "a trailing byte");
  for (let cut = 9; cut < good.length; cut += 7) decodeFails(good.subarray(0, cut), `cut at ${cut}`);
});

// ---- Version 4 bundles ----

test("version 4 bundles: the issuer section either way, one encoding, steps 1 and 10 with a status proof and other kinds", () => {
  const file = fromHex(GOOD_BUNDLE.file);
  const pinned = GOOD_BUNDLE.pinned_genesis;
  const b = decodeBundle(file);
  assert.equal(toHex(encodeBundle(b)), GOOD_BUNDLE.file);
  // Without the issuer section the bundle stays version 4 (its `00` tag kept) and says it carries none.
  const noIssuer = encodeBundle({ ...b, issuer: null });
  assert.equal(noIssuer[8], 4);
  assert.deepEqual([decodeBundle(noIssuer).issuer, decodeBundle(noIssuer).witnessed.note], [null, b.witnessed.note]);
  const r = verifyBundle(noIssuer, { genesisHash: pinned, witnessPolicy: GOOD_BUNDLE.witness_policy });
  assert.deepEqual([r.issuer, r.witnessCosignatures], [null, 2]);
  // Without the witnessed section it is version 3, and the same verdicts without a policy.
  const v3 = encodeBundle({ ...b, witnessed: null });
  assert.equal(v3[8], 3);
  assert.equal(verifyBundle(v3, { genesisHash: pinned }).witnessed, null);
  assert.throws(() => verifyBundle(Uint8Array.from([...v3.subarray(0, 8), 4, ...v3.subarray(9)]), { genesisHash: pinned }), (e) => e.step === "decode");
  assert.throws(() => verifyBundle(Uint8Array.from([...file, 0]), { genesisHash: pinned }), (e) => e.step === "decode");
  assert.throws(() => verifyBundle(Uint8Array.from([...file.subarray(0, 8), 3, ...file.subarray(9)]), { genesisHash: pinned }), (e) => e.step === "decode");
  // With its document and a status proof of the same chain; the policy is checked last.
  const document = readExample("attested-diploma.pdf");
  const status = readExample("attested-diploma-revoked-issuer.status");
  const both = verifyBundleWithStatus(file, status, { genesisHash: pinned, document, witnessPolicy: GOOD_BUNDLE.witness_policy });
  assert.deepEqual([both.bundle.document, both.bundle.witnessCosignatures, both.now.issuerNow.revoked.reason], ["matched", 2, "affiliation_changed"]);
  const needs3 = vectorCase("witnessed bundle: policy needs 3, 2 cosigned").witness_policy;
  failsAtStep10(() => verifyBundleWithStatus(file, status, { genesisHash: pinned, witnessPolicy: needs3 }), "quorum 3", /3 needed/);
  assert.throws(() => verifyBundle(file, { genesisHash: pinned, document: utf8("another document"), witnessPolicy: GOOD_BUNDLE.witness_policy }), (e) => e.step === "document", "step 8 before 10d");
  // Step 10 runs last (as in Rust): a bent witnessed section with another document fails at step 8.
  const rootChanged = fromHex(vectorCase("witnessed bundle: root changed").file);
  assert.throws(() => verifyBundle(rootChanged, { genesisHash: pinned, document: utf8("another document") }), (e) => e.step === "document", "step 8 before step 10");
  failsAtStep10(() => verifyBundle(rootChanged, { genesisHash: pinned, document }), "with its own document");
  // Status proofs and log anchors carry no cosignatures: a policy fails at step 10.
  failsAtStep10(() => verifyEvidence(status, { genesisHash: pinned, witnessPolicy: GOOD_BUNDLE.witness_policy }), "a status proof", /carries no cosignatures/);
  assert.equal(verifyEvidence(file, { genesisHash: pinned, witnessPolicy: GOOD_BUNDLE.witness_policy }).witnessCosignatures, 2);
  // The witnessed section alone (10a–10c) against the header.
  const cp = verifyWitnessed(b.witnessed, { origin: b.genesis.chain_id, logSize: b.header.log_size, logRoot: b.header.log_root, covers: b.entry.leaf_index + 1n });
  assert.equal(cp.size, 6n);
  failsAtStep10(() => verifyWitnessed(b.witnessed, { origin: b.genesis.chain_id, logSize: b.header.log_size, logRoot: b.header.log_root, covers: 7n }), "covers 7", /does not reach/);
});

test("credentials: a witness policy applies to the bundle (step 1 names the bundle's step 10), refused up front when unusable", () => {
  const issuer = SecretKey.fromBytes("ed25519", new Uint8Array(32).fill(1));
  const holder = SecretKey.fromBytes("ed25519", new Uint8Array(32).fill(2));
  const cred = issueCredential({ issuer, holder: holder.publicKey, iss: credentialIss("vellum-test", issuer.accountId), claims: { degree: "BSc" } });
  const ledger = credentialLedger({ jwt: cred.jwt, issuer });
  const presentation = presentCredential(cred, { disclose: ["degree"], holder, aud: "https://v.example", nonce: "n" });
  const options = { aud: "https://v.example", nonce: "n", genesisHash: ledger.genesisHash };
  assert.equal(verifyCredential(presentation, ledger.bundle, options).bundle.witnessed, null, "a version-3 bundle: no cosignatures");
  assert.throws(
    () => verifyCredential(presentation, ledger.bundle, { ...options, witnessPolicy: POLICY }),
    (e) => e instanceof CredentialError && e.step === 1 && e.cause instanceof VerifyError && e.cause.step === "witnesses",
  );
  assert.throws(() => verifyCredential(presentation, ledger.bundle, { ...options, witnessPolicy: "quorum 1" }), WitnessPolicyError);
});

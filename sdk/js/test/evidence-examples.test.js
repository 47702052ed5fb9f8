// Offline verification of the real evidence files in docs/examples (made on devnets by the
// Rust code): a version-1 salted batch bundle, a version-2 bundle whose validator set changed
// twice, and a payment receipt. Valid ones verify with the published intermediate values;
// tampered copies fail at the step the tampering breaks.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  VerifyError,
  decodeBundle,
  decodeReceipt,
  encodeBundle,
  encodeReceipt,
  evidenceKind,
  verifyBundle,
  verifyEvidence,
  verifyReceipt,
} from "../src/index.js";
import { exampleText, readExample } from "./fixtures.js";

const diploma = readExample("diploma.vellum");
const pinned = exampleText("genesis-hash.txt");

const failsAt = (step, fn) => assert.throws(fn, (e) => e instanceof VerifyError && e.step === step, step);

test("diploma.vellum verifies with the intermediate values of evidence-format.md §5", () => {
  const r = verifyBundle(diploma, { genesisHash: pinned, document: readExample("diploma.pdf") });
  assert.equal(r.document, "matched");
  assert.equal(r.memberIndex, 0);
  assert.equal(r.status.status, "live");
  assert.equal(r.signers, 3);
  assert.equal(r.validators, 4);
  const trace = Object.fromEntries(r.trace);
  assert.equal(trace.genesis_hash, pinned);
  assert.equal(trace.validator_set_hash, "27bd5e35e853f48524bc1dbf4eee57b1cf0b97d560efee3a4b9c014bc29f59ff");
  assert.equal(trace.header_hash, "7d5f4447be7edfc33f12fc12c62fd55445225e747d912a57a9d0faa4f4d83f4a");
  assert.equal(trace.record_leaf_hash, "579c97de7fad20460ad5c3b3c4c75545a83cc290a11e2e1767e25a487025b890");
  assert.equal(trace.entry_key, "8117210b37d20af06c3db452b081b76fd67746e5d8c6f03238a6d6bc05f0483c");
  assert.equal(trace.entry_value_hash, "3ead4af3427ba01c40db812a547fd63952f1eb2c5df42779be0cb8f2eddab595");
  assert.equal(trace.member_key, "c280b15c0d790ce3ed64333d2dde95bbf1a4b2c66d4562ac9165ccdf871b9899");
  assert.equal(trace.registered_digest, "edfe216cd45f9a5f441996f39f4df764fa734b815d37093eab7f29802e15814c");
  assert.ok(trace.finalize_message.startsWith("1956454c4c554d5f434f4e53454e5355535f46494e414c495a45000504"));
});

test("the other batch member's file, another pin, and tampered bytes fail at their step", () => {
  failsAt("document", () => verifyBundle(diploma, { genesisHash: pinned, document: readExample("other.pdf") }));
  failsAt("checkpoint", () => verifyBundle(diploma, { genesisHash: "00".repeat(32) }));
  failsAt("decode", () => verifyBundle(diploma.subarray(0, diploma.length - 1)));
  failsAt("decode", () => verifyBundle(Uint8Array.of(...diploma, 0)));
  failsAt("decode", () => verifyBundle(Uint8Array.of(...diploma.subarray(0, 8), 3, ...diploma.subarray(9))));
  const b = decodeBundle(diploma);
  const edit = (change) => {
    const copy = structuredClone(b);
    change(copy);
    return encodeBundle(copy);
  };
  // A changed genesis detail is another chain: its header no longer belongs to it.
  failsAt("validator set", () => verifyBundle(edit((x) => (x.genesis.genesis_time_ms += 1n))));
  failsAt("certificate", () => verifyBundle(edit((x) => (x.certificate.signatures[0][0] ^= 1))));
  failsAt("certificate", () => verifyBundle(edit((x) => x.certificate.signers.pop() && x.certificate.signatures.pop())));
  failsAt("certificate", () => verifyBundle(edit((x) => (x.certificate.parent_view += 1n))));
  failsAt("log inclusion", () => verifyBundle(edit((x) => (x.record.time_ms += 1n))));
  failsAt("state entry", () => verifyBundle(edit((x) => (x.entry.count += 1))));
  failsAt("batch inclusion", () => verifyBundle(edit((x) => (x.member.leaf[0] ^= 1))));
  failsAt("document", () => verifyBundle(edit((x) => (x.document.salt[0] ^= 1))));
  failsAt("document", () => verifyBundle(edit((x) => (x.document.salt = null))));
});

test("a version-2 bundle follows two validator-set changes from genesis", () => {
  const bytes = readExample("contract-two-set-changes.vellum");
  assert.equal(bytes[8], 2);
  const r = verifyBundle(bytes, { genesisHash: exampleText("set-changes-genesis-hash.txt"), document: readExample("contract.txt") });
  assert.equal(r.validatorSetChanges, 2);
  assert.equal(r.document, "matched");
  const b = decodeBundle(bytes);
  const edit = (change) => {
    const copy = structuredClone(b);
    change(copy);
    return encodeBundle(copy);
  };
  failsAt("validator set", () => verifyBundle(edit((x) => x.validator_chain.pop())));
  failsAt("validator set", () => verifyBundle(edit((x) => (x.validator_chain[1].record.seq = 3n))));
  failsAt("validator set", () => verifyBundle(edit((x) => (x.validator_chain[0].record.validators[0].address = "10.0.0.1:1"))));
  failsAt("certificate", () => verifyBundle(edit((x) => (x.validator_chain[0].certificate.signatures[0][5] ^= 1))));
});

test("payment.vellumrc: the transfer, its record and its signer; tampering fails", () => {
  const bytes = readExample("payment.vellumrc");
  assert.equal(evidenceKind(bytes), "receipt");
  const genesisHash = exampleText("payment-genesis-hash.txt");
  const r = verifyReceipt(bytes, { genesisHash });
  assert.equal(r.txKind, "transfer");
  assert.equal(r.recordJson.outcome.outcome, "settled");
  assert.deepEqual(r.recordJson.outcome.legs.map((l) => l.credit_amount), ["11900", "100"]);
  assert.equal(verifyEvidence(bytes, { genesisHash }).kind, "receipt");
  assert.equal(Buffer.compare(Buffer.from(encodeReceipt(decodeReceipt(bytes))), bytes), 0, "decode/encode is the identity");
  const rc = decodeReceipt(bytes);
  const edit = (change) => {
    const copy = structuredClone(rc);
    change(copy);
    return encodeReceipt(copy);
  };
  failsAt("checkpoint", () => verifyReceipt(bytes, { genesisHash: "00".repeat(32) }));
  failsAt("log inclusion", () => verifyReceipt(edit((x) => (x.record.outcome.legs[0].credit_amount += 1n))));
  failsAt("log inclusion", () => verifyReceipt(edit((x) => (x.tx.unsigned.nonce += 1n))));
  failsAt("log inclusion", () => verifyReceipt(edit((x) => (x.tx_index += 1n))));
  failsAt("decode", () => verifyReceipt(diploma));
});

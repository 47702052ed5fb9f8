// Multi-party transaction files (docs/wire-format.md §14): build, sign on separate "devices",
// combine, check the weight; a signature over another transaction, a duplicate signer, an
// edited id, an unknown version and an insufficient weight are refused with typed errors.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DuplicateSigner,
  ForeignSignature,
  InsufficientWeight,
  SecretKey,
  TxFileError,
  bodyFromJson,
  buildTxFile,
  checkWeight,
  combineTxFiles,
  describeTx,
  encodeTransaction,
  decodeTransaction,
  parseJson,
  readTxFile,
  signTxFile,
  toHex,
  txFileText,
  txFromFile,
  verifyTransaction,
} from "../src/index.js";

// A 2-of-3 treasury: three officers, three schemes.
const officers = [SecretKey.generate("ed25519"), SecretKey.generate("secp256k1"), SecretKey.generate("p256")];
const treasury = officers[0].accountId;
const signerSet = { signers: officers.map((k) => ({ key: k.publicKey.toString(), weight: 1 })), threshold: 2 };
const unsigned = (nonce) => ({
  chain_id: "vellum-devnet",
  sender: treasury,
  nonce,
  expiry_height: 500n,
  body: bodyFromJson({ type: "transfer", legs: [{ to: "cd".repeat(32), token: "EUR", amount: "100000", convert: null }], reference: null }),
});
/** A file as it travels between machines: text. */
const travel = (file) => txFileText(file);

test("three officers sign on their own devices; two signatures make the transaction", () => {
  const built = travel(buildTxFile(unsigned(4n)));
  assert.equal(parseJson(built).signatures.length, 0);
  const a = travel(signTxFile(built, officers[0]));
  const c = travel(signTxFile(built, officers[2]));
  const both = combineTxFiles(a, c, a);
  assert.equal(both.signatures.length, 2, "a signature present in several inputs counts once");
  assert.equal(checkWeight(both, signerSet), 2);
  const tx = txFromFile(both);
  assert.deepEqual(verifyTransaction(decodeTransaction(encodeTransaction(tx))).map(String), [officers[0], officers[2]].map((k) => k.publicKey.toString()));
  const all = signTxFile(both, officers[1]);
  assert.equal(readTxFile(all).signers.length, 3);
  assert.match(describeTx(readTxFile(built).unsigned), /^transfer from account [0-9a-f]{64} on chain vellum-devnet, nonce 4/);
});

test("the builder's signer set travels in the file and gives early errors", () => {
  const built = buildTxFile(unsigned(4n), { signerSet });
  assert.equal(parseJson(travel(built)).signer_set.threshold, 2);
  const one = signTxFile(travel(built), officers[0]);
  assert.throws(() => checkWeight(one), InsufficientWeight, "the file's own signer set");
  assert.equal(checkWeight(signTxFile(one, officers[1])), 2);
  assert.throws(() => checkWeight(signTxFile(buildTxFile(unsigned(4n)), officers[0])), /no signer set/);
  assert.throws(() => readTxFile({ ...built, signer_set: { signers: [], threshold: "2" } }), /signer_set/);
});

test("one signature is below the threshold: InsufficientWeight before submission", () => {
  const one = signTxFile(buildTxFile(unsigned(4n)), officers[1]);
  assert.throws(() => checkWeight(one, signerSet), (e) => e instanceof InsufficientWeight && e.weight === 1 && e.threshold === 2);
  const stranger = signTxFile(one, SecretKey.generate("ed25519"));
  assert.throws(() => checkWeight(stranger, signerSet), /not a signer of account/);
});

test("a signature over another transaction is refused", () => {
  const mine = buildTxFile(unsigned(4n));
  const other = signTxFile(buildTxFile(unsigned(5n)), officers[0]);
  const forged = { ...mine, signatures: other.signatures };
  assert.throws(() => readTxFile(forged), (e) => e instanceof ForeignSignature && e.index === 0);
  assert.throws(() => combineTxFiles(mine, other), /different transactions/);
});

test("the same key twice is a duplicate signer", () => {
  const built = buildTxFile(unsigned(4n));
  const once = signTxFile(built, officers[0]);
  assert.throws(() => signTxFile(once, officers[0]), DuplicateSigner);
  const twice = { ...once, signatures: [once.signatures[0], once.signatures[0]] };
  assert.throws(() => readTxFile(twice), DuplicateSigner);
});

test("unknown version, edited id or chain, undecodable parts", () => {
  const file = signTxFile(buildTxFile(unsigned(4n)), officers[2]);
  assert.throws(() => readTxFile({ ...file, vellum_tx: 2 }), /unknown transaction file version 2/);
  assert.throws(() => readTxFile({ ...file, tx_id: "00".repeat(32) }), /is not the id of its unsigned transaction/);
  assert.throws(() => readTxFile({ ...file, chain_id: "other" }), /chain_id/);
  assert.throws(() => readTxFile({ ...file, comment: "hi" }), /unknown field comment/);
  assert.throws(() => readTxFile({ ...file, unsigned: file.unsigned.slice(0, -2) }), TxFileError);
  assert.throws(() => readTxFile({ ...file, signatures: ["02" + "00".repeat(10)] }), /does not decode/);
  assert.throws(() => readTxFile("not json"), TxFileError);
  assert.throws(() => txFromFile(buildTxFile(unsigned(4n))), /no signature/);
  assert.equal(toHex(readTxFile(file).unsigned.sender), toHex(treasury));
});

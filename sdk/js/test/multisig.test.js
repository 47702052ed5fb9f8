// Multi-party transaction files (docs/wire-format.md §14): build, sign on separate "devices",
// combine, check the weight; the file's signer set travels through sign and combine. Refused
// with typed errors: a signature over another transaction (for secp256k1: a recovered key
// outside the signer set, or no signer set to check it against), a key outside the signer set,
// a duplicate signer, one signature twice in a file, an edited or non-lowercase id, a missing
// chain id, an unknown version, an unsigned transaction that breaks the shape rules, and an
// insufficient weight.

import { test } from "node:test";
import assert from "node:assert/strict";
import { p256 } from "@noble/curves/nist.js";
import {
  DuplicateSigner,
  ForeignSignature,
  InsufficientWeight,
  NoSignerSet,
  NotASigner,
  RecoversOutsider,
  RepeatedSignature,
  SecretKey,
  TxFileError,
  bodyFromJson,
  bodyToJson,
  buildTxFile,
  checkWeight,
  combineTxFiles,
  describeTx,
  encode,
  encodeTransaction,
  decodeTransaction,
  parseJson,
  readTxFile,
  schemas,
  signTxFile,
  signingBytes,
  toHex,
  txFileText,
  txFromFile,
  txHash,
  unsignedWire,
  verifyTransaction,
} from "../src/index.js";

// A 2-of-3 treasury: three officers, three schemes (the p256 secret is known, to sign with
// another nonce below).
const P256_SECRET = new Uint8Array(32).fill(11);
const officers = [SecretKey.generate("ed25519"), SecretKey.generate("secp256k1"), SecretKey.fromBytes("p256", P256_SECRET)];
const [edOfficer, secpOfficer, p256Officer] = officers;
const treasury = edOfficer.accountId;
const signerSet = { signers: officers.map((k) => ({ key: k.publicKey.toString(), weight: 1 })), threshold: 2 };
const transfer = (amount) => bodyFromJson({ type: "transfer", legs: [{ to: "cd".repeat(32), token: "EUR", amount, convert: null }], reference: null });
const unsigned = (nonce, body = transfer("100000")) => ({ chain_id: "vellum-devnet", sender: treasury, nonce, expiry_height: 500n, body });
/** A file as it travels between machines: text. */
const travel = (file) => txFileText(file);
/** The hex of `key`'s signature over `u`, as a file holds it. */
const signatureHex = (key, u) => toHex(encode(schemas.Signature, key.sign(signingBytes(u))));
/** A file put together by hand, as a careless or hostile writer might (no checks). */
const handMade = (u, fields = {}) => ({ vellum_tx: 1, chain_id: u.chain_id, tx_id: txHash(u), unsigned: toHex(unsignedWire(u)), body: bodyToJson(u.body), signatures: [], ...fields });

test("three officers sign on their own devices; two signatures make the transaction", () => {
  const built = travel(buildTxFile(unsigned(4n), { signerSet }));
  assert.equal(parseJson(built).signatures.length, 0);
  const a = travel(signTxFile(built, edOfficer));
  const c = travel(signTxFile(built, p256Officer));
  const both = combineTxFiles(a, c);
  assert.equal(both.signatures.length, 2);
  assert.equal(checkWeight(both, signerSet), 2);
  const tx = txFromFile(both);
  assert.deepEqual(verifyTransaction(decodeTransaction(encodeTransaction(tx))).map(String), [edOfficer, p256Officer].map((k) => k.publicKey.toString()));
  const all = signTxFile(both, secpOfficer);
  assert.deepEqual(readTxFile(all).signers.map(String), [edOfficer, p256Officer, secpOfficer].map((k) => k.publicKey.toString()), "the recovered key is the officer's");
  assert.match(describeTx(readTxFile(built).unsigned), /^transfer from account [0-9a-f]{64} on chain vellum-devnet, nonce 4/);
});

test("a signature present in several files counts once when they are combined", () => {
  const built = buildTxFile(unsigned(4n), { signerSet });
  const a = signTxFile(built, edOfficer);
  const ac = signTxFile(a, p256Officer); // holds a's signature too
  const combined = combineTxFiles(a, travel(ac), a);
  assert.deepEqual(combined.signatures, ac.signatures);
  assert.equal(readTxFile(combined).signers.length, 2);
  const upper = { ...a, signatures: a.signatures.map((s) => s.toUpperCase()) };
  assert.deepEqual(combineTxFiles(upper, ac).signatures, ac.signatures, "the same bytes in either hex case");
});

test("the builder's signer set travels through sign and combine and gives early errors", () => {
  const built = buildTxFile(unsigned(4n), { signerSet });
  assert.equal(parseJson(travel(built)).signer_set.threshold, 2);
  const one = signTxFile(travel(built), edOfficer);
  assert.deepStrictEqual(parseJson(travel(one)).signer_set, built.signer_set, "kept by sign");
  assert.deepEqual(Object.keys(one), ["vellum_tx", "chain_id", "tx_id", "unsigned", "body", "signer_set", "signatures"]);
  assert.throws(() => checkWeight(one), InsufficientWeight, "the file's own signer set");
  assert.equal(checkWeight(signTxFile(one, secpOfficer)), 2);
  // Combining a copy without the set with one that has it: the result carries the set.
  const bare = signTxFile(buildTxFile(unsigned(4n)), p256Officer);
  assert.equal(bare.signer_set, undefined);
  const combined = combineTxFiles(bare, one);
  assert.deepStrictEqual(combined.signer_set, built.signer_set, "kept by combine");
  assert.equal(checkWeight(combined), 2);
  assert.throws(() => checkWeight(signTxFile(buildTxFile(unsigned(4n)), edOfficer)), /no signer set/);
  assert.throws(() => readTxFile({ ...built, signer_set: { signers: [], threshold: "2" } }), /signer_set/);
});

test("one signature is below the threshold: InsufficientWeight before submission", () => {
  const one = signTxFile(buildTxFile(unsigned(4n), { signerSet }), secpOfficer);
  assert.throws(() => checkWeight(one, signerSet), (e) => e instanceof InsufficientWeight && e.weight === 1 && e.threshold === 2);
  // Checked against the ledger's set when the file carries none.
  const stranger = SecretKey.generate("ed25519");
  const bare = signTxFile(signTxFile(buildTxFile(unsigned(4n)), edOfficer), stranger);
  assert.throws(() => checkWeight(bare, signerSet), (e) => e instanceof NotASigner && !(e instanceof RecoversOutsider) && e.key === stranger.publicKey.toString() && e.index === 1);
});

test("with a signer set, a named key outside it is refused, when signing and when reading", () => {
  const built = buildTxFile(unsigned(4n), { signerSet });
  for (const scheme of ["ed25519", "p256", "secp256k1"]) {
    const stranger = SecretKey.generate(scheme);
    assert.throws(() => signTxFile(built, stranger), (e) => e instanceof NotASigner && !(e instanceof RecoversOutsider) && e.key === stranger.publicKey.toString(), scheme);
  }
  for (const scheme of ["ed25519", "p256"]) {
    const stranger = SecretKey.generate(scheme);
    const file = { ...built, signatures: [signatureHex(stranger, unsigned(4n))] };
    assert.throws(() => readTxFile(file), (e) => e instanceof NotASigner && !(e instanceof RecoversOutsider) && e.index === 0 && e.account === toHex(treasury), scheme);
  }
});

test("a signature over another transaction is refused, for secp256k1 only against the signer set", () => {
  const mine = buildTxFile(unsigned(4n), { signerSet });
  const other = unsigned(5n);
  for (const key of [edOfficer, p256Officer]) {
    const forged = { ...mine, signatures: [signatureHex(key, other)] };
    assert.throws(() => readTxFile(forged), (e) => e instanceof ForeignSignature && e.index === 0 && /does not verify/.test(e.reason), key.scheme);
  }
  // Recovery over this file's bytes yields some unrelated key: not a signer of the account.
  const recovered = { ...mine, signatures: [signatureHex(secpOfficer, other)] };
  assert.throws(() => readTxFile(recovered), (e) => e instanceof RecoversOutsider && e.index === 0 && e.key !== secpOfficer.publicKey.toString());
  // Without the set nothing tells it from a signer: refused, even for the right transaction.
  const { signer_set: _, ...bare } = mine;
  assert.throws(() => readTxFile({ ...bare, signatures: [signatureHex(secpOfficer, other)] }), (e) => e instanceof NoSignerSet && e.index === 0);
  assert.throws(() => readTxFile({ ...bare, signatures: [signatureHex(secpOfficer, unsigned(4n))] }), NoSignerSet);
  assert.throws(() => signTxFile(bare, secpOfficer), NoSignerSet, "signing would write a file nobody can read");
  assert.throws(() => combineTxFiles(mine, signTxFile(buildTxFile(other, { signerSet }), edOfficer)), /different transactions/);
});

test("two different signatures by one key are a duplicate signer; one signature twice is a repeated signature", () => {
  const u = unsigned(4n);
  const built = buildTxFile(u, { signerSet });
  const once = signTxFile(built, p256Officer);
  assert.throws(() => signTxFile(once, p256Officer), DuplicateSigner);
  // The same key with another nonce: a second, different valid signature.
  const randomNonce = p256.sign(signingBytes(u), P256_SECRET, { prehash: true, lowS: true, extraEntropy: true });
  const other = toHex(encode(schemas.Signature, { scheme: "p256", public_key: p256Officer.publicKey.bytes, signature: randomNonce }));
  assert.notEqual(other, once.signatures[0]);
  assert.throws(() => readTxFile({ ...once, signatures: [once.signatures[0], other] }), (e) => e instanceof DuplicateSigner && e.key === p256Officer.publicKey.toString());
  assert.throws(() => combineTxFiles(once, { ...built, signatures: [other] }), DuplicateSigner);
  // The same bytes twice in one file: a damaged file, not a second signer.
  for (const twice of [[once.signatures[0], once.signatures[0]], [once.signatures[0], once.signatures[0].toUpperCase()]]) {
    assert.throws(() => readTxFile({ ...once, signatures: twice }), (e) => e instanceof RepeatedSignature && e.index === 1 && e.first === 0);
  }
});

test("unknown version, missing or edited id or chain, undecodable parts", () => {
  const file = signTxFile(buildTxFile(unsigned(4n)), p256Officer);
  assert.throws(() => readTxFile({ ...file, vellum_tx: 2 }), /unknown transaction file version 2/);
  assert.throws(() => readTxFile({ ...file, tx_id: "00".repeat(32) }), /is not the id of its unsigned transaction/);
  assert.throws(() => readTxFile({ ...file, tx_id: file.tx_id.toUpperCase() }), /is not the id of its unsigned transaction/, "exactly the lowercase hex");
  assert.throws(() => readTxFile({ ...file, tx_id: ` ${file.tx_id}` }), /is not the id of its unsigned transaction/);
  assert.throws(() => readTxFile({ ...file, chain_id: "other" }), /chain_id/);
  const { chain_id: _, ...noChain } = file;
  assert.throws(() => readTxFile(noChain), (e) => e instanceof TxFileError && /missing field chain_id/.test(e.message));
  assert.throws(() => readTxFile({ ...file, comment: "hi" }), /unknown field comment/);
  assert.throws(() => readTxFile({ ...file, unsigned: file.unsigned.slice(0, -2) }), TxFileError);
  assert.throws(() => readTxFile({ ...file, signatures: ["02" + "00".repeat(10)] }), /does not decode/);
  assert.throws(() => readTxFile("not json"), TxFileError);
  assert.throws(() => txFromFile(buildTxFile(unsigned(4n))), /no signature/);
  assert.equal(toHex(readTxFile(file).unsigned.sender), toHex(treasury));
});

test("an unsigned transaction that breaks the shape rules is refused before anyone signs", () => {
  const zero = unsigned(4n, transfer("0")); // amount 0
  const noChain = { ...unsigned(4n), chain_id: "" };
  for (const u of [zero, noChain]) {
    assert.throws(() => buildTxFile(u), (e) => e instanceof TxFileError && /shape rules/.test(e.message));
    assert.throws(() => readTxFile(handMade(u)), (e) => e instanceof TxFileError && /shape rules/.test(e.message));
    assert.throws(() => signTxFile(handMade(u), edOfficer), /shape rules/);
  }
  assert.equal(readTxFile(handMade(unsigned(4n))).signatures.length, 0, "the hand-made file is otherwise valid");
});

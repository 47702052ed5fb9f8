// Transaction receipts (`VELLUMTR`, docs/evidence-format.md §5a; Rust reference
// crates/evidence/src/tx_receipt.rs) in this SDK and in the node's web verifier
// (crates/api/web/verify.js, its own decoder), under Node: the devnet's
// docs/examples/invoice.vellumtr (an issued invoice) with what it proves, and with a bit flipped
// anywhere (both name the same step); receipts made here (test/receipt-ledger.js) with payment,
// event and invoice leaves and a transaction signed under the three schemes (the same result in
// both); each defect failing at the Rust step, defects combined failing in the Rust order
// (inclusion, binding and height leaf by leaf, then the signatures, then the witnessed section);
// witnessed sections covering, or not, every proven leaf, with and without a witness policy; and
// every transaction of docs/vectors/transactions.json (every body kind) read by the web verifier
// as its vector's JSON. The evidence.json cases are run by vectors.test.js (this SDK),
// web-verifier.test.js (the web verifier) and browser.test.js (both, in Chromium).

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  SecretKey,
  TX_RECEIPT_LEAVES_MAX,
  VerifyError,
  accountIdOf,
  decodeTransaction,
  decodeTxReceipt,
  encodeTxReceipt,
  evidenceKind,
  fromHex,
  invoiceIdOf,
  sha256,
  signTransaction,
  toHex,
  utf8,
  verifyEvidence,
  verifyTxReceipt,
} from "../src/index.js";
import { REPO, exampleText, readExample, vectorFile } from "./fixtures.js";
import { txReceiptFile, vectorWitness, witnessedAt } from "./receipt-ledger.js";

const web = await import(pathToFileURL(join(REPO, "crates", "api", "web", "verify.js")).href);
const invoicePin = exampleText("invoice-genesis-hash.txt");

/** This SDK's verdict: "ok" or "step N (name)", with its result or reason. */
function sdkVerdict(bytes, genesisHash, witnessPolicy = null) {
  try {
    return { verdict: "ok", result: verifyTxReceipt(bytes, { genesisHash, witnessPolicy }) };
  } catch (e) {
    assert.ok(e instanceof VerifyError, e.stack);
    return { verdict: `step ${e.stepNumber} (${e.step})`, reason: e.message };
  }
}
const webVerdict = async (bytes, pinned, policy = null) => {
  const r = await web.verifyTxReceipt(bytes, pinned, policy);
  return { r, verdict: r.ok ? "ok" : r.step };
};

// ---- The devnet's issued invoice ----

test("invoice.vellumtr: the tax authority's issuance and the invoice it appended, in both verifiers", async () => {
  const bytes = readExample("invoice.vellumtr");
  assert.equal(evidenceKind(bytes), "tx_receipt");
  assert.equal(web.fileKind(new Uint8Array(bytes)), "tx_receipt");
  const r = verifyTxReceipt(bytes, { genesisHash: invoicePin });
  assert.equal(r.txKind, "issue_invoice");
  assert.equal(r.appended.length, 1);
  const [{ kind, record }] = r.appended;
  assert.equal(kind, "invoice");
  // The invoice names the payment the issuing transaction consumed, under the id that payment has.
  assert.deepEqual([toHex(record.invoice.payment), toHex(record.invoice.id)], [toHex(r.tx.unsigned.body.payment), toHex(invoiceIdOf(r.tx.unsigned.body.payment))]);
  assert.equal(toHex(record.invoice.document_digest), toHex(sha256(readExample("invoice.pdf"))), "the invoice document's SHA-256");
  assert.equal(toHex(record.invoice.tax_authority), r.sender, "issued by the tax authority that signed");
  assert.deepEqual([record.invoice.amount, record.invoice.vat, record.invoice.reimbursed, record.invoice.tax_cleared], [12100n, 2100n, null, null]);
  assert.equal(verifyEvidence(bytes, { genesisHash: invoicePin }).kind, "tx_receipt");
  assert.equal(Buffer.compare(Buffer.from(encodeTxReceipt(decodeTxReceipt(bytes))), bytes), 0, "decode/encode is the identity");
  const w = await web.verifyTxReceipt(new Uint8Array(bytes), invoicePin);
  assert.equal(w.ok, true, w.reason);
  assert.deepStrictEqual(w.appended, r.appendedJson);
  assert.deepEqual([w.tx_id, w.tx_kind, w.sender, String(w.tx_index), w.genesis_hash, w.pinned], [r.txId, r.txKind, r.sender, String(r.txIndex), invoicePin, true]);
  assert.deepEqual(w.tx_signers.map((s) => s.key), r.signers);
  assert.deepEqual([w.header_height, w.signers, w.validators, w.witnessed, w.witness_cosignatures], [Number(r.headerHeight), r.certificateSigners, r.validators, null, null]);
  // Without a pinned genesis: valid, and said so.
  const unpinned = await web.verifyTxReceipt(new Uint8Array(bytes), null);
  assert.deepEqual([unpinned.ok, unpinned.pinned, verifyTxReceipt(bytes).checkpointPinned], [true, false, false]);
  // A payment receipt, a bundle: not a transaction receipt (step 1), and the other way round.
  for (const other of ["payment.vellumrc", "diploma.vellum"]) {
    assert.equal(sdkVerdict(readExample(other), null).verdict, "step 1 (decode)", other);
    assert.equal((await webVerdict(new Uint8Array(readExample(other)), null)).verdict, "step 1 (decode)", other);
  }
  assert.equal((await web.verifyReceipt(new Uint8Array(bytes), invoicePin)).step, "step 1 (decode)");
});

test("invoice.vellumtr with a bit flipped anywhere: the web verifier names the same step as this SDK", async () => {
  const file = new Uint8Array(readExample("invoice.vellumtr"));
  const steps = new Set();
  for (let i = 0; i < file.length; i++) {
    const t = file.slice();
    t[i] ^= 0x04;
    const sdk = sdkVerdict(t, invoicePin);
    const { r, verdict } = await webVerdict(t, invoicePin);
    assert.equal(verdict, sdk.verdict, `byte ${i}: SDK ${sdk.reason}; web ${r.reason}`);
    steps.add(verdict);
  }
  for (const step of ["step 1 (decode)", "step 2 (checkpoint)", "step 3 (validator set)", "step 4 (certificate)", "step 5 (log inclusion)"]) assert.ok(steps.has(step), `${step} among ${[...steps]}`);
});

// ---- Receipts made here ----

const key = (scheme, n) => SecretKey.fromBytes(scheme, new Uint8Array(32).fill(n));
const [ed, k1, p2] = [key("ed25519", 1), key("secp256k1", 2), key("p256", 3)];
const h = (b) => new Uint8Array(32).fill(b);
const CONTRACT = h(0xc0);
const T = 1_767_225_606_000n;

/** A contract call signed under the three schemes. */
function contractCall(signers = [ed, k1, p2]) {
  const body = { type: "call_contract", contract: CONTRACT, function: "release", input: utf8("{}"), fuel: 100_000n };
  return signTransaction({ chain_id: "vellum-test", sender: accountIdOf(ed.publicKey), nonce: 9n, expiry_height: 1000n, body }, signers);
}
/** What the call appended: the contract's transfer, two events, and (for the leaf kinds' sake) an invoice. */
const APPENDED = () => [
  {
    kind: "payment",
    record: {
      time_ms: T,
      sender: CONTRACT,
      outcome: { outcome: "settled", legs: [{ to: h(0x0a), token: "EUR", amount: 340282366920938463463374607431768211455n, credit_token: "EUR", credit_amount: 1n, conversion: null }], reference: h(0x42) },
    },
  },
  { kind: "event", record: { contract: CONTRACT, seq: 0, data: utf8("released") } },
  { kind: "event", record: { contract: CONTRACT, seq: 1, data: new Uint8Array(0) } },
  {
    kind: "invoice",
    record: {
      time_ms: T,
      invoice: {
        id: invoiceIdOf(h(0x33)),
        payment: h(0x33),
        seller: h(0x51),
        buyer: h(0x52),
        tax_authority: h(0x53),
        token: "EUR",
        amount: 12100n,
        vat: 2100n,
        document_digest: sha256(utf8("invoice.pdf")),
        issued_height: 6n,
        reimbursed: { by: h(0x52), tx_id: h(0x61), height: 6n },
        tax_cleared: null,
      },
    },
  },
];
const made = (options = {}) => txReceiptFile({ tx: contractCall(), appended: APPENDED(), ...options });

test("a made receipt with payment, event and invoice leaves: both verifiers give the same transaction, signers and leaves", async () => {
  const { receipt, genesisHash } = made();
  const r = verifyTxReceipt(receipt, { genesisHash });
  assert.deepEqual([r.txKind, r.txIndex, r.signers.length, r.validators, r.certificateSigners, r.headerHeight], ["call_contract", 1n, 3, 4, 3, 7n]);
  assert.deepEqual(r.signers, [ed, k1, p2].map((k) => String(k.publicKey)));
  assert.deepEqual(r.appendedJson.map((a) => a.kind), ["payment", "event", "event", "invoice"]);
  // The JSON form, as the CLI prints it: u128 as decimal text, bytes as hex, small integers as numbers.
  assert.deepStrictEqual(r.appendedJson[1], { kind: "event", record: { tx_id: r.txId, height: 6, contract: toHex(CONTRACT), seq: 0, data: toHex(utf8("released")) } });
  assert.equal(r.appendedJson[0].record.outcome.legs[0].amount, "340282366920938463463374607431768211455");
  assert.deepStrictEqual(r.appendedJson[3].record.invoice.reimbursed, { by: toHex(h(0x52)), tx_id: toHex(h(0x61)), height: 6 });
  assert.equal(r.appendedJson[3].record.invoice.vat, "2100");
  const w = await web.verifyTxReceipt(receipt, genesisHash);
  assert.equal(w.ok, true, w.reason);
  assert.deepStrictEqual(w.appended, r.appendedJson);
  assert.deepEqual([w.tx_id, w.tx_kind, w.tx_index, w.sender], [r.txId, "call_contract", 1, r.sender]);
  assert.deepEqual(w.tx_signers.map((s) => s.key), r.signers);
  assert.deepEqual(w.tx_signers.map((s) => s.opens_sender), [true, false, false], "the Ed25519 key opened the sender's account");
  assert.deepStrictEqual(w.tx.body, { type: "call_contract", contract: toHex(CONTRACT), function: "release", input: toHex(utf8("{}")), fuel: 100000 });
  assert.deepEqual(verifyEvidence(receipt, { genesisHash }).appendedJson, r.appendedJson);
});

/** A copy of the receipt value with `change` applied to it. */
const bent = (change) => (value) => {
  change(value);
  return value;
};
/**
 * A copy of `tx` with signature `i`'s 4th byte flipped (its leaf is then the tampered
 * transaction's: inclusion holds). Signature 2 is P-256 (it no longer verifies), 0 Ed25519 (the
 * same), 1 secp256k1 (another key is recovered from it: it verifies, for another signer).
 */
function badSignature(tx, i = 2) {
  const signatures = tx.signatures.map((s, j) => (j === i ? { ...s, signature: s.signature.map((b, k) => (k === 3 ? b ^ 1 : b)) } : s));
  return { ...tx, signatures };
}

test("each defect fails at the Rust step, and combined defects in the Rust order, in both verifiers", async () => {
  const other = h(0xee);
  const withRecord = (k, fields) => APPENDED().map((a, j) => (j === k ? { ...a, record: { ...a.record, ...fields } } : a));
  const scenarios = [
    ["valid", made(), "ok"],
    ["another pinned genesis", { ...made(), genesisHash: "07".repeat(32) }, "step 2 (checkpoint)"],
    ["a leaf of another transaction (event 1)", txReceiptFile({ tx: contractCall(), appended: withRecord(1, { tx_id: other }) }), "step 6 (state entry)"],
    ["a leaf after the header (payment at height 8 > 7)", txReceiptFile({ tx: contractCall(), appended: withRecord(0, { height: 8n }) }), "step 5 (log inclusion)"],
    ["a leaf at the header's height", txReceiptFile({ tx: contractCall(), appended: withRecord(3, { height: 7n }) }), "ok"],
    ["leaf 2 with leaf 1's proof", made({ bend: bent((v) => (v.appended[2][1] = v.appended[1][1])) }), "step 5 (log inclusion)"],
    ["two leaves swapped", made({ bend: bent((v) => v.appended.reverse()) }), "step 5 (log inclusion)"],
    ["a leaf left out (the others then sit one index early)", made({ bend: bent((v) => v.appended.splice(1, 1)) }), "step 5 (log inclusion)"],
    ["the last leaves left out (a prefix is still proven)", made({ bend: bent((v) => v.appended.splice(2)) }), "ok"],
    ["no appended leaf", made({ bend: bent((v) => (v.appended = [])) }), "step 1 (decode)"],
    ["the transaction index moved", made({ bend: bent((v) => (v.tx_index = 2n)) }), "step 5 (log inclusion)"],
    ["the transaction's proof emptied", made({ bend: bent((v) => (v.tx_proof = [])) }), "step 5 (log inclusion)"],
    ["a bad signature (P-256)", txReceiptFile({ tx: badSignature(contractCall()), appended: APPENDED() }), "step 6 (state entry)"],
    ["a bad signature (Ed25519)", txReceiptFile({ tx: badSignature(contractCall(), 0), appended: APPENDED() }), "step 6 (state entry)"],
    ["a secp256k1 signature changed (another key recovered: valid, for another signer)", txReceiptFile({ tx: badSignature(contractCall(), 1), appended: APPENDED() }), "ok"],
    ["a secp256k1 recovery id of 2", txReceiptFile({ tx: { ...contractCall(), signatures: contractCall().signatures.map((x, j) => (j === 1 ? { ...x, recovery_id: 2 } : x)) }, appended: APPENDED() }), "step 6 (state entry)"],
    ["one key signing twice", txReceiptFile({ tx: contractCall([ed, ed]), appended: APPENDED() }), "step 6 (state entry)"],
    ["no signature at all (none to check: finality proves the sender's consent)", txReceiptFile({ tx: contractCall([]), appended: APPENDED() }), "ok"],
    // The order: leaf by leaf (inclusion, binding, height), then the signatures.
    ["leaf 0 after the header and a bad signature", txReceiptFile({ tx: badSignature(contractCall()), appended: withRecord(0, { height: 8n }) }), "step 5 (log inclusion)"],
    ["leaf 0 of another transaction and leaf 1 not in the log", txReceiptFile({ tx: contractCall(), appended: withRecord(0, { tx_id: other }), bend: bent((v) => (v.appended[1][1] = [])) }), "step 6 (state entry)"],
    ["leaf 0 after the header and leaf 1 of another transaction", txReceiptFile({ tx: contractCall(), appended: APPENDED().map((a, j) => (j === 0 ? { ...a, record: { ...a.record, height: 8n } } : j === 1 ? { ...a, record: { ...a.record, tx_id: other } } : a)) }), "step 5 (log inclusion)"],
    ["leaf 0 of another transaction after the header", txReceiptFile({ tx: contractCall(), appended: withRecord(0, { tx_id: other, height: 8n }) }), "step 6 (state entry)"],
    ["leaf 1 of another transaction and a bad signature", txReceiptFile({ tx: badSignature(contractCall()), appended: withRecord(1, { tx_id: other }) }), "step 6 (state entry)"],
  ];
  for (const [name, { receipt, genesisHash }, expected] of scenarios) {
    const sdk = sdkVerdict(receipt, genesisHash);
    assert.equal(sdk.verdict, expected, `${name} (SDK): ${sdk.reason}`);
    const { r, verdict } = await webVerdict(receipt, genesisHash);
    assert.equal(verdict, expected, `${name} (web): ${r.reason}`);
  }
  // Which one failed, in the Rust words.
  const swapped = sdkVerdict(made({ bend: bent((v) => v.appended.reverse()) }).receipt, null);
  assert.match(swapped.reason, /leaf 0 after the transaction is not at log index 2: /);
  const foreign = sdkVerdict(txReceiptFile({ tx: contractCall(), appended: withRecord(1, { tx_id: other }) }).receipt, null);
  assert.match(foreign.reason, /leaf 1 after the transaction belongs to another transaction$/);
});

test("more than 1,024 appended leaves, a file over 64 KiB, an unknown leaf kind: step 1", async () => {
  const { receipt } = made();
  const value = decodeTxReceipt(receipt);
  const many = { ...value, appended: Array.from({ length: TX_RECEIPT_LEAVES_MAX + 1 }, () => value.appended[1]) };
  assert.throws(() => verifyTxReceipt(many), (e) => e instanceof VerifyError && e.step === "decode" && /1\.\.=1024 leaves/.test(e.message));
  const big = encodeTxReceipt(many);
  assert.ok(big.length > 65536);
  assert.equal(sdkVerdict(big, null).verdict, "step 1 (decode)");
  assert.equal((await webVerdict(big, null)).verdict, "step 1 (decode)");
  // The first leaf's kind byte (0 payment, 1 event, 2 invoice) set to an unknown kind.
  const kindAt = findAppendedKindOffset(value);
  for (const bad of [3, 0xff]) {
    const t = receipt.slice();
    assert.equal(t[kindAt], 0, "the first leaf is a payment");
    t[kindAt] = bad;
    assert.equal(sdkVerdict(t, null).verdict, "step 1 (decode)");
    assert.equal((await webVerdict(t, null)).verdict, "step 1 (decode)");
  }
});

/** The offset of the first appended leaf's kind byte in the file of `value`: after everything before `appended` and its count. */
function findAppendedKindOffset(value) {
  const before = encodeTxReceipt({ ...value, appended: [], validator_chain: [], witnessed: null });
  // `before` ends with the empty `appended` count (4 bytes), the empty chain (4) and the absent witnessed tag (1).
  return before.length - 9 + 4;
}

test("witnessed transaction receipts: the checkpoint must cover every proven leaf; under a policy, its cosignatures", async () => {
  // The header's log: 2 leaves, 4 appended, 2 more (size 8); the receipt proves leaves [0, 6).
  const covers = 6;
  const policy2 = { witnesses: [1, 2].map((i) => ({ name: vectorWitness(i).name, key: toHex(vectorWitness(i).key.publicKey.bytes) })), quorum: 2 };
  const policy3 = { witnesses: [1, 2, 3].map((i) => ({ name: vectorWitness(i).name, key: toHex(vectorWitness(i).key.publicKey.bytes) })), quorum: 3 };
  const policyText = (p) => [...p.witnesses.map((w) => `witness ${w.name} ${w.key}`), `quorum ${p.quorum}`].join("\n");
  const cases = [
    [covers - 1, null, "step 10 (witnesses)"],
    [covers, null, "ok"],
    [8, null, "ok"],
    [10, null, "ok"],
    [covers, policy2, "ok"],
    [10, policy3, "step 10 (witnesses)"],
  ];
  for (const [size, policy, expected] of cases) {
    const { receipt, genesisHash } = made({ witnessed: witnessedAt(size) });
    const sdk = sdkVerdict(receipt, genesisHash, policy);
    assert.equal(sdk.verdict, expected, `size ${size} (SDK): ${sdk.reason}`);
    const { r, verdict } = await webVerdict(receipt, genesisHash, policy && web.parseWitnessPolicy(policyText(policy)));
    assert.equal(verdict, expected, `size ${size} (web): ${r.reason}`);
    if (expected !== "ok") continue;
    assert.deepEqual([String(sdk.result.witnessed.size), r.witnessed.size], [String(size), size]);
    assert.deepEqual([sdk.result.witnessCosignatures, r.witness_cosignatures], policy ? [2, 2] : [null, null]);
  }
  assert.match(sdkVerdict(made({ witnessed: witnessedAt(covers - 1) }).receipt, null).reason, /does not reach the proven entries \(up to index 5\)/);
  // A policy for a receipt without witnesses: step 10, after everything else.
  const { receipt, genesisHash } = made();
  assert.equal(sdkVerdict(receipt, genesisHash, policy2).verdict, "step 10 (witnesses)");
  assert.equal((await webVerdict(receipt, genesisHash, web.parseWitnessPolicy(policyText(policy2)))).verdict, "step 10 (witnesses)");
  assert.equal(sdkVerdict(txReceiptFile({ tx: badSignature(contractCall()), appended: APPENDED() }).receipt, null, policy2).verdict, "step 6 (state entry)");
  // The witnessed section of another log, or bent: step 10 in both.
  for (const witnessed of [witnessedAt(8, { origin: "another-chain" }), witnessedAt(10, { bend: (w) => ({ ...w, consistency: w.consistency.slice(1) }) })]) {
    const f = made({ witnessed });
    assert.equal(sdkVerdict(f.receipt, f.genesisHash).verdict, "step 10 (witnesses)");
    assert.equal((await webVerdict(f.receipt, f.genesisHash)).verdict, "step 10 (witnesses)");
  }
});

test("a made receipt with a bit flipped anywhere: the web verifier names the same step as this SDK", async () => {
  const { receipt, genesisHash } = made({ witnessed: witnessedAt(10) });
  let compared = 0;
  for (let i = 0; i < receipt.length; i += 2) {
    const t = receipt.slice();
    t[i] ^= 0x10;
    const sdk = sdkVerdict(t, genesisHash);
    const { r, verdict } = await webVerdict(t, genesisHash);
    assert.equal(verdict, sdk.verdict, `byte ${i}: SDK ${sdk.reason}; web ${r.reason}`);
    compared++;
  }
  assert.ok(compared > 500, `${compared} files compared`);
});

test("every transaction of transactions.json (every body kind) in a transaction receipt: the web verifier reads its vector's JSON and this SDK's signers", async () => {
  const { vectors } = vectorFile("transactions.json");
  const kinds = new Set();
  for (const v of vectors) {
    const tx = decodeTransaction(fromHex(v.transaction_wire));
    const { receipt, genesisHash } = txReceiptFile({ tx, appended: [{ kind: "event", record: { contract: CONTRACT, seq: 0, data: utf8(v.name) } }] });
    const sdk = sdkVerdict(receipt, genesisHash);
    const { r, verdict } = await webVerdict(receipt, genesisHash);
    assert.equal(verdict, sdk.verdict, `${v.name}: ${r.reason}`);
    assert.equal(verdict, "ok", `${v.name}: ${r.reason}`);
    assert.deepStrictEqual(r.tx.body, v.unsigned.body, v.name);
    assert.deepEqual([r.tx_kind, r.tx_id, r.tx.nonce, r.tx.expiry_height, r.tx.chain_id], [v.kind, v.tx_id, v.unsigned.nonce, v.unsigned.expiry_height, v.unsigned.chain_id], v.name);
    assert.deepEqual(r.tx_signers.map((s) => s.key), sdk.result.signers, v.name);
    kinds.add(r.tx_kind);
  }
  assert.equal(kinds.size, 40, "every TxBody variant (OpenAccount = 0 … DeleteOriginal = 39)");
});

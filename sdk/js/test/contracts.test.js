// The client side of contracts and e-invoices (docs/contracts.md): `instantiateContract` (and
// the contract id it resolves to), `callContract`, `setInvoicing`, `issueInvoice` (and the
// invoice id), `reimburseInvoice`, `clearInvoiceTax` sign the bodies of wire-format §6.3;
// arguments of the wrong shape are refused before anything is signed or sent; the reads ask the
// API paths the node serves. Validators are a scripted fetch function.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DEFAULT_CONTRACT_FUEL,
  DecodeError,
  EncodeError,
  SecretKey,
  Vellum,
  contractIdOf,
  decodeTransaction,
  invoiceIdOf,
  sha256,
  toHex,
  utf8,
} from "../src/index.js";

const CHAIN = "vellum-test";
const key = SecretKey.fromBytes("ed25519", new Uint8Array(32).fill(11));
const [codeDigest, contract, taxAuthority, payment] = ["67".repeat(32), "c4".repeat(32), "7a".repeat(32), "6b".repeat(32)];

/** A validator that finalizes every transaction it is sent (records it) and answers reads from `pages` (path → JSON). */
function scripted(pages = {}) {
  const sent = [];
  const asked = [];
  const reply = (status, body) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  const fetch = async (url, init = {}) => {
    const path = new URL(url).pathname;
    asked.push({ path, signed: Object.keys(init.headers ?? {}).some((h) => /signature/i.test(h)) });
    if (init.method === "POST") {
      sent.push(decodeTransaction(new Uint8Array(init.body)));
      return reply(202, { tx_hash: "00".repeat(32) });
    }
    if (path === "/v1/status") return reply(200, { chain_id: CHAIN, genesis_hash: "ab".repeat(32), height: 10 });
    if (path in pages) return reply(200, pages[path]);
    if (path.startsWith("/v1/tx/")) return reply(200, { status: "finalized", height: 11, index: 0, log_index: 3 });
    return reply(404, { error: { code: "not_found", message: "no such thing" } });
  };
  return { vellum: new Vellum({ apis: ["http://validator.invalid"], fetch, verify: false }), sent, asked };
}

test("instantiateContract and callContract sign InstantiateContract (30) and CallContract (31); the contract id follows from sender and nonce", async () => {
  const { vellum, sent } = scripted();
  const r = await vellum.instantiateContract({ key, codeDigest, input: "0102ff", fuel: 1_000_000 });
  const u = sent[0].unsigned;
  assert.deepEqual([u.body.type, toHex(u.body.code_digest), toHex(u.body.input), u.body.fuel], ["instantiate_contract", codeDigest, "0102ff", 1_000_000n]);
  assert.equal(r.contractId, toHex(contractIdOf(codeDigest, key.accountId, u.nonce)));
  assert.equal(toHex(r.tx.tx.unsigned.sender), toHex(key.accountId));
  await vellum.instantiateContract({ key, codeDigest: utf8("x".repeat(32)) });
  assert.deepEqual([sent[1].unsigned.body.input.length, sent[1].unsigned.body.fuel], [0, DEFAULT_CONTRACT_FUEL], "no input, the default fuel");
  await vellum.callContract({ key, contract, function: "release", input: Uint8Array.of(1, 2), fuel: 50_000_000n });
  const call = sent[2].unsigned.body;
  assert.deepEqual([call.type, toHex(call.contract), call.function, toHex(call.input), call.fuel], ["call_contract", contract, "release", "0102", 50_000_000n]);
});

test("setInvoicing, issueInvoice, reimburseInvoice and clearInvoiceTax sign SetInvoicing … ClearInvoiceTax (32–35); issueInvoice resolves to the invoice id", async () => {
  const { vellum, sent } = scripted();
  await vellum.setInvoicing({ key, taxAuthority, token: "EUR", vatBasisPoints: 2100 });
  const document = utf8("<Invoice>…</Invoice>");
  const issued = await vellum.issueInvoice({ key, payment, document });
  assert.equal(issued.invoiceId, toHex(invoiceIdOf(payment)));
  await vellum.issueInvoice({ key, payment, documentDigest: "44".repeat(32) });
  await vellum.reimburseInvoice({ key, invoice: issued.invoiceId });
  await vellum.clearInvoiceTax({ key, invoice: issued.invoiceId });
  const bodies = sent.map((tx) => tx.unsigned.body);
  assert.deepEqual([bodies[0].type, toHex(bodies[0].tax_authority), bodies[0].token, bodies[0].vat_basis_points], ["set_invoicing", taxAuthority, "EUR", 2100]);
  assert.deepEqual([bodies[1].type, toHex(bodies[1].payment), toHex(bodies[1].document_digest)], ["issue_invoice", payment, toHex(sha256(document))]);
  assert.equal(toHex(bodies[2].document_digest), "44".repeat(32));
  assert.deepEqual([bodies[3].type, toHex(bodies[3].invoice)], ["reimburse_invoice", issued.invoiceId]);
  assert.deepEqual([bodies[4].type, toHex(bodies[4].invoice)], ["clear_invoice_tax", issued.invoiceId]);
});

test("arguments of the wrong shape are refused before anything is signed or sent", async () => {
  const { vellum, sent, asked } = scripted();
  const invalid = (why) => (e) => e instanceof DecodeError && e.kind === "invalid" && why.test(e.message);
  const encoding = (path, why = /./) => (e) => e instanceof EncodeError && e.path === path && why.test(e.message);
  await assert.rejects(vellum.callContract({ key, contract, function: "Release" }), invalid(/function name "Release" must be 1\.\.=64 bytes/));
  await assert.rejects(vellum.callContract({ key, contract, function: "x".repeat(65) }), invalid(/function name/));
  await assert.rejects(vellum.callContract({ key, contract, function: "release", input: new Uint8Array(8193) }), invalid(/at most 8192 bytes/));
  await assert.rejects(vellum.callContract({ key, contract, function: "release", input: "xyz" }), encoding("input"));
  await assert.rejects(vellum.callContract({ key, contract, function: "release", input: 5 }), encoding("input"));
  await assert.rejects(vellum.callContract({ key, contract: "ab", function: "release" }), encoding("contract"));
  await assert.rejects(vellum.instantiateContract({ key, codeDigest, fuel: 0 }), invalid(/positive fuel budget/));
  await assert.rejects(vellum.instantiateContract({ key, codeDigest, fuel: 2 ** 53 + 2 }), encoding("fuel", /beyond 2\^53 − 1.*bigint/));
  await assert.rejects(vellum.instantiateContract({ key, codeDigest, fuel: 50_000_001n }), encoding("fuel", /at most 50000000/));
  await assert.rejects(vellum.instantiateContract({ key, codeDigest, fuel: -5 }), encoding("fuel"));
  await assert.rejects(vellum.instantiateContract({ key, codeDigest: "67" }), encoding("codeDigest"));
  await assert.rejects(vellum.setInvoicing({ key, taxAuthority, token: "eur", vatBasisPoints: 2100 }), invalid(/token symbol "eur"/));
  await assert.rejects(vellum.setInvoicing({ key, taxAuthority, token: "EUR", vatBasisPoints: 10_001 }), invalid(/at most 10000 basis points/));
  await assert.rejects(vellum.setInvoicing({ key, taxAuthority, token: "EUR", vatBasisPoints: 21.5 }), encoding("vatBasisPoints"));
  await assert.rejects(vellum.issueInvoice({ key, payment }), encoding("document"), "neither the document nor its digest");
  await assert.rejects(vellum.issueInvoice({ key, payment, document: utf8("x"), documentDigest: "44".repeat(32) }), encoding("document"), "both");
  await assert.rejects(vellum.reimburseInvoice({ key, invoice: "zz".repeat(32) }), encoding("invoice"));
  assert.equal(sent.length, 0, "nothing was signed");
  assert.equal(asked.length, 0, "no validator was asked anything");
});

test("the reads: a contract and its code, a contract transaction's result, invoicing conditions, an invoice", async () => {
  const invoiceId = toHex(invoiceIdOf(payment));
  const pages = {
    [`/v1/contract/${contract}`]: { contract: { code_digest: codeDigest }, callable: true },
    [`/v1/tx/${payment}/contract`]: { tx_id: payment, output: "", fuel_used: 10 },
    [`/v1/invoicing/${toHex(key.accountId)}`]: { terms: { token: "EUR" } },
    [`/v1/invoice/${invoiceId}`]: { invoice: { payment } },
  };
  const { vellum, asked } = scripted(pages);
  assert.equal((await vellum.contract(contract)).callable, true);
  assert.equal((await vellum.contractResult(payment, { key })).fuel_used, 10);
  assert.equal((await vellum.invoicing(key.accountId)).terms.token, "EUR");
  assert.equal((await vellum.invoice(invoiceId, { key })).invoice.payment, payment);
  assert.deepEqual(asked.filter((a) => a.path !== "/v1/status").map((a) => [a.path.split("/")[2], a.signed]), [["contract", false], ["tx", true], ["invoicing", false], ["invoice", true]], "contract and invoicing are public; results and invoices are signed reads");
  await assert.rejects(vellum.invoicing("ab".repeat(31)), EncodeError);
  await assert.rejects(vellum.contract("00".repeat(32)), (e) => e.code === "not_found");
});

// Reads of account data on the ledger and the key lifecycle (wire-format §6.3, §7): AuditReads
// (37) with its ReadRecords and SetKeyExpiry (38), byte for byte; the shape rule of AuditReads
// with Rust's message; the keyExpiry builder; Vellum.setKeyExpiry and Vellum.reads (GET
// /v1/account/{id}/reads, agreed on the finalized reads, not on each node's pending ones).

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DecodeError,
  EncodeError,
  KeyError,
  PublicKey,
  SecretKey,
  Vellum,
  bodyFromJson,
  bodyToJson,
  checkBodyShape,
  checkShape,
  decode,
  decodeTransaction,
  encode,
  encodeTransaction,
  keyExpiry,
  readsKey,
  schemas,
  signTransaction,
  toHex,
  utf8,
} from "../src/index.js";

const { TxBody, ReadRecord } = schemas;
const key = SecretKey.fromBytes("ed25519", new Uint8Array(32).fill(7));
const h = (byte) => byte.repeat(32);
const signed = (json) => signTransaction({ chain_id: "vellum-test", sender: key.accountId, nonce: 1n, expiry_height: 100n, body: bodyFromJson(json) }, [key]);
const le = (n, bytes) => {
  let v = BigInt(n);
  let out = "";
  for (let i = 0; i < bytes; i++, v >>= 8n) out += (v & 0xffn).toString(16).padStart(2, "0");
  return out;
};
const text = (s) => le(utf8(s).length, 4) + toHex(utf8(s));
const read = (over = {}) => ({ owner: h("e7"), action: "history", item: null, reader: h("2d"), allowed: false, time_ms: 1_767_225_600_002, ...over });

/** Refused with exactly `message` by every path a body takes: the client's check, a node's decode. */
function refused(json, message) {
  assert.throws(() => checkBodyShape(bodyFromJson(json)), (e) => e instanceof DecodeError && e.kind === "invalid" && e.message.includes(message), `${json.type}: ${message}`);
  const tx = signed(json);
  assert.throws(() => checkShape(tx), (e) => e instanceof DecodeError && e.message.includes(message));
  assert.throws(() => decodeTransaction(encodeTransaction(tx)), (e) => e instanceof DecodeError && e.kind === "invalid" && e.message.includes(message));
}
const accepted = (json) => {
  const tx = signed(json);
  checkShape(tx);
  assert.deepEqual(bodyToJson(decodeTransaction(encodeTransaction(tx)).unsigned.body), bodyToJson(bodyFromJson(json)));
};

test("ReadRecord: owner ‖ action ‖ Option<TxId> item ‖ Option<AccountId> reader ‖ bool ‖ u64 time; AuditReads is TxBody 37", () => {
  const record = read({ item: h("57"), allowed: true });
  assert.equal(toHex(encode(ReadRecord, ReadRecord.fromJson(record))), `${h("e7")}${text("history")}01${h("57")}01${h("2d")}01${le(1_767_225_600_002, 8)}`);
  const anonymous = read({ reader: null });
  assert.equal(toHex(encode(ReadRecord, ReadRecord.fromJson(anonymous))), `${h("e7")}${text("history")}0000` + `00${le(1_767_225_600_002, 8)}`);
  const body = { type: "audit_reads", entries: [record, anonymous] };
  const bytes = encode(TxBody, bodyFromJson(body));
  assert.equal(toHex(bytes.subarray(0, 5)), "2502000000");
  assert.deepStrictEqual(bodyToJson(decode(TxBody, bytes)), body);
  // serde's deny_unknown_fields: a field the record does not have is refused, naming it.
  assert.throws(() => bodyFromJson({ type: "audit_reads", entries: [{ ...record, proof: h("01") }] }), (e) => e instanceof EncodeError && /entries\[0\]\.proof/.test(e.message));
  assert.throws(() => bodyFromJson({ type: "audit_reads", entries: [{ ...record, allowed: "yes" }] }), EncodeError);
});

test("AuditReads shape rule: 1..=256 records, each action 1..=16 bytes (an empty one too is refused), in Rust's words", () => {
  const message = "an audit batch holds 1..=256 records with actions of 1..=16 bytes";
  for (const entries of [[], [read({ action: "" })], [read(), read({ action: "a".repeat(17) })], [read({ action: "é".repeat(9) })]]) {
    refused({ type: "audit_reads", entries }, message);
  }
  accepted({ type: "audit_reads", entries: [read({ action: "a".repeat(16) }), read({ action: "é".repeat(8) })] });
  // 256 records are more than one transaction carries (16,384 bytes): the count is the body's rule alone.
  const many = (n) => bodyFromJson({ type: "audit_reads", entries: Array.from({ length: n }, () => read()) });
  checkBodyShape(many(256));
  assert.throws(() => checkBodyShape(many(257)), (e) => e instanceof DecodeError && e.kind === "invalid" && e.message.includes(message));
  assert.throws(() => checkShape(signTransaction({ chain_id: "vellum-test", sender: key.accountId, nonce: 1n, expiry_height: 100n, body: many(256) }, [key])), (e) => e instanceof DecodeError && e.kind === "too_large");
  // AuditBatch keeps its own words, and takes an empty action.
  accepted({ type: "audit_batch", entries: [{ proof: h("07"), reader: null, action: "", allowed: true, time_ms: 0 }] });
});

test("SetKeyExpiry is TxBody 38: the PublicKey, then u64 expires_ms (0 lifts the expiry); keyExpiry builds it", () => {
  const p256 = `p256:02${"bc".repeat(32)}`;
  const body = keyExpiry(p256, 1_798_761_600_000);
  assert.equal(toHex(encode(TxBody, body)), `2602${"02" + "bc".repeat(32)}${le(1_798_761_600_000, 8)}`);
  assert.deepStrictEqual(bodyToJson(body), { type: "set_key_expiry", key: p256, expires_ms: 1_798_761_600_000 });
  assert.ok(body.key instanceof PublicKey && body.expires_ms === 1_798_761_600_000n);
  assert.equal(toHex(encode(TxBody, keyExpiry(key, 0))), `2600${toHex(key.publicKey.bytes)}${"00".repeat(8)}`, "a SecretKey's public key; 0 lifts");
  assert.deepEqual(keyExpiry(key.publicKey, "18446744073709551615"), { type: "set_key_expiry", key: key.publicKey, expires_ms: 18_446_744_073_709_551_615n });
  accepted({ type: "set_key_expiry", key: p256, expires_ms: 0 });
  for (const bad of [-1, 2n ** 64n, 1.5, "x"]) assert.throws(() => keyExpiry(key, bad), EncodeError, String(bad));
  assert.throws(() => keyExpiry("ed25519:abcd", 5), KeyError);
  assert.throws(() => keyExpiry("rsa:00", 5), KeyError);
  assert.throws(() => bodyFromJson({ type: "set_key_expiry", key: p256, expires_ms: 1, account: h("01") }), EncodeError);
  assert.throws(() => decode(TxBody, Uint8Array.of(40)), /TxBody variant index 40/);
});

test("readsKey: the finalized reads are compared, not the answering node's pending ones", () => {
  assert.deepEqual(readsKey(200, { account: "a", finalized: [1], pending: [2] }), [200, { account: "a", finalized: [1] }]);
  assert.deepEqual(readsKey(403, { error: { code: "forbidden" } }), ["unsettled", 403, "forbidden"]);
});

/**
 * Four validators answering the account's reads, each with its own pending read (this one) and
 * the first with no finalized reads yet; every transaction it is sent is finalized (and recorded).
 */
function validators() {
  const sent = [];
  const asked = [];
  const reply = (status, body) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  const record = read({ owner: toHex(key.accountId), reader: toHex(key.accountId), allowed: true });
  const finalized = [{ record, node: h("ab"), tx_id: h("57"), height: 9 }];
  const fetch = async (url, init = {}) => {
    const u = new URL(url);
    const node = Number(u.port) - 9000;
    if (init.method === "POST") {
      sent.push(decodeTransaction(new Uint8Array(init.body)));
      return reply(202, { tx_hash: "00".repeat(32) });
    }
    if (u.pathname === "/v1/status") return reply(200, { chain_id: "vellum-test", genesis_hash: "ab".repeat(32), height: 10 });
    if (u.pathname.startsWith("/v1/tx/")) return reply(200, { status: "finalized", height: 11, index: 0, log_index: 3 });
    if (u.pathname.endsWith("/reads")) {
      const headers = new Headers(init.headers);
      asked.push({ node, path: u.pathname, signed: headers.has("x-vellum-signature") });
      return reply(200, { account: u.pathname.split("/")[3], finalized: node === 0 ? [] : finalized, pending: [{ ...record, action: "reads", time_ms: 100 + node }] });
    }
    return reply(404, { error: { code: "not_found", message: "no such thing" } });
  };
  const apis = [0, 1, 2, 3].map((i) => `http://validator.invalid:${9000 + i}`);
  return { apis, fetch, sent, asked, finalized };
}

test("Vellum.setKeyExpiry signs set_key_expiry (38); Vellum.reads is a signed read agreed on the finalized reads", async () => {
  const { apis, fetch, sent, asked, finalized } = validators();
  const vellum = new Vellum({ apis: [apis[1]], fetch, verify: false });
  const other = SecretKey.fromBytes("p256", new Uint8Array(32).fill(9));
  await vellum.setKeyExpiry({ key, signerKey: other.publicKey, expiresMs: 1_798_761_600_000 });
  const b = sent[0].unsigned.body;
  assert.deepEqual([b.type, String(b.key), b.expires_ms], ["set_key_expiry", String(other.publicKey), 1_798_761_600_000n]);
  assert.equal(encode(TxBody, b)[0], 38);
  await vellum.setKeyExpiry({ signers: [key], sender: key.accountId, signerKey: String(key.publicKey), expiresMs: 0 });
  assert.equal(sent[1].unsigned.body.expires_ms, 0n);
  await assert.rejects(vellum.setKeyExpiry({ key, signerKey: key, expiresMs: -5 }), EncodeError);
  assert.equal(sent.length, 2, "nothing refused was sent");

  const agreed = new Vellum({ apis, fetch, verify: true });
  const reads = await agreed.reads(key.accountId, { key });
  assert.deepStrictEqual(reads.finalized, finalized, "the three agreeing validators' finalized reads");
  assert.equal(reads.account, toHex(key.accountId));
  assert.equal(reads.pending[0].action, "reads");
  assert.ok(asked.length >= 2 && asked.every((a) => a.signed && a.path === `/v1/account/${toHex(key.accountId)}/reads`));
});

// Batch submission (docs/wire-format.md §12.4, `POST /v1/txs`): the frame against the published
// vector and every hostile frame, and Pool.submitBatch against real HTTP servers on 127.0.0.1
// answering as validators do (200, one answer per transaction) — busy for some transactions,
// down, lagging, refusing for good, old or broken — as in test/client.test.js.

import { test } from "node:test";
import assert from "node:assert/strict";
import { DEAD, json, node } from "./servers.js";
import {
  CONDITIONS,
  DecodeError,
  EncodeError,
  NetworkError,
  NodeError,
  Pool,
  SUBMIT_BATCH_BYTES_MAX,
  SUBMIT_BATCH_TXS_MAX,
  SecretKey,
  TX_BYTES_MAX,
  Vellum,
  bodyFromJson,
  decodeBatchFrame,
  decodeTransaction,
  encodeBatchFrame,
  encodeTransaction,
  fromHex,
  signTransaction,
  splitIntoFrames,
  toHex,
  txHash,
} from "../src/index.js";
import { vectorFile } from "./fixtures.js";


const signer = SecretKey.generate("ed25519");
/** Signed transactions of one account, consecutive nonces (distinct ids). */
const txs = (count, start = 0) =>
  Array.from({ length: count }, (_, k) =>
    signTransaction({ chain_id: "vellum-test", sender: signer.accountId, nonce: BigInt(start + k), expiry_height: 100n, body: bodyFromJson({ type: "vote", proposal: 1 }) }, [signer]),
  );
const u32 = (n) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
};
const cat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
};

/**
 * A validator answering `POST /v1/txs` as a node does: `decide(tx)` is each transaction's answer
 * — null to admit it, or an error code (`["bad_nonce", { expected_nonce: 5 }]` for extra
 * fields). `frames` collects the hashes of each frame received.
 */
const batchNode = (decide, frames = null) => (req, res, body) => {
  if (req.method !== "POST" || req.url !== "/v1/txs") return json(res, 404, { error: { code: "not_found", message: req.url } });
  const got = decodeBatchFrame(body).map(decodeTransaction);
  frames?.push(got.map((tx) => txHash(tx.unsigned)));
  const results = got.map((tx) => {
    const verdict = decide(tx);
    if (verdict === null || verdict === undefined) return { tx_hash: txHash(tx.unsigned), status: "pending" };
    const [code, extra] = Array.isArray(verdict) ? verdict : [verdict, {}];
    return { error: { code, message: `refused: ${code}`, ...extra } };
  });
  json(res, 200, { accepted: results.filter((r) => r.tx_hash).length, results });
};
/** `decide` from a map nonce → answer (absent: admitted). */
const byNonce = (answers) => (tx) => answers[Number(tx.unsigned.nonce)] ?? null;
const hashes = (list) => list.map((tx) => txHash(tx.unsigned));

// ---- the frame ----

test("transactions.json: batch.frame is the first three vectors' transaction_wire, framed; it decodes back", () => {
  const published = vectorFile("transactions.json");
  const { batch } = published;
  assert.deepEqual(
    batch.transactions,
    published.vectors.slice(0, 3).map((v) => v.name),
  );
  const byName = new Map(published.vectors.map((v) => [v.name, v]));
  const wires = batch.transactions.map((name) => fromHex(byName.get(name).transaction_wire));
  assert.equal(toHex(encodeBatchFrame(wires)), batch.frame);
  const decoded = decodeBatchFrame(fromHex(batch.frame));
  assert.deepEqual(decoded.map(toHex), wires.map(toHex));
  assert.deepEqual(
    decoded.map((w) => txHash(decodeTransaction(w).unsigned)),
    batch.transactions.map((name) => byName.get(name).tx_id),
  );
});

test("the frame is borsh Vec<Vec<u8>>; the largest batch and transaction round-trip", () => {
  const frame = encodeBatchFrame([Uint8Array.of(1, 2, 3), new Uint8Array(0), new Uint8Array(300).fill(9)]);
  assert.deepEqual(frame, cat(u32(3), u32(3), Uint8Array.of(1, 2, 3), u32(0), u32(300), new Uint8Array(300).fill(9)));
  assert.deepEqual(decodeBatchFrame(frame).map((w) => w.length), [3, 0, 300]);
  const full = Array.from({ length: SUBMIT_BATCH_TXS_MAX }, (_, i) => new Uint8Array(10).fill(i % 256));
  assert.deepEqual(decodeBatchFrame(encodeBatchFrame(full)), full);
  const biggest = [new Uint8Array(TX_BYTES_MAX).fill(7)];
  assert.deepEqual(decodeBatchFrame(encodeBatchFrame(biggest)), biggest);
});

test("hostile frames are refused with clear DecodeErrors", () => {
  const cases = [
    [new Uint8Array(0), "empty", /empty/],
    [Uint8Array.of(1, 0), "malformed", /count is cut short/],
    [u32(0), "invalid", /at least one transaction/],
    [u32(SUBMIT_BATCH_TXS_MAX + 1), "invalid", /1025 transactions in one batch; at most 1024/],
    [u32(0xffffffff), "invalid", /at most 1024/],
    [cat(u32(1), u32(TX_BYTES_MAX + 1)), "invalid", /transaction 0 is 16385 bytes; at most 16384/],
    [cat(u32(1), u32(0xffffffff)), "invalid", /at most 16384/],
    [cat(u32(1), u32(5), new Uint8Array(4)), "malformed", /transaction 0: 5 bytes announced, 4 left/],
    [cat(u32(2), u32(1), Uint8Array.of(1)), "malformed", /transaction 1: length cut short/],
    [cat(u32(2), u32(1), Uint8Array.of(1), Uint8Array.of(0, 0)), "malformed", /transaction 1: length cut short/],
    [cat(u32(1), u32(2), Uint8Array.of(1, 2), Uint8Array.of(0)), "malformed", /1 bytes after the last transaction/],
    [new Uint8Array(SUBMIT_BATCH_BYTES_MAX + 1), "too_large", new RegExp(`more than the ${SUBMIT_BATCH_BYTES_MAX} allowed`)],
  ];
  for (const [bytes, kind, says] of cases) {
    assert.throws(
      () => decodeBatchFrame(bytes),
      (e) => e instanceof DecodeError && e.kind === kind && says.test(e.message),
      `${kind} ${says}`,
    );
  }
});

test("the encoder refuses what no validator would read", () => {
  const refuses = (wires, path, says) => assert.throws(() => encodeBatchFrame(wires), (e) => e instanceof EncodeError && e.path === path && says.test(e.message));
  refuses([], "batch", /at least one transaction/);
  refuses(Array(SUBMIT_BATCH_TXS_MAX + 1).fill(Uint8Array.of(1)), "batch", /1025 transactions in one batch; at most 1024/);
  refuses([Uint8Array.of(1), Uint8Array.of(2), new Uint8Array(TX_BYTES_MAX + 1)], "batch[2]", /transaction 2 is 16385 bytes; at most 16384/);
  refuses([Uint8Array.of(1), "01"], "batch[1]", /Uint8Array/);
  // 257 transactions of the largest size: a count a validator takes, bytes it does not.
  refuses(Array(257).fill(new Uint8Array(TX_BYTES_MAX)), "batch", new RegExp(`more than the ${SUBMIT_BATCH_BYTES_MAX} allowed`));
});

test("transactions are split into frames a validator takes", () => {
  assert.deepEqual(splitIntoFrames([]), []);
  const frames = splitIntoFrames(Array(2500).fill(100));
  assert.deepEqual(frames.map((f) => f.length), [1024, 1024, 452]);
  assert.deepEqual(frames.flat(), [...Array(2500).keys()], "in order, each once");
  const big = splitIntoFrames(Array(600).fill(TX_BYTES_MAX));
  assert.deepEqual(big.map((f) => f.length), [255, 255, 90]);
  for (const f of big) assert.ok(encodeBatchFrame(Array(f.length).fill(new Uint8Array(TX_BYTES_MAX))).length <= SUBMIT_BATCH_BYTES_MAX);
});

// ---- Pool.submitBatch against validators ----

test("submitBatch: what one validator did not admit goes to the next in one batch; a dead one is skipped", async (t) => {
  const list = txs(5);
  const first = [];
  const third = [];
  const apis = [await node(batchNode(byNonce({ 1: "busy", 3: "unknown_sender" }), first), t), DEAD, await node(batchNode(() => null, third), t)];
  const pool = new Pool(apis);
  const results = await pool.submitBatch(list);
  assert.deepEqual(
    results.map((r) => r.accepted),
    [true, true, true, true, true],
  );
  assert.deepEqual(
    results.map((r) => r.txHash),
    hashes(list),
    "one result per transaction, in order",
  );
  assert.deepEqual(first, [hashes(list)]);
  assert.deepEqual(third, [hashes([list[1], list[3]])], "only the unsettled ones, in one batch");
  assert.deepEqual(
    results.map((r) => r.node),
    [apis[0], apis[2], apis[0], apis[2], apis[0]],
  );
  assert.equal(pool.preferred, 0, "the validator that admitted stays preferred");
});

test("submitBatch: a final refusal is not offered again; a duplicate is accepted", async (t) => {
  const list = txs(4);
  const second = [];
  const pool = new Pool([
    await node(batchNode(byNonce({ 0: "bad_signature", 1: "mempool_full", 2: "duplicate", 3: "malformed" })), t),
    await node(batchNode(() => null, second), t),
  ]);
  const results = await pool.submitBatch(list);
  assert.deepEqual(second, [hashes([list[1]])], "refused for good: asked no further");
  assert.deepEqual(
    results.map((r) => r.accepted),
    [false, true, true, false],
  );
  assert.ok(results[0].error instanceof NodeError && !(results[0].error instanceof NetworkError));
  assert.deepEqual([results[0].error.code, results[0].error.nodeMessage, results[3].error.code], ["bad_signature", "refused: bad_signature", "malformed"]);
});

test("submitBatch: a refusal counts only when every validator refuses; the highest expected nonce wins", async (t) => {
  const list = txs(2);
  const apis = [
    await node(batchNode(byNonce({ 0: ["bad_nonce", { expected_nonce: 3 }], 1: "unknown_sender" })), t),
    await node(batchNode(byNonce({ 0: "missing_role", 1: "unknown_sender" })), t),
    await node(batchNode(byNonce({ 0: ["bad_nonce", { expected_nonce: 5 }] })), t),
  ];
  const results = await new Pool(apis).submitBatch(list);
  assert.equal(results[0].accepted, false);
  assert.deepEqual([results[0].error.code, results[0].error.expectedNonce], ["bad_nonce", 5n]);
  assert.deepEqual([results[1].accepted, results[1].node], [true, apis[2]]);
});

test("submitBatch: no answer is a NetworkError per transaction, never a refusal", async (t) => {
  const list = txs(3);
  const pool = new Pool([
    DEAD,
    await node((req, res) => json(res, 503, { error: { code: "busy", message: "queue full" } }), t),
    await node((req, res) => json(res, 429, { error: { code: "rate_limited", message: "slow down" } }), t),
    await node(batchNode(byNonce({ 0: "busy", 1: "storage", 2: "account_rate_limited" })), t),
    await node((req, res) => json(res, 404, { error: { code: "not_found", message: "no such route" } }), t), // an older validator
    await node((req, res) => json(res, 200, { accepted: 1, results: [{ tx_hash: txHash(list[0].unsigned), status: "pending" }] }), t),
    await node((req, res) => json(res, 200, { accepted: 0, results: [{ error: { code: "bad_nonce", message: "", expected_nonce: 1.5 } }, { nonsense: 1 }, null] }), t),
  ]);
  const results = await pool.submitBatch(list);
  for (const r of results) {
    assert.equal(r.accepted, false);
    assert.ok(r.error instanceof NetworkError, r.error.message);
    assert.equal(r.error.failures.length, 7);
  }
  const f = results[1].error.failures;
  assert.match(f[0], /cannot reach/);
  assert.match(f[1], /HTTP 503 busy/);
  assert.match(f[2], /HTTP 429 rate_limited/);
  assert.match(f[3], /storage/);
  assert.match(f[4], /HTTP 404 not_found/);
  assert.match(f[5], /with 1 answers/);
  assert.match(f[6], /neither an admission nor a refusal/);
  assert.match(results[0].error.failures[6], /unreadable refusal/);
  assert.ok(CONDITIONS.includes("account_rate_limited"));
});

test("submitBatch: an answer naming another transaction is not an admission", async (t) => {
  const list = txs(2);
  const honest = [];
  const apis = [
    await node((req, res) => json(res, 200, { accepted: 2, results: hashes(list).reverse().map((tx_hash) => ({ tx_hash, status: "pending" })) }), t),
    await node(batchNode(() => null, honest), t),
  ];
  const results = await new Pool(apis).submitBatch(list);
  assert.ok(results.every((r) => r.accepted && r.node === apis[1]));
  assert.deepEqual(honest, [hashes(list)]);
});

test("submitBatch: more than 1,024 transactions go in several frames; a validator failing one frame is not asked the others", async (t) => {
  const list = txs(SUBMIT_BATCH_TXS_MAX + 6);
  let failing = 0;
  const frames = [];
  const pool = new Pool([await node((req, res) => (failing++, json(res, 500, { error: { code: "internal", message: "disk" } })), t), await node(batchNode(() => null, frames), t)]);
  const results = await pool.submitBatch(list);
  assert.equal(failing, 1, "one failed frame is enough");
  assert.deepEqual(
    frames.map((f) => f.length),
    [SUBMIT_BATCH_TXS_MAX, 6],
  );
  assert.equal(results.length, list.length);
  assert.ok(results.every((r) => r.accepted));
});

test("submitBatch: wire bytes are taken too; the request is the frame, as application/octet-stream", async (t) => {
  const list = txs(2);
  let seen = null;
  const api = await node((req, res, body) => {
    seen = { method: req.method, url: req.url, type: req.headers["content-type"], body };
    json(res, 200, { accepted: 2, results: hashes(list).map((tx_hash) => ({ tx_hash, status: "pending" })) });
  }, t);
  const vellum = new Vellum({ apis: [api] });
  const results = await vellum.submitBatch(list.map(encodeTransaction));
  assert.ok(results.every((r) => r.accepted));
  assert.deepEqual([seen.method, seen.url, seen.type], ["POST", "/v1/txs", "application/octet-stream"]);
  assert.deepEqual(seen.body, encodeBatchFrame(list.map(encodeTransaction)));
});

test("submitBatch: bad input is refused before anything is sent", async (t) => {
  const list = txs(3);
  let requests = 0;
  const pool = new Pool([await node((req, res) => (requests++, json(res, 500, {})), t)]);
  const refuses = (input, check) => assert.rejects(pool.submitBatch(input), check);
  await refuses([list[0], { ...list[1], signatures: [] }, list[2]], (e) => e instanceof DecodeError && /^transaction 1 of the batch: invalid: transaction carries no signature/.test(e.message));
  await refuses([list[0], list[1], { ...list[2], signatures: Array(17).fill(list[2].signatures[0]) }], (e) => e instanceof DecodeError && /transaction 2 of the batch: .*more than 16 signatures/.test(e.message));
  await refuses([encodeTransaction(list[0]), new Uint8Array(TX_BYTES_MAX + 1)], (e) => e instanceof DecodeError && e.kind === "too_large" && /^transaction 1 of the batch/.test(e.message));
  await refuses([Uint8Array.of(1, 2, 3)], (e) => e instanceof DecodeError && /^transaction 0 of the batch/.test(e.message));
  await refuses([list[0], "not a transaction"], (e) => /transaction 1 of the batch: not a signed transaction/.test(e.message));
  await refuses("abc", /array/);
  assert.equal(requests, 0, "nothing was sent");
  assert.deepEqual(await pool.submitBatch([]), []);
  assert.equal(requests, 0);
});

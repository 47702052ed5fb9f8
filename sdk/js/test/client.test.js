// The client behaviour of docs/client.md under faults a real devnet rarely shows on demand
// (a 5xx, a 429, a stalled node, a lying node, a stream cut mid-block). Each "validator" is a
// real HTTP server on 127.0.0.1 answering as scripted; the e2e test drives real validators.

import { test } from "node:test";
import assert from "node:assert/strict";
import { DEAD, json, node } from "./servers.js";
import { AgreementError, NetworkError, Pool, SecretKey, bodyFromJson, followEvents, parseSse, signTransaction, txHash, txKey } from "../src/index.js";

const refusal = (code, extra = {}) => ({ error: { code, message: `refused: ${code}`, ...extra } });

const key = SecretKey.generate("ed25519");
const tx = signTransaction({ chain_id: "c", sender: key.accountId, nonce: 0n, expiry_height: 9n, body: bodyFromJson({ type: "vote", proposal: 1 }) }, [key]);

test("failover: a 503, a refused connection and a 429 are passed over; the preference sticks", async (t) => {
  const hits = { ok: 0 };
  const apis = [
    await node((req, res) => json(res, 503, refusal("busy")), t),
    DEAD,
    await node((req, res) => json(res, 429, refusal("rate_limited")), t),
    await node((req, res) => (hits.ok++, json(res, 200, { height: 5 })), t),
  ];
  const pool = new Pool(apis);
  assert.equal((await pool.getJson("/v1/status")).height, 5);
  assert.equal(pool.preferred, 3);
  await pool.getJson("/v1/status");
  assert.equal(hits.ok, 2, "the next request goes straight to the validator that answered");
  await assert.rejects(new Pool(apis.slice(0, 3)).get("/v1/status"), (e) => e instanceof NetworkError && e.failures.length === 3);
});

test("a stalled validator (accepts, never answers) is left after the response timeout", { timeout: 20_000 }, async (t) => {
  const apis = [await node(() => {}, t), await node((req, res) => json(res, 200, { height: 1 }), t)];
  const start = Date.now();
  assert.equal((await new Pool(apis).getJson("/v1/status")).height, 1);
  assert.ok(Date.now() - start >= 4_900, "waited for the response-head timeout");
});

test("submission: a duplicate is an acceptance; a refusal counts only when every validator refuses", async (t) => {
  const seen = [];
  const refuse = (code, extra) => async (req, res) => (seen.push(code), json(res, 400, refusal(code, extra)));
  const dup = new Pool([await node(refuse("unknown_sender"), t), await node((req, res) => json(res, 409, refusal("duplicate")), t)]);
  assert.deepEqual(await dup.submit(tx), { accepted: true, txHash: txHash(tx.unsigned) });
  assert.equal(dup.preferred, 1);
  const all = new Pool([
    await node(refuse("bad_nonce", { expected_nonce: 3 }), t),
    await node(refuse("missing_role"), t),
    await node(refuse("bad_nonce", { expected_nonce: 5 }), t),
  ]);
  const r = await all.submit(tx);
  assert.equal(r.accepted, false);
  assert.equal(r.error.code, "bad_nonce");
  assert.equal(r.error.expectedNonce, 5n, "the most advanced validator's view wins");
  seen.length = 0;
  const malformed = new Pool([await node(refuse("malformed"), t), await node(refuse("unknown_sender"), t)]);
  assert.equal((await malformed.submit(tx)).error.code, "malformed");
  assert.deepEqual(seen, ["malformed"], "refused everywhere: the others are not asked");
});

test("verified reads: f + 1 matching answers; a lying validator is outvoted; disagreement is an error", { timeout: 20_000 }, async (t) => {
  const finalized = { status: "finalized", height: 7, index: 0, log_index: 3 };
  const answer = (body, status = 200) => (req, res) => json(res, status, body);
  const pool = new Pool([
    await node(answer({ ...finalized, height: 8 }), t), // lying
    await node(answer(finalized), t),
    await node(answer({ status: "pending" }), t),
    await node(answer(finalized), t),
  ]);
  const agreed = await pool.agreedGet("/v1/tx/ab", txKey);
  assert.deepEqual([agreed.body.height, agreed.matching], [7, 2]);
  assert.notEqual(pool.preferred, 0, "later reads go to a validator that gave the agreed answer");
  const split = new Pool([await node(answer({ ...finalized, height: 1 }), t), await node(answer({ ...finalized, height: 2 }), t), await node(answer({ ...finalized, height: 3 }), t), await node(answer(refusal("busy"), 503), t)]);
  await assert.rejects(split.agreedGet("/v1/tx/ab", txKey), AgreementError);
});

test("verified reads: validators a block behind a fresh write do not outvote it with refusals", { timeout: 20_000 }, async (t) => {
  const lagging = () => {
    let served = 0;
    return (req, res) => (served++ < 2 ? json(res, 403, refusal("forbidden")) : json(res, 200, { account: { next_nonce: 1 } }));
  };
  const pool = new Pool([await node(lagging(), t), await node(lagging(), t), await node((req, res) => json(res, 200, { account: { next_nonce: 1 } }), t), DEAD]);
  const agreed = await pool.agreedGet("/v1/account/x");
  assert.equal(agreed.status, 200, "two lagging refusals must not win over the write");
  // Where no validator has the record, the agreed refusal stands at once.
  const nobody = (req, res) => json(res, 403, refusal("forbidden"));
  const start = Date.now();
  const refused = await new Pool([await node(nobody, t), await node(nobody, t), await node(nobody, t), DEAD]).agreedGet("/v1/account/x");
  assert.equal(refused.status, 403);
  assert.ok(Date.now() - start < 4_000, "an agreed refusal nobody contradicts is not delayed");
});

test("SSE parsing across chunk boundaries, comments and multi-line data", async () => {
  const text = ': keep-alive\n\nevent: tx\ndata: {"a":\ndata: 1}\n\nevent: block\nid: 4\r\ndata: {"height":4}\n\n';
  const chunks = [text.slice(0, 7), text.slice(7, 30), text.slice(30)];
  const stream = new ReadableStream({
    start(c) {
      for (const chunk of chunks) c.enqueue(new TextEncoder().encode(chunk));
      c.close();
    },
  });
  const events = [];
  for await (const e of parseSse(stream)) events.push(e);
  assert.deepEqual(events, [
    { event: "tx", id: null, data: '{"a":\n1}' },
    { event: "block", id: "4", data: '{"height":4}' },
  ]);
});

test("events: a stream cut mid-block resumes with Last-Event-ID, without yielding an event twice", { timeout: 20_000 }, async (t) => {
  const lastIds = [];
  const sse = (res, lines) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.end(lines.join(""));
  };
  let connection = 0;
  const api = await node((req, res) => {
    lastIds.push(req.headers["last-event-id"] ?? null);
    connection++;
    if (connection === 1) {
      // Block 4 in full, then block 5's first event, then the connection breaks.
      sse(res, ['event: block\nid: 4\ndata: {"height":4}\n\n', 'event: tx\ndata: {"tx_hash":"aa"}\n\n']);
    } else {
      // The node resumes after block 4: block 5 again from its start.
      sse(res, ['event: tx\ndata: {"tx_hash":"aa"}\n\n', 'event: payment\ndata: {"tx_hash":"aa"}\n\n', 'event: block\nid: 5\ndata: {"height":5}\n\n']);
    }
  }, t);
  const abort = new AbortController();
  const got = [];
  for await (const e of followEvents(new Pool([api]), { signal: abort.signal })) {
    got.push(`${e.event}${e.id === null ? "" : `#${e.id}`}`);
    if (e.event === "block" && e.id === 5n) abort.abort();
  }
  assert.deepEqual(got, ["block#4", "tx", "payment", "block#5"]);
  assert.deepEqual(lastIds, [null, "4"]);
});

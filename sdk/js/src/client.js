// The client behaviour of docs/client.md (reference: crates/cli/src/client/): every validator
// of the client config behind one pool, with failover on a connection error, a timeout, a 5xx
// or a 429; idempotent submission (a `duplicate` is an acceptance) whose refusal counts only
// when every validator refuses (except the four codes every honest validator gives alike);
// waiting for finality with resubmission of the same bytes while no validator knows the
// transaction; gap-free nonces; reads a user acts on agreed by f + 1 validators; signed reads;
// the freshest valid answer of all validators (status proofs), where agreement cannot apply;
// batch submission (`POST /v1/txs`), the same rules per transaction.
// Browser-safe: `fetch` and AbortController only.

import { AgreementError, NetworkError, NodeError, OutcomeUnknownError, RejectedError, VellumError } from "./errors.js";
import { parseJson, stringifyJson } from "./json.js";
import { fromHex, isBytes, toHex } from "./bytes.js";
import { signedHeaders } from "./request.js";
import { checkShape, decodeTransaction, encodeTransaction, signTransaction, txHash } from "./tx.js";
import { encodeBatchFrame, splitIntoFrames } from "./batch.js";

/** How long a validator may take to start answering (a connect included): a stopped one never does. */
export const RESPONSE_TIMEOUT_MS = 5_000;
/** Whole-request bound, large bodies included. */
export const REQUEST_TIMEOUT_MS = 60_000;
/** How long no validator may know a submitted transaction before it is submitted again. */
export const RESUBMIT_AFTER_MS = 2_000;
/** Pause between status polls. */
export const POLL_INTERVAL_MS = 50;
/** How long validators may disagree (some a block behind) before a verified read fails. */
export const AGREEMENT_WAIT_MS = 5_000;
const AGREEMENT_RETRY_MS = 100;
/** How long a transaction may take to be final before its outcome is reported unknown. */
export const FINALITY_TIMEOUT_MS = 120_000;
/** Blocks a transaction stays valid for (the CLI's). */
export const EXPIRY_BLOCKS = 100_000n;
/** Most nonces one send tries: each failed try means another transaction took the nonce. */
const NONCE_ATTEMPTS_MAX = 8;
/** Pause before offering again a nonce another pending transaction of the account holds. */
const NONCE_TAKEN_RETRY_MS = 500;
/** Largest answer body read (bundles and receipts are at most 64 KiB; originals are larger). */
const ANSWER_BYTES_MAX = 64 * 1024 * 1024;

/** Refusals every honest validator gives alike, whatever its view: the bytes themselves are wrong. */
export const REFUSED_EVERYWHERE = ["malformed", "too_large", "bad_signature", "wrong_chain"];
/**
 * Codes of a batch answer (`POST /v1/txs`, which has no per-transaction HTTP status) that
 * describe the validator's condition, not the transaction: it goes to another validator.
 */
export const CONDITIONS = ["busy", "storage", "internal", "mempool_full", "account_rate_limited", "rate_limited"];
/** Refusals of a resubmission that mean the transaction can never apply. */
const REFUSED_FOR_GOOD = ["bad_nonce", "expired", ...REFUSED_EVERYWHERE];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A node's answer: status, body bytes, and the body as (lossless) JSON. */
class Answer {
  constructor(status, body) {
    this.status = status;
    this.body = body;
  }
  get json() {
    try {
      return parseJson(new TextDecoder().decode(this.body));
    } catch {
      return null;
    }
  }
}

/** The node's error body as a NodeError. */
export function nodeError(answer, node) {
  const e = answer.json?.error ?? {};
  const expected = e.expected_nonce;
  return new NodeError({
    code: e.code ?? "unknown",
    status: answer.status,
    message: e.message ?? "",
    expectedNonce: expected === undefined || expected === null ? null : BigInt(expected),
    node,
  });
}

/** One validator's API. */
export class Node {
  constructor(base, { fetch = globalThis.fetch } = {}) {
    this.base = base.replace(/\/+$/, "");
    // Called as a plain function: a browser's fetch refuses any other `this` than the window.
    this.fetch = (...args) => fetch(...args);
  }

  /**
   * One HTTP request; resolves to an Answer whatever the status, rejects when the node does
   * not answer (connection error, no response head within RESPONSE_TIMEOUT_MS, or the whole
   * request over REQUEST_TIMEOUT_MS). `signal` cancels it.
   */
  async request(method, path, { headers = {}, body = null, signal = null } = {}) {
    const abort = new AbortController();
    const cancel = () => abort.abort(new Error("cancelled"));
    signal?.addEventListener("abort", cancel, { once: true });
    if (signal?.aborted) cancel();
    const headTimer = setTimeout(() => abort.abort(new Error(`no answer within ${RESPONSE_TIMEOUT_MS} ms`)), RESPONSE_TIMEOUT_MS);
    const wholeTimer = setTimeout(() => abort.abort(new Error(`request not done within ${REQUEST_TIMEOUT_MS} ms`)), REQUEST_TIMEOUT_MS);
    try {
      const res = await this.fetch(`${this.base}${path}`, { method, headers, body, signal: abort.signal });
      clearTimeout(headTimer);
      if (Number(res.headers.get("content-length") ?? 0) > ANSWER_BYTES_MAX) throw new Error(`answer over ${ANSWER_BYTES_MAX} bytes`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (bytes.length > ANSWER_BYTES_MAX) throw new Error(`answer over ${ANSWER_BYTES_MAX} bytes`);
      return new Answer(res.status, bytes);
    } catch (e) {
      const why = abort.signal.aborted ? abort.signal.reason?.message : (e.cause?.code ?? e.cause?.message ?? e.message);
      throw new Error(`cannot reach ${this.base}: ${why}`);
    } finally {
      clearTimeout(headTimer);
      clearTimeout(wholeTimer);
      signal?.removeEventListener("abort", cancel);
    }
  }

  get(path, options) {
    return this.request("GET", path, options);
  }

  /** A request signed with an account key (a fresh timestamp and nonce each time). */
  signed(method, path, key, chainId, { body = new Uint8Array(0), signal = null, account = null } = {}) {
    const headers = signedHeaders(key, { chainId, method, pathAndQuery: path, body, account });
    if (method !== "GET" && method !== "DELETE") headers["content-type"] = "application/octet-stream";
    return this.request(method, path, { headers, body: method === "GET" || method === "DELETE" ? null : body, signal });
  }

  /** POSTs a signed transaction's wire bytes. */
  submit(wire) {
    return this.request("POST", "/v1/tx", { headers: { "content-type": "application/octet-stream" }, body: wire });
  }

  /** POSTs a batch frame (`encodeBatchFrame`) to `/v1/txs`. */
  submitBatch(frame) {
    return this.request("POST", "/v1/txs", { headers: { "content-type": "application/octet-stream" }, body: frame });
  }
}

/** Whether an answer is a vote / a usable answer: an overloaded (429) or failing (5xx) node said nothing. */
const counts = (status) => status < 500 && status !== 429;

/** Comparison key of a transaction status: where it was finalized, or that it is not. */
export function txKey(status, body) {
  const s = body?.status;
  if (s === "finalized") return ["finalized", body.height, body.index, body.log_index];
  if (typeof s === "string") return ["unsettled", s];
  return ["unsettled", status, body?.error?.code ?? null];
}
/**
 * Comparison key of a whole answer (balances: every field is chain state). A refusal is not
 * settled: a validator a block behind refuses what it has not applied yet.
 */
export const wholeKey = (status, body) => (status >= 200 && status < 300 ? [status, body] : ["unsettled", status, body?.error?.code ?? null]);
/** Comparison key of a proof read: the record and status, not the node-local audit trail. */
export function proofKey(status, body) {
  if (status < 200 || status >= 300) return wholeKey(status, body);
  if (body === null || typeof body !== "object") return [status, body];
  const { audit, audit_on_ledger, ...rest } = body;
  return [status, rest];
}
/**
 * Comparison key of who read an account (`/v1/account/{id}/reads`): the reads finalized on the
 * ledger, not the answering node's own `pending` ones (each node records the reads it serves).
 */
export function readsKey(status, body) {
  if (status < 200 || status >= 300) return wholeKey(status, body);
  if (body === null || typeof body !== "object") return [status, body];
  const { pending, ...rest } = body;
  return [status, rest];
}
const settles = (key) => key[0] !== "unsettled";

/**
 * Every validator behind one client. Requests go to a preferred validator and move on to the
 * next on a connection error, a timeout, a 5xx or a 429; the preference then sticks to the
 * validator that answered. `genesisHash` (hex) pins the chain: a node answering with another
 * genesis is refused.
 */
export class Pool {
  constructor(apis, { fetch = globalThis.fetch, genesisHash = null, chainId = null } = {}) {
    if (!Array.isArray(apis) || apis.length === 0) throw new VellumError("a pool needs at least one validator API address");
    this.nodes = apis.map((a) => new Node(a, { fetch }));
    this.preferred = 0;
    this.genesisHash = genesisHash ? genesisHash.toLowerCase() : null;
    this.chainId = chainId;
  }

  /** Faults tolerated: f with n = 3f + 1 (so f + 1 matching answers include an honest one). */
  get faultsTolerated() {
    return Math.floor((this.nodes.length - 1) / 3);
  }

  /** The validator requests go to first. */
  get base() {
    return this.nodes[this.preferred].base;
  }

  prefer(i) {
    this.preferred = i % this.nodes.length;
  }

  /** Validator indices, the preferred one first, then around the list. */
  order() {
    const n = this.nodes.length;
    return Array.from({ length: n }, (_, k) => (this.preferred + k) % n);
  }

  /** Runs `call` on each validator in order until one answers below 500 and not 429. */
  async firstAnswer(what, call) {
    const failures = [];
    for (const i of this.order()) {
      const node = this.nodes[i];
      try {
        const answer = await call(node);
        if (counts(answer.status)) {
          this.prefer(i);
          return answer;
        }
        failures.push(`${node.base}: HTTP ${answer.status}`);
      } catch (e) {
        failures.push(e.message);
      }
    }
    throw new NetworkError(`no validator answered ${what} (tried ${this.nodes.length})`, failures);
  }

  /** A public GET with failover; resolves to the Answer. */
  get(path) {
    return this.firstAnswer(path, (n) => n.get(path));
  }

  /** A GET signed with `key` (signed afresh for each validator: each keeps its own replay window). */
  async getSigned(path, key, { account = null } = {}) {
    const chainId = await this.chainIdentity();
    return this.firstAnswer(path, (n) => n.signed("GET", path, key, chainId, { account }));
  }

  /** A public GET whose 200 JSON body is returned; anything else is a NodeError. */
  async getJson(path) {
    const a = await this.get(path);
    if (a.status !== 200) throw nodeError(a, this.base);
    return a.json;
  }

  /** A signed GET whose 200 JSON body is returned; anything else is a NodeError. */
  async getSignedJson(path, key, options) {
    const a = await this.getSigned(path, key, options);
    if (a.status !== 200) throw nodeError(a, this.base);
    return a.json;
  }

  /** A signed GET of binary data (a bundle, a receipt). */
  async getSignedBytes(path, key, options) {
    const a = await this.getSigned(path, key, options);
    if (a.status !== 200) throw nodeError(a, this.base);
    return a.body;
  }

  /** The node's status (chain id, genesis hash, height…), refused if it runs another chain than the pinned one. */
  async status() {
    const s = await this.getJson("/v1/status");
    if (this.genesisHash && s.genesis_hash !== this.genesisHash) {
      throw new VellumError(`node ${this.base} runs another chain (genesis ${s.genesis_hash}), not the pinned ${this.genesisHash}`);
    }
    this.chainId ??= s.chain_id;
    return s;
  }

  /** The chain id (from the config, else asked once). */
  async chainIdentity() {
    if (this.chainId === null) await this.status();
    return this.chainId;
  }

  /**
   * Offers a signed transaction to the validators until one admits it. `{ accepted: true }`
   * for an acceptance (a `duplicate` is one: the same bytes have the same id), else the most
   * telling refusal, once every validator that answered refused (see REFUSED_EVERYWHERE).
   * Rejects with a NetworkError when no validator answered.
   */
  async submit(tx) {
    const wire = encodeTransaction(tx);
    const hash = txHash(tx.unsigned);
    const failures = [];
    let refusal = null;
    for (const i of this.order()) {
      const node = this.nodes[i];
      let answer;
      try {
        answer = await node.submit(wire);
      } catch (e) {
        failures.push(e.message);
        continue;
      }
      if (answer.status === 202) {
        this.prefer(i);
        return { accepted: true, txHash: answer.json?.tx_hash ?? hash };
      }
      const error = nodeError(answer, node.base);
      if (error.code === "duplicate") {
        this.prefer(i);
        return { accepted: true, txHash: hash };
      }
      if (answer.status >= 500 || answer.status === 429) {
        failures.push(`${node.base}: HTTP ${answer.status} ${error.code}`);
        continue;
      }
      refusal = refusal === null ? error : moreTelling(refusal, error);
      if (REFUSED_EVERYWHERE.includes(error.code)) break;
    }
    if (refusal) return { accepted: false, error: refusal };
    throw new NetworkError(`no validator answered the submission of ${hash} (tried ${this.nodes.length})`, failures);
  }

  /**
   * `submit` for many transactions at once: `POST /v1/txs` (docs/wire-format.md §12.4) in
   * frames of at most 1,024 transactions and 4 MiB, the same rules for each transaction. A
   * validator's answer admits it (`duplicate` too), refuses it for good (REFUSED_EVERYWHERE:
   * asked no further), refuses it by its view (the refusal is kept and the next validator
   * asked) or names its own condition (CONDITIONS: the next validator is asked). What one
   * validator did not settle goes to the next one, in one batch; a validator that does not
   * answer (or answers the frame with anything but 200 and one answer per transaction) is
   * passed over for all of them.
   *
   * `txs`: signed transactions, or their wire bytes. Resolves to one result per transaction,
   * in order: `{ accepted: true, txHash, node }`, or `{ accepted: false, txHash, error }` where
   * `error` is a NodeError (every validator that answered refused it; `code`, `nodeMessage`,
   * `expectedNonce`) or a NetworkError (no validator answered for it; resubmitting is safe).
   * A transaction that cannot be encoded or breaks the shape rules (over 16,384 bytes, no
   * signature…) throws its EncodeError / DecodeError, naming it, before anything is sent.
   */
  async submitBatch(txs) {
    if (!Array.isArray(txs)) throw new VellumError("submitBatch takes an array of signed transactions (or their wire bytes)");
    const wires = [];
    const hashes = [];
    txs.forEach((tx, i) => {
      try {
        if (isBytes(tx)) {
          hashes.push(txHash(decodeTransaction(tx).unsigned));
          wires.push(tx);
        } else {
          if (tx === null || typeof tx !== "object" || !Array.isArray(tx.signatures)) throw new VellumError("not a signed transaction");
          const wire = encodeTransaction(tx);
          checkShape(tx, wire.length);
          hashes.push(txHash(tx.unsigned));
          wires.push(wire);
        }
      } catch (e) {
        if (e instanceof VellumError) e.message = `transaction ${i} of the batch: ${e.message}`;
        throw e;
      }
    });
    const results = txs.map(() => null);
    const refusals = txs.map(() => null);
    const failures = txs.map(() => []);
    let open = txs.map((_, t) => t);
    let preferred = false;
    for (const i of this.order()) {
      const node = this.nodes[i];
      // A validator that gave no usable answer to one frame is not asked the others.
      let down = null;
      for (const frame of splitIntoFrames(open.map((t) => wires[t].length))) {
        const batch = frame.map((k) => open[k]);
        const answers =
          down ??
          (await submitFrame(
            node,
            batch.map((t) => wires[t]),
            batch.map((t) => hashes[t]),
          ));
        if (typeof answers === "string") {
          down = answers;
          for (const t of batch) failures[t].push(`${node.base}: ${answers}`);
          continue;
        }
        batch.forEach((t, k) => {
          const a = answers[k];
          if (typeof a === "string") {
            failures[t].push(`${node.base}: ${a}`);
          } else if (a === true || a.code === "duplicate") {
            results[t] = { accepted: true, txHash: hashes[t], node: node.base };
            if (!preferred) {
              // The preference moves to the first validator that admitted one.
              this.prefer(i);
              preferred = true;
            }
          } else if (CONDITIONS.includes(a.code)) {
            failures[t].push(`${node.base}: ${a.code}: ${a.nodeMessage}`);
          } else {
            refusals[t] = refusals[t] === null ? a : moreTelling(refusals[t], a);
            if (REFUSED_EVERYWHERE.includes(a.code)) results[t] = { accepted: false, txHash: hashes[t], error: refusals[t] };
          }
        });
      }
      open = open.filter((t) => results[t] === null);
      if (open.length === 0) break;
    }
    for (const t of open) {
      results[t] =
        refusals[t] !== null
          ? { accepted: false, txHash: hashes[t], error: refusals[t] }
          : { accepted: false, txHash: hashes[t], error: new NetworkError(`no validator answered the submission of ${hashes[t]} (tried ${this.nodes.length})`, failures[t]) };
    }
    return results;
  }

  /** One status read: agreed by f + 1 validators (`verify`) or the first answer. */
  async readStatus(hash, verify) {
    if (verify) return (await this.agreedGet(`/v1/tx/${hash}`, txKey)).body;
    return (await this.get(`/v1/tx/${hash}`)).json;
  }

  /** Whether any validator holds `hash` pending or has finalized it ("rejected" is one builder's view). */
  async heldElsewhere(hash) {
    const answers = await Promise.allSettled(this.nodes.map((n) => n.get(`/v1/tx/${hash}`)));
    return answers.some((a) => a.status === "fulfilled" && ["pending", "finalized"].includes(a.value.json?.status));
  }

  /**
   * Waits until `tx` (submitted once) is finalized or rejected, resubmitting the same bytes
   * whenever no validator has known it for RESUBMIT_AFTER_MS. Resolves to `{ final: status }`
   * or `{ refused: NodeError }` (a resubmission refused for good and not finalized); rejects
   * with OutcomeUnknownError after `timeoutMs`.
   */
  async waitFinal(tx, { timeoutMs = FINALITY_TIMEOUT_MS, verify = true } = {}) {
    const hash = txHash(tx.unsigned);
    const start = Date.now();
    let knownAt = Date.now();
    let last = "no answer yet";
    while (Date.now() - start <= timeoutMs) {
      try {
        const v = await this.readStatus(hash, verify);
        const s = v?.status;
        if (s === "finalized") return { final: v };
        if (s === "rejected" && !(await this.heldElsewhere(hash))) return { final: v };
        if (s === "pending" || s === "rejected") knownAt = Date.now();
        else if (Date.now() - knownAt >= RESUBMIT_AFTER_MS) {
          const refused = await this.resubmit(tx, hash, verify);
          if (refused) return { refused };
          knownAt = Date.now();
        }
        last = stringifyJson(v);
      } catch (e) {
        if (!(e instanceof NetworkError || e instanceof AgreementError)) throw e;
        last = e.message;
      }
      await sleep(POLL_INTERVAL_MS);
    }
    throw new OutcomeUnknownError(`transaction ${hash} not final after ${Math.round(timeoutMs / 1000)} s; its outcome is unknown, resubmitting it is safe (last answer: ${last})`, hash);
  }

  /** Submits `tx` again; the refusal only if it is for good and the transaction is not finalized. */
  async resubmit(tx, hash, verify) {
    let r;
    try {
      r = await this.submit(tx);
    } catch (e) {
      if (e instanceof NetworkError) return null; // retried at the next round
      throw e;
    }
    if (r.accepted) return null;
    const { code, expectedNonce } = r.error;
    const nonceUsed = code === "bad_nonce" && expectedNonce !== null && expectedNonce > tx.unsigned.nonce;
    if (!REFUSED_FOR_GOOD.includes(code) || (code === "bad_nonce" && !nonceUsed)) return null;
    // Refused now, yet maybe finalized meanwhile: the status decides.
    try {
      if ((await this.readStatus(hash, verify))?.status === "finalized") return null;
    } catch {
      // An unsettled read: the refusal stands.
    }
    return r.error;
  }

  /**
   * Signs `body` for `sender` with every key of `signers` at the account's next nonce, submits
   * it and waits until it is final. The nonce is learnt from `bad_nonce` refusals (the highest
   * expected one); when another pending transaction holds it (`nonce_taken`) the send waits
   * rather than signing past an open nonce, so it never leaves a gap. Resolves to the final
   * status (`tx_hash`, `height`, `index`, `log_index`) and the signed transaction; rejects with
   * RejectedError, NodeError (refused by every validator), OutcomeUnknownError or NetworkError.
   */
  async send(body, { signers, sender = null, nonce = 0n, timeoutMs = FINALITY_TIMEOUT_MS, verify = true, expiryBlocks = EXPIRY_BLOCKS } = {}) {
    if (!Array.isArray(signers) || signers.length === 0) throw new VellumError("send needs at least one signing key");
    const from = sender === null ? signers[0].accountId : typeof sender === "string" ? fromHex(sender, 32, "sender") : sender;
    const status = await this.status();
    const height = BigInt(status.height);
    const deadline = Date.now() + timeoutMs;
    let next = BigInt(nonce);
    for (let tried = 0; tried < NONCE_ATTEMPTS_MAX; ) {
      if (Date.now() > deadline) throw new OutcomeUnknownError(`nonce ${next} of account ${toHex(from)} stayed held by another pending transaction`, null);
      const unsigned = { chain_id: status.chain_id, sender: from, nonce: next, expiry_height: height + expiryBlocks, body };
      const tx = signTransaction(unsigned, signers);
      const outcome = await this.submitAndWait(tx, { timeoutMs: Math.max(0, deadline - Date.now()), verify });
      if (outcome.final) return { ...outcome.final, tx };
      const e = outcome.refused;
      if (e.code === "bad_nonce" && e.expectedNonce !== null && e.expectedNonce > next) {
        next = e.expectedNonce;
        tried++;
      } else if (e.code === "nonce_taken") {
        await sleep(NONCE_TAKEN_RETRY_MS);
      } else {
        throw e;
      }
    }
    throw new VellumError("could not find a usable nonce (the account has many pending transactions)");
  }

  /**
   * Submits a signed transaction and waits for it: `{ final }` or `{ refused }`; a rejection
   * by the block builders is a RejectedError.
   */
  async submitAndWait(tx, { timeoutMs = FINALITY_TIMEOUT_MS, verify = true } = {}) {
    const r = await this.submit(tx);
    const outcome = r.accepted ? await this.waitFinal(tx, { timeoutMs, verify }) : { refused: r.error };
    if (outcome.final?.status === "rejected") {
      const f = outcome.final;
      throw new RejectedError({ code: f.code ?? "rejected", status: 200, message: `transaction ${txHash(tx.unsigned)} rejected: ${f.message ?? ""}`, node: this.base });
    }
    return outcome;
  }

  /**
   * Asks every validator at once; resolves to the answers (with the validator's index) as soon
   * as the preferred validator has been heard and `enough(answers)` holds, or all were heard.
   * Requests still in flight are cancelled.
   */
  gather(call, enough) {
    const cancel = new AbortController();
    const preferred = this.preferred;
    return new Promise((resolve) => {
      const answers = [];
      let heard = 0;
      let preferredHeard = false;
      let done = false;
      const finish = () => {
        done = true;
        cancel.abort();
        resolve(answers);
      };
      this.nodes.forEach((node, i) => {
        call(node, cancel.signal)
          .then((a) => (counts(a.status) ? answers.push([i, a]) : null))
          .catch(() => null)
          .finally(() => {
            if (done) return;
            heard++;
            preferredHeard ||= i === preferred;
            if ((preferredHeard && enough(answers)) || heard === this.nodes.length) finish();
          });
      });
    });
  }

  /**
   * The answer f + 1 validators agree on, comparing `project(status, json)`; a negative answer
   * ("unknown", "pending") only once every validator has been heard. Retried while they
   * disagree, for AGREEMENT_WAIT_MS. Resolves to `{ status, body, matching, answered }`.
   */
  async agreed(what, call, project) {
    const need = this.faultsTolerated + 1;
    const start = Date.now();
    const keyOf = (a) => stringifyJson(project(a.status, a.json));
    const majority = (answers) => {
      let best = null;
      for (const [, a] of answers) {
        const k = keyOf(a);
        const count = answers.filter(([, o]) => keyOf(o) === k).length;
        const positive = settles(project(a.status, a.json));
        if (!best || count > best.count || (count === best.count && positive && !best.positive)) best = { key: k, count, positive };
      }
      return best;
    };
    for (;;) {
      const answers = await this.gather(call, (as) => {
        const m = majority(as);
        return m !== null && m.count >= need && m.positive;
      });
      const best = majority(answers);
      // A negative majority while some validator already answers positively is validators still
      // behind a fresh write: wait for them, up to the bound (a lying positive answer only delays).
      const behind = best && !best.positive && answers.some(([, a]) => settles(project(a.status, a.json)));
      if (best && best.count >= need && (!behind || Date.now() - start >= AGREEMENT_WAIT_MS)) {
        // Of the agreeing answers, the preferred validator's; later reads go to one that has it.
        const agreeing = answers.filter(([, a]) => keyOf(a) === best.key);
        const [node, a] = agreeing.find(([i]) => i === this.preferred) ?? agreeing.sort(([x], [y]) => x - y)[0];
        this.prefer(node);
        return { status: a.status, body: a.json, bytes: a.body, matching: best.count, answered: answers.length };
      }
      if (Date.now() - start >= AGREEMENT_WAIT_MS) {
        if (answers.length < need) {
          throw new AgreementError(`only ${answers.length} of ${this.nodes.length} validators answered ${what}; a verified read needs ${need} matching answers`);
        }
        throw new AgreementError(`validators disagree on ${what}: at most ${best ? best.count : 0} of ${answers.length} answers match, ${need} needed (a validator is lagging or lying)`);
      }
      await sleep(AGREEMENT_RETRY_MS);
    }
  }

  /** A public GET agreed by f + 1 validators. */
  agreedGet(path, project = wholeKey) {
    return this.agreed(path, (n, signal) => n.get(path, { signal }), project);
  }

  /** A signed GET agreed by f + 1 validators (each request signed afresh). */
  async agreedSigned(path, key, project = wholeKey, { account = null } = {}) {
    const chainId = await this.chainIdentity();
    return this.agreed(path, (n, signal) => n.signed("GET", path, key, chainId, { signal, account }), project);
  }

  /**
   * Asks every validator for `path` at once and keeps the freshest valid answer: `verify(bytes)`
   * checks each 200 body (throwing when it is invalid) and returns what it proves, with the
   * `height` it proves it at; the highest height wins (ties: the validator first in `order()`),
   * so a lagging or faulty validator cannot hide a newer state while an honest one has it.
   * Resolves to `{ bytes, result, node, failures }` (`failures`: each validator that gave no
   * valid answer, and why; a valid but older answer is not a failure, only not the freshest);
   * rejects with a NetworkError listing each validator's failure when none gave a valid answer.
   */
  async freshest(path, verify) {
    const tried = await Promise.all(this.nodes.map((node) => freshAnswer(node, path, verify)));
    let best = null;
    const failures = [];
    for (const i of this.order()) {
      const t = tried[i];
      if (t.failure) failures.push(t.failure);
      else if (best === null || t.height > best.height) best = { ...t, index: i };
    }
    if (best === null) throw new NetworkError(`no validator gave a valid answer to ${path} (tried ${this.nodes.length})`, failures);
    this.prefer(best.index);
    return { bytes: best.bytes, result: best.result, node: this.nodes[best.index].base, failures };
  }

  /** A signed read agreed by f + 1 validators (or the first answer when `verify` is false); its 200 JSON body. */
  async verifiedJson(path, key, { project = wholeKey, verify = true, account = null } = {}) {
    const a = verify ? await this.agreedSigned(path, key, project, { account }) : await this.getSigned(path, key, { account });
    const status = a.status;
    const body = verify ? a.body : a.json;
    if (status !== 200) throw nodeError({ status, json: body }, this.base);
    return body;
  }
}

/**
 * One `POST /v1/txs` to `node`: each transaction's answer (`true`: admitted; a NodeError: a
 * refusal; a string: why this validator's answer for it is unusable), or a string saying why
 * the validator gave no usable answer to the frame (unreachable, a status other than 200, not
 * one answer per transaction).
 */
async function submitFrame(node, wires, hashes) {
  let answer;
  try {
    answer = await node.submitBatch(encodeBatchFrame(wires));
  } catch (e) {
    return e.message;
  }
  if (answer.status !== 200) {
    const e = answer.json?.error;
    return `HTTP ${answer.status}${e?.code ? ` ${e.code}` : ""}${e?.message ? `: ${e.message}` : ""}`;
  }
  const results = answer.json?.results;
  if (!Array.isArray(results) || results.length !== wires.length) {
    return `answered a batch of ${wires.length} transactions with ${Array.isArray(results) ? `${results.length} answers` : "no list of results"}`;
  }
  return results.map((r, k) => {
    if (typeof r?.tx_hash === "string") {
      return r.tx_hash.toLowerCase() === hashes[k] ? true : `answered for another transaction (${r.tx_hash.slice(0, 64)}) in ${hashes[k]}'s place`;
    }
    if (typeof r?.error?.code === "string") {
      try {
        return nodeError({ status: 200, json: r }, node.base);
      } catch {
        return `an unreadable refusal: ${stringifyJson(r).slice(0, 200)}`; // e.g. an expected_nonce that is no integer
      }
    }
    return `an answer that is neither an admission nor a refusal: ${stringifyJson(r ?? null).slice(0, 200)}`;
  });
}

/** One validator's answer to `path`, checked by `verify`: `{ bytes, result, height }` or `{ failure }`. */
async function freshAnswer(node, path, verify) {
  let answer;
  try {
    answer = await node.get(path);
  } catch (e) {
    return { failure: e.message };
  }
  if (answer.status !== 200) {
    const e = answer.json?.error;
    return { failure: `${node.base}: HTTP ${answer.status}${e?.code ? ` ${e.code}` : ""}${e?.message ? `: ${e.message}` : ""}` };
  }
  try {
    const result = verify(answer.body);
    return { bytes: answer.body, result, height: BigInt(result.height) };
  } catch (e) {
    return { failure: `${node.base}: invalid answer: ${e.message}` };
  }
}

/**
 * Of two refusals, the one the caller can act on: a `bad_nonce` with the highest expected nonce
 * (the most advanced validator's view of the account) beats any other reason; otherwise the first.
 */
function moreTelling(first, other) {
  const expected = (e) => (e.code === "bad_nonce" ? e.expectedNonce : null);
  const [a, b] = [expected(first), expected(other)];
  if (b !== null && (a === null || b > a)) return other;
  return first;
}

/**
 * Parses the `client.toml` `vellum devnet up` writes: `chain_id`, `genesis_hash`, `api` (a list),
 * `keys_dir` and `insecure_plain_keys` (a devnet's plain key files). Only that shape (strings,
 * booleans and one array of strings) is read.
 */
export function parseClientConfig(text) {
  const out = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([A-Za-z_]+)\s*=\s*(.*)$/.exec(line);
    if (!m) throw new VellumError(`client config line ${i + 1}: expected key = value`);
    let value = m[2];
    // A multi-line array: gather until its closing bracket.
    while (value.startsWith("[") && !value.includes("]") && i + 1 < lines.length) value += lines[++i].trim();
    out[m[1]] = parseTomlValue(value, i + 1);
  }
  for (const k of ["chain_id", "genesis_hash", "api"]) if (!(k in out)) throw new VellumError(`client config lacks ${k}`);
  if (!Array.isArray(out.api) || out.api.length === 0) throw new VellumError("client config lists no API address");
  return { chainId: out.chain_id, genesisHash: out.genesis_hash, api: out.api, keysDir: out.keys_dir ?? null, insecurePlainKeys: out.insecure_plain_keys === true };
}

function parseTomlValue(text, line) {
  if (text === "true" || text === "false") return text === "true";
  const strings = [...text.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`));
  if (text.startsWith("[")) return strings;
  if (strings.length === 1) return strings[0];
  throw new VellumError(`client config line ${line}: expected a string or an array of strings`);
}

// Push events: `GET /v1/events` (Server-Sent Events) read from a fetch stream. Anyone gets a
// `block` event per finalized block; a signed request adds the account's own `tx`, `payment`,
// `hold` and `proof` events. Event ids are block heights and a block's own events come before
// its `block` event (the only one with an id), so `Last-Event-ID: h` means "I have all of
// block h". When the stream breaks, the node cuts a slow reader off (`lagged`) or asks for a
// new signature (`reauth`), this reconnects — signing afresh, and to the next validator when
// the node is gone or busy — from the last complete block; events of a block yielded before
// the break are not yielded again (the node resends that block from its start).

import { NetworkError, NodeError } from "./errors.js";
import { parseJson } from "./json.js";
import { signedHeaders } from "./request.js";
import { RESPONSE_TIMEOUT_MS, nodeError } from "./client.js";

/** No byte for this long (the node sends a keep-alive comment every 15 s): the connection is dead. */
export const EVENTS_IDLE_TIMEOUT_MS = 45_000;
const RECONNECT_DELAY_MS = 1_000;
/** Consecutive failed connection attempts before giving up. */
const CONNECT_ATTEMPTS_MAX = 30;
/** Longest line of the stream accepted (a block's events are far smaller). */
const LINE_CHARS_MAX = 4 << 20;
const EVENTS_PATH = "/v1/events";

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });

/**
 * Parses an SSE byte stream into `{ event, id, data }` records (the text/event-stream format:
 * `field: value` lines, a blank line dispatches, `:` lines are comments). `onChunk` is called
 * on every chunk received (an idle timer resets there).
 */
export async function* parseSse(stream, onChunk = () => {}) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let name = "";
  let data = [];
  let id = null;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      onChunk();
      buffer += decoder.decode(value, { stream: true });
      let nl;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl).replace(/\r$/, "");
        buffer = buffer.slice(nl + 1);
        if (line === "") {
          // Dispatch: an event without data is nothing.
          if (data.length > 0) yield { event: name || "message", id, data: data.join("\n") };
          [name, data, id] = ["", [], null];
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const v = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") name = v;
        else if (field === "data") data.push(v);
        else if (field === "id") id = v;
      }
      if (buffer.length > LINE_CHARS_MAX) throw new Error("a line of the event stream is too long");
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * Follows the event stream of a Pool: an async iterator of `{ event, id, data, node }`
 * (`data` parsed JSON, `id` the block height of `block`, `lagged` and `reauth` events). With
 * `key`, the stream is signed (the account's own events; `account` for a co-signer of a
 * multi-signature account). `after` resumes after a height. `signal` stops it; so does
 * leaving a `for await` loop. With `reconnect: false` it ends when the first stream ends.
 */
export async function* followEvents(pool, { key = null, account = null, after = null, signal = null, reconnect = true } = {}) {
  const chainId = key ? await pool.chainIdentity() : null;
  const state = { last: after === null ? null : BigInt(after), partial: [] };
  let which = pool.preferred;
  let failures = 0;
  while (!signal?.aborted) {
    const node = pool.nodes[which % pool.nodes.length];
    let conn;
    try {
      conn = await connect(node, state.last, key && { key, chainId, account }, signal);
    } catch (e) {
      if (signal?.aborted) return;
      if (e instanceof NodeError) throw e;
      if (++failures >= CONNECT_ATTEMPTS_MAX) throw new NetworkError(`no validator served the event stream ${CONNECT_ATTEMPTS_MAX} times in a row`, [e.message]);
      which++;
      await sleep(RECONNECT_DELAY_MS, signal);
      continue;
    }
    failures = 0;
    try {
      for await (const ev of deliver(conn, state, node.base)) {
        yield ev;
        if (ev.event === "lagged" || ev.event === "reauth") break;
      }
    } catch (e) {
      if (signal?.aborted) return;
      // A broken connection (the node died, the idle timer fired): reconnect below.
    } finally {
      conn.close();
    }
    if (!reconnect) return;
    await sleep(RECONNECT_DELAY_MS, signal);
  }
}

/** Yields one connection's events, skipping those of a block already yielded in part. */
async function* deliver(conn, state, base) {
  const already = [...state.partial];
  for await (const raw of parseSse(conn.body, conn.touch)) {
    const id = raw.id !== null && /^[0-9]+$/.test(raw.id) ? BigInt(raw.id) : null;
    if (raw.event === "block" || raw.event === "lagged" || raw.event === "reauth") {
      // A block's own event completes it (and alone carries its id).
      if (id !== null) state.last = id;
      if (raw.event === "block") {
        state.partial = [];
        already.length = 0;
      }
    } else if (raw.event !== "gap") {
      const k = `${raw.event}\n${raw.data}`;
      const seen = already.indexOf(k);
      if (seen >= 0) {
        already.splice(seen, 1);
        continue;
      }
      state.partial.push(k);
    }
    let data;
    try {
      data = parseJson(raw.data);
    } catch {
      data = raw.data;
    }
    yield { event: raw.event, id, data, node: base };
  }
}

/** Opens one stream: resolves once the node answered 200, else rejects (NodeError when refused for good). */
async function connect(node, last, auth, signal) {
  const abort = new AbortController();
  const stop = () => abort.abort(new Error("stopped"));
  signal?.addEventListener("abort", stop, { once: true });
  const headers = { accept: "text/event-stream" };
  if (last !== null) headers["last-event-id"] = String(last);
  if (auth) Object.assign(headers, signedHeaders(auth.key, { chainId: auth.chainId, method: "GET", pathAndQuery: EVENTS_PATH, account: auth.account }));
  const headTimer = setTimeout(() => abort.abort(new Error(`no answer within ${RESPONSE_TIMEOUT_MS} ms`)), RESPONSE_TIMEOUT_MS);
  let res;
  try {
    res = await node.fetch(`${node.base}${EVENTS_PATH}`, { headers, signal: abort.signal });
  } catch (e) {
    throw new Error(`cannot reach ${node.base}: ${e.cause?.code ?? e.message}`);
  } finally {
    clearTimeout(headTimer);
  }
  if (res.status !== 200) {
    const body = new Uint8Array(await res.arrayBuffer());
    const error = nodeError({ status: res.status, json: safeJson(body) }, node.base);
    // Busy, not ready, or too many streams from here: another validator may serve.
    if (res.status === 503 || res.status === 429) throw new Error(`${node.base}: ${error.message}`);
    throw error;
  }
  let idle = null;
  const touch = () => {
    clearTimeout(idle);
    idle = setTimeout(() => abort.abort(new Error("the event stream went idle")), EVENTS_IDLE_TIMEOUT_MS);
  };
  touch();
  return {
    body: res.body,
    touch,
    close() {
      clearTimeout(idle);
      signal?.removeEventListener("abort", stop);
      abort.abort(new Error("closed"));
    },
  };
}

function safeJson(bytes) {
  try {
    return parseJson(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

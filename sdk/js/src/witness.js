// Step 10 (docs/evidence-format.md §4, §7a): a bundle (version 4) or a payment receipt
// (version 3) may carry `witnessed` — a checkpoint of the chain's log cosigned by witnesses
// (c2sp.org/tlog-witness) and the RFC 9162 consistency proof between it and the file's
// certified header. The checkpoint must be this chain's log, consistent with the header's and
// covering every leaf the file proves; under a witness policy (k of n named Ed25519 keys), k of
// the policy's witnesses must have cosigned it. Rust reference: crates/evidence/src/witness.rs
// (`verify_witnessed`), verify.rs (`check_witness_policy`), crates/cli/src/witness.rs (the
// policy file).

import { VerifyError, WitnessPolicyError } from "./errors.js";
import { equal, fromHex, isBytes, toHex, utf8 } from "./bytes.js";
import { checkpointNote, countCosignatures, parseCheckpoint } from "./checkpoint.js";
import { consistencyError } from "./merkle.js";

/** Longest cosigned note a bundle or receipt may carry, and most consistency-proof hashes. */
export const WITNESSED_NOTE_BYTES_MAX = 8 * 1024;
export const WITNESS_PROOF_HASHES_MAX = 64;

const fail = (detail) => {
  throw new VerifyError("witnesses", detail);
};

/**
 * Steps 10a–10c: `witnessed` (`{ note, consistency }`) is a cosigned checkpoint of the log
 * `origin` (the chain id), consistent with the header's log (`logSize`, `logRoot`) and covering
 * leaves `[0, covers)`. Returns the parsed checkpoint (see checkpoint.js `parseCheckpoint`);
 * throws a VerifyError at step 10 (`witnesses`). Its cosignatures are counted against a policy
 * by `checkWitnessPolicy`.
 */
export function verifyWitnessed(witnessed, { origin, logSize, logRoot, covers }) {
  const { note, consistency } = witnessed;
  if (utf8(note).length > WITNESSED_NOTE_BYTES_MAX) fail(`the cosigned note is over ${WITNESSED_NOTE_BYTES_MAX} bytes`);
  if (consistency.length > WITNESS_PROOF_HASHES_MAX) fail("the consistency proof is too long");
  let cp;
  try {
    cp = parseCheckpoint(note);
  } catch (e) {
    fail(`the cosigned note is malformed: ${e.message}`);
  }
  // One evidence, one encoding: the note exactly as it re-encodes (parseCheckpoint checks it too).
  if (checkpointNote(cp) !== note) fail("the cosigned note is not in its canonical form");
  if (cp.origin !== origin) fail(`the cosigned checkpoint is of log ${JSON.stringify(cp.origin)}, not this chain's`);
  if (cp.cosignatures.length === 0) fail("the checkpoint carries no cosignature");
  const names = cp.cosignatures.map((c) => c.name);
  if (new Set(names).size !== names.length) fail("a witness cosigns at most once in a note");
  [logSize, covers] = [BigInt(logSize), BigInt(covers)];
  if (cp.size < covers) fail(`the witnessed log (size ${cp.size}) does not reach the proven entries (up to index ${covers - 1n})`);
  // 10c: from the smaller log to the larger; one size, one root.
  let why = null;
  if (cp.size === logSize) {
    if (consistency.length !== 0) why = "a checkpoint of the header's own size needs an empty proof";
    else if (!equal(cp.root, logRoot)) why = "the witnessed root is not the header's log root";
  } else if (cp.size < logSize) {
    why = consistencyError(cp.size, logSize, cp.root, logRoot, consistency);
  } else {
    why = consistencyError(logSize, cp.size, logRoot, cp.root, consistency);
  }
  if (why) fail(`the witnessed log is not consistent with the header's: ${why}`);
  return cp;
}

// ---- Witness policies ----

// Rust's `char::is_whitespace` (Unicode White_Space; unlike JavaScript's \s, not U+FEFF).
const WS = "\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const TRIM = new RegExp(`^[${WS}]+|[${WS}]+$`, "g");
const SPLIT = new RegExp(`[${WS}]+`);

const keyBytes = (key, what) => {
  if (isBytes(key) && key.length === 32) return key;
  if (typeof key === "string" && /^[0-9a-fA-F]{64}$/.test(key)) return fromHex(key);
  throw new WitnessPolicyError(`${what}: the key must be 64 hex characters (an Ed25519 public key)`);
};

/**
 * Checks and normalizes a policy: 1 or more witnesses with distinct names and keys, a quorum of
 * 1..=their number (all of them when not given). Returns `{ witnesses: [{ name, key, url }], quorum }`.
 */
function checkedPolicy(witnesses, quorum) {
  if (witnesses.length === 0 || !Number.isSafeInteger(quorum) || quorum < 1 || quorum > witnesses.length) {
    throw new WitnessPolicyError("a policy names 1 or more witnesses and a quorum of 1..=their number");
  }
  // A witness counted twice (two names for one key) would lower the quorum in effect.
  witnesses.forEach((w, i) => {
    if (witnesses.slice(0, i).some((o) => o.name === w.name || toHex(o.key) === toHex(w.key))) {
      throw new WitnessPolicyError(`witness ${w.name} is named twice (same name or key)`);
    }
  });
  return { witnesses, quorum };
}

/**
 * Reads a witness policy file, the format of `vellum verify --witnesses POLICY` and `vellum gov
 * set-witnesses --policy FILE`: `witness <name> <64-hex Ed25519 key> [url]` lines, an optional
 * `quorum <k>` (default: every witness), blank lines and `#` comments. Returns `{ witnesses:
 * [{ name, key (bytes), url (or null) }], quorum }`; throws a WitnessPolicyError naming the line.
 * Stricter than the CLI in one way: a witness named twice, or one key under two names, is refused.
 */
export function parseWitnessPolicy(text) {
  if (typeof text !== "string") throw new WitnessPolicyError("a witness policy is text");
  const witnesses = [];
  let quorum = null;
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "").replace(TRIM, "");
    if (line === "" || line.startsWith("#")) return;
    const parts = line.split(SPLIT);
    const at = { line: i + 1 };
    if (parts[0] === "witness" && (parts.length === 3 || parts.length === 4)) {
      let key;
      try {
        key = keyBytes(parts[2], `witness ${parts[1]}`);
      } catch (e) {
        throw new WitnessPolicyError(e.message, at);
      }
      witnesses.push({ name: parts[1], key, url: parts[3] ?? null });
    } else if (parts[0] === "quorum" && parts.length === 2) {
      if (!/^\+?[0-9]{1,15}$/.test(parts[1])) throw new WitnessPolicyError("bad quorum", at);
      quorum = Number(parts[1]);
    } else {
      throw new WitnessPolicyError("expected `witness <name> <hex key> [url]` or `quorum <k>`", at);
    }
  });
  return checkedPolicy(witnesses, quorum ?? witnesses.length);
}

/**
 * A witness policy from its file text (`parseWitnessPolicy`) or an object `{ witnesses: [{ name,
 * key (hex or bytes), url? }], quorum? }` (the JSON form of docs/vectors/evidence.json and of
 * governance's `WitnessPolicy`). Returns the normalized `{ witnesses, quorum }`.
 */
export function witnessPolicy(policy) {
  if (typeof policy === "string") return parseWitnessPolicy(policy);
  if (policy === null || typeof policy !== "object" || !Array.isArray(policy.witnesses)) {
    throw new WitnessPolicyError("a witness policy is its file's text or { witnesses: [{ name, key }], quorum }");
  }
  const witnesses = policy.witnesses.map((w) => {
    if (typeof w?.name !== "string" || w.name === "" || /\s/.test(w.name)) throw new WitnessPolicyError("every witness has a name without spaces");
    return { name: w.name, key: keyBytes(w.key, `witness ${w.name}`), url: w.url ?? null };
  });
  const quorum = policy.quorum ?? witnesses.length;
  return checkedPolicy(witnesses, typeof quorum === "bigint" ? Number(quorum) : quorum);
}

/**
 * Step 10d: at least `quorum` distinct witnesses of `policy` validly cosigned `checkpoint` (the
 * parsed checkpoint `verifyWitnessed` returned; null for a file without a witnessed section,
 * which fails here). Returns how many did; throws a VerifyError at step 10 (`witnesses`).
 */
export function checkWitnessPolicy(checkpoint, policy) {
  const p = witnessPolicy(policy);
  if (!checkpoint) fail("the witness policy needs a witnessed file (bundle version 4, receipt version 3); this one carries no cosignatures");
  const valid = countCosignatures(checkpoint, p.witnesses);
  if (valid < p.quorum) fail(`the witnessed checkpoint fails the policy: only ${valid} valid cosignatures from the policy's witnesses; ${p.quorum} needed`);
  return valid;
}

/**
 * What a verification result says of the log's witnesses (`result.witnessed`,
 * `result.witnessCosignatures`): "WITNESSED: k of the policy's witnesses cosigned the log at
 * size W", "log witnessed: N cosignature(s) at size W (not checked against a policy)", or "no
 * witness cosignatures in this file".
 */
export function witnessedLine(witnessed, witnessCosignatures = null) {
  if (!witnessed) return "no witness cosignatures in this file";
  if (witnessCosignatures !== null && witnessCosignatures !== undefined) {
    return `WITNESSED: ${witnessCosignatures} of the policy's witnesses cosigned the log at size ${witnessed.size}`;
  }
  return `log witnessed: ${witnessed.cosigners.length} cosignature(s) at size ${witnessed.size} (not checked against a policy)`;
}

/** A verified checkpoint as a result reports it: size, hex root, the note, the cosigning names. */
export const witnessedResult = (cp, note) =>
  cp && { size: cp.size, root: toHex(cp.root), note, cosigners: cp.cosignatures.map((c) => c.name), checkpoint: cp };

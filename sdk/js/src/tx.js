// Transactions: the body JSON form, the unsigned transaction the signers sign, signing bytes,
// ids, the signed envelope on the wire, and the shape checks every node applies on decoding
// (crates/types/src/tx.rs `check_shape`).

import { DecodeError, EncodeError, SignatureError } from "./errors.js";
import { U64_MAX, canonical, encode, fromWire, toWire } from "./encoding.js";
import { Transaction, TxBody, UnsignedTx } from "./types.js";
import { DOMAIN, sha256 } from "./hash.js";
import { fromHex, isBytes, toHex, utf8 } from "./bytes.js";
import { verifySignature } from "./keys.js";

/** Largest encoded transaction envelope accepted anywhere. */
export const TX_BYTES_MAX = 16 * 1024;
/** Most signatures one envelope may carry. */
export const TX_SIGNATURES_MAX = 16;
export const CHAIN_ID_BYTES_MAX = 64;
export const LABEL_BYTES_MAX = 64;
export const REASON_BYTES_MAX = 256;
export const SCHEMA_BYTES_MAX = 64;
export const BATCH_DOCUMENTS_MAX = 1 << 20;
export const AUDIT_BATCH_ENTRIES_MAX = 256;
export const AUDIT_ACTION_BYTES_MAX = 16;
export const TRANSFER_LEGS_MAX = 16;
export const SIGNERS_MAX = 16;
export const DECIMALS_MAX = 18;
export const RECOVERY_DELAY_BLOCKS_MAX = 10_000_000n;
export const MISBEHAVIOR_EVIDENCE_BYTES_MAX = 4096;
export const HOLD_TIMEOUT_MS_MAX = 30n * 24n * 3600n * 1000n;
export const MONITOR_WINDOW_MS_MAX = 30n * 24n * 3600n * 1000n;
/** Most distinct senders an inflow window remembers: `distinct_senders_max` stays below it (crates/types/src/monitoring.rs). */
export const DISTINCT_SENDERS_TRACKED_MAX = 64;
/** KYC tiers are 0..KYC_TIERS: tier 0 is an account without a KYC record, a record's tier is 1..=7. */
export const KYC_TIERS = 8;
/** Most screening commitments one `update_sanctions` adds, and removes, each (crates/types/src/kyc.rs). */
export const SANCTIONS_UPDATE_MAX = 256;
export const GOV_TEXT_BYTES_MAX = 256;
export const COUNCIL_MEMBERS_MAX = 32;
export const ENCRYPTION_RECIPIENT_BYTES_MAX = 128;
/** Most batch members one `store_batch_members` carries; most holders one `add_holders` names. */
export const BATCH_MEMBERS_PER_TX_MAX = 200;
export const HOLDERS_PER_TX_MAX = 16;
/** Longest issuer display name and domain name (crates/types/src/issuer.rs). */
export const ISSUER_NAME_BYTES_MAX = 128;
export const ISSUER_DOMAIN_BYTES_MAX = 253;
/** The default schema: SHA-256 over the whole file. */
/** Witnesses governance may name (`set_witnesses`), and the lengths of their names and URLs. */
export const WITNESSES_MAX = 16;
export const WITNESS_NAME_BYTES_MAX = 128;
export const WITNESS_URL_BYTES_MAX = 256;
/**
 * Contracts (crates/types/src/contract.rs, docs/contracts.md): largest code governance may
 * approve (it travels in one transaction), longest contract and function name, largest input of
 * an instantiation or a call; and the most fuel one call may use (a ledger rule, not a shape
 * rule: more fails the call with `fuel_over_limit`).
 */
export const CONTRACT_CODE_BYTES_MAX = 12 * 1024;
export const CONTRACT_NAME_BYTES_MAX = 64;
export const CONTRACT_INPUT_BYTES_MAX = 8 * 1024;
export const CONTRACT_FUEL_MAX = 50_000_000n;
/** Highest VAT rate a seller's invoicing conditions may state: 10,000 basis points (100 %). */
export const VAT_BASIS_POINTS_MAX = 10_000;
export const SCHEMA_WHOLE_FILE = "sha256:file";
/** Longest reason code, and most codes the governed list may hold (crates/types/src/proof.rs). */
export const REASON_CODE_BYTES_MAX = 32;
export const REASON_CODES_MAX = 32;
/**
 * The reason codes a ledger accepts until governance sets its own list (`set_reason_codes`),
 * after RFC 5280's CRLReason. Which codes a chain accepts is governed: a code of the right shape
 * outside its list is refused by the ledger (`unknown_reason_code`).
 */
export const DEFAULT_REASON_CODES = Object.freeze([
  "unspecified",
  "key_compromise",
  "issued_in_error",
  "affiliation_changed",
  "superseded",
  "cessation_of_operation",
  "privilege_withdrawn",
  "certificate_hold",
  "holder_request",
  "under_investigation",
]);

/** A body from its JSON form (`{"type": "transfer", …}`, docs/wire-format.md). */
export const bodyFromJson = (json) => TxBody.fromJson(json, "body");
export const bodyToJson = (body) => TxBody.toJson(body);

/** An unsigned transaction from its JSON form `{chain_id, sender, nonce, expiry_height, body}`. */
export const unsignedFromJson = (json) => UnsignedTx.fromJson(json, "unsigned");
export const unsignedToJson = (unsigned) => UnsignedTx.toJson(unsigned);

/** `0x01 ‖ borsh(unsigned)`. */
export const unsignedWire = (unsigned) => toWire(UnsignedTx, unsigned);
/** An unsigned transaction from its wire bytes. */
export const unsignedFromWire = (bytes) => fromWire(UnsignedTx, bytes, TX_BYTES_MAX);

/** `canonical("VELLUM:TX-SIGN:", unsigned)`: the message every signature covers. */
export const signingBytes = (unsigned) => canonical(DOMAIN.TX_SIGN, UnsignedTx, unsigned);

/** `SHA-256(canonical("VELLUM:TX-ID:", unsigned))` (signatures excluded). */
export const txId = (unsigned) => sha256(canonical(DOMAIN.TX_ID, UnsignedTx, unsigned));

/** The log leaf data of a signed transaction: `canonical("VELLUM:TX-LEAF:", tx)`. */
export const txLeafBytes = (tx) => canonical(DOMAIN.TX_LEAF, Transaction, tx);

/** Signs `unsigned` with every key; returns the signed transaction. */
export function signTransaction(unsigned, keys) {
  const message = signingBytes(unsigned);
  return { unsigned, signatures: keys.map((k) => k.sign(message)) };
}

/** `0x01 ‖ borsh(transaction)`: the body of `POST /v1/tx`. */
export function encodeTransaction(tx) {
  const bytes = toWire(Transaction, tx);
  if (bytes.length > TX_BYTES_MAX) throw new EncodeError("transaction", `${bytes.length} bytes, more than the ${TX_BYTES_MAX} allowed`);
  return bytes;
}

/** Decodes a signed transaction's wire bytes and checks its shape, as a node does. */
export function decodeTransaction(bytes) {
  const tx = fromWire(Transaction, bytes, TX_BYTES_MAX);
  checkShape(tx, bytes.length);
  return tx;
}

/**
 * Verifies every signature over the signing bytes; returns the distinct signer keys in
 * signature order, or throws a SignatureError (with the signature's index).
 */
export function verifyTransaction(tx) {
  const message = signingBytes(tx.unsigned);
  const signers = [];
  tx.signatures.forEach((sig, index) => {
    let key;
    try {
      key = verifySignature(sig, message);
    } catch (e) {
      throw new SignatureError(e.kind, e.message, { index });
    }
    if (signers.some((k) => k.equals(key))) throw new SignatureError("duplicate_signer", "repeats a signer", { index });
    signers.push(key);
  });
  return signers;
}

const invalid = (message) => {
  throw new DecodeError("invalid", message);
};
const byteLength = (s) => utf8(s).length;
const SYMBOL = /^[A-Z][A-Z0-9]{0,11}$/;
const SUBLEDGER = /^[a-z][a-z0-9-]{0,31}$/;
const REASON_CODE = new RegExp(`^[a-z][a-z0-9_]{0,${REASON_CODE_BYTES_MAX - 1}}$`);

const CONTRACT_NAME = new RegExp(`^[a-z][a-z0-9_-]{0,${CONTRACT_NAME_BYTES_MAX - 1}}$`);

/** A contract name (`register_code`) or function name (`call_contract`): 1..=64 bytes of `[a-z0-9_-]`, starting with a letter (wire-format §7). */
export const isContractName = (name) => typeof name === "string" && CONTRACT_NAME.test(name);

/** A value shown in an error message: JSON-quoted, cut short when long (hostile input stays readable). */
const shown = (v) => (typeof v === "string" ? JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v) : String(v));

const contractNameProblem = (name, what) =>
  isContractName(name) ? null : `${what} ${shown(name)} must be 1..=${CONTRACT_NAME_BYTES_MAX} bytes of [a-z0-9_-], starting with a letter`;

/** Bytes of a Vec<u8> field in the model (bytes, or hex text as the encoder accepts). */
function byteCount(v, what) {
  if (isBytes(v)) return v.length;
  if (typeof v === "string") return fromHex(v, null, what).length;
  return invalid(`${what} must be bytes`);
}

/** A positive u64 (bigint, or an integer number as the encoder accepts). */
const positiveU64 = (v) => (typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v))) && BigInt(v) > 0n && BigInt(v) <= U64_MAX;

/** The shape of an `instantiate_contract` or `call_contract` body (Rust's order: function name, input, fuel). */
function contractCallProblem(b) {
  if (b.type === "call_contract") {
    const p = contractNameProblem(b.function, "function name");
    if (p !== null) return p;
  }
  const n = byteCount(b.input, "the contract input");
  if (n > CONTRACT_INPUT_BYTES_MAX) return `a contract input is at most ${CONTRACT_INPUT_BYTES_MAX} bytes (this one is ${n})`;
  return positiveU64(b.fuel) ? null : `a contract call needs a positive fuel budget (1..=${U64_MAX}), got ${shown(b.fuel)}`;
}

/** The shape of a `set_invoicing` body: a token symbol and a VAT rate of at most 10,000 basis points. */
function invoicingProblem(b) {
  if (typeof b.token !== "string" || !SYMBOL.test(b.token)) return `token symbol ${shown(b.token)} must be 1..=12 bytes of [A-Z0-9], starting with a letter`;
  const bp = b.vat_basis_points;
  const ok = (typeof bp === "number" && Number.isInteger(bp)) || typeof bp === "bigint";
  return ok && bp >= 0 && bp <= VAT_BASIS_POINTS_MAX ? null : `the VAT rate is at most ${VAT_BASIS_POINTS_MAX} basis points (100 %), got ${shown(bp)}`;
}

/** A reason code's shape: 1..=32 bytes of `[a-z0-9_]`, starting with a letter (wire-format §7). */
export const isReasonCode = (code) => typeof code === "string" && REASON_CODE.test(code);

const reasonCodeProblem = (code) =>
  isReasonCode(code) ? null : `reason ${JSON.stringify(code)} is not a reason code (1..=${REASON_CODE_BYTES_MAX} bytes of [a-z0-9_], starting with a letter, e.g. "issued_in_error")`;

/** Refuses (DecodeError `invalid`) a reason that is not a reason code: free text never reaches the ledger. */
export function checkReasonCode(code) {
  const p = reasonCodeProblem(code);
  if (p !== null) invalid(p);
}

/** A governed reason-code list: 1..=REASON_CODES_MAX codes, each a reason code, none twice. */
function reasonCodesProblem(codes) {
  if (codes.length === 0 || codes.length > REASON_CODES_MAX) return `a reason-code list has 1..=${REASON_CODES_MAX} codes`;
  const bad = codes.find((c) => !isReasonCode(c));
  if (bad !== undefined) return `${JSON.stringify(bad)} is not a reason code ([a-z0-9_], starting with a letter, at most ${REASON_CODE_BYTES_MAX} bytes)`;
  return new Set(codes).size === codes.length ? null : "reason codes must be unique";
}

// Rust's `char::is_whitespace` (Unicode White_Space) and `char::is_control` (category Cc).
const ONLY_WHITESPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const DOMAIN_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A domain name as an issuer profile names it: lowercase, at least two dot-separated labels of
 * 1..=63 bytes of `[a-z0-9-]` not starting or ending with `-`, at most 253 bytes in all.
 */
export const isDomainName = (domain) =>
  typeof domain === "string" && byteLength(domain) <= ISSUER_DOMAIN_BYTES_MAX && domain.split(".").length >= 2 && domain.split(".").every((l) => DOMAIN_LABEL.test(l));

/** The shape rules of an `IssuerProfile` (wire-format §6.3): a problem, or null. */
export function issuerProfileProblem(profile) {
  const { name, domain } = profile;
  if (ONLY_WHITESPACE.test(name) || byteLength(name) > ISSUER_NAME_BYTES_MAX || CONTROL.test(name)) {
    return `issuer name must be 1..=${ISSUER_NAME_BYTES_MAX} bytes without control characters`;
  }
  if (!isDomainName(domain)) return `\`${domain}\` is not a domain name (lowercase letters, digits and hyphens in dot-separated labels)`;
  return null;
}

function checkSymbol(symbol) {
  if (!SYMBOL.test(symbol)) invalid(`token symbol \`${symbol}\` must be 1..=12 bytes of [A-Z0-9], starting with a letter`);
}

function checkSubledger(name) {
  if (!SUBLEDGER.test(name)) invalid(`sub-ledger name \`${name}\` must be 1..=32 bytes of [a-z0-9-], starting with a letter`);
}

/** 1..=SIGNERS_MAX distinct keys, weights ≥ 1, threshold reachable and ≥ 1. */
export function signerSetProblem(set) {
  if (set.signers.length === 0 || set.signers.length > SIGNERS_MAX) return `a signer set has 1..=${SIGNERS_MAX} keys`;
  if (set.signers.some((s) => s.weight === 0)) return "every signer needs a weight of at least 1";
  for (let i = 0; i < set.signers.length; i++) {
    if (set.signers.slice(0, i).some((o) => o.key.equals(set.signers[i].key))) return `key ${set.signers[i].key} appears twice`;
  }
  const total = set.signers.reduce((n, s) => n + s.weight, 0);
  if (set.threshold === 0 || set.threshold > total) return `threshold must be 1..=${total} (the total weight)`;
  return null;
}

// Model values as the encoder takes them: u64/u128 as bigint or number (or decimal text for u128).
const big = (v) => BigInt(v ?? 0);
const num = (v) => Number(v ?? 0);

/** Whether any rule counts over a window: the sending side, the receiving side, a tier's window limit (Rust `uses_window`). */
function usesWindow(r) {
  const inflow = big(r.inflow_amount_max) > 0n || num(r.inflow_count_max) > 0 || num(r.distinct_senders_max) > 0;
  return (
    big(r.window_amount_max) > 0n ||
    num(r.window_count_max) > 0 ||
    num(r.structuring_count) > 0 ||
    inflow ||
    (r.tier_limits ?? []).some((t) => big(t.window_amount_max) > 0n)
  );
}

/**
 * The rules of `MonitoringRules` (Rust `MonitoringRules::check`, wire-format §7), in its order:
 * a problem, or null.
 */
export function monitoringRulesProblem(r) {
  const windowMs = big(r.window_ms);
  const holdTimeout = big(r.hold_timeout_ms);
  if (windowMs > MONITOR_WINDOW_MS_MAX) return `window_ms at most ${MONITOR_WINDOW_MS_MAX}`;
  if (holdTimeout === 0n || holdTimeout > HOLD_TIMEOUT_MS_MAX) return `hold_timeout_ms must be 1..=${HOLD_TIMEOUT_MS_MAX}`;
  if (num(r.structuring_floor_bps) > 10_000) return "structuring_floor_bps at most 10000";
  if (usesWindow(r) && windowMs === 0n) return "window rules need window_ms > 0";
  if (num(r.structuring_count) > 0 && big(r.large_amount) === 0n) return "structuring is measured against large_amount, which is 0";
  if (num(r.distinct_senders_max) >= DISTINCT_SENDERS_TRACKED_MAX) return `distinct_senders_max at most ${DISTINCT_SENDERS_TRACKED_MAX - 1}`;
  const tiers = (r.tier_limits ?? []).map((t) => num(t.tier));
  if (tiers.length > KYC_TIERS) return `at most ${KYC_TIERS} tier limits`;
  for (let i = 1; i < tiers.length; i++) {
    if (tiers[i - 1] >= tiers[i]) return "tier_limits must be ascending by tier, one per tier";
  }
  if (tiers.some((t) => t >= KYC_TIERS)) return `tiers are 0..${KYC_TIERS}`;
  return null;
}

/** The rule of `KycTerms` (Rust `KycTerms::check`): a tier of 1..=7; the expiry and screening commitment are free. A problem, or null. */
export function kycTermsProblem(terms) {
  const tier = num(terms.tier);
  return tier === 0 || tier >= KYC_TIERS ? `KYC tier must be 1..${KYC_TIERS} (0 is an account without a KYC record)` : null;
}

/** An `update_sanctions` action: not both lists empty, at most 256 each, no commitment twice in both together. */
function sanctionsUpdateProblem(a) {
  if (a.add.length === 0 && a.remove.length === 0) return "a sanctions update adds or removes at least one commitment";
  if (a.add.length > SANCTIONS_UPDATE_MAX || a.remove.length > SANCTIONS_UPDATE_MAX) return `a sanctions update adds and removes at most ${SANCTIONS_UPDATE_MAX} commitments each`;
  const every = [...a.add, ...a.remove].map((h) => (isBytes(h) ? toHex(h) : String(h).toLowerCase()));
  return new Set(every).size === every.length ? null : "a commitment appears twice in one sanctions update";
}

function govActionProblem(a) {
  const text = (t, what) => (byteLength(t) === 0 || byteLength(t) > GOV_TEXT_BYTES_MAX ? `${what} must be 1..=${GOV_TEXT_BYTES_MAX} bytes` : null);
  switch (a.action) {
    case "create_token":
      if (!SYMBOL.test(a.symbol) || a.decimals > DECIMALS_MAX) return `bad token symbol \`${a.symbol}\` or decimals`;
      return a.subledger !== null && !SUBLEDGER.test(a.subledger) ? `bad sub-ledger name \`${a.subledger}\`` : null;
    case "set_monitoring":
      return SYMBOL.test(a.token) ? monitoringRulesProblem(a.rules) : `bad token symbol \`${a.token}\``;
    case "set_rate":
      return !SYMBOL.test(a.from) || !SYMBOL.test(a.to) || a.from === a.to || a.num === 0n || a.den === 0n
        ? "a rate joins two different tokens with a positive num/den"
        : null;
    case "create_subledger":
      return SUBLEDGER.test(a.name) ? null : `bad sub-ledger name \`${a.name}\``;
    case "grant_role":
    case "revoke_role":
      return a.role === "council" ? "council membership changes through set_council" : null;
    case "set_rules":
      return text(a.uri, "the rules URI");
    case "set_council": {
      const distinct = new Set(a.members.map(toHex)).size;
      if (distinct === 0 || distinct > COUNCIL_MEMBERS_MAX) return `a council has 1..=${COUNCIL_MEMBERS_MAX} members`;
      return a.threshold === 0 || a.threshold > distinct ? `threshold must be 1..=${distinct}` : null;
    }
    case "register_module":
    case "set_module_paused":
      return text(a.name, "a module name");
    case "add_validator": {
      const v = a.validator;
      const fieldOk = (s) => byteLength(s) > 0 && byteLength(s) <= 128;
      if (!fieldOk(v.name) || !fieldOk(v.address)) return `validator name or address too long or empty: ${v.name}`;
      return toHex(v.p2p_key) === toHex(v.consensus_key) ? null : `validator ${v.name}: p2p_key must equal consensus_key`;
    }
    case "set_consensus_params":
      return consensusParamsProblem(a.params);
    case "set_reason_codes":
      return reasonCodesProblem(a.codes);
    case "attest_issuer":
      return issuerProfileProblem(a.profile);
    case "set_witnesses":
      return witnessPolicyProblem(a.policy);
    case "update_sanctions":
      return sanctionsUpdateProblem(a);
    case "register_code": {
      const p = contractNameProblem(a.name, "contract name");
      if (p !== null) return p;
      const n = byteCount(a.code, "the contract code");
      return n === 0 || n > CONTRACT_CODE_BYTES_MAX ? `contract code must be 1..=${CONTRACT_CODE_BYTES_MAX} bytes (this one is ${n})` : null;
    }
    default:
      return null;
  }
}

/** A C2SP note key name: 1..=128 printable ASCII bytes, no spaces, no `+`. */
export const isWitnessName = (name) => typeof name === "string" && name.length > 0 && name.length <= WITNESS_NAME_BYTES_MAX && /^[!-*,-~]+$/.test(name);

/**
 * The shape rules of a governed `WitnessPolicy` (crates/types/src/witness.rs `check`): at most
 * 16 witnesses with valid, distinct names and distinct keys and http(s) URLs, and a quorum of
 * 1..=their number (0 with none: witnessing switched off). Null when it is well formed, else why not.
 */
export function witnessPolicyProblem(policy) {
  const { witnesses, quorum } = policy;
  if (witnesses.length > WITNESSES_MAX) return `at most ${WITNESSES_MAX} witnesses`;
  const n = witnesses.length;
  if ((n === 0 && quorum !== 0) || (n > 0 && (quorum < 1 || quorum > n))) return `the quorum must be 1..=${n} (${n} witnesses), or 0 with none`;
  for (let i = 0; i < n; i++) {
    const w = witnesses[i];
    if (!isWitnessName(w.name)) return `witness name \`${w.name}\` must be 1..=${WITNESS_NAME_BYTES_MAX} printable bytes without spaces or \`+\``;
    const urlOk = (w.url.startsWith("http://") || w.url.startsWith("https://")) && byteLength(w.url) <= WITNESS_URL_BYTES_MAX && !/[\u0000-\u0020\u007f]/.test(w.url);
    if (!urlOk) return `witness ${w.name}: the URL must be http(s)://… of at most ${WITNESS_URL_BYTES_MAX} bytes`;
    if (witnesses.slice(0, i).some((o) => o.name === w.name || toHex(o.key) === toHex(w.key))) return `witness ${w.name} is named twice (same name or key)`;
  }
  return null;
}

function consensusParamsProblem(p) {
  const BLOCK_TXS_MAX = 20_000;
  const BLOCK_BYTES_MAX = 4 * 1024 * 1024;
  const SKEW_MS_MAX = 3_600_000n;
  if (p.block_txs_max === 0 || p.block_txs_max > BLOCK_TXS_MAX) return `block_txs_max must be 1..=${BLOCK_TXS_MAX}`;
  if (p.block_bytes_max < 64 * 1024 || p.block_bytes_max > BLOCK_BYTES_MAX - 4096) return "block_bytes_max out of range";
  if (p.block_time_future_skew_ms === 0n || p.block_time_past_skew_ms === 0n) return "clock skew bounds must be positive";
  if (p.block_time_future_skew_ms > SKEW_MS_MAX || p.block_time_past_skew_ms > SKEW_MS_MAX) return "clock skew bounds must be at most one hour";
  return null;
}

/** The body-specific limits of `check_shape` (sizes, names, counts). */
function checkBody(b) {
  const reasonTooLong = (reason) => byteLength(reason) > REASON_BYTES_MAX && invalid(`reason longer than ${REASON_BYTES_MAX} bytes`);
  const problem = (p) => p !== null && invalid(p);
  switch (b.type) {
    case "open_account":
      if (byteLength(b.label) > LABEL_BYTES_MAX) invalid(`label longer than ${LABEL_BYTES_MAX} bytes`);
      if (b.subledger !== null && b.subledger !== undefined) checkSubledger(b.subledger);
      // A missing `kyc` is none (as the encoder). Terms need the commitment, then their own rule.
      if (b.kyc !== null && b.kyc !== undefined) {
        if (b.kyc_commitment === null || b.kyc_commitment === undefined) invalid("KYC terms need the identity's KYC commitment");
        problem(kycTermsProblem(b.kyc));
      }
      return;
    case "set_kyc":
      return problem(kycTermsProblem(b.terms));
    case "set_account_status":
    case "decide_hold":
      return reasonTooLong(b.reason);
    case "set_proof_status":
      // Revoke and Suspend carry a reason code; Supersede and Reinstate nothing to check.
      return (b.change.change === "revoke" || b.change.change === "suspend") && problem(reasonCodeProblem(b.change.reason));
    case "revoke_issuer":
    case "revoke_attestation":
      return problem(reasonCodeProblem(b.reason));
    case "attest_issuer":
      return problem(issuerProfileProblem(b.profile));
    case "register_proof":
    case "register_batch":
      if (byteLength(b.schema) === 0 || byteLength(b.schema) > SCHEMA_BYTES_MAX) invalid(`schema label must be 1..=${SCHEMA_BYTES_MAX} bytes`);
      if (b.type === "register_batch" && (b.count === 0 || b.count > BATCH_DOCUMENTS_MAX)) invalid(`a batch covers 1..=${BATCH_DOCUMENTS_MAX} documents`);
      return;
    case "audit_batch":
      if (b.entries.length === 0 || b.entries.length > AUDIT_BATCH_ENTRIES_MAX || b.entries.some((e) => byteLength(e.action) > AUDIT_ACTION_BYTES_MAX)) {
        invalid(`an audit batch holds 1..=${AUDIT_BATCH_ENTRIES_MAX} records with actions of at most ${AUDIT_ACTION_BYTES_MAX} bytes`);
      }
      return;
    case "audit_reads":
      // As audit_batch, but an action is never empty (`account`, `history`, …).
      if (b.entries.length === 0 || b.entries.length > AUDIT_BATCH_ENTRIES_MAX || b.entries.some((e) => byteLength(e.action) === 0 || byteLength(e.action) > AUDIT_ACTION_BYTES_MAX)) {
        invalid(`an audit batch holds 1..=${AUDIT_BATCH_ENTRIES_MAX} records with actions of 1..=${AUDIT_ACTION_BYTES_MAX} bytes`);
      }
      return;
    case "create_token":
      checkSymbol(b.symbol);
      if (b.decimals > DECIMALS_MAX) invalid(`decimals at most ${DECIMALS_MAX}`);
      if (b.subledger !== null && !SUBLEDGER.test(b.subledger)) invalid(`bad sub-ledger name \`${b.subledger}\``);
      return;
    case "clawback":
      // As in Rust's match: the reason limit first, then the symbol and amount.
      reasonTooLong(b.reason);
      checkSymbol(b.token);
      if (b.amount === 0n) invalid("amount must be positive");
      return;
    case "mint":
    case "burn":
      checkSymbol(b.token);
      if (b.amount === 0n) invalid("amount must be positive");
      return;
    case "transfer":
      if (b.legs.length === 0 || b.legs.length > TRANSFER_LEGS_MAX) invalid(`a transfer has 1..=${TRANSFER_LEGS_MAX} legs`);
      for (const leg of b.legs) {
        checkSymbol(leg.token);
        if (leg.amount === 0n) invalid("every leg's amount must be positive");
        if (leg.convert !== null) {
          checkSymbol(leg.convert.to_token);
          if (leg.convert.to_token === leg.token) invalid("a conversion needs two different tokens");
        }
      }
      return;
    case "set_signers":
    case "propose_recovery":
      return problem(signerSetProblem(b.set));
    case "set_monitoring":
      checkSymbol(b.token);
      return problem(monitoringRulesProblem(b.rules));
    case "set_token_paused":
      // The reason limit comes first in Rust's match, then the symbol.
      reasonTooLong(b.reason);
      return checkSymbol(b.token);
    case "propose":
      return problem(govActionProblem(b.action));
    case "set_purpose_keys":
      if (b.request_keys.length > SIGNERS_MAX) invalid(`at most ${SIGNERS_MAX} request keys`);
      if (b.encryption_recipient !== null && (!b.encryption_recipient.startsWith("age1") || byteLength(b.encryption_recipient) > ENCRYPTION_RECIPIENT_BYTES_MAX)) {
        invalid("the encryption recipient must be an age X25519 recipient (age1…)");
      }
      return;
    case "report_misbehavior":
      if (b.evidence.length === 0 || b.evidence.length > MISBEHAVIOR_EVIDENCE_BYTES_MAX) invalid(`evidence must be 1..=${MISBEHAVIOR_EVIDENCE_BYTES_MAX} bytes`);
      return;
    case "store_batch_members":
      if (b.members.length === 0 || b.members.length > BATCH_MEMBERS_PER_TX_MAX) invalid(`a store_batch_members carries 1..=${BATCH_MEMBERS_PER_TX_MAX} members`);
      return;
    case "add_holders":
      if (b.holders.length === 0 || b.holders.length > HOLDERS_PER_TX_MAX) invalid(`add_holders names 1..=${HOLDERS_PER_TX_MAX} holders`);
      if (new Set(b.holders.map(toHex)).size !== b.holders.length) invalid("a holder is named twice");
      return;
    case "set_guardians":
      if (b.guardians.length === 0 || b.guardians.length > SIGNERS_MAX) invalid(`an account has 1..=${SIGNERS_MAX} guardians`);
      if (b.threshold === 0 || b.threshold > b.guardians.length) invalid("the guardian threshold must be 1..=the number of guardians");
      if (b.delay_blocks === 0n || b.delay_blocks > RECOVERY_DELAY_BLOCKS_MAX) invalid(`the recovery time lock must be 1..=${RECOVERY_DELAY_BLOCKS_MAX} blocks`);
      return;
    case "create_subledger":
      return checkSubledger(b.name);
    case "set_rate":
      checkSymbol(b.from);
      checkSymbol(b.to);
      if (b.from === b.to || b.num === 0n || b.den === 0n) invalid("a rate joins two different tokens with a positive num/den");
      return;
    case "instantiate_contract":
    case "call_contract":
      return problem(contractCallProblem(b));
    case "set_invoicing":
      return problem(invoicingProblem(b));
    // set_key_expiry: the key is a public key (the schema's rule); whether it is one of the
    // sender's signer keys is the ledger's to say (`not_a_signer`).
    // delete_original: whether the sender registered the proof, the member exists and its
    // original is not deleted yet is the ledger's to say (`not_registrant`, `no_such_member`,
    // `original_already_deleted`).
    default:
      return;
  }
}

/** The body rules alone (no chain id, no signatures): what a client checks before it signs anything. */
export const checkBodyShape = (body) => checkBody(body);

/**
 * Limits a well-formed transaction respects, whatever state it meets (DecodeError `invalid`
 * otherwise): its signatures and size, then the unsigned part's rules (Rust `Transaction::check_shape`).
 */
export function checkShape(tx, wireBytes = null) {
  if (tx.signatures.length === 0) invalid("transaction carries no signature");
  if (tx.signatures.length > TX_SIGNATURES_MAX) invalid(`more than ${TX_SIGNATURES_MAX} signatures`);
  const size = wireBytes ?? 1 + encode(Transaction, tx).length;
  if (size > TX_BYTES_MAX) throw new DecodeError("too_large", `${size} bytes, more than the ${TX_BYTES_MAX} allowed`);
  checkUnsignedShape(tx.unsigned);
}

/**
 * The rules of the chain id and the body (Rust `UnsignedTx::check_shape`): what a transaction
 * file checks before anyone signs, since its signatures are not there yet.
 */
export function checkUnsignedShape(unsigned) {
  const chainBytes = byteLength(unsigned.chain_id);
  if (chainBytes === 0 || chainBytes > CHAIN_ID_BYTES_MAX) invalid(`chain id must be 1..=${CHAIN_ID_BYTES_MAX} bytes`);
  checkBody(unsigned.body);
}

/** Lowercase hex of a transaction id (what the API calls `tx_hash`). */
export const txHash = (unsigned) => toHex(txId(unsigned));

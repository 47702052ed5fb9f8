// Vellum evidence verifier for the browser (and Node ≥ 20): a port of the independent
// verifier in docs/examples/verify_bundle.py, written from docs/evidence-format.md. Runs
// entirely on the client with WebCrypto (SHA-256, SHA-512, Ed25519, ECDSA P-256) and BigInt
// arithmetic (secp256k1 key recovery, ZIP-215 Ed25519): the document is never uploaded.
//   verifyBundle(bundleBytes, documentBytes | null, pinnedGenesisHex | null[, policy])
//   verifyStatusProof(statusBytes, pinnedGenesisHex | null)            (§6a, magic VELLUMST)
//   statusNow(bundleResult, statusResult)                             (step 9)
//   verifyBundleWithStatus(bundleBytes, statusBytes, documentBytes, pinnedGenesisHex[, policy])
//   verifyCredential(presentation, bundleBytes, statusBytes | null, aud, nonce, pinnedGenesisHex[, policy])
//                            (an SD-JWT VC presentation with its ledger evidence, docs/credentials.md §3)
//   verifyReceipt(receiptBytes, pinnedGenesisHex | null[, policy])    (§5, magic VELLUMRC: a payment)
//   verifyTxReceipt(txReceiptBytes, pinnedGenesisHex | null[, policy]) (§5a, magic VELLUMTR: a transaction
//                            and the leaves it appended — payment records, contract events, an invoice)
// each resolve to { ok: true, ... } or { ok: false, step: "step N (name)", reason }. Bundles of
// version 3 and status proofs carry the registrant's issuer identity (§6a): a result's `issuer`
// is null (an older bundle carries none), { attested: false }, or the attestation; statusNow
// gives the identity now as `issuer_now`; issuerLine(issuer) words it. Bundles of version 4,
// receipts of version 3 and transaction receipts may carry a checkpoint of the log cosigned by
// witnesses (§7a): step 10 checks it against the header (a result's `witnessed`: null, or
// { size, root, cosigners, note }) and, given a witness policy (parseWitnessPolicy(text) of a
// `witness <name> <hex key> [url]` / `quorum <k>` file), that k of the policy's witnesses
// cosigned it (`witness_cosignatures`); witnessedLine(result) words it. A result's
// `epoch_length` is the genesis commitment's (layout 2: blocks per epoch, 2^64 − 1 for one; null
// for an older, layout-1 genesis, which states none): step 3g checks every certified header's
// epoch against its height under it; epochLine words it.
// (Exports are `export function`, `export async function`, `export const hex` and
// `export { fromHex }` only: crates/api/tests/web.rs strips those to run this file under Node.)

const subtle = globalThis.crypto.subtle;
const enc = new TextEncoder();

const sha256 = async (bytes) => new Uint8Array(await subtle.digest("SHA-256", bytes));
const cat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) { out.set(p, i); i += p.length; }
  return out;
};
const eq = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
export const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const fromHex = (s) => new Uint8Array((s.match(/../g) || []).map((h) => parseInt(h, 16)));
const u32le = (v) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v, true); return b; };
const u64le = (v) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, BigInt(v), true); return b; };

class Reader {
  constructor(data) { this.d = data; this.p = 0; this.v = new DataView(data.buffer, data.byteOffset, data.byteLength); }
  take(n) { if (this.p + n > this.d.length) throw new Error("truncated"); const o = this.d.subarray(this.p, this.p + n); this.p += n; return o; }
  u8() { return this.take(1)[0]; }
  u16() { const x = this.v.getUint16(this.p, true); this.take(2); return x; }
  u32() { const x = this.v.getUint32(this.p, true); this.take(4); return x; }
  u64() { const x = this.v.getBigUint64(this.p, true); this.take(8); return x; }
  b32() { return this.take(32); }
  // ignoreBOM: a leading U+FEFF is content, not a byte-order mark (stripping it would decode
  // different bytes than were hashed).
  str() { return this.utf8(this.u32()); }
  utf8(n) { return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(this.take(n)); }
  vec(f) { const n = this.u32(); if (n > 100000) throw new Error("vector too long"); const o = []; for (let i = 0; i < n; i++) o.push(f()); return o; }
  opt(f) { const t = this.u8(); if (t > 1) throw new Error("bad option tag"); return t ? f() : null; }
  bool() { const t = this.u8(); if (t > 1) throw new Error("bad bool"); return t === 1; }
  /** `f()`, with the bytes it read. */
  span(f) { const p0 = this.p; const v = f(); v.bytes = this.d.subarray(p0, this.p); return v; }
}

// ---- Decoding (§2) ----

/** ProofStatus: 0 live, 1 revoked, 2 superseded, 3 suspended; `bytes` is its borsh encoding. */
function status(r) {
  return r.span(() => {
    const k = r.u8();
    if (k === 0) return { name: "live", reason: null, by: null, since: null };
    if (k === 1 || k === 3) return { name: k === 1 ? "revoked" : "suspended", reason: r.str(), by: null, tx: r.b32(), since: Number(r.u64()), time_ms: Number(r.u64()) };
    if (k === 2) return { name: "superseded", reason: null, by: r.b32(), tx: r.b32(), since: Number(r.u64()), time_ms: Number(r.u64()) };
    throw new Error("bad status");
  });
}
const LIVE = { name: "live", reason: null, by: null, since: null, bytes: new Uint8Array([0]) };

const mapProof = (r) => ({ siblings: r.vec(() => r.b32()), terminal: r.opt(() => [r.b32(), r.b32()]) });

const header = (r) => r.span(() => ({ height: r.u64(), parent: r.b32(), epoch: r.u64(), view: r.u64(), time_ms: r.u64(), proposer: r.b32(),
  txs_root: r.b32(), tx_count: r.u32(), log_size: r.u64(), log_root: r.b32(), state_root: r.b32(),
  validator_set_hash: r.b32(), genesis_hash: r.b32() }));

const certificate = (r) => ({ parent_view: r.u64(), signers: r.vec(() => r.u32()), signatures: r.vec(() => r.take(64)) });

/** `u64::MAX`: the epoch length of a chain with a single epoch. */
const U64_MAX = (1n << 64n) - 1n;

/**
 * GenesisCommitment (§2.5) in either layout, with its bytes (the genesis hash is over them; each
 * layout has one encoding). Layout 2 starts `FF FF FF FF 02` and states the epoch length
 * (`epoch_length`: blocks per epoch, 2^64 − 1 for a single epoch); layout 1 (older chains) has no
 * epoch length (`epoch_length` null: step 3g is skipped). A chain id is at most 64 bytes, so the
 * first four bytes tell the layouts apart. Refused (step 1), as in Rust: another layout mark, a
 * chain id over 64 bytes in either layout, a layout-2 epoch length outside 10..=1,000,000 (what
 * a genesis may set: so step 3g never divides by zero).
 */
function genesis(r) {
  return r.span(() => {
    const first = r.u32();
    const layout = first === 0xffffffff ? 2 : 1;
    let chain_id;
    if (layout === 2) {
      const mark = r.u8();
      if (mark !== 2) throw new Error(`unknown genesis commitment layout ${mark}`);
      chain_id = r.str();
    } else {
      if (first > 64) throw new Error(`genesis commitment chain id of ${first} bytes (at most 64)`);
      chain_id = r.utf8(first);
    }
    r.u64(); r.u32(); r.u32(); r.u64(); r.u64();
    const validators = r.vec(() => r.b32());
    const length = layout === 2 ? r.opt(() => r.u64()) : null;
    r.b32();
    if (layout === 2) { // read in full, then checked (as Rust)
      if (enc.encode(chain_id).length > 64) throw new Error("genesis commitment chain id over 64 bytes");
      if (length !== null && (length < 10n || length > 1000000n)) throw new Error(`genesis commitment epoch length of ${length} blocks (a genesis may set 10..=1000000)`);
    }
    return { layout, chain_id, validators, epoch_length: layout === 2 ? length ?? U64_MAX : null };
  });
}

const entry = (r) => r.span(() => ({ record_hash: r.b32(), leaf_index: r.u64(), registrant: r.b32(), registered_digest: r.b32(), count: r.u32(), status: status(r) }));

// Version 2: one validator-set change (boundary header, its certificate, the change record).
function setLink(r) {
  const link = { header: header(r), cert: certificate(r) };
  const rec = r.span(() => ({ seq: r.u64(), effective_epoch: r.u64(), boundary_height: r.u64(),
    validators: r.vec(() => { r.str(); const key = r.b32(); r.b32(); r.str(); return key; }) }));
  Object.assign(link, rec, { record_bytes: rec.bytes, record_proof: mapProof(r) });
  return link;
}

/** The file's magic and version (1 or 2; 3 and 4 for bundles, 3 for receipts), within the size limit; a reader after them. */
function framed(data, magic, what, versions = [1, 2]) {
  if (data.length < 9 || !eq(data.subarray(0, 8), enc.encode(magic)) || !versions.includes(data[8])) throw new Error(`not a Vellum ${what} (bad magic or version)`);
  if (data.length > 65536) throw new Error(`${what} over the 64 KiB limit`);
  const r = new Reader(data);
  r.take(9);
  return r;
}

/** The validator chain: none in version 1, one or more changes in version 2, any in versions 3 and 4. */
function validatorChain(r, data, what) {
  const chain = data[8] >= 2 ? r.vec(() => setLink(r)) : [];
  // One evidence, one encoding: a version-2 file without set changes would be version 1.
  if (data[8] === 2 && chain.length === 0) throw new Error(`a version-2 ${what} must carry at least one validator-set change`);
  return chain;
}

const end = (r, data) => { if (r.p !== data.length) throw new Error("trailing bytes"); };

/**
 * IssuerEvidence (§2.5): the registrant's attestation (its borsh bytes kept: the state holds
 * their hash) or none, and the map proof of `StateKey::IssuerProfile(registrant)`.
 */
function issuerEvidence(r) {
  const attestation = r.opt(() => r.span(() => ({
    name: r.str(), domain: r.str(), x509_sha256: r.opt(() => r.b32()), well_known_sha256: r.b32(),
    attested_by: r.b32(), tx_id: r.b32(), height: r.u64(), time_ms: r.u64(),
    revoked: r.opt(() => ({ by: r.b32(), reason: r.str(), tx_id: r.b32(), height: r.u64(), time_ms: r.u64() })),
  })));
  return { attestation, proof: mapProof(r) };
}

function record(r) {
  return r.span(() => {
    const rec = { proof_id: r.b32() };
    const kind = r.u8();
    if (kind === 0) rec.registered = { single: true, digest: r.b32() };
    else if (kind === 1) rec.registered = { single: false, root: r.b32(), count: r.u32() };
    else throw new Error("bad registration kind");
    rec.schema = r.str(); rec.metadata_digest = r.b32(); rec.salted = r.bool(); rec.registrant = r.b32();
    // PublicKey variants: 0 Ed25519 (32 bytes), 1 secp256k1 and 2 P-256 (33, SEC1 compressed).
    const keyKind = r.u8();
    const scheme = ["ed25519", "secp256k1", "p256"][keyKind];
    if (scheme === undefined) throw new Error(`unknown public key variant ${keyKind}`);
    rec.signer = { scheme, key: r.take(keyKind === 0 ? 32 : 33) };
    rec.tx_id = r.b32(); rec.height = r.u64(); rec.time_ms = r.u64();
    return rec;
  });
}

/** Witnessed (§2.5, §7a): the cosigned checkpoint note and the consistency proof to the header's log. */
const witnessedSection = (r) => ({ note: r.str(), consistency: r.vec(() => r.b32()) });

/** An evidence bundle (`VELLUMEV`, §2.1). */
export function parse(data) {
  const r = framed(data, "VELLUMEV", "evidence bundle", [1, 2, 3, 4]);
  const g = genesis(r);
  const b = { chain_id: g.chain_id, validators: g.validators, genesis_bytes: g.bytes, epoch_length: g.epoch_length, header: header(r), cert: certificate(r), record: record(r) };
  b.log_proof = r.vec(() => r.b32());
  b.entry = entry(r);
  b.entry_proof = mapProof(r);
  b.member = r.opt(() => ({ index: r.u32(), leaf: r.b32(), batch_proof: r.vec(() => r.b32()), status: r.opt(() => status(r)), status_proof: mapProof(r) }));
  b.document = r.opt(() => ({ digest: r.b32(), salt: r.opt(() => r.b32()) }));
  b.chain = validatorChain(r, data, "bundle");
  // Version 3: the issuer section, which must be present; version 4: either; versions 1 and 2 have none.
  b.issuer = data[8] >= 3 ? r.opt(() => issuerEvidence(r)) : null;
  if (data[8] === 3 && !b.issuer) throw new Error("a version-3 bundle must carry the issuer section (without it, it is version 1 or 2)");
  // Version 4: the witnessed section, which must be present.
  b.witnessed = data[8] === 4 ? r.opt(() => witnessedSection(r)) : null;
  if (data[8] === 4 && !b.witnessed) throw new Error("a version-4 bundle must carry the witnessed section (without it, it is version 3 or older)");
  end(r, data);
  return b;
}

/** A status proof (`VELLUMST`, §2.4). */
export function parseStatus(data) {
  const r = framed(data, "VELLUMST", "status proof");
  const g = genesis(r);
  const s = { chain_id: g.chain_id, validators: g.validators, genesis_bytes: g.bytes, epoch_length: g.epoch_length, header: header(r), cert: certificate(r), proof_id: r.b32() };
  s.entry = entry(r);
  s.entry_proof = mapProof(r);
  s.member = r.opt(() => ({ index: r.u32(), status: r.opt(() => status(r)), status_proof: mapProof(r) }));
  s.issuer = issuerEvidence(r);
  s.chain = validatorChain(r, data, "status proof");
  end(r, data);
  return s;
}

// Payment receipts (§2.2, §2.5): the signed transaction, whose body is a Transfer (9) or a
// DecideHold (12) — the only transactions that leave a payment record — and the record.

const u128 = (r) => { const lo = r.u64(); return (r.u64() << 64n) | lo; };
const hash32Opt = (r) => r.opt(() => r.b32());

/** A Transfer leg: `{ to, token, amount, convert: { to_token, rate_version } | null }`. */
const txLeg = (r) => ({ to: r.b32(), token: r.str(), amount: u128(r), convert: r.opt(() => ({ to_token: r.str(), rate_version: r.u64() })) });

function txBody(r) {
  const k = r.u8();
  if (k === 9) return { type: "transfer", legs: r.vec(() => txLeg(r)), reference: hash32Opt(r) };
  if (k === 12) return { type: "decide_hold", hold: r.u64(), post: r.bool(), reason: r.str() };
  throw new Error(`the transaction's body (variant ${k}) is not a Transfer (9) or a DecideHold (12), the only transactions a payment receipt proves`);
}

/** Signature (wire-format.md §5): 0 Ed25519 { key, sig }, 1 secp256k1 { sig, recovery_id }, 2 P-256 { key, sig }. */
function txSignature(r) {
  const k = r.u8();
  if (k === 0) return { scheme: "ed25519", key: r.b32(), sig: r.take(64) };
  if (k === 1) return { scheme: "secp256k1", sig: r.take(64), recovery_id: r.u8() };
  if (k === 2) return { scheme: "p256", key: r.take(33), sig: r.take(64) };
  throw new Error(`unknown signature variant ${k}`);
}

/**
 * Transaction { unsigned, signatures }, with the borsh bytes of both it and `unsigned` (`bytes`);
 * `body` reads the body (a payment receipt's two kinds by default; `txBodyJson`: any).
 */
const transaction = (r, body = txBody) => r.span(() => ({
  unsigned: r.span(() => ({ chain_id: r.str(), sender: r.b32(), nonce: r.u64(), expiry_height: r.u64(), body: body(r) })),
  signatures: r.vec(() => txSignature(r)),
}));

const settledLeg = (r) => ({ to: r.b32(), token: r.str(), amount: u128(r), credit_token: r.str(), credit_amount: u128(r),
  conversion: r.opt(() => ({ desk: r.b32(), num: r.u64(), den: r.u64(), rate_version: r.u64() })) });

/** Alert variants (evidence-format §5), in order: [rule, its fields with how each is read (accounts as hex)]. */
const A_TOKEN = ["token", (r) => r.str()];
const A_ACCOUNT = ["account", (r) => hex(r.b32())];
const A_U32 = (name) => [name, (r) => r.u32()];
const A_U128 = (name) => [name, u128];
const A_TIER = ["tier", (r) => r.u8()];
const ALERTS = [
  ["large_transfer", [A_TOKEN, A_U128("amount")]],
  ["velocity_amount", [A_TOKEN, A_U128("window_amount")]],
  ["velocity_count", [A_TOKEN, A_U32("window_count")]],
  ["structuring", [A_TOKEN, A_U32("just_under_count")]],
  ["inflow_amount", [A_TOKEN, A_ACCOUNT, A_U128("window_amount")]],
  ["inflow_count", [A_TOKEN, A_ACCOUNT, A_U32("window_count")]],
  ["distinct_senders", [A_TOKEN, A_ACCOUNT, A_U32("senders")]],
  ["tier_leg", [A_TOKEN, A_TIER, A_U128("amount")]],
  ["tier_window", [A_TOKEN, A_TIER, A_U128("window_amount")]],
  ["sanctions", [A_ACCOUNT, ["list_version", (r) => r.u64()]]],
];
function alert(r) {
  const k = r.u8();
  if (!ALERTS[k]) throw new Error(`unknown alert variant ${k}`);
  const [rule, fields] = ALERTS[k];
  const out = { rule };
  for (const [name, read] of fields) out[name] = read(r);
  return out;
}

function paymentOutcome(r) {
  const k = r.u8();
  const legs = () => r.vec(() => settledLeg(r));
  if (k === 0) return { outcome: "settled", legs: legs(), reference: hash32Opt(r) };
  if (k === 1) return { outcome: "held", hold: r.u64(), legs: legs(), alerts: r.vec(() => alert(r)), reference: hash32Opt(r) };
  if (k === 2) return { outcome: "hold_posted", hold: r.u64(), transfer: r.b32(), from: r.b32(), legs: legs() };
  if (k === 3) return { outcome: "hold_voided", hold: r.u64(), transfer: r.b32(), from: r.b32() };
  throw new Error(`unknown payment outcome variant ${k}`);
}

const paymentRecord = (r) => r.span(() => ({ tx_id: r.b32(), height: r.u64(), time_ms: r.u64(), sender: r.b32(), outcome: paymentOutcome(r) }));

/** A payment receipt (`VELLUMRC`, §2.2). */
export function parseReceipt(data) {
  const r = framed(data, "VELLUMRC", "payment receipt", [1, 2, 3]);
  const g = genesis(r);
  const rc = { chain_id: g.chain_id, validators: g.validators, genesis_bytes: g.bytes, epoch_length: g.epoch_length, header: header(r), cert: certificate(r) };
  rc.tx = transaction(r);
  rc.tx_index = r.u64();
  rc.tx_proof = r.vec(() => r.b32());
  rc.record = paymentRecord(r);
  rc.record_proof = r.vec(() => r.b32());
  rc.chain = validatorChain(r, data, "payment receipt");
  // Version 3: the witnessed section, which must be present; versions 1 and 2 have none.
  rc.witnessed = data[8] === 3 ? r.opt(() => witnessedSection(r)) : null;
  if (data[8] === 3 && !rc.witnessed) throw new Error("a version-3 payment receipt must carry the witnessed section (without it, it is version 1 or 2)");
  end(r, data);
  return rc;
}

// Transaction receipts (§5a): a transaction of any kind, read into the JSON form of
// docs/wire-format.md §8 straight from borsh (hashes and byte strings as hex, u128 as decimal
// text, u64 as a number — a BigInt beyond 2^53 —, keys as `scheme:hex`, enums tagged by name),
// field for field in Rust declaration order (crates/types/src/tx.rs); then the leaves it appended.

const J = {
  u8: (r) => r.u8(),
  u16: (r) => r.u16(),
  u32: (r) => r.u32(),
  u64: (r) => jsonInt(r.u64()),
  u128: (r) => String(u128(r)),
  bool: (r) => r.bool(),
  str: (r) => r.str(),
  h32: (r) => hex(r.b32()),
  bytes: (r) => hex(r.take(r.u32())),
  key: (r) => {
    const k = r.u8();
    const scheme = ["ed25519", "secp256k1", "p256"][k];
    if (scheme === undefined) throw new Error(`unknown public key variant ${k}`);
    return `${scheme}:${hex(r.take(k === 0 ? 32 : 33))}`;
  },
  opt: (f) => (r) => r.opt(() => f(r)),
  vec: (f) => (r) => r.vec(() => f(r)),
  struct: (fields) => (r) => { const o = {}; for (const [name, f] of fields) o[name] = f(r); return o; },
  /** An enum with data: `{ [tag]: name, ...fields }`; `variants` in declaration order, `[name, fields | null]`. */
  enum: (what, tag, variants) => (r) => {
    const k = r.u8();
    if (!variants[k]) throw new Error(`unknown ${what} variant ${k}`);
    const [name, fields] = variants[k];
    return Object.assign({ [tag]: name }, J.struct(fields || [])(r));
  },
  unit: (what, names) => (r) => { const k = r.u8(); if (k >= names.length) throw new Error(`unknown ${what} variant ${k}`); return names[k]; },
};
const J_ROLE = J.unit("role", ["user", "council", "registrar", "issuer", "auditor", "compliance", "node", "desk", "tax_authority"]);
const J_TOKEN_FLAGS = J.struct([["kyc_required", J.bool], ["clawback", J.bool], ["pausable", J.bool]]);
const J_SIGNER_SET = J.struct([["signers", J.vec(J.struct([["key", J.key], ["weight", J.u16]]))], ["threshold", J.u32]]);
const J_LEG = J.struct([["to", J.h32], ["token", J.str], ["amount", J.u128], ["convert", J.opt(J.struct([["to_token", J.str], ["rate_version", J.u64]]))]]);
const J_TIER_LIMIT = J.struct([["tier", J.u8], ["leg_amount_max", J.u128], ["window_amount_max", J.u128]]);
const J_RULES = J.struct([["large_amount", J.u128], ["window_ms", J.u64], ["window_amount_max", J.u128], ["window_count_max", J.u32],
  ["structuring_floor_bps", J.u16], ["structuring_count", J.u32], ["hold_timeout_ms", J.u64],
  ["inflow_amount_max", J.u128], ["inflow_count_max", J.u32], ["distinct_senders_max", J.u32], ["tier_limits", J.vec(J_TIER_LIMIT)], ["version", J.u64]]);
const J_KYC_TERMS = J.struct([["tier", J.u8], ["expires_ms", J.u64], ["screening", J.opt(J.h32)]]);
const J_PROFILE = J.struct([["name", J.str], ["domain", J.str], ["x509_sha256", J.opt(J.h32)], ["well_known_sha256", J.h32]]);
const J_CREATE_TOKEN = [["symbol", J.str], ["decimals", J.u8], ["issuer", J.h32], ["subledger", J.opt(J.str)], ["flags", J_TOKEN_FLAGS]];
const J_SET_RATE = [["from", J.str], ["to", J.str], ["num", J.u64], ["den", J.u64], ["desk", J.h32]];
const J_GOV_ACTION = J.enum("governance action", "action", [
  ["create_token", J_CREATE_TOKEN],
  ["set_monitoring", [["token", J.str], ["rules", J_RULES]]],
  ["set_rate", J_SET_RATE],
  ["create_subledger", [["name", J.str], ["kyc_required", J.bool]]],
  ["grant_role", [["account", J.h32], ["role", J_ROLE]]],
  ["revoke_role", [["account", J.h32], ["role", J_ROLE]]],
  ["set_rules", [["digest", J.h32], ["uri", J.str]]],
  ["set_council", [["members", J.vec(J.h32)], ["threshold", J.u32]]],
  ["register_module", [["name", J.str], ["code_digest", J.h32], ["review_digest", J.h32]]],
  ["set_module_paused", [["name", J.str], ["paused", J.bool]]],
  ["add_validator", [["validator", J.struct([["name", J.str], ["consensus_key", J.h32], ["p2p_key", J.h32], ["address", J.str]])]]],
  ["remove_validator", [["consensus_key", J.h32]]],
  ["set_consensus_params", [["params", J.struct([["block_txs_max", J.u32], ["block_bytes_max", J.u32], ["block_time_future_skew_ms", J.u64], ["block_time_past_skew_ms", J.u64]])]]],
  ["set_reason_codes", [["codes", J.vec(J.str)]]],
  ["attest_issuer", [["issuer", J.h32], ["profile", J_PROFILE]]],
  ["set_witnesses", [["policy", J.struct([["witnesses", J.vec(J.struct([["name", J.str], ["key", J.h32], ["url", J.str]]))], ["quorum", J.u32]])]]],
  ["register_code", [["name", J.str], ["code", J.bytes], ["review_digest", J.h32]]],
  ["set_contract_paused", [["contract", J.h32], ["paused", J.bool]]],
  ["upgrade_contract", [["contract", J.h32], ["code_digest", J.h32]]],
  ["set_code_advisory", [["code_digest", J.h32], ["advisory", J.opt(J.h32)]]],
  ["update_sanctions", [["add", J.vec(J.h32)], ["remove", J.vec(J.h32)]]],
]);
/** `ReadRecord`: one read (or refused read) of an account's data, as a node records it on the ledger. */
const J_READ_RECORD = J.struct([["owner", J.h32], ["action", J.str], ["item", J.opt(J.h32)], ["reader", J.opt(J.h32)], ["allowed", J.bool], ["time_ms", J.u64]]);
/** TxBody, every kind (OpenAccount = 0 … DeleteOriginal = 39), in the JSON form. */
const txBodyJson = J.enum("transaction body", "type", [
  ["open_account", [["public_key", J.key], ["kyc_commitment", J.opt(J.h32)], ["label", J.str], ["role", J_ROLE], ["subledger", J.opt(J.str)], ["kyc", J.opt(J_KYC_TERMS)]]],
  ["set_account_status", [["account", J.h32], ["status", J.unit("account status", ["active", "frozen", "revoked"])], ["reason", J.str]]],
  ["register_proof", [["digest", J.h32], ["schema", J.str], ["metadata_digest", J.h32], ["salted", J.bool]]],
  ["register_batch", [["root", J.h32], ["count", J.u32], ["schema", J.str], ["metadata_digest", J.h32], ["salted", J.bool]]],
  ["set_proof_status", [["proof", J.h32], ["member", J.opt(J.u32)],
    ["change", J.enum("proof change", "change", [["revoke", [["reason", J.str]]], ["supersede", [["by", J.h32]]], ["suspend", [["reason", J.str]]], ["reinstate", null]])]]],
  ["audit_batch", [["entries", J.vec(J.struct([["proof", J.h32], ["reader", J.opt(J.h32)], ["action", J.str], ["allowed", J.bool], ["time_ms", J.u64]]))]]],
  ["create_token", J_CREATE_TOKEN],
  ["mint", [["token", J.str], ["to", J.h32], ["amount", J.u128]]],
  ["burn", [["token", J.str], ["amount", J.u128]]],
  ["transfer", [["legs", J.vec(J_LEG)], ["reference", J.opt(J.h32)]]],
  ["set_signers", [["set", J_SIGNER_SET]]],
  ["set_monitoring", [["token", J.str], ["rules", J_RULES]]],
  ["decide_hold", [["hold", J.u64], ["post", J.bool], ["reason", J.str]]],
  ["set_token_paused", [["token", J.str], ["paused", J.bool], ["reason", J.str]]],
  ["clawback", [["token", J.str], ["from", J.h32], ["amount", J.u128], ["reason", J.str]]],
  ["create_subledger", [["name", J.str], ["kyc_required", J.bool]]],
  ["set_rate", J_SET_RATE],
  ["propose", [["action", J_GOV_ACTION], ["deadline_height", J.u64]]],
  ["vote", [["proposal", J.u64]]],
  ["set_guardians", [["guardians", J.vec(J.h32)], ["threshold", J.u32], ["delay_blocks", J.u64]]],
  ["propose_recovery", [["account", J.h32], ["set", J_SIGNER_SET]]],
  ["cancel_recovery", null],
  ["execute_recovery", [["account", J.h32]]],
  ["set_purpose_keys", [["request_keys", J.vec(J.key)], ["encryption_recipient", J.opt(J.str)]]],
  ["report_misbehavior", [["validator", J.h32], ["kind", J.unit("misbehavior kind", ["conflicting_notarize", "conflicting_finalize", "nullify_finalize"])], ["epoch", J.u64], ["view", J.u64], ["evidence", J.bytes]]],
  ["revoke_issuer", [["issuer", J.h32], ["from_height", J.u64], ["reason", J.str]]],
  ["store_batch_members", [["proof", J.h32], ["first", J.u32], ["members", J.vec(J.struct([["digest", J.h32], ["holder", J.opt(J.h32)]]))]]],
  ["add_holders", [["proof", J.h32], ["member", J.opt(J.u32)], ["holders", J.vec(J.h32)]]],
  ["attest_issuer", [["issuer", J.h32], ["profile", J_PROFILE]]],
  ["revoke_attestation", [["issuer", J.h32], ["reason", J.str]]],
  ["instantiate_contract", [["code_digest", J.h32], ["input", J.bytes], ["fuel", J.u64]]],
  ["call_contract", [["contract", J.h32], ["function", J.str], ["input", J.bytes], ["fuel", J.u64]]],
  ["set_invoicing", [["tax_authority", J.h32], ["token", J.str], ["vat_basis_points", J.u32]]],
  ["issue_invoice", [["payment", J.h32], ["document_digest", J.h32]]],
  ["reimburse_invoice", [["invoice", J.h32]]],
  ["clear_invoice_tax", [["invoice", J.h32]]],
  ["set_kyc", [["account", J.h32], ["terms", J_KYC_TERMS]]],
  ["audit_reads", [["entries", J.vec(J_READ_RECORD)]]],
  ["set_key_expiry", [["key", J.key], ["expires_ms", J.u64]]],
  ["delete_original", [["proof", J.h32], ["member", J.u32]]],
]);

const J_SPEND = J.opt(J.struct([["by", J.h32], ["tx_id", J.h32], ["height", J.u64]]));
/** The leaves a transaction appends after itself (Rust `Appended`): kind, the leaf's domain tag, its record in the JSON form. */
const APPENDED = [
  ["payment", "VELLUM:PAYMENT-RECORD:", (r) => {
    const p = paymentRecord(r);
    return { tx_id: hex(p.tx_id), height: jsonInt(p.height), time_ms: jsonInt(p.time_ms), sender: hex(p.sender), outcome: outcomeJson(p.outcome) };
  }],
  ["event", "VELLUM:CONTRACT-EVENT:", J.struct([["tx_id", J.h32], ["height", J.u64], ["contract", J.h32], ["seq", J.u32], ["data", J.bytes]])],
  ["invoice", "VELLUM:INVOICE-RECORD:", J.struct([["tx_id", J.h32], ["height", J.u64], ["time_ms", J.u64], ["invoice", J.struct([
    ["id", J.h32], ["payment", J.h32], ["seller", J.h32], ["buyer", J.h32], ["tax_authority", J.h32], ["token", J.str], ["amount", J.u128], ["vat", J.u128],
    ["document_digest", J.h32], ["issued_height", J.u64], ["reimbursed", J_SPEND], ["tax_cleared", J_SPEND]])]])],
];
/** One `(Appended, Vec<[u8; 32]>)`: `{ kind, record, tag, bytes (the record's borsh), proof }`. */
function appendedLeaf(r) {
  const k = r.u8();
  if (!APPENDED[k]) throw new Error(`unknown appended leaf variant ${k} (0 payment, 1 event, 2 invoice)`);
  const [kind, tag, read] = APPENDED[k];
  const p0 = r.p;
  const record = read(r);
  return { kind, record, tag, bytes: r.d.subarray(p0, r.p), proof: r.vec(() => r.b32()) };
}
const TX_RECEIPT_LEAVES_MAX = 1024;

/**
 * A transaction receipt (`VELLUMTR ‖ 0x01 ‖ borsh(TxReceipt)`, §5a: one version, every field
 * present): 1..=1,024 appended leaves, or step 1 (as the Rust verifier checks it).
 */
export function parseTxReceipt(data) {
  const r = framed(data, "VELLUMTR", "transaction receipt", [1]);
  const g = genesis(r);
  const t = { chain_id: g.chain_id, validators: g.validators, genesis_bytes: g.bytes, epoch_length: g.epoch_length, header: header(r), cert: certificate(r) };
  t.tx = transaction(r, txBodyJson);
  t.tx_index = r.u64();
  t.tx_proof = r.vec(() => r.b32());
  t.appended = r.vec(() => appendedLeaf(r));
  t.chain = r.vec(() => setLink(r));
  t.witnessed = r.opt(() => witnessedSection(r));
  end(r, data);
  if (t.appended.length === 0 || t.appended.length > TX_RECEIPT_LEAVES_MAX) throw new Error(`a transaction receipt proves 1..=${TX_RECEIPT_LEAVES_MAX} leaves after its transaction`);
  return t;
}

/** Which evidence file `data` is, by its magic: "bundle", "status", "receipt", "tx_receipt", "log_anchor" or null. */
export function fileKind(data) {
  const magic = new TextDecoder().decode(data.subarray(0, 8));
  return { VELLUMEV: "bundle", VELLUMST: "status", VELLUMRC: "receipt", VELLUMTR: "tx_receipt", VELLUMLA: "log_anchor" }[magic] || null;
}

// ---- Hashes and proofs (§1, §3) ----

const canonical = (tag, body) => cat(enc.encode(tag), new Uint8Array([1]), body);
const leaf = (d) => sha256(cat(new Uint8Array([0]), d));
const node = (l, r) => sha256(cat(new Uint8Array([1]), l, r));
const stateKey = (index, ...fields) => sha256(canonical("VELLUM:STATE-KEY:", cat(new Uint8Array([index]), ...fields)));
const valueHash = (bytes) => sha256(cat(new Uint8Array([1]), bytes));

async function verifyInclusion(index, size, leafHash, proof, root) {
  if (index >= size) return false;
  let fn = index, sn = size - 1n, h = leafHash;
  for (const p of proof) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      h = await node(p, h);
      while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      h = await node(h, p);
    }
    fn >>= 1n; sn >>= 1n;
  }
  return sn === 0n && eq(h, root);
}

const bit = (key, depth) => (key[depth >> 3] >> (7 - (depth & 7))) & 1;

async function verifyMap(proof, root, key) {
  const sib = proof.siblings, t = proof.terminal;
  let h;
  if (!t) h = new Uint8Array(32);
  else {
    const [k, vh] = t;
    if (!eq(k, key)) for (let d = 0; d < sib.length; d++) if (bit(k, d) !== bit(key, d)) throw new Error("terminal leaf not on the key's path");
    h = await sha256(cat(new Uint8Array([0]), k, vh));
  }
  for (let d = sib.length - 1; d >= 0; d--) h = bit(key, d) ? await node(sib[d], h) : await node(h, sib[d]);
  if (!eq(h, root)) throw new Error("map proof does not match the state root");
  return t && eq(t[0], key) ? { present: true, valueHash: t[1] } : { present: false };
}

function varint(v) {
  const out = [];
  let x = BigInt(v);
  for (;;) {
    const byte = Number(x & 0x7fn);
    x >>= 7n;
    if (x === 0n) { out.push(byte); return new Uint8Array(out); }
    out.push(byte | 0x80);
  }
}

async function ed25519Verify(pub, sig, msg) {
  const key = await subtle.importKey("raw", pub, { name: "Ed25519" }, false, ["verify"]);
  return subtle.verify({ name: "Ed25519" }, key, sig, msg);
}

// ---- Verification (§4, §6a) ----

const STEPS = ["decode", "checkpoint", "validator set", "certificate", "log inclusion", "state entry", "batch inclusion", "document", "status", "witnesses"];

/** A failed step, thrown inside a verification and turned into `{ ok: false, step, reason }`. */
class StepFailure extends Error {
  constructor(n, reason) { super(reason); this.n = n; }
}
const stop = (n, reason) => { throw new StepFailure(n, reason); };
const failed = (n, reason) => ({ ok: false, step: `step ${n} (${STEPS[n - 1]})`, reason });

/** Runs a verification: its result, or the step that failed. */
async function run(verification) {
  try {
    return await verification();
  } catch (e) {
    if (e instanceof StepFailure) return failed(e.n, e.message);
    throw e;
  }
}

/** Step 1: the file decodes. */
function decoded(parser, data) {
  try { return parser(data); } catch (e) { return stop(1, e.message); }
}

/** Steps 3-4 for one header: it carries the set's hash and more than 2/3 of the set signed it. */
async function checkSigned(hd, c, vals, genesisHash, what) {
  const vs = await sha256(canonical("VELLUM:VALIDATOR-SET:", cat(u32le(vals.length), ...vals)));
  // Every set on the chain (genesis, each change) reaches this check before it is trusted.
  const sorted = vals.length > 0 && vals.every((v, i) => i === 0 || hex(vals[i - 1]) < hex(v));
  if (!eq(vs, hd.validator_set_hash) || !eq(hd.genesis_hash, genesisHash) || !sorted) stop(3, `${what} was not produced by the validator set the chain leads to`);
  const headerHash = await sha256(canonical("VELLUM:BLOCK-HEADER:", hd.bytes));
  const n = vals.length, quorum = n - Math.floor((n - 1) / 3);
  const increasing = c.signers.every((s, i) => i === 0 || c.signers[i - 1] < s);
  if (c.signers.length !== c.signatures.length || c.signers.length < quorum || !increasing || c.signers.some((i) => i >= n)) {
    stop(4, `${what}: ${c.signers.length} of ${n} validators signed; more than 2/3 (${quorum}) are needed`);
  }
  const ns = enc.encode("VELLUM_CONSENSUS_FINALIZE");
  const msg = cat(varint(ns.length), ns, varint(hd.epoch), varint(hd.view), varint(c.parent_view), headerHash);
  for (let k = 0; k < c.signers.length; k++) {
    let good = false;
    try { good = await ed25519Verify(vals[c.signers[k]], c.signatures[k], msg); } catch (e) { good = false; }
    if (!good) stop(4, `${what}: signature of validator ${c.signers[k]} does not verify`);
  }
}

/**
 * 3g: under a committed epoch length `l` (layout 2; null: layout 1, skipped), a certified
 * header's epoch is its height's (u64 arithmetic in BigInt: `l` may be 2^64 − 1).
 */
function checkEpoch(hd, l, what) {
  if (l === null) return; // (never 0: decoding refused that)
  if (hd.epoch !== hd.height / l) stop(3, `${what} at height ${hd.height} claims epoch ${hd.epoch}, not ${hd.height / l} under the committed epoch length of ${l} blocks`);
}

/** Version 2: one validator-set change, signed by the set before it; returns the next set. */
async function followLink(link, seq, vals, setEpoch, anchored, genesisHash, epochLength) {
  const lh = link.header, what = `validator-set change ${seq}`;
  await checkSigned(lh, link.cert, vals, genesisHash, what);
  // 3g: the change sits on the last block of an epoch (`height + 1` overflows at u64::MAX: none there).
  checkEpoch(lh, epochLength, what);
  if (epochLength !== null && (lh.height === U64_MAX || (lh.height + 1n) % epochLength !== 0n)) {
    stop(3, `${what} is at height ${lh.height}, not the last block of an epoch of ${epochLength} blocks`);
  }
  if (link.seq !== seq || link.boundary_height !== lh.height || link.effective_epoch !== lh.epoch + 1n || lh.epoch >= anchored.epoch || lh.epoch < setEpoch) {
    stop(3, `${what} is out of order`);
  }
  const key = await stateKey(25, u64le(seq));
  let found;
  try { found = await verifyMap(link.record_proof, lh.state_root, key); } catch (err) { stop(3, `${what}: ${err.message}`); }
  if (!found.present || !eq(found.valueHash, await valueHash(link.record_bytes))) stop(3, `${what} is not in its boundary block's state`);
  return link.validators;
}

/** A result's `epoch_length`: blocks per epoch as the genesis commits it (2^64 − 1: one epoch), or null (layout 1: none). */
const epochLengthField = (f) => (f.epoch_length === null ? null : jsonInt(f.epoch_length));

/**
 * What a result's `epoch_length` means for step 3g, in words: "epoch length committed: 20
 * blocks" (every certified header's epoch checked against its height, set changes on epoch
 * boundaries), "... a single epoch", or, for an older genesis (layout 1), that it states none.
 */
export function epochLine(result) {
  const l = result.epoch_length;
  if (l === null || l === undefined) return "epoch length not committed (an older genesis): header epochs not checked against heights";
  return BigInt(l) === U64_MAX ? "epoch length committed: a single epoch" : `epoch length committed: ${l} blocks`;
}

/** Steps 2-4, shared by bundles and status proofs: returns the genesis hash and the set size. */
async function verifyAnchor(f, pinnedHex, what) {
  const genesisHash = await sha256(canonical("VELLUM:GENESIS:", f.genesis_bytes));
  if (pinnedHex && hex(genesisHash) !== pinnedHex.toLowerCase()) stop(2, `${what} is for genesis ${hex(genesisHash)}, not the pinned ${pinnedHex}`);
  let vals = f.validators;
  let setEpoch = 0n; // the epoch from which the current set signs
  for (let i = 0; i < f.chain.length; i++) {
    vals = await followLink(f.chain[i], BigInt(i + 1), vals, setEpoch, f.header, genesisHash, f.epoch_length);
    setEpoch = f.chain[i].effective_epoch;
  }
  // 3g for the anchored header, before its 3a-3c (as the Rust verifier evaluates them).
  checkEpoch(f.header, f.epoch_length, "the header");
  await checkSigned(f.header, f.cert, vals, genesisHash, "the header");
  return { genesisHash, n: vals.length };
}

/** Steps 6a-6b: the entry is the state's under `StateKey::Proof(proofId)`. */
async function checkEntry(entryProof, root, proofId, e) {
  const key = await stateKey(1, proofId);
  let found;
  try { found = await verifyMap(entryProof, root, key); } catch (err) { stop(6, err.message); }
  if (!found.present || !eq(found.valueHash, await valueHash(e.bytes))) stop(6, "the state holds another entry for this proof");
}

/**
 * Step 6d: the issuer section proves the registrant's attested identity, or that it has none,
 * under `StateKey::IssuerProfile(registrant)` in the header's state. Returns the result's `issuer`.
 */
async function checkIssuer(ev, registrant, root) {
  let found;
  try { found = await verifyMap(ev.proof, root, await stateKey(38, registrant)); } catch (err) { stop(6, `issuer identity proof: ${err.message}`); }
  const a = ev.attestation;
  if (!a && !found.present) return { attested: false };
  if (!a || !found.present || !eq(found.valueHash, await valueHash(a.bytes))) stop(6, "the issuer identity does not match the state");
  const rv = a.revoked;
  return {
    attested: true, name: a.name, domain: a.domain,
    x509_sha256: a.x509_sha256 ? hex(a.x509_sha256) : null, well_known_sha256: hex(a.well_known_sha256),
    attested_by: hex(a.attested_by), tx_id: hex(a.tx_id), height: Number(a.height), time_ms: Number(a.time_ms),
    revoked: rv ? { by: hex(rv.by), reason: rv.reason, tx_id: hex(rv.tx_id), height: Number(rv.height), time_ms: Number(rv.time_ms) } : null,
  };
}

/** Steps 7d-7e: the member's own status entry (null: never changed) is the state's; returns it. */
async function memberOwnStatus(m, root, proofId) {
  const key = await stateKey(3, proofId, u32le(m.index));
  let found;
  try { found = await verifyMap(m.status_proof, root, key); } catch (err) { stop(7, err.message); }
  if (!m.status) {
    if (found.present) stop(7, "member status hidden");
    return LIVE;
  }
  if (!found.present || !eq(found.valueHash, await valueHash(m.status.bytes))) stop(7, "member status does not match the state");
  return m.status;
}

/**
 * The `effective` status of a batch member (§4 step 7): a final status of the registration
 * wins; else a final status of the member; else a suspended registration; else the member's own.
 */
function effective(registration, member) {
  const final = (s) => s.name === "revoked" || s.name === "superseded";
  if (final(registration)) return registration;
  if (member && final(member)) return member;
  if (registration.name !== "live") return registration;
  return member || LIVE;
}

/** Step 8: the bundle's opening, and the document itself when given. */
async function checkDocument(rec, d, registered, documentBytes) {
  if (d) {
    if (rec.salted !== !!d.salt) stop(8, "salt and registration disagree");
    const opened = rec.salted ? await sha256(canonical("VELLUM:SALTED-DIGEST:", cat(d.salt, d.digest))) : d.digest;
    if (!eq(opened, registered)) stop(8, "the bundle's document digest does not open the registered digest");
  }
  if (!documentBytes) return "not checked";
  const dd = await sha256(documentBytes);
  const match = rec.salted ? (d && eq(d.digest, dd)) : eq(dd, registered);
  if (!match) stop(8, `the document's SHA-256 ${hex(dd)} is not the registered one`);
  return "matched";
}

/** Step 7 of a bundle: the registered digest and the status that applies. */
async function checkBatch(b, rec, hd) {
  const m = b.member;
  if (rec.registered.single) {
    if (m) stop(7, "a single registration has no members");
    return { registered: rec.registered.digest, st: b.entry.status };
  }
  if (!m) stop(7, "the bundle names no document of this batch");
  if (!(await verifyInclusion(BigInt(m.index), BigInt(rec.registered.count), await leaf(m.leaf), m.batch_proof, rec.registered.root))) {
    stop(7, `document is not member ${m.index} of the batch`);
  }
  const own = await memberOwnStatus(m, hd.state_root, rec.proof_id);
  return { registered: m.leaf, st: effective(b.entry.status, own) };
}

// ---- Witnesses (step 10, §7a, §10) ----
//
// A port of crates/evidence/src/checkpoint.rs (C2SP checkpoint notes with tlog-cosignature
// lines), witness.rs `verify_witnessed` (10a-10c), verify.rs `check_witness_policy` (10d) and the
// CLI's policy file (crates/cli/src/witness.rs).

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/** Standard base64 with padding. */
function b64(bytes) {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0), chars = Math.min(bytes.length - i, 3) + 1;
    for (let j = 0; j < 4; j++) out += j < chars ? B64[(n >> (18 - 6 * j)) & 63] : "=";
  }
  return out;
}
/** Padded standard base64 in its canonical form only (as Rust's STANDARD engine), or null. */
function unb64(text) {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  const out = [];
  let acc = 0, bits = 0;
  for (const c of text.replace(/=+$/, "")) { acc = (acc << 6) | B64.indexOf(c); bits += 6; if (bits >= 8) { bits -= 8; out.push((acc >> bits) & 255); } acc &= (1 << bits) - 1; }
  const bytes = new Uint8Array(out);
  return b64(bytes) === text ? bytes : null;
}
const be64 = (v) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, BigInt(v)); return b; };

const WITNESSED_NOTE_BYTES_MAX = 8192, WITNESS_PROOF_HASHES_MAX = 64, NOTE_BYTES_MAX = 16384, NOTE_SIGNATURES_MAX = 128;
const EM_DASH = "\u2014";
const noteText = (cp) => `${cp.origin}\n${cp.size}\n${b64(cp.root)}\n`;
function noteOf(cp) {
  const lines = cp.signatures.map((s) => `${EM_DASH} ${s.name} ${b64(cat(s.key_hash, s.sig))}\n`)
    .concat(cp.cosignatures.map((c) => `${EM_DASH} ${c.name} ${b64(cat(c.key_hash, be64(c.timestamp), c.sig))}\n`));
  return `${noteText(cp)}\n${lines.join("")}`;
}

/** A checkpoint note (origin, size, base64 root; a blank line; signature lines) in its canonical form, or an Error. */
function parseNote(note) {
  if (enc.encode(note).length > NOTE_BYTES_MAX) throw new Error("the note is too large");
  const blank = note.indexOf("\n\n");
  if (blank < 0) throw new Error("no blank line before the signatures");
  const [origin, size, rootText, ...extensions] = note.slice(0, blank).split("\n");
  if (!origin) throw new Error("no origin");
  if (!/^[0-9]+$/.test(size || "") || BigInt(size) >= 1n << 64n) throw new Error("bad tree size");
  const root = unb64(rootText || "");
  if (!root || root.length !== 32) throw new Error("root hash is not 32 base64-encoded bytes");
  if (extensions.length) throw new Error("unexpected extension lines");
  const cp = { origin, size: BigInt(size), root, signatures: [], cosignatures: [] };
  for (const line of note.slice(blank + 2).split("\n").filter((l) => l)) {
    if (cp.signatures.length + cp.cosignatures.length >= NOTE_SIGNATURES_MAX) throw new Error("too many signature lines");
    const space = line.indexOf(" ", 2);
    const blob = line.startsWith(EM_DASH + " ") && space > 0 ? unb64(line.slice(space + 1)) : null;
    if (!blob) throw new Error("malformed signature line");
    const name = line.slice(2, space);
    if (blob.length === 68) cp.signatures.push({ name, key_hash: blob.subarray(0, 4), sig: blob.subarray(4) });
    else if (blob.length === 76) cp.cosignatures.push({ name, key_hash: blob.subarray(0, 4), timestamp: new DataView(blob.buffer, 4, 8).getBigUint64(0), sig: blob.subarray(12) });
    else throw new Error("signature length");
  }
  if (noteOf(cp) !== note) throw new Error("not in canonical form");
  return cp;
}

/** RFC 9162 §2.1.4.2: the tree (m, oldRoot) is a prefix of (n, newRoot) by `proof` (1 ≤ m ≤ n). */
async function consistent(m, n, oldRoot, newRoot, proof) {
  if (n > 1n << 48n || m === 0n || m > n) return false;
  if (m === n) return proof.length === 0 && eq(oldRoot, newRoot);
  if (proof.length === 0 || proof.length > 96) return false;
  const path = (m & (m - 1n)) === 0n ? [oldRoot, ...proof] : proof;
  let fn = m - 1n, sn = n - 1n;
  while ((fn & 1n) === 1n) { fn >>= 1n; sn >>= 1n; }
  let fr = path[0], sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = await node(c, fr); sr = await node(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      sr = await node(sr, c);
    }
    fn >>= 1n; sn >>= 1n;
  }
  return sn === 0n && eq(fr, oldRoot) && eq(sr, newRoot);
}

/**
 * Steps 10a-10c: the witnessed note is a canonical checkpoint of this chain's log with one
 * cosignature line per witness, covering leaves [0, covers) of the log the header commits to,
 * and consistent with it. Returns the checkpoint.
 */
async function checkWitnessed(w, chainId, hd, covers) {
  if (enc.encode(w.note).length > WITNESSED_NOTE_BYTES_MAX) stop(10, `the cosigned note is over ${WITNESSED_NOTE_BYTES_MAX} bytes`);
  if (w.consistency.length > WITNESS_PROOF_HASHES_MAX) stop(10, "the consistency proof is too long");
  let cp;
  try { cp = parseNote(w.note); } catch (e) { stop(10, `the cosigned note is malformed: ${e.message}`); }
  if (cp.origin !== chainId) stop(10, `the cosigned checkpoint is of log ${JSON.stringify(cp.origin)}, not this chain's`);
  if (!cp.cosignatures.length) stop(10, "the checkpoint carries no cosignature");
  if (new Set(cp.cosignatures.map((c) => c.name)).size !== cp.cosignatures.length) stop(10, "a witness cosigns at most once in a note");
  if (cp.size < covers) stop(10, `the witnessed log (size ${cp.size}) does not reach the proven entries (up to index ${covers - 1n})`);
  const ok = cp.size === hd.log_size ? w.consistency.length === 0 && eq(cp.root, hd.log_root)
    : cp.size < hd.log_size ? await consistent(cp.size, hd.log_size, cp.root, hd.log_root, w.consistency)
    : await consistent(hd.log_size, cp.size, hd.log_root, cp.root, w.consistency);
  if (!ok) stop(10, "the witnessed log is not consistent with the header's");
  return cp;
}

/** Ed25519 as the Rust verifier checks cosignatures (ed25519-consensus, ZIP-215): true or false. */
async function cosignatureValid(pub, sig, msg) {
  try { if (await ed25519Verify(pub, sig, msg)) return true; } catch (e) { /* ZIP-215 below decides */ }
  try { return await zip215(pub, sig, msg); } catch (e) { return false; }
}

/** Step 10d: how many distinct policy witnesses (name and key id match, signature valid) cosigned `cp`. */
async function policyCosignatures(cp, policy) {
  const text = noteText(cp), valid = new Set();
  for (const c of cp.cosignatures) {
    if (valid.has(c.name)) continue;
    let known = null;
    for (const w of policy.witnesses) {
      if (w.name === c.name && eq((await sha256(cat(enc.encode(w.name), new Uint8Array([0x0a, 0x04]), w.key))).subarray(0, 4), c.key_hash)) { known = w; break; }
    }
    if (known && (await cosignatureValid(known.key, c.sig, enc.encode(`cosignature/v1\ntime ${c.timestamp}\n${text}`)))) valid.add(c.name);
  }
  return valid.size;
}

/** Step 10d under `policy` (parsed, or a policy file's text): the count, or a step-10 failure. */
async function checkPolicy(cp, policy) {
  const p = typeof policy === "string" ? parseWitnessPolicy(policy) : policy;
  if (!cp) stop(10, "the witness policy needs a witnessed file (bundle version 4, receipt version 3); this one carries no cosignatures");
  const valid = await policyCosignatures(cp, p);
  if (valid < p.quorum) stop(10, `the witnessed checkpoint fails the policy: only ${valid} valid cosignatures from the policy's witnesses; ${p.quorum} needed`);
  return valid;
}

// Rust's `char::is_whitespace` (not U+FEFF, unlike \s).
const WS = "\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
/**
 * A witness policy file (as `vellum verify --witnesses POLICY` reads it): `witness <name> <64-hex
 * Ed25519 key> [url]` lines, `quorum <k>` (default: all of them), blank lines and `#` comments.
 * `{ witnesses: [{ name, key, url }], quorum }`, or an Error naming the line. A witness named
 * twice (or one key under two names) is refused: it would count twice.
 */
export function parseWitnessPolicy(text) {
  const witnesses = [];
  let quorum = null;
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "").replace(new RegExp(`^[${WS}]+|[${WS}]+$`, "g"), "");
    if (!line || line.startsWith("#")) return;
    const parts = line.split(new RegExp(`[${WS}]+`));
    if (parts[0] === "witness" && (parts.length === 3 || parts.length === 4) && /^[0-9a-fA-F]{64}$/.test(parts[2])) witnesses.push({ name: parts[1], key: fromHex(parts[2].toLowerCase()), url: parts[3] || null });
    else if (parts[0] === "quorum" && parts.length === 2 && /^\+?[0-9]{1,15}$/.test(parts[1])) quorum = Number(parts[1]);
    else throw new Error(`line ${i + 1}: expected \`witness <name> <64-hex key> [url]\` or \`quorum <k>\``);
  });
  quorum = quorum === null ? witnesses.length : quorum;
  if (!witnesses.length || quorum < 1 || quorum > witnesses.length) throw new Error("a policy names 1 or more witnesses and a quorum of 1..=their number");
  witnesses.forEach((w, i) => {
    if (witnesses.slice(0, i).some((o) => o.name === w.name || eq(o.key, w.key))) throw new Error(`witness ${w.name} is named twice (same name or key)`);
  });
  return { witnesses, quorum };
}

/** A result's `witnessed`: the checkpoint's size, root, the names on its cosignature lines and the note. */
const witnessedFields = (cp, w) => (cp ? { size: Number(cp.size), root: hex(cp.root), cosigners: cp.cosignatures.map((c) => c.name), note: w.note } : null);

/**
 * One line for a result's witnesses: "WITNESSED: k of the policy's witnesses cosigned the log at
 * size W", "log witnessed: N cosignature(s) at size W (not checked against a policy)", or "no
 * witness cosignatures in this file".
 */
export function witnessedLine(result) {
  const w = result.witnessed;
  if (!w) return "no witness cosignatures in this file";
  if (result.witness_cosignatures !== null && result.witness_cosignatures !== undefined) return `WITNESSED: ${result.witness_cosignatures} of the policy's witnesses cosigned the log at size ${w.size}`;
  return `log witnessed: ${w.cosigners.length} cosignature(s) at size ${w.size} (not checked against a policy)`;
}

/** The status fields of a result. */
const statusFields = (st) => ({ status: st.name, status_reason: st.reason, status_since: st.since, status_by: st.by ? hex(st.by) : null, status_info: st });

/**
 * Verifies an evidence bundle; with `policy` (parseWitnessPolicy's result, or a policy file's
 * text), step 10 requires k of its witnesses to have cosigned the bundle's witnessed checkpoint.
 */
export async function verifyBundle(data, documentBytes, pinnedHex, policy = null) {
  return run(async () => {
    const b = decoded(parse, data);
    const { genesisHash, n } = await verifyAnchor(b, pinnedHex, "bundle");
    const hd = b.header, rec = b.record, e = b.entry;
    const recLeaf = await leaf(canonical("VELLUM:EVIDENCE-LEAF:", rec.bytes));
    if (!(await verifyInclusion(e.leaf_index, hd.log_size, recLeaf, b.log_proof, hd.log_root)) || rec.height > hd.height || rec.time_ms > hd.time_ms) {
      stop(5, `record is not at log index ${e.leaf_index} of the header's log`);
    }
    await checkEntry(b.entry_proof, hd.state_root, rec.proof_id, e);
    const recHash = await sha256(canonical("VELLUM:EVIDENCE-RECORD:", rec.bytes));
    if (!eq(e.record_hash, recHash) || !eq(e.registrant, rec.registrant)) stop(6, "the state holds another entry for this proof");
    const issuer = b.issuer ? await checkIssuer(b.issuer, rec.registrant, hd.state_root) : null;
    const { registered, st } = await checkBatch(b, rec, hd);
    const documentCheck = await checkDocument(rec, b.document, registered, documentBytes);
    // 10, last (as the Rust verifier runs it): the witnessed log of a version-4 bundle, then the policy.
    const cp = b.witnessed ? await checkWitnessed(b.witnessed, b.chain_id, hd, e.leaf_index + 1n) : null;
    const witnessCosignatures = policy ? await checkPolicy(cp, policy) : null;
    return {
      ok: true,
      kind: "bundle",
      chain_id: b.chain_id,
      genesis_hash: hex(genesisHash),
      pinned: !!pinnedHex,
      proof_id: hex(rec.proof_id),
      record_hash: hex(recHash),
      registrant: hex(rec.registrant),
      signer: `${rec.signer.scheme}:${hex(rec.signer.key)}`,
      height: Number(rec.height),
      time_ms: Number(rec.time_ms),
      ...statusFields(st),
      status_height: Number(hd.height),
      status_time_ms: Number(hd.time_ms),
      schema: rec.schema,
      member: b.member ? b.member.index : null,
      signers: b.cert.signers.length,
      validators: n,
      validator_set_changes: b.chain.length,
      epoch_length: epochLengthField(b),
      document: documentCheck,
      issuer,
      witnessed: witnessedFields(cp, b.witnessed),
      witness_cosignatures: witnessCosignatures,
    };
  });
}

/** Verifies a status proof (§6a): steps 1-4 as for bundles, the entry (6), a member's status (7). */
export async function verifyStatusProof(data, pinnedHex) {
  return run(async () => {
    const s = decoded(parseStatus, data);
    const { genesisHash, n } = await verifyAnchor(s, pinnedHex, "status proof");
    await checkEntry(s.entry_proof, s.header.state_root, s.proof_id, s.entry);
    let st = s.entry.status;
    if (s.member) {
      if (s.member.index >= s.entry.count) stop(7, `the registration has no member ${s.member.index} (it covers ${s.entry.count})`);
      st = effective(st, await memberOwnStatus(s.member, s.header.state_root, s.proof_id));
    }
    // 6d with the entry's registrant (reported under step 6, checked after step 7 as in Rust).
    const issuer = await checkIssuer(s.issuer, s.entry.registrant, s.header.state_root);
    return {
      ok: true,
      kind: "status",
      chain_id: s.chain_id,
      genesis_hash: hex(genesisHash),
      pinned: !!pinnedHex,
      proof_id: hex(s.proof_id),
      record_hash: hex(s.entry.record_hash),
      registrant: hex(s.entry.registrant),
      member: s.member ? s.member.index : null,
      ...statusFields(st),
      height: Number(s.header.height),
      time_ms: Number(s.header.time_ms),
      signers: s.cert.signers.length,
      validators: n,
      validator_set_changes: s.chain.length,
      epoch_length: epochLengthField(s),
      issuer,
    };
  });
}

/**
 * Step 9: a verified bundle and a verified status proof of the same chain (9a), registration
 * (9b) and document (9c), the status proof not older than the bundle (9d): the status then
 * and now.
 */
export function statusNow(b, s) {
  if (b.genesis_hash !== s.genesis_hash) return failed(9, "the status proof is for another chain (its genesis hash differs)");
  if (b.proof_id !== s.proof_id || b.record_hash !== s.record_hash) return failed(9, "the status proof is for another registration");
  if (b.member !== s.member) return failed(9, "the status proof is for another document of the batch");
  if (s.height < b.status_height) return failed(9, `the status proof (height ${s.height}) is older than the bundle (height ${b.status_height})`);
  return { ok: true, then: b.status_info, now: s.status_info, now_height: s.height, now_time_ms: s.time_ms, changed: !eq(b.status_info.bytes, s.status_info.bytes), issuer_now: s.issuer };
}

/**
 * A bundle and a status proof together: the bundle, then the status proof against the pinned
 * genesis (or the bundle's when none is pinned), then step 9, then (with `policy`) the bundle's
 * cosignatures (10d). `{ ok: true, bundle, status, now }` or the first failure, with `file`
 * naming the file that failed.
 */
export async function verifyBundleWithStatus(bundleData, statusData, documentBytes, pinnedHex, policy = null) {
  const bundle = await verifyBundle(bundleData, documentBytes, pinnedHex);
  if (!bundle.ok) return { ...bundle, file: "bundle" };
  const status = await verifyStatusProof(statusData, pinnedHex || bundle.genesis_hash);
  if (!status.ok) return { ...status, file: "status proof" };
  const now = statusNow(bundle, status);
  if (!now.ok) return { ...now, file: "bundle and status proof" };
  if (policy) {
    const cp = bundle.witnessed ? parseNote(bundle.witnessed.note) : null;
    const checked = await run(async () => ({ ok: true, n: await checkPolicy(cp, policy) }));
    if (!checked.ok) return { ...checked, file: "bundle" };
    bundle.witness_cosignatures = checked.n;
  }
  return { ok: true, bundle, status, now };
}

/** One line for a status: `REVOKED since height 9 (reason: key_compromise)`. */
export function statusLine(st) {
  if (st.name === "live") return "LIVE";
  if (st.name === "superseded") return `SUPERSEDED since height ${st.since} by ${hex(st.by)}`;
  return `${st.name.toUpperCase()} since height ${st.since} (reason: ${st.reason})`;
}

/**
 * One line for a result's `issuer`: "Example University (example.edu), attested by <account> at
 * height 6" (with "— identity attestation REVOKED at height 9 (reason: …)" once withdrawn),
 * "no attested identity", or, for an older bundle, that the file carries none.
 */
export function issuerLine(issuer) {
  if (!issuer) return "this file (an older format) carries no issuer identity";
  if (!issuer.attested) return "no attested identity";
  const line = `${issuer.name} (${issuer.domain}), attested by ${issuer.attested_by} at height ${issuer.height}`;
  return issuer.revoked ? `${line} — identity attestation REVOKED at height ${issuer.revoked.height} (reason: ${issuer.revoked.reason})` : line;
}

// ---- Credentials: SD-JWT VC presentations with their ledger evidence (docs/credentials.md §3) ----
//
// A port of crates/evidence/src/credential.rs `verify_presentation` (the same checks, limits
// and order) and `vellum credential verify`: (1) the bundle verifies with the document = the
// bytes of the presentation's issuer-signed JWT; (2) that JWT's signature under the bundle
// record's signer key (`alg` EdDSA for Ed25519, ES256 for P-256, either S accepted), `typ`
// dc+sd-jwt or vc+sd-jwt; (3) `iss` is `vellum:<chain id>:<registrant>`; (4) every disclosure's
// digest in `_sd`, none twice, no clash; (5) the key binding: `typ` kb+jwt, signed by `cnf.jwk`,
// the expected `aud` and `nonce`, `sd_hash` over exactly the presented `jwt~d…~`; (6) the status.

const CREDENTIAL_STEPS = ["ledger", "issuer signature", "issuer", "disclosures", "key binding", "status"];
const CREDENTIAL_BYTES_MAX = 65536, DISCLOSURES_MAX = 64, CLAIM_NAME_BYTES_MAX = 64;

class CredentialFailure extends Error {
  constructor(n, reason) { super(reason); this.n = n; }
}
const refuse = (n, reason) => { throw new CredentialFailure(n, reason); };
const credentialFailed = (n, reason) => ({ ok: false, step: `step ${n} (${CREDENTIAL_STEPS[n - 1]})`, reason });

const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const b64url = (bytes) => {
  let out = "", acc = 0, bits = 0;
  for (const b of bytes) { acc = (acc << 8) | b; bits += 8; while (bits >= 6) { bits -= 6; out += B64URL[(acc >> bits) & 63]; } acc &= (1 << bits) - 1; }
  return bits ? out + B64URL[(acc << (6 - bits)) & 63] : out;
};
/** Strict base64url without padding (as Rust's URL_SAFE_NO_PAD), or null. */
function unb64url(text) {
  if (text.length % 4 === 1 || !/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const out = [];
  let acc = 0, bits = 0;
  for (const c of text) { acc = (acc << 6) | B64URL.indexOf(c); bits += 6; if (bits >= 8) { bits -= 8; out.push((acc >> bits) & 255); } acc &= (1 << bits) - 1; }
  return acc === 0 ? new Uint8Array(out) : null;
}
const b64sha256 = async (text) => b64url(await sha256(enc.encode(text)));
const utf8Len = (s) => enc.encode(s).length;
const byUtf8 = (a, b) => { const x = enc.encode(a), y = enc.encode(b); for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i]; return x.length - y.length; };
/** Rust's `str::trim` (Unicode White_Space; a U+FEFF is kept). */
const rustTrim = (s) => s.replace(/^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g, "");

/**
 * JSON as serde_json reads a `Value` (nesting up to 127, lone surrogates and numbers out of range
 * refused): `{ value, u64 }`, `u64` the top-level keys whose value is an unsigned integer.
 */
function serdeJson(text) {
  let i = 0;
  const u64 = new Set();
  const STR = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y, NUM = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
  const bad = () => { throw new Error("not JSON"); };
  const ws = () => { while (i < text.length && " \t\n\r".includes(text[i])) i++; };
  const string = () => { STR.lastIndex = i; const m = STR.exec(text); if (!m) bad(); i += m[0].length; const s = JSON.parse(m[0]); if (!s.isWellFormed()) bad(); return s; };
  const number = () => {
    NUM.lastIndex = i; const m = NUM.exec(text); if (!m) bad(); i += m[0].length;
    if (m[1] === undefined && m[2] === undefined) {
      const n = BigInt(m[0]), neg = m[0][0] === "-";
      if ((!neg && n < (1n << 64n)) || (neg && n !== 0n && n >= -(1n << 63n))) return [Math.abs(Number(n)) <= Number.MAX_SAFE_INTEGER ? Number(n) : n, !neg];
    }
    const f = Number(m[0]); if (!Number.isFinite(f)) bad(); return [f, false];
  };
  const value = (depth, top) => {
    const c = text[i];
    if (c === "{" || c === "[") {
      if (depth >= 127) bad();
      i++; ws();
      const close = c === "{" ? "}" : "]", out = c === "{" ? {} : [];
      if (text[i] === close) { i++; return [out, false]; }
      for (;;) {
        ws();
        if (c === "{") {
          const k = string(); ws(); if (text[i++] !== ":") bad(); ws();
          const [v, isU64] = value(depth + 1, false);
          Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
          if (top) { if (isU64) u64.add(k); else u64.delete(k); }
        } else out.push(value(depth + 1, false)[0]);
        ws();
        if (text[i] === close) { i++; return [out, false]; }
        if (text[i++] !== ",") bad();
      }
    }
    if (c === '"') return [string(), false];
    if (c === "-" || (c >= "0" && c <= "9")) return number();
    for (const [w, v] of [["true", true], ["false", false], ["null", null]]) if (text.startsWith(w, i)) { i += w.length; return [v, false]; }
    return bad();
  };
  ws();
  const [v] = value(0, true);
  ws();
  if (i !== text.length) bad();
  return { value: v, u64 };
}
const isObj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const own = (o, k) => isObj(o) && Object.hasOwn(o, k);
const strOf = (o, k) => (own(o, k) && typeof o[k] === "string" ? o[k] : null);
/** base64url JSON of `shape` ("object" or "array"), or null. */
function jsonPart(part, shape) {
  const bytes = unb64url(part);
  if (!bytes) return { notB64: true };
  try {
    const p = serdeJson(new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes));
    return (shape === "array" ? Array.isArray(p.value) : isObj(p.value)) ? p : null;
  } catch (e) { return null; }
}

const P256_P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const P256_B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;
const ED_P = (1n << 255n) - 19n;
const modp = (a, m) => ((a % m) + m) % m;
function powmod(b, e, m) { let r = 1n; b = modp(b, m); while (e > 0n) { if (e & 1n) r = (r * b) % m; b = (b * b) % m; e >>= 1n; } return r; }
const big = (bytes) => BigInt("0x" + (hex(bytes) || "0"));
const be32 = (n) => fromHex(n.toString(16).padStart(64, "0"));
const p256Rhs = (x) => modp(x * x * x - 3n * x + P256_B, P256_P);
/** A P-256 key (SEC1, compressed or not) as the 65-byte uncompressed point, or null when it is none. */
function p256Point(key) {
  if (key.length === 65 && key[0] === 4) {
    const x = big(key.subarray(1, 33)), y = big(key.subarray(33));
    return x < P256_P && y < P256_P && modp(y * y, P256_P) === p256Rhs(x) ? key : null;
  }
  if (key.length !== 33 || (key[0] !== 2 && key[0] !== 3)) return null;
  const x = big(key.subarray(1));
  if (x >= P256_P) return null;
  let y = powmod(p256Rhs(x), (P256_P + 1n) / 4n, P256_P);
  if ((y * y) % P256_P !== p256Rhs(x)) return null;
  if (Number(y & 1n) !== (key[0] & 1)) y = P256_P - y;
  return cat(new Uint8Array([4]), key.subarray(1), be32(y));
}
/** Whether 32 bytes decode to an Ed25519 point (ZIP-215: any y, as ed25519-consensus). */
function ed25519Point(bytes) {
  const le = Uint8Array.from(bytes).reverse();
  le[0] &= 0x7f;
  const y = modp(big(le), ED_P), d = modp(-121665n * powmod(121666n, ED_P - 2n, ED_P), ED_P);
  const u = modp(y * y - 1n, ED_P), v = modp(d * y * y + 1n, ED_P);
  const w = (u * powmod(v, ED_P - 2n, ED_P)) % ED_P;
  return w === 0n || powmod(w, (ED_P - 1n) / 2n, ED_P) === 1n;
}

/** The JWS `alg` a key signs with: EdDSA (Ed25519), ES256 (P-256); null for secp256k1. */
const jwsAlgOf = (key) => ({ ed25519: "EdDSA", p256: "ES256" })[key.scheme] || null;
/** A JWS signature made with `alg` by `key` ({ scheme, key: bytes }); ES256 with either S. */
async function jwsVerify(key, alg, input, sig) {
  try {
    if (key.scheme === "ed25519" && alg === "EdDSA") return sig.length === 64 && ed25519Point(key.key) && (await ed25519Verify(key.key, sig, input));
    if (key.scheme === "p256" && alg === "ES256") {
      const point = p256Point(key.key);
      if (!point || sig.length !== 64) return false;
      const k = await subtle.importKey("raw", point, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
      return await subtle.verify({ name: "ECDSA", hash: "SHA-256" }, k, sig, input);
    }
  } catch (e) { return false; }
  return false;
}
/** A JWK as `{ key }` (Ed25519 or P-256, a point of its curve) or `{ error }`. */
function jwkKey(jwk) {
  const field = (n) => { const t = strOf(jwk, n); if (t === null) return { error: `JWK without \`${n}\`` }; const b = unb64url(t); return b ? { b } : { error: `JWK \`${n}\` is not base64url` }; };
  const kty = strOf(jwk, "kty") || "", crv = strOf(jwk, "crv") || "";
  if (kty === "OKP" && crv === "Ed25519") {
    const x = field("x"); if (x.error) return x;
    if (x.b.length !== 32) return { error: "Ed25519 JWK `x` must be 32 bytes" };
    return ed25519Point(x.b) ? { key: { scheme: "ed25519", key: x.b } } : { error: "Ed25519 JWK is not a curve point" };
  }
  if (kty === "EC" && crv === "P-256") {
    const x = field("x"); if (x.error) return x;
    const y = field("y"); if (y.error) return y;
    if (x.b.length !== 32 || y.b.length !== 32) return { error: "P-256 JWK coordinates must be 32 bytes" };
    const point = p256Point(cat(new Uint8Array([4]), x.b, y.b));
    return point ? { key: { scheme: "p256", key: point } } : { error: "P-256 JWK is not a curve point" };
  }
  return { error: `unsupported JWK (kty ${JSON.stringify(kty)}, crv ${JSON.stringify(crv)}): Ed25519 or P-256 only` };
}

/** A compact JWS checked against `key` and `typs`: its header and payload (read once the signature verifies). */
async function verifyJwt(jwt, key, typs, step, signatureFailure) {
  const parts = jwt.split(".");
  if (parts.length !== 3) refuse(step, "a JWT has three parts");
  const [h, p, s] = parts;
  const object = (part, what) => { const o = jsonPart(part, "object"); if (!o || o.notB64) refuse(step, o ? `${what} is not base64url` : `${what} is not a JSON object`); return o; };
  const header = object(h, "JWT header").value;
  const alg = strOf(header, "alg") || "";
  if (alg !== jwsAlgOf(key)) refuse(step, `JWT alg ${JSON.stringify(alg)} does not match the key (${jwsAlgOf(key) || "a " + key.scheme + " key signs no JWT"})`);
  if (!typs.includes(strOf(header, "typ") || "")) refuse(step, `JWT typ must be one of ${typs.join(", ")}`);
  const sig = unb64url(s);
  if (!sig) refuse(step, "JWT signature is not base64url");
  if (!(await jwsVerify(key, alg, enc.encode(`${h}.${p}`), sig))) refuse(step, signatureFailure);
  return object(p, "JWT payload");
}

/** Steps 2-5 on the presentation's text: what it discloses, or a CredentialFailure. */
async function checkPresentation(presentation, issuerKey, aud, nonce, iss) {
  const text = rustTrim(presentation);
  if (utf8Len(text) > CREDENTIAL_BYTES_MAX) refuse(2, `${utf8Len(text)} bytes is over the ${CREDENTIAL_BYTES_MAX}-byte limit`);
  const parts = text.split("~");
  if (parts.length < 2) refuse(2, "not an SD-JWT (`jwt~…~`)");
  const jwt = parts[0], kb = parts[parts.length - 1], encoded = parts.slice(1, -1);
  if (encoded.length > DISCLOSURES_MAX || encoded.some((d) => !d)) refuse(4, `1..=${DISCLOSURES_MAX} non-empty disclosures between \`~\``);
  if (!kb) refuse(5, "the presentation has no key-binding JWT");
  const parsed = await verifyJwt(jwt, issuerKey, ["dc+sd-jwt", "vc+sd-jwt"], 2, "the issuer signature does not verify under the registering key");
  const payload = parsed.value;
  const claimedIss = strOf(payload, "iss") || "";
  if (iss !== null && claimedIss !== iss) refuse(3, `iss ${JSON.stringify(claimedIss)} is not the registering account (${iss})`);
  if (own(payload, "_sd_alg") && payload._sd_alg !== "sha-256") refuse(4, "only _sd_alg sha-256 is supported");
  const sd = Array.isArray(payload._sd) ? payload._sd.filter((d) => typeof d === "string") : [];
  if (Object.values(payload).some((v) => own(v, "_sd") || (Array.isArray(v) && v.some((e) => own(e, "..."))))) refuse(4, "nested selective disclosure is not supported");
  const found = [], seen = new Set();
  for (const e of encoded) {
    const d = jsonPart(e, "array");
    if (!d || d.notB64) refuse(4, d ? "a disclosure is not base64url" : "a disclosure is not a JSON array");
    const [salt, name, value] = d.value;
    if (d.value.length === 2) refuse(4, "array-element disclosures are not supported");
    if (d.value.length !== 3 || typeof salt !== "string" || typeof name !== "string") refuse(4, "a disclosure must be [salt, name, value]");
    if (!name || utf8Len(name) > CLAIM_NAME_BYTES_MAX || ["_sd", "...", "_sd_alg", "cnf"].includes(name)) refuse(4, `disclosure claim name ${JSON.stringify(name)} is not allowed`);
    const digest = await b64sha256(e);
    if (seen.has(digest)) refuse(4, `disclosure \`${name}\` appears twice`);
    seen.add(digest);
    if (!sd.includes(digest)) refuse(4, `disclosure \`${name}\` is not one the issuer signed`);
    if (Object.hasOwn(payload, name) || found.some((x) => x.name === name)) refuse(4, `claim ${JSON.stringify(name)} is disclosed twice or clashes with a signed claim`);
    found.push({ name, value });
  }
  const jwk = own(payload, "cnf") && own(payload.cnf, "jwk") ? payload.cnf.jwk : undefined;
  if (jwk === undefined) refuse(5, "the credential names no holder key (cnf.jwk)");
  const holder = jwkKey(jwk);
  if (holder.error) refuse(5, holder.error);
  let kbPayload;
  try {
    kbPayload = await verifyJwt(kb, holder.key, ["kb+jwt"], 5, "its signature does not verify under the holder key");
  } catch (e) {
    if (e instanceof CredentialFailure) refuse(5, e.message);
    throw e;
  }
  const k = kbPayload.value;
  if (strOf(k, "aud") !== aud) refuse(5, `made for audience ${own(k, "aud") ? JSON.stringify(k.aud) : "(none)"}, not ${JSON.stringify(aud)}`);
  if (strOf(k, "nonce") !== nonce) refuse(5, "made for another nonce");
  if (strOf(k, "sd_hash") !== (await b64sha256(text.slice(0, text.length - kb.length)))) refuse(5, "sd_hash does not cover the presented disclosures");
  if (!kbPayload.u64.has("iat")) refuse(5, "the key-binding JWT has no iat");
  found.sort((a, b) => byUtf8(a.name, b.name));
  return {
    iss: claimedIss,
    vct: strOf(payload, "vct") || "",
    iat: parsed.u64.has("iat") ? payload.iat : 0,
    disclosed: found,
    claims_signed: sd.length,
    holder: `${holder.key.scheme}:${hex(holder.key.scheme === "p256" ? cat(new Uint8Array([2 | (holder.key.key[64] & 1)]), holder.key.key.subarray(1, 33)) : holder.key.key)}`,
    kb_iat: k.iat,
  };
}

/** Presentation text from bytes (UTF-8), or null. */
const presentationText = (data) => { try { return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(data); } catch (e) { return null; } };

/** Whether `data` is a presentation: UTF-8 text that starts with a JWT and contains `~`. */
export function isPresentation(data) {
  // The start is enough: a JWT (base64url parts and dots) up to its first `~` (the verifier reads the whole text).
  const text = new TextDecoder().decode(data.subarray(0, Math.min(data.length, CREDENTIAL_BYTES_MAX + 4096)));
  return /^\s*[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*~/.test(text);
}

/**
 * Verifies a presentation with its key alone (steps 2, 4, 5): `signer` is the issuer's key as
 * "ed25519:<hex>" or "p256:<hex>". `{ ok: true, disclosed: [{ name, value }], claims_signed, … }`
 * or `{ ok: false, step, reason }`.
 */
export async function verifyPresentation(presentation, signer, aud, nonce) {
  const at = signer.indexOf(":");
  try {
    return { ok: true, ...(await checkPresentation(presentation, { scheme: signer.slice(0, at), key: fromHex(signer.slice(at + 1)) }, aud, nonce, null)) };
  } catch (e) {
    if (e instanceof CredentialFailure) return credentialFailed(e.n, e.message);
    throw e;
  }
}

/**
 * Verifies a presentation (bytes or text) with its evidence bundle and optionally a fresh
 * status proof (docs/credentials.md §3 steps 1-6), for the audience `aud` and nonce `nonce`,
 * against `pinnedHex` (or the bundle's own genesis). `{ ok: true, kind: "credential", disclosed:
 * [{ name, value }], claims_signed, vct, iss, holder, bundle, now }` (`now`: step 9 with the
 * status proof, or null) or `{ ok: false, step: "step N (name)", reason }`.
 */
export async function verifyCredential(presentation, bundleData, statusData, aud, nonce, pinnedHex, policy = null) {
  const text = typeof presentation === "string" ? presentation : presentationText(presentation);
  if (text === null) return credentialFailed(2, "the presentation is not UTF-8 text");
  const jwt = rustTrim(text).split("~")[0];
  const bundle = await verifyBundle(bundleData, enc.encode(jwt), pinnedHex, policy);
  if (!bundle.ok) return credentialFailed(1, `the bundle does not prove this credential: it failed at ${bundle.step}: ${bundle.reason}`);
  const at = bundle.signer.indexOf(":");
  const signer = { scheme: bundle.signer.slice(0, at), key: fromHex(bundle.signer.slice(at + 1)) };
  let p;
  try {
    p = await checkPresentation(text, signer, aud, nonce, `vellum:${bundle.chain_id}:${bundle.registrant}`);
  } catch (e) {
    if (e instanceof CredentialFailure) return credentialFailed(e.n, e.message);
    throw e;
  }
  let now = null;
  if (statusData) {
    const s = await verifyStatusProof(statusData, pinnedHex || bundle.genesis_hash);
    if (!s.ok) return credentialFailed(6, `the status proof failed at ${s.step}: ${s.reason}`);
    now = statusNow(bundle, s);
    if (!now.ok) return credentialFailed(6, `the status proof does not fit the bundle (${now.step}: ${now.reason})`);
  }
  return { ok: true, kind: "credential", ...p, bundle, now };
}

// ---- Payment receipts: verification (docs/evidence-format.md §5) ----
//
// A port of crates/evidence/src/receipt.rs `verify_receipt`: steps 1-4 as for bundles (magic
// VELLUMRC), then 5a the transaction's leaf `leaf(canonical("VELLUM:TX-LEAF:", tx))` at
// `tx_index`, 5b the payment record's `leaf(canonical("VELLUM:PAYMENT-RECORD:", record))` right
// after it, 6a the record names this transaction (its id) and its sender, 5c the record is not
// after the header, 6b every signature verifies under its scheme (wire-format.md §9) and no key
// signs twice — in that order, as the Rust verifier evaluates them. Step 6 keeps the shared name
// "state entry", as the Rust verifier reports it.

// Ed25519 with the ledger's ZIP-215 rules (ed25519-consensus): WebCrypto first (a strict RFC 8032
// verifier: what it accepts, ZIP-215 accepts too), then, when it refuses, the cofactored check
// [8]([S]B − [k]A − R) = 0 with non-canonical and small-order points accepted.
const ED_D = modp(-121665n * powmod(121666n, ED_P - 2n, ED_P), ED_P);
const ED_D2 = (2n * ED_D) % ED_P;
const ED_SQRT_M1 = powmod(2n, (ED_P - 1n) / 4n, ED_P);
const ED_L = (1n << 252n) + 27742317777372353535851937790883648493n;
const ED_ID = [0n, 1n, 1n, 0n];
const ED_B = [15112221349535400772501151409588531511454012693041857206046113283949847762202n, 46316835694926478169428394003475163141307993866256225615783033603165251855960n, 1n,
  (15112221349535400772501151409588531511454012693041857206046113283949847762202n * 46316835694926478169428394003475163141307993866256225615783033603165251855960n) % ED_P];
const le = (bytes) => big(Uint8Array.from(bytes).reverse());

/** A point from 32 bytes as ed25519-consensus decodes it (y taken mod p; x = 0 with either sign): extended coordinates, or null. */
function edDecode(bytes) {
  const b = Uint8Array.from(bytes);
  const sign = b[31] >> 7;
  b[31] &= 0x7f;
  const y = le(b) % ED_P;
  const u = modp(y * y - 1n, ED_P), v = modp(ED_D * y * y + 1n, ED_P);
  const w = (u * powmod(v, ED_P - 2n, ED_P)) % ED_P;
  let x = powmod(w, (ED_P + 3n) / 8n, ED_P);
  if ((x * x) % ED_P !== w) {
    x = (x * ED_SQRT_M1) % ED_P;
    if ((x * x) % ED_P !== w) return null;
  }
  if (Number(x & 1n) !== sign) x = modp(-x, ED_P);
  return [x, y, 1n, (x * y) % ED_P];
}
/** Extended twisted-Edwards addition (a = −1; complete, so also doubling). */
function edAdd([X1, Y1, Z1, T1], [X2, Y2, Z2, T2]) {
  const p = ED_P;
  const A = ((Y1 - X1) * (Y2 - X2)) % p, B = ((Y1 + X1) * (Y2 + X2)) % p, C = (((T1 * ED_D2) % p) * T2) % p, D = (2n * Z1 * Z2) % p;
  const E = B - A, F = D - C, G = D + C, H = B + A;
  return [modp(E * F, p), modp(G * H, p), modp(F * G, p), modp(E * H, p)];
}
const edNeg = ([X, Y, Z, T]) => [modp(-X, ED_P), Y, Z, modp(-T, ED_P)];
/** [a]P + [b]Q (Shamir's trick). */
function edMul2(a, P, b, Q) {
  const PQ = edAdd(P, Q);
  let acc = ED_ID;
  for (let i = 255; i >= 0; i--) {
    acc = edAdd(acc, acc);
    const x = (a >> BigInt(i)) & 1n, y = (b >> BigInt(i)) & 1n;
    if (x && y) acc = edAdd(acc, PQ);
    else if (x) acc = edAdd(acc, P);
    else if (y) acc = edAdd(acc, Q);
  }
  return acc;
}
/** The ZIP-215 verdict: true, false, or an Error for a key that is not a point. */
async function zip215(pub, sig, msg) {
  const A = edDecode(pub);
  if (!A) throw new Error("malformed Ed25519 public key (not a curve point)");
  const R = edDecode(sig.subarray(0, 32)), S = le(sig.subarray(32));
  if (!R || S >= ED_L) return false;
  const k = le(new Uint8Array(await subtle.digest("SHA-512", cat(sig.subarray(0, 32), pub, msg)))) % ED_L;
  let P = edAdd(edMul2(S, ED_B, k, edNeg(A)), edNeg(R));
  for (let i = 0; i < 3; i++) P = edAdd(P, P);
  return P[0] === 0n && P[1] === P[2];
}
async function ed25519TxVerify(pub, sig, msg) {
  let good = false;
  try { good = await ed25519Verify(pub, sig, msg); } catch (e) { good = false; }
  if (!good && !(await zip215(pub, sig, msg))) throw new Error("Ed25519 signature does not verify");
}

// secp256k1, recoverable (wire-format.md §9.2): r, s in [1, n−1], low S, recovery id 0 or 1; the
// key is recovered (SEC 1 §4.1.6) as Q = r⁻¹(s·R − e·G), R the point of x = r and y of parity v,
// e = SHA-256(message) mod n. Jacobian coordinates (a = 0), infinity when Z = 0.
const K1_P = (1n << 256n) - (1n << 32n) - 977n;
const K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const K1_G = [0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n, 0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n, 1n];
const K1_INF = [0n, 1n, 0n];
function k1Double([X, Y, Z]) {
  const p = K1_P;
  if (Z === 0n || Y === 0n) return K1_INF;
  const YY = (Y * Y) % p, S = (4n * X * YY) % p, M = (3n * X * X) % p;
  const X3 = modp(M * M - 2n * S, p);
  return [X3, modp(M * (S - X3) - 8n * YY * YY, p), (2n * Y * Z) % p];
}
function k1Add(P, Q) {
  if (P[2] === 0n) return Q;
  if (Q[2] === 0n) return P;
  const p = K1_P, [X1, Y1, Z1] = P, [X2, Y2, Z2] = Q;
  const Z1Z1 = (Z1 * Z1) % p, Z2Z2 = (Z2 * Z2) % p;
  const U1 = (X1 * Z2Z2) % p, U2 = (X2 * Z1Z1) % p, S1 = (((Y1 * Z2) % p) * Z2Z2) % p, S2 = (((Y2 * Z1) % p) * Z1Z1) % p;
  const H = modp(U2 - U1, p), R = modp(S2 - S1, p);
  if (H === 0n) return R === 0n ? k1Double(P) : K1_INF;
  const HH = (H * H) % p, HHH = (H * HH) % p, V = (U1 * HH) % p;
  const X3 = modp(R * R - HHH - 2n * V, p);
  return [X3, modp(R * (V - X3) - S1 * HHH, p), (((H * Z1) % p) * Z2) % p];
}
/** [a]P + [b]Q (Shamir's trick). */
function k1Mul2(a, P, b, Q) {
  const PQ = k1Add(P, Q);
  let acc = K1_INF;
  for (let i = 255; i >= 0; i--) {
    acc = k1Double(acc);
    const x = (a >> BigInt(i)) & 1n, y = (b >> BigInt(i)) & 1n;
    if (x && y) acc = k1Add(acc, PQ);
    else if (x) acc = k1Add(acc, P);
    else if (y) acc = k1Add(acc, Q);
  }
  return acc;
}
/** The SEC1 compressed key that signed `msg` with `sig` (r ‖ s) and recovery id `v`, or an Error. */
async function secp256k1Recover(sig, v, msg) {
  const r = big(sig.subarray(0, 32)), s = big(sig.subarray(32));
  if (r === 0n || r >= K1_N || s === 0n || s >= K1_N) throw new Error("malformed secp256k1 signature");
  if (s > K1_N >> 1n) throw new Error("secp256k1 signature has high S (only low S is accepted)");
  if (v > 1) throw new Error("recovery id must be 0 or 1");
  const alpha = (((r * r) % K1_P) * r + 7n) % K1_P;
  let y = powmod(alpha, (K1_P + 1n) / 4n, K1_P);
  if ((y * y) % K1_P !== alpha) throw new Error("no secp256k1 key can be recovered from it");
  if (Number(y & 1n) !== v) y = K1_P - y;
  const e = big(await sha256(msg)) % K1_N;
  const rInv = powmod(r, K1_N - 2n, K1_N);
  const Q = k1Mul2(modp(-e * rInv, K1_N), K1_G, (s * rInv) % K1_N, [r, y, 1n]);
  if (Q[2] === 0n) throw new Error("no secp256k1 key can be recovered from it");
  const zi = powmod(Q[2], K1_P - 2n, K1_P), zi2 = (zi * zi) % K1_P;
  const x = (Q[0] * zi2) % K1_P, yq = (((Q[1] * zi2) % K1_P) * zi) % K1_P;
  return cat(new Uint8Array([2 | Number(yq & 1n)]), be32(x));
}

// P-256 (wire-format.md §9.3): a compressed point, r and s in [1, n−1], low S, then WebCrypto's
// ECDSA P-256 SHA-256 over the message.
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
async function p256TxVerify(key, sig, msg) {
  const point = p256Point(key);
  if (!point) throw new Error("malformed P-256 public key (not a compressed curve point)");
  const r = big(sig.subarray(0, 32)), s = big(sig.subarray(32));
  if (r === 0n || r >= P256_N || s === 0n || s >= P256_N) throw new Error("malformed P-256 signature");
  if (s > P256_N >> 1n) throw new Error("P-256 signature has high S (only low S is accepted)");
  let good = false;
  try {
    const k = await subtle.importKey("raw", point, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    good = await subtle.verify({ name: "ECDSA", hash: "SHA-256" }, k, sig, msg);
  } catch (e) { good = false; }
  if (!good) throw new Error("P-256 signature does not verify");
}

const SCHEME_INDEX = { ed25519: 0, secp256k1: 1, p256: 2 };
/** One signature over `msg`: the signer's key `{ scheme, key }`, or an Error saying why not. */
async function signatureKey(s, msg) {
  if (s.scheme === "ed25519") { await ed25519TxVerify(s.key, s.sig, msg); return { scheme: s.scheme, key: s.key }; }
  if (s.scheme === "secp256k1") return { scheme: s.scheme, key: await secp256k1Recover(s.sig, s.recovery_id, msg) };
  await p256TxVerify(s.key, s.sig, msg);
  return { scheme: s.scheme, key: s.key };
}

/** Step 6b: every signature verifies and no key signs twice; the keys in signature order. */
async function txSigners(tx) {
  const msg = canonical("VELLUM:TX-SIGN:", tx.unsigned.bytes);
  const keys = [];
  for (let i = 0; i < tx.signatures.length; i++) {
    let key;
    try { key = await signatureKey(tx.signatures[i], msg); } catch (e) { key = e; }
    if (key instanceof Error) stop(6, `the transaction's signatures do not verify: signature ${i}: ${key.message}`);
    const text = `${key.scheme}:${hex(key.key)}`;
    if (keys.some((k) => k.key === text)) stop(6, `the transaction's signatures do not verify: signature ${i} repeats a signer`);
    const account = await sha256(canonical("VELLUM:ACCOUNT-ID:", cat(new Uint8Array([SCHEME_INDEX[key.scheme]]), key.key)));
    keys.push({ key: text, account_id: hex(account), opens_sender: eq(account, tx.unsigned.sender) });
  }
  return keys;
}

/** A u64 or u32 as the JSON form writes it: a number, or a BigInt beyond 2^53. */
const jsonInt = (v) => (BigInt(v) <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : BigInt(v));
const hexOpt = (b) => (b ? hex(b) : null);
const legJson = (l) => ({
  to: hex(l.to), token: l.token, amount: String(l.amount), credit_token: l.credit_token, credit_amount: String(l.credit_amount),
  conversion: l.conversion && { desk: hex(l.conversion.desk), num: jsonInt(l.conversion.num), den: jsonInt(l.conversion.den), rate_version: jsonInt(l.conversion.rate_version) },
});
const alertJson = (a) => Object.fromEntries(Object.entries(a).map(([k, v]) => [k, typeof v === "bigint" ? String(v) : v]));
/** A PaymentOutcome in the JSON form (docs/wire-format.md §8: u128 as decimal text, hashes as hex). */
function outcomeJson(o) {
  const out = { outcome: o.outcome };
  if (o.hold !== undefined) out.hold = jsonInt(o.hold);
  if (o.transfer) Object.assign(out, { transfer: hex(o.transfer), from: hex(o.from) });
  if (o.legs) out.legs = o.legs.map(legJson);
  if (o.alerts) out.alerts = o.alerts.map(alertJson);
  if (o.outcome === "settled" || o.outcome === "held") out.reference = hexOpt(o.reference);
  return out;
}
/** The transaction's body in the JSON form. */
const bodyJson = (b) => (b.type === "transfer"
  ? { type: b.type, legs: b.legs.map((l) => ({ to: hex(l.to), token: l.token, amount: String(l.amount), convert: l.convert && { to_token: l.convert.to_token, rate_version: jsonInt(l.convert.rate_version) } })), reference: hexOpt(b.reference) }
  : { type: b.type, hold: jsonInt(b.hold), post: b.post, reason: b.reason });

/**
 * Verifies a payment receipt (§5) against `pinnedHex` (or its own genesis): `{ ok: true, kind:
 * "receipt", tx_id, tx (its unsigned part: sender, nonce, body), sender, tx_signers: [{ key,
 * account_id, opens_sender }], height, time_ms, outcome (the JSON form), header_height, signers,
 * validators, validator_set_changes, witnessed, witness_cosignatures, … }` or `{ ok: false, step:
 * "step N (name)", reason }`. Version 3 carries a witnessed checkpoint (step 10, last); with
 * `policy`, k of its witnesses must have cosigned it.
 */
export async function verifyReceipt(data, pinnedHex, policy = null) {
  return run(async () => {
    const rc = decoded(parseReceipt, data);
    const { genesisHash, n } = await verifyAnchor(rc, pinnedHex, "payment receipt");
    const hd = rc.header, rec = rc.record, tx = rc.tx, u = tx.unsigned;
    const txLeaf = await leaf(canonical("VELLUM:TX-LEAF:", tx.bytes));
    if (!(await verifyInclusion(rc.tx_index, hd.log_size, txLeaf, rc.tx_proof, hd.log_root))) stop(5, `the transaction is not at log index ${rc.tx_index} of the header's log`);
    const recordLeaf = await leaf(canonical("VELLUM:PAYMENT-RECORD:", rec.bytes));
    if (!(await verifyInclusion(rc.tx_index + 1n, hd.log_size, recordLeaf, rc.record_proof, hd.log_root))) stop(5, `the payment record is not at log index ${rc.tx_index + 1n} of the header's log`);
    const txId = await sha256(canonical("VELLUM:TX-ID:", u.bytes));
    if (!eq(rec.tx_id, txId) || !eq(rec.sender, u.sender)) stop(6, "the payment record belongs to another transaction");
    if (rec.height > hd.height || rec.time_ms > hd.time_ms) stop(5, "the record claims a height or time after the header that includes it");
    const txSignersFound = await txSigners(tx);
    const cp = rc.witnessed ? await checkWitnessed(rc.witnessed, rc.chain_id, hd, rc.tx_index + 2n) : null;
    const witnessCosignatures = policy ? await checkPolicy(cp, policy) : null;
    return {
      ok: true,
      kind: "receipt",
      chain_id: rc.chain_id,
      genesis_hash: hex(genesisHash),
      pinned: !!pinnedHex,
      tx_id: hex(txId),
      tx_index: jsonInt(rc.tx_index),
      tx: { chain_id: u.chain_id, sender: hex(u.sender), nonce: jsonInt(u.nonce), expiry_height: jsonInt(u.expiry_height), body: bodyJson(u.body) },
      sender: hex(rec.sender),
      tx_signers: txSignersFound,
      height: Number(rec.height),
      time_ms: Number(rec.time_ms),
      outcome: outcomeJson(rec.outcome),
      header_height: Number(hd.height),
      header_time_ms: Number(hd.time_ms),
      signers: rc.cert.signers.length,
      validators: n,
      validator_set_changes: rc.chain.length,
      epoch_length: epochLengthField(rc),
      witnessed: witnessedFields(cp, rc.witnessed),
      witness_cosignatures: witnessCosignatures,
    };
  });
}

/**
 * Verifies a transaction receipt (§5a) against `pinnedHex` (or its own genesis), in the Rust
 * verifier's order: 1..=1,024 appended leaves (step 1), the anchor (2-4), the transaction's leaf
 * at `tx_index` (5), then for each appended leaf k its inclusion at `tx_index + 1 + k` (5), its
 * `tx_id` the transaction's (6) and its height not after the header's (5); the transaction's
 * signatures (6); the witnessed checkpoint covering `tx_index + 1 + len(appended)` leaves (10,
 * last; with `policy`, k of its witnesses must have cosigned it). `{ ok: true, kind:
 * "tx_receipt", tx_id, tx_kind, tx (its unsigned part, the body in the JSON form), sender,
 * tx_signers, tx_index, appended: [{ kind: "payment" | "event" | "invoice", record }] (the JSON
 * form, as the CLI prints it), header_height, signers, validators, … }` or `{ ok: false, step, reason }`.
 */
export async function verifyTxReceipt(data, pinnedHex, policy = null) {
  return run(async () => {
    const t = decoded(parseTxReceipt, data);
    const { genesisHash, n } = await verifyAnchor(t, pinnedHex, "transaction receipt");
    const hd = t.header, tx = t.tx, u = tx.unsigned;
    const txLeaf = await leaf(canonical("VELLUM:TX-LEAF:", tx.bytes));
    if (!(await verifyInclusion(t.tx_index, hd.log_size, txLeaf, t.tx_proof, hd.log_root))) stop(5, `the transaction is not at log index ${t.tx_index} of the header's log`);
    const txId = hex(await sha256(canonical("VELLUM:TX-ID:", u.bytes)));
    for (let k = 0; k < t.appended.length; k++) {
      const a = t.appended[k], index = t.tx_index + 1n + BigInt(k);
      if (!(await verifyInclusion(index, hd.log_size, await leaf(canonical(a.tag, a.bytes)), a.proof, hd.log_root))) stop(5, `leaf ${k} after the transaction is not at log index ${index} of the header's log`);
      if (a.record.tx_id !== txId) stop(6, `leaf ${k} after the transaction belongs to another transaction`);
      if (BigInt(a.record.height) > hd.height) stop(5, `leaf ${k} claims a height after the header that includes it`);
    }
    const txSignersFound = await txSigners(tx);
    const covers = t.tx_index + 1n + BigInt(t.appended.length);
    const cp = t.witnessed ? await checkWitnessed(t.witnessed, t.chain_id, hd, covers) : null;
    const witnessCosignatures = policy ? await checkPolicy(cp, policy) : null;
    return {
      ok: true,
      kind: "tx_receipt",
      chain_id: t.chain_id,
      genesis_hash: hex(genesisHash),
      pinned: !!pinnedHex,
      tx_id: txId,
      tx_kind: u.body.type,
      tx_index: jsonInt(t.tx_index),
      tx: { chain_id: u.chain_id, sender: hex(u.sender), nonce: jsonInt(u.nonce), expiry_height: jsonInt(u.expiry_height), body: u.body },
      sender: hex(u.sender),
      tx_signers: txSignersFound,
      appended: t.appended.map((a) => ({ kind: a.kind, record: a.record })),
      header_height: Number(hd.height),
      header_time_ms: Number(hd.time_ms),
      signers: t.cert.signers.length,
      validators: n,
      validator_set_changes: t.chain.length,
      epoch_length: epochLengthField(t),
      witnessed: witnessedFields(cp, t.witnessed),
      witness_cosignatures: witnessCosignatures,
    };
  });
}

export { fromHex };

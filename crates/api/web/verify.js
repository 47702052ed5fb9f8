// Vellum evidence verifier for the browser (and Node ≥ 20): a port of the independent
// verifier in docs/examples/verify_bundle.py, written from docs/evidence-format.md. Runs
// entirely on the client with WebCrypto (SHA-256, Ed25519): the document is never uploaded.
//   verifyBundle(bundleBytes, documentBytes | null, pinnedGenesisHex | null)
//   verifyStatusProof(statusBytes, pinnedGenesisHex | null)            (§6a, magic VELLUMST)
//   statusNow(bundleResult, statusResult)                             (step 9)
//   verifyBundleWithStatus(bundleBytes, statusBytes, documentBytes, pinnedGenesisHex)
// each resolve to { ok: true, ... } or { ok: false, step: "step N (name)", reason }. Bundles of
// version 3 and status proofs carry the registrant's issuer identity (§6a): a result's `issuer`
// is null (an older bundle carries none), { attested: false }, or the attestation; statusNow
// gives the identity now as `issuer_now`; issuerLine(issuer) words it.
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
  u32() { const x = this.v.getUint32(this.p, true); this.take(4); return x; }
  u64() { const x = this.v.getBigUint64(this.p, true); this.take(8); return x; }
  b32() { return this.take(32); }
  // ignoreBOM: a leading U+FEFF is content, not a byte-order mark (stripping it would decode
  // different bytes than were hashed).
  str() { return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(this.take(this.u32())); }
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

function genesis(r) {
  return r.span(() => {
    const chain_id = r.str(); r.u64(); r.u32(); r.u32(); r.u64(); r.u64();
    const validators = r.vec(() => r.b32()); r.b32();
    return { chain_id, validators };
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

/** The file's magic and version (1 or 2; 3 for bundles), within the size limit; a reader after them. */
function framed(data, magic, what, versions = [1, 2]) {
  if (data.length < 9 || !eq(data.subarray(0, 8), enc.encode(magic)) || !versions.includes(data[8])) throw new Error(`not a Vellum ${what} (bad magic or version)`);
  if (data.length > 65536) throw new Error(`${what} over the 64 KiB limit`);
  const r = new Reader(data);
  r.take(9);
  return r;
}

/** The validator chain: none in version 1, one or more changes in version 2, any in version 3. */
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

/** An evidence bundle (`VELLUMEV`, §2.1). */
export function parse(data) {
  const r = framed(data, "VELLUMEV", "evidence bundle", [1, 2, 3]);
  const g = genesis(r);
  const b = { chain_id: g.chain_id, validators: g.validators, genesis_bytes: g.bytes, header: header(r), cert: certificate(r), record: record(r) };
  b.log_proof = r.vec(() => r.b32());
  b.entry = entry(r);
  b.entry_proof = mapProof(r);
  b.member = r.opt(() => ({ index: r.u32(), leaf: r.b32(), batch_proof: r.vec(() => r.b32()), status: r.opt(() => status(r)), status_proof: mapProof(r) }));
  b.document = r.opt(() => ({ digest: r.b32(), salt: r.opt(() => r.b32()) }));
  b.chain = validatorChain(r, data, "bundle");
  // Version 3: the issuer section, which must be present; versions 1 and 2 have none.
  b.issuer = data[8] === 3 ? r.opt(() => issuerEvidence(r)) : null;
  if (data[8] === 3 && !b.issuer) throw new Error("a version-3 bundle must carry the issuer section (without it, it is version 1 or 2)");
  end(r, data);
  return b;
}

/** A status proof (`VELLUMST`, §2.4). */
export function parseStatus(data) {
  const r = framed(data, "VELLUMST", "status proof");
  const g = genesis(r);
  const s = { chain_id: g.chain_id, validators: g.validators, genesis_bytes: g.bytes, header: header(r), cert: certificate(r), proof_id: r.b32() };
  s.entry = entry(r);
  s.entry_proof = mapProof(r);
  s.member = r.opt(() => ({ index: r.u32(), status: r.opt(() => status(r)), status_proof: mapProof(r) }));
  s.issuer = issuerEvidence(r);
  s.chain = validatorChain(r, data, "status proof");
  end(r, data);
  return s;
}

/** Which evidence file `data` is, by its magic: "bundle", "status", "receipt", "log_anchor" or null. */
export function fileKind(data) {
  const magic = new TextDecoder().decode(data.subarray(0, 8));
  return { VELLUMEV: "bundle", VELLUMST: "status", VELLUMRC: "receipt", VELLUMLA: "log_anchor" }[magic] || null;
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

const STEPS = ["decode", "checkpoint", "validator set", "certificate", "log inclusion", "state entry", "batch inclusion", "document", "status"];

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

/** Version 2: one validator-set change, signed by the set before it; returns the next set. */
async function followLink(link, seq, vals, setEpoch, anchored, genesisHash) {
  const lh = link.header, what = `validator-set change ${seq}`;
  await checkSigned(lh, link.cert, vals, genesisHash, what);
  if (link.seq !== seq || link.boundary_height !== lh.height || link.effective_epoch !== lh.epoch + 1n || lh.epoch >= anchored.epoch || lh.epoch < setEpoch) {
    stop(3, `${what} is out of order`);
  }
  const key = await stateKey(25, u64le(seq));
  let found;
  try { found = await verifyMap(link.record_proof, lh.state_root, key); } catch (err) { stop(3, `${what}: ${err.message}`); }
  if (!found.present || !eq(found.valueHash, await valueHash(link.record_bytes))) stop(3, `${what} is not in its boundary block's state`);
  return link.validators;
}

/** Steps 2-4, shared by bundles and status proofs: returns the genesis hash and the set size. */
async function verifyAnchor(f, pinnedHex, what) {
  const genesisHash = await sha256(canonical("VELLUM:GENESIS:", f.genesis_bytes));
  if (pinnedHex && hex(genesisHash) !== pinnedHex.toLowerCase()) stop(2, `${what} is for genesis ${hex(genesisHash)}, not the pinned ${pinnedHex}`);
  let vals = f.validators;
  let setEpoch = 0n; // the epoch from which the current set signs
  for (let i = 0; i < f.chain.length; i++) {
    vals = await followLink(f.chain[i], BigInt(i + 1), vals, setEpoch, f.header, genesisHash);
    setEpoch = f.chain[i].effective_epoch;
  }
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

/** The status fields of a result. */
const statusFields = (st) => ({ status: st.name, status_reason: st.reason, status_since: st.since, status_by: st.by ? hex(st.by) : null, status_info: st });

/** Verifies an evidence bundle. */
export async function verifyBundle(data, documentBytes, pinnedHex) {
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
      document: documentCheck,
      issuer,
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
 * genesis (or the bundle's when none is pinned), then step 9. `{ ok: true, bundle, status, now }`
 * or the first failure, with `file` naming the file that failed.
 */
export async function verifyBundleWithStatus(bundleData, statusData, documentBytes, pinnedHex) {
  const bundle = await verifyBundle(bundleData, documentBytes, pinnedHex);
  if (!bundle.ok) return { ...bundle, file: "bundle" };
  const status = await verifyStatusProof(statusData, pinnedHex || bundle.genesis_hash);
  if (!status.ok) return { ...status, file: "status proof" };
  const now = statusNow(bundle, status);
  return now.ok ? { ok: true, bundle, status, now } : { ...now, file: "bundle and status proof" };
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

export { fromHex };

// Vellum evidence-bundle verifier for the browser (and Node ≥ 20): a port of the independent
// verifier in docs/examples/verify_bundle.py, written from docs/evidence-format.md. Runs
// entirely on the client with WebCrypto (SHA-256, Ed25519): the document is never uploaded.
// verifyBundle(bundleBytes, documentBytes | null, pinnedGenesisHex | null) resolves to
// { ok: true, ... } or { ok: false, step, reason }.

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
}

function status(r) {
  const k = r.u8();
  if (k === 0) return { name: "live" };
  if (k === 1) return { name: "revoked", reason: r.str(), tx: r.b32(), height: r.u64(), time_ms: r.u64() };
  if (k === 2) return { name: "superseded", by: r.b32(), tx: r.b32(), height: r.u64(), time_ms: r.u64() };
  throw new Error("bad status");
}

const mapProof = (r) => ({ siblings: r.vec(() => r.b32()), terminal: r.opt(() => [r.b32(), r.b32()]) });

function header(r, data) {
  const h0 = r.p;
  const hd = { height: r.u64(), parent: r.b32(), epoch: r.u64(), view: r.u64(), time_ms: r.u64(), proposer: r.b32(),
    txs_root: r.b32(), tx_count: r.u32(), log_size: r.u64(), log_root: r.b32(), state_root: r.b32(),
    validator_set_hash: r.b32(), genesis_hash: r.b32() };
  hd.bytes = data.subarray(h0, r.p);
  return hd;
}

const certificate = (r) => ({ parent_view: r.u64(), signers: r.vec(() => r.u32()), signatures: r.vec(() => r.take(64)) });

// Version 2: one validator-set change (boundary header, its certificate, the change record).
function setLink(r, data) {
  const link = { header: header(r, data), cert: certificate(r) };
  const rec0 = r.p;
  link.seq = r.u64(); link.effective_epoch = r.u64(); link.boundary_height = r.u64();
  link.validators = r.vec(() => { r.str(); const key = r.b32(); r.b32(); r.str(); return key; });
  link.record_bytes = data.subarray(rec0, r.p);
  link.record_proof = mapProof(r);
  return link;
}

export function parse(data) {
  const magic = enc.encode("VELLUMEV");
  if (data.length < 9 || !eq(data.subarray(0, 8), magic) || (data[8] !== 1 && data[8] !== 2)) throw new Error("not a Vellum evidence bundle (bad magic or version)");
  if (data.length > 65536) throw new Error("bundle over the 64 KiB limit");
  const r = new Reader(data);
  r.take(9);
  const b = {};
  const g0 = r.p;
  b.chain_id = r.str(); r.u64(); r.u32(); r.u32(); r.u64(); r.u64();
  b.validators = r.vec(() => r.b32()); r.b32();
  b.genesis_bytes = data.subarray(g0, r.p);
  b.header = header(r, data);
  b.cert = certificate(r);
  const rec0 = r.p;
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
  rec.bytes = data.subarray(rec0, r.p);
  b.record = rec;
  b.log_proof = r.vec(() => r.b32());
  const e0 = r.p;
  const entry = { record_hash: r.b32(), leaf_index: r.u64(), registrant: r.b32(), registered_digest: r.b32(), count: r.u32(), status: status(r) };
  entry.bytes = data.subarray(e0, r.p);
  b.entry = entry;
  b.entry_proof = mapProof(r);
  b.member = r.opt(() => {
    const m = { index: r.u32(), leaf: r.b32(), batch_proof: r.vec(() => r.b32()) };
    const s0 = r.p;
    m.status = r.opt(() => status(r));
    m.status_bytes = m.status ? data.subarray(s0 + 1, r.p) : null;
    m.status_proof = mapProof(r);
    return m;
  });
  b.document = r.opt(() => ({ digest: r.b32(), salt: r.opt(() => r.b32()) }));
  b.chain = data[8] === 2 ? r.vec(() => setLink(r, data)) : [];
  // One evidence, one encoding: a version-2 file without set changes would be version 1.
  if (data[8] === 2 && b.chain.length === 0) throw new Error("a version-2 bundle must carry at least one validator-set change");
  if (r.p !== data.length) throw new Error("trailing bytes");
  return b;
}

const canonical = (tag, body) => cat(enc.encode(tag), new Uint8Array([1]), body);
const leaf = (d) => sha256(cat(new Uint8Array([0]), d));
const node = (l, r) => sha256(cat(new Uint8Array([1]), l, r));

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

const STEPS = ["decode", "checkpoint", "validator set", "certificate", "log inclusion", "state entry", "batch inclusion", "document"];

/** Verifies an evidence bundle. */
export async function verifyBundle(data, documentBytes, pinnedHex) {
  const fail = (n, reason) => ({ ok: false, step: `step ${n} (${STEPS[n - 1]})`, reason });
  let b;
  try { b = parse(data); } catch (e) { return fail(1, e.message); }
  const genesisHash = await sha256(canonical("VELLUM:GENESIS:", b.genesis_bytes));
  if (pinnedHex && hex(genesisHash) !== pinnedHex.toLowerCase()) return fail(2, `bundle is for genesis ${hex(genesisHash)}, not the pinned ${pinnedHex}`);
  // Steps 3-4 for one header: it carries the set's hash and more than 2/3 of the set signed it.
  const checkSigned = async (hd, c, vals, what) => {
    const vs = await sha256(canonical("VELLUM:VALIDATOR-SET:", cat(u32le(vals.length), ...vals)));
    // Every set on the chain (genesis, each change) reaches this check before it is trusted.
    const sorted = vals.length > 0 && vals.every((v, i) => i === 0 || hex(vals[i - 1]) < hex(v));
    if (!eq(vs, hd.validator_set_hash) || !eq(hd.genesis_hash, genesisHash) || !sorted) return fail(3, `${what} was not produced by the validator set the chain leads to`);
    const headerHash = await sha256(canonical("VELLUM:BLOCK-HEADER:", hd.bytes));
    const n = vals.length, quorum = n - Math.floor((n - 1) / 3);
    const increasing = c.signers.every((s, i) => i === 0 || c.signers[i - 1] < s);
    if (c.signers.length !== c.signatures.length || c.signers.length < quorum || !increasing || c.signers.some((i) => i >= n)) {
      return fail(4, `${what}: ${c.signers.length} of ${n} validators signed; more than 2/3 (${quorum}) are needed`);
    }
    const ns = enc.encode("VELLUM_CONSENSUS_FINALIZE");
    const msg = cat(varint(ns.length), ns, varint(hd.epoch), varint(hd.view), varint(c.parent_view), headerHash);
    for (let k = 0; k < c.signers.length; k++) {
      let good = false;
      try { good = await ed25519Verify(vals[c.signers[k]], c.signatures[k], msg); } catch (e) { good = false; }
      if (!good) return fail(4, `${what}: signature of validator ${c.signers[k]} does not verify`);
    }
    return null;
  };
  const hd = b.header;
  let vals = b.validators;
  let setEpoch = 0n; // the epoch from which the current set signs
  // Version 2: follow each validator-set change from the genesis set.
  for (let i = 0; i < b.chain.length; i++) {
    const link = b.chain[i], seq = BigInt(i + 1), lh = link.header, what = `validator-set change ${seq}`;
    const bad = await checkSigned(lh, link.cert, vals, what);
    if (bad) return bad;
    if (link.seq !== seq || link.boundary_height !== lh.height || link.effective_epoch !== lh.epoch + 1n || lh.epoch >= hd.epoch || lh.epoch < setEpoch) {
      return fail(3, `${what} is out of order`);
    }
    const seqBytes = new Uint8Array(8);
    new DataView(seqBytes.buffer).setBigUint64(0, seq, true);
    const key = await sha256(canonical("VELLUM:STATE-KEY:", cat(new Uint8Array([25]), seqBytes)));
    let found;
    try { found = await verifyMap(link.record_proof, lh.state_root, key); } catch (err) { return fail(3, `${what}: ${err.message}`); }
    if (!found.present || !eq(found.valueHash, await sha256(cat(new Uint8Array([1]), link.record_bytes)))) {
      return fail(3, `${what} is not in its boundary block's state`);
    }
    vals = link.validators;
    setEpoch = link.effective_epoch;
  }
  const bad = await checkSigned(hd, b.cert, vals, "the header");
  if (bad) return bad;
  const c = b.cert, n = vals.length;
  const rec = b.record, e = b.entry;
  const recLeaf = await leaf(canonical("VELLUM:EVIDENCE-LEAF:", rec.bytes));
  if (!(await verifyInclusion(e.leaf_index, hd.log_size, recLeaf, b.log_proof, hd.log_root)) || rec.height > hd.height || rec.time_ms > hd.time_ms) {
    return fail(5, `record is not at log index ${e.leaf_index} of the header's log`);
  }
  const key = await sha256(canonical("VELLUM:STATE-KEY:", cat(new Uint8Array([1]), rec.proof_id)));
  let found;
  try { found = await verifyMap(b.entry_proof, hd.state_root, key); } catch (err) { return fail(6, err.message); }
  const entryHash = await sha256(cat(new Uint8Array([1]), e.bytes));
  const recHash = await sha256(canonical("VELLUM:EVIDENCE-RECORD:", rec.bytes));
  if (!found.present || !eq(found.valueHash, entryHash) || !eq(e.record_hash, recHash) || !eq(e.registrant, rec.registrant)) {
    return fail(6, "the state holds another entry for this proof");
  }
  let st = e.status;
  const m = b.member;
  let registered;
  if (rec.registered.single) {
    if (m) return fail(7, "a single registration has no members");
    registered = rec.registered.digest;
  } else {
    if (!m) return fail(7, "the bundle names no document of this batch");
    if (!(await verifyInclusion(BigInt(m.index), BigInt(rec.registered.count), await leaf(m.leaf), m.batch_proof, rec.registered.root))) {
      return fail(7, `document is not member ${m.index} of the batch`);
    }
    const mkey = await sha256(canonical("VELLUM:STATE-KEY:", cat(new Uint8Array([3]), rec.proof_id, u32le(m.index))));
    let mf;
    try { mf = await verifyMap(m.status_proof, hd.state_root, mkey); } catch (err) { return fail(7, err.message); }
    if (!m.status) { if (mf.present) return fail(7, "member status hidden"); }
    else {
      if (!mf.present || !eq(mf.valueHash, await sha256(cat(new Uint8Array([1]), m.status_bytes)))) return fail(7, "member status does not match the state");
      if (st.name === "live") st = m.status;
    }
    registered = m.leaf;
  }
  const d = b.document;
  if (d) {
    if (rec.salted !== !!d.salt) return fail(8, "salt and registration disagree");
    const opened = rec.salted ? await sha256(canonical("VELLUM:SALTED-DIGEST:", cat(d.salt, d.digest))) : d.digest;
    if (!eq(opened, registered)) return fail(8, "the bundle's document digest does not open the registered digest");
  }
  let documentCheck = "not checked";
  if (documentBytes) {
    const dd = await sha256(documentBytes);
    const match = rec.salted ? (d && eq(d.digest, dd)) : eq(dd, registered);
    if (!match) return fail(8, `the document's SHA-256 ${hex(dd)} is not the registered one`);
    documentCheck = "matched";
  }
  return {
    ok: true,
    chain_id: b.chain_id,
    genesis_hash: hex(genesisHash),
    pinned: !!pinnedHex,
    registrant: hex(rec.registrant),
    signer: `${rec.signer.scheme}:${hex(rec.signer.key)}`,
    height: Number(rec.height),
    time_ms: Number(rec.time_ms),
    status: st.name,
    status_reason: st.reason || null,
    schema: rec.schema,
    member: m ? m.index : null,
    signers: c.signers.length,
    validators: n,
    validator_set_changes: b.chain.length,
    document: documentCheck,
  };
}

export { fromHex };

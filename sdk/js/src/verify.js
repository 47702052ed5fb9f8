// Offline verification of evidence bundles, payment receipts and log anchors against a pinned
// genesis hash (docs/evidence-format.md; Rust reference crates/evidence/src/verify.rs,
// receipt.rs, log_anchor.rs). Reads nothing but its arguments: no network, no trust in any node.
// Every failure is a VerifyError naming the step (decode, checkpoint, validator set,
// certificate, log inclusion, state entry, batch inclusion, document).

import { ed25519 } from "@noble/curves/ed25519.js";
import { DecodeError, VerifyError } from "./errors.js";
import { concat, equal, fromHex, isBytes, toHex, utf8 } from "./bytes.js";
import { Reader, Writer, bytes as fixedBytes, canonical, encode, vec } from "./encoding.js";
import { Bundle, BlockHeader, EvidenceRecord, GenesisCommitment, LogAnchor, MemberEntry, PaymentRecord, ProofEntry, Receipt, ValidatorSetRecord } from "./types.js";
import { DOMAIN, memberStateKey, proofStateKey, saltedDigest, sha256, stateValueHash, validatorSetChangeKey } from "./hash.js";
import { inclusionError, inclusionProof, leafHash, merkleRoot, verifyMapProof } from "./merkle.js";
import { txId, txLeafBytes, verifyTransaction } from "./tx.js";

export const BUNDLE_MAGIC = "VELLUMEV";
export const RECEIPT_MAGIC = "VELLUMRC";
export const LOG_ANCHOR_MAGIC = "VELLUMLA";
/** Version 1: anchored in the genesis set; version 2 appends the chain of validator-set changes. */
export const FILE_VERSION = 1;
export const FILE_VERSION_CHAINED = 2;
/** Largest bundle, receipt or anchor accepted (they are a few KiB; this bounds hostile input). */
export const EVIDENCE_BYTES_MAX = 64 * 1024;
/** The namespace validators sign finalize votes under (Commonware simplex). */
export const FINALIZE_NAMESPACE = "VELLUM_CONSENSUS_FINALIZE";

const fail = (step, detail) => {
  throw new VerifyError(step, detail);
};

/** A 32-byte hash given as hex or bytes (a pinned genesis hash). */
const hash32 = (v, what) => (v === null || v === undefined ? null : isBytes(v) ? v : fromHex(v, 32, what));

/** `magic ‖ version ‖ borsh(value)`: version 1 without the (empty) validator chain, 2 with it. */
function framed(magic, schema, value) {
  const w = new Writer();
  w.bytes(utf8(magic));
  const unchained = value.validator_chain.length === 0;
  w.u8(unchained ? FILE_VERSION : FILE_VERSION_CHAINED);
  schema.write(w, value, schema.name);
  const out = w.finish();
  // Borsh ends the value with the empty chain's length (four zero bytes): version 1 drops them.
  return unchained ? out.subarray(0, out.length - 4) : out;
}

/** Decodes an evidence file of `magic`: size, magic, version, canonical borsh, no trailing bytes. */
function decodeFile(bytes, magic, schema, what) {
  if (bytes.length > EVIDENCE_BYTES_MAX) fail("decode", `${bytes.length} bytes is over the ${EVIDENCE_BYTES_MAX}-byte limit`);
  const m = utf8(magic);
  if (bytes.length < m.length + 1 || !equal(bytes.subarray(0, m.length), m)) fail("decode", `not a Vellum ${what} (bad magic)`);
  const version = bytes[m.length];
  let body = bytes.subarray(m.length + 1);
  if (version === FILE_VERSION) body = concat(body, new Uint8Array(4)); // version 1: an empty chain
  else if (version !== FILE_VERSION_CHAINED) fail("decode", `${what} version ${version}; this verifier knows ${FILE_VERSION} and ${FILE_VERSION_CHAINED}`);
  try {
    const r = new Reader(body);
    const value = schema.read(r);
    r.end();
    // One evidence, one encoding: without set changes the file is version 1.
    if (version === FILE_VERSION_CHAINED && value.validator_chain.length === 0) {
      fail("decode", `a version-${version} ${what} must carry at least one validator-set change (without any it is version ${FILE_VERSION})`);
    }
    return value;
  } catch (e) {
    if (e instanceof DecodeError) fail("decode", `malformed ${what}: ${e.message}`);
    throw e;
  }
}

export const decodeBundle = (bytes) => decodeFile(bytes, BUNDLE_MAGIC, Bundle, "evidence bundle");
export const encodeBundle = (bundle) => framed(BUNDLE_MAGIC, Bundle, bundle);
export const decodeReceipt = (bytes) => decodeFile(bytes, RECEIPT_MAGIC, Receipt, "payment receipt");
export const encodeReceipt = (receipt) => framed(RECEIPT_MAGIC, Receipt, receipt);
export const decodeLogAnchor = (bytes) => decodeFile(bytes, LOG_ANCHOR_MAGIC, LogAnchor, "log anchor");

/** Which evidence file `bytes` is, by its magic: "bundle", "receipt", "log_anchor" or null. */
export function evidenceKind(bytes) {
  const head = new TextDecoder().decode(bytes.subarray(0, 8));
  return { [BUNDLE_MAGIC]: "bundle", [RECEIPT_MAGIC]: "receipt", [LOG_ANCHOR_MAGIC]: "log_anchor" }[head] ?? null;
}

/** LEB128 (Commonware `UInt`): 7 bits per byte, least significant first. */
export function varint(value) {
  const out = [];
  let x = BigInt(value);
  for (;;) {
    const b = Number(x & 0x7fn);
    x >>= 7n;
    if (x === 0n) {
      out.push(b);
      return Uint8Array.from(out);
    }
    out.push(b | 0x80);
  }
}

/** The bytes each validator signed to finalize `headerHash`. */
export function finalizeMessage(epoch, view, parentView, headerHash) {
  const ns = utf8(FINALIZE_NAMESPACE);
  return concat(varint(ns.length), ns, varint(epoch), varint(view), varint(parentView), headerHash);
}

export const genesisHashOf = (genesis) => sha256(canonical(DOMAIN.GENESIS, GenesisCommitment, genesis));
export const headerHashOf = (header) => sha256(canonical(DOMAIN.BLOCK_HEADER, BlockHeader, header));
export const validatorSetHashOf = (keys) => sha256(canonical(DOMAIN.VALIDATOR_SET, vec(fixedBytes(32)), keys));
/** More than 2/3 of n (`n − ⌊(n−1)/3⌋`), as Commonware's simplex counts a finalization. */
export const quorum = (n) => n - Math.floor((n - 1) / 3);

const increasing = (keys) => keys.every((k, i) => i === 0 || toHex(keys[i - 1]) < toHex(k));

/** `header` belongs to `validators` and this chain, and more than 2/3 of them finalized it. */
function checkSigned(header, c, validators, genesisHash, what, note) {
  // Every set on the chain (genesis, each change) reaches this check before it is trusted.
  if (validators.length === 0 || !increasing(validators)) fail("validator set", `the validator keys that signed ${what} must be non-empty, sorted and unique`);
  const setHash = validatorSetHashOf(validators);
  note("validator_set_hash", setHash);
  if (!equal(setHash, header.validator_set_hash)) fail("validator set", `${what} was not produced by the validator set the chain leads to`);
  if (!equal(header.genesis_hash, genesisHash)) fail("validator set", `${what} belongs to another chain (its genesis hash differs)`);
  const headerHash = headerHashOf(header);
  note("header_hash", headerHash);
  const n = validators.length;
  const need = quorum(n);
  if (c.signers.length !== c.signatures.length) fail("certificate", "signer and signature counts differ");
  const ordered = c.signers.every((s, i) => i === 0 || c.signers[i - 1] < s);
  if (!ordered || (c.signers.length > 0 && c.signers[c.signers.length - 1] >= n)) fail("certificate", "signer indices must be increasing and below the validator count");
  if (c.signers.length < need) fail("certificate", `${c.signers.length} of ${n} validators signed; more than 2/3 (${need}) are needed`);
  const message = finalizeMessage(header.epoch, header.view, c.parent_view, headerHash);
  note("finalize_message", message);
  c.signers.forEach((index, k) => {
    let good;
    try {
      // ZIP-215 rules, as the validators' ed25519-consensus.
      good = ed25519.verify(c.signatures[k], message, validators[index], { zip215: true });
    } catch {
      fail("certificate", `validator ${index} has an invalid key`);
    }
    if (!good) fail("certificate", `signature of validator ${index} does not verify`);
  });
}

/**
 * Steps 2–4, shared by bundles, receipts and log anchors: the genesis commitment matches the
 * pinned hash, the header descends from the genesis validator set (following each change in
 * `chain`), and more than 2/3 of that set finalized it. Returns the genesis hash and set size.
 */
function verifyAnchor(genesis, header, certificate, chain, pinned, note) {
  const genesisHash = genesisHashOf(genesis);
  note("genesis_hash", genesisHash);
  if (pinned && !equal(pinned, genesisHash)) fail("checkpoint", `bundle is for genesis ${toHex(genesisHash)}, not the pinned ${toHex(pinned)}`);
  let validators = genesis.validators;
  let seq = 0n;
  let setEpoch = 0n; // the epoch from which the current set signs
  for (const link of chain) {
    checkSigned(link.header, link.certificate, validators, genesisHash, "a validator-set change", note);
    const r = link.record;
    if (link.header.epoch < setEpoch) {
      fail("validator set", `validator-set change ${r.seq} has its boundary block in epoch ${link.header.epoch}, before the set that signed it took effect (epoch ${setEpoch})`);
    }
    if (r.seq !== seq + 1n || r.boundary_height !== link.header.height || link.header.epoch + 1n !== r.effective_epoch) {
      fail("validator set", `validator-set change ${r.seq} does not follow change ${seq} at its boundary block`);
    }
    let found;
    try {
      found = verifyMapProof(link.record_proof, link.header.state_root, validatorSetChangeKey(r.seq));
    } catch {
      found = { present: false };
    }
    if (!found.present || !equal(found.valueHash, stateValueHash(encode(ValidatorSetRecord, r)))) {
      fail("validator set", `validator-set change ${r.seq} is not in its boundary block's state`);
    }
    if (link.header.epoch >= header.epoch) fail("validator set", "a validator-set change in the chain is not before the anchored header's epoch");
    validators = r.validators.map((v) => v.consensus_key);
    seq = r.seq;
    setEpoch = r.effective_epoch;
  }
  checkSigned(header, certificate, validators, genesisHash, "the header", note);
  return { genesisHash, validators: validators.length };
}

/** Step 7 for a batch: the member's leaf is in the batch tree and its own status is proven. */
function checkMember(b, root, count, note) {
  const m = b.member;
  note("batch_root", root);
  note("member_leaf_hash", leafHash(m.leaf));
  const why = inclusionError(m.index, count, leafHash(m.leaf), m.batch_proof, root);
  if (why) fail("batch inclusion", `document is not member ${m.index} of the batch: ${why}`);
  const key = memberStateKey(b.record.proof_id, m.index);
  note("member_key", key);
  let proven;
  try {
    proven = verifyMapProof(m.status_proof, b.header.state_root, key);
  } catch (e) {
    fail("batch inclusion", `member status proof does not match the state root: ${e.message}`);
  }
  const matches = m.status === null ? !proven.present : proven.present && equal(proven.valueHash, stateValueHash(encode(MemberEntry, m.status)));
  if (!matches) fail("batch inclusion", "member status does not match the state");
}

/** Step 8: the bundle's opening, and the document itself when given. */
function checkDocument(b, registeredDigest, documentBytes, note) {
  const r = b.record;
  const opening = b.document;
  if (opening) {
    if (r.salted && !opening.salt) fail("document", "the registration is salted but the bundle carries no salt");
    if (!r.salted && opening.salt) fail("document", "the bundle carries a salt for an unsalted registration");
    let committed = opening.digest;
    if (r.salted) {
      committed = saltedDigest(opening.salt, opening.digest);
      note("salted_digest", committed);
    }
    if (!equal(committed, registeredDigest)) fail("document", "the bundle's document digest does not open the registered digest");
  }
  if (documentBytes === null || documentBytes === undefined) return "not_checked";
  const d = sha256(documentBytes);
  note("document_sha256", d);
  if (r.salted && !opening) fail("document", "salted registration: the bundle needs the salt to check a document");
  const matches = r.salted ? equal(opening.digest, d) : equal(d, registeredDigest);
  if (!matches) fail("document", `the document's SHA-256 ${toHex(d)} is not the registered one`);
  return "matched";
}

/**
 * Verifies an evidence bundle (file bytes or a decoded bundle) offline, optionally against the
 * document itself; `genesisHash` is the pinned root of trust (hex or bytes). Returns what the
 * bundle proves, or throws a VerifyError naming the failing step.
 */
export function verifyBundle(input, { genesisHash = null, document = null } = {}) {
  const b = isBytes(input) ? decodeBundle(input) : input;
  const trace = [];
  const note = (k, v) => trace.push([k, toHex(v)]);
  const { genesisHash: gh, validators } = verifyAnchor(b.genesis, b.header, b.certificate, b.validator_chain, hash32(genesisHash, "genesis hash"), note);
  const r = b.record;
  const h = b.header;

  // 5. Log inclusion of the evidence record.
  const recordLeaf = leafHash(canonical(DOMAIN.EVIDENCE_LEAF, EvidenceRecord, r));
  note("record_leaf_hash", recordLeaf);
  const why = inclusionError(b.entry.leaf_index, h.log_size, recordLeaf, b.log_proof, h.log_root);
  if (why) fail("log inclusion", `record is not at log index ${b.entry.leaf_index}: ${why}`);
  if (r.height > h.height || r.time_ms > h.time_ms) fail("log inclusion", "the record claims a height or time after the header that includes it");

  // 6. The state entry: record hash, log position, registrant and status as of the header.
  const entryKey = proofStateKey(r.proof_id);
  const entryValueHash = stateValueHash(encode(ProofEntry, b.entry));
  note("entry_key", entryKey);
  note("entry_value_hash", entryValueHash);
  let found;
  try {
    found = verifyMapProof(b.entry_proof, h.state_root, entryKey);
  } catch (e) {
    fail("state entry", `state proof does not match the header's state root: ${e.message}`);
  }
  if (!found.present) fail("state entry", "the state holds no entry for this proof");
  if (!equal(found.valueHash, entryValueHash)) fail("state entry", "the state holds a different entry for this proof");
  const recordHash = sha256(canonical(DOMAIN.EVIDENCE_RECORD, EvidenceRecord, r));
  if (!equal(b.entry.record_hash, recordHash) || !equal(b.entry.registrant, r.registrant)) fail("state entry", "the state entry belongs to another record");
  let status = b.entry.status;

  // 7. Batch membership.
  let registeredDigest = null;
  if (r.registered.kind === "single") {
    if (b.member) fail("batch inclusion", "a single registration has no members");
    registeredDigest = r.registered.digest;
  } else {
    if (!b.member) fail("batch inclusion", "the bundle names no document of this batch");
    checkMember(b, r.registered.root, r.registered.count, note);
    // A member's own change (revocation) applies to it, unless the whole batch changed.
    if (b.member.status && status.status === "live") status = b.member.status.status;
    registeredDigest = b.member.leaf;
  }
  note("registered_digest", registeredDigest);

  // 8. The document.
  const documentCheck = checkDocument(b, registeredDigest, document, note);
  return {
    genesisHash: toHex(gh),
    chainId: b.genesis.chain_id,
    checkpointPinned: Boolean(genesisHash),
    record: r,
    proofId: toHex(r.proof_id),
    registrant: toHex(r.registrant),
    signer: r.signer.toString(),
    registeredDigest: toHex(registeredDigest),
    memberIndex: b.member ? b.member.index : null,
    status,
    statusHeight: h.height,
    statusTimeMs: h.time_ms,
    signers: b.certificate.signers.length,
    validators,
    validatorSetChanges: b.validator_chain.length,
    document: documentCheck,
    trace,
  };
}

/**
 * Verifies a payment receipt (file bytes or decoded) offline: the anchor (steps 2–4), both log
 * leaves (the signed transaction at `tx_index`, its payment record right after), the record's
 * binding to the transaction, and the transaction's signatures.
 */
export function verifyReceipt(input, { genesisHash = null } = {}) {
  const r = isBytes(input) ? decodeReceipt(input) : input;
  const { genesisHash: gh, validators } = verifyAnchor(r.genesis, r.header, r.certificate, r.validator_chain, hash32(genesisHash, "genesis hash"), () => {});
  const h = r.header;
  const txWhy = inclusionError(r.tx_index, h.log_size, leafHash(txLeafBytes(r.tx)), r.tx_proof, h.log_root);
  if (txWhy) fail("log inclusion", `the transaction is not at log index ${r.tx_index}: ${txWhy}`);
  const recordLeaf = leafHash(canonical(DOMAIN.PAYMENT_RECORD, PaymentRecord, r.record));
  const recWhy = inclusionError(r.tx_index + 1n, h.log_size, recordLeaf, r.record_proof, h.log_root);
  if (recWhy) fail("log inclusion", `the payment record is not at log index ${r.tx_index + 1n}: ${recWhy}`);
  if (!equal(r.record.tx_id, txId(r.tx.unsigned)) || !equal(r.record.sender, r.tx.unsigned.sender)) {
    fail("state entry", "the payment record belongs to another transaction");
  }
  if (r.record.height > h.height || r.record.time_ms > h.time_ms) fail("log inclusion", "the record claims a height or time after the header that includes it");
  let signers;
  try {
    signers = verifyTransaction(r.tx);
  } catch (e) {
    fail("state entry", `the transaction's signatures do not verify: ${e.message}`);
  }
  return {
    genesisHash: toHex(gh),
    chainId: r.genesis.chain_id,
    checkpointPinned: Boolean(genesisHash),
    tx: r.tx,
    txId: toHex(r.record.tx_id),
    txKind: r.tx.unsigned.body.type,
    sender: toHex(r.record.sender),
    signers: signers.map(String),
    record: r.record,
    recordJson: PaymentRecord.toJson(r.record),
    headerHeight: h.height,
    certificateSigners: r.certificate.signers.length,
    validators,
  };
}

/**
 * Verifies a log anchor: the chain finalized its RFC 6962 log at `size` entries with `root`.
 * `genesisHash` is required (an anchor not tied to a known chain proves nothing).
 */
export function verifyLogAnchor(input, { genesisHash }) {
  const a = isBytes(input) ? decodeLogAnchor(input) : input;
  const pinned = hash32(genesisHash, "genesis hash");
  if (!pinned) fail("checkpoint", "a log anchor is verified against a pinned genesis hash");
  const { genesisHash: gh, validators } = verifyAnchor(a.genesis, a.header, a.certificate, a.validator_chain, pinned, () => {});
  if (a.header.log_size === 0n) fail("log inclusion", "the anchored header commits an empty log");
  return {
    genesisHash: toHex(gh),
    chainId: a.genesis.chain_id,
    size: a.header.log_size,
    root: toHex(a.header.log_root),
    height: a.header.height,
    timeMs: a.header.time_ms,
    signers: a.certificate.signers.length,
    validators,
    validatorSetChanges: a.validator_chain.length,
  };
}

/** Any evidence file, by its magic (a bundle, a receipt, or a log anchor). */
export function verifyEvidence(bytes, options = {}) {
  switch (evidenceKind(bytes)) {
    case "receipt":
      return { kind: "receipt", ...verifyReceipt(bytes, options) };
    case "log_anchor":
      return { kind: "log_anchor", ...verifyLogAnchor(bytes, options) };
    default:
      return { kind: "bundle", ...verifyBundle(bytes, options) };
  }
}

/**
 * Completes a batch member's evidence from the batch's registered digests in order (the
 * manifest only the registrant holds): its leaf and inclusion path. Returns a new bundle.
 */
export function fillMember(bundle, digests) {
  const reg = bundle.record.registered;
  if (reg.kind !== "batch" || !bundle.member) throw new VerifyError("batch inclusion", "this registration is not a batch");
  if (digests.length !== reg.count) throw new VerifyError("batch inclusion", `the batch manifest lists ${digests.length} digests, the registration ${reg.count}`);
  const leaves = digests.map((d) => leafHash(d));
  if (!equal(merkleRoot(leaves), reg.root)) throw new VerifyError("batch inclusion", "the batch manifest does not hash to the registered root");
  const index = bundle.member.index;
  return { ...bundle, member: { ...bundle.member, leaf: digests[index], batch_proof: inclusionProof(index, leaves) } };
}

/** Adds what ties the bundle to the document: its SHA-256 and, if salted, the salt. Returns a new bundle. */
export const openDocument = (bundle, digest, salt = null) => ({ ...bundle, document: { digest, salt } });

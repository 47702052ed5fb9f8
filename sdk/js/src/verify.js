// Offline verification of evidence bundles, payment receipts, transaction receipts, log anchors
// and status proofs against a pinned genesis hash (docs/evidence-format.md; Rust reference
// crates/evidence/src/verify.rs, receipt.rs, tx_receipt.rs, log_anchor.rs, status.rs, issuer.rs,
// witness.rs).
// Reads nothing but its arguments: no network, no trust in any node. Every failure is a
// VerifyError naming the step (decode, checkpoint, validator set, certificate, log inclusion,
// state entry, batch inclusion, document; status when a status proof is combined with a bundle;
// witnesses for a witnessed checkpoint, and its cosignatures under a witness policy).

import { ed25519 } from "@noble/curves/ed25519.js";
import { DecodeError, VellumError, VerifyError } from "./errors.js";
import { concat, equal, fromHex, isBytes, toHex, utf8 } from "./bytes.js";
import { Reader, Writer, bytes as fixedBytes, canonical, encode, vec } from "./encoding.js";
import {
  Appended,
  Bundle,
  BlockHeader,
  ContractEvent,
  EvidenceRecord,
  GenesisCommitment,
  InvoiceRecord,
  IssuerAttestation,
  LogAnchor,
  MemberEntry,
  PaymentRecord,
  ProofEntry,
  ProofStatus,
  Receipt,
  StatusProof,
  TxReceipt,
  ValidatorSetRecord,
} from "./types.js";
import { DOMAIN, issuerProfileKey, memberStateKey, proofStateKey, saltedDigest, sha256, stateValueHash, validatorSetChangeKey } from "./hash.js";
import { inclusionError, inclusionProof, leafHash, merkleRoot, verifyMapProof } from "./merkle.js";
import { txId, txLeafBytes, verifyTransaction } from "./tx.js";
import { checkWitnessPolicy, verifyWitnessed, witnessPolicy as readWitnessPolicy, witnessedResult } from "./witness.js";

export const BUNDLE_MAGIC = "VELLUMEV";
export const RECEIPT_MAGIC = "VELLUMRC";
export const LOG_ANCHOR_MAGIC = "VELLUMLA";
export const STATUS_PROOF_MAGIC = "VELLUMST";
export const TX_RECEIPT_MAGIC = "VELLUMTR";
/** A transaction receipt has one version, which carries every field (docs/evidence-format.md §5a). */
export const TX_RECEIPT_VERSION = 1;
/** Most leaves one transaction receipt proves after its transaction (at least one). */
export const TX_RECEIPT_LEAVES_MAX = 1024;
/**
 * Version 1: anchored in the genesis set; version 2 appends the chain of validator-set changes;
 * version 3 of a bundle: the chain (possibly empty), then the registrant's issuer identity, which
 * must be present; version 4 of a bundle: version 3 then the witnessed checkpoint, which must be
 * present (the issuer section may then be either). Version 3 of a receipt: the chain (possibly
 * empty), then the witnessed checkpoint, which must be present.
 */
export const FILE_VERSION = 1;
export const FILE_VERSION_CHAINED = 2;
export const FILE_VERSION_ISSUER = 3;
export const FILE_VERSION_WITNESSED = 4;
export const RECEIPT_VERSION_WITNESSED = 3;
/** Largest bundle, receipt, anchor or status proof accepted (they are a few KiB; this bounds hostile input). */
export const EVIDENCE_BYTES_MAX = 64 * 1024;
/** The namespace validators sign finalize votes under (Commonware simplex). */
export const FINALIZE_NAMESPACE = "VELLUM_CONSENSUS_FINALIZE";

const fail = (step, detail) => {
  throw new VerifyError(step, detail);
};

/** A 32-byte hash given as hex or bytes (a pinned genesis hash). */
const hash32 = (v, what) => (v === null || v === undefined ? null : isBytes(v) ? v : fromHex(v, 32, what));

/** `magic ‖ version ‖ borsh(value)` of `version`, with the value's last `drop` bytes left out. */
function frame(magic, version, schema, value, drop = 0) {
  const w = new Writer();
  w.bytes(utf8(magic));
  w.u8(version);
  schema.write(w, value, schema.name);
  const out = w.finish();
  return out.subarray(0, out.length - drop);
}

/**
 * Versions 1 and 2 of a value whose borsh encoding ends with the validator chain and then
 * `trailer` bytes encoding "no extension" (a bundle's absent issuer and witnessed sections: two
 * `00`; a receipt's absent witnessed section: one), which both leave out: version 1 without the
 * (empty) chain, 2 with it.
 */
function framed(magic, schema, value, trailer = 0) {
  const unchained = value.validator_chain.length === 0;
  // Borsh ends the value with the empty chain's length (four zero bytes): version 1 drops them.
  return frame(magic, unchained ? FILE_VERSION : FILE_VERSION_CHAINED, schema, value, trailer + (unchained ? 4 : 0));
}

/** The size limit and the magic of an evidence file; its version byte. */
function frameOf(bytes, magic, what) {
  if (bytes.length > EVIDENCE_BYTES_MAX) fail("decode", `${bytes.length} bytes is over the ${EVIDENCE_BYTES_MAX}-byte limit`);
  const m = utf8(magic);
  if (bytes.length < m.length + 1 || !equal(bytes.subarray(0, m.length), m)) fail("decode", `not a Vellum ${what} (bad magic)`);
  return bytes[m.length];
}

/** Canonical borsh of `schema` in `body`, no trailing bytes; a decode failure is step 1. */
function readBody(body, schema, what) {
  try {
    const r = new Reader(body);
    const value = schema.read(r);
    r.end();
    return value;
  } catch (e) {
    if (e instanceof DecodeError) fail("decode", `malformed ${what}: ${e.message}`);
    throw e;
  }
}

/**
 * Decodes a version-1 or -2 evidence file of `magic`: size, magic, version, canonical borsh, no
 * trailing bytes; `trailer` is what versions 1 and 2 leave out after the chain (see `framed`).
 */
function decodeFile(bytes, magic, schema, what, { trailer = new Uint8Array(0), versions = `${FILE_VERSION} and ${FILE_VERSION_CHAINED}` } = {}) {
  const version = frameOf(bytes, magic, what);
  let body = bytes.subarray(utf8(magic).length + 1);
  if (version === FILE_VERSION) body = concat(body, new Uint8Array(4), trailer); // version 1: an empty chain
  else if (version === FILE_VERSION_CHAINED) body = concat(body, trailer);
  else fail("decode", `${what} version ${version}; this verifier knows ${versions}`);
  const value = readBody(body, schema, what);
  // One evidence, one encoding: without set changes the file is version 1.
  if (version === FILE_VERSION_CHAINED && value.validator_chain.length === 0) {
    fail("decode", `a version-${version} ${what} must carry at least one validator-set change (without any it is version ${FILE_VERSION})`);
  }
  return value;
}

/**
 * Decodes a bundle (docs/evidence-format.md §2): version 4 is the whole value and must carry the
 * witnessed section; version 3 has none (`witnessed` is null) and must carry the issuer section;
 * versions 1 and 2 carry neither (both null).
 */
export function decodeBundle(bytes) {
  const what = "evidence bundle";
  const version = frameOf(bytes, BUNDLE_MAGIC, what);
  const body = bytes.subarray(BUNDLE_MAGIC.length + 1);
  if (version === FILE_VERSION_WITNESSED) {
    const value = readBody(body, Bundle, what);
    if (value.witnessed === null) fail("decode", `a version-${version} ${what} must carry the witnessed section (without it, it is version ${FILE_VERSION_ISSUER} or older)`);
    return value;
  }
  if (version === FILE_VERSION_ISSUER) {
    const value = readBody(concat(body, Uint8Array.of(0)), Bundle, what);
    if (value.issuer === null) fail("decode", `a version-${version} ${what} must carry the issuer section (without it, it is version ${FILE_VERSION} or ${FILE_VERSION_CHAINED})`);
    return value;
  }
  return decodeFile(bytes, BUNDLE_MAGIC, Bundle, what, { trailer: Uint8Array.of(0, 0), versions: `${FILE_VERSION} to ${FILE_VERSION_WITNESSED}` });
}

/**
 * A bundle's file, in the lowest version that carries every section it has: 4 with a witnessed
 * section, 3 with its issuer section, else 1 or 2 (an older bundle).
 */
export function encodeBundle(bundle) {
  if (bundle.witnessed) return frame(BUNDLE_MAGIC, FILE_VERSION_WITNESSED, Bundle, bundle);
  if (bundle.issuer) return frame(BUNDLE_MAGIC, FILE_VERSION_ISSUER, Bundle, bundle, 1);
  return framed(BUNDLE_MAGIC, Bundle, bundle, 2);
}

/**
 * Decodes a payment receipt (docs/evidence-format.md §2): version 3 is the whole value and must
 * carry the witnessed section; versions 1 and 2 have none (`witnessed` is null).
 */
export function decodeReceipt(bytes) {
  const what = "payment receipt";
  if (frameOf(bytes, RECEIPT_MAGIC, what) !== RECEIPT_VERSION_WITNESSED) {
    return decodeFile(bytes, RECEIPT_MAGIC, Receipt, what, { trailer: Uint8Array.of(0), versions: `${FILE_VERSION} to ${RECEIPT_VERSION_WITNESSED}` });
  }
  const value = readBody(bytes.subarray(RECEIPT_MAGIC.length + 1), Receipt, what);
  if (value.witnessed === null) fail("decode", `a version-${RECEIPT_VERSION_WITNESSED} ${what} must carry the witnessed section (without it, it is version ${FILE_VERSION} or ${FILE_VERSION_CHAINED})`);
  return value;
}

/** A receipt's file: version 3 with a witnessed section, else version 1 or 2. */
export const encodeReceipt = (receipt) =>
  receipt.witnessed ? frame(RECEIPT_MAGIC, RECEIPT_VERSION_WITNESSED, Receipt, receipt) : framed(RECEIPT_MAGIC, Receipt, receipt, 1);
export const decodeLogAnchor = (bytes) => decodeFile(bytes, LOG_ANCHOR_MAGIC, LogAnchor, "log anchor");
export const decodeStatusProof = (bytes) => decodeFile(bytes, STATUS_PROOF_MAGIC, StatusProof, "status proof");
export const encodeStatusProof = (proof) => framed(STATUS_PROOF_MAGIC, StatusProof, proof);

/**
 * Decodes a transaction receipt (docs/evidence-format.md §5a): `VELLUMTR ‖ 0x01 ‖
 * borsh(TxReceipt)`, every field present, no trailing bytes. (How many leaves it carries is
 * checked by `verifyTxReceipt`, at step 1 too, as in Rust.)
 */
export function decodeTxReceipt(bytes) {
  const what = "transaction receipt";
  const version = frameOf(bytes, TX_RECEIPT_MAGIC, what);
  if (version !== TX_RECEIPT_VERSION) fail("decode", `${what} version ${version} is not known to this verifier (it knows ${TX_RECEIPT_VERSION})`);
  return readBody(bytes.subarray(TX_RECEIPT_MAGIC.length + 1), TxReceipt, what);
}

/** A transaction receipt's file (its one version). */
export const encodeTxReceipt = (receipt) => frame(TX_RECEIPT_MAGIC, TX_RECEIPT_VERSION, TxReceipt, receipt);

const KINDS = { [BUNDLE_MAGIC]: "bundle", [RECEIPT_MAGIC]: "receipt", [TX_RECEIPT_MAGIC]: "tx_receipt", [LOG_ANCHOR_MAGIC]: "log_anchor", [STATUS_PROOF_MAGIC]: "status" };

/** Which evidence file `bytes` is, by its magic: "bundle", "receipt", "tx_receipt", "log_anchor", "status" or null. */
export function evidenceKind(bytes) {
  return KINDS[new TextDecoder().decode(bytes.subarray(0, 8))] ?? null;
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

/** The genesis hash: `H("VELLUM:GENESIS:" ‖ 0x01 ‖ the commitment's bytes)`, in whichever layout it has. */
export const genesisHashOf = (genesis) => sha256(canonical(DOMAIN.GENESIS, GenesisCommitment, genesis));
/** `u64::MAX`: the epoch length of a chain with a single epoch. */
const U64_MAX = (1n << 64n) - 1n;
/**
 * Blocks per epoch as a genesis commitment states it (Rust `GenesisCommitment::epoch_length`):
 * layout 2: its `epoch_length_blocks`, or 2^64 − 1 (one epoch forever) when none; layout 1
 * states none: null (step 3g is skipped).
 */
export const epochLengthOf = (genesis) => (genesis.layout === 1 ? null : genesis.epoch_length_blocks === null || genesis.epoch_length_blocks === undefined ? U64_MAX : BigInt(genesis.epoch_length_blocks));
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
 * Steps 2–4, shared by bundles, receipts, log anchors and status proofs (`file`, of kind
 * `what`): the genesis commitment matches the pinned hash, the header descends from the genesis
 * validator set (following each change in the file's validator chain), and more than 2/3 of
 * that set finalized it. Returns the genesis hash and set size.
 */
function verifyAnchor(file, pinned, note, what) {
  const { genesis, header, certificate, validator_chain: chain } = file;
  const genesisHash = genesisHashOf(genesis);
  note("genesis_hash", genesisHash);
  if (pinned && !equal(pinned, genesisHash)) fail("checkpoint", `${what} is for genesis ${toHex(genesisHash)}, not the pinned ${toHex(pinned)}`);
  let validators = genesis.validators;
  // 3g. Under a committed epoch length (layout-2 commitment), every certified header's epoch is
  // its height's, and every set change sits on the last block of an epoch (u64 arithmetic, as
  // bigint: the length may be 2^64 − 1).
  // (Decoding admits only lengths a genesis may set, 10 or more; as in Rust, a commitment built in
  // memory with 0 counts as 1 rather than dividing by zero.)
  const committed = epochLengthOf(genesis);
  const epochLength = committed === null ? null : committed < 1n ? 1n : committed;
  const epochOf = (h, what) => {
    if (epochLength === null) return;
    const epoch = h.height / epochLength;
    if (h.epoch !== epoch) fail("validator set", `${what} at height ${h.height} claims epoch ${h.epoch}, not ${epoch} under the committed epoch length of ${epochLength} blocks`);
  };
  let seq = 0n;
  let setEpoch = 0n; // the epoch from which the current set signs
  for (const link of chain) {
    checkSigned(link.header, link.certificate, validators, genesisHash, "a validator-set change", note);
    const r = link.record;
    epochOf(link.header, "a validator-set change");
    // `height + 1` overflows u64 at its largest value: no such boundary (as Rust's checked_add).
    if (epochLength !== null && (link.header.height === U64_MAX || (link.header.height + 1n) % epochLength !== 0n)) {
      fail("validator set", `validator-set change ${r.seq} is at height ${link.header.height}, not the last block of an epoch of ${epochLength} blocks`);
    }
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
  // 3g for the anchored header, before its 3a–3c (as Rust evaluates them).
  epochOf(header, "the header");
  checkSigned(header, certificate, validators, genesisHash, "the header", note);
  return { genesisHash, validators: validators.length, epochLength };
}

const LIVE = Object.freeze({ status: "live" });
const isFinal = (s) => s.status === "revoked" || s.status === "superseded";

/**
 * The status that applies to one document of a batch (docs/evidence-format.md §4 step 7): a
 * final status of the registration (revoked, superseded) wins; else a final status of the
 * member; else a suspended registration; else the member's own status. For a single
 * registration (`member` null): its own.
 */
export function effectiveStatus(registration, member = null) {
  if (isFinal(registration)) return registration;
  if (member !== null && isFinal(member)) return member;
  if (registration.status !== "live") return registration;
  return member ?? LIVE;
}

/** Steps 6a–6b: `entryProof` proves `entry` present under `StateKey::Proof(proofId)` in `root`. */
function checkEntry(entryProof, root, proofId, entry, note) {
  const key = proofStateKey(proofId);
  const valueHash = stateValueHash(encode(ProofEntry, entry));
  note("entry_key", key);
  note("entry_value_hash", valueHash);
  let found;
  try {
    found = verifyMapProof(entryProof, root, key);
  } catch (e) {
    fail("state entry", `state proof does not match the header's state root: ${e.message}`);
  }
  if (!found.present) fail("state entry", "the state holds no entry for this proof");
  if (!equal(found.valueHash, valueHash)) fail("state entry", "the state holds a different entry for this proof");
}

/** Proven: no identity was ever attested for the registrant. */
const NOT_ATTESTED = Object.freeze({ attested: false });

/** An attestation as a result reports it: hex ids, bigint heights and times. */
function attestedResult(a) {
  const r = a.revoked;
  return {
    attested: true,
    profile: {
      name: a.profile.name,
      domain: a.profile.domain,
      x509Sha256: a.profile.x509_sha256 === null ? null : toHex(a.profile.x509_sha256),
      wellKnownSha256: toHex(a.profile.well_known_sha256),
    },
    attestedBy: toHex(a.attested_by),
    txId: toHex(a.tx_id),
    height: a.height,
    timeMs: a.time_ms,
    revoked: r === null ? null : { by: toHex(r.by), reason: r.reason, txId: toHex(r.tx_id), height: r.height, timeMs: r.time_ms },
  };
}

/**
 * Step 6d (bundles version 3; status proofs, reported under step 6): the issuer section proves
 * the registrant's attested identity — or that it has none — under
 * `StateKey::IssuerProfile(registrant)` in `root`. Returns `{ attested: false }` or the
 * attestation (see `attestedResult`).
 */
function checkIssuer(evidence, registrant, root, note) {
  const key = issuerProfileKey(registrant);
  note("issuer_key", key);
  let found;
  try {
    found = verifyMapProof(evidence.proof, root, key);
  } catch (e) {
    fail("state entry", `issuer identity proof does not match the state root: ${e.message}`);
  }
  const a = evidence.attestation;
  if (a === null && !found.present) return NOT_ATTESTED;
  if (a !== null && found.present) {
    const valueHash = stateValueHash(encode(IssuerAttestation, a));
    note("issuer_value_hash", valueHash);
    if (equal(found.valueHash, valueHash)) return attestedResult(a);
  }
  return fail("state entry", "the issuer identity does not match the state");
}

/**
 * One line for the registrant's issuer identity (a result's `issuer`): "Example University
 * (example.edu), attested by <account> at height 6" (and "— identity attestation REVOKED at
 * height H (reason: …)" when withdrawn), "no attested identity", or, for a version-1 or -2
 * bundle (`null`), that the file carries none.
 */
export function issuerLine(issuer) {
  if (issuer === null || issuer === undefined) return "this file (an older format) carries no issuer identity";
  if (!issuer.attested) return "no attested identity";
  const line = `${issuer.profile.name} (${issuer.profile.domain}), attested by ${issuer.attestedBy} at height ${issuer.height}`;
  const r = issuer.revoked;
  return r ? `${line} — identity attestation REVOKED at height ${r.height} (reason: ${r.reason})` : line;
}

/**
 * Steps 7d–7e: `statusProof` proves the member's own status entry (`entry`, null when it never
 * changed) under `StateKey::Member(proofId, index)` in `root`. Returns the member's own status.
 */
function memberOwnStatus(statusProof, root, proofId, index, entry, note) {
  const key = memberStateKey(proofId, index);
  note("member_key", key);
  let proven;
  try {
    proven = verifyMapProof(statusProof, root, key);
  } catch (e) {
    fail("batch inclusion", `member status proof does not match the state root: ${e.message}`);
  }
  const matches = entry === null ? !proven.present : proven.present && equal(proven.valueHash, stateValueHash(encode(MemberEntry, entry)));
  if (!matches) fail("batch inclusion", "member status does not match the state");
  return entry === null ? LIVE : entry.status;
}

/** Step 7 for a batch bundle: the member's leaf is in the batch tree; returns its own status. */
function checkMember(b, root, count, note) {
  const m = b.member;
  note("batch_root", root);
  note("member_leaf_hash", leafHash(m.leaf));
  const why = inclusionError(m.index, count, leafHash(m.leaf), m.batch_proof, root);
  if (why) fail("batch inclusion", `document is not member ${m.index} of the batch: ${why}`);
  return memberOwnStatus(m.status_proof, b.header.state_root, b.record.proof_id, m.index, m.status, note);
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

/** A witness policy option (file text or object), checked before any file is read; null when not given. */
const policyOption = (policy) => (policy === null || policy === undefined ? null : readWitnessPolicy(policy));

/**
 * Step 10a–10c on a file's `witnessed` section (null when it carries none): the parsed
 * checkpoint, which must cover leaves `[0, covers)` of the header's log.
 */
const witnessedLog = (file, covers) =>
  file.witnessed ? verifyWitnessed(file.witnessed, { origin: file.genesis.chain_id, logSize: file.header.log_size, logRoot: file.header.log_root, covers }) : null;

/**
 * Verifies an evidence bundle (file bytes or a decoded bundle) offline, optionally against the
 * document itself; `genesisHash` is the pinned root of trust (hex or bytes). Returns what the
 * bundle proves — with `issuer`, the registrant's identity as of its header (null for a
 * version-1 or -2 file, which carries none), and `witnessed`, the checkpoint witnesses cosigned
 * (version 4; null otherwise) — or throws a VerifyError naming the failing step. With
 * `witnessPolicy` (a policy file's text or `{ witnesses: [{ name, key }], quorum }`), step 10
 * also requires `quorum` of its witnesses to have cosigned; `witnessCosignatures` says how many
 * did (null without a policy).
 */
export function verifyBundle(input, { genesisHash = null, document = null, witnessPolicy = null } = {}) {
  const policy = policyOption(witnessPolicy);
  const b = isBytes(input) ? decodeBundle(input) : input;
  const trace = [];
  const note = (k, v) => trace.push([k, toHex(v)]);
  const { genesisHash: gh, validators, epochLength } = verifyAnchor(b, hash32(genesisHash, "genesis hash"), note, "bundle");
  const r = b.record;
  const h = b.header;

  // 5. Log inclusion of the evidence record.
  const recordLeaf = leafHash(canonical(DOMAIN.EVIDENCE_LEAF, EvidenceRecord, r));
  note("record_leaf_hash", recordLeaf);
  const why = inclusionError(b.entry.leaf_index, h.log_size, recordLeaf, b.log_proof, h.log_root);
  if (why) fail("log inclusion", `record is not at log index ${b.entry.leaf_index}: ${why}`);
  if (r.height > h.height || r.time_ms > h.time_ms) fail("log inclusion", "the record claims a height or time after the header that includes it");

  // 6. The state entry: record hash, log position, registrant and status as of the header.
  checkEntry(b.entry_proof, h.state_root, r.proof_id, b.entry, note);
  const recordHash = recordHashOf(r);
  if (!equal(b.entry.record_hash, recordHash) || !equal(b.entry.registrant, r.registrant)) fail("state entry", "the state entry belongs to another record");
  // 6d. The registrant's issuer identity (version 3; older files carry none).
  const issuer = b.issuer ? checkIssuer(b.issuer, r.registrant, h.state_root, note) : null;
  let status = b.entry.status;

  // 7. Batch membership; a member's status is the `effective` one.
  let registeredDigest = null;
  if (r.registered.kind === "single") {
    if (b.member) fail("batch inclusion", "a single registration has no members");
    registeredDigest = r.registered.digest;
  } else {
    if (!b.member) fail("batch inclusion", "the bundle names no document of this batch");
    status = effectiveStatus(status, checkMember(b, r.registered.root, r.registered.count, note));
    registeredDigest = b.member.leaf;
  }
  note("registered_digest", registeredDigest);

  // 8. The document.
  const documentCheck = checkDocument(b, registeredDigest, document, note);
  // 10. Last, as the Rust verifier runs it: the witnessed log (version 4) covers the record
  // (10a–10c); the cosignatures under the verifier's witness policy (10d).
  const witnessed = witnessedLog(b, b.entry.leaf_index + 1n);
  const witnessCosignatures = policy ? checkWitnessPolicy(witnessed, policy) : null;
  return {
    genesisHash: toHex(gh),
    chainId: b.genesis.chain_id,
    checkpointPinned: Boolean(genesisHash),
    record: r,
    proofId: toHex(r.proof_id),
    recordHash: toHex(recordHash),
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
    epochLength,
    document: documentCheck,
    issuer,
    witnessed: witnessedResult(witnessed, b.witnessed?.note),
    witnessCosignatures,
    trace,
  };
}

/**
 * Verifies a payment receipt (file bytes or decoded) offline: the anchor (steps 2–4), both log
 * leaves (the signed transaction at `tx_index`, its payment record right after), the record's
 * binding to the transaction, the transaction's signatures, and (version 3) the witnessed
 * checkpoint (step 10; with `witnessPolicy`, its cosignatures as for `verifyBundle`).
 */
export function verifyReceipt(input, { genesisHash = null, witnessPolicy = null } = {}) {
  const policy = policyOption(witnessPolicy);
  const r = isBytes(input) ? decodeReceipt(input) : input;
  const { genesisHash: gh, validators, epochLength } = verifyAnchor(r, hash32(genesisHash, "genesis hash"), () => {}, "receipt");
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
  // 10. The witnessed log covers both leaves; under a policy, enough cosignatures.
  const witnessed = witnessedLog(r, r.tx_index + 2n);
  const witnessCosignatures = policy ? checkWitnessPolicy(witnessed, policy) : null;
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
    validatorSetChanges: r.validator_chain.length,
    epochLength,
    witnessed: witnessedResult(witnessed, r.witnessed?.note),
    witnessCosignatures,
  };
}

/** Each kind of leaf a transaction appends after itself: its domain tag and schema (the leaf data is `canonical(tag, record)`). */
const APPENDED_LEAVES = {
  payment: [DOMAIN.PAYMENT_RECORD, PaymentRecord],
  event: [DOMAIN.CONTRACT_EVENT, ContractEvent],
  invoice: [DOMAIN.INVOICE_RECORD, InvoiceRecord],
};

/** The log leaf data of an appended leaf (`Appended` value: `{ kind, record }`). */
export function appendedLeafBytes(appended) {
  const leaf = APPENDED_LEAVES[appended?.kind];
  if (!leaf) throw new VellumError(`an appended leaf is a payment, an event or an invoice, not ${JSON.stringify(appended?.kind)}`);
  return canonical(leaf[0], leaf[1], appended.record);
}

/**
 * Verifies a transaction receipt (`VELLUMTR`, file bytes or decoded) offline, as the Rust
 * reference `verify_tx_receipt` does (docs/evidence-format.md §5a): 1..=1,024 appended leaves
 * (step 1), the anchor (steps 2–4), the transaction's leaf at `tx_index` (5), then for each
 * appended leaf k its inclusion at `tx_index + 1 + k` (5), its `tx_id` the transaction's (6) and
 * its height not after the header's (5); then the transaction's signatures (6); then the
 * witnessed checkpoint, which must cover `tx_index + 1 + len(appended)` leaves (step 10; with
 * `witnessPolicy`, its cosignatures as for `verifyBundle`).
 */
export function verifyTxReceipt(input, { genesisHash = null, witnessPolicy = null } = {}) {
  const policy = policyOption(witnessPolicy);
  const r = isBytes(input) ? decodeTxReceipt(input) : input;
  if (r.appended.length === 0 || r.appended.length > TX_RECEIPT_LEAVES_MAX) {
    fail("decode", `a transaction receipt proves 1..=${TX_RECEIPT_LEAVES_MAX} leaves after its transaction`);
  }
  const { genesisHash: gh, validators, epochLength } = verifyAnchor(r, hash32(genesisHash, "genesis hash"), () => {}, "transaction receipt");
  const h = r.header;
  const txIndex = BigInt(r.tx_index);
  const txWhy = inclusionError(txIndex, h.log_size, leafHash(txLeafBytes(r.tx)), r.tx_proof, h.log_root);
  if (txWhy) fail("log inclusion", `the transaction is not at log index ${txIndex}: ${txWhy}`);
  const id = txId(r.tx.unsigned);
  r.appended.forEach(([a, proof], k) => {
    const index = txIndex + 1n + BigInt(k);
    const why = inclusionError(index, h.log_size, leafHash(appendedLeafBytes(a)), proof, h.log_root);
    if (why) fail("log inclusion", `leaf ${k} after the transaction is not at log index ${index}: ${why}`);
    if (!equal(a.record.tx_id, id)) fail("state entry", `leaf ${k} after the transaction belongs to another transaction`);
    if (BigInt(a.record.height) > BigInt(h.height)) fail("log inclusion", `leaf ${k} claims a height after the header that includes it`);
  });
  let signers;
  try {
    signers = verifyTransaction(r.tx);
  } catch (e) {
    fail("state entry", `the transaction's signatures do not verify: ${e.message}`);
  }
  // 10. The witnessed log covers the transaction and every leaf after it; under a policy, enough cosignatures.
  const witnessed = witnessedLog(r, txIndex + 1n + BigInt(r.appended.length));
  const witnessCosignatures = policy ? checkWitnessPolicy(witnessed, policy) : null;
  const appended = r.appended.map(([a]) => a);
  return {
    genesisHash: toHex(gh),
    chainId: r.genesis.chain_id,
    checkpointPinned: Boolean(genesisHash),
    tx: r.tx,
    txId: toHex(id),
    txKind: r.tx.unsigned.body.type,
    sender: toHex(r.tx.unsigned.sender),
    signers: signers.map(String),
    txIndex,
    appended,
    appendedJson: appended.map((a) => Appended.toJson(a)),
    headerHeight: h.height,
    certificateSigners: r.certificate.signers.length,
    validators,
    validatorSetChanges: r.validator_chain.length,
    epochLength,
    witnessed: witnessedResult(witnessed, r.witnessed?.note),
    witnessCosignatures,
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
  const { genesisHash: gh, validators, epochLength } = verifyAnchor(a, pinned, () => {}, "log anchor");
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
    epochLength,
  };
}

/** `H(canonical("VELLUM:EVIDENCE-RECORD:", record))`, what a state entry commits to. */
const recordHashOf = (record) => sha256(canonical(DOMAIN.EVIDENCE_RECORD, EvidenceRecord, record));

/** Step 7 of a status proof for one member: 7f, then 7d–7e; the member's `effective` status. */
function statusOfMember(s) {
  const m = s.member;
  if (m.index >= s.entry.count) fail("batch inclusion", `the registration has no member ${m.index} (it covers ${s.entry.count})`);
  const own = memberOwnStatus(m.status_proof, s.header.state_root, s.proof_id, m.index, m.status, () => {});
  return effectiveStatus(s.entry.status, own);
}

/**
 * Verifies a status proof (file bytes or decoded) offline (docs/evidence-format.md §6a): steps
 * 1–4 as for bundles, the registration's state entry (6), a member's status entry (7), and the
 * registrant's issuer identity (6d). Returns the status that applies as of the proof's header
 * and the issuer identity then, or throws a VerifyError naming the
 * failing step. `genesisHash` is the pinned root of trust (hex or bytes).
 */
export function verifyStatusProof(input, { genesisHash = null } = {}) {
  const s = isBytes(input) ? decodeStatusProof(input) : input;
  const { genesisHash: gh, validators, epochLength } = verifyAnchor(s, hash32(genesisHash, "genesis hash"), () => {}, "status proof");
  checkEntry(s.entry_proof, s.header.state_root, s.proof_id, s.entry, () => {});
  const status = s.member ? statusOfMember(s) : s.entry.status;
  // 6d with the entry's registrant (reported under step 6, checked after step 7 as in Rust).
  const issuer = checkIssuer(s.issuer, s.entry.registrant, s.header.state_root, () => {});
  return {
    genesisHash: toHex(gh),
    chainId: s.genesis.chain_id,
    checkpointPinned: Boolean(genesisHash),
    proofId: toHex(s.proof_id),
    memberIndex: s.member ? s.member.index : null,
    registrant: toHex(s.entry.registrant),
    recordHash: toHex(s.entry.record_hash),
    registeredDigest: toHex(s.entry.registered_digest),
    count: s.entry.count,
    status,
    height: s.header.height,
    timeMs: s.header.time_ms,
    signers: s.certificate.signers.length,
    validators,
    validatorSetChanges: s.validator_chain.length,
    epochLength,
    issuer,
  };
}

const sameStatus = (a, b) => equal(encode(ProofStatus, a), encode(ProofStatus, b));

/**
 * Step 9: what a verified bundle (`verifyBundle`'s result) and a verified status proof
 * (`verifyStatusProof`'s) say together, once they are shown to speak of the same chain (9a),
 * registration (9b) and document (9c), the status proof not older than the bundle (9d).
 * Returns `{ then, now, nowHeight, nowTimeMs, changed, issuerNow }`; throws a VerifyError at step 9.
 */
export function statusNow(bundle, status) {
  if (typeof bundle?.recordHash !== "string" || typeof status?.recordHash !== "string" || status.height === undefined) {
    throw new VellumError("statusNow takes the results of verifyBundle and verifyStatusProof");
  }
  if (bundle.genesisHash !== status.genesisHash) fail("status", "the status proof is for another chain (its genesis hash differs)");
  if (bundle.proofId !== status.proofId || bundle.recordHash !== status.recordHash) fail("status", "the status proof is for another registration");
  if (bundle.memberIndex !== status.memberIndex) fail("status", "the status proof is for another document of the batch");
  if (status.height < bundle.statusHeight) {
    fail("status", `the status proof (height ${status.height}) is older than the bundle (height ${bundle.statusHeight})`);
  }
  return {
    then: bundle.status,
    now: status.status,
    nowHeight: status.height,
    nowTimeMs: status.timeMs,
    changed: !sameStatus(bundle.status, status.status),
    // The registrant's issuer identity now (a withdrawn attestation shows here).
    issuerNow: status.issuer,
  };
}

/**
 * A bundle and a status proof together (step 9): the bundle verified (against `genesisHash`
 * and `document` when given), the status proof against the pinned genesis or, when none is
 * pinned, the bundle's own; then `statusNow`; then, with `witnessPolicy`, the bundle's
 * cosignatures (step 10d, last, as `vellum verify --status --witnesses` checks them). Returns
 * `{ bundle, status, now }`.
 */
export function verifyBundleWithStatus(bundleInput, statusInput, { genesisHash = null, document = null, witnessPolicy = null } = {}) {
  const policy = policyOption(witnessPolicy);
  const bundle = verifyBundle(bundleInput, { genesisHash, document });
  const status = verifyStatusProof(statusInput, { genesisHash: genesisHash ?? bundle.genesisHash });
  const now = statusNow(bundle, status);
  if (policy) bundle.witnessCosignatures = checkWitnessPolicy(bundle.witnessed?.checkpoint ?? null, policy);
  return { bundle, status, now };
}

/** One line for a status, with its reason code and height: `REVOKED since height 9 (reason: key_compromise)`. */
export function statusLine(status) {
  switch (status.status) {
    case "live":
      return "LIVE";
    case "superseded":
      return `SUPERSEDED since height ${status.height} by ${toHex(status.by)}`;
    default:
      return `${status.status.toUpperCase()} since height ${status.height} (reason: ${status.reason})`;
  }
}

/**
 * Any evidence file, by its magic (a bundle, a payment receipt, a transaction receipt, a log
 * anchor or a status proof). A `witnessPolicy` applies to bundles and receipts of both kinds; log
 * anchors and status proofs carry no cosignatures, so with a policy they fail at step 10 (once
 * verified).
 */
export function verifyEvidence(bytes, options = {}) {
  const uncosigned = (kind, result) => {
    if (policyOption(options.witnessPolicy)) fail("witnesses", `a witness policy needs a witnessed file (bundle version 4, receipt version 3); a ${kind} carries no cosignatures`);
    return result;
  };
  switch (evidenceKind(bytes)) {
    case "receipt":
      return { kind: "receipt", ...verifyReceipt(bytes, options) };
    case "tx_receipt":
      return { kind: "tx_receipt", ...verifyTxReceipt(bytes, options) };
    case "log_anchor":
      return uncosigned("log anchor", { kind: "log_anchor", ...verifyLogAnchor(bytes, options) });
    case "status":
      return uncosigned("status proof", { kind: "status", ...verifyStatusProof(bytes, options) });
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

// Step 10 on its own, for `@vellum/sdk/verify` users: witness policies and the witnessed line.
export { checkWitnessPolicy, parseWitnessPolicy, verifyWitnessed, witnessPolicy, witnessedLine } from "./witness.js";

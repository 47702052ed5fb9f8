// Multi-party signing: the transaction file `vellum tx build/sign/combine/submit` reads and
// writes, so each signer of a k-of-n account signs on their own device (wire-format §14):
//
//   { "vellum_tx": 1, "chain_id": …, "tx_id": <64 hex>, "unsigned": <hex of 0x01 ‖ borsh(UnsignedTx)>,
//     "body": { …body JSON, informative… }, "signer_set": { …optional… },
//     "signatures": [<hex of borsh(Signature)>, …] }
//
// A reader refuses what the Rust reader (crates/cli/src/multiparty.rs) refuses: an unknown
// version or field, a missing field, an unsigned transaction that does not decode or breaks
// the shape rules, a tx_id or chain_id that is not the decoded one's, a signature over another
// transaction, two signatures by one key, one signature twice, a recoverable secp256k1
// signature without a signer set to check its recovered key against, and a key outside the
// signer set. Before submitting, the weight of the distinct signers is checked.

import { DuplicateSigner, ForeignSignature, InsufficientWeight, NoSignerSet, NotASigner, RecoversOutsider, RepeatedSignature, SignatureError, TxFileError, VellumError } from "./errors.js";
import { decode, encode } from "./encoding.js";
import { PublicKey, Signature, SignerSet } from "./types.js";
import { fromHex, toHex } from "./bytes.js";
import { parseJson, stringifyJson } from "./json.js";
import { verifySignature } from "./keys.js";
import { TX_SIGNATURES_MAX, bodyToJson, checkShape, checkUnsignedShape, signingBytes, txHash, unsignedFromWire, unsignedWire } from "./tx.js";

export const TX_FILE_VERSION = 1;

/** The fields a file may carry (wire-format §14): any other is refused, not ignored. */
const FILE_FIELDS = new Set(["vellum_tx", "chain_id", "tx_id", "unsigned", "body", "signer_set", "signatures"]);
/** The fields a file must carry (only `signer_set` is optional), as the Rust reader requires. */
const REQUIRED_FIELDS = ["vellum_tx", "chain_id", "tx_id", "unsigned", "body", "signatures"];

const fileError = (message) => {
  throw new TxFileError(message);
};

/**
 * A new transaction file for `unsigned` (chain, sender, nonce, expiry and body filled in),
 * unsigned. `signerSet`, when given, is the sender's signer set as the builder read it
 * (informative: it gives signers early errors, and a recoverable secp256k1 signature can be
 * checked only against it; the ledger decides). Refuses a transaction that breaks the shape
 * rules, which nobody should be asked to sign.
 */
export function buildTxFile(unsigned, { signerSet = null } = {}) {
  const wire = unsignedWire(unsigned); // an EncodeError names a missing or mistyped field
  // The rules apply to the value as every reader will decode it (numbers normalised).
  checkedShape(unsignedFromWire(wire));
  const set = signerSet === null ? null : SignerSet.toJson(SignerSet.fromJson(signerSet, "signer_set"));
  return fileWith({ chain_id: unsigned.chain_id, tx_id: txHash(unsigned), unsigned: toHex(wire), body: bodyToJson(unsigned.body) }, set, []);
}

/** A file's fields in the order `vellum tx` writes them. */
function fileWith({ chain_id, tx_id, unsigned, body }, signerSet, signatures) {
  const file = { vellum_tx: TX_FILE_VERSION, chain_id, tx_id, unsigned, body };
  if (signerSet !== null && signerSet !== undefined) file.signer_set = signerSet;
  file.signatures = signatures;
  return file;
}

function checkedShape(unsigned) {
  try {
    checkUnsignedShape(unsigned);
  } catch (e) {
    fileError(`the transaction breaks the shape rules: ${e.message}`);
  }
}

/**
 * Reads and checks a transaction file (JSON text or object). Returns `{ file, unsigned,
 * signatures, signers, signerSet }`: the decoded transaction, the decoded signatures, each
 * one's key, and the file's signer set (null when it carries none).
 */
export function readTxFile(input) {
  const file = parseFile(input);
  const signerSet = fileSignerSet(file);
  const unsigned = fileUnsigned(file);
  const { signatures, signers } = fileSignatures(file, unsigned, signerSet);
  return { file, unsigned, signatures, signers, signerSet };
}

/** The file object, with its version, its fields and their types checked. */
function parseFile(input) {
  let file = input;
  if (typeof input === "string") {
    try {
      file = parseJson(input);
    } catch (e) {
      fileError(`not a transaction file: ${e.message}`);
    }
  }
  if (file === null || typeof file !== "object" || Array.isArray(file)) fileError("not a transaction file: expected a JSON object");
  if (file.vellum_tx !== TX_FILE_VERSION) fileError(`unknown transaction file version ${stringifyJson(file.vellum_tx)} (this SDK reads ${TX_FILE_VERSION})`);
  const unknown = Object.keys(file).filter((k) => !FILE_FIELDS.has(k));
  if (unknown.length > 0) fileError(`unknown field${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")} (refused, not ignored)`);
  const missing = REQUIRED_FIELDS.filter((k) => file[k] === undefined);
  if (missing.length > 0) fileError(`missing field${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);
  for (const k of ["chain_id", "tx_id", "unsigned"]) if (typeof file[k] !== "string") fileError(`\`${k}\` must be a string`);
  if (!Array.isArray(file.signatures)) fileError("`signatures` must be an array");
  return file;
}

/** The file's signer set (keys as PublicKey), or null; `null` in the file means none, as in Rust. */
function fileSignerSet(file) {
  if (file.signer_set === undefined || file.signer_set === null) return null;
  try {
    return SignerSet.fromJson(file.signer_set, "signer_set");
  } catch (e) {
    fileError(`its signer_set is not a signer set: ${e.message}`);
  }
}

/** The decoded unsigned transaction, checked against the shape rules, the file's tx_id and chain_id. */
function fileUnsigned(file) {
  let unsigned;
  try {
    unsigned = unsignedFromWire(fromHex(file.unsigned, null, "unsigned"));
  } catch (e) {
    fileError(`its unsigned transaction does not decode: ${e.message}`);
  }
  checkedShape(unsigned);
  const id = txHash(unsigned);
  // Exactly the lowercase hex the writers produce: the id is compared as text, as in Rust.
  if (file.tx_id !== id) fileError(`tx_id ${stringifyJson(file.tx_id)} is not the id of its unsigned transaction (${id}, 64 lowercase hex digits)`);
  if (file.chain_id !== unsigned.chain_id) fileError(`chain_id "${file.chain_id}" is not the decoded transaction's "${unsigned.chain_id}"`);
  return unsigned;
}

/** Each signature decoded and verified, with its key; refused as wire-format §14 says. */
function fileSignatures(file, unsigned, signerSet) {
  if (file.signatures.length > TX_SIGNATURES_MAX) fileError(`more than ${TX_SIGNATURES_MAX} signatures`);
  const message = signingBytes(unsigned);
  const texts = file.signatures.map((t) => (typeof t === "string" ? t.toLowerCase() : t));
  const signatures = [];
  const signers = [];
  texts.forEach((text, index) => {
    const first = texts.indexOf(text);
    if (first < index) throw new RepeatedSignature(index, first);
    const sig = decodeSignature(text, index);
    // Recovery yields *some* key for any bytes: without the set, a secp256k1 signature over
    // another transaction would pass for a signer.
    if (sig.scheme === "secp256k1" && signerSet === null) throw new NoSignerSet(index);
    let key;
    try {
      key = verifySignature(sig, message);
    } catch (e) {
      if (e instanceof SignatureError) throw new ForeignSignature(index, e.message);
      throw e;
    }
    if (signers.some((k) => k.equals(key))) throw new DuplicateSigner(key.toString());
    requireSigner(signerSet, key, unsigned, { index, recovered: sig.scheme === "secp256k1" });
    signatures.push(sig);
    signers.push(key);
  });
  return { signatures, signers };
}

function decodeSignature(text, index) {
  try {
    return decode(Signature, fromHex(text, null, `signatures[${index}]`));
  } catch (e) {
    fileError(`signature ${index} does not decode: ${e.message}`);
  }
}

/**
 * Refuses `key` when a signer set is known and does not hold it: RecoversOutsider for a
 * recovered (secp256k1) key — over another transaction, or by an outsider — else NotASigner.
 */
function requireSigner(signerSet, key, unsigned, { index = null, recovered = false } = {}) {
  if (signerSet === null || signerSet.signers.some((s) => s.key.equals(key))) return;
  const account = toHex(unsigned.sender);
  throw recovered ? new RecoversOutsider(index, key.toString(), account) : new NotASigner(key.toString(), account, { index });
}

/**
 * The file with `key`'s signature added. Refused when that key signed already, when the
 * file's signer set does not hold it, and for a secp256k1 key when the file carries no signer
 * set (its signature could not be checked by the other readers).
 */
export function signTxFile(input, key) {
  const { file, unsigned, signers, signerSet } = readTxFile(input);
  const index = signers.length;
  if (signers.some((k) => k.equals(key.publicKey))) throw new DuplicateSigner(key.publicKey.toString());
  if (key.scheme === "secp256k1" && signerSet === null) throw new NoSignerSet(index);
  // The signer's own key: not in the set means not a signer (not "over another transaction").
  requireSigner(signerSet, key.publicKey, unsigned, { index });
  const sig = key.sign(signingBytes(unsigned));
  return fileWith(file, file.signer_set, [...file.signatures, toHex(encode(Signature, sig))]);
}

/**
 * One file holding the signatures of several copies of one transaction (byte-identical
 * `unsigned`). A signature present byte for byte in several inputs is one signature; two
 * different signatures by one key are a DuplicateSigner, as in any file. The signer set is the
 * first input's that carries one.
 */
export function combineTxFiles(...inputs) {
  if (inputs.length === 0) throw new VellumError("nothing to combine");
  const read = inputs.map((f) => readTxFile(f));
  const first = read[0];
  const signatures = [];
  for (const r of read) {
    if (r.file.unsigned.toLowerCase() !== first.file.unsigned.toLowerCase()) {
      fileError(`these files hold different transactions (${first.file.tx_id}, ${r.file.tx_id})`);
    }
    for (const sig of r.file.signatures) if (!signatures.includes(sig.toLowerCase())) signatures.push(sig.toLowerCase());
  }
  const signerSet = read.find((r) => r.signerSet !== null)?.file.signer_set ?? null;
  const combined = fileWith(first.file, signerSet, signatures);
  readTxFile(combined);
  return combined;
}

/**
 * The weight of the file's distinct signers against a signer set (`{ signers: [{ key, weight }],
 * threshold }`, as `GET /v1/account/{id}` shows it; by default the file's own `signer_set`).
 * Throws NotASigner (RecoversOutsider for a recovered key) for a key that is not a signer of
 * the account and InsufficientWeight below the threshold; returns the weight.
 */
export function checkWeight(input, signerSet = null) {
  const read = readTxFile(input);
  const set = signerSet === null ? (read.signerSet ?? fileError("no signer set to check the weight against (the file carries none)")) : asSignerSet(signerSet);
  let weight = 0;
  read.signers.forEach((key, index) => {
    requireSigner(set, key, read.unsigned, { index, recovered: read.signatures[index].scheme === "secp256k1" });
    weight += set.signers.find((s) => s.key.equals(key)).weight;
  });
  if (weight < set.threshold) throw new InsufficientWeight(weight, set.threshold, toHex(read.unsigned.sender));
  return weight;
}

/** A signer set given by a caller (keys as text or PublicKey; numbers as numbers, strings or bigints). */
function asSignerSet(set) {
  return { signers: set.signers.map((s) => ({ key: PublicKey.parse(s.key), weight: Number(s.weight) })), threshold: Number(set.threshold) };
}

/** The signed transaction a (checked) file holds, checked against the shape rules too. */
export function txFromFile(input) {
  const { unsigned, signatures } = readTxFile(input);
  if (signatures.length === 0) fileError("the file carries no signature");
  const tx = { unsigned, signatures };
  try {
    checkShape(tx);
  } catch (e) {
    fileError(`the transaction breaks the shape rules: ${e.message}`);
  }
  return tx;
}

/** A transaction file as text (what `vellum tx` writes). */
export const txFileText = (file) => `${stringifyJson(file, 2)}\n`;

/** What is being signed, in words: shown to a signer before they add their signature. */
export function describeTx(unsigned) {
  const b = bodyToJson(unsigned.body);
  const { type, ...fields } = b;
  const details = Object.entries(fields)
    .map(([k, v]) => `${k} = ${typeof v === "object" ? stringifyJson(v) : String(v)}`)
    .join("; ");
  return `${type.replace(/_/g, " ")} from account ${toHex(unsigned.sender)} on chain ${unsigned.chain_id}, nonce ${unsigned.nonce}, valid until height ${unsigned.expiry_height}${details ? `: ${details}` : ""}`;
}

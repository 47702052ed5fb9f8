// Multi-party signing: the transaction file `vellum tx build/sign/combine/submit` reads and
// writes, so each signer of a k-of-n account signs on their own device:
//
//   { "vellum_tx": 1, "chain_id": …, "tx_id": <64 hex>, "unsigned": <hex of 0x01 ‖ borsh(UnsignedTx)>,
//     "body": { …body JSON, informative… }, "signatures": [<hex of borsh(Signature)>, …] }
//
// A reader refuses an unknown version, a tx_id that is not the id of `unsigned`, a signature
// over another transaction and two signatures by the same key; before submitting, the weight of
// the distinct signers is checked against the sender's signer set.

import { DuplicateSigner, ForeignSignature, InsufficientWeight, TxFileError, VellumError } from "./errors.js";
import { decode, encode } from "./encoding.js";
import { PublicKey, Signature, SignerSet } from "./types.js";
import { fromHex, toHex } from "./bytes.js";
import { parseJson, stringifyJson } from "./json.js";
import { verifySignature } from "./keys.js";
import { TX_SIGNATURES_MAX, bodyToJson, checkShape, signingBytes, txHash, unsignedFromWire, unsignedWire } from "./tx.js";

export const TX_FILE_VERSION = 1;

/** The fields a file may carry (wire-format §14): any other is refused, not ignored. */
const FILE_FIELDS = new Set(["vellum_tx", "chain_id", "tx_id", "unsigned", "body", "signer_set", "signatures"]);

/**
 * A new transaction file for `unsigned` (chain, sender, nonce, expiry and body filled in),
 * unsigned. `signerSet`, when given, is the sender's signer set as the builder read it
 * (informative: it gives signers early errors; the ledger decides).
 */
export function buildTxFile(unsigned, { signerSet = null } = {}) {
  const file = {
    vellum_tx: TX_FILE_VERSION,
    chain_id: unsigned.chain_id,
    tx_id: txHash(unsigned),
    unsigned: toHex(unsignedWire(unsigned)),
    body: bodyToJson(unsigned.body),
  };
  if (signerSet !== null) file.signer_set = SignerSet.toJson(SignerSet.fromJson(signerSet, "signer_set"));
  file.signatures = [];
  return file;
}

const fileError = (message) => {
  throw new TxFileError(message);
};

/**
 * Reads and checks a transaction file (JSON text or object). Returns `{ file, unsigned,
 * signatures, signers }`: the decoded transaction, the decoded signatures and each one's key.
 */
export function readTxFile(input) {
  let file = input;
  if (typeof input === "string") {
    try {
      file = parseJson(input);
    } catch (e) {
      fileError(`not a transaction file: ${e.message}`);
    }
  }
  if (file === null || typeof file !== "object") fileError("not a transaction file: expected a JSON object");
  if (file.vellum_tx !== TX_FILE_VERSION) fileError(`unknown transaction file version ${stringifyJson(file.vellum_tx)} (this SDK reads ${TX_FILE_VERSION})`);
  const unknown = Object.keys(file).filter((k) => !FILE_FIELDS.has(k));
  if (unknown.length > 0) fileError(`unknown field${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")} (refused, not ignored)`);
  if (file.signer_set !== undefined) {
    try {
      SignerSet.fromJson(file.signer_set, "signer_set");
    } catch (e) {
      fileError(`its signer_set is not a signer set: ${e.message}`);
    }
  }
  if (typeof file.unsigned !== "string") fileError("the file has no `unsigned` hex");
  let unsigned;
  try {
    unsigned = unsignedFromWire(fromHex(file.unsigned, null, "unsigned"));
  } catch (e) {
    fileError(`its unsigned transaction does not decode: ${e.message}`);
  }
  const id = txHash(unsigned);
  if (typeof file.tx_id !== "string" || file.tx_id.toLowerCase() !== id) fileError(`tx_id ${file.tx_id} is not the id of its unsigned transaction (${id})`);
  if (file.chain_id !== undefined && file.chain_id !== unsigned.chain_id) {
    fileError(`chain_id "${file.chain_id}" is not the decoded transaction's "${unsigned.chain_id}"`);
  }
  if (!Array.isArray(file.signatures)) fileError("`signatures` must be an array");
  if (file.signatures.length > TX_SIGNATURES_MAX) fileError(`more than ${TX_SIGNATURES_MAX} signatures`);
  const message = signingBytes(unsigned);
  const signatures = [];
  const signers = [];
  file.signatures.forEach((text, index) => {
    let sig;
    try {
      sig = decode(Signature, fromHex(text, null, `signatures[${index}]`));
    } catch (e) {
      fileError(`signature ${index} does not decode: ${e.message}`);
    }
    let key;
    try {
      key = verifySignature(sig, message);
    } catch {
      throw new ForeignSignature(index);
    }
    // A recoverable secp256k1 signature over other bytes recovers some other key; the check
    // against the sender's signer set (checkWeight) catches that one.
    if (signers.some((k) => k.equals(key))) throw new DuplicateSigner(key.toString());
    signatures.push(sig);
    signers.push(key);
  });
  return { file, unsigned, signatures, signers };
}

/** The file with `key`'s signature added (refused if that key signed already). */
export function signTxFile(input, key) {
  const { file, unsigned, signers } = readTxFile(input);
  if (signers.some((k) => k.equals(key.publicKey))) throw new DuplicateSigner(key.publicKey.toString());
  const sig = key.sign(signingBytes(unsigned));
  return { ...file, signatures: [...file.signatures, toHex(encode(Signature, sig))] };
}

/**
 * One file holding the signatures of several copies of one transaction (byte-identical
 * `unsigned`). A signature present byte for byte in several inputs is one signature; two
 * different signatures by one key are a DuplicateSigner, as in any file.
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
  const combined = { ...first.file, signatures };
  readTxFile(combined);
  return combined;
}

/**
 * The weight of the file's distinct signers against a signer set (`{ signers: [{ key, weight }],
 * threshold }`, as `GET /v1/account/{id}` shows it; by default the file's own `signer_set`).
 * Throws TxFileError for a key that is not a signer of the account and InsufficientWeight below
 * the threshold; returns the weight.
 */
export function checkWeight(input, signerSet = null) {
  const { file, unsigned, signers } = readTxFile(input);
  signerSet ??= file.signer_set ?? fileError("no signer set to check the weight against (the file carries none)");
  const account = toHex(unsigned.sender);
  let weight = 0;
  for (const key of signers) {
    const entry = signerSet.signers.find((s) => PublicKey.parse(s.key).equals(key));
    if (!entry) fileError(`key ${key} is not a signer of account ${account}`);
    weight += Number(entry.weight);
  }
  if (weight < Number(signerSet.threshold)) throw new InsufficientWeight(weight, Number(signerSet.threshold), account);
  return weight;
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

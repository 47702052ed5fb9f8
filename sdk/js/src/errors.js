// Typed errors. Every error the SDK throws is a `VellumError`; callers branch on the class
// (or on `code` for the node's own refusals) instead of parsing messages.

/** Base class of every error this SDK throws. */
export class VellumError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A node refused a request: its stable machine `code` (`bad_nonce`, `forbidden`,
 * `unknown_tx`…), the HTTP status and its message. `expectedNonce` is set for `bad_nonce`.
 */
export class NodeError extends VellumError {
  constructor({ code, status, message, expectedNonce = null, node = null }) {
    super(`${message || code} (${status} ${code}${node ? ` from ${node}` : ""})`);
    this.code = code;
    this.status = status;
    this.nodeMessage = message;
    this.expectedNonce = expectedNonce;
    this.node = node;
  }
}

/** A block builder dropped the transaction (`code` says why); nothing of it was applied. */
export class RejectedError extends NodeError {}

/** No validator answered, or none gave a valid answer (each one's failure is listed in `failures`). */
export class NetworkError extends VellumError {
  constructor(message, failures = []) {
    super(failures.length ? `${message}: ${failures.join("; ")}` : message);
    this.failures = failures;
  }
}

/** A transaction was not final within the timeout: its outcome is unknown, resubmitting is safe. */
export class OutcomeUnknownError extends VellumError {
  constructor(message, txId) {
    super(message);
    this.txId = txId;
  }
}

/** A verified read did not reach `f + 1` matching answers. */
export class AgreementError extends VellumError {}

/**
 * Bytes that do not decode: `kind` is `too_large`, `empty`, `unknown_version`, `malformed`
 * (bad borsh: truncated, trailing bytes, bad tag, bad UTF-8) or `invalid` (well-formed but
 * outside the limits a valid value respects).
 */
export class DecodeError extends VellumError {
  constructor(kind, message) {
    super(`${kind.replace("_", " ")}: ${message}`);
    this.kind = kind;
  }
}

/** A value that cannot be encoded (a missing field, a number out of range, bad hex…); `path` names it. */
export class EncodeError extends VellumError {
  constructor(path, message) {
    super(path ? `${path}: ${message}` : message);
    this.path = path;
  }
}

/** A key that cannot be used: unknown scheme, bad hex, a scalar out of range. */
export class KeyError extends VellumError {}

/**
 * A signature that is refused: `kind` is `malformed_signature`, `high_s`, `bad_public_key`,
 * `bad_recovery_id`, `signature_does_not_verify` or `duplicate_signer`; `index` is its place
 * in the transaction when known.
 */
export class SignatureError extends VellumError {
  constructor(kind, message, { index = null } = {}) {
    super(index === null ? message : `signature ${index}: ${message}`);
    this.kind = kind;
    this.index = index;
  }
}

/** A keystore that cannot be opened: wrong password (or an edited file), unsupported or too-weak parameters. */
export class KeystoreError extends VellumError {
  constructor(message, { wrongPassword = false } = {}) {
    super(message);
    this.wrongPassword = wrongPassword;
  }
}

/** A multi-party transaction file that cannot be used as it is. */
export class TxFileError extends VellumError {}

/** A signature in a transaction file made over another transaction (or corrupted): `reason` says how it failed. */
export class ForeignSignature extends TxFileError {
  constructor(index, reason = null) {
    super(`signature ${index} is over another transaction (it does not verify over this file's signing bytes${reason ? `: ${reason}` : ""})`);
    this.index = index;
    this.reason = reason;
  }
}

/** Two different signatures of a transaction file by the same key. */
export class DuplicateSigner extends TxFileError {
  constructor(key) {
    super(`key ${key} signed twice (two different signatures by one key)`);
    this.key = key;
  }
}

/** One file holding the same signature bytes twice: a damaged file, not a second signer. */
export class RepeatedSignature extends TxFileError {
  constructor(index, first) {
    super(`signature ${index} repeats signature ${first} of the same file`);
    this.index = index;
    this.first = first;
  }
}

/**
 * A recoverable secp256k1 signature in a file without `signer_set`. Recovery yields some key
 * for any bytes, so only the account's signer set can tell a signer from a signature over
 * another transaction.
 */
export class NoSignerSet extends TxFileError {
  constructor(index) {
    super(
      `signature ${index} is a recoverable secp256k1 signature, which names no key: it can be checked only against the account's signer set, which this file does not carry (build the file with its signer set)`,
    );
    this.index = index;
  }
}

/** A signing key that is not in the account's signer set; `index` is its signature's place, when known. */
export class NotASigner extends TxFileError {
  constructor(key, account, { index = null, message = null } = {}) {
    super(message ?? `key ${key} is not a signer of account ${account}`);
    this.key = key;
    this.account = account;
    this.index = index;
  }
}

/**
 * A recoverable secp256k1 signature whose recovered key is not in the signer set: over another
 * transaction, or by an outsider (the two cannot be told apart).
 */
export class RecoversOutsider extends NotASigner {
  constructor(index, key, account) {
    super(key, account, {
      index,
      message: `signature ${index} recovers key ${key}, which is not a signer of account ${account}: it is over another transaction, or by an outsider`,
    });
  }
}

/** The distinct signers' weight is below the account's threshold. */
export class InsufficientWeight extends TxFileError {
  constructor(weight, threshold, account) {
    super(`signatures carry weight ${weight}, account ${account} needs ${threshold}`);
    this.weight = weight;
    this.threshold = threshold;
    this.account = account;
  }
}

/**
 * Evidence (a bundle, a receipt, a log anchor, a status proof) that does not verify: the
 * failing `step` (`decode`, `checkpoint`, `validator set`, `certificate`, `log inclusion`,
 * `state entry`, `batch inclusion`, `document`, `status` when a status proof is combined
 * with a bundle, or `witnesses`: a witnessed checkpoint that does not fit the file, or too few
 * cosignatures under a witness policy), its number, and why.
 */
export class VerifyError extends VellumError {
  constructor(step, detail) {
    super(`step ${STEP_NUMBERS[step]} (${step}) failed: ${detail}`);
    this.step = step;
    this.stepNumber = STEP_NUMBERS[step];
    this.detail = detail;
  }
}

/**
 * Verification steps in order (docs/evidence-format.md §4; step 9 combines a bundle with a
 * status proof; step 10 checks a witnessed checkpoint, and its cosignatures under a policy).
 */
export const STEPS = ["decode", "checkpoint", "validator set", "certificate", "log inclusion", "state entry", "batch inclusion", "document", "status", "witnesses"];
const STEP_NUMBERS = Object.fromEntries(STEPS.map((s, i) => [s, i + 1]));

/**
 * A checkpoint note (c2sp.org/tlog-checkpoint, with c2sp.org/tlog-cosignature lines) that
 * cannot be read: `kind` is `too_large` (over 16 KiB or 128 signature lines) or `malformed`.
 */
export class NoteError extends VellumError {
  constructor(kind, message) {
    super(`${kind === "too_large" ? "note too large" : "malformed checkpoint note"}: ${message}`);
    this.kind = kind;
  }
}

/** A witness policy (`witness <name> <hex key> [url]` lines, `quorum <k>`) that cannot be used; `line` is its 1-based line when known. */
export class WitnessPolicyError extends VellumError {
  constructor(message, { line = null } = {}) {
    super(line === null ? message : `line ${line}: ${message}`);
    this.line = line;
  }
}

/** Credential verification steps in order (docs/credentials.md §3). */
export const CREDENTIAL_STEPS = ["ledger", "issuer signature", "issuer", "disclosures", "key binding", "status"];

/**
 * A credential (SD-JWT VC, docs/credentials.md) that cannot be issued, presented or verified.
 * `kind` is the Rust `CredentialError` variant — `malformed`, `issuer_signature`,
 * `unsupported_key`, `unknown_disclosure`, `duplicate_disclosure`, `key_binding`,
 * `no_such_claim` — or, from `verifyCredential`, `ledger` (the bundle does not verify with this
 * JWT as its document; `cause` is the VerifyError), `issuer` (`iss` is not the registering
 * account) or `status` (the status proof does not verify or does not belong with the bundle;
 * `cause` is the VerifyError). A verification failure names its `step` (1–6, `stepName` as in
 * CREDENTIAL_STEPS); `claim` is the disclosure's claim name when one is at fault.
 */
export class CredentialError extends VellumError {
  constructor(kind, message, { step = null, claim = null, cause = undefined } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.kind = kind;
    this.step = step;
    this.stepName = step === null ? null : CREDENTIAL_STEPS[step - 1];
    this.claim = claim;
  }
}

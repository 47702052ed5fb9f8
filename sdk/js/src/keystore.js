// The encrypted keystore of crates/cli/src/keystore.rs: Argon2id (password → 32-byte key) and
// XChaCha20-Poly1305 over the 32-byte secret, every other field bound as associated data so an
// edited parameter (say, a weakened KDF) makes opening fail instead of silently working.
// Opening and creating enforce the same bounds as the CLI.

import { argon2idAsync } from "@noble/hashes/argon2.js";
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { KeyError, KeystoreError } from "./errors.js";
import { fromHex, randomBytes, toHex, utf8 } from "./bytes.js";
import { SecretKey } from "./keys.js";
import { parseJson } from "./json.js";

export const KEYSTORE_VERSION = 1;
/** Argon2id cost of new keystores: 64 MiB, 3 passes, 1 lane (the CLI's default). */
export const KDF_MEMORY_KIB = 64 * 1024;
export const KDF_PASSES = 3;
export const KDF_LANES = 1;
/** The weakest parameters a keystore may claim (a tampered file could otherwise make brute force cheap). */
export const KDF_MEMORY_KIB_MIN = 8 * 1024;
export const KDF_PASSES_MIN = 1;
export const KDF_LANES_MIN = 1;
/** The costliest parameters a keystore may claim (a hostile file could ask for any amount of work). */
export const KDF_MEMORY_KIB_MAX = 2 * 1024 * 1024;
export const KDF_PASSES_MAX = 16;
export const KDF_LANES_MAX = 16;
/** Shortest accepted password, in Unicode characters. */
export const PASSWORD_CHARS_MIN = 8;
const SALT_BYTES = 16;
const NONCE_BYTES = 24;

const FIELDS = ["version", "kdf", "memory_kib", "passes", "lanes", "salt", "cipher", "nonce", "scheme", "public_key", "ciphertext"];

/** Everything but the ciphertext, in a fixed order: the associated data. */
function associatedData(ks) {
  const parts = [ks.version, ks.kdf, ks.memory_kib, ks.passes, ks.lanes, ks.salt, ks.cipher, ks.nonce, ks.scheme, ks.public_key, ks.account_id ?? ""];
  return utf8(`vellum-keystore|${parts.join("|")}`);
}

function checkParameters(ks) {
  if (ks.kdf !== "argon2id" || ks.cipher !== "xchacha20poly1305" || ks.version !== KEYSTORE_VERSION) {
    throw new KeystoreError(`unsupported keystore (version ${ks.version}, ${ks.kdf} / ${ks.cipher})`);
  }
  for (const f of ["memory_kib", "passes", "lanes"]) {
    if (!Number.isSafeInteger(ks[f]) || ks[f] < 0 || ks[f] > 0xffffffff) throw new KeystoreError(`keystore ${f} is not a 32-bit unsigned integer`);
  }
  if (ks.memory_kib < KDF_MEMORY_KIB_MIN || ks.passes < KDF_PASSES_MIN || ks.lanes < KDF_LANES_MIN) {
    throw new KeystoreError(`keystore KDF parameters are below the minimum (${KDF_MEMORY_KIB_MIN} KiB, ${KDF_PASSES_MIN} pass): refusing it`);
  }
  if (ks.memory_kib > KDF_MEMORY_KIB_MAX || ks.passes > KDF_PASSES_MAX || ks.lanes > KDF_LANES_MAX) {
    throw new KeystoreError(`keystore KDF parameters are above the maximum (${KDF_MEMORY_KIB_MAX} KiB, ${KDF_PASSES_MAX} passes, ${KDF_LANES_MAX} lanes): refusing it`);
  }
  // Argon2 needs at least 8 KiB per lane.
  if (ks.memory_kib < 8 * ks.lanes) throw new KeystoreError("keystore KDF parameters: memory below 8 KiB per lane");
}

async function derive(ks, password) {
  checkParameters(ks);
  const salt = hexField(ks, "salt", null);
  return argon2idAsync(utf8(password), salt, { t: ks.passes, m: ks.memory_kib, p: ks.lanes, dkLen: 32, version: 0x13, maxmem: (KDF_MEMORY_KIB_MAX + 1024) * 1024 });
}

function hexField(ks, field, length) {
  try {
    return fromHex(ks[field], length, `keystore ${field}`);
  } catch (e) {
    throw new KeystoreError(`keystore ${field} is not ${length === null ? "" : `${length}-byte `}hex`);
  }
}

/** A keystore object from its JSON text (or an already parsed object). */
export function parseKeystore(text) {
  let ks = text;
  if (typeof text === "string") {
    try {
      ks = parseJson(text);
    } catch (e) {
      throw new KeystoreError(`not a valid keystore file: ${e.message}`);
    }
  }
  if (ks === null || typeof ks !== "object") throw new KeystoreError("not a valid keystore file: expected a JSON object");
  for (const f of FIELDS) if (!(f in ks)) throw new KeystoreError(`not a valid keystore file: missing "${f}"`);
  return ks;
}

/**
 * Opens a keystore with its password; resolves to the SecretKey (acting for the keystore's
 * `account_id` when it records one). A wrong password or any edited field is a KeystoreError
 * with `wrongPassword` set.
 */
export async function openKeystore(keystore, password) {
  const ks = parseKeystore(keystore);
  const key = await derive(ks, password);
  const nonce = hexField(ks, "nonce", NONCE_BYTES);
  const ciphertext = hexField(ks, "ciphertext", null);
  let plain;
  try {
    plain = xchacha20poly1305(key, nonce, associatedData(ks)).decrypt(ciphertext);
  } catch {
    throw new KeystoreError("wrong password, or the keystore file was modified", { wrongPassword: true });
  }
  if (plain.length !== 32) throw new KeystoreError("keystore secret is not 32 bytes");
  let secret;
  try {
    secret = new SecretKey(ks.scheme, plain);
  } catch (e) {
    throw new KeystoreError(`keystore holds an invalid key: ${e.message}`);
  }
  if (secret.publicKey.toString() !== ks.public_key) throw new KeystoreError("keystore secret does not match its public key");
  if (ks.account_id !== undefined && ks.account_id !== null) {
    try {
      return secret.forAccount(fromHex(ks.account_id, 32, "account_id"));
    } catch {
      throw new KeystoreError("keystore account_id is not 64 hex");
    }
  }
  return secret;
}

/**
 * Encrypts `key` under `password` with fresh salt and nonce; resolves to the keystore object
 * (write it with `JSON.stringify(ks, null, 2)`). `cost` defaults to the CLI's (64 MiB, 3
 * passes, 1 lane); `accountId` records the account a rotated key signs for.
 */
export async function createKeystore(key, password, { cost = {}, accountId = null } = {}) {
  if (!(key instanceof SecretKey)) throw new KeyError("createKeystore needs a SecretKey");
  if (typeof password !== "string" || [...password].length < PASSWORD_CHARS_MIN) {
    throw new KeystoreError(`the password must have at least ${PASSWORD_CHARS_MIN} characters`);
  }
  const ks = {
    version: KEYSTORE_VERSION,
    kdf: "argon2id",
    memory_kib: cost.memoryKib ?? KDF_MEMORY_KIB,
    passes: cost.passes ?? KDF_PASSES,
    lanes: cost.lanes ?? KDF_LANES,
    salt: toHex(randomBytes(SALT_BYTES)),
    cipher: "xchacha20poly1305",
    nonce: toHex(randomBytes(NONCE_BYTES)),
    scheme: key.scheme,
    public_key: key.publicKey.toString(),
  };
  if (accountId !== null) ks.account_id = typeof accountId === "string" ? accountId : toHex(accountId);
  const derived = await derive(ks, password);
  const ct = xchacha20poly1305(derived, fromHex(ks.nonce), associatedData(ks)).encrypt(key.toBytes());
  ks.ciphertext = toHex(ct);
  return ks;
}

/** Whether a key file's text is an encrypted keystore (JSON) rather than `scheme:hex`. */
export const isKeystoreText = (text) => String(text).trimStart().startsWith("{");

/**
 * A key from a key file's text: a plain `scheme:hex` file, or a keystore (then `password` is
 * needed).
 */
export async function loadKey(text, { password = null } = {}) {
  if (!isKeystoreText(text)) return SecretKey.parse(text);
  if (password === null) throw new KeystoreError("this key file is an encrypted keystore: a password is needed");
  return openKeystore(text, password);
}

// Selectively disclosed credentials (docs/credentials.md): IETF SD-JWT VCs with key binding
// whose issuer-signed JWT is registered on the ledger (its SHA-256 is the document digest).
// A port of crates/evidence/src/credential.rs (issue, present, verify_presentation: the same
// checks, limits and order), the JWS algorithms and JWKs of crates/crypto/src/sig.rs `jose`,
// and `vellum credential verify` (crates/cli/src/credential.rs) as `verifyCredential`.
//
// * issuance — the issuer signs `{iss, iat, vct, _sd_alg, _sd, cnf}` with its account key
//   (`EdDSA` or `ES256`); every claim is a disclosure `base64url([salt, name, value])` whose
//   digest is listed in `_sd`; `cnf.jwk` is the holder's key;
// * presentation — the holder keeps the disclosures it chooses and appends a key-binding JWT
//   (`typ kb+jwt`, `{iat, aud, nonce, sd_hash}`) signed with the `cnf` key;
// * verification — the issuer signature (under the key that registered the JWT on the
//   ledger), every disclosure's digest in `_sd`, the key binding (audience, nonce, hash).
//
// JSON is written as serde_json writes it (object keys sorted by their UTF-8 bytes, compact),
// so the same keys and salts give the bytes the Rust code gives; it is read as serde_json
// reads it (integers kept exact, `iat` only as an unsigned integer, lone surrogates, numbers out
// of range and nesting deeper than 127 refused). Browser-safe (no Node built-ins).

import { ed25519 } from "@noble/curves/ed25519.js";
import { p256 } from "@noble/curves/nist.js";
import { CredentialError, VellumError } from "./errors.js";
import { compare, concat, fromUtf8, isBytes, randomBytes, toHex, utf8 } from "./bytes.js";
import { sha256 } from "./hash.js";
import { SecretKey } from "./keys.js";
import { PublicKey } from "./types.js";
import { statusNow, verifyBundle, verifyStatusProof } from "./verify.js";
import { witnessPolicy as readWitnessPolicy } from "./witness.js";

/** Largest presentation or credential accepted (bytes of UTF-8). */
export const CREDENTIAL_BYTES_MAX = 64 * 1024;
/** Most disclosures one credential carries (and most claims one credential has). */
export const DISCLOSURES_MAX = 64;
/** Longest claim name (bytes of UTF-8). */
export const CLAIM_NAME_BYTES_MAX = 64;
/** The `typ` of a Vellum credential's issuer-signed JWT (SD-JWT VC); `vc+sd-jwt` is accepted too. */
export const SD_JWT_TYP = "dc+sd-jwt";
export const SD_JWT_TYP_LEGACY = "vc+sd-jwt";
export const KB_JWT_TYP = "kb+jwt";
/** The credential type Vellum issues by default. */
export const DEFAULT_VCT = "urn:vellum:academic-certificate";
/** Claim names a disclosure may not carry. */
const RESERVED_NAMES = ["_sd", "...", "_sd_alg", "cnf"];

const malformed = (message, step, claim = null) => new CredentialError("malformed", `malformed: ${message}`, { step, claim });
const keyBinding = (message) => new CredentialError("key_binding", `key binding: ${message}`, { step: 5 });
const unsupportedKey = (scheme) => new CredentialError("unsupported_key", `the issuer key is ${scheme}, which signs no credential (Ed25519 or P-256 only)`);

// ---- base64url (RFC 4648 §5, no padding), strict as Rust's URL_SAFE_NO_PAD ----

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const B64_INDEX = Object.fromEntries([...B64].map((c, i) => [c, i]));

/** base64url without padding. */
export function base64url(bytes) {
  let out = "";
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
  }
  if (bytes.length - i === 1) out += B64[bytes[i] >> 2] + B64[(bytes[i] & 3) << 4];
  if (bytes.length - i === 2) out += B64[bytes[i] >> 2] + B64[((bytes[i] & 3) << 4) | (bytes[i + 1] >> 4)] + B64[(bytes[i + 1] & 15) << 2];
  return out;
}

/**
 * Decodes base64url without padding, or null: only the URL-safe alphabet, no `=`, no length
 * of the form 4k + 1, and the unused bits of the last character zero (canonical).
 */
export function fromBase64url(text) {
  if (typeof text !== "string" || text.length % 4 === 1 || !/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (const c of text) {
    acc = (acc << 6) | B64_INDEX[c];
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
    acc &= (1 << bits) - 1;
  }
  return acc === 0 ? out : null;
}

function unb64(text, what, step) {
  const bytes = fromBase64url(text);
  if (bytes === null) throw malformed(`${what} is not base64url`, step);
  return bytes;
}

const b64Sha256 = (text) => base64url(sha256(utf8(text)));

/** An `iat` (unix seconds, a u64) as a bigint, written as digits. */
function seconds(iat, what) {
  const ok = (typeof iat === "number" && Number.isSafeInteger(iat) && iat >= 0) || (typeof iat === "bigint" && iat >= 0n && iat <= (1n << 64n) - 1n);
  if (!ok) throw new VellumError(`${what} is unix seconds: a non-negative integer`);
  return BigInt(iat);
}

// ---- JSON as serde_json writes and reads it ----

/** Orders strings by their UTF-8 bytes (as Rust orders `String`, and so serde_json's maps). */
const byUtf8 = (a, b) => compare(utf8(a), utf8(b));

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);

/** A finite f64 as serde_json writes it (shortest round-trip digits, ryu's layout: `1.0`, `1e21`, `1.5e-7`). */
function floatText(v) {
  if (v === 0) return Object.is(v, -0) ? "-0.0" : "0.0";
  const sign = v < 0 ? "-" : "";
  const [mantissa, exponent] = Math.abs(v).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const length = digits.length;
  const kk = Number(exponent) + 1; // 10^(kk-1) <= |v| < 10^kk
  const k = kk - length;
  if (k >= 0 && kk <= 16) return `${sign}${digits}${"0".repeat(k)}.0`;
  if (kk > 0 && kk <= 16) return `${sign}${digits.slice(0, kk)}.${digits.slice(kk)}`;
  if (kk > -5 && kk <= 0) return `${sign}0.${"0".repeat(-kk)}${digits}`;
  if (length === 1) return `${sign}${digits}e${kk - 1}`;
  return `${sign}${digits[0]}.${digits.slice(1)}e${kk - 1}`;
}

/**
 * JSON text of a claim value as serde_json writes a `Value`: compact, object keys sorted by
 * UTF-8 bytes; integers (numbers with an integral value below 2^64 in magnitude, bigints) as
 * digits, other numbers as serde_json writes an f64. Accepts plain objects, Maps, arrays,
 * strings (well-formed UTF-16), numbers, bigints, booleans and null.
 */
export function jsonText(value, path = "value") {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "string":
      if (!value.isWellFormed()) throw malformed(`${path} is not valid Unicode (a lone surrogate)`, null);
      return JSON.stringify(value);
    case "bigint":
      if (value > U64_MAX || value < I64_MIN) throw malformed(`${path} is out of the 64-bit integer range`, null);
      return value.toString();
    case "number":
      if (!Number.isFinite(value)) return "null";
      if (Number.isInteger(value) && Math.abs(value) < 2 ** 64 && BigInt(value) >= I64_MIN) return BigInt(value).toString();
      return floatText(value);
    case "object": {
      if (Array.isArray(value)) return `[${value.map((v, i) => jsonText(v, `${path}[${i}]`)).join(",")}]`;
      if (isBytes(value)) throw malformed(`${path} is bytes, not a JSON value`, null);
      const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
      for (const [k] of entries) if (typeof k !== "string") throw malformed(`${path} has a key that is not a string`, null);
      entries.sort(([a], [b]) => byUtf8(a, b));
      return `{${entries.map(([k, v]) => `${jsonText(k, path)}:${jsonText(v, `${path}.${k}`)}`).join(",")}}`;
    }
    default:
      throw malformed(`${path} is not a JSON value (${typeof value})`, null);
  }
}

/** serde_json's recursion limit: at most 127 nested arrays and objects. */
const JSON_DEPTH_MAX = 127;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

/** Thrown inside the parser; the caller says what was not JSON. */
class NotJson extends Error {}

/**
 * Parses JSON as serde_json parses a `Value`. Returns `{ value, u64 }`: `u64` is the set of the
 * top-level object's keys whose value is an unsigned integer (what `Value::as_u64` accepts).
 * Integers come back as numbers, or bigints beyond 2^53.
 */
function parseSerdeJson(text) {
  let i = 0;
  const u64 = new Set();
  const fail = () => {
    throw new NotJson();
  };
  const ws = () => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const string = () => {
    STRING.lastIndex = i;
    const m = STRING.exec(text);
    if (!m) fail();
    i += m[0].length;
    const s = JSON.parse(m[0]);
    if (!s.isWellFormed()) fail(); // a lone surrogate escape
    return s;
  };
  /** A number and whether it is a u64. */
  const number = () => {
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) fail();
    i += m[0].length;
    if (m[1] === undefined && m[2] === undefined) {
      const n = BigInt(m[0]);
      const negative = m[0].startsWith("-");
      if ((!negative && n <= U64_MAX) || (negative && n !== 0n && n >= I64_MIN)) {
        return { value: n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n, isU64: !negative };
      }
    }
    const f = Number(m[0]);
    if (!Number.isFinite(f)) fail(); // serde_json: number out of range
    return { value: f, isU64: false };
  };
  const value = (depth, top = false) => {
    const c = text[i];
    if (c === "{" || c === "[") {
      if (depth + 1 > JSON_DEPTH_MAX) fail();
      i++;
      ws();
      const close = c === "{" ? "}" : "]";
      const out = c === "{" ? {} : [];
      if (text[i] === close) {
        i++;
        return { value: out, isU64: false };
      }
      for (;;) {
        ws();
        if (c === "{") {
          const key = string();
          ws();
          if (text[i++] !== ":") fail();
          ws();
          const v = value(depth + 1);
          Object.defineProperty(out, key, { value: v.value, enumerable: true, writable: true, configurable: true });
          if (top) (v.isU64 ? u64.add(key) : u64.delete(key));
        } else {
          out.push(value(depth + 1).value);
        }
        ws();
        if (text[i] === close) {
          i++;
          return { value: out, isU64: false };
        }
        if (text[i++] !== ",") fail();
      }
    }
    if (c === '"') return { value: string(), isU64: false };
    if (c === "-" || (c >= "0" && c <= "9")) return number();
    for (const [word, v] of [["true", true], ["false", false], ["null", null]]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return { value: v, isU64: false };
      }
    }
    return fail();
  };
  ws();
  const v = value(0, true);
  ws();
  if (i !== text.length) fail();
  return { value: v.value, u64 };
}

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const has = (o, k) => isObject(o) && Object.hasOwn(o, k);
const str = (o, k) => (has(o, k) && typeof o[k] === "string" ? o[k] : null);

/** JSON bytes (base64url-decoded) as a value of `shape` ("object" or "array"), or null. */
function jsonOf(bytes, shape) {
  let parsed;
  try {
    parsed = parseSerdeJson(fromUtf8(bytes));
  } catch {
    return null;
  }
  const ok = shape === "array" ? Array.isArray(parsed.value) : isObject(parsed.value);
  return ok ? parsed : null;
}

// ---- JOSE: algorithms and JWKs (crates/crypto/src/sig.rs `jose`) ----

const asPublicKey = (key) => (key instanceof SecretKey ? key.publicKey : PublicKey.parse(key));

/** The JWS `alg` for a key's scheme: `EdDSA` (Ed25519), `ES256` (P-256); null for secp256k1. */
export function jwsAlg(publicKey) {
  return { ed25519: "EdDSA", p256: "ES256" }[asPublicKey(publicKey).scheme] ?? null;
}

/** A public key as a JWK (RFC 8037 `OKP`/`Ed25519`, RFC 7518 `EC`/`P-256`), keys in serde_json's order; null for secp256k1. */
export function publicKeyToJwk(publicKey) {
  const k = asPublicKey(publicKey);
  if (k.scheme === "ed25519") return { crv: "Ed25519", kty: "OKP", x: base64url(k.bytes) };
  if (k.scheme !== "p256") return null;
  const point = p256.Point.fromBytes(k.bytes).toBytes(false);
  return { crv: "P-256", kty: "EC", x: base64url(point.subarray(1, 33)), y: base64url(point.subarray(33, 65)) };
}

/** Why a JWK is not an Ed25519 or P-256 public key (a point of its curve), or its PublicKey. */
function jwkKey(jwk) {
  const field = (name) => {
    const text = str(jwk, name);
    if (text === null) return { error: `JWK without \`${name}\`` };
    const bytes = fromBase64url(text);
    return bytes === null ? { error: `JWK \`${name}\` is not base64url` } : { bytes };
  };
  const kty = str(jwk, "kty") ?? "";
  const crv = str(jwk, "crv") ?? "";
  if (kty === "OKP" && crv === "Ed25519") {
    const x = field("x");
    if (x.error) return x;
    if (x.bytes.length !== 32) return { error: "Ed25519 JWK `x` must be 32 bytes" };
    try {
      ed25519.Point.fromBytes(x.bytes, true); // ZIP-215 decoding, as ed25519-consensus
    } catch {
      return { error: "Ed25519 JWK is not a curve point" };
    }
    return { key: new PublicKey("ed25519", x.bytes) };
  }
  if (kty === "EC" && crv === "P-256") {
    const x = field("x");
    if (x.error) return x;
    const y = field("y");
    if (y.error) return y;
    if (x.bytes.length !== 32 || y.bytes.length !== 32) return { error: "P-256 JWK coordinates must be 32 bytes" };
    try {
      const point = p256.Point.fromBytes(concat(Uint8Array.of(4), x.bytes, y.bytes));
      point.assertValidity();
      return { key: new PublicKey("p256", point.toBytes(true)) };
    } catch {
      return { error: "P-256 JWK is not a curve point" };
    }
  }
  return { error: `unsupported JWK (kty ${JSON.stringify(kty)}, crv ${JSON.stringify(crv)}): Ed25519 or P-256 only` };
}

/** A JWK as a PublicKey (Ed25519 or P-256, checked to be a point of its curve); otherwise a CredentialError `malformed`. */
export function publicKeyFromJwk(jwk) {
  const r = jwkKey(jwk);
  if (r.error) throw malformed(r.error, null);
  return r.key;
}

/** Signs a JWS signing input with an Ed25519 or P-256 key (`r ‖ s`, low S); null for secp256k1. */
function jwsSign(key, input) {
  if (key.scheme !== "ed25519" && key.scheme !== "p256") return null;
  return key.sign(input).signature;
}

/**
 * Verifies a JWS signature made with `alg` by `publicKey`: EdDSA under an Ed25519 key (ZIP-215
 * rules, as ed25519-consensus), ES256 under a P-256 key (ECDSA with SHA-256, `r ‖ s`; either S
 * is accepted: other JOSE software does not normalise it). Any other pairing is false.
 */
export function jwsVerify(publicKey, alg, input, signature) {
  const k = asPublicKey(publicKey);
  try {
    if (k.scheme === "ed25519" && alg === "EdDSA") return signature.length === 64 && ed25519.verify(signature, input, k.bytes, { zip215: true });
    if (k.scheme === "p256" && alg === "ES256") return signature.length === 64 && p256.verify(signature, input, k.bytes, { prehash: true, lowS: false });
  } catch {
    return false;
  }
  return false;
}

// ---- Disclosures and credentials ----

/** Whether a claim name may be disclosed: 1..=64 bytes and not `_sd`, `...`, `_sd_alg` or `cnf`. */
const nameAllowed = (name) => name.length > 0 && utf8(name).length <= CLAIM_NAME_BYTES_MAX && !RESERVED_NAMES.includes(name);

/** `base64url(SHA-256(ascii(disclosure)))`, as listed in `_sd`. */
export const disclosureDigest = (encoded) => b64Sha256(encoded);

/** One disclosure `base64url(JSON [salt, name, value])` with a 16-byte salt: `{ encoded, name, value, digest }`. */
export function makeDisclosure(salt, name, value) {
  if (!isBytes(salt) || salt.length !== 16) throw malformed("a disclosure's salt is 16 bytes", null);
  if (typeof name !== "string") throw malformed("a claim name is a string", null);
  const encoded = base64url(utf8(`[${jsonText(base64url(salt))},${jsonText(name, "claim name")},${jsonText(value, name)}]`));
  return { encoded, name, value, digest: disclosureDigest(encoded) };
}

/** Reads one disclosure (`Disclosure::parse`): `[salt, name, value]` with an allowed name. */
function parseDisclosure(encoded, step) {
  const parsed = jsonOf(unb64(encoded, "a disclosure", step), "array");
  if (parsed === null) throw malformed("a disclosure is not a JSON array", step);
  const parts = parsed.value;
  if (parts.length === 3 && typeof parts[0] === "string" && typeof parts[1] === "string") {
    const name = parts[1];
    if (!nameAllowed(name)) throw malformed(`disclosure claim name ${JSON.stringify(name)} is not allowed`, step, name);
    return { encoded, name, value: parts[2], digest: disclosureDigest(encoded) };
  }
  if (parts.length === 2) throw malformed("array-element disclosures are not supported", step);
  throw malformed("a disclosure must be [salt, name, value]", step);
}

/** Rust's `str::trim`: Unicode White_Space at both ends (not U+FEFF, which `String.trim` drops). */
function rustTrim(text) {
  const ws = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
  let a = 0;
  let b = text.length;
  while (a < b && ws.test(text[a])) a++;
  while (b > a && ws.test(text[b - 1])) b--;
  return text.slice(a, b);
}

/** Text of a presentation or credential given as a string or UTF-8 bytes. */
function textOf(input, what) {
  if (typeof input === "string") {
    if (!input.isWellFormed()) throw malformed(`the ${what} is not valid Unicode text`, 2);
    return input;
  }
  if (isBytes(input)) {
    try {
      return fromUtf8(input);
    } catch {
      throw malformed(`the ${what} is not UTF-8 text`, 2);
    }
  }
  throw new VellumError(`a ${what} is given as text or UTF-8 bytes`);
}

/** Splits `jwt~d…~kb` into its parts (size limit, at most 64 non-empty disclosures). */
function split(text) {
  const size = utf8(text).length;
  if (size > CREDENTIAL_BYTES_MAX) throw malformed(`${size} bytes is over the ${CREDENTIAL_BYTES_MAX}-byte limit`, 2);
  const parts = rustTrim(text).split("~");
  if (parts.length < 2) throw malformed("not an SD-JWT (`jwt~…~`)", 2);
  const disclosures = parts.slice(1, -1);
  if (disclosures.length > DISCLOSURES_MAX || disclosures.some((d) => d.length === 0)) {
    throw malformed(`1..=${DISCLOSURES_MAX} non-empty disclosures between \`~\``, 4);
  }
  return { jwt: parts[0], disclosures, kb: parts[parts.length - 1] };
}

/** The issuer-signed JWT of a credential or presentation: what the ledger registers (its bytes are the document). */
export function credentialJwt(presentation) {
  return rustTrim(textOf(presentation, "presentation")).split("~")[0];
}

/** `vellum:<chain id>:<issuer account id, 64 hex>`, a credential's `iss`. */
export function credentialIss(chainId, accountId) {
  return `vellum:${chainId}:${typeof accountId === "string" ? accountId.toLowerCase() : toHex(accountId)}`;
}

/** `header.payload.signature` with both parts as serde_json writes them. */
function signJwt(key, header, payload) {
  const input = `${base64url(utf8(jsonText(header)))}.${base64url(utf8(jsonText(payload)))}`;
  const sig = jwsSign(key, utf8(input));
  if (sig === null) throw unsupportedKey(key.scheme);
  return `${input}.${base64url(sig)}`;
}

/** `jwt~d1~…~dn~`: what the holder keeps. */
const toSdJwt = (jwt, disclosures) => `${jwt}~${disclosures.map((d) => `${d.encoded}~`).join("")}`;

/**
 * Issues a credential (`credential::issue`): every claim selectively disclosable, one 16-byte
 * salt per claim from `salt` (default: fresh random), claims taken in serde_json's order (names
 * sorted by UTF-8 bytes). `issuer` is the issuer's SecretKey (Ed25519 or P-256: the account key
 * that registers the JWT), `holder` the holder's public key (or SecretKey). Returns `{ jwt,
 * disclosures, sdJwt }`: register `jwt` (its UTF-8 bytes are the document), give `sdJwt`
 * (`jwt~d1~…~dn~`) to the holder.
 */
export function issueCredential({ issuer, holder, iss, vct = DEFAULT_VCT, iat = Math.floor(Date.now() / 1000), claims, salt = () => randomBytes(16) }) {
  if (!(issuer instanceof SecretKey)) throw new VellumError("issueCredential needs the issuer's SecretKey");
  if (typeof iss !== "string" || typeof vct !== "string") throw new VellumError("issueCredential needs `iss` and `vct` strings");
  const alg = jwsAlg(issuer.publicKey);
  if (alg === null) throw unsupportedKey(issuer.scheme);
  const holderJwk = publicKeyToJwk(holder);
  if (holderJwk === null) throw new CredentialError("unsupported_key", "the issuer key is secp256k1 (holder), which signs no credential (Ed25519 or P-256 only)");
  const entries = claims instanceof Map ? [...claims.entries()] : isObject(claims) ? Object.entries(claims) : null;
  if (entries === null || entries.length === 0 || entries.length > DISCLOSURES_MAX) throw malformed(`a credential has 1..=${DISCLOSURES_MAX} claims`, null);
  entries.sort(([a], [b]) => byUtf8(a, b));
  const disclosures = entries.map(([name, value]) => makeDisclosure(salt(), name, value));
  for (const d of disclosures) parseDisclosure(d.encoded, null);
  const digests = disclosures.map((d) => d.digest).sort();
  const payload = { iss, iat: seconds(iat, "iat"), vct, _sd_alg: "sha-256", _sd: digests, cnf: { jwk: holderJwk } };
  const jwt = signJwt(issuer, { alg, typ: SD_JWT_TYP }, payload);
  return { jwt, disclosures, sdJwt: toSdJwt(jwt, disclosures) };
}

/** Reads a credential `jwt~d1~…~dn~` as the holder keeps it (no key binding): `{ jwt, disclosures, sdJwt }`. */
export function parseCredential(sdJwt) {
  const text = textOf(sdJwt, "credential");
  const { jwt, disclosures, kb } = split(text);
  if (kb.length > 0) throw malformed("a credential ends with `~` (this is a presentation)", 2);
  const parsed = disclosures.map((d) => parseDisclosure(d, 4));
  return { jwt, disclosures: parsed, sdJwt: toSdJwt(jwt, parsed) };
}

/**
 * The holder's presentation (`credential::present`): the disclosures named in `disclose` (in
 * that order) and a key-binding JWT signed with `holder` (the `cnf` key's SecretKey) over
 * `{iat, aud, nonce, sd_hash}`. `credential` is `issueCredential`'s or `parseCredential`'s
 * result, or the `jwt~d1~…~dn~` text.
 */
export function presentCredential(credential, { disclose = [], holder, aud, nonce, iat = Math.floor(Date.now() / 1000) }) {
  const c = typeof credential === "string" || isBytes(credential) ? parseCredential(credential) : credential;
  if (!(holder instanceof SecretKey)) throw new VellumError("presentCredential needs the holder's SecretKey");
  if (typeof aud !== "string" || typeof nonce !== "string") throw new VellumError("presentCredential needs the verifier's `aud` and `nonce` strings");
  const kept = disclose.map((name) => {
    const d = c.disclosures.find((x) => x.name === name);
    if (!d) throw new CredentialError("no_such_claim", `no disclosure named \`${name}\` in this credential`, { claim: name });
    return d;
  });
  const alg = jwsAlg(holder.publicKey);
  if (alg === null) throw unsupportedKey(holder.scheme);
  const presented = toSdJwt(c.jwt, kept);
  const payload = { iat: seconds(iat, "iat"), aud, nonce, sd_hash: b64Sha256(presented) };
  return presented + signJwt(holder, { alg, typ: KB_JWT_TYP }, payload);
}

/**
 * A compact JWS: its header and payload (JSON objects) after checking `alg` against the key,
 * `typ`, and the signature (the payload is read only once the signature verifies).
 */
function verifyJwt(jwt, key, typs, step) {
  const parts = jwt.split(".");
  if (parts.length !== 3) throw malformed("a JWT has three parts", step);
  const [h, p, s] = parts;
  const object = (part, what) => {
    const parsed = jsonOf(unb64(part, what, step), "object");
    if (parsed === null) throw malformed(`${what} is not a JSON object`, step);
    return parsed;
  };
  const header = object(h, "JWT header").value;
  const alg = str(header, "alg") ?? "";
  const want = jwsAlg(key);
  if (alg !== want) throw malformed(`JWT alg ${JSON.stringify(alg)} does not match the key (${want ?? `none: a ${key.scheme} key signs no JWT`})`, step);
  if (!typs.includes(str(header, "typ") ?? "")) throw malformed(`JWT typ must be one of ${JSON.stringify(typs).replaceAll(",", ", ")}`, step);
  const signature = unb64(s, "JWT signature", step);
  if (!jwsVerify(key, alg, utf8(`${h}.${p}`), signature)) throw new CredentialError("issuer_signature", "the issuer signature does not verify under the registering key", { step });
  return { header, payload: object(p, "JWT payload") };
}

/** A u64 claim of a JWT payload as a number (or bigint beyond 2^53), or null (`Value::as_u64`). */
const u64Of = (parsed, key) => (parsed.u64.has(key) ? parsed.value[key] : null);

/**
 * The key-binding JWT (step 5): signed by the holder, for this audience and nonce, over exactly
 * the presented `jwt~d…~`. Returns its `iat`.
 */
function checkBinding(kb, holder, presented, aud, nonce) {
  let p;
  try {
    p = verifyJwt(kb, holder, [KB_JWT_TYP], 5).payload;
  } catch (e) {
    if (!(e instanceof CredentialError)) throw e;
    throw keyBinding(e.kind === "issuer_signature" ? "its signature does not verify under the holder key" : e.message);
  }
  const v = p.value;
  if (str(v, "aud") !== aud) throw keyBinding(`made for audience ${has(v, "aud") ? JSON.stringify(v.aud) : "(none)"}, not ${JSON.stringify(aud)}`);
  if (str(v, "nonce") !== nonce) throw keyBinding("made for another nonce");
  if (str(v, "sd_hash") !== b64Sha256(presented)) throw keyBinding("sd_hash does not cover the presented disclosures");
  const iat = u64Of(p, "iat");
  if (iat === null) throw keyBinding("no iat");
  return iat;
}

/**
 * Verifies a presentation (`credential::verify_presentation`, the same checks in the same
 * order): the issuer's signature under `issuerPublicKey` (the key that registered the JWT; its
 * scheme fixes `alg`: EdDSA for Ed25519, ES256 for P-256), `typ` `dc+sd-jwt` or `vc+sd-jwt`,
 * every disclosure (digest in `_sd`, none twice, no clash with a signed claim; nested `_sd` and
 * array-element disclosures refused), and the key binding (`typ` `kb+jwt`, signed by `cnf.jwk`,
 * `aud`, `nonce`, `sd_hash` over exactly the presented `jwt~d…~`). With `iss`, the payload's
 * `iss` must be it (checked right after the signature: step 3 of docs/credentials.md §3).
 * Returns `{ issuerJwt, iss, vct, iat, disclosed, claimsSigned, holder, kbIat }`; throws a
 * CredentialError.
 */
export function verifyPresentation(presentation, issuerPublicKey, { aud, nonce, iss = null } = {}) {
  if (typeof aud !== "string" || typeof nonce !== "string") throw new VellumError("verifyPresentation needs the expected `aud` and `nonce` strings");
  const issuerKey = asPublicKey(issuerPublicKey);
  const text = rustTrim(textOf(presentation, "presentation"));
  const { jwt, disclosures: encoded, kb } = split(text);
  if (kb.length === 0) throw keyBinding("the presentation has no key-binding JWT");
  const parsed = verifyJwt(jwt, issuerKey, [SD_JWT_TYP, SD_JWT_TYP_LEGACY], 2).payload;
  const payload = parsed.value;
  const claimedIss = str(payload, "iss") ?? "";
  if (iss !== null && claimedIss !== iss) {
    throw new CredentialError("issuer", `iss ${JSON.stringify(claimedIss)} is not the registering account (${iss})`, { step: 3 });
  }
  if (has(payload, "_sd_alg") && payload._sd_alg !== "sha-256") throw malformed("only _sd_alg sha-256 is supported", 4);
  const sd = Array.isArray(payload._sd) ? payload._sd.filter((d) => typeof d === "string") : [];
  const nested = Object.values(payload).some((v) => has(v, "_sd") || (Array.isArray(v) && v.some((e) => has(e, "..."))));
  if (nested) throw malformed("nested selective disclosure is not supported", 4);
  const found = [];
  const seen = new Set();
  for (const e of encoded) {
    const d = parseDisclosure(e, 4);
    if (seen.has(d.digest)) throw new CredentialError("duplicate_disclosure", `disclosure \`${d.name}\` appears twice`, { step: 4, claim: d.name });
    seen.add(d.digest);
    if (!sd.includes(d.digest)) throw new CredentialError("unknown_disclosure", `disclosure \`${d.name}\` is not one the issuer signed`, { step: 4, claim: d.name });
    if (Object.hasOwn(payload, d.name) || found.some((x) => x.name === d.name)) {
      throw malformed(`claim ${JSON.stringify(d.name)} is disclosed twice or clashes with a signed claim`, 4, d.name);
    }
    found.push(d);
  }
  const jwk = has(payload, "cnf") && has(payload.cnf, "jwk") ? payload.cnf.jwk : undefined;
  if (jwk === undefined) throw keyBinding("the credential names no holder key (cnf.jwk)");
  const holder = jwkKey(jwk);
  if (holder.error) throw keyBinding(holder.error);
  const kbIat = checkBinding(kb, holder.key, text.slice(0, text.length - kb.length), aud, nonce);
  // As serde_json's map: claims in the order of their names' UTF-8 bytes.
  const disclosed = {};
  for (const d of found.sort((a, b) => byUtf8(a.name, b.name))) Object.defineProperty(disclosed, d.name, { value: d.value, enumerable: true, writable: true, configurable: true });
  return {
    issuerJwt: jwt,
    iss: claimedIss,
    vct: str(payload, "vct") ?? "",
    iat: u64Of(parsed, "iat") ?? 0,
    disclosed,
    claimsSigned: sd.length,
    holder: holder.key,
    kbIat,
  };
}

/**
 * Verifies a presentation with its ledger evidence offline (`vellum credential verify`,
 * docs/credentials.md §3), in order: (1) the bundle verifies with the document = the bytes of
 * the presentation's issuer-signed JWT (against `genesisHash` when given); (2) the issuer
 * signature under the bundle record's `signer` key; (3) `iss` is `vellum:<bundle chain
 * id>:<registrant>`; (4) the disclosures; (5) the key binding to `aud` and `nonce`; (6) the
 * status: the bundle's or, with `statusBytes`, a fresh status proof's (verified against
 * `genesisHash`, else the bundle's genesis, then step 9), which also gives the issuer identity
 * now. With `witnessPolicy`, step 1 also requires the bundle's witnessed checkpoint to be
 * cosigned by k of its witnesses (`bundle.witnessCosignatures`). Returns what the verifier
 * learns; throws a CredentialError naming the step. A valid credential whose status is not live
 * is returned, not thrown: check `status`.
 */
export function verifyCredential(presentation, bundleBytes, { aud, nonce, genesisHash = null, statusBytes = null, witnessPolicy = null } = {}) {
  if (typeof aud !== "string" || typeof nonce !== "string") throw new VellumError("verifyCredential needs the expected `aud` and `nonce` strings");
  // A policy that cannot be used is the caller's error, not the evidence's: refused first.
  const policy = witnessPolicy === null || witnessPolicy === undefined ? null : readWitnessPolicy(witnessPolicy);
  const jwt = credentialJwt(presentation);
  let bundle;
  try {
    bundle = verifyBundle(bundleBytes, { genesisHash, document: utf8(jwt), witnessPolicy: policy });
  } catch (e) {
    if (!(e instanceof VellumError)) throw e;
    throw new CredentialError("ledger", `the ledger evidence does not verify for this credential: ${e.message}`, { step: 1, cause: e });
  }
  const iss = credentialIss(bundle.chainId, bundle.registrant);
  const p = verifyPresentation(presentation, bundle.signer, { aud, nonce, iss });
  let now = null;
  if (statusBytes !== null && statusBytes !== undefined) {
    try {
      now = statusNow(bundle, verifyStatusProof(statusBytes, { genesisHash: genesisHash ?? bundle.genesisHash }));
    } catch (e) {
      if (!(e instanceof VellumError)) throw e;
      throw new CredentialError("status", `the status proof: ${e.message}`, { step: 6, cause: e });
    }
  }
  return {
    valid: true,
    ...p,
    /** The registrant's identity: now (with a status proof), else as of the bundle. */
    issuer: now ? now.issuerNow : bundle.issuer,
    registrant: bundle.registrant,
    signer: bundle.signer,
    registeredHeight: bundle.record.height,
    registeredTimeMs: bundle.record.time_ms,
    status: now ? now.now : bundle.status,
    statusHeight: now ? now.nowHeight : bundle.statusHeight,
    now,
    chainId: bundle.chainId,
    genesisHash: bundle.genesisHash,
    checkpointPinned: bundle.checkpointPinned,
    bundle,
  };
}

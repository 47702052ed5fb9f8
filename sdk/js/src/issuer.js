// Issuer identity (docs/evidence-format.md §6a "Issuer identity"; reference crates/cli/src/issuer.rs):
// the document an issuer publishes at `https://DOMAIN/.well-known/vellum-issuer.json` to bind its
// accounts to its domain, the check a registrar makes before attesting (`AttestIssuer`), and the
// profile value the attestation carries. Browser-safe: `fetch` only.

import { DecodeError, VellumError } from "./errors.js";
import { fromHex, fromUtf8, isBytes, toHex, utf8 } from "./bytes.js";
import { sha256 } from "./hash.js";
import { issuerProfileProblem } from "./tx.js";

/** Where an issuer publishes the document that binds its accounts to its domain. */
export const WELL_KNOWN_PATH = "/.well-known/vellum-issuer.json";
/** Version of the well-known document format. */
export const WELL_KNOWN_VERSION = 1;
/** Largest well-known document read. */
export const WELL_KNOWN_BYTES_MAX = 64 * 1024;

const bytes32 = (v, what) => (isBytes(v) ? v : fromHex(v, 32, what));
const hexOf = (v, what) => toHex(bytes32(v, what));
const asBytes = (doc) => (typeof doc === "string" ? utf8(doc) : doc);

/**
 * The well-known document an issuer publishes for `account` on a chain (the text `vellum issuer
 * well-known` writes): `{"vellum_issuer": 1, "name", "accounts": [{chain_id, genesis_hash, account}]}`.
 */
export function wellKnownDocument({ name, chainId, genesisHash, account }) {
  const doc = { vellum_issuer: WELL_KNOWN_VERSION, name, accounts: [{ chain_id: chainId, genesis_hash: hexOf(genesisHash, "genesis hash"), account: hexOf(account, "account") }] };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

const exactKeys = (o, keys, what) => {
  if (o === null || typeof o !== "object" || Array.isArray(o)) throw new VellumError(`not a Vellum issuer document: ${what} is not an object`);
  const extra = Object.keys(o).find((k) => !keys.includes(k));
  if (extra !== undefined) throw new VellumError(`not a Vellum issuer document: unknown field \`${extra}\` in ${what}`);
  const missing = keys.find((k) => !(k in o));
  if (missing !== undefined) throw new VellumError(`not a Vellum issuer document: missing field \`${missing}\` in ${what}`);
};

/**
 * Checks that a well-known document (bytes or text) names the issuer `name` and lists `account`
 * on this chain (`chainId`, `genesisHash`), as a registrar must before attesting; throws a
 * VellumError saying why not. Returns the parsed document.
 */
export function checkWellKnown(document, { name, chainId, genesisHash, account }) {
  const bytes = asBytes(document);
  if (bytes.length > WELL_KNOWN_BYTES_MAX) throw new VellumError(`the issuer document is over ${WELL_KNOWN_BYTES_MAX} bytes`);
  let doc;
  try {
    doc = JSON.parse(fromUtf8(bytes));
  } catch (e) {
    throw new VellumError(`not a Vellum issuer document: ${e.message}`);
  }
  exactKeys(doc, ["vellum_issuer", "name", "accounts"], "the document");
  if (!Number.isInteger(doc.vellum_issuer) || doc.vellum_issuer < 0 || doc.vellum_issuer > 0xffff_ffff) throw new VellumError("not a Vellum issuer document: bad `vellum_issuer`");
  if (typeof doc.name !== "string" || !Array.isArray(doc.accounts)) throw new VellumError("not a Vellum issuer document: `name` must be a string, `accounts` a list");
  for (const a of doc.accounts) {
    exactKeys(a, ["chain_id", "genesis_hash", "account"], "an account entry");
    if (![a.chain_id, a.genesis_hash, a.account].every((v) => typeof v === "string")) throw new VellumError("not a Vellum issuer document: account entries hold strings");
  }
  if (doc.vellum_issuer !== WELL_KNOWN_VERSION) throw new VellumError(`document version ${doc.vellum_issuer} (this client knows ${WELL_KNOWN_VERSION})`);
  if (doc.name !== name) throw new VellumError(`it names the issuer ${JSON.stringify(doc.name)}, not ${JSON.stringify(name)}`);
  const want = { chain_id: chainId, genesis_hash: hexOf(genesisHash, "genesis hash").toLowerCase(), account: hexOf(account, "account") };
  if (!doc.accounts.some((a) => a.chain_id === want.chain_id && a.genesis_hash === want.genesis_hash && a.account === want.account)) {
    throw new VellumError(`it does not list account ${want.account} on chain ${chainId} (genesis ${want.genesis_hash})`);
  }
  return doc;
}

/**
 * Fetches an issuer's well-known document over HTTPS (never plain HTTP):
 * `https://DOMAIN/.well-known/vellum-issuer.json`, or `url`. Resolves to `{ bytes, url }`.
 */
export async function fetchWellKnown(domain, { url = null, fetch = globalThis.fetch } = {}) {
  const where = url ?? `https://${domain}${WELL_KNOWN_PATH}`;
  if (!where.startsWith("https://")) throw new VellumError(`${where}: the well-known document is fetched over https only`);
  let res;
  try {
    res = await fetch(where, { signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    throw new VellumError(`cannot fetch ${where}: ${e.cause?.message ?? e.message}`);
  }
  // Redirects are followed, never off https.
  if (res.url && !res.url.startsWith("https://")) throw new VellumError(`${where} redirected to ${res.url}: the well-known document is fetched over https only`);
  if (res.status !== 200) throw new VellumError(`${where} answered HTTP ${res.status}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.length > WELL_KNOWN_BYTES_MAX) throw new VellumError(`${where}: the document is over ${WELL_KNOWN_BYTES_MAX} bytes`);
  return { bytes, url: where };
}

/**
 * An `IssuerProfile` value (the model `attest_issuer` carries) from `{ name, domain, x509Sha256,
 * wellKnownSha256 }` (hex or bytes; `x509Sha256` optional) or a profile's JSON form
 * (`x509_sha256`, `well_known_sha256`); the shape rules are checked (DecodeError `invalid`
 * otherwise, as `Vellum.send` refuses such a body).
 */
export function issuerProfile(p) {
  const x509 = p.x509Sha256 ?? p.x509_sha256 ?? null;
  const wellKnown = p.wellKnownSha256 ?? p.well_known_sha256;
  if (wellKnown === undefined || wellKnown === null) throw new DecodeError("invalid", "an issuer profile needs the SHA-256 of the well-known document checked (wellKnownSha256)");
  const profile = { name: p.name, domain: p.domain, x509_sha256: x509 === null ? null : bytes32(x509, "x509Sha256"), well_known_sha256: bytes32(wellKnown, "wellKnownSha256") };
  const problem = typeof profile.name === "string" && typeof profile.domain === "string" ? issuerProfileProblem(profile) : "an issuer profile has a name and a domain (strings)";
  if (problem !== null) throw new DecodeError("invalid", problem);
  return profile;
}

/** The SHA-256 of a well-known document (bytes or text), as an attestation records it. */
export const wellKnownSha256 = (document) => sha256(asBytes(document));

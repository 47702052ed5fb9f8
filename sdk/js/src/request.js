// Signed read requests (crates/types/src/request.rs, crates/api/src/auth.rs): the caller signs
// the chain, its account, the method, the path and query exactly as sent, the body's SHA-256,
// a timestamp and a fresh nonce; four headers carry it.

import { bytes, canonical, string, struct, u64 } from "./encoding.js";
import { AccountId, Hash32, Signature } from "./types.js";
import { DOMAIN, sha256 } from "./hash.js";
import { fromHex, randomBytes, toHex } from "./bytes.js";
import { encode } from "./encoding.js";

export const HEADER_ACCOUNT = "x-vellum-account";
export const HEADER_TIMESTAMP = "x-vellum-timestamp";
export const HEADER_NONCE = "x-vellum-nonce";
/** Hex of `borsh(Signature)`. */
export const HEADER_SIGNATURE = "x-vellum-signature";
/** Most a request's timestamp may differ from the node's clock. */
export const REQUEST_FRESHNESS_MS = 60_000;
const NONCE_BYTES = 16;

const SignedRequest = struct("SignedRequest", [
  ["chain_id", string],
  ["account", AccountId],
  ["method", string],
  ["path_and_query", string],
  ["body_sha256", Hash32],
  ["timestamp_ms", u64],
  ["nonce", bytes(NONCE_BYTES)],
]);

/** `canonical("VELLUM:REQUEST:", (chain id, account, method, path and query, SHA-256(body), timestamp, nonce))`. */
export function requestSigningBytes({ chainId, account, method, pathAndQuery, body = new Uint8Array(0), timestampMs, nonce }) {
  return canonical(DOMAIN.REQUEST, SignedRequest, {
    chain_id: chainId,
    account,
    method,
    path_and_query: pathAndQuery,
    body_sha256: sha256(body),
    timestamp_ms: BigInt(timestampMs),
    nonce,
  });
}

/**
 * The four authentication headers of a request signed with `key`, for the account it acts for
 * (or `account`: a co-signer of a multi-signature account reads as that account).
 * `timestampMs` and `nonce` default to now and 16 fresh random bytes.
 */
export function signedHeaders(key, { chainId, method, pathAndQuery, body = new Uint8Array(0), timestampMs = Date.now(), nonce = randomBytes(NONCE_BYTES), account = null }) {
  account = account === null ? key.accountId : typeof account === "string" ? fromHex(account, 32, "account") : account;
  const signed = requestSigningBytes({ chainId, account, method, pathAndQuery, body, timestampMs, nonce });
  return {
    [HEADER_ACCOUNT]: toHex(account),
    [HEADER_TIMESTAMP]: String(timestampMs),
    [HEADER_NONCE]: toHex(nonce),
    [HEADER_SIGNATURE]: toHex(encode(Signature, key.sign(signed))),
  };
}

// Hashes and identifiers (docs/wire-format.md): domain tags, account / transaction / proof
// ids, salted digests, KYC commitments, state-map keys, batch roots.

import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { asBytes, asU64, bytes, canonical, tuple, u64, vecU8 } from "./encoding.js";
import { Hash32, PublicKey } from "./types.js";
import { concat } from "./bytes.js";
import { merkleRoot, leafHash } from "./merkle.js";

/** SHA-256 of one byte string. */
export const sha256 = (data) => nobleSha256(data);

/** Domain tags: each separates one kind of hashed or signed object from every other. */
export const DOMAIN = Object.freeze({
  TX_SIGN: "VELLUM:TX-SIGN:",
  TX_ID: "VELLUM:TX-ID:",
  TX_LEAF: "VELLUM:TX-LEAF:",
  BLOCK_HEADER: "VELLUM:BLOCK-HEADER:",
  BLOCK_TXS: "VELLUM:BLOCK-TXS:",
  ACCOUNT_ID: "VELLUM:ACCOUNT-ID:",
  VALIDATOR_SET: "VELLUM:VALIDATOR-SET:",
  GENESIS: "VELLUM:GENESIS:",
  STATE_KEY: "VELLUM:STATE-KEY:",
  STATE_VALUE: "VELLUM:STATE-VALUE:",
  KYC_COMMITMENT: "VELLUM:KYC-COMMITMENT:",
  PROOF_ID: "VELLUM:PROOF-ID:",
  EVIDENCE_LEAF: "VELLUM:EVIDENCE-LEAF:",
  EVIDENCE_RECORD: "VELLUM:EVIDENCE-RECORD:",
  SALTED_DIGEST: "VELLUM:SALTED-DIGEST:",
  GENESIS_DETAILS: "VELLUM:GENESIS-DETAILS:",
  REQUEST: "VELLUM:REQUEST:",
  ORIGINAL: "VELLUM:ORIGINAL:",
  PAYMENT_RECORD: "VELLUM:PAYMENT-RECORD:",
  GENESIS_DETAILS_EPOCHS: "VELLUM:GENESIS-DETAILS-EPOCHS:",
  CONTRACT_ID: "VELLUM:CONTRACT-ID:",
  CONTRACT_EVENT: "VELLUM:CONTRACT-EVENT:",
  INVOICE_ID: "VELLUM:INVOICE-ID:",
  INVOICE_RECORD: "VELLUM:INVOICE-RECORD:",
  SCREENING: "VELLUM:SCREENING:",
});

/** The account id a key opens: `SHA-256(canonical(ACCOUNT-ID, PublicKey))`. */
export const accountIdOf = (publicKey) => PublicKey.parse(publicKey).accountId();

/** The id of the registration a transaction made: `SHA-256(canonical(PROOF-ID, tx id))`. */
export const proofIdOf = (txId) => sha256(canonical(DOMAIN.PROOF_ID, Hash32, asBytes(txId, 32, "tx id")));

const CONTRACT_ID_INPUT = tuple([bytes(32), bytes(32), u64]);
/**
 * The account id of the contract an `instantiate_contract` creates (wire-format §11.9):
 * `SHA-256("VELLUM:CONTRACT-ID:" ‖ 0x01 ‖ code_digest ‖ creator ‖ u64 LE nonce)`, with the
 * instantiating transaction's sender (`creator`) and nonce — known before it is submitted.
 * `nonce` is a bigint (or a safe-integer number, or decimal digits).
 */
export const contractIdOf = (codeDigest, creator, nonce) =>
  sha256(canonical(DOMAIN.CONTRACT_ID, CONTRACT_ID_INPUT, [asBytes(codeDigest, 32, "code digest"), asBytes(creator, 32, "creator"), asU64(nonce, "nonce")]));

/**
 * A contract account's identity commitment (where a person's KYC commitment would be):
 * `SHA-256("VELLUM:CONTRACT-ID:" ‖ 0x01 ‖ code_digest)` — governance's approval of the code.
 */
export const contractKycCommitment = (codeDigest) => sha256(canonical(DOMAIN.CONTRACT_ID, Hash32, asBytes(codeDigest, 32, "code digest")));

/**
 * The id of the e-invoice a payment can have (wire-format §11.10; one payment, one invoice):
 * `SHA-256("VELLUM:INVOICE-ID:" ‖ 0x01 ‖ payment tx id)`. Reimbursement and VAT-clearance
 * payments carry it as their `reference`.
 */
export const invoiceIdOf = (paymentTxId) => sha256(canonical(DOMAIN.INVOICE_ID, Hash32, asBytes(paymentTxId, 32, "payment tx id")));

const SALT_PAIR = tuple([bytes(32), bytes(32)]);
/** The salted commitment registered for a low-entropy document: `SHA-256(canonical(SALTED-DIGEST, (salt, digest)))`. */
export const saltedDigest = (salt, documentDigest) =>
  sha256(canonical(DOMAIN.SALTED_DIGEST, SALT_PAIR, [asBytes(salt, 32, "salt"), asBytes(documentDigest, 32, "digest")]));

const KYC_PAIR = tuple([vecU8, vecU8]);
/**
 * The salted commitment a registrar stores instead of an identity record:
 * `SHA-256(canonical(KYC-COMMITMENT, (salt, record)))` — both length-prefixed byte strings.
 */
export const kycCommitment = (salt, identityRecord) => sha256(canonical(DOMAIN.KYC_COMMITMENT, KYC_PAIR, [salt, identityRecord]));

const SCREENING_INPUT = tuple([bytes(32), vecU8]);
/**
 * An identity's sanctions-screening commitment (wire-format §11.4): what `KycTerms.screening`
 * carries and the sanctions list (`update_sanctions`) holds —
 * `SHA-256("VELLUM:SCREENING:" ‖ 0x01 ‖ salt (32 bytes) ‖ u32 LE len(identity) ‖ identity)`.
 * `salt` (32 bytes or 64 hex) is the one salt registrars and the list's compiler share off-ledger;
 * `identity` (bytes, or text as UTF-8) is written in the byte form they agree on
 * (e.g. `"Jane Doe|1990-01-01|FR"`).
 */
export const screeningCommitment = (salt, identity) =>
  sha256(canonical(DOMAIN.SCREENING, SCREENING_INPUT, [asBytes(salt, 32, "salt"), typeof identity === "string" ? new TextEncoder().encode(identity) : asBytes(identity, null, "identity")]));

/** RFC 6962 root over a batch's registered digests (leaf data = each 32-byte digest). */
export const batchRoot = (digests) => merkleRoot(digests.map((d) => leafHash(asBytes(d, 32, "digest"))));

/** StateKey variant indices a client needs (crates/types/src/proof.rs). */
export const STATE_KEY = Object.freeze({ ACCOUNT: 0, PROOF: 1, LIVE_DIGEST: 2, MEMBER: 3, VALIDATOR_SET_CHANGE: 25, BATCH_MEMBERS: 36, HOLDER: 37, ISSUER_PROFILE: 38, WITNESS_POLICY: 39, ORIGINAL_DELETED: 51 });

const u32le = (v) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, true);
  return b;
};
const u64le = (v) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
  return b;
};
const stateKey = (index, ...fields) => sha256(concat(new TextEncoder().encode(DOMAIN.STATE_KEY), Uint8Array.of(1, index), ...fields));

/** Hashed state-map key of a registration's entry. */
export const proofStateKey = (proofId) => stateKey(STATE_KEY.PROOF, proofId);
/** Hashed state-map key of a batch member's own status entry. */
export const memberStateKey = (proofId, index) => stateKey(STATE_KEY.MEMBER, proofId, u32le(index));
/** Hashed state-map key of validator-set change `seq`. */
export const validatorSetChangeKey = (seq) => stateKey(STATE_KEY.VALIDATOR_SET_CHANGE, u64le(seq));

/** Hashed state-map key of how far a batch's members were handed to the network (`StoreBatchMembers`). */
export const batchMembersKey = (proofId) => stateKey(STATE_KEY.BATCH_MEMBERS, asBytes(proofId, 32, "proof id"));
/** Hashed state-map key saying `holder` holds the registration (`member` null) or one member of it. */
export const holderKey = (proofId, member, holder) =>
  stateKey(STATE_KEY.HOLDER, asBytes(proofId, 32, "proof id"), member === null || member === undefined ? Uint8Array.of(0) : concat(Uint8Array.of(1), u32le(member)), asBytes(holder, 32, "holder"));
/** Hashed state-map key of an issuer account's attested identity (`IssuerAttestation`). */
export const issuerProfileKey = (account) => stateKey(STATE_KEY.ISSUER_PROFILE, asBytes(account, 32, "account"));

/** Hashed state-map key of the witnesses governance set (`WitnessPolicy`; absent: none). */
export const witnessPolicyKey = () => stateKey(STATE_KEY.WITNESS_POLICY);

/** Hashed state-map key of a deleted original (`DeleteOriginal`; value: the deletion's block time, u64 ms; absent: not deleted). */
export const originalDeletedKey = (proofId, member) => stateKey(STATE_KEY.ORIGINAL_DELETED, asBytes(proofId, 32, "proof id"), u32le(member));

/** Hash of a value stored in the state map: `SHA-256(0x01 ‖ borsh(value))`. */
export const stateValueHash = (borshBytes) => sha256(concat(Uint8Array.of(1), borshBytes));

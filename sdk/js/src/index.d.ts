// Type declarations of @vellum/sdk (the implementation is plain ES modules in this directory).
// Model values: u8/u16/u32 → number; u64/u128 → bigint; byte arrays → Uint8Array; Option →
// null | value; enums → objects tagged with the variant's snake_case name.

export type Bytes = Uint8Array;
export type Hex = string;
export type BytesLike = Bytes | Hex;

// ---- errors ----
export class VellumError extends Error {}
export class NodeError extends VellumError {
  code: string;
  status: number;
  nodeMessage: string;
  expectedNonce: bigint | null;
  node: string | null;
}
export class RejectedError extends NodeError {}
/** No validator answered, or none gave a valid answer; `failures` has one entry per validator. */
export class NetworkError extends VellumError {
  failures: string[];
}
export class OutcomeUnknownError extends VellumError {
  txId: string | null;
}
export class AgreementError extends VellumError {}
export class DecodeError extends VellumError {
  kind: "too_large" | "empty" | "unknown_version" | "malformed" | "invalid";
}
export class EncodeError extends VellumError {
  path: string;
}
export class KeyError extends VellumError {}
export class SignatureError extends VellumError {
  kind: "malformed_signature" | "high_s" | "bad_public_key" | "bad_recovery_id" | "signature_does_not_verify" | "duplicate_signer";
  index: number | null;
}
export class KeystoreError extends VellumError {
  wrongPassword: boolean;
}
export class TxFileError extends VellumError {}
export class ForeignSignature extends TxFileError {
  index: number;
  reason: string | null;
}
export class DuplicateSigner extends TxFileError {
  key: string;
}
export class RepeatedSignature extends TxFileError {
  index: number;
  first: number;
}
export class NoSignerSet extends TxFileError {
  index: number;
}
export class NotASigner extends TxFileError {
  key: string;
  account: string;
  index: number | null;
}
export class RecoversOutsider extends NotASigner {
  index: number;
}
export class InsufficientWeight extends TxFileError {
  weight: number;
  threshold: number;
  account: string;
}
/**
 * Verification steps (docs/evidence-format.md §4); `status` (9) combines a bundle with a status
 * proof; `witnesses` (10) checks a witnessed checkpoint and, under a policy, its cosignatures.
 */
export type Step = "decode" | "checkpoint" | "validator set" | "certificate" | "log inclusion" | "state entry" | "batch inclusion" | "document" | "status" | "witnesses";
export class VerifyError extends VellumError {
  step: Step;
  stepNumber: number;
  detail: string;
}
export const STEPS: Step[];
/** A checkpoint note that cannot be read: `too_large` (over 16 KiB or 128 signature lines) or `malformed`. */
export class NoteError extends VellumError {
  kind: "too_large" | "malformed";
}
/** A witness policy that cannot be used; `line` is its 1-based line in the file, when known. */
export class WitnessPolicyError extends VellumError {
  line: number | null;
}
/** Credential verification steps (docs/credentials.md §3), numbered 1–6 in this order. */
export type CredentialStep = "ledger" | "issuer signature" | "issuer" | "disclosures" | "key binding" | "status";
export const CREDENTIAL_STEPS: CredentialStep[];
/**
 * A credential that cannot be issued, presented or verified. `kind` is the Rust
 * `CredentialError` variant, or (from `verifyCredential`) `ledger` (step 1; `cause` is the
 * bundle's VerifyError), `issuer` (step 3: `iss` is not the registering account) or `status`
 * (step 6; `cause` is the VerifyError). Verification failures carry their `step` (1–6).
 */
export class CredentialError extends VellumError {
  kind:
    | "malformed"
    | "issuer_signature"
    | "unsupported_key"
    | "unknown_disclosure"
    | "duplicate_disclosure"
    | "key_binding"
    | "no_such_claim"
    | "ledger"
    | "issuer"
    | "status";
  step: 1 | 2 | 3 | 4 | 5 | 6 | null;
  stepName: CredentialStep | null;
  /** The claim name of the disclosure at fault, when one is. */
  claim: string | null;
  cause?: unknown;
}

// ---- bytes, JSON, encoding ----
export function toHex(bytes: Bytes): Hex;
export function fromHex(text: Hex, length?: number | null, what?: string): Bytes;
export function utf8(text: string): Bytes;
export function concat(...parts: Bytes[]): Bytes;
export function equal(a: Bytes, b: Bytes): boolean;
export function randomBytes(n: number): Bytes;
export function parseJson(text: string): any;
export function stringifyJson(value: any, indent?: number): string;

export interface Schema<T = any> {
  name: string;
  write(w: Writer, value: T, path?: string): void;
  read(r: Reader): T;
  toJson(value: T): any;
  fromJson(json: any, path?: string): T;
}
export class Writer {
  finish(): Bytes;
}
export class Reader {
  constructor(bytes: Bytes);
  readonly remaining: number;
  end(): void;
}
export const ENCODING_VERSION: 1;
export function encode<T>(schema: Schema<T>, value: T): Bytes;
export function decode<T>(schema: Schema<T>, bytes: Bytes): T;
export function canonical<T>(tag: string, schema: Schema<T>, value: T): Bytes;
export function toWire<T>(schema: Schema<T>, value: T): Bytes;
export function fromWire<T>(schema: Schema<T>, bytes: Bytes, bytesMax: number): T;
/** 2^64 − 1. */
export const U64_MAX: bigint;
/**
 * A u64 argument as a bigint: a bigint, a safe-integer number or decimal digits. A number beyond
 * 2^53 − 1 is refused (EncodeError at `path`): it may already have lost precision.
 */
export function asU64(value: bigint | number | string, path: string): bigint;

// ---- keys ----
export type Scheme = "ed25519" | "secp256k1" | "p256";
export const KEY_SCHEMES: Scheme[];
export class PublicKey {
  constructor(scheme: Scheme, bytes: Bytes);
  readonly scheme: Scheme;
  readonly bytes: Bytes;
  static parse(text: string | PublicKey | { scheme: Scheme; bytes: Bytes }): PublicKey;
  toString(): string;
  equals(other: PublicKey): boolean;
  accountId(): Bytes;
}
export type Signature =
  | { scheme: "ed25519"; public_key: Bytes; signature: Bytes }
  | { scheme: "secp256k1"; signature: Bytes; recovery_id: number }
  | { scheme: "p256"; public_key: Bytes; signature: Bytes };
export class SecretKey {
  constructor(scheme: Scheme, secret: Bytes);
  readonly scheme: Scheme;
  readonly publicKey: PublicKey;
  /** The account this key signs for (derived, or recorded by its keystore). */
  accountId: Bytes;
  static generate(scheme?: Scheme): SecretKey;
  static fromBytes(scheme: Scheme, secret: Bytes): SecretKey;
  static parse(keyFileText: string): SecretKey;
  forAccount(accountId: BytesLike): SecretKey;
  toBytes(): Bytes;
  toKeyFile(): string;
  sign(message: Bytes): Signature;
}
export function verifySignature(signature: Signature, message: Bytes): PublicKey;
export function signedBy(signature: Signature, message: Bytes, publicKey: PublicKey | string): boolean;
export function normalizeP256(signature: Bytes): Bytes;

export interface Keystore {
  version: number;
  kdf: string;
  memory_kib: number;
  passes: number;
  lanes: number;
  salt: Hex;
  cipher: string;
  nonce: Hex;
  scheme: Scheme;
  public_key: string;
  account_id?: Hex;
  ciphertext: Hex;
}
export function parseKeystore(text: string | Keystore): Keystore;
export function openKeystore(keystore: string | Keystore, password: string): Promise<SecretKey>;
export function createKeystore(
  key: SecretKey,
  password: string,
  options?: { cost?: { memoryKib?: number; passes?: number; lanes?: number }; accountId?: BytesLike | null },
): Promise<Keystore>;
export function loadKey(keyFileText: string, options?: { password?: string | null }): Promise<SecretKey>;
export function isKeystoreText(text: string): boolean;
export const KDF_MEMORY_KIB_MIN: number;
export const PASSWORD_CHARS_MIN: number;

// ---- hashes and ids ----
export const DOMAIN: Readonly<Record<string, string>>;
export function sha256(data: Bytes): Bytes;
export function accountIdOf(publicKey: PublicKey | string): Bytes;
export function proofIdOf(txId: BytesLike): Bytes;
export function saltedDigest(salt: BytesLike, documentDigest: BytesLike): Bytes;
export function kycCommitment(salt: Bytes, identityRecord: Bytes): Bytes;
/**
 * An identity's sanctions-screening commitment (wire-format §11.4), what `KycTerms.screening`
 * carries and the sanctions list holds: `SHA-256("VELLUM:SCREENING:" ‖ 0x01 ‖ salt (32) ‖ u32 LE
 * len(identity) ‖ identity)`. `salt`: the 32-byte salt registrars share off-ledger (bytes or hex);
 * `identity`: bytes, or text (UTF-8) in the form registrars agree on ("Jane Doe|1990-01-01|FR").
 */
export function screeningCommitment(salt: BytesLike, identity: Bytes | string): Bytes;
export function batchRoot(digests: BytesLike[]): Bytes;
export function proofStateKey(proofId: Bytes): Bytes;
export function memberStateKey(proofId: Bytes, index: number): Bytes;
export function validatorSetChangeKey(seq: bigint | number): Bytes;
/** StateKey variant indices a client needs (crates/types/src/proof.rs). */
export const STATE_KEY: Readonly<{ ACCOUNT: 0; PROOF: 1; LIVE_DIGEST: 2; MEMBER: 3; VALIDATOR_SET_CHANGE: 25; BATCH_MEMBERS: 36; HOLDER: 37; ISSUER_PROFILE: 38; WITNESS_POLICY: 39; ORIGINAL_DELETED: 51 }>;
/** Key of how far a batch's members were handed to the network (`StateKey::BatchMembers`, 36). */
export function batchMembersKey(proofId: BytesLike): Bytes;
/** Key saying `holder` holds the registration (`member` null) or one member (`StateKey::Holder`, 37). */
export function holderKey(proofId: BytesLike, member: number | null, holder: BytesLike): Bytes;
/** Key of an issuer account's attested identity (`StateKey::IssuerProfile`, 38). */
export function issuerProfileKey(account: BytesLike): Bytes;
/** Hashed state-map key of the witnesses governance set (`StateKey::WitnessPolicy`, index 39). */
export function witnessPolicyKey(): Bytes;
/** Key of a deleted original (`StateKey::OriginalDeleted(proof, member)`, 51; value: the deletion's block time, u64 ms). */
export function originalDeletedKey(proofId: BytesLike, member: number): Bytes;
/**
 * The account id of the contract an `instantiate_contract` creates (wire-format §11.9):
 * `SHA-256("VELLUM:CONTRACT-ID:" ‖ 0x01 ‖ code_digest ‖ creator ‖ u64 LE nonce)`, with the
 * instantiating transaction's sender and nonce. A `nonce` number beyond 2^53 − 1 is refused.
 */
export function contractIdOf(codeDigest: BytesLike, creator: BytesLike, nonce: bigint | number | string): Bytes;
/** A contract account's identity commitment: `SHA-256("VELLUM:CONTRACT-ID:" ‖ 0x01 ‖ code_digest)`. */
export function contractKycCommitment(codeDigest: BytesLike): Bytes;
/** The id of the e-invoice of a payment (wire-format §11.10): `SHA-256("VELLUM:INVOICE-ID:" ‖ 0x01 ‖ payment tx id)`. */
export function invoiceIdOf(paymentTxId: BytesLike): Bytes;
export function leafHash(data: Bytes): Bytes;
export function nodeHash(left: Bytes, right: Bytes): Bytes;
export function merkleRoot(leafHashes: Bytes[]): Bytes;
export function inclusionProof(index: number, leafHashes: Bytes[]): Bytes[];
export function inclusionError(index: bigint | number, size: bigint | number, leaf: Bytes, proof: Bytes[], root: Bytes): string | null;
/** RFC 9162 consistency proof from the first `oldSize` leaves to all of `leafHashes`. */
export function consistencyProof(oldSize: number, leafHashes: Bytes[]): Bytes[];
/** RFC 9162 §2.1.4.2: null when (`oldSize`, `oldRoot`) is a prefix of (`newSize`, `newRoot`) by `proof`, else why not. */
export function consistencyError(oldSize: bigint | number, newSize: bigint | number, oldRoot: Bytes, newRoot: Bytes, proof: Bytes[]): string | null;

// ---- checkpoints (C2SP signed notes) and witnesses ----
/** A validator's note signature line. */
export interface NoteSignature {
  name: string;
  keyHash: Bytes;
  signature: Bytes;
}
/** A witness's cosignature line (c2sp.org/tlog-cosignature, `cosignature/v1`). */
export interface Cosignature {
  name: string;
  keyHash: Bytes;
  /** Seconds since the Unix epoch when the witness cosigned. */
  timestamp: bigint;
  signature: Bytes;
}
/** A checkpoint of the chain's log: origin (the chain id), size, root, and the signature lines of its note. */
export interface Checkpoint {
  origin: string;
  size: bigint;
  root: Bytes;
  signatures: NoteSignature[];
  cosignatures: Cosignature[];
}
/** A named Ed25519 key: a witness of a policy, or a validator's note key. */
export interface NamedKey {
  name: string;
  key: Bytes;
}
/** A witness policy: k (`quorum`) of these witnesses must cosign. */
export interface WitnessPolicy {
  witnesses: { name: string; key: Bytes; url: string | null }[];
  quorum: number;
}
/** A policy file's text, or its JSON form (keys as hex or bytes; quorum defaults to every witness). */
export type WitnessPolicyInput = string | { witnesses: { name: string; key: BytesLike; url?: string | null }[]; quorum?: number | bigint };
/** A bundle's or receipt's witnessed section (bundle version 4, receipt version 3). */
export interface Witnessed {
  note: string;
  consistency: Bytes[];
}
/** A verified witnessed checkpoint as results report it. */
export interface WitnessedLog {
  size: bigint;
  root: Hex;
  note: string;
  /** The names on the note's cosignature lines (checked only under a policy). */
  cosigners: string[];
  checkpoint: Checkpoint;
}
export const NOTE_BYTES_MAX: 16384;
export const NOTE_SIGNATURES_MAX: 128;
export const WITNESSED_NOTE_BYTES_MAX: 8192;
export const WITNESS_PROOF_HASHES_MAX: 64;
/** Padded standard base64 (RFC 4648 §4). */
export function base64(bytes: Bytes): string;
/** Decodes padded standard base64 in its canonical form only, else null. */
export function fromBase64(text: string): Bytes | null;
export function newCheckpoint(origin: string, size: bigint | number, root: Bytes): Checkpoint;
/** The signed text: `origin\nsize\nbase64(root)\n`. */
export function checkpointText(cp: Checkpoint): string;
/** The note: the text, a blank line, the validators' lines, then the witnesses'. */
export function checkpointNote(cp: Checkpoint): string;
/** Reads a note in its canonical form only (throws a NoteError). */
export function parseCheckpoint(note: string): Checkpoint;
/** `SHA-256(name ‖ "\n" ‖ 0x01 ‖ key)[..4]`. */
export function noteKeyHash(name: string, publicKey: Bytes): Bytes;
/** `SHA-256(name ‖ "\n" ‖ 0x04 ‖ key)[..4]`. */
export function cosignatureKeyHash(name: string, publicKey: Bytes): Bytes;
/** `"cosignature/v1\ntime <timestamp>\n" ‖ checkpoint text`. */
export function cosignedMessage(timestamp: bigint | number, text: string): Bytes;
/** Distinct witnesses of `witnesses` whose cosignature on `cp` verifies (Ed25519, ZIP-215). */
export function countCosignatures(cp: Checkpoint, witnesses: NamedKey[]): number;
/** Distinct validators of `keys` whose note signature on `cp` verifies. */
export function countNoteSignatures(cp: Checkpoint, keys: NamedKey[]): number;
export function signCheckpoint(cp: Checkpoint, name: string, key: SecretKey): NoteSignature;
export function cosignCheckpoint(cp: Checkpoint, name: string, key: SecretKey, timestamp: bigint | number): Cosignature;
/** Steps 10a–10c: the witnessed checkpoint is this chain's log, consistent with the header's, covering `[0, covers)`; throws a VerifyError at step 10. */
export function verifyWitnessed(witnessed: Witnessed, o: { origin: string; logSize: bigint | number; logRoot: Bytes; covers: bigint | number }): Checkpoint;
/** Reads a policy file (`witness <name> <64-hex key> [url]`, `quorum <k>`, `#` comments); throws a WitnessPolicyError. */
export function parseWitnessPolicy(text: string): WitnessPolicy;
/** A policy from its file text or JSON form, checked. */
export function witnessPolicy(policy: WitnessPolicyInput): WitnessPolicy;
/** Step 10d: how many policy witnesses cosigned (at least the quorum, else a VerifyError at step 10; null checkpoint: a file without a witnessed section). */
export function checkWitnessPolicy(checkpoint: Checkpoint | null, policy: WitnessPolicyInput): number;
/** "WITNESSED: k of the policy's witnesses cosigned the log at size W", "log witnessed: N cosignature(s) at size W (not checked against a policy)", or "no witness cosignatures in this file". */
export function witnessedLine(witnessed: WitnessedLog | null, witnessCosignatures?: number | null): string;
export function verifyMapProof(proof: { siblings: Bytes[]; terminal: [Bytes, Bytes] | null }, root: Bytes, key: Bytes): { present: boolean; valueHash?: Bytes };

// ---- transactions ----
/** A TxBody value: `{ type: "<kind>", …fields }` (docs/wire-format.md §6.3, §8). */
export type TxBody = { type: string; [field: string]: any };
/** Account roles (wire-format §6.4.1), by index 0–8. */
export type Role = "user" | "council" | "registrar" | "issuer" | "auditor" | "compliance" | "node" | "desk" | "tax_authority";
/** `InstantiateContract` (30): approved code into a new contract account, its `init` run with `input`. */
export interface InstantiateContractBody {
  type: "instantiate_contract";
  code_digest: BytesLike;
  /** At most 8,192 bytes. */
  input: BytesLike;
  /** 1..=2^64 − 1 (the ledger runs at most 50,000,000). */
  fuel: bigint | number;
}
/** `CallContract` (31). */
export interface CallContractBody {
  type: "call_contract";
  contract: BytesLike;
  /** 1..=64 bytes of [a-z0-9_-], starting with a letter. */
  function: string;
  input: BytesLike;
  fuel: bigint | number;
}
/** `SetInvoicing` (32): a seller's invoicing conditions. */
export interface SetInvoicingBody {
  type: "set_invoicing";
  tax_authority: BytesLike;
  token: string;
  /** 0..=10,000. */
  vat_basis_points: number;
}
/** `IssueInvoice` (33), `ReimburseInvoice` (34), `ClearInvoiceTax` (35): e-invoice phases B, C and D. */
export type InvoiceBody =
  | { type: "issue_invoice"; payment: BytesLike; document_digest: BytesLike }
  | { type: "reimburse_invoice"; invoice: BytesLike }
  | { type: "clear_invoice_tax"; invoice: BytesLike };
/** `KycTerms` (wire-format §6.4.11): the identity check's tier (1..=7), expiry (block time ms, 0 = never), screening commitment. */
export interface KycTermsValue {
  tier: number;
  expires_ms: bigint | number;
  screening: BytesLike | null;
}
/** `OpenAccount` (0); `kyc` (the account's KYC record) needs `kyc_commitment`. */
export interface OpenAccountBody {
  type: "open_account";
  public_key: PublicKey | string;
  kyc_commitment: BytesLike | null;
  label: string;
  role: Role;
  subledger?: string | null;
  kyc?: KycTermsValue | null;
}
/** `SetKyc` (36): a registrar (re-)verifies an account's identity; the terms replace its KYC record. */
export interface SetKycBody {
  type: "set_kyc";
  account: BytesLike;
  terms: KycTermsValue;
}
/**
 * `ReadRecord`: one read (or refused read) of an account's data, as a node records it on the
 * ledger (X.1407 9.1.1 c). `action`: `account`, `history`, `payment`, `receipt`, `hold` or
 * `reads` (1..=16 bytes); `item`: the payment or held transfer read (null: the account itself);
 * `reader`: null when unauthenticated; `time_ms`: the serving node's clock.
 */
export interface ReadRecordValue {
  owner: BytesLike;
  action: string;
  item: BytesLike | null;
  reader: BytesLike | null;
  allowed: boolean;
  time_ms: bigint | number;
}
/** `AuditReads` (37): a node account records 1..=256 reads of account data (node accounts only). */
export interface AuditReadsBody {
  type: "audit_reads";
  entries: ReadRecordValue[];
}
/** `SetKeyExpiry` (38): the account's signer key `key` stops signing at block time `expires_ms` (0: lifts the expiry). */
export interface SetKeyExpiryBody {
  type: "set_key_expiry";
  key: PublicKey | string;
  expires_ms: bigint | number;
}
/** `DeleteOriginal` (39): the registrant deletes the stored original of member `member` (0 for a single registration) of proof `proof`; every validator destroys its copy. */
export interface DeleteOriginalBody {
  type: "delete_original";
  proof: BytesLike;
  /** u32: 0 for a single registration, else the batch member's index. */
  member: number;
}
/** `GET /v1/account/{id}/reads`: the account's reads on the ledger (`finalized`) and the answering node's not yet finalized (`pending`). */
export interface AccountReads {
  account: Hex;
  finalized: { record: any; node: Hex; tx_id: Hex; height: number }[];
  pending: any[];
}
/** `TierLimit`: what a sender of KYC tier 0..=7 may send in one leg and within the window (0: no limit). */
export interface TierLimitValue {
  tier: number;
  leg_amount_max: bigint | string;
  window_amount_max: bigint | string;
}
/** `MonitoringRules` (wire-format §6.4.8); u128 values are bigints in the model, decimal text in JSON. */
export interface MonitoringRulesValue {
  large_amount: bigint | string;
  window_ms: bigint | number;
  window_amount_max: bigint | string;
  window_count_max: number;
  structuring_floor_bps: number;
  structuring_count: number;
  hold_timeout_ms: bigint | number;
  inflow_amount_max: bigint | string;
  inflow_count_max: number;
  distinct_senders_max: number;
  tier_limits: TierLimitValue[];
  version: bigint | number;
}
/** `UpdateSanctions` (GovAction 20): screening commitments added to and removed from the sanctions list. */
export interface UpdateSanctionsAction {
  action: "update_sanctions";
  add: BytesLike[];
  remove: BytesLike[];
}
/** The contract governance actions (GovAction 16–19), proposed with `Vellum.propose`. */
export type ContractGovAction =
  | { action: "register_code"; name: string; /** 1..=12,288 bytes (hex in JSON). */ code: BytesLike; review_digest: BytesLike }
  | { action: "set_contract_paused"; contract: BytesLike; paused: boolean }
  | { action: "upgrade_contract"; contract: BytesLike; code_digest: BytesLike }
  | { action: "set_code_advisory"; code_digest: BytesLike; /** null lifts the advisory. */ advisory: BytesLike | null };
export interface UnsignedTx {
  chain_id: string;
  sender: Bytes;
  nonce: bigint;
  expiry_height: bigint;
  body: TxBody;
}
export interface Transaction {
  unsigned: UnsignedTx;
  signatures: Signature[];
}
export const TX_BYTES_MAX: number;
export const TX_SIGNATURES_MAX: number;
export const SCHEMA_WHOLE_FILE: string;
export function bodyFromJson(json: any): TxBody;
export function bodyToJson(body: TxBody): any;
export function unsignedFromJson(json: any): UnsignedTx;
export function unsignedToJson(unsigned: UnsignedTx): any;
export function unsignedWire(unsigned: UnsignedTx): Bytes;
export function unsignedFromWire(bytes: Bytes): UnsignedTx;
export function signingBytes(unsigned: UnsignedTx): Bytes;
export function txId(unsigned: UnsignedTx): Bytes;
export function txHash(unsigned: UnsignedTx): Hex;
export function txLeafBytes(tx: Transaction): Bytes;
export function signTransaction(unsigned: UnsignedTx, keys: SecretKey[]): Transaction;
export function encodeTransaction(tx: Transaction): Bytes;
export function decodeTransaction(bytes: Bytes): Transaction;
export function verifyTransaction(tx: Transaction): PublicKey[];
export function checkShape(tx: Transaction, wireBytes?: number | null): void;
/** The chain id and body rules alone (what a transaction file checks before anyone signs). */
export function checkUnsignedShape(unsigned: UnsignedTx): void;
/** The body rules alone (DecodeError `invalid`): what `Vellum.send` checks before signing. */
export function checkBodyShape(body: TxBody): void;
/** A reason code's shape: 1..=32 bytes of [a-z0-9_], starting with a letter (wire-format §7). */
export function isReasonCode(code: unknown): boolean;
/** Throws DecodeError `invalid` unless `code` is a reason code. */
export function checkReasonCode(code: string): void;
/** The codes a chain accepts until governance sets its own list (`set_reason_codes`). */
export const DEFAULT_REASON_CODES: readonly string[];
export const REASON_CODE_BYTES_MAX: 32;
export const REASON_CODES_MAX: 32;
/** Most members one `store_batch_members` carries; most holders one `add_holders` names. */
export const BATCH_MEMBERS_PER_TX_MAX: 200;
export const HOLDERS_PER_TX_MAX: 16;
export const ISSUER_NAME_BYTES_MAX: 128;
export const ISSUER_DOMAIN_BYTES_MAX: 253;
/** A lowercase DNS name of at least two labels of [a-z0-9-] (1..=63 bytes, no leading or trailing `-`), ≤ 253 bytes. */
export function isDomainName(domain: unknown): boolean;
/** The shape rules of an IssuerProfile (wire-format §6.3): what is wrong, or null. */
export function issuerProfileProblem(profile: { name: string; domain: string }): string | null;
export const WITNESSES_MAX: 16;
export const WITNESS_NAME_BYTES_MAX: 128;
export const WITNESS_URL_BYTES_MAX: 256;
/** A C2SP key name: 1..=128 printable ASCII bytes without spaces or `+`. */
export function isWitnessName(name: string): boolean;
/** Governance's `WitnessPolicy` shape rules (`set_witnesses`): null when well formed, else why not. */
export function witnessPolicyProblem(policy: { witnesses: { name: string; key: Bytes; url: string }[]; quorum: number }): string | null;
/** Largest code `register_code` may carry (12,288 bytes), longest contract or function name (64), largest contract input (8,192). */
export const CONTRACT_CODE_BYTES_MAX: 12288;
export const CONTRACT_NAME_BYTES_MAX: 64;
export const CONTRACT_INPUT_BYTES_MAX: 8192;
/** Most fuel one contract call may use (a ledger rule; the convenience methods refuse more). */
export const CONTRACT_FUEL_MAX: bigint;
/** Highest VAT rate of invoicing conditions: 10,000 basis points. */
export const VAT_BASIS_POINTS_MAX: 10000;
/** A contract name or function name: 1..=64 bytes of [a-z0-9_-], starting with a letter. */
export function isContractName(name: unknown): boolean;
/** KYC tiers are 0..8: 0 is an account without a KYC record; a record's tier is 1..=7. */
export const KYC_TIERS: 8;
/** Senders an inflow window remembers; `distinct_senders_max` is at most 63. */
export const DISTINCT_SENDERS_TRACKED_MAX: 64;
/** Most commitments one `update_sanctions` adds, and removes, each. */
export const SANCTIONS_UPDATE_MAX: 256;
/** Rust `KycTerms::check`: null for a tier of 1..=7, else why not. */
export function kycTermsProblem(terms: { tier: number }): string | null;
/** Rust `MonitoringRules::check`, in its order: null when the rules are well formed, else the first problem. */
export function monitoringRulesProblem(rules: MonitoringRulesValue): string | null;

// ---- issuer identity (docs/evidence-format.md §6a) ----
/** An IssuerProfile value (the model `attest_issuer` and `GovAction` `attest_issuer` carry). */
export interface IssuerProfileValue {
  name: string;
  domain: string;
  x509_sha256: Bytes | null;
  well_known_sha256: Bytes;
}
export const WELL_KNOWN_PATH: "/.well-known/vellum-issuer.json";
export const WELL_KNOWN_VERSION: 1;
export const WELL_KNOWN_BYTES_MAX: number;
/** The document an issuer publishes for `account` on a chain (as `vellum issuer well-known` writes it). */
export function wellKnownDocument(o: { name: string; chainId: string; genesisHash: BytesLike; account: BytesLike }): string;
/** Throws a VellumError unless the document names `name` and lists `account` on this chain; returns it parsed. */
export function checkWellKnown(
  document: Bytes | string,
  o: { name: string; chainId: string; genesisHash: BytesLike; account: BytesLike },
): { vellum_issuer: 1; name: string; accounts: { chain_id: string; genesis_hash: Hex; account: Hex }[] };
/** Fetches `https://DOMAIN/.well-known/vellum-issuer.json` (or `url`, https only). */
export function fetchWellKnown(domain: string, o?: { url?: string | null; fetch?: typeof fetch }): Promise<{ bytes: Bytes; url: string }>;
/** An IssuerProfile value from camelCase or JSON-form fields, its shape checked (DecodeError `invalid`). */
export function issuerProfile(p: {
  name: string;
  domain: string;
  x509Sha256?: BytesLike | null;
  x509_sha256?: BytesLike | null;
  wellKnownSha256?: BytesLike;
  well_known_sha256?: BytesLike;
}): IssuerProfileValue;
/** SHA-256 of a well-known document, as an attestation records it. */
export function wellKnownSha256(document: Bytes | string): Bytes;

/** Schemas of every Rust type (TxBody, UnsignedTx, Transaction, Signature, Bundle, Receipt, …). */
export const schemas: Record<string, Schema> & { TxBody: Schema<TxBody> & { variants: [string, any][] } };

// ---- signed requests ----
export const HEADER_ACCOUNT: string;
export const HEADER_TIMESTAMP: string;
export const HEADER_NONCE: string;
export const HEADER_SIGNATURE: string;
export function requestSigningBytes(r: {
  chainId: string;
  account: Bytes;
  method: string;
  pathAndQuery: string;
  body?: Bytes;
  timestampMs: number | bigint;
  nonce: Bytes;
}): Bytes;
export function signedHeaders(
  key: SecretKey,
  r: { chainId: string; method: string; pathAndQuery: string; body?: Bytes; timestampMs?: number; nonce?: Bytes; account?: BytesLike | null },
): Record<string, string>;

// ---- client ----
export interface Answer {
  status: number;
  body: Bytes;
  readonly json: any;
}
export class Node {
  constructor(base: string, options?: { fetch?: typeof fetch });
  base: string;
  request(method: string, path: string, options?: { headers?: Record<string, string>; body?: Bytes | null; signal?: AbortSignal | null }): Promise<Answer>;
}
export type Project = (status: number, body: any) => any;
export function txKey(status: number, body: any): any;
export function wholeKey(status: number, body: any): any;
export function proofKey(status: number, body: any): any;
/** Comparison key of `/v1/account/{id}/reads`: the finalized reads, not the answering node's `pending` ones. */
export function readsKey(status: number, body: any): any;
export const REFUSED_EVERYWHERE: string[];
/** Batch answer codes that describe the validator, not the transaction (it goes to the next validator). */
export const CONDITIONS: string[];
/** Most transactions one `POST /v1/txs` carries (1,024). */
export const SUBMIT_BATCH_TXS_MAX: number;
/** Largest `POST /v1/txs` body, framing included (4 MiB). */
export const SUBMIT_BATCH_BYTES_MAX: number;
/**
 * The body of `POST /v1/txs`: u32 LE count, then per transaction u32 LE length ‖ wire bytes
 * (borsh `Vec<Vec<u8>>`). EncodeError for an empty batch, over 1,024 transactions, one over
 * 16,384 bytes, or a frame over 4 MiB.
 */
export function encodeBatchFrame(wires: Bytes[]): Bytes;
/**
 * The transactions' wire bytes of a batch frame, in order. DecodeError (`empty`, `too_large`,
 * `invalid`: count 0 or over 1,024, a length over 16,384; `malformed`: cut short, a length past
 * the end, trailing bytes).
 */
export function decodeBatchFrame(bytes: Bytes): Bytes[];
/** The bytes of a frame carrying transactions of these wire sizes. */
export function batchFrameSize(sizes: number[]): number;
/** Positions grouped into consecutive frames of at most 1,024 transactions and 4 MiB. */
export function splitIntoFrames(sizes: number[]): number[][];
/**
 * One transaction's outcome in `submitBatch`, in the order submitted: admitted (`node`: by
 * which validator), or not — `error` is a NodeError when every validator that answered refused
 * it, a NetworkError when none answered for it (resubmitting the same bytes is safe).
 */
export type BatchResult = { accepted: true; txHash: Hex; node: string } | { accepted: false; txHash: Hex; error: NodeError | NetworkError };
export interface Final {
  tx_hash: Hex;
  status: "finalized";
  height: number | bigint;
  index: number;
  log_index: number | bigint;
  tx: Transaction;
}
export class Pool {
  constructor(apis: string[], options?: { fetch?: typeof fetch; genesisHash?: Hex | null; chainId?: string | null });
  nodes: Node[];
  preferred: number;
  readonly faultsTolerated: number;
  readonly base: string;
  get(path: string): Promise<Answer>;
  getJson(path: string): Promise<any>;
  getSigned(path: string, key: SecretKey, options?: { account?: BytesLike | null }): Promise<Answer>;
  getSignedJson(path: string, key: SecretKey, options?: { account?: BytesLike | null }): Promise<any>;
  getSignedBytes(path: string, key: SecretKey, options?: { account?: BytesLike | null }): Promise<Bytes>;
  status(): Promise<any>;
  submit(tx: Transaction): Promise<{ accepted: true; txHash: Hex } | { accepted: false; error: NodeError }>;
  /**
   * `POST /v1/txs` in frames of at most 1,024 transactions: each transaction weighed as `submit`
   * weighs one; what a validator did not settle goes to the next in one batch. Throws (before
   * sending anything) for a transaction that cannot be encoded or breaks the shape rules.
   */
  submitBatch(txs: (Transaction | Bytes)[]): Promise<BatchResult[]>;
  waitFinal(tx: Transaction, options?: { timeoutMs?: number; verify?: boolean }): Promise<{ final: any } | { refused: NodeError }>;
  submitAndWait(tx: Transaction, options?: { timeoutMs?: number; verify?: boolean }): Promise<{ final: any } | { refused: NodeError }>;
  send(body: TxBody, options: { signers: SecretKey[]; sender?: BytesLike | null; nonce?: bigint; timeoutMs?: number; verify?: boolean; expiryBlocks?: bigint }): Promise<Final>;
  agreedGet(path: string, project?: Project): Promise<{ status: number; body: any; matching: number; answered: number }>;
  agreedSigned(path: string, key: SecretKey, project?: Project, options?: { account?: BytesLike | null }): Promise<{ status: number; body: any; matching: number; answered: number }>;
  verifiedJson(path: string, key: SecretKey, options?: { project?: Project; verify?: boolean; account?: BytesLike | null }): Promise<any>;
  /**
   * Asks every validator for `path`; `verify(bytes)` checks each 200 answer (throwing when
   * invalid) and returns what it proves with its `height`; the highest height wins. Rejects with
   * a NetworkError listing each validator's failure when no answer is valid.
   */
  freshest<T extends { height: bigint | number }>(path: string, verify: (bytes: Bytes) => T): Promise<{ bytes: Bytes; result: T; node: string; failures: string[] }>;
}
export function parseClientConfig(text: string): { chainId: string; genesisHash: Hex; api: string[]; keysDir: string | null };

// ---- events ----
export interface VellumEvent {
  event: "block" | "tx" | "payment" | "hold" | "proof" | "gap" | "lagged" | "reauth" | string;
  /** The block height, for `block`, `lagged` and `reauth`. */
  id: bigint | null;
  data: any;
  node: string;
}
export function followEvents(
  pool: Pool,
  options?: { key?: SecretKey | null; account?: BytesLike | null; after?: bigint | number | null; signal?: AbortSignal | null; reconnect?: boolean },
): AsyncGenerator<VellumEvent>;
export function parseSse(stream: ReadableStream<Uint8Array>, onChunk?: () => void): AsyncGenerator<{ event: string; id: string | null; data: string }>;

// ---- multi-party signing ----
export interface TxFile {
  vellum_tx: 1;
  chain_id: string;
  tx_id: Hex;
  unsigned: Hex;
  body: any;
  /** Informative: the sender's signer set as the builder read it. */
  signer_set?: { signers: { key: string; weight: number }[]; threshold: number };
  signatures: Hex[];
}
export const TX_FILE_VERSION: 1;
export function buildTxFile(unsigned: UnsignedTx, options?: { signerSet?: { signers: { key: string | PublicKey; weight: number }[]; threshold: number } | null }): TxFile;
export function readTxFile(input: string | TxFile): {
  file: TxFile;
  unsigned: UnsignedTx;
  signatures: Signature[];
  signers: PublicKey[];
  /** The file's signer set (keys as PublicKey), or null when it carries none. */
  signerSet: { signers: { key: PublicKey; weight: number }[]; threshold: number } | null;
};
export function signTxFile(input: string | TxFile, key: SecretKey): TxFile;
export function combineTxFiles(...inputs: (string | TxFile)[]): TxFile;
export function checkWeight(input: string | TxFile, signerSet?: { signers: { key: string | PublicKey; weight: number }[]; threshold: number } | null): number;
export function txFromFile(input: string | TxFile): Transaction;
export function txFileText(file: TxFile): string;
export function describeTx(unsigned: UnsignedTx): string;

// ---- offline verification ----
/**
 * The registrant's issuer identity as evidence proves it (§4 step 6d): `{ attested: false }`
 * (proven: none was ever attested), or the attestation — `revoked` set once a registrar or
 * compliance withdrew it. A result's `issuer` is null for a version-1 or -2 bundle (it carries none).
 */
export type IssuerIdentity =
  | { attested: false }
  | {
      attested: true;
      profile: { name: string; domain: string; x509Sha256: Hex | null; wellKnownSha256: Hex };
      /** The registrar account (or the council's, for an attestation by governance). */
      attestedBy: Hex;
      txId: Hex;
      height: bigint;
      timeMs: bigint;
      revoked: null | { by: Hex; reason: string; txId: Hex; height: bigint; timeMs: bigint };
    };
/** Where a proof stands (docs/evidence-format.md §2.5); `reason` is a reason code. */
export type ProofStatus =
  | { status: "live" }
  | { status: "revoked"; reason: string; tx_id: Bytes; height: bigint; time_ms: bigint }
  | { status: "superseded"; by: Bytes; tx_id: Bytes; height: bigint; time_ms: bigint }
  | { status: "suspended"; reason: string; tx_id: Bytes; height: bigint; time_ms: bigint };
export interface VerifiedBundle {
  genesisHash: Hex;
  chainId: string;
  checkpointPinned: boolean;
  record: any;
  proofId: Hex;
  registrant: Hex;
  signer: string;
  registeredDigest: Hex;
  memberIndex: number | null;
  /** `H(canonical("VELLUM:EVIDENCE-RECORD:", record))` (hex): what a status proof's entry must name. */
  recordHash: Hex;
  /** The status as of the bundle's header (a batch member's: the `effective` one). */
  status: ProofStatus;
  statusHeight: bigint;
  statusTimeMs: bigint;
  signers: number;
  validators: number;
  validatorSetChanges: number;
  /**
   * Blocks per epoch as the genesis commitment states it (layout 2; 2^64 − 1 for a single epoch):
   * step 3g checked every certified header's epoch against its height under it. Null: a layout-1
   * (older) genesis states none, and 3g was skipped.
   */
  epochLength: bigint | null;
  document: "matched" | "not_checked";
  /** The registrant's identity as of the bundle's header; null: a version-1 or -2 file carries none. */
  issuer: IssuerIdentity | null;
  /** The checkpoint witnesses cosigned (version 4), checked against the header; null: the file carries none. */
  witnessed: WitnessedLog | null;
  /** Under a witness policy, how many of its witnesses validly cosigned; null without a policy. */
  witnessCosignatures: number | null;
  trace: [string, Hex][];
}
export interface VerifiedReceipt {
  genesisHash: Hex;
  chainId: string;
  checkpointPinned: boolean;
  tx: Transaction;
  txId: Hex;
  txKind: string;
  sender: Hex;
  signers: string[];
  record: any;
  /** The payment record in its JSON form (u128 amounts as decimal strings). */
  recordJson: any;
  headerHeight: bigint;
  certificateSigners: number;
  validators: number;
  validatorSetChanges: number;
  /**
   * Blocks per epoch as the genesis commitment states it (layout 2; 2^64 − 1 for a single epoch):
   * step 3g checked every certified header's epoch against its height under it. Null: a layout-1
   * (older) genesis states none, and 3g was skipped.
   */
  epochLength: bigint | null;
  /** The checkpoint witnesses cosigned (version 3), checked against the header; null: the file carries none. */
  witnessed: WitnessedLog | null;
  /** Under a witness policy, how many of its witnesses validly cosigned; null without a policy. */
  witnessCosignatures: number | null;
}
/** An event a contract emitted (its log leaf follows the transaction that emitted it). */
export interface ContractEventRecord {
  tx_id: Bytes;
  height: bigint;
  contract: Bytes;
  /** Position among the transaction's events. */
  seq: number;
  data: Bytes;
}
/** Who consumed an invoice in a phase, in which transaction and block. */
export interface InvoiceSpend {
  by: Bytes;
  tx_id: Bytes;
  height: bigint;
}
/** The record an `IssueInvoice` appends after itself (phase B): the invoice as issued. */
export interface InvoiceRecordValue {
  tx_id: Bytes;
  height: bigint;
  time_ms: bigint;
  invoice: {
    id: Bytes;
    payment: Bytes;
    seller: Bytes;
    buyer: Bytes;
    tax_authority: Bytes;
    token: string;
    /** Gross amount paid (VAT included), in the token's base units. */
    amount: bigint;
    /** The VAT in `amount`. */
    vat: bigint;
    document_digest: Bytes;
    issued_height: bigint;
    reimbursed: InvoiceSpend | null;
    tax_cleared: InvoiceSpend | null;
  };
}
/** A leaf a transaction appended right after itself (Rust `Appended`), decoded. */
export type AppendedLeaf = { kind: "payment"; record: any } | { kind: "event"; record: ContractEventRecord } | { kind: "invoice"; record: InvoiceRecordValue };
/** What a verified transaction receipt (`VELLUMTR`, docs/evidence-format.md §5a) establishes. */
export interface VerifiedTxReceipt {
  genesisHash: Hex;
  chainId: string;
  checkpointPinned: boolean;
  tx: Transaction;
  txId: Hex;
  /** The body's `type`: `call_contract`, `instantiate_contract`, `issue_invoice`, … */
  txKind: string;
  sender: Hex;
  /** Keys whose signatures on the transaction verified (`scheme:hex`), in signature order. */
  signers: string[];
  /** The transaction's leaf index; leaf k of `appended` is at `txIndex + 1 + k`. */
  txIndex: bigint;
  /** The leaves after the transaction, in log order (decoded). */
  appended: AppendedLeaf[];
  /** The same in the JSON form the CLI prints and evidence.json states: `{ kind, record }`, u128 as decimal text, bytes as hex. */
  appendedJson: { kind: "payment" | "event" | "invoice"; record: any }[];
  headerHeight: bigint;
  certificateSigners: number;
  validators: number;
  validatorSetChanges: number;
  /**
   * Blocks per epoch as the genesis commitment states it (layout 2; 2^64 − 1 for a single epoch):
   * step 3g checked every certified header's epoch against its height under it. Null: a layout-1
   * (older) genesis states none, and 3g was skipped.
   */
  epochLength: bigint | null;
  /** The checkpoint witnesses cosigned, checked to cover every proven leaf; null: the file carries none. */
  witnessed: WitnessedLog | null;
  /** Under a witness policy, how many of its witnesses validly cosigned; null without a policy. */
  witnessCosignatures: number | null;
}
export interface VerifiedLogAnchor {
  genesisHash: Hex;
  chainId: string;
  size: bigint;
  root: Hex;
  height: bigint;
  timeMs: bigint;
  signers: number;
  validators: number;
  validatorSetChanges: number;
  /**
   * Blocks per epoch as the genesis commitment states it (layout 2; 2^64 − 1 for a single epoch):
   * step 3g checked every certified header's epoch against its height under it. Null: a layout-1
   * (older) genesis states none, and 3g was skipped.
   */
  epochLength: bigint | null;
}
/** What a verified status proof establishes: the status that applies as of `height`. */
export interface VerifiedStatus {
  genesisHash: Hex;
  chainId: string;
  checkpointPinned: boolean;
  proofId: Hex;
  memberIndex: number | null;
  registrant: Hex;
  recordHash: Hex;
  /** The registered digest, or a batch's root. */
  registeredDigest: Hex;
  /** Members of a batch (0 for a single registration). */
  count: number;
  status: ProofStatus;
  /** The certified header the status is proven at. */
  height: bigint;
  timeMs: bigint;
  signers: number;
  validators: number;
  validatorSetChanges: number;
  /**
   * Blocks per epoch as the genesis commitment states it (layout 2; 2^64 − 1 for a single epoch):
   * step 3g checked every certified header's epoch against its height under it. Null: a layout-1
   * (older) genesis states none, and 3g was skipped.
   */
  epochLength: bigint | null;
  /** The registrant's issuer identity as of `height`. */
  issuer: IssuerIdentity;
}
/** Step 9: the status when the bundle was made, and now. */
export interface StatusNow {
  then: ProofStatus;
  now: ProofStatus;
  nowHeight: bigint;
  nowTimeMs: bigint;
  changed: boolean;
  /** The registrant's issuer identity now (a withdrawn attestation shows as `revoked`). */
  issuerNow: IssuerIdentity;
}
/**
 * Verifies a bundle offline; throws a VerifyError naming the failing step. With `witnessPolicy`,
 * step 10 also requires k of its witnesses to have cosigned the file's witnessed checkpoint.
 */
export function verifyBundle(input: Bytes | any, options?: { genesisHash?: BytesLike | null; document?: Bytes | null; witnessPolicy?: WitnessPolicyInput | null }): VerifiedBundle;
/** Verifies a status proof (`VELLUMST`) offline; throws a VerifyError naming the failing step. */
export function verifyStatusProof(input: Bytes | any, options?: { genesisHash?: BytesLike | null }): VerifiedStatus;
/** Step 9 (9a–9d) on two verification results; throws a VerifyError at step `status`. */
export function statusNow(bundle: VerifiedBundle, status: VerifiedStatus): StatusNow;
/** A bundle and a status proof together: the status proof pinned to `genesisHash`, else to the bundle's genesis. */
export function verifyBundleWithStatus(
  bundle: Bytes | any,
  status: Bytes | any,
  options?: { genesisHash?: BytesLike | null; document?: Bytes | null; witnessPolicy?: WitnessPolicyInput | null },
): { bundle: VerifiedBundle; status: VerifiedStatus; now: StatusNow };
/** The status that applies to a batch member (registration final > member final > registration suspended > member). */
export function effectiveStatus(registration: ProofStatus, member?: ProofStatus | null): ProofStatus;
/** `LIVE`, `REVOKED since height 9 (reason: key_compromise)`, `SUPERSEDED since height 9 by <hex>`… */
export function statusLine(status: ProofStatus): string;
/**
 * "Example University (example.edu), attested by <account> at height 6" (then "— identity
 * attestation REVOKED at height H (reason: …)" when withdrawn), "no attested identity", or for
 * null "this file (an older format) carries no issuer identity".
 */
export function issuerLine(issuer: IssuerIdentity | null): string;
export function decodeStatusProof(bytes: Bytes): any;
export function encodeStatusProof(proof: any): Bytes;
export const BUNDLE_MAGIC: "VELLUMEV";
export const RECEIPT_MAGIC: "VELLUMRC";
export const LOG_ANCHOR_MAGIC: "VELLUMLA";
export const STATUS_PROOF_MAGIC: "VELLUMST";
export const TX_RECEIPT_MAGIC: "VELLUMTR";
/** Transaction receipts have one version, which carries every field. */
export const TX_RECEIPT_VERSION: 1;
/** Most leaves one transaction receipt proves after its transaction (at least one). */
export const TX_RECEIPT_LEAVES_MAX: 1024;
/**
 * File versions: 1 (no validator-set change), 2 (with changes), 3 (bundles: with the issuer
 * section; receipts: with the witnessed section), 4 (bundles: with the witnessed section).
 */
export const FILE_VERSION: 1;
export const FILE_VERSION_CHAINED: 2;
export const FILE_VERSION_ISSUER: 3;
export const FILE_VERSION_WITNESSED: 4;
export const RECEIPT_VERSION_WITNESSED: 3;
export function verifyReceipt(input: Bytes | any, options?: { genesisHash?: BytesLike | null; witnessPolicy?: WitnessPolicyInput | null }): VerifiedReceipt;
/**
 * Verifies a transaction receipt (`VELLUMTR`) offline, as the Rust `verify_tx_receipt` does: the
 * signed transaction at `tx_index`, each appended leaf (payment record, contract event, invoice)
 * at the indices after it and bound to it, the transaction's signatures, and a witnessed
 * checkpoint covering them all; throws a VerifyError naming the failing step. With
 * `witnessPolicy`, step 10 also requires k of its witnesses to have cosigned.
 */
export function verifyTxReceipt(input: Bytes | any, options?: { genesisHash?: BytesLike | null; witnessPolicy?: WitnessPolicyInput | null }): VerifiedTxReceipt;
export function decodeTxReceipt(bytes: Bytes): any;
export function encodeTxReceipt(receipt: any): Bytes;
/** The log leaf data of an appended leaf: `canonical(tag of its kind, record)`. */
export function appendedLeafBytes(appended: AppendedLeaf): Bytes;
export function verifyLogAnchor(input: Bytes | any, options: { genesisHash: BytesLike }): VerifiedLogAnchor;
export function verifyEvidence(
  bytes: Bytes,
  options?: { genesisHash?: BytesLike | null; document?: Bytes | null; witnessPolicy?: WitnessPolicyInput | null },
):
  | ({ kind: "bundle" } & VerifiedBundle)
  | ({ kind: "receipt" } & VerifiedReceipt)
  | ({ kind: "tx_receipt" } & VerifiedTxReceipt)
  | ({ kind: "log_anchor" } & VerifiedLogAnchor)
  | ({ kind: "status" } & VerifiedStatus);
export function decodeBundle(bytes: Bytes): any;
export function encodeBundle(bundle: any): Bytes;
export function decodeReceipt(bytes: Bytes): any;
export function encodeReceipt(receipt: any): Bytes;
export function decodeLogAnchor(bytes: Bytes): any;
export function fillMember(bundle: any, digests: Bytes[]): any;
export function openDocument(bundle: any, digest: Bytes, salt?: Bytes | null): any;
export function evidenceKind(bytes: Bytes): "bundle" | "receipt" | "tx_receipt" | "log_anchor" | "status" | null;
export function finalizeMessage(epoch: bigint, view: bigint, parentView: bigint, headerHash: Bytes): Bytes;
/**
 * A genesis commitment (docs/evidence-format.md §2.5) as decoded: layout 2 (`FF FF FF FF 02`, the
 * epoch length in the clear; what every chain writes now, and what is written when `layout` is
 * left out) or layout 1 (older files, no epoch length).
 */
export type GenesisCommitment = {
  chain_id: string;
  genesis_time_ms: bigint;
  params: { block_txs_max: number; block_bytes_max: number; block_time_future_skew_ms: bigint; block_time_past_skew_ms: bigint };
  /** Ed25519 consensus keys, sorted. */
  validators: Bytes[];
  details_hash: Bytes;
} & ({ layout: 2; /** Blocks per epoch; null: a single epoch. */ epoch_length_blocks: bigint | null } | { layout: 1 });
/** `H("VELLUM:GENESIS:" ‖ 0x01 ‖ the commitment's bytes)`, in the commitment's own layout. */
export function genesisHashOf(genesis: GenesisCommitment | any): Bytes;
/** Blocks per epoch a commitment states (Rust `epoch_length()`): layout 2: its length, 2^64 − 1 for none; layout 1: null. */
export function epochLengthOf(genesis: GenesisCommitment | any): bigint | null;
export function headerHashOf(header: any): Bytes;
export function validatorSetHashOf(keys: Bytes[]): Bytes;
export function quorum(n: number): number;

// ---- credentials (SD-JWT VCs registered on the ledger, docs/credentials.md) ----
/** A JSON value as read from a credential: integers beyond 2^53 are bigint. */
export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [name: string]: JsonValue };
/** One disclosure: `base64url(JSON [salt, name, value])` and its digest (as listed in `_sd`). */
export interface Disclosure {
  encoded: string;
  name: string;
  value: JsonValue;
  digest: string;
}
/** A credential as issued: the issuer-signed JWT (what the ledger registers) and every disclosure. */
export interface Credential {
  jwt: string;
  disclosures: Disclosure[];
  /** `jwt~d1~…~dn~`: what the holder keeps. */
  sdJwt: string;
}
export interface VerifiedPresentation {
  /** The issuer-signed JWT: its SHA-256 is the digest registered on the ledger. */
  issuerJwt: string;
  iss: string;
  vct: string;
  iat: number | bigint;
  /** The claims the holder disclosed (and only those), names in UTF-8 byte order. */
  disclosed: { [name: string]: JsonValue };
  /** How many claims the issuer signed (disclosed or not). */
  claimsSigned: number;
  holder: PublicKey;
  kbIat: number | bigint;
}
export interface VerifiedCredential extends VerifiedPresentation {
  valid: true;
  /** The registrant's identity: now (with a status proof), else as of the bundle; null for a version-1 or -2 bundle. */
  issuer: IssuerIdentity | null;
  registrant: Hex;
  /** The key that registered the JWT (and signed it): `ed25519:…` or `p256:…`. */
  signer: string;
  registeredHeight: bigint;
  registeredTimeMs: bigint;
  /** The status that applies: the status proof's when one was given, else the bundle's. */
  status: ProofStatus;
  statusHeight: bigint;
  /** Step 9 with the status proof, or null. */
  now: StatusNow | null;
  chainId: string;
  genesisHash: Hex;
  checkpointPinned: boolean;
  bundle: VerifiedBundle;
}
export const CREDENTIAL_BYTES_MAX: 65536;
export const DISCLOSURES_MAX: 64;
export const CLAIM_NAME_BYTES_MAX: 64;
export const SD_JWT_TYP: "dc+sd-jwt";
export const SD_JWT_TYP_LEGACY: "vc+sd-jwt";
export const KB_JWT_TYP: "kb+jwt";
export const DEFAULT_VCT: "urn:vellum:academic-certificate";
/**
 * Issues a credential (Rust `credential::issue`): every claim selectively disclosable, one salt
 * per claim (claims in UTF-8 name order), signed `EdDSA` or `ES256` by the issuer's account key.
 */
export function issueCredential(options: {
  issuer: SecretKey;
  holder: PublicKey | SecretKey | string;
  /** `vellum:<chain id>:<issuer account hex>` (credentialIss). */
  iss: string;
  vct?: string;
  /** Unix seconds; default now. */
  iat?: number | bigint;
  claims: { [name: string]: JsonValue } | Map<string, JsonValue>;
  /** 16 bytes per call; default fresh random. */
  salt?: () => Bytes;
}): Credential;
/** Reads `jwt~d1~…~dn~` (no key binding). */
export function parseCredential(sdJwt: string | Bytes): Credential;
/** The holder's presentation: the named disclosures and a key-binding JWT for `aud` and `nonce`. */
export function presentCredential(
  credential: Credential | { jwt: string; disclosures: Pick<Disclosure, "encoded" | "name">[] } | string | Bytes,
  options: { disclose?: string[]; holder: SecretKey; aud: string; nonce: string; iat?: number | bigint },
): string;
/**
 * Verifies a presentation under the issuer's key (Rust `verify_presentation`: the same checks,
 * limits and order); with `iss`, the payload's `iss` must be it. Throws a CredentialError.
 */
export function verifyPresentation(
  presentation: string | Bytes,
  issuerPublicKey: PublicKey | string | SecretKey,
  options: { aud: string; nonce: string; iss?: string | null },
): VerifiedPresentation;
/**
 * Verifies a presentation with its evidence bundle offline (docs/credentials.md §3 steps 1–6;
 * `vellum credential verify`): the bundle with the JWT as its document, the issuer signature
 * under the record's signer, `iss`, disclosures, key binding, status (a status proof's, if
 * given). Throws a CredentialError naming the step; a valid credential that is not live is
 * returned (check `status`).
 */
export function verifyCredential(
  presentation: string | Bytes,
  bundle: Bytes,
  options: { aud: string; nonce: string; genesisHash?: BytesLike | null; statusBytes?: Bytes | null; witnessPolicy?: WitnessPolicyInput | null },
): VerifiedCredential;
/** The issuer-signed JWT of a credential or presentation (the document the ledger registered). */
export function credentialJwt(presentation: string | Bytes): string;
/** `vellum:<chain id>:<account hex>`. */
export function credentialIss(chainId: string, accountId: BytesLike): string;
export function makeDisclosure(salt: Bytes, name: string, value: JsonValue): Disclosure;
export function disclosureDigest(encoded: string): string;
/** `EdDSA` (Ed25519), `ES256` (P-256), null (secp256k1). */
export function jwsAlg(key: PublicKey | SecretKey | string): "EdDSA" | "ES256" | null;
/** A JWS signature check (EdDSA with ZIP-215 rules; ES256 accepting either S). */
export function jwsVerify(key: PublicKey | SecretKey | string, alg: string, input: Bytes, signature: Bytes): boolean;
export function publicKeyToJwk(key: PublicKey | SecretKey | string): { crv: string; kty: string; x: string; y?: string } | null;
export function publicKeyFromJwk(jwk: unknown): PublicKey;
/** JSON text as serde_json writes a `Value` (compact, keys in UTF-8 byte order). */
export function jsonText(value: JsonValue | Map<string, JsonValue>): string;
export function base64url(bytes: Bytes): string;
/** Strict base64url without padding, or null. */
export function fromBase64url(text: string): Bytes | null;

// ---- use cases ----
export interface Manifest {
  proof_id: Hex;
  tx: Hex;
  schema: string;
  salted: boolean;
  batch: boolean;
  documents: { file: string; sha256: Hex; salt: Hex | null; leaf: Hex }[];
}
export interface Leg {
  to: BytesLike;
  token: string;
  /** Base units (bigint) or a decimal amount in the token's units ("12.50"). */
  amount: bigint | string;
  convertTo?: string | null;
}
/** `GET /v1/issuer/{account}`: an issuer's attested identity as the node reports it. */
export interface IssuerAttestationJson {
  issuer: Hex;
  profile: { name: string; domain: string; x509_sha256: Hex | null; well_known_sha256: Hex };
  attested_by: Hex;
  tx: Hex;
  height: number;
  time_ms: number;
  revoked: null | { by: Hex; reason: string; tx_id: Hex; height: number; time_ms: number };
}
type Signers = { key: SecretKey; signers?: null; sender?: null } | { key?: null; signers: SecretKey[]; sender?: BytesLike | null };
export function parseAmount(text: string, decimals: number): bigint;
/** Fuel a contract instantiation or call is given by default (5,000,000, the CLI's). */
export const DEFAULT_CONTRACT_FUEL: bigint;
/** Options of `kycTerms` (camelCase; the snake_case spelling is taken too). */
export type KycTermsInput = { tier: number; expiresMs?: bigint | number | string; expires_ms?: bigint | number | string; screening?: BytesLike | null };
/** `KycTerms` for `openAccount`'s `kyc` and `setKyc`, checked (DecodeError `invalid` for a tier outside 1..=7). */
export function kycTerms(terms: KycTermsInput): { tier: number; expires_ms: bigint; screening: Bytes | null };
/** `MonitoringRules` for a `set_monitoring` proposal from camelCase (or snake_case) options, checked as Rust's `MonitoringRules::check`. */
export function monitoringRules(options: {
  holdTimeoutMs: bigint | number | string;
  largeAmount?: bigint | number | string;
  windowMs?: bigint | number | string;
  windowAmountMax?: bigint | number | string;
  windowCountMax?: number;
  structuringFloorBps?: number;
  structuringCount?: number;
  inflowAmountMax?: bigint | number | string;
  inflowCountMax?: number;
  distinctSendersMax?: number;
  tierLimits?: { tier: number; legAmountMax?: bigint | number | string; windowAmountMax?: bigint | number | string }[];
  [snakeCase: string]: any;
}): MonitoringRulesValue;
/** The `update_sanctions` governance action (GovAction 20), checked: not both lists empty, at most 256 each, none twice. */
export function sanctionsUpdate(o: { add?: BytesLike[]; remove?: BytesLike[] }): UpdateSanctionsAction;
/** The `set_key_expiry` body (TxBody 38) for a signer key (PublicKey, `scheme:hex` or SecretKey); `expiresMs` 0 lifts the expiry. */
export function keyExpiry(signerKey: PublicKey | SecretKey | string, expiresMs: bigint | number | string): SetKeyExpiryBody & { key: PublicKey; expires_ms: bigint };
export function formatAmount(amount: bigint, decimals: number): string;
export class Vellum {
  constructor(options: { apis: string[]; genesisHash?: Hex | null; chainId?: string | null; fetch?: typeof fetch; verify?: boolean });
  static fromClientConfig(clientToml: string, options?: { fetch?: typeof fetch; verify?: boolean }): Vellum;
  pool: Pool;
  genesisHash: Hex | null;
  status(): Promise<any>;
  send(body: TxBody, options: { key?: SecretKey | null; signers?: SecretKey[] | null; sender?: BytesLike | null; timeoutMs?: number }): Promise<Final>;
  /** Submits many signed transactions (or their wire bytes) at once, without waiting: `Pool.submitBatch`. */
  submitBatch(txs: (Transaction | Bytes)[]): Promise<BatchResult[]>;
  /** `kyc`: the account's KYC record (`kycTerms` options: tier 1..=7, expiry, screening commitment). */
  openAccount(o: { registrar: SecretKey; publicKey: PublicKey | string; identityRecord: Bytes | string; label?: string; role?: string; subledger?: string | null; kyc?: KycTermsInput | null }): Promise<{ accountId: Hex; kycSalt: Hex; kycCommitment: Hex; tx: Final }>;
  /** Registrar: (re-)verifies an account's identity (`set_kyc`); the terms replace its KYC record. */
  setKyc(o: Signers & { account: BytesLike; terms: KycTermsInput }): Promise<Final>;
  account(accountId: BytesLike, o: { key: SecretKey; account?: BytesLike | null }): Promise<any>;
  /** Who read the account's data (`GET /v1/account/{id}/reads`, signed; agreed on `finalized`). */
  reads(accountId: BytesLike, o: { key: SecretKey; account?: BytesLike | null }): Promise<AccountReads>;
  /** The account sets (or, with 0, lifts) the block time from which its signer key `signerKey` stops signing (`set_key_expiry`). */
  setKeyExpiry(o: Signers & { signerKey: PublicKey | SecretKey | string; expiresMs: bigint | number | string }): Promise<Final>;
  setAccountStatus(o: { key: SecretKey; account: BytesLike; status: "active" | "frozen" | "revoked"; reason: string }): Promise<Final>;
  setSigners(o: { signers: SecretKey[]; sender?: BytesLike | null; set: { signers: { key: PublicKey | string; weight?: number }[]; threshold: number } }): Promise<Final>;
  registerDocument(o: { key: SecretKey; document?: Bytes | null; digest?: BytesLike | null; name?: string; salted?: boolean; metadata?: Bytes | string | null; schema?: string }): Promise<{ proofId: Hex; manifest: Manifest; tx: Final }>;
  registerBatch(o: { key: SecretKey; documents: { name: string; bytes?: Bytes; digest?: BytesLike }[]; salted?: boolean; metadata?: Bytes | string | null; schema?: string }): Promise<{ proofId: Hex; manifest: Manifest; tx: Final }>;
  /** `reason` is a reason code ("issued_in_error"); free text is refused (DecodeError `invalid`) before signing. */
  revokeProof(o: { key: SecretKey; proofId: BytesLike; member?: number | bigint | null; reason: string }): Promise<Final>;
  suspendProof(o: { key: SecretKey; proofId: BytesLike; member?: number | bigint | null; reason: string }): Promise<Final>;
  reinstateProof(o: { key: SecretKey; proofId: BytesLike; member?: number | bigint | null }): Promise<Final>;
  supersedeProof(o: { key: SecretKey; proofId: BytesLike; by: BytesLike }): Promise<Final>;
  /** Compliance: revokes every registration `issuer` made from `fromHeight` on; send again while not `complete`. */
  revokeIssuer(o: { key: SecretKey; issuer: BytesLike; fromHeight: bigint | number; reason: string }): Promise<Final>;
  /** `GET /v1/issuer/{account}/revocation`, or null when the issuer was never revoked. */
  issuerRevocation(issuer: BytesLike): Promise<{ issuer: Hex; from_height: number; reason: string; actor: Hex; tx: Hex; height: number; time_ms: number; revoked: number; complete: boolean } | null>;
  /**
   * The freshest valid status proof any validator gives (no key needed), verified against the
   * pinned genesis; with `bundle`, combined with it (step 9) as `now`.
   */
  fetchStatus(o: { proofId?: BytesLike | null; member?: number | bigint | null; bundle?: VerifiedBundle | null }): Promise<{ bytes: Bytes; result: VerifiedStatus; now: StatusNow | null; failures: string[] }>;
  proof(proofId: BytesLike, o: { key: SecretKey }): Promise<any>;
  /**
   * A bundle (registrant, auditor or holder), completed from the manifest, or without one by
   * `proofId` and `member` (a holder: the node fills in the member's digest and path when the
   * batch's members are stored on the network), opened with `document` (and `salt`), verified.
   */
  fetchBundle(o: {
    key: SecretKey;
    manifest?: Manifest | null;
    index?: number;
    proofId?: BytesLike | null;
    member?: number | bigint | null;
    document?: Bytes | null;
    salt?: BytesLike | null;
    /** Step 10 under this policy (the bundle must then be witnessed: version 4). */
    witnessPolicy?: WitnessPolicyInput | null;
  }): Promise<{ bytes: Bytes; result: VerifiedBundle }>;
  /** Registrations and batch members registered with `digest` that the caller may read (signed, audited). */
  proofsByDigest(digest: BytesLike, o: { key: SecretKey; account?: BytesLike | null }): Promise<{ digest: Hex; proofs: Hex[]; members: { proof_id: Hex; member: number }[] }>;
  /**
   * Hands a batch's member digests (registered digests, never salts) and holders to the network,
   * in order from member `from` (0), in chunks of at most 200 (`first` = the chunk's first index).
   */
  storeBatchMembers(o: {
    key: SecretKey;
    proofId?: BytesLike | null;
    manifest?: Manifest | null;
    members?: { digest: BytesLike; holder?: BytesLike | null }[] | null;
    holders?: (BytesLike | null)[] | null;
    from?: number;
  }): Promise<Final[]>;
  /** Names 1..=16 holders of the registration (`member` null) or of one member. */
  addHolders(o: { key: SecretKey; proofId: BytesLike; member?: number | bigint | null; holders: BytesLike[] }): Promise<Final>;
  /** The registrant deletes the stored original of the registration (`member` 0, the default) or of one member, on every validator (`delete_original`). */
  deleteOriginal(o: { key: SecretKey; proofId: BytesLike; member?: number | bigint | null }): Promise<Final>;
  /**
   * Registrar: checks the issuer's well-known document (`wellKnown`, else fetched over HTTPS from
   * `wellKnownUrl` or https://DOMAIN/.well-known/vellum-issuer.json) and attests the identity.
   */
  attestIssuer(o: {
    key: SecretKey;
    issuer: BytesLike;
    name: string;
    domain: string;
    x509Sha256?: BytesLike | null;
    wellKnown?: Bytes | string | null;
    wellKnownUrl?: string | null;
  }): Promise<{ tx: Final; profile: IssuerProfileValue; wellKnownUrl: string | null }>;
  /** Registrar or compliance: withdraws an attestation; `reason` is a reason code ("affiliation_changed"). */
  revokeAttestation(o: { key: SecretKey; issuer: BytesLike; reason: string }): Promise<Final>;
  /** `GET /v1/issuer/{account}` agreed by f + 1 validators, or null when no identity was attested. */
  issuerAttestation(account: BytesLike): Promise<IssuerAttestationJson | null>;
  /** Re-checks an attestation against the issuer's document now (`vellum issuer check`). */
  checkIssuer(
    account: BytesLike,
    o?: { wellKnown?: Bytes | string | null; wellKnownUrl?: string | null },
  ): Promise<{
    issuer: Hex;
    name: string;
    domain: string;
    wellKnownUrl: string | null;
    stillListed: boolean;
    documentUnchanged: boolean;
    attestationRevoked: boolean;
    problem: string | null;
    attestation: IssuerAttestationJson;
  }>;
  token(symbol: string, o: { key: SecretKey }): Promise<any>;
  rate(from: string, to: string): Promise<any>;
  transfer(o: Signers & { legs: Leg[]; reference?: BytesLike | null }): Promise<{ tx: Final; payment: any }>;
  payment(txHash: BytesLike, o: { key: SecretKey; account?: BytesLike | null }): Promise<any>;
  fetchReceipt(txHash: BytesLike, o: { key: SecretKey; account?: BytesLike | null; witnessPolicy?: WitnessPolicyInput | null }): Promise<{ bytes: Bytes; result: VerifiedReceipt }>;
  holds(o: { key: SecretKey; pending?: boolean; limit?: number }): Promise<any>;
  decideHold(o: { key: SecretKey; hold: bigint | number; post: boolean; reason: string }): Promise<Final>;
  /**
   * Instantiates approved code into a new contract account (its `init`, if any, runs with
   * `input`); resolves to the final status and the new account's id (`contractIdOf`, hex).
   * `fuel`: a bigint or safe integer, 1..=50,000,000 (default 5,000,000).
   */
  instantiateContract(o: Signers & { codeDigest: BytesLike; input?: BytesLike; fuel?: bigint | number | string }): Promise<{ tx: Final; contractId: Hex }>;
  /** Calls `function` of `contract` with `input` (≤ 8,192 bytes) under `fuel`. */
  callContract(o: Signers & { contract: BytesLike; function: string; input?: BytesLike; fuel?: bigint | number | string }): Promise<Final>;
  /** `GET /v1/contract/{id}` (public): the instance, its code's approval record, whether it is callable. */
  contract(contractId: BytesLike): Promise<any>;
  /** `GET /v1/tx/{hash}/contract` (signed): output, fuel used, payment records and events with their log indices. */
  contractResult(txHash: BytesLike, o: { key: SecretKey; account?: BytesLike | null }): Promise<any>;
  /** The seller's invoicing conditions: its tax authority, token and VAT rate (0..=10,000 basis points). */
  setInvoicing(o: Signers & { taxAuthority: BytesLike; token: string; vatBasisPoints: number | bigint }): Promise<Final>;
  /** Phase B (the seller's tax authority): the invoice of an invoiceable payment, for `document` (hashed here) or its `documentDigest`. */
  issueInvoice(o: Signers & { payment: BytesLike; document?: Bytes | string | null; documentDigest?: BytesLike | null }): Promise<{ tx: Final; invoiceId: Hex }>;
  /** Phase C (anyone but the buyer): pays the invoice's buyer its gross amount, once. */
  reimburseInvoice(o: Signers & { invoice: BytesLike }): Promise<Final>;
  /** Phase D (the seller): pays the invoice's VAT to the tax authority, once. */
  clearInvoiceTax(o: Signers & { invoice: BytesLike }): Promise<Final>;
  /** `GET /v1/invoicing/{seller}` (public). */
  invoicing(seller: BytesLike): Promise<any>;
  /** `GET /v1/invoice/{id}` (signed: its seller, buyer, tax authority, reimburser, auditors, compliance). */
  invoice(invoiceId: BytesLike, o: { key: SecretKey; account?: BytesLike | null }): Promise<any>;
  setGuardians(o: Signers & { guardians: BytesLike[]; threshold: number; delayBlocks: bigint | number }): Promise<Final>;
  proposeRecovery(o: { key: SecretKey; account: BytesLike; set: { signers: { key: PublicKey | string; weight?: number }[]; threshold: number } }): Promise<Final>;
  cancelRecovery(o: Signers): Promise<Final>;
  executeRecovery(o: { key: SecretKey; account: BytesLike }): Promise<Final>;
  propose(o: { signers: SecretKey[]; sender?: BytesLike | null; action: { action: string; [field: string]: any }; deadlineBlocks?: bigint | number }): Promise<{ tx: Final; proposal: any }>;
  /** A council member proposes changing the sanctions list (`sanctionsUpdate`). */
  updateSanctions(o: { signers: SecretKey[]; sender?: BytesLike | null; add?: BytesLike[]; remove?: BytesLike[]; deadlineBlocks?: bigint | number }): Promise<{ tx: Final; proposal: any }>;
  vote(o: Signers & { proposal: bigint | number }): Promise<Final>;
  proposalOf(tx: Final, kind: string): Promise<any>;
  prepare(body: TxBody, o: { sender: BytesLike; key: SecretKey; nonce?: bigint | null; expiryBlocks?: bigint }): Promise<TxFile>;
  submitTxFile(file: string | TxFile, o?: { key?: SecretKey | null }): Promise<Final>;
  events(options?: { key?: SecretKey | null; account?: BytesLike | null; after?: bigint | number | null; signal?: AbortSignal | null; reconnect?: boolean }): AsyncGenerator<VellumEvent>;
}

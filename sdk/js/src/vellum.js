// The use cases in a few calls each: open an account, register documents (one, or a salted
// batch with its manifest) and fetch + verify their evidence bundles, suspend, reinstate,
// revoke or supersede, hand a batch's members to the network and name their holders, fetch the
// freshest verified status proof (anyone, no key), revoke a stolen issuer key's registrations
// (compliance), attest, show, re-check and revoke an issuer's identity (registrar), pay
// (multi-leg, conversion, reference) and fetch + verify the receipt, instantiate and call
// contracts, e-invoices (conditions, issue, reimburse, clear the VAT), account status and hold
// decisions, guardian recovery, governance proposals and votes, multi-party signing, and events.
// Everything goes through one Pool (docs/client.md: failover, resubmission, gap-free nonces,
// verified reads, freshest answers).

import { DecodeError, EncodeError, VellumError } from "./errors.js";
import { fromHex, isBytes, randomBytes, toHex, utf8 } from "./bytes.js";
import { GovAction, KycTerms, MonitoringRules, PublicKey, TxBody } from "./types.js";
import { asU64, encode } from "./encoding.js";
import { batchRoot, contractIdOf, invoiceIdOf, kycCommitment, proofIdOf, saltedDigest, sha256 } from "./hash.js";
import { EXPIRY_BLOCKS, Pool, nodeError, parseClientConfig, proofKey, readsKey, wholeKey } from "./client.js";
import { followEvents } from "./events.js";
import { BATCH_MEMBERS_PER_TX_MAX, CONTRACT_FUEL_MAX, SCHEMA_WHOLE_FILE, checkBodyShape, kycTermsProblem, monitoringRulesProblem } from "./tx.js";
import { checkWellKnown, fetchWellKnown, issuerProfile, wellKnownSha256 } from "./issuer.js";
import { buildTxFile, checkWeight, txFromFile } from "./multisig.js";
import { decodeBundle, encodeBundle, fillMember, openDocument, statusNow, verifyBundle, verifyReceipt, verifyStatusProof } from "./verify.js";

/** Blocks a governance proposal stays open for votes (the CLI's default). */
export const PROPOSAL_DEADLINE_BLOCKS = 100_000n;
/** Fuel a contract instantiation or call is given unless `fuel` says otherwise (the CLI's default). */
export const DEFAULT_CONTRACT_FUEL = 5_000_000n;
const KYC_SALT_BYTES = 32;
const DOCUMENT_SALT_BYTES = 32;

/** Base units of a decimal amount (`"123.45"`, 4 decimals → 1234500n), refusing excess precision. */
export function parseAmount(text, decimals) {
  const m = /^([0-9]+)(?:\.([0-9]+))?$/.exec(String(text));
  if (!m || (m[2] ?? "").length > decimals) throw new VellumError(`\`${text}\` is not an amount with at most ${decimals} decimals`);
  const value = BigInt(m[1]) * 10n ** BigInt(decimals) + BigInt((m[2] ?? "").padEnd(decimals, "0") || "0");
  if (value >= 1n << 128n) throw new VellumError("amount overflows u128");
  return value;
}

/** A base-unit amount with the token's decimals (`1234500n`, 4 → `"123.45"`). */
export function formatAmount(amount, decimals) {
  const unit = 10n ** BigInt(decimals);
  const frac = (BigInt(amount) % unit).toString().padStart(decimals, "0").replace(/0+$/, "");
  const whole = (BigInt(amount) / unit).toString();
  return frac ? `${whole}.${frac}` : whole;
}

const bytes32 = (v, what) => (isBytes(v) ? v : fromHex(v, 32, what));
const hex32 = (v, what) => toHex(bytes32(v, what));
/** The first of a camelCase or snake_case option that is given. */
const given = (o, camel, snake, fallback) => o[camel] ?? o[snake] ?? fallback;
/** A value checked by its schema (an EncodeError naming the field), then by its shape rule (DecodeError `invalid`). */
function checked(schema, value, problem) {
  encode(schema, value);
  const p = problem(value);
  if (p !== null) throw new DecodeError("invalid", p);
  return value;
}

/**
 * `KycTerms` (wire-format §6.4.11) for `openAccount`'s `kyc` and `setKyc`: the identity check's
 * `tier` (1..=7; monitoring limits are set per tier), the block time in ms from which it is
 * stale (`expiresMs`, 0 = never: a stale account still receives but no longer sends) and the
 * identity's `screening` commitment (`screeningCommitment`; null = not screened). Takes the
 * snake_case spelling too (`expires_ms`). Checked: DecodeError `invalid` for a tier outside 1..=7.
 */
export function kycTerms(terms) {
  const screening = terms.screening ?? null;
  const value = {
    tier: Number(terms.tier),
    expires_ms: asU64(given(terms, "expiresMs", "expires_ms", 0n), "expiresMs"),
    screening: screening === null ? null : bytes32(screening, "screening"),
  };
  return checked(KycTerms, value, kycTermsProblem);
}

/** A u128 option: a bigint, a safe-integer number or decimal digits (the schema refuses anything else). */
function u128Of(v, what) {
  if (typeof v === "string" && /^(0|[1-9][0-9]*)$/.test(v)) return BigInt(v);
  if (typeof v === "number" && Number.isInteger(v) && !Number.isSafeInteger(v)) throw new EncodeError(what, `${v} is beyond 2^53 − 1: pass a bigint or decimal digits`);
  return v;
}

/**
 * `MonitoringRules` (wire-format §6.4.8) for a `set_monitoring` proposal, from camelCase (or
 * snake_case) options; a zero turns a rule off, `version` is the ledger's (0 is sent). `tierLimits`:
 * `[{ tier, legAmountMax, windowAmountMax }]`, strictly ascending by tier (0..=7). Checked as Rust's
 * `MonitoringRules::check` (DecodeError `invalid`): window rules — inflow rules and tier window
 * limits too — need `windowMs` > 0; `distinctSendersMax` ≤ 63; at most 8 tier limits.
 */
export function monitoringRules(o) {
  const value = {
    large_amount: u128Of(given(o, "largeAmount", "large_amount", 0n), "largeAmount"),
    window_ms: asU64(given(o, "windowMs", "window_ms", 0n), "windowMs"),
    window_amount_max: u128Of(given(o, "windowAmountMax", "window_amount_max", 0n), "windowAmountMax"),
    window_count_max: Number(given(o, "windowCountMax", "window_count_max", 0)),
    structuring_floor_bps: Number(given(o, "structuringFloorBps", "structuring_floor_bps", 0)),
    structuring_count: Number(given(o, "structuringCount", "structuring_count", 0)),
    hold_timeout_ms: asU64(given(o, "holdTimeoutMs", "hold_timeout_ms", 0n), "holdTimeoutMs"),
    inflow_amount_max: u128Of(given(o, "inflowAmountMax", "inflow_amount_max", 0n), "inflowAmountMax"),
    inflow_count_max: Number(given(o, "inflowCountMax", "inflow_count_max", 0)),
    distinct_senders_max: Number(given(o, "distinctSendersMax", "distinct_senders_max", 0)),
    tier_limits: given(o, "tierLimits", "tier_limits", []).map((t) => ({
      tier: Number(t.tier),
      leg_amount_max: u128Of(given(t, "legAmountMax", "leg_amount_max", 0n), "legAmountMax"),
      window_amount_max: u128Of(given(t, "windowAmountMax", "window_amount_max", 0n), "tierLimits.windowAmountMax"),
    })),
    version: 0n,
  };
  return checked(MonitoringRules, value, monitoringRulesProblem);
}

/**
 * The governance action changing the sanctions list (`GovAction` `update_sanctions`, 20): the
 * screening commitments (`screeningCommitment`) to `add` and to `remove` — not both empty, at most
 * 256 each, none twice. Propose it with `Vellum.propose` (or `Vellum.updateSanctions`).
 */
export function sanctionsUpdate({ add = [], remove = [] }) {
  const action = { action: "update_sanctions", add: add.map((h) => bytes32(h, "add")), remove: remove.map((h) => bytes32(h, "remove")) };
  encode(GovAction, action);
  checkBodyShape({ type: "propose", action, deadline_height: 0n });
  return action;
}

/**
 * The `set_key_expiry` body (TxBody 38): the account's signer key `signerKey` (a PublicKey, its
 * `scheme:hex` text, or a SecretKey) stops signing at block time `expiresMs` (a bigint, safe
 * integer or decimal digits; 0 lifts the expiry). Checked by the schema (EncodeError naming the field).
 */
export function keyExpiry(signerKey, expiresMs) {
  const key = PublicKey.parse(signerKey?.publicKey instanceof PublicKey ? signerKey.publicKey : signerKey);
  const body = { type: "set_key_expiry", key, expires_ms: asU64(expiresMs, "expiresMs") };
  encode(TxBody, body);
  checkBodyShape(body);
  return body;
}

/** A batch member index (u32, a number or bigint) or null. */
function memberIndex(given) {
  if (given === null || given === undefined) return null;
  const member = typeof given === "bigint" ? Number(given) : given;
  if (!Number.isInteger(member) || member < 0 || member > 0xffff_ffff) throw new EncodeError("member", `expected a member index in 0..=4294967295, got ${String(given)}`);
  return member;
}

export class Vellum {
  /**
   * `apis`: every validator's API address; `genesisHash`: the pinned chain (hex); `verify`:
   * reads users act on agreed by f + 1 validators (default on).
   */
  constructor({ apis, genesisHash = null, chainId = null, fetch = globalThis.fetch, verify = true }) {
    this.pool = new Pool(apis, { fetch, genesisHash, chainId });
    this.genesisHash = genesisHash;
    this.verify = verify;
  }

  /** A client for the chain a `client.toml` (written by `vellum devnet up`) describes. */
  static fromClientConfig(text, options = {}) {
    const cfg = parseClientConfig(text);
    return new Vellum({ apis: cfg.api, genesisHash: cfg.genesisHash, chainId: cfg.chainId, ...options });
  }

  status() {
    return this.pool.status();
  }

  /**
   * Signs `body` (a TxBody value) with `key` (or every key of `signers`, for `sender`), submits
   * it and waits for finality: the final status with `tx_hash`, `height` and the signed `tx`.
   * A body that cannot be encoded (EncodeError) or breaks the shape rules (DecodeError
   * `invalid`, e.g. a free-text reason) is refused before anything is signed or sent.
   */
  async send(body, { key = null, signers = null, sender = null, timeoutMs } = {}) {
    encode(TxBody, body);
    checkBodyShape(body);
    const keys = signers ?? (key ? [key] : []);
    return this.pool.send(body, { signers: keys, sender, timeoutMs, verify: this.verify });
  }

  /**
   * Submits many signed transactions (or their wire bytes) at once — `POST /v1/txs`, frames of
   * at most 1,024 — without waiting for finality: `Pool.submitBatch`, one result per transaction
   * in order (`{ accepted, txHash, node }` or `{ accepted: false, txHash, error }`, a NodeError
   * when every validator refused it, a NetworkError when none answered for it).
   */
  submitBatch(txs) {
    return this.pool.submitBatch(txs);
  }

  // ---- Accounts ----

  /**
   * A registrar opens an account for `publicKey` after checking `identityRecord` off-ledger;
   * only a salted commitment goes on the ledger. Keep the returned `kycSalt` with the record.
   */
  async openAccount({ registrar, publicKey, identityRecord, label = "user", role = "user", subledger = null, kyc = null }) {
    const key = PublicKey.parse(publicKey);
    const salt = randomBytes(KYC_SALT_BYTES);
    const record = typeof identityRecord === "string" ? utf8(identityRecord) : identityRecord;
    const commitment = kycCommitment(salt, record);
    const tx = await this.send(
      { type: "open_account", public_key: key, kyc_commitment: commitment, label, role, subledger, kyc: kyc === null ? null : kycTerms(kyc) },
      { key: registrar },
    );
    return { accountId: toHex(key.accountId()), kycSalt: toHex(salt), kycCommitment: toHex(commitment), tx };
  }

  /**
   * A registrar (re-)verifies an account's identity (`set_kyc`): `terms` (`kycTerms`, or its
   * options) replace the account's KYC record — terms left out (an expiry, a screening
   * commitment) are gone. The account must have been opened with a KYC commitment.
   */
  async setKyc({ key = null, signers = null, sender = null, account, terms }) {
    return this.send({ type: "set_kyc", account: bytes32(account, "account"), terms: kycTerms(terms) }, { key, signers, sender });
  }

  /** An account, its balances, guardians and purpose keys (a signed read, agreed by f + 1 validators). */
  account(accountId, { key, account = null }) {
    return this.pool.verifiedJson(`/v1/account/${hex32(accountId, "account id")}`, key, { project: wholeKey, verify: this.verify, account });
  }

  /** Freeze, unfreeze or revoke an account (compliance; revocation also a registrar). */
  setAccountStatus({ key, account, status, reason }) {
    return this.send({ type: "set_account_status", account: bytes32(account, "account"), status, reason }, { key });
  }

  /**
   * Who read the account's data (`GET /v1/account/{id}/reads`, a signed read by whoever may read
   * the account; it is recorded too): `{ account, finalized: [{ record, node, tx_id, height }],
   * pending: [record] }`, each record a `ReadRecord` (`owner`, `action`, `item`, `reader`,
   * `allowed`, `time_ms`). `finalized` is on the ledger (agreed by f + 1 validators); `pending`
   * is what the answering node recorded but has not finalized yet (its own).
   */
  reads(accountId, { key, account = null }) {
    return this.pool.verifiedJson(`/v1/account/${hex32(accountId, "account id")}/reads`, key, { project: readsKey, verify: this.verify, account });
  }

  /**
   * The account sets the block time (ms) from which its signer key `signerKey` stops signing
   * (`set_key_expiry`, X.1405 8.7.1; `expiresMs` 0 lifts the expiry): its signatures are refused
   * from then on (`key_expired`), so rotate it before (`setSigners`, or guardian recovery). A key
   * that is not one of the sender's signer keys is refused by the ledger (`not_a_signer`).
   */
  async setKeyExpiry({ key = null, signers = null, sender = null, signerKey, expiresMs }) {
    return this.send(keyExpiry(signerKey, expiresMs), { key, signers, sender });
  }

  /** Replaces the account's signer set (`[{ key, weight }]`, threshold); signed to the current threshold. */
  setSigners({ signers, sender = null, set }) {
    return this.send({ type: "set_signers", set: normalizeSignerSet(set) }, { signers, sender });
  }

  // ---- Integrity proofs ----

  /**
   * Registers one document (`document` bytes, or its SHA-256 as `digest`) as `key`'s
   * registration; `salted` registers a salted commitment instead (for guessable documents).
   * Returns the proof id, the final status and the manifest (keep it: salt and digest).
   */
  async registerDocument({ key, document = null, digest = null, name = "document", salted = false, metadata = null, schema = SCHEMA_WHOLE_FILE }) {
    const docs = manifestDocuments([{ name, bytes: document, digest }], salted);
    const body = { type: "register_proof", digest: fromHex(docs[0].leaf), schema, metadata_digest: metadataDigest(metadata), salted };
    return this.#registration(key, body, docs, { salted, batch: false, schema });
  }

  /**
   * Registers several documents as one batch (RFC 6962 root over their registered digests,
   * salted or not); `documents` is `[{ name, bytes } | { name, digest }]`. The manifest lists
   * each document's digest, salt and leaf in batch order: a member's bundle needs it.
   */
  async registerBatch({ key, documents, salted = false, metadata = null, schema = SCHEMA_WHOLE_FILE }) {
    if (!Array.isArray(documents) || documents.length === 0) throw new VellumError("a batch needs at least one document");
    const docs = manifestDocuments(documents, salted);
    const leaves = docs.map((d) => fromHex(d.leaf));
    const body = { type: "register_batch", root: batchRoot(leaves), count: leaves.length, schema, metadata_digest: metadataDigest(metadata), salted };
    return this.#registration(key, body, docs, { salted, batch: true, schema });
  }

  async #registration(key, body, documents, { salted, batch, schema }) {
    const tx = await this.send(body, { key });
    const proofId = toHex(proofIdOf(fromHex(tx.tx_hash, 32, "tx hash")));
    // The CLI's manifest layout (crates/cli/src/proof.rs), so either can make the bundle.
    const manifest = { proof_id: proofId, tx: tx.tx_hash, schema, salted, batch, documents };
    return { proofId, manifest, tx };
  }

  /**
   * Revokes a registration, or one member of a batch (final). `reason` is a reason code such
   * as "issued_in_error" (DEFAULT_REASON_CODES; the chain's list is governed): free text is
   * refused before anything is signed.
   */
  revokeProof({ key, proofId, member = null, reason }) {
    return this.#changeStatus(key, proofId, member, { change: "revoke", reason });
  }

  /** Suspends a registration or batch member until `reinstateProof`; `reason` is a reason code ("under_investigation"). */
  suspendProof({ key, proofId, member = null, reason }) {
    return this.#changeStatus(key, proofId, member, { change: "suspend", reason });
  }

  /** Ends a suspension: the registration (or member) is live again. */
  reinstateProof({ key, proofId, member = null }) {
    return this.#changeStatus(key, proofId, member, { change: "reinstate" });
  }

  /** Marks a registration superseded by a newer one (final; whole registrations only). */
  supersedeProof({ key, proofId, by }) {
    return this.#changeStatus(key, proofId, null, { change: "supersede", by: bytes32(by, "by") });
  }

  /** The registrant's `set_proof_status` (the change's shape is checked by `send`). */
  async #changeStatus(key, proofId, member, change) {
    return this.send({ type: "set_proof_status", proof: bytes32(proofId, "proof id"), member: memberIndex(member), change }, { key });
  }

  /**
   * Compliance revokes every registration `issuer` made at or after `fromHeight` (a stolen
   * issuer key) and stops it registering; `reason` is a reason code ("key_compromise"). A
   * revocation of many registrations takes several transactions: while
   * `issuerRevocation(issuer).complete` is false, send the same call again.
   */
  async revokeIssuer({ key, issuer, fromHeight, reason }) {
    return this.send({ type: "revoke_issuer", issuer: bytes32(issuer, "issuer"), from_height: BigInt(fromHeight), reason }, { key });
  }

  /**
   * An issuer-wide revocation (public; agreed by f + 1 validators unless `verify` is off):
   * `{ issuer, from_height, reason, actor, tx, height, time_ms, revoked, complete }`, or null
   * when the issuer was never revoked.
   */
  async issuerRevocation(issuer) {
    const path = `/v1/issuer/${hex32(issuer, "issuer")}/revocation`;
    const a = this.verify ? await this.pool.agreedGet(path) : await this.pool.get(path);
    const body = this.verify ? a.body : a.json;
    if (a.status === 200) return body;
    if (a.status === 404 && body?.error?.code === "not_revoked") return null;
    throw nodeError({ status: a.status, json: body }, this.pool.base);
  }

  /**
   * The status of a registration (or one batch member) now, for anyone who knows its proof id
   * (no key: `GET /v1/status/{id}` is public). Every validator is asked; each answer is
   * verified offline against the pinned genesis and the freshest valid one (highest header
   * height) is kept, so a lagging or faulty validator cannot hide a newer status. Given
   * `bundle` (a `verifyBundle` result), its proof id and member are used and `now` combines the
   * two (step 9: `{ then, now, nowHeight, changed, issuerNow }`); `result.issuer` is the
   * registrant's issuer identity now (a withdrawn attestation shows as `revoked`). Resolves to `{ bytes, result, now,
   * failures }`; rejects with a NetworkError listing each validator's failure when none gave a
   * valid status proof.
   */
  async fetchStatus({ proofId = null, member = null, bundle = null } = {}) {
    if (!this.genesisHash) throw new VellumError("fetchStatus verifies against the pinned genesis hash: create the client with `genesisHash`");
    if (!bundle && (proofId === null || proofId === undefined)) throw new EncodeError("proofId", "fetchStatus needs `proofId` (or a verified `bundle`)");
    const id = bundle ? bundle.proofId : hex32(proofId, "proof id");
    const index = memberIndex(bundle ? bundle.memberIndex : member);
    const path = index === null ? `/v1/status/${id}` : `/v1/status/${id}?member=${index}`;
    const verify = (bytes) => {
      const r = verifyStatusProof(bytes, { genesisHash: this.genesisHash });
      if (r.proofId !== id || r.memberIndex !== index) throw new VellumError(`a status proof of another registration or member (${r.proofId}, member ${r.memberIndex})`);
      return r;
    };
    const { bytes, result, failures } = await this.pool.freshest(path, verify);
    return { bytes, result, now: bundle ? statusNow(bundle, result) : null, failures };
  }

  /** A registration's record and status (registrant or auditor; agreed by f + 1 validators, audit trail from one). */
  proof(proofId, { key }) {
    return this.pool.verifiedJson(`/v1/proof/${hex32(proofId, "proof id")}`, key, { project: proofKey, verify: this.verify });
  }

  /**
   * Fetches the evidence bundle of a registration (a signed read: the registrant, an auditor,
   * or a holder of the registration or of the member), completes it from the manifest (batch
   * path, digest and salt of document `index`), verifies it offline against the pinned genesis
   * (and `document` bytes when given) and returns `{ bytes, result }`; `result.issuer` names the
   * registrant's attested identity. Without a manifest: `proofId`, and `member` for a batch
   * member (the node fills in its digest and batch path when the batch's members are stored on
   * the network); `document` opens it (with `salt` for a salted registration). With
   * `witnessPolicy`, the bundle must carry a checkpoint k of its witnesses cosigned (step 10).
   */
  async fetchBundle({ key, manifest = null, index = 0, proofId = null, member = null, document = null, salt = null, witnessPolicy = null }) {
    const id = manifest ? manifest.proof_id : hex32(proofId, "proof id");
    const m = manifest ? (manifest.batch ? index : null) : memberIndex(member);
    const path = m === null ? `/v1/proof/${id}/bundle` : `/v1/proof/${id}/bundle?member=${m}`;
    let bundle = decodeBundle(await this.pool.getSignedBytes(path, key));
    if (manifest) {
      if (manifest.batch) bundle = fillMember(bundle, manifest.documents.map((d) => fromHex(d.leaf, 32, "leaf")));
      const d = manifest.documents[index];
      bundle = openDocument(bundle, fromHex(d.sha256, 32, "sha256"), d.salt ? fromHex(d.salt, 32, "salt") : null);
    } else if (document) {
      bundle = openDocument(bundle, sha256(document), salt === null ? null : bytes32(salt, "salt"));
    }
    const bytes = encodeBundle(bundle);
    return { bytes, result: verifyBundle(bytes, { genesisHash: this.genesisHash, document, witnessPolicy }) };
  }

  /**
   * The registrations and batch members registered with `digest` (a document's SHA-256, a
   * registered digest or a batch root) that `key`'s account may read — the registrant, an
   * auditor, or a member's holder: `{ digest, proofs: [hex], members: [{ proof_id, member }] }`.
   * A signed read (audited), agreed by f + 1 validators.
   */
  proofsByDigest(digest, { key, account = null }) {
    return this.pool.verifiedJson(`/v1/proofs?digest=${hex32(digest, "digest")}`, key, { project: wholeKey, verify: this.verify, account });
  }

  /**
   * The registrant hands a batch's member digests to the network, so that bundles survive the
   * loss of its manifest and holders can fetch theirs: `members` is `[{ digest, holder }]` in
   * batch order (the registered digest of each — salted if the batch is — never a salt;
   * `holder` an account or null), or `manifest` (its documents' leaves) with `holders` (one
   * account or null per document, optional). Sent in order in chunks of at most
   * BATCH_MEMBERS_PER_TX_MAX, each `first` = the index of its first member; the ledger checks
   * the root once the last is in. `from` resumes at a member index (the next one the ledger
   * expects); 0 starts over. Resolves to the final status of each transaction.
   */
  async storeBatchMembers({ key, proofId = null, manifest = null, members = null, holders = null, from = 0 }) {
    if (manifest && !manifest.batch) throw new VellumError("the manifest is of a single registration: only a batch's members are stored");
    const id = bytes32(manifest ? manifest.proof_id : proofId, "proof id");
    const list = members ?? manifest?.documents.map((d, i) => ({ digest: d.leaf, holder: holders?.[i] ?? null }));
    if (!Array.isArray(list) || list.length === 0) throw new VellumError("storeBatchMembers needs the batch's members (or its manifest)");
    const all = list.map((m, i) => ({ digest: bytes32(m.digest, `members[${i}].digest`), holder: m.holder === null || m.holder === undefined ? null : bytes32(m.holder, `members[${i}].holder`) }));
    const start = memberIndex(from);
    if (start >= all.length) throw new VellumError(`from = ${start}, but the batch has ${all.length} members`);
    const finals = [];
    for (let first = start; first < all.length; first += BATCH_MEMBERS_PER_TX_MAX) {
      finals.push(await this.send({ type: "store_batch_members", proof: id, first, members: all.slice(first, first + BATCH_MEMBERS_PER_TX_MAX) }, { key }));
    }
    return finals;
  }

  /**
   * The registrant names accounts holding its registration (`member` null) or one member of a
   * batch (1..=16 accounts, each once): they may then fetch its bundle and stored original.
   */
  addHolders({ key, proofId, member = null, holders }) {
    const accounts = (holders ?? []).map((h, i) => bytes32(h, `holders[${i}]`));
    return this.send({ type: "add_holders", proof: bytes32(proofId, "proof id"), member: memberIndex(member), holders: accounts }, { key });
  }

  /**
   * The registrant deletes the stored original of its registration (`member` 0, the default) or
   * of one member of its batch (`delete_original`): every validator destroys its copy as it
   * applies the block (one that was down does so as it catches up) and never stores or serves it
   * again; the proof stays verifiable. Refused by the ledger for another sender
   * (`not_registrant`), a member the proof does not have (`no_such_member`) and a second
   * deletion (`original_already_deleted`).
   */
  async deleteOriginal({ key, proofId, member = 0 }) {
    return this.send({ type: "delete_original", proof: bytes32(proofId, "proof id"), member: memberIndex(member) ?? 0 }, { key });
  }

  // ---- Issuer identity ----

  /**
   * A registrar attests who `issuer` is: its display `name`, the `domain` it controls, and
   * optionally the SHA-256 of its X.509 certificate (DER). First the issuer's well-known
   * document — `wellKnown` (bytes or text) as given, else fetched over HTTPS from `wellKnownUrl`
   * or `https://DOMAIN/.well-known/vellum-issuer.json` — must name the issuer and list the
   * account for this chain (`checkWellKnown`); its SHA-256 goes into the attestation. Resolves
   * to `{ tx, profile, wellKnownUrl }`.
   */
  async attestIssuer({ key, issuer, name, domain, x509Sha256 = null, wellKnown = null, wellKnownUrl = null }) {
    const account = bytes32(issuer, "issuer");
    issuerProfile({ name, domain, x509Sha256, wellKnownSha256: new Uint8Array(32) }); // the shape, before any fetch
    const fetched = wellKnown === null ? await fetchWellKnown(domain, { url: wellKnownUrl, fetch: this.pool.nodes[0].fetch }) : { bytes: wellKnown, url: wellKnownUrl };
    const chain = await this.#chain();
    try {
      checkWellKnown(fetched.bytes, { name, ...chain, account });
    } catch (e) {
      throw new VellumError(`the document${fetched.url ? ` at ${fetched.url}` : ""} does not vouch for this account: ${e.message}`);
    }
    const profile = issuerProfile({ name, domain, x509Sha256, wellKnownSha256: wellKnownSha256(fetched.bytes) });
    const tx = await this.send({ type: "attest_issuer", issuer: account, profile }, { key });
    return { tx, profile, wellKnownUrl: fetched.url };
  }

  /** A registrar or compliance withdraws an issuer's attestation; `reason` is a reason code ("affiliation_changed"). */
  revokeAttestation({ key, issuer, reason }) {
    return this.send({ type: "revoke_attestation", issuer: bytes32(issuer, "issuer"), reason }, { key });
  }

  /**
   * An issuer's attested identity (public; agreed by f + 1 validators unless `verify` is off):
   * `{ issuer, profile: { name, domain, x509_sha256, well_known_sha256 }, attested_by, tx,
   * height, time_ms, revoked: null | { by, reason, tx_id, height, time_ms } }`, or null when no
   * identity was attested for the account.
   */
  async issuerAttestation(account) {
    const path = `/v1/issuer/${hex32(account, "account")}`;
    const a = this.verify ? await this.pool.agreedGet(path) : await this.pool.get(path);
    const body = this.verify ? a.body : a.json;
    if (a.status === 200) return body;
    if (a.status === 404 && body?.error?.code === "not_attested") return null;
    throw nodeError({ status: a.status, json: body }, this.pool.base);
  }

  /**
   * Re-checks an attestation (`vellum issuer check`): fetches the issuer's document again (or
   * takes `wellKnown`) and says whether it still lists the account (`stillListed`, else
   * `problem`), whether it changed since the attestation (`documentUnchanged`) and whether the
   * attestation was revoked. Rejects when no identity was attested.
   */
  async checkIssuer(account, { wellKnown = null, wellKnownUrl = null } = {}) {
    const a = await this.issuerAttestation(account);
    if (a === null) throw new VellumError(`issuer ${hex32(account, "account")} has no attested identity`);
    const { name, domain } = a.profile;
    const fetched = wellKnown === null ? await fetchWellKnown(domain, { url: wellKnownUrl, fetch: this.pool.nodes[0].fetch }) : { bytes: wellKnown, url: wellKnownUrl };
    let problem = null;
    try {
      checkWellKnown(fetched.bytes, { name, ...(await this.#chain()), account });
    } catch (e) {
      problem = e.message;
    }
    return {
      issuer: a.issuer,
      name,
      domain,
      wellKnownUrl: fetched.url,
      stillListed: problem === null,
      documentUnchanged: a.profile.well_known_sha256 === toHex(wellKnownSha256(fetched.bytes)),
      attestationRevoked: a.revoked !== null && a.revoked !== undefined,
      problem,
      attestation: a,
    };
  }

  /** This chain as a well-known document lists it: its id and (pinned, else the node's) genesis hash. */
  async #chain() {
    const s = await this.status();
    return { chainId: s.chain_id, genesisHash: this.genesisHash ?? s.genesis_hash };
  }

  // ---- Payments ----

  /** A token and its monitoring rules (signed: a sub-ledger's token is read by its members). */
  token(symbol, { key }) {
    return this.pool.getSignedJson(`/v1/token/${symbol}`, key);
  }

  /** The governed conversion rate `from → to` and its version (public). */
  rate(from, to) {
    return this.pool.getJson(`/v1/rate/${from}/${to}`);
  }

  /**
   * Pays every leg atomically. A leg is `{ to, token, amount }` with `amount` in base units
   * (bigint) or a decimal string in the token's units, plus `convertTo` to convert at the
   * current governed rate. `reference` (32 bytes, e.g. an invoice's proof id) links the payment.
   * Resolves to `{ tx, payment }` (the payment as the node records it, read as the sender).
   */
  async transfer({ key, signers = null, sender = null, legs, reference = null }) {
    const reader = key ?? signers[0];
    const built = [];
    for (const leg of legs) built.push(await this.#leg(reader, leg));
    const body = { type: "transfer", legs: built, reference: reference === null ? null : bytes32(reference, "reference") };
    const tx = await this.send(body, { key, signers, sender });
    const payment = await this.pool.verifiedJson(`/v1/payment/${tx.tx_hash}`, reader, { verify: this.verify, account: sender });
    return { tx, payment };
  }

  /** A Leg value: decimal amounts in the token's units, conversions quoted at the current rate version. */
  async #leg(reader, { to, token, amount, convertTo = null }) {
    let units = amount;
    if (typeof amount === "string") units = parseAmount(amount, (await this.token(token, { key: reader })).token.decimals);
    let convert = null;
    if (convertTo) {
      const r = await this.rate(token, convertTo);
      convert = { to_token: convertTo, rate_version: BigInt(r.rate.version) };
    }
    return { to: bytes32(to, "to"), token, amount: BigInt(units), convert };
  }

  /** What a finalized payment did (parties, oversight). */
  payment(txHash, { key, account = null }) {
    return this.pool.verifiedJson(`/v1/payment/${hex32(txHash, "tx hash")}`, key, { verify: this.verify, account });
  }

  /**
   * Fetches a payment's receipt (a party, its sub-ledger or oversight) and verifies it offline
   * (under `witnessPolicy` when given): `{ bytes, result }`.
   */
  async fetchReceipt(txHash, { key, account = null, witnessPolicy = null }) {
    const bytes = await this.pool.getSignedBytes(`/v1/payment/${hex32(txHash, "tx hash")}/receipt`, key, { account });
    return { bytes, result: verifyReceipt(bytes, { genesisHash: this.genesisHash, witnessPolicy }) };
  }

  /** Holds (compliance, auditors). */
  holds({ key, pending = true, limit = 100 }) {
    return this.pool.getSignedJson(`/v1/holds?pending=${pending}&limit=${limit}`, key);
  }

  /** Compliance posts (`post: true`) or voids a pending hold. */
  decideHold({ key, hold, post, reason }) {
    return this.send({ type: "decide_hold", hold: BigInt(hold), post, reason }, { key });
  }

  // ---- Contracts and e-invoices (docs/contracts.md) ----

  /**
   * Instantiates governance-approved code (`codeDigest`, the SHA-256 of the code) into a new
   * contract account and runs its `init`, if it exports one, with `input` (bytes or hex, at most
   * 8,192 bytes) under a budget of `fuel` (a bigint or safe integer, 1..=50,000,000; default
   * 5,000,000). Resolves to `{ tx, contractId }`: the new account's id (hex), which follows from
   * the transaction's sender and nonce (`contractIdOf`, wire-format §11.9).
   */
  async instantiateContract({ key = null, signers = null, sender = null, codeDigest, input = new Uint8Array(0), fuel = DEFAULT_CONTRACT_FUEL }) {
    const code_digest = bytes32(codeDigest, "codeDigest");
    const tx = await this.send({ type: "instantiate_contract", code_digest, input: inputBytes(input), fuel: fuelOf(fuel) }, { key, signers, sender });
    const { sender: creator, nonce } = tx.tx.unsigned;
    return { tx, contractId: toHex(contractIdOf(code_digest, creator, nonce)) };
  }

  /**
   * Calls `function` (1..=64 bytes of [a-z0-9_-], starting with a letter) of `contract` with
   * `input` (bytes or hex, at most 8,192 bytes) under a budget of `fuel` (default 5,000,000).
   * What the call did: `contractResult(tx.tx_hash, { key })`.
   */
  async callContract({ key = null, signers = null, sender = null, contract, function: fn, input = new Uint8Array(0), fuel = DEFAULT_CONTRACT_FUEL }) {
    const body = { type: "call_contract", contract: bytes32(contract, "contract"), function: fn, input: inputBytes(input), fuel: fuelOf(fuel) };
    return this.send(body, { key, signers, sender });
  }

  /** A contract instance (public): its code, version history, pause state and any advisory against its code. */
  async contract(contractId) {
    return this.pool.getJson(`/v1/contract/${hex32(contractId, "contract id")}`);
  }

  /** What a finalized contract transaction did (its sender, a party to its payments, auditors, compliance): output, fuel used, payment records and events with their log indices. */
  async contractResult(txHash, { key, account = null }) {
    return this.pool.getSignedJson(`/v1/tx/${hex32(txHash, "tx hash")}/contract`, key, { account });
  }

  /**
   * A seller sets (or replaces) its invoicing conditions (X.1407 Appendix I): the tax authority
   * whose invoices it accepts (an account holding the `tax_authority` role), the token its
   * invoiceable payments are made in, and the VAT rate in basis points (0..=10,000; 2100 = 21 %).
   */
  async setInvoicing({ key = null, signers = null, sender = null, taxAuthority, token, vatBasisPoints }) {
    const body = { type: "set_invoicing", tax_authority: bytes32(taxAuthority, "taxAuthority"), token, vat_basis_points: u32Of(vatBasisPoints, "vatBasisPoints") };
    return this.send(body, { key, signers, sender });
  }

  /**
   * Phase B: the seller's tax authority issues the invoice of an invoiceable payment (`payment`:
   * the transfer's tx hash), for the invoice document `document` (bytes, hashed here) or its
   * SHA-256 `documentDigest`. Resolves to `{ tx, invoiceId }` (`invoiceIdOf(payment)`, hex).
   */
  async issueInvoice({ key = null, signers = null, sender = null, payment, document = null, documentDigest = null }) {
    if ((document === null) === (documentDigest === null)) throw new EncodeError("document", "issueInvoice needs the invoice `document` or its `documentDigest` (one of them)");
    const paymentId = bytes32(payment, "payment");
    const document_digest = document !== null ? sha256(typeof document === "string" ? utf8(document) : document) : bytes32(documentDigest, "documentDigest");
    const tx = await this.send({ type: "issue_invoice", payment: paymentId, document_digest }, { key, signers, sender });
    return { tx, invoiceId: toHex(invoiceIdOf(paymentId)) };
  }

  /** Phase C: anyone but the buyer (an employer, an insurer) pays the invoice's buyer its gross amount, once. */
  async reimburseInvoice({ key = null, signers = null, sender = null, invoice }) {
    return this.send({ type: "reimburse_invoice", invoice: bytes32(invoice, "invoice") }, { key, signers, sender });
  }

  /** Phase D: the seller pays the invoice's VAT to the tax authority, once. */
  async clearInvoiceTax({ key = null, signers = null, sender = null, invoice }) {
    return this.send({ type: "clear_invoice_tax", invoice: bytes32(invoice, "invoice") }, { key, signers, sender });
  }

  /** A seller's invoicing conditions (public), or a NodeError `no_invoicing`. */
  async invoicing(seller) {
    return this.pool.getJson(`/v1/invoicing/${hex32(seller, "seller")}`);
  }

  /** An e-invoice and the phases that consumed it (its seller, buyer, tax authority, reimburser, auditors, compliance). */
  async invoice(invoiceId, { key, account = null }) {
    return this.pool.getSignedJson(`/v1/invoice/${hex32(invoiceId, "invoice id")}`, key, { account });
  }

  // ---- Guardian recovery ----

  /** Names the account's recovery guardians (k of n accounts) and the recovery time lock. */
  setGuardians({ key, signers = null, sender = null, guardians, threshold, delayBlocks }) {
    const body = { type: "set_guardians", guardians: guardians.map((g) => bytes32(g, "guardian")), threshold, delay_blocks: BigInt(delayBlocks) };
    return this.send(body, { key, signers, sender });
  }

  /** A guardian starts (or approves) replacing `account`'s signer set, e.g. with a new device's key. */
  proposeRecovery({ key, account, set }) {
    return this.send({ type: "propose_recovery", account: bytes32(account, "account"), set: normalizeSignerSet(set) }, { key });
  }

  /** The owner cancels a pending recovery within the time lock. */
  cancelRecovery({ key, signers = null, sender = null }) {
    return this.send({ type: "cancel_recovery" }, { key, signers, sender });
  }

  /** Completes a recovery whose time lock passed and whose approvals reach the threshold. */
  executeRecovery({ key, account }) {
    return this.send({ type: "execute_recovery", account: bytes32(account, "account") }, { key });
  }

  // ---- Governance ----

  /**
   * A council member account proposes a governed action (a GovAction value, e.g.
   * `{ action: "create_token", … }`); its own approval counts. Resolves to `{ tx, proposal }`.
   */
  async propose({ signers, sender = null, action, deadlineBlocks = PROPOSAL_DEADLINE_BLOCKS }) {
    const height = BigInt((await this.status()).height);
    const tx = await this.send({ type: "propose", action, deadline_height: height + BigInt(deadlineBlocks) }, { signers, sender });
    return { tx, proposal: await this.proposalOf(tx, action.action) };
  }

  /**
   * A council member account proposes changing the sanctions list (`sanctionsUpdate`): screening
   * commitments to `add` and to `remove`. Resolves to `{ tx, proposal }`.
   */
  async updateSanctions({ signers, sender = null, add = [], remove = [], deadlineBlocks = PROPOSAL_DEADLINE_BLOCKS }) {
    return this.propose({ signers, sender, action: sanctionsUpdate({ add, remove }), deadlineBlocks });
  }

  /** A council member approves an open proposal. */
  vote({ key, signers = null, sender = null, proposal }) {
    return this.send({ type: "vote", proposal: BigInt(proposal) }, { key, signers, sender });
  }

  /** The proposal a finalized Propose transaction created. */
  async proposalOf(tx, kind) {
    const { proposals } = await this.pool.getJson("/v1/governance/proposals?limit=100");
    const sender = toHex(tx.tx.unsigned.sender);
    return proposals.find((p) => p.proposer === sender && String(p.created_height) === String(tx.height) && p.action.action === kind) ?? null;
  }

  // ---- Multi-party signing ----

  /**
   * A transaction file for `body` from `sender`, unsigned, with the chain, the account's next
   * nonce (read as `key`, one of its signers) and an expiry filled in. Each signer adds a
   * signature with `signTxFile`, then `combineTxFiles` and `submitTxFile`.
   */
  async prepare(body, { sender, key, nonce = null, expiryBlocks = EXPIRY_BLOCKS }) {
    const status = await this.status();
    const from = hex32(sender, "sender");
    const { account } = await this.account(from, { key, account: from });
    const unsigned = { chain_id: status.chain_id, sender: fromHex(from), nonce: BigInt(nonce ?? account.next_nonce), expiry_height: BigInt(status.height) + BigInt(expiryBlocks), body };
    return buildTxFile(unsigned, { signerSet: account.signers });
  }

  /**
   * Checks a signed transaction file's weight against the sender's signer set — read from the
   * ledger as `key` (one of its signers), else the file's own `signer_set` — then submits it and
   * waits for finality.
   */
  async submitTxFile(file, { key = null } = {}) {
    const tx = txFromFile(file);
    const sender = toHex(tx.unsigned.sender);
    checkWeight(file, key ? (await this.account(sender, { key, account: sender })).account.signers : null);
    const outcome = await this.pool.submitAndWait(tx, { verify: this.verify });
    if (outcome.refused) throw outcome.refused;
    return { ...outcome.final, tx };
  }

  // ---- Events ----

  /** Follows the event stream (see events.js); with `key`, also the account's own events. */
  events(options = {}) {
    return followEvents(this.pool, options);
  }
}

/** A contract input: bytes, or hex text. */
function inputBytes(input) {
  if (isBytes(input)) return input;
  if (typeof input === "string") return fromHex(input, null, "input");
  throw new EncodeError("input", "expected the contract input as bytes or hex");
}

/**
 * A call's fuel as a bigint: a bigint, a safe-integer number or decimal digits (a number beyond
 * 2^53 − 1 is refused: it may have lost precision), at most CONTRACT_FUEL_MAX (the ledger's
 * limit: more would only fail the call). Zero is left to the shape rules (DecodeError `invalid`).
 */
function fuelOf(fuel) {
  const f = asU64(fuel, "fuel");
  if (f > CONTRACT_FUEL_MAX) throw new EncodeError("fuel", `${f} is more fuel than one call may use (at most ${CONTRACT_FUEL_MAX}; the ledger would fail the call with fuel_over_limit)`);
  return f;
}

/** A u32 argument (a number or bigint). */
function u32Of(v, what) {
  const n = typeof v === "bigint" ? Number(v) : v;
  if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff) throw new EncodeError(what, `expected an integer in 0..=4294967295, got ${String(v)}`);
  return n;
}

/** A signer set from `{ signers: [{ key, weight }], threshold }` with keys as text or PublicKey. */
function normalizeSignerSet(set) {
  return { signers: set.signers.map((s) => ({ key: PublicKey.parse(s.key), weight: Number(s.weight ?? 1) })), threshold: Number(set.threshold) };
}

const metadataDigest = (metadata) => sha256(metadata === null ? new Uint8Array(0) : typeof metadata === "string" ? utf8(metadata) : metadata);

/** Manifest entries (the CLI's layout): name, SHA-256, salt and the registered leaf. */
function manifestDocuments(documents, salted) {
  return documents.map(({ name, bytes, digest }) => {
    const d = bytes ? sha256(bytes) : bytes32(digest, "digest");
    const salt = salted ? randomBytes(DOCUMENT_SALT_BYTES) : null;
    const leaf = salt ? saltedDigest(salt, d) : d;
    return { file: name, sha256: toHex(d), salt: salt ? toHex(salt) : null, leaf: toHex(leaf) };
  });
}

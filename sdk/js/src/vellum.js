// The use cases in a few calls each: open an account, register documents (one, or a salted
// batch with its manifest) and fetch + verify their evidence bundles, suspend, reinstate,
// revoke or supersede, fetch the freshest verified status proof (anyone, no key), revoke a
// stolen issuer key's registrations (compliance), pay (multi-leg, conversion, reference) and
// fetch + verify the receipt, account status and hold decisions, guardian recovery, governance
// proposals and votes, multi-party signing, and events. Everything goes through one Pool
// (docs/client.md: failover, resubmission, gap-free nonces, verified reads, freshest answers).

import { EncodeError, VellumError } from "./errors.js";
import { fromHex, isBytes, randomBytes, toHex, utf8 } from "./bytes.js";
import { PublicKey, TxBody } from "./types.js";
import { encode } from "./encoding.js";
import { batchRoot, kycCommitment, proofIdOf, saltedDigest, sha256 } from "./hash.js";
import { EXPIRY_BLOCKS, Pool, nodeError, parseClientConfig, proofKey, wholeKey } from "./client.js";
import { followEvents } from "./events.js";
import { SCHEMA_WHOLE_FILE, checkBodyShape } from "./tx.js";
import { buildTxFile, checkWeight, txFromFile } from "./multisig.js";
import { decodeBundle, encodeBundle, fillMember, openDocument, statusNow, verifyBundle, verifyReceipt, verifyStatusProof } from "./verify.js";

/** Blocks a governance proposal stays open for votes (the CLI's default). */
export const PROPOSAL_DEADLINE_BLOCKS = 100_000n;
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

  // ---- Accounts ----

  /**
   * A registrar opens an account for `publicKey` after checking `identityRecord` off-ledger;
   * only a salted commitment goes on the ledger. Keep the returned `kycSalt` with the record.
   */
  async openAccount({ registrar, publicKey, identityRecord, label = "user", role = "user", subledger = null }) {
    const key = PublicKey.parse(publicKey);
    const salt = randomBytes(KYC_SALT_BYTES);
    const record = typeof identityRecord === "string" ? utf8(identityRecord) : identityRecord;
    const commitment = kycCommitment(salt, record);
    const tx = await this.send(
      { type: "open_account", public_key: key, kyc_commitment: commitment, label, role, subledger },
      { key: registrar },
    );
    return { accountId: toHex(key.accountId()), kycSalt: toHex(salt), kycCommitment: toHex(commitment), tx };
  }

  /** An account, its balances, guardians and purpose keys (a signed read, agreed by f + 1 validators). */
  account(accountId, { key, account = null }) {
    return this.pool.verifiedJson(`/v1/account/${hex32(accountId, "account id")}`, key, { project: wholeKey, verify: this.verify, account });
  }

  /** Freeze, unfreeze or revoke an account (compliance; revocation also a registrar). */
  setAccountStatus({ key, account, status, reason }) {
    return this.send({ type: "set_account_status", account: bytes32(account, "account"), status, reason }, { key });
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
   * two (step 9: `{ then, now, nowHeight, changed }`). Resolves to `{ bytes, result, now,
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
   * Fetches the evidence bundle of a registration (registrant or auditor: a signed read),
   * completes it from the manifest (batch path, digest and salt of document `index`), verifies
   * it offline against the pinned genesis (and `document` bytes when given) and returns
   * `{ bytes, result }`. Without a manifest, `proofId` (an unsalted single registration).
   */
  async fetchBundle({ key, manifest = null, index = 0, proofId = null, document = null }) {
    const id = manifest ? manifest.proof_id : hex32(proofId, "proof id");
    const member = manifest?.batch ? index : null;
    const path = member === null ? `/v1/proof/${id}/bundle` : `/v1/proof/${id}/bundle?member=${member}`;
    let bundle = decodeBundle(await this.pool.getSignedBytes(path, key));
    if (manifest) {
      if (manifest.batch) bundle = fillMember(bundle, manifest.documents.map((d) => fromHex(d.leaf, 32, "leaf")));
      const d = manifest.documents[index];
      bundle = openDocument(bundle, fromHex(d.sha256, 32, "sha256"), d.salt ? fromHex(d.salt, 32, "salt") : null);
    } else if (document) {
      bundle = openDocument(bundle, sha256(document), null);
    }
    const bytes = encodeBundle(bundle);
    return { bytes, result: verifyBundle(bytes, { genesisHash: this.genesisHash, document }) };
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

  /** Fetches a payment's receipt (a party, its sub-ledger or oversight) and verifies it offline: `{ bytes, result }`. */
  async fetchReceipt(txHash, { key, account = null }) {
    const bytes = await this.pool.getSignedBytes(`/v1/payment/${hex32(txHash, "tx hash")}/receipt`, key, { account });
    return { bytes, result: verifyReceipt(bytes, { genesisHash: this.genesisHash }) };
  }

  /** Holds (compliance, auditors). */
  holds({ key, pending = true, limit = 100 }) {
    return this.pool.getSignedJson(`/v1/holds?pending=${pending}&limit=${limit}`, key);
  }

  /** Compliance posts (`post: true`) or voids a pending hold. */
  decideHold({ key, hold, post, reason }) {
    return this.send({ type: "decide_hold", hold: BigInt(hold), post, reason }, { key });
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

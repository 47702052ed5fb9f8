// Schemas of every Vellum type a client signs, hashes, sends or verifies, field for field and
// variant for variant in Rust declaration order (crates/types/src/*.rs, crates/evidence/src).
// New variants are appended in Rust; an index this SDK does not know is a DecodeError.

import { sha256 } from "@noble/hashes/sha2.js";
import { DecodeError, EncodeError, KeyError } from "./errors.js";
import { equal, fromHex, fromUtf8, isBytes, toHex, utf8 } from "./bytes.js";
import { bool, bytes, canonical, enumOf, option, string, struct, tuple, u128, u16, u32, u64, u8, unitEnum, vec, vecU8 } from "./encoding.js";

/** Public key bytes per scheme, in borsh variant order. */
export const KEY_SCHEMES = ["ed25519", "secp256k1", "p256"];
export const KEY_BYTES = { ed25519: 32, secp256k1: 33, p256: 33 };

/** A user's public key: `ed25519:<64 hex>`, `secp256k1:<66 hex>` or `p256:<66 hex>` (SEC1 compressed). */
export class PublicKey {
  constructor(scheme, keyBytes) {
    if (!(scheme in KEY_BYTES)) throw new KeyError(`unknown key scheme "${scheme}" (expected ${KEY_SCHEMES.join(", ")})`);
    if (!isBytes(keyBytes) || keyBytes.length !== KEY_BYTES[scheme]) {
      throw new KeyError(`a ${scheme} public key is ${KEY_BYTES[scheme]} bytes`);
    }
    this.scheme = scheme;
    this.bytes = keyBytes;
  }

  /** Parses the text form `scheme:hex` (or takes a PublicKey, or a plain `{ scheme, bytes }` copy of one). */
  static parse(text) {
    if (text instanceof PublicKey) return text;
    if (text !== null && typeof text === "object" && "scheme" in text && isBytes(text.bytes)) return new PublicKey(text.scheme, text.bytes);
    const at = typeof text === "string" ? text.indexOf(":") : -1;
    if (at < 0) throw new KeyError("expected `ed25519:<hex>`, `secp256k1:<hex>` or `p256:<hex>`");
    const scheme = text.slice(0, at);
    if (!(scheme in KEY_BYTES)) throw new KeyError(`unknown key scheme "${scheme}"`);
    try {
      return new PublicKey(scheme, fromHex(text.slice(at + 1), KEY_BYTES[scheme], "public key"));
    } catch (e) {
      throw new KeyError(`bad ${scheme} public key: ${e.message}`);
    }
  }

  toString() {
    return `${this.scheme}:${toHex(this.bytes)}`;
  }

  toJSON() {
    return this.toString();
  }

  equals(other) {
    return other instanceof PublicKey && other.scheme === this.scheme && equal(other.bytes, this.bytes);
  }

  /** The id of an account opened with this key: `SHA-256(canonical("VELLUM:ACCOUNT-ID:", key))`. */
  accountId() {
    return sha256(canonical("VELLUM:ACCOUNT-ID:", PublicKeySchema, this));
  }
}

const asPublicKey = (v, path) => {
  try {
    return PublicKey.parse(v);
  } catch (e) {
    throw new EncodeError(path, e.message);
  }
};

export const PublicKeySchema = {
  name: "PublicKey",
  minSize: 33,
  write(w, v, path = "PublicKey") {
    const k = asPublicKey(v, path);
    w.u8(KEY_SCHEMES.indexOf(k.scheme));
    w.bytes(k.bytes);
  },
  read(r) {
    const index = r.u8();
    if (index >= KEY_SCHEMES.length) throw new DecodeError("malformed", `PublicKey variant index ${index} (this SDK knows 0..=${KEY_SCHEMES.length - 1})`);
    const scheme = KEY_SCHEMES[index];
    return new PublicKey(scheme, r.take(KEY_BYTES[scheme]).slice());
  },
  toJson: (v) => PublicKey.parse(v).toString(),
  fromJson: (j, path = "PublicKey") => asPublicKey(j, path),
};

/**
 * A signature in a transaction envelope (tagged by `scheme`): Ed25519 with its key; secp256k1
 * recoverable (`r ‖ s`, low S, recovery id 0/1); P-256 with its compressed key (`r ‖ s`, low S).
 */
export const Signature = enumOf("Signature", "scheme", [
  ["ed25519", [["public_key", bytes(32)], ["signature", bytes(64)]]],
  ["secp256k1", [["signature", bytes(64)], ["recovery_id", u8]]],
  ["p256", [["public_key", bytes(33)], ["signature", bytes(64)]]],
]);

export const Hash32 = bytes(32);
export const AccountId = Hash32;
export const TxId = Hash32;
export const ProofId = Hash32;

/** Account roles (index 8, `tax_authority`: issues the e-invoices of the sellers whose invoicing conditions name it). */
export const Role = unitEnum("Role", ["user", "council", "registrar", "issuer", "auditor", "compliance", "node", "desk", "tax_authority"]);
export const AccountStatus = unitEnum("AccountStatus", ["active", "frozen", "revoked"]);
export const MisbehaviorKind = unitEnum("MisbehaviorKind", ["conflicting_notarize", "conflicting_finalize", "nullify_finalize"]);

export const TokenFlags = struct("TokenFlags", [["kyc_required", bool], ["clawback", bool], ["pausable", bool]]);
export const Signer = struct("Signer", [["key", PublicKeySchema], ["weight", u16]]);
export const SignerSet = struct("SignerSet", [["signers", vec(Signer)], ["threshold", u32]]);
export const ConvertQuote = struct("ConvertQuote", [["to_token", string], ["rate_version", u64]]);
export const Leg = struct("Leg", [["to", AccountId], ["token", string], ["amount", u128], ["convert", option(ConvertQuote)]]);
/**
 * What a sender of one KYC tier (0..=7; 0 = an account without a KYC record) may send in one leg
 * and within the monitoring window before it is held (0: no limit); crates/types/src/monitoring.rs.
 */
export const TierLimit = struct("TierLimit", [["tier", u8], ["leg_amount_max", u128], ["window_amount_max", u128]]);
/** Monitoring rules of one token (wire-format §6.4.8): the sending side, the receiving side, limits by KYC tier. */
export const MonitoringRules = struct("MonitoringRules", [
  ["large_amount", u128],
  ["window_ms", u64],
  ["window_amount_max", u128],
  ["window_count_max", u32],
  ["structuring_floor_bps", u16],
  ["structuring_count", u32],
  ["hold_timeout_ms", u64],
  ["inflow_amount_max", u128],
  ["inflow_count_max", u32],
  ["distinct_senders_max", u32],
  ["tier_limits", vec(TierLimit)],
  ["version", u64],
]);
/**
 * What a registrar states about an account's identity check (crates/types/src/kyc.rs,
 * wire-format §6.4.11): the tier (1..=7), the block time in ms from which it is stale (0: never)
 * and the identity's screening commitment (`screeningCommitment`), compared with the sanctions list.
 */
export const KycTerms = struct("KycTerms", [["tier", u8], ["expires_ms", u64], ["screening", option(Hash32)]]);
export const AuditRecord = struct("AuditRecord", [
  ["proof", ProofId],
  ["reader", option(AccountId)],
  ["action", string],
  ["allowed", bool],
  ["time_ms", u64],
]);
/**
 * One read (or refused read) of an account's data — `action` `account`, `history`, `payment`,
 * `receipt`, `hold` or `reads` — as a node records it on the ledger (crates/types/src/proof.rs,
 * X.1407 9.1.1 c): `item` the payment or held transfer read (null: the account itself), `reader`
 * null when unauthenticated, `time_ms` the serving node's clock.
 */
export const ReadRecord = struct("ReadRecord", [
  ["owner", AccountId],
  ["action", string],
  ["item", option(TxId)],
  ["reader", option(AccountId)],
  ["allowed", bool],
  ["time_ms", u64],
]);
export const GenesisValidator = struct("GenesisValidator", [
  ["name", string],
  ["consensus_key", bytes(32)],
  ["p2p_key", bytes(32)],
  ["address", string],
]);
export const ConsensusParams = struct("ConsensusParams", [
  ["block_txs_max", u32],
  ["block_bytes_max", u32],
  ["block_time_future_skew_ms", u64],
  ["block_time_past_skew_ms", u64],
]);

/**
 * What a registrar (or the council) attests about an issuer account (docs/evidence-format.md
 * §2.5, §6a): display name, lowercase domain, SHA-256 of its X.509 certificate (DER) if any, and
 * SHA-256 of the well-known document checked.
 */
export const IssuerProfile = struct("IssuerProfile", [
  ["name", string],
  ["domain", string],
  ["x509_sha256", option(Hash32)],
  ["well_known_sha256", Hash32],
]);

/**
 * The chain's witnesses as governance names them (crates/types/src/witness.rs): each one's C2SP
 * key name, Ed25519 public key and `add-checkpoint` base URL, and the cosignatures a checkpoint
 * needs to count as witnessed for the evidence nodes hand out.
 */
export const WitnessEntry = struct("WitnessEntry", [["name", string], ["key", bytes(32)], ["url", string]]);
export const WitnessPolicy = struct("WitnessPolicy", [["witnesses", vec(WitnessEntry)], ["quorum", u32]]);

export const GovAction = enumOf("GovAction", "action", [
  ["create_token", [["symbol", string], ["decimals", u8], ["issuer", AccountId], ["subledger", option(string)], ["flags", TokenFlags]]],
  ["set_monitoring", [["token", string], ["rules", MonitoringRules]]],
  ["set_rate", [["from", string], ["to", string], ["num", u64], ["den", u64], ["desk", AccountId]]],
  ["create_subledger", [["name", string], ["kyc_required", bool]]],
  ["grant_role", [["account", AccountId], ["role", Role]]],
  ["revoke_role", [["account", AccountId], ["role", Role]]],
  ["set_rules", [["digest", Hash32], ["uri", string]]],
  ["set_council", [["members", vec(AccountId)], ["threshold", u32]]],
  ["register_module", [["name", string], ["code_digest", Hash32], ["review_digest", Hash32]]],
  ["set_module_paused", [["name", string], ["paused", bool]]],
  ["add_validator", [["validator", GenesisValidator]]],
  ["remove_validator", [["consensus_key", Hash32]]],
  ["set_consensus_params", [["params", ConsensusParams]]],
  ["set_reason_codes", [["codes", vec(string)]]],
  ["attest_issuer", [["issuer", AccountId], ["profile", IssuerProfile]]],
  ["set_witnesses", [["policy", WitnessPolicy]]],
  // Contracts (docs/contracts.md): approve code (hex in JSON), pause or upgrade one instance,
  // record (`advisory` = the advisory text's digest) or lift (null) an advisory against a code digest.
  ["register_code", [["name", string], ["code", vecU8], ["review_digest", Hash32]]],
  ["set_contract_paused", [["contract", AccountId], ["paused", bool]]],
  ["upgrade_contract", [["contract", AccountId], ["code_digest", Hash32]]],
  ["set_code_advisory", [["code_digest", Hash32], ["advisory", option(Hash32)]]],
  // The governed sanctions list: screening commitments (`screeningCommitment`) added and removed.
  ["update_sanctions", [["add", vec(Hash32)], ["remove", vec(Hash32)]]],
]);

/** A registrant's status change; `reason` is a reason code (docs/wire-format.md §6.4.4, §7). */
export const ProofChange = enumOf("ProofChange", "change", [
  ["revoke", [["reason", string]]],
  ["supersede", [["by", ProofId]]],
  ["suspend", [["reason", string]]],
  ["reinstate", null],
]);

/** A batch member handed to the network: its registered digest (never the salt) and optionally its holder. */
export const BatchMember = struct("BatchMember", [["digest", Hash32], ["holder", option(AccountId)]]);

/** What a transaction does; the variant index is its position here (OpenAccount = 0 … DeleteOriginal = 39). */
export const TxBody = enumOf("TxBody", "type", [
  // `kyc` (last): the account's KYC record — tier, expiry, screening; needs `kyc_commitment`.
  ["open_account", [["public_key", PublicKeySchema], ["kyc_commitment", option(Hash32)], ["label", string], ["role", Role], ["subledger", option(string)], ["kyc", option(KycTerms)]]],
  ["set_account_status", [["account", AccountId], ["status", AccountStatus], ["reason", string]]],
  ["register_proof", [["digest", Hash32], ["schema", string], ["metadata_digest", Hash32], ["salted", bool]]],
  ["register_batch", [["root", Hash32], ["count", u32], ["schema", string], ["metadata_digest", Hash32], ["salted", bool]]],
  ["set_proof_status", [["proof", ProofId], ["member", option(u32)], ["change", ProofChange]]],
  ["audit_batch", [["entries", vec(AuditRecord)]]],
  ["create_token", [["symbol", string], ["decimals", u8], ["issuer", AccountId], ["subledger", option(string)], ["flags", TokenFlags]]],
  ["mint", [["token", string], ["to", AccountId], ["amount", u128]]],
  ["burn", [["token", string], ["amount", u128]]],
  ["transfer", [["legs", vec(Leg)], ["reference", option(Hash32)]]],
  ["set_signers", [["set", SignerSet]]],
  ["set_monitoring", [["token", string], ["rules", MonitoringRules]]],
  ["decide_hold", [["hold", u64], ["post", bool], ["reason", string]]],
  ["set_token_paused", [["token", string], ["paused", bool], ["reason", string]]],
  ["clawback", [["token", string], ["from", AccountId], ["amount", u128], ["reason", string]]],
  ["create_subledger", [["name", string], ["kyc_required", bool]]],
  ["set_rate", [["from", string], ["to", string], ["num", u64], ["den", u64], ["desk", AccountId]]],
  ["propose", [["action", GovAction], ["deadline_height", u64]]],
  ["vote", [["proposal", u64]]],
  ["set_guardians", [["guardians", vec(AccountId)], ["threshold", u32], ["delay_blocks", u64]]],
  ["propose_recovery", [["account", AccountId], ["set", SignerSet]]],
  ["cancel_recovery", null],
  ["execute_recovery", [["account", AccountId]]],
  ["set_purpose_keys", [["request_keys", vec(PublicKeySchema)], ["encryption_recipient", option(string)]]],
  ["report_misbehavior", [["validator", bytes(32)], ["kind", MisbehaviorKind], ["epoch", u64], ["view", u64], ["evidence", vecU8]]],
  ["revoke_issuer", [["issuer", AccountId], ["from_height", u64], ["reason", string]]],
  ["store_batch_members", [["proof", ProofId], ["first", u32], ["members", vec(BatchMember)]]],
  ["add_holders", [["proof", ProofId], ["member", option(u32)], ["holders", vec(AccountId)]]],
  ["attest_issuer", [["issuer", AccountId], ["profile", IssuerProfile]]],
  ["revoke_attestation", [["issuer", AccountId], ["reason", string]]],
  // Contracts (wire-format §6.3, §11.9): instantiate approved code, call a contract's function.
  ["instantiate_contract", [["code_digest", Hash32], ["input", vecU8], ["fuel", u64]]],
  ["call_contract", [["contract", AccountId], ["function", string], ["input", vecU8], ["fuel", u64]]],
  // E-invoices (X.1407 Appendix I, wire-format §11.10): the seller's conditions, then phases B, C and D.
  ["set_invoicing", [["tax_authority", AccountId], ["token", string], ["vat_basis_points", u32]]],
  ["issue_invoice", [["payment", TxId], ["document_digest", Hash32]]],
  ["reimburse_invoice", [["invoice", Hash32]]],
  ["clear_invoice_tax", [["invoice", Hash32]]],
  // A registrar (re-)verifies an account's identity: the terms replace its KYC record.
  ["set_kyc", [["account", AccountId], ["terms", KycTerms]]],
  // A node account records reads of account data (node accounts only), as `audit_batch` does for proof data.
  ["audit_reads", [["entries", vec(ReadRecord)]]],
  // The account sets (or, with 0, lifts) the block time from which one of its signer keys stops signing.
  ["set_key_expiry", [["key", PublicKeySchema], ["expires_ms", u64]]],
  // The registrant deletes the stored original of its registration (member 0) or of one batch
  // member: every validator destroys its copy; the proof stays verifiable.
  ["delete_original", [["proof", ProofId], ["member", u32]]],
]);

/** Everything the signers sign. */
export const UnsignedTx = struct("UnsignedTx", [
  ["chain_id", string],
  ["sender", AccountId],
  ["nonce", u64],
  ["expiry_height", u64],
  ["body", TxBody],
]);

/** A signed transaction as it travels and as blocks store it. */
export const Transaction = struct("Transaction", [["unsigned", UnsignedTx], ["signatures", vec(Signature)]]);

// ---- Evidence (crates/evidence, docs/evidence-format.md) ----

/** Longest chain id (crates/types/src/limits.rs `CHAIN_ID_BYTES_MAX`). */
export const CHAIN_ID_BYTES_MAX = 64;
/** Shortest and longest epoch a genesis may set (crates/types/src/genesis.rs); a layout-2 commitment stating another is refused. */
export const EPOCH_LENGTH_BLOCKS_MIN = 10n;
export const EPOCH_LENGTH_BLOCKS_MAX = 1_000_000n;
/** First four bytes of a layout-2 genesis commitment: `u32 0xFFFFFFFF`, an impossible layout-1 chain-id length. */
export const COMMITMENT_LAYOUT_2_MARK = 0xffffffff;

const GenesisLayout1 = struct("GenesisCommitment", [
  ["chain_id", string],
  ["genesis_time_ms", u64],
  ["params", ConsensusParams],
  ["validators", vec(bytes(32))],
  ["details_hash", Hash32],
]);
const GenesisLayout2 = struct("GenesisCommitment", [
  ["chain_id", string],
  ["genesis_time_ms", u64],
  ["params", ConsensusParams],
  ["validators", vec(bytes(32))],
  ["epoch_length_blocks", option(u64)],
  ["details_hash", Hash32],
]);

/** The model's layout: 1 or 2 (2, the layout every chain writes now, when not given). */
function genesisLayout(v, path) {
  const layout = v === null || typeof v !== "object" || v.layout === undefined ? 2 : v.layout;
  if (layout !== 1 && layout !== 2) throw new EncodeError(`${path}.layout`, `genesis commitment layout ${String(layout)} (1 or 2)`);
  if (layout === 1 && v.epoch_length_blocks !== undefined && v.epoch_length_blocks !== null) {
    throw new EncodeError(`${path}.epoch_length_blocks`, "a layout-1 genesis commitment states no epoch length (layout 2 does)");
  }
  return layout;
}
const withLayout = (layout, fields) => ({ layout, ...fields });
/** Layout 1 after its chain id (read first, to tell the layouts apart). */
const GenesisLayout1Rest = struct("GenesisCommitment", GenesisLayout1.fields.slice(1));

/**
 * What a genesis hash commits to (docs/evidence-format.md §2.5), in either layout. The model is
 * `{ layout: 1 | 2, chain_id, genesis_time_ms, params, validators, epoch_length_blocks (layout 2:
 * bigint or null for a single epoch), details_hash }`.
 * - layout 2 (every chain made since the epoch length is committed in the clear):
 *   `u32 0xFFFFFFFF ‖ u8 0x02 ‖ borsh(chain_id, genesis_time_ms, params, validators,
 *   epoch_length_blocks: Option<u64>, details_hash)`;
 * - layout 1 (older chains): `borsh(chain_id, genesis_time_ms, params, validators, details_hash)`,
 *   no epoch length.
 * A reader tells them apart by the first four bytes (a chain id is at most 64 bytes) and refuses
 * a layout mark other than 2, a chain id over 64 bytes in either layout, and a layout-2 epoch
 * length outside 10..=1,000,000 (what a genesis may set; a zero would divide by zero in step 3g).
 * Writing does not check these (as Rust's serializer). Each layout has one encoding, so
 * re-encoding a decoded commitment gives back its bytes (and its genesis hash).
 */
export const GenesisCommitment = {
  name: "GenesisCommitment",
  minSize: GenesisLayout1.minSize,
  write(w, v, path = "GenesisCommitment") {
    if (genesisLayout(v, path) === 1) return GenesisLayout1.write(w, v, path);
    w.uint(COMMITMENT_LAYOUT_2_MARK, 4);
    w.u8(2);
    GenesisLayout2.write(w, v, path);
  },
  read(r) {
    const first = Number(r.uint(4));
    if (first === COMMITMENT_LAYOUT_2_MARK) {
      const mark = r.u8();
      if (mark !== 2) throw new DecodeError("malformed", `unknown genesis commitment layout ${mark} (this SDK knows 1 and 2)`);
      // Read in full, then checked (as Rust).
      const g = GenesisLayout2.read(r);
      const idBytes = utf8(g.chain_id).length;
      if (idBytes > CHAIN_ID_BYTES_MAX) throw new DecodeError("malformed", `genesis commitment chain id of ${idBytes} bytes (at most ${CHAIN_ID_BYTES_MAX})`);
      const l = g.epoch_length_blocks;
      if (l !== null && (l < EPOCH_LENGTH_BLOCKS_MIN || l > EPOCH_LENGTH_BLOCKS_MAX)) {
        throw new DecodeError("malformed", `genesis commitment epoch length of ${l} blocks (a genesis may set ${EPOCH_LENGTH_BLOCKS_MIN}..=${EPOCH_LENGTH_BLOCKS_MAX})`);
      }
      return withLayout(2, g);
    }
    // Layout 1: `first` was the chain id's length.
    if (first > CHAIN_ID_BYTES_MAX) throw new DecodeError("malformed", `genesis commitment chain id of ${first} bytes (at most ${CHAIN_ID_BYTES_MAX})`);
    let chain_id;
    try {
      chain_id = fromUtf8(r.take(first));
    } catch (e) {
      if (e instanceof DecodeError) throw e;
      throw new DecodeError("malformed", "string is not valid UTF-8");
    }
    return withLayout(1, { chain_id, ...GenesisLayout1Rest.read(r) });
  },
  toJson(v) {
    const layout = genesisLayout(v, "GenesisCommitment");
    return withLayout(layout, (layout === 1 ? GenesisLayout1 : GenesisLayout2).toJson(v));
  },
  fromJson(j, path = "GenesisCommitment") {
    if (j === null || typeof j !== "object" || Array.isArray(j)) throw new EncodeError(path, "expected a GenesisCommitment object");
    const layout = genesisLayout(j, path);
    const { layout: _, ...fields } = j;
    if (layout === 1 && "epoch_length_blocks" in fields) delete fields.epoch_length_blocks;
    return withLayout(layout, (layout === 1 ? GenesisLayout1 : GenesisLayout2).fromJson(fields, path));
  },
};

export const BlockHeader = struct("BlockHeader", [
  ["height", u64],
  ["parent", Hash32],
  ["epoch", u64],
  ["view", u64],
  ["time_ms", u64],
  ["proposer", bytes(32)],
  ["txs_root", Hash32],
  ["tx_count", u32],
  ["log_size", u64],
  ["log_root", Hash32],
  ["state_root", Hash32],
  ["validator_set_hash", Hash32],
  ["genesis_hash", Hash32],
]);

export const Certificate = struct("Certificate", [["parent_view", u64], ["signers", vec(u32)], ["signatures", vec(bytes(64))]]);

export const Registered = enumOf("Registered", "kind", [
  ["single", [["digest", Hash32]]],
  ["batch", [["root", Hash32], ["count", u32]]],
]);

export const EvidenceRecord = struct("EvidenceRecord", [
  ["proof_id", ProofId],
  ["registered", Registered],
  ["schema", string],
  ["metadata_digest", Hash32],
  ["salted", bool],
  ["registrant", AccountId],
  ["signer", PublicKeySchema],
  ["tx_id", TxId],
  ["height", u64],
  ["time_ms", u64],
]);

/** Where a proof stands: revoked and superseded are final; suspended returns to live when reinstated. */
export const ProofStatus = enumOf("ProofStatus", "status", [
  ["live", null],
  ["revoked", [["reason", string], ["tx_id", TxId], ["height", u64], ["time_ms", u64]]],
  ["superseded", [["by", ProofId], ["tx_id", TxId], ["height", u64], ["time_ms", u64]]],
  ["suspended", [["reason", string], ["tx_id", TxId], ["height", u64], ["time_ms", u64]]],
]);

export const ProofEntry = struct("ProofEntry", [
  ["record_hash", Hash32],
  ["leaf_index", u64],
  ["registrant", AccountId],
  ["registered_digest", Hash32],
  ["count", u32],
  ["status", ProofStatus],
]);

export const MemberEntry = struct("MemberEntry", [["status", ProofStatus]]);

export const MapProof = struct("MapProof", [["siblings", vec(Hash32)], ["terminal", option(tuple([Hash32, Hash32]))]]);

export const MemberEvidence = struct("MemberEvidence", [
  ["index", u32],
  ["leaf", Hash32],
  ["batch_proof", vec(Hash32)],
  ["status", option(MemberEntry)],
  ["status_proof", MapProof],
]);

export const DocumentOpening = struct("DocumentOpening", [["digest", Hash32], ["salt", option(bytes(32))]]);

export const ValidatorSetRecord = struct("ValidatorSetRecord", [
  ["seq", u64],
  ["effective_epoch", u64],
  ["boundary_height", u64],
  ["validators", vec(GenesisValidator)],
]);

export const SetLink = struct("SetLink", [
  ["header", BlockHeader],
  ["certificate", Certificate],
  ["record", ValidatorSetRecord],
  ["record_proof", MapProof],
]);

/** An attestation withdrawn: by whom, with which reason code, when. */
export const AttestationRevoked = struct("AttestationRevoked", [
  ["by", AccountId],
  ["reason", string],
  ["tx_id", TxId],
  ["height", u64],
  ["time_ms", u64],
]);

/** The attested identity of an issuer account, under `StateKey::IssuerProfile(account)`. */
export const IssuerAttestation = struct("IssuerAttestation", [
  ["profile", IssuerProfile],
  ["attested_by", AccountId],
  ["tx_id", TxId],
  ["height", u64],
  ["time_ms", u64],
  ["revoked", option(AttestationRevoked)],
]);

/**
 * The registrant's issuer identity at a header (bundle version 3, status proofs): its
 * attestation, or none (proven never attested), with the map proof of
 * `StateKey::IssuerProfile(registrant)` against the header's state root.
 */
export const IssuerEvidence = struct("IssuerEvidence", [["attestation", option(IssuerAttestation)], ["proof", MapProof]]);

/**
 * A checkpoint of the chain's log cosigned by witnesses (bundle version 4, receipt version 3;
 * docs/evidence-format.md §2.5, §7a): the C2SP note with its cosignature lines, and the RFC 9162
 * consistency proof between it and the file's header (from the smaller size to the larger).
 */
export const Witnessed = struct("Witnessed", [["note", string], ["consistency", vec(Hash32)]]);

export const Bundle = struct("Bundle", [
  ["genesis", GenesisCommitment],
  ["header", BlockHeader],
  ["certificate", Certificate],
  ["record", EvidenceRecord],
  ["log_proof", vec(Hash32)],
  ["entry", ProofEntry],
  ["entry_proof", MapProof],
  ["member", option(MemberEvidence)],
  ["document", option(DocumentOpening)],
  ["validator_chain", vec(SetLink)],
  // Versions 3 (present) and 4; versions 1 and 2 leave out its `00` tag.
  ["issuer", option(IssuerEvidence)],
  // Version 4 only (and then present); versions 1 to 3 leave out its `00` tag.
  ["witnessed", option(Witnessed)],
]);

/** One batch member's status entry (absent until its first change) and its map proof. */
export const MemberStatus = struct("MemberStatus", [
  ["index", u32],
  ["status", option(MemberEntry)],
  ["status_proof", MapProof],
]);

/** A status proof (`VELLUMST`, docs/evidence-format.md §2.4): a registration's status at a certified header. */
export const StatusProof = struct("StatusProof", [
  ["genesis", GenesisCommitment],
  ["header", BlockHeader],
  ["certificate", Certificate],
  ["proof_id", ProofId],
  ["entry", ProofEntry],
  ["entry_proof", MapProof],
  ["member", option(MemberStatus)],
  ["issuer", IssuerEvidence],
  ["validator_chain", vec(SetLink)],
]);

// ---- Payments ----

export const Conversion = struct("Conversion", [["desk", AccountId], ["num", u64], ["den", u64], ["rate_version", u64]]);

export const SettledLeg = struct("SettledLeg", [
  ["to", AccountId],
  ["token", string],
  ["amount", u128],
  ["credit_token", string],
  ["credit_amount", u128],
  ["conversion", option(Conversion)],
]);

/** The monitoring rule a held transfer hit (evidence-format §5): 0–3, 7, 8 the sender's; 4–6 the recipient's; 9 a listed party. */
export const Alert = enumOf("Alert", "rule", [
  ["large_transfer", [["token", string], ["amount", u128]]],
  ["velocity_amount", [["token", string], ["window_amount", u128]]],
  ["velocity_count", [["token", string], ["window_count", u32]]],
  ["structuring", [["token", string], ["just_under_count", u32]]],
  ["inflow_amount", [["token", string], ["account", AccountId], ["window_amount", u128]]],
  ["inflow_count", [["token", string], ["account", AccountId], ["window_count", u32]]],
  ["distinct_senders", [["token", string], ["account", AccountId], ["senders", u32]]],
  ["tier_leg", [["token", string], ["tier", u8], ["amount", u128]]],
  ["tier_window", [["token", string], ["tier", u8], ["window_amount", u128]]],
  ["sanctions", [["account", AccountId], ["list_version", u64]]],
]);

export const PaymentOutcome = enumOf("PaymentOutcome", "outcome", [
  ["settled", [["legs", vec(SettledLeg)], ["reference", option(Hash32)]]],
  ["held", [["hold", u64], ["legs", vec(SettledLeg)], ["alerts", vec(Alert)], ["reference", option(Hash32)]]],
  ["hold_posted", [["hold", u64], ["transfer", TxId], ["from", AccountId], ["legs", vec(SettledLeg)]]],
  ["hold_voided", [["hold", u64], ["transfer", TxId], ["from", AccountId]]],
]);

export const PaymentRecord = struct("PaymentRecord", [
  ["tx_id", TxId],
  ["height", u64],
  ["time_ms", u64],
  ["sender", AccountId],
  ["outcome", PaymentOutcome],
]);

export const Receipt = struct("Receipt", [
  ["genesis", GenesisCommitment],
  ["header", BlockHeader],
  ["certificate", Certificate],
  ["tx", Transaction],
  ["tx_index", u64],
  ["tx_proof", vec(Hash32)],
  ["record", PaymentRecord],
  ["record_proof", vec(Hash32)],
  ["validator_chain", vec(SetLink)],
  // Version 3 only (and then present); versions 1 and 2 leave out its `00` tag.
  ["witnessed", option(Witnessed)],
]);

// ---- Transaction receipts (`VELLUMTR`, docs/evidence-format.md §5a; crates/evidence/src/tx_receipt.rs) ----

/** An event a contract emitted (crates/types/src/contract.rs): log leaf `canonical("VELLUM:CONTRACT-EVENT:", event)`. */
export const ContractEvent = struct("ContractEvent", [
  ["tx_id", TxId],
  ["height", u64],
  ["contract", AccountId],
  // Position among the transaction's events.
  ["seq", u32],
  ["data", vecU8],
]);

/** Who consumed an invoice in a phase (C: reimbursed, D: tax cleared), in which transaction and block. */
export const Spend = struct("Spend", [["by", AccountId], ["tx_id", TxId], ["height", u64]]);

/** An issued e-invoice (crates/types/src/invoice.rs): `amount` is gross (VAT included), `vat` the VAT in it. */
export const Invoice = struct("Invoice", [
  ["id", Hash32],
  ["payment", TxId],
  ["seller", AccountId],
  ["buyer", AccountId],
  ["tax_authority", AccountId],
  ["token", string],
  ["amount", u128],
  ["vat", u128],
  ["document_digest", Hash32],
  ["issued_height", u64],
  ["reimbursed", option(Spend)],
  ["tax_cleared", option(Spend)],
]);

/** The leaf an `IssueInvoice` appends after itself (phase B): `canonical("VELLUM:INVOICE-RECORD:", record)`. */
export const InvoiceRecord = struct("InvoiceRecord", [
  ["tx_id", TxId],
  ["height", u64],
  ["time_ms", u64],
  ["invoice", Invoice],
]);

/**
 * A leaf a transaction appended right after itself, by kind (Rust `Appended`; its JSON form is
 * the CLI's and the vectors': `{ kind: "payment" | "event" | "invoice", record }`).
 */
export const Appended = enumOf("Appended", "kind", [
  ["payment", [["record", PaymentRecord]]],
  ["event", [["record", ContractEvent]]],
  ["invoice", [["record", InvoiceRecord]]],
]);

/** A transaction receipt: the signed transaction at `tx_index` and the leaves after it, each with its inclusion proof. */
export const TxReceipt = struct("TxReceipt", [
  ["genesis", GenesisCommitment],
  ["header", BlockHeader],
  ["certificate", Certificate],
  ["tx", Transaction],
  ["tx_index", u64],
  ["tx_proof", vec(Hash32)],
  ["appended", vec(tuple([Appended, vec(Hash32)]))],
  // One version: every field present (the chain possibly empty, `witnessed` possibly none).
  ["validator_chain", vec(SetLink)],
  ["witnessed", option(Witnessed)],
]);

export const LogAnchor = struct("LogAnchor", [
  ["genesis", GenesisCommitment],
  ["header", BlockHeader],
  ["certificate", Certificate],
  ["validator_chain", vec(SetLink)],
]);

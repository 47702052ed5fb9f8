// A one-validator test chain made here (no devnet): an evidence bundle proving that a
// credential's issuer-signed JWT was registered by the issuer's account, with or without an
// attested issuer identity, and status proofs of that registration later on. Built with the
// SDK's own schemas and signed with a validator key known to the test, so both verifiers (this
// SDK and crates/api/web/verify.js) check them as they check a devnet's files. Not a test file
// itself (no `.test.js`).

import {
  DOMAIN,
  SecretKey,
  accountIdOf,
  canonical,
  concat,
  encode,
  encodeBundle,
  encodeStatusProof,
  finalizeMessage,
  genesisHashOf,
  headerHashOf,
  issuerProfileKey,
  leafHash,
  nodeHash,
  proofIdOf,
  proofStateKey,
  sha256,
  toHex,
  utf8,
  validatorSetHashOf,
} from "../src/index.js";
import { stateValueHash } from "../src/hash.js";
import { EvidenceRecord as EvidenceRecordSchema, IssuerAttestation as IssuerAttestationSchema, ProofEntry as ProofEntrySchema } from "../src/types.js";

const ZERO = new Uint8Array(32);
const bit = (key, depth) => (key[depth >> 3] >> (7 - (depth & 7))) & 1;

/** A state map of one or two keys: its root and each key's proof (a key not in it: the first leaf, on no shared path). */
function stateMap(leaves) {
  const leafOf = ({ key, valueHash }) => sha256(concat(Uint8Array.of(0), key, valueHash));
  if (leaves.length === 1) {
    const proof = { siblings: [], terminal: [leaves[0].key, leaves[0].valueHash] };
    return { root: leafOf(leaves[0]), proof: () => proof };
  }
  const [a, b] = leaves;
  let j = 0;
  while (bit(a.key, j) === bit(b.key, j)) j++;
  let h = bit(a.key, j) ? nodeHash(leafOf(b), leafOf(a)) : nodeHash(leafOf(a), leafOf(b));
  for (let d = j - 1; d >= 0; d--) h = bit(a.key, d) ? nodeHash(ZERO, h) : nodeHash(h, ZERO);
  const proofs = new Map(
    [
      [a, b],
      [b, a],
    ].map(([x, other]) => [toHex(x.key), { siblings: [...Array(j).fill(ZERO), leafOf(other)], terminal: [x.key, x.valueHash] }]),
  );
  return { root: h, proof: (key) => proofs.get(toHex(key)) };
}

const PARAMS = { block_txs_max: 10000, block_bytes_max: 2097152, block_time_future_skew_ms: 1000n, block_time_past_skew_ms: 10000n };
const T0 = 1_767_225_600_000n;

/**
 * A chain (`chainId`, one validator) on which `issuer` (a SecretKey: its account registers)
 * registered `jwt` at height 5; `attested`: `{ name, domain }` of a registrar's attestation of
 * the issuer (else none). Returns `{ bundle, genesisHash, chainId, registrant, statusProof }`:
 * `statusProof(status, height)` is a status proof of the registration at a later header.
 */
export function credentialLedger({ jwt, issuer, chainId = "vellum-test", attested = null, registeredBy = null }) {
  const validator = SecretKey.fromBytes("ed25519", new Uint8Array(32).fill(0x5a));
  const validators = [validator.publicKey.bytes];
  const genesis = { chain_id: chainId, genesis_time_ms: T0, params: PARAMS, validators, details_hash: sha256(utf8("details")) };
  const genesisHash = genesisHashOf(genesis);
  const signer = registeredBy ?? issuer;
  const registrant = accountIdOf(signer.publicKey);
  const txId = sha256(utf8(`register ${jwt}`));
  const record = {
    proof_id: proofIdOf(txId),
    registered: { kind: "single", digest: sha256(utf8(jwt)) },
    schema: "sha256:file",
    metadata_digest: sha256(new Uint8Array(0)),
    salted: false,
    registrant,
    signer: signer.publicKey,
    tx_id: txId,
    height: 5n,
    time_ms: T0 + 5000n,
  };
  const attestation = attested && {
    profile: { name: attested.name, domain: attested.domain, x509_sha256: null, well_known_sha256: sha256(utf8(attested.domain)) },
    attested_by: sha256(utf8("registrar")),
    tx_id: sha256(utf8("attest")),
    height: 3n,
    time_ms: T0 + 3000n,
    revoked: null,
  };

  /** The entry and issuer sections at a header `height` with `status`, and that header signed. */
  function anchored(status, height) {
    const entry = {
      record_hash: sha256(canonical(DOMAIN.EVIDENCE_RECORD, EvidenceRecordSchema, record)),
      leaf_index: 0n,
      registrant,
      registered_digest: record.registered.digest,
      count: 0,
      status,
    };
    const entryKey = proofStateKey(record.proof_id);
    const issuerKey = issuerProfileKey(registrant);
    const leaves = [{ key: entryKey, valueHash: stateValueHash(encode(ProofEntrySchema, entry)) }];
    if (attestation) leaves.push({ key: issuerKey, valueHash: stateValueHash(encode(IssuerAttestationSchema, attestation)) });
    const map = stateMap(leaves);
    const header = {
      height,
      parent: ZERO,
      epoch: 0n,
      view: height,
      time_ms: T0 + height * 1000n,
      proposer: validators[0],
      txs_root: ZERO,
      tx_count: 0,
      log_size: 1n,
      log_root: leafHash(canonical(DOMAIN.EVIDENCE_LEAF, EvidenceRecordSchema, record)),
      state_root: map.root,
      validator_set_hash: validatorSetHashOf(validators),
      genesis_hash: genesisHash,
    };
    const message = finalizeMessage(header.epoch, header.view, height - 1n, headerHashOf(header));
    const certificate = { parent_view: height - 1n, signers: [0], signatures: [validator.sign(message).signature] };
    const issuerSection = { attestation, proof: attestation ? map.proof(issuerKey) : map.proof(entryKey) };
    return { header, certificate, entry, entryProof: map.proof(entryKey), issuerSection };
  }

  const at5 = anchored({ status: "live" }, 5n);
  const bundle = encodeBundle({
    genesis,
    header: at5.header,
    certificate: at5.certificate,
    record,
    log_proof: [],
    entry: at5.entry,
    entry_proof: at5.entryProof,
    member: null,
    document: null,
    validator_chain: [],
    issuer: at5.issuerSection,
  });
  const statusProof = (status, height) => {
    const a = anchored(status, BigInt(height));
    return encodeStatusProof({
      genesis,
      header: a.header,
      certificate: a.certificate,
      proof_id: record.proof_id,
      entry: a.entry,
      entry_proof: a.entryProof,
      member: null,
      issuer: a.issuerSection,
      validator_chain: [],
    });
  };
  return { bundle, genesisHash: toHex(genesisHash), chainId, registrant: toHex(registrant), statusProof };
}

/** A revoked status at `height` (reason code `privilege_withdrawn`). */
export const revokedAt = (height) => ({ status: "revoked", reason: "privilege_withdrawn", tx_id: sha256(utf8(`revoke ${height}`)), height: BigInt(height), time_ms: T0 + BigInt(height) * 1000n });

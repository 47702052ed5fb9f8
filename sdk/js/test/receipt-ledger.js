// Payment receipts made here (no devnet): a four-validator test chain whose log holds a signed
// transaction and its payment record right after it, finalized by three of the four validators.
// Built with the SDK's own schemas and signed with validator keys known to the test, so both
// verifiers (this SDK and crates/api/web/verify.js) check them as they check a devnet's
// receipt. The transaction is taken as given — tampered signatures included — so that a receipt
// can fail exactly at step 6 (binding). A receipt can carry a witnessed checkpoint (version 3)
// made from the log's leaves, including leaves after the header's. Not a test file itself (no
// `.test.js`).

import {
  DOMAIN,
  SecretKey,
  canonical,
  encodeReceipt,
  finalizeMessage,
  genesisHashOf,
  headerHashOf,
  inclusionProof,
  leafHash,
  merkleRoot,
  sha256,
  toHex,
  txId,
  txLeafBytes,
  utf8,
  validatorSetHashOf,
} from "../src/index.js";
import { PaymentRecord } from "../src/types.js";

const PARAMS = { block_txs_max: 10000, block_bytes_max: 2097152, block_time_future_skew_ms: 1000n, block_time_past_skew_ms: 10000n };
const T0 = 1_767_225_600_000n;
const VALIDATORS = [0x61, 0x62, 0x63, 0x64]
  .map((n) => SecretKey.fromBytes("ed25519", new Uint8Array(32).fill(n)))
  .sort((a, b) => (toHex(a.publicKey.bytes) < toHex(b.publicKey.bytes) ? -1 : 1));

/** Leaves of the log after the header's five (what a later checkpoint covers). */
export const LATER_LEAVES = [leafHash(utf8("leaf 5")), leafHash(utf8("leaf 6"))];

/**
 * A receipt (file bytes) of `tx` (an SDK Transaction value, signed or tampered) with `outcome`
 * (a PaymentOutcome value): the record is `{ tx_id: txId(tx), height 6, sender: tx's sender }`
 * unless `record` overrides some of its fields. `witnessed`, when given, makes the receipt's
 * witnessed section from `{ leaves, chainId, header }` (the header's five log leaves followed by
 * LATER_LEAVES). Returns `{ receipt, genesisHash, record, leaves }`.
 */
export function receiptFile({ tx, outcome, record: override = {}, chainId = "vellum-test", witnessed = null }) {
  const validators = VALIDATORS.map((v) => v.publicKey.bytes);
  const genesis = { chain_id: chainId, genesis_time_ms: T0, params: PARAMS, validators, details_hash: sha256(utf8("details")) };
  const genesisHash = genesisHashOf(genesis);
  const record = { tx_id: txId(tx.unsigned), height: 6n, time_ms: T0 + 6000n, sender: tx.unsigned.sender, outcome, ...override };
  const leaves = [
    leafHash(utf8("an earlier leaf")),
    leafHash(txLeafBytes(tx)),
    leafHash(canonical(DOMAIN.PAYMENT_RECORD, PaymentRecord, record)),
    leafHash(utf8("a later leaf")),
    leafHash(utf8("the last leaf")),
  ];
  const header = {
    height: 7n,
    parent: sha256(utf8("block 6")),
    epoch: 0n,
    view: 8n,
    time_ms: T0 + 7000n,
    proposer: validators[1],
    txs_root: sha256(utf8("txs")),
    tx_count: 2,
    log_size: BigInt(leaves.length),
    log_root: merkleRoot(leaves),
    state_root: sha256(utf8("state")),
    validator_set_hash: validatorSetHashOf(validators),
    genesis_hash: genesisHash,
  };
  const message = finalizeMessage(header.epoch, header.view, 7n, headerHashOf(header));
  const signers = [0, 2, 3];
  const certificate = { parent_view: 7n, signers, signatures: signers.map((i) => VALIDATORS[i].sign(message).signature) };
  const receipt = encodeReceipt({
    genesis,
    header,
    certificate,
    tx,
    tx_index: 1n,
    tx_proof: inclusionProof(1, leaves),
    record,
    record_proof: inclusionProof(2, leaves),
    validator_chain: [],
    witnessed: witnessed ? witnessed({ leaves: [...leaves, ...LATER_LEAVES], chainId, header }) : null,
  });
  return { receipt, genesisHash: toHex(genesisHash), record, leaves };
}

// Payment receipts made here (no devnet): a four-validator test chain whose log holds a signed
// transaction and its payment record right after it, finalized by three of the four validators.
// Built with the SDK's own schemas and signed with validator keys known to the test, so both
// verifiers (this SDK and crates/api/web/verify.js) check them as they check a devnet's
// receipt. The transaction is taken as given — tampered signatures included — so that a receipt
// can fail exactly at step 6 (binding). A receipt can carry a witnessed checkpoint (version 3)
// made from the log's leaves, including leaves after the header's. Transaction receipts
// (`VELLUMTR`) are made the same way: a transaction and the leaves it appended after itself
// (payment records, contract events, an invoice). Not a test file itself (no `.test.js`).

import {
  DOMAIN,
  SecretKey,
  accountIdOf,
  appendedLeafBytes,
  canonical,
  checkpointNote,
  consistencyProof,
  cosignCheckpoint,
  encodeReceipt,
  encodeTxReceipt,
  finalizeMessage,
  genesisHashOf,
  headerHashOf,
  inclusionProof,
  leafHash,
  merkleRoot,
  newCheckpoint,
  sha256,
  signTransaction,
  toHex,
  txId,
  txLeafBytes,
  utf8,
  validatorSetHashOf,
} from "../src/index.js";
import { PaymentRecord } from "../src/types.js";

const PARAMS = { block_txs_max: 10000, block_bytes_max: 2097152, block_time_future_skew_ms: 1000n, block_time_past_skew_ms: 10000n };
const T0 = 1_767_225_600_000n;
/** The test chain's four validators (Ed25519 seeds `[0x61; 32]` to `[0x64; 32]`), sorted by key as consensus orders them. */
export const VALIDATORS = [0x61, 0x62, 0x63, 0x64]
  .map((n) => SecretKey.fromBytes("ed25519", new Uint8Array(32).fill(n)))
  .sort((a, b) => (toHex(a.publicKey.bytes) < toHex(b.publicKey.bytes) ? -1 : 1));

/** Leaves of the log after the header's (what a later checkpoint covers). */
export const LATER_LEAVES = [leafHash(utf8("leaf 5")), leafHash(utf8("leaf 6"))];

/** The vectors' witnesses: `witness.example/v<i>`, Ed25519 seed `[0x50 + i; 32]` (crates/cli/src/vectors_evidence.rs). */
export const vectorWitness = (i) => ({ name: `witness.example/v${i}`, key: SecretKey.fromBytes("ed25519", new Uint8Array(32).fill(0x50 + i)) });

/**
 * A `witnessed` maker for `receiptFile` and `txReceiptFile`: the checkpoint of the log's first
 * `size` leaves (a payment receipt's header has 5; the transaction is leaf 1, so a receipt covers
 * 3; a transaction receipt's header has 4 more than it has appended leaves), cosigned by `by` (vector
 * witnesses 1 and 2 by default), with the consistency proof to the header's log; `origin`
 * replaces the chain id, and `bend(witnessed, checkpoint, leaves)` changes the section before it
 * goes into the receipt.
 */
export const witnessedAt =
  (size, { by = [vectorWitness(1), vectorWitness(2)], bend = (w) => w, origin = null } = {}) =>
  ({ leaves, chainId, header }) => {
    const cp = newCheckpoint(origin ?? chainId, size, merkleRoot(leaves.slice(0, size)));
    by.forEach((w, i) => cosignCheckpoint(cp, w.name, w.key, 1_800_000_000 + i));
    const h = Number(header.log_size);
    const consistency = size === h ? [] : size < h ? consistencyProof(size, leaves.slice(0, h)) : consistencyProof(h, leaves.slice(0, size));
    return bend({ note: checkpointNote(cp), consistency }, cp, leaves);
  };

/**
 * A receipt (file bytes) of `tx` (an SDK Transaction value, signed or tampered) with `outcome`
 * (a PaymentOutcome value): the record is `{ tx_id: txId(tx), height 6, sender: tx's sender }`
 * unless `record` overrides some of its fields. `witnessed`, when given, makes the receipt's
 * witnessed section from `{ leaves, chainId, header }` (the header's five log leaves followed by
 * LATER_LEAVES). Returns `{ receipt, genesisHash, record, leaves }`.
 */
export function receiptFile({ tx, outcome, record: override = {}, chainId = "vellum-test", witnessed = null }) {
  const record = { tx_id: txId(tx.unsigned), height: 6n, time_ms: T0 + 6000n, sender: tx.unsigned.sender, outcome, ...override };
  const leaves = [
    leafHash(utf8("an earlier leaf")),
    leafHash(txLeafBytes(tx)),
    leafHash(canonical(DOMAIN.PAYMENT_RECORD, PaymentRecord, record)),
    leafHash(utf8("a later leaf")),
    leafHash(utf8("the last leaf")),
  ];
  const { genesis, genesisHash, header, certificate } = anchored(leaves, chainId);
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

/**
 * A transaction receipt (file bytes) of `tx` (signed or tampered) and the leaves it appended
 * (`appended`: `{ kind: "payment" | "event" | "invoice", record }`, each record's `tx_id` and
 * `height` defaulting to `txId(tx)` and 6): the log is an earlier leaf, the transaction (index
 * 1), the appended leaves (2, 3, …), then two more; header at height 7. `bend(value)` changes the
 * decoded receipt before it is encoded; `witnessed` as for `receiptFile`. Returns `{ receipt,
 * genesisHash, appended, leaves }`.
 */
export function txReceiptFile({ tx, appended, chainId = "vellum-test", witnessed = null, bend = (r) => r }) {
  const id = txId(tx.unsigned);
  const records = appended.map((a) => ({ kind: a.kind, record: { tx_id: id, height: 6n, ...a.record } }));
  const leaves = [
    leafHash(utf8("an earlier leaf")),
    leafHash(txLeafBytes(tx)),
    ...records.map((a) => leafHash(appendedLeafBytes(a))),
    leafHash(utf8("a later leaf")),
    leafHash(utf8("the last leaf")),
  ];
  const { genesis, genesisHash, header, certificate } = anchored(leaves, chainId);
  const receipt = encodeTxReceipt(
    bend({
      genesis,
      header,
      certificate,
      tx,
      tx_index: 1n,
      tx_proof: inclusionProof(1, leaves),
      appended: records.map((a, k) => [a, inclusionProof(2 + k, leaves)]),
      validator_chain: [],
      witnessed: witnessed ? witnessed({ leaves: [...leaves, ...LATER_LEAVES], chainId, header }) : null,
    }),
  );
  return { receipt, genesisHash: toHex(genesisHash), appended: records, leaves };
}

/** The test chain's genesis and a header at height 7 committing to `leaves`, finalized by three of the four validators. */
function anchored(leaves, chainId) {
  const validators = VALIDATORS.map((v) => v.publicKey.bytes);
  const genesis = { chain_id: chainId, genesis_time_ms: T0, params: PARAMS, validators, details_hash: sha256(utf8("details")) };
  const genesisHash = genesisHashOf(genesis);
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
  return { genesis, genesisHash, header, certificate };
}

/** A signed one-leg transfer and its settled outcome (any valid payment will do for a witnessed receipt). */
export function transferPayment() {
  const ed = SecretKey.fromBytes("ed25519", new Uint8Array(32).fill(1));
  const to = new Uint8Array(32).fill(0x0a);
  const body = { type: "transfer", legs: [{ to, token: "EUR", amount: 5n, convert: null }], reference: null };
  const tx = signTransaction({ chain_id: "vellum-test", sender: accountIdOf(ed.publicKey), nonce: 1n, expiry_height: 100n, body }, [ed]);
  const outcome = { outcome: "settled", legs: [{ to, token: "EUR", amount: 5n, credit_token: "EUR", credit_amount: 5n, conversion: null }], reference: null };
  return { tx, outcome };
}

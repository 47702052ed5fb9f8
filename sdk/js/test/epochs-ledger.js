// Chained payment receipts made here (no devnet) under either genesis commitment layout, for
// step 3g (docs/evidence-format.md §2.5, §4 step 3): the test chain of test/receipt-ledger.js,
// its genesis rewritten (layout 2 with a chosen epoch length, or layout 1), validator-set changes
// at chosen heights and epochs, and the anchored header at a chosen height and epoch — every
// header signed by the set in force with validator keys known to the test, so only the epoch
// arithmetic decides. Both verifiers (this SDK and crates/api/web/verify.js) run the cases:
// test/epochs.test.js under Node, test/browser.test.js in Chromium. Not a test file itself (no
// `.test.js`).

import { SecretKey, concat, encode, encodeReceipt, decodeReceipt, finalizeMessage, genesisHashOf, headerHashOf, sha256, toHex, utf8, validatorSetHashOf } from "../src/index.js";
import { stateValueHash, validatorSetChangeKey } from "../src/hash.js";
import { ValidatorSetRecord } from "../src/types.js";
import { VALIDATORS, receiptFile, transferPayment } from "./receipt-ledger.js";

/** `u64::MAX`. */
export const U64_MAX = (1n << 64n) - 1n;

const sorted = (keys) => keys.slice().sort((a, b) => (toHex(a.publicKey.bytes) < toHex(b.publicKey.bytes) ? -1 : 1));
/** The set a first change installs (three validators); a second change installs the genesis set again. */
const OTHER_SET = sorted([0x71, 0x72, 0x73].map((n) => SecretKey.fromBytes("ed25519", new Uint8Array(32).fill(n))));
const keysOf = (set) => set.map((k) => k.publicKey.bytes);

/** A certificate of `header` by every validator of `set` (indices 0..n−1). */
function certify(header, set) {
  const parentView = header.view - 1n;
  const message = finalizeMessage(header.epoch, header.view, parentView, headerHashOf(header));
  return { parent_view: parentView, signers: set.map((_, i) => i), signatures: set.map((k) => k.sign(message).signature) };
}

/**
 * A receipt (file bytes) on a chain whose genesis has `layout` (2: `epochLength` blocks per
 * epoch, null for a single epoch; 1: none stated), with a validator-set change at each of `links`
 * (`{ height, epoch }`, alternating the genesis set and another) and the anchored header at
 * `header` (`{ height, epoch }`, at least 7: the payment is at height 6). Returns `{ file,
 * genesisHash, value }`: the file bytes, the genesis hash (hex), and the receipt value encoded
 * (what a verifier given a decoded receipt checks; the epoch length is not range-checked there).
 */
export function chainedReceipt({ layout = 2, epochLength = 20n, links = [], header: at }) {
  const base = decodeReceipt(receiptFile(transferPayment()).receipt);
  const g = base.genesis;
  const genesis =
    layout === 1
      ? { layout: 1, chain_id: g.chain_id, genesis_time_ms: g.genesis_time_ms, params: g.params, validators: keysOf(VALIDATORS), details_hash: g.details_hash }
      : { layout, chain_id: g.chain_id, genesis_time_ms: g.genesis_time_ms, params: g.params, validators: keysOf(VALIDATORS), epoch_length_blocks: epochLength, details_hash: g.details_hash };
  const genesisHash = genesisHashOf(genesis);
  let set = VALIDATORS;
  const chain = links.map(({ height, epoch }, i) => {
    const next = i % 2 === 0 ? OTHER_SET : VALIDATORS;
    const record = {
      seq: BigInt(i + 1),
      effective_epoch: epoch + 1n,
      boundary_height: height,
      validators: next.map((k, j) => ({ name: `v${j}`, consensus_key: k.publicKey.bytes, p2p_key: k.publicKey.bytes, address: `127.0.0.1:${7100 + j}` })),
    };
    // A state of one key: its root is that leaf; the proof, the leaf itself.
    const key = validatorSetChangeKey(record.seq);
    const valueHash = stateValueHash(encode(ValidatorSetRecord, record));
    const header = {
      ...base.header,
      height,
      epoch,
      view: BigInt(10 * (i + 1)),
      parent: sha256(utf8(`block ${height - 1n}`)),
      state_root: sha256(concat(Uint8Array.of(0), key, valueHash)),
      validator_set_hash: validatorSetHashOf(keysOf(set)),
      genesis_hash: genesisHash,
    };
    const link = { header, certificate: certify(header, set), record, record_proof: { siblings: [], terminal: [key, valueHash] } };
    set = next;
    return link;
  });
  const header = { ...base.header, height: at.height, epoch: at.epoch, view: 1000n, validator_set_hash: validatorSetHashOf(keysOf(set)), genesis_hash: genesisHash };
  const value = { ...base, genesis, header, certificate: certify(header, set), validator_chain: chain };
  return { file: encodeReceipt(value), genesisHash: toHex(genesisHash), value };
}

const STEP_1 = "step 1 (decode)";
const STEP_3 = "step 3 (validator set)";
const L = 20n;
// The longest epoch a genesis may set, and the last of its epochs that fit in u64: heights near
// 2^64 are exact only in u64 (bigint) arithmetic (a double's step there is 4096).
const MAX = 1_000_000n;
const K = U64_MAX / MAX;

/**
 * The step-3g cases: `{ name, options, file, genesisHash, expect, why, epochLength }` —
 * `options` what `chainedReceipt` made the file of, `expect` "ok" or the failing step, `why` a
 * pattern of the SDK's failure detail (null: none checked), `epochLength` what a valid result
 * reports (bigint, or null under layout 1).
 */
export function epochCases() {
  const c = (name, options, expect, why = null) => ({ name, options, ...chainedReceipt(options), expect, why, epochLength: options.layout === 1 ? null : options.epochLength === undefined ? L : options.epochLength ?? U64_MAX });
  const two = [
    { height: 19n, epoch: 0n },
    { height: 39n, epoch: 1n },
  ];
  return [
    c("layout 2: two changes on epoch boundaries, the header in its epoch", { links: two, header: { height: 51n, epoch: 2n } }, "ok"),
    c("layout 2: a change's epoch is not its height's", { links: [{ height: 19n, epoch: 1n }], header: { height: 51n, epoch: 2n } }, STEP_3, /^a validator-set change at height 19 claims epoch 1, not 0 under the committed epoch length of 20 blocks$/),
    c("layout 2: a change not on the last block of an epoch", { links: [{ height: 18n, epoch: 0n }], header: { height: 51n, epoch: 2n } }, STEP_3, /^validator-set change 1 is at height 18, not the last block of an epoch of 20 blocks$/),
    c("layout 2: a change on the first block of an epoch", { links: [{ height: 20n, epoch: 1n }], header: { height: 51n, epoch: 2n } }, STEP_3, /not the last block of an epoch of 20 blocks$/),
    c("layout 2: the second change off its boundary", { links: [two[0], { height: 40n, epoch: 2n }], header: { height: 71n, epoch: 3n } }, STEP_3, /^validator-set change 2 is at height 40/),
    c("layout 2: the header's epoch is not its height's", { links: two, header: { height: 51n, epoch: 3n } }, STEP_3, /^the header at height 51 claims epoch 3, not 2 under the committed epoch length of 20 blocks$/),
    c("layout 2, no change: the header's epoch is not its height's", { header: { height: 7n, epoch: 1n } }, STEP_3, /^the header at height 7 claims epoch 1, not 0/),
    c("layout 1: the same changes off their boundaries and epochs are not checked (3g skipped)", { layout: 1, links: [{ height: 18n, epoch: 0n }, { height: 40n, epoch: 5n }], header: { height: 51n, epoch: 9n } }, "ok"),
    c("layout 2, a single epoch (none): the header at height 7 is in epoch 0", { epochLength: null, header: { height: 7n, epoch: 0n } }, "ok"),
    c("layout 2, a single epoch (none): no header at height 7 is in epoch 1", { epochLength: null, header: { height: 7n, epoch: 1n } }, STEP_3, /claims epoch 1, not 0 under the committed epoch length of 18446744073709551615 blocks$/),
    c("layout 2, a single epoch: a change at 2^64 − 2 ends it, the header at 2^64 − 1 is in epoch 1", { epochLength: null, links: [{ height: U64_MAX - 1n, epoch: 0n }], header: { height: U64_MAX, epoch: 1n } }, "ok"),
    c("layout 2, a single epoch: a change at 2^64 − 3 is not on its boundary", { epochLength: null, links: [{ height: U64_MAX - 2n, epoch: 0n }], header: { height: U64_MAX, epoch: 1n } }, STEP_3, /not the last block of an epoch/),
    c("layout 2, epochs of 1,000,000 blocks: a change on the last boundary below 2^64, the header after it (exact u64 arithmetic)", { epochLength: MAX, links: [{ height: K * MAX - 1n, epoch: K - 1n }], header: { height: U64_MAX, epoch: K } }, "ok"),
    c("layout 2, epochs of 1,000,000 blocks: a change near 2^64 one block early", { epochLength: MAX, links: [{ height: K * MAX - 2n, epoch: K - 1n }], header: { height: U64_MAX, epoch: K } }, STEP_3, /^validator-set change 1 is at height 18446744073708999998, not the last block of an epoch of 1000000 blocks$/),
    c("layout 2, epochs of 1,000,000 blocks: the header near 2^64 one block before its epoch", { epochLength: MAX, header: { height: K * MAX - 1n, epoch: K } }, STEP_3, /claims epoch 18446744073709, not 18446744073708 /),
    // 2^64 is a multiple of 16: `height + 1` must not wrap to 0 (Rust's checked_add refuses it).
    c("layout 2, epochs of 16 blocks: a change at 2^64 − 1 is on no boundary (height + 1 overflows)", { epochLength: 16n, links: [{ height: U64_MAX, epoch: U64_MAX / 16n }], header: { height: U64_MAX, epoch: U64_MAX / 16n } }, STEP_3, /^validator-set change 1 is at height 18446744073709551615, not the last block/),
    // Epoch lengths no genesis may set: refused when the file is read (a zero would divide by zero).
    c("layout 2, an epoch length of 0: refused at decode", { epochLength: 0n, header: { height: 7n, epoch: 0n } }, STEP_1),
    c("layout 2, an epoch length of 9: refused at decode", { epochLength: 9n, header: { height: 7n, epoch: 0n } }, STEP_1),
    c("layout 2, an epoch length of 1,000,001: refused at decode", { epochLength: MAX + 1n, header: { height: 7n, epoch: 0n } }, STEP_1),
    c("layout 2, an epoch length of 10 (the shortest): a change at height 9, the header at 10 in epoch 1", { epochLength: 10n, links: [{ height: 9n, epoch: 0n }], header: { height: 10n, epoch: 1n } }, "ok"),
  ];
}

// Genesis commitment layouts and step 3g (docs/evidence-format.md §2.5, §4 step 3): layout 2
// (`FF FF FF FF 02`, the epoch length in the clear) and layout 1 (older files, none) told apart
// by the first four bytes in every example file, each hashed over its own bytes; an unknown
// layout mark, a bad epoch-length tag, truncation and a layout-1 chain id over 64 bytes refused
// at step 1; and the epoch arithmetic of 3g in u64 (bigint) — each set change's epoch is its
// height's and it sits on the last block of an epoch, the anchored header's epoch is its
// height's, nothing checked under layout 1 — on receipts made here (test/epochs-ledger.js), in
// this SDK and the web verifier (crates/api/web/verify.js) alike, and on the devnet's
// epochs-two-set-changes.vellum.

import { test } from "node:test";
import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";
import { join } from "node:path";
import {
  DOMAIN,
  DecodeError,
  EncodeError,
  VerifyError,
  canonical,
  decode,
  decodeBundle,
  decodeReceipt,
  decodeStatusProof,
  encode,
  encodeBundle,
  encodeReceipt,
  epochLengthOf,
  fromHex,
  genesisHashOf,
  schemas,
  sha256,
  toHex,
  utf8,
  verifyBundle,
  verifyEvidence,
  verifyReceipt,
} from "../src/index.js";
import { REPO, exampleText, readExample } from "./fixtures.js";
import { U64_MAX, chainedReceipt, epochCases } from "./epochs-ledger.js";

const web = await import(pathToFileURL(join(REPO, "crates", "api", "web", "verify.js")).href);
const { GenesisCommitment } = schemas;

/** Every example evidence file, its pinned genesis hash, and the layout its genesis commitment has. */
const EXAMPLES = [
  ["diploma.vellum", "genesis-hash.txt", 1],
  ["batch-member.vellum", "batch-genesis-hash.txt", 1],
  ["batch-member-revoked.vellum", "batch-genesis-hash.txt", 1],
  ["contract-two-set-changes.vellum", "set-changes-genesis-hash.txt", 1],
  ["payment.vellumrc", "payment-genesis-hash.txt", 1],
  ["epochs-two-set-changes.vellum", "epochs-genesis-hash.txt", 2],
  ["status-diploma.vellum", "status-genesis-hash.txt", 2],
  ["status-cert-1.vellum", "status-genesis-hash.txt", 2],
  ["status-diploma-suspended.status", "status-genesis-hash.txt", 2],
  ["status-cert-1-revoked.status", "status-genesis-hash.txt", 2],
  ["attested-diploma.vellum", "attested-genesis-hash.txt", 2],
  ["attested-diploma-revoked-issuer.status", "attested-genesis-hash.txt", 2],
  ["credential-bundle.vellum", "credential-genesis-hash.txt", 2],
  ["credential-revoked.status", "credential-genesis-hash.txt", 2],
];
const decodeAny = (bytes) => ({ VELLUMEV: decodeBundle, VELLUMRC: decodeReceipt, VELLUMST: decodeStatusProof })[new TextDecoder().decode(bytes.subarray(0, 8))](bytes);
const webParse = (bytes) => ({ VELLUMEV: web.parse, VELLUMRC: web.parseReceipt, VELLUMST: web.parseStatus })[new TextDecoder().decode(bytes.subarray(0, 8))](bytes);
/** The web verifier's verdict, as this SDK's is worded: "ok" or "step N (name)". */
const webVerdict = async (bytes, pinned) => {
  const r = await ({ VELLUMEV: (b, p) => web.verifyBundle(b, null, p), VELLUMRC: web.verifyReceipt, VELLUMST: web.verifyStatusProof })[new TextDecoder().decode(bytes.subarray(0, 8))](bytes, pinned);
  return r.ok ? "ok" : r.step;
};
const sdkVerdict = (f) => {
  try {
    f();
    return "ok";
  } catch (e) {
    if (!(e instanceof VerifyError)) throw e;
    return `step ${e.stepNumber} (${e.step})`;
  }
};

test("genesis commitment layouts: every example's told apart by its first four bytes and hashed over its own bytes", async () => {
  for (const [name, pin, layout] of EXAMPLES) {
    const bytes = new Uint8Array(readExample(name));
    const pinned = exampleText(pin);
    const g = decodeAny(bytes).genesis;
    assert.equal(g.layout, layout, name);
    // The commitment follows the 9-byte frame; re-encoded, it is exactly those bytes.
    const raw = encode(GenesisCommitment, g);
    assert.equal(toHex(bytes.subarray(9, 9 + raw.length)), toHex(raw), `${name}: one encoding`);
    assert.deepStrictEqual(decode(GenesisCommitment, raw), g, name);
    if (layout === 2) {
      assert.equal(toHex(raw.subarray(0, 5)), "ffffffff02", name);
      assert.equal(typeof g.epoch_length_blocks, "bigint", `${name}: the devnets commit their epoch length`);
      assert.equal(epochLengthOf(g), g.epoch_length_blocks, name);
    } else {
      assert.equal(new DataView(raw.buffer, raw.byteOffset).getUint32(0, true), utf8(g.chain_id).length, `${name}: layout 1 starts with the chain id`);
      assert.equal("epoch_length_blocks" in g, false, name);
      assert.equal(epochLengthOf(g), null, name);
    }
    // The genesis hash is SHA-256("VELLUM:GENESIS:" ‖ 01 ‖ the commitment's bytes), in its own layout.
    assert.equal(toHex(sha256(canonical(DOMAIN.GENESIS, GenesisCommitment, g))), pinned, name);
    assert.equal(toHex(sha256(Uint8Array.of(...utf8("VELLUM:GENESIS:"), 1, ...raw))), pinned, name);
    assert.equal(toHex(genesisHashOf(g)), pinned, name);
    // Both verifiers: valid against the pin, with the same epoch length; the web verifier hashes the raw slice.
    const sdk = verifyEvidence(bytes, { genesisHash: pinned });
    assert.equal(sdk.epochLength, epochLengthOf(g), name);
    const parsed = webParse(bytes);
    assert.equal(toHex(parsed.genesis_bytes), toHex(raw), name);
    assert.equal(parsed.epoch_length, epochLengthOf(g), name);
    assert.equal(await webVerdict(bytes, pinned), "ok", name);
  }
  // Rewriting a layout-2 commitment as layout 1 (or back) is another genesis: another hash.
  const g = decodeBundle(readExample("epochs-two-set-changes.vellum")).genesis;
  const { epoch_length_blocks, ...one } = g;
  assert.equal(epoch_length_blocks, 20n);
  assert.notEqual(toHex(genesisHashOf({ ...one, layout: 1 })), toHex(genesisHashOf(g)));
  assert.notEqual(toHex(genesisHashOf({ ...g, epoch_length_blocks: null })), toHex(genesisHashOf(g)), "none committed is not 20");
});

test("genesis commitment decoding: an unknown layout mark, a bad epoch-length tag, truncation, a layout-1 chain id over 64 bytes — step 1 in both verifiers", async () => {
  const file = new Uint8Array(readExample("epochs-two-set-changes.vellum"));
  const pinned = exampleText("epochs-genesis-hash.txt");
  const g = decodeBundle(file).genesis;
  const raw = encode(GenesisCommitment, g);
  const at = (offset, byte) => {
    const t = file.slice();
    t[offset] = byte;
    return t;
  };
  // Layout marks other than 2 (byte 13: after the frame and FF FF FF FF).
  for (const mark of [0, 1, 3, 0xff]) {
    assert.equal(sdkVerdict(() => verifyBundle(at(13, mark), { genesisHash: pinned })), "step 1 (decode)", `mark ${mark}`);
    assert.equal(await webVerdict(at(13, mark), pinned), "step 1 (decode)", `mark ${mark} (web)`);
    assert.throws(() => decode(GenesisCommitment, Uint8Array.of(...raw.subarray(0, 4), mark, ...raw.subarray(5))), (e) => e instanceof DecodeError && /layout/.test(e.message), `mark ${mark}`);
  }
  // The epoch length's option tag: 0x01 here; 2 is no tag.
  const tag = raw.length - 32 - 9;
  assert.equal(raw[tag], 1);
  assert.equal(sdkVerdict(() => verifyBundle(at(9 + tag, 2), { genesisHash: pinned })), "step 1 (decode)");
  assert.equal(await webVerdict(at(9 + tag, 2), pinned), "step 1 (decode)");
  // Without the epoch length (tag 0, its 8 bytes gone): a valid commitment of another chain (step 2).
  const none = Uint8Array.of(...file.subarray(0, 9 + tag), 0, ...file.subarray(9 + tag + 9));
  assert.equal(decodeBundle(none).genesis.epoch_length_blocks, null);
  assert.equal(sdkVerdict(() => verifyBundle(none, { genesisHash: pinned })), "step 2 (checkpoint)");
  assert.equal(await webVerdict(none, pinned), "step 2 (checkpoint)");
  // Every truncation of the commitment, either layout, is refused (as Rust's decoder refuses it).
  const one = encode(GenesisCommitment, decodeBundle(readExample("diploma.vellum")).genesis);
  for (const bytes of [raw, one]) {
    for (let cut = 0; cut < bytes.length; cut++) assert.throws(() => decode(GenesisCommitment, bytes.subarray(0, cut)), DecodeError, `cut at ${cut}`);
  }
  // Layout 1: a chain id of 64 bytes reads; of 65 it cannot be one (step 1).
  const diploma = new Uint8Array(readExample("diploma.vellum"));
  const b = decodeBundle(diploma);
  for (const [length, verdict] of [
    [64, "step 3 (validator set)"],
    [65, "step 1 (decode)"],
  ]) {
    const bytes = encodeBundle({ ...b, genesis: { ...b.genesis, chain_id: "c".repeat(length) } });
    assert.equal(sdkVerdict(() => verifyBundle(bytes)), verdict, `chain id of ${length} bytes`);
    assert.equal(await webVerdict(bytes, null), verdict, `chain id of ${length} bytes (web)`);
  }
  // Layout 2: a chain id over 64 bytes, an epoch length a genesis may not set — written (as
  // Rust's serializer writes them), refused when read.
  for (const [what, value, verdict] of [
    ["a chain id of 64 bytes", { ...g, chain_id: "c".repeat(64) }, "step 3 (validator set)"],
    ["a chain id of 65 bytes", { ...g, chain_id: "c".repeat(65) }, "step 1 (decode)"],
    ["a chain id of 33 two-byte characters", { ...g, chain_id: "é".repeat(33) }, "step 1 (decode)"],
    ["an epoch length of 10", { ...g, epoch_length_blocks: 10n }, "step 3 (validator set)"],
    ["an epoch length of 1,000,000", { ...g, epoch_length_blocks: 1_000_000n }, "step 3 (validator set)"],
    ["a single epoch", { ...g, epoch_length_blocks: null }, "step 3 (validator set)"],
    ["an epoch length of 0", { ...g, epoch_length_blocks: 0n }, "step 1 (decode)"],
    ["an epoch length of 9", { ...g, epoch_length_blocks: 9n }, "step 1 (decode)"],
    ["an epoch length of 1,000,001", { ...g, epoch_length_blocks: 1_000_001n }, "step 1 (decode)"],
    ["an epoch length of 2^64 − 1 stated", { ...g, epoch_length_blocks: U64_MAX }, "step 1 (decode)"],
  ]) {
    const raw2 = encode(GenesisCommitment, value);
    if (verdict === "step 1 (decode)") assert.throws(() => decode(GenesisCommitment, raw2), DecodeError, what);
    else assert.deepStrictEqual(decode(GenesisCommitment, raw2), value, what);
    // In a file (its headers name the real genesis: another one fails at step 3 when it reads).
    const bytes = encodeBundle({ ...decodeBundle(file), genesis: value });
    assert.equal(sdkVerdict(() => verifyBundle(bytes)), verdict, what);
    assert.equal(await webVerdict(bytes, null), verdict, `${what} (web)`);
  }
});

test("genesis commitment encoding: layout 2 by default, layout 1 without an epoch length, the JSON form", () => {
  const g = decodeBundle(readExample("diploma.vellum")).genesis;
  const { layout, ...fields } = g;
  assert.equal(layout, 1);
  // No layout given: layout 2 (what every chain writes now), with a single epoch when no length.
  const two = encode(GenesisCommitment, fields);
  assert.equal(toHex(two.subarray(0, 5)), "ffffffff02");
  assert.deepStrictEqual(decode(GenesisCommitment, two), { layout: 2, ...fields, epoch_length_blocks: null });
  assert.equal(epochLengthOf(decode(GenesisCommitment, two)), U64_MAX);
  assert.equal(two.length, encode(GenesisCommitment, g).length + 5 + 1);
  assert.throws(() => encode(GenesisCommitment, { ...g, epoch_length_blocks: 20n }), (e) => e instanceof EncodeError && /layout-1/.test(e.message));
  assert.throws(() => encode(GenesisCommitment, { ...g, layout: 3 }), (e) => e instanceof EncodeError && e.path === "GenesisCommitment.layout");
  for (const value of [g, decodeBundle(readExample("epochs-two-set-changes.vellum")).genesis, { ...fields, layout: 2, epoch_length_blocks: U64_MAX }]) {
    const json = GenesisCommitment.toJson(value);
    assert.equal(json.layout, value.layout);
    assert.deepStrictEqual(GenesisCommitment.fromJson(json), value);
  }
});

test("step 3g: each set change's epoch is its height's and on an epoch's last block, the header's epoch its height's (u64 arithmetic) — both verifiers", async () => {
  const cases = epochCases();
  assert.ok(cases.some((c) => c.expect === "ok") && cases.some((c) => c.expect !== "ok"));
  for (const c of cases) {
    let sdk = "ok";
    try {
      const r = verifyReceipt(c.file, { genesisHash: c.genesisHash });
      assert.equal(r.epochLength, c.epochLength, c.name);
      assert.equal(r.validatorSetChanges, c.options.links?.length ?? 0, c.name);
    } catch (e) {
      assert.ok(e instanceof VerifyError, `${c.name}: ${e.message}`);
      sdk = `step ${e.stepNumber} (${e.step})`;
      if (c.why) assert.match(e.detail, c.why, c.name);
    }
    assert.equal(sdk, c.expect, c.name);
    const w = await web.verifyReceipt(c.file, c.genesisHash);
    assert.equal(w.ok ? "ok" : w.step, c.expect, `${c.name} (web)`);
    if (w.ok) assert.equal(BigInt(w.epoch_length ?? -1), c.epochLength ?? -1n, `${c.name} (web)`);
    // Under a layout-1 genesis the same headers are not checked against an epoch length.
    if (c.expect === "step 3 (validator set)" && !/overflows/.test(c.name)) {
      const twin = chainedReceipt({ ...c.options, layout: 1 });
      assert.equal(sdkVerdict(() => verifyReceipt(twin.file, { genesisHash: twin.genesisHash })), "ok", `${c.name}, as layout 1`);
      assert.equal((await web.verifyReceipt(twin.file, twin.genesisHash)).ok, true, `${c.name}, as layout 1 (web)`);
    }
  }
});

test("step 3g on a receipt given decoded (not read from bytes): an epoch length of 0 counts as 1, as in Rust (no division by zero)", () => {
  const { value } = chainedReceipt({ epochLength: 0n, header: { height: 7n, epoch: 7n } });
  assert.equal(verifyReceipt(value).epochLength, 1n);
  const wrong = { ...value, header: { ...value.header, epoch: 0n } };
  assert.throws(() => verifyReceipt(wrong), (e) => e instanceof VerifyError && e.stepNumber === 3 && /claims epoch 0, not 7 under the committed epoch length of 1 blocks$/.test(e.detail));
  // Its file cannot be read.
  assert.throws(() => decodeReceipt(encodeReceipt(value)), (e) => e instanceof VerifyError && e.stepNumber === 1 && /epoch length of 0 blocks/.test(e.detail));
});

test("step 3g order: the anchored header's epoch before its set hash (3a–3c), a change's after its signatures (step 4)", async () => {
  const good = chainedReceipt({ links: [{ height: 19n, epoch: 0n }], header: { height: 51n, epoch: 3n } });
  const r = decodeReceipt(good.file);
  r.header.validator_set_hash = new Uint8Array(32);
  const both = encodeReceipt(r);
  assert.throws(() => verifyReceipt(both), (e) => e instanceof VerifyError && e.stepNumber === 3 && /^the header at height 51 claims epoch 3, not 2/.test(e.detail));
  assert.match((await web.verifyReceipt(both, null)).reason, /the header at height 51 claims epoch 3, not 2/);
  // A change whose epoch is wrong and whose certificate is broken: the certificate first.
  const bad = decodeReceipt(chainedReceipt({ links: [{ height: 19n, epoch: 1n }], header: { height: 51n, epoch: 2n } }).file);
  bad.validator_chain[0].certificate.signatures[0][0] ^= 1;
  const broken = encodeReceipt(bad);
  assert.equal(sdkVerdict(() => verifyReceipt(broken)), "step 4 (certificate)");
  assert.equal((await web.verifyReceipt(broken, null)).step, "step 4 (certificate)");
});

test("epochs-two-set-changes.vellum (layout 2, 20-block epochs): verifies; the anchored header's epoch or height moved fails at 3g; the page words the epoch length", async () => {
  const file = new Uint8Array(readExample("epochs-two-set-changes.vellum"));
  const pinned = exampleText("epochs-genesis-hash.txt");
  const document = new Uint8Array(readExample("epochs-contract.txt"));
  const r = verifyBundle(file, { genesisHash: pinned, document });
  assert.deepEqual([r.document, r.validatorSetChanges, r.epochLength], ["matched", 2, 20n]);
  const b = decodeBundle(file);
  assert.deepEqual(
    b.validator_chain.map((l) => [l.header.height, l.header.epoch]),
    [
      [19n, 0n],
      [39n, 1n],
    ],
  );
  const w = await web.verifyBundle(file, document, pinned);
  assert.deepEqual([w.ok, w.document, w.epoch_length], [true, "matched", 20]);
  assert.equal(web.epochLine(w), "epoch length committed: 20 blocks");
  const edit = (change) => {
    const copy = structuredClone(b);
    change(copy);
    return encodeBundle(copy);
  };
  // 51 is in epoch 2: another epoch, or a height in another epoch, fails before the certificate.
  for (const [what, change] of [
    ["epoch", (x) => (x.header.epoch += 1n)],
    ["height", (x) => (x.header.height += 20n)],
  ]) {
    const bytes = edit(change);
    assert.throws(() => verifyBundle(bytes, { genesisHash: pinned }), (e) => e instanceof VerifyError && e.stepNumber === 3 && /the header at height \d+ claims epoch/.test(e.detail), what);
    assert.equal(await webVerdict(bytes, pinned), "step 3 (validator set)", `${what} (web)`);
  }
  // A height still in epoch 2 passes 3g and fails at the certificate.
  const same = edit((x) => (x.header.height += 1n));
  assert.equal(sdkVerdict(() => verifyBundle(same, { genesisHash: pinned })), "step 4 (certificate)");
  assert.equal(await webVerdict(same, pinned), "step 4 (certificate)");
  // The layout-1 file of the same kind: no epoch length to check, and the page says so.
  const older = await web.verifyBundle(new Uint8Array(readExample("contract-two-set-changes.vellum")), null, exampleText("set-changes-genesis-hash.txt"));
  assert.deepEqual([older.ok, older.epoch_length], [true, null]);
  assert.match(web.epochLine(older), /^epoch length not committed \(an older genesis\)/);
  assert.equal(web.epochLine({ epoch_length: U64_MAX }), "epoch length committed: a single epoch");
});

test("the evidence vectors' layout-1 rewrite of the layout-2 chain: another genesis (step 2 pinned, step 3 not pinned)", async () => {
  const file = new Uint8Array(readExample("epochs-two-set-changes.vellum"));
  const pinned = exampleText("epochs-genesis-hash.txt");
  const b = decodeBundle(file);
  const { epoch_length_blocks: _, ...fields } = b.genesis;
  const relabelled = encodeBundle({ ...b, genesis: { ...fields, layout: 1 } });
  assert.equal(relabelled.length, file.length - 5 - 9);
  assert.equal(sdkVerdict(() => verifyBundle(relabelled, { genesisHash: pinned })), "step 2 (checkpoint)");
  assert.equal(sdkVerdict(() => verifyBundle(relabelled)), "step 3 (validator set)");
  assert.equal(await webVerdict(relabelled, pinned), "step 2 (checkpoint)");
  assert.equal(await webVerdict(relabelled, null), "step 3 (validator set)");
});

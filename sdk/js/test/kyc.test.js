// KYC records, the sanctions list and monitoring on both sides of a transfer (wire-format
// §6.4.8, §6.4.9, §6.4.11, §7, §11.4): KycTerms on an opening and in SetKyc (36), UpdateSanctions
// (GovAction 20), the new MonitoringRules fields and Alert variants 4–9, byte for byte; the
// shape rules of Rust's KycTerms::check, MonitoringRules::check and GovAction::check, with their
// messages and in their order; the screening commitment; the builders.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DOMAIN,
  DecodeError,
  EncodeError,
  KYC_TIERS,
  SANCTIONS_UPDATE_MAX,
  DISTINCT_SENDERS_TRACKED_MAX,
  SecretKey,
  Vellum,
  bodyFromJson,
  bodyToJson,
  checkBodyShape,
  checkShape,
  decode,
  decodeTransaction,
  encode,
  encodeTransaction,
  fromHex,
  kycTerms,
  kycTermsProblem,
  monitoringRules,
  monitoringRulesProblem,
  sanctionsUpdate,
  schemas,
  screeningCommitment,
  sha256,
  signTransaction,
  toHex,
  utf8,
} from "../src/index.js";
import { BODIES } from "./fixtures.js";

const { TxBody, GovAction, KycTerms, MonitoringRules, TierLimit, Alert } = schemas;
const key = SecretKey.fromBytes("ed25519", new Uint8Array(32).fill(7));
const h = (byte) => byte.repeat(32);
const signed = (json) => signTransaction({ chain_id: "vellum-test", sender: key.accountId, nonce: 1n, expiry_height: 100n, body: bodyFromJson(json) }, [key]);
const le = (n, bytes) => {
  let v = BigInt(n);
  let out = "";
  for (let i = 0; i < bytes; i++, v >>= 8n) out += (v & 0xffn).toString(16).padStart(2, "0");
  return out;
};

/** Refused with exactly `message` by every path a body takes: the client's check, a node's decode. */
function refused(json, message) {
  assert.throws(() => checkBodyShape(bodyFromJson(json)), (e) => e instanceof DecodeError && e.kind === "invalid" && e.message.includes(message), `${json.type}: ${message}`);
  const tx = signed(json);
  assert.throws(() => checkShape(tx), (e) => e instanceof DecodeError && e.message.includes(message));
  assert.throws(() => decodeTransaction(encodeTransaction(tx)), (e) => e instanceof DecodeError && e.kind === "invalid" && e.message.includes(message));
}
const accepted = (json) => {
  const tx = signed(json);
  checkShape(tx);
  assert.deepEqual(bodyToJson(decodeTransaction(encodeTransaction(tx)).unsigned.body), bodyToJson(bodyFromJson(json)));
};

test("KycTerms: u8 tier ‖ u64 expiry ‖ Option<[u8; 32]> — 10 bytes, or 42 screened; OpenAccount.kyc last; SetKyc is TxBody 36", () => {
  const screened = { tier: 2, expires_ms: 1_798_761_600_000, screening: h("e9") };
  assert.equal(toHex(encode(KycTerms, KycTerms.fromJson(screened))), `02${le(1_798_761_600_000, 8)}01${h("e9")}`);
  assert.equal(encode(KycTerms, KycTerms.fromJson({ tier: 1, expires_ms: 0, screening: null })).length, 10);
  assert.equal(encode(KycTerms, KycTerms.fromJson(screened)).length, 42);
  const plain = { ...BODIES[0], kyc: null };
  const withKyc = { ...BODIES[0], kyc: screened };
  const plainBytes = encode(TxBody, bodyFromJson(plain));
  assert.equal(plainBytes.at(-1), 0, "no terms: the option's 00 ends the body");
  assert.equal(toHex(encode(TxBody, bodyFromJson(withKyc))), toHex(plainBytes.subarray(0, -1)) + "01" + toHex(encode(KycTerms, KycTerms.fromJson(screened))));
  const { kyc: _, ...withoutField } = plain;
  assert.equal(toHex(encode(TxBody, bodyFromJson(withoutField))), toHex(plainBytes), "a missing kyc is none");
  assert.equal(toHex(encode(TxBody, bodyFromJson({ type: "set_kyc", account: h("37"), terms: { tier: 1, expires_ms: 0, screening: null } }))), `24${h("37")}01${"00".repeat(8)}00`);
  assert.throws(() => decode(TxBody, Uint8Array.of(40)), /TxBody variant index 40/);
});

test("KYC terms shape rules: tier 1..=7; terms on an opening need its KYC commitment, checked first (wire-format §7)", () => {
  const tierMessage = `KYC tier must be 1..${KYC_TIERS} (0 is an account without a KYC record)`;
  for (const tier of [0, 8, 255]) {
    const terms = { tier, expires_ms: 0, screening: null };
    assert.equal(kycTermsProblem(terms), tierMessage);
    refused({ type: "set_kyc", account: h("37"), terms }, tierMessage);
    refused({ ...BODIES[0], kyc: terms }, tierMessage);
    refused({ ...BODIES[0], kyc_commitment: null, kyc: terms }, "KYC terms need the identity's KYC commitment");
    assert.throws(() => kycTerms({ tier }), (e) => e instanceof DecodeError && e.kind === "invalid" && e.message.includes(tierMessage));
  }
  for (const tier of [1, 7]) {
    assert.equal(kycTermsProblem({ tier }), null);
    accepted({ type: "set_kyc", account: h("37"), terms: { tier, expires_ms: 18_446_744_073_709_551_615n, screening: h("e9") } });
  }
  refused({ ...BODIES[0], kyc_commitment: null, kyc: { tier: 3, expires_ms: 0, screening: null } }, "KYC terms need the identity's KYC commitment");
  // The label and sub-ledger rules come before the terms (Rust's match order).
  refused({ ...BODIES[0], label: "x".repeat(65), kyc_commitment: null }, "label longer than 64 bytes");
  accepted({ ...BODIES[0], kyc_commitment: null, kyc: null });
});

test("kycTerms: camelCase or snake_case, hex or bytes; the model the schema encodes", () => {
  const t = kycTerms({ tier: 3, expiresMs: 5n, screening: h("ab") });
  assert.deepEqual([t.tier, t.expires_ms, toHex(t.screening)], [3, 5n, h("ab")]);
  assert.deepEqual(kycTerms({ tier: 3, expires_ms: 5, screening: fromHex(h("ab")) }), t);
  assert.deepEqual(kycTerms({ tier: 1 }), { tier: 1, expires_ms: 0n, screening: null });
  assert.throws(() => kycTerms({ tier: 1, screening: "ab" }), EncodeError);
  assert.throws(() => kycTerms({ tier: 1, expiresMs: -1 }), EncodeError);
  assert.throws(() => kycTerms({ tier: 256 }), EncodeError);
});

test("the screening commitment (wire-format §11.4): salt (32, no length) then the identity with its u32 length", () => {
  assert.equal(DOMAIN.SCREENING, "VELLUM:SCREENING:");
  const salt = Uint8Array.from({ length: 32 }, (_, i) => i);
  const identity = utf8("Jane Doe|1990-01-01|FR");
  const preimage = new Uint8Array([...utf8("VELLUM:SCREENING:"), 1, ...salt, ...fromHex(le(identity.length, 4)), ...identity]);
  const expect = toHex(sha256(preimage));
  assert.equal(toHex(screeningCommitment(salt, identity)), expect);
  assert.equal(toHex(screeningCommitment(toHex(salt), "Jane Doe|1990-01-01|FR")), expect, "hex salt, identity as text (UTF-8)");
  assert.throws(() => screeningCommitment(salt.subarray(0, 16), identity), EncodeError);
});

test("UpdateSanctions is GovAction 20: two lists of commitments; not both empty, at most 256 each, none twice", () => {
  const action = { action: "update_sanctions", add: [h("e9")], remove: [h("5f")] };
  assert.equal(toHex(encode(GovAction, GovAction.fromJson(action))), `1401000000${h("e9")}01000000${h("5f")}`);
  const built = sanctionsUpdate({ add: [h("e9")], remove: [fromHex(h("5f"))] });
  assert.deepEqual(GovAction.toJson(built), action);
  assert.deepEqual(GovAction.toJson(sanctionsUpdate({ remove: [h("5f")] })), { action: "update_sanctions", add: [], remove: [h("5f")] });
  const propose = (a) => ({ type: "propose", action: a, deadline_height: 5000 });
  accepted(propose(action));
  refused(propose({ action: "update_sanctions", add: [], remove: [] }), "a sanctions update adds or removes at least one commitment");
  const many = (n, from = 0) => Array.from({ length: n }, (_, i) => (i + from).toString(16).padStart(64, "0"));
  refused(propose({ action: "update_sanctions", add: many(SANCTIONS_UPDATE_MAX + 1), remove: [] }), `a sanctions update adds and removes at most ${SANCTIONS_UPDATE_MAX} commitments each`);
  refused(propose({ action: "update_sanctions", add: [], remove: many(SANCTIONS_UPDATE_MAX + 1) }), "at most 256 commitments each");
  // 256 and 256 pass the shape rule (though 512 commitments are more than one transaction holds).
  checkBodyShape(bodyFromJson(propose({ action: "update_sanctions", add: many(256), remove: many(256, 256) })));
  accepted(propose({ action: "update_sanctions", add: many(256), remove: many(200, 256) }));
  refused(propose({ action: "update_sanctions", add: [h("e9")], remove: [h("e9")] }), "a commitment appears twice in one sanctions update");
  refused(propose({ action: "update_sanctions", add: [h("e9"), h("5f"), h("e9")], remove: [] }), "appears twice");
  assert.throws(() => sanctionsUpdate({}), (e) => e instanceof DecodeError && /at least one commitment/.test(e.message));
  assert.throws(() => sanctionsUpdate({ add: ["ab"] }), EncodeError);
  assert.throws(() => decode(GovAction, Uint8Array.of(21)), /GovAction variant index 21/);
});

const RULES = {
  large_amount: "0",
  window_ms: 1000,
  window_amount_max: "0",
  window_count_max: 0,
  structuring_floor_bps: 0,
  structuring_count: 0,
  hold_timeout_ms: 1,
  inflow_amount_max: "0",
  inflow_count_max: 0,
  distinct_senders_max: 0,
  tier_limits: [],
  version: 0,
};
const tier = (t, leg = "1", window = "0") => ({ tier: t, leg_amount_max: leg, window_amount_max: window });
const monitor = (over) => ({ type: "set_monitoring", token: "EUR", rules: { ...RULES, ...over } });

test("MonitoringRules: inflow_amount_max, inflow_count_max, distinct_senders_max and tier_limits between hold_timeout_ms and version", () => {
  const rules = MonitoringRules.fromJson({ ...RULES, hold_timeout_ms: 3_600_000, inflow_amount_max: "8000000", inflow_count_max: 40, distinct_senders_max: 10, tier_limits: [tier(0, "10000", "50000"), tier(2, "2000000")], version: 7 });
  const tail = le(3_600_000, 8) + le(8_000_000, 16) + le(40, 4) + le(10, 4) + le(2, 4) + "00" + le(10_000, 16) + le(50_000, 16) + "02" + le(2_000_000, 16) + le(0, 16) + le(7, 8);
  assert.ok(toHex(encode(MonitoringRules, rules)).endsWith(tail));
  assert.equal(toHex(encode(TierLimit, TierLimit.fromJson(tier(7, "1", "2")))), "07" + le(1, 16) + le(2, 16));
  assert.deepEqual(MonitoringRules.toJson(decode(MonitoringRules, encode(MonitoringRules, rules))), MonitoringRules.toJson(rules));
});

test("MonitoringRules shape rules, in Rust's order and words (MonitoringRules::check)", () => {
  accepted(monitor({ distinct_senders_max: 3 }));
  accepted(monitor({ tier_limits: [tier(0), tier(3)] }));
  // A tier's leg limit alone needs no window.
  accepted(monitor({ window_ms: 0, tier_limits: [tier(1, "5", "0")] }));
  for (const over of [{ inflow_amount_max: "1" }, { inflow_count_max: 1 }, { distinct_senders_max: 1 }, { tier_limits: [tier(1, "0", "7")] }]) {
    refused(monitor({ window_ms: 0, ...over }), "window rules need window_ms > 0");
    refused({ type: "propose", action: { action: "set_monitoring", token: "EUR", rules: { ...RULES, window_ms: 0, ...over } }, deadline_height: 1 }, "window rules need window_ms > 0");
  }
  accepted(monitor({ distinct_senders_max: DISTINCT_SENDERS_TRACKED_MAX - 1 }));
  refused(monitor({ distinct_senders_max: DISTINCT_SENDERS_TRACKED_MAX }), "distinct_senders_max at most 63");
  accepted(monitor({ tier_limits: [0, 1, 2, 3, 4, 5, 6, 7].map((t) => tier(t)) }));
  refused(monitor({ tier_limits: [0, 1, 2, 3, 4, 5, 6, 7, 8].map((t) => tier(t)) }), `at most ${KYC_TIERS} tier limits`);
  for (const tiers of [[1, 1], [3, 2], [0, 5, 4]]) refused(monitor({ tier_limits: tiers.map((t) => tier(t)) }), "tier_limits must be ascending by tier, one per tier");
  refused(monitor({ tier_limits: [tier(8)] }), "tiers are 0..8");
  // Order: the window before the senders; the count before the order and the range.
  refused(monitor({ window_ms: 0, distinct_senders_max: 64 }), "window rules need window_ms > 0");
  refused(monitor({ distinct_senders_max: 64, tier_limits: [tier(9), tier(9)] }), "distinct_senders_max at most 63");
  refused(monitor({ tier_limits: Array(9).fill(tier(9)) }), "at most 8 tier limits");
  refused(monitor({ tier_limits: [tier(9), tier(8)] }), "ascending");
  assert.equal(monitoringRulesProblem(MonitoringRules.fromJson({ ...RULES, distinct_senders_max: 64 })), "distinct_senders_max at most 63");
});

test("monitoringRules: camelCase options, amounts as bigint, number or digits; checked", () => {
  const r = monitoringRules({ holdTimeoutMs: 3_600_000, windowMs: 60_000, inflowAmountMax: "8000000", inflowCountMax: 40, distinctSendersMax: 10, tierLimits: [{ tier: 0, legAmountMax: 10_000n, windowAmountMax: 50_000 }] });
  assert.deepEqual(MonitoringRules.toJson(r), {
    ...RULES,
    window_ms: 60_000,
    hold_timeout_ms: 3_600_000,
    inflow_amount_max: "8000000",
    inflow_count_max: 40,
    distinct_senders_max: 10,
    tier_limits: [tier(0, "10000", "50000")],
  });
  assert.throws(() => monitoringRules({ holdTimeoutMs: 1, distinctSendersMax: 1 }), (e) => e instanceof DecodeError && e.kind === "invalid" && /window rules need window_ms > 0$/.test(e.message));
  assert.throws(() => monitoringRules({ holdTimeoutMs: 0 }), /hold_timeout_ms must be 1\.\.=/);
  assert.throws(() => monitoringRules({ holdTimeoutMs: 1, largeAmount: -1 }), EncodeError);
  assert.throws(() => monitoringRules({ holdTimeoutMs: 1, largeAmount: 2 ** 60 }), EncodeError);
});

test("Alert variants 4–9: the recipient's inflow, distinct senders, the sender's tier, a sanctions hit", () => {
  const account = h("e7");
  const cases = [
    { rule: "inflow_amount", token: "EUR", account, window_amount: "8000001" },
    { rule: "inflow_count", token: "EUR", account, window_count: 41 },
    { rule: "distinct_senders", token: "EUR", account, senders: 11 },
    { rule: "tier_leg", token: "EUR", tier: 0, amount: "10001" },
    { rule: "tier_window", token: "EUR", tier: 2, window_amount: "2000001" },
    { rule: "sanctions", account, list_version: 4 },
  ];
  const token = "03000000455552";
  const expected = {
    inflow_amount: `04${token}${account}${le(8_000_001, 16)}`,
    inflow_count: `05${token}${account}${le(41, 4)}`,
    distinct_senders: `06${token}${account}${le(11, 4)}`,
    tier_leg: `07${token}00${le(10_001, 16)}`,
    tier_window: `08${token}02${le(2_000_001, 16)}`,
    sanctions: `09${account}${le(4, 8)}`,
  };
  for (const json of cases) {
    const bytes = encode(Alert, Alert.fromJson(json));
    assert.equal(toHex(bytes), expected[json.rule], json.rule);
    assert.deepStrictEqual(Alert.toJson(decode(Alert, bytes)), json, json.rule);
  }
  assert.throws(() => decode(Alert, Uint8Array.of(10)), /Alert variant index 10/);
});

/** A validator that finalizes every transaction it is sent (and records it); proposals are listed as made. */
function scripted() {
  const sent = [];
  const reply = (status, body) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  const fetch = async (url, init = {}) => {
    const path = new URL(url).pathname;
    if (init.method === "POST") {
      sent.push(decodeTransaction(new Uint8Array(init.body)));
      return reply(202, { tx_hash: "00".repeat(32) });
    }
    if (path === "/v1/status") return reply(200, { chain_id: "vellum-test", genesis_hash: "ab".repeat(32), height: 10 });
    if (path === "/v1/governance/proposals") {
      return reply(200, { proposals: sent.filter((t) => t.unsigned.body.type === "propose").map((t, id) => ({ id, proposer: toHex(t.unsigned.sender), created_height: 11, action: { action: t.unsigned.body.action.action } })) });
    }
    if (path.startsWith("/v1/tx/")) return reply(200, { status: "finalized", height: 11, index: 0, log_index: 3 });
    return reply(404, { error: { code: "not_found", message: "no such thing" } });
  };
  return { vellum: new Vellum({ apis: ["http://validator.invalid"], fetch, verify: false }), sent };
}

test("Vellum: openAccount with KYC terms, setKyc (36) and updateSanctions (GovAction 20) sign what they say; bad terms are refused before sending", async () => {
  const { vellum, sent } = scripted();
  const user = SecretKey.fromBytes("ed25519", new Uint8Array(32).fill(12));
  const salt = new Uint8Array(32).fill(5);
  const screening = screeningCommitment(salt, "Jane Doe|1990-01-01|FR");
  const opened = await vellum.openAccount({ registrar: key, publicKey: user.publicKey, identityRecord: "Jane Doe|1990-01-01|FR", kyc: { tier: 2, expiresMs: 1_798_761_600_000, screening } });
  const o = sent[0].unsigned.body;
  assert.deepEqual([o.type, toHex(o.kyc_commitment), o.kyc.tier, o.kyc.expires_ms, toHex(o.kyc.screening)], ["open_account", opened.kycCommitment, 2, 1_798_761_600_000n, toHex(screening)]);
  await vellum.openAccount({ registrar: key, publicKey: user.publicKey, identityRecord: "x" });
  assert.equal(sent[1].unsigned.body.kyc, null, "no terms: none");
  await vellum.setKyc({ key, account: opened.accountId, terms: { tier: 3 } });
  const k = sent[2].unsigned.body;
  assert.deepEqual([k.type, toHex(k.account), k.terms], ["set_kyc", opened.accountId, { tier: 3, expires_ms: 0n, screening: null }]);
  assert.equal(encode(TxBody, k)[0], 36);
  const { proposal } = await vellum.updateSanctions({ signers: [key], add: [screening], remove: [h("5f")] });
  const a = sent[3].unsigned.body.action;
  assert.deepEqual([a.action, a.add.map(toHex), a.remove.map(toHex)], ["update_sanctions", [toHex(screening)], [h("5f")]]);
  assert.equal(proposal.action.action, "update_sanctions");
  await assert.rejects(vellum.setKyc({ key, account: opened.accountId, terms: { tier: 0 } }), (e) => e instanceof DecodeError && /KYC tier must be 1\.\.8/.test(e.message));
  await assert.rejects(vellum.openAccount({ registrar: key, publicKey: user.publicKey, identityRecord: "x", kyc: { tier: 9 } }), DecodeError);
  await assert.rejects(vellum.updateSanctions({ signers: [key], add: [h("5f")], remove: [h("5f")] }), (e) => e instanceof DecodeError && /appears twice/.test(e.message));
  assert.equal(sent.length, 4, "nothing refused was sent");
});

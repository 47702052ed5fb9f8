// Borsh codec and transaction decoding: every body variant round-trips through JSON and bytes;
// strict decoding refuses trailing bytes, bad tags and indices, bad UTF-8, impossible lengths;
// the shape rules of a node are applied on decoding (those of contracts and e-invoices among
// them); the domain tags of wire-format §3; contract and invoice ids.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  DEFAULT_REASON_CODES,
  DecodeError,
  EncodeError,
  ISSUER_DOMAIN_BYTES_MAX,
  SecretKey,
  isDomainName,
  issuerProfileProblem,
  isWitnessName,
  witnessPolicyProblem,
  DOMAIN,
  CONTRACT_CODE_BYTES_MAX,
  CONTRACT_INPUT_BYTES_MAX,
  VAT_BASIS_POINTS_MAX,
  asU64,
  checkBodyShape,
  contractIdOf,
  contractKycCommitment,
  invoiceIdOf,
  isContractName,
  sha256,
  utf8,
  STATE_KEY,
  originalDeletedKey,
  bodyFromJson,
  bodyToJson,
  checkShape,
  decode,
  decodeTransaction,
  encode,
  encodeTransaction,
  fromHex,
  isReasonCode,
  parseJson,
  schemas,
  signTransaction,
  stringifyJson,
  toHex,
  unsignedFromJson,
  unsignedFromWire,
  unsignedWire,
} from "../src/index.js";
import { BODIES, GOV_ACTIONS, REPO } from "./fixtures.js";

const { TxBody, GovAction, Signature, PublicKeySchema, ProofChange, ProofStatus } = schemas;
const key = SecretKey.fromBytes("ed25519", new Uint8Array(32).fill(7));
const unsigned = (body) => ({ chain_id: "vellum-test", sender: key.accountId, nonce: 3n, expiry_height: 100n, body: bodyFromJson(body) });
const signed = (body) => signTransaction(unsigned(body), [key]);

test("every TxBody variant has its declaration index and round-trips JSON → bytes → JSON", () => {
  assert.equal(BODIES.length, TxBody.variants.length, "a fixture per variant");
  BODIES.forEach((json, index) => {
    const body = bodyFromJson(json);
    const bytes = encode(TxBody, body);
    assert.equal(bytes[0], index, json.type);
    assert.equal(stringifyJson(bodyToJson(decode(TxBody, bytes))), stringifyJson(json), json.type);
  });
});

test("every GovAction variant round-trips inside a proposal", () => {
  assert.equal(GOV_ACTIONS.length, GovAction.variants.length);
  GOV_ACTIONS.forEach((action, index) => {
    const json = { type: "propose", action, deadline_height: 100 };
    const bytes = encode(TxBody, bodyFromJson(json));
    assert.deepEqual([bytes[0], bytes[1]], [17, index], action.action);
    assert.equal(stringifyJson(bodyToJson(decode(TxBody, bytes))), stringifyJson(json));
  });
});

test("signed transactions of every variant decode back to the same bytes", () => {
  for (const json of BODIES) {
    const wire = encodeTransaction(signed(json));
    const back = decodeTransaction(wire);
    assert.equal(toHex(encodeTransaction(back)), toHex(wire), json.type);
  }
  const u = unsigned(BODIES[9]);
  assert.equal(toHex(unsignedWire(unsignedFromWire(unsignedWire(u)))), toHex(unsignedWire(u)));
});

test("strict decoding: trailing bytes, truncation, bad tags and indices, bad UTF-8", () => {
  const wire = encodeTransaction(signed(BODIES[18]));
  const kind = (bytes) => {
    try {
      decodeTransaction(bytes);
    } catch (e) {
      assert.ok(e instanceof DecodeError, e.message);
      return e.kind;
    }
    return "decoded";
  };
  assert.equal(kind(Uint8Array.of(...wire, 0)), "malformed", "trailing byte");
  for (let cut = 1; cut < wire.length; cut++) assert.equal(kind(wire.subarray(0, cut)), "malformed", `truncated at ${cut}`);
  assert.equal(kind(new Uint8Array(0)), "empty");
  assert.equal(kind(Uint8Array.of(2, ...wire.subarray(1))), "unknown_version");
  assert.equal(kind(new Uint8Array(16 * 1024 + 1)), "too_large");
  // The body's variant index sits after chain id (4 + 11), sender (32), nonce and expiry (16).
  const at = 1 + 4 + 11 + 32 + 16;
  assert.equal(wire[at], 18);
  const badVariant = wire.slice();
  badVariant[at] = schemas.TxBody.variants.length; // one past the last variant
  assert.equal(kind(badVariant), "malformed");
  assert.equal(decode(schemas.Role, Uint8Array.of(8)), "tax_authority");
  assert.throws(() => decode(schemas.Role, Uint8Array.of(9)), /Role variant index 9/);
  assert.throws(() => decode(PublicKeySchema, Uint8Array.of(3, ...new Uint8Array(33))), /variant index 3/);
  assert.throws(() => decode(Signature, Uint8Array.of(2, ...new Uint8Array(96))), DecodeError, "P-256 signature is 1 + 33 + 64 bytes");
  const optionTag = encode(TxBody, bodyFromJson(BODIES[0]));
  optionTag[1 + 34] = 2; // kyc_commitment's option tag
  assert.throws(() => decode(TxBody, optionTag), /option tag 2/);
  const badUtf8 = encode(TxBody, bodyFromJson({ type: "create_subledger", name: "ab", kyc_required: false }));
  badUtf8[5] = 0xff;
  assert.throws(() => decode(TxBody, badUtf8), /UTF-8/);
  assert.throws(() => decode(TxBody, Uint8Array.of(15, 0, 0, 0, 0, 2)), /bool byte 2/);
});

test("a String starting with a byte order mark keeps it: same value, same bytes back", () => {
  const body = bodyFromJson({ type: "create_subledger", name: "ab", kyc_required: false });
  const bytes = encode(TxBody, { ...body, name: "\uFEFFab" });
  assert.equal(toHex(bytes.subarray(1, 8)), "05000000efbbbf", "u32 length 5, then EF BB BF");
  const back = decode(TxBody, bytes);
  assert.equal(back.name, "\uFEFFab", "U+FEFF is content, not stripped");
  assert.equal(toHex(encode(TxBody, back)), toHex(bytes));
});

test("a vector length the remaining bytes cannot hold is refused before allocating", () => {
  const bytes = Uint8Array.of(5, 0xff, 0xff, 0xff, 0x7f);
  assert.throws(() => decode(TxBody, bytes), /does not fit/);
});

test("shape rules: the limits a node checks on decoding", () => {
  const refused = (json) => {
    const tx = signed(json);
    assert.throws(() => checkShape(tx), (e) => e instanceof DecodeError && e.kind === "invalid", json.type);
    assert.throws(() => decodeTransaction(encodeTransaction(tx)), DecodeError);
  };
  refused({ ...BODIES[0], label: "x".repeat(65) });
  refused({ ...BODIES[0], subledger: "Bad" });
  refused({ ...BODIES[1], reason: "r".repeat(257) });
  refused({ ...BODIES[3], count: 0 });
  refused({ ...BODIES[2], schema: "" });
  refused({ ...BODIES[7], amount: "0" });
  refused({ ...BODIES[9], legs: [] });
  refused({ ...BODIES[9], legs: [{ to: "0a".repeat(32), token: "eur", amount: "1", convert: null }] });
  refused({ ...BODIES[9], legs: [{ to: "0a".repeat(32), token: "EUR", amount: "1", convert: { to_token: "EUR", rate_version: 1 } }] });
  refused({ type: "set_signers", set: { signers: [{ key: key.publicKey.toString(), weight: 1 }], threshold: 2 } });
  refused({ type: "set_signers", set: { signers: [{ key: key.publicKey.toString(), weight: 1 }, { key: key.publicKey.toString(), weight: 1 }], threshold: 1 } });
  refused({ ...BODIES[11], rules: { ...BODIES[11].rules, hold_timeout_ms: 0 } });
  refused({ ...BODIES[16], to: "EUR" });
  refused({ ...BODIES[19], delay_blocks: 0 });
  refused({ ...BODIES[23], encryption_recipient: "not-age" });
  refused({ ...BODIES[24], evidence: "" });
  refused({ ...BODIES[26], members: [] });
  refused({ ...BODIES[26], members: Array(201).fill(BODIES[26].members[1]) });
  refused({ ...BODIES[27], holders: [] });
  refused({ ...BODIES[27], holders: [BODIES[27].holders[0], BODIES[27].holders[0]] });
  refused({ type: "propose", action: { action: "grant_role", account: "01".repeat(32), role: "council" }, deadline_height: 1 });
  refused({ type: "propose", action: { ...GOV_ACTIONS[10], validator: { ...GOV_ACTIONS[10].validator, p2p_key: "00".repeat(32) } }, deadline_height: 1 });
  const unsignedTx = { unsigned: unsigned(BODIES[18]), signatures: [] };
  assert.throws(() => checkShape(unsignedTx), /no signature/);
  const emptyChain = signed(BODIES[18]);
  emptyChain.unsigned.chain_id = "";
  assert.throws(() => checkShape(emptyChain), /chain id/);
});

test("the new variants' bytes: Suspend 2, Reinstate 3, Suspended 3, RevokeIssuer 25, SetReasonCodes 13", () => {
  assert.equal(toHex(encode(ProofChange, { change: "reinstate" })), "03");
  assert.equal(toHex(encode(ProofChange, { change: "suspend", reason: "ab" })), "02020000006162");
  const tx = "11".repeat(32);
  const suspended = decode(ProofStatus, fromHex(`03${"02000000"}6162${tx}${"0900000000000000"}${"0a00000000000000"}`));
  assert.deepEqual({ ...suspended, tx_id: toHex(suspended.tx_id) }, { status: "suspended", reason: "ab", tx_id: tx, height: 9n, time_ms: 10n });
  const revokeIssuer = encode(TxBody, bodyFromJson({ type: "revoke_issuer", issuer: tx, from_height: 7, reason: "key_compromise" }));
  assert.equal(toHex(revokeIssuer), `19${tx}${"0700000000000000"}0e000000${toHex(new TextEncoder().encode("key_compromise"))}`);
  const codes = encode(GovAction, { action: "set_reason_codes", codes: ["a", "bc"] });
  assert.equal(toHex(codes), "0d02000000010000006102000000" + "6263");
  assert.throws(() => decode(ProofChange, Uint8Array.of(4)), /variant index 4/);
  assert.throws(() => decode(ProofStatus, Uint8Array.of(4)), /variant index 4/);
});

test("reason codes: Revoke, Suspend and RevokeIssuer carry one (wire-format §7); governance's list is checked", () => {
  for (const code of [...DEFAULT_REASON_CODES, "a", "x".repeat(32), "degree_2024"]) assert.ok(isReasonCode(code), code);
  for (const bad of ["", "Issued", "issued in error", "1st", "_x", "x".repeat(33), "é", "a-b", "a\n", null, 5]) assert.equal(isReasonCode(bad), false, String(bad));
  const refused = (json, why) => assert.throws(() => checkShape(signed(json)), (e) => e instanceof DecodeError && e.kind === "invalid" && why.test(e.message), JSON.stringify(json));
  const change = (c) => ({ type: "set_proof_status", proof: "06".repeat(32), member: null, change: c });
  refused(change({ change: "revoke", reason: "issued in error" }), /"issued in error" is not a reason code/);
  refused(change({ change: "suspend", reason: "Under_investigation" }), /not a reason code/);
  refused({ type: "revoke_issuer", issuer: "01".repeat(32), from_height: 0, reason: "" }, /not a reason code/);
  refused(change({ change: "revoke", reason: "x".repeat(33) }), /not a reason code/);
  for (const ok of [change({ change: "reinstate" }), change({ change: "supersede", by: "07".repeat(32) }), change({ change: "suspend", reason: "certificate_hold" })]) checkShape(signed(ok));
  const codes = (list) => ({ type: "propose", action: { action: "set_reason_codes", codes: list }, deadline_height: 9 });
  refused(codes([]), /1\.\.=32 codes/);
  refused(codes(Array.from({ length: 33 }, (_, i) => `code_${i}`)), /1\.\.=32 codes/);
  refused(codes(["key_compromise", "key_compromise"]), /unique/);
  refused(codes(["key_compromise", "Bad code"]), /"Bad code" is not a reason code/);
  checkShape(signed(codes(Array.from({ length: 32 }, (_, i) => `code_${i}`))));
});

test("issuer identity: AttestIssuer 28, RevokeAttestation 29, GovAction 14, and the profile's shape rules (wire-format §6.3)", () => {
  const issuer = "1e".repeat(32);
  const profile = { name: "Ab", domain: "a.b", x509_sha256: null, well_known_sha256: "2a".repeat(32) };
  const profileHex = `02000000${toHex(new TextEncoder().encode("Ab"))}03000000${toHex(new TextEncoder().encode("a.b"))}00${"2a".repeat(32)}`;
  assert.equal(toHex(encode(TxBody, bodyFromJson({ type: "attest_issuer", issuer, profile }))), `1c${issuer}${profileHex}`);
  assert.equal(toHex(encode(TxBody, bodyFromJson({ type: "revoke_attestation", issuer, reason: "ab" }))), `1d${issuer}020000006162`);
  assert.equal(toHex(encode(GovAction, bodyFromJson({ type: "propose", action: { action: "attest_issuer", issuer, profile }, deadline_height: 1 }).action)), `0e${issuer}${profileHex}`);
  const attest = (p) => ({ type: "attest_issuer", issuer, profile: { ...profile, ...p } });
  const propose = (p) => ({ type: "propose", action: { action: "attest_issuer", issuer, profile: { ...profile, ...p } }, deadline_height: 9 });
  const refused = (json, why) => assert.throws(() => checkShape(signed(json)), (e) => e instanceof DecodeError && e.kind === "invalid" && why.test(e.message), JSON.stringify(json));
  const accepted = (json) => checkShape(signed(json));
  for (const make of [attest, propose]) {
    for (const name of ["", "   ", "\t\u3000", "x".repeat(129), "é".repeat(65), "Example\nUniversity", "A\u0000", "A\u007f", "A\u0085B"]) refused(make({ name }), /issuer name must be 1\.\.=128 bytes/);
    for (const name of ["A", "x".repeat(128), "é".repeat(64), "Université d'Exemple", " padded ", "\ufeff", "Example\u200bUniversity"]) accepted(make({ name }));
    for (const domain of ["example", "Example.edu", "example.edu.", ".example.edu", "ex ample.edu", "-a.edu", "a-.edu", "a..edu", "exämple.edu", "a_b.edu", `${"a".repeat(64)}.edu`, "", `${"a.".repeat(126)}ab`]) {
      refused(make({ domain }), /is not a domain name/);
    }
    for (const domain of ["a.b", "example.edu", "x-1.example.co.uk", "1.2", `${"a".repeat(63)}.edu`, `${"a.".repeat(125)}abc`]) accepted(make({ domain }));
  }
  assert.equal(`${"a.".repeat(125)}abc`.length, ISSUER_DOMAIN_BYTES_MAX);
  assert.equal(isDomainName(`${"a.".repeat(125)}abcd`), false, "254 bytes");
  assert.equal(issuerProfileProblem({ name: "Example University", domain: "example.edu" }), null);
  refused({ type: "revoke_attestation", issuer, reason: "Affiliation changed" }, /not a reason code/);
  accepted({ type: "revoke_attestation", issuer, reason: "affiliation_changed" });
  assert.throws(() => bodyFromJson({ type: "attest_issuer", issuer, profile: { ...profile, x509: null } }), (e) => e instanceof EncodeError && e.path === "body.profile.x509");
  assert.throws(() => bodyFromJson({ type: "attest_issuer", issuer, profile: { name: "A", domain: "a.b", x509_sha256: null } }), (e) => e instanceof EncodeError && e.path === "body.profile.well_known_sha256");
});

test("witnesses: GovAction SetWitnesses 15 (a WitnessPolicy of named keys, URLs and a quorum) and the policy's shape rules", () => {
  const w = (name, byte, url = `https://${name.replace("/", ".")}.example`) => ({ name, key: byte.repeat(32), url });
  const action = { action: "set_witnesses", policy: { witnesses: [w("w.example/1", "51")], quorum: 1 } };
  const entry = `0b000000${toHex(new TextEncoder().encode("w.example/1"))}${"51".repeat(32)}1b000000${toHex(new TextEncoder().encode("https://w.example.1.example"))}`;
  assert.equal(toHex(encode(GovAction, bodyFromJson({ type: "propose", action, deadline_height: 1 }).action)), `0f01000000${entry}01000000`);
  assert.equal(STATE_KEY.WITNESS_POLICY, 39);
  const propose = (policy) => ({ type: "propose", action: { action: "set_witnesses", policy }, deadline_height: 9 });
  const refused = (policy, why) => assert.throws(() => checkShape(signed(propose(policy))), (e) => e instanceof DecodeError && e.kind === "invalid" && why.test(e.message), JSON.stringify(policy));
  const two = [w("w.example/1", "51"), w("w.example/2", "52")];
  checkShape(signed(propose({ witnesses: two, quorum: 2 })));
  checkShape(signed(propose({ witnesses: [], quorum: 0 })));
  assert.equal(witnessPolicyProblem({ witnesses: [], quorum: 0 }), null, "none: witnessing switched off");
  refused({ witnesses: two, quorum: 3 }, /quorum must be 1\.\.=2/);
  refused({ witnesses: two, quorum: 0 }, /quorum must be 1\.\.=2/);
  refused({ witnesses: [], quorum: 1 }, /or 0 with none/);
  for (const name of ["a b", "a+b", "", "é", "x".repeat(129), "a\tb"]) refused({ witnesses: [w(name, "51", "https://w.example")], quorum: 1 }, /witness name/);
  assert.ok(isWitnessName("x".repeat(128)) && isWitnessName("witness.example/w-1_~!"));
  refused({ witnesses: [w("w", "51"), w("w", "52")], quorum: 1 }, /named twice/);
  refused({ witnesses: [w("w", "51"), w("v", "51")], quorum: 1 }, /named twice/);
  for (const url of ["ftp://x", "https://a b", "https://x/\u0001", `https://${"x".repeat(250)}`, "w.example"]) refused({ witnesses: [w("w", "51", url)], quorum: 1 }, /URL/);
  refused({ witnesses: Array.from({ length: 17 }, (_, i) => w(`w${i}`, (i + 16).toString(16))), quorum: 1 }, /at most 16 witnesses/);
  assert.throws(() => bodyFromJson(propose({ witnesses: [{ name: "w", key: "51".repeat(32) }], quorum: 1 })), (e) => e instanceof EncodeError && e.path === "body.action.policy.witnesses[0].url");
});

test("contracts and e-invoices: TxBody 30–35, GovAction 16–19 and Role 8 byte for byte (wire-format §6.3, §6.4.1, §6.4.9)", () => {
  const hex = (text) => toHex(utf8(text));
  const body = (json) => toHex(encode(TxBody, bodyFromJson(json)));
  const [d, c, p] = ["30".repeat(32), "31".repeat(32), "33".repeat(32)];
  assert.equal(body({ type: "instantiate_contract", code_digest: d, input: "0102ff", fuel: 5_000_000 }), `1e${d}030000000102ff${"404b4c0000000000"}`);
  assert.equal(body({ type: "call_contract", contract: c, function: "release", input: "", fuel: 18_446_744_073_709_551_615n }), `1f${c}07000000${hex("release")}00000000${"ff".repeat(8)}`);
  assert.equal(body({ type: "set_invoicing", tax_authority: c, token: "EUR", vat_basis_points: 2100 }), `20${c}03000000${hex("EUR")}34080000`);
  assert.equal(body({ type: "issue_invoice", payment: p, document_digest: d }), `21${p}${d}`);
  assert.equal(body({ type: "reimburse_invoice", invoice: p }), `22${p}`);
  assert.equal(body({ type: "clear_invoice_tax", invoice: p }), `23${p}`);
  const action = (a) => toHex(encode(GovAction, bodyFromJson({ type: "propose", action: a, deadline_height: 1 }).action));
  assert.equal(action({ action: "register_code", name: "escrow", code: "0061736d01000000", review_digest: d }), `1006000000${hex("escrow")}080000000061736d01000000${d}`);
  assert.equal(action({ action: "set_contract_paused", contract: c, paused: true }), `11${c}01`);
  assert.equal(action({ action: "upgrade_contract", contract: c, code_digest: d }), `12${c}${d}`);
  assert.equal(action({ action: "set_code_advisory", code_digest: d, advisory: p }), `13${d}01${p}`);
  assert.equal(action({ action: "set_code_advisory", code_digest: d, advisory: null }), `13${d}00`);
  assert.equal(action({ action: "grant_role", account: c, role: "tax_authority" }), `04${c}08`);
  // The JSON form: Vec<u8> as hex, u64 as a number (a bigint beyond 2^53), Option as null.
  assert.deepStrictEqual(bodyToJson(decode(TxBody, fromHex(`1e${d}030000000102ff${"404b4c0000000000"}`))), { type: "instantiate_contract", code_digest: d, input: "0102ff", fuel: 5_000_000 });
  assert.equal(bodyToJson(decode(TxBody, fromHex(`1f${c}07000000${hex("release")}00000000${"ff".repeat(8)}`))).fuel, 18_446_744_073_709_551_615n);
  assert.equal(stringifyJson(bodyToJson(decode(TxBody, fromHex(`1f${c}07000000${hex("release")}00000000${"ff".repeat(8)}`)))).includes('"fuel":18446744073709551615'), true);
  assert.throws(() => decode(TxBody, Uint8Array.of(40)), /TxBody variant index 40 \(this SDK knows 0\.\.=39\)/);
  assert.throws(() => decode(GovAction, Uint8Array.of(21)), /GovAction variant index 21 \(this SDK knows 0\.\.=20\)/);
});

test("every domain tag of wire-format §3 (CONTRACT-ID, CONTRACT-EVENT, INVOICE-ID and INVOICE-RECORD among them) is DOMAIN's, length and hex", () => {
  const spec = readFileSync(join(REPO, "docs", "wire-format.md"), "utf8");
  const rows = [...spec.matchAll(/^\| `(VELLUM:[A-Z0-9-]+:)` \| (\d+) \| `([0-9a-f]+)` \|/gm)];
  assert.ok(rows.length >= 23, "the table of domain tags");
  assert.deepEqual(new Set(rows.map((r) => r[1])), new Set(Object.values(DOMAIN)), "the same tags");
  for (const [, tag, len, hex] of rows) assert.deepEqual([utf8(tag).length, toHex(utf8(tag))], [Number(len), hex], tag);
  for (const tag of ["VELLUM:CONTRACT-ID:", "VELLUM:CONTRACT-EVENT:", "VELLUM:INVOICE-ID:", "VELLUM:INVOICE-RECORD:"]) assert.ok(Object.values(DOMAIN).includes(tag), tag);
});

test("contract and invoice ids (wire-format §11.9, §11.10) and u64 arguments beyond 2^53", () => {
  const [digest, creator, payment] = ["67".repeat(32), "2d".repeat(32), "6b".repeat(32)];
  const preimage = (tag, ...parts) => sha256(fromHex(toHex(utf8(tag)) + "01" + parts.join("")));
  assert.equal(toHex(contractIdOf(digest, creator, 7)), toHex(preimage("VELLUM:CONTRACT-ID:", digest, creator, "0700000000000000")));
  assert.equal(toHex(contractIdOf(digest, creator, 7n)), toHex(contractIdOf(fromHex(digest), fromHex(creator), "7")), "number, bigint and digits agree");
  assert.equal(toHex(contractIdOf(digest, creator, 18_446_744_073_709_551_615n)), toHex(preimage("VELLUM:CONTRACT-ID:", digest, creator, "ff".repeat(8))));
  assert.equal(toHex(contractKycCommitment(digest)), toHex(preimage("VELLUM:CONTRACT-ID:", digest)));
  assert.equal(toHex(invoiceIdOf(payment)), toHex(preimage("VELLUM:INVOICE-ID:", payment)));
  const refused = (f, path, why) => assert.throws(f, (e) => e instanceof EncodeError && e.path === path && why.test(e.message));
  refused(() => contractIdOf(digest, creator, 2 ** 53), "nonce", /beyond 2\^53 − 1.*pass a bigint \(e\.g\. 9007199254740992n\)/);
  refused(() => contractIdOf(digest, creator, -1), "nonce", /expected an integer in 0\.\.=18446744073709551615/);
  refused(() => contractIdOf(digest, creator, 1n << 64n), "nonce", /expected an integer/);
  refused(() => contractIdOf(digest, creator, 1.5), "nonce", /expected an integer/);
  refused(() => contractIdOf(digest, creator, "0x07"), "nonce", /expected an integer/);
  refused(() => contractIdOf("ab", creator, 1), "code digest", /64 hex digits/);
  refused(() => invoiceIdOf(new Uint8Array(31)), "payment tx id", /32 bytes/);
  assert.equal(asU64(Number.MAX_SAFE_INTEGER, "x"), 9_007_199_254_740_991n);
  assert.equal(asU64("18446744073709551615", "x"), 18_446_744_073_709_551_615n);
});

test("shape rules of contracts and e-invoices: hostile input gets a clear error (wire-format §7)", () => {
  const refused = (json, why) => {
    const tx = signed(json);
    assert.throws(() => checkShape(tx), (e) => e instanceof DecodeError && e.kind === "invalid" && why.test(e.message), `${stringifyJson(json).slice(0, 120)}: ${why}`);
    assert.throws(() => decodeTransaction(encodeTransaction(tx)), (e) => e instanceof DecodeError && e.kind === "invalid" && why.test(e.message), "refused on decoding too");
  };
  const accepted = (json) => checkShape(decodeTransaction(encodeTransaction(signed(json))));
  const instantiate = (o) => ({ type: "instantiate_contract", code_digest: "30".repeat(32), input: "", fuel: 1, ...o });
  const call = (o) => ({ type: "call_contract", contract: "31".repeat(32), function: "release", input: "", fuel: 1, ...o });
  for (const make of [instantiate, call]) {
    refused(make({ input: "ab".repeat(CONTRACT_INPUT_BYTES_MAX + 1) }), /a contract input is at most 8192 bytes \(this one is 8193\)/);
    accepted(make({ input: "ab".repeat(CONTRACT_INPUT_BYTES_MAX) }));
    refused(make({ fuel: 0 }), /a contract call needs a positive fuel budget/);
    refused(make({ fuel: 0n }), /positive fuel budget/);
    accepted(make({ fuel: 18_446_744_073_709_551_615n }));
  }
  for (const fn of ["", "Release", "1st", "_x", "-x", "re lease", "release\n", "é", "a.b", "a/b", "x".repeat(65), "\u0000"]) {
    refused(call({ function: fn }), /function name .* must be 1\.\.=64 bytes of \[a-z0-9_-\], starting with a letter/);
  }
  for (const fn of ["a", "x".repeat(64), "release_all-2", "init"]) accepted(call({ function: fn }));
  assert.throws(() => checkShape(signed(call({ function: "A".repeat(5000) }))), (e) => e.message.length < 300, "a huge hostile name is cut short in the message");
  // The body rules alone (what Vellum.send checks before signing), on model values given loosely.
  assert.throws(() => checkBodyShape({ type: "call_contract", contract: new Uint8Array(32), function: 5, input: new Uint8Array(0), fuel: 1n }), /function name 5/);
  assert.throws(() => checkBodyShape({ type: "instantiate_contract", code_digest: new Uint8Array(32), input: new Uint8Array(0), fuel: -1 }), /positive fuel budget/);
  assert.throws(() => checkBodyShape({ type: "instantiate_contract", code_digest: new Uint8Array(32), input: 7, fuel: 1n }), /input must be bytes/);
  const invoicing = (o) => ({ type: "set_invoicing", tax_authority: "32".repeat(32), token: "EUR", vat_basis_points: 2100, ...o });
  for (const token of ["eur", "", "1EUR", "E-UR", "TOOLONGSYMBOL", "€"]) refused(invoicing({ token }), /token symbol .* must be 1\.\.=12 bytes of \[A-Z0-9\]/);
  refused(invoicing({ vat_basis_points: VAT_BASIS_POINTS_MAX + 1 }), /the VAT rate is at most 10000 basis points/);
  refused(invoicing({ vat_basis_points: 0xffff_ffff }), /VAT rate/);
  for (const bp of [0, 2100, VAT_BASIS_POINTS_MAX]) accepted(invoicing({ vat_basis_points: bp }));
  accepted(invoicing({ token: "COOP2" }));
  for (const json of [{ type: "issue_invoice", payment: "33".repeat(32), document_digest: "34".repeat(32) }, { type: "reimburse_invoice", invoice: "35".repeat(32) }, { type: "clear_invoice_tax", invoice: "36".repeat(32) }]) accepted(json);
  const propose = (a) => ({ type: "propose", action: a, deadline_height: 9 });
  const code = (o) => propose({ action: "register_code", name: "escrow", code: "00", review_digest: "2e".repeat(32), ...o });
  for (const name of ["", "Escrow", "9lives", "es crow", "x".repeat(65), "escrow!"]) refused(code({ name }), /contract name .* must be 1\.\.=64 bytes of \[a-z0-9_-\]/);
  refused(code({ code: "" }), /contract code must be 1\.\.=12288 bytes \(this one is 0\)/);
  refused(code({ code: "00".repeat(CONTRACT_CODE_BYTES_MAX + 1) }), /contract code must be 1\.\.=12288 bytes/);
  accepted(code({ code: "00".repeat(CONTRACT_CODE_BYTES_MAX), name: "x".repeat(64) }));
  for (const a of [
    { action: "set_contract_paused", contract: "2f".repeat(32), paused: false },
    { action: "upgrade_contract", contract: "2f".repeat(32), code_digest: "30".repeat(32) },
    { action: "set_code_advisory", code_digest: "30".repeat(32), advisory: null },
    { action: "grant_role", account: "2f".repeat(32), role: "tax_authority" },
  ]) accepted(propose(a));
  assert.ok(isContractName("escrow") && !isContractName(null) && !isContractName(["escrow"]));
  // Bad JSON names the field.
  assert.throws(() => bodyFromJson(call({ input: "abc" })), (e) => e instanceof EncodeError && e.path === "body.input");
  assert.throws(() => bodyFromJson(call({ fuel: "1" })), (e) => e instanceof EncodeError && e.path === "body.fuel");
  assert.throws(() => bodyFromJson(invoicing({ vat_basis_points: -1 })), (e) => e instanceof EncodeError && e.path === "body.vat_basis_points");
  assert.throws(() => bodyFromJson(propose({ action: "set_code_advisory", code_digest: "30".repeat(32), advisory: "ab" })), (e) => e instanceof EncodeError && e.path === "body.action.advisory");
  assert.throws(() => bodyFromJson({ type: "reimburse_invoice", invoice: "35".repeat(32), amount: "1" }), (e) => e instanceof EncodeError && e.path === "body.amount");
});

test("bad JSON input names the field", () => {
  const cases = [
    [{ type: "transfer", legs: [{ to: "ab", token: "EUR", amount: "1", convert: null }], reference: null }, "body.legs[0].to"],
    [{ type: "mint", token: "EUR", to: "01".repeat(32), amount: 5 }, "body.amount"],
    [{ type: "mint", token: "EUR", to: "01".repeat(32) }, "body.amount"],
    [{ type: "mint", token: "EUR", to: "01".repeat(32), amount: "5", extra: 1 }, "body.extra"],
    [{ type: "teleport" }, "body.type"],
    [{ type: "vote", proposal: -1 }, "body.proposal"],
    [{ type: "set_account_status", account: "01".repeat(32), status: "asleep", reason: "" }, "body.status"],
    [{ type: "open_account", public_key: "rsa:00", kyc_commitment: null, label: "", role: "user", subledger: null }, "body.public_key"],
  ];
  for (const [json, path] of cases) {
    assert.throws(() => bodyFromJson(json), (e) => e instanceof EncodeError && e.path === path, path);
  }
});

test("u64 values beyond 2^53 survive JSON (lossless parse and stringify)", () => {
  const text = stringifyJson({ chain_id: "c", sender: "01".repeat(32), nonce: 18_446_744_073_709_551_615n, expiry_height: 9_007_199_254_740_993n, body: { type: "vote", proposal: 1 } });
  const u = unsignedFromJson(parseJson(text));
  assert.equal(u.nonce, 18_446_744_073_709_551_615n);
  assert.equal(u.expiry_height, 9_007_199_254_740_993n);
  // version, chain id (4 + 1), sender (32), then the nonce: eight 0xff bytes.
  assert.equal(toHex(unsignedWire(u).subarray(38, 46)), "ff".repeat(8));
  assert.throws(() => parseJson('{"a": 1,}'), DecodeError);
  assert.throws(() => fromHex("abc"), EncodeError);
});

test("DeleteOriginal is TxBody 39: the proof id, then u32 LE member; its StateKey OriginalDeleted is 51", () => {
  const proof = "c1".repeat(32);
  const body = bodyFromJson({ type: "delete_original", proof, member: 3 });
  assert.equal(toHex(encode(TxBody, body)), `27${proof}03000000`);
  assert.deepStrictEqual(bodyToJson(decode(TxBody, encode(TxBody, body))), { type: "delete_original", proof, member: 3 });
  assert.equal(toHex(encode(TxBody, bodyFromJson({ type: "delete_original", proof, member: 4_294_967_295 }))), `27${proof}ffffffff`);
  checkBodyShape(body);
  assert.throws(() => bodyFromJson({ type: "delete_original", proof, member: 3, holders: [] }), EncodeError);
  assert.throws(() => bodyFromJson({ type: "delete_original", proof }), EncodeError);
  assert.throws(() => bodyFromJson({ type: "delete_original", proof, member: -1 }), EncodeError);
  assert.throws(() => bodyFromJson({ type: "delete_original", proof, member: 2 ** 32 }), EncodeError);
  assert.throws(() => decode(TxBody, fromHex(`27${proof}030000`)), DecodeError);
  assert.equal(STATE_KEY.ORIGINAL_DELETED, 51);
  assert.equal(toHex(originalDeletedKey(proof, 3)), toHex(sha256(Uint8Array.of(...utf8("VELLUM:STATE-KEY:"), 1, 51, ...fromHex(proof), 3, 0, 0, 0))));
});

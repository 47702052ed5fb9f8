// Keys and signatures: RFC 8032 vectors, secp256k1 recovery and its refusals, P-256 low S,
// plain key files, and the encrypted keystore (open, create, wrong password, edited or weak
// parameters).

import { test } from "node:test";
import assert from "node:assert/strict";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { p256 } from "@noble/curves/nist.js";
import {
  KeyError,
  KeystoreError,
  PublicKey,
  SecretKey,
  SignatureError,
  createKeystore,
  fromHex,
  loadKey,
  normalizeP256,
  openKeystore,
  signedBy,
  toHex,
  utf8,
  verifySignature,
} from "../src/index.js";

/** The cheapest KDF parameters a keystore may claim (tests stay fast). */
const TEST_COST = { memoryKib: 8192, passes: 1, lanes: 1 };
const N = { secp256k1: secp256k1.Point.Fn.ORDER, p256: p256.Point.Fn.ORDER };

test("Ed25519: RFC 8032 §7.1 tests 1 and 2", () => {
  const cases = [
    ["9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "", "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"],
    ["4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72", "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"],
  ];
  for (const [sk, pk, msg, sig] of cases) {
    const key = SecretKey.fromBytes("ed25519", fromHex(sk));
    assert.equal(toHex(key.publicKey.bytes), pk);
    const s = key.sign(fromHex(msg));
    assert.equal(toHex(s.signature), sig);
    assert.ok(verifySignature(s, fromHex(msg)).equals(key.publicKey));
    assert.throws(() => verifySignature(s, utf8("other")), SignatureError);
  }
});

test("Ed25519: a key that is not a curve point is a bad public key, not a failed signature", () => {
  const key = SecretKey.fromBytes("ed25519", new Uint8Array(32).fill(3));
  const sig = key.sign(utf8("x"));
  // y = 2: no x satisfies the curve equation (the key the vectors use for this case is another).
  const offCurve = { ...sig, public_key: Uint8Array.of(2, ...new Uint8Array(31)) };
  assert.throws(() => verifySignature(offCurve, utf8("x")), (e) => e instanceof SignatureError && e.kind === "bad_public_key");
  // A point that is a key, just not this signature's: the signature does not verify.
  const otherPoint = { ...sig, public_key: SecretKey.fromBytes("ed25519", new Uint8Array(32).fill(4)).publicKey.bytes };
  assert.throws(() => verifySignature(otherPoint, utf8("x")), (e) => e instanceof SignatureError && e.kind === "signature_does_not_verify");
});

/** The same signature with S replaced by n − S (verifies mathematically; must be refused). */
function highSTwin(scheme, signature) {
  const s = BigInt(`0x${toHex(signature.subarray(32))}`);
  const out = signature.slice();
  out.set(fromHex((N[scheme] - s).toString(16).padStart(64, "0")), 32);
  return out;
}

test("secp256k1: the key is recovered; high S, recovery id 2 and another message are refused", () => {
  const key = SecretKey.fromBytes("secp256k1", new Uint8Array(32).fill(7));
  for (let i = 0; i < 20; i++) {
    const msg = new Uint8Array(5).fill(i);
    const sig = key.sign(msg);
    assert.ok(verifySignature(sig, msg).equals(key.publicKey));
    assert.ok(sig.recovery_id <= 1);
    const twin = { ...sig, signature: highSTwin("secp256k1", sig.signature), recovery_id: sig.recovery_id ^ 1 };
    assert.throws(() => verifySignature(twin, msg), /high S/);
    assert.throws(() => verifySignature({ ...sig, recovery_id: 2 }, msg), /recovery id/);
    assert.equal(signedBy(sig, utf8("other"), key.publicKey), false, "another message recovers another key");
  }
  assert.throws(() => SecretKey.fromBytes("secp256k1", new Uint8Array(32)), KeyError);
});

test("P-256: deterministic low-S signatures; the high-S twin, a bad key and another message are refused", () => {
  const key = SecretKey.fromBytes("p256", new Uint8Array(32).fill(9));
  for (let i = 0; i < 20; i++) {
    const msg = new Uint8Array(5).fill(i);
    const sig = key.sign(msg);
    assert.equal(toHex(key.sign(msg).signature), toHex(sig.signature), "RFC 6979: same input, same bytes");
    assert.ok(verifySignature(sig, msg).equals(key.publicKey));
    const twin = { ...sig, signature: highSTwin("p256", sig.signature) };
    assert.throws(() => verifySignature(twin, msg), /high S/);
    assert.equal(toHex(normalizeP256(twin.signature)), toHex(sig.signature));
    assert.throws(() => verifySignature(sig, utf8("other")), /does not verify/);
  }
  const badKey = { scheme: "p256", public_key: Uint8Array.of(5, ...new Uint8Array(32).fill(2)), signature: key.sign(utf8("x")).signature };
  assert.throws(() => verifySignature(badKey, utf8("x")), /malformed P-256 public key/);
  const rZero = { ...key.sign(utf8("x")), signature: Uint8Array.of(...new Uint8Array(32), ...key.sign(utf8("x")).signature.subarray(32)) };
  assert.throws(() => verifySignature(rZero, utf8("x")), (e) => e instanceof SignatureError && e.kind === "malformed_signature");
  // The key is checked first, as by the ledger: a bad key with r = 0 is a bad key.
  assert.throws(() => verifySignature({ ...rZero, public_key: badKey.public_key }, utf8("x")), (e) => e instanceof SignatureError && e.kind === "bad_public_key");
  assert.throws(() => SecretKey.fromBytes("p256", fromHex(N.p256.toString(16))), KeyError, "the order itself is out of range");
});

test("plain key files and public key text", () => {
  for (const scheme of ["ed25519", "secp256k1", "p256"]) {
    const k = SecretKey.generate(scheme);
    const back = SecretKey.parse(`  ${k.toKeyFile()}  `);
    assert.ok(back.publicKey.equals(k.publicKey));
    assert.ok(PublicKey.parse(k.publicKey.toString()).equals(k.publicKey));
    assert.equal(toHex(back.accountId), toHex(k.publicKey.accountId()));
  }
  assert.throws(() => SecretKey.parse("rsa:" + "00".repeat(32)), /unknown key scheme/);
  assert.throws(() => SecretKey.parse("ed25519:abcd"), /bad key hex/);
  assert.throws(() => SecretKey.parse("no scheme"), KeyError);
  assert.throws(() => PublicKey.parse("p256:" + "02".repeat(32)), KeyError, "a P-256 key is 33 bytes");
  assert.throws(() => SecretKey.generate("rsa"), KeyError);
});

test("keystore: create and open (all schemes), wrong password, edited fields, weak parameters", async () => {
  for (const scheme of ["ed25519", "secp256k1", "p256"]) {
    const key = SecretKey.generate(scheme);
    const ks = await createKeystore(key, "correct horse battery", { cost: TEST_COST });
    assert.equal(ks.public_key, key.publicKey.toString());
    const opened = await loadKey(JSON.stringify(ks, null, 2), { password: "correct horse battery" });
    assert.equal(toHex(opened.toBytes()), toHex(key.toBytes()));
  }
  const key = SecretKey.generate("ed25519");
  const ks = await createKeystore(key, "correct horse battery", { cost: TEST_COST });
  await assert.rejects(openKeystore(ks, "wrong password!"), (e) => e instanceof KeystoreError && e.wrongPassword);
  await assert.rejects(openKeystore({ ...ks, memory_kib: 8193 }, "correct horse battery"), (e) => e.wrongPassword, "an edited parameter");
  const other = SecretKey.generate("ed25519").publicKey.toString();
  await assert.rejects(openKeystore({ ...ks, public_key: other }, "correct horse battery"), KeystoreError);
  await assert.rejects(openKeystore({ ...ks, memory_kib: 64 }, "correct horse battery"), /below the minimum/);
  await assert.rejects(openKeystore({ ...ks, passes: 0 }, "correct horse battery"), /below the minimum/);
  await assert.rejects(openKeystore({ ...ks, lanes: 0 }, "correct horse battery"), /below the minimum/);
  await assert.rejects(openKeystore({ ...ks, kdf: "scrypt" }, "correct horse battery"), /unsupported keystore/);
  for (const edit of [{ memory_kib: 2 ** 32 - 1 }, { passes: 17 }, { lanes: 1 << 20 }]) {
    await assert.rejects(openKeystore({ ...ks, ...edit }, "correct horse battery"), /above the maximum/, JSON.stringify(edit));
  }
  await assert.rejects(openKeystore({ ...ks, nonce: "00" }, "correct horse battery"), /nonce/);
  await assert.rejects(createKeystore(key, "short", { cost: TEST_COST }), /at least 8 characters/);
  await assert.rejects(loadKey(JSON.stringify(ks)), /password is needed/);
  await assert.rejects(openKeystore("{not json", "x"), KeystoreError);
});

test("keystore: a rotated key signs for the account it records", async () => {
  const key = SecretKey.generate("p256");
  const account = "ab".repeat(32);
  const ks = await createKeystore(key, "correct horse battery", { cost: TEST_COST, accountId: account });
  const opened = await openKeystore(ks, "correct horse battery");
  assert.equal(toHex(opened.accountId), account);
  await assert.rejects(openKeystore({ ...ks, account_id: "cd".repeat(32) }, "correct horse battery"), (e) => e.wrongPassword, "account_id is bound");
});

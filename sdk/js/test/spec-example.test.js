// The worked example of docs/wire-format.md §17, value for value: the bytes a reader of the
// spec recomputes by hand.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  SecretKey,
  batchRoot,
  bodyFromJson,
  encode,
  encodeTransaction,
  fromHex,
  kycCommitment,
  proofIdOf,
  requestSigningBytes,
  schemas,
  saltedDigest,
  sha256,
  signTransaction,
  signedHeaders,
  signingBytes,
  toHex,
  txHash,
  txId,
  unsignedFromJson,
  unsignedWire,
  utf8,
} from "../src/index.js";

const key = SecretKey.fromBytes("ed25519", fromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
const ACCOUNT = "2d1052e0f79bbbc7aecd38069acc17116d4f2363f2bc9048401ed8b81a23f5f4";

test("a vote by the RFC 8032 test key: account id, wire, signing bytes, id, signature, proof id", () => {
  assert.equal(toHex(key.accountId), ACCOUNT);
  const u = unsignedFromJson({ chain_id: "vellum-devnet", sender: ACCOUNT, nonce: 0, expiry_height: 100, body: { type: "vote", proposal: 7 } });
  const wire = unsignedWire(u);
  assert.equal(toHex(wire), `01${"0d000000"}${toHex(utf8("vellum-devnet"))}${ACCOUNT}${"00".repeat(8)}6400000000000000120700000000000000`);
  assert.equal(signingBytes(u).length, 90);
  assert.equal(toHex(signingBytes(u)), `56454c4c554d3a54582d5349474e3a${toHex(wire)}`);
  assert.equal(txHash(u), "6016b966633dc25e8cb476ca1dc8ede47a03e31e5809855662a2bb3426807838");
  const tx = signTransaction(u, [key]);
  assert.equal(toHex(tx.signatures[0].signature), "5c0a3c8570af046c1c1b6e93ee9fcffbc66c51a85a7629a508194a55a5caee19f9207882890511a3d1e1e298c3dc2bda5f43f75fa584d58b71a74bb664994302");
  assert.equal(encode(schemas.Signature, tx.signatures[0]).length, 97);
  const txWire = encodeTransaction(tx);
  assert.equal(txWire.length, 176);
  assert.equal(toHex(txWire.subarray(75, 80)), "0100000000");
  assert.equal(toHex(proofIdOf(txId(u))), "a3e6000cbc676e4cd746ca1de49d06acf77a3276094c8144a07d5646c6979989");
});

test("the other values of the worked example", () => {
  const transfer = bodyFromJson({ type: "transfer", legs: [{ to: "ab".repeat(32), token: "EUR", amount: "12345", convert: null }], reference: null });
  assert.equal(toHex(encode(schemas.TxBody, transfer)), `0901000000${"ab".repeat(32)}03000000455552${"3930"}${"00".repeat(14)}${"00"}${"00"}`);
  assert.equal(toHex(saltedDigest(new Uint8Array(32).fill(0x11), sha256(utf8("hello")))), "662c14b47e32adfb0e5c1ad24174ca5cf48ee93a7a93d915706c8d4ff473b23e");
  assert.equal(toHex(kycCommitment(new Uint8Array(16).fill(0x22), utf8("identity record"))), "b435e0e089e1f2eea64ffbb062940d936c43cbd91e3b0cd866d557bc17247788");
  assert.equal(toHex(batchRoot(["a", "b", "c"].map((x) => sha256(utf8(x))))), "cac3d448d4e20a2ad5eae1f500e63c2a7f9217cd14572ba7fd22e26dc1ec2648");
  const request = { chainId: "vellum-devnet", method: "GET", pathAndQuery: `/v1/account/${ACCOUNT}`, timestampMs: 1795253477855, nonce: Uint8Array.from({ length: 16 }, (_, i) => i) };
  const signed = requestSigningBytes({ ...request, account: key.accountId });
  assert.equal(signed.length, 208);
  assert.ok(toHex(signed).startsWith("56454c4c554d3a524551554553543a010d00000076656c6c"));
  const headers = signedHeaders(key, request);
  assert.equal(headers["x-vellum-account"], ACCOUNT);
  assert.equal(headers["x-vellum-nonce"], "000102030405060708090a0b0c0d0e0f");
  assert.equal(
    headers["x-vellum-signature"],
    `00${toHex(key.publicKey.bytes)}e7fc45190246750d9d5b5e123b1fad7d80021dd2895a7cceace2b544ce08b5aa45803958d0570cc08d09ad37ceebe6007b206b3d43696923979374003b08ac01`,
  );
});

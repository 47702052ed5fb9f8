// Amount text (the CLI's parse_amount / format_amount) and the client config file.

import { test } from "node:test";
import assert from "node:assert/strict";
import { VellumError, formatAmount, parseAmount, parseClientConfig } from "../src/index.js";

test("amounts round-trip and refuse excess precision, signs, empty fractions and overflow", () => {
  assert.equal(parseAmount("123.45", 4), 1_234_500n);
  assert.equal(formatAmount(1_234_500n, 4), "123.45");
  assert.equal(formatAmount(5n, 0), "5");
  assert.equal(formatAmount(1_000_000n, 2), "10000");
  assert.equal(parseAmount("119.00", 2), 11_900n);
  for (const bad of ["1.234", "-1", "1.", "", ".5", "1e3"]) assert.throws(() => parseAmount(bad, 2), VellumError, bad);
  assert.throws(() => parseAmount("340282366920938463463374607431768211456", 0), /overflows/);
});

test("client.toml as `vellum devnet up` writes it", () => {
  const text = `chain_id = "vellum-devnet"
genesis_hash = "58fe0b2a10115e607a87c6a147a5f253bed5c03a6482209c3fbd590ef244042f"
api = [
    "http://127.0.0.1:8100",
    "http://127.0.0.1:8101",
]
keys_dir = "keys"
insecure_plain_keys = true
`;
  assert.deepEqual(parseClientConfig(text), {
    chainId: "vellum-devnet",
    genesisHash: "58fe0b2a10115e607a87c6a147a5f253bed5c03a6482209c3fbd590ef244042f",
    api: ["http://127.0.0.1:8100", "http://127.0.0.1:8101"],
    keysDir: "keys",
    insecurePlainKeys: true,
  });
  assert.equal(parseClientConfig(text.replace("insecure_plain_keys = true\n", "")).insecurePlainKeys, false);
  assert.throws(() => parseClientConfig('chain_id = "x"\napi = []\ngenesis_hash = "00"'), /no API address/);
  assert.throws(() => parseClientConfig("chain_id = 5"), VellumError);
});

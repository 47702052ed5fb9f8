#!/usr/bin/env node
// `node sdk/js/bin/vellum-sdk.mjs`: the multi-party signing steps from a shell, for an officer
// whose tooling is JavaScript. The files are the CLI's (`vellum tx build / sign / combine /
// submit`, docs/wire-format.md §14).
//
//   vellum-sdk.mjs keystore-new --scheme p256 --out officer.json      (password: VELLUM_PASSWORD)
//   vellum-sdk.mjs sign payment.json --key officer.json [--yes] [--out signed.json]
//   vellum-sdk.mjs combine a.json b.json --out both.json
//   vellum-sdk.mjs submit both.json --config devnet/client.toml --key officer.json
//
// Prints one JSON object on success; exit status 1 with `error: …` on any refusal.

import { readFile, writeFile, rename } from "node:fs/promises";
import { createInterface } from "node:readline/promises";
import { SecretKey, toHex, readTxFile, signTxFile, combineTxFiles, txFileText, describeTx, isKeystoreText, KEY_SCHEMES } from "../src/index.js";
import { loadKeyFile, saveKeystoreFile, connect } from "../src/node.js";

const USAGE = "usage: vellum-sdk.mjs keystore-new --scheme S --out F | sign FILE --key K [--yes] [--out F] | combine FILE… --out F | submit FILE --config client.toml --key K";

/** `--name value` options and positional arguments; `--yes` is the one flag. */
function parseArgs(argv) {
  const options = {};
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--yes") options.yes = true;
    else if (a.startsWith("--")) {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      options[a.slice(2)] = argv[++i];
    } else positional.push(a);
  }
  return { options, positional };
}

function need(options, name) {
  if (options[name] === undefined) throw new Error(`--${name} is required\n${USAGE}`);
  return options[name];
}

function password() {
  const p = process.env.VELLUM_PASSWORD;
  if (p === undefined) throw new Error("set VELLUM_PASSWORD to the keystore's password");
  return p;
}

/** A key file; the password is used only for an encrypted keystore. */
async function loadKey(path) {
  const encrypted = isKeystoreText(await readFile(path, "utf8"));
  return loadKeyFile(path, { password: encrypted ? password() : null });
}

/** Writes via a temporary file, so a crash never leaves half a transaction file. */
async function writeTxFile(path, file) {
  await writeFile(`${path}.tmp`, txFileText(file));
  await rename(`${path}.tmp`, path);
}

async function confirm(question) {
  if (!process.stdin.isTTY) throw new Error("no terminal to confirm on: read the transaction above and pass --yes to sign it");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return ["y", "Y", "yes"].includes((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

const commands = {
  async "keystore-new"({ options }) {
    const scheme = options.scheme ?? "ed25519";
    if (!KEY_SCHEMES.includes(scheme)) throw new Error(`--scheme must be one of ${KEY_SCHEMES.join(", ")}`);
    const key = SecretKey.generate(scheme);
    await saveKeystoreFile(need(options, "out"), key, password());
    return { path: options.out, public_key: key.publicKey.toString(), account_id: toHex(key.publicKey.accountId()) };
  },
  async sign({ options, positional: [file] }) {
    if (!file) throw new Error(USAGE);
    const text = await readFile(file, "utf8");
    const { unsigned } = readTxFile(text);
    process.stderr.write(`${describeTx(unsigned)}\n`);
    const key = await loadKey(need(options, "key"));
    if (!options.yes && !(await confirm(`sign it with ${key.publicKey}? [y/N] `))) throw new Error("not signed");
    const signed = signTxFile(text, key);
    await writeTxFile(options.out ?? file, signed);
    return { tx_id: signed.tx_id, signatures: signed.signatures.length };
  },
  async combine({ options, positional: files }) {
    if (files.length === 0) throw new Error(USAGE);
    const combined = combineTxFiles(...(await Promise.all(files.map((f) => readFile(f, "utf8")))));
    await writeTxFile(need(options, "out"), combined);
    return { tx_id: combined.tx_id, signatures: combined.signatures.length };
  },
  async submit({ options, positional: [file] }) {
    if (!file) throw new Error(USAGE);
    const client = await connect(options.config ?? "devnet/client.toml");
    const text = await readFile(file, "utf8");
    // The key reads the sending account's signer set as that account (it is one of its keys).
    const sender = toHex(readTxFile(text).unsigned.sender);
    const key = (await loadKey(need(options, "key"))).forAccount(sender);
    const done = await client.submitTxFile(text, { key });
    if (done.status !== "finalized") throw new Error(`transaction ${done.tx_hash} ${done.status}: ${done.message ?? ""} (${done.code ?? ""})`);
    return { tx_hash: done.tx_hash, status: done.status, height: Number(done.height) };
  },
};

try {
  const [command, ...rest] = process.argv.slice(2);
  const run = commands[command];
  if (!run) throw new Error(USAGE);
  const out = await run(parseArgs(rest));
  process.stdout.write(`${JSON.stringify(out)}\n`);
} catch (e) {
  process.stderr.write(`error: ${e.message}\n`);
  process.exit(1);
}

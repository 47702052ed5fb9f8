// Node-only helpers (files): key files and keystores, client.toml. The rest of the SDK needs
// no Node built-in; import this module only where a file system exists.

import { readFile, writeFile } from "node:fs/promises";
import { loadKey, createKeystore } from "./keystore.js";
import { parseClientConfig } from "./client.js";
import { stringifyJson } from "./json.js";
import { Vellum } from "./vellum.js";

/** A key file: plain `scheme:hex`, or an encrypted keystore (then `password` is needed). */
export async function loadKeyFile(path, { password = null } = {}) {
  return loadKey(await readFile(path, "utf8"), { password });
}

/** Writes `key` as a plain key file (mode 0600; refuses to overwrite). Devnets only: unencrypted. */
export async function saveKeyFile(path, key) {
  await writeFile(path, key.toKeyFile(), { mode: 0o600, flag: "wx" });
}

/** Writes `key` as an encrypted keystore (mode 0600; refuses to overwrite). */
export async function saveKeystoreFile(path, key, password, options = {}) {
  const ks = await createKeystore(key, password, options);
  await writeFile(path, `${stringifyJson(ks, 2)}\n`, { mode: 0o600, flag: "wx" });
  return ks;
}

/** The parsed `client.toml` (chain id, genesis hash, API addresses, keys directory). */
export async function loadClientConfig(path) {
  return parseClientConfig(await readFile(path, "utf8"));
}

/** A Vellum client for the chain a `client.toml` describes. */
export async function connect(clientTomlPath, options = {}) {
  return Vellum.fromClientConfig(await readFile(clientTomlPath, "utf8"), options);
}

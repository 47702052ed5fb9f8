// The published package, as `npm pack` builds it: the library and the `vellum-sdk` command
// (bin/vellum-sdk.mjs) with every module they import, transitively; no tests or examples.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const SDK = fileURLToPath(new URL("..", import.meta.url));
const NPM_TIMEOUT_MS = 60_000;

/** The files `npm pack` would publish, by path inside the package. */
async function packedFiles() {
  const { stdout } = await promisify(execFile)("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: SDK, timeout: NPM_TIMEOUT_MS });
  return new Set(JSON.parse(stdout)[0].files.map((f) => f.path));
}

/** The package-relative paths `path` imports (static and dynamic relative imports). */
async function localImports(path) {
  const text = await readFile(join(SDK, path), "utf8");
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*)"(\.{1,2}\/[^"]+)"/g)].map((m) => m[1]);
  return specifiers.map((s) => normalize(join(dirname(path), s)));
}

test("npm pack ships the library and the vellum-sdk command with every module they import", { timeout: NPM_TIMEOUT_MS }, async () => {
  const pkg = JSON.parse(await readFile(join(SDK, "package.json"), "utf8"));
  assert.deepEqual(pkg.bin, { "vellum-sdk": "bin/vellum-sdk.mjs" });
  assert.match(await readFile(join(SDK, pkg.bin["vellum-sdk"]), "utf8"), /^#!\/usr\/bin\/env node\n/, "runs as a command");
  const packed = await packedFiles();
  const entries = [...Object.values(pkg.bin), pkg.main, pkg.types, ...Object.values(pkg.exports).flatMap((e) => [e.types, e.default])];
  const pending = entries.map((p) => normalize(p));
  const seen = new Set();
  while (pending.length > 0) {
    const path = pending.pop();
    if (seen.has(path)) continue;
    seen.add(path);
    assert.ok(packed.has(path), `${path} is published`);
    pending.push(...(await localImports(path)));
  }
  assert.ok(seen.has("src/node.js") && seen.size > 10, "the entries lead to the modules");
  assert.deepEqual([...packed].filter((p) => /^(test|examples)\//.test(p)), [], "no tests or examples");
});

// Devnet helpers of the end-to-end tests (test/e2e.test.js, test/walkthrough.test.js): both are
// skipped unless VELLUM_BIN names the vellum binary. Not a test file itself (no `.test.js`).

import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

export const BIN = process.env.VELLUM_BIN;
export const run = promisify(execFile);
/** Bounds: devnet start, one CLI call. */
export const DEVNET_UP_TIMEOUT_MS = 180_000;
export const CLI_TIMEOUT_MS = 60_000;
export const VALIDATORS = 4;

/** `count` consecutive free TCP ports on 127.0.0.1 (bound, then released), none in `avoid`. */
export async function freePorts(count, avoid = []) {
  const bindable = (port) =>
    new Promise((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(false));
      s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    const ports = Array.from({ length: count }, (_, i) => base + i);
    if (ports.some((p) => avoid.includes(p))) continue;
    if ((await Promise.all(ports.map(bindable))).every(Boolean)) return base;
  }
  throw new Error("no free port range");
}

/**
 * Starts a devnet (`$VELLUM_BIN devnet up --dir D --detach --p2p-port P --api-port A`, free
 * ports) in a fresh temp dir: `{ tmp, dir }`. When the test ends — passed, failed or timed out —
 * it is brought down and the temp dir removed.
 */
export async function startDevnet(t, { prefix = "vellum-sdk-e2e-" } = {}) {
  const tmp = await mkdtemp(join(tmpdir(), prefix));
  const dir = join(tmp, "net");
  const p2p = await freePorts(VALIDATORS);
  const api = await freePorts(VALIDATORS, Array.from({ length: VALIDATORS }, (_, i) => p2p + i));
  t.after(async () => {
    await run(BIN, ["devnet", "down", "--dir", dir], { timeout: CLI_TIMEOUT_MS }).catch(() => {});
    await rm(tmp, { recursive: true, force: true });
  });
  await run(BIN, ["devnet", "up", "--dir", dir, "--detach", "--p2p-port", String(p2p), "--api-port", String(api)], { timeout: DEVNET_UP_TIMEOUT_MS });
  return { tmp, dir };
}

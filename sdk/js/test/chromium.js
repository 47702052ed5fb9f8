// Headless Chromium for the browser tests (test/browser.test.js, test/web-page.test.js): skipped
// when none is installed — set CHROMIUM to its path (scripts/ensure-chromium.sh installs one).
// Not a test file itself (no `.test.js`).

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const CHROMIUM = process.env.CHROMIUM ?? ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].find(existsSync);

/** Opens `url` in a fresh headless Chromium, killed (with its helper processes) when the test ends. */
export async function openInChromium(t, url) {
  const profile = await mkdtemp(join(tmpdir(), "vellum-sdk-chromium-"));
  const browser = spawn(CHROMIUM, ["--headless", "--no-sandbox", "--disable-gpu", `--user-data-dir=${profile}`, url], { stdio: "ignore", detached: true });
  t.after(async () => {
    // Its own process group: the renderer and helper processes go with it.
    process.kill(-browser.pid, "SIGKILL");
    await rm(profile, { recursive: true, force: true });
  });
}

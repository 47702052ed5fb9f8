// The README's examples are excerpts of examples/walkthrough.mjs, and the walkthrough runs:
// - always: every line of the README's JavaScript examples is a line of the walkthrough (but
//   the imports, which it makes at its top, and the devnet directory, which it takes from
//   --devnet), and every `bin/vellum-sdk.mjs` command of the README is one it runs;
// - with VELLUM_BIN (the vellum binary): the walkthrough, as a child process, against a fresh
//   4-validator devnet, must exit 0 and report each use case; the devnet is always brought down.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BIN, startDevnet } from "./devnet.js";

const SDK = fileURLToPath(new URL("..", import.meta.url));
const WALKTHROUGH = join(SDK, "examples", "walkthrough.mjs");
/** Bounds: the walkthrough (a generous multiple of the ~30 s it takes), the whole test. */
const WALKTHROUGH_TIMEOUT_MS = 180_000;
const TEST_TIMEOUT_MS = 480_000;

/** The fenced blocks of a Markdown text in `lang`, each as an array of lines. */
const blocks = (markdown, lang) => [...markdown.matchAll(new RegExp("^```" + lang + "\\n([\\s\\S]*?)^```", "gm"))].map((m) => m[1].split("\n"));

/** README lines the walkthrough has in another form: its imports (at its top) and where the devnet is. */
const ELSEWHERE = [/^import .* from "/, /^const devnet = "devnet";/];

test("the README's examples are excerpts of examples/walkthrough.mjs", async () => {
  const readme = await readFile(join(SDK, "README.md"), "utf8");
  const script = await readFile(WALKTHROUGH, "utf8");
  const scriptLines = new Set(script.split("\n").map((l) => l.trim()));
  const js = blocks(readme, "js").flat().map((l) => l.trim()).filter((l) => l !== "");
  assert.ok(js.length > 100, "the README has its examples");
  const missing = js.filter((l) => !ELSEWHERE.some((re) => re.test(l)) && !scriptLines.has(l));
  assert.deepEqual(missing, [], "README lines that are not lines of examples/walkthrough.mjs");

  // `node bin/vellum-sdk.mjs ARGS` in the README ⇔ `await sdk(ARGS)` in the walkthrough (which
  // makes no new keystore: keystore-new is shown, not run).
  const commands = blocks(readme, "sh").flat().map((l) => l.replace(/#.*$/, "").trim()).filter((l) => l.startsWith("node bin/vellum-sdk.mjs "));
  assert.ok(commands.some((c) => c.includes(" submit ")), "the README shows bin/vellum-sdk.mjs");
  for (const command of commands.filter((c) => !c.includes(" keystore-new "))) {
    const args = command.split(/\s+/).slice(2).map((a) => (a === "devnet/client.toml" ? "`${devnet}/client.toml`" : JSON.stringify(a)));
    const call = `await sdk(${args.join(", ")});`;
    assert.ok(script.includes(call.slice(0, -1)), `the walkthrough runs \`${command}\` (as ${call})`);
  }
});

test("examples/walkthrough.mjs runs every README use case on a fresh devnet", { skip: !BIN && "set VELLUM_BIN to the vellum binary", timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { tmp, dir } = await startDevnet(t, { prefix: "vellum-sdk-walkthrough-" });
  const { code, signal, stdout, stderr } = await new Promise((resolve) => {
    execFile(process.execPath, [WALKTHROUGH, "--devnet", dir, "--work", join(tmp, "work")], { cwd: SDK, timeout: WALKTHROUGH_TIMEOUT_MS, killSignal: "SIGKILL", maxBuffer: 16 << 20 }, (error, stdout, stderr) =>
      resolve({ code: error ? error.code : 0, signal: error?.signal ?? null, stdout, stderr }),
    );
  });
  const output = `--- stdout\n${stdout}\n--- stderr\n${stderr}`;
  assert.equal(signal, null, `the walkthrough was killed (${signal}): more than ${WALKTHROUGH_TIMEOUT_MS} ms?\n${output}`);
  assert.equal(code, 0, `the walkthrough failed\n${output}`);
  const expected = [
    /^registered diploma\.pdf as proof [0-9a-f]{64}; bundle verified offline: document matched, status live$/m,
    /^registered a\.pdf and b\.pdf as salted batch [0-9a-f]{64}; member 1 \(b\.pdf\) verified offline: matched$/m,
    /^diploma\.bundle verified offline by anyone: registrant [0-9a-f]{64}$/m,
    /^revoked batch member 0; diploma now superseded by [0-9a-f]{64}$/m,
    /^corrected diploma suspended \(SUSPENDED since height \d+ \(reason: under_investigation\)\), then reinstated; the old diploma bundle: live then, now SUPERSEDED since height \d+ by [0-9a-f]{64}$/m,
    /^the registrar attested the issuer: Example University \(example\.edu\), attested by [0-9a-f]{64} at height \d+$/m,
    /^batch members stored on the network: member 1's bundle without the manifest: matched$/m,
    /^attestation withdrawn; with the status now: Example University \(example\.edu\), attested by [0-9a-f]{64} at height \d+ — identity attestation REVOKED at height \d+ \(reason: affiliation_changed\)$/m,
    /^P-256 key p256:[0-9a-f]{66} kept in an encrypted keystore \(reopened: same key\)$/m,
    /^opened Alice's account [0-9a-f]{64} /m,
    /^Alice, named holder of her diploma, fetched its bundle: document matched$/m,
    /^Alice presented degree and year of her 4-claim credential; the employer verified it offline: LIVE, issued by Example University$/m,
    /^compliance froze Alice's account \(status frozen\), then unfroze it$/m,
    /^the council created EUR \(2 decimals, KYC required\)$/m,
    /^Alice paid Bob 119\.00 and Carol 1\.00 EUR \(tx [0-9a-f]{64}\): settled; receipt verified offline \(2 legs\)$/m,
    /^monitoring held Alice's 6000\.00 EUR payment \(hold \d+\); compliance posted it$/m,
    /^treasury [0-9a-f]{64}: officers 1-3 \(ed25519, p256, secp256k1\), 2 of 3 sign$/m,
    /^officers 1 and 3 signed tx\.json; the treasury paid Bob 2500\.00 EUR: finalized/m,
    /^\$ node bin\/vellum-sdk\.mjs submit payout-all\.json /m,
    /^officers 1 and 2 signed payout\.json from a shell; the treasury paid Carol 100\.00 EUR: finalized$/m,
    /^payment [0-9a-f]{64} settled$/m,
    /^Alice's event stream showed .*payment.* \(her payment [0-9a-f]{64}\)$/m,
    /^Bob recovered Alice's account onto a new key: it pays \(settled\), the old key is refused \(unauthorized_signer\)$/m,
    /^walkthrough complete$/m,
  ];
  for (const line of expected) assert.match(stdout, line, output);
});

// The node's web page (crates/api/web/index.html with its verify.js, unmodified) in headless
// Chromium, driven through its own form from a same-origin harness page: served by a (scripted)
// node, a bundle alone gets its status NOW from `/v1/status/{id}[?member=N]`, verified in the
// page; a status proof dropped alone or with its bundle is verified; on a plain web host (no
// node API) the page says plainly that the current status was not checked. Skipped without
// Chromium.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { decodeStatusProof, toHex } from "../src/index.js";
import { CHROMIUM, openInChromium } from "./chromium.js";
import { EXAMPLES, REPO, exampleText, readExample } from "./fixtures.js";

const WEB = join(REPO, "crates", "api", "web");
const PAGE_TIMEOUT_MS = 120_000;
const pinned = exampleText("status-genesis-hash.txt");
const diplomaId = toHex(decodeStatusProof(readExample("status-diploma-suspended.status")).proof_id);
const certId = toHex(decodeStatusProof(readExample("status-cert-1-revoked.status")).proof_id);

/** What the scripted node serves: its status, and status proofs of the example registrations. */
const NODE_API = {
  "/v1/status": () => ["application/json", JSON.stringify({ chain_id: "vellum-devnet", genesis_hash: pinned, height: 9 })],
  [`/v1/status/${diplomaId}`]: () => ["application/octet-stream", readExample("status-diploma-suspended.status")],
  [`/v1/status/${certId}?member=1`]: () => ["application/octet-stream", readExample("status-cert-1-revoked.status")],
  "/v1/validators": () => ["application/json", JSON.stringify({ validators: [] })],
  "/v1/log/checkpoint": () => ["text/plain", "vellum-devnet\n9\nAAAA\n"],
};
const block = (url) => /^\/v1\/block\/\d+$/.test(url) && ["application/json", JSON.stringify({ height: Number(url.split("/").pop()), time_ms: 0, tx_count: 0, hash: "00".repeat(32) })];

/**
 * The harness: loads the page in a same-origin iframe per scenario, fills its form (the
 * evidence files by name from /examples/, a pinned hash or none), submits, and reports the
 * result text of each scenario.
 */
const HARNESS = (scenarios) => `<!doctype html><meta charset="utf-8"><iframe style="width:60em;height:40em"></iframe>
<script type="module">
const until = async (what, ok) => { for (let i = 0; i < 600; i++) { const v = ok(); if (v) return v; await new Promise((r) => setTimeout(r, 50)); } throw new Error("timed out waiting for " + what); };
async function run({ files, pinned }) {
  const frame = document.querySelector("iframe");
  await new Promise((resolve) => { frame.onload = resolve; frame.src = "/?" + Math.random(); });
  const d = frame.contentDocument;
  await until("the page to ask its node", () => d.getElementById("chain").textContent !== "loading…");
  if (pinned !== undefined) d.getElementById("pinned").value = pinned;
  const dt = new DataTransfer();
  for (const f of files) dt.items.add(new File([await (await fetch("/examples/" + f)).arrayBuffer()], f));
  const input = d.getElementById("bundle");
  input.files = dt.files;
  input.dispatchEvent(new Event("change"));
  d.getElementById("go").click();
  return until("the verdict", () => { const t = d.getElementById("result").innerText.replace(/\\s+/g, " ").trim(); return t && !/verifying/.test(t) && t; });
}
const out = [];
try { for (const s of ${JSON.stringify(scenarios)}) out.push(await run(s)); } catch (e) { out.push("ERROR " + e); }
fetch("/result", { method: "POST", body: JSON.stringify(out) });
</script>`;

/** Serves the page, its verifier, the examples and (when `api`) the node API; runs the harness in Chromium. */
async function runPage(t, scenarios, { api }) {
  const asked = [];
  let report;
  const result = new Promise((resolve) => (report = resolve));
  const server = createServer((req, res) => {
    const send = (type, body, status = 200) => res.writeHead(status, { "content-type": type }).end(body);
    if (req.method === "POST") {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => (res.end(), report(JSON.parse(body))));
      return;
    }
    const url = req.url;
    if (url === "/" || url.startsWith("/?")) return send("text/html", readFileSync(join(WEB, "index.html")));
    if (url === "/verify.js") return send("text/javascript", readFileSync(join(WEB, "verify.js")));
    if (url === "/harness.html") return send("text/html", HARNESS(scenarios));
    if (url.startsWith("/examples/")) return send("application/octet-stream", readFileSync(join(EXAMPLES, url.slice("/examples/".length))));
    if (api && url.startsWith("/v1/status/")) asked.push(url);
    const served = api && (NODE_API[url]?.() ?? block(url));
    if (served) return send(...served);
    send("application/json", JSON.stringify({ error: { code: "not_found" } }), 404);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))));
  await openInChromium(t, `http://127.0.0.1:${server.address().port}/harness.html`);
  return { verdicts: await result, asked };
}

test("the web page served by a node: status NOW from the node, status proofs alone and with their bundle", { skip: !CHROMIUM && "no Chromium found (set CHROMIUM)", timeout: PAGE_TIMEOUT_MS }, async (t) => {
  const scenarios = [
    { files: ["status-diploma.vellum"] },
    { files: ["status-cert-1.vellum"] },
    { files: ["status-cert-1-revoked.status"] },
    { files: ["status-diploma.vellum", "status-diploma-reinstated.status"] },
    { files: ["diploma.vellum"], pinned: "" }, // another chain's bundle: the node has no status for it
    { files: ["status-diploma-reinstated.status", "status-diploma-suspended.status"] },
  ];
  const { verdicts: v, asked } = await runPage(t, scenarios, { api: true });
  assert.equal(v.length, scenarios.length, JSON.stringify(v));
  assert.match(v[0], /^VALID, but SUSPENDED /);
  assert.match(v[0], /status NOW: SUSPENDED since height 6 \(reason: under_investigation\), as of height 6 .* changed since the bundle was made/);
  assert.match(v[0], /Status then LIVE — status as of height 5 \(the bundle's\)/);
  assert.match(v[1], /^VALID, but REVOKED .*status NOW: REVOKED since height 9 \(reason: privilege_withdrawn\), as of height 9/);
  assert.match(v[1], /document 1 of a batch/);
  assert.match(v[2], /^VALID, but REVOKED status proof Status REVOKED since height 9 \(reason: privilege_withdrawn\), as of height 9/);
  assert.match(v[3], /^VALID Document .*status NOW: LIVE, as of height 8/, "the dropped status proof is used, not the node's");
  assert.match(v[4], /status as of height 3 \(the bundle's\); current status not checked \(the node answered 404 to \/v1\/status\/[0-9a-f]{64}\?member=0\)/);
  assert.match(v[5], /two status proofs were given/);
  assert.deepEqual(asked.slice(0, 2), [`/v1/status/${diplomaId}`, `/v1/status/${certId}?member=1`]);
});

test("the web page on a plain web host: the bundle's status, and plainly that the current status was not checked", { skip: !CHROMIUM && "no Chromium found (set CHROMIUM)", timeout: PAGE_TIMEOUT_MS }, async (t) => {
  const { verdicts: v } = await runPage(t, [{ files: ["status-diploma.vellum"], pinned }, { files: ["status-diploma-suspended.status"], pinned: "07".repeat(32) }], { api: false });
  assert.match(v[0], /^VALID Document .*LIVE — status as of height 5 \(the bundle's\); current status not checked \(this page is not served by a node\)/);
  assert.doesNotMatch(v[0], /status NOW/);
  assert.match(v[1], /^NOT VALID the status proof: failed at step 2 \(checkpoint\)/);
});

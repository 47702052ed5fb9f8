#!/usr/bin/env node
// Every use case of the SDK's README, in order, on a running devnet — the README's snippets are
// excerpts of this file (same calls, same names):
//
//   vellum devnet up --detach                       # a 4-validator devnet in ./devnet
//   node examples/walkthrough.mjs --devnet devnet   # from sdk/js
//
// 1. integrity proofs: register a document and a salted batch, fetch their evidence bundles,
//    verify them offline, revoke a batch member, supersede the document, suspend and reinstate
//    the corrected one, and fetch the status now (alone, and with the old bundle); the registrar
//    attests the issuer's identity (bundles then name it), the batch's members are handed to
//    the network, the attestation is withdrawn (the status now shows it);
// 2. accounts: a P-256 key kept in an encrypted keystore, an account opened by the registrar
//    (named holder of her diploma, she fetches its bundle; her credential, an SD-JWT VC
//    registered on the ledger, she presents with only two claims to an employer, who verifies
//    it offline), frozen and unfrozen by compliance;
// 3. payments: the council creates EUR, the issuer mints, Alice pays (two legs, a reference)
//    and the receipt is verified offline; monitoring holds a large payment, compliance posts it;
// 4. multi-party signing: a 2-of-3 treasury pays from transaction files, once from JavaScript
//    and once with bin/vellum-sdk.mjs;
// 5. events: Alice's event stream, replayed from her payment's block;
// 6. guardian recovery: Bob moves Alice's account onto a new key.
//
// Options: --devnet DIR (default ./devnet: the directory `vellum devnet up` made, with
// client.toml and keys/), --work DIR (where the sample documents and transaction files go;
// default a fresh temporary directory). Exit status 0 when everything verified.

import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  NodeError,
  SecretKey,
  combineTxFiles,
  createKeystore,
  credentialIss,
  describeTx,
  issueCredential,
  issuerLine,
  monitoringRules,
  openKeystore,
  presentCredential,
  readTxFile,
  signTxFile,
  statusLine,
  toHex,
  txFileText,
  utf8,
  verifyBundle,
  verifyBundleWithStatus,
  verifyCredential,
  verifyReceipt,
  wellKnownDocument,
} from "@vellum/sdk"; // this package, by its name (as an integrator imports it)
import { connect, loadKeyFile, saveKeyFile, saveKeystoreFile } from "@vellum/sdk/node";

const SDK_BIN = fileURLToPath(new URL("../bin/vellum-sdk.mjs", import.meta.url));
/** Alice's recovery time lock: a few seconds on a devnet (empty blocks every 250 ms); days in production. */
const RECOVERY_DELAY_BLOCKS = 20;

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  if (i + 1 >= process.argv.length) throw new Error(`${name} needs a value`);
  return process.argv[i + 1];
}

function check(condition, what) {
  if (!condition) throw new Error(`walkthrough: ${what}`);
}

const say = (...parts) => console.log(...parts);

// ---- Setup ----
const devnet = resolve(option("--devnet", "devnet"));
const work = resolve(option("--work", "") || (await mkdtemp(join(tmpdir(), "vellum-walkthrough-"))));
await mkdir(work, { recursive: true });
process.chdir(work); // the sample documents and transaction files below are relative to it
say(`devnet ${devnet}; files in ${work}`);

const vellum = await connect(`${devnet}/client.toml`); // every validator, genesis hash pinned
const registrar = await loadKeyFile(`${devnet}/keys/registrar.key`);

// Sample documents (an integrator reads their own files); stamped, so that the walkthrough can
// run again on the same devnet (an issuer cannot register one document twice while it is live).
const stamp = new Date().toISOString();
await writeFile("diploma.pdf", `%PDF-1.7\n% diploma of Alice Example, MSc, issued ${stamp}\n%%EOF\n`);
await writeFile("diploma-corrected.pdf", `%PDF-1.7\n% diploma of Alice Example, MSc with distinction, issued ${stamp}\n%%EOF\n`);
await writeFile("a.pdf", `%PDF-1.7\n% transcript, semester 1, issued ${stamp}\n%%EOF\n`);
await writeFile("b.pdf", `%PDF-1.7\n% transcript, semester 2, issued ${stamp}\n%%EOF\n`);

// ---- 1. Integrity proof: register a document, verify its evidence offline ----
say("\n1. Integrity proof");
const issuer = await loadKeyFile(`${devnet}/keys/issuer.key`);
const pdf = await readFile("diploma.pdf"); // a Buffer is a Uint8Array

// One document (RegisterProof). `salted: true` registers a salted commitment instead.
const { proofId, manifest } = await vellum.registerDocument({ key: issuer, document: pdf, name: "diploma.pdf" });

// The evidence bundle, fetched with a signed read (registrant or auditor), completed from the
// manifest, verified offline against the pinned genesis and the document itself.
const { bytes, result } = await vellum.fetchBundle({ key: issuer, manifest, document: pdf });
console.log(result.document, result.status.status, result.registrant); // "matched" "live" …
check(result.document === "matched" && result.status.status === "live", "the bundle verifies");
say(`registered diploma.pdf as proof ${proofId}; bundle verified offline: document ${result.document}, status ${result.status.status}`);

// Many documents as one salted batch (RegisterBatch); keep the manifest (the CLI's layout:
// each file's SHA-256, salt and registered leaf) — a member's bundle needs it.
const [a, b] = [await readFile("a.pdf"), await readFile("b.pdf")];
const batch = await vellum.registerBatch({ key: issuer, salted: true, documents: [
  { name: "a.pdf", bytes: a }, { name: "b.pdf", bytes: b },
] });
const member = await vellum.fetchBundle({ key: issuer, manifest: batch.manifest, index: 1, document: b });
check(member.result.memberIndex === 1 && member.result.document === "matched", "the batch member's bundle verifies");
say(`registered a.pdf and b.pdf as salted batch ${batch.proofId}; member 1 (b.pdf) verified offline: ${member.result.document}`);

// Anyone, offline, with only the bundle file, the document and the chain's genesis hash
// (client.toml's genesis_hash):
await writeFile("diploma.bundle", bytes);
const verified = verifyBundle(await readFile("diploma.bundle"), { genesisHash: vellum.genesisHash, document: pdf });
check(verified.registrant === toHex(issuer.accountId), "the registrant is the issuer");
say(`diploma.bundle verified offline by anyone: registrant ${verified.registrant}`);

// Revoke a batch member; supersede the diploma by a corrected one.
await vellum.revokeProof({ key: issuer, proofId: batch.proofId, member: 0, reason: "issued_in_error" }); // a reason code
const corrected = await vellum.registerDocument({ key: issuer, document: await readFile("diploma-corrected.pdf"), name: "diploma-corrected.pdf" });
await vellum.supersedeProof({ key: issuer, proofId, by: corrected.proofId });
const now = await vellum.fetchBundle({ key: issuer, manifest, document: pdf });
check(now.result.status.status === "superseded", "the diploma is superseded");
say(`revoked batch member 0; diploma now ${now.result.status.status} by ${toHex(now.result.status.by)}`);

// Suspend the corrected diploma while a complaint is looked into, then reinstate it (reasons are codes: DEFAULT_REASON_CODES).
await vellum.suspendProof({ key: issuer, proofId: corrected.proofId, reason: "under_investigation" });
// Anyone who knows a proof id, without a key: every validator is asked, each status proof verified, the freshest kept.
const { result: current } = await vellum.fetchStatus({ proofId: corrected.proofId });
console.log(statusLine(current.status), "as of height", current.height); // SUSPENDED since height … (reason: under_investigation)
await vellum.reinstateProof({ key: issuer, proofId: corrected.proofId });
check(current.status.status === "suspended" && current.status.reason === "under_investigation", "the corrected diploma was suspended");

// The old bundle with the status now (step 9): still valid as registered, superseded since.
const { bytes: statusBytes, now: later } = await vellum.fetchStatus({ bundle: verified });
await writeFile("diploma.status", statusBytes); // anyone checks it offline, alone or with the bundle:
const offline = verifyBundleWithStatus(await readFile("diploma.bundle"), await readFile("diploma.status"), { genesisHash: vellum.genesisHash });
console.log(later.then.status, "->", later.now.status); // "live" -> "superseded"
check(later.changed && offline.now.now.status === "superseded", "the old bundle's status now is superseded");
say(`corrected diploma suspended (${statusLine(current.status)}), then reinstated; the old diploma bundle: ${later.then.status} then, now ${statusLine(later.now)}`);

// Who registered it: a registrar attests the issuer's identity once it has checked the document
// the issuer publishes at https://example.edu/.well-known/vellum-issuer.json (fetched over HTTPS
// when not given; here the text `vellum issuer well-known` writes).
const chainId = (await vellum.status()).chain_id;
const wellKnown = wellKnownDocument({ name: "Example University", chainId, genesisHash: vellum.genesisHash, account: issuer.accountId });
await vellum.attestIssuer({ key: registrar, issuer: issuer.accountId, name: "Example University", domain: "example.edu", wellKnown });
// Bundles made from now on (version 3) name it; anyone reads the attestation (agreed by f + 1 validators).
const named = await vellum.fetchBundle({ key: issuer, manifest: batch.manifest, index: 1, document: b });
console.log(issuerLine(named.result.issuer)); // Example University (example.edu), attested by … at height …
const attestation = await vellum.issuerAttestation(issuer.accountId); // { profile: { name, domain, … }, attested_by, height, revoked }
check(named.result.issuer.attested && named.result.issuer.profile.domain === "example.edu" && attestation.profile.name === "Example University", "the bundle names the attested issuer");

// The batch's members handed to the network (registered digests, never the salts): a member's
// bundle no longer needs the manifest, only the member's salt to open the document.
await vellum.storeBatchMembers({ key: issuer, manifest: batch.manifest });
const filled = await vellum.fetchBundle({ key: issuer, proofId: batch.proofId, member: 1, document: b, salt: batch.manifest.documents[1].salt });
check(filled.result.document === "matched" && filled.result.memberIndex === 1, "the node filled in the member's digest and path");

// Withdrawn (say the issuer lost its domain): bundles and status proofs made since carry it; the
// bundle made before, with the status now, shows it.
await vellum.revokeAttestation({ key: registrar, issuer: issuer.accountId, reason: "affiliation_changed" });
const { now: identityNow } = await vellum.fetchStatus({ bundle: named.result });
console.log(issuerLine(identityNow.issuerNow)); // … — identity attestation REVOKED at height … (reason: affiliation_changed)
check(identityNow.issuerNow.revoked?.reason === "affiliation_changed" && named.result.issuer.revoked === null, "the withdrawal shows now, not then");
say(`the registrar attested the issuer: ${issuerLine(named.result.issuer)}`);
say(`batch members stored on the network: member 1's bundle without the manifest: ${filled.result.document}`);
say(`attestation withdrawn; with the status now: ${issuerLine(identityNow.issuerNow)}`);

// ---- 2. Open an account (any scheme, including P-256) ----
say("\n2. Accounts");
const alice = SecretKey.generate("p256"); // or "ed25519", "secp256k1"
const keystore = await createKeystore(alice, "a long passphrase"); // Argon2id 64 MiB, 3 passes
const text = JSON.stringify(keystore, null, 2); // the CLI's keystore file
const again = await openKeystore(text, "a long passphrase"); // KeystoreError if wrong
check(again.publicKey.equals(alice.publicKey), "the keystore opens to the same key");
say(`P-256 key ${alice.publicKey} kept in an encrypted keystore (reopened: same key)`);

const opened = await vellum.openAccount({
  registrar, publicKey: alice.publicKey, identityRecord: "passport no. …, checked 2026-03-01", label: "user",
});
// Only a salted commitment reaches the ledger; keep opened.kycSalt with the identity record.
const view = await vellum.account(alice.accountId, { key: alice }); // agreed by f + 1 validators
check(opened.accountId === toHex(alice.accountId) && view.account.signers.signers[0].key === alice.publicKey.toString(), "Alice's account holds her key");
say(`opened Alice's account ${opened.accountId} (KYC commitment ${opened.kycCommitment})`);

// The issuer names Alice holder of her corrected diploma: she fetches its bundle herself.
await vellum.addHolders({ key: issuer, proofId: corrected.proofId, holders: [opened.accountId] });
const hers = await vellum.fetchBundle({ key: alice, proofId: corrected.proofId, document: await readFile("diploma-corrected.pdf") });
check(hers.result.document === "matched" && hers.result.registrant === toHex(issuer.accountId), "Alice, a holder, reads her diploma's bundle");
say(`Alice, named holder of her diploma, fetched its bundle: document ${hers.result.document}`);

// Her credential (an SD-JWT VC, docs/credentials.md): every claim selectively disclosable, bound
// to her key; the issuer registers the issuer-signed JWT (its bytes are the document) for her.
const credential = issueCredential({ issuer, holder: alice.publicKey, iss: credentialIss(chainId, issuer.accountId), claims: {
  name: "Alice Example", degree: "MSc Mathematics", year: 2026, grades: { algebra: "A", topology: "B+" },
} });
const registeredJwt = await vellum.registerDocument({ key: issuer, document: utf8(credential.jwt), name: "alice.jwt" });
await vellum.addHolders({ key: issuer, proofId: registeredJwt.proofId, holders: [opened.accountId] });
const { bytes: credentialBundle } = await vellum.fetchBundle({ key: alice, proofId: registeredJwt.proofId, document: utf8(credential.jwt) });
// Alice shows an employer her degree and year only, bound to its audience and one-time nonce.
const presentation = presentCredential(credential.sdJwt, { disclose: ["degree", "year"], holder: alice, aud: "https://employer.example", nonce: "offer-2026-77" });
// The employer, offline: the ledger evidence, the issuer's signature, the disclosures, the key binding.
const shown = verifyCredential(presentation, credentialBundle, { aud: "https://employer.example", nonce: "offer-2026-77", genesisHash: vellum.genesisHash });
console.log(shown.disclosed, shown.claimsSigned, issuerLine(shown.issuer)); // { degree: "MSc Mathematics", year: 2026 } 4 Example University (example.edu), …
check(shown.disclosed.degree === "MSc Mathematics" && shown.claimsSigned === 4 && !("name" in shown.disclosed) && !presentation.includes("Alice"), "only degree and year are shown");
say(`Alice presented ${Object.keys(shown.disclosed).join(" and ")} of her ${shown.claimsSigned}-claim credential; the employer verified it offline: ${statusLine(shown.status)}, issued by ${shown.issuer.profile.name}`);

// Bob and Carol open accounts the same way (they are paid in §3 and are Alice's guardians in §6).
const bob = SecretKey.generate("ed25519");
const carol = SecretKey.generate("secp256k1");
await vellum.openAccount({ registrar, publicKey: bob.publicKey, identityRecord: "Bob: passport checked" });
await vellum.openAccount({ registrar, publicKey: carol.publicKey, identityRecord: "Carol: passport checked" });
say(`opened Bob's account ${toHex(bob.accountId)} (ed25519) and Carol's ${toHex(carol.accountId)} (secp256k1)`);

// Status changes (compliance): freeze, then unfreeze.
const compliance = await loadKeyFile(`${devnet}/keys/compliance.key`);
await vellum.setAccountStatus({ key: compliance, account: opened.accountId, status: "frozen", reason: "card stolen" });
const frozen = await vellum.account(alice.accountId, { key: compliance });
await vellum.setAccountStatus({ key: compliance, account: opened.accountId, status: "active", reason: "new card issued" });
check(frozen.account.status === "frozen", `Alice's account was frozen (${frozen.account.status})`);
say(`compliance froze Alice's account (status ${frozen.account.status}), then unfroze it`);

// ---- 3. Pay and verify the receipt ----
say("\n3. Payments");
// Tokens are governed: the devnet's council (one 2-of-3 account, keys council-1..3) proposes
// with two of its keys; the proposal passes at once. (Skipped when EUR exists: a devnet keeps
// its tokens when the walkthrough runs again.)
const council = [await loadKeyFile(`${devnet}/keys/council-1.key`), await loadKeyFile(`${devnet}/keys/council-2.key`)];
if (!(await tokenExists("EUR"))) {
  const { proposal } = await vellum.propose({ signers: council, action: {
    action: "create_token", symbol: "EUR", decimals: 2, issuer: issuer.accountId, subledger: null,
    flags: { kyc_required: true, clawback: false, pausable: false },
  } });
  check(proposal?.status?.state === "executed", `EUR created (${JSON.stringify(proposal?.status)})`);
  say("the council created EUR (2 decimals, KYC required)");
}
await vellum.send({ type: "mint", token: "EUR", to: alice.accountId, amount: 1_000_000n }, { key: issuer }); // 10,000.00 EUR
say("the issuer minted 10000.00 EUR to Alice");

const { tx, payment } = await vellum.transfer({
  key: alice,
  legs: [
    { to: bob.accountId, token: "EUR", amount: "119.00" }, // decimal, the token's units
    { to: carol.accountId, token: "EUR", amount: 100n }, // or base units
  ],
  reference: proofId, // links the payment to a registered document (32 bytes)
});
console.log(payment.record.outcome.outcome); // "settled" or "held"
check(payment.record.outcome.outcome === "settled", "the payment settled");

const receipt = await vellum.fetchReceipt(tx.tx_hash, { key: alice }); // verified offline, pinned genesis
const legs = receipt.result.recordJson.outcome.legs;
console.log(legs.map((l) => `${l.credit_amount} ${l.credit_token} to ${l.to}`)); // base units
// Anyone later, offline, with the receipt's bytes and the genesis hash:
verifyReceipt(receipt.bytes, { genesisHash: vellum.genesisHash });
check(legs.length === 2 && legs[0].credit_amount === "11900" && legs[1].credit_amount === "100", "the receipt shows both legs");
say(`Alice paid Bob 119.00 and Carol 1.00 EUR (tx ${tx.tx_hash}): ${payment.record.outcome.outcome}; receipt verified offline (${legs.length} legs)`);

// Monitoring (governed) holds large payments; compliance posts or voids a hold.
await vellum.propose({ signers: council, action: { action: "set_monitoring", token: "EUR", rules: monitoringRules({
  largeAmount: 500_000n, holdTimeoutMs: 3_600_000n, // hold from 5,000.00 EUR; the other rules off
}) } });
const large = await vellum.transfer({ key: alice, legs: [{ to: bob.accountId, token: "EUR", amount: "6000.00" }] });
const hold = large.payment.record.outcome.hold; // outcome "held"
await vellum.decideHold({ key: compliance, hold, post: true, reason: "invoice checked" });
check(large.payment.record.outcome.outcome === "held", "the large payment was held");
say(`monitoring held Alice's 6000.00 EUR payment (hold ${hold}); compliance posted it`);

// ---- 4. Multi-party signing (a 2-of-3 account, each signer on their own device) ----
say("\n4. Multi-party signing");
// Three officers, each with a key on their own device; the registrar opens the treasury for
// officer1's key, officer1 makes the three its signers (any two sign), the issuer funds it.
const [officer1, officer2, officer3] = [SecretKey.generate("ed25519"), SecretKey.generate("p256"), SecretKey.generate("secp256k1")];
const { accountId: treasuryId } = await vellum.openAccount({ registrar, publicKey: officer1.publicKey, identityRecord: "ACME Ltd, company no. …", label: "treasury" });
await vellum.setSigners({ signers: [officer1], set: { signers: [officer1, officer2, officer3].map((o) => ({ key: o.publicKey })), threshold: 2 } });
await vellum.send({ type: "mint", token: "EUR", to: treasuryId, amount: 1_000_000n }, { key: issuer });
say(`treasury ${treasuryId}: officers 1-3 (ed25519, p256, secp256k1), 2 of 3 sign`);

// The builder: chain, the account's next nonce, an expiry and its signer set filled in; nobody has signed.
const file = await vellum.prepare(
  { type: "transfer", legs: [{ to: bob.accountId, token: "EUR", amount: 250_000n, convert: null }], reference: null },
  { sender: treasuryId, key: officer1 }, // officer1 reads the nonce
);
await writeFile("tx.json", txFileText(file)); // the format of `vellum tx build`
await writeFile("tx-officer1.json", txFileText(signTxFile(file, officer1)));

// Each officer, on their own machine: see what is signed, add one signature.
const txText = await readFile("tx.json", "utf8");
console.log(describeTx(readTxFile(txText).unsigned));
await writeFile("tx-officer3.json", txFileText(signTxFile(txText, officer3))); // DuplicateSigner if signed already
// (`vellum tx sign tx.json --key officer2.json` signs the same file from the CLI.)

// Anyone: merge and submit. The weight of the distinct signers is checked first.
const all = combineTxFiles(await readFile("tx-officer1.json", "utf8"), await readFile("tx-officer3.json", "utf8"));
const done = await vellum.submitTxFile(all, { key: officer1 }); // InsufficientWeight below threshold
// (the signer set is read from the ledger as officer1; without `key`, the file's own signer_set)
check(done.status === "finalized", `the treasury payment finalized (${done.status})`);
say(`officers 1 and 3 signed tx.json; the treasury paid Bob 2500.00 EUR: ${done.status} (tx ${done.tx_hash})`);

// The same from a shell, with bin/vellum-sdk.mjs: officer1's key in a plain key file (devnets
// only), officer2's in an encrypted keystore (its password from VELLUM_PASSWORD).
await saveKeyFile("officer1.key", officer1);
await saveKeystoreFile("officer2.json", officer2, "officer 2's passphrase");
const payout = await vellum.prepare(
  { type: "transfer", legs: [{ to: carol.accountId, token: "EUR", amount: 10_000n, convert: null }], reference: null },
  { sender: treasuryId, key: officer1 },
);
await writeFile("payout.json", txFileText(payout));
await sdk("sign", "payout.json", "--key", "officer1.key", "--yes", "--out", "payout-1.json");
await sdk("sign", "payout.json", "--key", "officer2.json", "--yes", "--out", "payout-2.json");
await sdk("combine", "payout-1.json", "payout-2.json", "--out", "payout-all.json");
const submitted = await sdk("submit", "payout-all.json", "--config", `${devnet}/client.toml`, "--key", "officer1.key");
check(submitted.status === "finalized", "the shell-signed payout finalized");
say(`officers 1 and 2 signed payout.json from a shell; the treasury paid Carol 100.00 EUR: ${submitted.status}`);

// ---- 5. Events ----
say("\n5. Events");
// Alice's stream, replayed from the block of her payment in §3 (without `after`: from the next block).
const seen = [];
for await (const e of vellum.events({ key: alice, after: BigInt(tx.height) - 1n })) {
  if (e.event === "payment") console.log("payment", e.data.tx_hash, e.data.record.outcome.outcome);
  if (e.event === "block") console.log("block", String(e.id)); // e.id: the height (bigint)
  seen.push(e);
  if (e.event === "block" && e.id >= BigInt(tx.height)) break; // leaving the loop closes the stream
}
check(seen.some((e) => e.event === "payment" && e.data.tx_hash === tx.tx_hash), "Alice's payment event");
say(`Alice's event stream showed ${seen.map((e) => e.event).join(", ")} (her payment ${tx.tx_hash})`);

// ---- 6. Guardian recovery ----
say("\n6. Guardian recovery");
// Alice names guardians; after losing her key, a guardian proposes the new key, anyone executes after the time lock.
await vellum.setGuardians({ key: alice, guardians: [bob.accountId, carol.accountId], threshold: 1, delayBlocks: RECOVERY_DELAY_BLOCKS });
const newKey = SecretKey.generate("ed25519");
const proposed = await vellum.proposeRecovery({ key: bob, account: alice.accountId, set: { signers: [{ key: newKey.publicKey }], threshold: 1 } });
while (BigInt((await vellum.status()).height) < BigInt(proposed.height) + BigInt(RECOVERY_DELAY_BLOCKS)) await new Promise((r) => setTimeout(r, 250));
await vellum.executeRecovery({ key: bob, account: alice.accountId });
// From now on Alice signs with newKey.forAccount(alice.accountId); her old key is refused.
const device = newKey.forAccount(alice.accountId);
const paidAfter = await vellum.transfer({ key: device, legs: [{ to: carol.accountId, token: "EUR", amount: "0.50" }] });
const refused = await vellum.transfer({ key: alice, legs: [{ to: carol.accountId, token: "EUR", amount: "0.50" }] }).then(() => null, (e) => e);
check(paidAfter.payment.record.outcome.outcome === "settled", "the new key pays");
check(refused instanceof NodeError && refused.code === "unauthorized_signer", `the old key is refused (${refused?.code ?? refused})`);
say(`Bob recovered Alice's account onto a new key: it pays (${paidAfter.payment.record.outcome.outcome}), the old key is refused (${refused.code})`);

say("\nwalkthrough complete");

// ---- Helpers ----

/** Whether a token exists (read as the issuer). */
async function tokenExists(symbol) {
  try {
    await vellum.token(symbol, { key: issuer });
    return true;
  } catch (e) {
    if (e instanceof NodeError && e.status === 404) return false;
    throw e;
  }
}

/** Runs `node bin/vellum-sdk.mjs …` in the working directory; its JSON answer. */
async function sdk(...args) {
  say(`$ node bin/vellum-sdk.mjs ${args.join(" ")}`);
  const env = { ...process.env, VELLUM_PASSWORD: "officer 2's passphrase" };
  const { stdout } = await promisify(execFile)(process.execPath, [SDK_BIN, ...args], { env, timeout: 120_000 });
  return JSON.parse(stdout);
}

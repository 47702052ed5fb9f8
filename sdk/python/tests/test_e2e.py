"""End to end on a real 4-validator devnet, from the SDK alone (skipped unless ``VELLUM_BIN`` names
the ``vellum`` binary). The test starts the devnet itself on free ports and always stops it.

Story: the registrar opens two accounts for SDK-generated keys (P-256 and Ed25519); the issuer
registers a document and a salted batch and verifies their bundles offline against the genesis
hash of client.toml; the 2-of-3 council creates a token with a proposal signed on two
"machines" (a transaction file per signer: one signs with the SDK, the other with the CLI, the
CLI combines, the SDK checks the weight and submits); the issuer mints; the P-256 account pays
(multi-leg, with a reference) and verifies the receipt; an event stream sees its transactions;
then the validator the client was talking to is killed with SIGKILL and another payment
finalizes through the others, its receipt verifies, and the event stream follows it there.
Proof status (with that validator still down): suspension, revocation and reinstatement seen by
holders of old bundles through fresh status proofs; the issuer's identity attested by the
registrar after checking its well-known document over verified HTTPS, named by version-3
bundles and withdrawn; a batch's members and holders handed to the network (bundles without
the manifest); and an issuer-wide revocation.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from vellum_sdk import (
    Client,
    ClientConfig,
    SecretKey,
    TxFile,
    bodies,
    errors,
    load_key,
    save_keystore,
    save_plain,
    verify_bundle,
    verify_bundle_with_status,
    verify_receipt,
)
from vellum_sdk.issuers import x509_sha256
from vellum_sdk.verify import decode_bundle

VELLUM_BIN = os.environ.get("VELLUM_BIN")
pytestmark = pytest.mark.skipif(not VELLUM_BIN, reason="set VELLUM_BIN to the vellum binary to run the end-to-end test")

#: Bounds of the slow steps (the whole test takes about a minute; the devnet's: conftest.py, whose
#: `devnet` fixture starts this module's devnet and always stops it).
EVENTS_WAIT_S = 60
VALIDATORS = 4


def cli(args: list[str]) -> str:
    """Runs the vellum CLI (bounded); its output, or the failure with it."""
    run = subprocess.run([VELLUM_BIN, *args], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert run.returncode == 0, f"vellum {' '.join(args)} failed: {run.stdout}{run.stderr}"
    return run.stdout


class Collector(threading.Thread):
    """Follows the signed event stream of one account in the background."""

    def __init__(self, client: Client, key: SecretKey, after: int):
        super().__init__(daemon=True)
        self.stream = client.events(key, after=after, until=time.monotonic() + 240)
        self.events: list = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for e in self.stream:
                self.events.append(e)
        except BaseException as e:  # reported by the test thread
            self.error = e

    def wait_for(self, name: str, tx_hash: str) -> object:
        deadline = time.monotonic() + EVENTS_WAIT_S
        while time.monotonic() < deadline:
            assert self.error is None, f"event stream failed: {self.error}"
            for e in list(self.events):
                if e.name == name and e.data.get("tx_hash") == tx_hash:
                    return e
            time.sleep(0.1)
        raise AssertionError(f"no `{name}` event for {tx_hash} within {EVENTS_WAIT_S} s (failovers: {self.stream.failovers})")


def test_sdk_alone_on_a_devnet(devnet: Path):
    cfg = ClientConfig.load(devnet / "client.toml")
    client = Client.from_config(devnet / "client.toml")
    registrar, issuer = client.key("registrar"), client.key("issuer")
    council = [client.key(f"council-{i}") for i in (1, 2, 3)]

    # The registrar opens accounts for keys the SDK generated (P-256 and Ed25519).
    alice, bob = SecretKey.generate("p256"), SecretKey.generate("ed25519")
    alice_id, opened, salt = client.open_account(registrar, alice.public_key, b"alice: passport checked", label="alice")
    assert alice_id == alice.account and len(salt) == 32 and opened.height > 0
    bob_id, _, _ = client.open_account(registrar, bob.public_key, b"bob: passport checked", label="bob")
    view = client.account(alice)
    assert view["account"]["signers"]["signers"] == [{"key": str(alice.public_key), "weight": 1}]

    # The issuer registers a document and verifies its bundle offline against the pinned genesis.
    diploma = b"%PDF-1.7 diploma of alice, 2026\n%%EOF"
    reg = client.register_documents(issuer, [("diploma.pdf", diploma)])
    bundle = client.fetch_bundle(issuer, reg.manifest)
    v = verify_bundle(bundle, diploma, cfg.genesis_hash)
    assert v.document == "matched" and v.live and v.registrant == issuer.account and v.validators == VALIDATORS
    with pytest.raises(errors.VerifyError) as wrong:
        verify_bundle(bundle, b"another document", cfg.genesis_hash)
    assert wrong.value.step == 8
    with pytest.raises(errors.VerifyError) as other_chain:
        verify_bundle(bundle, diploma, "00" * 32)
    assert other_chain.value.step == 2
    # The record read online (signed, agreed by f + 1 validators) says the same; the bundle
    # fetch is in the answering node's audit trail of reads.
    shown = client.proof(issuer, reg.proof_id)
    assert shown["record"]["registrant"] == issuer.account and shown["log_index"] == decode_bundle(bundle)["entry"]["leaf_index"]
    with pytest.raises(errors.NodeError) as forbidden:
        client.proof(registrar, reg.proof_id)
    assert (forbidden.value.code, forbidden.value.status) == ("forbidden", 403)

    # A salted batch: member 1's bundle, completed from the manifest (salt, batch path).
    docs = [("a.txt", b"grade sheet A"), ("b.txt", b"grade sheet B")]
    batch = client.register_documents(issuer, docs, salted=True)
    assert batch.manifest.batch and batch.manifest.documents[1].salt
    vb = verify_bundle(client.fetch_bundle(issuer, batch.manifest, document=1), docs[1][1], cfg.genesis_hash)
    assert vb.member_index == 1 and vb.document == "matched"

    # Governance: the council account is 2-of-3; each member signs the proposal's file on its
    # own, one signature alone is refused before submission, two create the token.
    # The SDK builds and signs one copy; the other member signs with the CLI (`vellum tx sign`)
    # and the CLI combines: the files are the same format on both sides.
    action = bodies.create_token("EUR", 2, issuer.account)
    built = client.build_tx_file(council[0], bodies.propose(action, client.chain()[1] + 1000))
    work = devnet.parent
    built.save(work / "propose.json")
    first = TxFile.load(work / "propose.json")
    first.sign(council[0])
    first.save(work / "signed-1.json")
    with pytest.raises(errors.InsufficientWeight):
        client.submit_tx_file(TxFile.load(work / "signed-1.json"), council[0])
    cli(["tx", "sign", str(work / "propose.json"), "--key", str(devnet / "keys" / "council-2.key"), "--yes", "--out", str(work / "signed-2.json")])
    with pytest.raises(errors.DuplicateSigner):
        TxFile.load(work / "signed-1.json").sign(council[0])
    elsewhere = client.build_tx_file(council[0], bodies.vote(1))
    with pytest.raises(errors.ForeignSignature):
        TxFile.load(work / "signed-1.json").add(elsewhere.unsigned.sign(council[2]))
    cli(["tx", "combine", str(work / "signed-1.json"), str(work / "signed-2.json"), "--out", str(work / "both.json")])
    combined = TxFile.load(work / "both.json")
    assert combined.signer_keys() == [council[0].public_key, council[1].public_key]
    done = client.submit_tx_file(combined, council[0])
    proposals = client.read(None, "/v1/governance/proposals?limit=100")["proposals"]
    created = [p for p in proposals if p["created_height"] == done.height and p["action"]["action"] == "create_token"]
    assert created and created[0]["status"]["state"] == "executed", created
    client.send(issuer, bodies.mint("EUR", alice_id, bodies.parse_amount("1000.00", 2)))

    # Alice follows her own events from now on, starting on the validator the client prefers.
    events = Collector(client, alice, after=client.chain()[1])
    events.start()

    # Alice (P-256) pays two legs, referencing the diploma's proof; the receipt verifies offline.
    legs = [bodies.leg(bob_id, "EUR", 11900), bodies.leg(issuer.account, "EUR", 100)]
    pay = client.transfer(alice, legs, reference=reg.proof_id)
    receipt = verify_receipt(client.fetch_receipt(alice, pay.tx_id), cfg.genesis_hash)
    assert receipt.signers == [str(alice.public_key)]
    assert receipt.record["outcome"]["outcome"] == "settled" and receipt.record["outcome"]["reference"] == reg.proof_id
    assert [leg["credit_amount"] for leg in receipt.record["outcome"]["legs"]] == ["11900", "100"]
    assert events.wait_for("tx", pay.tx_id).data["status"] == "finalized"
    assert events.wait_for("payment", pay.tx_id).data["record"]["outcome"]["outcome"] == "settled"

    # The validator the client talked to last dies (SIGKILL), with a stream open on it; the
    # next payment finalizes through the others and the stream resumes on another validator.
    victim = client.pool.preferred
    follow = Collector(client, alice, after=client.chain()[1])
    follow.start()
    pids = [int(line) for line in (devnet / "devnet.pids").read_text().split()]
    os.kill(pids[victim], signal.SIGKILL)
    again = client.transfer(alice, [bodies.leg(bob_id, "EUR", 500)])
    assert client.pool.preferred != victim
    receipt2 = verify_receipt(client.fetch_receipt(alice, again.tx_id), cfg.genesis_hash)
    # Gap-free nonces: the next one after the first payment.
    assert receipt2.record["tx_id"] == again.tx_id and receipt2.tx.unsigned.nonce == receipt.tx.unsigned.nonce + 1
    dead = client.pool.nodes[victim].base
    assert follow.wait_for("tx", again.tx_id).node != dead
    assert any(f.startswith(dead) for f in follow.stream.failovers), follow.stream.failovers
    assert events.wait_for("tx", again.tx_id).node != dead
    balances = {b["token"]: b["available"] for b in client.account(bob)["balances"]}
    assert balances == {"EUR": "12400"}
    events.stream.close()
    follow.stream.close()


def _until_accepted(what, call, seconds: float = 30):
    """Retries ``call`` while the ledger refuses it with ``recovery_locked`` (a time lock)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return call()
        except errors.TransactionRefused as e:
            if e.code != "recovery_locked" or time.monotonic() > deadline:
                raise AssertionError(f"{what}: {e}") from e
            time.sleep(0.3)


def test_compliance_holds_governance_and_guardian_recovery(devnet: Path):
    """The other use cases (one validator is down by now): governance proposals and a vote,
    monitoring, a freeze, a held transfer posted by compliance, guardian recovery executed and
    cancelled."""
    client = Client.from_config(devnet / "client.toml")
    registrar, issuer, compliance = client.key("registrar"), client.key("issuer"), client.key("compliance")
    council = [client.key("council-1"), client.key("council-3")]
    payer, payee, guardian = SecretKey.generate("secp256k1"), SecretKey.generate("ed25519"), SecretKey.generate("p256")
    for key, who in ((payer, "payer"), (payee, "payee"), (guardian, "guardian")):
        client.open_account(registrar, key.public_key, who.encode() + b": identity checked", label=who)

    # Governance through the SDK: a token, and monitoring that holds transfers of 500.00 or more.
    assert client.propose(council, bodies.create_token("USD", 2, issuer.account))["status"]["state"] == "executed"
    rules = bodies.monitoring_rules(large_amount=50000, hold_timeout_ms=3_600_000)
    assert client.propose(council, bodies.set_monitoring("USD", rules))["status"]["state"] == "executed"
    client.send(issuer, bodies.mint("USD", payer.account, 100_000))

    # Compliance freezes the payer: its transfer is refused everywhere; unfrozen, it pays.
    client.set_account_status(compliance, payer.account, "frozen", "incident 42")
    with pytest.raises(errors.TransactionRefused) as frozen:
        client.transfer(payer, [bodies.leg(payee.account, "USD", 100)])
    assert frozen.value.code == "sender_not_active"
    client.set_account_status(compliance, payer.account, "active", "resolved")

    # A large transfer is held; compliance posts it and the payee is credited.
    held = client.transfer(payer, [bodies.leg(payee.account, "USD", 60_000)])
    outcome = client.payment(payer, held.tx_id)["record"]["outcome"]
    assert outcome["outcome"] == "held" and outcome["alerts"][0]["rule"] == "large_transfer"
    assert [h["id"] for h in client.holds(compliance)] == [outcome["hold"]]
    client.decide_hold(compliance, outcome["hold"], post=True, reason="documents checked")
    assert client.account(payee)["balances"][0]["available"] == "60000"

    # Guardian recovery: the payee lost its key; its guardian moves it to a new one.
    client.set_guardians(payee, [guardian.account], 1, 2)
    replacement = SecretKey("ed25519", SecretKey.generate("ed25519").secret_bytes(), account=payee.account)
    client.propose_recovery(guardian, payee.account, [(replacement, 1)], 1)
    _until_accepted("execute recovery", lambda: client.execute_recovery(guardian, payee.account))
    with pytest.raises(errors.TransactionRefused) as old:
        client.transfer(payee, [bodies.leg(payer.account, "USD", 1)])
    assert old.value.code == "unauthorized_signer"
    client.transfer(replacement, [bodies.leg(payer.account, "USD", 1)])
    view = client.account(replacement)
    assert view["account"]["signers"]["signers"] == [{"key": str(replacement.public_key), "weight": 1}]
    assert view["balances"][0]["available"] == "59999"

    # The owner cancels a recovery its guardian started (a stolen guardian key, say).
    client.set_guardians(payer, [guardian.account], 1, 100)
    client.propose_recovery(guardian, payer.account, [(SecretKey.generate("ed25519"), 1)], 1)
    client.cancel_recovery(payer)
    with pytest.raises(errors.TransactionRefused) as none:
        client.execute_recovery(guardian, payer.account)
    assert none.value.code == "no_recovery"

    # A council of two member accounts, 2-of-2: a proposal stays open until the other votes.
    council_account = council[0].account
    members = sorted([council_account, guardian.account])
    assert client.propose(council, bodies.action("set_council", members=members, threshold=2))["status"]["state"] == "executed"
    rules_doc = bodies.action("set_rules", digest="ab" * 32, uri="https://example.org/rules-v2.pdf")
    proposal = client.propose(council, rules_doc)
    assert proposal["status"]["state"] == "open" and proposal["approvals"] == [council_account]
    voted = client.vote(guardian, proposal["id"])
    assert voted["status"]["state"] == "executed" and voted["approvals"] == [council_account, guardian.account]


def test_any_key_of_a_k_of_n_account_builds_and_submits_its_files(devnet: Path):
    """The keys of a 2-of-3 account other than the one its id derives from build and submit its
    transaction files: they read the account (nonce, signer set) as that account. The submit
    goes through ``python -m vellum_sdk submit``, as an officer with a shell would."""
    client = Client.from_config(devnet / "client.toml")
    registrar = client.key("registrar")
    first, second, third = SecretKey.generate("ed25519"), SecretKey.generate("secp256k1"), SecretKey.generate("p256")
    treasury, _, _ = client.open_account(registrar, first.public_key, b"Treasury Ltd: registry extract", label="treasury")
    client.send(first, bodies.set_signers([(first, 1), (second, 1), (third, 1)], 2))

    # The secp256k1 key, whose own account does not exist, builds the file for the treasury.
    built = client.build_tx_file(second, bodies.set_signers([(first, 1), (second, 1), (third, 1)], 3), sender=treasury)
    assert built.unsigned.sender == treasury and built.unsigned.nonce == 1
    assert built.signer_set == client.account(first)["account"]["signers"]
    built.sign(second)  # a recoverable signature: checked against the file's signer set
    built.sign(third)
    work = devnet.parent
    built.save(work / "treasury.json")
    save_plain(work / "third.key", third)
    run = subprocess.run(
        [sys.executable, "-m", "vellum_sdk", "submit", str(work / "treasury.json"), "--config", str(devnet / "client.toml"), "--key", str(work / "third.key")],
        capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["status"] == "finalized"
    assert client.account(first)["account"]["signers"]["threshold"] == 3


def test_status_changes_reach_holders_of_old_bundles(devnet: Path):
    """A batch member suspended, then revoked; the whole batch suspended over it, then
    reinstated: each seen by the holder of a bundle made while live, through a fresh status
    proof (asked of every validator: one is down by now). Reason codes are checked before
    signing (shape) and by the ledger (the governed list)."""
    client = Client.from_config(devnet / "client.toml")
    issuer = client.key("issuer")
    docs = [(f"cert-{i}.txt", f"certificate {i}, no. {os.urandom(8).hex()}".encode()) for i in range(3)]
    batch = client.register_documents(issuer, docs, salted=True)
    old = [client.fetch_bundle(issuer, batch.manifest, document=i) for i in range(3)]

    def now(member: int):
        status = client.fetch_status(batch.proof_id, member)
        return verify_bundle_with_status(old[member], status, docs[member][1], client.genesis_hash)[1]

    with pytest.raises(errors.InvalidContent, match="not a reason code"):
        client.suspend_proof(issuer, batch.proof_id, "looking into it", member=1)
    with pytest.raises(errors.NodeError) as unknown:
        client.suspend_proof(issuer, batch.proof_id, "degree_withdrawn", member=1)
    assert unknown.value.code == "unknown_reason_code"
    client.suspend_proof(issuer, batch.proof_id, "under_investigation", member=1)
    n = now(1)
    assert (n.then["state"], n.now["state"], n.now["reason"], n.changed) == ("live", "suspended", "under_investigation", True)
    client.revoke_proof(issuer, batch.proof_id, "privilege_withdrawn", member=1)
    client.suspend_proof(issuer, batch.proof_id, "certificate_hold")
    assert now(1).now["reason"] == "privilege_withdrawn", "the member's final status outranks the batch's suspension"
    assert (now(2).now["state"], now(2).now["reason"]) == ("suspended", "certificate_hold")
    client.reinstate_proof(issuer, batch.proof_id)
    assert (now(2).now, now(2).changed, now(1).now["state"]) == ({"state": "live"}, False, "revoked")

    shown = client.proof(issuer, batch.proof_id)
    assert [h["change"] for h in shown["history"]] == ["suspended", "reinstated"], shown
    with pytest.raises(errors.NoValidAnswer) as missing:
        client.fetch_status(batch.proof_id, 7)
    assert missing.value.code == "no_such_member" and len(missing.value.failures) == VALIDATORS
    with pytest.raises(errors.NoValidAnswer) as unknown_proof:
        client.fetch_status("ab" * 32)
    assert unknown_proof.value.code == "unknown_proof"


def test_issuer_identity_is_attested_named_in_evidence_and_withdrawn(devnet: Path, https):
    """The registrar checks the issuer's well-known document (a local HTTPS server with a CA
    of its own) and attests it; bundles (version 3) and status proofs name it; compliance
    withdraws it, which a fresh status proof shows to the holder of an old bundle."""
    client = Client.from_config(devnet / "client.toml")
    issuer, registrar, compliance = client.key("issuer"), client.key("registrar"), client.key("compliance")
    text = f"diploma of Carol, no. {os.urandom(8).hex()}".encode()
    reg = client.register_documents(issuer, [("carol.pdf", text)])
    before = verify_bundle(client.fetch_bundle(issuer, reg.manifest), text, client.genesis_hash)
    assert before.issuer is not None and not before.issuer.attested and before.issuer_line().endswith("— no attested identity")
    assert client.issuer_attestation(issuer.account) is None

    path = "/.well-known/vellum-issuer.json"
    https.serve(path, json.dumps(client.issuer_well_known(issuer.account, "Example University")).encode())
    url = https.url(path)
    with pytest.raises(errors.WellKnownError, match="names the issuer"):
        client.attest_issuer(registrar, issuer.account, "Another University", "example.edu", well_known_url=url, ca_file=https.ca)
    with pytest.raises(errors.WellKnownError, match="cannot fetch"):
        client.attest_issuer(registrar, issuer.account, "Example University", "example.edu", well_known_url=url)  # its CA is not trusted
    done = client.attest_issuer(registrar, issuer.account, "Example University", "example.edu", x509=https.dir / "cert.pem", well_known_url=url, ca_file=https.ca)
    shown = client.issuer_attestation(issuer.account)
    assert (shown["profile"]["name"], shown["profile"]["domain"], shown["attested_by"], shown["height"], shown["revoked"]) == (
        "Example University", "example.edu", registrar.account, done.height, None)
    assert shown["profile"]["x509_sha256"] == x509_sha256(https.dir / "cert.der")
    checked = client.check_issuer(issuer.account, well_known_url=url, ca_file=https.ca)
    assert checked["still_listed"] and checked["document_unchanged"] and not checked["attestation_revoked"]
    # Only an issuer account is attested (ledger), whatever its document says.
    profile = bodies.issuer_profile("Registrar", "registrar.example", "00" * 32)
    with pytest.raises(errors.NodeError) as not_issuer:
        client.send(registrar, bodies.attest_issuer(registrar.account, profile))
    assert not_issuer.value.code == "not_an_issuer"

    bundle = client.fetch_bundle(issuer, reg.manifest)
    assert bundle[8] == 3
    v = verify_bundle(bundle, text, client.genesis_hash)
    assert v.issuer_line() == f"Registered by Example University (example.edu), attested by {registrar.account} at height {done.height}"
    with pytest.raises(errors.InvalidContent, match="not a reason code"):
        client.revoke_attestation(compliance, issuer.account, "the domain was sold")
    withdrawn = client.revoke_attestation(compliance, issuer.account, "affiliation_changed")
    assert client.issuer_attestation(issuer.account)["revoked"]["reason"] == "affiliation_changed"
    _, now = verify_bundle_with_status(bundle, client.fetch_status(reg.proof_id), text, client.genesis_hash)
    assert (now.issuer_now.revoked["reason"], now.issuer_now.revoked["height"], now.issuer_now.revoked["by"]) == (
        "affiliation_changed", withdrawn.height, compliance.account)
    assert now.now == {"state": "live"} and not now.changed
    # The CLI reads the same attestation.
    assert json.loads(cli(["--json", "issuer", "show", "--client", str(devnet / "client.toml"), issuer.account]))["revoked"]["reason"] == "affiliation_changed"


def test_batch_members_and_holders_on_the_network(devnet: Path):
    """A salted batch handed to the network with its holders: a holder gets its member's
    bundle without the manifest (the node fills the member in), with the document and salt the
    issuer gave it; another account cannot until it is named a holder. A batch of 201 members
    goes in two chunks (200 + 1), which the ledger checks against the registered root."""
    client = Client.from_config(devnet / "client.toml")
    issuer, registrar = client.key("issuer"), client.key("registrar")
    holder, other = SecretKey.generate("ed25519"), SecretKey.generate("p256")
    for k, label in ((holder, "holder"), (other, "other")):
        client.open_account(registrar, k.public_key, f"{label}: passport checked".encode(), label=label)
    docs = [(f"grades-{i}.txt", f"grade sheet {i}, no. {os.urandom(8).hex()}".encode()) for i in range(3)]
    batch = client.register_documents(issuer, docs, salted=True, holders=[holder.account, None, None])
    assert len(batch.handed_over) == 1
    salt = batch.manifest.documents[0].salt
    mine = client.fetch_bundle_by_id(holder, batch.proof_id, member=0, document=docs[0][1], salt=salt)
    v = verify_bundle(mine, docs[0][1], client.genesis_hash)
    assert (v.member_index, v.document, v.registrant) == (0, "matched", issuer.account)
    found = client.find_proofs(holder, batch.manifest.leaves()[0])
    assert {"proof_id": batch.proof_id, "member": 0} in found["members"], found
    with pytest.raises(errors.NodeError) as forbidden:
        client.fetch_bundle_by_id(other, batch.proof_id, member=1)
    assert forbidden.value.code == "forbidden"
    client.add_holders(issuer, batch.proof_id, [other.account], member=1)
    theirs = client.fetch_bundle_by_id(other, batch.proof_id, member=1, document=docs[1][1], salt=batch.manifest.documents[1].salt)
    assert verify_bundle(theirs, docs[1][1], client.genesis_hash).member_index == 1

    many = [(f"m{i}", f"member {i} {os.urandom(4).hex()}".encode()) for i in range(201)]
    big = client.register_documents(issuer, many, store_members=True)
    assert len(big.handed_over) == 2
    last = client.fetch_bundle_by_id(issuer, big.proof_id, member=200, document=many[200][1])
    assert verify_bundle(last, many[200][1], client.genesis_hash).member_index == 200


def test_compliance_revokes_what_a_stolen_issuer_key_registered(devnet: Path):
    """The issuer's key is stolen and forgeries registered: compliance revokes everything the
    issuer registered from the first forgery's height on, and it can register nothing more.
    (The last test on this module's devnet: the devnet's issuer registers nothing after it.)"""
    client = Client.from_config(devnet / "client.toml")
    issuer, compliance = client.key("issuer"), client.key("compliance")
    assert client.issuer_revocation(issuer.account) is None

    def register(text: str):
        return client.register_documents(issuer, [(text, f"{text} {os.urandom(8).hex()}".encode())])

    honest = register("a degree registered before the theft")
    forged = [register(f"forged degree {i}") for i in range(2)]
    with pytest.raises(errors.NodeError) as not_compliance:
        client.revoke_issuer(issuer, issuer.account, forged[0].tx.height, "key_compromise")
    assert not_compliance.value.code == "missing_role"
    client.revoke_issuer(compliance, issuer.account, forged[0].tx.height, "key_compromise")
    record = client.issuer_revocation(issuer.account)
    assert (record["from_height"], record["reason"], record["revoked"], record["complete"]) == (forged[0].tx.height, "key_compromise", 2, True)
    assert record["actor"] == compliance.account
    assert client.verify_status(client.fetch_status(honest.proof_id)).live
    for reg in forged:
        v = client.verify_status(client.fetch_status(reg.proof_id))
        assert (v.state, v.reason, v.since_height) == ("revoked", "key_compromise", record["height"]), reg.proof_id
    with pytest.raises(errors.NodeError) as refused:
        register("after the revocation")
    assert refused.value.code == "issuer_revoked"


@pytest.mark.parametrize("scheme", ["ed25519", "secp256k1", "p256"])
def test_keystores_open_across_the_sdk_and_the_cli(tmp_path: Path, scheme: str):
    """A keystore the SDK writes opens in the CLI, and one the CLI writes opens in the SDK."""
    env = dict(os.environ, VELLUM_PASSWORD="interop password")
    mine = SecretKey.generate(scheme)
    save_keystore(tmp_path / "sdk.json", mine, "interop password")
    shown = subprocess.run([VELLUM_BIN, "key", "show", str(tmp_path / "sdk.json")], env=env, capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0 and str(mine.public_key) in shown.stdout and mine.account in shown.stdout, shown.stderr
    made = subprocess.run(
        [VELLUM_BIN, "--json", "key", "new", "--scheme", scheme, "--out", str(tmp_path / "cli.json")], env=env, capture_output=True, text=True, timeout=60
    )
    assert made.returncode == 0, made.stderr
    theirs = load_key(tmp_path / "cli.json", "interop password")
    assert theirs.scheme == scheme and str(theirs.public_key) in made.stdout
    with pytest.raises(errors.WrongPassword):
        load_key(tmp_path / "cli.json", "not the password")

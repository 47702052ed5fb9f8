"""Every use case of the SDK's README, in the README's order, against a running devnet.

    vellum devnet up --detach                        # 4 validators; writes devnet/client.toml and devnet/keys/
    python examples/walkthrough.py --devnet devnet

The README's examples are excerpts of this script (same names, same calls); a test runs it
(tests/test_walkthrough.py). The files it writes (a document, its proof manifest and evidence
bundle and status proof, a payment receipt, keystores, multi-party transaction files) go to a new directory
inside the devnet directory (or ``--work DIR``), printed at the start.

Runs again on the same devnet: the tokens are created only once.
"""

from __future__ import annotations

import argparse
import datetime
import http.server
import ipaddress
import json
import os
import ssl
import sys
import tempfile
import threading
from pathlib import Path

from vellum_sdk import Client, SecretKey, bodies
from vellum_sdk.errors import InsufficientWeight, NodeError


def step(title: str) -> None:
    print(f"\n== {title}", flush=True)


def token_exists(client: Client, symbol: str) -> bool:
    """Whether governance created ``symbol`` already (a second run on the same devnet)."""
    try:
        client.read(None, f"/v1/token/{symbol}")
        return True
    except NodeError as e:
        if e.status == 404:
            return False
        raise


def example_edu(document: dict) -> tuple[str, str]:
    """A stand-in for https://example.edu: a local HTTPS server, with a certificate of a CA
    made here, serving the issuer's well-known document. Returns its URL and the CA file."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "walkthrough CA")])

    def certificate(subject, public_key, extensions):
        b = x509.CertificateBuilder().subject_name(subject).issuer_name(ca_name).public_key(public_key).serial_number(x509.random_serial_number())
        b = b.not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(hours=1))
        b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        for extension, critical in extensions:
            b = b.add_extension(extension, critical=critical)
        return b.sign(ca_key, hashes.SHA256())

    usage = dict(content_commitment=False, key_encipherment=False, data_encipherment=False, key_agreement=False, encipher_only=False, decipher_only=False)
    ca = certificate(ca_name, ca_key.public_key(), [
        (x509.BasicConstraints(ca=True, path_length=None), True),
        (x509.KeyUsage(digital_signature=False, key_cert_sign=True, crl_sign=True, **usage), True),
    ])
    site = certificate(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]), key.public_key(), [
        (x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False),
        (x509.KeyUsage(digital_signature=True, key_cert_sign=False, crl_sign=False, **usage), True),
        (x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), False),
    ])
    Path("example-edu-ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    Path("example-edu.pem").write_bytes(site.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    body = json.dumps(document).encode()

    class WellKnown(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = self.path == "/.well-known/vellum-issuer.json"
            self.send_response(200 if found else 404)
            self.send_header("content-length", str(len(body) if found else 0))
            self.end_headers()
            if found:
                self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), WellKnown)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain("example-edu.pem")
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"https://127.0.0.1:{server.server_address[1]}/.well-known/vellum-issuer.json", "example-edu-ca.pem"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devnet", default="devnet", help="the directory of `vellum devnet up` (client.toml, keys/); default: devnet")
    parser.add_argument("--work", help="where to write the example's files (default: a new directory in the devnet's)")
    args = parser.parse_args(argv)
    devnet = Path(args.devnet).resolve()
    if not (devnet / "client.toml").exists():
        parser.error(f"{devnet / 'client.toml'} not found: start a devnet with `vellum devnet up --detach` first")
    work = Path(args.work).resolve() if args.work else Path(tempfile.mkdtemp(prefix="walkthrough-", dir=devnet))
    work.mkdir(parents=True, exist_ok=True)
    os.chdir(work)  # the examples' file names are relative to it
    print(f"devnet {devnet}; files in {work}")

    # --- README: setup --------------------------------------------------------------------
    step("client")
    client = Client.from_config(devnet / "client.toml")   # devnet: the directory of `vellum devnet up`
    issuer = client.key("issuer")                        # devnet/keys/issuer.key
    print("chain", client.chain_id, "genesis", client.genesis_hash)

    # --- README: Integrity proof: register, fetch the bundle, verify offline ----------------
    step("integrity proof")
    # A stand-in for a real file; its serial number differs per run (a digest registers once).
    Path("diploma.pdf").write_bytes(f"%PDF-1.7\n% diploma of Alice Doe, 2026, no. {os.urandom(8).hex()}\n%%EOF\n".encode())
    document = open("diploma.pdf", "rb").read()
    reg = client.register_documents(issuer, [("diploma.pdf", document)])       # RegisterProof
    reg.manifest.save("proofs")            # keep it: salts and batch positions (the CLI's format)
    bundle = client.fetch_bundle(issuer, reg.manifest)                          # bytes of a .vellum file
    open("diploma.vellum", "wb").write(bundle)

    from vellum_sdk import verify_bundle
    v = verify_bundle(bundle, document, client.genesis_hash)   # offline; raises VerifyError(step, detail)
    print(v.status["state"], v.record["height"], v.registrant, v.document)      # live 12 <account> matched
    print(f"proof {reg.proof_id}: bundle verified offline ({v.status['state']}, document {v.document})")

    a, b = b"grade sheet of Alice", b"grade sheet of Bob"
    batch = client.register_documents(issuer, [("a.pdf", a), ("b.pdf", b)], salted=True)
    bundle_b = client.fetch_bundle(issuer, batch.manifest, document=1)
    print("batch member", verify_bundle(bundle_b, b, client.genesis_hash).member_index, "verified")
    client.revoke_proof(issuer, batch.proof_id, "issued_in_error", member=1)    # a reason code; or supersede_proof
    revoked = verify_bundle(client.fetch_bundle(issuer, batch.manifest, document=1), b, client.genesis_hash)
    print(f"batch {batch.proof_id}: member 1 {revoked.status['state']}")

    # --- README: The status now: suspend, fetch a status proof, reinstate -------------------
    step("status now")
    client.suspend_proof(issuer, reg.proof_id, "under_investigation")          # until reinstated
    status = client.fetch_status(reg.proof_id)       # anyone: no key; the freshest valid proof of every validator
    open("diploma.status", "wb").write(status)

    from vellum_sdk import verify_bundle_with_status
    _, now = verify_bundle_with_status(bundle, status, document, client.genesis_hash)   # step 9, offline
    print(now.then["state"], "→", now.now["state"], now.now["reason"], "as of height", now.now_height)
    client.reinstate_proof(issuer, reg.proof_id)
    print(f"proof {reg.proof_id}: {now.then['state']} when bundled, {now.now['state']} at height {now.now_height}; reinstated")

    # --- README: Who the issuer is: attest its identity, named in evidence -------------------
    step("issuer identity")
    registrar = client.key("registrar")
    published = client.issuer_well_known(issuer.account, "Example University")   # the issuer publishes it at https://example.edu/.well-known/vellum-issuer.json
    url, ca = example_edu(published)         # here a local HTTPS server stands in for example.edu
    client.attest_issuer(registrar, issuer.account, "Example University", "example.edu", well_known_url=url, ca_file=ca)   # checks the document first
    print(client.issuer_attestation(issuer.account)["profile"]["name"])         # Example University (public, agreed read)
    v = verify_bundle(client.fetch_bundle(issuer, reg.manifest), document, client.genesis_hash)
    print(v.issuer_line())    # Registered by Example University (example.edu), attested by <registrar> at height H

    # --- README: Open an account ------------------------------------------------------------
    step("open an account")
    alice = SecretKey.generate("p256")            # or "ed25519", "secp256k1"
    from vellum_sdk import save_keystore, load_key
    save_keystore("alice.json", alice, "a long passphrase")       # Argon2id + XChaCha20-Poly1305
    alice = load_key("alice.json", "a long passphrase")           # WrongPassword if it is not

    registrar = client.key("registrar")
    account_id, opened, salt = client.open_account(
        registrar, alice.public_key, identity_record=b"Alice Doe|passport X123", label="student")
    # Only SHA-256 of a salted commitment goes on the ledger; keep `salt` with the identity record.
    print(client.account(alice)["account"]["status"])             # active (a signed, verified read)
    client.set_account_status(client.key("compliance"), account_id, "frozen", "incident 42")
    client.set_account_status(client.key("compliance"), account_id, "active", "resolved")
    print(f"account {account_id} opened at height {opened.height}, frozen and unfrozen")

    # --- README: Tokens (governance) --------------------------------------------------------
    step("tokens")
    council = [client.key("council-1"), client.key("council-2")]
    for symbol in ("EUR", "USD"):
        if token_exists(client, symbol):   # a second run on the same devnet
            continue
        proposal = client.propose(council, bodies.create_token(symbol, 2, issuer.account))
        assert proposal["status"]["state"] == "executed"
    client.send(issuer, bodies.mint("EUR", account_id, bodies.parse_amount("1000.00", 2)))

    # A governed rate EUR → USD (1.08), served by the devnet's currency desk, which holds USD.
    desk = client.key("desk")
    client.propose(council, bodies.governed({"type": "set_rate", "from": "EUR", "to": "USD", "num": 108, "den": 100, "desk": desk.account}))
    client.send(issuer, bodies.mint("USD", desk.account, bodies.parse_amount("10000.00", 2)))
    # Monitoring: EUR transfers of 500.00 or more are held for compliance.
    rules = bodies.monitoring_rules(large_amount=50000, hold_timeout_ms=3_600_000)   # the other rules off
    client.propose(council, bodies.set_monitoring("EUR", rules))
    rate = client.rate("EUR", "USD")
    print(f"tokens EUR and USD; rate EUR→USD {rate['num']}/{rate['den']} (version {rate['version']}); 1000.00 EUR minted to {account_id}")

    # --- README: Payment and receipt --------------------------------------------------------
    step("payment and receipt")
    bob_id, _, _ = client.open_account(registrar, SecretKey.generate("ed25519").public_key, identity_record=b"Bob Roe|passport Y456", label="bob")
    shop_id, _, _ = client.open_account(registrar, SecretKey.generate("secp256k1").public_key, identity_record=b"Shop SA|company 789", label="shop")
    legs = [bodies.leg(bob_id, "EUR", 11900),                     # amounts in base units (119.00 EUR)
            bodies.leg(shop_id, "EUR", bodies.parse_amount("1.00", 2))]
    pay = client.transfer(alice, legs, reference=reg.proof_id)   # atomic, linked to the invoice's proof
    receipt = client.fetch_receipt(alice, pay.tx_id)             # verified against the pinned genesis
    open("payment.vellumrc", "wb").write(receipt)

    from vellum_sdk import verify_receipt
    r = verify_receipt(receipt, client.genesis_hash)
    print(r.record["outcome"]["outcome"], r.signers)             # settled ['p256:02…']
    print(f"payment {pay.tx_id}: receipt verified offline ({r.record['outcome']['outcome']})")

    # A conversion quotes the governed rate's version; the transfer fails if the rate changed.
    leg = client.conversion_leg(bob_id, "EUR", 500, convert_to="USD")   # bob is credited USD
    converted = client.transfer(alice, [leg])
    credited = client.payment(alice, converted.tx_id)["record"]["outcome"]["legs"][0]
    print(f"conversion {converted.tx_id}: 5.00 EUR → {bodies.format_amount(int(credited['credit_amount']), 2)} {credited['credit_token']}")

    # A large transfer is held; compliance decides it.
    large = client.transfer(alice, [bodies.leg(bob_id, "EUR", bodies.parse_amount("600.00", 2))])
    hold_id = client.payment(alice, large.tx_id)["record"]["outcome"]["hold"]
    posted = client.decide_hold(client.key("compliance"), hold_id, post=True, reason="documents checked")
    print(f"hold {hold_id} of {large.tx_id} posted by compliance")

    # --- README: Multi-party signing (k-of-n accounts) --------------------------------------
    step("multi-party signing")
    # A treasury account whose signer set is 2-of-3: three officers, each with their own key.
    password = "officers' passphrase"
    officer_1, officer_2, officer_3 = (SecretKey.generate("ed25519") for _ in range(3))
    for name, officer in (("officer-1", officer_1), ("officer-2", officer_2), ("officer-3", officer_3)):
        save_keystore(f"{name}.json", officer, password)          # each officer keeps their own
    treasury_id, _, _ = client.open_account(registrar, officer_1.public_key, identity_record=b"ACME Ltd|company 123", label="treasury")
    client.send(officer_1, bodies.set_signers([(officer_1, 1), (officer_2, 1), (officer_3, 1)], 2))
    client.send(issuer, bodies.mint("EUR", treasury_id, bodies.parse_amount("5000.00", 2)))
    supplier_id, _, _ = client.open_account(registrar, SecretKey.generate("p256").public_key, identity_record=b"Supplier GmbH|HRB 42", label="supplier")

    from vellum_sdk import TxFile
    # The coordinator builds the unsigned transaction (chain, the account's next nonce, expiry,
    # its signer set). Any key of the account may do it: it reads the account as `sender`.
    tx = client.build_tx_file(officer_2, bodies.transfer([bodies.leg(supplier_id, "EUR", 45000)]),
                              sender=treasury_id)
    tx.save("payment.json")

    for officer in ("officer-1", "officer-2"):   # each officer, on their own machine:
        mine = TxFile.load("payment.json")
        print(mine.describe())                   # what is being signed, in words
        mine.sign(load_key(f"{officer}.json", password))
        mine.save(f"payment-{officer}.json")

    # The coordinator combines and submits; the signers and their weight are checked first.
    try:
        client.submit_tx_file(TxFile.load("payment-officer-1.json"), officer_1)
    except InsufficientWeight as e:
        print("one officer alone:", e)           # refused before anything is submitted
    else:
        raise AssertionError("one signature of the 2-of-3 treasury was accepted")
    signed = TxFile.combine(TxFile.load("payment-officer-1.json"), TxFile.load("payment-officer-2.json"))
    done = client.submit_tx_file(signed, officer_2)   # against the ledger's current signer set
    print(f"treasury {treasury_id} paid 450.00 EUR with 2 of 3 signatures at height {done.height}")

    # --- README: Events ----------------------------------------------------------------------
    step("events")
    import time
    stream = client.events(alice, after=opened.height, until=time.monotonic() + 60)   # replayed, then live
    for event in stream:                  # block, tx, payment, hold, proof, gap
        if event.name == "payment" and event.data["record"]:   # a mint has no payment record
            print(event.data["kind"], event.data["tx_hash"], event.data["record"]["outcome"]["outcome"])
        if event.name == "block" and int(event.id) >= posted.height:
            break                         # caught up with the decision on alice's held transfer
    stream.close()
    print(f"events of {account_id} followed up to height {posted.height}")

    print("\nwalkthrough complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())

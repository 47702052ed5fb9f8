"""Issuer identity (docs/evidence-format.md §2 version 3, §2.5 ``IssuerEvidence``, §4 step 6d,
§6a "Issuer identity"; wire-format.md §6.3 ``AttestIssuer``/``RevokeAttestation``, §7): version-3
bundles read and written, every field of their issuer section tampered failing at step 6, the
older versions reporting no identity, the shape rules of profiles, the client's helpers (a
well-known document over verified HTTPS, the agreed read, batch members in chunks, holders) and
the command line's lines.

The files are docs/examples/attested-diploma.vellum (an attested issuer, version 3),
status-diploma.vellum (an issuer never attested: an absence proof) and files of ``forge``
(an attestation withdrawn, validator-set changes)."""

from __future__ import annotations

import copy
import http.server
import json
import threading

import forge
import pytest
from conftest import EXAMPLES

from vellum_sdk import Client, SecretKey, Transaction, bodies
from vellum_sdk.__main__ import main
from vellum_sdk.encoding import sha256
from vellum_sdk.errors import FormatError, InvalidContent, NodeError, VellumError, VerifyError, WellKnownError
from vellum_sdk.issuers import check_lists, fetch_well_known, well_known_document, x509_sha256
from vellum_sdk.tx import UnsignedTx, valid_domain
from vellum_sdk.verify import (
    BUNDLE_VERSION_ISSUER,
    FILE_BYTES_MAX,
    IssuerCheck,
    decode_bundle,
    encode_bundle,
    issuer_line,
    status_now,
    verify_bundle,
    verify_bundle_with_status,
    verify_status_proof,
)

ATTESTED = (EXAMPLES / "attested-diploma.vellum").read_bytes()
ATTESTED_DOC = (EXAMPLES / "attested-diploma.pdf").read_bytes()
ATTESTED_PIN = (EXAMPLES / "attested-genesis-hash.txt").read_text().strip()
ISSUER_REVOKED = (EXAMPLES / "attested-diploma-revoked-issuer.status").read_bytes()
NOT_ATTESTED = (EXAMPLES / "status-diploma.vellum").read_bytes()
STATUS_PIN = (EXAMPLES / "status-genesis-hash.txt").read_text().strip()
DIPLOMA = (EXAMPLES / "diploma.vellum").read_bytes()
DIPLOMA_PIN = (EXAMPLES / "genesis-hash.txt").read_text().strip()
CONTRACT = (EXAMPLES / "contract-two-set-changes.vellum").read_bytes()
CONTRACT_PIN = (EXAMPLES / "set-changes-genesis-hash.txt").read_text().strip()
#: The registrar account that attested the example issuer (docs/examples/attested-*, regenerated
#: with every example chain).
REGISTRAR = "a593128897183f44834b2986c36672cc4d56c69c95fd41c5d48aff9e89f29691"


def fails_at(step: int, call, *args) -> VerifyError:
    with pytest.raises(VerifyError) as e:
        call(*args)
    assert e.value.step == step, str(e.value)
    return e.value


# --- reading version 3 ----------------------------------------------------------------------


def test_the_attested_example():
    assert ATTESTED[8] == BUNDLE_VERSION_ISSUER
    v = verify_bundle(ATTESTED, ATTESTED_DOC, ATTESTED_PIN)
    assert v.live and v.document == "matched" and v.validator_set_changes == 0
    i = v.issuer
    assert (i.attested, i.name, i.domain, i.attested_by, i.height, i.revoked) == (True, "Example University", "example.edu", REGISTRAR, 6, None)
    assert i.attestation["profile"]["x509_sha256"] is None and len(i.attestation["profile"]["well_known_sha256"]) == 64
    assert v.issuer_line() == f"Registered by Example University (example.edu), attested by {REGISTRAR} at height 6"
    assert i.to_json() == {
        "attested": True,
        "name": "Example University",
        "domain": "example.edu",
        "x509_sha256": None,
        "well_known_sha256": i.attestation["profile"]["well_known_sha256"],
        "attested_by": REGISTRAR,
        "height": 6,
        "revoked": None,
    }
    assert encode_bundle(decode_bundle(ATTESTED)) == ATTESTED


def test_what_each_version_reports():
    """Version 3: the attestation or a proven absence; versions 1 and 2: nothing carried."""
    v = verify_bundle(NOT_ATTESTED, None, STATUS_PIN)
    assert NOT_ATTESTED[8] == 3 and v.issuer == IssuerCheck(None) and not v.issuer.attested
    assert v.issuer_line() == f"Registered by account {v.registrant} — no attested identity"
    assert v.issuer.describe() == "no attested identity" and v.issuer.to_json() == {"attested": False}
    for data, pin in ((DIPLOMA, DIPLOMA_PIN), (CONTRACT, CONTRACT_PIN)):
        v = verify_bundle(data, None, pin)
        assert v.issuer is None and decode_bundle(data)["issuer"] is None
        assert v.issuer_line() == f"Registered by account {v.registrant} — this file carries no issuer identity (older format)"
        assert encode_bundle(decode_bundle(data)) == data
    assert issuer_line(None, "ab" * 32).endswith("carries no issuer identity (older format)")


def test_a_withdrawn_attestation_reads_as_such():
    v = verify_status_proof(ISSUER_REVOKED, ATTESTED_PIN)
    r = v.issuer.revoked
    assert (r["reason"], r["height"], len(r["by"]), len(r["tx_id"])) == ("affiliation_changed", 9, 64, 64)
    assert v.issuer_line() == (
        f"Registered by Example University (example.edu), attested by {REGISTRAR} at height 6"
        " — attestation REVOKED at height 9 (reason: affiliation_changed)"
    )
    # The old bundle still names the identity as it was; the status proof says what it is now.
    b, now = verify_bundle_with_status(ATTESTED, ISSUER_REVOKED, ATTESTED_DOC, ATTESTED_PIN)
    assert b.issuer.revoked is None and now.issuer_now.revoked == r and now.issuer_now == v.issuer
    assert not now.changed, "the registration's own status did not change"


def test_versions_are_written_by_what_the_bundle_carries():
    """Version 3 with the section (the chain possibly empty or not); without it version 1 (no
    chain) or 2 (a chain), the section's ``00`` left out."""
    chain = forge.Chain(set_changes=2)
    reg = chain.register(forge.documents(2))
    snap = chain.at(6, reg, issuer=forge.attestation(4))
    assert snap.bundle(0)[8] == 3 and snap.bundle(0, issuer_section=False)[8] == 2
    v = verify_bundle(snap.bundle(0), None, chain.genesis_hash)
    assert (v.validator_set_changes, v.issuer.height) == (2, 4)
    assert verify_bundle(snap.bundle(0, issuer_section=False), None, chain.genesis_hash).issuer is None
    flat = forge.Chain()
    one = flat.register(forge.documents(1))
    assert flat.at(3, one).bundle()[8] == 3 and flat.at(3, one).bundle(issuer_section=False)[8] == 1
    for data in (snap.bundle(0), snap.bundle(0, False), flat.at(3, one).bundle(), flat.at(3, one).bundle(issuer_section=False)):
        assert encode_bundle(decode_bundle(data)) == data


def test_decoding_failures_are_step_1():
    """A version-3 file without its section is refused (it would be version 1 or 2); an
    issuer section in a version-1 or -2 file is trailing bytes; and the usual framing rules."""
    b = decode_bundle(ATTESTED)
    without = encode_bundle(dict(b, issuer=None))
    assert without[8] == 1
    v3_without = bytes([*without[:8], 3]) + without[9:] + bytes(4) + b"\x00"
    e = fails_at(1, verify_bundle, v3_without, None, ATTESTED_PIN)
    assert "must carry the issuer section" in e.detail
    # Version 1 or 2 followed by an issuer section.
    v1_with = bytes([*ATTESTED[:8], 1]) + ATTESTED[9:]
    fails_at(1, verify_bundle, v1_with, None, ATTESTED_PIN)
    body_with_empty_chain = ATTESTED[9:]
    fails_at(1, verify_bundle, b"VELLUMEV\x02" + body_with_empty_chain, None, ATTESTED_PIN)
    for bad in (ATTESTED[:-1], ATTESTED + b"\x00", ATTESTED[:8] + b"\x04" + ATTESTED[9:], ATTESTED + bytes(FILE_BYTES_MAX), b"VELLUMEV\x03"):
        fails_at(1, verify_bundle, bad, None, ATTESTED_PIN)
    # The section's option tag must be 0x01 exactly.
    tag_at = len(ATTESTED) - len(encode_issuer_section(b)) - 1
    assert ATTESTED[tag_at] == 1
    fails_at(1, verify_bundle, ATTESTED[:tag_at] + b"\x02" + ATTESTED[tag_at + 1 :], None, ATTESTED_PIN)


def encode_issuer_section(b: dict) -> bytes:
    from vellum_sdk.encoding import borsh
    from vellum_sdk.types import ISSUER_EVIDENCE

    return borsh(ISSUER_EVIDENCE, b["issuer"])


def test_the_vector_written_as_version_1_without_the_section():
    """(docs/vectors: "issuer section removed (written as version 1)"): valid, and it names no issuer."""
    b = decode_bundle(ATTESTED)
    b["issuer"] = None
    v = verify_bundle(encode_bundle(b), ATTESTED_DOC, ATTESTED_PIN)
    assert v.issuer is None and v.live


# --- every field of the issuer section ------------------------------------------------------


def _forged_withdrawn() -> tuple[dict, str]:
    chain = forge.Chain()
    snap = chain.at(9, chain.register(forge.documents(3)), issuer=forge.attestation(3, revoked_at=7))
    return decode_bundle(snap.bundle(1)), chain.genesis_hash


BUNDLES = {
    "attested": (decode_bundle(ATTESTED), ATTESTED_PIN),
    "not-attested": (decode_bundle(NOT_ATTESTED), STATUS_PIN),
    "withdrawn": _forged_withdrawn(),
}


def _leaves(value, path: tuple = ()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, path + (i,))
    elif value is not None:
        yield path, value


def _changed(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if len(value) == 64 and all(c in "0123456789abcdef" for c in value):
        return value[:-1] + ("0" if value[-1] != "0" else "1")
    return value + "x"


def _issuer_field_cases():
    for name, (b, _) in BUNDLES.items():
        for path, value in _leaves(b["issuer"], ("issuer",)):
            yield pytest.param(name, path, _changed(value), id=f"{name}:{'.'.join(map(str, path))}")


@pytest.mark.parametrize("name, path, new", list(_issuer_field_cases()))
def test_every_field_of_the_issuer_section_is_checked_at_step_6(name, path, new):
    b, pin = BUNDLES[name]
    tampered = copy.deepcopy(b)
    target = tampered
    for p in path[:-1]:
        target = target[p]
    target[path[-1]] = new
    fails_at(6, verify_bundle, encode_bundle(tampered), None, pin)


def test_the_field_cases_cover_the_whole_section():
    paths = {path for _, path, _ in (p.values for p in _issuer_field_cases())}
    a = ("issuer", "attestation")
    want = {a + ("profile", f) for f in ("name", "domain", "x509_sha256", "well_known_sha256")}
    want |= {a + (f,) for f in ("attested_by", "tx_id", "height", "time_ms")}
    want |= {a + ("revoked", f) for f in ("by", "reason", "tx_id", "height", "time_ms")}
    assert want <= paths
    assert ("issuer", "proof", "siblings", 0) in paths and ("issuer", "proof", "terminal", 0) in paths


@pytest.mark.parametrize(
    "name, tamper",
    [
        ("attested", lambda i: i.update(attestation=None)),  # hides the identity
        ("not-attested", lambda i: i.update(attestation=forge.attestation(2))),  # claims one
        ("withdrawn", lambda i: i["attestation"].update(revoked=None)),  # hides the withdrawal
        ("attested", lambda i: i["attestation"].update(revoked=forge.attestation(2, revoked_at=7)["revoked"])),
        ("attested", lambda i: i["attestation"]["profile"].update(x509_sha256="ab" * 32)),
        ("withdrawn", lambda i: i["attestation"]["profile"].update(x509_sha256=None)),
        ("attested", lambda i: i["proof"]["siblings"].pop()),
        ("attested", lambda i: i["proof"]["siblings"].append("00" * 32)),
        ("attested", lambda i: i["proof"].update(terminal=None)),
        ("not-attested", lambda i: i["proof"]["siblings"].insert(0, "00" * 32)),
        ("not-attested", lambda i: i["proof"].update(terminal=["ab" * 32, "cd" * 32])),
    ],
)
def test_added_and_removed_parts_fail_at_step_6(name, tamper):
    b, pin = BUNDLES[name]
    tampered = copy.deepcopy(b)
    tamper(tampered["issuer"])
    e = fails_at(6, verify_bundle, encode_bundle(tampered), None, pin)
    assert "issuer identity" in e.detail


def test_another_registrants_identity_fails_at_step_6():
    """The key is ``IssuerProfile(record.registrant)``: an attestation proven for another
    account (in the same state) does not name this registrant."""
    chain = forge.Chain()
    mine = chain.register(forge.documents(1), registrant="ab" * 32)
    other = chain.register(forge.documents(2)[1:], registrant="cd" * 32)
    university = forge.attestation(3)
    b = decode_bundle(chain.at(5, mine).bundle())
    b["issuer"] = decode_bundle(chain.at(5, other, issuer=university).bundle())["issuer"]
    fails_at(6, verify_bundle, encode_bundle(b), None, chain.genesis_hash)


def test_the_issuer_is_checked_in_step_6_before_the_batch():
    """A bundle with a wrong member (7) and a wrong identity (6d) fails at 6 (§4: 6d, then 7);
    a status proof evaluates 6d after 7, as the Rust verifier (a file with one defect fails
    at the same step either way)."""
    chain = forge.Chain()
    reg = chain.register(forge.documents(3))
    snap = chain.at(7, reg, issuer=forge.attestation(2))
    b = decode_bundle(snap.bundle(1))
    b["member"]["index"] = 2
    fails_at(7, verify_bundle, encode_bundle(b), None, chain.genesis_hash)
    b["issuer"]["attestation"]["profile"]["name"] = "Evil University"
    fails_at(6, verify_bundle, encode_bundle(b), None, chain.genesis_hash)
    from vellum_sdk.verify import decode_status_proof, encode_status_proof

    p = decode_status_proof(snap.status_proof(1))
    p["issuer"]["attestation"]["profile"]["name"] = "Evil University"
    fails_at(6, verify_status_proof, encode_status_proof(p), chain.genesis_hash)
    p["member"]["status"] = {"status": forge.LIVE}
    fails_at(7, verify_status_proof, encode_status_proof(p), chain.genesis_hash)


def test_the_identity_now_comes_from_the_status_proof():
    chain = forge.Chain()
    reg = chain.register(forge.documents(1))
    bundle = verify_bundle(chain.at(5, reg).bundle(), None, chain.genesis_hash)
    assert not bundle.issuer.attested
    attested_later = verify_status_proof(chain.at(9, reg, issuer=forge.attestation(7)).status_proof(), chain.genesis_hash)
    now = status_now(bundle, attested_later)
    assert now.issuer_now.height == 7 and not now.changed
    withdrawn = verify_status_proof(chain.at(12, reg, issuer=forge.attestation(7, revoked_at=11, reason="key_compromise")).status_proof(), chain.genesis_hash)
    assert status_now(bundle, withdrawn).issuer_now.revoked["reason"] == "key_compromise"
    # An older bundle without the section combined with a fresh status proof names it now.
    old = verify_bundle(chain.at(5, reg).bundle(issuer_section=False), None, chain.genesis_hash)
    assert old.issuer is None and status_now(old, withdrawn).issuer_now == withdrawn.issuer


# --- bodies and shape rules -----------------------------------------------------------------

ISSUER = "2d1052e0f79bbbc7aecd38069acc17116d4f2363f2bc9048401ed8b81a23f5f4"


def _profile(**change) -> dict:
    p = {"name": "Example University", "domain": "example.edu", "x509_sha256": None, "well_known_sha256": "e9" * 32}
    return p | change


@pytest.mark.parametrize(
    "domain, ok",
    [
        ("example.edu", True),
        ("a.b", True),
        ("x-1.example-2.co", True),
        ("a" * 63 + ".edu", True),
        (".".join(["a" * 49] * 5) + ".ab", True),  # 252 bytes
        ("localhost", False),  # one label
        ("Example.edu", False),
        ("exa_mple.edu", False),
        ("-example.edu", False),
        ("example-.edu", False),
        ("example..edu", False),
        ("example.edu.", False),
        ("a" * 64 + ".edu", False),
        (".".join(["a" * 50] * 5) + ".ab", False),  # 258 bytes
        ("exämple.edu", False),
        ("", False),
    ],
)
def test_domain_names(domain, ok):
    assert valid_domain(domain) is ok
    if ok:
        bodies.attest_issuer(ISSUER, _profile(domain=domain))
    else:
        with pytest.raises(InvalidContent, match="not a domain name"):
            bodies.attest_issuer(ISSUER, _profile(domain=domain))


@pytest.mark.parametrize(
    "name, ok",
    [
        ("Example University", True),
        ("Université d'Exemple", True),
        ("é" * 64, True),  # 128 bytes
        ("a" * 128, True),
        (" x ", True),
        ("a" * 129, False),
        ("é" * 64 + "a", False),  # 129 bytes
        ("", False),
        ("   ", False),
        ("\u3000\u2003", False),  # white space only (Unicode)
        ("Example\nUniversity", False),
        ("Example\x7f", False),
        ("Example\x85", False),
    ],
)
def test_profile_names(name, ok):
    if ok:
        assert bodies.attest_issuer(ISSUER, _profile(name=name))["profile"]["name"] == name
    else:
        with pytest.raises(InvalidContent, match="issuer name"):
            bodies.attest_issuer(ISSUER, _profile(name=name))


def test_attestation_bodies_and_the_council_action():
    body = bodies.attest_issuer(ISSUER, bodies.issuer_profile("Example University", "example.edu", "E9" * 32, "64" * 32))
    assert body == {"type": "attest_issuer", "issuer": ISSUER, "profile": _profile(well_known_sha256="e9" * 32, x509_sha256="64" * 32)}
    assert bodies.revoke_attestation(ISSUER, "affiliation_changed") == {"type": "revoke_attestation", "issuer": ISSUER, "reason": "affiliation_changed"}
    with pytest.raises(InvalidContent, match="reason code"):
        bodies.revoke_attestation(ISSUER, "the registrar found out")
    action = bodies.attest_issuer_action(ISSUER, _profile())
    assert action == {"action": "attest_issuer", "issuer": ISSUER, "profile": _profile()}
    assert bodies.propose(action, 100)["action"] == action
    with pytest.raises(InvalidContent, match="not a domain name"):
        bodies.attest_issuer_action(ISSUER, _profile(domain="EXAMPLE.EDU"))
    with pytest.raises(FormatError, match=r"profile\.well_known_sha256"):
        bodies.attest_issuer(ISSUER, _profile(well_known_sha256="zz"))
    with pytest.raises(FormatError, match="unknown field"):
        bodies.attest_issuer(ISSUER, _profile(url="https://example.edu"))


def test_a_bad_profile_is_refused_when_a_transaction_is_decoded():
    key = SecretKey("ed25519", bytes(32))
    u = UnsignedTx("vellum-test", key.account, 0, 9, {"type": "attest_issuer", "issuer": ISSUER, "profile": _profile(name="\t")})
    wire = Transaction.signed(u, [key]).wire()
    with pytest.raises(InvalidContent, match="issuer name"):
        Transaction.from_wire(wire)


def test_batch_member_and_holder_bodies():
    proof = "c1" * 32
    body = bodies.store_batch_members(proof, 200, [("54" * 32, ISSUER), {"digest": "32" * 32, "holder": None}])
    assert body["first"] == 200 and body["members"] == [{"digest": "54" * 32, "holder": ISSUER}, {"digest": "32" * 32, "holder": None}]
    with pytest.raises(InvalidContent, match="1..=200"):
        bodies.store_batch_members(proof, 0, [])
    with pytest.raises(InvalidContent, match="1..=200"):
        bodies.store_batch_members(proof, 0, [("00" * 32, None)] * 201)
    assert bodies.add_holders(proof, [ISSUER], member=3) == {"type": "add_holders", "proof": proof, "member": 3, "holders": [ISSUER]}
    with pytest.raises(InvalidContent, match="twice"):
        bodies.add_holders(proof, [ISSUER, ISSUER.upper()])
    with pytest.raises(InvalidContent, match="1..=16"):
        bodies.add_holders(proof, [])


# --- the client -----------------------------------------------------------------------------


class _Sent:
    """A client whose ``send`` records bodies instead of submitting them."""

    def __init__(self):
        self.client = Client(["http://127.0.0.1:1"], "00" * 32)
        self.bodies: list[dict] = []
        self.client.send = self._send  # type: ignore[method-assign]

    def _send(self, key, body, sender=None, timeout=None):
        self.bodies.append(body)
        return len(self.bodies)


def test_batch_members_go_in_chunks_of_200_in_order():
    sent = _Sent()
    key = SecretKey("ed25519", bytes(32))
    members = [sha256(i.to_bytes(4, "little")) for i in range(450)]
    holders = [ISSUER if i % 7 == 0 else None for i in range(450)]
    assert sent.client.store_batch_members(key, "c1" * 32, members, holders) == [1, 2, 3]
    assert [(b["first"], len(b["members"])) for b in sent.bodies] == [(0, 200), (200, 200), (400, 50)]
    listed = [m for b in sent.bodies for m in b["members"]]
    assert [m["digest"] for m in listed] == [m.hex() for m in members]
    assert [m["holder"] for m in listed] == holders
    with pytest.raises(VellumError, match="one holder"):
        sent.client.store_batch_members(key, "c1" * 32, members, holders[:-1])
    sent.client.add_holders(key, "c1" * 32, [ISSUER], member=2)
    assert sent.bodies[-1] == {"type": "add_holders", "proof": "c1" * 32, "member": 2, "holders": [ISSUER]}


def _validators(answers: dict, count: int = 3):
    """``count`` HTTP servers answering ``answers[path]`` = (status, JSON body)."""
    servers = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = answers.get(self.path, (404, {"error": {"code": "not_found", "message": ""}}))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    for _ in range(count):
        s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        servers.append(s)
    return servers, [f"http://127.0.0.1:{s.server_address[1]}" for s in servers]


ATTESTATION = {
    "issuer": ISSUER,
    "profile": {"name": "Example University", "domain": "example.edu", "x509_sha256": None, "well_known_sha256": "e9" * 32},
    "attested_by": REGISTRAR,
    "tx": "ab" * 32,
    "height": 6,
    "time_ms": 1,
    "revoked": None,
}


def test_the_attestation_is_an_agreed_read():
    path = f"/v1/issuer/{ISSUER}"
    servers, urls = _validators({path: (200, ATTESTATION)})
    try:
        assert Client(urls).issuer_attestation(ISSUER.upper()) == ATTESTATION
    finally:
        for s in servers:
            s.shutdown()
    servers, urls = _validators({path: (404, {"error": {"code": "not_attested", "message": "no"}})})
    try:
        assert Client(urls).issuer_attestation(ISSUER) is None
    finally:
        for s in servers:
            s.shutdown()
    servers, urls = _validators({path: (400, {"error": {"code": "bad_account", "message": "no"}})})
    try:
        with pytest.raises(NodeError, match="bad_account"):
            Client(urls).issuer_attestation(ISSUER)
    finally:
        for s in servers:
            s.shutdown()
    with pytest.raises(FormatError):
        Client(["http://127.0.0.1:1"]).issuer_attestation("ab")


# --- the well-known document over verified HTTPS --------------------------------------------


CHAIN_ID, GENESIS = "vellum-test", "4a" * 32


def _document(name: str = "Example University", account: str = ISSUER) -> bytes:
    return json.dumps(well_known_document(name, CHAIN_ID, GENESIS, account)).encode()


def test_the_document_is_fetched_over_verified_https_only(https):
    https.serve("/.well-known/vellum-issuer.json", _document())
    data, url = fetch_well_known("example.edu", https.url("/.well-known/vellum-issuer.json"), https.ca)
    assert data == _document() and url.startswith("https://127.0.0.1:")
    with pytest.raises(WellKnownError, match="cannot fetch"):
        fetch_well_known("example.edu", https.url("/.well-known/vellum-issuer.json"))  # its CA is not trusted
    with pytest.raises(WellKnownError, match="https only"):
        fetch_well_known("example.edu", "http://127.0.0.1:1/.well-known/vellum-issuer.json")
    with pytest.raises(WellKnownError, match="HTTP 404"):
        fetch_well_known("example.edu", https.url("/elsewhere"), https.ca)
    https.serve("/downgrade", b"", 302, {"location": "http://127.0.0.1:1/.well-known/vellum-issuer.json"})
    with pytest.raises(WellKnownError, match="https only"):
        fetch_well_known("example.edu", https.url("/downgrade"), https.ca)
    https.serve("/big", b" " * (64 * 1024 + 1))
    with pytest.raises(WellKnownError, match="larger"):
        fetch_well_known("example.edu", https.url("/big"), https.ca)


def test_the_document_must_name_the_issuer_and_list_the_account():
    check_lists(_document(), "Example University", CHAIN_ID, GENESIS.upper(), ISSUER)
    for doc, why in (
        (_document("Another University"), "names the issuer"),
        (_document(account="cd" * 32), "does not list account"),
        (json.dumps(well_known_document("Example University", "another-chain", GENESIS, ISSUER)).encode(), "does not list"),
        (json.dumps(well_known_document("Example University", CHAIN_ID, "00" * 32, ISSUER)).encode(), "does not list"),
        (json.dumps({"vellum_issuer": 2, "name": "Example University", "accounts": []}).encode(), "version"),
        (json.dumps({"vellum_issuer": 1, "name": "Example University", "accounts": [], "extra": 1}).encode(), "not a Vellum issuer document"),
        (b"<html>", "not a Vellum issuer document"),
    ):
        with pytest.raises(WellKnownError, match=why):
            check_lists(doc, "Example University", CHAIN_ID, GENESIS, ISSUER)


def test_x509_digests_are_of_the_der_bytes(https):
    der = (https.dir / "cert.der").read_bytes()
    assert x509_sha256(https.dir / "cert.pem") == x509_sha256(der) == sha256(der).hex()


def test_attest_checks_the_document_before_signing(https):
    sent = _Sent()
    sent.client._chain_id = CHAIN_ID
    sent.client.genesis_hash = GENESIS
    registrar = SecretKey("ed25519", bytes(32))
    https.serve("/.well-known/vellum-issuer.json", _document())
    url = https.url("/.well-known/vellum-issuer.json")
    sent.client.attest_issuer(registrar, ISSUER, "Example University", "example.edu", x509=https.dir / "cert.pem", well_known_url=url, ca_file=https.ca)
    body = sent.bodies[-1]
    assert body["type"] == "attest_issuer" and body["issuer"] == ISSUER
    assert body["profile"] == {
        "name": "Example University",
        "domain": "example.edu",
        "x509_sha256": sha256((https.dir / "cert.der").read_bytes()).hex(),
        "well_known_sha256": sha256(_document()).hex(),
    }
    with pytest.raises(WellKnownError, match="does not vouch for this account: it names"):
        sent.client.attest_issuer(registrar, ISSUER, "Other University", "example.edu", well_known_url=url, ca_file=https.ca)
    with pytest.raises(WellKnownError, match="does not list account"):
        sent.client.attest_issuer(registrar, "cd" * 32, "Example University", "example.edu", well_known_url=url, ca_file=https.ca)
    with pytest.raises(InvalidContent, match="not a domain name"):  # refused before fetching
        sent.client.attest_issuer(registrar, ISSUER, "Example University", "Example.EDU", well_known_url="http://nowhere")
    assert len(sent.bodies) == 1
    assert sent.client.issuer_well_known(ISSUER, "Example University") == json.loads(_document())


def test_check_issuer_fetches_the_document_again(https, monkeypatch):
    client = Client(["http://127.0.0.1:1"], GENESIS)
    client._chain_id = CHAIN_ID
    url = https.url("/.well-known/vellum-issuer.json")
    https.serve("/.well-known/vellum-issuer.json", _document())
    attested = ATTESTATION | {"profile": ATTESTATION["profile"] | {"well_known_sha256": sha256(_document()).hex()}}
    monkeypatch.setattr(client, "issuer_attestation", lambda issuer: attested)
    r = client.check_issuer(ISSUER, well_known_url=url, ca_file=https.ca)
    assert (r["still_listed"], r["document_unchanged"], r["attestation_revoked"], r["problem"]) == (True, True, False, None)
    https.serve("/.well-known/vellum-issuer.json", _document(account="cd" * 32))
    r = client.check_issuer(ISSUER, well_known_url=url, ca_file=https.ca)
    assert not r["still_listed"] and not r["document_unchanged"] and "does not list account" in r["problem"]
    monkeypatch.setattr(client, "issuer_attestation", lambda issuer: None)
    with pytest.raises(VellumError, match="no attested identity"):
        client.check_issuer(ISSUER, well_known_url=url, ca_file=https.ca)


# --- the command line -----------------------------------------------------------------------


def test_verify_prints_the_issuer_line(tmp_path, capsys):
    bundle, status = tmp_path / "a.vellum", tmp_path / "a.status"
    bundle.write_bytes(ATTESTED)
    status.write_bytes(ISSUER_REVOKED)
    doc = tmp_path / "a.pdf"
    doc.write_bytes(ATTESTED_DOC)
    assert main(["verify", str(bundle), "--document", str(doc), "--genesis", ATTESTED_PIN, "--status", str(status)]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["issuer_line"] == f"Registered by Example University (example.edu), attested by {REGISTRAR} at height 6"
    assert r["issuer"]["attested"] and r["issuer"]["revoked"] is None and r["document"] == "matched"
    assert r["issuer_now"]["revoked"]["reason"] == "affiliation_changed" and "REVOKED at height 9" in r["issuer_now_line"]
    bundle.write_bytes(DIPLOMA)
    assert main(["verify", str(bundle), "--genesis", DIPLOMA_PIN]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["issuer"] is None and r["issuer_line"].endswith("carries no issuer identity (older format)")
    status.write_bytes((EXAMPLES / "status-diploma-suspended.status").read_bytes())
    assert main(["verify", str(status), "--genesis", STATUS_PIN]) == 2  # valid, not live
    r = json.loads(capsys.readouterr().out)
    assert r["issuer"] == {"attested": False} and r["issuer_line"].endswith("— no attested identity")
    bad = decode_bundle(ATTESTED)
    bad["issuer"]["attestation"]["profile"]["domain"] = "evil.example"
    bundle.write_bytes(encode_bundle(bad))
    assert main(["verify", str(bundle), "--genesis", ATTESTED_PIN]) == 1
    assert "step 6 (state entry) failed" in capsys.readouterr().err

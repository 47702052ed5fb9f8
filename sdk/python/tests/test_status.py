"""Proof status: the ``effective`` member-status rule (docs/evidence-format.md §4 step 7) in the
bundle verifier, status proofs (§2.4, §6a) with every field tampered failing at the step the
spec names, and a bundle combined with a status proof (step 9, checks 9a–9d).

Status proofs are real files (docs/examples/status-*: a suspended registration, the same
reinstated, a batch member revoked on its own; attested-diploma-revoked-issuer.status: an
issuer whose attestation was withdrawn; and the fields of the version-3 example bundles, which
form a valid status proof of the same registration) and files of the chain of ``forge``
(statuses a devnet reaches only slowly, validator-set changes: version 2)."""

from __future__ import annotations

import copy

import forge
import pytest
from conftest import EXAMPLES
from forge import LIVE, revoked, superseded, suspended

from vellum_sdk.encoding import Struct
from vellum_sdk.errors import VerifyError
from vellum_sdk.types import STATUS_PROOF, commitment_epoch_length
from vellum_sdk.verify import (
    FILE_BYTES_MAX,
    IssuerCheck,
    StatusNow,
    decode_bundle,
    decode_status_proof,
    effective_status,
    encode_file,
    encode_status_proof,
    status_now,
    verify_bundle,
    verify_bundle_with_status,
    verify_file,
    verify_status_proof,
)


def _example(bundle: str, pin: str) -> tuple[bytes, str]:
    return (EXAMPLES / bundle).read_bytes(), (EXAMPLES / pin).read_text().strip()


DIPLOMA, DIPLOMA_PIN = _example("diploma.vellum", "genesis-hash.txt")
SUSPENDED, STATUS_PIN = _example("status-diploma-suspended.status", "status-genesis-hash.txt")
REINSTATED = (EXAMPLES / "status-diploma-reinstated.status").read_bytes()
MEMBER_REVOKED = (EXAMPLES / "status-cert-1-revoked.status").read_bytes()
STATUS_DIPLOMA = (EXAMPLES / "status-diploma.vellum").read_bytes()
STATUS_CERT = (EXAMPLES / "status-cert-1.vellum").read_bytes()
ATTESTED, ATTESTED_PIN = _example("attested-diploma.vellum", "attested-genesis-hash.txt")
ISSUER_REVOKED = (EXAMPLES / "attested-diploma-revoked-issuer.status").read_bytes()


def status_of_bundle(data: bytes) -> dict:
    """The status proof a validator would serve at a version-3 bundle's header: the same
    anchor, entry, member status and issuer identity, without the record, the log and the
    document. (A version-1 or -2 bundle carries no issuer section, which a status proof needs.)"""
    b = decode_bundle(data)
    assert b["issuer"] is not None, "a status proof carries the issuer identity: use a version-3 bundle"
    p = {k: b[k] for k in ("genesis", "header", "certificate", "entry", "entry_proof", "issuer", "validator_chain")}
    m = b["member"]
    p["proof_id"] = b["record"]["proof_id"]
    p["member"] = None if m is None else {"index": m["index"], "status": m["status"], "status_proof": m["status_proof"]}
    return p


def fails_at(step: int, call, *args) -> VerifyError:
    with pytest.raises(VerifyError) as e:
        call(*args)
    assert e.value.step == step, str(e.value)
    return e.value


# --- the effective rule ---------------------------------------------------------------------

R, S, P = revoked("issued_in_error", 5), suspended("under_investigation", 6), superseded("d2" * 32, 7)
MR, MS = revoked("privilege_withdrawn", 8), suspended("holder_request", 9)


@pytest.mark.parametrize(
    "registration, member, expected",
    [
        (LIVE, None, LIVE),
        (S, None, S),
        (R, None, R),
        (LIVE, LIVE, LIVE),
        (LIVE, MS, MS),  # the member's own status
        (LIVE, MR, MR),
        (S, LIVE, S),  # a suspended registration over a live member
        (S, MS, S),  # ... and over a suspended one (the registration's suspension shows)
        (S, MR, MR),  # a final member status over a suspended registration
        (S, P, P),
        (R, MS, R),  # a final registration status wins
        (R, MR, R),
        (P, MR, P),
        (P, LIVE, P),
    ],
)
def test_the_effective_rule(registration, member, expected):
    assert effective_status(registration, member) == expected


def test_the_bundle_verifier_applies_the_effective_rule():
    chain = forge.Chain()
    reg = chain.register(forge.documents(4))
    snap = chain.at(10, reg, S, {1: MR, 2: MS})
    expected = {0: S, 1: MR, 2: S, 3: S}
    for member, status in expected.items():
        v = verify_bundle(snap.bundle(member), None, chain.genesis_hash)
        assert (v.member_index, v.status) == (member, status)
    live_batch = chain.at(10, reg, LIVE, {2: MS})
    assert verify_bundle(live_batch.bundle(2), None, chain.genesis_hash).status == MS
    assert verify_bundle(live_batch.bundle(3), None, chain.genesis_hash).live
    final = chain.at(10, reg, R, {2: MS})
    assert verify_bundle(final.bundle(2), None, chain.genesis_hash).status == R


def test_a_suspended_single_registration_decodes_with_its_reason():
    chain = forge.Chain()
    reg = chain.register(forge.documents(1))
    v = verify_bundle(chain.at(7, reg, S).bundle(), None, chain.genesis_hash)
    assert v.status == S and v.status["reason"] == "under_investigation" and not v.live


# --- status proofs --------------------------------------------------------------------------


def test_a_status_proof_made_of_a_bundles_fields():
    data = encode_status_proof(status_of_bundle(ATTESTED))
    assert data[:9] == b"VELLUMST\x01"
    assert encode_status_proof(decode_status_proof(data)) == data
    v = verify_status_proof(data, ATTESTED_PIN)
    bundle = verify_bundle(ATTESTED, None, ATTESTED_PIN)
    assert (v.genesis_hash, v.chain_id, v.proof_id) == (ATTESTED_PIN, "vellum-devnet", bundle.record["proof_id"])
    assert (v.member_index, v.registrant, v.count, v.height, v.time_ms) == (None, bundle.registrant, 0, 8, bundle.status_time_ms)
    assert (v.state, v.reason, v.since_height, v.signers, v.validators) == ("live", None, None, 3, 4)
    assert v.registered_digest == bundle.registered_digest and v.checkpoint_pinned
    assert v.issuer == bundle.issuer and v.issuer.attested and v.issuer.revoked is None
    assert verify_file(data, None, ATTESTED_PIN) == v
    assert not verify_status_proof(data).checkpoint_pinned
    # A batch member's, from a bundle of a never-attested registrant.
    v = verify_status_proof(encode_status_proof(status_of_bundle(STATUS_CERT)), STATUS_PIN)
    assert (v.member_index, v.count, v.live, v.issuer.attested) == (1, 3, True, False)


def test_the_example_status_proofs():
    """docs/examples: a registration suspended at height 9 (proof at height 10), reinstated
    by height 12; batch member 1 revoked at height 13 — each with its older bundle (made while
    live, at height 8); an issuer whose attestation was withdrawn at height 9."""
    v = verify_status_proof(SUSPENDED, STATUS_PIN)
    assert (v.state, v.reason, v.since_height, v.height, v.member_index) == ("suspended", "under_investigation", 9, 10, None)
    assert not v.issuer.attested and v.issuer_line().endswith("— no attested identity")
    v = verify_status_proof(REINSTATED, STATUS_PIN)
    assert (v.state, v.reason, v.since_height, v.height) == ("live", None, None, 12)
    v = verify_status_proof(MEMBER_REVOKED, STATUS_PIN)
    assert (v.state, v.reason, v.since_height, v.member_index) == ("revoked", "privilege_withdrawn", 13, 1) and v.count > 1
    v = verify_status_proof(ISSUER_REVOKED, ATTESTED_PIN)
    assert (v.state, v.height, v.issuer.name, v.issuer.domain, v.issuer.height) == ("live", 10, "Example University", "example.edu", 6)
    assert (v.issuer.revoked["reason"], v.issuer.revoked["height"]) == ("affiliation_changed", 9)
    for bundle, status, then, now, changed, pin in (
        (STATUS_DIPLOMA, SUSPENDED, "live", "suspended", True, STATUS_PIN),
        (STATUS_DIPLOMA, REINSTATED, "live", "live", False, STATUS_PIN),
        (STATUS_CERT, MEMBER_REVOKED, "live", "revoked", True, STATUS_PIN),
        (ATTESTED, ISSUER_REVOKED, "live", "live", False, ATTESTED_PIN),
    ):
        b, n = verify_bundle_with_status(bundle, status, None, pin)
        assert (n.then["state"], n.now["state"], n.changed) == (then, now, changed)
        assert n.issuer_now == verify_status_proof(status, pin).issuer
    e = fails_at(9, verify_bundle_with_status, STATUS_CERT, SUSPENDED, None, STATUS_PIN)
    assert "another registration" in e.detail


def test_a_version_2_status_proof_follows_the_validator_set_changes():
    chain = forge.Chain(set_changes=2)
    reg = chain.register(forge.documents(1))
    data = chain.at(9, reg, issuer=forge.attestation(4)).status_proof()
    assert data[8] == 2 and encode_status_proof(decode_status_proof(data)) == data
    v = verify_status_proof(data, chain.genesis_hash)
    assert (v.validator_set_changes, v.validators, v.member_index, v.count, v.live, v.issuer.height) == (2, 6, None, 0, True, 4)


def test_a_status_proof_reports_the_effective_member_status():
    chain = forge.Chain()
    reg = chain.register(forge.documents(3))
    snap = chain.at(12, reg, S, {0: MR, 1: MS})
    for member, status in ((0, MR), (1, S), (2, S), (None, S)):
        v = verify_status_proof(snap.status_proof(member), chain.genesis_hash)
        assert (v.member_index, v.status, v.height) == (member, status, 12)
    v = verify_status_proof(chain.at(12, reg, LIVE, {1: MS}).status_proof(1), chain.genesis_hash)
    assert (v.state, v.reason, v.since_height) == ("suspended", "holder_request", 9)


def test_a_member_the_registration_does_not_have_fails_at_step_7():
    """7f: ``member.index < entry.count`` (a single registration has count 0)."""
    chain = forge.Chain()
    batch = chain.register(forge.documents(3))
    e = fails_at(7, verify_status_proof, chain.at(4, batch).status_proof(3), chain.genesis_hash)
    assert "no member 3 (it covers 3)" in e.detail
    single = chain.register(forge.documents(1))
    e = fails_at(7, verify_status_proof, chain.at(4, single).status_proof(0), chain.genesis_hash)
    assert "no member 0 (it covers 0)" in e.detail


def _forged_member_proof() -> tuple[dict, str]:
    """A status proof with a non-live entry and a member status entry present."""
    chain = forge.Chain()
    snap = chain.at(12, chain.register(forge.documents(3)), S, {1: MS})
    return decode_status_proof(snap.status_proof(1)), chain.genesis_hash


def _forged_v2_proof() -> tuple[dict, str]:
    """Version 2 (two validator-set changes), a batch member never changed, and an issuer
    attestation withdrawn."""
    chain = forge.Chain(set_changes=2)
    snap = chain.at(14, chain.register(forge.documents(3)), LIVE, {1: MS}, forge.attestation(3, revoked_at=11))
    return decode_status_proof(snap.status_proof(2)), chain.genesis_hash


FILES = {
    "attested": (decode_status_proof(encode_status_proof(status_of_bundle(ATTESTED))), ATTESTED_PIN),
    "issuer-revoked": (decode_status_proof(ISSUER_REVOKED), ATTESTED_PIN),
    "cert": (decode_status_proof(encode_status_proof(status_of_bundle(STATUS_CERT))), STATUS_PIN),
    "forged-v2": _forged_v2_proof(),
    "forged-member": _forged_member_proof(),
    "suspended": (decode_status_proof(SUSPENDED), STATUS_PIN),
    "member-revoked": (decode_status_proof(MEMBER_REVOKED), STATUS_PIN),
}

#: Header fields checked at step 3 (before the certificate); every other one changes the
#: header hash, so the certificate no longer verifies (step 4).
STEP_3_HEADER_FIELDS = ("validator_set_hash", "genesis_hash")


def expected_step(path: tuple, tampered: dict) -> int:
    """The step at which a change to the field at ``path`` must fail (§4, §6a)."""
    top = path[0]
    if top == "genesis":
        return 2
    if top == "header":
        # 3g: under a layout-2 commitment the anchored header's epoch is its height's, checked
        # before its certificate.
        length = commitment_epoch_length(tampered["genesis"])
        h = tampered["header"]
        if path[1] in ("epoch", "height") and length is not None and h["epoch"] != h["height"] // length:
            return 3
        return 3 if path[1] in STEP_3_HEADER_FIELDS else 4
    if top == "certificate":
        return 4
    if top in ("proof_id", "entry", "entry_proof", "issuer"):
        return 6  # the issuer identity is 6d with the entry's registrant (§6a)
    if top == "member":
        return 7
    assert top == "validator_chain", path
    part = path[2]
    if part == "header":
        return 3 if path[3] in STEP_3_HEADER_FIELDS else 4
    return 4 if part == "certificate" else 3  # the record and its map proof: 3d, 3e


def leaves(value, path: tuple = ()):
    """Every scalar field of a decoded file with its path (lists item by item)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from leaves(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from leaves(v, path + (i,))
    elif value is not None:
        yield path, value


def changed(path: tuple, value):
    """Another value of the same type that still encodes (``None``: this field has none)."""
    if path[-1] == "layout":  # the genesis commitment's: rewritten in the other layout (_set)
        return 3 - value
    if path[-1] == "state":  # an enum tag: swap to a variant with the same fields
        return {"suspended": "revoked", "revoked": "suspended"}.get(value)
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if len(value) in (64, 128) and all(c in "0123456789abcdef" for c in value):
        return value[:-1] + ("0" if value[-1] != "0" else "1")
    return value + "x"


def _set(value: dict, path: tuple, new) -> None:
    for p in path[:-1]:
        value = value[p]
    value[path[-1]] = new
    if path[-1] == "layout":  # layout 1 states no epoch length; layout 2 one epoch forever
        if new == 1:
            value.pop("epoch_length_blocks", None)
        else:
            value["epoch_length_blocks"] = None


def _tampered_cases():
    for name, (proof, _) in FILES.items():
        for path, value in leaves(proof):
            new = changed(path, value)
            if new is not None:
                yield pytest.param(name, path, new, id=f"{name}:{'.'.join(map(str, path))}")


@pytest.mark.parametrize("name, path, new", list(_tampered_cases()))
def test_every_field_of_a_status_proof_is_checked(name, path, new):
    proof, pin = FILES[name]
    if path == ("member", "index"):
        # The absence proof of an unchanged member may prove another's absence too (a valid
        # proof that that member is live): take a member the registration does not have (7f).
        new = proof["entry"]["count"]
    tampered = copy.deepcopy(proof)
    _set(tampered, path, new)
    fails_at(expected_step(path, tampered), verify_status_proof, encode_status_proof(tampered), pin)


def test_the_tamper_cases_cover_every_part_of_a_status_proof():
    cases = [p.values for p in _tampered_cases()]
    tops = {(name, path[0]) for name, path, _ in cases}
    parts = ("genesis", "header", "certificate", "proof_id", "entry", "entry_proof", "member", "issuer")
    assert {(n, t) for n in ("cert", "forged-member", "member-revoked", "forged-v2") for t in parts} <= tops
    assert ("forged-v2", "validator_chain") in tops
    statuses = {path for name, path, _ in cases if name == "forged-member" and path[:2] == ("member", "status")}
    assert ("member", "status", "status", "reason") in statuses
    # Every field of an attestation, withdrawn or not, and of its proof.
    issuer = {path[1:] for name, path, _ in cases if name in ("attested", "issuer-revoked", "forged-v2") and path[0] == "issuer"}
    profile = {("attestation", "profile", f) for f in ("name", "domain", "well_known_sha256")}
    attestation = {("attestation", f) for f in ("attested_by", "tx_id", "height", "time_ms")}
    revoked = {("attestation", "revoked", f) for f in ("by", "reason", "tx_id", "height", "time_ms")}
    x509 = ("attestation", "profile", "x509_sha256")
    assert profile | attestation | revoked | {x509} <= issuer
    assert any(p[0] == "proof" and p[1] == "siblings" for p in issuer) and any(p[:2] == ("proof", "terminal") for p in issuer)


@pytest.mark.parametrize(
    "name, step, tamper",
    [
        ("cert", 4, lambda p: (p["certificate"]["signers"].pop(), p["certificate"]["signatures"].pop())),
        ("cert", 4, lambda p: p["certificate"]["signatures"].pop()),
        ("cert", 6, lambda p: p["entry_proof"]["siblings"].pop()),
        ("cert", 6, lambda p: p["entry_proof"].update(terminal=None)),
        ("cert", 7, lambda p: p["member"]["status_proof"]["siblings"].pop()),
        ("cert", 7, lambda p: p["member"].update(status={"status": LIVE})),  # claims a change
        ("forged-member", 7, lambda p: p["member"].update(status=None)),  # hides a change
        ("forged-member", 6, lambda p: p["entry"].update(status=LIVE)),  # hides the suspension
        ("forged-v2", 3, lambda p: p["validator_chain"].pop()),
        ("forged-v2", 3, lambda p: p["validator_chain"].reverse()),
        ("forged-v2", 3, lambda p: p["validator_chain"][0]["record"]["validators"].pop()),
        # 6d: the attestation hidden, claimed, its withdrawal hidden or claimed, its proof cut.
        ("attested", 6, lambda p: p["issuer"].update(attestation=None)),
        ("cert", 6, lambda p: p["issuer"].update(attestation=forge.attestation(2))),
        ("issuer-revoked", 6, lambda p: p["issuer"]["attestation"].update(revoked=None)),
        ("attested", 6, lambda p: p["issuer"]["attestation"].update(revoked=forge.attestation(2, revoked_at=7)["revoked"])),
        ("attested", 6, lambda p: p["issuer"]["attestation"]["profile"].update(x509_sha256="ab" * 32)),
        ("forged-v2", 6, lambda p: p["issuer"]["attestation"]["profile"].update(x509_sha256=None)),
        ("attested", 6, lambda p: p["issuer"]["proof"]["siblings"].pop()),
        ("attested", 6, lambda p: p["issuer"]["proof"]["siblings"].append("00" * 32)),
        ("attested", 6, lambda p: p["issuer"]["proof"].update(terminal=None)),
        ("cert", 6, lambda p: p["issuer"]["proof"].update(terminal=[p["entry"]["record_hash"], "00" * 32])),
        # A status proof of another registrant's identity: the key is the entry's registrant.
        ("cert", 6, lambda p: p.update(issuer=copy.deepcopy(FILES["attested"][0]["issuer"]))),
    ],
)
def test_removed_and_added_parts_fail_at_the_named_step(name, step, tamper):
    proof, pin = FILES[name]
    tampered = copy.deepcopy(proof)
    tamper(tampered)
    fails_at(step, verify_status_proof, encode_status_proof(tampered), pin)


def test_dropping_the_member_leaves_a_valid_proof_of_the_registration_only():
    """Without ``member`` the file proves the registration's own status: valid, but not the
    member's (a client asking for a member checks ``member_index``)."""
    proof, pin = FILES["forged-member"]
    whole = copy.deepcopy(proof)
    whole["member"] = None
    v = verify_status_proof(encode_status_proof(whole), pin)
    assert (v.member_index, v.status) == (None, S)


def test_another_genesis_fails_at_step_3_without_a_pin_and_step_2_with_one():
    proof, pin = FILES["attested"]
    other = copy.deepcopy(proof)
    other["genesis"]["chain_id"] = "another-chain"
    data = encode_status_proof(other)
    assert "another chain" in fails_at(3, verify_status_proof, data, None).detail
    fails_at(2, verify_status_proof, data, pin)
    fails_at(2, verify_status_proof, encode_status_proof(proof), "00" * 32)


def test_decoding_failures_are_step_1():
    data = encode_status_proof(FILES["attested"][0])
    rewrapped = data[:8] + b"\x02" + data[9:] + b"\x00\x00\x00\x00"  # version 2 with an empty chain
    for bad in (data[:-1], data + b"\x00", data[:8] + b"\x03" + data[9:], b"VELLUMEV" + data[8:], b"VELLUMST", b"", rewrapped, data + bytes(FILE_BYTES_MAX)):
        fails_at(1, verify_status_proof, bad, ATTESTED_PIN)
    assert "status proof" in fails_at(1, verify_status_proof, DIPLOMA, DIPLOMA_PIN).detail
    # The issuer section is not optional: a status proof in the layout before it is malformed.
    without = Struct([f for f in STATUS_PROOF.fields if f[0] != "issuer"])
    older = encode_file(b"VELLUMST", without, {k: v for k, v in FILES["attested"][0].items() if k != "issuer"})
    assert "malformed status proof" in fails_at(1, verify_status_proof, older, ATTESTED_PIN).detail


# --- step 9: a bundle and a status proof ----------------------------------------------------


@pytest.fixture(scope="module")
def chain():
    return forge.Chain()


def test_the_status_then_and_now(chain):
    reg = chain.register(forge.documents(3))
    bundle = chain.at(2, reg).bundle(1)
    v, now = verify_bundle_with_status(bundle, chain.at(40, reg, LIVE, {1: MS}).status_proof(1), None, chain.genesis_hash)
    assert now == StatusNow(then=LIVE, now=MS, now_height=40, now_time_ms=forge.time_at(40), changed=True, issuer_now=IssuerCheck(None))
    assert v.member_index == 1 and v.live
    # Suspended, then reinstated: live again and unchanged since the bundle.
    _, now = verify_bundle_with_status(bundle, chain.at(50, reg, LIVE, {1: LIVE}).status_proof(1))
    assert (now.now, now.changed, now.now_height) == (LIVE, False, 50)
    # The registration's suspension shows on every member.
    _, now = verify_bundle_with_status(bundle, chain.at(60, reg, S).status_proof(1), None, chain.genesis_hash)
    assert now.now == S and now.changed
    # A status proof of the bundle's own header says nothing new, and is accepted.
    _, now = verify_bundle_with_status(bundle, chain.at(2, reg).status_proof(1), None, chain.genesis_hash)
    assert not now.changed and now.now_height == 2


def test_9a_a_status_proof_of_another_chain(chain):
    other = forge.Chain("vellum-other", seed=40)
    reg = chain.register(forge.documents(1))
    copy_elsewhere = other.register(forge.documents(1))
    assert copy_elsewhere.record == reg.record
    bundle = verify_bundle(chain.at(2, reg).bundle(), None, chain.genesis_hash)
    elsewhere = verify_status_proof(other.at(9, copy_elsewhere).status_proof())
    assert "another chain" in fails_at(9, status_now, bundle, elsewhere).detail
    # Combined from the files, the status proof is checked against the bundle's genesis: step 2.
    fails_at(2, verify_bundle_with_status, chain.at(2, reg).bundle(), other.at(9, copy_elsewhere).status_proof())


def test_9b_a_status_proof_of_another_registration(chain):
    reg = chain.register(forge.documents(1))
    bundle = verify_bundle(chain.at(2, reg).bundle(), None, chain.genesis_hash)
    another = chain.register(forge.documents(2)[1:])
    e = fails_at(9, status_now, bundle, verify_status_proof(chain.at(9, another).status_proof(), chain.genesis_hash))
    assert "another registration" in e.detail
    # The same proof id over another record (another registrant): the record hash differs.
    impostor = chain.register(forge.documents(1), proof_id=reg.proof_id, registrant="99" * 32)
    fails_at(9, status_now, bundle, verify_status_proof(chain.at(9, impostor).status_proof(), chain.genesis_hash))


def test_9c_a_status_proof_of_another_member(chain):
    reg = chain.register(forge.documents(3))
    bundle = verify_bundle(chain.at(2, reg).bundle(0), None, chain.genesis_hash)
    snap = chain.at(9, reg)
    for member in (1, None):
        e = fails_at(9, status_now, bundle, verify_status_proof(snap.status_proof(member), chain.genesis_hash))
        assert "another document" in e.detail


def test_9d_a_status_proof_older_than_the_bundle(chain):
    reg = chain.register(forge.documents(1))
    e = fails_at(9, verify_bundle_with_status, chain.at(20, reg).bundle(), chain.at(19, reg).status_proof(), None, chain.genesis_hash)
    assert "older than the bundle" in e.detail and e.step_name == "status"


def test_an_invalid_part_fails_at_its_own_step_when_combined(chain):
    reg = chain.register(forge.documents(1))
    bundle, status = chain.at(2, reg).bundle(), chain.at(9, reg).status_proof()
    fails_at(1, verify_bundle_with_status, bundle, status[:-1], None, chain.genesis_hash)
    fails_at(8, verify_bundle_with_status, bundle, status, b"another document", chain.genesis_hash)
    fails_at(2, verify_bundle_with_status, bundle, status, None, "11" * 32)

"""Proof status: the ``effective`` member-status rule (docs/evidence-format.md §4 step 7) in the
bundle verifier, status proofs (§2.4, §6a) with every field tampered failing at the step the
spec names, and a bundle combined with a status proof (step 9, checks 9a–9d).

Status proofs are real files (docs/examples/status-*: a suspended registration, the same
reinstated, a batch member revoked on its own; and the fields of the older example bundles,
which form a valid status proof of the same registration: version 1, and version 2 with two
validator-set changes) and files of the chain of ``forge`` (statuses a devnet reaches only
slowly)."""

from __future__ import annotations

import copy

import forge
import pytest
from conftest import EXAMPLES
from forge import LIVE, revoked, superseded, suspended

from vellum_sdk.errors import VerifyError
from vellum_sdk.verify import (
    FILE_BYTES_MAX,
    StatusNow,
    decode_bundle,
    decode_status_proof,
    effective_status,
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
CONTRACT, CONTRACT_PIN = _example("contract-two-set-changes.vellum", "set-changes-genesis-hash.txt")
SUSPENDED, STATUS_PIN = _example("status-diploma-suspended.status", "status-genesis-hash.txt")
REINSTATED = (EXAMPLES / "status-diploma-reinstated.status").read_bytes()
MEMBER_REVOKED = (EXAMPLES / "status-cert-1-revoked.status").read_bytes()


def status_of_bundle(data: bytes) -> dict:
    """The status proof a validator would serve at the bundle's header: the same anchor, entry
    and member status, without the record, the log and the document."""
    b = decode_bundle(data)
    p = {k: b[k] for k in ("genesis", "header", "certificate", "entry", "entry_proof", "validator_chain")}
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


def test_a_status_proof_of_the_spec_example():
    data = encode_status_proof(status_of_bundle(DIPLOMA))
    assert data[:9] == b"VELLUMST\x01"
    assert encode_status_proof(decode_status_proof(data)) == data
    v = verify_status_proof(data, DIPLOMA_PIN)
    bundle = verify_bundle(DIPLOMA, None, DIPLOMA_PIN)
    assert (v.genesis_hash, v.chain_id, v.proof_id) == (DIPLOMA_PIN, "vellum-devnet", bundle.record["proof_id"])
    assert (v.member_index, v.registrant, v.count, v.height, v.time_ms) == (0, bundle.registrant, 2, 3, bundle.status_time_ms)
    assert (v.state, v.reason, v.since_height, v.signers, v.validators) == ("live", None, None, 3, 4)
    assert v.registered_digest == bundle.record["registered"]["root"] and v.checkpoint_pinned
    assert verify_file(data, None, DIPLOMA_PIN) == v
    assert not verify_status_proof(data).checkpoint_pinned


def test_the_example_status_proofs():
    """docs/examples: a registration suspended at height 6, reinstated by height 8; batch
    member 1 revoked at height 9 — each with its older bundle (made while live)."""
    v = verify_status_proof(SUSPENDED, STATUS_PIN)
    assert (v.state, v.reason, v.since_height, v.height, v.member_index) == ("suspended", "under_investigation", 6, 6, None)
    v = verify_status_proof(REINSTATED, STATUS_PIN)
    assert (v.state, v.reason, v.since_height, v.height) == ("live", None, None, 8)
    v = verify_status_proof(MEMBER_REVOKED, STATUS_PIN)
    assert (v.state, v.reason, v.since_height, v.member_index) == ("revoked", "privilege_withdrawn", 9, 1) and v.count > 1
    diploma, cert = (EXAMPLES / "status-diploma.vellum").read_bytes(), (EXAMPLES / "status-cert-1.vellum").read_bytes()
    for bundle, status, then, now, changed in (
        (diploma, SUSPENDED, "live", "suspended", True),
        (diploma, REINSTATED, "live", "live", False),
        (cert, MEMBER_REVOKED, "live", "revoked", True),
    ):
        _, n = verify_bundle_with_status(bundle, status, None, STATUS_PIN)
        assert (n.then["state"], n.now["state"], n.changed) == (then, now, changed)
    e = fails_at(9, verify_bundle_with_status, cert, SUSPENDED, None, STATUS_PIN)
    assert "another registration" in e.detail


def test_a_version_2_status_proof_follows_the_validator_set_changes():
    data = encode_status_proof(status_of_bundle(CONTRACT))
    assert data[8] == 2
    v = verify_status_proof(data, CONTRACT_PIN)
    assert (v.validator_set_changes, v.member_index, v.count, v.live) == (2, None, 0, True)


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


FILES = {
    "diploma": (decode_status_proof(encode_status_proof(status_of_bundle(DIPLOMA))), DIPLOMA_PIN),
    "contract-v2": (decode_status_proof(encode_status_proof(status_of_bundle(CONTRACT))), CONTRACT_PIN),
    "forged-member": _forged_member_proof(),
    "suspended": (decode_status_proof(SUSPENDED), STATUS_PIN),
    "member-revoked": (decode_status_proof(MEMBER_REVOKED), STATUS_PIN),
}

#: Header fields checked at step 3 (before the certificate); every other one changes the
#: header hash, so the certificate no longer verifies (step 4).
STEP_3_HEADER_FIELDS = ("validator_set_hash", "genesis_hash")


def expected_step(path: tuple) -> int:
    """The step at which a change to the field at ``path`` must fail (§4, §6a)."""
    top = path[0]
    if top == "genesis":
        return 2
    if top == "header":
        return 3 if path[1] in STEP_3_HEADER_FIELDS else 4
    if top == "certificate":
        return 4
    if top in ("proof_id", "entry", "entry_proof"):
        return 6
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


def _tampered_cases():
    for name, (proof, _) in FILES.items():
        for path, value in leaves(proof):
            new = changed(path, value)
            if new is not None:
                yield pytest.param(name, path, new, id=f"{name}:{'.'.join(map(str, path))}")


@pytest.mark.parametrize("name, path, new", list(_tampered_cases()))
def test_every_field_of_a_status_proof_is_checked(name, path, new):
    proof, pin = FILES[name]
    tampered = copy.deepcopy(proof)
    _set(tampered, path, new)
    fails_at(expected_step(path), verify_status_proof, encode_status_proof(tampered), pin)


def test_the_tamper_cases_cover_every_part_of_a_status_proof():
    tops = {(name, path[0]) for name, path, _ in (p.values for p in _tampered_cases())}
    parts = ("genesis", "header", "certificate", "proof_id", "entry", "entry_proof", "member")
    assert {(n, t) for n in ("diploma", "forged-member", "member-revoked") for t in parts} <= tops
    assert ("contract-v2", "validator_chain") in tops
    statuses = {path for name, path, _ in (p.values for p in _tampered_cases()) if name == "forged-member" and path[:2] == ("member", "status")}
    assert ("member", "status", "status", "reason") in statuses


@pytest.mark.parametrize(
    "name, step, tamper",
    [
        ("diploma", 4, lambda p: (p["certificate"]["signers"].pop(), p["certificate"]["signatures"].pop())),
        ("diploma", 4, lambda p: p["certificate"]["signatures"].pop()),
        ("diploma", 6, lambda p: p["entry_proof"]["siblings"].pop()),
        ("diploma", 6, lambda p: p["entry_proof"].update(terminal=None)),
        ("diploma", 7, lambda p: p["member"]["status_proof"]["siblings"].pop()),
        ("diploma", 7, lambda p: p["member"].update(status={"status": LIVE})),  # claims a change
        ("forged-member", 7, lambda p: p["member"].update(status=None)),  # hides a change
        ("forged-member", 6, lambda p: p["entry"].update(status=LIVE)),  # hides the suspension
        ("contract-v2", 3, lambda p: p["validator_chain"].pop()),
        ("contract-v2", 3, lambda p: p["validator_chain"].reverse()),
        ("contract-v2", 3, lambda p: p["validator_chain"][0]["record"]["validators"].pop()),
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
    proof, pin = FILES["diploma"]
    other = copy.deepcopy(proof)
    other["genesis"]["chain_id"] = "another-chain"
    data = encode_status_proof(other)
    assert "another chain" in fails_at(3, verify_status_proof, data, None).detail
    fails_at(2, verify_status_proof, data, pin)
    fails_at(2, verify_status_proof, encode_status_proof(proof), "00" * 32)


def test_decoding_failures_are_step_1():
    data = encode_status_proof(FILES["diploma"][0])
    rewrapped = data[:8] + b"\x02" + data[9:] + b"\x00\x00\x00\x00"  # version 2 with an empty chain
    for bad in (data[:-1], data + b"\x00", data[:8] + b"\x03" + data[9:], b"VELLUMEV" + data[8:], b"VELLUMST", b"", rewrapped, data + bytes(FILE_BYTES_MAX)):
        fails_at(1, verify_status_proof, bad, DIPLOMA_PIN)
    assert "status proof" in fails_at(1, verify_status_proof, DIPLOMA, DIPLOMA_PIN).detail


# --- step 9: a bundle and a status proof ----------------------------------------------------


@pytest.fixture(scope="module")
def chain():
    return forge.Chain()


def test_the_status_then_and_now(chain):
    reg = chain.register(forge.documents(3))
    bundle = chain.at(2, reg).bundle(1)
    v, now = verify_bundle_with_status(bundle, chain.at(40, reg, LIVE, {1: MS}).status_proof(1), None, chain.genesis_hash)
    assert now == StatusNow(then=LIVE, now=MS, now_height=40, now_time_ms=forge.time_at(40), changed=True)
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

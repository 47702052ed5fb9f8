"""The published test vectors (docs/vectors/*.json, generated and checked by the Rust code):
every transaction rebuilt from its JSON inputs byte for byte, signed with the published keys
to the same signatures, decoded back; ids, commitments, batch roots, request signatures;
keystores; evidence verdicts; and the typed errors of every invalid case."""

from __future__ import annotations

import copy

import pytest

from conftest import load_vectors
from vellum_sdk import (
    Keystore,
    SecretKey,
    Signature,
    Transaction,
    UnsignedTx,
    bodies,
    contract_account_id,
    invoice_id,
    kyc_commitment,
    request_signing_bytes,
    screening_commitment,
    verify_signature,
)
from vellum_sdk.encoding import Domain, borsh, canonical, from_borsh
from vellum_sdk.errors import (
    DecodeError,
    EmptyInput,
    FormatError,
    InvalidContent,
    Malformed,
    SignatureError,
    TooLarge,
    UnknownVersion,
    VerifyError,
    WrongPassword,
)
from vellum_sdk.keys import CURVE_ORDER
from vellum_sdk.merkle import batch_root, inclusion_proof, leaf_hash
from vellum_sdk.proofs import proof_id, salted_digest
from vellum_sdk.tx import check_body
from vellum_sdk.types import ALERT, GOV_ACTION, PAYMENT_RECORD, SCHEMES, TX_BODY, TX_KINDS, PublicKey
from vellum_sdk.verify import (
    verify_bundle,
    verify_bundle_with_status,
    verify_file,
    verify_receipt,
    verify_status_proof,
    verify_tx_receipt,
)
from vellum_sdk.witness import WitnessPolicy


@pytest.fixture(scope="module")
def keys() -> dict[str, SecretKey]:
    return {k["name"]: SecretKey(k["scheme"], bytes.fromhex(k["secret"])) for k in load_vectors("keys")["keys"]}


@pytest.fixture(scope="module")
def transactions() -> dict:
    return load_vectors("transactions")


# --- keys -----------------------------------------------------------------------------------


def test_published_keys_derive_their_public_keys_and_accounts():
    listed = load_vectors("keys")["keys"]
    assert {k["scheme"] for k in listed} == set(SCHEMES)
    for k in listed:
        key = SecretKey.from_text(k["key_file"])
        assert str(key.public_key) == k["public_key"], k["name"]
        assert key.public_key.to_borsh().hex() == k["public_key_borsh"], k["name"]
        assert key.account == k["account_id"], k["name"]


def test_published_keystores_open_with_their_password_only():
    stores = load_vectors("keys")["keystores"]
    assert {s["scheme"] for s in stores} == set(SCHEMES)
    for s in stores:
        ks = Keystore.from_json(s["keystore"])
        key = ks.open(s["password"])
        assert key.secret_bytes().hex() == s["secret"], s["name"]
        assert key.account == (s["keystore"].get("account_id") or key.public_key.account_id())
        with pytest.raises(WrongPassword):
            ks.open(s["password"] + "!")


# --- transactions ---------------------------------------------------------------------------


def test_every_variant_and_scheme_has_a_vector(transactions):
    vectors = transactions["vectors"]
    assert len(TX_KINDS) == 40, "TxBody variants 0..=39"
    assert sorted({v["variant"] for v in vectors}) == list(range(len(TX_KINDS)))
    assert {v["kind"] for v in vectors} == set(TX_KINDS)
    # Every governance action (0..=20) is proposed by some vector, and the new role granted.
    proposed = [v["unsigned"]["body"]["action"] for v in vectors if v["kind"] == "propose"]
    assert {a["action"] for a in proposed} == {name for name, _ in GOV_ACTION.variants}
    assert len(GOV_ACTION.variants) == 21
    assert {"action": "grant_role", "role": "tax_authority"}.items() <= next(a for a in proposed if a.get("role") == "tax_authority").items()
    signers = {name for v in vectors for name in v["signers"]}
    assert {n.split("-")[0] for n in signers} == set(SCHEMES)


def test_transactions_rebuild_byte_for_byte(transactions, keys):
    for v in transactions["vectors"]:
        name = v["name"]
        u = UnsignedTx.from_json(v["unsigned"])
        assert u.to_json() == v["unsigned"], name
        assert TX_BODY.variant_index(u.kind) == v["variant"] and u.kind == v["kind"], name
        assert u.wire().hex() == v["unsigned_wire"], name
        assert u.signing_bytes().hex() == v["signing_bytes"], name
        assert u.id() == v["tx_id"], name
        sigs = [u.sign(keys[s]) for s in v["signers"]]
        assert [s.hex() for s in sigs] == v["signatures"], name
        tx = Transaction(u, sigs)
        assert tx.wire().hex() == v["transaction_wire"], name
        assert tx.leaf_bytes().hex() == v["leaf_data"], name


def test_transactions_decode_back(transactions, keys):
    for v in transactions["vectors"]:
        tx = Transaction.from_wire(bytes.fromhex(v["transaction_wire"]))
        assert tx.unsigned.to_json() == v["unsigned"], v["name"]
        assert tx.wire().hex() == v["transaction_wire"], v["name"]
        assert tx.verify() == [keys[s].public_key for s in v["signers"]], v["name"]


def test_the_set_witnesses_vector_rebuilds_from_the_builders(transactions):
    """``GovAction::SetWitnesses`` (index 15) proposed: the body the builders make from the
    policy is the vector's, byte for byte."""
    v = next(v for v in transactions["vectors"] if v["name"] == "propose_set_witnesses")
    body = v["unsigned"]["body"]
    policy = WitnessPolicy.from_json(body["action"]["policy"])
    assert bodies.propose(bodies.set_witnesses(policy), body["deadline_height"]) == body
    assert bodies.set_witnesses(body["action"]["policy"]) == body["action"]
    u = UnsignedTx.from_json(v["unsigned"])
    assert u.wire().hex() == v["unsigned_wire"]
    action_at = len(u.wire()) - 8 - len(borsh(GOV_ACTION, body["action"]))
    assert u.wire()[action_at] == 15, "SetWitnesses is GovAction variant 15"


def _vector(transactions: dict, name: str) -> dict:
    return next(v for v in transactions["vectors"] if v["name"] == name)


def test_the_contract_and_invoice_vectors_rebuild_from_the_builders(transactions):
    """Variants 30–35 built by :mod:`vellum_sdk.bodies` from the vectors' fields are the
    vectors' bodies, and encode to their bytes (the body ends the unsigned transaction)."""
    built = {
        "instantiate_contract": lambda b: bodies.instantiate_contract(b["code_digest"], bytes.fromhex(b["input"]), b["fuel"]),
        "call_contract": lambda b: bodies.call_contract(b["contract"], b["function"], bytes.fromhex(b["input"]), b["fuel"]),
        "set_invoicing": lambda b: bodies.set_invoicing(b["tax_authority"], b["token"], b["vat_basis_points"]),
        "issue_invoice": lambda b: bodies.issue_invoice(b["payment"], b["document_digest"]),
        "reimburse_invoice": lambda b: bodies.reimburse_invoice(b["invoice"]),
        "clear_invoice_tax": lambda b: bodies.clear_invoice_tax(b["invoice"]),
    }
    for kind, build in built.items():
        v = _vector(transactions, kind)
        body = v["unsigned"]["body"]
        assert build(body) == body, kind
        encoded = borsh(TX_BODY, body)
        assert encoded[0] == TX_KINDS.index(kind) == v["variant"], kind
        assert v["unsigned_wire"].endswith(encoded.hex()), kind
    # The vector's instantiation names the contract id a client computes before submitting.
    u = UnsignedTx.from_json(_vector(transactions, "instantiate_contract")["unsigned"])
    assert u.contract_id() == contract_account_id(u.body["code_digest"], u.sender, u.nonce)


def test_the_contract_governance_vectors_rebuild_from_the_builders(transactions):
    """``GovAction`` 16–19 (and ``grant_role`` of the ``tax_authority`` role, index 8) built
    by the builders are the vectors' actions, at their variant indices."""
    built = {
        "propose_register_code": lambda a: bodies.register_code(a["name"], bytes.fromhex(a["code"]), a["review_digest"]),
        "propose_set_contract_paused": lambda a: bodies.set_contract_paused(a["contract"], a["paused"]),
        "propose_upgrade_contract": lambda a: bodies.upgrade_contract(a["contract"], a["code_digest"]),
        "propose_set_code_advisory": lambda a: bodies.set_code_advisory(a["code_digest"], a["advisory"]),
        "propose_lift_code_advisory": lambda a: bodies.set_code_advisory(a["code_digest"], None),
        "propose_grant_tax_authority": lambda a: bodies.grant_role(a["account"], "tax_authority"),
    }
    indices = {"register_code": 16, "set_contract_paused": 17, "upgrade_contract": 18, "set_code_advisory": 19, "grant_role": 4}
    for name, build in built.items():
        v = _vector(transactions, name)
        body = v["unsigned"]["body"]
        assert bodies.propose(build(body["action"]), body["deadline_height"]) == body, name
        encoded = borsh(GOV_ACTION, body["action"])
        assert encoded[0] == indices[body["action"]["action"]], name
        assert v["unsigned_wire"].endswith(encoded.hex() + body["deadline_height"].to_bytes(8, "little").hex()), name
    assert _vector(transactions, "propose_lift_code_advisory")["unsigned"]["body"]["action"]["advisory"] is None
    grant = borsh(GOV_ACTION, _vector(transactions, "propose_grant_tax_authority")["unsigned"]["body"]["action"])
    assert grant[-1] == 8, "TaxAuthority is Role index 8"


def test_the_kyc_sanctions_and_monitoring_vectors_rebuild_from_the_builders(transactions):
    """``OpenAccount`` with KYC terms, ``SetKyc`` (36), ``UpdateSanctions`` (GovAction 20) and
    monitoring rules with inflow and tier limits, built by the builders, are the vectors'."""
    v = _vector(transactions, "open_account_with_kyc_terms")
    body = v["unsigned"]["body"]
    terms = bodies.kyc_terms(body["kyc"]["tier"], body["kyc"]["expires_ms"], body["kyc"]["screening"])
    built = bodies.open_account(body["public_key"], body["kyc_commitment"], body["label"], body["role"], body["subledger"], kyc=terms)
    assert built == body and body["kyc"]["screening"] is not None
    assert v["unsigned_wire"].endswith(borsh(TX_BODY, body).hex())
    v = _vector(transactions, "set_kyc")
    body = v["unsigned"]["body"]
    assert bodies.set_kyc(body["account"], bodies.kyc_terms(**body["terms"])) == body
    assert borsh(TX_BODY, body)[0] == TX_KINDS.index("set_kyc") == v["variant"] == 36
    v = _vector(transactions, "propose_update_sanctions")
    body = v["unsigned"]["body"]
    action = bodies.update_sanctions(body["action"]["add"], body["action"]["remove"])
    assert bodies.propose(action, body["deadline_height"]) == body
    assert borsh(GOV_ACTION, action)[0] == 20
    v = _vector(transactions, "propose_set_monitoring")
    body = v["unsigned"]["body"]
    r = body["action"]["rules"]
    assert r["tier_limits"] and int(r["inflow_amount_max"]) and r["inflow_count_max"] and r["distinct_senders_max"]
    rules = bodies.monitoring_rules(
        **{k: r[k] for k in r if k not in ("tier_limits", "version")},
        tier_limits=[bodies.tier_limit(t["tier"], t["leg_amount_max"], t["window_amount_max"]) for t in r["tier_limits"]],
    )
    assert bodies.propose(bodies.set_monitoring(body["action"]["token"], rules), body["deadline_height"]) == body
    assert v["unsigned_wire"].endswith(borsh(TX_BODY, body).hex())


def test_the_read_audit_and_key_expiry_vectors_rebuild(transactions):
    """``AuditReads`` (37: ``ReadRecord``s, an allowed and a refused read) and ``SetKeyExpiry``
    (38, built by :func:`bodies.set_key_expiry`) are the vectors', byte for byte."""
    from vellum_sdk.types import READ_RECORD

    v = _vector(transactions, "audit_reads")
    body = v["unsigned"]["body"]
    assert borsh(TX_BODY, body)[0] == TX_KINDS.index("audit_reads") == v["variant"] == 37
    assert check_body(body) == body
    entries = body["entries"]
    assert {e["allowed"] for e in entries} == {True, False} and any(e["item"] for e in entries)
    records = b"".join(borsh(READ_RECORD, e) for e in entries)
    assert v["unsigned_wire"].endswith((bytes([37]) + len(entries).to_bytes(4, "little") + records).hex())
    assert [from_borsh(READ_RECORD, borsh(READ_RECORD, e)) for e in entries] == entries
    v = _vector(transactions, "set_key_expiry")
    body = v["unsigned"]["body"]
    assert bodies.set_key_expiry(body["key"], body["expires_ms"]) == body
    assert bodies.set_key_expiry(PublicKey.parse(body["key"]), body["expires_ms"]) == body
    assert borsh(TX_BODY, body)[0] == TX_KINDS.index("set_key_expiry") == v["variant"] == 38
    assert v["unsigned_wire"].endswith(borsh(TX_BODY, body).hex())


def test_the_delete_original_vector_rebuilds(transactions):
    """``DeleteOriginal`` (39, built by :func:`bodies.delete_original`): the proof id, then the
    member as a u32 LE — the vectors', byte for byte."""
    from vellum_sdk.encoding import sha256

    v = _vector(transactions, "delete_original")
    body = v["unsigned"]["body"]
    assert body == {"type": "delete_original", "proof": sha256(b"a registration").hex(), "member": 3}
    assert bodies.delete_original(body["proof"], body["member"]) == body
    assert borsh(TX_BODY, body)[0] == TX_KINDS.index("delete_original") == v["variant"] == 39
    assert v["unsigned_wire"].endswith((bytes([39]) + bytes.fromhex(body["proof"]) + (3).to_bytes(4, "little")).hex())


def test_a_malformed_vector_is_a_typed_error(transactions):
    v = copy.deepcopy(next(v for v in transactions["vectors"] if v["kind"] == "transfer"))
    body = v["unsigned"]["body"]
    body["legs"][0]["amount"] = int(body["legs"][0]["amount"])
    with pytest.raises(FormatError, match=r"body\.legs\[0\]\.amount"):
        UnsignedTx.from_json(v["unsigned"])
    del body["legs"]
    with pytest.raises(FormatError, match=r"body\.legs: missing field"):
        UnsignedTx.from_json(v["unsigned"])
    v["unsigned"]["sender"] = "zz"
    with pytest.raises(FormatError, match="sender"):
        UnsignedTx.from_json(v["unsigned"])


def test_a_wrong_key_and_a_truncated_transaction_are_typed_errors(transactions, keys):
    v = next(v for v in transactions["vectors"] if v["signers"] == ["ed25519-a"])
    u = UnsignedTx.from_json(v["unsigned"])
    right = u.sign(keys["ed25519-a"])
    # The signature names a key that did not make it.
    wrong = Signature("ed25519", right.signature, public_key=keys["ed25519-b"].public_key.key)
    with pytest.raises(SignatureError) as e:
        Transaction(u, [wrong]).verify()
    assert e.value.reason == "signature_does_not_verify" and e.value.index == 0
    # Signed by another key: valid, but not the key the vector names.
    assert Transaction(u, [u.sign(keys["ed25519-b"])]).verify() != [keys["ed25519-a"].public_key]
    wire = bytes.fromhex(v["transaction_wire"])
    for cut in (1, 10, len(wire) // 2):
        with pytest.raises(Malformed):
            Transaction.from_wire(wire[:-cut])


# --- identifiers, commitments, requests -----------------------------------------------------


def test_ids_and_commitments():
    ids = load_vectors("ids")
    for a in ids["account_ids"]:
        key = PublicKey.parse(a["public_key"])
        assert (Domain.ACCOUNT_ID + b"\x01" + key.to_borsh()).hex() == a["hashed"]
        assert key.account_id() == a["account_id"]
    for p in ids["proof_ids"]:
        assert proof_id(p["tx_id"]) == p["proof_id"]
    for s in ids["salted_digests"]:
        assert salted_digest(bytes.fromhex(s["salt"]), bytes.fromhex(s["digest"])).hex() == s["salted"]
    for k in ids["kyc_commitments"]:
        assert kyc_commitment(bytes.fromhex(k["salt"]), bytes.fromhex(k["record"])) == k["commitment"]
    assert ids["contract_ids"] and ids["invoice_ids"]
    for c in ids["contract_ids"]:
        assert contract_account_id(c["code_digest"], c["creator"], c["nonce"]) == c["contract_id"]
    for i in ids["invoice_ids"]:
        assert invoice_id(i["payment_tx_id"]) == i["invoice_id"]
    assert ids["screening_commitments"]
    for c in ids["screening_commitments"]:
        assert screening_commitment(bytes.fromhex(c["salt"]), bytes.fromhex(c["identity"])) == c["commitment"]
        assert screening_commitment(c["salt"], bytes.fromhex(c["identity"])) == c["commitment"]
    for b in ids["batch_roots"]:
        digests = [bytes.fromhex(d) for d in b["digests"]]
        assert batch_root(digests).hex() == b["root"]
        leaves = [leaf_hash(d) for d in digests]
        for p in b.get("inclusion_proofs", []):
            assert [h.hex() for h in inclusion_proof(p["index"], leaves)] == p["proof"]


def test_payment_records_decode_to_their_json_and_encode_back():
    """``payment_records``: a held record with one alert of every kind (``Alert`` 0..=9); its
    leaf bytes (``"VELLUM:PAYMENT-RECORD:" ‖ 0x01 ‖ borsh(PaymentRecord)``) decode to the JSON
    field for field, and the JSON encodes to the same bytes."""
    records = load_vectors("ids")["payment_records"]
    assert records
    prefix = Domain.PAYMENT_RECORD + b"\x01"
    rules = set()
    for p in records:
        leaf = bytes.fromhex(p["leaf_bytes"])
        assert leaf.startswith(prefix)
        decoded = from_borsh(PAYMENT_RECORD, leaf[len(prefix) :])
        assert decoded == p["record"]
        assert canonical(Domain.PAYMENT_RECORD, PAYMENT_RECORD, p["record"]) == leaf
        alerts = decoded["outcome"].get("alerts", [])
        rules.update(a["rule"] for a in alerts)
        # Every alert alone re-encodes to its variant index first.
        for a in alerts:
            assert borsh(ALERT, a)[0] == ALERT.variant_index(a["rule"])
    assert rules == {name for name, _ in ALERT.variants}
    assert len(ALERT.variants) == 10
    assert [name for name, _ in ALERT.variants][4:] == ["inflow_amount", "inflow_count", "distinct_senders", "tier_leg", "tier_window", "sanctions"]


def test_signed_requests(keys):
    requests = load_vectors("requests")["requests"]
    assert {keys[r["signer"]].scheme for r in requests} == set(SCHEMES)
    for r in requests:
        message = request_signing_bytes(
            r["chain_id"], r["account"], r["method"], r["path_and_query"], bytes.fromhex(r["body"]), r["timestamp_ms"], bytes.fromhex(r["nonce"])
        )
        assert message.hex() == r["signing_bytes"]
        key = keys[r["signer"]]
        assert key.account == r["account"] == r["headers"]["x-vellum-account"]
        assert key.sign(message).hex() == r["headers"]["x-vellum-signature"]
        assert verify_signature(Signature.from_hex(r["headers"]["x-vellum-signature"]), message) == key.public_key


# --- evidence -------------------------------------------------------------------------------


def _cases(kinds: tuple[str, ...]) -> list[dict]:
    return [c for c in load_vectors("evidence")["cases"] if c["kind"] in kinds]


def _issuer_expect(check) -> dict | None:
    """An ``IssuerCheck`` (or ``None``) in the vectors' form: null for a file without the
    section, ``{"attested": false}``, or the attestation's name, domain, attester, height and
    the reason code of its withdrawal."""
    if check is None:
        return None
    if not check.attested:
        return {"attested": False}
    return {
        "attested": True,
        "name": check.name,
        "domain": check.domain,
        "attested_by": check.attested_by,
        "height": check.height,
        "revoked_reason": None if check.revoked is None else check.revoked["reason"],
    }


def _check_failure(c: dict, e: VerifyError) -> None:
    """An expected failure at the named step."""
    expect = c["expect"]
    assert not expect["valid"], f"{c['name']}: {e}"
    assert (e.step, e.step_name) == (expect["failed"]["step"], expect["failed"]["name"]), f"{c['name']}: {e}"


def test_evidence_verdicts():
    cases = _cases(("bundle", "receipt"))
    assert {c["kind"] for c in cases} == {"bundle", "receipt"}
    for c in cases:
        data = bytes.fromhex(c["file"])
        document = bytes.fromhex(c["document"]) if c.get("document") else None
        expect = c["expect"]
        try:
            v = verify_receipt(data, c["pinned_genesis"]) if c["kind"] == "receipt" else verify_bundle(data, document, c["pinned_genesis"])
        except VerifyError as e:
            _check_failure(c, e)
            continue
        assert expect["valid"], f"{c['name']}: verified, expected step {expect['failed']}"
        assert v.genesis_hash == expect["genesis_hash"], c["name"]
        if c["kind"] == "receipt":
            assert (v.tx.id(), v.record["sender"], v.signers) == (expect["tx_id"], expect["sender"], expect["signers"]), c["name"]
            assert (v.record["height"], v.record["time_ms"], v.record["outcome"]) == (expect["height"], expect["time_ms"], expect["outcome"])
        else:
            got = (v.registered_digest, v.registrant, v.signer, v.record["height"], v.record["time_ms"], v.status["state"])
            want = (expect["registered_digest"], expect["registrant"], expect["signer"], expect["height"], expect["time_ms"], expect["status"])
            assert got == want, c["name"]
            assert (v.status_height, v.member_index, v.validator_set_changes, v.document) == (
                expect["status_height"],
                expect["member_index"],
                expect["validator_set_changes"],
                expect["document"],
            ), c["name"]
            assert _issuer_expect(v.issuer) == expect["issuer"], c["name"]


def _pin(c: dict) -> str | None:
    return c["pinned_genesis"]


def test_tx_receipt_verdicts():
    """``kind: tx_receipt``: transaction receipts (``VELLUMTR``, §5a): valid with the Rust
    verifier's transaction id, kind, sender, signers, log index and appended leaves (their
    kind and serde JSON record), or failing at the same step. Fails until the vectors carry
    such cases."""
    cases = _cases(("tx_receipt",))
    assert cases, "docs/vectors/evidence.json has no transaction-receipt case (kind: tx_receipt)"
    assert any(c["expect"]["valid"] for c in cases) and any(not c["expect"]["valid"] for c in cases)
    for c in cases:
        try:
            v = verify_tx_receipt(bytes.fromhex(c["file"]), _pin(c))
        except VerifyError as e:
            _check_failure(c, e)
            continue
        expect = c["expect"]
        assert expect["valid"], f"{c['name']}: verified, expected step {expect['failed']}"
        got = (v.genesis_hash, v.tx.id(), v.tx.unsigned.kind, v.tx.unsigned.sender, v.signers, v.tx_index)
        want = (expect["genesis_hash"], expect["tx_id"], expect["tx_kind"], expect["sender"], expect["signers"], expect["log_index"])
        assert got == want, c["name"]
        assert v.appended == expect["appended"], c["name"]
        # As ``vellum verify`` does, the file is recognised by its magic.
        assert verify_file(bytes.fromhex(c["file"]), None, _pin(c)).appended == v.appended, c["name"]


def _verify_witnessed_case(c: dict, witnesses: WitnessPolicy | None):
    data = bytes.fromhex(c["file"])
    if c["kind"] == "witnessed_receipt":
        return verify_receipt(data, _pin(c), witnesses=witnesses)
    document = bytes.fromhex(c["document"]) if c.get("document") else None
    return verify_bundle(data, document, _pin(c), witnesses=witnesses)


def test_witnessed_verdicts():
    """``kind: witnessed_bundle`` / ``witnessed_receipt``: a bundle (version 4) or receipt
    (version 3) carrying a cosigned checkpoint, verified under the case's witness policy (step
    10): valid with the witnessed size and the count of valid policy cosignatures, or the
    failing step."""
    cases = _cases(("witnessed_bundle", "witnessed_receipt"))
    assert {c["kind"] for c in cases} == {"witnessed_bundle", "witnessed_receipt"}
    assert {c["expect"]["valid"] for c in cases} == {True, False}
    assert {c["expect"]["failed"]["step"] for c in cases if not c["expect"]["valid"]} == {1, 10}
    for c in cases:
        policy = WitnessPolicy.from_json(c["witness_policy"])
        try:
            v = _verify_witnessed_case(c, policy)
        except VerifyError as e:
            _check_failure(c, e)
            continue
        expect = c["expect"]
        assert expect["valid"], f"{c['name']}: verified, expected step {expect['failed']}"
        assert (v.witnessed_size, v.witness_cosignatures) == (expect["witnessed_size"], expect["witness_cosignatures"]), c["name"]


def test_witnessed_cases_without_a_policy():
    """Without a policy, step 10 a–c still applies: a file whose witnessed section is bent
    fails at step 10 anyway; one that fails only the policy (10d) verifies, reporting the
    witnessed size and no checked cosignatures."""
    for c in _cases(("witnessed_bundle", "witnessed_receipt")):
        expect = c["expect"]
        try:
            v = _verify_witnessed_case(c, None)
        except VerifyError as e:
            _check_failure(c, e)
            continue
        assert v.witness_cosignatures is None, c["name"]
        if expect["valid"]:
            assert v.witnessed_size == expect["witnessed_size"], c["name"]
        else:
            # Only the policy failed: the file carries a sound section, or none at all.
            assert expect["failed"]["step"] == 10, c["name"]


def test_status_proof_verdicts():
    """``kind: status``: a status proof alone (§6a). Fails until the vectors carry such cases."""
    cases = _cases(("status",))
    assert cases, "docs/vectors/evidence.json has no status-proof case (kind: status)"
    assert any(c["expect"]["valid"] for c in cases) and any(not c["expect"]["valid"] for c in cases)
    for c in cases:
        try:
            v = verify_status_proof(bytes.fromhex(c["file"]), _pin(c))
        except VerifyError as e:
            _check_failure(c, e)
            continue
        expect = c["expect"]
        assert expect["valid"], f"{c['name']}: verified, expected step {expect['failed']}"
        got = (v.genesis_hash, v.proof_id, v.member_index, v.registrant, v.height)
        assert got == (expect["genesis_hash"], expect["proof_id"], expect["member_index"], expect["registrant"], expect["height"]), c["name"]
        assert (v.state, v.reason, v.since_height) == (expect["status"], expect["status_reason"], expect["status_since_height"]), c["name"]
        assert _issuer_expect(v.issuer) == expect["issuer"], c["name"]


def test_bundle_with_status_verdicts():
    """``kind: bundle_with_status``: a bundle and a status proof together (§4 step 9). Fails
    until the vectors carry such cases."""
    cases = _cases(("bundle_with_status",))
    assert cases, "docs/vectors/evidence.json has no bundle-with-status case (kind: bundle_with_status)"
    for c in cases:
        document = bytes.fromhex(c["document"]) if c.get("document") else None
        try:
            _, now = verify_bundle_with_status(bytes.fromhex(c["file"]), bytes.fromhex(c["status_file"]), document, _pin(c))
        except VerifyError as e:
            _check_failure(c, e)
            continue
        expect = c["expect"]
        assert expect["valid"], f"{c['name']}: verified, expected step {expect['failed']}"
        got = (now.then["state"], now.now["state"], now.now_height, now.changed)
        assert got == (expect["status_then"], expect["status_now"], expect["now_height"], expect["changed"]), c["name"]
        assert _issuer_expect(now.issuer_now) == expect["issuer_now"], c["name"]


def test_the_vectors_cover_every_issuer_report():
    """Bundles without the section (versions 1 and 2), a proven absence, an attestation and a
    withdrawn one; every bundle and status case states what the verifier must report."""
    cases = _cases(("bundle", "status", "bundle_with_status"))
    reports = [c["expect"].get("issuer_now" if c["kind"] == "bundle_with_status" else "issuer", "missing") for c in cases if c["expect"]["valid"]]
    assert "missing" not in reports
    assert None in reports and {"attested": False} in reports
    attested = [r for r in reports if r and r["attested"]]
    assert {r["revoked_reason"] for r in attested} == {None, "affiliation_changed"}


# --- invalid transactions -------------------------------------------------------------------

DECODE_CLASSES = {
    "too_large": TooLarge,
    "empty": EmptyInput,
    "unknown_version": UnknownVersion,
    "malformed": Malformed,
    "invalid": InvalidContent,
}


def _case_bytes(case: dict) -> bytes:
    b = case["bytes"]
    return bytes.fromhex(b["fill"]) * b["length"] if isinstance(b, dict) else bytes.fromhex(b)


def test_invalid_transactions_give_typed_errors():
    cases = load_vectors("invalid")["cases"]
    for c in cases:
        data, expect = _case_bytes(c), c["expect"]
        if expect in DECODE_CLASSES:
            with pytest.raises(DECODE_CLASSES[expect]):
                Transaction.from_wire(data)
            continue
        tx = Transaction.from_wire(data)
        if expect == "valid":
            assert tx.verify(), c["name"]
            continue
        with pytest.raises(SignatureError) as e:
            tx.verify()
        assert e.value.reason == expect, f"{c['name']}: {e.value}"
    # Every decode class is a DecodeError, so one except clause catches them all.
    assert all(issubclass(cls, DecodeError) for cls in DECODE_CLASSES.values())


def test_ecdsa_vector_signatures_are_deterministic_and_low_s(transactions, keys):
    """Each ECDSA vector signed twice gives the same bytes (RFC 6979), with a low s."""
    ecdsa = [(v, n) for v in transactions["vectors"] for n in v["signers"] if keys[n].scheme in CURVE_ORDER]
    assert {keys[n].scheme for _, n in ecdsa} == set(CURVE_ORDER)
    for v, name in ecdsa:
        u = UnsignedTx.from_json(v["unsigned"])
        a, b = u.sign(keys[name]), u.sign(keys[name])
        assert a == b
        assert int.from_bytes(a.signature[32:], "big") <= CURVE_ORDER[a.scheme] // 2

"""Borsh codecs, strict decoding and the JSON form, checked against the worked example of
docs/wire-format.md §17 (independent of the generated vectors)."""

from __future__ import annotations

import pytest

from vellum_sdk import (
    Transaction,
    UnsignedTx,
    bodies,
    code_digest,
    contract_account_id,
    contract_kyc_commitment,
    invoice_id,
    invoice_vat,
    kyc_commitment,
    request_signing_bytes,
)
from vellum_sdk.encoding import Domain, borsh, from_borsh, from_wire, sha256
from vellum_sdk.errors import EmptyInput, FormatError, InvalidContent, Malformed, TooLarge, UnknownVersion
from vellum_sdk.keys import SecretKey
from vellum_sdk.merkle import batch_root
from vellum_sdk.proofs import proof_id, salted_digest
from vellum_sdk import tx as tx_module
from vellum_sdk.tx import (
    DEFAULT_REASON_CODES,
    ENCRYPTION_RECIPIENT_BYTES_MAX,
    REASON_CODES_MAX,
    TX_BYTES_MAX,
    check_body,
    check_gov_action,
    check_unsigned_shape,
    valid_reason_code,
)
from vellum_sdk.types import GOV_ACTION, MEMBER_ENTRY, PROOF_CHANGE, PROOF_STATUS, PUBLIC_KEY, ROLE, ROLES, TRANSACTION, TX_BODY, TX_KINDS, PublicKey

# RFC 8032 §7.1 test key 1, the key of the spec's worked example.
RFC8032_SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
ACCOUNT = "2d1052e0f79bbbc7aecd38069acc17116d4f2363f2bc9048401ed8b81a23f5f4"


@pytest.fixture
def example():
    key = SecretKey("ed25519", bytes.fromhex(RFC8032_SEED))
    return key, UnsignedTx("vellum-devnet", key.account, 0, 100, bodies.vote(7))


def test_worked_example_of_the_spec(example):
    key, u = example
    assert key.account == ACCOUNT
    assert u.encode().hex() == (
        "0d000000" + "76656c6c756d2d6465766e6574" + ACCOUNT + "0000000000000000" + "6400000000000000" + "12" + "0700000000000000"
    )
    assert u.signing_bytes() == b"VELLUM:TX-SIGN:\x01" + u.encode()
    assert u.id() == "6016b966633dc25e8cb476ca1dc8ede47a03e31e5809855662a2bb3426807838"
    sig = u.sign(key)
    assert sig.signature.hex() == (
        "5c0a3c8570af046c1c1b6e93ee9fcffbc66c51a85a7629a508194a55a5caee19"
        "f9207882890511a3d1e1e298c3dc2bda5f43f75fa584d58b71a74bb664994302"
    )
    wire = Transaction(u, [sig]).wire()
    assert len(wire) == 176 and wire == b"\x01" + u.encode() + b"\x01\x00\x00\x00" + sig.to_bytes()
    assert proof_id(u.id()) == "a3e6000cbc676e4cd746ca1de49d06acf77a3276094c8144a07d5646c6979989"


def test_other_values_of_the_worked_example(example):
    key, _ = example
    transfer = borsh(TX_BODY, bodies.transfer([bodies.leg("ab" * 32, "EUR", 12345)]))
    assert transfer.hex() == "09" + "01000000" + "ab" * 32 + "03000000455552" + "39300000000000000000000000000000" + "00" + "00"
    hello = sha256(b"hello")
    assert salted_digest(b"\x11" * 32, hello).hex() == "662c14b47e32adfb0e5c1ad24174ca5cf48ee93a7a93d915706c8d4ff473b23e"
    assert kyc_commitment(b"\x22" * 16, b"identity record") == "b435e0e089e1f2eea64ffbb062940d936c43cbd91e3b0cd866d557bc17247788"
    root = batch_root([sha256(b"a"), sha256(b"b"), sha256(b"c")])
    assert root.hex() == "cac3d448d4e20a2ad5eae1f500e63c2a7f9217cd14572ba7fd22e26dc1ec2648"
    message = request_signing_bytes("vellum-devnet", ACCOUNT, "GET", f"/v1/account/{ACCOUNT}", b"", 1795253477855, bytes(range(16)))
    assert len(message) == 208 and message.startswith(bytes.fromhex("56454c4c554d3a524551554553543a010d000000"))
    assert key.sign(message).hex().endswith(
        "e7fc45190246750d9d5b5e123b1fad7d80021dd2895a7cceace2b544ce08b5aa"
        "45803958d0570cc08d09ad37ceebe6007b206b3d43696923979374003b08ac01"
    )


def test_variant_indices_follow_declaration_order():
    assert len(TX_KINDS) == 40
    assert TX_KINDS[0] == "open_account" and TX_KINDS[9] == "transfer" and TX_KINDS[24] == "report_misbehavior"
    assert TX_KINDS[25:30] == ("revoke_issuer", "store_batch_members", "add_holders", "attest_issuer", "revoke_attestation")
    assert TX_KINDS[30:] == (
        "instantiate_contract",
        "call_contract",
        "set_invoicing",
        "issue_invoice",
        "reimburse_invoice",
        "clear_invoice_tax",
        "set_kyc",
        "audit_reads",
        "set_key_expiry",
        "delete_original",
    )
    assert GOV_ACTION.variant_index("set_reason_codes") == 13 and GOV_ACTION.variant_index("attest_issuer") == 14
    assert [GOV_ACTION.variant_index(a) for a in ("set_witnesses", "register_code", "set_contract_paused", "upgrade_contract", "set_code_advisory")] == [15, 16, 17, 18, 19]
    assert GOV_ACTION.variant_index("update_sanctions") == 20
    assert len(GOV_ACTION.variants) == 21
    assert ROLES.index("tax_authority") == 8 and len(ROLES) == 9
    assert borsh(ROLE, "tax_authority") == bytes([8])
    assert borsh(TX_BODY, {"type": "cancel_recovery"}) == bytes([21])
    assert borsh(PUBLIC_KEY, "p256:02" + "11" * 32)[0] == 2


def test_decoding_is_strict(example):
    key, u = example
    wire = Transaction(u, [u.sign(key)]).wire()
    assert Transaction.from_wire(wire).to_json() == Transaction(u, [u.sign(key)]).to_json()
    with pytest.raises(Malformed, match="trailing"):
        Transaction.from_wire(wire + b"\x00")
    with pytest.raises(Malformed, match="end of input"):
        Transaction.from_wire(wire[:-1])
    with pytest.raises(UnknownVersion):
        Transaction.from_wire(b"\x02" + wire[1:])
    with pytest.raises(EmptyInput):
        Transaction.from_wire(b"")
    with pytest.raises(TooLarge):
        Transaction.from_wire(b"\x01" * (TX_BYTES_MAX + 1))
    body_at = 1 + 4 + 13 + 32 + 16
    assert wire[body_at] == 18  # Vote
    bad_variant = wire[:body_at] + bytes([len(TX_KINDS)]) + wire[body_at + 1 :]
    with pytest.raises(Malformed, match=f"variant index {len(TX_KINDS)}"):
        Transaction.from_wire(bad_variant)
    with pytest.raises(Malformed, match="variant index 255"):
        Transaction.from_wire(wire[:body_at] + b"\xff" + wire[body_at + 1 :])


def test_bool_option_utf8_and_lengths_are_checked():
    with pytest.raises(Malformed, match="bool"):
        from_borsh(TX_BODY, bytes([2]) + b"\x00" * 32 + b"\x08\x00\x00\x00sha256:f" + b"\x00" * 32 + b"\x02")
    with pytest.raises(Malformed, match="option"):
        from_borsh(TX_BODY, bytes([4]) + b"\x00" * 32 + b"\x07")
    with pytest.raises(Malformed, match="UTF-8"):
        from_borsh(TX_BODY, bytes([8]) + b"\x02\x00\x00\x00\xff\xfe" + b"\x01" + b"\x00" * 15)
    # A list claiming more items than the input could hold is refused before reading them.
    with pytest.raises(Malformed, match="claims"):
        from_borsh(TX_BODY, bytes([5]) + (10**9).to_bytes(4, "little"))


def test_shape_rules_are_typed_errors(example):
    key, u = example
    empty = Transaction(u, [])
    with pytest.raises(InvalidContent, match="no signature"):
        Transaction.from_wire(empty.wire())
    with pytest.raises(InvalidContent, match="label"):
        bodies.open_account(key.public_key, None, label="x" * 65)
    with pytest.raises(InvalidContent, match="symbol"):
        bodies.mint("eur", ACCOUNT, 1)
    with pytest.raises(InvalidContent, match="positive"):
        bodies.transfer([bodies.leg(ACCOUNT, "EUR", 0)])
    with pytest.raises(InvalidContent, match="threshold"):
        bodies.set_signers([(key, 1)], 2)
    with pytest.raises(InvalidContent, match="council membership"):
        bodies.action("grant_role", account=ACCOUNT, role="council")


def test_the_encryption_recipient_limit_counts_bytes():
    """128 bytes of UTF-8, as Rust's ``r.len()``: 74 characters can be 144 bytes."""
    def recipient(r: str) -> dict:
        return {"type": "set_purpose_keys", "request_keys": [], "encryption_recipient": r}

    assert check_body(recipient("age1" + "q" * (ENCRYPTION_RECIPIENT_BYTES_MAX - 4)))["encryption_recipient"]
    with pytest.raises(InvalidContent, match="age X25519 recipient"):
        check_body(recipient("age1" + "q" * (ENCRYPTION_RECIPIENT_BYTES_MAX - 3)))
    wide = "age1" + "é" * 70
    assert len(wide) <= ENCRYPTION_RECIPIENT_BYTES_MAX < len(wide.encode("utf-8"))
    with pytest.raises(InvalidContent, match="age X25519 recipient"):
        check_body(recipient(wide))


def test_shape_rules_cover_every_kind_and_refuse_an_unknown_one(example):
    """Every body kind and governance action has its entry in the rules (those without rules
    are listed too), as Rust's exhaustive match: a kind the rules do not know is refused."""
    # Private tables on purpose: a kind added to the codec must be added to the rules.
    assert set(tx_module._BODY_RULES) == set(TX_KINDS)
    assert set(tx_module._GOV_RULES) == {name for name, _ in GOV_ACTION.variants}
    key, u = example
    with pytest.raises(FormatError, match="unknown transaction kind 'teleport'"):
        check_unsigned_shape(UnsignedTx(u.chain_id, u.sender, 0, 1, {"type": "teleport"}))
    with pytest.raises(FormatError, match="unknown governance action 'abdicate'"):
        check_gov_action({"action": "abdicate"})
    with pytest.raises(InvalidContent, match="chain id"):
        check_unsigned_shape(UnsignedTx("x" * 65, u.sender, 0, 1, u.body))


def test_json_form_errors_name_the_field():
    with pytest.raises(FormatError, match=r"legs\[0\]\.amount: expected a u128 as a decimal string"):
        check_body({"type": "transfer", "legs": [{"to": ACCOUNT, "token": "EUR", "amount": 5, "convert": None}], "reference": None})
    with pytest.raises(FormatError, match="unknown field"):
        check_body({"type": "vote", "proposal": 1, "proposl": 2})
    with pytest.raises(FormatError, match="expected 32 bytes"):
        check_body({"type": "execute_recovery", "account": "ab"})
    with pytest.raises(FormatError, match="unknown type"):
        check_body({"type": "teleport"})
    with pytest.raises(FormatError, match="unknown key scheme"):
        PublicKey.parse("rsa:00")
    with pytest.raises(FormatError, match="out of range"):
        check_body({"type": "vote", "proposal": 1 << 64})
    with pytest.raises(FormatError, match="expected a u64"):
        check_body({"type": "vote", "proposal": True})


def test_json_form_round_trips_and_normalises():
    body = check_body({"type": "open_account", "public_key": "ED25519:".lower() + "AB" * 32, "kyc_commitment": None, "label": "l", "role": "user"})
    assert body == {"type": "open_account", "public_key": "ed25519:" + "ab" * 32, "kyc_commitment": None, "label": "l", "role": "user", "subledger": None, "kyc": None}
    tx = {"unsigned": {"chain_id": "c", "sender": ACCOUNT, "nonce": 1, "expiry_height": 2, "body": body}, "signatures": []}
    assert from_wire(TRANSACTION, b"\x01" + borsh(TRANSACTION, tx), 1 << 20) == tx


def test_amounts():
    assert bodies.parse_amount("123.45", 4) == 1_234_500
    assert bodies.format_amount(1_234_500, 4) == "123.45"
    assert bodies.format_amount(1_000_000, 2) == "10000"
    for bad in ("1.234", "-1", "1.", "", "1e3"):
        with pytest.raises(FormatError):
            bodies.parse_amount(bad, 2)
    with pytest.raises(FormatError, match="overflows"):
        bodies.parse_amount(str(1 << 128), 0)


# --- proof status: suspension, reinstatement, reason codes, issuer-wide revocation ----------

PROOF = "c1" * 32


def test_proof_changes_encode_by_variant_index():
    """``ProofChange``: 0 Revoke, 1 Supersede, 2 Suspend {reason}, 3 Reinstate (no fields)."""
    code = b"\x13\x00\x00\x00under_investigation"
    assert borsh(PROOF_CHANGE, {"change": "suspend", "reason": "under_investigation"}) == b"\x02" + code
    assert borsh(PROOF_CHANGE, {"change": "reinstate"}) == b"\x03"
    suspend = borsh(TX_BODY, bodies.suspend_proof(PROOF, "under_investigation", member=4))
    assert suspend == b"\x04" + bytes.fromhex(PROOF) + b"\x01\x04\x00\x00\x00" + b"\x02" + code
    assert borsh(TX_BODY, bodies.reinstate_proof(PROOF)) == b"\x04" + bytes.fromhex(PROOF) + b"\x00" + b"\x03"
    with pytest.raises(Malformed, match="variant index 4"):
        from_borsh(PROOF_CHANGE, b"\x04")


def test_revoke_issuer_is_variant_25():
    body = bodies.revoke_issuer(ACCOUNT, 1234, "key_compromise")
    assert body == {"type": "revoke_issuer", "issuer": ACCOUNT, "from_height": 1234, "reason": "key_compromise"}
    assert borsh(TX_BODY, body).hex() == "19" + ACCOUNT + "d204000000000000" + "0e000000" + b"key_compromise".hex()
    assert from_borsh(TX_BODY, borsh(TX_BODY, body)) == body


def test_the_suspended_status_decodes_with_its_fields():
    """``ProofStatus`` variant 3: ``Suspended { reason, tx_id, height, time_ms }``."""
    data = b"\x03" + b"\x10\x00\x00\x00certificate_hold" + b"\xaa" * 32 + (7).to_bytes(8, "little") + (9000).to_bytes(8, "little")
    status = {"state": "suspended", "reason": "certificate_hold", "tx_id": "aa" * 32, "height": 7, "time_ms": 9000}
    assert from_borsh(PROOF_STATUS, data) == status
    assert borsh(MEMBER_ENTRY, {"status": status}) == data
    with pytest.raises(Malformed, match="variant index 4"):
        from_borsh(PROOF_STATUS, b"\x04")


def test_reason_codes_have_a_shape():
    assert all(valid_reason_code(c) for c in DEFAULT_REASON_CODES)
    for good in ("a", "a_1", "x" * 32, "degree_withdrawn"):
        assert valid_reason_code(good), good
    for bad in ("", "A", "1a", "_a", "a-b", "a b", "issued in error", "x" * 33, "é", "a\n", "Key_compromise", None):
        assert not valid_reason_code(bad), bad


def test_revoke_suspend_and_revoke_issuer_refuse_free_text():
    """§7: the ``reason`` of Revoke, Suspend and RevokeIssuer is a reason code; Supersede and
    Reinstate carry none. (Other reasons, e.g. a hold decision's, stay free text.)"""
    for build in (
        lambda r: bodies.revoke_proof(PROOF, r),
        lambda r: bodies.suspend_proof(PROOF, r, member=0),
        lambda r: bodies.revoke_issuer(ACCOUNT, 1, r),
    ):
        assert build("issued_in_error")
        for bad in ("issued in error", "", "x" * 33):
            with pytest.raises(InvalidContent, match="not a reason code"):
                build(bad)
    assert bodies.supersede_proof(PROOF, "d2" * 32)["change"] == {"change": "supersede", "by": "d2" * 32}
    assert bodies.reinstate_proof(PROOF, member=2)["member"] == 2
    assert bodies.decide_hold(1, True, "documents checked, see file 42")["reason"]


def test_set_reason_codes_checks_the_list():
    action = bodies.set_reason_codes(["key_compromise", "degree_withdrawn"])
    assert borsh(GOV_ACTION, action).hex() == "0d" + "02000000" + "0e000000" + b"key_compromise".hex() + "10000000" + b"degree_withdrawn".hex()
    assert bodies.propose(action, 5000)["action"] == action
    with pytest.raises(InvalidContent, match="1..=32 codes"):
        bodies.set_reason_codes([])
    with pytest.raises(InvalidContent, match="1..=32 codes"):
        bodies.set_reason_codes([f"code_{i}" for i in range(REASON_CODES_MAX + 1)])
    assert bodies.set_reason_codes([f"code_{i}" for i in range(REASON_CODES_MAX)])
    with pytest.raises(InvalidContent, match="unique"):
        bodies.set_reason_codes(["fraud", "fraud"])
    with pytest.raises(InvalidContent, match="'Fraud' is not a reason code"):
        bodies.set_reason_codes(["fraud", "Fraud"])


def test_batch_members_and_holders_have_their_limits():
    """``store_batch_members``: 1..=200 members; ``add_holders``: 1..=16 holders, none twice."""
    member = {"digest": "aa" * 32, "holder": None}
    body = {"type": "store_batch_members", "proof": PROOF, "first": 0, "members": [member]}
    assert borsh(TX_BODY, check_body(body)).hex() == "1a" + PROOF + "00000000" + "01000000" + "aa" * 32 + "00"
    assert check_body(dict(body, members=[member] * 200))
    for members in ([], [member] * 201):
        with pytest.raises(InvalidContent, match="1..=200 members"):
            check_body(dict(body, members=members))
    holders = {"type": "add_holders", "proof": PROOF, "member": 2, "holders": [ACCOUNT]}
    assert borsh(TX_BODY, check_body(holders)).hex() == "1b" + PROOF + "0102000000" + "01000000" + ACCOUNT
    with pytest.raises(InvalidContent, match="named twice"):
        check_body(dict(holders, holders=[ACCOUNT, ACCOUNT.upper()]))
    for many in ([], [f"{i:064x}" for i in range(17)]):
        with pytest.raises(InvalidContent, match="1..=16 holders"):
            check_body(dict(holders, holders=many))


# --- contracts and e-invoices (§6.3 variants 30–35, §6.4.9 actions 16–19, §11.9, §11.10) ---

CODE = bytes.fromhex("0061736d01000000")
DIGEST = "67" * 32
CONTRACT = "e7" * 32
INVOICE = "72" * 32


def test_contract_and_invoice_bodies_encode_by_variant_index():
    """Fields in declaration order; ``input`` and ``code`` are ``Vec<u8>`` (u32 length ‖ bytes,
    hex in JSON), ``fuel`` a u64, ``vat_basis_points`` a u32."""
    inst = bodies.instantiate_contract(DIGEST, b"\x01\x02\xff", fuel=5_000_000)
    assert inst == {"type": "instantiate_contract", "code_digest": DIGEST, "input": "0102ff", "fuel": 5_000_000}
    assert borsh(TX_BODY, inst).hex() == "1e" + DIGEST + "03000000" + "0102ff" + "404b4c0000000000"
    call = bodies.call_contract(CONTRACT, "release", fuel=1_000_000)
    assert call["input"] == "" and bodies.call_contract(CONTRACT, "release", "AB")["input"] == "ab"
    assert borsh(TX_BODY, call).hex() == "1f" + CONTRACT + "07000000" + b"release".hex() + "00000000" + "40420f0000000000"
    terms = bodies.set_invoicing(CONTRACT, "EUR", 2100)
    assert borsh(TX_BODY, terms).hex() == "20" + CONTRACT + "03000000455552" + "34080000"
    assert borsh(TX_BODY, bodies.issue_invoice("aa" * 32, "bb" * 32)).hex() == "21" + "aa" * 32 + "bb" * 32
    assert borsh(TX_BODY, bodies.reimburse_invoice(INVOICE)).hex() == "22" + INVOICE
    assert borsh(TX_BODY, bodies.clear_invoice_tax(INVOICE)).hex() == "23" + INVOICE
    for body in (inst, call, terms, bodies.issue_invoice("aa" * 32, "bb" * 32), bodies.reimburse_invoice(INVOICE)):
        assert from_borsh(TX_BODY, borsh(TX_BODY, body)) == body
    # The default fuel is the CLI's.
    assert bodies.instantiate_contract(DIGEST)["fuel"] == tx_module.CONTRACT_DEFAULT_FUEL == 5_000_000


def test_contract_governance_actions_encode_by_variant_index():
    reg = bodies.register_code("escrow", CODE, "c9" * 32)
    assert reg == {"action": "register_code", "name": "escrow", "code": CODE.hex(), "review_digest": "c9" * 32}
    assert borsh(GOV_ACTION, reg).hex() == "10" + "06000000" + b"escrow".hex() + "08000000" + CODE.hex() + "c9" * 32
    assert bodies.register_code("escrow", CODE.hex().upper(), "c9" * 32) == reg
    assert borsh(GOV_ACTION, bodies.set_contract_paused(CONTRACT, True)).hex() == "11" + CONTRACT + "01"
    assert borsh(GOV_ACTION, bodies.upgrade_contract(CONTRACT, DIGEST)).hex() == "12" + CONTRACT + DIGEST
    assert borsh(GOV_ACTION, bodies.set_code_advisory(DIGEST, "64" * 32)).hex() == "13" + DIGEST + "01" + "64" * 32
    lift = bodies.set_code_advisory(DIGEST, None)
    assert lift["advisory"] is None and borsh(GOV_ACTION, lift).hex() == "13" + DIGEST + "00"
    grant = bodies.grant_role(CONTRACT, "tax_authority")
    assert borsh(GOV_ACTION, grant).hex() == "04" + CONTRACT + "08"
    assert bodies.revoke_role(CONTRACT, "tax_authority")["role"] == "tax_authority"
    assert borsh(TX_BODY, bodies.propose(reg, 5000))[:2] == bytes([17, 16])
    with pytest.raises(FormatError, match="expected one of"):
        bodies.grant_role(CONTRACT, "tax-authority")
    with pytest.raises(Malformed, match="variant index 9"):
        from_borsh(ROLE, b"\x09")
    with pytest.raises(Malformed, match="variant index 21"):
        from_borsh(GOV_ACTION, b"\x15")


def test_contract_calls_refuse_hostile_shapes():
    """§7: ``input`` ≤ 8192 bytes, ``fuel`` > 0 (a u64), a call's ``function`` is a contract
    name: 1..=64 bytes of [a-z0-9_-], starting with a letter."""
    limit = tx_module.CONTRACT_INPUT_BYTES_MAX
    assert limit == 8192
    assert bodies.instantiate_contract(DIGEST, b"\x00" * limit)
    assert bodies.call_contract(CONTRACT, "x" * 64, b"\x00" * limit, fuel=1)
    for build in (lambda i, f: bodies.instantiate_contract(DIGEST, i, f), lambda i, f: bodies.call_contract(CONTRACT, "run", i, f)):
        with pytest.raises(InvalidContent, match="input is at most 8192 bytes"):
            build(b"\x00" * (limit + 1), 1)
        with pytest.raises(InvalidContent, match="positive fuel"):
            build(b"", 0)
        with pytest.raises(FormatError, match="out of range for u64"):
            build(b"", 1 << 64)
        for bad_fuel in (-1, 1.5, "5", True, None):
            with pytest.raises(FormatError, match="u64"):
                build(b"", bad_fuel)
        for bad_input in ("0", "zz", "01 02", 7, None):
            with pytest.raises(FormatError):
                build(bad_input, 1)
    for bad in ("", "Release", "1run", "_run", "-run", "run now", "run\n", "rün", "run.x", "x" * 65, "run\x00"):
        with pytest.raises(InvalidContent, match="function name .* must be 1..=64 bytes"):
            bodies.call_contract(CONTRACT, bad)
    for good in ("a", "run", "run_2", "run-2", "x" * 64):
        assert tx_module.valid_contract_name(good), good
    assert not tx_module.valid_contract_name(None)
    with pytest.raises(FormatError, match="expected a string"):
        bodies.call_contract(CONTRACT, None)
    with pytest.raises(FormatError, match="expected 32 bytes"):
        bodies.instantiate_contract("ab", b"")
    with pytest.raises(FormatError, match="unknown field"):
        check_body({"type": "call_contract", "contract": CONTRACT, "function": "run", "input": "", "fuel": 1, "value": "5"})


def test_invoicing_refuses_hostile_shapes():
    """§7: ``set_invoicing``: a valid token symbol and at most 10000 basis points (100 %);
    the invoice bodies have no rule beyond their encoding."""
    assert bodies.set_invoicing(CONTRACT, "EUR", 0)["vat_basis_points"] == 0
    assert bodies.set_invoicing(CONTRACT, "EUR", 10_000)["vat_basis_points"] == tx_module.VAT_BASIS_POINTS_MAX
    with pytest.raises(InvalidContent, match="at most 10000 basis points"):
        bodies.set_invoicing(CONTRACT, "EUR", 10_001)
    with pytest.raises(FormatError, match="out of range for u32"):
        bodies.set_invoicing(CONTRACT, "EUR", 1 << 32)
    for bad in ("eur", "", "E-UR", "EURO" * 4):
        with pytest.raises(InvalidContent, match="token symbol"):
            bodies.set_invoicing(CONTRACT, bad, 2100)
    with pytest.raises(FormatError, match="tax_authority"):
        bodies.set_invoicing("not hex", "EUR", 2100)
    with pytest.raises(FormatError, match="payment"):
        bodies.issue_invoice("aa" * 31, "bb" * 32)
    with pytest.raises(FormatError, match="invoice: missing field"):
        check_body({"type": "reimburse_invoice"})


def test_register_code_refuses_hostile_shapes():
    """§7: ``register_code``: the name is a contract name; the code is 1..=12288 bytes."""
    limit = tx_module.CONTRACT_CODE_BYTES_MAX
    assert limit == 12288
    assert bodies.register_code("e" * 64, b"\x00" * limit, "c9" * 32)
    with pytest.raises(InvalidContent, match="contract code must be 1..=12288 bytes"):
        bodies.register_code("escrow", b"", "c9" * 32)
    with pytest.raises(InvalidContent, match="contract code must be 1..=12288 bytes"):
        bodies.register_code("escrow", b"\x00" * (limit + 1), "c9" * 32)
    for bad in ("", "Escrow", "9lives", "escrow v2", "e" * 65, "escröw"):
        with pytest.raises(InvalidContent, match="contract name .* must be 1..=64 bytes"):
            bodies.register_code(bad, CODE, "c9" * 32)
    with pytest.raises(FormatError, match="code"):
        bodies.register_code("escrow", 42, "c9" * 32)
    # Checked when proposed as a body too, not only by the builder.
    bad_action = {"action": "register_code", "name": "escrow", "code": "", "review_digest": "c9" * 32}
    with pytest.raises(InvalidContent, match="contract code"):
        check_body({"type": "propose", "action": bad_action, "deadline_height": 10})


def test_a_hostile_transaction_on_the_wire_is_refused_by_its_shape(example):
    """Bytes built without the builders (another client, an attacker) are refused by
    ``Transaction.from_wire``'s shape checks, with the same errors."""
    key, u = example

    def wire_of(body: dict) -> bytes:
        raw = UnsignedTx(u.chain_id, u.sender, 1, 100, body)  # no check: as a hostile encoder
        return Transaction(raw, [raw.sign(key)]).wire()

    call = {"type": "call_contract", "contract": CONTRACT, "function": "run", "input": "", "fuel": 1}
    assert Transaction.from_wire(wire_of(call)).unsigned.body == call
    with pytest.raises(InvalidContent, match="function name"):
        Transaction.from_wire(wire_of(dict(call, function="Run")))
    with pytest.raises(InvalidContent, match="positive fuel"):
        Transaction.from_wire(wire_of(dict(call, fuel=0)))
    with pytest.raises(InvalidContent, match="at most 8192 bytes"):
        Transaction.from_wire(wire_of(dict(call, input="00" * 8193)))
    with pytest.raises(InvalidContent, match="basis points"):
        Transaction.from_wire(wire_of({"type": "set_invoicing", "tax_authority": CONTRACT, "token": "EUR", "vat_basis_points": 20_000}))
    reg = {"action": "register_code", "name": "escrow", "code": "", "review_digest": "c9" * 32}
    with pytest.raises(InvalidContent, match="contract code"):
        Transaction.from_wire(wire_of({"type": "propose", "action": reg, "deadline_height": 10}))
    # An input length past the end of the input is malformed, not read.
    wire = wire_of(call)
    at = wire.index(b"\x03\x00\x00\x00run") + 7
    assert wire[at : at + 4] == b"\x00\x00\x00\x00"
    with pytest.raises(Malformed, match="end of input"):
        Transaction.from_wire(wire[:at] + b"\xff\xff\xff\x7f" + wire[at + 4 :])


def test_contract_and_invoice_ids():
    """§11.9 and §11.10, recomputed from the spec's formula (independent of the vectors)."""
    # §3: the tags' bytes as the spec's table lists them.
    assert Domain.CONTRACT_ID.hex() == "56454c4c554d3a434f4e54524143542d49443a"
    assert Domain.CONTRACT_EVENT.hex() == "56454c4c554d3a434f4e54524143542d4556454e543a"
    assert Domain.INVOICE_ID.hex() == "56454c4c554d3a494e564f4943452d49443a"
    creator = ACCOUNT
    expect = sha256(b"VELLUM:CONTRACT-ID:\x01" + bytes.fromhex(DIGEST) + bytes.fromhex(creator) + (7).to_bytes(8, "little")).hex()
    assert contract_account_id(DIGEST, creator, 7) == expect
    assert contract_account_id(bytes.fromhex(DIGEST), bytes.fromhex(creator), 7) == expect
    assert contract_account_id(DIGEST.upper(), creator, 7) == expect
    assert contract_account_id(DIGEST, creator, 8) != expect
    kyc = sha256(b"VELLUM:CONTRACT-ID:\x01" + bytes.fromhex(DIGEST)).hex()
    assert contract_kyc_commitment(DIGEST) == kyc
    payment = "6b" * 32
    assert invoice_id(payment) == sha256(b"VELLUM:INVOICE-ID:\x01" + bytes.fromhex(payment)).hex() == invoice_id(bytes.fromhex(payment))
    assert code_digest(CODE) == sha256(CODE).hex()
    # The transaction that instantiates knows its contract's id before it is submitted.
    u = UnsignedTx("vellum-devnet", creator, 7, 100, bodies.instantiate_contract(DIGEST))
    assert u.contract_id() == expect
    with pytest.raises(FormatError, match="only an instantiate_contract"):
        UnsignedTx("vellum-devnet", creator, 7, 100, bodies.vote(1)).contract_id()
    with pytest.raises(FormatError, match="out of range for u64"):
        contract_account_id(DIGEST, creator, 1 << 64)
    with pytest.raises(FormatError, match="32 bytes"):
        contract_account_id(DIGEST, b"\x00" * 31, 0)
    with pytest.raises(FormatError, match="expected 32 bytes"):
        invoice_id("ab")


def test_invoice_vat_rounds_down():
    """``amount × bp / (10000 + bp)``, rounded down, exact for any u128 (no overflow)."""
    assert invoice_vat(12_100, 2100) == 2100
    assert invoice_vat(100, 2100) == 17  # 17.35…
    assert invoice_vat(5, 0) == 0 and invoice_vat(0, 2100) == 0
    assert invoice_vat(20_000, 10_000) == 10_000
    big = (1 << 128) - 1
    assert invoice_vat(big, 10_000) == big // 2
    for amount, bp in ((-1, 10), (1 << 128, 10), (10, 10_001), (10, -1), (True, 10)):
        with pytest.raises(FormatError):
            invoice_vat(amount, bp)


# --- KYC records, sanctions and monitoring on both sides (§6.4.8, §6.4.11, §7, §11.4) -------

SCREENING = "e9" * 32
OTHER = "5f" * 32


def test_kyc_terms_encode_and_ride_at_the_end_of_open_account():
    """``KycTerms``: u8 tier ‖ u64 expiry ‖ Option<[u8;32]> (10 bytes, or 42 with a screening
    commitment); ``OpenAccount.kyc`` is its last field; ``SetKyc`` is variant 36."""
    from vellum_sdk.types import KYC_TERMS

    terms = bodies.kyc_terms(2, 1_798_761_600_000, SCREENING)
    assert terms == {"tier": 2, "expires_ms": 1_798_761_600_000, "screening": SCREENING}
    assert borsh(KYC_TERMS, terms).hex() == "02" + (1_798_761_600_000).to_bytes(8, "little").hex() + "01" + SCREENING
    assert len(borsh(KYC_TERMS, bodies.kyc_terms(1))) == 10 and len(borsh(KYC_TERMS, terms)) == 42
    assert bodies.kyc_terms(3, screening=bytes.fromhex(SCREENING))["screening"] == SCREENING
    key = SecretKey("ed25519", bytes.fromhex(RFC8032_SEED))
    plain = bodies.open_account(key, "ab" * 32, "l")
    with_kyc = bodies.open_account(key, "ab" * 32, "l", kyc=terms)
    assert plain["kyc"] is None and with_kyc["kyc"] == terms
    assert borsh(TX_BODY, plain)[-1] == 0
    assert borsh(TX_BODY, with_kyc) == borsh(TX_BODY, plain)[:-1] + b"\x01" + borsh(KYC_TERMS, terms)
    set_kyc = bodies.set_kyc(CONTRACT, bodies.kyc_terms(1))
    assert set_kyc == {"type": "set_kyc", "account": CONTRACT, "terms": {"tier": 1, "expires_ms": 0, "screening": None}}
    assert borsh(TX_BODY, set_kyc).hex() == "24" + CONTRACT + "01" + "00" * 8 + "00"
    assert from_borsh(TX_BODY, borsh(TX_BODY, with_kyc)) == with_kyc


def test_kyc_terms_shape_rules():
    """Tier 1..=7; terms on an opening need its KYC commitment (checked first)."""
    key = SecretKey("ed25519", bytes.fromhex(RFC8032_SEED))
    for tier in (0, 8, 255):
        with pytest.raises(InvalidContent, match=r"KYC tier must be 1\.\.8 \(0 is an account without a KYC record\)"):
            bodies.kyc_terms(tier)
        bad = {"tier": tier, "expires_ms": 0, "screening": None}
        with pytest.raises(InvalidContent, match="KYC tier"):
            check_body({"type": "set_kyc", "account": CONTRACT, "terms": bad})
        with pytest.raises(InvalidContent, match="KYC tier"):
            bodies.open_account(key, "ab" * 32, kyc=bad)
        # Without a commitment, that is the first complaint (Rust's match order).
        with pytest.raises(InvalidContent, match="KYC terms need the identity's KYC commitment"):
            bodies.open_account(key, None, kyc=bad)
    with pytest.raises(InvalidContent, match="KYC terms need the identity's KYC commitment"):
        bodies.open_account(key, None, kyc=bodies.kyc_terms(7))
    # A label or sub-ledger problem comes before the KYC terms.
    with pytest.raises(InvalidContent, match="label"):
        bodies.open_account(key, None, "x" * 65, kyc=bodies.kyc_terms(1))
    assert bodies.open_account(key, None)["kyc"] is None
    assert bodies.kyc_terms(7, (1 << 64) - 1)["expires_ms"] == (1 << 64) - 1


def test_screening_commitment_is_salt_then_the_identity_with_its_length():
    """§11.4: ``H("VELLUM:SCREENING:" ‖ 0x01 ‖ salt (32) ‖ u32 LE len ‖ identity)``."""
    from vellum_sdk import screening_commitment

    salt, identity = bytes(range(32)), b"Jane Doe|1990-01-01|FR"
    expect = sha256(b"VELLUM:SCREENING:\x01" + salt + len(identity).to_bytes(4, "little") + identity).hex()
    assert screening_commitment(salt, identity) == screening_commitment(salt.hex(), identity) == expect
    assert Domain.SCREENING == b"VELLUM:SCREENING:" and Domain.SCREENING.hex() == "56454c4c554d3a53435245454e494e473a"
    with pytest.raises(FormatError, match="32 bytes"):
        screening_commitment(salt[:16], identity)


def test_update_sanctions_is_action_20_and_shape_checked():
    action = bodies.update_sanctions(add=[SCREENING], remove=[bytes.fromhex(OTHER)])
    assert action == {"action": "update_sanctions", "add": [SCREENING], "remove": [OTHER]}
    assert borsh(GOV_ACTION, action).hex() == "14" + "01000000" + SCREENING + "01000000" + OTHER
    assert bodies.update_sanctions(remove=[OTHER])["add"] == []
    with pytest.raises(InvalidContent, match="adds or removes at least one commitment"):
        bodies.update_sanctions()
    with pytest.raises(InvalidContent, match="at most 256 commitments each"):
        bodies.update_sanctions(add=[f"{i:064x}" for i in range(257)])
    assert len(bodies.update_sanctions(add=[f"{i:064x}" for i in range(256)], remove=[f"{i + 256:064x}" for i in range(256)])["add"]) == 256
    with pytest.raises(InvalidContent, match="appears twice"):
        bodies.update_sanctions(add=[SCREENING], remove=[SCREENING.upper()])
    with pytest.raises(InvalidContent, match="appears twice"):
        bodies.update_sanctions(add=[SCREENING, OTHER, SCREENING])
    with pytest.raises(InvalidContent, match="appears twice"):
        check_gov_action({"action": "update_sanctions", "add": [], "remove": [OTHER, OTHER.upper()]})
    body = bodies.propose(action, 5000)
    assert borsh(TX_BODY, body)[:2] == bytes([17, 20])


def _rules(**over) -> dict:
    base = {
        "large_amount": "0",
        "window_ms": 1_000,
        "window_amount_max": "0",
        "window_count_max": 0,
        "structuring_floor_bps": 0,
        "structuring_count": 0,
        "hold_timeout_ms": 1,
        "inflow_amount_max": "0",
        "inflow_count_max": 0,
        "distinct_senders_max": 0,
        "tier_limits": [],
        "version": 0,
    }
    return base | over


def _tier(tier: int, leg: str = "1", window: str = "0") -> dict:
    return {"tier": tier, "leg_amount_max": leg, "window_amount_max": window}


def test_monitoring_rules_encode_the_new_fields_before_the_version():
    from vellum_sdk.types import MONITORING_RULES

    rules = bodies.monitoring_rules(
        hold_timeout_ms=3_600_000,
        window_ms=86_400_000,
        inflow_amount_max=8_000_000,
        inflow_count_max=40,
        distinct_senders_max=10,
        tier_limits=[bodies.tier_limit(0, 10_000, 50_000), bodies.tier_limit(2, 2_000_000)],
    )
    assert rules["tier_limits"] == [_tier(0, "10000", "50000"), _tier(2, "2000000", "0")]
    raw = borsh(MONITORING_RULES, rules)
    u128 = lambda n: n.to_bytes(16, "little")
    tail = u128(8_000_000) + (40).to_bytes(4, "little") + (10).to_bytes(4, "little") + (2).to_bytes(4, "little")
    tail += b"\x00" + u128(10_000) + u128(50_000) + b"\x02" + u128(2_000_000) + u128(0) + b"\x00" * 8
    assert raw.endswith(tail)
    assert from_borsh(MONITORING_RULES, raw) == rules
    action = bodies.set_monitoring("EUR", rules)
    assert action["action"] == "set_monitoring" and borsh(GOV_ACTION, action)[0] == 1


def test_monitoring_rules_shape_rules_in_rust_order():
    """``MonitoringRules::check``: inflow rules and tier windows are window rules too;
    ``distinct_senders_max`` ≤ 63; ≤ 8 tier limits, strictly ascending, each tier ≤ 7."""
    monitor = lambda rules: check_body({"type": "set_monitoring", "token": "EUR", "rules": rules})
    assert monitor(_rules(distinct_senders_max=3))
    assert monitor(_rules(tier_limits=[_tier(0), _tier(3)]))
    # A tier's leg limit alone needs no window.
    assert monitor(_rules(window_ms=0, tier_limits=[_tier(1, "5", "0")]))
    for over in (
        {"inflow_amount_max": "1"},
        {"inflow_count_max": 1},
        {"distinct_senders_max": 1},
        {"tier_limits": [_tier(1, "0", "7")]},
    ):
        with pytest.raises(InvalidContent, match="window rules need window_ms > 0"):
            monitor(_rules(window_ms=0, **over))
        with pytest.raises(InvalidContent, match="window rules need window_ms > 0"):
            bodies.action("set_monitoring", token="EUR", rules=_rules(window_ms=0, **over))
    assert monitor(_rules(distinct_senders_max=63))
    with pytest.raises(InvalidContent, match="distinct_senders_max at most 63"):
        monitor(_rules(distinct_senders_max=64))
    with pytest.raises(InvalidContent, match="at most 8 tier limits"):
        monitor(_rules(tier_limits=[_tier(t) for t in range(9)]))
    assert monitor(_rules(tier_limits=[_tier(t) for t in range(8)]))
    for tiers in ([1, 1], [3, 2], [0, 5, 4]):
        with pytest.raises(InvalidContent, match="tier_limits must be ascending by tier, one per tier"):
            monitor(_rules(tier_limits=[_tier(t) for t in tiers]))
    with pytest.raises(InvalidContent, match=r"tiers are 0\.\.8"):
        monitor(_rules(tier_limits=[_tier(8)]))
    # Rust's order: the window before the distinct senders, the count before the order.
    with pytest.raises(InvalidContent, match="window_ms"):
        monitor(_rules(window_ms=0, distinct_senders_max=64))
    with pytest.raises(InvalidContent, match="at most 8 tier limits"):
        monitor(_rules(distinct_senders_max=5, tier_limits=[_tier(9)] * 9))
    with pytest.raises(InvalidContent, match="distinct_senders_max"):
        bodies.monitoring_rules(hold_timeout_ms=1, window_ms=1, distinct_senders_max=64)


# --- reads of account data audited, key lifecycle (AuditReads 37, SetKeyExpiry 38) -----------

P256_KEY = "p256:02" + "bc" * 32


def _read(**over) -> dict:
    base = {"owner": ACCOUNT, "action": "history", "item": None, "reader": CONTRACT, "allowed": False, "time_ms": 1_767_225_600_002}
    return base | over


def test_audit_reads_encode_read_records_in_rust_order():
    """``ReadRecord``: owner ‖ action ‖ Option<TxId> item ‖ Option<AccountId> reader ‖ bool ‖
    u64 time; ``AuditReads`` is variant 37 and its JSON refuses unknown fields."""
    from vellum_sdk.types import READ_RECORD

    item = "57" * 32
    record = _read(item=item, allowed=True)
    expect = ACCOUNT + "07000000" + b"history".hex() + "01" + item + "01" + CONTRACT + "01" + (1_767_225_600_002).to_bytes(8, "little").hex()
    assert borsh(READ_RECORD, record).hex() == expect
    assert from_borsh(READ_RECORD, borsh(READ_RECORD, record)) == record
    anonymous = _read(reader=None)
    assert borsh(READ_RECORD, anonymous).hex() == ACCOUNT + "07000000" + b"history".hex() + "00" + "00" + "00" + (1_767_225_600_002).to_bytes(8, "little").hex()
    body = check_body({"type": "audit_reads", "entries": [record, anonymous]})
    assert borsh(TX_BODY, body)[:5] == bytes([37, 2, 0, 0, 0])
    assert from_borsh(TX_BODY, borsh(TX_BODY, body)) == body
    with pytest.raises(FormatError, match="unknown field"):
        check_body({"type": "audit_reads", "entries": [record | {"proof": item}]})
    with pytest.raises(FormatError):
        check_body({"type": "audit_reads", "entries": [_read(allowed="yes")]})
    # A missing optional field is null, as serde reads it.
    short = {k: v for k, v in anonymous.items() if k not in ("item", "reader")}
    assert check_body({"type": "audit_reads", "entries": [short]})["entries"] == [anonymous]


def test_audit_reads_shape_rule():
    """1..=256 records, each action 1..=16 bytes (an empty action too is refused, unlike
    ``audit_batch``), with Rust's words."""
    message = r"an audit batch holds 1\.\.=256 records with actions of 1\.\.=16 bytes"
    assert check_body({"type": "audit_reads", "entries": [_read(action="a" * 16)] * 256})
    for entries in ([], [_read()] * 257, [_read(action="")], [_read(), _read(action="a" * 17)], [_read(action="é" * 9)]):
        with pytest.raises(InvalidContent, match=message):
            check_body({"type": "audit_reads", "entries": entries})
    # audit_batch keeps its own words (and takes an empty action).
    assert check_body({"type": "audit_batch", "entries": [{"proof": CONTRACT, "reader": None, "action": "", "allowed": True, "time_ms": 0}]})


def test_set_key_expiry_is_variant_38_key_then_u64():
    key = SecretKey("ed25519", bytes.fromhex(RFC8032_SEED))
    body = bodies.set_key_expiry(key, 1_798_761_600_000)
    assert body == {"type": "set_key_expiry", "key": str(key.public_key), "expires_ms": 1_798_761_600_000}
    assert borsh(TX_BODY, body).hex() == "26" + "00" + key.public_key.key.hex() + (1_798_761_600_000).to_bytes(8, "little").hex()
    lifted = bodies.set_key_expiry(P256_KEY.upper().replace("P256", "p256"), 0)
    assert lifted == {"type": "set_key_expiry", "key": P256_KEY, "expires_ms": 0}
    assert borsh(TX_BODY, lifted).hex() == "26" + "02" + "02" + "bc" * 32 + "00" * 8
    assert bodies.set_key_expiry(key.public_key, (1 << 64) - 1)["expires_ms"] == (1 << 64) - 1
    for bad in ((key, -1), (key, 1 << 64), ("ed25519:abcd", 5), ("rsa:" + "00" * 32, 5)):
        with pytest.raises(FormatError):
            bodies.set_key_expiry(*bad)
    with pytest.raises(FormatError, match="unknown field"):
        check_body(body | {"account": ACCOUNT})
    assert from_borsh(TX_BODY, borsh(TX_BODY, body)) == body


# --- stored originals deleted through the ledger (DeleteOriginal 39) ------------------------


def test_delete_original_is_variant_39_proof_then_u32():
    body = bodies.delete_original(PROOF.upper(), 3)
    assert body == {"type": "delete_original", "proof": PROOF, "member": 3}
    assert borsh(TX_BODY, body).hex() == "27" + PROOF + "03000000"
    assert from_borsh(TX_BODY, borsh(TX_BODY, body)) == body
    assert bodies.delete_original(PROOF) == {"type": "delete_original", "proof": PROOF, "member": 0}
    assert borsh(TX_BODY, bodies.delete_original(PROOF, (1 << 32) - 1)).hex() == "27" + PROOF + "ffffffff"
    for bad in ((PROOF, -1), (PROOF, 1 << 32), (PROOF[:-2], 0), ("zz" * 32, 0)):
        with pytest.raises(FormatError):
            bodies.delete_original(*bad)
    with pytest.raises(FormatError, match="unknown field"):
        check_body(body | {"holders": []})
    with pytest.raises(FormatError):
        check_body({"type": "delete_original", "proof": PROOF})
    with pytest.raises(Malformed, match="variant index 40"):
        from_borsh(TX_BODY, b"\x28")
    with pytest.raises(Malformed):
        from_borsh(TX_BODY, bytes.fromhex("27" + PROOF + "030000"))

"""Offline verification against the real files of docs/examples (a version-1 batch bundle, a
version-2 bundle after two validator-set changes, a payment receipt), their intermediate values
as docs/evidence-format.md §5 prints them, and tampered copies failing at the named step."""

from __future__ import annotations

import copy

import pytest

from conftest import EXAMPLES
from vellum_sdk.errors import VerifyError
from vellum_sdk.verify import (
    FILE_BYTES_MAX,
    decode_bundle,
    decode_receipt,
    encode_bundle,
    encode_receipt,
    fill_member,
    open_document,
    verify_bundle,
    verify_file,
    verify_receipt,
)


def _read(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()


def _pin(name: str) -> str:
    return (EXAMPLES / name).read_text().strip()


DIPLOMA = _read("diploma.vellum")
DIPLOMA_PIN = _pin("genesis-hash.txt")


def _fails_at(step: int, data, document: bytes | None = None, pin: str = DIPLOMA_PIN) -> VerifyError:
    with pytest.raises(VerifyError) as e:
        verify_bundle(data, document, pin)
    assert e.value.step == step, str(e.value)
    return e.value


def test_the_spec_example_and_its_intermediate_values():
    v = verify_bundle(DIPLOMA, _read("diploma.pdf"), DIPLOMA_PIN)
    assert (v.document, v.live, v.member_index, v.signers, v.validators) == ("matched", True, 0, 3, 4)
    assert v.chain_id == "vellum-devnet" and v.record["registered"]["count"] == 2
    trace = dict(v.trace)
    assert trace["genesis_hash"] == DIPLOMA_PIN
    assert trace["validator_set_hash"] == "27bd5e35e853f48524bc1dbf4eee57b1cf0b97d560efee3a4b9c014bc29f59ff"
    assert trace["header_hash"] == "7d5f4447be7edfc33f12fc12c62fd55445225e747d912a57a9d0faa4f4d83f4a"
    assert trace["finalize_message"] == "19" + "56454c4c554d5f434f4e53454e5355535f46494e414c495a45" + "00" + "05" + "04" + trace["header_hash"]
    assert trace["record_leaf_hash"] == "579c97de7fad20460ad5c3b3c4c75545a83cc290a11e2e1767e25a487025b890"
    assert trace["entry_key"] == "8117210b37d20af06c3db452b081b76fd67746e5d8c6f03238a6d6bc05f0483c"
    assert trace["entry_value_hash"] == "3ead4af3427ba01c40db812a547fd63952f1eb2c5df42779be0cb8f2eddab595"
    assert trace["member_leaf_hash"] == "149b81a20a333eb543e3856a93efe33b058ca0cf726da454ee414cb4737dd273"
    assert trace["member_key"] == "c280b15c0d790ce3ed64333d2dde95bbf1a4b2c66d4562ac9165ccdf871b9899"
    assert trace["registered_digest"] == "edfe216cd45f9a5f441996f39f4df764fa734b815d37093eab7f29802e15814c"
    assert encode_bundle(decode_bundle(DIPLOMA)) == DIPLOMA


def test_the_other_member_and_a_wrong_pin_fail():
    assert "not the registered one" in _fails_at(8, DIPLOMA, _read("other.pdf")).detail
    _fails_at(2, DIPLOMA, None, "00" * 32)
    # Without a pin the bundle verifies but says so.
    assert not verify_bundle(DIPLOMA).checkpoint_pinned


def test_decoding_failures_are_step_1():
    for data in (b"VELLUMXX\x01", DIPLOMA[:8] + b"\x03" + DIPLOMA[9:], DIPLOMA + b"\x00", DIPLOMA[:-1], b"", DIPLOMA + bytes(FILE_BYTES_MAX)):
        _fails_at(1, data)


@pytest.mark.parametrize(
    "step, tamper",
    [
        (3, lambda b: b["header"].update(validator_set_hash="00" * 32)),
        (4, lambda b: (b["certificate"]["signers"].pop(), b["certificate"]["signatures"].pop())),
        (4, lambda b: b["certificate"]["signatures"].__setitem__(0, "00" * 64)),
        (4, lambda b: b["certificate"].update(parent_view=b["certificate"]["parent_view"] + 1)),
        (5, lambda b: b["record"].update(time_ms=b["record"]["time_ms"] + 1)),
        (5, lambda b: b["log_proof"].clear()),
        (6, lambda b: b["entry"].update(status={"state": "revoked", "reason": "x", "tx_id": "00" * 32, "height": 1, "time_ms": 1})),
        (6, lambda b: b["entry_proof"]["siblings"].pop()),
        (7, lambda b: b["member"].update(index=1)),
        (7, lambda b: b["member"].update(status={"status": {"state": "live"}})),
        (7, lambda b: b.update(member=None)),
        (8, lambda b: b["document"].update(salt=None)),
        (8, lambda b: b["document"].update(digest="00" * 32)),
    ],
)
def test_tampered_bundles_fail_at_the_named_step(step, tamper):
    b = decode_bundle(DIPLOMA)
    tamper(b)
    _fails_at(step, encode_bundle(b))


def test_unsorted_genesis_validators_fail_at_step_3_without_a_pin():
    """(With a pin, any change to the genesis commitment already fails step 2.)"""
    b = decode_bundle(DIPLOMA)
    b["genesis"]["validators"].reverse()
    with pytest.raises(VerifyError) as e:
        verify_bundle(encode_bundle(b))
    assert e.value.step == 3 and "sorted" in e.value.detail


def test_a_bundle_completed_from_the_manifest():
    """What a registrant does with the node's part of a bundle: fill the member path from the
    manifest (refused when the manifest does not hash to the registered root), open the
    document. (A full fill from a manifest runs in the end-to-end test.)"""
    full = decode_bundle(DIPLOMA)
    node_part = copy.deepcopy(full)
    node_part["member"].update(leaf="00" * 32, batch_proof=[])
    node_part["document"] = None
    _fails_at(7, node_part)
    member0 = bytes.fromhex(full["member"]["leaf"])
    with pytest.raises(ValueError, match="root"):
        fill_member(node_part, [member0, b"\xab" * 32])
    with pytest.raises(ValueError, match="lists 1 digests"):
        fill_member(node_part, [member0])
    doc = full["document"]
    open_document(node_part, bytes.fromhex(doc["digest"]), bytes.fromhex(doc["salt"]))
    node_part["member"] = full["member"]
    assert encode_bundle(node_part) == DIPLOMA


def test_a_version_2_bundle_follows_two_validator_set_changes():
    data = _read("contract-two-set-changes.vellum")
    pin = _pin("set-changes-genesis-hash.txt")
    assert data[8] == 2
    v = verify_bundle(data, _read("contract.txt"), pin)
    assert v.validator_set_changes == 2 and v.document == "matched"
    assert encode_bundle(decode_bundle(data)) == data
    b = decode_bundle(data)
    b["validator_chain"][1]["record"]["seq"] = 3
    _fails_at(3, encode_bundle(b), None, pin)
    b = decode_bundle(data)
    b["validator_chain"][0]["record"]["validators"].pop()
    _fails_at(3, encode_bundle(b), None, pin)
    b = decode_bundle(data)
    b["validator_chain"].pop()
    _fails_at(3, encode_bundle(b), None, pin)


def test_a_payment_receipt():
    data = _read("payment.vellumrc")
    pin = _pin("payment-genesis-hash.txt")
    v = verify_receipt(data, pin)
    assert v.record["outcome"]["outcome"] == "settled" and v.record["tx_id"] == v.tx.id()
    assert v.signers == ["ed25519:" + v.tx.signatures[0].public_key.hex()]
    assert v.tx.unsigned.kind == "transfer" and verify_file(data, None, pin).record == v.record
    r = decode_receipt(data)
    assert r["witnessed"] is None and encode_receipt(r) == data
    r["record"]["outcome"]["legs"][0]["credit_amount"] = "1"
    with pytest.raises(VerifyError) as e:
        verify_receipt(encode_receipt(r), pin)
    assert e.value.step == 5
    with pytest.raises(VerifyError) as e:
        verify_receipt(data, "11" * 32)
    assert e.value.step == 2

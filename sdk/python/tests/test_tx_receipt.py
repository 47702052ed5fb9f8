"""Transaction receipts (``VELLUMTR``, docs/evidence-format.md §5a; the Rust reference is
crates/evidence/src/tx_receipt.rs): the published invoice receipt (docs/examples), and receipts
made up by ``forge`` of a contract call whose transaction is followed by a payment record and
events (the kinds the published file does not carry), each check failing at the Rust
verifier's step, in its order; the witnessed section; ``verify_file`` and ``python -m
vellum_sdk verify``."""

from __future__ import annotations

import contextlib
import copy
import io
import json

import forge
import pytest
from conftest import EXAMPLES

from vellum_sdk import VerifiedTxReceipt, WitnessPolicy, bodies, verify_tx_receipt
from vellum_sdk.__main__ import main as cli_main
from vellum_sdk.checkpoint import Checkpoint
from vellum_sdk.encoding import Domain, borsh, canonical
from vellum_sdk.errors import VerifyError
from vellum_sdk.keys import SecretKey
from vellum_sdk.merkle import consistency_proof, inclusion_proof, leaf_hash, root
from vellum_sdk.tx import Transaction, UnsignedTx
from vellum_sdk.types import APPENDED, CONTRACT_EVENT, INVOICE_RECORD, PAYMENT_RECORD
from vellum_sdk.verify import (
    FILE_BYTES_MAX,
    TX_RECEIPT_LEAVES_MAX,
    TX_RECEIPT_MAGIC,
    appended_leaf_bytes,
    decode_tx_receipt,
    encode_tx_receipt,
    verify_file,
)
from vellum_sdk.witness import witnessed_section

INVOICE = (EXAMPLES / "invoice.vellumtr").read_bytes()
INVOICE_PIN = (EXAMPLES / "invoice-genesis-hash.txt").read_text().strip()


def fails_at(step: int, data, pin: str | None, **kwargs) -> VerifyError:
    with pytest.raises(VerifyError) as e:
        verify_tx_receipt(data, pin, **kwargs)
    assert e.value.step == step, str(e.value)
    return e.value


# --- the published file -----------------------------------------------------------------------


def test_the_invoice_receipt():
    v = verify_tx_receipt(INVOICE, INVOICE_PIN)
    assert isinstance(v, VerifiedTxReceipt) and v.checkpoint_pinned
    assert (v.tx_kind, v.tx_id, v.sender) == ("issue_invoice", v.tx.id(), v.tx.unsigned.sender)
    assert [a["kind"] for a in v.appended] == ["invoice"]
    (record,) = v.records("invoice")
    invoice = record["invoice"]
    assert record["tx_id"] == v.tx_id and invoice["payment"] == v.tx.unsigned.body["payment"]
    assert invoice["document_digest"] == v.tx.unsigned.body["document_digest"]
    assert (invoice["reimbursed"], invoice["tax_cleared"]) == (None, None)
    assert v.signers == ["ed25519:" + v.tx.signatures[0].public_key.hex()]
    assert v.witnessed is None and v.witness_cosignatures is None
    # The leaf data is INVOICE-RECORD-tagged, and the file has one encoding.
    r = decode_tx_receipt(INVOICE)
    leaf, _ = r["appended"][0]
    assert appended_leaf_bytes(leaf) == canonical(Domain.INVOICE_RECORD, INVOICE_RECORD, leaf["record"])
    assert appended_leaf_bytes(leaf).startswith(b"VELLUM:INVOICE-RECORD:\x01")
    assert encode_tx_receipt(r) == INVOICE
    assert verify_file(INVOICE, None, INVOICE_PIN).appended == v.appended
    assert not verify_tx_receipt(INVOICE).checkpoint_pinned
    fails_at(10, INVOICE, INVOICE_PIN, witnesses=WitnessPolicy((("witness.example/w1", bytes(32)),), 1))


def test_decoding_failures_are_step_1():
    for data in (
        b"",
        TX_RECEIPT_MAGIC,
        b"VELLUMTX\x01" + INVOICE[9:],
        INVOICE[:8] + b"\x02" + INVOICE[9:],
        INVOICE[:-1],
        INVOICE + b"\x00",
        INVOICE + bytes(FILE_BYTES_MAX),
    ):
        fails_at(1, data, INVOICE_PIN)
    r = decode_tx_receipt(INVOICE)
    fails_at(1, dict(r, appended=[]), INVOICE_PIN)
    # More than 1,024 leaves is refused before anything else is checked.
    fails_at(1, dict(r, appended=r["appended"] * (TX_RECEIPT_LEAVES_MAX + 1)), "00" * 32)


def test_a_bent_invoice_fails_at_the_named_step():
    r = decode_tx_receipt(INVOICE)
    for step, bend in [
        (2, lambda r: r["genesis"].update(chain_id="vellum-other")),
        (4, lambda r: r["header"].update(time_ms=r["header"]["time_ms"] + 1)),
        (5, lambda r: r.update(tx_index=r["tx_index"] - 1)),
        (5, lambda r: r["appended"][0][0]["record"]["invoice"].update(vat="0")),
        (5, lambda r: r["appended"][0][0].update(kind="payment", record={"tx_id": r["appended"][0][0]["record"]["tx_id"], "height": 1, "time_ms": 1, "sender": "00" * 32, "outcome": {"outcome": "settled", "legs": [], "reference": None}})),
        (5, lambda r: r["appended"][0][1].pop()),
    ]:
        bent = copy.deepcopy(r)
        bend(bent)
        fails_at(step, encode_tx_receipt(bent), INVOICE_PIN)


# --- a contract call, made up ----------------------------------------------------------------

CALLER = SecretKey("ed25519", bytes([9]) * 32)
CONTRACT = "c0" * 32
PAYEE = "be" * 32


def call(nonce: int = 1) -> Transaction:
    u = UnsignedTx("vellum-forge", CALLER.account, nonce, 1_000, bodies.call_contract(CONTRACT, "release", b"\x01", fuel=10_000))
    return Transaction.signed(u, [CALLER])


def payment(tx_id: str, height: int = 2, amount: str = "5") -> dict:
    leg = {"to": PAYEE, "token": "EUR", "amount": amount, "credit_token": "EUR", "credit_amount": amount, "conversion": None}
    outcome = {"outcome": "settled", "legs": [leg], "reference": None}
    # A contract's transfer: the contract account paid.
    return {"kind": "payment", "record": {"tx_id": tx_id, "height": height, "time_ms": forge.time_at(height), "sender": CONTRACT, "outcome": outcome}}


def event(tx_id: str, seq: int, height: int = 2, data: str = "cafe") -> dict:
    return {"kind": "event", "record": {"tx_id": tx_id, "height": height, "contract": CONTRACT, "seq": seq, "data": data}}


BEFORE, AFTER, HEIGHT = 3, 4, 3


def made(tx: Transaction, appended: list[dict], chain: forge.Chain | None = None) -> tuple[dict, list[bytes], forge.Chain]:
    """A receipt of ``tx`` at log index 3 followed by ``appended``, in a log of ``AFTER`` more
    leaves, certified at height 3. Returns the decoded receipt, the log's leaf hashes and the chain."""
    chain = chain or forge.Chain()
    leaves = [leaf_hash(b"earlier %d" % i) for i in range(BEFORE)]
    leaves.append(leaf_hash(tx.leaf_bytes()))
    leaves += [leaf_hash(appended_leaf_bytes(a)) for a in appended]
    leaves += [leaf_hash(b"later %d" % i) for i in range(AFTER)]
    header = chain._header(HEIGHT, chain.epoch_at(HEIGHT), "00" * 32, root(leaves).hex(), len(leaves))
    value = {
        "genesis": chain.genesis,
        "header": header,
        "certificate": chain.sign(header),
        "tx": tx.to_json(),
        "tx_index": BEFORE,
        "tx_proof": [p.hex() for p in inclusion_proof(BEFORE, leaves)],
        "appended": [[a, [p.hex() for p in inclusion_proof(BEFORE + 1 + k, leaves)]] for k, a in enumerate(appended)],
        "validator_chain": chain.links,
        "witnessed": None,
    }
    return value, leaves, chain


def test_a_contract_call_with_a_payment_and_events():
    tx = call()
    appended = [event(tx.id(), 0), payment(tx.id()), event(tx.id(), 1, data="")]
    value, _, chain = made(tx, appended)
    data = encode_tx_receipt(value)
    assert data[:9] == TX_RECEIPT_MAGIC + b"\x01" and encode_tx_receipt(decode_tx_receipt(data)) == data
    assert decode_tx_receipt(data)["appended"] == value["appended"]
    v = verify_tx_receipt(data, chain.genesis_hash)
    assert (v.tx_kind, v.sender, v.tx_index, v.header_height) == ("call_contract", CALLER.account, BEFORE, HEIGHT)
    assert v.signers == [str(CALLER.public_key)] and v.appended == appended
    assert [e["seq"] for e in v.records("event")] == [0, 1] and v.records("payment")[0]["sender"] == CONTRACT
    # The leaf data of each kind carries its own tag.
    assert appended_leaf_bytes(appended[0]) == canonical(Domain.CONTRACT_EVENT, CONTRACT_EVENT, appended[0]["record"])
    assert appended_leaf_bytes(appended[1]) == canonical(Domain.PAYMENT_RECORD, PAYMENT_RECORD, appended[1]["record"])
    # ``Appended`` variant indices: 0 payment, 1 event, 2 invoice, then the record's borsh.
    for a in appended + [decode_tx_receipt(INVOICE)["appended"][0][0]]:
        tag, codec = {"payment": (0, PAYMENT_RECORD), "event": (1, CONTRACT_EVENT), "invoice": (2, INVOICE_RECORD)}[a["kind"]]
        assert borsh(APPENDED, a) == bytes([tag]) + borsh(codec, a["record"])
    # On a chain with validator-set changes (version-2 anchors are read as for receipts).
    value2, _, chain2 = made(tx, appended, forge.Chain(set_changes=2))
    assert verify_tx_receipt(encode_tx_receipt(value2), chain2.genesis_hash).validator_set_changes == 2


def test_every_check_fails_at_the_rust_step_in_its_order():
    tx = call()
    tid = tx.id()
    other = call(nonce=2).id()
    # Each file is consistent with its log (every proof verifies) but for the one defect.
    cases = [
        (6, "an appended leaf of another transaction", [event(tid, 0), payment(other)]),
        (5, "an appended leaf after the header", [event(tid, 0), payment(tid, height=HEIGHT + 1)]),
        # Leaf k's tx id is checked before its height, and leaf k before leaf k + 1.
        (6, "another transaction's leaf after the header", [event(other, 0, height=HEIGHT + 1)]),
        (5, "a late leaf before another transaction's", [event(tid, 0, height=HEIGHT + 1), event(other, 1)]),
    ]
    for step, what, appended in cases:
        value, _, chain = made(tx, appended)
        e = fails_at(step, encode_tx_receipt(value), chain.genesis_hash)
        assert ("belongs to another transaction" in e.detail) == (step == 6), what
    # A leaf at the header's height is fine (≤), as is a height below the transaction's block.
    value, _, chain = made(tx, [event(tid, 0, height=HEIGHT), event(tid, 1, height=0)])
    verify_tx_receipt(encode_tx_receipt(value), chain.genesis_hash)
    # A signature that does not verify, on a transaction that is in the log: step 6, after the leaves.
    bad = copy.deepcopy(tx)
    s = bad.signatures[0]
    bad.signatures[0] = type(s)(s.scheme, bytes([s.signature[0] ^ 1]) + s.signature[1:], public_key=s.public_key)
    value, _, chain = made(bad, [event(tid, 0)])
    assert "signatures do not verify" in fails_at(6, encode_tx_receipt(value), chain.genesis_hash).detail
    value, _, chain = made(bad, [event(other, 0, height=HEIGHT + 1)])
    assert "another transaction" in fails_at(6, encode_tx_receipt(value), chain.genesis_hash).detail
    value, _, chain = made(bad, [event(tid, 0, height=HEIGHT + 1)])
    fails_at(5, encode_tx_receipt(value), chain.genesis_hash)
    # Leaves moved, missing or past the log.
    value, leaves, chain = made(tx, [event(tid, 0), event(tid, 1)])
    swapped = copy.deepcopy(value)
    swapped["appended"][0][0], swapped["appended"][1][0] = swapped["appended"][1][0], swapped["appended"][0][0]
    assert "leaf 0" in fails_at(5, encode_tx_receipt(swapped), chain.genesis_hash).detail
    fewer = dict(value, appended=value["appended"][1:])
    assert "leaf 0" in fails_at(5, encode_tx_receipt(fewer), chain.genesis_hash).detail
    beyond = copy.deepcopy(value)
    beyond["appended"] += [[event(tid, 2), []]] * (len(leaves) - BEFORE - 2)
    assert "not at log index" in fails_at(5, encode_tx_receipt(beyond), chain.genesis_hash).detail
    fails_at(2, encode_tx_receipt(value), "11" * 32)
    bent = copy.deepcopy(value)
    bent["certificate"]["signatures"][0] = "00" * 64
    fails_at(4, encode_tx_receipt(bent), chain.genesis_hash)


def _cosigned(leaves: list[bytes], size: int) -> tuple[Checkpoint, WitnessPolicy]:
    cp = Checkpoint("vellum-forge", size, root(leaves[:size]))
    key = SecretKey("ed25519", bytes([41]) * 32)
    cp.cosign("witness.example/w1", key, 1_700_000_001)
    return cp, WitnessPolicy((("witness.example/w1", key.public_key.key),), 1)


def test_the_witnessed_section_covers_the_transaction_and_every_leaf_after_it():
    tx = call()
    appended = [payment(tx.id()), event(tx.id(), 0)]
    value, leaves, chain = made(tx, appended)
    covers = BEFORE + 1 + len(appended)
    for size in range(covers, len(leaves) + 1):
        cp, policy = _cosigned(leaves, size)
        data = encode_tx_receipt(dict(value, witnessed=witnessed_section(cp, leaves, covers)))
        v = verify_tx_receipt(data, chain.genesis_hash)
        assert (v.witnessed_size, v.witness_cosignatures) == (size, None)
        assert verify_tx_receipt(data, chain.genesis_hash, witnesses=policy).witness_cosignatures == 1
        assert verify_file(data, None, chain.genesis_hash, witnesses=policy).witness_cosignatures == 1
    # One leaf short: the last appended leaf is not in the witnessed log.
    cp, policy = _cosigned(leaves, covers - 1)
    short = {"note": cp.without_signatures().to_note(), "consistency": [h.hex() for h in consistency_proof(covers - 1, leaves)]}
    e = fails_at(10, encode_tx_receipt(dict(value, witnessed=short)), chain.genesis_hash)
    assert e.step_name == "witnesses"
    # Checked after everything else: a bad leaf fails first.
    bent = copy.deepcopy(dict(value, witnessed=short))
    bent["appended"][1][0]["record"]["seq"] = 7
    fails_at(5, encode_tx_receipt(bent), chain.genesis_hash)


# --- the command-line tool --------------------------------------------------------------------


def _cli(*argv: str) -> tuple[int, dict | str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli_main(list(argv))
    return code, json.loads(out.getvalue()) if out.getvalue() else err.getvalue()


def test_python_m_vellum_sdk_verify_reads_transaction_receipts(tmp_path):
    path = tmp_path / "invoice.vellumtr"
    path.write_bytes(INVOICE)
    code, report = _cli("verify", str(path), "--genesis", INVOICE_PIN)
    v = verify_tx_receipt(INVOICE, INVOICE_PIN)
    assert code == 0 and report["kind"] == "tx_receipt" and report["valid"]
    assert (report["tx_id"], report["tx_kind"], report["sender"], report["log_index"]) == (v.tx_id, "issue_invoice", v.sender, v.tx_index)
    assert report["appended"] == v.appended and report["signers"] == v.signers
    assert (report["witnessed_size"], report["witness_cosignatures"]) == (None, None)
    code, err = _cli("verify", str(path), "--genesis", INVOICE_PIN, "--status", str(path))
    assert code == 1 and "--status" in err
    path.write_bytes(INVOICE[:-1])
    code, err = _cli("verify", str(path), "--genesis", INVOICE_PIN)
    assert code == 1 and "step 1 (decode)" in err

"""Batch submission (docs/wire-format.md §12.4, ``POST /v1/txs``): the frame against the
published vector and every hostile frame, and :meth:`Pool.submit_batch` /
:meth:`Client.submit_batch` against local HTTP servers answering as validators do (200 with
one answer per transaction) — one busy for some transactions, one down, one lagging, one
refusing for good, old or broken ones."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import load_vectors
from test_pool import validators  # noqa: F401 - the fixture: local HTTP servers as validators

from vellum_sdk import (
    SUBMIT_BATCH_BYTES_MAX,
    SUBMIT_BATCH_TXS_MAX,
    BatchResult,
    Client,
    SecretKey,
    Transaction,
    UnsignedTx,
    bodies,
    decode_batch_frame,
    encode_batch_frame,
)
from vellum_sdk.batch import split_into_frames
from vellum_sdk.pool import Pool
from vellum_sdk.errors import DecodeError, EmptyInput, FormatError, InvalidContent, Malformed, TooLarge, TransactionRefused, Unavailable
from vellum_sdk.tx import TX_BYTES_MAX

KEY = SecretKey("ed25519", bytes(range(32)))


def _txs(count: int, start: int = 0) -> list[Transaction]:
    """Signed transactions of one account with consecutive nonces (distinct ids)."""
    return [Transaction.signed(UnsignedTx("vellum-test", KEY.account, n, 100, bodies.vote(1)), [KEY]) for n in range(start, start + count)]


def _u32(n: int) -> bytes:
    return n.to_bytes(4, "little")


# --- the frame ------------------------------------------------------------------------------


def test_the_published_batch_frame_vector():
    published = load_vectors("transactions")
    batch = published["batch"]
    vectors = {v["name"]: v for v in published["vectors"]}
    assert batch["transactions"] == [v["name"] for v in published["vectors"][:3]], "the first three vectors"
    wires = [bytes.fromhex(vectors[name]["transaction_wire"]) for name in batch["transactions"]]
    frame = bytes.fromhex(batch["frame"])
    assert encode_batch_frame(wires) == frame
    assert decode_batch_frame(frame) == wires
    # The frame carries the transactions untouched: each decodes to its vector's id.
    assert [Transaction.from_wire(w).id() for w in decode_batch_frame(frame)] == [vectors[n]["tx_id"] for n in batch["transactions"]]


def test_the_frame_is_borsh_vec_of_byte_vectors():
    txs = [b"\x01\x02\x03", b"", b"\x09" * 300]
    frame = encode_batch_frame(txs)
    assert frame == _u32(3) + _u32(3) + b"\x01\x02\x03" + _u32(0) + _u32(300) + b"\x09" * 300
    assert decode_batch_frame(frame) == txs
    full = [bytes([i % 256]) * 10 for i in range(SUBMIT_BATCH_TXS_MAX)]
    assert decode_batch_frame(encode_batch_frame(full)) == full
    biggest = [b"\x07" * TX_BYTES_MAX]
    assert decode_batch_frame(encode_batch_frame(biggest)) == biggest


@pytest.mark.parametrize(
    "frame, error, says",
    [
        (b"", EmptyInput, "empty"),
        (b"\x01\x00", Malformed, "count is cut short"),
        (_u32(0), InvalidContent, "at least one transaction"),
        (_u32(SUBMIT_BATCH_TXS_MAX + 1), InvalidContent, "1025 transactions in one batch; at most 1024"),
        (_u32(0xFFFFFFFF), InvalidContent, "at most 1024"),
        (_u32(1) + _u32(TX_BYTES_MAX + 1), InvalidContent, "transaction 0 is 16385 bytes; at most 16384"),
        (_u32(1) + _u32(0xFFFFFFFF), InvalidContent, "at most 16384"),
        (_u32(1) + _u32(5) + bytes(4), Malformed, "transaction 0: 5 bytes announced, 4 left"),
        (_u32(2) + _u32(1) + b"\x01", Malformed, "transaction 1: length cut short"),
        (_u32(2) + _u32(1) + b"\x01" + b"\x00\x00", Malformed, "transaction 1: length cut short"),
        (_u32(1) + _u32(2) + b"\x01\x02" + b"\x00", Malformed, "1 bytes after the last transaction"),
        (bytes(SUBMIT_BATCH_BYTES_MAX + 1), TooLarge, f"more than the {SUBMIT_BATCH_BYTES_MAX} allowed"),
    ],
)
def test_hostile_frames_are_refused_with_clear_errors(frame, error, says):
    with pytest.raises(error, match=says) as e:
        decode_batch_frame(frame)
    assert isinstance(e.value, DecodeError)


def test_the_encoder_refuses_what_no_validator_would_read():
    with pytest.raises(InvalidContent, match="at least one transaction"):
        encode_batch_frame([])
    with pytest.raises(InvalidContent, match="1025 transactions in one batch; at most 1024"):
        encode_batch_frame([b"\x01"] * (SUBMIT_BATCH_TXS_MAX + 1))
    with pytest.raises(InvalidContent, match="transaction 2 is 16385 bytes; at most 16384"):
        encode_batch_frame([b"\x01", b"\x02", bytes(TX_BYTES_MAX + 1)])
    # 257 transactions of the largest size: a count a validator takes, bytes it does not.
    with pytest.raises(TooLarge, match=f"more than the {SUBMIT_BATCH_BYTES_MAX} allowed"):
        encode_batch_frame([bytes(TX_BYTES_MAX)] * 257)


def test_transactions_are_split_into_frames_a_validator_takes():
    assert split_into_frames([]) == []
    frames = split_into_frames([100] * 2500)
    assert [len(f) for f in frames] == [1024, 1024, 452]
    assert [i for f in frames for i in f] == list(range(2500)), "in order, each once"
    big = split_into_frames([TX_BYTES_MAX] * 600)
    assert [len(f) for f in big] == [255, 255, 90]
    for f in big:
        assert len(encode_batch_frame([bytes(TX_BYTES_MAX)] * len(f))) <= SUBMIT_BATCH_BYTES_MAX


# --- validators answering POST /v1/txs ------------------------------------------------------


def _batch(decide, frames: list | None = None):
    """A ``POST /v1/txs`` answer as a validator gives it: ``decide(tx)`` is each transaction's
    answer — ``None`` to admit it, or an error code (``("bad_nonce", {"expected_nonce": 5})``
    for extra fields). ``frames`` collects the ids of each frame received."""

    def answer(body: bytes):
        txs = [Transaction.from_wire(w) for w in decode_batch_frame(body)]
        if frames is not None:
            frames.append([tx.id() for tx in txs])
        results = []
        for tx in txs:
            verdict = decide(tx)
            if verdict is None:
                results.append({"tx_hash": tx.id(), "status": "pending"})
            else:
                code, extra = verdict if isinstance(verdict, tuple) else (verdict, {})
                results.append({"error": {"code": code, "message": f"refused: {code}", **extra}})
        return 200, {"accepted": sum("tx_hash" in r for r in results), "results": results}

    return {"/v1/txs": answer}


def _by_nonce(answers: dict):
    """``decide`` from a map nonce → answer (absent: admitted)."""
    return lambda tx: answers.get(tx.unsigned.nonce)


def _submit(pool, txs):
    return pool.submit_batch([tx.wire() for tx in txs], [tx.id() for tx in txs])


def test_what_one_validator_did_not_admit_goes_to_the_next_in_one_batch(validators):
    """The first validator is busy for one transaction, has not yet applied the block another
    depends on, admits the rest; the second is down; the third admits what is left, sent as
    one frame."""
    txs = _txs(5)
    first, third = [], []
    pool, seen = validators(
        _batch(_by_nonce({1: "busy", 3: "unknown_sender"}), first),
        None,
        _batch(lambda tx: None, third),
    )
    results = _submit(pool, txs)
    assert [r.accepted for r in results] == [True] * 5
    assert [r.tx_id for r in results] == [tx.id() for tx in txs], "one result per transaction, in order"
    assert first == [[tx.id() for tx in txs]]
    assert third == [[txs[1].id(), txs[3].id()]], "only the unsettled ones, in one batch"
    assert [r.node for r in results] == [pool.nodes[0].base, pool.nodes[2].base, pool.nodes[0].base, pool.nodes[2].base, pool.nodes[0].base]
    assert pool.preferred == 0, "the validator that admitted stays preferred"
    assert seen[0][0][0] == "/v1/txs"


def test_a_final_refusal_is_not_offered_again_and_a_duplicate_is_accepted(validators):
    txs = _txs(4)
    second = []
    pool, _ = validators(
        _batch(_by_nonce({0: "bad_signature", 1: "mempool_full", 2: "duplicate", 3: "malformed"})),
        _batch(lambda tx: None, second),
    )
    results = _submit(pool, txs)
    assert second == [[txs[1].id()]], "refused for good: asked no further"
    assert [r.accepted for r in results] == [False, True, True, False]
    assert [r.code for r in results] == ["bad_signature", None, None, "malformed"]
    assert isinstance(results[0].error, TransactionRefused) and results[0].refused
    assert results[0].node == pool.nodes[0].base and "refused: bad_signature" == results[0].message


def test_a_refusal_counts_only_when_every_validator_refuses(validators):
    """A lagging validator's refusal is kept while the others are asked; when all refuse,
    the most telling refusal (the highest expected nonce) is the answer."""
    txs = _txs(2)
    pool, _ = validators(
        _batch(_by_nonce({0: ("bad_nonce", {"expected_nonce": 3}), 1: "unknown_sender"})),
        _batch(_by_nonce({0: "missing_role", 1: "unknown_sender"})),
        _batch(_by_nonce({0: ("bad_nonce", {"expected_nonce": 5}), 1: None})),
    )
    results = _submit(pool, txs)
    assert not results[0].accepted and results[0].code == "bad_nonce" and results[0].expected_nonce == 5
    assert results[1].accepted and results[1].node == pool.nodes[2].base


def test_no_answer_is_unavailable_never_a_refusal(validators):
    """Validators down, failing (5xx), rate limiting the whole request (429), answering busy
    for a transaction, knowing no ``/v1/txs`` (404) or answering a count that does not match:
    the transactions they did not settle are unavailable, with each validator's failure."""
    txs = _txs(3)
    wrong_count = {"/v1/txs": lambda body: (200, {"accepted": 1, "results": [{"tx_hash": txs[0].id(), "status": "pending"}]})}
    pool, _ = validators(
        None,
        {"/v1/txs": (503, {"error": {"code": "busy", "message": "queue full"}})},
        {"/v1/txs": (429, {"error": {"code": "rate_limited", "message": "slow down"}})},
        _batch(_by_nonce({0: "busy", 1: "storage", 2: "account_rate_limited"})),
        {},  # an older validator: 404 for /v1/txs
        wrong_count,
    )
    results = _submit(pool, txs)
    assert [r.accepted for r in results] == [False] * 3
    for r in results:
        assert isinstance(r.error, Unavailable) and r.code is None and not r.refused
        assert len(r.error.failures) == 6
    failures = results[1].error.failures
    assert "cannot connect" in failures[0]
    assert "HTTP 503 busy" in failures[1] and "HTTP 429 rate_limited" in failures[2]
    assert "storage" in failures[3] and "HTTP 404" in failures[4]
    assert "with 1 answers" in failures[5]


def test_an_answer_for_another_transaction_is_not_an_admission(validators):
    txs = _txs(2)
    swapped = {"/v1/txs": lambda body: (200, {"accepted": 2, "results": [{"tx_hash": txs[1].id(), "status": "pending"}, {"tx_hash": txs[0].id(), "status": "pending"}]})}
    honest = []
    pool, _ = validators(swapped, _batch(lambda tx: None, honest))
    results = _submit(pool, txs)
    assert all(r.accepted and r.node == pool.nodes[1].base for r in results)
    assert honest == [[tx.id() for tx in txs]]


def test_more_than_1024_transactions_go_in_several_frames(validators):
    txs = _txs(SUBMIT_BATCH_TXS_MAX + 6)
    frames = []
    pool, _ = validators(_batch(lambda tx: None, frames))
    results = _submit(pool, txs)
    assert [len(f) for f in frames] == [SUBMIT_BATCH_TXS_MAX, 6]
    assert all(r.accepted for r in results) and len(results) == len(txs)


def test_a_validator_down_for_one_frame_is_not_asked_the_others(validators):
    txs = _txs(SUBMIT_BATCH_TXS_MAX + 1)
    frames = []
    pool, seen = validators({"/v1/txs": (500, {"error": {"code": "internal", "message": "disk"}})}, _batch(lambda tx: None, frames))
    assert all(r.accepted for r in _submit(pool, txs))
    assert len(seen[0]) == 1, "one failed frame is enough"
    assert [len(f) for f in frames] == [SUBMIT_BATCH_TXS_MAX, 1]


def test_bad_input_is_refused_before_anything_is_sent(validators):
    txs = _txs(3)
    pool, seen = validators(_batch(lambda tx: None))
    wires, ids = [tx.wire() for tx in txs], [tx.id() for tx in txs]
    with pytest.raises(InvalidContent, match="transaction 1 of the batch is 16385 bytes; at most 16384"):
        pool.submit_batch([wires[0], bytes(TX_BYTES_MAX + 1), wires[2]], ids)
    with pytest.raises(InvalidContent, match="transaction 2 of the batch is empty"):
        pool.submit_batch([wires[0], wires[1], b""], ids)
    with pytest.raises(FormatError, match="transaction 1 of the batch is a int, not its wire bytes"):
        pool.submit_batch([wires[0], 5, wires[2]], ids)
    with pytest.raises(FormatError, match="3 transactions but 2 ids"):
        pool.submit_batch(wires, ids[:2])
    with pytest.raises(FormatError, match="id 0 of the batch is not 64 lowercase hex"):
        pool.submit_batch(wires, ["AB" * 32] + ids[1:])
    client = Client([n.base for n in pool.nodes])
    unsigned = Transaction(txs[1].unsigned, [])
    with pytest.raises(InvalidContent, match="transaction 1 of the batch: transaction carries no signature"):
        client.submit_batch([txs[0], unsigned, txs[2]])
    many_signatures = Transaction(txs[2].unsigned, txs[2].signatures * 17)
    with pytest.raises(InvalidContent, match="transaction 2 of the batch: more than 16 signatures"):
        client.submit_batch([txs[0], txs[1], many_signatures])
    with pytest.raises(FormatError, match="transaction 0 of the batch is a bytes"):
        client.submit_batch([wires[0]])
    assert seen[0] == [], "nothing was sent"
    assert client.submit_batch([]) == []


def test_the_client_submits_a_batch_through_its_pool(validators):
    txs = _txs(3)
    pool, _ = validators(_batch(_by_nonce({2: "busy"})), _batch(_by_nonce({2: ("bad_nonce", {"expected_nonce": 7})})))
    client = Client([n.base for n in pool.nodes])
    results = client.submit_batch(txs)
    assert all(isinstance(r, BatchResult) for r in results)
    assert [(r.accepted, r.code, r.expected_nonce) for r in results] == [(True, None, None), (True, None, None), (False, "bad_nonce", 7)]
    assert "bad_nonce" in str(results[2].error) and results[2].error.node == pool.nodes[1].base


def test_a_request_is_the_frame_as_octet_stream():
    """What goes on the wire: ``POST /v1/txs``, ``application/octet-stream``, the frame."""
    txs = _txs(2)
    got: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            got.update(method=self.command, path=self.path, type=self.headers.get("content-type"))
            got["body"] = self.rfile.read(int(self.headers.get("content-length") or 0))
            data = json.dumps({"accepted": 2, "results": [{"tx_hash": tx.id(), "status": "pending"} for tx in txs]}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    try:
        pool = Pool([f"http://127.0.0.1:{server.server_address[1]}"])
        assert all(r.accepted for r in _submit(pool, txs))
    finally:
        server.shutdown()
        server.server_close()
    assert (got["method"], got["path"], got["type"]) == ("POST", "/v1/txs", "application/octet-stream")
    assert got["body"] == encode_batch_frame([tx.wire() for tx in txs])

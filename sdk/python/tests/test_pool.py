"""The client's decision rules (docs/client.md §1–§4) against HTTP servers that answer as
validators in states a healthy devnet cannot be put in on demand: one refusing for lack of a
block, one overloaded, one down, validators disagreeing. (The real thing runs in test_e2e.)"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from vellum_sdk import Client, SecretKey, Transaction, UnsignedTx, bodies
from vellum_sdk.errors import Disagreement, TransactionRefused, TransactionRejected, Unavailable
from vellum_sdk.events import EventStream, _parse
from vellum_sdk.pool import Pool, _more_telling, Submitted, proof_key, tx_key

TX_ID = "ab" * 32


def _validator(answers: dict):
    """An HTTP server answering ``answers[path]``: ``(status, json body)``, or a function of the
    request body returning one; records ``(path, request body)``."""
    seen: list[tuple[str, bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            request = self.rfile.read(length)
            seen.append((self.path, request))
            answer = answers.get(self.path, (404, {"error": {"code": "not_found", "message": ""}}))
            status, body = answer(request) if callable(answer) else answer
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _answer

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    return server, seen


@pytest.fixture
def validators(request):
    servers = []

    def make(*answers):
        urls = []
        for a in answers:
            if a is None:
                # A validator that is down: a port nobody listens on.
                with socket.socket() as s:
                    s.bind(("127.0.0.1", 0))
                    urls.append(f"http://127.0.0.1:{s.getsockname()[1]}")
                servers.append((None, []))
                continue
            server, seen = _validator(a)
            servers.append((server, seen))
            urls.append(f"http://127.0.0.1:{server.server_address[1]}")
        return Pool(urls), [seen for _, seen in servers[-len(answers):]]

    yield make
    for server, _ in servers:
        if server is not None:
            server.shutdown()


def _refusal(code: str, status: int = 400, **extra) -> tuple[int, dict]:
    return status, {"error": {"code": code, "message": code, **extra}}


def test_a_refusal_counts_only_when_every_validator_refuses(validators):
    lagging = {"/v1/tx": _refusal("unknown_sender")}
    admits = {"/v1/tx": (202, {"tx_hash": TX_ID, "status": "pending"})}
    pool, _ = validators(lagging, None, {"/v1/tx": _refusal("busy", 503)}, admits)
    s = pool.submit(b"\x01", TX_ID)
    assert s.accepted and pool.preferred == 3
    pool, _ = validators(lagging, lagging, lagging, lagging)
    s = pool.submit(b"\x01", TX_ID)
    assert not s.accepted and s.code == "unknown_sender"


def test_refused_everywhere_codes_stop_at_once_and_duplicate_is_accepted(validators):
    pool, seen = validators({"/v1/tx": _refusal("bad_signature")}, {"/v1/tx": _refusal("bad_signature")})
    assert pool.submit(b"\x01", TX_ID).code == "bad_signature"
    assert seen[1] == []
    pool, _ = validators({"/v1/tx": _refusal("duplicate", 409)})
    assert pool.submit(b"\x01", TX_ID).accepted


def test_the_highest_expected_nonce_wins_and_no_answer_is_unavailable(validators):
    pool, _ = validators({"/v1/tx": _refusal("bad_nonce", expected_nonce=3)}, {"/v1/tx": _refusal("bad_nonce", expected_nonce=5)})
    assert pool.submit(b"\x01", TX_ID).expected_nonce == 5
    pool, _ = validators(None, None)
    with pytest.raises(Unavailable) as e:
        pool.submit(b"\x01", TX_ID)
    assert len(e.value.failures) == 2


def test_failover_skips_429_and_5xx_and_keeps_the_preference(validators):
    status = (200, {"chain_id": "c", "height": 1})
    pool, seen = validators({"/v1/status": (429, {})}, {"/v1/status": (500, {})}, None, {"/v1/status": status})
    assert pool.get("/v1/status").json()["height"] == 1 and pool.preferred == 3
    pool.get("/v1/status")
    assert len(seen[0]) == 1, "the preference sticks to the validator that answered"


def test_verified_reads_need_f_plus_1_agreeing_validators(validators, monkeypatch):
    monkeypatch.setattr("vellum_sdk.pool.AGREEMENT_WAIT_S", 0.5)
    final = (200, {"tx_hash": TX_ID, "status": "finalized", "height": 5, "index": 0, "log_index": 9})
    path = f"/v1/tx/{TX_ID}"
    lagging = (404, {"error": {"code": "unknown_tx", "message": ""}})
    pool, _ = validators({path: lagging}, {path: final}, {path: final}, {path: lagging})
    agreed = pool.agreed_get(path, tx_key)
    assert agreed.body["status"] == "finalized" and agreed.matching == 2
    other = (200, dict(final[1], height=6))
    pool, _ = validators({path: final}, {path: other}, {path: lagging}, None)
    with pytest.raises(Disagreement, match="disagree"):
        pool.agreed_get(path, tx_key)


def test_validators_lagging_alike_cannot_hide_a_record_the_others_have(validators):
    """A record read right after its block: two validators have not applied it (a payment
    unknown to them is 403 to a signed reader, a record 404, a request signed by the account
    the block opened 401); the preferred one is among them. The negative answers do not settle
    the read early, and the tie goes to the record."""
    path = "/v1/payment/" + TX_ID
    record = (200, {"record": {"outcome": {"outcome": "settled"}}})
    for lagging in (_refusal("forbidden", 403), _refusal("not_found", 404), _refusal("unknown_account", 401)):
        pool, _ = validators({path: lagging}, {path: lagging}, {path: record}, {path: record})
        agreed = pool.agreed_get(path, proof_key)
        assert (agreed.status, agreed.matching) == (200, 2) and pool.preferred in (2, 3)


def test_validators_behind_a_fresh_write_are_waited_for_not_believed(validators):
    """Two validators a block behind refuse (403) while the third already has the record and
    the fourth is down: the refusals are a majority of f + 1, yet the read waits until the
    laggards catch up (here after two requests each) and returns the record. Where nobody has
    the record the refusal stands at once."""
    path = "/v1/payment/" + TX_ID
    record = (200, {"record": {"outcome": {"outcome": "settled"}}})

    def catching_up():
        served = []

        def answer(_request):
            served.append(1)
            return _refusal("forbidden", 403) if len(served) <= 2 else record

        return answer

    pool, _ = validators({path: catching_up()}, {path: catching_up()}, {path: record}, None)
    assert pool.agreed_get(path, proof_key).status == 200
    start = time.monotonic()
    pool, _ = validators({path: _refusal("forbidden", 403)}, {path: _refusal("forbidden", 403)}, {path: _refusal("forbidden", 403)}, None)
    assert pool.agreed_get(path, proof_key).status == 403
    assert time.monotonic() - start < 2, "an agreed refusal nobody contradicts is not delayed"


def test_comparison_keys():
    assert tx_key(200, {"status": "finalized", "height": 1, "index": 2, "log_index": 3}) == ["finalized", 1, 2, 3]
    assert tx_key(404, {"error": {"code": "unknown_tx"}}) == ["unsettled", 404, "unknown_tx"]
    assert proof_key(200, {"record": 1, "audit": [1], "audit_on_ledger": [2]}) == [200, {"record": 1}]
    first = Submitted(False, code="unknown_sender")
    assert _more_telling(first, Submitted(False, code="bad_nonce", expected_nonce=1)).code == "bad_nonce"
    assert _more_telling(first, Submitted(False, code="missing_role")) is first


def test_server_sent_event_framing():
    lines = [": keep-alive", "event: tx", 'data: {"a":', "data: 1}", "", "event: block", "id: 7", "data: {}", "", ""]
    assert list(_parse(iter(lines))) == [("tx", '{"a":\n1}', None), ("block", "{}", "7")]


# --- taken to finality (docs/client.md §3) ----------------------------------------------------

STATUS = (200, {"chain_id": "vellum-test", "height": 10, "genesis_hash": "00" * 32})


def _client(pool: Pool) -> Client:
    return Client([n.base for n in pool.nodes])


def _finalized(tx_id: str) -> tuple[int, dict]:
    return 200, {"tx_hash": tx_id, "status": "finalized", "height": 11, "index": 0, "log_index": 3}


def test_a_transaction_no_validator_knows_is_resubmitted_with_the_same_bytes(validators):
    key = SecretKey("ed25519", bytes(32))
    tx = Transaction.signed(UnsignedTx("vellum-test", key.account, 0, 100, bodies.vote(1)), [key])
    posted: list[bytes] = []

    def submit(body: bytes):
        posted.append(body)
        return 202, {"tx_hash": tx.id(), "status": "pending"}

    def status(_: bytes):
        # Lost after the first admission (a crash before gossip); known after the second.
        return _finalized(tx.id()) if len(posted) >= 2 else (404, {"error": {"code": "unknown_tx", "message": ""}})

    pool, _ = validators({"/v1/status": STATUS, "/v1/tx": submit, f"/v1/tx/{tx.id()}": status})
    client = _client(pool)
    assert client.submit(tx) == tx.id()
    done = client.wait_final(tx, timeout=10)
    assert (done.height, done.log_index) == (11, 3)
    assert posted == [tx.wire(), tx.wire()]


def test_send_takes_the_next_nonce_from_the_node_and_waits_on_a_taken_one(validators):
    key = SecretKey("ed25519", bytes(32))
    nonces: list[int] = []

    def submit(body: bytes):
        tx = Transaction.from_wire(body)
        nonces.append(tx.unsigned.nonce)
        if tx.unsigned.nonce < 5:
            return _refusal("bad_nonce", expected_nonce=5)
        if nonces.count(5) == 1:
            return _refusal("nonce_taken")
        return 202, {"tx_hash": tx.id(), "status": "pending"}

    def status(path_tx: str):
        return lambda _: _finalized(path_tx)

    class Answers(dict):
        def get(self, path, default=None):
            if path.startswith("/v1/tx/"):
                return status(path.rsplit("/", 1)[1])
            return super().get(path, default)

    pool, _ = validators(Answers({"/v1/status": STATUS, "/v1/tx": submit}))
    done = _client(pool).send(key, bodies.vote(3))
    assert nonces == [0, 5, 5] and done.height == 11


def test_a_refusal_everywhere_and_a_rejection_are_typed(validators):
    key = SecretKey("ed25519", bytes(32))
    pool, _ = validators({"/v1/status": STATUS, "/v1/tx": _refusal("missing_role")})
    with pytest.raises(TransactionRefused) as e:
        _client(pool).send(key, bodies.vote(3))
    assert e.value.code == "missing_role" and e.value.status == 400
    tx = Transaction.signed(UnsignedTx("vellum-test", key.account, 0, 100, bodies.vote(1)), [key])
    rejected = (200, {"tx_hash": tx.id(), "status": "rejected", "code": "insufficient_funds", "message": "no"})
    pool, _ = validators({"/v1/status": STATUS, f"/v1/tx/{tx.id()}": rejected})
    with pytest.raises(TransactionRejected) as r:
        _client(pool).wait_final(tx, timeout=5)
    assert r.value.code == "insufficient_funds"


# --- events (resume on another validator) ---------------------------------------------------


def _sse_validator(script):
    """An SSE endpoint: ``script(last_event_id)`` returns the stream's text; the connection
    then closes (as when a validator dies)."""
    resumes: list[str | None] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            resumes.append(self.headers.get("last-event-id"))
            data = script(self.headers.get("last-event-id")).encode()
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
            self.close_connection = True

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    return server, resumes


def _block(h: int, tx: str) -> str:
    return f'event: tx\ndata: {{"tx_hash": "{tx}", "height": {h}}}\n\nevent: block\nid: {h}\ndata: {{"height": {h}}}\n\n'


def test_an_event_stream_resumes_on_another_validator_without_repeats():
    # The first validator sends block 5 whole and block 6 in part, then dies.
    first, first_resumes = _sse_validator(lambda last: _block(5, "t5") + 'event: tx\ndata: {"tx_hash": "t6", "height": 6}\n\n')
    second, second_resumes = _sse_validator(lambda last: _block(6, "t6") + _block(7, "t7"))
    try:
        pool = Pool([f"http://127.0.0.1:{s.server_address[1]}" for s in (first, second)])
        stream = EventStream(pool.nodes, 0, lambda path: {}, after=4, until=time.monotonic() + 5)
        seen = []
        for e in stream:
            seen.append((e.name, e.data["height"]))
            if e.id == "7":
                stream.close()
        assert seen == [("tx", 5), ("block", 5), ("tx", 6), ("block", 6), ("tx", 7), ("block", 7)]
        assert first_resumes == ["4"] and second_resumes == ["5"]
        assert stream.failovers and stream.failovers[0].startswith(pool.nodes[0].base)
    finally:
        first.shutdown()
        second.shutdown()

"""The client's decision rules (docs/client.md §1–§4) against HTTP servers that answer as
validators in states a healthy devnet cannot be put in on demand: one refusing for lack of a
block, one overloaded, one down, validators disagreeing. (The real thing runs in test_e2e.)"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import forge
import pytest

from vellum_sdk import Client, SecretKey, Transaction, UnsignedTx, bodies
from vellum_sdk.__main__ import main
from vellum_sdk.errors import Disagreement, NodeError, NoValidAnswer, TransactionRefused, TransactionRejected, Unavailable, VellumError
from vellum_sdk.events import EventStream, _parse
from vellum_sdk.pool import Pool, _more_telling, Submitted, proof_key, reads_key, tx_key
from vellum_sdk.verify import decode_status_proof, encode_status_proof

TX_ID = "ab" * 32


def _validator(answers: dict):
    """An HTTP server answering ``answers[path]``: ``(status, json body)`` (``bytes``: sent as
    they are, binary), or a function of the request body returning one; records ``(path,
    request body)``."""
    seen: list[tuple[str, bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            request = self.rfile.read(length)
            seen.append((self.path, request))
            answer = answers.get(self.path, (404, {"error": {"code": "not_found", "message": ""}}))
            status, body = answer(request) if callable(answer) else answer
            binary = isinstance(body, bytes)
            data = body if binary else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/octet-stream" if binary else "application/json")
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
    assert reads_key(200, {"account": "a", "finalized": [1], "pending": [2]}) == [200, {"account": "a", "finalized": [1]}]
    assert reads_key(403, {"error": {"code": "forbidden"}}) == [403, {"error": {"code": "forbidden"}}]
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


def test_reads_of_an_account_agree_on_the_ledger_not_on_each_node_s_pending_reads(validators):
    """``GET /v1/account/{id}/reads``: every node answers with its own pending reads (this read
    among them), so only the finalized ones are compared; one node disagreeing on those is
    outvoted, the answer is one of the agreeing nodes' (with its pending reads)."""
    key = SecretKey("ed25519", bytes(32))
    record = {"owner": key.account, "action": "history", "item": None, "reader": key.account, "allowed": True, "time_ms": 5}
    finalized = [{"record": record, "node": "ab" * 32, "tx_id": TX_ID, "height": 9}]
    path = f"/v1/account/{key.account}/reads"

    def answer(pending_ms, rows=finalized):
        return 200, {"account": key.account, "finalized": rows, "pending": [dict(record, action="reads", time_ms=pending_ms)]}

    pool, seen = validators(
        {"/v1/status": STATUS, path: answer(7, [])},
        {"/v1/status": STATUS, path: answer(8)},
        {"/v1/status": STATUS, path: answer(9)},
        {"/v1/status": STATUS, path: answer(10)},
    )
    reads = _client(pool).reads(key)
    assert reads["finalized"] == finalized and reads["account"] == key.account
    assert reads["pending"][0]["action"] == "reads" and reads["pending"][0]["time_ms"] in (8, 9, 10)
    # Compared whole, no two answers would have matched.
    pool, _ = validators(*({"/v1/status": STATUS, path: answer(ms)} for ms in (7, 8, 9, 10)))
    with pytest.raises(Disagreement):
        pool.agreed_get(path, lambda status, body: [status, body])
    assert any(p == path for s in seen for p, _ in s)


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


# --- status proofs: the freshest valid one of every validator -------------------------------

SUSPENDED = forge.suspended("under_investigation", 7)


@pytest.fixture(scope="module")
def status_chain():
    """One batch registration: live at height 3, its member 1 suspended at height 7, then the
    same on a chain with another genesis (a validator of another network)."""
    chain = forge.Chain()
    reg = chain.register(forge.documents(3))
    other = forge.Chain("vellum-other", seed=50)
    return chain, reg, other, other.register(forge.documents(3))


def _status_path(reg, member: int | None = None) -> str:
    return f"/v1/status/{reg.proof_id}" + (f"?member={member}" if member is not None else "")


def test_the_freshest_valid_status_proof_wins(validators, status_chain):
    """A lagging validator (height 3, preferred), an honest one (height 8), one serving a
    forged newer status (height 90, signatures broken), one serving another chain's (height
    95), one serving the whole registration instead of the member, and one down: the honest
    height-8 proof is returned."""
    chain, reg, other, other_reg = status_chain
    path = _status_path(reg, 1)
    forged = decode_status_proof(chain.at(90, reg).status_proof(1))
    forged["certificate"]["signatures"][0] = "00" * 64
    lagging, fresh = chain.at(3, reg).status_proof(1), chain.at(8, reg, forge.LIVE, {1: SUSPENDED}).status_proof(1)
    pool, seen = validators(
        {path: (200, lagging)},
        {path: (200, encode_status_proof(forged))},
        {path: (200, other.at(95, other_reg).status_proof(1))},
        {path: (200, chain.at(99, reg).status_proof(None))},
        {path: (200, fresh)},
        None,
    )
    client = Client([n.base for n in pool.nodes], chain.genesis_hash)
    data = client.fetch_status(reg.proof_id, member=1)
    assert data == fresh
    v = client.verify_status(data)
    assert (v.height, v.member_index, v.status) == (8, 1, SUSPENDED)
    assert all(len(s) == 1 and s[0][0] == path for s in seen[:5]), "every validator was asked once"
    assert client.pool.preferred == 4, "later requests go to the validator with the freshest state"


def test_no_valid_status_proof_lists_every_validators_failure(validators, status_chain):
    chain, reg, other, other_reg = status_chain
    path = _status_path(reg)
    unknown = _refusal("unknown_proof", 404)
    pool, _ = validators({path: unknown}, {path: unknown}, {path: unknown})
    client = Client([n.base for n in pool.nodes], chain.genesis_hash)
    with pytest.raises(NoValidAnswer) as e:
        client.fetch_status(reg.proof_id)
    assert e.value.code == "unknown_proof" and len(e.value.failures) == 3
    # Validators down or overloaded said nothing: the others' common refusal stands.
    pool, _ = validators({path: unknown}, None, {path: (429, {})}, {path: unknown})
    client = Client([n.base for n in pool.nodes], chain.genesis_hash)
    with pytest.raises(NoValidAnswer) as e:
        client.fetch_status(reg.proof_id)
    assert e.value.code == "unknown_proof" and len(e.value.failures) == 4
    pool, _ = validators({path: unknown}, {path: (200, other.at(9, other_reg).status_proof())}, {path: (503, {})}, None)
    client = Client([n.base for n in pool.nodes], chain.genesis_hash)
    with pytest.raises(NoValidAnswer) as e:
        client.fetch_status(reg.proof_id)
    failures = e.value.failures
    assert e.value.code is None and len(failures) == 4
    assert "HTTP 404 unknown_proof" in failures[0] and "step 2 (checkpoint)" in failures[1]
    assert "HTTP 503" in failures[2] and "cannot connect" in failures[3]


def test_a_status_proof_needs_a_pinned_genesis_and_a_proof_id(status_chain):
    chain, reg, _, _ = status_chain
    with pytest.raises(VellumError, match="pinned genesis"):
        Client(["http://127.0.0.1:1"]).fetch_status(reg.proof_id)
    with pytest.raises(VellumError, match="proof: expected 32 bytes"):
        Client(["http://127.0.0.1:1"], chain.genesis_hash).fetch_status("ab" * 31)
    with pytest.raises(VellumError, match="u32"):
        Client(["http://127.0.0.1:1"], chain.genesis_hash).fetch_status(reg.proof_id, member=-1)


def test_an_issuer_revocation_is_a_verified_read(validators):
    issuer = "ab" * 32
    path = f"/v1/issuer/{issuer}/revocation"
    record = {"issuer": issuer, "from_height": 10, "reason": "key_compromise", "actor": "cd" * 32, "tx": "ef" * 32,
              "height": 12, "time_ms": 1, "revoked": 3, "complete": True}
    pool, _ = validators({path: (200, record)}, {path: (200, record)}, {path: (200, record)}, None)
    assert Client([n.base for n in pool.nodes]).issuer_revocation(issuer) == record
    not_revoked = _refusal("not_revoked", 404)
    pool, _ = validators({path: not_revoked}, {path: not_revoked})
    assert Client([n.base for n in pool.nodes]).issuer_revocation(issuer) is None
    pool, _ = validators({path: _refusal("bad_request")}, {path: _refusal("bad_request")})
    with pytest.raises(NodeError, match="bad_request"):
        Client([n.base for n in pool.nodes]).issuer_revocation(issuer)


def test_the_status_command_fetches_saves_and_compares_with_a_bundle(validators, status_chain, tmp_path, capsys):
    chain, reg, _, _ = status_chain
    path = _status_path(reg, 1)
    fresh = chain.at(8, reg, forge.LIVE, {1: SUSPENDED}).status_proof(1)
    pool, _ = validators({path: (200, chain.at(3, reg).status_proof(1))}, {path: (200, fresh)})
    config = tmp_path / "client.toml"
    apis = ", ".join(f'"{n.base}"' for n in pool.nodes)
    config.write_text(f'chain_id = "vellum-forge"\ngenesis_hash = "{chain.genesis_hash}"\napi = [{apis}]\nkeys_dir = "keys"\n')
    bundle = tmp_path / "member-1.vellum"
    bundle.write_bytes(chain.at(2, reg).bundle(1))
    out = tmp_path / "member-1.status"
    args = ["status", "--proof", reg.proof_id, "--member", "1", "--out", str(out), "--bundle", str(bundle), "--config", str(config)]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert out.read_bytes() == fresh
    assert report["status"] == {"status": "suspended", "reason": "under_investigation", "since_height": 7, "tx": SUSPENDED["tx_id"]}
    assert (report["as_of_height"], report["member"], report["proof_id"], report["bytes"]) == (8, 1, reg.proof_id, len(fresh))
    assert report["status_then"] == {"status": "live", "as_of_height": 2} and report["changed_since_bundle"] is True
    # A bundle of another member is refused at step 9, as a one-line error.
    bundle.write_bytes(chain.at(2, reg).bundle(0))
    assert main(args) == 1
    assert "step 9 (status) failed" in capsys.readouterr().err


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

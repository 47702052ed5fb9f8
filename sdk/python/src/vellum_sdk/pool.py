"""Every validator behind one object (docs/client.md §1, §2, §4): requests go to a preferred
validator and move on at a connection error, a timeout, a 5xx or a 429; submissions count as
refused only when every validator refuses; reads a user acts on are believed only when f + 1
validators agree; self-proving answers (status proofs) are asked of every validator and the
freshest valid one is kept; batches (``POST /v1/txs``) follow the submission rules per
transaction."""

from __future__ import annotations

import json
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence, TypeVar

from .batch import encode_batch_frame, split_into_frames
from .errors import Disagreement, FormatError, InvalidContent, NodeError, NoValidAnswer, TransactionRefused, Unavailable, VellumError
from .http import Node, Response, Unreachable
from .tx import TX_BYTES_MAX

#: Refusals every honest validator gives alike, whatever its view of the chain: the bytes
#: themselves are wrong. Any other refusal may come from a validator that has not yet applied
#: the block the transaction depends on, so it is offered to the others first.
REFUSED_EVERYWHERE = ("malformed", "too_large", "bad_signature", "wrong_chain")
#: Codes of a batch answer (``POST /v1/txs``, which has no per-transaction HTTP status) that
#: describe the validator's condition, not the transaction: it goes to another validator.
CONDITIONS = ("busy", "storage", "internal", "mempool_full", "account_rate_limited", "rate_limited")
#: How long validators may disagree (some a block behind) before a verified read fails.
AGREEMENT_WAIT_S = 5.0
AGREEMENT_RETRY_S = 0.1


@dataclass
class Submitted:
    """A validator's answer to a submission: ``accepted`` or a refusal with its code."""

    accepted: bool
    tx_id: str = ""
    status: int = 0
    code: str = ""
    message: str = ""
    expected_nonce: int | None = None
    node: str = ""

    def error(self, cls: type[NodeError] = NodeError) -> NodeError:
        return cls(self.code, self.message, self.status, self.node, self.expected_nonce)


@dataclass
class BatchResult:
    """One transaction's outcome in :meth:`Pool.submit_batch`: ``accepted`` (admitted or
    already held, by ``node``), or ``error`` — a :class:`TransactionRefused` (every validator
    that answered refused it, or one refused it for a reason every honest validator shares:
    ``code``, ``message``, ``expected_nonce``) or an :class:`Unavailable` (no validator
    answered for it; resubmitting the same bytes is safe)."""

    tx_id: str
    accepted: bool
    node: str = ""
    error: TransactionRefused | Unavailable | None = None

    @property
    def refused(self) -> bool:
        return isinstance(self.error, TransactionRefused)

    @property
    def code(self) -> str | None:
        return self.error.code if isinstance(self.error, NodeError) else None

    @property
    def message(self) -> str | None:
        return self.error.message if isinstance(self.error, NodeError) else None

    @property
    def expected_nonce(self) -> int | None:
        return self.error.expected_nonce if isinstance(self.error, NodeError) else None


def _counts(status: int) -> bool:
    """Whether an answer is a vote: an overloaded (429) or failing (5xx) validator said
    nothing about the chain."""
    return status < 500 and status != 429


def _more_telling(first: Submitted, other: Submitted) -> Submitted:
    """Of two refusals, the one the caller can act on: the ``bad_nonce`` with the highest
    expected nonce (the most advanced validator's view), else the first."""

    def expected(s: Submitted) -> int | None:
        return s.expected_nonce if s.code == "bad_nonce" else None

    a, b = expected(first), expected(other)
    if b is not None and (a is None or b > a):
        return other
    return first


# --- comparison keys of verified reads ------------------------------------------------------

Project = Callable[[int, Any], Any]
T = TypeVar("T")


def tx_key(status: int, body: Any) -> Any:
    """A transaction status: where it was finalized, or that it is not (yet)."""
    b = body if isinstance(body, dict) else {}
    s = b.get("status")
    if s == "finalized":
        return ["finalized", b.get("height"), b.get("index"), b.get("log_index")]
    if s is not None:
        return ["unsettled", s]
    return ["unsettled", status, (b.get("error") or {}).get("code")]


def whole(status: int, body: Any) -> Any:
    """The whole answer (balances: every field is chain state)."""
    return [status, body]


def proof_key(status: int, body: Any) -> Any:
    """A proof's record and status, without the answering node's audit trail of reads."""
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in ("audit", "audit_on_ledger")}
    return [status, body]


def reads_key(status: int, body: Any) -> Any:
    """Who read an account (``/v1/account/{id}/reads``): the reads finalized on the ledger,
    without the answering node's own ``pending`` ones (each node records the reads it serves)."""
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k != "pending"}
    return [status, body]


def _settles(key: Any) -> bool:
    """Whether f + 1 matching answers settle a read before every validator answered: a
    positive answer does; a negative one ("unknown", "pending", any refusal) may be validators
    lagging alike, so the others are heard first (and a tie goes to the positive). A validator
    that has not applied a block yet refuses what it creates: 401 ``unknown_account`` for a
    request signed by an account it opened, 403 for a payment it does not know (``forbidden``,
    as one the reader may not see), 404 for an unknown record."""
    if not (isinstance(key, list) and key):
        return True
    return not (key[0] == "unsettled" or (isinstance(key[0], int) and 400 <= key[0] < 500))


@dataclass
class Agreed:
    status: int
    body: Any
    matching: int
    answered: int


class Pool:
    """The validators of a client config, with one preference shared by every step of a
    use case (a read after a write goes to a validator that has the write)."""

    def __init__(self, apis: list[str]):
        if not apis:
            raise ValueError("a pool needs at least one validator")
        self.nodes = [Node(a) for a in apis]
        self._preferred = 0
        self._lock = threading.Lock()

    @property
    def faults_tolerated(self) -> int:
        """``f`` with ``n = 3f + 1``: f + 1 matching answers include an honest validator."""
        return (len(self.nodes) - 1) // 3

    @property
    def preferred(self) -> int:
        with self._lock:
            return self._preferred

    def prefer(self, i: int) -> None:
        with self._lock:
            self._preferred = i % len(self.nodes)

    def in_order(self) -> list[tuple[int, Node]]:
        """Every validator, the preferred one first, then around the list."""
        start, n = self.preferred, len(self.nodes)
        return [((start + k) % n, self.nodes[(start + k) % n]) for k in range(n)]

    def first_answer(self, what: str, call: Callable[[Node], Response]) -> Response:
        """``call`` on the preferred validator, then each other one, until one answers below
        500 and not 429; the error lists every validator's failure."""
        failures = []
        for i, node in self.in_order():
            try:
                resp = call(node)
            except Unreachable as e:
                failures.append(f"{node.base}: {e}")
                continue
            if _counts(resp.status):
                self.prefer(i)
                return resp
            failures.append(f"{node.base}: HTTP {resp.status}")
        raise Unavailable(what, failures)

    def get(self, path: str, headers: Callable[[], dict[str, str]] | None = None) -> Response:
        """A GET with failover; ``headers`` is called for each validator (signed requests are
        signed afresh for each: every validator keeps its own replay window)."""
        return self.first_answer(path, lambda n: n.get(path, headers() if headers else None))

    # --- self-proving answers -----------------------------------------------------------------

    def ask_every(self, call: Callable[[Node], Response]) -> list[tuple[int, Node, Response | Unreachable]]:
        """``call`` on every validator at once, waiting for each (bounded by its own timeouts);
        the answers (or why there is none) in preference order."""
        order = self.in_order()
        answers: dict[int, Response | Unreachable] = {}

        def ask(i: int, node: Node) -> None:
            try:
                answers[i] = call(node)
            except Unreachable as e:
                answers[i] = e

        threads = [threading.Thread(target=ask, args=(i, node), daemon=True) for i, node in order]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return [(i, node, answers[i]) for i, node in order]

    def freshest(self, path: str, check: Callable[[bytes], tuple[int, T]]) -> tuple[bytes, T]:
        """``GET path`` from every validator; ``check(body)`` verifies an answer (raising a
        :class:`VellumError` if it is not valid) and returns its height and what it proves.
        The valid answer of the highest height wins (ties: the preferred validator's), so a
        lagging or faulty validator cannot hide a newer one while an honest one has it.
        :class:`NoValidAnswer` lists every validator's failure when none is valid."""
        best: tuple[int, int, bytes, T] | None = None
        failures: list[str] = []
        # What each validator that answered said instead: a refusal code, or None (invalid).
        refusals: list[str | None] = []
        for i, node, answer in self.ask_every(lambda n: n.get(path)):
            if isinstance(answer, Unreachable) or answer.status != 200:
                failure, refusal = _no_answer(node, answer)
                failures.append(failure)
                if refusal:
                    refusals.append(refusal)
                continue
            try:
                height, value = check(answer.body)
            except VellumError as e:
                failures.append(f"{node.base}: invalid answer: {e}")
                refusals.append(None)
                continue
            if best is None or height > best[0]:
                best = (height, i, answer.body, value)
        if best is None:
            # A refusal is believed when every validator that answered gave it (as submissions).
            code = refusals[0] if refusals and len(set(refusals)) == 1 else None
            raise NoValidAnswer(path, failures, code)
        self.prefer(best[1])
        return best[2], best[3]

    # --- submission ---------------------------------------------------------------------------

    @staticmethod
    def _submit_one(node: Node, wire: bytes, tx_id: str) -> Submitted:
        resp = node.post_tx(wire)
        if resp.status == 202:
            return Submitted(True, tx_id=tx_id, status=202, node=node.base)
        code, message, nonce = resp.error()
        return Submitted(False, tx_id=tx_id, status=resp.status, code=code, message=message, expected_nonce=nonce, node=node.base)

    def submit(self, wire: bytes, tx_id: str) -> Submitted:
        """Offers signed bytes until a validator admits them (``duplicate`` counts as admitted:
        submission is idempotent). A refusal counts only when every validator that answered
        refused (or one refused for a reason every honest validator shares)."""
        failures: list[str] = []
        refusal: Submitted | None = None
        for i, node in self.in_order():
            try:
                s = self._submit_one(node, wire, tx_id)
            except Unreachable as e:
                failures.append(f"{node.base}: {e}")
                continue
            if s.accepted or s.code == "duplicate":
                self.prefer(i)
                return Submitted(True, tx_id=tx_id, status=s.status, node=node.base)
            if s.status >= 500:
                failures.append(f"{node.base}: HTTP {s.status} {s.code}")
                continue
            refusal = s if refusal is None else _more_telling(refusal, s)
            if s.code in REFUSED_EVERYWHERE:
                break
        if refusal is not None:
            return refusal
        raise Unavailable(f"the submission of {tx_id}", failures)

    def submit_batch(self, wires: Sequence[bytes], tx_ids: Sequence[str]) -> list[BatchResult]:
        """:meth:`submit` for many transactions at once: ``POST /v1/txs`` (docs/wire-format.md
        §12.4) in frames of at most 1,024 transactions and 4 MiB, the same rules for each
        transaction. A validator's answer admits (``duplicate`` too), refuses for good
        (``malformed``, ``too_large``, ``bad_signature``, ``wrong_chain``: asked no further),
        refuses by its view (the refusal is kept, the transaction offered to the next
        validator) or names its own condition (:data:`CONDITIONS`: the next validator is
        asked). What one validator did not settle goes to the next one, in one batch; a
        validator that does not answer (or answers the frame with anything but 200 and one
        answer per transaction) is passed over for all of them. One :class:`BatchResult`
        per transaction, in order.

        ``wires``: the signed transactions' wire bytes; ``tx_ids``: their ids (64 hex). Input a
        validator would refuse as a frame — a transaction empty or over 16,384 bytes, ids not
        one per transaction — raises :class:`InvalidContent` / :class:`FormatError` before
        anything is sent. More than 1,024 transactions are sent in several frames."""
        wires, tx_ids = list(wires), list(tx_ids)
        for t, wire in enumerate(wires):
            if not isinstance(wire, (bytes, bytearray, memoryview)):
                raise FormatError(f"transaction {t} of the batch is a {type(wire).__name__}, not its wire bytes")
        wires = [bytes(w) for w in wires]
        tx_ids = [str(t) for t in tx_ids]
        if len(wires) != len(tx_ids):
            raise FormatError(f"{len(wires)} transactions but {len(tx_ids)} ids: one id per transaction")
        for t, (wire, tx_id) in enumerate(zip(wires, tx_ids)):
            if not wire:
                raise InvalidContent(f"transaction {t} of the batch is empty")
            if len(wire) > TX_BYTES_MAX:
                raise InvalidContent(f"transaction {t} of the batch is {len(wire)} bytes; at most {TX_BYTES_MAX}")
            if len(tx_id) != 64 or any(c not in "0123456789abcdef" for c in tx_id):
                raise FormatError(f"id {t} of the batch is not 64 lowercase hex characters: {tx_id!r}")
        results: list[BatchResult | None] = [None] * len(wires)
        refusals: list[Submitted | None] = [None] * len(wires)
        failures: list[list[str]] = [[] for _ in wires]
        open_ = list(range(len(wires)))
        preferred = False
        for i, node in self.in_order():
            down: str | None = None
            for frame in split_into_frames([len(wires[t]) for t in open_]):
                txs = [open_[k] for k in frame]
                # A validator that gave no usable answer to one frame is not asked the others.
                answers = down or self._submit_frame(node, [wires[t] for t in txs], [tx_ids[t] for t in txs])
                if isinstance(answers, str):
                    down = answers
                    for t in txs:
                        failures[t].append(f"{node.base}: {answers}")
                    continue
                for t, s in zip(txs, answers):
                    if isinstance(s, str):
                        failures[t].append(f"{node.base}: {s}")
                    elif s.accepted or s.code == "duplicate":
                        results[t] = BatchResult(tx_ids[t], True, node=node.base)
                        if not preferred:
                            # The preference moves to the first validator that admitted one.
                            self.prefer(i)
                            preferred = True
                    elif s.code in CONDITIONS:
                        failures[t].append(f"{node.base}: {s.code}: {s.message}")
                    else:
                        refusal = refusals[t] = s if refusals[t] is None else _more_telling(refusals[t], s)
                        if s.code in REFUSED_EVERYWHERE:
                            results[t] = BatchResult(tx_ids[t], False, node=refusal.node, error=refusal.error(TransactionRefused))
            open_ = [t for t in open_ if results[t] is None]
            if not open_:
                break
        for t in open_:
            refusal = refusals[t]
            if refusal is not None:
                results[t] = BatchResult(tx_ids[t], False, node=refusal.node, error=refusal.error(TransactionRefused))
            else:
                results[t] = BatchResult(tx_ids[t], False, error=Unavailable(f"the submission of {tx_ids[t]}", failures[t]))
        return [r for r in results if r is not None]

    @staticmethod
    def _submit_frame(node: Node, wires: list[bytes], tx_ids: list[str]) -> str | list[Submitted | str]:
        """One ``POST /v1/txs``: each transaction's answer (a :class:`Submitted`, or why this
        validator's answer for it is unusable), or why the validator gave no usable answer to
        the frame at all (unreachable, a status other than 200, not one answer per transaction)."""
        try:
            resp = node.post_txs(encode_batch_frame(wires))
        except Unreachable as e:
            return str(e)
        if resp.status != 200:
            code, message, _ = resp.error()
            return f"HTTP {resp.status} {code}: {message}"
        try:
            body = resp.json()
        except Unreachable as e:
            return str(e)
        results = body.get("results") if isinstance(body, dict) else None
        if not isinstance(results, list) or len(results) != len(wires):
            got = f"{len(results)} answers" if isinstance(results, list) else "no list of results"
            return f"answered a batch of {len(wires)} transactions with {got}"
        out: list[Submitted | str] = []
        for tx_id, r in zip(tx_ids, results):
            r = r if isinstance(r, dict) else {}
            error = r.get("error")
            if isinstance(r.get("tx_hash"), str):
                if r["tx_hash"].lower() != tx_id:
                    out.append(f"answered for another transaction ({r['tx_hash'][:64]}) in {tx_id}'s place")
                else:
                    out.append(Submitted(True, tx_id=tx_id, status=200, node=node.base))
            elif isinstance(error, dict) and isinstance(error.get("code"), str):
                nonce = error.get("expected_nonce")
                nonce = nonce if isinstance(nonce, int) and not isinstance(nonce, bool) else None
                out.append(Submitted(False, tx_id=tx_id, status=200, code=error["code"], message=str(error.get("message", "")), expected_nonce=nonce, node=node.base))
            else:
                out.append(f"an answer that is neither an admission nor a refusal: {json.dumps(r)[:200]}")
        return out

    # --- verified reads -----------------------------------------------------------------------

    def _gather(self, call: Callable[[Node], Response | None], enough: Callable[[list[tuple[int, Any]]], bool]) -> list[tuple[int, tuple[int, Any]]]:
        """Asks every validator at once; returns (validator, (status, body)) in arrival order
        once the preferred validator has been heard and ``enough`` holds, or all were heard.
        Slow validators are not waited for (their threads end with their own timeouts)."""
        answers: queue.Queue = queue.Queue()

        def ask(i: int, node: Node) -> None:
            try:
                resp = call(node)
                answers.put((i, None if resp is None else (resp.status, _json_or_none(resp))))
            except Unreachable:
                answers.put((i, None))

        for i, node in enumerate(self.nodes):
            threading.Thread(target=ask, args=(i, node), daemon=True).start()
        preferred = self.preferred
        heard, preferred_heard = 0, False
        out: list[tuple[int, tuple[int, Any]]] = []
        while heard < len(self.nodes):
            i, answer = answers.get()
            heard += 1
            preferred_heard |= i == preferred
            if answer is not None:
                out.append((i, answer))
            if preferred_heard and enough([a for _, a in out]):
                break
        return out

    def agreed(self, what: str, call: Callable[[Node], Response | None], project: Project) -> Agreed:
        """The answer f + 1 validators agree on (comparing ``project(status, body)``); retried
        for a few seconds while they disagree."""
        need = self.faults_tolerated + 1
        start = time.monotonic()

        def majority(answers: list[tuple[int, Any]]) -> tuple[int, int] | None:
            keys = [json.dumps(project(s, b), sort_keys=True) for s, b in answers]
            best = None
            for i, k in enumerate(keys):
                rank = (keys.count(k), _settles(json.loads(k)), i)
                best = rank if best is None or rank > best else best
            return None if best is None else (best[0], best[2])

        def early(answers: list[tuple[int, Any]]) -> bool:
            m = majority(answers)
            return m is not None and m[0] >= need and _settles(project(*answers[m[1]]))

        while True:
            indexed = self._gather(call, early)
            answers = [a for _, a in indexed]
            m = majority(answers)
            # A negative majority while some validator already answers positively is validators
            # still behind a fresh write: wait for them, up to the bound (a lying positive answer
            # only delays the negative one). docs/client.md §4.
            behind = m is not None and not _settles(project(*answers[m[1]])) and any(_settles(project(*a)) for a in answers)
            if m is not None and m[0] >= need and (not behind or time.monotonic() - start >= AGREEMENT_WAIT_S):
                key = project(*answers[m[1]])
                preferred = self.preferred
                # Of the agreeing answers, the preferred validator's (node-local parts of a
                # body come from the usual node); later requests go to one that has it.
                node, (status, body) = min(
                    ((n, a) for n, a in indexed if project(*a) == key), key=lambda x: (x[0] != preferred, x[0])
                )
                self.prefer(node)
                return Agreed(status, body, m[0], len(answers))
            if time.monotonic() - start >= AGREEMENT_WAIT_S:
                if len(answers) < need:
                    raise Disagreement(f"only {len(answers)} of {len(self.nodes)} validators answered {what}; a verified read needs {need} matching answers")
                raise Disagreement(
                    f"validators disagree on {what}: at most {0 if m is None else m[0]} of {len(answers)} answers match, {need} needed (a validator is lagging or lying)"
                )
            time.sleep(AGREEMENT_RETRY_S)

    def agreed_get(self, path: str, project: Project, headers: Callable[[], dict[str, str]] | None = None) -> Agreed:
        def call(node: Node) -> Response | None:
            resp = node.get(path, headers() if headers else None)
            return resp if _counts(resp.status) else None

        return self.agreed(path, call, project)


def _no_answer(node: Node, answer: Response | Unreachable) -> tuple[str, str | None]:
    """Why a validator gave no usable answer, and its refusal code (a 4xx other than 429;
    ``None``: it said nothing about the chain — down, failing or overloaded)."""
    if isinstance(answer, Unreachable):
        return f"{node.base}: {answer}", None
    code, message, _ = answer.error()
    return f"{node.base}: HTTP {answer.status} {code}: {message}", code if _counts(answer.status) else None


def _json_or_none(resp: Response) -> Any:
    try:
        return json.loads(resp.body)
    except ValueError:
        return None

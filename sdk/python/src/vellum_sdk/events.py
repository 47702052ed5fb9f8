"""Server-Sent Events of finalized blocks, ``GET /v1/events`` (crates/api/src/events.rs).

Event ids are block heights; a block's own events (``tx``, ``payment``, ``hold``, ``proof``)
come before its ``block`` event, which alone carries the id. The stream survives validators:
when the connection breaks (a validator killed, a stall past the keep-alive, a ``lagged`` or
``reauth`` end), it resumes on the next validator with ``Last-Event-ID`` = the last block
received in full, signing the request afresh; a block's events are delivered once, with it."""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from .errors import NodeError, Unavailable
from .http import Node, Unreachable

#: The node sends a comment line every 15 s; silence for longer means the validator is gone.
READ_TIMEOUT_S = 30.0
#: Pause before trying the next validator once all failed in a row.
RECONNECT_PAUSE_S = 0.5
#: Events that end a stream: the client resumes from their id.
_ENDING = ("lagged", "reauth")


@dataclass
class Event:
    """One SSE event: ``name`` (``block``, ``tx``, ``payment``, ``hold``, ``proof``, ``gap``),
    its JSON ``data``, and ``id`` (the height, on ``block`` events only)."""

    name: str
    data: Any
    id: str | None = None
    node: str = ""


def _parse(lines: Iterator[str]) -> Iterator[tuple[str, str, str | None]]:
    """SSE framing: ``event:``, ``data:`` (joined by newlines), ``id:``; a blank line ends an
    event; ``:`` lines are comments (keep-alives)."""
    name, data, ident = "message", [], None
    for line in lines:
        if line == "":
            if data:
                yield name, "\n".join(data), ident
            name, data, ident = "message", [], None
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "event":
            name = value
        elif field == "data":
            data.append(value)
        elif field == "id":
            ident = value


class EventStream:
    """An iterator over events that fails over between validators. ``until`` (a
    ``time.monotonic()`` deadline) ends the iteration; ``close()`` ends it from the caller."""

    def __init__(self, nodes: list[Node], start: int, headers: Callable[[str], dict[str, str]], after: int | None, until: float | None):
        self._nodes = nodes
        self._index = start
        self._headers = headers
        self.last_id: int | None = after
        self._until = until
        self._closed = False
        self._conn: http.client.HTTPConnection | None = None
        #: Validators the stream moved away from, with why.
        self.failovers: list[str] = []

    def close(self) -> None:
        self._closed = True
        if self._conn is not None:
            self._conn.close()

    def _timeout(self) -> float:
        if self._until is None:
            return READ_TIMEOUT_S
        return max(0.05, min(READ_TIMEOUT_S, self._until - time.monotonic()))

    def _expired(self) -> bool:
        return self._closed or (self._until is not None and time.monotonic() >= self._until)

    def _open(self, node: Node) -> http.client.HTTPResponse:
        path = "/v1/events"
        headers = dict(self._headers(path))
        headers["accept"] = "text/event-stream"
        if self.last_id is not None:
            headers["last-event-id"] = str(self.last_id)
        conn = node.connect(self._timeout())
        self._conn = conn
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            raise Unreachable(f"{type(e).__name__}: {e}") from None
        if resp.status != 200:
            body = resp.read(4096)
            conn.close()
            try:
                err = json.loads(body).get("error", {})
            except ValueError:
                err = {}
            if resp.status in (401, 403, 400):
                # Not a validator failure: the request itself is refused everywhere.
                raise NodeError(str(err.get("code", "unknown")), str(err.get("message", "")), resp.status, node.base)
            raise Unreachable(f"HTTP {resp.status} {err.get('code', '')}")
        return resp

    def _lines(self, resp: http.client.HTTPResponse) -> Iterator[str]:
        while not self._expired():
            if self._conn is not None and self._conn.sock is not None:
                # Each read waits at most until the caller's deadline.
                self._conn.sock.settimeout(self._timeout())
            try:
                raw = resp.readline()
            except (OSError, http.client.HTTPException) as e:
                if self._expired():
                    return
                raise Unreachable(f"stream broke: {type(e).__name__}: {e}") from None
            if not raw:
                raise Unreachable("stream ended")
            yield raw.decode("utf-8", "replace").rstrip("\r\n")

    def _events(self, node: Node) -> Iterator[Event]:
        """One connection's events until it ends; a ``lagged`` or ``reauth`` end returns
        normally (resume at once, signed afresh), a broken one raises :class:`Unreachable`.
        A block's events are held back until its ``block`` event (which carries the id)
        arrives: a connection that breaks mid-block loses them, and the resume after the last
        whole block replays them, so each event is delivered once."""
        resp = self._open(node)
        pending: list[Event] = []
        for name, data, ident in _parse(self._lines(resp)):
            try:
                value = json.loads(data) if data else None
                height = int(ident) if ident is not None else None
            except ValueError:
                raise Unreachable(f"sent an `{name}` event that is not JSON or whose id is not a height") from None
            if name in _ENDING:
                return
            pending.append(Event(name, value, ident, node.base))
            if height is not None:
                self.last_id = height
                yield from pending
                pending = []

    def __iter__(self) -> Iterator[Event]:
        failed_in_a_row = 0
        while not self._expired():
            node = self._nodes[self._index % len(self._nodes)]
            try:
                for event in self._events(node):
                    failed_in_a_row = 0
                    yield event
            except Unreachable as e:
                if self._expired():
                    break
                self.failovers.append(f"{node.base}: {e}")
                failed_in_a_row += 1
                self._index += 1
                if failed_in_a_row >= len(self._nodes):
                    if failed_in_a_row >= 3 * len(self._nodes) and self._until is None:
                        raise Unavailable("the event stream", self.failovers[-len(self._nodes):]) from None
                    time.sleep(RECONNECT_PAUSE_S)
            finally:
                if self._conn is not None:
                    self._conn.close()

"""One validator's API over HTTP (standard library only), with the timeouts of docs/client.md:
a dead validator refuses the connection at once, a filtered one shows up in the connect
timeout, and a stopped or overloaded one (which accepts the TCP connection and never answers)
in the response-head timeout."""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

#: How long a TCP connect may take.
CONNECT_TIMEOUT_S = 2.0
#: How long a validator may take to start answering.
RESPONSE_TIMEOUT_S = 5.0
#: Whole-request bound, large bodies (bundles, originals) included.
REQUEST_TIMEOUT_S = 60.0
#: Largest body read from a validator.
BODY_BYTES_MAX = 64 * 1024 * 1024
_CHUNK_BYTES = 64 * 1024


class Unreachable(Exception):
    """The validator did not answer (connection refused or reset, a timeout, a broken reply)."""


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            raise Unreachable(f"sent non-JSON (HTTP {self.status}): {self.body[:200]!r}") from None

    def error(self) -> tuple[str, str, int | None]:
        """The stable error code, message and (for ``bad_nonce``) expected nonce."""
        try:
            e = json.loads(self.body).get("error") or {}
        except (ValueError, AttributeError):
            return "unknown", self.body[:200].decode("utf-8", "replace"), None
        nonce = e.get("expected_nonce")
        return str(e.get("code", "unknown")), str(e.get("message", "")), nonce if isinstance(nonce, int) else None


class Node:
    """One validator's API base URL (``http://host:port`` or ``https://...``)."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")
        parts = urlsplit(self.base)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an API address: {base!r}")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._https else 80)
        self._prefix = parts.path

    def __repr__(self) -> str:
        return f"Node({self.base})"

    def connect(self, read_timeout: float) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        conn = cls(self._host, self._port, timeout=CONNECT_TIMEOUT_S)
        try:
            conn.connect()
        except OSError as e:
            conn.close()
            raise Unreachable(f"cannot connect: {e}") from None
        conn.sock.settimeout(read_timeout)
        return conn

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> Response:
        """One request; any transport failure is :class:`Unreachable`."""
        deadline = time.monotonic() + REQUEST_TIMEOUT_S
        conn = self.connect(RESPONSE_TIMEOUT_S)
        try:
            conn.request(method, self._prefix + path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = self._read_body(resp, deadline)
            return Response(resp.status, data, {k.lower(): v for k, v in resp.getheaders()})
        except (OSError, http.client.HTTPException) as e:
            raise Unreachable(f"{type(e).__name__}: {e}") from None
        finally:
            conn.close()

    @staticmethod
    def _read_body(resp: http.client.HTTPResponse, deadline: float) -> bytes:
        """Reads the body in chunks: each read waits at most the response timeout (set on the
        socket), and the whole body must arrive before ``deadline``."""
        chunks: list[bytes] = []
        size = 0
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Unreachable(f"answer not complete within {REQUEST_TIMEOUT_S:.0f} s")
            chunk = resp.read(_CHUNK_BYTES)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > BODY_BYTES_MAX:
                raise Unreachable(f"answer larger than {BODY_BYTES_MAX} bytes")
            chunks.append(chunk)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return self.request("GET", path, headers=headers)

    def post_tx(self, wire: bytes) -> Response:
        return self.request("POST", "/v1/tx", body=wire, headers={"content-type": "application/octet-stream"})

    def post_txs(self, frame: bytes) -> Response:
        """``POST /v1/txs`` with a batch frame (:func:`vellum_sdk.batch.encode_batch_frame`)."""
        return self.request("POST", "/v1/txs", body=frame, headers={"content-type": "application/octet-stream"})

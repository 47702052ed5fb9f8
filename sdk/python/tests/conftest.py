"""Shared paths: the vectors and examples live in the repository's docs/ (read relative to the
repository root, so the SDK is checked against exactly what the spec publishes). The ``devnet``
fixture of the tests that need a real devnet (``VELLUM_BIN`` set), and ``https``: a local HTTPS
server with a CA of its own (an issuer's web site serving its well-known document)."""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import json
import os
import signal
import socket
import ssl
import subprocess
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

REPO = Path(__file__).resolve().parents[3]
VECTORS = REPO / "docs" / "vectors"
EXAMPLES = REPO / "docs" / "examples"


def load_vectors(name: str) -> dict:
    """``docs/vectors/<name>.json``; the tests that need it are skipped while it is absent."""
    path = VECTORS / f"{name}.json"
    if not path.exists():
        pytest.skip(f"{path} not generated yet")
    return json.loads(path.read_text())


#: The ``vellum`` binary of the devnet tests (they are skipped without it).
VELLUM_BIN = os.environ.get("VELLUM_BIN")
DEVNET_UP_TIMEOUT_S = 150
DEVNET_DOWN_TIMEOUT_S = 60
DEVNET_VALIDATORS = 4


def free_ports(count: int, taken: set[int]) -> int:
    """``count`` consecutive free ports on 127.0.0.1 not handed out before."""
    for _ in range(1000):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base > 65000 - count or any(p in taken for p in range(base, base + count)):
            continue
        try:
            for p in range(base, base + count):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", p))
        except OSError:
            continue
        taken.update(range(base, base + count))
        return base
    raise RuntimeError("no free port range")


def _devnet_down(d: Path) -> None:
    """``vellum devnet down``; if that fails, SIGKILL to the validators it started (devnet.pids)."""
    try:
        down = subprocess.run([VELLUM_BIN, "devnet", "down", "--dir", str(d)], capture_output=True, timeout=DEVNET_DOWN_TIMEOUT_S)
        if down.returncode == 0:
            return
    except subprocess.TimeoutExpired:
        pass
    pids = d / "devnet.pids"
    for line in pids.read_text().split() if pids.exists() else []:
        try:
            os.kill(int(line), signal.SIGKILL)
        except (ValueError, ProcessLookupError, PermissionError):
            pass


@pytest.fixture(scope="module")
def devnet(tmp_path_factory):
    """A 4-validator devnet of its own for the test module, on free ports (``$VELLUM_BIN devnet up
    --detach``); always brought down after the module's tests."""
    assert VELLUM_BIN, "the devnet fixture needs VELLUM_BIN"
    d = tmp_path_factory.mktemp("devnet") / "net"
    taken: set[int] = set()
    p2p, api = free_ports(DEVNET_VALIDATORS, taken), free_ports(DEVNET_VALIDATORS, taken)
    cmd = [VELLUM_BIN, "devnet", "up", "--dir", str(d), "--detach", "--p2p-port", str(p2p), "--api-port", str(api)]
    try:
        up = subprocess.run(cmd, capture_output=True, text=True, timeout=DEVNET_UP_TIMEOUT_S, stdin=subprocess.DEVNULL)
        assert up.returncode == 0, f"devnet up failed: {up.stdout}{up.stderr}"
        yield d
    finally:
        _devnet_down(d)


@pytest.fixture(scope="module")
def https(tmp_path_factory):
    """An HTTPS server on 127.0.0.1 with a certificate of a CA of its own (``ca.pem``),
    serving ``documents[path]``; ``url(path)``."""
    d = tmp_path_factory.mktemp("https")
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])

    def certificate(subject, public_key, extensions):
        # What strict X.509 verification (Python 3.13's default) asks of a CA and a server.
        b = x509.CertificateBuilder().subject_name(subject).issuer_name(ca_name).public_key(public_key).serial_number(x509.random_serial_number())
        b = b.not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
        b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        for extension, critical in extensions:
            b = b.add_extension(extension, critical=critical)
        return b.sign(ca_key, hashes.SHA256())

    usage = dict(content_commitment=False, key_encipherment=False, data_encipherment=False, key_agreement=False, encipher_only=False, decipher_only=False)
    ca = certificate(ca_name, ca_key.public_key(), [
        (x509.BasicConstraints(ca=True, path_length=None), True),
        (x509.KeyUsage(digital_signature=False, key_cert_sign=True, crl_sign=True, **usage), True),
    ])
    cert = certificate(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]), key.public_key(), [
        (x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False),
        (x509.KeyUsage(digital_signature=True, key_cert_sign=False, crl_sign=False, **usage), True),
        (x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), False),
    ])
    (d / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (d / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (d / "cert.der").write_bytes(cert.public_bytes(serialization.Encoding.DER))
    (d / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    documents: dict[str, tuple[int, bytes, dict]] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, data, headers = documents.get(self.path, (404, b"not here", {}))
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(d / "cert.pem", d / "key.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    class Https:
        dir = d
        ca = d / "ca.pem"

        @staticmethod
        def url(path: str) -> str:
            return f"https://127.0.0.1:{server.server_address[1]}{path}"

        @staticmethod
        def serve(path: str, body: bytes, status: int = 200, headers: dict | None = None) -> None:
            documents[path] = (status, body, headers or {})

    yield Https
    server.shutdown()

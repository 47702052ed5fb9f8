"""Shared paths: the vectors and examples live in the repository's docs/ (read relative to the
repository root, so the SDK is checked against exactly what the spec publishes). And the
``devnet`` fixture of the tests that need a real devnet (``VELLUM_BIN`` set)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
from pathlib import Path

import pytest

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

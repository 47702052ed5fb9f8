#!/usr/bin/env python3
"""Signing and verification throughput of the Python SDK, per scheme, and transaction encoding.

Usage: sdk/python/.venv/bin/python sdk/python/bench.py [seconds per measurement]

Each figure is single-threaded operations per second over the signing bytes of a one-leg
transfer (the message every transaction signature covers), measured for the given time."""

from __future__ import annotations

import os
import platform
import sys
import time

from vellum_sdk import SecretKey, Transaction, UnsignedTx, bodies, verify_signature

SECONDS_DEFAULT = 1.0


def rate(work, seconds: float) -> float:
    """Calls ``work`` until ``seconds`` have passed; returns calls per second."""
    n, start = 0, time.perf_counter()
    while True:
        for _ in range(50):
            work()
        n += 50
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return n / elapsed


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else SECONDS_DEFAULT
    sender = SecretKey.generate("ed25519")
    unsigned = UnsignedTx("vellum-devnet", sender.account, 7, 100_000, bodies.transfer([bodies.leg("ab" * 32, "EUR", 11900)]))
    message = unsigned.signing_bytes()
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), platform.processor())
    print(f"machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; Python {platform.python_version()}")
    print(f"{'operation':<34}{'ops/s':>12}")
    for scheme in ("ed25519", "secp256k1", "p256"):
        key = SecretKey.generate(scheme)
        sig = key.sign(message)
        print(f"{scheme + ' sign':<34}{rate(lambda k=key: k.sign(message), seconds):>12,.0f}")
        print(f"{scheme + ' verify':<34}{rate(lambda s=sig: verify_signature(s, message), seconds):>12,.0f}")
    tx = Transaction(unsigned, [sender.sign(message)])
    wire = tx.wire()
    print(f"{'tx encode (wire + id)':<34}{rate(lambda: (tx.wire(), unsigned.id()), seconds):>12,.0f}")
    print(f"{'tx decode (wire, shape checks)':<34}{rate(lambda: Transaction.from_wire(wire), seconds):>12,.0f}")


if __name__ == "__main__":
    main()

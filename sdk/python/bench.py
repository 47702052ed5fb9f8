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

import coincurve
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

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


def bare(scheme: str, message: bytes):
    """The bound: the library call alone on the same bytes (sign, verify), measured in the same
    run — what the SDK adds is the rest (encoding, low-S, recovery id, checks)."""
    if scheme == "ed25519":
        k = ed25519.Ed25519PrivateKey.generate()
        sig, pub = k.sign(message), k.public_key()
        return (lambda: k.sign(message)), (lambda: pub.verify(sig, message))
    if scheme == "secp256k1":
        k = coincurve.PrivateKey()
        sig = k.sign_recoverable(message)
        return (lambda: k.sign_recoverable(message)), (lambda: coincurve.PublicKey.from_signature_and_message(sig, message))
    k = ec.generate_private_key(ec.SECP256R1())
    sig, pub = k.sign(message, ec.ECDSA(hashes.SHA256())), k.public_key()
    return (lambda: k.sign(message, ec.ECDSA(hashes.SHA256()))), (lambda: pub.verify(sig, message, ec.ECDSA(hashes.SHA256())))


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else SECONDS_DEFAULT
    sender = SecretKey.generate("ed25519")
    unsigned = UnsignedTx("vellum-devnet", sender.account, 7, 100_000, bodies.transfer([bodies.leg("ab" * 32, "EUR", 11900)]))
    message = unsigned.signing_bytes()
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), platform.processor())
    print(f"machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; Python {platform.python_version()}")
    print(f"{'operation':<34}{'SDK ops/s':>12}{'bare library':>14}{'ratio':>7}")
    for scheme in ("ed25519", "secp256k1", "p256"):
        key = SecretKey.generate(scheme)
        sig = key.sign(message)
        bare_sign, bare_verify = bare(scheme, message)
        for what, sdk, lib in (("sign", lambda k=key: k.sign(message), bare_sign), ("verify", lambda s=sig: verify_signature(s, message), bare_verify)):
            ours, theirs = rate(sdk, seconds), rate(lib, seconds)
            print(f"{scheme + ' ' + what:<34}{ours:>12,.0f}{theirs:>14,.0f}{ours / theirs:>7.2f}")
    tx = Transaction(unsigned, [sender.sign(message)])
    wire = tx.wire()
    print(f"{'tx encode (wire + id)':<34}{rate(lambda: (tx.wire(), unsigned.id()), seconds):>12,.0f}")
    print(f"{'tx decode (wire, shape checks)':<34}{rate(lambda: Transaction.from_wire(wire), seconds):>12,.0f}")


if __name__ == "__main__":
    main()

"""``python -m vellum_sdk``: the multi-party signing steps from a shell, for an officer whose
tooling is Python (the files are the CLI's: ``vellum tx build / sign / combine / submit``), and
a registration's current status (``vellum proof status``).

    python -m vellum_sdk keystore-new --scheme p256 --out officer.json   # password: VELLUM_PASSWORD or prompt
    python -m vellum_sdk sign payment.json --key officer.json [--yes] [--out signed.json]
    python -m vellum_sdk combine a.json b.json --out both.json
    python -m vellum_sdk submit both.json --config devnet/client.toml --key officer.json
    python -m vellum_sdk status --proof ID [--member N] [--out F.status] [--bundle B.vellum] --config devnet/client.toml

Exit status 0 on success, 1 with a one-line ``error: ...`` on any refusal."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path

from .client import Client
from .errors import VellumError
from .keys import PASSWORD_ENV, SecretKey, is_keystore_text, load_key, save_keystore
from .multisig import TxFile
from .verify import VerifiedStatus, status_now, verify_bundle


def _password(confirm: bool) -> str:
    password = os.environ.get(PASSWORD_ENV)
    if password is not None:
        return password
    first = getpass.getpass("password: ")
    if confirm and getpass.getpass("repeat the password: ") != first:
        raise VellumError("the passwords differ")
    return first


def _load(path: str) -> SecretKey:
    """A key file; the password is asked only for an encrypted keystore."""
    try:
        encrypted = is_keystore_text(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        encrypted = False  # load_key reports the unreadable file
    return load_key(path, _password(confirm=False) if encrypted else None)


def _keystore_new(args: argparse.Namespace) -> dict:
    key = SecretKey.generate(args.scheme)
    save_keystore(args.out, key, _password(confirm=True))
    return {"path": args.out, "public_key": str(key.public_key), "account_id": key.account}


def _sign(args: argparse.Namespace) -> dict:
    tx = TxFile.load(args.file)
    print(tx.describe(), file=sys.stderr)
    key = _load(args.key)
    if not args.yes:
        if not sys.stdin.isatty():
            raise VellumError("no terminal to confirm on: read the transaction above and pass --yes to sign it")
        if input(f"sign it with {key.public_key}? [y/N] ").strip() not in ("y", "Y", "yes"):
            raise VellumError("not signed")
    tx.sign(key)
    tx.save(args.out or args.file)
    return {"tx_id": tx.unsigned.id(), "signers": [str(k) for k in tx.signer_keys()]}


def _combine(args: argparse.Namespace) -> dict:
    combined = TxFile.combine(*(TxFile.load(f) for f in args.files))
    combined.save(args.out)
    return {"tx_id": combined.unsigned.id(), "signers": [str(k) for k in combined.signer_keys()]}


def _submit(args: argparse.Namespace) -> dict:
    client = Client.from_config(args.config)
    tx = TxFile.load(args.file)
    # The key reads the sending account's current signer set as that account (one of its keys).
    done = client.submit_tx_file(tx, _load(args.key))
    return {"tx_hash": done.tx_id, "status": "finalized", "height": done.height}


def status_json(status: dict) -> dict:
    """A proof status as ``vellum proof status --json`` shows it: ``status`` (its name), and
    for a change its ``reason`` code or successor (``by``), ``since_height`` and ``tx``."""
    out = {"status": status["state"]}
    if status["state"] == "live":
        return out
    if "reason" in status:
        out["reason"] = status["reason"]
    if "by" in status:
        out["by"] = status["by"]
    out.update(since_height=status["height"], tx=status["tx_id"])
    return out


def _status_report(v: VerifiedStatus) -> dict:
    return {
        "valid": True,
        "chain_id": v.chain_id,
        "genesis_hash": v.genesis_hash,
        "proof_id": v.proof_id,
        "member": v.member_index,
        "registrant": v.registrant,
        "status": status_json(v.status),
        "as_of_height": v.height,
        "as_of_time_ms": v.time_ms,
        "signers": v.signers,
        "validators": v.validators,
    }


def _status(args: argparse.Namespace) -> dict:
    """Fetches the freshest valid status proof, saves it (``--out``), and with ``--bundle``
    combines it with an older bundle (step 9: the status then and now)."""
    client = Client.from_config(args.config)
    data = client.fetch_status(args.proof, args.member)
    v = client.verify_status(data)
    if args.out:
        Path(args.out).write_bytes(data)
    report = _status_report(v) | {"bytes": len(data), "out": args.out}
    if args.bundle:
        bundle = verify_bundle(Path(args.bundle).read_bytes(), None, client.genesis_hash)
        now = status_now(bundle, v)
        report["status_then"] = status_json(now.then) | {"as_of_height": bundle.status_height}
        report["changed_since_bundle"] = now.changed
    return report


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m vellum_sdk", description="Vellum multi-party signing and proof status")
    sub = p.add_subparsers(dest="command", required=True)
    k = sub.add_parser("keystore-new", help="a new key in an encrypted keystore")
    k.add_argument("--scheme", choices=["ed25519", "secp256k1", "p256"], default="ed25519")
    k.add_argument("--out", required=True)
    k.set_defaults(run=_keystore_new)
    s = sub.add_parser("sign", help="add one signature, after showing the transaction")
    s.add_argument("file")
    s.add_argument("--key", required=True, help="key file or keystore")
    s.add_argument("--yes", action="store_true", help="sign without asking")
    s.add_argument("--out")
    s.set_defaults(run=_sign)
    c = sub.add_parser("combine", help="merge the signatures of files holding one transaction")
    c.add_argument("files", nargs="+")
    c.add_argument("--out", required=True)
    c.set_defaults(run=_combine)
    u = sub.add_parser("submit", help="check the weight, submit, wait until final")
    u.add_argument("file")
    u.add_argument("--config", default="devnet/client.toml")
    u.add_argument("--key", required=True, help="a key of the sending account (reads its signer set)")
    u.set_defaults(run=_submit)
    t = sub.add_parser("status", help="the freshest valid status proof of a registration, from every validator")
    t.add_argument("--proof", required=True, help="the proof id (64 hex)")
    t.add_argument("--member", type=int, help="one document of a batch")
    t.add_argument("--out", help="save the status proof (VELLUMST) to this file")
    t.add_argument("--bundle", help="an older bundle of the same document: report its status then and now")
    t.add_argument("--config", default="devnet/client.toml")
    t.set_defaults(run=_status)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        print(json.dumps(args.run(args)))
        return 0
    except (VellumError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

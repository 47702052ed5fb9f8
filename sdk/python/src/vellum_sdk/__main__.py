"""``python -m vellum_sdk``: the multi-party signing steps from a shell, for an officer whose
tooling is Python (the files are the CLI's: ``vellum tx build / sign / combine / submit``).

    python -m vellum_sdk keystore-new --scheme p256 --out officer.json   # password: VELLUM_PASSWORD or prompt
    python -m vellum_sdk sign payment.json --key officer.json [--yes] [--out signed.json]
    python -m vellum_sdk combine a.json b.json --out both.json
    python -m vellum_sdk submit both.json --config devnet/client.toml --key officer.json

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


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m vellum_sdk", description="Vellum multi-party signing")
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

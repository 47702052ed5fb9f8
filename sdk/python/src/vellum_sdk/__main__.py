"""``python -m vellum_sdk``: the multi-party signing steps from a shell, for an officer whose
tooling is Python (the files are the CLI's: ``vellum tx build / sign / combine / submit``), a
registration's current status (``vellum proof status``) and offline verification (``vellum
verify``: bundles, payment receipts, transaction receipts and status proofs, told apart by their
magic).

    python -m vellum_sdk keystore-new --scheme p256 --out officer.json   # password: VELLUM_PASSWORD or prompt
    python -m vellum_sdk sign payment.json --key officer.json [--yes] [--out signed.json]
    python -m vellum_sdk combine a.json b.json --out both.json
    python -m vellum_sdk submit both.json --config devnet/client.toml --key officer.json
    python -m vellum_sdk status --proof ID [--member N] [--out F.status] [--bundle B.vellum] --config devnet/client.toml
    python -m vellum_sdk verify FILE [--document DOC] [--status F.status] [--witnesses POLICY] (--genesis HEX | --config devnet/client.toml)

Each prints one JSON object. A bundle or status proof names the registrant's issuer identity
(``issuer``, and ``issuer_line``: "Registered by Example University (example.edu), attested by
… at height H", "… no attested identity", or "… carries no issuer identity (older format)").
A transaction receipt (``VELLUMTR``) reports the transaction (``tx_id``, ``tx_kind``,
``sender``, ``signers``, ``log_index``) and the leaves it appended after itself (``appended``:
``{"kind": "payment" | "event" | "invoice", "record": …}`` each, as ``vellum verify --json``).
A bundle or receipt reports the checkpoint witnesses cosigned (``witnessed_size``, null when
the file carries none) and, under ``--witnesses POLICY`` (the CLI's policy file: ``witness
<name> <hex key> [url]`` lines, ``quorum <k>``), how many of the policy's witnesses validly
cosigned it (``witness_cosignatures``; below the quorum, or no cosigned checkpoint: step 10).
Exit status 0 on success, 1 with a one-line ``error: ...`` on any refusal (an invalid file:
the failing step); ``verify`` exits 2 for valid evidence whose status (now, with ``--status``)
is not live."""

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
from .verify import (
    VerifiedBundle,
    VerifiedReceipt,
    VerifiedStatus,
    VerifiedTxReceipt,
    issuer_json,
    status_now,
    verify_bundle,
    verify_file,
    verify_status_proof,
)
from .witness import WitnessPolicy, check_witness_policy


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
        "issuer": issuer_json(v.issuer),
        "issuer_line": v.issuer_line(),
    }


def _bundle_report(v: VerifiedBundle) -> dict:
    return {
        "valid": True,
        "kind": "bundle",
        "chain_id": v.chain_id,
        "genesis_hash": v.genesis_hash,
        "checkpoint_pinned": v.checkpoint_pinned,
        "proof_id": v.record["proof_id"],
        "member": v.member_index,
        "registrant": v.registrant,
        "signer": v.signer,
        "registered_digest": v.registered_digest,
        "registered_height": v.record["height"],
        "registered_time_ms": v.record["time_ms"],
        "status": status_json(v.status),
        "as_of_height": v.status_height,
        "as_of_time_ms": v.status_time_ms,
        "signers": v.signers,
        "validators": v.validators,
        "validator_set_changes": v.validator_set_changes,
        "document": v.document,
        "issuer": issuer_json(v.issuer),
        "issuer_line": v.issuer_line(),
        "witnessed_size": v.witnessed_size,
        "witness_cosignatures": v.witness_cosignatures,
        "witnessed_line": v.witnessed_line(),
    }


def _receipt_report(v: VerifiedReceipt) -> dict:
    return {
        "valid": True,
        "kind": "receipt",
        "chain_id": v.chain_id,
        "genesis_hash": v.genesis_hash,
        "checkpoint_pinned": v.checkpoint_pinned,
        "tx_id": v.tx.id(),
        "signers": v.signers,
        "record": v.record,
        "as_of_height": v.header_height,
        "validators": v.validators,
        "validator_set_changes": v.validator_set_changes,
        "witnessed_size": v.witnessed_size,
        "witness_cosignatures": v.witness_cosignatures,
        "witnessed_line": v.witnessed_line(),
    }


def _tx_receipt_report(v: VerifiedTxReceipt) -> dict:
    """As ``vellum verify --json`` shows a transaction receipt (plus ``validator_set_changes``
    and ``witnessed_line``)."""
    return {
        "valid": True,
        "kind": "tx_receipt",
        "chain_id": v.chain_id,
        "genesis_hash": v.genesis_hash,
        "checkpoint_pinned": v.checkpoint_pinned,
        "tx_id": v.tx_id,
        "tx_kind": v.tx_kind,
        "tx": v.tx.unsigned.to_json(),
        "sender": v.sender,
        "signers": v.signers,
        "log_index": v.tx_index,
        "appended": v.appended,
        "certified_at_height": v.header_height,
        "certificate_signers": v.certificate_signers,
        "validators": v.validators,
        "validator_set_changes": v.validator_set_changes,
        "witnessed_size": v.witnessed_size,
        "witness_cosignatures": v.witness_cosignatures,
        "witnessed_line": v.witnessed_line(),
    }


def _verify(args: argparse.Namespace) -> tuple[dict, int]:
    """Offline: a bundle, a payment or transaction receipt or a status proof (told apart by the magic), against the
    pinned genesis (``--genesis``, else the config's); with ``--status`` a bundle and a
    status proof together (step 9); with ``--witnesses`` a bundle or receipt under a witness
    policy (step 10d, checked last). Exit 2: valid, but not live (now, with ``--status``)."""
    pinned = args.genesis or (Client.from_config(args.config).genesis_hash if args.config else None)
    data = Path(args.file).read_bytes()
    document = Path(args.document).read_bytes() if args.document else None
    policy = WitnessPolicy.load(args.witnesses) if args.witnesses else None
    v = verify_file(data, document, pinned)
    if isinstance(v, VerifiedStatus):
        if args.status:
            raise VellumError("--status goes with a bundle, not a status proof")
        if policy is not None:
            raise VellumError("--witnesses goes with a bundle or a receipt: a status proof carries no cosignatures")
        return _status_report(v) | {"kind": "status", "checkpoint_pinned": v.checkpoint_pinned}, 0 if v.live else 2
    if isinstance(v, VerifiedReceipt):
        if args.status:
            raise VellumError("--status goes with a bundle, not a receipt")
        if policy is not None:
            v.witness_cosignatures = check_witness_policy(v.witnessed, policy)
        return _receipt_report(v), 0
    if isinstance(v, VerifiedTxReceipt):
        if args.status:
            raise VellumError("--status goes with a bundle, not a transaction receipt")
        if policy is not None:
            v.witness_cosignatures = check_witness_policy(v.witnessed, policy)
        return _tx_receipt_report(v), 0
    now = None
    if args.status:
        s = verify_status_proof(Path(args.status).read_bytes(), pinned or v.genesis_hash)
        now = status_now(v, s)
    if policy is not None:
        v.witness_cosignatures = check_witness_policy(v.witnessed, policy)
    report = _bundle_report(v)
    if now is None:
        return report, 0 if v.live else 2
    report["status_now"] = status_json(now.now) | {"as_of_height": now.now_height, "as_of_time_ms": now.now_time_ms}
    report["changed_since_bundle"] = now.changed
    report["issuer_now"] = issuer_json(now.issuer_now)
    report["issuer_now_line"] = s.issuer_line()
    return report, 0 if now.now["state"] == "live" else 2


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
        report["issuer_then"] = issuer_json(bundle.issuer)
        report["issuer_then_line"] = bundle.issuer_line()
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
    v = sub.add_parser("verify", help="verify a bundle, payment or transaction receipt, or status proof offline (exit 2: valid, not live)")
    v.add_argument("file")
    v.add_argument("--document", help="the document a bundle proves (checked at step 8)")
    v.add_argument("--status", help="a status proof of the bundle's registration: its status now (step 9)")
    v.add_argument("--genesis", help="the chain's genesis hash to pin (64 hex)")
    v.add_argument("--config", help="pin the genesis hash of this client.toml instead")
    v.add_argument("--witnesses", help="a witness policy file: require k of its witnesses' cosignatures (step 10)")
    v.set_defaults(run=_verify)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        result = args.run(args)
        report, code = result if isinstance(result, tuple) else (result, 0)
        print(json.dumps(report, ensure_ascii=False))
        return code
    except (VellumError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

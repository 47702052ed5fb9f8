"""Multi-party transaction files (``vellum tx build/sign/combine/submit``): each signer of a
k-of-n account signs on their own machine; the files are combined and submitted once the
weight of distinct signer keys reaches the account's threshold.

File format (JSON)::

    { "vellum_tx": 1, "chain_id": "...", "tx_id": "<64 hex>",
      "unsigned": "<hex of 0x01 ‖ borsh(UnsignedTx)>",
      "body": { ...body JSON form, informative... },
      "signatures": ["<hex of borsh(Signature)>", ...] }

A reader refuses an unknown ``vellum_tx``, a ``tx_id`` or ``chain_id`` that is not the
transaction's, a signature that does not verify over the signing bytes of ``unsigned``
(:class:`ForeignSignature`) and two signatures by one key (:class:`DuplicateSigner`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import DecodeError, DuplicateSigner, ForeignSignature, FormatError, InsufficientWeight, SignatureError, TxFileError, UnauthorizedSigner
from .keys import SecretKey, verify_signature
from .tx import TX_SIGNATURES_MAX, Transaction, UnsignedTx, check_shape
from .types import PublicKey, Signature

TX_FILE_VERSION = 1


@dataclass
class TxFile:
    unsigned: UnsignedTx
    signatures: list[Signature] = field(default_factory=list)

    # --- reading and writing ----------------------------------------------------------------

    def to_json(self) -> dict:
        return {
            "vellum_tx": TX_FILE_VERSION,
            "chain_id": self.unsigned.chain_id,
            "tx_id": self.unsigned.id(),
            "unsigned": self.unsigned.wire().hex(),
            "body": self.unsigned.body,
            "signatures": [s.hex() for s in self.signatures],
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2) + "\n"

    def save(self, path: str | os.PathLike) -> None:
        Path(path).write_text(self.dumps())

    @classmethod
    def load(cls, path: str | os.PathLike) -> "TxFile":
        try:
            text = Path(path).read_text()
        except OSError as e:
            raise TxFileError(f"cannot read {path}: {e}") from None
        return cls.loads(text)

    @classmethod
    def loads(cls, text: str) -> "TxFile":
        try:
            value = json.loads(text)
        except ValueError as e:
            raise TxFileError(f"not a transaction file: {e}") from None
        return cls.from_json(value)

    @classmethod
    def from_json(cls, value: Any) -> "TxFile":
        """Reads and checks a file: every refusal of the format above is a typed error."""
        if not isinstance(value, dict):
            raise TxFileError("not a transaction file: expected a JSON object")
        if value.get("vellum_tx") != TX_FILE_VERSION:
            raise TxFileError(f"unknown transaction file version {value.get('vellum_tx')!r} (this SDK reads {TX_FILE_VERSION})")
        try:
            unsigned = UnsignedTx.from_wire(bytes.fromhex(value["unsigned"]))
        except (KeyError, TypeError, ValueError) as e:
            if isinstance(e, DecodeError):
                raise TxFileError(f"`unsigned` is not an encoded transaction: {e}") from None
            raise TxFileError(f"`unsigned` missing or not hex: {e}") from None
        if value.get("tx_id") != unsigned.id():
            raise TxFileError(f"tx_id {value.get('tx_id')!r} is not the id of the file's transaction ({unsigned.id()})")
        if value.get("chain_id") != unsigned.chain_id:
            raise TxFileError(f"chain_id {value.get('chain_id')!r} differs from the transaction's ({unsigned.chain_id})")
        sigs = value.get("signatures")
        if not isinstance(sigs, list):
            raise TxFileError("`signatures` must be a list")
        out = cls(unsigned)
        for i, text in enumerate(sigs):
            try:
                sig = Signature.from_hex(text, f"signatures[{i}]")
            except (FormatError, DecodeError) as e:
                raise TxFileError(f"signature {i} is not an encoded signature: {e}") from None
            out.add(sig)
        return out

    # --- signing ----------------------------------------------------------------------------

    def signer_keys(self) -> list[PublicKey]:
        """The distinct keys that signed, in signature order (verified)."""
        message = self.unsigned.signing_bytes()
        return [verify_signature(s, message, i) for i, s in enumerate(self.signatures)]

    def add(self, sig: Signature) -> PublicKey:
        """Adds one signature after checking it is over this transaction and by a new key."""
        try:
            key = verify_signature(sig, self.unsigned.signing_bytes())
        except SignatureError as e:
            raise ForeignSignature(f"signature over another transaction (it does not verify over {self.unsigned.id()}): {e}") from None
        if key in self.signer_keys():
            raise DuplicateSigner(str(key))
        if len(self.signatures) >= TX_SIGNATURES_MAX:
            raise TxFileError(f"more than {TX_SIGNATURES_MAX} signatures")
        self.signatures.append(sig)
        return key

    def sign(self, key: SecretKey) -> Signature:
        """Adds ``key``'s signature."""
        sig = key.sign(self.unsigned.signing_bytes())
        self.add(sig)
        return sig

    def describe(self) -> str:
        """What is being signed, in words (shown to a signer before they sign)."""
        u = self.unsigned
        lines = [
            f"transaction {u.id()} on chain {u.chain_id}",
            f"  from account {u.sender}, nonce {u.nonce}, valid until height {u.expiry_height}",
            f"  {u.kind}: {json.dumps({k: v for k, v in u.body.items() if k != 'type'}, sort_keys=True)}",
            f"  {len(self.signatures)} signature(s) so far",
        ]
        return "\n".join(lines)

    # --- combining and submitting -----------------------------------------------------------

    @classmethod
    def combine(cls, *files: "TxFile") -> "TxFile":
        """One file with every signature of ``files`` (all over the same transaction)."""
        if not files:
            raise TxFileError("nothing to combine")
        out = cls(files[0].unsigned)
        wire = out.unsigned.wire()
        for f in files:
            if f.unsigned.wire() != wire:
                raise ForeignSignature(f"cannot combine: a file holds transaction {f.unsigned.id()}, not {out.unsigned.id()}")
            for s in f.signatures:
                # The same signature in several inputs (each signer's file carries the earlier
                # ones) is one signature; another signature by the same key is a duplicate.
                if s not in out.signatures:
                    out.add(s)
        return out

    def check_weight(self, signer_set: dict) -> int:
        """Checks the distinct signer keys against the sender's signer set
        (``{"signers": [{"key", "weight"}], "threshold"}``); returns the weight."""
        weights = {s["key"]: s["weight"] for s in signer_set["signers"]}
        weight = 0
        for key in self.signer_keys():
            if str(key) not in weights:
                raise UnauthorizedSigner(str(key))
            weight += weights[str(key)]
        if weight < signer_set["threshold"]:
            raise InsufficientWeight(weight, signer_set["threshold"])
        return weight

    def transaction(self) -> Transaction:
        """The signed transaction, after the node's shape checks (at least one signature, the
        size limit, the body's rules)."""
        tx = Transaction(self.unsigned, list(self.signatures))
        check_shape(tx)
        return tx

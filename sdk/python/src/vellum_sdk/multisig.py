"""Multi-party transaction files (``vellum tx build/sign/combine/submit``, docs/wire-format.md
§14): each signer of a k-of-n account signs on their own machine; the files are combined and
submitted once the weight of distinct signer keys reaches the account's threshold.

File format (JSON)::

    { "vellum_tx": 1, "chain_id": "...", "tx_id": "<64 lowercase hex>",
      "unsigned": "<hex of 0x01 ‖ borsh(UnsignedTx)>",
      "body": { ...body JSON form, informative... },
      "signer_set": { "signers": [{"key", "weight"}], "threshold" },     # optional
      "signatures": ["<hex of borsh(Signature)>", ...] }

A reader refuses what the Rust reader (crates/cli/src/multiparty.rs) refuses, each with a typed
error: an unknown version or field, a missing or mistyped field, an unsigned transaction that
does not decode or breaks the shape rules, a ``tx_id`` or ``chain_id`` that is not the decoded
one's (:class:`TxFileError`); a signature over another transaction (:class:`ForeignSignature`);
two signatures by one key (:class:`DuplicateSigner`); one signature twice in a file
(:class:`RepeatedSignature`); a recoverable secp256k1 signature without a signer set to check
its recovered key against (:class:`NoSignerSet`); a key outside the signer set
(:class:`UnauthorizedSigner`, :class:`RecoversOutsider` for a recovered key).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .encoding import borsh, from_borsh, parse_hex
from .errors import (
    DecodeError,
    DuplicateSigner,
    ForeignSignature,
    FormatError,
    InsufficientWeight,
    NoSignerSet,
    RecoversOutsider,
    RepeatedSignature,
    SignatureError,
    TxFileError,
    UnauthorizedSigner,
)
from .keys import SecretKey, verify_signature
from .tx import TX_SIGNATURES_MAX, Transaction, UnsignedTx, check_shape, check_unsigned_shape
from .types import SIGNER_SET, PublicKey, Signature

TX_FILE_VERSION = 1
#: The fields a file may carry: any other is refused, not ignored (§14 rule 7).
FILE_FIELDS = ("vellum_tx", "chain_id", "tx_id", "unsigned", "body", "signer_set", "signatures")
#: The one field a file may leave out (as the Rust reader, which requires the others).
OPTIONAL_FIELDS = ("signer_set",)
#: The fields that hold text.
_TEXT_FIELDS = ("chain_id", "tx_id", "unsigned")


def normal_signer_set(value: Any, path: str = "signer_set") -> dict:
    """A signer set (``{"signers": [{"key", "weight"}], "threshold"}``, the form of §6.4.7 and
    of ``GET /v1/account/{id}``) with every field checked and keys in their lowercase text form,
    so keys compare as text. Raises :class:`FormatError`."""
    return from_borsh(SIGNER_SET, borsh(SIGNER_SET, value, path))


@dataclass
class TxFile:
    """A transaction file: the unsigned transaction, its checked signatures and, optionally,
    the sender's signer set as the builder read it (informative: early errors, and the only way
    to check a recoverable secp256k1 signature before the ledger does)."""

    unsigned: UnsignedTx
    signatures: list[Signature] = field(default_factory=list)
    signer_set: dict | None = None
    #: The key of each signature, in order (verified; recovered for secp256k1).
    _signers: list[PublicKey] = field(default_factory=list, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Checked on the value every reader will decode (numbers and hex normalised).
        self.unsigned = UnsignedTx.from_wire(self.unsigned.wire())
        check_unsigned_shape(self.unsigned)
        if self.signer_set is not None:
            self.signer_set = normal_signer_set(self.signer_set)
        given, self.signatures = list(self.signatures), []
        for index, sig in enumerate(given):
            if sig in given[:index]:
                raise RepeatedSignature(index, given.index(sig))
            self.add(sig, index)

    # --- reading and writing ----------------------------------------------------------------

    def to_json(self) -> dict:
        """The file's fields in the order ``vellum tx`` writes them (``signer_set`` only when known)."""
        out: dict[str, Any] = {
            "vellum_tx": TX_FILE_VERSION,
            "chain_id": self.unsigned.chain_id,
            "tx_id": self.unsigned.id(),
            "unsigned": self.unsigned.wire().hex(),
            "body": self.unsigned.body,
        }
        if self.signer_set is not None:
            out["signer_set"] = self.signer_set
        out["signatures"] = [s.hex() for s in self.signatures]
        return out

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"

    def save(self, path: str | os.PathLike) -> None:
        Path(path).write_text(self.dumps(), encoding="utf-8")

    @classmethod
    def load(cls, path: str | os.PathLike) -> "TxFile":
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
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
        """Reads and checks a file: every refusal of §14 is a typed error."""
        _check_fields(value)
        signer_set = _file_signer_set(value.get("signer_set"))
        unsigned = _file_unsigned(value)
        out = cls(unsigned, signer_set=signer_set)
        texts = value["signatures"]
        if len(texts) > TX_SIGNATURES_MAX:
            raise TxFileError(f"more than {TX_SIGNATURES_MAX} signatures")
        seen: list[bytes] = []
        for index, text in enumerate(texts):
            try:
                data = parse_hex(text, None, f"signatures[{index}]")
                sig = Signature.from_bytes(data)
            except (FormatError, DecodeError) as e:
                raise TxFileError(f"signature {index} is not an encoded signature: {e}") from None
            if data in seen:
                raise RepeatedSignature(index, seen.index(data))
            seen.append(data)
            out.add(sig, index)
        return out

    # --- signing ----------------------------------------------------------------------------

    def signer_keys(self) -> list[PublicKey]:
        """The distinct keys that signed, in signature order (verified)."""
        return list(self._signers)

    def add(self, sig: Signature, index: int | None = None) -> PublicKey:
        """Adds one signature after the checks of §14; returns its key. The same signature
        again is ignored (combining overlapping files is harmless); another signature by a key
        that already signed is a :class:`DuplicateSigner`."""
        index = len(self.signatures) if index is None else index
        recoverable = sig.scheme == "secp256k1"
        if recoverable and self.signer_set is None:
            # Recovery yields *some* key for any message: without the set, a signature over
            # another transaction would pass for a signer.
            raise NoSignerSet(index)
        try:
            key = verify_signature(sig, self.unsigned.signing_bytes())
        except SignatureError as e:
            raise ForeignSignature(f"signature over another transaction (it does not verify over {self.unsigned.id()}): {e}", index) from None
        if key in self._signers:
            if self.signatures[self._signers.index(key)] == sig:
                return key
            raise DuplicateSigner(str(key))
        if len(self.signatures) >= TX_SIGNATURES_MAX:
            raise TxFileError(f"more than {TX_SIGNATURES_MAX} signatures")
        self._require_signer(key, index, recoverable)
        self.signatures.append(sig)
        self._signers.append(key)
        return key

    def _require_signer(self, key: PublicKey, index: int, recovered: bool) -> int:
        """The weight of ``key`` in the file's signer set; refused when the set is known and
        does not hold the key (0 when no set is known)."""
        if self.signer_set is None:
            return 0
        for s in self.signer_set["signers"]:
            if s["key"] == str(key):
                return s["weight"]
        if recovered:
            raise RecoversOutsider(index, str(key), self.unsigned.sender)
        raise UnauthorizedSigner(str(key), self.unsigned.sender)

    def sign(self, key: SecretKey) -> Signature:
        """Adds ``key``'s signature: refused when that key signed already, when the file's
        signer set does not hold it, and for a secp256k1 key when the file carries no signer
        set (no reader could check its signature)."""
        index = len(self.signatures)
        if key.public_key in self._signers:
            raise DuplicateSigner(str(key.public_key))
        if key.scheme == "secp256k1" and self.signer_set is None:
            raise NoSignerSet(index)
        # The signer's own key: outside the set means not a signer, whatever its scheme.
        self._require_signer(key.public_key, index, recovered=False)
        sig = key.sign(self.unsigned.signing_bytes())
        self.add(sig, index)
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
        """One file with every signature of ``files`` (all holding the same transaction). A
        signature present in several files (each signer's copy carries the earlier ones) is
        one signature; two different signatures by one key are a :class:`DuplicateSigner`. The
        signer set is the first one a file carries; every signature is checked against it."""
        if not files:
            raise TxFileError("nothing to combine")
        wire = files[0].unsigned.wire()
        for f in files:
            if f.unsigned.wire() != wire:
                raise ForeignSignature(f"cannot combine: a file holds transaction {f.unsigned.id()}, not {files[0].unsigned.id()}")
        signer_set = next((f.signer_set for f in files if f.signer_set is not None), None)
        out = cls(files[0].unsigned, signer_set=signer_set)
        for f in files:
            for sig in f.signatures:
                out.add(sig)
        return out

    def with_signer_set(self, signer_set: dict) -> "TxFile":
        """The same transaction and signatures, every signature checked again against
        ``signer_set`` (the ledger's current one, from ``GET /v1/account/{id}``), which the
        result carries. Raises :class:`UnauthorizedSigner` (:class:`RecoversOutsider` for a
        recovered key)."""
        return TxFile(self.unsigned, list(self.signatures), signer_set)

    def check_weight(self, signer_set: dict | None = None) -> int:
        """The weight of the distinct signing keys in a signer set (``{"signers": [{"key",
        "weight"}], "threshold"}``; by default the file's own), after checking every key is
        in it. Raises :class:`UnauthorizedSigner` and :class:`InsufficientWeight`."""
        checked = self if signer_set is None else self.with_signer_set(signer_set)
        if checked.signer_set is None:
            raise TxFileError("no signer set to check the weight against (the file carries none)")
        # Every signing key is in the set (`add` refused any other): this only sums weights.
        weight = sum(checked._require_signer(key, index, recovered=False) for index, key in enumerate(checked._signers))
        if weight < checked.signer_set["threshold"]:
            raise InsufficientWeight(weight, checked.signer_set["threshold"])
        return weight

    def transaction(self) -> Transaction:
        """The signed transaction: the weight checked against the file's signer set when it
        carries one (the ledger decides in the end), then the node's shape checks (at least one
        signature, the size limit, the body's rules)."""
        if self.signer_set is not None:
            self.check_weight()
        tx = Transaction(self.unsigned, list(self.signatures))
        check_shape(tx)
        return tx


# --- reading a file's fields ------------------------------------------------------------------


def _check_fields(value: Any) -> None:
    """The file is an object of exactly the §14 fields, each of its JSON type."""
    if not isinstance(value, dict):
        raise TxFileError("not a transaction file: expected a JSON object")
    unknown = [k for k in value if k not in FILE_FIELDS]
    if unknown:
        raise TxFileError(f"not a transaction file: unknown field(s) {', '.join(map(repr, unknown))} (refused, not ignored)")
    missing = [k for k in FILE_FIELDS if k not in value and k not in OPTIONAL_FIELDS]
    if missing:
        raise TxFileError(f"not a transaction file: missing field(s) {', '.join(missing)}")
    version = value["vellum_tx"]
    if isinstance(version, bool) or not isinstance(version, int):
        raise TxFileError(f"not a transaction file: `vellum_tx` must be an integer, got {version!r}")
    if version != TX_FILE_VERSION:
        raise TxFileError(f"unknown transaction file version {version} (this SDK reads {TX_FILE_VERSION})")
    for name in _TEXT_FIELDS:
        if not isinstance(value[name], str):
            raise TxFileError(f"not a transaction file: `{name}` must be a string")
    if not isinstance(value["signatures"], list):
        raise TxFileError("not a transaction file: `signatures` must be a list")


def _file_signer_set(value: Any) -> dict | None:
    """The file's signer set; absent or ``null`` means none (as in Rust)."""
    if value is None:
        return None
    try:
        return normal_signer_set(value)
    except FormatError as e:
        raise TxFileError(f"its signer_set is not a signer set: {e}") from None


def _file_unsigned(value: dict) -> UnsignedTx:
    """The decoded transaction, after the shape rules and the file's ``tx_id`` and ``chain_id``."""
    try:
        unsigned = UnsignedTx.from_wire(parse_hex(value["unsigned"], None, "unsigned"))
    except FormatError as e:
        raise TxFileError(f"`unsigned` is not hex: {e}") from None
    except DecodeError as e:
        raise TxFileError(f"`unsigned` is not an encoded transaction: {e}") from None
    try:
        check_unsigned_shape(unsigned)
    except DecodeError as e:
        raise TxFileError(f"the unsigned transaction breaks the shape rules: {e}") from None
    # Compared as text, as in Rust: exactly the lowercase hex every writer produces.
    if value["tx_id"] != unsigned.id():
        raise TxFileError(f"tx_id {value['tx_id']!r} is not the id of the file's transaction ({unsigned.id()}, 64 lowercase hex digits)")
    if value["chain_id"] != unsigned.chain_id:
        raise TxFileError(f"chain_id {value['chain_id']!r} differs from the transaction's ({unsigned.chain_id})")
    return unsigned

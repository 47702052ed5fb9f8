"""Checkpoints of the log in the C2SP signed-note format (c2sp.org/tlog-checkpoint,
c2sp.org/signed-note) and witness cosignatures (c2sp.org/tlog-cosignature), as
docs/evidence-format.md §10 and §7a describe them (the Rust reference is
crates/evidence/src/checkpoint.rs)::

    <origin = chain id>
    <tree size, decimal>
    <root hash, base64>

    — <key name> <base64(key id[4] ‖ Ed25519 signature[64])>                  validators
    — <witness name> <base64(key id[4] ‖ timestamp[8, BE] ‖ signature[64])>   witnesses

A validator signs the three text lines (key id = ``SHA-256(name ‖ "\\n" ‖ 0x01 ‖ key)[:4]``); a
witness signs ``"cosignature/v1\\ntime <timestamp>\\n" ‖ text`` (key id with type byte 0x04).
Signatures are Ed25519; unknown or invalid signature lines are ignored when counting, as the
signed-note spec says.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field, replace
from typing import Iterable, Sequence

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .encoding import sha256

#: Largest note accepted, and most signature lines in one.
NOTE_BYTES_MAX = 16 * 1024
NOTE_SIGNATURES_MAX = 128
EM_DASH = "\u2014"
#: Signature types of a note key id: Ed25519 (validators) and cosignature/v1 (witnesses).
KEY_TYPE_ED25519 = 0x01
KEY_TYPE_COSIGNATURE = 0x04
_U64_MAX = (1 << 64) - 1
_DECIMAL = re.compile(r"[0-9]+")

#: ``(name, 32-byte Ed25519 public key)``: a validator's note key or a witness's key.
NamedKey = tuple[str, bytes]


class NoteError(ValueError):
    """A malformed checkpoint note, or one without enough valid signatures."""


@dataclass(frozen=True)
class NoteSignature:
    """A validator's signature line."""

    name: str
    key_id: bytes
    signature: bytes


@dataclass(frozen=True)
class Cosignature:
    """A witness's cosignature line (``cosignature/v1``); ``timestamp``: seconds since the Unix
    epoch when the witness cosigned."""

    name: str
    key_id: bytes
    timestamp: int
    signature: bytes


def note_key_id(name: str, key_type: int, public_key: bytes) -> bytes:
    """``SHA-256(name ‖ "\\n" ‖ key type ‖ public key)[:4]``."""
    return sha256(name.encode("utf-8") + b"\n" + bytes([key_type]) + bytes(public_key))[:4]


def key_id(name: str, public_key: bytes) -> bytes:
    """The key id of a validator's note key (type 0x01, Ed25519)."""
    return note_key_id(name, KEY_TYPE_ED25519, public_key)


def cosignature_key_id(name: str, public_key: bytes) -> bytes:
    """The key id of a witness key (type 0x04, cosignature/v1)."""
    return note_key_id(name, KEY_TYPE_COSIGNATURE, public_key)


def cosigned_message(timestamp: int, text: str) -> bytes:
    """What a witness signs: ``"cosignature/v1\\ntime <timestamp>\\n" ‖ checkpoint text``."""
    return f"cosignature/v1\ntime {timestamp}\n{text}".encode("utf-8")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise NoteError(f"malformed checkpoint note: {what}") from None


def _ed25519_ok(key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes(key)).verify(bytes(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def _count_valid(lines: Iterable[tuple[str, bytes, bytes, bytes]], keys: Sequence[NamedKey], key_type: int) -> int:
    """Distinct known keys (by name) whose line verifies: ``(name, key id, signature,
    message)`` lines; a line names a key by its name and key id."""
    valid: set[str] = set()
    for name, kid, signature, message in lines:
        key = next((k for n, k in keys if n == name and note_key_id(n, key_type, k) == kid), None)
        if key is not None and name not in valid and _ed25519_ok(key, signature, message):
            valid.add(name)
    return len(valid)


@dataclass
class Checkpoint:
    """A checkpoint of the log: origin (the chain id), size and root, with the validators'
    signatures and the witnesses' cosignatures of its note."""

    origin: str
    size: int
    root: bytes
    signatures: list[NoteSignature] = field(default_factory=list)
    cosignatures: list[Cosignature] = field(default_factory=list)

    def text(self) -> str:
        """The signed text: origin, size and base64 root, each line ending in ``\\n``."""
        return f"{self.origin}\n{self.size}\n{_b64(self.root)}\n"

    def to_note(self) -> str:
        """The note: the text, a blank line, the validators' lines, then the cosignatures."""
        lines = [f"{EM_DASH} {s.name} {_b64(s.key_id + s.signature)}\n" for s in self.signatures]
        lines += [cosignature_line(c) for c in self.cosignatures]
        return self.text() + "\n" + "".join(lines)

    @classmethod
    def parse(cls, note: str) -> "Checkpoint":
        """A note in its canonical form (exactly as :meth:`to_note` writes it). Raises
        :class:`NoteError`."""
        if len(note.encode("utf-8")) > NOTE_BYTES_MAX:
            raise NoteError(f"note is larger than {NOTE_BYTES_MAX} bytes")
        text, blank, sigs = note.partition("\n\n")
        if not blank:
            raise NoteError("malformed checkpoint note: no blank line before the signatures")
        lines = text.split("\n")
        if not lines[0]:
            raise NoteError("malformed checkpoint note: no origin")
        if len(lines) < 2 or not _DECIMAL.fullmatch(lines[1]) or int(lines[1]) > _U64_MAX:
            raise NoteError("malformed checkpoint note: bad tree size")
        if len(lines) < 3:
            raise NoteError("malformed checkpoint note: no root hash")
        root = _unb64(lines[2], "root hash is not 32 base64-encoded bytes")
        if len(root) != 32:
            raise NoteError("malformed checkpoint note: root hash is not 32 base64-encoded bytes")
        if len(lines) > 3:
            raise NoteError("malformed checkpoint note: unexpected extension lines")
        cp = cls(lines[0], int(lines[1]), root)
        for line in filter(None, sigs.split("\n")):
            if len(cp.signatures) + len(cp.cosignatures) >= NOTE_SIGNATURES_MAX:
                raise NoteError(f"note has more than {NOTE_SIGNATURES_MAX} signatures")
            if not line.startswith(EM_DASH + " "):
                raise NoteError("malformed checkpoint note: signature line")
            name, space, blob_text = line[2:].partition(" ")
            if not space:
                raise NoteError("malformed checkpoint note: signature line")
            blob = _unb64(blob_text, "signature base64")
            if len(blob) == 68:
                cp.signatures.append(NoteSignature(name, blob[:4], blob[4:]))
            elif len(blob) == 76:
                cp.cosignatures.append(Cosignature(name, blob[:4], int.from_bytes(blob[4:12], "big"), blob[12:]))
            else:
                raise NoteError("malformed checkpoint note: signature length")
        if cp.to_note() != note:
            raise NoteError("malformed checkpoint note: not in canonical form")
        return cp

    def verify(self, keys: Sequence[NamedKey], needed: int) -> int:
        """Counts valid signatures by distinct known validator note keys ``(name, key)`` and
        requires ``needed``. Raises :class:`NoteError` below it."""
        message = self.text().encode("utf-8")
        lines = ((s.name, s.key_id, s.signature, message) for s in self.signatures)
        valid = _count_valid(lines, _keys(keys), KEY_TYPE_ED25519)
        if valid < needed:
            raise NoteError(f"only {valid} valid signatures from known validators; {needed} needed")
        return valid

    def verify_cosignatures(self, witnesses: Sequence[NamedKey], needed: int) -> int:
        """Counts valid cosignatures by distinct witnesses of ``witnesses`` ``(name, key)`` and
        requires ``needed``. Raises :class:`NoteError` below it."""
        text = self.text()
        lines = ((c.name, c.key_id, c.signature, cosigned_message(c.timestamp, text)) for c in self.cosignatures)
        valid = _count_valid(lines, _keys(witnesses), KEY_TYPE_COSIGNATURE)
        if valid < needed:
            raise NoteError(f"only {valid} valid cosignatures from the policy's witnesses; {needed} needed")
        return valid

    def sign(self, name: str, key) -> NoteSignature:
        """Adds a validator's signature with an Ed25519 :class:`~vellum_sdk.SecretKey`."""
        sig = _ed25519_sign(key, self.text().encode("utf-8"))
        s = NoteSignature(name, key_id(name, key.public_key.key), sig)
        self.signatures.append(s)
        return s

    def cosign(self, name: str, key, timestamp: int) -> Cosignature:
        """Adds a witness's cosignature made at ``timestamp`` (seconds) with an Ed25519
        :class:`~vellum_sdk.SecretKey` (what a witness does; for tests and tools)."""
        sig = _ed25519_sign(key, cosigned_message(timestamp, self.text()))
        c = Cosignature(name, cosignature_key_id(name, key.public_key.key), timestamp, sig)
        self.cosignatures.append(c)
        return c

    def without_signatures(self) -> "Checkpoint":
        """The same checkpoint and cosignatures, without the validators' lines (as bundles and
        receipts carry it)."""
        return replace(self, signatures=[], cosignatures=list(self.cosignatures))


def cosignature_line(c: Cosignature) -> str:
    """``— name base64(key id ‖ timestamp ‖ signature)\\n``."""
    return f"{EM_DASH} {c.name} {_b64(c.key_id + c.timestamp.to_bytes(8, 'big') + c.signature)}\n"


def _keys(keys: Sequence) -> list[NamedKey]:
    """``(name, key)`` pairs; a key as 32 bytes or 64 hex characters."""
    out = []
    for name, key in keys:
        out.append((name, bytes.fromhex(key) if isinstance(key, str) else bytes(key)))
    return out


def _ed25519_sign(key, message: bytes) -> bytes:
    if key.scheme != "ed25519":
        raise ValueError("note keys and witness keys are Ed25519")
    return key.sign(message).signature

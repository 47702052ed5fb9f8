"""Witnesses (docs/evidence-format.md §7a): a witness policy — whose cosignatures a verifier
requires, and how many — and step 10 of verifying a bundle (version 4) or payment receipt
(version 3) that carries a checkpoint cosigned by witnesses (the Rust reference is
crates/evidence/src/witness.rs ``verify_witnessed`` and verify.rs ``check_witness_policy``).

A policy file, as ``vellum verify --witnesses POLICY`` reads it::

    # witnesses of the chain
    witness witness.example/w1 8884548242e1fc44672e8254a22b3cb553a0b198b0eca7a2ebda892f228b97f6 https://w1.example
    witness witness.example/w2 bee857d1c9834b0d0c0488119ffb22de416406ac523a259a86bfd0d6ca2a0472
    quorum 2

(``quorum`` defaults to the number of witnesses; the URL is optional, needed only for the
governance action :func:`vellum_sdk.bodies.set_witnesses`.)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Iterable

from .checkpoint import Checkpoint, NoteError
from .errors import FormatError, VerifyError
from .merkle import ProofFailure, consistency_proof, verify_consistency

#: Longest cosigned note a bundle or receipt may carry, and most consistency-proof hashes.
WITNESSED_NOTE_BYTES_MAX = 8 * 1024
CONSISTENCY_HASHES_MAX = 64
#: The step of docs/evidence-format.md §4 that checks the witnessed section.
WITNESS_STEP = 10


@dataclass(frozen=True)
class Witness:
    """One witness: its key name, Ed25519 public key (32 bytes) and, optionally, the base URL of
    its ``add-checkpoint`` endpoint."""

    name: str
    key: bytes
    url: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name or any(c.isspace() for c in self.name):
            raise FormatError(f"a witness name is non-empty text without spaces, got {self.name!r}")
        key = self.key
        if isinstance(key, str):
            key = _hex32(key, f"witness {self.name}: key")
        if not isinstance(key, (bytes, bytearray)) or len(key) != 32:
            raise FormatError(f"witness {self.name}: the key is 32 bytes (64 hex characters)")
        object.__setattr__(self, "key", bytes(key))


def _hex32(text: str, what: str) -> bytes:
    try:
        data = bytes.fromhex(text)
    except ValueError:
        data = b""
    if len(text) != 64 or len(data) != 32:
        raise FormatError(f"{what} must be 64 hex characters")
    return data


def _witness(entry: Any) -> Witness:
    if isinstance(entry, Witness):
        return entry
    if isinstance(entry, dict):
        unknown = set(entry) - {"name", "key", "url"}
        if unknown:
            raise FormatError(f"unknown witness field(s) {', '.join(sorted(unknown))}")
        return Witness(entry.get("name"), entry.get("key"), entry.get("url"))
    if isinstance(entry, (tuple, list)) and len(entry) in (2, 3):
        return Witness(*entry)
    raise FormatError(f"a witness is a Witness, a (name, key[, url]) tuple or a {{name, key, url}} object, got {entry!r}")


@dataclass(frozen=True)
class WitnessPolicy:
    """The witnesses a verifier trusts and how many of them must have cosigned (``quorum``,
    1..=their number). ``witnesses``: :class:`Witness` values, ``(name, key[, url])`` tuples or
    ``{name, key, url}`` objects (keys as 32 bytes or 64 hex characters)."""

    witnesses: tuple[Witness, ...]
    quorum: int

    def __post_init__(self) -> None:
        listed = tuple(_witness(w) for w in self.witnesses)
        object.__setattr__(self, "witnesses", listed)
        q = self.quorum
        if isinstance(q, bool) or not isinstance(q, int) or not listed or not 1 <= q <= len(listed):
            raise FormatError(f"a witness policy names 1 or more witnesses and a quorum of 1..=their number (got {len(listed)} and {q!r})")

    @classmethod
    def parse(cls, text: str, source: str = "witness policy") -> "WitnessPolicy":
        """The policy file format: ``witness <name> <64-hex key> [url]`` lines and ``quorum
        <k>`` (default: every witness); blank lines and lines starting with ``#`` are
        skipped. Raises :class:`FormatError`."""
        witnesses: list[Witness] = []
        quorum: int | None = None
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split()
            if parts[0] == "witness" and len(parts) in (3, 4):
                witnesses.append(Witness(parts[1], _hex32(parts[2], f"{source}:{number}: witness key"), parts[3] if len(parts) == 4 else None))
            elif parts[0] == "quorum" and len(parts) == 2:
                if not (parts[1].isascii() and parts[1].isdigit()):
                    raise FormatError(f"{source}:{number}: bad quorum")
                quorum = int(parts[1])
            else:
                raise FormatError(f"{source}:{number}: expected `witness <name> <hex key> [url]` or `quorum <k>`")
        if quorum is None:
            quorum = len(witnesses)
        if not witnesses or not 1 <= quorum <= len(witnesses):
            raise FormatError(f"{source}: a policy names 1 or more witnesses and a quorum of 1..=their number")
        return cls(tuple(witnesses), quorum)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "WitnessPolicy":
        """Reads a policy file (see :meth:`parse`)."""
        with open(path, encoding="utf-8") as f:
            return cls.parse(f.read(), os.fspath(path))

    @classmethod
    def from_json(cls, value: dict) -> "WitnessPolicy":
        """``{"witnesses": [{"name", "key" (hex), "url"?}], "quorum": k}`` (the test vectors'
        and the governance action's form)."""
        if not isinstance(value, dict) or not isinstance(value.get("witnesses"), list):
            raise FormatError("a witness policy is an object with `witnesses` (a list) and `quorum`")
        return cls(tuple(value["witnesses"]), value.get("quorum"))

    def to_text(self) -> str:
        """The policy file (see :meth:`parse`)."""
        lines = [" ".join(filter(None, ("witness", w.name, w.key.hex(), w.url))) for w in self.witnesses]
        return "\n".join(lines + [f"quorum {self.quorum}"]) + "\n"

    def to_json(self) -> dict:
        """The governance form (``WitnessPolicy``: every witness with its URL)."""
        missing = [w.name for w in self.witnesses if w.url is None]
        if missing:
            raise FormatError(f"witness {missing[0]} needs its URL (`witness <name> <hex key> <url>`) for governance")
        return {"witnesses": [{"name": w.name, "key": w.key.hex(), "url": w.url} for w in self.witnesses], "quorum": self.quorum}

    def keys(self) -> list[tuple[str, bytes]]:
        """``(name, key)`` of every witness."""
        return [(w.name, w.key) for w in self.witnesses]


def _fail(detail: str) -> VerifyError:
    return VerifyError(WITNESS_STEP, detail)


def verify_witnessed(witnessed: dict, origin: str, log_size: int, log_root: bytes, covers: int) -> Checkpoint:
    """Step 10 a–c: the witnessed section (``{"note", "consistency"}``) holds a canonical
    checkpoint note of this chain's log (``origin``) with at least one cosignature and no
    witness twice, covering leaves ``[0, covers)``, consistent with the certified header's log
    (``log_size``, ``log_root``). Returns the checkpoint (its cosignatures are checked against
    a policy by :func:`check_witness_policy`). Raises :class:`VerifyError` (step 10)."""
    note, consistency = witnessed["note"], [bytes.fromhex(h) for h in witnessed["consistency"]]
    if len(note.encode("utf-8")) > WITNESSED_NOTE_BYTES_MAX:
        raise _fail(f"the cosigned note is over {WITNESSED_NOTE_BYTES_MAX} bytes")
    if len(consistency) > CONSISTENCY_HASHES_MAX:
        raise _fail("the consistency proof is too long")
    try:
        cp = Checkpoint.parse(note)
    except NoteError as e:
        raise _fail(f"the cosigned note is malformed: {e}") from None
    if cp.origin != origin:
        raise _fail(f"the cosigned checkpoint is of log {cp.origin!r}, not this chain's")
    if not cp.cosignatures:
        raise _fail("the checkpoint carries no cosignature")
    names = [c.name for c in cp.cosignatures]
    if len(set(names)) != len(names):
        raise _fail("a witness cosigns at most once in a note")
    if cp.size < covers:
        raise _fail(f"the witnessed log (size {cp.size}) does not reach the proven entries (up to index {covers - 1})")
    try:
        if cp.size == log_size:
            if consistency:
                raise ProofFailure("a checkpoint of the header's own size needs an empty proof")
            if cp.root != log_root:
                raise ProofFailure("the witnessed root is not the header's log root")
        elif cp.size < log_size:
            verify_consistency(cp.size, log_size, cp.root, log_root, consistency)
        else:
            verify_consistency(log_size, cp.size, log_root, cp.root, consistency)
    except ProofFailure as e:
        raise _fail(f"the witnessed log is not consistent with the header's: {e}") from None
    return cp


def check_witness_policy(witnessed: Checkpoint | None, policy: WitnessPolicy) -> int:
    """Step 10d: at least ``policy.quorum`` of the policy's witnesses validly cosigned the
    checkpoint a verified file carries (``None``: the file carries none, which fails). Returns
    how many did. Raises :class:`VerifyError` (step 10)."""
    if witnessed is None:
        raise _fail("the witness policy needs a witnessed file (bundle version 4, receipt version 3); this one carries no cosignatures")
    try:
        return witnessed.verify_cosignatures(policy.keys(), policy.quorum)
    except NoteError as e:
        raise _fail(f"the witnessed checkpoint fails the policy: {e}") from None


def witnessed_section(cp: Checkpoint, log_leaves: Iterable[bytes], covers: int) -> dict | None:
    """The witnessed section for a file whose header commits to ``log_leaves`` (leaf hashes
    ``[0, log_size)``), from a cosigned checkpoint ``cp`` of the same log: ``None`` unless
    ``cp`` has a cosignature, covers leaves ``[0, covers)`` and is no larger than the header's
    log. The validators' signature lines are left out."""
    leaves = list(log_leaves)
    if not cp.cosignatures or cp.size < covers or cp.size > len(leaves):
        return None
    proof = [] if cp.size == len(leaves) else consistency_proof(cp.size, leaves)
    return {"note": cp.without_signatures().to_note(), "consistency": [h.hex() for h in proof]}

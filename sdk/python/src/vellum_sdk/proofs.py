"""Integrity proofs: document digests, salted commitments, batch roots, proof ids, and the
manifest a registrant keeps (the same JSON ``vellum proof register`` writes to
``proofs/<proof id>.json``: each file's digest, salt and registered leaf — never sent to the
ledger, needed to build a bundle that ties a document to its proof)."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .encoding import Domain, Tuple, canonical, sha256
from .errors import FormatError
from .merkle import batch_root
from .tx import BATCH_DOCUMENTS_MAX
from .types import HASH

#: The default schema: SHA-256 over the whole file's bytes.
SCHEMA_WHOLE_FILE = "sha256:file"
SALT_BYTES = 32
_CHUNK_BYTES = 1 << 20


def proof_id(tx_id: str) -> str:
    """The proof id of a registration: ``SHA-256(canonical("VELLUM:PROOF-ID:", tx id))``."""
    return sha256(canonical(Domain.PROOF_ID, HASH, tx_id)).hex()


def salted_digest(salt: bytes, document_digest: bytes) -> bytes:
    """``SHA-256(canonical("VELLUM:SALTED-DIGEST:", (salt, digest)))``: registered instead of a
    low-entropy document's digest; the salt travels with the bundle, never to the ledger."""
    if len(salt) != SALT_BYTES or len(document_digest) != 32:
        raise FormatError("a salted digest takes a 32-byte salt and a 32-byte document digest")
    return sha256(canonical(Domain.SALTED_DIGEST, Tuple(HASH, HASH), [salt.hex(), document_digest.hex()]))


def file_digest(path: str | os.PathLike) -> bytes:
    """SHA-256 of a file's bytes (read in chunks)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK_BYTES), b""):
            h.update(chunk)
    return h.digest()


@dataclass
class ManifestDocument:
    file: str
    sha256: str
    salt: str | None
    #: The digest registered for this document (its salted commitment if salted).
    leaf: str


@dataclass
class Manifest:
    proof_id: str
    tx: str
    schema: str
    salted: bool
    batch: bool
    documents: list[ManifestDocument] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "proof_id": self.proof_id,
            "tx": self.tx,
            "schema": self.schema,
            "salted": self.salted,
            "batch": self.batch,
            "documents": [vars(d).copy() for d in self.documents],
        }

    @classmethod
    def from_json(cls, value: Any) -> "Manifest":
        try:
            docs = [ManifestDocument(**d) for d in value["documents"]]
            return cls(value["proof_id"], value["tx"], value["schema"], bool(value["salted"]), bool(value["batch"]), docs)
        except (KeyError, TypeError) as e:
            raise FormatError(f"not a proof manifest: {e}") from None

    def save(self, directory: str | os.PathLike) -> Path:
        """Writes ``<directory>/<proof id>.json`` (the CLI's layout)."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        path = d / f"{self.proof_id}.json"
        path.write_text(json.dumps(self.to_json(), indent=2))
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Manifest":
        return cls.from_json(json.loads(Path(path).read_text()))

    def leaves(self) -> list[bytes]:
        return [bytes.fromhex(d.leaf) for d in self.documents]

    def find(self, digest: bytes) -> int | None:
        """Index of the document whose SHA-256 or registered leaf is ``digest``."""
        want = digest.hex()
        return next((i for i, d in enumerate(self.documents) if want in (d.sha256, d.leaf)), None)


def prepare_documents(documents: Iterable[tuple[str, bytes]], salted: bool) -> list[ManifestDocument]:
    """Manifest entries for ``(name, document digest)`` pairs: a fresh random salt each when
    ``salted``, and the leaf that is registered."""
    out = []
    for name, digest in documents:
        if len(digest) != 32:
            raise FormatError(f"{name}: a document digest is 32 bytes")
        salt = secrets.token_bytes(SALT_BYTES) if salted else None
        leaf = salted_digest(salt, digest) if salt else digest
        out.append(ManifestDocument(name, digest.hex(), salt.hex() if salt else None, leaf.hex()))
    return out


def registration_body(docs: list[ManifestDocument], salted: bool, metadata_digest: bytes = sha256(b""), schema: str = SCHEMA_WHOLE_FILE) -> dict:
    """``register_proof`` for one document, ``register_batch`` (RFC 6962 root) for several —
    what ``vellum proof register`` sends."""
    if not 1 <= len(docs) <= BATCH_DOCUMENTS_MAX:
        raise FormatError(f"give 1..={BATCH_DOCUMENTS_MAX} documents")
    leaves = [bytes.fromhex(d.leaf) for d in docs]
    common = {"schema": schema, "metadata_digest": metadata_digest.hex(), "salted": salted}
    if len(docs) == 1:
        return {"type": "register_proof", "digest": leaves[0].hex(), **common}
    return {"type": "register_batch", "root": batch_root(leaves).hex(), "count": len(leaves), **common}

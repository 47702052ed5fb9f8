"""A chain made up by the tests: Ed25519 validators that really sign headers, a sparse state map
and an RFC 6962 log built here (docs/evidence-format.md §3). It yields bundles and status proofs
in any status a real chain reaches only through many transactions (a suspended batch with a
revoked member, a status a year newer than its bundle, ...), and they verify exactly as the
ledger's do."""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vellum_sdk.encoding import Domain, canonical, sha256
from vellum_sdk.merkle import (
    EMPTY,
    _bit,
    batch_root,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
)
from vellum_sdk.types import (
    EVIDENCE_RECORD,
    MEMBER_ENTRY,
    PROOF_ENTRY,
    STATE_KEY_MEMBER,
    STATE_KEY_PROOF,
)
from vellum_sdk.verify import (
    encode_bundle,
    encode_status_proof,
    finalize_message,
    genesis_hash,
    header_hash,
    record_hash,
    state_key,
    validator_set_hash,
    value_hash,
)

GENESIS_TIME_MS = 1_800_000_000_000
BLOCK_MS = 1_000
PARAMS = {"block_txs_max": 10_000, "block_bytes_max": 2_097_152, "block_time_future_skew_ms": 1_000, "block_time_past_skew_ms": 10_000}


# --- statuses -------------------------------------------------------------------------------

LIVE = {"state": "live"}


def _change(state: str, reason: str, height: int) -> dict:
    return {"state": state, "reason": reason, "tx_id": f"{height:064x}", "height": height, "time_ms": time_at(height)}


def revoked(reason: str, height: int) -> dict:
    return _change("revoked", reason, height)


def suspended(reason: str, height: int) -> dict:
    return _change("suspended", reason, height)


def superseded(by: str, height: int) -> dict:
    return {"state": "superseded", "by": by, "tx_id": f"{height:064x}", "height": height, "time_ms": time_at(height)}


def time_at(height: int) -> int:
    return GENESIS_TIME_MS + height * BLOCK_MS


# --- the sparse state map -------------------------------------------------------------------


def map_root(items: list[tuple[bytes, bytes]], depth: int = 0) -> bytes:
    """Root of the subtree holding ``(key, value hash)`` items: empty, one leaf, or a node."""
    if not items:
        return EMPTY
    if len(items) == 1:
        key, vh = items[0]
        return sha256(b"\x00" + key + vh)
    left = [it for it in items if not _bit(it[0], depth)]
    right = [it for it in items if _bit(it[0], depth)]
    return node_hash(map_root(left, depth + 1), map_root(right, depth + 1))


def map_proof(items: list[tuple[bytes, bytes]], key: bytes, depth: int = 0) -> dict:
    """A ``MapProof`` for ``key`` (present or absent) in its JSON form."""
    if len(items) <= 1:
        terminal = [items[0][0].hex(), items[0][1].hex()] if items else None
        return {"siblings": [], "terminal": terminal}
    mine = [it for it in items if _bit(it[0], depth) == _bit(key, depth)]
    other = [it for it in items if _bit(it[0], depth) != _bit(key, depth)]
    below = map_proof(mine, key, depth + 1)
    return {"siblings": [map_root(other, depth + 1).hex()] + below["siblings"], "terminal": below["terminal"]}


# --- the chain ------------------------------------------------------------------------------


@dataclass
class Registration:
    """One registration: a single document (``digests`` of one) or a batch."""

    record: dict
    digests: list[bytes]
    #: The transaction leaf before the record's (leaf 0) and the record's leaf (leaf 1).
    log_leaves: list[bytes] = field(default_factory=list)

    @property
    def proof_id(self) -> str:
        return self.record["proof_id"]

    @property
    def batch(self) -> bool:
        return self.record["registered"]["kind"] == "batch"

    def entry(self, status: dict) -> dict:
        reg = self.record["registered"]
        return {
            "record_hash": record_hash(self.record),
            "leaf_index": 1,
            "registrant": self.record["registrant"],
            "registered_digest": reg["root"] if self.batch else reg["digest"],
            "count": reg["count"] if self.batch else 0,
            "status": status,
        }


class Chain:
    """``validators`` Ed25519 keys (sorted by public key, as a genesis lists them)."""

    def __init__(self, chain_id: str = "vellum-forge", validators: int = 4, seed: int = 1):
        keys = [Ed25519PrivateKey.from_private_bytes(bytes([seed + i]) * 32) for i in range(validators)]
        publics = [k.public_key().public_bytes_raw().hex() for k in keys]
        order = sorted(range(validators), key=lambda i: publics[i])
        self.keys = [keys[i] for i in order]
        self.validators = [publics[i] for i in order]
        self.genesis = {"chain_id": chain_id, "genesis_time_ms": GENESIS_TIME_MS, "params": PARAMS, "validators": self.validators, "details_hash": "00" * 32}
        self.genesis_hash = genesis_hash(self.genesis).hex()

    def register(self, digests: list[bytes], proof_id: str | None = None, registrant: str = "ab" * 32) -> Registration:
        """A registration at height 1 (a batch when several digests are given)."""
        registered = {"kind": "single", "digest": digests[0].hex()} if len(digests) == 1 else {"kind": "batch", "root": batch_root(digests).hex(), "count": len(digests)}
        record = {
            "proof_id": proof_id or sha256(b"proof" + b"".join(digests)).hex(),
            "registered": registered,
            "schema": "sha256:file",
            "metadata_digest": sha256(b"").hex(),
            "salted": False,
            "registrant": registrant,
            "signer": "ed25519:" + "cd" * 32,
            "tx_id": "ef" * 32,
            "height": 1,
            "time_ms": time_at(1),
        }
        record_leaf = leaf_hash(canonical(Domain.EVIDENCE_LEAF, EVIDENCE_RECORD, record))
        return Registration(record, digests, [leaf_hash(b"the registering transaction"), record_leaf])

    def at(self, height: int, reg: Registration, status: dict = LIVE, members: dict[int, dict] | None = None) -> Snapshot:
        """The chain at ``height`` with ``reg`` in ``status`` and these batch members changed."""
        return Snapshot(self, height, reg, status, dict(members or {}))

    def sign(self, header: dict, signers: list[int]) -> dict:
        message = finalize_message(header["epoch"], header["view"], header["view"] - 1, header_hash(header))
        return {"parent_view": header["view"] - 1, "signers": signers, "signatures": [self.keys[i].sign(message).hex() for i in signers]}


class Snapshot:
    """A certified header at ``height`` over a state holding the registration's entry, its
    changed members' entries and a few unrelated keys (so proofs have siblings)."""

    def __init__(self, chain: Chain, height: int, reg: Registration, status: dict, members: dict[int, dict]):
        self.chain, self.reg, self.height = chain, reg, height
        self.entry = reg.entry(status)
        self.members = {i: {"status": s} for i, s in members.items()}
        items = [(self._member_key(i), value_hash(MEMBER_ENTRY, e)) for i, e in self.members.items()]
        items.append((self._entry_key(), value_hash(PROOF_ENTRY, self.entry)))
        items += [(sha256(bytes([n])), sha256(bytes([n, height]))) for n in range(6)]
        self.items = items
        log = reg.log_leaves
        self.header = {
            "height": height,
            "parent": "00" * 32,
            "epoch": 0,
            "view": height + 1,
            "time_ms": time_at(height),
            "proposer": chain.validators[0],
            "txs_root": "00" * 32,
            "tx_count": 0,
            "log_size": len(log),
            "log_root": root(log).hex(),
            "state_root": map_root(items).hex(),
            "validator_set_hash": validator_set_hash(chain.validators).hex(),
            "genesis_hash": chain.genesis_hash,
        }
        self.certificate = chain.sign(self.header, [0, 1, 2])

    def _entry_key(self) -> bytes:
        return state_key(STATE_KEY_PROOF, bytes.fromhex(self.reg.proof_id))

    def _member_key(self, index: int) -> bytes:
        return state_key(STATE_KEY_MEMBER, bytes.fromhex(self.reg.proof_id), index.to_bytes(4, "little"))

    def _anchor(self) -> dict:
        return {"genesis": self.chain.genesis, "header": self.header, "certificate": self.certificate}

    def _member_status(self, index: int) -> dict:
        return {"index": index, "status": self.members.get(index), "status_proof": map_proof(self.items, self._member_key(index))}

    def status_proof_value(self, member: int | None = None) -> dict:
        return self._anchor() | {
            "proof_id": self.reg.proof_id,
            "entry": self.entry,
            "entry_proof": map_proof(self.items, self._entry_key()),
            "member": None if member is None else self._member_status(member),
            "validator_chain": [],
        }

    def status_proof(self, member: int | None = None) -> bytes:
        return encode_status_proof(self.status_proof_value(member))

    def bundle(self, member: int | None = None) -> bytes:
        m = None
        if member is not None:
            leaves = [leaf_hash(d) for d in self.reg.digests]
            proof = [p.hex() for p in inclusion_proof(member, leaves)]
            m = self._member_status(member) | {"leaf": self.reg.digests[member].hex(), "batch_proof": proof}
            m = {k: m[k] for k in ("index", "leaf", "batch_proof", "status", "status_proof")}
        digest = self.reg.digests[member or 0]
        return encode_bundle(
            self._anchor()
            | {
                "record": self.reg.record,
                "log_proof": [p.hex() for p in inclusion_proof(1, self.reg.log_leaves)],
                "entry": self.entry,
                "entry_proof": map_proof(self.items, self._entry_key()),
                "member": m,
                "document": {"digest": digest.hex(), "salt": None},
                "validator_chain": [],
            }
        )


def documents(n: int) -> list[bytes]:
    """``n`` document digests (SHA-256 of ``b"document i"``)."""
    return [sha256(f"document {i}".encode()) for i in range(n)]

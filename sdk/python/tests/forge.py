"""A chain made up by the tests: Ed25519 validators that really sign headers, a sparse state map
and an RFC 6962 log built here (docs/evidence-format.md §3). It yields bundles and status proofs
in any status a real chain reaches only through many transactions (a suspended batch with a
revoked member, a status a year newer than its bundle, an issuer attested then withdrawn,
validator-set changes, ...), and they verify exactly as the ledger's do."""

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
    ISSUER_ATTESTATION,
    MEMBER_ENTRY,
    PROOF_ENTRY,
    STATE_KEY_ISSUER_PROFILE,
    STATE_KEY_MEMBER,
    STATE_KEY_PROOF,
    STATE_KEY_VALIDATOR_SET_CHANGE,
    VALIDATOR_SET_RECORD,
    commitment_epoch_length,
)
from vellum_sdk.verify import (
    encode_bundle,
    encode_status_proof,
    finalize_message,
    genesis_hash,
    header_hash,
    quorum,
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


# --- issuer identity ------------------------------------------------------------------------

REGISTRAR = "7e" * 32


def attestation(height: int, name: str = "Example University", domain: str = "example.edu", revoked_at: int | None = None, reason: str = "affiliation_changed") -> dict:
    """An ``IssuerAttestation`` made at ``height`` (withdrawn at ``revoked_at``)."""
    withdrawn = None
    if revoked_at is not None:
        withdrawn = {"by": REGISTRAR, "reason": reason, "tx_id": f"{revoked_at:064x}", "height": revoked_at, "time_ms": time_at(revoked_at)}
    return {
        "profile": {"name": name, "domain": domain, "x509_sha256": "c5" * 32, "well_known_sha256": "3e" * 32},
        "attested_by": REGISTRAR,
        "tx_id": f"{height:064x}",
        "height": height,
        "time_ms": time_at(height),
        "revoked": withdrawn,
    }


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
    """``validators`` Ed25519 keys (sorted by public key, as a genesis lists them).

    ``layout``: of the genesis commitment (docs/evidence-format.md §2.5): 1 states no epoch
    length; 2 states ``epoch_length_blocks`` (``None``: one epoch forever), which step 3g checks.
    ``boundaries``: the ``(height, epoch)`` of each set change's boundary block, to place them
    anywhere (by default as the layout wants them, below)."""

    def __init__(
        self,
        chain_id: str = "vellum-forge",
        validators: int = 4,
        seed: int = 1,
        set_changes: int = 0,
        layout: int = 1,
        epoch_length_blocks: int | None = None,
        boundaries: list[tuple[int, int]] | None = None,
    ):
        self.keys, self.validators = _validator_set(seed, validators)
        self.genesis = {"chain_id": chain_id, "genesis_time_ms": GENESIS_TIME_MS, "params": PARAMS, "validators": self.validators, "details_hash": "00" * 32}
        if layout == 2:
            self.genesis = {"layout": 2} | self.genesis | {"epoch_length_blocks": epoch_length_blocks}
        else:
            assert layout == 1 and epoch_length_blocks is None, "a layout-1 commitment states no epoch length"
        #: Blocks per epoch as committed (``None``: layout 1).
        self.epoch_length = commitment_epoch_length(self.genesis)
        self.genesis_hash = genesis_hash(self.genesis).hex()
        #: The validator-set changes (``SetLink``s, oldest first): change ``s`` is installed by
        #: a boundary block signed by the set before it, by default at height ``s`` in epoch
        #: ``s - 1`` (layout 1), or on the last block of epoch ``s - 1``, height ``s·L − 1``
        #: (layout 2).
        self.links: list[dict] = []
        if boundaries is None:
            length = self.epoch_length
            boundaries = [(seq, seq - 1) if length is None else (seq * length - 1, seq - 1) for seq in range(1, set_changes + 1)]
        assert len(boundaries) == set_changes or not set_changes, "one boundary per set change"
        set_changes = len(boundaries)
        for seq, (height, epoch) in enumerate(boundaries, start=1):
            keys, publics = _validator_set(seed + 50 * seq, validators + seq)
            record = {
                "seq": seq,
                "effective_epoch": epoch + 1,
                "boundary_height": height,
                "validators": [{"name": f"v{seq}-{i}", "consensus_key": k, "p2p_key": k, "address": f"127.0.0.1:{9000 + i}"} for i, k in enumerate(publics)],
            }
            key = state_key(STATE_KEY_VALIDATOR_SET_CHANGE, seq.to_bytes(8, "little"))
            items = [(key, value_hash(VALIDATOR_SET_RECORD, record))] + [(sha256(bytes([n, seq])), sha256(bytes([seq, n]))) for n in range(5)]
            header = self._header(height, epoch, map_root(items).hex(), "00" * 32, 0)
            self.links.append({"header": header, "certificate": self.sign(header), "record": record, "record_proof": map_proof(items, key)})
            self.keys, self.validators = keys, publics
        #: The epoch the current set signs in (layout 1; under layout 2 a header's epoch is its
        #: height's, :meth:`epoch_at`).
        self.epoch = boundaries[-1][1] + 1 if boundaries else 0

    def epoch_at(self, height: int) -> int:
        """The epoch of a header at ``height``: as the committed epoch length places it
        (layout 2), else the current set's."""
        return self.epoch if self.epoch_length is None else height // self.epoch_length

    def _header(self, height: int, epoch: int, state_root: str, log_root: str, log_size: int) -> dict:
        return {
            "height": height,
            "parent": "00" * 32,
            "epoch": epoch,
            "view": height + 1,
            "time_ms": time_at(height),
            "proposer": self.validators[0],
            "txs_root": "00" * 32,
            "tx_count": 0,
            "log_size": log_size,
            "log_root": log_root,
            "state_root": state_root,
            "validator_set_hash": validator_set_hash(self.validators).hex(),
            "genesis_hash": self.genesis_hash,
        }

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

    def at(self, height: int, reg: Registration, status: dict = LIVE, members: dict[int, dict] | None = None, issuer: dict | None = None, epoch: int | None = None) -> Snapshot:
        """The chain at ``height`` with ``reg`` in ``status``, these batch members changed and
        the registrant's attestation ``issuer`` (``None``: never attested); the header in
        ``epoch`` (by default :meth:`epoch_at`)."""
        return Snapshot(self, height, reg, status, dict(members or {}), issuer, epoch)

    def sign(self, header: dict, signers: list[int] | None = None) -> dict:
        """A certificate of the current set (``signers``: indices into it; by default the
        first quorum of it)."""
        if signers is None:
            signers = list(range(quorum(len(self.keys))))
        message = finalize_message(header["epoch"], header["view"], header["view"] - 1, header_hash(header))
        return {"parent_view": header["view"] - 1, "signers": signers, "signatures": [self.keys[i].sign(message).hex() for i in signers]}


class Snapshot:
    """A certified header at ``height`` over a state holding the registration's entry, its
    changed members' entries, the registrant's attestation (if any) and a few unrelated keys
    (so proofs have siblings)."""

    def __init__(self, chain: Chain, height: int, reg: Registration, status: dict, members: dict[int, dict], issuer: dict | None = None, epoch: int | None = None):
        self.chain, self.reg, self.height = chain, reg, height
        self.entry = reg.entry(status)
        self.members = {i: {"status": s} for i, s in members.items()}
        self.attestation = issuer
        items = [(self._member_key(i), value_hash(MEMBER_ENTRY, e)) for i, e in self.members.items()]
        items.append((self._entry_key(), value_hash(PROOF_ENTRY, self.entry)))
        if issuer is not None:
            items.append((self._issuer_key(), value_hash(ISSUER_ATTESTATION, issuer)))
        items += [(sha256(bytes([n])), sha256(bytes([n, height]))) for n in range(6)]
        self.items = items
        log = reg.log_leaves
        self.header = chain._header(height, chain.epoch_at(height) if epoch is None else epoch, map_root(items).hex(), root(log).hex(), len(log))
        self.certificate = chain.sign(self.header)

    def _entry_key(self) -> bytes:
        return state_key(STATE_KEY_PROOF, bytes.fromhex(self.reg.proof_id))

    def _issuer_key(self) -> bytes:
        return state_key(STATE_KEY_ISSUER_PROFILE, bytes.fromhex(self.reg.record["registrant"]))

    def issuer_evidence(self) -> dict:
        """The registrant's ``IssuerEvidence``: its attestation (or none) and the map proof."""
        return {"attestation": self.attestation, "proof": map_proof(self.items, self._issuer_key())}

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
            "issuer": self.issuer_evidence(),
            "validator_chain": self.chain.links,
        }

    def status_proof(self, member: int | None = None) -> bytes:
        return encode_status_proof(self.status_proof_value(member))

    def bundle(self, member: int | None = None, issuer_section: bool = True) -> bytes:
        """Version 3 with the issuer section; without it (``issuer_section=False``) version 1,
        or 2 on a chain with validator-set changes."""
        return encode_bundle(self.bundle_value(member, issuer_section))

    def bundle_value(self, member: int | None = None, issuer_section: bool = True) -> dict:
        m = None
        if member is not None:
            leaves = [leaf_hash(d) for d in self.reg.digests]
            proof = [p.hex() for p in inclusion_proof(member, leaves)]
            m = self._member_status(member) | {"leaf": self.reg.digests[member].hex(), "batch_proof": proof}
            m = {k: m[k] for k in ("index", "leaf", "batch_proof", "status", "status_proof")}
        digest = self.reg.digests[member or 0]
        return self._anchor() | {
            "record": self.reg.record,
            "log_proof": [p.hex() for p in inclusion_proof(1, self.reg.log_leaves)],
            "entry": self.entry,
            "entry_proof": map_proof(self.items, self._entry_key()),
            "member": m,
            "document": {"digest": digest.hex(), "salt": None},
            "validator_chain": self.chain.links,
            "issuer": self.issuer_evidence() if issuer_section else None,
        }


def _validator_set(seed: int, n: int) -> tuple[list[Ed25519PrivateKey], list[str]]:
    """``n`` Ed25519 keys from ``seed`` and their public keys, sorted by public key (as a
    genesis or a validator-set record lists them)."""
    keys = [Ed25519PrivateKey.from_private_bytes(bytes([(seed + i) % 256]) * 32) for i in range(n)]
    publics = [k.public_key().public_bytes_raw().hex() for k in keys]
    order = sorted(range(n), key=lambda i: publics[i])
    return [keys[i] for i in order], [publics[i] for i in order]


def documents(n: int) -> list[bytes]:
    """``n`` document digests (SHA-256 of ``b"document i"``)."""
    return [sha256(f"document {i}".encode()) for i in range(n)]

"""Offline verification of evidence bundles, payment receipts, transaction receipts and status
proofs against a pinned genesis hash (docs/evidence-format.md; the Rust reference is
crates/evidence/src/verify.rs, receipt.rs, tx_receipt.rs and status.rs). Reads nothing but its
arguments: no network, no trust in any operator.

Steps (the first that fails is reported as :class:`VerifyError` with its number and name):
1 decode (either genesis-commitment layout, §2.5), 2 checkpoint, 3 validator set (following
version-2 validator-set changes from genesis; 3g: under a layout-2 commitment, each certified
header's epoch and each change's boundary block agree with the committed epoch length),
4 certificate, then for bundles 5 log inclusion, 6 state entry (6d: the issuer
identity of a version-3 or -4 bundle), 7 batch inclusion, 8 document; for receipts 5 log
inclusion (the transaction and its payment record) and 6 binding (the record is the
transaction's, its signatures verify); for transaction receipts (§5a) 5 log inclusion (the
transaction and each leaf it appended after itself) and 6 binding (each leaf names the
transaction, its signatures verify); for status proofs 6 state entry (with the issuer
identity) and 7 batch inclusion (§6a); 9 status when a status proof is combined with a bundle;
and 10 witnesses for a bundle (version 4), payment receipt (version 3) or transaction receipt
that carries a checkpoint cosigned by witnesses, and for any of them verified under a witness
policy (:class:`vellum_sdk.witness.WitnessPolicy`).
One code path: steps 2–4, 6 (6a/6b and 6d), 7d/7e and 10 are the same functions for every kind
of file.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .checkpoint import Checkpoint
from .encoding import Codec, Domain, Reader, borsh, canonical, sha256, to_wire
from .errors import DecodeError, SignatureError, VerifyError
from .merkle import ProofFailure, inclusion_proof, leaf_hash, root, verify_inclusion, verify_map
from .proofs import salted_digest
from .tx import Transaction, UnsignedTx
from .types import (
    APPENDED_LEAVES,
    BLOCK_HEADER,
    BUNDLE,
    EVIDENCE_RECORD,
    GENESIS_COMMITMENT,
    HASH,
    ISSUER_ATTESTATION,
    MEMBER_ENTRY,
    PAYMENT_RECORD,
    PROOF_ENTRY,
    RECEIPT,
    STATE_KEY_ISSUER_PROFILE,
    STATE_KEY_MEMBER,
    STATE_KEY_PROOF,
    STATE_KEY_VALIDATOR_SET_CHANGE,
    STATUS_PROOF,
    TX_RECEIPT,
    VALIDATOR_SET_RECORD,
    Signature,
    Vec,
    commitment_epoch_length,
)
from .witness import WitnessPolicy, check_witness_policy, verify_witnessed

BUNDLE_MAGIC = b"VELLUMEV"
RECEIPT_MAGIC = b"VELLUMRC"
STATUS_PROOF_MAGIC = b"VELLUMST"
#: Transaction receipts (§5a): one version, whose body is the whole value.
TX_RECEIPT_MAGIC = b"VELLUMTR"
TX_RECEIPT_VERSION = 1
#: Most leaves one transaction receipt carries after its transaction.
TX_RECEIPT_LEAVES_MAX = 1_024
#: Version 1: anchored in the genesis validator set; version 2 appends the chain of
#: validator-set changes the anchored header's set descends from; bundles: version 3 appends
#: the registrant's issuer identity after the chain (which may then be empty), version 4 then
#: the checkpoint witnesses cosigned (the issuer section may be absent); receipts: version 3
#: appends the witnessed checkpoint after the chain (which may then be empty).
FILE_VERSION = 1
FILE_VERSION_CHAINED = 2
BUNDLE_VERSION_ISSUER = 3
BUNDLE_VERSION_WITNESSED = 4
RECEIPT_VERSION_WITNESSED = 3
#: Largest bundle or receipt accepted (a few KiB in practice; bounds hostile input).
FILE_BYTES_MAX = 64 * 1024
U64_MAX = (1 << 64) - 1
#: Consensus namespace of finalize votes (Commonware simplex).
FINALIZE_NAMESPACE = b"VELLUM_CONSENSUS_FINALIZE"

Note = Callable[[str, bytes], None]


def _fail(step: int, detail: str) -> VerifyError:
    return VerifyError(step, detail)


def _no_trace(key: str, value: bytes) -> None:
    """The ``note`` of verifications that keep no trace of intermediate values."""


# --- framing --------------------------------------------------------------------------------


def _decode_body(body: bytes, codec: Codec, what: str) -> dict:
    r = Reader(body)
    try:
        value = codec.decode(r)
        r.finish()
    except DecodeError as e:
        raise _fail(1, f"malformed {what}: {e}") from None
    return value


def decode_file(data: bytes, magic: bytes, codec: Codec, what: str, trailer: bytes = b"", known: str | None = None) -> dict:
    """``magic ‖ version ‖ borsh(value)`` within the size limit, no trailing bytes. A version-1
    file is the same value without its (empty) validator chain. ``trailer``: the encoding of
    "no extension" that follows the chain in the value and is left out of versions 1 and 2 (a
    bundle's absent issuer and witnessed sections, ``00 00``; a receipt's absent witnessed
    section, ``00``). ``known``: the versions to name when refusing another."""
    if len(data) > FILE_BYTES_MAX:
        raise _fail(1, f"{len(data)} bytes is over the {FILE_BYTES_MAX}-byte limit")
    if len(data) < len(magic) + 1 or data[: len(magic)] != magic:
        raise _fail(1, f"not a Vellum {what} (bad magic)")
    version = data[len(magic)]
    body = data[len(magic) + 1 :]
    if version == FILE_VERSION:
        body += bytes(4) + trailer
    elif version == FILE_VERSION_CHAINED:
        body += trailer
    else:
        raise _fail(1, f"{what} version {version}; this verifier knows {known or f'{FILE_VERSION} and {FILE_VERSION_CHAINED}'}")
    value = _decode_body(body, codec, what)
    # One evidence, one encoding: without set changes the file is version 1.
    if version == FILE_VERSION_CHAINED and not value["validator_chain"]:
        raise _fail(1, f"a version-{version} {what} must carry at least one validator-set change (without any it is version {FILE_VERSION})")
    return value


def encode_file(magic: bytes, codec: Codec, value: dict, trailer: int = 0) -> bytes:
    """Inverse of :func:`decode_file`: version 1 without an empty chain, else version 2; the
    last ``trailer`` bytes (an absent extension) left out of both."""
    body = borsh(codec, value)
    if trailer:
        assert body[-trailer:] == bytes(trailer), "the extension is absent"
        body = body[:-trailer]
    if not value["validator_chain"]:
        return magic + bytes([FILE_VERSION]) + body[:-4]
    return magic + bytes([FILE_VERSION_CHAINED]) + body


def _versioned(data: bytes, magic: bytes, version: int) -> bool:
    return len(data) > len(magic) and data[: len(magic)] == magic and data[len(magic)] == version


def _decode_extended(data: bytes, magic: bytes, codec: Codec, what: str, trailer: bytes, section: str, older: str) -> dict:
    """A version whose body is the whole value (minus ``trailer``: the ``00`` of extensions
    it leaves out), whose distinguishing ``section`` must be present (else step 1: without it
    the evidence is an ``older`` version)."""
    if len(data) > FILE_BYTES_MAX:
        raise _fail(1, f"{len(data)} bytes is over the {FILE_BYTES_MAX}-byte limit")
    value = _decode_body(data[len(magic) + 1 :] + trailer, codec, what)
    if value[section] is None:
        raise _fail(1, f"a version-{data[len(magic)]} {what} must carry the {section} section (without it, it is version {older})")
    return value


def decode_bundle(data: bytes) -> dict:
    """A bundle of any version; ``issuer`` is ``None`` in versions 1 and 2, which carry no
    issuer section, and ``witnessed`` in versions 1 to 3. A version-3 bundle must carry the
    issuer section, a version-4 one the witnessed section (else step 1)."""
    what = "evidence bundle"
    if _versioned(data, BUNDLE_MAGIC, BUNDLE_VERSION_WITNESSED):
        return _decode_extended(data, BUNDLE_MAGIC, BUNDLE, what, b"", "witnessed", "3 or older")
    if _versioned(data, BUNDLE_MAGIC, BUNDLE_VERSION_ISSUER):
        return _decode_extended(data, BUNDLE_MAGIC, BUNDLE, what, b"\x00", "issuer", "1 or 2")
    known = f"{FILE_VERSION} to {BUNDLE_VERSION_WITNESSED}"
    return decode_file(data, BUNDLE_MAGIC, BUNDLE, what, b"\x00\x00", known)


def encode_bundle(bundle: dict) -> bytes:
    """One bundle, one encoding: version 4 (everything) with a witnessed section; else version
    3 with an issuer section (the witnessed section's ``00`` left out); without either,
    version 2 (or 1 without the empty chain), both ``00`` left out, as older verifiers read
    them."""
    if bundle.get("witnessed") is not None:
        return BUNDLE_MAGIC + bytes([BUNDLE_VERSION_WITNESSED]) + borsh(BUNDLE, bundle)
    if bundle.get("issuer") is not None:
        return BUNDLE_MAGIC + bytes([BUNDLE_VERSION_ISSUER]) + borsh(BUNDLE, dict(bundle, witnessed=None))[:-1]
    return encode_file(BUNDLE_MAGIC, BUNDLE, dict(bundle, issuer=None, witnessed=None), trailer=2)


def decode_receipt(data: bytes) -> dict:
    """A receipt of any version; ``witnessed`` is ``None`` in versions 1 and 2. A version-3
    receipt must carry it (else step 1)."""
    what = "payment receipt"
    if _versioned(data, RECEIPT_MAGIC, RECEIPT_VERSION_WITNESSED):
        return _decode_extended(data, RECEIPT_MAGIC, RECEIPT, what, b"", "witnessed", "1 or 2")
    known = f"{FILE_VERSION} to {RECEIPT_VERSION_WITNESSED}"
    return decode_file(data, RECEIPT_MAGIC, RECEIPT, what, b"\x00", known)


def encode_receipt(receipt: dict) -> bytes:
    """Version 3 (everything) with a witnessed section; else version 2 (or 1 without the
    empty chain), the section's ``00`` left out."""
    if receipt.get("witnessed") is not None:
        return RECEIPT_MAGIC + bytes([RECEIPT_VERSION_WITNESSED]) + borsh(RECEIPT, receipt)
    return encode_file(RECEIPT_MAGIC, RECEIPT, dict(receipt, witnessed=None), trailer=1)


def decode_tx_receipt(data: bytes) -> dict:
    """A transaction receipt: ``VELLUMTR ‖ 0x01 ‖ borsh(TxReceipt)`` within the size limit, no
    trailing bytes (step 1). ``appended`` is a list of ``[leaf, proof]`` pairs, each leaf
    ``{"kind": "payment" | "event" | "invoice", "record": …}``."""
    what = "transaction receipt"
    if len(data) <= len(TX_RECEIPT_MAGIC) or data[: len(TX_RECEIPT_MAGIC)] != TX_RECEIPT_MAGIC:
        raise _fail(1, "not a transaction receipt (no VELLUMTR header)")
    version = data[len(TX_RECEIPT_MAGIC)]
    if version != TX_RECEIPT_VERSION:
        raise _fail(1, f"{what} version {version} is not known to this verifier (it knows {TX_RECEIPT_VERSION})")
    if len(data) > FILE_BYTES_MAX:
        raise _fail(1, f"{len(data)} bytes is over the {FILE_BYTES_MAX}-byte limit")
    return _decode_body(data[len(TX_RECEIPT_MAGIC) + 1 :], TX_RECEIPT, what)


def encode_tx_receipt(receipt: dict) -> bytes:
    """Inverse of :func:`decode_tx_receipt` (one version, every field present)."""
    return TX_RECEIPT_MAGIC + bytes([TX_RECEIPT_VERSION]) + borsh(TX_RECEIPT, receipt)


def decode_status_proof(data: bytes) -> dict:
    return decode_file(data, STATUS_PROOF_MAGIC, STATUS_PROOF, "status proof")


def encode_status_proof(proof: dict) -> bytes:
    return encode_file(STATUS_PROOF_MAGIC, STATUS_PROOF, proof)


# --- hashes ---------------------------------------------------------------------------------


def _h(tag: bytes, codec: Codec, value: Any) -> bytes:
    return sha256(canonical(tag, codec, value))


def genesis_hash(genesis: dict) -> bytes:
    """``SHA-256("VELLUM:GENESIS:" ‖ 0x01 ‖ commitment)`` over the commitment's bytes in its
    layout (§2.5): a decoded commitment keeps its ``layout`` and re-encodes to exactly the
    bytes the file carries."""
    return _h(Domain.GENESIS, GENESIS_COMMITMENT, genesis)


def header_hash(header: dict) -> bytes:
    return _h(Domain.BLOCK_HEADER, BLOCK_HEADER, header)


def validator_set_hash(keys: list[str]) -> bytes:
    return _h(Domain.VALIDATOR_SET, Vec(HASH), keys)


def state_key(variant: int, *parts: bytes) -> bytes:
    """``SHA-256(canonical("VELLUM:STATE-KEY:", StateKey))`` from the variant and its fields."""
    return sha256(Domain.STATE_KEY + b"\x01" + bytes([variant]) + b"".join(parts))


def value_hash(codec: Codec, value: Any) -> bytes:
    """Hash of a state value: ``H(0x01 ‖ borsh(value))``."""
    return sha256(to_wire(codec, value))


def _varint(v: int) -> bytes:
    out = bytearray()
    while True:
        byte = v & 0x7F
        v >>= 7
        if v == 0:
            out.append(byte)
            return bytes(out)
        out.append(byte | 0x80)


def finalize_message(epoch: int, view: int, parent_view: int, hh: bytes) -> bytes:
    """What each validator signed to finalize a header (Commonware simplex, Ed25519)."""
    ns = FINALIZE_NAMESPACE
    return _varint(len(ns)) + ns + _varint(epoch) + _varint(view) + _varint(parent_view) + hh


def quorum(n: int) -> int:
    """More than 2/3 of ``n`` validators: ``n − ⌊(n−1)/3⌋``."""
    return n - (n - 1) // 3


def _b(hex_text: str) -> bytes:
    return bytes.fromhex(hex_text)


def _map(proof: dict, state_root: str, key: bytes) -> bytes | None:
    terminal = proof["terminal"]
    t = None if terminal is None else (_b(terminal[0]), _b(terminal[1]))
    return verify_map([_b(s) for s in proof["siblings"]], t, _b(state_root), key)


# --- steps 2–4, shared by bundles and receipts ----------------------------------------------


def _check_signed(header: dict, cert: dict, validators: list[str], gh: bytes, what: str, note: Note) -> None:
    """``header`` belongs to ``validators`` (its set hash) and this chain, and more than 2/3
    of them finalized it."""
    if not validators or any(a >= b for a, b in zip(validators, validators[1:])):
        raise _fail(3, f"the validator keys that signed {what} must be non-empty, sorted and unique")
    set_hash = validator_set_hash(validators)
    note("validator_set_hash", set_hash)
    if set_hash.hex() != header["validator_set_hash"]:
        raise _fail(3, f"{what} was not produced by the validator set the chain leads to")
    if header["genesis_hash"] != gh.hex():
        raise _fail(3, f"{what} belongs to another chain (its genesis hash differs)")
    hh = header_hash(header)
    note("header_hash", hh)
    n = len(validators)
    signers, signatures = cert["signers"], cert["signatures"]
    if len(signers) != len(signatures):
        raise _fail(4, "signer and signature counts differ")
    if any(a >= b for a, b in zip(signers, signers[1:])) or (signers and signers[-1] >= n):
        raise _fail(4, "signer indices must be increasing and below the validator count")
    if len(signers) < quorum(n):
        raise _fail(4, f"{len(signers)} of {n} validators signed; more than 2/3 ({quorum(n)}) are needed")
    message = finalize_message(header["epoch"], header["view"], cert["parent_view"], hh)
    note("finalize_message", message)
    for index, signature in zip(signers, signatures):
        try:
            Ed25519PublicKey.from_public_bytes(_b(validators[index])).verify(_b(signature), message)
        except (InvalidSignature, ValueError):
            raise _fail(4, f"signature of validator {index} does not verify") from None


def _epoch_length_ok(length: int) -> None:
    # A decoded commitment never states 0 (decoding refuses a layout-2 epoch length outside
    # 10..=1_000_000, step 1); this only guards direct callers against dividing by zero.
    if length == 0:
        raise _fail(3, "the genesis commitment states an epoch length of 0 blocks")


def check_epoch(header: dict, epoch_length: int | None, what: str) -> None:
    """Step 3g for one certified header: under a committed epoch length ``L`` (see
    :func:`commitment_epoch_length`; ``None``: layout 1, nothing to check) its epoch is
    ``⌊height / L⌋``."""
    if epoch_length is None:
        return
    _epoch_length_ok(epoch_length)
    want = header["height"] // epoch_length
    if header["epoch"] != want:
        raise _fail(3, f"{what} at height {header['height']} claims epoch {header['epoch']}, not {want} under the committed epoch length of {epoch_length} blocks")


def check_boundary(header: dict, epoch_length: int | None, seq: int) -> None:
    """Step 3g for a validator-set change's boundary block: under a committed epoch length
    ``L`` it is the last block of an epoch, ``(height + 1) mod L = 0`` (``height + 1`` must fit
    in a u64)."""
    if epoch_length is None:
        return
    _epoch_length_ok(epoch_length)
    following = header["height"] + 1
    if following > U64_MAX or following % epoch_length != 0:
        raise _fail(3, f"validator-set change {seq} is at height {header['height']}, not the last block of an epoch of {epoch_length} blocks")


def verify_anchor(value: dict, checkpoint: bytes | None, note: Note) -> tuple[bytes, int]:
    """Steps 2–4: the genesis commitment matches the pinned hash, the header belongs to the
    validator set the chain of changes leads to, and more than 2/3 of it finalized the header;
    under a layout-2 genesis commitment also 3g (epochs as the committed length places them;
    skipped under layout 1). The same for bundles, receipts and status proofs. Returns the
    genesis hash and the validator count."""
    gh = genesis_hash(value["genesis"])
    note("genesis_hash", gh)
    if checkpoint is not None and checkpoint != gh:
        raise _fail(2, f"bundle is for genesis {gh.hex()}, not the pinned {checkpoint.hex()}")
    header = value["header"]
    validators: list[str] = list(value["genesis"]["validators"])
    # 3g. Under a committed epoch length (layout-2 commitment), every certified header's epoch
    # is its height's, and every set change sits on the last block of an epoch.
    epoch_length = commitment_epoch_length(value["genesis"])
    seq = 0
    set_epoch = 0  # the epoch from which the current set signs
    for link in value["validator_chain"]:
        lh, record = link["header"], link["record"]
        _check_signed(lh, link["certificate"], validators, gh, "a validator-set change", note)
        check_epoch(lh, epoch_length, "a validator-set change")
        check_boundary(lh, epoch_length, record["seq"])
        if lh["epoch"] < set_epoch:
            raise _fail(3, f"validator-set change {record['seq']} has its boundary block in epoch {lh['epoch']}, before the set that signed it took effect (epoch {set_epoch})")
        if record["seq"] != seq + 1 or record["boundary_height"] != lh["height"] or record["effective_epoch"] != lh["epoch"] + 1:
            raise _fail(3, f"validator-set change {record['seq']} does not follow change {seq} at its boundary block")
        key = state_key(STATE_KEY_VALIDATOR_SET_CHANGE, record["seq"].to_bytes(8, "little"))
        try:
            found = _map(link["record_proof"], lh["state_root"], key)
        except ProofFailure:
            found = None
        if found != value_hash(VALIDATOR_SET_RECORD, record):
            raise _fail(3, f"validator-set change {record['seq']} is not in its boundary block's state")
        if lh["epoch"] >= header["epoch"]:
            raise _fail(3, "a validator-set change in the chain is not before the anchored header's epoch")
        validators = [v["consensus_key"] for v in record["validators"]]
        seq = record["seq"]
        set_epoch = record["effective_epoch"]
    # The anchored header's 3g, evaluated before its 3a–3c (as the Rust verifier does).
    check_epoch(header, epoch_length, "the header")
    _check_signed(header, value["certificate"], validators, gh, "the header", note)
    return gh, len(validators)


def _pinned(checkpoint: bytes | str | None) -> bytes | None:
    if checkpoint is None or isinstance(checkpoint, bytes):
        return checkpoint
    return bytes.fromhex(checkpoint.strip())


# --- issuer identity (step 6d; §6a "Issuer identity") ----------------------------------------


@dataclass(frozen=True)
class IssuerCheck:
    """What evidence says about who the registrant is: its attested identity (``attestation``,
    the ``IssuerAttestation`` as decoded: ``profile`` {name, domain, x509_sha256,
    well_known_sha256}, ``attested_by``, ``tx_id``, ``height``, ``time_ms``, ``revoked``), or
    proven never attested (``attestation`` is ``None``). A version-1 or -2 bundle carries no
    issuer section: its verification reports ``None`` instead of an ``IssuerCheck``."""

    attestation: dict | None

    @property
    def attested(self) -> bool:
        return self.attestation is not None

    def _profile(self, key: str):
        return None if self.attestation is None else self.attestation["profile"][key]

    @property
    def name(self) -> str | None:
        return self._profile("name")

    @property
    def domain(self) -> str | None:
        return self._profile("domain")

    @property
    def attested_by(self) -> str | None:
        """The registrar account, or the council's for an attestation by governance."""
        return None if self.attestation is None else self.attestation["attested_by"]

    @property
    def height(self) -> int | None:
        """Height of the attestation."""
        return None if self.attestation is None else self.attestation["height"]

    @property
    def revoked(self) -> dict | None:
        """``{by, reason, tx_id, height, time_ms}`` once the attestation was withdrawn."""
        return None if self.attestation is None else self.attestation["revoked"]

    def describe(self) -> str:
        """``Example University (example.edu), attested by <account> at height H`` (with
        ``— attestation REVOKED at height H (reason: R)`` once withdrawn), or ``no attested
        identity``."""
        a = self.attestation
        if a is None:
            return "no attested identity"
        line = f"{a['profile']['name']} ({a['profile']['domain']}), attested by {a['attested_by']} at height {a['height']}"
        r = a["revoked"]
        if r is not None:
            line += f" — attestation REVOKED at height {r['height']} (reason: {r['reason']})"
        return line

    def to_json(self) -> dict:
        """As ``vellum verify --json`` shows it: ``{"attested": false}``, or ``attested``,
        ``name``, ``domain``, ``x509_sha256``, ``well_known_sha256``, ``attested_by``,
        ``height`` and ``revoked`` (null or the withdrawal)."""
        a = self.attestation
        if a is None:
            return {"attested": False}
        p = a["profile"]
        return {
            "attested": True,
            "name": p["name"],
            "domain": p["domain"],
            "x509_sha256": p["x509_sha256"],
            "well_known_sha256": p["well_known_sha256"],
            "attested_by": a["attested_by"],
            "height": a["height"],
            "revoked": None if a["revoked"] is None else dict(a["revoked"]),
        }


def issuer_json(check: IssuerCheck | None) -> dict | None:
    """:meth:`IssuerCheck.to_json`, or ``None`` for a file that carries no issuer section."""
    return None if check is None else check.to_json()


def issuer_line(check: IssuerCheck | None, registrant: str) -> str:
    """The line for people: ``Registered by Example University (example.edu), attested by …
    at height H``; ``Registered by account … — no attested identity``; or, for a version-1 or
    -2 bundle, ``Registered by account … — this file carries no issuer identity (older
    format)``."""
    if check is None:
        return f"Registered by account {registrant} — this file carries no issuer identity (older format)"
    if not check.attested:
        return f"Registered by account {registrant} — no attested identity"
    return f"Registered by {check.describe()}"


def check_issuer(evidence: dict, registrant: str, state_root: str) -> IssuerCheck:
    """Step 6d (bundles version 3; status proofs, reported under step 6): ``evidence["proof"]``
    verifies against ``state_root`` for ``StateKey::IssuerProfile(registrant)``, proving it
    absent when ``evidence["attestation"]`` is ``None``, or present with value hash
    ``H(0x01 ‖ borsh(attestation))``."""
    key = state_key(STATE_KEY_ISSUER_PROFILE, _b(registrant))
    try:
        proven = _map(evidence["proof"], state_root, key)
    except ProofFailure as err:
        raise _fail(6, f"issuer identity proof does not match the state root: {err}") from None
    attestation = evidence["attestation"]
    if attestation is None and proven is None:
        return IssuerCheck(None)
    if attestation is not None and proven == value_hash(ISSUER_ATTESTATION, attestation):
        return IssuerCheck(copy.deepcopy(attestation))
    raise _fail(6, "the issuer identity does not match the state")


# --- bundles --------------------------------------------------------------------------------


@dataclass
class VerifiedBundle:
    """What a valid bundle proves."""

    genesis_hash: str
    chain_id: str
    checkpoint_pinned: bool
    record: dict
    registrant: str
    signer: str
    #: The document's registered digest (the member's leaf for a batch).
    registered_digest: str
    member_index: int | None
    #: Status as of ``status_height`` / ``status_time_ms``: ``{"state": "live" | "revoked" |
    #: "superseded" | "suspended", ...}`` (for a batch member, the effective status of step 7).
    status: dict
    status_height: int
    status_time_ms: int
    signers: int
    validators: int
    validator_set_changes: int
    #: ``"matched"`` or ``"not_checked"``.
    document: str
    #: The registrant's issuer identity as of the header (step 6d); ``None`` for a version-1
    #: or -2 bundle, which carries none.
    issuer: IssuerCheck | None = None
    #: The checkpoint witnesses cosigned (version 4), checked against the header (step 10
    #: a–c); ``None`` when the file carries none.
    witnessed: Checkpoint | None = None
    #: How many of the policy's witnesses validly cosigned it (step 10d), when verified under
    #: a witness policy; ``None`` without one (the cosignatures are then not checked).
    witness_cosignatures: int | None = None
    #: Blocks per epoch the genesis commitment states (layout 2; ``SINGLE_EPOCH`` when it
    #: states none), against which step 3g checked every certified header's epoch; ``None``:
    #: a layout-1 commitment states none, and 3g was skipped.
    epoch_length: int | None = None
    trace: list[tuple[str, str]] = field(default_factory=list)

    @property
    def live(self) -> bool:
        return self.status["state"] == "live"

    @property
    def witnessed_size(self) -> int | None:
        """The size of the log the witnesses cosigned (``None``: not witnessed)."""
        return None if self.witnessed is None else self.witnessed.size

    def witnessed_line(self) -> str:
        """What the file says of witnesses (see :func:`witnessed_line`)."""
        return witnessed_line(self.witnessed, self.witness_cosignatures)

    def issuer_line(self) -> str:
        """``Registered by Example University (example.edu), attested by … at height H`` (see
        :func:`issuer_line`)."""
        return issuer_line(self.issuer, self.registrant)


# --- steps 6 and 7, shared by bundles and status proofs -------------------------------------

#: Statuses no change can follow.
FINAL_STATES = ("revoked", "superseded")


def effective_status(registration: dict, member: dict | None) -> dict:
    """The status that applies (docs/evidence-format.md §4 step 7, ``effective``): a final
    status of the registration wins; else a final status of the member; else a suspended
    registration; else the member's own status. ``member`` is ``None`` for a single
    registration (its own status applies)."""
    if registration["state"] in FINAL_STATES:
        return dict(registration)
    if member is not None and member["state"] in FINAL_STATES:
        return dict(member)
    if registration["state"] != "live":
        return dict(registration)
    return dict(member) if member is not None else {"state": "live"}


def check_entry(entry: dict, entry_proof: dict, state_root: str, proof: str, note: Note) -> None:
    """Step 6 (6a, 6b): ``entry_proof`` proves ``entry`` present under
    ``StateKey::Proof(proof)`` in ``state_root``."""
    key = state_key(STATE_KEY_PROOF, _b(proof))
    entry_hash = value_hash(PROOF_ENTRY, entry)
    note("entry_key", key)
    note("entry_value_hash", entry_hash)
    try:
        found = _map(entry_proof, state_root, key)
    except ProofFailure as err:
        raise _fail(6, f"state proof does not match the header's state root: {err}") from None
    if found is None:
        raise _fail(6, "the state holds no entry for this proof")
    if found != entry_hash:
        raise _fail(6, "the state holds a different entry for this proof")


def member_own_status(member: dict, state_root: str, proof: str, note: Note) -> dict:
    """Steps 7d and 7e: the member's status entry (``member["status"]``) or its absence is
    what the state holds under ``StateKey::Member(proof, index)``. Returns the member's own
    status (live while it never changed)."""
    key = state_key(STATE_KEY_MEMBER, _b(proof), member["index"].to_bytes(4, "little"))
    note("member_key", key)
    try:
        proven = _map(member["status_proof"], state_root, key)
    except ProofFailure as err:
        raise _fail(7, f"member status proof does not match the state root: {err}") from None
    own = member["status"]
    if own is None and proven is None:
        return {"state": "live"}
    if own is not None and proven == value_hash(MEMBER_ENTRY, own):
        return dict(own["status"])
    raise _fail(7, "member status does not match the state")


def record_hash(record: dict) -> str:
    """``H(canonical("VELLUM:EVIDENCE-RECORD:", record))``, kept in the state entry."""
    return _h(Domain.EVIDENCE_RECORD, EVIDENCE_RECORD, record).hex()


# --- bundles, steps 5-8 ---------------------------------------------------------------------


def _record_leaf_and_entry(b: dict, note: Note) -> dict:
    """Steps 5 and 6: the record is in the header's log; the state holds its entry."""
    r, e, h = b["record"], b["entry"], b["header"]
    rec_leaf = leaf_hash(canonical(Domain.EVIDENCE_LEAF, EVIDENCE_RECORD, r))
    note("record_leaf_hash", rec_leaf)
    try:
        verify_inclusion(e["leaf_index"], h["log_size"], rec_leaf, [_b(x) for x in b["log_proof"]], _b(h["log_root"]))
    except ProofFailure as err:
        raise _fail(5, f"record is not at log index {e['leaf_index']}: {err}") from None
    if r["height"] > h["height"] or r["time_ms"] > h["time_ms"]:
        raise _fail(5, "the record claims a height or time after the header that includes it")
    check_entry(e, b["entry_proof"], h["state_root"], r["proof_id"], note)
    if e["record_hash"] != record_hash(r) or e["registrant"] != r["registrant"]:
        raise _fail(6, "the state entry belongs to another record")
    return dict(e["status"])


def _bundle_issuer(b: dict) -> IssuerCheck | None:
    """Step 6d: the issuer section of a version-3 bundle (none in versions 1 and 2)."""
    ev = b.get("issuer")
    return None if ev is None else check_issuer(ev, b["record"]["registrant"], b["header"]["state_root"])


def _batch_member(b: dict, status: dict, note: Note) -> tuple[str, int | None, dict]:
    """Step 7: a batch member is in the registered root, its own status is proven, and the
    effective status applies."""
    r, m = b["record"], b["member"]
    reg = r["registered"]
    if reg["kind"] == "single":
        if m is not None:
            raise _fail(7, "a single registration has no members")
        return reg["digest"], None, effective_status(status, None)
    if m is None:
        raise _fail(7, "the bundle names no document of this batch")
    note("batch_root", _b(reg["root"]))
    member_leaf = leaf_hash(_b(m["leaf"]))
    note("member_leaf_hash", member_leaf)
    try:
        verify_inclusion(m["index"], reg["count"], member_leaf, [_b(x) for x in m["batch_proof"]], _b(reg["root"]))
    except ProofFailure as err:
        raise _fail(7, f"document is not member {m['index']} of the batch: {err}") from None
    own = member_own_status(m, b["header"]["state_root"], r["proof_id"], note)
    return m["leaf"], m["index"], effective_status(status, own)


def _document(b: dict, registered: str, document: bytes | None, note: Note) -> str:
    """Step 8: the opening matches the registered digest; the given document matches it."""
    r, opening = b["record"], b["document"]
    if opening is not None:
        salt = opening["salt"]
        if r["salted"] and salt is None:
            raise _fail(8, "the registration is salted but the bundle carries no salt")
        if not r["salted"] and salt is not None:
            raise _fail(8, "the bundle carries a salt for an unsalted registration")
        committed = opening["digest"]
        if salt is not None:
            s = salted_digest(_b(salt), _b(opening["digest"]))
            note("salted_digest", s)
            committed = s.hex()
        if committed != registered:
            raise _fail(8, "the bundle's document digest does not open the registered digest")
    if document is None:
        return "not_checked"
    d = sha256(document)
    note("document_sha256", d)
    if not r["salted"]:
        matches = d.hex() == registered
    elif opening is None:
        raise _fail(8, "salted registration: the bundle needs the salt to check a document")
    else:
        matches = opening["digest"] == d.hex()
    if not matches:
        raise _fail(8, f"the document's SHA-256 {d.hex()} is not the registered one")
    return "matched"


def witnessed_log(value: dict, covers: int) -> Checkpoint | None:
    """Step 10 a–c for a bundle or receipt (``value["witnessed"]``, none in older versions):
    the cosigned checkpoint is this chain's log, consistent with the certified header's, and
    covers leaves ``[0, covers)``."""
    w = value.get("witnessed")
    if w is None:
        return None
    h = value["header"]
    return verify_witnessed(w, value["genesis"]["chain_id"], h["log_size"], _b(h["log_root"]), covers)


def _policy(witnessed: Checkpoint | None, witnesses: WitnessPolicy | None) -> int | None:
    """Step 10d under a policy (``None``: no policy, nothing checked)."""
    if witnesses is None:
        return None
    if not isinstance(witnesses, WitnessPolicy):
        raise TypeError("witnesses must be a vellum_sdk.witness.WitnessPolicy (WitnessPolicy.load(path) reads a policy file)")
    return check_witness_policy(witnessed, witnesses)


def witnessed_line(witnessed: Checkpoint | None, under_policy: int | None) -> str:
    """``the log is WITNESSED: N cosignatures of the policy's witnesses on the checkpoint at
    size S``; without a policy how many cosignatures the file carries (not checked); or ``no
    witness cosignatures in this file``."""
    if witnessed is None:
        return "no witness cosignatures in this file"
    if under_policy is None:
        return f"the log carries {len(witnessed.cosignatures)} witness cosignature(s) at size {witnessed.size} (not checked: give a witness policy)"
    return f"the log is WITNESSED: {under_policy} cosignatures of the policy's witnesses on the checkpoint at size {witnessed.size}"


def verify_bundle(
    bundle: bytes | dict,
    document: bytes | None = None,
    checkpoint: bytes | str | None = None,
    *,
    witnesses: WitnessPolicy | None = None,
) -> VerifiedBundle:
    """Verifies a bundle (file bytes, or a decoded bundle), optionally against the document
    itself, a pinned genesis hash (hex or bytes) and a witness policy (step 10d: at least
    ``quorum`` of its witnesses cosigned the checkpoint a version-4 bundle carries; any other
    bundle fails it). Raises :class:`VerifyError`."""
    v = _verify_bundle(bundle, document, checkpoint)
    v.witness_cosignatures = _policy(v.witnessed, witnesses)
    return v


def _verify_bundle(bundle: bytes | dict, document: bytes | None, checkpoint: bytes | str | None) -> VerifiedBundle:
    """Steps 1–8 and 10 a–c (no policy)."""
    b = decode_bundle(bundle) if isinstance(bundle, (bytes, bytearray)) else bundle
    pinned = _pinned(checkpoint)
    trace: list[tuple[str, str]] = []

    def note(k: str, v: bytes) -> None:
        trace.append((k, v.hex()))

    gh, n = verify_anchor(b, pinned, note)
    status = _record_leaf_and_entry(b, note)
    issuer = _bundle_issuer(b)
    # Step 10 a–c is evaluated here, after step 6, as the Rust verifier does (a file with a
    # single defect fails at the same step either way).
    witnessed = witnessed_log(b, b["entry"]["leaf_index"] + 1)
    registered, member_index, status = _batch_member(b, status, note)
    note("registered_digest", _b(registered))
    doc = _document(b, registered, document, note)
    r = b["record"]
    return VerifiedBundle(
        genesis_hash=gh.hex(),
        chain_id=b["genesis"]["chain_id"],
        checkpoint_pinned=pinned is not None,
        record=r,
        registrant=r["registrant"],
        signer=r["signer"],
        registered_digest=registered,
        member_index=member_index,
        status=status,
        status_height=b["header"]["height"],
        status_time_ms=b["header"]["time_ms"],
        signers=len(b["certificate"]["signers"]),
        validators=n,
        validator_set_changes=len(b["validator_chain"]),
        epoch_length=commitment_epoch_length(b["genesis"]),
        document=doc,
        issuer=issuer,
        witnessed=witnessed,
        trace=trace,
    )


def fill_member(bundle: dict, manifest_leaves: list[bytes]) -> None:
    """Completes a batch member's evidence (its leaf and batch path) from the batch's
    registered digests in order, which only the registrant holds."""
    reg = bundle["record"]["registered"]
    if reg["kind"] != "batch" or bundle["member"] is None:
        raise ValueError("this registration is not a batch")
    if len(manifest_leaves) != reg["count"]:
        raise ValueError(f"the batch manifest lists {len(manifest_leaves)} digests, the registration {reg['count']}")
    leaves = [leaf_hash(d) for d in manifest_leaves]
    if root(leaves).hex() != reg["root"]:
        raise ValueError("the batch manifest does not hash to the registered root")
    m = bundle["member"]
    m["leaf"] = manifest_leaves[m["index"]].hex()
    m["batch_proof"] = [p.hex() for p in inclusion_proof(m["index"], leaves)]


def open_document(bundle: dict, digest: bytes, salt: bytes | None) -> None:
    """Adds what ties the bundle to the document: its SHA-256 and the salt, if salted."""
    bundle["document"] = {"digest": digest.hex(), "salt": salt.hex() if salt else None}


# --- receipts -------------------------------------------------------------------------------


@dataclass
class VerifiedReceipt:
    """What a valid receipt proves: the transaction was finalized and what it did."""

    genesis_hash: str
    chain_id: str
    checkpoint_pinned: bool
    tx: Transaction
    #: Keys whose signatures on the transaction verified.
    signers: list[str]
    #: The payment record as the node's JSON shows it (``outcome``, legs, amounts as strings).
    record: dict
    header_height: int
    certificate_signers: int
    validators: int
    validator_set_changes: int
    #: See :attr:`VerifiedBundle.witnessed` (receipts version 3).
    witnessed: Checkpoint | None = None
    #: See :attr:`VerifiedBundle.witness_cosignatures`.
    witness_cosignatures: int | None = None
    #: See :attr:`VerifiedBundle.epoch_length`.
    epoch_length: int | None = None

    @property
    def witnessed_size(self) -> int | None:
        return None if self.witnessed is None else self.witnessed.size

    def witnessed_line(self) -> str:
        return witnessed_line(self.witnessed, self.witness_cosignatures)


def verify_receipt(receipt: bytes | dict, checkpoint: bytes | str | None = None, *, witnesses: WitnessPolicy | None = None) -> VerifiedReceipt:
    """Verifies a payment receipt (file bytes, or a decoded receipt) offline, optionally under
    a witness policy (step 10d, see :func:`verify_bundle`). Raises :class:`VerifyError`."""
    r = decode_receipt(receipt) if isinstance(receipt, (bytes, bytearray)) else receipt
    pinned = _pinned(checkpoint)
    gh, n = verify_anchor(r, pinned, _no_trace)
    h, record = r["header"], r["record"]
    tx = Transaction(UnsignedTx(**r["tx"]["unsigned"]), [Signature.from_hex(s) for s in r["tx"]["signatures"]])
    log_root = _b(h["log_root"])
    try:
        verify_inclusion(r["tx_index"], h["log_size"], leaf_hash(tx.leaf_bytes()), [_b(x) for x in r["tx_proof"]], log_root)
    except ProofFailure as err:
        raise _fail(5, f"the transaction is not at log index {r['tx_index']}: {err}") from None
    record_leaf = leaf_hash(canonical(Domain.PAYMENT_RECORD, PAYMENT_RECORD, record))
    try:
        verify_inclusion(r["tx_index"] + 1, h["log_size"], record_leaf, [_b(x) for x in r["record_proof"]], log_root)
    except ProofFailure as err:
        raise _fail(5, f"the payment record is not at log index {r['tx_index'] + 1}: {err}") from None
    if record["tx_id"] != tx.id() or record["sender"] != tx.unsigned.sender:
        raise _fail(6, "the payment record belongs to another transaction")
    if record["height"] > h["height"] or record["time_ms"] > h["time_ms"]:
        raise _fail(5, "the record claims a height or time after the header that includes it")
    try:
        signers = tx.verify()
    except SignatureError as e:
        raise _fail(6, f"the transaction's signatures do not verify: {e}") from None
    # Step 10: the transaction (leaf tx_index) and its record (tx_index + 1) are witnessed.
    witnessed = witnessed_log(r, r["tx_index"] + 2)
    return VerifiedReceipt(
        genesis_hash=gh.hex(),
        chain_id=r["genesis"]["chain_id"],
        checkpoint_pinned=pinned is not None,
        tx=tx,
        signers=[str(k) for k in signers],
        record=record,
        header_height=h["height"],
        certificate_signers=len(r["certificate"]["signers"]),
        validators=n,
        validator_set_changes=len(r["validator_chain"]),
        epoch_length=commitment_epoch_length(r["genesis"]),
        witnessed=witnessed,
        witness_cosignatures=_policy(witnessed, witnesses),
    )


# --- transaction receipts (§5a) ------------------------------------------------------------


def appended_leaf_bytes(leaf: dict) -> bytes:
    """The log leaf data of an ``Appended`` leaf: ``canonical(tag, record)`` with the tag of its
    kind (``VELLUM:PAYMENT-RECORD:``, ``VELLUM:CONTRACT-EVENT:``, ``VELLUM:INVOICE-RECORD:``)."""
    tag, codec = APPENDED_LEAVES[leaf["kind"]]
    return canonical(tag, codec, leaf["record"])


@dataclass
class VerifiedTxReceipt:
    """What a valid transaction receipt proves: the transaction was finalized, and the leaves
    it appended right after itself (a contract's payment records and events, or the invoice
    an ``issue_invoice`` issued) say what it did."""

    genesis_hash: str
    chain_id: str
    checkpoint_pinned: bool
    tx: Transaction
    #: Keys whose signatures on the transaction verified.
    signers: list[str]
    #: The transaction's log index (``log_index`` in ``vellum verify --json``).
    tx_index: int
    #: The leaves after the transaction, in log order (at ``tx_index + 1``, ``+ 2``, …), as
    #: ``vellum verify --json`` shows them: ``{"kind": "payment" | "event" | "invoice",
    #: "record": …}`` (amounts as decimal strings, bytes as hex).
    appended: list[dict]
    header_height: int
    certificate_signers: int
    validators: int
    validator_set_changes: int
    #: See :attr:`VerifiedBundle.witnessed`.
    witnessed: Checkpoint | None = None
    #: See :attr:`VerifiedBundle.witness_cosignatures`.
    witness_cosignatures: int | None = None
    #: See :attr:`VerifiedBundle.epoch_length`.
    epoch_length: int | None = None

    @property
    def tx_id(self) -> str:
        return self.tx.id()

    @property
    def tx_kind(self) -> str:
        return self.tx.unsigned.kind

    @property
    def sender(self) -> str:
        return self.tx.unsigned.sender

    def records(self, kind: str) -> list[dict]:
        """The appended records of one kind (``payment``, ``event`` or ``invoice``), in log order."""
        return [a["record"] for a in self.appended if a["kind"] == kind]

    @property
    def witnessed_size(self) -> int | None:
        return None if self.witnessed is None else self.witnessed.size

    def witnessed_line(self) -> str:
        return witnessed_line(self.witnessed, self.witness_cosignatures)


def verify_tx_receipt(receipt: bytes | dict, checkpoint: bytes | str | None = None, *, witnesses: WitnessPolicy | None = None) -> VerifiedTxReceipt:
    """Verifies a transaction receipt (``VELLUMTR`` file bytes, or a decoded one) offline,
    optionally against a pinned genesis hash and under a witness policy (step 10d, see
    :func:`verify_bundle`), in the Rust verifier's order: step 1 (also: 1..=1,024 appended
    leaves), 2–4, the transaction's leaf at ``tx_index`` (5), then for each appended leaf ``k``
    its leaf at ``tx_index + 1 + k`` (5), its ``tx_id`` is the transaction's (6) and its height
    at most the header's (5); the transaction's signatures (6); a witnessed section covering
    ``tx_index + 1 + len(appended)`` leaves (10). Raises :class:`VerifyError`."""
    r = decode_tx_receipt(receipt) if isinstance(receipt, (bytes, bytearray)) else receipt
    if not r["appended"] or len(r["appended"]) > TX_RECEIPT_LEAVES_MAX:
        raise _fail(1, f"a transaction receipt proves 1..={TX_RECEIPT_LEAVES_MAX} leaves after its transaction")
    pinned = _pinned(checkpoint)
    gh, n = verify_anchor(r, pinned, _no_trace)
    h = r["header"]
    tx = Transaction(UnsignedTx(**r["tx"]["unsigned"]), [Signature.from_hex(s) for s in r["tx"]["signatures"]])
    log_root = _b(h["log_root"])
    try:
        verify_inclusion(r["tx_index"], h["log_size"], leaf_hash(tx.leaf_bytes()), [_b(x) for x in r["tx_proof"]], log_root)
    except ProofFailure as err:
        raise _fail(5, f"the transaction is not at log index {r['tx_index']}: {err}") from None
    tx_id = tx.id()
    for k, (leaf, proof) in enumerate(r["appended"]):
        index = r["tx_index"] + 1 + k
        try:
            verify_inclusion(index, h["log_size"], leaf_hash(appended_leaf_bytes(leaf)), [_b(x) for x in proof], log_root)
        except ProofFailure as err:
            raise _fail(5, f"leaf {k} after the transaction is not at log index {index}: {err}") from None
        record = leaf["record"]
        if record["tx_id"] != tx_id:
            raise _fail(6, f"leaf {k} after the transaction belongs to another transaction")
        if record["height"] > h["height"]:
            raise _fail(5, f"leaf {k} claims a height after the header that includes it")
    try:
        signers = tx.verify()
    except SignatureError as e:
        raise _fail(6, f"the transaction's signatures do not verify: {e}") from None
    # Step 10: the transaction and every leaf after it are witnessed.
    witnessed = witnessed_log(r, r["tx_index"] + 1 + len(r["appended"]))
    return VerifiedTxReceipt(
        genesis_hash=gh.hex(),
        chain_id=r["genesis"]["chain_id"],
        checkpoint_pinned=pinned is not None,
        tx=tx,
        signers=[str(k) for k in signers],
        tx_index=r["tx_index"],
        appended=[copy.deepcopy(leaf) for leaf, _ in r["appended"]],
        header_height=h["height"],
        certificate_signers=len(r["certificate"]["signers"]),
        validators=n,
        validator_set_changes=len(r["validator_chain"]),
        epoch_length=commitment_epoch_length(r["genesis"]),
        witnessed=witnessed,
        witness_cosignatures=_policy(witnessed, witnesses),
    )


# --- status proofs (§6a) and step 9 ---------------------------------------------------------


@dataclass
class VerifiedStatus:
    """What a valid status proof proves: the registration's (or one batch member's) status as
    of a certified finalized header."""

    genesis_hash: str
    chain_id: str
    checkpoint_pinned: bool
    proof_id: str
    member_index: int | None
    registrant: str
    #: The evidence record the entry commits to (ties the status to a bundle's record).
    record_hash: str
    #: The registered digest, or the batch root.
    registered_digest: str
    #: Members of the batch (0 for a single registration).
    count: int
    #: The status that applies (for a member: the effective status of §4 step 7).
    status: dict
    #: As of this finalized header.
    height: int
    time_ms: int
    signers: int
    validators: int
    validator_set_changes: int
    #: The registrant's issuer identity as of ``height``.
    issuer: IssuerCheck
    #: See :attr:`VerifiedBundle.epoch_length`.
    epoch_length: int | None = None

    def issuer_line(self) -> str:
        """``Registered by Example University (example.edu), attested by … at height H``, or
        ``… no attested identity``."""
        return issuer_line(self.issuer, self.registrant)

    @property
    def state(self) -> str:
        """``live``, ``revoked``, ``superseded`` or ``suspended``."""
        return self.status["state"]

    @property
    def live(self) -> bool:
        return self.state == "live"

    @property
    def reason(self) -> str | None:
        """The reason code of a revocation or suspension."""
        return self.status.get("reason")

    @property
    def since_height(self) -> int | None:
        """Height of the change that set this status (``None`` while live)."""
        return self.status.get("height")


def _member_of_status_proof(p: dict) -> dict:
    """Step 7 of a status proof: 7f the member exists, then 7d and 7e; returns the effective
    status."""
    m, entry = p["member"], p["entry"]
    if m is None:
        return effective_status(entry["status"], None)
    if m["index"] >= entry["count"]:
        raise _fail(7, f"the registration has no member {m['index']} (it covers {entry['count']})")
    own = member_own_status(m, p["header"]["state_root"], p["proof_id"], _no_trace)
    return effective_status(entry["status"], own)


def verify_status_proof(data: bytes | dict, pinned_genesis: bytes | str | None = None) -> VerifiedStatus:
    """Verifies a status proof (file bytes, or a decoded one) offline: steps 1–4 as for bundles
    (magic ``VELLUMST``), 6 (the entry is in the header's state; the registrant's issuer
    identity, 6d, checked after step 7) and 7 (a batch member's status entry or its absence). Pin the genesis hash (hex or bytes): without it anyone can make a
    chain of their own. Raises :class:`VerifyError`."""
    p = decode_status_proof(data) if isinstance(data, (bytes, bytearray)) else data
    pinned = _pinned(pinned_genesis)
    gh, n = verify_anchor(p, pinned, _no_trace)
    entry, header = p["entry"], p["header"]
    check_entry(entry, p["entry_proof"], header["state_root"], p["proof_id"], _no_trace)
    status = _member_of_status_proof(p)
    # 6d with the entry's registrant (reported under step 6, evaluated after step 7 as in Rust).
    issuer = check_issuer(p["issuer"], entry["registrant"], header["state_root"])
    return VerifiedStatus(
        genesis_hash=gh.hex(),
        chain_id=p["genesis"]["chain_id"],
        checkpoint_pinned=pinned is not None,
        proof_id=p["proof_id"],
        member_index=None if p["member"] is None else p["member"]["index"],
        registrant=entry["registrant"],
        record_hash=entry["record_hash"],
        registered_digest=entry["registered_digest"],
        count=entry["count"],
        status=status,
        height=header["height"],
        time_ms=header["time_ms"],
        signers=len(p["certificate"]["signers"]),
        validators=n,
        validator_set_changes=len(p["validator_chain"]),
        epoch_length=commitment_epoch_length(p["genesis"]),
        issuer=issuer,
    )


@dataclass
class StatusNow:
    """What an old bundle and a fresh status proof say together (step 9)."""

    #: The status when the bundle was made (as of its header), and now.
    then: dict
    now: dict
    now_height: int
    now_time_ms: int
    #: The status changed between the bundle's header and the status proof's.
    changed: bool
    #: The registrant's issuer identity now (as of ``now_height``): an attestation revoked
    #: since the bundle shows here.
    issuer_now: IssuerCheck


def status_now(bundle: VerifiedBundle, status: VerifiedStatus) -> StatusNow:
    """Step 9 (9a–9d): a verified bundle and a verified status proof speak of the same chain,
    registration and member, and the status proof is not older than the bundle."""
    if bundle.genesis_hash != status.genesis_hash:
        raise _fail(9, "the status proof is for another chain (its genesis hash differs)")
    if bundle.record["proof_id"] != status.proof_id or record_hash(bundle.record) != status.record_hash:
        raise _fail(9, "the status proof is for another registration")
    if bundle.member_index != status.member_index:
        raise _fail(9, "the status proof is for another document of the batch")
    if status.height < bundle.status_height:
        raise _fail(9, f"the status proof (height {status.height}) is older than the bundle (height {bundle.status_height})")
    return StatusNow(
        then=dict(bundle.status),
        now=dict(status.status),
        now_height=status.height,
        now_time_ms=status.time_ms,
        changed=status.status != bundle.status,
        issuer_now=status.issuer,
    )


def verify_bundle_with_status(
    bundle: bytes,
    status: bytes,
    document: bytes | None = None,
    checkpoint: bytes | str | None = None,
    *,
    witnesses: WitnessPolicy | None = None,
) -> tuple[VerifiedBundle, StatusNow]:
    """A bundle and a status proof together (§4 step 9): the bundle proves the registration,
    the status proof its status now. The status proof is verified against the pinned genesis
    hash, or without one against the bundle's; a witness policy is applied to the bundle last
    (step 10d, as ``vellum verify --status S --witnesses P``). Raises :class:`VerifyError`."""
    v = _verify_bundle(bundle, document, checkpoint)
    pinned = _pinned(checkpoint)
    s = verify_status_proof(status, pinned if pinned is not None else bytes.fromhex(v.genesis_hash))
    now = status_now(v, s)
    v.witness_cosignatures = _policy(v.witnessed, witnesses)
    return v, now


def verify_file(
    data: bytes, document: bytes | None = None, checkpoint: bytes | str | None = None, *, witnesses: WitnessPolicy | None = None
) -> VerifiedBundle | VerifiedReceipt | VerifiedTxReceipt | VerifiedStatus:
    """A bundle, a payment receipt, a transaction receipt or a status proof, told apart by its
    magic (as ``vellum verify``). A witness policy applies to bundles and receipts (step 10);
    status proofs carry no cosignatures, so one verified under a policy fails step 10 after
    verifying."""
    if data.startswith(RECEIPT_MAGIC):
        return verify_receipt(data, checkpoint, witnesses=witnesses)
    if data.startswith(TX_RECEIPT_MAGIC):
        return verify_tx_receipt(data, checkpoint, witnesses=witnesses)
    if data.startswith(STATUS_PROOF_MAGIC):
        v = verify_status_proof(data, checkpoint)
        if witnesses is not None:
            raise _fail(10, "a status proof carries no witness cosignatures (a witness policy applies to bundles and receipts)")
        return v
    return verify_bundle(data, document, checkpoint, witnesses=witnesses)


"""Every type a client signs, hashes, sends or verifies, as codecs (see :mod:`.encoding`), with
the Rust field names and variant order of ``crates/types`` (variants are appended over time;
an index never changes). Public keys and signatures also have small classes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .encoding import (
    Bool,
    Codec,
    Domain,
    Enum,
    FixedBytes,
    Mapped,
    Option,
    Reader,
    Str,
    Struct,
    Tuple,
    UInt,
    UnitEnum,
    VarBytes,
    Vec,
    Writer,
    borsh,
    canonical,
    from_borsh,
    parse_hex,
    sha256,
)
from .errors import FormatError, Malformed

U8, U16, U32, U64 = UInt(1), UInt(2), UInt(4), UInt(8)
U128 = UInt(16, as_text=True)
BOOL = Bool()
STR = Str()
BYTES = VarBytes()
HASH = FixedBytes(32)

# --- keys and signatures --------------------------------------------------------------------

#: Key length per scheme (Ed25519: the 32-byte point; secp256k1 and P-256: SEC1 compressed).
KEY_BYTES = {"ed25519": 32, "secp256k1": 33, "p256": 33}
SCHEMES = tuple(KEY_BYTES)

_PUBLIC_KEY_ENUM = Enum("scheme", [(s, [("key", FixedBytes(n))]) for s, n in KEY_BYTES.items()])


@dataclass(frozen=True)
class PublicKey:
    """An account key. Text form ``ed25519:<64 hex>``, ``secp256k1:<66 hex>``, ``p256:<66 hex>``."""

    scheme: str
    key: bytes

    def __post_init__(self) -> None:
        if self.scheme not in KEY_BYTES:
            raise FormatError(f"unknown key scheme {self.scheme!r} (expected {', '.join(SCHEMES)})")
        if len(self.key) != KEY_BYTES[self.scheme]:
            raise FormatError(f"a {self.scheme} public key is {KEY_BYTES[self.scheme]} bytes, got {len(self.key)}")

    @classmethod
    def parse(cls, text: str, path: str = "") -> "PublicKey":
        if not isinstance(text, str) or ":" not in text:
            raise FormatError(f"expected `scheme:hex` ({', '.join(SCHEMES)}), got {text!r}", path)
        scheme, hex_part = text.split(":", 1)
        if scheme not in KEY_BYTES:
            raise FormatError(f"unknown key scheme {scheme!r}", path)
        return cls(scheme, parse_hex(hex_part, KEY_BYTES[scheme], path))

    def __str__(self) -> str:
        return f"{self.scheme}:{self.key.hex()}"

    def to_borsh(self) -> bytes:
        return borsh(PUBLIC_KEY, str(self))

    def account_id(self) -> str:
        """The id of an account opened with this key: ``SHA-256(canonical(ACCOUNT-ID, key))``."""
        return sha256(canonical(Domain.ACCOUNT_ID, PUBLIC_KEY, str(self))).hex()


def _key_to_enum(text: Any, path: str) -> dict:
    k = PublicKey.parse(text, path)
    return {"scheme": k.scheme, "key": k.key.hex()}


#: ``PublicKey``: enum 0 Ed25519([u8;32]), 1 Secp256k1([u8;33]), 2 P256([u8;33]); JSON ``scheme:hex``.
PUBLIC_KEY = Mapped(_PUBLIC_KEY_ENUM, _key_to_enum, lambda v: f"{v['scheme']}:{v['key']}")

_SIGNATURE_ENUM = Enum(
    "scheme",
    [
        ("ed25519", [("public_key", FixedBytes(32)), ("signature", FixedBytes(64))]),
        ("secp256k1", [("signature", FixedBytes(64)), ("recovery_id", U8)]),
        ("p256", [("public_key", FixedBytes(33)), ("signature", FixedBytes(64))]),
    ],
)


@dataclass(frozen=True)
class Signature:
    """A transaction (or request) signature. ``public_key`` is set for Ed25519 and P-256 (the key
    travels with it); secp256k1 carries a ``recovery_id`` instead (the key is recovered)."""

    scheme: str
    signature: bytes
    public_key: bytes | None = None
    recovery_id: int | None = None

    def fields(self) -> dict:
        if self.scheme == "secp256k1":
            return {"scheme": self.scheme, "signature": self.signature.hex(), "recovery_id": self.recovery_id}
        return {"scheme": self.scheme, "public_key": (self.public_key or b"").hex(), "signature": self.signature.hex()}

    def to_bytes(self) -> bytes:
        """``borsh(Signature)`` (what transaction files and the signature header carry, as hex)."""
        return borsh(_SIGNATURE_ENUM, self.fields())

    def hex(self) -> str:
        return self.to_bytes().hex()

    @classmethod
    def from_bytes(cls, data: bytes) -> "Signature":
        v = from_borsh(_SIGNATURE_ENUM, data)
        return cls._from_fields(v)

    @classmethod
    def from_hex(cls, text: str, path: str = "") -> "Signature":
        return cls.from_bytes(parse_hex(text, None, path))

    @classmethod
    def _from_fields(cls, v: dict) -> "Signature":
        if v["scheme"] == "secp256k1":
            return cls("secp256k1", bytes.fromhex(v["signature"]), recovery_id=v["recovery_id"])
        return cls(v["scheme"], bytes.fromhex(v["signature"]), public_key=bytes.fromhex(v["public_key"]))


def _sig_to_enum(text: Any, path: str) -> dict:
    try:
        return Signature.from_hex(text, path).fields()
    except Malformed as e:
        raise FormatError(f"not a signature: {e}", path) from None


#: ``Signature``: enum 0 Ed25519 {public_key, signature}, 1 Secp256k1Recoverable {signature,
#: recovery_id}, 2 P256 {public_key, signature}; JSON: hex of its borsh.
SIGNATURE = Mapped(_SIGNATURE_ENUM, _sig_to_enum, lambda v: borsh(_SIGNATURE_ENUM, v).hex())

# --- ledger types -----------------------------------------------------------------------------

#: ``Role`` (§6.4.1): ``tax_authority`` (index 8) issues the e-invoices of the sellers whose
#: invoicing conditions name it (granted by governance, like every role but ``user``).
ROLES = ("user", "council", "registrar", "issuer", "auditor", "compliance", "node", "desk", "tax_authority")
ROLE = UnitEnum(ROLES)
ACCOUNT_STATUS = UnitEnum(("active", "frozen", "revoked"))
MISBEHAVIOR_KIND = UnitEnum(("conflicting_notarize", "conflicting_finalize", "nullify_finalize"))

TOKEN_FLAGS = Struct([("kyc_required", BOOL), ("clawback", BOOL), ("pausable", BOOL)])
SIGNER = Struct([("key", PUBLIC_KEY), ("weight", U16)])
SIGNER_SET = Struct([("signers", Vec(SIGNER)), ("threshold", U32)])
#: ``TierLimit`` (crates/types/src/monitoring.rs): what a sender of one KYC tier (0..=7; 0 = no
#: KYC record) may send in one leg and within the window before monitoring holds it (0: no limit).
TIER_LIMIT = Struct([("tier", U8), ("leg_amount_max", U128), ("window_amount_max", U128)])
#: ``KycTerms`` (crates/types/src/kyc.rs, wire-format §6.4.11): the identity check's tier
#: (1..=7), the block time (ms) from which it is stale (0: never) and the identity's screening
#: commitment (:func:`vellum_sdk.tx.screening_commitment`), compared with the sanctions list.
KYC_TERMS = Struct([("tier", U8), ("expires_ms", U64), ("screening", Option(HASH))])
MONITORING_RULES = Struct(
    [
        ("large_amount", U128),
        ("window_ms", U64),
        ("window_amount_max", U128),
        ("window_count_max", U32),
        ("structuring_floor_bps", U16),
        ("structuring_count", U32),
        ("hold_timeout_ms", U64),
        # The receiving side and the sender's KYC tier (wire-format §6.4.8).
        ("inflow_amount_max", U128),
        ("inflow_count_max", U32),
        ("distinct_senders_max", U32),
        ("tier_limits", Vec(TIER_LIMIT)),
        ("version", U64),
    ]
)
CONVERT_QUOTE = Struct([("to_token", STR), ("rate_version", U64)])
LEG = Struct([("to", HASH), ("token", STR), ("amount", U128), ("convert", Option(CONVERT_QUOTE))])
AUDIT_RECORD = Struct([("proof", HASH), ("reader", Option(HASH)), ("action", STR), ("allowed", BOOL), ("time_ms", U64)])
#: ``ReadRecord`` (crates/types/src/proof.rs): one read (or refused read) of an account's data
#: — ``action`` ``account``, ``history``, ``payment``, ``receipt``, ``hold`` or ``reads`` — as a
#: node records it on the ledger (X.1407 9.1.1 c); ``item``: the payment or held transfer read
#: (tx id; ``None`` for the account itself); ``reader``: ``None`` when unauthenticated;
#: ``time_ms``: the serving node's clock. JSON: hex, the action, ``null``s, a bool, a number.
READ_RECORD = Struct(
    [("owner", HASH), ("action", STR), ("item", Option(HASH)), ("reader", Option(HASH)), ("allowed", BOOL), ("time_ms", U64)]
)
#: ``ProofChange``: 0 Revoke {reason}, 1 Supersede {by}, 2 Suspend {reason}, 3 Reinstate; a
#: ``reason`` is a reason code (see :func:`vellum_sdk.tx.valid_reason_code`).
PROOF_CHANGE = Enum(
    "change",
    [("revoke", [("reason", STR)]), ("supersede", [("by", HASH)]), ("suspend", [("reason", STR)]), ("reinstate", None)],
)
#: A batch member handed to the network: its registered digest (never the salt or the
#: document) and optionally its holder.
BATCH_MEMBER = Struct([("digest", HASH), ("holder", Option(HASH))])
GENESIS_VALIDATOR = Struct([("name", STR), ("consensus_key", HASH), ("p2p_key", HASH), ("address", STR)])
CONSENSUS_PARAMS = Struct(
    [
        ("block_txs_max", U32),
        ("block_bytes_max", U32),
        ("block_time_future_skew_ms", U64),
        ("block_time_past_skew_ms", U64),
    ]
)

_CREATE_TOKEN = [("symbol", STR), ("decimals", U8), ("issuer", HASH), ("subledger", Option(STR)), ("flags", TOKEN_FLAGS)]
_SET_MONITORING = [("token", STR), ("rules", MONITORING_RULES)]
_SET_RATE = [("from", STR), ("to", STR), ("num", U64), ("den", U64), ("desk", HASH)]
_CREATE_SUBLEDGER = [("name", STR), ("kyc_required", BOOL)]

#: ``IssuerProfile`` (crates/types/src/issuer.rs): what a registrar (or the council) attests
#: about an issuer account — display name, domain, optional SHA-256 of its X.509 certificate
#: (DER), SHA-256 of the well-known document checked.
ISSUER_PROFILE = Struct([("name", STR), ("domain", STR), ("x509_sha256", Option(HASH)), ("well_known_sha256", HASH)])
_ATTEST_ISSUER = [("issuer", HASH), ("profile", ISSUER_PROFILE)]
#: ``WitnessPolicy`` (crates/types/src/witness.rs): the witnesses governance names (key name,
#: Ed25519 key, base URL of their ``add-checkpoint``) and how many cosignatures count.
WITNESS_ENTRY = Struct([("name", STR), ("key", HASH), ("url", STR)])
WITNESS_POLICY = Struct([("witnesses", Vec(WITNESS_ENTRY)), ("quorum", U32)])

#: ``GovAction`` (crates/types/src/governance.rs), JSON ``{"action": "<snake_case>", ...}``.
GOV_ACTION = Enum(
    "action",
    [
        ("create_token", _CREATE_TOKEN),
        ("set_monitoring", _SET_MONITORING),
        ("set_rate", _SET_RATE),
        ("create_subledger", _CREATE_SUBLEDGER),
        ("grant_role", [("account", HASH), ("role", ROLE)]),
        ("revoke_role", [("account", HASH), ("role", ROLE)]),
        ("set_rules", [("digest", HASH), ("uri", STR)]),
        ("set_council", [("members", Vec(HASH)), ("threshold", U32)]),
        ("register_module", [("name", STR), ("code_digest", HASH), ("review_digest", HASH)]),
        ("set_module_paused", [("name", STR), ("paused", BOOL)]),
        ("add_validator", [("validator", GENESIS_VALIDATOR)]),
        ("remove_validator", [("consensus_key", HASH)]),
        ("set_consensus_params", [("params", CONSENSUS_PARAMS)]),
        ("set_reason_codes", [("codes", Vec(STR))]),
        ("attest_issuer", _ATTEST_ISSUER),
        ("set_witnesses", [("policy", WITNESS_POLICY)]),
        # Contracts (docs/contracts.md): approve code (``code`` is hex in JSON), pause or
        # resume an instance, move it to other approved code, record or lift an advisory.
        ("register_code", [("name", STR), ("code", BYTES), ("review_digest", HASH)]),
        ("set_contract_paused", [("contract", HASH), ("paused", BOOL)]),
        ("upgrade_contract", [("contract", HASH), ("code_digest", HASH)]),
        ("set_code_advisory", [("code_digest", HASH), ("advisory", Option(HASH))]),
        # The governed sanctions list: screening commitments added and removed (hex in JSON).
        ("update_sanctions", [("add", Vec(HASH)), ("remove", Vec(HASH))]),
    ],
)

#: ``TxBody`` (crates/types/src/tx.rs): variant index = declaration order, JSON
#: ``{"type": "<kind>", ...fields}``.
TX_BODY = Enum(
    "type",
    [
        (
            "open_account",
            [
                ("public_key", PUBLIC_KEY),
                ("kyc_commitment", Option(HASH)),
                ("label", STR),
                ("role", ROLE),
                ("subledger", Option(STR)),
                # The identity check's tier, expiry and screening; needs a kyc_commitment.
                ("kyc", Option(KYC_TERMS)),
            ],
        ),
        ("set_account_status", [("account", HASH), ("status", ACCOUNT_STATUS), ("reason", STR)]),
        ("register_proof", [("digest", HASH), ("schema", STR), ("metadata_digest", HASH), ("salted", BOOL)]),
        ("register_batch", [("root", HASH), ("count", U32), ("schema", STR), ("metadata_digest", HASH), ("salted", BOOL)]),
        ("set_proof_status", [("proof", HASH), ("member", Option(U32)), ("change", PROOF_CHANGE)]),
        ("audit_batch", [("entries", Vec(AUDIT_RECORD))]),
        ("create_token", _CREATE_TOKEN),
        ("mint", [("token", STR), ("to", HASH), ("amount", U128)]),
        ("burn", [("token", STR), ("amount", U128)]),
        ("transfer", [("legs", Vec(LEG)), ("reference", Option(HASH))]),
        ("set_signers", [("set", SIGNER_SET)]),
        ("set_monitoring", _SET_MONITORING),
        ("decide_hold", [("hold", U64), ("post", BOOL), ("reason", STR)]),
        ("set_token_paused", [("token", STR), ("paused", BOOL), ("reason", STR)]),
        ("clawback", [("token", STR), ("from", HASH), ("amount", U128), ("reason", STR)]),
        ("create_subledger", _CREATE_SUBLEDGER),
        ("set_rate", _SET_RATE),
        ("propose", [("action", GOV_ACTION), ("deadline_height", U64)]),
        ("vote", [("proposal", U64)]),
        ("set_guardians", [("guardians", Vec(HASH)), ("threshold", U32), ("delay_blocks", U64)]),
        ("propose_recovery", [("account", HASH), ("set", SIGNER_SET)]),
        ("cancel_recovery", None),
        ("execute_recovery", [("account", HASH)]),
        ("set_purpose_keys", [("request_keys", Vec(PUBLIC_KEY)), ("encryption_recipient", Option(STR))]),
        (
            "report_misbehavior",
            [("validator", HASH), ("kind", MISBEHAVIOR_KIND), ("epoch", U64), ("view", U64), ("evidence", BYTES)],
        ),
        ("revoke_issuer", [("issuer", HASH), ("from_height", U64), ("reason", STR)]),
        ("store_batch_members", [("proof", HASH), ("first", U32), ("members", Vec(BATCH_MEMBER))]),
        ("add_holders", [("proof", HASH), ("member", Option(U32)), ("holders", Vec(HASH))]),
        ("attest_issuer", _ATTEST_ISSUER),
        ("revoke_attestation", [("issuer", HASH), ("reason", STR)]),
        # Contracts (§6.3, docs/contracts.md); ``input`` is hex in JSON.
        ("instantiate_contract", [("code_digest", HASH), ("input", BYTES), ("fuel", U64)]),
        ("call_contract", [("contract", HASH), ("function", STR), ("input", BYTES), ("fuel", U64)]),
        # E-invoices (X.1407 Appendix I): the seller's conditions, then phases B, C and D.
        ("set_invoicing", [("tax_authority", HASH), ("token", STR), ("vat_basis_points", U32)]),
        ("issue_invoice", [("payment", HASH), ("document_digest", HASH)]),
        ("reimburse_invoice", [("invoice", HASH)]),
        ("clear_invoice_tax", [("invoice", HASH)]),
        # A registrar (re-)verifies an account's identity: replaces its KYC record (§6.4.11).
        ("set_kyc", [("account", HASH), ("terms", KYC_TERMS)]),
        # A node account records reads of account data (node accounts only), as audit_batch does for proof data.
        ("audit_reads", [("entries", Vec(READ_RECORD))]),
        # The account sets (or, with 0, lifts) the block time from which one of its signer keys stops signing.
        ("set_key_expiry", [("key", PUBLIC_KEY), ("expires_ms", U64)]),
        # The registrant deletes the stored original of its registration (member 0) or of one
        # batch member: every validator destroys its copy; the proof stays verifiable.
        ("delete_original", [("proof", HASH), ("member", U32)]),
    ],
)

#: Every transaction kind, in variant-index order.
TX_KINDS = tuple(name for name, _ in TX_BODY.variants)

UNSIGNED_TX = Struct(
    [("chain_id", STR), ("sender", HASH), ("nonce", U64), ("expiry_height", U64), ("body", TX_BODY)]
)
TRANSACTION = Struct([("unsigned", UNSIGNED_TX), ("signatures", Vec(SIGNATURE))])

# --- evidence (docs/evidence-format.md) -------------------------------------------------------

#: First four bytes of a layout-2 genesis commitment (an impossible chain-id length in layout 1).
COMMITMENT_LAYOUT_2_MARK = 0xFFFFFFFF
#: Longest chain id (bytes); a commitment (either layout) with a longer one is refused.
CHAIN_ID_BYTES_MAX = 64
#: Shortest and longest epoch a genesis may set (blocks); a layout-2 commitment stating a
#: length outside them is refused at decode (a zero would divide by zero in step 3g).
EPOCH_LENGTH_BLOCKS_MIN = 10
EPOCH_LENGTH_BLOCKS_MAX = 1_000_000
#: The epoch length of a layout-2 commitment that states none (one epoch forever).
SINGLE_EPOCH = (1 << 64) - 1


_COMMITMENT_HEAD = (("chain_id", STR), ("genesis_time_ms", U64), ("params", CONSENSUS_PARAMS), ("validators", Vec(HASH)))
_COMMITMENT_TAIL = (("details_hash", HASH),)


class GenesisCommitmentCodec(Codec):
    """``GenesisCommitment`` (docs/evidence-format.md §2.5), in either of its two layouts:

    * layout 2 (every chain made since the epoch length is committed in the clear):
      ``u32 0xFFFFFFFF ‖ u8 0x02 ‖ borsh(chain_id, genesis_time_ms, params, validators,
      epoch_length_blocks: Option<u64>, details_hash)``;
    * layout 1 (older chains): ``borsh(chain_id, genesis_time_ms, params, validators,
      details_hash)``, no epoch length.

    The first four bytes tell them apart (a chain id is at most 64 bytes, so no layout-1
    commitment starts with the length ``0xFFFFFFFF``). A layout mark other than ``0x02``, a
    chain id longer than 64 bytes (either layout) and a layout-2 ``epoch_length_blocks``
    outside ``10..=1_000_000`` (what a genesis may set) are :class:`Malformed` (step 1), as in
    Rust. Encoding does not check them (so tests can forge such commitments).

    JSON form: ``{"layout": 1 | 2, "chain_id", "genesis_time_ms", "params", "validators",
    ["epoch_length_blocks" (layout 2 only: a number or null),] "details_hash"}``. Encoding
    without ``layout`` takes layout 2 when ``epoch_length_blocks`` is given (even null), else
    layout 1. Each commitment has one encoding, so re-encoding a decoded one gives its bytes
    back (the genesis hash is over them)."""

    LAYOUT_1 = Struct(_COMMITMENT_HEAD + _COMMITMENT_TAIL)
    LAYOUT_2 = Struct((*_COMMITMENT_HEAD, ("epoch_length_blocks", Option(U64)), *_COMMITMENT_TAIL))
    min_size = LAYOUT_1.min_size

    @staticmethod
    def layout_of(value: Any, path: str = "") -> int:
        if not isinstance(value, dict):
            raise FormatError(f"expected an object, got {value!r}", path)
        layout = value.get("layout", 2 if "epoch_length_blocks" in value else 1)
        if layout not in (1, 2) or isinstance(layout, bool):
            raise FormatError(f"unknown genesis commitment layout {layout!r} (expected 1 or 2)", f"{path}.layout" if path else "layout")
        return layout

    def encode(self, w: Writer, value: Any, path: str) -> None:
        layout = self.layout_of(value, path)
        fields = {k: v for k, v in value.items() if k != "layout"}
        if layout == 2:
            w.uint(COMMITMENT_LAYOUT_2_MARK, 4)
            w.uint(2, 1)
            self.LAYOUT_2.encode(w, fields, path)
        else:
            self.LAYOUT_1.encode(w, fields, path)

    def decode(self, r: Reader) -> Any:
        at = r.pos
        first = r.uint(4)
        if first == COMMITMENT_LAYOUT_2_MARK:
            mark = r.uint(1)
            if mark != 2:
                raise Malformed(f"unknown genesis commitment layout {mark} at offset {at + 4}")
            value = self.LAYOUT_2.decode(r)
            # As Rust: the fields are read first, then checked.
            chain_id_bytes = len(value["chain_id"].encode("utf-8"))
            if chain_id_bytes > CHAIN_ID_BYTES_MAX:
                raise Malformed(f"genesis commitment at offset {at}: chain id of {chain_id_bytes} bytes, over {CHAIN_ID_BYTES_MAX}")
            length = value["epoch_length_blocks"]
            if length is not None and not EPOCH_LENGTH_BLOCKS_MIN <= length <= EPOCH_LENGTH_BLOCKS_MAX:
                raise Malformed(
                    f"genesis commitment at offset {at}: epoch length of {length} blocks, outside "
                    f"{EPOCH_LENGTH_BLOCKS_MIN}..={EPOCH_LENGTH_BLOCKS_MAX} (what a genesis may set)"
                )
            return {"layout": 2, **value}
        # Layout 1: `first` was the chain id's length.
        if first > CHAIN_ID_BYTES_MAX:
            raise Malformed(f"genesis commitment at offset {at}: chain id of {first} bytes, over {CHAIN_ID_BYTES_MAX}")
        r.pos = at
        return {"layout": 1, **self.LAYOUT_1.decode(r)}


#: ``GenesisCommitment``: layout 1 or 2 (see :class:`GenesisCommitmentCodec`).
GENESIS_COMMITMENT = GenesisCommitmentCodec()


def commitment_epoch_length(genesis: dict) -> int | None:
    """Blocks per epoch a genesis commitment states: ``SINGLE_EPOCH`` (2^64 − 1) for a
    layout-2 commitment without an epoch length, ``None`` for layout 1 (which does not state
    it: step 3g is skipped)."""
    if GenesisCommitmentCodec.layout_of(genesis) == 1:
        return None
    length = genesis.get("epoch_length_blocks")
    return SINGLE_EPOCH if length is None else length


BLOCK_HEADER = Struct(
    [
        ("height", U64),
        ("parent", HASH),
        ("epoch", U64),
        ("view", U64),
        ("time_ms", U64),
        ("proposer", HASH),
        ("txs_root", HASH),
        ("tx_count", U32),
        ("log_size", U64),
        ("log_root", HASH),
        ("state_root", HASH),
        ("validator_set_hash", HASH),
        ("genesis_hash", HASH),
    ]
)
CERTIFICATE = Struct([("parent_view", U64), ("signers", Vec(U32)), ("signatures", Vec(FixedBytes(64)))])
REGISTERED = Enum("kind", [("single", [("digest", HASH)]), ("batch", [("root", HASH), ("count", U32)])])
EVIDENCE_RECORD = Struct(
    [
        ("proof_id", HASH),
        ("registered", REGISTERED),
        ("schema", STR),
        ("metadata_digest", HASH),
        ("salted", BOOL),
        ("registrant", HASH),
        ("signer", PUBLIC_KEY),
        ("tx_id", HASH),
        ("height", U64),
        ("time_ms", U64),
    ]
)
#: ``ProofStatus``, JSON ``{"state": "live" | "revoked" | "superseded" | "suspended", ...}``.
#: Revoked and superseded are final; suspended returns to live when reinstated.
PROOF_STATUS = Enum(
    "state",
    [
        ("live", None),
        ("revoked", [("reason", STR), ("tx_id", HASH), ("height", U64), ("time_ms", U64)]),
        ("superseded", [("by", HASH), ("tx_id", HASH), ("height", U64), ("time_ms", U64)]),
        ("suspended", [("reason", STR), ("tx_id", HASH), ("height", U64), ("time_ms", U64)]),
    ],
)
PROOF_ENTRY = Struct(
    [
        ("record_hash", HASH),
        ("leaf_index", U64),
        ("registrant", HASH),
        ("registered_digest", HASH),
        ("count", U32),
        ("status", PROOF_STATUS),
    ]
)
MEMBER_ENTRY = Struct([("status", PROOF_STATUS)])
MAP_PROOF = Struct([("siblings", Vec(HASH)), ("terminal", Option(Tuple(HASH, HASH)))])
MEMBER_EVIDENCE = Struct(
    [
        ("index", U32),
        ("leaf", HASH),
        ("batch_proof", Vec(HASH)),
        ("status", Option(MEMBER_ENTRY)),
        ("status_proof", MAP_PROOF),
    ]
)
DOCUMENT_OPENING = Struct([("digest", HASH), ("salt", Option(HASH))])
#: An attestation withdrawn (``reason`` is a reason code).
ATTESTATION_REVOKED = Struct([("by", HASH), ("reason", STR), ("tx_id", HASH), ("height", U64), ("time_ms", U64)])
#: The state value under ``StateKey::IssuerProfile(account)``.
ISSUER_ATTESTATION = Struct(
    [
        ("profile", ISSUER_PROFILE),
        ("attested_by", HASH),
        ("tx_id", HASH),
        ("height", U64),
        ("time_ms", U64),
        ("revoked", Option(ATTESTATION_REVOKED)),
    ]
)
#: The registrant's attestation at the header (``None``: proven never attested) and its map
#: proof (bundles version 3, status proofs).
ISSUER_EVIDENCE = Struct([("attestation", Option(ISSUER_ATTESTATION)), ("proof", MAP_PROOF)])
VALIDATOR_SET_RECORD = Struct(
    [("seq", U64), ("effective_epoch", U64), ("boundary_height", U64), ("validators", Vec(GENESIS_VALIDATOR))]
)
SET_LINK = Struct(
    [("header", BLOCK_HEADER), ("certificate", CERTIFICATE), ("record", VALIDATOR_SET_RECORD), ("record_proof", MAP_PROOF)]
)
#: ``Witnessed`` (§2.5, §7a): a checkpoint note cosigned by witnesses, and the RFC 9162
#: consistency proof between its log and the header's (bundles version 4, receipts version 3).
WITNESSED = Struct([("note", STR), ("consistency", Vec(HASH))])
_ANCHOR = [("genesis", GENESIS_COMMITMENT), ("header", BLOCK_HEADER), ("certificate", CERTIFICATE)]
BUNDLE = Struct(
    _ANCHOR
    + [
        ("record", EVIDENCE_RECORD),
        ("log_proof", Vec(HASH)),
        ("entry", PROOF_ENTRY),
        ("entry_proof", MAP_PROOF),
        ("member", Option(MEMBER_EVIDENCE)),
        ("document", Option(DOCUMENT_OPENING)),
        ("validator_chain", Vec(SET_LINK)),
        # Version 3 (and then present) and 4; versions 1 and 2 leave out its `00` tag.
        ("issuer", Option(ISSUER_EVIDENCE)),
        # Version 4 only (and then present); versions 1 to 3 leave out its `00` tag.
        ("witnessed", Option(WITNESSED)),
    ]
)

#: A status proof's batch member: its status entry (absent until its first change) and map proof.
MEMBER_STATUS = Struct([("index", U32), ("status", Option(MEMBER_ENTRY)), ("status_proof", MAP_PROOF)])
#: A status proof (docs/evidence-format.md §2.4): a registration's state entry at a certified header.
STATUS_PROOF = Struct(
    _ANCHOR
    + [
        ("proof_id", HASH),
        ("entry", PROOF_ENTRY),
        ("entry_proof", MAP_PROOF),
        ("member", Option(MEMBER_STATUS)),
        ("issuer", ISSUER_EVIDENCE),
        ("validator_chain", Vec(SET_LINK)),
    ]
)

CONVERSION = Struct([("desk", HASH), ("num", U64), ("den", U64), ("rate_version", U64)])
SETTLED_LEG = Struct(
    [
        ("to", HASH),
        ("token", STR),
        ("amount", U128),
        ("credit_token", STR),
        ("credit_amount", U128),
        ("conversion", Option(CONVERSION)),
    ]
)
#: ``Alert`` (crates/types/src/monitoring.rs, evidence-format §5): the monitoring rule a held
#: transfer hit, JSON ``{"rule": "<snake_case>", ...}``.
ALERT = Enum(
    "rule",
    [
        ("large_transfer", [("token", STR), ("amount", U128)]),
        ("velocity_amount", [("token", STR), ("window_amount", U128)]),
        ("velocity_count", [("token", STR), ("window_count", U32)]),
        ("structuring", [("token", STR), ("just_under_count", U32)]),
        # The recipient's side (``account`` = the recipient, ``token`` = the credited token).
        ("inflow_amount", [("token", STR), ("account", HASH), ("window_amount", U128)]),
        ("inflow_count", [("token", STR), ("account", HASH), ("window_count", U32)]),
        ("distinct_senders", [("token", STR), ("account", HASH), ("senders", U32)]),
        # The sender's KYC tier allows less in one leg, or within the window.
        ("tier_leg", [("token", STR), ("tier", U8), ("amount", U128)]),
        ("tier_window", [("token", STR), ("tier", U8), ("window_amount", U128)]),
        # A party's screening commitment is on the governed sanctions list (at that version).
        ("sanctions", [("account", HASH), ("list_version", U64)]),
    ],
)
#: ``PaymentOutcome``, JSON as the node serves it (``{"outcome": "settled", ...}``).
PAYMENT_OUTCOME = Enum(
    "outcome",
    [
        ("settled", [("legs", Vec(SETTLED_LEG)), ("reference", Option(HASH))]),
        ("held", [("hold", U64), ("legs", Vec(SETTLED_LEG)), ("alerts", Vec(ALERT)), ("reference", Option(HASH))]),
        ("hold_posted", [("hold", U64), ("transfer", HASH), ("from", HASH), ("legs", Vec(SETTLED_LEG))]),
        ("hold_voided", [("hold", U64), ("transfer", HASH), ("from", HASH)]),
    ],
)
PAYMENT_RECORD = Struct(
    [("tx_id", HASH), ("height", U64), ("time_ms", U64), ("sender", HASH), ("outcome", PAYMENT_OUTCOME)]
)
RECEIPT = Struct(
    _ANCHOR
    + [
        ("tx", TRANSACTION),
        ("tx_index", U64),
        ("tx_proof", Vec(HASH)),
        ("record", PAYMENT_RECORD),
        ("record_proof", Vec(HASH)),
        ("validator_chain", Vec(SET_LINK)),
        # Version 3 only (and then present); versions 1 and 2 leave out its `00` tag.
        ("witnessed", Option(WITNESSED)),
    ]
)

#: ``ContractEvent`` (crates/types/src/contract.rs): an event a contract emitted, the log leaf
#: ``canonical("VELLUM:CONTRACT-EVENT:", event)`` after its transaction; ``data`` is hex in JSON.
CONTRACT_EVENT = Struct([("tx_id", HASH), ("height", U64), ("contract", HASH), ("seq", U32), ("data", BYTES)])
#: ``Spend`` (crates/types/src/invoice.rs): who consumed an invoice in a phase, and where.
SPEND = Struct([("by", HASH), ("tx_id", HASH), ("height", U64)])
#: ``Invoice``: an issued e-invoice (X.1407 Appendix I); amounts are decimal strings in JSON.
INVOICE = Struct(
    [
        ("id", HASH),
        ("payment", HASH),
        ("seller", HASH),
        ("buyer", HASH),
        ("tax_authority", HASH),
        ("token", STR),
        ("amount", U128),
        ("vat", U128),
        ("document_digest", HASH),
        ("issued_height", U64),
        ("reimbursed", Option(SPEND)),
        ("tax_cleared", Option(SPEND)),
    ]
)
#: ``InvoiceRecord``: the log leaf ``canonical("VELLUM:INVOICE-RECORD:", record)`` an
#: ``issue_invoice`` appends after its transaction (phase B).
INVOICE_RECORD = Struct([("tx_id", HASH), ("height", U64), ("time_ms", U64), ("invoice", INVOICE)])
#: ``Appended`` (crates/evidence/src/tx_receipt.rs): a leaf a transaction appended after itself,
#: enum 0 Payment(PaymentRecord), 1 Event(ContractEvent), 2 Invoice(InvoiceRecord); JSON as
#: ``Appended::to_json``: ``{"kind": "payment" | "event" | "invoice", "record": …}``.
APPENDED = Enum(
    "kind",
    [("payment", [("record", PAYMENT_RECORD)]), ("event", [("record", CONTRACT_EVENT)]), ("invoice", [("record", INVOICE_RECORD)])],
)
#: The leaf-data tag and codec of each ``Appended`` kind.
APPENDED_LEAVES = {
    "payment": (Domain.PAYMENT_RECORD, PAYMENT_RECORD),
    "event": (Domain.CONTRACT_EVENT, CONTRACT_EVENT),
    "invoice": (Domain.INVOICE_RECORD, INVOICE_RECORD),
}
#: A transaction receipt (docs/evidence-format.md §5a): ``VELLUMTR ‖ 0x01 ‖ borsh(TxReceipt)``,
#: one version, every field present; ``appended`` lists ``[leaf, inclusion proof]`` pairs.
TX_RECEIPT = Struct(
    _ANCHOR
    + [
        ("tx", TRANSACTION),
        ("tx_index", U64),
        ("tx_proof", Vec(HASH)),
        ("appended", Vec(Tuple(APPENDED, Vec(HASH)))),
        ("validator_chain", Vec(SET_LINK)),
        ("witnessed", Option(WITNESSED)),
    ]
)

#: ``StateKey`` variant indices the verifiers need (crates/types/src/proof.rs).
STATE_KEY_PROOF = 1
STATE_KEY_MEMBER = 3
STATE_KEY_VALIDATOR_SET_CHANGE = 25
#: ``BatchMembers(proof)`` and ``Holder(proof, member, account)`` (not needed to verify).
STATE_KEY_BATCH_MEMBERS = 36
STATE_KEY_HOLDER = 37
#: ``IssuerProfile(account)``: the registrant's attestation (step 6d, status proofs).
STATE_KEY_ISSUER_PROFILE = 38
#: ``WitnessPolicy``: the witnesses governance set (no payload; absent: none).
STATE_KEY_WITNESS_POLICY = 39
#: ``OriginalDeleted(proof, member)``: when the registrant deleted a stored original (value:
#: the block time of the deletion, ``u64`` ms; absent: not deleted). Not needed to verify.
STATE_KEY_ORIGINAL_DELETED = 51


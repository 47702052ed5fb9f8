"""The transaction envelope: ``UnsignedTx`` (what signers sign), ``Transaction`` (with its
signatures, what ``POST /v1/tx`` takes), their ids, and the shape checks every node applies
before anything else (crates/types/src/tx.rs ``check_shape``)."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from .encoding import Domain, borsh, canonical, from_wire, sha256, to_wire
from .errors import FormatError, InvalidContent, SignatureError, TooLarge
from .keys import SecretKey, verify_signature
from .encoding import Tuple, from_borsh
from .types import BYTES, TRANSACTION, TX_BODY, UNSIGNED_TX, PublicKey, Signature

#: Largest encoded transaction envelope accepted anywhere.
TX_BYTES_MAX = 16 * 1024
TX_SIGNATURES_MAX = 16
CHAIN_ID_BYTES_MAX = 64
LABEL_BYTES_MAX = 64
REASON_BYTES_MAX = 256
SCHEMA_BYTES_MAX = 64
BATCH_DOCUMENTS_MAX = 1 << 20
AUDIT_BATCH_ENTRIES_MAX = 256
AUDIT_ACTION_BYTES_MAX = 16
TRANSFER_LEGS_MAX = 16
SIGNERS_MAX = 16
DECIMALS_MAX = 18
RECOVERY_DELAY_BLOCKS_MAX = 10_000_000
MISBEHAVIOR_EVIDENCE_BYTES_MAX = 4096
ENCRYPTION_RECIPIENT_BYTES_MAX = 128
HOLD_TIMEOUT_MS_MAX = 30 * 24 * 3600 * 1000
MONITOR_WINDOW_MS_MAX = 30 * 24 * 3600 * 1000
GOV_TEXT_BYTES_MAX = 256
COUNCIL_MEMBERS_MAX = 32
NAME_BYTES_MAX = 128
BLOCK_TXS_MAX = 20_000
BLOCK_BYTES_MAX = 4 * 1024 * 1024

_SYMBOL = re.compile(r"[A-Z][A-Z0-9]{0,11}")
_SUBLEDGER = re.compile(r"[a-z][a-z0-9-]{0,31}")


@dataclass
class UnsignedTx:
    """Everything the signers sign. ``sender`` is the account id (64 hex); ``body`` is the
    body's JSON form (``{"type": "transfer", ...}``, see :mod:`.bodies`)."""

    chain_id: str
    sender: str
    nonce: int
    expiry_height: int
    body: dict

    def to_json(self) -> dict:
        return {
            "chain_id": self.chain_id,
            "sender": self.sender,
            "nonce": self.nonce,
            "expiry_height": self.expiry_height,
            "body": copy.deepcopy(self.body),
        }

    @classmethod
    def from_json(cls, value: Any) -> "UnsignedTx":
        if not isinstance(value, dict):
            raise FormatError(f"expected an unsigned transaction object, got {value!r}")
        # Encoding checks every field; decoding back normalises hex case and fills optional nulls.
        return cls(**from_borsh(UNSIGNED_TX, borsh(UNSIGNED_TX, value)))

    def encode(self) -> bytes:
        """``borsh(UnsignedTx)``."""
        return borsh(UNSIGNED_TX, self.to_json())

    def wire(self) -> bytes:
        """``0x01 ‖ borsh(UnsignedTx)`` (the ``unsigned`` of a transaction file)."""
        return to_wire(UNSIGNED_TX, self.to_json())

    @classmethod
    def from_wire(cls, data: bytes) -> "UnsignedTx":
        return cls(**from_wire(UNSIGNED_TX, data, TX_BYTES_MAX))

    def signing_bytes(self) -> bytes:
        """``canonical("VELLUM:TX-SIGN:", unsigned)``: the message every signature covers."""
        return canonical(Domain.TX_SIGN, UNSIGNED_TX, self.to_json())

    def id(self) -> str:
        """The transaction id: ``SHA-256(canonical("VELLUM:TX-ID:", unsigned))`` (64 hex)."""
        return sha256(canonical(Domain.TX_ID, UNSIGNED_TX, self.to_json())).hex()

    @property
    def kind(self) -> str:
        return self.body["type"]

    def sign(self, key: SecretKey) -> Signature:
        return key.sign(self.signing_bytes())


@dataclass
class Transaction:
    """A signed transaction as it travels and is stored in blocks."""

    unsigned: UnsignedTx
    signatures: list[Signature] = field(default_factory=list)

    @classmethod
    def signed(cls, unsigned: UnsignedTx, keys: list[SecretKey]) -> "Transaction":
        message = unsigned.signing_bytes()
        return cls(unsigned, [k.sign(message) for k in keys])

    def to_json(self) -> dict:
        return {"unsigned": self.unsigned.to_json(), "signatures": [s.hex() for s in self.signatures]}

    def wire(self) -> bytes:
        """``0x01 ‖ borsh(Transaction)``: the body of ``POST /v1/tx``."""
        return to_wire(TRANSACTION, self.to_json())

    @classmethod
    def from_wire(cls, data: bytes) -> "Transaction":
        """Decodes and checks the shape (sizes and counts) as a node does; signatures are
        checked by :meth:`verify`."""
        v = from_wire(TRANSACTION, data, TX_BYTES_MAX)
        tx = cls(UnsignedTx(**v["unsigned"]), [Signature.from_hex(s) for s in v["signatures"]])
        check_shape(tx)
        return tx

    def id(self) -> str:
        return self.unsigned.id()

    def leaf_bytes(self) -> bytes:
        """``canonical("VELLUM:TX-LEAF:", tx)``: its log leaf data (signatures included)."""
        return canonical(Domain.TX_LEAF, TRANSACTION, self.to_json())

    def verify(self) -> list[PublicKey]:
        """Verifies every signature over the signing bytes; returns the distinct signer keys in
        signature order (as the ledger: a repeated signer is refused)."""
        message = self.unsigned.signing_bytes()
        signers: list[PublicKey] = []
        for i, s in enumerate(self.signatures):
            key = verify_signature(s, message, i)
            if key in signers:
                raise SignatureError("repeats a signer", i, "duplicate_signer")
            signers.append(key)
        return signers


# --- shape checks (crates/types/src/tx.rs) --------------------------------------------------


def _invalid(message: str) -> InvalidContent:
    return InvalidContent(message)


def valid_symbol(symbol: str) -> bool:
    return bool(_SYMBOL.fullmatch(symbol))


def valid_subledger(name: str) -> bool:
    return bool(_SUBLEDGER.fullmatch(name))


def _check_symbol(symbol: str) -> None:
    if not valid_symbol(symbol):
        raise _invalid(f"token symbol `{symbol}` must be 1..=12 bytes of [A-Z0-9], starting with a letter")


def _len(text: str) -> int:
    return len(text.encode("utf-8"))


def check_signer_set(s: dict) -> None:
    signers = s["signers"]
    if not 1 <= len(signers) <= SIGNERS_MAX:
        raise _invalid(f"a signer set has 1..={SIGNERS_MAX} keys")
    if any(x["weight"] == 0 for x in signers):
        raise _invalid("every signer needs a weight of at least 1")
    keys = [x["key"] for x in signers]
    for i, k in enumerate(keys):
        if k in keys[:i]:
            raise _invalid(f"key {k} appears twice")
    total = sum(x["weight"] for x in signers)
    if not 1 <= s["threshold"] <= total:
        raise _invalid(f"threshold must be 1..={total} (the total weight)")


def _check_rules(r: dict) -> None:
    large, window_amount = int(r["large_amount"]), int(r["window_amount_max"])
    if r["window_ms"] > MONITOR_WINDOW_MS_MAX:
        raise _invalid(f"window_ms at most {MONITOR_WINDOW_MS_MAX}")
    if not 1 <= r["hold_timeout_ms"] <= HOLD_TIMEOUT_MS_MAX:
        raise _invalid(f"hold_timeout_ms must be 1..={HOLD_TIMEOUT_MS_MAX}")
    if r["structuring_floor_bps"] > 10_000:
        raise _invalid("structuring_floor_bps at most 10000")
    if (window_amount > 0 or r["window_count_max"] > 0 or r["structuring_count"] > 0) and r["window_ms"] == 0:
        raise _invalid("window rules need window_ms > 0")
    if r["structuring_count"] > 0 and large == 0:
        raise _invalid("structuring is measured against large_amount, which is 0")


def _check_consensus_params(p: dict) -> None:
    if not 1 <= p["block_txs_max"] <= BLOCK_TXS_MAX:
        raise _invalid(f"block_txs_max must be 1..={BLOCK_TXS_MAX}")
    if not 64 * 1024 <= p["block_bytes_max"] <= BLOCK_BYTES_MAX - 4096:
        raise _invalid("block_bytes_max out of range")
    future, past = p["block_time_future_skew_ms"], p["block_time_past_skew_ms"]
    if future == 0 or past == 0:
        raise _invalid("clock skew bounds must be positive")
    if future > 3_600_000 or past > 3_600_000:
        raise _invalid("clock skew bounds must be at most one hour")


def check_gov_action(a: dict) -> None:
    """``GovAction::check``: shape checks that need no state."""
    kind = a["action"]

    def text(t: str, what: str) -> None:
        if not 1 <= _len(t) <= GOV_TEXT_BYTES_MAX:
            raise _invalid(f"{what} must be 1..={GOV_TEXT_BYTES_MAX} bytes")

    if kind == "create_token":
        if not valid_symbol(a["symbol"]) or a["decimals"] > DECIMALS_MAX:
            raise _invalid(f"bad token symbol `{a['symbol']}` or decimals")
        if a["subledger"] is not None and not valid_subledger(a["subledger"]):
            raise _invalid(f"bad sub-ledger name `{a['subledger']}`")
    elif kind == "set_monitoring":
        if not valid_symbol(a["token"]):
            raise _invalid(f"bad token symbol `{a['token']}`")
        _check_rules(a["rules"])
    elif kind == "set_rate":
        if not valid_symbol(a["from"]) or not valid_symbol(a["to"]) or a["from"] == a["to"] or a["num"] == 0 or a["den"] == 0:
            raise _invalid("a rate joins two different tokens with a positive num/den")
    elif kind == "create_subledger" and not valid_subledger(a["name"]):
        raise _invalid(f"bad sub-ledger name `{a['name']}`")
    elif kind in ("grant_role", "revoke_role") and a["role"] == "council":
        raise _invalid("council membership changes through set_council")
    elif kind == "set_rules":
        text(a["uri"], "the rules URI")
    elif kind == "set_council":
        members = sorted(set(a["members"]))
        if not 1 <= len(members) <= COUNCIL_MEMBERS_MAX:
            raise _invalid(f"a council has 1..={COUNCIL_MEMBERS_MAX} members")
        if not 1 <= a["threshold"] <= len(members):
            raise _invalid(f"threshold must be 1..={len(members)}")
    elif kind in ("register_module", "set_module_paused"):
        text(a["name"], "a module name")
    elif kind == "add_validator":
        v = a["validator"]
        if not (1 <= _len(v["name"]) <= NAME_BYTES_MAX and 1 <= _len(v["address"]) <= NAME_BYTES_MAX):
            raise _invalid(f"validator name or address too long or empty: {v['name']}")
        if v["p2p_key"] != v["consensus_key"]:
            raise _invalid(f"validator {v['name']}: p2p_key must equal consensus_key")
    elif kind == "set_consensus_params":
        _check_consensus_params(a["params"])


def _check_transfer(legs: list[dict]) -> None:
    if not 1 <= len(legs) <= TRANSFER_LEGS_MAX:
        raise _invalid(f"a transfer has 1..={TRANSFER_LEGS_MAX} legs")
    for leg in legs:
        _check_symbol(leg["token"])
        if int(leg["amount"]) == 0:
            raise _invalid("every leg's amount must be positive")
        q = leg["convert"]
        if q is not None:
            _check_symbol(q["to_token"])
            if q["to_token"] == leg["token"]:
                raise _invalid("a conversion needs two different tokens")


def _check_body(b: dict) -> None:
    kind = b["type"]
    reason = b.get("reason")
    if kind == "set_proof_status" and b["change"]["change"] == "revoke":
        reason = b["change"]["reason"]
    if reason is not None and _len(reason) > REASON_BYTES_MAX:
        raise _invalid(f"reason longer than {REASON_BYTES_MAX} bytes")
    if kind == "open_account":
        if _len(b["label"]) > LABEL_BYTES_MAX:
            raise _invalid(f"label longer than {LABEL_BYTES_MAX} bytes")
        if b["subledger"] is not None and not valid_subledger(b["subledger"]):
            raise _invalid(f"sub-ledger name `{b['subledger']}` must be 1..=32 bytes of [a-z0-9-], starting with a letter")
    elif kind in ("register_proof", "register_batch"):
        if not 1 <= _len(b["schema"]) <= SCHEMA_BYTES_MAX:
            raise _invalid(f"schema label must be 1..={SCHEMA_BYTES_MAX} bytes")
        if kind == "register_batch" and not 1 <= b["count"] <= BATCH_DOCUMENTS_MAX:
            raise _invalid(f"a batch covers 1..={BATCH_DOCUMENTS_MAX} documents")
    elif kind == "audit_batch":
        entries = b["entries"]
        if not 1 <= len(entries) <= AUDIT_BATCH_ENTRIES_MAX or any(_len(e["action"]) > AUDIT_ACTION_BYTES_MAX for e in entries):
            raise _invalid(
                f"an audit batch holds 1..={AUDIT_BATCH_ENTRIES_MAX} records with actions of at most {AUDIT_ACTION_BYTES_MAX} bytes"
            )
    elif kind == "create_token":
        _check_symbol(b["symbol"])
        if b["decimals"] > DECIMALS_MAX:
            raise _invalid(f"decimals at most {DECIMALS_MAX}")
        if b["subledger"] is not None and not valid_subledger(b["subledger"]):
            raise _invalid(f"bad sub-ledger name `{b['subledger']}`")
    elif kind in ("mint", "burn", "clawback"):
        _check_symbol(b["token"])
        if int(b["amount"]) == 0:
            raise _invalid("amount must be positive")
    elif kind == "transfer":
        _check_transfer(b["legs"])
    elif kind in ("set_signers", "propose_recovery"):
        check_signer_set(b["set"])
    elif kind == "set_monitoring":
        _check_symbol(b["token"])
        _check_rules(b["rules"])
    elif kind == "set_token_paused":
        _check_symbol(b["token"])
    elif kind == "propose":
        check_gov_action(b["action"])
    else:
        _check_body_more(b)


def _check_body_more(b: dict) -> None:
    kind = b["type"]
    if kind == "set_purpose_keys":
        if len(b["request_keys"]) > SIGNERS_MAX:
            raise _invalid(f"at most {SIGNERS_MAX} request keys")
        r = b["encryption_recipient"]
        if r is not None and (not r.startswith("age1") or len(r) > ENCRYPTION_RECIPIENT_BYTES_MAX):
            raise _invalid("the encryption recipient must be an age X25519 recipient (age1…)")
    elif kind == "report_misbehavior":
        if not 1 <= len(b["evidence"]) // 2 <= MISBEHAVIOR_EVIDENCE_BYTES_MAX:
            raise _invalid(f"evidence must be 1..={MISBEHAVIOR_EVIDENCE_BYTES_MAX} bytes")
    elif kind == "set_guardians":
        n = len(b["guardians"])
        if not 1 <= n <= SIGNERS_MAX:
            raise _invalid(f"an account has 1..={SIGNERS_MAX} guardians")
        if not 1 <= b["threshold"] <= n:
            raise _invalid("the guardian threshold must be 1..=the number of guardians")
        if not 1 <= b["delay_blocks"] <= RECOVERY_DELAY_BLOCKS_MAX:
            raise _invalid(f"the recovery time lock must be 1..={RECOVERY_DELAY_BLOCKS_MAX} blocks")
    elif kind == "create_subledger" and not valid_subledger(b["name"]):
        raise _invalid(f"sub-ledger name `{b['name']}` must be 1..=32 bytes of [a-z0-9-], starting with a letter")
    elif kind == "set_rate":
        _check_symbol(b["from"])
        _check_symbol(b["to"])
        if b["from"] == b["to"] or b["num"] == 0 or b["den"] == 0:
            raise _invalid("a rate joins two different tokens with a positive num/den")


def check_shape(tx: Transaction) -> None:
    """Limits a well-formed transaction respects, whatever state it meets (raises
    :class:`InvalidContent` or :class:`TooLarge`)."""
    u = tx.unsigned
    if not 1 <= _len(u.chain_id) <= CHAIN_ID_BYTES_MAX:
        raise _invalid(f"chain id must be 1..={CHAIN_ID_BYTES_MAX} bytes")
    if not tx.signatures:
        raise _invalid("transaction carries no signature")
    if len(tx.signatures) > TX_SIGNATURES_MAX:
        raise _invalid(f"more than {TX_SIGNATURES_MAX} signatures")
    size = len(tx.wire())
    if size > TX_BYTES_MAX:
        raise TooLarge(size, TX_BYTES_MAX)
    _check_body(u.body)


def check_body(body: dict) -> dict:
    """Checks a body's JSON form (every field's type, then the shape rules) and returns its
    normalised form (lowercase hex, optional fields present)."""
    normal = from_borsh(TX_BODY, borsh(TX_BODY, body))
    _check_body(normal)
    return normal


def kyc_commitment(salt: bytes, identity_record: bytes) -> str:
    """``SHA-256(canonical("VELLUM:KYC-COMMITMENT:", (salt, record)))``: what a registrar stores
    instead of an identity record (salt: ≥ 16 random bytes kept off-ledger with the record)."""
    return sha256(canonical(Domain.KYC_COMMITMENT, Tuple(BYTES, BYTES), [salt.hex(), identity_record.hex()])).hex()

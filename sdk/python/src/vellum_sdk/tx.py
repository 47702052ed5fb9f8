"""The transaction envelope: ``UnsignedTx`` (what signers sign), ``Transaction`` (with its
signatures, what ``POST /v1/tx`` takes), their ids, and the shape checks every node applies
before anything else (crates/types/src/tx.rs ``check_shape``)."""

from __future__ import annotations

import copy
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable

from .encoding import Domain, borsh, canonical, from_wire, sha256, to_wire
from .errors import FormatError, InvalidContent, SignatureError, TooLarge
from .keys import SecretKey, verify_signature
from .encoding import Tuple, from_borsh
from .types import BYTES, HASH, TRANSACTION, TX_BODY, U64, UNSIGNED_TX, PublicKey, Signature

#: Largest encoded transaction envelope accepted anywhere.
TX_BYTES_MAX = 16 * 1024
TX_SIGNATURES_MAX = 16
CHAIN_ID_BYTES_MAX = 64
LABEL_BYTES_MAX = 64
REASON_BYTES_MAX = 256
#: A reason code (the ``reason`` of a proof's revocation or suspension, of an issuer-wide
#: revocation): 1..=32 bytes of ``[a-z0-9_]``, starting with a letter.
REASON_CODE_BYTES_MAX = 32
#: Most codes the governed list may hold (``set_reason_codes``).
REASON_CODES_MAX = 32
#: The reason codes in force until governance sets its own list (after RFC 5280's CRLReason).
DEFAULT_REASON_CODES = (
    "unspecified",
    "key_compromise",
    "issued_in_error",
    "affiliation_changed",
    "superseded",
    "cessation_of_operation",
    "privilege_withdrawn",
    "certificate_hold",
    "holder_request",
    "under_investigation",
)
SCHEMA_BYTES_MAX = 64
BATCH_DOCUMENTS_MAX = 1 << 20
AUDIT_BATCH_ENTRIES_MAX = 256
AUDIT_ACTION_BYTES_MAX = 16
TRANSFER_LEGS_MAX = 16
SIGNERS_MAX = 16
DECIMALS_MAX = 18
RECOVERY_DELAY_BLOCKS_MAX = 10_000_000
MISBEHAVIOR_EVIDENCE_BYTES_MAX = 4096
#: Most batch members one ``store_batch_members`` carries; most holders one ``add_holders`` names.
BATCH_MEMBERS_PER_TX_MAX = 200
HOLDERS_PER_TX_MAX = 16
ENCRYPTION_RECIPIENT_BYTES_MAX = 128
HOLD_TIMEOUT_MS_MAX = 30 * 24 * 3600 * 1000
MONITOR_WINDOW_MS_MAX = 30 * 24 * 3600 * 1000
#: Most distinct senders an inflow window remembers: ``distinct_senders_max`` stays below it.
DISTINCT_SENDERS_TRACKED_MAX = 64
#: KYC tiers are ``0..KYC_TIERS``; tier 0 is an account without a KYC record, a record's tier is 1..=7.
KYC_TIERS = 8
#: Most screening commitments one ``update_sanctions`` adds, and removes, each.
SANCTIONS_UPDATE_MAX = 256
GOV_TEXT_BYTES_MAX = 256
COUNCIL_MEMBERS_MAX = 32
NAME_BYTES_MAX = 128
BLOCK_TXS_MAX = 20_000
BLOCK_BYTES_MAX = 4 * 1024 * 1024
#: An issuer profile's display name (bytes) and domain (bytes, RFC 1035).
ISSUER_NAME_BYTES_MAX = 128
ISSUER_DOMAIN_BYTES_MAX = 253
#: Contracts (crates/types/src/contract.rs): the largest code a ``register_code`` proposal
#: carries, the longest contract or function name, the largest call or instantiation input.
CONTRACT_CODE_BYTES_MAX = 12 * 1024
CONTRACT_NAME_BYTES_MAX = 64
CONTRACT_INPUT_BYTES_MAX = 8 * 1024
#: The most fuel one call may declare (crates/contracts limits; a ledger rule, not a shape rule:
#: more is refused with ``fuel_over_limit``), and the fuel the CLI declares by default.
CONTRACT_CALL_FUEL_MAX = 50_000_000
CONTRACT_DEFAULT_FUEL = 5_000_000
#: Highest VAT rate of a seller's invoicing conditions, in basis points (100 %).
VAT_BASIS_POINTS_MAX = 10_000

_SYMBOL = re.compile(r"[A-Z][A-Z0-9]{0,11}")
_SUBLEDGER = re.compile(r"[a-z][a-z0-9-]{0,31}")
_REASON_CODE = re.compile(rf"[a-z][a-z0-9_]{{0,{REASON_CODE_BYTES_MAX - 1}}}")
_DOMAIN_LABEL = re.compile(r"[a-z0-9-]{1,63}")
_CONTRACT_NAME = re.compile(rf"[a-z][a-z0-9_-]{{0,{CONTRACT_NAME_BYTES_MAX - 1}}}")
#: Rust's ``char::is_whitespace`` (Unicode White_Space), which ``str.trim`` strips.
_WHITE_SPACE = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


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

    def contract_id(self) -> str:
        """The account id of the contract this ``instantiate_contract`` creates (known before
        it is submitted: :func:`contract_account_id` of its code digest, sender and nonce)."""
        if self.kind != "instantiate_contract":
            raise FormatError(f"only an instantiate_contract creates a contract, not {self.kind}", "body.type")
        return contract_account_id(self.body["code_digest"], self.sender, self.nonce)

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


def valid_reason_code(code: str) -> bool:
    """A reason code's shape (which codes the ledger accepts is governed: ``unknown_reason_code``)."""
    return isinstance(code, str) and bool(_REASON_CODE.fullmatch(code))


def _check_reason_code(reason: str) -> None:
    if not valid_reason_code(reason):
        raise _invalid(
            f"reason {reason!r} is not a reason code (1..={REASON_CODE_BYTES_MAX} bytes of [a-z0-9_], starting with a letter),"
            f" e.g. {', '.join(DEFAULT_REASON_CODES[:3])}"
        )


def valid_domain(domain: str) -> bool:
    """A lowercase DNS name with at least two labels, each 1..=63 bytes of ``[a-z0-9-]`` not
    starting or ending with ``-``; at most 253 bytes in all (``issuer::valid_domain``)."""
    if not isinstance(domain, str) or _len(domain) > ISSUER_DOMAIN_BYTES_MAX:
        return False
    labels = domain.split(".")
    return len(labels) >= 2 and all(_DOMAIN_LABEL.fullmatch(l) and not l.startswith("-") and not l.endswith("-") for l in labels)


def check_issuer_profile(profile: dict) -> None:
    """``IssuerProfile::check``: a name of 1..=128 bytes, not only white space, without control
    characters; a valid domain (:func:`valid_domain`). Raises :class:`InvalidContent`."""
    name, domain = profile["name"], profile["domain"]
    if (
        all(c in _WHITE_SPACE for c in name)
        or _len(name) > ISSUER_NAME_BYTES_MAX
        or any(unicodedata.category(c) == "Cc" for c in name)
    ):
        raise _invalid(f"issuer name must be 1..={ISSUER_NAME_BYTES_MAX} bytes without control characters")
    if not valid_domain(domain):
        raise _invalid(f"{domain!r} is not a domain name (lowercase letters, digits and hyphens in dot-separated labels)")


def valid_contract_name(name: str) -> bool:
    """A contract name or exported function name: 1..=64 bytes of ``[a-z0-9_-]``, starting
    with a letter (``contract::valid_contract_name``)."""
    return isinstance(name, str) and bool(_CONTRACT_NAME.fullmatch(name))


def _hex_len(value: str) -> int:
    """Bytes of a normalised ``Vec<u8>`` (its JSON form is hex)."""
    return len(value) // 2


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


def _uses_inflow(r: dict) -> bool:
    """``MonitoringRules::uses_inflow``: whether any rule watches the receiving side."""
    return int(r["inflow_amount_max"]) > 0 or r["inflow_count_max"] > 0 or r["distinct_senders_max"] > 0


def _uses_window(r: dict) -> bool:
    """``MonitoringRules::uses_window``: whether any rule counts over a window (the sending
    side's, the receiving side's, or a tier's window limit)."""
    return (
        int(r["window_amount_max"]) > 0
        or r["window_count_max"] > 0
        or r["structuring_count"] > 0
        or _uses_inflow(r)
        or any(int(t["window_amount_max"]) > 0 for t in r["tier_limits"])
    )


def check_monitoring_rules(r: dict) -> None:
    """``MonitoringRules::check``, in its order (raises :class:`InvalidContent`)."""
    if r["window_ms"] > MONITOR_WINDOW_MS_MAX:
        raise _invalid(f"window_ms at most {MONITOR_WINDOW_MS_MAX}")
    if not 1 <= r["hold_timeout_ms"] <= HOLD_TIMEOUT_MS_MAX:
        raise _invalid(f"hold_timeout_ms must be 1..={HOLD_TIMEOUT_MS_MAX}")
    if r["structuring_floor_bps"] > 10_000:
        raise _invalid("structuring_floor_bps at most 10000")
    if _uses_window(r) and r["window_ms"] == 0:
        raise _invalid("window rules need window_ms > 0")
    if r["structuring_count"] > 0 and int(r["large_amount"]) == 0:
        raise _invalid("structuring is measured against large_amount, which is 0")
    if r["distinct_senders_max"] >= DISTINCT_SENDERS_TRACKED_MAX:
        raise _invalid(f"distinct_senders_max at most {DISTINCT_SENDERS_TRACKED_MAX - 1}")
    tiers = [t["tier"] for t in r["tier_limits"]]
    if len(tiers) > KYC_TIERS:
        raise _invalid(f"at most {KYC_TIERS} tier limits")
    if any(a >= b for a, b in zip(tiers, tiers[1:])):
        raise _invalid("tier_limits must be ascending by tier, one per tier")
    if any(t >= KYC_TIERS for t in tiers):
        raise _invalid(f"tiers are 0..{KYC_TIERS}")



def check_kyc_terms(terms: dict) -> None:
    """``KycTerms::check``: a tier of 1..=7 (0 is an account without a KYC record); the expiry
    and the screening commitment are free. Raises :class:`InvalidContent`."""
    if not 1 <= terms["tier"] < KYC_TIERS:
        raise _invalid(f"KYC tier must be 1..{KYC_TIERS} (0 is an account without a KYC record)")


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


def _check_text(t: str, what: str) -> None:
    if not 1 <= _len(t) <= GOV_TEXT_BYTES_MAX:
        raise _invalid(f"{what} must be 1..={GOV_TEXT_BYTES_MAX} bytes")


def _check_gov_create_token(a: dict) -> None:
    if not valid_symbol(a["symbol"]) or a["decimals"] > DECIMALS_MAX:
        raise _invalid(f"bad token symbol `{a['symbol']}` or decimals")
    if a["subledger"] is not None and not valid_subledger(a["subledger"]):
        raise _invalid(f"bad sub-ledger name `{a['subledger']}`")


def _check_gov_monitoring(a: dict) -> None:
    if not valid_symbol(a["token"]):
        raise _invalid(f"bad token symbol `{a['token']}`")
    check_monitoring_rules(a["rules"])


def _check_gov_rate(a: dict) -> None:
    if not valid_symbol(a["from"]) or not valid_symbol(a["to"]) or a["from"] == a["to"] or a["num"] == 0 or a["den"] == 0:
        raise _invalid("a rate joins two different tokens with a positive num/den")


def _check_gov_subledger(a: dict) -> None:
    if not valid_subledger(a["name"]):
        raise _invalid(f"bad sub-ledger name `{a['name']}`")


def _check_gov_role(a: dict) -> None:
    if a["role"] == "council":
        raise _invalid("council membership changes through set_council")


def _check_gov_council(a: dict) -> None:
    members = sorted(set(a["members"]))
    if not 1 <= len(members) <= COUNCIL_MEMBERS_MAX:
        raise _invalid(f"a council has 1..={COUNCIL_MEMBERS_MAX} members")
    if not 1 <= a["threshold"] <= len(members):
        raise _invalid(f"threshold must be 1..={len(members)}")


def _check_gov_reason_codes(a: dict) -> None:
    codes = a["codes"]
    if not 1 <= len(codes) <= REASON_CODES_MAX:
        raise _invalid(f"a reason-code list has 1..={REASON_CODES_MAX} codes")
    bad = next((c for c in codes if not valid_reason_code(c)), None)
    if bad is not None:
        raise _invalid(f"{bad!r} is not a reason code ([a-z0-9_], starting with a letter, at most {REASON_CODE_BYTES_MAX} bytes)")
    if len(set(codes)) != len(codes):
        raise _invalid("reason codes must be unique")


def _check_gov_validator(a: dict) -> None:
    v = a["validator"]
    if not (1 <= _len(v["name"]) <= NAME_BYTES_MAX and 1 <= _len(v["address"]) <= NAME_BYTES_MAX):
        raise _invalid(f"validator name or address too long or empty: {v['name']}")
    if v["p2p_key"] != v["consensus_key"]:
        raise _invalid(f"validator {v['name']}: p2p_key must equal consensus_key")


#: Most witnesses governance may name; longest witness name and URL (crates/types/src/witness.rs).
WITNESSES_MAX = 16
WITNESS_NAME_BYTES_MAX = 128
WITNESS_URL_BYTES_MAX = 256


def valid_witness_name(name: str) -> bool:
    """A C2SP note key name: 1..=128 bytes of printable ASCII without spaces or ``+``."""
    return 1 <= len(name) <= WITNESS_NAME_BYTES_MAX and all(0x21 <= ord(c) <= 0x7E and c != "+" for c in name)


def check_witness_policy_shape(policy: dict) -> None:
    """``WitnessPolicy::check``: 0..=16 witnesses with unique names and keys, valid names and
    http(s) URLs, and a quorum of 1..=their number (0 with none: witnessing switched off)."""
    witnesses, quorum = policy["witnesses"], policy["quorum"]
    if len(witnesses) > WITNESSES_MAX:
        raise _invalid(f"at most {WITNESSES_MAX} witnesses")
    n = len(witnesses)
    if (n == 0 and quorum != 0) or (n > 0 and not 1 <= quorum <= n):
        raise _invalid(f"the quorum must be 1..={n} ({n} witnesses), or 0 with none")
    for i, w in enumerate(witnesses):
        if not valid_witness_name(w["name"]):
            raise _invalid(f"witness name `{w['name']}` must be 1..={WITNESS_NAME_BYTES_MAX} printable bytes without spaces or `+`")
        url = w["url"]
        url_ok = (
            url.startswith(("http://", "https://"))
            and _len(url) <= WITNESS_URL_BYTES_MAX
            and not any(c == " " or ord(c) < 0x20 or ord(c) == 0x7F for c in url)
        )
        if not url_ok:
            raise _invalid(f"witness {w['name']}: the URL must be http(s)://… of at most {WITNESS_URL_BYTES_MAX} bytes")
        if any(o["name"] == w["name"] or o["key"] == w["key"] for o in witnesses[:i]):
            raise _invalid(f"witness {w['name']} is named twice (same name or key)")


def _check_gov_register_code(a: dict) -> None:
    if not valid_contract_name(a["name"]):
        raise _invalid(f"contract name {a['name']!r} must be 1..={CONTRACT_NAME_BYTES_MAX} bytes of [a-z0-9_-], starting with a letter")
    if not 1 <= _hex_len(a["code"]) <= CONTRACT_CODE_BYTES_MAX:
        raise _invalid(f"contract code must be 1..={CONTRACT_CODE_BYTES_MAX} bytes")


def _check_gov_update_sanctions(a: dict) -> None:
    """Not both lists empty; each at most 256 commitments; no commitment twice in both together."""
    add, remove = a["add"], a["remove"]
    if not add and not remove:
        raise _invalid("a sanctions update adds or removes at least one commitment")
    if len(add) > SANCTIONS_UPDATE_MAX or len(remove) > SANCTIONS_UPDATE_MAX:
        raise _invalid(f"a sanctions update adds and removes at most {SANCTIONS_UPDATE_MAX} commitments each")
    every = [h.lower() for h in (*add, *remove)]
    if len(set(every)) != len(every):
        raise _invalid("a commitment appears twice in one sanctions update")


def _no_rules(_: dict) -> None:
    """A kind whose encoding is its whole shape (Rust's match arms that return ``Ok(())``)."""


#: ``GovAction::check``, one entry per action (an action missing here is refused, not passed).
_GOV_RULES: dict[str, Callable[[dict], None]] = {
    "create_token": _check_gov_create_token,
    "set_monitoring": _check_gov_monitoring,
    "set_rate": _check_gov_rate,
    "create_subledger": _check_gov_subledger,
    "grant_role": _check_gov_role,
    "revoke_role": _check_gov_role,
    "set_rules": lambda a: _check_text(a["uri"], "the rules URI"),
    "set_council": _check_gov_council,
    "register_module": lambda a: _check_text(a["name"], "a module name"),
    "set_module_paused": lambda a: _check_text(a["name"], "a module name"),
    "add_validator": _check_gov_validator,
    "remove_validator": _no_rules,
    "set_consensus_params": lambda a: _check_consensus_params(a["params"]),
    "set_reason_codes": _check_gov_reason_codes,
    "attest_issuer": lambda a: check_issuer_profile(a["profile"]),
    "set_witnesses": lambda a: check_witness_policy_shape(a["policy"]),
    "register_code": _check_gov_register_code,
    "set_contract_paused": _no_rules,
    "upgrade_contract": _no_rules,
    "set_code_advisory": _no_rules,
    "update_sanctions": _check_gov_update_sanctions,
}


def check_gov_action(a: dict) -> None:
    """``GovAction::check``: shape checks that need no state."""
    rules = _GOV_RULES.get(a["action"])
    if rules is None:
        raise FormatError(f"unknown governance action {a['action']!r}", "action")
    rules(a)


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


def _check_reason(reason: str) -> None:
    if _len(reason) > REASON_BYTES_MAX:
        raise _invalid(f"reason longer than {REASON_BYTES_MAX} bytes")


def _check_subledger_name(name: str) -> None:
    if not valid_subledger(name):
        raise _invalid(f"sub-ledger name `{name}` must be 1..=32 bytes of [a-z0-9-], starting with a letter")


def _check_open_account(b: dict) -> None:
    if _len(b["label"]) > LABEL_BYTES_MAX:
        raise _invalid(f"label longer than {LABEL_BYTES_MAX} bytes")
    if b["subledger"] is not None:
        _check_subledger_name(b["subledger"])
    # A missing ``kyc`` is null (as serde and the codec).
    kyc = b.get("kyc")
    if kyc is not None:
        if b["kyc_commitment"] is None:
            raise _invalid("KYC terms need the identity's KYC commitment")
        check_kyc_terms(kyc)


def _check_proof_status(b: dict) -> None:
    """Revoke and Suspend carry a reason code; Supersede and Reinstate have no rule."""
    if b["change"]["change"] in ("revoke", "suspend"):
        _check_reason_code(b["change"]["reason"])


def _check_schema(b: dict) -> None:
    if not 1 <= _len(b["schema"]) <= SCHEMA_BYTES_MAX:
        raise _invalid(f"schema label must be 1..={SCHEMA_BYTES_MAX} bytes")


def _check_register_batch(b: dict) -> None:
    _check_schema(b)
    if not 1 <= b["count"] <= BATCH_DOCUMENTS_MAX:
        raise _invalid(f"a batch covers 1..={BATCH_DOCUMENTS_MAX} documents")


def _check_audit_batch(b: dict) -> None:
    entries = b["entries"]
    if not 1 <= len(entries) <= AUDIT_BATCH_ENTRIES_MAX or any(_len(e["action"]) > AUDIT_ACTION_BYTES_MAX for e in entries):
        raise _invalid(f"an audit batch holds 1..={AUDIT_BATCH_ENTRIES_MAX} records with actions of at most {AUDIT_ACTION_BYTES_MAX} bytes")


def _check_audit_reads(b: dict) -> None:
    """As ``audit_batch``, but an action is never empty (``account``, ``history``, ...)."""
    entries = b["entries"]
    if not 1 <= len(entries) <= AUDIT_BATCH_ENTRIES_MAX or any(not 1 <= _len(e["action"]) <= AUDIT_ACTION_BYTES_MAX for e in entries):
        raise _invalid(f"an audit batch holds 1..={AUDIT_BATCH_ENTRIES_MAX} records with actions of 1..={AUDIT_ACTION_BYTES_MAX} bytes")


def _check_create_token(b: dict) -> None:
    _check_symbol(b["symbol"])
    if b["decimals"] > DECIMALS_MAX:
        raise _invalid(f"decimals at most {DECIMALS_MAX}")
    if b["subledger"] is not None and not valid_subledger(b["subledger"]):
        raise _invalid(f"bad sub-ledger name `{b['subledger']}`")


def _check_amount(b: dict) -> None:
    _check_symbol(b["token"])
    if int(b["amount"]) == 0:
        raise _invalid("amount must be positive")


def _check_clawback(b: dict) -> None:
    _check_reason(b["reason"])
    _check_amount(b)


def _check_monitoring(b: dict) -> None:
    _check_symbol(b["token"])
    check_monitoring_rules(b["rules"])


def _check_token_paused(b: dict) -> None:
    _check_reason(b["reason"])
    _check_symbol(b["token"])


def _check_rate(b: dict) -> None:
    _check_symbol(b["from"])
    _check_symbol(b["to"])
    if b["from"] == b["to"] or b["num"] == 0 or b["den"] == 0:
        raise _invalid("a rate joins two different tokens with a positive num/den")


def _check_guardians(b: dict) -> None:
    n = len(b["guardians"])
    if not 1 <= n <= SIGNERS_MAX:
        raise _invalid(f"an account has 1..={SIGNERS_MAX} guardians")
    if not 1 <= b["threshold"] <= n:
        raise _invalid("the guardian threshold must be 1..=the number of guardians")
    if not 1 <= b["delay_blocks"] <= RECOVERY_DELAY_BLOCKS_MAX:
        raise _invalid(f"the recovery time lock must be 1..={RECOVERY_DELAY_BLOCKS_MAX} blocks")


def _check_purpose_keys(b: dict) -> None:
    if len(b["request_keys"]) > SIGNERS_MAX:
        raise _invalid(f"at most {SIGNERS_MAX} request keys")
    r = b["encryption_recipient"]
    # Bytes, not characters, as the Rust rule (`r.len()` of a UTF-8 string).
    if r is not None and (not r.startswith("age1") or _len(r) > ENCRYPTION_RECIPIENT_BYTES_MAX):
        raise _invalid("the encryption recipient must be an age X25519 recipient (age1…)")


def _check_misbehavior(b: dict) -> None:
    if not 1 <= len(b["evidence"]) // 2 <= MISBEHAVIOR_EVIDENCE_BYTES_MAX:
        raise _invalid(f"evidence must be 1..={MISBEHAVIOR_EVIDENCE_BYTES_MAX} bytes")


def _check_batch_members(b: dict) -> None:
    if not 1 <= len(b["members"]) <= BATCH_MEMBERS_PER_TX_MAX:
        raise _invalid(f"a store_batch_members carries 1..={BATCH_MEMBERS_PER_TX_MAX} members")


def _check_holders(b: dict) -> None:
    holders = b["holders"]
    if not 1 <= len(holders) <= HOLDERS_PER_TX_MAX:
        raise _invalid(f"add_holders names 1..={HOLDERS_PER_TX_MAX} holders")
    if len(set(holders)) != len(holders):
        raise _invalid("a holder is named twice")


def _check_contract_call(b: dict) -> None:
    """``instantiate_contract`` and ``call_contract``, in Rust's order: the function name (a
    call), the input's size, a positive fuel budget."""
    if b["type"] == "call_contract" and not valid_contract_name(b["function"]):
        raise _invalid(
            f"function name {b['function']!r} must be 1..={CONTRACT_NAME_BYTES_MAX} bytes of [a-z0-9_-], starting with a letter"
        )
    if _hex_len(b["input"]) > CONTRACT_INPUT_BYTES_MAX:
        raise _invalid(f"a contract input is at most {CONTRACT_INPUT_BYTES_MAX} bytes")
    if b["fuel"] == 0:
        raise _invalid("a contract call needs a positive fuel budget")


def _check_invoicing(b: dict) -> None:
    _check_symbol(b["token"])
    if b["vat_basis_points"] > VAT_BASIS_POINTS_MAX:
        raise _invalid(f"the VAT rate is at most {VAT_BASIS_POINTS_MAX} basis points")


#: The shape rules of ``UnsignedTx::check_shape``, one entry per body kind, so that a kind
#: added to the codec without its rules is refused instead of silently passing.
_BODY_RULES: dict[str, Callable[[dict], None]] = {
    "open_account": _check_open_account,
    "set_account_status": lambda b: _check_reason(b["reason"]),
    "register_proof": _check_schema,
    "register_batch": _check_register_batch,
    "set_proof_status": _check_proof_status,
    "audit_batch": _check_audit_batch,
    "create_token": _check_create_token,
    "mint": _check_amount,
    "burn": _check_amount,
    "transfer": lambda b: _check_transfer(b["legs"]),
    "set_signers": lambda b: check_signer_set(b["set"]),
    "set_monitoring": _check_monitoring,
    "decide_hold": lambda b: _check_reason(b["reason"]),
    "set_token_paused": _check_token_paused,
    "clawback": _check_clawback,
    "create_subledger": lambda b: _check_subledger_name(b["name"]),
    "set_rate": _check_rate,
    "propose": lambda b: check_gov_action(b["action"]),
    "vote": _no_rules,
    "set_guardians": _check_guardians,
    "propose_recovery": lambda b: check_signer_set(b["set"]),
    "cancel_recovery": _no_rules,
    "execute_recovery": _no_rules,
    "set_purpose_keys": _check_purpose_keys,
    "report_misbehavior": _check_misbehavior,
    "revoke_issuer": lambda b: _check_reason_code(b["reason"]),
    "store_batch_members": _check_batch_members,
    "add_holders": _check_holders,
    "attest_issuer": lambda b: check_issuer_profile(b["profile"]),
    "revoke_attestation": lambda b: _check_reason_code(b["reason"]),
    "instantiate_contract": _check_contract_call,
    "call_contract": _check_contract_call,
    "set_invoicing": _check_invoicing,
    "issue_invoice": _no_rules,
    "reimburse_invoice": _no_rules,
    "clear_invoice_tax": _no_rules,
    "set_kyc": lambda b: check_kyc_terms(b["terms"]),
    "audit_reads": _check_audit_reads,
    # The key is a valid public key (the codec checks it); whether it is one of the sender's
    # signer keys is the ledger's to say (``not_a_signer``).
    "set_key_expiry": _no_rules,
    # Whether the sender registered the proof, the member exists and its original is not
    # deleted yet is the ledger's to say (``not_registrant``, ``no_such_member``,
    # ``original_already_deleted``).
    "delete_original": _no_rules,
}


def _check_body(b: dict) -> None:
    rules = _BODY_RULES.get(b["type"])
    if rules is None:
        raise FormatError(f"unknown transaction kind {b['type']!r}", "type")
    rules(b)


def check_unsigned_shape(u: UnsignedTx) -> None:
    """``UnsignedTx::check_shape``: the chain id and the body's rules, which a transaction file
    checks before anyone signs (its signatures are not there yet)."""
    if not 1 <= _len(u.chain_id) <= CHAIN_ID_BYTES_MAX:
        raise _invalid(f"chain id must be 1..={CHAIN_ID_BYTES_MAX} bytes")
    _check_body(u.body)


def check_shape(tx: Transaction) -> None:
    """Limits a well-formed transaction respects, whatever state it meets (raises
    :class:`InvalidContent` or :class:`TooLarge`), in the order of ``Transaction::check_shape``:
    the signatures, the size, then :func:`check_unsigned_shape`."""
    if not tx.signatures:
        raise _invalid("transaction carries no signature")
    if len(tx.signatures) > TX_SIGNATURES_MAX:
        raise _invalid(f"more than {TX_SIGNATURES_MAX} signatures")
    size = len(tx.wire())
    if size > TX_BYTES_MAX:
        raise TooLarge(size, TX_BYTES_MAX)
    check_unsigned_shape(tx.unsigned)


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


def screening_commitment(salt: bytes | str, identity: bytes) -> str:
    """An identity's sanctions-screening commitment (wire-format §11.4), what
    ``KycTerms.screening`` carries and the sanctions list holds:
    ``SHA-256("VELLUM:SCREENING:" ‖ 0x01 ‖ salt (32 bytes) ‖ u32 LE len(identity) ‖ identity)``.
    ``salt`` (32 bytes, or 64 hex) is the one salt the registrars and the list's compiler share
    off-ledger; ``identity`` is written in the byte form they agree on (e.g.
    ``b"Jane Doe|1990-01-01|FR"``)."""
    value = [_hash_text(salt, "salt"), bytes(identity).hex()]
    return sha256(canonical(Domain.SCREENING, Tuple(HASH, BYTES), value)).hex()


def _hash_text(value: str | bytes, what: str) -> str:
    """A 32-byte value given as bytes or hex (checked by the codec)."""
    if isinstance(value, (bytes, bytearray)):
        if len(value) != 32:
            raise FormatError(f"{what} is 32 bytes, got {len(value)}", what)
        return bytes(value).hex()
    return value


def code_digest(code: bytes) -> str:
    """The digest contract code is approved, stored and instantiated by: ``SHA-256(code)``."""
    return sha256(bytes(code)).hex()


def contract_account_id(code_digest: str | bytes, creator: str | bytes, nonce: int) -> str:
    """The account id of the contract ``creator`` instantiates from ``code_digest`` with its
    transaction nonce ``nonce`` (wire-format §11.9): ``SHA-256("VELLUM:CONTRACT-ID:" ‖ 0x01 ‖
    code_digest ‖ creator ‖ u64 LE nonce)``. Known before the transaction is submitted."""
    value = [_hash_text(code_digest, "code_digest"), _hash_text(creator, "creator"), nonce]
    return sha256(canonical(Domain.CONTRACT_ID, Tuple(HASH, HASH, U64), value)).hex()


def contract_kyc_commitment(code_digest: str | bytes) -> str:
    """A contract account's identity commitment (where a person's KYC commitment would be):
    ``SHA-256("VELLUM:CONTRACT-ID:" ‖ 0x01 ‖ code_digest)`` — the council's approval of the
    code stands for the identity check."""
    return sha256(canonical(Domain.CONTRACT_ID, HASH, _hash_text(code_digest, "code_digest"))).hex()


def invoice_id(payment_tx_id: str | bytes) -> str:
    """The id of the e-invoice issued for a payment (wire-format §11.10):
    ``SHA-256("VELLUM:INVOICE-ID:" ‖ 0x01 ‖ payment tx id)``. One payment has one possible
    invoice id."""
    return sha256(canonical(Domain.INVOICE_ID, HASH, _hash_text(payment_tx_id, "payment_tx_id"))).hex()


def invoice_vat(amount: int, vat_basis_points: int) -> int:
    """The VAT contained in a gross ``amount`` (base units) at ``vat_basis_points``:
    ``amount × bp / (10,000 + bp)``, rounded down (what ``clear_invoice_tax`` pays)."""
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount < 1 << 128:
        raise FormatError(f"an amount is a u128 number of base units, got {amount!r}")
    if isinstance(vat_basis_points, bool) or not isinstance(vat_basis_points, int) or not 0 <= vat_basis_points <= VAT_BASIS_POINTS_MAX:
        raise FormatError(f"a VAT rate is 0..={VAT_BASIS_POINTS_MAX} basis points, got {vat_basis_points!r}")
    return amount * vat_basis_points // (VAT_BASIS_POINTS_MAX + vat_basis_points)

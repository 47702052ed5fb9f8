"""Transaction bodies in their JSON form (``{"type": "<kind>", ...}``), one builder per use
case. Each checks its fields (types, then the node's shape rules) and returns the normalised
body, so a mistake fails here rather than as a node's ``malformed``."""

from __future__ import annotations

from typing import Iterable, Sequence

from .errors import FormatError
from .keys import SecretKey
from .tx import CONTRACT_DEFAULT_FUEL, check_body, check_gov_action, check_issuer_profile, check_kyc_terms, check_monitoring_rules
from .types import GOV_ACTION, ISSUER_PROFILE, KYC_TERMS, MONITORING_RULES, TIER_LIMIT, PublicKey
from .encoding import borsh, from_borsh
from .witness import WitnessPolicy

#: Blocks a proposal stays open for votes by default (as the CLI).
PROPOSAL_DEADLINE_BLOCKS = 100_000
#: Governed payment bodies: they may not be submitted directly, only proposed.
GOVERNED_KINDS = ("create_token", "set_monitoring", "set_rate", "create_subledger")


def _key_text(key: PublicKey | SecretKey | str) -> str:
    if isinstance(key, SecretKey):
        return str(key.public_key)
    return str(key)


def _amount(value: int | str) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise FormatError(f"an amount is an integer number of base units, got {value!r}")
    return str(value)


# --- accounts -------------------------------------------------------------------------------


def kyc_terms(tier: int, expires_ms: int = 0, screening: str | bytes | None = None) -> dict:
    """``KycTerms`` (wire-format §6.4.11): the identity check's ``tier`` (1..=7; monitoring
    limits are set per tier), the block time in ms from which it is stale (``0``: never; a stale
    account still receives but no longer sends) and the identity's ``screening`` commitment
    (:func:`vellum_sdk.tx.screening_commitment`; ``None``: not screened). Checked."""
    if isinstance(screening, (bytes, bytearray)):
        screening = bytes(screening).hex()
    terms = from_borsh(KYC_TERMS, borsh(KYC_TERMS, {"tier": tier, "expires_ms": expires_ms, "screening": screening}))
    check_kyc_terms(terms)
    return terms


def open_account(
    public_key: PublicKey | SecretKey | str,
    kyc_commitment: str | None,
    label: str = "",
    role: str = "user",
    subledger: str | None = None,
    kyc: dict | None = None,
) -> dict:
    """A registrar opens an account for a key whose owner it identified off-ledger
    (``kyc_commitment``: see :func:`vellum_sdk.tx.kyc_commitment`); ``kyc``: the account's
    KYC record (:func:`kyc_terms`), which needs a ``kyc_commitment``."""
    return check_body(
        {
            "type": "open_account",
            "public_key": _key_text(public_key),
            "kyc_commitment": kyc_commitment,
            "label": label,
            "role": role,
            "subledger": subledger,
            "kyc": kyc,
        }
    )


def set_kyc(account: str, terms: dict) -> dict:
    """A registrar (re-)verifies an account's identity (:func:`kyc_terms`): the new record
    replaces the one in force (terms left out are gone). The account must have been opened
    with a ``kyc_commitment``."""
    return check_body({"type": "set_kyc", "account": account, "terms": terms})


def set_account_status(account: str, status: str, reason: str) -> dict:
    """``status``: ``frozen`` / ``active`` (compliance) or ``revoked`` (registrar, compliance)."""
    return check_body({"type": "set_account_status", "account": account, "status": status, "reason": reason})


def set_signers(signers: Sequence[tuple[PublicKey | SecretKey | str, int]], threshold: int) -> dict:
    """Replaces the account's signer set (k-of-n, weighted)."""
    return check_body({"type": "set_signers", "set": signer_set(signers, threshold)})


def signer_set(signers: Sequence[tuple[PublicKey | SecretKey | str, int]], threshold: int) -> dict:
    return {"signers": [{"key": _key_text(k), "weight": w} for k, w in signers], "threshold": threshold}


def set_purpose_keys(request_keys: Iterable[PublicKey | SecretKey | str], encryption_recipient: str | None = None) -> dict:
    return check_body(
        {"type": "set_purpose_keys", "request_keys": [_key_text(k) for k in request_keys], "encryption_recipient": encryption_recipient}
    )


def set_key_expiry(key: PublicKey | SecretKey | str, expires_ms: int) -> dict:
    """The account sets the block time (ms) from which one of its signer keys stops signing
    (X.1405 8.7.1; ``0`` lifts the expiry): signatures by the key are refused from then on
    (``key_expired``), so rotate it before (:func:`set_signers`, or guardian recovery). The key
    must be one of the sender's signer keys (else the ledger refuses it: ``not_a_signer``)."""
    return check_body({"type": "set_key_expiry", "key": _key_text(key), "expires_ms": expires_ms})


# --- proofs ---------------------------------------------------------------------------------


def register_proof(digest: str, metadata_digest: str, schema: str = "sha256:file", salted: bool = False) -> dict:
    return check_body({"type": "register_proof", "digest": digest, "schema": schema, "metadata_digest": metadata_digest, "salted": salted})


def register_batch(root: str, count: int, metadata_digest: str, schema: str = "sha256:file", salted: bool = False) -> dict:
    return check_body(
        {"type": "register_batch", "root": root, "count": count, "schema": schema, "metadata_digest": metadata_digest, "salted": salted}
    )


def _proof_status(proof: str, member: int | None, change: dict) -> dict:
    return check_body({"type": "set_proof_status", "proof": proof, "member": member, "change": change})


def revoke_proof(proof: str, reason: str, member: int | None = None) -> dict:
    """Final. ``reason`` is a reason code (``issued_in_error``, ``key_compromise``, ... — see
    :data:`vellum_sdk.tx.DEFAULT_REASON_CODES`), never free text: it stays on the ledger."""
    return _proof_status(proof, member, {"change": "revoke", "reason": reason})


def supersede_proof(proof: str, by: str, member: int | None = None) -> dict:
    """Final; the ledger accepts it for whole registrations only."""
    return _proof_status(proof, member, {"change": "supersede", "by": by})


def suspend_proof(proof: str, reason: str, member: int | None = None) -> dict:
    """Until reinstated (:func:`reinstate_proof`); ``reason`` is a reason code."""
    return _proof_status(proof, member, {"change": "suspend", "reason": reason})


def reinstate_proof(proof: str, member: int | None = None) -> dict:
    """Ends a suspension: the registration (or member) is live again."""
    return _proof_status(proof, member, {"change": "reinstate"})


def revoke_issuer(issuer: str, from_height: int, reason: str) -> dict:
    """Compliance revokes every registration ``issuer`` made at or after ``from_height`` and
    stops it registering (a stolen issuer key). ``reason`` is a reason code. While the
    revocation record's ``complete`` is false, send the same body again to go on."""
    return check_body({"type": "revoke_issuer", "issuer": issuer, "from_height": from_height, "reason": reason})


def store_batch_members(proof: str, first: int, members: Sequence[tuple[str, str | None] | dict]) -> dict:
    """One chunk (1..=200) of a batch's members handed to the network, from index ``first``
    (the members stored so far; 0 starts over): each member's *registered* digest (the salted
    commitment of a salted batch — never the salt or the document) and optionally its holder
    account. :meth:`vellum_sdk.Client.store_batch_members` sends a whole batch in chunks."""
    listed = [m if isinstance(m, dict) else {"digest": m[0], "holder": m[1]} for m in members]
    return check_body({"type": "store_batch_members", "proof": proof, "first": first, "members": listed})


def add_holders(proof: str, holders: Sequence[str], member: int | None = None) -> dict:
    """Names 1..=16 holders (accounts, none twice) of a registration (``member=None``: of every
    member) or of one batch member: they read its bundle and stored original."""
    return check_body({"type": "add_holders", "proof": proof, "member": member, "holders": list(holders)})


def delete_original(proof: str, member: int = 0) -> dict:
    """The registrant deletes the stored original of its registration (``member=0`` for a
    single registration) or of batch member ``member``: every validator destroys its copy as it
    applies the block (one that was down does so as it catches up) and never stores or serves
    it again; the proof stays verifiable. Refused by the ledger if the sender is not the
    registrant (``not_registrant``), the member does not exist (``no_such_member``) or the
    original is already deleted (``original_already_deleted``)."""
    return check_body({"type": "delete_original", "proof": proof, "member": member})


# --- issuer identity (evidence-format.md §6a) -----------------------------------------------


def issuer_profile(name: str, domain: str, well_known_sha256: str, x509_sha256: str | None = None) -> dict:
    """An ``IssuerProfile``: display name (1..=128 bytes, no control characters), lowercase
    domain (≥ 2 labels), SHA-256 of the well-known document checked and, optionally, of the
    issuer's X.509 certificate (DER). Checked (shape rules)."""
    profile = from_borsh(ISSUER_PROFILE, borsh(ISSUER_PROFILE, {"name": name, "domain": domain, "x509_sha256": x509_sha256, "well_known_sha256": well_known_sha256}))
    check_issuer_profile(profile)
    return profile


def attest_issuer(issuer: str, profile: dict) -> dict:
    """A registrar attests who the issuer account is (replacing an earlier attestation), having
    checked the issuer's well-known document (:meth:`vellum_sdk.Client.attest_issuer` does it
    all); the account must hold the ``issuer`` role."""
    return check_body({"type": "attest_issuer", "issuer": issuer, "profile": profile})


def revoke_attestation(issuer: str, reason: str) -> dict:
    """A registrar or compliance withdraws an issuer's attestation; ``reason`` is a reason code
    (``affiliation_changed``, ``key_compromise``, ...)."""
    return check_body({"type": "revoke_attestation", "issuer": issuer, "reason": reason})


# --- payments -------------------------------------------------------------------------------


def leg(to: str, token: str, amount: int | str, convert_to: str | None = None, rate_version: int | None = None) -> dict:
    """One leg of a transfer; with ``convert_to``, converted at the governed rate version the
    sender saw (``GET /v1/rate/{from}/{to}``): if the rate changed, the transfer fails."""
    convert = None
    if convert_to is not None:
        if rate_version is None:
            raise FormatError("a conversion needs the rate version the sender agreed to")
        convert = {"to_token": convert_to, "rate_version": rate_version}
    return {"to": to, "token": token, "amount": _amount(amount), "convert": convert}


def transfer(legs: Sequence[dict], reference: str | None = None) -> dict:
    """Pays every leg atomically; ``reference`` links it to something on the ledger (an
    invoice's proof id, an earlier payment)."""
    return check_body({"type": "transfer", "legs": list(legs), "reference": reference})


def mint(token: str, to: str, amount: int | str) -> dict:
    return check_body({"type": "mint", "token": token, "to": to, "amount": _amount(amount)})


def burn(token: str, amount: int | str) -> dict:
    return check_body({"type": "burn", "token": token, "amount": _amount(amount)})


def decide_hold(hold: int, post: bool, reason: str) -> dict:
    """Compliance posts (``post=True``: the legs move) or voids a held transfer."""
    return check_body({"type": "decide_hold", "hold": hold, "post": post, "reason": reason})


def set_token_paused(token: str, paused: bool, reason: str) -> dict:
    return check_body({"type": "set_token_paused", "token": token, "paused": paused, "reason": reason})


def clawback(token: str, account: str, amount: int | str, reason: str) -> dict:
    return check_body({"type": "clawback", "token": token, "from": account, "amount": _amount(amount), "reason": reason})


# --- contracts (docs/contracts.md) ---------------------------------------------------------


def _bytes_hex(value: bytes | bytearray | str, what: str) -> str:
    """Raw bytes, or their hex (the JSON form of a ``Vec<u8>``; checked by the codec)."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    if isinstance(value, str):
        return value
    raise FormatError(f"{what}: expected bytes or hex text, got {type(value).__name__}", what)


def instantiate_contract(code_digest: str, input: bytes | str = b"", fuel: int = CONTRACT_DEFAULT_FUEL) -> dict:
    """Creates a contract account running governance-approved code (``code_digest``:
    :func:`vellum_sdk.code_digest` of it) and runs its ``init`` with ``input`` (≤ 8192 bytes),
    under a budget of ``fuel`` (> 0; the ledger allows at most 50,000,000). The new contract's
    id is :meth:`vellum_sdk.UnsignedTx.contract_id` of the transaction (or
    :func:`vellum_sdk.contract_account_id`)."""
    return check_body({"type": "instantiate_contract", "code_digest": code_digest, "input": _bytes_hex(input, "input"), "fuel": fuel})


def call_contract(contract: str, function: str, input: bytes | str = b"", fuel: int = CONTRACT_DEFAULT_FUEL) -> dict:
    """Calls ``function`` (1..=64 bytes of ``[a-z0-9_-]``, starting with a letter) of the
    contract account ``contract`` with ``input`` (≤ 8192 bytes), under a budget of ``fuel``."""
    return check_body(
        {"type": "call_contract", "contract": contract, "function": function, "input": _bytes_hex(input, "input"), "fuel": fuel}
    )


# --- e-invoices (X.1407 Appendix I) ---------------------------------------------------------


def set_invoicing(tax_authority: str, token: str, vat_basis_points: int) -> dict:
    """A seller sets (or replaces) its invoicing conditions: the tax authority (an account with
    the ``tax_authority`` role) whose invoices count, the token invoiceable payments are made
    in, and the VAT included in prices (0..=10000 basis points). A settled single-leg transfer
    to the seller in that token is then invoiceable."""
    return check_body({"type": "set_invoicing", "tax_authority": tax_authority, "token": token, "vat_basis_points": vat_basis_points})


def issue_invoice(payment: str, document_digest: str) -> dict:
    """Phase B: the seller's tax authority issues the invoice of an invoiceable payment (its
    tx id), with the digest of the invoice document; the invoice's id is
    :func:`vellum_sdk.invoice_id` of the payment (one payment, one invoice)."""
    return check_body({"type": "issue_invoice", "payment": payment, "document_digest": document_digest})


def reimburse_invoice(invoice: str) -> dict:
    """Phase C: anyone but the buyer pays the invoice's buyer its gross amount (at most once)."""
    return check_body({"type": "reimburse_invoice", "invoice": invoice})


def clear_invoice_tax(invoice: str) -> dict:
    """Phase D: the invoice's seller pays its VAT to the tax authority (at most once)."""
    return check_body({"type": "clear_invoice_tax", "invoice": invoice})


# --- recovery -------------------------------------------------------------------------------


def set_guardians(guardians: Sequence[str], threshold: int, delay_blocks: int) -> dict:
    return check_body({"type": "set_guardians", "guardians": list(guardians), "threshold": threshold, "delay_blocks": delay_blocks})


def propose_recovery(account: str, signers: Sequence[tuple[PublicKey | SecretKey | str, int]], threshold: int) -> dict:
    return check_body({"type": "propose_recovery", "account": account, "set": signer_set(signers, threshold)})


def cancel_recovery() -> dict:
    return check_body({"type": "cancel_recovery"})


def execute_recovery(account: str) -> dict:
    return check_body({"type": "execute_recovery", "account": account})


# --- governance -----------------------------------------------------------------------------


def action(kind: str, **fields) -> dict:
    """A governance action (``GovAction``) in its JSON form, checked."""
    value = from_borsh(GOV_ACTION, borsh(GOV_ACTION, {"action": kind, **fields}))
    check_gov_action(value)
    return value


def governed(body: dict) -> dict:
    """The action proposing a governed payment body (token creation, monitoring rules, rates,
    sub-ledgers), which may not be submitted directly."""
    if body.get("type") not in GOVERNED_KINDS:
        raise FormatError(f"{body.get('type')!r} is not a governed body ({', '.join(GOVERNED_KINDS)})")
    fields = {k: v for k, v in body.items() if k != "type"}
    return action(body["type"], **fields)


def create_token(symbol: str, decimals: int, issuer: str, subledger: str | None = None, *, kyc_required: bool = False, clawback: bool = False, pausable: bool = False) -> dict:
    """The governance action creating a token (propose it with :func:`propose`)."""
    flags = {"kyc_required": kyc_required, "clawback": clawback, "pausable": pausable}
    return action("create_token", symbol=symbol, decimals=decimals, issuer=issuer, subledger=subledger, flags=flags)


def tier_limit(tier: int, leg_amount_max: int | str = 0, window_amount_max: int | str = 0) -> dict:
    """A ``TierLimit`` of :func:`monitoring_rules`: what a sender of KYC ``tier`` (0..=7; 0 = no
    KYC record) may send in one leg and within the window (0: no limit)."""
    return from_borsh(TIER_LIMIT, borsh(TIER_LIMIT, {"tier": tier, "leg_amount_max": _amount(leg_amount_max), "window_amount_max": _amount(window_amount_max)}))


def monitoring_rules(
    *,
    hold_timeout_ms: int,
    large_amount: int | str = 0,
    window_ms: int = 0,
    window_amount_max: int | str = 0,
    window_count_max: int = 0,
    structuring_floor_bps: int = 0,
    structuring_count: int = 0,
    inflow_amount_max: int | str = 0,
    inflow_count_max: int = 0,
    distinct_senders_max: int = 0,
    tier_limits: Sequence[dict] = (),
) -> dict:
    """``MonitoringRules`` for :func:`set_monitoring` (a zero turns a rule off; ``version`` is
    the ledger's: 0 is sent). Checked as ``MonitoringRules::check``: window rules — the inflow
    rules and tier window limits too — need ``window_ms`` > 0, ``distinct_senders_max`` ≤ 63, at
    most 8 ``tier_limits`` (:func:`tier_limit`) strictly ascending by tier."""
    rules = {
        "large_amount": _amount(large_amount),
        "window_ms": window_ms,
        "window_amount_max": _amount(window_amount_max),
        "window_count_max": window_count_max,
        "structuring_floor_bps": structuring_floor_bps,
        "structuring_count": structuring_count,
        "hold_timeout_ms": hold_timeout_ms,
        "inflow_amount_max": _amount(inflow_amount_max),
        "inflow_count_max": inflow_count_max,
        "distinct_senders_max": distinct_senders_max,
        "tier_limits": list(tier_limits),
        "version": 0,
    }
    normal = from_borsh(MONITORING_RULES, borsh(MONITORING_RULES, rules))
    check_monitoring_rules(normal)
    return normal


def set_monitoring(token: str, rules: dict) -> dict:
    """The governance action setting a token's monitoring rules (:func:`monitoring_rules`)."""
    return action("set_monitoring", token=token, rules=rules)


def update_sanctions(add: Sequence[str | bytes] = (), remove: Sequence[str | bytes] = ()) -> dict:
    """The governance action changing the sanctions list: screening commitments
    (:func:`vellum_sdk.tx.screening_commitment`) to add and to remove — not both empty, at
    most 256 each, none twice. Propose it with :func:`propose`."""
    hexed = lambda items: [bytes(h).hex() if isinstance(h, (bytes, bytearray)) else h for h in items]
    return action("update_sanctions", add=hexed(add), remove=hexed(remove))


def set_reason_codes(codes: Sequence[str]) -> dict:
    """The governance action replacing the list of accepted reason codes (1..=32 unique codes)."""
    return action("set_reason_codes", codes=list(codes))


def attest_issuer_action(issuer: str, profile: dict) -> dict:
    """The governance action by which the council attests an issuer's identity (as a
    registrar's :func:`attest_issuer`)."""
    return action("attest_issuer", issuer=issuer, profile=profile)


def set_witnesses(policy: WitnessPolicy | dict | Sequence) -> dict:
    """The governance action naming the witnesses validators push checkpoints to, and how many
    cosignatures count (docs/evidence-format.md §7a; replaces the policy in force). ``policy``:
    a :class:`vellum_sdk.witness.WitnessPolicy` whose witnesses all have a URL (e.g. read from
    the CLI's policy file with ``WitnessPolicy.load``), or its JSON form ``{"witnesses":
    [{"name", "key", "url"}], "quorum": k}``; ``[]`` switches witnessing off (quorum 0)."""
    if isinstance(policy, WitnessPolicy):
        policy = policy.to_json()
    elif isinstance(policy, (list, tuple)) and not policy:
        policy = {"witnesses": [], "quorum": 0}
    return action("set_witnesses", policy=policy)


def grant_role(account: str, role: str) -> dict:
    """The governance action granting ``role`` (``registrar``, ``issuer``, ``tax_authority``,
    ...; never ``council``: see ``set_council``) to an account."""
    return action("grant_role", account=account, role=role)


def revoke_role(account: str, role: str) -> dict:
    """The governance action withdrawing ``role`` from an account."""
    return action("revoke_role", account=account, role=role)


def register_code(name: str, code: bytes | str, review_digest: str) -> dict:
    """The governance action approving contract code (X.1405 8.6.1–8.6.2): a contract name
    (1..=64 bytes of ``[a-z0-9_-]``, starting with a letter), the code (1..=12288 bytes of
    WebAssembly; it travels in the proposal) and the digest of its review record. Once the
    proposal passes, the code is instantiable under :func:`vellum_sdk.code_digest` of it."""
    return action("register_code", name=name, code=_bytes_hex(code, "code"), review_digest=review_digest)


def set_contract_paused(contract: str, paused: bool) -> dict:
    """The governance action pausing (or resuming) one contract instance."""
    return action("set_contract_paused", contract=contract, paused=paused)


def upgrade_contract(contract: str, code_digest: str) -> dict:
    """The governance action moving a contract instance to other approved code (its storage
    and balances are kept; the version is added to its history)."""
    return action("upgrade_contract", contract=contract, code_digest=code_digest)


def set_code_advisory(code_digest: str, advisory: str | None) -> dict:
    """The governance action recording (``advisory``: the digest of its text) or lifting
    (``None``) a vulnerability advisory against a code digest: while recorded, every instance
    of that code refuses calls (X.1405 8.6.3)."""
    return action("set_code_advisory", code_digest=code_digest, advisory=advisory)


def propose(gov_action: dict, deadline_height: int) -> dict:
    return check_body({"type": "propose", "action": gov_action, "deadline_height": deadline_height})


def vote(proposal: int) -> dict:
    return check_body({"type": "vote", "proposal": proposal})


# --- amounts --------------------------------------------------------------------------------


def parse_amount(text: str, decimals: int) -> int:
    """A decimal amount in base units (``"123.45"``, 2 → 12345), refusing more precision than
    the token has."""
    bad = FormatError(f"`{text}` is not an amount with at most {decimals} decimals")
    whole, dot, frac = text.partition(".")
    if not whole or not (whole.isascii() and whole.isdigit()) or (frac and not (frac.isascii() and frac.isdigit())):
        raise bad
    if len(frac) > decimals or (dot and not frac):
        raise bad
    value = int(whole) * 10**decimals + int(frac.ljust(decimals, "0") or "0")
    if value >= 1 << 128:
        raise FormatError("amount overflows u128")
    return value


def format_amount(amount: int, decimals: int) -> str:
    """Base units as a decimal (12345, 2 → ``"123.45"``)."""
    if decimals == 0:
        return str(amount)
    whole, frac = divmod(amount, 10**decimals)
    frac_text = str(frac).rjust(decimals, "0").rstrip("0")
    return f"{whole}.{frac_text}" if frac_text else str(whole)

"""Typed errors. Every error the SDK raises is a :class:`VellumError`; catch a subclass to act
on one cause (a node's stable error ``code``, a wrong keystore password, a signature over
another transaction, ...)."""

from __future__ import annotations


class VellumError(Exception):
    """Base of every error raised by the SDK."""


# --- bytes and text -------------------------------------------------------------------------


class DecodeError(VellumError, ValueError):
    """Bytes that are not a valid encoding (mirrors the Rust ``DecodeError``)."""


class TooLarge(DecodeError):
    """Input over the size limit of what it claims to be."""

    def __init__(self, actual: int, maximum: int):
        super().__init__(f"input is {actual} bytes, more than the {maximum} allowed")
        self.actual = actual
        self.maximum = maximum


class EmptyInput(DecodeError):
    """No bytes at all where an encoding (its version byte first) was expected."""

    def __init__(self) -> None:
        super().__init__("input is empty")


class UnknownVersion(DecodeError):
    """A version byte this SDK does not know."""

    def __init__(self, version: int):
        super().__init__(f"unknown encoding version {version} (this SDK knows 1)")
        self.version = version


class Malformed(DecodeError):
    """Not borsh of the expected type: truncated, trailing bytes, a bad variant index, a bool
    or option tag other than 0/1, invalid UTF-8, a length past the end of the input."""


class InvalidContent(DecodeError):
    """Well-formed bytes whose content breaks a limit (an empty chain id, no signature, a label
    too long, ...): the shape checks every node applies before anything else."""


class FormatError(VellumError, ValueError):
    """Text or JSON input that is not what it should be (a transaction body's JSON form, hex,
    a public key's ``scheme:hex`` text, a transaction file). ``path`` names the field."""

    def __init__(self, message: str, path: str = ""):
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path


# --- keys and signatures --------------------------------------------------------------------


class InvalidKey(VellumError, ValueError):
    """A secret or public key that cannot be used: unknown scheme, bad length, a scalar out of
    range, a point not on the curve, an unreadable key file."""


class KeystoreError(VellumError):
    """An encrypted keystore that cannot be opened or created (unsupported or too weak
    parameters, malformed fields, a password too short)."""


class WrongPassword(KeystoreError):
    """The keystore did not decrypt: wrong password, or a field of the file was modified."""


#: Why a signature is refused (the classes of docs/vectors/invalid.json).
SIGNATURE_REASONS = (
    "bad_public_key",
    "malformed_signature",
    "high_s",
    "bad_recovery_id",
    "signature_does_not_verify",
    "duplicate_signer",
)


class SignatureError(VellumError):
    """A signature that is refused; ``reason`` is one of :data:`SIGNATURE_REASONS` and
    ``index`` its position in the transaction."""

    def __init__(self, message: str, index: int | None = None, reason: str = "signature_does_not_verify"):
        super().__init__(f"signature {index}: {message}" if index is not None else message)
        self.index = index
        self.reason = reason


# --- multi-party transactions ---------------------------------------------------------------


class TxFileError(VellumError):
    """A multi-party transaction file that must not be used (unknown version or field, an id
    that does not match its transaction, a chain id that differs, ...)."""


class ForeignSignature(SignatureError, TxFileError):
    """A signature in a transaction file that does not verify over that file's transaction:
    it was made over another transaction (or is corrupt). ``index``: its place in the file."""

    def __init__(self, message: str, index: int | None = None):
        super().__init__(message, index)


class DuplicateSigner(TxFileError):
    """Two different signatures by the same key (for ECDSA: made with another nonce)."""

    def __init__(self, key: str):
        super().__init__(f"duplicate signer: key {key} signed twice (two different signatures by one key)")
        self.key = key


class RepeatedSignature(TxFileError):
    """One file holding the same signature twice: a damaged file, not a second signer."""

    def __init__(self, index: int, first: int):
        super().__init__(f"repeated signature: signature {index} repeats signature {first} of the same file")
        self.index = index
        self.first = first


class NoSignerSet(TxFileError):
    """A recoverable secp256k1 signature in a file without ``signer_set``. Recovery yields some
    key for any bytes, so only the account's signer set can tell a signer from a signature
    over another transaction."""

    def __init__(self, index: int):
        super().__init__(
            f"signature {index} is a recoverable secp256k1 signature, which names no key: it can be checked "
            "only against the account's signer set, which this file does not carry (build the file with its signer set)"
        )
        self.index = index


class UnauthorizedSigner(TxFileError):
    """A signature by a key that is not in the sender account's signer set."""

    def __init__(self, key: str, account: str = "", message: str = ""):
        of = f"account {account}" if account else "the sending account"
        super().__init__(message or f"not a signer: key {key} is not a signer of {of}")
        self.key = key
        self.account = account


class RecoversOutsider(UnauthorizedSigner):
    """A recoverable secp256k1 signature whose recovered key is not in the signer set: it is
    over another transaction, or by an outsider (the two cannot be told apart)."""

    def __init__(self, index: int, key: str, account: str = ""):
        of = f"account {account}" if account else "the sending account"
        super().__init__(
            key,
            account,
            f"signature {index} recovers a key that is not a signer of {of} ({key}): it is over another transaction, or by an outsider",
        )
        self.index = index


class InsufficientWeight(TxFileError):
    """The distinct signer keys do not reach the sender account's threshold."""

    def __init__(self, weight: int, threshold: int):
        super().__init__(f"insufficient weight: the signatures carry {weight}, the account needs {threshold}")
        self.weight = weight
        self.threshold = threshold


# --- the network ----------------------------------------------------------------------------


class NodeError(VellumError):
    """A validator's refusal with its stable machine ``code`` (``bad_nonce``, ``forbidden``,
    ``insufficient_funds``, ...), the HTTP ``status`` and the human ``message``."""

    def __init__(self, code: str, message: str, status: int = 0, node: str = "", expected_nonce: int | None = None):
        where = f" from {node}" if node else ""
        super().__init__(f"{code} (HTTP {status}{where}): {message}")
        self.code = code
        self.message = message
        self.status = status
        self.node = node
        self.expected_nonce = expected_nonce


class TransactionRefused(NodeError):
    """Every validator that answered refused the transaction (or one refused it for a reason
    every honest validator shares: ``malformed``, ``too_large``, ``bad_signature``,
    ``wrong_chain``). Nothing of it was applied."""


class TransactionRejected(NodeError):
    """A block builder dropped the transaction and no validator holds it any more."""


class Unavailable(VellumError):
    """No validator answered (each validator's failure is listed in ``failures``)."""

    def __init__(self, what: str, failures: list[str]):
        super().__init__(f"no validator answered {what} (tried {len(failures)}): " + "; ".join(failures))
        self.failures = failures


class OutcomeUnknown(VellumError):
    """The transaction was not final within the timeout. Its outcome is unknown: resubmitting
    the same bytes is safe (they have the same id)."""

    def __init__(self, tx_id: str, seconds: float, last: str):
        super().__init__(f"transaction {tx_id} not final after {seconds:.0f} s; its outcome is unknown (last answer: {last})")
        self.tx_id = tx_id
        self.last = last


class Disagreement(VellumError):
    """A verified read failed: fewer than f + 1 validators answered, or they kept disagreeing
    (a validator is lagging or lying)."""


class ChainMismatch(VellumError):
    """A validator runs another chain than the pinned genesis hash."""


class NoValidAnswer(VellumError):
    """Every validator was asked and none gave a valid answer (a status proof that verifies
    against the pinned genesis). ``failures`` lists each validator's failure; ``code`` is the
    refusal code when every validator that answered refused alike (``unknown_proof``,
    ``no_such_member``, ``not_a_batch``; a validator down, failing or overloaded said nothing),
    else ``None``."""

    def __init__(self, what: str, failures: list[str], code: str | None = None):
        super().__init__(f"no validator gave a valid answer to {what} (tried {len(failures)}): " + "; ".join(failures))
        self.failures = failures
        self.code = code


class WellKnownError(VellumError):
    """An issuer's well-known document (``https://DOMAIN/.well-known/vellum-issuer.json``)
    that could not be fetched over verified HTTPS, or does not vouch for the account (``.url``:
    where it was fetched)."""

    def __init__(self, message: str, url: str | None = None):
        super().__init__(message)
        self.url = url


# --- offline verification -------------------------------------------------------------------

STEP_NAMES = {
    1: "decode",
    2: "checkpoint",
    3: "validator set",
    4: "certificate",
    5: "log inclusion",
    6: "state entry",
    7: "batch inclusion",
    8: "document",
    9: "status",
    10: "witnesses",
}


class VerifyError(VellumError):
    """An evidence bundle, payment receipt or status proof that failed verification at
    ``step`` (1..10, the numbering of docs/evidence-format.md §4–§6a; ``step_name`` is its
    name; 9 is a status proof combined with a bundle, 10 the witnessed checkpoint of a bundle
    version 4 or receipt version 3, and a witness policy)."""

    def __init__(self, step: int, detail: str):
        super().__init__(f"step {step} ({STEP_NAMES[step]}) failed: {detail}")
        self.step = step
        self.step_name = STEP_NAMES[step]
        self.detail = detail


#: The steps of a credential's verification (docs/credentials.md §3), ``CredentialError.step`` 1..6.
CREDENTIAL_STEPS = ("ledger", "issuer signature", "issuer", "disclosures", "key binding", "status")


class CredentialError(VellumError):
    """A credential (SD-JWT VC, docs/credentials.md) that cannot be issued, presented or
    verified. ``kind`` is ``malformed``, ``issuer_signature``, ``unsupported_key``,
    ``unknown_disclosure``, ``duplicate_disclosure``, ``key_binding``, ``no_such_claim``
    (the variants of the Rust ``CredentialError``), or ``ledger``, ``issuer``, ``status`` (the
    steps :func:`vellum_sdk.credential.verify_credential` adds); ``step`` is the verification
    step at fault (1..6, see ``CREDENTIAL_STEPS``; ``step_name`` its name) or ``None``;
    ``claim`` the disclosure's claim name when one is at fault."""

    def __init__(self, kind: str, message: str, step: int | None = None, claim: str | None = None):
        super().__init__(message)
        self.kind = kind
        self.step = step
        self.step_name = None if step is None else CREDENTIAL_STEPS[step - 1]
        self.claim = claim


__all__ = [
    "VellumError",
    "DecodeError",
    "TooLarge",
    "EmptyInput",
    "UnknownVersion",
    "Malformed",
    "InvalidContent",
    "FormatError",
    "InvalidKey",
    "KeystoreError",
    "WrongPassword",
    "SignatureError",
    "ForeignSignature",
    "TxFileError",
    "DuplicateSigner",
    "RepeatedSignature",
    "NoSignerSet",
    "UnauthorizedSigner",
    "RecoversOutsider",
    "InsufficientWeight",
    "NodeError",
    "TransactionRefused",
    "TransactionRejected",
    "Unavailable",
    "OutcomeUnknown",
    "Disagreement",
    "ChainMismatch",
    "NoValidAnswer",
    "WellKnownError",
    "VerifyError",
    "CredentialError",
    "CREDENTIAL_STEPS",
    "SIGNATURE_REASONS",
    "STEP_NAMES",
]

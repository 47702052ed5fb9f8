"""Vellum SDK for Python: build, sign and submit transactions, read the ledger through every
validator, follow its events, and verify evidence bundles, payment receipts, transaction receipts
(:func:`verify_tx_receipt`: a contract call's transfers and events, an issued invoice), status
proofs and SD-JWT VC credentials (:mod:`vellum_sdk.credential`) offline, optionally under a witness
policy (:class:`WitnessPolicy`).

Contracts and e-invoices: the bodies in :mod:`vellum_sdk.bodies` (``instantiate_contract``,
``call_contract``, ``set_invoicing``, ``issue_invoice``, ...) and the ids a client computes
before submitting (:func:`contract_account_id`, :func:`invoice_id`).

Many transactions at once: :meth:`Client.submit_batch` (``POST /v1/txs``; the frame:
:func:`encode_batch_frame`, :func:`decode_batch_frame`).

Start with :class:`Client` (``Client.from_config("devnet/client.toml")``), :class:`SecretKey`
and :mod:`vellum_sdk.bodies`; errors are in :mod:`vellum_sdk.errors`."""

from . import batch, bodies, credential, errors, issuers, witness
from .batch import SUBMIT_BATCH_BYTES_MAX, SUBMIT_BATCH_TXS_MAX, decode_batch_frame, encode_batch_frame
from .client import Client, ClientConfig, Finalized, Registration
from .pool import BatchResult
from .credential import (
    Issued,
    VerifiedCredential,
    VerifiedPresentation,
    issue,
    present,
    verify_credential,
    verify_presentation,
)
from .errors import *  # noqa: F403 - the typed errors are part of the top-level API
from .keys import Cost, Keystore, SecretKey, load_key, save_keystore, save_plain, verify_signature
from .multisig import TxFile
from .proofs import Manifest, proof_id, salted_digest
from .request import request_signing_bytes, signed_headers
from .tx import (
    Transaction,
    UnsignedTx,
    code_digest,
    contract_account_id,
    contract_kyc_commitment,
    invoice_id,
    invoice_vat,
    kyc_commitment,
    screening_commitment,
)
from .types import PublicKey, Signature
from .checkpoint import Checkpoint
from .witness import Witness, WitnessPolicy
from .verify import (
    IssuerCheck,
    StatusNow,
    VerifiedBundle,
    VerifiedReceipt,
    VerifiedStatus,
    VerifiedTxReceipt,
    status_now,
    issuer_line,
    verify_bundle,
    verify_bundle_with_status,
    verify_file,
    verify_receipt,
    verify_status_proof,
    verify_tx_receipt,
)

__version__ = "0.1.0"

__all__ = [
    "batch",
    "bodies",
    "credential",
    "errors",
    "issuers",
    "witness",
    "Client",
    "ClientConfig",
    "Finalized",
    "Registration",
    "BatchResult",
    "encode_batch_frame",
    "decode_batch_frame",
    "SUBMIT_BATCH_TXS_MAX",
    "SUBMIT_BATCH_BYTES_MAX",
    "Cost",
    "Keystore",
    "SecretKey",
    "load_key",
    "save_keystore",
    "save_plain",
    "verify_signature",
    "TxFile",
    "Manifest",
    "proof_id",
    "salted_digest",
    "request_signing_bytes",
    "signed_headers",
    "Transaction",
    "UnsignedTx",
    "kyc_commitment",
    "screening_commitment",
    "code_digest",
    "contract_account_id",
    "contract_kyc_commitment",
    "invoice_id",
    "invoice_vat",
    "PublicKey",
    "Signature",
    "Checkpoint",
    "Witness",
    "WitnessPolicy",
    "IssuerCheck",
    "issuer_line",
    "StatusNow",
    "VerifiedBundle",
    "VerifiedReceipt",
    "VerifiedStatus",
    "VerifiedTxReceipt",
    "status_now",
    "verify_bundle",
    "verify_bundle_with_status",
    "verify_file",
    "verify_receipt",
    "verify_status_proof",
    "verify_tx_receipt",
    "Issued",
    "VerifiedCredential",
    "VerifiedPresentation",
    "issue",
    "present",
    "verify_credential",
    "verify_presentation",
] + errors.__all__

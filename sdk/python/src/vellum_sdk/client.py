"""The client of docs/client.md, and one method per use case an integrator has.

- failover over every validator (connect 2 s, response head 5 s, whole request 60 s);
- idempotent submission (``duplicate`` is accepted), a refusal believed only when every
  validator refuses (except ``malformed``, ``too_large``, ``bad_signature``, ``wrong_chain``);
- batch submission (:meth:`Client.submit_batch`, ``POST /v1/txs``): the same rules per
  transaction, what one validator did not settle offered to the next in one batch;
- :meth:`Client.wait_final`: polls every 50 ms, resubmits the same bytes after 2 s unknown;
- gap-free nonces: the next nonce from the node's ``bad_nonce``; on ``nonce_taken`` wait;
- verified reads: f + 1 validators must agree (on by default; ``verify=False`` trusts one);
- status proofs: asked of every validator, each verified against the pinned genesis, the
  freshest valid one kept (:meth:`Client.fetch_status`);
- issuer identity: attest after checking the issuer's well-known document over verified
  HTTPS (:meth:`Client.attest_issuer`), revoke, read (:meth:`Client.issuer_attestation`);
- batch members and holders on the network (:meth:`Client.store_batch_members`,
  :meth:`Client.add_holders`), bundles by proof id for holders (:meth:`Client.fetch_bundle_by_id`);
- stored originals deleted on every validator through the ledger (:meth:`Client.delete_original`);
- events over SSE with resume (:mod:`.events`).
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from . import bodies
from .encoding import parse_hex, sha256
from .errors import (
    ChainMismatch,
    Disagreement,
    FormatError,
    NodeError,
    OutcomeUnknown,
    TransactionRefused,
    TransactionRejected,
    Unavailable,
    VellumError,
    WellKnownError,
)
from .events import EventStream
from .http import Response
from .issuers import check_lists, fetch_well_known, well_known_document, x509_sha256
from .keys import SecretKey, load_key
from .multisig import TxFile
from .pool import REFUSED_EVERYWHERE, Agreed, BatchResult, Pool, proof_key, reads_key, tx_key, whole
from .proofs import Manifest, prepare_documents, proof_id, registration_body, SCHEMA_WHOLE_FILE
from .request import signed_headers
from .types import PublicKey
from .tx import BATCH_MEMBERS_PER_TX_MAX, Transaction, UnsignedTx, check_shape, kyc_commitment
from .verify import (
    VerifiedBundle,
    VerifiedReceipt,
    VerifiedStatus,
    decode_bundle,
    encode_bundle,
    fill_member,
    open_document,
    verify_bundle,
    verify_receipt,
    verify_status_proof,
)
from .witness import WitnessPolicy

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

#: Blocks a transaction stays valid for (as the CLI).
EXPIRY_BLOCKS = 100_000
#: How long a use case waits for its transaction to be final.
FINALITY_TIMEOUT_S = 120.0
#: How long no validator may know a submitted transaction before it is submitted again.
RESUBMIT_AFTER_S = 2.0
POLL_INTERVAL_S = 0.05
#: Most nonces one call tries (each failed try: another transaction took the nonce).
NONCE_ATTEMPTS_MAX = 8
#: Pause before offering a nonce again that another pending transaction holds.
NONCE_TAKEN_RETRY_S = 0.5
#: Refusals of a resubmission that mean the transaction can never apply.
REFUSED_FOR_GOOD = ("bad_nonce", "expired") + REFUSED_EVERYWHERE
#: How long a read after a write waits for the agreeing validators to show the write (they
#: may be a block behind the validator that reported it final).
READ_AFTER_WRITE_WAIT_S = 5.0
#: Identity-record salts are at least this long (the commitment must not be guessable).
KYC_SALT_BYTES = 32


@dataclass
class ClientConfig:
    """``client.toml`` as ``vellum devnet up`` writes it."""

    chain_id: str
    genesis_hash: str
    api: list[str]
    keys_dir: Path

    @classmethod
    def load(cls, path: str | os.PathLike) -> "ClientConfig":
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text())
            keys = Path(data["keys_dir"])
            cfg = cls(str(data["chain_id"]), str(data["genesis_hash"]), [str(a) for a in data["api"]], keys if keys.is_absolute() else p.parent / keys)
        except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError) as e:
            raise VellumError(f"invalid client config {p}: {e}") from None
        if not cfg.api:
            raise VellumError(f"client config {p} lists no API address")
        return cfg


@dataclass
class Finalized:
    """A finalized transaction: where it is (block height, index in it, log index)."""

    tx_id: str
    height: int
    index: int
    log_index: int
    status: dict

    @classmethod
    def of(cls, status: dict) -> "Finalized":
        return cls(status["tx_hash"], status["height"], status["index"], status["log_index"], status)


@dataclass
class Registration:
    """A registered proof and the manifest its registrant keeps (salts, batch positions)."""

    proof_id: str
    tx: Finalized
    manifest: Manifest
    #: The transactions that handed the batch's members and the holders to the network.
    handed_over: list[Finalized] = field(default_factory=list)


class Client:
    """All validators of a chain, pinned to its genesis hash."""

    def __init__(self, apis: Sequence[str], genesis_hash: str | None = None, verify: bool = True, keys_dir: str | os.PathLike | None = None):
        self.pool = Pool(list(apis))
        self.genesis_hash = genesis_hash
        #: Whether reads users act on need f + 1 agreeing validators.
        self.verify = verify
        self.keys_dir = Path(keys_dir) if keys_dir else None
        self._chain_id: str | None = None

    @classmethod
    def from_config(cls, path: str | os.PathLike, verify: bool = True) -> "Client":
        cfg = ClientConfig.load(path)
        client = cls(cfg.api, cfg.genesis_hash, verify, cfg.keys_dir)
        client._chain_id = cfg.chain_id
        return client

    def key(self, name: str, password: str | None = None) -> SecretKey:
        """A key by path, or by name in the config's keys directory (``issuer`` →
        ``keys/issuer.key``)."""
        if os.path.exists(name) or self.keys_dir is None:
            return load_key(name, password)
        return load_key(self.keys_dir / f"{name}.key", password)

    # --- chain --------------------------------------------------------------------------------

    def status(self) -> dict:
        """``GET /v1/status`` from the first validator that answers; refused if it runs
        another chain than the pinned genesis."""
        resp = self.pool.get("/v1/status")
        if resp.status != 200:
            raise NodeError(*resp.error()[:2], resp.status)
        status = resp.json()
        if self.genesis_hash and status.get("genesis_hash") != self.genesis_hash:
            raise ChainMismatch(f"a validator runs another chain (genesis {status.get('genesis_hash')}), not the pinned {self.genesis_hash}")
        self._chain_id = status["chain_id"]
        return status

    def chain(self) -> tuple[str, int]:
        s = self.status()
        return s["chain_id"], int(s.get("height", 0))

    @property
    def chain_id(self) -> str:
        if self._chain_id is None:
            self.status()
        assert self._chain_id is not None
        return self._chain_id

    def signed_get(self, key: SecretKey, path: str) -> tuple[int, bytes]:
        """A GET signed with ``key`` (each validator gets its own signature), with failover."""
        resp = self.pool.get(path, lambda: signed_headers(key, self.chain_id, "GET", path))
        return resp.status, resp.body

    def read(self, key: SecretKey | None, path: str, project=whole) -> Any:
        """A JSON read, signed when ``key`` is given, agreed by f + 1 validators (unless the
        client trusts one node). A refusal is :class:`NodeError` with the node's code."""
        headers = (lambda: signed_headers(key, self.chain_id, "GET", path)) if key else None
        if self.verify:
            agreed: Agreed = self.pool.agreed_get(path, project, headers)
            status, body = agreed.status, agreed.body
        else:
            resp = self.pool.get(path, headers)
            status, body = resp.status, resp.json()
        if status != 200:
            err = (body or {}).get("error", {}) if isinstance(body, dict) else {}
            raise NodeError(str(err.get("code", "unknown")), str(err.get("message", "")), status)
        return body

    def _binary(self, key: SecretKey, path: str) -> bytes:
        status, body = self.signed_get(key, path)
        if status != 200:
            code, message, _ = Response(status, body, {}).error()
            raise NodeError(code, message, status)
        return body

    # --- transactions -------------------------------------------------------------------------

    def tx_status(self, tx_id: str) -> dict:
        """``GET /v1/tx/{id}``: ``pending``, ``finalized`` (height, index, log_index), ``rejected``
        or an ``unknown_tx`` error body; agreed by f + 1 validators when verifying."""
        path = f"/v1/tx/{tx_id}"
        if self.verify:
            return self.pool.agreed_get(path, tx_key).body or {}
        return self.pool.get(path).json()

    def submit(self, tx: Transaction) -> str:
        """Offers a signed transaction to the validators; its id once one admits it.
        :class:`TransactionRefused` when every validator refuses."""
        check_shape(tx)
        s = self.pool.submit(tx.wire(), tx.id())
        if not s.accepted:
            raise s.error(TransactionRefused)
        return tx.id()

    def submit_batch(self, txs: Sequence[Transaction]) -> list[BatchResult]:
        """Offers many signed transactions at once (``POST /v1/txs``, frames of at most 1,024):
        :meth:`Pool.submit_batch` — one :class:`BatchResult` per transaction, in order
        (``accepted``; or ``error``: :class:`TransactionRefused` when every validator refused
        it, :class:`Unavailable` when none answered for it). Every transaction's shape is
        checked first: one that breaks it (too large, no signature, ...) raises
        :class:`InvalidContent` / :class:`TooLarge` naming it, and nothing is sent. Only
        submits: take each to finality with :meth:`wait_final`."""
        txs = list(txs)
        for i, tx in enumerate(txs):
            if not isinstance(tx, Transaction):
                raise FormatError(f"transaction {i} of the batch is a {type(tx).__name__}, not a Transaction")
            try:
                check_shape(tx)
            except VellumError as e:
                e.args = (f"transaction {i} of the batch: {e}",)
                raise
        return self.pool.submit_batch([tx.wire() for tx in txs], [tx.id() for tx in txs])

    def _held_elsewhere(self, tx_id: str) -> bool:
        """Whether a validator holds the transaction pending or has finalized it ("rejected"
        is one block builder's view)."""
        for node in self.pool.nodes:
            try:
                if node.get(f"/v1/tx/{tx_id}").json().get("status") in ("pending", "finalized"):
                    return True
            except Exception:
                continue
        return False

    def _resubmit(self, tx: Transaction) -> NodeError | None:
        """Submits ``tx`` again; a refusal only when it is for good and not finalized."""
        try:
            s = self.pool.submit(tx.wire(), tx.id())
        except Unavailable:
            return None
        if s.accepted:
            return None
        nonce_used = s.code == "bad_nonce" and s.expected_nonce is not None and s.expected_nonce > tx.unsigned.nonce
        if s.code not in REFUSED_FOR_GOOD or (s.code == "bad_nonce" and not nonce_used):
            return None
        try:
            if self.tx_status(tx.id()).get("status") == "finalized":
                return None
        except (Unavailable, Disagreement):
            pass
        return s.error(TransactionRefused)

    def wait_final(self, tx: Transaction, timeout: float = FINALITY_TIMEOUT_S) -> Finalized:
        """Waits until ``tx`` (submitted once) is final, resubmitting the same bytes while no
        validator knows it. Raises :class:`TransactionRejected`, :class:`TransactionRefused`
        (resubmission refused for good) or :class:`OutcomeUnknown` (timeout: resubmitting the
        same bytes is safe)."""
        tx_id = tx.id()
        start = known_at = time.monotonic()
        last = "no answer yet"
        while time.monotonic() - start <= timeout:
            try:
                v = self.tx_status(tx_id)
            except (Unavailable, Disagreement) as e:
                last = str(e)
            else:
                last = str(v)
                state = v.get("status")
                if state == "finalized":
                    return Finalized.of(v)
                if state == "rejected" and not self._held_elsewhere(tx_id):
                    raise TransactionRejected(str(v.get("code")), str(v.get("message", "")), 200)
                if state in ("pending", "rejected"):
                    known_at = time.monotonic()
                elif time.monotonic() - known_at >= RESUBMIT_AFTER_S:
                    refused = self._resubmit(tx)
                    if refused is not None:
                        raise refused
                    known_at = time.monotonic()
            time.sleep(POLL_INTERVAL_S)
        raise OutcomeUnknown(tx_id, timeout, last)

    def send(self, keys: SecretKey | Sequence[SecretKey], body: dict, sender: str | None = None, timeout: float = FINALITY_TIMEOUT_S) -> Finalized:
        """Signs ``body`` with every key (a k-of-n account: enough of its keys) for ``sender``
        (default: the first key's account) with the account's next nonce, and takes it to
        finality. Never signs past a nonce another pending transaction holds (no gap)."""
        keys = [keys] if isinstance(keys, SecretKey) else list(keys)
        sender = sender or keys[0].account
        chain_id, height = self.chain()
        deadline = time.monotonic() + timeout
        nonce, tries = 0, 0
        while tries < NONCE_ATTEMPTS_MAX:
            if time.monotonic() > deadline:
                raise OutcomeUnknown("(unsigned)", timeout, f"nonce {nonce} of account {sender} stayed held by another pending transaction")
            unsigned = UnsignedTx(chain_id, sender, nonce, height + EXPIRY_BLOCKS, body)
            tx = Transaction.signed(unsigned, keys)
            check_shape(tx)
            s = self.pool.submit(tx.wire(), tx.id())
            if s.accepted:
                try:
                    return self.wait_final(tx, max(1.0, deadline - time.monotonic()))
                except TransactionRefused as e:
                    s.code, s.message, s.expected_nonce = e.code, e.message, e.expected_nonce
            if s.code == "bad_nonce" and s.expected_nonce is not None and s.expected_nonce > nonce:
                nonce, tries = s.expected_nonce, tries + 1
            elif s.code == "nonce_taken":
                time.sleep(NONCE_TAKEN_RETRY_S)
            else:
                raise s.error(TransactionRefused)
        raise TransactionRefused("nonce_exhausted", "could not find a usable nonce (the account has many pending transactions)")

    # --- accounts -----------------------------------------------------------------------------

    def account(self, key: SecretKey, account_id: str | None = None) -> dict:
        """An account, its balances, guardians, pending recovery and purpose keys (verified)."""
        return self.read(key, f"/v1/account/{account_id or key.account}")

    def next_nonce(self, key: SecretKey, account_id: str | None = None) -> int:
        return int(self.account(key, account_id)["account"]["next_nonce"])

    def open_account(
        self,
        registrar: SecretKey,
        public_key,
        identity_record: bytes | None = None,
        label: str = "",
        role: str = "user",
        subledger: str | None = None,
        salt: bytes | None = None,
        kyc: dict | None = None,
    ) -> tuple[str, Finalized, bytes | None]:
        """The registrar opens an account for ``public_key`` after an identity check. Only a
        salted commitment to ``identity_record`` goes on the ledger; the returned salt is kept
        off-ledger with the record. ``kyc``: the account's KYC record
        (:func:`vellum_sdk.bodies.kyc_terms`: tier, expiry, screening commitment), which needs an
        ``identity_record``. Returns (account id, finalized, salt)."""
        commitment = None
        if identity_record is not None:
            salt = salt or os.urandom(KYC_SALT_BYTES)
            commitment = kyc_commitment(salt, identity_record)
        body = bodies.open_account(public_key, commitment, label, role, subledger, kyc)
        account_id = PublicKey.parse(body["public_key"]).account_id()
        return account_id, self.send(registrar, body), salt

    def set_kyc(self, registrar: SecretKey, account: str, terms: dict) -> Finalized:
        """A registrar (re-)verifies an account's identity: ``terms``
        (:func:`vellum_sdk.bodies.kyc_terms`) replace its KYC record."""
        return self.send(registrar, bodies.set_kyc(account, terms))

    def set_account_status(self, key: SecretKey, account: str, status: str, reason: str) -> Finalized:
        """Freeze (``frozen``), unfreeze (``active``) or revoke (``revoked``) an account."""
        return self.send(key, bodies.set_account_status(account, status, reason))

    def set_key_expiry(
        self, keys: SecretKey | Sequence[SecretKey], key: PublicKey | SecretKey | str, expires_ms: int, sender: str | None = None
    ) -> Finalized:
        """The account (signed by ``keys``, for ``sender``) sets the block time (ms) from which
        its signer key ``key`` stops signing (:func:`vellum_sdk.bodies.set_key_expiry`; ``0``
        lifts it); signatures by the key are refused from then on (``key_expired``)."""
        return self.send(keys, bodies.set_key_expiry(key, expires_ms), sender)

    def reads(self, key: SecretKey, account_id: str | None = None) -> dict:
        """``GET /v1/account/{id}/reads`` (signed, by whoever may read the account; this read is
        recorded too): who read the account's data — ``{account, finalized: [{record, node,
        tx_id, height}], pending: [record]}``, each record a ``ReadRecord`` (``owner``,
        ``action``, ``item``, ``reader``, ``allowed``, ``time_ms``). ``finalized`` is on the ledger
        (agreed by f + 1 validators); ``pending`` is what the answering node recorded but has not
        yet finalized (its own)."""
        return self.read(key, f"/v1/account/{account_id or key.account}/reads", reads_key)

    # --- proofs -------------------------------------------------------------------------------

    def register_documents(
        self,
        issuer: SecretKey,
        documents: Sequence[tuple[str, bytes]],
        salted: bool = False,
        metadata: bytes = b"",
        schema: str = SCHEMA_WHOLE_FILE,
        store_members: bool = False,
        holders: Sequence[str | None] | None = None,
    ) -> Registration:
        """Registers one document (``register_proof``) or several as one batch
        (``register_batch``), from ``(name, document bytes)``; returns the proof id and the
        manifest (as ``vellum proof register`` writes it: keep it to make bundles).

        ``store_members``: hand a batch's registered digests to the network afterwards
        (:meth:`store_batch_members`), so that bundles survive the loss of the manifest;
        ``holders``: one account (or ``None``) per document, who may then read its bundle (for
        a batch this implies ``store_members``, as ``vellum proof register --holder``)."""
        if holders is not None and len(holders) != len(documents):
            raise VellumError(f"give one holder (or None) per document ({len(documents)}), in their order")
        docs = prepare_documents([(name, sha256(data)) for name, data in documents], salted)
        body = registration_body(docs, salted, sha256(metadata), schema)
        done = self.send(issuer, body)
        pid = proof_id(done.tx_id)
        manifest = Manifest(pid, done.tx_id, schema, salted, len(docs) > 1, docs)
        reg = Registration(pid, done, manifest)
        if manifest.batch and (store_members or holders is not None):
            reg.handed_over = self.store_batch_members(issuer, pid, manifest.leaves(), holders)
        elif not manifest.batch and holders is not None and holders[0] is not None:
            reg.handed_over = [self.add_holders(issuer, pid, [holders[0]])]
        return reg

    def store_batch_members(
        self, key: SecretKey, proof: str, members: Sequence[bytes | str], holders: Sequence[str | None] | None = None
    ) -> list[Finalized]:
        """Hands a batch's members to the network (``store_batch_members``): every member's
        registered digest (``Manifest.leaves()``: the salted commitments of a salted batch,
        never the salts) in batch order, with its holder (or ``None``), in chunks of at most
        200 members from member 0 (each chunk's ``first`` is its first index). The ledger
        checks the whole list against the registered root when the last chunk completes it
        (``batch_root_mismatch``). Returns each chunk's transaction."""
        digests = [m.hex() if isinstance(m, bytes) else m for m in members]
        if holders is not None and len(holders) != len(digests):
            raise VellumError(f"give one holder (or None) per member ({len(digests)}), in batch order")
        listed = [{"digest": d, "holder": holders[i] if holders is not None else None} for i, d in enumerate(digests)]
        if not listed:
            raise VellumError("a batch has at least one member")
        chunks = [bodies.store_batch_members(proof, first, listed[first : first + BATCH_MEMBERS_PER_TX_MAX]) for first in range(0, len(listed), BATCH_MEMBERS_PER_TX_MAX)]
        return [self.send(key, body) for body in chunks]

    def add_holders(self, key: SecretKey, proof: str, holders: Sequence[str], member: int | None = None) -> Finalized:
        """Names holders (1..=16 accounts) of a registration (``member=None``: of every member)
        or of one batch member; they read its bundle and stored original (audited)."""
        return self.send(key, bodies.add_holders(proof, holders, member))

    def delete_original(self, key: SecretKey, proof: str, member: int = 0) -> Finalized:
        """The registrant deletes the stored original of a registration (``member=0``) or of
        one batch member (``delete_original``, :func:`vellum_sdk.bodies.delete_original`):
        every validator destroys its copy as it applies the block; the proof stays verifiable.
        A second deletion is refused (``original_already_deleted``)."""
        return self.send(key, bodies.delete_original(proof, member))

    def find_proofs(self, key: SecretKey, digest: bytes | str) -> dict:
        """``GET /v1/proofs?digest=`` (signed, agreed; every lookup audited): the registrations
        of a registered digest or batch root the caller may read (``proofs``), and the batch
        members registered with it (``members``: ``[{proof_id, member}]``; batches whose
        members are on the network). A salted member's registered digest is the salted one."""
        d = digest.hex() if isinstance(digest, bytes) else parse_hex(digest, 32, "digest").hex()
        return self.read(key, f"/v1/proofs?digest={d}")

    def fetch_bundle_by_id(
        self,
        key: SecretKey,
        proof: str,
        member: int | None = None,
        document: bytes | None = None,
        salt: bytes | str | None = None,
        check: bool = True,
    ) -> bytes:
        """A bundle without the manifest, as a holder (or the registrant) gets it: the node
        fills in a batch member's digest and path when the batch's members are on the network
        (:meth:`store_batch_members`). ``document`` (and, for a salted registration, the
        ``salt`` the issuer gave the holder) adds the document opening. Verified offline
        against the pinned genesis (and the document) before it is returned."""
        proof = parse_hex(proof, 32, "proof").hex()
        path = f"/v1/proof/{proof}/bundle" + (f"?member={member}" if member is not None else "")
        b = decode_bundle(self._binary(key, path))
        m = b["member"]
        if m is not None and not m["batch_proof"] and m["leaf"] == "00" * 32:
            raise VellumError("the network does not hold this batch's members (not handed over?): complete the bundle from the issuer's manifest (fetch_bundle)")
        if document is not None or salt is not None:
            if document is None:
                raise VellumError("a salt opens a document: give the document too")
            salt_bytes = bytes.fromhex(salt) if isinstance(salt, str) else salt
            open_document(b, sha256(document), salt_bytes)
        data = encode_bundle(b)
        if check:
            verify_bundle(data, document, self.genesis_hash)
        return data

    def revoke_proof(self, key: SecretKey, proof: str, reason: str, member: int | None = None) -> Finalized:
        """Final. ``reason`` is a reason code (``issued_in_error``, ...; free text is refused
        with :class:`InvalidContent` before anything is signed)."""
        return self.send(key, bodies.revoke_proof(proof, reason, member))

    def supersede_proof(self, key: SecretKey, proof: str, by: str) -> Finalized:
        return self.send(key, bodies.supersede_proof(proof, by))

    def suspend_proof(self, key: SecretKey, proof: str, reason: str, member: int | None = None) -> Finalized:
        """Suspends a registration (or one batch member) until :meth:`reinstate_proof`;
        ``reason`` is a reason code (``under_investigation``, ``certificate_hold``, ...)."""
        return self.send(key, bodies.suspend_proof(proof, reason, member))

    def reinstate_proof(self, key: SecretKey, proof: str, member: int | None = None) -> Finalized:
        """Ends a suspension."""
        return self.send(key, bodies.reinstate_proof(proof, member))

    def revoke_issuer(self, compliance: SecretKey, issuer: str, from_height: int, reason: str) -> Finalized:
        """Compliance revokes everything ``issuer`` registered at or after ``from_height`` and
        stops it registering. Large revocations take several transactions: while
        :meth:`issuer_revocation` shows ``complete: false``, call this again."""
        return self.send(compliance, bodies.revoke_issuer(issuer, from_height, reason))

    def issuer_revocation(self, issuer: str) -> dict | None:
        """``GET /v1/issuer/{account}/revocation`` (verified): ``{issuer, from_height, reason,
        actor, tx, height, time_ms, revoked, complete}``, or ``None`` if the issuer is not
        revoked."""
        try:
            return self.read(None, f"/v1/issuer/{parse_hex(issuer, 32, 'issuer').hex()}/revocation")
        except NodeError as e:
            if e.code == "not_revoked":
                return None
            raise

    # --- issuer identity ----------------------------------------------------------------------

    def attest_issuer(
        self,
        registrar: SecretKey,
        issuer: str,
        name: str,
        domain: str,
        *,
        x509: bytes | str | os.PathLike | None = None,
        well_known_url: str | None = None,
        ca_file: str | os.PathLike | None = None,
        sender: str | None = None,
    ) -> Finalized:
        """A registrar attests who the issuer account is (``attest_issuer``), as ``vellum issuer
        attest``: fetches ``https://DOMAIN/.well-known/vellum-issuer.json`` (or
        ``well_known_url``, https only) over verified TLS (``ca_file``: a CA to trust besides
        the system's), checks that it names ``name`` and lists ``issuer`` for this chain, and
        records its SHA-256 (and ``x509``'s, a PEM or DER certificate or its file). Raises
        :class:`vellum_sdk.issuers.WellKnownError` when the document does not vouch for the
        account, before anything is signed."""
        issuer = parse_hex(issuer, 32, "issuer").hex()
        x509_digest = None if x509 is None else x509_sha256(x509)
        bodies.issuer_profile(name, domain, "00" * 32, x509_digest)  # the shape, before fetching
        data, url = fetch_well_known(domain, well_known_url, ca_file)
        try:
            check_lists(data, name, self.chain_id, self._pinned_genesis(), issuer)
        except WellKnownError as e:
            raise WellKnownError(f"the document at {url} does not vouch for this account: {e}", url) from None
        profile = bodies.issuer_profile(name, domain, sha256(data).hex(), x509_digest)
        return self.send(registrar, bodies.attest_issuer(issuer, profile), sender)

    def revoke_attestation(self, key: SecretKey, issuer: str, reason: str = "affiliation_changed") -> Finalized:
        """A registrar or compliance withdraws an issuer's attestation (``reason``: a reason
        code). Bundles and status proofs made afterwards carry the withdrawal."""
        return self.send(key, bodies.revoke_attestation(issuer, reason))

    def issuer_attestation(self, issuer: str) -> dict | None:
        """``GET /v1/issuer/{account}`` (public, agreed by f + 1 validators): ``{issuer,
        profile: {name, domain, x509_sha256, well_known_sha256}, attested_by, tx, height,
        time_ms, revoked: null | {by, reason, tx_id, height, time_ms}}``, or ``None`` when no
        identity was attested for the account (``not_attested``)."""
        try:
            return self.read(None, f"/v1/issuer/{parse_hex(issuer, 32, 'issuer').hex()}")
        except NodeError as e:
            if e.code == "not_attested":
                return None
            raise

    def check_issuer(self, issuer: str, *, well_known_url: str | None = None, ca_file: str | os.PathLike | None = None) -> dict:
        """Re-checks an attestation (``vellum issuer check``): fetches the issuer's document
        again; ``still_listed`` (it still names the issuer and lists the account),
        ``document_unchanged`` (same SHA-256 as attested), ``attestation_revoked``,
        ``problem`` (why it no longer vouches, or ``None``)."""
        a = self.issuer_attestation(issuer)
        if a is None:
            raise VellumError(f"issuer {issuer} has no attested identity")
        name, domain = a["profile"]["name"], a["profile"]["domain"]
        data, url = fetch_well_known(domain, well_known_url, ca_file)
        problem = None
        try:
            check_lists(data, name, self.chain_id, self._pinned_genesis(), a["issuer"])
        except WellKnownError as e:
            problem = str(e)
        return {
            "issuer": a["issuer"],
            "name": name,
            "domain": domain,
            "well_known_url": url,
            "still_listed": problem is None,
            "document_unchanged": a["profile"]["well_known_sha256"] == sha256(data).hex(),
            "attestation_revoked": a["revoked"] is not None,
            "problem": problem,
        }

    def issuer_well_known(self, account: str, name: str) -> dict:
        """The document an issuer publishes at ``https://DOMAIN/.well-known/vellum-issuer.json``
        for ``account`` on this chain (``vellum issuer well-known``)."""
        return well_known_document(name, self.chain_id, self._pinned_genesis(), parse_hex(account, 32, "account").hex())

    def _pinned_genesis(self) -> str:
        if not self.genesis_hash:
            raise VellumError("an issuer's document names the chain's genesis hash: give the client one (client.toml's genesis_hash)")
        return self.genesis_hash

    def fetch_status(self, proof: str, member: int | None = None) -> bytes:
        """The status proof (``GET /v1/status/{proof}[?member=N]``, no authentication) of a
        registration or one batch member: asked of every validator, each answer verified
        against the pinned genesis hash and checked to be for this proof and member, and the
        freshest valid one (highest header) returned — a lagging or faulty validator cannot
        hide a newer status. :class:`NoValidAnswer` lists each validator's failure when none
        gave a valid one. Read it with :meth:`verify_status`."""
        if not self.genesis_hash:
            raise VellumError("a status proof is checked against the pinned genesis hash: give the client one (client.toml's genesis_hash)")
        proof = parse_hex(proof, 32, "proof").hex()
        if member is not None and (isinstance(member, bool) or not isinstance(member, int) or not 0 <= member < 1 << 32):
            raise VellumError(f"a batch member index is a u32, got {member!r}")
        path = f"/v1/status/{proof}" + (f"?member={member}" if member is not None else "")

        def check(data: bytes) -> tuple[int, VerifiedStatus]:
            v = verify_status_proof(data, self.genesis_hash)
            if v.proof_id != proof or v.member_index != member:
                raise VellumError(f"a status proof for another registration or member ({v.proof_id}, member {v.member_index})")
            return v.height, v

        data, _ = self.pool.freshest(path, check)
        return data

    def verify_status(self, data: bytes) -> VerifiedStatus:
        """Offline verification of a status proof against the pinned genesis hash."""
        return verify_status_proof(data, self.genesis_hash)

    def proof(self, key: SecretKey, proof: str) -> dict:
        """A registration's record and status (verified): ``history`` lists every status change
        (``change``, ``actor``, ``tx``, ``height``, ``time_ms``, ``reason``/``by``) and
        ``member_history`` the batch members'; with the answering node's audit trail of reads."""
        return self.read(key, f"/v1/proof/{proof}", proof_key)

    def fetch_bundle(self, key: SecretKey, manifest: Manifest, document: int = 0, check: bool = True) -> bytes:
        """The evidence bundle of one document of a registration, completed from the manifest
        (batch path, salt) and verified offline against the pinned genesis before it is
        returned (as ``vellum proof bundle``)."""
        member = document if manifest.batch else None
        path = f"/v1/proof/{manifest.proof_id}/bundle" + (f"?member={member}" if member is not None else "")
        b = decode_bundle(self._binary(key, path))
        if manifest.batch:
            fill_member(b, manifest.leaves())
        d = manifest.documents[document]
        open_document(b, bytes.fromhex(d.sha256), bytes.fromhex(d.salt) if d.salt else None)
        data = encode_bundle(b)
        if check:
            verify_bundle(data, None, self.genesis_hash)
        return data

    def verify_bundle(self, data: bytes, document: bytes | None = None, witnesses: WitnessPolicy | None = None) -> VerifiedBundle:
        """Offline verification against the pinned genesis hash (and, with ``witnesses``, a
        witness policy: step 10)."""
        return verify_bundle(data, document, self.genesis_hash, witnesses=witnesses)

    # --- payments -----------------------------------------------------------------------------

    def rate(self, from_token: str, to_token: str) -> dict:
        """The governed conversion rate and its version (quote it in a leg)."""
        return self.read(None, f"/v1/rate/{from_token}/{to_token}")["rate"]

    def conversion_leg(self, to: str, token: str, amount: int | str, convert_to: str) -> dict:
        """A leg converted at the current governed rate, quoting its version."""
        return bodies.leg(to, token, amount, convert_to, int(self.rate(token, convert_to)["version"]))

    def transfer(self, key: SecretKey | Sequence[SecretKey], legs: Sequence[dict], reference: str | None = None, sender: str | None = None) -> Finalized:
        """Pays every leg atomically (see :func:`bodies.leg`)."""
        return self.send(key, bodies.transfer(legs, reference), sender)

    def payment(self, key: SecretKey, tx_id: str) -> dict:
        """What a finalized payment did (verified)."""
        return self.read(key, f"/v1/payment/{tx_id}")

    def fetch_receipt(self, key: SecretKey, tx_id: str) -> bytes:
        """A payment's receipt, verified offline against the pinned genesis before returning."""
        data = self._binary(key, f"/v1/payment/{tx_id}/receipt")
        verify_receipt(data, self.genesis_hash)
        return data

    def verify_receipt(self, data: bytes, witnesses: WitnessPolicy | None = None) -> VerifiedReceipt:
        return verify_receipt(data, self.genesis_hash, witnesses=witnesses)

    def holds(self, key: SecretKey, pending: bool = True) -> list[dict]:
        return self.read(key, f"/v1/holds?pending={'true' if pending else 'false'}")["holds"]

    def decide_hold(self, key: SecretKey, hold: int, post: bool, reason: str) -> Finalized:
        """Compliance posts (the legs move) or voids a held transfer."""
        return self.send(key, bodies.decide_hold(hold, post, reason))

    # --- recovery -----------------------------------------------------------------------------

    def set_guardians(self, key: SecretKey | Sequence[SecretKey], guardians: Sequence[str], threshold: int, delay_blocks: int) -> Finalized:
        return self.send(key, bodies.set_guardians(guardians, threshold, delay_blocks))

    def propose_recovery(self, guardian: SecretKey, account: str, signers, threshold: int) -> Finalized:
        return self.send(guardian, bodies.propose_recovery(account, signers, threshold))

    def execute_recovery(self, key: SecretKey, account: str) -> Finalized:
        return self.send(key, bodies.execute_recovery(account))

    def cancel_recovery(self, key: SecretKey | Sequence[SecretKey]) -> Finalized:
        return self.send(key, bodies.cancel_recovery())

    # --- governance ---------------------------------------------------------------------------

    def propose(self, keys: SecretKey | Sequence[SecretKey], action: dict, sender: str | None = None, deadline_blocks: int = bodies.PROPOSAL_DEADLINE_BLOCKS) -> dict:
        """A council member account proposes ``action`` (its approval counts); returns the
        proposal as the node lists it (``status.state``: executed, open or failed)."""
        keys = [keys] if isinstance(keys, SecretKey) else list(keys)
        sender = sender or keys[0].account
        _, height = self.chain()
        done = self.send(keys, bodies.propose(action, height + deadline_blocks), sender)
        return self._proposal_of(sender, done, action["action"])

    def vote(self, keys: SecretKey | Sequence[SecretKey], proposal: int, sender: str | None = None) -> dict:
        keys = [keys] if isinstance(keys, SecretKey) else list(keys)
        sender = sender or keys[0].account
        self.send(keys, bodies.vote(proposal), sender)
        deadline = time.monotonic() + READ_AFTER_WRITE_WAIT_S
        while True:
            p = self._read_proposal(keys[0], proposal)
            # Validators agreeing on a read may be a block behind the vote: read until it shows.
            if sender in p.get("approvals", []) or time.monotonic() >= deadline:
                return p
            time.sleep(POLL_INTERVAL_S)

    def _read_proposal(self, key: SecretKey, proposal: int) -> dict:
        """A proposal, read anonymously; one that sets monitoring rules or roles is for the
        council and oversight only (401 anonymous), so it is read again signed by ``key``."""
        path = f"/v1/governance/proposal/{proposal}"
        try:
            return self.read(None, path)["proposal"]
        except NodeError as e:
            if e.status != 401:
                raise
            return self.read(key, path)["proposal"]

    def _proposal_of(self, sender: str, done: Finalized, kind: str) -> dict:
        deadline = time.monotonic() + READ_AFTER_WRITE_WAIT_S
        while True:
            listed = self.read(None, "/v1/governance/proposals?limit=100")["proposals"]
            for p in listed:
                if p["proposer"] == sender and p["created_height"] == done.height and p["action"]["action"] == kind:
                    if p["status"]["state"] == "failed":
                        raise NodeError(p["status"].get("code", "failed"), f"proposal {p['id']} reached the threshold but failed: {p['status'].get('message', '')}")
                    return p
            # Validators agreeing on a read may be a block behind the proposal: read until it shows.
            if time.monotonic() >= deadline:
                raise VellumError(f"the proposal of transaction {done.tx_id} (height {done.height}) is not listed by the validators")
            time.sleep(POLL_INTERVAL_S)

    # --- multi-party signing ------------------------------------------------------------------

    def build_tx_file(self, reader: SecretKey, body: dict, sender: str | None = None, nonce: int | None = None) -> TxFile:
        """An unsigned transaction file for ``sender`` (default: ``reader``'s account) with
        chain, nonce (the account's next unless given), expiry and the account's signer set
        filled in (``vellum tx build``). ``reader`` is one of the sender's keys: it reads the
        account as the sender, whichever account its key derives."""
        sender = sender or reader.account
        chain_id, height = self.chain()
        account = self.account(_as_sender(reader, sender))["account"]
        if nonce is None:
            nonce = int(account["next_nonce"])
        return TxFile(UnsignedTx(chain_id, sender, nonce, height + EXPIRY_BLOCKS, body), signer_set=account["signers"])

    def submit_tx_file(self, tx_file: TxFile, reader: SecretKey, timeout: float = FINALITY_TIMEOUT_S) -> Finalized:
        """Checks the signatures against the sender's current signer set (read with
        ``reader``, one of the sender's keys, as the sender) and their weight against its
        threshold, then submits and waits (``vellum tx submit --key``)."""
        u = tx_file.unsigned
        if u.chain_id != self.chain_id:
            raise ChainMismatch(f"the file is for chain {u.chain_id}, the validators run {self.chain_id}")
        account = self.account(_as_sender(reader, u.sender))["account"]
        tx = tx_file.with_signer_set(account["signers"]).transaction()
        self.submit(tx)
        return self.wait_final(tx, timeout)

    # --- events -------------------------------------------------------------------------------

    def events(self, key: SecretKey | None = None, after: int | None = None, until: float | None = None) -> EventStream:
        """Finalized blocks (and, signed with ``key``, the account's own transactions,
        payments, holds and proofs), resumed on another validator when one fails.
        ``until``: a ``time.monotonic()`` deadline ending the iteration."""
        def headers(path: str) -> dict[str, str]:
            return signed_headers(key, self.chain_id, "GET", path) if key else {}

        return EventStream(self.pool.nodes, self.pool.preferred, headers, after, until)


def _as_sender(key: SecretKey, sender: str) -> SecretKey:
    """``key`` signing read requests as ``sender``: a key of a k-of-n account (or a rotated
    key) signs for that account, which is not the one its public key derives."""
    if key.account == sender:
        return key
    return SecretKey(key.scheme, key.secret_bytes(), sender)

"""Issuer identity (docs/evidence-format.md §6a "Issuer identity"): the document an issuer
publishes at ``https://DOMAIN/.well-known/vellum-issuer.json`` to bind its accounts to its
domain, fetched over verified HTTPS only, and checked before a registrar attests the account
(as ``vellum issuer attest`` / ``check`` / ``well-known``, crates/cli/src/issuer.rs)::

    {"vellum_issuer": 1, "name": "Example University",
     "accounts": [{"chain_id": "vellum-devnet", "genesis_hash": "<64 hex>", "account": "<64 hex>"}]}
"""

from __future__ import annotations

import json
import os
import ssl
import urllib.error
import urllib.request
from pathlib import Path

from .encoding import sha256
from .errors import VellumError, WellKnownError

#: Where an issuer publishes the document that binds its accounts to its domain.
WELL_KNOWN_PATH = "/.well-known/vellum-issuer.json"
#: Version of the well-known document format.
WELL_KNOWN_VERSION = 1
#: Largest well-known document read.
WELL_KNOWN_BYTES_MAX = 64 * 1024
#: Whole-fetch bound (as the CLI).
WELL_KNOWN_TIMEOUT_S = 10.0

_DOCUMENT_FIELDS = {"vellum_issuer", "name", "accounts"}
_ACCOUNT_FIELDS = {"chain_id", "genesis_hash", "account"}


def well_known_url(domain: str) -> str:
    return f"https://{domain}{WELL_KNOWN_PATH}"


def well_known_document(name: str, chain_id: str, genesis_hash: str, account: str) -> dict:
    """The document an issuer publishes at ``https://DOMAIN/.well-known/vellum-issuer.json``
    for one account on one chain (``vellum issuer well-known``)."""
    return {
        "vellum_issuer": WELL_KNOWN_VERSION,
        "name": name,
        "accounts": [{"chain_id": chain_id, "genesis_hash": genesis_hash.lower(), "account": account.lower()}],
    }


class _HttpsOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to another https URL (never a downgrade to plain HTTP)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not newurl.startswith("https://"):
            raise WellKnownError(f"{req.full_url} redirects to {newurl}: the well-known document is fetched over https only", req.full_url)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch_well_known(domain: str, url: str | None = None, ca_file: str | os.PathLike | None = None, timeout: float = WELL_KNOWN_TIMEOUT_S) -> tuple[bytes, str]:
    """The issuer's document and where it was fetched: ``https://DOMAIN/.well-known/…`` (or
    ``url``, which must be https), with the certificate verified against the system's roots
    and, when given, the CA certificate in ``ca_file`` (PEM)."""
    url = url or well_known_url(domain)
    if not url.startswith("https://"):
        raise WellKnownError(f"{url}: the well-known document is fetched over https only", url)
    context = ssl.create_default_context()
    if ca_file is not None:
        try:
            context.load_verify_locations(cafile=os.fspath(ca_file))
        except (OSError, ssl.SSLError) as e:
            raise WellKnownError(f"{ca_file}: not a PEM CA certificate: {e}", url) from None
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), _HttpsOnlyRedirects())
    try:
        with opener.open(urllib.request.Request(url, headers={"accept": "application/json"}), timeout=timeout) as resp:
            if resp.status != 200:
                raise WellKnownError(f"{url} answered HTTP {resp.status}", url)
            data = resp.read(WELL_KNOWN_BYTES_MAX + 1)
    except urllib.error.HTTPError as e:
        raise WellKnownError(f"{url} answered HTTP {e.code}", url) from None
    except (urllib.error.URLError, OSError, ssl.SSLError) as e:
        raise WellKnownError(f"cannot fetch {url}: {getattr(e, 'reason', e)}", url) from None
    if len(data) > WELL_KNOWN_BYTES_MAX:
        raise WellKnownError(f"{url}: the document is larger than {WELL_KNOWN_BYTES_MAX} bytes", url)
    return data, url


def check_lists(data: bytes, name: str, chain_id: str, genesis_hash: str, account: str) -> None:
    """The document names the issuer ``name`` and lists ``account`` on this chain (its chain
    id and genesis hash). Raises :class:`WellKnownError`."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise WellKnownError(f"not a Vellum issuer document: {e}") from None
    if not isinstance(doc, dict) or set(doc) != _DOCUMENT_FIELDS or not isinstance(doc["accounts"], list):
        raise WellKnownError("not a Vellum issuer document (fields vellum_issuer, name, accounts)")
    version = doc["vellum_issuer"]
    if isinstance(version, bool) or not isinstance(version, int) or version != WELL_KNOWN_VERSION:
        raise WellKnownError(f"document version {version!r} (this client knows {WELL_KNOWN_VERSION})")
    if doc["name"] != name:
        raise WellKnownError(f"it names the issuer {doc['name']!r}, not {name!r}")
    want = {"chain_id": chain_id, "genesis_hash": genesis_hash.lower(), "account": account.lower()}
    for a in doc["accounts"]:
        if not isinstance(a, dict) or set(a) != _ACCOUNT_FIELDS or not all(isinstance(v, str) for v in a.values()):
            raise WellKnownError("not a Vellum issuer document (each account has chain_id, genesis_hash, account)")
    if want not in doc["accounts"]:
        raise WellKnownError(f"it does not list account {account} on chain {chain_id} (genesis {genesis_hash})")


def x509_sha256(certificate: bytes | str | os.PathLike) -> str:
    """SHA-256 (hex) of an X.509 certificate's DER bytes, from PEM or DER bytes or a file."""
    data = certificate if isinstance(certificate, bytes) else Path(certificate).read_bytes()
    if data.lstrip().startswith(b"-----BEGIN"):
        try:
            data = ssl.PEM_cert_to_DER_cert(data.decode("ascii").strip())
        except (UnicodeDecodeError, ValueError) as e:
            raise VellumError(f"not a PEM certificate: {e}") from None
    return sha256(data).hex()

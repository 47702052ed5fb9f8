"""Multi-party transaction files: a 2-of-3 account whose three keys (one per scheme) live in three
separate keystores sign one transaction on their own, the files are combined, and every refusal
of docs/wire-format.md §14 is a typed error before anything is submitted."""

from __future__ import annotations

import json

import pytest

from vellum_sdk import Cost, SecretKey, TxFile, UnsignedTx, bodies, load_key, save_keystore
from vellum_sdk.errors import DuplicateSigner, ForeignSignature, InsufficientWeight, InvalidContent, TxFileError, UnauthorizedSigner
from vellum_sdk.keys import KDF_MEMORY_KIB_MIN

PASSWORD = "treasury officer"
CHAIN = "vellum-test"


@pytest.fixture
def officers(tmp_path):
    """Three officers, each with a keystore of their own (Ed25519, secp256k1, P-256)."""
    paths = []
    for i, scheme in enumerate(("ed25519", "secp256k1", "p256")):
        path = tmp_path / f"officer-{i}.json"
        save_keystore(path, SecretKey.generate(scheme), PASSWORD, Cost(KDF_MEMORY_KIB_MIN, 1, 1))
        paths.append(path)
    return paths


@pytest.fixture
def treasury(officers):
    keys = [load_key(p, PASSWORD) for p in officers]
    signer_set = bodies.signer_set([(k, 1) for k in keys], 2)
    unsigned = UnsignedTx(CHAIN, keys[0].account, 4, 1000, bodies.transfer([bodies.leg("cd" * 32, "EUR", 500)]))
    return signer_set, TxFile(unsigned)


def test_two_of_three_sign_on_their_own_machines(tmp_path, officers, treasury):
    signer_set, built = treasury
    built.save(tmp_path / "tx.json")
    files = []
    for i in (0, 2):
        # Each officer reads the shared file, sees what it signs, signs, and writes their copy.
        mine = TxFile.load(tmp_path / "tx.json")
        assert "transfer" in mine.describe() and mine.unsigned.id() in mine.describe()
        mine.sign(load_key(officers[i], PASSWORD))
        mine.save(tmp_path / f"signed-{i}.json")
        files.append(TxFile.load(tmp_path / f"signed-{i}.json"))
    with pytest.raises(InsufficientWeight) as short:
        files[0].check_weight(signer_set)
    assert (short.value.weight, short.value.threshold) == (1, 2)
    combined = TxFile.combine(*files)
    assert combined.check_weight(signer_set) == 2
    tx = combined.transaction()
    assert [str(k) for k in tx.verify()] == [signer_set["signers"][0]["key"], signer_set["signers"][2]["key"]]
    # Combining again with a file that already carries a signature keeps one copy of it.
    assert len(TxFile.combine(combined, files[1]).signatures) == 2


def test_refusals_before_submission(officers, treasury):
    signer_set, built = treasury
    keys = [load_key(p, PASSWORD) for p in officers]
    signed = TxFile.loads(built.dumps())
    signed.sign(keys[1])
    with pytest.raises(DuplicateSigner):
        TxFile.loads(signed.dumps()).sign(keys[1])
    other = UnsignedTx(CHAIN, keys[0].account, 5, 1000, built.unsigned.body)
    with pytest.raises(ForeignSignature, match="another transaction"):
        TxFile.loads(built.dumps()).add(other.sign(keys[2]))
    with pytest.raises(ForeignSignature):
        TxFile.combine(signed, TxFile(other))
    stranger = TxFile.loads(built.dumps())
    stranger.sign(SecretKey.generate("ed25519"))
    with pytest.raises(UnauthorizedSigner):
        stranger.check_weight(signer_set)
    with pytest.raises(InvalidContent, match="no signature"):
        built.transaction()


def test_malformed_files_are_refused(treasury):
    _, built = treasury
    good = built.to_json()
    with pytest.raises(TxFileError, match="version"):
        TxFile.from_json(dict(good, vellum_tx=2))
    with pytest.raises(TxFileError, match="not the id"):
        TxFile.from_json(dict(good, tx_id="00" * 32))
    with pytest.raises(TxFileError, match="chain_id"):
        TxFile.from_json(dict(good, chain_id="other"))
    with pytest.raises(TxFileError, match="not an encoded transaction"):
        TxFile.from_json(dict(good, unsigned=good["unsigned"][:-2]))
    with pytest.raises(TxFileError, match="not an encoded signature"):
        TxFile.from_json(dict(good, signatures=["07" + "00" * 65]))
    with pytest.raises(TxFileError, match="not a transaction file"):
        TxFile.loads("{not json")
    # The body is informative: the normative content is `unsigned`, whatever `body` says.
    assert TxFile.from_json(dict(good, body={"type": "vote", "proposal": 1})).unsigned.kind == "transfer"
    assert json.loads(built.dumps())["unsigned"] == built.unsigned.wire().hex()

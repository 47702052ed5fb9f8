"""Multi-party transaction files: a 2-of-3 account whose three keys (one per scheme) live in three
separate keystores sign one transaction on their own, the files are combined, and every refusal
of docs/wire-format.md §14 is a typed error before anything is submitted."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from vellum_sdk import Cost, SecretKey, Signature, TxFile, UnsignedTx, bodies, load_key, save_keystore
from vellum_sdk.errors import (
    DuplicateSigner,
    ForeignSignature,
    InsufficientWeight,
    InvalidContent,
    NoSignerSet,
    RecoversOutsider,
    RepeatedSignature,
    TxFileError,
    UnauthorizedSigner,
)
from vellum_sdk.keys import KDF_MEMORY_KIB_MIN, P256_N

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
def keys(officers):
    return [load_key(p, PASSWORD) for p in officers]


@pytest.fixture
def treasury(keys):
    """The 2-of-3 signer set and a file built for it, carrying the set as `vellum tx build` does."""
    signer_set = bodies.signer_set([(k, 1) for k in keys], 2)
    unsigned = UnsignedTx(CHAIN, keys[0].account, 4, 1000, bodies.transfer([bodies.leg("cd" * 32, "EUR", 500)]))
    return signer_set, TxFile(unsigned, signer_set=signer_set)


def _other(built: TxFile) -> UnsignedTx:
    """The same transfer with the next nonce: another transaction."""
    u = built.unsigned
    return UnsignedTx(u.chain_id, u.sender, u.nonce + 1, u.expiry_height, u.body)


def _with_signatures(built: TxFile, *hexes: str, drop_set: bool = False) -> dict:
    """The file's JSON with these signature texts, as a damaged or hand-made file would be."""
    value = dict(built.to_json(), signatures=list(hexes))
    if drop_set:
        del value["signer_set"]
    return value


def test_two_of_three_sign_on_their_own_machines(tmp_path, officers, treasury):
    signer_set, built = treasury
    built.save(tmp_path / "tx.json")
    assert json.loads((tmp_path / "tx.json").read_text())["signer_set"] == signer_set
    files = []
    for i in (1, 2):
        # Each officer reads the shared file, sees what it signs, signs, and writes their copy;
        # the signer set travels with it (the secp256k1 officer's signature needs it).
        mine = TxFile.load(tmp_path / "tx.json")
        assert "transfer" in mine.describe() and mine.unsigned.id() in mine.describe()
        mine.sign(load_key(officers[i], PASSWORD))
        mine.save(tmp_path / f"signed-{i}.json")
        files.append(TxFile.load(tmp_path / f"signed-{i}.json"))
        assert files[-1].signer_set == signer_set
    with pytest.raises(InsufficientWeight) as short:
        files[0].check_weight()
    assert (short.value.weight, short.value.threshold) == (1, 2)
    with pytest.raises(InsufficientWeight):
        files[0].transaction()
    combined = TxFile.combine(*files)
    assert combined.signer_set == signer_set and combined.check_weight(signer_set) == 2
    tx = combined.transaction()
    assert [str(k) for k in tx.verify()] == [signer_set["signers"][1]["key"], signer_set["signers"][2]["key"]]
    # A signature present in several files counts once.
    again = TxFile.combine(combined, files[1], files[0])
    assert again.signatures == combined.signatures and again.check_weight() == 2


def test_the_signer_set_is_taken_from_any_file_when_combining(keys, treasury):
    signer_set, built = treasury
    bare = TxFile(built.unsigned)
    bare.sign(keys[0])
    assert "signer_set" not in bare.to_json()
    with_set = TxFile.loads(built.dumps())
    with_set.sign(keys[2])
    combined = TxFile.combine(bare, with_set)
    assert combined.signer_set == signer_set and TxFile.loads(combined.dumps()).check_weight() == 2


def test_refusals_before_submission(keys, treasury):
    signer_set, built = treasury
    signed = TxFile.loads(built.dumps())
    signed.sign(keys[1])
    with pytest.raises(DuplicateSigner):
        TxFile.loads(signed.dumps()).sign(keys[1])
    other = _other(built)
    with pytest.raises(ForeignSignature, match="another transaction"):
        TxFile.loads(built.dumps()).add(other.sign(keys[2]))
    with pytest.raises(ForeignSignature):
        TxFile.combine(signed, TxFile(other))
    with pytest.raises(InvalidContent, match="no signature"):
        TxFile(built.unsigned).transaction()


def test_a_recoverable_signature_is_checked_only_against_the_signer_set(keys, treasury):
    """Recovery yields some key for any bytes (§14 rule 8)."""
    _, built = treasury
    secp = keys[1]
    # Without the set, a secp256k1 signature can be neither added nor read.
    with pytest.raises(NoSignerSet):
        TxFile(built.unsigned).sign(secp)
    good = built.unsigned.sign(secp).hex()
    with pytest.raises(NoSignerSet) as bare:
        TxFile.from_json(_with_signatures(built, good, drop_set=True))
    assert bare.value.index == 0
    assert TxFile.from_json(_with_signatures(built, good)).signer_keys() == [secp.public_key]
    # Over another transaction it recovers an unrelated key: refused as an outsider's.
    foreign = _other(built).sign(secp)
    with pytest.raises(RecoversOutsider, match="over another transaction, or by an outsider") as wrong:
        TxFile.from_json(_with_signatures(built, foreign.hex()))
    assert wrong.value.index == 0 and wrong.value.key != str(secp.public_key)
    with pytest.raises(RecoversOutsider):
        TxFile.loads(built.dumps()).add(built.unsigned.sign(SecretKey.generate("secp256k1")))
    # A file checked against the ledger's set: a secp256k1 key not in it is refused the same way.
    signed = TxFile.from_json(_with_signatures(built, good))
    with pytest.raises(RecoversOutsider):
        signed.check_weight(bodies.signer_set([(keys[0], 1), (keys[2], 1)], 1))


def test_a_named_key_outside_the_signer_set_is_not_a_signer(keys, treasury):
    _, built = treasury
    stranger = SecretKey.generate("p256")
    with pytest.raises(UnauthorizedSigner, match="not a signer") as refused:
        TxFile.loads(built.dumps()).sign(stranger)
    assert refused.value.key == str(stranger.public_key) and not isinstance(refused.value, RecoversOutsider)
    with pytest.raises(UnauthorizedSigner):
        TxFile.from_json(_with_signatures(built, built.unsigned.sign(SecretKey.generate("ed25519")).hex()))
    # Without a set, a named key is taken as it is (the submitter checks the ledger's set).
    bare = TxFile(built.unsigned)
    bare.sign(stranger)
    with pytest.raises(UnauthorizedSigner):
        bare.check_weight(built.signer_set)


def test_the_same_signature_twice_in_one_file_is_refused(keys, treasury):
    _, built = treasury
    sig = built.unsigned.sign(keys[0]).hex()
    with pytest.raises(RepeatedSignature, match="repeated signature") as twice:
        TxFile.from_json(_with_signatures(built, sig, built.unsigned.sign(keys[2]).hex(), sig))
    assert (twice.value.index, twice.value.first) == (2, 0)
    # Hex case does not make it another signature.
    with pytest.raises(RepeatedSignature):
        TxFile.from_json(_with_signatures(built, sig, sig.upper()))
    with pytest.raises(RepeatedSignature):
        TxFile(built.unsigned, [built.unsigned.sign(keys[0])] * 2)


def test_two_different_signatures_by_one_key_are_a_duplicate_signer(keys, treasury):
    """ECDSA with another nonce: both verify, one key signed twice."""
    _, built = treasury
    p256 = keys[2]
    private = ec.derive_private_key(int.from_bytes(p256.secret_bytes(), "big"), ec.SECP256R1())
    r, s = decode_dss_signature(private.sign(built.unsigned.signing_bytes(), ec.ECDSA(hashes.SHA256())))
    random_nonce = Signature("p256", r.to_bytes(32, "big") + min(s, P256_N - s).to_bytes(32, "big"), public_key=p256.public_key.key)
    deterministic = built.unsigned.sign(p256)
    assert random_nonce != deterministic
    with pytest.raises(DuplicateSigner):
        TxFile.from_json(_with_signatures(built, deterministic.hex(), random_nonce.hex()))
    mine, theirs = TxFile(built.unsigned, [deterministic], built.signer_set), TxFile(built.unsigned, [random_nonce], built.signer_set)
    with pytest.raises(DuplicateSigner):
        TxFile.combine(mine, theirs)


def test_malformed_files_are_refused(keys, treasury):
    _, built = treasury
    good = built.to_json()
    assert TxFile.from_json(good).to_json() == good
    refused = {
        "version": dict(good, vellum_tx=2),
        "an integer": dict(good, vellum_tx=True),
        "must be an integer": dict(good, vellum_tx=1.0),
        "must be an integer,": dict(good, vellum_tx="1"),
        "unknown field": dict(good, comment="pay the supplier"),
        "missing field.*chain_id": {k: v for k, v in good.items() if k != "chain_id"},
        "missing field.*body": {k: v for k, v in good.items() if k != "body"},
        "not the id": dict(good, tx_id="00" * 32),
        "not the id of": dict(good, tx_id=good["tx_id"].upper()),
        "chain_id": dict(good, chain_id="other"),
        "`chain_id` must be a string": dict(good, chain_id=None),
        "not an encoded transaction": dict(good, unsigned=good["unsigned"][:-2]),
        "not hex": dict(good, unsigned=" ".join(good["unsigned"][i : i + 2] for i in range(0, len(good["unsigned"]), 2))),
        "not hex:": dict(good, unsigned=good["unsigned"][:-1] + "g"),
        "not a signer set": dict(good, signer_set={"signers": [], "threshold": "2"}),
        "not an encoded signature": dict(good, signatures=["07" + "00" * 65]),
        "not an encoded signature:": dict(good, signatures=[" " + built.unsigned.sign(keys[0]).hex()]),
        "`signatures` must be a list": dict(good, signatures="none"),
    }
    for message, value in refused.items():
        with pytest.raises(TxFileError, match=message):
            TxFile.from_json(value)
    with pytest.raises(TxFileError, match="not a transaction file"):
        TxFile.loads("{not json")
    # A `signer_set` of null is none, as in Rust.
    assert TxFile.from_json(dict(good, signer_set=None)).signer_set is None
    # The body is informative: the normative content is `unsigned`, whatever `body` says.
    assert TxFile.from_json(dict(good, body={"type": "vote", "proposal": 1})).unsigned.kind == "transfer"
    assert json.loads(built.dumps())["unsigned"] == built.unsigned.wire().hex()


def test_an_unsigned_transaction_breaking_the_shape_rules_is_refused(keys, treasury):
    """Nobody is asked to sign what every node would refuse (UnsignedTx::check_shape)."""
    _, built = treasury
    u = built.unsigned
    bad = {
        "symbol": UnsignedTx(u.chain_id, u.sender, u.nonce, u.expiry_height, {"type": "burn", "token": "eur", "amount": "5"}),
        "positive": UnsignedTx(u.chain_id, u.sender, u.nonce, u.expiry_height, {"type": "burn", "token": "EUR", "amount": "0"}),
        "chain id": UnsignedTx("c" * 65, u.sender, u.nonce, u.expiry_height, u.body),
    }
    for message, unsigned in bad.items():
        file = {"vellum_tx": 1, "chain_id": unsigned.chain_id, "tx_id": unsigned.id(), "unsigned": unsigned.wire().hex(), "body": unsigned.body, "signatures": []}
        with pytest.raises(TxFileError, match=f"shape rules.*{message}"):
            TxFile.from_json(file)
        with pytest.raises(InvalidContent, match=message):
            TxFile(unsigned)

"""Witnesses (docs/evidence-format.md §7a, §10, §4 step 10): checkpoint notes and cosignatures,
RFC 9162 consistency proofs, witness policies (the CLI's file format), bundles version 4 and
receipts version 3 (one encoding each), and every way of bending a witnessed section failing at
step 10 — on bundles made up by ``forge`` (a log long enough for consistency proofs) and on the
published vectors. The Rust reference: crates/evidence/src/witness.rs, checkpoint.rs,
witnessed_tests.rs."""

from __future__ import annotations

import contextlib
import copy
import io
import json

import forge
import pytest
from conftest import EXAMPLES, load_vectors

from vellum_sdk import WitnessPolicy, bodies
from vellum_sdk.__main__ import main as cli_main
from vellum_sdk.checkpoint import (
    EM_DASH,
    Checkpoint,
    NoteError,
    cosignature_key_id,
    key_id,
)
from vellum_sdk.errors import FormatError, InvalidContent, VerifyError
from vellum_sdk.keys import SecretKey
from vellum_sdk.merkle import (
    ProofFailure,
    consistency_proof,
    leaf_hash,
    root,
    verify_consistency,
)
from vellum_sdk.types import GOV_ACTION, STATE_KEY_WITNESS_POLICY
from vellum_sdk.verify import (
    BUNDLE_VERSION_ISSUER,
    BUNDLE_VERSION_WITNESSED,
    RECEIPT_VERSION_WITNESSED,
    decode_bundle,
    decode_receipt,
    encode_bundle,
    encode_receipt,
    verify_bundle,
    verify_bundle_with_status,
    verify_file,
    verify_receipt,
)
from vellum_sdk.witness import (
    CONSISTENCY_HASHES_MAX,
    WITNESSED_NOTE_BYTES_MAX,
    Witness,
    check_witness_policy,
    witnessed_section,
)

ORIGIN = "vellum-forge"


def witness(i: int) -> tuple[str, SecretKey]:
    return f"witness.example/w{i}", SecretKey("ed25519", bytes([40 + i]) * 32)


def policy(*which: int, quorum: int | None = None) -> WitnessPolicy:
    listed = [(witness(i)[0], witness(i)[1].public_key.key) for i in which]
    return WitnessPolicy(tuple(listed), len(listed) if quorum is None else quorum)


def cosigned(leaves: list[bytes], size: int, by: tuple[int, ...] = (1, 2), origin: str = ORIGIN) -> Checkpoint:
    """A checkpoint of the first ``size`` leaves, cosigned by witnesses ``by``."""
    cp = Checkpoint(origin, size, root(leaves[:size]))
    for i in by:
        name, key = witness(i)
        cp.cosign(name, key, 1_700_000_000 + i)
    return cp


def fails_at(step: int, call, *args, **kwargs) -> VerifyError:
    with pytest.raises(VerifyError) as e:
        call(*args, **kwargs)
    assert e.value.step == step, str(e.value)
    return e.value


# --- a made-up chain whose log goes on after the registration -------------------------------


@pytest.fixture(scope="module")
def made():
    """A version-3 bundle of a registration at log leaves 0 (transaction) and 1 (record) in a
    log of 12 leaves; ``covers`` = 2."""
    chain = forge.Chain()
    reg = chain.register(forge.documents(1))
    reg.log_leaves += [leaf_hash(b"a later transaction %d" % i) for i in range(10)]
    snap = chain.at(3, reg)
    value = snap.bundle_value()
    assert encode_bundle(value)[8] == BUNDLE_VERSION_ISSUER
    return chain, reg.log_leaves, value


def with_section(value: dict, section: dict | None) -> dict:
    b = copy.deepcopy(value)
    b["witnessed"] = section
    return b


def test_a_witnessed_bundle_is_version_4_and_verifies_under_a_policy(made):
    chain, leaves, value = made
    covers = value["entry"]["leaf_index"] + 1
    for size in range(covers, len(leaves) + 1):
        section = witnessed_section(cosigned(leaves, size), leaves, covers)
        assert section is not None and (section["consistency"] == []) == (size == len(leaves))
        data = encode_bundle(with_section(value, section))
        assert data[8] == BUNDLE_VERSION_WITNESSED
        assert encode_bundle(decode_bundle(data)) == data, "one encoding"
        v = verify_bundle(data, None, chain.genesis_hash)
        assert (v.witnessed_size, v.witness_cosignatures) == (size, None)
        assert "not checked" in v.witnessed_line()
        v = verify_bundle(data, None, chain.genesis_hash, witnesses=policy(1, 2))
        assert v.witness_cosignatures == 2 and "WITNESSED: 2 cosignatures" in v.witnessed_line()
        assert verify_bundle(data, None, chain.genesis_hash, witnesses=policy(2, 3, quorum=1)).witness_cosignatures == 1
        fails_at(10, verify_bundle, data, None, chain.genesis_hash, witnesses=policy(1, 2, 3))
        fails_at(10, verify_bundle, data, None, chain.genesis_hash, witnesses=policy(3))
    # A checkpoint that misses the record, or is larger than the header's log, is not put in.
    assert witnessed_section(cosigned(leaves, covers - 1), leaves, covers) is None
    assert witnessed_section(cosigned(leaves + [leaf_hash(b"x")], len(leaves) + 1), leaves, covers) is None
    assert witnessed_section(cosigned(leaves, len(leaves), by=()), leaves, covers) is None
    # Without the section: version 3, no witnesses, and a policy cannot be met.
    v = verify_bundle(encode_bundle(value), None, chain.genesis_hash)
    assert v.witnessed is None and v.witnessed_size is None and v.witnessed_line() == "no witness cosignatures in this file"
    e = fails_at(10, verify_bundle, encode_bundle(value), None, chain.genesis_hash, witnesses=policy(1))
    assert e.step_name == "witnesses" and "needs a witnessed file" in e.detail


def test_a_checkpoint_newer_than_the_header_is_checked_from_the_header(made):
    """A checkpoint of a larger log than the header's: the proof goes from the header's log to
    the checkpoint's (10c, "larger")."""
    chain, leaves, value = made
    longer = leaves + [leaf_hash(b"after the header %d" % i) for i in range(7)]
    cp = cosigned(longer, len(longer))
    good = {"note": cp.to_note(), "consistency": [h.hex() for h in consistency_proof(len(leaves), longer)]}
    v = verify_bundle(encode_bundle(with_section(value, good)), None, chain.genesis_hash, witnesses=policy(1, 2))
    assert (v.witnessed_size, v.witness_cosignatures) == (len(longer), 2)
    # The proof the other way round, or of another extension, does not do.
    other = leaves + [leaf_hash(b"another future %d" % i) for i in range(7)]
    for proof in ([], consistency_proof(len(leaves), other), consistency_proof(len(leaves), longer)[:-1]):
        fails_at(10, verify_bundle, encode_bundle(with_section(value, dict(good, consistency=[h.hex() for h in proof]))))


def bent_sections(leaves: list[bytes], covers: int) -> list[tuple[str, dict]]:
    """Every way of bending the section of a checkpoint at ``covers`` (as the Rust
    ``every_bent_witnessed_section_fails_at_step_10``, and more)."""
    good = witnessed_section(cosigned(leaves, covers), leaves, covers)
    note, proof = good["note"], good["consistency"]
    flipped = [p[:-1] + ("0" if p[-1] != "0" else "1") for p in proof]
    rewritten = list(leaves)
    rewritten[0] = b"\xee" * 32
    parsed = Checkpoint.parse(note)
    twice = copy.deepcopy(parsed)
    twice.cosignatures.append(twice.cosignatures[0])
    full = witnessed_section(cosigned(leaves, len(leaves), by=(1,)), leaves, covers)
    short = cosigned(leaves, covers - 1)
    return [
        ("another log's origin", dict(good, note=note.replace(ORIGIN, "vellum-other", 1))),
        ("a consistency proof cut short", dict(good, consistency=proof[1:])),
        ("a proof hash changed", dict(good, consistency=flipped)),
        ("a checkpoint of a rewritten history", witnessed_section(cosigned(rewritten, covers), rewritten, covers)),
        ("no cosignature", dict(good, note=Checkpoint(parsed.origin, parsed.size, parsed.root).to_note())),
        ("a note that is not canonical", dict(good, note=note.replace("\n\n", "\n\n\n", 1))),
        ("a size written with a leading zero", dict(good, note=note.replace(f"\n{covers}\n", f"\n0{covers}\n", 1))),
        ("garbage", {"note": "not a note", "consistency": []}),
        ("a cosignature line twice", dict(good, note=twice.to_note())),
        ("an oversized note", {"note": "x" * (WITNESSED_NOTE_BYTES_MAX + 1), "consistency": []}),
        ("a proof too long", dict(good, consistency=proof + ["00" * 32] * (CONSISTENCY_HASHES_MAX + 1 - len(proof)))),
        ("a same-size checkpoint with a proof", dict(full, consistency=proof)),
        ("a same-size checkpoint of another root", dict(full, note=cosigned(rewritten, len(leaves), by=(1,)).to_note())),
        ("a checkpoint before the record", {"note": short.to_note(), "consistency": [h.hex() for h in consistency_proof(covers - 1, leaves)]}),
    ]


def test_every_bent_witnessed_section_fails_at_step_10(made):
    chain, leaves, value = made
    covers = value["entry"]["leaf_index"] + 1
    for what, section in bent_sections(leaves, covers):
        data = encode_bundle(with_section(value, section))
        e = fails_at(10, verify_bundle, data, None, chain.genesis_hash)
        assert e.step_name == "witnesses", f"{what}: {e}"
    # A cosignature moved to another checkpoint of the same log does not verify.
    moved = cosigned(leaves, covers)
    moved.size, moved.root = 1, leaves[0]
    with pytest.raises(NoteError):
        moved.verify_cosignatures(policy(1, 2).keys(), 1)


def test_one_bundle_one_encoding_across_versions_3_and_4(made):
    chain, leaves, value = made
    v3 = encode_bundle(value)
    claims_4 = v3[:8] + bytes([BUNDLE_VERSION_WITNESSED]) + v3[9:] + b"\x00"
    assert "must carry the witnessed section" in fails_at(1, verify_bundle, claims_4).detail
    v4 = encode_bundle(with_section(value, witnessed_section(cosigned(leaves, len(leaves)), leaves, 2)))
    fails_at(1, verify_bundle, v4[:8] + bytes([BUNDLE_VERSION_ISSUER]) + v4[9:])
    fails_at(1, verify_bundle, v4 + b"\x00")
    fails_at(1, verify_bundle, v4[:-1])
    for cut in range(9, len(v4), 7):
        fails_at(1, verify_bundle, v4[:cut])
    # A version-4 bundle need not carry the issuer section; older versions carry neither.
    no_issuer = encode_bundle(with_section(dict(value, issuer=None), decode_bundle(v4)["witnessed"]))
    assert no_issuer[8] == BUNDLE_VERSION_WITNESSED and encode_bundle(decode_bundle(no_issuer)) == no_issuer
    v = verify_bundle(no_issuer, None, chain.genesis_hash, witnesses=policy(1, 2))
    assert v.issuer is None and v.witness_cosignatures == 2
    v1 = encode_bundle(dict(value, issuer=None))
    assert v1[8] == 1 and decode_bundle(v1)["witnessed"] is None


def test_a_witness_policy_applies_after_the_status_proof(made):
    """Bundle and status proof together: step 9 first, then 10d (as ``vellum verify --status
    S --witnesses P``)."""
    chain, leaves, value = made
    data = encode_bundle(with_section(value, witnessed_section(cosigned(leaves, 2), leaves, 2)))
    reg = forge.Registration(value["record"], forge.documents(1), leaves)
    status = chain.at(9, reg).status_proof()
    v, now = verify_bundle_with_status(data, status, None, chain.genesis_hash, witnesses=policy(1, 2))
    assert v.witness_cosignatures == 2 and now.now_height == 9
    fails_at(10, verify_bundle_with_status, data, status, None, chain.genesis_hash, witnesses=policy(3))
    fails_at(9, verify_bundle_with_status, data, chain.at(2, reg).status_proof(), None, chain.genesis_hash, witnesses=policy(3))
    fails_at(10, verify_file, status, None, chain.genesis_hash, witnesses=policy(1))


# --- the published vectors' files -----------------------------------------------------------


def _vector(name: str) -> dict:
    return next(c for c in load_vectors("evidence")["cases"] if c["name"] == name)


def test_a_witnessed_receipt_is_version_3():
    c = _vector("witnessed receipt (version 3): 2 of 2")
    data, pin = bytes.fromhex(c["file"]), c["pinned_genesis"]
    assert data[8] == RECEIPT_VERSION_WITNESSED
    r = decode_receipt(data)
    assert r["witnessed"] is not None and encode_receipt(r) == data
    v = verify_receipt(data, pin, witnesses=WitnessPolicy.from_json(c["witness_policy"]))
    assert (v.witnessed_size, v.witness_cosignatures) == (c["expect"]["witnessed_size"], c["expect"]["witness_cosignatures"])
    assert verify_file(data, None, pin).witnessed_size == v.witnessed_size
    # The section covers the transaction and its record (leaves tx_index, tx_index + 1).
    assert v.witnessed_size >= r["tx_index"] + 2
    # Without the section: version 1 again; a version-3 file must carry it.
    plain = encode_receipt(dict(r, witnessed=None))
    assert plain == (EXAMPLES / "payment.vellumrc").read_bytes()
    fails_at(1, verify_receipt, plain[:8] + bytes([RECEIPT_VERSION_WITNESSED]) + plain[9:] + bytes(4) + b"\x00", pin)
    fails_at(1, verify_receipt, data + b"\x00", pin)
    fails_at(1, verify_receipt, data[:8] + b"\x04" + data[9:], pin)
    fails_at(10, verify_receipt, plain, pin, witnesses=policy(1))
    for what, bend in [
        ("origin", lambda w: dict(w, note=w["note"].replace("vellum-devnet", "vellum-other", 1))),
        ("proof on a same-size checkpoint", lambda w: dict(w, consistency=["00" * 32])),
        ("not canonical", lambda w: dict(w, note=w["note"] + "\n")),
    ]:
        bent = dict(r, witnessed=bend(r["witnessed"]))
        assert fails_at(10, verify_receipt, encode_receipt(bent), pin).step_name == "witnesses", what


def test_tampered_witnessed_bundle_bytes_fail_at_step_1_or_10():
    """Every byte of the witnessed section of the vectors' version-4 bundle flipped: decoding
    (1) or the witnesses (10) refuses it, with or without the policy; nothing else notices."""
    c = _vector("witnessed bundle (version 4): 2 of 2")
    data, pin = bytes.fromhex(c["file"]), c["pinned_genesis"]
    p = WitnessPolicy.from_json(c["witness_policy"])
    b = decode_bundle(data)
    section = len(encode_bundle(b)) - len(encode_bundle(dict(b, witnessed=None)))  # tag and section
    for i in range(len(data) - section, len(data)):
        bent = bytearray(data)
        bent[i] ^= 0x01
        try:
            verify_bundle(bytes(bent), None, pin, witnesses=p)
        except VerifyError as e:
            assert e.step in (1, 10), f"byte {i}: {e}"
            continue
        pytest.fail(f"byte {i} flipped still verifies under the policy")


# --- notes, cosignatures, consistency -------------------------------------------------------


def test_a_note_cosigned_by_the_rust_witness_verifies_under_its_policy():
    """docs/examples: a version-4 bundle whose witnessed section carries a checkpoint cosigned
    by two witnesses (``vellum witness serve``), and the policy naming them."""
    data = (EXAMPLES / "credential-bundle.vellum").read_bytes()
    pin = (EXAMPLES / "credential-genesis-hash.txt").read_text().strip()
    p = WitnessPolicy.load(EXAMPLES / "credential-witness-policy.txt")
    assert data[8] == BUNDLE_VERSION_WITNESSED
    b = decode_bundle(data)
    note = b["witnessed"]["note"]
    cp = Checkpoint.parse(note)
    # The section carries the witnesses' cosignatures only (the header's certificate vouches
    # for the log), at the header's log size: no consistency proof.
    assert cp.to_note() == note and (cp.size, len(cp.signatures), len(cp.cosignatures)) == (7, 0, 2)
    assert cp.origin == b["genesis"]["chain_id"] and cp.size == b["header"]["log_size"] and cp.root.hex() == b["header"]["log_root"]
    assert b["witnessed"]["consistency"] == []
    assert cp.verify_cosignatures(p.keys(), 2) == 2
    assert [c.key_id for c in cp.cosignatures] == [cosignature_key_id(w.name, w.key) for w in p.witnesses]
    # Cosignatures are not validator signatures (another key type).
    with pytest.raises(NoteError):
        cp.verify(p.keys(), 1)
    assert Checkpoint.parse(cp.without_signatures().to_note()).verify_cosignatures(p.keys(), 2) == 2
    v = verify_bundle(data, None, pin, witnesses=p)
    assert (v.witnessed_size, v.witness_cosignatures) == (7, 2)


def test_notes_round_trip_sign_and_count_distinct_keys():
    keys = [(f"vellum-test/v{i}", SecretKey("ed25519", bytes([i + 1]) * 32)) for i in range(4)]
    public = [(n, k.public_key.key) for n, k in keys]
    cp = Checkpoint("vellum-test", 42, b"\x07" * 32)
    for n, k in keys[:3]:
        cp.sign(n, k)
    cp.cosign(*witness(1), 1_700_000_000)
    note = cp.to_note()
    assert note.startswith("vellum-test\n42\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n\n\u2014 vellum-test/v0 ")
    parsed = Checkpoint.parse(note)
    assert parsed == cp and parsed.verify(public, 3) == 3
    assert parsed.signatures[0].key_id == key_id("vellum-test/v0", public[0][1])
    with pytest.raises(NoteError, match="only 3 valid"):
        parsed.verify(public, 4)
    # A line repeated counts once; a changed text invalidates every signature.
    parsed.signatures.append(parsed.signatures[0])
    assert parsed.verify(public, 3) == 3
    forged = Checkpoint.parse(note.replace("\n42\n", "\n43\n", 1))
    assert forged.verify(public, 0) == 0 and forged.verify_cosignatures(policy(1).keys(), 0) == 0


@pytest.mark.parametrize(
    "note",
    [
        "",
        "garbage",
        "vellum-test\n42\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n",  # no blank line
        "\n42\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n\n",  # no origin
        "vellum-test\n+42\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n\n",
        "vellum-test\n042\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n\n",
        "vellum-test\n18446744073709551616\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n\n",
        "vellum-test\n42\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwd=\n\n",  # non-canonical base64
        "vellum-test\n42\nBwcH\n\n",
        "vellum-test\n42\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\nextension\n\n",
        "vellum-test\n42\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n\n- w AAAA\n",
        "vellum-test\n42\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n\n\u2014 w AAAA\n",  # length
        "vellum-test\n42\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n\n\u2014 w\n",
    ],
)
def test_malformed_notes_are_refused(note):
    with pytest.raises(NoteError):
        Checkpoint.parse(note)


def test_note_limits_and_line_order():
    cp = Checkpoint("vellum-test", 1, b"\x01" * 32)
    _, key = witness(1)
    for t in range(128):
        cp.cosign("w", key, t)
    assert len(Checkpoint.parse(cp.to_note()).cosignatures) == 128
    cp.cosign("w", key, 128)
    with pytest.raises(NoteError, match="more than 128"):
        Checkpoint.parse(cp.to_note())
    name = witness(1)[0]
    # Validators' lines come first: a cosignature before them is not the canonical form.
    cp = Checkpoint("vellum-test", 1, b"\x01" * 32)
    cp.cosign(name, key, 1)
    cp.sign("vellum-test/v0", SecretKey("ed25519", b"\x01" * 32))
    lines = cp.to_note().split("\n")
    swapped = "\n".join(lines[:4] + [lines[5], lines[4]] + lines[6:])
    assert swapped.count(EM_DASH) == 2
    with pytest.raises(NoteError, match="canonical"):
        Checkpoint.parse(swapped)


def test_consistency_proofs():
    leaves = [leaf_hash(bytes([i])) for i in range(33)]
    for n in range(1, len(leaves) + 1):
        for m in range(1, n + 1):
            proof = consistency_proof(m, leaves[:n])
            verify_consistency(m, n, root(leaves[:m]), root(leaves[:n]), proof)
            assert (proof == []) == (m == n)
            for bad in ([b"\x00" * 32] + proof[1:], proof[:-1], proof + [b"\x00" * 32]):
                if bad != proof:
                    with pytest.raises(ProofFailure):
                        verify_consistency(m, n, root(leaves[:m]), root(leaves[:n]), bad)
    with pytest.raises(ProofFailure):
        verify_consistency(0, 3, root([]), root(leaves[:3]), [])
    with pytest.raises(ProofFailure):
        verify_consistency(4, 3, root(leaves[:4]), root(leaves[:3]), [])
    with pytest.raises(ProofFailure):
        verify_consistency(3, 3, root(leaves[:3]), root(leaves[:2]), [])


# --- policies -------------------------------------------------------------------------------

KEY1, KEY2 = "11" * 32, "22" * 32


def test_policy_files():
    p = WitnessPolicy.parse(f"# our witnesses\n\n  witness w.example/1 {KEY1} https://w1.example\nwitness w.example/2 {KEY2.upper()}\n# at least\nquorum 1\n")
    assert p.quorum == 1 and p.witnesses == (Witness("w.example/1", bytes.fromhex(KEY1), "https://w1.example"), Witness("w.example/2", bytes.fromhex(KEY2)))
    assert WitnessPolicy.parse(p.to_text()) == p
    assert WitnessPolicy.parse(f"witness a {KEY1}\nwitness b {KEY2}\n").quorum == 2, "default: every witness"
    assert WitnessPolicy.from_json({"witnesses": [{"name": "a", "key": KEY1}], "quorum": 1}).keys() == [("a", bytes.fromhex(KEY1))]
    for bad in (
        "",
        "# nothing\n",
        f"witness a {KEY1}\nquorum 0\n",
        f"witness a {KEY1}\nquorum 2\n",
        f"witness a {KEY1}\nquorum two\n",
        f"witness a {KEY1[:-2]}\n",
        f"witness a {KEY1}zz\n",
        f"witness a {KEY1} https://a.example extra\n",
        f"witnesses a {KEY1}\n",
        "quorum 1\n",
    ):
        with pytest.raises(FormatError):
            WitnessPolicy.parse(bad)
    with pytest.raises(FormatError):
        WitnessPolicy((("a", KEY1),), 2)
    with pytest.raises(FormatError):
        WitnessPolicy((("a b", KEY1),), 1)
    with pytest.raises(FormatError, match="needs its URL"):
        p.to_json()
    with pytest.raises(VerifyError):
        check_witness_policy(None, p)


def test_the_set_witnesses_action():
    assert GOV_ACTION.variant_index("set_witnesses") == 15 and STATE_KEY_WITNESS_POLICY == 39
    p = WitnessPolicy.parse(f"witness w.example/1 {KEY1} https://w1.example\nwitness w.example/2 {KEY2} http://127.0.0.1:7300/w2\nquorum 2\n")
    action = bodies.set_witnesses(p)
    assert action == {"action": "set_witnesses", "policy": p.to_json()}
    assert bodies.set_witnesses([]) == {"action": "set_witnesses", "policy": {"witnesses": [], "quorum": 0}}
    entry = {"name": "w", "key": KEY1, "url": "https://w.example"}
    for bad in (
        {"witnesses": [entry], "quorum": 2},
        {"witnesses": [entry], "quorum": 0},
        {"witnesses": [], "quorum": 1},
        {"witnesses": [dict(entry, name="a b")], "quorum": 1},
        {"witnesses": [dict(entry, name="a+b")], "quorum": 1},
        {"witnesses": [dict(entry, name="")], "quorum": 1},
        {"witnesses": [dict(entry, url="ftp://w.example")], "quorum": 1},
        {"witnesses": [dict(entry, url="https://w.example/a b")], "quorum": 1},
        {"witnesses": [entry, dict(entry, key=KEY2)], "quorum": 1},
        {"witnesses": [entry, dict(entry, name="v")], "quorum": 1},
        {"witnesses": [dict(entry, name=f"w{i}", key=f"{i:064x}") for i in range(17)], "quorum": 1},
    ):
        with pytest.raises(InvalidContent):
            bodies.set_witnesses(bad)


# --- the command-line tool ------------------------------------------------------------------


def _cli(*argv: str) -> tuple[int, dict | str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli_main(list(argv))
    return code, json.loads(out.getvalue()) if out.getvalue() else err.getvalue()


def test_python_m_vellum_sdk_verify_with_witnesses(tmp_path):
    c = _vector("witnessed bundle (version 4): 2 of 2")
    bundle, policy_file = tmp_path / "b.vellum", tmp_path / "policy.txt"
    bundle.write_bytes(bytes.fromhex(c["file"]))
    policy_file.write_text(WitnessPolicy.from_json(c["witness_policy"]).to_text())
    code, report = _cli("verify", str(bundle), "--genesis", c["pinned_genesis"], "--witnesses", str(policy_file))
    assert code == 0 and (report["witnessed_size"], report["witness_cosignatures"]) == (6, 2)
    code, report = _cli("verify", str(bundle), "--genesis", c["pinned_genesis"])
    assert code == 0 and (report["witnessed_size"], report["witness_cosignatures"]) == (6, None)
    policy_file.write_text(f"witness witness.example/v9 {KEY1}\n")
    code, err = _cli("verify", str(bundle), "--genesis", c["pinned_genesis"], "--witnesses", str(policy_file))
    assert code == 1 and "step 10 (witnesses)" in err
    receipt = tmp_path / "r.vellumrc"
    rc = _vector("witnessed receipt (version 3): 2 of 2")
    receipt.write_bytes(bytes.fromhex(rc["file"]))
    policy_file.write_text(WitnessPolicy.from_json(rc["witness_policy"]).to_text())
    code, report = _cli("verify", str(receipt), "--genesis", rc["pinned_genesis"], "--witnesses", str(policy_file))
    assert code == 0 and (report["kind"], report["witness_cosignatures"]) == ("receipt", 2)

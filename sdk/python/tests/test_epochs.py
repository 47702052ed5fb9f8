"""Genesis commitment layouts and step 3g (docs/evidence-format.md §2.5, §4 step 3).

Layout 2 (every chain made since) commits the epoch length in the clear after the mark
``FF FF FF FF 02``; layout 1 (older files) states none. A reader tells them apart by the first
four bytes, refuses other layout marks at step 1, and hashes the commitment's bytes in the
layout it has. Under layout 2, step 3g: every certified header's epoch is ``⌊height / L⌋`` and
every validator-set change sits on the last block of an epoch; under layout 1 it is skipped.
The Rust reference: crates/types/src/genesis.rs (``GenesisCommitment``), crates/evidence/src/
verify.rs (``verify_anchor``). Real files: the regenerated examples (layout 2) and the older
ones (layout 1); signed 3g failures: chains made up by ``forge``."""

from __future__ import annotations

import copy

import forge
import pytest
from conftest import EXAMPLES
from forge import LIVE

from vellum_sdk.encoding import Domain, borsh, from_borsh, sha256
from vellum_sdk.errors import FormatError, Malformed, VerifyError
from vellum_sdk.types import (
    CHAIN_ID_BYTES_MAX,
    EPOCH_LENGTH_BLOCKS_MAX,
    EPOCH_LENGTH_BLOCKS_MIN,
    GENESIS_COMMITMENT,
    SINGLE_EPOCH,
    commitment_epoch_length,
)
from vellum_sdk.verify import (
    check_boundary,
    check_epoch,
    decode_bundle,
    decode_receipt,
    decode_status_proof,
    encode_bundle,
    encode_status_proof,
    genesis_hash,
    verify_bundle,
    verify_file,
    verify_receipt,
    verify_status_proof,
)


def _read(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()


def _pin(name: str) -> str:
    return (EXAMPLES / name).read_text().strip()


EPOCHS, EPOCHS_DOC, EPOCHS_PIN = _read("epochs-two-set-changes.vellum"), _read("epochs-contract.txt"), _pin("epochs-genesis-hash.txt")
MARK_2 = b"\xff\xff\xff\xff\x02"

#: (file, decoder, pinned genesis, layout, epoch length as committed)
EXAMPLE_FILES = [
    ("diploma.vellum", decode_bundle, "genesis-hash.txt", 1, None),
    ("batch-member.vellum", decode_bundle, "batch-genesis-hash.txt", 1, None),
    ("contract-two-set-changes.vellum", decode_bundle, "set-changes-genesis-hash.txt", 1, None),
    ("payment.vellumrc", decode_receipt, "payment-genesis-hash.txt", 1, None),
    ("epochs-two-set-changes.vellum", decode_bundle, "epochs-genesis-hash.txt", 2, 20),
    ("attested-diploma.vellum", decode_bundle, "attested-genesis-hash.txt", 2, 120),
    ("credential-bundle.vellum", decode_bundle, "credential-genesis-hash.txt", 2, 120),
    ("status-diploma-suspended.status", decode_status_proof, "status-genesis-hash.txt", 2, 120),
]


def _raw_genesis(data: bytes, genesis: dict) -> bytes:
    """The commitment's bytes as the file carries them (right after magic and version)."""
    return data[9 : 9 + len(borsh(GENESIS_COMMITMENT, genesis))]


def fails_at(step: int, call, *args, **kwargs) -> VerifyError:
    with pytest.raises(VerifyError) as e:
        call(*args, **kwargs)
    assert e.value.step == step, str(e.value)
    return e.value


# --- layouts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name, decode, pin, layout, length", EXAMPLE_FILES, ids=[f[0] for f in EXAMPLE_FILES])
def test_each_example_is_read_in_its_layout_and_hashed_over_its_bytes(name, decode, pin, layout, length):
    data = _read(name)
    g = decode(data)["genesis"]
    raw = _raw_genesis(data, g)
    assert g["layout"] == layout and raw.startswith(MARK_2) == (layout == 2)
    assert ("epoch_length_blocks" in g) == (layout == 2)
    assert commitment_epoch_length(g) == length
    # One encoding per commitment: decoding and re-encoding give the file's bytes back ...
    assert from_borsh(GENESIS_COMMITMENT, raw) == g and borsh(GENESIS_COMMITMENT, g) == raw
    # ... and the genesis hash is over those bytes, in their layout.
    assert genesis_hash(g) == sha256(Domain.GENESIS + b"\x01" + raw) == bytes.fromhex(_pin(pin))
    v = verify_file(data, None, _pin(pin))
    assert v.genesis_hash == _pin(pin) and v.epoch_length == length


def test_the_two_layouts_of_one_commitment_differ_in_bytes_and_hash():
    g = decode_bundle(EPOCHS)["genesis"]
    assert (g["layout"], g["epoch_length_blocks"]) == (2, 20)
    older = {k: v for k, v in g.items() if k not in ("layout", "epoch_length_blocks")}
    one, two = borsh(GENESIS_COMMITMENT, older), borsh(GENESIS_COMMITMENT, g)
    # Layout 2 = mark ‖ layout 1's fields with the epoch length before the details hash.
    assert two == MARK_2 + one[:-32] + b"\x01" + (20).to_bytes(8, "little") + one[-32:]
    assert one[:4] == len(g["chain_id"]).to_bytes(4, "little")
    assert from_borsh(GENESIS_COMMITMENT, one) == {"layout": 1} | older
    assert genesis_hash(older) != genesis_hash(g)
    # Layout 2 without an epoch length (one epoch forever) is still layout 2.
    single = g | {"epoch_length_blocks": None}
    assert borsh(GENESIS_COMMITMENT, single) == MARK_2 + one[:-32] + b"\x00" + one[-32:]
    assert commitment_epoch_length(single) == SINGLE_EPOCH == (1 << 64) - 1
    assert from_borsh(GENESIS_COMMITMENT, borsh(GENESIS_COMMITMENT, single)) == single


def test_encoding_takes_the_layout_given_or_implied():
    g = {k: v for k, v in decode_bundle(EPOCHS)["genesis"].items() if k != "layout"}
    assert borsh(GENESIS_COMMITMENT, g).startswith(MARK_2)  # an epoch length given: layout 2
    g1 = {k: v for k, v in g.items() if k != "epoch_length_blocks"}
    assert not borsh(GENESIS_COMMITMENT, g1).startswith(MARK_2)  # none: layout 1
    assert borsh(GENESIS_COMMITMENT, g1 | {"layout": 2}) == borsh(GENESIS_COMMITMENT, g1 | {"layout": 2, "epoch_length_blocks": None})
    with pytest.raises(FormatError, match="unknown field"):
        borsh(GENESIS_COMMITMENT, g | {"layout": 1})  # layout 1 states no epoch length
    for bad in (0, 3, True, "2"):
        with pytest.raises(FormatError, match="layout"):
            borsh(GENESIS_COMMITMENT, g | {"layout": bad})


@pytest.mark.parametrize("mark", [0, 1, 3, 0xFF])
def test_an_unknown_layout_mark_is_refused_at_decode(mark):
    data = bytearray(EPOCHS)
    assert data[9:14] == MARK_2
    data[13] = mark
    e = fails_at(1, verify_bundle, bytes(data), EPOCHS_DOC, EPOCHS_PIN)
    assert f"unknown genesis commitment layout {mark}" in e.detail
    fails_at(1, verify_bundle, bytes(data), EPOCHS_DOC, None)
    with pytest.raises(Malformed, match="layout"):
        from_borsh(GENESIS_COMMITMENT, bytes(data[9:]))
    # The same in a status proof (every file starts with the same anchor).
    status = bytearray(_read("status-diploma-suspended.status"))
    assert status[9:14] == MARK_2
    status[13] = mark
    fails_at(1, verify_status_proof, bytes(status), _pin("status-genesis-hash.txt"))


def test_a_layout_1_chain_id_is_at_most_64_bytes():
    g = {k: v for k, v in decode_bundle(_read("diploma.vellum"))["genesis"].items() if k != "layout"}
    at_most = borsh(GENESIS_COMMITMENT, g | {"chain_id": "a" * CHAIN_ID_BYTES_MAX})
    assert from_borsh(GENESIS_COMMITMENT, at_most)["chain_id"] == "a" * 64
    over = borsh(GENESIS_COMMITMENT, g | {"chain_id": "a" * (CHAIN_ID_BYTES_MAX + 1)})
    with pytest.raises(Malformed, match="chain id of 65 bytes"):
        from_borsh(GENESIS_COMMITMENT, over)
    # A length no layout-1 chain id has is refused as such, not read past the input.
    with pytest.raises(Malformed, match="chain id of 4294967294 bytes"):
        from_borsh(GENESIS_COMMITMENT, b"\xfe\xff\xff\xff" + at_most[4:])
    data = bytearray(_read("diploma.vellum"))
    data[9:13] = (0xFFFFFFFE).to_bytes(4, "little")
    fails_at(1, verify_bundle, bytes(data), None, None)


@pytest.mark.parametrize(
    "length, ok",
    [(None, True), (10, True), (11, True), (20, True), (1_000_000, True), (0, False), (9, False), (1_000_001, False), (SINGLE_EPOCH, False)],
)
def test_a_layout_2_epoch_length_is_one_a_genesis_may_set(length, ok):
    """As Rust's decoder (crates/types/src/genesis.rs): a layout-2 commitment stating an epoch
    length outside 10..=1,000,000 is refused at decode, step 1, before any hash or signature
    (0 would divide by zero in step 3g). ``None`` (one epoch forever) is not a length stated;
    ``Some(2^64 − 1)`` is, and is refused."""
    assert (EPOCH_LENGTH_BLOCKS_MIN, EPOCH_LENGTH_BLOCKS_MAX) == (10, 1_000_000)
    g = decode_bundle(EPOCHS)["genesis"] | {"epoch_length_blocks": length}
    raw = borsh(GENESIS_COMMITMENT, g)  # encoding does not check: such bytes can be forged
    assert raw.startswith(MARK_2)
    chain = forge.Chain(layout=2, epoch_length_blocks=length)
    data = _bundle(chain, 5, epoch=0)
    if ok:
        assert from_borsh(GENESIS_COMMITMENT, raw) == g
        v = verify_bundle(data, None, chain.genesis_hash)
        assert v.epoch_length == (SINGLE_EPOCH if length is None else length)
        return
    with pytest.raises(Malformed, match=f"epoch length of {length} blocks, outside 10..=1000000"):
        from_borsh(GENESIS_COMMITMENT, raw)
    e = fails_at(1, verify_bundle, data, None, chain.genesis_hash)  # pinned to its own hash
    assert f"epoch length of {length} blocks" in e.detail
    fails_at(1, verify_bundle, data, None, None)
    # The same in a status proof (every file starts with the same anchor).
    fails_at(1, verify_status_proof, chain.at(5, chain.register(forge.documents(1)), epoch=0).status_proof(), chain.genesis_hash)


def test_a_layout_2_chain_id_is_at_most_64_bytes():
    g = decode_bundle(EPOCHS)["genesis"]
    at_most = borsh(GENESIS_COMMITMENT, g | {"chain_id": "a" * CHAIN_ID_BYTES_MAX})
    assert from_borsh(GENESIS_COMMITMENT, at_most)["chain_id"] == "a" * 64
    over = borsh(GENESIS_COMMITMENT, g | {"chain_id": "a" * (CHAIN_ID_BYTES_MAX + 1)})
    assert over.startswith(MARK_2)
    with pytest.raises(Malformed, match="chain id of 65 bytes"):
        from_borsh(GENESIS_COMMITMENT, over)
    # Bytes, not characters: 33 two-byte characters are 66 bytes.
    with pytest.raises(Malformed, match="chain id of 66 bytes"):
        from_borsh(GENESIS_COMMITMENT, borsh(GENESIS_COMMITMENT, g | {"chain_id": "é" * 33}))
    for chain_id, step in (("a" * 64, None), ("a" * 65, 1)):
        chain = forge.Chain(chain_id=chain_id, layout=2, epoch_length_blocks=10)
        data = _bundle(chain, 5, epoch=0)
        if step is None:
            assert verify_bundle(data, None, chain.genesis_hash).epoch_length == 10
        else:
            assert "chain id of 65 bytes" in fails_at(step, verify_bundle, data, None, chain.genesis_hash).detail



def test_the_layout_2_example_and_its_vector_tampers():
    """The regenerated layout-2 chain with two set changes (epochs of 20 blocks): valid; its
    epoch length changed or the commitment rewritten as layout 1 fails at step 2 when pinned
    (at 3 otherwise: the headers name the real genesis hash); a link's epoch changed breaks
    its certificate (step 4, before 3g)."""
    v = verify_bundle(EPOCHS, EPOCHS_DOC, EPOCHS_PIN)
    assert (v.validator_set_changes, v.document, v.epoch_length, v.live) == (2, "matched", 20, True)
    b = decode_bundle(EPOCHS)
    for link in b["validator_chain"]:
        h = link["header"]
        assert h["epoch"] == h["height"] // 20 and (h["height"] + 1) % 20 == 0
    assert b["header"]["epoch"] == b["header"]["height"] // 20
    t = copy.deepcopy(b)
    t["genesis"]["epoch_length_blocks"] = 10
    fails_at(2, verify_bundle, encode_bundle(t), EPOCHS_DOC, EPOCHS_PIN)
    t = copy.deepcopy(b)
    del t["genesis"]["epoch_length_blocks"]
    t["genesis"]["layout"] = 1
    relabelled = encode_bundle(t)
    assert relabelled[9:13] == len(b["genesis"]["chain_id"]).to_bytes(4, "little")
    fails_at(2, verify_bundle, relabelled, EPOCHS_DOC, EPOCHS_PIN)
    e = fails_at(3, verify_bundle, relabelled, EPOCHS_DOC, None)
    assert "another chain" in e.detail
    t = copy.deepcopy(b)
    t["validator_chain"][0]["header"]["epoch"] += 1
    fails_at(4, verify_bundle, encode_bundle(t), EPOCHS_DOC, EPOCHS_PIN)
    t = copy.deepcopy(b)
    t["header"]["epoch"] += 1
    e = fails_at(3, verify_bundle, encode_bundle(t), EPOCHS_DOC, EPOCHS_PIN)  # 3g before the certificate
    assert "the header at height" in e.detail and "epoch length of 20 blocks" in e.detail


# --- 3g, the arithmetic -----------------------------------------------------------------------

U64_MAX = (1 << 64) - 1


def _h(height: int, epoch: int) -> dict:
    return {"height": height, "epoch": epoch}


def _ok(call, *args) -> bool:
    try:
        call(*args)
    except VerifyError as e:
        assert e.step == 3, str(e)
        return False
    return True


def test_3g_a_header_is_in_its_heights_epoch():
    for height, epoch, ok in ((0, 0, True), (19, 0, True), (20, 1, True), (39, 1, True), (40, 1, False), (19, 1, False), (25, 0, False)):
        assert _ok(check_epoch, _h(height, epoch), 20, "h") == ok, (height, epoch)
    # One epoch forever: every header is in epoch 0.
    assert _ok(check_epoch, _h(U64_MAX - 1, 0), SINGLE_EPOCH, "h")
    assert _ok(check_epoch, _h(U64_MAX, 1), SINGLE_EPOCH, "h")  # ⌊(2^64−1) / (2^64−1)⌋ = 1
    assert not _ok(check_epoch, _h(5, 1), SINGLE_EPOCH, "h")
    # Epochs of one block: the epoch is the height.
    assert _ok(check_epoch, _h(7, 7), 1, "h") and not _ok(check_epoch, _h(7, 6), 1, "h")
    # Layout 1 (no length committed): nothing to check.
    assert _ok(check_epoch, _h(40, 99), None, "h")
    e = pytest.raises(VerifyError, check_epoch, _h(40, 1), 20, "the header").value
    assert e.detail == "the header at height 40 claims epoch 1, not 2 under the committed epoch length of 20 blocks"


def test_3g_a_set_change_is_on_the_last_block_of_an_epoch():
    for height, ok in ((19, True), (39, True), (20, False), (18, False), (0, False)):
        assert _ok(check_boundary, _h(height, height // 20), 20, 1) == ok, height
    assert _ok(check_boundary, _h(0, 0), 1, 1) and _ok(check_boundary, _h(U64_MAX - 1, 0), 1, 1)
    # height + 1 must fit in a u64 (as Rust's checked_add): never a boundary.
    assert not _ok(check_boundary, _h(U64_MAX, 0), 1, 1)
    assert not _ok(check_boundary, _h(U64_MAX, 1), SINGLE_EPOCH, 1)
    # One epoch forever: only its very last block could be one.
    assert _ok(check_boundary, _h(U64_MAX - 1, 0), SINGLE_EPOCH, 1)
    assert not _ok(check_boundary, _h(1000, 0), SINGLE_EPOCH, 1)
    assert _ok(check_boundary, _h(20, 0), None, 1)
    e = pytest.raises(VerifyError, check_boundary, _h(20, 1), 20, 3).value
    assert e.detail == "validator-set change 3 is at height 20, not the last block of an epoch of 20 blocks"


def test_an_epoch_length_of_0_fails_at_decode_and_never_divides_by_zero():
    """A commitment stating 0 is refused at decode (step 1, as every length no genesis may
    set: above); called directly, the 3g checks still refuse it (step 3) rather than divide."""
    fails_at(3, check_epoch, _h(1, 0), 0, "h")
    fails_at(3, check_boundary, _h(1, 0), 0, 1)
    chain = forge.Chain(layout=2, epoch_length_blocks=0)
    snap = chain.at(5, chain.register(forge.documents(1)), epoch=0)
    e = fails_at(1, verify_bundle, snap.bundle(), None, chain.genesis_hash)
    assert "epoch length of 0 blocks" in e.detail


# --- 3g on signed chains (forge) --------------------------------------------------------------


def _bundle(chain: forge.Chain, height: int = 25, epoch: int | None = None) -> bytes:
    return chain.at(height, chain.register(forge.documents(1)), epoch=epoch).bundle()


def test_a_layout_2_chain_with_set_changes_on_epoch_ends_verifies():
    chain = forge.Chain(set_changes=2, layout=2, epoch_length_blocks=10)
    assert [(link["header"]["height"], link["header"]["epoch"], link["record"]["effective_epoch"]) for link in chain.links] == [(9, 0, 1), (19, 1, 2)]
    snap = chain.at(25, chain.register(forge.documents(3)), LIVE, issuer=forge.attestation(3))
    v = verify_bundle(snap.bundle(1), None, chain.genesis_hash)
    assert (v.validator_set_changes, v.validators, v.epoch_length, v.member_index) == (2, 6, 10, 1)
    s = verify_status_proof(snap.status_proof(1), chain.genesis_hash)
    assert (s.validator_set_changes, s.epoch_length, s.height) == (2, 10, 25)
    # Layout 2 with one epoch forever: no set change, every header in epoch 0.
    single = forge.Chain(layout=2)
    assert verify_bundle(_bundle(single, 5), None, single.genesis_hash).epoch_length == SINGLE_EPOCH
    fails_at(3, verify_bundle, _bundle(single, 5, epoch=1), None, single.genesis_hash)


@pytest.mark.parametrize(
    "boundaries, detail",
    [
        ([(8, 0)], "validator-set change 1 is at height 8, not the last block of an epoch of 10 blocks"),
        ([(19, 0)], "a validator-set change at height 19 claims epoch 0, not 1"),
        ([(9, 0), (14, 1)], "validator-set change 2 is at height 14, not the last block"),
        ([(9, 0), (29, 1)], "a validator-set change at height 29 claims epoch 1, not 2"),
    ],
)
def test_a_signed_set_change_off_its_epoch_fails_at_step_3_under_layout_2_only(boundaries, detail):
    """Each change is validly signed by the set before it and its record agrees with its
    header (3d–3f hold): only 3g refuses it, and only where the epoch length is committed."""
    chain = forge.Chain(set_changes=len(boundaries), layout=2, epoch_length_blocks=10, boundaries=boundaries)
    e = fails_at(3, verify_bundle, _bundle(chain, 45), None, chain.genesis_hash)
    assert detail in e.detail
    older = forge.Chain(set_changes=len(boundaries), boundaries=boundaries)  # layout 1: 3g skipped
    v = verify_bundle(_bundle(older, 45, epoch=4), None, older.genesis_hash)
    assert (v.validator_set_changes, v.epoch_length) == (len(boundaries), None)


def test_a_signed_header_off_its_epoch_fails_at_step_3_under_layout_2_only():
    chain = forge.Chain(set_changes=1, layout=2, epoch_length_blocks=10)
    reg = chain.register(forge.documents(2))
    assert verify_bundle(chain.at(25, reg).bundle(0), None, chain.genesis_hash).live
    for epoch in (1, 3):  # the set took effect in epoch 1; height 25 is in epoch 2
        snap = chain.at(25, reg, epoch=epoch)
        e = fails_at(3, verify_bundle, snap.bundle(0), None, chain.genesis_hash)
        assert f"the header at height 25 claims epoch {epoch}, not 2" in e.detail
        fails_at(3, verify_status_proof, snap.status_proof(0), chain.genesis_hash)
    older = forge.Chain(set_changes=1, boundaries=[(9, 0)])
    assert verify_bundle(older.at(25, older.register(forge.documents(1)), epoch=3).bundle(), None, older.genesis_hash).live


def test_3g_order_against_the_other_checks():
    """The anchored header's 3g comes before its 3a–3c; a link's 3g after its signatures and
    before 3d (as crates/evidence/src/verify.rs)."""
    chain = forge.Chain(set_changes=1, layout=2, epoch_length_blocks=10)
    value = chain.at(25, chain.register(forge.documents(1)), epoch=3).bundle_value()
    value["header"]["genesis_hash"] = "11" * 32  # 3c would fail too
    assert "claims epoch 3" in fails_at(3, verify_bundle, encode_bundle(value), None, chain.genesis_hash).detail
    # A change off its epoch's end whose certificate does not verify: step 4 first.
    off = forge.Chain(set_changes=1, layout=2, epoch_length_blocks=10, boundaries=[(8, 0)])
    value = off.at(25, off.register(forge.documents(1))).bundle_value()
    sig = value["validator_chain"][0]["certificate"]["signatures"][0]
    value["validator_chain"][0]["certificate"]["signatures"][0] = ("0" if sig[0] != "0" else "1") + sig[1:]
    fails_at(4, verify_bundle, encode_bundle(value), None, off.genesis_hash)
    # A second change signed in an epoch before the first took effect (3d) and off its
    # height's epoch (3g): 3g names it.
    both = forge.Chain(set_changes=2, layout=2, epoch_length_blocks=10, boundaries=[(19, 1), (15, 0)])
    e = fails_at(3, verify_bundle, _bundle(both, 45), None, both.genesis_hash)
    assert "claims epoch 0, not 1" in e.detail
    assert "before the set that signed it" in fails_at(3, verify_bundle, _bundle(forge.Chain(set_changes=2, boundaries=[(19, 1), (15, 0)]), 45, epoch=4), None, None).detail


def test_3g_applies_to_receipts():
    """Receipts share the anchor verification: a receipt anchored in a forged layout-2 chain
    fails 3g at step 3 when its header is off its epoch; on its epoch it passes steps 2–4 and
    fails later (the example payment's transaction is not in this made-up log)."""
    chain = forge.Chain(layout=2, epoch_length_blocks=10)
    reg = chain.register(forge.documents(1))
    receipt = decode_receipt(_read("payment.vellumrc"))
    for epoch, step in ((2, 5), (3, 3)):
        snap = chain.at(25, reg, epoch=epoch)
        r = receipt | {"genesis": chain.genesis, "header": snap.header, "certificate": snap.certificate, "validator_chain": []}
        fails_at(step, verify_receipt, r, chain.genesis_hash)


def test_the_status_proof_round_trips_a_layout_2_commitment():
    data = _read("status-diploma-suspended.status")
    p = decode_status_proof(data)
    assert p["genesis"]["layout"] == 2 and encode_status_proof(p) == data

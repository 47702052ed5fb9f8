"""docs/examples/verify_bundle.py — the verifier written from docs/evidence-format.md alone,
standard library (plus ``cryptography`` for signatures) — agrees with the published vectors
(every bundle, bundle-with-status and witnessed-bundle case: valid or not, the failing step,
the status, the issuer identity and the witnesses it reports, its exit code) and with this SDK
on tampered copies of the version-3 example bundle and status proof and of the vectors'
version-4 (witnessed) bundle and of the example bundles under either genesis-commitment
layout. (The Rust suite runs it on the version-1 and -2 examples:
crates/evidence/src/tests.rs.)"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import subprocess
import sys

import pytest
from conftest import EXAMPLES, load_vectors

from vellum_sdk.errors import VerifyError
from vellum_sdk.verify import verify_bundle, verify_bundle_with_status
from vellum_sdk.witness import WitnessPolicy

SCRIPT = EXAMPLES / "verify_bundle.py"


def policy_file(tmp_path, policy: dict | None) -> str | None:
    """A vector's witness policy as the CLI's policy file."""
    if policy is None:
        return None
    path = tmp_path / "witnesses.txt"
    path.write_text(WitnessPolicy.from_json(policy).to_text())
    return str(path)


def run(tmp_path, bundle: bytes, document: bytes | None, pin: str | None, status: bytes | None = None, witnesses: str | None = None) -> subprocess.CompletedProcess:
    b = tmp_path / "evidence.vellum"
    b.write_bytes(bundle)
    args = [sys.executable, str(SCRIPT), str(b)]
    if document is not None or pin is not None:
        if document is not None:
            d = tmp_path / "document"
            d.write_bytes(document)
            args.append(str(d))
        else:
            args.append("")
    if pin is not None:
        args.append(pin)
    if status is not None:
        s = tmp_path / "evidence.status"
        s.write_bytes(status)
        args += ["--status", str(s)]
    if witnesses is not None:
        args += ["--witnesses", witnesses]
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


_spec = importlib.util.spec_from_file_location("example_verify_bundle", SCRIPT)
example = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(example)


def run_inprocess(tmp_path, bundle: bytes, document: bytes | None, pin: str, status: bytes | None = None, witnesses: str | None = None) -> tuple[int, str]:
    """The script's ``main`` in this process (many tampered copies): exit code and output."""
    b, d = tmp_path / "evidence.vellum", tmp_path / "document"
    b.write_bytes(bundle)
    if document is not None:
        d.write_bytes(document)
    argv = ["verify_bundle.py", str(b), str(d) if document is not None else "", pin]
    if status is not None:
        s = tmp_path / "evidence.status"
        s.write_bytes(status)
        argv += ["--status", str(s)]
    if witnesses is not None:
        argv += ["--witnesses", witnesses]
    out = io.StringIO()
    old, sys.argv = sys.argv, argv
    try:
        with contextlib.redirect_stdout(out):
            try:
                example.main()
                code = 0
            except SystemExit as e:
                code = e.code
    finally:
        sys.argv = old
    return code, out.getvalue()


def _issuer_line_for(expect: dict | None) -> str:
    """What the ISSUER line must say for a vector's ``issuer`` report."""
    if expect is None:
        return "carries no issuer identity (older format)"
    if not expect["attested"]:
        return "— no attested identity"
    line = f"Registered by {expect['name']} ({expect['domain']}), attested by {expect['attested_by']} at height {expect['height']}"
    if expect["revoked_reason"]:
        line += " — attestation REVOKED at height"
    return line


def _cases(kind: str) -> list[dict]:
    return [c for c in load_vectors("evidence")["cases"] if c["kind"] == kind]


@pytest.mark.parametrize("case", _cases("bundle") + _cases("bundle_with_status") + _cases("witnessed_bundle"), ids=lambda c: c["name"])
def test_the_example_verifier_agrees_with_the_vectors(case, tmp_path):
    document = bytes.fromhex(case["document"]) if case.get("document") else None
    status = bytes.fromhex(case["status_file"]) if case["kind"] == "bundle_with_status" else None
    witnesses = policy_file(tmp_path, case.get("witness_policy"))
    out = run(tmp_path, bytes.fromhex(case["file"]), document, case["pinned_genesis"], status, witnesses)
    expect = case["expect"]
    if not expect["valid"]:
        assert out.returncode == 1, out.stdout + out.stderr
        assert out.stdout.startswith(f"INVALID at {expect['failed']['step']} {expect['failed']['name']}:"), out.stdout
        return
    lines = out.stdout.splitlines()
    assert lines[0].startswith("VALID: "), out.stdout + out.stderr
    if case["kind"] == "witnessed_bundle":
        witnessed = [line for line in lines if line.startswith("WITNESSED: ")]
        want = f"WITNESSED: the log at size {expect['witnessed_size']}; {expect['witness_cosignatures']} of the policy's witnesses cosigned it"
        assert witnessed == [want], out.stdout
        live = verify_bundle(bytes.fromhex(case["file"]), document, case["pinned_genesis"]).live
    elif case["kind"] == "bundle":
        live = expect["status"] == "live"
        assert f"status {expect['status']}" in lines[0]
        issuer = [line for line in lines if line.startswith("ISSUER: ")]
        assert len(issuer) == 1 and _issuer_line_for(expect["issuer"]) in issuer[0], out.stdout
    else:
        live = expect["status_now"] == "live"
        now = [line for line in lines if line.startswith("STATUS NOW: ")]
        assert now and now[0].startswith(f"STATUS NOW: {expect['status_now']}") and f"as of height {expect['now_height']}" in now[0]
        issuer_now = [line for line in lines if line.startswith("ISSUER NOW: ")]
        assert len(issuer_now) == 1 and _issuer_line_for(expect["issuer_now"]) in issuer_now[0], out.stdout
    assert out.returncode == (0 if live else 2), out.stdout


def _flips(data: bytes, stride: int) -> list[tuple[int, bytes]]:
    out = []
    for i in range(9, len(data), stride):
        b = bytearray(data)
        b[i] ^= 0x01
        out.append((i, bytes(b)))
    return out


ATTESTED = (EXAMPLES / "attested-diploma.vellum").read_bytes()
ATTESTED_DOC = (EXAMPLES / "attested-diploma.pdf").read_bytes()
ATTESTED_PIN = (EXAMPLES / "attested-genesis-hash.txt").read_text().strip()
ISSUER_REVOKED = (EXAMPLES / "attested-diploma-revoked-issuer.status").read_bytes()


def _sdk_verdict(call, *args) -> int | None:
    try:
        call(*args)
    except VerifyError as e:
        return e.step
    return None


@pytest.mark.parametrize(
    "bundle, document, pin",
    [
        ("attested-diploma.vellum", "attested-diploma.pdf", "attested-genesis-hash.txt"),
        ("diploma.vellum", "diploma.pdf", "genesis-hash.txt"),
        ("contract-two-set-changes.vellum", "contract.txt", "set-changes-genesis-hash.txt"),
        ("epochs-two-set-changes.vellum", "epochs-contract.txt", "epochs-genesis-hash.txt"),
    ],
)
def test_tampered_bundles(tmp_path, bundle, document, pin):
    """One bit flipped every 11 bytes of each example bundle (versions 3, 1, 2 under a
    layout-1 genesis commitment, and 3 with two set changes under layout 2), and every byte of
    the last 400 of each version-3 one (its issuer section and what precedes it) and of the
    first 120 (the genesis commitment in either layout): both verifiers accept or refuse alike,
    and name the same step."""
    original, doc = (EXAMPLES / bundle).read_bytes(), (EXAMPLES / document).read_bytes()
    pinned = (EXAMPLES / pin).read_text().strip()
    cases = _flips(original, 11)
    if original[8] == 3:
        cases += [(i, f) for i, f in _flips(original, 1) if i >= len(original) - 400]
    cases += [(i, f) for i, f in _flips(original, 1) if i < 120 and (i - 9) % 11]
    assert run_inprocess(tmp_path, original, doc, pinned)[0] == 0
    for i, data in cases:
        step = _sdk_verdict(verify_bundle, data, doc, pinned)
        code, out = run_inprocess(tmp_path, data, doc, pinned)
        if step is None:
            assert code == 0, f"byte {i}: {out}"
        else:
            assert code == 1 and out.startswith(f"INVALID at {step} "), f"byte {i}: SDK step {step}, script: {out}"


def test_tampered_witnessed_bundles(tmp_path):
    """The vectors' version-4 bundle: one bit flipped every 11 bytes, and every byte of its
    witnessed section (and the issuer section before it), verified with and without the
    vector's witness policy: both verifiers accept or refuse alike, and name the same step."""
    case = next(c for c in _cases("witnessed_bundle") if c["expect"]["valid"] and c["witness_policy"]["quorum"] == 2)
    original, pin = bytes.fromhex(case["file"]), case["pinned_genesis"]
    policy = WitnessPolicy.from_json(case["witness_policy"])
    path = policy_file(tmp_path, case["witness_policy"])
    cases = _flips(original, 11) + [(i, f) for i, f in _flips(original, 1) if i >= len(original) - 700]
    assert run_inprocess(tmp_path, original, None, pin, witnesses=path)[0] == 0
    for i, data in cases:
        for witnesses, file in ((None, None), (policy, path)):
            step = _sdk_verdict(lambda d, w=witnesses: verify_bundle(d, None, pin, witnesses=w), data)
            code, out = run_inprocess(tmp_path, data, None, pin, witnesses=file)
            if step is None:
                assert code == 0, f"byte {i}, policy {file}: {out}"
            else:
                assert code == 1 and out.startswith(f"INVALID at {step} "), f"byte {i}, policy {file}: SDK step {step}, script: {out}"


def test_the_example_verifier_refuses_a_policy_for_an_unwitnessed_bundle(tmp_path):
    case = next(c for c in _cases("witnessed_bundle") if c["expect"]["valid"])
    code, out = run_inprocess(tmp_path, ATTESTED, ATTESTED_DOC, ATTESTED_PIN, witnesses=policy_file(tmp_path, case["witness_policy"]))
    assert code == 1 and out.startswith("INVALID at 10 witnesses:"), out
    code, out = run_inprocess(tmp_path, ATTESTED, ATTESTED_DOC, ATTESTED_PIN)
    assert code == 0 and "WITNESSED" not in out


def test_tampered_status_proofs_with_a_bundle(tmp_path):
    """The same for the status proof combined with its bundle (step 9, its issuer section)."""
    tail = len(ISSUER_REVOKED) - 400
    cases = _flips(ISSUER_REVOKED, 11) + [(i, f) for i, f in _flips(ISSUER_REVOKED, 1) if i >= tail]
    for i, status in cases:
        step = _sdk_verdict(verify_bundle_with_status, ATTESTED, status, ATTESTED_DOC, ATTESTED_PIN)
        code, out = run_inprocess(tmp_path, ATTESTED, ATTESTED_DOC, ATTESTED_PIN, status)
        if step is None:
            assert code == 0, f"byte {i}: {out}"
        else:
            assert code == 1 and out.startswith(f"INVALID at {step} "), f"byte {i}: SDK step {step}, script: {out}"


def _forged_epoch_bundles() -> list[tuple[str, bytes, str]]:
    """Bundles of ``forge`` chains under either genesis-commitment layout, validly signed,
    with set changes and anchored headers on and off their epochs (step 3g)."""
    import forge

    out = []
    shapes = [
        ("on epoch ends", {"set_changes": 2}, None),
        ("change off its epoch's end", {"set_changes": 1, "boundaries": [(8, 0)]}, None),
        ("change off its height's epoch", {"set_changes": 1, "boundaries": [(19, 0)]}, None),
        ("second change off its epoch's end", {"set_changes": 2, "boundaries": [(9, 0), (14, 1)]}, None),
        ("header off its epoch", {"set_changes": 1}, 3),
        ("header off its epoch, no change", {}, 1),
    ]
    for name, shape, epoch in shapes:
        for layout in (1, 2):
            extra = {"layout": 2, "epoch_length_blocks": 10} if layout == 2 else {}
            chain = forge.Chain(**shape, **extra)
            snap = chain.at(45, chain.register(forge.documents(1)), epoch=epoch if epoch is not None or layout == 2 else 4)
            out.append((f"layout {layout}: {name}", snap.bundle(), chain.genesis_hash))
    single = forge.Chain(layout=2)
    for epoch in (0, 1):
        out.append((f"one epoch forever, header in epoch {epoch}", single.at(5, single.register(forge.documents(1)), epoch=epoch).bundle(), single.genesis_hash))
    # Refused at decode (step 1): an epoch length no genesis may set, a chain id over 64 bytes.
    bounds = [(length, "vellum-forge") for length in (0, 9, 10, 1_000_000, 1_000_001, (1 << 64) - 1)]
    for length, chain_id in bounds + [(10, "a" * 64), (10, "a" * 65)]:
        chain = forge.Chain(chain_id=chain_id, layout=2, epoch_length_blocks=length)
        out.append((f"epoch length {length}, chain id of {len(chain_id)} bytes", chain.at(5, chain.register(forge.documents(1)), epoch=0).bundle(), chain.genesis_hash))
    return out


def test_the_example_verifier_checks_epochs_as_the_sdk(tmp_path):
    """Step 3g: on validly signed chains with set changes and headers placed on and off their
    epochs, under a layout-1 commitment (skipped) and a layout-2 one (checked), and under
    layout-2 commitments refused at decode, both verifiers accept or refuse alike and name the
    same step."""
    verdicts = set()
    for name, data, pin in _forged_epoch_bundles():
        step = _sdk_verdict(verify_bundle, data, None, pin)
        code, out = run_inprocess(tmp_path, data, None, pin)
        verdicts.add(step)
        if step is None:
            assert code == 0, f"{name}: {out}"
            assert ("epochs not checked" in out) == name.startswith("layout 1"), f"{name}: {out}"
        else:
            assert code == 1 and out.startswith(f"INVALID at {step} "), f"{name}: SDK step {step}, script: {out}"
    assert verdicts == {None, 1, 3}

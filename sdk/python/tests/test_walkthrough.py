"""The README's examples are real: ``examples/walkthrough.py`` runs every use case of the README
on a fresh devnet (skipped unless ``VELLUM_BIN`` names the ``vellum`` binary), and every line of
the README's Python examples is a line of that script, in the same order (always checked)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from vellum_sdk import ClientConfig, verify_file

VELLUM_BIN = os.environ.get("VELLUM_BIN")
SDK = Path(__file__).resolve().parents[1]
SCRIPT = SDK / "examples" / "walkthrough.py"
README = SDK / "README.md"
#: The whole walkthrough takes a few seconds on a devnet; this bounds a hang.
WALKTHROUGH_TIMEOUT_S = 180


def readme_examples() -> list[list[str]]:
    """The README's ```python blocks, as their non-blank lines without indentation."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    return [[line.strip() for line in block.splitlines() if line.strip()] for block in blocks]


def test_readme_examples_are_excerpts_of_the_walkthrough():
    script = [line.strip() for line in SCRIPT.read_text().splitlines()]
    blocks = readme_examples()
    assert len(blocks) >= 7, "the README's examples went missing"
    at = 0
    for n, block in enumerate(blocks, 1):
        for line in block:
            try:
                at = script.index(line, at) + 1
            except ValueError:
                earlier = line in script
                raise AssertionError(
                    f"README example {n}: `{line}` is "
                    + ("in examples/walkthrough.py, but not in the README's order" if earlier else "not a line of examples/walkthrough.py")
                ) from None


def run_walkthrough(devnet: Path, *extra: str) -> str:
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--devnet", str(devnet), *extra],
        cwd=SDK,
        capture_output=True,
        text=True,
        timeout=WALKTHROUGH_TIMEOUT_S,
        stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 0, f"walkthrough failed (exit {run.returncode}):\n{run.stdout}\n{run.stderr}"
    return run.stdout


def line_matching(out: str, pattern: str) -> re.Match:
    found = re.search(pattern, out, re.M)
    assert found, f"no line matching {pattern!r} in the walkthrough's output:\n{out}"
    return found


@pytest.mark.skipif(not VELLUM_BIN, reason="set VELLUM_BIN to the vellum binary to run the walkthrough on a devnet")
def test_walkthrough_runs_every_readme_use_case(devnet: Path, tmp_path: Path):
    out = run_walkthrough(devnet)
    genesis = ClientConfig.load(devnet / "client.toml").genesis_hash

    # Integrity proof: the bundle verifies offline, a revoked batch member shows as revoked.
    line_matching(out, r"^live \d+ [0-9a-f]{64} matched$")
    line_matching(out, r"^proof [0-9a-f]{64}: bundle verified offline \(live, document matched\)$")
    line_matching(out, r"^batch [0-9a-f]{64}: member 1 revoked$")
    # The status now: suspended after the bundle was made, proven by a fresh status proof.
    line_matching(out, r"^live → suspended under_investigation as of height \d+$")
    line_matching(out, r"^proof [0-9a-f]{64}: live when bundled, suspended at height \d+; reinstated$")
    # Issuer identity: attested after its well-known document was checked, named by the bundle.
    line_matching(out, r"^Example University$")
    line_matching(out, r"^Registered by Example University \(example\.edu\), attested by [0-9a-f]{64} at height \d+$")
    # An account opened, frozen, unfrozen.
    account = line_matching(out, r"^account ([0-9a-f]{64}) opened at height \d+, frozen and unfrozen$").group(1)
    line_matching(out, r"^tokens EUR and USD; rate EUR→USD 108/100 \(version \d+\); 1000\.00 EUR minted to " + account)
    # Payments: settled with a verified receipt, converted, held and posted.
    payment = line_matching(out, r"^payment ([0-9a-f]{64}): receipt verified offline \(settled\)$").group(1)
    line_matching(out, r"^settled \['p256:0[23][0-9a-f]{64}'\]$")
    converted = line_matching(out, r"^conversion ([0-9a-f]{64}): 5\.00 EUR → 5\.4 USD$").group(1)
    held = line_matching(out, r"^hold \d+ of ([0-9a-f]{64}) posted by compliance$").group(1)
    # Multi-party: one officer alone is refused, two of three pay.
    line_matching(out, r"^one officer alone: insufficient weight: the signatures carry 1, the account needs 2$")
    line_matching(out, r"^treasury [0-9a-f]{64} paid 450\.00 EUR with 2 of 3 signatures at height \d+$")
    # Events: alice's payments, in order, and the decision on the held one.
    events = out[out.index("== events") :]
    seen = re.findall(r"^(\w+) ([0-9a-f]{64}) (\w+)$", events, re.M)
    assert [(k, t, o) for k, t, o in seen if k == "transfer"] == [
        ("transfer", payment, "settled"),
        ("transfer", converted, "settled"),
        ("transfer", held, "held"),
    ], events
    assert [o for k, _, o in seen if k == "decide_hold"] == ["hold_posted"], events
    assert out.rstrip().endswith("walkthrough complete")

    # The files it wrote verify offline against the genesis hash alone.
    work = Path(line_matching(out, r"^devnet .*; files in (.+)$").group(1))
    assert work.parent == devnet
    bundle = verify_file((work / "diploma.vellum").read_bytes(), (work / "diploma.pdf").read_bytes(), genesis)
    assert bundle.document == "matched"
    status = verify_file((work / "diploma.status").read_bytes(), None, genesis)
    assert (status.state, status.reason, status.proof_id) == ("suspended", "under_investigation", bundle.record["proof_id"])
    receipt = verify_file((work / "payment.vellumrc").read_bytes(), None, genesis)
    assert receipt.record["tx_id"] == payment

    # Again on the same devnet (the tokens exist now), writing where it is told.
    again = run_walkthrough(devnet, "--work", str(tmp_path / "again"))
    assert again.rstrip().endswith("walkthrough complete")
    assert (tmp_path / "again" / "payment.vellumrc").exists()

"""Shared paths: the vectors and examples live in the repository's docs/ (read relative to the
repository root, so the SDK is checked against exactly what the spec publishes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
VECTORS = REPO / "docs" / "vectors"
EXAMPLES = REPO / "docs" / "examples"


def load_vectors(name: str) -> dict:
    """``docs/vectors/<name>.json``; the tests that need it are skipped while it is absent."""
    path = VECTORS / f"{name}.json"
    if not path.exists():
        pytest.skip(f"{path} not generated yet")
    return json.loads(path.read_text())

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "fixtures" / "formal"


@pytest.fixture(scope="session")
def minif2f_valid() -> Path:
    """The 244 miniF2F valid statements, copied into the fixtures (with the upstream MIT license)."""
    return FIXTURES / "minif2f_valid" / "valid.jsonl"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES

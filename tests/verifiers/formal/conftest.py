from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "fixtures" / "formal"


@pytest.fixture(scope="session")
def minif2f_valid(shared_data: Path) -> Path:
    p = shared_data / "minif2f" / "valid.jsonl"
    if not p.exists():
        pytest.skip(f"miniF2F shared data not present at {p}")
    return p


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES

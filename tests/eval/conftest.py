from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))  # fake_brain, eval_fixtures
sys.path.insert(0, str(HERE.parent / "agent"))  # fault_server

from eval_fixtures import SMALL, P


@pytest.fixture
def small_problems() -> list[P]:
    levels = ["Level 1", "Level 2", "Level 1", "Level 3", "Level 2", "Level 1"]
    subjects = ["Algebra", "Counting", "Algebra", "Geometry", "Algebra", "Counting"]
    return [P(pid, q, a, lv, sj) for (pid, q, a), lv, sj in zip(SMALL, levels, subjects)]


@pytest.fixture
def small_data() -> Path:
    return HERE / "data" / "gsm8k_small.jsonl"

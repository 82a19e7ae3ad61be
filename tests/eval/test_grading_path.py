"""The eval path grades what the model wrote against the dataset's raw gold, never normalized copies."""

from __future__ import annotations

import pytest

from mathagent.datasets.loaders.hendrycks_math import problem_from
from mathagent.eval.items import gold_of, grade_attempt, plan_items


def _math_problem(boxed: str):
    return problem_from({"problem": "p", "solution": f"So $\\boxed{{{boxed}}}$."}, "math/x/0", "x.jsonl", 1)


def test_work_items_carry_the_raw_gold() -> None:
    problem = _math_problem("\\text{North}")
    assert problem.answer == "North" and gold_of(problem) == "\\text{North}"
    items, total = plan_items([problem], ("agent",), 1, set())
    assert total == 1 and items[0].gold == "\\text{North}"


@pytest.mark.parametrize("raw, gold, correct", [
    ("y = -\\frac{1}{2}x + \\frac{1}{3}", "3x+6y-2=0", True),   # normalizing used to drop "y ="
    ("5 \\cdot 10^6 \\text{ watts}", "5000000", True),
    ("\\text{North}", "\\text{north}", True),
    ("y = -\\frac{1}{2}x + \\frac{1}{3}", "\\frac13", False),
])
def test_an_attempt_is_graded_on_its_raw_answer(raw: str, gold: str, correct: bool) -> None:
    assert grade_attempt(raw, gold).correct is correct

import pytest

from mathagent.verifiers.claims import check_equation_claim, find_equation


@pytest.mark.parametrize("problem,expected", [
    ("Solve for x: 3x + 7 = 25.", ("3*x + 7 = 25", "x")),
    ("If 2(y - 1) = 10, what is y?", ("2*(y - 1) = 10", "y")),
    ("Find n such that n^2 = 49 and n > 0.", ("n^2 = 49", "n")),
    ("Janet's ducks lay 16 eggs per day.", None),
    ("x + y = 3 and x - y = 1", None),
    ("Solve 3x = 6 and 2x = 4", None),  # two equations: not attempted
])
def test_find_equation(problem, expected):
    assert find_equation(problem) == expected


def test_unique_solution_passes_as_smt_checked():
    r = check_equation_claim("Solve for x: 3x + 7 = 25.", "6")
    assert r.verdict == "pass" and "SMT-checked" in r.detail


def test_wrong_answer_fails():
    r = check_equation_claim("Solve for x: 3x + 7 = 25.", "7")
    assert r.verdict == "fail" and "does not satisfy" in r.detail


def test_one_of_several_roots_is_inconclusive():
    r = check_equation_claim("Find n such that n^2 = 49 and n > 0.", "7")
    assert r.verdict == "inconclusive" and "not its only solution" in r.detail


def test_not_applicable():
    assert check_equation_claim("Janet's ducks lay 16 eggs per day.", "18") is None
    assert check_equation_claim("Solve for x: 3x + 7 = 25.", "\\frac{a}{b}") is None

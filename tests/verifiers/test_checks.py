"""Check verdicts: comparisons, the recorded form of an already-decided comparison, and the verified rule."""

import pytest

from mathagent.verifiers.checks import CheckResult, compare_answers, is_verified, judged


@pytest.mark.parametrize("claimed, other, verdict, word", [
    ("18", "18.0", "pass", "equivalent"),
    ("\\frac{1}{2}", "0.5", "pass", "equivalent"),
    ("18", "17", "fail", "not equivalent"),
    ("18", "(", "inconclusive", "equivalence undecided"),
])
def test_compare_answers_verdicts(claimed, other, verdict, word):
    check = compare_answers("cot_cross_check", claimed, other, how="chain of thought")
    assert check.verdict == verdict
    assert check.detail.endswith(f": {word}") and check.detail.startswith("chain of thought gave ")


def test_no_rederived_answer_is_inconclusive():
    check = compare_answers("program_cross_check", "18", None, how="an independent program")
    assert (check.verdict, check.detail) == ("inconclusive", "an independent program produced no answer")


@pytest.mark.parametrize("claimed, other", [("18", "18"), ("18", "17"), ("18", "(")])
def test_judged_with_a_decided_comparison_equals_comparing_again(claimed, other):
    first = compare_answers("x", other, claimed, how="h")  # the other way round, as the tie-break does
    again = compare_answers("first_program", claimed, other, how="the first program")
    assert judged("first_program", claimed, other, first.same, how="the first program") == again


def test_same_reads_the_decided_equivalence():
    assert [CheckResult("c", v, "").same for v in ("pass", "fail", "inconclusive", "error")] == [
        True, False, None, None]


def test_verified_needs_an_independent_pass_and_no_fail():
    ok, bad = CheckResult("a", "pass", ""), CheckResult("b", "fail", "")
    dependent = CheckResult("rerun", "pass", "", independent=False)
    assert is_verified([ok]) and is_verified([ok, CheckResult("c", "inconclusive", "")])
    assert not is_verified([ok, bad]) and not is_verified([dependent]) and not is_verified([])

"""Comparison checks: verdicts, and the recorded form of an already-decided comparison."""

import pytest

from mathagent.traces.records import Check
from mathagent.verifiers.checks import compare_answers, judged


@pytest.mark.parametrize("claimed, other, verdict, word", [
    ("18", "18.0", "pass", "equivalent"),
    ("\\frac{1}{2}", "0.5", "pass", "equivalent"),
    ("18", "17", "fail", "not equivalent"),
    ("18", "(", "inconclusive", "equivalence undecided"),
    ("57", "'57'", "pass", "equivalent"),                          # issue 14: a program printed a string
    ("177", "Answer: m+n = 148+29 = 177", "pass", "equivalent"),   # issue 14: a labelled chain
    ("\\frac{1}{2^{99}}", "\\frac{1}{2^{98}}", "fail", "not equivalent"),  # issue 14: exact, no tolerance
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
    assert [Check("c", v, "").same for v in ("pass", "fail", "inconclusive", "error")] == [
        True, False, None, None]

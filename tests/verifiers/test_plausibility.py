"""Is an answer an answer: general rules read from the problem's wording."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from mathagent.verifiers.plausibility import Expectation, expectation, reject_reason


@pytest.mark.parametrize("problem,expected", [
    ("How many apples does she have left?", Expectation(count=True, nonnegative=True)),
    ("How many dollars does he earn per week?", Expectation(nonnegative=True)),
    ("How many hours did the trip take?", Expectation(nonnegative=True)),
    ("What is the probability that both marbles are red?", Expectation(probability=True)),
    ("Expand the product (x+1)(x+2).", Expectation(expression=True)),
    ("Find the value of $x$ such that 3x + 7 = 25.", Expectation()),
    ("What is the area of the triangle?", Expectation(nonnegative=True)),
    ("Compute $\\sin 30^\\circ$.", Expectation()),
])
def test_expectation_reads_the_question(problem, expected):
    assert expectation(problem) == expected


@pytest.mark.parametrize("answer", ["None", "nan", "[]", "\\[", "", "   ", "Nopositiverealrootsfound",
                                    "NameError: name 'x' is not defined", "no solution", "{", "x" * 300])
def test_non_answers_are_rejected_whatever_the_question(answer):
    assert reject_reason(answer, Expectation()) is not None


@pytest.mark.parametrize("problem,answer", [
    ("How many students are in the class?", "31.5"),
    ("How many students are in the class?", "-4"),
    ("How many marbles are left?", "[3, 4]"),
    ("How far did she walk, in miles?", "-2.5"),
    ("What is the probability of rolling a six twice?", "1.2"),
    ("What is the probability of rolling a six twice?", "-\\frac{1}{36}"),
    ("What is the sum of the roots?", "x^5 + 3x^2 + 1"),
    ("What is the least possible value of the sum?", "a + b"),
])
def test_values_the_wording_excludes_are_rejected(problem, answer):
    assert reject_reason(answer, expectation(problem)) is not None


@pytest.mark.parametrize("problem,answer", [
    ("How many students are in the class?", "31"),
    ("How many students are in the class?", "31.0"),
    ("How many dollars did she earn?", "7.50"),
    ("How many hours did it take?", "2.5"),
    ("What is the length of the hypotenuse?", "5\\sqrt{2}"),
    ("What is the probability that it rains?", "\\frac{3}{8}"),
    ("Expand (x+1)(x+2).", "x^2+3x+2"),
    ("Find all real solutions to x^2 = 4.", "-2, 2"),
    ("Which choice is correct?", "\\text{(C)}"),
    ("What is $\\tan 45^\\circ$?", "1"),
    ("What is the smallest angle, in degrees?", "30^\\circ"),
    ("Compute the determinant.", "-7"),
])
def test_plausible_answers_pass(problem, answer):
    assert reject_reason(answer, expectation(problem)) is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.text(max_size=80))
def test_never_raises(answer, problem):
    out = reject_reason(answer, expectation(problem))
    assert out is None or isinstance(out, str)

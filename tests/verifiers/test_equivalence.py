"""The one equivalence judgement: its contract, the in-process fast path, symmetry and bounds."""

from __future__ import annotations

import inspect
import time

import pytest

from mathagent.verifiers.equivalence import exact, inprocess, symbolic
from mathagent.verifiers.equivalence import Judgement, equivalent, judge


def test_call_shape_is_the_contract() -> None:
    sig = inspect.signature(equivalent)
    assert list(sig.parameters) == ["a", "b", "timeout_s"]
    assert sig.parameters["timeout_s"].kind is inspect.Parameter.KEYWORD_ONLY
    assert sig.parameters["timeout_s"].default == 2.0


@pytest.fixture
def no_worker(monkeypatch: pytest.MonkeyPatch):
    """Fail the test if anything reaches for a SymPy worker process."""
    def refuse(*_args, **_kwargs):
        raise AssertionError("a plain answer must be decided in process")

    monkeypatch.setattr(inprocess, "run_isolated", refuse)


@pytest.mark.parametrize("a, b, same", [
    ("18", "18.0", True), ("1,234", "1234", True), ("\\$18.00", "18", True), ("18 dollars", "18", True),
    ("\\frac{3}{4}", "0.75", True), ("2 2/3", "\\frac{8}{3}", True), ("0.\\overline{3}", "\\frac13", True),
    ("1.5e-05", "0.000015", True), ("10^{-13}", "2 \\cdot 10^{-13}", False), ("1000001", "1000000", False),
    ("\\frac{1}{2^{98}}", "\\frac{1}{2^{99}}", False), ("'57'", "57", True),
    ("Answer: m+n = 148+29 = 177", "177", True), ("x = 5", "5", True), ("\\text{North}", "\\text{north}", True),
    ("\\varnothing", "\\emptyset", True), ("(1, 2)", "(1,2)", True), ("(1,2)", "(2,1)", False),
    ("\\{1,2\\}", "\\{2,1\\}", True), ("[-2, 3, 5]", "3, 5, -2", True), ("(1,2)", "[1,2]", False),
    ("[-2, 3]", "3, -2", False), ("[0, 1]", "\\{0, 1\\}", False), ("(0, 1)", "\\{0, 1\\}", False),
    ("[1, 2]", "[1, 2)", False), ("\\{-2, 3\\}", "3, -2", True),
    ("1, 2", "1, 2, 3", False), ("\\text{(B)}", "B", True), ("\\text{Monday}", "5", False),
    ("19, 46, \\text{ and } 82", "19, 46, and 82", True), ("111,\\!111", "111111", True),
])
def test_plain_answers_are_decided_in_process(no_worker, a: str, b: str, same: bool) -> None:
    assert judge(a, b).same is same
    assert judge(b, a).same is same


def test_a_vote_over_eight_numeric_samples_costs_milliseconds(no_worker) -> None:
    samples = ["18", "18.0", "\\$18", "18 dollars", "17", "1,8", "\\frac{36}{2}", "18.00"]
    judge("1", "1")
    start = time.process_time()  # CPU time: a busy machine must not fail it, and no other process is involved
    for _ in range(10):
        for i, a in enumerate(samples):
            for b in samples[i + 1:]:
                equivalent(a, b)
    per_vote = (time.process_time() - start) / 10
    assert per_vote < 0.05, f"{per_vote * 1000:.1f} ms per 28-pair vote"


@pytest.mark.parametrize("a, b", [
    ("x^2+2x+1", "(x+1)^2"), ("\\sqrt{12}", "2\\sqrt3"), ("x<3", "(-\\infty,3)"), ("14 - I", "14-i"),
    ("y = 2x+1", "2x - y + 1 = 0"), ("e^{-40}", "e^{-41}"), ("\\frac{\\pi}{2}", "1.5707963"),
    ("10^{-13}x", "2\\cdot 10^{-13}x"), ("\\text{North}", "N"),
])
def test_judgement_is_symmetric(a: str, b: str) -> None:
    assert judge(a, b).same is judge(b, a).same


def test_undecided_says_why() -> None:
    unread = judge("\\frac{", "5")
    assert unread.same is None and unread.unread == ("a",) and not unread.timed_out
    empty = judge("", "5")
    assert empty == Judgement(None, "empty answer", ("a",))
    assert judge(None, "5").same is None  # type: ignore[arg-type]


def test_deadline_bounds_the_call() -> None:
    judge("x", "x+0")  # a warm worker: start-up is not part of the deadline
    start = time.monotonic()
    got = judge("2^{2^{2^{2^{2^{100}}}}} - 1", "3^{3^{3^{3^{3^{100}}}}}", timeout_s=0.3)
    assert time.monotonic() - start < 5.0
    assert got.same in (None, False)


def test_no_time_left_is_a_timeout_not_a_verdict() -> None:
    got = judge("\\sqrt{2}", "2^{1/2}", timeout_s=0)
    assert got.same is None and got.timed_out


def test_math_verify_fragments_are_not_verdicts() -> None:
    # math-verify's malformed-operator fix reads `2007 + \frac\pi 2` as 2: that is no verdict on the answer
    assert symbolic._covers("2007 + \\frac\\pi 2", 2) is False
    assert judge("2007 + \\frac\\pi 2", "2").same is False


@pytest.mark.parametrize("a, b, same", [
    ("\\binom{200}{100}", "\\binom{200}{100}+1", False), ("\\sqrt{2}+10^{-50}", "\\sqrt{2}", False),
    ("10^{10^{10}}", "10^{10^{10}}+1", False), ("\\sqrt{10^{100}+1}", "10^{50}", False),
    ("10^{10000000000}", "10^{10000000001}", False), ("\\sqrt{8}", "2\\sqrt{2}", True),
    ("\\frac{200!}{100!\\,100!}", "\\binom{200}{100}", True),
])
def test_exact_values_are_compared_exactly(a: str, b: str, same: bool) -> None:
    """Two exact values are equal only when proved equal: no tolerance, however small, between them."""
    assert judge(a, b, timeout_s=60).same is same
    assert judge(b, a, timeout_s=60).same is same


def test_exact_values_too_large_to_decide_are_not_called_equal() -> None:
    got = judge("10^{10000000000}", "10^{10000000000}+1", timeout_s=60)
    assert got.same is not True


def test_exact_rule_in_sympy_terms() -> None:
    import sympy

    assert exact.exact_same(sympy.sqrt(2) + sympy.Rational(1, 10**50), sympy.sqrt(2)) is False
    assert exact.exact_same(sympy.sqrt(2) + sympy.sqrt(3), sympy.sqrt(5 + 2 * sympy.sqrt(6))) is True
    huge = sympy.Pow(10, sympy.Integer(10**10), evaluate=False)
    assert exact.exact_same(huge, sympy.Pow(10, sympy.Pow(10, 10, evaluate=False), evaluate=False)) is None
    assert exact.numbers_same(sympy.Float("1.4142135623731"), sympy.sqrt(2), 1e-12) is True

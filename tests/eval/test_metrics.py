"""Statistics: Wilson intervals, unbiased pass@k, majority vote, per-strategy summaries."""

from __future__ import annotations

import math
from itertools import combinations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mathagent.eval.metrics import Row, majority_correct, pass_at_k, summarize, wilson_interval


def test_wilson_known_values():
    lo, hi = wilson_interval(8, 10)
    assert lo == pytest.approx(0.4902, abs=1e-4) and hi == pytest.approx(0.9433, abs=1e-4)
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(0, 10)[1] == pytest.approx(0.2775, abs=1e-4)
    assert wilson_interval(10, 10)[1] == 1.0
    assert wilson_interval(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_contains_estimate_and_stays_in_unit_interval(kn):
    k, n = kn
    lo, hi = wilson_interval(k, n)
    assert 0.0 <= lo <= k / n <= hi <= 1.0


@pytest.mark.parametrize("n,c,k", [(5, 2, 1), (5, 2, 2), (5, 2, 3), (5, 2, 4), (10, 3, 5), (4, 0, 2), (4, 4, 1)])
def test_pass_at_k_equals_exhaustive_subset_probability(n, c, k):
    """pass@k is the probability that a random k-subset of the n samples has a correct one."""
    samples = [True] * c + [False] * (n - c)
    subsets = list(combinations(range(n), k))
    exact = sum(any(samples[i] for i in s) for s in subsets) / len(subsets)
    assert pass_at_k(n, c, k) == pytest.approx(exact)


def test_pass_at_1_is_fraction_correct_and_bad_args_raise():
    assert pass_at_k(8, 3, 1) == pytest.approx(3 / 8)
    with pytest.raises(ValueError):
        pass_at_k(3, 4, 1)
    with pytest.raises(ValueError):
        pass_at_k(3, 1, 4)


def row(pid, strategy, i, answer, correct, verified=False, seconds=1.0, tokens=10):
    return Row(pid, strategy, i, answer, correct, verified, seconds, tokens)


def test_majority_vote_normalizes_and_breaks_ties_by_first_sample():
    rows = [row("p", "a", 0, "18", True), row("p", "a", 1, "17", False), row("p", "a", 2, "18.0", True),
            row("p", "a", 3, None, False)]
    assert majority_correct(rows) is True
    tie = [row("p", "a", 0, "17", False), row("p", "a", 1, "18", True)]
    assert majority_correct(tie) is False
    assert majority_correct([row("p", "a", 0, None, False)]) is False


@pytest.mark.parametrize("answers, correct, expected", [
    (["3", "0.5", "\\frac{1}{2}"], [False, True, True], True),          # 1/2 has 2 of 3 votes
    (["\\frac{1}{2}", "3", "3", "0.5"], [True, False, False, True], True),  # 2-2 tie: the group formed first
    (["3", "\\frac{1}{2}", "0.5", "3"], [False, True, True, False], False),  # 2-2 tie: `3` formed first
    (["18", "\\$18", "18.0", "17", "17"], [True, True, True, False, False], True),
    (["[-2, 3, 5]", "5, -2, 3", "\\{3, 5, -2\\}", "-2, 3"], [True, True, True, False], True),
    (["[0, 1]", "\\{0, 1\\}", "0, 1", "[0, 1]"], [True, False, False, True], True),  # an interval, not a list
    (["x = 5", "5", "y = 6", "6", "6"], [True, True, False, False, False], False),
])
def test_majority_vote_groups_by_the_equivalence_judgement(answers, correct, expected):
    """maj@k groups samples as the agent's vote does (the one equivalence judgement), not by normalized text."""
    rows = [row("p", "a", i, ans, ok) for i, (ans, ok) in enumerate(zip(answers, correct))]
    assert majority_correct(rows) is expected
    assert majority_correct(list(reversed(rows))) is expected  # sample order, not row order


def test_majority_vote_uses_the_votes_grouping(monkeypatch):
    from mathagent.agent import vote
    from mathagent.eval import metrics

    metrics._answer_classes.cache_clear()
    seen = []
    real = vote.group
    monkeypatch.setattr(vote, "group", lambda answers, eq: seen.append(answers) or real(answers, eq))
    assert majority_correct([row("q", "a", 0, "7", True), row("q", "a", 1, "7.0", True)]) is True
    assert seen == [("7", "7.0")]


def test_summary_with_samples():
    rows = []
    # p1: 3 of 4 right; p2: 1 of 4 right (minority); p3: none answered
    for i, ok in enumerate([True, True, False, True]):
        rows.append(row("p1", "agent", i, "5" if ok else "6", ok, verified=ok))
    for i, ok in enumerate([False, True, False, False]):
        rows.append(row("p2", "agent", i, "1" if ok else "2", ok, verified=not ok, seconds=3.0))
    for i in range(4):
        rows.append(row("p3", "agent", i, None, False, tokens=0))
    s = summarize(rows, ["agent", "cot"], samples=4)["agent"]
    assert s["n"] == 3 and s["attempts"] == 12 and s["correct"] == 4
    assert s["accuracy"] == pytest.approx(4 / 12, abs=1e-6)
    assert s["maj_at_k"] == pytest.approx(1 / 3, abs=1e-6)
    assert s["pass_at_k"] == pytest.approx(2 / 3, abs=1e-6)
    # verified: 3 right ones in p1 and 3 wrong ones in p2
    assert s["verified_coverage"] == pytest.approx(6 / 12, abs=1e-6)
    assert s["verified_precision"] == pytest.approx(0.5)
    assert s["tokens"] == 80
    assert s["mean_seconds"] == pytest.approx((4 * 1 + 4 * 3 + 4 * 1) / 12, abs=1e-3)
    lo, hi = s["accuracy_ci95"]
    assert lo < 4 / 12 < hi
    empty = summarize(rows, ["agent", "cot"], samples=4)["cot"]
    assert empty["n"] == 0 and empty["accuracy"] is None and empty["verified_precision"] is None
    assert not math.isnan(empty["accuracy_ci95"][0])


def test_single_sample_summary_has_no_k_metrics():
    s = summarize([row("p", "cot", 0, "1", True)], ["cot"], samples=1)["cot"]
    assert s["accuracy"] == 1.0 and "maj_at_k" not in s and "pass_at_k" not in s

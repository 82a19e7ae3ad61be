"""Accuracy statistics: Wilson intervals, unbiased pass@k, majority vote.

All functions are pure and take plain numbers or rows, so the summary printed
by ``mathagent eval`` and the one in the HTML report are computed the same way
from the rows in the trace database (the single source of truth, which is
what makes a resumed run's table equal an uninterrupted one).  maj@k groups
answers with the one equivalence judgement (:func:`majority_correct`), which
is deterministic except where a comparison reaches its deadline.
"""

from __future__ import annotations

import math
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

Z_95 = 1.959963984540054


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95% by default).

    Chosen over the normal approximation because it stays inside [0, 1] and
    behaves at 0/n and n/n, which small dev subsets hit often.  ``n == 0``
    gives the uninformative interval (0, 1).
    """
    if n <= 0:
        return (0.0, 1.0)
    if not 0 <= successes <= n:
        raise ValueError(f"successes={successes} outside 0..{n}")
    p = successes / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    lo = 0.0 if successes == 0 else max(0.0, centre - half)
    hi = 1.0 if successes == n else min(1.0, centre + half)
    return (lo, hi)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k from ``n`` samples of which ``c`` are correct (Chen et al., 2021).

    ``1 - C(n-c, k) / C(n, k)``, computed as a stable product.
    """
    if not (0 <= c <= n) or k < 1 or k > n:
        raise ValueError(f"pass_at_k needs 0 <= c <= n and 1 <= k <= n (n={n}, c={c}, k={k})")
    if n - c < k:
        return 1.0
    prod = 1.0
    for i in range(n - c + 1, n + 1):
        prod *= 1.0 - k / i
    return 1.0 - prod


@dataclass(frozen=True)
class Row:
    """The fields of one trace that the statistics need."""

    problem_id: str
    strategy: str
    sample_index: int
    answer: str | None
    correct: bool
    verified: bool                 # the agent's own judgement: its gold-free level is formal or consensus
    seconds: float
    tokens: int
    level: str = "unverified"      # the agent's gold-free level
    confidence: float | None = None


MAJORITY_COMPARISON_TIMEOUT_S = 2.0  # one equivalence judgement, as in the agent's vote
MAJORITY_BUDGET_S = 20.0  # all of one problem's comparisons; past it only identical answers group


def majority_correct(rows: Sequence[Row]) -> bool:
    """Whether the majority answer among one problem's samples is correct.

    Answers are grouped by the project's one equivalence judgement
    (:func:`mathagent.verifiers.equivalence.equivalent`), with the agent's vote's grouping
    (:func:`mathagent.agent.vote.group`): in sample order, each answer joins the first group whose first
    answer it is equivalent to, an undecided comparison counting as "different" -- so ``0.5`` and
    ``\\frac{1}{2}`` vote together.  Rows without an answer do not vote.  The majority is the largest group;
    a tie goes to the group formed first (the one whose first answer has the lowest sample index).  The
    majority answer is that group's first answer, and it is correct when its row was graded correct.  No
    answer at all counts as incorrect.

    Bounded: each comparison by ``MAJORITY_COMPARISON_TIMEOUT_S`` seconds and one problem's comparisons
    together by ``MAJORITY_BUDGET_S`` (after which only what the judgement decides in process -- plain numbers,
    words, lists of them, in microseconds -- still groups; the rest counts as different).  Groupings are remembered, so ``summarize`` and ``strategy_pairs`` on the
    same rows compare once.
    """
    voting = sorted((r for r in rows if r.answer), key=lambda r: r.sample_index)
    if not voting:
        return False
    classes = _answer_classes(tuple(r.answer or "" for r in voting))
    best = max(range(len(classes)), key=lambda c: (len(classes[c]), -c))
    return voting[classes[best][0]].correct


@lru_cache(maxsize=8192)
def _answer_classes(answers: tuple[str, ...]) -> tuple[tuple[int, ...], ...]:
    from mathagent.agent.vote import group
    from mathagent.verifiers.equivalence import equivalent

    deadline = time.monotonic() + MAJORITY_BUDGET_S

    def same(a: str, b: str) -> bool | None:
        if a == b:
            return True
        left = max(0.0, deadline - time.monotonic())  # 0: only the in-process judgement, no SymPy worker
        return equivalent(a, b, timeout_s=min(MAJORITY_COMPARISON_TIMEOUT_S, left))

    return tuple(tuple(c) for c in group(answers, same))


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 6) if den else None


def summarize_strategy(rows: Sequence[Row], samples: int) -> dict:
    """Summary of one strategy's rows (see ``summarize``)."""
    by_problem: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        by_problem[r.problem_id].append(r)
    attempts = len(rows)
    correct = sum(r.correct for r in rows)
    verified = [r for r in rows if r.verified]
    lo, hi = wilson_interval(correct, attempts)
    out = {
        "n": len(by_problem),
        "attempts": attempts,
        "correct": correct,
        "accuracy": _ratio(correct, attempts),
        "accuracy_ci95": [round(lo, 6), round(hi, 6)],
        "verified_precision": _ratio(sum(r.correct for r in verified), len(verified)),
        "verified_coverage": _ratio(len(verified), attempts),
        "mean_seconds": round(sum(r.seconds for r in rows) / attempts, 3) if attempts else None,
        "tokens": sum(r.tokens for r in rows),
    }
    if samples > 1:
        complete = [g for g in by_problem.values() if len(g) == samples]
        out["k"] = samples
        out["problems_with_all_samples"] = len(complete)
        out["maj_at_k"] = _ratio(sum(majority_correct(g) for g in complete), len(complete))
        out["pass_at_k"] = _ratio(sum(pass_at_k(samples, sum(r.correct for r in g), samples) for g in complete),
                                  len(complete))
    return out


def summarize(rows: Iterable[Row], strategies: Sequence[str], samples: int) -> dict[str, dict]:
    """Per-strategy summary, in the order of ``strategies``.

    ``accuracy`` is over all (problem, sample) attempts, i.e. pass@1 when
    ``samples > 1``; its 95% Wilson interval treats attempts as independent.
    ``maj_at_k`` / ``pass_at_k`` are over problems with all ``samples`` done.
    """
    by_strategy: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        by_strategy[r.strategy].append(r)
    return {s: summarize_strategy(by_strategy.get(s, []), samples) for s in strategies}


def mcnemar_exact(only_a: int, only_b: int) -> float:
    """Two-sided exact McNemar test: the probability, if A and B were equally good, of discordant pairs at
    least as lopsided as ``only_a`` vs ``only_b`` (a binomial test of min(only_a, only_b) in
    only_a + only_b trials with p = 1/2).  1.0 when there is no discordant pair."""
    if only_a < 0 or only_b < 0:
        raise ValueError(f"discordant counts must be >= 0 (got {only_a}, {only_b})")
    n, k = only_a + only_b, min(only_a, only_b)
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * tail)


@dataclass(frozen=True)
class Paired:
    """A and B on the same problems: who got which right, and whether the difference is more than chance."""

    a: str
    b: str
    n: int
    both: int
    only_a: int
    only_b: int
    neither: int
    only_a_ids: tuple[str, ...]
    only_b_ids: tuple[str, ...]

    @property
    def p_value(self) -> float:
        return mcnemar_exact(self.only_a, self.only_b)

    def as_dict(self, *, ids: bool = True) -> dict:
        out = {"a": self.a, "b": self.b, "n": self.n, "both": self.both, "only_a": self.only_a,
               "only_b": self.only_b, "neither": self.neither, "p_value": round(self.p_value, 6)}
        if ids:
            out.update(only_a_ids=list(self.only_a_ids), only_b_ids=list(self.only_b_ids))
        return out


def natural_key(text: str) -> tuple:
    """Sort ``gsm8k/dev/4`` before ``gsm8k/dev/15``: digit runs compare as numbers."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text))


def paired(a: str, outcomes_a: dict[str, bool], b: str, outcomes_b: dict[str, bool]) -> Paired:
    """Compare two per-problem outcome maps on the problems both have (``{problem_id: correct}``)."""
    common = sorted(set(outcomes_a) & set(outcomes_b), key=natural_key)
    only_a = tuple(p for p in common if outcomes_a[p] and not outcomes_b[p])
    only_b = tuple(p for p in common if outcomes_b[p] and not outcomes_a[p])
    both = sum(outcomes_a[p] and outcomes_b[p] for p in common)
    return Paired(a, b, len(common), both, len(only_a), len(only_b), len(common) - both - len(only_a) - len(only_b),
                  only_a, only_b)


def problem_outcomes(rows: Iterable[Row], samples: int) -> dict[str, dict[str, bool]]:
    """``{strategy: {problem_id: correct}}``: the row itself with one sample, the majority answer with
    ``samples > 1`` (problems with every sample done only), as maj@k counts them."""
    groups: dict[str, dict[str, list[Row]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        groups[r.strategy][r.problem_id].append(r)
    out: dict[str, dict[str, bool]] = {}
    for strategy, by_problem in groups.items():
        if samples > 1:
            out[strategy] = {p: majority_correct(g) for p, g in by_problem.items() if len(g) == samples}
        else:
            out[strategy] = {p: any(r.correct for r in g) for p, g in by_problem.items()}
    return out


def strategy_pairs(rows: Iterable[Row], strategies: Sequence[str], samples: int) -> list[Paired]:
    """Every pair of a run's strategies (in the run's order), compared problem by problem."""
    outcomes = problem_outcomes(rows, samples)
    present = [s for s in strategies if s in outcomes]
    return [paired(a, outcomes[a], b, outcomes[b]) for i, a in enumerate(present) for b in present[i + 1:]]

"""Formal checks of an informal answer: a claim about the answer, built from the problem and decided by a checker.

Entry point: :func:`check_claims` ``(problem, answer, *, timeout_s) -> list[Check]``.  When the
problem's wording is *exactly* one of the shapes :mod:`mathagent.verifiers.claims.shapes` reads
(an arithmetic expression to evaluate, a remainder, equations to solve, the roots of a polynomial,
integers satisfying a condition, gcd/lcm/divisors of literal numbers), the claim "``answer`` is the
answer" is decided by exact arithmetic (SymPy in a killable worker,
:mod:`mathagent.verifiers.claims.decide`) and, for statements about *all* values of the unknowns
(uniqueness of a solution, bounds of a solution set), by the SMT backend
(:func:`mathagent.verifiers.formal.api.check_claim`).  ``pass`` means proved to be the answer of the
problem as stated, ``fail`` proved wrong; anything the checker could not decide is ``inconclusive``,
and a problem outside the shapes gets no check at all.  The builder refuses rather than guesses: a
wrongly built claim that "proves" a wrong answer is the worst outcome.

It replaces an earlier one-equation check that read an equation out of any text (extra words could
add conditions it ignored, so it could prove a wrong answer).
"""

from __future__ import annotations

import time

from mathagent.traces.records import Check

MAX_ANSWER_CHARS = 300
WORKER_SHARE = 0.5
"""Part of the budget the SymPy worker may use; the SMT obligations share the rest."""


def build_claim(problem: str):
    """The :class:`~mathagent.verifiers.claims.shapes.Claim` ``problem`` states exactly, or None (never raises)."""
    from mathagent.verifiers.claims.read import read_claim

    try:
        return read_claim(problem)
    except RecursionError:
        return None


def check_claims(problem: str, answer: str, *, timeout_s: float = 5.0) -> list[Check]:
    """Checks of ``answer`` against ``problem``: ``[]`` when no claim can be built, else one :class:`Check`.

    The check is named ``claim_<shape>`` (``claim_value``, ``claim_residue``, ``claim_equations``,
    ``claim_roots``, ``claim_count``, ``claim_int_extreme``, ``claim_int_sum``, ``claim_numtheory``).
    Its verdict is ``pass`` (proved to be the answer; ``formal=True``), ``fail`` (proved wrong;
    ``formal=True``) or ``inconclusive`` (``formal=False``, the detail says why).  Never raises for
    any text; the whole call is bounded by about ``timeout_s`` seconds (the SymPy work runs in a
    killable worker process, z3 under its own timeout) plus, once per process, the worker's start.
    """
    from mathagent.verifiers.answers import normalize_answer

    start = time.monotonic()
    claim = build_claim(problem)
    if claim is None:
        return []
    name = f"claim_{claim.shape}"
    ans = normalize_answer(answer) if isinstance(answer, str) else ""
    if not ans or len(ans) > MAX_ANSWER_CHARS:
        return [Check(name, "inconclusive", "no answer the claim builder can read")]
    decision = _decide(claim, ans, max(0.05, timeout_s * WORKER_SHARE))
    if isinstance(decision, str):
        return [Check(name, "inconclusive", decision)]
    if not decision.outcomes:
        return [Check(name, "inconclusive", f"{claim.template}: {decision.undecided or 'undecided'}")]
    deadline = start + timeout_s
    verdicts: dict = {}
    for outcome in decision.outcomes:
        if all(_holds(need, verdicts, deadline) for need in outcome.needs):
            label = " (SMT-checked)" if outcome.needs else " (exact arithmetic)"
            return [Check(name, outcome.verdict, f"{claim.template}: {outcome.detail}{label}", formal=True)]
    why = "; ".join(f"{k[1]} over {k[3]}: {v}" for k, v in verdicts.items())[:400]
    return [Check(name, "inconclusive", f"{claim.template}: {decision.statement}; not decided ({why})")]


def _decide(claim, answer: str, timeout_s: float):
    """The worker's Decision, or a string saying why there is none."""
    from mathagent.verifiers.deadline import Finished, TimedOut
    from mathagent.verifiers.isolation import run_isolated

    outcome = run_isolated("mathagent.verifiers.claims.decide:decide", (claim, answer), timeout_s)
    if isinstance(outcome, Finished):
        return outcome.value
    if isinstance(outcome, TimedOut):
        return f"{claim.template}: exact evaluation ran past {timeout_s:.1f} s"
    return f"{claim.template}: exact evaluation failed ({str(outcome.error)[:120]})"


def _holds(need, verdicts: dict, deadline: float) -> bool:
    """Whether the SMT backend's verdict on ``need`` is the one it wants (verdicts memoized per call)."""
    from mathagent.verifiers.formal.api import check_claim

    key = (need.hyps, need.goal, need.variables, need.domain)
    if key not in verdicts:
        left = deadline - time.monotonic()
        if left <= 0.05:
            verdicts[key] = "no time left"
            return False
        v = check_claim(list(need.hyps), need.goal, {name: need.domain for name in need.variables}, timeout_s=left)
        verdicts[key] = v.kind
    return verdicts[key] == need.want

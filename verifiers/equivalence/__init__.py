"""The one equivalence judgement: do two answers denote the same mathematical object?

Everything that compares answers calls this module: gold grading (:func:`mathagent.eval.grading.grade`),
the agent's cross-checks and tie-break (:func:`mathagent.verifiers.checks.compare_answers`), majority
votes, synthetic-data checks and export filters.  A fix here lands everywhere at once.

``equivalent(a, b, *, timeout_s=2.0) -> bool | None`` is the short form; :func:`judge` returns a
:class:`Judgement` that also says which rule decided and, when undecided, why (a side nobody could read,
or the deadline).  The judgement is symmetric.

How (cheapest first; each stage decides only when it knows):

1. In process, no SymPy (microseconds, so a vote over many samples costs milliseconds): both answers are
   cleaned (:func:`~mathagent.verifiers.reading.clean_answer`: delimiters, boxes, ``Answer:`` labels,
   quotes); an equation or chain against a value is reduced to its last side (``m+n = 148+29 = 177`` vs
   ``177``); the forms of :mod:`~mathagent.verifiers.reading` are compared: numbers with exact arithmetic
   (floats with a relative tolerance from the digits they show), words ignoring case, choice letters, the
   empty set; tuples, intervals, sets and lists element by element (a two-element ``[a, b]``, ``[a, b)``,
   ``(a, b]`` is an interval, never equal to a set or list of its endpoints; see :func:`~mathagent.verifiers.equivalence.inprocess.bracket_kind`).
2. In a killable worker with a deadline (:func:`~mathagent.verifiers.isolation.run_isolated`, never
   SIGALRM): both sides parsed by ``latex2sympy2_extended`` after :func:`~mathagent.verifiers.reading.parser_latex`
   and compared by :func:`~mathagent.verifiers.equivalence.symbolic.values_same` -- exactly for exact values (:func:`~mathagent.verifiers.equivalence.exact.exact_same`: equal only when proved,
   different when a guaranteed-precision evaluation of the difference is nonzero, else undecided; never a
   tolerance), relative tolerance when a float is involved,
   exact rational probes for expressions, equations as proportional, an inequality against an interval
   as sets; then math-verify (``parse``/``verify`` with its signal timeouts off, in both directions, sets
   and relations comparable) for what our reading missed.  math-verify's "equal" is vetoed when both
   values are numeric and differ under our exact rule (it rounds floats to 6 places and chops tiny
   values: ``10^{-20}`` vs ``2\\cdot 10^{-20}``).

Sources: math-verify (huggingface/Math-Verify) for parsing and its comparison heuristics;
``latex2sympy2_extended`` for LaTeX; the MATH grading conventions of Hendrycks et al. (answers such as
``x<3`` for ``(-\\infty, 3)``, ``\\text{}`` words, units).

Modules: :mod:`~mathagent.verifiers.equivalence.inprocess` (stage 1),
:mod:`~mathagent.verifiers.equivalence.symbolic` and :mod:`~mathagent.verifiers.equivalence.exact` (stage 2, in the
worker), :mod:`~mathagent.verifiers.equivalence.judgement` (the verdict type and bounds).
"""

from __future__ import annotations

import time

from mathagent.verifiers.equivalence.inprocess import judge_texts
from mathagent.verifiers.equivalence.judgement import Judgement


def equivalent(a: str, b: str, *, timeout_s: float = 2.0) -> bool | None:
    """Whether answers ``a`` and ``b`` denote the same object: True/False when decided, ``None`` when a
    side cannot be read or ``timeout_s`` seconds passed.  See :func:`judge`."""
    return judge(a, b, timeout_s=timeout_s).same


def judge(a: str, b: str, *, timeout_s: float = 2.0) -> Judgement:
    """Judge answers ``a`` and ``b`` (model text already reduced to its final answer, or a bare answer).

    Never raises; bounded by ``timeout_s`` (plus process start-up the first time a worker is needed).
    Plain numbers, words, choices, the empty set and collections of them are decided in process.
    """
    deadline = time.monotonic() + max(0.0, float(timeout_s))
    try:
        return judge_texts(a, b, deadline, 0)
    except RecursionError:
        return Judgement(None, "answer nested too deeply")


__all__ = ["Judgement", "equivalent", "judge"]

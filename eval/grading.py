"""Grade a predicted final answer against a gold answer.

Pipeline (each step bounded, none uses SIGALRM):

1. Pull the final answer out of the prediction (``\\boxed{}``, ``#### N``,
   "the answer is X") and out of the gold (a MATH solution's last box).
2. Equal after :func:`normalize_answer` -> correct.
3. math-verify (``parse`` with ``parsing_timeout=None``, ``verify`` with
   ``timeout_seconds=None``: its own timeouts use ``signal.alarm``, which fails
   off the main thread) in a killable worker process with a deadline
   (:func:`mathagent.verifiers.isolation.run_isolated`).
4. Our own :func:`equivalent` (units, thousands separators, unordered lists,
   mixed numbers) with whatever time is left.

The prediction is correct when either checker says so, with one veto:
math-verify rounds numbers to 6 decimals, so it equates e.g. ``1/2^99`` and
``1/2^98`` (math-verify issue #14); when both sides are plain numbers whose
relative difference exceeds ``NUMERIC_VETO_REL`` the answer is incorrect.

Statuses: ``correct``, ``incorrect`` (both sides understood, not equal),
``no_answer`` (nothing extractable in the prediction), ``parse_error`` (a side
could not be parsed by either checker) and ``timeout`` (the deadline passed
before a decision).  ``grade`` never raises on any input text.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Literal

from mathagent.verifiers.answers import (
    MAX_SYMPY_CHARS,
    equivalent,
    extract_boxed,
    extract_final_answer,
    normalize_answer,
)
from mathagent.verifiers.deadline import Finished, Raised, TimedOut
from mathagent.verifiers.isolation import run_isolated

GradeStatus = Literal["correct", "incorrect", "no_answer", "parse_error", "timeout"]

NUMERIC_VETO_REL = 1e-4


@dataclass(frozen=True)
class GradeResult:
    """The verdict on one prediction; ``detail`` says which check decided."""

    correct: bool
    status: GradeStatus
    pred_normalized: str | None
    gold_normalized: str
    detail: str

    def as_meta(self) -> dict[str, str]:
        """The part stored with a trace (``meta["grade"]``); the recorder and ``regrade`` both write it."""
        return {"status": self.status, "detail": self.detail}


class _DropTimeoutDisabledWarning(logging.Filter):
    """math-verify warns once that its timeout is off; we disable it on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Timeout is disabled" not in record.getMessage()


_filter_installed = False


def _quiet_math_verify() -> None:
    global _filter_installed
    if not _filter_installed:
        for name in ("math_verify.parser", "math_verify.grader"):
            logging.getLogger(name).addFilter(_DropTimeoutDisabledWarning())
        _filter_installed = True


def _answer_of(text: str) -> str | None:
    """The answer part of a prediction or gold string."""
    stripped = text.strip()
    if not stripped:
        return None
    got = extract_final_answer(stripped)
    if got is not None:
        return got
    return stripped


@dataclass(frozen=True)
class _MVOutcome:
    gold_parsed: bool
    pred_parsed: bool
    verdict: bool
    values_differ: bool


def _math_verify(gold: str, pred: str) -> _MVOutcome:
    """Run math-verify with its signal-based timeouts disabled (called in a deadline worker)."""
    import sympy
    from math_verify import parse, verify

    _quiet_math_verify()
    gold_p = parse("\\boxed{" + gold + "}", parsing_timeout=None)
    pred_p = parse("\\boxed{" + pred + "}", parsing_timeout=None)
    gold_ok = any(isinstance(x, (sympy.Basic, sympy.MatrixBase)) for x in gold_p)
    pred_ok = any(isinstance(x, (sympy.Basic, sympy.MatrixBase)) for x in pred_p)
    verdict = bool(gold_p and pred_p and verify(gold_p, pred_p, timeout_seconds=None))
    differ = False
    if verdict and gold_p and pred_p:
        differ = _numerically_different(gold_p[0], pred_p[0])
    return _MVOutcome(gold_ok, pred_ok, verdict, differ)


def _numerically_different(g: Any, p: Any) -> bool:
    """Whether two numeric SymPy values differ by more than ``NUMERIC_VETO_REL`` relatively.

    Evaluated with SymPy floats (arbitrary exponent range), because Python
    floats underflow ``1/2004!`` and ``1/2006!`` to the same 0.0.
    """
    import sympy

    if not (isinstance(g, sympy.Expr) and isinstance(p, sympy.Expr) and g.is_number and p.is_number):
        return False
    try:
        gv, pv = sympy.N(g, 30), sympy.N(p, 30)
        if gv.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo) or pv.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
            return False
        scale = sympy.Max(sympy.Abs(gv), sympy.Abs(pv))
        if scale == 0:
            return False
        return bool(sympy.Abs(gv - pv) / scale > NUMERIC_VETO_REL)
    except (TypeError, ValueError, OverflowError, AttributeError):
        return False


def grade(prediction: str | None, gold: str, *, timeout_s: float = 5.0) -> GradeResult:
    """Grade ``prediction`` (model text or a bare answer) against ``gold``.

    Never raises; ``timeout_s`` bounds the whole call (plus thread start-up).
    """
    start = time.monotonic()
    gold_text = "" if gold is None else str(gold)
    gold_box = extract_boxed(gold_text)
    gold_ans = gold_box if gold_box is not None else gold_text.strip()
    gold_norm = normalize_answer(gold_ans)
    if prediction is None or not str(prediction).strip():
        return GradeResult(False, "no_answer", None, gold_norm, "empty prediction")
    pred_ans = _answer_of(str(prediction))
    if pred_ans is None or not normalize_answer(pred_ans):
        return GradeResult(False, "no_answer", None, gold_norm, "no final answer found in the prediction")
    pred_norm = normalize_answer(pred_ans)
    if not gold_norm:
        return GradeResult(False, "parse_error", pred_norm, gold_norm, "empty gold answer")
    if pred_norm == gold_norm:
        return GradeResult(True, "correct", pred_norm, gold_norm, "equal after normalization")
    if len(pred_ans) > MAX_SYMPY_CHARS or len(gold_ans) > MAX_SYMPY_CHARS:
        return GradeResult(False, "parse_error", pred_norm, gold_norm, f"answer longer than {MAX_SYMPY_CHARS} characters")

    mv = run_isolated(f"{__name__}:_math_verify", (gold_ans, pred_ans), timeout_s)
    mv_timed_out = isinstance(mv, TimedOut)
    if isinstance(mv, Finished):
        out: _MVOutcome = mv.value
        if out.verdict:
            if out.values_differ:
                return GradeResult(
                    False, "incorrect", pred_norm, gold_norm,
                    "math-verify matched after rounding, but the values differ (numeric veto)",
                )
            return GradeResult(True, "correct", pred_norm, gold_norm, "math-verify")
    mv_note = "math-verify timed out" if mv_timed_out else (
        f"math-verify raised {type(mv.error).__name__}" if isinstance(mv, Raised) else "math-verify: not equal"
    )

    remaining = timeout_s - (time.monotonic() - start)
    if remaining <= 0:
        return GradeResult(False, "timeout", pred_norm, gold_norm, f"{mv_note}; no time left for the fallback")
    try:
        fallback = equivalent(pred_ans, gold_ans, timeout_s=remaining)
    except Exception as exc:  # noqa: BLE001 - a checker bug is reported, not raised
        fallback = None
        mv_note += f"; fallback raised {type(exc).__name__}"
    if fallback is True:
        return GradeResult(True, "correct", pred_norm, gold_norm, f"{mv_note}; sympy fallback: equal")
    if fallback is False:
        return GradeResult(False, "incorrect", pred_norm, gold_norm, f"{mv_note}; sympy fallback: not equal")

    if isinstance(mv, Finished) and mv.value.gold_parsed and mv.value.pred_parsed:
        return GradeResult(False, "incorrect", pred_norm, gold_norm, f"{mv_note}; fallback undecided")
    if mv_timed_out or time.monotonic() - start >= timeout_s:
        return GradeResult(False, "timeout", pred_norm, gold_norm, f"{mv_note}; fallback undecided")
    side = "gold" if isinstance(mv, Finished) and not mv.value.gold_parsed else "prediction"
    return GradeResult(False, "parse_error", pred_norm, gold_norm, f"{mv_note}; could not parse the {side}")

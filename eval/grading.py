"""Grade a predicted final answer against a gold answer.

``grade(prediction, gold)`` is the project's grader, like math-verify's ``verify(parse(gold),
parse(pred))``: it grades *what the model wrote*, never a normalized copy of it.

1. The prediction's final answer is extracted (:func:`~mathagent.verifiers.extraction.extract_final_answer`:
   the last ``\\boxed{}``, else ``#### N``, else "the (final) answer is X"; a bare answer is taken whole).
2. The gold's answer is extracted by ``gold_format``: ``math`` (a MATH solution's last ``\\boxed{}``),
   ``gsm8k`` (the text after the last ``####``), ``latex`` (the gold is the answer) or ``auto`` (a box if
   there is one, else ``####`` if there is one, else the whole text).
3. The two raw answers go to the one equivalence judgement,
   :func:`mathagent.verifiers.equivalence.judge` (exact arithmetic in process, then SymPy and math-verify
   in a killable worker with a deadline; never SIGALRM).  :func:`~mathagent.verifiers.answers.normalize_answer`
   only fills the display fields.

Statuses: ``correct``, ``incorrect`` (both sides understood, not equal, or undecided between two read
answers), ``no_answer`` (nothing extractable in the prediction), ``parse_error`` (a side could not be read,
or the gold has no answer in the given format) and ``timeout`` (the deadline passed before a decision).
``grade`` never raises on any input text; ``timeout_s`` bounds the whole call (plus a worker's start-up).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mathagent.verifiers.answers import normalize_answer
from mathagent.verifiers.extraction import extract_boxed, extract_final_answer
from mathagent.verifiers.equivalence import judge

GradeStatus = Literal["correct", "incorrect", "no_answer", "parse_error", "timeout"]
GoldFormat = Literal["auto", "math", "gsm8k", "latex"]
GOLD_FORMATS: tuple[str, ...] = ("auto", "math", "gsm8k", "latex")
DEFAULT_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class GradeResult:
    """The verdict on one prediction.

    ``detail`` says which rule decided (or why none could); ``prediction_answer`` and ``gold_answer`` are
    the raw answers that were compared; the ``*_normalized`` fields are their display forms.
    """

    correct: bool
    status: GradeStatus
    pred_normalized: str | None
    gold_normalized: str
    detail: str
    prediction_answer: str | None = None
    gold_answer: str | None = None

    def as_meta(self) -> dict[str, str]:
        """The part stored with a trace (``meta["grade"]``); the recorder and ``regrade`` both write it."""
        return {"status": self.status, "detail": self.detail}

    def to_dict(self) -> dict[str, object]:
        """``{"correct", "status", "detail", "prediction_answer", "gold_answer"}`` (``mathagent grade --json``)."""
        return {"correct": self.correct, "status": self.status, "detail": self.detail,
                "prediction_answer": self.prediction_answer, "gold_answer": self.gold_answer}


def gold_answer(gold: str | None, gold_format: str = "auto") -> str | None:
    """The answer part of ``gold`` in ``gold_format`` (see the module docstring); ``None`` when there is none.

    Raises ``ValueError`` for an unknown format.
    """
    if gold_format not in GOLD_FORMATS:
        raise ValueError(f"unknown gold format {gold_format!r}; expected one of {', '.join(GOLD_FORMATS)}")
    text = "" if gold is None else str(gold)
    if gold_format in ("auto", "math"):
        box = extract_boxed(text)
        if box is not None:
            return box.strip() or None
        if gold_format == "math":
            return None
    if gold_format in ("auto", "gsm8k"):
        _, sep, tail = text.rpartition("####")
        if sep:
            return tail.strip() or None
        if gold_format == "gsm8k":
            return None
    return text.strip() or None


def prediction_answer(prediction: str | None) -> str | None:
    """The final answer a prediction states (a reply or a bare answer); ``None`` when there is none."""
    if prediction is None:
        return None
    text = str(prediction).strip()
    if not text:
        return None
    got = extract_final_answer(text)
    return (got if got is not None else text).strip() or None


def grade(prediction: str | None, gold: str, *, gold_format: str = "auto",
          timeout_s: float = DEFAULT_TIMEOUT_S) -> GradeResult:
    """Grade ``prediction`` (model text or a bare answer) against ``gold``.

    Never raises on any text (an unknown ``gold_format`` is a programming error: ``ValueError``).
    """
    gold_ans = gold_answer(gold, gold_format)
    gold_norm = normalize_answer(gold_ans) if gold_ans else ""
    pred_ans = prediction_answer(prediction)
    if pred_ans is None:
        detail = "empty prediction" if prediction is None or not str(prediction).strip() else \
            "no final answer found in the prediction"
        return GradeResult(False, "no_answer", None, gold_norm, detail, None, gold_ans)
    pred_norm = normalize_answer(pred_ans)
    if gold_ans is None:
        missing = {"math": "the gold solution has no \\boxed{} answer", "gsm8k": "the gold has no '#### N' line"}
        return GradeResult(False, "parse_error", pred_norm, gold_norm,
                           missing.get(gold_format, "empty gold answer"), pred_ans, None)
    verdict = judge(pred_ans, gold_ans, timeout_s=timeout_s)
    if verdict.same is True:
        return GradeResult(True, "correct", pred_norm, gold_norm, verdict.how, pred_ans, gold_ans)
    if verdict.same is False:
        return GradeResult(False, "incorrect", pred_norm, gold_norm, verdict.how, pred_ans, gold_ans)
    if verdict.timed_out:
        return GradeResult(False, "timeout", pred_norm, gold_norm, verdict.how, pred_ans, gold_ans)
    if verdict.unread:
        sides = " and ".join({"a": "the prediction", "b": "the gold"}[s] for s in verdict.unread)
        return GradeResult(False, "parse_error", pred_norm, gold_norm, f"could not read {sides} ({verdict.how})",
                           pred_ans, gold_ans)
    return GradeResult(False, "incorrect", pred_norm, gold_norm, f"undecided, counted incorrect ({verdict.how})",
                       pred_ans, gold_ans)

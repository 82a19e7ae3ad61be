"""Verification levels measured against gold: precision and coverage per level, and the confidence curve.

The agent judges its own answers without a gold answer: ``agent_level`` (formal
| consensus | unverified) and ``confidence`` (0..1).  On an eval run every
attempt is also graded against the gold answer, so each judgement can be
measured:

* **per level**: of the attempts the agent put at a level, how many are right
  (*precision*, with a Wilson 95% interval) and what share of all attempts they
  are (*coverage*); ``verified`` is the cumulative "consensus or stronger";
* **the confidence curve**: for each threshold t (the distinct confidences
  seen), the attempts with an answer and confidence >= t: precision and
  coverage.  :func:`pick_threshold` takes the smallest t whose precision reaches
  a target, i.e. the threshold with the most coverage at that precision.

:func:`figures` gathers both for one strategy of one run as a JSON-ready dict,
the *figures file* that ``mathagent report`` writes (``levels.json``),
``bench/verification.py --out`` writes, and ``mathagent export
--precision-file`` reads to state the measured precision of each level in the
dataset card (:func:`read_figures`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mathagent.errors import InputError
from mathagent.eval.metrics import Row, wilson_interval

AGENT_LEVELS = ("formal", "consensus", "unverified")
"""The levels the agent gives itself (``gold`` needs a known answer)."""
DEFAULT_TARGET = 0.99
FIGURES_SCHEMA = 1
MAX_FIGURES_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Measure:
    """``correct`` of ``n`` attempts right, out of ``total`` attempts (the coverage denominator)."""

    n: int
    correct: int
    total: int

    @property
    def precision(self) -> float | None:
        return self.correct / self.n if self.n else None

    @property
    def ci95(self) -> tuple[float, float]:
        return wilson_interval(self.correct, self.n)

    @property
    def coverage(self) -> float | None:
        return self.n / self.total if self.total else None

    def as_dict(self) -> dict[str, Any]:
        """``{"n", "correct", "total", "precision", "ci95": [lo, hi], "coverage"}`` (ratios rounded to 6 places)."""
        lo, hi = self.ci95
        return {"n": self.n, "correct": self.correct, "total": self.total, "precision": _round(self.precision),
                "ci95": [round(lo, 6), round(hi, 6)], "coverage": _round(self.coverage)}


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 6)


def _measure(rows: Sequence[Row], total: int) -> Measure:
    return Measure(len(rows), sum(r.correct for r in rows), total)


def level_measures(rows: Sequence[Row]) -> dict[str, Measure]:
    """``{level: Measure}`` for formal, consensus, unverified (the agent's own level of each row), plus
    ``verified``: consensus or stronger."""
    total = len(rows)
    out = {lv: _measure([r for r in rows if (r.level or "unverified") == lv], total) for lv in AGENT_LEVELS}
    out["verified"] = _measure([r for r in rows if r.verified], total)
    return out


@dataclass(frozen=True)
class CurvePoint:
    threshold: float
    measure: Measure

    def as_dict(self) -> dict[str, Any]:
        return {"threshold": self.threshold, **self.measure.as_dict()}


def confidence_curve(rows: Sequence[Row]) -> list[CurvePoint]:
    """One point per distinct confidence t (ascending): the answered rows with confidence >= t.  Rows without an
    answer or a confidence are never covered but count in the coverage denominator."""
    total = len(rows)
    scored = sorted(((r.confidence, r.correct) for r in rows if r.answer and r.confidence is not None),
                    key=lambda x: x[0])
    points: list[CurvePoint] = []
    n = len(scored)
    correct_above = sum(c for _, c in scored)
    i = 0
    while i < n:
        t = scored[i][0]
        points.append(CurvePoint(float(t), Measure(n - i, correct_above, total)))
        while i < n and scored[i][0] == t:
            correct_above -= scored[i][1]
            i += 1
    return points


def pick_threshold(curve: Sequence[CurvePoint], target: float) -> CurvePoint | None:
    """The smallest threshold whose precision reaches ``target`` (the most coverage at that precision), or None."""
    for p in curve:
        if p.measure.precision is not None and p.measure.precision >= target:
            return p
    return None


def strategies_with_confidence(rows: Sequence[Row]) -> list[str]:
    """The strategies whose rows carry the agent's judgement (a confidence or a level above unverified)."""
    seen = dict.fromkeys(r.strategy for r in rows if r.confidence is not None or r.level != "unverified")
    return list(seen)


def figures(rows: Sequence[Row], *, run_id: str, dataset: str, strategy: str,
            target: float = DEFAULT_TARGET) -> dict[str, Any]:
    """The figures file of one strategy of one run::

        {"schema": 1, "run_id", "dataset", "strategy", "attempts", "target",
         "levels": {"formal" | "consensus" | "unverified" | "verified": Measure.as_dict()},
         "curve": [{"threshold", **Measure.as_dict()}, ...],
         "threshold": {"threshold", **Measure.as_dict()} | None}   # the smallest reaching the target
    """
    mine = [r for r in rows if r.strategy == strategy]
    curve = confidence_curve(mine)
    chosen = pick_threshold(curve, target)
    return {"schema": FIGURES_SCHEMA, "run_id": run_id, "dataset": dataset, "strategy": strategy,
            "attempts": len(mine), "target": target,
            "levels": {k: m.as_dict() for k, m in level_measures(mine).items()},
            "curve": [p.as_dict() for p in curve], "threshold": chosen.as_dict() if chosen else None}


def read_figures(path: Path) -> dict[str, Any]:
    """A figures file (see :func:`figures`), checked enough to quote from; bad input is an :class:`InputError`."""
    fix = "write one with `mathagent report RUN_ID --out DIR` (DIR/levels.json) or `bench/verification.py --out`"
    if not path.is_file():
        raise InputError(f"figures file not found: {path}", fix)
    if path.stat().st_size > MAX_FIGURES_BYTES:
        raise InputError(f"figures file {path} is larger than {MAX_FIGURES_BYTES // 2**20} MiB", fix)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputError(f"figures file {path} is not JSON: {str(exc).splitlines()[0][:200]}", fix) from None
    levels = data.get("levels") if isinstance(data, dict) else None
    if not isinstance(levels, dict) or not all(isinstance(v, dict) for v in levels.values()):
        raise InputError(f"figures file {path} has no per-level figures", fix)
    for name, m in levels.items():
        n, correct = m.get("n"), m.get("correct")
        if not (type(n) is int and type(correct) is int and 0 <= correct <= n):
            raise InputError(f"figures file {path}: level {str(name)[:40]!r} has no counts (n, correct)", fix)
    return data

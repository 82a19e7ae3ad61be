"""Verification levels against gold: per-level precision and coverage, the confidence curve, the threshold."""

from __future__ import annotations

import json

import pytest
from mathagent.errors import InputError
from mathagent.eval.levels import confidence_curve, figures, level_measures, pick_threshold, read_figures
from mathagent.eval.metrics import Row


def row(pid: str, correct: bool, level: str = "unverified", confidence: float | None = None, answer: str | None = "1",
        strategy: str = "agent") -> Row:
    return Row(pid, strategy, 0, answer, correct, level in ("formal", "consensus"), 1.0, 10, level=level,
               confidence=confidence)


ROWS = [row("a", True, "formal", 0.6), row("b", True, "consensus", 0.95), row("c", True, "consensus", 0.95),
        row("d", False, "consensus", 0.9), row("e", True, "unverified", 0.5), row("f", False, "unverified", 0.2),
        row("g", False, "unverified", 0.0, answer=None), row("h", False, strategy="cot")]


def test_level_measures_count_each_agent_level_against_gold():
    m = level_measures([r for r in ROWS if r.strategy == "agent"])
    assert (m["formal"].n, m["formal"].correct, m["formal"].precision) == (1, 1, 1.0)
    assert (m["consensus"].n, m["consensus"].correct) == (3, 2) and m["consensus"].precision == pytest.approx(2 / 3)
    assert (m["verified"].n, m["verified"].correct, m["verified"].coverage) == (4, 3, 4 / 7)
    assert (m["unverified"].n, m["unverified"].correct) == (3, 1)
    lo, hi = m["consensus"].ci95
    assert 0 < lo < 2 / 3 < hi < 1
    assert level_measures([])["consensus"].precision is None


def test_the_curve_covers_answered_rows_at_or_above_each_threshold():
    curve = confidence_curve([r for r in ROWS if r.strategy == "agent"])
    assert [(p.threshold, p.measure.n, p.measure.correct) for p in curve] == [
        (0.2, 6, 4), (0.5, 5, 4), (0.6, 4, 3), (0.9, 3, 2), (0.95, 2, 2)]  # g has no answer: never covered
    assert all(p.measure.total == 7 for p in curve)
    assert pick_threshold(curve, 0.99).threshold == 0.95 and pick_threshold(curve, 0.99).measure.coverage == 2 / 7
    assert pick_threshold(curve, 0.75).threshold == 0.5  # the smallest threshold: the most coverage
    assert pick_threshold(curve[:-1], 0.99) is None and confidence_curve([]) == []


def test_figures_round_trip_through_the_file(tmp_path):
    fig = figures(ROWS, run_id="r1", dataset="gsm8k", strategy="agent", target=0.99)
    assert fig["attempts"] == 7 and fig["threshold"]["threshold"] == 0.95 and fig["threshold"]["coverage"] == 0.285714
    assert fig["levels"]["consensus"] == {"n": 3, "correct": 2, "total": 7, "precision": 0.666667,
                                          "ci95": fig["levels"]["consensus"]["ci95"], "coverage": 0.428571}
    path = tmp_path / "levels.json"
    path.write_text(json.dumps(fig), encoding="utf-8")
    assert read_figures(path) == fig
    path.write_text('{"levels": {"consensus": {"n": "3", "correct": 2}}}', encoding="utf-8")
    with pytest.raises(InputError, match="has no counts"):
        read_figures(path)

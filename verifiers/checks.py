"""Comparison checks: an answer judged against an independently re-derived one.

A check (:class:`mathagent.traces.records.Check`) is *independent* when it
re-derives the answer by another route; the agent's own level of verification
is decided from its vote and formal checks (:mod:`mathagent.agent.graph`), and a
comparison never compares an answer with itself.
"""

from __future__ import annotations

from mathagent.traces.records import Check, CheckVerdict
from mathagent.verifiers.answers import normalize_answer
from mathagent.verifiers.equivalence import equivalent

_OUTCOME: dict[bool | None, tuple[CheckVerdict, str]] = {
    True: ("pass", "equivalent"), False: ("fail", "not equivalent"), None: ("inconclusive", "equivalence undecided")}


def judged(name: str, claimed: str, rederived: str, same: bool | None, *, how: str) -> Check:
    """The check for an equivalence already decided (``same``); :func:`compare_answers` decides it first.
    Lets a caller that compared the same two answers before record the check without comparing again
    (each SymPy comparison runs in a process)."""
    verdict, word = _OUTCOME[same]
    shown = f"{how} gave {normalize_answer(rederived)!r}, claimed {normalize_answer(claimed)!r}"
    return Check(name, verdict, f"{shown}: {word}")


def compare_answers(name: str, claimed: str, rederived: str | None, *, how: str,
                    timeout_s: float = 2.0) -> Check:
    """Judge ``claimed`` against an independently re-derived answer with the project's one equivalence
    judgement (:func:`mathagent.verifiers.equivalence.equivalent`, the same one gold grading uses)."""
    if rederived is None:
        return Check(name, "inconclusive", f"{how} produced no answer")
    return judged(name, claimed, rederived, equivalent(claimed, rederived, timeout_s=timeout_s), how=how)

"""Verification verdicts for a final answer.

A check is *independent* when it re-derives the answer by another route (a
chain of thought against a program, or a second program against the first);
only an independent pass can make an answer ``verified``, and any failed
check vetoes it.  Re-running the same program, say, is recorded but proves
nothing on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

from mathagent.verifiers.answers import equivalent, normalize_answer

Verdict = Literal["pass", "fail", "inconclusive", "error"]


@dataclass(frozen=True)
class CheckResult:
    name: str
    verdict: Verdict
    detail: str
    independent: bool = True

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def same(self) -> bool | None:
        """The equivalence a comparison check decided: True (pass), False (fail), None (undecided)."""
        return {"pass": True, "fail": False}.get(self.verdict)


_OUTCOME: dict[bool | None, tuple[Verdict, str]] = {
    True: ("pass", "equivalent"), False: ("fail", "not equivalent"), None: ("inconclusive", "equivalence undecided")}


def judged(name: str, claimed: str, rederived: str, same: bool | None, *, how: str) -> CheckResult:
    """The check for an equivalence already decided (``same``); :func:`compare_answers` decides it first.
    Lets a caller that compared the same two answers before record the check without comparing again
    (each SymPy comparison runs in a process)."""
    verdict, word = _OUTCOME[same]
    shown = f"{how} gave {normalize_answer(rederived)!r}, claimed {normalize_answer(claimed)!r}"
    return CheckResult(name, verdict, f"{shown}: {word}")


def compare_answers(name: str, claimed: str, rederived: str | None, *, how: str,
                    timeout_s: float = 2.0) -> CheckResult:
    """Judge ``claimed`` against an independently re-derived answer with SymPy equivalence."""
    if rederived is None:
        return CheckResult(name, "inconclusive", f"{how} produced no answer")
    return judged(name, claimed, rederived, equivalent(claimed, rederived, timeout_s=timeout_s), how=how)


def is_verified(checks: Iterable[CheckResult]) -> bool:
    checks = list(checks)
    return any(c.independent and c.verdict == "pass" for c in checks) and not any(
        c.verdict == "fail" for c in checks)

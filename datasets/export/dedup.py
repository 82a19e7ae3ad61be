"""Deduplication on a stream ordered by problem hash (constant memory).

Problems: traces whose problem texts normalize to the same hash (case and
whitespace folded, :func:`mathagent.traces.records.problem_hash`) arrive
together, best first, so keeping the first ``max_per_problem`` of each run
needs no set of seen problems.  Solutions: within one problem, a solution
whose normalized text (comments and whitespace removed, lower-cased) is at
least ``similarity`` similar (difflib ratio) to one already kept is a near
duplicate - the same program with other variable names or comments is not a
second example.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Literal

_COMMENT = re.compile(r"#[^\n]*")
_SPACE = re.compile(r"\s+")

Verdict = Literal["keep", "duplicate_problem", "duplicate_solution"]


def normalize_solution(text: str) -> str:
    return _SPACE.sub(" ", _COMMENT.sub("", text)).strip().lower()


def similar(a: str, b: str, threshold: float) -> bool:
    if a == b:
        return True
    m = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return m.real_quick_ratio() >= threshold and m.quick_ratio() >= threshold and m.ratio() >= threshold


@dataclass
class Deduplicator:
    max_per_problem: int = 1
    similarity: float = 0.9
    _hash: str | None = None
    _kept: list[str] = field(default_factory=list)

    def check(self, problem_hash: str, solution: str) -> Verdict:
        """Decide for the next trace of the stream; a ``keep`` is remembered."""
        if problem_hash != self._hash:
            self._hash, self._kept = problem_hash, []
        if len(self._kept) >= self.max_per_problem:
            return "duplicate_problem"
        norm = normalize_solution(solution)
        if any(similar(norm, k, self.similarity) for k in self._kept):
            return "duplicate_solution"
        self._kept.append(norm)
        return "keep"

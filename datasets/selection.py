"""Which problems of a benchmark file an evaluation runs, and in what order.

``--limit N`` takes the first N problems of an *order*; the order never depends
on N, so raising the limit later (``--resume RUN --limit M``) only appends
problems and every row already stored stays inside the stated subset.

* ``file`` - the file's own order (MATH's dev file starts with 100 Algebra problems);
* ``shuffled`` - a seeded order: problems sorted by SHA-256 of ``"<seed>:<id>"``,
  the same on every machine and Python version (no ``random`` state involved);
* ``stratified`` - the shuffled order within each subject, subjects taken in
  turn (sorted by name), so any prefix covers every subject about evenly.
  Problems without a subject (GSM8K) form one group: stratified = shuffled.

Filters (``subjects``, ``levels``) drop problems before ordering; a MATH
subject matches case-insensitively (``algebra`` = ``Algebra``).

A MATH difficulty level is read in one place, :func:`parse_level` (the loader's ``"Level 4"``, a trace's
``meta["level"]``, each bound of ``--level 1-3``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import zip_longest
from typing import Any

from mathagent.datasets.problem import Problem

ORDERS = ("file", "shuffled", "stratified")
MATH_LEVELS = range(1, 6)
LEVEL = re.compile(r"\s*(?:level\s*)?(\d+)\s*", re.IGNORECASE)


def parse_level(value: Any) -> int | None:
    """``"Level 4"`` / ``4`` / ``"4"`` -> 4; ``"Level ?"`` or anything else -> None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        m = LEVEL.fullmatch(value)
        if m:
            try:
                return int(m.group(1))
            except ValueError:  # more digits than int() reads
                return None
    return None


class SelectionError(ValueError):
    """A selection that cannot be applied (unknown order, nothing matches)."""


@dataclass(frozen=True)
class Selection:
    order: str = "file"
    order_seed: int = 0
    subjects: tuple[str, ...] = ()
    levels: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.order not in ORDERS:
            raise SelectionError(f"unknown order {self.order!r}: use one of {', '.join(ORDERS)}")

    @property
    def is_whole_file(self) -> bool:
        return self.order == "file" and not self.subjects and not self.levels

    def apply(self, problems: Sequence[Problem], limit: int | None = None) -> list[Problem]:
        """The selected problems in this selection's order, the first ``limit`` of them."""
        subjects = frozenset(s.casefold() for s in self.subjects)
        kept = [p for p in problems if self._matches(p, subjects)]
        if problems and not kept:
            raise SelectionError(f"no problem matches {self.describe()} (of {len(problems)} read)")
        ordered = self._ordered(kept)
        return ordered if limit is None else ordered[:limit]

    def describe(self) -> str:
        parts = [] if self.order == "file" else [f"order {self.order} (seed {self.order_seed})"]
        if self.subjects:
            parts.append("subjects " + ", ".join(self.subjects))
        if self.levels:
            parts.append("levels " + ", ".join(map(str, self.levels)))
        return "; ".join(parts) or "the whole file in its order"

    def _matches(self, p: Problem, subjects: frozenset[str]) -> bool:
        if subjects and (p.subject or "").casefold() not in subjects:
            return False
        return not self.levels or p.level in self.levels

    def _key(self, p: Problem) -> str:
        return hashlib.sha256(f"{self.order_seed}:{p.id}".encode()).hexdigest()

    def _ordered(self, problems: list[Problem]) -> list[Problem]:
        if self.order == "file":
            return list(problems)
        shuffled = sorted(problems, key=self._key)
        if self.order == "shuffled":
            return shuffled
        groups: dict[str, list[Problem]] = {}
        for p in shuffled:
            groups.setdefault(p.subject or "", []).append(p)
        rounds = zip_longest(*(groups[s] for s in sorted(groups)))
        return [p for row in rounds for p in row if p is not None]


def parse_levels(text: str) -> tuple[int, ...]:
    """``"4,5"`` or ``"1-3"`` -> sorted levels; MATH levels are 1..5, each bound read by :func:`parse_level`."""
    levels: set[int] = set()
    for part in (s.strip() for s in text.split(",")):
        if not part:
            continue
        lo, dash, hi = part.partition("-")
        a = parse_level(lo)
        b = parse_level(hi) if dash else a
        if a is None or b is None:
            raise SelectionError(f"bad level {part!r}: use numbers 1-5, e.g. 4,5 or 1-3")
        if not (a in MATH_LEVELS and b in MATH_LEVELS and a <= b):
            raise SelectionError(f"bad level range {part!r}: MATH levels are 1 to 5")
        levels.update(range(a, b + 1))
    if not levels:
        raise SelectionError("no level given: use numbers 1-5, e.g. 4,5 or 1-3")
    return tuple(sorted(levels))


def parse_subjects(text: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(s.strip() for s in text.split(",") if s.strip()))
    if not names:
        raise SelectionError("no subject given: use e.g. Algebra,Geometry")
    return names

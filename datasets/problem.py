"""The one record type every benchmark loader produces."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mathagent.datasets.errors import RecordError


@dataclass(frozen=True)
class Problem:
    """A benchmark problem.

    ``answer`` is the gold final answer as a normalized string
    (:func:`mathagent.verifiers.answers.normalize_answer`); the raw gold is kept
    in ``meta["answer_raw"]``.  Formal benchmarks (miniF2F, ProofNet) have no
    answer but a Lean ``formal_statement``; ``meta["header"]`` holds the
    imports/opens that precede it.
    """

    id: str
    dataset: str
    question: str
    answer: str | None = None
    solution: str | None = None
    level: int | None = None
    subject: str | None = None
    formal_statement: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LoadResult:
    """What a loader read: the good problems, the bad records, and the input's hash."""

    problems: list[Problem]
    errors: list[RecordError]
    file_sha256: str

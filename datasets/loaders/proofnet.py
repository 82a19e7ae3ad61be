"""ProofNet (Lean 4 port) loader: JSONL with ``name``, ``formal_statement``,
``informal_stmt``, ``informal_proof``, ``header``, ``source``.

Ids are ``proofnet/<name>``; the subject is the textbook (``source`` without
``.lean``, e.g. ``Rudin``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

from mathagent.datasets.errors import RecordError
from mathagent.datasets.loaders.lean_statements import formal_problem
from mathagent.datasets.problem import Problem
from mathagent.datasets.loaders.reading import jsonl_records, require_file

NAME = "proofnet"


def records(path: Path) -> Iterator[tuple[str, int | None, Problem | RecordError]]:
    require_file(path, NAME, "a ProofNet .jsonl file")

    def build(obj: dict, line: int) -> Problem:
        problem = formal_problem(NAME, obj, ("name",))
        source = obj.get("source")
        if isinstance(source, str) and source.strip():
            problem = dataclasses.replace(problem, subject=source.strip().removesuffix(".lean"))
        return problem

    return jsonl_records(path, build)

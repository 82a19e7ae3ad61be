"""Shared parsing for benchmarks of Lean 4 theorem statements (miniF2F, ProofNet)."""

from __future__ import annotations

import re
from typing import Any

from mathagent.datasets.problem import Problem
from mathagent.datasets.loaders.reading import field_str

_DECL_RE = re.compile(r"^(?:theorem|lemma)\s+([^\s(:{\[]+)", re.MULTILINE)


def split_lean_file(text: str) -> tuple[str, str, str] | None:
    """``(header, statement, name)`` of a one-theorem Lean file; ``None`` if it has no theorem."""
    m = _DECL_RE.search(text)
    if m is None:
        return None
    return text[: m.start()], text[m.start() :], m.group(1)


def formal_problem(dataset: str, obj: dict[str, Any], name_keys: tuple[str, ...]) -> Problem:
    """A Problem from a JSONL record with ``formal_statement`` and optional informal fields.

    ``ValueError`` (the RecordError message) when a required field is missing.
    The question is the informal statement when there is one, else the formal one.
    """
    statement = field_str(obj, "formal_statement")
    name = None
    for key in name_keys:
        value = obj.get(key)
        if isinstance(value, str) and value.strip():
            name = value.strip()
            break
    if name is None:
        raise ValueError(f"missing field {' or '.join(repr(k) for k in name_keys)}")
    informal = field_str(obj, "informal_stmt", required=False)
    proof = field_str(obj, "informal_proof", required=False)
    header = field_str(obj, "header", required=False)
    meta: dict[str, Any] = {"header": header or "", "informal": bool(informal and informal.strip())}
    for key in ("split", "lean_path", "source", "formal_proof", "id"):
        if obj.get(key) is not None:
            meta[key] = obj[key]
    return Problem(
        id=f"{dataset}/{name}",
        dataset=dataset,
        question=(informal or statement).strip(),
        answer=None,
        solution=proof,
        formal_statement=statement,
        meta=meta,
    )

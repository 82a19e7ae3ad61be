"""GSM8K loader: JSONL lines ``{"question", "answer"}`` whose answer ends ``#### N``.

Ids are ``gsm8k/<file stem>/<0-based line index>`` (e.g. ``gsm8k/test/17``),
stable as long as the file is; the gold is the text after the last ``####``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from mathagent.datasets.errors import RecordError
from mathagent.datasets.problem import Problem
from mathagent.datasets.loaders.reading import field_str, jsonl_records, require_file
from mathagent.verifiers.answers import normalize_answer

NAME = "gsm8k"


def split_answer(answer: str) -> tuple[str, str]:
    """``(worked solution, final answer)``; ``ValueError`` without a ``####`` line."""
    head, sep, tail = answer.rpartition("####")
    final = tail.strip()
    if not sep or not final:
        raise ValueError("field 'answer' has no final '#### <number>' line")
    return head.strip(), final


def records(path: Path) -> Iterator[tuple[str, int | None, Problem | RecordError]]:
    require_file(path, NAME, "a GSM8K .jsonl file (one {question, answer} object per line)")

    def build(obj: dict, line: int) -> Problem:
        question = field_str(obj, "question")
        solution, final = split_answer(field_str(obj, "answer"))
        gold = normalize_answer(final)
        if not gold:
            raise ValueError(f"final answer {final!r} is empty after normalization")
        return Problem(
            id=f"{NAME}/{path.stem}/{line - 1}",
            dataset=NAME,
            question=question.strip(),
            answer=gold,
            solution=solution or None,
            meta={"answer_raw": final, "source_line": line},
        )

    return jsonl_records(path, build)

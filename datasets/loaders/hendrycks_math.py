"""MATH (Hendrycks et al.) loader, in its three published layouts.

* JSONL with ``problem``, ``solution`` (answer in the last ``\\boxed{}``),
  ``level`` (``"Level 3"``), ``type`` (the subject), optional ``unique_id``;
* the MATH-500 layout (``problem``, ``solution``, ``answer``, ``subject``,
  ``level`` as an int, ``unique_id``);
* the original release: a folder of per-problem ``.json`` files
  (``test/<subject>/<n>.json``), read in subject then numeric order.

Ids: the record's ``unique_id`` (e.g. ``test/algebra/1.json``); for a folder,
the same convention (path from the ``train``/``test`` folder down); otherwise
``math/<file stem>/<0-based line index>``.  An explicit ``answer`` field wins
over the solution's box.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mathagent.datasets.errors import DatasetError, RecordError
from mathagent.datasets.problem import Problem
from mathagent.datasets.loaders.reading import field_str, file_text, iter_jsonl
from mathagent.datasets.selection import parse_level
from mathagent.files import loads_json
from mathagent.verifiers.answers import normalize_answer
from mathagent.verifiers.extraction import extract_boxed

NAME = "math"
MAX_FILE_BYTES = 4 * 1024 * 1024


def problem_from(obj: dict[str, Any], default_id: str, file: str, line: int | None) -> Problem | RecordError:
    try:
        question = field_str(obj, "problem")
        solution = field_str(obj, "solution", required=False)
        answer_field = obj.get("answer")
        if answer_field is not None and not isinstance(answer_field, (str, int, float)):
            raise ValueError(f"field 'answer' must be a string, got {type(answer_field).__name__}")
        subject = obj.get("type", obj.get("subject"))
        if subject is not None and not isinstance(subject, str):
            raise ValueError(f"field 'type'/'subject' must be a string, got {type(subject).__name__}")
        uid = obj.get("unique_id")
        if uid is not None and not isinstance(uid, (str, int)):
            raise ValueError(f"field 'unique_id' must be a string, got {type(uid).__name__}")
    except ValueError as exc:
        return RecordError(file, line, str(exc))
    raw = str(answer_field) if answer_field is not None and str(answer_field).strip() else None
    if raw is None and solution:
        raw = extract_boxed(solution)
    if raw is None or not raw.strip():
        return RecordError(file, line, "no gold answer: no 'answer' field and no \\boxed{} in 'solution'")
    gold = normalize_answer(raw)
    if not gold:
        return RecordError(file, line, f"gold answer {raw!r} is empty after normalization")
    meta: dict[str, Any] = {"answer_raw": raw}
    if "level" in obj:
        meta["level_raw"] = obj["level"]
    return Problem(
        id=str(uid) if uid not in (None, "") else default_id,
        dataset=NAME,
        question=question.strip(),
        answer=gold,
        solution=solution,
        level=parse_level(obj.get("level")),
        subject=subject,
        meta=meta,
    )


def _sort_key(rel: Path) -> tuple:
    return tuple(rel.parts[:-1]) + ((0, int(rel.stem), "") if rel.stem.isdigit() else (1, 0, rel.stem),)


def _folder_id(root: Path, file: Path) -> str:
    parts = file.resolve().parts
    for split in ("test", "train"):
        if split in parts:
            i = len(parts) - 1 - parts[::-1].index(split)
            return "/".join(parts[i:])
    return file.relative_to(root).as_posix()


def _folder_records(root: Path) -> Iterator[tuple[str, int | None, Problem | RecordError]]:
    files = sorted((p for p in root.rglob("*.json") if p.is_file()), key=lambda p: _sort_key(p.relative_to(root)))
    if not files:
        raise DatasetError(f"math: no .json files under {root}", "pass a MATH .jsonl file or the unpacked MATH folder")
    for path in files:
        file = str(path)
        try:
            obj = loads_json(file_text(path, MAX_FILE_BYTES))
        except ValueError as exc:  # not a regular file, too large, not UTF-8, not usable JSON
            yield file, None, RecordError(file, None, str(exc))
            continue
        if not isinstance(obj, dict):
            yield file, None, RecordError(file, None, f"expected a JSON object, got {type(obj).__name__}")
            continue
        yield file, None, problem_from(obj, _folder_id(root, path), file, None)


def records(path: Path) -> Iterator[tuple[str, int | None, Problem | RecordError]]:
    if path.is_dir():
        yield from _folder_records(path)
        return
    file = str(path)
    for line, obj in iter_jsonl(path):
        if isinstance(obj, RecordError):
            yield file, line, obj
            continue
        yield file, line, problem_from(obj, f"{NAME}/{path.stem}/{line - 1}", file, line)

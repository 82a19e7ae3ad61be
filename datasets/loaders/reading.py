"""Shared reading helpers for the benchmark loaders: JSONL lines, hashing, collection.

Design: loaders are generators of ``Problem | RecordError``; :class:`Collector`
applies ``limit``, ``strict`` and duplicate-id detection the same way for every
benchmark, so each loader module only knows its own format.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from mathagent.datasets.errors import DatasetError, RecordError
from mathagent.datasets.problem import LoadResult, Problem
from mathagent.files import (
    FileProblem,
    JsonProblem,
    decode_text,
    loads_json,
    open_input,
    read_bytes,
    read_lines,
    regular_files,
)

MAX_LINE_BYTES = 16 * 1024 * 1024


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, or of a folder's regular files (relative POSIX paths and contents, sorted)."""
    if path.is_dir():
        h = hashlib.sha256()
        for p in sorted(regular_files(path.rglob("*"))):
            h.update(p.relative_to(path).as_posix().encode() + b"\0")
            h.update(_file_digest(p).encode() + b"\n")
        return h.hexdigest()
    return _file_digest(path)


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open_input(path, "dataset file") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def iter_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any] | RecordError]]:
    """``(line_number, object)`` for each non-blank line, or a :class:`RecordError`.

    Reads a regular file line by line (bounded memory, see :func:`mathagent.files.read_lines`); a
    line that is too long, not UTF-8, not JSON (or JSON with a number, a nesting or a string no
    reader should have to hold: :func:`mathagent.files.loads_json`), or not a JSON object becomes an
    error for that line only.
    """
    for number, raw in read_lines(path, "dataset file", max_line_bytes=MAX_LINE_BYTES):
        if raw is None:
            yield number, RecordError(str(path), number, f"line longer than {MAX_LINE_BYTES} bytes")
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield number, RecordError(str(path), number, f"not UTF-8 text ({exc.reason} at byte {exc.start})")
            continue
        if not text.strip():
            continue
        try:
            obj = loads_json(text)
        except JsonProblem as exc:
            yield number, RecordError(str(path), number, exc.reason)
            continue
        if not isinstance(obj, dict):
            yield number, RecordError(str(path), number, f"expected a JSON object, got {type(obj).__name__}")
            continue
        yield number, obj


def file_text(path: Path, max_bytes: int) -> str:
    """One whole file of a folder-format benchmark as text: ``ValueError`` (the RecordError message) when it is
    not a regular file, larger than ``max_bytes`` or not UTF-8."""
    try:
        return decode_text(read_bytes(path, "file", max_bytes=max_bytes), str(path), "file")
    except FileProblem as exc:
        raise ValueError(exc.message) from None


def jsonl_records(path: Path, build: Callable[[dict[str, Any], int], Problem]
                  ) -> Iterator[tuple[str, int | None, Problem | RecordError]]:
    """Each object of a JSONL file through ``build``; a malformed line, or a ValueError from ``build``,
    becomes a RecordError naming the file and line, and the other records go on."""
    file = str(path)
    for line, obj in iter_jsonl(path):
        if isinstance(obj, RecordError):
            yield file, line, obj
            continue
        try:
            item: Problem | RecordError = build(obj, line)
        except ValueError as exc:
            item = RecordError(file, line, str(exc))
        yield file, line, item


def field_str(obj: dict[str, Any], key: str, *, required: bool = True) -> str | None:
    """``obj[key]`` as a non-empty string; raises ``ValueError`` (message for a RecordError)."""
    value = obj.get(key)
    if value is None:
        if required:
            raise ValueError(f"missing field {key!r}")
        return None
    if not isinstance(value, str):
        raise ValueError(f"field {key!r} must be a string, got {type(value).__name__}")
    if required and not value.strip():
        raise ValueError(f"field {key!r} is empty")
    return value


def require_file(path: Path, dataset: str, what: str) -> None:
    """``path`` must be a regular file (:func:`mathagent.files.open_input` refuses the rest when reading)."""
    if not path.is_file():
        raise DatasetError(
            f"{dataset}: expected {what}, but {path} is a folder" if path.is_dir() else f"{dataset}: not a file: {path}",
            f"pass the path of the {what} itself",
        )


class Collector:
    """Accumulates problems and errors with ``limit``, ``strict`` and unique ids."""

    def __init__(self, limit: int | None, strict: bool) -> None:
        if limit is not None and limit < 0:
            raise DatasetError(f"limit must be >= 0, got {limit}", "pass a non-negative --limit, or none for all")
        self.limit = limit
        self.strict = strict
        self.problems: list[Problem] = []
        self.errors: list[RecordError] = []
        self._ids: dict[str, str] = {}

    @property
    def full(self) -> bool:
        return self.limit is not None and len(self.problems) >= self.limit

    def error(self, err: RecordError) -> None:
        if self.strict:
            raise DatasetError(str(err), "fix or remove that record, or load without --strict to skip bad records")
        self.errors.append(err)

    def add(self, problem: Problem, file: str, line: int | None) -> None:
        where = file if line is None else f"{file}:{line}"
        if problem.id in self._ids:
            self.error(RecordError(file, line, f"duplicate id {problem.id!r} (first seen at {self._ids[problem.id]})"))
            return
        self._ids[problem.id] = where
        self.problems.append(problem)

    def consume(self, items: Iterable[tuple[str, int | None, Problem | RecordError]]) -> None:
        """Take ``(file, line, problem_or_error)`` items until the limit is reached."""
        if self.full:
            return
        for file, line, item in items:
            if isinstance(item, RecordError):
                self.error(item)
            else:
                self.add(item, file, line)
            if self.full:
                return

    def result(self, sha: str) -> LoadResult:
        return LoadResult(problems=self.problems, errors=self.errors, file_sha256=sha)
